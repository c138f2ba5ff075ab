/*
 * ml_model.h — model files (.dskm): a fitted pipeline as one versioned,
 * self-describing msgpack map
 *
 *   {"format": "dskm", "version": 1, "created_by": "dsk",
 *    "pipeline": [{"name": "clf", "estimator": "SVC",
 *                  "params": {"C": 1.0, ...}, "state": <ops->save()>}, ...],
 *    ["scoring": str,]                       the scorer its search chose it by
 *    ["labels": {"kind": "numbers" | "texts", "names": [str, ...]}]}
 *
 * "labels" says what the classifier's classes 0..k-1 stand for when they
 * are not the codes themselves (data whose labels are numbers or texts:
 * the names of classes_[0], classes_[1], ...), so predictions are written
 * as scikit-learn's predict gives them. Both are optional and come after
 * the pipeline, so a model's first bytes do not depend on them.
 *
 * so that a model fitted on one machine loads on any other (classes are
 * found through ml_registry by name, never by switch) and predicts
 * bit-identically. Files are written atomically (a temporary file in the
 * same folder, fsync, rename); loading runs the bytes through dsk_mp_check
 * first, so a corrupt or truncated file is a clear error naming the file,
 * never a crash or a huge allocation.
 *
 * Ownership: the caller owns a loaded pipeline; buffers passed in stay the
 * caller's; nothing loaded points into the msgpack zone.
 */
#ifndef ML_MODEL_H
#define ML_MODEL_H

#include <msgpack.h>
#include <stddef.h>

#include "dsk_error.h"
#include "ml_pipeline.h"

#define ML_MODEL_FORMAT "dskm"
#define ML_MODEL_VERSION 1

/* Serialises a fitted pipeline into sbuf (appending). */
int ml_model_pack(const ml_pipeline_t *p, msgpack_sbuffer *sbuf, char *err);
/* The same, recording the scorer its search chose it by ("f1_macro", or NULL), which a
   later score of the model uses, and what the labels of the data it was fitted on stand for
   (fitted_on: its labels_kind and target_names; NULL: codes). */
int ml_model_pack_scored(const ml_pipeline_t *p, const char *scoring,
                         const ml_dataset_t *fitted_on, msgpack_sbuffer *sbuf, char *err);
/* The labels a model file records (1: *kind, and *names, *n the caller's), or 0 (codes). */
int ml_model_labels(const void *buf, size_t len, ml_labels_kind_t *kind, char ***names,
                    int32_t *n);
/* The scorer a model file records (1, into out), or 0 and "" when none (or not a model). */
int ml_model_scoring(const void *buf, size_t len, char *out, size_t outlen);
/* Rebuilds a fitted pipeline from buf[0..len); `what` names the source in errors. */
int ml_model_unpack(const void *buf, size_t len, const char *what, ml_pipeline_t **out,
                    char *err);

/* Writes path atomically. */
int ml_model_save(const ml_pipeline_t *p, const char *path, char *err);
int ml_model_load(const char *path, ml_pipeline_t **out, char *err);

#endif
