/*
 * ml_np_sum.h — NumPy 1.24's float64 sums and variance, to the last bit.
 *
 * scikit-learn's numbers (gamma='scale', averaged scores, predict_proba
 * normalisation) come out of np.add.reduce, whose result depends on the
 * order of the additions. NumPy adds in three layers, and each function
 * here reproduces some of them:
 *
 *   1. pairwise_sum (numpy/core/src/umath/loops_utils.h.src) on one run of
 *      contiguous values: a plain loop below 8 values, eight interleaved
 *      accumulators up to 128, and above that the two halves (cut at a
 *      multiple of 8) summed recursively.           -> ml_np_pairwise_sum
 *   2. The reduce loop starts from add's identity and adds each run's
 *      pairwise sum to it: 0.0 + pairwise_sum(run). A row reduced along
 *      its own axis (prob.sum(axis=1)) or any array of at most 8192
 *      values is one run.                          -> ml_np_sum
 *   3. A reduction goes through NumPy's buffered iterator, which hands the
 *      loop runs of at most its buffer size, 8192 values, even for a
 *      contiguous 1-D array: np.sum / X.var() over more than 8192 values
 *      is 0.0 + pw(a[0:8192]) + pw(a[8192:16384]) + ...
 *      (checked against numpy 1.24 on 30,000 values: the chunked sum
 *      matches, the single run does not).          -> ml_np_sum_buffered
 *
 * For n <= 8192, ml_np_sum and ml_np_sum_buffered agree bit for bit.
 *
 * Ownership: pure functions on caller-owned arrays; no state.
 */
#ifndef ML_NP_SUM_H
#define ML_NP_SUM_H

#include <stdint.h>

#define ML_NP_BUFSIZE 8192 /* NPY_BUFSIZE: the longest run a reduction's loop sees */

/* NumPy's pairwise_sum of a[0..n) taken as one contiguous run. */
double ml_np_pairwise_sum(const double *a, int64_t n);

/* np.add.reduce over one run: 0.0 + pairwise_sum (exact for n <= 8192). */
double ml_np_sum(const double *a, int64_t n);

/* np.add.reduce as the buffered iterator runs it: runs of 8192 values. */
double ml_np_sum_buffered(const double *a, int64_t n);

/* NumPy's a.var() over all n values (ddof 0): buffered sums of the mean
   and of the squared deviations. NaN for n <= 0. */
double ml_np_var(const double *a, int64_t n);

#endif
