/* source.h: where steps come from.
 *
 * A source yields steps: a float32 logit vector over V tokens, optionally the
 * id (and text) of the token actually chosen at that step. Nothing above this
 * interface knows whether logits came from a native JSON dump, a .npy file,
 * an API response with top-N logprobs or (later) a live model.
 *
 * Ownership: source_open returns a source the caller frees with
 * source_close. source_read_step fills a caller-provided buffer of
 * vocab_size floats (no allocation per step); text pointers in step_info are
 * borrowed from the source and valid until source_close.
 *
 * Sparse sources (API outputs with top-N logprobs) set `sparse`: logits of
 * tokens not in the top-N are -inf and step_info.tail_mass holds the unknown
 * remainder 1 - sum(known p). Everything computed from them is approximate.
 *
 *   struct source *s; struct ls_error e = {0};
 *   if (source_open("dump.json", &opts, &s, &e)) ...
 *   float *z = malloc(s->vocab_size * sizeof *z);
 *   struct step_info si;
 *   source_read_step(s, 0, z, &si, &e);
 *   source_close(s);
 *
 * Inside core/input, lowest first: source.c (this object: alloc, warn,
 * read, close) < the helpers loaders share (binsrc, sparse, json_docs,
 * json_api, npy, zip, vocab) < the loaders, one file per format (loader.h)
 * < the format registry (formats.c), which implements source_open and is
 * the only caller of the loaders.
 */
#ifndef LS_SOURCE_H
#define LS_SOURCE_H

#include <stdint.h>
#include <stddef.h>
#include "base/status.h"
#include "input/vocab.h"

#define LS_MAX_VOCAB (1u << 24)          /* hard limit on V (16,777,216) */
#define LS_JSON_CAP_DEFAULT (256ull << 20) /* default size cap for JSON inputs */

struct step_info {
    int32_t token;          /* recorded (chosen) token id, -1 if none */
    const char *text;       /* recorded token text from the file, NULL if none */
    size_t text_len;
    uint32_t n_nan, n_posinf, n_neginf; /* non-finite logits in this step */
    int nonfinite_deferred; /* 1: the counts above are not made yet (a lent step:
                               the consumer's own scan finds whether any exist;
                               source_count_nonfinite makes them) */
    int sparse;             /* 1: only top-N known (logits of others are -inf) */
    uint32_t n_known;       /* sparse: number of known entries */
    double tail_mass;       /* sparse: 1 - sum of known probabilities (>= 0) */
};

struct source;

struct source_ops {
    const char *format;     /* the format's name in the registry (formats.c) */
    int (*read_step)(struct source *s, uint32_t step, float *logits,
                     struct step_info *info, struct ls_error *err);
    void (*close)(struct source *s);
};

/* How a binary step is lent (source_lend_into). SOURCE_LEND_READ: read
 * (pread) into the lend's buffer instead of pointed at in a map of the
 * file. For callers that read each step once, front to back (sample --all,
 * eval, sweep): a map's pages are new to the process at every step, and
 * their first touch is what costs on a shadow-paged VM (this project's:
 * about 2 us a 4 KiB page, 250 us a [131072] float32 step, against 45 us
 * for the copy into a buffer that stays mapped); the map pays off when
 * steps are read again (the explorer). Populating the map ahead of the
 * reader (MADV_POPULATE_READ, MAP_POPULATE, windows of 1-64 steps or the
 * whole file) does not change that: it saves the guest's own faults, not
 * the host's work at each new page's first user access (~200 us a step
 * still); only 2 MiB mappings avoid it, where the page cache happens to
 * hold PMD-sized folios (a fifth of a warm /tmp/be.npy), and reading those
 * from a map and the rest with pread costs what pread alone does
 * (tests/bench/bench_read.c has every figure). Same answers and messages
 * either way; sources that cannot lend read in both. */
enum source_lend_how { SOURCE_LEND_MAP, SOURCE_LEND_READ };

struct source {
    const struct source_ops *ops;
    void *impl;              /* loader-private state */
    char *path;              /* as given by the user (owned) */
    uint32_t n_steps;
    uint32_t vocab_size;     /* V */
    struct vocab *vocab;     /* owned; may be NULL or shorter than V */
    const char *dtype;       /* "f32", "f16", ... (static string) */
    int sparse;              /* 1 if steps hold only top-N entries */
    uint32_t top_n;          /* sparse: largest N seen */
    int post_sampling;       /* 1 if values are post-sampling probabilities */
    int has_tokens;          /* 1 if steps record the chosen token */
    int local_ids;           /* 1: ids number the file's distinct token texts (sparse
                                API outputs without ids); a vocabulary file does not apply */
    const int32_t *file_id;  /* sparse files with far-apart ids: the file's id of each
                                (compact) id, ascending; NULL: ids are the file's (source_file_id) */
    uint64_t file_size;
    /* lending a step (source_lend_step); NULL: read into lend_buf */
    /* buf: V floats for a step that is not lent (NULL: the source's) */
    int (*lend)(struct source *s, uint32_t step, float *buf, enum source_lend_how how, const float **out,
                struct step_info *info, struct ls_error *err);
    int (*lend_verify)(const struct source *s, struct ls_error *err);
    /* 1: lends by read (SOURCE_LEND_READ) of different steps into
     * different buffers may run at once on several threads (each a pread
     * at its own offset, nothing shared: binsrc's float32 and 16-bit
     * steps of 64 KiB and more in file order, halves widened in the
     * caller's buffer), and the steps record no token (info.token -1), so a caller
     * needs nothing from the read before its compute. Step workers then
     * read in their computes instead of taking turns (a [2048, 131072]
     * sample --all with llama.cpp's defaults: 46.5 us a step on one
     * worker, 30.0 on two reading at once; bench_sample). */
    int lend_concurrent;
    float *lend_buf;         /* V floats for sources that cannot lend (owned) */
    char warnings[1024];     /* newline-separated warnings from loading */
};

/* The input options, named so that a message can point at one. Core
 * messages name the thing ("tensor", "the vocabulary size"); a caller that
 * has its own words for its options (the CLI: "--tensor NAME") passes them
 * in source_opts.spelling and the messages use those instead. Core never
 * spells a command-line flag itself. The options as words: source_args.h. */
enum source_opt {
    SOPT_FORMAT, SOPT_TENSOR, SOPT_VOCAB_SIZE, SOPT_DTYPE, SOPT_JSON_CAP, SOPT_VOCAB,
    SOPT_BATCH_ROW, SOPT_N
};

struct source_opts {
    const char *format;      /* a format name (formats.h); NULL: detect from the content */
    const char *vocab_path;  /* vocabulary file to attach, NULL if none */
    const char *tensor;      /* array / tensor to show (npz, safetensors) */
    uint64_t json_cap;       /* 0: LS_JSON_CAP_DEFAULT */
    uint32_t vocab_size;     /* raw float files: V */
    const char *dtype;       /* raw float files: element type (f32, f16, bf16, f64) */
    int has_batch_row;       /* 1: batch_row picks one sequence of a [B, steps, V] array */
    uint32_t batch_row;
    const char *const *spelling; /* SOPT_N usage strings ("--tensor NAME") or NULL */
};

/* Open path: the format registry (formats.c) picks the format by name or by
 * content and calls its loader; errors start with the file name. opts may
 * be NULL (detect by content, no hints). */
int source_open(const char *path, const struct source_opts *opts,
                struct source **out, struct ls_error *err);
int source_read_step(struct source *s, uint32_t step, float *logits,
                     struct step_info *info, struct ls_error *err);
void source_close(struct source *s);
/* The step lent instead of copied: *out points at V floats (in a map of
 * the file, or in a buffer the source owns) valid until the next
 * source_lend_step on s or source_close; info as source_read_step fills it.
 * The step is read only: callers that change logits use source_read_step.
 * A lent binary step leaves its non-finite counts to the consumer
 * (info->nonfinite_deferred): its first pass over the step finds whether
 * there are any, and only then source_count_nonfinite counts them (one pass
 * over the step from memory instead of two).
 * After using the floats, source_lend_verify: LS_EREAD ("file changed while
 * reading") if the file shrank under the map meanwhile (binsrc_map.h), and
 * then whatever was computed from the step must be discarded. */
int source_lend_step(struct source *s, uint32_t step, const float **out,
                     struct step_info *info, struct ls_error *err);
/* The same, for callers that hold several steps at once (eval's step
 * workers): a step that cannot be lent is read or converted into buf (V
 * floats, the caller's) instead of the source's one buffer, so *out stays
 * valid until the caller reuses buf (a lent pointer: until source_close).
 * Calls on one source are serialised by the caller. */
int source_lend_into(struct source *s, uint32_t step, float *buf, enum source_lend_how how, const float **out,
                     struct step_info *info, struct ls_error *err);
int source_lend_verify(const struct source *s, uint32_t step, struct ls_error *err);
/* Make info's deferred non-finite counts from the step's V floats z. */
void source_count_nonfinite(const float *z, uint32_t V, struct step_info *info);
/* Prefix "step N: " unless the message starts with it already (a read
 * error from source_read_step does): a step is named once. */
void source_error_step(struct ls_error *err, uint32_t step);

/* The id the file gives token id (the same unless s->file_id is set). */
static inline int64_t source_file_id(const struct source *s, int32_t id)
{
    return s->file_id && id >= 0 && (uint32_t)id < s->vocab_size ? s->file_id[id] : id;
}

/* Append a warning line to s->warnings (truncated when full). */
void source_warn(struct source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Allocate a source with ops and path set; NULL on out of memory. */
struct source *source_alloc(const struct source_ops *ops, const char *path);

/* The caller's usage string for option `which` ("--tensor NAME"), or NULL
 * when the caller gave none (opts may be NULL). */
const char *source_opt_usage(const struct source_opts *opts, enum source_opt which);

/* Its first word ("--tensor") into buf, or `dflt` (may be NULL) when the
 * caller gave none. */
const char *source_opt_flag(const struct source_opts *opts, enum source_opt which,
                            const char *dflt, char *buf, size_t bufsz);

#endif
