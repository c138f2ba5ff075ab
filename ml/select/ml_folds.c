/* ml_folds.c — KFold and StratifiedKFold with scikit-learn 1.2's assignment. */
#include "ml_folds.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "ml_np_rng.h"
#include "ml_np_sort.h"

struct ml_folds {
    int n_splits;
    int64_t n;
    int32_t *fold;       /* n: the test fold of each sample */
    int64_t *test_size;  /* n_splits */
};

/* check_random_state: an int seeds RandomState; None draws an unpredictable seed. */
static void s_seed(ml_np_rng_t *rng, int64_t random_state)
{
    if (random_state == ML_FOLDS_NO_SEED)
        random_state = (int64_t)(((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16)) &
                                 0xffffffffu);
    ml_np_rng_seed(rng, (uint32_t)random_state);
}

/* KFold._iter_test_indices: contiguous runs of arange(n), shuffled first if asked. */
static void s_kfold(ml_folds_t *f, int shuffle, int64_t random_state)
{
    int64_t *idx = dsk_xcalloc((size_t)f->n, sizeof *idx);
    for (int64_t i = 0; i < f->n; i++)
        idx[i] = i;
    if (shuffle) {
        ml_np_rng_t rng;
        s_seed(&rng, random_state);
        ml_np_rng_shuffle(&rng, idx, f->n);
    }
    int64_t pos = 0;
    for (int k = 0; k < f->n_splits; k++) {
        int64_t size = f->n / f->n_splits + (k < f->n % f->n_splits ? 1 : 0);
        for (int64_t j = 0; j < size; j++)
            f->fold[idx[pos + j]] = k;
        f->test_size[k] = size;
        pos += size;
    }
    free(idx);
}

/*
 * np.unique + the class_perm inversion of _make_test_folds: codes classes
 * by order of first appearance in y. Returns the number of classes; codes
 * holds n codes.
 */
static int64_t s_encode_by_appearance(const int32_t *y, int64_t n, int64_t *codes)
{
    int32_t *vals;
    int64_t nu = ml_np_unique_i32(y, n, NULL, 0, &vals);
    int64_t *code_of = dsk_xcalloc((size_t)nu, sizeof *code_of);
    for (int64_t u = 0; u < nu; u++)
        code_of[u] = -1;
    int64_t next = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t u = ml_np_searchsorted_i32(vals, nu, y[i]);
        if (code_of[u] < 0)
            code_of[u] = next++;
        codes[i] = code_of[u];
    }
    free(code_of);
    free(vals);
    return nu;
}

/*
 * StratifiedKFold._make_test_folds: allocation[i][k] counts class k among
 * positions i, i + s, i + 2s, ... of the sorted codes; class k's samples,
 * in index order, get the folds arange(s).repeat(allocation[:, k]),
 * shuffled with the one RandomState when shuffle is on.
 */
static int s_stratified(ml_folds_t *f, int shuffle, int64_t random_state, const int32_t *y,
                        char *err)
{
    int s = f->n_splits;
    int64_t n = f->n;
    int64_t *codes = dsk_xcalloc((size_t)n, sizeof *codes);
    int64_t nc = s_encode_by_appearance(y, n, codes);
    int64_t *counts = dsk_xcalloc((size_t)nc, sizeof *counts);
    for (int64_t i = 0; i < n; i++)
        counts[codes[i]]++;
    int64_t min_count = n, max_count = 0;
    for (int64_t k = 0; k < nc; k++) {
        min_count = counts[k] < min_count ? counts[k] : min_count;
        max_count = counts[k] > max_count ? counts[k] : max_count;
    }
    if (max_count < s) {
        free(codes);
        free(counts);
        return dsk_seterr(err, DSK_EINVAL,
                          "n_splits=%d cannot be greater than the number of members in "
                          "each class.", s);
    }
    if (min_count < s)
        dsk_warn("The least populated class in y has only %lld members, which is less "
                 "than n_splits=%d.", (long long)min_count, s);
    int64_t *alloc = dsk_xcalloc((size_t)(s * nc), sizeof *alloc); /* [fold][class] */
    int64_t pos = 0;
    for (int64_t k = 0; k < nc; k++)
        for (int64_t j = 0; j < counts[k]; j++, pos++)
            alloc[(pos % s) * nc + k]++;
    ml_np_rng_t rng;
    if (shuffle)
        s_seed(&rng, random_state);
    int64_t *ffc = dsk_xcalloc((size_t)n, sizeof *ffc);
    int64_t *cursor = dsk_xcalloc((size_t)nc, sizeof *cursor);
    int64_t *start = dsk_xcalloc((size_t)nc, sizeof *start);
    for (int64_t k = 0, off = 0; k < nc; k++) {
        start[k] = off;
        int64_t *blk = ffc + off;
        int64_t m = 0;
        for (int i = 0; i < s; i++)
            for (int64_t j = 0; j < alloc[i * nc + k]; j++)
                blk[m++] = i;
        if (shuffle)
            ml_np_rng_shuffle(&rng, blk, m);
        off += counts[k];
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t k = codes[i];
        f->fold[i] = (int32_t)ffc[start[k] + cursor[k]++];
        f->test_size[f->fold[i]]++;
    }
    free(start);
    free(cursor);
    free(ffc);
    free(alloc);
    free(counts);
    free(codes);
    return DSK_OK;
}

int ml_folds_new(ml_folds_kind_t kind, int n_splits, int shuffle, int64_t random_state,
                 const int32_t *y, int64_t n, ml_folds_t **out, char *err)
{
    *out = NULL;
    if (kind != ML_FOLDS_KFOLD && kind != ML_FOLDS_STRATIFIED)
        return dsk_seterr(err, DSK_EINVAL, "unknown cross-validator kind %d", (int)kind);
    if (n_splits <= 1)
        return dsk_seterr(err, DSK_EINVAL,
                          "k-fold cross-validation requires at least one train/test split "
                          "by setting n_splits=2 or more, got n_splits=%d.", n_splits);
    if (!shuffle && random_state != ML_FOLDS_NO_SEED)
        return dsk_seterr(err, DSK_EINVAL,
                          "Setting a random_state has no effect since shuffle is False. You "
                          "should leave random_state to its default (None), or set "
                          "shuffle=True.");
    if (random_state != ML_FOLDS_NO_SEED && (random_state < 0 || random_state > 0xffffffffLL))
        return dsk_seterr(err, DSK_EINVAL,
                          "random_state must be an integer in [0, 2**32 - 1], got %lld",
                          (long long)random_state);
    if (n < 0 || n_splits > n)
        return dsk_seterr(err, DSK_EINVAL,
                          "Cannot have number of splits n_splits=%d greater than the number "
                          "of samples: n_samples=%lld.", n_splits, (long long)n);
    if (kind == ML_FOLDS_STRATIFIED && !y)
        return dsk_seterr(err, DSK_EINVAL, "StratifiedKFold needs the labels y");
    ml_folds_t *f = dsk_xcalloc(1, sizeof *f);
    f->n_splits = n_splits;
    f->n = n;
    f->fold = dsk_xcalloc((size_t)n, sizeof *f->fold);
    f->test_size = dsk_xcalloc((size_t)n_splits, sizeof *f->test_size);
    if (kind == ML_FOLDS_KFOLD) {
        s_kfold(f, shuffle, random_state);
    } else {
        int rc = s_stratified(f, shuffle, random_state, y, err);
        if (rc) {
            ml_folds_destroy(&f);
            return rc;
        }
    }
    *out = f;
    return DSK_OK;
}

static int s_cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int ml_folds_predefined(const int32_t *test_fold, int64_t n, ml_folds_t **out, char *err)
{
    *out = NULL;
    if (n < 1)
        return dsk_seterr(err, DSK_EINVAL, "PredefinedSplit: test_fold is empty");
    /* the distinct values other than -1, ascending: fold k is the k-th of them */
    int32_t *vals = dsk_xmalloc((size_t)n * sizeof *vals);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (test_fold[i] != -1)
            vals[m++] = test_fold[i];
    qsort(vals, (size_t)m, sizeof *vals, s_cmp_i32);
    int64_t k = 0;
    for (int64_t i = 0; i < m; i++)
        if (i == 0 || vals[i] != vals[k - 1])
            vals[k++] = vals[i];
    if (k == 0) {
        free(vals);
        return dsk_seterr(err, DSK_EINVAL, "PredefinedSplit: every entry of test_fold is -1, "
                          "so there is no split to test on");
    }
    ml_folds_t *f = dsk_xcalloc(1, sizeof *f);
    f->n_splits = (int)k;
    f->n = n;
    f->fold = dsk_xmalloc((size_t)n * sizeof *f->fold);
    f->test_size = dsk_xcalloc((size_t)k, sizeof *f->test_size);
    for (int64_t i = 0; i < n; i++) {
        if (test_fold[i] == -1) {
            f->fold[i] = -1;
            continue;
        }
        const int32_t *at = bsearch(&test_fold[i], vals, (size_t)k, sizeof *vals, s_cmp_i32);
        f->fold[i] = (int32_t)(at - vals);
        f->test_size[f->fold[i]]++;
    }
    free(vals);
    *out = f;
    return DSK_OK;
}

int ml_folds_check_cv(int n_splits, int classifier, const int32_t *y, int64_t n,
                      ml_folds_t **out, char *err)
{
    ml_folds_kind_t kind = classifier && y ? ML_FOLDS_STRATIFIED : ML_FOLDS_KFOLD;
    return ml_folds_new(kind, n_splits, 0, ML_FOLDS_NO_SEED, y, n, out, err);
}

void ml_folds_destroy(ml_folds_t **f_p)
{
    if (!f_p || !*f_p)
        return;
    free((*f_p)->fold);
    free((*f_p)->test_size);
    free(*f_p);
    *f_p = NULL;
}

int ml_folds_n_splits(const ml_folds_t *f) { return f->n_splits; }
int64_t ml_folds_n_samples(const ml_folds_t *f) { return f->n; }
const int32_t *ml_folds_assignment(const ml_folds_t *f) { return f->fold; }

int64_t ml_folds_test_size(const ml_folds_t *f, int k)
{
    return k >= 0 && k < f->n_splits ? f->test_size[k] : 0;
}

int64_t ml_folds_train_size(const ml_folds_t *f, int k)
{
    return k >= 0 && k < f->n_splits ? f->n - f->test_size[k] : 0;
}

int64_t ml_folds_test_indices(const ml_folds_t *f, int k, int64_t *out)
{
    int64_t m = 0;
    for (int64_t i = 0; i < f->n; i++)
        if (f->fold[i] == k)
            out[m++] = i;
    return m;
}

int64_t ml_folds_train_indices(const ml_folds_t *f, int k, int64_t *out)
{
    int64_t m = 0;
    for (int64_t i = 0; i < f->n; i++)
        if (f->fold[i] != k)
            out[m++] = i;
    return m;
}
