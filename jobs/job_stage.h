/*
 * job_stage.h — estimators whose fit splits into an expensive corpus-wide
 * stage and a cheap per-subset one (docs/architecture.md, "How a search flows").
 *
 * CountVectorizer tokenizes and counts every document once per analyzer
 * configuration (ml_doc_counts); every fold's vocabulary, max_df/min_df/
 * max_features pruning and matrices then come from those counts, bit for
 * bit as fitting on the fold's documents. A search asks this table, keyed
 * by the estimator's ops (never its name), whether its first step has such
 * a stage, and if so computes the stage once per configuration and shares
 * it among every candidate and fold whose stage key is the same.
 *
 * Ownership: build() returns a stage the caller frees with destroy(); a
 * stage is immutable and may be read by many threads at once. Data
 * returned through *out belongs to the caller.
 */
#ifndef JOB_STAGE_H
#define JOB_STAGE_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"
#include "ml_estimator.h"

typedef struct {
    /* What the stage depends on, as text: equal text, interchangeable stages. */
    int (*key)(const void *impl, char *buf, size_t len, char *err);
    /* The stage over all of X. NULL with err on failure. */
    void *(*build)(const void *impl, const ml_data_t *X, char *err);
    void (*destroy)(void *stage);
    size_t (*bytes)(const void *stage);
    /* About the bytes fit_transform on ntr of the stage's rows and transform
       on the rest allocate (both parts' matrices, the fitted vocabulary and
       its temporaries); *ncols and *nnz get the training part's shape at
       most (the stage's columns, its share of the entries). */
    size_t (*fit_bytes)(const void *stage, int64_t ntr, int64_t *ncols, int64_t *nnz);
    /* fit on rows[0..n) of the stage's data and return their transform. */
    int (*fit_transform)(void *impl, const void *stage, const int64_t *rows, int64_t n,
                         ml_data_t **out, char *err);
    /* transform rows[0..n) with a fitted impl. */
    int (*transform)(const void *impl, const void *stage, const int64_t *rows, int64_t n,
                     ml_data_t **out, char *err);
    /*
     * The stage as the bytes of a moved task output, {"stage": the
     * estimator's name, "state": ...} (job_stage_unpack_output reads them),
     * so that an idle worker can take work that reads it.
     */
    int (*pack_output)(const void *stage, msgpack_packer *pk);
    void *(*unpack)(const msgpack_object *state, char *err);
} job_stage_ops_t;

/* The split fit of estimators of this class, or NULL when it has none. */
const job_stage_ops_t *job_stage_find(const ml_estimator_ops_t *ops);

/*
 * A moved output back into a stage: 1 when o is not a packed stage, 0 with
 * *stage (the caller's, freed with (*ops)->destroy) and *ops, or DSK_EPROTO
 * with err for bytes that claim to be one and are not.
 */
int job_stage_unpack_output(const msgpack_object *o, void **stage,
                           const job_stage_ops_t **ops, char *err);

#endif
