/*
 * ml_sgd_model.h — one SGDClassifier's state, as ml_sgd.c (fit and
 * prediction) reads and writes it: the parameters, typed and as set, and
 * what fit learned; the ops table's create, destroy, set_param, get_param,
 * save and load. Other modules use ml_sgd.h and the ops table.
 *
 * Ownership: an ml_sgd_t owns its values[] and every fitted array;
 * ml_sgd_clear_fit frees the fitted part only.
 */
#ifndef ML_SGD_MODEL_H
#define ML_SGD_MODEL_H

#include <msgpack.h>
#include <stdint.h>

#include "ml_sgd_joint.h"
#include "ml_sgd_solver.h"
#include "ml_value.h"

#define ML_SGD_EST "SGDClassifier"

/* Parameter indices, in the order of ml_sgd_param_names. */
enum {
    ML_SGD_P_LOSS, ML_SGD_P_PENALTY, ML_SGD_P_ALPHA, ML_SGD_P_L1_RATIO,
    ML_SGD_P_FIT_INTERCEPT, ML_SGD_P_MAX_ITER, ML_SGD_P_TOL, ML_SGD_P_SHUFFLE,
    ML_SGD_P_VERBOSE, ML_SGD_P_EPSILON, ML_SGD_P_N_JOBS, ML_SGD_P_RANDOM_STATE,
    ML_SGD_P_LEARNING_RATE, ML_SGD_P_ETA0, ML_SGD_P_POWER_T, ML_SGD_P_EARLY_STOPPING,
    ML_SGD_P_VALIDATION_FRACTION, ML_SGD_P_N_ITER_NO_CHANGE, ML_SGD_P_CLASS_WEIGHT,
    ML_SGD_P_WARM_START, ML_SGD_P_AVERAGE, ML_SGD_NPARAMS
};

/* The parameters (typed, and as set for get_param), then what fit learned. */
typedef struct {
    ml_sgd_config_t cfg;
    double epsilon, validation_fraction;
    int has_random_state, class_weight_balanced;
    int exact_ova;          /* per-class scikit-learn fit for k > 2 (ml_sgd_set_exact_ova) */
    uint32_t random_state;
    ml_value_t values[ML_SGD_NPARAMS];
    int32_t n_classes;
    int32_t *classes;       /* n_classes, sorted */
    int64_t n_features, n_coef_rows; /* 1 for two classes, else n_classes */
    double *coef;           /* n_coef_rows x n_features, row-major; NULL unfitted or joint */
    ml_sgd_joint_model_t *joint; /* a joint fit's weights, until a model is saved (coef NULL) */
    double *intercept;      /* n_coef_rows */
    int64_t n_iter;
} ml_sgd_t;

/* NULL-terminated, ML_SGD_NPARAMS names. */
extern const char *const ml_sgd_param_names[];

/* A new SGDClassifier with scikit-learn's defaults (set through set_param). */
void *ml_sgd_create(void);
void ml_sgd_destroy(void *impl);
/* Checks one value and, when valid, applies it and keeps a copy for get_param. */
int ml_sgd_set_param(void *impl, const char *name, const ml_value_t *v, char *err);
int ml_sgd_get_param(const void *impl, const char *name, ml_value_t *out, char *err);
/* Frees and zeroes what fit learned (parameters stay). */
void ml_sgd_clear_fit(ml_sgd_t *m);

/*
 * coef_, wherever the fit left it: m->coef, or (a joint fit) a new
 * dsk_bigmem block written from m->joint, *owned = 1 (dsk_big_free it).
 */
const double *ml_sgd_coef(const ml_sgd_t *m, int *owned);

/* The ops table's save and load: one map, checked on load. */
int ml_sgd_save(const void *impl, msgpack_packer *pk, char *err);
int ml_sgd_load(void *impl, const msgpack_object *obj, char *err);

#endif
