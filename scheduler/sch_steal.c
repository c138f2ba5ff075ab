/* sch_steal.c — idle workers take copies of what the waiting tasks read. */
#include "sch_steal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_log.h"
#include "sch_inputs.h"
#include "sch_jobs.h"
#include "sch_search_state.h"

/*
 * What a copy is expected to cost, on the safe side: a copy into a process
 * that has not held one yet pays for fresh memory in three processes and
 * stalls the holder while it packs (measured here: 0.1 s for the seed's
 * 6 MB of counts, 0.6 s for a 52 MB split; warm copies are ten times
 * faster).
 */
#define S_COPY_FIXED_US 100000
#define S_COPY_BYTES_PER_US 50
/* A holder that declined a copy is asked again after this (its running fits end by then,
   or the next ask is declined as cheaply). */
#define S_COPY_RETRY_MS 1000

static double s_copy_us(uint64_t bytes)
{
    return S_COPY_FIXED_US + (double)bytes / S_COPY_BYTES_PER_US;
}

/* Whether copying input dep (plus extra bytes of data) to another worker saves more than it costs. */
static int s_pays_output(const sch_job_t *job, int64_t dep, uint64_t extra)
{
    const sch_search_t *S = job->k;
    const sch_out_t *in = &S->outs[dep];
    if (job_plan_task(S->plan, dep)->kind == JOB_TASK_PREFIX)
        return 1;
    if (in->users_done < 2)
        return 0;
    double mean_us = (double)(in->users_micros - in->first_user_micros) /
                     (double)(in->users_done - 1);
    int64_t waiting = 0;
    for (int64_t i = 0; i < job->ntasks; i++)
        waiting += job_plan_task(S->plan, i)->dep == dep && sch_inputs_ready(job, i);
    return (double)waiting * mean_us / 2 > s_copy_us(in->resident + extra);
}

/* Whether a copy of the dataset pays for the tasks that wait for nothing but it. */
static int s_pays_data(const sch_job_t *job)
{
    const sch_search_t *S = job->k;
    int64_t done = 0, waiting = 0;
    uint64_t micros = 0;
    for (int k = JOB_TASK_STAGE; k <= JOB_TASK_REFIT; k++) {
        done += S->done_by_kind[k];
        micros += S->micros_by_kind[k];
    }
    if (done < 2)
        return 0;
    for (int64_t i = 0; i < job->ntasks; i++)
        waiting += job_plan_task(S->plan, i)->dep < 0 && sch_inputs_ready(job, i);
    return (double)waiting * ((double)micros / (double)done) / 2 > s_copy_us(S->data->mem);
}

/*
 * One idle worker: the first waiting task it could run after one copy, if
 * the copy pays, or whatever it costs when the job is stalled (nothing of
 * it runs or moves: its holders have no room left for what waits).
 */
static int s_steal_for(sch_jobs_t *j, sch_job_t *job, sch_worker_t *w, const int64_t *ready,
                       int64_t nready, int stalled)
{
    sch_search_t *S = job->k;
    for (int64_t r = 0; r < nready; r++) {
        int64_t i = ready[r];
        if (job->tasks[i].state != SCH_PENDING)
            continue;
        const job_task_t *pt = job_plan_task(S->plan, i);
        int no_data = pt->reads_data && !sch_ids_has(&S->data->holders, w->id);
        int64_t dep = pt->dep >= 0 && !sch_ids_has(&S->outs[pt->dep].holders, w->id) ? pt->dep
                                                                                     : -1;
        if (!no_data && dep < 0)
            continue; /* it has everything: only memory kept it off */
        uint64_t bytes = no_data ? S->data->mem : 0;
        if (dep >= 0) {
            const sch_out_t *o = &S->outs[dep];
            job_task_kind_t kind = job_plan_task(S->plan, dep)->kind;
            if ((kind != JOB_TASK_PREFIX && kind != JOB_TASK_STAGE) || o->moving_to ||
                o->holders.n == 0 || sch_jobs_now(j) < o->copy_after_ms ||
                (!stalled && !s_pays_output(job, dep, bytes)))
                continue;
            bytes += o->resident;
        } else if (!stalled && !s_pays_data(job)) {
            continue;
        }
        if (!sch_jobs_room(w, bytes + job->tasks[i].reserve))
            continue;
        if (no_data) {
            sch_blobs_place(sch_jobs_blobs(j), S->data, w);
            S->bytes_scattered += S->data->len;
        }
        if (dep >= 0) {
            sch_out_t *o = &S->outs[dep];
            const sch_worker_t *src = sch_jobs_worker(j, o->holders.ids[0]);
            dsk_msg_t m = {.type = DSK_MSG_FETCH};
            snprintf(m.u.free_.key, sizeof m.u.free_.key, "%s", job_plan_task(S->plan, dep)->key);
            sch_jobs_send(j, &src->peer, &m);
            o->moving_to = w->id;
            o->moving_from = src->id;
            o->moving_since = sch_jobs_now(j);
            w->incoming = 1;
            w->held += o->resident;
            dsk_debug("job %llu: copying %s from '%s' to idle '%s'", (unsigned long long)job->id,
                      m.u.free_.key, src->info.name, w->info.name);
        }
        return 1;
    }
    return 0;
}

int sch_steal(sch_jobs_t *j, sch_job_t *job, const int64_t *ready, int64_t nready)
{
    int stalled = nready > 0 && sch_inputs_stalled(job), copies = 0;
    for (size_t k = 0; k < sch_jobs_nworkers(j) && sch_jobs_active_state(job->state); k++) {
        sch_worker_t *w = sch_jobs_worker_at(j, k);
        if (sch_jobs_free_threads(w) > 0 && !w->incoming)
            copies += s_steal_for(j, job, w, ready, nready, stalled);
    }
    return copies;
}

/*
 * A copy's trip (FETCH to its holder, FETCHED back, DATA_PUT on) in the
 * job's task stream, on the lane of the worker it was for: that worker
 * waited for it.
 */
static void s_log_transfer(sch_jobs_t *j, sch_job_t *job, int64_t i, const sch_worker_t *to,
                           const sch_out_t *o, const dsk_msg_fetched_t *f)
{
    if (!to)
        return;
    if (!job->log)
        job->log = sch_tasklog_new();
    sch_tasklog_add(job->log, i, "transfer", to->info.name, o->moving_since - job->started_ms,
                    sch_jobs_now(j) - job->started_ms, f->code == 0, 1, f->error);
}

/*
 * FETCHED: the copy this job asked of from; handed to the worker that
 * waits for it while its task still needs it and that worker still lacks it.
 */
int sch_steal_on_fetched(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *from,
                         dsk_msg_fetched_t *f)
{
    sch_search_t *S = job->k;
    for (int64_t i = 0; i < job->ntasks; i++) {
        sch_out_t *o = &S->outs[i];
        if (!o->moving_to || o->moving_from != from->id ||
            strcmp(job_plan_task(S->plan, i)->key, f->key) != 0)
            continue;
        sch_worker_t *to = sch_jobs_worker(j, o->moving_to);
        s_log_transfer(j, job, i, to, o, f);
        if (f->code != 0 || !to || job->tasks[i].state != SCH_DONE || o->open_users == 0 ||
            sch_ids_has(&o->holders, to->id)) {
            dsk_debug("copy of %s from '%s' dropped: %s", f->key, from->info.name,
                      f->code ? f->error : "no longer needed");
            if (to) {
                to->incoming = 0;
                to->held -= o->resident;
            }
            o->moving_to = o->moving_from = 0;
            if (f->code == DSK_ENOMEM)
                o->copy_after_ms = sch_jobs_now(j) + S_COPY_RETRY_MS;
            return 1;
        }
        dsk_msg_t put = {.type = DSK_MSG_DATA_PUT};
        snprintf(put.u.data_put.key, sizeof put.u.data_put.key, "%s", f->key);
        put.u.data_put.data = f->data;
        put.u.data_put.kind = DSK_DATA_OUTPUT;
        sch_jobs_send(j, &to->peer, &put);
        sch_ids_add(&o->holders, to->id); /* its bytes were counted when the copy was asked */
        to->incoming = 0;
        o->moving_to = o->moving_from = 0;
        S->bytes_moved += f->data.len;
        return 1;
    }
    return 0;
}
