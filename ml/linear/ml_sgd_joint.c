/*
 * ml_sgd_joint.c — joint one-vs-all SGD: all classes from the same row in
 * the same step. Built twice: as it is (ML_SGD_LANES 4: SSE2 / NEON, any
 * CPU, entry ml_sgd_joint_4) and by ml_sgd_joint_wide.c (8 lanes, AVX2,
 * entry ml_sgd_joint_8); ml_sgd_joint picks one at run time.
 */
#include "ml_sgd_joint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_bigmem.h"
#include "dsk_error.h"
#include "ml_sgd_loss.h"

#define S_MAX_DLOSS 1e12
#define S_RESET_WSCALE 1e-9
#define S_MAX_NB 16 /* unrolled kernels up to 16 vectors of classes */

/*
 * The weights are floats: half the memory traffic of doubles, S_L classes
 * per vector register (4 in SSE2 / NEON, 8 in AVX2). The scale,
 * intercepts, losses and learning rate stay double; a float weight's
 * rounding (1e-7 relative) is far below what SGD's noise moves, and the
 * accuracy checks in tests/parity hold. Every lane computes on its own and
 * nothing is fused (ISO C mode: no contraction into FMA), so the 4- and
 * the 8-lane builds give the same model bit for bit.
 */
#ifndef ML_SGD_LANES
#define ML_SGD_LANES 4
#endif
#define S_L ML_SGD_LANES
#define S_CAT(a, b) a##b
#define S_NAME(a, b) S_CAT(a, b)
#define S_ENTRY S_NAME(ml_sgd_joint_, ML_SGD_LANES)
typedef float s_v2 __attribute__((vector_size(4 * S_L)));
typedef int32_t s_iv __attribute__((vector_size(4 * S_L)));

/* Lane by lane, m ? a : b (m from a comparison: all ones or all zeros). */
static inline s_v2 s_sel(s_iv m, s_v2 a, s_v2 b)
{
    return (s_v2)(((s_iv)a & m) | ((s_iv)b & ~m));
}

typedef struct {
    const ml_sgd_config_t *cfg;
    int32_t K, Kp, nb;          /* classes, padded to S_L, vectors per feature */
    int32_t stride;             /* floats from one feature's weights to the next's */
    int64_t nf;
    float *W;                   /* nf rows of stride floats, feature-major, aligned */
    double wscale, t, optimal_init, decay;
    double *icp, *sumloss, *best, *fscale; /* K each; fscale: wscale when stopped */
    s_v2 *acc, *c;              /* nb each: the row's K dots, the K update factors */
    int64_t *noimp;
    unsigned char *active;
    const double *pos;
    int nonfinite;              /* a prediction was NaN/inf this epoch */
    const int32_t *nind;        /* the next row's features, prefetched at this row's end */
    int64_t nnn;
    /* L1 and elasticnet: the truncated gradient's state, per feature and class */
    float *Q;                   /* W + Kp: the penalty applied so far (q), beside the weights */
    double *u;                  /* K: the penalty owed so far (u), per class as it learns */
    s_v2 *uw;                   /* nb: this row's u, lane by lane (0 for a stopped class) */
    s_iv *on;                   /* nb: all ones in the lanes of the classes still learning
                                   (set at the start and when a class stops) */
    double l1;                  /* the L1 share of alpha: l1_ratio, 1 for 'l1', 0 for none */
} s_joint_t;

#define S_PREFETCH 24 /* features ahead: their lines arrive while earlier ones are summed */

/* Asks for the cache lines of one feature's row (its weights, and its penalties). */
static inline void s_prefetch(const float *w, int32_t n)
{
    for (int32_t o = 0; o < n; o += 16)
        __builtin_prefetch(w + o);
    __builtin_prefetch(w + n - 1);
}

/*
 * The K dot products of one row, one pass over its features. NB is a
 * compile-time constant in the dispatched copies, so the accumulators stay
 * in registers; nb is the run-time fallback for many classes.
 */
static inline __attribute__((always_inline)) void
s_dots_n(const float *restrict W, int32_t Kp, const int32_t *ind, const float *x,
         int64_t nnz, const int32_t *nind, int64_t nnn, s_v2 *restrict out, int32_t NB)
{
    s_v2 a[S_MAX_NB];
#pragma GCC unroll 16
    for (int32_t b = 0; b < NB; b++)
        a[b] = (s_v2){0};
    for (int64_t j = 0; j < nnz; j++) {
        int64_t q = j + S_PREFETCH;
        if (q < nnz)
            s_prefetch(W + (int64_t)ind[q] * Kp, Kp);
        else if (q - nnz < nnn)
            s_prefetch(W + (int64_t)nind[q - nnz] * Kp, Kp);
        const s_v2 *w = (const s_v2 *)(W + (int64_t)ind[j] * Kp);
        float xf = x[j];
        s_v2 xv = (s_v2){0} + xf;
#pragma GCC unroll 16
        for (int32_t b = 0; b < NB; b++)
            a[b] += w[b] * xv;
    }
#pragma GCC unroll 16
    for (int32_t b = 0; b < NB; b++)
        out[b] = a[b];
}

static void s_dots_any(const float *restrict W, int32_t Kp, const int32_t *ind,
                       const float *x, int64_t nnz, s_v2 *restrict out, int32_t nb)
{
    for (int32_t b = 0; b < nb; b++)
        out[b] = (s_v2){0};
    for (int64_t j = 0; j < nnz; j++) {
        const s_v2 *w = (const s_v2 *)(W + (int64_t)ind[j] * Kp);
        float xf = x[j];
        s_v2 xv = (s_v2){0} + xf;
        for (int32_t b = 0; b < nb; b++)
            out[b] += w[b] * xv;
    }
}

/* W[row features] += x * c, all K classes of a feature in one vector loop. */
static inline __attribute__((always_inline)) void
s_axpy_n(float *restrict W, int32_t Kp, const int32_t *ind, const float *x, int64_t nnz,
         const s_v2 *restrict c, int32_t NB)
{
    s_v2 cv[S_MAX_NB];
#pragma GCC unroll 16
    for (int32_t b = 0; b < NB; b++)
        cv[b] = c[b];
    for (int64_t j = 0; j < nnz; j++) {
        s_v2 *w = (s_v2 *)(W + (int64_t)ind[j] * Kp);
        float xf = x[j];
        s_v2 xv = (s_v2){0} + xf;
#pragma GCC unroll 16
        for (int32_t b = 0; b < NB; b++)
            w[b] += xv * cv[b];
    }
}

static void s_axpy_any(float *restrict W, int32_t Kp, const int32_t *ind, const float *x,
                       int64_t nnz, const s_v2 *restrict c, int32_t nb)
{
    for (int64_t j = 0; j < nnz; j++) {
        s_v2 *w = (s_v2 *)(W + (int64_t)ind[j] * Kp);
        float xf = x[j];
        s_v2 xv = (s_v2){0} + xf;
        for (int32_t b = 0; b < nb; b++)
            w[b] += xv * c[b];
    }
}

#define S_CASES(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) \
                   X(13) X(14) X(15) X(16)

static void s_dots(s_joint_t *J, const int32_t *ind, const float *x, int64_t nnz)
{
    switch (J->nb) {
#define S_DOT_CASE(n) case n: s_dots_n(J->W, J->stride, ind, x, nnz, J->nind, J->nnn, J->acc, n); return;
        S_CASES(S_DOT_CASE)
#undef S_DOT_CASE
    default:
        s_dots_any(J->W, J->stride, ind, x, nnz, J->acc, J->nb);
    }
}

static void s_axpy(s_joint_t *J, const int32_t *ind, const float *x, int64_t nnz)
{
    switch (J->nb) {
#define S_AXPY_CASE(n) case n: s_axpy_n(J->W, J->stride, ind, x, nnz, J->c, n); return;
        S_CASES(S_AXPY_CASE)
#undef S_AXPY_CASE
    default:
        s_axpy_any(J->W, J->stride, ind, x, nnz, J->c, J->nb);
    }
}

/*
 * Folds the shared wscale into the weights of the classes still learning
 * (scikit-learn's reset below 1e-9); a stopped class's column keeps the
 * scale it stopped with (fscale), so it is left as it is.
 */
static void s_reset_wscale(s_joint_t *J)
{
    double *m = dsk_xcalloc((size_t)J->Kp, sizeof *m);
    for (int32_t k = 0; k < J->K; k++)
        m[k] = J->active[k] ? J->wscale : 1.0;
    for (int64_t f = 0; f < J->nf; f++)
        for (int32_t k = 0; k < J->Kp; k++)
            J->W[f * J->stride + k] *= m[k];
    free(m);
    J->wscale = 1.0;
}

/*
 * The row's update under L1 and elasticnet, one pass over its features:
 * the K-wide gradient step (when a class has one: add), then the
 * truncated-gradient L1 step (Tsuruoka et al. 2009, _plain_sgd's
 * l1penalty) for every class still learning: each class owes u[k] more,
 * and a weight moves toward 0 by what it owes beyond what it already paid
 * (Q), never across 0. A stopped class's u and weights stay as they are.
 * A row's features are distinct, so taking both steps feature by feature
 * gives what scikit-learn's two passes give; s_dots has prefetched Q.
 *
 * Both signs in one expression: with s the sign of z, |z| - (u + s q) / ws,
 * floored at 0 and given z's sign back, is scikit-learn's
 * max(0, z - (u + q) / ws) for z > 0 and min(0, z + (u - q) / ws) for
 * z < 0, bit for bit (negation is exact and rounding symmetric). A zero
 * (or NaN) weight and a stopped class's keep z.
 */
static inline __attribute__((always_inline)) void
s_l1_n(float *restrict W, float *restrict Q, int32_t stride, const int32_t *ind, const float *x,
       int64_t nnz, int add, const s_v2 *restrict c, const s_v2 *restrict uw,
       const s_iv *restrict on, float ws, float inv, int32_t NB)
{
    const s_v2 zero = {0};
    const s_iv sign = (s_iv){0} + INT32_MIN;
    const s_v2 wsv = (s_v2){0} + ws, invv = (s_v2){0} + inv;
    for (int64_t j = 0; j < nnz; j++) {
        s_v2 *w = (s_v2 *)(W + (int64_t)ind[j] * stride);
        if (add) {
            float xf = x[j];
            s_v2 xv = (s_v2){0} + xf;
#pragma GCC unroll 16
            for (int32_t b = 0; b < NB; b++)
                w[b] += xv * c[b];
        }
        s_iv bits = {0};
#pragma GCC unroll 16
        for (int32_t b = 0; b < NB; b++)
            bits |= (s_iv)w[b];
        int32_t any = 0;
        for (int l = 0; l < S_L; l++)
            any |= bits[l];
        if (!any)
            continue; /* every weight 0: truncation has nothing to do, q stays */
        s_v2 *q = (s_v2 *)(Q + (int64_t)ind[j] * stride);
#pragma GCC unroll 16
        for (int32_t b = 0; b < NB; b++) {
            s_v2 z = w[b];
            s_iv sz = (s_iv)z & sign;
            s_v2 az = (s_v2)((s_iv)z ^ sz), sq = (s_v2)((s_iv)q[b] ^ sz);
            s_v2 m = az - (uw[b] + sq) * invv;
            s_iv pos = m > zero;
            s_v2 nw = (s_v2)(((s_iv)m & pos) ^ (sz & pos));
            nw = s_sel(on[b] & (az > zero), nw, z);
            q[b] += wsv * (nw - z);
            w[b] = nw;
        }
    }
}

static void s_step_l1(s_joint_t *J, const int32_t *ind, const float *x, int64_t nnz,
                      int add, double step)
{
    for (int32_t k = 0; k < J->K; k++)
        if (J->active[k])
            J->u[k] += step;
    /* per lane: u (0 for a stopped class and the padding) */
    float *uw = (float *)J->uw;
    for (int32_t k = 0; k < J->Kp; k++)
        uw[k] = k < J->K && J->active[k] ? (float)J->u[k] : 0.0f;
    float ws = (float)J->wscale, inv = (float)(1.0 / J->wscale);
    switch (J->nb) {
#define S_L1_CASE(n) \
    case n: s_l1_n(J->W, J->Q, J->stride, ind, x, nnz, add, J->c, J->uw, J->on, ws, inv, n); return;
        S_CASES(S_L1_CASE)
#undef S_L1_CASE
    default:
        s_l1_n(J->W, J->Q, J->stride, ind, x, nnz, add, J->c, J->uw, J->on, ws, inv, J->nb);
    }
}

/* The learning rate of step t, the same for every class. */
static double s_eta(const s_joint_t *J)
{
    const ml_sgd_config_t *cfg = J->cfg;
    if (cfg->learning_rate == ML_SGD_LR_OPTIMAL)
        return 1.0 / (cfg->alpha * (J->optimal_init + J->t - 1));
    if (cfg->learning_rate == ML_SGD_LR_INVSCALING)
        return cfg->eta0 / pow(J->t, cfg->power_t);
    return cfg->eta0;
}

/*
 * One row for every class still learning: the K predictions, each class's
 * loss, clipped derivative and intercept step as _plain_sgd does for one
 * class, then the shared L2 shrink and one K-wide update of the row's
 * features (stopped classes and zero derivatives add 0).
 */
static void s_step(s_joint_t *J, const int32_t *ind, const float *x, int64_t nnz,
                   int32_t label)
{
    const ml_sgd_config_t *cfg = J->cfg;
    double eta = s_eta(J);
    s_dots(J, ind, x, nnz);
    const float *acc = (const float *)J->acc;
    float *c = (float *)J->c;
    int any = 0;
    for (int32_t k = 0; k < J->K; k++) {
        c[k] = 0.0;
        if (!J->active[k])
            continue;
        double y = label == k ? 1.0 : -1.0;
        double p = acc[k] * J->wscale + J->icp[k];
        if (!isfinite(p))
            J->nonfinite = 1;
        J->sumloss[k] += ml_sgd_loss(cfg->loss, p, y);
        double d = ml_sgd_dloss(cfg->loss, p, y);
        d = d < -S_MAX_DLOSS ? -S_MAX_DLOSS : (d > S_MAX_DLOSS ? S_MAX_DLOSS : d);
        double update = -eta * d * (y > 0.0 ? J->pos[k] : 1.0);
        if (update != 0.0) {
            c[k] = (float)update;
            any = 1;
            if (cfg->fit_intercept)
                J->icp[k] += update * J->decay;
        }
    }
    if (cfg->penalty >= ML_SGD_PENALTY_L2) {
        double s = 1.0 - (1.0 - J->l1) * eta * cfg->alpha;
        J->wscale *= s > 0 ? s : 0;
        if (J->wscale < S_RESET_WSCALE)
            s_reset_wscale(J);
    }
    if (any) {
        double inv = 1.0 / J->wscale;
        for (int32_t k = 0; k < J->K; k++)
            c[k] *= inv;
    }
    if (J->Q)
        s_step_l1(J, ind, x, nnz, any, J->l1 * eta * cfg->alpha);
    else if (any)
        s_axpy(J, ind, x, nnz);
    J->t += 1;
}

/*
 * The end of an epoch: scikit-learn's stopping rule for each class still
 * learning, on that class's summed loss. A class that stops keeps the
 * wscale of this moment in fscale. Returns the number still learning.
 */
static int32_t s_epoch_end(s_joint_t *J, int64_t epoch, int64_t n, int64_t *n_iter)
{
    const ml_sgd_config_t *cfg = J->cfg;
    int32_t left = 0;
    for (int32_t k = 0; k < J->K; k++) {
        if (!J->active[k])
            continue;
        double s = J->sumloss[k];
        if (cfg->tol > -INFINITY && s > J->best[k] - cfg->tol * (double)n)
            J->noimp[k]++;
        else
            J->noimp[k] = 0;
        if (s < J->best[k])
            J->best[k] = s;
        J->sumloss[k] = 0;
        *n_iter = epoch + 1;
        if (J->noimp[k] >= cfg->n_iter_no_change) {
            J->active[k] = 0;
            J->fscale[k] = J->wscale;
            if (J->on)
                ((int32_t *)J->on)[k] = 0;
        }
        left += J->active[k];
    }
    return left;
}

/*
 * The training rows in the joint pass's own column ids. Columns seen in two
 * or more rows (and unseen ones, last) are renumbered by descending
 * document frequency, ties in column order. A column seen in one row only
 * is that row's private column: its weights change only when that row
 * updates them, always by (its value) x (the row's update), so all of a
 * row's private columns move together and together add (sum of their
 * squared values) x (a per-row sum of updates) to the row's dot products.
 * They are folded into one virtual column per row, valued at the root of
 * that sum of squares, with weights W[v]; a private column's coefficient
 * is then W[v] * (its value / the virtual value). The same model in exact
 * arithmetic, with a third of the bigram TF-IDF's columns in the weights.
 * L1's truncation is not linear, so with it (fold 0) every column is its own.
 */
typedef struct {
    int64_t *indptr;            /* nrows + 1 */
    int32_t *ind;               /* new ids */
    float *x;                   /* the values as the float kernels use them */
    int32_t *map;               /* ncols: each original column's row of W */
    double *scale;              /* ncols: coefficient multiplier (1 unless private) */
    int64_t nw;                 /* rows of W */
} s_cols_t;

/* map[f] for the shared columns: a counting sort on nrows - df. Returns how many. */
static int64_t s_order_shared(const ml_csr_t *X, const int64_t *df, int32_t *map)
{
    int64_t n = X->nrows, m = 0;
    int64_t *start = dsk_xcalloc((size_t)(n + 2), sizeof *start);
    for (int64_t f = 0; f < X->ncols; f++)
        if (df[f] >= 2) {
            start[n - df[f] + 1]++;
            m++;
        }
    for (int64_t b = 1; b <= n + 1; b++)
        start[b] += start[b - 1];
    for (int64_t f = 0; f < X->ncols; f++)
        if (df[f] >= 2)
            map[f] = (int32_t)start[n - df[f]]++;
    free(start);
    return m;
}

/*
 * The rows in the new ids: shared columns first (by document frequency),
 * then each row's private columns — folded into its virtual column, or,
 * without folding, numbered in row order so that a row's private weights
 * are one stretch of W — then the columns no row has (their weights stay 0).
 */
static void s_cols_build(const ml_csr_t *X, int fold, s_cols_t *C)
{
    int64_t nf = X->ncols, nnz = X->indptr[X->nrows];
    int64_t *df = dsk_big_zalloc((size_t)nf * sizeof *df);
    C->indptr = dsk_xmalloc((size_t)(X->nrows + 1) * sizeof *C->indptr);
    C->ind = dsk_big_alloc((size_t)nnz * sizeof *C->ind);
    C->x = dsk_big_alloc((size_t)nnz * sizeof *C->x);
    C->map = dsk_big_alloc((size_t)nf * sizeof *C->map);
    C->scale = dsk_big_alloc((size_t)nf * sizeof *C->scale);
    for (int64_t j = 0; j < nnz; j++)
        df[X->indices[j]]++;
    int64_t v = s_order_shared(X, df, C->map), at = 0;
    for (int64_t f = 0; f < nf; f++)
        C->scale[f] = 1.0;
    C->indptr[0] = 0;
    for (int64_t r = 0; r < X->nrows; r++) {
        double sq = 0.0;
        int priv = 0;
        for (int64_t j = X->indptr[r]; j < X->indptr[r + 1]; j++) {
            int32_t f = X->indices[j];
            if (df[f] == 1 && fold) {
                sq += X->data[j] * X->data[j];
                priv = 1;
                continue;
            }
            if (df[f] == 1)
                C->map[f] = (int32_t)v++;
            C->ind[at] = C->map[f];
            C->x[at++] = (float)X->data[j];
        }
        if (priv) {
            double xv = sqrt(sq);
            for (int64_t j = X->indptr[r]; j < X->indptr[r + 1]; j++) {
                int32_t f = X->indices[j];
                if (df[f] == 1) {
                    C->map[f] = (int32_t)v;
                    C->scale[f] = xv > 0.0 ? X->data[j] / xv : 0.0;
                }
            }
            C->ind[at] = (int32_t)v++;
            C->x[at++] = (float)xv;
        }
        C->indptr[r + 1] = at;
    }
    for (int64_t f = 0; f < nf; f++)
        if (df[f] == 0)
            C->map[f] = (int32_t)v++;
    C->nw = v;
    dsk_big_free(df);
}

static void s_cols_free(s_cols_t *C)
{
    free(C->indptr);
    dsk_big_free(C->ind);
    dsk_big_free(C->x);
    dsk_big_free(C->map);
    dsk_big_free(C->scale);
}

/* Allocates the state and starts every class as scikit-learn starts one. */
static void s_init(s_joint_t *J, const ml_sgd_config_t *cfg, int32_t K, int64_t nf)
{
    *J = (s_joint_t){.cfg = cfg, .K = K, .nf = nf, .t = 1.0, .wscale = 1.0};
    J->Kp = (K + S_L - 1) / S_L * S_L;
    J->nb = J->Kp / S_L;
    /* read at random (the shuffled rows' features): huge pages spare the TLB, and a
       region kept from the last fit spares the faults. Under L1 a feature's
       penalties follow its weights in one row, so a row's step reads 3 cache
       lines instead of 4 (8 lanes, 20 classes) */
    int l1 = cfg->penalty == ML_SGD_PENALTY_L1 || cfg->penalty == ML_SGD_PENALTY_ELASTICNET;
    J->stride = l1 ? 2 * J->Kp : J->Kp;
    J->W = dsk_big_zalloc((size_t)(nf ? nf : 1) * (size_t)J->stride * sizeof(float));
    if (l1) {
        J->l1 = cfg->penalty == ML_SGD_PENALTY_L1 ? 1.0 : cfg->l1_ratio;
        J->Q = J->W + J->Kp;
        J->u = dsk_xcalloc((size_t)K, sizeof *J->u);
        J->uw = dsk_xaligned_alloc(sizeof(s_v2), (size_t)J->nb * sizeof(s_v2));
        J->on = dsk_xaligned_alloc(sizeof(s_v2), (size_t)J->nb * sizeof(s_iv));
        for (int32_t k = 0; k < J->Kp; k++) /* every class learns; the padding never does */
            ((int32_t *)J->on)[k] = k < K ? -1 : 0;
    }
    J->acc = dsk_xaligned_alloc(sizeof(s_v2), (size_t)J->nb * sizeof(s_v2));
    J->c = dsk_xaligned_alloc(sizeof(s_v2), (size_t)J->nb * sizeof(s_v2));
    double **v[] = {&J->icp, &J->sumloss, &J->best, &J->fscale};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *v[i] = dsk_xcalloc((size_t)K, sizeof(double));
    J->noimp = dsk_xcalloc((size_t)K, sizeof *J->noimp);
    J->active = dsk_xmalloc((size_t)K);
    memset(J->c, 0, (size_t)J->nb * sizeof(s_v2));
    if (cfg->learning_rate == ML_SGD_LR_OPTIMAL) { /* the typw heuristic */
        double typw = sqrt(1.0 / sqrt(cfg->alpha));
        double d = ml_sgd_dloss(cfg->loss, -typw, 1.0);
        double initial_eta0 = typw / (d > 1.0 ? d : 1.0);
        J->optimal_init = 1.0 / (initial_eta0 * cfg->alpha);
    }
    for (int32_t k = 0; k < K; k++) {
        J->best[k] = INFINITY;
        J->active[k] = 1;
    }
}

static void s_free(s_joint_t *J)
{
    void *v[] = {J->acc, J->c, J->icp, J->sumloss, J->best, J->fscale, J->noimp, J->active,
                 J->u, J->uw, J->on};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        free(v[i]);
    dsk_big_free(J->W);
}

/*
 * The fitted weights, handed over as a model: W, and the columns' map and
 * scale, change owner (J and C no longer free them). Overflow: a weight is
 * finite exactly when its coefficients are (scales are finite and at most
 * 1; a zero scale turns inf into NaN), so every class lane of every row is
 * checked here, and the intercepts. Returns NULL on overflow.
 */
static ml_sgd_joint_model_t *s_model(s_joint_t *J, s_cols_t *C, int64_t ncols,
                                     double *intercept)
{
    int bad = 0;
    for (int64_t f = 0; f < C->nw; f++) {
        const float *w = J->W + f * J->stride;
        for (int32_t k = 0; k < J->K; k++)
            bad |= !(fabsf(w[k]) <= 3.40282346638528859812e+38F);
    }
    for (int32_t k = 0; k < J->K; k++) {
        intercept[k] = J->icp[k];
        bad |= !isfinite(J->icp[k]);
    }
    if (bad)
        return NULL;
    ml_sgd_joint_model_t *jm = dsk_xcalloc(1, sizeof *jm);
    jm->cscale = dsk_xcalloc((size_t)J->K, sizeof *jm->cscale);
    for (int32_t k = 0; k < J->K; k++)
        jm->cscale[k] = J->active[k] ? J->wscale : J->fscale[k];
    jm->W = J->W;
    jm->stride = J->stride;
    jm->map = C->map;
    jm->scale = C->scale;
    jm->ncols = ncols;
    jm->K = J->K;
    J->W = NULL;
    J->Q = NULL;
    C->map = NULL;
    C->scale = NULL;
    return jm;
}

static int s_overflow(char *err, int64_t epoch)
{
    return dsk_seterr(err, DSK_EINVAL,
                      "SGDClassifier: floating-point under-/overflow occurred at epoch "
                      "#%lld; scaling the input data (StandardScaler or MinMaxScaler) "
                      "might help", (long long)epoch);
}

/*
 * The epochs: one Fisher-Yates shuffle of the row order per epoch with
 * scikit-learn's our_rand_r (the index permuted in place, from a fresh copy
 * of the seed, as SequentialDataset.shuffle does), every row a joint step.
 * Overflow is caught each epoch through the predictions and intercepts
 * (a non-finite weight that a row touches makes its prediction non-finite;
 * untouched weights stay 0) and once more on every weight at the end.
 */
int S_ENTRY(const ml_sgd_config_t *cfg, const ml_csr_t *X, const int32_t *yi, int32_t K,
            const double *pos_weight, uint32_t seed, double intercept_decay,
            ml_sgd_joint_model_t **model, double *intercept, int64_t *n_iter, char *err)
{
    *model = NULL;
    int64_t n = X->nrows;
    s_cols_t C;
    /* folding private columns is exact for linear updates only: not under L1 */
    s_cols_build(X, cfg->penalty != ML_SGD_PENALTY_L1 && cfg->penalty != ML_SGD_PENALTY_ELASTICNET,
                 &C);
    int32_t *index = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *index);
    for (int64_t i = 0; i < n; i++)
        index[i] = (int32_t)i;
    s_joint_t J;
    s_init(&J, cfg, K, C.nw);
    J.pos = pos_weight;
    J.decay = intercept_decay;
    *n_iter = 0;
    int rc = DSK_OK;
    for (int64_t epoch = 0; epoch < cfg->max_iter; epoch++) {
        if (cfg->shuffle) {
            uint32_t s = seed;
            for (uint32_t i = 0; n > 0 && i < (uint32_t)(n - 1); i++) {
                uint32_t j = i + ml_sgd_rand_r(&s) % ((uint32_t)n - i);
                int32_t tmp = index[i];
                index[i] = index[j];
                index[j] = tmp;
            }
        }
        for (int64_t i = 0; i < n; i++) {
            int64_t a = C.indptr[index[i]], b = C.indptr[index[i] + 1];
            if (i + 1 < n) {
                int64_t na = C.indptr[index[i + 1]];
                J.nind = C.ind + na;
                J.nnn = C.indptr[index[i + 1] + 1] - na;
                if (i + 2 < n)
                    __builtin_prefetch(C.ind + C.indptr[index[i + 2]]);
            } else {
                J.nnn = 0;
            }
            s_step(&J, C.ind + a, C.x + a, b - a, yi[index[i]]);
        }
        int finite = !J.nonfinite && isfinite(J.wscale);
        for (int32_t k = 0; k < K; k++)
            finite &= isfinite(J.icp[k]) != 0;
        if (!finite) {
            rc = s_overflow(err, epoch + 1);
            break;
        }
        int32_t left = s_epoch_end(&J, epoch, n, n_iter);
        if (left == 0)
            break;
    }
    if (rc == DSK_OK && !(*model = s_model(&J, &C, X->ncols, intercept)))
        rc = s_overflow(err, *n_iter);
    s_free(&J);
    free(index);
    s_cols_free(&C);
    return rc;
}

/*
 * decision_function from the model (ml_sgd_joint_decision picks a build).
 * Row by row: a row's feature brings one row of weights, all K classes
 * side by side, where coef_ would cost a lookup per class. The K sums run
 * over the row's features in order, each term the value times the
 * coefficient as ml_sgd_joint_coef computes it ((w * class scale) *
 * column scale, in double), so the decisions are the coef_ path's bit for
 * bit; S_L / 2 doubles per vector.
 */
typedef double s_vd __attribute__((vector_size(4 * S_L)));
typedef float s_vh __attribute__((vector_size(2 * S_L)));
#define S_DL (S_L / 2)

void S_NAME(ml_sgd_joint_decision_, ML_SGD_LANES)(const ml_sgd_joint_model_t *jm,
                                                   const ml_csr_t *X, const double *intercept,
                                                   double *out)
{
    int32_t K = jm->K, nv = (K + S_DL - 1) / S_DL; /* within the row's Kp lanes */
    int64_t nnz = X->indptr[X->nrows];
    s_vd *cs = dsk_xaligned_alloc(sizeof(s_vd), (size_t)nv * sizeof(s_vd));
    s_vd *acc = dsk_xaligned_alloc(sizeof(s_vd), (size_t)nv * sizeof(s_vd));
    for (int32_t b = 0; b < nv; b++)
        for (int l = 0; l < S_DL; l++)
            cs[b][l] = b * S_DL + l < K ? jm->cscale[b * S_DL + l] : 0.0;
    for (int64_t i = 0; i < X->nrows; i++) {
        for (int32_t b = 0; b < nv; b++)
            acc[b] = (s_vd){0};
        for (int64_t j = X->indptr[i]; j < X->indptr[i + 1]; j++) {
            if (j + S_PREFETCH < nnz) /* the rows of W are read at random: ask ahead */
                s_prefetch(jm->W + (int64_t)jm->map[X->indices[j + S_PREFETCH]] * jm->stride,
                           K);
            int32_t f = X->indices[j];
            const float *w = jm->W + (int64_t)jm->map[f] * jm->stride;
            s_vd xv = (s_vd){0} + X->data[j], sc = (s_vd){0} + jm->scale[f];
            for (int32_t b = 0; b < nv; b++) {
                s_vh h;
                memcpy(&h, w + b * S_DL, sizeof h);
                s_vd wd = __builtin_convertvector(h, s_vd);
                acc[b] += xv * (wd * cs[b] * sc);
            }
        }
        double *o = out + i * K;
        for (int32_t k = 0; k < K; k++)
            o[k] = acc[k / S_DL][k % S_DL] + intercept[k];
    }
    free(cs);
    free(acc);
}

#if ML_SGD_LANES == 4 /* once, in the portable build: what both builds share */
int ml_sgd_joint_supports(const ml_sgd_config_t *cfg)
{
    return cfg->average == 0 && cfg->learning_rate != ML_SGD_LR_ADAPTIVE;
}

size_t ml_sgd_joint_bytes(const ml_sgd_config_t *cfg, int64_t nrows, int64_t ncols, int64_t nnz,
                          int32_t K)
{
    int64_t Kp = (K + 7) / 8 * 8; /* the 8-lane build's padding, the larger */
    int l1 = cfg->penalty == ML_SGD_PENALTY_L1 || cfg->penalty == ML_SGD_PENALTY_ELASTICNET;
    double w = (double)ncols * (double)(l1 ? 2 * Kp : Kp) * sizeof(float);
    /* the rows (ids and float values), their offsets and order; df, map and scale */
    double rows = (double)nnz * (sizeof(int32_t) + sizeof(float)) +
                  (double)nrows * (sizeof(int64_t) + sizeof(int32_t));
    double cols = (double)ncols * (sizeof(int64_t) + sizeof(int32_t) + sizeof(double));
    return (size_t)(w + rows + cols);
}

int ml_sgd_joint_wide_available(void)
{
#if ML_SGD_JOINT_WIDE
    return __builtin_cpu_supports("avx2") != 0;
#else
    return 0;
#endif
}

int ml_sgd_joint(const ml_sgd_config_t *cfg, const ml_csr_t *X, const int32_t *yi, int32_t K,
                 const double *pos_weight, uint32_t seed, double intercept_decay,
                 ml_sgd_joint_model_t **model, double *intercept, int64_t *n_iter, char *err)
{
#if ML_SGD_JOINT_WIDE
    if (ml_sgd_joint_wide_available())
        return ml_sgd_joint_8(cfg, X, yi, K, pos_weight, seed, intercept_decay, model,
                              intercept, n_iter, err);
#endif
    return ml_sgd_joint_4(cfg, X, yi, K, pos_weight, seed, intercept_decay, model, intercept,
                          n_iter, err);
}

#define S_COEF_BLOCK 2048 /* columns per block: their W rows stay in L2 */

/*
 * Block of columns by block, each class's row of the block sequentially
 * (the W rows the block reads stay in cache), so the 145 MB of the
 * 20-class bigram coef_ are streamed once.
 */
void ml_sgd_joint_coef(const ml_sgd_joint_model_t *jm, double *coef)
{
    int64_t rowsel[S_COEF_BLOCK], nf = jm->ncols;
    for (int64_t f0 = 0; f0 < nf; f0 += S_COEF_BLOCK) {
        int64_t nb = nf - f0 < S_COEF_BLOCK ? nf - f0 : S_COEF_BLOCK;
        for (int64_t j = 0; j < nb; j++)
            rowsel[j] = (int64_t)jm->map[f0 + j] * jm->stride;
        const double *sc = jm->scale + f0;
        for (int32_t k = 0; k < jm->K; k++) {
            double s = jm->cscale[k];
            const float *Wk = jm->W + k;
            double *out = coef + (int64_t)k * nf + f0;
            for (int64_t j = 0; j < nb; j++)
                out[j] = Wk[rowsel[j]] * s * sc[j];
        }
    }
}

void ml_sgd_joint_decision(const ml_sgd_joint_model_t *jm, const ml_csr_t *X,
                           const double *intercept, double *out)
{
#if ML_SGD_JOINT_WIDE
    if (ml_sgd_joint_wide_available()) {
        ml_sgd_joint_decision_8(jm, X, intercept, out);
        return;
    }
#endif
    ml_sgd_joint_decision_4(jm, X, intercept, out);
}

void ml_sgd_joint_model_free(ml_sgd_joint_model_t **jm_p)
{
    ml_sgd_joint_model_t *jm = *jm_p;
    if (!jm)
        return;
    dsk_big_free(jm->W);
    dsk_big_free(jm->map);
    dsk_big_free(jm->scale);
    free(jm->cscale);
    free(jm);
    *jm_p = NULL;
}
#endif
