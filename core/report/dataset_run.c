/* dataset_run.c: evaluating dataset rows (dataset_doc.h). Rows are
 * independent, so the parallelism is over rows: each worker takes the next
 * row, evaluates its versions (every temperature in one eval pass, eval.h,
 * one thread each) and compares the two dumps step by step (divergence.h),
 * then stores the result. Results do not depend on the number of workers.
 * Prompt rows (text for a model) are reported as not yet supported. */
#include "report/dataset_doc.h"
#include "report/eval_report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENV_MAX 4

struct runner {
    struct ds_doc *d;
    const struct ds_job *jobs;
    size_t n_jobs, next;
    const struct ds_run_opts *o;
    pthread_mutex_t mu;
    int rc;
    struct ls_error err;
};

/* The row's environment for external commands (LOGITSCOPE_ROW_ID, _VERSION,
 * _REFERENCE, _EXPECTED as a JSON array); strings in env[] are malloc'd. */
static void row_env(const char *id, int ver, const struct ds_row *ref, char **env)
{
    int n = 0;
    size_t l = strlen(id) + 32;
    if ((env[n] = malloc(l))) snprintf(env[n++], l, "LOGITSCOPE_ROW_ID=%s", id);
    if ((env[n] = malloc(32))) snprintf(env[n++], 32, "LOGITSCOPE_VERSION=%c", ver ? 'B' : 'A');
    if (ref && ref->reference && (env[n] = malloc(strlen(ref->reference) + 32)))
        sprintf(env[n++], "LOGITSCOPE_REFERENCE=%s", ref->reference);
    if (ref && ref->n_expected) {
        cJSON *a = cJSON_CreateStringArray((const char *const *)ref->expected, ref->n_expected);
        char *t = a ? cJSON_PrintUnformatted(a) : NULL;
        if (t && (env[n] = malloc(strlen(t) + 32))) sprintf(env[n++], "LOGITSCOPE_EXPECTED=%s", t);
        free(t);
        cJSON_Delete(a);
    }
    env[n] = NULL;
}

static int fail_version(struct ds_version *v, const char *msg)
{
    v->status = DSV_FAILED;
    v->error = strdup(msg);
    return v->error ? LS_OK : LS_ELIMIT;
}

/* Scores of every temperature into v (values by metric key). */
static int take_scores(const struct ds_doc *d, const struct eval_run *run, const struct source *s,
                       const struct eval_config *cfg, struct ds_version *v)
{
    v->v = malloc((size_t)(d->n_temps * d->n_metrics) * sizeof *v->v);
    v->file = strdup(s->path);
    v->format = strdup(s->ops->format);
    if (!v->v || !v->file || !v->format) return LS_ELIMIT;
    v->n_steps = s->n_steps;
    v->V = s->vocab_size;
    for (int t = 0; t < d->n_temps; t++) {
        const struct eval_scores *sc = eval_run_scores(run, (size_t)t);
        for (int m = 0; m < d->n_metrics; m++) {
            struct eval_sweep_col c = { d->metrics[m], NULL, NULL, 0, -1 };
            for (int j = 0; j < cfg->n_ext; j++) if (!strcmp(cfg->ext[j].name, d->metrics[m])) c.ext = j;
            v->v[t * d->n_metrics + m] = eval_sweep_value(&c, sc);
        }
    }
    v->status = DSV_OK;
    return LS_OK;
}

/* One version of one job: open, evaluate; *src keeps the source open for
 * the comparison. Returns LS_EINTERNAL only when cancelled. */
static int run_version(const struct ds_doc *d, const struct ds_run_opts *o, const struct ds_job *j, int ver,
                       struct ds_version *v, struct source **src)
{
    const struct ds_row *row = ver ? j->b : j->a, *ref = j->a && j->a->reference ? j->a : j->b;
    if (!row) return LS_OK;
    if (j->a && j->a->n_expected && !(ref && ref->n_expected)) ref = j->a;
    char msg[LS_ERROR_MAX + 64];
    if (row->kind == DS_BAD) { snprintf(msg, sizeof msg, "manifest line %ld: %s", row->line, row->error); return fail_version(v, msg); }
    if (row->kind == DS_PROMPT) return fail_version(v, "prompt rows need a model: not yet supported (dumps only)");
    struct ls_error e = {0};
    struct source_opts so = *o->src;
    if (row->format) so.format = row->format;
    if (source_open(row->path, &so, src, &e)) return fail_version(v, e.msg);
    struct eval_config cfg = o->cfg;
    char *env[ENV_MAX + 1];
    row_env(j->id, ver, ref, env);
    cfg.threads = 1;
    cfg.ext_env = (const char *const *)env;
    cfg.reference = ref ? ref->reference : NULL;
    cfg.expected = ref ? (const char *const *)ref->expected : NULL;
    cfg.n_expected = ref ? ref->n_expected : 0;
    struct eval_settings set[DS_MAX_TEMPS];
    for (int t = 0; t < d->n_temps; t++) {
        set[t].chain = o->chain;
        set[t].params = o->params;
        set[t].params.temperature = d->temps[t];
    }
    struct eval_run *run = NULL;
    int rc = eval_source(*src, &cfg, set, (size_t)d->n_temps, o->cancel, &run, &e);
    if (rc && o->cancel && *o->cancel) rc = LS_EINTERNAL;
    else if (rc) rc = fail_version(v, e.msg);
    else rc = take_scores(d, run, *src, &cfg, v);
    eval_run_free(run);
    for (int i = 0; env[i]; i++) free(env[i]);
    return rc;
}

/* Compare every step of two opened dumps of the same tokens. */
static void compare(const struct ds_job *j, struct source *a, struct source *b, struct ds_kl *k)
{
    char note[LS_ERROR_MAX + 64] = "";
    float *za = NULL, *zb = NULL;
    struct step_info ia, ib;
    struct ls_error e = {0};
    if (a->n_steps != b->n_steps) snprintf(note, sizeof note, "A has %u steps, B %u", a->n_steps, b->n_steps);
    else if (a->vocab_size != b->vocab_size) snprintf(note, sizeof note, "vocabulary sizes differ (A %u, B %u)", a->vocab_size, b->vocab_size);
    else if (!(za = malloc(a->vocab_size * sizeof *za)) || !(zb = malloc(a->vocab_size * sizeof *zb)) ||
             !(k->steps = calloc(a->n_steps ? a->n_steps : 1, sizeof *k->steps))) snprintf(note, sizeof note, "out of memory");
    for (uint32_t t = 0; !note[0] && t < a->n_steps; t++) {
        if (source_read_step(a, t, za, &ia, &e) || source_read_step(b, t, zb, &ib, &e)) break;
        if (ia.token >= 0 && ib.token >= 0 && ia.token != ib.token) {
            snprintf(note, sizeof note, "token sequences differ at step %u (A id %d, B id %d)", t, ia.token, ib.token);
            break;
        }
        if (div_step_compute(za, zb, a->vocab_size, ia.token >= 0 ? ia.token : ib.token, &k->steps[t], &e)) break;
        k->n = t + 1;
    }
    if (e.code) snprintf(note, sizeof note, "%s", e.msg);
    (void)j;
    free(za);
    free(zb);
    if (note[0]) { free(k->steps); k->steps = NULL; k->n = 0; k->status = DSK_NOT_COMPARABLE; k->note = strdup(note); }
    else k->status = DSK_OK;
}

int ds_run_job(const struct ds_doc *d, const struct ds_job *j, const struct ds_run_opts *o,
               struct ds_row_result *r)
{
    struct source *s[2] = { NULL, NULL };
    int rc = LS_OK;
    for (int v = 0; v < (d->paired ? 2 : 1) && !rc; v++) rc = run_version(d, o, j, v, &r->ver[v], &s[v]);
    if (!rc && d->paired && r->ver[0].status == DSV_OK && r->ver[1].status == DSV_OK) compare(j, s[0], s[1], &r->kl);
    source_close(s[0]);
    source_close(s[1]);
    return rc;
}

static void *worker(void *arg)
{
    struct runner *R = arg;
    const struct ds_run_opts *o = R->o;
    for (;;) {
        pthread_mutex_lock(&R->mu);
        size_t i = R->next;
        int stop = R->rc || i >= R->n_jobs || (o->cancel && *o->cancel);
        if (!stop) R->next++;
        pthread_mutex_unlock(&R->mu);
        if (stop) return NULL;
        struct ds_row_result r;
        memset(&r, 0, sizeof r);
        r.id = strdup(R->jobs[i].id);
        int rc = r.id ? ds_run_job(R->d, &R->jobs[i], o, &r) : LS_ELIMIT;
        pthread_mutex_lock(&R->mu);
        if (!rc) rc = ds_doc_put_row(R->d, &r, NULL);
        if (!rc && o->on_row) o->on_row(o->ctx, R->d);
        if (rc) {
            ds_row_result_clear(&r);
            if (rc != LS_EINTERNAL && !R->rc) R->rc = ls_fail(&R->err, LS_ELIMIT, "out of memory");
        }
        pthread_mutex_unlock(&R->mu);
    }
}

int ds_run(struct ds_doc *d, const struct ds_job *jobs, size_t n_jobs, const struct ds_run_opts *o,
           struct ls_error *err)
{
    struct runner R = { d, jobs, n_jobs, 0, o, PTHREAD_MUTEX_INITIALIZER, LS_OK, {0} };
    int nw = o->threads;
    if (nw <= 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        nw = nc > 0 ? (int)(nc < 8 ? nc : 8) : 1;
    }
    if ((size_t)nw > n_jobs) nw = n_jobs ? (int)n_jobs : 1;
    pthread_t th[8];
    int started[8] = {0};
    for (int i = 1; i < nw && i < 8; i++) started[i] = pthread_create(&th[i], NULL, worker, &R) == 0;
    worker(&R);
    for (int i = 1; i < nw && i < 8; i++) if (started[i]) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&R.mu);
    if (R.rc) { if (err) *err = R.err; return R.rc; }
    return ds_doc_sort(d, err);
}
