/*
 * wrk_agent.h — the worker's link to the scheduler (zguide's reliable
 * worker): REGISTER on connect, heartbeats both ways, and when the scheduler
 * has been silent for 3 intervals a fresh socket after a back-off that
 * doubles from 1 s to 32 s. The back-off resets once the scheduler WELCOMEs
 * the worker again.
 */
#ifndef WRK_AGENT_H
#define WRK_AGENT_H

#include "dsk_error.h"
#include "wrk_config.h"

typedef struct wrk_agent wrk_agent_t;

/* cfg must be resolved (wrk_config_resolve). Caller owns the agent. */
wrk_agent_t *wrk_agent_new(const wrk_config_t *cfg, char *err);
void wrk_agent_destroy(wrk_agent_t **agent_p);

/* Runs until SIGINT/SIGTERM, then says goodbye to the scheduler. */
int wrk_agent_run(wrk_agent_t *agent);

#endif
