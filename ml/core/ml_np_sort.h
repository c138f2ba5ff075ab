/*
 * ml_np_sort.h — NumPy 1.24's argsort(kind='quicksort') (introsort: median
 * of 3 quicksort, insertion sort below 16 elements, heapsort past 2*log2(n)
 * levels) replicated exactly, for code that must break ties where NumPy
 * breaks them (CountVectorizer's max_features).
 *
 * Also np.unique and np.searchsorted over int32 labels, the one way every
 * estimator and scorer finds its classes (sorted, distinct).
 *
 * Ownership: the caller owns the arrays it passes; what ml_np_unique_i32
 * returns is the caller's to free().
 */
#ifndef ML_NP_SORT_H
#define ML_NP_SORT_H

#include <stdint.h>

/* NumPy 1.24's argsort(kind='quicksort') of v[0..n) into idx, exactly. */
void ml_np_argsort_i64(const int64_t *v, int64_t *idx, int64_t n);
/* np.unique(np.concatenate([a, b])): the sorted distinct values of a[0..na) and b[0..nb)
   (b may be NULL) into *out (never NULL); returns how many. */
int64_t ml_np_unique_i32(const int32_t *a, int64_t na, const int32_t *b, int64_t nb,
                         int32_t **out);
/* np.searchsorted(sorted, v): the first index whose value is not below v (v's index when
   sorted[0..n) holds it). */
int64_t ml_np_searchsorted_i32(const int32_t *sorted, int64_t n, int32_t v);

#endif
