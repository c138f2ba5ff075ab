/*
 * ml_svc_solver.h — libsvm's C-SVC, re-implemented: the SMO solver of Fan,
 * Chen & Lin (2005) with second-order working-set selection, shrinking and
 * gradient reconstruction, an LRU cache of kernel columns stored as float
 * (libsvm's Qfloat, which its answers depend on), and the one-vs-one
 * training over class pairs that scikit-learn's SVC runs (classes in sorted
 * order, each class's rows in input order).
 *
 * Ownership: ml_svc_train fills a caller-provided ml_svc_model_t whose
 * arrays it allocates; ml_svc_model_clear frees them. Inputs are only read.
 * No global state: different models train in parallel freely.
 */
#ifndef ML_SVC_SOLVER_H
#define ML_SVC_SOLVER_H

#include <stdint.h>

#include "ml_data.h"
#include "ml_kernel.h"

typedef struct {
    ml_kernel_t kernel;
    double eps;          /* tol: stop when the maximal violation < eps */
    int shrinking;
    int64_t max_iter;    /* per binary problem; -1 = no limit */
    double cache_mb;     /* kernel column cache, in MB (libsvm's -m) */
} ml_svc_solver_param_t;

/* What one-vs-one training learned, laid out as libsvm's svm_model. */
typedef struct {
    int32_t n_classes;
    int64_t n_features;
    int64_t n_sv;
    int32_t *n_support;  /* n_classes: support vectors per class */
    int64_t *support;    /* n_sv: their row in the training X (grouped by class) */
    double *sv;          /* n_sv x n_features, row-major, dense */
    double *dual_coef;   /* (n_classes - 1) x n_sv: libsvm's sv_coef */
    double *rho;         /* n_classes * (n_classes - 1) / 2, pair order (0,1), (0,2).. */
    int64_t *n_iter;     /* per pair: SMO iterations */
    int fit_status;      /* 1 if a pair stopped at max_iter, else 0 */
} ml_svc_model_t;

/*
 * Trains the k * (k - 1) / 2 binary problems. X is dense or CSR (n rows);
 * y holds class indices 0..k-1 with every class present; class_C[c] is
 * C times the weight of class c. Returns 0 or DSK_EINVAL (err filled).
 */
int ml_svc_train(const ml_svc_solver_param_t *p, const ml_data_t *X, const int32_t *y,
                 int32_t k, const double *class_C, ml_svc_model_t *m, char *err);

/* Frees the arrays of m and zeroes it. */
void ml_svc_model_clear(ml_svc_model_t *m);

/*
 * One binary problem: rows rows[0..l) of X, labels yb (+1/-1), bounds C
 * (per row). alpha_out gets y_i * alpha_i (libsvm's sign convention);
 * *rho, *n_iter and *timed_out describe the solution.
 */
int ml_svc_solve_binary(const ml_svc_solver_param_t *p, const ml_data_t *X,
                        const int64_t *rows, int64_t l, const int8_t *yb, const double *C,
                        double *alpha_out, double *rho, int64_t *n_iter, int *timed_out,
                        char *err);

#endif
