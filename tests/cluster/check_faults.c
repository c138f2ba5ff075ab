/*
 * check_faults.c — the scheduler on other cluster shapes and under real
 * faults: real dskd-scheduler and dskd-worker processes on loopback, real
 * kill -9, SIGSTOP and a worker whose task threads hang
 * (DSK_FAULT=hang-tasks) while it heartbeats, a scheduler restarted under
 * its workers, and finished jobs dropped after their time. Each search's
 * answers are compared with a fault-free run's, score for score.
 *
 * The 20-category grid's fault-free answer (2 workers) is computed once
 * per run of the suite and kept in the run's directory
 * ($DSK_CLUSTER_RUN) for the tests that compare with it.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster_util.h"
#include "job_file.h"
#include "ml_load.h"
#include "job_local.h"
#include "job_plan.h"

static char s_ep[64];

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

/* Writes text as the job file name in the test's directory; returns its path. */
static const char *s_job_file(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", cu_tmpdir(), name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The 20-category grid of examples/news20_grid16.json with SGDClassifier(random_state=0). */
static const char *s_grid16(char *path, size_t len)
{
    return s_job_file("news20_grid16.json",
                      "{\"data\": {\"loader\": \"20newsgroups\", \"subset\": \"train\"},\n"
                      " \"pipeline\": [[\"vect\", \"CountVectorizer\", {}], [\"tfidf\", "
                      "\"TfidfTransformer\", {}], [\"clf\", \"SGDClassifier\", {\"max_iter\": 1000, "
                      "\"random_state\": 0}]],\n"
                      " \"search\": {\"param_grid\": {\"vect__max_df\": [0.5, 1.0], "
                      "\"vect__ngram_range\": [[1, 1], [1, 2]], \"clf__alpha\": [1e-5, 1e-6], "
                      "\"clf__penalty\": [\"l2\", \"elasticnet\"]}, \"cv\": 3, \"refit\": false}}\n",
                      path, len);
}

/* The two-category corpus, bigrams, slow fits: a search of a few seconds. */
static const char *s_mid_job(char *path, size_t len)
{
    return s_job_file("mid.json",
                      "{\"data\": {\"loader\": \"20newsgroups\", \"subset\": \"train\", "
                      "\"categories\": [\"alt.atheism\", \"talk.religion.misc\"]}, \"pipeline\": "
                      "[[\"vect\", \"CountVectorizer\", {\"ngram_range\": [1, 2]}], [\"tfidf\", "
                      "\"TfidfTransformer\", {}], [\"clf\", \"SGDClassifier\", {\"random_state\": 0, "
                      "\"max_iter\": 200, \"tol\": null}]], \"search\": {\"param_grid\": "
                      "{\"vect__max_df\": [1.0, 0.8, 0.6], \"clf__alpha\": [1e-4, 1e-5, 1e-6, "
                      "1e-7]}, \"cv\": 3, \"refit\": false}}\n",
                      path, len);
}

/* Runs dsk-submit search JOB --out OUT to its end; returns the result. */
static json_t *s_search(const char *job, const char *out)
{
    const char *args[] = {"search", job, "--out", out, "--quiet", NULL};
    char err[4096] = "";
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 0, "dsk-submit search %s exited %d: %s", job, rc, err);
    return cu_load_json(out);
}

static void s_assert_same(const json_t *got, const json_t *want, const char *what)
{
    char why[256];
    CU_ASSERT(cu_same_scores(got, want, why, sizeof why), "%s: %s", what, why);
}

/*
 * The 20-category grid's fault-free answer: from the run's directory, or
 * computed now on a fresh 2-worker cluster and kept there.
 */
static json_t *s_grid16_reference(void)
{
    const char *run = getenv("DSK_CLUSTER_RUN");
    char ref[512], job[512];
    snprintf(ref, sizeof ref, "%s/news20_grid16_2workers.json", run ? run : cu_tmpdir());
    struct stat st;
    if (stat(ref, &st) == 0)
        return cu_load_json(ref);
    CU_ASSERT(cu_start_cluster(s_ep, 2, 1, NULL, NULL) > 0, "2 workers did not register");
    json_t *r = s_search(s_grid16(job, sizeof job), ref);
    cu_kill_all();
    return r;
}

/*
 * The 20-category grid on n workers (one thread each; 3, 4 and 8 are more
 * workers than this machine's 2 cores) gives the scores of 2 workers.
 */
static void s_grid16_on(int n)
{
    json_t *ref = s_grid16_reference();
    char job[512], out[512], what[64];
    int64_t t0 = cu_now_ms();
    CU_ASSERT(cu_start_cluster(s_ep, n, 1, NULL, NULL) > 0, "%d workers did not register", n);
    snprintf(out, sizeof out, "%s/grid16_%d.json", cu_tmpdir(), n);
    json_t *r = s_search(s_grid16(job, sizeof job), out);
    snprintf(what, sizeof what, "%d workers", n);
    s_assert_same(r, ref, what);
    fprintf(stderr, "  news20_grid16 on %d workers: %.1f s, the scores of 2 workers\n", n,
            (double)(cu_now_ms() - t0) / 1000.0);
    json_decref(r);
    json_decref(ref);
}

START_TEST(test_grid16_on_1_worker) { s_grid16_on(1); }
END_TEST

START_TEST(test_grid16_on_3_workers) { s_grid16_on(3); }
END_TEST

START_TEST(test_grid16_on_4_workers) { s_grid16_on(4); }
END_TEST

START_TEST(test_grid16_on_8_workers) { s_grid16_on(8); }
END_TEST

/* The worker that finished the most tasks of a kind, from the scheduler's debug log. */
static int s_busiest(const char *kind)
{
    static char log[1 << 22];
    cu_read_log("scheduler.log", log, sizeof log);
    int count[9] = {0};
    char needle[64];
    snprintf(needle, sizeof needle, "(%s) done on 'w", kind);
    for (const char *p = strstr(log, needle); p; p = strstr(p + 1, needle)) {
        int w = p[strlen(needle)] - '0';
        if (w >= 1 && w <= 8)
            count[w]++;
    }
    int best = 0;
    for (int w = 1; w <= 8; w++)
        if (count[w] > count[best])
            best = w;
    return best;
}

/* The worker named right after the first `needle` in the scheduler's log ('w' and a digit). */
static int s_first_worker(const char *needle)
{
    static char log[1 << 22];
    cu_read_log("scheduler.log", log, sizeof log);
    const char *p = strstr(log, needle);
    return p ? p[strlen(needle)] - '0' : 0;
}

/* How often what appears in the scheduler's log. */
static int s_count(const char *what)
{
    static char log[1 << 22];
    cu_read_log("scheduler.log", log, sizeof log);
    int n = 0;
    for (const char *p = strstr(log, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static int s_log_has(const char *log_name, const char *what)
{
    static char log[1 << 22];
    cu_read_log(log_name, log, sizeof log);
    return strstr(log, what) != NULL;
}

/*
 * kill -9 of one of 3 workers during the 20-category grid, at the point
 * given: while the stages run; once a prefix is done (its stage alive);
 * late, once most fits are done and the stages were freed (the victim is
 * the worker that made the most prefixes, so what it held must be made
 * again, stage first). Every run completes with the fault-free scores.
 */
static void s_kill_at(int when)
{
    json_t *ref = s_grid16_reference();
    pid_t w[3];
    CU_ASSERT(cu_start_cluster(s_ep, 3, 1, NULL, w) > 0, "3 workers did not register");
    char job[512], out[512];
    snprintf(out, sizeof out, "%s/killed.json", cu_tmpdir());
    const char *args[] = {"--scheduler", s_ep, "search", s_grid16(job, sizeof job), "--out",
                          out, "--quiet", NULL};
    pid_t client = cu_spawn("dsk-submit", "client.log", args);
    int64_t t0 = cu_now_ms();
    int victim = 1;
    if (when == 0) {
        while (cu_now_ms() - t0 < 30000 && !s_log_has("scheduler.log", "(stage) to 'w"))
            cu_sleep_ms(50);
        cu_sleep_ms(300);
        victim = s_first_worker("(stage) to 'w");
    } else if (when == 1) {
        while (cu_now_ms() - t0 < 60000 && !s_log_has("scheduler.log", "(prefix) done on"))
            cu_sleep_ms(50);
        victim = s_busiest("prefix");
    } else { /* both stages (unigrams, bigrams) freed: their prefixes are all made */
        while (cu_now_ms() - t0 < 120000 && s_count("(stage): its output is freed") < 2)
            cu_sleep_ms(50);
        victim = s_busiest("prefix");
    }
    CU_ASSERT(victim >= 1 && victim <= 3, "no worker to kill found in the scheduler's log");
    kill(w[victim - 1], SIGKILL);
    fprintf(stderr, "  kill -9 of w%d %.1f s into the grid (%lld fits done)\n", victim,
            (double)(cu_now_ms() - t0) / 1000.0, (long long)cu_job_done(s_ep, 1));
    int st = cu_wait_exit(client, 240000);
    CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "the search did not complete after the kill (%d)", st);
    json_t *r = cu_load_json(out);
    s_assert_same(r, ref, "after a kill -9");
    if (when == 2)
        CU_ASSERT(s_log_has("scheduler.log", "(prefix) is lost: making it again") &&
                      s_log_has("scheduler.log", "(stage) is lost: making it again"),
                  "the killed worker's prefixes were not made again from a stage made again");
    json_decref(r);
    json_decref(ref);
}

START_TEST(test_kill_while_stages_run) { s_kill_at(0); }
END_TEST

START_TEST(test_kill_after_first_prefix) { s_kill_at(1); }
END_TEST

START_TEST(test_kill_after_stages_freed) { s_kill_at(2); }
END_TEST

/*
 * Whether some task of kind was sent to victim and, after that, to another
 * worker: it ran again elsewhere (from the scheduler's debug log of job id:
 * "job ID: task N (KIND) to 'wK'").
 */
static int s_ran_again(uint64_t id, const char *kind, const char *victim)
{
    static char log[1 << 22];
    cu_read_log("scheduler.log", log, sizeof log);
    char head[64], tail[64];
    snprintf(head, sizeof head, "job %llu: task ", (unsigned long long)id);
    snprintf(tail, sizeof tail, " (%s) to '", kind);
    for (const char *p = strstr(log, head); p; p = strstr(p + 1, head)) {
        long task = strtol(p + strlen(head), NULL, 10);
        const char *t = strstr(p, tail);
        if (!t || t - p > 40 || strncmp(t + strlen(tail), victim, strlen(victim)) != 0 ||
            t[strlen(tail) + strlen(victim)] != '\'')
            continue;
        char again[96];
        snprintf(again, sizeof again, "%s%ld (%s) to 'w", head, task, kind);
        for (const char *q = strstr(t, again); q; q = strstr(q + 1, again))
            if (strncmp(q + strlen(again) - 1, victim, strlen(victim)) != 0)
                return 1;
    }
    return 0;
}

/*
 * kill -9 of a worker while a task of the kind under test runs on it (seen
 * through `dsk-submit status`, which lists each worker's running tasks by
 * kind): the task runs again elsewhere, and the search ends with the
 * scores of the same search without the kill.
 */
static void s_kill_while(const char *kind)
{
    pid_t w[3];
    CU_ASSERT(cu_start_cluster(s_ep, 3, 1, NULL, w) > 0, "3 workers did not register");
    char job[512], out[512], ref_out[512], victim[64] = "";
    s_mid_job(job, sizeof job);
    snprintf(ref_out, sizeof ref_out, "%s/ref.json", cu_tmpdir());
    json_t *ref = s_search(job, ref_out);
    snprintf(out, sizeof out, "%s/killed.json", cu_tmpdir());
    const char *args[] = {"--scheduler", s_ep, "search", job, "--out", out, "--quiet", NULL};
    pid_t client = cu_spawn("dsk-submit", "client.log", args);
    int64_t t0 = cu_now_ms();
    while (cu_now_ms() - t0 < 60000 && cu_worker_running(s_ep, kind, victim) < 0)
        cu_sleep_ms(2);
    CU_ASSERT(victim[0] == 'w' && victim[1] >= '1' && victim[1] <= '3',
              "no worker was seen running a %s task", kind);
    kill(w[victim[1] - '1'], SIGKILL);
    int st = cu_wait_exit(client, 120000);
    CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the search failed (%d)", st);
    json_t *r = cu_load_json(out);
    s_assert_same(r, ref, "after the kill");
    CU_ASSERT(s_ran_again(2, kind, victim), "no %s task that ran on %s ran again elsewhere",
              kind, victim);
    json_decref(r);
    json_decref(ref);
}

START_TEST(test_kill_while_a_prefix_runs) { s_kill_while("prefix"); }
END_TEST

START_TEST(test_kill_while_a_score_runs) { s_kill_while("score"); }
END_TEST

/*
 * The two-category search on n fresh workers (pids into w): its fault-free
 * answer first (job 1, into *ref), then the same search (job 2, its result
 * to out) from a client left running until it has `fits` fits done.
 * Returns the client's pid.
 */
static pid_t s_mid_search_running(int n, pid_t *w, int fits, char *job, char *out,
                                  size_t len, json_t **ref)
{
    CU_ASSERT(cu_start_cluster(s_ep, n, 1, NULL, w) > 0, "%d workers did not register", n);
    char ref_out[512];
    s_mid_job(job, len);
    snprintf(ref_out, sizeof ref_out, "%s/ref.json", cu_tmpdir());
    *ref = s_search(job, ref_out);
    snprintf(out, len, "%s/faulted.json", cu_tmpdir());
    const char *args[] = {"--scheduler", s_ep, "search", job, "--out", out, "--quiet", NULL};
    pid_t client = cu_spawn("dsk-submit", "client.log", args);
    int64_t t0 = cu_now_ms();
    while (cu_now_ms() - t0 < 30000 && cu_job_done(s_ep, 2) < fits)
        cu_sleep_ms(20);
    return client;
}

/*
 * SIGSTOP of one of 3 workers for 6 s mid-search: declared dead after
 * 3 s, its tasks run again elsewhere, the job completes with the
 * fault-free scores; after SIGCONT its late answers are ignored and it
 * comes back as a new registration.
 */
START_TEST(test_stopped_worker)
{
    pid_t w[3];
    char job[512], out[512];
    json_t *ref;
    pid_t client = s_mid_search_running(3, w, 3, job, out, sizeof job, &ref);
    kill(w[0], SIGSTOP);
    cu_sleep_ms(6000);
    kill(w[0], SIGCONT);
    int st = cu_wait_exit(client, 120000);
    CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the search failed (%d)", st);
    json_t *r = cu_load_json(out);
    s_assert_same(r, ref, "with a stopped worker");
    CU_ASSERT(s_log_has("scheduler.log", "'w1' at") && s_log_has("scheduler.log", "declared dead"),
              "w1 was not declared dead while stopped");
    CU_ASSERT(cu_wait_workers(s_ep, 3, 15000) >= 0, "w1 did not come back after SIGCONT");
    json_decref(r);
    json_decref(ref);
}
END_TEST

/* Resets (ss -K) every TCP connection of pid's to the scheduler; returns how many. */
static int s_reset_connections(pid_t pid)
{
    char cmd[512], line[256];
    int port = atoi(strrchr(s_ep, ':') + 1), reset = 0;
    snprintf(cmd, sizeof cmd, "ss -tnpH state established '( dport = :%d )' | grep 'pid=%d,' | "
             "awk '{print $3}'", port, (int)pid);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof line, p)) {
        char kill_cmd[256];
        snprintf(kill_cmd, sizeof kill_cmd, "ss -K -tn state established '( sport = :%d and "
                 "dport = :%d )' | grep -q ':%d'", atoi(strrchr(line, ':') + 1), port, port);
        reset += system(kill_cmd) == 0;
    }
    pclose(p);
    return reset;
}

/*
 * Resets (ss -K: a RST, as a middlebox or a kernel under pressure may send)
 * every TCP connection of w1's to the scheduler, its data's and its
 * heartbeats', 4 fits into a search and four times more, a quarter of a
 * second apart. ZeroMQ reconnects both, but what was in flight on the data
 * connection is lost (a TASK sent to w1, its TASK_DONE), so w1 registers
 * anew and the scheduler places its work again: nothing is declared dead,
 * the search completes with the fault-free scores, and w1, alone once w2
 * is killed, runs it again (a TASK lost in a reset once held w1's one
 * thread for good, and this hung). Skipped where ss cannot reset a socket
 * (not root, or a kernel without SOCK_DESTROY).
 */
START_TEST(test_connections_reset)
{
    pid_t w[2];
    char job[512], out[512];
    json_t *ref;
    int64_t t0 = cu_now_ms();
    pid_t client = s_mid_search_running(2, w, 4, job, out, sizeof job, &ref);
    /* five times, a quarter of a second apart: each reset may catch a message in flight */
    int reset = s_reset_connections(w[0]);
    for (int round = 1; round < 5 && reset >= 2; round++) {
        cu_sleep_ms(250);
        s_reset_connections(w[0]);
    }
    int st = cu_wait_exit(client, 120000);
    CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the search failed (%d)", st);
    if (reset < 2) {
        fprintf(stderr, "  connections reset: skipped, ss -K reset %d of w1's connections (root "
                        "and a kernel with SOCK_DESTROY needed)\n", reset);
    } else {
        json_t *r = cu_load_json(out);
        s_assert_same(r, ref, "with w1's connections reset");
        CU_ASSERT(!s_log_has("scheduler.log", "declared dead"), "a worker was declared dead");
        CU_ASSERT(s_log_has("w1.log", "registers anew") &&
                      s_log_has("scheduler.log", "worker 'w1' registers anew"),
                  "w1 did not register anew after its connection broke");
        CU_ASSERT(cu_worker_count(s_ep) == 2, "2 workers after the resets");
        /* and w1 still serves: alone, it runs the search again (a task the scheduler still
           counted on w1's one thread would hold it for good) */
        kill(w[1], SIGKILL);
        CU_ASSERT(cu_wait_workers(s_ep, 1, 10000) >= 0, "w2 is still listed");
        json_t *again = s_search(job, out);
        s_assert_same(again, ref, "w1 alone, after its connections were reset");
        fprintf(stderr, "  connections reset: %d of w1's, no worker lost, w1 alone after: "
                        "%.1f s in all\n", reset, (double)(cu_now_ms() - t0) / 1000.0);
        json_decref(again);
        json_decref(r);
    }
    json_decref(ref);
}
END_TEST

/*
 * A worker whose task threads hang while it heartbeats: its tasks get
 * backups once past their deadline (here 3 s while nothing of their kind
 * has finished, 1 s beyond what finished ones took), it is dropped for
 * answering nothing, and the job completes, with the in-process scores,
 * in about that time rather than never.
 */
START_TEST(test_hung_worker)
{
    const char *sargs[] = {"--task-deadline", "1s", "--task-deadline-first", "3s", NULL};
    cu_endpoint(s_ep, sizeof s_ep);
    const char *args[] = {"--listen", s_ep, "--log-level", "debug", sargs[0], sargs[1],
                          sargs[2], sargs[3], NULL};
    cu_spawn("dskd-scheduler", "scheduler.log", args);
    setenv("DSK_FAULT", "hang-tasks", 1);
    cu_start_worker(s_ep, "w1", 2);
    unsetenv("DSK_FAULT");
    CU_ASSERT(cu_wait_workers(s_ep, 1, 10000) >= 0, "the hung worker did not register");
    cu_start_worker(s_ep, "w2", 1);
    cu_start_worker(s_ep, "w3", 1);
    CU_ASSERT(cu_wait_workers(s_ep, 3, 10000) >= 0, "3 workers did not register");
    char job[512], out[512], err[DSK_ERR_LEN];
    s_mid_job(job, sizeof job);
    snprintf(out, sizeof out, "%s/hung.json", cu_tmpdir());
    int64_t t0 = cu_now_ms();
    json_t *r = s_search(job, out);
    double took = (double)(cu_now_ms() - t0) / 1000.0;
    job_t *mj = NULL;
    ml_dataset_t *ds = NULL;
    json_t *local = NULL;
    ck_assert_msg(job_parse_file(job, &mj, err) == 0, "%s", err);
    ck_assert_msg(ml_load_dataset(mj->data, &ds, err) == 0, "%s", err);
    ck_assert_msg(job_search_local(mj, ds, &local, NULL, NULL, err) == 0, "%s", err);
    s_assert_same(r, local, "with a hung worker");
    CU_ASSERT(s_log_has("scheduler.log", "a backup runs on"), "no backup of an overdue task");
    CU_ASSERT(s_log_has("scheduler.log", "'w1' at") &&
                  s_log_has("scheduler.log", "dropped: it has answered no task"),
              "the hung worker was not dropped");
    CU_ASSERT(took < 60, "the hung worker held the job for %.1f s", took);
    fprintf(stderr, "  search with a hung worker: %.1f s\n", took);
    ml_dataset_destroy(&ds);
    job_destroy(&mj);
    json_decref(local);
    json_decref(r);
}
END_TEST

/*
 * The scheduler killed and started again on the same address: its
 * workers register with the new one (a new instance in WELCOME), drop
 * what they held for the old one, and the next search is right.
 */
START_TEST(test_scheduler_restart_new_session)
{
    pid_t sched = cu_start_cluster(s_ep, 3, 1, NULL, NULL);
    CU_ASSERT(sched > 0, "3 workers did not register");
    char job[512], out[512];
    s_mid_job(job, sizeof job);
    snprintf(out, sizeof out, "%s/first.json", cu_tmpdir());
    json_t *first = s_search(job, out);
    kill(sched, SIGKILL);
    cu_wait_exit(sched, 5000);
    const char *args[] = {"--listen", s_ep, "--log-level", "debug", NULL};
    cu_spawn("dskd-scheduler", "scheduler2.log", args);
    CU_ASSERT(cu_wait_workers(s_ep, 3, 20000) >= 0, "the workers did not come back");
    for (int i = 1; i <= 3; i++) {
        char log[32];
        snprintf(log, sizeof log, "w%d.log", i);
        CU_ASSERT(s_log_has(log, "a new session: dropping"),
                  "w%d kept what it held for the old scheduler", i);
    }
    snprintf(out, sizeof out, "%s/second.json", cu_tmpdir());
    json_t *second = s_search(job, out);
    s_assert_same(second, first, "after a scheduler restart");
    json_decref(first);
    json_decref(second);
}
END_TEST

/*
 * Finished jobs are kept for --keep-finished and at most
 * --keep-finished-jobs of them; `result` of a dropped one says so.
 */
START_TEST(test_finished_jobs_expire)
{
    const char *sargs[] = {"--keep-finished", "2s", "--keep-finished-jobs", "2", NULL};
    CU_ASSERT(cu_start_cluster(s_ep, 3, 1, sargs, NULL) > 0, "3 workers did not register");
    char err[4096];
    for (int k = 0; k < 3; k++) {
        const char *args[] = {"noop", "50", NULL};
        CU_ASSERT(cu_submit(s_ep, NULL, 0, err, sizeof err, args) == 0, "noop failed: %s", err);
    }
    cu_sleep_ms(1200); /* a tick drops the oldest beyond two */
    const char *r1[] = {"result", "1", NULL}, *r3[] = {"result", "3", NULL};
    const char *r9[] = {"result", "9", NULL};
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, r1);
    CU_ASSERT(rc == 2 && strstr(err, "job 1 finished and was dropped"),
              "result 1 (beyond the count): exit %d: %s", rc, err);
    rc = cu_submit(s_ep, NULL, 0, err, sizeof err, r3);
    CU_ASSERT(rc == 0, "result 3 (kept): exit %d: %s", rc, err);
    cu_sleep_ms(3000);
    rc = cu_submit(s_ep, NULL, 0, err, sizeof err, r3);
    CU_ASSERT(rc == 2 && strstr(err, "job 3 finished and was dropped"),
              "result 3 (past its time): exit %d: %s", rc, err);
    rc = cu_submit(s_ep, NULL, 0, err, sizeof err, r9);
    CU_ASSERT(rc == 2 && strstr(err, "no job 9"), "result 9: exit %d: %s", rc, err);
}
END_TEST

Suite *dsk_cluster_faults_suite(void);

Suite *dsk_cluster_faults_suite(void)
{
    Suite *s = suite_create("cluster_faults");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_grid16_on_1_worker);
    tcase_add_test(tc, test_grid16_on_3_workers);
    tcase_add_test(tc, test_grid16_on_4_workers);
    tcase_add_test(tc, test_grid16_on_8_workers);
    tcase_add_test(tc, test_kill_while_stages_run);
    tcase_add_test(tc, test_kill_after_first_prefix);
    tcase_add_test(tc, test_kill_after_stages_freed);
    tcase_add_test(tc, test_kill_while_a_prefix_runs);
    tcase_add_test(tc, test_kill_while_a_score_runs);
    tcase_add_test(tc, test_stopped_worker);
    tcase_add_test(tc, test_connections_reset);
    tcase_add_test(tc, test_hung_worker);
    tcase_add_test(tc, test_scheduler_restart_new_session);
    tcase_add_test(tc, test_finished_jobs_expire);
    suite_add_tcase(s, tc);
    return s;
}
