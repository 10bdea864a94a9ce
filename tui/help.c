/* help.c: the help overlay ('?', :help): every action of the table
 * grouped, with its keys and expanded description, then the mouse and the
 * ':' commands, in a centred box; scrolls when taller than the screen.
 * Generated from the tables, so it always matches the bindings.
 *
 * One walk over the text both counts the lines (g NULL) and draws the
 * visible ones, so the scroll range can never disagree with the drawing. */
#include "help.h"
#include "commands.h"
#include "explorer/explorer.h"

#include <string.h>

#define KEYS_W 22
#define CMD_W 30

struct help_box {
    struct grid *g;              /* NULL: count only */
    int x, y, w, h, scroll;
    int line;                    /* next line of the text */
};

/* One line: text a at column x (width aw, 0 = to the edge), then b. */
static void put(struct help_box *b, int x, int aw, enum grid_role ra, const char *a, const char *c)
{
    int y = b->y + 1 + b->line - b->scroll;
    b->line++;
    if (!b->g || y <= b->y || y >= b->y + b->h - 1) return;
    grid_puts(b->g, b->x + x, y, aw ? aw : b->w - x - 1, ra, a);
    if (c) grid_puts(b->g, b->x + x + aw, y, b->w - x - aw - 1, ROLE_HELP, c);
}

static void body(struct help_box *b, const struct action_table *t)
{
    char d[512], u[96];
    const char *group = "";
    b->line++;
    for (int i = 0; i < t->n; i++) {
        if (strcmp(group, t->a[i].group)) {
            group = t->a[i].group;
            b->line++;
            put(b, 2, 0, ROLE_HELP_KEY, group, NULL);
        }
        actions_expand(t, t->a[i].desc, d, sizeof d);
        put(b, 4, KEYS_W, ROLE_HELP_KEY, t->a[i].keys, d);
    }
    b->line++;
    put(b, 2, 0, ROLE_HELP_KEY, "Mouse", NULL);
    put(b, 4, 0, ROLE_HELP, "click a step, a token or a parameter to select it; the wheel scrolls", NULL);
    b->line++;
    actions_expand(t, "Commands (after {COMMAND}; Tab completes)", d, sizeof d);
    put(b, 2, 0, ROLE_HELP_KEY, d, NULL);
    for (int i = 0; explorer_commands[i].name; i++)
        put(b, 4, CMD_W, ROLE_HELP_KEY, commands_usage(i, u, sizeof u), explorer_commands[i].help);
}

int help_draw(struct grid *g, const struct action_table *t, int scroll)
{
    int bw = g->w < 100 ? g->w : 100;
    int bh = g->h - 2;
    if (bw < 20 || bh < 4) return 0;
    struct help_box b = { NULL, (g->w - bw) / 2, 1, bw, bh, 0, 0 };
    body(&b, t);
    int total = b.line + 1, inner = bh - 2;
    if (scroll > total - inner) scroll = total - inner;
    if (scroll < 0) scroll = 0;
    char title[160];
    actions_expand(t, HELP_TITLE, title, sizeof title);
    grid_fill(g, b.x, b.y, bw, bh, ROLE_HELP);
    grid_tag(g, b.x, b.y, bw, bh, 0);
    grid_puts(g, b.x + 2, b.y, bw - 4, ROLE_HELP_KEY, title);
    b.g = g;
    b.scroll = scroll;
    b.line = 0;
    body(&b, t);
    return scroll;
}
