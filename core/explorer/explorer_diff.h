/* explorer_diff.h: the explorer's comparison with a second dump
 * (`logitscope FILE --compare OTHER`, `:compare OTHER`), headless.
 *
 * Model A is the explorer's file (base P), model B the other (Q), both on
 * their raw distributions (T = 1, no chain), exactly as `logitscope diff A
 * B` (divergence.h): per step KL(A||B), JSD, dp of the recorded token and
 * whether the argmax agrees; the summary once every step is done. A top-N
 * side is compared on its own probabilities with the unknown tail open:
 * values are exact or [lo, hi] bounds (div_step_bounds, div_stats_bounds),
 * as in `logitscope diff`. When the vocabulary sizes differ, ids
 * [0, div_compared_vocab) are compared, with a warning. Different step counts or
 * recorded tokens are an error the view shows (`fatal`); the explorer keeps
 * running. NaN/+inf logits refuse the comparison as `logitscope diff`
 * does, unless the explorer allows them (allow_nonfinite: then masked).
 *
 * Owns B's source and the per-step arrays (allocated by explorer_diff_open);
 * work and update allocate nothing except the summary's sorted copy once.
 *
 *   struct explorer_diff d = {0};
 *   explorer_diff_open(&d, ex.src, "b.json", NULL, &err);
 *   while (explorer_diff_work(&d, ex.src, 2000000)) ;
 *   explorer_diff_update(&d, &ex);   // both distributions at ex.step
 *   explorer_diff_close(&d);
 */
#ifndef LS_EXPLORER_DIFF_H
#define LS_EXPLORER_DIFF_H

#include <stdint.h>
#include "sampling/divergence.h"
#include "explorer/explorer_task.h"
#include "input/source.h"
#include "base/status.h"

struct explorer;

#define XD_TOP 32

struct explorer_diff {
    struct source *b;            /* owned; NULL: no comparison */
    struct source *a;            /* the explorer's source it was checked against */
    uint32_t V;                  /* ids compared: div_compared_vocab */
    int bounded;                 /* a side is top-N: stats is the lower bound, stats_hi the upper */
    uint32_t n_steps;
    int fatal;                   /* comparison impossible: err says why */
    char err[300];
    char warn[200];              /* vocabulary sizes differ */
    /* per step along the sequence (background) */
    uint32_t done;
    struct div_step *st;         /* n_steps */
    int stats_ok;
    struct div_stats stats, stats_hi;
    float *za, *zb;              /* work buffers (zcap; ids past a side's own V stay -inf) */
    uint32_t zcap;               /* floats of za, zb, cz: a read of either side fits */
    /* the current step (explorer_diff_update) */
    int cur_ok;
    uint32_t cur_step;
    uint64_t cur_key;            /* the step it was built for (shifted, low bit set) */
    float *cz;                   /* B's logits at the current step */
    int32_t *b2a;                /* tokens matched by text (token_match.h), else NULL */
    float *zt;                   /* B's own ids before the matching (V_B) */
    double *pa, *pb;             /* V: both distributions over [0, V); a top-N side: the
                                    file's own p, NAN where not listed (unknown) */
    struct div_step cur;
    int32_t tok_a, tok_b;        /* recorded tokens at the current step */
    uint32_t n_top_a, n_top_b;
    int32_t top_a[XD_TOP], top_b[XD_TOP];   /* by p descending, id ascending */
    char cur_err[200];
    /* the explorer's non-finite policy (explorer.h), copied by explorer_eval */
    int allow_nonfinite;
    const char *nonfinite_hint;
    uint64_t gen;                /* this comparison (open, rebind): a piece of another is dropped */
    /* explorer_diff_work's step under way (in place, both sides full):
     * its sums, resumed by the next slice while za, zb still hold it */
    struct div_calc calc;
    int calc_on;
    uint32_t calc_step;
    uint64_t calc_gen;
    /* za, zb faulted in for the reads (explorer_task.h ex_warm: a read(2)
     * into a page the kernel has not written yet costs about 1.5 ms per
     * MiB here), a piece per slice before the first step in place */
    struct ex_warm warm;
    uint64_t warm_gen;           /* the comparison warm is for (0: none yet) */
};

/* One step of the per-step work as a piece any thread can compute (the
 * explorer hands it to a worker, explorer_task.h): both sides' logits over
 * the compared ids and what div_step_bounds makes of them. */
struct xd_piece {
    uint64_t gen;                /* the comparison and step it belongs to */
    uint32_t step, V;
    float *za, *zb;              /* V each: borrowed (d's buffers) or its own */
    float *own_a, *own_b;        /* its own, cap floats each: the steps are read into them */
    uint32_t cap;
    uint64_t ready;              /* the comparison (gen) own_a, own_b are ready for */
    uint64_t want_gen;           /* xd_piece_want: what xd_piece_prepare makes them ready for */
    uint32_t want_cap;
    int sparse_a, sparse_b;
    int32_t tok;
    struct div_step st;
    int rc;
    struct ls_error err;
};

/* Where B's token `id` (in the compared ids) has its text: A's source for
 * an id matched by text to one of A's, else B's, at *sid. */
const struct source *explorer_diff_b_text(const struct explorer_diff *d, int32_t id, int32_t *sid);

/* Open B for comparison with A (the explorer's source). On failure nothing
 * changes and err says why. A different step count opens B but sets fatal. */
int explorer_diff_open(struct explorer_diff *d, struct source *a, const char *path,
                       const struct source_opts *opts, struct ls_error *err);
void explorer_diff_close(struct explorer_diff *d);
/* A changed (the explorer opened another file): start over against it. */
void explorer_diff_rebind(struct explorer_diff *d, struct source *a);
/* One slice of per-step work; returns 1 while work remains. A step of two
 * full sides may be left part done (div_calc) and resumed next slice. */
int explorer_diff_work(struct explorer_diff *d, long budget_ns);
/* explorer_diff_work in pieces: read the next step of both sides (the
 * caller's thread: the sources stay there) into p, into its own buffers
 * when `own` (made ready here when they are not: xd_piece_prepare), else
 * p borrows d's buffers until the next read. 1: p is ready to run; 0:
 * nothing left (the summary is made) or the comparison failed (fatal);
 * -1 out of memory for p's buffers (nothing changed). */
int explorer_diff_next(struct explorer_diff *d, struct xd_piece *p, int own);
/* div_step_bounds on the piece (any thread; touches nothing else). */
void explorer_diff_piece_run(void *piece);
/* A computed piece into d (the reading thread): the next step's numbers,
 * or the comparison's failure; a piece of another comparison or step is
 * ignored. */
void explorer_diff_accept(struct explorer_diff *d, const struct xd_piece *p);
/* p's own buffers for d's comparison, in two halves so that a worker can
 * make them (their first touch costs milliseconds at V = 262144:
 * explorer_task.h ex_touch_pages): xd_piece_want notes what d needs (the
 * reading thread), xd_piece_prepare makes it (any thread; room for a read
 * of either side, the pages faulted in, -inf everywhere: ids past a
 * side's own V stay -inf, as in d's buffers): 0, or -1 out of memory. */
void xd_piece_want(struct xd_piece *p, const struct explorer_diff *d);
int xd_piece_prepare(struct xd_piece *p);
/* 1 when p's own buffers are ready for d's comparison. */
int xd_piece_ready(const struct xd_piece *p, const struct explorer_diff *d);
void xd_piece_free(struct xd_piece *p);
/* Both distributions at the explorer's current step (cheap when unchanged). */
void explorer_diff_update(struct explorer_diff *d, const struct explorer *ex);

#endif
