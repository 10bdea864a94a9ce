/* parse.c: full-string, range-checked number and list parsing (see parse.h). */
#include "base/parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* strtod/strtol skip leading blanks; a value is the whole string, so refuse them */
static int starts_blank(const char *s)
{
    return *s == ' ' || (*s >= '\t' && *s <= '\r');
}

/* Decimal syntax only: [+-] digits [. digits] [e [+-] digits], at least one
 * digit before the exponent. strtod alone would also take "0x1p4" (16),
 * "inf" and "nan". */
static int is_decimal(const char *s)
{
    int digits = 0;
    if (*s == '+' || *s == '-') s++;
    while (*s >= '0' && *s <= '9') { s++; digits++; }
    if (*s == '.') for (s++; *s >= '0' && *s <= '9'; s++) digits++;
    if (!digits) return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') s++;
        if (!(*s >= '0' && *s <= '9')) return 0;
        while (*s >= '0' && *s <= '9') s++;
    }
    return *s == 0;
}

int parse_double(const char *s, double lo, double hi, double *out, struct ls_error *err)
{
    char *e;
    errno = 0;
    int ok = is_decimal(s);
    double d = ok ? strtod(s, &e) : 0;
    if (!ok || e == s || *e || errno == ERANGE || !isfinite(d))
        return ls_fail(err, LS_EUSAGE, "expected a number, got '%.40s'", s);
    if (d < lo || d > hi) return ls_fail(err, LS_EUSAGE, "%g is out of range [%g, %g]", d, lo, hi);
    *out = d;
    return LS_OK;
}

int parse_long(const char *s, long lo, long hi, long *out, struct ls_error *err)
{
    char *e;
    errno = 0;
    long v = starts_blank(s) ? 0 : strtol(s, &e, 10);
    if (starts_blank(s) || e == s || *e || errno == ERANGE)
        return ls_fail(err, LS_EUSAGE, "expected an integer, got '%.40s'", s);
    if (v < lo || v > hi) return ls_fail(err, LS_EUSAGE, "%ld is out of range [%ld, %ld]", v, lo, hi);
    *out = v;
    return LS_OK;
}

int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, struct ls_error *err)
{
    char *e;
    errno = 0;
    /* strtoull accepts "-1" (as 2^64 - 1): refuse a sign before it can */
    if (!*s || *s == '-' || *s == '+' || starts_blank(s))
        return ls_fail(err, LS_EUSAGE, "expected a non-negative integer, got '%.40s'", s);
    unsigned long long v = strtoull(s, &e, 0);
    if (*e || errno == ERANGE)
        return ls_fail(err, LS_EUSAGE, "expected a non-negative integer, got '%.40s'", s);
    if (v < lo || v > hi)
        return ls_fail(err, LS_EUSAGE, "%llu is out of range [%llu, %llu]", v, (unsigned long long)lo,
                       (unsigned long long)hi);
    *out = (uint64_t)v;
    return LS_OK;
}

int parse_list(const char *s, int max, parse_item_fn fn, void *ctx, int *n, struct ls_error *err)
{
    int k = 0, rc;
    const char *q = s;
    for (;;) {
        size_t l = strcspn(q, ",");
        char item[PARSE_ITEM_MAX + 1];
        if (l == 0 || l > PARSE_ITEM_MAX)
            return ls_fail(err, LS_EUSAGE, "bad list '%.60s' (comma-separated numbers)", s);
        if (k >= max) return ls_fail(err, LS_EUSAGE, "at most %d values", max);
        memcpy(item, q, l);
        item[l] = 0;
        if ((rc = fn(item, k, ctx, err))) return rc;
        k++;
        if (!q[l]) break;
        q += l + 1;
    }
    *n = k;
    return LS_OK;
}

struct dlist { double lo, hi, *out; };

static int double_item(const char *item, int i, void *ctx, struct ls_error *err)
{
    struct dlist *d = ctx;
    return parse_double(item, d->lo, d->hi, &d->out[i], err);
}

int parse_double_list(const char *s, double lo, double hi, double *out, int max, int *n,
                      struct ls_error *err)
{
    struct dlist d = { lo, hi, out };
    return parse_list(s, max, double_item, &d, n, err);
}
