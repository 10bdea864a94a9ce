/* cmd_diff.c: `logitscope diff A B`: two dumps of the same token sequence
 * compared step by step (divergence.h). */
#include "cli/cli.h"
#include "base/display.h"
#include "sampling/divergence.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: logitscope diff A B [--top N] [--allow-nonfinite] [--json]\n"
    "Compare two dumps of the same token sequence (model A = base P, model B = Q), on\n"
    "their raw distributions (T = 1, no chain; chain options are refused). Per step:\n"
    "KL(A||B) = sum_i P(i) (ln P(i) - ln Q(i)) in nats, exact over the vocabulary, JS\n"
    "divergence, dp = Q(x) - P(x) for the recorded token x, and whether the argmax\n"
    "agrees. Summary as in llama-perplexity's KL-divergence report: mean KLD +/-\n"
    "standard error; max, 99.9/99/95/90%, median, 10/5/1%, minimum (linear\n"
    "interpolation at f*(N-1) of the sorted values); mean and RMS dp with errors;\n"
    "same-top share +/- sqrt(f(1-f)/(N-1)); ln(PPL(B)/PPL(A)) = <NLL_B> - <NLL_A>\n"
    "+/- sqrt(s_A^2 + s_B^2 - 2 cov). Fractions, not percent. Then the --top N steps\n"
    "(default 20) with the largest KLD.\n"
    "The token sequences must match (exit 4 names the first differing step); when the\n"
    "vocabulary sizes differ, ids [0, min V) are compared, each side renormalised over\n"
    "them, with a warning: perplexities over different vocabularies are not comparable.\n"
    "--json keys: mean_kld, mean_kld_se, kld_max, kld_p999, kld_p99, kld_p95, kld_p90,\n"
    "kld_median, kld_min, mean_dp, rms_dp, same_top, ln_ppl_ratio, mean_jsd, steps\n"
    "[{step, kld, jsd, dp, same_top, top_a, top_b}], top_steps, approximate, warnings.\n"
    "exit codes: 0 ok, 2 usage, 3 cannot read, 4 invalid data or different tokens,\n"
    "5 limit\n";

static void row(const char *name, double v, double se)
{
    printf("%-28s %14.6g", name, v);
    if (isfinite(se)) printf(" %14.6g", se);
    putchar('\n');
}

static cJSON *num(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static void add(cJSON *o, const char *k, double v) { cJSON_AddItemToObject(o, k, num(v)); }

static int check_finite(const struct cli_opts *o, const struct source *s, uint32_t step,
                        const float *z, const struct step_info *in, struct ls_error *err)
{
    if (o->allow_nonfinite || !(in->n_nan || in->n_posinf)) return LS_OK;
    for (uint32_t i = 0; i < s->vocab_size; i++)
        if (isnan(z[i]) || (isinf(z[i]) && z[i] > 0))
            return ls_fail(err, LS_EDATA, "%s: step %u: token %u: %s logit (--allow-nonfinite treats "
                           "NaN/+inf as masked)", s->path, step, i, isnan(z[i]) ? "NaN" : "+inf");
    return LS_OK;
}

static int by_kld_desc(const void *a, const void *b, const struct div_step *st)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    double kx = st[x].kld, ky = st[y].kld;
    if (kx > ky) return -1;
    if (kx < ky) return 1;
    return (x > y) - (x < y);
}

static const struct div_step *g_steps;
static int cmp_top(const void *a, const void *b) { return by_kld_desc(a, b, g_steps); }

static void path_esc(const char *p, unsigned disp, char *buf, size_t n) { disp_escape(p, strlen(p), disp, buf, n); }

int cmd_diff(int argc, char **argv)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *a = NULL, *b = NULL;
    int rc = cli_parse(argc, argv, &o, NULL, NULL, NULL, help, &err);
    if (rc < 0) return 0;
    if (!rc && o.n_files != 2) rc = ls_fail(&err, LS_EUSAGE, "diff needs two files: A B (see --help)");
    if (!rc && (o.params.temperature != 1.0 || o.params.top_k != 0 || o.params.top_p != 1.0 || o.params.min_p != 0.0))
        rc = ls_fail(&err, LS_EUSAGE, "diff compares raw model distributions; chain parameters do not apply");
    if (!rc && (o.step >= 0 || o.all)) rc = ls_fail(&err, LS_EUSAGE, "diff covers every step; --step/--all do not apply");
    if (rc || (rc = cli_open(&o, 0, &a, &err)) || (rc = cli_open(&o, 1, &b, &err))) {
        ls_error_print(&err, stderr);
        source_close(a);
        return rc;
    }
    if (a->warnings[0]) ls_warn_print(stderr, a->warnings);
    if (b->warnings[0]) ls_warn_print(stderr, b->warnings);
    char warn[512] = "";
    float *za = NULL, *zb = NULL;
    struct div_step *st = NULL;
    uint32_t *order = NULL;
    cJSON *doc = NULL;
    if (a->n_steps != b->n_steps) {
        rc = ls_fail(&err, LS_EDATA, "%s has %u steps but %s has %u: not the same token sequence",
                     a->path, a->n_steps, b->path, b->n_steps);
        goto fail;
    }
    uint32_t V = a->vocab_size < b->vocab_size ? a->vocab_size : b->vocab_size;
    if (a->vocab_size != b->vocab_size) {
        snprintf(warn, sizeof warn, "vocabulary sizes differ (A: %u, B: %u): ids [0, %u) compared, each side "
                 "renormalised over them; perplexities across different vocabularies are not comparable",
                 a->vocab_size, b->vocab_size, V);
        ls_warn_print(stderr, warn);
    }
    uint32_t N = a->n_steps;
    za = malloc((size_t)a->vocab_size * sizeof *za);
    zb = malloc((size_t)b->vocab_size * sizeof *zb);
    st = malloc((size_t)(N ? N : 1) * sizeof *st);
    order = malloc((size_t)(N ? N : 1) * sizeof *order);
    if (!za || !zb || !st || !order) { rc = ls_fail(&err, LS_ELIMIT, "out of memory"); goto fail; }
    int approx = a->sparse || b->sparse;
    for (uint32_t t = 0; t < N; t++) {
        struct step_info ia, ib;
        if ((rc = source_read_step(a, t, za, &ia, &err))) { ls_error_prefix(&err, a->path); goto fail; }
        if ((rc = source_read_step(b, t, zb, &ib, &err))) { ls_error_prefix(&err, b->path); goto fail; }
        if ((rc = check_finite(&o, a, t, za, &ia, &err)) || (rc = check_finite(&o, b, t, zb, &ib, &err))) goto fail;
        approx |= ia.sparse || ib.sparse;
        if (ia.token >= 0 && ib.token >= 0 && ia.token != ib.token) {
            rc = ls_fail(&err, LS_EDATA, "token sequences differ at step %u: %s has id %d, %s has id %d",
                         t, a->path, ia.token, b->path, ib.token);
            goto fail;
        }
        int32_t tok = ia.token >= 0 ? ia.token : ib.token;
        if (tok >= 0 && (uint32_t)tok >= V) tok = -1;
        if ((rc = div_step_compute(za, zb, V, tok, &st[t], &err))) {
            char pre[64];
            snprintf(pre, sizeof pre, "step %u", t);
            ls_error_prefix(&err, pre);
            goto fail;
        }
        order[t] = t;
    }
    struct div_stats ds;
    if ((rc = div_stats_compute(st, N, &ds, &err))) goto fail;
    g_steps = st;
    qsort(order, N, sizeof *order, cmp_top);
    uint32_t ntop = o.top < 0 || (unsigned long)o.top > N ? N : (uint32_t)o.top;
    char pa[512], pb[512];
    if (o.json) {
        doc = cJSON_CreateObject();
        path_esc(a->path, DISP_BACKSLASH, pa, sizeof pa);
        path_esc(b->path, DISP_BACKSLASH, pb, sizeof pb);
        cJSON_AddStringToObject(doc, "file_a", pa);
        cJSON_AddStringToObject(doc, "file_b", pb);
        cJSON_AddNumberToObject(doc, "steps_total", N);
        cJSON_AddNumberToObject(doc, "vocab_size_a", a->vocab_size);
        cJSON_AddNumberToObject(doc, "vocab_size_b", b->vocab_size);
        cJSON_AddNumberToObject(doc, "compared_vocab", V);
        cJSON_AddBoolToObject(doc, "approximate", approx);
        cJSON_AddNumberToObject(doc, "n_tokens", ds.n_tok);
        add(doc, "mean_kld", ds.mean_kld);
        add(doc, "mean_kld_se", ds.mean_kld_se);
        add(doc, "kld_max", ds.kld_max);
        add(doc, "kld_p999", ds.kld_p999);
        add(doc, "kld_p99", ds.kld_p99);
        add(doc, "kld_p95", ds.kld_p95);
        add(doc, "kld_p90", ds.kld_p90);
        add(doc, "kld_median", ds.kld_median);
        add(doc, "kld_p10", ds.kld_p10);
        add(doc, "kld_p05", ds.kld_p05);
        add(doc, "kld_p01", ds.kld_p01);
        add(doc, "kld_min", ds.kld_min);
        cJSON_AddNumberToObject(doc, "infinite_kld_steps", ds.n_inf);
        add(doc, "mean_jsd", ds.mean_jsd);
        add(doc, "mean_dp", ds.mean_dp);
        add(doc, "mean_dp_se", ds.mean_dp_se);
        add(doc, "rms_dp", ds.rms_dp);
        add(doc, "rms_dp_se", ds.rms_dp_se);
        add(doc, "same_top", ds.same_top);
        add(doc, "same_top_se", ds.same_top_se);
        add(doc, "ppl_a", ds.ppl_a);
        add(doc, "ppl_b", ds.ppl_b);
        add(doc, "ln_ppl_ratio", ds.ln_ppl_ratio);
        add(doc, "ln_ppl_ratio_se", ds.ln_ppl_ratio_se);
        add(doc, "cor_ln_ppl", ds.cor_ln_ppl);
        cJSON *ts = cJSON_AddArrayToObject(doc, "top_steps");
        for (uint32_t i = 0; i < ntop; i++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "step", order[i]);
            cJSON_AddItemToObject(x, "kld", num(st[order[i]].kld));
            cJSON_AddItemToArray(ts, x);
        }
        cJSON *sa = cJSON_AddArrayToObject(doc, "steps");
        for (uint32_t t = 0; t < N; t++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "step", t);
            cJSON_AddItemToObject(x, "kld", num(st[t].kld));
            cJSON_AddItemToObject(x, "jsd", num(st[t].jsd));
            cJSON_AddItemToObject(x, "dp", num(st[t].dp));
            cJSON_AddBoolToObject(x, "same_top", st[t].same_top);
            cJSON_AddNumberToObject(x, "top_a", st[t].top_a);
            cJSON_AddNumberToObject(x, "top_b", st[t].top_b);
            cJSON_AddItemToArray(sa, x);
        }
        cJSON *w = cJSON_AddArrayToObject(doc, "warnings");
        if (warn[0]) cJSON_AddItemToArray(w, cJSON_CreateString(warn));
        rc = cli_print_json(doc);
        doc = NULL;
    } else {
        path_esc(a->path, o.disp, pa, sizeof pa);
        path_esc(b->path, o.disp, pb, sizeof pb);
        printf("A (base P): %s  V=%u  format %s\nB (Q):      %s  V=%u  format %s\n", pa, a->vocab_size,
               a->ops->format, pb, b->vocab_size, b->ops->format);
        printf("%u steps, %u with a recorded token%s\n", N, ds.n_tok, approx ? "; APPROXIMATE (sparse dump)" : "");
        if (warn[0]) printf("warning: %s\n", warn);
        printf("\n%-28s %14s %14s\n", "statistic", "value", "+/- se");
        row("Mean KLD (nats)", ds.mean_kld, ds.mean_kld_se);
        row("Maximum KLD", ds.kld_max, NAN);
        row("99.9% KLD", ds.kld_p999, NAN);
        row("99.0% KLD", ds.kld_p99, NAN);
        row("95.0% KLD", ds.kld_p95, NAN);
        row("90.0% KLD", ds.kld_p90, NAN);
        row("Median KLD", ds.kld_median, NAN);
        row("10.0% KLD", ds.kld_p10, NAN);
        row("5.0% KLD", ds.kld_p05, NAN);
        row("1.0% KLD", ds.kld_p01, NAN);
        row("Minimum KLD", ds.kld_min, NAN);
        row("Mean JSD (nats)", ds.mean_jsd, NAN);
        row("Mean dp (B - A)", ds.mean_dp, ds.mean_dp_se);
        row("RMS dp", ds.rms_dp, ds.rms_dp_se);
        row("Same top", ds.same_top, ds.same_top_se);
        row("PPL(A)", ds.ppl_a, NAN);
        row("PPL(B)", ds.ppl_b, NAN);
        row("Mean ln(PPL(B)/PPL(A))", ds.ln_ppl_ratio, ds.ln_ppl_ratio_se);
        row("Cor(ln PPL(B), ln PPL(A))", ds.cor_ln_ppl, NAN);
        if (ds.n_inf) printf("%u steps have infinite KLD (a token A gives p > 0 is masked in B)\n", ds.n_inf);
        printf("\nsteps that differ most:\n%6s %12s %12s %12s %5s %8s %8s\n", "step", "kld", "jsd", "dp", "same", "top_a", "top_b");
        for (uint32_t i = 0; i < ntop; i++) {
            const struct div_step *x = &st[order[i]];
            printf("%6u %12.6g %12.6g %12.6g %5s %8d %8d\n", order[i], x->kld, x->jsd, x->dp,
                   x->same_top ? "yes" : "no", x->top_a, x->top_b);
        }
    }
    goto done;
fail:
    ls_error_print(&err, stderr);
done:
    cJSON_Delete(doc);
    free(za); free(zb); free(st); free(order);
    source_close(a);
    source_close(b);
    return rc;
}
