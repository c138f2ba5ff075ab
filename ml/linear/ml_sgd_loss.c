/* ml_sgd_loss.c — sgd_fast.pyx's classification losses and our_rand_r. */
#include "ml_sgd_loss.h"

#include <math.h>

/* Hinge with threshold 1 (SVM) or 0 (perceptron), as sgd_fast's Hinge. */
static double s_hinge_loss(double p, double y, double thr)
{
    double z = p * y;
    return z <= thr ? thr - z : 0.0;
}

double ml_sgd_loss(ml_sgd_loss_t loss, double p, double y)
{
    double z;
    switch (loss) {
    case ML_SGD_HINGE:
        return s_hinge_loss(p, y, 1.0);
    case ML_SGD_PERCEPTRON:
        return s_hinge_loss(p, y, 0.0);
    case ML_SGD_SQUARED_HINGE:
        z = 1.0 - p * y;
        return z > 0 ? z * z : 0.0;
    case ML_SGD_LOG_LOSS:
        z = p * y;
        if (z > 18)
            return exp(-z);
        if (z < -18)
            return -z;
        return log(1.0 + exp(-z));
    case ML_SGD_MODIFIED_HUBER:
        z = p * y;
        if (z >= 1.0)
            return 0.0;
        if (z >= -1.0)
            return (1.0 - z) * (1.0 - z);
        return -4.0 * z;
    }
    return 0.0;
}

double ml_sgd_dloss(ml_sgd_loss_t loss, double p, double y)
{
    double z;
    switch (loss) {
    case ML_SGD_HINGE:
        return p * y <= 1.0 ? -y : 0.0;
    case ML_SGD_PERCEPTRON:
        return p * y <= 0.0 ? -y : 0.0;
    case ML_SGD_SQUARED_HINGE:
        z = 1.0 - p * y;
        return z > 0 ? -2 * y * z : 0.0;
    case ML_SGD_LOG_LOSS:
        z = p * y;
        if (z > 18.0)
            return exp(-z) * -y;
        if (z < -18.0)
            return -y;
        return -y / (exp(z) + 1.0);
    case ML_SGD_MODIFIED_HUBER:
        z = p * y;
        if (z >= 1.0)
            return 0.0;
        if (z >= -1.0)
            return 2.0 * (1.0 - z) * -y;
        return -4.0 * y;
    }
    return 0.0;
}

uint32_t ml_sgd_rand_r(uint32_t *seed)
{
    if (*seed == 0)
        *seed = 1;
    *seed ^= (uint32_t)(*seed << 13);
    *seed ^= (uint32_t)(*seed >> 17);
    *seed ^= (uint32_t)(*seed << 5);
    return *seed % ((uint32_t)0x7FFFFFFF + 1);
}

