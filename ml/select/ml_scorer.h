/*
 * ml_scorer.h — scikit-learn 1.2's classification metrics and the scorer
 * table a search's "scoring" names.
 *
 * Each metric reproduces sklearn/metrics' arithmetic, down to NumPy's
 * pairwise summation, so cv_results_ scores match to the last bit or
 * nearly: labels are the sorted union of y_true and y_pred; precision and
 * recall with zero_division='warn' give 0.0 where the denominator is 0 (the
 * warning is logged at debug level); roc_auc is _binary_clf_curve with tied
 * scores grouped, roc_curve's drop_intermediate, and the trapezoid rule.
 *
 * A scorer also says which estimator output it needs: predicted labels, or
 * a continuous score for the positive class (decision_function, else
 * predict_proba[:, 1]) as _ThresholdScorer asks for.
 *
 * Ownership: scorers are static; callers own every array they pass.
 */
#ifndef ML_SCORER_H
#define ML_SCORER_H

#include <stdint.h>

#include "dsk_error.h"

typedef enum {
    ML_SCORER_LABELS = 1,   /* predict() */
    ML_SCORER_THRESHOLD,    /* decision_function(), else predict_proba()[:, 1] */
} ml_scorer_input_t;

typedef struct ml_scorer ml_scorer_t;

/* The scorer named as scikit-learn's scoring= string ("f1_macro"). NULL with
   an error listing the valid names when there is none. */
const ml_scorer_t *ml_scorer_find(const char *name, char *err);
const char *ml_scorer_name(const ml_scorer_t *s);
ml_scorer_input_t ml_scorer_input(const ml_scorer_t *s);
/* NULL-terminated list of the supported names, in the table's order. */
const char *const *ml_scorer_names(void);

/* A LABELS scorer on predictions. */
int ml_scorer_score_labels(const ml_scorer_t *s, const int32_t *y_true,
                           const int32_t *y_pred, int64_t n, double *out, char *err);
/* A THRESHOLD scorer on positive-class scores (the greater label is positive). */
/* The same over distinct (y_true, y_pred) pairs, pair i standing for count[i] samples: a
   confusion matrix, summed over chunks without keeping every row. */
int ml_scorer_score_counts(const ml_scorer_t *s, const int32_t *y_true,
                           const int32_t *y_pred, const int64_t *count, int64_t n, double *out,
                           char *err);
int ml_scorer_score_values(const ml_scorer_t *s, const int32_t *y_true, const double *score,
                           int64_t n, double *out, char *err);
/*
 * _ThresholdScorer's target check: y must be binary ("multiclass format is
 * not supported" otherwise). Callers check before computing outputs.
 */
int ml_scorer_check_binary(const ml_scorer_t *s, const int32_t *y_true, int64_t n, char *err);

/* The metrics themselves. */
typedef enum {
    ML_AVERAGE_MACRO = 1,
    ML_AVERAGE_WEIGHTED,
    ML_AVERAGE_MICRO,
} ml_average_t;

int ml_accuracy_score(const int32_t *y_true, const int32_t *y_pred, int64_t n, double *out,
                      char *err);
int ml_balanced_accuracy_score(const int32_t *y_true, const int32_t *y_pred, int64_t n,
                               double *out, char *err);
/* precision_recall_fscore_support(beta=1, average=...); any output may be NULL. */
int ml_precision_recall_f1(const int32_t *y_true, const int32_t *y_pred, int64_t n,
                           ml_average_t average, double *precision, double *recall,
                           double *f1, char *err);
int ml_roc_auc_score(const int32_t *y_true, const double *score, int64_t n, double *out,
                     char *err);

#endif
