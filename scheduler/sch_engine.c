/* sch_engine.c — registry, heartbeats, dispatch and status, around the job engine. */
#include "sch_engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "sch_noop.h"
#include "sch_paused.h"
#include "sch_predict.h"
#include "sch_search.h"

#define SCH_LIVENESS 3        /* missed heartbeats before a worker is dead */
#define S_TICK_MS 1000        /* the jobs' tick */

struct sch_engine {
    sch_engine_cfg_t cfg;
    sch_send_fn send;
    void *arg;
    sch_registry_t *workers;
    sch_jobs_t *jobs;
    int64_t now, started_ms, next_heartbeat_ms, next_tick_ms;
    uint64_t handled;               /* messages that reached a handler */
    uint64_t bytes_in, bytes_out;   /* every message's bytes, both ways (the dashboard) */
    uint64_t lost_silent, lost_hung; /* workers the reaper removed, by reason */
    const sch_refused_t *refused;   /* the server's counts of what never did */
    int curve;
    int64_t stalled_since;        /* every worker paused with nothing running since (sch_paused.h) */
};

typedef void(s_handler_fn)(sch_engine_t *e, const dsk_peer_id_t *from,
                           const sch_origin_t *origin, dsk_msg_t *msg);

/* The job kinds this scheduler runs, by SUBMIT.kind. */
static const sch_kind_t *s_kind_of(uint32_t kind)
{
    switch (kind) {
    case DSK_JOB_SEARCH: return &sch_search_kind;
    case DSK_JOB_FIT: return &sch_fit_kind;
    case DSK_JOB_PREDICT: return &sch_predict_kind;
    case DSK_JOB_NOOP: return &sch_noop_kind;
    default: return NULL;
    }
}

static void s_send(sch_engine_t *e, const dsk_peer_id_t *to, const dsk_msg_t *msg)
{
    e->send(e->arg, to, msg);
}

static void s_send_error(sch_engine_t *e, const dsk_peer_id_t *to, int code, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

static void s_send_error(sch_engine_t *e, const dsk_peer_id_t *to, int code, const char *fmt,
                         ...)
{
    dsk_msg_t msg = {.type = DSK_MSG_ERROR};
    msg.u.error.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg.u.error.message, sizeof msg.u.error.message, fmt, ap);
    va_end(ap);
    s_send(e, to, &msg);
}

static void s_clock(sch_engine_t *e, int64_t now_ms)
{
    if (now_ms > e->now)
        e->now = now_ms;
    sch_jobs_set_now(e->jobs, e->now);
}

sch_engine_t *sch_engine_new(const sch_engine_cfg_t *cfg, sch_send_fn send, void *arg,
                             int64_t now_ms)
{
    sch_engine_t *e = dsk_xcalloc(1, sizeof *e);
    e->cfg = *cfg;
    e->send = send;
    e->arg = arg;
    /* 2^31 ranges of 2^20 registrations: another process's ids are another range (and
       stay below 2^53, exact in JSON) */
    e->workers = sch_registry_new((cfg->instance % (1ULL << 31)) << 20 | 1);
    sch_jobs_cfg_t jobs_cfg = cfg->jobs;
    jobs_cfg.instance = cfg->instance;
    e->jobs = sch_jobs_new(e->workers, &jobs_cfg, s_kind_of, send, arg);
    e->now = e->started_ms = now_ms;
    e->next_heartbeat_ms = now_ms + cfg->heartbeat_ms;
    e->next_tick_ms = now_ms + S_TICK_MS;
    sch_jobs_set_now(e->jobs, now_ms);
    return e;
}

void sch_engine_destroy(sch_engine_t **e_p)
{
    sch_engine_t *e = *e_p;
    if (!e)
        return;
    sch_jobs_destroy(&e->jobs);
    sch_registry_destroy(&e->workers);
    free(e);
    *e_p = NULL;
}

/* A worker leaves the registry: its jobs' work is re-placed first, then again without it. */
static void s_remove_worker(sch_engine_t *e, sch_worker_t *w)
{
    sch_jobs_worker_lost(e->jobs, w);
    sch_registry_remove(e->workers, w);
    sch_jobs_schedule(e->jobs);
}

static void s_send_welcome(sch_engine_t *e, const sch_worker_t *w)
{
    dsk_msg_t msg = {.type = DSK_MSG_WELCOME};
    msg.u.welcome.worker_id = w->id;
    msg.u.welcome.heartbeat_ms = (uint32_t)e->cfg.heartbeat_ms;
    msg.u.welcome.scheduler = e->cfg.instance;
    s_send(e, &w->peer, &msg);
}

/*
 * REGISTER. Four cases besides a plain new worker: the same connection
 * registering again (it lost our WELCOME or was told to re-register); the
 * same connection as a new instance (its connection broke, so it starts
 * afresh); the same worker process on a new connection (same name and
 * instance: it reconnected before we noticed it was gone, so the old entry
 * is replaced);
 * and a different process asking for a live worker's name (refused: two
 * workers must never share a name). The refused worker retries, so a
 * restarted worker gets its name back once the dead entry times out.
 * Every registration gets a new id: the worker, seeing it, drops what it
 * held for its old one.
 */
static void s_on_register(sch_engine_t *e, const dsk_peer_id_t *from,
                          const sch_origin_t *origin, dsk_msg_t *msg)
{
    const dsk_msg_register_t *hello = &msg->u.reg;
    sch_worker_t *same_peer = sch_registry_by_peer(e->workers, from);
    if (same_peer && same_peer->instance == hello->instance &&
        strcmp(same_peer->info.name, hello->name) == 0) {
        /* registered already (it heard a stale "register again"): the same WELCOME again */
        s_send_welcome(e, same_peer);
        return;
    }
    if (same_peer) {
        /* a worker whose connection broke registers anew (wrk_agent.c): what was in flight
           on it is lost, so all it was given is placed again */
        dsk_info("worker '%s' registers anew from %s: its work is placed again",
                 same_peer->info.name, origin->address);
        s_remove_worker(e, same_peer);
    }
    sch_worker_t *same_name = sch_registry_by_name(e->workers, hello->name);
    if (same_name && same_name->instance != hello->instance) {
        dsk_warn("refused worker '%s' from %s: the name is taken by a live worker at %s",
                 hello->name, origin->address, same_name->info.address);
        s_send_error(e, from, DSK_ESTATE, "worker name '%s' is taken by a live worker at %s "
                     "(pid %u)", hello->name, same_name->info.address, same_name->info.pid);
        return;
    }
    if (same_name && hello->connection < same_name->connection) {
        /* sent on a connection the worker has since replaced, and late (a slow link): the
           live registration stands */
        dsk_debug("a stale REGISTER of worker '%s' (its connection %u; it registered on its "
                  "connection %u): ignored", hello->name, hello->connection,
                  same_name->connection);
        return;
    }
    if (same_name) {
        dsk_info("worker '%s' reconnected from %s", hello->name, origin->address);
        s_remove_worker(e, same_name);
    }
    sch_worker_t *w = sch_registry_add(e->workers, from, hello, origin->address, e->now);
    if (!same_name)
        dsk_info("worker '%s' registered from %s (host %s, pid %u, %u threads, "
                 "memory limit %llu)", w->info.name, origin->address, w->info.host, w->info.pid,
                 w->info.nthreads, (unsigned long long)w->info.memory_limit);
    s_send_welcome(e, w);
    sch_jobs_schedule(e->jobs);
}

/*
 * The worker a HEARTBEAT is from. A worker heartbeats on a connection of
 * its own (wrk_agent.c); its first heartbeat there ties it to the
 * registration by the id WELCOME gave and the random instance REGISTER
 * sent, and from then on the registry knows the worker at either
 * connection. The scheduler's heartbeats go back on it.
 */
static sch_worker_t *s_heartbeat_sender(sch_engine_t *e, const dsk_peer_id_t *from,
                                        const dsk_msg_heartbeat_t *hb)
{
    sch_worker_t *w = sch_registry_by_peer(e->workers, from);
    if (w)
        return w;
    w = sch_registry_by_id(e->workers, hb->worker_id);
    if (!w || !hb->worker_id || w->instance != hb->instance)
        return NULL;
    w->heartbeats = *from;
    w->last_seen_ms = e->now;
    return w;
}

/* HEARTBEAT: a known worker's load; an unknown one is told to register again. */
static void s_on_heartbeat(sch_engine_t *e, const dsk_peer_id_t *from,
                           const sch_origin_t *origin, dsk_msg_t *msg)
{
    sch_worker_t *w = s_heartbeat_sender(e, from, &msg->u.heartbeat);
    if (!w) {
        dsk_msg_t bye = {.type = DSK_MSG_DISCONNECT};
        bye.u.disconnect.code = DSK_ENOTFOUND;
        snprintf(bye.u.disconnect.reason, sizeof bye.u.disconnect.reason,
                 "unknown worker: register again");
        s_send(e, from, &bye);
        return;
    }
    w->info.memory_used = msg->u.heartbeat.memory_used;
    w->info.tasks_running = msg->u.heartbeat.tasks_running;
    w->info.tasks_queued = msg->u.heartbeat.tasks_queued;
    w->info.held = msg->u.heartbeat.held;
    w->info.spilled = msg->u.heartbeat.spilled;
    uint32_t was_paused = w->info.paused;
    w->info.paused = msg->u.heartbeat.paused != 0;
    if (w->info.paused != was_paused)
        dsk_info("worker '%s' %s: RSS %llu of its %llu-byte memory limit (%llu held, %llu "
                 "spilled)", w->info.name, w->info.paused ? "paused" : "takes tasks again",
                 (unsigned long long)w->info.memory_used,
                 (unsigned long long)w->info.memory_limit, (unsigned long long)w->info.held,
                 (unsigned long long)w->info.spilled);
    if (was_paused && !w->info.paused)
        e->stalled_since = 0; /* a stall is every worker paused throughout, not at each tick */
    /* threads still busy with what it ran before this registration are not ours to give */
    w->stale = msg->u.heartbeat.tasks_stale;
    /* its CPU moves while its tasks do: a twentieth of a core since the last mark will do */
    uint64_t cpu = msg->u.heartbeat.cpu_ms;
    if (cpu < w->cpu_ms || (int64_t)(cpu - w->cpu_ms) * 20 >= e->now - w->cpu_moved_ms) {
        w->cpu_ms = cpu;
        w->cpu_moved_ms = e->now;
    }
    if (was_paused && !w->info.paused)
        sch_jobs_schedule(e->jobs); /* its threads are free again */
}

static void s_on_disconnect(sch_engine_t *e, const dsk_peer_id_t *from,
                            const sch_origin_t *origin, dsk_msg_t *msg)
{
    sch_worker_t *w = sch_registry_by_peer(e->workers, from);
    if (!w)
        return;
    dsk_info("worker '%s' left: %s", w->info.name,
             msg->u.disconnect.reason[0] ? msg->u.disconnect.reason : "goodbye");
    s_remove_worker(e, w);
}

static void s_on_status(sch_engine_t *e, const dsk_peer_id_t *from,
                        const sch_origin_t *origin, dsk_msg_t *msg)
{
    size_t n = sch_registry_count(e->workers);
    if (n > DSK_STATUS_MAX_WORKERS)
        n = DSK_STATUS_MAX_WORKERS;
    dsk_msg_t rep = {.type = DSK_MSG_STATUS_REP};
    dsk_msg_status_rep_t *st = &rep.u.status_rep;
    st->uptime_ms = (uint64_t)(e->now - e->started_ms);
    st->jobs = sch_jobs_active(e->jobs);
    st->n_workers = (uint32_t)n;
    st->workers = n ? dsk_xcalloc(n, sizeof *st->workers) : NULL;
    for (size_t i = 0; i < n; i++) {
        const sch_worker_t *w = sch_registry_at(e->workers, i);
        dsk_worker_info_t *info = &st->workers[i];
        *info = w->info;
        info->last_seen_ms = (uint64_t)(e->now - w->last_seen_ms);
        info->uptime_ms = (uint64_t)(e->now - w->registered_ms);
        sch_jobs_running_text(e->jobs, w->id, info->running, sizeof info->running);
    }
    st->tasks_running = sch_jobs_tasks_running(e->jobs);
    st->tasks_queued = sch_jobs_tasks_queued(e->jobs);
    st->curve = (uint32_t)e->curve;
    st->messages_handled = e->handled;
    if (e->refused) {
        st->refused_handshakes = e->refused->handshakes;
        st->refused_keys = e->refused->keys;
        st->refused_messages = e->refused->messages;
    }
    s_send(e, from, &rep);
    dsk_msg_clear(&rep);
}

static void s_on_submit(sch_engine_t *e, const dsk_peer_id_t *from,
                        const sch_origin_t *origin, dsk_msg_t *msg)
{
    sch_jobs_on_submit(e->jobs, from, origin->key, msg);
}

static void s_on_job_req(sch_engine_t *e, const dsk_peer_id_t *from,
                         const sch_origin_t *origin, dsk_msg_t *msg)
{
    sch_jobs_on_job_req(e->jobs, from, origin->key, origin->roles & SCH_ROLE_ADMIN, msg);
}

static void s_on_task_done(sch_engine_t *e, const dsk_peer_id_t *from,
                           const sch_origin_t *origin, dsk_msg_t *msg)
{
    sch_worker_t *w = sch_registry_by_peer(e->workers, from);
    if (w) /* else: a worker we declared dead answers late; its task ran again */
        sch_jobs_on_task_done(e->jobs, w, msg);
}

static void s_on_chunk(sch_engine_t *e, const dsk_peer_id_t *from,
                       const sch_origin_t *origin, dsk_msg_t *msg)
{
    sch_jobs_on_chunk(e->jobs, from, origin->key, msg);
}

static void s_on_fetched(sch_engine_t *e, const dsk_peer_id_t *from,
                         const sch_origin_t *origin, dsk_msg_t *msg)
{
    sch_worker_t *w = sch_registry_by_peer(e->workers, from);
    if (w)
        sch_jobs_on_fetched(e->jobs, w, msg);
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

void sch_engine_on_message(sch_engine_t *e, const dsk_peer_id_t *from,
                           const sch_origin_t *origin, dsk_msg_t *msg, int64_t now_ms)
{
    s_clock(e, now_ms);
    e->handled++;
    sch_worker_t *w = sch_registry_by_peer(e->workers, from);
    if (w)
        w->last_seen_ms = e->now;
    for (size_t i = 0; i < sizeof s_handlers / sizeof s_handlers[0]; i++)
        if (s_handlers[i].type == msg->type) {
            s_handlers[i].fn(e, from, origin, msg);
            return;
        }
    s_send_error(e, from, DSK_EPROTO, "the scheduler does not accept %s messages",
                 dsk_msg_type_name(msg->type));
}

/*
 * Drops every worker silent for SCH_LIVENESS intervals on both its
 * connections, and every one that heartbeats but answers no task
 * (sch_jobs_worker_hung): that one is told (DISCONNECT), so if it ever
 * recovers it registers anew and drops what it held.
 */
static void s_reap(sch_engine_t *e)
{
    int64_t limit = SCH_LIVENESS * e->cfg.heartbeat_ms;
    for (size_t i = 0; i < sch_registry_count(e->workers);) {
        sch_worker_t *w = sch_registry_at(e->workers, i);
        int64_t silent = e->now - w->last_seen_ms;
        char why[DSK_TEXT_MAX];
        if (silent > limit) {
            dsk_warn("worker '%s' at %s silent for %.1f s: declared dead", w->info.name,
                     w->info.address, (double)silent / 1000.0);
            e->lost_silent++;
            s_remove_worker(e, w);
            continue;
        }
        if (sch_jobs_worker_hung(e->jobs, w, why, sizeof why)) {
            dsk_warn("worker '%s' at %s dropped: %s", w->info.name, w->info.address, why);
            dsk_msg_t bye = {.type = DSK_MSG_DISCONNECT};
            bye.u.disconnect.code = DSK_ETIMEDOUT;
            snprintf(bye.u.disconnect.reason, sizeof bye.u.disconnect.reason, "dropped: %.900s", why);
            s_send(e, &w->peer, &bye);
            e->lost_hung++;
            s_remove_worker(e, w);
            continue;
        }
        i++;
    }
}

int64_t sch_engine_tick(sch_engine_t *e, int64_t now_ms)
{
    s_clock(e, now_ms);
    if (e->now >= e->next_heartbeat_ms) {
        dsk_msg_t hb = {.type = DSK_MSG_HEARTBEAT};
        for (size_t i = 0; i < sch_registry_count(e->workers); i++) {
            const sch_worker_t *w = sch_registry_at(e->workers, i);
            s_send(e, w->heartbeats.len ? &w->heartbeats : &w->peer, &hb);
        }
        e->next_heartbeat_ms = e->now + e->cfg.heartbeat_ms;
    }
    s_reap(e);
    if (e->now >= e->next_tick_ms) {
        sch_jobs_tick(e->jobs);
        e->stalled_since = sch_paused_unstall(e->jobs, e->stalled_since);
        e->next_tick_ms = e->now + S_TICK_MS;
    }
    int64_t next = e->next_heartbeat_ms < e->next_tick_ms ? e->next_heartbeat_ms : e->next_tick_ms;
    int64_t reap = e->now + e->cfg.heartbeat_ms / 4;
    return (next < reap ? next : reap) - e->now;
}

void sch_engine_set_refused(sch_engine_t *e, const sch_refused_t *refused, int curve)
{
    e->refused = refused;
    e->curve = curve;
}

uint32_t sch_engine_active_jobs(const sch_engine_t *e) { return sch_jobs_active(e->jobs); }
uint64_t sch_engine_instance(const sch_engine_t *e) { return e->cfg.instance; }
int64_t sch_engine_uptime_ms(const sch_engine_t *e) { return e->now - e->started_ms; }
uint64_t sch_engine_handled(const sch_engine_t *e) { return e->handled; }
int sch_engine_curve(const sch_engine_t *e) { return e->curve; }

void sch_engine_count_bytes(sch_engine_t *e, const dsk_peer_id_t *peer, uint64_t in,
                            uint64_t out)
{
    e->bytes_in += in;
    e->bytes_out += out;
    sch_worker_t *w = sch_registry_by_peer(e->workers, peer);
    if (w) {
        w->bytes_in += in;
        w->bytes_out += out;
    }
}

void sch_engine_bytes(const sch_engine_t *e, uint64_t *in, uint64_t *out)
{
    *in = e->bytes_in;
    *out = e->bytes_out;
}
void sch_engine_workers_lost(const sch_engine_t *e, uint64_t *silent, uint64_t *hung)
{
    *silent = e->lost_silent;
    *hung = e->lost_hung;
}

const sch_registry_t *sch_engine_registry(const sch_engine_t *e) { return e->workers; }
const sch_jobs_t *sch_engine_jobs(const sch_engine_t *e) { return e->jobs; }
sch_jobs_t *sch_engine_job_table(sch_engine_t *e) { return e->jobs; }

int sch_engine_check(const sch_engine_t *e, char *err)
{
    for (size_t i = 0; i < sch_registry_count(e->workers); i++)
        for (size_t k = i + 1; k < sch_registry_count(e->workers); k++) {
            const sch_worker_t *a = sch_registry_at(e->workers, i);
            const sch_worker_t *b = sch_registry_at(e->workers, k);
            if (a->id == b->id || strcmp(a->info.name, b->info.name) == 0)
                return dsk_seterr(err, DSK_ESTATE, "workers %llu and %llu share an id or the "
                                  "name '%s'", (unsigned long long)a->id,
                                  (unsigned long long)b->id, a->info.name);
        }
    return sch_jobs_check(e->jobs, err);
}
