/*
 * bench_ml.c — dsk's side of bench/ml: the estimators on the same data and
 * work as bench_sklearn.py, one thread, one JSON line per measurement:
 *   {"name": ..., "seconds": ..., "detail": {...}}
 * (sgd_20class_fit_exact_ova and sgd_20class_fit_joint: dsk's two modes,
 * each compared with scikit-learn's one sgd_20class_fit); each fit's detail
 * says what its model predicts on the training data (not timed).
 * bench/ml/run.sh runs both and prints the ratios (compare.py).
 *
 *   bench_ml [--data-home DIR] [--replicate N]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ml_count_vectorizer.h"
#include "dsk_alloc.h"
#include "ml_load.h"
#include "ml_registry.h"
#include "ml_sgd.h"

/* Quick benchmarks report the best of this many runs (as bench_sklearn.py). */
#define S_REPEATS 3

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void s_emit(const char *name, double seconds, json_t *detail)
{
    json_t *o = json_pack("{s:s, s:f, s:o}", "name", name, "seconds", seconds, "detail", detail);
    json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(6));
    putchar('\n');
    fflush(stdout);
    json_decref(o);
}

static void s_die(const char *what, const char *err)
{
    fprintf(stderr, "bench_ml: %s: %s\n", what, err);
    exit(1);
}

static ml_dataset_t *s_load(const char *loader, const char *data_home)
{
    char err[DSK_ERR_LEN];
    json_t *spec = json_pack("{s:s, s:s}", "loader", loader, "data_home", data_home);
    ml_dataset_t *ds = NULL;
    if (ml_load_dataset(spec, &ds, err) < 0)
        s_die(loader, err);
    json_decref(spec);
    return ds;
}

static ml_estimator_t s_create(const char *cls)
{
    ml_estimator_t e;
    char err[DSK_ERR_LEN];
    if (ml_registry_create(cls, &e, err) < 0)
        s_die(cls, err);
    return e;
}

static void s_set(ml_estimator_t *e, const char *name, const ml_value_t *v)
{
    char err[DSK_ERR_LEN];
    if (e->ops->set_param(e->impl, name, v, err) < 0)
        s_die(name, err);
}

static int64_t *s_all_rows(int64_t n)
{
    int64_t *rows = malloc((size_t)n * sizeof *rows);
    for (int64_t i = 0; i < n; i++)
        rows[i] = i;
    return rows;
}

/* CountVectorizer(ngram_range=(1, 2)). */
static ml_estimator_t s_bigram_vectorizer(void)
{
    ml_estimator_t cv = s_create("CountVectorizer");
    ml_value_t ngram = ml_value_list(2);
    ngram.u.list.items[0] = ml_value_int(1);
    ngram.u.list.items[1] = ml_value_int(2);
    s_set(&cv, "ngram_range", &ngram);
    ml_value_clear(&ngram);
    return cv;
}

/* Best of S_REPEATS fresh fit_transforms; returns the last counts matrix. */
static ml_csr_t *s_time_counts(const ml_dataset_t *news, double *best)
{
    char err[DSK_ERR_LEN];
    int64_t n = news->X->nrows, *rows = s_all_rows(n);
    ml_csr_t *counts = NULL;
    *best = 1e300;
    for (int r = 0; r < S_REPEATS; r++) {
        ml_csr_destroy(&counts);
        ml_estimator_t cv = s_bigram_vectorizer();
        double t0 = s_now();
        ml_doc_counts_t *dc = ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(cv.impl),
                                                  news->X, err);
        if (!dc || ml_count_vectorizer_fit_counts(cv.impl, dc, rows, n, &counts, err) < 0)
            s_die("CountVectorizer", err);
        double sec = s_now() - t0;
        *best = sec < *best ? sec : *best;
        ml_doc_counts_destroy(&dc);
        cv.ops->destroy(cv.impl);
    }
    free(rows);
    return counts;
}

/*
 * What a fitted classifier predicts on X: how many rows it puts in each of
 * the k classes, and how many it gets right against y (and the accuracy).
 * Not timed; the same numbers from scikit-learn's side show the two sides
 * fitted the same data (and, for the same algorithm, the same model).
 */
static json_t *s_answers(const ml_estimator_t *e, const ml_data_t *X, const int32_t *y, int k)
{
    char err[DSK_ERR_LEN];
    int64_t n = X->nrows, right = 0;
    int32_t *pred = dsk_xmalloc((size_t)n * sizeof *pred);
    if (e->ops->predict(e->impl, X, pred, err) < 0)
        s_die("predict", err);
    json_t *counts = json_array();
    for (int c = 0; c < k; c++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            m += pred[i] == c;
        json_array_append_new(counts, json_integer(m));
    }
    for (int64_t i = 0; i < n; i++)
        right += pred[i] == y[i];
    free(pred);
    return json_pack("{s:o, s:I, s:f}", "pred_counts", counts, "train_correct",
                     (json_int_t)right, "train_accuracy", (double)right / (double)n);
}

/*
 * The 20-class SGDClassifier(random_state=0) fit on the TF-IDF, best of
 * S_REPEATS, in one of dsk's two modes: the joint one-vs-all pass (dsk's
 * default for sparse multiclass input; a different algorithm from
 * scikit-learn's) or the exact per-class schedule (ml_sgd_set_exact_ova:
 * scikit-learn's algorithm, bit for bit). Both are compared with the same
 * scikit-learn fit (bench/ml/run.sh).
 */
static void s_bench_sgd(const ml_dataset_t *news, const ml_data_t *X, int exact)
{
    char err[DSK_ERR_LEN];
    double best = 1e300;
    ml_estimator_t sgd = {0};
    for (int r = 0; r < S_REPEATS; r++) {
        if (sgd.ops)
            sgd.ops->destroy(sgd.impl);
        sgd = s_create("SGDClassifier");
        ml_value_t seed = ml_value_int(0);
        s_set(&sgd, "random_state", &seed);
        ml_sgd_set_exact_ova(sgd.impl, exact);
        double t0 = s_now();
        if (sgd.ops->fit(sgd.impl, X, news->y, err) < 0)
            s_die("SGDClassifier", err);
        double sec = s_now() - t0;
        best = sec < best ? sec : best;
    }
    json_t *detail = s_answers(&sgd, X, news->y, news->n_classes);
    json_object_set_new(detail, "docs", json_integer((json_int_t)X->nrows));
    json_object_set_new(detail, "classes", json_integer(news->n_classes));
    json_object_set_new(detail, "exact", json_boolean(exact));
    s_emit(exact ? "sgd_20class_fit_exact_ova" : "sgd_20class_fit_joint", best, detail);
    sgd.ops->destroy(sgd.impl);
}

/*
 * The text benchmarks: CountVectorizer(ngram_range=(1, 2)) fit_transform
 * as dsk runs it (count once, then build the vocabulary and matrix), then
 * the 20-class SGDClassifier fit on the TF-IDF of those counts, in the
 * bit-exact per-class mode and in dsk's default joint pass.
 */
static void s_bench_text(const char *data_home)
{
    char err[DSK_ERR_LEN];
    ml_dataset_t *news = s_load("20newsgroups", data_home);
    double sec;
    ml_csr_t *counts = s_time_counts(news, &sec);
    s_emit("count_vectorizer_bigrams", sec,
           json_pack("{s:I, s:I, s:I}", "docs", (json_int_t)news->X->nrows, "terms",
                     (json_int_t)counts->ncols, "nnz", (json_int_t)counts->indptr[counts->nrows]));

    ml_estimator_t tfidf = s_create("TfidfTransformer");
    ml_data_t *cdata = ml_data_from_csr(&counts), *X = NULL;
    if (tfidf.ops->fit(tfidf.impl, cdata, NULL, err) < 0 ||
        tfidf.ops->transform(tfidf.impl, cdata, &X, err) < 0)
        s_die("TfidfTransformer", err);
    s_bench_sgd(news, X, 1);
    s_bench_sgd(news, X, 0);
    ml_data_destroy(&X);
    ml_data_destroy(&cdata);
    tfidf.ops->destroy(tfidf.impl);
    ml_dataset_destroy(&news);
}

/* SVC fit on digits (C = 1 and 10), then predict digits replicated. */
static void s_bench_svc(const char *data_home, int replicate)
{
    char err[DSK_ERR_LEN];
    ml_dataset_t *digits = s_load("digits", data_home);
    ml_estimator_t svc = {0};
    const double cs[] = {1.0, 10.0};
    for (int k = 0; k < 2; k++) {
        double best = 1e300;
        for (int r = 0; r < S_REPEATS; r++) {
            if (svc.ops)
                svc.ops->destroy(svc.impl);
            svc = s_create("SVC");
            ml_value_t c = ml_value_float(cs[k]), seed = ml_value_int(0);
            s_set(&svc, "C", &c);
            s_set(&svc, "random_state", &seed);
            double t0 = s_now();
            if (svc.ops->fit(svc.impl, digits->X, digits->y, err) < 0)
                s_die("SVC", err);
            double sec = s_now() - t0;
            best = sec < best ? sec : best;
        }
        char name[64];
        snprintf(name, sizeof name, "svc_fit_digits_C%g", cs[k]);
        s_emit(name, best, s_answers(&svc, digits->X, digits->y, 10));
    }
    const ml_dense_t *d = digits->X->dense;
    int64_t n = d->nrows * replicate;
    int64_t *rows = malloc((size_t)n * sizeof *rows);
    for (int64_t i = 0; i < n; i++)
        rows[i] = i % d->nrows;
    ml_dense_t *big = ml_dense_take_rows(d, rows, n);
    ml_data_t *X = ml_data_from_dense(&big);
    int32_t *pred = malloc((size_t)n * sizeof *pred);
    double t0 = s_now();
    if (svc.ops->predict(svc.impl, X, pred, err) < 0)
        s_die("SVC predict", err);
    double sec = s_now() - t0;
    json_t *counts = json_array();
    for (int c = 0; c < 10; c++) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            m += pred[i] == c;
        json_array_append_new(counts, json_integer(m));
    }
    s_emit("svc_predict", sec, json_pack("{s:I, s:f, s:o}", "rows", (json_int_t)n, "C", 10.0,
                                         "counts", counts));
    free(pred);
    free(rows);
    ml_data_destroy(&X);
    svc.ops->destroy(svc.impl);
    ml_dataset_destroy(&digits);
}

int main(int argc, char **argv)
{
    const char *data_home = getenv("DSK_DATA_HOME");
    int replicate = 1000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data-home") == 0 && i + 1 < argc)
            data_home = argv[++i];
        else if (strcmp(argv[i], "--replicate") == 0 && i + 1 < argc)
            replicate = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_ml [--data-home DIR] [--replicate N]\n");
            return 2;
        }
    }
    if (!data_home)
        data_home = "../shared/data";
    s_bench_text(data_home);
    s_bench_svc(data_home, replicate > 0 ? replicate : 1);
    return 0;
}
