/*
 * wrk_agent.c — register, heartbeat, reconnect.
 *
 * Two connections to the scheduler: one for everything the jobs send, and
 * one for heartbeats only. On a slow link a copy of an output (a hundred MB
 * crosses 100 Mbit/s in ten seconds) would hold back a heartbeat queued
 * behind it on the same connection, and each side would take the other for
 * dead; on their own connection, heartbeats pass beside it.
 *
 * ZeroMQ reconnects a connection that breaks, but what was in flight on
 * it is gone: a TASK the scheduler sent, a TASK_DONE we sent. Neither side
 * would ever hear of it, and the scheduler would count a thread of ours
 * busy for good. So when the jobs' connection breaks (a monitor tells us),
 * the worker registers anew under a new instance, as a restarted process
 * would: the scheduler places again all it had given us, and we drop what
 * we held for the old registration.
 */
#include "wrk_agent.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_keys.h"
#include "dsk_log.h"
#include "dsk_loop.h"
#include "dsk_notify.h"
#include "dsk_probe.h"
#include "dsk_wire.h"
#include "wrk_executor.h"
#include "wrk_memory.h"
#include "wrk_spill.h"
#include "wrk_tasks.h"

#define WRK_LIVENESS 3             /* silent intervals before the scheduler is presumed gone */
#define WRK_BACKOFF_MIN_MS 1000
#define WRK_BACKOFF_MAX_MS 32000
#define WRK_GOODBYE_LINGER_MS 500  /* how long the last DISCONNECT may take to leave */
#define WRK_PROBE_MS 500           /* a silent scheduler's address: how long a TCP try waits */

typedef enum {
    S_REGISTERING, /* REGISTER sent, no WELCOME yet */
    S_READY,       /* registered: heartbeating */
    S_WAITING,     /* socket closed, reconnect timer armed */
} s_state_t;

struct wrk_agent {
    wrk_config_t cfg;
    dsk_curve_client_t curve;
    void *ctx;
    void *socket;               /* the jobs' messages */
    void *heartbeats;           /* HEARTBEATs both ways (and a DISCONNECT answering one) */
    void *monitor;              /* the jobs' socket's events: a broken connection */
    bool linked;                /* its connection is up (handshake done) and has not broken */
    uint64_t sockets_opened;    /* each one's routing id has its number */
    dsk_loop_t *loop;
    dsk_msg_register_t hello;
    s_state_t state;
    int64_t heartbeat_ms;
    int64_t last_heard_ms;
    int64_t backoff_ms;
    uint64_t worker_id;
    uint64_t scheduler;         /* the instance that WELCOMEd us last */
    bool ever_registered;
    wrk_executor_t *ex;
    wrk_tasks_t *tasks;
    wrk_spill_t *spill;         /* where outputs go past 70% of the memory limit */
    wrk_memory_t *memory;
};

static void s_on_socket(dsk_loop_t *loop, void *socket, int fd, void *arg);

static void s_send_on(void *socket, const dsk_msg_t *msg)
{
    char err[DSK_ERR_LEN];
    if (socket && dsk_wire_send(socket, NULL, msg, err) < 0)
        dsk_debug("%s", err);
}

static void s_send(wrk_agent_t *a, const dsk_msg_t *msg) { s_send_on(a->socket, msg); }
static void s_on_monitor(dsk_loop_t *loop, void *socket, int fd, void *arg);

static void s_send_register(wrk_agent_t *a)
{
    dsk_msg_t msg = {.type = DSK_MSG_REGISTER};
    msg.u.reg = a->hello;
    s_send(a, &msg);
    a->state = S_REGISTERING;
}

/* A DEALER connected to the scheduler and read by the loop, or NULL (logged). */
static void *s_open(wrk_agent_t *a, int64_t max_message_size)
{
    char err[DSK_ERR_LEN];
    void *socket = dsk_wire_socket(a->ctx, ZMQ_DEALER, max_message_size, err);
    if (!socket) {
        dsk_error("%s", err);
        return NULL;
    }
    if (dsk_curve_client_apply(&a->curve, socket, err) < 0) {
        dsk_error("%s", err);
        zmq_close(socket);
        return NULL;
    }
    /* A routing id of its own, not the one the scheduler's ROUTER would make for each TCP
       connection: should ZeroMQ reconnect this socket under a live registration (one of
       the two connections reset), the scheduler still knows whose it is. The process's
       random instance and the socket's number make it unique; ZeroMQ keeps ids that
       start with a zero byte for itself. */
    unsigned char id[1 + sizeof a->hello.instance + sizeof a->sockets_opened];
    id[0] = 'w';
    a->sockets_opened++;
    memcpy(id + 1, &a->hello.instance, sizeof a->hello.instance);
    memcpy(id + 1 + sizeof a->hello.instance, &a->sockets_opened, sizeof a->sockets_opened);
    zmq_setsockopt(socket, ZMQ_ROUTING_ID, id, sizeof id);
    if (zmq_connect(socket, a->cfg.scheduler) < 0) {
        dsk_error("cannot connect to %s: %s", a->cfg.scheduler, zmq_strerror(zmq_errno()));
        zmq_close(socket);
        return NULL;
    }
    dsk_loop_add_reader(a->loop, socket, -1, s_on_socket, a);
    return socket;
}

static void s_close_socket(wrk_agent_t *a, void **socket_p)
{
    if (!*socket_p)
        return;
    dsk_loop_remove_reader(a->loop, *socket_p, -1);
    zmq_close(*socket_p);
    *socket_p = NULL;
}

/* A PAIR that hears when the jobs' connection breaks (s_on_monitor), or NULL (logged). */
static void *s_watch(wrk_agent_t *a, void *socket)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://dsk-worker-events-%llu",
             (unsigned long long)a->sockets_opened);
    void *pair = NULL;
    if (zmq_socket_monitor(socket, endpoint,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) < 0 ||
        !(pair = zmq_socket(a->ctx, ZMQ_PAIR)) || zmq_connect(pair, endpoint) < 0) {
        dsk_error("cannot watch the connection to %s: %s", a->cfg.scheduler,
                  zmq_strerror(zmq_errno()));
        if (pair)
            zmq_close(pair);
        return NULL;
    }
    dsk_loop_add_reader(a->loop, pair, -1, s_on_monitor, a);
    return pair;
}

static void s_close(wrk_agent_t *a)
{
    a->linked = false;
    if (a->monitor) {
        zmq_socket_monitor(a->socket, NULL, 0);
        s_close_socket(a, &a->monitor);
    }
    s_close_socket(a, &a->socket);
    s_close_socket(a, &a->heartbeats);
}

/*
 * Fresh DEALERs each time: messages queued on the old ones (for a
 * scheduler that may be gone) are dropped with them, and the scheduler
 * sees new routing ids, which it handles like any registration. The
 * heartbeats' connection carries nothing larger than a heartbeat.
 */
static int s_connect(wrk_agent_t *a)
{
    a->socket = s_open(a, (int64_t)a->cfg.max_message_size);
    a->monitor = a->socket ? s_watch(a, a->socket) : NULL;
    a->heartbeats = a->monitor ? s_open(a, 64 * 1024) : NULL;
    if (!a->heartbeats) {
        s_close(a);
        return DSK_EZMQ;
    }
    a->last_heard_ms = dsk_clock_mono_ms();
    a->hello.connection++; /* a REGISTER left behind on the old one is stale */
    s_send_register(a);
    return DSK_OK;
}

static int64_t s_reconnect_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    wrk_agent_t *a = arg;
    dsk_info("connecting to %s", a->cfg.scheduler);
    if (s_connect(a) < 0) {
        a->state = S_WAITING;
        return a->backoff_ms; /* try again later; the address may become valid */
    }
    return DSK_LOOP_TIMER_DONE;
}

/* Drops the link and arms a reconnect after the current back-off, then doubles it. */
static void s_reconnect_later(wrk_agent_t *a, const char *why)
{
    s_close(a);
    a->state = S_WAITING;
    dsk_warn("%s; reconnecting in %.0f s", why, (double)a->backoff_ms / 1000.0);
    dsk_loop_add_timer(a->loop, a->backoff_ms, s_reconnect_timer, a);
    a->backoff_ms *= 2;
    if (a->backoff_ms > WRK_BACKOFF_MAX_MS)
        a->backoff_ms = WRK_BACKOFF_MAX_MS;
}

static void s_send_heartbeat(wrk_agent_t *a)
{
    const wrk_memory_state_t *mem = wrk_memory_state(a->memory);
    dsk_msg_t hb = {.type = DSK_MSG_HEARTBEAT};
    hb.u.heartbeat.memory_used = mem->rss;
    hb.u.heartbeat.held = mem->held;
    hb.u.heartbeat.spilled = mem->spilled;
    hb.u.heartbeat.paused = (uint32_t)mem->paused;
    hb.u.heartbeat.tasks_running = (uint32_t)wrk_executor_running(a->ex);
    hb.u.heartbeat.tasks_queued = (uint32_t)wrk_executor_queued(a->ex);
    hb.u.heartbeat.tasks_stale = (uint32_t)wrk_tasks_stale(a->tasks);
    struct timespec cpu;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0)
        hb.u.heartbeat.cpu_ms = (uint64_t)cpu.tv_sec * 1000 + (uint64_t)cpu.tv_nsec / 1000000;
    hb.u.heartbeat.worker_id = a->worker_id;
    hb.u.heartbeat.instance = a->hello.instance;
    s_send_on(a->heartbeats, &hb);
}

/* wrk_tasks' replies go out on whatever socket is current. */
static void s_send_cb(void *arg, const dsk_msg_t *msg)
{
    s_send(arg, msg);
}

/*
 * The memory limit (wrk_memory.h): checked after tasks end, when what they
 * allocated is freed or kept; a change of pause is told to the scheduler
 * at once rather than at the next heartbeat.
 */
static void s_check_memory(wrk_agent_t *a)
{
    if (wrk_memory_check(a->memory, a->tasks) && a->state == S_READY)
        s_send_heartbeat(a);
}

static void s_on_tasks_done(dsk_loop_t *loop, void *socket, int fd, void *arg)
{
    wrk_agent_t *a = arg;
    wrk_task_t *task;
    while ((task = wrk_executor_done(a->ex))) {
        wrk_memory_task_end(a->memory, task);
        wrk_tasks_finish(a->tasks, task);
    }
    s_check_memory(a);
}

/*
 * A task goes to the threads once the worker has made room for what it
 * will allocate (wrk_memory.h); its inputs are pinned by now, so spilling
 * cannot take them.
 */
static void s_submit_cb(void *arg, wrk_task_t *task)
{
    wrk_agent_t *a = arg;
    if (wrk_memory_state(a->memory)->limit && task->kind >= DSK_TASK_STAGE &&
        task->kind <= DSK_TASK_REFIT && task->job)
        task->need = job_task_need(task->spec, task->spec_len, task->job, task->ds, task->input);
    wrk_memory_task_start(a->memory, a->tasks, task);
    wrk_executor_submit(a->ex, task);
}

static const wrk_runner_t s_runner = {s_submit_cb, job_output_unpack};

/* An output for another worker, packed straight into its frame. */
static int s_send_with_cb(void *arg, const dsk_msg_t *msg,
                          int (*fill)(void *fill_arg, msgpack_sbuffer *sb), void *fill_arg)
{
    wrk_agent_t *a = arg;
    char err[DSK_ERR_LEN];
    if (!a->socket)
        return DSK_EIO;
    int rc = dsk_wire_send_with(a->socket, NULL, msg, fill, fill_arg, err);
    if (rc < 0)
        dsk_debug("%s", err);
    return rc;
}

/*
 * A FETCH (a copy of an output for an idle worker) packs the output whole:
 * while this worker's running fits still need their memory, that copy
 * could take it past its limit, so it is declined for now, and the
 * scheduler drops the copy and asks again later.
 */
static int s_fetch_declined(wrk_agent_t *a, const char *key)
{
    uint64_t bytes = wrk_store_size_of(wrk_tasks_store(a->tasks), key);
    if (wrk_memory_room_for_copy(a->memory, bytes))
        return 0;
    dsk_msg_t rep = {.type = DSK_MSG_FETCHED};
    snprintf(rep.u.fetched.key, sizeof rep.u.fetched.key, "%s", key);
    rep.u.fetched.code = DSK_ENOMEM;
    snprintf(rep.u.fetched.error, sizeof rep.u.fetched.error,
             "no room for a copy while this worker's tasks run under its memory limit");
    s_send(a, &rep);
    dsk_debug("FETCH %s (%llu bytes) declined: its tasks need the memory", key,
              (unsigned long long)bytes);
    return 1;
}

static void s_on_message(wrk_agent_t *a, dsk_msg_t *msg)
{
    switch (msg->type) {
    case DSK_MSG_WELCOME: {
        /* another scheduler, or the same one registering us anew: it counts on nothing
           we held, so everything goes (worker ids restart with each scheduler) */
        int fresh = !a->ever_registered || a->worker_id != msg->u.welcome.worker_id ||
                    a->scheduler != msg->u.welcome.scheduler;
        if (fresh)
            dsk_info("registered with %s as worker %llu ('%s')", a->cfg.scheduler,
                     (unsigned long long)msg->u.welcome.worker_id, a->hello.name);
        if (fresh && a->ever_registered)
            dsk_info("a new session: dropping %zu bytes held for the last one",
                     wrk_tasks_bytes(a->tasks));
        if (fresh)
            wrk_tasks_reset(a->tasks, msg->u.welcome.worker_id);
        a->worker_id = msg->u.welcome.worker_id;
        a->scheduler = msg->u.welcome.scheduler;
        if (msg->u.welcome.heartbeat_ms >= 50)
            a->heartbeat_ms = msg->u.welcome.heartbeat_ms;
        a->state = S_READY;
        a->backoff_ms = WRK_BACKOFF_MIN_MS;
        dsk_notify("STATUS=registered with the scheduler");
        a->ever_registered = true;
        s_send_heartbeat(a); /* the scheduler knows our load from the start */
        break;
    }
    case DSK_MSG_HEARTBEAT:
        break;
    case DSK_MSG_DISCONNECT:
        dsk_info("scheduler says: %s; registering again", msg->u.disconnect.reason);
        s_send_register(a);
        break;
    case DSK_MSG_ERROR:
        if (a->state == S_REGISTERING) {
            char why[DSK_ERR_LEN];
            snprintf(why, sizeof why, "scheduler refused registration: %.400s",
                     msg->u.error.message);
            s_reconnect_later(a, why);
        } else {
            dsk_warn("scheduler error: %s", msg->u.error.message);
        }
        break;
    case DSK_MSG_FETCH:
        if (!s_fetch_declined(a, msg->u.free_.key))
            wrk_tasks_on_message(a->tasks, msg);
        break;
    default:
        if (!wrk_tasks_on_message(a->tasks, msg))
            dsk_warn("unexpected %s message from the scheduler", dsk_msg_type_name(msg->type));
    }
}

static void s_on_socket(dsk_loop_t *loop, void *socket, int fd, void *arg)
{
    wrk_agent_t *a = arg;
    for (int i = 0; i < 64 && socket && (socket == a->socket || socket == a->heartbeats); i++) {
        dsk_msg_t msg;
        char err[DSK_ERR_LEN];
        int rc = dsk_wire_recv(socket, NULL, NULL, &msg, err);
        if (rc == DSK_ENOTFOUND)
            return;
        a->last_heard_ms = dsk_clock_mono_ms();
        if (rc < 0) {
            dsk_warn("malformed message from the scheduler: %s", err);
            continue;
        }
        s_on_message(a, &msg);
        dsk_msg_clear(&msg);
    }
}

/* A random instance: REGISTER's word that this is a process the scheduler has not yet met. */
static void s_new_instance(dsk_msg_register_t *hello)
{
    if (getrandom(&hello->instance, sizeof hello->instance, 0) != sizeof hello->instance)
        hello->instance = ((uint64_t)dsk_clock_wall_ms() ^ ((uint64_t)getpid() << 32)) +
                          hello->instance * 6364136223846793005ULL;
}

/*
 * The jobs' connection broke (reset, or the scheduler went away) and
 * ZeroMQ is reconnecting it. Whatever was in flight on it is lost (a
 * WELCOME too: the scheduler may count us registered while we wait), so
 * the scheduler's picture of our work may be wrong in ways neither side
 * can see: register anew, as a new instance, and the scheduler starts us
 * from nothing. Sent now, the REGISTER waits in the socket for the
 * reconnection. A connection whose handshake failed (a wrong key) never
 * carried anything: it is only retried.
 */
static void s_on_monitor(dsk_loop_t *loop, void *socket, int fd, void *arg)
{
    wrk_agent_t *a = arg;
    for (;;) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part);
            return;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&part) >= sizeof event)
            memcpy(&event, zmq_msg_data(&part), sizeof event);
        int more = zmq_msg_more(&part);
        zmq_msg_close(&part);
        while (more) { /* the event's address part */
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, socket, 0) < 0)
                more = 0;
            else
                more = zmq_msg_more(&part);
            zmq_msg_close(&part);
        }
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            a->linked = true;
        if (event != ZMQ_EVENT_DISCONNECTED || !a->linked)
            continue;
        a->linked = false;
        if (a->state == S_WAITING)
            continue;
        dsk_warn("the connection to %s broke: what was in flight on it is lost, so this worker "
                 "registers anew", a->cfg.scheduler);
        s_new_instance(&a->hello);
        s_send_register(a);
    }
}

/*
 * Every interval: heartbeat when registered, and check that the scheduler
 * still speaks. Checking liveness here rather than on every message keeps
 * the rule simple: silent for WRK_LIVENESS intervals, whatever the state.
 */
static int64_t s_heartbeat_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    wrk_agent_t *a = arg;
    if (a->state == S_WAITING)
        return a->heartbeat_ms;
    int64_t silent = dsk_clock_mono_ms() - a->last_heard_ms;
    if (silent > WRK_LIVENESS * a->heartbeat_ms) {
        char why[DSK_ERR_LEN], reason[384] = "";
        /* never welcomed on this connection: say why, not only that it is quiet */
        if (a->state == S_REGISTERING)
            dsk_probe_endpoint(a->cfg.scheduler, WRK_PROBE_MS, reason, sizeof reason);
        snprintf(why, sizeof why, "scheduler %s silent for %.1f s%s%s", a->cfg.scheduler,
                 (double)silent / 1000.0, reason[0] ? ": " : "", reason);
        s_reconnect_later(a, why);
        return a->heartbeat_ms;
    }
    wrk_memory_check(a->memory, a->tasks); /* the heartbeat carries what it found */
    if (a->state == S_READY)
        s_send_heartbeat(a);
    return a->heartbeat_ms;
}

wrk_agent_t *wrk_agent_new(const wrk_config_t *cfg, char *err)
{
    /* --insecure wins over keys a config file names (a developer's run beside an install) */
    dsk_curve_client_t curve = {0};
    if (!cfg->insecure && dsk_curve_client_load(&curve, cfg->key, cfg->scheduler_key, err) < 0)
        return NULL;
    if (!curve.on && !cfg->insecure) {
        dsk_seterr(err, DSK_ECONFIG, "no key: give the worker its secret key (--key FILE, made "
                   "by dsk-keygen) and the scheduler's public key (--scheduler-key FILE.pub), or "
                   "--insecure for a scheduler run --insecure");
        return NULL;
    }
    wrk_agent_t *a = dsk_xcalloc(1, sizeof *a);
    a->cfg = *cfg;
    a->curve = curve;
    a->ctx = zmq_ctx_new();
    a->loop = dsk_loop_new();
    a->heartbeat_ms = cfg->heartbeat_ms;
    a->backoff_ms = WRK_BACKOFF_MIN_MS;
    dsk_msg_register_t *h = &a->hello;
    snprintf(h->name, sizeof h->name, "%s", cfg->name);
    if (gethostname(h->host, sizeof h->host - 1) < 0)
        snprintf(h->host, sizeof h->host, "unknown");
    s_new_instance(h);
    h->pid = (uint32_t)getpid();
    h->nthreads = (uint32_t)cfg->nthreads;
    h->memory_limit = cfg->memory_limit;
    a->spill = wrk_spill_new(cfg->spill_dir, err);
    if (!a->spill) {
        dsk_loop_destroy(&a->loop);
        zmq_ctx_term(a->ctx);
        free(a);
        return NULL;
    }
    a->memory = wrk_memory_new(cfg->memory_limit);
    a->ex = wrk_executor_new((int)cfg->nthreads);
    a->tasks = wrk_tasks_new(&s_runner, a, s_send_cb, a);
    wrk_tasks_set_send_with(a->tasks, s_send_with_cb);
    wrk_tasks_set_spill(a->tasks, a->spill);
    return a;
}

void wrk_agent_destroy(wrk_agent_t **agent_p)
{
    wrk_agent_t *a = *agent_p;
    if (!a)
        return;
    wrk_executor_destroy(&a->ex); /* first: running tasks read the store */
    const wrk_memory_state_t *mem = wrk_memory_state(a->memory);
    if (mem->spilled_total)
        dsk_info("spilled %.1f MB of outputs in all; removing %s", (double)mem->spilled_total / 1e6,
                 wrk_spill_path(a->spill));
    wrk_tasks_destroy(&a->tasks);
    wrk_spill_destroy(&a->spill); /* after the store: its entries remove their files */
    wrk_memory_destroy(&a->memory);
    s_close(a);
    zmq_ctx_term(a->ctx);
    dsk_loop_destroy(&a->loop);
    free(a);
    *agent_p = NULL;
}

/* The last word: DISCONNECT, given a moment to leave before the socket closes. */
static void s_goodbye(wrk_agent_t *a)
{
    if (!a->socket || a->state != S_READY)
        return;
    dsk_msg_t bye = {.type = DSK_MSG_DISCONNECT};
    snprintf(bye.u.disconnect.reason, sizeof bye.u.disconnect.reason, "worker shutting down");
    int linger = WRK_GOODBYE_LINGER_MS;
    zmq_setsockopt(a->socket, ZMQ_LINGER, &linger, sizeof linger);
    s_send(a, &bye);
}

int wrk_agent_run(wrk_agent_t *a)
{
    int rc = dsk_loop_catch_signals(a->loop);
    if (rc < 0)
        return rc;
    dsk_info("worker '%s': %u threads, memory limit %llu bytes (spilling into %s), scheduler %s",
             a->hello.name, a->hello.nthreads, (unsigned long long)a->hello.memory_limit,
             wrk_spill_path(a->spill), a->cfg.scheduler);
    wrk_memory_check(a->memory, a->tasks); /* the first heartbeat's figures */
    if (s_connect(a) < 0)
        return DSK_EZMQ;
    dsk_loop_add_timer(a->loop, a->heartbeat_ms, s_heartbeat_timer, a);
    dsk_loop_add_reader(a->loop, NULL, wrk_executor_fd(a->ex), s_on_tasks_done, a);
    /* Ready means serving, not registered: a worker waiting for its
       scheduler is healthy and must not be restarted by systemd. */
    dsk_notify("READY=1\nSTATUS=connecting to the scheduler");
    rc = dsk_loop_run(a->loop);
    dsk_notify("STOPPING=1");
    if (dsk_loop_signal(a->loop))
        dsk_info("caught signal %d: shutting down", dsk_loop_signal(a->loop));
    s_goodbye(a);
    return rc;
}
