/* explorer_wake.c: the workers' wake-up pipe (see explorer_wake.h). */
#include "explorer/explorer_wake.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

static int wake_p[2] = { -1, -1 };
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;

static void wake_make(void)
{
    int p[2];
    if (pipe(p)) return;
    for (int i = 0; i < 2; i++) {
        int fl = fcntl(p[i], F_GETFL);
        fcntl(p[i], F_SETFL, (fl < 0 ? 0 : fl) | O_NONBLOCK);
        fcntl(p[i], F_SETFD, FD_CLOEXEC);   /* never inherited by a child (external evaluators) */
    }
    wake_p[0] = p[0];
    wake_p[1] = p[1];
}

int ex_wake_fd(void)
{
    pthread_once(&wake_once, wake_make);
    return wake_p[0];
}

void ex_wake_post(void)
{
    pthread_once(&wake_once, wake_make);
    if (wake_p[1] < 0) return;
    char c = 1;
    ssize_t n = write(wake_p[1], &c, 1);   /* EAGAIN: full, the loop wakes anyway */
    (void)n;
}

void ex_wake_drain(void)
{
    int fd = ex_wake_fd();
    char buf[256];
    if (fd < 0) return;
    while (read(fd, buf, sizeof buf) > 0) ;
}

void ex_wake_wait(int ms)
{
    int fd = ex_wake_fd();
    if (fd < 0) {
        struct timespec t = { 0, (ms < 0 || ms > 1 ? 1 : ms) * 1000000L };
        nanosleep(&t, NULL);
        return;
    }
    struct pollfd pf = { fd, POLLIN, 0 };
    while (poll(&pf, 1, ms) < 0 && errno == EINTR) ;
    ex_wake_drain();
}

void ex_worker_yields(void)
{
#ifdef __linux__
#ifndef SCHED_BATCH
#define SCHED_BATCH 3   /* linux/sched.h; glibc names it only with _GNU_SOURCE */
#endif
    struct sched_param sp = { 0 };
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);   /* unprivileged; failure: as before */
#endif
}
