/* explorer_actions.c: what the explorer's keys and commands do to its
 * state (see explorer.h "actions"): focus, parameter and chain changes,
 * step and row moves, paging the distribution list, token details. Each
 * action marks what explorer_update must redo (explorer.c) and returns the
 * EX_* flags the caller acts on; nothing here computes numbers. */
#include "explorer/explorer.h"
#include "sampling/params_table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- actions --------------------------------------------------------------- */

/* Record what update must redo and tell the caller what changed. */
static unsigned mark(struct explorer *ex, unsigned fl)
{
    ex->stale |= fl & (EX_RECOMPUTE | EX_RESAMPLE);
    return fl;
}

/* Focusing a parameter whose stage is not in the chain says so: its
 * value has no effect (explorer_param_note). */
static unsigned focus_note(struct explorer *ex)
{
    char note[128];
    explorer_param_note(ex, ex->focus_param, note, sizeof note);
    if (note[0]) explorer_message(ex, 0, "%s: %s", explorer_param_name(ex->focus_param), note);
    return EX_REDRAW;
}

unsigned explorer_focus_param(struct explorer *ex, int delta)
{
    ex->focus_param = ((ex->focus_param + delta) % EXP__COUNT + EXP__COUNT) % EXP__COUNT;
    return focus_note(ex);
}

unsigned explorer_focus_panel(struct explorer *ex, int delta)
{
    ex->focus_panel = ((ex->focus_panel + delta) % PANEL__COUNT + PANEL__COUNT) % PANEL__COUNT;
    return EX_REDRAW;
}

unsigned explorer_focus(struct explorer *ex, int panel, int p)
{
    if ((unsigned)panel >= PANEL__COUNT) return EX_NONE;
    ex->focus_panel = panel;
    if (panel == PANEL_PARAMS && (unsigned)p < EXP__COUNT) { ex->focus_param = p; return focus_note(ex); }
    return EX_REDRAW;
}

/* p differs from the current parameters only in parameters whose stage is
 * not in the chain (the bar dims them: their value has no effect, see
 * explorer_param_state), so the step's result stays as it is. */
static int no_effect(const struct explorer *ex, const struct params *p)
{
    struct params x = *p;
    for (int q = 0; q < PARAM__COUNT; q++)
        if (explorer_param_state(ex, q) == EXPS_ABSENT)
            param_set(&x, (enum param_id)q, param_get(&ex->params, (enum param_id)q));
    return !memcmp(&x, &ex->params, sizeof x);
}

/* Set params: the flags of the change (EX_REDRAW alone for a refusal,
 * whose message is on screen, and for a change with no effect on the
 * step: a key on such a parameter costs a frame, not a chain run). */
static unsigned set_params(struct explorer *ex, const struct params *p)
{
    struct ls_error e = {0};
    if (params_check(p, &e)) { explorer_message(ex, 1, "%s", e.msg); return EX_REDRAW; }
    if (!memcmp(p, &ex->params, sizeof *p)) return EX_NONE;
    int same_result = no_effect(ex, p);
    ex->params = *p;
    return same_result ? EX_REDRAW : mark(ex, EX_RECOMPUTE);
}

static unsigned set_chain(struct explorer *ex, const struct chain *c)
{
    ex->chain = *c;
    return mark(ex, EX_RECOMPUTE);
}

/* The chain presets in cycling order: hf, llama.cpp, vllm; a custom
 * chain counts as position `custom`. */
static unsigned preset_step(struct explorer *ex, int dir, int custom)
{
    int pr = ex->chain.preset == PRESET_CUSTOM ? custom : (int)ex->chain.preset;
    pr = ((pr + dir) % 3 + 3) % 3;
    struct chain c;
    chain_preset(&c, (enum preset)pr);
    return set_chain(ex, &c);
}

static unsigned adjust_seed(struct explorer *ex, int dir, int coarse)
{
    int64_t d = (int64_t)dir * (coarse ? 100 : 1);
    if (d < 0 && ex->seed < (uint64_t)(-d)) return explorer_set_seed(ex, 0);
    return explorer_set_seed(ex, ex->seed + (uint64_t)d);
}

/* A parameter changed from a key: the new value, and the note when its
 * stage is not in the chain (the change then has no effect). */
static unsigned set_param_key(struct explorer *ex, int f, double v)
{
    struct params p = ex->params, before = ex->params;
    param_set(&p, (enum param_id)f, v);
    unsigned fl = set_params(ex, &p);
    /* refused: the message says why (a change with no effect redraws too) */
    int refused = fl == EX_REDRAW && !memcmp(&before, &ex->params, sizeof before);
    char note[128], val[32];
    explorer_param_note(ex, f, note, sizeof note);
    explorer_param_text(ex, f, val, sizeof val);
    if (note[0] && !refused) explorer_message(ex, 0, "%s %s: %s", explorer_param_name(f), val, note);
    return fl | (note[0] ? EX_REDRAW : EX_NONE);
}

unsigned explorer_adjust(struct explorer *ex, int dir, int coarse)
{
    int f = ex->focus_param;
    if ((unsigned)f < PARAM__COUNT) return set_param_key(ex, f, explorer_param_stepped(ex, f, dir, coarse));
    switch (f) {
    case EXP_CHAIN: return preset_step(ex, dir, 0);
    case EXP_SEED: return adjust_seed(ex, dir, coarse);
    default: return EX_NONE;
    }
}

unsigned explorer_param_off(struct explorer *ex)
{
    int f = ex->focus_param;
    if ((unsigned)f < PARAM__COUNT) return set_param_key(ex, f, param_def((enum param_id)f)->off);
    switch (f) {
    case EXP_CHAIN: { struct chain c; chain_preset(&c, PRESET_HF); return set_chain(ex, &c); }
    case EXP_SEED: return explorer_set_seed(ex, LS_DEFAULT_SEED);
    default: return EX_NONE;
    }
}

int explorer_set_params(struct explorer *ex, const struct params *p)
{
    struct ls_error e = {0};
    if (params_check(p, &e)) { explorer_message(ex, 1, "%s", e.msg); return LS_EUSAGE; }
    set_params(ex, p);
    return LS_OK;
}

int explorer_set_chain(struct explorer *ex, const struct chain *c)
{
    set_chain(ex, c);
    return LS_OK;
}

unsigned explorer_set_seed(struct explorer *ex, uint64_t seed)
{
    ex->seed = seed;
    return mark(ex, EX_RESAMPLE);
}

unsigned explorer_set_step(struct explorer *ex, int64_t step)
{
    if (!ex->src) return EX_NONE;
    if (step < 0) step = 0;
    if (step >= (int64_t)ex->n_steps) step = (int64_t)ex->n_steps - 1;
    if ((uint32_t)step == ex->step) return EX_NONE;
    ex->step = (uint32_t)step;
    ex->dist_sel = ex->dist_scroll = 0;
    return mark(ex, EX_RECOMPUTE);
}

unsigned explorer_move_step(struct explorer *ex, int64_t delta)
{
    return explorer_set_step(ex, (int64_t)ex->step + delta);
}

unsigned explorer_chain_cycle(struct explorer *ex)
{
    unsigned fl = preset_step(ex, 1, -1);
    explorer_message(ex, 0, "chain %s", preset_name(ex->chain.preset));
    return fl | EX_REDRAW;
}

unsigned explorer_new_seed(struct explorer *ex)
{
    /* Deterministic successor (tests and screenshots stay reproducible);
     * the seed is always on screen, so any draw can be replayed. */
    unsigned fl = explorer_set_seed(ex, ex->seed + 1);
    explorer_message(ex, 0, "seed %llu", (unsigned long long)ex->seed);
    return fl | EX_REDRAW;
}

unsigned explorer_scale_cycle(struct explorer *ex)
{
    return explorer_set_scale(ex, (ex->scale + 1) % SCALE__COUNT);
}

unsigned explorer_set_scale(struct explorer *ex, int scale)
{
    if ((unsigned)scale >= SCALE__COUNT) return EX_NONE;
    ex->scale = scale;
    return EX_REDRAW;
}

unsigned explorer_set_draws(struct explorer *ex, int64_t n)
{
    if (n < 1 || n > EX_DRAWS_MAX) return EX_NONE;
    ex->n_draws = (uint32_t)n;
    return mark(ex, EX_RESAMPLE);
}

unsigned explorer_select_row(struct explorer *ex, int64_t row)
{
    if (ex->n_top == 0) return EX_NONE;
    if (row < 0) row = 0;
    if (row >= (int64_t)ex->n_top) row = ex->n_top - 1;
    ex->dist_sel = (uint32_t)row;
    return EX_REDRAW;
}

unsigned explorer_move_row(struct explorer *ex, int64_t delta)
{
    return explorer_select_row(ex, (int64_t)ex->dist_sel + delta);
}

/* Screen lines token rows first..last take: one each, plus the threshold
 * lines (ex->marks) drawn after a row. */
static int dist_lines(const struct explorer *ex, uint32_t first, uint32_t last)
{
    int n = 0;
    for (uint32_t k = first; k <= last && k < ex->n_top; k++) {
        n++;
        for (int i = 0; i < ex->n_marks; i++) n += ex->marks[i].row == k + 1;
    }
    return n;
}

uint32_t explorer_dist_first(const struct explorer *ex, int rows)
{
    uint32_t first = ex->dist_scroll;
    if (ex->dist_sel < first) first = ex->dist_sel;
    while (rows > 0 && first < ex->dist_sel && dist_lines(ex, first, ex->dist_sel) > rows) first++;
    return first;
}

/* The first row of the page after (dir 1) or before (dir -1) the one
 * starting at first, never past the last full page. */
static uint32_t page_from(const struct explorer *ex, uint32_t first, int dir, int rows)
{
    uint32_t f = first, last_first = ex->n_top - 1;
    int used = 0;
    if (dir > 0) {
        while (f < ex->n_top && used + dist_lines(ex, f, f) <= rows) { used += dist_lines(ex, f, f); f++; }
        if (f == first) f++;
    } else {
        while (f > 0 && used + dist_lines(ex, f - 1, f - 1) <= rows) { f--; used += dist_lines(ex, f, f); }
    }
    /* the last page stays full: the first row from which the rest fits */
    for (used = dist_lines(ex, last_first, last_first); last_first > 0; last_first--) {
        int l = dist_lines(ex, last_first - 1, last_first - 1);
        if (used + l > rows) break;
        used += l;
    }
    return f < last_first ? f : last_first;
}

unsigned explorer_page_rows(struct explorer *ex, int dir, int rows)
{
    if (ex->n_top == 0 || rows < 1) return EX_NONE;
    /* the list and the selection move by a page together, so the first
     * PgDn shows the next page (not one more row) */
    uint32_t first = explorer_dist_first(ex, rows), f = page_from(ex, first, dir, rows);
    int64_t sel = (int64_t)ex->dist_sel + (int64_t)f - (int64_t)first;
    if (sel < (int64_t)f) sel = f;
    if (sel >= (int64_t)ex->n_top) sel = ex->n_top - 1;
    while (sel > (int64_t)f && dist_lines(ex, f, (uint32_t)sel) > rows) sel--;
    ex->dist_scroll = f;
    ex->dist_sel = (uint32_t)sel;
    return EX_REDRAW;
}

unsigned explorer_show_token(struct explorer *ex, int64_t id)
{
    if (!ex->src) return EX_NONE;
    if (id < 0 || id >= (int64_t)ex->V) {
        explorer_message(ex, 1, "token %lld is not in the vocabulary (0..%u)", (long long)id, ex->V - 1);
        return EX_REDRAW;
    }
    ex->detail_id = (int32_t)id;
    return mark(ex, EX_REDRAW);
}

unsigned explorer_hide_token(struct explorer *ex)
{
    if (ex->detail_id < 0) return EX_NONE;
    ex->detail_id = ex->detail_for = -1;
    return EX_REDRAW;
}
