/*
 * ml_count_vectorizer.h — scikit-learn's CountVectorizer (analyzer='word'),
 * and the split fit a search uses to tokenize a corpus once.
 *
 * Parameters: lowercase, token_pattern, ngram_range, stop_words (None,
 * 'english' or a list), max_df, min_df (float = proportion, int = count),
 * max_features, binary, vocabulary (a list: fixed columns, no pruning);
 * input/encoding/decode_error/strip_accents/preprocessor/tokenizer/analyzer/
 * dtype are accepted at their defaults only. Output: CSR with sorted column
 * indices, counts as doubles; vocabulary terms in Python string order.
 *
 * max_features keeps the terms with the largest total counts, ranked with a
 * replica of NumPy 1.24's argsort (introsort) on the negated counts, so
 * even ties at the cut-off fall as in scikit-learn.
 *
 * THE SPLIT FIT (ml_doc_counts.h). ml_doc_counts_build tokenizes and counts every document
 * once for one analyzer configuration: per-document (term id, count) lists
 * over a corpus-wide dictionary. A CountVectorizer whose analyzer equals
 * that configuration can then fit on any subset of rows (a fold's training
 * rows: vocabulary, max_df/min_df/max_features, training matrix) and
 * transform any rows, from the counts alone, bit for bit as
 * fit_transform/transform on those documents.
 *
 * Ownership: a doc counts object is immutable once built (share it between
 * threads freely); the caller owns it and every matrix returned.
 */
#ifndef ML_COUNT_VECTORIZER_H
#define ML_COUNT_VECTORIZER_H

#include <stdint.h>

#include "ml_analyzer_cfg.h"
#include "ml_data.h"
#include "ml_doc_counts.h"
#include "ml_estimator.h"
#include "ml_np_sort.h"
#include "ml_tokenizer.h"

extern const ml_estimator_ops_t ml_count_vectorizer_ops;

/* The analyzer configuration of a CountVectorizer impl (owned by it). */
const ml_analyzer_cfg_t *ml_count_vectorizer_analyzer_cfg(const void *impl);
/* May impl be fitted from c? (its analyzer parameters equal c's) */
int ml_count_vectorizer_same_analyzer(const void *impl, const ml_doc_counts_t *c);

/*
 * Fits impl on the rows rows[0..n) of c (rows NULL: all of c's documents)
 * and, if X is not NULL, gives the fitted matrix of those rows (what
 * fit_transform returns). DSK_EINVAL if the analyzers differ.
 */
int ml_count_vectorizer_fit_counts(void *impl, const ml_doc_counts_t *c, const int64_t *rows,
                                   int64_t n, ml_csr_t **X, char *err);
/* transform() of rows[0..n) of c (rows NULL: all); unknown terms dropped. */
int ml_count_vectorizer_transform_counts(const void *impl, const ml_doc_counts_t *c,
                                         const int64_t *rows, int64_t n, ml_csr_t **out,
                                         char *err);

/* The fitted vocabulary: number of columns, and column j's term. */
int64_t ml_count_vectorizer_nfeatures(const void *impl);
const char *ml_count_vectorizer_term(const void *impl, int64_t j, size_t *len);

/* For TfidfVectorizer, which wraps a CountVectorizer: errors name `est`. */
void ml_count_vectorizer_set_est_name(void *impl, const char *est);

#endif
