/*
 * job_task.h — the bodies of a search's tasks (job_plan.h plans them),
 * as a worker runs them: a task's spec read against the job the worker
 * holds (job_spec.h), its input found by content key through a lookup
 * function, and its output kept (STAGE, PREFIX) or sent back (SCORE,
 * REFIT). The lookup is what lets the same bodies run in a worker and in
 * job_search_local (job_local.h).
 *
 * Ownership: outputs belong to the caller (job_output_clear).
 */
#ifndef JOB_TASK_H
#define JOB_TASK_H

#include <msgpack.h>
#include <stddef.h>

#include "ml_data.h"
#include "job_spec.h"

/* An output a worker keeps (STAGE, PREFIX) or the reply it sends (SCORE, REFIT). */
typedef struct {
    void *obj;                      /* resident output, or NULL */
    void (*destroy)(void *obj);
    size_t bytes;                   /* what obj holds, for memory accounting */
    msgpack_sbuffer reply;          /* the result bytes for the scheduler (may be empty) */
    double seconds;                 /* time the task body took */
    /* obj as bytes, for another worker (job_output_unpack) or a spill file, written
       through pk as they are made (no copy of the whole), or NULL: it stays here */
    int (*pack)(const void *obj, msgpack_packer *pk);
} job_output_t;

/*
 * A resident output that moved: the bytes its pack wrote, back into an
 * object (obj, destroy, bytes, pack set). DSK_EPROTO for bad bytes.
 */
int job_output_unpack(const void *buf, size_t len, job_output_t *out, char *err);
void job_output_clear(job_output_t *out);

/* The resident output under key, or NULL when this process does not hold it. */
typedef const void *(*job_lookup_fn)(void *ctx, const char *key);

/*
 * Runs the task spec (len bytes) of job on ds (NULL for a task that does
 * not read the data), finding its input through lookup. *out is zeroed
 * first; on success the caller owns what it holds (job_output_clear).
 * Errors say which step failed and why.
 */
int job_task_run(const void *spec, size_t len, const job_spec_t *job, const ml_dataset_t *ds,
                 job_lookup_fn lookup, void *ctx, job_output_t *out, char *err);

/*
 * About how many bytes the task will allocate while it runs, beyond the
 * dataset and the input it reads (input: what lookup would give for the
 * spec's input key, or NULL): the fold's matrices it makes, and what its
 * estimators' fits allocate on data of that shape (fit_bytes,
 * ml_estimator.h). 0 for a spec it cannot read or a kind it does not
 * estimate (STAGE: the scheduler reserves a stage's output itself).
 */
size_t job_task_need(const void *spec, size_t len, const job_spec_t *job, const ml_dataset_t *ds,
                     const void *input);

#endif
