/* explorer_task.c: the explorer's worker shell (see explorer_task.h). */
#include "explorer/explorer_task.h"
#include "explorer/explorer_sync.h"
#include "explorer/explorer_wake.h"

#include <fcntl.h>
#include <stdlib.h>
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
