/* note.c: chain_note, the one way stages add a note to a result (see
 * chain.h). Below every stage and the run loops, so that stages that
 * explain themselves (the vLLM clamp, XTC's draw, mirostat's mu) call
 * nothing above them. */
#include "sampling/chain.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void chain_note(struct chain_result *r, const char *fmt, ...)
{
    size_t o = strlen(r->note);
    if (o + 3 >= sizeof r->note) return;
    if (o) { memcpy(r->note + o, "; ", 3); o += 2; }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->note + o, sizeof r->note - o, fmt, ap);
    va_end(ap);
}
