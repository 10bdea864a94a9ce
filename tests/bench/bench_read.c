/* bench_read.c: the CPU a process spends to read one step of a [S, V]
 * float32 .npy and make one pass over it, by each way it could read it:
 * pread into a buffer it reuses (what sample --all, eval and sweep do:
 * source.h SOURCE_LEND_READ), or a map of the file in the ways that might
 * make a map's first touch cheaper: windows of 1, 8 or 64 steps mapped,
 * populated (MADV_POPULATE_READ, MAP_POPULATE) and unmapped; one map of
 * the whole file populated a window ahead of the reader; the same with
 * MADV_HUGEPAGE; and a mix that reads a step from the map only when its
 * pages are mapped by 2 MiB entries (the page cache holds it in PMD-sized
 * folios, which PAGEMAP_SCAN reports) and with pread otherwise.
 *
 * Why it exists: on this project's VM (a PVM guest: shadow page tables
 * kept by the host) a mapped 4 KiB page costs ~1.5-2 us at the first user
 * access of each new mapping, whoever filled the guest's page table, so
 * populating ahead saves the guest's own fault (~20-30 us a step) but not
 * the host's; only 2 MiB mappings avoid it, and those exist only where the
 * page cache happens to hold PMD-sized folios. The figures (CPU, us a
 * [131072] f32 step, /tmp/be.npy warm, s27): pread + pass 44; map windows
 * + POPULATE_READ 311 / 226 / 201 (1 / 8 / 64 steps); MAP_POPULATE 230 /
 * 199 (8 / 64); whole map touched 229, populated 64 ahead 200, with
 * MADV_HUGEPAGE 196; the mix 43.5 (461 of 2048 steps in PMD folios); on a
 * file whose cache is all PMD folios the mix ~21-27 against pread's 28.
 *
 * The dump: BENCH_FILE (default /tmp/be.npy; float32, C order, 2-D; when
 * neither exists, a synthetic [2048, 131072] dump written to /tmp and
 * removed at the end),
 * BENCH_STEPS (default all), BENCH_REPS (3; best and median), BENCH_ONLY
 * (rows whose label contains it). Warm the file first (cat f >/dev/null).
 * CPU is the thread's (CLOCK_THREAD_CPUTIME_ID: kernel and user time, the
 * scheduler's exact count); faults are minor faults a step. Figures, never
 * pass/fail; Linux only (the map rows need MADV_POPULATE_READ, 5.14, and
 * the mix PAGEMAP_SCAN, 6.7: a row the kernel refuses says so). */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "npy_write.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
/* linux/fs.h's PAGEMAP_SCAN (6.7), for older headers */
struct bench_pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
struct bench_page_region { uint64_t start, end, categories; };
#define BENCH_PAGEMAP_SCAN _IOWR('f', 16, struct bench_pm_scan_arg)
#define BENCH_PAGE_IS_HUGE (1u << 6)

#define HUGE_SZ ((size_t)2 << 20)

/* the dump: fd, where the data starts, steps and their length */
static int fd = -1;
static size_t hdr, V, S;
static volatile float sink;
static long pmd_steps; /* the mix's last run: steps read from 2 MiB mappings */
static int row_failed;

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long minflt(void)
{
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    return r.ru_minflt;
}

/* the consumer's one pass over a step: a float sum in 8 independent lanes
 * (vectorised; every byte read once, as a scan does) */
static float pass(const float *p, size_t n)
{
    float a[8] = {0}, s = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) a[j] += p[i + j];
    for (; i < n; i++) s += p[i];
    for (int j = 0; j < 8; j++) s += a[j];
    return s;
}

static size_t step_bytes(void) { return V * sizeof(float); }
static size_t step_off(size_t s) { return hdr + s * step_bytes(); }

static int read_step(float *b, size_t s)
{
    return pread(fd, b, step_bytes(), (off_t)step_off(s)) == (ssize_t)step_bytes() ? 0 : -1;
}

/* pread into one buffer, then the pass (how = 0); the reads alone (1);
 * the pass alone over one step read once (2) */
static void by_read(size_t how)
{
    float *b = malloc(step_bytes());
    if (!b || read_step(b, 0)) { row_failed = 1; free(b); return; }
    for (size_t s = 0; s < S; s++) {
        if (how != 2 && read_step(b, s)) { row_failed = 1; break; }
        if (how != 1) sink = pass(b, V);
    }
    free(b);
}

/* windows of w steps, each mapped for its own steps: touched (pop 0),
 * MADV_POPULATE_READ (1) or MAP_POPULATE (2) first; the pass; munmap */
static void by_windows(size_t w, int pop)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t s = 0; s < S && !row_failed; s += w) {
        size_t n = S - s < w ? S - s : w, lo = step_off(s), a = lo & ~(pg - 1), len = lo + n * step_bytes() - a;
        unsigned char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | (pop == 2 ? MAP_POPULATE : 0), fd, (off_t)a);
        if (m == MAP_FAILED) { row_failed = 1; break; }
        if (pop == 1 && madvise(m, len, MADV_POPULATE_READ)) row_failed = 1;
        for (size_t j = 0; j < n && !row_failed; j++)
            sink = pass((const float *)(const void *)(m + (lo - a) + j * step_bytes()), V);
        munmap(m, len);
    }
}

/* A map of the whole file at a 2 MiB-aligned address (so that the kernel
 * may map PMD-sized folios by 2 MiB entries); *res: what to unmap. */
static unsigned char *map_aligned(size_t len, size_t *res, unsigned char **base, int huge)
{
    *res = len + HUGE_SZ;
    *base = mmap(NULL, *res, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (*base == MAP_FAILED) return NULL;
    unsigned char *m = (unsigned char *)(((uintptr_t)*base + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
    if (mmap(m, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) return NULL;
    (void)madvise(m, len, MADV_SEQUENTIAL);
    if (huge && madvise(m, len, MADV_HUGEPAGE)) return NULL;
    return m;
}

/* one map of the file, populated w steps ahead of the reader (w 0: only
 * touched); huge: MADV_HUGEPAGE on it; the munmap of it all is counted */
static void by_whole_map(size_t w, int huge)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = step_off(S), res, done = 0;
    unsigned char *base, *m = map_aligned(len, &res, &base, huge);
    if (!m) { row_failed = 1; if (base != MAP_FAILED) munmap(base, res); return; }
    for (size_t s = 0; s < S && !row_failed; s++) {
        if (w && step_off(s + 1) > done) {
            size_t to = step_off(s + w < S ? s + w : S), a = done & ~(pg - 1);
            if (madvise(m + a, to - a, MADV_POPULATE_READ)) row_failed = 1;
            done = to;
        }
        sink = pass((const float *)(const void *)(m + step_off(s)), V);
    }
    munmap(base, res);
}

/* 1 in flag[c] for each 2 MiB chunk c of [m, m + n) mapped by a 2 MiB
 * entry (PAGEMAP_SCAN's PAGE_IS_HUGE); -1 when the kernel has no scan */
static int huge_chunks(int pm, unsigned char *m, size_t n, unsigned char *flag)
{
    struct bench_page_region r[64];
    struct bench_pm_scan_arg q = { .size = sizeof q, .start = (uintptr_t)m, .end = (uintptr_t)m + n,
                                   .vec = (uintptr_t)r, .vec_len = 64, .category_mask = BENCH_PAGE_IS_HUGE,
                                   .return_mask = BENCH_PAGE_IS_HUGE };
    memset(flag, 0, n / HUGE_SZ);
    long k = ioctl(pm, BENCH_PAGEMAP_SCAN, &q);
    if (k < 0) return -1;
    for (long i = 0; i < k; i++)
        for (uint64_t c = r[i].start; c < r[i].end; c += HUGE_SZ) flag[(c - (uintptr_t)m) / HUGE_SZ] = 1;
    return 0;
}

/* chunks [*done, c1] made known: one page each populated (a folio of 2
 * MiB is then mapped whole, a smaller one by its neighbours: fault-around),
 * w chunks at a time, then scanned */
static int know_chunks(int pm, unsigned char *m, size_t n_ch, size_t c1, size_t w, size_t *done, unsigned char *flag)
{
    while (*done <= c1) {
        size_t e = *done + w < n_ch ? *done + w : n_ch;
        for (size_t c = *done; c < e; c++) (void)madvise(m + c * HUGE_SZ, 4096, MADV_POPULATE_READ);
        if (huge_chunks(pm, m + *done * HUGE_SZ, (e - *done) * HUGE_SZ, flag + *done)) return -1;
        *done = e;
    }
    return 0;
}

/* the mix: MADV_HUGEPAGE map; a step read from it when every chunk it
 * spans is mapped by a 2 MiB entry, else with pread */
static void by_mix(size_t w)
{
    size_t len = step_off(S), n_ch = (len + HUGE_SZ - 1) / HUGE_SZ, res, done = 0;
    unsigned char *base, *m = map_aligned(len, &res, &base, 1);
    unsigned char *flag = calloc(n_ch, 1);
    float *b = malloc(step_bytes());
    int pm = open("/proc/self/pagemap", O_RDONLY);
    pmd_steps = 0;
    if (!m || !flag || !b || pm < 0) row_failed = 1;
    for (size_t s = 0; s < S && !row_failed; s++) {
        size_t c0 = step_off(s) / HUGE_SZ, c1 = (step_off(s + 1) - 1) / HUGE_SZ;
        int huge = 1;
        if (know_chunks(pm, m, n_ch, c1, w, &done, flag)) { row_failed = 1; break; }
        for (size_t c = c0; c <= c1; c++) huge &= flag[c];
        if (huge) pmd_steps++, sink = pass((const float *)(const void *)(m + step_off(s)), V);
        else if (read_step(b, s)) row_failed = 1;
        else sink = pass(b, V);
    }
    if (pm >= 0) close(pm);
    free(b);
    free(flag);
    if (base != MAP_FAILED) munmap(base, res);
}

/* The dump's layout from its .npy header: float32, C order, 2-D */
static int open_npy(const char *path)
{
    unsigned char h[4096];
    fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : pread(fd, h, sizeof h - 1, 0);
    if (n < 12 || memcmp(h, "\x93NUMPY", 6)) return -1;
    size_t hl = h[6] == 1 ? (size_t)(h[8] | h[9] << 8) : (size_t)(h[8] | h[9] << 8 | h[10] << 16 | (size_t)h[11] << 24);
    hdr = (h[6] == 1 ? 10 : 12) + hl;
    if (hdr > (size_t)n) return -1;
    h[hdr] = 0;
    const char *t = (const char *)h + (h[6] == 1 ? 10 : 12); /* the dict (the version bytes hold a NUL) */
    const char *d = strstr(t, "'descr':"), *sh = strstr(t, "'shape':");
    unsigned long a, b;
    if (!d || !strstr(d, "<f4") || !strstr(t, "'fortran_order': False") || !sh) return -1;
    if (sscanf(sh, "'shape': (%lu, %lu)", &a, &b) != 2 || !a || !b) return -1;
    S = a, V = b;
    return 0;
}

struct row { const char *label; void (*run)(size_t, int); size_t w; int how; };
static void r_read(size_t w, int how) { (void)w; by_read((size_t)how); }
static void r_windows(size_t w, int how) { by_windows(w, how); }
static void r_whole(size_t w, int how) { by_whole_map(w, how); }
static void r_mix(size_t w, int how) { (void)how; by_mix(w); }

static const struct row rows[] = {
    { "pread + pass (a reused buffer)", r_read, 0, 0 },
    { "  pread alone", r_read, 0, 1 },
    { "  pass alone (a step read once)", r_read, 0, 2 },
    { "map 1 step, touched, munmap", r_windows, 1, 0 },
    { "map 1 step + POPULATE_READ, munmap", r_windows, 1, 1 },
    { "map 8 steps + POPULATE_READ, munmap", r_windows, 8, 1 },
    { "map 64 steps + POPULATE_READ, munmap", r_windows, 64, 1 },
    { "map 8 steps MAP_POPULATE, munmap", r_windows, 8, 2 },
    { "map 64 steps MAP_POPULATE, munmap", r_windows, 64, 2 },
    { "whole map, touched", r_whole, 0, 0 },
    { "whole map, POPULATE_READ 1 ahead", r_whole, 1, 0 },
    { "whole map, POPULATE_READ 8 ahead", r_whole, 8, 0 },
    { "whole map, POPULATE_READ 64 ahead", r_whole, 64, 0 },
    { "whole map HUGEPAGE, POPULATE 64 ahead", r_whole, 64, 1 },
    { "mix: 2 MiB-mapped from the map, else pread", r_mix, 32, 0 },
};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* one row: best and median CPU a step over reps runs, faults a step */
static void run_row(const struct row *r, int reps)
{
    double c[16];
    long fl = 0;
    row_failed = 0;
    for (int k = 0; k < reps && !row_failed; k++) {
        double c0 = cpu_s();
        long f0 = minflt();
        r->run(r->w, r->how);
        c[k] = cpu_s() - c0;
        fl = minflt() - f0;
    }
    if (row_failed) { printf("  %-44s (the kernel refused it)\n", r->label); return; }
    qsort(c, (size_t)reps, sizeof c[0], cmp_d);
    printf("  %-44s %9.1f %9.1f %9.2f\n", r->label, c[0] / (double)S * 1e6, c[reps / 2] / (double)S * 1e6,
           (double)fl / (double)S);
    if (r->run == r_mix) printf("  %-44s (%ld of %zu steps in 2 MiB mappings)\n", "", pmd_steps, S);
    fflush(stdout);
}

int main(void)
{
    const char *file = getenv("BENCH_FILE"), *only = getenv("BENCH_ONLY"), *st = getenv("BENCH_STEPS");
    const char *rp = getenv("BENCH_REPS");
    int reps = rp && *rp ? atoi(rp) : 3;
    if (reps < 1) reps = 1;
    if (reps > 16) reps = 16;
    char tmp[64] = "";
    if ((!file || !*file) && access(file = "/tmp/be.npy", R_OK)) {
        snprintf(tmp, sizeof tmp, "/tmp/logitscope_bench_read_%ld.npy", (long)getpid());
        printf("bench_read: writing a synthetic [2048, 131072] float32 dump to %s\n", tmp);
        if (npy_write_synthetic(tmp, 2048, 131072)) {
            fprintf(stderr, "bench_read: cannot write %s\n", tmp);
            unlink(tmp);
            return 1;
        }
        file = tmp;
    }
    int bad = open_npy(file);
    if (*tmp) unlink(tmp); /* the open descriptor keeps the data until close */
    if (bad) { fprintf(stderr, "bench_read: %s: not a 2-D float32 C-order .npy\n", file); return 1; }
    if (st && *st && strtoul(st, NULL, 10) && strtoul(st, NULL, 10) < S) S = strtoul(st, NULL, 10);
    printf("bench_read: %s: %zu steps of V = %zu float32, one thread, %d runs a row\n", file, S, V, reps);
    printf("  %-44s %9s %9s %9s\n", "per step (CPU us)", "best", "median", "faults");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (!only || strstr(rows[i].label, only)) run_row(&rows[i], reps);
    close(fd);
    return 0;
}
