/*
 * sim_world.c — one seed's world: the virtual clock and its event queue,
 * the network between the scheduler, the workers and the clients, the
 * faults drawn from the seed, and the invariants checked after every
 * event (the checks that need the whole world; each part checks its own
 * too: the engine its books, a worker that it never gets a task without
 * its inputs, a client its answers).
 */
#include "sim_world.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "job_build.h"
#include "job_data.h"
#include "job_file.h"
#include "ml_model.h"
#include "sim.h"

#define S_TRACE_KEEP 300         /* lines of trace kept for a failing seed */
#define S_FAULT_WINDOW_MS 40000  /* faults happen in the first 40 virtual seconds */
#define S_END_BOUND_MS 900000    /* every job ends within 15 virtual minutes of the last fault */
#define S_QUIET_MS 12000         /* after the last job: what is left is checked */

typedef enum { E_DELIVER, E_CALL, E_TICK } s_etype_t;

typedef struct {
    int64_t time;
    uint64_t seq;
    s_etype_t type;
    sim_end_t from, to;
    char *bytes;
    size_t len;
    uint64_t generation;        /* the scheduler's, for what it sent */
    uint64_t epoch;             /* its connection's when sent: a reset since loses it */
    sim_fn fn;
    void *arg;
    uint64_t tag;
} s_event_t;

typedef struct {
    sim_role_t role;            /* whose connection it is */
    int index;
    int64_t last_up, last_down; /* a connection keeps its order: deliveries never go back */
    uint64_t epoch;             /* bumps at each reset: what was in flight is lost */
    int64_t down_until;         /* after a reset, until ZeroMQ has reconnected */
} s_conn_t;

struct sim {
    uint64_t seed, rng;
    int64_t now;
    uint64_t seq;
    s_event_t *heap;
    size_t nheap, capheap;
    s_conn_t *conns;
    uint64_t nconns;
    sch_engine_t *engine;
    uint64_t generation;        /* bumps at each scheduler start */
    int restarts;
    int tight;                  /* memory limits of a few datasets */
    sim_journal_t *journal;     /* NULL: the scheduler keeps jobs in memory only */
    int memory_stall;           /* a fault paused every worker for longer than the grace */
    uint64_t lost_silent;       /* the engine's count of workers declared dead, last seen */
    int64_t up_at;              /* while it is down: when it is back */
    int64_t started_at;         /* when the scheduler now up started */
    sim_worker_t *workers[SIM_MAX_WORKERS];
    int nworkers;
    sim_client_t *clients[SIM_MAX_CLIENTS];
    int nclients;
    int64_t faults_end, all_done_ms;
    int64_t links_busy_until;   /* the last busy link's end: until then a FREE may be on its way */
    int64_t last_active_ms;     /* a job was active on the scheduler after every client ended */
    int verbose, failed;
    char why[DSK_ERR_LEN];
    char **trace;               /* a ring of the last S_TRACE_KEEP lines */
    size_t ntrace;
    sim_stats_t stats;
};

/* ------------------------------------------------------------ randomness */

uint64_t sim_rand(sim_t *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t sim_below(sim_t *s, uint64_t n) { return n ? sim_rand(s) % n : 0; }
int sim_chance(sim_t *s, double p) { return (double)(sim_rand(s) >> 11) / 9007199254740992.0 < p; }

double sim_hash01(const char *text, size_t len)
{
    return (double)(XXH3_64bits(text, len) >> 11) / 9007199254740992.0;
}

/* ------------------------------------------------------------ trace */

int64_t sim_now(const sim_t *s) { return s->now; }
int sim_failed(const sim_t *s) { return s->failed; }

void sim_trace(sim_t *s, const char *fmt, ...)
{
    char line[1200];
    int n = snprintf(line, sizeof line, "%8.3f  ", (double)s->now / 1000.0);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (s->verbose)
        fprintf(stderr, "%s\n", line);
    size_t at = s->ntrace++ % S_TRACE_KEEP;
    free(s->trace[at]);
    s->trace[at] = dsk_xstrdup(line);
}

void sim_fail(sim_t *s, const char *fmt, ...)
{
    if (s->failed)
        return;
    s->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof s->why, fmt, ap);
    va_end(ap);
    sim_trace(s, "INVARIANT BROKEN: %s", s->why);
}

/* ------------------------------------------------------------ events */

static int s_before(const s_event_t *a, const s_event_t *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static void s_push(sim_t *s, s_event_t ev)
{
    ev.seq = s->seq++;
    if (s->nheap == s->capheap) {
        s->capheap = s->capheap ? 2 * s->capheap : 256;
        s->heap = dsk_xrealloc(s->heap, s->capheap, sizeof *s->heap);
    }
    size_t i = s->nheap++;
    while (i > 0 && s_before(&ev, &s->heap[(i - 1) / 2])) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = ev;
}

static s_event_t s_pop(sim_t *s)
{
    s_event_t top = s->heap[0], last = s->heap[--s->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->nheap)
            break;
        if (c + 1 < s->nheap && s_before(&s->heap[c + 1], &s->heap[c]))
            c++;
        if (!s_before(&s->heap[c], &last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->nheap)
        s->heap[i] = last;
    return top;
}

void sim_at(sim_t *s, int64_t after_ms, sim_fn fn, void *arg, uint64_t tag)
{
    s_push(s, (s_event_t){.time = s->now + (after_ms > 0 ? after_ms : 0), .type = E_CALL,
                          .fn = fn, .arg = arg, .tag = tag});
}

/* ------------------------------------------------------------ network */

uint64_t sim_new_conn(sim_t *s, sim_role_t role, int index)
{
    s->conns = dsk_xrealloc(s->conns, (size_t)s->nconns + 2, sizeof *s->conns);
    s->conns[++s->nconns] = (s_conn_t){.role = role, .index = index};
    return s->nconns;
}

void sim_conn_busy(sim_t *s, uint64_t conn, int64_t ms, int up, int down)
{
    if (!conn || conn > s->nconns)
        return;
    int64_t until = s->now + ms;
    if (s->links_busy_until < until)
        s->links_busy_until = until;
    if (up && s->conns[conn].last_up < until)
        s->conns[conn].last_up = until;
    if (down && s->conns[conn].last_down < until)
        s->conns[conn].last_down = until;
}

void sim_conn_reset(sim_t *s, uint64_t conn, int64_t reconnect_ms)
{
    if (!conn || conn > s->nconns)
        return;
    s->conns[conn].epoch++;
    s->conns[conn].down_until = s->now + reconnect_ms;
}

/* Whether a message sent on conn in epoch was lost in a reset since. */
static int s_conn_lost(const sim_t *s, uint64_t conn, uint64_t epoch)
{
    return conn && conn <= s->nconns && s->conns[conn].epoch != epoch;
}

dsk_peer_id_t sim_peer_of(uint64_t conn)
{
    dsk_peer_id_t p = {.len = 5};
    p.bytes[0] = 0;
    for (int i = 0; i < 4; i++)
        p.bytes[1 + i] = (unsigned char)(conn >> (8 * (3 - i)));
    return p;
}

static uint64_t s_conn_of(const dsk_peer_id_t *p)
{
    uint64_t c = 0;
    for (int i = 0; i < 4 && p->len == 5; i++)
        c = c << 8 | p->bytes[1 + i];
    return c;
}

sim_end_t sim_scheduler_end(void) { return (sim_end_t){.role = SIM_SCHEDULER}; }
int sim_scheduler_up(const sim_t *s) { return s->engine != NULL; }
const sch_engine_t *sim_engine(const sim_t *s) { return s->engine; }
int sim_scheduler_restarts(const sim_t *s) { return s->restarts; }
int sim_memory_tight(const sim_t *s) { return s->tight; }
int sim_journaling(const sim_t *s) { return s->journal != NULL; }
int sim_memory_stalled(const sim_t *s) { return s->memory_stall; }

/*
 * A message on its way: encoded now (the real codec), delivered after a
 * delay of a few ms (now and then 10-200 ms), never before what was sent
 * earlier on the same connection in the same direction.
 */
void sim_send(sim_t *s, sim_end_t from, sim_end_t to, const dsk_msg_t *msg)
{
    uint64_t conn = from.role == SIM_SCHEDULER ? to.conn : from.conn;
    if (!conn || conn > s->nconns)
        return;
    char *bytes;
    size_t len;
    char err[DSK_ERR_LEN];
    if (dsk_msg_encode(msg, &bytes, &len, err) < 0) {
        sim_fail(s, "a %s does not encode: %s", dsk_msg_type_name(msg->type), err);
        return;
    }
    int64_t delay = sim_chance(s, 0.05) ? 10 + (int64_t)sim_below(s, 190)
                                         : (int64_t)sim_below(s, 4);
    s_conn_t *c = &s->conns[conn];
    if (s->now < c->down_until) {
        /* reconnecting: the scheduler's ROUTER has no route and drops it, the worker's
           DEALER keeps it for the new connection */
        if (from.role == SIM_SCHEDULER) {
            sim_trace(s, "(lost: connection %llu is down)", (unsigned long long)conn);
            free(bytes);
            return;
        }
        delay += c->down_until - s->now;
    }
    int64_t *last = from.role == SIM_SCHEDULER ? &c->last_down : &c->last_up;
    int64_t at = s->now + delay > *last ? s->now + delay : *last;
    *last = at;
    s->stats.messages++;
    s_push(s, (s_event_t){.time = at, .type = E_DELIVER, .from = from, .to = to, .bytes = bytes,
                          .len = len, .generation = s->generation, .epoch = c->epoch});
}

int sim_decode(sim_t *s, const char *bytes, size_t len, dsk_msg_t *msg)
{
    char err[DSK_ERR_LEN];
    if (dsk_msg_decode(bytes, len, msg, err) < 0) {
        sim_fail(s, "a message the simulator encoded does not decode: %s", err);
        return -1;
    }
    return 0;
}

static void s_engine_send(void *arg, const dsk_peer_id_t *to, const dsk_msg_t *msg)
{
    sim_t *s = arg;
    uint64_t conn = s_conn_of(to);
    if (!conn || conn > s->nconns || !s->engine)
        return;
    sim_end_t end = {.role = s->conns[conn].role, .index = s->conns[conn].index, .conn = conn};
    sim_trace(s, "scheduler -> %s %d: %s", end.role == SIM_WORKER ? "worker" : "client",
              end.index, dsk_msg_type_name(msg->type));
    sim_send(s, sim_scheduler_end(), end, msg);
}

static void s_deliver(sim_t *s, s_event_t *ev)
{
    if (ev->from.role == SIM_SCHEDULER && ev->generation != s->generation)
        return; /* queued in a scheduler process that has since gone */
    uint64_t conn = ev->from.role == SIM_SCHEDULER ? ev->to.conn : ev->from.conn;
    if (s_conn_lost(s, conn, ev->epoch)) {
        sim_trace(s, "(a message in flight on connection %llu, lost in its reset)",
                  (unsigned long long)conn);
        return;
    }
    if (ev->to.role == SIM_WORKER) {
        sim_worker_deliver(s, s->workers[ev->to.index], ev->to.conn, ev->bytes, ev->len);
        return;
    }
    if (ev->to.role == SIM_SCHEDULER && !s->engine) {
        /* its peers' sockets keep what they send until it is back (ZeroMQ queues it) */
        s_event_t later = *ev;
        later.time = s->up_at;
        later.bytes = ev->bytes;
        ev->bytes = NULL;
        s_push(s, later);
        return;
    }
    dsk_msg_t msg;
    if (sim_decode(s, ev->bytes, ev->len, &msg) < 0)
        return;
    if (ev->to.role == SIM_CLIENT) {
        sim_client_deliver(s, s->clients[ev->to.index], ev->to.conn, &msg);
    } else {
        dsk_peer_id_t peer = sim_peer_of(ev->from.conn);
        sim_trace(s, "%s %d -> scheduler: %s", ev->from.role == SIM_WORKER ? "worker" : "client",
                  ev->from.index, dsk_msg_type_name(msg.type));
        /* each client its own key, as under CURVE: its jobs are its own */
        char key[32] = "";
        if (ev->from.role == SIM_CLIENT)
            snprintf(key, sizeof key, "sim-client-%d", ev->from.index);
        sch_origin_t origin = {.address = "sim", .key = key,
                               .roles = SCH_ROLE_WORKER | SCH_ROLE_CLIENT};
        sch_engine_on_message(s->engine, &peer, &origin, &msg, s->now);
    }
    dsk_msg_clear(&msg);
}

/* ------------------------------------------------------------ the scheduler */

static void s_tick(sim_t *s, void *arg, uint64_t generation)
{
    if (!s->engine || generation != s->generation)
        return;
    int64_t next = sch_engine_tick(s->engine, s->now);
    sim_at(s, next > 1 ? next : 1, s_tick, NULL, generation);
}

static void s_scheduler_start(sim_t *s, void *arg, uint64_t tag)
{
    sch_engine_cfg_t cfg = {
        .heartbeat_ms = SIM_HEARTBEAT_MS,
        .instance = sim_rand(s) | 1,
        .jobs = {.keep_finished_ms = SCH_KEEP_FINISHED_MS,
                 .keep_finished_jobs = SCH_KEEP_FINISHED_JOBS,
                 .deadline_slack_ms = SCH_DEADLINE_SLACK_MS,
                 .deadline_unknown_ms = SCH_DEADLINE_UNKNOWN_MS,
                 .orphan_ms = SIM_ORPHAN_MS},
    };
    s->generation++;
    s->started_at = s->now;
    s->engine = sch_engine_new(&cfg, s_engine_send, s, s->now);
    if (s->journal) {
        sim_journal_restore(s->journal, sch_engine_job_table(s->engine));
        sch_jobs_set_journal(sch_engine_job_table(s->engine), sim_journal_hooks(s->journal));
    }
    sim_trace(s, "scheduler starts (generation %llu)", (unsigned long long)s->generation);
    sim_at(s, SIM_HEARTBEAT_MS / 4, s_tick, NULL, s->generation);
}

/* ------------------------------------------------------------ faults */

typedef enum {
    F_KILL, F_PAUSE, F_HANG, F_RESTART, F_CANCEL, F_SLOW, F_MEMORY, F_MEMORY_ALL, F_LINK,
    F_RESET
} s_fault_t;

static void s_restart_worker(sim_t *s, void *arg, uint64_t tag)
{
    sim_worker_t *w = s->workers[tag];
    if (!sim_worker_alive(w))
        sim_worker_start(s, w);
}

static void s_start_worker(sim_t *s, void *arg, uint64_t tag)
{
    sim_worker_start(s, s->workers[tag]);
}

static void s_fault(sim_t *s, void *arg, uint64_t tag)
{
    s_fault_t f = (s_fault_t)(tag & 0xff);
    int who = (int)((tag >> 8) & 0xff);
    int64_t ms = (int64_t)(tag >> 16);
    sim_worker_t *w = who < s->nworkers ? s->workers[who] : NULL;
    /* killed or stopped while paused by its memory limit, a worker looks paused to the
       scheduler until it is declared dead: the cluster may look stalled for longer than
       the pause (a job may fail, naming the stall) */
    if ((f == F_KILL || f == F_PAUSE) && w && sim_worker_memory_paused(s, w))
        s->memory_stall = 1;
    switch (f) {
    case F_KILL:
        if (!w || !sim_worker_alive(w))
            return;
        sim_worker_kill(s, w);
        if (ms)
            sim_at(s, ms, s_restart_worker, NULL, (uint64_t)who);
        break;
    case F_PAUSE:
        if (w)
            sim_worker_pause(s, w, ms);
        break;
    case F_HANG:
        if (w)
            sim_worker_hang(s, w, ms ? ms : INT64_MAX);
        break;
    case F_RESTART:
        if (!s->engine)
            return;
        sim_trace(s, "scheduler killed; back in %lld ms", (long long)ms);
        sch_engine_destroy(&s->engine); /* its last words go nowhere: engine is NULL first */
        s->restarts++;
        s->stats.restarts++;
        s->up_at = s->now + ms;
        sim_at(s, ms, s_scheduler_start, NULL, 0);
        /* now and then a waiting client goes down with it: its resumed job must end all the
           same (a predict's or a noop's fails once it has waited SIM_ORPHAN_MS) */
        for (int i = 0; s->journal && i < s->nclients; i++)
            if (sim_client_waiting(s->clients[i]) && sim_chance(s, 0.3))
                sim_client_vanish(s, s->clients[i]);
        break;
    case F_CANCEL:
        if (who < s->nclients)
            sim_client_cancel(s, s->clients[who]);
        break;
    case F_MEMORY:
        if (w)
            sim_worker_memory_pause(s, w, ms);
        break;
    case F_MEMORY_ALL: /* the cluster stalls: the scheduler must fail a job, not wait */
        s->memory_stall = 1;
        for (int i = 0; i < s->nworkers; i++)
            sim_worker_memory_pause(s, s->workers[i], ms);
        break;
    case F_LINK: /* up to 30 heartbeat intervals: 300 MB at 100 Mbit/s */
        if (w)
            sim_worker_link_busy(s, w, ms, sim_chance(s, 0.7), sim_chance(s, 0.7));
        break;
    case F_RESET: /* a RST: what is in flight is lost, ZeroMQ reconnects in ms */
        if (w)
            sim_worker_reset(s, w, ms);
        break;
    case F_SLOW:
        break;
    }
}

/*
 * The world of a seed: 1-16 workers of 1-4 threads (some slow, some with
 * a memory limit, some joining late), 1-5 clients with a job each, and up
 * to 8 faults in the first 40 virtual seconds (kill -9, SIGSTOP, hung threads, a
 * scheduler restart, a cancel, a worker paused past its memory limit for a while, or
 * every worker so for longer than the scheduler waits before it fails a job, a
 * worker's data connection busy with a big message for up to 30 s, a worker's connections
 * reset). Worker 1 is never lost for good, so every job can end.
 */
static void s_build(sim_t *s)
{
    s->nworkers = 1 + (int)sim_below(s, SIM_MAX_WORKERS);
    int tight = s->tight = sim_chance(s, 0.15); /* limits of a few datasets: placement waits */
    for (int i = 0; i < s->nworkers; i++) {
        double speed = sim_chance(s, 0.2) ? 0.1 + 0.5 * (double)sim_below(s, 100) / 100.0
                       : sim_chance(s, 0.1) ? 2.0 : 1.0;
        uint64_t limit = tight                ? 3000 + sim_below(s, 12000)
                         : sim_chance(s, 0.5) ? 0
                                              : 200000 + sim_below(s, 2000000);
        s->workers[i] = sim_worker_new(s, i, 1 + (int)sim_below(s, 4), speed, limit);
        sim_at(s, sim_chance(s, 0.7) ? 0 : (int64_t)sim_below(s, 20000), s_start_worker, NULL,
               (uint64_t)i);
    }
    s->nclients = 1 + (int)sim_below(s, 5);
    for (int i = 0; i < s->nclients; i++)
        s->clients[i] = sim_client_new(s, i, (int64_t)sim_below(s, 20000));
    int nfaults = sim_chance(s, 0.3) ? 0 : 1 + (int)sim_below(s, 8);
    s->stats.faults = nfaults;
    for (int k = 0; k < nfaults; k++) {
        int64_t at = 1 + (int64_t)sim_below(s, S_FAULT_WINDOW_MS);
        int who = (int)sim_below(s, (uint64_t)s->nworkers);
        uint64_t r = sim_below(s, 100), ms = 0;
        s_fault_t f;
        if (r < 35) {
            f = F_KILL;
            ms = who == 0 || sim_chance(s, 0.85) ? 500 + sim_below(s, 20000) : 0;
        } else if (r < 55) {
            f = F_PAUSE;
            ms = 500 + sim_below(s, 20000);
        } else if (r < 70) {
            f = F_HANG;
            ms = who == 0 || sim_chance(s, 0.5) ? 5000 + sim_below(s, 120000) : 0;
        } else if (r < 76) {
            f = F_RESTART;
            ms = sim_below(s, 3000);
        } else if (r < 86) {
            /* shorter than the scheduler's grace for a cluster paused whole (sch_paused.h):
               a job fails only when no worker can get back under its limit */
            f = F_MEMORY;
            ms = 200 + sim_below(s, 4000);
        } else if (r < 89) {
            /* every worker, longer than that grace: jobs may fail, naming the stall */
            f = F_MEMORY_ALL;
            ms = 6000 + sim_below(s, 10000);
        } else if (r < 92) {
            f = F_LINK;
            ms = 2000 + sim_below(s, 28000);
        } else if (r < 96) {
            f = F_RESET;
            ms = 1 + sim_below(s, 300);
        } else {
            f = F_CANCEL;
            who = (int)sim_below(s, (uint64_t)s->nclients);
        }
        sim_at(s, at, s_fault, NULL, (uint64_t)f | (uint64_t)who << 8 | ms << 16);
        if (at > s->faults_end)
            s->faults_end = at;
    }
}

/* ------------------------------------------------------------ invariants */

typedef struct {
    size_t live_bytes, live_entries;
} s_held_t;

static void s_count_live(void *arg, const char *key, int kind, size_t bytes, int refs, int pins)
{
    s_held_t *h = arg;
    h->live_bytes += bytes;
    h->live_entries++;
}

/*
 * A worker the scheduler declared dead (silent for 3 intervals) must have
 * been silent: not one that was never stopped nor hung, whose heartbeats
 * kept coming on their own connection while its data connection was busy.
 */
static void s_check_lost(sim_t *s)
{
    uint64_t silent, hung;
    sch_engine_workers_lost(s->engine, &silent, &hung);
    if (silent < s->lost_silent)
        s->lost_silent = 0; /* a new scheduler process counts from 0 */
    if (silent == s->lost_silent)
        return;
    s->lost_silent = silent;
    const sch_registry_t *reg = sch_engine_registry(s->engine);
    for (int i = 0; i < s->nworkers; i++) {
        sim_worker_t *w = s->workers[i];
        if (sim_worker_trusty(s, w) && !sch_registry_by_id(reg, sim_worker_id(w)))
            return sim_fail(s, "%s was declared dead while it heartbeat, neither stopped nor "
                            "hung", sim_worker_name(w));
    }
}

/* After every event: the engine's books, no worker lost while it heartbeats, and every
   worker within its memory limit. */
static void s_check(sim_t *s)
{
    char err[DSK_ERR_LEN];
    if (s->engine && sch_engine_check(s->engine, err) < 0)
        sim_fail(s, "the scheduler's books: %s", err);
    if (s->engine && !s->failed)
        s_check_lost(s);
    /* what a worker holds live: an input freed while a task still reads it (a cancelled
       job's, a backup's) goes at that task's end, and the scheduler counts it as gone */
    for (int i = 0; i < s->nworkers && !s->failed; i++) {
        const wrk_store_t *st = sim_worker_store(s->workers[i]);
        uint64_t limit = sim_worker_memory_limit(s->workers[i]);
        s_held_t h = {0};
        if (st)
            wrk_store_each(st, s_count_live, &h);
        if (limit && h.live_bytes > limit)
            sim_fail(s, "%s holds %zu bytes, over its limit of %llu",
                     sim_worker_name(s->workers[i]), h.live_bytes, (unsigned long long)limit);
    }
}

/*
 * Once every job has ended and things are quiet: nothing is left behind.
 * A worker registered with the scheduler holds nothing (every DATA_PUT and
 * every output got its FREE), and the scheduler counts nothing on it:
 * neither bytes nor tasks.
 */
static void s_check_quiet(sim_t *s)
{
    if (!s->engine)
        return;
    if (sch_engine_active_jobs(s->engine) > 0)
        return sim_fail(s, "a job is still active on the scheduler after its client ended");
    for (int i = 0; i < s->nworkers; i++) {
        sim_worker_t *w = s->workers[i];
        if (!sim_worker_registered(s, w))
            continue;
        s_held_t h = {0};
        wrk_store_each(sim_worker_store(w), s_count_live, &h);
        if (h.live_entries)
            return sim_fail(s, "%s still holds %zu entries (%zu bytes) after every job ended",
                            sim_worker_name(w), h.live_entries, h.live_bytes);
        /* a task the scheduler thinks runs there holds a thread of its for good (a TASK or
           a TASK_DONE lost in a reset, unnoticed) */
        const sch_worker_t *sw = sim_worker_on_scheduler(s, w);
        if (sim_worker_trusty(s, w) && sw && sw->running > 0 && !sim_worker_tasks(w))
            return sim_fail(s, "the scheduler counts %d tasks running on '%s', which runs none, "
                            "after every job ended", sw->running, sim_worker_name(w));
    }
    const sch_registry_t *reg = sch_engine_registry(s->engine);
    for (size_t i = 0; i < sch_registry_count(reg); i++) {
        const sch_worker_t *sw = sch_registry_at(reg, i);
        if (sw->held)
            return sim_fail(s, "the scheduler counts %llu bytes on '%s' after every job ended",
                            (unsigned long long)sw->held, sw->info.name);
    }
}

/*
 * Whether a job still active may be: a search or a fit goes on without
 * its client (its result waits to be fetched) until its workers finish
 * it; one that reads from its client (a predict, a noop) gives up on a
 * client gone SIM_ORPHAN_MS after the scheduler's restart (its last one:
 * each restart waits anew).
 */
static int s_may_be_active(const sim_t *s)
{
    int64_t since = s->all_done_ms > s->started_at ? s->all_done_ms : s->started_at;
    for (const sch_job_t *job = sch_jobs_list(sch_engine_jobs(s->engine)); job; job = job->next)
        if (sch_jobs_active_state(job->state) &&
            (!job->kind->on_chunk || s->now < since + SIM_ORPHAN_MS + 2 * SIM_HEARTBEAT_MS))
            return 1;
    return 0;
}

static int s_all_finished(const sim_t *s)
{
    for (int i = 0; i < s->nclients; i++)
        if (!sim_client_finished(s->clients[i]))
            return 0;
    return 1;
}

/* ------------------------------------------------------------ a run */

static void s_free(sim_t *s)
{
    sch_engine_destroy(&s->engine);
    sim_journal_destroy(&s->journal);
    for (int i = 0; i < s->nworkers; i++)
        sim_worker_destroy(&s->workers[i]);
    for (int i = 0; i < s->nclients; i++)
        sim_client_destroy(&s->clients[i]);
    for (size_t i = 0; i < s->nheap; i++)
        free(s->heap[i].bytes);
    free(s->heap);
    free(s->conns);
    for (size_t i = 0; i < S_TRACE_KEEP; i++)
        free(s->trace[i]);
    free(s->trace);
    free(s);
}

static void s_print_trace(const sim_t *s)
{
    size_t n = s->ntrace < S_TRACE_KEEP ? s->ntrace : S_TRACE_KEEP;
    fprintf(stderr, "--- the last %zu events of seed %llu ---\n", n,
            (unsigned long long)s->seed);
    for (size_t k = s->ntrace - n; k < s->ntrace; k++)
        fprintf(stderr, "%s\n", s->trace[k % S_TRACE_KEEP]);
}

int sim_run(uint64_t seed, int verbose, sim_stats_t *stats, char *why, size_t why_len)
{
    sim_t *s = dsk_xcalloc(1, sizeof *s);
    s->seed = seed;
    s->rng = seed * 0x2545f4914f6cdd1dULL + 1;
    s->verbose = verbose;
    s->trace = dsk_xcalloc(S_TRACE_KEEP, sizeof *s->trace);
    s->all_done_ms = -1;
    if (sim_chance(s, 0.7)) /* most worlds journal, as an installed scheduler does */
        s->journal = sim_journal_new();
    s_scheduler_start(s, NULL, 0);
    s_build(s);
    int64_t bound = s->faults_end + S_END_BOUND_MS;
    while (s->nheap && !s->failed) {
        s_event_t ev = s_pop(s);
        s->now = ev.time;
        s->stats.events++;
        if (ev.type == E_DELIVER)
            s_deliver(s, &ev);
        else
            ev.fn(s, ev.arg, ev.tag);
        free(ev.bytes);
        if (!s->failed)
            s_check(s);
        if (s->failed)
            break;
        if (s->all_done_ms < 0 && s_all_finished(s))
            s->all_done_ms = s->now;
        /* the quiet period counts from the end of the last job that may still be active
           (one active longer is a broken invariant) */
        if (s->all_done_ms >= 0 && s->engine && s_may_be_active(s))
            s->last_active_ms = s->now;
        int64_t quiet_from = s->all_done_ms > s->last_active_ms ? s->all_done_ms
                                                                : s->last_active_ms;
        if (s->all_done_ms >= 0 && s->now >= quiet_from + S_QUIET_MS &&
            s->now > s->faults_end && s->now > s->links_busy_until + SIM_HEARTBEAT_MS) {
            s_check_quiet(s);
            break;
        }
        if (s->now > bound) {
            char d[160] = "";
            for (int i = 0; i < s->nclients; i++)
                if (!sim_client_finished(s->clients[i]))
                    sim_client_describe(s->clients[i], d, sizeof d);
            sim_fail(s, "%s did not end within %d virtual minutes of the last fault",
                     d[0] ? d : "a job whose client is gone", S_END_BOUND_MS / 60000);
        }
    }
    s->stats.virtual_ms = s->now;
    s->stats.workers = s->nworkers;
    s->stats.clients = s->nclients;
    for (int i = 0; i < s->nclients && i < 15; i++)
        s->stats.outcomes[i] = sim_client_outcome(s->clients[i]) ? sim_client_outcome(s->clients[i])
                                                                 : '?';
    *stats = s->stats;
    int rc = s->failed ? -1 : 0;
    if (s->failed) {
        snprintf(why, why_len, "%s", s->why);
        if (!verbose)
            s_print_trace(s);
    }
    s_free(s);
    return rc;
}

/* ------------------------------------------------------------ the predict model */

/* A small SVC fitted once on a few dense rows: real .dskm bytes for predict jobs. */
const unsigned char *sim_model_bytes(size_t *len)
{
    static msgpack_sbuffer model;
    static int made;
    if (!made) {
        char err[DSK_ERR_LEN];
        const char *text = "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", "
                           "\"SVC\", {}]]}";
        job_t *job = NULL;
        ml_pipeline_t *pipe = NULL;
        ml_dense_t *m = ml_dense_new(6, 2);
        int32_t y[6] = {0, 1, 0, 1, 0, 1};
        for (int i = 0; i < 12; i++)
            m->data[i] = (double)(i % 4);
        ml_data_t *X = ml_data_from_dense(&m);
        msgpack_sbuffer_init(&model);
        if (job_parse_text(text, strlen(text), "sim", &job, err) < 0 ||
            job_pipeline(job, &pipe, err) < 0 || ml_pipeline_fit(pipe, X, y, err) < 0 ||
            ml_model_pack(pipe, &model, err) < 0) {
            fprintf(stderr, "sim: cannot make the predict model: %s\n", err);
            abort();
        }
        ml_pipeline_destroy(&pipe);
        job_destroy(&job);
        ml_data_destroy(&X);
        made = 1;
    }
    *len = model.size;
    return (const unsigned char *)model.data;
}
