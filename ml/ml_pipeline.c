/* ml_pipeline.c — Pipeline: parameter routing, fit and the prediction methods. */
#include "ml_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_param.h"
#include "ml_registry.h"

typedef struct {
    char *name;
    ml_estimator_t est;
} s_step_t;

struct ml_pipeline {
    size_t n;
    s_step_t *steps;
    int fitted;
};

static const char *const s_own_params[] = {"memory", "steps", "verbose", NULL};

ml_pipeline_t *ml_pipeline_new(void)
{
    ml_pipeline_t *p = dsk_xcalloc(1, sizeof *p);
    return p;
}

void ml_pipeline_destroy(ml_pipeline_t **p_p)
{
    if (!p_p || !*p_p)
        return;
    ml_pipeline_t *p = *p_p;
    for (size_t i = 0; i < p->n; i++) {
        if (p->steps[i].est.impl)
            p->steps[i].est.ops->destroy(p->steps[i].est.impl);
        free(p->steps[i].name);
    }
    free(p->steps);
    free(p);
    *p_p = NULL;
}

/* Pipeline._validate_names: unique, no "__", not one of Pipeline's own parameters. */
static int s_check_name(const ml_pipeline_t *p, const char *name, char *err)
{
    if (!name || !*name)
        return dsk_seterr(err, DSK_EINVAL, "Pipeline: a step needs a non-empty name");
    if (strstr(name, "__"))
        return dsk_seterr(err, DSK_EINVAL,
                          "Estimator names must not contain __: got ['%s']", name);
    for (int i = 0; s_own_params[i]; i++)
        if (strcmp(name, s_own_params[i]) == 0)
            return dsk_seterr(err, DSK_EINVAL,
                              "Estimator names conflict with constructor arguments: ['%s']",
                              name);
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->steps[i].name, name) == 0)
            return dsk_seterr(err, DSK_EINVAL, "Names provided are not unique: '%s' twice",
                              name);
    return DSK_OK;
}

int ml_pipeline_add(ml_pipeline_t *p, const char *name, ml_estimator_t *est, char *err)
{
    int rc = s_check_name(p, name, err);
    if (rc)
        return rc;
    if (!est || !est->ops || !est->impl)
        return dsk_seterr(err, DSK_EINVAL, "Pipeline: step '%s' has no estimator", name);
    s_step_t *steps = dsk_xrealloc(p->steps, p->n + 1, sizeof *steps);
    char *copy = dsk_xstrdup(name);
    p->steps = steps;
    p->steps[p->n].name = copy;
    p->steps[p->n].est = *est;
    p->n++;
    est->impl = NULL;
    p->fitted = 0;
    return DSK_OK;
}

int ml_pipeline_add_class(ml_pipeline_t *p, const char *name, const char *class_name,
                          char *err)
{
    int rc = s_check_name(p, name, err);
    if (rc)
        return rc;
    ml_estimator_t est;
    rc = ml_registry_create(class_name, &est, err);
    if (rc)
        return rc;
    rc = ml_pipeline_add(p, name, &est, err);
    if (rc)
        est.ops->destroy(est.impl);
    return rc;
}

size_t ml_pipeline_n_steps(const ml_pipeline_t *p) { return p->n; }

const char *ml_pipeline_step_name(const ml_pipeline_t *p, size_t i)
{
    return i < p->n ? p->steps[i].name : NULL;
}

const ml_estimator_t *ml_pipeline_step(const ml_pipeline_t *p, size_t i)
{
    return i < p->n ? &p->steps[i].est : NULL;
}

const ml_estimator_t *ml_pipeline_find_step(const ml_pipeline_t *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->steps[i].name, name) == 0)
            return &p->steps[i].est;
    return NULL;
}

/* "Pipeline has no step 'vectt' (steps: vect, tfidf, clf)". */
static int s_no_step(const ml_pipeline_t *p, const char *step, size_t len, char *err)
{
    char list[300];
    size_t o = 0;
    list[0] = '\0';
    for (size_t i = 0; i < p->n && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                              p->steps[i].name);
    return dsk_seterr(err, DSK_EINVAL, "Pipeline has no step '%.*s' (steps: %s)", (int)len,
                      step, list);
}

/*
 * Splits key at its first "__" into a step and that step's parameter;
 * *est is NULL for the pipeline's own parameters (no "__").
 */
static int s_route(const ml_pipeline_t *p, const char *key, ml_estimator_t **est,
                   const char **param, char *err)
{
    const char *sep = strstr(key, "__");
    *est = NULL;
    *param = key;
    if (!sep)
        return DSK_OK;
    for (size_t i = 0; i < p->n; i++)
        if (strlen(p->steps[i].name) == (size_t)(sep - key) &&
            strncmp(p->steps[i].name, key, (size_t)(sep - key)) == 0) {
            *est = &p->steps[i].est;
            *param = sep + 2;
            return DSK_OK;
        }
    return s_no_step(p, key, (size_t)(sep - key), err);
}

/* Pipeline's own parameters: memory=None and verbose=False only. */
static int s_own_param(const ml_pipeline_t *p, const char *key, const ml_value_t *v,
                       char *err)
{
    if (strcmp(key, "memory") == 0 && v->type != ML_V_NONE)
        return ml_param_unsupported("Pipeline", key, v, err);
    if (strcmp(key, "verbose") == 0 && !(v->type == ML_V_BOOL && !v->u.b))
        return ml_param_unsupported("Pipeline", key, v, err);
    if (strcmp(key, "memory") == 0 || strcmp(key, "verbose") == 0)
        return DSK_OK;
    if (ml_pipeline_find_step(p, key))
        return dsk_seterr(err, DSK_EINVAL,
                          "Pipeline: replacing step '%s' through set_params is not supported "
                          "by dsk", key);
    return ml_param_unknown("Pipeline", key, s_own_params, err);
}

int ml_pipeline_set_param(ml_pipeline_t *p, const char *key, const ml_value_t *v, char *err)
{
    ml_estimator_t *est;
    const char *param;
    int rc = s_route(p, key, &est, &param, err);
    if (rc)
        return rc;
    if (!est)
        return s_own_param(p, key, v, err);
    rc = est->ops->set_param(est->impl, param, v, err);
    if (rc == DSK_OK)
        p->fitted = 0;
    return rc;
}

int ml_pipeline_get_param(const ml_pipeline_t *p, const char *key, ml_value_t *out,
                          char *err)
{
    ml_estimator_t *est;
    const char *param;
    int rc = s_route(p, key, &est, &param, err);
    if (rc)
        return rc;
    if (est)
        return est->ops->get_param(est->impl, param, out, err);
    if (strcmp(key, "memory") == 0) {
        *out = ml_value_none();
        return DSK_OK;
    }
    if (strcmp(key, "verbose") == 0) {
        *out = ml_value_bool(0);
        return DSK_OK;
    }
    return ml_param_unknown("Pipeline", key, s_own_params, err);
}

int ml_pipeline_set_params(ml_pipeline_t *p, const ml_params_t *params, char *err)
{
    for (size_t i = 0; i < params->n; i++) {
        int rc = ml_pipeline_set_param(p, params->names[i], &params->values[i], err);
        if (rc)
            return rc;
    }
    return DSK_OK;
}

int ml_pipeline_validate(const ml_pipeline_t *p, char *err)
{
    if (p->n == 0)
        return dsk_seterr(err, DSK_EINVAL, "Pipeline has no steps");
    for (size_t i = 0; i + 1 < p->n; i++)
        if (p->steps[i].est.ops->role != ML_TRANSFORMER || !p->steps[i].est.ops->transform)
            return dsk_seterr(err, DSK_EINVAL,
                              "All intermediate steps should be transformers and implement "
                              "fit and transform; '%s' (%s) doesn't",
                              p->steps[i].name, p->steps[i].est.ops->name);
    return DSK_OK;
}

int ml_pipeline_is_fitted(const ml_pipeline_t *p) { return p->fitted; }
void ml_pipeline_set_fitted(ml_pipeline_t *p, int fitted) { p->fitted = !!fitted; }

/*
 * Passes X (or owned_in, which it then owns) through steps [from, upto):
 * transform by transform, in place where a step can, freeing each
 * intermediate once the next exists. *out is X itself when from == upto (then
 * *owned is 0), else new data the caller frees.
 */
/*
 * One step's transform of *cur: in place when the pipeline owns it (it is
 * *held) and the step can, else into new data that replaces *held.
 */
static int s_apply(const ml_estimator_t *e, const ml_data_t **cur, ml_data_t **held,
                   char *err)
{
    if (*held && *cur == *held && e->ops->transform_inplace)
        return e->ops->transform_inplace(e->impl, *held, err);
    ml_data_t *next = NULL;
    int rc = e->ops->transform(e->impl, *cur, &next, err);
    ml_data_destroy(held);
    if (rc)
        return rc;
    *held = next;
    *cur = next;
    return DSK_OK;
}

static int s_through(const ml_pipeline_t *p, size_t from, size_t upto, const ml_data_t *X,
                     ml_data_t *owned_in, const ml_data_t **out, ml_data_t **owned, char *err)
{
    const ml_data_t *cur = owned_in ? owned_in : X;
    ml_data_t *held = owned_in;
    for (size_t i = from; i < upto; i++) {
        int rc = s_apply(&p->steps[i].est, &cur, &held, err);
        if (rc) {
            ml_data_destroy(&held);
            return rc;
        }
    }
    *out = cur;
    *owned = held;
    return DSK_OK;
}

/*
 * Pipeline.fit: each transformer is fitted on the output of the previous
 * one (with y, as fit_transform(X, y) receives it) and transforms it for
 * the next; only the current intermediate is kept alive. The last step is
 * fitted and not transformed. A failure leaves the pipeline unfitted.
 */
int ml_pipeline_fit(ml_pipeline_t *p, const ml_data_t *X, const int32_t *y, char *err)
{
    return ml_pipeline_fit_from(p, 0, X, y, err);
}

/*
 * Fits steps [from, n) on X, fitting and transforming each transformer and
 * fitting the last; with out, the last (a transformer) transforms too and
 * *out is its output.
 */
static int s_fit_steps(ml_pipeline_t *p, size_t from, const ml_data_t *X, ml_data_t *owned_in,
                       const int32_t *y, ml_data_t **out, char *err)
{
    int rc = ml_pipeline_validate(p, err);
    if (rc == DSK_OK && from >= p->n)
        rc = dsk_seterr(err, DSK_EINVAL, "Pipeline: no step from %zu on", from);
    if (rc) {
        ml_data_destroy(&owned_in);
        return rc;
    }
    p->fitted = 0;
    const ml_data_t *cur = owned_in ? owned_in : X;
    ml_data_t *held = owned_in;
    for (size_t i = from; i < p->n; i++) {
        const ml_estimator_t *e = &p->steps[i].est;
        rc = e->ops->fit(e->impl, cur, y, err);
        if (rc || (i + 1 == p->n && !out))
            break;
        if (i + 1 == p->n && e->ops->role != ML_TRANSFORMER) {
            rc = dsk_seterr(err, DSK_EINVAL, "Pipeline: the final step '%s' (%s) has no "
                            "transform", p->steps[i].name, e->ops->name);
            break;
        }
        rc = s_apply(e, &cur, &held, err);
        if (rc)
            break;
        if (i + 1 == p->n) {
            *out = held;
            held = NULL;
            break;
        }
    }
    ml_data_destroy(&held);
    if (rc == DSK_OK)
        p->fitted = 1;
    return rc;
}

int ml_pipeline_fit_from(ml_pipeline_t *p, size_t from, const ml_data_t *X, const int32_t *y,
                         char *err)
{
    return s_fit_steps(p, from, X, NULL, y, NULL, err);
}

int ml_pipeline_fit_from_owned(ml_pipeline_t *p, size_t from, ml_data_t **X_p, const int32_t *y,
                               char *err)
{
    ml_data_t *X = *X_p;
    *X_p = NULL;
    return s_fit_steps(p, from, NULL, X, y, NULL, err);
}

int ml_pipeline_fit_transform_from(ml_pipeline_t *p, size_t from, const ml_data_t *X,
                                   const int32_t *y, ml_data_t **out, char *err)
{
    *out = NULL;
    return s_fit_steps(p, from, X, NULL, y, out, err);
}

/* The final step's method fn (an ops member), or NULL when there are no steps. */
#define S_FINAL_FN(p, method) \
    ((p)->n ? (const void *)(p)->steps[(p)->n - 1].est.ops->method : NULL)

/* Fitted, validated, and the final step has the method (non-NULL fn). */
static int s_ready(const ml_pipeline_t *p, const void *fn, const char *method, char *err)
{
    int rc = ml_pipeline_validate(p, err);
    if (rc)
        return rc;
    if (!p->fitted)
        return dsk_seterr(err, DSK_ESTATE, "This Pipeline instance is not fitted yet. Call "
                                           "'fit' with appropriate arguments before using "
                                           "%s.", method);
    if (!fn)
        return dsk_seterr(err, DSK_EINVAL, "Pipeline: the final step '%s' (%s) has no %s",
                          p->steps[p->n - 1].name, p->steps[p->n - 1].est.ops->name, method);
    return DSK_OK;
}

int ml_pipeline_transform(const ml_pipeline_t *p, const ml_data_t *X, ml_data_t **out,
                          char *err)
{
    *out = NULL;
    int rc = s_ready(p, S_FINAL_FN(p, transform), "transform", err);
    if (rc)
        return rc;
    const ml_estimator_t *last = &p->steps[p->n - 1].est;
    if (last->ops->role != ML_TRANSFORMER)
        return dsk_seterr(err, DSK_EINVAL, "Pipeline: the final step '%s' (%s) has no "
                          "transform", p->steps[p->n - 1].name, last->ops->name);
    const ml_data_t *cur;
    ml_data_t *held;
    rc = s_through(p, 0, p->n - 1, X, NULL, &cur, &held, err);
    if (rc)
        return rc;
    rc = last->ops->transform(last->impl, cur, out, err);
    ml_data_destroy(&held);
    return rc;
}

int ml_pipeline_transform_from(const ml_pipeline_t *p, size_t from, const ml_data_t *X,
                               ml_data_t **out, char *err)
{
    *out = NULL;
    const ml_data_t *cur;
    ml_data_t *held = NULL;
    int rc = s_through(p, from, p->n, X, NULL, &cur, &held, err);
    if (rc == DSK_OK && !held) { /* no step to run: a copy of X, so that *out is always new */
        int64_t *rows = dsk_xmalloc((size_t)(X->nrows + 1) * sizeof *rows);
        for (int64_t i = 0; i < X->nrows; i++)
            rows[i] = i;
        held = ml_data_take_rows(X, rows, X->nrows);
        free(rows);
    }
    *out = held;
    return rc;
}

/*
 * What predict, decision_function and predict_proba share: the checks of
 * s_ready, then X through every step but the last. On success *last is
 * the final step and *cur its input (*held, when not NULL, the caller frees).
 */
static int s_to_final(const ml_pipeline_t *p, size_t from, const void *fn, const char *method,
                      const ml_data_t *X, ml_data_t *own, const ml_estimator_t **last,
                      const ml_data_t **cur, ml_data_t **held, char *err)
{
    int rc = s_ready(p, fn, method, err);
    if (rc) {
        ml_data_destroy(&own);
        return rc;
    }
    *last = &p->steps[p->n - 1].est;
    return s_through(p, from, p->n - 1, X, own, cur, held, err);
}

static int s_predict(const ml_pipeline_t *p, size_t from, const ml_data_t *X, ml_data_t *own,
                     int32_t *out, char *err)
{
    const ml_estimator_t *last;
    const ml_data_t *cur;
    ml_data_t *held;
    int rc = s_to_final(p, from, S_FINAL_FN(p, predict), "predict", X, own, &last, &cur, &held, err);
    if (rc)
        return rc;
    rc = last->ops->predict(last->impl, cur, out, err);
    ml_data_destroy(&held);
    return rc;
}

int ml_pipeline_predict(const ml_pipeline_t *p, const ml_data_t *X, int32_t *out, char *err)
{
    return s_predict(p, 0, X, NULL, out, err);
}

static int s_decision_function(const ml_pipeline_t *p, size_t from, const ml_data_t *X,
                               ml_data_t *own, ml_dense_t **out, char *err)
{
    *out = NULL;
    const ml_estimator_t *last;
    const ml_data_t *cur;
    ml_data_t *held;
    int rc = s_to_final(p, from, S_FINAL_FN(p, decision_function), "decision_function", X,
                        own, &last, &cur, &held, err);
    if (rc)
        return rc;
    rc = last->ops->decision_function(last->impl, cur, out, err);
    ml_data_destroy(&held);
    return rc;
}

int ml_pipeline_decision_function(const ml_pipeline_t *p, const ml_data_t *X,
                                  ml_dense_t **out, char *err)
{
    return s_decision_function(p, 0, X, NULL, out, err);
}

static int s_predict_proba(const ml_pipeline_t *p, size_t from, const ml_data_t *X,
                           ml_data_t *own, ml_dense_t **out, char *err)
{
    *out = NULL;
    const ml_estimator_t *last;
    const ml_data_t *cur;
    ml_data_t *held;
    int rc = s_to_final(p, from, S_FINAL_FN(p, predict_proba), "predict_proba", X, own, &last, &cur,
                        &held, err);
    if (rc)
        return rc;
    rc = last->ops->predict_proba(last->impl, cur, out, err);
    ml_data_destroy(&held);
    return rc;
}

int ml_pipeline_predict_proba(const ml_pipeline_t *p, const ml_data_t *X, ml_dense_t **out,
                              char *err)
{
    return s_predict_proba(p, 0, X, NULL, out, err);
}

const int32_t *ml_pipeline_classes(const ml_pipeline_t *p, int32_t *n)
{
    *n = 0;
    if (!p->n || !p->fitted || !p->steps[p->n - 1].est.ops->classes)
        return NULL;
    const ml_estimator_t *last = &p->steps[p->n - 1].est;
    return last->ops->classes(last->impl, n);
}

/* _ThresholdScorer: decision_function's single column, else predict_proba[:, 1]. */
static int s_threshold_values(const ml_pipeline_t *p, size_t from, const ml_data_t *X,
                              ml_data_t *own, double **values, char *err)
{
    const ml_estimator_t *last = &p->steps[p->n - 1].est;
    ml_dense_t *m = NULL;
    int64_t col;
    int rc;
    if (last->ops->decision_function) {
        rc = s_decision_function(p, from, X, own, &m, err);
        col = 0;
        if (rc == DSK_OK && m->ncols != 1)
            rc = dsk_seterr(err, DSK_EINVAL, "roc_auc needs one decision value per sample, "
                            "got %lld columns", (long long)m->ncols);
    } else {
        rc = s_predict_proba(p, from, X, own, &m, err);
        col = 1;
        if (rc == DSK_OK && m->ncols != 2)
            rc = dsk_seterr(err, DSK_EINVAL, "roc_auc needs two class probabilities, got %lld "
                            "columns", (long long)m->ncols);
    }
    if (rc == DSK_OK) {
        *values = dsk_xmalloc((size_t)(m->nrows + 1) * sizeof **values);
        for (int64_t i = 0; i < m->nrows; i++)
            (*values)[i] = m->data[i * m->ncols + col];
    }
    ml_dense_destroy(&m);
    return rc;
}

int ml_pipeline_threshold_values(const ml_pipeline_t *p, const ml_data_t *X, double **values,
                                 char *err)
{
    return s_threshold_values(p, 0, X, NULL, values, err);
}

int ml_pipeline_score(const ml_pipeline_t *p, const ml_scorer_t *scorer, const ml_data_t *X,
                      const int32_t *y, double *out, char *err)
{
    return ml_pipeline_score_from(p, 0, scorer, X, y, out, err);
}

/* The score of X (or of own, which is then consumed) after steps [0, from). */
static int s_score(const ml_pipeline_t *p, size_t from, const ml_scorer_t *scorer,
                   const ml_data_t *X, ml_data_t *own, const int32_t *y, double *out, char *err)
{
    int rc;
    int64_t n = (own ? own : X)->nrows;
    if (ml_scorer_input(scorer) == ML_SCORER_LABELS) {
        int32_t *pred = dsk_xmalloc((size_t)(n + 1) * sizeof *pred);
        rc = s_predict(p, from, X, own, pred, err);
        if (rc == DSK_OK)
            rc = ml_scorer_score_labels(scorer, y, pred, n, out, err);
        free(pred);
        return rc;
    }
    rc = ml_scorer_check_binary(scorer, y, n, err);
    if (rc) {
        ml_data_destroy(&own);
        return rc;
    }
    double *values = NULL;
    rc = s_threshold_values(p, from, X, own, &values, err);
    if (rc == DSK_OK)
        rc = ml_scorer_score_values(scorer, y, values, n, out, err);
    free(values);
    return rc;
}

int ml_pipeline_score_from(const ml_pipeline_t *p, size_t from, const ml_scorer_t *scorer,
                           const ml_data_t *X, const int32_t *y, double *out, char *err)
{
    return s_score(p, from, scorer, X, NULL, y, out, err);
}

int ml_pipeline_score_from_owned(const ml_pipeline_t *p, size_t from, const ml_scorer_t *scorer,
                                 ml_data_t **X_p, const int32_t *y, double *out, char *err)
{
    ml_data_t *X = *X_p;
    *X_p = NULL;
    return s_score(p, from, scorer, NULL, X, y, out, err);
}
