/*
 * ml_search_internal.h — what the plan (ml_search.c) and the task bodies
 * (ml_search_task.c) share: a growing text buffer for keys, sub-pipelines
 * of a job's steps, and the SCORE result's format.
 */
#ifndef ML_SEARCH_INTERNAL_H
#define ML_SEARCH_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "ml_job.h"
#include "ml_search.h"

/* A NUL-terminated text that grows as it is printed to; free(buf) when done. */
typedef struct {
    char *buf;
    size_t len, cap;
} ml_sbuf_t;

void ml_sbuf_printf(ml_sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Steps [from, to) of job as text with their own and cand's parameters (keys hash it). */
void ml_search_steps_text(const ml_job_t *job, const ml_params_t *cand, size_t from,
                          size_t to, ml_sbuf_t *out);
/* A SCORE task's reply: [test_score, fit_time, score_time]. */
int ml_search_unpack_score(const void *buf, size_t len, double v[3], char *err);
/* A parameter value as JSON (tuples as arrays). New reference. */
json_t *ml_search_value_json(const ml_value_t *v);

#endif
