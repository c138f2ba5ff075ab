/*
 * check_wrk_tasks.c — the worker's bookkeeping without its threads: the
 * store's references and pins (an entry freed or cleared while a task
 * reads it lives until that task lets go, and letting go never touches an
 * entry placed again under the same key since), a TASK refused for each
 * input it lacks, and a task of an earlier session that neither keeps its
 * output nor answers. The runner here only collects the tasks handed to it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_msg.h"
#include "wrk_store.h"
#include "wrk_tasks.h"

static int s_destroyed;

static void s_destroy(void *obj)
{
    free(obj);
    s_destroyed++;
}

START_TEST(test_store_refs_and_pins)
{
    wrk_store_t *s = wrk_store_new();
    s_destroyed = 0;
    wrk_store_put(s, "k", DSK_DATA_OUTPUT, malloc(1), s_destroy, 100, NULL);
    wrk_store_put(s, "k", DSK_DATA_OUTPUT, malloc(1), s_destroy, 100, NULL); /* same key: one kept */
    ck_assert_int_eq(s_destroyed, 1);
    ck_assert_uint_eq(wrk_store_bytes(s), 100);
    ck_assert_ptr_null(wrk_store_get(s, "k", DSK_DATA_DATASET)); /* the wrong kind: not found */
    wrk_pin_t *pin;
    ck_assert_int_eq(wrk_store_pin(s, "k", DSK_DATA_OUTPUT, &pin, NULL), DSK_OK);
    ck_assert_ptr_nonnull(pin);
    wrk_store_free(s, "k");
    wrk_store_free(s, "k"); /* both references gone, but a task still reads it */
    ck_assert_int_eq(s_destroyed, 1);
    ck_assert(!wrk_store_has(s, "k"));
    wrk_store_unpin(s, pin);
    ck_assert_int_eq(s_destroyed, 2);
    ck_assert_uint_eq(wrk_store_bytes(s), 0);

    /* cleared (a new session) while pinned, then placed again under the same key */
    wrk_store_put(s, "d", DSK_DATA_DATASET, malloc(1), s_destroy, 10, NULL);
    wrk_pin_t *old, *fresh;
    ck_assert_int_eq(wrk_store_pin(s, "d", DSK_DATA_DATASET, &old, NULL), DSK_OK);
    wrk_store_clear(s);
    wrk_store_put(s, "d", DSK_DATA_DATASET, malloc(1), s_destroy, 10, NULL);
    ck_assert_int_eq(wrk_store_pin(s, "d", DSK_DATA_DATASET, &fresh, NULL), DSK_OK);
    ck_assert_ptr_ne(old, fresh);
    wrk_store_unpin(s, old); /* the old entry goes; the new one keeps its pin */
    ck_assert_int_eq(s_destroyed, 3);
    wrk_store_free(s, "d");
    ck_assert_int_eq(s_destroyed, 3);
    wrk_store_unpin(s, fresh);
    ck_assert_int_eq(s_destroyed, 4);
    wrk_store_destroy(&s);
}
END_TEST

/* What the bookkeeping sent, and the tasks it handed over. */
static dsk_msg_t s_sent[8];
static int s_nsent;
static wrk_task_t *s_tasks[8];
static int s_ntasks;

static void s_send(void *arg, const dsk_msg_t *msg)
{
    if (s_nsent < 8)
        s_sent[s_nsent++] = *msg; /* only scalars and strings are read back */
}

static void s_submit(void *arg, wrk_task_t *task)
{
    s_tasks[s_ntasks++] = task;
}

static int s_no_unpack(const void *buf, size_t len, job_output_t *out, char *err)
{
    return dsk_seterr(err, DSK_EPROTO, "no outputs here");
}

static const wrk_runner_t s_runner = {s_submit, s_no_unpack};

static dsk_msg_t s_task(uint64_t id, const char *data, const char *job, const char *input)
{
    dsk_msg_t m = {.type = DSK_MSG_TASK};
    m.u.task.task_id = id;
    m.u.task.kind = DSK_TASK_SCORE;
    snprintf(m.u.task.data_key, sizeof m.u.task.data_key, "%s", data);
    snprintf(m.u.task.job_key, sizeof m.u.task.job_key, "%s", job);
    snprintf(m.u.task.input_key, sizeof m.u.task.input_key, "%s", input);
    snprintf(m.u.task.key, sizeof m.u.task.key, "out");
    m.u.task.spec.data = malloc(4);
    m.u.task.spec.len = 4;
    return m;
}

START_TEST(test_task_needs_every_input)
{
    s_nsent = s_ntasks = 0;
    wrk_tasks_t *t = wrk_tasks_new(&s_runner, NULL, s_send, NULL);
    wrk_tasks_reset(t, 7);
    dsk_msg_t m = s_task(1, "", "job1", "");
    ck_assert_int_eq(wrk_tasks_on_message(t, &m), 1);
    dsk_msg_clear(&m);
    ck_assert_int_eq(s_nsent, 1);
    ck_assert_int_eq(s_sent[0].u.task_done.code, DSK_ENOTFOUND);
    ck_assert_uint_eq(s_sent[0].u.task_done.worker_id, 7);
    ck_assert_str_eq(s_sent[0].u.task_done.error, "the job job1 is not held by this worker");

    m = s_task(2, "data1", "", "");
    m.u.task.kind = 99;
    wrk_tasks_on_message(t, &m);
    dsk_msg_clear(&m);
    ck_assert_int_eq(s_sent[1].u.task_done.code, DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(s_sent[1].u.task_done.error, "unknown kind"));
    ck_assert_int_eq(s_ntasks, 0);
    wrk_tasks_destroy(&t);
}
END_TEST

/* A task handed over in one session and finished in the next: no output kept, no answer. */
START_TEST(test_old_session_task_is_silent)
{
    s_nsent = s_ntasks = 0;
    wrk_tasks_t *t = wrk_tasks_new(&s_runner, NULL, s_send, NULL);
    wrk_tasks_reset(t, 1);
    dsk_msg_t m = {.type = DSK_MSG_TASK};
    m.u.task.task_id = 5;
    m.u.task.kind = DSK_TASK_NOOP;
    snprintf(m.u.task.key, sizeof m.u.task.key, "noop");
    wrk_tasks_on_message(t, &m);
    ck_assert_int_eq(s_ntasks, 1);
    ck_assert_int_eq(wrk_tasks_outstanding(t), 1);
    ck_assert_int_eq(wrk_tasks_stale(t), 0);
    wrk_tasks_reset(t, 2); /* a new WELCOME */
    ck_assert_int_eq(wrk_tasks_stale(t), 1);
    wrk_tasks_finish(t, s_tasks[0]);
    ck_assert_int_eq(s_nsent, 0);
    ck_assert_int_eq(wrk_tasks_outstanding(t), 0);
    ck_assert_int_eq(wrk_tasks_stale(t), 0);
    /* one of this session answers, with this session's id */
    wrk_tasks_on_message(t, &m);
    wrk_tasks_finish(t, s_tasks[1]);
    ck_assert_int_eq(s_nsent, 1);
    ck_assert_uint_eq(s_sent[0].u.task_done.worker_id, 2);
    ck_assert_int_eq(s_sent[0].u.task_done.code, 0);
    wrk_tasks_destroy(&t);
}
END_TEST

Suite *dsk_wrk_tasks_suite(void);

Suite *dsk_wrk_tasks_suite(void)
{
    Suite *s = suite_create("wrk_tasks");
    TCase *tc = tcase_create("bookkeeping");
    tcase_add_test(tc, test_store_refs_and_pins);
    tcase_add_test(tc, test_task_needs_every_input);
    tcase_add_test(tc, test_old_session_task_is_silent);
    suite_add_tcase(s, tc);
    return s;
}
