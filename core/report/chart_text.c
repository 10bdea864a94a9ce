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

size_t chart_text(const struct chart *c, char *out, size_t outsz)
{
    struct sink k = { out, outsz, 0 };
    if (outsz) out[0] = 0;
    int W = c->width < 8 ? 8 : (c->width > 200 ? 200 : c->width);
    int H = c->height < 3 ? 3 : (c->height > 60 ? 60 : c->height);
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->x[i])) continue;
        if (c->x[i] < xlo) xlo = c->x[i];
        if (c->x[i] > xhi) xhi = c->x[i];
        for (size_t s = 0; s < c->n_series; s++) {
            double y = c->series[s].y[i];
            if (!isfinite(y)) continue;
            if (y < ylo) ylo = y;
            if (y > yhi) yhi = y;
        }
    }
    if (isfinite(c->y_min)) ylo = c->y_min;
    if (isfinite(c->y_max)) yhi = c->y_max;
    char line[256];
    snprintf(line, sizeof line, "%s vs %s\n", c->title ? c->title : "", c->xlabel ? c->xlabel : "x");
    puts_(&k, line);
    if (!isfinite(xlo) || !isfinite(ylo) || !isfinite(yhi)) {
        puts_(&k, "  (no data)\n");
        return k.len;
    }
    if (!(yhi > ylo)) {
        double pad = fabs(ylo) > 0 ? fabs(ylo) * 0.5 : 0.5;
        if (ylo >= 0 && ylo - pad < 0) { yhi = ylo + pad; }
        else { ylo -= pad; yhi += pad; }
        if (!(yhi > ylo)) yhi = ylo + 1;
    }
    if (!(xhi > xlo)) xhi = xlo + 1;
    char *g = malloc((size_t)W * (size_t)H);
    if (!g) return k.len;
    memset(g, ' ', (size_t)W * (size_t)H);
    if (isfinite(c->mark_x)) {
        int col = cell(c->mark_x, xlo, xhi, W);
        for (int r = 0; r < H; r++) g[r * W + col] = '|';
    }
    /* lines first, marks on top */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < c->n_series; s++) {
            const double *y = c->series[s].y;
            int have = 0;
            double px = 0, py = 0;
            for (size_t i = 0; i < c->n; i++) {
                if (!isfinite(c->x[i]) || !isfinite(y[i])) continue;
                int col = cell(c->x[i], xlo, xhi, W);
                double yy = y[i] < ylo ? ylo : (y[i] > yhi ? yhi : y[i]);
                if (pass == 0 && have) {
                    int c0 = cell(px, xlo, xhi, W);
                    for (int cc = c0 + 1; cc < col; cc++) {
                        double t = (double)(cc - c0) / (double)(col - c0);
                        double v = py + t * (yy - py);
                        int row = H - 1 - cell(v, ylo, yhi, H);
                        if (g[row * W + cc] == ' ') g[row * W + cc] = '.';
                    }
                }
                if (pass == 1) {
                    int row = H - 1 - cell(yy, ylo, yhi, H);
                    char m = c->series[s].mark ? c->series[s].mark : '*';
                    char *p = &g[row * W + col];
                    *p = (*p != ' ' && *p != '.' && *p != '|' && *p != m) ? '#' : m;
                }
                have = 1;
                px = c->x[i];
                py = yy;
            }
        }
    }
    for (int r = 0; r < H; r++) {
        char lab[32] = "";
        if (r == 0) snprintf(lab, sizeof lab, "%.3g", yhi);
        else if (r == H - 1) snprintf(lab, sizeof lab, "%.3g", ylo);
        else if (r == (H - 1) / 2 && H >= 5) snprintf(lab, sizeof lab, "%.3g", yhi - (yhi - ylo) * ((double)r / (H - 1)));
        snprintf(line, sizeof line, "%*s |", LABEL_W, lab);
        puts_(&k, line);
        int end = W;
        while (end > 0 && g[r * W + end - 1] == ' ') end--;
        put(&k, g + r * W, (size_t)end);
        puts_(&k, "\n");
    }
    snprintf(line, sizeof line, "%*s +", LABEL_W, "");
    puts_(&k, line);
    for (int i = 0; i < W; i++) puts_(&k, "-");
    puts_(&k, "\n");
    /* x labels */
    char *xl = malloc((size_t)W + 64);
    if (xl) {
        memset(xl, ' ', (size_t)W + 64);
        int used_to = -1, maxend = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (!isfinite(c->x[i])) continue;
            int col = cell(c->x[i], xlo, xhi, W);
            char v[32];
            int n = snprintf(v, sizeof v, "%g", c->x[i]);
            int start = col;
            if (start <= used_to) continue;
            if (start + n > W + 63) continue;
            int dup = 0;
            for (size_t j = 0; j < i; j++) if (c->x[j] == c->x[i]) dup = 1;
            if (dup) continue;
            memcpy(xl + start, v, (size_t)n);
            used_to = start + n;
            if (start + n > maxend) maxend = start + n;
        }
        snprintf(line, sizeof line, "%*s  ", LABEL_W, "");
        puts_(&k, line);
        put(&k, xl, (size_t)maxend);
        puts_(&k, "\n");
        free(xl);
    }
    if (c->n_series > 1) {
        snprintf(line, sizeof line, "%*s  ", LABEL_W, "");
        puts_(&k, line);
        for (size_t s = 0; s < c->n_series; s++) {
            snprintf(line, sizeof line, "%s%c %s", s ? "  " : "", c->series[s].mark ? c->series[s].mark : '*',
                     c->series[s].label ? c->series[s].label : "");
            puts_(&k, line);
        }
        puts_(&k, "\n");
    }
    free(g);
    return k.len;
}
