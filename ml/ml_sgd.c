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

#include "dsk_log.h"
#include "ml_param.h"
#include "ml_rng.h"
#include "ml_sgd_solver.h"

#define S_EST "SGDClassifier"
#define S_MAX_INT 2147483647LL /* np.iinfo(np.int32).max */

enum {
    S_P_LOSS, S_P_PENALTY, S_P_ALPHA, S_P_L1_RATIO, S_P_FIT_INTERCEPT, S_P_MAX_ITER, S_P_TOL,
    S_P_SHUFFLE, S_P_VERBOSE, S_P_EPSILON, S_P_N_JOBS, S_P_RANDOM_STATE, S_P_LEARNING_RATE,
    S_P_ETA0, S_P_POWER_T, S_P_EARLY_STOPPING, S_P_VALIDATION_FRACTION,
    S_P_N_ITER_NO_CHANGE, S_P_CLASS_WEIGHT, S_P_WARM_START, S_P_AVERAGE, S_NPARAMS
};

/* The parameters (typed, and as set for get_param), then what fit learned. */
typedef struct {
    ml_sgd_config_t cfg;
    double epsilon, validation_fraction;
    int has_random_state, class_weight_balanced;
    int fast_ova;           /* one-pass grouped one-vs-all (ml_sgd_set_fast_ova) */
    uint32_t random_state;
    ml_value_t values[S_NPARAMS];
    int32_t n_classes;
    int32_t *classes;       /* n_classes, sorted */
    int64_t n_features, n_coef_rows; /* 1 for two classes, else n_classes */
    double *coef;           /* n_coef_rows x n_features, row-major */
    double *intercept;      /* n_coef_rows */
    int64_t n_iter;
} ml_sgd_t;

static const char *const s_param_names[] = {
    "loss", "penalty", "alpha", "l1_ratio", "fit_intercept", "max_iter", "tol", "shuffle",
    "verbose", "epsilon", "n_jobs", "random_state", "learning_rate", "eta0", "power_t",
    "early_stopping", "validation_fraction", "n_iter_no_change", "class_weight",
    "warm_start", "average", NULL};

static const char *const s_losses[] = {"hinge", "log_loss", "modified_huber", "squared_hinge",
                                       "perceptron", "log", NULL};
static const char *const s_regression_losses[] = {
    "squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive", NULL};
static const char *const s_penalties[] = {"l2", "l1", "elasticnet", NULL};
static const char *const s_rates[] = {"constant", "optimal", "invscaling", "adaptive", NULL};
static const char *const s_balanced[] = {"balanced", NULL};

static int s_index(const char *name)
{
    for (int i = 0; s_param_names[i]; i++)
        if (strcmp(s_param_names[i], name) == 0)
            return i;
    return -1;
}

static int s_in(const ml_value_t *v, const char *const *list)
{
    if (v->type != ML_V_STRING)
        return 0;
    for (int i = 0; list[i]; i++)
        if (strcmp(v->u.s, list[i]) == 0)
            return 1;
    return 0;
}

/* loss, penalty, learning_rate: the string-valued parameters. */
static int s_set_choice(ml_sgd_t *m, int idx, const ml_value_t *v, char *err)
{
    const char *name = s_param_names[idx];
    int k = 0, rc;
    if (idx == S_P_LOSS) {
        if (s_in(v, s_regression_losses))
            return ml_param_unsupported(S_EST, name, v, err);
        if ((rc = ml_param_enum(v, S_EST, name, s_losses, &k, err)))
            return rc;
        if (k == 5) /* 'log': scikit-learn 1.2's deprecated name of log_loss */
            k = 1;
        m->cfg.loss = (ml_sgd_loss_t)k;
    } else if (idx == S_P_PENALTY) {
        if (ml_param_is_none(v)) {
            m->cfg.penalty = ML_SGD_PENALTY_NONE;
            return DSK_OK;
        }
        if ((rc = ml_param_enum(v, S_EST, name, s_penalties, &k, err)))
            return rc;
        static const ml_sgd_penalty_t map[] = {ML_SGD_PENALTY_L2, ML_SGD_PENALTY_L1,
                                               ML_SGD_PENALTY_ELASTICNET};
        m->cfg.penalty = map[k];
    } else {
        if (v->type == ML_V_STRING && (!strcmp(v->u.s, "pa1") || !strcmp(v->u.s, "pa2")))
            return ml_param_unsupported(S_EST, name, v, err);
        if ((rc = ml_param_enum(v, S_EST, name, s_rates, &k, err)))
            return rc;
        m->cfg.learning_rate = (ml_sgd_lr_t)(k + 1);
    }
    return DSK_OK;
}

/* A boolean that dsk supports only as False (early_stopping, warm_start). */
static int s_set_false_only(const char *name, const ml_value_t *v, int *out, char *err)
{
    int rc = ml_param_bool(v, S_EST, name, out, err);
    if (rc == DSK_OK && *out)
        return ml_param_unsupported(S_EST, name, v, err);
    return rc;
}

/* verbose: an int >= 0 or a bool, as scikit-learn's "verbose" constraint. */
static int s_set_verbose(ml_sgd_t *m, const ml_value_t *v, char *err)
{
    int64_t i;
    if (v->type == ML_V_BOOL) {
        m->cfg.verbose = v->u.b;
        return DSK_OK;
    }
    int rc = ml_param_int(v, S_EST, "verbose", 0, INT32_MAX, &i, err);
    if (rc == DSK_OK)
        m->cfg.verbose = (int)i;
    return rc;
}

/* average: False, True (= 1) or an int >= 0 (averaging starts at that step). */
static int s_set_average(ml_sgd_t *m, const ml_value_t *v, char *err)
{
    if (v->type == ML_V_BOOL) {
        m->cfg.average = v->u.b;
        return DSK_OK;
    }
    return ml_param_int(v, S_EST, "average", 0, INT64_MAX, &m->cfg.average, err);
}

/* validation_fraction: a float in the open interval (0, 1). */
static int s_set_fraction(ml_sgd_t *m, const ml_value_t *v, char *err)
{
    double x;
    int rc = ml_param_float_gt(v, S_EST, "validation_fraction", 0.0, &x, err);
    if (rc == DSK_OK && !(x < 1.0)) {
        char got[200];
        return dsk_seterr(err, DSK_EINVAL,
                          "%s: parameter 'validation_fraction' must be a float in (0, 1), "
                          "got %s", S_EST, ml_value_describe(v, got, sizeof got));
    }
    if (rc == DSK_OK)
        m->validation_fraction = x;
    return rc;
}

/* The numeric and boolean parameters. */
static int s_set_number(ml_sgd_t *m, int idx, const ml_value_t *v, char *err)
{
    const char *name = s_param_names[idx];
    int64_t i;
    int rc;
    switch (idx) {
    case S_P_ALPHA:
        return ml_param_float(v, S_EST, name, 0.0, INFINITY, &m->cfg.alpha, err);
    case S_P_L1_RATIO:
        return ml_param_float(v, S_EST, name, 0.0, 1.0, &m->cfg.l1_ratio, err);
    case S_P_FIT_INTERCEPT:
        return ml_param_bool(v, S_EST, name, &m->cfg.fit_intercept, err);
    case S_P_MAX_ITER:
        return ml_param_int(v, S_EST, name, 1, INT64_MAX, &m->cfg.max_iter, err);
    case S_P_TOL:
        if (ml_param_is_none(v)) {
            m->cfg.tol = -INFINITY;
            return DSK_OK;
        }
        return ml_param_float(v, S_EST, name, 0.0, INFINITY, &m->cfg.tol, err);
    case S_P_SHUFFLE:
        return ml_param_bool(v, S_EST, name, &m->cfg.shuffle, err);
    case S_P_EPSILON:
        return ml_param_float(v, S_EST, name, 0.0, INFINITY, &m->epsilon, err);
    case S_P_N_JOBS:
        return ml_param_is_none(v) ? DSK_OK
                                   : ml_param_int(v, S_EST, name, INT64_MIN, INT64_MAX, &i, err);
    case S_P_RANDOM_STATE:
        if (ml_param_is_none(v)) {
            m->has_random_state = 0;
            return DSK_OK;
        }
        if ((rc = ml_param_int(v, S_EST, name, 0, UINT32_MAX, &i, err)))
            return rc;
        m->has_random_state = 1;
        m->random_state = (uint32_t)i;
        return DSK_OK;
    case S_P_ETA0:
        return ml_param_float(v, S_EST, name, 0.0, INFINITY, &m->cfg.eta0, err);
    case S_P_POWER_T:
        return ml_param_float(v, S_EST, name, -INFINITY, INFINITY, &m->cfg.power_t, err);
    case S_P_N_ITER_NO_CHANGE:
        return ml_param_int(v, S_EST, name, 1, INT64_MAX, &m->cfg.n_iter_no_change, err);
    }
    return ml_param_unknown(S_EST, name, s_param_names, err);
}

/* Checks one value and, when valid, applies it and keeps a copy for get_param. */
static int s_set_param(void *impl, const char *name, const ml_value_t *v, char *err)
{
    ml_sgd_t *m = impl;
    int idx = s_index(name), rc, b;
    if (idx < 0)
        return ml_param_unknown(S_EST, name, s_param_names, err);
    ml_sgd_t saved = *m; /* a failed set leaves the parameters as they were */
    switch (idx) {
    case S_P_LOSS:
    case S_P_PENALTY:
    case S_P_LEARNING_RATE:
        rc = s_set_choice(m, idx, v, err);
        break;
    case S_P_VERBOSE:
        rc = s_set_verbose(m, v, err);
        break;
    case S_P_EARLY_STOPPING:
    case S_P_WARM_START:
        rc = s_set_false_only(name, v, &b, err);
        break;
    case S_P_VALIDATION_FRACTION:
        rc = s_set_fraction(m, v, err);
        break;
    case S_P_CLASS_WEIGHT:
        if (ml_param_is_none(v)) {
            m->class_weight_balanced = 0;
            rc = DSK_OK;
        } else {
            rc = ml_param_enum(v, S_EST, name, s_balanced, &b, err);
            m->class_weight_balanced = rc == DSK_OK;
        }
        break;
    case S_P_AVERAGE:
        rc = s_set_average(m, v, err);
        break;
    default:
        rc = s_set_number(m, idx, v, err);
    }
    if (rc != DSK_OK) {
        *m = saved;
        return rc;
    }
    ml_value_clear(&m->values[idx]);
    ml_value_copy(&m->values[idx], v);
    return DSK_OK;
}

static int s_get_param(const void *impl, const char *name, ml_value_t *out, char *err)
{
    const ml_sgd_t *m = impl;
    int idx = s_index(name);
    if (idx < 0)
        return ml_param_unknown(S_EST, name, s_param_names, err);
    ml_value_copy(out, &m->values[idx]);
    return DSK_OK;
}

static void s_clear_fit(ml_sgd_t *m)
{
    free(m->classes);
    free(m->coef);
    free(m->intercept);
    m->classes = NULL;
    m->coef = m->intercept = NULL;
    m->n_classes = 0;
    m->n_features = m->n_coef_rows = 0;
    m->n_iter = 0;
}

static void s_destroy(void *impl)
{
    ml_sgd_t *m = impl;
    if (!m)
        return;
    for (int i = 0; i < S_NPARAMS; i++)
        ml_value_clear(&m->values[i]);
    s_clear_fit(m);
    free(m);
}

/* scikit-learn's defaults, set through set_param so that both views agree. */
static void *s_create(void)
{
    ml_sgd_t *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    char err[DSK_ERR_LEN];
    ml_value_t d[S_NPARAMS];
    d[S_P_LOSS] = ml_value_string("hinge");
    d[S_P_PENALTY] = ml_value_string("l2");
    d[S_P_ALPHA] = ml_value_float(0.0001);
    d[S_P_L1_RATIO] = ml_value_float(0.15);
    d[S_P_FIT_INTERCEPT] = ml_value_bool(1);
    d[S_P_MAX_ITER] = ml_value_int(1000);
    d[S_P_TOL] = ml_value_float(1e-3);
    d[S_P_SHUFFLE] = ml_value_bool(1);
    d[S_P_VERBOSE] = ml_value_int(0);
    d[S_P_EPSILON] = ml_value_float(0.1);
    d[S_P_N_JOBS] = ml_value_none();
    d[S_P_RANDOM_STATE] = ml_value_none();
    d[S_P_LEARNING_RATE] = ml_value_string("optimal");
    d[S_P_ETA0] = ml_value_float(0.0);
    d[S_P_POWER_T] = ml_value_float(0.5);
    d[S_P_EARLY_STOPPING] = ml_value_bool(0);
    d[S_P_VALIDATION_FRACTION] = ml_value_float(0.1);
    d[S_P_N_ITER_NO_CHANGE] = ml_value_int(5);
    d[S_P_CLASS_WEIGHT] = ml_value_none();
    d[S_P_WARM_START] = ml_value_bool(0);
    d[S_P_AVERAGE] = ml_value_bool(0);
    for (int i = 0; i < S_NPARAMS; i++) {
        if (s_set_param(m, s_param_names[i], &d[i], err) != DSK_OK)
            abort(); /* a default that fails its own check is a broken invariant */
        ml_value_clear(&d[i]);
    }
    return m;
}

static int s_cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The sorted distinct labels of y (np.unique). */
static int32_t *s_unique(const int32_t *y, int64_t n, int32_t *k)
{
    int32_t *s = malloc((size_t)(n ? n : 1) * sizeof *s);
    if (!s)
        abort();
    memcpy(s, y, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, s_cmp_i32);
    int32_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (m == 0 || s[m - 1] != s[i])
            s[m++] = s[i];
    *k = m;
    return s;
}

/* The class index of each label (classes sorted), by binary search. */
static int32_t s_class_of(const int32_t *classes, int32_t k, int32_t label)
{
    int32_t lo = 0, hi = k - 1;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (classes[mid] < label)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* compute_class_weight: ones, or n / (k * bincount) for 'balanced'. */
static double *s_class_weights(const ml_sgd_t *m, const int32_t *yi, int64_t n, int32_t k)
{
    double *w = malloc((size_t)k * sizeof *w);
    int64_t *count = calloc((size_t)k, sizeof *count);
    if (!w || !count)
        abort();
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
                          S_EST, s_rates[c->learning_rate - 1]);
    if (c->learning_rate == ML_SGD_LR_OPTIMAL && c->alpha == 0)
        return dsk_seterr(err, DSK_EINVAL,
                          "%s: alpha must be > 0 since learning_rate is 'optimal' (alpha is "
                          "used to compute the optimal learning rate)", S_EST);
    if (X->kind != ML_DATA_CSR && X->kind != ML_DATA_DENSE)
        return dsk_seterr(err, DSK_EINVAL, "%s: fit needs a dense or sparse matrix, got %s",
                          S_EST, ml_data_kind_name(X->kind));
    if (X->nrows < 1)
        return dsk_seterr(err, DSK_EINVAL, "%s: fit needs at least one sample", S_EST);
    int64_t nf = X->kind == ML_DATA_CSR ? X->csr->ncols : X->dense->ncols;
    if (nf < 1 || nf > INT32_MAX || X->nrows > INT32_MAX)
        return dsk_seterr(err, DSK_EINVAL, "%s: cannot fit %" PRId64 " samples x %" PRId64
                          " features", S_EST, X->nrows, nf);
    return DSK_OK;
}

/* The seed source: random_state, or the operating system's entropy for None. */
static void s_seed_rng(const ml_sgd_t *m, ml_rng_t *r)
{
    uint32_t s;
    if (m->has_random_state)
        s = m->random_state;
    else if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s)
        s = (uint32_t)time(NULL) ^ (uint32_t)getpid();
    ml_rng_seed(r, s);
}

/*
 * The shuffle seed of one binary problem, drawn as fit_binary draws it:
 * make_dataset takes randint(1, MAX_INT) first (for the dataset's own
 * sampling, unused by SGD), then randint(MAX_INT) is _plain_sgd's seed.
 */
static uint32_t s_problem_seed(ml_rng_t *r)
{
    (void)ml_rng_randint(r, 1, S_MAX_INT);
    return (uint32_t)ml_rng_randint(r, 0, S_MAX_INT);
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
    ml_rng_t rng;
    s_seed_rng(m, &rng);
    uint32_t *seeds = malloc((size_t)nprob * sizeof *seeds);
    double *ybin = malloc((size_t)n * sizeof *ybin);
    double *avg = m->cfg.average > 0 ? calloc((size_t)(nprob * nf), sizeof *avg) : NULL;
    double *avg_int = calloc((size_t)nprob, sizeof *avg_int);
    if (!seeds || !ybin || !avg_int || (m->cfg.average > 0 && !avg))
        abort();
    if (k == 2) {
        seeds[0] = s_problem_seed(&rng);
    } else {
        for (int64_t c = 0; c < nprob; c++) /* randint(MAX_INT, size=k) */
            seeds[c] = (uint32_t)ml_rng_randint(&rng, 0, S_MAX_INT);
        for (int64_t c = 0; c < nprob; c++) {
            ml_rng_t r2;
            ml_rng_seed(&r2, seeds[c]);
            seeds[c] = s_problem_seed(&r2);
        }
    }
    double decay = rows->csr ? 0.01 : 1.0; /* SPARSE_INTERCEPT_DECAY */
    int rc = DSK_OK;
    int64_t n_iter = 0;
    if (k > 2 && !avg && m->fast_ova && rows->csr) {
        int64_t *it = calloc((size_t)k, sizeof *it);
        if (!it)
            abort();
        const int32_t G = 4; /* 4 classes' weights per feature: one cache line per 2 features */
        for (int32_t k0 = 0; k0 < k && rc == DSK_OK; k0 += G) {
            int32_t g = k - k0 < G ? k - k0 : G;
            rc = ml_sgd_ova(&m->cfg, rows, yi, k0, g, cw + k0, seeds[k0], decay,
                            m->coef + k0 * nf, m->intercept + k0, it + k0, err);
        }
        for (int32_t c = 0; c < k; c++)
            n_iter = it[c] > n_iter ? it[c] : n_iter;
        free(it);
        nprob = 0; /* done: skip the per-class problems */
    }
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
    free(avg);
    free(avg_int);
    free(seeds);
    free(ybin);
    return rc;
}

static int s_fit(void *impl, const ml_data_t *X, const int32_t *y, char *err)
{
    ml_sgd_t *m = impl;
    int rc = s_check_fit_params(m, X, err);
    if (rc)
        return rc;
    if (!y)
        return dsk_seterr(err, DSK_EINVAL, "%s: fit needs labels y", S_EST);
    s_clear_fit(m);
    int64_t n = X->nrows;
    int32_t k;
    int32_t *classes = s_unique(y, n, &k);
    if (k < 2) {
        free(classes);
        return dsk_seterr(err, DSK_EINVAL, "%s: the number of classes has to be greater "
                          "than one; got %d class", S_EST, (int)k);
    }
    int32_t *yi = malloc((size_t)n * sizeof *yi);
    if (!yi)
        abort();
    for (int64_t i = 0; i < n; i++)
        yi[i] = s_class_of(classes, k, y[i]);
    double *cw = s_class_weights(m, yi, n, k);
    m->n_classes = k;
    m->classes = classes;
    m->n_features = X->kind == ML_DATA_CSR ? X->csr->ncols : X->dense->ncols;
    m->n_coef_rows = k == 2 ? 1 : k;
    m->coef = calloc((size_t)(m->n_coef_rows * m->n_features), sizeof *m->coef);
    m->intercept = calloc((size_t)m->n_coef_rows, sizeof *m->intercept);
    if (!m->coef || !m->intercept)
        abort();
    ml_sgd_rows_t rows = {.dense = X->kind == ML_DATA_DENSE ? X->dense : NULL};
    ml_csr_t local;
    int32_t *map = NULL;
    if (X->kind == ML_DATA_CSR) { /* bit-identical, cache-friendlier column ids */
        ml_sgd_localize(X->csr, &local, &map);
        rows.csr = &local;
    }
    rc = s_fit_problems(m, &rows, yi, n, cw, err);
    if (map) {
        ml_sgd_unlocalize(m->coef, m->n_coef_rows, m->n_features, map);
        ml_sgd_local_free(&local, &map);
    }
    free(yi);
    free(cw);
    if (rc) {
        s_clear_fit(m);
        return rc;
    }
    if (m->cfg.tol > -INFINITY && m->n_iter == m->cfg.max_iter)
        dsk_warn("%s: ConvergenceWarning: maximum number of iterations (%" PRId64 ") reached "
                 "before convergence; consider increasing max_iter to improve the fit",
                 S_EST, m->cfg.max_iter);
    return DSK_OK;
}

/* decision_function: X @ coef_.T + intercept_, rows x n_coef_rows. */
static int s_decision(const void *impl, const ml_data_t *X, ml_dense_t **out, char *err)
{
    const ml_sgd_t *m = impl;
    if (!m->coef)
        return dsk_seterr(err, DSK_ESTATE, "%s: this instance is not fitted yet", S_EST);
    if (X->kind != ML_DATA_CSR && X->kind != ML_DATA_DENSE)
        return dsk_seterr(err, DSK_EINVAL, "%s: predict needs a dense or sparse matrix, got %s",
                          S_EST, ml_data_kind_name(X->kind));
    int64_t nf = X->kind == ML_DATA_CSR ? X->csr->ncols : X->dense->ncols;
    if (nf != m->n_features)
        return dsk_seterr(err, DSK_EINVAL, "%s: X has %" PRId64 " features, but the model "
                          "was fitted with %" PRId64 " features", S_EST, nf, m->n_features);
    int64_t n = X->nrows, R = m->n_coef_rows;
    ml_dense_t *s = ml_dense_new(n, R);
    if (X->kind == ML_DATA_CSR) {
        const ml_csr_t *c = X->csr;
        for (int64_t i = 0; i < n; i++)
            for (int64_t r = 0; r < R; r++) {
                const double *w = m->coef + r * nf;
                double acc = 0.0;
                for (int64_t j = c->indptr[i]; j < c->indptr[i + 1]; j++)
                    acc += c->data[j] * w[c->indices[j]];
                s->data[i * R + r] = acc + m->intercept[r];
            }
    } else if (n > 0) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)R, (int)nf, 1.0,
                    X->dense->data, (int)nf, m->coef, (int)nf, 0.0, s->data, (int)R);
        for (int64_t i = 0; i < n; i++)
            for (int64_t r = 0; r < R; r++)
                s->data[i * R + r] += m->intercept[r];
    }
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

/* NumPy's pairwise sum of a short contiguous row (8 accumulators from 8 items). */
static double s_np_sum(const double *a, int64_t n)
{
    if (n < 8) {
        double s = 0.0;
        for (int64_t i = 0; i < n; i++)
            s += a[i];
        return s;
    }
    if (n > 128) { /* NumPy splits larger blocks in halves */
        int64_t h = (n / 2) & ~(int64_t)7;
        return s_np_sum(a, h) + s_np_sum(a + h, n - h);
    }
    double r[8];
    for (int j = 0; j < 8; j++)
        r[j] = a[j];
    int64_t i;
    for (i = 8; i < n - (n % 8); i += 8)
        for (int j = 0; j < 8; j++)
            r[j] += a[i + j];
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++)
        s += a[i];
    return s;
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
                          "loss='%s'", S_EST, m->values[S_P_LOSS].u.s);
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
        double sum = s_np_sum(pi, K);
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

void ml_sgd_set_fast_ova(void *impl, int on)
{
    ((ml_sgd_t *)impl)->fast_ova = !!on;
}

static const int32_t *s_classes(const void *impl, int32_t *n)
{
    const ml_sgd_t *m = impl;
    *n = m->n_classes;
    return m->classes;
}

/* A parameter value as msgpack (floats always as float64, so they stay floats). */
static int s_pack_value(msgpack_packer *pk, const ml_value_t *v)
{
    switch (v->type) {
    case ML_V_NONE:
        return msgpack_pack_nil(pk);
    case ML_V_BOOL:
        return v->u.b ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case ML_V_INT:
        return msgpack_pack_int64(pk, v->u.i);
    case ML_V_FLOAT:
        return msgpack_pack_double(pk, v->u.f);
    case ML_V_STRING:
        return msgpack_pack_str_with_body(pk, v->u.s, strlen(v->u.s));
    case ML_V_LIST:
        if (msgpack_pack_array(pk, v->u.list.n))
            return -1;
        for (size_t i = 0; i < v->u.list.n; i++)
            if (s_pack_value(pk, &v->u.list.items[i]))
                return -1;
        return 0;
    }
    return -1;
}

static int s_pack_key(msgpack_packer *pk, const char *k)
{
    return msgpack_pack_str_with_body(pk, k, strlen(k));
}

static int s_pack_doubles(msgpack_packer *pk, const double *a, int64_t n)
{
    if (msgpack_pack_array(pk, (size_t)n))
        return -1;
    for (int64_t i = 0; i < n; i++)
        if (msgpack_pack_double(pk, a[i]))
            return -1;
    return 0;
}

/*
 * One map: params (name -> value, as set), then, when fitted, classes,
 * n_features, coef (row-major float64), intercept and n_iter. Doubles are
 * stored as float64, so a loaded model predicts bit-identically.
 */
static int s_save(const void *impl, msgpack_packer *pk, char *err)
{
    const ml_sgd_t *m = impl;
    int bad = msgpack_pack_map(pk, m->coef ? 6 : 1);
    bad |= s_pack_key(pk, "params") | msgpack_pack_map(pk, S_NPARAMS);
    for (int i = 0; i < S_NPARAMS && !bad; i++)
        bad |= s_pack_key(pk, s_param_names[i]) | s_pack_value(pk, &m->values[i]);
    if (m->coef && !bad) {
        bad |= s_pack_key(pk, "classes") | msgpack_pack_array(pk, (size_t)m->n_classes);
        for (int32_t c = 0; c < m->n_classes && !bad; c++)
            bad |= msgpack_pack_int32(pk, m->classes[c]);
        bad |= s_pack_key(pk, "n_features") | msgpack_pack_int64(pk, m->n_features);
        bad |= s_pack_key(pk, "coef") |
               s_pack_doubles(pk, m->coef, m->n_coef_rows * m->n_features);
        bad |= s_pack_key(pk, "intercept") |
               s_pack_doubles(pk, m->intercept, m->n_coef_rows);
        bad |= s_pack_key(pk, "n_iter") | msgpack_pack_int64(pk, m->n_iter);
    }
    return bad ? dsk_seterr(err, DSK_EIO, "%s: cannot write the model", S_EST) : DSK_OK;
}

static int s_key_is(const msgpack_object_kv *kv, const char *k)
{
    size_t l = strlen(k);
    return kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == l &&
           memcmp(kv->key.via.str.ptr, k, l) == 0;
}

/* A msgpack scalar (or list, depth-capped) as a parameter value. */
static int s_unpack_value(const msgpack_object *o, ml_value_t *v, int depth)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        *v = ml_value_none();
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        *v = ml_value_bool(o->via.boolean);
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > INT64_MAX)
            return -1;
        *v = ml_value_int((int64_t)o->via.u64);
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *v = ml_value_int(o->via.i64);
        return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        *v = ml_value_float(o->via.f64);
        return 0;
    case MSGPACK_OBJECT_STR: {
        char buf[256];
        if (o->via.str.size >= sizeof buf)
            return -1;
        memcpy(buf, o->via.str.ptr, o->via.str.size);
        buf[o->via.str.size] = 0;
        *v = ml_value_string(buf);
        return 0;
    }
    case MSGPACK_OBJECT_ARRAY:
        if (depth > 4)
            return -1;
        *v = ml_value_list(o->via.array.size);
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (s_unpack_value(&o->via.array.ptr[i], &v->u.list.items[i], depth + 1)) {
                ml_value_clear(v);
                return -1;
            }
        return 0;
    default:
        return -1;
    }
}

/* An array of exactly n numbers into a new double array; NULL if malformed. */
static double *s_unpack_doubles(const msgpack_object *o, int64_t n)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || (int64_t)o->via.array.size != n)
        return NULL;
    double *a = malloc((size_t)(n ? n : 1) * sizeof *a);
    if (!a)
        abort();
    for (int64_t i = 0; i < n; i++) {
        const msgpack_object *e = &o->via.array.ptr[i];
        if (e->type == MSGPACK_OBJECT_FLOAT64 || e->type == MSGPACK_OBJECT_FLOAT32)
            a[i] = e->via.f64;
        else if (e->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            a[i] = (double)e->via.u64;
        else if (e->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            a[i] = (double)e->via.i64;
        else {
            free(a);
            return NULL;
        }
    }
    return a;
}

static int s_load_params(ml_sgd_t *m, const msgpack_object *o, char *err)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return dsk_seterr(err, DSK_EPROTO, "%s model: 'params' is not a map", S_EST);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        char name[64];
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size >= sizeof name)
            return dsk_seterr(err, DSK_EPROTO, "%s model: bad parameter name", S_EST);
        memcpy(name, kv->key.via.str.ptr, kv->key.via.str.size);
        name[kv->key.via.str.size] = 0;
        ml_value_t v;
        if (s_unpack_value(&kv->val, &v, 0))
            return dsk_seterr(err, DSK_EPROTO, "%s model: bad value for '%s'", S_EST, name);
        int rc = s_set_param(m, name, &v, err);
        ml_value_clear(&v);
        if (rc)
            return rc;
    }
    return DSK_OK;
}

/* The fitted part: classes (sorted, distinct) first, then arrays sized by them. */
static int s_load_fit(ml_sgd_t *m, const msgpack_object *cl, const msgpack_object *nf,
                      const msgpack_object *coef, const msgpack_object *icp,
                      const msgpack_object *nit)
{
    if (cl->type != MSGPACK_OBJECT_ARRAY || cl->via.array.size < 2 ||
        cl->via.array.size > INT32_MAX || nf->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        nf->via.u64 < 1 || nf->via.u64 > INT32_MAX ||
        nit->type != MSGPACK_OBJECT_POSITIVE_INTEGER || nit->via.u64 > INT32_MAX)
        return -1;
    int32_t k = (int32_t)cl->via.array.size;
    int64_t rows = k == 2 ? 1 : k, f = (int64_t)nf->via.u64;
    if (coef->type != MSGPACK_OBJECT_ARRAY || (int64_t)coef->via.array.size / f != rows)
        return -1;
    m->classes = malloc((size_t)k * sizeof *m->classes);
    if (!m->classes)
        abort();
    m->n_classes = k;
    for (int32_t c = 0; c < k; c++) {
        const msgpack_object *e = &cl->via.array.ptr[c];
        int64_t x = e->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)e->via.u64
                    : e->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? e->via.i64
                                                                 : INT64_MAX;
        if (x < INT32_MIN || x > INT32_MAX || (c > 0 && x <= m->classes[c - 1]))
            return -1;
        m->classes[c] = (int32_t)x;
    }
    m->n_features = f;
    m->n_coef_rows = rows;
    m->n_iter = (int64_t)nit->via.u64;
    m->coef = s_unpack_doubles(coef, rows * f);
    m->intercept = s_unpack_doubles(icp, rows);
    return m->coef && m->intercept ? 0 : -1;
}

static int s_load(void *impl, const msgpack_object *obj, char *err)
{
    ml_sgd_t *m = impl;
    if (obj->type != MSGPACK_OBJECT_MAP)
        return dsk_seterr(err, DSK_EPROTO, "%s model: not a map", S_EST);
    const msgpack_object *f[6] = {NULL};
    static const char *const keys[] = {"params", "classes", "n_features",
                                       "coef", "intercept", "n_iter"};
    for (uint32_t i = 0; i < obj->via.map.size; i++)
        for (int j = 0; j < 6; j++)
            if (s_key_is(&obj->via.map.ptr[i], keys[j]))
                f[j] = &obj->via.map.ptr[i].val;
    if (!f[0])
        return dsk_seterr(err, DSK_EPROTO, "%s model: no 'params'", S_EST);
    int rc = s_load_params(m, f[0], err);
    if (rc)
        return rc;
    s_clear_fit(m);
    if (!f[1])
        return DSK_OK; /* saved unfitted */
    for (int j = 2; j < 6; j++)
        if (!f[j])
            return dsk_seterr(err, DSK_EPROTO, "%s model: no '%s'", S_EST, keys[j]);
    if (s_load_fit(m, f[1], f[2], f[3], f[4], f[5])) {
        s_clear_fit(m);
        return dsk_seterr(err, DSK_EPROTO, "%s model: malformed fitted state", S_EST);
    }
    return DSK_OK;
}

const ml_estimator_ops_t ml_sgd_classifier_ops = {
    .name = S_EST,
    .role = ML_CLASSIFIER,
    .param_names = s_param_names,
    .create = s_create,
    .destroy = s_destroy,
    .set_param = s_set_param,
    .get_param = s_get_param,
    .fit = s_fit,
    .transform = NULL,
    .predict = s_predict,
    .decision_function = s_decision,
    .predict_proba = s_proba,
    .classes = s_classes,
    .save = s_save,
    .load = s_load,
};
