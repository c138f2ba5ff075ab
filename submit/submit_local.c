/*
 * submit_local.c — `dsk-submit --local N`: an embedded cluster, the
 * equivalent of dask's Client(n_workers=N): a dskd-scheduler and N
 * dskd-workers as child processes on a free loopback port, found next to
 * this program (or on PATH), torn down when the command ends — on error
 * and on Ctrl-C too, and by the kernel if this process dies
 * (PR_SET_PDEATHSIG).
 */
#include "submit_local.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
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

#include "dsk_clock.h"
#include "dsk_client.h"

#define S_MAX_CHILDREN 65
#define S_START_TIMEOUT_MS 15000

static pid_t s_children[S_MAX_CHILDREN];
static int s_nchildren;

/* A port the kernel says is free now (a tiny race with other programs; retried by the caller). */
static int s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* The daemon next to /proc/self/exe, else the bare name for execvp's PATH search. */
static void s_program(const char *name, char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        snprintf(out, len, "%s/%s", dirname(self), name);
        if (access(out, X_OK) == 0)
            return;
    }
    snprintf(out, len, "%s", name);
}

static int s_spawn(char *const argv[], char *err)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return dsk_seterr(err, DSK_EIO, "--local: fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        setpgid(0, 0); /* a terminal's Ctrl-C reaches dsk-submit, which stops us in order */
        execvp(argv[0], argv);
        fprintf(stderr, "dsk-submit --local: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    s_children[s_nchildren++] = pid;
    return DSK_OK;
}

/* Waits until the scheduler answers with all n workers registered. */
static int s_wait_ready(const char *endpoint, int n, char *err)
{
    int64_t deadline = dsk_clock_mono_ms() + S_START_TIMEOUT_MS;
    while (dsk_clock_mono_ms() < deadline) {
        for (int i = 0; i < s_nchildren; i++) {
            int status;
            if (waitpid(s_children[i], &status, WNOHANG) == s_children[i]) {
                s_children[i] = 0;
                return dsk_seterr(err, DSK_EIO, "--local: a %s exited during start-up",
                                  i == 0 ? "scheduler" : "worker");
            }
        }
        dsk_client_t *c = dsk_client_new(endpoint, 500, err);
        dsk_msg_t st;
        int rc = c ? dsk_client_status(c, &st, err) : DSK_EINVAL;
        dsk_client_destroy(&c);
        if (rc == 0) {
            int have = (int)st.u.status_rep.n_workers;
            dsk_msg_clear(&st);
            if (have >= n)
                return DSK_OK;
        }
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    return dsk_seterr(err, DSK_ETIMEDOUT, "--local: the cluster did not start within %d s",
                      S_START_TIMEOUT_MS / 1000);
}

int submit_local_start(int n, char *endpoint, char *err)
{
    if (n < 1 || n > S_MAX_CHILDREN - 1)
        return dsk_seterr(err, DSK_EINVAL, "--local: expected 1..%d workers, got %d",
                          S_MAX_CHILDREN - 1, n);
    int port = s_free_port();
    if (port < 0)
        return dsk_seterr(err, DSK_EIO, "--local: no free loopback port: %s", strerror(errno));
    snprintf(endpoint, 64, "tcp://127.0.0.1:%d", port);
    char sched[PATH_MAX], worker[PATH_MAX], threads[24], name[32];
    s_program("dskd-scheduler", sched, sizeof sched);
    s_program("dskd-worker", worker, sizeof worker);
    /* the machine's cores shared among the workers, as LocalCluster does */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(threads, sizeof threads, "%ld", cpus / n > 0 ? cpus / n : 1);
    const char *level = getenv("DSK_LOCAL_LOG_LEVEL") ? getenv("DSK_LOCAL_LOG_LEVEL") : "warn";
    /* a private cluster on loopback, gone with this process: no keys to make, and no
       dashboard (it would take the machine's port 8787 for a few seconds) */
    char *sargv[] = {sched, "--config", "/dev/null", "--insecure", "--listen", endpoint,
                     "--dashboard-port", "0", "--log-level", (char *)level, NULL};
    int rc = s_spawn(sargv, err);
    for (int i = 0; rc == DSK_OK && i < n; i++) {
        snprintf(name, sizeof name, "local-%d", i + 1);
        char *wargv[] = {worker, "--config", "/dev/null", "--insecure", "--scheduler", endpoint,
                         "--nthreads", threads, "--name", name, "--log-level", (char *)level,
                         NULL};
        rc = s_spawn(wargv, err);
    }
    if (rc == DSK_OK)
        rc = s_wait_ready(endpoint, n, err);
    if (rc)
        submit_local_stop();
    return rc;
}

/* SIGTERM to every child, then SIGKILL to those still there after 5 s. */
void submit_local_stop(void)
{
    for (int i = s_nchildren - 1; i >= 0; i--)
        if (s_children[i] > 0)
            kill(s_children[i], SIGTERM);
    int64_t deadline = dsk_clock_mono_ms() + 5000;
    for (int i = 0; i < s_nchildren; i++) {
        while (s_children[i] > 0) {
            int status;
            pid_t r = waitpid(s_children[i], &status, WNOHANG);
            if (r == s_children[i] || (r < 0 && errno != EINTR)) {
                s_children[i] = 0;
            } else if (dsk_clock_mono_ms() > deadline) {
                kill(s_children[i], SIGKILL);
                waitpid(s_children[i], &status, 0);
                s_children[i] = 0;
            } else {
                struct timespec ts = {0, 20 * 1000000};
                nanosleep(&ts, NULL);
            }
        }
    }
    s_nchildren = 0;
}
