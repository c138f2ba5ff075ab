/*
 * sch_engine.h — the scheduler without its socket: every message a peer
 * sends, and the passing of time, in; every message it sends, out through
 * a callback. The registry of workers and their heartbeats (zguide's
 * broker: a worker silent for 3 intervals is dead), the dispatch table of
 * the messages it accepts, status, and the job engine (sch_jobs.h) all
 * live here, so that dskd-scheduler (sch_server.h: a ZeroMQ ROUTER and a
 * poll loop around this) and the deterministic simulator (tests/sim/: a
 * seeded event loop in virtual time) run the very same code.
 *
 * Time is whatever the caller says it is (now_ms, monotonic), on every
 * call; the engine never reads a clock and draws no random number (its
 * instance number comes from the caller), so a run is a function of its
 * inputs.
 *
 * Ownership: the caller owns the engine; messages handed to
 * sch_engine_on_message may have their payloads taken (dsk_msg_clear
 * after it is still right). The send callback must not call back.
 */
#ifndef SCH_ENGINE_H
#define SCH_ENGINE_H

#include <stdint.h>

#include "dsk_msg.h"
#include "dsk_wire.h"
#include "sch_auth.h"
#include "sch_jobs.h"
#include "sch_registry.h"

typedef struct {
    int64_t heartbeat_ms;       /* both ways; a worker silent 3 intervals is dead */
    uint64_t instance;          /* this scheduler's number, new each start (WELCOME) */
    sch_jobs_cfg_t jobs;
} sch_engine_cfg_t;

typedef struct sch_engine sch_engine_t;

sch_engine_t *sch_engine_new(const sch_engine_cfg_t *cfg, sch_send_fn send, void *arg,
                             int64_t now_ms);
void sch_engine_destroy(sch_engine_t **e_p);

/*
 * One decoded message from peer from; origin: its address (for status), its
 * key and roles (the server has checked the roles allow the message).
 */
void sch_engine_on_message(sch_engine_t *e, const dsk_peer_id_t *from,
                           const sch_origin_t *origin, dsk_msg_t *msg, int64_t now_ms);
/* What the server refused before the engine saw it, for status (read when asked). */
void sch_engine_set_refused(sch_engine_t *e, const sch_refused_t *refused, int curve);
/*
 * Time passed: heartbeats out, silent and hung workers dropped, once a
 * second the jobs' tick (progress, backups, expiry). Returns the ms until
 * it next wants to run.
 */
int64_t sch_engine_tick(sch_engine_t *e, int64_t now_ms);

uint32_t sch_engine_active_jobs(const sch_engine_t *e);
/* For the dashboard: this scheduler's instance number, its uptime by the engine's clock,
   messages handled, and whether CURVE is on. */
uint64_t sch_engine_instance(const sch_engine_t *e);
int64_t sch_engine_uptime_ms(const sch_engine_t *e);
uint64_t sch_engine_handled(const sch_engine_t *e);
int sch_engine_curve(const sch_engine_t *e);
/*
 * Traffic, counted by the server as messages come in (in) and go out (out):
 * onto the worker at peer if it is one, and into the scheduler's totals.
 * Only adds: it neither sends nor changes what the engine decides.
 */
void sch_engine_count_bytes(sch_engine_t *e, const dsk_peer_id_t *peer, uint64_t in,
                            uint64_t out);
/* The totals since the scheduler started. */
void sch_engine_bytes(const sch_engine_t *e, uint64_t *in, uint64_t *out);
/* Workers it removed since it started: silent for 3 intervals (declared dead), or
   heartbeating while answering no task (hung). */
void sch_engine_workers_lost(const sch_engine_t *e, uint64_t *silent, uint64_t *hung);
/* The invariants of the registry and the jobs (sch_jobs_check): 0 or DSK_ESTATE with err. */
int sch_engine_check(const sch_engine_t *e, char *err);
/* The job table, for the server to journal and restore jobs (sch_jobs.h). */
sch_jobs_t *sch_engine_job_table(sch_engine_t *e);
/* For the simulator's checks: the registry and the jobs, read-only. */
const sch_registry_t *sch_engine_registry(const sch_engine_t *e);
const sch_jobs_t *sch_engine_jobs(const sch_engine_t *e);

#endif
