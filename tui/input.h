/* input.h: the one place keys come from: the terminal, or a test script.
 *
 * Script syntax (tig's model; one action per line):
 *   # comment
 *   :command args      typed on the command line, followed by <Enter>
 *   keys               anything else: keys in keys.h syntax, typed in order
 *                      (a printable character is itself; <Down>, <C-L>, ...)
 * At the end of the script the input yields 'q' then stops, so a script
 * never hangs. Script keys flow through exactly the path terminal keys
 * take, including readline on the command line.
 *
 * Memory: the script is read once into a buffer at input_open. */
#ifndef LS_TUI_INPUT_H
#define LS_TUI_INPUT_H

#include "base/status.h"

struct input;

/* script: a file name, or NULL for the terminal. Returns NULL with *err
 * set (LS_EREAD: exit 3) if the script cannot be read. */
struct input *input_open(const char *script, struct ls_error *err);
void input_close(struct input *in);
int input_scripted(const struct input *in);
/* Next key: waits up to timeout_ms (-1 forever) on the terminal; returns
 * KEY_NONE on timeout or interruption. */
int input_next(struct input *in, int timeout_ms);

#endif
