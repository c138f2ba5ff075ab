/*
 * check_job_plan.c — folds, ParameterGrid / ParameterSampler and the
 * scorers on small synthetic inputs. Expected values come from scikit-learn
 * 1.2.1 (/usr/bin/python3); the snippet that printed them sits next to them.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ml_folds.h"
#include "ml_grid.h"
#include "ml_np_sum.h"
#include "ml_roc_stream.h"
#include "ml_scorer.h"

static const int32_t s_y12[] = {3, 1, 1, 3, 2, 3, 1, 3, 2, 3, 1, 1};

/* The test folds of f as rows of want (each terminated by -1). */
static void s_expect_folds(ml_folds_t *f, const int64_t want[][6])
{
    int64_t idx[12], tr[12];
    for (int k = 0; k < ml_folds_n_splits(f); k++) {
        int64_t m = ml_folds_test_indices(f, k, idx);
        int64_t j = 0;
        for (; want[k][j] >= 0; j++)
            ck_assert_int_eq(idx[j], want[k][j]);
        ck_assert_int_eq(m, j);
        int64_t t = ml_folds_train_indices(f, k, tr);
        ck_assert_int_eq(t + m, 12);
        for (int64_t i = 0; i < t; i++)
            for (int64_t q = 0; q < m; q++)
                ck_assert_int_ne(tr[i], idx[q]);
    }
}

/*
 * y = np.array([3,1,1,3,2,3,1,3,2,3,1,1])
 * for cv in [KFold(3), StratifiedKFold(3), StratifiedKFold(3, shuffle=True,
 *            random_state=1), KFold(4, shuffle=True, random_state=5),
 *            StratifiedKFold(4)]:
 *     print([t.tolist() for _, t in cv.split(y, y)])
 */
START_TEST(test_folds_known_answers)
{
    char err[DSK_ERR_LEN];
    ml_folds_t *f;
    static const int64_t plain[][6] = {{0, 1, 2, 3, -1}, {4, 5, 6, 7, -1}, {8, 9, 10, 11, -1}};
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_KFOLD, 3, 0, ML_FOLDS_NO_SEED, NULL, 12, &f, err), 0);
    s_expect_folds(f, plain);
    ml_folds_destroy(&f);
    ck_assert_ptr_null(f);
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_STRATIFIED, 3, 0, ML_FOLDS_NO_SEED, s_y12, 12, &f,
                                  err), 0);
    s_expect_folds(f, plain);
    ml_folds_destroy(&f);
    static const int64_t strat_shuf[][6] = {{1, 3, 7, 11, -1}, {0, 2, 8, 9, -1},
                                            {4, 5, 6, 10, -1}};
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_STRATIFIED, 3, 1, 1, s_y12, 12, &f, err), 0);
    s_expect_folds(f, strat_shuf);
    ml_folds_destroy(&f);
    static const int64_t k_shuf[][6] = {{2, 5, 7, -1}, {4, 9, 11, -1}, {0, 1, 8, -1},
                                        {3, 6, 10, -1}};
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_KFOLD, 4, 1, 5, NULL, 12, &f, err), 0);
    s_expect_folds(f, k_shuf);
    ml_folds_destroy(&f);
    /* class 2 has 2 members < 4: a warning, not an error */
    static const int64_t strat4[][6] = {{0, 1, 3, -1}, {2, 5, 6, -1}, {4, 7, 10, -1},
                                        {8, 9, 11, -1}};
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_STRATIFIED, 4, 0, ML_FOLDS_NO_SEED, s_y12, 12, &f,
                                  err), 0);
    s_expect_folds(f, strat4);
    ck_assert_int_eq(ml_folds_test_size(f, 0), 3);
    ck_assert_int_eq(ml_folds_train_size(f, 0), 9);
    ml_folds_destroy(&f);
}
END_TEST

START_TEST(test_folds_errors)
{
    char err[DSK_ERR_LEN];
    ml_folds_t *f = NULL;
    static const int32_t y4[] = {0, 0, 1, 1};
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_STRATIFIED, 3, 0, ML_FOLDS_NO_SEED, y4, 4, &f, err),
                     DSK_EINVAL);
    ck_assert_str_eq(err, "n_splits=3 cannot be greater than the number of members in each "
                          "class.");
    ck_assert_ptr_null(f);
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_KFOLD, 1, 0, ML_FOLDS_NO_SEED, NULL, 4, &f, err),
                     DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "n_splits=2 or more, got n_splits=1."));
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_KFOLD, 5, 0, ML_FOLDS_NO_SEED, NULL, 4, &f, err),
                     DSK_EINVAL);
    ck_assert_str_eq(err, "Cannot have number of splits n_splits=5 greater than the number of "
                          "samples: n_samples=4.");
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_KFOLD, 2, 0, 0, NULL, 4, &f, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "Setting a random_state has no effect"));
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_STRATIFIED, 2, 0, ML_FOLDS_NO_SEED, NULL, 4, &f,
                                  err), DSK_EINVAL);
    /* check_cv: a classifier gets StratifiedKFold */
    ck_assert_int_eq(ml_folds_check_cv(3, 1, y4, 4, &f, err), DSK_EINVAL);
    ck_assert_int_eq(ml_folds_check_cv(3, 0, y4, 4, &f, err), 0);
    ck_assert_int_eq(ml_folds_n_samples(f), 4);
    ml_folds_destroy(&f);
}
END_TEST

static ml_value_t s_ints(int n, const int64_t *x)
{
    ml_value_t v = ml_value_list((size_t)n);
    for (int i = 0; i < n; i++)
        v.u.list.items[i] = ml_value_int(x[i]);
    return v;
}

/*
 * list(ParameterGrid({'b': [1, 2], 'a': [3, 4, 5]})) and
 * ParameterGrid([{'kernel': ['linear']}, {'kernel': ['rbf'], 'gamma': [1, 10]}])
 */
START_TEST(test_grid_order_and_errors)
{
    char err[DSK_ERR_LEN], buf[256];
    ml_grid_t *g = ml_grid_new();
    ml_value_t v = s_ints(2, (int64_t[]){1, 2});
    ck_assert_int_eq(ml_grid_add(g, "b", &v, err), 0);
    ml_value_clear(&v);
    v = s_ints(3, (int64_t[]){3, 4, 5});
    ck_assert_int_eq(ml_grid_add(g, "a", &v, err), 0);
    ck_assert_int_eq(ml_grid_add(g, "a", &v, err), DSK_EINVAL);
    ck_assert_str_eq(err, "parameter 'a' appears twice in one grid");
    ml_value_clear(&v);
    ck_assert_int_eq(ml_grid_size(g), 6);
    static const char *const want[] = {"{'a': 3, 'b': 1}", "{'a': 3, 'b': 2}",
                                       "{'a': 4, 'b': 1}", "{'a': 4, 'b': 2}",
                                       "{'a': 5, 'b': 1}", "{'a': 5, 'b': 2}"};
    ml_params_t p = {0};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(ml_grid_candidate(g, i, &p, err), 0);
        ck_assert_str_eq(ml_params_repr(&p, buf, sizeof buf), want[i]);
    }
    ck_assert_int_eq(ml_params_get(&p, "b")->u.i, 2);
    ck_assert_ptr_null(ml_params_get(&p, "c"));
    ck_assert_int_eq(ml_grid_candidate(g, 6, &p, err), DSK_EINVAL);
    ck_assert_str_eq(err, "ParameterGrid index out of range");
    v = ml_value_list(0);
    ck_assert_int_eq(ml_grid_add(g, "c", &v, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Parameter grid for parameter 'c' need to be a non-empty sequence, "
                          "got: []");
    ml_value_clear(&v);
    v = ml_value_float(0.5);
    ck_assert_int_eq(ml_grid_add(g, "c", &v, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Parameter grid for parameter 'c' needs to be a list or a numpy "
                          "array, but got 0.5 (of type float) instead. Single values need to "
                          "be wrapped in a list with one element.");
    ml_params_clear(&p);
    ml_grid_destroy(&g);
    ck_assert_ptr_null(g);

    g = ml_grid_new();
    ck_assert_int_eq(ml_grid_validate(g, err), DSK_EINVAL);
    ck_assert_str_eq(err, "the parameter grid is an empty list");
    ml_params_t *draws;
    int64_t n;
    ck_assert_int_eq(ml_sampler_draw(g, 3, 0, &draws, &n, err), DSK_EINVAL);
    ck_assert_int_eq(ml_grid_add_distribution(g, "clf__alpha", "loguniform", err), DSK_EINVAL);
    ck_assert_str_eq(err, "ParameterSampler: parameter 'clf__alpha': the distribution "
                          "'loguniform' is not supported by dsk; give a list of values");
    ml_grid_destroy(&g);
}
END_TEST

/* sample_without_replacement(10, 5, random_state=42) -> [8, 1, 5, 0, 7] (its docstring);
   list(ParameterSampler({'a': [1, 2, 3]}, n_iter=5, random_state=0)) draws all 3:
   [{'a': 1}, {'a': 2}, {'a': 3}] (ratio 1: reservoir, no draws) */
START_TEST(test_sampler_draws)
{
    char err[DSK_ERR_LEN], buf[128];
    int64_t out[5];
    ck_assert_int_eq(ml_sample_without_replacement(10, 5, 42, out, err), 0);
    static const int64_t want[] = {8, 1, 5, 0, 7};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(out[i], want[i]);
    ck_assert_int_eq(ml_sample_without_replacement(3, 4, 0, out, err), DSK_EINVAL);
    ml_grid_t *g = ml_grid_new();
    ml_value_t v = s_ints(3, (int64_t[]){1, 2, 3});
    ck_assert_int_eq(ml_grid_add(g, "a", &v, err), 0);
    ml_value_clear(&v);
    ml_params_t *draws;
    int64_t n;
    ck_assert_int_eq(ml_sampler_draw(g, 5, 0, &draws, &n, err), 0);
    ck_assert_int_eq(n, 3);
    static const char *const wd[] = {"{'a': 1}", "{'a': 2}", "{'a': 3}"};
    for (int i = 0; i < 3; i++)
        ck_assert_str_eq(ml_params_repr(&draws[i], buf, sizeof buf), wd[i]);
    ml_params_array_free(&draws, n);
    ck_assert_ptr_null(draws);
    ck_assert_int_eq(ml_sampler_draw(g, 0, 0, &draws, &n, err), DSK_EINVAL);
    ml_grid_destroy(&g);
}
END_TEST

static double s_score(const char *name, const int32_t *t, const int32_t *p, int64_t n)
{
    char err[DSK_ERR_LEN];
    const ml_scorer_t *s = ml_scorer_find(name, err);
    ck_assert_ptr_nonnull(s);
    double out = -1;
    ck_assert_int_eq(ml_scorer_score_labels(s, t, p, n, &out, err), 0);
    return out;
}

/*
 * precision_score([0,0,1,1], [0,0,0,0], average='macro') -> 0.25 (0/0 -> 0.0)
 * f1_score([0,0,1,1], [0,0,0,0], average='macro') -> 0.3333333333333333
 * recall_score([0,1,2], [0,1,1], average='macro') -> 0.6666666666666666
 * balanced_accuracy_score([0,1,2,2], [0,1,1,3]) -> 0.6666666666666666
 * f1_score([0,1,1,2,2,2], [0,2,1,2,0,2], average='weighted') -> 0.6666666666666666
 */
START_TEST(test_scorers_known_answers)
{
    ck_assert_double_eq(s_score("precision_macro", (int32_t[]){0, 0, 1, 1},
                                (int32_t[]){0, 0, 0, 0}, 4), 0.25);
    ck_assert_double_eq(s_score("f1_macro", (int32_t[]){0, 0, 1, 1}, (int32_t[]){0, 0, 0, 0},
                                4), 0.3333333333333333);
    ck_assert_double_eq(s_score("recall_macro", (int32_t[]){0, 1, 2}, (int32_t[]){0, 1, 1}, 3),
                        0.6666666666666666);
    ck_assert_double_eq(s_score("balanced_accuracy", (int32_t[]){0, 1, 2, 2},
                                (int32_t[]){0, 1, 1, 3}, 4), 0.6666666666666666);
    ck_assert_double_eq(s_score("f1_weighted", (int32_t[]){0, 1, 1, 2, 2, 2},
                                (int32_t[]){0, 2, 1, 2, 0, 2}, 6), 0.6666666666666666);
    ck_assert_double_eq(s_score("accuracy", (int32_t[]){0, 1, 1, 2, 2, 2},
                                (int32_t[]){0, 2, 1, 2, 0, 2}, 6), 4.0 / 6.0);
}
END_TEST

/*
 * roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) -> 0.75
 * roc_auc_score([0,1,0,1,1], [0.5,0.5,0.5,0.2,0.9]) -> 0.5 (ties grouped)
 */
/* A label scorer over a confusion matrix's (true, pred, count) triples is, to the bit, the
   scorer over the rows (a predict's score sums the matrix over chunks). */
START_TEST(test_scorers_over_counts)
{
    enum { N = 997, K = 5 };
    int32_t t[N], p[N], ct[K * K], cp[K * K];
    int64_t cc[K * K] = {0};
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        t[i] = (int32_t)((x >> 16) % K);
        x = x * 1103515245u + 12345u;
        p[i] = (x >> 16) % 3 ? t[i] : (int32_t)((x >> 8) % (K - 1)); /* class 4 never predicted */
        cc[t[i] * K + p[i]]++;
    }
    int64_t n = 0;
    for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++)
            if (cc[a * K + b]) {
                ct[n] = a;
                cp[n] = b;
                cc[n++] = cc[a * K + b];
            }
    char err[DSK_ERR_LEN];
    for (const char *const *name = ml_scorer_names(); *name; name++) {
        const ml_scorer_t *sc = ml_scorer_find(*name, err);
        if (ml_scorer_input(sc) != ML_SCORER_LABELS)
            continue;
        double rows = -1, counts = -2;
        ck_assert_int_eq(ml_scorer_score_labels(sc, t, p, N, &rows, err), 0);
        ck_assert_int_eq(ml_scorer_score_counts(sc, ct, cp, cc, n, &counts, err), 0);
        ck_assert_msg(rows == counts, "%s: %.17g over the rows, %.17g over the counts", *name,
                      rows, counts);
    }
}
END_TEST

START_TEST(test_roc_auc)
{
    char err[DSK_ERR_LEN];
    const ml_scorer_t *s = ml_scorer_find("roc_auc", err);
    ck_assert_int_eq(ml_scorer_input(s), ML_SCORER_THRESHOLD);
    ck_assert_str_eq(ml_scorer_name(s), "roc_auc");
    double out;
    ck_assert_int_eq(ml_scorer_score_values(s, (int32_t[]){0, 0, 1, 1},
                                            (double[]){0.1, 0.4, 0.35, 0.8}, 4, &out, err), 0);
    ck_assert_double_eq(out, 0.75);
    ck_assert_int_eq(ml_scorer_score_values(s, (int32_t[]){0, 1, 0, 1, 1},
                                            (double[]){0.5, 0.5, 0.5, 0.2, 0.9}, 5, &out, err),
                     0);
    ck_assert_double_eq(out, 0.5);
    ck_assert_int_eq(ml_scorer_score_values(s, (int32_t[]){1, 1}, (double[]){0.5, 0.2}, 2,
                                            &out, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Only one class present in y_true. ROC AUC score is not defined in "
                          "that case.");
    ck_assert_int_eq(ml_scorer_check_binary(s, (int32_t[]){0, 1, 2}, 3, err), DSK_EINVAL);
    ck_assert_str_eq(err, "roc_auc: multiclass format is not supported");
    ck_assert_int_eq(ml_scorer_score_labels(s, (int32_t[]){0, 1}, (int32_t[]){0, 1}, 2, &out,
                                            err), DSK_EINVAL);
    ck_assert_ptr_null(ml_scorer_find("acuracy", err));
    ck_assert_ptr_nonnull(strstr(err, "'acuracy' is not a valid scoring value; valid values "
                                      "are: accuracy, balanced_accuracy, f1_macro"));
    /* np.add.reduce(np.full(10, 0.1)) -> 1.0 with NumPy's eight accumulators;
       a left-to-right loop gives 0.9999999999999999 */
    double tenth[10] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
    ck_assert_double_eq(ml_np_sum(tenth, 10), 1.0);
}
END_TEST

/*
 * roc_auc from spilled, merged runs is roc_auc_score on every row at once,
 * to the bit: values with many ties (rounded) and all distinct (more than
 * 8192 kept points, so several of NumPy's summing runs), labels 3 and 7,
 * added a few rows at a time, held in memory (one run) or in runs of 997.
 */
START_TEST(test_roc_auc_streamed)
{
    char err[DSK_ERR_LEN];
    int64_t n = 60000;
    int32_t *y = malloc((size_t)n * sizeof *y);
    double *v = malloc((size_t)n * sizeof *v);
    srand(7);
    for (int ties = 0; ties < 2; ties++) {
        for (int64_t i = 0; i < n; i++) {
            y[i] = rand() % 3 ? 3 : 7;
            double x = (double)rand() / RAND_MAX + (y[i] == 7 ? 0.3 : 0.0);
            v[i] = ties ? (double)(int64_t)(x * 200) / 200 : x;
        }
        double want, got;
        ck_assert_int_eq(ml_roc_auc_score(y, v, n, &want, err), 0);
        for (int spill = 0; spill < 2; spill++) {
            ml_roc_stream_t *st = ml_roc_stream_new(spill ? 997 : 0);
            for (int64_t i = 0; i < n; i += 1234)
                ck_assert_int_eq(ml_roc_stream_add(st, y + i, v + i, i + 1234 < n ? 1234 : n - i,
                                                   err), 0);
            ck_assert_int_eq(ml_roc_stream_score(st, &got, err), 0);
            ck_assert_msg(memcmp(&got, &want, sizeof got) == 0, "ties %d spill %d: %.17g, want "
                          "%.17g", ties, spill, got, want);
            ml_roc_stream_destroy(&st);
        }
    }
    ml_roc_stream_t *st = ml_roc_stream_new(2);
    double out;
    ck_assert_int_eq(ml_roc_stream_add(st, (int32_t[]){1, 1, 1}, (double[]){0.5, 0.2, 0.1}, 3,
                                       err), 0);
    ck_assert_int_eq(ml_roc_stream_score(st, &out, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Only one class present in y_true. ROC AUC score is not defined in "
                          "that case.");
    ck_assert_int_eq(ml_roc_stream_add(st, (int32_t[]){0, 2}, (double[]){0.5, 0.2}, 2, err), 0);
    ck_assert_int_eq(ml_roc_stream_score(st, &out, err), DSK_EINVAL);
    ck_assert_str_eq(err, "multiclass format is not supported");
    ck_assert_int_eq(ml_roc_stream_add(st, (int32_t[]){0}, (double[]){NAN}, 1, err), DSK_EINVAL);
    ml_roc_stream_destroy(&st);
    free(y);
    free(v);
}
END_TEST

Suite *dsk_ml_select_suite(void)
{
    Suite *s = suite_create("ml_select");
    TCase *tc = tcase_create("search");
    tcase_set_timeout(tc, 5);
    tcase_add_test(tc, test_folds_known_answers);
    tcase_add_test(tc, test_folds_errors);
    tcase_add_test(tc, test_grid_order_and_errors);
    tcase_add_test(tc, test_sampler_draws);
    tcase_add_test(tc, test_scorers_known_answers);
    tcase_add_test(tc, test_roc_auc);
    tcase_add_test(tc, test_roc_auc_streamed);
    tcase_add_test(tc, test_scorers_over_counts);
    suite_add_tcase(s, tc);
    return s;
}
