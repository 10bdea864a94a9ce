/* chain_parse.c: chains as text, and a system's defaults (see chain.h).
 *
 * Messages name the thing, never a command-line flag or an explorer
 * command: the caller adds its context ("--chain: " on the command line,
 * "chain: " in the explorer). Names come from the parameter table
 * (params_table.c) and the system table (presets.c). */
#include "sampling/stage.h"
#include "sampling/presets.h"
#include "base/words.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* one stage list entry, blanks trimmed, to its kind; seen guards repeats */
static int parse_stage_word(char *tok, unsigned *seen, enum stage_kind *k, struct ls_error *err)
{
    while (isspace((unsigned char)*tok)) tok++;
    char *e = tok + strlen(tok);
    while (e > tok && isspace((unsigned char)e[-1])) *--e = 0;
    if (!stage_parse(tok, k)) {
        char names[256];
        stage_names_join(", ", names, sizeof names);
        return ls_fail(err, LS_EUSAGE, "unknown stage '%.40s' (stages: %s)", tok, names);
    }
    if (*seen & (1u << *k)) return ls_fail(err, LS_EUSAGE, "stage '%s' listed twice", stage_name(*k));
    *seen |= 1u << *k;
    return LS_OK;
}

int chain_parse(const char *s, struct chain *c, struct ls_error *err)
{
    enum preset p;
    if (preset_parse(s, &p)) { chain_preset(c, p); return LS_OK; }
    struct chain out;
    chain_preset(&out, PRESET_CUSTOM);
    out.n = 0;
    char buf[256];
    size_t len = strlen(s);
    if (len == 0 || len >= sizeof buf) {
        char sys[64];
        preset_names_join(", ", sys, sizeof sys);
        return ls_fail(err, LS_EUSAGE, "expected %s or a comma-separated stage list", sys);
    }
    memcpy(buf, s, len + 1);
    unsigned seen = 0;
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = 0;
        enum stage_kind k;
        int rc = parse_stage_word(tok, &seen, &k, err);
        if (rc) return rc;
        out.order[out.n++] = k;
    }
    *c = out;
    return LS_OK;
}

static const char *stage_at(const void *chain, int i)
{
    return stage_name(((const struct chain *)chain)->order[i]);
}

void chain_format(const struct chain *c, char *buf, size_t bufsz)
{
    words_join(stage_at, c, c->n, ",", buf, bufsz);
}

void chain_format_short(const struct chain *c, char *buf, size_t bufsz)
{
    /* a preset made exact says so; a custom list is always exact */
    int o = snprintf(buf, bufsz, "%s%s ", preset_name(c->preset),
                     c->exact && c->preset != PRESET_CUSTOM ? "+exact" : "");
    for (int i = 0; i < c->n && o >= 0 && (size_t)o < bufsz; i++) {
        char letter = stage_initial(c->order[i]);
        int w = snprintf(buf + o, bufsz - (size_t)o, "%s%c", i ? ">" : "", letter);
        if (w < 0) break;
        o += w;
    }
}

const char *chain_cut_name(const struct chain_result *r, uint8_t cut_by)
{
    if (cut_by == CUT_NONE) return NULL;
    if (cut_by == CUT_MASKED) return "masked";
    if (cut_by == CUT_UNLISTED) return "unlisted";
    int k = cut_by - CUT_STAGE0;
    if (k < 0 || k >= r->n_stages) return "?";
    return stage_name(r->stages[k].kind);
}

int chain_defaults(const char *system, struct chain *c, struct params *p, struct ls_error *err)
{
    enum preset ps;
    if (!preset_parse(system, &ps)) {
        char sys[64];
        preset_names_join(", ", sys, sizeof sys);
        return ls_fail(err, LS_EUSAGE, "unknown system '%.40s' (%s)", system, sys);
    }
    if (c) chain_preset(c, ps);
    if (p) *p = preset_defaults(ps);
    return LS_OK;
}

int params_defaults(const char *system, struct params *p, struct ls_error *err)
{
    return chain_defaults(system, NULL, p, err);
}
