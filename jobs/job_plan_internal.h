/*
 * job_plan.h — what the plan (job_plan.c) and the task bodies
 * (job_task.c) share: a growing text buffer for keys, sub-pipelines
 * of a job's steps, and the SCORE result's format.
 */
#ifndef JOB_PLAN_INTERNAL_H
#define JOB_PLAN_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "job_file.h"
#include "job_plan.h"

/* A NUL-terminated text that grows as it is printed to; free(buf) when done. */
typedef struct {
    char *buf;
    size_t len, cap;
} job_text_t;

void job_text_printf(job_text_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Steps [from, to) of job as text with their own and cand's parameters (keys hash it). */
void job_steps_text(const job_t *job, const ml_params_t *cand, size_t from,
                          size_t to, job_text_t *out);
/* A SCORE task's reply: [test_score, fit_time, score_time]. */
int job_score_unpack(const void *buf, size_t len, double v[3], char *err);
/* A parameter value as JSON (tuples as arrays). New reference. */
json_t *job_value_json(const ml_value_t *v);

#endif
