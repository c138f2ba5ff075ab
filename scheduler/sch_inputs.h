/*
 * sch_inputs.h — whether a search task's inputs exist, and where. A task
 * reads the dataset (unless it is a SCORE after a PREFIX) and the output
 * of the task it depends on; it may run once each has a copy on some
 * worker, and on a worker only when that worker holds them all (the job
 * itself aside: it is sent on demand, sch_search.h).
 */
#ifndef SCH_INPUTS_H
#define SCH_INPUTS_H

#include <stdint.h>

#include "sch_job.h"

/* Task i waits for nothing: pending, and each input it reads has a copy somewhere. */
int sch_inputs_ready(const sch_job_t *job, int64_t i);
/* Worker w holds every input of task i. */
int sch_inputs_held(const sch_job_t *job, int64_t i, uint64_t w);
/* Nothing of the job runs on a worker, and no copy of its is on its way. */
int sch_inputs_stalled(const sch_job_t *job);

#endif
