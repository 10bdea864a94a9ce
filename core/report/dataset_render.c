/* dataset_render.c: the dataset document rendered: JSON (the complete,
 * mergeable record), an aligned text report and CSV (one line per row x
 * version x temperature). See dataset_doc.h. */
#include "report/dataset_doc.h"
#include "base/display.h"
#include "base/json_util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>


static void counts_json(cJSON *doc, const struct ds_doc *d, const struct ds_summary *s)
{
    cJSON *c = cJSON_AddObjectToObject(doc, "counts");
    cJSON_AddNumberToObject(c, "rows", (double)s->n_rows);
    cJSON_AddNumberToObject(c, "paired", (double)s->n_paired);
    cJSON_AddNumberToObject(c, "only_a", (double)s->n_only_a);
    cJSON_AddNumberToObject(c, "only_b", (double)s->n_only_b);
    cJSON_AddNumberToObject(c, "failed_a", (double)s->n_failed_a);
    cJSON_AddNumberToObject(c, "failed_b", (double)s->n_failed_b);
    cJSON_AddNumberToObject(c, "not_run", (double)s->n_not_run);
    if (!d->paired) return;
    cJSON_AddNumberToObject(c, "kl_rows", (double)s->kl_rows);
    cJSON_AddNumberToObject(c, "kl_not_comparable", (double)s->kl_not_comparable);
}

static void summary_json(cJSON *doc, const struct ds_doc *d, const struct ds_summary *s)
{
    cJSON *a = cJSON_AddArrayToObject(doc, "summary");
    for (int m = 0; m < d->n_metrics; m++)
        for (int t = 0; t < d->n_temps; t++) {
            const struct ds_cell *c = &s->cells[t * d->n_metrics + m];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "metric", d->metrics[m]);
            cJSON_AddNumberToObject(o, "temperature", d->temps[t]);
            cJSON_AddItemToObject(o, "mean_a", json_num(c->mean_a));
            cJSON_AddNumberToObject(o, "n_a", c->n_a);
            if (d->paired) {
                cJSON_AddItemToObject(o, "mean_b", json_num(c->mean_b));
                cJSON_AddNumberToObject(o, "n_b", c->n_b);
                cJSON_AddItemToObject(o, "delta", json_num(c->delta));
                cJSON *ci = cJSON_AddArrayToObject(o, "delta_ci");
                cJSON_AddItemToArray(ci, json_num(c->ci[0]));
                cJSON_AddItemToArray(ci, json_num(c->ci[1]));
                cJSON_AddNumberToObject(o, "n_paired", c->n_pair);
            }
            cJSON_AddItemToArray(a, o);
        }
}

static void moved_kl_json(cJSON *doc, const struct ds_doc *d, const struct ds_summary *s)
{
    cJSON *a = cJSON_AddArrayToObject(doc, "moved");
    for (size_t i = 0; i < s->n_moved; i++) {
        const struct ds_moved *x = &s->moved[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", d->rows[x->row].id);
        cJSON_AddNumberToObject(o, "temperature", d->temps[x->temp]);
        cJSON_AddItemToObject(o, "a", json_num(x->a));
        cJSON_AddItemToObject(o, "b", json_num(x->b));
        cJSON_AddItemToObject(o, "delta", json_num(x->delta));
        cJSON_AddItemToArray(a, o);
    }
    cJSON *k = cJSON_AddObjectToObject(doc, "kl");
    for (size_t i = 0; i < n_diff_stats; i++) {
        const struct diff_stat *x = &diff_stats[i];
        char se[64];
        if (x->count) {
            uint32_t v;
            memcpy(&v, (const char *)&s->kl + x->off, sizeof v);
            cJSON_AddNumberToObject(k, x->key, v);
            continue;
        }
        cJSON_AddItemToObject(k, x->key, json_num(diff_stat_value(&s->kl, x->off)));
        snprintf(se, sizeof se, "%s_se", x->key);
        if (x->se_off) cJSON_AddItemToObject(k, se, json_num(diff_stat_value(&s->kl, x->se_off)));
    }
    cJSON_AddNumberToObject(k, "steps", s->kl.n);
}

static void lists_json(cJSON *doc, const struct ds_doc *d)
{
    cJSON *un = cJSON_AddArrayToObject(doc, "unpaired"), *fa = cJSON_AddArrayToObject(doc, "failed");
    char buf[2048];
    for (size_t i = 0; i < d->n_rows; i++) {
        const struct ds_row_result *r = &d->rows[i];
        if (d->paired && (r->ver[0].status == DSV_MISSING) != (r->ver[1].status == DSV_MISSING)) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", r->id);
            cJSON_AddStringToObject(o, "only_in", r->ver[0].status == DSV_MISSING ? "B" : "A");
            cJSON_AddItemToArray(un, o);
        }
        for (int v = 0; v < 2; v++) {
            if (r->ver[v].status != DSV_FAILED) continue;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", r->id);
            cJSON_AddStringToObject(o, "version", v ? "B" : "A");
            disp_escape(r->ver[v].error, strlen(r->ver[v].error), DISP_BACKSLASH, buf, sizeof buf);
            cJSON_AddStringToObject(o, "error", buf);
            cJSON_AddItemToArray(fa, o);
        }
    }
}

cJSON *ds_doc_json(const struct ds_doc *d, struct ls_error *err)
{
    struct ds_summary s;
    if (ds_summary_compute(d, &s, err)) return NULL;
    cJSON *doc = cJSON_CreateObject();
    if (!doc) { ds_summary_free(&s); ls_oom(err); return NULL; }
    char sh[32];
    cJSON_AddNumberToObject(doc, "logitscope_dataset", DS_DOC_VERSION);
    cJSON_AddItemToObject(doc, "settings", cJSON_Duplicate(d->settings, 1));
    snprintf(sh, sizeof sh, "%d/%d", d->shard_i, d->shard_n);
    if (d->shard_n) cJSON_AddStringToObject(doc, "shard", sh); else cJSON_AddNullToObject(doc, "shard");
    cJSON_AddBoolToObject(doc, "complete", d->n_rows >= d->rows_expected);
    cJSON_AddNumberToObject(doc, "rows_total", (double)d->rows_total);
    cJSON_AddNumberToObject(doc, "rows_expected", (double)d->rows_expected);
    cJSON_AddNumberToObject(doc, "rows_done", (double)d->n_rows);
    counts_json(doc, d, &s);
    summary_json(doc, d, &s);
    if (d->paired) moved_kl_json(doc, d, &s);
    lists_json(doc, d);
    cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
    for (size_t i = 0; i < d->n_rows; i++) cJSON_AddItemToArray(rows, ds_row_json(d, &d->rows[i]));
    ds_summary_free(&s);
    return doc;
}

/* --- text ------------------------------------------------------------------ */

/* a table cell: "%.4g" (signed: "%+.4g") or "-" */
static void fnum(char *b, size_t n, double v, int sign)
{
    if (!isfinite(v)) snprintf(b, n, "-");
    else if (sign) snprintf(b, n, "%+.4g", v);
    else snprintf(b, n, "%.4g", v);
}

static void metric_text(FILE *f, const struct ds_doc *d, const struct ds_summary *s, int m)
{
    int any = 0;
    for (int t = 0; t < d->n_temps; t++) any |= s->cells[t * d->n_metrics + m].n_a + s->cells[t * d->n_metrics + m].n_b > 0;
    if (!any) return;
    fprintf(f, "\n%s\n", d->metrics[m]);
    if (d->paired) fprintf(f, "  %6s %10s %5s %10s %5s %10s  %-23s %6s\n", "T", "mean A", "n", "mean B", "n", "delta B-A", "95% CI (bootstrap)", "pairs");
    else fprintf(f, "  %6s %10s %5s\n", "T", "mean A", "n");
    for (int t = 0; t < d->n_temps; t++) {
        const struct ds_cell *c = &s->cells[t * d->n_metrics + m];
        char ma[32], mb[32], dl[32], lo[32], hi[32];
        fnum(ma, sizeof ma, c->mean_a, 0);
        if (!d->paired) { fprintf(f, "  %6g %10s %5u\n", d->temps[t], ma, c->n_a); continue; }
        fnum(mb, sizeof mb, c->mean_b, 0);
        fnum(dl, sizeof dl, c->delta, 1);
        fnum(lo, sizeof lo, c->ci[0], 1);
        fnum(hi, sizeof hi, c->ci[1], 1);
        char ci[80];
        snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
        fprintf(f, "  %6g %10s %5u %10s %5u %10s  %-23s %6u\n", d->temps[t], ma, c->n_a, mb, c->n_b, dl, ci, c->n_pair);
    }
}

static void moved_text(FILE *f, const struct ds_doc *d, const struct ds_summary *s, unsigned disp)
{
    if (!s->n_moved) return;
    fprintf(f, "\nrows that moved most (%s, B - A):\n  %-24s %6s %10s %10s %10s\n", d->metrics[d->moved_metric],
            "id", "T", "A", "B", "delta");
    for (size_t i = 0; i < s->n_moved; i++) {
        const struct ds_moved *x = &s->moved[i];
        char id[128];
        disp_escape(d->rows[x->row].id, strlen(d->rows[x->row].id), disp, id, sizeof id);
        fprintf(f, "  %-24s %6g %10.4g %10.4g %+10.4g\n", id, d->temps[x->temp], x->a, x->b, x->delta);
    }
}

static void kl_text(FILE *f, const struct ds_summary *s)
{
    fprintf(f, "\nKL(A||B) over %u steps of %zu paired rows of the same tokens (raw distributions; %zu not comparable):\n",
            s->kl.n, s->kl_rows, s->kl_not_comparable);
    if (!s->kl.n) return;
    for (size_t i = 0; i < n_diff_stats; i++) {
        const struct diff_stat *x = &diff_stats[i];
        if (!x->label) continue;
        fprintf(f, "  %-28s %14.6g", x->label, diff_stat_value(&s->kl, x->off));
        double se = x->se_off ? diff_stat_value(&s->kl, x->se_off) : NAN;
        if (isfinite(se)) fprintf(f, " +/- %.6g", se);
        fputc('\n', f);
    }
}

static void lists_text(FILE *f, const struct ds_doc *d, unsigned disp)
{
    char id[128], msg[2048];
    for (size_t i = 0; i < d->n_rows; i++) {
        const struct ds_row_result *r = &d->rows[i];
        disp_escape(r->id, strlen(r->id), disp, id, sizeof id);
        if (d->paired && (r->ver[0].status == DSV_MISSING) != (r->ver[1].status == DSV_MISSING))
            fprintf(f, "unpaired: %s (only in %s)\n", id, r->ver[0].status == DSV_MISSING ? "B" : "A");
        for (int v = 0; v < 2; v++)
            if (r->ver[v].status == DSV_FAILED) {
                disp_escape(r->ver[v].error, strlen(r->ver[v].error), disp, msg, sizeof msg);
                fprintf(f, "failed: %s %s: %s\n", id, v ? "B" : "A", msg);
            }
        if (r->kl.status == DSK_NOT_COMPARABLE) {
            disp_escape(r->kl.note, strlen(r->kl.note), disp, msg, sizeof msg);
            fprintf(f, "kl: %s not comparable: %s\n", id, msg);
        }
    }
}

void ds_render_text(FILE *f, const struct ds_doc *d, const struct ds_summary *s, unsigned disp)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(d->settings, "dataset_a");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(d->settings, "dataset_b");
    fprintf(f, "A: %s\n", cJSON_IsString(a) ? a->valuestring : "-");
    if (d->paired) fprintf(f, "B: %s\n", cJSON_IsString(b) ? b->valuestring : "-");
    if (d->shard_n) fprintf(f, "shard %d/%d\n", d->shard_i, d->shard_n);
    fprintf(f, "%zu rows evaluated of %zu%s", s->n_rows, d->rows_expected, d->n_rows < d->rows_expected ? " (PARTIAL: --resume completes it)" : "");
    if (d->paired) fprintf(f, "; %zu paired, %zu only in A, %zu only in B", s->n_paired, s->n_only_a, s->n_only_b);
    fprintf(f, "; failed: %zu in A", s->n_failed_a);
    if (d->paired) fprintf(f, ", %zu in B", s->n_failed_b);
    fprintf(f, " (excluded from the means)\n");
    if (d->paired) fprintf(f, "delta = mean over paired rows of B - A; 95%% CI: paired percentile bootstrap, %d resamples, seed %llu\n",
                           DS_BOOT_RESAMPLES, (unsigned long long)d->seed);
    for (int m = 0; m < d->n_metrics; m++) metric_text(f, d, s, m);
    if (d->paired) { moved_text(f, d, s, disp); kl_text(f, s); }
    fputc('\n', f);
    lists_text(f, d, disp);
}

/* --- CSV ------------------------------------------------------------------- */

static void csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"') fputs("\"\"", f);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

void ds_render_csv(FILE *f, const struct ds_doc *d)
{
    static const char *const st[] = { "missing", "ok", "failed" };
    fputs("id,version,temperature,status", f);
    for (int m = 0; m < d->n_metrics; m++) fprintf(f, ",%s", d->metrics[m]);
    fputs(",error\n", f);
    for (size_t i = 0; i < d->n_rows; i++)
        for (int v = 0; v < (d->paired ? 2 : 1); v++) {
            const struct ds_version *x = &d->rows[i].ver[v];
            for (int t = 0; t < d->n_temps; t++) {
                csv_str(f, d->rows[i].id);
                fprintf(f, ",%c,%.15g,%s", v ? 'B' : 'A', d->temps[t], st[x->status]);
                for (int m = 0; m < d->n_metrics; m++) {
                    double y = ds_value(d, &d->rows[i], v, t, m);
                    if (isfinite(y)) fprintf(f, ",%.15g", y); else fputc(',', f);
                }
                fputc(',', f);
                if (x->status == DSV_FAILED) csv_str(f, x->error);
                fputc('\n', f);
            }
        }
}
