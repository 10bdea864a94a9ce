/* cmd_diff.c: `logitscope diff A B`: two dumps of the same token sequence
 * compared step by step. The document is diff_doc.h's; this file renders it
 * (both renderings walk the one table of statistics, diff_stats). */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "cli/diff_doc.h"
#include "base/display.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

static cJSON *num(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static void path_esc(const char *p, unsigned disp, char *buf, size_t n) { disp_escape(p, strlen(p), disp, buf, n); }

static uint32_t count_at(const struct div_stats *s, size_t off)
{
    uint32_t v;
    memcpy(&v, (const char *)s + off, sizeof v);
    return v;
}

static void json_stats(cJSON *doc, const struct div_stats *ds)
{
    for (size_t i = 0; i < n_diff_stats; i++) {
        const struct diff_stat *x = &diff_stats[i];
        char se[64];
        if (x->count) { cJSON_AddNumberToObject(doc, x->key, count_at(ds, x->off)); continue; }
        cJSON_AddItemToObject(doc, x->key, num(diff_stat_value(ds, x->off)));
        snprintf(se, sizeof se, "%s_se", x->key);
        if (x->se_off) cJSON_AddItemToObject(doc, se, num(diff_stat_value(ds, x->se_off)));
    }
}

static void json_steps(cJSON *doc, const struct diff_doc *d, uint32_t ntop)
{
    cJSON *ts = cJSON_AddArrayToObject(doc, "top_steps");
    for (uint32_t i = 0; i < ntop; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "step", d->order[i]);
        cJSON_AddItemToObject(x, "kld", num(d->steps[d->order[i]].kld));
        cJSON_AddItemToArray(ts, x);
    }
    cJSON *sa = cJSON_AddArrayToObject(doc, "steps");
    for (uint32_t t = 0; t < d->n_steps; t++) {
        const struct div_step *st = &d->steps[t];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "step", t);
        cJSON_AddItemToObject(x, "kld", num(st->kld));
        cJSON_AddItemToObject(x, "jsd", num(st->jsd));
        cJSON_AddItemToObject(x, "dp", num(st->dp));
        cJSON_AddBoolToObject(x, "same_top", st->same_top);
        cJSON_AddNumberToObject(x, "top_a", st->top_a);
        cJSON_AddNumberToObject(x, "top_b", st->top_b);
        cJSON_AddItemToArray(sa, x);
    }
}

static cJSON *diff_json(const struct diff_doc *d, uint32_t ntop)
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
    cJSON_AddBoolToObject(doc, "approximate", d->approx);
    cJSON_AddBoolToObject(doc, "post_sampling_a", d->a->post_sampling);
    cJSON_AddBoolToObject(doc, "post_sampling_b", d->b->post_sampling);
    json_stats(doc, &d->stats);
    json_steps(doc, d, ntop);
    cJSON *w = cJSON_AddArrayToObject(doc, "warnings");
    if (d->warn[0]) cJSON_AddItemToArray(w, cJSON_CreateString(d->warn));
    return doc;
}

static void diff_text(const struct diff_doc *d, uint32_t ntop, unsigned disp)
{
    const struct div_stats *ds = &d->stats;
    char pa[512], pb[512];
    path_esc(d->a->path, disp, pa, sizeof pa);
    path_esc(d->b->path, disp, pb, sizeof pb);
    printf("A (base P): %s  V=%u  format %s\nB (Q):      %s  V=%u  format %s\n", pa, d->a->vocab_size,
           d->a->ops->format, pb, d->b->vocab_size, d->b->ops->format);
    printf("%u steps, %u with a recorded token%s\n", d->n_steps, ds->n_tok,
           d->approx ? "; APPROXIMATE (sparse dump)" : "");
    for (int i = 0; i < 2; i++)
        if ((i ? d->b : d->a)->post_sampling)
            printf("POST-SAMPLING: %s holds probabilities after its sampler chain, not the model's raw distribution\n",
                   i ? "B" : "A");
    if (d->warn[0]) printf("warning: %s\n", d->warn);
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
    printf("\nsteps that differ most:\n%6s %12s %12s %12s %5s %8s %8s\n", "step", "kld", "jsd", "dp", "same", "top_a", "top_b");
    for (uint32_t i = 0; i < ntop; i++) {
        const struct div_step *x = &d->steps[d->order[i]];
        printf("%6u %12.6g %12.6g %12.6g %5s %8d %8d\n", d->order[i], x->kld, x->jsd, x->dp,
               x->same_top ? "yes" : "no", x->top_a, x->top_b);
    }
}

/* diff compares the raw distributions of every step: no chain, no step */
static int check_usage(const struct cli_opts *o, struct ls_error *err)
{
    const struct params *p = &o->params;
    if (o->n_files != 2) return ls_fail(err, LS_EUSAGE, "diff needs two files: A B (see --help)");
    if (p->temperature != 1.0 || p->top_k != 0 || p->top_p != 1.0 || p->min_p != 0.0)
        return ls_fail(err, LS_EUSAGE, "diff compares raw model distributions; chain parameters do not apply");
    if (o->step >= 0 || o->all) return ls_fail(err, LS_EUSAGE, "diff covers every step; --step/--all do not apply");
    return LS_OK;
}

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *a = NULL, *b = NULL;
    struct diff_doc d;
    int rc = cli_parse(argc, argv, &o, NULL, NULL, NULL, self->help, &err);
    if (rc < 0) return 0;
    if (rc || (rc = check_usage(&o, &err)) || (rc = cli_open(&o, 0, &a, &err)) || (rc = cli_open(&o, 1, &b, &err))) {
        ls_error_print(&err, stderr);
        source_close(a);
        return rc;
    }
    if (a->warnings[0]) ls_warn_print(stderr, a->warnings);
    if (b->warnings[0]) ls_warn_print(stderr, b->warnings);
    if ((rc = diff_doc_build(&o, a, b, &d, &err))) {
        ls_error_print(&err, stderr);
    } else {
        uint32_t N = d.n_steps, ntop = o.top < 0 || (unsigned long)o.top > N ? N : (uint32_t)o.top;
        if (!o.json) diff_text(&d, ntop, o.disp);
        else { cJSON *doc = diff_json(&d, ntop); rc = doc ? cli_print_json(doc) : LS_ELIMIT; }
    }
    diff_doc_free(&d);
    source_close(a);
    source_close(b);
    return rc;
}

const struct cli_command cli_cmd_diff = {
    "diff", run, "compare two dumps of the same tokens (KL divergence, ...)",
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
    "[{step, kld, jsd, dp, same_top, top_a, top_b}], top_steps, approximate,\n"
    "post_sampling_a, post_sampling_b, warnings.\n"
    "exit codes: 0 ok, 2 usage, 3 cannot read, 4 invalid data or different tokens,\n"
    "5 limit\n",
};
