/* dataset_merge.c: `logitscope dataset merge PARTS...`: shard results (or
 * any results of one run's settings) combined into the result of a single
 * run: the rows are taken verbatim (their numbers round-trip exactly) and
 * the summary is recomputed over all of them in id order, so the --json
 * output equals the single run's byte for byte. Also the output helpers
 * shared with `dataset eval` (dataset_cli.h). */
#include "cli/dataset_cli.h"
#include "cli/cli_run.h"
#include "base/fileio.h"
#include "base/display.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

const char ds_merge_help[] =
    "usage: logitscope dataset merge PART... [--out FILE] [--json | --csv] [--raw]\n"
    "Combine the results of `dataset eval --shard I/N --out PART` (every shard of one\n"
    "N, each once, each complete) into exactly the result of a single run: the same\n"
    "rows, the same means, the same bootstrap intervals (byte for byte in --json).\n"
    "Parts must share their settings (datasets, temperatures, chain, -n, seed,\n"
    "evaluators). --out FILE writes the JSON result atomically; stdout gets the text\n"
    "report (or --json / --csv).\n"
    "exit codes: 0 ok, 2 usage, 3 cannot read, 4 parts that do not fit together\n"
    "(different settings, a shard missing or twice, an incomplete part), 5 limit\n";

int ds_write_json(const struct ds_doc *d, const char *path, struct ls_error *err)
{
    cJSON *doc = ds_doc_json(d, err);
    if (!doc) return err->code ? err->code : LS_ELIMIT;
    char *txt = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!txt) return ls_fail(err, LS_ELIMIT, "out of memory printing JSON");
    size_t n = strlen(txt);
    txt[n] = '\n';   /* the same bytes as --json on stdout */
    int rc = file_write_atomic(path, txt, n + 1, err);
    txt[n] = 0;
    cJSON_free(txt);
    if (rc) ls_error_prefix(err, path);
    return rc;
}

int ds_print(const struct ds_doc *d, int render, unsigned disp)
{
    struct ls_error err = {0};
    if (render == DS_CSV) { ds_render_csv(stdout, d); return LS_OK; }
    if (render == DS_JSON) {
        cJSON *doc = ds_doc_json(d, &err);
        if (!doc) { ls_error_print(&err, stderr); return err.code ? err.code : LS_ELIMIT; }
        return cli_print_json(doc);
    }
    struct ds_summary s;
    if (ds_summary_compute(d, &s, &err)) { ls_error_print(&err, stderr); return err.code; }
    ds_render_text(stdout, d, &s, disp);
    ds_summary_free(&s);
    return LS_OK;
}

int ds_read(const char *path, struct ds_doc **out, struct ls_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = file_read_all(path, 1ull << 32, "smaller shards", &buf, &len, err);
    if (rc) { ls_error_prefix(err, path); return rc; }
    rc = ds_doc_parse(buf, len, path, out, err);
    free(buf);
    return rc;
}

/* Check that part p fits the first part and take its rows; seen[i-1]
 * marks shard i. */
static int merge_part(struct ds_doc *m, struct ds_doc *p, const char *path, char *seen, struct ls_error *err)
{
    if (!ds_doc_same_settings(m, p) || p->rows_total != m->rows_total)
        return ls_fail(err, LS_EDATA, "%s: made with different settings than the first part", path);
    if (p->shard_n != m->shard_n)
        return ls_fail(err, LS_EDATA, "%s: shard %d/%d does not fit shards of %d", path, p->shard_i, p->shard_n, m->shard_n);
    if (p->n_rows < p->rows_expected)
        return ls_fail(err, LS_EDATA, "%s: incomplete (%zu of %zu rows; complete it with --resume)", path, p->n_rows, p->rows_expected);
    if (p->shard_n && seen[p->shard_i - 1]++)
        return ls_fail(err, LS_EDATA, "%s: shard %d/%d given twice", path, p->shard_i, p->shard_n);
    return ds_doc_take_rows(m, p, err);
}

static int merge_files(const char *const *parts, int n, struct ds_doc **out, struct ls_error *err)
{
    struct ds_doc *m = NULL;
    int rc = ds_read(parts[0], &m, err);
    char *seen = NULL;
    if (!rc && !(seen = calloc((size_t)(m->shard_n ? m->shard_n : 1), 1))) rc = ls_oom(err);
    if (!rc && m->n_rows < m->rows_expected)
        rc = ls_fail(err, LS_EDATA, "%s: incomplete (%zu of %zu rows; complete it with --resume)", parts[0], m->n_rows, m->rows_expected);
    if (!rc && m->shard_n) seen[m->shard_i - 1] = 1;
    for (int i = 1; i < n && !rc; i++) {
        struct ds_doc *p = NULL;
        rc = ds_read(parts[i], &p, err);
        if (!rc) rc = merge_part(m, p, parts[i], seen, err);
        ds_doc_free(p);
    }
    for (int i = 0; !rc && i < m->shard_n; i++)
        if (!seen[i]) rc = ls_fail(err, LS_EDATA, "shard %d/%d is missing", i + 1, m->shard_n);
    free(seen);
    if (!rc) rc = ds_doc_sort(m, err);
    if (rc) { ds_doc_free(m); return rc; }
    m->shard_i = m->shard_n = 0;
    m->rows_expected = m->rows_total;
    *out = m;
    return LS_OK;
}

int ds_merge_main(int argc, char **argv)
{
    const char **parts = calloc((size_t)argc + 1, sizeof *parts), *out = NULL;
    int n = 0, render = DS_TEXT, rc = LS_OK;
    struct ls_error err = {0};
    int raw = 0;
    if (!parts) return LS_ELIMIT;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(ds_merge_help, stdout); free(parts); return 0; }
        if (!strcmp(a, "--json")) render = DS_JSON;
        else if (!strcmp(a, "--csv")) render = DS_CSV;
        else if (!strcmp(a, "--raw")) raw = 1;
        else if (!strcmp(a, "--out")) { if (++i < argc) out = argv[i]; else rc = ls_fail(&err, LS_EUSAGE, "--out needs a FILE"); }
        else if (a[0] == '-' && a[1]) rc = ls_fail(&err, LS_EUSAGE, "unknown option '%.60s' (see --help)", a);
        else parts[n++] = a;
    }
    if (!rc && n == 0) rc = ls_fail(&err, LS_EUSAGE, "dataset merge needs at least one PART (see --help)");
    struct ds_doc *m = NULL;
    if (!rc) rc = merge_files(parts, n, &m, &err);
    if (!rc && out) rc = ds_write_json(m, out, &err);
    if (rc) ls_error_print(&err, stderr);
    else rc = ds_print(m, render, raw ? 0 : disp_locale_flags());
    ds_doc_free(m);
    free(parts);
    return rc;
}
