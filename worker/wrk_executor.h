/*
 * wrk_executor.h — the worker's task threads. The loop thread hands a task
 * over with everything it needs already resolved (the dataset and the
 * input, pinned in the store), a thread runs its body (ml_task_run), and
 * the finished task comes back through a queue whose eventfd the loop
 * polls, so heartbeats never wait for a task (STYLE.md, rule 5).
 *
 * Ownership: submit takes the task; wrk_executor_done hands a finished
 * one back to the caller, who frees it with wrk_task_free. destroy waits
 * for running tasks to end and frees the unfinished ones.
 */
#ifndef WRK_EXECUTOR_H
#define WRK_EXECUTOR_H

#include <stdint.h>

#include "dsk_error.h"
#include "dsk_msg.h"
#include "ml_data.h"
#include "ml_search.h"

/* A model as the store keeps it: the .dskm bytes, unpacked by each task that uses it. */
typedef struct {
    unsigned char *data;
    size_t len;
} wrk_model_t;

typedef struct wrk_task {
    uint64_t task_id;
    char key[DSK_KEY_MAX + 1];
    char data_key[DSK_KEY_MAX + 1];
    char input_key[DSK_KEY_MAX + 1];
    unsigned char *spec;
    size_t spec_len;
    const ml_dataset_t *ds;     /* pinned in the store while the task runs */
    const void *input;          /* the same, or NULL */
    unsigned char *chunk;       /* a predict task's rows (owned); input is then the model */
    size_t chunk_len;
    /* filled by the thread */
    int rc;
    char err[DSK_ERR_LEN];
    ml_task_output_t out;
    struct wrk_task *next;
} wrk_task_t;

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
void wrk_task_free(wrk_task_t **task_p);

#endif
