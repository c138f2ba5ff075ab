/*
 * check_dashboard.c — dskd-scheduler's HTTP dashboard on a real cluster: a
 * scheduler with --dashboard-port on a free loopback port and two workers
 * run the seed search, and
 *
 *   - /api/status lists both workers, /api/jobs shows the job done with
 *     fits done == total, /api/tasks has one entry per task of the job;
 *   - /metrics is read by a Prometheus text-format parser (below: every
 *     line a comment or a sample — name, {label="value",...} with escapes,
 *     a float, an optional time stamp — or the parse fails), and its
 *     numbers agree with `dsk-submit status --json` and the job's stats;
 *     its counters do not go down from one job to the next;
 *   - a task that fails is named in /api/jobs (kind, worker, attempt, the
 *     worker's error) and counted in /metrics;
 *   - a request libmicrohttpd cannot parse gets 400 (one of a single word
 *     is closed unanswered, HTTP/9.9 gets 505), an unknown path 404, a
 *     POST 405, and the scheduler still serves ZeroMQ (and HTTP) afterwards;
 *   - --dashboard-port 0 listens on nothing but the ZeroMQ socket, and a
 *     dashboard port another process holds is warned about while the
 *     scheduler serves its workers;
 *   - headless Chromium renders the page while a search runs: both workers,
 *     the job at 100% once it is done, and a screenshot in
 *     $DSK_BIN/test-artifacts/dashboard.png. Only when no chromium is
 *     installed does that test skip, saying so.
 *
 * HTTP is spoken over a plain socket (the project does not depend on
 * libcurl): one request, Connection: close, read to the end.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster_util.h"

static char s_ep[64];
static int s_port;

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

/* ------------------------------------------------------------ HTTP over a socket */

/*
 * Sends request (raw bytes) to 127.0.0.1:port and reads the whole answer;
 * the status code (0 when there was no status line) and a malloc'd body.
 */
static int s_http_raw(int port, const char *request, char **body)
{
    *body = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    size_t len = strlen(request);
    ck_assert_int_eq(write(fd, request, len), (ssize_t)len);
    shutdown(fd, SHUT_WR);
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
        n += (size_t)r;
        if (n + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    close(fd);
    buf[n] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    char *sep = strstr(buf, "\r\n\r\n");
    *body = strdup(sep ? sep + 4 : "");
    free(buf);
    return status;
}

static int s_get(const char *path, char **body)
{
    char req[512];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
             path);
    return s_http_raw(s_port, req, body);
}

static json_t *s_get_json(const char *path)
{
    char *body;
    int status = s_get(path, &body);
    CU_ASSERT(status == 200, "GET %s: HTTP %d", path, status);
    json_error_t e;
    json_t *o = json_loads(body, 0, &e);
    CU_ASSERT(o != NULL, "GET %s: not JSON (%s): %.300s", path, e.text, body);
    free(body);
    return o;
}

/* ------------------------------------------------------------ the text format */

typedef struct {
    char name[128];
    json_t *labels;     /* {name: value}, values unescaped */
    double value;
} s_sample_t;

typedef struct {
    s_sample_t *v;
    size_t n;
    json_t *types;      /* family -> "counter", "gauge", ... */
} s_metrics_t;

static int s_name_start(int c) { return isalpha(c) || c == '_' || c == ':'; }
static int s_name_char(int c) { return isalnum(c) || c == '_' || c == ':'; }

/* A metric name at *p (advanced past it); 0 when there is none. */
static int s_parse_name(const char **p, char *out, size_t len, int colons)
{
    const char *s = *p;
    if (!s_name_start((unsigned char)*s) || (!colons && *s == ':'))
        return 0;
    size_t n = 0;
    while (s_name_char((unsigned char)*s) && (colons || *s != ':')) {
        if (n + 1 >= len)
            return 0;
        out[n++] = *s++;
    }
    out[n] = '\0';
    *p = s;
    return 1;
}

/* {a="x",b="y\"z"} at *p, into labels; 0 on anything malformed. */
static int s_parse_labels(const char **p, json_t *labels)
{
    const char *s = *p + 1; /* past { */
    while (*s != '}') {
        char name[128], value[1024];
        size_t n = 0;
        if (!s_parse_name(&s, name, sizeof name, 0) || *s++ != '=' || *s++ != '"')
            return 0;
        while (*s != '"') {
            if (*s == '\0' || *s == '\n' || n + 2 >= sizeof value)
                return 0;
            if (*s == '\\') {
                s++;
                if (*s == 'n')
                    value[n++] = '\n';
                else if (*s == '\\' || *s == '"')
                    value[n++] = *s;
                else
                    return 0; /* no other escape exists */
                s++;
            } else {
                value[n++] = *s++;
            }
        }
        value[n] = '\0';
        s++; /* the closing quote */
        if (json_object_get(labels, name))
            return 0; /* a label twice */
        json_object_set_new(labels, name, json_string(value));
        if (*s == ',')
            s++;
        else if (*s != '}')
            return 0;
    }
    *p = s + 1;
    return 1;
}

/* A sample value: a float as Go's ParseFloat reads it, or NaN, +Inf, -Inf. */
static int s_parse_value(const char **p, double *v)
{
    const char *s = *p;
    size_t n = strcspn(s, " \t");
    char tok[64];
    if (n == 0 || n >= sizeof tok)
        return 0;
    memcpy(tok, s, n);
    tok[n] = '\0';
    if (strcmp(tok, "NaN") == 0)
        *v = NAN;
    else if (strcmp(tok, "+Inf") == 0 || strcmp(tok, "Inf") == 0)
        *v = INFINITY;
    else if (strcmp(tok, "-Inf") == 0)
        *v = -INFINITY;
    else {
        char *end;
        errno = 0;
        *v = strtod(tok, &end);
        if (*end || errno || isnan(*v) || isinf(*v) || tok[0] == 'i' || tok[0] == 'n')
            return 0;
    }
    *p = s + n;
    return 1;
}

/*
 * One line of the exposition format into m; 0 when it is malformed. A
 * comment is free text unless it is HELP or TYPE, which name a family
 * (TYPE once per family, before its samples, of a known type).
 */
static int s_parse_line(const char *line, s_metrics_t *m)
{
    if (line[0] == '\0')
        return 1;
    if (line[0] == '#') {
        const char *s = line + 1;
        while (*s == ' ' || *s == '\t')
            s++;
        int help = strncmp(s, "HELP ", 5) == 0, type = strncmp(s, "TYPE ", 5) == 0;
        if (!help && !type)
            return 1;
        s += 5;
        char name[128];
        if (!s_parse_name(&s, name, sizeof name, 1))
            return 0;
        if (help)
            return *s == '\0' || *s == ' ';
        if (*s++ != ' ' || json_object_get(m->types, name))
            return 0;
        const char *types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
        for (size_t i = 0; i < 5; i++)
            if (strcmp(s, types[i]) == 0) {
                for (size_t k = 0; k < m->n; k++)
                    if (strcmp(m->v[k].name, name) == 0)
                        return 0; /* a TYPE after its samples */
                json_object_set_new(m->types, name, json_string(s));
                return 1;
            }
        return 0;
    }
    s_sample_t smp = {.labels = json_object()};
    const char *s = line;
    if (!s_parse_name(&s, smp.name, sizeof smp.name, 1))
        goto malformed;
    if (*s == '{' && !s_parse_labels(&s, smp.labels))
        goto malformed;
    if (*s != ' ' && *s != '\t')
        goto malformed;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!s_parse_value(&s, &smp.value))
        goto malformed;
    if (*s) { /* a time stamp: an integer of milliseconds */
        while (*s == ' ' || *s == '\t')
            s++;
        char *end;
        strtoll(s, &end, 10);
        if (end == s || *end)
            goto malformed;
    }
    m->v = realloc(m->v, (m->n + 1) * sizeof *m->v);
    m->v[m->n++] = smp;
    return 1;
malformed:
    json_decref(smp.labels);
    return 0;
}

/* The whole text; 0 with the bad line in why when any line is malformed. */
static int s_parse_metrics(const char *text, s_metrics_t *m, char *why, size_t len)
{
    *m = (s_metrics_t){.types = json_object()};
    const char *s = text;
    int lineno = 0;
    while (*s) {
        const char *nl = strchr(s, '\n');
        if (!nl) {
            snprintf(why, len, "the last line has no newline");
            return 0;
        }
        char line[2048];
        size_t n = (size_t)(nl - s);
        lineno++;
        if (n >= sizeof line) {
            snprintf(why, len, "line %d is too long", lineno);
            return 0;
        }
        memcpy(line, s, n);
        line[n] = '\0';
        if (!s_parse_line(line, m)) {
            snprintf(why, len, "line %d is malformed: %s", lineno, line);
            return 0;
        }
        s = nl + 1;
    }
    return 1;
}

static void s_metrics_free(s_metrics_t *m)
{
    for (size_t i = 0; i < m->n; i++)
        json_decref(m->v[i].labels);
    free(m->v);
    json_decref(m->types);
}

/*
 * The value of the sample name whose labels include label=value (label
 * NULL: the sample without labels); NAN when there is none. Every sample
 * of a family must have a TYPE line.
 */
static double s_metric(const s_metrics_t *m, const char *name, const char *label,
                       const char *value)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].name, name) != 0)
            continue;
        json_t *l = label ? json_object_get(m->v[i].labels, label) : NULL;
        if ((!label && json_object_size(m->v[i].labels) == 0) ||
            (l && strcmp(json_string_value(l), value) == 0))
            return m->v[i].value;
    }
    return NAN;
}

/* The sum of every sample of name (all its labels). */
static double s_metric_sum(const s_metrics_t *m, const char *name)
{
    double sum = 0;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].name, name) == 0)
            sum += m->v[i].value;
    return sum;
}

static void s_fetch_metrics(s_metrics_t *m)
{
    char *body, why[2200];
    int status = s_get("/metrics", &body);
    CU_ASSERT(status == 200, "GET /metrics: HTTP %d", status);
    CU_ASSERT(s_parse_metrics(body, m, why, sizeof why), "/metrics: %s", why);
    for (size_t i = 0; i < m->n; i++)
        CU_ASSERT(json_object_get(m->types, m->v[i].name) != NULL, "/metrics: %s has no TYPE",
                  m->v[i].name);
    free(body);
}

/* ------------------------------------------------------------ the cluster */

/* A scheduler with its dashboard on a free port, and two one-thread workers. */
static pid_t s_cluster(void)
{
    char port[16];
    s_port = cu_free_port();
    snprintf(port, sizeof port, "%d", s_port);
    const char *args[] = {"--dashboard-port", port, NULL};
    pid_t sched = cu_start_cluster(s_ep, 2, 1, args, NULL);
    CU_ASSERT(sched > 0, "the workers did not register");
    return sched;
}

static json_t *s_search(const char *job_path)
{
    char out[16384] = "", err[4096] = "", res[512];
    snprintf(res, sizeof res, "%s.result.json", job_path);
    const char *args[] = {"search", job_path, "--out", res, NULL};
    CU_ASSERT(cu_submit(s_ep, out, sizeof out, err, sizeof err, args) == 0, "search: %s", err);
    return cu_load_json(res);
}

/* The job with id in /api/jobs's answer. */
static json_t *s_job(json_t *jobs, json_int_t id)
{
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(jobs, "jobs"), i, j)
        if (json_integer_value(json_object_get(j, "id")) == id)
            return j;
    return NULL;
}

/* ------------------------------------------------------------ the tests */

START_TEST(test_prometheus_parser_rejects_malformed_lines)
{
    s_metrics_t m;
    char why[2200];
    const char *good = "# HELP a_b Some help, with \"quotes\".\n# TYPE a_b counter\n"
                       "a_b{x=\"1\",y=\"q\\\"uo\\\\te\\n\"} 12.5\na_b 3 1700000000000\n"
                       "# a free comment\n\nc:d -Inf\n";
    ck_assert_msg(s_parse_metrics(good, &m, why, sizeof why), "%s", why);
    ck_assert_uint_eq(m.n, 3);
    ck_assert_str_eq(json_string_value(json_object_get(m.v[0].labels, "y")), "q\"uo\\te\n");
    ck_assert_double_eq(s_metric(&m, "a_b", NULL, NULL), 3);
    s_metrics_free(&m);
    const char *bad[] = {"1abc 2\n", "a{x=\"1\" 2\n", "a{x=1} 2\n", "a{x=\"\\t\"} 2\n",
                         "a 2x\n", "a\n", "a{x=\"1\",x=\"2\"} 1\n", "a 1 2 3\n",
                         "# TYPE a countr\n", "# TYPE a counter\n# TYPE a gauge\n",
                         "a 1\n# TYPE a gauge\n", "a 1", "a{x=\"1\"}2\n", "a{:x=\"1\"} 2\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(!s_parse_metrics(bad[i], &m, why, sizeof why), "accepted: %s", bad[i]);
        s_metrics_free(&m);
    }
}
END_TEST

START_TEST(test_status_jobs_and_metrics)
{
    s_cluster();
    json_t *st = s_get_json("/api/status");
    json_t *ws = json_object_get(st, "workers");
    CU_ASSERT(json_array_size(ws) == 2, "/api/status: %zu workers", json_array_size(ws));
    char names[2][64];
    for (size_t i = 0; i < 2; i++) {
        json_t *w = json_array_get(ws, i);
        snprintf(names[i], sizeof names[i], "%s", json_string_value(json_object_get(w, "name")));
        CU_ASSERT(json_integer_value(json_object_get(w, "nthreads")) == 1, "threads");
        CU_ASSERT(json_integer_value(json_object_get(json_object_get(w, "memory"), "rss")) > 0,
                  "no RSS for %s", names[i]);
        CU_ASSERT(json_is_number(json_object_get(w, "heartbeat_age_s")), "no heartbeat age");
    }
    CU_ASSERT((strcmp(names[0], "w1") == 0 && strcmp(names[1], "w2") == 0) ||
                  (strcmp(names[0], "w2") == 0 && strcmp(names[1], "w1") == 0),
              "workers %s and %s", names[0], names[1]);
    json_decref(st);

    char path[512];
    json_t *res = s_search(cu_seed_job(0, NULL, path, sizeof path));
    json_t *jobs = s_get_json("/api/jobs");
    json_t *job = s_job(jobs, 1);
    CU_ASSERT(job != NULL, "/api/jobs has no job 1");
    CU_ASSERT(strcmp(json_string_value(json_object_get(job, "state")), "done") == 0, "state %s",
              json_string_value(json_object_get(job, "state")));
    json_int_t done = json_integer_value(json_object_get(job, "fits_done"));
    CU_ASSERT(done == 18 && done == json_integer_value(json_object_get(job, "fits_total")),
              "fits %lld of %lld", (long long)done,
              (long long)json_integer_value(json_object_get(job, "fits_total")));
    CU_ASSERT(strcmp(json_string_value(json_object_get(job, "owner")), "insecure") == 0,
              "owner");
    json_t *best = json_object_get(job, "best");
    CU_ASSERT(json_real_value(json_object_get(best, "score")) ==
                  json_real_value(json_object_get(res, "best_score")),
              "the best score is not the result's");
    CU_ASSERT(json_equal(json_object_get(best, "params"), json_object_get(res, "best_params")),
              "the best params are not the result's");

    /* the task log: one entry per task the job ran, each on one of the two workers */
    json_t *stats = json_object_get(res, "stats"), *kinds = json_object_get(stats, "tasks");
    json_int_t ntasks = 0;
    const char *kind;
    json_t *count;
    json_object_foreach(kinds, kind, count)
        ntasks += json_integer_value(count);
    json_t *log = s_get_json("/api/tasks?job=1&since=0");
    json_t *entries = json_object_get(log, "tasks");
    json_int_t logged = 0, transfers = 0;
    CU_ASSERT(json_array_size(json_object_get(log, "workers")) == 2, "log workers");
    json_t *e;
    size_t i;
    json_array_foreach(entries, i, e) {
        CU_ASSERT(json_integer_value(json_array_get(e, 0)) == (json_int_t)i + 1, "seq");
        CU_ASSERT(json_integer_value(json_array_get(e, 4)) >=
                      json_integer_value(json_array_get(e, 3)), "a task ends before it starts");
        CU_ASSERT(json_is_true(json_array_get(e, 5)), "a failed task in a clean run");
        /* copies between workers are in the stream too, but they are not tasks */
        if (strcmp(json_string_value(json_array_get(e, 2)), "transfer") == 0)
            transfers++;
        else
            logged++;
    }
    CU_ASSERT(logged == ntasks, "%lld tasks logged, %lld ran", (long long)logged,
              (long long)ntasks);
    json_decref(log);
    log = s_get_json("/api/tasks?job=1&since=5");
    CU_ASSERT((json_int_t)json_array_size(json_object_get(log, "tasks")) ==
                  ntasks + transfers - 5, "since=5");
    json_decref(log);

    /* /metrics against status --json and the job's stats */
    s_metrics_t m;
    s_fetch_metrics(&m);
    json_t *cst = cu_status(s_ep);
    CU_ASSERT(cst != NULL, "status --json failed");
    CU_ASSERT(s_metric(&m, "dsk_scheduler_workers", NULL, NULL) ==
                  (double)json_array_size(json_object_get(cst, "workers")),
              "workers: metrics %g", s_metric(&m, "dsk_scheduler_workers", NULL, NULL));
    CU_ASSERT(s_metric(&m, "dsk_scheduler_tasks", "state", "running") ==
                  (double)json_integer_value(json_object_get(cst, "tasks_running")),
              "tasks running");
    CU_ASSERT(s_metric(&m, "dsk_scheduler_tasks", "state", "queued") ==
                  (double)json_integer_value(json_object_get(cst, "tasks_queued")),
              "tasks queued");
    json_decref(cst);
    json_object_foreach(kinds, kind, count) {
        double v = s_metric(&m, "dsk_tasks_total", "kind", kind);
        CU_ASSERT((json_integer_value(count) == 0 && isnan(v)) ||
                      v == (double)json_integer_value(count),
                  "dsk_tasks_total{kind=\"%s\"} %g, the job's stats %lld", kind, v,
                  (long long)json_integer_value(count));
    }
    CU_ASSERT(s_metric_sum(&m, "dsk_tasks_total") == (double)ntasks, "tasks total");
    CU_ASSERT(s_metric_sum(&m, "dsk_task_seconds_total") > 0, "no task seconds");
    CU_ASSERT(s_metric(&m, "dsk_jobs", "state", "done") == 1, "dsk_jobs done");
    CU_ASSERT(s_metric(&m, "dsk_jobs", "state", "running") == 0, "dsk_jobs running");
    for (int w = 0; w < 2; w++)
        CU_ASSERT(s_metric(&m, "dsk_worker_memory_bytes", "worker", names[w]) > 0,
                  "no memory for %s", names[w]);
    /* traffic: the workers' share of what the scheduler sent and received (the client's too) */
    double in = s_metric(&m, "dsk_scheduler_bytes_total", "direction", "in");
    double out = s_metric(&m, "dsk_scheduler_bytes_total", "direction", "out");
    double win = 0, wout = 0;
    for (size_t k = 0; k < m.n; k++) {
        json_t *dir = json_object_get(m.v[k].labels, "direction");
        if (strcmp(m.v[k].name, "dsk_worker_bytes_total") == 0 && dir)
            *(strcmp(json_string_value(dir), "in") == 0 ? &win : &wout) += m.v[k].value;
    }
    CU_ASSERT(win > 0 && wout > 0 && win < in && wout < out,
              "bytes: workers %g in, %g out; the scheduler %g in, %g out", win, wout, in, out);
    CU_ASSERT(strcmp(json_string_value(json_object_get(m.types, "dsk_tasks_total")),
                     "counter") == 0, "dsk_tasks_total is not a counter");

    /* a second job: the counters only go up, by what it ran */
    json_t *res2 = s_search(cu_seed_job(1, NULL, path, sizeof path));
    s_metrics_t m2;
    s_fetch_metrics(&m2);
    for (size_t k = 0; k < m.n; k++) {
        const char *type = json_string_value(json_object_get(m.types, m.v[k].name));
        if (strcmp(type, "counter") != 0)
            continue;
        const char *lk;
        json_t *lv;
        double after = NAN;
        json_object_foreach(m.v[k].labels, lk, lv)
            after = s_metric(&m2, m.v[k].name, lk, json_string_value(lv));
        if (json_object_size(m.v[k].labels) == 0)
            after = s_metric(&m2, m.v[k].name, NULL, NULL);
        CU_ASSERT(after >= m.v[k].value, "counter %s went from %g to %g", m.v[k].name,
                  m.v[k].value, after);
    }
    CU_ASSERT(s_metric_sum(&m2, "dsk_tasks_total") == 2.0 * (double)ntasks,
              "two seed jobs: %g tasks", s_metric_sum(&m2, "dsk_tasks_total"));
    CU_ASSERT(s_metric(&m2, "dsk_jobs", "state", "done") == 2, "dsk_jobs done after two");
    s_metrics_free(&m);
    s_metrics_free(&m2);
    json_decref(res2);
    json_decref(res);
    json_decref(jobs);
}
END_TEST

/*
 * A fit, then a predict of digits x 2 (3,594 rows) in chunks of 500: the
 * rows predicted are counted as their results go back, in /metrics and in
 * /api/status's totals (which the page turns into rows/s).
 */
START_TEST(test_rows_predicted_counted)
{
    s_cluster();
    char model[512], input[512], err[4096] = "";
    cu_fit_digits_svc(s_ep, "\"random_state\": 0", model, sizeof model);
    snprintf(input, sizeof input, "%s/x2.json", cu_tmpdir());
    FILE *f = fopen(input, "w");
    fprintf(f, "{\"loader\": \"digits\", \"repeat\": 2}\n");
    fclose(f);
    const char *pargs[] = {"predict", "--model", model, "--input", input, "--out", "-",
                           "--format", "json", "--chunk-rows", "500", "--quiet", NULL};
    char out[1 << 16];
    CU_ASSERT(cu_submit(s_ep, out, sizeof out, err, sizeof err, pargs) == 0, "predict: %s", err);
    s_metrics_t m;
    s_fetch_metrics(&m);
    CU_ASSERT(s_metric(&m, "dsk_rows_predicted_total", NULL, NULL) == 3594,
              "dsk_rows_predicted_total %g, not 3594",
              s_metric(&m, "dsk_rows_predicted_total", NULL, NULL));
    s_metrics_free(&m);
    json_t *st = s_get_json("/api/status");
    json_t *totals = json_object_get(st, "totals");
    CU_ASSERT(json_integer_value(json_object_get(totals, "rows_predicted")) == 3594,
              "/api/status rows_predicted %lld",
              (long long)json_integer_value(json_object_get(totals, "rows_predicted")));
    CU_ASSERT(json_integer_value(json_object_get(totals, "tasks_done")) >= 1 + 8,
              "tasks_done %lld: the refit and 8 chunks at least",
              (long long)json_integer_value(json_object_get(totals, "tasks_done")));
    json_decref(st);
}
END_TEST

/*
 * A worker stopped (SIGSTOP) past three heartbeat intervals is declared
 * dead, counted once as lost for silence in /metrics; let go (SIGCONT), it
 * registers again and the counter does not go back.
 */
START_TEST(test_lost_workers_counted)
{
    char port[16];
    s_port = cu_free_port();
    snprintf(port, sizeof port, "%d", s_port);
    /* the default interval: at 300 ms, a loaded machine's other worker missed 0.9 s too */
    const char *args[] = {"--dashboard-port", port, NULL};
    pid_t workers[2];
    ck_assert_int_gt(cu_start_cluster(s_ep, 2, 1, args, workers), 0);
    s_metrics_t m;
    s_fetch_metrics(&m);
    CU_ASSERT(s_metric(&m, "dsk_workers_lost_total", "reason", "silent") == 0, "lost at start");
    s_metrics_free(&m);
    kill(workers[1], SIGSTOP);
    CU_ASSERT(cu_wait_workers(s_ep, 1, 10000) >= 0, "the stopped worker is still registered");
    s_fetch_metrics(&m);
    CU_ASSERT(s_metric(&m, "dsk_workers_lost_total", "reason", "silent") == 1,
              "dsk_workers_lost_total{reason=\"silent\"} %g",
              s_metric(&m, "dsk_workers_lost_total", "reason", "silent"));
    CU_ASSERT(s_metric(&m, "dsk_workers_lost_total", "reason", "hung") == 0, "hung");
    CU_ASSERT(s_metric(&m, "dsk_scheduler_workers", NULL, NULL) == 1, "workers");
    s_metrics_free(&m);
    kill(workers[1], SIGCONT);
    CU_ASSERT(cu_wait_workers(s_ep, 2, 20000) >= 0, "the worker did not come back");
    s_fetch_metrics(&m);
    CU_ASSERT(s_metric(&m, "dsk_workers_lost_total", "reason", "silent") == 1,
              "the counter moved: %g", s_metric(&m, "dsk_workers_lost_total", "reason", "silent"));
    s_metrics_free(&m);
}
END_TEST

START_TEST(test_bad_requests_get_4xx)
{
    s_cluster();
    char *body;
    const char *bad[] = {"\x01\x02\x03 nonsense\r\n\r\n",
                         "GET / HTTP/1.1\r\nnot a header line\r\n\r\n",
                         "GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status = s_http_raw(s_port, bad[i], &body);
        CU_ASSERT(status >= 400 && status < 500, "garbage %zu: HTTP %d", i, status);
        free(body);
    }
    /* a request line of one word: libmicrohttpd closes the connection without a word */
    int status = s_http_raw(s_port, "GARBAGE\r\n\r\n", &body);
    CU_ASSERT(status == 0 || (status >= 400 && status < 500), "one word: HTTP %d", status);
    free(body);
    status = s_http_raw(s_port, "GET /api/status HTTP/9.9\r\n\r\n", &body);
    CU_ASSERT(status == 505, "HTTP/9.9: HTTP %d", status);
    free(body);
    status = s_get("/no/such/page", &body);
    CU_ASSERT(status == 404, "an unknown path: HTTP %d", status);
    free(body);
    status = s_get("/api/tasks?job=abc", &body);
    CU_ASSERT(status == 400, "a bad job id: HTTP %d", status);
    free(body);
    status = s_get("/api/tasks?job=99", &body);
    CU_ASSERT(status == 404, "no such job: HTTP %d", status);
    free(body);
    status = s_http_raw(s_port, "POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                                "Connection: close\r\n\r\nhi", &body);
    CU_ASSERT(status == 405, "a POST: HTTP %d", status);
    free(body);
    /* ZeroMQ is still served, and so is HTTP */
    CU_ASSERT(cu_worker_count(s_ep) == 2, "status over ZeroMQ after garbage on HTTP");
    json_decref(s_get_json("/api/status"));
    char path[512];
    json_decref(s_search(cu_seed_job(0, NULL, path, sizeof path)));
}
END_TEST

/*
 * A task that fails on its worker (CountVectorizer's min_df above what
 * max_df leaves): /api/jobs names it, its kind, the worker and the
 * attempt with the worker's error, and /metrics counts the failure.
 */
START_TEST(test_failed_task_named)
{
    s_cluster();
    char path[512], out[16384] = "", err[4096] = "";
    cu_seed_job(0, ", \"vect__min_df\": [5000]", path, sizeof path);
    const char *args[] = {"search", path, NULL};
    CU_ASSERT(cu_submit(s_ep, out, sizeof out, err, sizeof err, args) == 1,
              "the job did not fail: %s", err);
    json_t *jobs = s_get_json("/api/jobs");
    json_t *job = s_job(jobs, 1);
    CU_ASSERT(job && strcmp(json_string_value(json_object_get(job, "state")), "failed") == 0,
              "job 1 is not failed");
    json_t *e = json_array_get(json_object_get(job, "errors"), 0);
    CU_ASSERT(e != NULL, "no error in /api/jobs");
    const char *worker = json_string_value(json_object_get(e, "worker"));
    CU_ASSERT(worker && (strcmp(worker, "w1") == 0 || strcmp(worker, "w2") == 0), "worker %s",
              worker ? worker : "none");
    CU_ASSERT(json_integer_value(json_object_get(e, "attempt")) == 1, "attempt");
    CU_ASSERT(strstr(json_string_value(json_object_get(e, "error")), "min_df") != NULL,
              "error: %s", json_string_value(json_object_get(e, "error")));
    CU_ASSERT(strstr(err, json_string_value(json_object_get(e, "error"))) != NULL,
              "the client's message and the dashboard's differ:\n%s", err);
    s_metrics_t m;
    s_fetch_metrics(&m);
    CU_ASSERT(s_metric_sum(&m, "dsk_task_failures_total") >= 1, "no failure counted");
    CU_ASSERT(s_metric(&m, "dsk_jobs", "state", "failed") == 1, "dsk_jobs failed");
    s_metrics_free(&m);
    json_decref(jobs);
}
END_TEST

/* The TCP ports pid listens on (from /proc/net/tcp{,6} and pid's socket fds). */
static int s_listening(pid_t pid, int *ports, int max)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    unsigned long inodes[256];
    int ninodes = 0, n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && ninodes < 256) {
        char p[320], link[64];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        ssize_t l = readlink(p, link, sizeof link - 1);
        if (l <= 0)
            continue;
        link[l] = '\0';
        unsigned long ino;
        if (sscanf(link, "socket:[%lu]", &ino) == 1)
            inodes[ninodes++] = ino;
    }
    closedir(d);
    const char *tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    for (int t = 0; t < 2; t++) {
        FILE *f = fopen(tables[t], "r");
        if (!f)
            continue;
        char line[512];
        while (fgets(line, sizeof line, f)) {
            char local[128];
            unsigned st;
            unsigned long ino;
            if (sscanf(line, " %*d: %127s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &ino) != 3 ||
                st != 0x0A) /* TCP_LISTEN */
                continue;
            for (int k = 0; k < ninodes; k++)
                if (inodes[k] == ino && n < max)
                    ports[n++] = (int)strtol(strrchr(local, ':') + 1, NULL, 16);
        }
        fclose(f);
    }
    return n;
}

START_TEST(test_port_zero_serves_nothing)
{
    const char *args[] = {"--dashboard-port", "0", NULL};
    pid_t sched = cu_start_cluster(s_ep, 1, 1, args, NULL);
    CU_ASSERT(sched > 0, "the worker did not register");
    int ports[16];
    int n = s_listening(sched, ports, 16);
    int zmq_port = atoi(strrchr(s_ep, ':') + 1);
    CU_ASSERT(n == 1 && ports[0] == zmq_port, "the scheduler listens on %d ports (first %d), "
              "only ZeroMQ's %d expected", n, n ? ports[0] : -1, zmq_port);
    char log[65536];
    cu_read_log("scheduler.log", log, sizeof log);
    CU_ASSERT(!strstr(log, "dashboard on port"), "a dashboard with port 0:\n%s", log);

    /* a dashboard port already taken costs the dashboard, with a warning, not the cluster */
    cu_kill_all();
    int taken = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(taken, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cu_free_port())};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(taken, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(taken, 1), 0);
    char busy[16];
    snprintf(busy, sizeof busy, "%d", ntohs(a.sin_port));
    const char *busy_args[] = {"--dashboard-port", busy, NULL};
    CU_ASSERT(cu_start_cluster(s_ep, 1, 1, busy_args, NULL) > 0,
              "a scheduler whose dashboard port is taken does not serve its workers");
    cu_read_log("scheduler.log", log, sizeof log);
    CU_ASSERT(strstr(log, "serving without it"), "no warning for the taken port:\n%s", log);
    close(taken);

    /* with a port, that one more (so the count above means what it says) */
    cu_kill_all();
    sched = s_cluster();
    n = s_listening(sched, ports, 16);
    zmq_port = atoi(strrchr(s_ep, ':') + 1);
    CU_ASSERT(n == 2 && ((ports[0] == zmq_port && ports[1] == s_port) ||
                         (ports[1] == zmq_port && ports[0] == s_port)),
              "with --dashboard-port %d the scheduler listens on %d ports", s_port, n);
}
END_TEST

/* ------------------------------------------------------------ the browser */

static const char *s_chromium(void)
{
    static const char *paths[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

/*
 * Runs headless Chromium on the dashboard: mode "--dump-dom" (the DOM
 * after the page has run for budget ms of virtual time, into out) or
 * "--screenshot=PATH". Its own profile in the test's directory; root
 * needs --no-sandbox.
 */
static void s_browse(const char *mode, int budget_ms, char *out, size_t len)
{
    char url[64], profile[512], budget[64], dom[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s_port);
    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium", cu_tmpdir());
    snprintf(budget, sizeof budget, "--virtual-time-budget=%d", budget_ms);
    snprintf(dom, sizeof dom, "%s/dom.html", cu_tmpdir());
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(dom, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char errlog[512];
        snprintf(errlog, sizeof errlog, "%s/chromium.log", cu_tmpdir());
        int efd = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(efd, 2);
        execl(s_chromium(), "chromium", "--headless", "--no-sandbox", "--disable-gpu",
              "--no-first-run", "--hide-scrollbars", "--window-size=1400,900", profile, budget,
              mode, url, (char *)NULL);
        _exit(127);
    }
    int status = cu_wait_exit(pid, 90000);
    if (status < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    CU_ASSERT(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "chromium %s failed (status %d)", mode, status);
    if (out) {
        FILE *f = fopen(dom, "r");
        ck_assert_ptr_nonnull(f);
        size_t n = fread(out, 1, len - 1, f);
        out[n] = '\0';
        fclose(f);
    }
}

START_TEST(test_page_in_a_browser)
{
    if (!s_chromium()) {
        fprintf(stderr, "check_dashboard: SKIPPED the browser test: no chromium installed "
                        "(apt-get install chromium, or make deps)\n");
        return;
    }
    s_cluster();
    /* a search long enough to be seen running: the seed grid times three alphas */
    char path[512];
    cu_seed_job(0, ", \"clf__alpha\": [0.0001, 0.00001, 0.000001]", path, sizeof path);
    char res[600];
    snprintf(res, sizeof res, "%s.result.json", path);
    const char *args[] = {"--scheduler", s_ep, "search", path, "--out", res, NULL};
    pid_t submit = cu_spawn("dsk-submit", "submit.log", args);
    static char dom[1 << 20];
    s_browse("--dump-dom", 1500, dom, sizeof dom);
    CU_ASSERT(strstr(dom, "data-name=\"w1\"") && strstr(dom, "data-name=\"w2\""),
              "the page does not show both workers while the search runs:\n%.2000s", dom);
    int st = cu_wait_exit(submit, 120000);
    CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the search failed");
    s_browse("--dump-dom", 2500, dom, sizeof dom);
    CU_ASSERT(strstr(dom, "data-name=\"w1\"") && strstr(dom, "data-name=\"w2\""),
              "the page does not show both workers");
    CU_ASSERT(strstr(dom, "data-id=\"1\" data-state=\"done\" data-pct=\"100\""),
              "the page does not show job 1 done at 100%%:\n%.3000s", dom);
    CU_ASSERT(strstr(dom, "54 / 54") && strstr(dom, "seed_0.json"),
              "the page does not show the job's fits and name");
    CU_ASSERT(strstr(dom, "<canvas data-job=\"1\""), "no task stream for the job");
    /* the screenshot, kept as an artifact of the test run */
    const char *bin = getenv("DSK_BIN") ? getenv("DSK_BIN") : "build";
    char dir[512], shot[600];
    snprintf(dir, sizeof dir, "%s/test-artifacts", bin);
    mkdir(dir, 0755);
    snprintf(shot, sizeof shot, "--screenshot=%s/dashboard.png", dir);
    s_browse(shot, 2500, NULL, 0);
    struct stat sb;
    CU_ASSERT(stat(shot + strlen("--screenshot="), &sb) == 0 && sb.st_size > 10000,
              "no screenshot at %s", shot + strlen("--screenshot="));
}
END_TEST

Suite *dsk_cluster_dashboard_suite(void);

Suite *dsk_cluster_dashboard_suite(void)
{
    Suite *s = suite_create("cluster_dashboard");
    TCase *tc = tcase_create("dashboard");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_prometheus_parser_rejects_malformed_lines);
    tcase_add_test(tc, test_status_jobs_and_metrics);
    tcase_add_test(tc, test_rows_predicted_counted);
    tcase_add_test(tc, test_lost_workers_counted);
    tcase_add_test(tc, test_bad_requests_get_4xx);
    tcase_add_test(tc, test_failed_task_named);
    tcase_add_test(tc, test_port_zero_serves_nothing);
    tcase_add_test(tc, test_page_in_a_browser);
    suite_add_tcase(s, tc);
    return s;
}
