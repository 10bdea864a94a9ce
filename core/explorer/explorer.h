/* explorer.h: the explorer's state model, headless.
 *
 * Owns everything the explorer shows, computed without any terminal: the
 * open source, the current step, chain, parameters and seed, the focused
 * parameter and panel, the chain result of the current step, the per-step
 * caches (raw top-N order and the recorded token's rank do not depend on
 * the parameters), the samples panel (N draws with the seed: the first N
 * of the 10,000 behind the empirical frequencies, one stream), the token
 * details of one token (report/token_detail.h), the scores panel rows, and the
 * sequence-wide numbers (probability of every recorded token under the
 * current settings, perplexity, cut share) cached per setting.
 *
 * Who writes what (ncdu's dir.h model; everyone may read everything):
 *   source and shape    src, V, n_steps: explorer_open / _set_source only.
 *   settings            chain, params, seed, step: the setters and actions
 *                       below (explorer.c); commands (explorer_cmd.c) go
 *                       through them.
 *   UI state            focus_param, focus_panel, scale, dist_sel,
 *                       dist_scroll, n_draws, detail_id: the actions below. The TUI
 *                       never assigns a field: it calls an action and acts
 *                       on the flags it returns.
 *   derived, per step   logits .. samples, marks, strip_*: explorer_update only (from the
 *                       settings; `stale` says what it must redo).
 *   derived, sequence   seq[], seq_cur, seq_clock, w*: explorer_work only
 *                       (background slices; explorer_update reads them);
 *                       rec_tok: explorer_work and explorer_update, each
 *                       recording the token of a step it read.
 *   scores              explorer_update / _work fill the built-in rows,
 *                       explorer_eval_update (explorer_eval.h) appends its own.
 *   msg, msg_error      explorer_message: actions, commands, background
 *                       work; the TUI clears msg[0] on the next key.
 * What invalidates what: a new source resets everything derived; step,
 * chain or params make the step's chain result stale (EX_RECOMPUTE), which
 * also makes the draws stale; seed or draw count make only the draws stale
 * (EX_RESAMPLE); chain or params select another sequence cache slot; UI
 * state invalidates nothing but the screen (EX_REDRAW).
 *
 * Result flags (htop's Action flags): every action returns what it changed
 * as enum ex_effect bits and records in `stale` what explorer_update must
 * redo, so the model is right whoever calls update. The caller ORs the
 * flags of a key and acts once (tui/app.c: a frame on EX_REDRAW, a full
 * repaint on EX_RESIZE, the end on EX_QUIT); background work returns
 * EX_REDRAW when it made visible progress and EX_BUSY while work remains.
 *
 * Cost model: a keypress calls one action and then explorer_update(),
 * which runs the chain on the current step only (O(V)), rebuilds the
 * samples from a CDF over the survivors (binary search per draw) and never
 * touches other steps (with a bounded replay_budget_ns, the terminal's: the
 * history of penalties, DRY and mirostat is then background work, and the
 * step is shown with what is known until it arrives). The chain run itself
 * goes to a worker thread (explorer_job.h; the terminal's explorer does not
 * wait for it: `async`). Sequence-wide numbers are computed by
 * explorer_work(), one slice (a time budget) at a time, between keys; the
 * last EX_SEQ_CACHE settings are kept so toggling back is instant. In the
 * terminal's explorer every chain run of that work is a worker's too (the
 * history, the sequence numbers, explorer_eval.h's evaluators and sweep):
 * the main thread's slices only read steps, which stay on it (the source
 * is not shared), and hand copies over.
 *
 * Memory: explorer_open allocates the V-sized buffers; actions, update,
 * work and the views allocate nothing. Strings in ex->msg are raw: the
 * views pass them through the display transform.
 *
 *   struct explorer ex; explorer_init(&ex);
 *   if (explorer_open(&ex, "dump.json", &err)) ...
 *   unsigned fl = explorer_adjust(&ex, +1, 0); // focused parameter one fine step up
 *   explorer_update(&ex);              // current step re-run (fl & EX_RECOMPUTE)
 *   while (explorer_work(&ex, 2000000)) ;  // sequence numbers, 2 ms slices
 *   explorer_free(&ex);
 */
#ifndef LS_EXPLORER_H
#define LS_EXPLORER_H

#include <stdint.h>
#include "sampling/chain.h"
#include "sampling/params_table.h"
#include "base/rng.h"
#include "eval/eval_ppl.h"
#include "explorer/explorer_task.h"
#include "explorer/score_rows.h"
#include "input/replay.h"
#include "input/source.h"
#include "report/token_detail.h"
#include "base/status.h"

/* The focusable fields of the parameter bar: 0 .. PARAM__COUNT - 1 are the
 * parameter table's entries (enum param_id, sampling/params_table.h), in
 * table order, so a parameter added there is focusable with no edit here;
 * the chain and the seed follow. */
enum ex_param { EXP_CHAIN = PARAM__COUNT, EXP_SEED, EXP__COUNT };
enum ex_scale { SCALE_PROB = 0, SCALE_LOGPROB, SCALE_LOGIT, SCALE__COUNT };
enum ex_panel { PANEL_PARAMS = 0, PANEL_DIST, PANEL_SEQ, PANEL_SAMPLES, PANEL__COUNT };

#define EX_TOP_MAX 512        /* tokens in the distribution list (raw order) */
#define EX_DRAWS_DEFAULT 8
#define EX_DRAWS_MAX 64
#define EX_EMP_DRAWS 10000    /* draws behind the empirical frequencies */
#define EX_SAMPLE_ROWS 16
#define EX_SEQ_CACHE 4

struct ex_job;   /* explorer_job.h */

/* What an action or a slice of work changed (see the header comment). */
enum ex_effect {
    EX_NONE = 0,
    EX_REDRAW = 0x01,                    /* something on screen changed: draw a frame */
    EX_RESAMPLE = 0x02 | EX_REDRAW,      /* the draws: seed or count */
    EX_RECOMPUTE = 0x04 | EX_RESAMPLE,   /* the step's chain result: step, chain, params */
    EX_RESIZE = 0x08 | EX_REDRAW,        /* layout or terminal disturbed: repaint every cell */
    EX_BUSY = 0x10,                      /* background work remains */
    EX_QUIT = 0x20,                      /* end the session */
    EX_WAIT = 0x40,                      /* with EX_BUSY: what is left runs on a worker now;
                                            nothing to do here until it wakes the loop
                                            (explorer_wake.h) */
};

/* Sequence-wide numbers under one setting (chain + params). */
struct ex_seq {
    int used;
    struct chain chain;
    struct params params;
    uint64_t stamp;          /* LRU */
    uint32_t done;           /* steps computed, in order */
    float *p;                /* n_steps: final p of the recorded token; -1 none */
    uint8_t *state;          /* n_steps: SEQ_* */
    struct eval_ppl ppl;     /* perplexity sums: eval's own (eval_ppl.h) */
    uint32_t n_err;
    /* the stages' history and carried state along the recorded tokens of
     * steps [0, done): rec_hist[0 .. n_hist), mirostat's mu */
    uint32_t n_hist;
    double mu;
    int mu_set;
    int warmed;              /* no thread: the w* buffers for this setting's runs are faulted in */
};
enum { SEQ_KEPT = 0, SEQ_CUT = 1, SEQ_NOTOKEN = 2, SEQ_ERROR = 3, SEQ_UNKNOWN = 4 /* p unknown: top-N, not listed */ };

struct ex_samples {
    uint32_t n;                        /* draws shown */
    int32_t draw[EX_DRAWS_MAX];
    uint32_t n_rows;                   /* distinct drawn tokens */
    int32_t row_id[EX_SAMPLE_ROWS];
    uint32_t row_drawn[EX_SAMPLE_ROWS];/* among the n draws */
    uint32_t row_emp[EX_SAMPLE_ROWS];  /* among EX_EMP_DRAWS draws */
    uint32_t emp_n;
};

/* A stage's threshold on the distribution panel (explorer_marks.c): the
 * stage at chain position `stage` kept rows [0, row) of the raw order (of
 * the tokens it received), and cut from row `row` on. Only stages that cut
 * something, and whose kept set is such a prefix, get a mark (the stages
 * here all cut in the order logit desc, id asc, which is the raw order).
 * Probabilities are of the stage's input: the tokens it received,
 * renormalised, after any temperature applied before it. */
struct ex_mark {
    int stage;          /* position in the chain */
    uint32_t row;       /* first row (0-based, raw order) the stage cut */
    double value;       /* the stage's parameter value */
    double mass_kept;   /* input mass the stage kept (top-p: the crossing) */
    double p_min;       /* min-p's cut-off p_min * p_max of its input, else -1 */
};

struct explorer {
    struct source *src;              /* owned */
    uint32_t V, n_steps;
    uint32_t step;
    struct chain chain;
    struct params params;
    uint64_t seed;
    int focus_param;                 /* enum ex_param */
    int focus_panel;                 /* enum ex_panel */
    int scale;                       /* enum ex_scale */
    uint32_t dist_sel, dist_scroll;  /* selected row / first row shown */
    uint32_t n_draws;                /* samples shown (default 8) */

    /* current step: the result shown (the "front"; explorer_job.h computes
     * the next one in its own buffers and explorer_update swaps it in) */
    float *logits;                   /* V */
    struct step_info info;
    int step_loaded;                 /* logits/info hold `loaded_step` */
    uint32_t loaded_step;
    struct chain_ws ws;              /* the history replay's (input/replay.h) */
    struct chain_result res;
    int64_t res_step;                /* step whose raw softmax res holds, -1 none */
    int res_ok;                      /* 0: res is stale or the step failed */
    uint64_t res_gen;                /* counts the results swapped into res: a cache
                                        of something computed from res keys on it */
    unsigned stale;                  /* EX_RECOMPUTE / EX_RESAMPLE bits update must redo */
    struct ls_error step_err;        /* why the step failed */
    int32_t top[EX_TOP_MAX];         /* ids by p_raw descending (per step) */
    uint32_t n_top;
    uint32_t rec_rank;               /* recorded token's raw rank, 0 none */
    struct ex_samples samples;
    /* The chain run behind a key (explorer_job.h): on a worker thread when
     * `threaded`; `async`: explorer_update does not wait for it, the frame
     * shows the previous result with a "computing..." row until a later
     * update swaps the new one in (explorer_result_pending). Not async (the
     * default, scripts, tests, outputs): every update waits, so what is
     * shown never depends on thread timing. A newer request supersedes a
     * job under way: its result is dropped. */
    struct ex_job *job;              /* owned; NULL before a source */
    struct ex_job *job2;             /* threaded: a second key job, so that an async
                                        explorer's newer key starts at once while the run
                                        it superseded stops or finishes (dropped), owned */
    struct ex_job *res_job;          /* the job that computed res (a rerun pairs a raw
                                        softmax with the chain_ws of its own run) */
    double *cdf;                     /* V: the samples' CDF when only they are redone */
    struct ex_job *sjob;             /* threaded: the sequence numbers' chain runs
                                        (explorer_work, async only), owned */
    struct ex_job *hjob;             /* threaded: the history's chain runs (mirostat's
                                        carried state; explorer_work, async only), owned */
    int threaded, async;
    int slice_nowait;                /* a background slice never sleeps for a worker: it
                                        returns EX_BUSY | EX_WAIT and the caller sleeps
                                        until the wake-up (explorer_wake.h; the terminal's
                                        loop). 0: it waits at most its budget */
    long job_grace_ns;               /* async: a job gets this long to finish before
                                        the frame is drawn without it (0: none), when
                                        the last one (job_last_ns) took less */
    int64_t job_last_ns;
    uint64_t req_gen;                /* the newest request (a job's is its gen) */
    uint64_t n_dropped;              /* superseded results never shown */
    /* thresholds and the strip's distribution (explorer_marks.c) */
    struct ex_mark marks[CHAIN_MAX_STAGES];
    int n_marks;
    int strip_stage;                 /* chain position whose input the strip shows, -1 raw */
    double strip_p[EX_TOP_MAX];      /* p of top[k] in that distribution */

    /* sequence-wide, cached per setting */
    struct ex_seq seq[EX_SEQ_CACHE];
    int seq_cur;                     /* slot for the current setting, -1 none */
    uint64_t seq_clock;
    int32_t *rec_tok;                /* n_steps: recorded token per step, found by
                                        the sequence work; -2 not read yet, -1 none */
    float *wlogits;                  /* worker buffers (V) */
    struct chain_ws wws;
    struct chain_result wres;
    struct ex_warm wwarm;            /* no thread (scripts): the w* buffers a setting's
                                        runs write, faulted in a piece per slice before
                                        its first step (explorer_bg.c) */
    int wwarm_slot;                  /* the seq[] slot wwarm lists the buffers for */
    /* threaded: the front result's buffers faulted in by the main thread a
     * piece per slice (a later run writes them once they are swapped into
     * a job), listed for the result res_gen counted (explorer_bg.c) */
    struct ex_warm fwarm;
    uint64_t fwarm_gen;
    int fwarm_state;                 /* 0 none, 1 under way, 2 done */
    int32_t *rec_hist;               /* n_steps: the recorded tokens in step order, those
                                        that exist (every slot writes the same values) */
    /* the current step's history and carried state (input/replay.h), and
     * DRY's breakers over the vocabulary (built on first use) */
    struct replay rp;
    /* Bounded history (issue 9): the replay above goes forward a step at a
     * time. A key (explorer_update) spends at most replay_budget_ns on it
     * (< 0: no bound, the default: the result is always complete) and
     * never runs the chain on an earlier step when the budget is bounded;
     * what is left is explorer_work's, a step per piece, in its slices.
     * Until then the current step is shown as computed with the state the
     * replay reached (hist_done of hist_total steps) and hist_pending says
     * so (a scores row); when the replay arrives, the step is recomputed.
     * The replay runs earlier steps on ws only: the current step runs on
     * the job's own chain_ws, whose raw softmax a rerun reuses. */
    long replay_budget_ns;
    int hist_pending;
    int hist_failed;                 /* the background met an error: the next update
                                        goes on without a bound, meets it and says so */
    uint32_t hist_done, hist_total;
    struct dry_breakers *breakers;
    int breakers_built;
    const char *const *dry_breaker_strs;  /* the breaker strings (borrowed); NULL: llama.cpp's defaults */
    int n_dry_breaker_strs;

    /* the non-finite policy (input/nonfinite.h): NaN/+inf logits make a
     * step fail, as in `show` and `eval`, unless allowed (then masked) */
    int allow_nonfinite;
    const char *nonfinite_hint;      /* the front end's words for the switch */

    /* Whoever reads the open source from another thread (explorer_eval.c's
     * worker) registers this: called before the source is closed or
     * replaced, it returns once nothing reads it; NULL: none */
    void (*src_quiesce)(void *ctx);
    void *src_quiesce_ctx;

    struct score_rows scores;
    /* token details (overlay): the token shown, -1 none (UI state, set by
     * explorer_show_token); its document, kept current by explorer_update */
    int32_t detail_id;
    struct token_detail detail;
    int detail_ok;
    int32_t detail_for;     /* the id `detail` was computed for (-1: none, or stale) */
    char msg[LS_ERROR_MAX + 128];    /* status message (raw text): room for a whole error */
    int msg_error;
    char other_path[1024];           /* the comparison's file (:compare): outputs never replace it */
    char vocab_path[1024];           /* the vocabulary file the source was opened with (--vocab):
                                        outputs never replace it either; "" none */
    char dump_path[1024];            /* EXC_DUMP: the file :dump-screen named */
    int dump_force;                  /* EXC_DUMP: typed as dump-screen! */
};

void explorer_init(struct explorer *ex);
void explorer_free(struct explorer *ex);

/* Open a file (source_open, default options). On failure the previous
 * source stays and err says why. Parameters, chain and seed are kept. */
int explorer_open(struct explorer *ex, const char *path, struct ls_error *err);
/* The same with loader options (--vocab, --format, ...; NULL = defaults). */
int explorer_open_with(struct explorer *ex, const char *path, const struct source_opts *opts,
                       struct ls_error *err);
/* Take ownership of an already open source (benchmarks, tests). */
int explorer_set_source(struct explorer *ex, struct source *s, struct ls_error *err);

/* Read a step under the non-finite policy (every reader of the explorer's
 * source goes through here): source_read_step, then NaN/+inf are an error
 * unless ex->allow_nonfinite. */
int explorer_read_step(const struct explorer *ex, uint32_t step, float *z, struct step_info *info,
                       struct ls_error *err);

/* Bring the current step's numbers up to date (cheap when nothing changed). */
void explorer_update(struct explorer *ex);
/* The same with the current step's whole history, whatever
 * replay_budget_ns says (outputs such as :export need the final numbers). */
void explorer_update_whole(struct explorer *ex);
/* A newer result than the one shown is requested or being computed (an
 * async explorer's key): the caller draws again when it arrives. */
int explorer_result_pending(const struct explorer *ex);
/* A job has finished and waits to be swapped in: explorer_update does it. */
int explorer_result_ready(const struct explorer *ex);
/* One slice of sequence-wide work, at most about budget_ns of CPU time
 * (always at least one step). Returns EX_REDRAW | EX_BUSY while work
 * remains, EX_REDRAW for the last slice, 0 when there was nothing to do.
 * While a key's result is under way (async), the slice only waits for it.
 * A threaded, async explorer runs the chains on workers: the history's
 * (mirostat's carried state: hjob) and the sequence numbers' (sjob); the
 * slice reads steps, hands them over, accepts and scores the results in
 * step order, and waits (asleep) at most budget_ns for a run under way,
 * or not at all with slice_nowait; EX_BUSY | EX_WAIT then says that only
 * a worker has something to do until it posts the wake-up
 * (explorer_wake.h). The numbers are the same in every mode. */
unsigned explorer_work(struct explorer *ex, long budget_ns);
/* The sequence numbers for the current setting, NULL if none yet. */
const struct ex_seq *explorer_seq(const struct explorer *ex);

/* Actions: each returns its enum ex_effect flags (EX_NONE when nothing
 * changed) and marks what explorer_update must redo. */
unsigned explorer_focus_param(struct explorer *ex, int delta);
unsigned explorer_focus_panel(struct explorer *ex, int delta);
/* Focus a panel (enum ex_panel) and, with PANEL_PARAMS, parameter p (else -1). */
unsigned explorer_focus(struct explorer *ex, int panel, int p);
/* Adjust the focused parameter one step; coarse for a bigger step. */
unsigned explorer_adjust(struct explorer *ex, int dir, int coarse);
/* Turn the focused parameter off (its neutral value). */
unsigned explorer_param_off(struct explorer *ex);
unsigned explorer_set_step(struct explorer *ex, int64_t step);
unsigned explorer_move_step(struct explorer *ex, int64_t delta);
unsigned explorer_chain_cycle(struct explorer *ex);
unsigned explorer_new_seed(struct explorer *ex);
unsigned explorer_scale_cycle(struct explorer *ex);
unsigned explorer_set_scale(struct explorer *ex, int scale);
/* Draws shown in the samples panel, 1..EX_DRAWS_MAX (else unchanged, EX_NONE). */
unsigned explorer_set_draws(struct explorer *ex, int64_t n);
unsigned explorer_select_row(struct explorer *ex, int64_t row);
unsigned explorer_move_row(struct explorer *ex, int64_t delta);
/* Show the token details of id (any step: they follow the step and the
 * settings) / hide them; EX_NONE when nothing changed. */
unsigned explorer_show_token(struct explorer *ex, int64_t id);
unsigned explorer_hide_token(struct explorer *ex);
/* A page of the token list (rows shown) down (dir 1) or up (-1): the first
 * row shown and the selection move by a page together. */
unsigned explorer_page_rows(struct explorer *ex, int dir, int rows);
/* The first row the token list shows with `rows` rows: dist_scroll, moved
 * just enough to keep dist_sel in view (the distribution panel's rule). */
uint32_t explorer_dist_first(const struct explorer *ex, int rows);
/* Set params/chain (validated; message on error): LS_OK or LS_EUSAGE.
 * They make the step's result stale (EX_RECOMPUTE) like the actions. */
int explorer_set_params(struct explorer *ex, const struct params *p);
int explorer_set_chain(struct explorer *ex, const struct chain *c);
unsigned explorer_set_seed(struct explorer *ex, uint64_t seed);

/* Parameters and the chain (explorer_params.c: queries; editing:
 * explorer_chain_edit.c), from the parameter and
 * stage tables. p is a parameter field (enum param_id).
 *   state   EXPS_IN_CHAIN: its stage runs; EXPS_ABSENT: it has a stage
 *           that is not in the chain, so the value has no effect (the bar
 *           dims it, and setting it says so); EXPS_NO_STAGE: a parameter no
 *           single stage owns (never dimmed).
 *   editing the chain works on the focused parameter's stage: add puts it
 *           where the stage table's order places it among the stages
 *           present, remove takes it out (never the last one), move swaps
 *           it with its neighbour. The result is a custom chain, as
 *           `:chain LIST` with that order. Each says what it did in msg. */
enum { EXPS_NO_STAGE = 0, EXPS_IN_CHAIN, EXPS_ABSENT };
int explorer_param_stage(int p, enum stage_kind *k);
/* The parameter a stage reads (enum param_id), -1 if none. */
int explorer_stage_param(enum stage_kind k);
/* Position of stage k in the current chain, -1 if absent. */
int explorer_chain_pos(const struct explorer *ex, enum stage_kind k);
int explorer_param_state(const struct explorer *ex, int p);
/* The value as the bar shows it: "off", "40", "0.90", "0.0003". */
void explorer_param_text(const struct explorer *ex, int p, char *buf, size_t bufsz);
/* "not in the chain (custom k>T>p): no effect" for an absent stage, else "". */
void explorer_param_note(const struct explorer *ex, int p, char *buf, size_t bufsz);
/* The value one fine or coarse step up (dir > 0) or down, clamped to range. */
double explorer_param_stepped(const struct explorer *ex, int p, int dir, int coarse);
unsigned explorer_chain_add(struct explorer *ex);
unsigned explorer_chain_remove(struct explorer *ex);
unsigned explorer_chain_move(struct explorer *ex, int dir);

/* Recompute marks[] and strip_p[] from the current result (explorer_update
 * calls it; O(V)). The strip shows the input of the chain's first active
 * top-p stage (the distribution its mass test runs on), else the raw one. */
void explorer_marks_update(struct explorer *ex);

/* Status message (printf-style; error=1 draws it in the error role). */
void explorer_message(struct explorer *ex, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Clear the message (a key was pressed): EX_REDRAW if there was one. */
unsigned explorer_message_clear(struct explorer *ex);

/* Commands typed on the ':' line (explorer_cmd.c). */
enum ex_cmd_result { EXC_OK = 0, EXC_ERROR, EXC_QUIT, EXC_HELP, EXC_UNKNOWN, EXC_DUMP };
/* EXC_DUMP: :dump-screen FILE (or dump-screen! FILE) was typed; the screen
 * is the front end's, so it writes ex->dump_path (with ex->dump_force)
 * through explorer_write_file. */
/* Run one command line; the outcome is in ex->msg. EXC_UNKNOWN leaves the
 * line to the caller (the TUI's own commands). */
int explorer_command(struct explorer *ex, const char *line);
/* THE command table: one row per ':' command, the only list behind Tab
 * completion of command names, the help overlay's command list, the
 * unknown-command message and README's command table (`logitscope
 * --help-commands`). The views' commands (explorer_eval.c) are rows here
 * too and run there; a unit test checks that one of the two dispatchers
 * knows every row. Terminated by a row with name NULL. */
struct ex_command_info {
    const char *name;
    const char *aliases;             /* space separated, "" for none */
    const char *args;                /* what follows the name, "" for none */
    const char *help;                /* one line */
};
extern const struct ex_command_info explorer_commands[];
/* Completion vocabularies of arguments: NULL-terminated lists. */
extern const char *const explorer_param_names[];
extern const char *const explorer_chain_names[];
/* Which list completes argument `argi` (>= 1; command names come from
 * explorer_commands) of a line starting with command `cmd`: returns a
 * list, or NULL with *files = 1 for file names. */
const char *const *explorer_completions(const char *cmd, int argi, int *files);
/* Write the current step's distribution as `show --json --top all`
 * (report.h schema) to path, atomically, by explorer_write_file's rules. */
int explorer_export(struct explorer *ex, const char *path, long top, int force, struct ls_error *err);
/* Write an output file the user named with command `cmd` (export,
 * dump-screen): atomically; never onto the open file (device and inode,
 * links resolved), never onto an existing file unless force (the `cmd!`
 * form), keeping a replaced file's mode; new files get the umask. The
 * open files are the source, the comparison's file and the vocabulary
 * file (vocab_path). The
 * message names the path and, for an existing file, the `:cmd! FILE` form. */
int explorer_write_file(struct explorer *ex, const char *cmd, const char *path, const void *data,
                        size_t len, int force, struct ls_error *err);

/* Names for display. */
const char *explorer_param_name(int p);
const char *explorer_scale_name(int s);

/* Token text of id for display (raw bytes, or "<id N>" in buf); *known = 0
 * when it is the "<id N>" spelling (no text). */
const char *explorer_token_known(const struct explorer *ex, int32_t id, char *buf, size_t bufsz, size_t *len,
                                 int *known);

#endif
