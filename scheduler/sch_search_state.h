/*
 * sch_search_state.h — what the scheduler keeps of a search or fit job
 * (the kind's state, sch_job_t.k): its plan, its dataset and job as
 * workers hold them, each task's output and where its copies are, and the
 * running times the order and the deadlines are judged by. Types only:
 * sch_search.h changes it on events, sch_inputs.h, sch_order.h and
 * sch_steal.h read it.
 */
#ifndef SCH_SEARCH_STATE_H
#define SCH_SEARCH_STATE_H

#include <stdint.h>

#include "job_file.h"
#include "job_plan.h"
#include "sch_blobs.h"
#include "sch_ids.h"
#include "sch_job.h"

/* A task's output as the scheduler tracks it (resident kinds: STAGE, PREFIX). */
typedef struct {
    sch_ids_t holders;      /* workers holding a copy */
    uint64_t resident;      /* bytes a copy takes */
    int64_t open_users;     /* tasks reading it that are not done */
    uint64_t moving_to;     /* a copy on its way to this worker (0: none) ... */
    uint64_t moving_from;   /* ... from this holder */
    int64_t moving_since;   /* ... asked for then (the engine's clock; the task stream's) */
    int64_t copy_after_ms;  /* a holder declined a copy (its fits need the memory): none is
                               asked for before this */
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

/* Task i of the search job's plan. */
static inline const job_task_t *sch_search_task(const sch_job_t *job, int64_t i)
{
    return job_plan_task(((const sch_search_t *)job->k)->plan, i);
}

#endif
