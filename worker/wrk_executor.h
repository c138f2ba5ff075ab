/*
 * wrk_executor.h — the worker's task threads. The loop thread hands a task
 * over with everything it needs already resolved (the dataset, the job
 * and the input, pinned in the store), a thread runs its body (job_task_run
 * for a search's task, the model's predict for a chunk), and
 * the finished task comes back through a queue whose eventfd the loop
 * polls: the loop never blocks on work, so heartbeats never wait for a
 * task.
 *
 * For fault tests, DSK_FAULT=hang-tasks in the environment makes every
 * thread take a task and never finish it, while the loop thread goes on
 * heartbeating: a hung worker, as the scheduler must survive one.
 *
 * Ownership: submit takes the task; wrk_executor_done hands a finished
 * one back to the caller (who gives it to wrk_tasks_finish). destroy waits
 * for running tasks to end and frees the unfinished ones.
 */
#ifndef WRK_EXECUTOR_H
#define WRK_EXECUTOR_H

#include "wrk_task.h"

typedef struct wrk_executor wrk_executor_t;

wrk_executor_t *wrk_executor_new(int nthreads);
void wrk_executor_destroy(wrk_executor_t **ex_p);
void wrk_executor_submit(wrk_executor_t *ex, wrk_task_t *task);
/* A finished task, or NULL when none is waiting. */
wrk_task_t *wrk_executor_done(wrk_executor_t *ex);
/* Readable while finished tasks wait (drained by wrk_executor_done). */
int wrk_executor_fd(const wrk_executor_t *ex);
int wrk_executor_running(const wrk_executor_t *ex);
int wrk_executor_queued(const wrk_executor_t *ex);

#endif
