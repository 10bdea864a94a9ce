/* bias_spec.c: logit bias as text and its resolution (see logit_bias.h). */
#include "sampling/logit_bias.h"
#include "base/display.h"
#include "base/parse.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A quoted text at *s (its quote first) into it; *s moves past the
 * closing quote. */
static int parse_text(const char **s, struct bias_item *it, struct ls_error *err)
{
    const char *p = *s;
    char q = *p++;
    it->len = 0;
    for (; *p && *p != q; p++) {
        char c = *p;
        if (c == '\\') {
            char e = *++p;
            if (e == 'n') c = '\n';
            else if (e == 't') c = '\t';
            else if (e == 'r') c = '\r';
            else if (e == '\\' || e == '\'' || e == '"') c = e;
            else if (e == 'x' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) { c = (char)(hexval(p[1]) * 16 + hexval(p[2])); p += 2; }
            else return ls_fail(err, LS_EUSAGE, "bad escape in a token text (\\n \\t \\r \\\\ \\' \\\" \\xHH)");
        }
        if (it->len >= LS_BIAS_TEXT_MAX) return ls_fail(err, LS_EUSAGE, "token text longer than %d bytes", LS_BIAS_TEXT_MAX);
        it->text[it->len++] = c;
    }
    if (*p != q) return ls_fail(err, LS_EUSAGE, "unterminated token text (a %c without its closing one)", q);
    if (!it->len) return ls_fail(err, LS_EUSAGE, "empty token text");
    it->is_text = 1;
    *s = p + 1;
    return LS_OK;
}

/* BIAS after its operator: a number, -inf, or false (= -inf) */
static int parse_value(const char *v, char op, double *out, struct ls_error *err)
{
    double x;
    if (op == '=' && (!strcasecmp(v, "false") || !strcasecmp(v, "-inf"))) { *out = -INFINITY; return LS_OK; }
    if (op == '-' && !strcasecmp(v, "inf")) { *out = -INFINITY; return LS_OK; }
    if (!strcasecmp(v, "inf") || !strcasecmp(v, "+inf") || !strcasecmp(v, "nan"))
        return ls_fail(err, LS_EUSAGE, "bias must be a finite number, -inf or false (got '%.40s')", v);
    if (parse_double(v, -INFINITY, INFINITY, &x, err)) return LS_EUSAGE;
    *out = op == '-' ? -x : x;
    return LS_OK;
}

/* One entry "ID=BIAS" / "ID+BIAS" / "ID-BIAS" / "'TEXT'=BIAS" of n bytes. */
static int parse_entry(const char *s, size_t n, struct bias_item *it, struct ls_error *err)
{
    char buf[160];
    if (n >= sizeof buf) return ls_fail(err, LS_EUSAGE, "entry too long: '%.40s...'", s);
    memcpy(buf, s, n);
    buf[n] = 0;
    memset(it, 0, sizeof *it);
    const char *p = buf;
    if (*p == '\'' || *p == '"') {
        if (parse_text(&p, it, err)) return LS_EUSAGE;
    } else {
        size_t d = strspn(p, "0123456789");
        char num[24];
        if (!d || d >= sizeof num)
            return ls_fail(err, LS_EUSAGE, "expected ID=BIAS, ID+BIAS, ID-BIAS or 'TEXT'=BIAS, got '%.40s'", buf);
        memcpy(num, p, d);
        num[d] = 0;
        long id;
        if (parse_long(num, 0, INT32_MAX, &id, err)) return LS_EUSAGE;
        it->id = id;
        p += d;
    }
    char op = *p;
    if (op != '=' && op != '+' && op != '-')
        return ls_fail(err, LS_EUSAGE, "expected = + or - after the token in '%.40s'", buf);
    if (it->is_text && op != '=') return ls_fail(err, LS_EUSAGE, "a token text takes 'TEXT'=BIAS, got '%.40s'", buf);
    return parse_value(p + 1, op, &it->v, err);
}

/* the end of the entry at s: the next comma outside quotes */
static size_t entry_len(const char *s)
{
    char q = 0;
    size_t i = 0;
    for (; s[i]; i++) {
        if (q) {
            if (s[i] == '\\' && s[i + 1]) i++;
            else if (s[i] == q) q = 0;
        } else if (s[i] == '\'' || s[i] == '"') {
            q = s[i];
        } else if (s[i] == ',') {
            break;
        }
    }
    return i;
}

int bias_spec_parse(const char *s, struct bias_spec *sp, struct ls_error *err)
{
    if (!*s || !strcasecmp(s, "none")) { sp->n = 0; return LS_OK; }
    while (*s) {
        size_t n = entry_len(s);
        if (!n) return ls_fail(err, LS_EUSAGE, "empty entry in the bias list");
        if (sp->n >= LS_MAX_BIAS) return ls_fail(err, LS_EUSAGE, "at most %d biased tokens", LS_MAX_BIAS);
        if (parse_entry(s, n, &sp->it[sp->n], err)) return LS_EUSAGE;
        sp->n++;
        s += n;
        if (*s == ',' && !*++s) return ls_fail(err, LS_EUSAGE, "empty entry in the bias list");
    }
    return LS_OK;
}

int logit_bias_set(struct logit_bias *b, int32_t id, double v, struct ls_error *err)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (b->id[i] == id) { b->v[i] = v; return LS_OK; }
    if (b->n >= LS_MAX_BIAS) return ls_fail(err, LS_ELIMIT, "at most %d biased tokens", LS_MAX_BIAS);
    b->id[b->n] = id;
    b->v[b->n++] = v;
    return LS_OK;
}

int bias_resolve(const struct bias_spec *sp, bias_lookup_fn fn, const void *ctx, struct logit_bias *out,
                 struct ls_error *err)
{
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < sp->n; i++) {
        int32_t ids[LS_MAX_BIAS];
        uint32_t n = 0;
        int rc = fn(ctx, &sp->it[i], ids, LS_MAX_BIAS, &n, err);
        for (uint32_t k = 0; !rc && k < n; k++) rc = logit_bias_set(out, ids[k], sp->it[i].v, err);
        if (rc) return rc;
    }
    return LS_OK;
}

void bias_item_name(const struct bias_item *it, char *buf, size_t bufsz)
{
    if (!it->is_text) { snprintf(buf, bufsz, "%lld", (long long)it->id); return; }
    char e[4 * LS_BIAS_TEXT_MAX + 8];
    disp_escape(it->text, it->len, DISP_BACKSLASH, e, sizeof e);
    snprintf(buf, bufsz, "'%s'", e);
}
