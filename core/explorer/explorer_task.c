/* explorer_task.c: the explorer's worker shell (see explorer_task.h). */
#include "explorer/explorer_task.h"
#include "explorer/explorer_sync.h"
#include "explorer/explorer_wake.h"
#include "base/clock.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static int settled(struct ex_task *t, int cancelled)
{
    return t->settle ? t->settle(t->arg, cancelled) : EXT_DONE;
}

static void *worker(void *arg)
{
    struct ex_task *t = arg;
    ex_worker_yields();
    pthread_mutex_lock(&t->mx);
    for (;;) {
        while (t->state != EXT_QUEUED && !t->quit) pthread_cond_wait(&t->cv, &t->mx);
        if (t->state != EXT_QUEUED) break;   /* quit: a task handed over runs first */
        pthread_mutex_unlock(&t->mx);
        t->run(t->arg);
        pthread_mutex_lock(&t->mx);
        t->state = settled(t, t->cancel);
        pthread_cond_broadcast(&t->cv);
        ex_wake_post();   /* the main loop's wake-up (explorer_wake.h) */
    }
    pthread_mutex_unlock(&t->mx);
    return NULL;
}

int ex_task_init(struct ex_task *t, int threaded)
{
    *t = (struct ex_task){0};
    t->threaded = threaded;
    return ex_sync_init(&t->mx, &t->cv);
}

void ex_task_destroy(struct ex_task *t)
{
    if (t->started) {
        pthread_mutex_lock(&t->mx);
        t->quit = 1;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mx);
        pthread_join(t->th, NULL);
        t->started = 0;
    }
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mx);
}

struct ex_task *ex_task_new(void)
{
    struct ex_task *t = malloc(sizeof *t);
    if (t && ex_task_init(t, 1)) { free(t); t = NULL; }
    return t;
}

void ex_task_free(struct ex_task *t)
{
    if (!t) return;
    ex_task_destroy(t);
    free(t);
}

void ex_task_start(struct ex_task *t, void (*run)(void *arg), int (*settle)(void *arg, int cancelled), void *arg)
{
    t->run = run;   /* idle: the main thread's fields */
    t->settle = settle;
    t->arg = arg;
    if (t->threaded && !t->started) t->started = pthread_create(&t->th, NULL, worker, t) == 0;
    if (!t->started) {   /* no thread: here, nothing reads state meanwhile */
        run(arg);
        t->state = settled(t, 0);
        return;
    }
    pthread_mutex_lock(&t->mx);
    t->state = EXT_QUEUED;
    t->cancel = 0;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mx);
}

int ex_task_state(struct ex_task *t)
{
    return ex_sync_get(&t->mx, &t->state);
}

int ex_task_wait_ns(struct ex_task *t, long ns)
{
    return ex_sync_wait(&t->mx, &t->cv, &t->state, EXT_QUEUED, ns < 0 ? 0 : ns);
}

int ex_task_slice(struct ex_task *t, long left_ns, int nowait)
{
    int st = ex_task_state(t);
    if (st == EXT_QUEUED && left_ns > 0 && !nowait) st = ex_task_wait_ns(t, left_ns);
    return st;
}

int ex_task_wait(struct ex_task *t)
{
    return ex_sync_wait(&t->mx, &t->cv, &t->state, EXT_QUEUED, -1);
}

void ex_task_idle(struct ex_task *t)
{
    ex_sync_set(&t->mx, &t->cv, &t->state, EXT_IDLE);
}

int ex_task_cancel(struct ex_task *t)
{
    pthread_mutex_lock(&t->mx);
    int took = t->state == EXT_QUEUED && !t->cancel;
    if (took) t->cancel = 1;
    pthread_mutex_unlock(&t->mx);
    return took;
}

int ex_task_cancelled(struct ex_task *t)
{
    if (!t->started) return 0;   /* in place: nothing runs meanwhile */
    pthread_mutex_lock(&t->mx);
    int c = t->cancel;
    pthread_mutex_unlock(&t->mx);
    return c;
}

void ex_touch_pages(void *p, size_t bytes)
{
    volatile unsigned char *c = p;
    for (size_t i = 0; i < bytes; i += 4096) c[i] = 0;   /* 4 KiB: the smallest page there is */
    if (bytes) c[bytes - 1] = 0;
    /* and once by the kernel: where a VM keeps the kernel's view of user
     * pages apart (shadowed page tables), the first read(2) into a page
     * pays a fault of its own (about 1.5 ms per MiB here): a step read
     * with pread (binsrc.c) would pay it on the main thread */
    int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;   /* then only the first read into the buffer is slower */
    for (size_t done = 0; done < bytes;) {
        ssize_t n = read(fd, (unsigned char *)p + done, bytes - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    close(fd);
}

void ex_warm_clear(struct ex_warm *w)
{
    w->n = w->at = 0;
    w->off = 0;
}

void ex_warm_add(struct ex_warm *w, void *p, size_t bytes, int kernel)
{
    if (!p || !bytes || w->n >= EX_WARM_MAX) return;
    w->s[w->n] = (struct chain_span){ p, bytes };
    w->kernel[w->n++] = (unsigned char)kernel;
}

int ex_warm_chain(struct ex_warm *w, const struct chain *c, const struct params *p, struct chain_ws *ws,
                  struct chain_result *r)
{
    struct chain_span sp[CHAIN_SPANS_MAX];
    size_t n;
    int rc = chain_buffers(c, p, ws, r, sp, CHAIN_SPANS_MAX, &n);
    for (size_t i = 0; i < n; i++) ex_warm_add(w, sp[i].p, sp[i].bytes, 0);
    return rc;
}

int ex_warm_done(const struct ex_warm *w)
{
    return w->at >= w->n;
}

/* [p, p + n) present and touched once by user space, contents kept; fd
 * (a pipe, or -1) also carries a copy through the kernel and back */
static void warm_piece(unsigned char *p, size_t n, const int fd[2])
{
#ifdef MADV_POPULATE_WRITE
    uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, b = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (b > a) (void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);   /* refused (old kernel): faults below */
#endif
    volatile unsigned char *c = p;
    for (size_t i = 0; i < n; i = (i | 4095) + 1) c[i] = c[i];   /* the first byte and each page's */
    c[n - 1] = c[n - 1];
    if (fd[0] < 0) return;
    ssize_t put = write(fd[1], p, n);
    for (ssize_t got = 0, k; put > 0 && got < put; got += k)
        if ((k = read(fd[0], p + got, (size_t)(put - got))) <= 0) break;
}

int ex_warm_run(struct ex_warm *w, long budget_ns, struct ex_task *t)
{
    const size_t piece = 64 << 10;   /* a pipe's default capacity: one write, one read */
    const int64_t t0 = clock_ns();
    int fd[2] = { -1, -1 };
    size_t done = 0;   /* a piece's worth at least, small buffers together, whatever the budget */
    while (w->at < w->n) {
        struct chain_span *s = &w->s[w->at];
        if (w->kernel[w->at] && fd[0] < 0 && pipe(fd)) fd[0] = fd[1] = -1;
        const int none[2] = { -1, -1 };
        size_t n = s->bytes - w->off < piece ? s->bytes - w->off : piece;
        warm_piece((unsigned char *)s->p + w->off, n, w->kernel[w->at] ? fd : none);
        w->off += n;
        done += n;
        if (w->off >= s->bytes) { w->at++; w->off = 0; }
        if (done >= piece && budget_ns >= 0 && clock_ns() - t0 >= budget_ns) break;
        if (t && ex_task_cancelled(t)) break;
    }
    if (fd[0] >= 0) { close(fd[0]); close(fd[1]); }
    return ex_warm_done(w);
}
