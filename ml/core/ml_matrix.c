/* ml_matrix.c — allocation and row selection for dense and CSR matrices. */
#include "ml_matrix.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"

ml_dense_t *ml_dense_new(int64_t nrows, int64_t ncols)
{
    ml_dense_t *m = dsk_xcalloc(1, sizeof *m);
    m->nrows = nrows;
    m->ncols = ncols;
    m->data = dsk_xcalloc((size_t)(nrows * ncols), sizeof *m->data);
    return m;
}

void ml_dense_destroy(ml_dense_t **m_p)
{
    if (!*m_p)
        return;
    free((*m_p)->data);
    free(*m_p);
    *m_p = NULL;
}

ml_dense_t *ml_dense_copy(const ml_dense_t *m)
{
    ml_dense_t *c = ml_dense_new(m->nrows, m->ncols);
    memcpy(c->data, m->data, (size_t)(m->nrows * m->ncols) * sizeof *m->data);
    return c;
}

ml_dense_t *ml_dense_take_rows(const ml_dense_t *m, const int64_t *rows, int64_t n)
{
    ml_dense_t *c = ml_dense_new(n, m->ncols);
    size_t row_bytes = (size_t)m->ncols * sizeof *m->data;
    for (int64_t i = 0; i < n; i++)
        memcpy(c->data + i * m->ncols, m->data + rows[i] * m->ncols, row_bytes);
    return c;
}

ml_csr_t *ml_csr_new(int64_t nrows, int64_t ncols, int64_t nnz)
{
    ml_csr_t *m = dsk_xcalloc(1, sizeof *m);
    m->nrows = nrows;
    m->ncols = ncols;
    m->indptr = dsk_xcalloc((size_t)nrows + 1, sizeof *m->indptr);
    m->indices = dsk_xcalloc((size_t)nnz, sizeof *m->indices);
    m->data = dsk_xcalloc((size_t)nnz, sizeof *m->data);
    return m;
}

void ml_csr_destroy(ml_csr_t **m_p)
{
    ml_csr_t *m = *m_p;
    if (!m)
        return;
    free(m->indptr);
    free(m->indices);
    free(m->data);
    free(m);
    *m_p = NULL;
}

ml_csr_t *ml_csr_copy(const ml_csr_t *m)
{
    int64_t nnz = ml_csr_nnz(m);
    ml_csr_t *c = ml_csr_new(m->nrows, m->ncols, nnz);
    memcpy(c->indptr, m->indptr, (size_t)(m->nrows + 1) * sizeof *m->indptr);
    memcpy(c->indices, m->indices, (size_t)nnz * sizeof *m->indices);
    memcpy(c->data, m->data, (size_t)nnz * sizeof *m->data);
    return c;
}

ml_csr_t *ml_csr_take_rows(const ml_csr_t *m, const int64_t *rows, int64_t n)
{
    int64_t nnz = 0;
    for (int64_t i = 0; i < n; i++)
        nnz += m->indptr[rows[i] + 1] - m->indptr[rows[i]];
    ml_csr_t *c = ml_csr_new(n, m->ncols, nnz);
    int64_t at = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t a = m->indptr[rows[i]], len = m->indptr[rows[i] + 1] - a;
        memcpy(c->indices + at, m->indices + a, (size_t)len * sizeof *c->indices);
        memcpy(c->data + at, m->data + a, (size_t)len * sizeof *c->data);
        at += len;
        c->indptr[i + 1] = at;
    }
    return c;
}

void ml_csr_shrink(ml_csr_t *m)
{
    size_t nnz = (size_t)ml_csr_nnz(m);
    int32_t *ind = realloc(m->indices, (nnz ? nnz : 1) * sizeof *ind);
    double *val = realloc(m->data, (nnz ? nnz : 1) * sizeof *val);
    if (ind)
        m->indices = ind;
    if (val)
        m->data = val;
}
