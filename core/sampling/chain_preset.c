/* chain_preset.c: presets, names, parsing and system defaults (see chain.h).
 *
 * Default values per system (sampling-reference.md b.3):
 *   llama.cpp  T 0.8, top-k 40, top-p 0.95, min-p 0.05
 *   hf         T 1.0, top-k 50, top-p 1.0,  min-p off
 *   vllm       T 1.0, top-k off, top-p 1.0, min-p 0 */
#include "sampling/chain.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

static const char *const preset_names[PRESET__COUNT] = { "hf", "llama.cpp", "vllm", "custom" };
static const char *const stage_names[STAGE__COUNT] = { "temperature", "top-k", "top-p", "min-p" };

const char *preset_name(enum preset p)
{
    return (unsigned)p < PRESET__COUNT ? preset_names[p] : "?";
}

const char *stage_name(enum stage_kind k)
{
    return (unsigned)k < STAGE__COUNT ? stage_names[k] : "?";
}

void chain_preset(struct chain *c, enum preset p)
{
    memset(c, 0, sizeof *c);
    c->preset = p;
    c->n = 4;
    switch (p) {
    case PRESET_LLAMACPP:
        c->order[0] = STAGE_TOP_K; c->order[1] = STAGE_TOP_P;
        c->order[2] = STAGE_MIN_P; c->order[3] = STAGE_TEMPERATURE;
        c->topk_ties = TIES_BY_ID;
        break;
    case PRESET_VLLM:
        c->order[0] = STAGE_TEMPERATURE; c->order[1] = STAGE_MIN_P;
        c->order[2] = STAGE_TOP_K; c->order[3] = STAGE_TOP_P;
        c->topk_ties = TIES_KEEP;
        c->greedy_below = 1e-5;  /* vLLM: T < 1e-5 is greedy */
        c->temp_floor = 0.01;    /* vLLM: 0 < T < 0.01 raised to 0.01 */
        break;
    case PRESET_HF:
    case PRESET_CUSTOM:
    default:
        c->order[0] = STAGE_TEMPERATURE; c->order[1] = STAGE_TOP_K;
        c->order[2] = STAGE_TOP_P; c->order[3] = STAGE_MIN_P;
        c->topk_ties = TIES_KEEP;
        break;
    }
}

/* Stage names and aliases accepted in lists and commands. */
int stage_parse(const char *s, enum stage_kind *k);
int stage_parse(const char *s, enum stage_kind *k)
{
    static const struct { const char *name; enum stage_kind k; } al[] = {
        {"temperature", STAGE_TEMPERATURE}, {"temp", STAGE_TEMPERATURE}, {"t", STAGE_TEMPERATURE},
        {"top-k", STAGE_TOP_K}, {"top_k", STAGE_TOP_K}, {"topk", STAGE_TOP_K}, {"k", STAGE_TOP_K},
        {"top-p", STAGE_TOP_P}, {"top_p", STAGE_TOP_P}, {"topp", STAGE_TOP_P}, {"p", STAGE_TOP_P},
        {"min-p", STAGE_MIN_P}, {"min_p", STAGE_MIN_P}, {"minp", STAGE_MIN_P}, {"m", STAGE_MIN_P},
    };
    for (size_t i = 0; i < sizeof al / sizeof al[0]; i++)
        if (strcasecmp(s, al[i].name) == 0) { *k = al[i].k; return 1; }
    return 0;
}

static int preset_parse(const char *s, enum preset *p)
{
    if (!strcasecmp(s, "hf") || !strcasecmp(s, "transformers")) { *p = PRESET_HF; return 1; }
    if (!strcasecmp(s, "llama.cpp") || !strcasecmp(s, "llamacpp") || !strcasecmp(s, "llama")) { *p = PRESET_LLAMACPP; return 1; }
    if (!strcasecmp(s, "vllm")) { *p = PRESET_VLLM; return 1; }
    return 0;
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
    if (len == 0 || len >= sizeof buf)
        return ls_fail(err, LS_EUSAGE, "--chain: expected hf, llama.cpp, vllm or a comma-separated stage list");
    memcpy(buf, s, len + 1);
    unsigned seen = 0;
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = 0;
        while (isspace((unsigned char)*tok)) tok++;
        char *e = tok + strlen(tok);
        while (e > tok && isspace((unsigned char)e[-1])) *--e = 0;
        enum stage_kind k;
        if (!stage_parse(tok, &k))
            return ls_fail(err, LS_EUSAGE, "--chain: unknown stage '%.40s' (stages: temperature, top-k, top-p, min-p)", tok);
        if (seen & (1u << k))
            return ls_fail(err, LS_EUSAGE, "--chain: stage '%s' listed twice", stage_name(k));
        seen |= 1u << k;
        out.order[out.n++] = k;
    }
    *c = out;
    return LS_OK;
}

void chain_format(const struct chain *c, char *buf, size_t bufsz)
{
    size_t o = 0;
    if (bufsz) buf[0] = 0;
    for (int i = 0; i < c->n && o < bufsz; i++) {
        int w = snprintf(buf + o, bufsz - o, "%s%s", i ? "," : "", stage_name(c->order[i]));
        if (w < 0) break;
        o += (size_t)w;
    }
}

const char *chain_cut_name(const struct chain_result *r, uint8_t cut_by)
{
    if (cut_by == CUT_NONE) return NULL;
    if (cut_by == CUT_MASKED) return "masked";
    int k = cut_by - CUT_STAGE0;
    if (k < 0 || k >= r->n_stages) return "?";
    return stage_name(r->stages[k].kind);
}

int params_defaults(const char *system, struct params *p, struct ls_error *err)
{
    enum preset ps;
    if (!preset_parse(system, &ps))
        return ls_fail(err, LS_EUSAGE, "--defaults: unknown system '%.40s' (llama.cpp, hf, vllm)", system);
    switch (ps) {
    case PRESET_LLAMACPP: *p = (struct params){0.8, 40, 0.95, 0.05}; break;
    case PRESET_HF: *p = (struct params){1.0, 50, 1.0, 0.0}; break;
    default: *p = (struct params){1.0, 0, 1.0, 0.0}; break;
    }
    return LS_OK;
}

int params_check(const struct params *p, struct ls_error *err)
{
    if (!isfinite(p->temperature) || p->temperature < 0)
        return ls_fail(err, LS_EUSAGE, "temperature must be a finite number >= 0 (got %g)", p->temperature);
    if (p->top_k < 0)
        return ls_fail(err, LS_EUSAGE, "top-k must be >= 0 (0 = off; got %d)", (int)p->top_k);
    if (!isfinite(p->top_p) || p->top_p < 0 || p->top_p > 1)
        return ls_fail(err, LS_EUSAGE, "top-p must be in [0, 1] (1 = off; got %g)", p->top_p);
    if (!isfinite(p->min_p) || p->min_p < 0 || p->min_p > 1)
        return ls_fail(err, LS_EUSAGE, "min-p must be in [0, 1] (0 = off; got %g)", p->min_p);
    return LS_OK;
}
