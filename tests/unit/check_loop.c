/* check_loop.c — the poll loop: timers, readers, signals. */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <zmq.h>

#include "dsk_clock.h"
#include "dsk_loop.h"

static int s_fired[8];
static int64_t s_cancel_id;

static int64_t s_count_to_3(dsk_loop_t *loop, int64_t id, void *arg)
{
    int *n = arg;
    if (++*n == 3) {
        dsk_loop_stop(loop);
        return DSK_LOOP_TIMER_DONE;
    }
    return 10;
}

START_TEST(test_periodic_timer_rearms)
{
    dsk_loop_t *loop = dsk_loop_new();
    int n = 0;
    int64_t t0 = dsk_clock_mono_ms();
    dsk_loop_add_timer(loop, 10, s_count_to_3, &n);
    ck_assert_int_eq(dsk_loop_run(loop), 0);
    ck_assert_int_eq(n, 3);
    ck_assert_int_ge(dsk_clock_mono_ms() - t0, 28);
    dsk_loop_destroy(&loop);
    ck_assert_ptr_null(loop);
}
END_TEST

static int64_t s_mark(dsk_loop_t *loop, int64_t id, void *arg)
{
    s_fired[(intptr_t)arg]++;
    return DSK_LOOP_TIMER_DONE;
}

static int64_t s_cancel_other(dsk_loop_t *loop, int64_t id, void *arg)
{
    dsk_loop_cancel_timer(loop, s_cancel_id);
    s_fired[0]++;
    return DSK_LOOP_TIMER_DONE;
}

static int64_t s_stop(dsk_loop_t *loop, int64_t id, void *arg)
{
    dsk_loop_stop(loop);
    return DSK_LOOP_TIMER_DONE;
}

/* A timer cancelled by another that fires first never runs; order follows due time. */
START_TEST(test_cancel_from_callback)
{
    dsk_loop_t *loop = dsk_loop_new();
    memset(s_fired, 0, sizeof s_fired);
    dsk_loop_add_timer(loop, 5, s_cancel_other, NULL);
    s_cancel_id = dsk_loop_add_timer(loop, 30, s_mark, (void *)(intptr_t)1);
    dsk_loop_add_timer(loop, 40, s_mark, (void *)(intptr_t)2);
    dsk_loop_add_timer(loop, 80, s_stop, NULL);
    dsk_loop_run(loop);
    ck_assert_int_eq(s_fired[0], 1);
    ck_assert_int_eq(s_fired[1], 0);
    ck_assert_int_eq(s_fired[2], 1);
    dsk_loop_destroy(&loop);
}
END_TEST

static void s_on_readable(dsk_loop_t *loop, void *socket, int fd, void *arg)
{
    char buf[16];
    int *got = arg;
    while (zmq_recv(socket, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        ++*got;
    if (*got >= 3)
        dsk_loop_stop(loop);
}

START_TEST(test_zmq_reader)
{
    void *ctx = zmq_ctx_new();
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    ck_assert_int_eq(zmq_bind(a, "inproc://loop-test"), 0);
    ck_assert_int_eq(zmq_connect(b, "inproc://loop-test"), 0);
    dsk_loop_t *loop = dsk_loop_new();
    int got = 0;
    dsk_loop_add_reader(loop, a, -1, s_on_readable, &got);
    dsk_loop_add_timer(loop, 2000, s_stop, NULL); /* safety net */
    for (int i = 0; i < 3; i++)
        zmq_send(b, "x", 1, 0);
    dsk_loop_run(loop);
    ck_assert_int_eq(got, 3);
    dsk_loop_destroy(&loop);
    zmq_close(a);
    zmq_close(b);
    zmq_ctx_term(ctx);
}
END_TEST

static int64_t s_raise_term(dsk_loop_t *loop, int64_t id, void *arg)
{
    raise(SIGTERM);
    return 5000; /* the loop must stop long before this fires again */
}

/* SIGTERM stops the loop cleanly instead of killing the process. */
START_TEST(test_signal_stops_loop)
{
    dsk_loop_t *loop = dsk_loop_new();
    ck_assert_int_eq(dsk_loop_catch_signals(loop), 0);
    dsk_loop_add_timer(loop, 10, s_raise_term, NULL);
    int64_t t0 = dsk_clock_mono_ms();
    ck_assert_int_eq(dsk_loop_run(loop), 0);
    ck_assert_int_eq(dsk_loop_signal(loop), SIGTERM);
    ck_assert_int_lt(dsk_clock_mono_ms() - t0, 1000);
    dsk_loop_destroy(&loop);
}
END_TEST

Suite *dsk_loop_suite(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_periodic_timer_rearms);
    tcase_add_test(tc, test_cancel_from_callback);
    tcase_add_test(tc, test_zmq_reader);
    tcase_add_test(tc, test_signal_stops_loop);
    suite_add_tcase(s, tc);
    return s;
}
