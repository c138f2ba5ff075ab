/* sch_jobs.c — jobs from SUBMIT to result: attempts, deadlines, lost workers, expiry. */
#include "sch_jobs.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_log.h"

struct sch_jobs {
    sch_registry_t *workers;
    sch_jobs_cfg_t cfg;
    sch_kind_of_fn kind_of;
    sch_send_fn send;
    void *arg;
    sch_blobs_t *blobs;
    sch_job_t *jobs;            /* newest first */
    const sch_jobs_journal_t *journal; /* NULL: jobs live in memory only */
    uint64_t next_id;
    int64_t now;
    int deadline_pass;          /* this pass looks for overdue tasks */
    sch_task_count_t counts[SCH_COUNT_KINDS]; /* answered attempts by task kind, ever */
    uint64_t rows_predicted;    /* predict chunks' rows whose results went out, ever */
    size_t ncounts;
    char violation[DSK_ERR_LEN]; /* the first broken invariant seen, "" while none */
};

sch_jobs_t *sch_jobs_new(sch_registry_t *workers, const sch_jobs_cfg_t *cfg,
                         sch_kind_of_fn kind_of, sch_send_fn send, void *arg)
{
    sch_jobs_t *j = dsk_xcalloc(1, sizeof *j);
    j->workers = workers;
    j->kind_of = kind_of;
    j->cfg = *cfg;
    j->send = send;
    j->arg = arg;
    j->next_id = 1;
    j->blobs = sch_blobs_new(workers, send, arg);
    return j;
}

static void s_job_free(sch_job_t *job)
{
    if (job->k && job->kind->destroy)
        job->kind->destroy(job);
    free(job->tasks);
    json_decref(job->result);
    free(job->model);
    free(job->busy);
    sch_tasklog_destroy(&job->log);
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
        if (sch_jobs_active_state(job->state))
            job->kind->release(j, job);
        s_job_free(job);
    }
    sch_blobs_destroy(&j->blobs);
    free(j);
    *j_p = NULL;
}

void sch_jobs_set_journal(sch_jobs_t *j, const sch_jobs_journal_t *journal)
{
    j->journal = journal;
}

void sch_jobs_set_now(sch_jobs_t *j, int64_t now_ms) { j->now = now_ms; }
int64_t sch_jobs_now(const sch_jobs_t *j) { return j->now; }
sch_blobs_t *sch_jobs_blobs(sch_jobs_t *j) { return j->blobs; }
size_t sch_jobs_nworkers(const sch_jobs_t *j) { return sch_registry_count(j->workers); }
sch_worker_t *sch_jobs_worker_at(const sch_jobs_t *j, size_t i)
{
    return sch_registry_at(j->workers, i);
}
sch_worker_t *sch_jobs_worker(const sch_jobs_t *j, uint64_t id)
{
    return sch_registry_by_id(j->workers, id);
}

int sch_jobs_active_state(uint32_t state)
{
    return state == DSK_JOB_ACCEPTED || state == DSK_JOB_PROGRESS;
}

void sch_jobs_violation(sch_jobs_t *j, const char *fmt, ...)
{
    if (j->violation[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->violation, sizeof j->violation, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ workers */

void sch_jobs_send(sch_jobs_t *j, const dsk_peer_id_t *to, const dsk_msg_t *msg)
{
    j->send(j->arg, to, msg);
}

void sch_jobs_free_key(sch_jobs_t *j, uint64_t worker, const char *key)
{
    const sch_worker_t *w = sch_jobs_worker(j, worker);
    if (!w)
        return;
    dsk_msg_t m = {.type = DSK_MSG_FREE};
    snprintf(m.u.free_.key, sizeof m.u.free_.key, "%s", key);
    sch_jobs_send(j, &w->peer, &m);
}

int sch_jobs_free_threads(const sch_worker_t *w)
{
    int threads = w->info.nthreads ? (int)w->info.nthreads : 1;
    int free_threads = threads - w->running - (int)w->stale;
    /* a paused worker (past 85% of its memory limit) takes nothing until it says it is back */
    return w->info.paused && free_threads > 0 ? 0 : free_threads;
}

int sch_jobs_room(const sch_worker_t *w, uint64_t bytes)
{
    return w->info.memory_limit == 0 || w->held + w->reserved + bytes <= w->info.memory_limit;
}

int sch_jobs_runs_on(const sch_task_t *t, uint64_t w)
{
    for (int a = 0; a < t->nrun; a++)
        if (t->on[a] == w)
            return 1;
    return 0;
}

void sch_jobs_dispatch(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w,
                       dsk_msg_t *msg)
{
    sch_task_t *t = &job->tasks[i];
    if (w->info.paused)
        sch_jobs_violation(j, "job %llu: task %lld sent to worker '%s' while it is paused",
                           (unsigned long long)job->id, (long long)i, w->info.name);
    msg->u.task.task_id = job->id << SCH_TASK_BITS | (uint64_t)i;
    sch_jobs_send(j, &w->peer, msg);
    t->on[t->nrun] = w->id;
    t->since[t->nrun] = j->now;
    t->nrun++;
    t->attempts++;
    if (t->state == SCH_PENDING)
        t->state = SCH_RUNNING;
    w->running++;
    w->reserved += t->reserve;
}

/* Ends the attempt of task t on worker id w: 1 when there was one. */
static int s_attempt_end(sch_jobs_t *j, sch_task_t *t, uint64_t w)
{
    for (int a = 0; a < t->nrun; a++) {
        if (t->on[a] != w)
            continue;
        t->nrun--;
        t->on[a] = t->on[t->nrun];
        t->since[a] = t->since[t->nrun];
        sch_worker_t *wk = sch_jobs_worker(j, w);
        if (wk) {
            wk->running--;
            wk->reserved -= t->reserve;
        }
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ deadlines */

/* What a task expected to take expected_us may take before it gets a backup. */
static int64_t s_deadline_ms(const sch_jobs_t *j, int64_t expected_us)
{
    if (expected_us <= 0)
        return j->cfg.deadline_unknown_ms;
    int64_t e = expected_us / 1000;
    return 4 * e > e + j->cfg.deadline_slack_ms ? 4 * e : e + j->cfg.deadline_slack_ms;
}

int sch_jobs_deadline_pass(const sch_jobs_t *j) { return j->deadline_pass; }

void sch_jobs_backups(sch_jobs_t *j, sch_job_t *job, sch_place_fn place,
                      sch_dispatch_fn dispatch)
{
    for (int64_t i = 0; j->deadline_pass && i < job->ntasks; i++) {
        if (!sch_jobs_active_state(job->state))
            return;
        if (!sch_jobs_overdue(j, job, i))
            continue;
        sch_worker_t *w = place(j, job, i);
        if (w)
            dispatch(j, job, i, w);
    }
}

int sch_jobs_overdue(const sch_jobs_t *j, const sch_job_t *job, int64_t i)
{
    const sch_task_t *t = &job->tasks[i];
    if (t->state != SCH_RUNNING || t->nrun != 1)
        return 0;
    return j->now - t->since[0] > s_deadline_ms(j, job->kind->expected_us(job, i));
}

/*
 * A worker that runs tasks but answers none: its oldest attempt is past
 * its deadline, it has not answered any task for twice that long (a
 * backup has had a whole deadline to run elsewhere), and its CPU time has
 * not moved for as long either. A slow worker answers, and a worker on a
 * long task burns CPU; a hung one, whose threads are stuck while its loop
 * heartbeats, does neither. When every attempt it runs is of a job that
 * has ended, twice the unknown-task deadline without an answer or CPU will
 * do (else its threads stay counted busy for good).
 */
int sch_jobs_worker_hung(const sch_jobs_t *j, const sch_worker_t *w, char *why, size_t len)
{
    /* no deadline is shorter than the shorter of the two settings: most workers stop here */
    int64_t least = j->cfg.deadline_slack_ms < j->cfg.deadline_unknown_ms
                        ? j->cfg.deadline_slack_ms
                        : j->cfg.deadline_unknown_ms;
    if (w->running <= 0 || j->now - w->last_answer_ms <= 2 * least ||
        j->now - w->cpu_moved_ms <= 2 * least)
        return 0;
    int64_t oldest = INT64_MAX, deadline = 0;
    const sch_job_t *which = NULL;
    int64_t task = -1;
    for (const sch_job_t *job = j->jobs; job; job = job->next) {
        if (!sch_jobs_active_state(job->state))
            continue;
        for (int64_t i = 0; i < job->ntasks; i++) {
            const sch_task_t *t = &job->tasks[i];
            for (int a = 0; a < t->nrun; a++)
                if (t->on[a] == w->id && t->since[a] < oldest) {
                    oldest = t->since[a];
                    deadline = s_deadline_ms(j, job->kind->expected_us(job, i));
                    which = job;
                    task = i;
                }
        }
    }
    if (!which) {
        /* every attempt it runs is of a job that ended: their threads still count as busy,
           so nothing is placed there, and no deadline of an active job will ever catch it */
        int64_t quiet = j->now - w->last_answer_ms;
        if (quiet <= 2 * j->cfg.deadline_unknown_ms ||
            j->now - w->cpu_moved_ms <= 2 * j->cfg.deadline_unknown_ms)
            return 0;
        snprintf(why, len, "it has answered no task for %.1f s, nor used CPU, while its threads "
                 "are busy with tasks of jobs that have ended", (double)quiet / 1000.0);
        return 1;
    }
    if (j->now - oldest <= deadline)
        return 0;
    int64_t silent = j->now - (w->last_answer_ms > oldest ? w->last_answer_ms : oldest);
    if (silent <= 2 * deadline || j->now - w->cpu_moved_ms <= 2 * deadline)
        return 0;
    snprintf(why, len, "it has answered no task for %.1f s, nor used CPU, while running task "
             "%lld of job %llu (deadline %.1f s)", (double)silent / 1000.0, (long long)task,
             (unsigned long long)which->id, (double)deadline / 1000.0);
    return 1;
}

/* ------------------------------------------------------------ clients */

void sch_jobs_state(sch_jobs_t *j, sch_job_t *job, const dsk_peer_id_t *to, int with_result)
{
    dsk_msg_t m = {.type = DSK_MSG_JOB_STATE};
    dsk_msg_job_state_t *st = &m.u.job_state;
    st->job_id = job->id;
    st->state = job->state;
    st->done = (uint64_t)job->fits_done;
    st->total = (uint64_t)job->fits_total;
    st->scheduler = j->cfg.instance;
    snprintf(st->text, sizeof st->text, "%s", job->text);
    char *text = NULL;
    if (with_result && job->result) {
        text = json_dumps(job->result, JSON_COMPACT | JSON_REAL_PRECISION(17));
        st->result = (dsk_bytes_t){.data = (unsigned char *)text, .len = strlen(text)};
        st->model = (dsk_bytes_t){.data = job->model, .len = job->model_len};
    }
    sch_jobs_send(j, to ? to : &job->client, &m);
    free(text);
}

void sch_jobs_finish(sch_jobs_t *j, sch_job_t *job, uint32_t state, const char *fmt, ...)
{
    if (!sch_jobs_active_state(job->state))
        return;
    job->state = state;
    job->finished_ms = j->now;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->text, sizeof job->text, fmt, ap);
    va_end(ap);
    if (state == DSK_JOB_DONE) {
        job->result = job->kind->result(j, job);
        json_object_set_new(job->result, "job_id", json_integer((json_int_t)job->id));
    }
    job->kind->release(j, job);
    dsk_info("job %llu (%s): %s", (unsigned long long)job->id, job->name, job->text);
    if (j->journal)
        j->journal->ended(j->journal->arg, job);
    sch_jobs_state(j, job, NULL, 1);
}

sch_busy_t *sch_jobs_busy(sch_job_t *job, const sch_worker_t *w)
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

json_t *sch_jobs_busy_json(const sch_job_t *job)
{
    json_t *workers = json_object();
    for (int i = 0; i < job->nbusy; i++)
        json_object_set_new(workers, job->busy[i].name,
                            json_pack("{s:I, s:f}", "tasks", (json_int_t)job->busy[i].tasks,
                                      "busy_s", (double)job->busy[i].micros / 1e6));
    return workers;
}

static sch_job_t *s_by_id(const sch_jobs_t *j, uint64_t id)
{
    for (sch_job_t *job = j->jobs; job; job = job->next)
        if (job->id == id)
            return job;
    return NULL;
}

static void s_refuse(sch_jobs_t *j, const dsk_peer_id_t *to, int code, const char *text)
{
    dsk_msg_t m = {.type = DSK_MSG_ERROR};
    m.u.error.code = code;
    snprintf(m.u.error.message, sizeof m.u.error.message, "%s", text);
    sch_jobs_send(j, to, &m);
}

/* ------------------------------------------------------------ scheduling */

/* Every running job, oldest first, places what it can. */
static void s_schedule(sch_jobs_t *j)
{
    sch_job_t *order[1024];
    int n = 0;
    for (sch_job_t *job = j->jobs; job && n < 1024; job = job->next)
        if (sch_jobs_active_state(job->state))
            order[n++] = job;
    for (int k = n - 1; k >= 0; k--)
        if (sch_jobs_active_state(order[k]->state))
            order[k]->kind->schedule(j, order[k]);
}

/* ------------------------------------------------------------ events */

/*
 * SUBMIT: the kind validates and plans the job (a client of another
 * version, or not dsk-submit at all, may send anything); an accepted job
 * gets its id, its client hears so, and its first tasks go out.
 */
void sch_jobs_on_submit(sch_jobs_t *j, const dsk_peer_id_t *from, const char *owner,
                        dsk_msg_t *msg)
{
    dsk_msg_submit_t *sub = &msg->u.submit;
    const sch_kind_t *kind = j->kind_of(sub->kind);
    if (!kind) {
        char text[96];
        snprintf(text, sizeof text, "unknown job kind %u", sub->kind);
        s_refuse(j, from, DSK_EINVAL, text);
        return;
    }
    if (sub->flags & DSK_SUBMIT_CHECK_ONLY) {
        /* a client asking before it sends its data: the same parse, nothing runs */
        char err[DSK_ERR_LEN];
        if (!kind->check_job) {
            snprintf(err, sizeof err, "a %s job cannot be checked without running it",
                     kind->name);
            s_refuse(j, from, DSK_EINVAL, err);
        } else if (kind->check_job(sub, sub->name[0] ? sub->name : "job", err) < 0) {
            s_refuse(j, from, DSK_EINVAL, err);
        } else {
            dsk_msg_t m = {.type = DSK_MSG_JOB_STATE};
            m.u.job_state.state = DSK_JOB_DONE;
            snprintf(m.u.job_state.text, sizeof m.u.job_state.text, "the job is valid");
            sch_jobs_send(j, from, &m);
        }
        return;
    }
    for (sch_job_t *old = sub->token ? j->jobs : NULL; old; old = old->next)
        if (old->token == sub->token && strcmp(old->owner, owner) == 0) {
            /* sent again (the answer was lost, or we restarted): the job it started */
            old->client = *from;
            sch_jobs_state(j, old, from, 1);
            return;
        }
    char err[DSK_ERR_LEN], key[DSK_KEY_MAX + 1] = "";
    if (j->journal && j->journal->data(j->journal->arg, sub, key, err) < 0) {
        s_refuse(j, from, DSK_EIO, err);
        return;
    }
    sch_job_t *job = dsk_xcalloc(1, sizeof *job);
    job->kind = kind;
    job->client = *from;
    job->token = sub->token;
    snprintf(job->owner, sizeof job->owner, "%s", owner);
    snprintf(job->name, sizeof job->name, "%s", sub->name[0] ? sub->name : "job");
    job->started_ms = j->now;
    if (kind->on_submit(j, job, sub, err) < 0) {
        s_job_free(job);
        s_refuse(j, from, DSK_EINVAL, err);
        return;
    }
    job->id = j->next_id;
    if (j->journal && j->journal->job(j->journal->arg, job, sub, key, err) < 0) {
        /* not durable, so not accepted: nothing of it has been placed yet */
        kind->release(j, job);
        s_job_free(job);
        s_refuse(j, from, DSK_EIO, err);
        return;
    }
    j->next_id++;
    job->state = DSK_JOB_ACCEPTED;
    job->next = j->jobs;
    j->jobs = job;
    dsk_info("job %llu (%s, %s) accepted: %s; %lld tasks", (unsigned long long)job->id,
             job->name, kind->name, job->text, (long long)job->ntasks);
    sch_jobs_state(j, job, NULL, 0);
    s_schedule(j);
}

/* Whether the key owner (an admin when admin) may see and steer job. */
static int s_owns(const sch_job_t *job, const char *owner, int admin)
{
    return admin || strcmp(job->owner, owner) == 0;
}

void sch_jobs_restore(sch_jobs_t *j, uint64_t id, uint64_t token, const char *owner,
                      uint32_t kind_id, const char *name, const dsk_bytes_t *job_text,
                      const dsk_bytes_t *data, const sch_jobs_ended_t *ended)
{
    const sch_kind_t *kind = j->kind_of(kind_id);
    if (id >= j->next_id)
        j->next_id = id + 1;
    if (!kind) {
        dsk_error("journaled job %llu is of kind %u, which this scheduler does not run: "
                  "dropped", (unsigned long long)id, kind_id);
        return;
    }
    sch_job_t *job = dsk_xcalloc(1, sizeof *job);
    job->kind = kind;
    job->id = id;
    job->token = token;
    snprintf(job->owner, sizeof job->owner, "%s", owner);
    snprintf(job->name, sizeof job->name, "%s", name);
    job->started_ms = j->now;
    if (ended) {
        job->state = ended->state;
        job->finished_ms = j->now;
        snprintf(job->text, sizeof job->text, "%s", ended->text);
        job->fits_done = (int64_t)ended->fits_done;
        job->fits_total = (int64_t)ended->fits_total;
        job->result = ended->result.len ? json_loadb((const char *)ended->result.data,
                                                     ended->result.len, 0, NULL) : NULL;
        if (ended->model.len) {
            job->model = dsk_xmalloc(ended->model.len);
            memcpy(job->model, ended->model.data, ended->model.len);
            job->model_len = ended->model.len;
        }
    } else {
        /* the kind takes what it keeps of a SUBMIT: give it copies of the journal's bytes */
        dsk_msg_t m = {.type = DSK_MSG_SUBMIT};
        dsk_msg_submit_t *sub = &m.u.submit;
        sub->kind = kind_id;
        sub->token = token;
        snprintf(sub->name, sizeof sub->name, "%s", name);
        sub->job.data = dsk_xmalloc(job_text->len + 1);
        if (job_text->len)
            memcpy(sub->job.data, job_text->data, job_text->len);
        sub->job.len = job_text->len;
        sub->data.data = dsk_xmalloc(data->len + 1);
        if (data->len)
            memcpy(sub->data.data, data->data, data->len);
        sub->data.len = data->len;
        char err[DSK_ERR_LEN];
        if (kind->on_submit(j, job, sub, err) < 0) {
            job->state = DSK_JOB_FAILED;
            job->finished_ms = j->now;
            snprintf(job->text, sizeof job->text, "could not resume after a restart: %.900s",
                     err);
            if (j->journal)
                j->journal->ended(j->journal->arg, job);
        } else {
            job->state = DSK_JOB_ACCEPTED;
            job->resumed_ms = j->now;
        }
        dsk_msg_clear(&m);
    }
    job->next = j->jobs;
    j->jobs = job;
    dsk_info("job %llu (%s, %s) %s from the journal%s%s", (unsigned long long)id, job->name,
             kind->name, sch_jobs_active_state(job->state) ? "resumed" : "kept",
             job->text[0] ? ": " : "", job->text);
}

/* WATCH (the state, with the result once done), CANCEL, LIST. */
void sch_jobs_on_job_req(sch_jobs_t *j, const dsk_peer_id_t *from, const char *owner,
                         int admin, const dsk_msg_t *msg)
{
    const dsk_msg_job_req_t *r = &msg->u.job_req;
    if (r->op == DSK_JOBREQ_LIST) {
        json_t *list = json_array();
        for (sch_job_t *job = j->jobs; job; job = job->next)
            if (s_owns(job, owner, admin))
                json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:i, s:I, s:I, s:s}",
                                                  "job_id", (json_int_t)job->id, "name",
                                                  job->name, "kind", job->kind->name, "state",
                                                  (int)job->state, "done",
                                                  (json_int_t)job->fits_done, "total",
                                                  (json_int_t)job->fits_total, "text",
                                                  job->text));
        char *text = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        dsk_msg_t m = {.type = DSK_MSG_JOB_STATE};
        m.u.job_state.result = (dsk_bytes_t){.data = (unsigned char *)text, .len = strlen(text)};
        sch_jobs_send(j, from, &m);
        free(text);
        return;
    }
    sch_job_t *job = s_by_id(j, r->job_id);
    if (!job) {
        char text[256];
        if (r->job_id > 0 && r->job_id < j->next_id)
            snprintf(text, sizeof text, "job %llu finished and was dropped: this scheduler "
                     "keeps finished jobs for %.0f s, at most %lld of them (--keep-finished, "
                     "--keep-finished-jobs)", (unsigned long long)r->job_id,
                     (double)j->cfg.keep_finished_ms / 1000.0,
                     (long long)j->cfg.keep_finished_jobs);
        else
            snprintf(text, sizeof text, "no job %llu on this scheduler",
                     (unsigned long long)r->job_id);
        s_refuse(j, from, DSK_ENOTFOUND, text);
        return;
    }
    if (!s_owns(job, owner, admin)) {
        char text[256];
        snprintf(text, sizeof text, "job %llu belongs to another client key: only the key "
                 "that submitted it, or an admin key, may watch, fetch or cancel it",
                 (unsigned long long)job->id);
        s_refuse(j, from, DSK_EPERM, text);
        return;
    }
    if (r->op == DSK_JOBREQ_CANCEL && sch_jobs_active_state(job->state)) {
        /* running attempts keep their threads until they answer */
        sch_jobs_finish(j, job, DSK_JOB_CANCELLED, "cancelled by a client");
        s_schedule(j);
    }
    job->client = *from; /* the watcher gets what follows */
    sch_jobs_state(j, job, from, 1);
}

/*
 * An answered attempt, for the dashboard: into the job's task log (from
 * when it was sent to when it was answered, as the scheduler saw it) and
 * into the counts by kind that only go up (/metrics). A refusal for want of
 * an input ran nothing and is logged as a failure.
 */
static void s_record(sch_jobs_t *j, sch_job_t *job, int64_t i, const sch_worker_t *w,
                     int64_t since, const dsk_msg_task_done_t *d)
{
    const char *kind = job->kind->task_kind ? job->kind->task_kind(job, i) : job->kind->name;
    if (!job->log)
        job->log = sch_tasklog_new();
    sch_tasklog_add(job->log, i, kind, w->info.name, since - job->started_ms,
                    j->now - job->started_ms, d->code == 0, job->tasks[i].attempts, d->error);
    size_t k = 0;
    while (k < j->ncounts && strcmp(j->counts[k].kind, kind) != 0)
        k++;
    if (k == j->ncounts) {
        if (k == SCH_COUNT_KINDS)
            return;
        j->counts[j->ncounts++] = (sch_task_count_t){.kind = kind};
    }
    j->counts[k].tasks++;
    j->counts[k].failed += d->code != 0;
    j->counts[k].micros += d->micros;
}

/*
 * TASK_DONE: only the answer of a running attempt counts (a worker that
 * was declared dead, dropped or reconnected has no attempt any more: its
 * late answer is ignored); the kind takes it from there.
 */
void sch_jobs_on_task_done(sch_jobs_t *j, sch_worker_t *w, dsk_msg_t *msg)
{
    dsk_msg_task_done_t *d = &msg->u.task_done;
    if (d->worker_id != w->id)
        return; /* it answers a TASK of an earlier registration on this connection */
    w->last_answer_ms = j->now;
    sch_job_t *job = s_by_id(j, d->task_id >> SCH_TASK_BITS);
    int64_t i = (int64_t)(d->task_id & ((1ULL << SCH_TASK_BITS) - 1));
    if (!job || i >= job->ntasks)
        return;
    int64_t since = -1;
    for (int a = 0; a < job->tasks[i].nrun; a++)
        if (job->tasks[i].on[a] == w->id)
            since = job->tasks[i].since[a];
    if (!s_attempt_end(j, &job->tasks[i], w->id))
        return;
    s_record(j, job, i, w, since, d);
    if (job->tasks[i].state == SCH_RUNNING && job->tasks[i].nrun == 0)
        job->tasks[i].state = SCH_PENDING; /* until the kind takes the result */
    job->kind->on_task_done(j, job, i, w, d);
    s_schedule(j);
}

void sch_jobs_on_chunk(sch_jobs_t *j, const dsk_peer_id_t *from, const char *owner,
                       dsk_msg_t *msg)
{
    sch_job_t *job = s_by_id(j, msg->u.chunk.job_id);
    if (job && strcmp(job->owner, owner) != 0) {
        s_refuse(j, from, DSK_EPERM, "a chunk for another client's job");
        return;
    }
    if (!job || !job->kind->on_chunk) {
        s_refuse(j, from, DSK_ENOTFOUND, "a chunk for a job that is not a running predict job");
        return;
    }
    if (!sch_jobs_active_state(job->state))
        return; /* cancelled or failed: the client hears it from JOB_STATE */
    if (!dsk_peer_same(&job->client, from)) {
        /* after a restart, the first word of the job's client: a JOB_STATE first, so that
           it knows of the new scheduler before the results that follow (a noop's tasks run
           again) */
        job->client = *from;
        sch_jobs_state(j, job, from, 0);
    }
    job->kind->on_chunk(j, job, &msg->u.chunk);
    s_schedule(j);
}

void sch_jobs_on_fetched(sch_jobs_t *j, sch_worker_t *from, dsk_msg_t *msg)
{
    from->last_answer_ms = j->now;
    for (sch_job_t *job = j->jobs; job; job = job->next)
        if (sch_jobs_active_state(job->state) && job->kind->on_fetched &&
            job->kind->on_fetched(j, job, from, &msg->u.fetched))
            break;
    s_schedule(j);
}

void sch_jobs_schedule(sch_jobs_t *j) { s_schedule(j); }

/*
 * A worker is gone: what it held is gone (its kind's part first), and
 * each attempt it ran ends. A task left with no attempt runs again. Every
 * attempt lost counts against its task, a backup's too: a task that was
 * running on SCH_MAX_KILLS workers that died (or hung: a task that hangs
 * every worker it meets) fails its job.
 */
void sch_jobs_worker_lost(sch_jobs_t *j, const sch_worker_t *w)
{
    sch_blobs_worker_lost(j->blobs, w->id);
    for (sch_job_t *job = j->jobs; job; job = job->next) {
        int active = sch_jobs_active_state(job->state);
        if (active)
            job->kind->on_worker_lost(j, job, w);
        for (int64_t i = 0; i < job->ntasks; i++) {
            sch_task_t *t = &job->tasks[i];
            if (!s_attempt_end(j, t, w->id) || !active || t->state == SCH_DONE)
                continue;
            if (t->nrun == 0)
                t->state = SCH_PENDING;
            if (++t->kills >= SCH_MAX_KILLS && sch_jobs_active_state(job->state))
                sch_jobs_finish(j, job, DSK_JOB_FAILED, "KilledWorker: task %lld was running "
                                "on %d workers that died, the last '%s'", (long long)i,
                                t->kills, w->info.name);
        }
    }
}

/* Drops a finished job: its attempts still out stop counting on their workers. */
static void s_drop(sch_jobs_t *j, sch_job_t **link)
{
    sch_job_t *job = *link;
    *link = job->next;
    for (int64_t i = 0; i < job->ntasks; i++)
        while (job->tasks[i].nrun > 0)
            s_attempt_end(j, &job->tasks[i], job->tasks[i].on[0]);
    dsk_debug("job %llu (%s) dropped", (unsigned long long)job->id, job->name);
    if (j->journal)
        j->journal->dropped(j->journal->arg, job);
    s_job_free(job);
}

/* Finished jobs past keep_finished_ms, and the oldest beyond keep_finished_jobs. */
static void s_expire(sch_jobs_t *j)
{
    int64_t kept = 0;
    for (sch_job_t **p = &j->jobs; *p;) {
        sch_job_t *job = *p;
        if (sch_jobs_active_state(job->state)) {
            p = &job->next;
            continue;
        }
        if (j->now - job->finished_ms > j->cfg.keep_finished_ms ||
            kept >= j->cfg.keep_finished_jobs) {
            s_drop(j, p);
            continue;
        }
        kept++;
        p = &job->next;
    }
}

sch_job_t *sch_jobs_oldest_active(sch_jobs_t *j)
{
    sch_job_t *oldest = NULL;
    for (sch_job_t *job = j->jobs; job; job = job->next)
        if (sch_jobs_active_state(job->state))
            oldest = job;
    return oldest;
}

/*
 * A resumed job whose rows come from its client (a predict's chunks, a
 * noop's reports) waits for that client to ask about it again; one that
 * never does (it gave up, or it finished before the crash and exited)
 * would wait for ever.
 */
static void s_orphans(sch_jobs_t *j)
{
    int64_t wait = j->cfg.orphan_ms > 0 ? j->cfg.orphan_ms : SCH_ORPHAN_MS;
    for (sch_job_t *job = j->jobs; job; job = job->next)
        if (sch_jobs_active_state(job->state) && job->resumed_ms && job->client.len == 0 &&
            job->kind->on_chunk && j->now - job->resumed_ms > wait)
            sch_jobs_finish(j, job, DSK_JOB_FAILED, "its client did not come back within %.0f s "
                            "of the scheduler's restart (a %s job reads from its client)",
                            (double)wait / 1000.0, job->kind->name);
}

void sch_jobs_tick(sch_jobs_t *j)
{
    s_orphans(j);
    for (sch_job_t *job = j->jobs; job; job = job->next)
        if (sch_jobs_active_state(job->state))
            sch_jobs_state(j, job, NULL, 0);
    s_expire(j);
    j->deadline_pass = 1;
    s_schedule(j);
    j->deadline_pass = 0;
}

/* ------------------------------------------------------------ status */

uint32_t sch_jobs_active(const sch_jobs_t *j)
{
    uint32_t n = 0;
    for (const sch_job_t *job = j->jobs; job; job = job->next)
        n += sch_jobs_active_state(job->state);
    return n;
}

static uint32_t s_count(const sch_jobs_t *j, int running)
{
    uint32_t n = 0;
    for (const sch_job_t *job = j->jobs; job; job = job->next) {
        if (!sch_jobs_active_state(job->state))
            continue;
        for (int64_t i = 0; i < job->ntasks; i++)
            n += running ? job->tasks[i].state == SCH_RUNNING
                         : job->tasks[i].state == SCH_PENDING && job->kind->runnable(job, i);
    }
    return n;
}

uint32_t sch_jobs_tasks_running(const sch_jobs_t *j) { return s_count(j, 1); }

void sch_jobs_running_text(const sch_jobs_t *j, uint64_t w, char *buf, size_t len)
{
    const char *names[16];
    int counts[16], n = 0;
    for (const sch_job_t *job = j->jobs; job; job = job->next)
        for (int64_t i = 0; i < job->ntasks; i++) {
            if (!sch_jobs_runs_on(&job->tasks[i], w))
                continue;
            const char *kind = job->kind->task_kind ? job->kind->task_kind(job, i)
                                                    : job->kind->name;
            int k = 0;
            while (k < n && strcmp(names[k], kind) != 0)
                k++;
            if (k == n && n < 16) {
                names[n] = kind;
                counts[n++] = 0;
            }
            if (k < n)
                counts[k]++;
        }
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; k < n && at < len; k++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s:%d", k ? " " : "", names[k], counts[k]);
}
uint32_t sch_jobs_tasks_queued(const sch_jobs_t *j) { return s_count(j, 0); }

const sch_job_t *sch_jobs_list(const sch_jobs_t *j) { return j->jobs; }

size_t sch_jobs_task_counts(const sch_jobs_t *j, const sch_task_count_t **counts)
{
    *counts = j->counts;
    return j->ncounts;
}

void sch_jobs_add_rows_predicted(sch_jobs_t *j, uint64_t rows) { j->rows_predicted += rows; }

uint64_t sch_jobs_rows_predicted(const sch_jobs_t *j) { return j->rows_predicted; }

uint32_t sch_jobs_pending(const sch_job_t *job)
{
    uint32_t n = 0;
    for (int64_t i = 0; i < job->ntasks; i++)
        n += job->tasks[i].state == SCH_PENDING && job->kind->runnable(job, i);
    return n;
}

uint32_t sch_jobs_running(const sch_job_t *job)
{
    uint32_t n = 0;
    for (int64_t i = 0; i < job->ntasks; i++)
        n += job->tasks[i].state == SCH_RUNNING;
    return n;
}

/* ------------------------------------------------------------ invariants */

int sch_jobs_check(const sch_jobs_t *j, char *err)
{
    if (j->violation[0])
        return dsk_seterr(err, DSK_ESTATE, "%s", j->violation);
    size_t nw = sch_registry_count(j->workers);
    for (size_t wi = 0; wi < nw; wi++) {
        const sch_worker_t *w = sch_registry_at(j->workers, wi);
        int running = 0;
        uint64_t reserved = 0;
        for (const sch_job_t *job = j->jobs; job; job = job->next)
            for (int64_t i = 0; i < job->ntasks; i++)
                if (sch_jobs_runs_on(&job->tasks[i], w->id)) {
                    running++;
                    reserved += job->tasks[i].reserve;
                }
        if (running != w->running || reserved != w->reserved)
            return dsk_seterr(err, DSK_ESTATE, "worker '%s': %d attempts and %" PRIu64 " bytes "
                              "reserved counted, the jobs record %d and %" PRIu64, w->info.name,
                              w->running, w->reserved, running, reserved);
        uint64_t held = sch_blobs_held_on(j->blobs, w->id);
        for (const sch_job_t *job = j->jobs; job; job = job->next)
            if (job->kind->held_on)
                held += job->kind->held_on(job, w->id);
        if (held != w->held)
            return dsk_seterr(err, DSK_ESTATE, "worker '%s': %" PRIu64 " bytes held counted, "
                              "the jobs and blobs record %" PRIu64, w->info.name, w->held, held);
    }
    for (const sch_job_t *job = j->jobs; job; job = job->next) {
        for (int64_t i = 0; i < job->ntasks; i++) {
            const sch_task_t *t = &job->tasks[i];
            for (int a = 0; a < t->nrun; a++)
                if (!sch_jobs_worker(j, t->on[a]))
                    return dsk_seterr(err, DSK_ESTATE, "job %llu task %lld: an attempt on "
                                      "worker %llu, which is gone", (unsigned long long)job->id,
                                      (long long)i, (unsigned long long)t->on[a]);
            if (!sch_jobs_active_state(job->state))
                continue;
            if ((t->state == SCH_RUNNING) != (t->nrun > 0 && t->state != SCH_DONE) ||
                (t->state == SCH_PENDING && t->nrun > 0))
                return dsk_seterr(err, DSK_ESTATE, "job %llu task %lld: state %d with %d "
                                  "attempts", (unsigned long long)job->id, (long long)i,
                                  (int)t->state, t->nrun);
        }
        if (sch_jobs_active_state(job->state) && job->kind->check &&
            job->kind->check(j, job, err) < 0)
            return DSK_ESTATE;
    }
    return DSK_OK;
}
