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
#include "dsk_msg.h"

#define DSK_CLIENT_DEFAULT_SCHEDULER "tcp://127.0.0.1:8786"

typedef struct dsk_client dsk_client_t;

/* Caller owns the client. NULL with err filled when the endpoint is invalid. */
dsk_client_t *dsk_client_new(const char *endpoint, int64_t timeout_ms, char *err);
void dsk_client_destroy(dsk_client_t **client_p);

/*
 * Cluster status. On success *status is a STATUS_REP message the caller
 * owns (release with dsk_msg_clear). DSK_ETIMEDOUT when the scheduler did
 * not answer in time; the scheduler's ERROR code otherwise.
 */
int dsk_client_status(dsk_client_t *client, dsk_msg_t *status, char *err);

#endif
