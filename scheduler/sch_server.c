/* sch_server.c — the scheduler's socket, dispatch table and heartbeats. */
#include "sch_server.h"

#include <stdarg.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_log.h"
#include "dsk_loop.h"
#include "dsk_notify.h"
#include "dsk_wire.h"
#include "sch_jobs.h"
#include "sch_registry.h"

#define SCH_LIVENESS 3        /* missed heartbeats before a worker is dead */
#define SCH_DRAIN_BATCH 256   /* messages read per wake-up, for fairness with timers */

struct sch_server {
    sch_config_t cfg;
    void *ctx;
    void *socket;
    char endpoint[256];
    dsk_loop_t *loop;
    sch_registry_t *workers;
    sch_jobs_t *jobs;
    int64_t started_ms;
    /* malformed frames since the last summary line, and the last reason */
    uint64_t dropped;
    int trim;                   /* freed memory to hand back when no job runs */
    char dropped_reason[DSK_ERR_LEN];
    char dropped_from[DSK_ADDR_MAX + 1];
};

typedef void(s_handler_fn)(sch_server_t *srv, const dsk_peer_id_t *from,
                           const char *address, dsk_msg_t *msg);

static void s_send(sch_server_t *srv, const dsk_peer_id_t *to, const dsk_msg_t *msg)
{
    char err[DSK_ERR_LEN];
    if (dsk_wire_send(srv->socket, to, msg, err) < 0)
        dsk_debug("%s", err);
}

static void s_send_error(sch_server_t *srv, const dsk_peer_id_t *to, int code,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void s_send_error(sch_server_t *srv, const dsk_peer_id_t *to, int code,
                         const char *fmt, ...)
{
    dsk_msg_t msg = {.type = DSK_MSG_ERROR};
    msg.u.error.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg.u.error.message, sizeof msg.u.error.message, fmt, ap);
    va_end(ap);
    s_send(srv, to, &msg);
}

/* sch_jobs' messages leave through the same socket. */
static void s_send_cb(void *arg, const dsk_peer_id_t *to, const dsk_msg_t *msg)
{
    s_send(arg, to, msg);
}

/* A worker leaves the registry: its jobs' work is re-placed first, then again without it. */
static void s_remove_worker(sch_server_t *srv, sch_worker_t *w)
{
    sch_jobs_worker_lost(srv->jobs, w);
    sch_registry_remove(srv->workers, w);
    sch_jobs_tick(srv->jobs);
}

static void s_send_welcome(sch_server_t *srv, const sch_worker_t *w)
{
    dsk_msg_t msg = {.type = DSK_MSG_WELCOME};
    msg.u.welcome.worker_id = w->id;
    msg.u.welcome.heartbeat_ms = (uint32_t)srv->cfg.heartbeat_ms;
    s_send(srv, &w->peer, &msg);
}

/*
 * REGISTER. Three cases besides a plain new worker: the same connection
 * registering again (it lost our WELCOME or was told to re-register); the
 * same worker process on a new connection (same name and instance: it
 * reconnected before we noticed it was gone, so the old entry is replaced);
 * and a different process asking for a live worker's name (refused: two
 * workers must never share a name). The refused worker retries, so a
 * restarted worker gets its name back once the dead entry times out.
 */
static void s_on_register(sch_server_t *srv, const dsk_peer_id_t *from,
                          const char *address, dsk_msg_t *msg)
{
    const dsk_msg_register_t *hello = &msg->u.reg;
    int64_t now = dsk_clock_mono_ms();
    sch_worker_t *same_peer = sch_registry_by_peer(srv->workers, from);
    if (same_peer)
        s_remove_worker(srv, same_peer);
    sch_worker_t *same_name = sch_registry_by_name(srv->workers, hello->name);
    if (same_name && same_name->instance != hello->instance) {
        dsk_warn("refused worker '%s' from %s: the name is taken by a live worker at %s",
                 hello->name, address, same_name->info.address);
        s_send_error(srv, from, DSK_ESTATE,
                     "worker name '%s' is taken by a live worker at %s (pid %u)",
                     hello->name, same_name->info.address, same_name->info.pid);
        return;
    }
    if (same_name) {
        dsk_info("worker '%s' reconnected from %s", hello->name, address);
        s_remove_worker(srv, same_name);
    }
    sch_worker_t *w = sch_registry_add(srv->workers, from, hello, address, now);
    if (!same_name)
        dsk_info("worker '%s' registered from %s (host %s, pid %u, %u threads, "
                 "memory limit %llu)", w->info.name, address, w->info.host, w->info.pid,
                 w->info.nthreads, (unsigned long long)w->info.memory_limit);
    s_send_welcome(srv, w);
    sch_jobs_worker_joined(srv->jobs, w);
}

/* HEARTBEAT: a known worker's load; an unknown one is told to register again. */
static void s_on_heartbeat(sch_server_t *srv, const dsk_peer_id_t *from,
                           const char *address, dsk_msg_t *msg)
{
    sch_worker_t *w = sch_registry_by_peer(srv->workers, from);
    if (!w) {
        dsk_msg_t bye = {.type = DSK_MSG_DISCONNECT};
        bye.u.disconnect.code = DSK_ENOTFOUND;
        snprintf(bye.u.disconnect.reason, sizeof bye.u.disconnect.reason,
                 "unknown worker: register again");
        s_send(srv, from, &bye);
        return;
    }
    w->info.memory_used = msg->u.heartbeat.memory_used;
    w->info.tasks_running = msg->u.heartbeat.tasks_running;
    w->info.tasks_queued = msg->u.heartbeat.tasks_queued;
}

static void s_on_disconnect(sch_server_t *srv, const dsk_peer_id_t *from,
                            const char *address, dsk_msg_t *msg)
{
    sch_worker_t *w = sch_registry_by_peer(srv->workers, from);
    if (!w)
        return;
    dsk_info("worker '%s' left: %s", w->info.name,
             msg->u.disconnect.reason[0] ? msg->u.disconnect.reason : "goodbye");
    s_remove_worker(srv, w);
}

static void s_on_status(sch_server_t *srv, const dsk_peer_id_t *from,
                        const char *address, dsk_msg_t *msg)
{
    int64_t now = dsk_clock_mono_ms();
    size_t n = sch_registry_count(srv->workers);
    if (n > DSK_STATUS_MAX_WORKERS)
        n = DSK_STATUS_MAX_WORKERS;
    dsk_msg_t rep = {.type = DSK_MSG_STATUS_REP};
    dsk_msg_status_rep_t *st = &rep.u.status_rep;
    st->uptime_ms = (uint64_t)(now - srv->started_ms);
    st->jobs = sch_jobs_active(srv->jobs);
    st->n_workers = (uint32_t)n;
    st->workers = n ? dsk_xcalloc(n, sizeof *st->workers) : NULL;
    for (size_t i = 0; i < n; i++) {
        const sch_worker_t *w = sch_registry_at(srv->workers, i);
        dsk_worker_info_t *info = &st->workers[i];
        *info = w->info;
        info->last_seen_ms = (uint64_t)(now - w->last_seen_ms);
        info->uptime_ms = (uint64_t)(now - w->registered_ms);
    }
    st->tasks_running = sch_jobs_tasks_running(srv->jobs);
    st->tasks_queued = sch_jobs_tasks_queued(srv->jobs);
    s_send(srv, from, &rep);
    dsk_msg_clear(&rep);
}

static void s_on_submit(sch_server_t *srv, const dsk_peer_id_t *from,
                        const char *address, dsk_msg_t *msg)
{
    sch_jobs_on_submit(srv->jobs, from, msg);
}

static void s_on_job_req(sch_server_t *srv, const dsk_peer_id_t *from,
                         const char *address, dsk_msg_t *msg)
{
    sch_jobs_on_job_req(srv->jobs, from, msg);
}

static void s_on_task_done(sch_server_t *srv, const dsk_peer_id_t *from,
                           const char *address, dsk_msg_t *msg)
{
    sch_worker_t *w = sch_registry_by_peer(srv->workers, from);
    if (w)
        sch_jobs_on_task_done(srv->jobs, w, msg);
}

static void s_on_chunk(sch_server_t *srv, const dsk_peer_id_t *from, const char *address,
                       dsk_msg_t *msg)
{
    sch_jobs_on_chunk(srv->jobs, from, msg);
}

static void s_on_fetched(sch_server_t *srv, const dsk_peer_id_t *from, const char *address,
                         dsk_msg_t *msg)
{
    sch_worker_t *w = sch_registry_by_peer(srv->workers, from);
    if (w)
        sch_jobs_on_fetched(srv->jobs, w, msg);
}

/* What the scheduler accepts; anything else gets an ERROR naming the type. */
static const struct {
    dsk_msg_type_t type;
    s_handler_fn *fn;
} s_handlers[] = {
    {DSK_MSG_REGISTER, s_on_register},
    {DSK_MSG_HEARTBEAT, s_on_heartbeat},
    {DSK_MSG_DISCONNECT, s_on_disconnect},
    {DSK_MSG_STATUS_REQ, s_on_status},
    {DSK_MSG_SUBMIT, s_on_submit},
    {DSK_MSG_JOB_REQ, s_on_job_req},
    {DSK_MSG_TASK_DONE, s_on_task_done},
    {DSK_MSG_CHUNK, s_on_chunk},
    {DSK_MSG_FETCHED, s_on_fetched},
};

static void s_dispatch(sch_server_t *srv, const dsk_peer_id_t *from,
                       const char *address, dsk_msg_t *msg)
{
    sch_worker_t *w = sch_registry_by_peer(srv->workers, from);
    if (w)
        w->last_seen_ms = dsk_clock_mono_ms();
    for (size_t i = 0; i < sizeof s_handlers / sizeof s_handlers[0]; i++)
        if (s_handlers[i].type == msg->type) {
            s_handlers[i].fn(srv, from, address, msg);
            return;
        }
    s_send_error(srv, from, DSK_EPROTO, "the scheduler does not accept %s messages",
                 dsk_msg_type_name(msg->type));
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
                s_send_error(srv, &from, rc, "malformed message: %s", err);
            srv->dropped++;
            snprintf(srv->dropped_reason, sizeof srv->dropped_reason, "%s", err);
            snprintf(srv->dropped_from, sizeof srv->dropped_from, "%s", address);
            continue;
        }
        s_dispatch(srv, &from, address, &msg);
        dsk_msg_clear(&msg);
    }
}

static int64_t s_heartbeat_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    sch_server_t *srv = arg;
    dsk_msg_t hb = {.type = DSK_MSG_HEARTBEAT};
    for (size_t i = 0; i < sch_registry_count(srv->workers); i++)
        s_send(srv, &sch_registry_at(srv->workers, i)->peer, &hb);
    return srv->cfg.heartbeat_ms;
}

/* Declares dead every worker silent for SCH_LIVENESS intervals. */
static int64_t s_reaper_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    sch_server_t *srv = arg;
    int64_t now = dsk_clock_mono_ms();
    int64_t limit = SCH_LIVENESS * srv->cfg.heartbeat_ms;
    for (size_t i = 0; i < sch_registry_count(srv->workers);) {
        sch_worker_t *w = sch_registry_at(srv->workers, i);
        int64_t silent = now - w->last_seen_ms;
        if (silent > limit) {
            dsk_warn("worker '%s' at %s silent for %.1f s: declared dead", w->info.name,
                     w->info.address, (double)silent / 1000.0);
            s_remove_worker(srv, w);
            continue;
        }
        i++;
    }
    return srv->cfg.heartbeat_ms / 4;
}

static int64_t s_dropped_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    sch_server_t *srv = arg;
    sch_jobs_tick(srv->jobs);
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
    if (sch_jobs_active(srv->jobs) > 0)
        srv->trim = 1;
    else if (srv->trim) {
        malloc_trim(0);
        srv->trim = 0;
    }
    return 1000;
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
    if (zmq_bind(srv->socket, cfg->listen) < 0) {
        dsk_seterr(err, DSK_EZMQ, "cannot listen on %s: %s", cfg->listen,
                   zmq_strerror(zmq_errno()));
        sch_server_destroy(&srv);
        return NULL;
    }
    size_t len = sizeof srv->endpoint;
    zmq_getsockopt(srv->socket, ZMQ_LAST_ENDPOINT, srv->endpoint, &len);
    srv->workers = sch_registry_new();
    srv->jobs = sch_jobs_new(srv->workers, s_send_cb, srv);
    srv->loop = dsk_loop_new();
    srv->started_ms = dsk_clock_mono_ms();
    return srv;
}

void sch_server_destroy(sch_server_t **server_p)
{
    sch_server_t *srv = *server_p;
    if (!srv)
        return;
    if (srv->socket)
        zmq_close(srv->socket);
    if (srv->ctx)
        zmq_ctx_term(srv->ctx);
    sch_jobs_destroy(&srv->jobs);
    sch_registry_destroy(&srv->workers);
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
    dsk_loop_add_timer(srv->loop, srv->cfg.heartbeat_ms, s_heartbeat_timer, srv);
    dsk_loop_add_timer(srv->loop, srv->cfg.heartbeat_ms / 4, s_reaper_timer, srv);
    dsk_loop_add_timer(srv->loop, 1000, s_dropped_timer, srv);
    dsk_info("listening on %s", srv->endpoint);
    dsk_notify("READY=1\nSTATUS=serving");
    rc = dsk_loop_run(srv->loop);
    dsk_notify("STOPPING=1");
    if (dsk_loop_signal(srv->loop))
        dsk_info("caught signal %d: shutting down", dsk_loop_signal(srv->loop));
    return rc;
}
