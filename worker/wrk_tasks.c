/* wrk_tasks.c — what the scheduler placed, tasks checked and handed to a runner, their replies. */
#include "wrk_tasks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_log.h"
#include "job_data.h"
#include "job_spec.h"

struct wrk_tasks {
    wrk_store_t *store;
    wrk_runner_t runner;
    void *runner_arg;
    wrk_send_fn send;
    wrk_send_with_fn send_with;
    void *arg;
    uint64_t session;
    uint64_t worker_id;         /* this session's, from its WELCOME */
    int outstanding, current;   /* tasks with the runner: all, and this session's */
};

wrk_tasks_t *wrk_tasks_new(const wrk_runner_t *runner, void *runner_arg, wrk_send_fn send,
                           void *arg)
{
    wrk_tasks_t *t = dsk_xcalloc(1, sizeof *t);
    t->store = wrk_store_new();
    t->runner = *runner;
    t->runner_arg = runner_arg;
    t->send = send;
    t->arg = arg;
    return t;
}

void wrk_tasks_set_send_with(wrk_tasks_t *t, wrk_send_with_fn send_with)
{
    t->send_with = send_with;
}

void wrk_tasks_destroy(wrk_tasks_t **t_p)
{
    wrk_tasks_t *t = *t_p;
    if (!t)
        return;
    wrk_store_destroy(&t->store);
    free(t);
    *t_p = NULL;
}

static void s_dataset_destroy(void *obj)
{
    ml_dataset_t *ds = obj;
    ml_dataset_destroy(&ds);
}

static void s_job_destroy(void *obj)
{
    job_spec_t *tj = obj;
    job_spec_destroy(&tj);
}

static void s_model_destroy(void *obj)
{
    wrk_model_t *m = obj;
    free(m->data);
    free(m);
}

/*
 * DATA_PUT: bytes the scheduler placed here, kept under their key as the
 * object they describe. Bytes that do not unpack are refused with a
 * warning; a task that needs them is then refused as lacking its input,
 * which the scheduler handles.
 */
static void s_on_data_put(wrk_tasks_t *t, dsk_msg_data_put_t *put)
{
    char err[DSK_ERR_LEN];
    switch (put->kind) {
    case DSK_DATA_MODEL: { /* kept as bytes: each thread unpacks its own */
        wrk_model_t *m = dsk_xcalloc(1, sizeof *m);
        m->data = put->data.data;
        m->len = put->data.len;
        put->data = (dsk_bytes_t){0};
        wrk_store_put(t->store, put->key, DSK_DATA_MODEL, m, s_model_destroy, m->len, NULL);
        return;
    }
    case DSK_DATA_OUTPUT: { /* another worker's task output, moved here */
        job_output_t out;
        if (t->runner.unpack_output(put->data.data, put->data.len, &out, err) < 0) {
            dsk_warn("moved output %s refused: %s", put->key, err);
            return;
        }
        wrk_store_put(t->store, put->key, DSK_DATA_OUTPUT, out.obj, out.destroy, out.bytes,
                      out.pack);
        msgpack_sbuffer_destroy(&out.reply);
        return;
    }
    case DSK_DATA_JOB: {
        job_spec_t *tj = NULL;
        if (job_spec_unpack(put->data.data, put->data.len, &tj, err) < 0) {
            dsk_warn("job %s refused: %s", put->key, err);
            return;
        }
        wrk_store_put(t->store, put->key, DSK_DATA_JOB, tj, s_job_destroy, tj->bytes, NULL);
        return;
    }
    case DSK_DATA_DATASET: {
        ml_dataset_t *ds = NULL;
        if (job_dataset_unpack(put->data.data, put->data.len, put->key, &ds, err) < 0) {
            dsk_warn("scattered data %s refused: %s", put->key, err);
            return;
        }
        wrk_store_put(t->store, put->key, DSK_DATA_DATASET, ds, s_dataset_destroy,
                      job_dataset_bytes(ds), NULL);
        dsk_debug("holding data %s (%zu bytes)", put->key, put->data.len);
        return;
    }
    default:
        dsk_warn("DATA_PUT %s of unknown kind %u ignored", put->key, put->kind);
    }
}

static void s_fail(wrk_tasks_t *t, uint64_t id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_fail(wrk_tasks_t *t, uint64_t id, int code, const char *fmt, ...)
{
    dsk_msg_t done = {.type = DSK_MSG_TASK_DONE};
    done.u.task_done.task_id = id;
    done.u.task_done.code = code;
    done.u.task_done.worker_id = t->worker_id;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(done.u.task_done.error, sizeof done.u.task_done.error, fmt, ap);
    va_end(ap);
    t->send(t->arg, &done);
}

/*
 * What each kind of task must be given: a search's tasks their job (and
 * the dataset, an input, as the scheduler names them), a predict chunk the
 * model and its rows; an empty task nothing.
 */
static int s_needs(const dsk_msg_task_t *m, const char **what)
{
    switch (m->kind) {
    case DSK_TASK_STAGE: case DSK_TASK_PREFIX: case DSK_TASK_SCORE: case DSK_TASK_REFIT:
        *what = "a search task without its job";
        return m->job_key[0] != '\0' && m->spec.len > 0;
    case DSK_TASK_PREDICT:
        *what = "a predict task without its model or rows";
        return m->input_key[0] != '\0' && m->data.len > 0;
    case DSK_TASK_NOOP:
        return 1;
    default:
        *what = "a task of an unknown kind";
        return 0;
    }
}

/*
 * TASK: every input it names must be here (the scheduler placed the task
 * where they live, or sent them ahead on this same connection); they are
 * pinned until the task ends. The spec's and the rows' bytes move into
 * the task, so nothing is copied.
 */
static void s_on_task(wrk_tasks_t *t, dsk_msg_task_t *m)
{
    const char *what = "";
    if (!s_needs(m, &what)) {
        s_fail(t, m->task_id, DSK_EPROTO, "%s", what);
        return;
    }
    static const char *const names[3] = {"dataset", "job", "input"};
    const char *keys[3] = {m->data_key, m->job_key, m->input_key};
    int kinds[3] = {DSK_DATA_DATASET, DSK_DATA_JOB,
                    m->kind == DSK_TASK_PREDICT ? DSK_DATA_MODEL : DSK_DATA_OUTPUT};
    wrk_pin_t *pins[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        char why[DSK_ERR_LEN];
        int rc = keys[i][0] ? wrk_store_pin(t->store, keys[i], kinds[i], &pins[i], why) : DSK_OK;
        if (rc == DSK_OK)
            continue;
        /* an input lost with its spill file is an input not held: the scheduler makes it again */
        if (rc == DSK_ENOTFOUND)
            s_fail(t, m->task_id, DSK_ENOTFOUND, "the %s %s is not held by this worker",
                   names[i], keys[i]);
        else
            s_fail(t, m->task_id, DSK_ENOTFOUND, "the %s %s was spilled to disk and cannot be "
                   "read back: %s", names[i], keys[i], why);
        while (i-- > 0)
            if (pins[i])
                wrk_store_unpin(t->store, pins[i]);
        return;
    }
    wrk_task_t *task = dsk_xcalloc(1, sizeof *task);
    task->task_id = m->task_id;
    task->kind = m->kind;
    task->session = t->session;
    task->worker_id = t->worker_id;
    snprintf(task->key, sizeof task->key, "%s", m->key);
    snprintf(task->input_key, sizeof task->input_key, "%s", m->input_key);
    task->spec = m->spec.data;
    task->spec_len = m->spec.len;
    m->spec = (dsk_bytes_t){0};
    task->chunk = m->data.data;
    task->chunk_len = m->data.len;
    m->data = (dsk_bytes_t){0};
    for (int i = 0; i < 3; i++)
        task->pins[i] = pins[i];
    task->ds = pins[0] ? wrk_pin_obj(pins[0]) : NULL;
    task->job = pins[1] ? wrk_pin_obj(pins[1]) : NULL;
    task->input = pins[2] ? wrk_pin_obj(pins[2]) : NULL;
    msgpack_sbuffer_init(&task->out.reply);
    t->outstanding++;
    t->current++;
    t->runner.submit(t->runner_arg, task);
}

typedef struct {
    wrk_store_t *store;
    const char *key;
    int code;
    size_t size;
} s_fetch_fill_t;

/* The output's bytes, packed into the frame (wrk_send_with_fn's fill). */
static int s_fetch_fill(void *arg, msgpack_sbuffer *sb)
{
    s_fetch_fill_t *f = arg;
    size_t before = sb->size;
    f->code = wrk_store_pack(f->store, f->key, sb);
    f->size = sb->size - before;
    return f->code;
}

/*
 * FETCH: a copy of an output for another worker, packed here on the loop
 * thread, into the frame itself where the link allows; an output that
 * cannot be packed is answered with its code.
 */
static void s_on_fetch(wrk_tasks_t *t, const char *key)
{
    dsk_msg_t rep = {.type = DSK_MSG_FETCHED};
    snprintf(rep.u.fetched.key, sizeof rep.u.fetched.key, "%s", key);
    int64_t t0 = dsk_clock_mono_ms();
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_fetch_fill_t f = {.store = t->store, .key = key};
    if (t->send_with) {
        /* a failure that is not the fill's is the link's: lost, as any message can be */
        if (t->send_with(t->arg, &rep, s_fetch_fill, &f) == 0 || f.code == 0)
            goto sent;
    } else {
        f.code = s_fetch_fill(&f, &sb);
    }
    rep.u.fetched.code = f.code;
    if (f.code)
        snprintf(rep.u.fetched.error, sizeof rep.u.fetched.error, "%s",
                 f.code == DSK_ENOTFOUND ? "not held here" : "cannot move");
    else
        rep.u.fetched.data = (dsk_bytes_t){.data = (unsigned char *)sb.data, .len = sb.size};
    t->send(t->arg, &rep);
sent:
    dsk_debug("FETCH %s: %zu bytes packed and sent in %lld ms", key, f.size,
              (long long)(dsk_clock_mono_ms() - t0));
    msgpack_sbuffer_destroy(&sb);
}

int wrk_tasks_on_message(wrk_tasks_t *t, dsk_msg_t *msg)
{
    switch (msg->type) {
    case DSK_MSG_DATA_PUT:
        s_on_data_put(t, &msg->u.data_put);
        return 1;
    case DSK_MSG_TASK:
        s_on_task(t, &msg->u.task);
        return 1;
    case DSK_MSG_FREE:
        wrk_store_free(t->store, msg->u.free_.key);
        return 1;
    case DSK_MSG_FETCH:
        s_on_fetch(t, msg->u.free_.key);
        return 1;
    default:
        return 0;
    }
}

/*
 * A finished task: unpin what it read, keep its resident output, reply.
 * A task of an older session (the scheduler that sent it is gone, or has
 * forgotten this worker) only lets go of what it read.
 */
void wrk_tasks_finish(wrk_tasks_t *t, wrk_task_t *task)
{
    for (int i = 0; i < 3; i++)
        if (task->pins[i])
            wrk_store_unpin(t->store, task->pins[i]);
    t->outstanding--;
    if (task->session == t->session)
        t->current--;
    if (task->session != t->session) {
        wrk_task_free(&task);
        return;
    }
    dsk_msg_t done = {.type = DSK_MSG_TASK_DONE};
    dsk_msg_task_done_t *d = &done.u.task_done;
    d->task_id = task->task_id;
    d->worker_id = task->worker_id;
    d->code = task->rc;
    d->micros = (uint64_t)(task->out.seconds * 1e6);
    if (task->rc) {
        snprintf(d->error, sizeof d->error, "%s", task->err);
    } else {
        if (task->out.obj) {
            d->resident = task->out.bytes;
            wrk_store_put(t->store, task->key, DSK_DATA_OUTPUT, task->out.obj, task->out.destroy,
                          task->out.bytes, task->out.pack);
            task->out.obj = NULL;
        }
        d->result.data = (unsigned char *)task->out.reply.data;
        d->result.len = task->out.reply.size;
    }
    t->send(t->arg, &done);
    wrk_task_free(&task);
}

void wrk_tasks_reset(wrk_tasks_t *t, uint64_t worker_id)
{
    wrk_store_clear(t->store);
    t->session++;
    t->worker_id = worker_id;
    t->current = 0;
}

int wrk_tasks_outstanding(const wrk_tasks_t *t) { return t->outstanding; }
int wrk_tasks_stale(const wrk_tasks_t *t) { return t->outstanding - t->current; }

size_t wrk_tasks_bytes(const wrk_tasks_t *t) { return wrk_store_bytes(t->store); }
const wrk_store_t *wrk_tasks_store(const wrk_tasks_t *t) { return t->store; }

/* A spilled output's bytes back into its object, by the runner's unpack (the reply is unused). */
static int s_unpack_spilled(void *arg, const void *buf, size_t len, void **obj, char *err)
{
    wrk_tasks_t *t = arg;
    job_output_t out;
    int rc = t->runner.unpack_output(buf, len, &out, err);
    if (rc < 0)
        return rc;
    *obj = out.obj;
    msgpack_sbuffer_destroy(&out.reply);
    return DSK_OK;
}

void wrk_tasks_set_spill(wrk_tasks_t *t, wrk_spill_t *spill)
{
    wrk_store_set_spill(t->store, spill, s_unpack_spilled, t);
}

size_t wrk_tasks_spill(wrk_tasks_t *t, size_t want) { return wrk_store_spill(t->store, want); }
