/* divergence.h: comparing two models' distributions step by step
 * (`logitscope diff A B`), with the statistics of llama-perplexity's
 * KL-divergence report (sampling-reference.md c.2). Everything in double.
 *
 * Per step t, with P = softmax of A's raw logits (the base) and Q = softmax
 * of B's, both over the same ids:
 *   KLD_t = sum_i P(i) (ln P(i) - ln Q(i))   exact over the whole vocabulary
 *           (llama-perplexity sums only where ln P > -16 because its base
 *           file is quantised; a dump holds the full distribution). Tokens
 *           with P(i) = 0 add 0; P(i) > 0 with Q(i) = 0 makes KLD infinite.
 *   JSD_t = KL(P||M)/2 + KL(Q||M)/2, M = (P+Q)/2, nats (<= ln 2)
 *   dp_t  = Q(x_t) - P(x_t) for the recorded token x_t (signed)
 *   same_top_t = [argmax P == argmax Q], first maximum on each side
 *   NLL_P = -ln P(x_t), NLL_Q = -ln Q(x_t)
 * Summary over N steps (se = standard error):
 *   mean_kld +- sqrt((<K^2> - <K>^2)/(N-1)); max, 99.9/99/95/90 %, median,
 *   10/5/1 %, minimum: linear interpolation at index f(N-1) of the sorted KLDs;
 *   mean_dp +- se; rms_dp = sqrt(<dp^2>) +- se(dp^2)/(2 rms);
 *   same_top = f +- sqrt(f(1-f)/(N-1));
 *   ln_ppl_ratio = <NLL_Q> - <NLL_P> +- sqrt(s_Q^2 + s_P^2 - 2 cov), s_X the
 *   standard error of <X>, cov = (<NLL_Q NLL_P> - <NLL_Q><NLL_P>)/(N-1);
 *   ppl_a = exp(<NLL_P>), ppl_b = exp(<NLL_Q>); mean_jsd.
 * Values are fractions (llama-perplexity prints dp and same top in %).
 * With N < 2 every standard error is NaN. */
#ifndef LS_DIVERGENCE_H
#define LS_DIVERGENCE_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"

/* Why a step's values are intervals (div_step.open). */
enum {
    DIV_TAIL_A = 1,    /* A is top-N with an unknown tail */
    DIV_TAIL_B = 2,
    DIV_EMPTY_A = 4,   /* A lists no token at this step: all of it is unknown */
    DIV_EMPTY_B = 8,
    DIV_TOKEN_A = 16,  /* A does not list the recorded token: its p is a bound */
    DIV_TOKEN_B = 32
};

struct div_step {
    double kld, jsd;
    double dp;             /* NaN without a recorded token */
    double nll_a, nll_b;   /* NaN without a recorded token */
    double p_a, p_b;       /* probability of the recorded token */
    int same_top;
    int32_t top_a, top_b;
    /* What the files decide (div_step_bounds): every value lies in
     * [lo, hi]; lo == hi where it is exact (always for full distributions,
     * where the point fields above equal them). A point field of a bounded
     * step is NaN. hi = +inf: no finite upper bound. */
    double kld_lo, kld_hi, jsd_lo, jsd_hi, dp_lo, dp_hi;
    double nll_a_lo, nll_a_hi, nll_b_lo, nll_b_hi, p_a_lo, p_a_hi, p_b_lo, p_b_hi;
    int top_a_known, top_b_known;  /* 0: the side's top may be an unlisted token */
    double tail_a, tail_b;         /* a top-N side's unlisted mass (0 for a full side) */
    unsigned open;                 /* DIV_* bits, 0 for an exact step */
};

/* One side of a step for div_step_bounds: V values over the compared ids.
 * A full distribution (sparse 0): logits, non-finite = masked (p = 0). A
 * top-N step (sparse 1): log-probabilities as the file gives them
 * (p = exp(z), never renormalised), -inf = not listed (unknown). */
struct div_side {
    const float *z;
    int sparse;
};

/* Exact / bounded / unknown: how far the files decide a step. */
enum div_basis { DIV_EXACT = 0, DIV_BOUNDED, DIV_UNKNOWN };
enum div_basis div_step_basis(const struct div_step *s);
/* The reason a step is not exact, e.g. "A's tail 0.0312 is unknown;
 * B does not list the recorded token" ("" when exact). */
void div_step_why(const struct div_step *s, char *buf, size_t n);

/* One step: za, zb hold V logits each (non-finite = masked, p = 0). token
 * may be -1. Returns LS_EDATA if either side has no finite logit. */
int div_step_compute(const float *za, const float *zb, uint32_t V, int32_t token,
                     struct div_step *out, struct ls_error *err);

/* div_step_compute in pieces (the explorer's comparison at V = 262144 is
 * about 5-10 ms a step; a scripted slice may take 2): the same passes in
 * the same order, its sums carried here between pieces, so the result is
 * div_step_compute's bit for bit (div_step_compute is begin, run to the
 * end, end). za and zb must stay unchanged until the end.
 *   struct div_calc c;
 *   div_calc_begin(&c, za, zb, V, token);
 *   while (!div_calc_run(&c, 8192)) ...;   // a budget check between pieces
 *   rc = div_calc_end(&c, &step, &err);
 * Passes: A's maximum, A's sum of exps, the same for B, then the pair
 * pass (KLD and JSD terms); each piece does at most n tokens of them. */
struct div_calc {
    const float *za, *zb;
    uint32_t V;
    int32_t token;
    int pass;                /* 0-4 as above, 5: done */
    uint32_t at;             /* next id of the pass */
    int fail;                /* 1: A has no finite logit, 2: B */
    double m, s;             /* the side under way: maximum, sum of exp(z - m) */
    int32_t am;              /* its argmax (first maximum) */
    double la, lb;           /* log-sum-exp of A and B */
    int32_t ta, tb;          /* argmax of A and B */
    double kl, js;           /* the pair pass's sums */
    int inf;                 /* P > 0 where Q = 0 */
};
void div_calc_begin(struct div_calc *c, const float *za, const float *zb, uint32_t V, int32_t token);
/* At most n tokens' worth of the passes (n >= 1): 1 when all are done. */
int div_calc_run(struct div_calc *c, uint32_t n);
/* The step (after div_calc_run returned 1): div_step_compute's return. */
int div_calc_end(const struct div_calc *c, struct div_step *out, struct ls_error *err);

struct div_stats {
    uint32_t n;              /* steps */
    uint32_t n_tok;          /* steps with a recorded token */
    uint32_t n_inf;          /* steps with infinite KLD */
    double mean_kld, mean_kld_se;
    double kld_max, kld_p999, kld_p99, kld_p95, kld_p90, kld_median, kld_p10, kld_p05, kld_p01, kld_min;
    double mean_jsd;
    double mean_dp, mean_dp_se, rms_dp, rms_dp_se;
    double same_top, same_top_se;
    double ppl_a, ppl_b, ln_ppl_ratio, ln_ppl_ratio_se, cor_ln_ppl;
};

/* One step where either side may be top-N: exact values where the files
 * decide them, [lo, hi] bounds otherwise (div_bounds.c derives them). A
 * full side with no finite logit is LS_EDATA ("A: no finite logit"); a
 * top-N side listing nothing is a step whose whole mass is unknown. Both
 * sides full: exactly div_step_compute. */
int div_step_bounds(const struct div_side *a, const struct div_side *b, uint32_t V, int32_t token,
                    struct div_step *out, struct ls_error *err);

/* The ids two files are compared over: [0, min(V_a, V_b)), or [0, max)
 * when the shorter side is top-N (a top-N file's V is its largest listed
 * id + 1, not a vocabulary size: its ids beyond are unlisted). *differ = 1
 * when ids are left out (the caller warns). */
uint32_t div_compared_vocab(uint32_t va, int sparse_a, uint32_t vb, int sparse_b, int *differ);

/* Percentile of sorted[0..n) at fraction f: linear interpolation at index
 * f*(n-1). NaN for n = 0. */
double div_percentile(const double *sorted, size_t n, double f);

/* Summary of n steps. Allocates a sorted copy internally (LS_ELIMIT). */
int div_stats_compute(const struct div_step *st, uint32_t n, struct div_stats *out,
                      struct ls_error *err);

/* The summary's bounds: every statistic of div_stats lies in [lo, hi]
 * (lo == hi, with its standard error, where every step decides it; a
 * bounded statistic's standard errors are NaN). */
int div_stats_bounds(const struct div_step *st, uint32_t n, struct div_stats *lo,
                     struct div_stats *hi, struct ls_error *err);

/* One summary statistic: its JSON key (the standard error, when it has one,
 * follows as KEY_se), its row label in the text table, where it lives in
 * struct div_stats. Shared by the JSON and the text rendering of `diff` and
 * of `dataset eval`'s aggregated KL block. */
struct diff_stat {
    const char *key;
    const char *label;         /* NULL: JSON only */
    size_t off, se_off;        /* se_off 0: no standard error */
    int count;                 /* off is a uint32_t count, not a double */
};
extern const struct diff_stat diff_stats[];
extern const size_t n_diff_stats;
double diff_stat_value(const struct div_stats *s, size_t off);

#endif
