/*
 * check_search.c — dsk's search space against scikit-learn 1.2's answers
 * (golden/search.json from golden_search.py): fold assignments on the
 * digits and two-category newsgroups labels, ParameterGrid order,
 * ParameterSampler and sample_without_replacement draws, scorer values.
 * Then a whole search with more folds than the search once had room for
 * (golden/search_cv100.json): SVC on digits with cv=100, every split score,
 * mean, std and rank equal to scikit-learn's, bit for bit.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_folds.h"
#include "ml_grid.h"
#include "job_build.h"
#include "job_file.h"
#include "ml_load.h"
#include "ml_scorer.h"
#include "job_local.h"
#include "job_plan.h"
#include "parity_util.h"

static int32_t *s_ints(json_t *arr, int64_t *n)
{
    *n = (int64_t)json_array_size(arr);
    int32_t *y = malloc((size_t)(*n + 1) * sizeof *y);
    for (int64_t i = 0; i < *n; i++)
        y[i] = (int32_t)json_integer_value(json_array_get(arr, (size_t)i));
    return y;
}

static const struct {
    const char *name;
    ml_folds_kind_t kind;
    int n_splits, shuffle;
    int64_t seed;
} s_cvs[] = {
    {"KFold(3)", ML_FOLDS_KFOLD, 3, 0, ML_FOLDS_NO_SEED},
    {"KFold(5)", ML_FOLDS_KFOLD, 5, 0, ML_FOLDS_NO_SEED},
    {"StratifiedKFold(3)", ML_FOLDS_STRATIFIED, 3, 0, ML_FOLDS_NO_SEED},
    {"StratifiedKFold(5)", ML_FOLDS_STRATIFIED, 5, 0, ML_FOLDS_NO_SEED},
    {"StratifiedKFold(5,shuffle,0)", ML_FOLDS_STRATIFIED, 5, 1, 0},
    {"KFold(5,shuffle,0)", ML_FOLDS_KFOLD, 5, 1, 0},
};

static void s_check_folds(json_t *g, const char *dataset)
{
    int64_t n;
    int32_t *y = s_ints(json_object_get(json_object_get(g, "y"), dataset), &n);
    ck_assert_int_gt(n, 800);
    json_t *gf = json_object_get(json_object_get(g, "folds"), dataset);
    int64_t *idx = malloc((size_t)n * sizeof *idx);
    char err[DSK_ERR_LEN];
    for (size_t c = 0; c < sizeof s_cvs / sizeof s_cvs[0]; c++) {
        ml_folds_t *f;
        ck_assert_int_eq(ml_folds_new(s_cvs[c].kind, s_cvs[c].n_splits, s_cvs[c].shuffle,
                                      s_cvs[c].seed, y, n, &f, err), 0);
        json_t *hashes = json_object_get(gf, s_cvs[c].name);
        ck_assert_int_eq(json_array_size(hashes), s_cvs[c].n_splits);
        for (int k = 0; k < s_cvs[c].n_splits; k++) {
            int64_t m = ml_folds_test_indices(f, k, idx);
            ck_assert_int_eq(m, ml_folds_test_size(f, k));
            uint64_t h = pu_fnv1a(idx, (size_t)m * sizeof *idx, PU_FNV_OFFSET);
            ck_assert_msg(pu_hash_equals(json_array_get(hashes, (size_t)k), h),
                          "%s %s fold %d differs from scikit-learn", dataset, s_cvs[c].name, k);
        }
        ml_folds_destroy(&f);
    }
    free(idx);
    free(y);
}

START_TEST(test_folds_digits)
{
    json_t *g = pu_golden("search");
    s_check_folds(g, "digits");
    json_decref(g);
}
END_TEST

START_TEST(test_folds_newsgroups)
{
    json_t *g = pu_golden("search");
    s_check_folds(g, "newsgroups2");
    json_decref(g);
}
END_TEST

/* The seed's grid and the scaled-up ones (examples/), as a job file gives them. */
static void s_add(ml_grid_t *g, const char *name, ml_value_t v)
{
    char err[DSK_ERR_LEN];
    ck_assert_msg(ml_grid_add(g, name, &v, err) == 0, "%s", err);
    ml_value_clear(&v);
}

static ml_value_t s_floats(int n, const double *x)
{
    ml_value_t v = ml_value_list((size_t)n);
    for (int i = 0; i < n; i++)
        v.u.list.items[i] = ml_value_float(x[i]);
    return v;
}

static ml_value_t s_ngrams(void)
{
    ml_value_t v = ml_value_list(2);
    for (int i = 0; i < 2; i++) {
        v.u.list.items[i] = ml_value_list(2);
        v.u.list.items[i].u.list.items[0] = ml_value_int(1);
        v.u.list.items[i].u.list.items[1] = ml_value_int(i + 1);
    }
    return v;
}

static ml_grid_t *s_grid(int scaled)
{
    ml_grid_t *g = ml_grid_new();
    s_add(g, "vect__max_df", s_floats(3, (double[]){0.5, 0.75, 1.0}));
    s_add(g, "vect__ngram_range", s_ngrams());
    if (!scaled)
        return g;
    ml_value_t v = ml_value_list(4);
    v.u.list.items[1] = ml_value_int(5000);
    v.u.list.items[2] = ml_value_int(10000);
    v.u.list.items[3] = ml_value_int(50000);
    s_add(g, "vect__max_features", v);
    v = ml_value_list(2);
    v.u.list.items[0] = ml_value_bool(1);
    v.u.list.items[1] = ml_value_bool(0);
    s_add(g, "tfidf__use_idf", v);
    v = ml_value_list(2);
    v.u.list.items[0] = ml_value_string("l1");
    v.u.list.items[1] = ml_value_string("l2");
    s_add(g, "tfidf__norm", v);
    s_add(g, "clf__alpha", s_floats(2, (double[]){1e-5, 1e-6}));
    v = ml_value_list(2);
    v.u.list.items[0] = ml_value_string("l2");
    v.u.list.items[1] = ml_value_string("elasticnet");
    s_add(g, "clf__penalty", v);
    v = ml_value_list(3);
    for (int i = 0; i < 3; i++)
        v.u.list.items[i] = ml_value_int((int64_t[]){10, 50, 80}[i]);
    s_add(g, "clf__max_iter", v);
    return g;
}

static void s_check_grid(ml_grid_t *grid, json_t *gg)
{
    char err[DSK_ERR_LEN], buf[1024];
    int64_t n = ml_grid_size(grid);
    ck_assert_int_eq(n, json_integer_value(json_object_get(gg, "n")));
    uint64_t h = PU_FNV_OFFSET;
    ml_params_t p = {0};
    for (int64_t i = 0; i < n; i++) {
        ck_assert_int_eq(ml_grid_candidate(grid, i, &p, err), 0);
        ml_params_repr(&p, buf, sizeof buf);
        if (i < 4)
            ck_assert_str_eq(buf, json_string_value(json_array_get(json_object_get(gg, "first"),
                                                                   (size_t)i)));
        if (i == n - 1)
            ck_assert_str_eq(buf, json_string_value(json_object_get(gg, "last")));
        if (i)
            h = pu_fnv1a("\n", 1, h);
        h = pu_fnv1a(buf, strlen(buf), h);
    }
    ml_params_clear(&p);
    ck_assert_msg(pu_hash_equals(json_object_get(gg, "hash"), h), "grid order differs");
}

START_TEST(test_grid_order)
{
    json_t *g = pu_golden("search");
    json_t *gg = json_object_get(g, "grid");
    ml_grid_t *grid = s_grid(0);
    s_check_grid(grid, json_object_get(gg, "seed"));
    ml_grid_destroy(&grid);
    grid = s_grid(1);
    s_check_grid(grid, json_object_get(gg, "scaled"));
    ml_grid_destroy(&grid);
    /* [{'kernel': ['linear']}, {'kernel': ['rbf'], 'gamma': [1, 10]}, {}] */
    grid = ml_grid_new();
    ml_value_t v = ml_value_list(1);
    v.u.list.items[0] = ml_value_string("linear");
    s_add(grid, "kernel", v);
    ml_grid_begin(grid);
    v = ml_value_list(1);
    v.u.list.items[0] = ml_value_string("rbf");
    s_add(grid, "kernel", v);
    v = ml_value_list(2);
    v.u.list.items[0] = ml_value_int(1);
    v.u.list.items[1] = ml_value_int(10);
    s_add(grid, "gamma", v);
    ml_grid_begin(grid);
    s_check_grid(grid, json_object_get(gg, "list"));
    ml_grid_destroy(&grid);
    json_decref(g);
}
END_TEST

static void s_check_sampler(ml_grid_t *grid, json_t *want, int64_t n_iter, int64_t seed)
{
    char err[DSK_ERR_LEN], buf[1024];
    ml_params_t *draws;
    int64_t n;
    ck_assert_int_eq(ml_sampler_draw(grid, n_iter, seed, &draws, &n, err), 0);
    ck_assert_int_eq(n, json_array_size(want));
    for (int64_t i = 0; i < n; i++)
        ck_assert_str_eq(ml_params_repr(&draws[i], buf, sizeof buf),
                         json_string_value(json_array_get(want, (size_t)i)));
    ml_params_array_free(&draws, n);
}

START_TEST(test_sampler)
{
    json_t *g = pu_golden("search");
    ml_grid_t *grid = s_grid(1);
    s_check_sampler(grid, json_object_get(g, "sampler"), 10, 0);
    ml_grid_destroy(&grid);
    grid = s_grid(0);
    s_check_sampler(grid, json_object_get(g, "sampler_seed_grid"), 4, 3);
    ml_grid_destroy(&grid);
    json_t *swr = json_object_get(g, "sample_without_replacement");
    char err[DSK_ERR_LEN];
    for (size_t c = 0; c < json_array_size(swr); c++) {
        json_t *e = json_array_get(swr, c);
        int64_t np = json_integer_value(json_object_get(e, "n_population"));
        int64_t ns = json_integer_value(json_object_get(e, "n_samples"));
        int64_t *out = malloc((size_t)(ns + 1) * sizeof *out);
        ck_assert_int_eq(ml_sample_without_replacement(
                             np, ns, (uint32_t)json_integer_value(json_object_get(e, "seed")),
                             out, err), 0);
        json_t *want = json_object_get(e, "out");
        ck_assert_int_eq(json_array_size(want), ns);
        for (int64_t i = 0; i < ns; i++)
            ck_assert_msg(out[i] == json_integer_value(json_array_get(want, (size_t)i)),
                          "sample_without_replacement(%lld, %lld) item %lld", (long long)np,
                          (long long)ns, (long long)i);
        free(out);
    }
    json_decref(g);
}
END_TEST

START_TEST(test_scorers)
{
    json_t *g = pu_golden("search");
    char err[DSK_ERR_LEN];
    json_t *cases = json_object_get(g, "labels");
    double worst = 0;
    for (size_t c = 0; c < json_array_size(cases); c++) {
        json_t *e = json_array_get(cases, c);
        int64_t n, n2;
        int32_t *t = s_ints(json_object_get(e, "y_true"), &n);
        int32_t *p = s_ints(json_object_get(e, "y_pred"), &n2);
        ck_assert_int_eq(n, n2);
        for (const char *const *name = ml_scorer_names(); *name; name++) {
            const ml_scorer_t *s = ml_scorer_find(*name, err);
            if (ml_scorer_input(s) != ML_SCORER_LABELS)
                continue;
            double got, want = json_number_value(json_object_get(e, *name));
            ck_assert_int_eq(ml_scorer_score_labels(s, t, p, n, &got, err), 0);
            ck_assert_msg(fabs(got - want) <= 1e-12, "%s on %s: %.17g, scikit-learn %.17g",
                          *name, json_string_value(json_object_get(e, "name")), got, want);
            worst = fmax(worst, fabs(got - want));
        }
        free(t);
        free(p);
    }
    json_t *auc = json_object_get(g, "roc_auc");
    const ml_scorer_t *roc = ml_scorer_find("roc_auc", err);
    for (size_t c = 0; c < json_array_size(auc); c++) {
        json_t *e = json_array_get(auc, c);
        int64_t n;
        int32_t *t = s_ints(json_object_get(e, "y_true"), &n);
        json_t *sc = json_object_get(e, "score");
        double *v = malloc((size_t)n * sizeof *v);
        for (int64_t i = 0; i < n; i++)
            v[i] = json_number_value(json_array_get(sc, (size_t)i));
        double got, want = json_number_value(json_object_get(e, "roc_auc"));
        ck_assert_int_eq(ml_scorer_score_values(roc, t, v, n, &got, err), 0);
        ck_assert_msg(fabs(got - want) <= 1e-12, "roc_auc on %s: %.17g, scikit-learn %.17g",
                      json_string_value(json_object_get(e, "name")), got, want);
        worst = fmax(worst, fabs(got - want));
        free(t);
        free(v);
    }
    fprintf(stderr, "search parity: largest scorer difference from scikit-learn %.3g\n", worst);
    json_decref(g);
}
END_TEST

/* The job golden_search.cv100() searched, as a job file gives it. */
static const char s_cv100_job[] =
    "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
    "{\"random_state\": 0}]], \"search\": {\"param_grid\": {\"svc__C\": [0.01, 1.0, 10]}, "
    "\"cv\": 100, \"refit\": false}}";

/* Column name of dsk's cv_results against scikit-learn's: the same doubles, bit for bit. */
static void s_same_doubles(json_t *got_cv, json_t *want_cv, const char *name)
{
    json_t *got = json_object_get(got_cv, name), *want = json_object_get(want_cv, name);
    ck_assert_msg(json_is_array(got) && json_is_array(want), "cv_results has no %s", name);
    ck_assert_msg(json_array_size(got) == json_array_size(want), "%s: %zu values, scikit-learn "
                  "%zu", name, json_array_size(got), json_array_size(want));
    for (size_t c = 0; c < json_array_size(want); c++) {
        double g = json_number_value(json_array_get(got, c));
        double w = json_number_value(json_array_get(want, c));
        ck_assert_msg(json_is_real(json_array_get(got, c)) && memcmp(&g, &w, sizeof g) == 0,
                      "%s[%zu]: dsk %.17g, scikit-learn %.17g", name, c, g, w);
    }
}

/*
 * GridSearchCV(SVC(random_state=0), C in (0.01, 1.0, 10), cv=100) on
 * digits, run in process: the data and the 100 folds are scikit-learn's
 * (so a difference below is the search's), then every cv_results_ column.
 */
START_TEST(test_cv100_digits_svc)
{
    json_t *g = pu_golden("search_cv100");
    json_t *want = json_object_get(g, "cv_results");
    char err[DSK_ERR_LEN] = "";
    pu_data_home();
    job_t *job = NULL;
    ck_assert_msg(job_parse_text(s_cv100_job, strlen(s_cv100_job), "cv100.json", &job,
                                    err) == 0, "%s", err);
    ml_dataset_t *ds = NULL;
    ck_assert_msg(ml_load_dataset(job->data, &ds, err) == 0, "digits: %s", err);
    ck_assert_int_eq(ds->X->kind, ML_DATA_DENSE);
    const ml_dense_t *X = ds->X->dense;
    ck_assert_int_eq(X->nrows, json_integer_value(json_object_get(g, "n")));
    ck_assert_int_eq(X->ncols, json_integer_value(json_object_get(g, "n_features")));
    ck_assert_msg(pu_hash_equals(json_object_get(g, "X_hash"),
                                 pu_fnv1a(X->data, (size_t)(X->nrows * X->ncols) * 8,
                                          PU_FNV_OFFSET)),
                  "digits X differs from scikit-learn's load_digits (a loader problem)");
    ck_assert_msg(pu_hash_equals(json_object_get(g, "y_hash"),
                                 pu_fnv1a(ds->y, (size_t)X->nrows * 4, PU_FNV_OFFSET)),
                  "digits y differs from scikit-learn's load_digits (a loader problem)");

    int n_splits = (int)json_integer_value(json_object_get(g, "n_splits"));
    ml_folds_t *f = NULL;
    ck_assert_msg(job_folds(job, ds, &f, err) == 0, "%s", err);
    ck_assert_int_eq(ml_folds_n_splits(f), n_splits);
    int64_t *idx = malloc((size_t)X->nrows * sizeof *idx);
    uint64_t h = PU_FNV_OFFSET;
    for (int k = 0; k < n_splits; k++) {
        int64_t m = ml_folds_test_indices(f, k, idx);
        h = pu_fnv1a(idx, (size_t)m * sizeof *idx, h);
    }
    ck_assert_msg(pu_hash_equals(json_object_get(g, "folds_hash"), h),
                  "StratifiedKFold(100) test folds differ from scikit-learn's");
    free(idx);
    ml_folds_destroy(&f);

    json_t *res = NULL;
    ck_assert_msg(job_search_local(job, ds, &res, NULL, NULL, err) == 0, "%s", err);
    ck_assert_int_eq(json_integer_value(json_object_get(res, "n_splits")), n_splits);
    json_t *got = json_object_get(res, "cv_results");
    char name[64];
    for (int k = 0; k < n_splits; k++) {
        snprintf(name, sizeof name, "split%d_test_score", k);
        s_same_doubles(got, want, name);
    }
    snprintf(name, sizeof name, "split%d_test_score", n_splits);
    ck_assert_msg(json_object_get(got, name) == NULL, "a split past the last: %s", name);
    s_same_doubles(got, want, "mean_test_score");
    s_same_doubles(got, want, "std_test_score");
    json_t *gr = json_object_get(got, "rank_test_score"), *wr = json_object_get(want,
                                                                               "rank_test_score");
    json_t *gp = json_object_get(got, "params"), *wp = json_object_get(want, "params");
    ck_assert_int_eq(json_array_size(gr), json_array_size(wr));
    ck_assert_int_eq(json_array_size(gp), json_array_size(wp));
    for (size_t c = 0; c < json_array_size(wr); c++) {
        ck_assert_msg(json_integer_value(json_array_get(gr, c)) ==
                          json_integer_value(json_array_get(wr, c)),
                      "rank_test_score[%zu]: dsk %lld, scikit-learn %lld", c,
                      (long long)json_integer_value(json_array_get(gr, c)),
                      (long long)json_integer_value(json_array_get(wr, c)));
        /* scikit-learn searched SVC itself ("C"), dsk a one-step pipeline ("svc__C") */
        json_t *gc = json_object_get(json_array_get(gp, c), "svc__C");
        json_t *wc = json_object_get(json_array_get(wp, c), "C");
        ck_assert_msg(gc && wc && json_equal(gc, wc), "params[%zu] differ from scikit-learn's",
                      c);
    }
    json_decref(res);
    ml_dataset_destroy(&ds);
    job_destroy(&job);
    json_decref(g);
}
END_TEST

Suite *dsk_parity_search_suite(void)
{
    Suite *s = suite_create("parity_search");
    TCase *tc = tcase_create("search");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_folds_digits);
    tcase_add_test(tc, test_folds_newsgroups);
    tcase_add_test(tc, test_grid_order);
    tcase_add_test(tc, test_sampler);
    tcase_add_test(tc, test_scorers);
    suite_add_tcase(s, tc);
    /* 300 SVC fits on ~1,780 rows each: about 23 s here (2 cores, nothing else running) */
    TCase *cv = tcase_create("cv100");
    tcase_set_timeout(cv, 180);
    tcase_add_test(cv, test_cv100_digits_svc);
    suite_add_tcase(s, cv);
    return s;
}
