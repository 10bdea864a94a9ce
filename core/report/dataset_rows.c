/* dataset_rows.c: a dataset row's exact JSON form and reading a saved
 * document back (dataset_doc.h). Numbers round-trip exactly (cJSON prints
 * the shortest of %.15g / %.17g that reads back equal); NaN is null and
 * +-inf the strings "inf" / "-inf", so a document rebuilt from its JSON
 * gives the same summary, bit for bit. */
#include "report/dataset_doc.h"
#include "base/display.h"
#include "base/json_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The shortest of %.15g, %.16g, %.17g that reads back as exactly v (cJSON's
 * own printer accepts a relative error of DBL_EPSILON, which would change
 * the last bits of a merged result). */
static cJSON *xnum(double v)
{
    if (isnan(v)) return cJSON_CreateNull();
    if (isinf(v)) return cJSON_CreateString(v > 0 ? "inf" : "-inf");
    char b[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v) break;
    }
    return cJSON_CreateRaw(b);
}

static int xget(const cJSON *v, double *out)
{
    if (cJSON_IsNull(v)) { *out = NAN; return 1; }
    if (cJSON_IsNumber(v)) { *out = v->valuedouble; return 1; }
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "inf")) { *out = INFINITY; return 1; }
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "-inf")) { *out = -INFINITY; return 1; }
    return 0;
}

static void str_add(cJSON *o, const char *k, const char *s)
{
    char buf[2048];
    disp_escape(s, strlen(s), DISP_BACKSLASH, buf, sizeof buf);
    cJSON_AddStringToObject(o, k, buf);
}

static const char *const vstatus[] = { "missing", "ok", "failed" };

static cJSON *version_json(const struct ds_doc *d, const struct ds_version *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", vstatus[v->status]);
    if (v->status == DSV_FAILED) str_add(o, "error", v->error);
    if (v->status != DSV_OK) return o;
    str_add(o, "file", v->file);
    cJSON_AddStringToObject(o, "format", v->format);
    cJSON_AddNumberToObject(o, "steps", v->n_steps);
    cJSON_AddNumberToObject(o, "vocab_size", v->V);
    cJSON *sc = cJSON_AddArrayToObject(o, "scores");
    for (int t = 0; t < d->n_temps; t++) {
        cJSON *a = cJSON_CreateArray();
        for (int m = 0; m < d->n_metrics; m++) cJSON_AddItemToArray(a, xnum(v->v[t * d->n_metrics + m]));
        cJSON_AddItemToArray(sc, a);
    }
    return o;
}

/* The per-step fields div_stats_compute reads, one array each. */
#define KL_FIELDS(X) X(kld) X(jsd) X(dp) X(nll_a) X(nll_b)

static cJSON *kl_json(const struct ds_kl *k)
{
    if (k->status == DSK_NONE) return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    if (k->status == DSK_NOT_COMPARABLE) { str_add(o, "note", k->note); return o; }
#define ADD(f) { cJSON *a = cJSON_AddArrayToObject(o, #f); \
                 for (uint32_t t = 0; t < k->n; t++) cJSON_AddItemToArray(a, xnum(k->steps[t].f)); }
    KL_FIELDS(ADD)
#undef ADD
    cJSON *s = cJSON_AddArrayToObject(o, "same_top");
    for (uint32_t t = 0; t < k->n; t++) cJSON_AddItemToArray(s, cJSON_CreateNumber(k->steps[t].same_top));
    return o;
}

cJSON *ds_row_json(const struct ds_doc *d, const struct ds_row_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    str_add(o, "id", r->id);
    cJSON_AddItemToObject(o, "a", version_json(d, &r->ver[0]));
    if (d->paired) {
        cJSON_AddItemToObject(o, "b", version_json(d, &r->ver[1]));
        cJSON_AddItemToObject(o, "kl", kl_json(&r->kl));
    }
    return o;
}

/* --- reading back -------------------------------------------------------- */

static char *sdup(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

static int version_parse(const struct ds_doc *d, const cJSON *o, struct ds_version *v)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    if (!cJSON_IsString(st)) return 0;
    for (v->status = 0; v->status < 3 && strcmp(vstatus[v->status], st->valuestring); v->status++) {}
    if (v->status == 3) return 0;
    if (v->status == DSV_FAILED) return (v->error = sdup(o, "error")) != NULL;
    if (v->status != DSV_OK) return 1;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(o, "scores"), *row, *x;
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(o, "steps"), *nv = cJSON_GetObjectItemCaseSensitive(o, "vocab_size");
    v->file = sdup(o, "file");
    v->format = sdup(o, "format");
    v->v = malloc((size_t)(d->n_temps * d->n_metrics + 1) * sizeof *v->v);
    if (!v->file || !v->format || !v->v || !cJSON_IsNumber(ns) || !cJSON_IsNumber(nv) ||
        cJSON_GetArraySize(sc) != d->n_temps) return 0;
    v->n_steps = (uint32_t)ns->valuedouble;
    v->V = (uint32_t)nv->valuedouble;
    int t = 0;
    cJSON_ArrayForEach(row, sc) {
        int m = 0;
        if (cJSON_GetArraySize(row) != d->n_metrics) return 0;
        cJSON_ArrayForEach(x, row) if (!xget(x, &v->v[t * d->n_metrics + m++])) return 0;
        t++;
    }
    return 1;
}

static int kl_parse(const cJSON *o, struct ds_kl *k)
{
    if (!o || cJSON_IsNull(o)) return 1;
    if (cJSON_GetObjectItemCaseSensitive(o, "note")) {
        k->status = DSK_NOT_COMPARABLE;
        return (k->note = sdup(o, "note")) != NULL;
    }
    const cJSON *same = cJSON_GetObjectItemCaseSensitive(o, "same_top"), *x;
    int n = cJSON_GetArraySize(same);
    k->status = DSK_OK;
    k->n = (uint32_t)n;
    if (!(k->steps = calloc((size_t)(n ? n : 1), sizeof *k->steps))) return 0;
    uint32_t t = 0;
    cJSON_ArrayForEach(x, same) k->steps[t++].same_top = x->valueint != 0;
#define GET(f) { const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, #f); t = 0; \
                 if (cJSON_GetArraySize(a) != n) return 0; \
                 cJSON_ArrayForEach(x, a) if (!xget(x, &k->steps[t++].f)) return 0; }
    KL_FIELDS(GET)
#undef GET
    return 1;
}

int ds_row_parse(struct ds_doc *d, const cJSON *o, struct ls_error *err)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (!cJSON_IsString(id)) return ls_fail(err, LS_EDATA, "rows: a row without an id");
    struct ds_row_result *r = ds_doc_add_row(d, id->valuestring);
    if (!r) return ls_oom(err);
    int ok = version_parse(d, cJSON_GetObjectItemCaseSensitive(o, "a"), &r->ver[0]);
    if (ok && d->paired)
        ok = version_parse(d, cJSON_GetObjectItemCaseSensitive(o, "b"), &r->ver[1]) &&
             kl_parse(cJSON_GetObjectItemCaseSensitive(o, "kl"), &r->kl);
    return ok ? LS_OK : ls_fail(err, LS_EDATA, "rows: row '%.80s' is not a dataset row", id->valuestring);
}

/* "I/N" or null */
static int shard_parse(struct ds_doc *d, const cJSON *sh)
{
    if (cJSON_IsNull(sh)) return 1;
    return cJSON_IsString(sh) && sscanf(sh->valuestring, "%d/%d", &d->shard_i, &d->shard_n) == 2 &&
           d->shard_n >= 1 && d->shard_i >= 1 && d->shard_i <= d->shard_n;
}

static int doc_fill(struct ds_doc *d, const cJSON *root, struct ls_error *err)
{
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "logitscope_dataset");
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(root, "rows_total");
    const cJSON *exp_ = cJSON_GetObjectItemCaseSensitive(root, "rows_expected");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows"), *x;
    if (!cJSON_IsNumber(ver) || ver->valueint != DS_DOC_VERSION)
        return ls_fail(err, LS_EDATA, "not a dataset result (logitscope_dataset: %d expected)", DS_DOC_VERSION);
    if (!cJSON_IsNumber(tot) || !cJSON_IsNumber(exp_) || !cJSON_IsArray(rows) ||
        !shard_parse(d, cJSON_GetObjectItemCaseSensitive(root, "shard")))
        return ls_fail(err, LS_EDATA, "not a dataset result (rows_total, rows_expected, shard, rows)");
    d->rows_total = (size_t)tot->valuedouble;
    d->rows_expected = (size_t)exp_->valuedouble;
    cJSON_ArrayForEach(x, rows) {
        int rc = ds_row_parse(d, x, err);
        if (rc) return rc;
    }
    return ds_doc_sort(d, err);
}

int ds_doc_parse(const char *text, size_t len, const char *what, struct ds_doc **out, struct ls_error *err)
{
    *out = NULL;
    char *buf = malloc(len + 1);
    cJSON *root = NULL;
    struct ds_doc *d = calloc(1, sizeof *d);
    if (!buf || !d) { free(buf); free(d); return ls_oom(err); }
    memcpy(buf, text, len);
    buf[len] = 0;
    int rc = json_parse(buf, len, JSON_LITERALS_REJECT, &root, NULL, err);
    free(buf);
    if (!rc) {
        d->settings = cJSON_DetachItemFromObjectCaseSensitive(root, "settings");
        rc = cJSON_IsObject(d->settings) ? LS_OK : ls_fail(err, LS_EDATA, "not a dataset result (no settings)");
    }
    if (!rc) rc = ds_doc_settings_read(d, err);
    if (!rc) rc = doc_fill(d, root, err);
    cJSON_Delete(root);
    if (rc) { ls_error_prefix(err, what); ds_doc_free(d); return rc; }
    *out = d;
    return LS_OK;
}
