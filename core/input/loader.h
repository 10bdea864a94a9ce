/* loader.h: the contract between the format registry (formats.c) and the
 * loaders, one file per format. Private to core/input.
 *
 * A format is a row of the registry: a name, a detector (sniff) and an
 * opener (open), plus the read_step/close its sources carry. The registry
 * is the only caller of the openers; a loader never calls the registry
 * back: it builds its source with the helpers below it (source.c, binsrc.c,
 * sparse.c, json_api.c, json_docs.c).
 *
 * Detection runs in stages (enum input_stage): first the head of the file
 * (binary signatures); when none matches the file is JSON, and the text
 * stage looks at the whole text (a native dump is recognised before
 * parsing, because it needs its own NaN/Infinity handling); last, once the
 * text is parsed into response objects, the item stage looks at each
 * response in file order. Within a stage the registry tries its rows in
 * table order: the first detector that says yes wins. */
#ifndef LS_LOADER_H
#define LS_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "input/source.h"

struct cJSON;
struct json_docs;

enum input_stage {
    IN_BYTES,   /* a binary file: sniff the head, open by path */
    IN_TEXT,    /* a whole JSON text: sniff and open the text (native) */
    IN_ITEMS    /* JSON response objects: sniff one, open the list (API outputs) */
};

/* What a detector may look at. Binary stage: head/size; text stage: also
 * text; item stage: also item (one response object). */
struct input_probe {
    const unsigned char *head;  /* first bytes of the file */
    size_t head_len;
    uint64_t size;              /* file size */
    const char *text;           /* JSON stages: the file's text, NUL-terminated */
    size_t text_len;
    const struct cJSON *item;   /* item stage: the response object; NULL before */
};

/* What an opener gets. */
struct input_job {
    const char *path;
    const struct source_opts *opts;       /* never NULL */
    const struct source_ops *ops;         /* the row's ops: name, read_step, close */
    char *text;                           /* IN_TEXT: the file's text (may be modified) */
    size_t text_len;
    struct json_docs *docs;               /* IN_ITEMS: the response objects (json_docs_item) */
    size_t n_items;
};

/* The head starts with the n bytes of magic (binary signatures). */
static inline int probe_magic(const struct input_probe *p, const char *magic, size_t n)
{
    return p->head_len >= n && memcmp(p->head, magic, n) == 0;
}

typedef int (*input_sniff_fn)(const struct input_probe *p);
typedef int (*input_open_fn)(const struct input_job *j, struct source **out, struct ls_error *err);

/* Binary formats (open by path, read in place). */
int npy_sniff(const struct input_probe *p);
int load_npy(const struct input_job *j, struct source **out, struct ls_error *err);
int npz_sniff(const struct input_probe *p);
int load_npz(const struct input_job *j, struct source **out, struct ls_error *err);
int kld_sniff(const struct input_probe *p);
int load_kld(const struct input_job *j, struct source **out, struct ls_error *err);
int kld_read_step(struct source *s, uint32_t step, float *logits, struct step_info *info,
                  struct ls_error *err);
void kld_close(struct source *s);
int safetensors_sniff(const struct input_probe *p);
int load_safetensors(const struct input_job *j, struct source **out, struct ls_error *err);
int load_raw(const struct input_job *j, struct source **out, struct ls_error *err);

/* The native dump (whole text). */
int native_sniff(const struct input_probe *p);
int load_native(const struct input_job *j, struct source **out, struct ls_error *err);
int native_read_step(struct source *s, uint32_t step, float *logits, struct step_info *info,
                     struct ls_error *err);
void native_close(struct source *s);

/* API outputs (parsed response objects; sparse sources, sparse.h). */
int llamacpp_sniff(const struct input_probe *p);
int load_llamacpp(const struct input_job *j, struct source **out, struct ls_error *err);
int tgi_sniff(const struct input_probe *p);
int load_tgi(const struct input_job *j, struct source **out, struct ls_error *err);
int ollama_sniff(const struct input_probe *p);
int load_ollama(const struct input_job *j, struct source **out, struct ls_error *err);
int openai_chat_sniff(const struct input_probe *p);
int load_openai_chat(const struct input_job *j, struct source **out, struct ls_error *err);
int openai_completions_sniff(const struct input_probe *p);
int load_openai_completions(const struct input_job *j, struct source **out, struct ls_error *err);

#endif
