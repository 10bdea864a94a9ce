/* explorer_dataset.h: the explorer's dataset table (`logitscope --dataset
 * A [--b B]`), headless: the rows x temperatures of `dataset eval`
 * (report/dataset_table.h), filled in the background, sortable by any score
 * or delta; Enter opens the selected row in the normal explorer (both
 * versions side by side, the diff view, when paired) at the line's
 * temperature, Esc comes back to the table with its selection, scroll and
 * sort kept. A prompt row opens in live mode (explorer_live.h), A and B
 * as live mode's A/B when paired.
 *
 * Who writes what: explorer_dataset_open builds the plan and the empty
 * document (every line shown at once, values pending); explorer_dataset_work
 * evaluates rows in slices through ds_run_job (the function behind `dataset
 * eval`'s worker threads: one definition of every number), in id order, so
 * the document's rows stay in id order and its summary is `dataset eval`'s;
 * the actions below move the selection, sort, open and come back; the view
 * (view/view_dataset.h) only reads.
 *
 * Cost model: a slice works until its budget (at most EX_DS_SLICE_NS) is
 * spent, in units far below a row (ds_rowjob_step: one step of a dump's
 * eval pass, one temperature's finish, one generated token, one step of
 * the KL comparison), so a key never waits for a whole row; a slice that
 * finished rows re-sorts the n_rows x n_temps lines (qsort). The summary
 * (means, deltas, bootstrap intervals) is computed after the last row, in
 * slices too (ds_summary_step: a chunk of one cell's bootstrap).
 *
 * Memory: everything is allocated by _open and freed by _free. */
#ifndef LS_EXPLORER_DATASET_H
#define LS_EXPLORER_DATASET_H

#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"
#include "explorer/explorer_live.h"
#include "report/dataset_table.h"

#define EX_DS_LIVE_N 8       /* continuations a prompt row opens with (per version) */

struct ex_dataset {
    int on;                          /* a dataset is open */
    int shown;                       /* 1: the table is on screen; 0: a row in the explorer */
    char a_path[512], b_path[512];   /* as given ("" no B) */
    struct dataset *A, *B;
    struct ds_plan plan;
    struct ds_doc *doc;
    struct ds_table table;
    struct ds_run_opts ro;           /* what `dataset eval` would run with */
    struct ds_worker worker;         /* the slices' models for prompt rows */
    struct source_opts src;          /* input options of every row (a row's format wins) */
    size_t next;                     /* next job to evaluate */
    size_t sel, scroll;              /* selected line / first line shown (display order) */
    struct ds_rowjob *rj;            /* job `next` under way (NULL none) and its row */
    struct ds_row_result row;
    struct ds_sumjob *sj;            /* the summary under way */
    int summary_done;                /* the background work is over */
    int summary_ok;                  /* sum holds the finished run's summary */
    struct ds_summary sum;
    long open_job;                   /* the row the explorer shows, -1 none */
    int open_temp;
    /* a prompt row open in live mode: live is the front end's (borrowed,
     * given to _enter) and generates the shown version; when the row is
     * paired, partner generates version A's prompt with model A under the
     * same settings in its own explorer (shadow), held in live as A/B */
    struct ex_live *live;
    struct ex_live partner;
    struct explorer shadow;
    int held;                        /* held_rq: the partner's generation live holds */
    struct gen_request held_rq;
};

/* Load A (and B, may be NULL), plan the rows, start an empty document.
 * The chain, parameters and evaluator settings are `dataset eval`'s
 * (temps: the temperatures; model: the models of A's and B's prompt rows,
 * NULL none, borrowed; max_tokens: per continuation, 0 the default).
 * Errors as `dataset eval` reports them. */
struct ex_dataset_spec {
    const char *a, *b;
    const double *temps;
    int n_temps;
    const struct chain *chain;
    const struct params *params;
    const struct eval_config *cfg;
    const struct source_opts *src;
    const char *model[2];
    uint32_t max_tokens;
};
int explorer_dataset_open(struct ex_dataset *ds, const struct ex_dataset_spec *sp, struct ls_error *err);
void explorer_dataset_free(struct ex_dataset *ds);

/* One slice (about budget_ns, at most EX_DS_SLICE_NS, at least one unit):
 * EX_BUSY while work remains, with EX_REDRAW when rows arrived; EX_REDRAW
 * when the summary is done, 0 after. */
#define EX_DS_SLICE_NS 1000000L
unsigned explorer_dataset_work(struct ex_dataset *ds, struct explorer *ex, long budget_ns);

/* The first line shown with `rows` lines: scroll, moved just enough to
 * keep the selection in view. */
size_t explorer_dataset_first(const struct ex_dataset *ds, int rows);
/* Move the selection by delta lines (clamped); rows: lines shown. */
unsigned explorer_dataset_move(struct ex_dataset *ds, int64_t delta, int rows);
/* Sort by the next (dir 1) or previous column (the id order between the
 * last and the first); reverse the direction. The table shows its first
 * line again (rows arriving in the background keep the selected line). */
unsigned explorer_dataset_sort_cycle(struct ex_dataset *ds, struct explorer *ex, int dir);
unsigned explorer_dataset_sort_reverse(struct ex_dataset *ds, struct explorer *ex);
/* Sort by column col (-1: the id order); the column already sorting
 * reverses instead (a header click). */
unsigned explorer_dataset_sort_by(struct ex_dataset *ds, struct explorer *ex, int col);
/* Select line `line` (display position; clamped). */
unsigned explorer_dataset_select(struct ex_dataset *ds, int64_t line, int rows);
/* Open the selected line's row in the explorer (ex; the diff view of xe
 * when paired) at its temperature; the table hides. A prompt row opens in
 * live mode (lv, the front end's live state, which must be off): the
 * row's prompt, the row's model, the table's chain and seed at the line's
 * temperature, EX_DS_LIVE_N continuations of the table's length (the
 * first of the N the table scored); paired, lv is version B (model B,
 * B's prompt) and version A is generated beside it under the same
 * settings whenever they change, held as live mode's A (explorer_live_hold):
 * the continuations panel lists both, the scores view ('e') compares them
 * side by side. */
unsigned explorer_dataset_enter(struct ex_dataset *ds, struct explorer *ex, struct explorer_eval *xe,
                                struct ex_live *lv);
/* Back to the table (EX_NONE when it is shown or no dataset is open);
 * a prompt row's live mode ends. */
unsigned explorer_dataset_back(struct ex_dataset *ds);

/* ':' commands: sort COLUMN [asc|desc], sort id, table. EXC_UNKNOWN for
 * others; EXC_ERROR (message in ex->msg) when no dataset is open. */
int explorer_dataset_command(struct ex_dataset *ds, struct explorer *ex, const char *line);

#endif
