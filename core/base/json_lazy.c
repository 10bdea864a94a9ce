/* json_lazy.c: skeleton trees with lazy arrays, and their element walk
 * (see json_lazy.h). */
#include "base/json_lazy.h"
#include "base/json_scan.h"
#include "base/json_util.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct lazy_rec { size_t ord, off, len, count; };
struct lazy_list { struct lazy_rec *r; size_t n, cap; };

static int add_rec(struct lazy_list *L, size_t ord, size_t off, size_t len, size_t count)
{
    if (L->n == L->cap) {
        size_t nc = L->cap ? L->cap * 2 : 16;
        struct lazy_rec *nr = realloc(L->r, nc * sizeof *nr);
        if (!nr) return -1;
        L->r = nr;
        L->cap = nc;
    }
    L->r[L->n++] = (struct lazy_rec){ ord, off, len, count };
    return 0;
}

/* The index of the text being loaded (json_lazy_index), per thread. */
static _Thread_local const struct json_index *cur_ix;

void json_lazy_index(const struct json_index *ix) { cur_ix = ix; }

const struct json_index *json_lazy_current_index(void) { return cur_ix; }

/* The container at t[i]: the index after it (0 if it runs past n), and for
 * an array its element count; from the index when it lists it. */
static size_t end_of(const char *t, size_t n, size_t i, size_t *count)
{
    const struct json_span *sp = json_index_find(cur_ix, t + i);
    if (sp && sp->len <= n - i) {
        if (count) *count = sp->count;
        return i + sp->len;
    }
    return json_skip(t, n, i, count);
}

/* Every array of the value in t[0..n) gets an ordinal in text order (as its
 * node comes in a preorder walk of the skeleton); the ones that stay text
 * are listed in L (their contents are not walked: they are not in the
 * skeleton). -1 when out of memory. */
static int find_lazy(const char *t, size_t n, int root_lazy, struct lazy_list *L)
{
    size_t ord = 0, depth = 0, i = json_ws(t, n, 0);
    int esc;
    while (i < n) {
        char c = t[i];
        if (c == '"') {
            if (!(i = json_str_end(t, n, i, &esc))) return 0;
            continue;
        }
        if (c == '[') {
            size_t cnt = 0, e = depth > 0 || root_lazy ? end_of(t, n, i, &cnt) : 0;
            if (e && cnt > 0 && (e - i >= JSON_LAZY_MIN || depth == 0)) {
                if (add_rec(L, ord++, i, e - i, cnt)) return -1;
                i = e;
                continue;
            }
            ord++;
        }
        if (c == '[' || c == '{') depth++;
        else if (c == ']' || c == '}') depth--;
        i++;
    }
    return 0;
}

static cJSON *parse_span(const char *t, size_t n, int *oom)
{
    const char *end = NULL;
    cJSON *r = json_parse_span(t, n, &end, oom);
    if (r && end && json_ws(t, n, (size_t)(end - t)) != n) { cJSON_Delete(r); r = NULL; }
    return r;
}

/* Preorder walk: the arrays listed in L become lazy arrays over t. */
static void mark(cJSON *node, const char *t, const struct lazy_list *L, size_t *ord, size_t *k)
{
    for (; node && *k < L->n; node = node->next) {
        if (cJSON_IsArray(node) && (*ord)++ == L->r[*k].ord) {
            const struct lazy_rec *r = &L->r[(*k)++];
            node->type |= cJSON_IsReference;
            node->valuestring = (char *)(uintptr_t)(t + r->off);
            node->valueint = r->count > INT_MAX ? INT_MAX : (int)r->count;
            node->valuedouble = (double)r->len;
            continue;
        }
        if (node->child) mark(node->child, t, L, ord, k);
    }
}

/* The text with every listed array emptied ("[]"), parsed. */
static cJSON *parse_skeleton(const char *t, size_t n, const struct lazy_list *L, int *oom)
{
    size_t cut = 0;
    for (size_t k = 0; k < L->n; k++) cut += L->r[k].len - 2;
    char *s = malloc(n - cut + 1);
    if (!s) { *oom = 1; return NULL; }
    size_t o = 0, prev = 0;
    for (size_t k = 0; k < L->n; k++) {
        memcpy(s + o, t + prev, L->r[k].off - prev);
        o += L->r[k].off - prev;
        s[o++] = '[';
        s[o++] = ']';
        prev = L->r[k].off + L->r[k].len;
    }
    memcpy(s + o, t + prev, n - prev);
    o += n - prev;
    s[o] = 0;
    cJSON *r = parse_span(s, o, oom);
    free(s);
    size_t ord = 0, k = 0;
    if (r) mark(r, t, L, &ord, &k);
    return r;
}

cJSON *json_lazy_parse(const char *t, size_t n, int root_lazy, int *oom)
{
    struct lazy_list L = { NULL, 0, 0 };
    *oom = 0;
    if (find_lazy(t, n, root_lazy, &L)) { free(L.r); *oom = 1; return NULL; }
    cJSON *r = L.n ? parse_skeleton(t, n, &L, oom) : parse_span(t, n, oom);
    free(L.r);
    return r;
}

int json_is_lazy(const cJSON *a)
{
    return a && (a->type & 0xFF) == cJSON_Array && (a->type & cJSON_IsReference) && !a->child && a->valuestring;
}

int json_array_size(const cJSON *a)
{
    if (json_is_lazy(a)) return a->valueint;
    return cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
}

void json_elems_begin(struct json_elems *it, const cJSON *arr)
{
    memset(it, 0, sizeof *it);
    if (json_is_lazy(arr)) {
        it->p = arr->valuestring + 1;
        it->end = arr->valuestring + (size_t)arr->valuedouble - 1;   /* its ']' */
    } else if (arr) {
        it->next = arr->child;
    }
}

const cJSON *json_elems_next(struct json_elems *it)
{
    if (!it->p) {
        const cJSON *e = it->next;
        if (e) it->next = e->next;
        return e;
    }
    cJSON_Delete(it->cur);
    it->cur = NULL;
    if (it->failed) return NULL;
    size_t left = (size_t)(it->end - it->p), i = json_ws(it->p, left, 0);
    if (i >= left) return NULL;
    size_t e;
    if (it->p[i] == '[' || it->p[i] == '{') e = (e = end_of(it->p, left, i, NULL)) ? e - i : 0;
    else e = json_skip(it->p + i, left - i, 0, NULL);
    int oom = 0;
    it->at = it->p + i;
    it->len = e;
    if (e) it->cur = json_lazy_parse(it->p + i, e, 0, &oom);
    if (!it->cur) { it->failed = oom ? 1 : 2; return NULL; }
    i = json_ws(it->p, left, i + e);
    if (i < left && it->p[i] == ',') i++;
    it->p += i;
    return it->cur;
}

int json_elems_end(struct json_elems *it, int rc, struct ls_error *err)
{
    cJSON_Delete(it->cur);
    it->cur = NULL;
    if (rc || !it->failed) return rc;
    if (it->failed == 1) return json_oom_fail(it->len, 0, err);
    return ls_fail(err, LS_EDATA, "internal error: a validated JSON array element did not parse");
}
