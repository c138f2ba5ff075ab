/* ml_sgd_model.c — SGDClassifier's model state: save and checked load. */
#include <stdlib.h>
#include <string.h>

#include "dsk_bigmem.h"
#include "ml_pack.h"
#include "ml_sgd_internal.h"

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
