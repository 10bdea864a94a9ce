/* json_expand.h: a lazy tree (base/json_lazy.h) walked into a whole cJSON
 * tree, for comparing it with cJSON's own parse (header-only; used by
 * fuzz_json_scan.c and tests/unit/test_json_scan.c). */
#ifndef LS_JSON_EXPAND_H
#define LS_JSON_EXPAND_H

#include <cjson/cJSON.h>
#include "base/json_lazy.h"

/* A deep copy of n with every lazy array's elements parsed in; NULL if a
 * walk failed or counted other than json_array_size says. */
static inline cJSON *json_expand(const cJSON *n)
{
    if (cJSON_IsArray(n)) {
        cJSON *a = cJSON_CreateArray();
        struct json_elems it;
        const cJSON *e;
        int ok = a != NULL;
        json_elems_begin(&it, n);
        while ((e = json_elems_next(&it))) {
            cJSON *x = json_expand(e);
            if (!x) ok = 0;
            else cJSON_AddItemToArray(a, x);
        }
        if (json_elems_end(&it, LS_OK, NULL) || !ok || cJSON_GetArraySize(a) != json_array_size(n)) {
            cJSON_Delete(a);
            return NULL;
        }
        return a;
    }
    if (cJSON_IsObject(n)) {
        cJSON *o = cJSON_CreateObject();
        for (const cJSON *c = n->child; o && c; c = c->next) {
            cJSON *x = json_expand(c);
            if (!x) { cJSON_Delete(o); return NULL; }
            cJSON_AddItemToObject(o, c->string, x);
        }
        return o;
    }
    return cJSON_Duplicate(n, 1);
}

#endif
