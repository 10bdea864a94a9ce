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

/* The plot area and the value ranges it spans: computed first, drawn second. */
struct frame { int W, H; double xlo, xhi, ylo, yhi; };

/* Ranges from the finite data (y_min/y_max override); 0 when there is
 * nothing to plot. A flat series gets padding so it sits inside the plot. */
static int frame_of(const struct chart *c, struct frame *f)
{
    f->W = c->width < 8 ? 8 : (c->width > 200 ? 200 : c->width);
    f->H = c->height < 3 ? 3 : (c->height > 60 ? 60 : c->height);
    f->xlo = f->ylo = INFINITY;
    f->xhi = f->yhi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->x[i])) continue;
        if (c->x[i] < f->xlo) f->xlo = c->x[i];
        if (c->x[i] > f->xhi) f->xhi = c->x[i];
        for (size_t s = 0; s < c->n_series; s++) {
            double y = c->series[s].y[i];
            if (!isfinite(y)) continue;
            if (y < f->ylo) f->ylo = y;
            if (y > f->yhi) f->yhi = y;
        }
    }
    if (isfinite(c->y_min)) f->ylo = c->y_min;
    if (isfinite(c->y_max)) f->yhi = c->y_max;
    if (!isfinite(f->xlo) || !isfinite(f->ylo) || !isfinite(f->yhi)) return 0;
    if (!(f->yhi > f->ylo)) {
        double pad = fabs(f->ylo) > 0 ? fabs(f->ylo) * 0.5 : 0.5;
        if (f->ylo >= 0 && f->ylo - pad < 0) f->yhi = f->ylo + pad;
        else { f->ylo -= pad; f->yhi += pad; }
        if (!(f->yhi > f->ylo)) f->yhi = f->ylo + 1;
    }
    if (!(f->xhi > f->xlo)) f->xhi = f->xlo + 1;
    return 1;
}

/* One series into the W x H cells: pass 0 joins consecutive points with
 * '.', pass 1 places the marks ('#' where another series' mark is). */
static void plot_series(const struct chart *c, const struct frame *f, size_t s, int pass, char *g)
{
    const double *y = c->series[s].y;
    int W = f->W, H = f->H, have = 0;
    double px = 0, py = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->x[i]) || !isfinite(y[i])) continue;
        int col = cell(c->x[i], f->xlo, f->xhi, W);
        double yy = y[i] < f->ylo ? f->ylo : (y[i] > f->yhi ? f->yhi : y[i]);
        if (pass == 0 && have) {
            int c0 = cell(px, f->xlo, f->xhi, W);
            for (int cc = c0 + 1; cc < col; cc++) {
                double t = (double)(cc - c0) / (double)(col - c0);
                int row = H - 1 - cell(py + t * (yy - py), f->ylo, f->yhi, H);
                if (g[row * W + cc] == ' ') g[row * W + cc] = '.';
            }
        }
        if (pass == 1) {
            int row = H - 1 - cell(yy, f->ylo, f->yhi, H);
            char m = c->series[s].mark ? c->series[s].mark : '*';
            char *p = &g[row * W + col];
            *p = (*p != ' ' && *p != '.' && *p != '|' && *p != m) ? '#' : m;
        }
        have = 1;
        px = c->x[i];
        py = yy;
    }
}

/* The plot rows with their y labels (top, middle, bottom), then the axis. */
static void put_rows(struct sink *k, const struct frame *f, const char *g)
{
    char line[64];
    int W = f->W, H = f->H;
    for (int r = 0; r < H; r++) {
        char lab[32] = "";
        if (r == 0) snprintf(lab, sizeof lab, "%.3g", f->yhi);
        else if (r == H - 1) snprintf(lab, sizeof lab, "%.3g", f->ylo);
        else if (r == (H - 1) / 2 && H >= 5)
            snprintf(lab, sizeof lab, "%.3g", f->yhi - (f->yhi - f->ylo) * ((double)r / (H - 1)));
        snprintf(line, sizeof line, "%*s |", LABEL_W, lab);
        puts_(k, line);
        int end = W;
        while (end > 0 && g[r * W + end - 1] == ' ') end--;
        put(k, g + r * W, (size_t)end);
        puts_(k, "\n");
    }
    snprintf(line, sizeof line, "%*s +", LABEL_W, "");
    puts_(k, line);
    for (int i = 0; i < W; i++) puts_(k, "-");
    puts_(k, "\n");
}

/* Each distinct x value under its column, dropping labels that would
 * overlap the previous one. */
static void put_xlabels(struct sink *k, const struct chart *c, const struct frame *f)
{
    int W = f->W;
    char *xl = malloc((size_t)W + 64);
    if (!xl) return;
    memset(xl, ' ', (size_t)W + 64);
    int used_to = -1, maxend = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->x[i])) continue;
        int start = cell(c->x[i], f->xlo, f->xhi, W);
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
    char line[64];
    snprintf(line, sizeof line, "%*s  ", LABEL_W, "");
    puts_(k, line);
    put(k, xl, (size_t)maxend);
    puts_(k, "\n");
    free(xl);
}

static void put_legend(struct sink *k, const struct chart *c)
{
    if (c->n_series <= 1) return;
    char line[256];
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
    if (outsz) out[0] = 0;
    char line[256];
    snprintf(line, sizeof line, "%s vs %s\n", c->title ? c->title : "", c->xlabel ? c->xlabel : "x");
    puts_(&k, line);
    struct frame f;
    if (!frame_of(c, &f)) {
        puts_(&k, "  (no data)\n");
        return k.len;
    }
    char *g = malloc((size_t)f.W * (size_t)f.H);
    if (!g) return k.len;
    memset(g, ' ', (size_t)f.W * (size_t)f.H);
    if (isfinite(c->mark_x)) {
        int col = cell(c->mark_x, f.xlo, f.xhi, f.W);
        for (int r = 0; r < f.H; r++) g[r * f.W + col] = '|';
    }
    /* lines first, marks on top */
    for (int pass = 0; pass < 2; pass++)
        for (size_t s = 0; s < c->n_series; s++) plot_series(c, &f, s, pass, g);
    put_rows(&k, &f, g);
    put_xlabels(&k, c, &f);
    put_legend(&k, c);
    free(g);
    return k.len;
}
