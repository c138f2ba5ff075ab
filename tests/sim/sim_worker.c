/*
 * sim_worker.c — a worker process in the simulator. Its bookkeeping is
 * the real worker's (wrk_tasks.h and its store: what the scheduler
 * placed, the check that a task's inputs are all here, pins, FREE, FETCH,
 * the replies, sessions); its link follows wrk_agent.c's rules (REGISTER
 * on connect, a heartbeat each interval on a connection of its own, which
 * data on the other never holds back, a scheduler silent for 3
 * intervals means a fresh connection after a back-off doubling from 1 s to
 * 32 s, a broken data connection means registering anew as a new
 * instance, a new WELCOME's id or scheduler instance means a new session);
 * its task threads are virtual: a task takes a time drawn from its key,
 * its kind and the worker's speed, and its body is simulated
 * (sim_body_*: an output of some size, a score from its key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "job_data.h"
#include "sim.h"
#include "sim_body.h"

#define S_LIVENESS 3
#define S_BACKOFF_MIN_MS 1000
#define S_BACKOFF_MAX_MS 32000

typedef enum { S_REGISTERING, S_READY, S_WAITING } s_state_t;

typedef struct s_inbox {
    uint64_t conn;
    char *bytes;
    size_t len;
    struct s_inbox *next;
} s_inbox_t;

struct sim_worker {
    int index;
    char name[32];
    int nthreads;
    double speed;
    uint64_t memory_limit;
    int alive;
    uint64_t incarnation;       /* bumps at each kill: the old process's events are void */
    uint64_t instance;          /* REGISTER's: random per process */
    s_state_t state;
    uint64_t conn;              /* 0: no connection */
    uint64_t hb_conn;           /* the heartbeats' connection (wrk_agent.c) */
    uint32_t connections;       /* REGISTER's connection: how many this process opened */
    int troubled;               /* stopped or hung in this process's life: it may be lost */
    int reset;                  /* its connection was reset, and no WELCOME since: what it
                                   was sent may be lost, so it may lack a task's input */
    int64_t last_heard, backoff;
    uint64_t worker_id, scheduler;
    int ever_registered;
    int64_t paused_until, hung_until;
    int64_t memory_paused_until;  /* HEARTBEAT's paused until then (sim_worker_memory_pause) */
    wrk_tasks_t *tasks;
    wrk_task_t *queue, *queue_tail;
    s_inbox_t *inbox, *inbox_tail; /* what arrived while it was stopped, in order */
    int busy;
    uint64_t cpu_ms;            /* its threads' time at work (not stuck, not stopped) */
    int64_t cpu_at;             /* counted up to then */
    sim_t *sim;
};

const char *sim_worker_name(const sim_worker_t *w) { return w->name; }
int sim_worker_alive(const sim_worker_t *w) { return w->alive; }
const wrk_store_t *sim_worker_store(const sim_worker_t *w)
{
    return w->tasks ? wrk_tasks_store(w->tasks) : NULL;
}
uint64_t sim_worker_memory_limit(const sim_worker_t *w) { return w->memory_limit; }

static sim_end_t s_end(const sim_worker_t *w)
{
    return (sim_end_t){.role = SIM_WORKER, .index = w->index, .conn = w->conn};
}

static void s_send(sim_t *s, sim_worker_t *w, const dsk_msg_t *msg)
{
    if (w->conn)
        sim_send(s, s_end(w), sim_scheduler_end(), msg);
}

/* ------------------------------------------------------------ task threads */

static void s_pump(sim_t *s, sim_worker_t *w);
static void s_count_cpu(sim_t *s, sim_worker_t *w);

static void s_task_done(sim_t *s, void *arg, uint64_t tag)
{
    sim_worker_t *w = arg;
    if (tag != w->incarnation || !w->alive)
        return; /* a task of a process since killed */
    wrk_task_t *task = NULL;
    /* the finished task is the oldest running one whose time is up: kept in w->queue order */
    for (wrk_task_t **p = &w->queue; *p; p = &(*p)->next)
        if ((*p)->rc == 1 && (int64_t)(*p)->out.seconds <= sim_now(s)) {
            task = *p;
            *p = task->next;
            if (w->queue_tail == task) {
                w->queue_tail = NULL;
                for (wrk_task_t *q = w->queue; q; q = q->next)
                    w->queue_tail = q;
            }
            break;
        }
    if (!task)
        return;
    int64_t later = w->paused_until > w->hung_until ? w->paused_until : w->hung_until;
    if (sim_now(s) < later) { /* stopped, or stuck: it finishes when that ends, if ever */
        task->next = NULL;
        task->out.seconds = (double)later;
        if (w->queue_tail)
            w->queue_tail->next = task;
        else
            w->queue = task;
        w->queue_tail = task;
        if (later != INT64_MAX)
            sim_at(s, later - sim_now(s), s_task_done, w, w->incarnation);
        return;
    }
    s_count_cpu(s, w);
    w->busy--;
    sim_body_run(task, w->speed);
    sim_trace(s, "%s: task %llu (kind %u) done", w->name, (unsigned long long)task->task_id,
              task->kind);
    wrk_tasks_finish(w->tasks, task);
    s_pump(s, w);
}

/* Starts queued tasks on free virtual threads; rc 1 marks a started one, seconds its end. */
static void s_pump(sim_t *s, sim_worker_t *w)
{
    for (wrk_task_t *t = w->queue; t && w->busy < w->nthreads; t = t->next) {
        if (t->rc == 1)
            continue;
        int64_t ms = sim_body_cost_ms(t, w->speed);
        t->rc = 1;
        t->out.seconds = (double)(sim_now(s) + ms);
        s_count_cpu(s, w);
        w->busy++;
        sim_at(s, ms, s_task_done, w, w->incarnation);
    }
}

static void s_submit(void *arg, wrk_task_t *task)
{
    sim_worker_t *w = arg;
    task->rc = 0;
    task->next = NULL;
    if (w->queue_tail)
        w->queue_tail->next = task;
    else
        w->queue = task;
    w->queue_tail = task;
    s_pump(w->sim, w);
}

static const wrk_runner_t s_runner = {s_submit, sim_body_unpack_output};

/* What the bookkeeping sends goes to the scheduler; a refused task is a broken invariant
   (but after a reset, which may have lost the input's DATA_PUT: the scheduler hears the
   refusal and runs the task again, as it does for a real worker). */
static void s_send_cb(void *arg, const dsk_msg_t *msg)
{
    sim_worker_t *w = arg;
    if (msg->type == DSK_MSG_TASK_DONE && msg->u.task_done.code != 0 && !w->reset)
        sim_fail(w->sim, "%s refused task %llu: %s (a task was sent where an input is not)",
                 w->name, (unsigned long long)msg->u.task_done.task_id,
                 msg->u.task_done.error);
    s_send(w->sim, w, msg);
}

/* ------------------------------------------------------------ the link */

static void s_send_register(sim_t *s, sim_worker_t *w)
{
    dsk_msg_t m = {.type = DSK_MSG_REGISTER};
    snprintf(m.u.reg.name, sizeof m.u.reg.name, "%s", w->name);
    snprintf(m.u.reg.host, sizeof m.u.reg.host, "sim");
    m.u.reg.instance = w->instance;
    m.u.reg.pid = (uint32_t)(1000 + w->index);
    m.u.reg.nthreads = (uint32_t)w->nthreads;
    m.u.reg.memory_limit = w->memory_limit;
    m.u.reg.connection = w->connections;
    s_send(s, w, &m);
    w->state = S_REGISTERING;
}

static void s_connect(sim_t *s, sim_worker_t *w)
{
    w->conn = sim_new_conn(s, SIM_WORKER, w->index);
    w->hb_conn = sim_new_conn(s, SIM_WORKER, w->index);
    w->connections++;
    w->last_heard = sim_now(s);
    sim_trace(s, "%s: connects (connections %llu, heartbeats %llu)", w->name,
              (unsigned long long)w->conn, (unsigned long long)w->hb_conn);
    s_send_register(s, w);
}

static void s_reconnect_timer(sim_t *s, void *arg, uint64_t tag)
{
    sim_worker_t *w = arg;
    if (tag != w->incarnation || !w->alive)
        return;
    if (sim_now(s) < w->paused_until) {
        sim_at(s, w->paused_until - sim_now(s), s_reconnect_timer, w, tag);
        return;
    }
    s_connect(s, w);
}

static void s_reconnect_later(sim_t *s, sim_worker_t *w, const char *why)
{
    sim_trace(s, "%s: %s; reconnecting in %lld ms", w->name, why, (long long)w->backoff);
    w->conn = w->hb_conn = 0;
    w->state = S_WAITING;
    sim_at(s, w->backoff, s_reconnect_timer, w, w->incarnation);
    w->backoff = w->backoff * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : w->backoff * 2;
}

/* CPU time: each busy thread's, but for a stuck one's (a hung worker burns none). */
static void s_count_cpu(sim_t *s, sim_worker_t *w)
{
    int64_t now = sim_now(s);
    if (now > w->cpu_at && now >= w->hung_until && now >= w->paused_until)
        w->cpu_ms += (uint64_t)(w->busy * (now - w->cpu_at));
    w->cpu_at = now;
}

static void s_send_heartbeat(sim_t *s, sim_worker_t *w)
{
    s_count_cpu(s, w);
    dsk_msg_t hb = {.type = DSK_MSG_HEARTBEAT};
    hb.u.heartbeat.cpu_ms = w->cpu_ms;
    hb.u.heartbeat.memory_used = wrk_tasks_bytes(w->tasks);
    hb.u.heartbeat.tasks_running = (uint32_t)w->busy;
    hb.u.heartbeat.tasks_stale = (uint32_t)wrk_tasks_stale(w->tasks);
    hb.u.heartbeat.held = wrk_tasks_bytes(w->tasks);
    hb.u.heartbeat.paused = sim_now(s) < w->memory_paused_until;
    hb.u.heartbeat.worker_id = w->worker_id;
    hb.u.heartbeat.instance = w->instance;
    if (w->hb_conn)
        sim_send(s, (sim_end_t){.role = SIM_WORKER, .index = w->index, .conn = w->hb_conn},
                 sim_scheduler_end(), &hb);
}

static void s_heartbeat_timer(sim_t *s, void *arg, uint64_t tag)
{
    sim_worker_t *w = arg;
    if (tag != w->incarnation || !w->alive)
        return;
    if (sim_now(s) < w->paused_until) {
        sim_at(s, w->paused_until - sim_now(s), s_heartbeat_timer, w, tag);
        return;
    }
    if (w->state != S_WAITING) {
        if (sim_now(s) - w->last_heard > S_LIVENESS * SIM_HEARTBEAT_MS)
            s_reconnect_later(s, w, "the scheduler is silent");
        else if (w->state == S_READY)
            s_send_heartbeat(s, w);
    }
    sim_at(s, SIM_HEARTBEAT_MS, s_heartbeat_timer, w, tag);
}

/* ------------------------------------------------------------ messages */

static void s_handle(sim_t *s, sim_worker_t *w, uint64_t conn, dsk_msg_t *msg)
{
    if (!w->alive || !conn || (conn != w->conn && conn != w->hb_conn))
        return; /* the connection is gone with its socket */
    w->last_heard = sim_now(s);
    switch (msg->type) {
    case DSK_MSG_WELCOME: {
        int fresh = !w->ever_registered || w->worker_id != msg->u.welcome.worker_id ||
                    w->scheduler != msg->u.welcome.scheduler;
        if (fresh && w->ever_registered)
            sim_trace(s, "%s: a new session (id %llu): drops what it held", w->name,
                      (unsigned long long)msg->u.welcome.worker_id);
        if (fresh)
            wrk_tasks_reset(w->tasks, msg->u.welcome.worker_id);
        w->worker_id = msg->u.welcome.worker_id;
        w->scheduler = msg->u.welcome.scheduler;
        w->state = S_READY;
        w->backoff = S_BACKOFF_MIN_MS;
        w->ever_registered = 1;
        w->reset = 0;
        s_send_heartbeat(s, w);
        break;
    }
    case DSK_MSG_HEARTBEAT:
        break;
    case DSK_MSG_DISCONNECT:
        s_send_register(s, w);
        break;
    case DSK_MSG_ERROR:
        if (w->state == S_REGISTERING)
            s_reconnect_later(s, w, msg->u.error.message);
        break;
    default:
        if (!wrk_tasks_on_message(w->tasks, msg))
            sim_fail(s, "%s: unexpected %s from the scheduler", w->name,
                     dsk_msg_type_name(msg->type));
    }
}

static void s_handle_bytes(sim_t *s, sim_worker_t *w, uint64_t conn, const char *bytes,
                           size_t len)
{
    dsk_msg_t msg;
    if (sim_decode(s, bytes, len, &msg) < 0)
        return;
    s_handle(s, w, conn, &msg);
    dsk_msg_clear(&msg);
}

/* SIGCONT: what waited in its socket, in order. */
static void s_resume(sim_t *s, void *arg, uint64_t tag)
{
    sim_worker_t *w = arg;
    if (tag != w->incarnation || sim_now(s) < w->paused_until)
        return;
    while (w->inbox && w->alive && tag == w->incarnation) {
        s_inbox_t *m = w->inbox;
        w->inbox = m->next;
        if (!w->inbox)
            w->inbox_tail = NULL;
        s_handle_bytes(s, w, m->conn, m->bytes, m->len);
        free(m->bytes);
        free(m);
    }
}

void sim_worker_deliver(sim_t *s, sim_worker_t *w, uint64_t conn, const char *bytes, size_t len)
{
    if (!w->alive || !conn || (conn != w->conn && conn != w->hb_conn))
        return;
    if (sim_now(s) < w->paused_until || w->inbox) {
        s_inbox_t *m = dsk_xcalloc(1, sizeof *m);
        m->conn = conn;
        m->bytes = dsk_xmalloc(len ? len : 1);
        memcpy(m->bytes, bytes, len);
        m->len = len;
        if (w->inbox_tail)
            w->inbox_tail->next = m;
        else
            w->inbox = m;
        w->inbox_tail = m;
        return;
    }
    s_handle_bytes(s, w, conn, bytes, len);
}

/* ------------------------------------------------------------ process */

sim_worker_t *sim_worker_new(sim_t *s, int index, int nthreads, double speed,
                             uint64_t memory_limit)
{
    sim_worker_t *w = dsk_xcalloc(1, sizeof *w);
    w->sim = s;
    w->index = index;
    snprintf(w->name, sizeof w->name, "w%d", index + 1);
    w->nthreads = nthreads;
    w->speed = speed;
    w->memory_limit = memory_limit;
    return w;
}

/* Ends the process: its threads, its store and its connection go. */
static void s_stop(sim_worker_t *w)
{
    while (w->queue) {
        wrk_task_t *t = w->queue;
        w->queue = t->next;
        wrk_task_free(&t);
    }
    w->queue_tail = NULL;
    while (w->inbox) {
        s_inbox_t *m = w->inbox;
        w->inbox = m->next;
        free(m->bytes);
        free(m);
    }
    w->inbox_tail = NULL;
    wrk_tasks_destroy(&w->tasks);
    w->alive = 0;
    w->busy = 0;
    w->conn = w->hb_conn = 0;
    w->incarnation++;
}

void sim_worker_destroy(sim_worker_t **w_p)
{
    sim_worker_t *w = *w_p;
    if (!w)
        return;
    s_stop(w);
    free(w);
    *w_p = NULL;
}

/* A new process under the worker's name: a new instance, nothing held. */
void sim_worker_start(sim_t *s, sim_worker_t *w)
{
    w->alive = 1;
    w->incarnation++;
    w->instance = sim_rand(s) | 1;
    w->connections = 0;
    w->state = S_REGISTERING;
    w->backoff = S_BACKOFF_MIN_MS;
    w->ever_registered = 0;
    w->paused_until = w->hung_until = w->memory_paused_until = 0;
    w->troubled = 0;
    w->tasks = wrk_tasks_new(&s_runner, w, s_send_cb, w);
    sim_trace(s, "%s: starts (%d threads, speed %.2f, memory limit %llu)", w->name,
              w->nthreads, w->speed, (unsigned long long)w->memory_limit);
    s_connect(s, w);
    sim_at(s, SIM_HEARTBEAT_MS, s_heartbeat_timer, w, w->incarnation);
}

void sim_worker_kill(sim_t *s, sim_worker_t *w)
{
    if (!w->alive)
        return;
    sim_trace(s, "%s: killed (kill -9)", w->name);
    s_stop(w);
}

void sim_worker_pause(sim_t *s, sim_worker_t *w, int64_t ms)
{
    if (!w->alive)
        return;
    sim_trace(s, "%s: stopped for %lld ms (SIGSTOP)", w->name, (long long)ms);
    w->troubled = 1;
    w->paused_until = sim_now(s) + ms;
    sim_at(s, ms, s_resume, w, w->incarnation);
}

/* The real worker tells a change of pause at once, as here (wrk_agent.c). */
static void s_memory_heartbeat(sim_t *s, void *arg, uint64_t tag)
{
    sim_worker_t *w = arg;
    if (tag != w->incarnation || !w->alive || sim_now(s) < w->paused_until)
        return; /* stopped (SIGSTOP): its next heartbeat tells it */
    if (w->state == S_READY)
        s_send_heartbeat(s, w);
}

void sim_worker_memory_pause(sim_t *s, sim_worker_t *w, int64_t ms)
{
    if (!w->alive)
        return;
    sim_trace(s, "%s: past its memory limit's pause mark for %lld ms", w->name, (long long)ms);
    w->memory_paused_until = sim_now(s) + ms;
    s_memory_heartbeat(s, w, w->incarnation);
    sim_at(s, ms, s_memory_heartbeat, w, w->incarnation);
}

void sim_worker_hang(sim_t *s, sim_worker_t *w, int64_t ms)
{
    if (!w->alive)
        return;
    sim_trace(s, "%s: its task threads hang for %s ms", w->name,
              ms == INT64_MAX ? "ever" : "some");
    w->hung_until = ms == INT64_MAX ? INT64_MAX : sim_now(s) + ms;
    w->troubled = 1;
}

/*
 * A big message on the worker's data connection (a copy of an output, on
 * a slow link): what is sent on it after this, one way or both, arrives
 * only after ms. Its heartbeats' connection is not held back.
 */
void sim_worker_link_busy(sim_t *s, sim_worker_t *w, int64_t ms, int up, int down)
{
    if (!w->alive || !w->conn)
        return;
    sim_trace(s, "%s: its data connection is busy for %lld ms (%s)", w->name, (long long)ms,
              up && down ? "both ways" : up ? "to the scheduler" : "from the scheduler");
    sim_conn_busy(s, w->conn, ms, up, down);
}

/*
 * The worker's reaction to its data connection breaking (wrk_agent.c's
 * monitor): a new instance and a REGISTER, which waits in its socket for
 * the new connection. Stopped, it reacts once it runs again.
 */
static void s_on_disconnected(sim_t *s, void *arg, uint64_t tag)
{
    sim_worker_t *w = arg;
    if (tag != w->incarnation || !w->alive || w->state == S_WAITING)
        return; /* (a WELCOME may have been lost: registered or not, it registers anew) */
    if (sim_now(s) < w->paused_until) {
        sim_at(s, w->paused_until - sim_now(s), s_on_disconnected, w, tag);
        return;
    }
    w->instance = sim_rand(s) | 1;
    sim_trace(s, "%s: its connection broke: registers anew", w->name);
    s_send_register(s, w);
}

/*
 * Both its connections reset (a RST): what is in flight on them is lost,
 * and so is what reached it but was not read yet (stopped). ZeroMQ
 * reconnects them after reconnect_ms under the same routing ids.
 */
void sim_worker_reset(sim_t *s, sim_worker_t *w, int64_t reconnect_ms)
{
    if (!w->alive || !w->conn)
        return;
    sim_trace(s, "%s: its connections are reset", w->name);
    w->reset = 1;
    /* a stopped process reconnects nothing: its sockets' thread is stopped too */
    if (sim_now(s) < w->paused_until)
        reconnect_ms += w->paused_until - sim_now(s);
    sim_conn_reset(s, w->conn, reconnect_ms);
    sim_conn_reset(s, w->hb_conn, reconnect_ms);
    for (s_inbox_t **p = &w->inbox; *p;) {
        s_inbox_t *m = *p;
        if (m->conn != w->conn && m->conn != w->hb_conn) {
            p = &m->next;
            continue;
        }
        *p = m->next;
        free(m->bytes);
        free(m);
    }
    w->inbox_tail = NULL;
    for (s_inbox_t *m = w->inbox; m; m = m->next)
        w->inbox_tail = m;
    s_on_disconnected(s, w, w->incarnation);
}

int sim_worker_memory_paused(const sim_t *s, const sim_worker_t *w)
{
    return w->alive && sim_now(s) < w->memory_paused_until;
}

int sim_worker_trusty(const sim_t *s, const sim_worker_t *w)
{
    return w->alive && !w->troubled && w->state == S_READY && sim_scheduler_up(s) &&
           w->scheduler == sch_engine_instance(sim_engine(s));
}

uint64_t sim_worker_id(const sim_worker_t *w) { return w->worker_id; }

const sch_worker_t *sim_worker_on_scheduler(const sim_t *s, const sim_worker_t *w)
{
    if (!w->alive || !w->conn || !sim_scheduler_up(s))
        return NULL;
    dsk_peer_id_t peer = sim_peer_of(w->conn);
    return sch_registry_by_peer(sch_engine_registry(sim_engine(s)), &peer);
}

int sim_worker_registered(const sim_t *s, const sim_worker_t *w)
{
    const sch_worker_t *sw = w->state == S_READY ? sim_worker_on_scheduler(s, w) : NULL;
    return sw && sw->id == w->worker_id;
}

int sim_worker_tasks(const sim_worker_t *w)
{
    int n = 0;
    for (const wrk_task_t *t = w->queue; t; t = t->next)
        n++;
    return n;
}
