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
 * Ownership: ml_analyzer_cfg_t owns its strings (cfg_clear frees them).
 * An ml_analyzer_t is created by ml_analyzer_new (caller owns it) and used
 * by one thread at a time; ids and term pointers it returns stay owned by it.
 */
#ifndef ML_TOKENIZER_H
#define ML_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_value.h"

#define ML_DEFAULT_TOKEN_PATTERN "(?u)\\b\\w\\w+\\b"

typedef enum { ML_STOP_NONE = 0, ML_STOP_ENGLISH, ML_STOP_LIST } ml_stop_kind_t;

/* The parameters that decide which terms a document yields. */
typedef struct {
    int lowercase;           /* default true */
    char *token_pattern;     /* owned; default ML_DEFAULT_TOKEN_PATTERN */
    int64_t min_n, max_n;    /* ngram_range, default (1, 1) */
    ml_stop_kind_t stop_kind;
    char **stop_list;        /* ML_STOP_LIST: n_stop owned strings */
    size_t n_stop;
} ml_analyzer_cfg_t;

void ml_analyzer_cfg_init(ml_analyzer_cfg_t *c);
void ml_analyzer_cfg_clear(ml_analyzer_cfg_t *c);
void ml_analyzer_cfg_copy(ml_analyzer_cfg_t *dst, const ml_analyzer_cfg_t *src);
/* Same terms for every document? (the split fit may share counts) */
int ml_analyzer_cfg_equal(const ml_analyzer_cfg_t *a, const ml_analyzer_cfg_t *b);

/*
 * The vectorizers' analyzer parameters, with scikit-learn's names:
 * lowercase, token_pattern, ngram_range, stop_words, and those dsk accepts
 * only at their default (input, encoding, decode_error, strip_accents,
 * preprocessor, tokenizer, analyzer). set returns 1 when name is not one of
 * them (the caller goes on), 0 when set, DSK_EINVAL with err filled.
 * get returns 1 when name is not one of them, else 0 with *out filled.
 */
extern const char *const ml_analyzer_param_names[]; /* NULL-terminated */
int ml_analyzer_cfg_set(ml_analyzer_cfg_t *c, const char *est, const char *name,
                        const ml_value_t *v, char *err);
int ml_analyzer_cfg_get(const ml_analyzer_cfg_t *c, const char *name, ml_value_t *out);
/* Cross-parameter checks at fit time (ngram_range order, the pattern's groups). */
int ml_analyzer_cfg_check(const ml_analyzer_cfg_t *c, const char *est, char *err);

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
 * smallest term. Caller owns the returned array (nterms entries).
 */
int32_t *ml_analyzer_sorted_ids(const ml_analyzer_t *a);

#endif
