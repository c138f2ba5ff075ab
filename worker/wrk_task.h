/*
 * wrk_task.h — a task as the worker holds it from its TASK to its
 * TASK_DONE: what to run (the spec, a predict chunk's rows), the objects
 * it reads (resolved from the store and pinned there by wrk_tasks), and
 * what it produced. wrk_tasks makes one per TASK; whoever runs it (the
 * executor's threads, or the simulator's virtual ones) fills rc, err and
 * out and hands it back with wrk_tasks_finish.
 *
 * Ownership: the task owns spec, chunk and out; the objects it reads
 * belong to the store. wrk_task_free frees a task and what it owns.
 */
#ifndef WRK_TASK_H
#define WRK_TASK_H

#include <stdint.h>

#include "dsk_error.h"
#include "dsk_msg.h"
#include "ml_data.h"
#include "job_task.h"
#include "job_spec.h"

/* A model as the store keeps it: the .dskm bytes, unpacked by each thread that uses it. */
typedef struct {
    unsigned char *data;
    size_t len;
} wrk_model_t;

typedef struct wrk_task {
    uint64_t task_id;
    uint32_t kind;              /* DSK_TASK_* */
    uint64_t session;           /* the scheduler session that sent it (wrk_tasks_reset) */
    uint64_t worker_id;         /* the id that session gave this worker (TASK_DONE echoes it) */
    char key[DSK_KEY_MAX + 1];
    char input_key[DSK_KEY_MAX + 1]; /* what input holds (a model's key: a thread's cache) */
    unsigned char *spec;
    size_t spec_len;
    const ml_dataset_t *ds;     /* pinned in the store while the task runs, or NULL */
    const job_spec_t *job;   /* the same */
    const void *input;          /* the same: a resident output, or a predict's wrk_model_t */
    struct wrk_pin *pins[3];    /* the store's entries for ds, job and input (wrk_store.h) */
    unsigned char *chunk;       /* a predict task's rows (owned) */
    size_t chunk_len;
    uint64_t need;              /* bytes its body is expected to allocate (job_task_need) */
    /* filled by whoever runs it */
    int rc;
    char err[DSK_ERR_LEN];
    job_output_t out;
    struct wrk_task *next;
} wrk_task_t;

void wrk_task_free(wrk_task_t **task_p);

#endif
