/*
 * check_svc.c — SVC against scikit-learn 1.2 (tests/parity/golden_svc.py)
 * on the real digits data: the seed's search SVC(random_state=0), C in
 * (0.01, 1.0, 10), StratifiedKFold(5) with scikit-learn's own test folds.
 * Per fold: the same number of correct predictions, the same support
 * vector counts per class, decision_function ('ovr') values within 1e-4;
 * per C the same CV mean. Other kernels (linear, poly, sigmoid) and
 * options (gamma 'auto'/float, class_weight 'balanced', 'ovo', break_ties,
 * shrinking=False, two classes) on digits subsets. Then a model saved and
 * loaded predicts bit-identically.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "ml_load.h"
#include "ml_svc.h"
#include "parity_util.h"

#define S_TOL 1e-4

static ml_dataset_t *s_digits(json_t *golden)
{
    json_t *spec = json_pack("{s:s, s:s}", "loader", "digits", "data_home", pu_data_home());
    ml_dataset_t *ds = NULL;
    char err[DSK_ERR_LEN] = "";
    ck_assert_msg(ml_load_dataset(spec, &ds, err) == 0, "digits: %s", err);
    json_decref(spec);
    ck_assert_int_eq(ds->X->kind, ML_DATA_DENSE);
    ck_assert_int_eq(ds->X->nrows, json_integer_value(json_object_get(golden, "n")));
    const ml_dense_t *X = ds->X->dense;
    ck_assert_int_eq(X->ncols, json_integer_value(json_object_get(golden, "n_features")));
    ck_assert_msg(pu_hash_equals(json_object_get(golden, "X_hash"),
                                 pu_fnv1a(X->data, (size_t)(X->nrows * X->ncols) * 8,
                                          PU_FNV_OFFSET)),
                  "digits X differs from scikit-learn's (a loader problem, not SVC's)");
    ck_assert_msg(pu_hash_equals(json_object_get(golden, "y_hash"),
                                 pu_fnv1a(ds->y, (size_t)X->nrows * 4, PU_FNV_OFFSET)),
                  "digits y differs from scikit-learn's");
    return ds;
}

/* A fold's test rows (from the golden file) and train rows (the rest, ascending). */
static void s_fold(json_t *test_json, int64_t n, int64_t **test, int64_t *ntest,
                   int64_t **train, int64_t *ntrain)
{
    *ntest = (int64_t)json_array_size(test_json);
    *test = malloc((size_t)*ntest * sizeof **test);
    char *in_test = calloc((size_t)n, 1);
    for (int64_t i = 0; i < *ntest; i++) {
        (*test)[i] = json_integer_value(json_array_get(test_json, (size_t)i));
        in_test[(*test)[i]] = 1;
    }
    *train = malloc((size_t)n * sizeof **train);
    *ntrain = 0;
    for (int64_t i = 0; i < n; i++)
        if (!in_test[i])
            (*train)[(*ntrain)++] = i;
    free(in_test);
}

static void *s_svc(double C)
{
    char err[DSK_ERR_LEN];
    void *m = ml_svc_ops.create();
    ml_value_t v = ml_value_float(C);
    ck_assert_msg(ml_svc_ops.set_param(m, "C", &v, err) == 0, "%s", err);
    v = ml_value_int(0);
    ck_assert_msg(ml_svc_ops.set_param(m, "random_state", &v, err) == 0, "%s", err);
    return m;
}

/* n_support_ against the golden counts, through the saved state (the only
   public view of it). */
static void s_check_n_support(void *m, json_t *gns, double C, int fold)
{
    char err[DSK_ERR_LEN] = "";
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_msg(ml_svc_ops.save(m, &pk, err) == 0, "%s", err);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert(msgpack_unpack_next(&up, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *st = &up.data;
    int found = 0;
    for (uint32_t i = 0; i < st->via.map.size; i++) {
        const msgpack_object_kv *kv = &st->via.map.ptr[i];
        if (kv->key.via.str.size != 9 || memcmp(kv->key.via.str.ptr, "n_support", 9) != 0)
            continue;
        found = 1;
        ck_assert_uint_eq(kv->val.via.array.size, json_array_size(gns));
        for (uint32_t c = 0; c < kv->val.via.array.size; c++)
            ck_assert_msg((int64_t)kv->val.via.array.ptr[c].via.u64 ==
                              json_integer_value(json_array_get(gns, c)),
                          "C=%g case/fold %d class %u: %llu support vectors, scikit-learn "
                          "%lld", C, fold, c,
                          (unsigned long long)kv->val.via.array.ptr[c].via.u64,
                          (long long)json_integer_value(json_array_get(gns, c)));
    }
    ck_assert(found);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
}

/* decision_function values (flattened) against the golden sum and samples. */
static void s_check_dec(const ml_dense_t *dec, json_t *g, const char *what, int at_case)
{
    double sum = 0;
    for (int64_t i = 0; i < dec->nrows * dec->ncols; i++)
        sum += dec->data[i];
    double gsum = json_real_value(json_object_get(g, "dec_sum"));
    ck_assert_msg(fabs(sum - gsum) <= S_TOL, "%s %d: decision sum %.17g, scikit-learn %.17g",
                  what, at_case, sum, gsum);
    json_t *gi = json_object_get(g, "dec_index"), *gs = json_object_get(g, "dec_sample");
    ck_assert_uint_gt(json_array_size(gi), 0);
    for (size_t s = 0; s < json_array_size(gi); s++) {
        int64_t at = json_integer_value(json_array_get(gi, s));
        double want = json_real_value(json_array_get(gs, s));
        ck_assert_msg(fabs(dec->data[at] - want) <= S_TOL, "%s %d: decision[%lld] %.17g, "
                      "scikit-learn %.17g", what, at_case, (long long)at, dec->data[at], want);
    }
}

/* One fold of one C: fit on train, compare counts and decision values. */
static int64_t s_check_fold(const ml_dataset_t *ds, json_t *gf, double C, int64_t *test,
                            int64_t ntest, int64_t *train, int64_t ntrain, int fold)
{
    char err[DSK_ERR_LEN] = "";
    ml_data_t *Xtr = ml_data_take_rows(ds->X, train, ntrain);
    ml_data_t *Xte = ml_data_take_rows(ds->X, test, ntest);
    int32_t *ytr = malloc((size_t)ntrain * sizeof *ytr), *pred = malloc((size_t)ntest * 4);
    for (int64_t i = 0; i < ntrain; i++)
        ytr[i] = ds->y[train[i]];
    void *m = s_svc(C);
    ck_assert_msg(ml_svc_ops.fit(m, Xtr, ytr, err) == 0, "C=%g fold %d: %s", C, fold, err);
    ck_assert_msg(ml_svc_ops.predict(m, Xte, pred, err) == 0, "%s", err);
    int64_t correct = 0;
    for (int64_t i = 0; i < ntest; i++)
        correct += pred[i] == ds->y[test[i]];
    ck_assert_msg(correct == json_integer_value(json_object_get(gf, "correct")),
                  "C=%g fold %d: %lld correct, scikit-learn %lld", C, fold, (long long)correct,
                  (long long)json_integer_value(json_object_get(gf, "correct")));
    s_check_n_support(m, json_object_get(gf, "n_support"), C, fold);
    ml_dense_t *dec = NULL;
    ck_assert_msg(ml_svc_ops.decision_function(m, Xte, &dec, err) == 0, "%s", err);
    json_t *shape = json_object_get(gf, "dec_shape");
    ck_assert_int_eq(dec->nrows, json_integer_value(json_array_get(shape, 0)));
    ck_assert_int_eq(dec->ncols, json_integer_value(json_array_get(shape, 1)));
    s_check_dec(dec, gf, "fold", fold);
    ml_dense_destroy(&dec);
    ml_svc_ops.destroy(m);
    free(ytr);
    free(pred);
    ml_data_destroy(&Xtr);
    ml_data_destroy(&Xte);
    return correct;
}

START_TEST(test_digits_search)
{
    json_t *golden = pu_golden("svc");
    ml_dataset_t *ds = s_digits(golden);
    json_t *folds = json_object_get(golden, "folds"), *runs = json_object_get(golden, "runs");
    ck_assert_uint_eq(json_array_size(runs), 3);
    for (size_t r = 0; r < json_array_size(runs); r++) {
        json_t *run = json_array_get(runs, r);
        double C = json_real_value(json_object_get(run, "C")), acc = 0;
        json_t *gfolds = json_object_get(run, "folds");
        ck_assert_uint_eq(json_array_size(gfolds), json_array_size(folds));
        for (size_t f = 0; f < json_array_size(folds); f++) {
            int64_t *test, *train, ntest, ntrain;
            s_fold(json_array_get(folds, f), ds->X->nrows, &test, &ntest, &train, &ntrain);
            int64_t ok = s_check_fold(ds, json_array_get(gfolds, f), C, test, ntest, train,
                                      ntrain, (int)f);
            acc += (double)ok / (double)ntest;
            free(test);
            free(train);
        }
        acc /= (double)json_array_size(folds);
        double want = json_real_value(json_object_get(run, "mean_test_score"));
        ck_assert_msg(fabs(acc - want) < 1e-12, "C=%g: CV mean %.17g, scikit-learn %.17g", C,
                      acc, want);
    }
    ml_dataset_destroy(&ds);
    json_decref(golden);
}
END_TEST

/* The model-file round trip (ml_model.h's order): params through get/set,
   then the state; the copy must predict bit-identically. */
static void *s_roundtrip(void *m)
{
    char err[DSK_ERR_LEN] = "";
    void *c = ml_svc_ops.create();
    for (int i = 0; ml_svc_ops.param_names[i]; i++) {
        ml_value_t v;
        ck_assert(ml_svc_ops.get_param(m, ml_svc_ops.param_names[i], &v, err) == 0);
        ck_assert_msg(ml_svc_ops.set_param(c, ml_svc_ops.param_names[i], &v, err) == 0, "%s",
                      err);
        ml_value_clear(&v);
    }
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_msg(ml_svc_ops.save(m, &pk, err) == 0, "%s", err);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert(msgpack_unpack_next(&up, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
    ck_assert_msg(ml_svc_ops.load(c, &up.data, err) == 0, "%s", err);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    return c;
}

START_TEST(test_digits_model_roundtrip)
{
    json_t *golden = pu_golden("svc");
    ml_dataset_t *ds = s_digits(golden);
    char err[DSK_ERR_LEN] = "";
    void *m = s_svc(10.0);
    ck_assert_msg(ml_svc_ops.fit(m, ds->X, ds->y, err) == 0, "%s", err);
    void *c = s_roundtrip(m);
    ml_dense_t *a = NULL, *b = NULL;
    ck_assert(ml_svc_ops.decision_function(m, ds->X, &a, err) == 0);
    ck_assert(ml_svc_ops.decision_function(c, ds->X, &b, err) == 0);
    ck_assert_int_eq(a->nrows * a->ncols, b->nrows * b->ncols);
    ck_assert(memcmp(a->data, b->data, (size_t)(a->nrows * a->ncols) * 8) == 0);
    int32_t *pa = malloc((size_t)ds->X->nrows * 4), *pb = malloc((size_t)ds->X->nrows * 4);
    ck_assert(ml_svc_ops.predict(m, ds->X, pa, err) == 0);
    ck_assert(ml_svc_ops.predict(c, ds->X, pb, err) == 0);
    ck_assert(memcmp(pa, pb, (size_t)ds->X->nrows * 4) == 0);
    free(pa);
    free(pb);
    ml_dense_destroy(&a);
    ml_dense_destroy(&b);
    ml_svc_ops.destroy(m);
    ml_svc_ops.destroy(c);
    ml_dataset_destroy(&ds);
    json_decref(golden);
}
END_TEST

/* A golden parameter (JSON) as an ml_value. */
static ml_value_t s_value(json_t *j)
{
    if (json_is_string(j))
        return ml_value_string(json_string_value(j));
    if (json_is_boolean(j))
        return ml_value_bool(json_is_true(j));
    if (json_is_integer(j))
        return ml_value_int(json_integer_value(j));
    return ml_value_float(json_real_value(j));
}

/* Other kernels and options (golden "cases"): the same support vector
   counts, predictions and decision values on a digits subset. */
START_TEST(test_kernel_cases)
{
    json_t *golden = pu_golden("svc"), *cases = json_object_get(golden, "cases");
    ml_dataset_t *ds = s_digits(golden);
    ck_assert_uint_ge(json_array_size(cases), 8);
    for (size_t c = 0; c < json_array_size(cases); c++) {
        json_t *gc = json_array_get(cases, c), *params = json_object_get(gc, "params");
        int64_t n = json_integer_value(json_object_get(gc, "n")), m_ = 0;
        int32_t k = (int32_t)json_integer_value(json_object_get(gc, "k"));
        int64_t *rows = malloc((size_t)n * sizeof *rows);
        for (int64_t i = 0; i < ds->X->nrows && m_ < n; i++)
            if (ds->y[i] < k)
                rows[m_++] = i;
        ck_assert_int_eq(m_, n);
        ml_data_t *X = ml_data_take_rows(ds->X, rows, n);
        int32_t *y = malloc((size_t)n * sizeof *y), *pred = malloc((size_t)n * sizeof *y);
        for (int64_t i = 0; i < n; i++)
            y[i] = ds->y[rows[i]];
        char err[DSK_ERR_LEN] = "";
        void *m = ml_svc_ops.create();
        const char *key;
        json_t *val;
        json_object_foreach(params, key, val) {
            ml_value_t v = s_value(val);
            ck_assert_msg(ml_svc_ops.set_param(m, key, &v, err) == 0, "%s", err);
            ml_value_clear(&v);
        }
        ck_assert_msg(ml_svc_ops.fit(m, X, y, err) == 0, "case %zu: %s", c, err);
        s_check_n_support(m, json_object_get(gc, "n_support"), 0, (int)c);
        ck_assert(ml_svc_ops.predict(m, X, pred, err) == 0);
        ck_assert_msg(pu_hash_equals(json_object_get(gc, "pred_hash"),
                                     pu_fnv1a(pred, (size_t)n * 4, PU_FNV_OFFSET)),
                      "case %zu: predictions differ from scikit-learn's", c);
        ml_dense_t *dec = NULL;
        ck_assert(ml_svc_ops.decision_function(m, X, &dec, err) == 0);
        ck_assert_int_eq(dec->nrows * dec->ncols,
                         json_integer_value(json_object_get(gc, "dec_size")));
        s_check_dec(dec, gc, "case", (int)c);
        ml_dense_destroy(&dec);
        ml_svc_ops.destroy(m);
        ml_data_destroy(&X);
        free(rows);
        free(y);
        free(pred);
    }
    ml_dataset_destroy(&ds);
    json_decref(golden);
}
END_TEST

Suite *dsk_parity_svc_suite(void)
{
    Suite *s = suite_create("parity_svc");
    TCase *tc = tcase_create("svc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_digits_search);
    tcase_add_test(tc, test_kernel_cases);
    tcase_add_test(tc, test_digits_model_roundtrip);
    suite_add_tcase(s, tc);
    return s;
}
