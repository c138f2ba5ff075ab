/*
 * job_local.h — a whole search in this process, task by task in plan
 * order, through the same plan (job_plan.h) and task bodies (job_task.h)
 * the cluster runs: the reference a cluster's answers are checked
 * against.
 */
#ifndef JOB_LOCAL_H
#define JOB_LOCAL_H

#include <jansson.h>
#include <stddef.h>

#include "ml_data.h"
#include "job_file.h"

/*
 * Runs job over ds, refit included when asked. *result as
 * job_plan_result; *model (may be NULL) gets the refitted model's bytes
 * (malloc'd, *model_len long) when there is one.
 */
int job_search_local(const job_t *job, const ml_dataset_t *ds, json_t **result,
                     void **model, size_t *model_len, char *err);

#endif
