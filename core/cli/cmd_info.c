/* cmd_info.c: `logitscope info FILE`: what a file holds.
 *
 * Format detected, pre- or post-sampling values, steps, vocabulary size and
 * texts, dtype, sparse (top-N) or full vocabulary, N, the recorded tokens with
 * their text (joined, so partial UTF-8 pieces show as the characters they
 * make), the tail-mass range of sparse files, non-finite counts, file size and
 * every warning from loading. Works through struct source only, so every
 * format gets it. The document is info_doc.h's; this file renders it.
 * Warnings go to stdout here: they are facts about the file. */
#include "cli/commands.h"
#include "cli/cli_run.h"
#include "cli/info_doc.h"
#include "base/display.h"
#include "report/report.h"

#include <cjson/cJSON.h>
#include <string.h>

/* --- JSON ---------------------------------------------------------------- */

static void json_head(cJSON *doc, const struct info_doc *d)
{
    const struct source *s = d->s;
    char fbuf[1024];
    disp_escape(s->path, strlen(s->path), DISP_BACKSLASH, fbuf, sizeof fbuf);
    cJSON_AddStringToObject(doc, "file", fbuf);
    cJSON_AddStringToObject(doc, "format", s->ops->format);
    cJSON_AddNumberToObject(doc, "file_size", (double)s->file_size);
    cJSON_AddStringToObject(doc, "sampling", s->post_sampling ? "post" : "pre");
    cJSON_AddStringToObject(doc, "values", info_values_key(s));
    cJSON_AddNumberToObject(doc, "steps", s->n_steps);
    cJSON_AddNumberToObject(doc, "vocab_size", s->vocab_size);
    cJSON_AddNumberToObject(doc, "vocab_texts", s->vocab ? s->vocab->n : 0);
    if (s->sparse) cJSON_AddStringToObject(doc, "token_ids", s->local_ids ? "local" : "file");
    cJSON_AddStringToObject(doc, "dtype", s->dtype ? s->dtype : "f32");
    cJSON_AddBoolToObject(doc, "sparse", s->sparse);
    /* top-N: exact where the listed tokens decide a result, bounds elsewhere (sampling/topn.h) */
    cJSON_AddStringToObject(doc, "results", s->sparse ? "exact or bounded" : "exact");
    if (s->file_id) cJSON_AddNumberToObject(doc, "largest_file_id", s->file_id[s->vocab_size - 1]);
    if (s->sparse) cJSON_AddNumberToObject(doc, "top_n", s->top_n);
    else cJSON_AddNullToObject(doc, "top_n");
}

static void json_counts(cJSON *doc, const struct info_doc *d)
{
    if (d->have_tail) {
        cJSON *tm = cJSON_AddObjectToObject(doc, "tail_mass");
        cJSON_AddNumberToObject(tm, "min", d->tail_min);
        cJSON_AddNumberToObject(tm, "max", d->tail_max);
        cJSON *kn = cJSON_AddObjectToObject(doc, "known_per_step");
        cJSON_AddNumberToObject(kn, "min", d->known_min);
        cJSON_AddNumberToObject(kn, "max", d->known_max);
    } else {
        cJSON_AddNullToObject(doc, "tail_mass");
    }
    cJSON *nf = cJSON_AddObjectToObject(doc, "nonfinite");
    cJSON_AddNumberToObject(nf, "nan", (double)d->nan);
    cJSON_AddNumberToObject(nf, "posinf", (double)d->posinf);
    cJSON_AddNumberToObject(nf, "neginf", (double)d->neginf);
    cJSON_AddNumberToObject(nf, "total", (double)(d->nan + d->posinf + d->neginf));
    cJSON_AddBoolToObject(doc, "has_tokens", d->s->has_tokens);
    cJSON_AddNumberToObject(doc, "recorded_tokens", d->n_recorded);
    if (d->text) report_add_raw_text(doc, "text", d->text, d->text_len);
    else cJSON_AddNullToObject(doc, "text");
}

static void json_steps(cJSON *doc, const struct info_doc *d)
{
    cJSON *arr = cJSON_AddArrayToObject(doc, "tokens");
    for (uint32_t i = 0; i < d->s->n_steps; i++) {
        const struct step_info *si = &d->steps[i];
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "step", i);
        if (si->token >= 0) cJSON_AddNumberToObject(it, "id", (double)source_file_id(d->s, si->token));
        else cJSON_AddNullToObject(it, "id");
        size_t n = 0;
        const char *t = info_step_text(d, i, &n);
        if (t) report_add_raw_text(it, "text", t, n);
        else cJSON_AddNullToObject(it, "text");
        if (si->sparse) {
            cJSON_AddNumberToObject(it, "known", si->n_known);
            cJSON_AddNumberToObject(it, "tail_mass", si->tail_mass);
        }
        cJSON_AddItemToArray(arr, it);
    }
}

static cJSON *info_json(const struct info_doc *d)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc) return NULL;
    json_head(doc, d);
    json_counts(doc, d);
    json_steps(doc, d);
    cJSON *w = cJSON_AddArrayToObject(doc, "warnings");
    char tbuf[4096];
    size_t l;
    for (const char *p = d->s->warnings, *line; (line = cli_next_line(&p, &l));) {
        disp_escape(line, l, DISP_BACKSLASH, tbuf, sizeof tbuf);
        cJSON_AddItemToArray(w, cJSON_CreateString(tbuf));
    }
    return doc;
}

/* --- text ---------------------------------------------------------------- */

static void field(const char *k, const char *v)
{
    printf("%-12s %s\n", k, v);
}

static void text_head(const struct info_doc *d, unsigned disp)
{
    const struct source *s = d->s;
    char line[1024];
    disp_escape(s->path, strlen(s->path), disp, line, sizeof line);
    field("file", line);
    field("format", s->ops->format);
    field("values", info_values_desc(s));
    snprintf(line, sizeof line, "%u", s->n_steps);
    field("steps", line);
    if (s->vocab) snprintf(line, sizeof line, "%u (%u token texts)", s->vocab_size, s->vocab->n);
    else snprintf(line, sizeof line, "%u (no token texts; --vocab FILE adds them)", s->vocab_size);
    field("vocab size", line);
    if (s->file_id) {
        snprintf(line, sizeof line, "from the file (model token ids up to %d, numbered compactly; shown as the file's)",
                 (int)s->file_id[s->vocab_size - 1]);
        field("token ids", line);
    } else if (s->sparse)
        field("token ids", s->local_ids ? "local: the file's distinct token texts, numbered in order of appearance"
                                        : "from the file (model token ids)");
    field("dtype", s->dtype ? s->dtype : "f32");
    if (s->sparse)
        snprintf(line, sizeof line, "sparse: top-%u per step (%u to %u known); unlisted tokens are unknown: results "
                 "are exact where the listed tokens decide them, else bounded",
                 s->top_n, d->have_tail ? d->known_min : 0, d->have_tail ? d->known_max : 0);
    else
        snprintf(line, sizeof line, "full vocabulary");
    field("storage", line);
}

static void text_counts(const struct info_doc *d, unsigned disp)
{
    char line[512], tbuf[4096];
    if (d->have_tail) {
        snprintf(line, sizeof line, "min %.6f  max %.6f (probability outside the listed tokens)", d->tail_min, d->tail_max);
        field("tail mass", line);
    }
    snprintf(line, sizeof line, "%llu NaN, %llu +inf, %llu -inf%s", (unsigned long long)d->nan,
             (unsigned long long)d->posinf, (unsigned long long)d->neginf,
             d->s->sparse ? " (unlisted tokens are unknown, not counted)" : "");
    field("non-finite", line);
    snprintf(line, sizeof line, "%llu bytes", (unsigned long long)d->s->file_size);
    field("file size", line);
    if (d->n_recorded && (!d->text || d->text_len == 0)) {
        printf("%-12s %u recorded (ids only; --vocab FILE adds their texts)\n", "tokens", d->n_recorded);
    } else if (d->n_recorded) {
        disp_escape(d->text ? d->text : "", d->text_len, disp | DISP_BACKSLASH, tbuf, sizeof tbuf);
        printf("%-12s %u recorded: \"%s\"\n", "tokens", d->n_recorded, tbuf);
    } else {
        field("tokens", "none recorded");
    }
}

static void text_step_row(const struct info_doc *d, uint32_t i, unsigned disp)
{
    const struct step_info *si = &d->steps[i];
    int sparse = d->s->sparse, cols = 0;
    size_t n = 0;
    const char *t = info_step_text(d, i, &n);
    char tok[256];
    if (t) disp_fit(t, n, disp | DISP_TOKEN, 24, tok, sizeof tok, &cols);
    else if (si->token >= 0) cols = snprintf(tok, sizeof tok, "<id %lld>", (long long)source_file_id(d->s, si->token));
    else { snprintf(tok, sizeof tok, "-"); cols = 1; }
    size_t tl = strlen(tok);
    while (sparse && cols < 24 && tl + 1 < sizeof tok) { tok[tl++] = ' '; cols++; }
    tok[tl] = 0;
    if (si->token >= 0) printf("%6u %8lld  %s", i, (long long)source_file_id(d->s, si->token), tok);
    else printf("%6u %8s  %s", i, "-", tok);
    if (si->sparse) printf(" %6u %10.6f", si->n_known, si->tail_mass);
    printf("\n");
}

static void text_steps(const struct info_doc *d, long top, unsigned disp)
{
    const struct source *s = d->s;
    uint32_t show = top < 0 || (uint64_t)top > s->n_steps ? s->n_steps : (uint32_t)top;
    /* a table of "-" rows says nothing: only when there is something per step */
    if (!d->n_recorded && !s->sparse) show = 0;
    if (!show) return;
    printf("\n%6s %8s  %s", "step", "id", s->sparse ? "token                   " : "token");
    if (s->sparse) printf(" %6s %10s", "known", "tail mass");
    printf("\n");
    for (uint32_t i = 0; i < show; i++) text_step_row(d, i, disp);
    if (show < s->n_steps) printf("(%u more steps; --top all lists them)\n", s->n_steps - show);
}

static void info_text(const struct info_doc *d, long top, unsigned disp)
{
    text_head(d, disp);
    text_counts(d, disp);
    text_steps(d, top, disp);
    if (d->s->warnings[0]) printf("\n");
    char tbuf[4096];
    size_t l;
    for (const char *p = d->s->warnings, *line; (line = cli_next_line(&p, &l));) {
        disp_escape(line, l, disp, tbuf, sizeof tbuf);
        printf("warning: %s\n", tbuf);
    }
}

/* --- the command --------------------------------------------------------- */

static int run(int argc, char **argv, const struct cli_command *self)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *s = NULL;
    struct info_doc d;
    int rc = cli_parse(argc, argv, &o, NULL, NULL, NULL, self->help, &err);
    if (rc < 0) return 0;
    if (!rc && o.n_files > 1) rc = ls_fail(&err, LS_EUSAGE, "info takes one FILE");
    if (rc || (rc = cli_open(&o, 0, &s, &err))) { ls_error_print(&err, stderr); return rc; }
    /* the table lists the first --top steps, JSON every step */
    uint32_t keep = o.json || o.top < 0 || (uint64_t)o.top > s->n_steps ? s->n_steps : (uint32_t)o.top;
    if ((rc = info_doc_build(s, keep, o.json, &d, &err))) {
        ls_error_print(&err, stderr);
    } else if (o.json) {
        cJSON *doc = info_json(&d);
        if (doc) rc = cli_print_json(doc);
        else { fputs("logitscope: out of memory\n", stderr); rc = LS_ELIMIT; }
    } else {
        info_text(&d, o.top, o.disp);
    }
    info_doc_free(&d);
    source_close(s);
    return rc;
}

const struct cli_command cli_cmd_info = {
    "info", run, "what a file holds: format, steps, vocabulary, warnings",
    "usage: logitscope info FILE [--json] [--top N|all] [--format NAME] [--vocab FILE] ...\n"
    "What FILE holds: format, pre- or post-sampling values, steps, vocabulary size, dtype,\n"
    "sparse (top-N log-probabilities) or full vocabulary, the recorded tokens and their\n"
    "text, the range of the unknown tail mass, non-finite counts, file size and warnings.\n"
    "The table lists the first --top steps (default 20); --json lists every step.\n",
};
