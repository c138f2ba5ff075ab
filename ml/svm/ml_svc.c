/* ml_svc.c — SVC: parameters, fit through libsvm's one-vs-one, batch prediction. */
#include "ml_svc.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dsk_alloc.h"
#include "ml_kernel.h"
#include "ml_np_sort.h"
#include "ml_np_sum.h"
#include "ml_pack.h"
#include "ml_param.h"
#include "ml_svc_proba.h"
#include "ml_svc_solver.h"

#define S_EST "SVC"
#define S_BLOCK 256 /* rows per kernel block in prediction (timing is flat 64..1024) */

enum {
    S_P_C, S_P_KERNEL, S_P_DEGREE, S_P_GAMMA, S_P_COEF0, S_P_SHRINKING, S_P_PROBABILITY,
    S_P_TOL, S_P_CACHE_SIZE, S_P_CLASS_WEIGHT, S_P_VERBOSE, S_P_MAX_ITER,
    S_P_DECISION_FUNCTION_SHAPE, S_P_BREAK_TIES, S_P_RANDOM_STATE, S_NPARAMS
};

static const char *const s_param_names[] = {
    "C", "kernel", "degree", "gamma", "coef0", "shrinking", "probability", "tol",
    "cache_size", "class_weight", "verbose", "max_iter", "decision_function_shape",
    "break_ties", "random_state", NULL};

/* In libsvm's kernel_type order, which ml_kernel_type_t follows. */
static const char *const s_kernels[] = {"linear", "poly", "rbf", "sigmoid", NULL};
static const char *const s_gammas[] = {"scale", "auto", NULL};
static const char *const s_shapes[] = {"ovr", "ovo", NULL};
static const char *const s_balanced[] = {"balanced", NULL};

typedef enum { S_GAMMA_SCALE, S_GAMMA_AUTO, S_GAMMA_VALUE } s_gamma_mode_t;

/* The parameters (typed, and as set for get_param), then what fit learned. */
typedef struct {
    double C, coef0, tol, cache_size, gamma_value;
    int kernel, shrinking, balanced, ovo, break_ties, probability;
    int64_t degree, max_iter, random_state; /* random_state -1: None */
    s_gamma_mode_t gamma_mode;
    ml_value_t values[S_NPARAMS];
    int fitted;
    int32_t *classes;      /* model.n_classes, sorted */
    double gamma;          /* the resolved gamma (_gamma in scikit-learn) */
    ml_svc_model_t model;
    double *sv_sq;         /* model.n_sv squared norms of the support vectors */
    double *probA, *probB; /* per pair: the Platt sigmoid (probability=True), else NULL */
} ml_svc_t;

static int s_index(const char *name) { return ml_param_index(s_param_names, name); }

static void s_forget(ml_svc_t *m)
{
    ml_svc_model_clear(&m->model);
    free(m->classes);
    free(m->sv_sq);
    free(m->probA);
    free(m->probB);
    m->classes = NULL;
    m->sv_sq = NULL;
    m->probA = m->probB = NULL;
    m->fitted = 0;
}

static void *s_create(void)
{
    ml_svc_t *m = dsk_xcalloc(1, sizeof *m);
    m->C = 1.0;
    m->kernel = ML_KERNEL_RBF;
    m->degree = 3;
    m->gamma_mode = S_GAMMA_SCALE;
    m->tol = 1e-3;
    m->cache_size = 200;
    m->shrinking = 1;
    m->max_iter = -1;
    m->random_state = -1;
    m->values[S_P_C] = ml_value_float(1.0);
    m->values[S_P_KERNEL] = ml_value_string("rbf");
    m->values[S_P_DEGREE] = ml_value_int(3);
    m->values[S_P_GAMMA] = ml_value_string("scale");
    m->values[S_P_COEF0] = ml_value_float(0.0);
    m->values[S_P_SHRINKING] = ml_value_bool(1);
    m->values[S_P_PROBABILITY] = ml_value_bool(0);
    m->values[S_P_TOL] = ml_value_float(1e-3);
    m->values[S_P_CACHE_SIZE] = ml_value_int(200);
    m->values[S_P_CLASS_WEIGHT] = ml_value_none();
    m->values[S_P_VERBOSE] = ml_value_bool(0);
    m->values[S_P_MAX_ITER] = ml_value_int(-1);
    m->values[S_P_DECISION_FUNCTION_SHAPE] = ml_value_string("ovr");
    m->values[S_P_BREAK_TIES] = ml_value_bool(0);
    m->values[S_P_RANDOM_STATE] = ml_value_none();
    return m;
}

static void s_destroy(void *impl)
{
    ml_svc_t *m = impl;
    if (!m)
        return;
    s_forget(m);
    for (int i = 0; i < S_NPARAMS; i++)
        ml_value_clear(&m->values[i]);
    free(m);
}

/* kernel: one of libsvm's four; 'precomputed' is scikit-learn's but not dsk's. */
static int s_set_kernel(ml_svc_t *m, const ml_value_t *v, char *err)
{
    if (v->type == ML_V_STRING && strcmp(v->u.s, "precomputed") == 0)
        return ml_param_unsupported(S_EST, "kernel", v, err);
    return ml_param_enum(v, S_EST, "kernel", s_kernels, &m->kernel, err);
}

/* gamma: 'scale', 'auto' or a float >= 0 (scikit-learn's Interval closed left). */
static int s_set_gamma(ml_svc_t *m, const ml_value_t *v, char *err)
{
    if (v->type == ML_V_STRING) {
        int g;
        int rc = ml_param_enum(v, S_EST, "gamma", s_gammas, &g, err);
        if (rc == DSK_OK)
            m->gamma_mode = g == 0 ? S_GAMMA_SCALE : S_GAMMA_AUTO;
        return rc;
    }
    double g = v->type == ML_V_FLOAT ? v->u.f : v->type == ML_V_INT ? (double)v->u.i : -1;
    if (!(g >= 0 && g <= DBL_MAX)) {
        char got[200];
        return dsk_seterr(err, DSK_EINVAL,
                          "SVC: parameter 'gamma' must be 'scale', 'auto' or a float >= 0, "
                          "got %s", ml_value_describe(v, got, sizeof got));
    }
    m->gamma_mode = S_GAMMA_VALUE;
    m->gamma_value = g;
    return DSK_OK;
}

/* class_weight: None or 'balanced'; a dict cannot be written as a value. */
static int s_set_class_weight(ml_svc_t *m, const ml_value_t *v, char *err)
{
    if (ml_param_is_none(v)) {
        m->balanced = 0;
        return DSK_OK;
    }
    if (v->type != ML_V_STRING)
        return ml_param_unsupported(S_EST, "class_weight", v, err);
    int b;
    int rc = ml_param_enum(v, S_EST, "class_weight", s_balanced, &b, err);
    if (rc == DSK_OK)
        m->balanced = 1;
    return rc;
}

/* The switch over scalar parameters: each read with scikit-learn's bounds. */
static int s_set_scalar(ml_svc_t *m, int idx, const ml_value_t *v, char *err)
{
    int b = 0;
    int64_t i = 0;
    int rc;
    char got[200];
    switch (idx) {
    case S_P_C:
        return ml_param_float_gt(v, S_EST, "C", 0.0, &m->C, err);
    case S_P_DEGREE:
        return ml_param_int(v, S_EST, "degree", 0, INT32_MAX, &m->degree, err);
    case S_P_COEF0:
        if ((v->type == ML_V_FLOAT && isfinite(v->u.f)) || v->type == ML_V_INT)
            return ml_param_float(v, S_EST, "coef0", -DBL_MAX, DBL_MAX, &m->coef0, err);
        return dsk_seterr(err, DSK_EINVAL, "SVC: parameter 'coef0' must be a finite float, "
                          "got %s", ml_value_describe(v, got, sizeof got));
    case S_P_SHRINKING:
        return ml_param_bool(v, S_EST, "shrinking", &m->shrinking, err);
    case S_P_PROBABILITY:
        return ml_param_bool(v, S_EST, "probability", &m->probability, err);
    case S_P_TOL:
        return ml_param_float_gt(v, S_EST, "tol", 0.0, &m->tol, err);
    case S_P_CACHE_SIZE:
        return ml_param_float_gt(v, S_EST, "cache_size", 0.0, &m->cache_size, err);
    case S_P_VERBOSE:
        /* scikit-learn takes a bool or an int; dsk prints no libsvm trace. */
        if (v->type == ML_V_INT)
            rc = ml_param_int(v, S_EST, "verbose", 0, INT64_MAX, &i, err);
        else
            rc = ml_param_bool(v, S_EST, "verbose", &b, err);
        if (rc == DSK_OK && (b || i))
            return ml_param_unsupported(S_EST, "verbose", v, err);
        return rc;
    case S_P_MAX_ITER:
        return ml_param_int(v, S_EST, "max_iter", -1, INT64_MAX, &m->max_iter, err);
    case S_P_DECISION_FUNCTION_SHAPE:
        return ml_param_enum(v, S_EST, "decision_function_shape", s_shapes, &m->ovo, err);
    case S_P_BREAK_TIES:
        return ml_param_bool(v, S_EST, "break_ties", &m->break_ties, err);
    case S_P_RANDOM_STATE:
        if (ml_param_is_none(v)) {
            m->random_state = -1;
            return DSK_OK;
        }
        return ml_param_int(v, S_EST, "random_state", 0, 4294967295LL, &m->random_state, err);
    }
    return DSK_EINVAL;
}

/* Checks one value and, when valid, applies it and keeps a copy for get_param. */
static int s_set_param(void *impl, const char *name, const ml_value_t *v, char *err)
{
    ml_svc_t *m = impl;
    int idx = s_index(name);
    if (idx < 0)
        return ml_param_unknown(S_EST, name, s_param_names, err);
    ml_svc_t tmp = *m; /* typed fields only: applied on success */
    int rc;
    if (idx == S_P_KERNEL)
        rc = s_set_kernel(&tmp, v, err);
    else if (idx == S_P_GAMMA)
        rc = s_set_gamma(&tmp, v, err);
    else if (idx == S_P_CLASS_WEIGHT)
        rc = s_set_class_weight(&tmp, v, err);
    else
        rc = s_set_scalar(&tmp, idx, v, err);
    if (rc != DSK_OK)
        return rc;
    *m = tmp;
    ml_value_clear(&m->values[idx]);
    ml_value_copy(&m->values[idx], v);
    return DSK_OK;
}

static int s_get_param(const void *impl, const char *name, ml_value_t *out, char *err)
{
    const ml_svc_t *m = impl;
    int idx = s_index(name);
    if (idx < 0)
        return ml_param_unknown(S_EST, name, s_param_names, err);
    ml_value_copy(out, &m->values[idx]);
    return DSK_OK;
}

/* Features of X (dense or CSR), or an error for documents. */
static int s_check_matrix(const ml_data_t *X, const char *what, int64_t *ncols, char *err)
{
    if (X->kind == ML_DATA_DENSE)
        *ncols = X->dense->ncols;
    else if (X->kind == ML_DATA_CSR)
        *ncols = X->csr->ncols;
    else
        return dsk_seterr(err, DSK_EINVAL, "SVC: %s needs a numeric matrix, got %s", what,
                          ml_data_kind_name(X->kind));
    const double *v = X->kind == ML_DATA_DENSE ? X->dense->data : X->csr->data;
    int64_t n = X->kind == ML_DATA_DENSE ? X->nrows * *ncols : ml_csr_nnz(X->csr);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return dsk_seterr(err, DSK_EINVAL, "SVC: %s: input contains NaN or infinity",
                              what);
    return DSK_OK;
}

/*
 * gamma='scale': 1 / (n_features * X.var()), with X.var() computed as
 * NumPy does for dense X and as scikit-learn's E[X^2] - E[X]^2 through
 * SciPy for CSR X (row sums of values / (n * d), then NumPy's sum).
 */
static double s_scale_gamma(const ml_data_t *X, int64_t d)
{
    double var;
    if (X->kind == ML_DATA_DENSE) {
        var = ml_np_var(X->dense->data, X->nrows * d);
    } else {
        const ml_csr_t *c = X->csr;
        double *rs = dsk_xcalloc((size_t)(2 * c->nrows + 1), sizeof *rs), *rq = rs + c->nrows;
        double size = (double)(c->nrows * d);
        for (int64_t r = 0; r < c->nrows; r++)
            for (int64_t p = c->indptr[r]; p < c->indptr[r + 1]; p++) {
                rs[r] += c->data[p] / size;
                rq[r] += c->data[p] * c->data[p] / size;
            }
        double mean = ml_np_sum_buffered(rs, c->nrows);
        var = ml_np_sum_buffered(rq, c->nrows) - mean * mean;
        free(rs);
    }
    return var != 0 ? 1.0 / ((double)d * var) : 1.0;
}

/* classes_ (sorted distinct y) and each row's class index. */
static int32_t s_classes(const int32_t *y, int64_t n, int32_t **classes, int32_t *yi)
{
    int32_t *c;
    int64_t k = ml_np_unique_i32(y, n, NULL, 0, &c);
    for (int64_t i = 0; i < n; i++)
        yi[i] = (int32_t)ml_np_searchsorted_i32(c, k, y[i]);
    *classes = c;
    return (int32_t)k;
}

/*
 * scikit-learn's BaseLibSVM.fit for c_svc: classes, class weights into
 * per-class C, the resolved gamma, then libsvm's one-vs-one training.
 */
/*
 * probability=True: each pair's Platt sigmoid (ml_svc_proba.h), the pairs
 * in libsvm's order, the generator seeded as scikit-learn seeds libsvm's:
 * RandomState(random_state).randint(2**31 - 1), or fresh entropy for None.
 */
static int s_fit_probability(ml_svc_t *m, const ml_svc_solver_param_t *p, const ml_data_t *X,
                             const int32_t *yi, int32_t k, const double *class_C, char *err)
{
    uint32_t seed;
    if (m->random_state >= 0) {
        ml_np_rng_t rs;
        ml_np_rng_seed(&rs, (uint32_t)m->random_state);
        seed = (uint32_t)ml_np_rng_randint(&rs, 0, 2147483647);
    } else if (getentropy(&seed, sizeof seed) != 0) {
        seed = (uint32_t)time(NULL);
    }
    seed &= 0x7fffffffu;
    ml_svc_proba_rng_t r;
    ml_svc_proba_rng_init(&r, seed);
    int64_t n = X->nrows, npairs = (int64_t)k * (k - 1) / 2;
    m->probA = dsk_xmalloc((size_t)npairs * sizeof *m->probA);
    m->probB = dsk_xmalloc((size_t)npairs * sizeof *m->probB);
    int64_t *rows = dsk_xmalloc((size_t)n * sizeof *rows);
    int8_t *yb = dsk_xmalloc((size_t)n);
    int rc = DSK_OK;
    for (int32_t i = 0, pair = 0; i < k && rc == DSK_OK; i++)
        for (int32_t j = i + 1; j < k && rc == DSK_OK; j++, pair++) {
            int64_t l = 0; /* class i's rows in input order, then class j's */
            for (int pass = 0; pass < 2; pass++)
                for (int64_t r0 = 0; r0 < n; r0++)
                    if (yi[r0] == (pass ? j : i)) {
                        rows[l] = r0;
                        yb[l++] = pass ? -1 : 1;
                    }
            rc = ml_svc_proba_pair(p, X, rows, l, yb, class_C[i], class_C[j], &r,
                                   &m->probA[pair], &m->probB[pair], err);
        }
    free(rows);
    free(yb);
    return rc;
}

static int s_fit(void *impl, const ml_data_t *X, const int32_t *y, char *err)
{
    ml_svc_t *m = impl;
    int64_t n = X->nrows, d;
    int rc = s_check_matrix(X, "fit", &d, err);
    if (rc != DSK_OK)
        return rc;
    if (!y)
        return dsk_seterr(err, DSK_EINVAL, "SVC: fit needs labels y");
    if (n < 1 || d < 1)
        return dsk_seterr(err, DSK_EINVAL, "SVC: fit needs at least one sample and one "
                          "feature, got %lld x %lld", (long long)n, (long long)d);
    s_forget(m);
    int32_t *yi = dsk_xmalloc((size_t)n * sizeof *yi);
    int32_t k = s_classes(y, n, &m->classes, yi);
    if (k < 2) {
        free(yi);
        s_forget(m);
        return dsk_seterr(err, DSK_EINVAL, "SVC: the number of classes has to be greater "
                          "than one; got %d class", k);
    }
    double *class_C = dsk_xcalloc((size_t)k, sizeof *class_C);
    for (int64_t i = 0; i < n; i++)
        class_C[yi[i]] += 1; /* counts, for 'balanced' */
    for (int32_t c = 0; c < k; c++)
        class_C[c] = m->balanced ? m->C * ((double)n / ((double)k * class_C[c])) : m->C;
    if (m->gamma_mode == S_GAMMA_SCALE)
        m->gamma = s_scale_gamma(X, d);
    else if (m->gamma_mode == S_GAMMA_AUTO)
        m->gamma = 1.0 / (double)d;
    else
        m->gamma = m->gamma_value;
    ml_svc_solver_param_t p = {
        .kernel = {.type = (ml_kernel_type_t)m->kernel, .degree = (int)m->degree,
                   .gamma = m->gamma, .coef0 = m->coef0},
        .eps = m->tol, .shrinking = m->shrinking, .max_iter = m->max_iter,
        .cache_mb = m->cache_size};
    rc = ml_svc_train(&p, X, yi, k, class_C, &m->model, err);
    if (rc == DSK_OK && m->probability)
        rc = s_fit_probability(m, &p, X, yi, k, class_C, err);
    free(yi);
    free(class_C);
    if (rc != DSK_OK) {
        s_forget(m);
        return rc;
    }
    int64_t ncoef = (int64_t)(k - 1) * m->model.n_sv, npairs = (int64_t)k * (k - 1) / 2;
    for (int64_t i = 0; i < ncoef + npairs; i++)
        if (!isfinite(i < ncoef ? m->model.dual_coef[i] : m->model.rho[i - ncoef])) {
            s_forget(m);
            return dsk_seterr(err, DSK_EINVAL, "SVC: the dual coefficients or intercepts "
                              "are not finite; the input data may contain large values "
                              "and need to be preprocessed");
        }
    m->sv_sq = dsk_xmalloc((size_t)(m->model.n_sv ? m->model.n_sv : 1) * sizeof *m->sv_sq);
    ml_kernel_sqnorms(m->model.sv, m->model.n_sv, d, m->sv_sq);
    m->fitted = 1;
    return DSK_OK;
}

/* ---- prediction -------------------------------------------------------- */

/* Scratch for one pass over X in blocks: kernel rows, per-class sums. */
typedef struct {
    ml_kernel_t kernel;
    double *K;    /* S_BLOCK x n_sv */
    double *P;    /* S_BLOCK x k x (k - 1) */
    double *xsq;  /* S_BLOCK */
    double *svt;  /* CSR input only: n_features x n_sv, the SVs transposed */
    double *dec;  /* S_BLOCK x n_pairs: the pairwise decision values */
    double *scratch; /* 2k: one row's votes and confidences */
} s_pred_t;

static void s_pred_init(const ml_svc_t *m, const ml_data_t *X, s_pred_t *w)
{
    const ml_svc_model_t *md = &m->model;
    int64_t nsv = md->n_sv ? md->n_sv : 1, k = md->n_classes, d = md->n_features;
    w->kernel = (ml_kernel_t){.type = (ml_kernel_type_t)m->kernel, .degree = (int)m->degree,
                              .gamma = m->gamma, .coef0 = m->coef0};
    w->K = dsk_xmalloc((size_t)(S_BLOCK * nsv) * sizeof *w->K);
    w->P = dsk_xmalloc((size_t)(S_BLOCK * k * (k - 1)) * sizeof *w->P);
    w->xsq = dsk_xmalloc(S_BLOCK * sizeof *w->xsq);
    w->dec = dsk_xmalloc((size_t)(S_BLOCK * k * (k - 1) / 2) * sizeof *w->dec);
    w->scratch = dsk_xmalloc((size_t)(2 * k) * sizeof *w->scratch);
    w->svt = NULL;
    if (X->kind == ML_DATA_CSR) {
        w->svt = dsk_xmalloc((size_t)(d * nsv) * sizeof *w->svt);
        for (int64_t s = 0; s < md->n_sv; s++)
            for (int64_t c = 0; c < d; c++)
                w->svt[c * md->n_sv + s] = md->sv[s * d + c];
    }
}

static void s_pred_free(s_pred_t *w)
{
    free(w->K);
    free(w->P);
    free(w->xsq);
    free(w->svt);
    free(w->dec);
    free(w->scratch);
}

/*
 * libsvm's pairwise decision values for rows [r0, r0 + nb) into dec
 * (nb x n_pairs): the kernel block against all support vectors (one
 * dgemm), then for each class c the sums of its support vectors'
 * coefficients against every other class (one small dgemm per class), so
 * that pair (i, j) is sum_i + sum_j - rho, as svm_predict_values adds it.
 */
static void s_decision_block(const ml_svc_t *m, const ml_data_t *X, int64_t r0, int64_t nb,
                             s_pred_t *w, double *dec)
{
    const ml_svc_model_t *md = &m->model;
    int64_t nsv = md->n_sv, d = md->n_features, k = md->n_classes, kk = k * (k - 1);
    if (X->kind == ML_DATA_DENSE) {
        const double *A = X->dense->data + r0 * d;
        ml_kernel_sqnorms(A, nb, d, w->xsq);
        ml_kernel_block(&w->kernel, A, w->xsq, nb, md->sv, m->sv_sq, nsv, d, w->K);
    } else {
        const ml_csr_t *c = X->csr;
        for (int64_t i = 0; i < nb; i++) {
            double s = 0;
            for (int64_t p = c->indptr[r0 + i]; p < c->indptr[r0 + i + 1]; p++)
                s += c->data[p] * c->data[p];
            w->xsq[i] = s;
        }
        ml_kernel_block_csr(&w->kernel, c, r0, nb, w->xsq, w->svt, m->sv_sq, nsv, w->K);
    }
    memset(w->P, 0, (size_t)(nb * kk) * sizeof *w->P);
    for (int64_t c = 0, start = 0; c < k; start += md->n_support[c], c++)
        if (md->n_support[c] > 0)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)(k - 1),
                        (int)md->n_support[c], 1.0, w->K + start, (int)nsv,
                        md->dual_coef + start, (int)nsv, 0.0, w->P + c * (k - 1), (int)kk);
    for (int64_t r = 0; r < nb; r++) {
        const double *P = w->P + r * kk;
        int64_t p = 0;
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = i + 1; j < k; j++, p++)
                dec[r * (kk / 2) + p] = P[i * (k - 1) + j - 1] + P[j * (k - 1) + i] - md->rho[p];
    }
}

static int s_check_predict(const ml_svc_t *m, const ml_data_t *X, char *err)
{
    if (!m->fitted)
        return dsk_seterr(err, DSK_ESTATE, "SVC: this SVC instance is not fitted yet; call "
                          "fit first");
    int64_t d;
    int rc = s_check_matrix(X, "predict", &d, err);
    if (rc != DSK_OK)
        return rc;
    if (d != m->model.n_features)
        return dsk_seterr(err, DSK_EINVAL, "SVC: X has %lld features, but SVC is expecting "
                          "%lld features as input", (long long)d,
                          (long long)m->model.n_features);
    return DSK_OK;
}

/*
 * scikit-learn's _ovr_decision_function(dec < 0, -dec, k) for one row:
 * votes plus the summed confidences squashed into (-1/3, 1/3).
 */
static void s_ovr_row(const double *dec, int64_t k, double *out)
{
    double *sc = out + k; /* caller gives 2k doubles */
    for (int64_t c = 0; c < k; c++)
        out[c] = sc[c] = 0;
    int64_t p = 0;
    for (int64_t i = 0; i < k; i++)
        for (int64_t j = i + 1; j < k; j++, p++) {
            double conf = -dec[p];
            sc[i] -= conf;
            sc[j] += conf;
            if (dec[p] < 0)
                out[j] += 1;
            else
                out[i] += 1;
        }
    for (int64_t c = 0; c < k; c++)
        out[c] = out[c] + sc[c] / (3 * (fabs(sc[c]) + 1));
}

/* One row's label index: libsvm's vote (ties to the lowest class), or with
   break_ties the first maximum of the 'ovr' decision values. */
static int64_t s_vote_row(const ml_svc_t *m, const double *dec, double *scratch)
{
    int64_t k = m->model.n_classes, best = 0;
    if (m->break_ties && !m->ovo && k > 2) {
        s_ovr_row(dec, k, scratch);
        for (int64_t c = 1; c < k; c++)
            if (scratch[c] > scratch[best])
                best = c;
        return best;
    }
    for (int64_t c = 0; c < k; c++)
        scratch[c] = 0;
    int64_t p = 0;
    for (int64_t i = 0; i < k; i++)
        for (int64_t j = i + 1; j < k; j++, p++)
            scratch[dec[p] > 0 ? i : j] += 1;
    for (int64_t c = 1; c < k; c++)
        if (scratch[c] > scratch[best])
            best = c;
    return best;
}

static int s_predict(const void *impl, const ml_data_t *X, int32_t *out, char *err)
{
    const ml_svc_t *m = impl;
    int rc = s_check_predict(m, X, err);
    if (rc != DSK_OK)
        return rc;
    if (m->break_ties && m->ovo)
        return dsk_seterr(err, DSK_EINVAL, "SVC: break_ties must be False when "
                          "decision_function_shape is 'ovo'");
    int64_t k = m->model.n_classes, np = k * (k - 1) / 2;
    s_pred_t w;
    s_pred_init(m, X, &w);
    for (int64_t r0 = 0; r0 < X->nrows; r0 += S_BLOCK) {
        int64_t nb = X->nrows - r0 < S_BLOCK ? X->nrows - r0 : S_BLOCK;
        s_decision_block(m, X, r0, nb, &w, w.dec);
        for (int64_t r = 0; r < nb; r++)
            out[r0 + r] = m->classes[s_vote_row(m, w.dec + r * np, w.scratch)];
    }
    s_pred_free(&w);
    return DSK_OK;
}

/* Two classes: one column, -dec (positive means classes_[1]); more: 'ovr'
   (k columns) or the raw 'ovo' pair values. */
static int s_decision_function(const void *impl, const ml_data_t *X, ml_dense_t **out,
                               char *err)
{
    const ml_svc_t *m = impl;
    int rc = s_check_predict(m, X, err);
    if (rc != DSK_OK)
        return rc;
    int64_t k = m->model.n_classes, np = k * (k - 1) / 2;
    int64_t ncol = k == 2 ? 1 : m->ovo ? np : k;
    ml_dense_t *res = ml_dense_new(X->nrows, ncol);
    s_pred_t w;
    s_pred_init(m, X, &w);
    const double *dec = w.dec;
    for (int64_t r0 = 0; r0 < X->nrows; r0 += S_BLOCK) {
        int64_t nb = X->nrows - r0 < S_BLOCK ? X->nrows - r0 : S_BLOCK;
        s_decision_block(m, X, r0, nb, &w, w.dec);
        for (int64_t r = 0; r < nb; r++) {
            double *o = res->data + (r0 + r) * ncol;
            if (k == 2) {
                o[0] = -dec[r];
            } else if (m->ovo) {
                memcpy(o, dec + r * np, (size_t)np * sizeof *o);
            } else {
                s_ovr_row(dec + r * np, k, w.scratch);
                memcpy(o, w.scratch, (size_t)k * sizeof *o);
            }
        }
    }
    s_pred_free(&w);
    *out = res;
    return DSK_OK;
}

/* libsvm's svm_predict_probability for each row: pairwise sigmoids, coupled. */
static int s_predict_proba(const void *impl, const ml_data_t *X, ml_dense_t **out, char *err)
{
    const ml_svc_t *m = impl;
    int rc = s_check_predict(m, X, err);
    if (rc != DSK_OK)
        return rc;
    if (!m->probA)
        return dsk_seterr(err, DSK_EINVAL, "SVC: predict_proba is not available when "
                          "probability=False");
    int64_t k = m->model.n_classes, np = k * (k - 1) / 2;
    ml_dense_t *res = ml_dense_new(X->nrows, k);
    s_pred_t w;
    s_pred_init(m, X, &w);
    for (int64_t r0 = 0; r0 < X->nrows; r0 += S_BLOCK) {
        int64_t nb = X->nrows - r0 < S_BLOCK ? X->nrows - r0 : S_BLOCK;
        s_decision_block(m, X, r0, nb, &w, w.dec);
        for (int64_t r = 0; r < nb; r++)
            ml_svc_proba_row((int32_t)k, w.dec + r * np, m->probA, m->probB,
                             res->data + (r0 + r) * k);
    }
    s_pred_free(&w);
    *out = res;
    return DSK_OK;
}

/*
 * The pairs train one after another, each with its own kernel cache: at
 * most cache_size MB, or its whole kernel (l x l floats) when smaller; l
 * is the pair's rows (all of them for two classes, else taken as twice a
 * class's share, doubled for uneven classes). Beside it, the pair's rows
 * as the solver copies them and, kept, the support vectors (every row at
 * worst).
 */
static size_t s_fit_bytes(const void *impl, const ml_fit_shape_t *sh)
{
    const ml_svc_t *m = impl;
    int32_t k = sh->n_classes > 2 ? sh->n_classes : 2;
    double l = k == 2 ? (double)sh->nrows : fmin((double)sh->nrows, 4.0 * (double)sh->nrows / k);
    double cache = fmin(m->cache_size * (double)(1 << 20), l * l * sizeof(float));
    double row_bytes = sh->nrows > 0 ? (double)sh->nnz / (double)sh->nrows *
                                           (sh->sparse ? sizeof(int32_t) + sizeof(double)
                                                       : sizeof(double))
                                     : 0.0;
    return (size_t)(cache + l * row_bytes + (double)sh->nrows * row_bytes);
}

static const int32_t *s_get_classes(const void *impl, int32_t *n)
{
    const ml_svc_t *m = impl;
    *n = m->fitted ? m->model.n_classes : 0;
    return m->fitted ? m->classes : NULL;
}

/* ---- model state ------------------------------------------------------- */

/*
 * The fitted model as one map: classes and n_support as int arrays,
 * n_features, the resolved gamma, support (training rows), and the
 * support vectors, dual coefficients and rho as little-endian float64
 * bins, so a loaded SVC predicts bit-identically. The parameters are
 * saved beside the state by ml_model.
 */
static int s_save(const void *impl, msgpack_packer *pk, char *err)
{
    const ml_svc_t *m = impl;
    if (!m->fitted)
        return dsk_seterr(err, DSK_ESTATE, "SVC: only a fitted SVC can be saved");
    const ml_svc_model_t *md = &m->model;
    int64_t k = md->n_classes;
    int bad = msgpack_pack_map(pk, m->probA ? 10 : 8);
    bad |= ml_pack_key(pk, "classes") | ml_pack_i32s(pk, m->classes, k);
    bad |= ml_pack_key(pk, "n_support") | ml_pack_i32s(pk, md->n_support, k);
    bad |= ml_pack_key(pk, "n_features") | msgpack_pack_int64(pk, md->n_features);
    bad |= ml_pack_key(pk, "gamma") | msgpack_pack_double(pk, m->gamma);
    bad |= ml_pack_key(pk, "support") | ml_pack_i64s(pk, md->support, md->n_sv);
    bad |= ml_pack_key(pk, "support_vectors") |
           ml_pack_f64s_bin(pk, md->sv, md->n_sv * md->n_features);
    bad |= ml_pack_key(pk, "dual_coef") |
           ml_pack_f64s_bin(pk, md->dual_coef, (k - 1) * md->n_sv);
    bad |= ml_pack_key(pk, "rho") | ml_pack_f64s_bin(pk, md->rho, k * (k - 1) / 2);
    if (m->probA) {
        bad |= ml_pack_key(pk, "probA") | ml_pack_f64s_bin(pk, m->probA, k * (k - 1) / 2);
        bad |= ml_pack_key(pk, "probB") | ml_pack_f64s_bin(pk, m->probB, k * (k - 1) / 2);
    }
    if (bad)
        return dsk_seterr(err, DSK_EIO, "SVC: cannot pack the model state");
    return DSK_OK;
}

/* Reads classes, n_support, n_features and gamma; the counts every array
   below is checked against. */
static int s_load_header(ml_svc_t *m, const msgpack_object *obj)
{
    ml_svc_model_t *md = &m->model;
    const msgpack_object *og = ml_unpack_get(obj, "gamma");
    if (!og || (og->type != MSGPACK_OBJECT_FLOAT64 && og->type != MSGPACK_OBJECT_FLOAT32))
        return -1;
    m->gamma = og->via.f64;
    m->classes = ml_unpack_classes(ml_unpack_get(obj, "classes"), &md->n_classes);
    if (!m->classes || !isfinite(m->gamma) || m->gamma < 0 ||
        ml_unpack_int(ml_unpack_get(obj, "n_features"), 1, INT32_MAX, &md->n_features))
        return -1;
    int64_t k = md->n_classes;
    int64_t *ns = ml_unpack_i64s(ml_unpack_get(obj, "n_support"), k, 0, INT32_MAX);
    if (!ns)
        return -1;
    md->n_support = dsk_xmalloc((size_t)k * sizeof *md->n_support);
    md->n_sv = 0;
    for (int64_t c = 0; c < k; c++) {
        md->n_support[c] = (int32_t)ns[c];
        md->n_sv += ns[c];
    }
    free(ns);
    return 0;
}

static int s_load(void *impl, const msgpack_object *obj, char *err)
{
    ml_svc_t *m = impl;
    s_forget(m);
    if (obj->type != MSGPACK_OBJECT_MAP || s_load_header(m, obj) != 0) {
        s_forget(m);
        return dsk_seterr(err, DSK_EINVAL, "SVC: malformed model state (classes, "
                          "n_support, n_features or gamma)");
    }
    ml_svc_model_t *md = &m->model;
    int64_t k = md->n_classes, d = md->n_features, nsv = md->n_sv;
    if (nsv > INT64_MAX / 8 / d || k > 65536) {
        s_forget(m);
        return dsk_seterr(err, DSK_EINVAL, "SVC: malformed model state (sizes)");
    }
    md->support = ml_unpack_i64s(ml_unpack_get(obj, "support"), nsv, 0, INT64_MAX);
    md->sv = ml_unpack_f64s_bin(ml_unpack_get(obj, "support_vectors"), nsv * d);
    md->dual_coef = ml_unpack_f64s_bin(ml_unpack_get(obj, "dual_coef"), (k - 1) * nsv);
    md->rho = ml_unpack_f64s_bin(ml_unpack_get(obj, "rho"), k * (k - 1) / 2);
    if (!md->support || !md->sv || !md->dual_coef || !md->rho) {
        s_forget(m);
        return dsk_seterr(err, DSK_EINVAL, "SVC: malformed model state (support, "
                          "support_vectors, dual_coef or rho do not match n_support)");
    }
    /* the Platt sigmoids, when it was fitted with probability=True */
    const msgpack_object *pa = ml_unpack_get(obj, "probA"), *pb = ml_unpack_get(obj, "probB");
    if (pa || pb) {
        m->probA = ml_unpack_f64s_bin(pa, k * (k - 1) / 2);
        m->probB = ml_unpack_f64s_bin(pb, k * (k - 1) / 2);
        if (!m->probA || !m->probB) {
            s_forget(m);
            return dsk_seterr(err, DSK_EINVAL, "SVC: malformed model state (probA or probB "
                              "do not match the classes)");
        }
    }
    m->sv_sq = dsk_xmalloc((size_t)(nsv ? nsv : 1) * sizeof *m->sv_sq);
    ml_kernel_sqnorms(md->sv, nsv, d, m->sv_sq);
    m->fitted = 1;
    return DSK_OK;
}

const ml_estimator_ops_t ml_svc_ops = {
    .name = "SVC",
    .role = ML_CLASSIFIER,
    .param_names = s_param_names,
    .create = s_create,
    .destroy = s_destroy,
    .set_param = s_set_param,
    .get_param = s_get_param,
    .fit = s_fit,
    .transform = NULL,
    .predict = s_predict,
    .decision_function = s_decision_function,
    .predict_proba = s_predict_proba,
    .classes = s_get_classes,
    .fit_bytes = s_fit_bytes,
    .save = s_save,
    .load = s_load,
};
