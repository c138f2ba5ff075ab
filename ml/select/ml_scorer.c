/* ml_scorer.c — classification metrics with scikit-learn 1.2's arithmetic. */
#include "ml_scorer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "ml_np_sort.h"
#include "ml_np_sum.h"

struct ml_scorer {
    const char *name;
    ml_scorer_input_t input;
    int kind;               /* S_ACCURACY ... */
    ml_average_t average;
};

enum { S_ACCURACY, S_BALANCED, S_PRECISION, S_RECALL, S_F1, S_ROC_AUC };

static const ml_scorer_t s_scorers[] = {
    {"accuracy", ML_SCORER_LABELS, S_ACCURACY, 0},
    {"balanced_accuracy", ML_SCORER_LABELS, S_BALANCED, 0},
    {"f1_macro", ML_SCORER_LABELS, S_F1, ML_AVERAGE_MACRO},
    {"f1_micro", ML_SCORER_LABELS, S_F1, ML_AVERAGE_MICRO},
    {"f1_weighted", ML_SCORER_LABELS, S_F1, ML_AVERAGE_WEIGHTED},
    {"precision_macro", ML_SCORER_LABELS, S_PRECISION, ML_AVERAGE_MACRO},
    {"precision_micro", ML_SCORER_LABELS, S_PRECISION, ML_AVERAGE_MICRO},
    {"precision_weighted", ML_SCORER_LABELS, S_PRECISION, ML_AVERAGE_WEIGHTED},
    {"recall_macro", ML_SCORER_LABELS, S_RECALL, ML_AVERAGE_MACRO},
    {"recall_micro", ML_SCORER_LABELS, S_RECALL, ML_AVERAGE_MICRO},
    {"recall_weighted", ML_SCORER_LABELS, S_RECALL, ML_AVERAGE_WEIGHTED},
    {"roc_auc", ML_SCORER_THRESHOLD, S_ROC_AUC, 0},
};
#define S_N_SCORERS (sizeof s_scorers / sizeof s_scorers[0])

static const char *const s_names[] = {
    "accuracy", "balanced_accuracy", "f1_macro", "f1_micro", "f1_weighted",
    "precision_macro", "precision_micro", "precision_weighted", "recall_macro",
    "recall_micro", "recall_weighted", "roc_auc", NULL,
};

const char *const *ml_scorer_names(void) { return s_names; }
const char *ml_scorer_name(const ml_scorer_t *s) { return s->name; }
ml_scorer_input_t ml_scorer_input(const ml_scorer_t *s) { return s->input; }

const ml_scorer_t *ml_scorer_find(const char *name, char *err)
{
    for (size_t i = 0; i < S_N_SCORERS; i++)
        if (strcmp(s_scorers[i].name, name) == 0)
            return &s_scorers[i];
    char list[512];
    size_t o = 0;
    list[0] = '\0';
    for (size_t i = 0; s_names[i] && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", s_names[i]);
    dsk_seterr(err, DSK_EINVAL, "'%s' is not a valid scoring value; valid values are: %s",
               name, list);
    return NULL;
}

/* Per-label tp, predicted and true counts (multilabel_confusion_matrix); sample i counts
   w[i] times (w NULL: once). */
static int64_t s_counts(const int32_t *y_true, const int32_t *y_pred, const int64_t *w,
                        int64_t n, double **tp, double **pred, double **truth)
{
    int32_t *labels;
    int64_t k = ml_np_unique_i32(y_true, n, y_pred, n, &labels);
    *tp = dsk_xcalloc((size_t)k + 1, sizeof **tp);
    *pred = dsk_xcalloc((size_t)k + 1, sizeof **pred);
    *truth = dsk_xcalloc((size_t)k + 1, sizeof **truth);
    for (int64_t i = 0; i < n; i++) {
        int64_t t = ml_np_searchsorted_i32(labels, k, y_true[i]), p = ml_np_searchsorted_i32(labels, k, y_pred[i]);
        double c = w ? (double)w[i] : 1.0;
        (*truth)[t] += c;
        (*pred)[p] += c;
        if (t == p)
            (*tp)[t] += c;
    }
    free(labels);
    return k;
}

static int s_check_n(int64_t n, char *err)
{
    if (n <= 0)
        return dsk_seterr(err, DSK_EINVAL, "cannot score an empty set of samples");
    return DSK_OK;
}

/* The samples' total: n, or the weights' sum. */
static int64_t s_total(const int64_t *w, int64_t n)
{
    int64_t t = w ? 0 : n;
    for (int64_t i = 0; w && i < n; i++)
        t += w[i];
    return t;
}

static int s_accuracy(const int32_t *y_true, const int32_t *y_pred, const int64_t *w,
                      int64_t n, double *out, char *err)
{
    int rc = s_check_n(s_total(w, n), err);
    if (rc)
        return rc;
    int64_t hits = 0;
    for (int64_t i = 0; i < n; i++)
        hits += y_true[i] == y_pred[i] ? (w ? w[i] : 1) : 0;
    *out = (double)hits / (double)s_total(w, n);
    return DSK_OK;
}

int ml_accuracy_score(const int32_t *y_true, const int32_t *y_pred, int64_t n, double *out,
                      char *err)
{
    return s_accuracy(y_true, y_pred, NULL, n, out, err);
}

/* diag(C) / C.sum(axis=1), classes absent from y_true dropped, then the mean. */
static int s_balanced(const int32_t *y_true, const int32_t *y_pred, const int64_t *w,
                      int64_t n, double *out, char *err)
{
    int rc = s_check_n(s_total(w, n), err);
    if (rc)
        return rc;
    double *tp, *pred, *truth;
    int64_t k = s_counts(y_true, y_pred, w, n, &tp, &pred, &truth);
    int64_t m = 0;
    for (int64_t j = 0; j < k; j++)
        if (truth[j] > 0)
            tp[m++] = tp[j] / truth[j];
    if (m < k)
        dsk_debug("balanced_accuracy: y_pred contains classes not in y_true");
    *out = ml_np_sum_buffered(tp, m) / (double)m;
    free(tp);
    free(pred);
    free(truth);
    return DSK_OK;
}

int ml_balanced_accuracy_score(const int32_t *y_true, const int32_t *y_pred, int64_t n,
                               double *out, char *err)
{
    return s_balanced(y_true, y_pred, NULL, n, out, err);
}

/* _prf_divide with zero_division='warn': 0.0 where the denominator is 0. */
static void s_prf_divide(const double *num, const double *den, double *out, int64_t k,
                         const char *what)
{
    int zero = 0;
    for (int64_t j = 0; j < k; j++) {
        if (den[j] == 0) {
            out[j] = 0.0;
            zero = 1;
        } else {
            out[j] = num[j] / den[j];
        }
    }
    if (zero)
        dsk_debug("%s is ill-defined and being set to 0.0 in labels with no samples", what);
}

/* np.average(a, weights=w): sum(a * w) / sum(w), both NumPy-summed; mean without w. */
static double s_average(double *a, const double *w, int64_t k)
{
    if (!w)
        return ml_np_sum_buffered(a, k) / (double)k;
    double *aw = dsk_xmalloc((size_t)(k + 1) * sizeof *aw);
    for (int64_t j = 0; j < k; j++)
        aw[j] = a[j] * w[j];
    double r = ml_np_sum_buffered(aw, k) / ml_np_sum_buffered(w, k);
    free(aw);
    return r;
}

/*
 * precision_recall_fscore_support(beta=1, zero_division='warn'): per-label
 * statistics (summed first for micro), divided with zero -> 0.0, F as
 * (1 + beta2) * p * r / (beta2 * p + r) with a zero denominator set to 1,
 * then averaged (weighted by support for 'weighted').
 */
static int s_prf(const int32_t *y_true, const int32_t *y_pred, const int64_t *cw, int64_t n,
                 ml_average_t average, double *precision, double *recall, double *f1,
                 char *err)
{
    int rc = s_check_n(s_total(cw, n), err);
    if (rc)
        return rc;
    if (average != ML_AVERAGE_MACRO && average != ML_AVERAGE_WEIGHTED &&
        average != ML_AVERAGE_MICRO)
        return dsk_seterr(err, DSK_EINVAL, "unknown average %d", (int)average);
    double *tp, *pred, *truth;
    int64_t k = s_counts(y_true, y_pred, cw, n, &tp, &pred, &truth);
    if (average == ML_AVERAGE_MICRO) {
        tp[0] = ml_np_sum_buffered(tp, k);
        pred[0] = ml_np_sum_buffered(pred, k);
        truth[0] = ml_np_sum_buffered(truth, k);
        k = 1;
    }
    double *p = dsk_xmalloc((size_t)(3 * k + 1) * sizeof *p), *r = p + k, *f = p + 2 * k;
    s_prf_divide(tp, pred, p, k, "Precision");
    s_prf_divide(tp, truth, r, k, "Recall");
    for (int64_t j = 0; j < k; j++) {
        double den = 1.0 * p[j] + r[j];
        if (den == 0.0)
            den = 1;
        f[j] = (1 + 1.0) * p[j] * r[j] / den;
    }
    const double *w = average == ML_AVERAGE_WEIGHTED ? truth : NULL;
    /* weights summing to 0 cannot happen here: n > 0 samples have true labels */
    if (precision)
        *precision = s_average(p, w, k);
    if (recall)
        *recall = s_average(r, w, k);
    if (f1)
        *f1 = s_average(f, w, k);
    free(p);
    free(tp);
    free(pred);
    free(truth);
    return DSK_OK;
}

int ml_precision_recall_f1(const int32_t *y_true, const int32_t *y_pred, int64_t n,
                           ml_average_t average, double *precision, double *recall,
                           double *f1, char *err)
{
    return s_prf(y_true, y_pred, NULL, n, average, precision, recall, f1, err);
}

typedef struct {
    double score;
    int pos;
} s_scored_t;

static int s_cmp_desc(const void *a, const void *b)
{
    double x = ((const s_scored_t *)a)->score, y = ((const s_scored_t *)b)->score;
    return (x < y) - (x > y);
}

/*
 * _binary_clf_curve: scores sorted descending, cumulative true and false
 * positives at the last index of each group of tied scores. Returns the
 * number of thresholds; tps/fps malloc'd.
 */
static int64_t s_clf_curve(const int32_t *y_true, const double *score, int64_t n,
                           int32_t positive, double **tps, double **fps)
{
    s_scored_t *s = dsk_xmalloc((size_t)n * sizeof *s);
    *tps = dsk_xmalloc((size_t)(n + 1) * sizeof **tps);
    *fps = dsk_xmalloc((size_t)(n + 1) * sizeof **fps);
    for (int64_t i = 0; i < n; i++)
        s[i] = (s_scored_t){score[i], y_true[i] == positive};
    qsort(s, (size_t)n, sizeof *s, s_cmp_desc);
    double cum = 0;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        cum += s[i].pos;
        if (i == n - 1 || s[i].score != s[i + 1].score) {
            (*tps)[m] = cum;
            (*fps)[m] = (double)(1 + i) - cum;
            m++;
        }
    }
    free(s);
    return m;
}

/*
 * roc_curve(drop_intermediate=True) then auc: keep the thresholds where
 * the second difference of fps or tps is non-zero (and both ends), prepend
 * (0, 0), normalise, and integrate with np.trapz (NumPy-summed).
 */
int ml_roc_auc_score(const int32_t *y_true, const double *score, int64_t n, double *out,
                     char *err)
{
    int rc = s_check_n(n, err);
    if (rc)
        return rc;
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(score[i]))
            return dsk_seterr(err, DSK_EINVAL, "Input contains NaN, infinity or a value too "
                                               "large for dtype('float64').");
    int32_t *labels;
    int64_t k = ml_np_unique_i32(y_true, n, NULL, 0, &labels);
    int32_t positive = labels[k - 1];
    free(labels);
    if (k != 2)
        return dsk_seterr(err, DSK_EINVAL, k == 1 ? "Only one class present in y_true. ROC "
                                                    "AUC score is not defined in that case."
                                                  : "multiclass format is not supported");
    double *tps, *fps;
    int64_t m = s_clf_curve(y_true, score, n, positive, &tps, &fps);
    double *x = dsk_xmalloc((size_t)(m + 2) * sizeof *x);
    double *y = dsk_xmalloc((size_t)(m + 2) * sizeof *y);
    int64_t q = 0;
    x[q] = 0;
    y[q++] = 0;
    for (int64_t i = 0; i < m; i++) {
        int keep = i == 0 || i == m - 1 ||
                   ((fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1])) != 0 ||
                   ((tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1])) != 0;
        if (keep) {
            x[q] = fps[i];
            y[q++] = tps[i];
        }
    }
    double fmax = x[q - 1], tmax = y[q - 1];
    for (int64_t i = 0; i < q; i++) {
        x[i] /= fmax;
        y[i] /= tmax;
    }
    for (int64_t i = 0; i + 1 < q; i++)
        tps[i] = (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
    *out = ml_np_sum_buffered(tps, q - 1);
    free(x);
    free(y);
    free(tps);
    free(fps);
    return DSK_OK;
}

int ml_scorer_check_binary(const ml_scorer_t *s, const int32_t *y_true, int64_t n, char *err)
{
    if (s->input != ML_SCORER_THRESHOLD)
        return DSK_OK;
    int32_t *labels;
    int64_t k = ml_np_unique_i32(y_true, n, NULL, 0, &labels);
    free(labels);
    if (k > 2)
        return dsk_seterr(err, DSK_EINVAL, "%s: multiclass format is not supported", s->name);
    return DSK_OK;
}

int ml_scorer_score_counts(const ml_scorer_t *s, const int32_t *y_true,
                           const int32_t *y_pred, const int64_t *count, int64_t n, double *out,
                           char *err)
{
    switch (s->kind) {
    case S_ACCURACY:
        return s_accuracy(y_true, y_pred, count, n, out, err);
    case S_BALANCED:
        return s_balanced(y_true, y_pred, count, n, out, err);
    case S_PRECISION:
        return s_prf(y_true, y_pred, count, n, s->average, out, NULL, NULL, err);
    case S_RECALL:
        return s_prf(y_true, y_pred, count, n, s->average, NULL, out, NULL, err);
    case S_F1:
        return s_prf(y_true, y_pred, count, n, s->average, NULL, NULL, out, err);
    }
    return dsk_seterr(err, DSK_EINVAL, "scorer '%s' needs continuous scores, not labels",
                      s->name);
}

int ml_scorer_score_labels(const ml_scorer_t *s, const int32_t *y_true,
                           const int32_t *y_pred, int64_t n, double *out, char *err)
{
    return ml_scorer_score_counts(s, y_true, y_pred, NULL, n, out, err);
}

int ml_scorer_score_values(const ml_scorer_t *s, const int32_t *y_true, const double *score,
                           int64_t n, double *out, char *err)
{
    if (s->kind != S_ROC_AUC)
        return dsk_seterr(err, DSK_EINVAL, "scorer '%s' needs predicted labels, not scores",
                          s->name);
    return ml_roc_auc_score(y_true, score, n, out, err);
}
