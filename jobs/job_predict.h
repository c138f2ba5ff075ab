/*
 * job_predict.h — ParallelPostFit's unit of work: one chunk of rows through
 * a fitted model (its .dskm bytes), with one of the methods dsk-submit
 * predict offers, and the chunk's result as bytes for the trip back.
 *
 *   spec:   {"method": int, "aggregate": bool}
 *   result: {"rows": n, "labels": bin int32 LE}                 predict
 *         | {"rows": n, "counts": [[class, count], ...]}        predict, aggregated
 *         | {"rows": n, "data": <data, job_data.h>}            decision_function,
 *                                                               predict_proba, transform
 *         | {"rows": n, "correct": c,                           score, aggregated: the
 *            "confusion": [[true, pred, count], ...]}           correct ones and the
 *                                                               confusion matrix, summed
 *                                                               over chunks for any label
 *                                                               scorer
 *         | {"rows": n, "y": bin int32 LE, "values": bin f64}   score, not aggregated: each
 *                                                               row's threshold value
 *                                                               (roc_auc)
 *
 * A chunk carries its rows (a packed dataset, job_data.h) or names them on
 * storage the workers read (job_input_ref.h).
 *
 * Ownership: results are appended to the caller's sbuffer; decoded results
 * are the caller's (job_predict_result_clear).
 */
#ifndef JOB_PREDICT_H
#define JOB_PREDICT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"

typedef enum {
    JOB_METHOD_PREDICT = 1,
    JOB_METHOD_DECISION_FUNCTION,
    JOB_METHOD_PREDICT_PROBA,
    JOB_METHOD_TRANSFORM,
    JOB_METHOD_SCORE,
    JOB_METHOD_PREDICT_LOG_PROBA,   /* log of predict_proba, as scikit-learn's */
    JOB_METHOD_LAST = JOB_METHOD_PREDICT_LOG_PROBA
} job_method_t;

/* "predict", ... -> the method; an unknown name is an error listing them. */
int job_method_parse(const char *name, job_method_t *out, char *err);
const char *job_method_name(job_method_t m);

int job_predict_spec(job_method_t method, int aggregate, msgpack_sbuffer *sbuf);
/*
 * Runs spec on the chunk (a packed dataset: X, and y for score) with the
 * model; appends the result to reply. Errors name the method and the step.
 */
int job_predict_run(const void *spec, size_t spec_len, const void *model, size_t model_len,
                   const void *chunk, size_t chunk_len, msgpack_sbuffer *reply, char *err);
/* The same with the model already unpacked (a worker thread keeps its own copy). */
struct ml_pipeline;
int job_predict_run_pipeline(const void *spec, size_t spec_len, const struct ml_pipeline *p,
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
    int64_t nconfusion;
    int64_t (*confusion)[3];  /* score: (true, predicted, count) triples */
    int32_t *y;               /* score, not aggregated: each row's label ... */
    double *values;           /* ... and its threshold value (roc_auc) */
} job_predict_result_t;

int job_predict_result_unpack(const void *buf, size_t len, job_predict_result_t *out, char *err);
void job_predict_result_clear(job_predict_result_t *r);

#endif
