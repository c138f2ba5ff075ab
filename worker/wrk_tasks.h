/*
 * wrk_tasks.h — the worker's side of a job: it keeps what the scheduler
 * places (DATA_PUT: datasets, jobs, models, moved outputs) and what tasks
 * leave (wrk_store), checks that a TASK's inputs are all here before it
 * runs, hands it to a runner, answers it with TASK_DONE, packs outputs
 * for FETCH and drops what the scheduler FREEs. The agent (wrk_agent.h)
 * owns the link and hands these messages over; replies go out through the
 * send callback.
 *
 * The runner is what executes a task's body: the executor's threads in
 * dskd-worker (wrk_executor.h), virtual threads in the simulator
 * (tests/sim/), which drives this same bookkeeping with simulated task
 * bodies. Either way a finished task comes back through wrk_tasks_finish,
 * on the thread that calls wrk_tasks_on_message.
 *
 * Sessions: a worker that registers with a new scheduler, or again with
 * the same one, starts a new session (wrk_tasks_reset): everything held
 * for the old one is dropped, and a task of the old session that finishes
 * afterwards neither stores its output nor replies.
 *
 * Ownership: the caller owns the object; it owns its store.
 */
#ifndef WRK_TASKS_H
#define WRK_TASKS_H

#include <msgpack.h>
#include <stddef.h>

#include "dsk_msg.h"
#include "job_task.h"
#include "wrk_store.h"
#include "wrk_task.h"

typedef struct wrk_tasks wrk_tasks_t;
typedef void (*wrk_send_fn)(void *arg, const dsk_msg_t *msg);
/*
 * Sends msg with its last (bin) field written by fill into the outgoing
 * frame (dsk_wire_send_with); returns fill's failure as an error.
 */
typedef int (*wrk_send_with_fn)(void *arg, const dsk_msg_t *msg,
                                int (*fill)(void *fill_arg, msgpack_sbuffer *sb), void *fill_arg);

typedef struct {
    /* Runs task (takes it); it comes back through wrk_tasks_finish. */
    void (*submit)(void *arg, wrk_task_t *task);
    /* A moved output's bytes back into an object (job_output_unpack for real bodies). */
    int (*unpack_output)(const void *buf, size_t len, job_output_t *out, char *err);
} wrk_runner_t;

wrk_tasks_t *wrk_tasks_new(const wrk_runner_t *runner, void *runner_arg, wrk_send_fn send,
                           void *arg);
void wrk_tasks_destroy(wrk_tasks_t **t_p);
/* DATA_PUT, TASK, FREE, FETCH: handled (1), or not one of them (0). */
int wrk_tasks_on_message(wrk_tasks_t *t, dsk_msg_t *msg);
/* A task the runner finished (rc, err, out filled): unpin, keep its output, reply. Takes it. */
void wrk_tasks_finish(wrk_tasks_t *t, wrk_task_t *task);
/*
 * A new scheduler session, in which this worker is worker_id: forget what
 * the old one placed. Every TASK_DONE carries the id of the session whose
 * TASK it answers, so the scheduler never takes an answer meant for an
 * earlier registration as one for the current.
 */
void wrk_tasks_reset(wrk_tasks_t *t, uint64_t worker_id);
size_t wrk_tasks_bytes(const wrk_tasks_t *t);
/*
 * FETCHED goes out through send_with (same arg as send) when it is set: an
 * output is packed straight into the frame, one copy of it in memory
 * instead of two (packed, then encoded), at a time memory may be short.
 */
void wrk_tasks_set_send_with(wrk_tasks_t *t, wrk_send_with_fn send_with);
/* Outputs may spill into spill (borrowed: it must outlive t), read back by the runner's unpack. */
void wrk_tasks_set_spill(wrk_tasks_t *t, wrk_spill_t *spill);
/* Spills least recently used outputs no task reads until want bytes left memory (wrk_store_spill). */
size_t wrk_tasks_spill(wrk_tasks_t *t, size_t want);
/* Tasks handed to the runner and not finished, and of those, how many an earlier session's. */
int wrk_tasks_outstanding(const wrk_tasks_t *t);
int wrk_tasks_stale(const wrk_tasks_t *t);
const wrk_store_t *wrk_tasks_store(const wrk_tasks_t *t);

#endif
