/*
 * ml_sgd_solver.h — scikit-learn 1.2's plain SGD for one binary problem
 * (sgd_fast.pyx `_plain_sgd`), re-implemented so that, fed the same rows,
 * labels and shuffle seed, it performs the same floating-point operations
 * in the same order: the weight vector as a scale times an array (the
 * wscale trick for L2), the truncated-gradient L1 penalty (cumulative u and
 * per-feature q), Bottou's lazy averaging, the epoch-by-epoch shuffle with
 * scikit-learn's xorshift our_rand_r, and the tol / n_iter_no_change rule
 * on the epoch's summed training loss.
 *
 * Ownership: the solver borrows everything it is given; w (and aw) are the
 * caller's arrays, updated in place. No global state: problems may run in
 * parallel threads on shared read-only rows.
 */
#ifndef ML_SGD_SOLVER_H
#define ML_SGD_SOLVER_H

#include <stdint.h>

#include "dsk_error.h"
#include "ml_matrix.h"
#include "ml_sgd_loss.h"

/* scikit-learn's PENALTY_TYPES values. */
typedef enum {
    ML_SGD_PENALTY_NONE = 0,
    ML_SGD_PENALTY_L1 = 1,
    ML_SGD_PENALTY_L2 = 2,
    ML_SGD_PENALTY_ELASTICNET = 3,
} ml_sgd_penalty_t;

/* scikit-learn's LEARNING_RATE_TYPES values (PA1/PA2 are not classifiers'). */
typedef enum {
    ML_SGD_LR_CONSTANT = 1,
    ML_SGD_LR_OPTIMAL = 2,
    ML_SGD_LR_INVSCALING = 3,
    ML_SGD_LR_ADAPTIVE = 4,
} ml_sgd_lr_t;

typedef struct {
    ml_sgd_loss_t loss;
    ml_sgd_penalty_t penalty;
    ml_sgd_lr_t learning_rate;
    double alpha, l1_ratio, eta0, power_t;
    double tol;             /* -INFINITY when tol is None */
    int64_t max_iter, n_iter_no_change;
    int64_t average;        /* 0 = off; True is 1 */
    int fit_intercept, shuffle, verbose;
} ml_sgd_config_t;

/* The training rows: exactly one of csr / dense is set. */
typedef struct {
    const ml_csr_t *csr;
    const ml_dense_t *dense;
} ml_sgd_rows_t;

/* One binary problem's state, in and out. */
typedef struct {
    double *w;              /* n_features, in/out */
    double intercept;       /* in/out */
    double *aw;             /* n_features averaged weights (average > 0), else NULL */
    double average_intercept;
    int64_t n_iter;         /* out: epochs run */
} ml_sgd_state_t;

/*
 * Runs _plain_sgd on rows X with labels y (+1/-1 per row), class weights
 * for the positive and negative labels, the shuffle seed scikit-learn draws
 * with randint(2^31 - 1), and intercept_decay (1.0 dense, 0.01 sparse).
 * t0 is the learning-rate clock at the start (1.0 for fit). Returns 0, or
 * DSK_EINVAL when the weights overflowed (scikit-learn's ValueError text).
 */
int ml_sgd_plain(const ml_sgd_config_t *cfg, const ml_sgd_rows_t *X, const double *y,
                 double weight_pos, double weight_neg, uint32_t seed,
                 double intercept_decay, double t0, ml_sgd_state_t *st, char *err);

/*
 * Memory locality for wide sparse data (bigram TF-IDF has a million columns,
 * most seen in one or two documents): renumbers the columns of X in order
 * of first appearance, so that a row's rare features sit next to each other
 * in the weight vector and the frequent ones share a small hot region.
 * Only the column ids change, never the order of a row's entries, so every
 * sum is computed as before and the fit is bit-identical once the weights
 * are mapped back. *out borrows X's indptr and data and owns new indices
 * (free them with ml_sgd_local_free); map[old] = new.
 */
void ml_sgd_localize(const ml_csr_t *X, ml_csr_t *out, int32_t **map);
/* Frees what ml_sgd_localize allocated (the indices and the map). */
void ml_sgd_local_free(ml_csr_t *local, int32_t **map);
/* coef rows of local ids -> original ids, in place (rows x ncols). */
void ml_sgd_unlocalize(double *coef, int64_t rows, int64_t ncols, const int32_t *map);

#endif
