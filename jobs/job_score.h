/*
 * job_score.h — a SCORE task's result as it travels from the worker to
 * the plan: one cv_results_ cell, the msgpack array
 *
 *   [test_score, fit_time, score_time, train_score, error]
 *
 * train_score is NaN when the job asks for no train scores; error is nil,
 * or why the fit (or its scoring) failed in a job whose error_score is not
 * "raise": the scores are then the job's error_score.
 */
#ifndef JOB_SCORE_H
#define JOB_SCORE_H

#include <msgpack.h>
#include <stddef.h>

#include "dsk_error.h"

typedef struct {
    double score, fit_time, score_time;
    double train_score;       /* NaN: not asked for */
    char error[DSK_ERR_LEN];  /* "" unless the fit failed and was scored error_score */
} job_score_t;

void job_score_pack(msgpack_sbuffer *sbuf, const job_score_t *s);

/* Reads *s; DSK_EPROTO for anything else. */
int job_score_unpack(const void *buf, size_t len, job_score_t *s, char *err);

#endif
