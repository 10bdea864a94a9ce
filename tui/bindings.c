/* bindings.c: the key -> action bindings (see bindings.h). */
#include "bindings.h"
#include "keys.h"

#define MAX_BINDINGS 128
static struct { int key; enum action act; } bindings[MAX_BINDINGS];
static int n_bindings;

int bindings_init(const struct action_table *t)
{
    n_bindings = 0;
    for (int i = 0; i < t->n; i++) {
        const char *s = t->a[i].keys;
        while (*s) {
            if (*s == ' ') { s++; continue; }
            int k = keys_parse(&s);
            if (k == KEY_NONE || n_bindings >= MAX_BINDINGS) return -1;
            bindings[n_bindings].key = k;
            bindings[n_bindings].act = t->a[i].id;
            n_bindings++;
        }
    }
    return 0;
}

enum action bindings_lookup(int key)
{
    for (int i = 0; i < n_bindings; i++)
        if (bindings[i].key == key) return bindings[i].act;
    return ACT_NONE;
}
