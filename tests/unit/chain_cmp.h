/* chain_cmp.h: two chain results the same, as the differential tests of a
 * fast path against the whole-array reference (ws.reference) need it:
 * the kept list, p, cut_by, the note, the decisions, the effective
 * temperature and every stage's kind, counts and flags, to the bit; the
 * stage masses, the entropy and the retained mass as the flags ask; and
 * the pair such a test runs (struct chain_pair: a reference workspace and
 * a fast one, a result each). Include after cmocka.h. */
#ifndef LS_CHAIN_CMP_H
#define LS_CHAIN_CMP_H

#include <math.h>
#include <stdio.h>
#include "sampling/chain.h"

enum {
    CMP_MASSES = 1,      /* every stage's removed masses equal */
    CMP_MASSES_NEAR = 2, /* ... or within 1e-12, or NaN in b: a sum made in another order (HF's and
                            vLLM's first truncation, emu_trim_torch.c), or one a caller does not read */
    CMP_SCORES = 4,      /* entropy_after and retained_mass equal */
};

/* equal, or both NaN (a mode that does not compute a number leaves it NaN) */
static inline int cmp_same_num(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static inline int cmp_mass(double a, double b, unsigned flags)
{
    if (cmp_same_num(a, b)) return 1;
    return (flags & CMP_MASSES_NEAR) && (isnan(b) || fabs(a - b) <= 1e-12);
}

static inline void chain_cmp_stages(const struct chain_result *a, const struct chain_result *b, unsigned flags)
{
    assert_int_equal(a->n_stages, b->n_stages);
    for (int k = 0; k < a->n_stages; k++) {
        const struct stage_report *x = &a->stages[k], *y = &b->stages[k];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->active, y->active);
        assert_int_equal(x->kept_in, y->kept_in);
        assert_int_equal(x->kept_out, y->kept_out);
        assert_int_equal(x->decided, y->decided);
        if (!(flags & (CMP_MASSES | CMP_MASSES_NEAR))) continue;
        int ok = cmp_mass(x->mass_removed, y->mass_removed, flags) &&
                 cmp_mass(x->raw_mass_removed, y->raw_mass_removed, flags);
        if (!ok)
            fprintf(stderr, "V %u stage %d (kind %d): mass %.17g / %.17g, raw %.17g / %.17g\n", a->V, k,
                    (int)x->kind, x->mass_removed, y->mass_removed, x->raw_mass_removed, y->raw_mass_removed);
        assert_true(ok);
    }
}

static inline void chain_cmp(const struct chain_result *a, const struct chain_result *b, unsigned flags)
{
    assert_int_equal(a->V, b->V);
    assert_int_equal(a->n_kept, b->n_kept);
    assert_memory_equal(a->kept, b->kept, a->n_kept * sizeof *a->kept);
    assert_memory_equal(a->cut_by, b->cut_by, a->V);
    for (uint32_t i = 0; i < a->V; i++) assert_true(cmp_same_num(a->p[i], b->p[i]));
    assert_string_equal(a->note, b->note);
    assert_int_equal(a->decided, b->decided);
    assert_int_equal(a->greedy, b->greedy);
    assert_true(cmp_same_num(a->effective_temperature, b->effective_temperature));
    chain_cmp_stages(a, b, flags);
    if (!(flags & CMP_SCORES)) return;
    assert_true(cmp_same_num(a->entropy_after, b->entropy_after));
    assert_true(cmp_same_num(a->retained_mass, b->retained_mass));
}

/* a reference workspace (ws.reference = 1) and a fast one for V tokens,
 * a result each (a: the reference's, b: the fast one's) */
struct chain_pair { struct chain_ws ref, fast; struct chain_result a, b; uint32_t V; };

static inline void chain_pair_init(struct chain_pair *f, uint32_t V)
{
    f->V = V;
    assert_int_equal(chain_ws_init(&f->ref, V), 0);
    assert_int_equal(chain_ws_init(&f->fast, V), 0);
    assert_int_equal(chain_result_init(&f->a, V), 0);
    assert_int_equal(chain_result_init(&f->b, V), 0);
    f->ref.reference = 1;
}

static inline void chain_pair_free(struct chain_pair *f)
{
    chain_ws_free(&f->ref); chain_ws_free(&f->fast);
    chain_result_free(&f->a); chain_result_free(&f->b);
}

#endif
