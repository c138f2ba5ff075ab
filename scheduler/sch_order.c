/*
 * sch_order.c — which runnable task of a search goes first. Stages and
 * prefixes lead (each unlocks many fits). The fits follow longest first,
 * each judged by its candidate's folds already done, or, for a candidate
 * with none done yet, by the mean of every fit done so far: the longest
 * processing time first rule, so that the last fits to start are short
 * ones and the workers finish together instead of one of them running a
 * long fit alone at the end. Equal estimates keep the plan's order, so a
 * search with nothing done yet runs in plan order.
 */
#include <stdlib.h>

#include "sch_jobs_internal.h"

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
    const ml_task_t *pt = ml_plan_task(job->plan, i);
    if (pt->kind != ML_TASK_SCORE || pt->candidate < 0)
        return;
    int64_t n = ml_plan_n_candidates(job->plan);
    if (!job->cand_micros) {
        job->cand_micros = calloc((size_t)(n ? n : 1), sizeof *job->cand_micros);
        job->cand_fits = calloc((size_t)(n ? n : 1), sizeof *job->cand_fits);
        if (!job->cand_micros || !job->cand_fits)
            abort();
    }
    if (pt->candidate >= n)
        return;
    job->cand_micros[pt->candidate] += micros;
    job->cand_fits[pt->candidate]++;
    job->fit_micros += micros;
    job->fits_timed++;
}

int64_t sch_order_runnable(const sch_job_t *job, int64_t *out)
{
    int64_t n = 0;
    s_rank_t *r = malloc((size_t)(job->ntasks ? job->ntasks : 1) * sizeof *r);
    if (!r)
        abort();
    double mean = job->fits_timed ? (double)job->fit_micros / (double)job->fits_timed : 0.0;
    for (int64_t i = 0; i < job->ntasks; i++) {
        if (!sch_jobs_runnable_(job, i))
            continue;
        const ml_task_t *pt = ml_plan_task(job->plan, i);
        double cost = mean;
        if (pt->kind == ML_TASK_STAGE || pt->kind == ML_TASK_PREFIX)
            cost = 1e300;
        else if (job->cand_fits && pt->candidate >= 0 &&
                 pt->candidate < ml_plan_n_candidates(job->plan) &&
                 job->cand_fits[pt->candidate] > 0)
            cost = (double)job->cand_micros[pt->candidate] / job->cand_fits[pt->candidate];
        r[n++] = (s_rank_t){cost, i};
    }
    qsort(r, (size_t)n, sizeof *r, s_by_cost);
    for (int64_t k = 0; k < n; k++)
        out[k] = r[k].task;
    free(r);
    return n;
}
