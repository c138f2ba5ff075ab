/*
 * job_score.h — a SCORE task's result as it travels from the worker to
 * the plan: the msgpack array [test_score, fit_time, score_time], one
 * cv_results_ cell (split<k>_test_score and the two times).
 */
#ifndef JOB_SCORE_H
#define JOB_SCORE_H

#include <msgpack.h>
#include <stddef.h>

/* Appends [score, fit_time, score_time] to sbuf. */
void job_score_pack(msgpack_sbuffer *sbuf, double score, double fit_time, double score_time);

/* Reads v = {score, fit_time, score_time}; DSK_EPROTO for anything else. */
int job_score_unpack(const void *buf, size_t len, double v[3], char *err);

#endif
