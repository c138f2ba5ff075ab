/*
 * submit_job.h — dsk-submit's job commands: search, fit, jobs, result,
 * cancel (DESIGN.md, "Programs"), and the --local cluster they can run on.
 *
 * search and fit validate the job file and load its data here, before
 * anything is sent, so a bad job exits 2 with the file, the JSON path and
 * the problem; then the data goes to the scheduler once, progress comes
 * back (scikit-learn's verbose line, a progress bar on a terminal), and
 * the result JSON is written.
 */
#ifndef SUBMIT_JOB_H
#define SUBMIT_JOB_H

enum { EXIT_OK = 0, EXIT_JOB = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3, EXIT_INTERRUPTED = 130 };

typedef struct {
    const char *scheduler;
    double timeout_s;
} submit_options_t;

int submit_search(const submit_options_t *opt, int argc, char **argv);
int submit_fit(const submit_options_t *opt, int argc, char **argv);
int submit_jobs(const submit_options_t *opt, int argc, char **argv);
int submit_result(const submit_options_t *opt, int argc, char **argv);
int submit_cancel(const submit_options_t *opt, int argc, char **argv);
/* predict --model M.dskm --input DATA [--out PRED] [--chunk-rows N] [--method M]
   [--aggregate counts] (submit_predict.c) */
int submit_predict(const submit_options_t *opt, int argc, char **argv);
/* noop N [--json]: scheduler throughput, N empty tasks */
int submit_noop(const submit_options_t *opt, int argc, char **argv);

/*
 * --local N: a scheduler and n workers as child processes on a free
 * loopback port, until submit_local_stop. *endpoint (room for 64 bytes)
 * gets the scheduler's address. The children die with this process too.
 */
int submit_local_start(int n, char *endpoint, char *err);
void submit_local_stop(void);

#endif
