/*
 * wrk_tasks.h — the worker's side of a job: it keeps the datasets the
 * scheduler scatters (DATA_PUT) and the outputs tasks leave (wrk_store),
 * runs TASKs on the executor's threads, answers each with TASK_DONE, and
 * drops what the scheduler FREEs. The agent (wrk_agent.h) owns the link and
 * hands these messages over; replies go out through the send callback.
 *
 * Ownership: the caller owns the object; it owns its store and executor.
 */
#ifndef WRK_TASKS_H
#define WRK_TASKS_H

#include <stddef.h>

#include "dsk_msg.h"

typedef struct wrk_tasks wrk_tasks_t;
typedef void (*wrk_send_fn)(void *arg, const dsk_msg_t *msg);

wrk_tasks_t *wrk_tasks_new(int nthreads, wrk_send_fn send, void *arg);
void wrk_tasks_destroy(wrk_tasks_t **t_p);
/* DATA_PUT, TASK, FREE: handled (1), or not one of them (0). */
int wrk_tasks_on_message(wrk_tasks_t *t, dsk_msg_t *msg);
/* The executor's fd: readable when finished tasks wait for wrk_tasks_on_done. */
int wrk_tasks_fd(const wrk_tasks_t *t);
void wrk_tasks_on_done(wrk_tasks_t *t);
/* A new scheduler session (another WELCOME): forget what the old one placed. */
void wrk_tasks_reset(wrk_tasks_t *t);
int wrk_tasks_running(const wrk_tasks_t *t);
int wrk_tasks_queued(const wrk_tasks_t *t);
size_t wrk_tasks_bytes(const wrk_tasks_t *t);

#endif
