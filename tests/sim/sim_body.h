/*
 * sim_body.h — what a simulated task "computes": nothing real, but
 * something its key decides, so a result can be checked wherever and
 * however often the task ran. A stage or a prefix leaves an output of a
 * size drawn from its key (at most the dataset's size: the scheduler's
 * memory estimate assumes so); a score is three numbers from its key; a
 * refit's model is bytes naming its key; a predict chunk's result is the
 * content key of its rows. The clients' expectations use the same
 * functions, so a result in the wrong cell, or counted twice, shows.
 */
#ifndef SIM_BODY_H
#define SIM_BODY_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "job_task.h"
#include "wrk_task.h"

/* Fills the task's reply (and resident output) as its kind's body would. */
void sim_body_run(wrk_task_t *t, double speed);
/* Virtual milliseconds the task takes on a worker of that speed. */
int64_t sim_body_cost_ms(const wrk_task_t *t, double speed);
/* A moved output's bytes back into an object (the runner's unpack_output). */
int sim_body_unpack_output(const void *buf, size_t len, job_output_t *out, char *err);
/* A SCORE task's result (job_score.h), from its key, appended to sbuf. */
void sim_body_score(const char *key, msgpack_sbuffer *sbuf);
/* A REFIT task's model bytes, from its key ("sim-model:" + key); returns the length. */
size_t sim_body_model(const char *key, char *buf, size_t len);

#endif
