/* ml_tfidf.c — TfidfTransformer and TfidfVectorizer. */
#include "ml_tfidf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_count_vectorizer.h"
#include "ml_param.h"

enum { S_NORM_NONE = 0, S_NORM_L1 = 1, S_NORM_L2 = 2 };

typedef struct {
    const char *est;
    int norm, use_idf, smooth_idf, sublinear_tf;
    int64_t n_features; /* fitted: > 0 */
    double *idf;        /* n_features, when use_idf */
} s_tt_t;

static const char *const s_tt_names[] = {"norm", "use_idf", "smooth_idf", "sublinear_tf", NULL};

static void *s_tt_create(void)
{
    s_tt_t *m = dsk_xcalloc(1, sizeof *m);
    m->est = "TfidfTransformer";
    m->norm = S_NORM_L2;
    m->use_idf = m->smooth_idf = 1;
    return m;
}

static void s_tt_destroy(void *impl)
{
    s_tt_t *m = impl;
    if (!m)
        return;
    free(m->idf);
    free(m);
}

/* The four tf-idf parameters; 1 when name is not one of them. */
static int s_tt_set(s_tt_t *m, const char *name, const ml_value_t *v, char *err)
{
    if (strcmp(name, "norm") == 0) {
        static const char *const norms[] = {"l1", "l2", NULL};
        int k;
        if (ml_param_is_none(v)) {
            m->norm = S_NORM_NONE;
            return 0;
        }
        int rc = ml_param_enum(v, m->est, name, norms, &k, err);
        if (rc == 0)
            m->norm = k == 0 ? S_NORM_L1 : S_NORM_L2;
        return rc;
    }
    if (strcmp(name, "use_idf") == 0)
        return ml_param_bool(v, m->est, name, &m->use_idf, err);
    if (strcmp(name, "smooth_idf") == 0)
        return ml_param_bool(v, m->est, name, &m->smooth_idf, err);
    if (strcmp(name, "sublinear_tf") == 0)
        return ml_param_bool(v, m->est, name, &m->sublinear_tf, err);
    return 1;
}

static int s_tt_get(const s_tt_t *m, const char *name, ml_value_t *out)
{
    if (strcmp(name, "norm") == 0)
        *out = m->norm == S_NORM_NONE ? ml_value_none()
                                      : ml_value_string(m->norm == S_NORM_L1 ? "l1" : "l2");
    else if (strcmp(name, "use_idf") == 0)
        *out = ml_value_bool(m->use_idf);
    else if (strcmp(name, "smooth_idf") == 0)
        *out = ml_value_bool(m->smooth_idf);
    else if (strcmp(name, "sublinear_tf") == 0)
        *out = ml_value_bool(m->sublinear_tf);
    else
        return 1;
    return 0;
}

static int s_tt_set_param(void *impl, const char *name, const ml_value_t *v, char *err)
{
    s_tt_t *m = impl;
    int rc = s_tt_set(m, name, v, err);
    return rc <= 0 ? rc : ml_param_unknown(m->est, name, s_tt_names, err);
}

static int s_tt_get_param(const void *impl, const char *name, ml_value_t *out, char *err)
{
    const s_tt_t *m = impl;
    return s_tt_get(m, name, out) == 0 ? 0 : ml_param_unknown(m->est, name, s_tt_names, err);
}

/* idf from document frequencies (stored entries per column, as np.bincount). */
static int s_tt_fit_csr(s_tt_t *m, const ml_csr_t *X)
{
    free(m->idf);
    m->idf = NULL;
    m->n_features = X->ncols;
    if (!m->use_idf)
        return 0;
    int64_t *df = dsk_xcalloc((size_t)X->ncols + 1, sizeof *df);
    m->idf = dsk_xmalloc(((size_t)X->ncols + 1) * sizeof *m->idf);
    for (int64_t k = 0; k < ml_csr_nnz(X); k++)
        df[X->indices[k]]++;
    double n = (double)(X->nrows + m->smooth_idf);
    for (int64_t j = 0; j < X->ncols; j++)
        m->idf[j] = log(n / ((double)df[j] + (double)m->smooth_idf)) + 1.0;
    free(df);
    return 0;
}

static int s_tt_fit(void *impl, const ml_data_t *X, const int32_t *y, char *err)
{
    s_tt_t *m = impl;
    if (X->kind != ML_DATA_CSR)
        return dsk_seterr(err, DSK_EINVAL, "%s: expected a sparse matrix, got %s", m->est,
                          ml_data_kind_name(X->kind));
    return s_tt_fit_csr(m, X->csr);
}

void ml_csr_normalize_rows(ml_csr_t *X, int norm)
{
    for (int64_t i = 0; i < X->nrows; i++) {
        double s = 0.0;
        for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++)
            s += norm == S_NORM_L2 ? X->data[k] * X->data[k] : fabs(X->data[k]);
        if (s == 0.0)
            continue;
        if (norm == S_NORM_L2)
            s = sqrt(s);
        for (int64_t k = X->indptr[i]; k < X->indptr[i + 1]; k++)
            X->data[k] /= s;
    }
}

/*
 * transform(): tf -> 1 + ln(tf) when sublinear, times idf (X * diag(idf):
 * scipy drops products that are exactly zero), then the row norm.
 */
/* The transform on Y itself (sublinear tf, idf, norm), zeros dropped in place. */
static int s_tt_apply(const s_tt_t *m, ml_csr_t *Y, char *err)
{
    if (!m->n_features)
        return dsk_seterr(err, DSK_ESTATE, "%s: not fitted: call fit first", m->est);
    if (Y->ncols != m->n_features)
        return dsk_seterr(err, DSK_EINVAL, "%s: X has %lld features, but was fitted with %lld",
                          m->est, (long long)Y->ncols, (long long)m->n_features);
    if (m->sublinear_tf)
        for (int64_t k = 0; k < ml_csr_nnz(Y); k++)
            Y->data[k] = log(Y->data[k]) + 1.0;
    if (m->use_idf) {
        int64_t o = 0, start = 0;
        for (int64_t i = 0; i < Y->nrows; i++) {
            int64_t end = Y->indptr[i + 1];
            for (int64_t k = start; k < end; k++) {
                double v = Y->data[k] * m->idf[Y->indices[k]];
                if (v != 0.0) {
                    Y->indices[o] = Y->indices[k];
                    Y->data[o++] = v;
                }
            }
            Y->indptr[i + 1] = o;
            start = end;
        }
    }
    if (m->norm != S_NORM_NONE)
        ml_csr_normalize_rows(Y, m->norm);
    return 0;
}

int ml_tfidf_transform_csr(const void *impl, const ml_csr_t *X, ml_csr_t **out, char *err)
{
    const s_tt_t *m = impl;
    if (!m->n_features)
        return dsk_seterr(err, DSK_ESTATE, "%s: not fitted: call fit first", m->est);
    ml_csr_t *Y = ml_csr_copy(X);
    int rc = s_tt_apply(m, Y, err);
    if (rc)
        ml_csr_destroy(&Y);
    *out = Y;
    return rc;
}

/* transform_inplace: the caller's matrix becomes its TF-IDF, with no copy. */
static int s_tt_transform_inplace(const void *impl, ml_data_t *X, char *err)
{
    const s_tt_t *m = impl;
    if (X->kind != ML_DATA_CSR)
        return dsk_seterr(err, DSK_EINVAL, "%s: expected a sparse matrix, got %s", m->est,
                          ml_data_kind_name(X->kind));
    return s_tt_apply(m, X->csr, err);
}

static int s_tt_transform(const void *impl, const ml_data_t *X, ml_data_t **out, char *err)
{
    const s_tt_t *m = impl;
    if (X->kind != ML_DATA_CSR)
        return dsk_seterr(err, DSK_EINVAL, "%s: expected a sparse matrix, got %s", m->est,
                          ml_data_kind_name(X->kind));
    ml_csr_t *Y = NULL;
    int rc = ml_tfidf_transform_csr(m, X->csr, &Y, err);
    if (rc == 0)
        *out = ml_data_from_csr(&Y);
    return rc;
}

/* State: {"n_features_in_": n, "idf_": [..] or nil}. */
static int s_tt_save(const void *impl, msgpack_packer *pk, char *err)
{
    const s_tt_t *m = impl;
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "n_features_in_", 14);
    msgpack_pack_int64(pk, m->n_features);
    msgpack_pack_str_with_body(pk, "idf_", 4);
    if (!m->idf)
        return msgpack_pack_nil(pk);
    msgpack_pack_array(pk, (size_t)m->n_features);
    for (int64_t j = 0; j < m->n_features; j++)
        msgpack_pack_double(pk, m->idf[j]);
    return 0;
}

static const msgpack_object *s_get(const msgpack_object *o, const char *key)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
            memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
            return &o->via.map.ptr[i].val;
    }
    return NULL;
}

static int s_tt_load(void *impl, const msgpack_object *obj, char *err)
{
    s_tt_t *m = impl;
    const msgpack_object *n = s_get(obj, "n_features_in_"), *idf = s_get(obj, "idf_");
    if (!n || n->type != MSGPACK_OBJECT_POSITIVE_INTEGER || !idf)
        return dsk_seterr(err, DSK_EPROTO, "%s: model state lacks n_features_in_ or idf_", m->est);
    free(m->idf);
    m->idf = NULL;
    m->n_features = (int64_t)n->via.u64;
    if (idf->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (idf->type != MSGPACK_OBJECT_ARRAY || (int64_t)idf->via.array.size != m->n_features)
        return dsk_seterr(err, DSK_EPROTO, "%s: idf_ is not %lld floats", m->est,
                          (long long)m->n_features);
    m->idf = dsk_xmalloc(((size_t)m->n_features + 1) * sizeof *m->idf);
    for (int64_t j = 0; j < m->n_features; j++) {
        const msgpack_object *v = &idf->via.array.ptr[j];
        if (v->type != MSGPACK_OBJECT_FLOAT64 && v->type != MSGPACK_OBJECT_FLOAT32)
            return dsk_seterr(err, DSK_EPROTO, "%s: idf_[%lld] is not a float", m->est,
                              (long long)j);
        m->idf[j] = v->via.f64;
    }
    return 0;
}

const ml_estimator_ops_t ml_tfidf_transformer_ops = {
    .name = "TfidfTransformer",
    .role = ML_TRANSFORMER,
    .param_names = s_tt_names,
    .create = s_tt_create,
    .destroy = s_tt_destroy,
    .set_param = s_tt_set_param,
    .get_param = s_tt_get_param,
    .fit = s_tt_fit,
    .transform = s_tt_transform,
    .transform_inplace = s_tt_transform_inplace,
    .save = s_tt_save,
    .load = s_tt_load,
};

/* --------------------------------------------------------- TfidfVectorizer */

typedef struct {
    void *cv;   /* CountVectorizer */
    s_tt_t *tt;
} s_tv_t;

static const char *const s_tv_names[] = {
    "input", "encoding", "decode_error", "strip_accents", "lowercase", "preprocessor",
    "tokenizer", "stop_words", "token_pattern", "ngram_range", "analyzer", "max_df",
    "min_df", "max_features", "vocabulary", "binary", "dtype", "norm", "use_idf",
    "smooth_idf", "sublinear_tf", NULL};

void *ml_tfidf_vectorizer_transformer(void *impl) { return ((s_tv_t *)impl)->tt; }
void *ml_tfidf_vectorizer_counter(void *impl) { return ((s_tv_t *)impl)->cv; }

static void *s_tv_create(void)
{
    s_tv_t *m = dsk_xcalloc(1, sizeof *m);
    m->cv = ml_count_vectorizer_ops.create();
    ml_count_vectorizer_set_est_name(m->cv, "TfidfVectorizer");
    m->tt = s_tt_create();
    m->tt->est = "TfidfVectorizer";
    return m;
}

static void s_tv_destroy(void *impl)
{
    s_tv_t *m = impl;
    if (!m)
        return;
    ml_count_vectorizer_ops.destroy(m->cv);
    s_tt_destroy(m->tt);
    free(m);
}

static int s_tv_set_param(void *impl, const char *name, const ml_value_t *v, char *err)
{
    s_tv_t *m = impl;
    int rc = s_tt_set(m->tt, name, v, err);
    if (rc <= 0)
        return rc;
    if (strcmp(name, "dtype") == 0) {
        if (v->type == ML_V_STRING && strcmp(v->u.s, "float64") == 0)
            return 0;
        return ml_param_unsupported("TfidfVectorizer", name, v, err);
    }
    rc = ml_count_vectorizer_ops.set_param(m->cv, name, v, err);
    if (rc != 0 && strstr(err, "has no parameter"))
        return ml_param_unknown("TfidfVectorizer", name, s_tv_names, err);
    return rc;
}

static int s_tv_get_param(const void *impl, const char *name, ml_value_t *out, char *err)
{
    const s_tv_t *m = impl;
    if (s_tt_get(m->tt, name, out) == 0)
        return 0;
    if (strcmp(name, "dtype") == 0) {
        *out = ml_value_string("float64");
        return 0;
    }
    for (size_t i = 0; s_tv_names[i]; i++)
        if (strcmp(s_tv_names[i], name) == 0)
            return ml_count_vectorizer_ops.get_param(m->cv, name, out, err);
    return ml_param_unknown("TfidfVectorizer", name, s_tv_names, err);
}

/* CountVectorizer's fit_transform (one tokenization), then the transformer. */
static int s_tv_fit(void *impl, const ml_data_t *X, const int32_t *y, char *err)
{
    s_tv_t *m = impl;
    ml_doc_counts_t *c = ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(m->cv), X, err);
    if (!c)
        return DSK_EINVAL;
    ml_csr_t *counts = NULL;
    int rc = ml_count_vectorizer_fit_counts(m->cv, c, NULL, 0, &counts, err);
    ml_doc_counts_destroy(&c);
    if (rc == 0)
        rc = s_tt_fit_csr(m->tt, counts);
    ml_csr_destroy(&counts);
    return rc;
}

static int s_tv_transform(const void *impl, const ml_data_t *X, ml_data_t **out, char *err)
{
    const s_tv_t *m = impl;
    ml_data_t *counts = NULL;
    int rc = ml_count_vectorizer_ops.transform(m->cv, X, &counts, err);
    if (rc)
        return rc;
    ml_csr_t *Y = NULL;
    rc = ml_tfidf_transform_csr(m->tt, counts->csr, &Y, err);
    ml_data_destroy(&counts);
    if (rc == 0)
        *out = ml_data_from_csr(&Y);
    return rc;
}

/* State: {"count": CountVectorizer's state, "tfidf": the transformer's}. */
static int s_tv_save(const void *impl, msgpack_packer *pk, char *err)
{
    const s_tv_t *m = impl;
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "count", 5);
    int rc = ml_count_vectorizer_ops.save(m->cv, pk, err);
    if (rc)
        return rc;
    msgpack_pack_str_with_body(pk, "tfidf", 5);
    return s_tt_save(m->tt, pk, err);
}

static int s_tv_load(void *impl, const msgpack_object *obj, char *err)
{
    s_tv_t *m = impl;
    const msgpack_object *c = s_get(obj, "count"), *t = s_get(obj, "tfidf");
    if (!c || !t)
        return dsk_seterr(err, DSK_EPROTO, "TfidfVectorizer: model state lacks count or tfidf");
    int rc = ml_count_vectorizer_ops.load(m->cv, c, err);
    return rc ? rc : s_tt_load(m->tt, t, err);
}

const ml_estimator_ops_t ml_tfidf_vectorizer_ops = {
    .name = "TfidfVectorizer",
    .role = ML_TRANSFORMER,
    .param_names = s_tv_names,
    .create = s_tv_create,
    .destroy = s_tv_destroy,
    .set_param = s_tv_set_param,
    .get_param = s_tv_get_param,
    .fit = s_tv_fit,
    .transform = s_tv_transform,
    .save = s_tv_save,
    .load = s_tv_load,
};
