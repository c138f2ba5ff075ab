/* sch_search.c — search and fit jobs: inputs, placement, results, recovery, freeing. */
#include "sch_search.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "job_build.h"
#include "job_data.h"
#include "sch_inputs.h"
#include "sch_jobs.h"
#include "sch_order.h"
#include "sch_steal.h"

#define S_REPLICAS 2       /* copies of a dataset where the cluster has them */

static int s_resident_kind(job_task_kind_t kind)
{
    return kind == JOB_TASK_STAGE || kind == JOB_TASK_PREFIX;
}

/* ------------------------------------------------------------ inputs */

/*
 * The bytes a task's output is expected to take on its worker: the
 * largest output of its kind so far, and at least the dataset's size (a
 * corpus' counts or a fold's matrices are of that order), so a worker's
 * memory limit is kept before the first one is known.
 */
static uint64_t s_reserve(const sch_job_t *job, int64_t i)
{
    const sch_search_t *S = job->k;
    const job_task_t *pt = sch_search_task(job, i);
    if (!s_resident_kind(pt->kind))
        return 0;
    uint64_t largest = S->largest_by_kind[pt->kind];
    return largest > S->data->mem ? largest : S->data->mem;
}

/* ------------------------------------------------------------ outputs */

/* Drops every copy of task i's output (FREE on each holder). */
static void s_free_output(sch_jobs_t *j, sch_job_t *job, int64_t i)
{
    sch_out_t *o = &((sch_search_t *)job->k)->outs[i];
    const char *key = sch_search_task(job, i)->key;
    for (int h = 0; h < o->holders.n; h++) {
        /* nothing is freed where a task still reads it (unless the job ended) */
        for (int64_t k = i + 1; sch_jobs_active_state(job->state) && k < job->ntasks; k++)
            if (sch_search_task(job, k)->dep == i && job->tasks[k].state != SCH_DONE &&
                sch_jobs_runs_on(&job->tasks[k], o->holders.ids[h]))
                sch_jobs_violation(j, "job %llu: output of task %lld freed on worker %llu while "
                                   "task %lld runs there on it", (unsigned long long)job->id,
                                   (long long)i, (unsigned long long)o->holders.ids[h],
                                   (long long)k);
        sch_worker_t *w = sch_jobs_worker(j, o->holders.ids[h]);
        if (!w)
            continue;
        sch_jobs_free_key(j, w->id, key);
        w->held -= o->resident;
    }
    if (o->holders.n)
        dsk_debug("job %llu: task %lld (%s): its output is freed (%d copies)",
                  (unsigned long long)job->id, (long long)i,
                  job_task_kind_name(sch_search_task(job, i)->kind), o->holders.n);
    sch_ids_clear(&o->holders);
}

/* A copy on its way will not be wanted, or cannot arrive: its target stops waiting. */
static void s_cancel_move(sch_jobs_t *j, sch_out_t *o)
{
    if (!o->moving_to)
        return;
    sch_worker_t *to = sch_jobs_worker(j, o->moving_to);
    if (to) {
        to->incoming = 0;
        to->held -= o->resident;
    }
    o->moving_to = o->moving_from = 0;
}

/*
 * Brings outputs in line with who needs them, from the last task to the
 * first (a task's input always comes before it): an output no open task
 * reads is freed; one that open tasks read but no worker holds is made
 * again, which makes its own input needed, and so on down.
 */
static void s_reconcile(sch_jobs_t *j, sch_job_t *job)
{
    sch_search_t *S = job->k;
    for (int64_t i = job->ntasks - 1; i >= 0; i--) {
        sch_task_t *t = &job->tasks[i];
        sch_out_t *o = &S->outs[i];
        if (t->state != SCH_DONE || !s_resident_kind(sch_search_task(job, i)->kind))
            continue;
        if (o->open_users == 0 && (o->holders.n > 0 || o->moving_to)) {
            s_cancel_move(j, o);
            s_free_output(j, job, i);
        } else if (o->open_users > 0 && o->holders.n == 0) {
            s_cancel_move(j, o);
            t->state = t->nrun > 0 ? SCH_RUNNING : SCH_PENDING;
            int64_t dep = sch_search_task(job, i)->dep;
            if (dep >= 0)
                S->outs[dep].open_users++;
            dsk_info("job %llu: the output of task %lld (%s) is lost: making it again",
                     (unsigned long long)job->id, (long long)i,
                     job_task_kind_name(sch_search_task(job, i)->kind));
        }
    }
}

/* Grows the task table after the plan gained tasks (the refit). */
static void s_sync_tasks(sch_job_t *job)
{
    sch_search_t *S = job->k;
    int64_t n = job_plan_n_tasks(S->plan);
    if (n == job->ntasks)
        return;
    job->tasks = dsk_xrealloc(job->tasks, (size_t)n, sizeof *job->tasks);
    S->outs = dsk_xrealloc(S->outs, (size_t)n, sizeof *S->outs);
    for (int64_t i = job->ntasks; i < n; i++) {
        job->tasks[i] = (sch_task_t){.state = SCH_PENDING};
        S->outs[i] = (sch_out_t){.open_users = job_plan_task(S->plan, i)->n_users};
        int64_t dep = job_plan_task(S->plan, i)->dep;
        if (dep >= 0 && dep < job->ntasks)
            S->outs[dep].open_users++;
    }
    job->ntasks = n;
}

/* ------------------------------------------------------------ placement */

/*
 * Tops the dataset up to S_REPLICAS holders (or every worker, if fewer)
 * that have room for it, choosing those holding the least.
 */
static void s_replicate(sch_jobs_t *j, sch_job_t *job)
{
    sch_search_t *S = job->k;
    while (S->data->holders.n < S_REPLICAS) {
        sch_worker_t *best = NULL;
        for (size_t k = 0; k < sch_jobs_nworkers(j); k++) {
            sch_worker_t *w = sch_jobs_worker_at(j, k);
            if (sch_ids_has(&S->data->holders, w->id) || !sch_jobs_room(w, S->data->mem))
                continue;
            if (!best || w->held < best->held)
                best = w;
        }
        if (!best)
            return;
        sch_blobs_place(sch_jobs_blobs(j), S->data, best);
        S->bytes_scattered += S->data->len;
    }
}

/*
 * Where task i may run: a worker holding every input it reads, with a
 * free thread and room for its expected output (and for the job, when the
 * job is not there yet), not already running it; the one with the most
 * free threads. NULL when there is none.
 */
static sch_worker_t *s_place(sch_jobs_t *j, sch_job_t *job, int64_t i)
{
    sch_search_t *S = job->k;
    const job_task_t *pt = sch_search_task(job, i);
    const sch_ids_t *cands = pt->dep >= 0 ? &S->outs[pt->dep].holders : &S->data->holders;
    uint64_t reserve = job->tasks[i].nrun ? job->tasks[i].reserve : s_reserve(job, i);
    sch_worker_t *best = NULL;
    for (int h = 0; h < cands->n; h++) {
        sch_worker_t *w = sch_jobs_worker(j, cands->ids[h]);
        if (!w || sch_jobs_runs_on(&job->tasks[i], w->id) || sch_jobs_free_threads(w) <= 0 ||
            !sch_inputs_held(job, i, w->id))
            continue;
        uint64_t spec = sch_ids_has(&S->spec->holders, w->id) ? 0 : S->spec->mem;
        if (!sch_jobs_room(w, reserve + spec))
            continue;
        if (!best || sch_jobs_free_threads(w) > sch_jobs_free_threads(best))
            best = w;
    }
    return best;
}

static void s_dispatch(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w)
{
    sch_search_t *S = job->k;
    const job_task_t *pt = sch_search_task(job, i);
    msgpack_sbuffer spec;
    msgpack_sbuffer_init(&spec);
    char err[DSK_ERR_LEN];
    if (job_plan_spec(S->plan, i, &spec, err) < 0) {
        msgpack_sbuffer_destroy(&spec);
        sch_jobs_finish(j, job, DSK_JOB_FAILED, "task %lld (%s) could not be written: %s",
                        (long long)i, job_task_kind_name(pt->kind), err);
        return;
    }
    if (job->tasks[i].nrun == 0)
        job->tasks[i].reserve = s_reserve(job, i);
    sch_blobs_place(sch_jobs_blobs(j), S->spec, w); /* ahead of the task, on the same link */
    dsk_msg_t m = {.type = DSK_MSG_TASK};
    dsk_msg_task_t *t = &m.u.task;
    t->kind = (uint32_t)pt->kind;
    if (pt->reads_data)
        snprintf(t->data_key, sizeof t->data_key, "%s", S->data->key);
    snprintf(t->job_key, sizeof t->job_key, "%s", S->spec->key);
    if (pt->dep >= 0)
        snprintf(t->input_key, sizeof t->input_key, "%s", sch_search_task(job, pt->dep)->key);
    snprintf(t->key, sizeof t->key, "%s", pt->key);
    t->spec = (dsk_bytes_t){.data = (unsigned char *)spec.data, .len = spec.size};
    int backup = job->tasks[i].nrun > 0;
    sch_jobs_dispatch(j, job, i, w, &m);
    msgpack_sbuffer_destroy(&spec);
    if (backup)
        dsk_info("job %llu: task %lld (%s) is overdue: a backup runs on '%s'",
                 (unsigned long long)job->id, (long long)i, job_task_kind_name(pt->kind),
                 w->info.name);
    else
        dsk_debug("job %llu: task %lld (%s) to '%s'", (unsigned long long)job->id, (long long)i,
                  job_task_kind_name(pt->kind), w->info.name);
}

/* The largest memory limit of the cluster's workers (0: one has none). */
static uint64_t s_largest_limit(const sch_jobs_t *j)
{
    uint64_t largest = 0;
    for (size_t k = 0; k < sch_jobs_nworkers(j); k++) {
        uint64_t limit = sch_jobs_worker_at(j, k)->info.memory_limit;
        if (limit == 0)
            return 0;
        largest = limit > largest ? limit : largest;
    }
    return largest;
}

/*
 * A job that no worker could hold even empty fails, naming what is too
 * big, rather than wait for ever: its dataset, or the first waiting task
 * with its inputs and expected output (s_reserve's estimate, the same the
 * placement keeps to). Room taken by other work frees up; a limit does not
 * grow.
 */
static int s_too_big(sch_jobs_t *j, sch_job_t *job, const int64_t *ready, int64_t nready)
{
    sch_search_t *S = job->k;
    uint64_t largest = s_largest_limit(j);
    if (sch_jobs_nworkers(j) == 0 || largest == 0)
        return 0;
    uint64_t need = 0;
    const char *what = NULL;
    char task[64];
    if (S->data->holders.n == 0 && S->data->mem + S->spec->mem > largest) {
        need = S->data->mem + S->spec->mem;
        what = "its dataset";
    } else if (nready > 0) {
        const job_task_t *pt = sch_search_task(job, ready[0]);
        need = s_reserve(job, ready[0]) + S->spec->mem + (pt->reads_data ? S->data->mem : 0) +
               (pt->dep >= 0 ? S->outs[pt->dep].resident : 0);
        snprintf(task, sizeof task, "task %lld (%s)", (long long)ready[0],
                 job_task_kind_name(pt->kind));
        what = task;
    }
    if (!what || need <= largest)
        return 0;
    sch_jobs_finish(j, job, DSK_JOB_FAILED, "%s needs about %llu bytes of a worker's memory; "
                    "the largest --memory-limit on this cluster is %llu", what,
                    (unsigned long long)need, (unsigned long long)largest);
    return 1;
}

/*
 * Tasks wait, none could be placed or copied, and nothing runs anywhere on
 * the cluster that would free memory: what the job holds and what its next
 * task needs do not fit the workers' limits together. It fails, saying
 * how much was missing, rather than wait for ever.
 */
static void s_memory_deadlock(sch_jobs_t *j, sch_job_t *job, int64_t i)
{
    uint64_t most = 0;
    for (size_t k = 0; k < sch_jobs_nworkers(j); k++) {
        const sch_worker_t *w = sch_jobs_worker_at(j, k);
        if (w->running > 0 || w->stale > 0 || w->incoming || w->info.memory_limit == 0)
            return; /* something may still finish and free room, or room is unbounded */
        if (w->info.paused)
            return; /* it may yet spill back under its pause mark (else: sch_paused.h) */
        uint64_t used = w->held + w->reserved;
        if (w->info.memory_limit > used && w->info.memory_limit - used > most)
            most = w->info.memory_limit - used;
    }
    if (sch_jobs_nworkers(j) == 0)
        return;
    sch_jobs_finish(j, job, DSK_JOB_FAILED, "task %lld (%s) needs about %llu bytes of a worker's "
                    "memory beside what the job holds there, and the most room left under any "
                    "--memory-limit is %llu: add workers or raise their limits", (long long)i,
                    job_task_kind_name(sch_search_task(job, i)->kind), (unsigned long long)s_reserve(job, i),
                    (unsigned long long)most);
}

/*
 * Runnable tasks in sch_order's order where they can go; then a backup
 * for each task running far past its deadline; then idle workers take
 * copies of inputs (sch_steal.h).
 */
static void s_schedule(sch_jobs_t *j, sch_job_t *job)
{
    s_replicate(j, job);
    int64_t *ready = dsk_xmalloc((size_t)(job->ntasks ? job->ntasks : 1) * sizeof *ready);
    int64_t nready = sch_order_runnable(job, ready);
    if (s_too_big(j, job, ready, nready)) {
        free(ready);
        return;
    }
    for (int64_t r = 0; r < nready && sch_jobs_active_state(job->state); r++) {
        sch_worker_t *w = s_place(j, job, ready[r]);
        if (w)
            s_dispatch(j, job, ready[r], w);
    }
    sch_jobs_backups(j, job, s_place, s_dispatch);
    int copies = sch_jobs_active_state(job->state) ? sch_steal(j, job, ready, nready) : 0;
    if (copies == 0 && sch_jobs_active_state(job->state) && nready > 0 &&
        sch_inputs_stalled(job))
        s_memory_deadlock(j, job, ready[0]);
    free(ready);
}

/* ------------------------------------------------------------ results */

/* A worker refused task i for want of an input: it does not hold what we thought. */
static void s_refused(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w,
                      const dsk_msg_task_done_t *d)
{
    sch_search_t *S = job->k;
    const job_task_t *pt = sch_search_task(job, i);
    dsk_warn("job %llu: worker '%s' refused task %lld (%s): %s", (unsigned long long)job->id,
             w->info.name, (long long)i, job_task_kind_name(pt->kind), d->error);
    if (pt->reads_data)
        sch_blobs_forget(sch_jobs_blobs(j), S->data, w);
    sch_blobs_forget(sch_jobs_blobs(j), S->spec, w);
    if (pt->dep >= 0 && sch_ids_remove(&S->outs[pt->dep].holders, w->id))
        w->held -= S->outs[pt->dep].resident;
    if (++job->tasks[i].refusals >= SCH_MAX_REFUSALS)
        sch_jobs_finish(j, job, DSK_JOB_FAILED, "task %lld (%s) was refused %d times, the last "
                        "by worker '%s': %s", (long long)i, job_task_kind_name(pt->kind),
                        job->tasks[i].refusals, w->info.name, d->error);
}

/*
 * A backup's result for a task already done: a resident output is one
 * more copy while it is needed (the worker has stored it either way), else
 * it is freed there — as it is when the worker already had a copy, which
 * it now holds twice.
 */
static void s_extra_copy(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w)
{
    sch_search_t *S = job->k;
    if (!s_resident_kind(sch_search_task(job, i)->kind))
        return;
    sch_out_t *o = &S->outs[i];
    if (o->open_users == 0 || sch_ids_has(&o->holders, w->id)) {
        sch_jobs_free_key(j, w->id, sch_search_task(job, i)->key);
        return;
    }
    sch_ids_add(&o->holders, w->id);
    w->held += o->resident;
}

/* A successful task: record it, release its input when nobody else needs it, go on. */
static void s_task_ok(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w,
                      dsk_msg_task_done_t *d)
{
    sch_search_t *S = job->k;
    const job_task_t *pt = sch_search_task(job, i);
    char err[DSK_ERR_LEN];
    job->tasks[i].state = SCH_DONE;
    S->outs[i].done_once = 1;
    dsk_debug("job %llu: task %lld (%s) done on '%s' in %.3f s", (unsigned long long)job->id,
              (long long)i, job_task_kind_name(pt->kind), w->info.name, (double)d->micros / 1e6);
    sch_busy_t *b = sch_jobs_busy(job, w);
    b->tasks++;
    b->micros += d->micros;
    sch_order_record(job, i, d->micros);
    if (pt->kind == JOB_TASK_SCORE &&
        job_plan_record(S->plan, i, d->result.data, d->result.len, err) < 0) {
        sch_jobs_finish(j, job, DSK_JOB_FAILED, "task %lld (score) on worker '%s': %s",
                        (long long)i, w->info.name, err);
        return;
    }
    if (pt->kind == JOB_TASK_REFIT) {
        free(job->model);
        job->model = d->result.data;
        job->model_len = d->result.len;
        d->result = (dsk_bytes_t){0};
    }
    if (pt->kind == JOB_TASK_SCORE || pt->kind == JOB_TASK_REFIT)
        job->fits_done++;
    sch_out_t *o = &S->outs[i];
    if (s_resident_kind(pt->kind)) {
        o->resident = d->resident;
        if (d->resident > S->largest_by_kind[pt->kind])
            S->largest_by_kind[pt->kind] = d->resident;
        if (sch_ids_add(&o->holders, w->id))
            w->held += o->resident;
    }
    if (pt->dep >= 0) {
        sch_out_t *in = &S->outs[pt->dep];
        if (in->users_done++ == 0)
            in->first_user_micros = d->micros;
        in->users_micros += d->micros;
        in->open_users--;
    }
    job->state = DSK_JOB_PROGRESS;
    if (job_plan_scores_done(S->plan)) {
        job_plan_add_refit(S->plan);
        s_sync_tasks(job);
    }
    s_reconcile(j, job);
    int64_t left = 0;
    for (int64_t k = 0; k < job->ntasks; k++)
        left += job->tasks[k].state != SCH_DONE;
    if (left == 0)
        sch_jobs_finish(j, job, DSK_JOB_DONE, "done: %lld fits in %.2f s",
                        (long long)job->fits_done,
                        (double)(sch_jobs_now(j) - job->started_ms) / 1000.0);
    else if (pt->kind == JOB_TASK_SCORE || pt->kind == JOB_TASK_REFIT)
        sch_jobs_state(j, job, NULL, 0);
}

static void s_on_task_done(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w,
                           dsk_msg_task_done_t *d)
{
    const job_task_t *pt = sch_search_task(job, i);
    if (!sch_jobs_active_state(job->state)) {
        if (d->code == 0 && s_resident_kind(pt->kind))
            sch_jobs_free_key(j, w->id, pt->key); /* finished after its job ended */
        return;
    }
    if (d->code == DSK_ENOTFOUND) {
        s_refused(j, job, i, w, d);
        s_reconcile(j, job);
        return;
    }
    if (d->code != 0) {
        if (job->tasks[i].state == SCH_DONE)
            return; /* a backup failed after the first attempt succeeded */
        char what[128] = "";
        if (pt->candidate >= 0 && pt->fold >= 0)
            snprintf(what, sizeof what, ", candidate %lld, fold %d", (long long)pt->candidate,
                     pt->fold);
        sch_jobs_finish(j, job, DSK_JOB_FAILED, "task %lld (%s%s) failed on worker '%s': %s",
                        (long long)i, job_task_kind_name(pt->kind), what, w->info.name, d->error);
        return;
    }
    if (job->tasks[i].state == SCH_DONE)
        s_extra_copy(j, job, i, w);
    else
        s_task_ok(j, job, i, w, d);
}

static void s_on_worker_lost(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *w)
{
    sch_search_t *S = job->k;
    for (int64_t i = 0; i < job->ntasks; i++) {
        sch_out_t *o = &S->outs[i];
        if (o->moving_to == w->id || o->moving_from == w->id)
            s_cancel_move(j, o);
        sch_ids_remove(&o->holders, w->id);
    }
    s_reconcile(j, job);
}

/* ------------------------------------------------------------ the job */

static void s_data_free(void *obj)
{
    ml_dataset_t *ds = obj;
    ml_dataset_destroy(&ds);
}

/* The SUBMIT's job parsed, and of the kind submitted (fit: no "search"). */
static int s_parse_kind(const dsk_msg_submit_t *sub, const char *where, int fit, job_t **out,
                        char *err)
{
    if (job_parse_text((const char *)sub->job.data, sub->job.len, where, out, err) < 0)
        return DSK_EINVAL;
    if (fit == ((*out)->kind == JOB_FIT))
        return DSK_OK;
    job_destroy(out);
    return dsk_seterr(err, DSK_EINVAL, "%s", fit ? "a fit job must not have a \"search\""
                                                 : "a search job needs a \"search\" object");
}

/*
 * SUBMIT: the job is parsed and checked again here (a client of another
 * version, or not dsk-submit at all, may send anything) and planned over
 * the dataset; the dataset and the job become blobs workers get by key.
 */
static int s_submit(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, int fit, char *err)
{
    job_t *mj = NULL;
    ml_dataset_t *ds = NULL;
    if (s_parse_kind(sub, job->name, fit, &mj, err) < 0 ||
        job_dataset_unpack(sub->data.data, sub->data.len, "the scattered data", &ds, err) < 0 ||
        job_check_data(mj, ds, job->name, err) < 0) {
        job_destroy(&mj);
        ml_dataset_destroy(&ds);
        return DSK_EINVAL;
    }
    char key[JOB_KEY_LEN + 1];
    job_content_key(sub->data.data, sub->data.len, key);
    job_plan_t *plan = NULL;
    if (job_plan_new(mj, ds, key, &plan, err) < 0) {
        job_destroy(&mj);
        ml_dataset_destroy(&ds);
        return DSK_EINVAL;
    }
    sch_search_t *S = dsk_xcalloc(1, sizeof *S);
    job->k = S;
    S->mjob = mj;
    S->plan = plan;
    S->data = sch_blobs_get(sch_jobs_blobs(j), key, DSK_DATA_DATASET, sub->data.data,
                            sub->data.len, job_dataset_bytes(ds), ds, s_data_free);
    sub->data = (dsk_bytes_t){0};
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    job_plan_pack_job(plan, &sb);
    char jkey[JOB_KEY_LEN + 1];
    job_content_key(sb.data, sb.size, jkey);
    S->spec = sch_blobs_get(sch_jobs_blobs(j), jkey, DSK_DATA_JOB, (unsigned char *)sb.data,
                            sb.size, sb.size, NULL, NULL);
    job->fits_total = job_plan_n_fits(plan);
    s_sync_tasks(job);
    job_plan_describe(plan, job->text, sizeof job->text);
    return DSK_OK;
}

/* CHECK_ONLY: the job's parse and its kind, as s_submit checks them before the data. */
static int s_check_job(const dsk_msg_submit_t *sub, const char *where, int fit, char *err)
{
    job_t *mj = NULL;
    int rc = s_parse_kind(sub, where, fit, &mj, err);
    job_destroy(&mj);
    return rc;
}

static int s_check_search(const dsk_msg_submit_t *sub, const char *where, char *err)
{
    return s_check_job(sub, where, 0, err);
}

static int s_check_fit(const dsk_msg_submit_t *sub, const char *where, char *err)
{
    return s_check_job(sub, where, 1, err);
}

static int s_submit_search(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err)
{
    return s_submit(j, job, sub, 0, err);
}

static int s_submit_fit(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err)
{
    return s_submit(j, job, sub, 1, err);
}

/* The stats object: tasks by kind, tokenizations, sharing, bytes, busy time per worker. */
static json_t *s_stats(sch_jobs_t *j, const sch_job_t *job)
{
    const sch_search_t *S = job->k;
    json_t *kinds = json_object(), *workers = sch_jobs_busy_json(job);
    for (int k = JOB_TASK_STAGE; k <= JOB_TASK_REFIT; k++)
        json_object_set_new(kinds, job_task_kind_name(k), json_integer(S->done_by_kind[k]));
    int64_t shared = 0;
    for (int64_t i = 0; i < job_plan_n_tasks(S->plan); i++) {
        const job_task_t *t = job_plan_task(S->plan, i);
        if (t->n_users > 1)
            shared += t->n_users - 1;
    }
    return json_pack("{s:o, s:I, s:I, s:I, s:I, s:o, s:f}", "tasks", kinds,
                     "tokenized", (json_int_t)S->done_by_kind[JOB_TASK_STAGE],
                     "cache_hits", (json_int_t)shared,
                     "bytes_scattered", (json_int_t)S->bytes_scattered,
                     "bytes_moved", (json_int_t)S->bytes_moved, "workers", workers, "wall_s",
                     (double)(sch_jobs_now(j) - job->started_ms) / 1000.0);
}

static json_t *s_result(sch_jobs_t *j, sch_job_t *job)
{
    json_t *r = job_plan_result(((sch_search_t *)job->k)->plan);
    json_object_set_new(r, "stats", s_stats(j, job));
    return r;
}

/* Frees what the job holds on workers: its outputs, its use of the data and the job. */
static void s_release(sch_jobs_t *j, sch_job_t *job)
{
    sch_search_t *S = job->k;
    for (int64_t i = 0; i < job->ntasks; i++) {
        s_cancel_move(j, &S->outs[i]);
        if (S->outs[i].holders.n > 0)
            s_free_output(j, job, i);
    }
    sch_blobs_unref(sch_jobs_blobs(j), &S->data);
    sch_blobs_unref(sch_jobs_blobs(j), &S->spec);
}

static void s_destroy(sch_job_t *job)
{
    sch_search_t *S = job->k;
    for (int64_t i = 0; i < job->ntasks; i++)
        sch_ids_clear(&S->outs[i].holders);
    free(S->outs);
    free(S->cand_micros);
    free(S->cand_fits);
    job_plan_destroy(&S->plan);
    job_destroy(&S->mjob);
    free(S);
    job->k = NULL;
}

static uint64_t s_held_on(const sch_job_t *job, uint64_t w)
{
    const sch_search_t *S = job->k;
    if (!S || !sch_jobs_active_state(job->state))
        return 0;
    uint64_t n = 0;
    for (int64_t i = 0; i < job->ntasks; i++)
        n += S->outs[i].resident *
             (uint64_t)(sch_ids_has(&S->outs[i].holders, w) + (S->outs[i].moving_to == w));
    return n;
}

/*
 * The kind's invariants: each output's open users are the tasks reading
 * it that are not done; an output still needed has a copy (or is being
 * made again), one no longer needed has none; every holder is a worker;
 * a running attempt holds every input of its task; fits are counted once.
 */
static int s_check(const sch_jobs_t *j, const sch_job_t *job, char *err)
{
    const sch_search_t *S = job->k;
    int64_t fits = 0;
    for (int64_t i = 0; i < job->ntasks; i++) {
        const job_task_t *pt = sch_search_task(job, i);
        const sch_task_t *t = &job->tasks[i];
        const sch_out_t *o = &S->outs[i];
        int64_t open = 0;
        for (int64_t k = i + 1; k < job->ntasks; k++)
            open += sch_search_task(job, k)->dep == i && job->tasks[k].state != SCH_DONE;
        if (open != o->open_users)
            return dsk_seterr(err, DSK_ESTATE, "job %llu task %lld: %lld open users counted, "
                              "%lld really", (unsigned long long)job->id, (long long)i,
                              (long long)o->open_users, (long long)open);
        if (s_resident_kind(pt->kind) && t->state == SCH_DONE &&
            (open > 0) != (o->holders.n > 0))
            return dsk_seterr(err, DSK_ESTATE, "job %llu task %lld: done, %lld open users, %d "
                              "copies", (unsigned long long)job->id, (long long)i,
                              (long long)open, o->holders.n);
        for (int h = 0; h < o->holders.n; h++)
            if (!sch_jobs_worker(j, o->holders.ids[h]))
                return dsk_seterr(err, DSK_ESTATE, "job %llu task %lld: a copy on worker "
                                  "%llu, which is gone", (unsigned long long)job->id,
                                  (long long)i, (unsigned long long)o->holders.ids[h]);
        if (t->state != SCH_DONE && !o->done_once)
            for (int a = 0; a < t->nrun; a++) {
                uint64_t w = t->on[a];
                const char *lacks = pt->reads_data && !sch_ids_has(&S->data->holders, w) ? "data"
                                    : pt->dep >= 0 && !sch_ids_has(&S->outs[pt->dep].holders, w)
                                        ? "its input"
                                    : !sch_ids_has(&S->spec->holders, w) ? "the job"
                                                                         : NULL;
                if (lacks)
                    return dsk_seterr(err, DSK_ESTATE, "job %llu task %lld (%s) runs on worker "
                                      "%llu, which lacks %s", (unsigned long long)job->id,
                                      (long long)i, job_task_kind_name(pt->kind),
                                      (unsigned long long)w, lacks);
            }
        fits += t->state == SCH_DONE && (pt->kind == JOB_TASK_SCORE || pt->kind == JOB_TASK_REFIT);
    }
    if (fits != job->fits_done)
        return dsk_seterr(err, DSK_ESTATE, "job %llu: %lld fits counted, %lld done",
                          (unsigned long long)job->id, (long long)job->fits_done,
                          (long long)fits);
    return DSK_OK;
}

static int s_runnable(const sch_job_t *job, int64_t i) { return sch_inputs_ready(job, i); }

static const char *s_task_kind(const sch_job_t *job, int64_t i)
{
    return job_task_kind_name(sch_search_task(job, i)->kind);
}

static json_t *s_best(const sch_job_t *job)
{
    const sch_search_t *S = job->k;
    return S && S->plan ? job_plan_best_so_far(S->plan) : NULL;
}

/* Search and fit differ only in what their SUBMIT must hold. */
#define S_SEARCH_OPS                                                                       \
    .schedule = s_schedule, .on_task_done = s_on_task_done,                                \
    .on_worker_lost = s_on_worker_lost, .runnable = s_runnable, .task_kind = s_task_kind,  \
    .expected_us = sch_order_expected_us, .result = s_result, .release = s_release,        \
    .destroy = s_destroy, .on_fetched = sch_steal_on_fetched, .held_on = s_held_on,        \
    .best = s_best, .check = s_check

const sch_kind_t sch_search_kind = {.name = "search", .on_submit = s_submit_search,
                                    .check_job = s_check_search, S_SEARCH_OPS};
const sch_kind_t sch_fit_kind = {.name = "fit", .on_submit = s_submit_fit,
                                 .check_job = s_check_fit, S_SEARCH_OPS};
