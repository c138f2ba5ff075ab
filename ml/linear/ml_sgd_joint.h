/*
 * ml_sgd_joint.h — dsk's joint one-vs-all SGD: the K binary problems
 * "class k against the rest" of a multiclass SGDClassifier trained in one
 * pass over the rows, the default for more than two classes on sparse
 * input (ml_sgd.h says when the bit-exact per-class path runs instead).
 *
 * What is shared and what is not: one shuffle of the rows per epoch (one
 * seed), so every class is updated from the same row in the same step and
 * the step count t, the learning rate eta and the L2 weight scale wscale
 * are one number for all classes. Per class: the intercept (with the
 * sparse intercept decay), the positive class weight, the summed epoch
 * loss and scikit-learn's tol / n_iter_no_change stopping rule. A class
 * that has stopped is masked out (its weights no longer change) while the
 * others go on; the pass ends when every class has stopped or at max_iter.
 *
 * Layout, for speed: the columns are renumbered by descending document
 * frequency, and the weights are stored feature-major as floats (K classes
 * of one feature side by side, padded to a multiple of 4, or of 8 where the
 * CPU has AVX2: the same model bit for bit; under L1 and elasticnet each
 * feature's truncation penalties follow its weights), so a row's K dot
 * products and its K updates are contiguous vector loops and the hot
 * features share a small region of memory. The columns seen in one
 * training row only (most bigrams) are folded into one weight row per
 * training row — the same model in exact arithmetic (ml_sgd_joint.c says
 * why). The fit hands over these weights as they are (a model); coef_ is
 * written from them, in double and the original column order, only when
 * someone needs it.
 *
 * The result matches scikit-learn's statistically (same model, same
 * accuracy within its seed-to-seed spread), not bit for bit: one shuffle
 * for all classes, float weights, a different summation order.
 *
 * Ownership: borrows everything; writes the caller's intercept and n_iter
 * and hands over a new model. No global state.
 */
#ifndef ML_SGD_JOINT_H
#define ML_SGD_JOINT_H

#include <stdint.h>

#include "ml_matrix.h"
#include "ml_sgd_solver.h"

/*
 * True when the joint pass can run this configuration: no averaging, and a
 * step size shared by all classes with a shared wscale — learning_rate
 * 'optimal', 'constant' or 'invscaling', any penalty ('l1' and
 * 'elasticnet' through a per-class truncated gradient). ('adaptive' and
 * averaging take the per-class path.)
 */
int ml_sgd_joint_supports(const ml_sgd_config_t *cfg);

/*
 * About the bytes ml_sgd_joint allocates for nrows rows of ncols columns
 * with nnz entries and K classes: the weight table (the widest build's
 * lanes, penalties beside the weights under L1 and elasticnet, every
 * column its own, as if none were folded), the renumbered rows and the
 * columns' map and scale. An upper bound within a few percent.
 */
size_t ml_sgd_joint_bytes(const ml_sgd_config_t *cfg, int64_t nrows, int64_t ncols, int64_t nnz,
                          int32_t K);

/*
 * A joint fit's weights as the pass leaves them: float rows of `stride`
 * floats (class k in lane k), one row per renumbered column; a column's
 * coefficient for class k is W[map[f] * stride + k] * cscale[k] * scale[f]
 * in double, computed in that order. Kept as they are until coef_ is
 * needed, because a search scores a fit on sparse rows straight from them
 * (one row of weights per feature instead of one lookup per class) and
 * drops it: the 145 MB of a 20-class bigram coef_ are never written.
 */
typedef struct {
    float *W;                   /* dsk_bigmem */
    int64_t stride;
    int32_t *map;               /* ncols, dsk_bigmem */
    double *scale;              /* ncols, dsk_bigmem */
    double *cscale;             /* K */
    int64_t ncols;
    int32_t K;
} ml_sgd_joint_model_t;

/*
 * Fits the K one-vs-all problems on X (CSR, original column ids) with
 * labels yi (class indices 0..K-1), pos_weight[k] the weight of class k's
 * positive rows (negatives weigh 1.0, as in scikit-learn's multiclass
 * fit), shuffle seed `seed` and intercept_decay. Sets *model (free with
 * ml_sgd_joint_model_free), intercept (K) and *n_iter (the largest number
 * of epochs any class ran). Returns 0, or DSK_EINVAL when the weights
 * overflowed (scikit-learn's ValueError text in err; *model stays NULL).
 */
int ml_sgd_joint(const ml_sgd_config_t *cfg, const ml_csr_t *X, const int32_t *yi, int32_t K,
                 const double *pos_weight, uint32_t seed, double intercept_decay,
                 ml_sgd_joint_model_t **model, double *intercept, int64_t *n_iter, char *err);

/* coef_ (K x ncols, row-major, original columns), written in one blocked pass. */
void ml_sgd_joint_coef(const ml_sgd_joint_model_t *jm, double *coef);

/*
 * decision_function on sparse rows (X->ncols == jm->ncols): out (nrows x
 * K) gets, bit for bit, what X @ coef_.T + intercept gives from the
 * coefficients ml_sgd_joint_coef writes (each sum over a row's features in
 * order, each coefficient computed as there).
 */
void ml_sgd_joint_decision(const ml_sgd_joint_model_t *jm, const ml_csr_t *X,
                           const double *intercept, double *out);

void ml_sgd_joint_model_free(ml_sgd_joint_model_t **jm);

/*
 * The two builds ml_sgd_joint chooses from (for tests and benchmarks):
 * 4 classes per vector on any CPU, and 8 (AVX2, x86-64 only) where
 * ml_sgd_joint_wide_available() says the CPU runs it.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ML_SGD_JOINT_WIDE 1
#else
#define ML_SGD_JOINT_WIDE 0
#endif
int ml_sgd_joint_wide_available(void);
void ml_sgd_joint_decision_4(const ml_sgd_joint_model_t *jm, const ml_csr_t *X,
                             const double *intercept, double *out);
int ml_sgd_joint_4(const ml_sgd_config_t *cfg, const ml_csr_t *X, const int32_t *yi, int32_t K,
                   const double *pos_weight, uint32_t seed, double intercept_decay,
                   ml_sgd_joint_model_t **model, double *intercept, int64_t *n_iter, char *err);
#if ML_SGD_JOINT_WIDE
void ml_sgd_joint_decision_8(const ml_sgd_joint_model_t *jm, const ml_csr_t *X,
                             const double *intercept, double *out);
int ml_sgd_joint_8(const ml_sgd_config_t *cfg, const ml_csr_t *X, const int32_t *yi, int32_t K,
                   const double *pos_weight, uint32_t seed, double intercept_decay,
                   ml_sgd_joint_model_t **model, double *intercept, int64_t *n_iter, char *err);
#endif

#endif
