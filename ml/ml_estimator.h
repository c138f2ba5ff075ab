/*
 * ml_estimator.h — the one interface every estimator implements (liblinear's
 * few-structs API, behind a function table), so that pipelines, searches,
 * the scheduler and the worker never switch on estimator names.
 *
 * An estimator is an ops table (shared, static) and an impl (its own
 * state: parameters, then what fit learned). Parameters use scikit-learn's
 * names and defaults; create() sets the defaults, set_param() checks one
 * value and rejects unknown names and unsupported values with a clear error.
 *
 * Labels: classifiers take y as int32 (any values, e.g. 0..k-1 from a
 * loader); classes_ are the sorted distinct values of y, as in
 * scikit-learn, and predict returns values from classes_.
 *
 * Model files: save() writes the estimator's parameters and learned state
 * as one msgpack map (ml_model.h adds the file header and the pipeline);
 * load() reads what save() wrote into a fresh create()'d impl. A loaded
 * estimator predicts bit-identically to the saved one.
 *
 * Threads: an impl is used by one thread at a time; fit/transform/predict
 * keep no global state, so different impls run in parallel freely.
 */
#ifndef ML_ESTIMATOR_H
#define ML_ESTIMATOR_H

#include <msgpack.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"
#include "ml_value.h"

typedef enum {
    ML_TRANSFORMER = 1, /* fit + transform */
    ML_CLASSIFIER = 2,  /* fit + predict (+ decision_function, predict_proba) */
} ml_role_t;

/*
 * The shape of the data a fit is given, for fit_bytes: rows, columns,
 * stored entries (nnz for sparse data, nrows * ncols for dense), whether
 * it is sparse, and the number of distinct labels (0 for none).
 */
typedef struct {
    int64_t nrows, ncols, nnz;
    int sparse;
    int32_t n_classes;
} ml_fit_shape_t;

typedef struct ml_estimator_ops {
    const char *name;   /* scikit-learn's class name: "CountVectorizer" */
    ml_role_t role;
    const char *const *param_names; /* NULL-terminated, for errors and docs */

    void *(*create)(void);
    void (*destroy)(void *impl);
    int (*set_param)(void *impl, const char *name, const ml_value_t *value, char *err);
    /* The current value of a parameter (for cv_results_ and model files). */
    int (*get_param)(const void *impl, const char *name, ml_value_t *out, char *err);

    /* y is NULL for transformers that do not use it. */
    int (*fit)(void *impl, const ml_data_t *X, const int32_t *y, char *err);
    /* Transformers: *out is new data the caller owns. */
    int (*transform)(const void *impl, const ml_data_t *X, ml_data_t **out, char *err);
    /* Optional: transform X in place, for data the caller owns and no longer
       needs as it was (a pipeline's intermediate); NULL when there is none.
       On failure X is left in an unspecified state. */
    int (*transform_inplace)(const void *impl, ml_data_t *X, char *err);
    /* Classifiers: out holds X->nrows labels. */
    int (*predict)(const void *impl, const ml_data_t *X, int32_t *out, char *err);
    /* Classifiers: X->nrows x (1 if two classes, else n_classes or the
       estimator's own shape, as scikit-learn returns it). NULL if none. */
    int (*decision_function)(const void *impl, const ml_data_t *X, ml_dense_t **out,
                             char *err);
    /* X->nrows x n_classes. NULL if the estimator has none. */
    int (*predict_proba)(const void *impl, const ml_data_t *X, ml_dense_t **out, char *err);
    /* Classifiers: the fitted classes_ (count in *n), owned by impl. */
    const int32_t *(*classes)(const void *impl, int32_t *n);

    /* Optional: about how many bytes fit allocates on data of this shape beyond
       the data itself, what it keeps included (its tables, its copies, the
       model), from the parameters set; a worker under a memory limit makes
       that much room before the fit starts. NULL: nothing worth counting. */
    size_t (*fit_bytes)(const void *impl, const ml_fit_shape_t *shape);
    int (*save)(const void *impl, msgpack_packer *pk, char *err);
    int (*load)(void *impl, const msgpack_object *obj, char *err);
} ml_estimator_ops_t;

/* An estimator instance. */
typedef struct {
    const ml_estimator_ops_t *ops;
    void *impl;
} ml_estimator_t;

#endif
