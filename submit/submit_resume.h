/*
 * submit_resume.h — following a job through a scheduler restart.
 *
 * A scheduler run with --journal that is killed and started again still
 * has every job it accepted, and finds each by id. So dsk-submit does not
 * give up on silence at once: a SUBMIT that goes unanswered is sent again,
 * on a fresh socket, with the same token (the scheduler answers a repeat
 * with the job the first one started, so it never runs twice); a job that
 * goes quiet is asked about (WATCH) every few seconds. Only after
 * opt->reconnect_s of silence is the scheduler lost.
 */
#ifndef SUBMIT_RESUME_H
#define SUBMIT_RESUME_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_client.h"
#include "submit_command.h"

/* dsk_client_submit, sent again with one token while it goes unanswered. */
int submit_resume_submit(const submit_options_t *opt, dsk_client_t *c, uint32_t kind,
                         const char *name, const void *job, size_t job_len, const void *data,
                         size_t data_len, dsk_msg_t *state, char *err);
/*
 * The next JOB_STATE about job id (or, with events, a CHUNK_DONE too), asking
 * again after silences. *scheduler is the instance the job's states came
 * from: *resumed is set when one comes from another (the scheduler restarted
 * and lost what it had not answered: a predict's chunks go again).
 */
int submit_resume_next(const submit_options_t *opt, dsk_client_t *c, uint64_t id, int events,
                       uint64_t *scheduler, dsk_msg_t *msg, int *resumed, char *err);

#endif
