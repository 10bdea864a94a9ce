/* eval_release.c: a run's big buffers given back a piece at a time (eval.h
 * eval_run_release), for a caller that must stay responsive while a
 * finished or cancelled run goes (the explorer in a script, issue 9: no
 * slice over 2 ms).
 *
 * Why in pieces: at V = 262144 a run holds about 40 MiB of touched pages
 * (its chain workspace and emulation scratch, a result, the draws' prefix
 * sums). One eval_run_free gives them all back to the kernel at once: 2-5
 * ms of unmapping in one slice, by munmap for glibc's mmapped chunks (1-1.5
 * ms for the emulation's 6 MiB candidate array alone) or by the heap's trim
 * when the last free joins them at its top. Here each buffer's pages go
 * first, REL_PIECE bytes a piece (MADV_DONTNEED), then the buffer is freed
 * (an empty range to unmap or to trim: microseconds).
 * Order: the highest address first, so the heap's top comes down in steps
 * as buffers go instead of in one trim at the last free.
 * Pages given back in a buffer the heap keeps are faulted in again by the
 * next run that gets that memory, in its warm-up's pieces (explorer_task.h
 * ex_warm) or, for a calloc'd one (a result's p, 2 MiB), by calloc's
 * clearing: the next run pays at most what a fresh buffer costs it anyway.
 *
 * Owns nothing; the buffers stay the owners' (chain.h chain_free_buf for
 * the workspaces and results, the run's own fields here), each freed
 * pointer set to NULL so eval_run_free frees only the rest. Units: bytes,
 * nanoseconds of clock_ns. */
#include "eval/eval_impl.h"
#include "base/clock.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* pages given back a piece: 1 MiB took 2-3 ms at times on this project's
 * VM (a zapped page costs the host a shadow-table update), 256 KiB stays
 * under a millisecond */
#define REL_PIECE ((size_t)256 << 10)
#define REL_BIG ((size_t)256 << 10)      /* a buffer this large gives its pages back before its free */

/* The highest buffer so far, and how to free it */
struct top {
    uintptr_t at;
    size_t bytes;
    struct chain_ws *ws;         /* a chain buffer: its owners */
    struct chain_result *res;
    int own;                     /* 1: one of the run's own (freed by address here) */
};

static void consider(struct top *t, const void *p, size_t bytes, struct chain_ws *ws, struct chain_result *res,
                     int own)
{
    if (p && (uintptr_t)p > t->at) *t = (struct top){ (uintptr_t)p, bytes, ws, res, own };
}

static void consider_worker(struct top *t, const struct eval_run *r, struct eval_worker *w)
{
    struct chain_span sp[CHAIN_SPANS_MAX];
    size_t n = 0, V = r->V ? r->V : 1, N = r->cfg.n_samples ? r->cfg.n_samples : 1;
    chain_owned_spans(&w->ws, NULL, sp, CHAIN_SPANS_MAX, &n);
    for (size_t i = 0; i < n; i++) consider(t, sp[i].p, sp[i].bytes, &w->ws, NULL, 0);
    for (size_t k = 0; w->res && k < w->n_res; k++) {
        n = 0;
        chain_owned_spans(NULL, &w->res[k], sp, CHAIN_SPANS_MAX, &n);
        for (size_t i = 0; i < n; i++) consider(t, sp[i].p, sp[i].bytes, NULL, &w->res[k], 0);
    }
#define OWN(f, bytes) consider(t, f, bytes, NULL, NULL, 1);
    EVAL_WORKER_ARRAYS(OWN, w, V, N)
#undef OWN
}

static struct top highest(struct eval_run *r)
{
    struct top t = { 0, 0, NULL, NULL, 0 };
    for (int i = 0; i <= EVAL_MAX_THREADS; i++) consider_worker(&t, r, &r->w[i]);
    for (size_t k = 0; r->acc && k < r->n_set; k++) {
        struct eval_acc *a = &r->acc[k];
#define OWN(f, bytes) consider(&t, f, bytes, NULL, NULL, 1);
        EVAL_ACC_ARRAYS(OWN, a, r->cfg.n_samples, r->n_steps)
#undef OWN
    }
    consider(&t, r->bigram_tab, r->bigram_cap * sizeof *r->bigram_tab, NULL, NULL, 1);
    return t;
}

/* The run's own array at address `at` freed and forgotten */
static void free_own(struct eval_run *r, uintptr_t at)
{
#define FREE_AT(f, bytes) if ((uintptr_t)(f) == at) { free(f); (f) = NULL; return; }
    for (int i = 0; i <= EVAL_MAX_THREADS; i++) {
        struct eval_worker *w = &r->w[i];
        EVAL_WORKER_ARRAYS(FREE_AT, w, 0, 0)
    }
    for (size_t k = 0; r->acc && k < r->n_set; k++) {
        struct eval_acc *a = &r->acc[k];
        EVAL_ACC_ARRAYS(FREE_AT, a, 0, 0)
    }
    FREE_AT(r->bigram_tab, 0)
#undef FREE_AT
}

/* the page size (a power of two; 4096 if sysconf cannot say) */
static uintptr_t page_bytes(void)
{
    long v = sysconf(_SC_PAGESIZE);
    return v > 0 && (v & (v - 1)) == 0 ? (uintptr_t)v : 4096;
}

/* A piece of a big buffer's pages given back: 1 while some are left
 * (r->rel_at, r->rel_off: where), 0 when it may be freed */
static int give_back(struct eval_run *r, const struct top *t)
{
    if (t->bytes < REL_BIG) return 0;
    if (r->rel_at != t->at) { r->rel_at = t->at; r->rel_off = 0; }
    if (r->rel_off >= t->bytes) return 0;
    size_t n = t->bytes - r->rel_off < REL_PIECE ? t->bytes - r->rel_off : REL_PIECE;
    /* whole pages inside the buffer only: a neighbour (malloc's header)
     * shares the partial ones. The system's page size, not 4096: the
     * kernel rounds the length up to its pages, so a range cut at 4 KiB on
     * a 16 or 64 KiB system would zero a neighbour's bytes. */
    uintptr_t pg = page_bytes();
    uintptr_t a = (t->at + r->rel_off + pg - 1) & ~(pg - 1), b = (t->at + r->rel_off + n) & ~(pg - 1);
    if (b > a) (void)madvise((void *)a, b - a, MADV_DONTNEED);   /* refused: the free gives them back */
    r->rel_off += n;
    return 1;
}

int eval_run_release(struct eval_run *r, int64_t deadline_ns)
{
    if (!r) return 1;
    for (int i = 0; i <= EVAL_MAX_THREADS; i++) eval_worker_unshare(&r->w[i]);
    for (;;) {
        struct top t = highest(r);
        if (!t.at) return 1;
        if (give_back(r, &t)) {}   /* freed once its pages are gone */
        else if (t.own) free_own(r, t.at);
        else chain_free_buf(t.ws, t.res, (const void *)t.at);
        if (deadline_ns > 0 && clock_ns() >= deadline_ns) return highest(r).at == 0;
    }
}
