/*
 * ml_folds.h — scikit-learn 1.2's KFold and StratifiedKFold, fold for fold.
 *
 * Scores are only comparable with scikit-learn's when every sample lands in
 * the same test fold, so the assignment follows sklearn/model_selection/
 * _split.py exactly: KFold cuts arange(n) (shuffled by RandomState when
 * asked) into n_splits runs, the first n % n_splits one longer;
 * StratifiedKFold encodes classes by order of first appearance, spreads
 * each class over the folds by the round-robin allocation over the sorted
 * codes, and assigns a class's samples to folds in blocks (shuffled per
 * class when asked). Indices come back sorted ascending, as split() yields
 * them.
 *
 * PredefinedSplit takes the assignment as given: sample i is in the test
 * part of the fold its test_fold value names (folds ordered by value), and
 * a sample marked -1 is in every training part and no test part. This is
 * how a search whose splits were made elsewhere (scikit-learn's own cv,
 * handed over by the Python package) runs here with the same rows.
 *
 * Ownership: ml_folds_new() returns an object the caller owns and frees
 * with ml_folds_destroy(); it keeps no pointer to y.
 */
#ifndef ML_FOLDS_H
#define ML_FOLDS_H

#include <stdint.h>

#include "dsk_error.h"

typedef enum {
    ML_FOLDS_KFOLD = 1,
    ML_FOLDS_STRATIFIED,
} ml_folds_kind_t;

/* random_state=None (only meaningful with shuffle: then seeded from the clock). */
#define ML_FOLDS_NO_SEED (-1)

typedef struct ml_folds ml_folds_t;

/*
 * Assigns n samples to n_splits test folds. y (n labels) is required for
 * ML_FOLDS_STRATIFIED and ignored for ML_FOLDS_KFOLD. random_state is
 * ML_FOLDS_NO_SEED or a seed in [0, 2^32). Errors use scikit-learn's
 * texts: n_splits < 2, n_splits > n, random_state without shuffle,
 * "n_splits=5 cannot be greater than the number of members in each class.".
 * A class with fewer members than n_splits is a warning (logged), as in
 * scikit-learn.
 */
int ml_folds_new(ml_folds_kind_t kind, int n_splits, int shuffle, int64_t random_state,
                 const int32_t *y, int64_t n, ml_folds_t **out, char *err);
/*
 * PredefinedSplit(test_fold): n entries, -1 for "never tested", any other
 * value a fold (renumbered 0.. in ascending order of value, as
 * np.unique orders them). At least one sample must be tested.
 */
int ml_folds_predefined(const int32_t *test_fold, int64_t n, ml_folds_t **out, char *err);
void ml_folds_destroy(ml_folds_t **f_p);

/*
 * check_cv(cv=n_splits, y, classifier): StratifiedKFold for a classifier
 * (y binary or multiclass, which int labels always are), KFold otherwise;
 * neither shuffled.
 */
int ml_folds_check_cv(int n_splits, int classifier, const int32_t *y, int64_t n,
                      ml_folds_t **out, char *err);

int ml_folds_n_splits(const ml_folds_t *f);
int64_t ml_folds_n_samples(const ml_folds_t *f);
/* Sizes of fold k's test and train parts (k in [0, n_splits)). */
int64_t ml_folds_test_size(const ml_folds_t *f, int k);
int64_t ml_folds_train_size(const ml_folds_t *f, int k);
/* Fold k's test / train indices, ascending, into out (room for the size above);
   returns the count. */
int64_t ml_folds_test_indices(const ml_folds_t *f, int k, int64_t *out);
int64_t ml_folds_train_indices(const ml_folds_t *f, int k, int64_t *out);
/* The test fold of each sample (n entries; -1: none), owned by f. */
const int32_t *ml_folds_assignment(const ml_folds_t *f);

#endif
