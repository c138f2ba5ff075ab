/*
 * check_search_parity.c — whole searches through a real cluster (a
 * dskd-scheduler and 3 dskd-workers of one thread each, `dsk-submit search
 * JOB --out R.json`) against scikit-learn's GridSearchCV /
 * RandomizedSearchCV, as tests/parity/golden/searches_<name>.json hold
 * them (golden_searches.py; the job file is in the golden, written out
 * verbatim and submitted):
 *
 *  - seed_grid (examples/seed_grid.json, 2 newsgroups, SGD random_state=0),
 *    random_svc (RandomizedSearchCV over lists, SVC on digits) and
 *    digits_svc (examples/digits_svc.json, refit): every key of cv_results
 *    (split<k>_test_score, mean, std, rank, params, param_<name>) and
 *    best_index, best_params, best_score bit for bit;
 *  - news20 (all 20 categories): dsk's joint one-vs-all SGD is not
 *    scikit-learn's schedule, so the scores are compared within the
 *    golden's tolerance (3x scikit-learn's own spread over random_state
 *    0..4, per candidate and column), and ranks may differ from
 *    scikit-learn's only between candidates whose golden means are within
 *    their tolerances of each other; everything deterministic (the data,
 *    the fold assignment, n_splits, the candidates and their order, every
 *    split score a count over scikit-learn's test fold size) exactly.
 *
 * The data and folds are checked in this process with the library the
 * daemons run (ml_load_dataset, job_folds) against scikit-learn's
 * fingerprints, so a loader or fold difference is told apart from a
 * search one. DSK_GOLDEN_DIR points at another golden directory.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_util.h"
#include "ml_folds.h"
#include "job_build.h"
#include "job_file.h"
#include "ml_load.h"

static char s_ep[64];

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

/* tests/parity/golden/searches_<name>.json, or under $DSK_GOLDEN_DIR. */
static json_t *s_golden(const char *name)
{
    char path[1024];
    const char *dir = getenv("DSK_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/searches_%s.json", dir && *dir ? dir : "tests/parity/golden",
             name);
    json_error_t jerr;
    json_t *g = json_load_file(path, 0, &jerr);
    ck_assert_msg(g != NULL, "golden file %s: %s (line %d); run from the top of the tree, or "
                  "regenerate with tests/parity/make_golden.py --only searches", path,
                  jerr.text, jerr.line);
    return g;
}

/* FNV-1a 64, chained through h: the fingerprint make_golden.py's hexhash computes. */
static uint64_t s_fnv1a(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void s_same_hash(json_t *g, const char *key, uint64_t got, const char *what)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)got);
    const char *want = json_string_value(json_object_get(g, key));
    ck_assert_msg(want && strcmp(want, hex) == 0, "%s: dsk %s, scikit-learn %s", what, hex,
                  want ? want : "(none)");
}

/*
 * The job's data and folds as the daemons make them (the same library, in
 * this process) against scikit-learn's: the number of rows, the labels, the
 * pixels for digits, and every test fold's indices. A search whose inputs
 * differ could not be compared at all, so this runs first.
 */
static void s_check_data_and_folds(json_t *g)
{
    char err[DSK_ERR_LEN] = "", *text = json_dumps(json_object_get(g, "job"), JSON_COMPACT);
    job_t *job = NULL;
    ck_assert_msg(job_parse_text(text, strlen(text), "golden job", &job, err) == 0, "%s", err);
    free(text);
    ml_dataset_t *ds = NULL;
    ck_assert_msg(ml_load_dataset(job->data, &ds, err) == 0, "loading the data: %s", err);
    int64_t n = ds->X->nrows;
    ck_assert_msg(n == json_integer_value(json_object_get(g, "n")), "%lld rows, scikit-learn %lld",
                  (long long)n, (long long)json_integer_value(json_object_get(g, "n")));
    s_same_hash(g, "y_hash", s_fnv1a(ds->y, (size_t)n * sizeof *ds->y, 0xcbf29ce484222325ULL),
                "the labels");
    if (json_object_get(g, "X_hash")) {
        ck_assert_int_eq(ds->X->kind, ML_DATA_DENSE);
        const ml_dense_t *X = ds->X->dense;
        ck_assert_int_eq(X->ncols, json_integer_value(json_object_get(g, "n_features")));
        s_same_hash(g, "X_hash", s_fnv1a(X->data, (size_t)(X->nrows * X->ncols) * 8,
                                         0xcbf29ce484222325ULL), "the features");
    }
    ml_folds_t *f = NULL;
    ck_assert_msg(job_folds(job, ds, &f, err) == 0, "%s", err);
    json_t *n_test = json_object_get(g, "n_test");
    ck_assert_int_eq(ml_folds_n_splits(f), json_array_size(n_test));
    int64_t *idx = malloc((size_t)n * sizeof *idx);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int k = 0; k < ml_folds_n_splits(f); k++) {
        int64_t m = ml_folds_test_indices(f, k, idx);
        ck_assert_msg(m == json_integer_value(json_array_get(n_test, (size_t)k)),
                      "test fold %d: %lld samples, scikit-learn %lld", k, (long long)m,
                      (long long)json_integer_value(json_array_get(n_test, (size_t)k)));
        h = s_fnv1a(idx, (size_t)m * sizeof *idx, h);
    }
    s_same_hash(g, "folds_hash", h, "the test folds' indices");
    free(idx);
    ml_folds_destroy(&f);
    ml_dataset_destroy(&ds);
    job_destroy(&job);
}

/* The golden's job through the cluster at s_ep; returns the result document (caller owns). */
static json_t *s_search(json_t *g, const char *name)
{
    char job[512], out[512], err[4096] = "";
    snprintf(job, sizeof job, "%s/%s.json", cu_tmpdir(), name);
    ck_assert_int_eq(json_dump_file(json_object_get(g, "job"), job, JSON_INDENT(1)), 0);
    snprintf(out, sizeof out, "%s/%s_result.json", cu_tmpdir(), name);
    const char *args[] = {"search", job, "--out", out, "--quiet", NULL};
    int64_t t0 = cu_now_ms();
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 0, "dsk-submit search %s exited %d: %s", name, rc, err);
    fprintf(stderr, "search parity %s: %lld candidates x %lld folds on 3 workers in %.1f s\n",
            name, (long long)json_integer_value(json_object_get(g, "n_candidates")),
            (long long)json_integer_value(json_object_get(g, "n_splits")),
            (double)(cu_now_ms() - t0) / 1000);
    json_error_t jerr;
    json_t *res = json_load_file(out, 0, &jerr);
    CU_ASSERT(res != NULL, "%s: %s", out, jerr.text);
    return res;
}

/* Candidate c's params as text, for messages (a static buffer). */
static const char *s_params_text(json_t *cv, size_t c)
{
    static char buf[512];
    char *t = json_dumps(json_array_get(json_object_get(cv, "params"), c),
                         JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
    snprintf(buf, sizeof buf, "%s", t ? t : "?");
    free(t);
    return buf;
}

/*
 * The deterministic part of any search, exactly: n_splits and n_candidates,
 * the same set of score and param_ columns (no split past the last), params
 * and every param_<name> entry in scikit-learn's candidate order.
 */
static void s_same_shape(json_t *res, json_t *g)
{
    json_t *got = json_object_get(res, "cv_results"), *want = json_object_get(g, "cv_results");
    CU_ASSERT(json_is_object(got), "the result has no cv_results");
    CU_ASSERT(json_equal(json_object_get(res, "n_splits"), json_object_get(g, "n_splits")) &&
                  json_equal(json_object_get(res, "n_candidates"),
                             json_object_get(g, "n_candidates")),
              "%lld candidates x %lld splits, scikit-learn %lld x %lld",
              (long long)json_integer_value(json_object_get(res, "n_candidates")),
              (long long)json_integer_value(json_object_get(res, "n_splits")),
              (long long)json_integer_value(json_object_get(g, "n_candidates")),
              (long long)json_integer_value(json_object_get(g, "n_splits")));
    const char *key;
    json_t *col;
    json_object_foreach(want, key, col)
        CU_ASSERT(json_object_get(got, key) != NULL, "cv_results has no %s", key);
    json_object_foreach(got, key, col) {
        int timing = strstr(key, "_time") != NULL; /* mean_fit_time ...: not compared */
        CU_ASSERT(timing || json_object_get(want, key) != NULL,
                  "cv_results has %s, scikit-learn's has not", key);
    }
    size_t n = (size_t)json_integer_value(json_object_get(g, "n_candidates"));
    json_object_foreach(want, key, col) {
        if (strcmp(key, "params") != 0 && strncmp(key, "param_", 6) != 0)
            continue;
        json_t *gcol = json_object_get(got, key);
        CU_ASSERT(json_array_size(gcol) == n && json_array_size(col) == n,
                  "%s: %zu entries, scikit-learn %zu", key, json_array_size(gcol),
                  json_array_size(col));
        for (size_t c = 0; c < n; c++) {
            char *a = json_dumps(json_array_get(gcol, c), JSON_ENCODE_ANY | JSON_SORT_KEYS);
            char *b = json_dumps(json_array_get(col, c), JSON_ENCODE_ANY | JSON_SORT_KEYS);
            CU_ASSERT(json_equal(json_array_get(gcol, c), json_array_get(col, c)),
                      "%s[%zu]: the cluster %s, scikit-learn %s", key, c, a, b);
            free(a);
            free(b);
        }
    }
}

/* Column name, candidate c of cv_results (a double, or NaN when absent or not a number). */
static double s_num(json_t *cv, const char *name, size_t c)
{
    json_t *v = json_array_get(json_object_get(cv, name), c);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* A score column bit for bit, and a JSON real (not an integer that happens to be equal). */
static void s_exact_column(json_t *got_cv, json_t *want_cv, const char *name)
{
    size_t n = json_array_size(json_object_get(want_cv, name));
    for (size_t c = 0; c < n; c++) {
        double g = s_num(got_cv, name, c), w = s_num(want_cv, name, c);
        CU_ASSERT(json_is_real(json_array_get(json_object_get(got_cv, name), c)) &&
                      memcmp(&g, &w, sizeof g) == 0,
                  "%s[%zu] %s: the cluster %.17g, scikit-learn %.17g", name, c,
                  s_params_text(want_cv, c), g, w);
    }
}

/* Every score, rank and best_* bit for bit: the searches dsk answers exactly. */
static void s_compare_exact(json_t *res, json_t *g)
{
    json_t *got = json_object_get(res, "cv_results"), *want = json_object_get(g, "cv_results");
    int n_splits = (int)json_integer_value(json_object_get(g, "n_splits"));
    char name[64];
    for (int k = 0; k < n_splits; k++) {
        snprintf(name, sizeof name, "split%d_test_score", k);
        s_exact_column(got, want, name);
    }
    s_exact_column(got, want, "mean_test_score");
    s_exact_column(got, want, "std_test_score");
    json_t *gr = json_object_get(got, "rank_test_score"), *wr = json_object_get(want,
                                                                               "rank_test_score");
    for (size_t c = 0; c < json_array_size(wr); c++)
        CU_ASSERT(json_is_integer(json_array_get(gr, c)) &&
                      json_integer_value(json_array_get(gr, c)) ==
                          json_integer_value(json_array_get(wr, c)),
                  "rank_test_score[%zu] %s: the cluster %lld, scikit-learn %lld", c,
                  s_params_text(want, c), (long long)json_integer_value(json_array_get(gr, c)),
                  (long long)json_integer_value(json_array_get(wr, c)));
    CU_ASSERT(json_equal(json_object_get(res, "best_index"), json_object_get(g, "best_index")),
              "best_index: the cluster %lld, scikit-learn %lld",
              (long long)json_integer_value(json_object_get(res, "best_index")),
              (long long)json_integer_value(json_object_get(g, "best_index")));
    CU_ASSERT(json_equal(json_object_get(res, "best_params"), json_object_get(g, "best_params")),
              "best_params differ from scikit-learn's");
    double bg = json_number_value(json_object_get(res, "best_score"));
    double bw = json_number_value(json_object_get(g, "best_score"));
    CU_ASSERT(memcmp(&bg, &bw, sizeof bg) == 0, "best_score: the cluster %.17g, scikit-learn "
              "%.17g", bg, bw);
}

/*
 * A score column within the golden's tolerance for each candidate (3x
 * scikit-learn's spread over its random_states); returns the largest
 * difference seen, for the log.
 */
static double s_close_column(json_t *got_cv, json_t *g, const char *name)
{
    json_t *want_cv = json_object_get(g, "cv_results");
    json_t *tol = json_object_get(json_object_get(g, "tolerance"), name);
    size_t n = json_array_size(json_object_get(want_cv, name));
    CU_ASSERT(json_array_size(tol) == n, "the golden has no tolerance for %s", name);
    double worst = 0;
    for (size_t c = 0; c < n; c++) {
        double x = s_num(got_cv, name, c), w = s_num(want_cv, name, c);
        double t = json_number_value(json_array_get(tol, c));
        CU_ASSERT(fabs(x - w) <= t, "%s[%zu] %s: the cluster %.17g, scikit-learn %.17g: "
                  "|diff| %.4g > tolerance %.4g", name, c, s_params_text(want_cv, c), x, w,
                  fabs(x - w), t);
        worst = fmax(worst, fabs(x - w));
    }
    return worst;
}

/*
 * Ranks and best_* of a search compared within tolerances. dsk's ranks
 * must be its own means ranked as scikit-learn ranks them (rankdata
 * "min": 1 + the number of strictly better means), best_index the first
 * rank 1, best_params and best_score that candidate's. Against
 * scikit-learn, two candidates may change places only where the mean
 * tolerance lets them: when scikit-learn's means are further apart than
 * the two tolerances together, the cluster must order them the same.
 * That follows from the mean check and the rank rule above; it is spelled
 * out so that a swap is named as one. A stricter rule would refuse means
 * the tolerance accepts. (On the 20-category grid every pair of
 * candidates is within reach, so what pins the ranks there is the means.)
 */
static void s_compare_ranks(json_t *res, json_t *g)
{
    json_t *got = json_object_get(res, "cv_results"), *want = json_object_get(g, "cv_results");
    json_t *tol = json_object_get(json_object_get(g, "tolerance"), "mean_test_score");
    json_t *gr = json_object_get(got, "rank_test_score");
    size_t n = json_array_size(gr), first_best = n;
    for (size_t c = 0; c < n; c++) {
        fprintf(stderr, "search parity: %zu %s: mean %.4f, scikit-learn %.4f (tolerance %.4f); "
                "rank %lld, scikit-learn %lld\n", c, s_params_text(want, c),
                s_num(got, "mean_test_score", c), s_num(want, "mean_test_score", c),
                json_number_value(json_array_get(tol, c)),
                (long long)json_integer_value(json_array_get(gr, c)),
                (long long)json_integer_value(
                    json_array_get(json_object_get(want, "rank_test_score"), c)));
        long long rank = 1;
        for (size_t j = 0; j < n; j++)
            rank += s_num(got, "mean_test_score", j) > s_num(got, "mean_test_score", c);
        CU_ASSERT(json_integer_value(json_array_get(gr, c)) == rank,
                  "rank_test_score[%zu]: %lld, but its mean ranks %lld among the cluster's", c,
                  (long long)json_integer_value(json_array_get(gr, c)), rank);
        if (rank == 1 && first_best == n)
            first_best = c;
        for (size_t j = 0; j < n; j++) {
            double wj = s_num(want, "mean_test_score", j), wc = s_num(want, "mean_test_score", c);
            double apart = json_number_value(json_array_get(tol, j)) +
                           json_number_value(json_array_get(tol, c));
            CU_ASSERT(!(wj - wc > apart) || json_integer_value(json_array_get(gr, j)) <
                                                json_integer_value(json_array_get(gr, c)),
                      "candidate %zu %s (scikit-learn %.4f) is clearly better than %zu "
                      "(%.4f, tolerances %.4g apart), yet ranks %lld against %lld", j,
                      s_params_text(want, j), wj, c, wc, apart,
                      (long long)json_integer_value(json_array_get(gr, j)),
                      (long long)json_integer_value(json_array_get(gr, c)));
        }
    }
    size_t best = (size_t)json_integer_value(json_object_get(res, "best_index"));
    CU_ASSERT(best == first_best, "best_index %zu, not the first rank 1 (%zu)", best, first_best);
    CU_ASSERT(json_equal(json_object_get(res, "best_params"),
                         json_array_get(json_object_get(got, "params"), best)),
              "best_params are not params[best_index]");
    CU_ASSERT(json_number_value(json_object_get(res, "best_score")) ==
                  s_num(got, "mean_test_score", best),
              "best_score is not mean_test_score[best_index]");
    fprintf(stderr, "search parity: best_index %zu %s, scikit-learn's %lld\n", best,
            s_params_text(got, best), (long long)json_integer_value(json_object_get(g,
                                                                           "best_index")));
}

/*
 * The tolerance comparison: every split score a whole number of correct
 * answers over scikit-learn's test fold size (the fold sizes are exact),
 * then every score column within its tolerance, then the ranks.
 */
static void s_compare_close(json_t *res, json_t *g)
{
    json_t *got = json_object_get(res, "cv_results");
    json_t *n_test = json_object_get(g, "n_test");
    size_t n = (size_t)json_integer_value(json_object_get(g, "n_candidates"));
    int n_splits = (int)json_integer_value(json_object_get(g, "n_splits"));
    char name[64];
    double worst_split = 0;
    for (int k = 0; k < n_splits; k++) {
        snprintf(name, sizeof name, "split%d_test_score", k);
        double m = (double)json_integer_value(json_array_get(n_test, (size_t)k));
        for (size_t c = 0; c < n; c++) {
            double right = s_num(got, name, c) * m;
            CU_ASSERT(fabs(right - nearbyint(right)) < 1e-6,
                      "%s[%zu] %.17g is not a count over the %.0f samples of scikit-learn's "
                      "test fold", name, c, s_num(got, name, c), m);
        }
        worst_split = fmax(worst_split, s_close_column(got, g, name));
    }
    double worst_mean = s_close_column(got, g, "mean_test_score");
    double worst_std = s_close_column(got, g, "std_test_score");
    fprintf(stderr, "search parity: largest |dsk - scikit-learn|: split %.4f, mean %.4f, "
            "std %.4f\n", worst_split, worst_mean, worst_std);
    s_compare_ranks(res, g);
}

/* One golden search: its data and folds, then the cluster's answer. */
static void s_parity(const char *name)
{
    json_t *g = s_golden(name);
    s_check_data_and_folds(g);
    CU_ASSERT(cu_start_cluster(s_ep, 3, 1, NULL, NULL) > 0, "3 workers did not register");
    json_t *res = s_search(g, name);
    s_same_shape(res, g);
    if (json_is_true(json_object_get(g, "exact")))
        s_compare_exact(res, g);
    else
        s_compare_close(res, g);
    json_decref(res);
    json_decref(g);
}

START_TEST(test_seed_grid_equals_scikit_learn)
{
    s_parity("seed_grid");
}
END_TEST

START_TEST(test_random_svc_equals_scikit_learn)
{
    s_parity("random_svc");
}
END_TEST

START_TEST(test_digits_svc_refit_equals_scikit_learn)
{
    s_parity("digits_svc");
}
END_TEST

START_TEST(test_news20_within_scikit_learn_spread)
{
    s_parity("news20");
}
END_TEST

Suite *dsk_cluster_search_parity_suite(void);

Suite *dsk_cluster_search_parity_suite(void)
{
    Suite *s = suite_create("cluster_search_parity");
    TCase *tc = tcase_create("exact");
    /* each about 1 s on 3 one-thread workers (2 cores), plus loading the data */
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_seed_grid_equals_scikit_learn);
    tcase_add_test(tc, test_random_svc_equals_scikit_learn);
    tcase_add_test(tc, test_digits_svc_refit_equals_scikit_learn);
    suite_add_tcase(s, tc);
    TCase *tol = tcase_create("news20");
    /* 12 fits of 20 classes on bigrams: about 15 s on 3 one-thread workers */
    tcase_set_timeout(tol, 300);
    tcase_add_checked_fixture(tol, NULL, teardown);
    tcase_add_test(tol, test_news20_within_scikit_learn_spread);
    suite_add_tcase(s, tol);
    return s;
}
