/* eval_regex.c: share of sampled continuations a POSIX ERE matches. */
#include "eval/eval_impl.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>

/* state: the compiled expression, NULL when no regex was asked for */
static int init(const struct eval_config *cfg, void **state, struct ls_error *err)
{
    if (!cfg->regex) return LS_OK;
    regex_t *re = malloc(sizeof *re);
    if (!re) return ls_oom(err);
    int rc = regcomp(re, cfg->regex, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char msg[256];
        regerror(rc, re, msg, sizeof msg);
        free(re);
        return ls_fail(err, LS_EUSAGE, "%s: '%.80s'", msg, cfg->regex);
    }
    *state = re;
    return LS_OK;
}

static void release(void *state)
{
    if (!state) return;
    regfree(state);
    free(state);
}

static int sample(const void *state, const struct eval_run *r, struct eval_acc *a, uint32_t i,
                  const char *text, size_t len, struct ls_error *err)
{
    (void)r; (void)i; (void)err;
    if (!state) return LS_OK;
    regmatch_t m[1];
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)len;
    if (regexec(state, text, 1, m, REG_STARTEND) == 0) a->n_regex++;
    return LS_OK;
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)r; (void)err;
    struct eval_scores *s = &a->sc;
    s->n_regex_match = a->n_regex;
    s->regex_match_share = s->regex_match_ci[0] = s->regex_match_ci[1] = NAN;
    if (!state || !a->n_text_samples) return LS_OK;
    s->regex_match_share = (double)a->n_regex / a->n_text_samples;
    eval_wilson(a->n_regex, a->n_text_samples, s->regex_match_ci);
    return LS_OK;
}

const struct evaluator eval_regex = {
    .name = "regex",
    .keys = "regex_match_share regex_match_ci regex_matches",
    .definition =
    "Regex match share (--regex RE): share of the N sampled continuations in which the "
    "POSIX extended regular expression RE (regcomp REG_EXTENDED) finds a match anywhere "
    "(anchor with ^...$ for a whole-text match), with its Wilson 95% interval. The text "
    "is matched as bytes up to its full length (REG_STARTEND); character classes follow "
    "the locale's LC_CTYPE. Needs a vocabulary.",
    .field = EVAL_FIELD_REGEX,
    .init = init,
    .free = release,
    .sample = sample,
    .finish = finish,
};
