/*
 * ml_analyzer_cfg.h — the parameters of scikit-learn's word analyzer that
 * decide which terms a document yields (lowercase, token_pattern,
 * ngram_range, stop_words), shared by CountVectorizer, TfidfVectorizer and
 * HashingVectorizer: defaults, set/get by scikit-learn's names, the
 * fit-time checks, and the equality the split fit relies on.
 *
 * Ownership: ml_analyzer_cfg_t owns its strings (ml_analyzer_cfg_clear
 * frees them; ml_analyzer_cfg_copy makes a deep copy the caller clears).
 */
#ifndef ML_ANALYZER_CFG_H
#define ML_ANALYZER_CFG_H

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

#endif
