/* test_dataset.c: datasets (input/dataset.h) and their document
 * (report/dataset_doc.h): the paired bootstrap gives known intervals on
 * fixed inputs; the reference-based comparisons against hand values;
 * unpaired, failing and unusable rows are loaded and counted, never
 * dropped; a saved result reads back to the same bytes; shards taken
 * together give the single run's JSON byte for byte. Run from the
 * repository root (tests/data/dataset). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "input/dataset.h"
#include "eval/eval_ref.h"
#include "eval/eval_impl.h"
#include "report/dataset_doc.h"

#define NEAR(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static void test_bootstrap_known(void **state)
{
    (void)state;
    struct ls_error err = {0};
    double ci[2];
    /* constant differences: every resample mean is the constant */
    double c[5] = { 0.25, 0.25, 0.25, 0.25, 0.25 };
    assert_int_equal(ds_bootstrap_ci(c, 5, DS_BOOT_RESAMPLES, 42, ci, &err), LS_OK);
    assert_true(ci[0] == 0.25 && ci[1] == 0.25);
    /* {0, 1}: resample means are 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4,
     * so of 2000 sorted means about 500 are 0 and 500 are 1: the 2.5% and
     * 97.5% points (indices 49.975 and 1949.025) are exactly 0 and 1 */
    double x[2] = { 0, 1 };
    assert_int_equal(ds_bootstrap_ci(x, 2, DS_BOOT_RESAMPLES, 42, ci, &err), LS_OK);
    assert_true(ci[0] == 0.0 && ci[1] == 1.0);
    /* one row: [x, x]; no rows: NaN */
    assert_int_equal(ds_bootstrap_ci(x + 1, 1, DS_BOOT_RESAMPLES, 42, ci, &err), LS_OK);
    assert_true(ci[0] == 1.0 && ci[1] == 1.0);
    assert_int_equal(ds_bootstrap_ci(x, 0, DS_BOOT_RESAMPLES, 42, ci, &err), LS_OK);
    assert_true(isnan(ci[0]) && isnan(ci[1]));
}

/* 400 differences with mean 0.1 and standard deviation 1 (a fixed ±1
 * pattern): the percentile interval is mean ± 1.96 sd / sqrt(n) = 0.1 ±
 * 0.098 to within Monte Carlo error; the same seed gives the same bits. */
static void test_bootstrap_normal(void **state)
{
    (void)state;
    struct ls_error err = {0};
    double x[400], ci[2], ci2[2];
    for (int i = 0; i < 400; i++) x[i] = 0.1 + (i % 2 ? 1.0 : -1.0);
    assert_int_equal(ds_bootstrap_ci(x, 400, DS_BOOT_RESAMPLES, 42, ci, &err), LS_OK);
    double half = 1.959964 * 1.0 / sqrt(400.0);
    NEAR(ci[0], 0.1 - half, 0.012);
    NEAR(ci[1], 0.1 + half, 0.012);
    assert_int_equal(ds_bootstrap_ci(x, 400, DS_BOOT_RESAMPLES, 42, ci2, &err), LS_OK);
    assert_memory_equal(ci, ci2, sizeof ci);
    assert_int_equal(ds_bootstrap_ci(x, 400, DS_BOOT_RESAMPLES, 43, ci2, &err), LS_OK);
    assert_true(ci2[0] != ci[0]);
}

static void test_reference(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(ref_normalise("  Hello \t\n WORLD ", 17, b), 11);
    assert_string_equal(b, "hello world");
    assert_true(ref_exact("Paris", 5, " paris\n", 7));
    assert_false(ref_exact("Paris.", 6, "paris", 5));
    const char *items[] = { "new  york", "USA" };
    assert_true(ref_contains_all("I live in New\nYork, usa", 23, items, 2));
    assert_false(ref_contains_all("I live in New York", 18, items, 2));
    assert_true(ref_contains_all("anything", 8, items, 0));
    /* cand "the cat sat" vs ref "the cat sat down": P = 1, R = 3/4 */
    NEAR(ref_token_f1("the cat sat", 11, "the cat sat down", 16), 2 * 0.75 / 1.75, 1e-15);
    /* multiset: "a a b" vs "a b b": overlap 2 (one a, one b), P = R = 2/3 */
    NEAR(ref_token_f1("a a b", 5, "a b b", 5), 2.0 / 3.0, 1e-15);
    /* order matters for ROUGE-L: "b a" vs "a b": LCS 1, F = 1/2; F1 = 1 */
    NEAR(ref_rouge_l("b a", 3, "a b", 3), 0.5, 1e-15);
    NEAR(ref_token_f1("b a", 3, "A, B!", 5), 1.0, 1e-15);
    /* LCS of "a x b y c" and "a b c" is 3: P = 3/5, R = 1 */
    NEAR(ref_rouge_l("a x b y c", 9, "a b c", 5), 2 * 0.6 / 1.6, 1e-15);
    NEAR(ref_rouge_l("", 0, "", 0), 1.0, 0);
    NEAR(ref_token_f1("x", 1, "", 0), 0.0, 0);
}

/* The reference evaluator normalises the reference and the expected items
 * once per run (its init state), not per continuation; its scores are the
 * means of the per-text comparisons above, exactly. */
static void test_reference_evaluator(void **state)
{
    (void)state;
    struct ls_error e = {0};
    struct eval_config cfg;
    eval_config_init(&cfg);
    void *st = NULL;
    assert_non_null(eval_reference.init);
    assert_int_equal(eval_reference.init(&cfg, &st, &e), LS_OK);
    assert_null(st);   /* nothing to compare against: no state, scores NaN */
    const char *items[] = { " CAT", "the\tMat", "" };
    cfg.reference = "The cat  sat on the MAT.";
    cfg.expected = items;
    cfg.n_expected = 3;
    assert_int_equal(eval_reference.init(&cfg, &st, &e), LS_OK);
    assert_non_null(st);
    struct eval_run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->cfg = cfg;
    struct eval_acc a;
    memset(&a, 0, sizeof a);
    const char *texts[] = { "the cat sat on the mat.", "  THE CAT sat\non the mat. ", "a cat on the mat", "dog", "" };
    double want[4] = {0};
    for (uint32_t i = 0; i < 5; i++) {
        size_t n = strlen(texts[i]), nr = strlen(cfg.reference);
        assert_int_equal(eval_reference.sample(st, r, &a, i, texts[i], n, &e), LS_OK);
        a.n_text_samples++;
        want[0] += ref_exact(texts[i], n, cfg.reference, nr);
        want[1] += ref_contains_all(texts[i], n, items, 3);
        want[2] += ref_token_f1(texts[i], n, cfg.reference, nr);
        want[3] += ref_rouge_l(texts[i], n, cfg.reference, nr);
    }
    assert_int_equal(eval_reference.finish(st, r, &a, &e), LS_OK);
    assert_true(a.sc.ref_exact_match == want[0] / 5 && want[0] == 2);
    assert_true(a.sc.ref_contains_all == want[1] / 5 && want[1] == 3);
    assert_true(a.sc.ref_token_f1 == want[2] / 5);
    assert_true(a.sc.ref_rouge_l == want[3] / 5);
    eval_reference.free(st);
    free(r);
}

static void test_load(void **state)
{
    (void)state;
    struct dataset *d = NULL;
    struct ls_error err = {0};
    assert_int_equal(dataset_load("tests/data/dataset/a.jsonl", &d, &err), LS_OK);
    assert_int_equal(d->n, 7);   /* the blank line is skipped, nothing else */
    const struct ds_row *r = dataset_find(d, "r2");
    assert_non_null(r);
    assert_int_equal(r->kind, DS_DUMP);
    assert_string_equal(r->path, "tests/data/dataset/../eval/jsonish.json");
    assert_string_equal(r->reference, "{\"a\":1}");
    assert_int_equal(r->n_expected, 2);
    assert_int_equal(dataset_find(d, "r4")->kind, DS_PROMPT);
    assert_int_equal(dataset_find(d, "r5")->kind, DS_BAD);
    assert_non_null(strstr(dataset_find(d, "r5")->error, "refrence"));
    r = dataset_find(d, "<line 7>");
    assert_non_null(r);
    assert_int_equal(r->kind, DS_BAD);
    dataset_free(d);
    /* a folder: one row per file, id without the extension */
    assert_int_equal(dataset_load("tests/data/eval", &d, &err), LS_OK);
    assert_non_null(dataset_find(d, "jsonish"));
    dataset_free(d);
    /* the same id twice is an error of the dataset */
    FILE *f = fopen("build/tests/dup.jsonl", "w");
    assert_non_null(f);
    fputs("{\"id\":\"x\",\"dump\":\"a\"}\n{\"id\":\"x\",\"dump\":\"b\"}\n", f);
    fclose(f);
    assert_int_equal(dataset_load("build/tests/dup.jsonl", &d, &err), LS_EDATA);
    assert_non_null(strstr(err.msg, "appears twice (lines 1 and 2)"));
    remove("build/tests/dup.jsonl");
}

/* A small paired run over tests/data/dataset (shard si of sn; 0 = all). */
static struct ds_doc *run(const struct dataset *A, const struct dataset *B, int si, int sn)
{
    static const double temps[] = { 0, 1 };
    struct ls_error err = {0};
    struct eval_config cfg;
    struct chain ch;
    struct params p = PARAMS_OFF;
    eval_config_init(&cfg);
    cfg.n_samples = 5;
    chain_preset(&ch, PRESET_HF);
    struct ds_spec sp = { "a", "b", temps, 2, &ch, &p, &cfg, NULL, NULL, 20, NULL, { NULL, NULL }, 0 };
    struct ds_doc *d = NULL;
    assert_int_equal(ds_doc_new(&sp, &d, &err), LS_OK);
    struct ds_job jobs[32];
    size_t nj = 0, k = 0, i = 0, j = 0;
    while (i < A->n || j < B->n) {   /* the union of ids, as the CLI plans it */
        int c = i == A->n ? 1 : j == B->n ? -1 : strcmp(A->rows[i].id, B->rows[j].id);
        struct ds_job jb = { c <= 0 ? A->rows[i].id : B->rows[j].id, c <= 0 ? &A->rows[i] : NULL, c >= 0 ? &B->rows[j] : NULL };
        if (c <= 0) i++;
        if (c >= 0) j++;
        if (!sn || (int)(k % (size_t)sn) == si - 1) jobs[nj++] = jb;
        k++;
    }
    d->rows_total = k;
    d->rows_expected = nj;
    d->shard_i = si;
    d->shard_n = sn;
    struct source_opts so;
    memset(&so, 0, sizeof so);
    struct ds_run_opts ro = { &so, cfg, ch, p, 2, NULL, NULL, NULL, { NULL, NULL }, 0 };
    assert_int_equal(ds_run(d, jobs, nj, &ro, &err), LS_OK);
    return d;
}

static char *print(const struct ds_doc *d)
{
    struct ls_error err = {0};
    cJSON *j = ds_doc_json(d, &err);
    assert_non_null(j);
    char *t = cJSON_Print(j);
    cJSON_Delete(j);
    return t;
}

static void test_counts_merge(void **state)
{
    (void)state;
    struct dataset *A = NULL, *B = NULL;
    struct ls_error err = {0};
    assert_int_equal(dataset_load("tests/data/dataset/a.jsonl", &A, &err), LS_OK);
    assert_int_equal(dataset_load("tests/data/dataset/b.jsonl", &B, &err), LS_OK);
    struct ds_doc *one = run(A, B, 0, 0);
    struct ds_summary s;
    assert_int_equal(ds_summary_compute(one, &s, &err), LS_OK);
    assert_int_equal(s.n_rows, 8);
    assert_int_equal(s.n_paired, 4);       /* r1 r2 r3 r5 */
    assert_int_equal(s.n_only_a, 3);       /* <line 7>, only_a, r4 */
    assert_int_equal(s.n_only_b, 1);       /* only_b */
    assert_int_equal(s.n_failed_a, 4);     /* <line 7> (bad JSON), r3 (no file), r4 (prompt), r5 (bad key) */
    assert_int_equal(s.n_failed_b, 0);
    assert_int_equal(s.kl_rows, 2);        /* r1, r2: both versions read */
    /* failing rows are out of the means: json_valid_share at T = 0 has 3 A
     * rows (r1, r2, only_a) and 5 B rows */
    assert_int_equal(s.cells[0].n_a, 3);
    assert_int_equal(s.cells[0].n_b, 5);
    assert_int_equal(s.cells[0].n_pair, 2);
    ds_summary_free(&s);
    /* the saved form reads back to the same bytes */
    char *t1 = print(one);
    struct ds_doc *back = NULL;
    assert_int_equal(ds_doc_parse(t1, strlen(t1), "mem", &back, &err), LS_OK);
    char *t2 = print(back);
    assert_string_equal(t1, t2);
    /* three shards taken together: the single run, byte for byte */
    struct ds_doc *m = NULL;
    for (int i = 1; i <= 3; i++) {
        struct ds_doc *part = run(A, B, i, 3);
        if (!m) { m = part; continue; }
        assert_int_equal(ds_doc_take_rows(m, part, &err), LS_OK);
        ds_doc_free(part);
    }
    assert_int_equal(ds_doc_sort(m, &err), LS_OK);
    m->shard_i = m->shard_n = 0;
    m->rows_expected = m->rows_total;
    char *t3 = print(m);
    assert_string_equal(t1, t3);
    free(t1); free(t2); free(t3);
    ds_doc_free(one); ds_doc_free(back); ds_doc_free(m);
    dataset_free(A); dataset_free(B);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bootstrap_known),
        cmocka_unit_test(test_bootstrap_normal),
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_reference_evaluator),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_counts_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
