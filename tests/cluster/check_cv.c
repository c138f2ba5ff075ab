/*
 * check_cv.c — a search with more folds than the search once had room for
 * (it kept 64 scores per candidate on the stack), through a real cluster:
 * dskd-scheduler, 3 dskd-workers with one thread each, dsk-submit search.
 * GridSearchCV(SVC(random_state=0), C in (0.01, 1.0, 10), cv=100) on
 * digits: every split score, mean, std and rank must be scikit-learn's,
 * bit for bit, as tests/parity/golden/search_cv100.json has them
 * (golden_search.py). This binary does not link the parity helpers, so the
 * golden file is read here with jansson.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_util.h"

static char s_ep[64];

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

/* A scheduler and n workers (one thread each) on a fresh port, all registered. */
static void s_cluster(int n)
{
    cu_endpoint(s_ep, sizeof s_ep);
    const char *sargs[] = {"--listen", s_ep, "--log-level", "debug", NULL};
    cu_spawn("dskd-scheduler", "scheduler.log", sargs);
    for (int i = 0; i < n; i++) {
        char name[16], log[32];
        snprintf(name, sizeof name, "w%d", i + 1);
        snprintf(log, sizeof log, "worker%d.log", i + 1);
        const char *wargs[] = {"--scheduler", s_ep, "--name", name, "--nthreads", "1",
                               "--log-level", "debug", NULL};
        cu_spawn("dskd-worker", log, wargs);
    }
    CU_ASSERT(cu_wait_workers(s_ep, n, 10000) >= 0, "%d workers did not register", n);
}

/* tests/parity/golden/search_cv100.json (or under $DSK_GOLDEN_DIR, as the parity suites). */
static json_t *s_golden(void)
{
    char path[1024];
    const char *dir = getenv("DSK_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/search_cv100.json",
             dir && *dir ? dir : "tests/parity/golden");
    json_error_t jerr;
    json_t *g = json_load_file(path, 0, &jerr);
    ck_assert_msg(g != NULL, "golden file %s: %s (line %d); run `make check` from the top of "
                  "the tree", path, jerr.text, jerr.line);
    return g;
}

/* Column name of the cluster's cv_results against scikit-learn's: the same doubles, bit for bit. */
static void s_same_doubles(json_t *got_cv, json_t *want_cv, const char *name)
{
    json_t *got = json_object_get(got_cv, name), *want = json_object_get(want_cv, name);
    CU_ASSERT(json_is_array(got) && json_is_array(want), "cv_results has no %s", name);
    CU_ASSERT(json_array_size(got) == json_array_size(want), "%s: %zu values, scikit-learn %zu",
              name, json_array_size(got), json_array_size(want));
    for (size_t c = 0; c < json_array_size(want); c++) {
        double g = json_number_value(json_array_get(got, c));
        double w = json_number_value(json_array_get(want, c));
        CU_ASSERT(json_is_real(json_array_get(got, c)) && memcmp(&g, &w, sizeof g) == 0,
                  "%s[%zu]: the cluster %.17g, scikit-learn %.17g", name, c, g, w);
    }
}

START_TEST(test_cv100_equals_scikit_learn)
{
    json_t *g = s_golden();
    json_t *want = json_object_get(g, "cv_results");
    int n_splits = (int)json_integer_value(json_object_get(g, "n_splits"));
    ck_assert_int_eq(n_splits, 100);
    s_cluster(3);

    char job[512], out[512], err[4096] = "";
    snprintf(job, sizeof job, "%s/cv100.json", cu_tmpdir());
    FILE *f = fopen(job, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
               "{\"random_state\": 0}]], \"search\": {\"param_grid\": {\"svc__C\": [0.01, 1.0, "
               "10]}, \"cv\": 100, \"refit\": false}}\n");
    fclose(f);
    snprintf(out, sizeof out, "%s/cv100_result.json", cu_tmpdir());
    const char *args[] = {"search", job, "--out", out, "--quiet", NULL};
    int64_t t0 = cu_now_ms();
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 0, "dsk-submit search exited %d: %s", rc, err);
    fprintf(stderr, "cluster cv100: 300 fits on 3 workers in %.1f s\n",
            (double)(cu_now_ms() - t0) / 1000);

    json_error_t jerr;
    json_t *res = json_load_file(out, 0, &jerr);
    CU_ASSERT(res != NULL, "%s: %s", out, jerr.text);
    CU_ASSERT(json_integer_value(json_object_get(res, "n_splits")) == n_splits,
              "n_splits %lld, not %d", (long long)json_integer_value(json_object_get(res,
              "n_splits")), n_splits);
    json_t *got = json_object_get(res, "cv_results");
    char name[64];
    for (int k = 0; k < n_splits; k++) {
        snprintf(name, sizeof name, "split%d_test_score", k);
        s_same_doubles(got, want, name);
    }
    snprintf(name, sizeof name, "split%d_test_score", n_splits);
    CU_ASSERT(json_object_get(got, name) == NULL, "a split past the last: %s", name);
    s_same_doubles(got, want, "mean_test_score");
    s_same_doubles(got, want, "std_test_score");
    json_t *gr = json_object_get(got, "rank_test_score"), *wr = json_object_get(want,
                                                                               "rank_test_score");
    json_t *gp = json_object_get(got, "params"), *wp = json_object_get(want, "params");
    CU_ASSERT(json_array_size(gr) == json_array_size(wr) &&
                  json_array_size(gp) == json_array_size(wp),
              "%zu ranks and %zu params, scikit-learn %zu", json_array_size(gr),
              json_array_size(gp), json_array_size(wr));
    for (size_t c = 0; c < json_array_size(wr); c++) {
        CU_ASSERT(json_integer_value(json_array_get(gr, c)) ==
                      json_integer_value(json_array_get(wr, c)),
                  "rank_test_score[%zu]: the cluster %lld, scikit-learn %lld", c,
                  (long long)json_integer_value(json_array_get(gr, c)),
                  (long long)json_integer_value(json_array_get(wr, c)));
        /* scikit-learn searched SVC itself ("C"), dsk a one-step pipeline ("svc__C") */
        json_t *gc = json_object_get(json_array_get(gp, c), "svc__C");
        json_t *wc = json_object_get(json_array_get(wp, c), "C");
        CU_ASSERT(gc && wc && json_equal(gc, wc), "params[%zu] differ from scikit-learn's", c);
    }
    json_decref(res);
    json_decref(g);
}
END_TEST

Suite *dsk_cluster_cv_suite(void);

Suite *dsk_cluster_cv_suite(void)
{
    Suite *s = suite_create("cluster_cv");
    TCase *tc = tcase_create("cv100");
    /* 300 SVC fits over 3 one-thread workers: about 8 s here (2 cores) */
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_cv100_equals_scikit_learn);
    suite_add_tcase(s, tc);
    return s;
}
