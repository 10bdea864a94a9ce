/* binsrc_map.h: a read-only map of a logit file that survives the file
 * shrinking under us (binsrc.h lends steps out of it).
 *
 * Why a map: a step lent from the page cache costs no copy (a pread of a
 * 512 KiB step is a third of a chain step's time). Why a guard: a mapped
 * page past a new end of file raises SIGBUS on access, and the access may
 * be anywhere (the chain reads the lent step long after binsrc handed it
 * out), so a sigsetjmp around binsrc's own code could not cover it.
 *
 * The policy, in two parts:
 *  - before a step is lent, fstat checks that the file still holds it
 *    (binsrc.c): the usual case, a file cut between two steps, is a clear
 *    "file changed while reading" error and nothing is touched;
 *  - a process-wide SIGBUS handler (installed with each map unless it is
 *    in place: a test harness or a terminal's fatal-signal handler may have
 *    replaced it; faults outside our maps go to the disposition it replaced) replaces the
 *    faulting page of a registered map with a page of zeros (MAP_FIXED,
 *    read-only) and marks the map; the access resumes, and the reader asks
 *    bmap_faulted after using the step and reports the same error instead
 *    of anything computed from it. No crash, one line naming the file.
 * Inputs are never written: PROT_READ, MAP_PRIVATE.
 *
 * Units: bytes. At most BMAP_SLOTS maps at a time (more: bmap_open fails and
 * the caller reads with pread instead). Thread-safe: slots are atomics. */
#ifndef LS_BINSRC_MAP_H
#define LS_BINSRC_MAP_H

#include <stddef.h>
#include <stdint.h>
#include "base/status.h"

#define BMAP_SLOTS 64

struct bmap {
    const unsigned char *p;  /* the file's bytes [0, len) */
    size_t len;
    int slot;                /* registry slot, -1 if none */
};

/* Map bytes [0, size) of fd read-only with sequential read-ahead; -1 (and
 * m->p NULL) when the map cannot be made: the caller reads instead. */
int bmap_open(int fd, uint64_t size, struct bmap *m);
void bmap_close(struct bmap *m);
/* 1 once a SIGBUS hit the map (the file shrank under it; the pages past
 * its end now read as zeros). */
int bmap_faulted(const struct bmap *m);

#endif
