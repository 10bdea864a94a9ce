/* score_rows.c: rows of the scores panel (see score_rows.h). */
#include "explorer/score_rows.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void score_rows_clear(struct score_rows *s)
{
    s->n = 0;
}

void score_rows_add(struct score_rows *s, int hint, const char *label, const char *fmt, ...)
{
    if (s->n >= SCORE_ROWS_MAX) return;
    struct score_row *r = &s->row[s->n++];
    snprintf(r->label, sizeof r->label, "%s", label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->value, sizeof r->value, fmt, ap);
    va_end(ap);
    r->hint = hint;
}
