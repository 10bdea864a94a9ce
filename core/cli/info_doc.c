/* info_doc.c: the info document, computed (see info_doc.h). */
#include "cli/info_doc.h"
#include "base/budget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int append(struct info_doc *d, const char *t, size_t n)
{
    if (d->text_len + n + 1 > d->text_cap) {
        size_t nc = d->text_cap ? d->text_cap * 2 : 256;
        while (nc < d->text_len + n + 1) nc *= 2;
        char *nt = realloc(d->text, nc);
        if (!nt) return -1;
        d->text = nt;
        d->text_cap = nc;
    }
    memcpy(d->text + d->text_len, t, n);
    d->text_len += n;
    d->text[d->text_len] = 0;
    return 0;
}

static const char *step_text(const struct info_doc *d, const struct step_info *si, size_t *n)
{
    if (si->text) { *n = si->text_len; return si->text; }
    if (si->token >= 0) return vocab_get(d->s->vocab, si->token, n);
    return NULL;
}

const char *info_step_text(const struct info_doc *d, uint32_t step, size_t *n)
{
    return step < d->n_kept ? step_text(d, &d->steps[step], n) : NULL;
}

static void count_step(struct info_doc *d, const struct step_info *si)
{
    d->nan += si->n_nan;
    d->posinf += si->n_posinf;
    d->neginf += si->n_neginf;
    if (si->sparse) {
        if (si->tail_mass < d->tail_min) d->tail_min = si->tail_mass;
        if (si->tail_mass > d->tail_max) d->tail_max = si->tail_mass;
        if (si->n_known < d->known_min) d->known_min = si->n_known;
        if (si->n_known > d->known_max) d->known_max = si->n_known;
    }
    if (si->token >= 0 || si->text) d->n_recorded++;
}

/* What info keeps per listed step: its step_info, and for JSON the
 * document's object for it (about five cJSON items). */
#define INFO_JSON_STEP_BYTES 384

int info_doc_build(struct source *s, uint32_t keep, int json, struct info_doc *d, struct ls_error *err)
{
    memset(d, 0, sizeof *d);
    d->s = s;
    d->tail_min = INFINITY;
    d->tail_max = -INFINITY;
    d->known_min = UINT32_MAX;
    d->n_kept = keep < s->n_steps ? keep : s->n_steps;
    int rc = step_budget(d->n_kept, sizeof *d->steps + (json ? INFO_JSON_STEP_BYTES : 0),
                         json ? "the JSON listing of every step" : "the step listing", err);
    if (rc) { ls_error_prefix(err, s->path); return rc; }
    float *z = malloc((size_t)s->vocab_size * sizeof *z);
    d->steps = calloc(d->n_kept ? d->n_kept : 1, sizeof *d->steps);
    if (!z || !d->steps) rc = step_oom(d->n_kept, s->vocab_size, "info", err);
    struct step_info si;
    for (uint32_t i = 0; i < s->n_steps && !rc; i++) {
        /* only the listed steps are kept: memory does not grow with the rest */
        struct step_info *sp = i < d->n_kept ? &d->steps[i] : &si;
        if ((rc = source_read_step(s, i, z, sp, err))) {
            ls_error_prefix(err, s->path);
            break;
        }
        count_step(d, sp);
        size_t n = 0;
        const char *t = step_text(d, sp, &n);
        if (t && append(d, t, n)) rc = ls_oom(err);
    }
    d->have_tail = d->tail_min <= d->tail_max;
    free(z);
    return rc;
}

void info_doc_free(struct info_doc *d)
{
    free(d->text);
    free(d->steps);
    memset(d, 0, sizeof *d);
}

const char *info_values_key(const struct source *s)
{
    if (s->post_sampling) return "probabilities";
    return s->sparse || !strcmp(s->ops->format, "kld") ? "logprobs" : "logits";
}

const char *info_values_desc(const struct source *s)
{
    if (s->post_sampling) return "probabilities after the sampler chain (post-sampling), converted to log space";
    if (s->sparse) return "log-probabilities before sampling (the model's distribution)";
    if (!strcmp(s->ops->format, "kld"))
        return "log-probabilities over the full vocabulary, 16-bit quantised (floor at max - 16 nats)";
    return "logits over the full vocabulary (pre-sampling, as stored)";
}
