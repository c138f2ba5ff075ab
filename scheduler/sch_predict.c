/*
 * sch_predict.c — ParallelPostFit jobs: the model goes once to every
 * worker, the client's chunks of rows are queued as they arrive and each
 * goes to a free worker thread with the chunk's rows attached, and every
 * chunk's result is passed straight back to the client, which puts them
 * in input order. A chunk whose worker dies is sent again (the scheduler
 * keeps its rows until it is done); one that took 3 workers down fails
 * the job.
 *
 * A noop job (dsk-submit noop N) is the same machinery with N empty tasks
 * made here instead of chunks from a client: it measures what the
 * scheduler, the wire and the workers cost per task, with nothing to compute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_log.h"
#include "ml_model.h"
#include "ml_predict.h"
#include "sch_jobs_internal.h"

typedef enum { S_ABSENT, S_QUEUED, S_RUNNING, S_DONE } s_cstate_t;

typedef struct {
    s_cstate_t state;
    unsigned char *rows;    /* the packed chunk, until it is done */
    size_t len;
    uint64_t worker;
    int kills;
} s_chunk_t;

struct sch_predict {
    char model_key[ML_KEY_LEN + 1];
    unsigned char *model;
    size_t model_len;
    uint64_t *holders;      /* workers the model was sent to */
    size_t nholders;
    ml_method_t method;
    int aggregate;
    int64_t rows, nchunks, queued, running, done, next;
    s_chunk_t *chunks;
    msgpack_sbuffer spec;
    uint64_t bytes_in, bytes_out;
    int noop;               /* empty tasks, queued up to S_NOOP_DEPTH per worker thread */
};

#define S_NOOP_DEPTH 64

void sch_predict_free(sch_predict_t **p_p)
{
    sch_predict_t *p = *p_p;
    if (!p)
        return;
    for (int64_t i = 0; i < p->nchunks; i++)
        free(p->chunks[i].rows);
    free(p->chunks);
    free(p->model);
    free(p->holders);
    msgpack_sbuffer_destroy(&p->spec);
    free(p);
    *p_p = NULL;
}

static void s_send_model(sch_jobs_t *j, sch_predict_t *p, const sch_worker_t *w)
{
    for (size_t i = 0; i < p->nholders; i++)
        if (p->holders[i] == w->id)
            return;
    if (p->noop) { /* nothing to send: any worker will do */
        p->holders = dsk_xrealloc(p->holders, p->nholders + 1, sizeof *p->holders);
        p->holders[p->nholders++] = w->id;
        return;
    }
    dsk_msg_t m = {.type = DSK_MSG_DATA_PUT};
    snprintf(m.u.data_put.key, sizeof m.u.data_put.key, "%s", p->model_key);
    m.u.data_put.data = (dsk_bytes_t){.data = p->model, .len = p->model_len};
    m.u.data_put.kind = DSK_DATA_MODEL;
    sch_jobs_send_(j, &w->peer, &m);
    p->holders = dsk_xrealloc(p->holders, p->nholders + 1, sizeof *p->holders);
    p->holders[p->nholders++] = w->id;
}

/*
 * The job's description: {"method", "aggregate", "rows", "chunks"}; the
 * model (the SUBMIT's data) is unpacked once here, so a corrupt model is
 * refused before any worker sees it.
 */
int sch_predict_new(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err)
{
    json_error_t jerr;
    json_t *d = json_loadb((const char *)sub->job.data, sub->job.len, 0, &jerr);
    const char *method = json_string_value(json_object_get(d, "method"));
    json_t *rows = json_object_get(d, "rows"), *chunks = json_object_get(d, "chunks");
    json_t *agg = json_object_get(d, "aggregate");
    sch_predict_t *p = dsk_xcalloc(1, sizeof *p);
    msgpack_sbuffer_init(&p->spec);
    job->predict = p;
    int rc = DSK_OK;
    if (!d || !method || !json_is_integer(rows) || !json_is_integer(chunks) ||
        (agg && !json_is_boolean(agg)) || json_integer_value(rows) < 0 ||
        json_integer_value(chunks) < 1 || json_integer_value(chunks) >= (1 << SCH_TASK_BITS))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a predict job needs method, rows and chunks "
                        "(1..%d)", job->name, (1 << SCH_TASK_BITS) - 1);
    else if (ml_method_parse(method, &p->method, err) == 0) {
        ml_pipeline_t *pipe = NULL;
        rc = ml_model_unpack(sub->data.data, sub->data.len, job->name, &pipe, err);
        ml_pipeline_destroy(&pipe);
    } else {
        rc = DSK_EINVAL;
    }
    if (rc == DSK_OK) {
        p->aggregate = agg && json_is_true(agg);
        p->rows = json_integer_value(rows);
        p->nchunks = json_integer_value(chunks);
        p->chunks = dsk_xcalloc((size_t)p->nchunks, sizeof *p->chunks);
        p->model = sub->data.data;
        p->model_len = sub->data.len;
        sub->data = (dsk_bytes_t){0};
        ml_content_key(p->model, p->model_len, p->model_key);
        ml_predict_spec(p->method, p->aggregate, &p->spec);
        job->fits_total = p->nchunks;
        snprintf(job->text, sizeof job->text, "%s on %lld rows in %lld chunks",
                 ml_method_name(p->method), (long long)p->rows, (long long)p->nchunks);
        for (size_t i = 0; i < sch_jobs_nworkers_(j); i++)
            s_send_model(j, p, sch_jobs_worker_at_(j, i));
    }
    json_decref(d);
    return rc;
}

void sch_predict_on_chunk(sch_jobs_t *j, sch_job_t *job, dsk_msg_chunk_t *c)
{
    sch_predict_t *p = job->predict;
    if (c->index >= (uint64_t)p->nchunks || p->chunks[c->index].state != S_ABSENT) {
        dsk_warn("job %llu: chunk %llu is out of range or sent twice", (unsigned long long)job->id,
                 (unsigned long long)c->index);
        return;
    }
    s_chunk_t *ch = &p->chunks[c->index];
    ch->rows = c->data.data;
    ch->len = c->data.len;
    c->data = (dsk_bytes_t){0};
    ch->state = S_QUEUED;
    p->queued++;
    p->bytes_in += ch->len;
    if ((int64_t)c->index < p->next)
        p->next = (int64_t)c->index;
}

/* The worker with the most free threads among those holding the model. */
/*
 * Tasks a worker may take now: its free threads, plus one more chunk per
 * thread waiting in its queue (so the next chunk's rows are already there
 * when a thread finishes), or S_NOOP_DEPTH per thread for empty tasks.
 */
static int s_room(sch_jobs_t *j, const sch_predict_t *p, const sch_worker_t *w)
{
    int threads = w->info.nthreads ? (int)w->info.nthreads : 1;
    return sch_jobs_free_threads_(j, w) + threads * (p->noop ? S_NOOP_DEPTH - 1 : 1);
}

static const sch_worker_t *s_place(sch_jobs_t *j, const sch_predict_t *p)
{
    const sch_worker_t *best = NULL;
    for (size_t i = 0; i < p->nholders; i++) {
        const sch_worker_t *w = sch_jobs_worker_(j, p->holders[i]);
        if (w && s_room(j, p, w) > 0 && (!best || s_room(j, p, w) > s_room(j, p, best)))
            best = w;
    }
    return best;
}

/* Queued chunks, in input order, to free worker threads. */
void sch_predict_schedule(sch_jobs_t *j, sch_job_t *job)
{
    sch_predict_t *p = job->predict;
    while (p->queued > 0) {
        while (p->next < p->nchunks && p->chunks[p->next].state != S_QUEUED)
            p->next++;
        if (p->next >= p->nchunks)
            break;
        const sch_worker_t *w = s_place(j, p);
        if (!w)
            return;
        s_chunk_t *ch = &p->chunks[p->next];
        dsk_msg_t m = {.type = DSK_MSG_TASK};
        dsk_msg_task_t *t = &m.u.task;
        t->task_id = SCH_PREDICT_BIT | job->id << SCH_TASK_BITS | (uint64_t)p->next;
        snprintf(t->key, sizeof t->key, "chunk-%lld", (long long)p->next);
        if (!p->noop)
            snprintf(t->input_key, sizeof t->input_key, "%s", p->model_key);
        t->spec = (dsk_bytes_t){.data = (unsigned char *)p->spec.data, .len = p->spec.size};
        t->data = (dsk_bytes_t){.data = ch->rows, .len = ch->len};
        sch_jobs_send_(j, &w->peer, &m);
        ch->state = S_RUNNING;
        ch->worker = w->id;
        p->queued--;
        p->running++;
        sch_jobs_load_(j, w->id)->running++;
        p->next++;
    }
    /* chunks requeued below the cursor are found from the start next time */
    p->next = 0;
}

void sch_predict_on_done(sch_jobs_t *j, sch_job_t *job, uint64_t index, const sch_worker_t *w,
                         dsk_msg_task_done_t *d)
{
    sch_predict_t *p = job->predict;
    if (index >= (uint64_t)p->nchunks || p->chunks[index].state != S_RUNNING ||
        p->chunks[index].worker != w->id)
        return; /* re-sent since, to another worker */
    s_chunk_t *ch = &p->chunks[index];
    sch_jobs_load_(j, w->id)->running--;
    p->running--;
    if (job->state != DSK_JOB_ACCEPTED && job->state != DSK_JOB_PROGRESS)
        return;
    if (d->code != 0) {
        ch->state = S_QUEUED;
        sch_jobs_finish_(j, job, DSK_JOB_FAILED, "chunk %llu (%s) failed on worker '%s': %s",
                         (unsigned long long)index, ml_method_name(p->method), w->info.name,
                         d->error);
        return;
    }
    dsk_msg_t m = {.type = DSK_MSG_CHUNK_DONE};
    m.u.chunk.job_id = job->id;
    m.u.chunk.index = index;
    m.u.chunk.data = d->result;
    if (!p->noop)
        sch_jobs_send_(j, &job->client, &m);
    p->bytes_out += d->result.len;
    free(ch->rows);
    ch->rows = NULL;
    ch->state = S_DONE;
    p->done++;
    job->fits_done++;
    job->state = DSK_JOB_PROGRESS;
    sch_busy_t *b = sch_jobs_busy_(job, w);
    b->tasks++;
    b->micros += d->micros;
    if (p->done == p->nchunks)
        sch_jobs_finish_(j, job, DSK_JOB_DONE, "done: %lld rows in %lld chunks in %.2f s",
                         (long long)p->rows, (long long)p->nchunks,
                         (double)(dsk_clock_mono_ms() - job->started_ms) / 1000.0);
}

void sch_predict_worker_joined(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *w)
{
    s_send_model(j, job->predict, w);
}

void sch_predict_worker_lost(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *w)
{
    sch_predict_t *p = job->predict;
    for (size_t i = 0; i < p->nholders; i++)
        if (p->holders[i] == w->id) {
            p->holders[i] = p->holders[--p->nholders];
            break;
        }
    for (int64_t i = 0; i < p->nchunks; i++) {
        s_chunk_t *ch = &p->chunks[i];
        if (ch->state != S_RUNNING || ch->worker != w->id)
            continue;
        p->running--;
        if (++ch->kills >= SCH_MAX_KILLS) {
            sch_jobs_finish_(j, job, DSK_JOB_FAILED, "KilledWorker: chunk %lld was running on "
                             "%d workers that died, the last '%s'", (long long)i, ch->kills,
                             w->info.name);
            return;
        }
        ch->state = S_QUEUED;
        p->queued++;
    }
}

void sch_predict_release(sch_jobs_t *j, sch_job_t *job)
{
    sch_predict_t *p = job->predict;
    for (size_t i = 0; i < p->nholders; i++)
        sch_jobs_free_key_(j, p->holders[i], p->model_key);
    p->nholders = 0;
    for (int64_t i = 0; i < p->nchunks; i++) {
        free(p->chunks[i].rows);
        p->chunks[i].rows = NULL;
    }
}

json_t *sch_predict_stats(const sch_job_t *job)
{
    const sch_predict_t *p = job->predict;
    json_t *workers = json_object();
    for (int i = 0; i < job->nbusy; i++)
        json_object_set_new(workers, job->busy[i].name,
                            json_pack("{s:I, s:f}", "tasks", (json_int_t)job->busy[i].tasks,
                                      "busy_s", (double)job->busy[i].micros / 1e6));
    json_t *stats = json_pack("{s:{s:I}, s:I, s:I, s:I, s:o, s:f}", "tasks", "predict",
                              (json_int_t)p->done, "bytes_scattered",
                              (json_int_t)(p->model_len * p->nholders), "bytes_in",
                              (json_int_t)p->bytes_in, "bytes_out", (json_int_t)p->bytes_out,
                              "workers", workers, "wall_s",
                              (double)(dsk_clock_mono_ms() - job->started_ms) / 1000.0);
    return json_pack("{s:s, s:I, s:I, s:b, s:o}", "method", ml_method_name(p->method), "rows",
                     (json_int_t)p->rows, "chunks", (json_int_t)p->nchunks, "aggregate",
                     p->aggregate, "stats", stats);
}

/* {"tasks": N}: N empty tasks on every worker that is there, or comes. */
int sch_predict_new_noop(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err)
{
    json_t *d = json_loadb((const char *)sub->job.data, sub->job.len, 0, NULL);
    json_t *n = json_object_get(d, "tasks");
    sch_predict_t *p = dsk_xcalloc(1, sizeof *p);
    msgpack_sbuffer_init(&p->spec);
    job->predict = p;
    p->noop = 1;
    int rc = DSK_OK;
    if (!json_is_integer(n) || json_integer_value(n) < 1 ||
        json_integer_value(n) >= (1 << SCH_TASK_BITS)) {
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a noop job needs \"tasks\": 1..%d", job->name,
                        (1 << SCH_TASK_BITS) - 1);
    } else {
        p->nchunks = p->queued = json_integer_value(n);
        p->chunks = dsk_xcalloc((size_t)p->nchunks, sizeof *p->chunks);
        for (int64_t i = 0; i < p->nchunks; i++)
            p->chunks[i].state = S_QUEUED;
        job->fits_total = p->nchunks;
        snprintf(job->text, sizeof job->text, "%lld empty tasks", (long long)p->nchunks);
        for (size_t i = 0; i < sch_jobs_nworkers_(j); i++)
            sch_predict_worker_joined(j, job, sch_jobs_worker_at_(j, i));
    }
    json_decref(d);
    return rc;
}

int64_t sch_predict_queued(const sch_job_t *job) { return job->predict->queued; }
int64_t sch_predict_running(const sch_job_t *job) { return job->predict->running; }
