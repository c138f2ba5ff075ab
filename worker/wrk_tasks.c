/* wrk_tasks.c — datasets and task outputs by key, tasks on threads, their replies. */
#include "wrk_tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_log.h"
#include "ml_data_pack.h"
#include "wrk_executor.h"
#include "wrk_store.h"

struct wrk_tasks {
    wrk_store_t *store;
    wrk_executor_t *ex;
    wrk_send_fn send;
    void *arg;
};

wrk_tasks_t *wrk_tasks_new(int nthreads, wrk_send_fn send, void *arg)
{
    wrk_tasks_t *t = dsk_xcalloc(1, sizeof *t);
    t->store = wrk_store_new();
    t->ex = wrk_executor_new(nthreads);
    t->send = send;
    t->arg = arg;
    return t;
}

void wrk_tasks_destroy(wrk_tasks_t **t_p)
{
    wrk_tasks_t *t = *t_p;
    if (!t)
        return;
    wrk_executor_destroy(&t->ex); /* first: running tasks read the store */
    wrk_store_destroy(&t->store);
    free(t);
    *t_p = NULL;
}

static void s_dataset_destroy(void *obj)
{
    ml_dataset_t *ds = obj;
    ml_dataset_destroy(&ds);
}

static void s_model_destroy(void *obj)
{
    wrk_model_t *m = obj;
    free(m->data);
    free(m);
}

static void s_on_data_put(wrk_tasks_t *t, dsk_msg_data_put_t *put)
{
    char err[DSK_ERR_LEN];
    if (put->kind == DSK_DATA_MODEL) { /* kept as bytes: each predict task unpacks its own */
        wrk_model_t *m = dsk_xcalloc(1, sizeof *m);
        m->data = put->data.data;
        m->len = put->data.len;
        put->data = (dsk_bytes_t){0};
        wrk_store_put(t->store, put->key, m, s_model_destroy, m->len, NULL);
        return;
    }
    if (put->kind == DSK_DATA_OUTPUT) { /* another worker's task output, moved here */
        ml_task_output_t out;
        if (ml_task_output_unpack(put->data.data, put->data.len, &out, err) < 0) {
            dsk_warn("moved output %s refused: %s", put->key, err);
            return;
        }
        wrk_store_put(t->store, put->key, out.obj, out.destroy, out.bytes, out.pack);
        msgpack_sbuffer_destroy(&out.reply);
        return;
    }
    ml_dataset_t *ds = NULL;
    if (ml_dataset_unpack(put->data.data, put->data.len, put->key, &ds, err) < 0) {
        dsk_warn("scattered data %s refused: %s", put->key, err);
        return;
    }
    wrk_store_put(t->store, put->key, ds, s_dataset_destroy, ml_dataset_bytes(ds), NULL);
    dsk_debug("holding data %s (%zu bytes)", put->key, put->data.len);
}

static void s_fail(wrk_tasks_t *t, uint64_t id, int code, const char *fmt, const char *what)
{
    dsk_msg_t done = {.type = DSK_MSG_TASK_DONE};
    done.u.task_done.task_id = id;
    done.u.task_done.code = code;
    snprintf(done.u.task_done.error, sizeof done.u.task_done.error, fmt, what);
    t->send(t->arg, &done);
}

/*
 * TASK: the dataset and the input must be here (the scheduler placed the
 * task where they live); both are pinned until the task ends. The spec's
 * bytes move into the task, so nothing is copied.
 */
static void s_on_task(wrk_tasks_t *t, dsk_msg_task_t *m)
{
    int predict = m->data.len > 0; /* a chunk of rows travels with the task */
    int noop = m->spec.len == 0;   /* dsk-submit noop: nothing to run */
    const ml_dataset_t *ds = predict || noop ? NULL : wrk_store_get(t->store, m->data_key);
    const void *input = m->input_key[0] ? wrk_store_get(t->store, m->input_key) : NULL;
    if (!ds && !predict && !noop) {
        s_fail(t, m->task_id, DSK_ENOTFOUND, "the dataset %s is not held by this worker",
               m->data_key);
        return;
    }
    if ((m->input_key[0] || predict) && !input) {
        s_fail(t, m->task_id, DSK_ENOTFOUND, "the input %s is not held by this worker",
               m->input_key);
        return;
    }
    wrk_task_t *task = dsk_xcalloc(1, sizeof *task);
    task->task_id = m->task_id;
    snprintf(task->key, sizeof task->key, "%s", m->key);
    snprintf(task->data_key, sizeof task->data_key, "%s", m->data_key);
    snprintf(task->input_key, sizeof task->input_key, "%s", m->input_key);
    task->spec = m->spec.data;
    task->spec_len = m->spec.len;
    m->spec = (dsk_bytes_t){0};
    task->ds = ds;
    task->input = input;
    if (noop)
        task->data_key[0] = '\0';
    if (predict) {
        task->chunk = m->data.data;
        task->chunk_len = m->data.len;
        m->data = (dsk_bytes_t){0};
        task->data_key[0] = '\0';
    }
    if (task->data_key[0])
        wrk_store_pin(t->store, task->data_key);
    if (task->input_key[0])
        wrk_store_pin(t->store, task->input_key);
    wrk_executor_submit(t->ex, task);
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
    case DSK_MSG_FETCH: {
        /* packed here, on the loop thread: a split is tens of MB, a few ms to copy */
        dsk_msg_t rep = {.type = DSK_MSG_FETCHED};
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        snprintf(rep.u.fetched.key, sizeof rep.u.fetched.key, "%s", msg->u.free_.key);
        int64_t t0 = dsk_clock_mono_ms();
        rep.u.fetched.code = wrk_store_pack(t->store, msg->u.free_.key, &sb);
        dsk_debug("FETCH %s: packed %zu bytes in %lld ms", msg->u.free_.key, sb.size,
                  (long long)(dsk_clock_mono_ms() - t0));
        if (rep.u.fetched.code)
            snprintf(rep.u.fetched.error, sizeof rep.u.fetched.error, "%s",
                     rep.u.fetched.code == DSK_ENOTFOUND ? "not held here" : "cannot move");
        else
            rep.u.fetched.data = (dsk_bytes_t){.data = (unsigned char *)sb.data, .len = sb.size};
        t->send(t->arg, &rep);
        dsk_debug("FETCH %s: sent after %lld ms", msg->u.free_.key, (long long)(dsk_clock_mono_ms() - t0));
        msgpack_sbuffer_destroy(&sb);
        return 1;
    }
    default:
        return 0;
    }
}

int wrk_tasks_fd(const wrk_tasks_t *t) { return wrk_executor_fd(t->ex); }

/* Each finished task: unpin, keep its resident output, reply. */
void wrk_tasks_on_done(wrk_tasks_t *t)
{
    wrk_task_t *task;
    while ((task = wrk_executor_done(t->ex))) {
        if (task->data_key[0])
            wrk_store_unpin(t->store, task->data_key);
        if (task->input_key[0])
            wrk_store_unpin(t->store, task->input_key);
        dsk_msg_t done = {.type = DSK_MSG_TASK_DONE};
        dsk_msg_task_done_t *d = &done.u.task_done;
        d->task_id = task->task_id;
        d->code = task->rc;
        d->micros = (uint64_t)(task->out.seconds * 1e6);
        if (task->rc) {
            snprintf(d->error, sizeof d->error, "%s", task->err);
        } else {
            if (task->out.obj) {
                d->resident = task->out.bytes;
                wrk_store_put(t->store, task->key, task->out.obj, task->out.destroy,
                              task->out.bytes, task->out.pack);
                task->out.obj = NULL;
            }
            d->result.data = (unsigned char *)task->out.reply.data;
            d->result.len = task->out.reply.size;
        }
        t->send(t->arg, &done);
        wrk_task_free(&task);
    }
}

void wrk_tasks_reset(wrk_tasks_t *t) { wrk_store_clear(t->store); }
int wrk_tasks_running(const wrk_tasks_t *t) { return wrk_executor_running(t->ex); }
int wrk_tasks_queued(const wrk_tasks_t *t) { return wrk_executor_queued(t->ex); }
size_t wrk_tasks_bytes(const wrk_tasks_t *t) { return wrk_store_bytes(t->store); }
