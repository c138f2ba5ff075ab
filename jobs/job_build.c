/* job_build.c — a parsed job's pipelines, data checks, candidates and folds. */
#include "job_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_param.h"
#include "ml_registry.h"
#include "ml_scorer.h"

#define S_KEY_LEN 256 /* "step__param" */

int job_pipeline_range(const job_t *job, const ml_params_t *cand, size_t from, size_t to,
                          ml_pipeline_t **out, char *err)
{
    *out = NULL;
    ml_pipeline_t *p = ml_pipeline_new();
    int rc = DSK_OK;
    for (size_t s = from; s < to && rc == DSK_OK; s++) {
        const job_step_t *st = &job->steps[s];
        rc = ml_pipeline_add_class(p, st->name, st->class_name, err);
        char key[S_KEY_LEN];
        for (size_t i = 0; i < st->params.n && rc == DSK_OK; i++) {
            snprintf(key, sizeof key, "%s__%s", st->name, st->params.names[i]);
            rc = ml_pipeline_set_param(p, key, &st->params.values[i], err);
        }
        size_t nl = strlen(st->name);
        for (size_t i = 0; cand && i < cand->n && rc == DSK_OK; i++)
            if (strncmp(cand->names[i], st->name, nl) == 0 &&
                strncmp(cand->names[i] + nl, "__", 2) == 0)
                rc = ml_pipeline_set_param(p, cand->names[i], &cand->values[i], err);
    }
    if (rc)
        ml_pipeline_destroy(&p);
    *out = p;
    return rc;
}

int job_pipeline(const job_t *job, ml_pipeline_t **out, char *err)
{
    return job_pipeline_range(job, NULL, 0, job->n_steps, out, err);
}

static int s_takes_documents(const ml_estimator_ops_t *ops)
{
    return ops->param_names && ml_param_index(ops->param_names, "input") >= 0;
}

static int s_is_classifier(const job_t *job)
{
    const ml_estimator_ops_t *ops = ml_registry_find(job->steps[job->n_steps - 1].class_name);
    return ops && ops->role == ML_CLASSIFIER;
}

/* The labels a classifier needs: some, and not all the same. */
static int s_check_labels(const job_t *job, const ml_dataset_t *ds, const char *where,
                          char *err)
{
    if (!s_is_classifier(job))
        return DSK_OK;
    if (!ds->y)
        return dsk_seterr(err, DSK_EINVAL, "%s: $.data: the last step is a classifier, "
                          "which needs labels; the data has none", where);
    int64_t i = 1;
    while (i < ds->X->nrows && ds->y[i] == ds->y[0])
        i++;
    if (i >= ds->X->nrows)
        return dsk_seterr(err, DSK_EINVAL, "%s: $.data: The number of classes has to be "
                          "greater than one; got 1 class", where);
    return DSK_OK;
}

int job_check_data(const job_t *job, const ml_dataset_t *ds, const char *where,
                      char *err)
{
    char sub[DSK_ERR_LEN];
    where = where ? where : "job";
    if (!ds || !ds->X || ds->X->nrows < 1)
        return dsk_seterr(err, DSK_EINVAL, "%s: $.data: the data has no samples", where);
    const ml_estimator_ops_t *first = ml_registry_find(job->steps[0].class_name);
    int text = ds->X->kind == ML_DATA_TEXT;
    if (first && s_takes_documents(first) != text)
        return dsk_seterr(err, DSK_EINVAL, "%s: $.pipeline[0][1]: %s takes %s, but the data "
                          "is %s", where, first->name, text ? "a matrix" : "documents",
                          ml_data_kind_name(ds->X->kind));
    int rc = s_check_labels(job, ds, where, err);
    if (rc || job->kind == JOB_FIT)
        return rc;
    ml_folds_t *f = NULL;
    rc = job_folds(job, ds, &f, sub);
    int splits = rc ? 0 : ml_folds_n_splits(f);
    ml_folds_destroy(&f);
    if (rc)
        return dsk_seterr(err, rc, "%s: $.search.cv: %s", where, sub);
    int64_t cands = ml_grid_size(job->grid);
    if (job->kind == JOB_RANDOM && job->n_iter < cands)
        cands = job->n_iter;
    if (cands * splits > JOB_MAX_FITS)
        return dsk_seterr(err, DSK_ETOOBIG, "%s: $.search: %lld candidates x %d folds is %lld "
                          "fits; one search takes at most %d: split the grid", where,
                          (long long)cands, splits, (long long)(cands * splits), JOB_MAX_FITS);
    const ml_scorer_t *sc = ml_scorer_find(job->scoring, sub);
    if (sc && ds->y && (rc = ml_scorer_check_binary(sc, ds->y, ds->X->nrows, sub)) != 0)
        return dsk_seterr(err, rc, "%s: $.search.scoring: %s", where, sub);
    return DSK_OK;
}

int job_candidates(const job_t *job, ml_params_t **out, int64_t *n, char *err)
{
    *out = NULL;
    *n = 0;
    if (job->kind == JOB_FIT) {
        *out = dsk_xcalloc(1, sizeof **out);
        *n = 1;
        return DSK_OK;
    }
    if (job->kind == JOB_RANDOM)
        return ml_sampler_draw(job->grid, job->n_iter, job->random_state, out, n, err);
    int64_t size = ml_grid_size(job->grid);
    ml_params_t *arr = dsk_xcalloc((size_t)size, sizeof *arr);
    for (int64_t i = 0; i < size; i++) {
        int rc = ml_grid_candidate(job->grid, i, &arr[i], err);
        if (rc) {
            ml_params_array_free(&arr, size);
            return rc;
        }
    }
    *out = arr;
    *n = size;
    return DSK_OK;
}

int job_folds(const job_t *job, const ml_dataset_t *ds, ml_folds_t **out, char *err)
{
    *out = NULL;
    if (job->cv_test_fold) {
        if (job->cv_n_test_fold != ds->X->nrows)
            return dsk_seterr(err, DSK_EINVAL, "PredefinedSplit: test_fold has %lld entries, "
                              "the data %lld samples", (long long)job->cv_n_test_fold,
                              (long long)ds->X->nrows);
        return ml_folds_predefined(job->cv_test_fold, job->cv_n_test_fold, out, err);
    }
    if (job->cv_kind == 0)
        return ml_folds_check_cv(job->cv_splits, s_is_classifier(job), ds->y, ds->X->nrows,
                                 out, err);
    return ml_folds_new(job->cv_kind, job->cv_splits, job->cv_shuffle, job->cv_random_state,
                        ds->y, ds->X->nrows, out, err);
}
