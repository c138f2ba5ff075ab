/*
 * sch_steal.h — work stealing: a worker with a thread free that can run
 * none of a search's runnable tasks takes a copy of what it lacks for the
 * first one it could run with it (in sch_order's order): another worker's
 * output (a stage's document counts, a prefix's fold matrices), through
 * the scheduler (FETCH, FETCHED, DATA_PUT), and the dataset from the
 * scheduler's own copy when the task reads it too. One copy on its way
 * per worker at a time.
 *
 * A prefix's readers are whole fits, the bulk of a search, so an idle
 * worker always takes a copy of a prefix. A stage's readers can be quick
 * (the seed's 3 ms fits), and a stage is big (a corpus' counts), so a
 * stage moves only when it pays: when half the work waiting on it (its
 * readers, at the mean time of those already done, the first left out: it
 * pays for its worker's fresh memory) is more than the copy is expected
 * to take. Until two of its readers are done, a stage stays where it is.
 * The dataset alone moves on the same rule, judged by the tasks that wait
 * for nothing else.
 */
#ifndef SCH_STEAL_H
#define SCH_STEAL_H

#include <stdint.h>

#include "sch_job.h"

/* Idle workers take copies for the job's runnable tasks ready[] (sch_order's order);
   returns how many copies were sent. */
int sch_steal(sch_jobs_t *j, sch_job_t *job, const int64_t *ready, int64_t nready);
/* FETCHED: a copy asked of from for this job, handed on (1), or not this job's (0). */
int sch_steal_on_fetched(sch_jobs_t *j, sch_job_t *job, const sch_worker_t *from,
                         dsk_msg_fetched_t *f);

#endif
