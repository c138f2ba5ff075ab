/* sch_predict.c — a model once per worker, chunks of rows to free threads, results back. */
#include "sch_predict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "job_data.h"
#include "ml_model.h"
#include "job_predict.h"
#include "sch_blobs.h"
#include "sch_jobs.h"

typedef struct {
    sch_blob_t *model;
    job_method_t method;
    int aggregate;
    int64_t rows, nchunks, done;
    unsigned char **rows_of;    /* each chunk's packed rows, from CHUNK until its result */
    size_t *len_of;
    int64_t *nrows_of;          /* each chunk's rows (-1: unreadable), for the rows/s shown */
    unsigned char *arrived;
    int64_t next;               /* no chunk below it waits to be sent */
    msgpack_sbuffer spec;
    uint64_t bytes_in, bytes_out, micros;
    int64_t timed;
} s_predict_t;

/*
 * The job's description: {"method", "aggregate", "rows", "chunks"} (rows
 * -1: blocks of a text file the workers read, counted only by them); the
 * model (the SUBMIT's data) is unpacked once here, so a corrupt model is
 * refused before any worker sees it.
 */
static int s_submit(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err)
{
    json_error_t jerr;
    json_t *d = json_loadb((const char *)sub->job.data, sub->job.len, 0, &jerr);
    const char *method = json_string_value(json_object_get(d, "method"));
    json_t *rows = json_object_get(d, "rows"), *chunks = json_object_get(d, "chunks");
    json_t *agg = json_object_get(d, "aggregate");
    job_method_t m = JOB_METHOD_PREDICT;
    int rc = DSK_OK;
    if (!d || !method || !json_is_integer(rows) || !json_is_integer(chunks) ||
        (agg && !json_is_boolean(agg)) || json_integer_value(rows) < -1 ||
        json_integer_value(chunks) < 1 || json_integer_value(chunks) >= (1 << SCH_TASK_BITS))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a predict job needs method, rows and chunks "
                        "(1..%d)", job->name, (1 << SCH_TASK_BITS) - 1);
    else if (job_method_parse(method, &m, err) == 0) {
        ml_pipeline_t *pipe = NULL;
        rc = ml_model_unpack(sub->data.data, sub->data.len, job->name, &pipe, err);
        ml_pipeline_destroy(&pipe);
    } else {
        rc = DSK_EINVAL;
    }
    if (rc == DSK_OK) {
        s_predict_t *p = dsk_xcalloc(1, sizeof *p);
        job->k = p;
        msgpack_sbuffer_init(&p->spec);
        p->method = m;
        p->aggregate = agg && json_is_true(agg);
        p->rows = json_integer_value(rows);
        p->nchunks = json_integer_value(chunks);
        p->rows_of = dsk_xcalloc((size_t)p->nchunks, sizeof *p->rows_of);
        p->len_of = dsk_xcalloc((size_t)p->nchunks, sizeof *p->len_of);
        p->nrows_of = dsk_xcalloc((size_t)p->nchunks, sizeof *p->nrows_of);
        p->arrived = dsk_xcalloc((size_t)p->nchunks, 1);
        char key[JOB_KEY_LEN + 1];
        job_content_key(sub->data.data, sub->data.len, key);
        p->model = sch_blobs_get(sch_jobs_blobs(j), key, DSK_DATA_MODEL, sub->data.data,
                                 sub->data.len, sub->data.len, NULL, NULL);
        sub->data = (dsk_bytes_t){0};
        job_predict_spec(p->method, p->aggregate, &p->spec);
        job->ntasks = p->nchunks;
        job->tasks = dsk_xcalloc((size_t)p->nchunks, sizeof *job->tasks);
        job->fits_total = p->nchunks;
        if (p->rows < 0)
            snprintf(job->text, sizeof job->text, "%s on %lld blocks the workers read",
                     job_method_name(p->method), (long long)p->nchunks);
        else
            snprintf(job->text, sizeof job->text, "%s on %lld rows in %lld chunks",
                     job_method_name(p->method), (long long)p->rows, (long long)p->nchunks);
    }
    json_decref(d);
    return rc;
}

/* Every chunk answered: the job is done. */
static void s_maybe_done(sch_jobs_t *j, sch_job_t *job)
{
    s_predict_t *p = job->k;
    if (p->done == p->nchunks && p->rows < 0)
        sch_jobs_finish(j, job, DSK_JOB_DONE, "done: %lld blocks in %.2f s",
                        (long long)p->nchunks,
                        (double)(sch_jobs_now(j) - job->started_ms) / 1000.0);
    else if (p->done == p->nchunks)
        sch_jobs_finish(j, job, DSK_JOB_DONE, "done: %lld rows in %lld chunks in %.2f s",
                        (long long)p->rows, (long long)p->nchunks,
                        (double)(sch_jobs_now(j) - job->started_ms) / 1000.0);
}

/*
 * CHUNK: rows to predict, queued for a free thread. An empty one is a
 * chunk whose result the client already has (it sent it before this
 * scheduler restarted from its journal): counted done, run nowhere.
 */
static void s_on_chunk(sch_jobs_t *j, sch_job_t *job, dsk_msg_chunk_t *c)
{
    s_predict_t *p = job->k;
    if (c->index >= (uint64_t)p->nchunks || p->arrived[c->index]) {
        dsk_warn("job %llu: chunk %llu is out of range or sent twice", (unsigned long long)job->id,
                 (unsigned long long)c->index);
        return;
    }
    p->arrived[c->index] = 1;
    if (c->data.len == 0) {
        /* the client has this chunk's result from before we restarted: nothing to run */
        job->tasks[c->index].state = SCH_DONE;
        p->done++;
        job->fits_done++;
        s_maybe_done(j, job);
        return;
    }
    p->rows_of[c->index] = c->data.data;
    p->len_of[c->index] = c->data.len;
    p->nrows_of[c->index] = job_dataset_rows(c->data.data, c->data.len);
    c->data = (dsk_bytes_t){0};
    p->bytes_in += p->len_of[c->index];
    if ((int64_t)c->index < p->next)
        p->next = (int64_t)c->index;
}

static int s_runnable(const sch_job_t *job, int64_t i)
{
    const s_predict_t *p = job->k;
    return job->tasks[i].state == SCH_PENDING && p->arrived[i];
}

/*
 * Chunks a worker may take now: its free threads, plus one more per thread
 * waiting in its queue, so the next chunk's rows are already there when a
 * thread finishes.
 */
static int s_room(const sch_worker_t *w)
{
    int threads = w->info.nthreads ? (int)w->info.nthreads : 1;
    if (w->info.paused)
        return 0; /* past its memory limit's pause mark: not even a queued chunk */
    return sch_jobs_free_threads(w) + threads;
}

/* The worker with the most room that has (or has memory for) the model, not running chunk i. */
static sch_worker_t *s_place(sch_jobs_t *j, sch_job_t *job, int64_t i)
{
    s_predict_t *p = job->k;
    sch_worker_t *best = NULL;
    for (size_t k = 0; k < sch_jobs_nworkers(j); k++) {
        sch_worker_t *w = sch_jobs_worker_at(j, k);
        if (s_room(w) <= 0 || sch_jobs_runs_on(&job->tasks[i], w->id) ||
            (!sch_ids_has(&p->model->holders, w->id) && !sch_jobs_room(w, p->model->mem)))
            continue;
        if (!best || s_room(w) > s_room(best))
            best = w;
    }
    return best;
}

static void s_dispatch(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w)
{
    s_predict_t *p = job->k;
    sch_blobs_place(sch_jobs_blobs(j), p->model, w); /* ahead of its first chunk */
    dsk_msg_t m = {.type = DSK_MSG_TASK};
    dsk_msg_task_t *t = &m.u.task;
    t->kind = DSK_TASK_PREDICT;
    snprintf(t->key, sizeof t->key, "chunk-%lld", (long long)i);
    snprintf(t->input_key, sizeof t->input_key, "%s", p->model->key);
    t->spec = (dsk_bytes_t){.data = (unsigned char *)p->spec.data, .len = p->spec.size};
    t->data = (dsk_bytes_t){.data = p->rows_of[i], .len = p->len_of[i]};
    sch_jobs_dispatch(j, job, i, w, &m);
}

/* Queued chunks, in input order, to free worker threads; then backups for overdue ones. */
static void s_schedule(sch_jobs_t *j, sch_job_t *job)
{
    s_predict_t *p = job->k;
    int64_t lowest = p->nchunks;
    for (int64_t i = p->next; i < p->nchunks; i++) {
        if (!s_runnable(job, i))
            continue;
        sch_worker_t *w = s_place(j, job, i);
        if (!w) {
            lowest = i < lowest ? i : lowest;
            break;
        }
        s_dispatch(j, job, i, w);
    }
    p->next = lowest;
    sch_jobs_backups(j, job, s_place, s_dispatch);
}

static void s_on_task_done(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w,
                           dsk_msg_task_done_t *d)
{
    s_predict_t *p = job->k;
    sch_task_t *t = &job->tasks[i];
    if (!sch_jobs_active_state(job->state) || t->state == SCH_DONE)
        return; /* the job ended, or a backup lost the race: the result went out once */
    if (t->state == SCH_PENDING && i < p->next)
        p->next = i;
    if (d->code == DSK_ENOTFOUND && ++t->refusals < SCH_MAX_REFUSALS) {
        dsk_warn("job %llu: worker '%s' refused chunk %lld: %s", (unsigned long long)job->id,
                 w->info.name, (long long)i, d->error);
        sch_blobs_forget(sch_jobs_blobs(j), p->model, w);
        return;
    }
    if (d->code != 0) {
        sch_jobs_finish(j, job, DSK_JOB_FAILED, "chunk %lld (%s) failed on worker '%s': %s",
                        (long long)i, job_method_name(p->method), w->info.name, d->error);
        return;
    }
    dsk_msg_t m = {.type = DSK_MSG_CHUNK_DONE};
    m.u.chunk.job_id = job->id;
    m.u.chunk.index = (uint64_t)i;
    m.u.chunk.data = d->result;
    sch_jobs_send(j, &job->client, &m);
    p->bytes_out += d->result.len;
    if (p->nrows_of[i] > 0)
        sch_jobs_add_rows_predicted(j, (uint64_t)p->nrows_of[i]);
    free(p->rows_of[i]);
    p->rows_of[i] = NULL;
    t->state = SCH_DONE;
    p->done++;
    p->micros += d->micros;
    p->timed++;
    job->fits_done++;
    job->state = DSK_JOB_PROGRESS;
    sch_busy_t *b = sch_jobs_busy(job, w);
    b->tasks++;
    b->micros += d->micros;
    s_maybe_done(j, job);
}

/* A chunk its worker took down is queued again: the cursor goes back to it. */
static void s_on_worker_lost(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *w)
{
    s_predict_t *p = job->k;
    for (int64_t i = 0; i < job->ntasks; i++)
        if (sch_jobs_runs_on(&job->tasks[i], w->id) && i < p->next)
            p->next = i;
}

static int64_t s_expected_us(const sch_job_t *job, int64_t i)
{
    const s_predict_t *p = job->k;
    return p->timed ? (int64_t)(p->micros / (uint64_t)p->timed) : 0;
}

static json_t *s_result(sch_jobs_t *j, sch_job_t *job)
{
    const s_predict_t *p = job->k;
    json_t *workers = sch_jobs_busy_json(job);
    json_t *stats = json_pack("{s:{s:I}, s:I, s:I, s:I, s:o, s:f}", "tasks", "predict",
                              (json_int_t)p->done, "bytes_scattered",
                              (json_int_t)(p->model->len * (size_t)p->model->holders.n),
                              "bytes_in", (json_int_t)p->bytes_in, "bytes_out",
                              (json_int_t)p->bytes_out, "workers", workers, "wall_s",
                              (double)(sch_jobs_now(j) - job->started_ms) / 1000.0);
    return json_pack("{s:s, s:I, s:I, s:b, s:o}", "method", job_method_name(p->method), "rows",
                     (json_int_t)p->rows, "chunks", (json_int_t)p->nchunks, "aggregate",
                     p->aggregate, "stats", stats);
}

static void s_release(sch_jobs_t *j, sch_job_t *job)
{
    s_predict_t *p = job->k;
    for (int64_t i = 0; i < p->nchunks; i++) {
        free(p->rows_of[i]);
        p->rows_of[i] = NULL;
    }
    sch_blobs_unref(sch_jobs_blobs(j), &p->model);
}

static void s_destroy(sch_job_t *job)
{
    s_predict_t *p = job->k;
    for (int64_t i = 0; i < p->nchunks; i++)
        free(p->rows_of[i]);
    free(p->rows_of);
    free(p->len_of);
    free(p->nrows_of);
    free(p->arrived);
    msgpack_sbuffer_destroy(&p->spec);
    free(p);
    job->k = NULL;
}

/* A chunk runs only where the model is; the cursor never skips a waiting chunk. */
static int s_check(const sch_jobs_t *j, const sch_job_t *job, char *err)
{
    const s_predict_t *p = job->k;
    int64_t done = 0;
    for (int64_t i = 0; i < job->ntasks; i++) {
        const sch_task_t *t = &job->tasks[i];
        done += t->state == SCH_DONE;
        if (t->state == SCH_RUNNING)
            for (int a = 0; a < t->nrun; a++)
                if (!sch_ids_has(&p->model->holders, t->on[a]))
                    return dsk_seterr(err, DSK_ESTATE, "job %llu chunk %lld runs on worker "
                                      "%llu without the model", (unsigned long long)job->id,
                                      (long long)i, (unsigned long long)t->on[a]);
        if (i < p->next && s_runnable(job, i))
            return dsk_seterr(err, DSK_ESTATE, "job %llu: chunk %lld waits below the cursor "
                              "%lld", (unsigned long long)job->id, (long long)i,
                              (long long)p->next);
    }
    if (done != p->done || done != job->fits_done)
        return dsk_seterr(err, DSK_ESTATE, "job %llu: %lld chunks done, %lld counted",
                          (unsigned long long)job->id, (long long)done, (long long)p->done);
    return DSK_OK;
}

const sch_kind_t sch_predict_kind = {
    .name = "predict",
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
    .check = s_check,
};
