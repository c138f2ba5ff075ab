/* ml_npz_rows.c — a CSR .npz streamed a block of rows at a time. */
#include "ml_npz_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_npy.h"
#include "ml_zip.h"

#define S_MAX_HEADER (1 << 20)

/* One 1-D array of the archive: its member, its header, and where the elements start. */
typedef struct {
    ml_zip_member_t *m;
    ml_npy_t h;
    uint64_t data_off;
    unsigned char *raw;       /* one read's elements as stored */
    size_t raw_cap;
} s_array_t;

struct ml_npz_rows {
    char *path;
    int any_row;
    int64_t rows, cols, nnz;
    s_array_t indptr, indices, data;
    int64_t next_row, at;     /* in order: the next row, and its first element (indptr[next]) */
};

/* Opens member name and reads its .npy header: a 1-D array. */
static int s_array_open(const char *path, const char *name, s_array_t *a, char *err)
{
    char what[4200];
    snprintf(what, sizeof what, "%s: %s", path, name);
    int rc = ml_zip_member_open(path, name, &a->m, err);
    unsigned char head[12], *h = NULL;
    if (rc == 0 && ml_zip_member_size(a->m) < 12)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: not a .npy (too short)", what);
    if (rc == 0)
        rc = ml_zip_member_read(a->m, head, 10, err);
    if (rc)
        return rc;
    size_t off = 10, hl = (size_t)head[8] | (size_t)head[9] << 8;
    if (head[6] >= 2) {
        rc = ml_zip_member_read(a->m, head + 10, 2, err);
        off = 12;
        hl |= (size_t)head[10] << 16 | (size_t)head[11] << 24;
    }
    if (rc == 0 && (hl > S_MAX_HEADER || off + hl > ml_zip_member_size(a->m)))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a .npy header of %zu bytes", what, hl);
    if (rc == 0) {
        h = dsk_xmalloc(off + hl + 1);
        memcpy(h, head, off);
        rc = ml_zip_member_read(a->m, h + off, hl, err);
    }
    if (rc == 0)
        rc = ml_npy_header(what, h, off + hl, 0, &a->h, err);
    free(h);
    if (rc == 0 && a->h.ndim != 1)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a 1-D array", what);
    if (rc == 0 && (uint64_t)a->h.shape[0] * a->h.itemsize != ml_zip_member_size(a->m) - off - hl)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: %lld elements of %zu bytes do not fill it", what,
                        (long long)a->h.shape[0], a->h.itemsize);
    a->data_off = off + hl;
    return rc;
}

/* Elements [k, k + n) as doubles into out: read in order, or at k (a stored member). */
static int s_array_read(s_array_t *a, int any_row, int64_t k, int64_t n, double *out, char *err)
{
    size_t bytes = (size_t)n * a->h.itemsize;
    if (bytes + 1 > a->raw_cap)
        a->raw = dsk_xrealloc(a->raw, a->raw_cap = bytes + 1, 1);
    int rc = any_row ? ml_zip_member_pread(a->m, a->data_off + (uint64_t)k * a->h.itemsize,
                                           a->raw, bytes, err)
                     : ml_zip_member_read(a->m, a->raw, bytes, err);
    if (rc == 0)
        ml_npy_rows(&a->h, a->raw, 0, n, out);
    return rc;
}

static void s_array_close(s_array_t *a)
{
    ml_zip_member_close(&a->m);
    free(a->raw);
}

int ml_npz_format(const char *path, char *fmt, char *err)
{
    ml_zip_member_t *m = NULL;
    int rc = ml_zip_member_open(path, "format.npy", &m, err);
    if (rc == DSK_ENOTFOUND)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: not a SciPy sparse .npz (no format.npy): save it "
                        "with scipy.sparse.save_npz", path);
    uint64_t len = rc ? 0 : ml_zip_member_size(m);
    if (rc == 0 && len > S_MAX_HEADER)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: format.npy of %llu bytes", path,
                        (unsigned long long)len);
    unsigned char *buf = rc ? NULL : dsk_xmalloc((size_t)len + 1);
    if (rc == 0)
        rc = ml_zip_member_read(m, buf, (size_t)len, err);
    ml_zip_member_close(&m);
    if (rc == 0) { /* a 0-D bytes array ('|S3'): its text after the header */
        size_t off = len >= 10 && buf[6] == 1 ? 10 + ((size_t)buf[8] | (size_t)buf[9] << 8) : len;
        size_t n = off < len ? len - off : 0;
        n = n > 7 ? 7 : n;
        memcpy(fmt, buf + off, n);
        fmt[n] = '\0';
    }
    free(buf);
    return rc;
}

int ml_npz_rows_open(const char *path, int any_row, ml_npz_rows_t **out, char *err)
{
    *out = NULL;
    char fmt[8] = "";
    int rc = ml_npz_format(path, fmt, err);
    if (rc == 0 && strcmp(fmt, "csr") != 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: a '%s' sparse matrix is not stored by rows: "
                          "save it as csr (X.tocsr())", path, fmt);
    if (rc)
        return rc;
    ml_npz_rows_t *r = dsk_xcalloc(1, sizeof *r);
    r->path = dsk_xstrdup(path);
    r->any_row = any_row;
    s_array_t shape = {0};
    double dims[2] = {0, 0};
    rc = s_array_open(path, "shape.npy", &shape, err);
    if (rc == 0 && shape.h.shape[0] != 2)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: shape.npy: expected 2 numbers", path);
    if (rc == 0)
        rc = s_array_read(&shape, 0, 0, 2, dims, err);
    s_array_close(&shape);
    if (rc == 0)
        rc = s_array_open(path, "indptr.npy", &r->indptr, err);
    if (rc == 0)
        rc = s_array_open(path, "indices.npy", &r->indices, err);
    if (rc == 0)
        rc = s_array_open(path, "data.npy", &r->data, err);
    r->rows = (int64_t)dims[0];
    r->cols = (int64_t)dims[1];
    if (rc == 0 && (r->rows < 1 || r->cols < 0 || r->cols > INT32_MAX ||
                    r->indptr.h.shape[0] != r->rows + 1 ||
                    r->indices.h.shape[0] != r->data.h.shape[0]))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: the sparse arrays do not agree with the shape "
                        "(%lld x %lld)", path, (long long)r->rows, (long long)r->cols);
    r->nnz = rc ? 0 : r->data.h.shape[0];
    if (rc == 0 && any_row &&
        !(ml_zip_member_stored(r->indptr.m) && ml_zip_member_stored(r->indices.m) &&
          ml_zip_member_stored(r->data.m)))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: compressed, so its rows are read from the start "
                        "only: save it with scipy.sparse.save_npz(path, X, compressed=False) to "
                        "read it from any row", path);
    double first = 0;
    if (rc == 0 && !any_row)
        rc = s_array_read(&r->indptr, 0, 0, 1, &first, err);
    if (rc == 0 && first != 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: indptr does not start at 0", path);
    if (rc)
        ml_npz_rows_close(&r);
    *out = r;
    return rc;
}

void ml_npz_rows_close(ml_npz_rows_t **r_p)
{
    ml_npz_rows_t *r = *r_p;
    if (!r)
        return;
    s_array_close(&r->indptr);
    s_array_close(&r->indices);
    s_array_close(&r->data);
    free(r->path);
    free(r);
    *r_p = NULL;
}

int64_t ml_npz_rows_count(const ml_npz_rows_t *r)
{
    return r->rows;
}

int64_t ml_npz_rows_cols(const ml_npz_rows_t *r)
{
    return r->cols;
}

/* Row i's entries [lo, hi) sorted by column (stable), duplicates summed; their new end. */
static int64_t s_canonical_row(int32_t *col, double *val, int64_t lo, int64_t hi)
{
    for (int64_t k = lo + 1; k < hi; k++) {
        int32_t c = col[k];
        double v = val[k];
        int64_t j = k;
        for (; j > lo && col[j - 1] > c; j--) {
            col[j] = col[j - 1];
            val[j] = val[j - 1];
        }
        col[j] = c;
        val[j] = v;
    }
    int64_t e = lo;
    for (int64_t k = lo; k < hi; k++) {
        if (k > lo && col[k] == col[e - 1]) {
            val[e - 1] += val[k];
            continue;
        }
        col[e] = col[k];
        val[e++] = val[k];
    }
    return e;
}

int ml_npz_rows_read(ml_npz_rows_t *r, int64_t row0, int64_t n, ml_csr_t **out, char *err)
{
    *out = NULL;
    if (row0 < 0 || n < 1 || row0 + n > r->rows || (!r->any_row && row0 != r->next_row))
        return dsk_seterr(err, DSK_EINVAL, "%s: rows %lld to %lld asked (it has %lld, next %lld)",
                          r->path, (long long)row0, (long long)(row0 + n), (long long)r->rows,
                          (long long)r->next_row);
    /* the offsets of rows row0 .. row0 + n: the first is known when reading in order */
    double *ptr = dsk_xmalloc((size_t)(n + 1) * sizeof *ptr);
    int rc = r->any_row ? s_array_read(&r->indptr, 1, row0, n + 1, ptr, err)
                        : s_array_read(&r->indptr, 0, row0 + 1, n, ptr + 1, err);
    if (!r->any_row)
        ptr[0] = (double)r->at;
    for (int64_t i = 0; rc == 0 && i < n; i++)
        if (!(ptr[i] >= 0 && ptr[i] <= ptr[i + 1] && ptr[i + 1] <= (double)r->nnz))
            rc = dsk_seterr(err, DSK_EINVAL, "%s: indptr is not in order at %lld", r->path,
                            (long long)(row0 + i));
    int64_t lo = rc ? 0 : (int64_t)ptr[0], nnz = rc ? 0 : (int64_t)ptr[n] - lo;
    ml_csr_t *m = rc ? NULL : ml_csr_new(n, r->cols, nnz);
    double *idx = rc ? NULL : dsk_xmalloc((size_t)(nnz + 1) * sizeof *idx);
    if (rc == 0 && nnz > 0)
        rc = s_array_read(&r->indices, r->any_row, lo, nnz, idx, err);
    if (rc == 0 && nnz > 0)
        rc = s_array_read(&r->data, r->any_row, lo, nnz, m->data, err);
    for (int64_t k = 0; rc == 0 && k < nnz; k++) {
        if (!(idx[k] >= 0 && idx[k] < (double)r->cols))
            rc = dsk_seterr(err, DSK_EINVAL, "%s: index %lld is out of range", r->path,
                            (long long)(lo + k));
        else
            m->indices[k] = (int32_t)idx[k];
    }
    for (int64_t i = 0, e = 0; rc == 0 && i < n; i++) {
        int64_t a = (int64_t)ptr[i] - lo, b = (int64_t)ptr[i + 1] - lo;
        memmove(m->indices + e, m->indices + a, (size_t)(b - a) * sizeof *m->indices);
        memmove(m->data + e, m->data + a, (size_t)(b - a) * sizeof *m->data);
        e = s_canonical_row(m->indices, m->data, e, e + (b - a));
        m->indptr[i + 1] = e;
    }
    free(ptr);
    free(idx);
    if (rc) {
        ml_csr_destroy(&m);
        return rc;
    }
    r->next_row = row0 + n;
    r->at = lo + nnz;
    *out = m;
    return DSK_OK;
}
