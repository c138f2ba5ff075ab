/*
 * ml_kernel.h — the kernels of libsvm (linear, poly, rbf, sigmoid) as SVC
 * evaluates them, on dense rows or CSR rows against dense rows.
 *
 * A kernel value is computed from a dot product and, for rbf, the two
 * squared norms: k = exp(-gamma * (|x|^2 + |y|^2 - 2 x.y)). Dot products of
 * many rows come from one OpenBLAS dgemm/dgemv call, so a block of rows
 * against all support vectors costs one BLAS call and then one pass of the
 * kernel function.
 *
 * Ownership: nothing here allocates what it returns; callers pass every
 * output buffer. No global state.
 */
#ifndef ML_KERNEL_H
#define ML_KERNEL_H

#include <stdint.h>

#include "ml_matrix.h"

typedef enum {
    ML_KERNEL_LINEAR = 0,
    ML_KERNEL_POLY = 1,
    ML_KERNEL_RBF = 2,
    ML_KERNEL_SIGMOID = 3,
} ml_kernel_type_t;

typedef struct {
    ml_kernel_type_t type;
    int degree;     /* poly */
    double gamma;   /* poly, rbf, sigmoid */
    double coef0;   /* poly, sigmoid */
} ml_kernel_t;

/* The kernel's value from x.y and (rbf only) |x|^2 and |y|^2. */
double ml_kernel_from_dot(const ml_kernel_t *k, double dot, double xsq, double ysq);

/* out[i] = |row i|^2 for the n rows of a row-major n x d array. */
void ml_kernel_sqnorms(const double *X, int64_t n, int64_t d, double *out);
/* The same for CSR rows. */
void ml_kernel_sqnorms_csr(const ml_csr_t *X, double *out);

/*
 * out[j] = k(X_j, x) for the n contiguous rows X (n x d, row-major): one
 * dgemv, then the kernel. Xsq/xsq are squared norms (read for rbf only,
 * may be NULL otherwise).
 */
void ml_kernel_column(const ml_kernel_t *k, const double *X, const double *Xsq, int64_t n,
                      int64_t d, const double *x, double xsq, double *out);

/*
 * out[i * nb + j] = k(A_i, B_j): na rows of A against nb rows of B, both
 * row-major with d columns; one dgemm, then the kernel.
 */
void ml_kernel_block(const ml_kernel_t *k, const double *A, const double *Asq, int64_t na,
                     const double *B, const double *Bsq, int64_t nb, int64_t d, double *out);

/*
 * The same with A given as the CSR rows [r0, r0 + na) of X. Bt is B
 * transposed (d x nb, row-major), so each non-zero of A adds one
 * contiguous scaled row of Bt (a sparse-times-dense product).
 */
void ml_kernel_block_csr(const ml_kernel_t *k, const ml_csr_t *X, int64_t r0, int64_t na,
                         const double *Asq, const double *Bt, const double *Bsq, int64_t nb,
                         double *out);

#endif
