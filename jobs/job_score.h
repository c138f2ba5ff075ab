/*
 * job_score.h — a SCORE task's result as it travels from the worker to
 * the plan: the msgpack array [test_score, fit_time, score_time], one
 * cv_results_ cell (split<k>_test_score and the two times), with a fourth
 * element, the training rows' score, when the job asks for train scores.
 */
#ifndef JOB_SCORE_H
#define JOB_SCORE_H

#include <msgpack.h>
#include <stddef.h>

/* Appends [score, fit_time, score_time] to sbuf, and train_score unless it is NaN. */
void job_score_pack(msgpack_sbuffer *sbuf, double score, double fit_time, double score_time,
                    double train_score);

/* Reads v = {score, fit_time, score_time, train_score (NaN when absent)}; DSK_EPROTO for
   anything else. */
int job_score_unpack(const void *buf, size_t len, double v[4], char *err);

#endif
