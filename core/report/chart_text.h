/* chart_text.h: a score against a parameter, rendered into a plain text
 * grid (ASCII only), for `sweep` and testable as text.
 *
 *   struct chart_series s = { "json_valid_share", '*', ys };
 *   struct chart c = { "json_valid_share", "temperature", xs, 4, &s, 1,
 *                      40, 8, 0.0, 1.0, NAN };
 *   char buf[4096]; chart_text(&c, buf, sizeof buf); fputs(buf, stdout);
 *
 * Layout: a title line, `height` plot rows with the y value at the top, the
 * middle and the bottom row as labels (8 columns, "%.3g"), an axis row and
 * an x-label row with each x value under its column (labels that would
 * overlap are dropped), then a legend line when there is more than one
 * series. Points are placed at the nearest cell; consecutive points of a
 * series (in the order given) are joined with '.' by linear interpolation.
 * NaN values are skipped. mark_x (not NaN) draws a '|' column at that x
 * (the explorer's current temperature). */
#ifndef LS_CHART_TEXT_H
#define LS_CHART_TEXT_H

#include <stddef.h>

struct chart_series {
    const char *label;
    char mark;
    const double *y;     /* n values, NaN = missing */
};

struct chart {
    const char *title;
    const char *xlabel;
    const double *x;     /* n values */
    size_t n;
    const struct chart_series *series;
    size_t n_series;
    int width, height;   /* plot area in cells (clamped to [8, 200] x [3, 60]) */
    double y_min, y_max; /* NaN: from the data */
    double mark_x;       /* NaN: none */
};

/* Render into out (NUL-terminated, truncated to outsz). Returns the length
 * the full rendering needs (like snprintf). */
size_t chart_text(const struct chart *c, char *out, size_t outsz);

#endif
