/* cmd_info.c: `logitscope info FILE`: what a file holds.
 *
 * Format detected, pre- or post-sampling values, steps, vocabulary size and
 * texts, dtype, sparse (top-N) or full vocabulary, N, the recorded tokens with
 * their text (joined, so partial UTF-8 pieces show as the characters they
 * make), the tail-mass range of sparse files, non-finite counts, file size and
 * every warning from loading. Works through struct source only, so every
 * format gets it. Every step is read once (binary formats step by step, never
 * the whole file at once). Warnings go to stdout here: they are facts about
 * the file. */
#include "cli/cli.h"
#include "base/display.h"
#include "report/report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: logitscope info FILE [--json] [--top N|all] [--format NAME] [--vocab FILE] ...\n"
    "What FILE holds: format, pre- or post-sampling values, steps, vocabulary size, dtype,\n"
    "sparse (top-N log-probabilities) or full vocabulary, the recorded tokens and their\n"
    "text, the range of the unknown tail mass, non-finite counts, file size and warnings.\n"
    "The table lists the first --top steps (default 20); --json lists every step.\n";

struct acc {
    uint64_t nan, posinf, neginf;
    double tail_min, tail_max;
    uint32_t known_min, known_max;
    uint32_t n_recorded;
    char *text;            /* recorded tokens joined */
    size_t text_len, text_cap;
};

static int append(struct acc *a, const char *t, size_t n)
{
    if (a->text_len + n + 1 > a->text_cap) {
        size_t nc = a->text_cap ? a->text_cap * 2 : 256;
        while (nc < a->text_len + n + 1) nc *= 2;
        char *nt = realloc(a->text, nc);
        if (!nt) return -1;
        a->text = nt;
        a->text_cap = nc;
    }
    memcpy(a->text + a->text_len, t, n);
    a->text_len += n;
    a->text[a->text_len] = 0;
    return 0;
}

/* The recorded token's bytes: the file's text, else the vocabulary's. */
static const char *rec_text(const struct source *s, const struct step_info *si, size_t *n)
{
    if (si->text) { *n = si->text_len; return si->text; }
    if (si->token >= 0) return vocab_get(s->vocab, si->token, n);
    return NULL;
}

static const char *values_desc(const struct source *s)
{
    if (s->post_sampling) return "probabilities after the sampler chain (post-sampling), converted to log space";
    if (s->sparse) return "log-probabilities before sampling (the model's distribution)";
    if (!strcmp(s->ops->format, "kld"))
        return "log-probabilities over the full vocabulary, 16-bit quantised (floor at max - 16 nats)";
    return "logits over the full vocabulary (pre-sampling, as stored)";
}

static void print_field(const char *k, const char *v)
{
    printf("%-12s %s\n", k, v);
}

int cmd_info(int argc, char **argv)
{
    struct cli_opts o;
    struct ls_error err = {0};
    struct source *s = NULL;
    int rc = cli_parse(argc, argv, &o, NULL, NULL, NULL, help, &err);
    if (rc < 0) return 0;
    if (!rc && o.n_files > 1) rc = ls_fail(&err, LS_EUSAGE, "info takes one FILE");
    if (rc || (rc = cli_open(&o, 0, &s, &err))) { ls_error_print(&err, stderr); return rc; }

    float *z = malloc((size_t)s->vocab_size * sizeof *z);
    struct step_info *infos = calloc(s->n_steps ? s->n_steps : 1, sizeof *infos);
    struct acc a = { 0, 0, 0, INFINITY, -INFINITY, UINT32_MAX, 0, 0, NULL, 0, 0 };
    cJSON *doc = NULL;
    if (!z || !infos) { rc = ls_fail(&err, LS_ELIMIT, "out of memory"); goto fail; }
    for (uint32_t i = 0; i < s->n_steps; i++) {
        struct step_info *si = &infos[i];
        if ((rc = source_read_step(s, i, z, si, &err))) { ls_error_prefix(&err, s->path); goto fail; }
        a.nan += si->n_nan;
        a.posinf += si->n_posinf;
        a.neginf += si->n_neginf;
        if (si->sparse) {
            if (si->tail_mass < a.tail_min) a.tail_min = si->tail_mass;
            if (si->tail_mass > a.tail_max) a.tail_max = si->tail_mass;
            if (si->n_known < a.known_min) a.known_min = si->n_known;
            if (si->n_known > a.known_max) a.known_max = si->n_known;
        }
        size_t n = 0;
        const char *t = rec_text(s, si, &n);
        if (si->token >= 0 || si->text) a.n_recorded++;
        if (t && append(&a, t, n)) { rc = ls_fail(&err, LS_ELIMIT, "out of memory"); goto fail; }
        /* text pointers are borrowed until source_close; keep only what we need */
    }
    int have_tail = a.tail_min <= a.tail_max;
    char fbuf[1024], tbuf[4096];
    disp_escape(s->path, strlen(s->path), o.json ? DISP_BACKSLASH : o.disp, fbuf, sizeof fbuf);

    if (o.json) {
        doc = cJSON_CreateObject();
        if (!doc) { rc = ls_fail(&err, LS_ELIMIT, "out of memory"); goto fail; }
        cJSON_AddStringToObject(doc, "file", fbuf);
        cJSON_AddStringToObject(doc, "format", s->ops->format);
        cJSON_AddNumberToObject(doc, "file_size", (double)s->file_size);
        cJSON_AddStringToObject(doc, "sampling", s->post_sampling ? "post" : "pre");
        cJSON_AddStringToObject(doc, "values", s->post_sampling ? "probabilities"
                            : (s->sparse || !strcmp(s->ops->format, "kld")) ? "logprobs" : "logits");
        cJSON_AddNumberToObject(doc, "steps", s->n_steps);
        cJSON_AddNumberToObject(doc, "vocab_size", s->vocab_size);
        cJSON_AddNumberToObject(doc, "vocab_texts", s->vocab ? s->vocab->n : 0);
        if (s->sparse) cJSON_AddStringToObject(doc, "token_ids", s->local_ids ? "local" : "file");
        cJSON_AddStringToObject(doc, "dtype", s->dtype ? s->dtype : "f32");
        cJSON_AddBoolToObject(doc, "sparse", s->sparse);
        cJSON_AddBoolToObject(doc, "approximate", s->sparse);
        if (s->sparse) cJSON_AddNumberToObject(doc, "top_n", s->top_n);
        else cJSON_AddNullToObject(doc, "top_n");
        if (have_tail) {
            cJSON *tm = cJSON_AddObjectToObject(doc, "tail_mass");
            cJSON_AddNumberToObject(tm, "min", a.tail_min);
            cJSON_AddNumberToObject(tm, "max", a.tail_max);
            cJSON *kn = cJSON_AddObjectToObject(doc, "known_per_step");
            cJSON_AddNumberToObject(kn, "min", a.known_min);
            cJSON_AddNumberToObject(kn, "max", a.known_max);
        } else {
            cJSON_AddNullToObject(doc, "tail_mass");
        }
        cJSON *nf = cJSON_AddObjectToObject(doc, "nonfinite");
        cJSON_AddNumberToObject(nf, "nan", (double)a.nan);
        cJSON_AddNumberToObject(nf, "posinf", (double)a.posinf);
        cJSON_AddNumberToObject(nf, "neginf", (double)a.neginf);
        cJSON_AddNumberToObject(nf, "total", (double)(a.nan + a.posinf + a.neginf));
        cJSON_AddBoolToObject(doc, "has_tokens", s->has_tokens);
        cJSON_AddNumberToObject(doc, "recorded_tokens", a.n_recorded);
        if (a.text) report_add_raw_text(doc, "text", a.text, a.text_len);
        else cJSON_AddNullToObject(doc, "text");
        cJSON *arr = cJSON_AddArrayToObject(doc, "tokens");
        for (uint32_t i = 0; i < s->n_steps; i++) {
            const struct step_info *si = &infos[i];
            cJSON *it = cJSON_CreateObject();
            cJSON_AddNumberToObject(it, "step", i);
            if (si->token >= 0) cJSON_AddNumberToObject(it, "id", si->token);
            else cJSON_AddNullToObject(it, "id");
            size_t n = 0;
            const char *t = rec_text(s, si, &n);
            if (t) report_add_raw_text(it, "text", t, n);
            else cJSON_AddNullToObject(it, "text");
            if (si->sparse) {
                cJSON_AddNumberToObject(it, "known", si->n_known);
                cJSON_AddNumberToObject(it, "tail_mass", si->tail_mass);
            }
            cJSON_AddItemToArray(arr, it);
        }
        cJSON *w = cJSON_AddArrayToObject(doc, "warnings");
        const char *p = s->warnings;
        while (*p) {
            size_t l = strcspn(p, "\n");
            disp_escape(p, l, DISP_BACKSLASH, tbuf, sizeof tbuf);
            cJSON_AddItemToArray(w, cJSON_CreateString(tbuf));
            p += l;
            if (*p) p++;
        }
        rc = cli_print_json(doc);
        doc = NULL;
        goto out;
    }

    char line[512];
    print_field("file", fbuf);
    print_field("format", s->ops->format);
    print_field("values", values_desc(s));
    snprintf(line, sizeof line, "%u", s->n_steps);
    print_field("steps", line);
    if (s->vocab) snprintf(line, sizeof line, "%u (%u token texts)", s->vocab_size, s->vocab->n);
    else snprintf(line, sizeof line, "%u (no token texts; --vocab FILE adds them)", s->vocab_size);
    print_field("vocab size", line);
    if (s->sparse)
        print_field("token ids", s->local_ids ? "local: the file's distinct token texts, numbered in order of appearance"
                                              : "from the file (model token ids)");
    print_field("dtype", s->dtype ? s->dtype : "f32");
    if (s->sparse)
        snprintf(line, sizeof line, "sparse: top-%u per step (%u to %u known); results are APPROXIMATE",
                 s->top_n, have_tail ? a.known_min : 0, have_tail ? a.known_max : 0);
    else
        snprintf(line, sizeof line, "full vocabulary");
    print_field("storage", line);
    if (have_tail) {
        snprintf(line, sizeof line, "min %.6f  max %.6f (probability outside the listed tokens)", a.tail_min, a.tail_max);
        print_field("tail mass", line);
    }
    snprintf(line, sizeof line, "%llu NaN, %llu +inf, %llu -inf%s", (unsigned long long)a.nan,
             (unsigned long long)a.posinf, (unsigned long long)a.neginf,
             s->sparse ? " (unlisted tokens are unknown, not counted)" : "");
    print_field("non-finite", line);
    snprintf(line, sizeof line, "%llu bytes", (unsigned long long)s->file_size);
    print_field("file size", line);
    if (a.n_recorded && (!a.text || a.text_len == 0)) {
        printf("%-12s %u recorded (ids only; --vocab FILE adds their texts)\n", "tokens", a.n_recorded);
    } else if (a.n_recorded) {
        disp_escape(a.text ? a.text : "", a.text_len, o.disp | DISP_BACKSLASH, tbuf, sizeof tbuf);
        printf("%-12s %u recorded: \"%s\"\n", "tokens", a.n_recorded, tbuf);
    } else {
        print_field("tokens", "none recorded");
    }
    uint32_t show = o.top < 0 || (uint64_t)o.top > s->n_steps ? s->n_steps : (uint32_t)o.top;
    /* a table of "-" rows says nothing: only when there is something per step */
    if (!a.n_recorded && !s->sparse) show = 0;
    if (show) {
        printf("\n%6s %8s  %s", "step", "id", s->sparse ? "token                   " : "token");
        if (s->sparse) printf(" %6s %10s", "known", "tail mass");
        printf("\n");
        for (uint32_t i = 0; i < show; i++) {
            const struct step_info *si = &infos[i];
            size_t n = 0;
            int cols = 0;
            const char *t = rec_text(s, si, &n);
            char tok[256];
            if (t) disp_fit(t, n, o.disp | DISP_TOKEN, 24, tok, sizeof tok, &cols);
            else if (si->token >= 0) cols = snprintf(tok, sizeof tok, "<id %d>", (int)si->token);
            else { snprintf(tok, sizeof tok, "-"); cols = 1; }
            size_t tl = strlen(tok);
            while (s->sparse && cols < 24 && tl + 1 < sizeof tok) { tok[tl++] = ' '; cols++; }
            tok[tl] = 0;
            if (si->token >= 0) printf("%6u %8d  %s", i, si->token, tok);
            else printf("%6u %8s  %s", i, "-", tok);
            if (si->sparse) printf(" %6u %10.6f", si->n_known, si->tail_mass);
            printf("\n");
        }
        if (show < s->n_steps) printf("(%u more steps; --top all lists them)\n", s->n_steps - show);
    }
    if (s->warnings[0]) {
        printf("\n");
        const char *p = s->warnings;
        while (*p) {
            size_t l = strcspn(p, "\n");
            disp_escape(p, l, o.disp, tbuf, sizeof tbuf);
            printf("warning: %s\n", tbuf);
            p += l;
            if (*p) p++;
        }
    }
    rc = LS_OK;
    goto out;
fail:
    ls_error_print(&err, stderr);
out:
    cJSON_Delete(doc);
    free(a.text);
    free(infos);
    free(z);
    source_close(s);
    return rc;
}
