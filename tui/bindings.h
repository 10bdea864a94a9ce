/* bindings.h: key codes (keys.h) to actions, parsed from an action
 * table's key lists (actions.h) once at startup. */
#ifndef LS_TUI_BINDINGS_H
#define LS_TUI_BINDINGS_H

#include "actions.h"

/* Build the key -> action bindings of t; returns 0, or -1 if a key list
 * does not parse (a programming error: tests catch it). */
int bindings_init(const struct action_table *t);
/* The action bound to key, ACT_NONE if none. */
enum action bindings_lookup(int key);

#endif
