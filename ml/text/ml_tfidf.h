/*
 * ml_tfidf.h — scikit-learn's TfidfTransformer and TfidfVectorizer.
 *
 * TfidfTransformer (norm 'l2'|'l1'|None, use_idf, smooth_idf, sublinear_tf):
 * fit learns idf = ln((1 + n) / (1 + df)) + 1 (smooth_idf) or ln(n / df) + 1;
 * transform takes a CSR count matrix, replaces tf by 1 + ln(tf) when
 * sublinear, multiplies by idf (dropping entries that become zero, as
 * scipy's product with the idf diagonal does) and normalizes each row, in
 * scikit-learn's order of operations. TfidfVectorizer is CountVectorizer's
 * parameters plus those four, fitted as CountVectorizer then the
 * transformer on its counts.
 *
 * Ownership: impls are the ops' create()d objects; transform returns new
 * data the caller owns. Model state: idf_ (and the vocabulary).
 */
#ifndef ML_TFIDF_H
#define ML_TFIDF_H

#include "ml_estimator.h"
#include "ml_matrix.h"

extern const ml_estimator_ops_t ml_tfidf_transformer_ops;
extern const ml_estimator_ops_t ml_tfidf_vectorizer_ops;

/* The TfidfTransformer inside a TfidfVectorizer impl, and its CountVectorizer. */
void *ml_tfidf_vectorizer_transformer(void *impl);
void *ml_tfidf_vectorizer_counter(void *impl);

/* transform() on a CSR matrix directly: *out is a new matrix the caller owns. */
int ml_tfidf_transform_csr(const void *transformer, const ml_csr_t *X, ml_csr_t **out,
                           char *err);

/* Row normalization as sklearn.preprocessing.normalize (norm 1 = l1, 2 = l2), in place. */
void ml_csr_normalize_rows(ml_csr_t *X, int norm);

#endif
