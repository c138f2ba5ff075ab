/* ml_load_numeric.c — svmlight/libsvm text into CSR; NumPy .npy into dense X. */
#include "ml_load_numeric.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_load_util.h"
#include "ml_np_sort.h"
#include "ml_npy.h"
#include "ml_npz_rows.h"
#include "ml_zip.h"

/* ---- svmlight ------------------------------------------------------------ */

/* The growing CSR being read, 0-based or 1-based as found in the file. */
typedef struct {
    int64_t nrows, cap_rows, nnz, cap_nnz;
    int64_t *indptr;
    int64_t *idx;      /* as written in the file */
    double *val, *labels;
    int64_t min_idx, max_idx;
} s_svm_t;

static void s_svm_free(s_svm_t *s)
{
    free(s->indptr);
    free(s->idx);
    free(s->val);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

/* Cuts the next whitespace-separated token off [*p, end). */
static int s_token(const char **p, const char *end, const char **tok, size_t *len)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f'))
        s++;
    const char *e = s;
    while (e < end && !(*e == ' ' || *e == '\t' || *e == '\r' || *e == '\v' || *e == '\f'))
        e++;
    *tok = s;
    *len = (size_t)(e - s);
    *p = e;
    return e > s;
}

/*
 * One line "label idx:val ...": tokens checked one by one so that the
 * error names the exact token; indices must increase strictly, as
 * scikit-learn's parser requires ("sorted and unique").
 */
static int s_svm_line(const char *path, int64_t lineno, const char *p, const char *end,
                      s_svm_t *s, char *err)
{
    const char *tok;
    size_t len;
    double label;
    if (!s_token(&p, end, &tok, &len))
        return 1; /* blank or comment-only: skipped */
    if (ml_parse_double(tok, len, &label) != 0 || isnan(label))
        return dsk_seterr(err, DSK_EINVAL, "%s:%lld: bad label '%.*s'", path, (long long)lineno,
                          (int)(len > 40 ? 40 : len), tok);
    if (s->nrows == s->cap_rows) {
        s->cap_rows = s->cap_rows ? s->cap_rows * 2 : 1024;
        s->indptr = dsk_xrealloc(s->indptr, (size_t)s->cap_rows + 1, sizeof *s->indptr);
        s->labels = dsk_xrealloc(s->labels, (size_t)s->cap_rows, sizeof *s->labels);
    }
    s->labels[s->nrows] = label;
    int64_t prev = -1;
    while (s_token(&p, end, &tok, &len)) {
        const char *colon = memchr(tok, ':', len);
        if (colon && (size_t)(colon - tok) == 3 && memcmp(tok, "qid", 3) == 0)
            continue;
        char *iend;
        errno = 0;
        long long ix = colon && colon > tok ? strtoll(tok, &iend, 10) : -1;
        double v;
        if (!colon || colon == tok || iend != colon || errno || ix < 0 || ix > INT32_MAX ||
            ml_parse_double(colon + 1, len - (size_t)(colon + 1 - tok), &v) != 0)
            return dsk_seterr(err, DSK_EINVAL, "%s:%lld: bad token '%.*s' (expected "
                              "index:value)", path, (long long)lineno,
                              (int)(len > 40 ? 40 : len), tok);
        if (ix <= prev)
            return dsk_seterr(err, DSK_EINVAL, "%s:%lld: feature indices must be sorted and "
                              "unique (%lld after %lld)", path, (long long)lineno, ix,
                              (long long)prev);
        prev = ix;
        if (s->nnz == s->cap_nnz) {
            s->cap_nnz = s->cap_nnz ? s->cap_nnz * 2 : 4096;
            s->idx = dsk_xrealloc(s->idx, (size_t)s->cap_nnz * sizeof *s->idx, 1);
            s->val = dsk_xrealloc(s->val, (size_t)s->cap_nnz * sizeof *s->val, 1);
        }
        s->idx[s->nnz] = ix;
        s->val[s->nnz++] = v;
        s->min_idx = ix < s->min_idx ? ix : s->min_idx;
        s->max_idx = ix > s->max_idx ? ix : s->max_idx;
    }
    s->indptr[++s->nrows] = s->nnz;
    return DSK_OK;
}

/* Lines buf[0..len) into s (first_line numbers them for errors). */
static int s_svm_parse(const char *what, int64_t first_line, const char *buf, size_t len,
                       s_svm_t *s, char *err)
{
    memset(s, 0, sizeof *s);
    s->min_idx = INT64_MAX;
    s->max_idx = -1;
    s->indptr = dsk_xcalloc(1, sizeof *s->indptr);
    int64_t lineno = first_line - 1;
    int rc = 0;
    for (size_t pos = 0; pos < len && rc <= 0;) {
        const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        const char *hash = memchr(line, '#', n);
        pos += n + 1;
        lineno++;
        rc = s_svm_line(what, lineno, line, hash ? hash : line + n, s, err);
        rc = rc > 0 ? 0 : rc;
    }
    if (rc)
        s_svm_free(s);
    return rc;
}

static int s_svm_read(const char *path, s_svm_t *s, char *err)
{
    char *buf;
    size_t len;
    memset(s, 0, sizeof *s);
    int rc = ml_read_file(path, &buf, &len, err);
    if (rc)
        return rc;
    rc = s_svm_parse(path, 1, buf, len, s, err);
    free(buf);
    if (rc == 0 && s->nrows == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: no data lines", path);
    return rc;
}

int ml_load_svmlight(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "n_features", "zero_based", NULL};
    char path[4096];
    int64_t nf;
    int zero_based = -1; /* auto */
    *out = NULL;
    int rc = ml_spec_check_keys(spec, "svmlight", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, path, sizeof path, err);
    if (rc == 0)
        rc = ml_spec_int(spec, "n_features", 0, 1, 1, INT32_MAX, &nf, err);
    json_t *zb = json_object_get(spec, "zero_based");
    if (rc == 0 && zb && !(json_is_string(zb) && strcmp(json_string_value(zb), "auto") == 0))
        rc = ml_spec_bool(spec, "zero_based", 0, &zero_based, err);
    if (rc)
        return rc;
    s_svm_t s;
    if ((rc = s_svm_read(path, &s, err)) != 0) {
        s_svm_free(&s);
        return rc;
    }
    int64_t shift = zero_based == 1 ? 0 : zero_based == 0 ? 1 : (s.min_idx == 0 ? 0 : 1);
    if (shift && s.min_idx == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: feature index 0 in a one-based file (set "
                        "data.zero_based)", path);
    int64_t ncols = s.max_idx + 1 - shift;
    if (rc == 0 && nf > 0 && nf < ncols)
        rc = dsk_seterr(err, DSK_EINVAL, "data.n_features: %lld, but %s has %lld features",
                        (long long)nf, path, (long long)ncols);
    if (rc) {
        s_svm_free(&s);
        return rc;
    }
    ml_csr_t *m = ml_csr_new(s.nrows, nf > ncols ? nf : ncols, s.nnz);
    memcpy(m->indptr, s.indptr, (size_t)(s.nrows + 1) * sizeof *m->indptr);
    for (int64_t k = 0; k < s.nnz; k++) {
        m->indices[k] = (int32_t)(s.idx[k] - shift);
        m->data[k] = s.val[k];
    }
    ml_data_t *X = ml_data_from_csr(&m);
    ml_dataset_t *ds = ml_dataset_new(&X);
    ml_labels_encode_numeric(ds, s.labels, s.nrows);
    s_svm_free(&s);
    *out = ds;
    return DSK_OK;
}

/* The block's labels, moved out of s (or left to be freed). */
static void s_svm_take_labels(s_svm_t *s, double **labels)
{
    if (!labels)
        return;
    *labels = s->labels ? s->labels : dsk_xcalloc(1, sizeof **labels);
    s->labels = NULL;
}

int ml_svmlight_scan(const char *what, int64_t first_line, const char *buf, size_t len,
                     int64_t *rows, int64_t *lo, int64_t *hi, double **labels, char *err)
{
    s_svm_t s;
    int rc = s_svm_parse(what, first_line, buf, len, &s, err);
    if (rc)
        return rc;
    s_svm_take_labels(&s, labels);
    *rows += s.nrows;
    *lo = s.min_idx < *lo ? s.min_idx : *lo;
    *hi = s.max_idx > *hi ? s.max_idx : *hi;
    s_svm_free(&s);
    return DSK_OK;
}

int ml_svmlight_decode(const char *what, int64_t first_line, const char *buf, size_t len,
                       int64_t shift, int64_t ncols, ml_dataset_t **out, double **labels,
                       char *err)
{
    s_svm_t s;
    *out = NULL;
    int rc = s_svm_parse(what, first_line, buf, len, &s, err);
    if (rc)
        return rc;
    if (s.nnz && (s.min_idx - shift < 0 || s.max_idx - shift >= ncols)) {
        s_svm_free(&s);
        return dsk_seterr(err, DSK_EINVAL, "%s: feature index out of the %lld columns the file "
                          "was scanned for (did it change?)", what, (long long)ncols);
    }
    ml_csr_t *m = ml_csr_new(s.nrows, ncols, s.nnz);
    memcpy(m->indptr, s.indptr, (size_t)(s.nrows + 1) * sizeof *m->indptr);
    for (int64_t k = 0; k < s.nnz; k++) {
        m->indices[k] = (int32_t)(s.idx[k] - shift);
        m->data[k] = s.val[k];
    }
    s_svm_take_labels(&s, labels);
    s_svm_free(&s);
    ml_data_t *X = ml_data_from_csr(&m);
    *out = ml_dataset_new(&X);
    return DSK_OK;
}

/* ---- npy ----------------------------------------------------------------- */

int ml_load_npy(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "labels_path", NULL};
    char path[4096], lpath[4096];
    ml_npy_t nx, ny;
    double *x = NULL, *y = NULL;
    *out = NULL;
    int rc = ml_spec_check_keys(spec, "npy", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, path, sizeof path, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "labels_path", 0, lpath, sizeof lpath, err);
    if (rc == 0)
        rc = ml_npy_read(path, 2, &nx, &x, err);
    if (rc == 0 && lpath[0])
        rc = ml_npy_read(lpath, 1, &ny, &y, err);
    if (rc == 0 && y && ny.shape[0] != nx.shape[0])
        rc = dsk_seterr(err, DSK_EINVAL, "%s has %lld rows but %s has %lld labels", path,
                        (long long)nx.shape[0], lpath, (long long)ny.shape[0]);
    for (int64_t i = 0; rc == 0 && y && i < ny.shape[0]; i++)
        if (isnan(y[i]))
            rc = dsk_seterr(err, DSK_EINVAL, "%s: label %lld is NaN", lpath, (long long)i);
    if (rc) {
        free(x);
        free(y);
        return rc;
    }
    ml_dense_t *m = dsk_xcalloc(1, sizeof *m);
    m->nrows = nx.shape[0];
    m->ncols = nx.shape[1];
    m->data = x;
    ml_data_t *X = ml_data_from_dense(&m);
    ml_dataset_t *ds = ml_dataset_new(&X);
    if (y)
        ml_labels_encode_numeric(ds, y, ny.shape[0]);
    free(y);
    *out = ds;
    return DSK_OK;
}

/* ---- npz (a SciPy sparse matrix) ------------------------------------------ */

/* Member name of an .npz as a 1-D array of doubles. */
static int s_npz_array(const ml_zip_t *z, const char *path, const char *name, double **out,
                       int64_t *n, char *err)
{
    unsigned char *buf = NULL;
    size_t len;
    char what[4200];
    snprintf(what, sizeof what, "%s: %s", path, name);
    int rc = ml_zip_read(z, name, &buf, &len, err);
    ml_npy_t h;
    if (rc == 0)
        rc = ml_npy_decode(what, buf, len, 1, &h, out, err);
    if (rc == 0)
        *n = h.shape[0];
    free(buf);
    return rc;
}

/*
 * scipy.sparse.load_npz: csr, csc and coo matrices (coo's duplicates
 * summed, as tocsr() does), into CSR with sorted column indices.
 */
int ml_load_npz(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "labels_path", NULL};
    char path[4096], lpath[4096], fmt[8] = "";
    *out = NULL;
    int rc = ml_spec_check_keys(spec, "npz", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, path, sizeof path, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "labels_path", 0, lpath, sizeof lpath, err);
    ml_zip_t *z = NULL;
    if (rc == 0)
        rc = ml_zip_open(path, &z, err);
    if (rc == 0)
        rc = ml_npz_format(path, fmt, err);
    if (rc == 0 && strcmp(fmt, "csr") != 0 && strcmp(fmt, "csc") != 0 && strcmp(fmt, "coo") != 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a '%s' sparse matrix: save it as csr (X.tocsr())",
                        path, fmt);
    double *shape = NULL, *data = NULL, *a = NULL, *b = NULL;
    int64_t nshape = 0, ndata = 0, na = 0, nb = 0;
    int coo = strcmp(fmt, "coo") == 0;
    if (rc == 0)
        rc = s_npz_array(z, path, "shape.npy", &shape, &nshape, err);
    if (rc == 0 && nshape != 2)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: shape.npy: expected 2 numbers", path);
    if (rc == 0)
        rc = s_npz_array(z, path, "data.npy", &data, &ndata, err);
    if (rc == 0)
        rc = s_npz_array(z, path, coo ? "row.npy" : "indices.npy", &a, &na, err);
    if (rc == 0)
        rc = s_npz_array(z, path, coo ? "col.npy" : "indptr.npy", &b, &nb, err);
    ml_zip_destroy(&z);
    int64_t R = rc ? 0 : (int64_t)shape[0], C = rc ? 0 : (int64_t)shape[1];
    int64_t outer = strcmp(fmt, "csc") == 0 ? C : R, inner = strcmp(fmt, "csc") == 0 ? R : C;
    if (rc == 0 && (R < 1 || C < 0 || C > INT32_MAX || na != ndata ||
                    (coo ? nb != ndata : nb != outer + 1)))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: the sparse arrays do not agree with the shape "
                        "(%lld x %lld)", path, (long long)R, (long long)C);
    /* every index in range, every row's offsets in order */
    for (int64_t k = 0; rc == 0 && k < ndata; k++)
        if (coo ? !(a[k] >= 0 && a[k] < R && b[k] >= 0 && b[k] < C) : !(a[k] >= 0 && a[k] < inner))
            rc = dsk_seterr(err, DSK_EINVAL, "%s: index %lld is out of range", path, (long long)k);
    for (int64_t i = 0; rc == 0 && !coo && i < outer; i++)
        if (!(b[i] >= 0 && b[i] <= b[i + 1] && b[i + 1] <= ndata))
            rc = dsk_seterr(err, DSK_EINVAL, "%s: indptr is not in order at %lld", path,
                            (long long)i);
    ml_csr_t *m = NULL;
    if (rc == 0) {
        /* (row, col, value) triplets, sorted by row then column, duplicates summed */
        int64_t *row = dsk_xmalloc((size_t)(ndata + 1) * sizeof *row);
        int64_t *col = dsk_xmalloc((size_t)(ndata + 1) * sizeof *col);
        for (int64_t i = 0, k = 0; coo ? k < ndata : i < outer; i++) {
            if (coo) {
                row[k] = (int64_t)a[k];
                col[k] = (int64_t)b[k];
                k++;
                continue;
            }
            for (k = (int64_t)b[i]; k < (int64_t)b[i + 1]; k++) {
                int64_t o = i, in = (int64_t)a[k];
                row[k] = strcmp(fmt, "csc") == 0 ? in : o;
                col[k] = strcmp(fmt, "csc") == 0 ? o : in;
            }
        }
        int64_t *order = dsk_xmalloc((size_t)(ndata + 1) * sizeof *order);
        int64_t *key = dsk_xmalloc((size_t)(ndata + 1) * sizeof *key);
        for (int64_t k = 0; k < ndata; k++)
            key[k] = row[k] * C + col[k];
        ml_np_argsort_i64(key, order, ndata);
        int64_t nnz = 0;
        for (int64_t k = 0; k < ndata; k++)
            nnz += k == 0 || key[order[k]] != key[order[k - 1]];
        m = ml_csr_new(R, C, nnz);
        int64_t e = -1;
        for (int64_t k = 0; k < ndata; k++) {
            int64_t t = order[k];
            if (k == 0 || key[t] != key[order[k - 1]]) {
                e++;
                m->indices[e] = (int32_t)col[t];
                m->data[e] = 0;
                m->indptr[row[t] + 1]++;
            }
            m->data[e] += data[t];
        }
        for (int64_t i = 0; i < R; i++)
            m->indptr[i + 1] += m->indptr[i];
        free(row);
        free(col);
        free(order);
        free(key);
    }
    double *y = NULL;
    ml_npy_t ny;
    if (rc == 0 && lpath[0])
        rc = ml_npy_read(lpath, 1, &ny, &y, err);
    if (rc == 0 && y && ny.shape[0] != R)
        rc = dsk_seterr(err, DSK_EINVAL, "%s has %lld rows but %s has %lld labels", path,
                        (long long)R, lpath, (long long)ny.shape[0]);
    free(shape);
    free(data);
    free(a);
    free(b);
    if (rc) {
        ml_csr_destroy(&m);
        free(y);
        return rc;
    }
    ml_data_t *X = ml_data_from_csr(&m);
    ml_dataset_t *ds = ml_dataset_new(&X);
    if (y)
        ml_labels_encode_numeric(ds, y, R);
    free(y);
    *out = ds;
    return DSK_OK;
}
