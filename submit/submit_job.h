/*
 * submit_job.h — dsk-submit's job commands: search, fit, jobs, result,
 * cancel and noop (README.md, "The programs").
 *
 * search and fit validate the job file and load its data here, before
 * anything is sent, so a bad job exits 2 with the file, the JSON path and
 * the problem; then the data goes to the scheduler once, progress comes
 * back (scikit-learn's verbose line, a progress bar on a terminal), and
 * the result JSON is written.
 */
#ifndef SUBMIT_JOB_H
#define SUBMIT_JOB_H

#include "submit_command.h"

submit_command_fn submit_search;
submit_command_fn submit_fit;
submit_command_fn submit_jobs;
submit_command_fn submit_result;
submit_command_fn submit_cancel;
/* noop N [--json] [--one-at-a-time]: scheduler throughput, N empty tasks */
submit_command_fn submit_noop;

#endif
