/* cmd_diff.c: `logitscope diff A B`: two dumps of the same token sequence
 * compared step by step. The document is diff_doc.h's, rendered by
 * diff_render.c; this file is the command. */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "cli/diff_doc.h"

#include <cjson/cJSON.h>

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
        if (!o.json) diff_doc_text(&d, ntop, o.disp);
        else { cJSON *doc = diff_doc_json(&d, ntop); rc = doc ? cli_print_json(doc) : LS_ELIMIT; }
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
    "Top-N files (API outputs) are never renormalised: a listed token has the file's\n"
    "p = exp(logprob); the unlisted tokens share the step's unknown tail, each at most\n"
    "the smallest listed p. Every value is then exact where the files decide it and an\n"
    "interval [lower, upper] otherwise (KL has no finite upper bound while A's mass may\n"
    "sit where B's unknown p is 0); each step is exact, bounded or unknown (a side lists\n"
    "no token there), with the reason. Files without token ids (API outputs that\n"
    "name tokens by text) are matched to the other file's tokens by their bytes.\n"
    "--json keys: mean_kld, mean_kld_se, kld_max, kld_p999, kld_p99, kld_p95, kld_p90,\n"
    "kld_median, kld_min, mean_dp, rms_dp, same_top, ln_ppl_ratio, mean_jsd, steps\n"
    "[{step, kld, jsd, dp, same_top, top_a, top_b}], top_steps, bounded, top_n_a,\n"
    "top_n_b, matched_by_text, post_sampling_a, post_sampling_b, warnings. When\n"
    "bounded: every statistic KEY is null unless exact, with KEY_lo and KEY_hi (null:\n"
    "unbounded); exact_steps, bounded_steps, unknown_steps; each step adds basis, why,\n"
    "kld/jsd/dp/p_a/p_b _lo and _hi, tail_a, tail_b (same_top, top_a, top_b null when\n"
    "undecided).\n"
    "exit codes: 0 ok, 2 usage, 3 cannot read, 4 invalid data or different tokens,\n"
    "5 limit\n",
};
