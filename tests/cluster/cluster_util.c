/* cluster_util.c — spawning and querying real dsk daemons. */
#include "cluster_util.h"

#include <check.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dsk_client.h"
#include "job_file.h"
#include "job_local.h"
#include "ml_load.h"

#define CU_MAX_PROCS 64

static pid_t s_pids[CU_MAX_PROCS];
static size_t s_npids;
static char s_tmpdir[256];

int64_t cu_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cu_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int cu_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        perror("cu_free_port");
        abort();
    }
    close(fd);
    return ntohs(a.sin_port);
}

const char *cu_endpoint(char *buf, size_t len)
{
    snprintf(buf, len, "tcp://127.0.0.1:%d", cu_free_port());
    return buf;
}

const char *cu_tmpdir(void)
{
    if (!s_tmpdir[0]) {
        snprintf(s_tmpdir, sizeof s_tmpdir, "/tmp/dsk-cluster-XXXXXX");
        if (!mkdtemp(s_tmpdir))
            abort();
    }
    return s_tmpdir;
}

static const char *s_bin(const char *prog, char *buf, size_t len)
{
    const char *dir = getenv("DSK_BIN");
    snprintf(buf, len, "%s/%s", dir && *dir ? dir : "build", prog);
    return buf;
}

/* Forks and execs argv[0] with stdout and stderr appended to TMPDIR/log_name. */
static pid_t s_spawn_argv(const char *const *argv, const char *log_name)
{
    char log[512];
    snprintf(log, sizeof log, "%s/%s", cu_tmpdir(), log_name);
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        setpgid(0, 0);
        /* A failing check exits the test process without its teardown:
           the daemons must not outlive it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (s_npids < CU_MAX_PROCS)
        s_pids[s_npids++] = pid;
    return pid;
}

static pid_t s_spawn(const char *const *prefix, const char *prog, const char *log_name,
                     const char *const *args)
{
    char path[512];
    const char *argv[96];
    size_t n = 0;
    for (size_t i = 0; prefix && prefix[i]; i++)
        argv[n++] = prefix[i];
    argv[n++] = s_bin(prog, path, sizeof path);
    /* the daemons refuse to run without keys or --insecure; tests of CURVE give --key */
    int keyed = 0, dashboard = 0;
    for (size_t i = 0; args[i]; i++) {
        keyed |= strcmp(args[i], "--key") == 0;
        dashboard |= strcmp(args[i], "--dashboard-port") == 0;
    }
    if (strncmp(prog, "dskd-", 5) == 0 && !keyed)
        argv[n++] = "--insecure";
    /* a scheduler's dashboard only where a test asks for one (check_dashboard.c): the
       default port 8787 is the machine's, not the test's */
    if (strcmp(prog, "dskd-scheduler") == 0 && !dashboard) {
        argv[n++] = "--dashboard-port";
        argv[n++] = "0";
    }
    for (size_t i = 0; args[i] && n < 94; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return s_spawn_argv(argv, log_name);
}

pid_t cu_spawn(const char *prog, const char *log_name, const char *const *args)
{
    return s_spawn(NULL, prog, log_name, args);
}

pid_t cu_spawn_with(const char *const *prefix, const char *prog, const char *log_name,
                    const char *const *args)
{
    return s_spawn(prefix, prog, log_name, args);
}

pid_t cu_spawn_valgrind(const char *prog, const char *log_name, const char *const *args)
{
    static const char *const prefix[] = {
        "valgrind", "--quiet", "--fair-sched=yes", "--leak-check=full",
        "--show-leak-kinds=definite",
        "--errors-for-leak-kinds=definite", "--error-exitcode=99", NULL};
    return s_spawn(prefix, prog, log_name, args);
}

int cu_wait_exit(pid_t pid, int64_t ms)
{
    int64_t deadline = cu_now_ms() + ms;
    int status;
    do {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            for (size_t i = 0; i < s_npids; i++)
                if (s_pids[i] == pid)
                    s_pids[i] = 0;
            return status;
        }
        if (r < 0)
            return -1;
        cu_sleep_ms(10);
    } while (cu_now_ms() < deadline);
    return -1;
}

static int s_unlink_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void cu_remove_tmpdir(void)
{
    if (s_tmpdir[0])
        nftw(s_tmpdir, s_unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
    s_tmpdir[0] = '\0';
}

void cu_kill_all(void)
{
    for (size_t i = 0; i < s_npids; i++) {
        if (s_pids[i] <= 0)
            continue;
        kill(s_pids[i], SIGCONT);
        kill(s_pids[i], SIGKILL);
        waitpid(s_pids[i], NULL, 0);
        s_pids[i] = 0;
    }
    s_npids = 0;
}

/* Reads all of fd into buf (NUL-terminated, truncated to len - 1). */
static void s_slurp(int fd, char *buf, size_t len)
{
    size_t used = 0;
    char scratch[4096];
    for (;;) {
        ssize_t r = read(fd, used + 1 < len ? buf + used : scratch,
                         used + 1 < len ? len - 1 - used : sizeof scratch);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (used + 1 < len)
            used += (size_t)r;
    }
    if (len)
        buf[used] = '\0';
}

int cu_submit(const char *endpoint, char *out, size_t out_len, char *errout,
              size_t err_len, const char *const *args)
{
    char path[512], errfile[512];
    const char *argv[64];
    size_t n = 0;
    argv[n++] = s_bin("dsk-submit", path, sizeof path);
    argv[n++] = "--scheduler";
    argv[n++] = endpoint;
    for (size_t i = 0; args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    snprintf(errfile, sizeof errfile, "%s/submit-stderr-XXXXXX", cu_tmpdir());
    int efd = mkstemp(errfile);
    int pipefd[2];
    if (efd < 0 || pipe(pipefd) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(efd, STDERR_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(path, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    char sink[1];
    s_slurp(pipefd[0], out ? out : sink, out ? out_len : 1);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    lseek(efd, 0, SEEK_SET);
    s_slurp(efd, errout ? errout : sink, errout ? err_len : 1);
    close(efd);
    unlink(errfile);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

json_t *cu_status(const char *endpoint)
{
    static char out[1 << 16];
    const char *args[] = {"--timeout", "1", "status", "--json", NULL};
    if (cu_submit(endpoint, out, sizeof out, NULL, 0, args) != 0)
        return NULL;
    json_error_t jerr;
    return json_loads(out, 0, &jerr);
}

int cu_worker_count(const char *endpoint)
{
    json_t *st = cu_status(endpoint);
    if (!st)
        return -1;
    json_t *w = json_object_get(st, "workers");
    int n = json_is_array(w) ? (int)json_array_size(w) : -1;
    json_decref(st);
    return n;
}

int64_t cu_wait_workers(const char *endpoint, int n, int64_t timeout_ms)
{
    int64_t start = cu_now_ms();
    do {
        if (cu_worker_count(endpoint) == n)
            return cu_now_ms() - start;
        cu_sleep_ms(50);
    } while (cu_now_ms() - start < timeout_ms);
    return -1;
}

long cu_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

const char *cu_read_log(const char *log_name, char *buf, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", cu_tmpdir(), log_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(buf, len, "(no log %s)", log_name);
        return buf;
    }
    s_slurp(fd, buf, len);
    close(fd);
    return buf;
}

void cu_dump_logs(void)
{
    DIR *d = opendir(cu_tmpdir());
    struct dirent *e;
    static char buf[1 << 16];
    if (!d)
        return;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".log")) {
            fprintf(stderr, "----- %s\n%s\n", e->d_name,
                    cu_read_log(e->d_name, buf, sizeof buf));
        }
    closedir(d);
}

pid_t cu_start_worker(const char *endpoint, const char *name, int nthreads)
{
    char threads[16], log[64];
    snprintf(threads, sizeof threads, "%d", nthreads);
    snprintf(log, sizeof log, "%s.log", name);
    const char *args[] = {"--scheduler", endpoint, "--name", name, "--nthreads", threads,
                          "--log-level", "debug", NULL};
    return cu_spawn("dskd-worker", log, args);
}

pid_t cu_start_cluster(char *endpoint, int n, int nthreads, const char *const *sched_args,
                       pid_t *workers)
{
    cu_endpoint(endpoint, 64);
    const char *args[32] = {"--listen", endpoint, "--log-level", "debug"};
    size_t k = 4;
    for (size_t i = 0; sched_args && sched_args[i] && k < 31; i++)
        args[k++] = sched_args[i];
    args[k] = NULL;
    pid_t sched = cu_spawn("dskd-scheduler", "scheduler.log", args);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "w%d", i + 1);
        pid_t w = cu_start_worker(endpoint, name, nthreads);
        if (workers)
            workers[i] = w;
    }
    return cu_wait_workers(endpoint, n, 10000) >= 0 ? sched : -1;
}

int cu_same_scores(const json_t *a, const json_t *b, char *why, size_t len)
{
    const json_t *ca = json_object_get(a, "cv_results"), *cb = json_object_get(b, "cv_results");
    int splits = (int)json_integer_value(json_object_get(a, "n_splits"));
    const char *cols[] = {"mean_test_score", "std_test_score", "rank_test_score", "params"};
    if (!ca || !cb || splits < 1 ||
        splits != (int)json_integer_value(json_object_get(b, "n_splits"))) {
        snprintf(why, len, "no cv_results, or other numbers of splits");
        return 0;
    }
    for (int k = 0; k < splits + 4; k++) {
        char name[64];
        if (k < splits)
            snprintf(name, sizeof name, "split%d_test_score", k);
        else
            snprintf(name, sizeof name, "%s", cols[k - splits]);
        const json_t *x = json_object_get(ca, name), *y = json_object_get(cb, name);
        if (!x || !y || !json_equal(x, y)) {
            snprintf(why, len, "cv_results[%s] differs", name);
            return 0;
        }
    }
    if (json_integer_value(json_object_get(a, "best_index")) !=
        json_integer_value(json_object_get(b, "best_index"))) {
        snprintf(why, len, "best_index differs");
        return 0;
    }
    return 1;
}

int64_t cu_job_done(const char *endpoint, uint64_t id)
{
    char out[65536];
    const char *args[] = {"jobs", "--json", NULL};
    if (cu_submit(endpoint, out, sizeof out, NULL, 0, args) != 0)
        return -1;
    json_t *list = json_loads(out, 0, NULL);
    int64_t done = -1;
    size_t i;
    json_t *j;
    json_array_foreach(list, i, j)
        if ((uint64_t)json_integer_value(json_object_get(j, "job_id")) == id)
            done = json_integer_value(json_object_get(j, "done"));
    json_decref(list);
    return done;
}

/*
 * Asked in-process, on one connection kept for the endpoint: a status
 * through a dsk-submit process takes milliseconds to start, long enough
 * to miss a short task on a loaded machine.
 */
int cu_worker_running(const char *endpoint, const char *kind, char *name)
{
    static dsk_client_t *c;
    static char at[64];
    char err[DSK_ERR_LEN];
    if (!c || strcmp(at, endpoint) != 0) {
        dsk_client_destroy(&c);
        snprintf(at, sizeof at, "%s", endpoint);
        c = dsk_client_new(endpoint, 2000, err);
        if (!c)
            return -1;
    }
    dsk_msg_t m;
    if (dsk_client_status(c, &m, err) < 0)
        return -1;
    int rc = -1;
    char want[40];
    snprintf(want, sizeof want, "%s:", kind);
    for (uint32_t i = 0; i < m.u.status_rep.n_workers && rc < 0; i++) {
        const dsk_worker_info_t *w = &m.u.status_rep.workers[i];
        /* "prefix:1 score:2": this kind's token, at the start or after a space */
        for (const char *p = strstr(w->running, want); p; p = strstr(p + 1, want))
            if ((p == w->running || p[-1] == ' ') && atoi(p + strlen(want)) > 0) {
                memcpy(name, w->name, strnlen(w->name, 63));
                name[strnlen(w->name, 63)] = '\0';
                rc = 0;
                break;
            }
    }
    dsk_msg_clear(&m);
    return rc;
}

const char *cu_seed_job(int seed, const char *extra_grid, char *path, size_t len)
{
    snprintf(path, len, "%s/seed_%d.json", cu_tmpdir(), seed);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "{\"data\": {\"loader\": \"20newsgroups\", \"subset\": \"train\",\n"
            "          \"categories\": [\"alt.atheism\", \"talk.religion.misc\"]},\n"
            " \"pipeline\": [[\"vect\", \"CountVectorizer\", {}],\n"
            "              [\"tfidf\", \"TfidfTransformer\", {}],\n"
            "              [\"clf\", \"SGDClassifier\", {\"max_iter\": 1000, \"random_state\": %d}]],\n"
            " \"search\": {\"kind\": \"grid\",\n"
            "            \"param_grid\": {\"vect__max_df\": [0.5, 0.75, 1.0],\n"
            "                           \"vect__ngram_range\": [[1, 1], [1, 2]]%s},\n"
            "            \"cv\": 3, \"scoring\": \"accuracy\", \"refit\": false}}\n",
            seed, extra_grid ? extra_grid : "");
    fclose(f);
    return path;
}

const char *cu_fit_digits_svc(const char *endpoint, const char *params, char *model, size_t len)
{
    char job[512], err[4096] = "";
    snprintf(job, sizeof job, "%s/fit.json", cu_tmpdir());
    FILE *f = fopen(job, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", {%s}]]}\n",
            params);
    fclose(f);
    snprintf(model, len, "%s/svc.dskm", cu_tmpdir());
    const char *args[] = {"fit", job, "--model-out", model, "--quiet", NULL};
    int rc = cu_submit(endpoint, NULL, 0, err, sizeof err, args);
    ck_assert_msg(rc == 0, "fit exited %d: %s", rc, err);
    return model;
}

json_t *cu_local_result(const char *job_path, void **model, size_t *model_len)
{
    char err[DSK_ERR_LEN];
    job_t *job = NULL;
    ml_dataset_t *ds = NULL;
    ck_assert_msg(job_parse_file(job_path, &job, err) == 0, "%s", err);
    ck_assert_msg(ml_load_dataset(job->data, &ds, err) == 0, "%s", err);
    json_t *res = NULL;
    ck_assert_msg(job_search_local(job, ds, &res, model, model_len, err) == 0, "%s", err);
    ml_dataset_destroy(&ds);
    job_destroy(&job);
    return res;
}

json_t *cu_load_json(const char *path)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    CU_ASSERT(j != NULL, "%s: %s", path, jerr.text);
    return j;
}
