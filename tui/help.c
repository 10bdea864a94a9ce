/* help.c: the help overlay ('?', :help): every action of the table
 * grouped, with its keys and expanded description, then the mouse and the
 * ':' commands, in a centred box; scrolls when taller than the screen.
 * Generated from the tables, so it always matches the bindings.
 *
 * One walk over the text both counts the lines (draw 0) and draws the
 * visible ones, so the scroll range can never disagree with the drawing.
 * Descriptions wrap under themselves (panel_wrap's rule), never cut. */
#include "help.h"
#include "commands.h"
#include "explorer/explorer.h"
#include "view/panel.h"

#include <stdio.h>

#include <string.h>

#define KEYS_W 22
#define CMD_W 30
#define MOUSE_W 34

struct help_box {
    struct grid *g;              /* the grid (measures the text) */
    int draw;                    /* 0: count lines only */
    int x, y, w, h, scroll;
    int line;                    /* next line of the text */
    int commands_line;           /* line of the Commands heading */
};

/* One entry: text a at column x (width aw, 0 = to the edge), then c
 * wrapped under itself over as many lines as it needs (never cut). */
static void put(struct help_box *b, int x, int aw, enum grid_role ra, const char *a, const char *c)
{
    int cw = b->w - x - aw - 1;
    int n = c && cw > 0 ? panel_wrap_lines(b->g, cw, c) : 1;
    int y = b->y + 1 + b->line - b->scroll;
    b->line += n;
    if (!b->draw) return;
    int top = b->y + 1, bottom = b->y + b->h - 1;   /* rows inside the box: [top, bottom) */
    if (y >= top && y < bottom) grid_puts(b->g, b->x + x, y, aw ? aw : b->w - x - 1, ra, a);
    if (!c || cw <= 0) return;
    /* each wrapped line is drawn only inside the box (the text scrolls by line) */
    for (int i = 0; i < n; i++) {
        if (y + i < top || y + i >= bottom) continue;
        size_t off, len;
        if (panel_wrap_slice(b->g, cw, c, i, &off, &len))
            grid_text(b->g, b->x + x + aw, y + i, cw, ROLE_HELP, c + off, len, 0);
    }
}

static void body(struct help_box *b, const struct action_table *t)
{
    char d[512], u[96], h[320];
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
    put(b, 2, 0, ROLE_HELP_KEY, MOUSE_HEADING, NULL);
    for (int i = 0; i < mouse_n_rows; i++) {
        snprintf(u, sizeof u, "%s %s", mouse_rows[i].event, mouse_rows[i].where);
        put(b, 4, MOUSE_W, ROLE_HELP_KEY, u, mouse_rows[i].what);
    }
    b->line++;
    b->commands_line = b->line;
    actions_expand(t, "Commands (after {COMMAND}; Tab completes)", d, sizeof d);
    put(b, 2, 0, ROLE_HELP_KEY, d, NULL);
    for (int i = 0; explorer_commands[i].name; i++) {
        const struct ex_command_info *c = &explorer_commands[i];
        snprintf(h, sizeof h, "%s%s%s%s", c->help, c->aliases[0] ? " (also: " : "", c->aliases,
                 c->aliases[0] ? ")" : "");
        put(b, 4, CMD_W, ROLE_HELP_KEY, commands_usage(i, u, sizeof u), h);
    }
}

/* Box geometry for the grid; 0 when there is no room for a box. */
static int help_box_init(struct help_box *b, struct grid *g)
{
    int bw = g->w < 100 ? g->w : 100, bh = g->h - 2;
    *b = (struct help_box){ g, 0, (g->w - bw) / 2, 1, bw, bh, 0, 0, 0 };
    return bw >= 20 && bh >= 4;
}

int help_commands_line(struct grid *g, const struct action_table *t)
{
    struct help_box b;
    if (!help_box_init(&b, g)) return 0;
    body(&b, t);
    return b.commands_line;
}

int help_draw(struct grid *g, const struct action_table *t, int scroll)
{
    struct help_box b;
    if (!help_box_init(&b, g)) return 0;
    body(&b, t);
    int total = b.line + 1, inner = b.h - 2;
    if (scroll > total - inner) scroll = total - inner;
    if (scroll < 0) scroll = 0;
    char title[160];
    actions_expand(t, HELP_TITLE, title, sizeof title);
    grid_fill(g, b.x, b.y, b.w, b.h, ROLE_HELP);
    grid_tag(g, b.x, b.y, b.w, b.h, 0);
    grid_puts(g, b.x + 2, b.y, b.w - 4, ROLE_HELP_KEY, title);
    b.draw = 1;
    b.scroll = scroll;
    b.line = 0;
    body(&b, t);
    return scroll;
}
