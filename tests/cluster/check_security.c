/*
 * check_security.c — CurveZMQ on a real cluster: dskd-scheduler with its
 * key and allow-lists, dskd-workers and dsk-submit with theirs.
 *
 *  - Strangers get nothing: a bare ZeroMQ socket with no key, one with a
 *    key in no allow-list, one with the wrong scheduler key, and a worker
 *    key speaking as a client all send requests and hear nothing back; the
 *    scheduler's count of messages that reached a handler does not move,
 *    and its refusal counts do.
 *  - Ownership: one client's job is not another's to fetch, cancel or list;
 *    an admin key sees it.
 *  - Key files: a secret key others may read stops the daemon, naming the
 *    file; no key and no --insecure stops it too.
 *  - The wire: a capture of loopback (tcpdump, as root) during the seed's
 *    search holds the documents' text in plaintext under --insecure and not
 *    a trace of it with CURVE.
 */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "cluster_util.h"
#include "dsk_keys.h"
#include "dsk_msg.h"

static char s_ep[64];
static char s_dir[512];

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

/* A key pair NAME in DIR (under the test's tmpdir), made as dsk-keygen makes it. */
static void s_key(const char *dir, const char *name, dsk_key_pair_t *pair)
{
    char path[1024], err[DSK_ERR_LEN];
    snprintf(path, sizeof path, "%s/%s", s_dir, dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", s_dir, dir, name);
    dsk_key_pair_t tmp;
    if (!pair)
        pair = &tmp;
    ck_assert_int_eq(dsk_keys_generate(pair, err), 0);
    ck_assert_msg(dsk_keys_write(path, name, pair, 0, err) == 0, "%s", err);
}

static const char *s_path(char *buf, const char *rel)
{
    snprintf(buf, 1024, "%s/%s", s_dir, rel);
    return buf;
}

/* Keys for the scheduler, workers w1 w2, clients alice and bob, admin root. */
static void s_keys(void)
{
    snprintf(s_dir, sizeof s_dir, "%s", cu_tmpdir());
    s_key(".", "scheduler", NULL);
    s_key("workers", "w1", NULL);
    s_key("workers", "w2", NULL);
    s_key("clients", "alice", NULL);
    s_key("clients", "bob", NULL);
    s_key("admins", "root", NULL);
}

static pid_t s_scheduler(void)
{
    char key[1024], wk[1024], ck[1024], ak[1024];
    cu_endpoint(s_ep, sizeof s_ep);
    const char *args[] = {"--listen", s_ep, "--log-level", "debug",
                          "--key", s_path(key, "scheduler.key"),
                          "--worker-keys", s_path(wk, "workers"),
                          "--client-keys", s_path(ck, "clients"),
                          "--admin-keys", s_path(ak, "admins"), NULL};
    return cu_spawn("dskd-scheduler", "scheduler.log", args);
}

static void s_worker(const char *name)
{
    char key[1024], rel[64], pub[1024], log[64];
    snprintf(rel, sizeof rel, "workers/%s.key", name);
    snprintf(log, sizeof log, "%s.log", name);
    const char *args[] = {"--scheduler", s_ep, "--name", name, "--nthreads", "1",
                          "--key", s_path(key, rel),
                          "--scheduler-key", s_path(pub, "scheduler.pub"), NULL};
    cu_spawn("dskd-worker", log, args);
}

/* dsk-submit as client `who` (clients/who or admins/who): ARGS, output into out. */
static int s_as(const char *who, char *out, size_t len, const char *const *args)
{
    char key[1024], rel[64], pub[1024], err[4096];
    snprintf(rel, sizeof rel, "%s.key", who);
    const char *argv[32] = {"--key", s_path(key, rel), "--scheduler-key",
                            s_path(pub, "scheduler.pub")};
    size_t n = 4;
    for (size_t i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int rc = cu_submit(s_ep, out, len, err, sizeof err, argv);
    if (rc != 0)
        snprintf(out, len, "%s", err);
    return rc;
}

static json_t *s_status(const char *who)
{
    static char out[1 << 16];
    const char *args[] = {"status", "--json", NULL};
    if (s_as(who, out, sizeof out, args) != 0)
        return NULL;
    return json_loads(out, 0, NULL);
}

static int64_t s_security(json_t *st, const char *field)
{
    json_t *v = json_object_get(json_object_get(st, "security"), field);
    return json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
}

static int s_wait_workers(int n)
{
    for (int i = 0; i < 200; i++) {
        json_t *st = s_status("clients/alice");
        size_t got = st ? json_array_size(json_object_get(st, "workers")) : 0;
        json_decref(st);
        if (got == (size_t)n)
            return 0;
        cu_sleep_ms(50);
    }
    return -1;
}

/*
 * A bare DEALER (CURVE client when mine is not NULL, of server key `server`)
 * sends each frame; returns how many bytes came back within ms (0: nothing).
 */
static size_t s_probe(const dsk_key_pair_t *mine, const char *server, const char *const *frames,
                      const size_t *lens, int ms)
{
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    if (mine) {
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, mine->public_key, 40);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, mine->secret_key, 40);
    }
    zmq_connect(s, s_ep);
    for (size_t i = 0; frames[i]; i++)
        zmq_send(s, frames[i], lens[i], ZMQ_DONTWAIT);
    size_t got = 0;
    int64_t end = cu_now_ms() + ms;
    while (cu_now_ms() < end) {
        zmq_pollitem_t item = {.socket = s, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, 50) > 0) {
            char buf[4096];
            int n = zmq_recv(s, buf, sizeof buf, ZMQ_DONTWAIT);
            if (n > 0)
                got += (size_t)n;
        }
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return got;
}

/* An encoded dsk message of type t (a STATUS_REQ, a JOB_REQ LIST). */
static char *s_encode(dsk_msg_type_t t, size_t *len)
{
    dsk_msg_t m = {.type = t};
    if (t == DSK_MSG_JOB_REQ)
        m.u.job_req.op = DSK_JOBREQ_LIST;
    char *buf, err[DSK_ERR_LEN];
    ck_assert_int_eq(dsk_msg_encode(&m, &buf, len, err), 0);
    return buf;
}

START_TEST(test_strangers_get_nothing)
{
    s_keys();
    s_scheduler();
    /* no worker yet: nothing else talks to the scheduler, so its count is exact */
    json_t *st = NULL;
    for (int i = 0; i < 100 && !st; i++, cu_sleep_ms(50))
        st = s_status("clients/alice");
    CU_ASSERT(st != NULL, "alice's status failed");
    ck_assert_int_eq(s_security(st, "curve"), 1);
    int64_t handled = s_security(st, "messages_handled");
    json_decref(st);

    size_t status_len, list_len;
    char *status = s_encode(DSK_MSG_STATUS_REQ, &status_len);
    char *list = s_encode(DSK_MSG_JOB_REQ, &list_len);
    const char *frames[] = {status, list, "garbage", NULL};
    const size_t lens[] = {status_len, list_len, 7};

    char pub[1024], server[DSK_KEY_Z85_LEN + 1], err[DSK_ERR_LEN], path[1024];
    ck_assert_int_eq(dsk_keys_read_public(s_path(pub, "scheduler.pub"), server, err), 0);
    dsk_key_pair_t stranger, worker, alice, wrong_server;
    ck_assert_int_eq(dsk_keys_generate(&stranger, err), 0);
    ck_assert_int_eq(dsk_keys_generate(&wrong_server, err), 0);
    ck_assert_int_eq(dsk_keys_read_secret(s_path(path, "workers/w1.key"), &worker, err), 0);
    ck_assert_int_eq(dsk_keys_read_secret(s_path(path, "clients/alice.key"), &alice, err), 0);

    CU_ASSERT(s_probe(NULL, NULL, frames, lens, 800) == 0, "a socket without a key got bytes");
    CU_ASSERT(s_probe(&stranger, server, frames, lens, 800) == 0, "an unknown key got bytes");
    CU_ASSERT(s_probe(&alice, wrong_server.public_key, frames, lens, 800) == 0,
              "a client with the wrong scheduler key got bytes");
    CU_ASSERT(s_probe(&worker, server, frames, lens, 800) == 0,
              "a worker key speaking as a client got bytes");
    /* and the right key, on the very same kind of socket, is answered */
    CU_ASSERT(s_probe(&alice, server, frames, lens, 800) > 0, "alice's bare socket got nothing");
    free(status);
    free(list);

    cu_sleep_ms(1100); /* the refusal summary is logged once a second */
    st = s_status("clients/alice");
    CU_ASSERT(st != NULL, "alice's second status failed");
    /* alice's probe: 2 requests and the garbage frame (dropped before any handler); then this */
    CU_ASSERT(s_security(st, "messages_handled") == handled + 3,
              "messages reached handlers from strangers: %lld then %lld (want +3: alice's two "
              "and this status)", (long long)handled,
              (long long)s_security(st, "messages_handled"));
    CU_ASSERT(s_security(st, "refused_handshakes") >= 2, "handshakes refused: %lld",
              (long long)s_security(st, "refused_handshakes"));
    CU_ASSERT(s_security(st, "refused_keys") >= 1, "keys refused: %lld",
              (long long)s_security(st, "refused_keys"));
    CU_ASSERT(s_security(st, "refused_messages") == 2, "messages refused by role: %lld",
              (long long)s_security(st, "refused_messages"));
    json_decref(st);
    char log[1 << 16];
    cu_read_log("scheduler.log", log, sizeof log);
    CU_ASSERT(strstr(log, "key in neither worker-keys nor client-keys") &&
              strstr(log, stranger.public_key),
              "the scheduler's log does not name the refused key:\n%.3000s", log);
    CU_ASSERT(strstr(log, "from worker key"),
              "the scheduler's log does not name the worker key's refused request:\n%.3000s", log);
}
END_TEST

START_TEST(test_jobs_belong_to_their_key)
{
    s_keys();
    s_scheduler();
    s_worker("w1");
    s_worker("w2");
    CU_ASSERT(s_wait_workers(2) == 0, "the workers did not register with their keys");
    char out[1 << 16];
    char job[1024];
    cu_seed_job(0, NULL, job, sizeof job);
    const char *search[] = {"search", job, "--quiet", NULL};
    CU_ASSERT(s_as("clients/alice", out, sizeof out, search) == 0, "alice's search: %.3000s", out);
    CU_ASSERT(strstr(out, "\"best_score\"") != NULL, "no best score:\n%.3000s", out);

    const char *result[] = {"result", "1", "--out", "/dev/null", NULL};
    const char *cancel[] = {"cancel", "1", NULL};
    const char *jobs[] = {"jobs", "--json", NULL};
    CU_ASSERT(s_as("clients/bob", out, sizeof out, result) != 0 &&
              strstr(out, "belongs to another client key"), "bob fetched alice's job: %s", out);
    CU_ASSERT(s_as("clients/bob", out, sizeof out, cancel) != 0 &&
              strstr(out, "belongs to another client key"), "bob cancelled alice's job: %s", out);
    CU_ASSERT(s_as("clients/bob", out, sizeof out, jobs) == 0 && strstr(out, "seed_0.json") == NULL,
              "bob's list shows alice's job: %.3000s", out);
    CU_ASSERT(s_as("clients/alice", out, sizeof out, jobs) == 0 && strstr(out, "seed_0.json"),
              "alice's list lacks her job: %.3000s", out);
    CU_ASSERT(s_as("admins/root", out, sizeof out, jobs) == 0 && strstr(out, "seed_0.json"),
              "the admin's list lacks alice's job: %.3000s", out);
    CU_ASSERT(s_as("admins/root", out, sizeof out, result) == 0, "the admin's result: %.3000s", out);
    CU_ASSERT(s_as("clients/alice", out, sizeof out, result) == 0, "alice's result: %.3000s", out);
}
END_TEST

/* Runs a daemon expected to refuse to start; returns its log. */
static const char *s_refused(const char *prog, const char *const *args, char *log, size_t len)
{
    pid_t p = cu_spawn(prog, "refused.log", args);
    int status = cu_wait_exit(p, 5000);
    CU_ASSERT(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) != 0,
              "%s started with a bad key setup", prog);
    cu_read_log("refused.log", log, len);
    unlink(s_path((char[1024]){0}, "refused.log"));
    return log;
}

START_TEST(test_key_files_checked)
{
    s_keys();
    char key[1024], wk[1024], ck[1024], pub[1024], log[8192], ep[64];
    cu_endpoint(ep, sizeof ep);
    s_path(key, "scheduler.key");
    chmod(key, 0644);
    const char *sargs[] = {"--listen", ep, "--key", key, "--worker-keys", s_path(wk, "workers"),
                           "--client-keys", s_path(ck, "clients"), NULL};
    s_refused("dskd-scheduler", sargs, log, sizeof log);
    CU_ASSERT(strstr(log, key) && strstr(log, "chmod 600"),
              "the scheduler does not name its readable key:\n%.3000s", log);
    chmod(key, 0600);

    char wkey[1024];
    s_path(wkey, "workers/w1.key");
    chmod(wkey, 0640);
    const char *wargs[] = {"--scheduler", ep, "--key", wkey, "--scheduler-key",
                           s_path(pub, "scheduler.pub"), NULL};
    s_refused("dskd-worker", wargs, log, sizeof log);
    CU_ASSERT(strstr(log, wkey) && strstr(log, "mode 0640"),
              "the worker does not name its readable key:\n%.3000s", log);

    /* no key and no --insecure: refused, saying both ways out */
    const char *bare[] = {"--listen", ep, "--key", "", NULL};
    s_refused("dskd-scheduler", bare, log, sizeof log);
    CU_ASSERT(strstr(log, "no key") && strstr(log, "--insecure"),
              "the scheduler without a key does not say what to do:\n%.3000s", log);
    /* a public key given as the secret one */
    const char *pubkey[] = {"--listen", ep, "--key", pub, "--worker-keys", wk, "--client-keys",
                            ck, NULL};
    chmod(pub, 0600);
    s_refused("dskd-scheduler", pubkey, log, sizeof log);
    CU_ASSERT(strstr(log, "no valid secret-key"), "a .pub taken as a secret key:\n%.3000s", log);
}
END_TEST

/* Whether the file at path holds needle anywhere in its bytes. */
static int s_file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 20, len = 0, n;
    char *buf = malloc(cap);
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    int found = memmem(buf, len, needle, strlen(needle)) != NULL;
    free(buf);
    return found;
}

/* tcpdump on lo for the scheduler's port, writing path; its pid once it listens. */
static pid_t s_capture(const char *path)
{
    char port[16], filter[32];
    snprintf(port, sizeof port, "%s", strrchr(s_ep, ':') + 1);
    snprintf(filter, sizeof filter, "tcp port %s", port);
    pid_t p = fork();
    if (p == 0) {
        int fd = open(s_path((char[1024]){0}, "tcpdump.log"), O_WRONLY | O_CREAT | O_TRUNC,
                      0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execlp("tcpdump", "tcpdump", "-i", "lo", "-U", "-s", "0", "-w", path, filter,
               (char *)NULL);
        _exit(127);
    }
    char log[4096];
    for (int i = 0; i < 100; i++, cu_sleep_ms(50))
        if (strstr(cu_read_log("tcpdump.log", log, sizeof log), "listening on"))
            return p;
    CU_ASSERT(0, "tcpdump did not start: %.3000s", log);
    return -1;
}

static void s_stop_capture(pid_t p)
{
    cu_sleep_ms(200);
    kill(p, SIGINT);
    waitpid(p, NULL, 0);
}

/* The seed's search with the capture running; whether the documents' text was on the wire. */
static int s_search_seen(int curve)
{
    char job[1024], cap[1024], out[1 << 16], err[4096];
    snprintf(s_dir, sizeof s_dir, "%s", cu_tmpdir());
    cu_seed_job(0, NULL, job, sizeof job);
    snprintf(cap, sizeof cap, "%s/%s.pcap", cu_tmpdir(), curve ? "curve" : "plain");
    if (curve) {
        s_keys();
        s_scheduler();
        s_worker("w1");
        s_worker("w2");
        CU_ASSERT(s_wait_workers(2) == 0, "the workers did not register with their keys");
    } else {
        cu_start_cluster(s_ep, 2, 1, NULL, NULL);
    }
    pid_t dump = s_capture(cap);
    const char *search[] = {"search", job, "--quiet", NULL};
    int rc = curve ? s_as("clients/alice", out, sizeof out, search)
                   : cu_submit(s_ep, out, sizeof out, err, sizeof err, search);
    s_stop_capture(dump);
    CU_ASSERT(rc == 0 && strstr(out, "\"best_score\""), "the search failed: %.3000s", out);
    struct stat sb;
    CU_ASSERT(stat(cap, &sb) == 0 && sb.st_size > 1000000,
              "the capture holds %lld bytes: the dataset did not go through it",
              (long long)sb.st_size);
    /* lines of the first alt.atheism training document (its header and its title) */
    int seen = s_file_has(cap, "Mantis Consultants, Cambridge") == 1 ||
               s_file_has(cap, "Addresses of Atheist Organizations") == 1;
    cu_kill_all();
    return seen;
}

START_TEST(test_no_plaintext_on_the_wire)
{
    if (geteuid() != 0 || system("command -v tcpdump >/dev/null 2>&1") != 0) {
        /* CI runs as root with tcpdump (conf/deps.sh); a developer may not */
        fprintf(stderr, "check_security: capture test needs root and tcpdump: not run\n");
        return;
    }
    CU_ASSERT(s_search_seen(0) == 1, "the control failed: under --insecure the documents "
              "should be readable in the capture, and are not (is the search's data there?)");
    CU_ASSERT(s_search_seen(1) == 0, "with CURVE, document text is readable on the wire");
}
END_TEST

Suite *dsk_cluster_security_suite(void);

Suite *dsk_cluster_security_suite(void)
{
    Suite *s = suite_create("cluster_security");
    TCase *tc = tcase_create("curve");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_strangers_get_nothing);
    tcase_add_test(tc, test_jobs_belong_to_their_key);
    tcase_add_test(tc, test_key_files_checked);
    tcase_add_test(tc, test_no_plaintext_on_the_wire);
    suite_add_tcase(s, tc);
    return s;
}
