/*
 * ml_hashing_vectorizer.h — scikit-learn's HashingVectorizer (analyzer
 * 'word'): each term's UTF-8 bytes hashed with MurmurHash3 x86_32 (seed 0,
 * signed, as sklearn.utils.murmurhash3_32), column abs(h) % n_features,
 * value -1 when alternate_sign and h < 0; duplicates summed (zeros kept, as
 * scipy's sum_duplicates keeps them), then binary, then the row norm.
 *
 * Parameters: n_features (default 2**20), alternate_sign, norm 'l2'|'l1'|
 * None, binary, and the analyzer's (lowercase, token_pattern, ngram_range,
 * stop_words). Stateless: fit only checks the parameters.
 */
#ifndef ML_HASHING_VECTORIZER_H
#define ML_HASHING_VECTORIZER_H

#include <stddef.h>
#include <stdint.h>

#include "ml_estimator.h"

extern const ml_estimator_ops_t ml_hashing_vectorizer_ops;

/* MurmurHash3_x86_32 of key[0..len) as a signed int (murmurhash3_32(key, seed)). */
int32_t ml_murmurhash3_32(const void *key, size_t len, uint32_t seed);

#endif
