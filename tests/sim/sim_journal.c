/*
 * sim_journal.c — the scheduler's job journal as the simulator keeps it: in
 * memory, made durable the moment the engine appends (the real server
 * holds every answer until its fdatasync, so nothing it said is ever lost
 * to a crash; here the append itself is that point). A restarted
 * scheduler gets every job back through sch_jobs_restore, as dskd-scheduler
 * does from DIR/journal: the unfinished ones run again, the finished ones
 * keep their results.
 */
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "job_data.h"
#include "sim.h"

typedef struct {
    char key[JOB_KEY_LEN + 1];
    dsk_bytes_t bytes;
} s_data_t;

typedef struct {
    uint64_t id, token;
    char owner[DSK_KEY_Z85_LEN + 1];
    uint32_t kind;
    char name[DSK_NAME_MAX + 1];
    dsk_bytes_t job;
    char key[JOB_KEY_LEN + 1];
    int ended, dropped;
    uint32_t state;
    char text[DSK_TEXT_MAX + 1];
    char *result;
    dsk_bytes_t model;
    uint64_t fits_done, fits_total;
} s_record_t;

struct sim_journal {
    sch_jobs_journal_t hooks;
    s_data_t *data;
    size_t ndata;
    s_record_t *jobs;
    size_t njobs;
};

static dsk_bytes_t s_copy(const void *p, size_t n)
{
    dsk_bytes_t b = {.data = dsk_xmalloc(n + 1), .len = n};
    if (n)
        memcpy(b.data, p, n);
    return b;
}

static int s_data(void *arg, const dsk_msg_submit_t *sub, char *key, char *err)
{
    sim_journal_t *jr = arg;
    job_content_key(sub->data.data, sub->data.len, key);
    for (size_t i = 0; i < jr->ndata; i++)
        if (strcmp(jr->data[i].key, key) == 0)
            return 0;
    jr->data = dsk_xrealloc(jr->data, jr->ndata + 1, sizeof *jr->data);
    s_data_t *d = &jr->data[jr->ndata++];
    memcpy(d->key, key, sizeof d->key);
    d->bytes = s_copy(sub->data.data, sub->data.len);
    return 0;
}

static int s_job(void *arg, const sch_job_t *job, const dsk_msg_submit_t *sub, const char *key,
                 char *err)
{
    sim_journal_t *jr = arg;
    jr->jobs = dsk_xrealloc(jr->jobs, jr->njobs + 1, sizeof *jr->jobs);
    s_record_t *r = &jr->jobs[jr->njobs++];
    memset(r, 0, sizeof *r);
    r->id = job->id;
    r->token = job->token;
    memcpy(r->owner, job->owner, sizeof r->owner);
    r->kind = sub->kind;
    memcpy(r->name, job->name, sizeof r->name);
    r->job = s_copy(sub->job.data, sub->job.len);
    memcpy(r->key, key, sizeof r->key);
    return 0;
}

static s_record_t *s_find(sim_journal_t *jr, uint64_t id)
{
    for (size_t i = 0; i < jr->njobs; i++)
        if (jr->jobs[i].id == id)
            return &jr->jobs[i];
    return NULL;
}

static void s_ended(void *arg, const sch_job_t *job)
{
    s_record_t *r = s_find(arg, job->id);
    if (!r || r->ended)
        return;
    r->ended = 1;
    r->state = job->state;
    memcpy(r->text, job->text, sizeof r->text);
    r->result = job->result ? json_dumps(job->result, JSON_COMPACT | JSON_REAL_PRECISION(17))
                            : NULL;
    r->model = s_copy(job->model, job->model_len);
    r->fits_done = (uint64_t)job->fits_done;
    r->fits_total = (uint64_t)job->fits_total;
}

static void s_dropped(void *arg, const sch_job_t *job)
{
    s_record_t *r = s_find(arg, job->id);
    if (r)
        r->dropped = 1;
}

sim_journal_t *sim_journal_new(void)
{
    sim_journal_t *jr = dsk_xcalloc(1, sizeof *jr);
    jr->hooks = (sch_jobs_journal_t){.arg = jr, .data = s_data, .job = s_job,
                                     .ended = s_ended, .dropped = s_dropped};
    return jr;
}

const sch_jobs_journal_t *sim_journal_hooks(sim_journal_t *jr) { return &jr->hooks; }

void sim_journal_restore(sim_journal_t *jr, sch_jobs_t *jobs)
{
    for (size_t i = 0; i < jr->njobs; i++) {
        s_record_t *r = &jr->jobs[i];
        if (r->dropped)
            continue;
        const dsk_bytes_t *data = NULL;
        for (size_t k = 0; k < jr->ndata && !data; k++)
            if (strcmp(jr->data[k].key, r->key) == 0)
                data = &jr->data[k].bytes;
        sch_jobs_ended_t ended = {
            .state = r->state, .text = r->text,
            .result = {.data = (unsigned char *)r->result, .len = r->result ? strlen(r->result) : 0},
            .model = r->model, .fits_done = r->fits_done, .fits_total = r->fits_total};
        sch_jobs_restore(jobs, r->id, r->token, r->owner, r->kind, r->name, &r->job, data,
                         r->ended ? &ended : NULL);
    }
}

void sim_journal_destroy(sim_journal_t **jr_p)
{
    sim_journal_t *jr = *jr_p;
    if (!jr)
        return;
    for (size_t i = 0; i < jr->ndata; i++)
        free(jr->data[i].bytes.data);
    for (size_t i = 0; i < jr->njobs; i++) {
        free(jr->jobs[i].job.data);
        free(jr->jobs[i].result);
        free(jr->jobs[i].model.data);
    }
    free(jr->data);
    free(jr->jobs);
    free(jr);
    *jr_p = NULL;
}
