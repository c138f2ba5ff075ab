/*
 * job_plan.h — a search (or a fit) as a graph of tasks over content-
 * addressed keys, and the result JSON with scikit-learn's cv_results_
 * built from the tasks' results.
 *
 * The plan turns a job and its dataset into tasks:
 *
 *   STAGE   the first step's corpus-wide stage (job_stage.h), once per
 *           stage key: CountVectorizer tokenizes and counts the corpus once
 *           per analyzer configuration, not once per fit;
 *   PREFIX  a fold's transformer steps (all but the last) fitted on the
 *           fold's training rows, with the training and test rows
 *           transformed: one task per distinct prefix (the steps'
 *           parameters) and fold, shared by every candidate that has it;
 *   SCORE   one candidate on one fold: the remaining steps fitted and the
 *           test rows scored (cv_results_' split<k>_test_score);
 *   REFIT   one candidate fitted on all the data: a .dskm model.
 *
 * STAGE and PREFIX outputs stay on the worker that made them (resident);
 * SCORE and REFIT outputs go back to the scheduler. A prefix used by one
 * candidate only is not a task of its own: that candidate's SCORE task runs
 * the whole pipeline. Keys hash (the dataset's key, the task kind, the
 * parameters of the steps involved, the folds and the fold number), so equal
 * work has equal keys.
 *
 * A worker holds the job once (job_spec.h: the steps, the candidates,
 * the folds, placed by content key like the dataset); a task's spec names
 * only its kind, candidate, fold, step range and input. The task bodies
 * that read it are job_task.h's; job_local.h runs a whole plan in one
 * process.
 *
 * Ownership: the caller owns a plan (job_plan_destroy); the plan keeps its
 * own copy of the candidates and folds and borrows the job, which must
 * outlive it.
 */
#ifndef JOB_PLAN_H
#define JOB_PLAN_H

#include <jansson.h>
#include <msgpack.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"
#include "job_data.h"
#include "job_file.h"
#include "job_spec.h"

typedef enum {
    JOB_TASK_STAGE = 1,
    JOB_TASK_PREFIX,
    JOB_TASK_SCORE,
    JOB_TASK_REFIT,
} job_task_kind_t;

#define JOB_TASK_KINDS 4

typedef struct {
    job_task_kind_t kind;
    char key[JOB_KEY_LEN + 1];   /* the output's content key */
    int64_t dep;                /* the task whose output this one reads, or -1 (then only the data) */
    int64_t candidate;          /* SCORE, REFIT: the candidate; PREFIX: the first that uses it */
    int fold;                   /* PREFIX, SCORE: the fold; -1 otherwise */
    int64_t n_users;            /* tasks reading this one's output (resident kinds) */
    int reads_data;             /* it reads the dataset (all but a SCORE after a PREFIX) */
} job_task_t;

typedef struct job_plan job_plan_t;


/* "stage", "prefix", "score", "refit". */
const char *job_task_kind_name(job_task_kind_t kind);

/*
 * Plans job over ds (whose content key is data_key): candidates, folds and
 * tasks. A FIT job plans one REFIT task. A search with refit gets its REFIT
 * task from job_plan_add_refit once every score is in. Caller owns *out.
 */
int job_plan_new(const job_t *job, const ml_dataset_t *ds, const char *data_key,
                job_plan_t **out, char *err);
void job_plan_destroy(job_plan_t **p_p);

int64_t job_plan_n_tasks(const job_plan_t *p);
const job_task_t *job_plan_task(const job_plan_t *p, int64_t i);
int64_t job_plan_n_candidates(const job_plan_t *p);
int job_plan_n_splits(const job_plan_t *p);
const char *job_plan_data_key(const job_plan_t *p);
/* "Fitting 3 folds for each of 6 candidates, totalling 18 fits" (scikit-learn's verbose line). */
const char *job_plan_describe(const job_plan_t *p, char *buf, size_t len);
/* Fits (SCORE tasks, plus REFIT when planned) for progress bars. */
int64_t job_plan_n_fits(const job_plan_t *p);

/* The job as its workers hold it (job_spec.h). Appends to sbuf. */
int job_plan_pack_job(const job_plan_t *p, msgpack_sbuffer *sbuf);
/*
 * Task i's spec, what a worker needs besides the job and its inputs:
 * {"kind", "candidate", "fold", "range": [from, to], "input": key | nil}.
 * Appends to sbuf.
 */
int job_plan_spec(const job_plan_t *p, int64_t i, msgpack_sbuffer *sbuf, char *err);

/*
 * A SCORE task's result (the bytes job_task_run replied) recorded in its
 * cv_results_ cell; a REFIT task's result is the model, which the caller
 * keeps. DSK_EPROTO for a malformed result.
 */
int job_plan_record(job_plan_t *p, int64_t task, const void *result, size_t len, char *err);
/* Have all SCORE tasks been recorded? */
int job_plan_scores_done(const job_plan_t *p);
/*
 * With refit, once the scores are done: appends the REFIT task of the best
 * candidate (reusing the STAGE task when it has one) and returns its index;
 * -1 when the job asks for no refit.
 */
int64_t job_plan_add_refit(job_plan_t *p);
/*
 * While the search runs: the candidate whose scored folds have the best
 * mean so far, as {"score", "params", "folds"} (folds: how many of its
 * splits are scored; a candidate with fewer folds may still overtake it).
 * New reference; NULL while no fold is scored (or for a fit).
 */
json_t *job_plan_best_so_far(const job_plan_t *p);
/*
 * The result JSON (docs/job-files.md, "The result"): best_params, best_score, best_index,
 * n_candidates, n_splits, refit, cv_results (scikit-learn's keys and order).
 * New reference the caller owns; NULL before the scores are done.
 */
json_t *job_plan_result(const job_plan_t *p);

#endif
