/*
 * ml_doc_counts.h — THE SPLIT FIT's shared part: a corpus tokenized and
 * counted once for one analyzer configuration (lowercase, token_pattern,
 * ngram_range, stop_words), as per-document (term id, count) lists over a
 * corpus-wide dictionary whose ids are in Python string order. A
 * CountVectorizer with the same analyzer then fits on any subset of rows
 * and transforms any rows from these counts alone
 * (ml_count_vectorizer_fit_counts / _transform_counts).
 *
 * Ownership: the caller owns what ml_doc_counts_build returns (destroy
 * NULLs the pointer); it is immutable once built, so threads may share it.
 * Pointers it hands out live as long as it does.
 */
#ifndef ML_DOC_COUNTS_H
#define ML_DOC_COUNTS_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_analyzer_cfg.h"
#include "ml_data.h"

typedef struct ml_doc_counts ml_doc_counts_t;

/* Tokenizes and counts docs (ML_DATA_TEXT) once. NULL with err on failure. */
ml_doc_counts_t *ml_doc_counts_build(const ml_analyzer_cfg_t *cfg, const ml_data_t *docs,
                                     char *err);
void ml_doc_counts_destroy(ml_doc_counts_t **c_p);
int64_t ml_doc_counts_ndocs(const ml_doc_counts_t *c);
int32_t ml_doc_counts_nterms(const ml_doc_counts_t *c);
const ml_analyzer_cfg_t *ml_doc_counts_cfg(const ml_doc_counts_t *c);

/* Identifies this object among all built in the process (never reused). */
uint64_t ml_doc_counts_serial(const ml_doc_counts_t *c);

/* Document d's entries: term ids (ascending) and counts; returns how many. */
int64_t ml_doc_counts_row(const ml_doc_counts_t *c, int64_t d, const int32_t **ids,
                          const int32_t **cnt);

/* Term t's string: its length, a copy into out; a bound on every term's length. */
size_t ml_doc_counts_term_len(const ml_doc_counts_t *c, int32_t t);
size_t ml_doc_counts_term_write(const ml_doc_counts_t *c, int32_t t, char *out);
size_t ml_doc_counts_max_term_len(const ml_doc_counts_t *c);

/*
 * As bytes for another worker, and back: the same counts, dictionary and
 * analyzer configuration (a new serial). unpack checks every offset and
 * id; NULL with err (DSK_EPROTO) for bytes that do not hold counts.
 */
int ml_doc_counts_pack(const ml_doc_counts_t *c, msgpack_packer *pk);
ml_doc_counts_t *ml_doc_counts_unpack(const msgpack_object *o, char *err);

#endif
