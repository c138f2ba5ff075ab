/*
 * cluster_util.h — real daemons on loopback for the cluster suites.
 *
 * Programs are found in $DSK_BIN (the build directory). Each spawned
 * process writes its stderr to a log file in a per-test temporary
 * directory, which a failing test prints. Nothing here is a stand-in:
 * tests fork and exec dskd-scheduler, dskd-worker and dsk-submit.
 */
#ifndef CLUSTER_UTIL_H
#define CLUSTER_UTIL_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

/* A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
int cu_free_port(void);

/* "tcp://127.0.0.1:PORT" for a fresh free port, into buf. */
const char *cu_endpoint(char *buf, size_t len);

/* Directory for this test's logs and files (created on first use). */
const char *cu_tmpdir(void);

/*
 * Starts $DSK_BIN/prog with the NULL-terminated argument list (not
 * including argv[0]); stdout and stderr go to TMPDIR/log_name. Returns the pid.
 * A daemon (dskd-*) without --key among args runs --insecure: loopback
 * tests need no keys, and the CURVE tests give theirs. A dskd-scheduler
 * without --dashboard-port among args runs without its dashboard (0).
 * The process is remembered and killed by cu_kill_all.
 */
pid_t cu_spawn(const char *prog, const char *log_name, const char *const *args);

/*
 * The same under valgrind (memcheck, definite leaks and any error make the
 * process exit 99), for the valgrind-clean daemons test.
 */
pid_t cu_spawn_valgrind(const char *prog, const char *log_name, const char *const *args);
/* The same run by the command prefix (NULL-terminated) names, DSK_BIN/prog and args after it. */
pid_t cu_spawn_with(const char *const *prefix, const char *prog, const char *log_name,
                    const char *const *args);

/* Kills (SIGKILL) every spawned process still running and reaps it. */
void cu_kill_all(void);

/*
 * Removes this test's directory and its logs. Called from teardown, which
 * Check's fork mode runs only after a passing test: a failed test keeps
 * its logs for a look.
 */
void cu_remove_tmpdir(void);

/* Waits up to ms for pid to exit; returns its wait status or -1 on time-out. */
int cu_wait_exit(pid_t pid, int64_t ms);

/* Runs `dsk-submit --scheduler EP ARGS...`, captures stdout and stderr. Returns the exit code. */
int cu_submit(const char *endpoint, char *out, size_t out_len, char *errout,
              size_t err_len, const char *const *args);

/* `dsk-submit status --json` parsed, or NULL when it fails. Caller owns it. */
json_t *cu_status(const char *endpoint);

/* Number of workers in the status, or -1 when status fails. */
int cu_worker_count(const char *endpoint);

/*
 * Polls status until it shows exactly n workers; returns the ms it took or
 * -1 after timeout_ms.
 */
int64_t cu_wait_workers(const char *endpoint, int n, int64_t timeout_ms);

/*
 * A scheduler on a fresh endpoint (into endpoint, 64 bytes) with extra
 * flags (NULL-terminated, may be NULL), and n workers w1..wn of nthreads
 * each (their pids into workers, if not NULL), all registered. Returns the
 * scheduler's pid, or -1 when the workers did not all register in 10 s.
 */
pid_t cu_start_cluster(char *endpoint, int n, int nthreads, const char *const *sched_args,
                       pid_t *workers);

/* Starts worker `name` of nthreads on endpoint, its log in NAME.log. */
pid_t cu_start_worker(const char *endpoint, const char *name, int nthreads);

/*
 * Whether two search results have the same cv_results_ (every split score,
 * mean, std, rank and the params) and best_index; why names the first
 * difference.
 */
int cu_same_scores(const json_t *a, const json_t *b, char *why, size_t len);

/*
 * The name (into name, 64 bytes) of a worker the scheduler at endpoint
 * reports running a task of kind ("prefix", "score", ...: status's
 * "running"); 0 when it found one, -1 otherwise.
 */
int cu_worker_running(const char *endpoint, const char *kind, char *name);

/* The fits done of job id on the scheduler at endpoint (dsk-submit jobs), -1 when unknown. */
int64_t cu_job_done(const char *endpoint, uint64_t id);

/*
 * The seed's search (examples/seed_grid.json) with SGDClassifier(random_state
 * = seed) and extra_grid (NULL, or more `, "name": [...]` of param_grid),
 * written to TMPDIR/seed_SEED.json (into path); returns path.
 */
const char *cu_seed_job(int seed, const char *extra_grid, char *path, size_t len);
/*
 * An SVC with params (a JSON object's members, e.g. "\"C\": 10") fitted on
 * digits by the cluster at endpoint (`dsk-submit fit`), saved as
 * TMPDIR/svc.dskm (into model); returns model. The test fails if the fit does.
 */
const char *cu_fit_digits_svc(const char *endpoint, const char *params, char *model, size_t len);
/* The job file's search run in this process (job_search_local): the reference answer. */
json_t *cu_local_result(const char *job_path, void **model, size_t *model_len);
/* A JSON file, or the test fails naming it. */
json_t *cu_load_json(const char *path);

/* Resident set size of pid in KiB (VmRSS), -1 if unknown. */
long cu_rss_kib(pid_t pid);

/* Prints every log file of this test to stderr (for failing tests). */
void cu_dump_logs(void);

/* Reads TMPDIR/log_name into buf (truncated); returns buf. */
const char *cu_read_log(const char *log_name, char *buf, size_t len);

int64_t cu_now_ms(void);
void cu_sleep_ms(int64_t ms);

/* Fails the test with every daemon's log attached, so a CI failure explains
   itself (ck_abort_msg: the including suite has <check.h>). */
#define CU_ASSERT(cond, ...)                                                       \
    do {                                                                           \
        if (!(cond)) {                                                             \
            cu_dump_logs();                                                        \
            ck_abort_msg(__VA_ARGS__);                                             \
        }                                                                          \
    } while (0)

#endif
