/* score_rows.h: the rows of the explorer's scores panel.
 *
 * Owns: a fixed array of (label, value) rows; no allocation. The explorer
 * fills the built-in rows (entropy, kept count, recorded token's p and
 * rank, sequence perplexity and cut share) on every update; evaluators
 * (core/eval*, issue 5) append their own rows with score_rows_add after
 * explorer_update, and the scores panel draws whatever is here, in order.
 * Values are plain text made by the producer; the panel still passes them
 * through the display transform.
 *
 *   score_rows_clear(&ex->scores);
 *   score_rows_add(&ex->scores, SCORE_NORMAL, "entropy", "%.3f nats", h);
 */
#ifndef LS_SCORE_ROWS_H
#define LS_SCORE_ROWS_H

#define SCORE_ROWS_MAX 24

/* SCORE_NOTE: a sentence the panel shows across the row, label unused */
enum score_hint { SCORE_NORMAL = 0, SCORE_PENDING, SCORE_WARN, SCORE_HEADING, SCORE_NOTE };

struct score_row {
    char label[24];
    char value[256];   /* whole: an error is never cut (the scores view wraps it) */
    int hint;          /* enum score_hint: how the panel draws the row */
};

struct score_rows {
    int n;
    struct score_row row[SCORE_ROWS_MAX];
};

void score_rows_clear(struct score_rows *s);
/* Append a row (silently dropped when full). */
void score_rows_add(struct score_rows *s, int hint, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
