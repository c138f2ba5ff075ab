/*
 * check_journal.c — a scheduler killed with work in hand, started again:
 * dskd-scheduler --journal DIR, two dskd-workers, and twenty dsk-submit
 * clients (fourteen searches, six predicts) waiting on their jobs.
 *
 * After every job is accepted the scheduler gets kill -9, a torn record is
 * left at the journal's end (as a crash mid-append leaves one), and the
 * scheduler starts again on the same journal. Every client must get its
 * result, equal to an uninterrupted run's; the scheduler must list each
 * job once (no SUBMIT resent by a client ran twice), every one done; a job
 * finished before the kill must still be fetched; and the torn record must
 * be cut off with a warning.
 */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster_util.h"
#include "dsk_client.h"
#include "dsk_msg.h"

#define S_SEARCHES 14
#define S_PREDICTS 6
#define S_SEEDS 7               /* the searches' random_state values, each run twice */

static char s_ep[64];
static char s_journal[512];

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

static const char *s_tmp(const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", cu_tmpdir(), name);
    return path;
}

static pid_t s_scheduler(const char *log)
{
    const char *args[] = {"--listen", s_ep, "--log-level", "debug", "--journal", s_journal,
                          NULL};
    return cu_spawn("dskd-scheduler", log, args);
}

static char *s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static void s_ok(const char *const *args)
{
    char out[8192], err[8192];
    int rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, args);
    CU_ASSERT(rc == 0, "dsk-submit %s: exit %d: %.2000s", args[0], rc, err);
}

/* The jobs the scheduler lists (`jobs --json`), or NULL. */
static json_t *s_jobs(void)
{
    static char out[1 << 18];
    char err[4096];
    const char *args[] = {"jobs", "--json", NULL};
    if (cu_submit(s_ep, out, sizeof out, err, sizeof err, args) != 0)
        return NULL;
    return json_loads(out, 0, NULL);
}

/* Jobs listed with an id above after: how many, how many done, and whether an id repeats. */
static void s_count(json_t *jobs, uint64_t after, int *n, int *done, int *repeated)
{
    *n = *done = *repeated = 0;
    size_t i, k;
    json_t *a, *b;
    json_array_foreach(jobs, i, a) {
        uint64_t id = (uint64_t)json_integer_value(json_object_get(a, "job_id"));
        if (id <= after)
            continue;
        (*n)++;
        *done += json_integer_value(json_object_get(a, "state")) == DSK_JOB_DONE;
        json_array_foreach(jobs, k, b)
            if (k != i && (uint64_t)json_integer_value(json_object_get(b, "job_id")) == id)
                *repeated = 1;
    }
}

START_TEST(test_kill9_with_20_jobs_resumes_all)
{
    cu_endpoint(s_ep, sizeof s_ep);
    s_tmp("journal", s_journal, sizeof s_journal);
    pid_t sched = s_scheduler("scheduler.log");
    cu_start_worker(s_ep, "w1", 1);
    cu_start_worker(s_ep, "w2", 1);
    CU_ASSERT(cu_wait_workers(s_ep, 2, 10000) >= 0, "the workers did not register");

    /* uninterrupted answers first: a model, its predictions, each seed's search */
    char svc[512], model[512], input[512], res[512], ref_pred[512];
    s_tmp("svc.json", svc, sizeof svc);
    FILE *f = fopen(svc, "w");
    fprintf(f, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
               "{\"random_state\": 0}]], \"search\": {\"param_grid\": {\"svc__C\": [1.0, 10]}, "
               "\"refit\": true}}\n");
    fclose(f);
    s_tmp("svc.dskm", model, sizeof model);
    s_tmp("svc_result.json", res, sizeof res);
    const char *fit[] = {"search", svc, "--model-out", model, "--out", res, "--quiet", NULL};
    s_ok(fit);
    s_tmp("x4.json", input, sizeof input);
    f = fopen(input, "w");
    fprintf(f, "{\"loader\": \"digits\", \"repeat\": 4}\n");
    fclose(f);
    s_tmp("ref_pred.npy", ref_pred, sizeof ref_pred);
    const char *pred[] = {"predict", "--model", model, "--input", input, "--chunk-rows", "400",
                          "--out", ref_pred, "--quiet", NULL};
    s_ok(pred);
    char jobs_path[S_SEEDS][512], ref[S_SEEDS][512];
    for (int s = 0; s < S_SEEDS; s++) {
        char name[32];
        cu_seed_job(s, NULL, jobs_path[s], sizeof jobs_path[s]);
        snprintf(name, sizeof name, "ref_%d.json", s);
        s_tmp(name, ref[s], sizeof ref[s]);
        const char *args[] = {"search", jobs_path[s], "--out", ref[s], "--quiet", NULL};
        s_ok(args);
    }
    uint64_t before = 2 + S_SEEDS; /* the jobs so far: ids 1..9 */
    char slog[1 << 16];
    cu_read_log("scheduler.log", slog, sizeof slog);
    CU_ASSERT(strstr(slog, "is kept in the journal's file") != NULL,
              "no dataset was moved into the journal's file:\n%.3000s", slog);

    /* twenty clients, each waiting on its job */
    pid_t client[S_SEARCHES + S_PREDICTS];
    char out[S_SEARCHES + S_PREDICTS][512];
    for (int i = 0; i < S_SEARCHES + S_PREDICTS; i++) {
        char name[32], log[32];
        snprintf(log, sizeof log, "client%d.log", i);
        if (i < S_SEARCHES) {
            snprintf(name, sizeof name, "out_%d.json", i);
            s_tmp(name, out[i], sizeof out[i]);
            const char *args[] = {"--scheduler", s_ep, "search", jobs_path[i % S_SEEDS], "--out",
                                  out[i], "--quiet", NULL};
            client[i] = cu_spawn("dsk-submit", log, args);
        } else {
            snprintf(name, sizeof name, "pred_%d.npy", i);
            s_tmp(name, out[i], sizeof out[i]);
            const char *args[] = {"--scheduler", s_ep, "predict", "--model", model, "--input",
                                  input, "--chunk-rows", "400", "--out", out[i], "--quiet",
                                  NULL};
            client[i] = cu_spawn("dsk-submit", log, args);
        }
    }
    int n = 0, done = 0, repeated = 0;
    for (int64_t end = cu_now_ms() + 30000; n < S_SEARCHES + S_PREDICTS && cu_now_ms() < end;) {
        json_t *jobs = s_jobs();
        if (jobs)
            s_count(jobs, before, &n, &done, &repeated);
        json_decref(jobs);
        if (n < S_SEARCHES + S_PREDICTS)
            cu_sleep_ms(20);
    }
    CU_ASSERT(n == S_SEARCHES + S_PREDICTS, "only %d of 20 jobs were accepted", n);
    kill(sched, SIGKILL);
    cu_wait_exit(sched, 5000);

    /* a crash mid-append: a record header, and not all of what it announces */
    char path[600];
    snprintf(path, sizeof path, "%s/journal", s_journal);
    struct stat st;
    CU_ASSERT(stat(path, &st) == 0 && st.st_size > 1000000, "no journal with the datasets");
    f = fopen(path, "ab");
    const unsigned char torn[] = {'D', 'S', 'K', 'J', 2, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0,
                                  1, 2, 3, 4, 5, 6, 7, 8, 0x97, 1};
    fwrite(torn, 1, sizeof torn, f);
    fclose(f);
    fprintf(stderr, "check_journal: killed the scheduler with %d of 20 jobs done\n", done);

    s_scheduler("scheduler2.log");
    for (int i = 0; i < S_SEARCHES + S_PREDICTS; i++) {
        int status = cu_wait_exit(client[i], 120000);
        char log[64], text[4096];
        snprintf(log, sizeof log, "client%d.log", i);
        CU_ASSERT(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "client %d (%s) did not get its result: status %d: %.2000s", i,
                  i < S_SEARCHES ? "search" : "predict", status,
                  cu_read_log(log, text, sizeof text));
    }
    for (int i = 0; i < S_SEARCHES; i++) {
        json_t *got = cu_load_json(out[i]), *want = cu_load_json(ref[i % S_SEEDS]);
        char why[512];
        CU_ASSERT(cu_same_scores(got, want, why, sizeof why), "search %d: %s", i, why);
        json_decref(got);
        json_decref(want);
    }
    size_t want_len, got_len;
    char *want = s_read(ref_pred, &want_len);
    for (int i = S_SEARCHES; i < S_SEARCHES + S_PREDICTS; i++) {
        char *got = s_read(out[i], &got_len);
        CU_ASSERT(got && got_len == want_len && memcmp(got, want, want_len) == 0,
                  "predict %d: %zu bytes, not the uninterrupted run's %zu", i, got_len,
                  want_len);
        free(got);
    }
    free(want);
    json_t *jobs = s_jobs();
    CU_ASSERT(jobs != NULL, "jobs after the restart");
    s_count(jobs, before, &n, &done, &repeated);
    CU_ASSERT(n == 20 && done == 20 && !repeated,
              "after the restart: %d jobs past the first %llu (want 20), %d done, repeated %d",
              n, (unsigned long long)before, done, repeated);
    json_decref(jobs);
    /* a job that ended before the kill is still there to fetch */
    char got_path[512];
    s_tmp("refetched.json", got_path, sizeof got_path);
    const char *refetch[] = {"result", "3", "--out", got_path, "--quiet", NULL};
    s_ok(refetch);
    json_t *a = cu_load_json(got_path), *b = cu_load_json(ref[0]);
    char why[512];
    CU_ASSERT(cu_same_scores(a, b, why, sizeof why), "job 3 fetched after the restart: %s", why);
    json_decref(a);
    json_decref(b);
    char log[1 << 16];
    cu_read_log("scheduler2.log", log, sizeof log);
    CU_ASSERT(strstr(log, "cut off, as a crash mid-write leaves it") != NULL,
              "the torn record was not reported:\n%.3000s", log);
    CU_ASSERT(strstr(log, "is kept in the journal's file") != NULL,
              "the resumed jobs' datasets were not mapped from the journal:\n%.3000s", log);
}
END_TEST

/* A journal that is not one: the replay says where it stops, and the scheduler serves. */
START_TEST(test_garbage_journal_reported)
{
    cu_endpoint(s_ep, sizeof s_ep);
    s_tmp("journal", s_journal, sizeof s_journal);
    pid_t sched = s_scheduler("scheduler.log");
    CU_ASSERT(cu_wait_workers(s_ep, 0, 5000) >= 0, "the scheduler did not answer");
    kill(sched, SIGTERM);
    cu_wait_exit(sched, 5000);
    /* no record at all where one must start */
    char path[600];
    snprintf(path, sizeof path, "%s/journal", s_journal);
    FILE *f = fopen(path, "wb");
    fputs("this is not a journal, and it is longer than a record's header", f);
    fclose(f);
    s_scheduler("scheduler2.log");
    CU_ASSERT(cu_wait_workers(s_ep, 0, 5000) >= 0, "the scheduler did not start on a bad "
              "journal");
    char log[8192];
    cu_read_log("scheduler2.log", log, sizeof log);
    CU_ASSERT(strstr(log, "no record starts there") != NULL, "%.3000s", log);
}
END_TEST

/* A SUBMIT sent twice with one token (a client that lost the answer) is one job. */
START_TEST(test_resent_submit_runs_once)
{
    cu_endpoint(s_ep, sizeof s_ep);
    s_tmp("journal", s_journal, sizeof s_journal);
    s_scheduler("scheduler.log");
    CU_ASSERT(cu_wait_workers(s_ep, 0, 5000) >= 0, "the scheduler did not answer");
    char err[DSK_ERR_LEN];
    dsk_client_t *c = dsk_client_new(s_ep, 5000, err);
    ck_assert_ptr_nonnull(c);
    const char *job = "{\"tasks\": 3, \"results\": false}";
    uint64_t token = dsk_client_token();
    dsk_msg_t a, b;
    ck_assert_int_eq(dsk_client_submit(c, DSK_JOB_NOOP, "noop", job, strlen(job), NULL, 0, token,
                                       &a, err), 0);
    ck_assert_int_eq(dsk_client_reconnect(c, err), 0);
    ck_assert_int_eq(dsk_client_submit(c, DSK_JOB_NOOP, "noop", job, strlen(job), NULL, 0, token,
                                       &b, err), 0);
    CU_ASSERT(a.u.job_state.job_id == b.u.job_state.job_id && a.u.job_state.job_id != 0,
              "one token, two jobs: %llu and %llu", (unsigned long long)a.u.job_state.job_id,
              (unsigned long long)b.u.job_state.job_id);
    dsk_msg_clear(&a);
    dsk_msg_clear(&b);
    /* another token is another job */
    ck_assert_int_eq(dsk_client_submit(c, DSK_JOB_NOOP, "noop", job, strlen(job), NULL, 0,
                                       dsk_client_token(), &b, err), 0);
    CU_ASSERT(b.u.job_state.job_id == 2, "a new token gave job %llu, not 2",
              (unsigned long long)b.u.job_state.job_id);
    dsk_msg_clear(&b);
    dsk_client_destroy(&c);
}
END_TEST

Suite *dsk_cluster_journal_suite(void);

Suite *dsk_cluster_journal_suite(void)
{
    Suite *s = suite_create("cluster_journal");
    TCase *tc = tcase_create("restart");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_kill9_with_20_jobs_resumes_all);
    tcase_add_test(tc, test_garbage_journal_reported);
    tcase_add_test(tc, test_resent_submit_runs_once);
    suite_add_tcase(s, tc);
    return s;
}
