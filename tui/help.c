/* help.c: the help overlay ('?'): every action of actions.def grouped,
 * with its keys, in a centred box; scrolls with j/k when taller than the
 * screen. Generated from the table, so it always matches the bindings. */
#include "help.h"
#include "actions.h"

#include <string.h>

#define KEYS_W 22

static int line_count(void)
{
    int n = 2; /* title + blank */
    const char *group = "";
    for (int i = 0; i < action_count; i++) {
        if (strcmp(group, action_table[i].group)) { group = action_table[i].group; n += 2; }
        n++;
    }
    return n + 3; /* mouse lines */
}

int help_draw(struct grid *g, int scroll)
{
    int bw = g->w < 100 ? g->w : 100;
    int bh = g->h - 2;
    if (bw < 20 || bh < 4) return 0;
    int bx = (g->w - bw) / 2, by = 1;
    int inner = bh - 2;
    int total = line_count();
    if (scroll > total - inner) scroll = total - inner;
    if (scroll < 0) scroll = 0;
    grid_fill(g, bx, by, bw, bh, ROLE_HELP);
    grid_tag(g, bx, by, bw, bh, 0);
    grid_puts(g, bx + 2, by, bw - 4, ROLE_HELP_KEY, "logitscope keys (Esc, q or ? closes; j/k scroll)");
    int line = 0, y;
#define EMIT(role, x, text) do { y = by + 1 + line - scroll; \
        if (y > by && y < by + bh - 1) grid_puts(g, bx + (x), y, bw - (x) - 1, role, text); } while (0)
    line++;
    const char *group = "";
    for (int i = 0; i < action_count; i++) {
        if (strcmp(group, action_table[i].group)) {
            group = action_table[i].group;
            line++;
            EMIT(ROLE_HELP_KEY, 2, group);
            line++;
        }
        y = by + 1 + line - scroll;
        if (y > by && y < by + bh - 1) {
            grid_puts(g, bx + 4, y, KEYS_W, ROLE_HELP_KEY, action_table[i].keys);
            grid_puts(g, bx + 4 + KEYS_W, y, bw - 5 - KEYS_W, ROLE_HELP, action_table[i].desc);
        }
        line++;
    }
    line++;
    EMIT(ROLE_HELP_KEY, 2, "Mouse");
    line++;
    EMIT(ROLE_HELP, 4, "click a step, a token or a parameter to select it; the wheel scrolls");
#undef EMIT
    return scroll;
}
