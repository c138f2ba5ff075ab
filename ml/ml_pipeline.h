/*
 * ml_pipeline.h — scikit-learn's Pipeline: named steps, every one but the
 * last a transformer, run through the estimator ops table only (no step is
 * ever recognised by its class name).
 *
 * Parameters route as in scikit-learn: "vect__max_df" goes to step "vect"
 * as "max_df" (split at the first "__"); an unknown step is an error
 * naming the steps, an unknown parameter the step's own error. The
 * pipeline's own parameters are 'memory' (None only) and 'verbose' (False
 * only); replacing a step through set_param is not supported.
 *
 * fit() fits and transforms each transformer in turn, then fits the last
 * step; predict / decision_function / predict_proba / transform pass the
 * data through the fitted transformers first.
 *
 * Ownership: the pipeline owns its steps (ml_pipeline_add takes the impl
 * and NULLs the caller's pointer) and destroys them with itself. Outputs
 * (*out data and matrices) belong to the caller.
 */
#ifndef ML_PIPELINE_H
#define ML_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"
#include "ml_estimator.h"
#include "ml_grid.h"
#include "ml_scorer.h"
#include "ml_value.h"

typedef struct ml_pipeline ml_pipeline_t;

ml_pipeline_t *ml_pipeline_new(void);
void ml_pipeline_destroy(ml_pipeline_t **p_p);

/*
 * Appends a step. On success the pipeline owns est->impl and est->impl is
 * NULLed; on failure (a name that is empty, repeated, holds "__" or is one
 * of Pipeline's own parameters) the caller keeps it.
 */
int ml_pipeline_add(ml_pipeline_t *p, const char *name, ml_estimator_t *est, char *err);
/* Appends a fresh estimator of a registered class ("CountVectorizer"). */
int ml_pipeline_add_class(ml_pipeline_t *p, const char *name, const char *class_name,
                          char *err);

size_t ml_pipeline_n_steps(const ml_pipeline_t *p);
const char *ml_pipeline_step_name(const ml_pipeline_t *p, size_t i);
/* Borrowed; valid while p lives. */
const ml_estimator_t *ml_pipeline_step(const ml_pipeline_t *p, size_t i);
/* The step named name, or NULL. */
const ml_estimator_t *ml_pipeline_find_step(const ml_pipeline_t *p, const char *name);

int ml_pipeline_set_param(ml_pipeline_t *p, const char *key, const ml_value_t *v, char *err);
int ml_pipeline_get_param(const ml_pipeline_t *p, const char *key, ml_value_t *out,
                          char *err);
/* Every (key, value) of a candidate, in order; stops at the first error. */
int ml_pipeline_set_params(ml_pipeline_t *p, const ml_params_t *params, char *err);

/* Intermediate steps must be transformers; at least one step. */
int ml_pipeline_validate(const ml_pipeline_t *p, char *err);
int ml_pipeline_is_fitted(const ml_pipeline_t *p);
/* Marks a pipeline whose steps were restored by load() as fitted. */
void ml_pipeline_set_fitted(ml_pipeline_t *p, int fitted);

int ml_pipeline_fit(ml_pipeline_t *p, const ml_data_t *X, const int32_t *y, char *err);
/*
 * The split fit's pieces (job_plan.h): the steps before `from` were fitted
 * by the caller (a stage fitted step 0 on the counts) and X is already
 * their output. fit_from fits steps [from, n) and marks the pipeline
 * fitted; fit_transform_from does the same for a pipeline of transformers
 * and gives the last one's output; score_from scores X taken as the output
 * of steps [0, from).
 */
int ml_pipeline_fit_from(ml_pipeline_t *p, size_t from, const ml_data_t *X, const int32_t *y,
                         char *err);
int ml_pipeline_fit_transform_from(ml_pipeline_t *p, size_t from, const ml_data_t *X,
                                   const int32_t *y, ml_data_t **out, char *err);
/*
 * fit_from and score_from taking X over (*X_p is NULLed and freed when
 * done): the steps that can transform in place (TfidfTransformer) then do,
 * so an intermediate matrix is not copied.
 */
int ml_pipeline_fit_from_owned(ml_pipeline_t *p, size_t from, ml_data_t **X_p, const int32_t *y,
                               char *err);
/* X (the output of steps [0, from)) through steps [from, n), all transformers. */
int ml_pipeline_transform_from(const ml_pipeline_t *p, size_t from, const ml_data_t *X,
                               ml_data_t **out, char *err);
/* All steps must be transformers. */
int ml_pipeline_transform(const ml_pipeline_t *p, const ml_data_t *X, ml_data_t **out,
                          char *err);
/* out holds X->nrows labels. */
int ml_pipeline_predict(const ml_pipeline_t *p, const ml_data_t *X, int32_t *out, char *err);
int ml_pipeline_decision_function(const ml_pipeline_t *p, const ml_data_t *X,
                                  ml_dense_t **out, char *err);
int ml_pipeline_predict_proba(const ml_pipeline_t *p, const ml_data_t *X, ml_dense_t **out,
                              char *err);
/* The final classifier's classes_ (borrowed), or NULL. */
const int32_t *ml_pipeline_classes(const ml_pipeline_t *p, int32_t *n);

/*
 * scorer(pipeline, X, y): predicted labels for a label scorer; for a
 * threshold scorer (binary y only) decision_function when the final step
 * has one, else predict_proba's column for classes_[1].
 */
/* What a threshold scorer (roc_auc) reads: decision_function's single column, else
   predict_proba[:, 1], one value per row (*values the caller's). */
int ml_pipeline_threshold_values(const ml_pipeline_t *p, const ml_data_t *X, double **values,
                                 char *err);
int ml_pipeline_score(const ml_pipeline_t *p, const ml_scorer_t *scorer, const ml_data_t *X,
                      const int32_t *y, double *out, char *err);
int ml_pipeline_score_from(const ml_pipeline_t *p, size_t from, const ml_scorer_t *scorer,
                           const ml_data_t *X, const int32_t *y, double *out, char *err);
int ml_pipeline_score_from_owned(const ml_pipeline_t *p, size_t from, const ml_scorer_t *scorer,
                                 ml_data_t **X_p, const int32_t *y, double *out, char *err);

#endif
