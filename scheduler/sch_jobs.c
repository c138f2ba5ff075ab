/* sch_jobs.c — jobs as task graphs: placement, results, failures, freeing. */
#include "sch_jobs.h"
#include "sch_jobs_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_log.h"
#include "ml_data_pack.h"
#include "ml_job.h"
#include "ml_search.h"

#define S_REPLICAS 2       /* copies of a dataset where the cluster has them */

sch_jobs_t *sch_jobs_new(sch_registry_t *workers, sch_send_fn send, void *arg)
{
    sch_jobs_t *j = dsk_xcalloc(1, sizeof *j);
    j->workers = workers;
    j->send = send;
    j->arg = arg;
    j->next_id = 1;
    return j;
}

static void s_data_unref(sch_jobs_t *j, sch_data_t *d);

static void s_job_free(sch_job_t *job)
{
    sch_predict_free(&job->predict);
    ml_plan_destroy(&job->plan);
    ml_job_destroy(&job->job);
    free(job->tasks);
    json_decref(job->result);
    free(job->model);
    free(job->busy);
    free(job->cand_micros);
    free(job->cand_fits);
    free(job);
}

void sch_jobs_destroy(sch_jobs_t **j_p)
{
    sch_jobs_t *j = *j_p;
    if (!j)
        return;
    while (j->jobs) {
        sch_job_t *job = j->jobs;
        j->jobs = job->next;
        s_job_free(job);
    }
    while (j->data) {
        sch_data_t *d = j->data;
        j->data = d->next;
        free(d->bytes);
        ml_dataset_destroy(&d->ds);
        free(d);
    }
    free(j->load);
    free(j);
    *j_p = NULL;
}

/* ------------------------------------------------------------ workers */

const sch_worker_t *sch_jobs_worker_(const sch_jobs_t *j, uint64_t id)
{
    for (size_t i = 0; i < sch_registry_count(j->workers); i++)
        if (sch_registry_at(j->workers, i)->id == id)
            return sch_registry_at(j->workers, i);
    return NULL;
}

sch_load_t *sch_jobs_load_(sch_jobs_t *j, uint64_t worker)
{
    for (size_t i = 0; i < j->nload; i++)
        if (j->load[i].worker == worker)
            return &j->load[i];
    j->load = dsk_xrealloc(j->load, j->nload + 1, sizeof *j->load);
    j->load[j->nload] = (sch_load_t){.worker = worker};
    return &j->load[j->nload++];
}

int sch_jobs_free_threads_(sch_jobs_t *j, const sch_worker_t *w)
{
    int threads = w->info.nthreads ? (int)w->info.nthreads : 1;
    return threads - sch_jobs_load_(j, w->id)->running;
}

void sch_jobs_send_(sch_jobs_t *j, const dsk_peer_id_t *to, const dsk_msg_t *msg)
{
    j->send(j->arg, to, msg);
}

void sch_jobs_free_key_(sch_jobs_t *j, uint64_t worker, const char *key)
{
    const sch_worker_t *w = sch_jobs_worker_(j, worker);
    if (!w)
        return;
    dsk_msg_t m = {.type = DSK_MSG_FREE};
    snprintf(m.u.free_.key, sizeof m.u.free_.key, "%s", key);
    sch_jobs_send_(j, &w->peer, &m);
}

/* ------------------------------------------------------------ data */

static int s_holds(const sch_data_t *d, uint64_t worker)
{
    for (int i = 0; i < d->nholders; i++)
        if (d->holders[i] == worker)
            return 1;
    return 0;
}

static void s_put_data(sch_jobs_t *j, sch_data_t *d, const sch_worker_t *w, sch_job_t *job)
{
    dsk_msg_t m = {.type = DSK_MSG_DATA_PUT};
    snprintf(m.u.data_put.key, sizeof m.u.data_put.key, "%s", d->key);
    m.u.data_put.data = (dsk_bytes_t){.data = d->bytes, .len = d->len};
    m.u.data_put.kind = DSK_DATA_DATASET;
    sch_jobs_send_(j, &w->peer, &m);
    d->holders[d->nholders++] = w->id;
    if (job)
        job->bytes_scattered += d->len;
    dsk_info("placed data %s (%zu bytes) on worker '%s'", d->key, d->len, w->info.name);
}

/*
 * Tops the dataset up to S_REPLICAS holders (or every worker, if fewer),
 * choosing the workers that hold the least scattered data.
 */
static void s_replicate(sch_jobs_t *j, sch_data_t *d, sch_job_t *job)
{
    size_t n = sch_registry_count(j->workers);
    while (d->nholders < S_REPLICAS && (size_t)d->nholders < n) {
        const sch_worker_t *best = NULL;
        int best_held = 0;
        for (size_t i = 0; i < n; i++) {
            const sch_worker_t *w = sch_registry_at(j->workers, i);
            if (s_holds(d, w->id))
                continue;
            int held = 0;
            for (const sch_data_t *o = j->data; o; o = o->next)
                held += s_holds(o, w->id);
            if (!best || held < best_held) {
                best = w;
                best_held = held;
            }
        }
        if (!best)
            return;
        s_put_data(j, d, best, job);
    }
}

/* The dataset under key, taking over bytes when it is new (else they are freed). */
static sch_data_t *s_data_get(sch_jobs_t *j, const char *key, unsigned char *bytes, size_t len,
                            ml_dataset_t *ds)
{
    for (sch_data_t *d = j->data; d; d = d->next)
        if (strcmp(d->key, key) == 0) {
            free(bytes);
            ml_dataset_destroy(&ds);
            d->refs++;
            return d;
        }
    sch_data_t *d = dsk_xcalloc(1, sizeof *d);
    snprintf(d->key, sizeof d->key, "%s", key);
    d->bytes = bytes;
    d->len = len;
    d->ds = ds;
    d->refs = 1;
    d->next = j->data;
    j->data = d;
    return d;
}

static void s_data_unref(sch_jobs_t *j, sch_data_t *d)
{
    if (--d->refs > 0)
        return;
    for (int i = 0; i < d->nholders; i++)
        sch_jobs_free_key_(j, d->holders[i], d->key);
    for (sch_data_t **p = &j->data; *p; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            break;
        }
    free(d->bytes);
    ml_dataset_destroy(&d->ds);
    free(d);
}

/* ------------------------------------------------------------ clients */

void sch_jobs_state_(sch_jobs_t *j, sch_job_t *job, const dsk_peer_id_t *to, int with_result)
{
    dsk_msg_t m = {.type = DSK_MSG_JOB_STATE};
    dsk_msg_job_state_t *st = &m.u.job_state;
    st->job_id = job->id;
    st->state = job->state;
    st->done = (uint64_t)job->fits_done;
    st->total = (uint64_t)job->fits_total;
    snprintf(st->text, sizeof st->text, "%s", job->text);
    char *text = NULL;
    if (with_result && job->result) {
        text = json_dumps(job->result, JSON_COMPACT | JSON_REAL_PRECISION(17));
        st->result = (dsk_bytes_t){.data = (unsigned char *)text, .len = strlen(text)};
        st->model = (dsk_bytes_t){.data = job->model, .len = job->model_len};
    }
    sch_jobs_send_(j, to ? to : &job->client, &m);
    free(text);
}

/* The stats object: tasks by kind, tokenizations, sharing, bytes, busy time per worker. */
static json_t *s_stats(const sch_job_t *job)
{
    json_t *kinds = json_object(), *workers = json_object();
    for (int k = ML_TASK_STAGE; k <= ML_TASK_REFIT; k++)
        json_object_set_new(kinds, ml_task_kind_name(k), json_integer(job->by_kind[k]));
    int64_t shared = 0;
    for (int64_t i = 0; i < ml_plan_n_tasks(job->plan); i++) {
        const ml_task_t *t = ml_plan_task(job->plan, i);
        if (t->n_users > 1)
            shared += t->n_users - 1;
    }
    for (int i = 0; i < job->nbusy; i++)
        json_object_set_new(workers, job->busy[i].name,
                            json_pack("{s:I, s:f}", "tasks", (json_int_t)job->busy[i].tasks,
                                      "busy_s", (double)job->busy[i].micros / 1e6));
    return json_pack("{s:o, s:I, s:I, s:I, s:I, s:o, s:f}", "tasks", kinds,
                     "tokenized", (json_int_t)job->by_kind[ML_TASK_STAGE],
                     "cache_hits", (json_int_t)shared,
                     "bytes_scattered", (json_int_t)job->bytes_scattered,
                     "bytes_moved", (json_int_t)job->bytes_moved, "workers", workers, "wall_s",
                     (double)(dsk_clock_mono_ms() - job->started_ms) / 1000.0);
}

/* FREE for every copy of task i's resident output. */
static void s_free_output(sch_jobs_t *j, sch_job_t *job, int64_t i)
{
    sch_task_t *t = &job->tasks[i];
    for (int h = 0; h < t->nholders; h++)
        sch_jobs_free_key_(j, t->holders[h], ml_plan_task(job->plan, i)->key);
    t->nholders = 0;
    t->state = SCH_FREED;
}

/* Frees what the job still holds on workers; drops its use of the data. */
static void s_release(sch_jobs_t *j, sch_job_t *job)
{
    if (job->predict) {
        sch_predict_release(j, job);
        return;
    }
    for (int64_t i = 0; i < job->ntasks; i++) {
        sch_task_t *t = &job->tasks[i];
        const ml_task_t *pt = ml_plan_task(job->plan, i);
        if (t->state == SCH_DONE && (pt->kind == ML_TASK_STAGE || pt->kind == ML_TASK_PREFIX))
            s_free_output(j, job, i);
    }
    if (job->data) {
        s_data_unref(j, job->data);
        job->data = NULL;
    }
}

void sch_jobs_finish_(sch_jobs_t *j, sch_job_t *job, uint32_t state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void sch_jobs_finish_(sch_jobs_t *j, sch_job_t *job, uint32_t state, const char *fmt, ...)
{
    job->state = state;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->text, sizeof job->text, fmt, ap);
    va_end(ap);
    if (state == DSK_JOB_DONE) {
        job->result = job->predict ? sch_predict_stats(job) : ml_plan_result(job->plan);
        if (!job->predict)
            json_object_set_new(job->result, "stats", s_stats(job));
        json_object_set_new(job->result, "job_id", json_integer((json_int_t)job->id));
    }
    s_release(j, job);
    dsk_info("job %llu (%s): %s", (unsigned long long)job->id, job->name, job->text);
    sch_jobs_state_(j, job, NULL, 1);
}

/* ------------------------------------------------------------ tasks */

int sch_jobs_runnable_(const sch_job_t *job, int64_t i)
{
    const ml_task_t *pt = ml_plan_task(job->plan, i);
    return job->tasks[i].state == SCH_PENDING &&
           (pt->dep < 0 || job->tasks[pt->dep].state == SCH_DONE);
}

/* Where task i may run: the worker holding its input, else any data holder with a thread free. */
static const sch_worker_t *s_place(sch_jobs_t *j, sch_job_t *job, int64_t i)
{
    const ml_task_t *pt = ml_plan_task(job->plan, i);
    if (pt->dep >= 0) {
        const sch_task_t *in = &job->tasks[pt->dep];
        const sch_worker_t *best = NULL;
        for (int h = 0; h < in->nholders; h++) {
            const sch_worker_t *w = sch_jobs_worker_(j, in->holders[h]);
            if (w && sch_jobs_free_threads_(j, w) > 0 &&
                (!best || sch_jobs_free_threads_(j, w) > sch_jobs_free_threads_(j, best)))
                best = w;
        }
        return best;
    }
    const sch_worker_t *best = NULL;
    for (int h = 0; h < job->data->nholders; h++) {
        const sch_worker_t *w = sch_jobs_worker_(j, job->data->holders[h]);
        if (w && sch_jobs_free_threads_(j, w) > 0 &&
            (!best || sch_jobs_free_threads_(j, w) > sch_jobs_free_threads_(j, best)))
            best = w;
    }
    return best;
}

static void s_dispatch(sch_jobs_t *j, sch_job_t *job, int64_t i, const sch_worker_t *w)
{
    const ml_task_t *pt = ml_plan_task(job->plan, i);
    msgpack_sbuffer spec;
    msgpack_sbuffer_init(&spec);
    char err[DSK_ERR_LEN];
    if (ml_plan_spec(job->plan, i, &spec, err) < 0) {
        msgpack_sbuffer_destroy(&spec);
        sch_jobs_finish_(j, job, DSK_JOB_FAILED, "task %lld (%s) could not be written: %s",
                 (long long)i, ml_task_kind_name(pt->kind), err);
        return;
    }
    dsk_msg_t m = {.type = DSK_MSG_TASK};
    dsk_msg_task_t *t = &m.u.task;
    t->task_id = job->id << SCH_TASK_BITS | (uint64_t)i;
    snprintf(t->data_key, sizeof t->data_key, "%s", job->data->key);
    snprintf(t->key, sizeof t->key, "%s", pt->key);
    if (pt->dep >= 0)
        snprintf(t->input_key, sizeof t->input_key, "%s", ml_plan_task(job->plan, pt->dep)->key);
    t->spec = (dsk_bytes_t){.data = (unsigned char *)spec.data, .len = spec.size};
    sch_jobs_send_(j, &w->peer, &m);
    msgpack_sbuffer_destroy(&spec);
    job->tasks[i].state = SCH_RUNNING;
    job->tasks[i].worker = w->id;
    sch_jobs_load_(j, w->id)->running++;
    dsk_debug("job %llu: task %lld (%s) to '%s'", (unsigned long long)job->id, (long long)i,
              ml_task_kind_name(pt->kind), w->info.name);
}

/* Every runnable task of every running job that has a place, oldest job first, each job's in sch_order's order. */
void sch_jobs_schedule_(sch_jobs_t *j)
{
    sch_job_t *order[SCH_MAX_PASS_JOBS];
    int n = 0;
    for (sch_job_t *job = j->jobs; job && n < SCH_MAX_PASS_JOBS; job = job->next)
        if (job->state == DSK_JOB_ACCEPTED || job->state == DSK_JOB_PROGRESS)
            order[n++] = job;
    for (int k = n - 1; k >= 0; k--) {
        sch_job_t *job = order[k];
        if (job->predict) {
            sch_predict_schedule(j, job);
            continue;
        }
        int64_t *ready = malloc((size_t)(job->ntasks ? job->ntasks : 1) * sizeof *ready);
        if (!ready)
            abort();
        int64_t nready = sch_order_runnable(job, ready);
        for (int64_t r = 0; r < nready; r++) {
            if (job->state != DSK_JOB_ACCEPTED && job->state != DSK_JOB_PROGRESS)
                break;
            const sch_worker_t *w = s_place(j, job, ready[r]);
            if (w)
                s_dispatch(j, job, ready[r], w);
        }
        free(ready);
    }
    sch_steal(j, order, n);
}

/* Grows the task table after the plan gained tasks (the refit). */
static void s_sync_tasks(sch_job_t *job)
{
    int64_t n = ml_plan_n_tasks(job->plan);
    if (n == job->ntasks)
        return;
    job->tasks = dsk_xrealloc(job->tasks, (size_t)n, sizeof *job->tasks);
    for (int64_t i = job->ntasks; i < n; i++)
        job->tasks[i] = (sch_task_t){.state = SCH_PENDING};
    for (int64_t i = job->ntasks; i < n; i++) {
        int64_t dep = ml_plan_task(job->plan, i)->dep;
        if (dep >= 0) {
            job->tasks[dep].users_left++;
            if (job->tasks[dep].state == SCH_FREED) /* its output is gone: compute it again */
                job->tasks[dep].state = SCH_PENDING;
        }
    }
    job->ntasks = n;
}

sch_busy_t *sch_jobs_busy_(sch_job_t *job, const sch_worker_t *w)
{
    for (int i = 0; i < job->nbusy; i++)
        if (job->busy[i].worker == w->id)
            return &job->busy[i];
    job->busy = dsk_xrealloc(job->busy, (size_t)job->nbusy + 1, sizeof *job->busy);
    sch_busy_t *b = &job->busy[job->nbusy++];
    *b = (sch_busy_t){.worker = w->id};
    snprintf(b->name, sizeof b->name, "%s", w->info.name);
    return b;
}

sch_job_t *sch_jobs_by_id_(const sch_jobs_t *j, uint64_t id)
{
    for (sch_job_t *job = j->jobs; job; job = job->next)
        if (job->id == id)
            return job;
    return NULL;
}

/* A successful task: record it, release its input when nobody else needs it, go on. */
static void s_task_ok(sch_jobs_t *j, sch_job_t *job, int64_t i, const sch_worker_t *w,
                      dsk_msg_task_done_t *d)
{
    const ml_task_t *pt = ml_plan_task(job->plan, i);
    char err[DSK_ERR_LEN];
    job->tasks[i].state = SCH_DONE;
    job->by_kind[pt->kind]++;
    dsk_debug("job %llu: task %lld (%s) done on '%s' in %.3f s", (unsigned long long)job->id,
              (long long)i, ml_task_kind_name(pt->kind), w->info.name, (double)d->micros / 1e6);
    sch_busy_t *b = sch_jobs_busy_(job, w);
    b->tasks++;
    b->micros += d->micros;
    sch_order_record(job, i, d->micros);
    if (pt->kind == ML_TASK_SCORE && ml_plan_record(job->plan, i, d->result.data,
                                                    d->result.len, err) < 0) {
        sch_jobs_finish_(j, job, DSK_JOB_FAILED, "task %lld (score) on worker '%s': %s",
                 (long long)i, w->info.name, err);
        return;
    }
    if (pt->kind == ML_TASK_REFIT) {
        free(job->model);
        job->model = d->result.data;
        job->model_len = d->result.len;
        d->result = (dsk_bytes_t){0};
    }
    if (pt->kind == ML_TASK_SCORE || pt->kind == ML_TASK_REFIT)
        job->fits_done++;
    if (pt->kind == ML_TASK_STAGE || pt->kind == ML_TASK_PREFIX) {
        job->tasks[i].holders[0] = w->id;
        job->tasks[i].nholders = 1;
        job->tasks[i].resident = d->resident;
    }
    if (pt->dep >= 0) {
        sch_task_t *in = &job->tasks[pt->dep];
        if (in->users_done++ == 0)
            in->first_user_micros = d->micros;
        in->users_micros += d->micros;
        if (--in->users_left == 0)
            s_free_output(j, job, pt->dep);
    }
    job->state = DSK_JOB_PROGRESS;
    if (ml_plan_scores_done(job->plan)) {
        ml_plan_add_refit(job->plan);
        s_sync_tasks(job);
    }
    int64_t left = 0;
    for (int64_t k = 0; k < job->ntasks; k++)
        left += job->tasks[k].state == SCH_PENDING || job->tasks[k].state == SCH_RUNNING;
    if (left == 0)
        sch_jobs_finish_(j, job, DSK_JOB_DONE, "done: %lld fits in %.2f s", (long long)job->fits_done,
                 (double)(dsk_clock_mono_ms() - job->started_ms) / 1000.0);
    else if (pt->kind == ML_TASK_SCORE || pt->kind == ML_TASK_REFIT)
        sch_jobs_state_(j, job, NULL, 0);
}

void sch_jobs_on_task_done(sch_jobs_t *j, const sch_worker_t *w, dsk_msg_t *msg)
{
    dsk_msg_task_done_t *d = &msg->u.task_done;
    sch_job_t *job = sch_jobs_by_id_(j, (d->task_id & ~SCH_PREDICT_BIT) >> SCH_TASK_BITS);
    int64_t i = (int64_t)(d->task_id & ((1ULL << SCH_TASK_BITS) - 1));
    if (job && job->predict && (d->task_id & SCH_PREDICT_BIT)) {
        sch_predict_on_done(j, job, (uint64_t)i, w, d);
        sch_jobs_schedule_(j);
        return;
    }
    if (job && job->predict)
        return;
    if (!job || i >= job->ntasks || job->tasks[i].state != SCH_RUNNING ||
        job->tasks[i].worker != w->id)
        return; /* a job that ended, or a task given to another worker since */
    sch_jobs_load_(j, w->id)->running--;
    const ml_task_t *pt = ml_plan_task(job->plan, i);
    if (job->state == DSK_JOB_ACCEPTED || job->state == DSK_JOB_PROGRESS) {
        if (d->code == 0) {
            s_task_ok(j, job, i, w, d);
        } else {
            job->tasks[i].state = SCH_PENDING;
            char what[128] = "";
            if (pt->candidate >= 0 && pt->fold >= 0)
                snprintf(what, sizeof what, ", candidate %lld, fold %d",
                         (long long)pt->candidate, pt->fold);
            sch_jobs_finish_(j, job, DSK_JOB_FAILED, "task %lld (%s%s) failed on worker '%s': %s",
                     (long long)i, ml_task_kind_name(pt->kind), what, w->info.name, d->error);
        }
    } else if (d->code == 0 && (pt->kind == ML_TASK_STAGE || pt->kind == ML_TASK_PREFIX)) {
        sch_jobs_free_key_(j, w->id, pt->key); /* finished after its job ended */
    }
    sch_jobs_schedule_(j);
}

/* ------------------------------------------------------------ submit */

static void s_refuse(sch_jobs_t *j, const dsk_peer_id_t *to, int code, const char *text)
{
    dsk_msg_t m = {.type = DSK_MSG_ERROR};
    m.u.error.code = code;
    snprintf(m.u.error.message, sizeof m.u.error.message, "%s", text);
    sch_jobs_send_(j, to, &m);
}

/*
 * SUBMIT: the job is validated again here (a client of another version, or
 * not dsk-submit at all, may send anything), planned over the dataset, and
 * accepted; then the data goes out and the first tasks with it.
 */
void sch_jobs_on_submit(sch_jobs_t *j, const dsk_peer_id_t *from, dsk_msg_t *msg)
{
    dsk_msg_submit_t *sub = &msg->u.submit;
    char err[DSK_ERR_LEN], where[DSK_NAME_MAX + 1];
    snprintf(where, sizeof where, "%s", sub->name[0] ? sub->name : "job");
    if (sub->kind == DSK_JOB_PREDICT || sub->kind == DSK_JOB_NOOP) {
        sch_job_t *job = dsk_xcalloc(1, sizeof *job);
        job->id = j->next_id++;
        job->client = *from;
        snprintf(job->name, sizeof job->name, "%s", where);
        job->started_ms = dsk_clock_mono_ms();
        int prc = sub->kind == DSK_JOB_NOOP ? sch_predict_new_noop(j, job, sub, err)
                                            : sch_predict_new(j, job, sub, err);
        if (prc < 0) {
            s_job_free(job);
            s_refuse(j, from, DSK_EINVAL, err);
            return;
        }
        job->state = DSK_JOB_ACCEPTED;
        job->next = j->jobs;
        j->jobs = job;
        dsk_info("job %llu (%s) accepted: %s", (unsigned long long)job->id, job->name, job->text);
        sch_jobs_state_(j, job, NULL, 0);
        sch_jobs_schedule_(j);
        return;
    }
    ml_job_t *mj = NULL;
    ml_dataset_t *ds = NULL;
    if (ml_job_parse_text((const char *)sub->job.data, sub->job.len, where, &mj, err) < 0 ||
        ml_dataset_unpack(sub->data.data, sub->data.len, "the scattered data", &ds, err) < 0 ||
        ml_job_check_data(mj, ds, where, err) < 0) {
        ml_job_destroy(&mj);
        ml_dataset_destroy(&ds);
        s_refuse(j, from, DSK_EINVAL, err);
        return;
    }
    if ((sub->kind == DSK_JOB_FIT) != (mj->kind == ML_JOB_FIT)) {
        ml_job_destroy(&mj);
        ml_dataset_destroy(&ds);
        s_refuse(j, from, DSK_EINVAL, sub->kind == DSK_JOB_FIT
                                          ? "a fit job must not have a \"search\""
                                          : "a search job needs a \"search\" object");
        return;
    }
    char key[ML_KEY_LEN + 1];
    ml_content_key(sub->data.data, sub->data.len, key);
    sch_job_t *job = dsk_xcalloc(1, sizeof *job);
    job->id = j->next_id++;
    job->client = *from;
    snprintf(job->name, sizeof job->name, "%s", where);
    job->job = mj;
    job->started_ms = dsk_clock_mono_ms();
    if (ml_plan_new(mj, ds, key, &job->plan, err) < 0) {
        ml_dataset_destroy(&ds);
        s_job_free(job);
        s_refuse(j, from, DSK_EINVAL, err);
        return;
    }
    job->data = s_data_get(j, key, sub->data.data, sub->data.len, ds);
    sub->data = (dsk_bytes_t){0};
    job->fits_total = ml_plan_n_fits(job->plan);
    s_sync_tasks(job);
    job->state = DSK_JOB_ACCEPTED;
    ml_plan_describe(job->plan, job->text, sizeof job->text);
    job->next = j->jobs;
    j->jobs = job;
    dsk_info("job %llu (%s) accepted: %s; %lld tasks", (unsigned long long)job->id, job->name,
             job->text, (long long)job->ntasks);
    sch_jobs_state_(j, job, NULL, 0);
    s_replicate(j, job->data, job);
    sch_jobs_schedule_(j);
}

/* WATCH (the state, with the result once done), CANCEL, LIST. */
void sch_jobs_on_job_req(sch_jobs_t *j, const dsk_peer_id_t *from, const dsk_msg_t *msg)
{
    const dsk_msg_job_req_t *r = &msg->u.job_req;
    if (r->op == DSK_JOBREQ_LIST) {
        json_t *list = json_array();
        for (sch_job_t *job = j->jobs; job; job = job->next)
            json_array_append_new(list, json_pack("{s:I, s:s, s:i, s:I, s:I, s:s}", "job_id",
                                                  (json_int_t)job->id, "name", job->name,
                                                  "state", (int)job->state, "done",
                                                  (json_int_t)job->fits_done, "total",
                                                  (json_int_t)job->fits_total, "text",
                                                  job->text));
        char *text = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        dsk_msg_t m = {.type = DSK_MSG_JOB_STATE};
        m.u.job_state.result = (dsk_bytes_t){.data = (unsigned char *)text, .len = strlen(text)};
        sch_jobs_send_(j, from, &m);
        free(text);
        return;
    }
    sch_job_t *job = sch_jobs_by_id_(j, r->job_id);
    if (!job) {
        char text[128];
        snprintf(text, sizeof text, "no job %llu on this scheduler", (unsigned long long)r->job_id);
        s_refuse(j, from, DSK_ENOTFOUND, text);
        return;
    }
    if (r->op == DSK_JOBREQ_CANCEL && (job->state == DSK_JOB_ACCEPTED ||
                                       job->state == DSK_JOB_PROGRESS)) {
        /* running tasks keep their threads until they report */
        sch_jobs_finish_(j, job, DSK_JOB_CANCELLED, "cancelled by a client");
        sch_jobs_schedule_(j);
    }
    job->client = *from; /* the watcher gets what follows */
    sch_jobs_state_(j, job, from, 1);
}

/* ------------------------------------------------------------ workers come and go */

void sch_jobs_worker_joined(sch_jobs_t *j, const sch_worker_t *w)
{
    for (sch_job_t *job = j->jobs; job; job = job->next) {
        if (job->state != DSK_JOB_ACCEPTED && job->state != DSK_JOB_PROGRESS)
            continue;
        if (job->predict)
            sch_predict_worker_joined(j, job, w);
        else if (job->data)
            s_replicate(j, job->data, job);
    }
    sch_jobs_schedule_(j);
}

/*
 * A worker is gone: its running tasks are pending again (and counted
 * against the task), its resident outputs that dependents still need must
 * be made again, and its copies of the data are replaced.
 */
void sch_jobs_worker_lost(sch_jobs_t *j, const sch_worker_t *w)
{
    sch_jobs_load_(j, w->id)->running = 0;
    for (sch_data_t *d = j->data; d; d = d->next)
        for (int h = 0; h < d->nholders; h++)
            if (d->holders[h] == w->id) {
                d->holders[h] = d->holders[--d->nholders];
                h--;
            }
    for (sch_job_t *job = j->jobs; job; job = job->next) {
        if (job->state != DSK_JOB_ACCEPTED && job->state != DSK_JOB_PROGRESS)
            continue;
        if (job->predict) {
            sch_predict_worker_lost(j, job, w);
            continue;
        }
        for (int64_t i = 0; i < job->ntasks; i++) {
            sch_task_t *t = &job->tasks[i];
            if (t->moving_to && (t->moving_to == w->id || t->moving_from == w->id)) {
                sch_jobs_load_(j, t->moving_to)->moving = 0; /* the copy will not arrive */
                t->moving_to = 0;
            }
            for (int h = 0; h < t->nholders; h++)
                if (t->holders[h] == w->id)
                    t->holders[h--] = t->holders[--t->nholders];
            if (t->state == SCH_DONE && t->nholders == 0 && t->users_left > 0)
                t->state = SCH_PENDING; /* every copy lost: make it again */
            if (t->state != SCH_RUNNING || t->worker != w->id)
                continue;
            if (++t->kills >= SCH_MAX_KILLS) {
                sch_jobs_finish_(j, job, DSK_JOB_FAILED, "KilledWorker: task %lld (%s) was running on "
                         "%d workers that died, the last '%s'", (long long)i,
                         ml_task_kind_name(ml_plan_task(job->plan, i)->kind), t->kills,
                         w->info.name);
                break;
            }
            t->state = SCH_PENDING;
        }
    }
    /* the worker is still in the registry: re-place data on the others after it leaves */
}

void sch_jobs_tick(sch_jobs_t *j)
{
    for (sch_job_t *job = j->jobs; job; job = job->next)
        if (job->state == DSK_JOB_ACCEPTED || job->state == DSK_JOB_PROGRESS) {
            if (job->data && job->data->nholders < S_REPLICAS)
                s_replicate(j, job->data, job);
            sch_jobs_state_(j, job, NULL, 0);
        }
    sch_jobs_schedule_(j);
}

uint32_t sch_jobs_active(const sch_jobs_t *j)
{
    uint32_t n = 0;
    for (const sch_job_t *job = j->jobs; job; job = job->next)
        n += job->state == DSK_JOB_ACCEPTED || job->state == DSK_JOB_PROGRESS;
    return n;
}

static uint32_t s_count(const sch_jobs_t *j, int running)
{
    uint32_t n = 0;
    for (const sch_job_t *job = j->jobs; job; job = job->next) {
        if (job->state != DSK_JOB_ACCEPTED && job->state != DSK_JOB_PROGRESS)
            continue;
        if (job->predict)
            n += (uint32_t)(running ? sch_predict_running(job) : sch_predict_queued(job));
        for (int64_t i = 0; i < job->ntasks; i++)
            n += running ? job->tasks[i].state == SCH_RUNNING : sch_jobs_runnable_(job, i);
    }
    return n;
}

uint32_t sch_jobs_tasks_running(const sch_jobs_t *j) { return s_count(j, 1); }

void sch_jobs_on_chunk(sch_jobs_t *j, const dsk_peer_id_t *from, dsk_msg_t *msg)
{
    sch_job_t *job = sch_jobs_by_id_(j, msg->u.chunk.job_id);
    if (!job || !job->predict) {
        s_refuse(j, from, DSK_ENOTFOUND, "a chunk for a job that is not a running predict job");
        return;
    }
    if (job->state != DSK_JOB_ACCEPTED && job->state != DSK_JOB_PROGRESS)
        return; /* cancelled or failed: the client hears it from JOB_STATE */
    sch_predict_on_chunk(j, job, &msg->u.chunk);
    sch_jobs_schedule_(j);
}

sch_worker_t *sch_jobs_worker_at_(const sch_jobs_t *j, size_t i)
{
    return sch_registry_at(j->workers, i);
}

size_t sch_jobs_nworkers_(const sch_jobs_t *j) { return sch_registry_count(j->workers); }
uint32_t sch_jobs_tasks_queued(const sch_jobs_t *j) { return s_count(j, 0); }
