/* sch_server.c — the scheduler's socket and poll loop around its engine. */
#include "sch_server.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_log.h"
#include "dsk_loop.h"
#include "dsk_notify.h"
#include "dsk_wire.h"
#include "sch_engine.h"

#define SCH_DRAIN_BATCH 256   /* messages read per wake-up, for fairness with timers */

struct sch_server {
    sch_config_t cfg;
    void *ctx;
    void *socket;
    char endpoint[256];
    dsk_loop_t *loop;
    sch_engine_t *engine;
    /* malformed frames since the last summary line, and the last reason */
    uint64_t dropped;
    int trim;                   /* freed memory to hand back when no job runs */
    char dropped_reason[DSK_ERR_LEN];
    char dropped_from[DSK_ADDR_MAX + 1];
};

/* The engine's messages leave through the socket. */
static void s_send(void *arg, const dsk_peer_id_t *to, const dsk_msg_t *msg)
{
    sch_server_t *srv = arg;
    char err[DSK_ERR_LEN];
    if (dsk_wire_send(srv->socket, to, msg, err) < 0)
        dsk_debug("%s", err);
}

static void s_reply_error(sch_server_t *srv, const dsk_peer_id_t *to, int code,
                          const char *what)
{
    dsk_msg_t msg = {.type = DSK_MSG_ERROR};
    msg.u.error.code = code;
    snprintf(msg.u.error.message, sizeof msg.u.error.message, "malformed message: %s", what);
    s_send(srv, to, &msg);
}

/*
 * Reads what is waiting, a bounded batch at a time. A malformed frame is
 * counted and its reason kept for the once-a-second summary. A dsk peer
 * that got a message wrong is told what and where (one ERROR per bad
 * frame); noise that is not a dsk message is never answered.
 */
static void s_on_socket(dsk_loop_t *loop, void *socket, int fd, void *arg)
{
    sch_server_t *srv = arg;
    for (int i = 0; i < SCH_DRAIN_BATCH; i++) {
        dsk_peer_id_t from;
        char address[DSK_ADDR_MAX + 1];
        char err[DSK_ERR_LEN];
        dsk_msg_t msg;
        int rc = dsk_wire_recv(socket, &from, address, sizeof address, &msg, err);
        if (rc == DSK_ENOTFOUND)
            return;
        if (rc < 0) {
            if (rc != DSK_ENOTDSK && from.len)
                s_reply_error(srv, &from, rc, err);
            srv->dropped++;
            snprintf(srv->dropped_reason, sizeof srv->dropped_reason, "%s", err);
            snprintf(srv->dropped_from, sizeof srv->dropped_from, "%s", address);
            continue;
        }
        sch_engine_on_message(srv->engine, &from, address, &msg, dsk_clock_mono_ms());
        dsk_msg_clear(&msg);
    }
}

/* The engine's heartbeats, reaper and job tick, as often as it asks. */
static int64_t s_engine_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    sch_server_t *srv = arg;
    int64_t next = sch_engine_tick(srv->engine, dsk_clock_mono_ms());
    return next > 1 ? next : 1;
}

static int64_t s_dropped_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    sch_server_t *srv = arg;
    if (srv->dropped) {
        dsk_warn("dropped %llu malformed message%s in the last second (last from %s: %s)",
                 (unsigned long long)srv->dropped, srv->dropped == 1 ? "" : "s",
                 srv->dropped_from[0] ? srv->dropped_from : "?", srv->dropped_reason);
        srv->dropped = 0;
        srv->trim = 1;
    }
    /*
     * Freed memory stays in the process while jobs run (the data they move
     * is tens of MB a message, and fresh pages cost more than copying);
     * once none is running, or after a burst of garbage, it goes back.
     */
    if (sch_engine_active_jobs(srv->engine) > 0)
        srv->trim = 1;
    else if (srv->trim) {
        malloc_trim(0);
        srv->trim = 0;
    }
    return 1000;
}

/* A number for this scheduler process, different at each start (workers compare it). */
static uint64_t s_instance(void)
{
    uint64_t v;
    if (getrandom(&v, sizeof v, 0) != sizeof v)
        v = (uint64_t)dsk_clock_wall_ms() * 2654435761u;
    return v ? v : 1;
}

sch_server_t *sch_server_new(const sch_config_t *cfg, char *err)
{
    sch_server_t *srv = dsk_xcalloc(1, sizeof *srv);
    srv->cfg = *cfg;
    srv->ctx = zmq_ctx_new();
    srv->socket = dsk_wire_socket(srv->ctx, ZMQ_ROUTER, (int64_t)cfg->max_message_size, err);
    if (!srv->socket) {
        sch_server_destroy(&srv);
        return NULL;
    }
    /* A ROUTER drops what it sends to a peer past that peer's high-water mark (1000 by
       default), without a word. The scheduler never means to lose a message: no mark;
       the jobs pace what they send (a predict's 16 chunks ahead, a noop's window). */
    int no_limit = 0;
    zmq_setsockopt(srv->socket, ZMQ_SNDHWM, &no_limit, sizeof no_limit);
    if (zmq_bind(srv->socket, cfg->listen) < 0) {
        dsk_seterr(err, DSK_EZMQ, "cannot listen on %s: %s", cfg->listen,
                   zmq_strerror(zmq_errno()));
        sch_server_destroy(&srv);
        return NULL;
    }
    size_t len = sizeof srv->endpoint;
    zmq_getsockopt(srv->socket, ZMQ_LAST_ENDPOINT, srv->endpoint, &len);
    sch_engine_cfg_t ecfg = {
        .heartbeat_ms = cfg->heartbeat_ms,
        .instance = s_instance(),
        .jobs = {.keep_finished_ms = cfg->keep_finished_ms,
                 .keep_finished_jobs = cfg->keep_finished_jobs,
                 .deadline_slack_ms = cfg->task_deadline_slack_ms,
                 .deadline_unknown_ms = cfg->task_deadline_unknown_ms},
    };
    srv->engine = sch_engine_new(&ecfg, s_send, srv, dsk_clock_mono_ms());
    srv->loop = dsk_loop_new();
    return srv;
}

void sch_server_destroy(sch_server_t **server_p)
{
    sch_server_t *srv = *server_p;
    if (!srv)
        return;
    sch_engine_destroy(&srv->engine); /* its last FREEs go nowhere: the socket closes next */
    if (srv->socket)
        zmq_close(srv->socket);
    if (srv->ctx)
        zmq_ctx_term(srv->ctx);
    dsk_loop_destroy(&srv->loop);
    free(srv);
    *server_p = NULL;
}

const char *sch_server_endpoint(const sch_server_t *server) { return server->endpoint; }

int sch_server_run(sch_server_t *srv)
{
    int rc = dsk_loop_catch_signals(srv->loop);
    if (rc < 0)
        return rc;
    dsk_loop_add_reader(srv->loop, srv->socket, -1, s_on_socket, srv);
    dsk_loop_add_timer(srv->loop, srv->cfg.heartbeat_ms / 4, s_engine_timer, srv);
    dsk_loop_add_timer(srv->loop, 1000, s_dropped_timer, srv);
    dsk_info("listening on %s", srv->endpoint);
    dsk_notify("READY=1\nSTATUS=serving");
    rc = dsk_loop_run(srv->loop);
    dsk_notify("STOPPING=1");
    if (dsk_loop_signal(srv->loop))
        dsk_info("caught signal %d: shutting down", dsk_loop_signal(srv->loop));
    return rc;
}
