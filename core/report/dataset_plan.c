/* dataset_plan.c: which rows a dataset run evaluates (dataset_doc.h): A
 * and B paired by id, a shard's share, the rows a saved result holds
 * left out; and the run's temperatures. `dataset eval` and the explorer's
 * dataset table (explorer/explorer_dataset.h) both plan through here. */
#include "report/dataset_doc.h"
#include "base/parse.h"

#include <stdlib.h>
#include <string.h>

static void plan_add(struct ds_plan *p, const char *id, const struct ds_row *ra, const struct ds_row *rb,
                     int si, int sn, const struct ds_doc *done)
{
    size_t k = p->total++;
    if (sn && (int)(k % (size_t)sn) != si - 1) return;
    p->expected++;
    if (!done || !ds_doc_has(done, id)) p->jobs[p->n_jobs++] = (struct ds_job){ id, ra, rb };
}

int ds_plan_build(const struct dataset *A, const struct dataset *B, int si, int sn, const struct ds_doc *done,
                  struct ds_plan *p, struct ls_error *err)
{
    size_t i = 0, j = 0, nb = B ? B->n : 0;
    memset(p, 0, sizeof *p);
    p->jobs = malloc((A->n + nb + 1) * sizeof *p->jobs);
    if (!p->jobs) return ls_oom(err);
    while (i < A->n || j < nb) {
        int c = i == A->n ? 1 : j == nb ? -1 : strcmp(A->rows[i].id, B->rows[j].id);
        if (c < 0) { plan_add(p, A->rows[i].id, &A->rows[i], NULL, si, sn, done); i++; }
        else if (c > 0) { plan_add(p, B->rows[j].id, NULL, &B->rows[j], si, sn, done); j++; }
        else { plan_add(p, A->rows[i].id, &A->rows[i], &B->rows[j], si, sn, done); i++; j++; }
    }
    return LS_OK;
}

void ds_plan_free(struct ds_plan *p)
{
    free(p->jobs);
    memset(p, 0, sizeof *p);
}

int ds_temperatures(const char *list, const struct params *p, double *t, int *n, struct ls_error *err)
{
    static const double deft[] = { 0, 0.4, 0.7, 1.0 };
    int rc = LS_OK;
    if (list) rc = parse_double_list(list, 0, 1e6, t, DS_MAX_TEMPS, n, err);
    else if (p->temperature != 1.0) { t[0] = p->temperature; *n = 1; }
    else { memcpy(t, deft, sizeof deft); *n = 4; }
    for (int i = 0; i < *n && !rc; i++) {
        struct params q = *p;
        q.temperature = t[i];
        rc = params_check(&q, err);
    }
    return rc;
}
