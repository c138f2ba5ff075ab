/*
 * sch_jobs.h — the job engine: jobs from SUBMIT to their result, their
 * tasks' attempts on workers, and what happens when workers come, go,
 * hang or answer late. What a job does is its kind's (sch_job.h); what
 * every job shares is here:
 *
 *   - a task is sent to a worker with a free thread that holds (or is
 *     sent, ahead on the same connection) every input it reads; each
 *     attempt is counted on its worker until it is answered;
 *   - an answer from a worker that no longer runs that task (it was
 *     declared dead, dropped, or the task was given to another) is
 *     ignored, so no result counts twice;
 *   - a task running far past what finished ones took (4x, at least 10 s
 *     more; 60 s while nothing of its kind has finished) gets a backup
 *     attempt on another worker, the first result wins; a worker that
 *     answers no task for twice such a deadline while it runs one, its
 *     CPU time standing still, is dropped (sch_jobs_worker_hung), although
 *     it heartbeats;
 *   - a worker that dies takes its attempts with it: the task runs again
 *     elsewhere, and one that was running on SCH_MAX_KILLS workers that
 *     died fails its job (Dask's KilledWorker);
 *   - finished jobs are kept, with their results, for keep_finished_ms
 *     and at most keep_finished_jobs of them, then dropped.
 *
 * Time is the engine's clock (sch_jobs_set_now), never read here, so the
 * simulator drives the same code in virtual time.
 *
 * Ownership: the caller owns the table and the registry it reads;
 * messages go out through the send callback, which must not call back.
 */
#ifndef SCH_JOBS_H
#define SCH_JOBS_H

#include <stdint.h>

#include "dsk_msg.h"
#include "dsk_wire.h"
#include "sch_blobs.h"
#include "sch_job.h"
#include "sch_registry.h"

typedef struct {
    int64_t keep_finished_ms;       /* how long a finished job's result stays */
    int64_t keep_finished_jobs;     /* how many finished jobs stay at most */
    int64_t deadline_slack_ms;      /* a backup starts past max(4x, expected + this) */
    int64_t deadline_unknown_ms;    /* ... or past this while nothing tells what to expect */
    uint64_t instance;              /* this scheduler's number, in every JOB_STATE */
    int64_t orphan_ms;              /* a resumed job that reads from its client and has none
                                       after this long fails (0: SCH_ORPHAN_MS) */
} sch_jobs_cfg_t;

/* The defaults of sch_jobs_cfg_t (the scheduler's config table says the same). */
#define SCH_KEEP_FINISHED_MS (3600 * 1000)
#define SCH_KEEP_FINISHED_JOBS 1000
#define SCH_DEADLINE_SLACK_MS 10000
#define SCH_DEADLINE_UNKNOWN_MS 60000
/* A client follows its job through a restart for a minute (dsk-submit --reconnect): ten. */
#define SCH_ORPHAN_MS (600 * 1000)

/* How a restored job had ended (sch_jobs_restore). */
typedef struct {
    uint32_t state;             /* DSK_JOB_DONE, _FAILED, _CANCELLED */
    const char *text;
    dsk_bytes_t result, model;  /* the result JSON, the .dskm bytes */
    uint64_t fits_done, fits_total;
} sch_jobs_ended_t;

/*
 * Where accepted jobs are made durable (sch_journal.h, through the server;
 * none in the simulator). data is called with a SUBMIT's data before its
 * kind takes it (key: its content key, out), job once the kind accepted it
 * with its id; either failing refuses the job. ended and dropped follow
 * it to its end and its removal.
 */
typedef struct {
    void *arg;
    int (*data)(void *arg, const dsk_msg_submit_t *sub, char *key, char *err);
    int (*job)(void *arg, const sch_job_t *job, const dsk_msg_submit_t *sub, const char *key,
               char *err);
    void (*ended)(void *arg, const sch_job_t *job);
    void (*dropped)(void *arg, const sch_job_t *job);
} sch_jobs_journal_t;

/* kind_of names the kind of each SUBMIT.kind (NULL: not one this scheduler runs). */
sch_jobs_t *sch_jobs_new(sch_registry_t *workers, const sch_jobs_cfg_t *cfg,
                         sch_kind_of_fn kind_of, sch_send_fn send, void *arg);
void sch_jobs_destroy(sch_jobs_t **j_p);
/* From now on, jobs are journaled there (the caller keeps journal alive). */
void sch_jobs_set_journal(sch_jobs_t *j, const sch_jobs_journal_t *journal);
/*
 * A job the journal had, oldest first, before any message: resumed from
 * its SUBMIT (its tasks run again; its client finds it by id) or, when it
 * had ended, kept with its result. Ids continue after the highest.
 */
void sch_jobs_restore(sch_jobs_t *j, uint64_t id, uint64_t token, const char *owner,
                      uint32_t kind, const char *name, const dsk_bytes_t *job_text,
                      const dsk_bytes_t *data, const sch_jobs_ended_t *ended);
/* The engine's clock, set before each event. */
void sch_jobs_set_now(sch_jobs_t *j, int64_t now_ms);
int64_t sch_jobs_now(const sch_jobs_t *j);

/* ------------------------------------------------------------ events */

/*
 * A job belongs to the key that submitted it (owner; "" when no key is
 * checked, and then every job is everyone's). Watching, fetching,
 * cancelling and feeding it chunks are its owner's, or an admin's; LIST
 * shows a client its own jobs and an admin all of them.
 */
void sch_jobs_on_submit(sch_jobs_t *j, const dsk_peer_id_t *from, const char *owner,
                        dsk_msg_t *msg);
void sch_jobs_on_job_req(sch_jobs_t *j, const dsk_peer_id_t *from, const char *owner,
                         int admin, const dsk_msg_t *msg);
void sch_jobs_on_task_done(sch_jobs_t *j, sch_worker_t *w, dsk_msg_t *msg);
void sch_jobs_on_chunk(sch_jobs_t *j, const dsk_peer_id_t *from, const char *owner,
                       dsk_msg_t *msg);
void sch_jobs_on_fetched(sch_jobs_t *j, sch_worker_t *from, dsk_msg_t *msg);
/* Places what can run now (after a worker came or went). */
void sch_jobs_schedule(sch_jobs_t *j);
/* A worker is gone (called before it leaves the registry). */
void sch_jobs_worker_lost(sch_jobs_t *j, const sch_worker_t *w);
/* Once a second: progress to clients, expected times and backups, expiry. */
void sch_jobs_tick(sch_jobs_t *j);
/* Whether w runs tasks but has answered none for too long (why in why); the engine drops it. */
int sch_jobs_worker_hung(const sch_jobs_t *j, const sch_worker_t *w, char *why, size_t len);

uint32_t sch_jobs_active(const sch_jobs_t *j);
/* The active job submitted first, or NULL. */
sch_job_t *sch_jobs_oldest_active(sch_jobs_t *j);
/* The attempts running on worker w by task kind, as "prefix:1 score:2" (status). */
void sch_jobs_running_text(const sch_jobs_t *j, uint64_t w, char *buf, size_t len);
uint32_t sch_jobs_tasks_running(const sch_jobs_t *j);
uint32_t sch_jobs_tasks_queued(const sch_jobs_t *j);
/* The same for one job (its runnable tasks waiting, its tasks running). */
uint32_t sch_jobs_pending(const sch_job_t *job);
uint32_t sch_jobs_running(const sch_job_t *job);
/* Every job the table keeps, newest first (follow ->next); read-only, for the dashboard. */
const sch_job_t *sch_jobs_list(const sch_jobs_t *j);

/* Answered task attempts by task kind since the scheduler started: they only go up. */
#define SCH_COUNT_KINDS 16
typedef struct {
    const char *kind;           /* "stage", "score", "predict", ... (a static string) */
    uint64_t tasks, failed;     /* attempts answered, those that failed */
    uint64_t micros;            /* the time the workers say they took */
} sch_task_count_t;
/* The counts (*counts points into the table) and how many kinds there are. */
size_t sch_jobs_task_counts(const sch_jobs_t *j, const sch_task_count_t **counts);
/* Rows predicted: every predict chunk's rows, counted when its result goes to the client. */
void sch_jobs_add_rows_predicted(sch_jobs_t *j, uint64_t rows);
uint64_t sch_jobs_rows_predicted(const sch_jobs_t *j);
/*
 * The engine's invariants, for the simulator: every worker's counts
 * (attempts, bytes held) equal what the jobs record, every attempt and
 * every holder is a registered worker, each kind's own checks; and
 * nothing was freed on a worker while a task there still read it. 0, or
 * DSK_ESTATE with what is wrong in err.
 */
int sch_jobs_check(const sch_jobs_t *j, char *err);

/* ------------------------------------------------------------ for the kinds */

sch_blobs_t *sch_jobs_blobs(sch_jobs_t *j);
size_t sch_jobs_nworkers(const sch_jobs_t *j);
sch_worker_t *sch_jobs_worker_at(const sch_jobs_t *j, size_t i);
sch_worker_t *sch_jobs_worker(const sch_jobs_t *j, uint64_t id);
void sch_jobs_send(sch_jobs_t *j, const dsk_peer_id_t *to, const dsk_msg_t *msg);
/* FREE key on worker id (if it is still there). */
void sch_jobs_free_key(sch_jobs_t *j, uint64_t worker, const char *key);
/* Threads of w not running an attempt (negative: tasks queued on it); none while it is paused. */
int sch_jobs_free_threads(const sch_worker_t *w);
/* Whether w has room for bytes more under its memory limit. */
int sch_jobs_room(const sch_worker_t *w, uint64_t bytes);
int sch_jobs_active_state(uint32_t state);
/* Whether task i runs on w. */
int sch_jobs_runs_on(const sch_task_t *t, uint64_t w);
/*
 * Sends task i to w (msg: the TASK, task_id filled here) and records the
 * attempt: counted on w with the task's reserve until it is answered.
 */
void sch_jobs_dispatch(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w,
                       dsk_msg_t *msg);
/* Whether task i wants a backup attempt now: running one attempt far past its deadline. */
int sch_jobs_overdue(const sch_jobs_t *j, const sch_job_t *job, int64_t i);
/* Whether this scheduling pass looks for overdue tasks (once a second, from the tick). */
int sch_jobs_deadline_pass(const sch_jobs_t *j);
/*
 * In a deadline pass, a backup attempt for each overdue task of the job
 * where the kind's place finds room (a worker not running it already),
 * sent by its dispatch.
 */
typedef sch_worker_t *(*sch_place_fn)(sch_jobs_t *j, sch_job_t *job, int64_t i);
typedef void (*sch_dispatch_fn)(sch_jobs_t *j, sch_job_t *job, int64_t i, sch_worker_t *w);
void sch_jobs_backups(sch_jobs_t *j, sch_job_t *job, sch_place_fn place,
                      sch_dispatch_fn dispatch);
/* JOB_STATE to the job's client (or to), with the result and model once done. */
void sch_jobs_state(sch_jobs_t *j, sch_job_t *job, const dsk_peer_id_t *to, int with_result);
/* Ends a job in state with a message; a DONE job gets its result JSON first. */
void sch_jobs_finish(sch_jobs_t *j, sch_job_t *job, uint32_t state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The busy-time record of w in the job's stats. */
sch_busy_t *sch_jobs_busy(sch_job_t *job, const sch_worker_t *w);
/* The stats' "workers": {name: {"tasks", "busy_s"}} (a new reference). */
json_t *sch_jobs_busy_json(const sch_job_t *job);
/* Records a violated invariant (the first is kept; sch_jobs_check reports it). */
void sch_jobs_violation(sch_jobs_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
