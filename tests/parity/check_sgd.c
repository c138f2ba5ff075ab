/*
 * check_sgd.c — dsk's SGDClassifier(max_iter=1000) after CountVectorizer ->
 * TfidfTransformer against scikit-learn 1.2 on 20 newsgroups (golden_sgd.py
 * says how each answer was made):
 *
 *  - the seed grid (examples/seed_grid.json): 2 categories, 3-fold, vect__max_df (0.5,
 *    0.75, 1.0) x vect__ngram_range ((1, 1), (1, 2)), random_state 0..4,
 *    dsk's default mode: every split score of every candidate for every
 *    seed (90) equal to scikit-learn's pipeline's, bit for bit. The golden
 *    scores of any two candidates differ, which is checked too, so a
 *    pipeline that ignored a grid parameter would fail;
 *  - the whole 2-category train set, random_state=0, default mode: n_iter_,
 *    intercept_ and every coef_ entry (an FNV-1a hash of the row; the 10
 *    largest by term, each term looked up in dsk's vocabulary) bit for bit;
 *  - 20 categories, train -> test, unigrams and bigrams, l2 and elasticnet:
 *    - the default joint one-vs-all pass (ml_sgd_joint.h, statistical
 *      parity): dsk's mean test accuracy over random_state 0..9 within
 *      3 sample standard deviations (ddof=1) of scikit-learn's accuracies
 *      over the same seeds, both computed here from the stored accuracies;
 *    - the exact per-class mode (ml_sgd_set_exact_ova), random_state=0:
 *      test accuracy, n_iter_, the 20 intercepts and every coef_ entry (20
 *      row hashes; 5 largest per row by term, 100) bit for bit; the
 *      accuracy also equal to scikit-learn's own pipeline's.
 *
 * Bit-for-bit coefficients need bit-equal input: those checks compare with
 * scikit-learn's SGD fed the TF-IDF rounded as dsk rounds it (the C
 * library's log for idf, the row norm summed in column order). scikit-
 * learn's own pipeline TF-IDF differs from dsk's by an ulp in most entries
 * (check_text.c holds it to 1e-12); the grid and joint checks use it.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_count_vectorizer.h"
#include "ml_load.h"
#include "ml_sgd.h"
#include "ml_tfidf.h"
#include "parity_util.h"

static ml_dataset_t *s_load(const char *subset, int two)
{
    char err[DSK_ERR_LEN];
    json_t *spec = json_pack("{s:s, s:s, s:s}", "loader", "20newsgroups", "subset", subset,
                             "data_home", pu_data_home());
    if (two)
        json_object_set_new(spec, "categories",
                            json_pack("[s, s]", "alt.atheism", "talk.religion.misc"));
    ml_dataset_t *ds = NULL;
    int rc = ml_load_dataset(spec, &ds, err);
    json_decref(spec);
    ck_assert_msg(rc == 0, "loading 20 newsgroups: %s", err);
    return ds;
}

/* A golden float: a "%.17g" string, read back to the same double. */
static double s_num(json_t *j)
{
    ck_assert_msg(json_is_string(j) || json_is_number(j), "golden: expected a number");
    return json_is_string(j) ? strtod(json_string_value(j), NULL) : json_number_value(j);
}

static void s_set(const ml_estimator_ops_t *ops, void *impl, const char *name, ml_value_t v)
{
    char err[DSK_ERR_LEN];
    int rc = ops->set_param(impl, name, &v, err);
    ml_value_clear(&v);
    ck_assert_msg(rc == 0, "%s: %s", name, err);
}

/* A fitted CountVectorizer(max_df, ngram_range=(1, hi)) -> TfidfTransformer(). */
typedef struct {
    void *cv, *tf;
} s_vect_t;

static void s_vect_fit(s_vect_t *v, const ml_data_t *docs, double max_df, int hi)
{
    char err[DSK_ERR_LEN];
    v->cv = ml_count_vectorizer_ops.create();
    v->tf = ml_tfidf_transformer_ops.create();
    s_set(&ml_count_vectorizer_ops, v->cv, "max_df", ml_value_float(max_df));
    ml_value_t ng = ml_value_list(2);
    ng.u.list.items[0] = ml_value_int(1);
    ng.u.list.items[1] = ml_value_int(hi);
    s_set(&ml_count_vectorizer_ops, v->cv, "ngram_range", ng);
    ml_data_t *counts;
    ck_assert_msg(ml_count_vectorizer_ops.fit(v->cv, docs, NULL, err) == 0, "%s", err);
    ck_assert_msg(ml_count_vectorizer_ops.transform(v->cv, docs, &counts, err) == 0, "%s", err);
    ck_assert_msg(ml_tfidf_transformer_ops.fit(v->tf, counts, NULL, err) == 0, "%s", err);
    ml_data_destroy(&counts);
}

/* The TF-IDF of docs; caller destroys it. */
static ml_data_t *s_vect_apply(const s_vect_t *v, const ml_data_t *docs)
{
    char err[DSK_ERR_LEN];
    ml_data_t *counts, *tfidf;
    ck_assert_msg(ml_count_vectorizer_ops.transform(v->cv, docs, &counts, err) == 0, "%s", err);
    ck_assert_msg(ml_tfidf_transformer_ops.transform(v->tf, counts, &tfidf, err) == 0, "%s",
                  err);
    ml_data_destroy(&counts);
    return tfidf;
}

static void s_vect_free(s_vect_t *v)
{
    ml_count_vectorizer_ops.destroy(v->cv);
    ml_tfidf_transformer_ops.destroy(v->tf);
}

/* SGDClassifier(max_iter=1000, penalty, random_state=seed) fitted on X; caller destroys it. */
static void *s_sgd_fit(const ml_data_t *X, const int32_t *y, const char *penalty, int seed,
                       int exact_ova)
{
    char err[DSK_ERR_LEN];
    void *sgd = ml_sgd_classifier_ops.create();
    s_set(&ml_sgd_classifier_ops, sgd, "max_iter", ml_value_int(1000));
    s_set(&ml_sgd_classifier_ops, sgd, "penalty", ml_value_string(penalty));
    s_set(&ml_sgd_classifier_ops, sgd, "random_state", ml_value_int(seed));
    ml_sgd_set_exact_ova(sgd, exact_ova);
    ck_assert_msg(ml_sgd_classifier_ops.fit(sgd, X, y, err) == 0, "%s", err);
    return sgd;
}

/* Accuracy on X as scikit-learn computes it: the mean of a 0/1 array, i.e. correct / n. */
static double s_accuracy(void *sgd, const ml_data_t *X, const int32_t *y)
{
    char err[DSK_ERR_LEN];
    int32_t *pred = malloc((size_t)X->nrows * sizeof *pred);
    ck_assert_msg(ml_sgd_classifier_ops.predict(sgd, X, pred, err) == 0, "%s", err);
    int64_t ok = 0;
    for (int64_t i = 0; i < X->nrows; i++)
        ok += pred[i] == y[i];
    free(pred);
    return (double)ok / (double)X->nrows;
}

/* What a fitted model saves: coef_ (rows x nf, row-major), intercept_, n_iter_. */
typedef struct {
    double *coef, *intercept;
    int64_t rows, nf, n_iter;
} s_model_t;

static int s_key_is(const msgpack_object *k, const char *s)
{
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(s) &&
           memcmp(k->via.str.ptr, s, k->via.str.size) == 0;
}

/* An array of float64 (one assertion for all: Check marks a point per assertion). */
static double *s_f64s(const msgpack_object *o, int64_t *n)
{
    ck_assert_int_eq(o->type, MSGPACK_OBJECT_ARRAY);
    *n = o->via.array.size;
    double *a = malloc((size_t)(*n ? *n : 1) * sizeof *a);
    int64_t other = 0;
    for (int64_t i = 0; i < *n; i++) {
        other += o->via.array.ptr[i].type != MSGPACK_OBJECT_FLOAT64;
        a[i] = o->via.array.ptr[i].via.f64;
    }
    ck_assert_msg(other == 0, "saved model: %lld of %lld values not float64", (long long)other,
                  (long long)*n);
    return a;
}

static uint64_t s_be(const unsigned char *p, int width)
{
    uint64_t u = 0;
    for (int i = 0; i < width; i++)
        u = u << 8 | p[i];
    return u;
}

/*
 * The saved coef_, a msgpack array of float64, read where it lies: an
 * unpacked object per double would cost a 20-class bigram model (23.6 M
 * of them) 4 s and 570 MB. Sets *used to the bytes it spans.
 */
static double *s_coef_in_place(const unsigned char *p, size_t left, size_t *used, int64_t *n)
{
    ck_assert(left >= 5);
    size_t hdr = 5;
    if ((p[0] & 0xf0) == 0x90) {
        hdr = 1;
        *n = p[0] & 0x0f;
    } else if (p[0] == 0xdc) {
        hdr = 3;
        *n = (int64_t)s_be(p + 1, 2);
    } else {
        ck_assert_int_eq(p[0], 0xdd);
        *n = (int64_t)s_be(p + 1, 4);
    }
    ck_assert((size_t)*n <= (left - hdr) / 9);
    double *a = malloc((size_t)(*n ? *n : 1) * sizeof *a);
    int64_t other = 0;
    for (int64_t i = 0; i < *n; i++) {
        const unsigned char *q = p + hdr + 9 * i;
        uint64_t u = s_be(q + 1, 8);
        other += q[0] != 0xcb;
        memcpy(&a[i], &u, sizeof u);
    }
    ck_assert_msg(other == 0, "saved coef_: %lld of %lld not float64", (long long)other,
                  (long long)*n);
    *used = hdr + 9 * (size_t)*n;
    return a;
}

/* The model through save(), the way a user gets it back: key by key, coef_ in place. */
static void s_model_read(void *sgd, s_model_t *m)
{
    char err[DSK_ERR_LEN];
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_msg(ml_sgd_classifier_ops.save(sgd, &pk, err) == 0, "%s", err);
    const unsigned char *d = (const unsigned char *)sb.data;
    ck_assert_msg(sb.size > 0 && (d[0] & 0xf0) == 0x80, "saved model: not a small map");
    memset(m, 0, sizeof *m);
    int64_t ncoef = -1;
    size_t off = 1;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    for (int k = 0; k < (d[0] & 0x0f); k++) {
        ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
        if (s_key_is(&u.data, "coef")) {
            size_t used;
            m->coef = s_coef_in_place(d + off, sb.size - off, &used, &ncoef);
            off += used;
            continue;
        }
        int key = s_key_is(&u.data, "intercept") ? 1 : s_key_is(&u.data, "n_features") ? 2
                  : s_key_is(&u.data, "n_iter") ? 3 : 0;
        ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
        if (key == 1)
            m->intercept = s_f64s(&u.data, &m->rows);
        else if (key == 2)
            m->nf = u.data.via.i64;
        else if (key == 3)
            m->n_iter = u.data.via.i64;
    }
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    ck_assert_msg(m->coef && m->intercept && m->nf > 0 && ncoef == m->rows * m->nf,
                  "saved model: coef_ of %lld for %lld x %lld", (long long)ncoef,
                  (long long)m->rows, (long long)m->nf);
}

static void s_model_free(s_model_t *m)
{
    free(m->coef);
    free(m->intercept);
}

#define S_SHOWN 3 /* differences printed per kind; the rest are counted */

/*
 * The stored [term, row, value] coefficients: every term must be in dsk's
 * vocabulary (a missing one fails, it is never skipped) and its value equal.
 * Returns the number that differ; *compared counts the entries compared.
 */
static int64_t s_check_terms(const char *what, void *cv, const s_model_t *m, json_t *entries,
                             int64_t *compared)
{
    json_t *col = json_object(); /* term -> dsk column, for the stored terms only */
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
        json_object_set_new(col, json_string_value(json_array_get(e, 0)), json_integer(-1));
    for (int64_t j = 0; j < m->nf; j++) {
        size_t len;
        const char *t = ml_count_vectorizer_term(cv, j, &len);
        if (json_object_getn(col, t, len))
            json_object_setn_new(col, t, len, json_integer(j));
    }
    int64_t bad = 0;
    *compared = 0;
    json_array_foreach(entries, i, e) {
        const char *term = json_string_value(json_array_get(e, 0));
        int64_t r = json_integer_value(json_array_get(e, 1));
        int64_t j = json_integer_value(json_object_get(col, term));
        ck_assert_msg(j >= 0, "%s: scikit-learn's term '%s' is not in dsk's vocabulary", what,
                      term);
        ck_assert_msg(r >= 0 && r < m->rows, "%s: golden row %lld", what, (long long)r);
        double got = m->coef[r * m->nf + j], want = s_num(json_array_get(e, 2));
        if (got != want && bad++ < S_SHOWN)
            printf("  sgd %s: coef_[%lld, '%s'] dsk %.17g scikit-learn %.17g\n", what,
                   (long long)r, term, got, want);
        (*compared)++;
    }
    json_decref(col);
    return bad;
}

/*
 * The fitted model against a golden fingerprint (golden_sgd.py's
 * _fingerprint), bit for bit: n_iter_, every intercept, every coef_ row's
 * FNV-1a hash, and want_terms coefficients by term. Prints what differs and
 * returns the number of differences.
 */
static int s_check_model(const char *what, void *cv, void *sgd, json_t *g, int64_t want_terms)
{
    s_model_t m;
    s_model_read(sgd, &m);
    ck_assert_msg(m.nf == json_integer_value(json_object_get(g, "n_features")),
                  "%s: %lld features, scikit-learn %lld", what, (long long)m.nf,
                  (long long)json_integer_value(json_object_get(g, "n_features")));
    json_t *icp = json_object_get(g, "intercept"), *hashes = json_object_get(g, "coef_row_hashes");
    ck_assert_int_eq(json_array_size(icp), m.rows);
    ck_assert_int_eq(json_array_size(hashes), m.rows);
    int64_t n_iter = json_integer_value(json_object_get(g, "n_iter")), bad_icp = 0, bad_rows = 0;
    for (int64_t r = 0; r < m.rows; r++) {
        double want = s_num(json_array_get(icp, (size_t)r));
        if (m.intercept[r] != want && bad_icp++ < S_SHOWN)
            printf("  sgd %s: intercept_[%lld] dsk %.17g scikit-learn %.17g\n", what,
                   (long long)r, m.intercept[r], want);
        uint64_t h = pu_fnv1a(m.coef + r * m.nf, (size_t)m.nf * sizeof *m.coef, PU_FNV_OFFSET);
        bad_rows += !pu_hash_equals(json_array_get(hashes, (size_t)r), h);
    }
    json_t *terms = json_object_get(g, "coef_by_term");
    ck_assert_int_eq(json_array_size(terms), want_terms);
    int64_t compared, bad_terms = s_check_terms(what, cv, &m, terms, &compared);
    ck_assert_int_eq(compared, want_terms);
    int64_t bad = (m.n_iter != n_iter) + bad_icp + bad_rows + bad_terms;
    printf("  sgd %s: n_iter_ %lld (scikit-learn %lld); differing: %lld of %lld intercepts, "
           "%lld of %lld coef_ rows of %lld (hashed), %lld of %lld coefficients by term%s\n",
           what, (long long)m.n_iter, (long long)n_iter, (long long)bad_icp, (long long)m.rows,
           (long long)bad_rows, (long long)m.rows, (long long)m.nf, (long long)bad_terms,
           (long long)compared, bad ? "" : ": bit-identical to scikit-learn");
    s_model_free(&m);
    return (int)bad;
}

/* The whole 2-category train set, random_state=0, in the default mode. */
START_TEST(test_two_category_model)
{
    json_t *root = pu_golden("sgd"), *g = json_object_get(root, "exact");
    ml_dataset_t *ds = s_load("train", 1);
    s_vect_t v;
    s_vect_fit(&v, ds->X, 1.0, 1);
    ml_data_t *X = s_vect_apply(&v, ds->X);
    void *sgd = s_sgd_fit(X, ds->y, "l2", 0, 0);
    int bad = s_check_model("2 categories, seed 0", v.cv, sgd, g, 10);
    fflush(stdout); /* a failing check ends the forked test without flushing */
    ck_assert_msg(bad == 0, "2 categories: %d differences from scikit-learn", bad);
    ml_sgd_classifier_ops.destroy(sgd);
    ml_data_destroy(&X);
    s_vect_free(&v);
    ml_dataset_destroy(&ds);
    json_decref(root);
}
END_TEST

/* One stored test fold and the rows outside it, documents and labels. */
typedef struct {
    ml_data_t *tr, *te;
    int32_t *ytr, *yte;
} s_split_t;

static void s_split(const ml_dataset_t *ds, json_t *test, s_split_t *sp)
{
    int64_t n = ds->X->nrows, ntr = 0, nte = 0;
    char *in_test = calloc((size_t)n, 1);
    int64_t *tr = malloc((size_t)n * sizeof *tr), *te = malloc((size_t)n * sizeof *te);
    sp->ytr = malloc((size_t)n * sizeof *sp->ytr);
    sp->yte = malloc((size_t)n * sizeof *sp->yte);
    for (size_t i = 0; i < json_array_size(test); i++) {
        json_int_t r = json_integer_value(json_array_get(test, i));
        ck_assert_msg(r >= 0 && r < n, "golden test fold: row %lld", (long long)r);
        in_test[r] = 1;
    }
    for (int64_t i = 0; i < n; i++) {
        if (in_test[i]) {
            sp->yte[nte] = ds->y[i];
            te[nte++] = i;
        } else {
            sp->ytr[ntr] = ds->y[i];
            tr[ntr++] = i;
        }
    }
    sp->tr = ml_data_take_rows(ds->X, tr, ntr);
    sp->te = ml_data_take_rows(ds->X, te, nte);
    free(in_test);
    free(tr);
    free(te);
}

static void s_split_free(s_split_t *sp)
{
    ml_data_destroy(&sp->tr);
    ml_data_destroy(&sp->te);
    free(sp->ytr);
    free(sp->yte);
}

/*
 * The golden file's own discrimination: any two candidates differ in at
 * least one stored split score, so a dsk pipeline that dropped a grid
 * parameter (scoring two candidates alike) cannot match both.
 */
static void s_check_grid_discriminates(json_t *cands)
{
    for (size_t a = 0; a < json_array_size(cands); a++)
        for (size_t b = a + 1; b < json_array_size(cands); b++) {
            json_t *sa = json_object_get(json_array_get(cands, a), "split_scores_by_seed");
            json_t *sb = json_object_get(json_array_get(cands, b), "split_scores_by_seed");
            int differ = 0;
            for (size_t s = 0; s < json_array_size(sa); s++)
                for (size_t k = 0; k < json_array_size(json_array_get(sa, s)); k++)
                    differ |= s_num(json_array_get(json_array_get(sa, s), k)) !=
                              s_num(json_array_get(json_array_get(sb, s), k));
            ck_assert_msg(differ, "golden grid: candidates %zu and %zu score alike", a, b);
        }
}

/* The seed grid: every split score of every candidate for every seed, bit for bit. */
START_TEST(test_seed_grid)
{
    json_t *root = pu_golden("sgd"), *g = json_object_get(root, "grid");
    ml_dataset_t *ds = s_load("train", 1);
    ck_assert_int_eq(ds->X->nrows, json_integer_value(json_object_get(g, "n")));
    json_t *folds = json_object_get(g, "test_folds"), *cands = json_object_get(g, "candidates");
    json_t *seeds = json_object_get(g, "seeds");
    ck_assert_int_eq(json_array_size(cands), 6);
    ck_assert_int_eq(json_array_size(seeds), 5);
    ck_assert_int_eq(json_array_size(folds), 3);
    s_check_grid_discriminates(cands);
    int64_t compared = 0, bad = 0;
    size_t ci;
    json_t *cand;
    json_array_foreach(cands, ci, cand) {
        double max_df = json_number_value(json_object_get(cand, "max_df"));
        int hi = (int)json_integer_value(json_array_get(json_object_get(cand, "ngram_range"), 1));
        json_t *want = json_object_get(cand, "split_scores_by_seed");
        ck_assert_int_eq(json_array_size(want), json_array_size(seeds));
        int64_t cand_bad = bad;
        for (size_t k = 0; k < json_array_size(folds); k++) {
            s_split_t sp;
            s_split(ds, json_array_get(folds, k), &sp);
            s_vect_t v;
            s_vect_fit(&v, sp.tr, max_df, hi);
            ml_data_t *Xtr = s_vect_apply(&v, sp.tr), *Xte = s_vect_apply(&v, sp.te);
            for (size_t s = 0; s < json_array_size(seeds); s++) {
                int seed = (int)json_integer_value(json_array_get(seeds, s));
                void *sgd = s_sgd_fit(Xtr, sp.ytr, "l2", seed, 0);
                double got = s_accuracy(sgd, Xte, sp.yte);
                double w = s_num(json_array_get(json_array_get(want, s), k));
                if (got != w && bad++ - cand_bad < S_SHOWN)
                    printf("  sgd grid max_df=%g ngram=(1,%d) seed %d fold %zu: dsk %.17g "
                           "scikit-learn %.17g\n", max_df, hi, seed, k, got, w);
                compared++;
                ml_sgd_classifier_ops.destroy(sgd);
            }
            ml_data_destroy(&Xtr);
            ml_data_destroy(&Xte);
            s_vect_free(&v);
            s_split_free(&sp);
        }
        printf("  sgd grid max_df=%g ngram=(1,%d): %lld of 15 split scores differ from "
               "scikit-learn's (its mean %.4f)\n", max_df, hi, (long long)(bad - cand_bad),
               s_num(json_object_get(cand, "mean")));
    }
    fflush(stdout); /* a failing check ends the forked test without flushing */
    ck_assert_int_eq(compared, 90);
    ck_assert_msg(bad == 0, "seed grid: %lld of %lld split scores differ from scikit-learn's",
                  (long long)bad, (long long)compared);
    ml_dataset_destroy(&ds);
    json_decref(root);
}
END_TEST

/* All 20 categories, train and test, as TF-IDF of ngram_range (1, hi): the all20 setup. */
typedef struct {
    ml_dataset_t *tr, *te;
    s_vect_t v;
    ml_data_t *Xtr, *Xte;
} s_news20_t;

static void s_news20(s_news20_t *n, int hi)
{
    n->tr = s_load("train", 0);
    n->te = s_load("test", 0);
    s_vect_fit(&n->v, n->tr->X, 1.0, hi);
    n->Xtr = s_vect_apply(&n->v, n->tr->X);
    n->Xte = s_vect_apply(&n->v, n->te->X);
}

static void s_news20_free(s_news20_t *n)
{
    ml_data_destroy(&n->Xtr);
    ml_data_destroy(&n->Xte);
    s_vect_free(&n->v);
    ml_dataset_destroy(&n->tr);
    ml_dataset_destroy(&n->te);
}

/* Mean and sample standard deviation (ddof=1) of stored accuracies. */
static double s_sample_std(json_t *accs, double *mean)
{
    size_t n = json_array_size(accs);
    double m = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        m += s_num(json_array_get(accs, i));
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = s_num(json_array_get(accs, i)) - m;
        ss += d * d;
    }
    *mean = m;
    return sqrt(ss / (double)(n - 1));
}

/*
 * One 20-category setting in the joint pass: dsk's mean accuracy over the
 * golden seeds against scikit-learn's, within 3 of scikit-learn's sample
 * standard deviations over those seeds. Returns 1 when outside.
 */
static int s_joint_setting(const s_news20_t *n, json_t *seeds, json_t *st)
{
    const char *penalty = json_string_value(json_object_get(st, "penalty"));
    json_t *accs = json_object_get(st, "accuracy_by_seed");
    ck_assert_int_eq(json_array_size(accs), json_array_size(seeds));
    double sk_mean, sk_sd = s_sample_std(accs, &sk_mean), tol = 3 * sk_sd, mean = 0;
    int hi = (int)json_integer_value(json_array_get(json_object_get(st, "ngram_range"), 1));
    printf("  sgd all20 (1,%d) %s joint, %zu seeds:", hi, penalty, json_array_size(seeds));
    for (size_t s = 0; s < json_array_size(seeds); s++) {
        int seed = (int)json_integer_value(json_array_get(seeds, s));
        void *sgd = s_sgd_fit(n->Xtr, n->tr->y, penalty, seed, 0);
        double acc = s_accuracy(sgd, n->Xte, n->te->y);
        printf(" %.4f", acc);
        mean += acc;
        ml_sgd_classifier_ops.destroy(sgd);
    }
    mean /= (double)json_array_size(seeds);
    int out = !(fabs(mean - sk_mean) <= tol);
    printf("\n  sgd all20 (1,%d) %s joint: dsk mean %.5f, scikit-learn mean %.5f sd %.5f: "
           "|diff| %.5f %s 3 sd = %.5f\n", hi, penalty, mean, sk_mean, sk_sd,
           fabs(mean - sk_mean), out ? ">" : "<=", tol);
    return out;
}

/*
 * scikit-learn's own pipeline's test accuracy for this exact-mode entry's
 * setting and seed (the "all20" section); the entry's setting must be there.
 */
static double s_pipeline_accuracy(json_t *all20, json_t *e)
{
    size_t i, k;
    json_t *st, *seed;
    json_array_foreach(json_object_get(all20, "settings"), i, st) {
        if (!json_equal(json_object_get(st, "ngram_range"), json_object_get(e, "ngram_range")) ||
            !json_equal(json_object_get(st, "penalty"), json_object_get(e, "penalty")))
            continue;
        json_array_foreach(json_object_get(all20, "seeds"), k, seed)
            if (json_equal(seed, json_object_get(e, "seed")))
                return s_num(json_array_get(json_object_get(st, "accuracy_by_seed"), k));
    }
    ck_abort_msg("golden all20 has no setting for an all20_exact entry");
    return NAN;
}

/*
 * One exact-mode golden entry: the test accuracy equal to scikit-learn's on
 * dsk's TF-IDF and to its own pipeline's (the ulps between the two TF-IDFs
 * move no prediction here), the model bit for bit. Returns the differences.
 */
static int s_exact_setting(const s_news20_t *n, json_t *all20, json_t *e)
{
    const char *penalty = json_string_value(json_object_get(e, "penalty"));
    int seed = (int)json_integer_value(json_object_get(e, "seed"));
    int hi = (int)json_integer_value(json_array_get(json_object_get(e, "ngram_range"), 1));
    char what[96];
    snprintf(what, sizeof what, "all20 (1,%d) %s exact, seed %d", hi, penalty, seed);
    void *sgd = s_sgd_fit(n->Xtr, n->tr->y, penalty, seed, 1);
    double acc = s_accuracy(sgd, n->Xte, n->te->y), want = s_num(json_object_get(e, "accuracy"));
    double pipe = s_pipeline_accuracy(all20, e);
    printf("  sgd %s: accuracy dsk %.17g, scikit-learn %.17g (its pipeline %.17g)\n", what, acc,
           want, pipe);
    int bad = (acc != want) + (acc != pipe);
    bad += s_check_model(what, n->v.cv, sgd, e, 100);
    ml_sgd_classifier_ops.destroy(sgd);
    return bad;
}

/*
 * 20 categories, ngram_range (1, _i), on one vectorization: the default
 * joint pass (l2, elasticnet) within 3 sd of scikit-learn, then the exact
 * per-class mode (l2, elasticnet) bit for bit.
 */
START_TEST(test_all20)
{
    int hi = _i;
    json_t *root = pu_golden("sgd"), *g = json_object_get(root, "all20");
    json_t *seeds = json_object_get(g, "seeds");
    ck_assert_int_ge(json_array_size(seeds), 5);
    s_news20_t n;
    s_news20(&n, hi);
    ck_assert_int_eq(n.tr->X->nrows, json_integer_value(json_object_get(g, "n_train")));
    ck_assert_int_eq(n.te->X->nrows, json_integer_value(json_object_get(g, "n_test")));
    int njoint = 0, nexact = 0, out = 0, bad = 0;
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(g, "settings"), i, st) {
        if (json_integer_value(json_array_get(json_object_get(st, "ngram_range"), 1)) != hi)
            continue;
        ck_assert_int_eq(ml_count_vectorizer_nfeatures(n.v.cv),
                         json_integer_value(json_object_get(st, "n_features")));
        out += s_joint_setting(&n, seeds, st);
        njoint++;
    }
    json_array_foreach(json_object_get(root, "all20_exact"), i, st) {
        if (json_integer_value(json_array_get(json_object_get(st, "ngram_range"), 1)) != hi)
            continue;
        bad += s_exact_setting(&n, g, st);
        nexact++;
    }
    fflush(stdout); /* a failing check ends the forked test without flushing */
    ck_assert_int_eq(njoint, 2); /* l2 and elasticnet, each way */
    ck_assert_int_eq(nexact, 2);
    ck_assert_msg(out == 0 && bad == 0, "20 categories, ngram (1,%d): joint pass: %d of 2 "
                  "settings outside 3 sd; exact mode: %d differences from scikit-learn", hi,
                  out, bad);
    s_news20_free(&n);
    json_decref(root);
}
END_TEST

Suite *dsk_sgd_suite(void)
{
    Suite *s = suite_create("sgd");
    TCase *two = tcase_create("sgd_two_categories");
    tcase_set_timeout(two, 300);
    tcase_add_test(two, test_two_category_model);
    tcase_add_test(two, test_seed_grid);
    suite_add_tcase(s, two);
    TCase *all20 = tcase_create("sgd_all20");
    tcase_set_timeout(all20, 600);
    tcase_add_loop_test(all20, test_all20, 1, 3); /* ngram_range (1, 1), (1, 2) */
    suite_add_tcase(s, all20);
    return s;
}
