/*
 * check_proba.c — predict_proba against scikit-learn's (golden/proba.json,
 * tests/parity/golden_proba.py): the seed's pipeline with
 * SGDClassifier(loss="log_loss" | "modified_huber", random_state=0) fitted
 * on the 2-category 20 newsgroups train subset, its probabilities on the
 * test subset within 1e-9 of scikit-learn's (two-class SGD is the same
 * algorithm on both sides: the difference is rounding in the last bits),
 * and predict_log_proba through the predict job's method, as the workers
 * run it.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_error.h"
#include "job_data.h"
#include "job_predict.h"
#include "ml_load.h"
#include "ml_pipeline.h"
#include "ml_value.h"
#include "parity_util.h"

#define S_TOL 1e-9           /* log_loss */
#define S_TOL_HUBER 1e-7     /* modified_huber: see above */

static ml_dataset_t *s_load(const char *subset)
{
    char err[DSK_ERR_LEN];
    json_t *spec = json_pack("{s:s, s:s, s:s, s:[s, s]}", "loader", "20newsgroups", "subset",
                             subset, "data_home", pu_data_home(), "categories", "alt.atheism",
                             "talk.religion.misc");
    ml_dataset_t *ds = NULL;
    int rc = ml_load_dataset(spec, &ds, err);
    json_decref(spec);
    ck_assert_msg(rc == 0, "loading 20 newsgroups: %s", err);
    return ds;
}

static ml_pipeline_t *s_fit(const char *loss, const ml_dataset_t *train)
{
    char err[DSK_ERR_LEN];
    ml_pipeline_t *p = ml_pipeline_new();
    ck_assert_int_eq(ml_pipeline_add_class(p, "vect", "CountVectorizer", err), 0);
    ck_assert_int_eq(ml_pipeline_add_class(p, "tfidf", "TfidfTransformer", err), 0);
    ck_assert_int_eq(ml_pipeline_add_class(p, "clf", "SGDClassifier", err), 0);
    ml_value_t v = ml_value_string(loss), seed = ml_value_int(0);
    ck_assert_msg(ml_pipeline_set_param(p, "clf__loss", &v, err) == 0, "%s", err);
    ck_assert_msg(ml_pipeline_set_param(p, "clf__random_state", &seed, err) == 0, "%s", err);
    ml_value_clear(&v);
    ck_assert_msg(ml_pipeline_fit(p, train->X, train->y, err) == 0, "%s", err);
    return p;
}

/* The largest difference between the first rows x 2 values and the golden list. */
static double s_max_diff(const double *got, json_t *want, size_t n)
{
    ck_assert_uint_eq(json_array_size(want), n);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - json_number_value(json_array_get(want, i)));
        worst = d > worst ? d : worst;
    }
    return worst;
}

START_TEST(test_sgd_predict_proba)
{
    json_t *g = pu_golden("proba");
    ml_dataset_t *train = s_load("train"), *test = s_load("test");
    int64_t rows = json_integer_value(json_object_get(g, "rows"));
    ck_assert_int_eq(test->X->nrows, json_integer_value(json_object_get(g, "n_test")));
    const char *losses[] = {"log_loss", "modified_huber"};
    for (int l = 0; l < 2; l++) {
        char err[DSK_ERR_LEN];
        json_t *want = json_object_get(json_object_get(g, "losses"), losses[l]);
        ml_pipeline_t *p = s_fit(losses[l], train);
        ml_dense_t *proba = NULL;
        ck_assert_msg(ml_pipeline_predict_proba(p, test->X, &proba, err) == 0, "%s", err);
        double sum = 0;
        for (int64_t k = 0; k < proba->nrows * proba->ncols; k++)
            sum += proba->data[k];
        double d = s_max_diff(proba->data, json_object_get(want, "proba"), (size_t)(rows * 2));
        fprintf(stderr, "  %s predict_proba: largest difference from scikit-learn %.3g over %lld rows\n",
               losses[l], d, (long long)rows);
        ck_assert_msg(d <= (l ? S_TOL_HUBER : S_TOL), "%s: predict_proba differs by %.3g",
                      losses[l], d);
        ck_assert_msg(fabs(sum - json_number_value(json_object_get(want, "proba_sum"))) <= 1e-6,
                      "%s: the probabilities' sum differs", losses[l]);
        json_t *logw = json_object_get(want, "log_proba");
        if (logw) {
            /* the workers' way: a predict chunk with the method predict_log_proba */
            msgpack_sbuffer spec, chunk, sb;
            msgpack_sbuffer_init(&spec);
            msgpack_sbuffer_init(&chunk);
            msgpack_sbuffer_init(&sb);
            job_predict_spec(JOB_METHOD_PREDICT_LOG_PROBA, 0, &spec);
            ml_dataset_t rows_only = {.X = test->X};
            job_dataset_pack(&rows_only, &chunk);
            ck_assert_msg(job_predict_run_pipeline(spec.data, spec.size, p, chunk.data,
                                                   chunk.size, &sb, err) == 0, "%s", err);
            job_predict_result_t r;
            ck_assert_msg(job_predict_result_unpack(sb.data, sb.size, &r, err) == 0, "%s", err);
            msgpack_sbuffer_destroy(&spec);
            msgpack_sbuffer_destroy(&chunk);
            ck_assert(r.data && r.data->kind == ML_DATA_DENSE);
            double dl = s_max_diff(r.data->dense->data, logw, (size_t)(rows * 2));
            fprintf(stderr, "  %s predict_log_proba: largest difference %.3g\n", losses[l], dl);
            ck_assert_msg(dl <= S_TOL, "predict_log_proba differs by %.3g", dl);
            job_predict_result_clear(&r);
            msgpack_sbuffer_destroy(&sb);
        }
        ml_dense_destroy(&proba);
        ml_pipeline_destroy(&p);
    }
    ml_dataset_destroy(&train);
    ml_dataset_destroy(&test);
    json_decref(g);
}
END_TEST

/*
 * SVC(probability=True, random_state=0) on the digits, and on the digits
 * 0-2 alone: predict_proba of the first 1,000 rows within 1e-6 of
 * scikit-learn's (libsvm's shuffles replayed, its sigmoids and coupling).
 */
START_TEST(test_svc_predict_proba)
{
    json_t *g = json_object_get(pu_golden("proba"), "svc");
    char err[DSK_ERR_LEN];
    json_t *spec = json_pack("{s:s, s:s}", "loader", "digits", "data_home", pu_data_home());
    ml_dataset_t *ds = NULL;
    ck_assert_msg(ml_load_dataset(spec, &ds, err) == 0, "%s", err);
    json_decref(spec);
    const char *cases[] = {"digits012", "digits"};
    for (int c = 0; c < 2; c++) {
        json_t *want = json_object_get(g, cases[c]);
        /* the rows whose digit is under 3 (the small case), in order */
        int64_t n = 0, d = ds->X->dense->ncols;
        ml_dense_t *Xs = ml_dense_new(ds->X->nrows, d);
        int32_t *ys = malloc((size_t)ds->X->nrows * sizeof *ys);
        for (int64_t i = 0; i < ds->X->nrows; i++)
            if (c == 1 || ds->y[i] < 3) {
                memcpy(Xs->data + n * d, ds->X->dense->data + i * d, (size_t)d * sizeof(double));
                ys[n++] = ds->y[i];
            }
        Xs->nrows = n;
        ml_data_t *X = ml_data_from_dense(&Xs);
        ml_pipeline_t *p = ml_pipeline_new();
        ck_assert_int_eq(ml_pipeline_add_class(p, "svc", "SVC", err), 0);
        ml_value_t yes = ml_value_bool(1), seed = ml_value_int(0);
        ck_assert_msg(ml_pipeline_set_param(p, "svc__probability", &yes, err) == 0, "%s", err);
        ck_assert_msg(ml_pipeline_set_param(p, "svc__random_state", &seed, err) == 0, "%s", err);
        ck_assert_msg(ml_pipeline_fit(p, X, ys, err) == 0, "%s", err);
        ml_dense_t *proba = NULL;
        ck_assert_msg(ml_pipeline_predict_proba(p, X, &proba, err) == 0, "%s", err);
        int64_t rows = n < 1000 ? n : 1000;
        double dmax = s_max_diff(proba->data, json_object_get(want, "proba"),
                                 (size_t)(rows * proba->ncols));
        fprintf(stderr, "  SVC(probability=True) on %s: largest difference from "
                "scikit-learn %.3g over %lld rows\n", cases[c], dmax, (long long)rows);
        ck_assert_msg(dmax <= 1e-6, "%s: predict_proba differs by %.3g", cases[c], dmax);
        ml_dense_destroy(&proba);
        ml_pipeline_destroy(&p);
        ml_data_destroy(&X);
        free(ys);
    }
    ml_dataset_destroy(&ds);
}
END_TEST

Suite *dsk_parity_proba_suite(void)
{
    Suite *s = suite_create("parity_proba");
    TCase *tc = tcase_create("sgd");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sgd_predict_proba);
    tcase_add_test(tc, test_svc_predict_proba);
    suite_add_tcase(s, tc);
    return s;
}
