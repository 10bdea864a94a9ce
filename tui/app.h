/* app.h: the explorer application: state, key dispatch, frames.
 *
 * Owns the explorer model (core/explorer.h), the cell grid every frame is
 * laid out in, the input source and the overlay/prompt state. A frame is
 * explorer_update -> view_render -> overlay/prompt -> screen_blit ->
 * doupdate; each key is one action, whose result flags decide the frame. Sequence-wide numbers
 * are computed in slices while no key is waiting (app_run), or to the end
 * before each scripted key so test screens are deterministic. */
#ifndef LS_TUI_APP_H
#define LS_TUI_APP_H

#include "explorer/explorer.h"
#include "explorer/explorer_eval.h"
#include "explorer/explorer_live.h"
#include "explorer/explorer_dataset.h"
#include "view/grid.h"
#include "actions.h"
#include "hints.h"
#include "input.h"
#include "view/view.h"

/* Background work between keys (issue 9): a slice stops once it has used
 * WORK_SLICE_NS, after the piece under way (a step, or one sweep setting of
 * a step), so a key waits at most a slice; --bench-frames times slices with
 * the same budget. A key reads earlier steps' tokens (a history for the
 * penalties) for at most KEY_HISTORY_NS and never runs the chain on an
 * earlier step (mirostat's state): the rest is background work. */
#define WORK_SLICE_NS 1000000L
#define KEY_HISTORY_NS 500000L
/* While work goes on, its progress is drawn at most this often (a frame
 * after every 1 ms slice would cost a third of the work's time); a key's
 * frame and the frame when the work is done are never held back. */
#define BUSY_FRAME_NS 33000000L
/* While a worker runs (explorer.h async; EX_WAIT), the loop sleeps until a
 * key or the worker's wake-up (explorer_wake.h); only when no wake-up pipe
 * could be made does it look this often instead. */
#define JOB_POLL_MS 1
/* A key's job gets this long to finish before its frame is drawn without
 * it (explorer.h job_grace_ns): a small file's run is shown at once, with no
 * "computing..." flash; a V = 262144 frame stays well under 2 ms. */
#define JOB_GRACE_NS 500000L

struct app {
    struct explorer ex;
    struct explorer_eval ev;     /* evaluators, sweep, diff, draws (issue 5) */
    struct ex_live live;         /* --model: live generation (issue 10); model NULL: off */
    struct ex_dataset ds;        /* --dataset: the dataset table (issue 13); on 0: off */
    struct grid g;
    struct view_layout L;
    struct input *in;
    const struct action_table *keys;  /* the actions and their keys (actions_builtin) */
    struct hints_cache hints;    /* the status line's key hints of the last frame */
    int help, help_scroll;
    int quit;
    int null_screen;
    int64_t frame_ns;            /* clock_ns of the last frame */
    unsigned redraw_owed;        /* EX_REDRAW held back by BUSY_FRAME_NS */
    int test_hooks;
};

void app_init(struct app *a);
void app_free(struct app *a);
/* One key: action, prompt or overlay. Returns what it changed (enum
 * ex_effect flags, explorer.h); the loop draws a frame on EX_REDRAW. */
unsigned app_key(struct app *a, int key);
/* Lay out and draw everything; one doupdate. */
void app_frame(struct app *a);
/* The explorer binary's entry (argv without the program's commands). */
int app_main(int argc, char **argv);
/* --bench-frames: key-to-frame timing at V = 262144 (bench.c). */
int bench_frames(int argc, char **argv);

#endif
