/* clock.h: the one monotonic clock of the program (work budgets of the
 * explorer's background jobs, evaluator timeouts, benchmarks).
 *
 * Units: clock_ns in nanoseconds, clock_s in seconds; both from
 * CLOCK_MONOTONIC, so only differences mean anything. int64 nanoseconds
 * do not wrap for 292 years of uptime, so callers subtract freely. */
#ifndef LS_CLOCK_H
#define LS_CLOCK_H

#include <stdint.h>

int64_t clock_ns(void);
double clock_s(void);
/* This thread's CPU time in milliseconds (benchmarks: robust to a busy
 * machine, where the monotonic clock also counts other processes' turns). */
double clock_thread_ms(void);

#endif
