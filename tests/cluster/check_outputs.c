/*
 * check_outputs.c — where dsk-submit's outputs go (submit/submit_output.h),
 * through a real cluster of 3 workers on the digits data.
 *
 * Each kind of output (the result JSON, the cv_results CSV, the model, the
 * predictions) is written to a regular file (the reference bytes), to a
 * character device node, to a FIFO with a reader, to `-`, and to a
 * directory. A device or a FIFO must still be one afterwards (the bug: the
 * output was a temporary renamed over the target, so `--out /dev/null` run
 * as root replaced the device node with a regular file); what a FIFO's
 * reader and standard output get must be the reference bytes exactly; a
 * directory must be refused with exit 2 before anything is submitted; a
 * write that fails names the path and the reason and leaves a replaced
 * file as it was.
 *
 * Device nodes are made here with mknod(2) (/dev/null's numbers, 1:3, and
 * /dev/full's, 1:7), never the system's own: a regression must not be
 * able to replace this machine's /dev/null.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster_util.h"

#define S_WORKERS 3 /* more than two: the project's rule for cluster tests */

static char s_ep[64];
static rlim_t s_fsize_limit; /* when not 0, dsk-submit's RLIMIT_FSIZE: its writes fail (EFBIG) */

typedef struct {
    char *data;
    size_t len;
} s_buf_t;

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

/* A scheduler and S_WORKERS workers (2 threads each) on a fresh port, all registered. */
static void s_cluster(void)
{
    cu_endpoint(s_ep, sizeof s_ep);
    const char *sargs[] = {"--listen", s_ep, "--log-level", "debug", NULL};
    cu_spawn("dskd-scheduler", "scheduler.log", sargs);
    for (int i = 0; i < S_WORKERS; i++) {
        char name[16], log[32];
        snprintf(name, sizeof name, "w%d", i + 1);
        snprintf(log, sizeof log, "worker%d.log", i + 1);
        const char *wargs[] = {"--scheduler", s_ep, "--name", name, "--nthreads", "2",
                               "--log-level", "debug", NULL};
        cu_spawn("dskd-worker", log, wargs);
    }
    CU_ASSERT(cu_wait_workers(s_ep, S_WORKERS, 10000) >= 0, "%d workers did not register",
              S_WORKERS);
}

static const char *s_tmp(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", cu_tmpdir(), name);
    return buf;
}

static void s_buf_free(s_buf_t *b)
{
    free(b->data);
    *b = (s_buf_t){0};
}

/* All of fd until EOF, NULs and all (a model or .npy predictions on stdout are binary). */
static s_buf_t s_read_fd(int fd)
{
    s_buf_t b = {0};
    size_t cap = 0;
    for (;;) {
        if (b.len == cap)
            b.data = realloc(b.data, cap = cap ? 2 * cap : 1 << 16);
        ck_assert_ptr_nonnull(b.data);
        ssize_t n = read(fd, b.data + b.len, cap - b.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        b.len += (size_t)n;
    }
    return b;
}

static s_buf_t s_read_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    CU_ASSERT(fd >= 0, "cannot read %s: %s", path, strerror(errno));
    s_buf_t b = s_read_fd(fd);
    close(fd);
    return b;
}

static int s_same(const s_buf_t *a, const s_buf_t *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/*
 * `dsk-submit --scheduler EP ARGS...` with its standard output a pipe read
 * to EOF into *out (cu_submit's text buffer would stop at a NUL) and its
 * stderr into err. Returns the exit code.
 */
static int s_submit(s_buf_t *out, char *err, size_t err_len, const char *const *args)
{
    char path[512], errfile[512];
    const char *dir = getenv("DSK_BIN");
    snprintf(path, sizeof path, "%s/dsk-submit", dir && *dir ? dir : "build");
    const char *argv[32];
    size_t n = 0;
    argv[n++] = path;
    argv[n++] = "--scheduler";
    argv[n++] = s_ep;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    s_tmp("stderr-XXXXXX", errfile, sizeof errfile);
    int efd = mkstemp(errfile), pipefd[2];
    ck_assert(efd >= 0 && pipe(pipefd) == 0);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        if (s_fsize_limit) {
            struct rlimit rl = {s_fsize_limit, s_fsize_limit};
            signal(SIGXFSZ, SIG_IGN); /* ignored across exec: a write fails, nothing dies */
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(efd, STDERR_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(path, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    s_buf_t got = s_read_fd(pipefd[0]);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ssize_t e = pread(efd, err, err_len - 1, 0);
    err[e > 0 ? e : 0] = '\0';
    close(efd);
    unlink(errfile);
    if (out)
        *out = got;
    else
        s_buf_free(&got);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The same, stdout thrown away, and exit 0 required. */
static void s_submit_ok(const char *const *args)
{
    char err[8192];
    int rc = s_submit(NULL, err, sizeof err, args);
    CU_ASSERT(rc == 0, "dsk-submit %s %s exited %d: %s", args[0], args[1], rc, err);
}

/* The digits SVC search with refit (check_jobs.c's), its job file written to the test dir. */
static const char *s_svc_job(char *path, size_t len)
{
    s_tmp("svc.json", path, len);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
               "{\"random_state\": 0}]], \"search\": {\"param_grid\": {\"svc__C\": [0.01, 1.0, "
               "10]}, \"refit\": true}}\n");
    fclose(f);
    return path;
}

/* The scheduler's job list (`jobs --json`); caller owns it. */
static json_t *s_jobs(void)
{
    s_buf_t out;
    char err[4096];
    const char *args[] = {"jobs", "--json", NULL};
    int rc = s_submit(&out, err, sizeof err, args);
    CU_ASSERT(rc == 0, "jobs --json exited %d: %s", rc, err);
    json_t *list = json_loadb(out.data, out.len, 0, NULL);
    s_buf_free(&out);
    CU_ASSERT(json_is_array(list), "jobs --json is not a list");
    return list;
}

/* The id of the newest job, as the text `result` takes. */
static const char *s_last_job(char *buf, size_t len)
{
    json_t *list = s_jobs();
    json_t *last = json_array_get(list, json_array_size(list) - 1);
    CU_ASSERT(last != NULL, "no job listed");
    snprintf(buf, len, "%lld", (long long)json_integer_value(json_object_get(last, "job_id")));
    json_decref(list);
    return buf;
}

/*
 * A character device node at path with /dev/null's numbers (or another
 * device's): 1 when made, 0 when this process may not make device nodes
 * (EPERM: not root, or no CAP_MKNOD), a note then printed and that part
 * skipped. Any other failure fails the test.
 */
static int s_mknod(const char *path, unsigned major_no, unsigned minor_no)
{
    if (mknod(path, S_IFCHR | 0666, makedev(major_no, minor_no)) == 0)
        return 1;
    CU_ASSERT(errno == EPERM, "mknod %s (%u:%u): %s", path, major_no, minor_no,
              strerror(errno));
    fprintf(stderr, "note: %s: mknod is not permitted here (%s); the character-device part is "
            "skipped\n", path, strerror(errno));
    return 0;
}

static void s_assert_chr(const char *path, unsigned major_no, unsigned minor_no)
{
    struct stat st;
    CU_ASSERT(lstat(path, &st) == 0, "%s is gone: %s", path, strerror(errno));
    CU_ASSERT(S_ISCHR(st.st_mode) && major(st.st_rdev) == major_no &&
                  minor(st.st_rdev) == minor_no,
              "%s is no longer the character device %u:%u (mode 0%o)", path, major_no, minor_no,
              (unsigned)st.st_mode);
}

static void s_assert_fifo(const char *path)
{
    struct stat st;
    CU_ASSERT(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode), "%s is no longer a FIFO", path);
}

/*
 * A reader for a FIFO: a forked child that opens it, reads everything into
 * a regular file `got` and exits. It dies with the test (PR_SET_PDEATHSIG)
 * if the writer never comes.
 */
static pid_t s_fifo_reader(const char *fifo, const char *got)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int in = open(fifo, O_RDONLY);
        int out = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0)
            _exit(1);
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0 && write(out, buf, (size_t)n) != n)
                _exit(1);
        _exit(n == 0 && close(out) == 0 ? 0 : 1);
    }
    return pid;
}

/* What the reader got, once it has seen EOF (killed after 10 s: a writer that never came). */
static s_buf_t s_fifo_collect(pid_t reader, const char *got)
{
    int st = cu_wait_exit(reader, 10000);
    if (st < 0) {
        kill(reader, SIGKILL);
        waitpid(reader, NULL, 0);
    }
    CU_ASSERT(st >= 0, "the FIFO's reader saw no EOF in 10 s (no writer opened it?)");
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the FIFO's reader failed (%d)", st);
    return s_read_file(got);
}

/* No temporary left beside the targets: every output was renamed or removed. */
static void s_assert_no_temporaries(void)
{
    DIR *d = opendir(cu_tmpdir());
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)))
        CU_ASSERT(strstr(e->d_name, ".tmp.") == NULL, "a temporary was left behind: %s",
                  e->d_name);
    closedir(d);
}

/*
 * `result ID FLAG TARGET --quiet` into args; for the CSV and the model,
 * with `--out side` too: without --out, `result` prints the JSON on stdout.
 */
static const char *const *s_result_args(const char **args, const char *job_id, const char *flag,
                                        const char *target, const char *side)
{
    size_t n = 0;
    args[n++] = "result";
    args[n++] = job_id;
    args[n++] = flag;
    args[n++] = target;
    if (strcmp(flag, "--out") != 0) {
        args[n++] = "--out";
        args[n++] = side;
    }
    args[n++] = "--quiet";
    args[n] = NULL;
    return args;
}

/*
 * One kind of the search's outputs (--out, --cv-results, --model-out),
 * fetched with `dsk-submit result ID` of one finished job to a regular
 * file, a device node, a FIFO and `-`.
 *
 * Why `result` of a finished job: the scheduler keeps the job's result
 * (cv_results with its fit and score times) and its model, and `result`
 * writes them as they are — the client_seconds a submitting client adds
 * belong to one run. So two `result` calls of one job must give the same
 * bytes, which makes every comparison here exact, JSON included, with no
 * keys taken out.
 */
static void s_output_kind(const char *job_id, const char *flag, const char *name)
{
    char ref[512], node[512], fifo[512], got[512], side[512], err[8192];
    const char *args[8];
    snprintf(ref, sizeof ref, "%s/ref_%s", cu_tmpdir(), name);
    snprintf(node, sizeof node, "%s/null_%s", cu_tmpdir(), name);
    snprintf(fifo, sizeof fifo, "%s/fifo_%s", cu_tmpdir(), name);
    snprintf(got, sizeof got, "%s/got_%s", cu_tmpdir(), name);
    s_tmp("side.json", side, sizeof side);

    /* 1. a regular file: the reference */
    s_submit_ok(s_result_args(args, job_id, flag, ref, side));
    s_buf_t want = s_read_file(ref);
    CU_ASSERT(want.len > 0, "%s %s wrote nothing", flag, ref);

    /* 2. a character device (/dev/null's numbers): written into, still a device */
    if (s_mknod(node, 1, 3)) {
        s_submit_ok(s_result_args(args, job_id, flag, node, side));
        s_assert_chr(node, 1, 3);
    }

    /* 3. a FIFO: still a FIFO, and its reader got the reference bytes */
    CU_ASSERT(mkfifo(fifo, 0644) == 0, "mkfifo %s: %s", fifo, strerror(errno));
    pid_t reader = s_fifo_reader(fifo, got);
    char e3[8192];
    int rc = s_submit(NULL, e3, sizeof e3, s_result_args(args, job_id, flag, fifo, side));
    s_buf_t fromfifo = s_fifo_collect(reader, got);
    CU_ASSERT(rc == 0, "%s to a FIFO exited %d: %s", flag, rc, e3);
    s_assert_fifo(fifo);
    CU_ASSERT(s_same(&fromfifo, &want), "%s: the FIFO's reader got %zu bytes, not the regular "
              "file's %zu", flag, fromfifo.len, want.len);

    /* 4. `-`: standard output is the reference bytes, nothing more */
    s_buf_t fromstdout;
    rc = s_submit(&fromstdout, err, sizeof err, s_result_args(args, job_id, flag, "-", side));
    CU_ASSERT(rc == 0, "%s - exited %d: %s", flag, rc, err);
    CU_ASSERT(s_same(&fromstdout, &want), "%s -: %zu bytes on stdout, not the regular file's %zu",
              flag, fromstdout.len, want.len);

    /* a symlink is followed: the file it points to is replaced, the link stays a link */
    char link[512], linked[512];
    snprintf(link, sizeof link, "%s/link_%s", cu_tmpdir(), name);
    snprintf(linked, sizeof linked, "%s/linked_%s", cu_tmpdir(), name);
    FILE *f = fopen(linked, "w");
    fputs("old contents, longer than nothing\n", f);
    fclose(f);
    CU_ASSERT(symlink(linked, link) == 0, "symlink: %s", strerror(errno));
    s_submit_ok(s_result_args(args, job_id, flag, link, side));
    struct stat st;
    CU_ASSERT(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "%s is no longer a symlink", link);
    s_buf_t vialink = s_read_file(linked);
    CU_ASSERT(s_same(&vialink, &want), "%s through a symlink: the target differs", flag);
    s_buf_free(&want);
    s_buf_free(&fromfifo);
    s_buf_free(&fromstdout);
    s_buf_free(&vialink);
}

/*
 * The search's three outputs, each to a regular file, a device node, a
 * FIFO, `-` and through a symlink; the search itself writing all three into
 * a device node (the bug as it was found).
 */
START_TEST(test_search_outputs_devices_fifos_stdout)
{
    s_cluster();
    char job[512], res[512], csv[512], model[512], node[512], id[32];
    s_svc_job(job, sizeof job);
    s_tmp("search.json", res, sizeof res);
    s_tmp("search.csv", csv, sizeof csv);
    s_tmp("search.dskm", model, sizeof model);
    const char *sa[] = {"search", job, "--out", res, "--cv-results", csv, "--model-out", model,
                        "--quiet", NULL};
    s_submit_ok(sa);
    s_last_job(id, sizeof id);

    s_output_kind(id, "--out", "result.json");
    s_output_kind(id, "--cv-results", "cv.csv");
    s_output_kind(id, "--model-out", "model.dskm");

    /* `result` writes what the search wrote: the CSV and the model byte for byte, the
       JSON but for the submitting client's own timings */
    char ref[512];
    s_buf_t a = s_read_file(csv), b = s_read_file(s_tmp("ref_cv.csv", ref, sizeof ref));
    CU_ASSERT(s_same(&a, &b), "the search's CSV differs from result's");
    s_buf_free(&a);
    s_buf_free(&b);
    a = s_read_file(model);
    b = s_read_file(s_tmp("ref_model.dskm", ref, sizeof ref));
    CU_ASSERT(s_same(&a, &b), "the search's model differs from result's");
    s_buf_free(&a);
    s_buf_free(&b);
    json_t *sj = json_load_file(res, 0, NULL),
           *rj = json_load_file(s_tmp("ref_result.json", ref, sizeof ref), 0, NULL);
    CU_ASSERT(sj && rj && json_object_get(sj, "client_seconds"), "no result JSON");
    json_object_del(sj, "client_seconds");
    CU_ASSERT(json_equal(sj, rj), "the search's JSON differs from result's");
    json_decref(sj);
    json_decref(rj);

    /* the search itself, every output into one device node */
    if (s_mknod(s_tmp("null_search", node, sizeof node), 1, 3)) {
        const char *a2[] = {"search", job, "--out", node, "--cv-results", node, "--model-out",
                            node, "--quiet", NULL};
        s_submit_ok(a2);
        s_assert_chr(node, 1, 3);
    }
    s_assert_no_temporaries();
}
END_TEST

/*
 * The digits SVC search with its model written to TMP/svc.dskm (into
 * model), and a predict input of digits twice over (TMP/x2.json, into
 * input): 3594 rows, 8 chunks of 500 over the 3 workers.
 */
static void s_model_and_input(char *model, char *input)
{
    char job[512], res[512];
    s_svc_job(job, sizeof job);
    s_tmp("svc.dskm", model, 512);
    s_tmp("r.json", res, sizeof res);
    const char *sa[] = {"search", job, "--model-out", model, "--out", res, "--quiet", NULL};
    s_submit_ok(sa);
    s_tmp("x2.json", input, 512);
    FILE *f = fopen(input, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "{\"loader\": \"digits\", \"repeat\": 2}\n");
    fclose(f);
}

/* predict's arguments for model and input (the caller's), into out, with more at the end */
#define S_PREDICT(out, ...) {"predict", "--model", model, "--input", input, "--chunk-rows", \
                             "500", "--quiet", "--out", (out), __VA_ARGS__}

/*
 * Predictions, streamed chunk by chunk (8 chunks over 3 workers): the
 * format from the extension, from --format, csv for `-`, npy for a path
 * with no extension (a device, a FIFO) as for a file. Predictions of one
 * model are deterministic, so each comparison is exact.
 */
START_TEST(test_predict_outputs_devices_fifos_stdout)
{
    s_cluster();
    char model[512], input[512], npy[512], csv[512], forced[512], node[512], fifo[512],
        got[512], err[8192];
    s_model_and_input(model, input);

    /* the references: regular files, formats from their extensions */
    s_tmp("pred.npy", npy, sizeof npy);
    s_tmp("pred.csv", csv, sizeof csv);
    const char *p1[] = S_PREDICT(npy, NULL);
    s_submit_ok(p1);
    const char *p2[] = S_PREDICT(csv, NULL);
    s_submit_ok(p2);
    s_buf_t want_npy = s_read_file(npy), want_csv = s_read_file(csv);
    CU_ASSERT(want_npy.len == 128 + 3594 * 8 && memcmp(want_npy.data, "\x93NUMPY", 6) == 0,
              "pred.npy is not 3594 int64 labels (%zu bytes)", want_npy.len);
    CU_ASSERT(want_csv.len == 3594 * 2, "pred.csv is not 3594 one-digit lines (%zu bytes)",
              want_csv.len);

    /* --format overrides the extension */
    s_tmp("forced.csv", forced, sizeof forced);
    const char *p3[] = S_PREDICT(forced, "--format", "npy", NULL);
    s_submit_ok(p3);
    s_buf_t b = s_read_file(forced);
    CU_ASSERT(s_same(&b, &want_npy), "--format npy into forced.csv is not the .npy's bytes");
    s_buf_free(&b);

    /* a character device: written into, still a device */
    if (s_mknod(s_tmp("null_pred", node, sizeof node), 1, 3)) {
        const char *p4[] = S_PREDICT(node, NULL);
        s_submit_ok(p4);
        s_assert_chr(node, 1, 3);
    }

    /* a FIFO (no extension: npy, as a file's): still a FIFO, the reader got the .npy */
    s_tmp("fifo_pred", fifo, sizeof fifo);
    s_tmp("got_pred", got, sizeof got);
    CU_ASSERT(mkfifo(fifo, 0644) == 0, "mkfifo %s: %s", fifo, strerror(errno));
    pid_t reader = s_fifo_reader(fifo, got);
    const char *p5[] = S_PREDICT(fifo, NULL);
    int rc = s_submit(NULL, err, sizeof err, p5);
    b = s_fifo_collect(reader, got);
    CU_ASSERT(rc == 0, "predict into a FIFO exited %d: %s", rc, err);
    s_assert_fifo(fifo);
    CU_ASSERT(s_same(&b, &want_npy), "the FIFO's reader got %zu bytes, not the .npy's %zu",
              b.len, want_npy.len);
    s_buf_free(&b);

    /* `-`: csv by default, npy when asked */
    const char *p6[] = S_PREDICT("-", NULL);
    rc = s_submit(&b, err, sizeof err, p6);
    CU_ASSERT(rc == 0 && s_same(&b, &want_csv), "predict --out - (exit %d) did not print the "
              ".csv's bytes (%zu vs %zu): %s", rc, b.len, want_csv.len, err);
    s_buf_free(&b);
    const char *p7[] = S_PREDICT("-", "--format", "npy", NULL);
    rc = s_submit(&b, err, sizeof err, p7);
    CU_ASSERT(rc == 0 && s_same(&b, &want_npy), "predict --out - --format npy (exit %d) did not "
              "print the .npy's bytes (%zu vs %zu): %s", rc, b.len, want_npy.len, err);
    s_buf_free(&b);

    /* an unknown format is a usage error */
    const char *p8[] = S_PREDICT(npy, "--format", "xml", NULL);
    rc = s_submit(NULL, err, sizeof err, p8);
    CU_ASSERT(rc == 2 && strstr(err, "xml"), "--format xml: exit %d: %s", rc, err);
    s_buf_free(&want_npy);
    s_buf_free(&want_csv);
    s_assert_no_temporaries();
}
END_TEST

/*
 * Writes that fail: a device that takes nothing (/dev/full's numbers,
 * ENOSPC) for `result --model-out` and for predict, and a regular file
 * whose writing fails part way (a file size limit below the .npy's size,
 * EFBIG). Exit 1 with the path and the system's reason; the node stays a
 * node; the file to be replaced keeps its old bytes; no temporary is left.
 */
START_TEST(test_failed_writes_name_the_path_and_keep_the_old)
{
    s_cluster();
    char model[512], input[512], node[512], side[512], victim[512], id[32], err[8192];
    int rc;
    s_model_and_input(model, input);
    s_last_job(id, sizeof id);
    s_tmp("side.json", side, sizeof side);
    if (s_mknod(s_tmp("full", node, sizeof node), 1, 7)) {
        const char *a[] = {"result", id, "--model-out", node, "--out", side, "--quiet", NULL};
        rc = s_submit(NULL, err, sizeof err, a);
        CU_ASSERT(rc == 1 && strstr(err, node) && strstr(err, strerror(ENOSPC)),
                  "result --model-out into a full device: exit %d: %s", rc, err);
        s_assert_chr(node, 1, 7);
        const char *p[] = S_PREDICT(node, NULL);
        rc = s_submit(NULL, err, sizeof err, p);
        CU_ASSERT(rc == 1 && strstr(err, node) && strstr(err, strerror(ENOSPC)),
                  "predict into a full device: exit %d: %s", rc, err);
        s_assert_chr(node, 1, 7);
    }

    s_tmp("victim.npy", victim, sizeof victim);
    FILE *f = fopen(victim, "w");
    fputs("the previous predictions\n", f);
    fclose(f);
    const char *p[] = S_PREDICT(victim, NULL);
    s_fsize_limit = 10000;
    rc = s_submit(NULL, err, sizeof err, p);
    s_fsize_limit = 0;
    CU_ASSERT(rc == 1 && strstr(err, victim) && strstr(err, strerror(EFBIG)),
              "predict past a file size limit: exit %d: %s", rc, err);
    s_buf_t b = s_read_file(victim);
    CU_ASSERT(b.len == 25 && memcmp(b.data, "the previous predictions\n", 25) == 0,
              "a failed predict changed the file it was to replace (%zu bytes)", b.len);
    s_buf_free(&b);
    s_assert_no_temporaries();
}
END_TEST

/* Exit 2 naming path with `reason`, and no job more on the scheduler than njobs. */
static void s_assert_refused(const char *const *args, const char *path, const char *reason,
                             size_t njobs)
{
    char err[8192];
    int rc = s_submit(NULL, err, sizeof err, args);
    CU_ASSERT(rc == 2, "dsk-submit %s ... %s exited %d, not 2: %s", args[0], path, rc, err);
    CU_ASSERT(strstr(err, path) && strstr(err, reason), "the error does not name %s and say "
              "\"%s\": %s", path, reason, err);
    json_t *list = s_jobs();
    CU_ASSERT(json_array_size(list) == njobs, "dsk-submit %s with the output %s submitted a job "
              "(%zu jobs, %zu before)", args[0], path, json_array_size(list), njobs);
    json_decref(list);
}

/*
 * A directory as any output of search, fit, result and predict (with or
 * without a trailing slash), or a file in a directory that is not there:
 * exit 2 with the path and the reason before anything is submitted (the
 * scheduler's job list does not grow) or read.
 */
START_TEST(test_directory_refused_before_submitting)
{
    s_cluster();
    char job[512], fitjob[512], model[512], input[512], dir[512], dirslash[512], missing[512],
        id[32];
    s_model_and_input(model, input);
    s_svc_job(job, sizeof job);
    s_last_job(id, sizeof id);
    s_tmp("fit.json", fitjob, sizeof fitjob);
    FILE *f = fopen(fitjob, "w");
    fprintf(f, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
               "{\"C\": 10, \"random_state\": 0}]]}\n");
    fclose(f);
    s_tmp("outdir", dir, sizeof dir);
    CU_ASSERT(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
    s_tmp("outdir/", dirslash, sizeof dirslash);
    snprintf(missing, sizeof missing, "%s/nowhere/r.json", cu_tmpdir());
    json_t *list = s_jobs();
    size_t njobs = json_array_size(list);
    json_decref(list);
    CU_ASSERT(njobs == 1, "%zu jobs after one search", njobs);

    const char *dirs[] = {dir, dirslash};
    for (int i = 0; i < 2; i++) {
        const char *d = dirs[i];
        const char *s1[] = {"search", job, "--out", d, "--quiet", NULL};
        s_assert_refused(s1, d, "is a directory", njobs);
        const char *s2[] = {"search", job, "--cv-results", d, "--quiet", NULL};
        s_assert_refused(s2, d, "is a directory", njobs);
        const char *s3[] = {"search", job, "--model-out", d, "--quiet", NULL};
        s_assert_refused(s3, d, "is a directory", njobs);
        const char *s4[] = {"fit", fitjob, "--model-out", d, "--quiet", NULL};
        s_assert_refused(s4, d, "is a directory", njobs);
        const char *s5[] = {"result", id, "--out", d, "--quiet", NULL};
        s_assert_refused(s5, d, "is a directory", njobs);
        const char *s6[] = S_PREDICT(d, NULL);
        s_assert_refused(s6, d, "is a directory", njobs);
    }
    const char *s7[] = {"search", job, "--out", missing, "--quiet", NULL};
    s_assert_refused(s7, missing, strerror(ENOENT), njobs);
    const char *s8[] = S_PREDICT(missing, NULL);
    s_assert_refused(s8, missing, strerror(ENOENT), njobs);
    struct stat st;
    CU_ASSERT(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), "%s is no longer a directory", dir);
}
END_TEST

Suite *dsk_cluster_outputs_suite(void);

Suite *dsk_cluster_outputs_suite(void)
{
    Suite *s = suite_create("cluster_outputs");
    TCase *tc = tcase_create("outputs");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_search_outputs_devices_fifos_stdout);
    tcase_add_test(tc, test_predict_outputs_devices_fifos_stdout);
    tcase_add_test(tc, test_failed_writes_name_the_path_and_keep_the_old);
    tcase_add_test(tc, test_directory_refused_before_submitting);
    suite_add_tcase(s, tc);
    return s;
}
