/* ml_hashing_vectorizer.c — HashingVectorizer: terms hashed to columns, no vocabulary. */
#include "ml_hashing_vectorizer.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_param.h"
#include "ml_tfidf.h"
#include "ml_tokenizer.h"

static uint32_t s_rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

int32_t ml_murmurhash3_32(const void *key, size_t len, uint32_t seed)
{
    const unsigned char *p = key;
    const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
    uint32_t h = seed, k;
    size_t nblocks = len / 4;
    for (size_t i = 0; i < nblocks; i++) {
        k = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
            (uint32_t)p[4 * i + 3] << 24;
        k *= c1;
        k = s_rotl(k, 15);
        k *= c2;
        h ^= k;
        h = s_rotl(h, 13);
        h = h * 5 + 0xe6546b64;
    }
    const unsigned char *tail = p + 4 * nblocks;
    k = 0;
    switch (len & 3) {
    case 3:
        k ^= (uint32_t)tail[2] << 16; /* fall through */
    case 2:
        k ^= (uint32_t)tail[1] << 8; /* fall through */
    case 1:
        k ^= tail[0];
        k *= c1;
        k = s_rotl(k, 15);
        k *= c2;
        h ^= k;
    }
    h ^= (uint32_t)len;
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    return (int32_t)h;
}

typedef struct {
    ml_analyzer_cfg_t cfg;
    int64_t n_features;
    int alternate_sign, binary;
    int norm; /* 0 none, 1 l1, 2 l2 */
} s_hv_t;

static const char *const s_names[] = {
    "input", "encoding", "decode_error", "strip_accents", "lowercase", "preprocessor",
    "tokenizer", "stop_words", "token_pattern", "ngram_range", "analyzer", "n_features",
    "binary", "norm", "alternate_sign", "dtype", NULL};

static void *s_create(void)
{
    s_hv_t *m = dsk_xcalloc(1, sizeof *m);
    ml_analyzer_cfg_init(&m->cfg);
    m->n_features = 1 << 20;
    m->alternate_sign = 1;
    m->norm = 2;
    return m;
}

static void s_destroy(void *impl)
{
    s_hv_t *m = impl;
    if (!m)
        return;
    ml_analyzer_cfg_clear(&m->cfg);
    free(m);
}

static int s_set_param(void *impl, const char *name, const ml_value_t *v, char *err)
{
    s_hv_t *m = impl;
    const char *est = "HashingVectorizer";
    int rc = ml_analyzer_cfg_set(&m->cfg, est, name, v, err);
    if (rc <= 0)
        return rc;
    if (strcmp(name, "n_features") == 0)
        return ml_param_int(v, est, name, 1, INT32_MAX - 1, &m->n_features, err);
    if (strcmp(name, "binary") == 0)
        return ml_param_bool(v, est, name, &m->binary, err);
    if (strcmp(name, "alternate_sign") == 0)
        return ml_param_bool(v, est, name, &m->alternate_sign, err);
    if (strcmp(name, "norm") == 0) {
        static const char *const norms[] = {"l1", "l2", NULL};
        int k;
        if (ml_param_is_none(v)) {
            m->norm = 0;
            return 0;
        }
        rc = ml_param_enum(v, est, name, norms, &k, err);
        if (rc == 0)
            m->norm = k + 1;
        return rc;
    }
    if (strcmp(name, "dtype") == 0) {
        if (v->type == ML_V_STRING && strcmp(v->u.s, "float64") == 0)
            return 0;
        return ml_param_unsupported(est, name, v, err);
    }
    return ml_param_unknown(est, name, s_names, err);
}

static int s_get_param(const void *impl, const char *name, ml_value_t *out, char *err)
{
    const s_hv_t *m = impl;
    if (ml_analyzer_cfg_get(&m->cfg, name, out) == 0)
        return 0;
    if (strcmp(name, "n_features") == 0)
        *out = ml_value_int(m->n_features);
    else if (strcmp(name, "binary") == 0)
        *out = ml_value_bool(m->binary);
    else if (strcmp(name, "alternate_sign") == 0)
        *out = ml_value_bool(m->alternate_sign);
    else if (strcmp(name, "norm") == 0)
        *out = m->norm ? ml_value_string(m->norm == 1 ? "l1" : "l2") : ml_value_none();
    else if (strcmp(name, "dtype") == 0)
        *out = ml_value_string("float64");
    else
        return ml_param_unknown("HashingVectorizer", name, s_names, err);
    return 0;
}

static int s_fit(void *impl, const ml_data_t *X, const int32_t *y, char *err)
{
    s_hv_t *m = impl;
    ml_analyzer_t *a = ml_analyzer_new(&m->cfg, "HashingVectorizer", err);
    if (!a)
        return DSK_EINVAL;
    ml_analyzer_destroy(&a);
    return 0;
}

static int s_cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* Column and sign of term id t, hashed once per distinct term. */
static uint64_t s_key(const s_hv_t *m, ml_analyzer_t *a, int32_t t, uint64_t **cache,
                      size_t *cap)
{
    if ((size_t)t >= *cap) {
        size_t old = *cap;
        *cap = 2 * (size_t)t + 1024;
        *cache = dsk_xrealloc(*cache, *cap, sizeof **cache);
        memset(*cache + old, 0xff, (*cap - old) * sizeof **cache);
    }
    if ((*cache)[t] == UINT64_MAX) {
        size_t len;
        const char *s = ml_analyzer_term(a, t, &len);
        int32_t h = ml_murmurhash3_32(s, len, 0);
        int64_t n = m->n_features;
        int64_t col = h == INT32_MIN ? (INT32_MAX - (n - 1)) % n : (h < 0 ? -(int64_t)h : h) % n;
        (*cache)[t] = (uint64_t)col << 1 | (uint64_t)(m->alternate_sign && h < 0);
    }
    return (*cache)[t];
}

/* One document's hashed terms, summed per column (zeros kept), appended to X. */
static void s_row(const s_hv_t *m, uint64_t *keys, size_t n, ml_csr_t *X, int64_t *cap,
                  int64_t row)
{
    qsort(keys, n, sizeof *keys, s_cmp_u64);
    int64_t o = X->indptr[row];
    if (o + (int64_t)n > *cap) {
        *cap = 2 * (o + (int64_t)n) + 4096;
        X->indices = dsk_xrealloc(X->indices, (size_t)*cap * sizeof *X->indices, 1);
        X->data = dsk_xrealloc(X->data, (size_t)*cap * sizeof *X->data, 1);
    }
    for (size_t i = 0; i < n;) {
        uint64_t col = keys[i] >> 1;
        double v = 0;
        for (; i < n && keys[i] >> 1 == col; i++)
            v += (keys[i] & 1) ? -1.0 : 1.0;
        X->indices[o] = (int32_t)col;
        X->data[o++] = m->binary ? 1.0 : v;
    }
    X->indptr[row + 1] = o;
}

static int s_transform(const void *impl, const ml_data_t *X, ml_data_t **out, char *err)
{
    const s_hv_t *m = impl;
    if (X->kind != ML_DATA_TEXT)
        return dsk_seterr(err, DSK_EINVAL, "HashingVectorizer: expected documents, got %s",
                          ml_data_kind_name(X->kind));
    ml_analyzer_t *a = ml_analyzer_new(&m->cfg, "HashingVectorizer", err);
    if (!a)
        return DSK_EINVAL;
    ml_csr_t *Y = ml_csr_new(X->nrows, m->n_features, 0);
    int64_t cap = 0;
    uint64_t *cache = NULL, *keys = NULL;
    size_t ccap = 0, kcap = 0;
    int rc = 0;
    for (int64_t d = 0; d < X->nrows && rc == 0; d++) {
        const int32_t *ids;
        size_t n;
        char sub[DSK_ERR_LEN];
        if (ml_analyzer_doc(a, X->text.docs[d], X->text.lens[d], &ids, &n, sub) != 0) {
            rc = dsk_seterr(err, DSK_EINVAL, "HashingVectorizer: document %lld: %s",
                            (long long)d, sub);
            break;
        }
        if (n > kcap) {
            kcap = 2 * n;
            keys = dsk_xrealloc(keys, kcap * sizeof *keys, 1);
        }
        for (size_t i = 0; i < n; i++)
            keys[i] = s_key(m, a, ids[i], &cache, &ccap);
        s_row(m, keys, n, Y, &cap, d);
    }
    free(cache);
    free(keys);
    ml_analyzer_destroy(&a);
    if (rc) {
        ml_csr_destroy(&Y);
        return rc;
    }
    if (m->norm)
        ml_csr_normalize_rows(Y, m->norm);
    *out = ml_data_from_csr(&Y);
    return 0;
}

/* Stateless: the parameters are the whole model. */
static int s_save(const void *impl, msgpack_packer *pk, char *err)
{
    return msgpack_pack_map(pk, 0);
}

static int s_load(void *impl, const msgpack_object *obj, char *err)
{
    if (obj->type != MSGPACK_OBJECT_MAP)
        return dsk_seterr(err, DSK_EPROTO, "HashingVectorizer: model state is not a map");
    return 0;
}

const ml_estimator_ops_t ml_hashing_vectorizer_ops = {
    .name = "HashingVectorizer",
    .role = ML_TRANSFORMER,
    .param_names = s_names,
    .create = s_create,
    .destroy = s_destroy,
    .set_param = s_set_param,
    .get_param = s_get_param,
    .fit = s_fit,
    .transform = s_transform,
    .save = s_save,
    .load = s_load,
};
