/*
 * job_file.h — job files (docs/job-files.md): a JSON document naming
 * the data, a pipeline with scikit-learn's class and parameter names, and
 * optionally a search. Parsed with jansson and validated whole before
 * anything is loaded or scattered, so a bad job fails at once with an
 * error that names the file, the JSON path and the problem:
 *
 *   job.json: $.pipeline[2][1]: unknown estimator 'SGDClasifier' (did you mean 'SGDClassifier'?)
 *   job.json: $.search.param_grid.vect__max_df[1]: CountVectorizer: parameter 'max_df' must be ...
 *   job.json:4:17: JSON syntax error: ...
 *
 * A job without "search" is a fit job (dsk-submit fit). Search keys follow
 * GridSearchCV / RandomizedSearchCV: kind ("grid" | "random"), param_grid
 * (an object or a non-empty list of objects), param_distributions (lists
 * only), n_iter (default 10), random_state (int or null), cv (an int >= 2,
 * default 5, or an object {"class": "KFold"|"StratifiedKFold", "n_splits",
 * "shuffle", "random_state"}, or {"class": "PredefinedSplit", "test_fold":
 * [each sample's test fold, -1 for none]} for splits made elsewhere), scoring (a scorer name, default "accuracy"),
 * refit (bool, default true), and, accepted for compatibility only: iid,
 * n_jobs, verbose, pre_dispatch; error_score ("raise", the default, or a
 * number or "nan": a failing fit scores that and its error is reported);
 * return_train_score (bool, default false) adds cv_results_' train scores.
 *
 * A search must end in a classifier (it is scored). param_grid keys are
 * checked against the job's pipeline and every value through the step's
 * set_param, so a bad grid fails at parse, e.g. at
 * "$.search.param_grid[1].clf__alpha[0]"; n_iter / random_state belong to
 * kind "random" only, param_grid to "grid", param_distributions to
 * "random" (the other kind's key is an error, not ignored). A search has at
 * most JOB_MAX_CANDIDATES candidates.
 *
 * Ownership: a job owns everything it points to; the caller owns the job
 * (job_destroy). A job is immutable once parsed: share it freely.
 */
#ifndef JOB_FILE_H
#define JOB_FILE_H

#include <jansson.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"
#include "ml_folds.h"
#include "ml_grid.h"
#include "ml_load.h"

/* Candidates a search may have: a bound checked at parse, so a job from the
   network cannot make the scheduler allocate without limit. */
#define JOB_MAX_CANDIDATES (1 << 20)
/* Fits one search may plan (examples/news20_full_grid.json plans 3,456). */
#define JOB_MAX_FITS 100000

typedef enum {
    JOB_FIT = 1,     /* no "search": fit the pipeline on all the data */
    JOB_GRID,        /* GridSearchCV */
    JOB_RANDOM,      /* RandomizedSearchCV */
} job_kind_t;

typedef struct {
    char *name;         /* "vect" */
    char *class_name;   /* "CountVectorizer" (a registered estimator) */
    ml_params_t params; /* the step's own parameters from the job, in file order */
} job_step_t;

typedef struct job {
    job_kind_t kind;
    json_t *data;           /* the "data" object, for ml_load_dataset (a reference the job holds) */
    size_t n_steps;
    job_step_t *steps;
    ml_grid_t *grid;        /* GRID: param_grid; RANDOM: param_distributions; FIT: NULL */
    int64_t n_iter;         /* RANDOM */
    int64_t random_state;   /* RANDOM: ML_SAMPLER_NO_SEED for null */
    /* cv: cv_kind 0 means check_cv's choice (StratifiedKFold for a classifier) */
    int cv_splits;
    ml_folds_kind_t cv_kind;
    int cv_shuffle;
    int64_t cv_random_state; /* ML_FOLDS_NO_SEED for null */
    int32_t *cv_test_fold;   /* PredefinedSplit: one entry a sample; NULL otherwise */
    int64_t cv_n_test_fold;
    char *scoring;          /* a name ml_scorer_find() knows */
    int refit;
    int return_train_score; /* each SCORE also scores its training rows */
    int error_score_raise;  /* a failing fit fails the job (error_score "raise", the default) */
    double error_score;     /* else a failing fit's scores (NaN for "nan") */
    json_t *json;           /* the whole document as parsed (a reference the job holds) */
} job_t;

/*
 * Reads and validates the job file at path. Errors start with the path,
 * then "LINE:COL" for JSON syntax or "$.json.path" for content. Caller
 * owns *out.
 */
int job_parse_file(const char *path, job_t **out, char *err);
/*
 * Validates a job document already parsed (the scheduler receives the text
 * from a client); where names the source in errors (a file name, "job 12").
 * root is not stolen: the job takes its own reference.
 */
int job_parse(const json_t *root, const char *where, job_t **out, char *err);
/* The same from text (len bytes, not NUL-terminated necessarily). */
int job_parse_text(const char *text, size_t len, const char *where, job_t **out,
                      char *err);
void job_destroy(job_t **job_p);

#endif
