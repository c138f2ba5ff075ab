/*
 * job_build.h — what a parsed job (job_file.h) gives the code that runs
 * it: its pipeline, whole or as a range of steps with a candidate's
 * parameters; the checks that need the data; the candidates in
 * cv_results_ order; the folds.
 */
#ifndef JOB_BUILD_H
#define JOB_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "ml_data.h"
#include "ml_folds.h"
#include "ml_grid.h"
#include "ml_pipeline.h"
#include "job_file.h"

/*
 * A fresh, unfitted pipeline of the job's steps with their own parameters
 * applied (no candidate's). Caller owns *out.
 */
int job_pipeline(const job_t *job, ml_pipeline_t **out, char *err);
/*
 * A fresh pipeline of steps [from, to) only, each with its own parameters
 * and then the candidate's (cand may be NULL) that route to it: the pieces
 * of a search's split fit (job_plan.h). Caller owns *out.
 */
int job_pipeline_range(const job_t *job, const ml_params_t *cand, size_t from, size_t to,
                          ml_pipeline_t **out, char *err);
/*
 * The checks that need the data, run after loading and before scattering:
 * the folds can be made (cv not larger than the number of samples, nor, for
 * StratifiedKFold, than the smallest class: scikit-learn's message), at least
 * two classes for a classifier, the first step accepts the data's kind
 * (text for a vectorizer, a matrix otherwise), a binary target for a
 * threshold scorer (roc_auc). where as above; the JSON path names the part
 * of the job that does not fit the data ("$.search.cv", "$.pipeline[0][1]").
 * Also that candidates x folds stays within JOB_MAX_FITS, so a search
 * too big for one job is refused before its data is sent.
 * As in scikit-learn, StratifiedKFold fails only when n_splits exceeds
 * every class ("cannot be greater than the number of members in each
 * class"); a least-populated class smaller than n_splits is its warning
 * (logged), not an error.
 */
int job_check_data(const job_t *job, const ml_dataset_t *ds, const char *where,
                      char *err);
/*
 * The search's candidates in cv_results_ order: ParameterGrid order for a
 * grid, ParameterSampler's draw for random. *out is a new array of *n the
 * caller frees with ml_params_array_free(). A FIT job has one candidate
 * with no parameters. With "random_state": null the draw differs from call
 * to call (as scikit-learn's): call it once per job and keep the result.
 */
int job_candidates(const job_t *job, ml_params_t **out, int64_t *n, char *err);
/* The folds of the job's cv over ds's labels (check_cv for cv_kind 0). */
int job_folds(const job_t *job, const ml_dataset_t *ds, ml_folds_t **out, char *err);

#endif
