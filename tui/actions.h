/* actions.h: user actions, their default keys and every text that names a
 * key, all generated from actions.def (one table; see there).
 *
 * The table is data (struct action_table) so a test can copy it, rebind a
 * key and check that every text follows: the key hints (hints.h), the help
 * overlay (help.h), `--help-keys` (actions_print) and the descriptions.
 * Texts are templates: {ID} is the first key of action ID as a hint shows
 * it ("?", "Tab", "C-L"), {COMMANDS} the explorer's command names
 * (commands.h). Bindings from key codes to actions are in bindings.h.
 * Nothing here draws or includes curses. */
#ifndef LS_TUI_ACTIONS_H
#define LS_TUI_ACTIONS_H

#include <stddef.h>
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
    const char *name;      /* the ID as written in actions.def: "MOVE_UP" */
    const char *group;
    const char *keys;      /* key-name list as written in actions.def */
    const char *desc;      /* template */
};

struct action_table {
    const struct action_info *a;
    int n;
};

/* The mouse: what a click or the wheel does where (mouse.def, in its
 * order); the help overlay and actions_print list it. */
struct mouse_info {
    const char *event;     /* "click", "wheel" */
    const char *where;     /* "a step", "the parameter bar" */
    const char *what;
};
extern const struct mouse_info mouse_rows[];
extern const int mouse_n_rows;
#define MOUSE_HEADING "Mouse (where the terminal reports it; --no-mouse: off)"

/* The table of actions.def, in its order. */
extern const struct action_table actions_builtin;

/* The row of action id in t, NULL if none. */
const struct action_info *actions_find(const struct action_table *t, enum action id);
/* The first key of id's key list without its <>: "?", "Tab", "C-L"
 * ("?" when id has no row or no key). Returns buf. */
const char *actions_key_label(const struct action_table *t, enum action id, char *buf, size_t bufsz);
/* Expand template tmpl into out (always terminated). Returns 0, or -1 if
 * a {NAME} is unknown (written as is) or out was too small. */
int actions_expand(const struct action_table *t, const char *tmpl, char *out, size_t outsz);
/* Documentation outputs of t, then the mouse table: "md" (README tables),
 * "man" (roff rows), "text" (--help-keys). */
void actions_print(FILE *f, const struct action_table *t, const char *format);

#endif
