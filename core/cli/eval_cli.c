/* eval_cli.c: options shared by eval and sweep (see eval_cli.h). */
#include "cli/eval_cli.h"

#include <math.h>
#include <string.h>

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
        if ((rc = cli_parse_double("--evaluator-timeout", arg, &d, err))) return rc;
        if (!(d > 0 && d <= 86400))
            return ls_fail(err, LS_EUSAGE, "--evaluator-timeout: %g is out of range (0, 86400]", d);
        cfg->ext_timeout = d;
        return LS_OK;
    case EVAL_OPT_CLIP:
        if ((rc = cli_parse_double("--clip-threshold", arg, &d, err))) return rc;
        if (!(d >= 0)) return ls_fail(err, LS_EUSAGE, "--clip-threshold: must be >= 0, got %g", d);
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
    if (o->count > 0) cfg->n_samples = (uint32_t)o->count;
    cfg->allow_nonfinite = o->allow_nonfinite;
    cfg->nonfinite_hint = "--allow-nonfinite treats them as masked";
    cfg->timeout_hint = "--evaluator-timeout";
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
