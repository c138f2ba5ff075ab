/*
 * dsk_client.h — libdsk's client API: talk to a dskd-scheduler.
 *
 * A client is one DEALER socket connected to the scheduler. Requests are
 * synchronous with a timeout, so "cannot reach the scheduler" is an answer
 * (DSK_ETIMEDOUT) rather than a hang.
 */
#ifndef DSK_CLIENT_H
#define DSK_CLIENT_H

#include <stdint.h>

#include "dsk_error.h"
#include "dsk_keys.h"
#include "dsk_msg.h"

#define DSK_CLIENT_DEFAULT_SCHEDULER "tcp://127.0.0.1:8786"

typedef struct dsk_client dsk_client_t;

/* Caller owns the client. NULL with err filled when the endpoint is invalid. */
dsk_client_t *dsk_client_new(const char *endpoint, int64_t timeout_ms, char *err);
/* The same over CURVE when curve (may be NULL) is on: encrypted, as its key. */
dsk_client_t *dsk_client_connect(const char *endpoint, int64_t timeout_ms,
                                 const dsk_curve_client_t *curve, char *err);
void dsk_client_destroy(dsk_client_t **client_p);

/*
 * Cluster status. On success *status is a STATUS_REP message the caller
 * owns (release with dsk_msg_clear). DSK_ETIMEDOUT when the scheduler did
 * not answer in time; the scheduler's ERROR code otherwise.
 */
int dsk_client_status(dsk_client_t *client, dsk_msg_t *status, char *err);
/*
 * Jobs. submit sends a job file's text and its packed dataset and waits for
 * the first JOB_STATE (accepted); a refusal comes back as the scheduler's
 * ERROR code (DSK_EINVAL for a bad job) with its message in err.
 * next_state waits up to timeout_ms for the job's next JOB_STATE (the
 * scheduler sends one a second while the job runs, so silence means it is
 * gone). job_req asks about a job (DSK_JOBREQ_*). Each *state is a message
 * the caller owns (dsk_msg_clear).
 */
int dsk_client_submit(dsk_client_t *client, uint32_t kind, const char *name, const void *job,
                      size_t job_len, const void *data, size_t data_len, uint64_t token,
                      dsk_msg_t *state, char *err);
/* A number for a SUBMIT's token (random, never 0): the same one when it is sent again. */
uint64_t dsk_client_token(void);
/*
 * Starts over on a new socket (what the old one queued is dropped): after a
 * request went unanswered, so a resent one is not queued behind it.
 */
int dsk_client_reconnect(dsk_client_t *client, char *err);
/* Asks for job_id's state without waiting (it comes to next_state / next_event). */
int dsk_client_watch(dsk_client_t *client, uint64_t job_id, char *err);
int dsk_client_next_state(dsk_client_t *client, int64_t timeout_ms, dsk_msg_t *state,
                          char *err);
int dsk_client_job_req(dsk_client_t *client, uint32_t op, uint64_t job_id, dsk_msg_t *state,
                       char *err);
/*
 * Predict jobs: send_chunk queues one chunk of rows (without waiting);
 * next_event waits for the job's next JOB_STATE or CHUNK_DONE (*msg the
 * caller's, dsk_msg_clear).
 */
int dsk_client_send_chunk(dsk_client_t *client, uint64_t job_id, uint64_t index,
                          const void *data, size_t len, char *err);
int dsk_client_next_event(dsk_client_t *client, int64_t timeout_ms, dsk_msg_t *msg, char *err);
/* send_chunk with the rows packed by fill straight into the message (no copy). */
int dsk_client_send_chunk_with(dsk_client_t *client, uint64_t job_id, uint64_t index,
                               int (*fill)(void *arg, struct msgpack_sbuffer *sb), void *arg,
                               char *err);

#endif
