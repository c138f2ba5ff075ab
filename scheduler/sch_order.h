/*
 * sch_order.h — which runnable task of a search goes first, and how long a
 * task should take. Stages and prefixes lead (each unlocks many fits). The
 * fits follow longest first, each judged by its candidate's folds already
 * done, or, for a candidate with none done yet, by the mean of every fit
 * done so far: the longest processing time first rule, so that the last
 * fits to start are short ones and the workers finish together instead of
 * one of them running a long fit alone at the end. Equal estimates keep
 * the plan's order, so a search with nothing done yet runs in plan order.
 *
 * The same estimates set a running task's deadline (sch_jobs.h).
 */
#ifndef SCH_ORDER_H
#define SCH_ORDER_H

#include <stdint.h>

#include "sch_job.h"

/* The search's runnable tasks, in the order to start them; out holds job->ntasks. */
int64_t sch_order_runnable(const sch_job_t *job, int64_t *out);
/* Task i finished in micros (its candidate's and its kind's running means). */
void sch_order_record(sch_job_t *job, int64_t i, uint64_t micros);
/* Microseconds task i should take, from finished ones; 0 when nothing tells yet. */
int64_t sch_order_expected_us(const sch_job_t *job, int64_t i);

#endif
