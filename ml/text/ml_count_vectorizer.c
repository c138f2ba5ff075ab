/* ml_count_vectorizer.c — CountVectorizer, fitted from document counts (ml_doc_counts). */
#include "ml_count_vectorizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_np_sort.h"
#include "ml_param.h"
#include "ml_term_dict.h"

/* ------------------------------------------------------------- estimator */

typedef struct {
    const char *est;
    ml_analyzer_cfg_t cfg;
    ml_value_t max_df, min_df;  /* int (a count) or float (a proportion) */
    int64_t max_features;       /* 0: None */
    int binary;
    ml_value_t vocabulary;      /* None or a list of strings */
    /* fitted */
    int fitted;
    int64_t nfeat;
    char *vbytes;               /* column j's term: vbytes + voff[j], vlen[j] */
    int64_t *voff;
    int32_t *vlen;
    int64_t *vsorted;           /* columns in string order; NULL: the identity */
    /* the term -> column map of the doc counts last fitted from */
    uint64_t map_serial;
    int32_t *map;
    int map_ident;              /* map keeps every term: term t is column t */
} s_cv_t;

static const char *const s_param_names[] = {
    "input", "encoding", "decode_error", "strip_accents", "lowercase", "preprocessor",
    "tokenizer", "stop_words", "token_pattern", "ngram_range", "analyzer", "max_df",
    "min_df", "max_features", "vocabulary", "binary", "dtype", NULL};

static void *s_create(void)
{
    s_cv_t *m = dsk_xcalloc(1, sizeof *m);
    m->est = "CountVectorizer";
    ml_analyzer_cfg_init(&m->cfg);
    m->max_df = ml_value_float(1.0);
    m->min_df = ml_value_int(1);
    return m;
}

static void s_unfit(s_cv_t *m)
{
    dsk_big_free(m->vbytes);
    dsk_big_free(m->voff);
    dsk_big_free(m->vlen);
    free(m->vsorted);
    dsk_big_free(m->map);
    m->vbytes = NULL;
    m->voff = NULL;
    m->vlen = NULL;
    m->vsorted = NULL;
    m->map = NULL;
    m->map_serial = 0;
    m->map_ident = 0;
    m->fitted = 0;
    m->nfeat = 0;
}

static void s_destroy(void *impl)
{
    s_cv_t *m = impl;
    if (!m)
        return;
    s_unfit(m);
    ml_analyzer_cfg_clear(&m->cfg);
    ml_value_clear(&m->max_df);
    ml_value_clear(&m->min_df);
    ml_value_clear(&m->vocabulary);
    free(m);
}

void ml_count_vectorizer_set_est_name(void *impl, const char *est) { ((s_cv_t *)impl)->est = est; }

/* max_df / min_df: a float in [0, 1] (a proportion) or an int >= 1 (a count). */
static int s_set_df(s_cv_t *m, const char *name, const ml_value_t *v, ml_value_t *dst,
                    char *err)
{
    double f;
    int64_t i;
    int rc = v->type == ML_V_INT ? ml_param_int(v, m->est, name, 1, INT64_MAX, &i, err)
                                 : ml_param_float(v, m->est, name, 0.0, 1.0, &f, err);
    if (rc)
        return rc;
    ml_value_clear(dst);
    ml_value_copy(dst, v);
    return 0;
}

static int s_set_param(void *impl, const char *name, const ml_value_t *v, char *err)
{
    s_cv_t *m = impl;
    int rc = ml_analyzer_cfg_set(&m->cfg, m->est, name, v, err);
    if (rc <= 0)
        return rc;
    if (strcmp(name, "max_df") == 0)
        return s_set_df(m, name, v, &m->max_df, err);
    if (strcmp(name, "min_df") == 0)
        return s_set_df(m, name, v, &m->min_df, err);
    if (strcmp(name, "binary") == 0)
        return ml_param_bool(v, m->est, name, &m->binary, err);
    if (strcmp(name, "max_features") == 0) {
        if (ml_param_is_none(v)) {
            m->max_features = 0;
            return 0;
        }
        return ml_param_int(v, m->est, name, 1, INT64_MAX, &m->max_features, err);
    }
    if (strcmp(name, "dtype") == 0) {
        if (v->type == ML_V_STRING && strcmp(v->u.s, "int64") == 0)
            return 0;
        return ml_param_unsupported(m->est, name, v, err);
    }
    if (strcmp(name, "vocabulary") == 0) {
        int ok = v->type == ML_V_NONE || v->type == ML_V_LIST;
        for (size_t i = 0; ok && v->type == ML_V_LIST && i < v->u.list.n; i++)
            ok = v->u.list.items[i].type == ML_V_STRING;
        if (!ok) {
            char got[200];
            return dsk_seterr(err, DSK_EINVAL, "%s: parameter 'vocabulary' must be a list of "
                              "strings or None, got %s", m->est,
                              ml_value_describe(v, got, sizeof got));
        }
        ml_value_clear(&m->vocabulary);
        ml_value_copy(&m->vocabulary, v);
        return 0;
    }
    return ml_param_unknown(m->est, name, s_param_names, err);
}

static int s_get_param(const void *impl, const char *name, ml_value_t *out, char *err)
{
    const s_cv_t *m = impl;
    if (ml_analyzer_cfg_get(&m->cfg, name, out) == 0)
        return 0;
    if (strcmp(name, "max_df") == 0)
        ml_value_copy(out, &m->max_df);
    else if (strcmp(name, "min_df") == 0)
        ml_value_copy(out, &m->min_df);
    else if (strcmp(name, "binary") == 0)
        *out = ml_value_bool(m->binary);
    else if (strcmp(name, "max_features") == 0)
        *out = m->max_features ? ml_value_int(m->max_features) : ml_value_none();
    else if (strcmp(name, "dtype") == 0)
        *out = ml_value_string("int64");
    else if (strcmp(name, "vocabulary") == 0)
        ml_value_copy(out, &m->vocabulary);
    else
        return ml_param_unknown(m->est, name, s_param_names, err);
    return 0;
}

const ml_analyzer_cfg_t *ml_count_vectorizer_analyzer_cfg(const void *impl)
{
    return &((const s_cv_t *)impl)->cfg;
}

int ml_count_vectorizer_same_analyzer(const void *impl, const ml_doc_counts_t *c)
{
    return ml_analyzer_cfg_equal(&((const s_cv_t *)impl)->cfg, ml_doc_counts_cfg(c));
}

int64_t ml_count_vectorizer_nfeatures(const void *impl) { return ((const s_cv_t *)impl)->nfeat; }

const char *ml_count_vectorizer_term(const void *impl, int64_t j, size_t *len)
{
    const s_cv_t *m = impl;
    *len = (size_t)m->vlen[j];
    return m->vbytes + m->voff[j];
}

/* ------------------------------------------------------------------- fit */

static int s_term_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

static int s_col_cmp(const void *x, const void *y, void *ctx)
{
    const s_cv_t *m = ctx;
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return s_term_cmp(m->vbytes + m->voff[a], (size_t)m->vlen[a], m->vbytes + m->voff[b],
                      (size_t)m->vlen[b]);
}

/* The fitted vocabulary from n terms in column order; vsorted if not sorted. */
static void s_set_vocab(s_cv_t *m, int64_t n, const char *const *s, const size_t *l)
{
    size_t total = 0;
    for (int64_t j = 0; j < n; j++)
        total += l[j];
    m->vbytes = dsk_big_alloc(total);
    m->voff = dsk_big_alloc((size_t)n * sizeof *m->voff);
    m->vlen = dsk_big_alloc((size_t)n * sizeof *m->vlen);
    size_t o = 0;
    int sorted = 1;
    for (int64_t j = 0; j < n; j++) {
        memcpy(m->vbytes + o, s[j], l[j]);
        m->voff[j] = (int64_t)o;
        m->vlen[j] = (int32_t)l[j];
        o += l[j];
        if (j && s_term_cmp(s[j - 1], l[j - 1], s[j], l[j]) >= 0)
            sorted = 0;
    }
    m->nfeat = n;
    if (!sorted) {
        /* a fixed vocabulary need not be sorted: transform merges in string order */
        m->vsorted = dsk_xmalloc((size_t)n * sizeof *m->vsorted);
        for (int64_t j = 0; j < n; j++)
            m->vsorted[j] = j;
        qsort_r(m->vsorted, (size_t)n, sizeof *m->vsorted, s_col_cmp, m);
    }
}

/* The learned vocabulary: c's kept terms (m->map), already in string order. */
static void s_vocab_from_counts(s_cv_t *m, const ml_doc_counts_t *c, int64_t nf)
{
    int32_t nterms = ml_doc_counts_nterms(c);
    m->voff = dsk_big_alloc((size_t)nf * sizeof *m->voff);
    m->vlen = dsk_big_alloc((size_t)nf * sizeof *m->vlen);
    size_t total = 0;
    for (int32_t t = 0; t < nterms; t++)
        if (m->map[t] >= 0) {
            m->voff[m->map[t]] = (int64_t)total;
            m->vlen[m->map[t]] = (int32_t)ml_doc_counts_term_len(c, t);
            total += (size_t)m->vlen[m->map[t]];
        }
    m->vbytes = dsk_big_alloc(total);
    for (int32_t t = 0; t < nterms; t++)
        if (m->map[t] >= 0)
            ml_doc_counts_term_write(c, t, m->vbytes + m->voff[m->map[t]]);
    m->nfeat = nf;
}

/* vocabulary=[...]: scikit-learn's _validate_vocabulary checks, then the columns. */
static int s_fit_fixed(s_cv_t *m, char *err)
{
    const ml_value_t *v = &m->vocabulary;
    int64_t n = (int64_t)v->u.list.n;
    if (n == 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: empty vocabulary passed to fit", m->est);
    const char **s = dsk_xmalloc((size_t)n * sizeof *s);
    size_t *l = dsk_xmalloc((size_t)n * sizeof *l);
    for (int64_t j = 0; j < n; j++) {
        s[j] = v->u.list.items[j].u.s;
        l[j] = strlen(s[j]);
    }
    s_set_vocab(m, n, s, l);
    free(s);
    free(l);
    const int64_t *o = m->vsorted;
    for (int64_t k = 1; k < n; k++) {
        int64_t a = o ? o[k - 1] : k - 1, b = o ? o[k] : k;
        if (s_term_cmp(m->vbytes + m->voff[a], (size_t)m->vlen[a], m->vbytes + m->voff[b],
                       (size_t)m->vlen[b]) == 0) {
            int rc = dsk_seterr(err, DSK_EINVAL, "%s: Duplicate term in vocabulary: '%.*s'",
                                m->est, (int)m->vlen[b], m->vbytes + m->voff[b]);
            s_unfit(m);
            return rc;
        }
    }
    m->fitted = 1;
    return 0;
}

/*
 * Which column each of c's terms falls in (-1: not in the vocabulary): a
 * merge of two lists both in string order. Caller frees it (dsk_big_free).
 */
static int32_t *s_map_terms(const s_cv_t *m, const ml_doc_counts_t *c)
{
    int32_t nterms = ml_doc_counts_nterms(c);
    int32_t *map = dsk_big_alloc((size_t)nterms * sizeof *map);
    char *term = dsk_xmalloc(ml_doc_counts_max_term_len(c) + 1);
    int64_t k = 0;
    for (int32_t t = 0; t < nterms; t++) {
        size_t tl = ml_doc_counts_term_write(c, t, term);
        map[t] = -1;
        while (k < m->nfeat) {
            int64_t j = m->vsorted ? m->vsorted[k] : k;
            int r = s_term_cmp(m->vbytes + m->voff[j], (size_t)m->vlen[j], term, tl);
            if (r > 0)
                break;
            k++;
            if (r == 0) {
                map[t] = (int32_t)j;
                break;
            }
        }
    }
    free(term);
    return map;
}

static int s_cmp_i32pair(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

/*
 * The count matrix of rows[0..n) of c through map (columns sorted per row).
 * nnz: its entries when the fit already knows (else -1: counted here);
 * ident: map is the identity, so a row's columns are its term ids as they are.
 */
static ml_csr_t *s_matrix(const s_cv_t *m, const ml_doc_counts_t *c, const int64_t *rows,
                          int64_t n, const int32_t *map, int ident, int64_t nnz)
{
    if (nnz < 0) {
        nnz = 0;
        for (int64_t r = 0; r < n; r++) {
            const int32_t *ids, *cnt;
            int64_t ne = ml_doc_counts_row(c, rows ? rows[r] : r, &ids, &cnt);
            for (int64_t e = 0; e < ne; e++)
                nnz += map[ids[e]] >= 0;
        }
    }
    ml_csr_t *X = ml_csr_new(n, m->nfeat, 0);
    free(X->indices); /* the caller frees the matrix: not from the ml_td_ cache */
    free(X->data);
    X->indices = dsk_xmalloc_big((size_t)nnz * sizeof *X->indices);
    X->data = dsk_xmalloc_big((size_t)nnz * sizeof *X->data);
    int32_t *pairs = m->vsorted ? dsk_xmalloc(2 * sizeof *pairs * (size_t)(m->nfeat + 1)) : NULL;
    int64_t o = 0;
    for (int64_t r = 0; r < n; r++) {
        const int32_t *ids, *cnt;
        int64_t ne = ml_doc_counts_row(c, rows ? rows[r] : r, &ids, &cnt), start = o;
        if (ident) {
            memcpy(X->indices + o, ids, (size_t)ne * sizeof *ids);
            for (int64_t e = 0; e < ne; e++)
                X->data[o + e] = m->binary ? 1.0 : (double)cnt[e];
            o += ne;
        }
        for (int64_t e = 0; !ident && e < ne; e++) {
            int32_t j = map[ids[e]];
            if (j < 0)
                continue;
            X->indices[o] = j;
            X->data[o++] = m->binary ? 1.0 : (double)cnt[e];
        }
        if (pairs && o - start > 1) {
            /* a fixed vocabulary's columns are not in term order */
            for (int64_t q = start; q < o; q++) {
                pairs[2 * (q - start)] = X->indices[q];
                pairs[2 * (q - start) + 1] = (int32_t)X->data[q];
            }
            qsort(pairs, (size_t)(o - start), 2 * sizeof *pairs, s_cmp_i32pair);
            for (int64_t q = start; q < o; q++) {
                X->indices[q] = pairs[2 * (q - start)];
                X->data[q] = pairs[2 * (q - start) + 1];
            }
        }
        X->indptr[r + 1] = o;
    }
    free(pairs);
    return X;
}

static double s_doc_count(const ml_value_t *v, int64_t n_doc)
{
    return v->type == ML_V_INT ? (double)v->u.i : v->u.f * (double)n_doc;
}

/*
 * max_features among the terms that passed max_df/min_df (keep[], in string
 * order, as _sort_features leaves them): the `limit` largest total counts by
 * NumPy's argsort of the negated counts, as _limit_features does.
 */
static void s_limit(uint8_t *keep, const int64_t *tf, int32_t nterms, int64_t limit)
{
    int64_t nk = 0;
    for (int32_t t = 0; t < nterms; t++)
        nk += keep[t];
    if (nk <= limit)
        return;
    int64_t *neg = dsk_xmalloc((size_t)nk * sizeof *neg), *idx = dsk_xmalloc((size_t)nk * sizeof *idx);
    int32_t *which = dsk_xmalloc((size_t)nk * sizeof *which);
    int64_t k = 0;
    for (int32_t t = 0; t < nterms; t++)
        if (keep[t]) {
            which[k] = t;
            neg[k++] = -tf[t];
        }
    ml_np_argsort_i64(neg, idx, nk);
    memset(keep, 0, (size_t)nterms);
    for (int64_t q = 0; q < limit; q++)
        keep[which[idx[q]]] = 1;
    free(neg);
    free(idx);
    free(which);
}

/*
 * The learned vocabulary: _count_vocab + _limit_features + _sort_features on
 * counts; *nnz gets the entries of the rows' matrix (the kept terms' df).
 */
static int s_fit_learned(s_cv_t *m, const ml_doc_counts_t *c, const int64_t *rows, int64_t n,
                         int64_t *nnz, char *err)
{
    int32_t nterms = ml_doc_counts_nterms(c);
    int32_t *df = dsk_big_zalloc((size_t)nterms * sizeof *df); /* ndocs < INT32_MAX */
    int64_t *tf = m->max_features ? dsk_xcalloc((size_t)nterms, sizeof *tf) : NULL;
    for (int64_t r = 0; r < n; r++) {
        const int32_t *ids, *cnt;
        int64_t ne = ml_doc_counts_row(c, rows ? rows[r] : r, &ids, &cnt);
        for (int64_t e = 0; e < ne; e++) {
            df[ids[e]]++;
            if (tf)
                tf[ids[e]] += m->binary ? 1 : cnt[e];
        }
    }
    uint8_t *keep = dsk_big_alloc((size_t)nterms);
    int64_t present = 0;
    for (int32_t t = 0; t < nterms; t++)
        present += keep[t] = df[t] > 0;
    int rc = 0;
    double high = s_doc_count(&m->max_df, n), low = s_doc_count(&m->min_df, n);
    if (present == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: empty vocabulary; perhaps the documents only "
                        "contain stop words", m->est);
    else if (high < low)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: max_df corresponds to < documents than min_df",
                        m->est);
    if (rc)
        goto out;
    for (int32_t t = 0; t < nterms; t++)
        keep[t] = keep[t] && (double)df[t] <= high && (double)df[t] >= low;
    if (m->max_features)
        s_limit(keep, tf, nterms, m->max_features);
    m->map = dsk_big_alloc((size_t)nterms * sizeof *m->map);
    int64_t nf = 0;
    *nnz = 0;
    for (int32_t t = 0; t < nterms; t++) {
        m->map[t] = keep[t] ? (int32_t)nf++ : -1;
        *nnz += keep[t] ? df[t] : 0;
    }
    m->map_ident = nf == nterms;
    if (nf == 0) {
        rc = dsk_seterr(err, DSK_EINVAL, "%s: After pruning, no terms remain. Try a lower "
                        "min_df or a higher max_df.", m->est);
        goto out;
    }
    s_vocab_from_counts(m, c, nf);
    m->map_serial = ml_doc_counts_serial(c);
    m->fitted = 1;
out:
    dsk_big_free(df);
    free(tf);
    dsk_big_free(keep);
    if (rc)
        s_unfit(m);
    return rc;
}

int ml_count_vectorizer_fit_counts(void *impl, const ml_doc_counts_t *c, const int64_t *rows,
                                   int64_t n, ml_csr_t **X, char *err)
{
    s_cv_t *m = impl;
    if (!ml_analyzer_cfg_equal(&m->cfg, ml_doc_counts_cfg(c)))
        return dsk_seterr(err, DSK_EINVAL, "%s: the document counts were built with other "
                          "analyzer parameters", m->est);
    if (!rows)
        n = ml_doc_counts_ndocs(c);
    int rc = ml_analyzer_cfg_check(&m->cfg, m->est, err);
    if (rc)
        return rc;
    s_unfit(m);
    int64_t nnz = -1;
    if (m->vocabulary.type == ML_V_LIST) {
        if ((rc = s_fit_fixed(m, err)) != 0)
            return rc;
        m->map = s_map_terms(m, c);
        m->map_serial = ml_doc_counts_serial(c);
    } else if ((rc = s_fit_learned(m, c, rows, n, &nnz, err)) != 0) {
        return rc;
    }
    if (X)
        *X = s_matrix(m, c, rows, n, m->map, m->map_ident, nnz);
    return 0;
}

int ml_count_vectorizer_transform_counts(const void *impl, const ml_doc_counts_t *c,
                                         const int64_t *rows, int64_t n, ml_csr_t **out,
                                         char *err)
{
    const s_cv_t *m = impl;
    if (!m->fitted)
        return dsk_seterr(err, DSK_ESTATE, "%s: not fitted: call fit first", m->est);
    if (!ml_analyzer_cfg_equal(&m->cfg, ml_doc_counts_cfg(c)))
        return dsk_seterr(err, DSK_EINVAL, "%s: the document counts were built with other "
                          "analyzer parameters", m->est);
    if (!rows)
        n = ml_doc_counts_ndocs(c);
    int32_t *map = m->map && m->map_serial == ml_doc_counts_serial(c) ? m->map : s_map_terms(m, c);
    *out = s_matrix(m, c, rows, n, map, map == m->map && m->map_ident, -1);
    if (map != m->map)
        dsk_big_free(map);
    return 0;
}

static int s_fit(void *impl, const ml_data_t *X, const int32_t *y, char *err)
{
    s_cv_t *m = impl;
    ml_doc_counts_t *c = ml_doc_counts_build(&m->cfg, X, err);
    if (!c)
        return DSK_EINVAL;
    int rc = ml_count_vectorizer_fit_counts(m, c, NULL, 0, NULL, err);
    ml_doc_counts_destroy(&c);
    return rc;
}

static int s_transform(const void *impl, const ml_data_t *X, ml_data_t **out, char *err)
{
    const s_cv_t *m = impl;
    if (!m->fitted)
        return dsk_seterr(err, DSK_ESTATE, "%s: not fitted: call fit first", m->est);
    ml_doc_counts_t *c = ml_doc_counts_build(&m->cfg, X, err);
    if (!c)
        return DSK_EINVAL;
    ml_csr_t *csr = NULL;
    int rc = ml_count_vectorizer_transform_counts(m, c, NULL, 0, &csr, err);
    ml_doc_counts_destroy(&c);
    if (rc == 0)
        *out = ml_data_from_csr(&csr);
    return rc;
}

/* ----------------------------------------------------------- model files */

/* State: {"vocabulary_": [term, ...] in column order} (nil when unfitted). */
static int s_save(const void *impl, msgpack_packer *pk, char *err)
{
    const s_cv_t *m = impl;
    msgpack_pack_map(pk, 1);
    msgpack_pack_str_with_body(pk, "vocabulary_", 11);
    if (!m->fitted)
        return msgpack_pack_nil(pk);
    msgpack_pack_array(pk, (size_t)m->nfeat);
    for (int64_t j = 0; j < m->nfeat; j++)
        msgpack_pack_str_with_body(pk, m->vbytes + m->voff[j], (size_t)m->vlen[j]);
    return 0;
}

static int s_load(void *impl, const msgpack_object *obj, char *err)
{
    s_cv_t *m = impl;
    s_unfit(m);
    if (obj->type != MSGPACK_OBJECT_MAP)
        return dsk_seterr(err, DSK_EPROTO, "%s: model state is not a map", m->est);
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        const msgpack_object *k = &obj->via.map.ptr[i].key, *v = &obj->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR || k->via.str.size != 11 ||
            memcmp(k->via.str.ptr, "vocabulary_", 11) != 0)
            continue;
        if (v->type == MSGPACK_OBJECT_NIL)
            return 0;
        if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size == 0)
            return dsk_seterr(err, DSK_EPROTO, "%s: vocabulary_ is not a list of terms", m->est);
        int64_t n = v->via.array.size;
        const char **s = dsk_xmalloc((size_t)n * sizeof *s);
        size_t *l = dsk_xmalloc((size_t)n * sizeof *l);
        for (int64_t j = 0; j < n; j++) {
            const msgpack_object *t = &v->via.array.ptr[j];
            if (t->type != MSGPACK_OBJECT_STR) {
                free(s);
                free(l);
                return dsk_seterr(err, DSK_EPROTO, "%s: vocabulary_ item %lld is not a "
                                  "string", m->est, (long long)j);
            }
            s[j] = t->via.str.ptr;
            l[j] = t->via.str.size;
        }
        s_set_vocab(m, n, s, l);
        free(s);
        free(l);
        m->fitted = 1;
        return 0;
    }
    return dsk_seterr(err, DSK_EPROTO, "%s: model state has no vocabulary_", m->est);
}

const ml_estimator_ops_t ml_count_vectorizer_ops = {
    .name = "CountVectorizer",
    .role = ML_TRANSFORMER,
    .param_names = s_param_names,
    .create = s_create,
    .destroy = s_destroy,
    .set_param = s_set_param,
    .get_param = s_get_param,
    .fit = s_fit,
    .transform = s_transform,
    .save = s_save,
    .load = s_load,
};
