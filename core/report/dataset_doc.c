/* dataset_doc.c: the dataset document, its settings and its exact JSON form
 * (see dataset_doc.h). */
#include "report/dataset_doc.h"
#include "report/report.h"
#include "base/display.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The scores every row carries, in report order; options add their own. */
static const char *const base_metrics[] = {
    "json_valid_share", "json_keys_share", "regex_match_share", "ref_exact_match", "ref_contains_all",
    "ref_token_f1", "ref_rouge_l", "perplexity_raw", "perplexity_chain", "cut_rate", "top1_agreement",
    "mean_entropy_nats", "mean_kept", "distinct_1", "distinct_2", "recorded_agreement", "clipping_rate", NULL
};

int ds_metric_keys(const struct eval_config *cfg, const char **out, int max)
{
    int n = 0;
    for (int i = 0; base_metrics[i] && n < max; i++) {
        if ((!strcmp(base_metrics[i], "json_keys_share") && !cfg->json_keys) ||
            (!strcmp(base_metrics[i], "regex_match_share") && !cfg->regex)) continue;
        out[n++] = base_metrics[i];
    }
    for (int j = 0; j < cfg->n_ext && n < max; j++) out[n++] = cfg->ext[j].name;
    return n;
}

static void esc_add(cJSON *o, const char *k, const char *s)
{
    char buf[1024];
    if (!s) { cJSON_AddNullToObject(o, k); return; }
    disp_escape(s, strlen(s), DISP_BACKSLASH, buf, sizeof buf);
    cJSON_AddStringToObject(o, k, buf);
}

/* --- settings ------------------------------------------------------------ */

static void settings_eval(cJSON *s, const struct eval_config *c)
{
    cJSON_AddNumberToObject(s, "seed", (double)c->seed);
    cJSON_AddNumberToObject(s, "n", c->n_samples);
    cJSON_AddNumberToObject(s, "clip_threshold", c->clip_threshold);
    esc_add(s, "regex", c->regex);
    esc_add(s, "json_keys", c->json_keys);
    cJSON *st = cJSON_AddArrayToObject(s, "stop");
    const char *const *sl = c->n_stop < 0 ? eval_default_stops : c->stop;
    for (int i = 0; c->n_stop < 0 ? sl[i] != NULL : i < c->n_stop; i++) {
        char buf[256];
        disp_escape(sl[i], strlen(sl[i]), DISP_BACKSLASH, buf, sizeof buf);
        cJSON_AddItemToArray(st, cJSON_CreateString(buf));
    }
    cJSON_AddBoolToObject(s, "allow_nonfinite", c->allow_nonfinite);
    cJSON *ev = cJSON_AddArrayToObject(s, "evaluators");
    for (int j = 0; j < c->n_ext; j++) {
        cJSON *e = cJSON_CreateObject();
        esc_add(e, "name", c->ext[j].name);
        esc_add(e, "command", c->ext[j].command);
        cJSON_AddItemToArray(ev, e);
    }
}

static cJSON *settings_json(const struct ds_spec *p, const struct ds_doc *d)
{
    cJSON *s = cJSON_CreateObject();
    if (!s) return NULL;
    esc_add(s, "dataset_a", p->a_path);
    esc_add(s, "dataset_b", p->b_path);
    cJSON *t = cJSON_AddArrayToObject(s, "temperatures");
    for (int i = 0; i < p->n_temps; i++) cJSON_AddItemToArray(t, cJSON_CreateNumber(p->temps[i]));
    report_add_chain_json(s, p->chain, p->params);
    settings_eval(s, p->cfg);
    esc_add(s, "format", p->format);
    esc_add(s, "vocab", p->vocab);
    if (p->model[0] || p->model[1]) {   /* prompt rows: who wrote their continuations */
        esc_add(s, "model_a", p->model[0]);
        esc_add(s, "model_b", p->model[1]);
        cJSON_AddNumberToObject(s, "max_tokens", p->max_tokens ? p->max_tokens : DS_MAX_TOKENS);
    }
    cJSON *m = cJSON_AddArrayToObject(s, "metrics");
    for (int i = 0; i < d->n_metrics; i++) cJSON_AddItemToArray(m, cJSON_CreateString(d->metrics[i]));
    cJSON_AddStringToObject(s, "moved_by", d->metrics[d->moved_metric]);
    cJSON_AddNumberToObject(s, "top", (double)p->top);
    cJSON *b = cJSON_AddObjectToObject(s, "bootstrap");
    cJSON_AddStringToObject(b, "method", "paired percentile bootstrap over rows (B - A)");
    cJSON_AddNumberToObject(b, "resamples", DS_BOOT_RESAMPLES);
    cJSON_AddNumberToObject(b, "seed", (double)p->cfg->seed);
    cJSON_AddNumberToObject(b, "level", 0.95);
    return s;
}

/* Fill the doc's working fields from its settings object. */
int ds_doc_settings_read(struct ds_doc *d, struct ls_error *err)
{
    const cJSON *s = d->settings, *t = cJSON_GetObjectItemCaseSensitive(s, "temperatures");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(s, "metrics"), *x;
    const cJSON *mv = cJSON_GetObjectItemCaseSensitive(s, "moved_by");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(s, "seed"), *tp = cJSON_GetObjectItemCaseSensitive(s, "top");
    if (!cJSON_IsArray(t) || !cJSON_IsArray(m) || !cJSON_IsString(mv) || !cJSON_IsNumber(sd) || !cJSON_IsNumber(tp) ||
        cJSON_GetArraySize(t) < 1 || cJSON_GetArraySize(t) > DS_MAX_TEMPS || cJSON_GetArraySize(m) > DS_MAX_METRICS)
        return ls_fail(err, LS_EDATA, "settings: not a dataset result (temperatures, metrics, moved_by, seed, top)");
    d->n_temps = 0;
    cJSON_ArrayForEach(x, t) d->temps[d->n_temps++] = x->valuedouble;
    for (int i = 0; i < d->n_metrics; i++) free(d->metrics[i]);   /* ds_doc_new's, now read back */
    d->n_metrics = 0;
    d->moved_metric = -1;
    cJSON_ArrayForEach(x, m) {
        if (!cJSON_IsString(x) || !(d->metrics[d->n_metrics] = strdup(x->valuestring)))
            return ls_fail(err, LS_EDATA, "settings: metrics must be strings");
        if (!strcmp(x->valuestring, mv->valuestring)) d->moved_metric = d->n_metrics;
        d->n_metrics++;
    }
    if (d->moved_metric < 0) return ls_fail(err, LS_EUSAGE, "'%.60s' is not a score of this run", mv->valuestring);
    d->seed = (uint64_t)sd->valuedouble;
    d->top = (long)tp->valuedouble;
    d->paired = !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s, "dataset_b"));
    return LS_OK;
}

int ds_doc_new(const struct ds_spec *p, struct ds_doc **out, struct ls_error *err)
{
    struct ds_doc *d = calloc(1, sizeof *d);
    const char *keys[DS_MAX_METRICS];
    if (!d) return ls_oom(err);
    int n = ds_metric_keys(p->cfg, keys, DS_MAX_METRICS), rc = LS_OK;
    const char *mv = p->moved_by ? p->moved_by : "json_valid_share";
    d->moved_metric = -1;
    for (int i = 0; i < n; i++) {
        d->metrics[i] = strdup(keys[i]);
        if (!strcmp(keys[i], mv)) d->moved_metric = i;
    }
    d->n_metrics = n;
    if (d->moved_metric < 0) rc = ls_fail(err, LS_EUSAGE, "'%.60s' is not a score of this run", mv);
    else if (!(d->settings = settings_json(p, d))) rc = ls_oom(err);
    else rc = ds_doc_settings_read(d, err);
    if (rc) { ds_doc_free(d); return rc; }
    *out = d;
    return LS_OK;
}

void ds_row_result_clear(struct ds_row_result *r)
{
    for (int v = 0; v < 2; v++) {
        free(r->ver[v].error); free(r->ver[v].file); free(r->ver[v].format); free(r->ver[v].v);
    }
    free(r->kl.note);
    free(r->kl.steps);
    free(r->id);
    memset(r, 0, sizeof *r);
}

void ds_doc_free(struct ds_doc *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n_rows; i++) ds_row_result_clear(&d->rows[i]);
    free(d->rows);
    for (int i = 0; i < d->n_metrics; i++) free(d->metrics[i]);
    cJSON_Delete(d->settings);
    free(d);
}

struct ds_row_result *ds_doc_add_row(struct ds_doc *d, const char *id)
{
    if (d->n_rows == d->cap_rows) {
        size_t nc = d->cap_rows ? d->cap_rows * 2 : 64;
        struct ds_row_result *nr = realloc(d->rows, nc * sizeof *nr);
        if (!nr) return NULL;
        d->rows = nr;
        d->cap_rows = nc;
    }
    struct ds_row_result *r = &d->rows[d->n_rows];
    memset(r, 0, sizeof *r);
    if (!(r->id = strdup(id))) return NULL;
    d->n_rows++;
    return r;
}

static int cmp_res(const void *a, const void *b)
{
    return strcmp(((const struct ds_row_result *)a)->id, ((const struct ds_row_result *)b)->id);
}

int ds_doc_sort(struct ds_doc *d, struct ls_error *err)
{
    if (d->n_rows) qsort(d->rows, d->n_rows, sizeof *d->rows, cmp_res);
    for (size_t i = 1; i < d->n_rows; i++)
        if (!strcmp(d->rows[i - 1].id, d->rows[i].id))
            return ls_fail(err, LS_EDATA, "row '%.80s' appears twice", d->rows[i].id);
    return LS_OK;
}

int ds_doc_has(const struct ds_doc *d, const char *id)
{
    struct ds_row_result key;
    memset(&key, 0, sizeof key);
    key.id = (char *)(uintptr_t)id;
    return d->n_rows && bsearch(&key, d->rows, d->n_rows, sizeof *d->rows, cmp_res) != NULL;
}

int ds_doc_same_settings(const struct ds_doc *a, const struct ds_doc *b)
{
    return cJSON_Compare(a->settings, b->settings, 1);
}

int ds_doc_put_row(struct ds_doc *d, struct ds_row_result *r, struct ls_error *err)
{
    struct ds_row_result *slot = ds_doc_add_row(d, r->id);
    if (!slot) return ls_oom(err);
    char *id = slot->id;
    free(r->id);
    *slot = *r;
    slot->id = id;
    memset(r, 0, sizeof *r);   /* moved */
    return LS_OK;
}

int ds_doc_take_rows(struct ds_doc *dst, struct ds_doc *src, struct ls_error *err)
{
    for (size_t i = 0; i < src->n_rows; i++) {
        int rc = ds_doc_put_row(dst, &src->rows[i], err);
        if (rc) return rc;
    }
    return LS_OK;
}
