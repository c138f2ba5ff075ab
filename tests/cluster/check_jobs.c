/*
 * check_jobs.c — jobs through a real cluster: dskd-scheduler and
 * dskd-workers on loopback, driven by the real dsk-submit, on the real
 * 20 newsgroups and digits data ($DSK_DATA_HOME). Every answer is compared
 * with job_search_local, the same search in this process: the cluster
 * must give exactly the in-process result for the same random states.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster_util.h"
#include "dsk_client.h"
#include "job_file.h"
#include "ml_load.h"
#include "ml_model.h"
#include "job_local.h"
#include "job_plan.h"

static char s_ep[64];

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

/* A scheduler and n workers (2 threads each) on a fresh port, all registered. Every test
   here runs on 3 workers: more than this machine's 2 cores, and not the benchmark's shape. */
static pid_t s_cluster(int n, pid_t *workers)
{
    cu_endpoint(s_ep, sizeof s_ep);
    const char *sargs[] = {"--listen", s_ep, "--log-level", "debug", NULL};
    pid_t sched = cu_spawn("dskd-scheduler", "scheduler.log", sargs);
    for (int i = 0; i < n; i++) {
        char name[16], log[32];
        snprintf(name, sizeof name, "w%d", i + 1);
        snprintf(log, sizeof log, "worker%d.log", i + 1);
        const char *wargs[] = {"--scheduler", s_ep, "--name", name, "--nthreads", "2",
                               "--log-level", "debug", NULL};
        pid_t w = cu_spawn("dskd-worker", log, wargs);
        if (workers)
            workers[i] = w;
    }
    CU_ASSERT(cu_wait_workers(s_ep, n, 10000) >= 0, "%d workers did not register", n);
    return sched;
}

/* Every split score, mean, std and rank of the cluster equal to the in-process run's. */
static void s_assert_same_scores(json_t *cluster, json_t *local)
{
    json_t *a = json_object_get(cluster, "cv_results"), *b = json_object_get(local, "cv_results");
    const char *cols[] = {"split0_test_score", "split1_test_score", "split2_test_score",
                          "mean_test_score", "std_test_score", "rank_test_score", "params", NULL};
    for (int c = 0; cols[c]; c++) {
        json_t *x = json_object_get(a, cols[c]), *y = json_object_get(b, cols[c]);
        CU_ASSERT(x && y && json_equal(x, y), "cv_results[%s] differs from the in-process run",
                  cols[c]);
    }
    CU_ASSERT(json_integer_value(json_object_get(cluster, "best_index")) ==
                  json_integer_value(json_object_get(local, "best_index")), "best_index differs");
}

static void s_search(const char *job, const char *out)
{
    const char *args[] = {"search", job, "--out", out, "--quiet", NULL};
    char err[4096] = "";
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 0, "dsk-submit search exited %d: %s", rc, err);
}

START_TEST(test_seed_search_equals_in_process)
{
    s_cluster(3, NULL);
    char job[512], out[512];
    cu_seed_job(0, NULL, job, sizeof job);
    snprintf(out, sizeof out, "%s/result.json", cu_tmpdir());
    s_search(job, out);
    json_t *res = cu_load_json(out), *local = cu_local_result(job, NULL, NULL);
    s_assert_same_scores(res, local);
    json_t *stats = json_object_get(res, "stats");
    CU_ASSERT(json_integer_value(json_object_get(stats, "tokenized")) == 2,
              "the corpus was tokenized %lld times for 18 fits, not 2",
              (long long)json_integer_value(json_object_get(stats, "tokenized")));
    CU_ASSERT(json_integer_value(json_object_get(json_object_get(stats, "tasks"), "score")) == 18,
              "not 18 score tasks");
    CU_ASSERT(json_integer_value(json_object_get(res, "n_candidates")) == 6, "6 candidates");
    /* the data went out once per replica, not once per task */
    json_int_t scattered = json_integer_value(json_object_get(stats, "bytes_scattered"));
    CU_ASSERT(scattered > 0 && scattered < 3 * 4 * 1024 * 1024, "scattered %lld bytes",
              (long long)scattered);
    json_decref(res);
    json_decref(local);
}
END_TEST

/* Three clients at once, each its own random state: each gets its own right answer. */
START_TEST(test_three_clients_at_once)
{
    s_cluster(3, NULL);
    char job[3][512], out[3][512], log[3][32];
    pid_t pids[3];
    for (int i = 0; i < 3; i++) {
        cu_seed_job(i, NULL, job[i], sizeof job[i]);
        snprintf(out[i], sizeof out[i], "%s/result_%d.json", cu_tmpdir(), i);
        snprintf(log[i], sizeof log[i], "client%d.log", i);
        const char *args[] = {"--scheduler", s_ep, "search", job[i], "--out", out[i], "--quiet",
                              NULL};
        pids[i] = cu_spawn("dsk-submit", log[i], args);
    }
    for (int i = 0; i < 3; i++) {
        int st = cu_wait_exit(pids[i], 60000);
        CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "client %d failed (%d)", i, st);
    }
    for (int i = 0; i < 3; i++) {
        json_t *res = cu_load_json(out[i]), *local = cu_local_result(job[i], NULL, NULL);
        s_assert_same_scores(res, local);
        json_decref(res);
        json_decref(local);
    }
}
END_TEST

/*
 * A bad job file exits 2 naming the file, the JSON path and the problem,
 * before anything is sent; a bad job sent anyway (past the client's
 * checks) is refused by the scheduler, which goes on serving.
 */
START_TEST(test_bad_job_exits_2_scheduler_serves)
{
    s_cluster(3, NULL);
    char job[512], err[4096] = "";
    cu_seed_job(0, ", \"vect__max_dff\": [1]", job, sizeof job);
    const char *args[] = {"search", job, "--quiet", NULL};
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 2, "exit %d, not 2: %s", rc, err);
    CU_ASSERT(strstr(err, job) && strstr(err, "$.search.param_grid.vect__max_dff"),
              "the error does not name the file and the path: %s", err);

    /* --model-out on a search without refit: refused before anything is sent */
    char model[512], jobs_out[4096] = "";
    snprintf(model, sizeof model, "%s/norefit.dskm", cu_tmpdir());
    cu_seed_job(0, NULL, job, sizeof job);
    const char *margs[] = {"search", job, "--model-out", model, "--quiet", NULL};
    rc = cu_submit(s_ep, NULL, 0, err, sizeof err, margs);
    CU_ASSERT(rc == 2 && strstr(err, "$.search.refit is false"),
              "--model-out without refit: exit %d: %s", rc, err);
    const char *jargs[] = {"jobs", "--json", NULL};
    rc = cu_submit(s_ep, jobs_out, sizeof jobs_out, err, sizeof err, jargs);
    json_t *listed = json_loads(jobs_out, 0, NULL);
    CU_ASSERT(rc == 0 && json_is_array(listed) && json_array_size(listed) == 0,
              "the refused search reached the scheduler: %s", jobs_out);
    json_decref(listed);

    char cerr[DSK_ERR_LEN];
    dsk_client_t *c = dsk_client_new(s_ep, 5000, cerr);
    dsk_msg_t st;
    const char *bad = "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVQ\"]]}";
    rc = dsk_client_submit(c, DSK_JOB_FIT, "bad.json", bad, strlen(bad), "\x80", 1, 0, &st, cerr);
    CU_ASSERT(rc == DSK_EINVAL && strstr(cerr, "bad.json") && strstr(cerr, "SVQ"),
              "scheduler accepted or misreported a bad job: %d %s", rc, cerr);
    dsk_client_destroy(&c);

    char out[512];
    snprintf(out, sizeof out, "%s/after.json", cu_tmpdir());
    cu_seed_job(1, NULL, job, sizeof job);
    s_search(job, out);
    CU_ASSERT(cu_worker_count(s_ep) == 3, "a worker is gone after a bad job");
}
END_TEST

/* A search's floats as Python prints them, in the table, the result JSON and the CSV. */
START_TEST(test_floats_print_as_python_does)
{
    s_cluster(3, NULL);
    char job[512], out[512], csv[512], err[8192] = "", text[65536];
    snprintf(job, sizeof job, "%s/floats.json", cu_tmpdir());
    FILE *f = fopen(job, "w");
    fprintf(f, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", {}]], "
               "\"search\": {\"param_grid\": {\"svc__C\": [1e-6, 0.1]}, \"cv\": 2, "
               "\"refit\": false}}\n");
    fclose(f);
    snprintf(out, sizeof out, "%s/floats_result.json", cu_tmpdir());
    snprintf(csv, sizeof csv, "%s/floats.csv", cu_tmpdir());
    const char *args[] = {"search", job, "--out", out, "--cv-results", csv, NULL};
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 0, "search exited %d: %s", rc, err);
    CU_ASSERT(strstr(err, "{\"svc__C\":1e-06}") && !strstr(err, "9.99"),
              "the table does not print 1e-06 as Python does: %s", err);
    f = fopen(out, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    CU_ASSERT(strstr(text, "\"svc__C\": 1e-06") && strstr(text, "\"svc__C\": 0.1") &&
                  !strstr(text, "9.99") && !strstr(text, "0.10000"),
              "the result JSON does not print floats as Python does: %.2000s", text);
    f = fopen(csv, "r");
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    CU_ASSERT(strstr(text, ",1e-06,") && !strstr(text, "9.99"),
              "the CSV does not print 1e-06 as Python does: %.2000s", text);
}
END_TEST

/* The digits SVC search with refit: same scores, and the model is the in-process one, byte for byte. */
START_TEST(test_svc_refit_model_identical)
{
    s_cluster(3, NULL);
    char job[512], out[512], model[512], err[4096] = "";
    snprintf(job, sizeof job, "%s/svc.json", cu_tmpdir());
    FILE *f = fopen(job, "w");
    fprintf(f, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
               "{\"random_state\": 0}]], \"search\": {\"param_grid\": {\"svc__C\": [0.01, 1.0, "
               "10]}, \"refit\": true}}\n");
    fclose(f);
    snprintf(out, sizeof out, "%s/svc_result.json", cu_tmpdir());
    snprintf(model, sizeof model, "%s/svc.dskm", cu_tmpdir());
    const char *args[] = {"search", job, "--out", out, "--model-out", model, "--quiet", NULL};
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 0, "exit %d: %s", rc, err);
    void *lm = NULL;
    size_t llen = 0;
    json_t *res = cu_load_json(out), *local = cu_local_result(job, &lm, &llen);
    json_t *means = json_object_get(json_object_get(res, "cv_results"), "mean_test_score");
    CU_ASSERT(json_array_size(means) == 3, "3 candidates");
    CU_ASSERT(json_equal(means, json_object_get(json_object_get(local, "cv_results"),
                                                "mean_test_score")), "scores differ");
    FILE *m = fopen(model, "rb");
    CU_ASSERT(m != NULL, "no model written");
    char *buf = malloc(llen + 16);
    size_t got = fread(buf, 1, llen + 16, m);
    fclose(m);
    CU_ASSERT(got == llen && memcmp(buf, lm, llen) == 0, "the refitted model differs (%zu vs %zu "
              "bytes)", got, llen);
    free(buf);
    free(lm);
    json_decref(res);
    json_decref(local);
}
END_TEST

/* --local 3: the embedded cluster runs the search and is gone afterwards. */
START_TEST(test_local_cluster)
{
    char job[512], out[512], err[4096] = "", path[512];
    cu_seed_job(0, NULL, job, sizeof job);
    snprintf(out, sizeof out, "%s/local.json", cu_tmpdir());
    snprintf(path, sizeof path, "%s/dsk-submit", getenv("DSK_BIN") ? getenv("DSK_BIN") : "build");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s --local 3 search %s --out %s --quiet 2>%s/local.err", path, job,
             out, cu_tmpdir());
    int rc = system(cmd);
    snprintf(path, sizeof path, "%s/local.err", cu_tmpdir());
    FILE *e = fopen(path, "r");
    if (e) {
        size_t n = fread(err, 1, sizeof err - 1, e);
        err[n] = '\0';
        fclose(e);
    }
    CU_ASSERT(rc == 0, "dsk-submit --local 3 exited %d: %s", rc, err);
    json_t *res = cu_load_json(out), *local = cu_local_result(job, NULL, NULL);
    s_assert_same_scores(res, local);
    json_decref(res);
    json_decref(local);
}
END_TEST

/*
 * fit, then predict on digits x 10 in 18 chunks over 3 workers: every
 * prediction, in input order, equals the in-process model's; the class
 * counts of --aggregate counts match; a corrupt model exits 2.
 */
START_TEST(test_fit_then_predict_in_order)
{
    s_cluster(3, NULL);
    char model[512], input[512], pred[512], err[4096] = "", out[8192] = "";
    cu_fit_digits_svc(s_ep, "\"C\": 10, \"random_state\": 0", model, sizeof model);
    snprintf(input, sizeof input, "%s/x10.json", cu_tmpdir());
    FILE *f = fopen(input, "w");
    fprintf(f, "{\"loader\": \"digits\", \"repeat\": 10}\n");
    fclose(f);
    snprintf(pred, sizeof pred, "%s/pred.npy", cu_tmpdir());
    const char *pargs[] = {"predict", "--model", model, "--input", input, "--out", pred,
                           "--chunk-rows", "1000", "--quiet", NULL};
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, pargs);
    CU_ASSERT(rc == 0, "predict exited %d: %s", rc, err);

    char e[DSK_ERR_LEN];
    ml_pipeline_t *p = NULL;
    ml_dataset_t *ds = NULL;
    json_t *spec = json_pack("{s:s, s:i}", "loader", "digits", "repeat", 10);
    ck_assert_msg(ml_model_load(model, &p, e) == 0, "%s", e);
    ck_assert_msg(ml_load_dataset(spec, &ds, e) == 0, "%s", e);
    json_decref(spec);
    int64_t n = ds->X->nrows;
    int32_t *want = malloc((size_t)n * sizeof *want);
    ck_assert_msg(ml_pipeline_predict(p, ds->X, want, e) == 0, "%s", e);
    FILE *nf = fopen(pred, "rb");
    CU_ASSERT(nf != NULL, "no predictions written");
    unsigned char head[10];
    ck_assert(fread(head, 1, 10, nf) == 10 && memcmp(head, "\x93NUMPY", 6) == 0);
    size_t hlen = (size_t)head[8] | (size_t)head[9] << 8;
    fseek(nf, (long)(10 + hlen), SEEK_SET);
    int64_t got, counts[10] = {0}, wrong = 0, rows = 0;
    while (fread(&got, sizeof got, 1, nf) == 1) {
        wrong += rows >= n || got != want[rows];
        if (got >= 0 && got < 10)
            counts[got]++;
        rows++;
    }
    fclose(nf);
    CU_ASSERT(rows == n && wrong == 0, "%lld rows, %lld differ from the in-process model",
              (long long)rows, (long long)wrong);

    const char *aargs[] = {"predict", "--model", model, "--input", input, "--aggregate", "counts",
                           "--chunk-rows", "700", "--quiet", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, aargs);
    CU_ASSERT(rc == 0, "predict --aggregate exited %d: %s", rc, err);
    json_t *agg = json_loads(out, 0, NULL);
    for (int k = 0; k < 10; k++) {
        char key[4];
        snprintf(key, sizeof key, "%d", k);
        CU_ASSERT(json_integer_value(json_object_get(json_object_get(agg, "counts"), key)) ==
                      counts[k], "class %d counted differently", k);
    }
    json_decref(agg);

    FILE *bad = fopen(model, "r+b");
    fseek(bad, 40, SEEK_SET);
    fputc(0xc1, bad); /* msgpack's never-used byte */
    fclose(bad);
    rc = cu_submit(s_ep, NULL, 0, err, sizeof err, pargs);
    CU_ASSERT(rc == 2 && strstr(err, "svc.dskm"), "a corrupt model: exit %d: %s", rc, err);
    free(want);
    ml_pipeline_destroy(&p);
    ml_dataset_destroy(&ds);
}
END_TEST

/*
 * The 2-category corpus with bigrams through a 3-worker cluster: writes
 * the job (its pipeline's classifier settings and its grid given), runs
 * it, checks the answers against the in-process run and that the idle
 * worker took a copy of something and ran tasks. Returns the stats.
 */
static json_t *s_steal_search(const char *name, const char *clf, const char *grid)
{
    char job[512], out[512];
    snprintf(job, sizeof job, "%s/%s.json", cu_tmpdir(), name);
    FILE *f = fopen(job, "w");
    fprintf(f, "{\"data\": {\"loader\": \"20newsgroups\", \"subset\": \"train\", "
               "\"categories\": [\"alt.atheism\", \"talk.religion.misc\"]}, \"pipeline\": "
               "[[\"vect\", \"CountVectorizer\", {\"ngram_range\": [1, 2]}], [\"tfidf\", "
               "\"TfidfTransformer\", {}], [\"clf\", \"SGDClassifier\", %s]], "
               "\"search\": {\"param_grid\": %s, \"cv\": 3, \"refit\": false}}\n", clf, grid);
    fclose(f);
    snprintf(out, sizeof out, "%s/%s_result.json", cu_tmpdir(), name);
    s_search(job, out);
    json_t *res = cu_load_json(out), *local = cu_local_result(job, NULL, NULL);
    s_assert_same_scores(res, local);
    json_t *stats = json_incref(json_object_get(res, "stats"));
    CU_ASSERT(json_integer_value(json_object_get(stats, "bytes_moved")) > 0,
              "%s: the idle worker took no copy", name);
    CU_ASSERT(json_object_size(json_object_get(stats, "workers")) >= 2,
              "%s: one worker ran every task", name);
    json_decref(res);
    json_decref(local);
    return stats;
}

/*
 * Work stealing: one analyzer configuration, so one stage and its fold
 * prefixes on one worker; the other worker, idle, takes a copy of a
 * prefix's matrices and runs candidates on it. Same answers as in process.
 */
START_TEST(test_idle_worker_steals)
{
    cu_endpoint(s_ep, sizeof s_ep);
    const char *sargs[] = {"--listen", s_ep, "--log-level", "debug", NULL};
    cu_spawn("dskd-scheduler", "scheduler.log", sargs);
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "w%d", i + 1);
        cu_start_worker(s_ep, name, 1);
    }
    CU_ASSERT(cu_wait_workers(s_ep, 3, 10000) >= 0, "workers did not register");
    json_decref(s_steal_search("steal", "{\"random_state\": 0}",
                               "{\"clf__alpha\": [1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7]}"));
}
END_TEST

/*
 * A stage moves when it pays: every candidate has its own max_df, so each
 * fit reads the one stage (the corpus' counts) straight; the fits are slow
 * (200 epochs), so once two are done the idle worker takes a copy of the
 * counts. Same answers as in process.
 */
START_TEST(test_idle_worker_takes_the_stage)
{
    s_cluster(3, NULL);
    json_t *stats = s_steal_search("steal_stage",
                                   "{\"random_state\": 0, \"max_iter\": 200, \"tol\": null}",
                                   "{\"vect__max_df\": [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]}");
    CU_ASSERT(json_integer_value(json_object_get(json_object_get(stats, "tasks"), "prefix")) == 0,
              "the fits were meant to read the stage straight");
    json_decref(stats);
}
END_TEST

/*
 * noop N: every empty task's result comes back to the client, each exactly
 * once (what dsk-submit counts as it receives them, not the N it was given),
 * and the scheduler's own books of the job (tasks done per worker) add up
 * to N; then one task at a time, each one's result before the next.
 */
START_TEST(test_noop_tasks)
{
    s_cluster(3, NULL);
    char out[4096] = "", err[1024] = "";
    const char *args[] = {"noop", "5000", "--json", NULL};
    int rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, args);
    CU_ASSERT(rc == 0, "noop exited %d: %s%s", rc, out, err);
    json_t *j = json_loads(out, 0, NULL);
    CU_ASSERT(j, "noop --json printed no JSON: %s", out);
    CU_ASSERT(json_integer_value(json_object_get(j, "received")) == 5000 &&
                  json_integer_value(json_object_get(j, "missing")) == 0 &&
                  json_integer_value(json_object_get(j, "repeated")) == 0 &&
                  json_integer_value(json_object_get(j, "stray")) == 0,
              "not every one of 5000 results came back exactly once: %s", out);
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(j, "job_id")));
    json_decref(j);

    /* the scheduler's result, asked for on a connection of its own */
    const char *rargs[] = {"result", id, NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, rargs);
    CU_ASSERT(rc == 0, "result %s exited %d: %s", id, rc, err);
    j = json_loads(out, 0, NULL);
    json_t *workers = json_object_get(json_object_get(j, "stats"), "workers");
    const char *name;
    json_t *w;
    long long sum = 0;
    json_object_foreach(workers, name, w)
        sum += json_integer_value(json_object_get(w, "tasks"));
    CU_ASSERT(json_integer_value(json_object_get(j, "tasks")) == 5000 && sum == 5000,
              "the scheduler's workers did %lld tasks, not 5000: %s", sum, out);
    json_decref(j);

    const char *oargs[] = {"noop", "20", "--one-at-a-time", "--json", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, oargs);
    CU_ASSERT(rc == 0, "noop --one-at-a-time exited %d: %s%s", rc, out, err);
    j = json_loads(out, 0, NULL);
    json_t *lat = json_object_get(j, "latency_ms");
    CU_ASSERT(json_integer_value(json_object_get(j, "received")) == 20 &&
                  json_integer_value(json_object_get(j, "missing")) == 0 &&
                  json_real_value(json_object_get(lat, "p50")) > 0 &&
                  json_real_value(json_object_get(lat, "p99")) >=
                      json_real_value(json_object_get(lat, "p50")),
              "one at a time: not 20 results, or no round trips: %s", out);
    json_decref(j);
}
END_TEST

Suite *dsk_cluster_jobs_suite(void);

Suite *dsk_cluster_jobs_suite(void)
{
    Suite *s = suite_create("cluster_jobs");
    TCase *tc = tcase_create("jobs");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_seed_search_equals_in_process);
    tcase_add_test(tc, test_three_clients_at_once);
    tcase_add_test(tc, test_bad_job_exits_2_scheduler_serves);
    tcase_add_test(tc, test_floats_print_as_python_does);
    tcase_add_test(tc, test_svc_refit_model_identical);
    tcase_add_test(tc, test_local_cluster);
    tcase_add_test(tc, test_fit_then_predict_in_order);
    tcase_add_test(tc, test_noop_tasks);
    tcase_add_test(tc, test_idle_worker_steals);
    tcase_add_test(tc, test_idle_worker_takes_the_stage);
    suite_add_tcase(s, tc);
    return s;
}
