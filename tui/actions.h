/* actions.h: user actions, default bindings and their documentation, all
 * generated from actions.def (one table; see there).
 *
 * actions_init parses the key lists once into a binding table; the help
 * overlay, --help-keys and the docs tables read the same entries, so what
 * the user reads is what the keys do. */
#ifndef LS_TUI_ACTIONS_H
#define LS_TUI_ACTIONS_H

#include <stdio.h>

enum action {
    ACT_NONE = 0,
#define ACTION(id, group, keys, desc) ACT_##id,
#include "actions.def"
#undef ACTION
    ACT__COUNT
};

struct action_info {
    enum action id;
    const char *name;      /* "move-up" style, for messages */
    const char *group;
    const char *keys;      /* key-name list as written in actions.def */
    const char *desc;
};

extern const struct action_info action_table[];
extern const int action_count;

/* Build the key -> action bindings; returns 0, or -1 if a key list in
 * actions.def does not parse (a programming error: tests catch it). */
int actions_init(void);
enum action actions_lookup(int key);

/* Documentation outputs: "md" (README table), "man" (roff rows), "text". */
void actions_print(FILE *f, const char *format);

#endif
