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
#include "sch_auth.h"
#include "sch_engine.h"
#include "sch_http.h"
#include "sch_journal.h"

#define SCH_DRAIN_BATCH 256   /* messages read per wake-up, for fairness with timers */

struct sch_server {
    sch_config_t cfg;
    void *ctx;
    sch_auth_t *auth;
    void *socket;
    char endpoint[256];
    dsk_loop_t *loop;
    sch_engine_t *engine;
    sch_journal_t *journal;     /* NULL without --journal */
    sch_http_t *http;           /* the dashboard, NULL with --dashboard-port 0 */
    sch_jobs_journal_t journal_hooks;
    /* what the engine sent while the journal had appends not yet durable: held until
       they are (group commit), then sent in order */
    struct s_held {
        dsk_peer_id_t to;
        dsk_msg_type_t type;
        char *buf;
        size_t len;
    } *held;
    size_t nheld, held_cap;
    /* malformed frames since the last summary line, and the last reason */
    uint64_t dropped;
    int trim;                   /* freed memory to hand back when no job runs */
    char dropped_reason[DSK_ERR_LEN];
    char dropped_from[DSK_ADDR_MAX + 1];
};

/*
 * The engine's messages leave through the socket, unless the journal has
 * appends not yet on disk: then nothing may say "accepted" (or anything
 * after it) before they are, and the message waits for s_commit.
 */
static void s_send(void *arg, const dsk_peer_id_t *to, const dsk_msg_t *msg)
{
    sch_server_t *srv = arg;
    char err[DSK_ERR_LEN];
    char *buf;
    size_t len;
    if (dsk_msg_encode(msg, &buf, &len, err) < 0) {
        dsk_debug("%s", err);
        return;
    }
    /* counted when sent or held: a held message goes once the journal is durable */
    sch_engine_count_bytes(srv->engine, to, 0, len);
    if (srv->journal && sch_journal_dirty(srv->journal)) {
        if (srv->nheld == srv->held_cap) {
            srv->held_cap = srv->held_cap ? srv->held_cap * 2 : 64;
            srv->held = dsk_xrealloc(srv->held, srv->held_cap, sizeof *srv->held);
        }
        srv->held[srv->nheld++] = (struct s_held){.to = *to, .type = msg->type, .buf = buf,
                                                  .len = len};
        return;
    }
    if (dsk_wire_send_encoded(srv->socket, to, msg->type, buf, len, err) < 0)
        dsk_debug("%s", err);
}

/* The journal's appends made durable (one fdatasync for the batch), then what waited goes. */
static void s_commit(sch_server_t *srv)
{
    char err[DSK_ERR_LEN];
    if (srv->journal && sch_journal_sync(srv->journal, err) < 0)
        dsk_error("%s: jobs accepted since the last sync may not survive a crash", err);
    for (size_t i = 0; i < srv->nheld; i++) {
        struct s_held *h = &srv->held[i];
        if (dsk_wire_send_encoded(srv->socket, &h->to, h->type, h->buf, h->len, err) < 0)
            dsk_debug("%s", err);
    }
    srv->nheld = 0;
}

/* ------------------------------------------------------------ the journal's hooks */

/*
 * A journaled dataset's bytes are in the journal's file: the scheduler's
 * copy (sent to workers in DATA_PUT) becomes a map of it, and the heap copy
 * goes. A dataset no blob holds (an empty one, a predict's model) stays.
 */
static void s_keep_in_journal(sch_server_t *srv, const char *key)
{
    unsigned char *bytes;
    size_t len;
    char why[DSK_ERR_LEN];
    sch_blobs_t *blobs = sch_jobs_blobs(sch_engine_job_table(srv->engine));
    if (sch_journal_map(srv->journal, key, &bytes, &len, why) < 0)
        return;
    if (sch_blobs_rehome(blobs, key, DSK_DATA_DATASET, bytes, len, sch_journal_unmap) < 0)
        sch_journal_unmap(bytes, len);
    else
        dsk_debug("dataset %s (%zu bytes) is kept in the journal's file", key, len);
}

static int s_journal_data(void *arg, const dsk_msg_submit_t *sub, char *key, char *err)
{
    sch_server_t *srv = arg;
    return sch_journal_data(srv->journal, sub->data.data, sub->data.len, key, err);
}

static int s_journal_job(void *arg, const sch_job_t *job, const dsk_msg_submit_t *sub,
                         const char *key, char *err)
{
    sch_server_t *srv = arg;
    int rc = sch_journal_job(srv->journal, job->id, job->token, job->owner, sub, key, err);
    if (rc == DSK_OK)
        s_keep_in_journal(srv, key);
    return rc;
}

static void s_journal_ended(void *arg, const sch_job_t *job)
{
    sch_server_t *srv = arg;
    char err[DSK_ERR_LEN];
    char *result = job->result ? json_dumps(job->result, JSON_COMPACT | JSON_REAL_PRECISION(17))
                               : NULL;
    if (sch_journal_end(srv->journal, job->id, job->state, job->text, result,
                        result ? strlen(result) : 0, job->model, job->model_len,
                        (uint64_t)job->fits_done, (uint64_t)job->fits_total, err) < 0)
        dsk_error("job %llu's end is not journaled (a restart would run it again): %s",
                  (unsigned long long)job->id, err);
    free(result);
}

static void s_journal_dropped(void *arg, const sch_job_t *job)
{
    sch_server_t *srv = arg;
    char err[DSK_ERR_LEN];
    if (sch_journal_drop(srv->journal, job->id, err) < 0)
        dsk_warn("job %llu's drop is not journaled (a restart would keep it again): %s",
                 (unsigned long long)job->id, err);
}

/* A job the journal had, into the engine before any peer speaks. */
static void s_restore(void *arg, const sch_journal_job_t *jb)
{
    sch_server_t *srv = arg;
    sch_jobs_ended_t ended = {.state = jb->state, .text = jb->text, .result = jb->result,
                              .model = jb->model, .fits_done = jb->fits_done,
                              .fits_total = jb->fits_total};
    sch_jobs_restore(sch_engine_job_table(srv->engine), jb->id, jb->token, jb->owner, jb->kind,
                     jb->name, &jb->job, &jb->data, jb->ended ? &ended : NULL);
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
        dsk_peer_meta_t meta;
        char err[DSK_ERR_LEN];
        dsk_msg_t msg;
        int rc = dsk_wire_recv(socket, &from, &meta, &msg, err);
        if (rc == DSK_ENOTFOUND)
            break;
        if (rc < 0) {
            if (rc != DSK_ENOTDSK && from.len)
                s_reply_error(srv, &from, rc, err);
            srv->dropped++;
            snprintf(srv->dropped_reason, sizeof srv->dropped_reason, "%s", err);
            snprintf(srv->dropped_from, sizeof srv->dropped_from, "%s", meta.address);
            continue;
        }
        sch_origin_t origin;
        if (sch_auth_origin(srv->auth, meta.user_id, meta.address, msg.type, &origin) < 0) {
            /* a worker key submitting, a client key registering: not a word back */
            sch_auth_refused_message(srv->auth, &origin, msg.type);
            dsk_msg_clear(&msg);
            continue;
        }
        sch_engine_on_message(srv->engine, &from, &origin, &msg, dsk_clock_mono_ms());
        sch_engine_count_bytes(srv->engine, &from, meta.bytes, 0); /* a REGISTER's too */
        dsk_msg_clear(&msg);
    }
    s_commit(srv);
}

/* The engine's heartbeats, reaper and job tick, as often as it asks. */
static int64_t s_engine_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    sch_server_t *srv = arg;
    int64_t next = sch_engine_tick(srv->engine, dsk_clock_mono_ms());
    s_commit(srv);
    return next > 1 ? next : 1;
}

static int64_t s_dropped_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    sch_server_t *srv = arg;
    sch_auth_log_summary(srv->auth);
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
    /* the authenticator first: its ZAP handler must exist before the socket it guards */
    srv->auth = sch_auth_new(srv->ctx, cfg, err);
    if (!srv->auth) {
        sch_server_destroy(&srv);
        return NULL;
    }
    srv->socket = dsk_wire_socket(srv->ctx, ZMQ_ROUTER, (int64_t)cfg->max_message_size, err);
    if (!srv->socket || sch_auth_setup_server(srv->auth, srv->socket, err) < 0) {
        sch_server_destroy(&srv);
        return NULL;
    }
    /* A ROUTER drops what it sends to a peer past that peer's high-water mark (1000 by
       default), without a word. The scheduler never means to lose a message: no mark;
       the jobs pace what they send (a predict's 16 chunks ahead, a noop's window). */
    int no_limit = 0;
    zmq_setsockopt(srv->socket, ZMQ_SNDHWM, &no_limit, sizeof no_limit);
    /* Workers name their connections (wrk_agent.c): one reconnecting under its name while
       the old TCP connection still looks open here takes the name over. */
    int handover = 1;
    zmq_setsockopt(srv->socket, ZMQ_ROUTER_HANDOVER, &handover, sizeof handover);
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
    sch_engine_set_refused(srv->engine, sch_auth_refused(srv->auth), sch_auth_secure(srv->auth));
    if (cfg->journal[0]) {
        srv->journal = sch_journal_open(cfg->journal, s_restore, srv, err);
        if (!srv->journal) {
            sch_server_destroy(&srv);
            return NULL;
        }
        srv->journal_hooks = (sch_jobs_journal_t){.arg = srv, .data = s_journal_data,
                                                  .job = s_journal_job,
                                                  .ended = s_journal_ended,
                                                  .dropped = s_journal_dropped};
        sch_jobs_set_journal(sch_engine_job_table(srv->engine), &srv->journal_hooks);
        for (size_t i = 0; i < sch_journal_data_count(srv->journal); i++)
            s_keep_in_journal(srv, sch_journal_data_key(srv->journal, i)); /* resumed jobs' */
    }
    srv->loop = dsk_loop_new();
    if (sch_auth_start(srv->auth, srv->loop, srv->socket, err) < 0) {
        sch_server_destroy(&srv);
        return NULL;
    }
    /* The dashboard is optional, the socket is not: a port in use (a second scheduler on
       the host, dsk-submit --local beside a real one) costs the dashboard, not the cluster. */
    if (cfg->dashboard_port > 0) {
        char why[DSK_ERR_LEN];
        srv->http = sch_http_new(cfg->listen, (int)cfg->dashboard_port, srv->loop, srv->engine,
                                 why);
        if (!srv->http)
            dsk_warn("%s: serving without it", why);
    }
    return srv;
}

void sch_server_destroy(sch_server_t **server_p)
{
    sch_server_t *srv = *server_p;
    if (!srv)
        return;
    sch_http_destroy(&srv->http); /* it reads the engine */
    /* its last FREEs go nowhere (the socket closes next); s_send still counts their bytes
       on the engine, whose jobs go before its registry and itself */
    sch_engine_destroy(&srv->engine);
    for (size_t i = 0; i < srv->nheld; i++)
        free(srv->held[i].buf);
    free(srv->held);
    sch_journal_close(&srv->journal);
    if (srv->socket) {
        zmq_socket_monitor(srv->socket, NULL, 0);
        zmq_close(srv->socket);
    }
    sch_auth_destroy(&srv->auth);
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
    if (srv->http)
        dsk_info("dashboard on port %d (/, /api/status, /api/jobs, /metrics)",
                 sch_http_port(srv->http));
    dsk_notify("READY=1\nSTATUS=serving");
    rc = dsk_loop_run(srv->loop);
    dsk_notify("STOPPING=1");
    if (dsk_loop_signal(srv->loop))
        dsk_info("caught signal %d: shutting down", dsk_loop_signal(srv->loop));
    return rc;
}
