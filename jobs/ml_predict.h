/*
 * ml_predict.h — ParallelPostFit's unit of work: one chunk of rows through
 * a fitted model (its .dskm bytes), with one of the methods dsk-submit
 * predict offers, and the chunk's result as bytes for the trip back.
 *
 *   spec:   {"method": int, "aggregate": bool}
 *   result: {"rows": n, "labels": bin int32 LE}                 predict
 *         | {"rows": n, "counts": [[class, count], ...]}        predict, aggregated
 *         | {"rows": n, "data": <ml_data_pack data>}            decision_function,
 *                                                               predict_proba, transform
 *         | {"rows": n, "correct": c}                           score (accuracy, summed
 *                                                               over chunks, / total rows)
 *
 * Ownership: results are appended to the caller's sbuffer; decoded results
 * are the caller's (ml_predict_result_clear).
 */
#ifndef ML_PREDICT_H
#define ML_PREDICT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"

typedef enum {
    ML_METHOD_PREDICT = 1,
    ML_METHOD_DECISION_FUNCTION,
    ML_METHOD_PREDICT_PROBA,
    ML_METHOD_TRANSFORM,
    ML_METHOD_SCORE,
} ml_method_t;

/* "predict", ... -> the method; an unknown name is an error listing them. */
int ml_method_parse(const char *name, ml_method_t *out, char *err);
const char *ml_method_name(ml_method_t m);

int ml_predict_spec(ml_method_t method, int aggregate, msgpack_sbuffer *sbuf);
/*
 * Runs spec on the chunk (a packed dataset: X, and y for score) with the
 * model; appends the result to reply. Errors name the method and the step.
 */
int ml_predict_run(const void *spec, size_t spec_len, const void *model, size_t model_len,
                   const void *chunk, size_t chunk_len, msgpack_sbuffer *reply, char *err);
/* The same with the model already unpacked (a worker thread keeps its own copy). */
struct ml_pipeline;
int ml_predict_run_pipeline(const void *spec, size_t spec_len, const struct ml_pipeline *p,
                            const void *chunk, size_t chunk_len, msgpack_sbuffer *reply,
                            char *err);

/* A decoded chunk result: one of labels / counts / data / correct, as the method gives. */
typedef struct {
    int64_t rows;
    int32_t *labels;          /* rows */
    int64_t ncounts;
    int64_t (*counts)[2];     /* (class, count) pairs */
    ml_data_t *data;
    int64_t correct;          /* -1 unless score */
} ml_predict_result_t;

int ml_predict_result_unpack(const void *buf, size_t len, ml_predict_result_t *out, char *err);
void ml_predict_result_clear(ml_predict_result_t *r);

#endif
