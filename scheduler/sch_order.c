/* sch_order.c — longest fits first, and what each task should take. */
#include "sch_order.h"

#include <stdlib.h>

#include "dsk_alloc.h"
#include "sch_inputs.h"
#include "sch_search_state.h"

typedef struct {
    double cost;        /* estimated microseconds; stages and prefixes: infinite */
    int64_t task;
} s_rank_t;

static int s_by_cost(const void *a, const void *b)
{
    const s_rank_t *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return (x->task > y->task) - (x->task < y->task);
}

void sch_order_record(sch_job_t *job, int64_t i, uint64_t micros)
{
    sch_search_t *S = job->k;
    const job_task_t *pt = job_plan_task(S->plan, i);
    S->done_by_kind[pt->kind]++;
    S->micros_by_kind[pt->kind] += micros;
    if (pt->kind != JOB_TASK_SCORE || pt->candidate < 0)
        return;
    int64_t n = job_plan_n_candidates(S->plan);
    if (!S->cand_micros) {
        S->cand_micros = dsk_xcalloc((size_t)(n ? n : 1), sizeof *S->cand_micros);
        S->cand_fits = dsk_xcalloc((size_t)(n ? n : 1), sizeof *S->cand_fits);
    }
    if (pt->candidate >= n)
        return;
    S->cand_micros[pt->candidate] += micros;
    S->cand_fits[pt->candidate]++;
    S->fit_micros += micros;
    S->fits_timed++;
}

/* A fit's estimate: its candidate's mean, else every fit's; 0 when none is done. */
static double s_fit_us(const sch_search_t *S, int64_t cand)
{
    if (S->cand_fits && cand >= 0 && cand < job_plan_n_candidates(S->plan) &&
        S->cand_fits[cand] > 0)
        return (double)S->cand_micros[cand] / (double)S->cand_fits[cand];
    return S->fits_timed ? (double)S->fit_micros / (double)S->fits_timed : 0.0;
}

int64_t sch_order_expected_us(const sch_job_t *job, int64_t i)
{
    const sch_search_t *S = job->k;
    const job_task_t *pt = job_plan_task(S->plan, i);
    switch (pt->kind) {
    case JOB_TASK_SCORE:
        return (int64_t)s_fit_us(S, pt->candidate);
    case JOB_TASK_REFIT: /* the whole data, not (k-1)/k of it: about half as long again */
        return (int64_t)(1.5 * s_fit_us(S, pt->candidate));
    default:
        return S->done_by_kind[pt->kind]
                   ? (int64_t)(S->micros_by_kind[pt->kind] / (uint64_t)S->done_by_kind[pt->kind])
                   : 0;
    }
}

int64_t sch_order_runnable(const sch_job_t *job, int64_t *out)
{
    const sch_search_t *S = job->k;
    int64_t n = 0;
    s_rank_t *r = dsk_xmalloc((size_t)(job->ntasks ? job->ntasks : 1) * sizeof *r);
    for (int64_t i = 0; i < job->ntasks; i++) {
        if (!sch_inputs_ready(job, i))
            continue;
        const job_task_t *pt = job_plan_task(S->plan, i);
        double cost = pt->kind == JOB_TASK_STAGE || pt->kind == JOB_TASK_PREFIX
                          ? 1e300
                          : s_fit_us(S, pt->candidate);
        r[n++] = (s_rank_t){cost, i};
    }
    qsort(r, (size_t)n, sizeof *r, s_by_cost);
    for (int64_t k = 0; k < n; k++)
        out[k] = r[k].task;
    free(r);
    return n;
}
