/*
 * sch_steal.c — work stealing: a worker with a thread free and nothing it
 * may run takes a copy of an input (a stage's document counts or a
 * prefix's fold matrices) that runnable tasks wait on because every worker
 * holding it is busy. The holder sends it through the scheduler (FETCH,
 * FETCHED, DATA_PUT); one copy on its way per worker at a time.
 *
 * A prefix's readers are whole fits, the bulk of a search, so an idle
 * worker always takes a copy of a prefix. A stage's readers can be quick
 * (the seed's 3 ms fits), and a stage is big (a corpus' counts), so a
 * stage moves only when it pays: when half the work waiting on it (its
 * readers, at the mean time of those already done, the first left out: it
 * pays for its worker's fresh memory) is more than the copy is expected
 * to take. Until two of its readers are done, a stage stays where it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_log.h"
#include "sch_jobs.h"
#include "sch_jobs_internal.h"

/*
 * What a copy is expected to cost, on the safe side: a copy into a process
 * that has not held one yet pays for fresh memory in three processes and
 * stalls the holder while it packs (measured here: 0.1 s for the seed's
 * 6 MB of counts, 0.6 s for a 52 MB split; warm copies are ten times
 * faster).
 */
#define S_COPY_FIXED_US 100000
#define S_COPY_BYTES_PER_US 50

static int s_holds_output(const sch_task_t *t, uint64_t worker)
{
    for (int h = 0; h < t->nholders; h++)
        if (t->holders[h] == worker)
            return 1;
    return t->moving_to == worker;
}

/* Whether copying input dep of job to another worker saves more time than it costs. */
static int s_pays(const sch_job_t *job, int64_t dep)
{
    const sch_task_t *in = &job->tasks[dep];
    if (ml_plan_task(job->plan, dep)->kind == ML_TASK_PREFIX)
        return 1;
    if (in->users_done < 2)
        return 0;
    double mean_us = (double)(in->users_micros - in->first_user_micros) /
                     (double)(in->users_done - 1);
    int64_t waiting = 0;
    for (int64_t i = 0; i < job->ntasks; i++)
        waiting += ml_plan_task(job->plan, i)->dep == dep && sch_jobs_runnable_(job, i);
    double copy_us = S_COPY_FIXED_US + (double)in->resident / S_COPY_BYTES_PER_US;
    return (double)waiting * mean_us / 2 > copy_us;
}

/*
 * The input that w may copy for the first of the job's runnable tasks
 * ready[] (sch_order's order: the longest fit waiting), or -1. A stage's
 * verdict (a scan of the job's tasks) is reached once per call and kept
 * for its other readers; a job has a stage per analyzer configuration.
 */
#define S_MEMO 8

static int64_t s_pick(const sch_job_t *job, const int64_t *ready, int64_t nready,
                      const sch_worker_t *w)
{
    int64_t memo_dep[S_MEMO];
    int memo_pays[S_MEMO], nmemo = 0;
    int64_t pick = -1;
    for (int64_t r = 0; r < nready && pick < 0; r++) {
        int64_t dep = ml_plan_task(job->plan, ready[r])->dep;
        if (dep < 0)
            continue;
        ml_task_kind_t kind = ml_plan_task(job->plan, dep)->kind;
        const sch_task_t *in = &job->tasks[dep];
        if ((kind != ML_TASK_PREFIX && kind != ML_TASK_STAGE) || in->moving_to ||
            in->nholders == 0 || in->nholders >= SCH_MAX_HOLDERS || s_holds_output(in, w->id))
            continue;
        int m = 0;
        while (m < nmemo && memo_dep[m] != dep)
            m++;
        int pays = m < nmemo ? memo_pays[m] : s_pays(job, dep);
        if (m == nmemo && nmemo < S_MEMO && kind == ML_TASK_STAGE) {
            memo_dep[nmemo] = dep;
            memo_pays[nmemo++] = pays;
        }
        if (pays)
            pick = dep;
    }
    return pick;
}

/*
 * Each job's runnable tasks are ordered once per call, when an idle worker
 * first looks at it: a copy on its way changes no task's state, so the
 * order holds for the next idle worker.
 */
void sch_steal(sch_jobs_t *j, sch_job_t **order, int n)
{
    int64_t *ready[SCH_MAX_PASS_JOBS] = {0}, nready[SCH_MAX_PASS_JOBS];
    for (size_t wi = 0; wi < sch_registry_count(j->workers); wi++) {
        const sch_worker_t *w = sch_registry_at(j->workers, wi);
        if (sch_jobs_free_threads_(j, w) <= 0 || sch_jobs_load_(j, w->id)->moving)
            continue;
        for (int k = n - 1; k >= 0; k--) {
            sch_job_t *job = order[k];
            if (job->predict || (job->state != DSK_JOB_ACCEPTED && job->state != DSK_JOB_PROGRESS))
                continue;
            if (!ready[k]) {
                ready[k] = malloc((size_t)(job->ntasks ? job->ntasks : 1) * sizeof *ready[k]);
                if (!ready[k])
                    abort();
                nready[k] = sch_order_runnable(job, ready[k]);
            }
            int64_t dep = s_pick(job, ready[k], nready[k], w);
            if (dep < 0)
                continue;
            sch_task_t *in = &job->tasks[dep];
            const sch_worker_t *src = sch_jobs_worker_(j, in->holders[0]);
            if (!src)
                continue;
            dsk_msg_t m = {.type = DSK_MSG_FETCH};
            snprintf(m.u.free_.key, sizeof m.u.free_.key, "%s", ml_plan_task(job->plan, dep)->key);
            sch_jobs_send_(j, &src->peer, &m);
            in->moving_to = w->id;
            in->moving_from = src->id;
            sch_jobs_load_(j, w->id)->moving = 1;
            dsk_debug("job %llu: copying %s from '%s' to idle '%s'", (unsigned long long)job->id,
                      m.u.free_.key, src->info.name, w->info.name);
            break;
        }
    }
    for (int k = 0; k < n; k++)
        free(ready[k]);
}

/* FETCHED: a moving output arrived from its holder; hand it to the worker that waits for it. */
void sch_jobs_on_fetched(sch_jobs_t *j, const sch_worker_t *from, dsk_msg_t *msg)
{
    dsk_msg_fetched_t *f = &msg->u.fetched;
    for (sch_job_t *job = j->jobs; job; job = job->next) {
        if (job->predict || !job->plan)
            continue;
        for (int64_t i = 0; i < job->ntasks; i++) {
            sch_task_t *t = &job->tasks[i];
            if (!t->moving_to || strcmp(ml_plan_task(job->plan, i)->key, f->key) != 0)
                continue;
            const sch_worker_t *to = sch_jobs_worker_(j, t->moving_to);
            sch_jobs_load_(j, t->moving_to)->moving = 0;
            t->moving_to = 0;
            if (f->code != 0 || !to || t->state != SCH_DONE) {
                dsk_debug("copy of %s from '%s' dropped: %s", f->key, from->info.name,
                          f->code ? f->error : "no longer needed");
                continue;
            }
            dsk_msg_t put = {.type = DSK_MSG_DATA_PUT};
            snprintf(put.u.data_put.key, sizeof put.u.data_put.key, "%s", f->key);
            put.u.data_put.data = f->data;
            put.u.data_put.kind = DSK_DATA_OUTPUT;
            sch_jobs_send_(j, &to->peer, &put);
            t->holders[t->nholders++] = to->id;
            job->bytes_moved += f->data.len;
        }
    }
    sch_jobs_schedule_(j);
}
