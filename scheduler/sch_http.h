/*
 * sch_http.h — the scheduler's HTTP dashboard (--dashboard-port): the page
 * at /, /api/status, /api/jobs, /api/tasks and /metrics
 * (docs/architecture.md, "The dashboard").
 *
 * libmicrohttpd runs inside the scheduler's own poll loop, not on threads
 * of its own: the engine's state lives on the loop's thread and is read
 * nowhere else, and a request is answered from the state as it is, not
 * from a copy made a second ago. MHD's epoll mode gives one fd to watch
 * (dsk_loop polls it like any other) and MHD_run handles what is ready
 * without blocking; a timer covers what MHD wants done later (its idle
 * timeouts, connections with more to do).
 *
 * Bound to the host of --listen, so a loopback scheduler serves its
 * dashboard on loopback only. Read-only, no authentication: what it shows
 * (workers, job names, scores, key prefixes) is for whoever reaches the
 * port, so on a public --listen keep the port firewalled or set 0.
 *
 * Ownership: the caller owns the server and keeps the loop and the engine
 * alive until sch_http_destroy.
 */
#ifndef SCH_HTTP_H
#define SCH_HTTP_H

#include "dsk_loop.h"
#include "sch_engine.h"

typedef struct sch_http sch_http_t;

/*
 * Listens on port of listen's host (a ZeroMQ tcp:// endpoint; "*" and
 * 0.0.0.0 are every interface) and serves from loop. NULL with err filled
 * when the port cannot be bound.
 */
sch_http_t *sch_http_new(const char *listen, int port, dsk_loop_t *loop,
                         const sch_engine_t *engine, char *err);
void sch_http_destroy(sch_http_t **http_p);

/* The port actually bound (port 0 is not "off" here: the caller does not call new). */
int sch_http_port(const sch_http_t *http);

#endif
