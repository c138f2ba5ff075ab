/* check_ml_svc.c — SVC on small synthetic problems: solutions, errors, model state. */
#include <check.h>
#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "ml_kernel.h"
#include "ml_np_sum.h"
#include "ml_svc.h"

static void s_set(void *m, const char *name, ml_value_t v)
{
    char err[DSK_ERR_LEN] = "";
    ck_assert_msg(ml_svc_ops.set_param(m, name, &v, err) == 0, "%s: %s", name, err);
    ml_value_clear(&v);
}

/* Expects set_param to fail with a message containing want. */
static void s_set_fails(const char *name, ml_value_t v, const char *want)
{
    char err[DSK_ERR_LEN] = "";
    void *m = ml_svc_ops.create();
    ck_assert_int_eq(ml_svc_ops.set_param(m, name, &v, err), DSK_EINVAL);
    ck_assert_msg(strstr(err, want) != NULL, "'%s' not in '%s'", want, err);
    ml_value_clear(&v);
    ml_svc_ops.destroy(m);
}

static ml_data_t *s_dense(const double *v, int64_t n, int64_t d)
{
    ml_dense_t *m = ml_dense_new(n, d);
    memcpy(m->data, v, (size_t)(n * d) * sizeof *v);
    return ml_data_from_dense(&m);
}

/* Three well-separated blobs of n points each in 2-D (a fixed LCG). */
static ml_data_t *s_blobs(int64_t n, int32_t *y)
{
    static const double centers[3][2] = {{0, 0}, {6, 0}, {0, 6}};
    ml_dense_t *m = ml_dense_new(3 * n, 2);
    uint32_t s = 12345;
    for (int64_t i = 0; i < 3 * n; i++) {
        for (int c = 0; c < 2; c++) {
            s = s * 1103515245u + 12345u;
            m->data[i * 2 + c] = centers[i % 3][c] + ((double)(s >> 8) / 16777216.0 - 0.5) * 2;
        }
        y[i] = (int32_t)(i % 3) * 10 + 5; /* labels 5, 15, 25 */
    }
    return ml_data_from_dense(&m);
}

/* Separable 2-D with a hard margin: the known maximal-margin hyperplane. */
/*
 * What a worker makes room for: the kernel cache up to cache_size (the whole
 * kernel when smaller), and a pair's rows for more classes.
 */
START_TEST(test_fit_bytes)
{
    void *m = ml_svc_ops.create();
    ml_fit_shape_t small = {.nrows = 500, .ncols = 64, .nnz = 500 * 64, .n_classes = 2};
    ml_fit_shape_t big = {.nrows = 20000, .ncols = 64, .nnz = 20000 * 64, .n_classes = 2};
    size_t rows = 2 * 500 * 64 * sizeof(double);
    ck_assert_uint_eq(ml_svc_ops.fit_bytes(m, &small), 500 * 500 * sizeof(float) + rows);
    /* 20,000 rows: a 1.6 GB kernel, of which the default 200 MB are cached */
    size_t b = ml_svc_ops.fit_bytes(m, &big);
    ck_assert_uint_ge(b, (size_t)200 << 20);
    ck_assert_uint_lt(b, ((size_t)200 << 20) + 2 * 20000 * 64 * sizeof(double) + 1);
    s_set(m, "cache_size", ml_value_float(50));
    ck_assert_uint_lt(ml_svc_ops.fit_bytes(m, &big), b);
    /* ten classes: a pair has about a fifth of the rows (taken as 4/10 for uneven ones) */
    big.n_classes = 10;
    s_set(m, "cache_size", ml_value_float(10000));
    ck_assert_uint_lt(ml_svc_ops.fit_bytes(m, &big), (size_t)8000 * 8000 * sizeof(float) * 2);
    ml_svc_ops.destroy(m);
}
END_TEST

START_TEST(test_linear_separable_margin)
{
    static const double X[] = {0, 0, 1, 0, 0, 1, 3, 3, 4, 3, 3, 4};
    int32_t y[] = {0, 0, 0, 1, 1, 1}, pred[6];
    ml_data_t *D = s_dense(X, 6, 2);
    char err[DSK_ERR_LEN] = "";
    void *m = ml_svc_ops.create();
    s_set(m, "kernel", ml_value_string("linear"));
    s_set(m, "C", ml_value_float(1000.0));
    ck_assert_msg(ml_svc_ops.fit(m, D, y, err) == 0, "%s", err);
    ck_assert_int_eq(ml_svc_ops.predict(m, D, pred, err), 0);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(pred[i], y[i]);
    /* w = (0.4, 0.4), b = -1.4: margin points (1,0), (0,1) at -1, (3,3) at +1. */
    ml_dense_t *dec = NULL;
    ck_assert_int_eq(ml_svc_ops.decision_function(m, D, &dec, err), 0);
    ck_assert_int_eq(dec->ncols, 1);
    static const double want[] = {-1.4, -1.0, -1.0, 1.0, 1.4, 1.4};
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq_tol(dec->data[i], want[i], 2e-3);
    int32_t n;
    const int32_t *cls = ml_svc_ops.classes(m, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(cls[0], 0);
    ck_assert_int_eq(cls[1], 1);
    ml_dense_destroy(&dec);
    ml_svc_ops.destroy(m);
    ml_data_destroy(&D);
}
END_TEST

/* Three blobs, rbf: every training point right, 'ovr' and 'ovo' shapes,
   'ovr' argmax agreeing with the vote, labels from classes_. */
START_TEST(test_blobs_three_classes)
{
    int32_t y[60], pred[60];
    ml_data_t *D = s_blobs(20, y);
    char err[DSK_ERR_LEN] = "";
    void *m = ml_svc_ops.create();
    ck_assert_msg(ml_svc_ops.fit(m, D, y, err) == 0, "%s", err);
    ck_assert_int_eq(ml_svc_ops.predict(m, D, pred, err), 0);
    ml_dense_t *dec = NULL;
    ck_assert_int_eq(ml_svc_ops.decision_function(m, D, &dec, err), 0);
    ck_assert_int_eq(dec->ncols, 3);
    for (int i = 0; i < 60; i++) {
        ck_assert_int_eq(pred[i], y[i]);
        int best = 0;
        for (int c = 1; c < 3; c++)
            if (dec->data[i * 3 + c] > dec->data[i * 3 + best])
                best = c;
        ck_assert_int_eq(best * 10 + 5, y[i]);
    }
    ml_dense_destroy(&dec);
    s_set(m, "decision_function_shape", ml_value_string("ovo"));
    ck_assert_int_eq(ml_svc_ops.decision_function(m, D, &dec, err), 0);
    ck_assert_int_eq(dec->ncols, 3);
    /* pair (5, 15) is positive for class 5's points. */
    ck_assert(dec->data[0] > 0);
    ml_dense_destroy(&dec);
    ml_svc_ops.destroy(m);
    ml_data_destroy(&D);
}
END_TEST

/* Shrinking is a speed-up only; the other kernels and options still fit. */
START_TEST(test_options_agree)
{
    int32_t y[60], pa[60], pb[60];
    ml_data_t *D = s_blobs(20, y);
    char err[DSK_ERR_LEN] = "";
    const char *kernels[] = {"rbf", "linear", "poly", "sigmoid"};
    for (int k = 0; k < 4; k++) {
        void *a = ml_svc_ops.create(), *b = ml_svc_ops.create();
        s_set(a, "kernel", ml_value_string(kernels[k]));
        s_set(b, "kernel", ml_value_string(kernels[k]));
        s_set(b, "shrinking", ml_value_bool(0));
        s_set(b, "class_weight", ml_value_string("balanced"));
        s_set(b, "cache_size", ml_value_float(0.001));
        if (k == 3) { /* a sigmoid needs a small gamma to separate blobs */
            s_set(a, "gamma", ml_value_float(0.01));
            s_set(b, "gamma", ml_value_float(0.01));
        }
        ck_assert_msg(ml_svc_ops.fit(a, D, y, err) == 0, "%s", err);
        ck_assert_msg(ml_svc_ops.fit(b, D, y, err) == 0, "%s", err);
        ck_assert_int_eq(ml_svc_ops.predict(a, D, pa, err), 0);
        ck_assert_int_eq(ml_svc_ops.predict(b, D, pb, err), 0);
        int agree = 0;
        for (int i = 0; i < 60; i++)
            agree += pa[i] == pb[i] && pa[i] == y[i];
        ck_assert_msg(agree >= 57, "kernel %s: %d of 60", kernels[k], agree);
        ml_svc_ops.destroy(a);
        ml_svc_ops.destroy(b);
    }
    ml_data_destroy(&D);
}
END_TEST

/* A CSR copy of X gives the dense fit's model and decision values. */
START_TEST(test_csr_matches_dense)
{
    int32_t y[60];
    ml_data_t *D = s_blobs(20, y);
    ml_csr_t *c = ml_csr_new(60, 2, 120);
    for (int64_t i = 0; i < 60; i++) {
        c->indptr[i + 1] = c->indptr[i] + 2;
        for (int j = 0; j < 2; j++) {
            c->indices[i * 2 + j] = j;
            c->data[i * 2 + j] = D->dense->data[i * 2 + j];
        }
    }
    ml_data_t *S = ml_data_from_csr(&c);
    char err[DSK_ERR_LEN] = "";
    void *a = ml_svc_ops.create(), *b = ml_svc_ops.create();
    ck_assert_int_eq(ml_svc_ops.fit(a, D, y, err), 0);
    ck_assert_msg(ml_svc_ops.fit(b, S, y, err) == 0, "%s", err);
    ml_dense_t *da = NULL, *db = NULL, *dc = NULL;
    ck_assert_int_eq(ml_svc_ops.decision_function(a, D, &da, err), 0);
    ck_assert_int_eq(ml_svc_ops.decision_function(b, S, &db, err), 0);
    ck_assert_int_eq(ml_svc_ops.decision_function(a, S, &dc, err), 0);
    for (int64_t i = 0; i < 180; i++) {
        ck_assert_double_eq_tol(da->data[i], db->data[i], 1e-9);
        ck_assert_double_eq_tol(da->data[i], dc->data[i], 1e-9);
    }
    ml_dense_destroy(&da);
    ml_dense_destroy(&db);
    ml_dense_destroy(&dc);
    ml_svc_ops.destroy(a);
    ml_svc_ops.destroy(b);
    ml_data_destroy(&D);
    ml_data_destroy(&S);
}
END_TEST

/* Saved state + parameters load into a fresh SVC that predicts bit-identically. */
START_TEST(test_save_load_bit_identical)
{
    int32_t y[60], pa[60], pb[60];
    ml_data_t *D = s_blobs(20, y);
    char err[DSK_ERR_LEN] = "";
    void *a = ml_svc_ops.create(), *b = ml_svc_ops.create();
    s_set(a, "C", ml_value_float(3.5));
    s_set(a, "gamma", ml_value_string("auto"));
    ck_assert_int_eq(ml_svc_ops.fit(a, D, y, err), 0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_int_eq(ml_svc_ops.save(a, &pk, err), 0);
    for (int i = 0; ml_svc_ops.param_names[i]; i++) {
        ml_value_t v;
        ck_assert_int_eq(ml_svc_ops.get_param(a, ml_svc_ops.param_names[i], &v, err), 0);
        s_set(b, ml_svc_ops.param_names[i], v);
    }
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert(msgpack_unpack_next(&up, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    ck_assert_msg(ml_svc_ops.load(b, &up.data, err) == 0, "%s", err);
    ml_dense_t *da = NULL, *db = NULL;
    ck_assert_int_eq(ml_svc_ops.decision_function(a, D, &da, err), 0);
    ck_assert_int_eq(ml_svc_ops.decision_function(b, D, &db, err), 0);
    ck_assert(memcmp(da->data, db->data, 180 * sizeof(double)) == 0);
    ck_assert_int_eq(ml_svc_ops.predict(a, D, pa, err), 0);
    ck_assert_int_eq(ml_svc_ops.predict(b, D, pb, err), 0);
    ck_assert(memcmp(pa, pb, sizeof pa) == 0);
    /* A truncated state is a clear error, not a crash. */
    msgpack_object bad = up.data;
    bad.via.map.size = 3;
    void *c = ml_svc_ops.create();
    ck_assert_int_eq(ml_svc_ops.load(c, &bad, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "malformed model state"));
    ck_assert_int_eq(ml_svc_ops.predict(c, D, pb, err), DSK_ESTATE);
    ml_svc_ops.destroy(c);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    ml_dense_destroy(&da);
    ml_dense_destroy(&db);
    ml_svc_ops.destroy(a);
    ml_svc_ops.destroy(b);
    ml_data_destroy(&D);
}
END_TEST

START_TEST(test_param_errors)
{
    s_set_fails("kernel", ml_value_string("precomputed"),
                "parameter 'kernel' value 'precomputed' is not supported by dsk");
    s_set_fails("kernel", ml_value_string("cubic"), "one of 'linear', 'poly', 'rbf'");
    s_set_fails("C", ml_value_float(0.0), "'C' must be a float > 0");
    s_set_fails("gamma", ml_value_float(-1.0), "'scale', 'auto' or a float >= 0");
    s_set_fails("gamma", ml_value_string("big"), "one of 'scale', 'auto'");
    s_set_fails("probability", ml_value_string("yes"), "'probability' must be");
    s_set_fails("class_weight", ml_value_list(2), "'class_weight' value");
    s_set_fails("decision_function_shape", ml_value_string("ova"), "one of 'ovr', 'ovo'");
    s_set_fails("max_iter", ml_value_int(-2), "'max_iter' must be an integer >= -1");
    s_set_fails("degree", ml_value_float(2.0), "'degree' must be an integer");
    s_set_fails("verbose", ml_value_bool(1), "'verbose' value True is not supported");
    s_set_fails("gama", ml_value_float(1.0), "did you mean 'gamma'");
}
END_TEST

/* Fit and predict refuse what scikit-learn refuses, with its reasons. */
START_TEST(test_fit_predict_errors)
{
    static const double X[] = {0, 0, 1, 1, 2, 2};
    int32_t one[] = {7, 7, 7}, y[] = {0, 1, 1}, pred[3];
    ml_data_t *D = s_dense(X, 3, 2), *D1 = s_dense(X, 2, 3);
    char err[DSK_ERR_LEN] = "";
    void *m = ml_svc_ops.create();
    ck_assert_int_eq(ml_svc_ops.predict(m, D, pred, err), DSK_ESTATE);
    ck_assert_ptr_nonnull(strstr(err, "not fitted"));
    ck_assert_int_eq(ml_svc_ops.fit(m, D, one, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "greater than one; got 1 class"));
    ck_assert_int_eq(ml_svc_ops.fit(m, D, y, err), 0);
    ck_assert_int_eq(ml_svc_ops.predict(m, D1, pred, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "X has 3 features, but SVC is expecting 2"));
    s_set(m, "break_ties", ml_value_bool(1));
    s_set(m, "decision_function_shape", ml_value_string("ovo"));
    ck_assert_int_eq(ml_svc_ops.predict(m, D, pred, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "break_ties must be False"));
    D->dense->data[0] = NAN;
    ck_assert_int_eq(ml_svc_ops.fit(m, D, y, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "NaN"));
    ml_svc_ops.destroy(m);
    ml_data_destroy(&D);
    ml_data_destroy(&D1);
}
END_TEST

/* NumPy's X.var() (for gamma='scale') and the kernels' formulas. */
START_TEST(test_kernel_values)
{
    double a[] = {1, 2, 3, 4};
    ck_assert_double_eq(ml_np_var(a, 4), 1.25);
    ml_kernel_t rbf = {.type = ML_KERNEL_RBF, .gamma = 0.5};
    ml_kernel_t poly = {.type = ML_KERNEL_POLY, .degree = 3, .gamma = 2, .coef0 = 1};
    ml_kernel_t sig = {.type = ML_KERNEL_SIGMOID, .gamma = 0.1, .coef0 = -1};
    /* x = (1, 2), y = (3, 0): x.y = 3, |x|^2 = 5, |y|^2 = 9, |x - y|^2 = 8 */
    ck_assert_double_eq_tol(ml_kernel_from_dot(&rbf, 3, 5, 9), exp(-4.0), 1e-15);
    ck_assert_double_eq(ml_kernel_from_dot(&poly, 3, 5, 9), 343.0);
    ck_assert_double_eq_tol(ml_kernel_from_dot(&sig, 3, 5, 9), tanh(-0.7), 1e-15);
    double A[] = {1, 2}, B[] = {3, 0, 1, 2}, Asq[1], Bsq[2], out[2];
    ml_kernel_sqnorms(A, 1, 2, Asq);
    ml_kernel_sqnorms(B, 2, 2, Bsq);
    ml_kernel_block(&rbf, A, Asq, 1, B, Bsq, 2, 2, out);
    ck_assert_double_eq_tol(out[0], exp(-4.0), 1e-15);
    ck_assert_double_eq(out[1], 1.0);
}
END_TEST

/*
 * NumPy's sums of 1/1 .. 1/20000: np.sum / X.var() (numpy 1.24) add runs of
 * 8192 values, which one pairwise run over all 20000 misses by an ulp.
 */
START_TEST(test_np_sums)
{
    enum { N = 20000 };
    double *a = malloc(N * sizeof *a);
    ck_assert_ptr_nonnull(a);
    for (int i = 0; i < N; i++)
        a[i] = 1.0 / (i + 1);
    ck_assert_double_eq(ml_np_sum_buffered(a, N), 10.480728217229329);
    ck_assert_double_eq(ml_np_var(a, N), 8.19695892450017e-05);
    ck_assert_double_eq(ml_np_sum(a, N), 10.480728217229327);
    ck_assert_double_eq(ml_np_sum(a, 8192), ml_np_sum_buffered(a, 8192));
    ck_assert_double_eq(ml_np_sum(a, 100), 5.187377517639621);
    free(a);
}
END_TEST

Suite *dsk_ml_svc_suite(void)
{
    Suite *s = suite_create("ml_svc");
    TCase *tc = tcase_create("svc");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_fit_bytes);
    tcase_add_test(tc, test_linear_separable_margin);
    tcase_add_test(tc, test_blobs_three_classes);
    tcase_add_test(tc, test_options_agree);
    tcase_add_test(tc, test_csr_matches_dense);
    tcase_add_test(tc, test_save_load_bit_identical);
    tcase_add_test(tc, test_param_errors);
    tcase_add_test(tc, test_fit_predict_errors);
    tcase_add_test(tc, test_kernel_values);
    tcase_add_test(tc, test_np_sums);
    suite_add_tcase(s, tc);
    return s;
}
