/* dataset.c: loading a dataset from a folder or a JSON Lines manifest (see
 * dataset.h). */
#include "input/dataset.h"
#include "base/fileio.h"
#include "base/json_util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MANIFEST_CAP (256ull << 20)

static void row_free(struct ds_row *r)
{
    free(r->id); free(r->path); free(r->prompt); free(r->format); free(r->reference); free(r->error);
    for (int i = 0; i < r->n_expected; i++) free(r->expected[i]);
    free(r->expected);
}

void dataset_free(struct dataset *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) row_free(&d->rows[i]);
    free(d->rows);
    free(d->origin);
    free(d);
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const struct ds_row *)a)->id, ((const struct ds_row *)b)->id);
}

const struct ds_row *dataset_find(const struct dataset *d, const char *id)
{
    struct ds_row key;
    memset(&key, 0, sizeof key);
    key.id = (char *)(uintptr_t)id;
    return d->n ? bsearch(&key, d->rows, d->n, sizeof *d->rows, cmp_row) : NULL;
}

/* A new zeroed row at the end of d (NULL: out of memory or too many). */
static struct ds_row *row_add(struct dataset *d, size_t *cap)
{
    if (d->n >= DS_MAX_ROWS) return NULL;
    if (d->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        struct ds_row *nr = realloc(d->rows, nc * sizeof *nr);
        if (!nr) return NULL;
        d->rows = nr;
        *cap = nc;
    }
    struct ds_row *r = &d->rows[d->n++];
    memset(r, 0, sizeof *r);
    return r;
}

/* dir + "/" + name, or name itself when it is absolute or dir is "" */
static char *join(const char *dir, const char *name)
{
    if (name[0] == '/' || !*dir) return strdup(name);
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p) { memcpy(p, dir, a); p[a] = '/'; memcpy(p + a + 1, name, b + 1); }
    return p;
}

/* Sorted by id; two rows with the same id are an error. */
static int sort_check(struct dataset *d, struct ls_error *err)
{
    if (d->n) qsort(d->rows, d->n, sizeof *d->rows, cmp_row);
    for (size_t i = 1; i < d->n; i++) {
        if (strcmp(d->rows[i - 1].id, d->rows[i].id)) continue;
        const struct ds_row *a = &d->rows[i - 1], *b = &d->rows[i];
        if (d->manifest)
            return ls_fail(err, LS_EDATA, "row id '%.80s' appears twice (lines %ld and %ld)", a->id,
                           a->line < b->line ? a->line : b->line, a->line < b->line ? b->line : a->line);
        return ls_fail(err, LS_EDATA, "files %.120s and %.120s give the same row id '%.80s'", a->path, b->path, a->id);
    }
    return LS_OK;
}

/* --- folder ---------------------------------------------------------------- */

static int folder_row(struct dataset *d, size_t *cap, const char *dir, const char *name, struct ls_error *err)
{
    char *path = join(dir, name);
    struct stat sb;
    if (!path) return ls_oom(err);
    if (stat(path, &sb) || !S_ISREG(sb.st_mode)) { free(path); return LS_OK; }
    struct ds_row *r = row_add(d, cap);
    const char *dot = strrchr(name, '.');
    size_t l = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    if (!r) { free(path); return ls_fail(err, LS_ELIMIT, "more than %u rows or out of memory", DS_MAX_ROWS); }
    r->kind = DS_DUMP;
    r->path = path;
    r->id = strndup(name, l > DS_ID_MAX ? DS_ID_MAX : l);
    return r->id ? LS_OK : ls_oom(err);
}

static int load_folder(struct dataset *d, const char *path, struct ls_error *err)
{
    DIR *dh = opendir(path);
    if (!dh) return ls_fail(err, LS_EREAD, "cannot read the folder: %s", strerror(errno));
    size_t cap = 0;
    int rc = LS_OK;
    for (struct dirent *e; !rc && (e = readdir(dh));)
        if (e->d_name[0] != '.') rc = folder_row(d, &cap, path, e->d_name, err);
    closedir(dh);
    return rc;
}

/* --- manifest -------------------------------------------------------------- */

static int bad(struct ds_row *r, const char *msg)
{
    free(r->error);
    r->error = strdup(msg);
    r->kind = DS_BAD;
    return r->error ? LS_OK : LS_ELIMIT;
}

static int take_id(struct ds_row *r, const cJSON *v)
{
    char buf[64];
    if (cJSON_IsString(v) && v->valuestring[0] && strlen(v->valuestring) <= DS_ID_MAX) {
        r->id = strdup(v->valuestring);
    } else if (cJSON_IsNumber(v) && fabs(v->valuedouble) <= 9007199254740992.0 &&  /* 2^53: exact, and no overflow below */
               v->valuedouble == (double)(long long)v->valuedouble) {
        snprintf(buf, sizeof buf, "%lld", (long long)v->valuedouble);
        r->id = strdup(buf);
    } else {
        return 0;
    }
    return r->id != NULL;
}

static int take_expected(struct ds_row *r, const cJSON *v)
{
    int n = cJSON_GetArraySize(v);
    if (!cJSON_IsArray(v) || n > DS_MAX_EXPECTED) return bad(r, "\"expected\" must be an array of at most 64 strings");
    /* a repeated key (JSON allows it; cJSON keeps both): the last one wins,
     * as for the other keys */
    for (int k = 0; k < r->n_expected; k++) free(r->expected[k]);
    free(r->expected);
    r->n_expected = 0;
    r->expected = calloc((size_t)(n ? n : 1), sizeof *r->expected);
    if (!r->expected) return LS_ELIMIT;
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        if (!cJSON_IsString(it)) return bad(r, "\"expected\" items must be strings");
        if (!(r->expected[r->n_expected++] = strdup(it->valuestring))) return LS_ELIMIT;
    }
    return LS_OK;
}

/* One key of a manifest object into r (dir resolves "dump"). */
static int take_key(struct ds_row *r, const cJSON *v, const char *dir)
{
    const char *k = v->string;
    char **dst = !strcmp(k, "dump") ? &r->path : !strcmp(k, "prompt") ? &r->prompt
               : !strcmp(k, "reference") ? &r->reference : !strcmp(k, "format") ? &r->format : NULL;
    if (!strcmp(k, "id")) return LS_OK;
    if (!strcmp(k, "expected")) return take_expected(r, v);
    char msg[160];
    if (!dst) {
        snprintf(msg, sizeof msg, "unknown key \"%.40s\" (keys: id, dump, prompt, reference, expected, format)", k);
        return bad(r, msg);
    }
    if (!cJSON_IsString(v)) { snprintf(msg, sizeof msg, "\"%s\" must be a string", k); return bad(r, msg); }
    free(*dst);
    *dst = dst == &r->path ? join(dir, v->valuestring) : strdup(v->valuestring);
    return *dst ? LS_OK : LS_ELIMIT;
}

/* The row of one parsed manifest line. */
static int manifest_row(struct ds_row *r, const cJSON *o, const char *dir)
{
    char where[32];
    snprintf(where, sizeof where, "<line %ld>", r->line);
    /* every row has an id (rows are sorted and paired by it): a line that is
     * not an object, or has no usable id, is named by its line number */
    if (!cJSON_IsObject(o)) {
        if (!(r->id = strdup(where))) return LS_ELIMIT;
        return bad(r, "expected a JSON object with an \"id\"");
    }
    if (!take_id(r, cJSON_GetObjectItemCaseSensitive(o, "id"))) {
        if (!(r->id = strdup(where))) return LS_ELIMIT;
        return bad(r, "\"id\" must be a non-empty string (at most 200 bytes) or an integer");
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, o) {
        int rc = take_key(r, v, dir);
        if (rc || r->kind == DS_BAD) return rc;
    }
    if (r->path && r->prompt) return bad(r, "a row has either \"dump\" or \"prompt\", not both");
    if (!r->path && !r->prompt) return bad(r, "a row needs \"dump\" (a file) or \"prompt\" (text for a model)");
    r->kind = r->path ? DS_DUMP : DS_PROMPT;
    return LS_OK;
}

/* One line (NUL-terminated in place, writable). */
static int manifest_line(struct dataset *d, size_t *cap, char *line, size_t len, long no, const char *dir)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
    if (i == len) return LS_OK;
    struct ds_row *r = row_add(d, cap);
    if (!r) return LS_ELIMIT;
    r->line = no;
    cJSON *o = NULL;
    struct ls_error e = {0};
    int rc;
    if (json_parse(line, len, JSON_LITERALS_REJECT, &o, NULL, &e)) {
        char where[32];
        snprintf(where, sizeof where, "<line %ld>", no);
        rc = (r->id = strdup(where)) ? bad(r, e.msg) : LS_ELIMIT;
    } else {
        rc = manifest_row(r, o, dir);
    }
    cJSON_Delete(o);
    return rc;
}

static int load_manifest(struct dataset *d, const char *path, struct ls_error *err)
{
    char *buf = NULL, *dir = strdup(path);
    size_t len = 0, cap = 0;
    if (!dir) return ls_oom(err);
    char *slash = strrchr(dir, '/');
    if (slash) slash[slash == dir ? 1 : 0] = 0; else dir[0] = 0;
    int rc = file_read_all(path, MANIFEST_CAP, "several manifests", &buf, &len, err);
    if (!rc && memchr(buf, 0, len)) rc = ls_fail(err, LS_EDATA, "a manifest is JSON Lines text; this file holds NUL bytes");
    long no = 1;
    for (size_t off = 0; !rc && off < len; no++) {
        char *nl = memchr(buf + off, '\n', len - off);
        size_t l = nl ? (size_t)(nl - (buf + off)) : len - off;
        buf[off + l] = 0;
        if (manifest_line(d, &cap, buf + off, l, no, dir))
            rc = ls_fail(err, LS_ELIMIT, "line %ld: more than %u rows or out of memory", no, DS_MAX_ROWS);
        off += l + 1;
    }
    free(buf);
    free(dir);
    return rc;
}

int dataset_load(const char *path, struct dataset **out, struct ls_error *err)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb)) return ls_fail(err, LS_EREAD, "%s: %s", path, strerror(errno));
    struct dataset *d = calloc(1, sizeof *d);
    if (!d || !(d->origin = strdup(path))) { free(d); return ls_oom(err); }
    d->manifest = !S_ISDIR(sb.st_mode);
    int rc = d->manifest ? load_manifest(d, path, err) : load_folder(d, path, err);
    if (!rc) rc = sort_check(d, err);
    if (rc) { ls_error_prefix(err, path); dataset_free(d); return rc; }
    *out = d;
    return LS_OK;
}
