/*
 * ml_matrix.h — the two matrix layouts every estimator speaks.
 *
 * Dense: row-major doubles (a row is contiguous, so a row block is one BLAS
 * call). CSR: scikit-learn's layout — indptr (nrows + 1, 64-bit, so more
 * than 2^31 non-zeros fit), column indices (32-bit; sorted and unique
 * within each row unless a producer says otherwise) and values.
 * Both own their arrays; _destroy frees them and NULLs the caller's pointer.
 */
#ifndef ML_MATRIX_H
#define ML_MATRIX_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t nrows, ncols;
    double *data;           /* nrows * ncols, row-major */
} ml_dense_t;

typedef struct {
    int64_t nrows, ncols;
    int64_t *indptr;        /* nrows + 1 */
    int32_t *indices;       /* indptr[nrows] */
    double *data;           /* indptr[nrows] */
} ml_csr_t;

/* Zero-filled; aborts on out-of-memory. Caller owns the result. */
ml_dense_t *ml_dense_new(int64_t nrows, int64_t ncols);
void ml_dense_destroy(ml_dense_t **m_p);
ml_dense_t *ml_dense_copy(const ml_dense_t *m);
/* The rows rows[0..n) of m, in that order (rows may repeat). */
ml_dense_t *ml_dense_take_rows(const ml_dense_t *m, const int64_t *rows, int64_t n);

/* indptr zeroed, room for nnz entries. Caller owns the result. */
ml_csr_t *ml_csr_new(int64_t nrows, int64_t ncols, int64_t nnz);
void ml_csr_destroy(ml_csr_t **m_p);
ml_csr_t *ml_csr_copy(const ml_csr_t *m);
ml_csr_t *ml_csr_take_rows(const ml_csr_t *m, const int64_t *rows, int64_t n);
static inline int64_t ml_csr_nnz(const ml_csr_t *m) { return m->indptr[m->nrows]; }
/* Shrinks the index/value arrays to nnz (after a producer over-allocated). */
void ml_csr_shrink(ml_csr_t *m);

#endif
