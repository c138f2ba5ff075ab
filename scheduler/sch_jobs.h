/*
 * sch_jobs.h — jobs on the scheduler: a client's SUBMIT becomes a plan of
 * tasks over content keys (ml_search.h); the dataset is placed on workers
 * (two replicas where there are two workers) and never resent per task;
 * each runnable task goes to a worker that holds its inputs, with a free
 * thread; results are recorded, intermediate outputs freed on their
 * workers once no task still needs them, and the result JSON goes back to
 * the client (and stays here for `dsk-submit result`).
 *
 * Reliability: when a worker dies, its running tasks run again elsewhere,
 * outputs it held that are still needed are computed again, and the data
 * is re-replicated from the scheduler's copy. A task that was running on 3
 * workers that died fails its job (Dask's KilledWorker).
 *
 * Ownership: the caller owns the table and the registry it reads; messages
 * go out through the send callback. Loop thread only.
 */
#ifndef SCH_JOBS_H
#define SCH_JOBS_H

#include <stdint.h>

#include "dsk_msg.h"
#include "dsk_wire.h"
#include "sch_registry.h"

typedef struct sch_jobs sch_jobs_t;
typedef void (*sch_send_fn)(void *arg, const dsk_peer_id_t *to, const dsk_msg_t *msg);

sch_jobs_t *sch_jobs_new(sch_registry_t *workers, sch_send_fn send, void *arg);
void sch_jobs_destroy(sch_jobs_t **j_p);

void sch_jobs_on_submit(sch_jobs_t *j, const dsk_peer_id_t *from, dsk_msg_t *msg);
void sch_jobs_on_job_req(sch_jobs_t *j, const dsk_peer_id_t *from, const dsk_msg_t *msg);
void sch_jobs_on_task_done(sch_jobs_t *j, const sch_worker_t *w, dsk_msg_t *msg);
/* CHUNK: rows for a predict job, queued for the next free worker thread. */
void sch_jobs_on_chunk(sch_jobs_t *j, const dsk_peer_id_t *from, dsk_msg_t *msg);
/* FETCHED: a copy of a task output, on its way to an idle worker (work stealing). */
void sch_jobs_on_fetched(sch_jobs_t *j, const sch_worker_t *from, dsk_msg_t *msg);
/* A worker registered: it may take tasks and data. */
void sch_jobs_worker_joined(sch_jobs_t *j, const sch_worker_t *w);
/* A worker is gone (called before it leaves the registry). */
void sch_jobs_worker_lost(sch_jobs_t *j, const sch_worker_t *w);
/* Once a second: progress to the clients of running jobs (their liveness signal). */
void sch_jobs_tick(sch_jobs_t *j);

uint32_t sch_jobs_active(const sch_jobs_t *j);
uint32_t sch_jobs_tasks_running(const sch_jobs_t *j);
uint32_t sch_jobs_tasks_queued(const sch_jobs_t *j);

#endif
