/*
 * sch_server.h — the scheduler daemon's core: one ROUTER socket, one poll
 * loop, the worker registry and the heartbeats (zguide's broker pattern).
 *
 * Every peer speaks through the one socket. Messages are dispatched by type
 * from a table; a malformed frame is dropped and counted (logged at most
 * once a second), never answered, so garbage on the port costs nothing.
 */
#ifndef SCH_SERVER_H
#define SCH_SERVER_H

#include "dsk_error.h"
#include "sch_config.h"

typedef struct sch_server sch_server_t;

/* Binds the socket. Caller owns the server; NULL with err filled on failure. */
sch_server_t *sch_server_new(const sch_config_t *cfg, char *err);
void sch_server_destroy(sch_server_t **server_p);

/* The endpoint actually bound (resolves a wildcard port). */
const char *sch_server_endpoint(const sch_server_t *server);

/* Serves until SIGINT/SIGTERM; returns 0 or a negative DSK_E*. */
int sch_server_run(sch_server_t *server);

#endif
