/* keys.h: key codes and key names, shared by bindings, scripts and help.
 *
 * A key is an int: a Unicode code point for characters (control characters
 * included: Ctrl-L is 12), or KEYF(curses KEY_* code) for function keys, so
 * the two ranges never collide. Names follow tig: a printable character is
 * itself, anything else is <Name> (<Up>, <Enter>, <C-L>, <F1>, <S-Right>,
 * <Space>, <Lt> for '<'). keys_parse reads one key from a string, used for
 * the action table's key lists and for test scripts. */
#ifndef LS_TUI_KEYS_H
#define LS_TUI_KEYS_H

#include <stddef.h>

#define KEYF_FLAG 0x1000000
#define KEYF(k) ((k) | KEYF_FLAG)
#define KEY_IS_F(k) (((k) & KEYF_FLAG) != 0)
#define KEY_NONE (-1)

/* Parse one key at *s; advances *s. Returns the key or KEY_NONE (bad name). */
int keys_parse(const char **s);

#endif
