/*
 * ml_roc_stream.h — roc_auc over more rows than memory should hold
 * (dsk-submit predict --method score with roc_auc on a large input): each
 * row's label and decision value are added as chunks come back, kept in
 * sorted runs of a bounded size that spill to a temporary file, and merged
 * in descending order at the end, where the curve is walked and its
 * trapezoids summed as NumPy sums them. The result is ml_roc_auc_score's
 * on the same rows, to the bit (the same thresholds, the same dropped
 * points, the same 8192-value pairwise runs); memory is one run, not the
 * rows.
 */
#ifndef ML_ROC_STREAM_H
#define ML_ROC_STREAM_H

#include <stdint.h>

#include "dsk_error.h"

typedef struct ml_roc_stream ml_roc_stream_t;

/* run_rows: the rows held before a run is sorted and spilled (0: 1 << 20). */
ml_roc_stream_t *ml_roc_stream_new(int64_t run_rows);
void ml_roc_stream_destroy(ml_roc_stream_t **s_p);
/* Rows' labels (class codes) and decision values; an error for a value that is not finite
   or a file that cannot be written. */
int ml_roc_stream_add(ml_roc_stream_t *s, const int32_t *y, const double *v, int64_t n,
                      char *err);
/* roc_auc_score over every row added (the greater of the two labels is the positive). */
int ml_roc_stream_score(ml_roc_stream_t *s, double *out, char *err);

#endif
