/*
 * ml_tokenizer.h — scikit-learn's word analyzer (build_analyzer() for
 * analyzer='word'): lowercase the whole document (str.lower), find the
 * tokens (token_pattern; the default r"(?u)\b\w\w+\b" by a hand-written
 * scanner over code points with Python's \w, any other pattern through PCRE2
 * with PCRE2_UTF|PCRE2_UCP), drop stop words, then build n-grams joined by
 * one space (_word_ngrams).
 *
 * The analyzer interns every term it produces in its own dictionary and
 * hands back term ids, so a corpus is tokenized once and counted by id;
 * n-grams are interned by their token-id tuple. With the default pattern
 * (tokens never hold a space) and n <= 2 a term stays a token pair and its
 * string is built only when asked for; otherwise the string is interned the
 * first time the tuple is seen, so tuples joining to one string share a term.
 *
 * Custom patterns run on PCRE2, not Python's re: a leading (?u) is dropped
 * (UCP implies it), (?a)/(?L) are refused; PCRE2 10.42's Unicode classes
 * (\w = \p{L}\p{N}_, \d, \s) and Python's agree on ordinary text but are not
 * proven identical on every code point, unlike the default pattern's scanner
 * (checked against Python on all 1,112,064 code points).
 *
 * The parameters (ml_analyzer_cfg_t) live in ml_analyzer_cfg.h.
 *
 * Ownership: an ml_analyzer_t is created by ml_analyzer_new (caller owns it) and used
 * by one thread at a time; ids and term pointers it returns stay owned by it.
 */
#ifndef ML_TOKENIZER_H
#define ML_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "ml_analyzer_cfg.h"

typedef struct ml_analyzer ml_analyzer_t;

/* Compiles the pattern and stop list. NULL with err filled on a bad pattern. */
ml_analyzer_t *ml_analyzer_new(const ml_analyzer_cfg_t *cfg, const char *est, char *err);
void ml_analyzer_destroy(ml_analyzer_t **a_p);

/*
 * The terms of one document, in scikit-learn's order, as ids into the
 * analyzer's dictionary: *ids (n of them) is valid until the next call.
 * Fails (DSK_EINVAL) on invalid UTF-8, as Python's strict decoding would.
 */
int ml_analyzer_doc(ml_analyzer_t *a, const char *doc, size_t len, const int32_t **ids,
                    size_t *n, char *err);

/*
 * The dictionary: the number of terms; term id's bytes (not NUL-terminated;
 * valid until the next call on a); its length, and a copy of it into out.
 * With the default pattern and n <= 2, terms are kept as token pairs and
 * their strings are built on request.
 */
int32_t ml_analyzer_nterms(const ml_analyzer_t *a);
const char *ml_analyzer_term(ml_analyzer_t *a, int32_t id, size_t *len);
size_t ml_analyzer_term_len(const ml_analyzer_t *a, int32_t id);
size_t ml_analyzer_term_write(const ml_analyzer_t *a, int32_t id, char *out);
/* At least the longest term's length (a buffer that size holds any term). */
size_t ml_analyzer_max_term_len(const ml_analyzer_t *a);

/* A hint: about nbytes of text will be analyzed (sizes the n-gram table once). */
void ml_analyzer_reserve(ml_analyzer_t *a, size_t nbytes);

/*
 * Frees what only analyzing needs (hash tables, scratch), keeping the
 * dictionary readable (nterms, term_len, term_write, sorted_ids). No more
 * ml_analyzer_doc or ml_analyzer_term calls after this.
 */
void ml_analyzer_compact(ml_analyzer_t *a);

/* Renumbers the terms: new id k is old id order[k] (then reads are sequential). */
void ml_analyzer_renumber(ml_analyzer_t *a, const int32_t *order);

/*
 * The permutation that sorts the dictionary in Python's string order
 * (code point order = UTF-8 byte order): order[k] is the id of the k-th
 * smallest term. Caller owns the returned array (nterms entries; free it
 * with dsk_big_free, dsk_bigmem.h).
 */
int32_t *ml_analyzer_sorted_ids(const ml_analyzer_t *a);

#endif
