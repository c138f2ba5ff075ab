/*
 * job_spec.h — a search (or a fit) as its workers hold it: the
 * pipeline's steps with their own parameters, every candidate's
 * parameters, each sample's test fold and the scorer. The scheduler
 * places it on a worker once, by content key, like a dataset; a task then
 * names only its candidate, its fold and the steps it runs (job_plan.h),
 * so a 3,456-candidate grid over 11,314 documents does not resend the
 * steps and a 45 KB fold array with each of its 10,000 fits.
 *
 *   {"dsk_task_job": 1, "steps": [[name, class, {param: value}]...],
 *    "candidates": [{param: value}...], "folds": bin int32 LE | nil,
 *    "scoring": str, "train_scores": bool, "error_score": float | nil ("raise")}
 *
 * The decoder checks every count against the bytes left (dsk_mp_check
 * first) and every field's type, so a corrupt job is an error, not a crash.
 *
 * Ownership: pack appends to the caller's buffer; unpack returns a new
 * object the caller owns (job_spec_destroy). Its fields are read-only
 * once made: tasks on several threads share one.
 */
#ifndef JOB_SPEC_H
#define JOB_SPEC_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_grid.h"
#include "job_file.h"

#define JOB_SCORING_MAX 63

typedef struct {
    job_t steps;         /* the steps, return_train_score and error_score only (kind
                            JOB_GRID; no data, grid or cv) */
    ml_params_t *cands;     /* n_cands candidates, in cv_results_ order */
    int64_t n_cands;
    int32_t *assign;        /* each sample's test fold; NULL for a fit */
    int64_t n_assign;
    char scoring[JOB_SCORING_MAX + 1];
    size_t bytes;           /* the packed size: what a worker counts for holding it */
} job_spec_t;

int job_spec_pack(const job_t *job, const ml_params_t *cands, int64_t n_cands,
                     const int32_t *assign, int64_t n_assign, const char *scoring,
                     msgpack_sbuffer *sbuf);
int job_spec_unpack(const void *buf, size_t len, job_spec_t **out, char *err);
void job_spec_destroy(job_spec_t **tj_p);

#endif
