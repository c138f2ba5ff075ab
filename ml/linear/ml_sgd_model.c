/*
 * ml_sgd_model.c — one SGDClassifier's state: its parameters (checked,
 * applied, kept for get_param, scikit-learn's defaults), what fit learned,
 * and the model file's save and checked load.
 */
#include "ml_sgd_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_bigmem.h"
#include "ml_pack.h"
#include "ml_param.h"

const char *const ml_sgd_param_names[] = {
    "loss", "penalty", "alpha", "l1_ratio", "fit_intercept", "max_iter", "tol", "shuffle",
    "verbose", "epsilon", "n_jobs", "random_state", "learning_rate", "eta0", "power_t",
    "early_stopping", "validation_fraction", "n_iter_no_change", "class_weight",
    "warm_start", "average", NULL};

static const char *const s_losses[] = {"hinge", "log_loss", "modified_huber", "squared_hinge",
                                       "perceptron", "log", NULL};
static const char *const s_regression_losses[] = {
    "squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive", NULL};
static const char *const s_penalties[] = {"l2", "l1", "elasticnet", NULL};
static const char *const s_rates[] = {"constant", "optimal", "invscaling", "adaptive", NULL};
static const char *const s_balanced[] = {"balanced", NULL};

static int s_index(const char *name) { return ml_param_index(ml_sgd_param_names, name); }

static int s_in(const ml_value_t *v, const char *const *list)
{
    if (v->type != ML_V_STRING)
        return 0;
    for (int i = 0; list[i]; i++)
        if (strcmp(v->u.s, list[i]) == 0)
            return 1;
    return 0;
}

/* loss, penalty, learning_rate: the string-valued parameters. */
static int s_set_choice(ml_sgd_t *m, int idx, const ml_value_t *v, char *err)
{
    const char *name = ml_sgd_param_names[idx];
    int k = 0, rc;
    if (idx == ML_SGD_P_LOSS) {
        if (s_in(v, s_regression_losses))
            return ml_param_unsupported(ML_SGD_EST, name, v, err);
        if ((rc = ml_param_enum(v, ML_SGD_EST, name, s_losses, &k, err)))
            return rc;
        if (k == 5) /* 'log': scikit-learn 1.2's deprecated name of log_loss */
            k = 1;
        m->cfg.loss = (ml_sgd_loss_t)k;
    } else if (idx == ML_SGD_P_PENALTY) {
        if (ml_param_is_none(v)) {
            m->cfg.penalty = ML_SGD_PENALTY_NONE;
            return DSK_OK;
        }
        if ((rc = ml_param_enum(v, ML_SGD_EST, name, s_penalties, &k, err)))
            return rc;
        static const ml_sgd_penalty_t map[] = {ML_SGD_PENALTY_L2, ML_SGD_PENALTY_L1,
                                               ML_SGD_PENALTY_ELASTICNET};
        m->cfg.penalty = map[k];
    } else {
        if (v->type == ML_V_STRING && (!strcmp(v->u.s, "pa1") || !strcmp(v->u.s, "pa2")))
            return ml_param_unsupported(ML_SGD_EST, name, v, err);
        if ((rc = ml_param_enum(v, ML_SGD_EST, name, s_rates, &k, err)))
            return rc;
        m->cfg.learning_rate = (ml_sgd_lr_t)(k + 1);
    }
    return DSK_OK;
}

/* A boolean that dsk supports only as False (early_stopping, warm_start). */
static int s_set_false_only(const char *name, const ml_value_t *v, int *out, char *err)
{
    int rc = ml_param_bool(v, ML_SGD_EST, name, out, err);
    if (rc == DSK_OK && *out)
        return ml_param_unsupported(ML_SGD_EST, name, v, err);
    return rc;
}

/* verbose: an int >= 0 or a bool, as scikit-learn's "verbose" constraint. */
static int s_set_verbose(ml_sgd_t *m, const ml_value_t *v, char *err)
{
    int64_t i;
    if (v->type == ML_V_BOOL) {
        m->cfg.verbose = v->u.b;
        return DSK_OK;
    }
    int rc = ml_param_int(v, ML_SGD_EST, "verbose", 0, INT32_MAX, &i, err);
    if (rc == DSK_OK)
        m->cfg.verbose = (int)i;
    return rc;
}

/* average: False, True (= 1) or an int >= 0 (averaging starts at that step). */
static int s_set_average(ml_sgd_t *m, const ml_value_t *v, char *err)
{
    if (v->type == ML_V_BOOL) {
        m->cfg.average = v->u.b;
        return DSK_OK;
    }
    return ml_param_int(v, ML_SGD_EST, "average", 0, INT64_MAX, &m->cfg.average, err);
}

/* validation_fraction: a float in the open interval (0, 1). */
static int s_set_fraction(ml_sgd_t *m, const ml_value_t *v, char *err)
{
    double x;
    int rc = ml_param_float_gt(v, ML_SGD_EST, "validation_fraction", 0.0, &x, err);
    if (rc == DSK_OK && !(x < 1.0)) {
        char got[200];
        return dsk_seterr(err, DSK_EINVAL,
                          "%s: parameter 'validation_fraction' must be a float in (0, 1), "
                          "got %s", ML_SGD_EST, ml_value_describe(v, got, sizeof got));
    }
    if (rc == DSK_OK)
        m->validation_fraction = x;
    return rc;
}

/* The numeric and boolean parameters. */
static int s_set_number(ml_sgd_t *m, int idx, const ml_value_t *v, char *err)
{
    const char *name = ml_sgd_param_names[idx];
    int64_t i;
    int rc;
    switch (idx) {
    case ML_SGD_P_ALPHA:
        return ml_param_float(v, ML_SGD_EST, name, 0.0, INFINITY, &m->cfg.alpha, err);
    case ML_SGD_P_L1_RATIO:
        return ml_param_float(v, ML_SGD_EST, name, 0.0, 1.0, &m->cfg.l1_ratio, err);
    case ML_SGD_P_FIT_INTERCEPT:
        return ml_param_bool(v, ML_SGD_EST, name, &m->cfg.fit_intercept, err);
    case ML_SGD_P_MAX_ITER:
        return ml_param_int(v, ML_SGD_EST, name, 1, INT64_MAX, &m->cfg.max_iter, err);
    case ML_SGD_P_TOL:
        if (ml_param_is_none(v)) {
            m->cfg.tol = -INFINITY;
            return DSK_OK;
        }
        return ml_param_float(v, ML_SGD_EST, name, 0.0, INFINITY, &m->cfg.tol, err);
    case ML_SGD_P_SHUFFLE:
        return ml_param_bool(v, ML_SGD_EST, name, &m->cfg.shuffle, err);
    case ML_SGD_P_EPSILON:
        return ml_param_float(v, ML_SGD_EST, name, 0.0, INFINITY, &m->epsilon, err);
    case ML_SGD_P_N_JOBS:
        if (ml_param_is_none(v))
            return DSK_OK;
        return ml_param_int(v, ML_SGD_EST, name, INT64_MIN, INT64_MAX, &i, err);
    case ML_SGD_P_RANDOM_STATE:
        if (ml_param_is_none(v)) {
            m->has_random_state = 0;
            return DSK_OK;
        }
        if ((rc = ml_param_int(v, ML_SGD_EST, name, 0, UINT32_MAX, &i, err)))
            return rc;
        m->has_random_state = 1;
        m->random_state = (uint32_t)i;
        return DSK_OK;
    case ML_SGD_P_ETA0:
        return ml_param_float(v, ML_SGD_EST, name, 0.0, INFINITY, &m->cfg.eta0, err);
    case ML_SGD_P_POWER_T:
        return ml_param_float(v, ML_SGD_EST, name, -INFINITY, INFINITY, &m->cfg.power_t, err);
    case ML_SGD_P_N_ITER_NO_CHANGE:
        return ml_param_int(v, ML_SGD_EST, name, 1, INT64_MAX, &m->cfg.n_iter_no_change, err);
    }
    return ml_param_unknown(ML_SGD_EST, name, ml_sgd_param_names, err);
}

/* Checks one value and, when valid, applies it and keeps a copy for get_param. */
int ml_sgd_set_param(void *impl, const char *name, const ml_value_t *v, char *err)
{
    ml_sgd_t *m = impl;
    int idx = s_index(name), rc, b;
    if (idx < 0)
        return ml_param_unknown(ML_SGD_EST, name, ml_sgd_param_names, err);
    ml_sgd_t saved = *m; /* a failed set leaves the parameters as they were */
    switch (idx) {
    case ML_SGD_P_LOSS:
    case ML_SGD_P_PENALTY:
    case ML_SGD_P_LEARNING_RATE:
        rc = s_set_choice(m, idx, v, err);
        break;
    case ML_SGD_P_VERBOSE:
        rc = s_set_verbose(m, v, err);
        break;
    case ML_SGD_P_EARLY_STOPPING:
    case ML_SGD_P_WARM_START:
        rc = s_set_false_only(name, v, &b, err);
        break;
    case ML_SGD_P_VALIDATION_FRACTION:
        rc = s_set_fraction(m, v, err);
        break;
    case ML_SGD_P_CLASS_WEIGHT:
        if (ml_param_is_none(v)) {
            m->class_weight_balanced = 0;
            rc = DSK_OK;
        } else {
            rc = ml_param_enum(v, ML_SGD_EST, name, s_balanced, &b, err);
            m->class_weight_balanced = rc == DSK_OK;
        }
        break;
    case ML_SGD_P_AVERAGE:
        rc = s_set_average(m, v, err);
        break;
    default:
        rc = s_set_number(m, idx, v, err);
    }
    if (rc != DSK_OK) {
        *m = saved;
        return rc;
    }
    ml_value_clear(&m->values[idx]);
    ml_value_copy(&m->values[idx], v);
    return DSK_OK;
}

int ml_sgd_get_param(const void *impl, const char *name, ml_value_t *out, char *err)
{
    const ml_sgd_t *m = impl;
    int idx = s_index(name);
    if (idx < 0)
        return ml_param_unknown(ML_SGD_EST, name, ml_sgd_param_names, err);
    ml_value_copy(out, &m->values[idx]);
    return DSK_OK;
}

void ml_sgd_clear_fit(ml_sgd_t *m)
{
    free(m->classes);
    dsk_big_free(m->coef);
    ml_sgd_joint_model_free(&m->joint);
    free(m->intercept);
    m->classes = NULL;
    m->coef = m->intercept = NULL;
    m->n_classes = 0;
    m->n_features = m->n_coef_rows = 0;
    m->n_iter = 0;
}

void ml_sgd_destroy(void *impl)
{
    ml_sgd_t *m = impl;
    if (!m)
        return;
    for (int i = 0; i < ML_SGD_NPARAMS; i++)
        ml_value_clear(&m->values[i]);
    ml_sgd_clear_fit(m);
    free(m);
}

/* scikit-learn's defaults, set through set_param so that both views agree. */
void *ml_sgd_create(void)
{
    ml_sgd_t *m = dsk_xcalloc(1, sizeof *m);
    char err[DSK_ERR_LEN];
    ml_value_t d[ML_SGD_NPARAMS];
    d[ML_SGD_P_LOSS] = ml_value_string("hinge");
    d[ML_SGD_P_PENALTY] = ml_value_string("l2");
    d[ML_SGD_P_ALPHA] = ml_value_float(0.0001);
    d[ML_SGD_P_L1_RATIO] = ml_value_float(0.15);
    d[ML_SGD_P_FIT_INTERCEPT] = ml_value_bool(1);
    d[ML_SGD_P_MAX_ITER] = ml_value_int(1000);
    d[ML_SGD_P_TOL] = ml_value_float(1e-3);
    d[ML_SGD_P_SHUFFLE] = ml_value_bool(1);
    d[ML_SGD_P_VERBOSE] = ml_value_int(0);
    d[ML_SGD_P_EPSILON] = ml_value_float(0.1);
    d[ML_SGD_P_N_JOBS] = ml_value_none();
    d[ML_SGD_P_RANDOM_STATE] = ml_value_none();
    d[ML_SGD_P_LEARNING_RATE] = ml_value_string("optimal");
    d[ML_SGD_P_ETA0] = ml_value_float(0.0);
    d[ML_SGD_P_POWER_T] = ml_value_float(0.5);
    d[ML_SGD_P_EARLY_STOPPING] = ml_value_bool(0);
    d[ML_SGD_P_VALIDATION_FRACTION] = ml_value_float(0.1);
    d[ML_SGD_P_N_ITER_NO_CHANGE] = ml_value_int(5);
    d[ML_SGD_P_CLASS_WEIGHT] = ml_value_none();
    d[ML_SGD_P_WARM_START] = ml_value_bool(0);
    d[ML_SGD_P_AVERAGE] = ml_value_bool(0);
    for (int i = 0; i < ML_SGD_NPARAMS; i++) {
        if (ml_sgd_set_param(m, ml_sgd_param_names[i], &d[i], err) != DSK_OK)
            abort(); /* a default that fails its own check is a broken invariant */
        ml_value_clear(&d[i]);
    }
    return m;
}

const double *ml_sgd_coef(const ml_sgd_t *m, int *owned)
{
    *owned = !m->coef && m->joint;
    if (!*owned)
        return m->coef;
    double *c = dsk_big_alloc((size_t)(m->n_coef_rows * m->n_features) * sizeof *c);
    ml_sgd_joint_coef(m->joint, c);
    return c;
}


/*
 * One map: params (name -> value, as set), then, when fitted, classes,
 * n_features, coef (row-major float64), intercept and n_iter. Doubles are
 * stored as float64, so a loaded model predicts bit-identically.
 */
int ml_sgd_save(const void *impl, msgpack_packer *pk, char *err)
{
    const ml_sgd_t *m = impl;
    int fitted = m->coef || m->joint;
    int bad = msgpack_pack_map(pk, fitted ? 6 : 1);
    bad |= ml_pack_key(pk, "params") |
           ml_pack_params(pk, ml_sgd_param_names, m->values, ML_SGD_NPARAMS);
    if (fitted && !bad) {
        int owned;
        const double *coef = ml_sgd_coef(m, &owned);
        bad |= ml_pack_key(pk, "classes") | ml_pack_i32s(pk, m->classes, m->n_classes);
        bad |= ml_pack_key(pk, "n_features") | msgpack_pack_int64(pk, m->n_features);
        bad |= ml_pack_key(pk, "coef") | ml_pack_f64s(pk, coef, m->n_coef_rows * m->n_features);
        if (owned)
            dsk_big_free((double *)coef);
        bad |= ml_pack_key(pk, "intercept") | ml_pack_f64s(pk, m->intercept, m->n_coef_rows);
        bad |= ml_pack_key(pk, "n_iter") | msgpack_pack_int64(pk, m->n_iter);
    }
    return bad ? dsk_seterr(err, DSK_EIO, "%s: cannot write the model", ML_SGD_EST) : DSK_OK;
}

/* The fitted part: classes (sorted, distinct) first, then arrays sized by them. */
static int s_load_fit(ml_sgd_t *m, const msgpack_object *obj)
{
    int64_t f, n_iter;
    m->classes = ml_unpack_classes(ml_unpack_get(obj, "classes"), &m->n_classes);
    if (!m->classes || ml_unpack_int(ml_unpack_get(obj, "n_features"), 1, INT32_MAX, &f) ||
        ml_unpack_int(ml_unpack_get(obj, "n_iter"), 0, INT32_MAX, &n_iter))
        return -1;
    int64_t rows = m->n_classes == 2 ? 1 : m->n_classes;
    m->n_features = f;
    m->n_coef_rows = rows;
    m->n_iter = n_iter;
    double *coef = ml_unpack_f64s(ml_unpack_get(obj, "coef"), rows * f);
    if (coef) { /* coef_ lives in a dsk_bigmem block, as a fit's does */
        m->coef = dsk_big_alloc((size_t)(rows * f) * sizeof *m->coef);
        memcpy(m->coef, coef, (size_t)(rows * f) * sizeof *m->coef);
        free(coef);
    }
    m->intercept = ml_unpack_f64s(ml_unpack_get(obj, "intercept"), rows);
    return m->coef && m->intercept ? 0 : -1;
}

/*
 * The parameters go through set_param again (so a file cannot smuggle in a
 * value set_param refuses); a map without classes is an unfitted model.
 */
int ml_sgd_load(void *impl, const msgpack_object *obj, char *err)
{
    ml_sgd_t *m = impl;
    if (obj->type != MSGPACK_OBJECT_MAP)
        return dsk_seterr(err, DSK_EPROTO, "%s model: not a map", ML_SGD_EST);
    const msgpack_object *params = ml_unpack_get(obj, "params");
    if (!params)
        return dsk_seterr(err, DSK_EPROTO, "%s model: no 'params'", ML_SGD_EST);
    char sub[DSK_ERR_LEN];
    int rc = ml_unpack_params(params, ml_sgd_set_param, m, sub);
    if (rc)
        return dsk_seterr(err, rc, "%s%s", rc == DSK_EPROTO ? ML_SGD_EST " model: " : "", sub);
    ml_sgd_clear_fit(m);
    if (!ml_unpack_get(obj, "classes"))
        return DSK_OK; /* saved unfitted */
    static const char *const keys[] = {"n_features", "coef", "intercept", "n_iter"};
    for (int j = 0; j < 4; j++)
        if (!ml_unpack_get(obj, keys[j]))
            return dsk_seterr(err, DSK_EPROTO, "%s model: no '%s'", ML_SGD_EST, keys[j]);
    if (s_load_fit(m, obj)) {
        ml_sgd_clear_fit(m);
        return dsk_seterr(err, DSK_EPROTO, "%s model: malformed fitted state", ML_SGD_EST);
    }
    return DSK_OK;
}
