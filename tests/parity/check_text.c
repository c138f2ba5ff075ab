/*
 * check_text.c — dsk's text features against scikit-learn 1.2 on the 11,314
 * training documents of 20 newsgroups (golden_text.py): CountVectorizer
 * vocabularies and matrices bit for bit, max_features, the split fit on
 * 3 folds of the two-category subset, the 24 TfidfTransformer settings to
 * 1e-12, HashingVectorizer. Parity only: speed is measured in bench/.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_count_vectorizer.h"
#include "ml_hashing_vectorizer.h"
#include "ml_load.h"
#include "ml_np_sum.h"
#include "ml_tfidf.h"
#include "parity_util.h"

static ml_dataset_t *s_load(const char *categories_json)
{
    char err[DSK_ERR_LEN];
    json_t *spec = json_pack("{s:s, s:s, s:s}", "loader", "20newsgroups", "subset", "train",
                             "data_home", pu_data_home());
    if (categories_json)
        json_object_set_new(spec, "categories", json_loads(categories_json, 0, NULL));
    ml_dataset_t *ds = NULL;
    int rc = ml_load_dataset(spec, &ds, err);
    json_decref(spec);
    ck_assert_msg(rc == 0, "loading 20 newsgroups: %s", err);
    return ds;
}

/* A golden "params" value as an ml_value (ints stay ints, reals floats). */
static ml_value_t s_value(json_t *j)
{
    if (json_is_integer(j))
        return ml_value_int(json_integer_value(j));
    if (json_is_real(j))
        return ml_value_float(json_real_value(j));
    if (json_is_boolean(j))
        return ml_value_bool(json_is_true(j));
    if (json_is_string(j))
        return ml_value_string(json_string_value(j));
    if (json_is_array(j)) {
        ml_value_t v = ml_value_list(json_array_size(j));
        for (size_t i = 0; i < json_array_size(j); i++)
            v.u.list.items[i] = s_value(json_array_get(j, i));
        return v;
    }
    return ml_value_none();
}

static void *s_make(const ml_estimator_ops_t *ops, json_t *params)
{
    char err[DSK_ERR_LEN];
    void *impl = ops->create();
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v) {
        ml_value_t mv = s_value(v);
        int rc = ops->set_param(impl, key, &mv, err);
        ml_value_clear(&mv);
        ck_assert_msg(rc == 0, "%s=%s", key, err);
    }
    return impl;
}

static uint64_t s_vocab_hash(void *cv)
{
    uint64_t h = PU_FNV_OFFSET;
    for (int64_t j = 0; j < ml_count_vectorizer_nfeatures(cv); j++) {
        size_t l;
        const char *t = ml_count_vectorizer_term(cv, j, &l);
        if (j)
            h = pu_fnv1a("\n", 1, h);
        h = pu_fnv1a(t, l, h);
    }
    return h;
}

/* X's fingerprints equal the golden ones (data as int64 counts or float64). */
static void s_check_csr(const char *what, json_t *g, const ml_csr_t *X, int counts)
{
    int64_t nnz = ml_csr_nnz(X);
    ck_assert_msg(nnz == json_integer_value(json_object_get(g, "nnz")), "%s: nnz %lld vs %lld",
                  what, (long long)nnz, (long long)json_integer_value(json_object_get(g, "nnz")));
    ck_assert_msg(X->ncols == json_integer_value(json_array_get(json_object_get(g, "shape"), 1)),
                  "%s: %lld columns", what, (long long)X->ncols);
    ck_assert_msg(pu_hash_equals(json_object_get(g, "indptr"),
                                 pu_fnv1a(X->indptr, (size_t)(X->nrows + 1) * 8, PU_FNV_OFFSET)),
                  "%s: indptr differs", what);
    ck_assert_msg(pu_hash_equals(json_object_get(g, "indices"),
                                 pu_fnv1a(X->indices, (size_t)nnz * 4, PU_FNV_OFFSET)),
                  "%s: indices differ", what);
    uint64_t h;
    if (counts) {
        int64_t *c = malloc((size_t)(nnz ? nnz : 1) * sizeof *c);
        for (int64_t k = 0; k < nnz; k++)
            c[k] = (int64_t)X->data[k];
        h = pu_fnv1a(c, (size_t)nnz * 8, PU_FNV_OFFSET);
        free(c);
    } else {
        h = pu_fnv1a(X->data, (size_t)nnz * 8, PU_FNV_OFFSET);
    }
    ck_assert_msg(pu_hash_equals(json_object_get(g, "data"), h), "%s: data differ", what);
}

/* np.add.reduce of a[0..n): the first item, then the rest pairwise (as scipy's X.sum(axis=1)). */
static double s_np_sum(const double *a, int64_t n)
{
    return n == 0 ? 0.0 : a[0] + ml_np_pairwise_sum(a + 1, n - 1);
}

/*
 * Floats: the row-sum total, sampled row sums and sampled entries, each
 * within tol * max(1, |value|): absolute for normalized rows (values <= 1);
 * relative for norm=None, whose values reach thousands while NumPy's
 * AVX-512 log and glibc's differ by an ulp (so idf by ~2e-16 relative).
 * Returns the largest such scaled difference.
 */
static double s_check_floats(const char *what, json_t *g, json_t *rows, json_t *pos,
                             const ml_csr_t *X, double tol)
{
    double worst = 0;
    double *sums = calloc((size_t)X->nrows, sizeof *sums);
    for (int64_t i = 0; i < X->nrows; i++)
        sums[i] = s_np_sum(X->data + X->indptr[i], X->indptr[i + 1] - X->indptr[i]);
    double total = s_np_sum(sums, X->nrows);
    double want = json_real_value(json_object_get(g, "row_sum_total"));
    ck_assert_msg(fabs(total - want) <= tol * fmax(1.0, fabs(want)), "%s: row sums total "
                  "%.17g vs %.17g", what, total, want);
    json_t *rs = json_object_get(g, "row_sums"), *en = json_object_get(g, "entries");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        double w = json_number_value(json_array_get(rs, i));
        double d = fabs(sums[json_integer_value(json_array_get(rows, i))] - w);
        worst = fmax(worst, d / fmax(1.0, fabs(w)));
    }
    for (size_t i = 0; i < json_array_size(pos); i++) {
        int64_t k = json_integer_value(json_array_get(pos, i));
        double w = json_number_value(json_array_get(en, i));
        worst = fmax(worst, fabs(X->data[k] - w) / fmax(1.0, fabs(w)));
    }
    free(sums);
    ck_assert_msg(worst <= tol, "%s: max scaled difference %.3g > %.3g", what, worst, tol);
    return worst;
}

/* Doc counts shared by the cases with one analyzer configuration (the split fit's point). */
typedef struct {
    ml_doc_counts_t *dc[8];
    int n;
} s_counts_cache_t;

static ml_doc_counts_t *s_counts_for(s_counts_cache_t *cc, void *cv, const ml_data_t *docs)
{
    char err[DSK_ERR_LEN];
    for (int i = 0; i < cc->n; i++)
        if (ml_count_vectorizer_same_analyzer(cv, cc->dc[i]))
            return cc->dc[i];
    ml_doc_counts_t *dc = ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(cv), docs, err);
    ck_assert_msg(dc != NULL, "%s", err);
    ck_assert_int_lt(cc->n, 8);
    return cc->dc[cc->n++] = dc;
}

static void s_counts_cache_free(s_counts_cache_t *cc)
{
    for (int i = 0; i < cc->n; i++)
        ml_doc_counts_destroy(&cc->dc[i]);
}

static void s_check_cases(json_t *cases, const ml_data_t *docs)
{
    char err[DSK_ERR_LEN];
    s_counts_cache_t cc = {0};
    const char *name;
    json_t *g;
    json_object_foreach(cases, name, g) {
        void *cv = s_make(&ml_count_vectorizer_ops, json_object_get(g, "params"));
        ml_csr_t *X = NULL;
        ck_assert_msg(ml_count_vectorizer_fit_counts(cv, s_counts_for(&cc, cv, docs), NULL, 0,
                                                     &X, err) == 0, "%s: %s", name, err);
        ck_assert_msg(ml_count_vectorizer_nfeatures(cv) ==
                          json_integer_value(json_object_get(g, "n_terms")),
                      "%s: %lld terms, scikit-learn has %lld", name,
                      (long long)ml_count_vectorizer_nfeatures(cv),
                      (long long)json_integer_value(json_object_get(g, "n_terms")));
        ck_assert_msg(pu_hash_equals(json_object_get(g, "vocab"), s_vocab_hash(cv)),
                      "%s: vocabulary differs", name);
        s_check_csr(name, g, X, 1);
        ml_csr_destroy(&X);
        ml_count_vectorizer_ops.destroy(cv);
    }
    s_counts_cache_free(&cc);
}

START_TEST(test_count_vectorizer)
{
    ml_dataset_t *ds = s_load(NULL);
    json_t *g = pu_golden("text");
    ck_assert_int_eq(ds->X->nrows, json_integer_value(json_object_get(g, "n_docs")));
    s_check_cases(json_object_get(g, "counts"), ds->X);
    /* the plain fit + transform path gives the same matrix as the split fit */
    char err[DSK_ERR_LEN];
    json_t *ng = json_object_get(json_object_get(g, "counts"), "ng11_stop");
    void *cv = s_make(&ml_count_vectorizer_ops, json_object_get(ng, "params"));
    ml_data_t *out = NULL;
    ck_assert_int_eq(ml_count_vectorizer_ops.fit(cv, ds->X, NULL, err), 0);
    ck_assert_int_eq(ml_count_vectorizer_ops.transform(cv, ds->X, &out, err), 0);
    s_check_csr("ng11_stop via fit+transform", ng, out->csr, 1);
    ml_data_destroy(&out);
    ml_count_vectorizer_ops.destroy(cv);
    json_decref(g);
    ml_dataset_destroy(&ds);
}
END_TEST

/* max_features=10000: the kept terms equal, ties at the cut-off included. */
START_TEST(test_max_features)
{
    ml_dataset_t *ds = s_load(NULL);
    json_t *g = pu_golden("text");
    s_check_cases(json_object_get(g, "max_features"), ds->X);
    json_decref(g);
    ml_dataset_destroy(&ds);
}
END_TEST

/* Each fold of a 3-fold split of the two-category subset, from one tokenization. */
START_TEST(test_split_fit)
{
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds = s_load("[\"alt.atheism\", \"talk.religion.misc\"]");
    json_t *root = pu_golden("text"), *g = json_object_get(root, "split");
    int64_t n = ds->X->nrows;
    ck_assert_int_eq(n, json_integer_value(json_object_get(g, "n_docs")));
    json_t *folds = json_object_get(g, "folds");
    const char *name;
    json_t *c;
    json_object_foreach(json_object_get(g, "cases"), name, c) {
        void *cv = s_make(&ml_count_vectorizer_ops, json_object_get(c, "params"));
        ml_doc_counts_t *dc = ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(cv), ds->X, err);
        ck_assert_ptr_nonnull(dc);
        for (size_t f = 0; f < json_array_size(folds); f++) {
            json_t *test = json_array_get(folds, f), *gf = json_array_get(json_object_get(c, "folds"), f);
            int64_t *te = malloc(sizeof *te * (size_t)n), *tr = malloc(sizeof *tr * (size_t)n);
            char *in_test = calloc((size_t)n, 1);
            int64_t nte = 0, ntr = 0;
            for (size_t i = 0; i < json_array_size(test); i++) {
                te[nte] = json_integer_value(json_array_get(test, i));
                in_test[te[nte++]] = 1;
            }
            for (int64_t i = 0; i < n; i++)
                if (!in_test[i])
                    tr[ntr++] = i;
            ml_csr_t *Xtr = NULL, *Xte = NULL;
            ck_assert_int_eq(ml_count_vectorizer_fit_counts(cv, dc, tr, ntr, &Xtr, err), 0);
            ck_assert_int_eq(ml_count_vectorizer_transform_counts(cv, dc, te, nte, &Xte, err), 0);
            ck_assert_msg(pu_hash_equals(json_object_get(gf, "vocab"), s_vocab_hash(cv)),
                          "%s fold %zu: vocabulary differs", name, f);
            s_check_csr("split train", json_object_get(gf, "train"), Xtr, 1);
            s_check_csr("split test", json_object_get(gf, "test"), Xte, 1);
            ml_csr_destroy(&Xtr);
            ml_csr_destroy(&Xte);
            free(te);
            free(tr);
            free(in_test);
        }
        ml_doc_counts_destroy(&dc);
        ml_count_vectorizer_ops.destroy(cv);
    }
    json_decref(root);
    ml_dataset_destroy(&ds);
}
END_TEST

/* The (1, 2) counts of the training documents, as scikit-learn's default CountVectorizer. */
static ml_csr_t *s_counts12(const ml_data_t *docs)
{
    char err[DSK_ERR_LEN];
    json_t *p = json_pack("{s:[i,i]}", "ngram_range", 1, 2);
    void *cv = s_make(&ml_count_vectorizer_ops, p);
    json_decref(p);
    ml_doc_counts_t *dc = ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(cv), docs, err);
    ml_csr_t *X = NULL;
    ck_assert_int_eq(ml_count_vectorizer_fit_counts(cv, dc, NULL, 0, &X, err), 0);
    ml_doc_counts_destroy(&dc);
    ml_count_vectorizer_ops.destroy(cv);
    return X;
}

/* All 24 settings of norm x use_idf x smooth_idf x sublinear_tf, to 1e-12. */
START_TEST(test_tfidf_transformer)
{
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds = s_load(NULL);
    ml_csr_t *X = s_counts12(ds->X);
    ml_data_t *counts = ml_data_from_csr(&X);
    static const char *const files[] = {"text_tfidf_l2", "text_tfidf_l1", "text_tfidf_none"};
    double worst[3] = {0, 0, 0};
    int ncombos = 0;
    for (int f = 0; f < 3; f++) {
        json_t *g = pu_golden(files[f]);
        json_t *rows = json_object_get(g, "rows"), *pos = json_object_get(g, "entry_positions");
        json_t *combos = json_object_get(g, "combos");
        for (size_t i = 0; i < json_array_size(combos); i++) {
            json_t *c = json_array_get(combos, i);
            void *tt = s_make(&ml_tfidf_transformer_ops, json_object_get(c, "params"));
            ml_data_t *Y = NULL;
            ck_assert_int_eq(ml_tfidf_transformer_ops.fit(tt, counts, NULL, err), 0);
            ck_assert_int_eq(ml_tfidf_transformer_ops.transform(tt, counts, &Y, err), 0);
            char what[128];
            snprintf(what, sizeof what, "%s combo %zu", files[f], i);
            worst[f] = fmax(worst[f], s_check_floats(what, c, rows, pos, Y->csr, 1e-12));
            ncombos++;
            /* TfidfVectorizer(ngram_range=(1, 2)) with its defaults: l2, idf, smooth, linear tf */
            if (f == 0 && i == 1) {
                json_t *p = json_pack("{s:[i,i]}", "ngram_range", 1, 2);
                void *tv = s_make(&ml_tfidf_vectorizer_ops, p);
                json_decref(p);
                ml_data_t *Z = NULL;
                ck_assert_int_eq(ml_tfidf_vectorizer_ops.fit(tv, ds->X, NULL, err), 0);
                ck_assert_int_eq(ml_tfidf_vectorizer_ops.transform(tv, ds->X, &Z, err), 0);
                ck_assert_int_eq(ml_csr_nnz(Z->csr), ml_csr_nnz(Y->csr));
                ck_assert(memcmp(Z->csr->data, Y->csr->data, 8 * (size_t)ml_csr_nnz(Y->csr)) == 0);
                ml_data_destroy(&Z);
                ml_tfidf_vectorizer_ops.destroy(tv);
            }
            ml_data_destroy(&Y);
            ml_tfidf_transformer_ops.destroy(tt);
        }
        json_decref(g);
    }
    ck_assert_int_eq(ncombos, 24);
    printf("text parity: TfidfTransformer, 24 settings: max abs difference %.3g (l2), %.3g "
           "(l1); max relative difference %.3g (norm=None)\n", worst[0], worst[1], worst[2]);
    ml_data_destroy(&counts);
    ml_dataset_destroy(&ds);
}
END_TEST

START_TEST(test_hashing_vectorizer)
{
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds = s_load(NULL);
    json_t *root = pu_golden("text");
    json_t *rows = json_object_get(root, "rows");
    const char *name;
    json_t *g;
    json_object_foreach(json_object_get(root, "hashing"), name, g) {
        void *hv = s_make(&ml_hashing_vectorizer_ops, json_object_get(g, "params"));
        ml_data_t *Y = NULL;
        ck_assert_int_eq(ml_hashing_vectorizer_ops.fit(hv, ds->X, NULL, err), 0);
        ck_assert_msg(ml_hashing_vectorizer_ops.transform(hv, ds->X, &Y, err) == 0, "%s", err);
        s_check_floats(name, g, rows, json_object_get(g, "entry_positions"), Y->csr, 1e-12);
        s_check_csr(name, g, Y->csr, 0); /* bit for bit, the values too */
        ml_data_destroy(&Y);
        ml_hashing_vectorizer_ops.destroy(hv);
    }
    json_decref(root);
    ml_dataset_destroy(&ds);
}
END_TEST

Suite *dsk_text_parity_suite(void)
{
    Suite *s = suite_create("text_parity");
    TCase *tc = tcase_create("20newsgroups");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_count_vectorizer);
    tcase_add_test(tc, test_max_features);
    tcase_add_test(tc, test_split_fit);
    tcase_add_test(tc, test_tfidf_transformer);
    tcase_add_test(tc, test_hashing_vectorizer);
    suite_add_tcase(s, tc);
    return s;
}
