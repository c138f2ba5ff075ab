/* ml_sgd.c — SGDClassifier: parameters, one-vs-all fit, prediction. */
#include "ml_sgd.h"

#include <cblas.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_bigmem.h"
#include "dsk_log.h"
#include "ml_np_sort.h"
#include "ml_np_sum.h"
#include "ml_np_rng.h"
#include "ml_sgd_model.h"
#include "ml_sgd_joint.h"

#define S_MAX_INT 2147483647LL /* np.iinfo(np.int32).max */

/* compute_class_weight: ones, or n / (k * bincount) for 'balanced'. */
static double *s_class_weights(const ml_sgd_t *m, const int32_t *yi, int64_t n, int32_t k)
{
    double *w = dsk_xmalloc((size_t)k * sizeof *w);
    int64_t *count = dsk_xcalloc((size_t)k, sizeof *count);
    for (int64_t i = 0; i < n; i++)
        count[yi[i]]++;
    for (int32_t c = 0; c < k; c++)
        w[c] = m->class_weight_balanced
                   ? (double)n / ((double)k * (double)count[c])
                   : 1.0;
    free(count);
    return w;
}

/* scikit-learn's _more_validate_params checks, made at fit time as there. */
static int s_check_fit_params(const ml_sgd_t *m, const ml_data_t *X, char *err)
{
    const ml_sgd_config_t *c = &m->cfg;
    if (c->learning_rate != ML_SGD_LR_OPTIMAL && c->eta0 <= 0.0)
        return dsk_seterr(err, DSK_EINVAL, "%s: eta0 must be > 0 with learning_rate '%s'",
                          ML_SGD_EST, m->values[ML_SGD_P_LEARNING_RATE].u.s);
    if (c->learning_rate == ML_SGD_LR_OPTIMAL && c->alpha == 0)
        return dsk_seterr(err, DSK_EINVAL,
                          "%s: alpha must be > 0 since learning_rate is 'optimal' (alpha is "
                          "used to compute the optimal learning rate)", ML_SGD_EST);
    if (X->kind != ML_DATA_CSR && X->kind != ML_DATA_DENSE)
        return dsk_seterr(err, DSK_EINVAL, "%s: fit needs a dense or sparse matrix, got %s",
                          ML_SGD_EST, ml_data_kind_name(X->kind));
    if (X->nrows < 1)
        return dsk_seterr(err, DSK_EINVAL, "%s: fit needs at least one sample", ML_SGD_EST);
    int64_t nf = X->kind == ML_DATA_CSR ? X->csr->ncols : X->dense->ncols;
    if (nf < 1 || nf > INT32_MAX || X->nrows > INT32_MAX)
        return dsk_seterr(err, DSK_EINVAL, "%s: cannot fit %" PRId64 " samples x %" PRId64
                          " features", ML_SGD_EST, X->nrows, nf);
    return DSK_OK;
}

/* The seed source: random_state, or the operating system's entropy for None. */
static void s_seed_rng(const ml_sgd_t *m, ml_np_rng_t *r)
{
    uint32_t s;
    if (m->has_random_state)
        s = m->random_state;
    else if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s)
        s = (uint32_t)time(NULL) ^ (uint32_t)getpid();
    ml_np_rng_seed(r, s);
}

/*
 * The shuffle seed of one binary problem, drawn as fit_binary draws it:
 * make_dataset takes randint(1, MAX_INT) first (for the dataset's own
 * sampling, unused by SGD), then randint(MAX_INT) is _plain_sgd's seed.
 */
static uint32_t s_problem_seed(ml_np_rng_t *r)
{
    (void)ml_np_rng_randint(r, 1, S_MAX_INT);
    return (uint32_t)ml_np_rng_randint(r, 0, S_MAX_INT);
}

/*
 * The shuffle seed of each binary problem (nprob: 1 for two classes, else
 * one per class), drawn as scikit-learn's fit draws them: one problem seed
 * for two classes; randint(MAX_INT, size=k) and then each class's problem
 * seed from a RandomState seeded with its draw. Caller frees.
 */
static uint32_t *s_draw_seeds(const ml_sgd_t *m, int64_t nprob)
{
    ml_np_rng_t rng;
    s_seed_rng(m, &rng);
    uint32_t *seeds = dsk_xmalloc((size_t)nprob * sizeof *seeds);
    if (nprob == 1) {
        seeds[0] = s_problem_seed(&rng);
    } else {
        for (int64_t c = 0; c < nprob; c++) /* randint(MAX_INT, size=k) */
            seeds[c] = (uint32_t)ml_np_rng_randint(&rng, 0, S_MAX_INT);
        for (int64_t c = 0; c < nprob; c++) {
            ml_np_rng_t r2;
            ml_np_rng_seed(&r2, seeds[c]);
            seeds[c] = s_problem_seed(&r2);
        }
    }
    return seeds;
}

/*
 * Fits one binary problem per row of coef (one for two classes) with the
 * seeds and class weights scikit-learn's _fit_binary / _fit_multiclass use:
 * two classes take (pos, neg) = (cw[1], cw[0]); more classes take
 * (cw[c], 1.0) per class. With average, the averaged vectors replace coef_
 * once t_ - 1 = n_iter_ * n_samples reaches average, as in scikit-learn.
 */
static int s_fit_problems(ml_sgd_t *m, const ml_sgd_rows_t *rows, const int32_t *yi,
                          int64_t n, const double *cw, char *err)
{
    int32_t k = m->n_classes;
    int64_t nprob = m->n_coef_rows, nf = m->n_features;
    uint32_t *seeds = s_draw_seeds(m, nprob);
    double *ybin = dsk_xmalloc((size_t)n * sizeof *ybin);
    /* a dsk_bigmem block, as coef_ is: the two trade places below */
    double *avg = m->cfg.average > 0 ? dsk_big_zalloc((size_t)(nprob * nf) * sizeof *avg) : NULL;
    double *avg_int = dsk_xcalloc((size_t)nprob, sizeof *avg_int);
    double decay = rows->csr ? 0.01 : 1.0; /* SPARSE_INTERCEPT_DECAY */
    int rc = DSK_OK;
    int64_t n_iter = 0;
    for (int64_t p = 0; p < nprob && rc == DSK_OK; p++) {
        int32_t pos = k == 2 ? 1 : (int32_t)p;
        for (int64_t i = 0; i < n; i++)
            ybin[i] = yi[i] == pos ? 1.0 : -1.0;
        ml_sgd_state_t st = {.w = m->coef + p * nf, .aw = avg ? avg + p * nf : NULL};
        rc = ml_sgd_plain(&m->cfg, rows, ybin, cw[pos], k == 2 ? cw[0] : 1.0, seeds[p],
                          decay, 1.0, &st, err);
        m->intercept[p] = st.intercept;
        avg_int[p] = st.average_intercept;
        if (st.n_iter > n_iter)
            n_iter = st.n_iter;
    }
    m->n_iter = n_iter;
    if (avg && (double)m->cfg.average <= (double)n_iter * (double)n) {
        double *t = m->coef;
        m->coef = avg;
        avg = t;
        memcpy(m->intercept, avg_int, (size_t)nprob * sizeof *avg_int);
    }
    dsk_big_free(avg);
    free(avg_int);
    free(seeds);
    free(ybin);
    return rc;
}

/*
 * The default multiclass fit on sparse input (ml_sgd_joint.h): all classes
 * in one pass, shuffled with the first class's problem seed.
 */
static int s_fit_joint(ml_sgd_t *m, const ml_csr_t *X, const int32_t *yi, const double *cw,
                       char *err)
{
    uint32_t *seeds = s_draw_seeds(m, m->n_coef_rows);
    int rc = ml_sgd_joint(&m->cfg, X, yi, m->n_classes, cw, seeds[0], 0.01 /* sparse */,
                          &m->joint, m->intercept, &m->n_iter, err);
    free(seeds);
    return rc;
}

/* scikit-learn's fit, problem by problem, on bit-identical renumbered columns. */
static int s_fit_exact(ml_sgd_t *m, const ml_data_t *X, const int32_t *yi, int64_t n,
                       const double *cw, char *err)
{
    ml_sgd_rows_t rows = {.dense = X->kind == ML_DATA_DENSE ? X->dense : NULL};
    ml_csr_t local;
    int32_t *map = NULL;
    if (X->kind == ML_DATA_CSR) { /* bit-identical, cache-friendlier column ids */
        ml_sgd_localize(X->csr, &local, &map);
        rows.csr = &local;
    }
    int rc = s_fit_problems(m, &rows, yi, n, cw, err);
    if (map) {
        ml_sgd_unlocalize(m->coef, m->n_coef_rows, m->n_features, map);
        ml_sgd_local_free(&local, &map);
    }
    return rc;
}

static int s_fit(void *impl, const ml_data_t *X, const int32_t *y, char *err)
{
    ml_sgd_t *m = impl;
    int rc = s_check_fit_params(m, X, err);
    if (rc)
        return rc;
    if (!y)
        return dsk_seterr(err, DSK_EINVAL, "%s: fit needs labels y", ML_SGD_EST);
    ml_sgd_clear_fit(m);
    int64_t n = X->nrows;
    int32_t k;
    int32_t *classes;
    k = (int32_t)ml_np_unique_i32(y, n, NULL, 0, &classes);
    if (k < 2) {
        free(classes);
        return dsk_seterr(err, DSK_EINVAL, "%s: the number of classes has to be greater "
                          "than one; got %d class", ML_SGD_EST, (int)k);
    }
    int32_t *yi = dsk_xmalloc((size_t)n * sizeof *yi);
    for (int64_t i = 0; i < n; i++)
        yi[i] = (int32_t)ml_np_searchsorted_i32(classes, k, y[i]);
    double *cw = s_class_weights(m, yi, n, k);
    m->n_classes = k;
    m->classes = classes;
    m->n_features = X->kind == ML_DATA_CSR ? X->csr->ncols : X->dense->ncols;
    m->n_coef_rows = k == 2 ? 1 : k;
    /* the joint pass keeps its own weights (m->joint); the per-class solvers start from zeros */
    int joint = k > 2 && X->kind == ML_DATA_CSR && !m->exact_ova && ml_sgd_joint_supports(&m->cfg);
    size_t ncoef = (size_t)(m->n_coef_rows * m->n_features);
    if (!joint)
        m->coef = dsk_big_zalloc(ncoef * sizeof *m->coef);
    m->intercept = dsk_xcalloc((size_t)m->n_coef_rows, sizeof *m->intercept);
    if (joint)
        rc = s_fit_joint(m, X->csr, yi, cw, err);
    else
        rc = s_fit_exact(m, X, yi, n, cw, err);
    free(yi);
    free(cw);
    if (rc) {
        ml_sgd_clear_fit(m);
        return rc;
    }
    if (m->cfg.tol > -INFINITY && m->n_iter == m->cfg.max_iter)
        dsk_warn("%s: ConvergenceWarning: maximum number of iterations (%" PRId64 ") reached "
                 "before convergence; consider increasing max_iter to improve the fit",
                 ML_SGD_EST, m->cfg.max_iter);
    return DSK_OK;
}

/* decision_function: X @ coef_.T + intercept_, rows x n_coef_rows. */
static int s_decision(const void *impl, const ml_data_t *X, ml_dense_t **out, char *err)
{
    const ml_sgd_t *m = impl;
    if (!m->coef && !m->joint)
        return dsk_seterr(err, DSK_ESTATE, "%s: this instance is not fitted yet", ML_SGD_EST);
    if (X->kind != ML_DATA_CSR && X->kind != ML_DATA_DENSE)
        return dsk_seterr(err, DSK_EINVAL, "%s: predict needs a dense or sparse matrix, got %s",
                          ML_SGD_EST, ml_data_kind_name(X->kind));
    int64_t nf = X->kind == ML_DATA_CSR ? X->csr->ncols : X->dense->ncols;
    if (nf != m->n_features)
        return dsk_seterr(err, DSK_EINVAL, "%s: X has %" PRId64 " features, but the model "
                          "was fitted with %" PRId64 " features", ML_SGD_EST, nf, m->n_features);
    int64_t n = X->nrows, R = m->n_coef_rows;
    ml_dense_t *s = ml_dense_new(n, R);
    if (X->kind == ML_DATA_CSR && m->joint) {
        ml_sgd_joint_decision(m->joint, X->csr, m->intercept, s->data);
        *out = s;
        return DSK_OK;
    }
    int owned;
    const double *coef = ml_sgd_coef(m, &owned);
    if (X->kind == ML_DATA_CSR) {
        /*
         * Class by class: one class's coefficients (7 MB for the bigram
         * TF-IDF) stay in cache while every row gathers from them; row by
         * row, each row's features would fetch a line from every class.
         * Each sum runs over the row's features in order, as scipy's does.
         */
        const ml_csr_t *c = X->csr;
        for (int64_t r = 0; r < R; r++) {
            const double *w = coef + r * nf;
            for (int64_t i = 0; i < n; i++) {
                double acc = 0.0;
                for (int64_t j = c->indptr[i]; j < c->indptr[i + 1]; j++)
                    acc += c->data[j] * w[c->indices[j]];
                s->data[i * R + r] = acc + m->intercept[r];
            }
        }
    } else if (n > 0) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)R, (int)nf, 1.0,
                    X->dense->data, (int)nf, coef, (int)nf, 0.0, s->data, (int)R);
        for (int64_t i = 0; i < n; i++)
            for (int64_t r = 0; r < R; r++)
                s->data[i * R + r] += m->intercept[r];
    }
    if (owned)
        dsk_big_free((double *)coef);
    *out = s;
    return DSK_OK;
}

static int s_predict(const void *impl, const ml_data_t *X, int32_t *out, char *err)
{
    const ml_sgd_t *m = impl;
    ml_dense_t *s;
    int rc = s_decision(impl, X, &s, err);
    if (rc)
        return rc;
    int64_t R = m->n_coef_rows;
    for (int64_t i = 0; i < X->nrows; i++) {
        const double *row = s->data + i * R;
        if (R == 1) {
            out[i] = m->classes[row[0] > 0];
            continue;
        }
        int64_t best = 0;
        for (int64_t r = 1; r < R; r++)
            if (row[r] > row[best])
                best = r;
        out[i] = m->classes[best];
    }
    ml_dense_destroy(&s);
    return DSK_OK;
}

/*
 * predict_proba as scikit-learn: log_loss gives the logistic of the score
 * (binary) or one-vs-rest logistics normalised per row; modified_huber
 * gives (clip(score, -1, 1) + 1) / 2, normalised likewise (uniform when a
 * row is all zero).
 */
static int s_proba(const void *impl, const ml_data_t *X, ml_dense_t **out, char *err)
{
    const ml_sgd_t *m = impl;
    int is_log = m->cfg.loss == ML_SGD_LOG_LOSS;
    if (!is_log && m->cfg.loss != ML_SGD_MODIFIED_HUBER)
        return dsk_seterr(err, DSK_EINVAL, "%s: probability estimates are not available for "
                          "loss='%s'", ML_SGD_EST, m->values[ML_SGD_P_LOSS].u.s);
    ml_dense_t *s;
    int rc = s_decision(impl, X, &s, err);
    if (rc)
        return rc;
    int64_t n = X->nrows, R = m->n_coef_rows, K = m->n_classes;
    ml_dense_t *p = ml_dense_new(n, K);
    for (int64_t i = 0; i < n; i++) {
        const double *si = s->data + i * R;
        double *pi = p->data + i * K;
        for (int64_t r = 0; r < R; r++) {
            double v = si[r];
            if (is_log) {
                v = 1.0 / (1.0 + exp(-v));
            } else {
                v = v < -1 ? -1 : (v > 1 ? 1 : v);
                v = (v + 1.0) / 2.0;
            }
            pi[R == 1 ? 1 : r] = v;
        }
        if (R == 1) {
            pi[0] = 1.0 - pi[1];
            continue;
        }
        double sum = ml_np_pairwise_sum(pi, K);
        if (!is_log && sum == 0) {
            for (int64_t r = 0; r < K; r++)
                pi[r] = 1;
            sum = (double)K;
        }
        for (int64_t r = 0; r < K; r++)
            pi[r] /= sum;
    }
    ml_dense_destroy(&s);
    *out = p;
    return DSK_OK;
}

void ml_sgd_set_exact_ova(void *impl, int on)
{
    ((ml_sgd_t *)impl)->exact_ova = !!on;
}

/*
 * The joint pass's tables (ml_sgd_joint_bytes) where it would run, else
 * the per-class path's: coef_ (twice with averaging), the localized
 * copy of sparse rows and the labels as doubles.
 */
static size_t s_fit_bytes(const void *impl, const ml_fit_shape_t *sh)
{
    const ml_sgd_t *m = impl;
    int32_t k = sh->n_classes > 2 ? sh->n_classes : 2;
    if (k > 2 && sh->sparse && !m->exact_ova && ml_sgd_joint_supports(&m->cfg))
        return ml_sgd_joint_bytes(&m->cfg, sh->nrows, sh->ncols, sh->nnz, k);
    double coef = (double)(k == 2 ? 1 : k) * (double)sh->ncols * sizeof(double);
    double local = sh->sparse ? (double)sh->nnz * sizeof(int32_t) +
                                (double)sh->ncols * sizeof(int32_t) : 0.0;
    return (size_t)(coef * (m->cfg.average > 0 ? 2 : 1) + local +
                    (double)sh->nrows * sizeof(double));
}

static const int32_t *s_classes(const void *impl, int32_t *n)
{
    const ml_sgd_t *m = impl;
    *n = m->n_classes;
    return m->classes;
}

const ml_estimator_ops_t ml_sgd_classifier_ops = {
    .name = ML_SGD_EST,
    .role = ML_CLASSIFIER,
    .param_names = ml_sgd_param_names,
    .create = ml_sgd_create,
    .destroy = ml_sgd_destroy,
    .set_param = ml_sgd_set_param,
    .get_param = ml_sgd_get_param,
    .fit = s_fit,
    .transform = NULL,
    .predict = s_predict,
    .decision_function = s_decision,
    .predict_proba = s_proba,
    .classes = s_classes,
    .fit_bytes = s_fit_bytes,
    .save = ml_sgd_save,
    .load = ml_sgd_load,
};
