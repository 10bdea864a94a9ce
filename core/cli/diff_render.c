/* diff_render.c: the diff document (diff_doc.h) as text and as JSON.
 *
 * Both renderings walk the one table of statistics (diff_stats). Two full
 * distributions: each statistic is a value +/- its standard error. A top-N
 * side: each statistic is exact (lower = upper, with its standard error)
 * or an interval [lower, upper] whose standard error is not given; each
 * step says whether the files decide it (exact), bound it (bounded) or
 * leave it open because a side lists no token (unknown), and why. */
#include "cli/diff_doc.h"
#include "base/display.h"
#include "base/json_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const basis_name[] = { "exact", "bounded", "unknown" };

static void path_esc(const char *p, unsigned disp, char *buf, size_t n) { disp_escape(p, strlen(p), disp, buf, n); }

static uint32_t count_at(const struct div_stats *s, size_t off)
{
    uint32_t v;
    memcpy(&v, (const char *)s + off, sizeof v);
    return v;
}

/* --- JSON --------------------------------------------------------------- */

/* KEY (null when an interval), KEY_se, and for a bounded diff KEY_lo and
 * KEY_hi (null: unbounded on that side). */
static void json_stats(cJSON *doc, const struct diff_doc *d)
{
    for (size_t i = 0; i < n_diff_stats; i++) {
        const struct diff_stat *x = &diff_stats[i];
        char k[64];
        double lo = diff_stat_value(&d->stats, x->off), hi = diff_stat_value(&d->stats_hi, x->off);
        if (x->count) {
            uint32_t cl = count_at(&d->stats, x->off), ch = count_at(&d->stats_hi, x->off);
            if (cl == ch) cJSON_AddNumberToObject(doc, x->key, cl);
            else cJSON_AddNullToObject(doc, x->key);
            lo = cl;
            hi = ch;
        } else {
            json_add_num(doc, x->key, lo == hi ? lo : NAN);
            snprintf(k, sizeof k, "%s_se", x->key);
            if (x->se_off) json_add_num(doc, k, diff_stat_value(&d->stats, x->se_off));
        }
        if (!d->bounded) continue;
        snprintf(k, sizeof k, "%s_lo", x->key);
        json_add_num(doc, k, lo);
        snprintf(k, sizeof k, "%s_hi", x->key);
        json_add_num(doc, k, hi);
    }
}

static void json_bounds(cJSON *x, const char *key, double lo, double hi)
{
    char k[32];
    snprintf(k, sizeof k, "%s_lo", key);
    json_add_num(x, k, lo);
    snprintf(k, sizeof k, "%s_hi", key);
    json_add_num(x, k, hi);
}

static void json_id(cJSON *x, const char *key, int32_t id, int known)
{
    if (known && id >= 0) cJSON_AddNumberToObject(x, key, id);
    else cJSON_AddNullToObject(x, key);
}

static cJSON *json_step(const struct diff_doc *d, uint32_t t)
{
    const struct div_step *st = &d->steps[t];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "step", t);
    json_add_num(x, "kld", st->kld);
    json_add_num(x, "jsd", st->jsd);
    json_add_num(x, "dp", st->dp);
    if (!d->bounded) {
        cJSON_AddBoolToObject(x, "same_top", st->same_top);
        cJSON_AddNumberToObject(x, "top_a", st->top_a);
        cJSON_AddNumberToObject(x, "top_b", st->top_b);
        return x;
    }
    char why[256];
    div_step_why(st, why, sizeof why);
    cJSON_AddStringToObject(x, "basis", basis_name[div_step_basis(st)]);
    cJSON_AddStringToObject(x, "why", why);
    json_bounds(x, "kld", st->kld_lo, st->kld_hi);
    json_bounds(x, "jsd", st->jsd_lo, st->jsd_hi);
    json_bounds(x, "dp", st->dp_lo, st->dp_hi);
    json_bounds(x, "p_a", st->p_a_lo, st->p_a_hi);
    json_bounds(x, "p_b", st->p_b_lo, st->p_b_hi);
    if (st->top_a_known && st->top_b_known) cJSON_AddBoolToObject(x, "same_top", st->same_top);
    else cJSON_AddNullToObject(x, "same_top");
    json_id(x, "top_a", st->top_a, st->top_a_known);
    json_id(x, "top_b", st->top_b, st->top_b_known);
    json_add_num(x, "tail_a", st->tail_a);
    json_add_num(x, "tail_b", st->tail_b);
    return x;
}

static void json_steps(cJSON *doc, const struct diff_doc *d, uint32_t ntop)
{
    cJSON *ts = cJSON_AddArrayToObject(doc, "top_steps");
    for (uint32_t i = 0; i < ntop; i++) {
        const struct div_step *st = &d->steps[d->order[i]];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "step", d->order[i]);
        json_add_num(x, "kld", st->kld);
        if (d->bounded) json_bounds(x, "kld", st->kld_lo, st->kld_hi);
        cJSON_AddItemToArray(ts, x);
    }
    cJSON *sa = cJSON_AddArrayToObject(doc, "steps");
    for (uint32_t t = 0; t < d->n_steps; t++) cJSON_AddItemToArray(sa, json_step(d, t));
}

cJSON *diff_doc_json(const struct diff_doc *d, uint32_t ntop)
{
    char pa[512], pb[512];
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    path_esc(d->a->path, DISP_BACKSLASH, pa, sizeof pa);
    path_esc(d->b->path, DISP_BACKSLASH, pb, sizeof pb);
    cJSON_AddStringToObject(doc, "file_a", pa);
    cJSON_AddStringToObject(doc, "file_b", pb);
    cJSON_AddNumberToObject(doc, "steps_total", d->n_steps);
    cJSON_AddNumberToObject(doc, "vocab_size_a", d->a->vocab_size);
    cJSON_AddNumberToObject(doc, "vocab_size_b", d->b->vocab_size);
    cJSON_AddNumberToObject(doc, "compared_vocab", d->V);
    cJSON_AddBoolToObject(doc, "matched_by_text", d->b2a != NULL);
    cJSON_AddBoolToObject(doc, "bounded", d->bounded);
    cJSON_AddBoolToObject(doc, "top_n_a", d->a->sparse);
    cJSON_AddBoolToObject(doc, "top_n_b", d->b->sparse);
    if (d->bounded) {
        cJSON_AddNumberToObject(doc, "exact_steps", d->n_basis[DIV_EXACT]);
        cJSON_AddNumberToObject(doc, "bounded_steps", d->n_basis[DIV_BOUNDED]);
        cJSON_AddNumberToObject(doc, "unknown_steps", d->n_basis[DIV_UNKNOWN]);
    }
    cJSON_AddBoolToObject(doc, "post_sampling_a", d->a->post_sampling);
    cJSON_AddBoolToObject(doc, "post_sampling_b", d->b->post_sampling);
    json_stats(doc, d);
    json_steps(doc, d, ntop);
    cJSON *w = cJSON_AddArrayToObject(doc, "warnings");
    if (d->warn[0]) cJSON_AddItemToArray(w, cJSON_CreateString(d->warn));
    return doc;
}

/* --- text --------------------------------------------------------------- */

static void text_head(const struct diff_doc *d, unsigned disp)
{
    char pa[512], pb[512];
    path_esc(d->a->path, disp, pa, sizeof pa);
    path_esc(d->b->path, disp, pb, sizeof pb);
    printf("A (base P): %s  V=%u  format %s%s\nB (Q):      %s  V=%u  format %s%s\n", pa, d->a->vocab_size,
           d->a->ops->format, d->a->sparse ? "  top-N" : "", pb, d->b->vocab_size, d->b->ops->format,
           d->b->sparse ? "  top-N" : "");
    printf("%u steps, %u with a recorded token\n", d->n_steps, d->stats.n_tok);
    for (int i = 0; i < 2; i++)
        if ((i ? d->b : d->a)->post_sampling)
            printf("POST-SAMPLING: %s holds probabilities after its sampler chain, not the model's raw distribution\n",
                   i ? "B" : "A");
    if (d->warn[0]) printf("warning: %s\n", d->warn);
    if (d->b2a)
        printf("tokens matched by their text: %s no token ids (ids below are A's; B's other texts follow)\n",
               d->a->local_ids && d->b->local_ids ? "neither file has" : d->a->local_ids ? "A has" : "B has");
    if (!d->bounded) return;
    printf("top-N: each side's own probabilities (exp(logprob), never renormalised); the tokens a step does not\n"
           "list share its unknown tail, each at most the smallest listed p other than the recorded token's.\n"
           "Steps: %u exact (the files decide every value), %u bounded (an unknown tail leaves values open:\n"
           "[lower, upper]), %u unknown (a side lists no token there).\n",
           d->n_basis[DIV_EXACT], d->n_basis[DIV_BOUNDED], d->n_basis[DIV_UNKNOWN]);
}

static void text_stats_exact(const struct div_stats *ds)
{
    printf("\n%-28s %14s %14s\n", "statistic", "value", "+/- se");
    for (size_t i = 0; i < n_diff_stats; i++) {
        const struct diff_stat *x = &diff_stats[i];
        if (!x->label) continue;
        printf("%-28s %14.6g", x->label, diff_stat_value(ds, x->off));
        double se = x->se_off ? diff_stat_value(ds, x->se_off) : NAN;
        if (isfinite(se)) printf(" %14.6g", se);
        putchar('\n');
    }
    if (ds->n_inf) printf("%u steps have infinite KLD (a token A gives p > 0 is masked in B)\n", ds->n_inf);
}

static void text_stats_bounds(const struct diff_doc *d)
{
    printf("\n%-28s %14s %14s %14s  %s\n", "statistic", "lower", "upper", "+/- se", "basis");
    for (size_t i = 0; i < n_diff_stats; i++) {
        const struct diff_stat *x = &diff_stats[i];
        if (!x->label) continue;
        double lo = diff_stat_value(&d->stats, x->off), hi = diff_stat_value(&d->stats_hi, x->off);
        double se = x->se_off ? diff_stat_value(&d->stats, x->se_off) : NAN;
        int exact = lo == hi || (isnan(lo) && isnan(hi));
        printf("%-28s %14.6g %14.6g ", x->label, lo, hi);
        if (exact && isfinite(se)) printf("%14.6g", se);
        else printf("%14s", "");
        printf("  %s\n", isnan(lo) && isnan(hi) ? "n/a" : exact ? "exact" : "bounds");
    }
    uint32_t il = d->stats.n_inf, ih = d->stats_hi.n_inf;
    if (il) printf("%u steps have infinite KLD (a token A gives p > 0 is masked in B)\n", il);
    if (ih > il)
        printf("%u steps have no finite KLD upper bound (A's mass may sit where B's unknown p is 0)\n", ih - il);
}

static void id_or_open(char *b, size_t n, int32_t id, int known)
{
    if (known && id >= 0) snprintf(b, n, "%d", id);
    else snprintf(b, n, "?");
}

static void text_steps_bounds(const struct diff_doc *d, uint32_t ntop)
{
    printf("\nsteps that differ most (largest KLD lower bound first; ? = decided by no file):\n"
           "%6s %11s %11s %11s %11s %11s %11s %5s %8s %8s  %s\n",
           "step", "kld_lo", "kld_hi", "jsd_lo", "jsd_hi", "dp_lo", "dp_hi", "same", "top_a", "top_b", "basis");
    for (uint32_t i = 0; i < ntop; i++) {
        const struct div_step *x = &d->steps[d->order[i]];
        char ta[16], tb[16], why[256];
        int known = x->top_a_known && x->top_b_known;
        id_or_open(ta, sizeof ta, x->top_a, x->top_a_known);
        id_or_open(tb, sizeof tb, x->top_b, x->top_b_known);
        div_step_why(x, why, sizeof why);
        printf("%6u %11.5g %11.5g %11.5g %11.5g %11.5g %11.5g %5s %8s %8s  %s%s%s\n", d->order[i], x->kld_lo,
               x->kld_hi, x->jsd_lo, x->jsd_hi, x->dp_lo, x->dp_hi, !known ? "?" : x->same_top ? "yes" : "no",
               ta, tb, basis_name[div_step_basis(x)], why[0] ? ": " : "", why);
    }
}

void diff_doc_text(const struct diff_doc *d, uint32_t ntop, unsigned disp)
{
    text_head(d, disp);
    if (d->bounded) {
        text_stats_bounds(d);
        text_steps_bounds(d, ntop);
        return;
    }
    text_stats_exact(&d->stats);
    printf("\nsteps that differ most:\n%6s %12s %12s %12s %5s %8s %8s\n", "step", "kld", "jsd", "dp", "same", "top_a", "top_b");
    for (uint32_t i = 0; i < ntop; i++) {
        const struct div_step *x = &d->steps[d->order[i]];
        printf("%6u %12.6g %12.6g %12.6g %5s %8d %8d\n", d->order[i], x->kld, x->jsd, x->dp,
               x->same_top ? "yes" : "no", x->top_a, x->top_b);
    }
}
