/*
 * check_sgd.c — dsk's SGDClassifier against scikit-learn 1.2 in the seed's
 * pipeline CountVectorizer -> TfidfTransformer -> SGDClassifier(max_iter=
 * 1000) on 20 newsgroups (golden_sgd.py):
 *  - the 2-category fit with random_state=0: coef_ and intercept_ close to
 *    scikit-learn's (the solver is bit-exact given bit-equal TF-IDF);
 *  - the 3-fold grid over max_df x ngram_range: each candidate's mean CV
 *    accuracy over random_state 0..4 within 0.01 of scikit-learn's;
 *  - all 20 categories, train -> test: mean accuracy over random_state
 *    0..4 within 0.01 of scikit-learn's, both in the default joint
 *    one-vs-all mode and in the exact per-class mode (ml_sgd_set_exact_ova).
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ml_count_vectorizer.h"
#include "ml_loaders.h"
#include "ml_sgd.h"
#include "ml_tfidf.h"
#include "parity_util.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static ml_dataset_t *s_load(const char *subset, int two)
{
    char err[DSK_ERR_LEN];
    json_t *spec = json_pack("{s:s, s:s, s:s}", "loader", "20newsgroups", "subset", subset,
                             "data_home", pu_data_home());
    if (two)
        json_object_set_new(spec, "categories",
                            json_pack("[s, s]", "alt.atheism", "talk.religion.misc"));
    ml_dataset_t *ds = NULL;
    int rc = ml_dataset_load(spec, &ds, err);
    json_decref(spec);
    ck_assert_msg(rc == 0, "loading 20 newsgroups: %s", err);
    return ds;
}

static double s_num(json_t *j)
{
    return json_is_string(j) ? strtod(json_string_value(j), NULL) : json_number_value(j);
}

static void s_set(const ml_estimator_ops_t *ops, void *impl, const char *name, ml_value_t v)
{
    char err[DSK_ERR_LEN];
    int rc = ops->set_param(impl, name, &v, err);
    ml_value_clear(&v);
    ck_assert_msg(rc == 0, "%s: %s", name, err);
}

/* The seed's pipeline, fitted on train: vectorizer, tf-idf and classifier impls. */
typedef struct {
    void *cv, *tf, *sgd;
} s_pipe_t;

static int s_exact_ova; /* each test sets it: ml_sgd_set_exact_ova for the pipeline */
static const char *s_penalty = "l2"; /* and the classifier's penalty */

static void s_pipe_fit(s_pipe_t *p, const ml_data_t *docs, const int32_t *y, double max_df,
                       int ngram_hi, int seed, double *fit_seconds)
{
    char err[DSK_ERR_LEN];
    p->cv = ml_count_vectorizer_ops.create();
    p->tf = ml_tfidf_transformer_ops.create();
    p->sgd = ml_sgd_classifier_ops.create();
    s_set(&ml_count_vectorizer_ops, p->cv, "max_df", ml_value_float(max_df));
    ml_value_t ng = ml_value_list(2);
    ng.u.list.items[0] = ml_value_int(1);
    ng.u.list.items[1] = ml_value_int(ngram_hi);
    s_set(&ml_count_vectorizer_ops, p->cv, "ngram_range", ng);
    s_set(&ml_sgd_classifier_ops, p->sgd, "max_iter", ml_value_int(1000));
    ml_value_t pen = ml_value_string(s_penalty);
    s_set(&ml_sgd_classifier_ops, p->sgd, "penalty", pen);
    ml_sgd_set_exact_ova(p->sgd, s_exact_ova);
    s_set(&ml_sgd_classifier_ops, p->sgd, "random_state", ml_value_int(seed));
    ml_data_t *counts, *tfidf;
    ck_assert_msg(ml_count_vectorizer_ops.fit(p->cv, docs, NULL, err) == 0, "%s", err);
    ck_assert_msg(ml_count_vectorizer_ops.transform(p->cv, docs, &counts, err) == 0, "%s", err);
    ck_assert_msg(ml_tfidf_transformer_ops.fit(p->tf, counts, NULL, err) == 0, "%s", err);
    ck_assert_msg(ml_tfidf_transformer_ops.transform(p->tf, counts, &tfidf, err) == 0, "%s",
                  err);
    double t0 = s_now();
    ck_assert_msg(ml_sgd_classifier_ops.fit(p->sgd, tfidf, y, err) == 0, "%s", err);
    if (fit_seconds)
        *fit_seconds = s_now() - t0;
    ml_data_destroy(&counts);
    ml_data_destroy(&tfidf);
}

/* Accuracy of the fitted pipeline on docs. */
static double s_pipe_score(const s_pipe_t *p, const ml_data_t *docs, const int32_t *y)
{
    char err[DSK_ERR_LEN];
    ml_data_t *counts, *tfidf;
    ck_assert_msg(ml_count_vectorizer_ops.transform(p->cv, docs, &counts, err) == 0, "%s", err);
    ck_assert_msg(ml_tfidf_transformer_ops.transform(p->tf, counts, &tfidf, err) == 0, "%s",
                  err);
    int32_t *pred = malloc((size_t)docs->nrows * sizeof *pred);
    ck_assert_msg(ml_sgd_classifier_ops.predict(p->sgd, tfidf, pred, err) == 0, "%s", err);
    int64_t ok = 0;
    for (int64_t i = 0; i < docs->nrows; i++)
        ok += pred[i] == y[i];
    free(pred);
    ml_data_destroy(&counts);
    ml_data_destroy(&tfidf);
    return (double)ok / (double)docs->nrows;
}

static void s_pipe_free(s_pipe_t *p)
{
    ml_count_vectorizer_ops.destroy(p->cv);
    ml_tfidf_transformer_ops.destroy(p->tf);
    ml_sgd_classifier_ops.destroy(p->sgd);
}

/* coef_ (one row for two classes) and intercept_ through the model's save(). */
static double *s_saved_coef(void *sgd, int64_t n, double *intercept)
{
    char err[DSK_ERR_LEN];
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_int_eq(ml_sgd_classifier_ops.save(sgd, &pk, err), 0);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    double *coef = calloc((size_t)n, sizeof *coef);
    for (uint32_t i = 0; i < u.data.via.map.size; i++) {
        const msgpack_object_kv *kv = &u.data.via.map.ptr[i];
        const msgpack_object_array *a = &kv->val.via.array;
        if (kv->key.via.str.size == 4 && !memcmp(kv->key.via.str.ptr, "coef", 4)) {
            ck_assert_int_eq(a->size, n);
            for (uint32_t j = 0; j < a->size; j++)
                coef[j] = a->ptr[j].via.f64;
        } else if (kv->key.via.str.size == 9 && !memcmp(kv->key.via.str.ptr, "intercept", 9)) {
            *intercept = a->ptr[0].via.f64;
        }
    }
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    return coef;
}

static void s_close(const char *what, double got, json_t *want, double rtol)
{
    double w = s_num(want);
    double d = fabs(got - w);
    printf("  sgd exact %-22s dsk %.17g sklearn %.17g (diff %.3g)\n", what, got, w, d);
    ck_assert_msg(d <= rtol * fabs(w) + 1e-12, "%s: dsk %.17g, scikit-learn %.17g", what, got,
                  w);
}

/* The 2-category seed fit, random_state=0: scikit-learn's coefficients. */
START_TEST(test_two_category_coef)
{
    json_t *g = json_object_get(pu_golden("sgd"), "exact");
    ml_dataset_t *ds = s_load("train", 1);
    s_exact_ova = 1; /* two classes are always exact; said for the record */
    s_pipe_t p;
    s_pipe_fit(&p, ds->X, ds->y, 1.0, 1, 0, NULL);
    int64_t nf = ml_count_vectorizer_nfeatures(p.cv);
    ck_assert_int_eq(nf, json_integer_value(json_object_get(g, "n_features")));
    double icp = NAN, sum = 0, abs_sum = 0;
    double *coef = s_saved_coef(p.sgd, nf, &icp);
    for (int64_t j = 0; j < nf; j++) {
        sum += coef[j];
        abs_sum += fabs(coef[j]);
    }
    s_close("intercept", icp, json_object_get(g, "intercept"), 1e-9);
    s_close("coef sum", sum, json_object_get(g, "coef_sum"), 1e-9);
    s_close("coef |.| sum", abs_sum, json_object_get(g, "coef_abs_sum"), 1e-9);
    json_t *terms = json_object_get(g, "coef_by_term");
    for (int64_t j = 0; j < nf; j++) {
        size_t len;
        const char *t = ml_count_vectorizer_term(p.cv, j, &len);
        char term[256];
        if (len >= sizeof term)
            continue;
        memcpy(term, t, len);
        term[len] = 0;
        json_t *w = json_object_get(terms, term);
        if (w)
            s_close(term, coef[j], w, 1e-9);
    }
    free(coef);
    s_pipe_free(&p);
    ml_dataset_destroy(&ds);
}
END_TEST

/* Accuracy on one stored test fold of the pipeline fitted on the other rows. */
static double s_fold_score(const ml_dataset_t *ds, json_t *te, double max_df, int hi, int seed)
{
    int64_t n = ds->X->nrows, ntr = 0, nts = 0;
    char *in_test = calloc((size_t)n, 1);
    int64_t *tr = malloc((size_t)n * sizeof *tr), *ts = malloc((size_t)n * sizeof *ts);
    int32_t *ytr = malloc((size_t)n * sizeof *ytr), *yts = malloc((size_t)n * sizeof *yts);
    for (size_t i = 0; i < json_array_size(te); i++)
        in_test[json_integer_value(json_array_get(te, i))] = 1;
    for (int64_t i = 0; i < n; i++) {
        if (in_test[i]) {
            yts[nts] = ds->y[i];
            ts[nts++] = i;
        } else {
            ytr[ntr] = ds->y[i];
            tr[ntr++] = i;
        }
    }
    ml_data_t *dtr = ml_data_take_rows(ds->X, tr, ntr);
    ml_data_t *dts = ml_data_take_rows(ds->X, ts, nts);
    s_pipe_t p;
    s_pipe_fit(&p, dtr, ytr, max_df, hi, seed, NULL);
    double acc = s_pipe_score(&p, dts, yts);
    s_pipe_free(&p);
    ml_data_destroy(&dtr);
    ml_data_destroy(&dts);
    free(in_test);
    free(tr);
    free(ts);
    free(ytr);
    free(yts);
    return acc;
}

/* The seed's grid: per candidate, the mean over seeds of the 3-fold mean accuracy. */
START_TEST(test_grid_cv_accuracy)
{
    json_t *g = json_object_get(pu_golden("sgd"), "grid");
    ml_dataset_t *ds = s_load("train", 1);
    s_exact_ova = 0; /* the default mode */
    ck_assert_int_eq(ds->X->nrows, json_integer_value(json_object_get(g, "n")));
    json_t *folds = json_object_get(g, "test_folds"), *cands = json_object_get(g, "candidates");
    size_t ci;
    json_t *cand;
    json_array_foreach(cands, ci, cand) {
        double max_df = json_number_value(json_object_get(cand, "max_df"));
        int hi = (int)json_integer_value(json_array_get(json_object_get(cand, "ngram_range"), 1));
        double mean = 0;
        for (int seed = 0; seed < 5; seed++) {
            double acc = 0;
            for (size_t k = 0; k < json_array_size(folds); k++)
                acc += s_fold_score(ds, json_array_get(folds, k), max_df, hi, seed);
            mean += acc / (double)json_array_size(folds);
        }
        mean /= 5;
        double want = s_num(json_object_get(cand, "mean"));
        printf("  sgd grid max_df=%g ngram=(1,%d): dsk %.4f sklearn %.4f (std %.4f)\n", max_df,
               hi, mean, want, s_num(json_object_get(cand, "std")));
        ck_assert_msg(fabs(mean - want) <= 0.01, "candidate %zu: dsk %.4f, scikit-learn %.4f",
                      ci, mean, want);
    }
    ml_dataset_destroy(&ds);
}
END_TEST

/* All 20 categories, train -> test, mean accuracy over random_state 0..4. */
static void s_all20(const char *golden_key)
{
    json_t *g = json_object_get(pu_golden("sgd"), golden_key);
    ck_assert_msg(g != NULL, "no golden %s: run tests/parity/make_golden.py", golden_key);
    ml_dataset_t *tr = s_load("train", 0), *te = s_load("test", 0);
    double mean = 0, fit_s = 0;
    for (int seed = 0; seed < 5; seed++) {
        s_pipe_t p;
        double t;
        s_pipe_fit(&p, tr->X, tr->y, 1.0, 1, seed, &t);
        double acc = s_pipe_score(&p, te->X, te->y);
        printf("  sgd all20 seed %d: accuracy %.4f, fit %.2f s\n", seed, acc, t);
        mean += acc / 5;
        fit_s += t / 5;
        s_pipe_free(&p);
    }
    double want = s_num(json_object_get(g, "mean"));
    printf("  sgd all20 %s%s: dsk %.4f sklearn %.4f (std %.4f); mean fit %.2f s\n", s_penalty,
           s_exact_ova ? " (exact one-vs-all)" : " (joint one-vs-all)", mean, want,
           s_num(json_object_get(g, "std")), fit_s);
    ck_assert_msg(fabs(mean - want) <= 0.01, "dsk %.4f, scikit-learn %.4f", mean, want);
    ml_dataset_destroy(&tr);
    ml_dataset_destroy(&te);
}

/* The default fit for 20 classes: the joint one-vs-all pass. */
START_TEST(test_all20_accuracy)
{
    s_exact_ova = 0;
    s_all20("all20");
}
END_TEST

/* The joint pass with elasticnet (the truncated gradient per class): the same bar. */
START_TEST(test_all20_elasticnet_accuracy)
{
    s_exact_ova = 0;
    s_penalty = "elasticnet";
    s_all20("all20_elasticnet");
}
END_TEST

/* The same acceptance for scikit-learn's own per-class fit (ml_sgd_set_exact_ova). */
START_TEST(test_all20_exact_accuracy)
{
    s_exact_ova = 1;
    s_all20("all20");
}
END_TEST

Suite *dsk_sgd_suite(void)
{
    Suite *s = suite_create("sgd");
    TCase *tc = tcase_create("sgd");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_two_category_coef);
    tcase_add_test(tc, test_grid_cv_accuracy);
    tcase_add_test(tc, test_all20_accuracy);
    tcase_add_test(tc, test_all20_exact_accuracy);
    tcase_add_test(tc, test_all20_elasticnet_accuracy);
    suite_add_tcase(s, tc);
    return s;
}
