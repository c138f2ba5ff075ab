/*
 * ml_sgd_loss.h — the classification losses of scikit-learn 1.2's
 * sgd_fast.pyx (value and derivative with respect to the prediction, same
 * formulas and thresholds) and its xorshift our_rand_r, which orders the
 * samples of each epoch. Pure functions; no state.
 */
#ifndef ML_SGD_LOSS_H
#define ML_SGD_LOSS_H

#include <stdint.h>

/* The classification losses of SGDClassifier ('log' is log_loss's old name). */
typedef enum {
    ML_SGD_HINGE = 0,       /* Hinge(1.0) */
    ML_SGD_LOG_LOSS,        /* Log */
    ML_SGD_MODIFIED_HUBER,  /* ModifiedHuber */
    ML_SGD_SQUARED_HINGE,   /* SquaredHinge(1.0) */
    ML_SGD_PERCEPTRON,      /* Hinge(0.0) */
} ml_sgd_loss_t;

/* Loss value and derivative at prediction p for label y in {-1, +1}. */
double ml_sgd_loss(ml_sgd_loss_t loss, double p, double y);
double ml_sgd_dloss(ml_sgd_loss_t loss, double p, double y);

/* scikit-learn's our_rand_r: 32-bit xorshift, result in [0, 2^31). */
uint32_t ml_sgd_rand_r(uint32_t *seed);

#endif
