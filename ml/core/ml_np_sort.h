/*
 * ml_np_sort.h — NumPy 1.24's argsort(kind='quicksort') (introsort: median
 * of 3 quicksort, insertion sort below 16 elements, heapsort past 2*log2(n)
 * levels) replicated exactly, for code that must break ties where NumPy
 * breaks them (CountVectorizer's max_features).
 *
 * Ownership: the caller owns both arrays.
 */
#ifndef ML_NP_SORT_H
#define ML_NP_SORT_H

#include <stdint.h>

/* NumPy 1.24's argsort(kind='quicksort') of v[0..n) into idx, exactly. */
void ml_np_argsort_i64(const int64_t *v, int64_t *idx, int64_t n);

#endif
