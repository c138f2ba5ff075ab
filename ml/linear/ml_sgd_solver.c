/* ml_sgd_solver.c — scikit-learn's _plain_sgd for one binary problem. */
#include "ml_sgd_solver.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "ml_sgd_loss.h"

#define S_MAX_DLOSS 1e12
#define S_RESET_WSCALE 1e-9

/*
 * The weight vector as wscale * w (scikit-learn's WeightVector64), so that
 * the L2 shrink of every step is one multiplication, plus the lazily
 * averaged vector aw = (w_sum terms folded through average_a, average_b).
 */
typedef struct {
    double *w, *aw;
    double wscale, average_a, average_b;
    int64_t n;
} s_wvec_t;

/* One row: ind NULL means a dense row of nnz consecutive features. */
typedef struct {
    const double *x;
    const int32_t *ind;
    int64_t nnz;
} s_row_t;

static inline double s_dot(const s_wvec_t *v, const s_row_t *r)
{
    double s = 0.0;
    const double *w = v->w, *x = r->x;
    if (r->ind) {
        const int32_t *ind = r->ind;
        for (int64_t j = 0; j < r->nnz; j++)
            s += w[ind[j]] * x[j];
    } else {
        for (int64_t j = 0; j < r->nnz; j++)
            s += w[j] * x[j];
    }
    return s * v->wscale;
}

static inline void s_add(s_wvec_t *v, const s_row_t *r, double c)
{
    double *w = v->w;
    const double *x = r->x;
    double wscale = v->wscale;
    if (r->ind) {
        const int32_t *ind = r->ind;
        for (int64_t j = 0; j < r->nnz; j++)
            w[ind[j]] += x[j] * (c / wscale);
    } else {
        for (int64_t j = 0; j < r->nnz; j++)
            w[j] += x[j] * (c / wscale);
    }
}

/* Bottou's averaging trick (WeightVector.add_average), same operation order. */
static void s_add_average(s_wvec_t *v, const s_row_t *r, double c, double num_iter)
{
    double mu = 1.0 / num_iter;
    double wscale = v->wscale;
    for (int64_t j = 0; j < r->nnz; j++) {
        int64_t idx = r->ind ? r->ind[j] : j;
        v->aw[idx] += v->average_a * r->x[j] * (-c / wscale);
    }
    if (num_iter > 1)
        v->average_b /= (1.0 - mu);
    v->average_a += mu * v->average_b * wscale;
}

/* Folds wscale (and the averaging scalars) into the arrays, through BLAS as scikit-learn does. */
static void s_reset_wscale(s_wvec_t *v)
{
    if (v->aw) {
        cblas_daxpy((int)v->n, v->average_a, v->w, 1, v->aw, 1);
        cblas_dscal((int)v->n, 1.0 / v->average_b, v->aw, 1);
        v->average_a = 0.0;
        v->average_b = 1.0;
    }
    cblas_dscal((int)v->n, v->wscale, v->w, 1);
    v->wscale = 1.0;
}

static inline void s_scale(s_wvec_t *v, double c)
{
    v->wscale *= c;
    if (v->wscale < S_RESET_WSCALE)
        s_reset_wscale(v);
}

/* Truncated-gradient L1 (Tsuruoka et al. 2009) on the features of one row. */
static void s_l1penalty(s_wvec_t *v, double *q, const s_row_t *r, double u)
{
    double wscale = v->wscale;
    double *w = v->w;
    for (int64_t j = 0; j < r->nnz; j++) {
        int64_t idx = r->ind ? r->ind[j] : j;
        double z = w[idx];
        if (wscale * z > 0.0) {
            double t = w[idx] - ((u + q[idx]) / wscale);
            w[idx] = t > 0.0 ? t : 0.0;
        } else if (wscale * z < 0.0) {
            double t = w[idx] + ((u - q[idx]) / wscale);
            w[idx] = t < 0.0 ? t : 0.0;
        }
        q[idx] += wscale * (w[idx] - z);
    }
}

static inline void s_get_row(const ml_sgd_rows_t *X, int64_t i, s_row_t *r)
{
    if (X->csr) {
        int64_t a = X->csr->indptr[i];
        r->x = X->csr->data + a;
        r->ind = X->csr->indices + a;
        r->nnz = X->csr->indptr[i + 1] - a;
    } else {
        r->x = X->dense->data + i * X->dense->ncols;
        r->ind = NULL;
        r->nnz = X->dense->ncols;
    }
}

/* SequentialDataset.shuffle: Fisher-Yates driven by a copy of seed. */
static void s_shuffle(int32_t *ind, int64_t n, uint32_t seed)
{
    for (uint32_t i = 0; n > 0 && i < (uint32_t)(n - 1); i++) {
        uint32_t j = i + ml_sgd_rand_r(&seed) % ((uint32_t)n - i);
        int32_t tmp = ind[i];
        ind[i] = ind[j];
        ind[j] = tmp;
    }
}

/* The mutable state of one run, shared by the epoch loop's helpers. */
typedef struct {
    const ml_sgd_config_t *cfg;
    s_wvec_t v;
    double *q, u, eta, optimal_init, t;
    double weight_pos, weight_neg, intercept_decay;
    double intercept, average_intercept;
} s_run_t;

/* One sample's step: the body of _plain_sgd's inner loop. Returns its loss. */
static inline double s_step(s_run_t *R, const s_row_t *row, double y)
{
    const ml_sgd_config_t *cfg = R->cfg;
    double p = s_dot(&R->v, row) + R->intercept;
    if (cfg->learning_rate == ML_SGD_LR_OPTIMAL)
        R->eta = 1.0 / (cfg->alpha * (R->optimal_init + R->t - 1));
    else if (cfg->learning_rate == ML_SGD_LR_INVSCALING)
        R->eta = cfg->eta0 / pow(R->t, cfg->power_t);
    double eta = R->eta;
    double sumloss = ml_sgd_loss(cfg->loss, p, y);
    double class_weight = y > 0.0 ? R->weight_pos : R->weight_neg;
    double dloss = ml_sgd_dloss(cfg->loss, p, y);
    if (dloss < -S_MAX_DLOSS)
        dloss = -S_MAX_DLOSS;
    else if (dloss > S_MAX_DLOSS)
        dloss = S_MAX_DLOSS;
    double update = -eta * dloss;
    update *= class_weight * 1.0; /* sample_weight is 1 */
    if (cfg->penalty >= ML_SGD_PENALTY_L2) {
        double l1 = cfg->penalty == ML_SGD_PENALTY_L2 ? 0.0 : cfg->l1_ratio;
        double c = 1.0 - ((1.0 - l1) * eta * cfg->alpha);
        s_scale(&R->v, c > 0 ? c : 0);
    }
    if (update != 0.0) {
        s_add(&R->v, row, update);
        if (cfg->fit_intercept)
            R->intercept += update * R->intercept_decay;
    }
    if (cfg->average > 0 && (double)cfg->average <= R->t) {
        double k = R->t - (double)cfg->average + 1;
        s_add_average(&R->v, row, update, k);
        R->average_intercept += (R->intercept - R->average_intercept) / k;
    }
    if (cfg->penalty == ML_SGD_PENALTY_L1 || cfg->penalty == ML_SGD_PENALTY_ELASTICNET) {
        double l1 = cfg->penalty == ML_SGD_PENALTY_L1 ? 1.0 : cfg->l1_ratio;
        R->u += (l1 * eta * cfg->alpha);
        s_l1penalty(&R->v, R->q, row, R->u);
    }
    R->t += 1;
    return sumloss;
}

static int s_finite(const s_run_t *R)
{
    if (!isfinite(R->intercept))
        return 0;
    for (int64_t j = 0; j < R->v.n; j++)
        if (!isfinite(R->v.w[j]))
            return 0;
    return 1;
}

/* The learning rate's starting point (typw heuristic for 'optimal'). */
static void s_init_rate(s_run_t *R)
{
    const ml_sgd_config_t *cfg = R->cfg;
    R->eta = cfg->eta0;
    if (cfg->learning_rate == ML_SGD_LR_OPTIMAL) {
        double typw = sqrt(1.0 / sqrt(cfg->alpha));
        double d = ml_sgd_dloss(cfg->loss, -typw, 1.0);
        double initial_eta0 = typw / (d > 1.0 ? d : 1.0);
        R->optimal_init = 1.0 / (initial_eta0 * cfg->alpha);
    }
}

int ml_sgd_plain(const ml_sgd_config_t *cfg, const ml_sgd_rows_t *X, const double *y,
                 double weight_pos, double weight_neg, uint32_t seed,
                 double intercept_decay, double t0, ml_sgd_state_t *st, char *err)
{
    int64_t n = X->csr ? X->csr->nrows : X->dense->nrows;
    int64_t nf = X->csr ? X->csr->ncols : X->dense->ncols;
    s_run_t R = {.cfg = cfg, .t = t0, .weight_pos = weight_pos, .weight_neg = weight_neg,
                 .intercept_decay = intercept_decay, .intercept = st->intercept,
                 .average_intercept = st->average_intercept};
    R.v = (s_wvec_t){.w = st->w, .aw = st->aw, .wscale = 1.0, .average_a = 0.0,
                     .average_b = 1.0, .n = nf};
    if (cfg->penalty == ML_SGD_PENALTY_L1 || cfg->penalty == ML_SGD_PENALTY_ELASTICNET) {
        R.q = dsk_xcalloc((size_t)(nf ? nf : 1), sizeof *R.q);
    }
    int32_t *index = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *index);
    for (int64_t i = 0; i < n; i++)
        index[i] = (int32_t)i;
    s_init_rate(&R);
    double best_loss = INFINITY;
    int64_t no_improvement = 0, epoch;
    int rc = DSK_OK;
    for (epoch = 0; epoch < cfg->max_iter; epoch++) {
        double sumloss = 0;
        if (cfg->shuffle)
            s_shuffle(index, n, seed);
        for (int64_t i = 0; i < n; i++) {
            s_row_t row;
            s_get_row(X, index[i], &row);
            sumloss += s_step(&R, &row, y[index[i]]);
        }
        if (cfg->verbose > 0)
            dsk_info("SGD epoch %lld: bias %.6f, T %lld, avg. loss %f", (long long)epoch + 1,
                     R.intercept, (long long)((epoch + 1) * n), sumloss / (double)n);
        if (!s_finite(&R)) {
            rc = dsk_seterr(err, DSK_EINVAL,
                            "SGDClassifier: floating-point under-/overflow occurred at epoch "
                            "#%lld; scaling the input data (StandardScaler or MinMaxScaler) "
                            "might help", (long long)epoch + 1);
            break;
        }
        if (cfg->tol > -INFINITY && sumloss > best_loss - cfg->tol * (double)n)
            no_improvement++;
        else
            no_improvement = 0;
        if (sumloss < best_loss)
            best_loss = sumloss;
        if (no_improvement >= cfg->n_iter_no_change) {
            if (cfg->learning_rate == ML_SGD_LR_ADAPTIVE && R.eta > 1e-6) {
                R.eta = R.eta / 5;
                no_improvement = 0;
            } else {
                break;
            }
        }
    }
    if (epoch == cfg->max_iter)
        epoch--;
    s_reset_wscale(&R.v);
    st->intercept = R.intercept;
    st->average_intercept = R.average_intercept;
    st->n_iter = epoch + 1;
    free(index);
    free(R.q);
    return rc;
}

void ml_sgd_localize(const ml_csr_t *X, ml_csr_t *out, int32_t **map_p)
{
    int64_t nf = X->ncols, nnz = ml_csr_nnz(X);
    int32_t *map = dsk_xmalloc((size_t)(nf ? nf : 1) * sizeof *map);
    int32_t *ind = dsk_xmalloc((size_t)(nnz ? nnz : 1) * sizeof *ind);
    for (int64_t f = 0; f < nf; f++)
        map[f] = -1;
    int32_t next = 0;
    for (int64_t j = 0; j < nnz; j++) {
        int32_t f = X->indices[j];
        if (map[f] < 0)
            map[f] = next++;
        ind[j] = map[f];
    }
    for (int64_t f = 0; f < nf; f++) /* columns no row uses go last */
        if (map[f] < 0)
            map[f] = next++;
    *out = *X;
    out->indices = ind;
    *map_p = map;
}

void ml_sgd_local_free(ml_csr_t *local, int32_t **map)
{
    free(local->indices);
    local->indices = NULL;
    free(*map);
    *map = NULL;
}

void ml_sgd_unlocalize(double *coef, int64_t rows, int64_t ncols, const int32_t *map)
{
    double *tmp = dsk_xmalloc((size_t)(ncols ? ncols : 1) * sizeof *tmp);
    for (int64_t r = 0; r < rows; r++) {
        double *c = coef + r * ncols;
        for (int64_t f = 0; f < ncols; f++)
            tmp[f] = c[map[f]];
        memcpy(c, tmp, (size_t)ncols * sizeof *tmp);
    }
    free(tmp);
}
