/* explorer_sync.c: the workers' hand-over state (see explorer_sync.h). */
#include "explorer/explorer_sync.h"

#include <time.h>

int ex_sync_init(pthread_mutex_t *mx, pthread_cond_t *cv)
{
    pthread_condattr_t ca;   /* deadlines on the monotonic clock: a clock change moves none */
    if (pthread_condattr_init(&ca)) return -1;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int bad = pthread_mutex_init(mx, NULL) != 0;
    if (!bad && pthread_cond_init(cv, &ca)) { pthread_mutex_destroy(mx); bad = 1; }
    pthread_condattr_destroy(&ca);
    return bad ? -1 : 0;
}

int ex_sync_get(pthread_mutex_t *mx, const int *state)
{
    pthread_mutex_lock(mx);
    int s = *state;
    pthread_mutex_unlock(mx);
    return s;
}

void ex_sync_set(pthread_mutex_t *mx, pthread_cond_t *cv, int *state, int s)
{
    pthread_mutex_lock(mx);
    *state = s;
    pthread_cond_broadcast(cv);
    pthread_mutex_unlock(mx);
}

int ex_sync_wait(pthread_mutex_t *mx, pthread_cond_t *cv, const int *state, int busy, long ns)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (ns >= 0) {
        t.tv_sec += ns / 1000000000L;
        t.tv_nsec += ns % 1000000000L;
        if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
    }
    pthread_mutex_lock(mx);
    if (ns < 0) while (*state == busy) pthread_cond_wait(cv, mx);
    else while (*state == busy && pthread_cond_timedwait(cv, mx, &t) == 0) ;
    int s = *state;
    pthread_mutex_unlock(mx);
    return s;
}
