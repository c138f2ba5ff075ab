/* job_stage.c — the split-fit table: CountVectorizer's document counts. */
#include "job_stage.h"

#include <stdio.h>
#include <string.h>

#include "ml_count_vectorizer.h"
#include "ml_pack.h"

/* "lowercase=True ngram_range=(1, 2) ...": every analyzer parameter's repr. */
static int s_cv_key(const void *impl, char *buf, size_t len, char *err)
{
    const ml_analyzer_cfg_t *cfg = ml_count_vectorizer_analyzer_cfg(impl);
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; ml_analyzer_param_names[i]; i++) {
        ml_value_t v;
        if (ml_analyzer_cfg_get(cfg, ml_analyzer_param_names[i], &v) != 0)
            continue;
        char repr[1024];
        int w = snprintf(buf + at, len - at, "%s%s=%s", at ? " " : "",
                         ml_analyzer_param_names[i], ml_value_repr(&v, repr, sizeof repr));
        ml_value_clear(&v);
        if (w < 0 || (size_t)w >= len - at)
            return dsk_seterr(err, DSK_ETOOBIG, "CountVectorizer: analyzer parameters too "
                              "long for a stage key");
        at += (size_t)w;
    }
    return DSK_OK;
}

static void *s_cv_build(const void *impl, const ml_data_t *X, char *err)
{
    return ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(impl), X, err);
}

static void s_cv_destroy(void *stage)
{
    ml_doc_counts_t *c = stage;
    ml_doc_counts_destroy(&c);
}

static void s_cv_shape(const void *stage, int64_t *ncols, int64_t *entries)
{
    const ml_doc_counts_t *c = stage;
    int64_t n = ml_doc_counts_ndocs(c);
    *entries = 0;
    for (int64_t d = 0; d < n; d++) {
        const int32_t *ids, *cnt;
        *entries += ml_doc_counts_row(c, d, &ids, &cnt);
    }
    *ncols = ml_doc_counts_nterms(c);
}

/*
 * The count matrices of every row (a column id and a double per entry, an
 * offset per row), and per stage term: the document frequencies, the
 * keep mask, the column map and term frequencies for max_features (17
 * bytes), and the vocabulary's offset, length and text (about 24).
 */
static size_t s_cv_fit_bytes(const void *stage, int64_t ntr, int64_t *ncols, int64_t *nnz)
{
    int64_t entries, n = ml_doc_counts_ndocs(stage);
    s_cv_shape(stage, ncols, &entries);
    *nnz = n > 0 ? (int64_t)((double)entries * (double)ntr / (double)n) : 0;
    return (size_t)entries * 12 + (size_t)n * 8 + (size_t)*ncols * (17 + 24);
}

static size_t s_cv_bytes(const void *stage)
{
    int64_t nterms, entries, n = ml_doc_counts_ndocs(stage);
    s_cv_shape(stage, &nterms, &entries);
    /* ids + counts per entry, the offsets, and about 16 bytes of string per term */
    return (size_t)entries * 8 + (size_t)n * 8 + (size_t)nterms * 16;
}

static int s_wrap(int rc, ml_csr_t **m, ml_data_t **out)
{
    if (rc == DSK_OK)
        *out = ml_data_from_csr(m);
    return rc;
}

static int s_cv_fit_transform(void *impl, const void *stage, const int64_t *rows, int64_t n,
                              ml_data_t **out, char *err)
{
    ml_csr_t *m = NULL;
    return s_wrap(ml_count_vectorizer_fit_counts(impl, stage, rows, n, &m, err), &m, out);
}

static int s_cv_transform(const void *impl, const void *stage, const int64_t *rows, int64_t n,
                          ml_data_t **out, char *err)
{
    ml_csr_t *m = NULL;
    return s_wrap(ml_count_vectorizer_transform_counts(impl, stage, rows, n, &m, err), &m, out);
}

static int s_cv_pack_output(const void *stage, msgpack_packer *pk)
{
    if (msgpack_pack_map(pk, 2) || ml_pack_key(pk, "stage") ||
        ml_pack_key(pk, ml_count_vectorizer_ops.name) || ml_pack_key(pk, "state"))
        return DSK_ENOMEM;
    return ml_doc_counts_pack(stage, pk);
}

static void *s_cv_unpack(const msgpack_object *state, char *err)
{
    return ml_doc_counts_unpack(state, err);
}

static const job_stage_ops_t s_count_vectorizer_stage = {
    .key = s_cv_key,
    .build = s_cv_build,
    .destroy = s_cv_destroy,
    .bytes = s_cv_bytes,
    .fit_bytes = s_cv_fit_bytes,
    .fit_transform = s_cv_fit_transform,
    .transform = s_cv_transform,
    .pack_output = s_cv_pack_output,
    .unpack = s_cv_unpack,
};

static const struct {
    const ml_estimator_ops_t *ops;
    const job_stage_ops_t *stage;
} s_table[] = {
    {&ml_count_vectorizer_ops, &s_count_vectorizer_stage},
};

const job_stage_ops_t *job_stage_find(const ml_estimator_ops_t *ops)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++)
        if (s_table[i].ops == ops)
            return s_table[i].stage;
    return NULL;
}

int job_stage_unpack_output(const msgpack_object *o, void **stage,
                           const job_stage_ops_t **ops, char *err)
{
    const msgpack_object *name = ml_unpack_get(o, "stage");
    *stage = NULL;
    *ops = NULL;
    if (!name)
        return 1;
    for (size_t i = 0; name->type == MSGPACK_OBJECT_STR && i < sizeof s_table / sizeof s_table[0];
         i++) {
        const char *n = s_table[i].ops->name;
        if (name->via.str.size != strlen(n) || memcmp(name->via.str.ptr, n, strlen(n)) != 0)
            continue;
        *stage = s_table[i].stage->unpack(ml_unpack_get(o, "state"), err);
        if (!*stage)
            return DSK_EPROTO;
        *ops = s_table[i].stage;
        return DSK_OK;
    }
    return dsk_seterr(err, DSK_EPROTO, "a moved output names a stage dsk does not have");
}
