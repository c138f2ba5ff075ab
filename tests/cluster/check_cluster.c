/*
 * check_cluster.c — the foundation's cluster suite: a real dskd-scheduler
 * and real dskd-workers on loopback, queried through the real dsk-submit.
 *
 * Timing bounds here are the protocol's contract (register within 2 s,
 * dead after 3 silent heartbeats), not performance targets.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster_util.h"

static char s_ep[64];

static pid_t s_start_scheduler(const char *endpoint, const char *log)
{
    const char *args[] = {"--listen", endpoint, "--log-level", "debug", NULL};
    return cu_spawn("dskd-scheduler", log, args);
}

static pid_t s_start_worker(const char *endpoint, const char *name, const char *log)
{
    const char *args[] = {"--scheduler", endpoint, "--name", name, "--nthreads", "2",
                          "--memory-limit", "1GiB", "--log-level", "debug", NULL};
    return cu_spawn("dskd-worker", log, args);
}

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

/* The name of the i-th worker in a status document ("" if absent). */
static const char *s_worker_name(json_t *st, size_t i)
{
    json_t *w = json_array_get(json_object_get(st, "workers"), i);
    const char *name = json_string_value(json_object_get(w, "name"));
    return name ? name : "";
}

START_TEST(test_three_workers_then_kill9)
{
    cu_endpoint(s_ep, sizeof s_ep);
    s_start_scheduler(s_ep, "scheduler.log");
    CU_ASSERT(cu_wait_workers(s_ep, 0, 3000) >= 0, "scheduler did not answer status");

    pid_t w1 = s_start_worker(s_ep, "w1", "w1.log");
    s_start_worker(s_ep, "w2", "w2.log");
    s_start_worker(s_ep, "w3", "w3.log");
    int64_t took = cu_wait_workers(s_ep, 3, 2000);
    CU_ASSERT(took >= 0, "3 workers not shown within 2 s");

    json_t *st = cu_status(s_ep);
    CU_ASSERT(st != NULL, "status failed");
    json_t *w = json_array_get(json_object_get(st, "workers"), 0);
    CU_ASSERT(json_integer_value(json_object_get(w, "nthreads")) == 2, "nthreads not reported");
    CU_ASSERT(json_integer_value(json_object_get(w, "memory_limit")) == 1073741824,
              "memory limit not reported");
    CU_ASSERT(json_integer_value(json_object_get(w, "memory_used")) >= 0, "no memory_used");
    CU_ASSERT(strstr(json_string_value(json_object_get(w, "address")), "127.0.0.1") != NULL,
              "peer address not reported");
    json_decref(st);

    kill(w1, SIGKILL);
    took = cu_wait_workers(s_ep, 2, 4000);
    CU_ASSERT(took >= 0, "killed worker still shown after 4 s");
    st = cu_status(s_ep);
    const char *a = s_worker_name(st, 0), *b = s_worker_name(st, 1);
    CU_ASSERT((strcmp(a, "w2") == 0 && strcmp(b, "w3") == 0) ||
                  (strcmp(a, "w3") == 0 && strcmp(b, "w2") == 0),
              "the survivors are %s and %s, not w2 and w3", a, b);
    json_decref(st);
}
END_TEST

/*
 * A stopped worker is declared dead; once continued it comes back under the
 * same name exactly once, and stays registered.
 */
START_TEST(test_sigstop_sigcont)
{
    cu_endpoint(s_ep, sizeof s_ep);
    s_start_scheduler(s_ep, "scheduler.log");
    pid_t w1 = s_start_worker(s_ep, "w1", "w1.log");
    s_start_worker(s_ep, "w2", "w2.log");
    s_start_worker(s_ep, "w3", "w3.log");
    CU_ASSERT(cu_wait_workers(s_ep, 3, 3000) >= 0, "workers did not register");

    kill(w1, SIGSTOP);
    CU_ASSERT(cu_wait_workers(s_ep, 2, 4500) >= 0, "stopped worker not declared dead");
    cu_sleep_ms(1000); /* let the scheduler's heartbeats to the dead peer pile up */
    kill(w1, SIGCONT);
    CU_ASSERT(cu_wait_workers(s_ep, 3, 8000) >= 0, "continued worker did not re-register");

    /* stable for 3 heartbeats: no duplicate, no flapping, names unique */
    for (int i = 0; i < 6; i++) {
        json_t *st = cu_status(s_ep);
        CU_ASSERT(st != NULL, "status failed");
        CU_ASSERT(json_array_size(json_object_get(st, "workers")) == 3,
                  "expected 3 workers after re-registration");
        for (int a = 0; a < 3; a++)
            for (int b = a + 1; b < 3; b++)
                CU_ASSERT(strcmp(s_worker_name(st, a), s_worker_name(st, b)) != 0,
                          "a worker is listed twice");
        json_decref(st);
        cu_sleep_ms(500);
    }
}
END_TEST

/* SIGTERM: the worker says goodbye (gone at once, not after 3 s) and both exit 0. */
START_TEST(test_sigterm_clean_shutdown)
{
    cu_endpoint(s_ep, sizeof s_ep);
    pid_t sch = s_start_scheduler(s_ep, "scheduler.log");
    pid_t w1 = s_start_worker(s_ep, "w1", "w1.log");
    CU_ASSERT(cu_wait_workers(s_ep, 1, 3000) >= 0, "worker did not register");
    cu_sleep_ms(200);
    kill(w1, SIGTERM);
    int status = cu_wait_exit(w1, 3000);
    CU_ASSERT(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "worker did not exit 0 on SIGTERM");
    CU_ASSERT(cu_wait_workers(s_ep, 0, 1000) >= 0, "worker's goodbye not seen at once");
    kill(sch, SIGINT);
    status = cu_wait_exit(sch, 3000);
    CU_ASSERT(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "scheduler did not exit 0 on SIGINT");
}
END_TEST

/* A worker started before its scheduler, and one whose scheduler restarts. */
START_TEST(test_scheduler_late_and_restart)
{
    cu_endpoint(s_ep, sizeof s_ep);
    s_start_worker(s_ep, "w1", "w1.log");
    cu_sleep_ms(1500);
    pid_t sch = s_start_scheduler(s_ep, "scheduler.log");
    CU_ASSERT(cu_wait_workers(s_ep, 1, 8000) >= 0, "worker did not find a late scheduler");

    kill(sch, SIGKILL);
    cu_wait_exit(sch, 2000);
    s_start_scheduler(s_ep, "scheduler2.log");
    CU_ASSERT(cu_wait_workers(s_ep, 1, 8000) >= 0,
              "worker did not re-register with the restarted scheduler");
}
END_TEST

/* Two live workers cannot share a name; the second is refused and says so. */
START_TEST(test_duplicate_name_refused)
{
    char log[8192];
    cu_endpoint(s_ep, sizeof s_ep);
    s_start_scheduler(s_ep, "scheduler.log");
    s_start_worker(s_ep, "same", "a.log");
    CU_ASSERT(cu_wait_workers(s_ep, 1, 3000) >= 0, "first worker did not register");
    s_start_worker(s_ep, "same", "b.log");
    cu_sleep_ms(1500);
    CU_ASSERT(cu_worker_count(s_ep) == 1, "two workers registered under one name");
    CU_ASSERT(strstr(cu_read_log("b.log", log, sizeof log), "is taken") != NULL,
              "the refused worker does not say why");
}
END_TEST

START_TEST(test_status_unreachable_exits_3)
{
    char err[1024];
    cu_endpoint(s_ep, sizeof s_ep); /* nothing listens there */
    const char *args[] = {"--timeout", "0.5", "status", NULL};
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    ck_assert_int_eq(rc, 3);
    ck_assert_ptr_nonnull(strstr(err, "no answer from the scheduler"));
    CU_ASSERT(strstr(err, "connection refused by 127.0.0.1:") != NULL,
              "dsk-submit does not say the connection was refused: %s", err);
}
END_TEST

/* A worker whose scheduler's name does not resolve says so, not only that it is silent. */
START_TEST(test_unresolvable_scheduler_named)
{
    char log[16384];
    const char *args[] = {"--scheduler", "tcp://no-such-host.invalid:8786", "--name", "lost",
                          "--heartbeat-interval", "100ms", NULL};
    cu_spawn("dskd-worker", "w.log", args);
    const char *said = NULL;
    for (int waited = 0; waited < 8000 && !said; waited += 200) {
        cu_sleep_ms(200);
        said = strstr(cu_read_log("w.log", log, sizeof log), "cannot resolve 'no-such-host.invalid'");
    }
    CU_ASSERT(said != NULL, "the worker does not say the name does not resolve:\n%s", log);
}
END_TEST

START_TEST(test_status_table)
{
    char out[8192];
    cu_endpoint(s_ep, sizeof s_ep);
    s_start_scheduler(s_ep, "scheduler.log");
    s_start_worker(s_ep, "alpha", "w1.log");
    CU_ASSERT(cu_wait_workers(s_ep, 1, 3000) >= 0, "worker did not register");
    const char *args[] = {"status", NULL};
    CU_ASSERT(cu_submit(s_ep, out, sizeof out, NULL, 0, args) == 0, "status failed");
    CU_ASSERT(strstr(out, "NAME") && strstr(out, "alpha") && strstr(out, "1 worker,"),
              "unexpected table:\n%s", out);
}
END_TEST

/* Bad flags and config files: exit 2 and a message naming the culprit. */
START_TEST(test_bad_config_exits_2)
{
    char path[512], log[4096];
    snprintf(path, sizeof path, "%s/bad.conf", cu_tmpdir());
    FILE *f = fopen(path, "w");
    fprintf(f, "# a comment\nscheduler tcp://127.0.0.1:1\nnthraeds 4\n");
    fclose(f);
    const char *args1[] = {"--config", path, NULL};
    pid_t p = cu_spawn("dskd-worker", "bad1.log", args1);
    int status = cu_wait_exit(p, 3000);
    CU_ASSERT(status >= 0 && WEXITSTATUS(status) == 2, "bad config file did not exit 2");
    CU_ASSERT(strstr(cu_read_log("bad1.log", log, sizeof log), "bad.conf:3") != NULL,
              "error does not name file:line: %s", log);

    const char *args2[] = {"--nthreads", "-3", NULL};
    p = cu_spawn("dskd-worker", "bad2.log", args2);
    status = cu_wait_exit(p, 3000);
    CU_ASSERT(status >= 0 && WEXITSTATUS(status) == 2, "bad flag did not exit 2");
    CU_ASSERT(strstr(cu_read_log("bad2.log", log, sizeof log), "--nthreads") != NULL,
              "error does not name the flag: %s", log);
}
END_TEST


/*
 * Both daemons under valgrind through a whole life: register, heartbeats,
 * status, a worker's goodbye, SIGTERM. memcheck errors or definite leaks
 * make valgrind exit 99 instead of the daemon's 0.
 */
START_TEST(test_daemons_valgrind_clean)
{
    ck_assert_msg(system("valgrind --version >/dev/null 2>&1") == 0,
                  "valgrind is not installed (make deps installs it)");
    cu_endpoint(s_ep, sizeof s_ep);
    const char *sargs[] = {"--listen", s_ep, NULL};
    pid_t sch = cu_spawn_valgrind("dskd-scheduler", "scheduler.log", sargs);
    const char *wargs[] = {"--scheduler", s_ep, "--name", "vg", NULL};
    pid_t w = cu_spawn_valgrind("dskd-worker", "worker.log", wargs);
    CU_ASSERT(cu_wait_workers(s_ep, 1, 20000) >= 0, "worker under valgrind did not register");
    cu_sleep_ms(2500); /* a few heartbeats both ways */
    CU_ASSERT(cu_worker_count(s_ep) == 1, "status failed under valgrind");
    /* jobs through both: empty tasks, and a small search (its data, job, tasks and frees)
       on 24 rows, so that a fit under valgrind stays short */
    char job[512], csv[512], err[4096] = "";
    snprintf(csv, sizeof csv, "%s/vg.csv", cu_tmpdir());
    FILE *f = fopen(csv, "w");
    for (int i = 0; i < 24; i++)
        fprintf(f, "%d,%d,%d\n", i % 5, (i * 7) % 3 + (i % 2) * 4, i % 2);
    fclose(f);
    snprintf(job, sizeof job, "%s/vg.json", cu_tmpdir());
    f = fopen(job, "w");
    fprintf(f, "{\"data\": {\"loader\": \"csv\", \"path\": \"%s\"}, \"pipeline\": "
               "[[\"svc\", \"SVC\", {}]], \"search\": {\"param_grid\": {\"svc__C\": [1.0, 10]}, "
               "\"cv\": 2, \"refit\": true}}\n", csv);
    fclose(f);
    const char *noop[] = {"--timeout", "60", "noop", "200", NULL};
    CU_ASSERT(cu_submit(s_ep, NULL, 0, err, sizeof err, noop) == 0, "noop under valgrind: %s",
              err);
    const char *search[] = {"--timeout", "60", "search", job, "--quiet", NULL};
    CU_ASSERT(cu_submit(s_ep, NULL, 0, err, sizeof err, search) == 0,
              "a search under valgrind: %s", err);
    kill(w, SIGTERM);
    int status = cu_wait_exit(w, 20000);
    CU_ASSERT(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "worker under valgrind: exit status %d", status);
    kill(sch, SIGTERM);
    status = cu_wait_exit(sch, 20000);
    CU_ASSERT(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "scheduler under valgrind: exit status %d", status);
}
END_TEST

/*
 * With no scheduler, the worker's reconnects back off 1 s, 2 s, 4 s ...
 * (a short heartbeat makes each silence last 0.3 s, so this takes ~8 s).
 */
START_TEST(test_reconnect_backoff_doubles)
{
    char log[16384];
    cu_endpoint(s_ep, sizeof s_ep); /* nothing listens there */
    const char *args[] = {"--scheduler", s_ep, "--name", "lonely",
                          "--heartbeat-interval", "100ms", NULL};
    cu_spawn("dskd-worker", "w.log", args);
    cu_sleep_ms(8700);
    cu_read_log("w.log", log, sizeof log);
    const char *one = strstr(log, "reconnecting in 1 s");
    const char *two = one ? strstr(one, "reconnecting in 2 s") : NULL;
    const char *four = two ? strstr(two, "reconnecting in 4 s") : NULL;
    CU_ASSERT(one && two && four, "no 1 s, 2 s, 4 s back-off in the worker's log:\n%s", log);
    CU_ASSERT(strstr(log, "connection refused by 127.0.0.1:") != NULL,
              "the worker does not say the connection was refused:\n%s", log);
}
END_TEST

Suite *cluster_suite(void);
Suite *garbage_suite(void);

Suite *cluster_suite(void)
{
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("membership");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_three_workers_then_kill9);
    tcase_add_test(tc, test_sigstop_sigcont);
    tcase_add_test(tc, test_sigterm_clean_shutdown);
    tcase_add_test(tc, test_scheduler_late_and_restart);
    tcase_add_test(tc, test_duplicate_name_refused);
    tcase_add_test(tc, test_status_unreachable_exits_3);
    tcase_add_test(tc, test_unresolvable_scheduler_named);
    tcase_add_test(tc, test_status_table);
    tcase_add_test(tc, test_bad_config_exits_2);
    tcase_add_test(tc, test_reconnect_backoff_doubles);
    suite_add_tcase(s, tc);
    TCase *vg = tcase_create("valgrind");
    tcase_add_checked_fixture(vg, NULL, teardown);
    tcase_set_timeout(vg, 180);
    tcase_add_test(vg, test_daemons_valgrind_clean);
    suite_add_tcase(s, vg);
    return s;
}

Suite *dsk_cluster_jobs_suite(void);
Suite *dsk_cluster_outputs_suite(void);
Suite *dsk_cluster_cv_suite(void);
Suite *dsk_cluster_faults_suite(void);
Suite *dsk_cluster_search_parity_suite(void);
Suite *dsk_cluster_predict_inputs_suite(void);
Suite *dsk_cluster_security_suite(void);
Suite *dsk_cluster_journal_suite(void);
Suite *dsk_cluster_memory_suite(void);
Suite *dsk_cluster_dashboard_suite(void);

int main(void)
{
    /* a directory the suites share for this run (check_faults.c keeps a reference there) */
    char run[] = "/tmp/dsk-cluster-run-XXXXXX";
    if (!mkdtemp(run))
        return 1;
    setenv("DSK_CLUSTER_RUN", run, 1);
    SRunner *sr = srunner_create(cluster_suite());
    srunner_add_suite(sr, garbage_suite());
    srunner_add_suite(sr, dsk_cluster_jobs_suite());
    srunner_add_suite(sr, dsk_cluster_outputs_suite());
    srunner_add_suite(sr, dsk_cluster_cv_suite());
    srunner_add_suite(sr, dsk_cluster_faults_suite());
    srunner_add_suite(sr, dsk_cluster_search_parity_suite());
    srunner_add_suite(sr, dsk_cluster_predict_inputs_suite());
    srunner_add_suite(sr, dsk_cluster_security_suite());
    srunner_add_suite(sr, dsk_cluster_journal_suite());
    srunner_add_suite(sr, dsk_cluster_memory_suite());
    srunner_add_suite(sr, dsk_cluster_dashboard_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    char ref[sizeof run + 64];
    snprintf(ref, sizeof ref, "%s/news20_grid16_2workers.json", run);
    unlink(ref);
    rmdir(run);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
