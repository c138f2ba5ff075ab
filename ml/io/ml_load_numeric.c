/* ml_load_numeric.c — svmlight/libsvm text into CSR; NumPy .npy into dense X. */
#include "ml_load_numeric.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_load_util.h"

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

static int s_svm_read(const char *path, s_svm_t *s, char *err)
{
    char *buf;
    size_t len;
    int rc = ml_read_file(path, &buf, &len, err);
    if (rc)
        return rc;
    memset(s, 0, sizeof *s);
    s->min_idx = INT64_MAX;
    s->max_idx = -1;
    s->indptr = dsk_xcalloc(1, sizeof *s->indptr);
    int64_t lineno = 0;
    for (size_t pos = 0; pos < len && rc <= 0;) {
        const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        const char *hash = memchr(line, '#', n);
        pos += n + 1;
        lineno++;
        rc = s_svm_line(path, lineno, line, hash ? hash : line + n, s, err);
        rc = rc > 0 ? 0 : rc;
    }
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

/* ---- npy ----------------------------------------------------------------- */

typedef struct {
    char descr[8];
    int64_t shape[2];
    int ndim;
    size_t itemsize;
    size_t data_off;
} s_npy_t;

/* The value after 'key': in the header dict, or NULL. */
static const char *s_dict_value(const char *h, const char *key)
{
    const char *k = strstr(h, key);
    if (!k)
        return NULL;
    k += strlen(key);
    while (*k == ' ')
        k++;
    if (*k != ':')
        return NULL;
    k++;
    while (*k == ' ')
        k++;
    return k;
}

/*
 * The header: magic, version, length, then a Python dict literal with
 * descr, fortran_order and shape. Everything dsk cannot read exactly is
 * an error naming it.
 */
static int s_npy_header(const char *path, const unsigned char *b, size_t len, s_npy_t *n,
                        char *err)
{
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: not a .npy file (bad magic)", path);
    size_t hl, off;
    if (b[6] == 1) {
        hl = (size_t)b[8] | (size_t)b[9] << 8;
        off = 10;
    } else if (b[6] == 2 || b[6] == 3) {
        if (len < 12)
            return dsk_seterr(err, DSK_EINVAL, "%s: truncated header", path);
        hl = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        off = 12;
    } else
        return dsk_seterr(err, DSK_EINVAL, "%s: .npy format version %u.%u is not supported",
                          path, b[6], b[7]);
    if (hl > len - off)
        return dsk_seterr(err, DSK_EINVAL, "%s: truncated header: expected %zu bytes, got %zu",
                          path, off + hl, len);
    char *h = dsk_xstrndup((const char *)b + off, hl);
    const char *d = s_dict_value(h, "'descr'"), *f = s_dict_value(h, "'fortran_order'"),
               *s = s_dict_value(h, "'shape'");
    int rc = DSK_OK;
    static const char *const types[] = {"<f8", "<f4", "<i8", "<i4", "|u1", NULL};
    static const size_t sizes[] = {8, 4, 8, 4, 1};
    memset(n, 0, sizeof *n);
    if (!d || !f || !s || *d != '\'' || *s != '(')
        rc = dsk_seterr(err, DSK_EINVAL, "%s: bad .npy header '%s'", path, h);
    else if (strncmp(f, "False", 5) != 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: Fortran-order arrays are not supported (save a "
                        "C-order array)", path);
    for (int i = 0; rc == 0 && types[i]; i++)
        if (strncmp(d + 1, types[i], 3) == 0 && d[4] == '\'') {
            memcpy(n->descr, types[i], 4);
            n->itemsize = sizes[i];
        }
    if (rc == 0 && !n->itemsize)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: dtype %.*s is not supported (<f8, <f4, <i8, "
                        "<i4, |u1)", path, (int)strcspn(d + 1, "'") + 2, d);
    for (const char *p = s + 1; rc == 0 && *p != ')';) {
        char *e;
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        long long v = strtoll(p, &e, 10);
        if (e == p || v < 0 || n->ndim == 2)
            rc = dsk_seterr(err, DSK_EINVAL, "%s: shape %.40s is not supported (1-D or 2-D)",
                            path, s);
        else
            n->shape[n->ndim++] = v;
        p = e;
    }
    n->data_off = off + hl;
    free(h);
    return rc;
}

/* Converts count items of type n->descr at p into doubles. */
static void s_npy_convert(const s_npy_t *n, const unsigned char *p, size_t count, double *out)
{
    for (size_t i = 0; i < count; i++, p += n->itemsize) {
        if (strcmp(n->descr, "<f8") == 0) {
            memcpy(&out[i], p, 8);
        } else if (strcmp(n->descr, "<f4") == 0) {
            float f;
            memcpy(&f, p, 4);
            out[i] = f;
        } else if (strcmp(n->descr, "<i8") == 0) {
            int64_t v;
            memcpy(&v, p, 8);
            out[i] = (double)v;
        } else if (strcmp(n->descr, "<i4") == 0) {
            int32_t v;
            memcpy(&v, p, 4);
            out[i] = v;
        } else {
            out[i] = p[0];
        }
    }
}

/* A whole .npy of ndim dimensions as doubles (*out malloc'd). */
static int s_npy_read(const char *path, int ndim, s_npy_t *n, double **out, char *err)
{
    char *buf;
    size_t len;
    int rc = ml_read_file(path, &buf, &len, err);
    if (rc)
        return rc;
    rc = s_npy_header(path, (const unsigned char *)buf, len, n, err);
    if (rc == 0 && n->ndim != ndim)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a %d-D array, got %d-D", path, ndim,
                        n->ndim);
    uint64_t count = ndim == 2 ? (uint64_t)n->shape[0] * (uint64_t)n->shape[1]
                               : (uint64_t)n->shape[0];
    if (rc == 0 && (n->shape[0] == 0 || count > (uint64_t)1 << 40))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: %s array", path, n->shape[0] ? "too large an"
                                                                          : "an empty");
    if (rc == 0 && len - n->data_off < count * n->itemsize)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: truncated: expected %llu data bytes after the "
                        "%zu-byte header, got %zu", path,
                        (unsigned long long)(count * n->itemsize), n->data_off,
                        len - n->data_off);
    if (rc == 0) {
        *out = dsk_xmalloc((size_t)count * sizeof **out);
        s_npy_convert(n, (const unsigned char *)buf + n->data_off, (size_t)count, *out);
    }
    free(buf);
    return rc;
}

int ml_load_npy(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "labels_path", NULL};
    char path[4096], lpath[4096];
    s_npy_t nx, ny;
    double *x = NULL, *y = NULL;
    *out = NULL;
    int rc = ml_spec_check_keys(spec, "npy", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, path, sizeof path, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "labels_path", 1, lpath, sizeof lpath, err);
    if (rc == 0)
        rc = s_npy_read(path, 2, &nx, &x, err);
    if (rc == 0)
        rc = s_npy_read(lpath, 1, &ny, &y, err);
    if (rc == 0 && ny.shape[0] != nx.shape[0])
        rc = dsk_seterr(err, DSK_EINVAL, "%s has %lld rows but %s has %lld labels", path,
                        (long long)nx.shape[0], lpath, (long long)ny.shape[0]);
    for (int64_t i = 0; rc == 0 && i < ny.shape[0]; i++)
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
    ml_labels_encode_numeric(ds, y, ny.shape[0]);
    free(y);
    *out = ds;
    return DSK_OK;
}
