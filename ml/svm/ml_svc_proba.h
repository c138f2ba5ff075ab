/*
 * ml_svc_proba.h — SVC(probability=True) as scikit-learn's libsvm does
 * it: for each pair of classes, Platt's sigmoid fitted (with Lin, Lin and
 * Weng's Newton method) to decision values from a 5-fold cross-validation
 * over the pair's rows, the rows shuffled by libsvm's mt19937 draws
 * (scikit-learn's bounded_rand_int); at predict time each pair's sigmoid
 * gives pairwise probabilities, coupled into one per class by Wu, Lin and
 * Weng's method 2.
 *
 * The draws are replicated to the bit: the generator is seeded with the
 * seed scikit-learn hands libsvm (RandomState(random_state).randint(
 * 2**31 - 1)), and, as libsvm's svm_train re-seeds it whenever a fold's
 * model is trained, it is re-seeded here at the same moments, so each
 * pair's shuffle starts where scikit-learn's does.
 */
#ifndef ML_SVC_PROBA_H
#define ML_SVC_PROBA_H

#include <stdint.h>

#include "ml_data.h"
#include "ml_np_rng.h"
#include "ml_svc_solver.h"

/* libsvm's generator state across the pairs of one fit. */
typedef struct {
    ml_np_rng_t rng;
    uint32_t seed;
} ml_svc_proba_rng_t;

void ml_svc_proba_rng_init(ml_svc_proba_rng_t *r, uint32_t seed);

/*
 * The sigmoid (A, B) of one pair: rows[0..l) of X (the first class's rows,
 * then the second's), yb +1 / -1 for them, Cp and Cn the two classes'
 * weighted C. Returns 0 or an error from the solver.
 */
int ml_svc_proba_pair(const ml_svc_solver_param_t *p, const ml_data_t *X, const int64_t *rows,
                      int64_t l, const int8_t *yb, double Cp, double Cn, ml_svc_proba_rng_t *r,
                      double *A, double *B, char *err);

/*
 * One row's class probabilities (k of them) from its k * (k - 1) / 2
 * pairwise decision values (libsvm's order and sign) and the pairs' sigmoids.
 */
void ml_svc_proba_row(int32_t k, const double *dec, const double *A, const double *B,
                      double *prob);

#endif
