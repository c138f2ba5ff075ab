/*
 * sch_jobs_internal.h — what the job engine (sch_jobs.c) and the predict
 * jobs (sch_predict.c) share: the job record, the table, and the helpers
 * that place work and talk to clients. Not for other modules.
 */
#ifndef SCH_JOBS_INTERNAL_H
#define SCH_JOBS_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "dsk_msg.h"
#include "ml_data_pack.h"
#include "ml_job.h"
#include "ml_search.h"
#include "sch_jobs.h"

#define SCH_MAX_KILLS 3      /* workers a task may take down with it */
#define SCH_TASK_BITS 24     /* task ids: job id << SCH_TASK_BITS | task index */

typedef struct sch_predict sch_predict_t;

typedef enum { SCH_PENDING, SCH_RUNNING, SCH_DONE, SCH_FREED } sch_tstate_t;

#define SCH_MAX_HOLDERS 8
#define SCH_MAX_PASS_JOBS 1024 /* running jobs one scheduling pass looks at */

typedef struct {
    sch_tstate_t state;
    uint64_t worker;        /* RUNNING: where */
    uint64_t holders[SCH_MAX_HOLDERS]; /* DONE: the workers holding its resident output */
    int nholders;
    uint64_t moving_to;     /* a copy of the output on its way to this worker (0: none) */
    uint64_t moving_from;   /* from this holder */
    int kills;
    int64_t users_left;     /* dependents not yet done: the output is kept until 0 */
    uint64_t resident;      /* DONE: the bytes of its resident output */
    int64_t users_done;     /* dependents done, the microseconds they took, the first's */
    uint64_t users_micros, first_user_micros;
} sch_task_t;

/* A scattered dataset: the scheduler's copy and who holds one. */
typedef struct sch_data {
    char key[ML_KEY_LEN + 1];
    unsigned char *bytes;
    size_t len;
    ml_dataset_t *ds;
    uint64_t holders[8];
    int nholders;
    int refs;               /* jobs using it */
    struct sch_data *next;
} sch_data_t;

typedef struct {
    uint64_t worker;
    char name[DSK_NAME_MAX + 1];
    int64_t tasks;
    uint64_t micros;
} sch_busy_t;

typedef struct sch_job {
    uint64_t id;
    dsk_peer_id_t client;
    char name[DSK_NAME_MAX + 1];
    uint32_t state;         /* DSK_JOB_* */
    ml_job_t *job;
    ml_plan_t *plan;
    sch_data_t *data;
    sch_task_t *tasks;
    int64_t ntasks;
    int64_t fits_done, fits_total;
    char text[DSK_TEXT_MAX + 1];
    json_t *result;
    unsigned char *model;
    size_t model_len;
    int64_t by_kind[ML_TASK_KINDS + 1];
    uint64_t bytes_scattered, bytes_moved;
    sch_busy_t *busy;
    int nbusy;
    int64_t started_ms;
    sch_predict_t *predict;  /* a predict job's chunks (sch_predict.c); NULL otherwise */
    uint64_t *cand_micros;   /* per candidate: its fits' time so far, and how many (sch_order.c) */
    int64_t *cand_fits;
    uint64_t fit_micros;     /* every fit's, and how many */
    int64_t fits_timed;
    struct sch_job *next;
} sch_job_t;

/* Threads in use per worker, as the scheduler assigned them. */
typedef struct {
    uint64_t worker;
    int running;
    int moving;             /* a stolen input is on its way to it */
} sch_load_t;

struct sch_jobs {
    sch_registry_t *workers;
    sch_send_fn send;
    void *arg;
    sch_job_t *jobs;          /* newest first */
    sch_data_t *data;
    uint64_t next_id;
    sch_load_t *load;
    size_t nload;
};


/* Threads in use on a worker, as the scheduler assigned them. */
sch_load_t *sch_jobs_load_(sch_jobs_t *j, uint64_t worker);
const sch_worker_t *sch_jobs_worker_(const sch_jobs_t *j, uint64_t id);
int sch_jobs_free_threads_(sch_jobs_t *j, const sch_worker_t *w);
void sch_jobs_send_(sch_jobs_t *j, const dsk_peer_id_t *to, const dsk_msg_t *msg);
void sch_jobs_free_key_(sch_jobs_t *j, uint64_t worker, const char *key);
/* JOB_STATE to the job's client (or to), with the result and model once done. */
void sch_jobs_state_(sch_jobs_t *j, sch_job_t *job, const dsk_peer_id_t *to, int with_result);
/* Ends a job in state with a message; a DONE job gets its result JSON first. */
void sch_jobs_finish_(sch_jobs_t *j, sch_job_t *job, uint32_t state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
sch_busy_t *sch_jobs_busy_(sch_job_t *job, const sch_worker_t *w);
sch_job_t *sch_jobs_by_id_(const sch_jobs_t *j, uint64_t id);
sch_worker_t *sch_jobs_worker_at_(const sch_jobs_t *j, size_t i);
size_t sch_jobs_nworkers_(const sch_jobs_t *j);
/* Task i waits for nothing: pending, its input done. */
int sch_jobs_runnable_(const sch_job_t *job, int64_t i);
/* Dispatches every runnable task that has a place, then lets idle workers steal. */
void sch_jobs_schedule_(sch_jobs_t *j);

/*
 * sch_order.c: a search's runnable tasks, the order to start them in
 * (stages and prefixes, then fits longest first); out holds ntasks.
 * sch_order_record notes a finished task's time.
 */
int64_t sch_order_runnable(const sch_job_t *job, int64_t *out);
void sch_order_record(sch_job_t *job, int64_t i, uint64_t micros);

/* sch_steal.c: idle workers take copies of inputs that busy holders sit on. */
void sch_steal(sch_jobs_t *j, sch_job_t **order, int n);

/* sch_predict.c: the predict job's side of each event (job->predict set). */
int sch_predict_new(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err);
int sch_predict_new_noop(sch_jobs_t *j, sch_job_t *job, dsk_msg_submit_t *sub, char *err);
void sch_predict_free(sch_predict_t **p_p);
void sch_predict_on_chunk(sch_jobs_t *j, sch_job_t *job, dsk_msg_chunk_t *c);
void sch_predict_schedule(sch_jobs_t *j, sch_job_t *job);
void sch_predict_on_done(sch_jobs_t *j, sch_job_t *job, uint64_t index, const sch_worker_t *w,
                         dsk_msg_task_done_t *d);
void sch_predict_worker_joined(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *w);
void sch_predict_worker_lost(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *w);
/* Frees the model on the workers (the job ended). */
void sch_predict_release(sch_jobs_t *j, sch_job_t *job);
json_t *sch_predict_stats(const sch_job_t *job);
int64_t sch_predict_queued(const sch_job_t *job);
int64_t sch_predict_running(const sch_job_t *job);

/* Task ids of predict jobs: this bit, the job id, the chunk index. */
#define SCH_PREDICT_BIT (1ULL << 63)

#endif
