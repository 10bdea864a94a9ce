/* eval_cli.c: options, opening and document headers shared by eval and
 * sweep (see eval_cli.h). */
#include "cli/eval_cli.h"
#include "cli/cli_run.h"
#include "base/display.h"
#include "base/parse.h"
#include "report/report.h"
#include "sampling/topn.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

int eval_cli_threads(const char *arg, int *threads, struct ls_error *err)
{
    long t;
    int rc = cli_opt_rc("--threads", parse_long(arg, 1, 8, &t, err), err);
    if (!rc) *threads = (int)t;
    return rc;
}

int eval_cli_option(struct eval_config *cfg, int id, const char *arg, struct ls_error *err)
{
    double d;
    int rc;
    switch (id) {
    case EVAL_OPT_REGEX: cfg->regex = arg; return LS_OK;
    case EVAL_OPT_KEYS: cfg->json_keys = arg; return LS_OK;
    case EVAL_OPT_NOSTOP: cfg->n_stop = 0; return LS_OK;
    case EVAL_OPT_STOP:
        if (cfg->n_stop < 0) cfg->n_stop = 0;
        if (cfg->n_stop >= EVAL_MAX_STOP) return ls_fail(err, LS_EUSAGE, "--stop: at most %d", EVAL_MAX_STOP);
        if (!*arg) return ls_fail(err, LS_EUSAGE, "--stop: empty token text (use --no-stop)");
        cfg->stop[cfg->n_stop++] = arg;
        return LS_OK;
    case EVAL_OPT_TIMEOUT:
        if ((rc = cli_opt_rc("--evaluator-timeout", parse_double(arg, -INFINITY, INFINITY, &d, err), err))) return rc;
        if (!(d > 0 && d <= 86400))
            return ls_fail(err, LS_EUSAGE, "--evaluator-timeout: %g is out of range (0, 86400]", d);
        cfg->ext_timeout = d;
        return LS_OK;
    case EVAL_OPT_THREADS: return eval_cli_threads(arg, &cfg->threads, err);
    case EVAL_OPT_CLIP:
        if ((rc = cli_opt_rc("--clip-threshold", parse_double(arg, 0, INFINITY, &d, err), err))) return rc;
        cfg->clip_threshold = d;
        return LS_OK;
    case EVAL_OPT_EXT: {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg || !eq[1])
            return ls_fail(err, LS_EUSAGE, "--evaluator: expected NAME=COMMAND, got '%.60s'", arg);
        /* names live in a static pool: argv strings are not ours to modify */
        static char names[EVAL_MAX_EXT + 1][EVAL_EXT_NAME_MAX + 2];
        int slot = cfg->n_ext < EVAL_MAX_EXT ? cfg->n_ext : EVAL_MAX_EXT;
        size_t n = (size_t)(eq - arg), keep = n <= EVAL_EXT_NAME_MAX ? n : EVAL_EXT_NAME_MAX + 1;
        memcpy(names[slot], arg, keep);
        names[slot][keep] = 0;
        int rc2 = eval_ext_name_check(cfg, names[slot], err);
        if (rc2) { ls_error_prefix(err, "--evaluator"); return rc2; }
        cfg->ext[cfg->n_ext].name = names[cfg->n_ext];
        cfg->ext[cfg->n_ext].command = eq + 1;
        cfg->n_ext++;
        return LS_OK;
    }
    default:
        return 1;
    }
}

void eval_cli_finish(struct eval_config *cfg, const struct cli_opts *o)
{
    cfg->seed = o->seed;
    if (cfg->threads == 0) cfg->threads = -1; /* --threads not given: up to one per CPU, chosen by timing */
    if (o->count > 0) cfg->n_samples = (uint32_t)o->count;
    cfg->allow_nonfinite = o->allow_nonfinite;
    cfg->nonfinite_hint = "--allow-nonfinite treats them as masked";
    cfg->timeout_hint = "--evaluator-timeout";
    cfg->dry_breakers = cli_dry_breakers(o);
    cfg->n_dry_breakers = o->n_dry_breakers;
}

int eval_cli_check(const struct eval_config *cfg, struct ls_error *err)
{
    static const char *const flag[] = {
        [EVAL_FIELD_N] = "-n", [EVAL_FIELD_REGEX] = "--regex", [EVAL_FIELD_JSON_KEYS] = "--json-keys",
    };
    int field = EVAL_FIELD_NONE;
    int rc = eval_config_check(cfg, &field, err);
    if (rc && field > 0 && (size_t)field < sizeof flag / sizeof *flag && flag[field])
        ls_error_prefix(err, flag[field]);
    return rc;
}

int eval_cli_usage_check(const char *what, const struct cli_opts *o, struct ls_error *err)
{
    if (o->n_files > 1) return ls_fail(err, LS_EUSAGE, "%s takes one FILE (see --help)", what);
    if (o->step >= 0 || o->all)
        return ls_fail(err, LS_EUSAGE, "%s covers every step; --step/--all do not apply", what);
    return LS_OK;
}

int eval_cli_open(struct cli_opts *o, struct eval_config *cfg, struct source **s, struct ls_error *err)
{
    int rc = cli_open(o, 0, s, err);
    if (rc) return rc;
    if ((*s)->warnings[0]) ls_warn_print(stderr, (*s)->warnings);
    eval_cli_finish(cfg, o);
    if ((rc = eval_cli_check(cfg, err))) { source_close(*s); *s = NULL; }
    return rc;
}

void eval_add_header_json(cJSON *d, const struct source *s, const struct chain *ch,
                          const struct params *p, const struct eval_config *cfg)
{
    char buf[1024];
    struct chain ran;   /* the mode that ran: top-N steps are always exact (topn.h) */
    topn_chain(ch, s->sparse, &ran);
    report_add_source_json(d, s, -1);
    report_add_chain_json(d, &ran, p);
    cJSON_AddNumberToObject(d, "seed", (double)cfg->seed);
    cJSON_AddNumberToObject(d, "n", cfg->n_samples);
    cJSON_AddNumberToObject(d, "clip_threshold", cfg->clip_threshold);
    if (cfg->regex) {
        disp_escape(cfg->regex, strlen(cfg->regex), DISP_BACKSLASH, buf, sizeof buf);
        cJSON_AddStringToObject(d, "regex", buf);
    } else {
        cJSON_AddNullToObject(d, "regex");
    }
    cJSON *st = cJSON_AddArrayToObject(d, "stop");
    const char *const *sl = cfg->n_stop < 0 ? eval_default_stops : cfg->stop;
    for (int i = 0; cfg->n_stop < 0 ? sl[i] != NULL : i < cfg->n_stop; i++) {
        disp_escape(sl[i], strlen(sl[i]), DISP_BACKSLASH, buf, sizeof buf);
        cJSON_AddItemToArray(st, cJSON_CreateString(buf));
    }
    if (cfg->json_keys) {
        disp_escape(cfg->json_keys, strlen(cfg->json_keys), DISP_BACKSLASH, buf, sizeof buf);
        cJSON_AddStringToObject(d, "json_keys", buf);
    } else {
        cJSON_AddNullToObject(d, "json_keys");
    }
}

void eval_print_header_text(FILE *f, const struct source *s, const struct chain *ch,
                            const struct params *p, const struct eval_config *cfg, unsigned disp)
{
    char buf[1024];
    disp_escape(s->path, strlen(s->path), disp, buf, sizeof buf);
    fprintf(f, "%s  %u step%s  V=%u  format %s\n", buf, s->n_steps, s->n_steps == 1 ? "" : "s",
            s->vocab_size, s->ops->format);
    struct chain ran;   /* the mode that ran: top-N steps are always exact (topn.h) */
    topn_chain(ch, s->sparse, &ran);
    report_chain_text(f, &ran, p, NULL);
    fprintf(f, "seed %llu  continuations %u\n", (unsigned long long)cfg->seed, cfg->n_samples);
    if (s->post_sampling)
        fprintf(f, "POST-SAMPLING: the file holds probabilities after its sampler chain, not the model's raw distribution\n");
}

int eval_topn_note(const struct eval_scores *sc, char *buf, size_t n)
{
    if (!sc->n_topn) return 0;
    if (!sc->n_topn_bounded)
        snprintf(buf, n, "top-N dump: p_raw is the file's own; the chain is exact at all %u steps", sc->n_topn);
    else
        snprintf(buf, n, "top-N dump: p_raw is the file's own; the chain is bounded, not exact, at %u of %u steps "
                 "(the unknown tail decides; show --step N gives the bounds), and chain scores use the kept "
                 "listed tokens there", sc->n_topn_bounded, sc->n_topn);
    return 1;
}
