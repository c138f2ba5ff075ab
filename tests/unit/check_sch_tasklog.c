/*
 * check_sch_tasklog.c — a job's task log (scheduler/sch_tasklog.h): entries
 * come back in order after any sequence number, past SCH_TASKLOG_MAX the
 * oldest go and the count of those dropped says so, a page is cut at max,
 * workers are named once, and the last SCH_TASKLOG_ERRORS failures are kept
 * with their worker, attempt and error, oldest first.
 */
#include <check.h>
#include <stdio.h>

#include "sch_tasklog.h"

static json_int_t s_seq(json_t *tasks, size_t i)
{
    return json_integer_value(json_array_get(json_array_get(tasks, i), 0));
}

START_TEST(test_in_order_after_since)
{
    sch_tasklog_t *log = sch_tasklog_new();
    json_t *o = sch_tasklog_json(log, 0, 100);
    ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")), 0);
    json_decref(o);
    for (int i = 0; i < 10; i++)
        sch_tasklog_add(log, i, i % 2 ? "score" : "stage", i % 3 ? "w1" : "w2", i * 10,
                        i * 10 + 5, 1, 1, "");
    ck_assert_uint_eq(sch_tasklog_last(log), 10);
    o = sch_tasklog_json(log, 4, 100);
    json_t *tasks = json_object_get(o, "tasks");
    ck_assert_uint_eq(json_array_size(tasks), 6);
    ck_assert_int_eq(s_seq(tasks, 0), 5);
    ck_assert_int_eq(s_seq(tasks, 5), 10);
    json_t *first = json_array_get(tasks, 0); /* task 4: stage on w1, 40..45 */
    ck_assert_str_eq(json_string_value(json_array_get(first, 2)), "stage");
    json_t *names = json_object_get(o, "workers");
    ck_assert_uint_eq(json_array_size(names), 2);
    ck_assert_str_eq(json_string_value(json_array_get(
                         names, (size_t)json_integer_value(json_array_get(first, 1)))), "w1");
    ck_assert_int_eq(json_integer_value(json_array_get(first, 3)), 40);
    ck_assert_int_eq(json_integer_value(json_array_get(first, 4)), 45);
    json_decref(o);
    o = sch_tasklog_json(log, 2, 3); /* a page of 3 */
    ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")), 3);
    ck_assert_int_eq(s_seq(json_object_get(o, "tasks"), 2), 5);
    json_decref(o);
    o = sch_tasklog_json(log, 10, 100);
    ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")), 0);
    json_decref(o);
    sch_tasklog_destroy(&log);
    ck_assert_ptr_null(log);
}
END_TEST

START_TEST(test_bounded)
{
    sch_tasklog_t *log = sch_tasklog_new();
    int64_t n = SCH_TASKLOG_MAX + 1234;
    for (int64_t i = 0; i < n; i++)
        sch_tasklog_add(log, i, "score", "w1", i, i + 1, 1, 1, "");
    ck_assert_uint_eq(sch_tasklog_last(log), (uint64_t)n);
    ck_assert_uint_eq(sch_tasklog_dropped(log), 1234);
    /* asking from the start gives the oldest kept, in order, across the ring's seam */
    json_t *o = sch_tasklog_json(log, 0, SCH_TASKLOG_MAX + 10);
    json_t *tasks = json_object_get(o, "tasks");
    ck_assert_uint_eq(json_array_size(tasks), SCH_TASKLOG_MAX);
    for (size_t i = 0; i < json_array_size(tasks); i++)
        ck_assert_int_eq(s_seq(tasks, i), 1235 + (json_int_t)i);
    json_decref(o);
    o = sch_tasklog_json(log, (uint64_t)n - 2, 10);
    ck_assert_uint_eq(json_array_size(json_object_get(o, "tasks")), 2);
    ck_assert_int_eq(s_seq(json_object_get(o, "tasks"), 1), n);
    json_decref(o);
    sch_tasklog_destroy(&log);
}
END_TEST

START_TEST(test_errors_kept)
{
    sch_tasklog_t *log = sch_tasklog_new();
    for (int i = 0; i < SCH_TASKLOG_ERRORS + 5; i++) {
        char why[32];
        snprintf(why, sizeof why, "boom %d", i);
        sch_tasklog_add(log, i, "prefix", i % 2 ? "w2" : "w1", 0, 1, 0, 2, why);
        sch_tasklog_add(log, i, "score", "w1", 0, 1, 1, 1, "");
    }
    json_t *e = sch_tasklog_errors_json(log);
    ck_assert_uint_eq(json_array_size(e), SCH_TASKLOG_ERRORS);
    json_t *oldest = json_array_get(e, 0);
    ck_assert_str_eq(json_string_value(json_object_get(oldest, "error")), "boom 5");
    ck_assert_str_eq(json_string_value(json_object_get(oldest, "worker")), "w2");
    ck_assert_int_eq(json_integer_value(json_object_get(oldest, "attempt")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(oldest, "task")), 5);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(e, SCH_TASKLOG_ERRORS - 1),
                                                       "error")), "boom 36");
    json_decref(e);
    sch_tasklog_destroy(&log);
}
END_TEST

Suite *dsk_sch_tasklog_suite(void);

Suite *dsk_sch_tasklog_suite(void)
{
    Suite *s = suite_create("sch_tasklog");
    TCase *tc = tcase_create("tasklog");
    tcase_add_test(tc, test_in_order_after_since);
    tcase_add_test(tc, test_bounded);
    tcase_add_test(tc, test_errors_kept);
    suite_add_tcase(s, tc);
    return s;
}
