/*
 * sch_search.h — search and fit jobs: a job file and its dataset become a
 * plan of tasks over content keys (job_plan.h), run where their inputs
 * live.
 *
 * Inputs. A task reads the job (its steps, candidates and folds: placed on
 * a worker once, by key, the first time a task of the job goes there), the
 * dataset unless it is a SCORE after a PREFIX (placed on two workers up
 * front, more when it pays: sch_steal.h), and the output of the task it
 * depends on (a STAGE's document counts, a PREFIX's fold matrices), which
 * stays on the worker that made it. A task goes only to a worker that
 * holds every input it reads.
 *
 * Outputs and recovery. A resident output is kept while a task that reads
 * it is not done (its open users), and freed on every worker holding a
 * copy when the last one is. When every copy of an output that is still
 * needed is lost (its workers died), the task that made it runs again —
 * and so, first, does whatever that task reads that is gone too, a freed
 * stage included: after any event, a pass from the last task to the first
 * marks each output needed with no copy as to be made again, which makes
 * its own input needed, so the rule applies all the way down.
 *
 * Ownership: the kind's state belongs to the job (sch_job.h).
 */
#ifndef SCH_SEARCH_H
#define SCH_SEARCH_H

#include <stdint.h>

#include "job_file.h"
#include "job_plan.h"
#include "sch_blobs.h"
#include "sch_ids.h"
#include "sch_job.h"

extern const sch_kind_t sch_search_kind;
extern const sch_kind_t sch_fit_kind;

/* A task's output as the scheduler tracks it (resident kinds: STAGE, PREFIX). */
typedef struct {
    sch_ids_t holders;      /* workers holding a copy */
    uint64_t resident;      /* bytes a copy takes */
    int64_t open_users;     /* tasks reading it that are not done */
    uint64_t moving_to;     /* a copy on its way to this worker (0: none) ... */
    uint64_t moving_from;   /* ... from this holder */
    int64_t users_done;     /* readers done, the microseconds they took, the first's */
    uint64_t users_micros, first_user_micros;
    int done_once;          /* its task finished once: an attempt still out may outlive its
                               inputs (freed as no longer needed; its worker pins them) */
} sch_out_t;

typedef struct {
    job_t *mjob;
    job_plan_t *plan;
    sch_blob_t *data;       /* the dataset (its obj: the unpacked ml_dataset_t) */
    sch_blob_t *spec;       /* the job as workers hold it (job_spec.h) */
    sch_out_t *outs;        /* per task */
    int64_t done_by_kind[JOB_TASK_KINDS + 1];
    uint64_t micros_by_kind[JOB_TASK_KINDS + 1];
    uint64_t largest_by_kind[JOB_TASK_KINDS + 1];  /* the largest output seen */
    uint64_t *cand_micros;  /* per candidate: its fits' time so far, and how many */
    int64_t *cand_fits;
    uint64_t fit_micros;    /* every fit's, and how many */
    int64_t fits_timed;
    uint64_t bytes_scattered, bytes_moved;
} sch_search_t;

/* Task i of a search waits for nothing: pending, its inputs exist. */
int sch_search_runnable(const sch_job_t *job, int64_t i);
/* Nothing of the job runs on a worker, and no copy of its is on its way. */
int sch_search_stalled(const sch_job_t *job);
/* Whether worker w holds every input of task i (the job aside: it is sent on demand). */
int sch_search_has_inputs(const sch_job_t *job, int64_t i, uint64_t w);

#endif
