/*
 * sim_client.c — a client in the simulator: one job drawn from the seed
 * (a text search with stages and shared prefixes, a dense search that
 * reads the data straight, a fit, a predict in chunks, empty tasks),
 * submitted as dsk-submit does it (SUBMIT, then JOB_STATE until the end;
 * a predict's CHUNKs at most 16 ahead of their results), and checked at
 * the end against what a fault-free run gives: the same plan computed
 * here with the scheduler's own code and each task's simulated result
 * (sim_body.h) put in its cell. A job may fail only as KilledWorker, be
 * cancelled only when this client cancelled it, and be lost only when the
 * scheduler restarted without a journal.
 *
 * With a journal (sim_journal.c) a restart loses nothing, and the client
 * follows its job through it as dsk-submit does: a SUBMIT unanswered for
 * S_ASK_MS is sent again with its token, a quiet job is asked about
 * (WATCH), and a JOB_STATE from a new scheduler instance has a predict
 * send its chunks again (empty for the results it holds) and a noop count
 * its results afresh (the restored job runs every task again).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "job_data.h"
#include "job_file.h"
#include "job_plan.h"
#include "sim.h"
#include "sim_body.h"

#define S_WINDOW 16          /* chunks sent ahead of their results, as dsk-submit does */
#define S_NOOP_REPORT 128    /* a noop's results counted back to the scheduler, as dsk-submit does */
#define S_SILENCE_MS 15000   /* a running job reports every second: this much silence is a lost scheduler */
#define S_ASK_MS 3000        /* this much: ask again (a journaled scheduler restarted) */

typedef enum { S_SEARCH, S_FIT, S_PREDICT, S_NOOP } s_kind_t;

struct sim_client {
    int index;
    s_kind_t kind;
    uint64_t conn;
    char name[64];
    char *job_text;
    unsigned char *data;
    size_t data_len;
    uint64_t job_id;
    int accepted;
    char outcome;               /* 0 running, 'd' 'f' 'c' 'l' */
    int cancelled;
    int restarts_at_submit;
    uint64_t token;             /* its SUBMIT's, sent again with it */
    uint64_t scheduler;         /* the instance its job's states came from */
    int resumed;                /* its job came back from the journal after a restart */
    int64_t last_heard, last_asked;
    uint64_t last_done;
    /* expectations */
    json_t *expect_cv;          /* search: cv_results */
    int64_t expect_best;
    char expect_model[128];     /* search with refit, fit: the model's bytes */
    /* predict */
    int64_t nchunks, sent, received;
    unsigned char **chunks;
    size_t *chunk_len;
    char *got;                  /* chunk results seen */
    int64_t ntasks;             /* noop */
};

char sim_client_outcome(const sim_client_t *c) { return c->outcome; }
int sim_client_finished(const sim_client_t *c) { return c->outcome != 0; }

const char *sim_client_describe(const sim_client_t *c, char *buf, size_t len)
{
    static const char *const kinds[] = {"search", "fit", "predict", "noop"};
    snprintf(buf, len, "client %d (%s %s, job %llu)", c->index, kinds[c->kind], c->name,
             (unsigned long long)c->job_id);
    return buf;
}

static sim_end_t s_end(const sim_client_t *c)
{
    return (sim_end_t){.role = SIM_CLIENT, .index = c->index, .conn = c->conn};
}

/* ------------------------------------------------------------ data */

/* The class names of a dataset of k classes: "class0".. for text, "0".. for numbers. */
static void s_target_names(ml_dataset_t *ds, int k, const char *prefix)
{
    ds->n_classes = k;
    ds->target_names = dsk_xcalloc((size_t)k, sizeof *ds->target_names);
    for (int c = 0; c < k; c++) {
        char name[16];
        snprintf(name, sizeof name, "%s%d", prefix, c);
        ds->target_names[c] = dsk_xstrdup(name);
    }
}

static const char *const s_words[] = {"atheism", "religion", "god", "church", "space",
                                      "orbit", "nasa", "launch", "hockey", "puck", "goal",
                                      "ice", "the", "of", "and", "a", "in", "moon", "faith",
                                      "team"};

/* n documents of a few words over k classes (round robin, so every class has n/k). */
static ml_dataset_t *s_text_data(sim_t *s, int64_t n, int k)
{
    ml_dataset_t *ds = dsk_xcalloc(1, sizeof *ds);
    ds->X = ml_data_new_text(n);
    ds->y = dsk_xcalloc((size_t)n, sizeof *ds->y);
    for (int64_t i = 0; i < n; i++) {
        char doc[256] = "";
        size_t len = 0;
        int words = 3 + (int)sim_below(s, 8);
        for (int w = 0; w < words; w++) {
            /* a class leans on its own words, so the vocabularies differ by class */
            size_t pick = sim_chance(s, 0.5) ? (size_t)(i % k) * 4 + sim_below(s, 4)
                                              : 12 + sim_below(s, 8);
            len += (size_t)snprintf(doc + len, sizeof doc - len, "%s%s", w ? " " : "",
                                    s_words[pick % 20]);
        }
        ds->X->text.docs[i] = dsk_xstrdup(doc);
        ds->X->text.lens[i] = len;
        ds->y[i] = (int32_t)(i % k);
    }
    s_target_names(ds, k, "class");
    return ds;
}

static ml_dataset_t *s_dense_data(sim_t *s, int64_t n, int k)
{
    ml_dense_t *m = ml_dense_new(n, 3);
    ml_dataset_t *ds = dsk_xcalloc(1, sizeof *ds);
    ds->y = dsk_xcalloc((size_t)n, sizeof *ds->y);
    for (int64_t i = 0; i < n; i++) {
        ds->y[i] = (int32_t)(i % k);
        for (int f = 0; f < 3; f++)
            m->data[i * 3 + f] = (double)ds->y[i] * 2 + (double)sim_below(s, 5);
    }
    ds->X = ml_data_from_dense(&m);
    s_target_names(ds, k, "");
    return ds;
}

/* A non-empty subset of the choices (as JSON text), drawn from the seed. */
static void s_subset(sim_t *s, const char *const *choices, int n, char *out, size_t len)
{
    size_t at = (size_t)snprintf(out, len, "[");
    int any = 0;
    for (int i = 0; i < n; i++)
        if (sim_chance(s, 0.5) || (i == n - 1 && !any)) {
            at += (size_t)snprintf(out + at, len - at, "%s%s", any ? ", " : "", choices[i]);
            any = 1;
        }
    snprintf(out + at, len - at, "]");
}

/* ------------------------------------------------------------ expectations */

/*
 * The fault-free answer: the scheduler's plan of the same job over the
 * same data, each SCORE cell filled with what its task's body gives, the
 * refit (if any) chosen from those scores.
 */
static void s_expect_search(sim_t *s, sim_client_t *c, const ml_dataset_t *ds)
{
    char err[DSK_ERR_LEN], key[JOB_KEY_LEN + 1];
    job_t *job = NULL;
    job_plan_t *plan = NULL;
    job_content_key(c->data, c->data_len, key);
    if (job_parse_text(c->job_text, strlen(c->job_text), c->name, &job, err) < 0 ||
        job_plan_new(job, ds, key, &plan, err) < 0) {
        sim_fail(s, "client %d: its own job does not plan: %s", c->index, err);
        job_destroy(&job);
        return;
    }
    for (int64_t i = 0; i < job_plan_n_tasks(plan); i++) {
        const job_task_t *t = job_plan_task(plan, i);
        if (t->kind != JOB_TASK_SCORE)
            continue;
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        sim_body_score(t->key, &sb);
        job_plan_record(plan, i, sb.data, sb.size, err);
        msgpack_sbuffer_destroy(&sb);
    }
    int64_t refit = job_plan_add_refit(plan);
    if (refit >= 0)
        sim_body_model(job_plan_task(plan, refit)->key, c->expect_model, sizeof c->expect_model);
    json_t *res = job_plan_result(plan);
    if (res) {
        c->expect_cv = json_incref(json_object_get(res, "cv_results"));
        c->expect_best = json_integer_value(json_object_get(res, "best_index"));
    }
    json_decref(res);
    job_plan_destroy(&plan);
    job_destroy(&job);
}

/* ------------------------------------------------------------ the job */

static void s_make_search(sim_t *s, sim_client_t *c, int fit)
{
    char grid[512], pipeline[512], a[96], b[96], d[96], text[2048];
    ml_dataset_t *ds;
    int cv = 2 + (int)sim_below(s, 3);
    const char *refit = sim_chance(s, 0.5) ? "true" : "false";
    if (sim_chance(s, 0.65)) { /* a stage per ngram range, prefixes shared by the alphas */
        static const char *const max_df[] = {"0.5", "0.8", "1.0"};
        static const char *const ngrams[] = {"[1, 1]", "[1, 2]"};
        static const char *const alphas[] = {"1e-4", "1e-5", "1e-6"};
        s_subset(s, max_df, 3, a, sizeof a);
        s_subset(s, ngrams, 2, b, sizeof b);
        s_subset(s, alphas, 3, d, sizeof d);
        snprintf(grid, sizeof grid, "{\"vect__max_df\": %s, \"vect__ngram_range\": %s, "
                 "\"clf__alpha\": %s}", a, b, d);
        snprintf(pipeline, sizeof pipeline, "[[\"vect\", \"CountVectorizer\", {}], [\"tfidf\", "
                 "\"TfidfTransformer\", {}], [\"clf\", \"SGDClassifier\", {\"random_state\": 0}]]");
        ds = s_text_data(s, 12 + (int64_t)sim_below(s, 40), 2 + (int)sim_below(s, 2));
    } else { /* every fit reads the data straight */
        static const char *const cs[] = {"0.01", "0.1", "1.0", "10", "100"};
        s_subset(s, cs, 5, a, sizeof a);
        snprintf(grid, sizeof grid, "{\"svc__C\": %s}", a);
        snprintf(pipeline, sizeof pipeline, "[[\"svc\", \"SVC\", {\"random_state\": 0}]]");
        ds = s_dense_data(s, 15 + (int64_t)sim_below(s, 40), 2 + (int)sim_below(s, 2));
    }
    if (fit)
        snprintf(text, sizeof text, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": %s}",
                 pipeline);
    else
        snprintf(text, sizeof text, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": %s, "
                 "\"search\": {\"param_grid\": %s, \"cv\": %d, \"refit\": %s}}", pipeline, grid,
                 cv, refit);
    c->job_text = dsk_xstrdup(text);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    job_dataset_pack(ds, &sb);
    c->data = (unsigned char *)sb.data;
    c->data_len = sb.size;
    snprintf(c->name, sizeof c->name, "%s%d.json", fit ? "fit" : "search", c->index);
    s_expect_search(s, c, ds);
    ml_dataset_destroy(&ds);
}

static void s_make_predict(sim_t *s, sim_client_t *c)
{
    c->nchunks = 1 + (int64_t)sim_below(s, 40);
    c->chunks = dsk_xcalloc((size_t)c->nchunks, sizeof *c->chunks);
    c->chunk_len = dsk_xcalloc((size_t)c->nchunks, sizeof *c->chunk_len);
    c->got = dsk_xcalloc((size_t)c->nchunks, 1);
    for (int64_t i = 0; i < c->nchunks; i++) {
        c->chunk_len[i] = 8 + sim_below(s, 64);
        c->chunks[i] = dsk_xmalloc(c->chunk_len[i]);
        for (size_t b = 0; b < c->chunk_len[i]; b++)
            c->chunks[i][b] = (unsigned char)sim_below(s, 256);
    }
    char text[256];
    snprintf(text, sizeof text, "{\"method\": \"predict\", \"aggregate\": false, \"rows\": %lld, "
             "\"chunks\": %lld, \"chunk_rows\": 1}", (long long)c->nchunks,
             (long long)c->nchunks);
    c->job_text = dsk_xstrdup(text);
    size_t len;
    const unsigned char *m = sim_model_bytes(&len);
    c->data = dsk_xmalloc(len);
    memcpy(c->data, m, len);
    c->data_len = len;
    snprintf(c->name, sizeof c->name, "predict%d", c->index);
}

static void s_make_noop(sim_t *s, sim_client_t *c)
{
    c->ntasks = 1 + (int64_t)(sim_chance(s, 0.2) ? sim_below(s, 3000) : sim_below(s, 300));
    c->got = dsk_xcalloc((size_t)c->ntasks, 1);
    char text[64];
    snprintf(text, sizeof text, "{\"tasks\": %lld, \"results\": true}", (long long)c->ntasks);
    c->job_text = dsk_xstrdup(text);
    snprintf(c->name, sizeof c->name, "noop%d", c->index);
}

/* ------------------------------------------------------------ the protocol */

static void s_resume(sim_t *s, sim_client_t *c);

static void s_finish(sim_t *s, sim_client_t *c, char outcome, const char *why)
{
    if (c->outcome)
        return;
    c->outcome = outcome;
    char d[160];
    sim_trace(s, "%s ends: %c %s", sim_client_describe(c, d, sizeof d), outcome, why);
}

static void s_send_chunks(sim_t *s, sim_client_t *c)
{
    while (c->sent < c->nchunks && c->sent < c->received + S_WINDOW) {
        dsk_msg_t m = {.type = DSK_MSG_CHUNK};
        m.u.chunk.job_id = c->job_id;
        m.u.chunk.index = (uint64_t)c->sent;
        m.u.chunk.data = (dsk_bytes_t){.data = c->chunks[c->sent], .len = c->chunk_len[c->sent]};
        sim_send(s, s_end(c), sim_scheduler_end(), &m);
        c->sent++;
    }
}

/*
 * Its job came back from the journal of a restarted scheduler, which has
 * none of a predict's chunks and runs a noop's tasks again.
 */
static void s_resume(sim_t *s, sim_client_t *c)
{
    char d[160];
    sim_trace(s, "%s: its job resumed after a restart", sim_client_describe(c, d, sizeof d));
    c->resumed = 1;
    c->last_done = 0;
    if (c->kind == S_PREDICT) {
        for (int64_t i = 0; i < c->sent; i++) {
            dsk_msg_t m = {.type = DSK_MSG_CHUNK};
            m.u.chunk.job_id = c->job_id;
            m.u.chunk.index = (uint64_t)i;
            if (!c->got[i])
                m.u.chunk.data = (dsk_bytes_t){.data = c->chunks[i], .len = c->chunk_len[i]};
            sim_send(s, s_end(c), sim_scheduler_end(), &m);
        }
    } else if (c->kind == S_NOOP) {
        memset(c->got, 0, (size_t)c->ntasks);
        c->received = 0;
    }
}

static void s_check_search(sim_t *s, sim_client_t *c, const dsk_msg_job_state_t *st)
{
    char d[160];
    json_t *res = json_loadb((const char *)st->result.data, st->result.len, 0, NULL);
    if (c->kind == S_SEARCH) {
        json_t *cv = json_object_get(res, "cv_results");
        if (!c->expect_cv || !json_equal(cv, c->expect_cv))
            sim_fail(s, "%s: cv_results differ from the fault-free run's",
                     sim_client_describe(c, d, sizeof d));
        else if (json_integer_value(json_object_get(res, "best_index")) != c->expect_best)
            sim_fail(s, "%s: best_index differs", sim_client_describe(c, d, sizeof d));
    }
    size_t want = strlen(c->expect_model);
    if (want != st->model.len || (want && memcmp(st->model.data, c->expect_model, want) != 0))
        sim_fail(s, "%s: the model is not the fault-free run's (%zu bytes, expected %zu)",
                 sim_client_describe(c, d, sizeof d), st->model.len, want);
    json_decref(res);
}

static void s_on_state(sim_t *s, sim_client_t *c, const dsk_msg_job_state_t *st)
{
    char d[160];
    if (!c->accepted) {
        c->accepted = 1;
        c->job_id = st->job_id;
        c->scheduler = st->scheduler;
        sim_trace(s, "%s accepted: %s", sim_client_describe(c, d, sizeof d), st->text);
        if (c->kind == S_PREDICT)
            s_send_chunks(s, c);
    }
    if (st->job_id != c->job_id)
        return sim_fail(s, "%s: a JOB_STATE of job %llu", sim_client_describe(c, d, sizeof d),
                        (unsigned long long)st->job_id);
    if (st->scheduler != c->scheduler) {
        if (!sim_journaling(s))
            return sim_fail(s, "%s: its job came back from a scheduler without a journal",
                            sim_client_describe(c, d, sizeof d));
        s_resume(s, c);
        c->scheduler = st->scheduler;
    }
    if (st->done > st->total || st->done < c->last_done)
        return sim_fail(s, "%s: progress %llu/%llu after %llu", sim_client_describe(c, d,
                        sizeof d), (unsigned long long)st->done, (unsigned long long)st->total,
                        (unsigned long long)c->last_done);
    c->last_done = st->done;
    switch (st->state) {
    case DSK_JOB_DONE:
        if (c->resumed && ((c->kind == S_PREDICT && c->received != c->nchunks) ||
                           (c->kind == S_NOOP && c->received != c->ntasks))) {
            /* it ended just before the restart, its last results lost in flight: they were
               never journaled (dsk-submit says so and exits) */
            s_finish(s, c, 'l', "done before the restart, results lost in flight");
            break;
        }
        if (c->kind == S_SEARCH || c->kind == S_FIT)
            s_check_search(s, c, st);
        if ((c->kind == S_PREDICT && c->received != c->nchunks) ||
            (c->kind == S_NOOP && c->received != c->ntasks))
            sim_fail(s, "%s: done with %lld of %lld results back",
                     sim_client_describe(c, d, sizeof d), (long long)c->received,
                     (long long)(c->kind == S_NOOP ? c->ntasks : c->nchunks));
        if (st->done != st->total)
            sim_fail(s, "%s: done at %llu/%llu", sim_client_describe(c, d, sizeof d),
                     (unsigned long long)st->done, (unsigned long long)st->total);
        s_finish(s, c, 'd', "done");
        break;
    case DSK_JOB_FAILED:
        /* a named reason the world allows: KilledWorker, a job too big for tight limits, or
           a cluster whose every worker stayed paused by its memory limit */
        if (strncmp(st->text, "KilledWorker:", 13) != 0 &&
            !(sim_memory_tight(s) && strstr(st->text, "of a worker's memory")) &&
            !(sim_memory_stalled(s) && strncmp(st->text, "every worker is paused", 22) == 0))
            sim_fail(s, "%s failed: %s", sim_client_describe(c, d, sizeof d), st->text);
        s_finish(s, c, 'f', st->text);
        break;
    case DSK_JOB_CANCELLED:
        if (!c->cancelled)
            sim_fail(s, "%s cancelled, but not by its client", sim_client_describe(c, d, sizeof d));
        s_finish(s, c, 'c', "cancelled");
        break;
    default:
        break;
    }
}

void sim_client_deliver(sim_t *s, sim_client_t *c, uint64_t conn, dsk_msg_t *msg)
{
    char d[160];
    if (c->outcome || conn != c->conn)
        return;
    c->last_heard = sim_now(s);
    switch (msg->type) {
    case DSK_MSG_JOB_STATE:
        s_on_state(s, c, &msg->u.job_state);
        break;
    case DSK_MSG_CHUNK_DONE: {
        uint64_t i = msg->u.chunk.index;
        char want[JOB_KEY_LEN + 1];
        if (c->kind == S_NOOP) { /* an empty task's result: each once, and counted back */
            if (i >= (uint64_t)c->ntasks || msg->u.chunk.job_id != c->job_id ||
                msg->u.chunk.data.len != 0 || c->got[i])
                return sim_fail(s, "%s: task %llu's result is stray or came twice",
                                sim_client_describe(c, d, sizeof d), (unsigned long long)i);
            c->got[i] = 1;
            if (++c->received % S_NOOP_REPORT == 0) {
                dsk_msg_t m = {.type = DSK_MSG_CHUNK};
                m.u.chunk.job_id = c->job_id;
                m.u.chunk.index = (uint64_t)c->received;
                sim_send(s, s_end(c), sim_scheduler_end(), &m);
            }
            break;
        }
        if (c->kind != S_PREDICT || i >= (uint64_t)c->nchunks || msg->u.chunk.job_id != c->job_id)
            return sim_fail(s, "%s: a stray CHUNK_DONE %llu", sim_client_describe(c, d, sizeof d),
                            (unsigned long long)i);
        if (c->got[i])
            return sim_fail(s, "%s: chunk %llu's result came twice",
                            sim_client_describe(c, d, sizeof d), (unsigned long long)i);
        job_content_key(c->chunks[i], c->chunk_len[i], want);
        if (msg->u.chunk.data.len != JOB_KEY_LEN ||
            memcmp(msg->u.chunk.data.data, want, JOB_KEY_LEN) != 0)
            return sim_fail(s, "%s: chunk %llu's result is another chunk's",
                            sim_client_describe(c, d, sizeof d), (unsigned long long)i);
        c->got[i] = 1;
        c->received++;
        s_send_chunks(s, c);
        break;
    }
    case DSK_MSG_ERROR:
        if (sim_scheduler_restarts(s) > c->restarts_at_submit && !sim_journaling(s))
            return s_finish(s, c, 'l', "its scheduler restarted");
        sim_fail(s, "%s: ERROR %s", sim_client_describe(c, d, sizeof d), msg->u.error.message);
        break;
    default:
        sim_fail(s, "%s: unexpected %s", sim_client_describe(c, d, sizeof d),
                 dsk_msg_type_name(msg->type));
    }
}

static void s_send_submit(sim_t *s, sim_client_t *c)
{
    static const uint32_t kinds[] = {DSK_JOB_SEARCH, DSK_JOB_FIT, DSK_JOB_PREDICT, DSK_JOB_NOOP};
    dsk_msg_t m = {.type = DSK_MSG_SUBMIT};
    m.u.submit.kind = kinds[c->kind];
    m.u.submit.token = c->token;
    snprintf(m.u.submit.name, sizeof m.u.submit.name, "%s", c->name);
    m.u.submit.job = (dsk_bytes_t){.data = (unsigned char *)c->job_text,
                                   .len = strlen(c->job_text)};
    m.u.submit.data = (dsk_bytes_t){.data = c->data, .len = c->data_len};
    sim_send(s, s_end(c), sim_scheduler_end(), &m);
}

/*
 * Once a second: a client that hears nothing for S_SILENCE_MS has lost its
 * scheduler. With a journal it asks every S_ASK_MS of silence first: its
 * SUBMIT again (same token), or about its job.
 */
static void s_watch(sim_t *s, void *arg, uint64_t tag)
{
    sim_client_t *c = arg;
    char d[160];
    if (c->outcome)
        return;
    int64_t quiet = sim_now(s) - (c->last_heard > c->last_asked ? c->last_heard : c->last_asked);
    if (sim_journaling(s) && quiet >= S_ASK_MS && sim_now(s) - c->last_heard <= S_SILENCE_MS) {
        c->last_asked = sim_now(s);
        sim_trace(s, "%s: quiet, asks again", sim_client_describe(c, d, sizeof d));
        if (!c->accepted) {
            s_send_submit(s, c);
        } else {
            dsk_msg_t m = {.type = DSK_MSG_JOB_REQ};
            m.u.job_req.op = DSK_JOBREQ_WATCH;
            m.u.job_req.job_id = c->job_id;
            sim_send(s, s_end(c), sim_scheduler_end(), &m);
        }
    }
    if (sim_now(s) - c->last_heard > S_SILENCE_MS) {
        if (sim_scheduler_restarts(s) > c->restarts_at_submit && !sim_journaling(s))
            return s_finish(s, c, 'l', "its scheduler restarted");
        return sim_fail(s, "%s heard nothing for %d s", sim_client_describe(c, d, sizeof d),
                        S_SILENCE_MS / 1000);
    }
    sim_at(s, 1000, s_watch, c, 0);
}

static void s_submit(sim_t *s, void *arg, uint64_t tag)
{
    sim_client_t *c = arg;
    if (c->outcome)
        return; /* gone before it submitted */
    c->conn = sim_new_conn(s, SIM_CLIENT, c->index);
    c->last_heard = sim_now(s);
    c->restarts_at_submit = sim_scheduler_restarts(s);
    c->token = sim_rand(s) | 1;
    char d[160];
    sim_trace(s, "%s submits", sim_client_describe(c, d, sizeof d));
    s_send_submit(s, c);
    sim_at(s, 1000, s_watch, c, 0);
}

sim_client_t *sim_client_new(sim_t *s, int index, int64_t start_ms)
{
    sim_client_t *c = dsk_xcalloc(1, sizeof *c);
    c->index = index;
    uint64_t r = sim_below(s, 100);
    c->kind = r < 50 ? S_SEARCH : r < 60 ? S_FIT : r < 85 ? S_PREDICT : S_NOOP;
    if (c->kind == S_SEARCH || c->kind == S_FIT)
        s_make_search(s, c, c->kind == S_FIT);
    else if (c->kind == S_PREDICT)
        s_make_predict(s, c);
    else
        s_make_noop(s, c);
    sim_at(s, start_ms, s_submit, c, 0);
    return c;
}

int sim_client_waiting(const sim_client_t *c) { return c->accepted && !c->outcome; }

void sim_client_vanish(sim_t *s, sim_client_t *c)
{
    /* what its socket kept for the scheduler while it was down goes with the process */
    sim_conn_reset(s, c->conn, 0);
    s_finish(s, c, 'l', "its client died with the scheduler");
}

void sim_client_cancel(sim_t *s, sim_client_t *c)
{
    if (!c->accepted || c->outcome)
        return;
    /* without a journal job ids start again at 1 on a restarted scheduler: the id this
       client holds may now name another client's job */
    if (sim_scheduler_restarts(s) > c->restarts_at_submit && !sim_journaling(s))
        return s_finish(s, c, 'l', "its scheduler restarted");
    char d[160];
    sim_trace(s, "%s cancels", sim_client_describe(c, d, sizeof d));
    c->cancelled = 1;
    dsk_msg_t m = {.type = DSK_MSG_JOB_REQ};
    m.u.job_req.op = DSK_JOBREQ_CANCEL;
    m.u.job_req.job_id = c->job_id;
    sim_send(s, s_end(c), sim_scheduler_end(), &m);
}

void sim_client_destroy(sim_client_t **c_p)
{
    sim_client_t *c = *c_p;
    if (!c)
        return;
    free(c->job_text);
    free(c->data);
    json_decref(c->expect_cv);
    for (int64_t i = 0; i < c->nchunks; i++)
        free(c->chunks[i]);
    free(c->chunks);
    free(c->chunk_len);
    free(c->got);
    free(c);
    *c_p = NULL;
}
