/*
 * check_ml_model.c — Pipeline routing and errors, the estimator registry,
 * and .dskm model files (round trip bit for bit, truncation, corruption,
 * versions) with a real estimator (SGDClassifier) on synthetic data.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_model.h"
#include "ml_pack.h"
#include "ml_pipeline.h"
#include "ml_registry.h"
#include "ml_scorer.h"

/* Two noisy blobs in 3-D, labels 4 and 7 (deterministic LCG noise). */
static ml_data_t *s_blobs(int64_t n, int32_t *y)
{
    ml_dense_t *m = ml_dense_new(n, 3);
    uint32_t st = 12345;
    for (int64_t i = 0; i < n; i++) {
        y[i] = i % 2 ? 7 : 4;
        for (int j = 0; j < 3; j++) {
            st = st * 1103515245u + 12345u;
            double noise = ((st >> 8) & 0xffff) / 65536.0 - 0.5;
            m->data[i * 3 + j] = (i % 2 ? 1.0 : -1.0) * (j + 1) * 0.5 + 2 * noise;
        }
    }
    return ml_data_from_dense(&m);
}

static void s_set(ml_pipeline_t *p, const char *key, ml_value_t v)
{
    char err[DSK_ERR_LEN];
    ck_assert_msg(ml_pipeline_set_param(p, key, &v, err) == 0, "%s", err);
    ml_value_clear(&v);
}

static ml_pipeline_t *s_fitted(ml_data_t **X, int32_t *y, int64_t n)
{
    char err[DSK_ERR_LEN];
    ml_pipeline_t *p = ml_pipeline_new();
    ck_assert_msg(ml_pipeline_add_class(p, "clf", "SGDClassifier", err) == 0, "%s", err);
    s_set(p, "clf__loss", ml_value_string("log_loss"));
    s_set(p, "clf__random_state", ml_value_int(0));
    s_set(p, "clf__max_iter", ml_value_int(50));
    s_set(p, "clf__tol", ml_value_none());
    *X = s_blobs(n, y);
    ck_assert_msg(ml_pipeline_fit(p, *X, y, err) == 0, "%s", err);
    return p;
}

START_TEST(test_pipeline_routing_errors)
{
    char err[DSK_ERR_LEN];
    ml_pipeline_t *p = ml_pipeline_new();
    ck_assert_int_eq(ml_pipeline_validate(p, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Pipeline has no steps");
    ck_assert_int_eq(ml_pipeline_add_class(p, "clf", "SGDClassifier", err), 0);
    ck_assert_int_eq(ml_pipeline_add_class(p, "clf", "SGDClassifier", err), DSK_EINVAL);
    ck_assert_str_eq(err, "Names provided are not unique: 'clf' twice");
    ck_assert_int_eq(ml_pipeline_add_class(p, "a__b", "SGDClassifier", err), DSK_EINVAL);
    ck_assert_str_eq(err, "Estimator names must not contain __: got ['a__b']");
    ck_assert_int_eq(ml_pipeline_add_class(p, "x", "SVM", err), DSK_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, "unknown estimator 'SVM'"));
    ml_value_t v = ml_value_float(0.5);
    ck_assert_int_eq(ml_pipeline_set_param(p, "vectt__max_df", &v, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Pipeline has no step 'vectt' (steps: clf)");
    ck_assert_int_eq(ml_pipeline_set_param(p, "clf__alphaa", &v, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "SGDClassifier has no parameter 'alphaa'"));
    ck_assert_int_eq(ml_pipeline_set_param(p, "clf__alpha", &v, err), 0);
    ml_value_t got;
    ck_assert_int_eq(ml_pipeline_get_param(p, "clf__alpha", &got, err), 0);
    ck_assert(ml_value_equal(&got, &v));
    ck_assert_int_eq(ml_pipeline_set_param(p, "foo", &v, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Pipeline has no parameter 'foo'");
    ck_assert_int_eq(ml_pipeline_set_param(p, "clf", &v, err), DSK_EINVAL);
    ml_value_t t = ml_value_bool(1);
    ck_assert_int_eq(ml_pipeline_set_param(p, "verbose", &t, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Pipeline: parameter 'verbose' value True is not supported by dsk");
    ml_value_t none = ml_value_none();
    ck_assert_int_eq(ml_pipeline_set_param(p, "memory", &none, err), 0);
    /* a candidate applies all its keys */
    ml_params_t c = {0};
    c.n = 1;
    c.names = malloc(sizeof *c.names);
    c.values = malloc(sizeof *c.values);
    c.names[0] = strdup("clf__penalty");
    c.values[0] = ml_value_string("l1");
    ck_assert_int_eq(ml_pipeline_set_params(p, &c, err), 0);
    ml_params_clear(&c);
    int32_t out[1];
    ml_data_t *X = ml_data_from_dense(&(ml_dense_t *){ml_dense_new(1, 3)});
    ck_assert_int_eq(ml_pipeline_predict(p, X, out, err), DSK_ESTATE);
    ck_assert_ptr_nonnull(strstr(err, "not fitted yet"));
    /* a classifier cannot be an intermediate step */
    ck_assert_int_eq(ml_pipeline_add_class(p, "clf2", "SGDClassifier", err), 0);
    ck_assert_int_eq(ml_pipeline_validate(p, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "'clf' (SGDClassifier) doesn't"));
    ck_assert_int_eq(ml_pipeline_n_steps(p), 2);
    ck_assert_str_eq(ml_pipeline_step_name(p, 1), "clf2");
    ck_assert_ptr_null(ml_pipeline_find_step(p, "nope"));
    ml_data_destroy(&X);
    ml_pipeline_destroy(&p);
    ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_registry)
{
    char err[DSK_ERR_LEN];
    const ml_estimator_ops_t *ops;
    ck_assert_ptr_nonnull(ml_registry_find("SGDClassifier"));
    ck_assert_ptr_null(ml_registry_find("sgdclassifier"));
    ck_assert_int_eq(ml_registry_lookup("SGDclassifer", &ops, err), DSK_ENOTFOUND);
    ck_assert_str_eq(err, "unknown estimator 'SGDclassifer' (did you mean 'SGDClassifier'?)");
    ck_assert_int_eq(ml_registry_lookup("SVM", &ops, err), DSK_ENOTFOUND);
    ck_assert_str_eq(err, "unknown estimator 'SVM' (did you mean 'SVC'?)");
    ml_estimator_t e;
    ck_assert_int_eq(ml_registry_create("CountVectorizer", &e, err), 0);
    ck_assert_int_eq(e.ops->role, ML_TRANSFORMER);
    e.ops->destroy(e.impl);
    const char *const *names = ml_registry_names();
    int found = 0;
    for (; *names; names++)
        found += strcmp(*names, "SGDClassifier") == 0;
    ck_assert_int_eq(found, 1);
}
END_TEST

START_TEST(test_pipeline_fit_predict_score)
{
    char err[DSK_ERR_LEN];
    int32_t y[60], pred[60];
    ml_data_t *X;
    ml_pipeline_t *p = s_fitted(&X, y, 60);
    ck_assert_int_eq(ml_pipeline_predict(p, X, pred, err), 0);
    int32_t nc;
    const int32_t *cls = ml_pipeline_classes(p, &nc);
    ck_assert_int_eq(nc, 2);
    ck_assert_int_eq(cls[0], 4);
    ck_assert_int_eq(cls[1], 7);
    double acc, acc2, auc;
    ck_assert_int_eq(ml_pipeline_score(p, ml_scorer_find("accuracy", err), X, y, &acc, err), 0);
    ck_assert_int_eq(ml_accuracy_score(y, pred, 60, &acc2, err), 0);
    ck_assert_double_eq(acc, acc2);
    ck_assert(acc > 0.8);
    ck_assert_int_eq(ml_pipeline_score(p, ml_scorer_find("roc_auc", err), X, y, &auc, err), 0);
    ml_dense_t *d;
    ck_assert_int_eq(ml_pipeline_decision_function(p, X, &d, err), 0);
    double auc2;
    ck_assert_int_eq(ml_roc_auc_score(y, d->data, 60, &auc2, err), 0);
    ck_assert_double_eq(auc, auc2);
    ml_dense_destroy(&d);
    ck_assert_int_eq(ml_pipeline_predict_proba(p, X, &d, err), 0);
    ck_assert_int_eq(d->ncols, 2);
    ml_dense_destroy(&d);
    ml_data_t *T;
    ck_assert_int_eq(ml_pipeline_transform(p, X, &T, err), DSK_EINVAL);
    ck_assert_ptr_null(T);
    ml_data_destroy(&X);
    ml_pipeline_destroy(&p);
}
END_TEST

/* Save, load, and compare predictions and decision values bit for bit. */
START_TEST(test_model_round_trip)
{
    char err[DSK_ERR_LEN], path[] = "/tmp/dsk-model-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    int32_t y[40], a[40], b[40];
    ml_data_t *X;
    ml_pipeline_t *p = s_fitted(&X, y, 40), *q;
    ck_assert_msg(ml_model_save(p, path, err) == 0, "%s", err);
    ck_assert_msg(ml_model_load(path, &q, err) == 0, "%s", err);
    ck_assert_int_eq(ml_pipeline_predict(p, X, a, err), 0);
    ck_assert_int_eq(ml_pipeline_predict(q, X, b, err), 0);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    ml_dense_t *da, *db;
    ck_assert_int_eq(ml_pipeline_decision_function(p, X, &da, err), 0);
    ck_assert_int_eq(ml_pipeline_decision_function(q, X, &db, err), 0);
    ck_assert_int_eq(memcmp(da->data, db->data, 40 * sizeof(double)), 0);
    ml_value_t v;
    ck_assert_int_eq(ml_pipeline_get_param(q, "clf__loss", &v, err), 0);
    ck_assert_str_eq(v.u.s, "log_loss");
    ml_value_clear(&v);
    ml_dense_destroy(&da);
    ml_dense_destroy(&db);
    ml_pipeline_destroy(&q);
    /* an unfitted pipeline is not a model */
    ml_pipeline_t *u = ml_pipeline_new();
    ck_assert_int_eq(ml_pipeline_add_class(u, "clf", "SGDClassifier", err), 0);
    ck_assert_int_eq(ml_model_save(u, path, err), DSK_ESTATE);
    ml_pipeline_destroy(&u);
    unlink(path);
    ck_assert_int_eq(ml_model_load(path, &q, err), DSK_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, path));
    ml_data_destroy(&X);
    ml_pipeline_destroy(&p);
}
END_TEST

/* Every proper prefix of a model file is rejected with an error naming it. */
START_TEST(test_model_truncation)
{
    char err[DSK_ERR_LEN];
    int32_t y[20];
    ml_data_t *X;
    ml_pipeline_t *p = s_fitted(&X, y, 20), *q;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    ck_assert_int_eq(ml_model_pack(p, &sb, err), 0);
    ck_assert_int_eq(ml_model_unpack(sb.data, sb.size, "m.dskm", &q, err), 0);
    ml_pipeline_destroy(&q);
    for (size_t len = 0; len < sb.size; len++) {
        ck_assert_msg(ml_model_unpack(sb.data, len, "m.dskm", &q, err) != 0,
                      "a %zu-byte prefix loaded", len);
        ck_assert_ptr_null(q);
        ck_assert_ptr_nonnull(strstr(err, "'m.dskm'"));
    }
    /* the same through files: an empty file and a half-written one */
    char path[] = "/tmp/dsk-trunc-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_ne(ml_model_load(path, &q, err), 0);
    ck_assert_ptr_nonnull(strstr(err, path));
    FILE *f = fopen(path, "wb");
    fwrite(sb.data, 1, sb.size / 2, f);
    fclose(f);
    ck_assert_int_eq(ml_model_load(path, &q, err), DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "is truncated or corrupt"));
    ck_assert_ptr_nonnull(strstr(err, path));
    unlink(path);
    /* trailing garbage is corruption too */
    char *longer = malloc(sb.size + 1);
    memcpy(longer, sb.data, sb.size);
    longer[sb.size] = 0;
    ck_assert_int_ne(ml_model_unpack(longer, sb.size + 1, "m.dskm", &q, err), 0);
    free(longer);
    msgpack_sbuffer_destroy(&sb);
    ml_data_destroy(&X);
    ml_pipeline_destroy(&p);
}
END_TEST

static void s_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

/* A header with a chosen format and version and one step of class cls. */
static int s_unpack_crafted(const char *format, int version, const char *cls, char *err)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    s_str(&pk, "format");
    s_str(&pk, format);
    s_str(&pk, "version");
    msgpack_pack_int(&pk, version);
    s_str(&pk, "pipeline");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 4);
    s_str(&pk, "name");
    s_str(&pk, "clf");
    s_str(&pk, "estimator");
    s_str(&pk, cls);
    s_str(&pk, "params");
    msgpack_pack_map(&pk, 0);
    s_str(&pk, "state");
    msgpack_pack_map(&pk, 0);
    ml_pipeline_t *q = NULL;
    int rc = ml_model_unpack(sb.data, sb.size, "x.dskm", &q, err);
    ml_pipeline_destroy(&q);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

START_TEST(test_model_bad_headers)
{
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_unpack_crafted("dskm", 2, "SGDClassifier", err), DSK_EVERSION);
    ck_assert_str_eq(err, "model file 'x.dskm' has version 2; this dsk reads version 1");
    ck_assert_int_eq(s_unpack_crafted("pickle", 1, "SGDClassifier", err), DSK_ENOTDSK);
    ck_assert_ptr_nonnull(strstr(err, "'x.dskm' is not a dsk model"));
    ck_assert_int_eq(s_unpack_crafted("dskm", 1, "SVM", err), DSK_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, "model file 'x.dskm': step 'clf': unknown estimator"));
    /* a known class with an empty state: the estimator's own load error */
    ck_assert_int_ne(s_unpack_crafted("dskm", 1, "SGDClassifier", err), 0);
    ck_assert_ptr_nonnull(strstr(err, "model file 'x.dskm': step 'clf' (SGDClassifier)"));
    ml_pipeline_t *q;
    ck_assert_int_eq(ml_model_unpack("\xdd\xff\xff\xff\xff", 5, "bomb.dskm", &q, err),
                     DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "'bomb.dskm' is truncated or corrupt"));
}
END_TEST

START_TEST(test_value_pack_round_trip)
{
    char err[DSK_ERR_LEN];
    ml_value_t v = ml_value_list(6);
    v.u.list.items[0] = ml_value_none();
    v.u.list.items[1] = ml_value_bool(1);
    v.u.list.items[2] = ml_value_int(-5);
    v.u.list.items[3] = ml_value_float(1e-6);
    v.u.list.items[4] = ml_value_string("l2");
    v.u.list.items[5] = ml_value_list(0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ml_pack_value(&pk, &v);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    ml_value_t w;
    ck_assert_int_eq(ml_unpack_value(&up.data, &w, err), 0);
    ck_assert(ml_value_equal(&v, &w));
    ml_value_clear(&v);
    ml_value_clear(&w);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

/* Twelve short documents about two topics; labels 0 (space) and 1 (cooking). */
static ml_data_t *s_docs(int32_t *y)
{
    static const char *const docs[] = {
        "the rocket reached orbit", "a cake needs flour and sugar",
        "orbit of the moon and the rocket", "bake the bread with flour",
        "astronauts on the space station", "sugar, butter and eggs for the cake",
        "the station orbits the earth", "slow cooking of the stew",
        "launch of the space rocket", "the oven bakes bread and cake",
        "moon landing astronauts", "a stew with butter",
    };
    ml_data_t *d = ml_data_new_text(12);
    for (int i = 0; i < 12; i++) {
        d->text.docs[i] = strdup(docs[i]);
        d->text.lens[i] = strlen(docs[i]);
        y[i] = i % 2;
    }
    return d;
}

/* The seed's CountVectorizer -> TfidfTransformer -> SGDClassifier: routing, fit, round trip. */
START_TEST(test_text_pipeline_round_trip)
{
    char err[DSK_ERR_LEN], path[] = "/tmp/dsk-model-XXXXXX";
    int32_t y[12], a[12], b[12];
    ml_data_t *X = s_docs(y);
    ml_pipeline_t *p = ml_pipeline_new(), *q;
    ck_assert_int_eq(ml_pipeline_add_class(p, "vect", "CountVectorizer", err), 0);
    ck_assert_int_eq(ml_pipeline_add_class(p, "tfidf", "TfidfTransformer", err), 0);
    ck_assert_int_eq(ml_pipeline_add_class(p, "clf", "SGDClassifier", err), 0);
    s_set(p, "tfidf__norm", ml_value_string("l1"));
    ml_value_t ng = ml_value_list(2);
    ng.u.list.items[0] = ml_value_int(1);
    ng.u.list.items[1] = ml_value_int(2);
    s_set(p, "vect__ngram_range", ng);
    s_set(p, "vect__max_df", ml_value_float(0.75));
    s_set(p, "clf__random_state", ml_value_int(0));
    ml_value_t bad = ml_value_float(0.5);
    ck_assert_int_eq(ml_pipeline_set_param(p, "vectt__max_df", &bad, err), DSK_EINVAL);
    ck_assert_str_eq(err, "Pipeline has no step 'vectt' (steps: vect, tfidf, clf)");
    ck_assert_msg(ml_pipeline_fit(p, X, y, err) == 0, "%s", err);
    ck_assert_int_eq(ml_pipeline_predict(p, X, a, err), 0);
    int correct = 0;
    for (int i = 0; i < 12; i++)
        correct += a[i] == y[i];
    ck_assert_int_ge(correct, 10);
    ml_data_t *T;
    ck_assert_int_eq(ml_pipeline_transform(p, X, &T, err), DSK_EINVAL);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_msg(ml_model_save(p, path, err) == 0, "%s", err);
    ck_assert_msg(ml_model_load(path, &q, err) == 0, "%s", err);
    unlink(path);
    ck_assert_int_eq(ml_pipeline_predict(q, X, b, err), 0);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    ml_dense_t *da, *db;
    ck_assert_int_eq(ml_pipeline_decision_function(p, X, &da, err), 0);
    ck_assert_int_eq(ml_pipeline_decision_function(q, X, &db, err), 0);
    ck_assert_int_eq(memcmp(da->data, db->data, 12 * sizeof(double)), 0);
    ml_value_t v;
    ck_assert_int_eq(ml_pipeline_get_param(q, "vect__max_df", &v, err), 0);
    ck_assert_double_eq(v.u.f, 0.75);
    ck_assert_int_eq(ml_pipeline_get_param(q, "tfidf__norm", &v, err), 0);
    ck_assert_str_eq(v.u.s, "l1");
    ml_value_clear(&v);
    ml_dense_destroy(&da);
    ml_dense_destroy(&db);
    ml_pipeline_destroy(&q);
    ml_pipeline_destroy(&p);
    ml_data_destroy(&X);
}
END_TEST

/* SVC has decision_function but no predict_proba: roc_auc uses the former. */
START_TEST(test_svc_model_round_trip)
{
    char err[DSK_ERR_LEN];
    int32_t y[30], a[30], b[30];
    ml_data_t *X = s_blobs(30, y);
    ml_pipeline_t *p = ml_pipeline_new(), *q;
    ck_assert_int_eq(ml_pipeline_add_class(p, "svc", "SVC", err), 0);
    s_set(p, "svc__C", ml_value_float(10.0));
    ck_assert_msg(ml_pipeline_fit(p, X, y, err) == 0, "%s", err);
    double auc;
    ck_assert_int_eq(ml_pipeline_score(p, ml_scorer_find("roc_auc", err), X, y, &auc, err), 0);
    ck_assert(auc > 0.9);
    ml_dense_t *d;
    ck_assert_int_eq(ml_pipeline_predict_proba(p, X, &d, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "predict_proba is not available when probability=False"));
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    ck_assert_int_eq(ml_model_pack(p, &sb, err), 0);
    ck_assert_msg(ml_model_unpack(sb.data, sb.size, "svc.dskm", &q, err) == 0, "%s", err);
    ck_assert_int_eq(ml_pipeline_predict(p, X, a, err), 0);
    ck_assert_int_eq(ml_pipeline_predict(q, X, b, err), 0);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    double auc2;
    ck_assert_int_eq(ml_pipeline_score(q, ml_scorer_find("roc_auc", err), X, y, &auc2, err), 0);
    ck_assert_double_eq(auc, auc2);
    msgpack_sbuffer_destroy(&sb);
    ml_pipeline_destroy(&q);
    ml_pipeline_destroy(&p);
    ml_data_destroy(&X);
}
END_TEST

Suite *dsk_ml_model_suite(void)
{
    Suite *s = suite_create("ml_model");
    TCase *tc = tcase_create("pipeline_model");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_pipeline_routing_errors);
    tcase_add_test(tc, test_registry);
    tcase_add_test(tc, test_pipeline_fit_predict_score);
    tcase_add_test(tc, test_model_round_trip);
    tcase_add_test(tc, test_model_truncation);
    tcase_add_test(tc, test_model_bad_headers);
    tcase_add_test(tc, test_value_pack_round_trip);
    tcase_add_test(tc, test_text_pipeline_round_trip);
    tcase_add_test(tc, test_svc_model_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
