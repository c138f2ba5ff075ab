/*
 * job_data.c — datasets and data as versioned msgpack (see job_data.h),
 * and the content keys that name them.
 *
 * Arrays travel as one bin of little-endian bytes each: compact, exact for
 * doubles (NaN payloads and -0.0 included) and one length to check instead
 * of a count per element. Every length is checked against what rows, cols
 * and nnz imply before anything is allocated, and CSR structure (indptr
 * monotone from 0 to nnz, indices inside the columns) before the matrix is
 * handed out, so a corrupt buffer never reaches an estimator.
 */
#include "job_data.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "dsk_alloc.h"
#include "dsk_mpcheck.h"
#include "ml_pack.h"

#define S_VERSION 1
#define S_MAX_DEPTH 8          /* dataset -> X -> docs -> bin is 4 */
#define S_CHUNK 8192           /* elements per conversion chunk when packing */
#define S_MAX_ROWS INT32_MAX   /* beyond any data a worker holds in one piece */
#define S_MAX_COLS INT32_MAX   /* CSR column ids are int32 */

/*
 * Values travel in the narrowest type that holds every one of them exactly:
 * bytes for small non-negative integers (pixels, counts), float32 where
 * each value survives the round trip, float64 otherwise. -0.0, NaN and
 * subnormals keep float64 (or float32) bits, so unpacking gives back the
 * same doubles bit for bit; only the bytes on the wire shrink (8x for the
 * digits).
 */
typedef enum { S_F8, S_F4, S_U1 } s_dtype_t;

static const char *const s_dtype_names[] = {"f8", "f4", "u1"};
static const size_t s_dtype_width[] = {8, 4, 1};

static s_dtype_t s_narrowest(const double *a, size_t n)
{
    size_t i = 0;
    for (; i < n; i++) {
        double v = a[i];
        if (!(v >= 0.0 && v <= 255.0 && v == (double)(uint8_t)v && !signbit(v)))
            break;
    }
    if (i == n)
        return S_U1;
    for (; i < n; i++)
        if ((double)(float)a[i] != a[i])
            return S_F8; /* NaN too: it never equals itself */
    return S_F4;
}

/* n doubles as a bin of dtype t (s_narrowest said they fit), little endian. */
static int s_pack_values(msgpack_packer *pk, const double *a, size_t n, s_dtype_t t)
{
    if (t == S_F8)
        return ml_pack_le(pk, a, n, 8);
    size_t w = s_dtype_width[t];
    if (n > UINT32_MAX / w)
        return DSK_ETOOBIG;
    if (msgpack_pack_bin(pk, n * w))
        return DSK_ENOMEM;
    unsigned char buf[S_CHUNK * 4];
    for (size_t at = 0; at < n; at += S_CHUNK) {
        size_t m = n - at < S_CHUNK ? n - at : S_CHUNK;
        if (t == S_U1) {
            for (size_t i = 0; i < m; i++)
                buf[i] = (unsigned char)a[at + i];
        } else {
            float f[S_CHUNK];
            for (size_t i = 0; i < m; i++)
                f[i] = (float)a[at + i];
            ml_le_copy(buf, f, m, 4);
        }
        if (msgpack_pack_bin_body(pk, buf, m * w))
            return DSK_ENOMEM;
    }
    return DSK_OK;
}

/* The "data" key and its values; with a "dtype" key first when narrower than float64. */
static int s_pack_data_field(msgpack_packer *pk, const double *a, size_t n, s_dtype_t t)
{
    if (t != S_F8 && (ml_pack_key(pk, "dtype") || ml_pack_key(pk, s_dtype_names[t])))
        return DSK_ENOMEM;
    return ml_pack_key(pk, "data") ? DSK_ENOMEM : s_pack_values(pk, a, n, t);
}

static int s_pack_int_field(msgpack_packer *pk, const char *key, int64_t v)
{
    return ml_pack_key(pk, key) || msgpack_pack_int64(pk, v) ? DSK_ENOMEM : DSK_OK;
}

static int s_pack_text(const ml_data_t *d, msgpack_packer *pk)
{
    if ((uint64_t)d->nrows > UINT32_MAX)
        return DSK_ETOOBIG;
    if (msgpack_pack_map(pk, 3) || ml_pack_key(pk, "kind") || ml_pack_key(pk, "text") ||
        s_pack_int_field(pk, "n", d->nrows) || ml_pack_key(pk, "docs") ||
        msgpack_pack_array(pk, (size_t)d->nrows))
        return DSK_ENOMEM;
    for (int64_t i = 0; i < d->nrows; i++) {
        size_t len = d->text.lens[i];
        if (len > UINT32_MAX)
            return DSK_ETOOBIG;
        if (msgpack_pack_bin(pk, len) || msgpack_pack_bin_body(pk, d->text.docs[i], len))
            return DSK_ENOMEM;
    }
    return DSK_OK;
}

int job_data_pack(const ml_data_t *d, msgpack_packer *pk)
{
    if (d->kind == ML_DATA_TEXT)
        return s_pack_text(d, pk);
    int dense = d->kind == ML_DATA_DENSE;
    if (!dense && d->kind != ML_DATA_CSR)
        return DSK_EINVAL;
    int64_t rows = dense ? d->dense->nrows : d->csr->nrows;
    int64_t cols = dense ? d->dense->ncols : d->csr->ncols;
    const double *values = dense ? d->dense->data : d->csr->data;
    size_t nvalues = dense ? (size_t)(rows * cols) : (size_t)ml_csr_nnz(d->csr);
    s_dtype_t t = s_narrowest(values, nvalues);
    if (msgpack_pack_map(pk, (dense ? 4 : 6) + (t != S_F8)) || ml_pack_key(pk, "kind") ||
        ml_pack_key(pk, dense ? "dense" : "csr") || s_pack_int_field(pk, "rows", rows) ||
        s_pack_int_field(pk, "cols", cols))
        return DSK_ENOMEM;
    if (dense)
        return s_pack_data_field(pk, values, nvalues, t);
    int rc = ml_pack_key(pk, "indptr") ? DSK_ENOMEM
                                       : ml_pack_le(pk, d->csr->indptr, (size_t)rows + 1, 8);
    if (rc == DSK_OK)
        rc = ml_pack_key(pk, "indices") ? DSK_ENOMEM
                                        : ml_pack_le(pk, d->csr->indices, nvalues, 4);
    return rc ? rc : s_pack_data_field(pk, values, nvalues, t);
}

/* A list of strings as an array of str (NULL list: nil). */
static int s_pack_strs(msgpack_packer *pk, char *const *s, int64_t n)
{
    if (!s)
        return msgpack_pack_nil(pk) ? DSK_ENOMEM : DSK_OK;
    if ((uint64_t)n > UINT32_MAX)
        return DSK_ETOOBIG;
    if (msgpack_pack_array(pk, (size_t)n))
        return DSK_ENOMEM;
    for (int64_t i = 0; i < n; i++)
        if (ml_pack_key(pk, s[i]))
            return DSK_ENOMEM;
    return DSK_OK;
}

int job_dataset_pack(const ml_dataset_t *ds, msgpack_sbuffer *sbuf)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    if (msgpack_pack_map(&pk, 7) || s_pack_int_field(&pk, "dsk_dataset", S_VERSION) ||
        ml_pack_key(&pk, "X"))
        return DSK_ENOMEM;
    int rc = job_data_pack(ds->X, &pk);
    if (rc)
        return rc;
    if (ml_pack_key(&pk, "y"))
        return DSK_ENOMEM;
    rc = ds->y ? ml_pack_le(&pk, ds->y, (size_t)ds->X->nrows, 4)
               : (msgpack_pack_nil(&pk) ? DSK_ENOMEM : DSK_OK);
    if (rc == DSK_OK)
        rc = s_pack_int_field(&pk, "n_classes", ds->n_classes);
    if (rc == DSK_OK)
        rc = s_pack_int_field(&pk, "labels_kind", ds->labels_kind);
    if (rc == DSK_OK)
        rc = ml_pack_key(&pk, "target_names") ? DSK_ENOMEM
                                              : s_pack_strs(&pk, ds->target_names,
                                                            ds->n_classes);
    if (rc == DSK_OK)
        rc = ml_pack_key(&pk, "filenames") ? DSK_ENOMEM
                                           : s_pack_strs(&pk, ds->filenames, ds->X->nrows);
    return rc;
}

/* The bin under key holding exactly n elements of width bytes, or NULL. */
static const msgpack_object *s_get_bin(const msgpack_object *o, const char *key, uint64_t n,
                                       size_t width)
{
    const msgpack_object *b = ml_unpack_get(o, key);
    if (!b || b->type != MSGPACK_OBJECT_BIN || n > UINT32_MAX / width ||
        (uint64_t)b->via.bin.size != n * width)
        return NULL;
    return b;
}

/* An integer field in [lo, hi]; the error names what, the field and the range. */
static int s_get_int(const msgpack_object *o, const char *key, int64_t lo, int64_t hi,
                     const char *what, int64_t *out, char *err)
{
    if (ml_unpack_int(ml_unpack_get(o, key), lo, hi, out) != 0)
        return dsk_seterr(err, DSK_EPROTO, "%s: \"%s\" is missing or not an integer in "
                          "[%lld, %lld]", what, key, (long long)lo, (long long)hi);
    return DSK_OK;
}

/* The "dtype" of o's values: float64 when absent. */
static int s_get_dtype(const msgpack_object *o, const char *what, s_dtype_t *t, char *err)
{
    const msgpack_object *d = ml_unpack_get(o, "dtype");
    *t = S_F8;
    if (!d)
        return DSK_OK;
    for (int i = 0; d->type == MSGPACK_OBJECT_STR && i < 3; i++)
        if (d->via.str.size == 2 && memcmp(d->via.str.ptr, s_dtype_names[i], 2) == 0) {
            *t = (s_dtype_t)i;
            return DSK_OK;
        }
    return dsk_seterr(err, DSK_EPROTO, "%s: \"dtype\" must be \"f8\", \"f4\" or \"u1\"", what);
}

/* n values of dtype t from a bin (already checked to hold n x width bytes) into doubles. */
static void s_unpack_values(double *out, const unsigned char *b, size_t n, s_dtype_t t)
{
    if (t == S_F8) {
        ml_le_copy(out, b, n, 8);
    } else if (t == S_U1) {
        for (size_t i = 0; i < n; i++)
            out[i] = b[i];
    } else {
        float f[S_CHUNK];
        for (size_t at = 0; at < n; at += S_CHUNK) {
            size_t m = n - at < S_CHUNK ? n - at : S_CHUNK;
            ml_le_copy(f, b + at * 4, m, 4);
            for (size_t i = 0; i < m; i++)
                out[at + i] = f[i];
        }
    }
}

static int s_bad_len(const char *what, const char *key, const char *implied, char *err)
{
    return dsk_seterr(err, DSK_EPROTO, "%s: \"%s\" is missing or not a bin of the %s bytes",
                      what, key, implied);
}

static int s_unpack_text(const msgpack_object *o, const char *what, ml_data_t **out,
                         char *err)
{
    int64_t n;
    int rc = s_get_int(o, "n", 0, S_MAX_ROWS, what, &n, err);
    if (rc)
        return rc;
    const msgpack_object *docs = ml_unpack_get(o, "docs");
    if (!docs || docs->type != MSGPACK_OBJECT_ARRAY || (int64_t)docs->via.array.size != n)
        return dsk_seterr(err, DSK_EPROTO, "%s: \"docs\" is missing or not an array of n=%lld "
                          "documents", what, (long long)n);
    for (int64_t i = 0; i < n; i++)
        if (docs->via.array.ptr[i].type != MSGPACK_OBJECT_BIN)
            return dsk_seterr(err, DSK_EPROTO, "%s: document %lld is not a bin", what,
                              (long long)i);
    ml_data_t *d = ml_data_new_text(n);
    for (int64_t i = 0; i < n; i++) {
        const msgpack_object_bin *b = &docs->via.array.ptr[i].via.bin;
        d->text.docs[i] = dsk_xmalloc((size_t)b->size + 1);
        memcpy(d->text.docs[i], b->ptr, b->size);
        d->text.docs[i][b->size] = '\0';
        d->text.lens[i] = b->size;
    }
    *out = d;
    return DSK_OK;
}

/* A matrix's "rows", "cols" and "dtype". */
static int s_get_shape(const msgpack_object *o, const char *what, int64_t *rows, int64_t *cols,
                       s_dtype_t *t, char *err)
{
    int rc = s_get_int(o, "rows", 0, S_MAX_ROWS, what, rows, err);
    if (rc == DSK_OK)
        rc = s_get_int(o, "cols", 0, S_MAX_COLS, what, cols, err);
    return rc ? rc : s_get_dtype(o, what, t, err);
}

static int s_unpack_dense(const msgpack_object *o, const char *what, ml_data_t **out,
                          char *err)
{
    int64_t rows, cols;
    s_dtype_t t;
    int rc = s_get_shape(o, what, &rows, &cols, &t, err);
    if (rc)
        return rc;
    uint64_t n = (uint64_t)rows * (uint64_t)cols; /* < 2^62: both below 2^31 */
    const msgpack_object *b = s_get_bin(o, "data", n, s_dtype_width[t]);
    if (!b) {
        char implied[64];
        snprintf(implied, sizeof implied, "%lld x %lld x %zu", (long long)rows,
                 (long long)cols, s_dtype_width[t]);
        return s_bad_len(what, "data", implied, err);
    }
    ml_dense_t *m = ml_dense_new(rows, cols);
    s_unpack_values(m->data, (const unsigned char *)b->via.bin.ptr, (size_t)n, t);
    *out = ml_data_from_dense(&m);
    return DSK_OK;
}

/* indptr monotone from 0 to nnz, every column id inside [0, cols). */
static int s_check_csr(const ml_csr_t *m, int64_t nnz, const char *what, char *err)
{
    if (m->indptr[0] != 0 || m->indptr[m->nrows] != nnz)
        return dsk_seterr(err, DSK_EPROTO, "%s: indptr must run from 0 to nnz=%lld, got %lld "
                          "to %lld", what, (long long)nnz, (long long)m->indptr[0],
                          (long long)m->indptr[m->nrows]);
    for (int64_t r = 0; r < m->nrows; r++)
        if (m->indptr[r + 1] < m->indptr[r])
            return dsk_seterr(err, DSK_EPROTO, "%s: indptr decreases at row %lld", what,
                              (long long)r);
    for (int64_t k = 0; k < nnz; k++)
        if (m->indices[k] < 0 || m->indices[k] >= m->ncols)
            return dsk_seterr(err, DSK_EPROTO, "%s: column index %d at %lld is outside "
                              "[0, %lld)", what, (int)m->indices[k], (long long)k,
                              (long long)m->ncols);
    return DSK_OK;
}

static int s_unpack_csr(const msgpack_object *o, const char *what, ml_data_t **out,
                        char *err)
{
    int64_t rows, cols;
    s_dtype_t t;
    int rc = s_get_shape(o, what, &rows, &cols, &t, err);
    if (rc)
        return rc;
    const msgpack_object *ip = s_get_bin(o, "indptr", (uint64_t)rows + 1, 8);
    if (!ip)
        return s_bad_len(what, "indptr", "(rows + 1) x 8", err);
    const msgpack_object *ix = ml_unpack_get(o, "indices");
    if (!ix || ix->type != MSGPACK_OBJECT_BIN || ix->via.bin.size % 4 != 0)
        return s_bad_len(what, "indices", "nnz x 4", err);
    uint64_t nnz = ix->via.bin.size / 4;
    const msgpack_object *dv = s_get_bin(o, "data", nnz, s_dtype_width[t]);
    if (!dv) {
        char implied[64];
        snprintf(implied, sizeof implied, "nnz x %zu (nnz from indices)", s_dtype_width[t]);
        return s_bad_len(what, "data", implied, err);
    }
    ml_csr_t *m = ml_csr_new(rows, cols, (int64_t)nnz);
    ml_le_copy(m->indptr, ip->via.bin.ptr, (size_t)rows + 1, 8);
    ml_le_copy(m->indices, ix->via.bin.ptr, (size_t)nnz, 4);
    s_unpack_values(m->data, (const unsigned char *)dv->via.bin.ptr, (size_t)nnz, t);
    rc = s_check_csr(m, (int64_t)nnz, what, err);
    if (rc) {
        ml_csr_destroy(&m);
        return rc;
    }
    *out = ml_data_from_csr(&m);
    return DSK_OK;
}

int job_data_unpack_obj(const msgpack_object *o, const char *what, ml_data_t **out, char *err)
{
    *out = NULL;
    what = what ? what : "data";
    const msgpack_object *k = ml_unpack_get(o, "kind");
    if (!k || k->type != MSGPACK_OBJECT_STR)
        return dsk_seterr(err, DSK_EPROTO, "%s: not data (no \"kind\")", what);
    static const char *const kinds[] = {"text", "dense", "csr"};
    for (int i = 0; i < 3; i++) {
        if (k->via.str.size != strlen(kinds[i]) ||
            memcmp(k->via.str.ptr, kinds[i], k->via.str.size) != 0)
            continue;
        return i == 0 ? s_unpack_text(o, what, out, err)
             : i == 1 ? s_unpack_dense(o, what, out, err)
                      : s_unpack_csr(o, what, out, err);
    }
    return dsk_seterr(err, DSK_EPROTO, "%s: unknown data kind '%.*s' (expected text, dense "
                      "or csr)", what, (int)(k->via.str.size < 32 ? k->via.str.size : 32),
                      k->via.str.ptr);
}

/* n strings copied out of an array of str; NULL when it is anything else. */
static char **s_unpack_strs(const msgpack_object *o, int64_t n)
{
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || (int64_t)o->via.array.size != n)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        const msgpack_object *s = &o->via.array.ptr[i];
        if (s->type != MSGPACK_OBJECT_STR || memchr(s->via.str.ptr, 0, s->via.str.size))
            return NULL;
    }
    char **out = dsk_xcalloc((size_t)n, sizeof *out);
    for (int64_t i = 0; i < n; i++)
        out[i] = dsk_xstrndup(o->via.array.ptr[i].via.str.ptr, o->via.array.ptr[i].via.str.size);
    return out;
}

/* y: nil, or a bin of nrows int32 labels, each in [0, n_classes). */
static int s_unpack_labels(const msgpack_object *o, ml_dataset_t *ds, const char *what,
                           char *err)
{
    const msgpack_object *y = ml_unpack_get(o, "y");
    if (y && y->type == MSGPACK_OBJECT_NIL)
        return DSK_OK;
    const msgpack_object *b = s_get_bin(o, "y", (uint64_t)ds->X->nrows, 4);
    if (!b)
        return s_bad_len(what, "y", "rows x 4", err);
    ds->y = dsk_xcalloc((size_t)ds->X->nrows, sizeof *ds->y);
    ml_le_copy(ds->y, b->via.bin.ptr, (size_t)ds->X->nrows, 4);
    for (int64_t i = 0; i < ds->X->nrows; i++)
        if (ds->y[i] < 0 || ds->y[i] >= ds->n_classes)
            return dsk_seterr(err, DSK_EPROTO, "%s: label %d of row %lld is outside [0, "
                              "n_classes=%d)", what, (int)ds->y[i], (long long)i,
                              (int)ds->n_classes);
    return DSK_OK;
}

/* The fields after the version: X, n_classes and its names, y, filenames. */
static int s_unpack_dataset(const msgpack_object *o, const char *what, ml_dataset_t *ds,
                            char *err)
{
    char sub[DSK_ERR_LEN];
    int64_t k;
    int rc = job_data_unpack_obj(ml_unpack_get(o, "X"), "X", &ds->X, sub);
    if (rc)
        return dsk_seterr(err, rc, "%s: %s", what, sub);
    if ((rc = s_get_int(o, "n_classes", 0, INT32_MAX, what, &k, err)) != 0)
        return rc;
    /* data without labels (a predict input) has no classes and nil names */
    const msgpack_object *names = ml_unpack_get(o, "target_names");
    int unnamed = k == 0 && names && names->type == MSGPACK_OBJECT_NIL;
    ds->target_names = unnamed ? NULL : s_unpack_strs(names, k);
    if (!ds->target_names && !unnamed)
        return dsk_seterr(err, DSK_EPROTO, "%s: \"target_names\" is missing or not an array "
                          "of n_classes=%lld strings", what, (long long)k);
    ds->n_classes = (int32_t)k;
    int64_t kind = ML_LABELS_CODES; /* absent: codes */
    if (ml_unpack_get(o, "labels_kind") &&
        (rc = s_get_int(o, "labels_kind", ML_LABELS_CODES, ML_LABELS_TEXTS, what, &kind, err)))
        return rc;
    ds->labels_kind = (ml_labels_kind_t)kind;
    if ((rc = s_unpack_labels(o, ds, what, err)) != 0)
        return rc;
    const msgpack_object *fn = ml_unpack_get(o, "filenames");
    if (fn && fn->type == MSGPACK_OBJECT_NIL)
        return DSK_OK;
    ds->filenames = s_unpack_strs(fn, ds->X->nrows);
    if (!ds->filenames)
        return dsk_seterr(err, DSK_EPROTO, "%s: \"filenames\" is neither nil nor an array of "
                          "one string per row", what);
    return DSK_OK;
}

/* Raw bytes as a msgpack object (dsk_mp_unpack); it points into buf, so fn copies out what
   it keeps. */
typedef int (*s_decode_fn)(const msgpack_object *o, const char *what, void *out, char *err);

static int s_decode(const void *buf, size_t len, const char *what, s_decode_fn fn, void *out,
                    char *err)
{
    char sub[DSK_ERR_LEN];
    msgpack_unpacked up;
    int rc = dsk_mp_unpack(buf, len, S_MAX_DEPTH, len + 1, &up, sub);
    if (rc)
        rc = dsk_seterr(err, rc, "%s is truncated or corrupt: %s", what, sub);
    else
        rc = fn(&up.data, what, out, err);
    msgpack_unpacked_destroy(&up);
    return rc;
}

static int s_decode_dataset(const msgpack_object *o, const char *what, void *out, char *err)
{
    const msgpack_object *ver = ml_unpack_get(o, "dsk_dataset");
    if (!ver)
        return dsk_seterr(err, DSK_ENOTDSK, "%s is not a dsk dataset (no \"dsk_dataset\")",
                          what);
    int64_t v;
    if (ml_unpack_int(ver, 0, INT64_MAX, &v) != 0 || v != S_VERSION)
        return dsk_seterr(err, DSK_EVERSION, "%s: dataset format version is not %d, the one "
                          "this dsk reads", what, S_VERSION);
    ml_dataset_t *ds = dsk_xcalloc(1, sizeof *ds);
    int rc = s_unpack_dataset(o, what, ds, err);
    if (rc) { /* n_classes is set only with its names, filenames only with X */
        ml_dataset_destroy(&ds);
        return rc;
    }
    *(ml_dataset_t **)out = ds;
    return DSK_OK;
}

static int s_decode_data(const msgpack_object *o, const char *what, void *out, char *err)
{
    return job_data_unpack_obj(o, what, out, err);
}

int job_dataset_unpack(const void *buf, size_t len, const char *what, ml_dataset_t **out,
                      char *err)
{
    *out = NULL;
    return s_decode(buf, len, what ? what : "dataset", s_decode_dataset, out, err);
}

int job_data_unpack(const void *buf, size_t len, const char *what, ml_data_t **out, char *err)
{
    *out = NULL;
    return s_decode(buf, len, what ? what : "data", s_decode_data, out, err);
}

size_t job_data_bytes(const ml_data_t *d)
{
    size_t n = sizeof *d, rows = (size_t)d->nrows;
    if (d->kind == ML_DATA_TEXT) {
        n += rows * (sizeof *d->text.docs + sizeof *d->text.lens);
        for (size_t i = 0; i < rows; i++)
            n += d->text.lens[i] + 1;
    } else if (d->kind == ML_DATA_DENSE) {
        n += sizeof *d->dense + (size_t)(d->dense->nrows * d->dense->ncols) * sizeof(double);
    } else if (d->kind == ML_DATA_CSR) {
        size_t nnz = (size_t)ml_csr_nnz(d->csr);
        n += sizeof *d->csr + ((size_t)d->csr->nrows + 1) * sizeof(int64_t) +
             nnz * (sizeof(int32_t) + sizeof(double));
    }
    return n;
}

size_t job_dataset_bytes(const ml_dataset_t *ds)
{
    size_t n = sizeof *ds + job_data_bytes(ds->X), rows = (size_t)ds->X->nrows;
    if (ds->y)
        n += rows * sizeof *ds->y;
    for (int32_t k = 0; k < ds->n_classes; k++)
        n += sizeof(char *) + strlen(ds->target_names[k]) + 1;
    for (size_t i = 0; ds->filenames && i < rows; i++)
        n += sizeof(char *) + strlen(ds->filenames[i]) + 1;
    return n;
}

/* XXH3-128 in its canonical order (high 64 bits first), as xxhsum -H2 prints it. */
void job_content_key(const void *buf, size_t len, char *key)
{
    XXH128_hash_t h = XXH3_128bits(buf, len);
    snprintf(key, JOB_KEY_LEN + 1, "%016llx%016llx", (unsigned long long)h.high64,
             (unsigned long long)h.low64);
}

int64_t job_dataset_rows(const void *buf, size_t len)
{
    msgpack_unpacked u;
    char why[DSK_ERR_LEN];
    int64_t rows = -1, v;
    /* a text chunk is one object a document: as many objects as bytes at most */
    if (dsk_mp_unpack(buf, len, 8, len + 1, &u, why) == 0 && u.data.type == MSGPACK_OBJECT_MAP) {
        const msgpack_object *x = ml_unpack_get(&u.data, "X");
        if (x && x->type == MSGPACK_OBJECT_MAP &&
            (ml_unpack_int(ml_unpack_get(x, "rows"), 0, S_MAX_ROWS, &v) == 0 ||
             ml_unpack_int(ml_unpack_get(x, "n"), 0, S_MAX_ROWS, &v) == 0))
            rows = v;
    }
    msgpack_unpacked_destroy(&u);
    return rows;
}
