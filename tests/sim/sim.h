/*
 * sim.h — the deterministic simulator of a dsk cluster (after FoundationDB's
 * simulation testing and TigerBeetle's VOPR).
 *
 * One seed makes one world: the real scheduler engine (sch_engine.h), 1 to
 * 16 workers whose bookkeeping is the real worker's (wrk_tasks.h: its
 * store, its checks of a task's inputs, its replies) around simulated task
 * bodies (a cost in virtual time, an output of some size, a score derived
 * from the task's key), clients that submit searches, fits, predicts and
 * empty-task jobs, and a network that carries the real encoded messages
 * with delays, reordering between connections (never within one: ZeroMQ
 * keeps a connection's order) and losses when a process dies. Faults are
 * drawn from the seed: workers killed (and started again), paused
 * (SIGSTOP: late answers after they were declared dead), hung (heartbeats
 * but no task ever finishes), slow, their connections busy (a slow link)
 * or reset (what was in flight is lost); the scheduler restarted; jobs
 * cancelled. Time is virtual: a run of many virtual minutes takes
 * milliseconds, and the same seed replays the same run, event for event.
 *
 * After every event the invariants are checked (sim_check.c); the first
 * one broken stops the run and the seed's trace is printed.
 */
#ifndef SIM_H
#define SIM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "dsk_msg.h"
#include "dsk_wire.h"
#include "sch_engine.h"
#include "wrk_tasks.h"

#define SIM_MAX_WORKERS 16
#define SIM_MAX_CLIENTS 8
#define SIM_HEARTBEAT_MS 1000
#define SIM_ORPHAN_MS 20000   /* a resumed job waits this long for its client (sch_jobs.h) */

typedef struct sim sim_t;

/* ------------------------------------------------------------ randomness */

/* splitmix64: every draw of a run comes from its seed, in event order. */
uint64_t sim_rand(sim_t *s);
/* Uniform in [0, n). */
uint64_t sim_below(sim_t *s, uint64_t n);
/* 1 with probability p. */
int sim_chance(sim_t *s, double p);
/* A number in [0, 1) from a key's text: what a simulated task's body "computes". */
double sim_hash01(const char *text, size_t len);

/* ------------------------------------------------------------ the world */

/* Who is at the end of a connection. */
typedef enum { SIM_SCHEDULER, SIM_WORKER, SIM_CLIENT } sim_role_t;

typedef struct {
    sim_role_t role;
    int index;              /* which worker or client */
    uint64_t conn;          /* the connection (a fresh one per connect, like a routing id) */
} sim_end_t;

int64_t sim_now(const sim_t *s);
/* Sends msg from one end of connection conn to the other (encoded now, decoded on arrival). */
void sim_send(sim_t *s, sim_end_t from, sim_end_t to, const dsk_msg_t *msg);
/* A routing id for connection conn, as the scheduler's ROUTER would give it. */
dsk_peer_id_t sim_peer_of(uint64_t conn);
/* A new connection of a worker's or a client's (index), as a reconnect makes. */
uint64_t sim_new_conn(sim_t *s, sim_role_t role, int index);
/* What is sent on conn after this (to the scheduler: up, from it: down) arrives after ms. */
void sim_conn_busy(sim_t *s, uint64_t conn, int64_t ms, int up, int down);
/* A reset (RST) of conn: what is in flight on it is lost, and what the scheduler sends in
   the next reconnect_ms too; what the other end sends then waits for the new connection. */
void sim_conn_reset(sim_t *s, uint64_t conn, int64_t reconnect_ms);
/* Calls fn(s, arg) at now + after_ms (a timer of a worker, a client or the world). */
typedef void (*sim_fn)(sim_t *s, void *arg, uint64_t tag);
void sim_at(sim_t *s, int64_t after_ms, sim_fn fn, void *arg, uint64_t tag);
/* The trace: what happened, one line per event (printed when a run fails). */
void sim_trace(sim_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A broken invariant: the run stops, the trace and this are printed. */
void sim_fail(sim_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sim_failed(const sim_t *s);
/* The scheduler's connection end, and whether it is up (between restarts). */
sim_end_t sim_scheduler_end(void);
int sim_scheduler_up(const sim_t *s);
const sch_engine_t *sim_engine(const sim_t *s);
/* How many times the scheduler restarted so far. */
int sim_scheduler_restarts(const sim_t *s);
/* Whether this world's workers have memory limits of a few datasets (a job may not fit). */
int sim_memory_tight(const sim_t *s);
/* Whether a fault paused every worker past its memory limit for longer than the scheduler waits. */
int sim_memory_stalled(const sim_t *s);

/* ------------------------------------------------------------ workers (sim_worker.c) */

typedef struct sim_worker sim_worker_t;

sim_worker_t *sim_worker_new(sim_t *s, int index, int nthreads, double speed,
                             uint64_t memory_limit);
void sim_worker_destroy(sim_worker_t **w_p);
void sim_worker_start(sim_t *s, sim_worker_t *w);
/* A message's bytes for this worker on connection conn (kept in order while it is stopped). */
void sim_worker_deliver(sim_t *s, sim_worker_t *w, uint64_t conn, const char *bytes,
                        size_t len);
/* Decodes bytes the simulator's own encoder made (a failure is a broken invariant). */
int sim_decode(sim_t *s, const char *bytes, size_t len, dsk_msg_t *msg);
/* Faults: kill -9 (restart later as a new process), SIGSTOP / SIGCONT, stuck task threads. */
void sim_worker_kill(sim_t *s, sim_worker_t *w);
void sim_worker_pause(sim_t *s, sim_worker_t *w, int64_t ms);
void sim_worker_hang(sim_t *s, sim_worker_t *w, int64_t ms);
/* Past 85% of its memory limit for ms: it says so (HEARTBEAT paused) and back under after. */
void sim_worker_memory_pause(sim_t *s, sim_worker_t *w, int64_t ms);
/* A slow link: its data connection carries a big message for ms, one way or both. */
void sim_worker_link_busy(sim_t *s, sim_worker_t *w, int64_t ms, int up, int down);
/* Whether it is past its memory limit's pause mark now (sim_worker_memory_pause). */
int sim_worker_memory_paused(const sim_t *s, const sim_worker_t *w);
/* Both its connections reset: it registers anew as a new instance (wrk_agent.c). */
void sim_worker_reset(sim_t *s, sim_worker_t *w, int64_t reconnect_ms);
/* Registered with the scheduler now up, and neither stopped nor hung since it started:
   the scheduler must not lose it. Its id is WELCOME's. */
int sim_worker_trusty(const sim_t *s, const sim_worker_t *w);
uint64_t sim_worker_id(const sim_worker_t *w);
int sim_worker_alive(const sim_worker_t *w);
const char *sim_worker_name(const sim_worker_t *w);
/* The worker's real store, and whether its current session belongs to the scheduler now up. */
const wrk_store_t *sim_worker_store(const sim_worker_t *w);
uint64_t sim_worker_memory_limit(const sim_worker_t *w);
int sim_worker_registered(const sim_t *s, const sim_worker_t *w);
/* Its entry in the registry of the scheduler now up (NULL: none), and how many tasks it
   has, running or queued, for any session. */
const sch_worker_t *sim_worker_on_scheduler(const sim_t *s, const sim_worker_t *w);
int sim_worker_tasks(const sim_worker_t *w);

/* ------------------------------------------------------------ clients (sim_client.c) */

typedef struct sim_client sim_client_t;

/* A client with one job drawn from the seed, submitted at start_ms. */
sim_client_t *sim_client_new(sim_t *s, int index, int64_t start_ms);
void sim_client_destroy(sim_client_t **c_p);
void sim_client_deliver(sim_t *s, sim_client_t *c, uint64_t conn, dsk_msg_t *msg);
/* The client process dies (with the scheduler): its job, if accepted, is left to the scheduler. */
void sim_client_vanish(sim_t *s, sim_client_t *c);
/* Whether its job was accepted and has not ended for it. */
int sim_client_waiting(const sim_client_t *c);
/* Cancels its job (if it runs). */
void sim_client_cancel(sim_t *s, sim_client_t *c);
/* Its job ended (done and checked, failed with a reason, cancelled, or lost). */
int sim_client_finished(const sim_client_t *c);
const char *sim_client_describe(const sim_client_t *c, char *buf, size_t len);
/* How its job ended, for the run's summary: 'd'one, 'f'ailed, 'c'ancelled, 'l'ost, 0 running. */
char sim_client_outcome(const sim_client_t *c);

/* ------------------------------------------------------------ the journal (sim_journal.c) */

typedef struct sim_journal sim_journal_t;

sim_journal_t *sim_journal_new(void);
void sim_journal_destroy(sim_journal_t **jr_p);
/* The hooks an engine journals through (sch_jobs_set_journal). */
const sch_jobs_journal_t *sim_journal_hooks(sim_journal_t *jr);
/* Every job journaled and not dropped, into a new engine's jobs (oldest first). */
void sim_journal_restore(sim_journal_t *jr, sch_jobs_t *jobs);
/* Whether this world's scheduler journals its jobs (then a restart loses none). */
int sim_journaling(const sim_t *s);

/* ------------------------------------------------------------ the model for predicts */

/* The bytes of a small fitted model (.dskm), made once per process. */
const unsigned char *sim_model_bytes(size_t *len);

#endif
