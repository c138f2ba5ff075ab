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
 * Which task goes first is sch_order.h's, which inputs a task has
 * sch_inputs.h's, the copies idle workers take sch_steal.h's; the state
 * they share is sch_search_state.h.
 *
 * Ownership: the kind's state belongs to the job (sch_job.h).
 */
#ifndef SCH_SEARCH_H
#define SCH_SEARCH_H

#include <stdint.h>

#include "sch_job.h"
#include "sch_search_state.h"

extern const sch_kind_t sch_search_kind;
extern const sch_kind_t sch_fit_kind;

#endif
