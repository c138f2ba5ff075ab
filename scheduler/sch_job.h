/*
 * sch_job.h — a job on the scheduler as the job engine (sch_jobs.h) sees
 * it, whatever its kind, and the table each kind fills in: search and fit
 * (sch_search.h), predict (sch_predict.h), noop (sch_noop.h). The engine
 * owns what every job has in common — its id, its client, its state and
 * text, its tasks' attempts on workers, the result sent back — and calls
 * the kind for the rest, so it never switches on what a job is.
 *
 * A task here is the unit the engine places: a search's stage, prefix,
 * score or refit, a predict chunk, an empty task. Its attempts are the
 * workers running it: one normally, two when it ran far past its expected
 * time and a backup was started elsewhere (the first result wins).
 *
 * Types only; the functions are sch_jobs.h's and each kind's.
 */
#ifndef SCH_JOB_H
#define SCH_JOB_H

#include <jansson.h>
#include <stdint.h>

#include "dsk_keys.h"
#include "dsk_msg.h"
#include "dsk_wire.h"
#include "sch_registry.h"
#include "sch_tasklog.h"

typedef struct sch_jobs sch_jobs_t;
typedef struct sch_job sch_job_t;

#define SCH_MAX_ATTEMPTS 2   /* a task's first run and one backup */
#define SCH_MAX_KILLS 3      /* workers a task may take down with it (Dask's KilledWorker) */
#define SCH_MAX_REFUSALS 3   /* times workers may refuse a task for want of an input */
#define SCH_TASK_BITS 24     /* task ids: job id << SCH_TASK_BITS | task index */

typedef enum { SCH_PENDING, SCH_RUNNING, SCH_DONE } sch_tstate_t;

typedef struct {
    sch_tstate_t state;     /* RUNNING while an attempt runs and no result is in */
    int nrun;               /* attempts running (also after DONE: a backup still out) */
    uint64_t on[SCH_MAX_ATTEMPTS];      /* their workers */
    int64_t since[SCH_MAX_ATTEMPTS];    /* when each was sent (the engine's clock) */
    uint64_t reserve;       /* bytes an attempt reserves on its worker for the output */
    int kills, refusals;
    int attempts;           /* attempts started, backups and re-runs included */
} sch_task_t;

typedef struct {
    uint64_t worker;
    char name[DSK_NAME_MAX + 1];
    int64_t tasks;
    uint64_t micros;
} sch_busy_t;

typedef struct sch_kind {
    const char *name;
    /* A SUBMIT of this kind: plans the work into job->tasks (job->ntasks),
       job->fits_total and job->text; DSK_EINVAL with err refuses it. */
    int (*on_submit)(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err);
    /* Optional: checks a SUBMIT's job without its data (DSK_SUBMIT_CHECK_ONLY); DSK_EINVAL
       with err for a job on_submit would refuse whatever the data. */
    int (*check_job)(const dsk_msg_submit_t *sub, const char *where, char *err);
    /* Places what can run now on free worker threads (sch_jobs_dispatch). */
    void (*schedule)(sch_jobs_t *j, sch_job_t *job);
    /* TASK_DONE of task i from w, the attempt already ended (sch_jobs_attempt_end). */
    void (*on_task_done)(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w,
                         dsk_msg_task_done_t *d);
    /* w is gone: what it held for the job (its attempts are the engine's). */
    void (*on_worker_lost)(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *w);
    /* Whether task i may run now (its inputs exist somewhere); for status and the checks. */
    int (*runnable)(const sch_job_t *job, int64_t i);
    /* Optional: what kind of task i is, for status ("score"); the kind's name otherwise. */
    const char *(*task_kind)(const sch_job_t *job, int64_t i);
    /* Microseconds task i should take, from finished ones (0: no idea yet). */
    int64_t (*expected_us)(const sch_job_t *job, int64_t i);
    /* The result JSON of a job that is done (a new reference). */
    json_t *(*result)(sch_jobs_t *j, sch_job_t *job);
    /* The job ended: frees what it holds on workers. */
    void (*release)(sch_jobs_t *j, sch_job_t *job);
    /* Frees the kind's state (job->k). */
    void (*destroy)(sch_job_t *job);
    /* Optional: CHUNK (predict), FETCHED (search: 1 when it was this job's copy). */
    void (*on_chunk)(sch_jobs_t *j, sch_job_t *job, dsk_msg_chunk_t *c);
    int (*on_fetched)(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *from,
                      dsk_msg_fetched_t *f);
    /* Optional: bytes of the job's task outputs the scheduler counts on worker w. */
    uint64_t (*held_on)(const sch_job_t *job, uint64_t w);
    /* Optional: the best candidate so far, {"score", "params", "folds"} (a new reference;
       NULL while none), for the dashboard. */
    json_t *(*best)(const sch_job_t *job);
    /* Optional: the kind's own invariants (the simulator calls it after every event). */
    int (*check)(const sch_jobs_t *j, const sch_job_t *job, char *err);
} sch_kind_t;

/* The kind that runs a SUBMIT.kind (DSK_JOB_*), NULL for none. */
typedef const sch_kind_t *(*sch_kind_of_fn)(uint32_t kind);

struct sch_job {
    uint64_t id;
    const sch_kind_t *kind;
    dsk_peer_id_t client;
    char owner[DSK_KEY_Z85_LEN + 1]; /* the submitting client's public key ("" without CURVE) */
    uint64_t token;             /* the client's number for its SUBMIT (0: none) */
    char name[DSK_NAME_MAX + 1];
    uint32_t state;             /* DSK_JOB_* */
    char text[DSK_TEXT_MAX + 1];
    sch_task_t *tasks;
    int64_t ntasks;
    int64_t fits_done, fits_total;
    int64_t started_ms, finished_ms;
    int64_t resumed_ms;         /* when it came back from the journal (0: it did not) */
    json_t *result;
    unsigned char *model;       /* a refit's or a fit's .dskm bytes */
    size_t model_len;
    sch_busy_t *busy;           /* per worker: tasks run and their time */
    int nbusy;
    sch_tasklog_t *log;         /* its finished attempts, for the dashboard (NULL: none yet) */
    void *k;                    /* the kind's state */
    struct sch_job *next;
};

#endif
