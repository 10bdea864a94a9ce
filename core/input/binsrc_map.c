/* binsrc_map.c: the SIGBUS-guarded read-only map (see binsrc_map.h). */
#include "input/binsrc_map.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct slot {
    atomic_uintptr_t lo, hi;  /* [lo, hi) mapped; lo == 0: free */
    atomic_int used;          /* claimed (lo may not be set yet) */
    atomic_int faulted;
};
static struct slot slots[BMAP_SLOTS];
static struct sigaction old_bus;
static atomic_uintptr_t page_size;

/* A fault inside a registered map: a page of zeros over the faulting page
 * (mmap is a plain system call here, safe in a handler on Linux), and the
 * map marked. Outside: the previous disposition takes the re-fault. */
static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    uintptr_t a = (uintptr_t)si->si_addr, pg = atomic_load(&page_size);
    for (int i = 0; i < BMAP_SLOTS; i++) {
        uintptr_t lo = atomic_load(&slots[i].lo), hi = atomic_load(&slots[i].hi);
        if (!lo || a < lo || a >= hi) continue;
        void *at = (void *)(a & ~(pg - 1));
        if (mmap(at, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) break;
        atomic_store(&slots[i].faulted, 1);
        return;
    }
    sigaction(SIGBUS, &old_bus, NULL);
}

/* Ours unless someone replaced it since (a test harness, a terminal's
 * fatal-signal handler): then ours again, chaining to theirs. */
static int install(void)
{
    struct sigaction cur;
    if (sigaction(SIGBUS, NULL, &cur)) return -1;
    if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_bus) return 0;
    long pg = sysconf(_SC_PAGESIZE);
    atomic_store(&page_size, (uintptr_t)(pg > 0 ? pg : 4096));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGBUS, &sa, &old_bus) ? -1 : 0;
}

static int claim(void)
{
    for (int i = 0; i < BMAP_SLOTS; i++) {
        int expect = 0;
        if (atomic_compare_exchange_strong(&slots[i].used, &expect, 1)) return i;
    }
    return -1;
}

int bmap_open(int fd, uint64_t size, struct bmap *m)
{
    m->p = NULL;
    m->len = 0;
    m->slot = -1;
    if (size == 0 || size > (uint64_t)SIZE_MAX || install()) return -1;
    int s = claim();
    if (s < 0) return -1;
    void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { atomic_store(&slots[s].used, 0); return -1; }
    /* steps are read front to back: aggressive read-ahead, pages dropped behind */
    (void)madvise(p, (size_t)size, MADV_SEQUENTIAL);
    atomic_store(&slots[s].faulted, 0);
    atomic_store(&slots[s].hi, (uintptr_t)p + (size_t)size);
    atomic_store(&slots[s].lo, (uintptr_t)p);
    m->p = p;
    m->len = (size_t)size;
    m->slot = s;
    return 0;
}

void bmap_close(struct bmap *m)
{
    if (!m->p) return;
    struct slot *sl = &slots[m->slot];
    atomic_store(&sl->lo, 0);
    atomic_store(&sl->hi, 0);
    munmap((void *)(uintptr_t)m->p, m->len);
    atomic_store(&sl->used, 0);
    m->p = NULL;
    m->len = 0;
    m->slot = -1;
}

int bmap_faulted(const struct bmap *m)
{
    return m->p && m->slot >= 0 && atomic_load(&slots[m->slot].faulted);
}
