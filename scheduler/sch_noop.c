/* sch_noop.c — N empty tasks, and their empty results back: the cluster's cost per task. */
#include "sch_noop.h"

#include <stdio.h>
#include <stdlib.h>

#include "dsk_alloc.h"
#include "sch_jobs.h"

#define S_NOOP_DEPTH 64     /* empty tasks out at once per worker thread */
/*
 * With results: tasks started beyond what the client last reported
 * receiving. It bounds the CHUNK_DONEs on their way to the client well
 * under ZeroMQ's high-water mark (1000 a peer), past which the ROUTER
 * drops them without a word (zguide's credit-based flow control).
 */
#define S_NOOP_WINDOW 512

typedef struct {
    int64_t done, next;     /* no task below next waits to be sent */
    int results;            /* each task's empty result goes back to the client */
    int64_t heard;          /* results the client reported receiving (its CHUNKs) */
} s_noop_t;

/*
 * {"tasks": N, "results": true}: N empty tasks on every worker that is
 * there, or comes. With "results" (dsk-submit noop always asks), each
 * task's empty result goes back to the client as a CHUNK_DONE, as a
 * predict chunk's does, so the client times N tasks and N results, as a
 * Dask client's map and gather; the client reports what it has received
 * (s_on_chunk) and tasks start at most S_NOOP_WINDOW beyond that. Without
 * "results" the scheduler keeps them and nothing paces the tasks.
 */
static int s_submit(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err)
{
    json_t *d = json_loadb((const char *)sub->job.data, sub->job.len, 0, NULL);
    json_t *n = json_object_get(d, "tasks"), *results = json_object_get(d, "results");
    int rc = DSK_OK;
    if (!json_is_integer(n) || json_integer_value(n) < 1 ||
        json_integer_value(n) >= (1 << SCH_TASK_BITS) || (results && !json_is_boolean(results))) {
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a noop job needs \"tasks\": 1..%d (and "
                        "\"results\", if given, true or false)", job->name,
                        (1 << SCH_TASK_BITS) - 1);
    } else {
        s_noop_t *k = dsk_xcalloc(1, sizeof *k);
        k->results = json_is_true(results);
        job->k = k;
        job->ntasks = job->fits_total = json_integer_value(n);
        job->tasks = dsk_xcalloc((size_t)job->ntasks, sizeof *job->tasks);
        snprintf(job->text, sizeof job->text, "%lld empty tasks", (long long)job->ntasks);
    }
    json_decref(d);
    return rc;
}

static int s_runnable(const sch_job_t *job, int64_t i)
{
    return job->tasks[i].state == SCH_PENDING;
}

static int s_room(const sch_worker_t *w)
{
    int threads = w->info.nthreads ? (int)w->info.nthreads : 1;
    if (w->info.paused)
        return 0; /* past its memory limit's pause mark: not even a queued task */
    return sch_jobs_free_threads(w) + threads * (S_NOOP_DEPTH - 1);
}

static sch_worker_t *s_place(sch_jobs_t *j, sch_job_t *job, int64_t i)
{
    sch_worker_t *best = NULL;
    for (size_t k = 0; k < sch_jobs_nworkers(j); k++) {
        sch_worker_t *w = sch_jobs_worker_at(j, k);
        if (s_room(w) > 0 && !sch_jobs_runs_on(&job->tasks[i], w->id) &&
            (!best || s_room(w) > s_room(best)))
            best = w;
    }
    return best;
}

static void s_dispatch(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w)
{
    dsk_msg_t m = {.type = DSK_MSG_TASK}; /* no key: an empty task leaves nothing */
    m.u.task.kind = DSK_TASK_NOOP;
    sch_jobs_dispatch(j, job, i, w, &m);
}

static void s_schedule(sch_jobs_t *j, sch_job_t *job)
{
    s_noop_t *n = job->k;
    if (n->results && job->client.len == 0)
        return; /* restored from the journal, its client not back yet: results would be lost */
    for (; n->next < job->ntasks; n->next++) {
        if (n->results && n->next >= n->heard + S_NOOP_WINDOW)
            break; /* results sent <= tasks below heard + window: at most a window unheard */
        if (!s_runnable(job, n->next))
            continue;
        sch_worker_t *w = s_place(j, job, n->next);
        if (!w)
            break;
        s_dispatch(j, job, n->next, w);
    }
    sch_jobs_backups(j, job, s_place, s_dispatch);
}

static void s_on_task_done(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w,
                           dsk_msg_task_done_t *d)
{
    s_noop_t *n = job->k;
    sch_task_t *t = &job->tasks[i];
    if (!sch_jobs_active_state(job->state) || t->state == SCH_DONE)
        return;
    if (d->code != 0) {
        sch_jobs_finish(j, job, DSK_JOB_FAILED, "empty task %lld failed on worker '%s': %s",
                        (long long)i, w->info.name, d->error);
        return;
    }
    if (n->results) { /* once: a backup's or a re-run's later answer stopped above */
        dsk_msg_t m = {.type = DSK_MSG_CHUNK_DONE};
        m.u.chunk.job_id = job->id;
        m.u.chunk.index = (uint64_t)i;
        sch_jobs_send(j, &job->client, &m);
    }
    t->state = SCH_DONE;
    n->done++;
    job->fits_done++;
    job->state = DSK_JOB_PROGRESS;
    sch_jobs_busy(job, w)->tasks++;
    if (n->done == job->ntasks)
        sch_jobs_finish(j, job, DSK_JOB_DONE, "done: %lld empty tasks in %.2f s",
                        (long long)job->ntasks,
                        (double)(sch_jobs_now(j) - job->started_ms) / 1000.0);
}

static void s_on_worker_lost(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *w)
{
    s_noop_t *n = job->k;
    for (int64_t i = 0; i < n->next; i++)
        if (sch_jobs_runs_on(&job->tasks[i], w->id)) {
            n->next = i;
            return;
        }
}

/*
 * A CHUNK from the client of a job with results: index = how many results
 * it has received (no data). More than were sent is not believed.
 */
static void s_on_chunk(sch_jobs_t *j, sch_job_t *job, dsk_msg_chunk_t *c)
{
    s_noop_t *n = job->k;
    if (c->index > (uint64_t)n->heard && c->index <= (uint64_t)n->done)
        n->heard = (int64_t)c->index;
}

/* Empty tasks take no time worth estimating: their deadline is the slack alone. */
static int64_t s_expected_us(const sch_job_t *job, int64_t i) { return 1; }

static json_t *s_result(sch_jobs_t *j, sch_job_t *job)
{
    const s_noop_t *n = job->k;
    return json_pack("{s:I, s:{s:o, s:f}}", "tasks", (json_int_t)n->done, "stats", "workers",
                     sch_jobs_busy_json(job), "wall_s", (double)(sch_jobs_now(j) - job->started_ms) / 1000.0);
}

static void s_release(sch_jobs_t *j, sch_job_t *job) {}

static void s_destroy(sch_job_t *job)
{
    free(job->k);
    job->k = NULL;
}

const sch_kind_t sch_noop_kind = {
    .name = "noop",
    .on_submit = s_submit,
    .schedule = s_schedule,
    .on_task_done = s_on_task_done,
    .on_worker_lost = s_on_worker_lost,
    .runnable = s_runnable,
    .expected_us = s_expected_us,
    .result = s_result,
    .release = s_release,
    .destroy = s_destroy,
    .on_chunk = s_on_chunk,
};
