/* chart_text.c: plain text charts (see chart_text.h). */
#include "report/chart_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_W 8

struct sink { char *out; size_t sz, len; };

static void put(struct sink *k, const char *s, size_t n)
{
    if (k->len < k->sz) {
        size_t room = k->sz - 1 - k->len;
        size_t c = n < room ? n : room;
        memcpy(k->out + k->len, s, c);
        k->out[k->len + c] = 0;
    }
    k->len += n;
}

static void puts_(struct sink *k, const char *s) { put(k, s, strlen(s)); }

static int cell(double v, double lo, double hi, int n)
{
    if (!(hi > lo)) return 0;
    double f = (v - lo) / (hi - lo) * (n - 1);
    long c = lround(f);
    if (c < 0) c = 0;
    if (c > n - 1) c = n - 1;
    return (int)c;
}

/* The plot area: W x H cells, row 0 at the top, and the value ranges the
 * cells span. */
struct plot {
    int W, H;
    double xlo, xhi, ylo, yhi;
    char *g;
};

/* Data ranges (y overridden by the chart's fixed bounds); 0 when there is
 * nothing to plot. */
static int find_ranges(const struct chart *c, struct plot *p)
{
    p->xlo = p->ylo = INFINITY;
    p->xhi = p->yhi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->x[i])) continue;
        if (c->x[i] < p->xlo) p->xlo = c->x[i];
        if (c->x[i] > p->xhi) p->xhi = c->x[i];
        for (size_t s = 0; s < c->n_series; s++) {
            double y = c->series[s].y[i];
            if (!isfinite(y)) continue;
            if (y < p->ylo) p->ylo = y;
            if (y > p->yhi) p->yhi = y;
        }
    }
    if (isfinite(c->y_min)) p->ylo = c->y_min;
    if (isfinite(c->y_max)) p->yhi = c->y_max;
    return isfinite(p->xlo) && isfinite(p->ylo) && isfinite(p->yhi);
}

/* A flat series still needs a y span (kept non-negative when it was). */
static void pad_ranges(struct plot *p)
{
    if (!(p->yhi > p->ylo)) {
        double pad = fabs(p->ylo) > 0 ? fabs(p->ylo) * 0.5 : 0.5;
        if (p->ylo >= 0 && p->ylo - pad < 0) { p->yhi = p->ylo + pad; }
        else { p->ylo -= pad; p->yhi += pad; }
        if (!(p->yhi > p->ylo)) p->yhi = p->ylo + 1;
    }
    if (!(p->xhi > p->xlo)) p->xhi = p->xlo + 1;
}

static int row_of(const struct plot *p, double y)
{
    return p->H - 1 - cell(y, p->ylo, p->yhi, p->H);
}

/* '.' cells between two consecutive points, by linear interpolation */
static void join(struct plot *p, double px, double py, int col, double yy)
{
    int c0 = cell(px, p->xlo, p->xhi, p->W);
    for (int cc = c0 + 1; cc < col; cc++) {
        double t = (double)(cc - c0) / (double)(col - c0);
        char *q = &p->g[row_of(p, py + t * (yy - py)) * p->W + cc];
        if (*q == ' ') *q = '.';
    }
}

/* One series: pass 0 draws the joining lines, pass 1 the marks (on top;
 * '#' where two series' marks meet). */
static void plot_series(const struct chart *c, size_t s, int pass, struct plot *p)
{
    const double *y = c->series[s].y;
    int have = 0;
    double px = 0, py = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->x[i]) || !isfinite(y[i])) continue;
        int col = cell(c->x[i], p->xlo, p->xhi, p->W);
        double yy = y[i] < p->ylo ? p->ylo : (y[i] > p->yhi ? p->yhi : y[i]);
        if (pass == 0 && have) join(p, px, py, col, yy);
        if (pass == 1) {
            char m = c->series[s].mark ? c->series[s].mark : '*';
            char *q = &p->g[row_of(p, yy) * p->W + col];
            *q = (*q != ' ' && *q != '.' && *q != '|' && *q != m) ? '#' : m;
        }
        have = 1;
        px = c->x[i];
        py = yy;
    }
}

/* The rows with their y labels (top, middle, bottom), then the axis. */
static void put_rows(struct sink *k, const struct plot *p)
{
    char line[256];
    int W = p->W, H = p->H;
    for (int r = 0; r < H; r++) {
        char lab[32] = "";
        if (r == 0) snprintf(lab, sizeof lab, "%.3g", p->yhi);
        else if (r == H - 1) snprintf(lab, sizeof lab, "%.3g", p->ylo);
        else if (r == (H - 1) / 2 && H >= 5) snprintf(lab, sizeof lab, "%.3g", p->yhi - (p->yhi - p->ylo) * ((double)r / (H - 1)));
        snprintf(line, sizeof line, "%*s |", LABEL_W, lab);
        puts_(k, line);
        int end = W;
        while (end > 0 && p->g[r * W + end - 1] == ' ') end--;
        put(k, p->g + r * W, (size_t)end);
        puts_(k, "\n");
    }
    snprintf(line, sizeof line, "%*s +", LABEL_W, "");
    puts_(k, line);
    for (int i = 0; i < W; i++) puts_(k, "-");
    puts_(k, "\n");
}

/* Each distinct x value under its column; one that would overlap the
 * previous label is dropped. */
static void put_xlabels(struct sink *k, const struct chart *c, const struct plot *p)
{
    int W = p->W;
    char *xl = malloc((size_t)W + 64), line[64];
    if (!xl) return;
    memset(xl, ' ', (size_t)W + 64);
    int used_to = -1, maxend = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->x[i])) continue;
        int start = cell(c->x[i], p->xlo, p->xhi, W);
        char v[32];
        int n = snprintf(v, sizeof v, "%g", c->x[i]);
        if (start <= used_to || start + n > W + 63) continue;
        int dup = 0;
        for (size_t j = 0; j < i; j++) if (c->x[j] == c->x[i]) dup = 1;
        if (dup) continue;
        memcpy(xl + start, v, (size_t)n);
        used_to = start + n;
        if (start + n > maxend) maxend = start + n;
    }
    snprintf(line, sizeof line, "%*s  ", LABEL_W, "");
    puts_(k, line);
    put(k, xl, (size_t)maxend);
    puts_(k, "\n");
    free(xl);
}

static void put_legend(struct sink *k, const struct chart *c)
{
    char line[256];
    if (c->n_series <= 1) return;
    snprintf(line, sizeof line, "%*s  ", LABEL_W, "");
    puts_(k, line);
    for (size_t s = 0; s < c->n_series; s++) {
        snprintf(line, sizeof line, "%s%c %s", s ? "  " : "", c->series[s].mark ? c->series[s].mark : '*',
                 c->series[s].label ? c->series[s].label : "");
        puts_(k, line);
    }
    puts_(k, "\n");
}

size_t chart_text(const struct chart *c, char *out, size_t outsz)
{
    struct sink k = { out, outsz, 0 };
    struct plot p;
    if (outsz) out[0] = 0;
    p.W = c->width < 8 ? 8 : (c->width > 200 ? 200 : c->width);
    p.H = c->height < 3 ? 3 : (c->height > 60 ? 60 : c->height);
    char line[256];
    snprintf(line, sizeof line, "%s vs %s\n", c->title ? c->title : "", c->xlabel ? c->xlabel : "x");
    puts_(&k, line);
    if (!find_ranges(c, &p)) {
        puts_(&k, "  (no data)\n");
        return k.len;
    }
    pad_ranges(&p);
    p.g = malloc((size_t)p.W * (size_t)p.H);
    if (!p.g) return k.len;
    memset(p.g, ' ', (size_t)p.W * (size_t)p.H);
    if (isfinite(c->mark_x)) {
        int col = cell(c->mark_x, p.xlo, p.xhi, p.W);
        for (int r = 0; r < p.H; r++) p.g[r * p.W + col] = '|';
    }
    /* lines first, marks on top */
    for (int pass = 0; pass < 2; pass++)
        for (size_t s = 0; s < c->n_series; s++) plot_series(c, s, pass, &p);
    put_rows(&k, &p);
    put_xlabels(&k, c, &p);
    put_legend(&k, c);
    free(p.g);
    return k.len;
}
