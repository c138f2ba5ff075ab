/*
 * ml_stop_words.h — scikit-learn's built-in stop list, stop_words='english'
 * (sklearn.feature_extraction.text.ENGLISH_STOP_WORDS, 318 words), as a
 * sorted static table. Nothing to free; thread-safe.
 */
#ifndef ML_STOP_WORDS_H
#define ML_STOP_WORDS_H

#include <stddef.h>

/* The words in byte (= code point) order. */
extern const char *const ml_english_stop_words[];
extern const size_t ml_english_stop_words_n;

/* Is w[0..len) one of them? (binary search) */
int ml_stop_words_is_english(const char *w, size_t len);

#endif
