/* eval_report.h: the one table of evaluator scores (eval_report.c) and what
 * it renders: the JSON keys of `eval --json` and of every `sweep --json`
 * row (eval_scores_json, eval.h), the text table of `eval` (eval_scores_text),
 * the columns of the `sweep` text table and its charts, and the rows of the
 * explorer's scores panel. One entry per score: its key, where it lives in
 * struct eval_scores, when it applies (a vocabulary, --regex, --json-keys),
 * its text-table detail, its sweep column and its panel row.
 *
 * Owns nothing; values are read from a struct eval_scores the caller holds. */
#ifndef LS_EVAL_REPORT_H
#define LS_EVAL_REPORT_H

#include <stddef.h>
#include "eval/eval.h"

/* A score column of the sweep text table (and a chart). */
struct eval_sweep_col {
    const char *key;             /* JSON key, or the external evaluator's name */
    const char *head;            /* column head */
    const char *title;           /* chart title in words ("cut rate") */
    int share;                   /* a share in [0, 1] (the charts' y range) */
    int ext;                     /* >= 0: external evaluator index, else -1 */
};
/* The sweep columns for cfg, in order (at most max). */
int eval_sweep_cols(const struct eval_config *cfg, struct eval_sweep_col *out, int max);
/* The value of a sweep column in s (NaN: not available). */
double eval_sweep_value(const struct eval_sweep_col *c, const struct eval_scores *s);

/* A row of the explorer's scores panel. */
enum eval_row_hint { EVAL_ROW_NORMAL = 0, EVAL_ROW_PENDING, EVAL_ROW_WARN };
struct eval_panel_row {
    const char *label;
    char value[160];
    int hint;                    /* enum eval_row_hint */
};
/* The panel rows of s, most telling first (at most max). */
int eval_panel_rows(const struct eval_scores *s, struct eval_panel_row *out, int max);

#endif
