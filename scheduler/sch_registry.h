/*
 * sch_registry.h — the scheduler's table of live workers.
 *
 * A worker is known by its ZeroMQ routing id (how to reach it) and by its
 * name (how people and jobs refer to it). Names are unique among live
 * workers. A worker process also sends a random `instance` number that stays
 * the same across its reconnects, which is how the scheduler tells "the same
 * worker came back on a new connection" (replace the old entry) from "another
 * worker wants a name that is taken" (refuse).
 */
#ifndef SCH_REGISTRY_H
#define SCH_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_msg.h"
#include "dsk_wire.h"

typedef struct {
    uint64_t id;                  /* scheduler-assigned, unique across its restarts too */
    dsk_peer_id_t peer;
    uint64_t instance;
    uint32_t connection;          /* REGISTER's: the worker's count of its connections */
    /* What STATUS_REP shows: name, host, address, pid, threads, memory,
       tasks. Its last_seen_ms and uptime_ms are filled when reporting. */
    dsk_worker_info_t info;
    int64_t registered_ms;        /* the engine's clock */
    int64_t last_seen_ms;         /* the engine's clock: last message of any kind, on either
                                     connection */
    dsk_peer_id_t heartbeats;     /* its heartbeats' own connection (len 0: not yet known) */
    /* What the job engine has placed on it (sch_jobs.h) */
    int running;                  /* task attempts sent and not yet answered */
    int incoming;                 /* a copy of another worker's output on its way to it */
    uint64_t held;                /* bytes of data, jobs, models and outputs it holds for us */
    uint64_t reserved;            /* the expected outputs of the tasks running on it */
    int64_t last_answer_ms;       /* its last TASK_DONE or FETCHED (or its registration) */
    uint32_t stale;               /* threads it reports busy with tasks of an earlier session */
    uint64_t bytes_in, bytes_out; /* message bytes from it and to it since it registered */
    uint64_t cpu_ms;              /* the CPU time it last reported ... */
    int64_t cpu_moved_ms;         /* ... and when it last grew by a twentieth of the time passed */
} sch_worker_t;

typedef struct sch_registry sch_registry_t;

/* How the scheduler's parts send a message to a peer (the server's socket, or the simulator). */
typedef void (*sch_send_fn)(void *arg, const dsk_peer_id_t *to, const dsk_msg_t *msg);

/*
 * Caller owns the registry; the registry owns its workers. Ids are handed
 * out from first_id up: a scheduler takes it from its instance number, so
 * ids differ from one scheduler process to the next and a worker's answer
 * to an earlier scheduler's task never matches a registration with this one.
 */
sch_registry_t *sch_registry_new(uint64_t first_id);
void sch_registry_destroy(sch_registry_t **reg_p);

/* Adds a worker; the returned pointer stays valid until it is removed. */
sch_worker_t *sch_registry_add(sch_registry_t *reg, const dsk_peer_id_t *peer,
                               const dsk_msg_register_t *hello,
                               const char *address, int64_t now_ms);
void sch_registry_remove(sch_registry_t *reg, sch_worker_t *worker);

/* The worker at peer: its registration's connection, or its heartbeats' once known. */
sch_worker_t *sch_registry_by_peer(const sch_registry_t *reg, const dsk_peer_id_t *peer);
sch_worker_t *sch_registry_by_name(const sch_registry_t *reg, const char *name);
sch_worker_t *sch_registry_by_id(const sch_registry_t *reg, uint64_t id);

size_t sch_registry_count(const sch_registry_t *reg);
/* The i-th worker, in registration order. */
sch_worker_t *sch_registry_at(const sch_registry_t *reg, size_t i);

#endif
