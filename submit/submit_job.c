/* submit_job.c — search, fit, jobs, result, cancel. */
#include "submit_job.h"

#include <errno.h>
#include <math.h>
#include <jansson.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_client.h"
#include "dsk_repr.h"
#include "dsk_wire.h"
#include "job_build.h"
#include "job_data.h"
#include "job_file.h"
#include "ml_load.h"
#include "submit_output.h"
#include "submit_resume.h"

#define S_SILENCE_MS 15000 /* a running job reports every second; this much silence is a lost scheduler */

static volatile sig_atomic_t s_interrupted;

static void s_on_signal(int sig) { s_interrupted = sig; }

/* SIGINT / SIGTERM interrupt the wait (no SA_RESTART), so the job can be cancelled. */
static void s_catch_signals(void)
{
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

typedef struct {
    const char *job_path;
    const char *out;
    const char *cv_csv;
    const char *model_out;
    int quiet, as_json;
    /* filled as the job runs, for the result's client_seconds */
    double load_s;
    int64_t submit_ms;
} s_args_t;

/* search/fit/result arguments; returns 0 or prints the problem and returns SUBMIT_EXIT_USAGE. */
static int s_parse_args(const char *cmd, int argc, char **argv, int want_file, s_args_t *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *x = argv[i];
        const char **slot = strcmp(x, "--out") == 0          ? &a->out
                            : strcmp(x, "--cv-results") == 0 ? &a->cv_csv
                            : strcmp(x, "--model-out") == 0  ? &a->model_out
                                                             : NULL;
        if (slot && i + 1 < argc) {
            *slot = argv[++i];
        } else if (strcmp(x, "--quiet") == 0) {
            a->quiet = 1;
        } else if (strcmp(x, "--json") == 0) {
            a->as_json = 1;
        } else if (x[0] != '-' && want_file && !a->job_path) {
            a->job_path = x;
        } else {
            fprintf(stderr, "dsk-submit %s: unknown or incomplete argument '%s'\n", cmd, x);
            return SUBMIT_EXIT_USAGE;
        }
    }
    if (want_file && !a->job_path) {
        fprintf(stderr, "dsk-submit %s: which job file? (dsk-submit %s JOB.json ...)\n", cmd, cmd);
        return SUBMIT_EXIT_USAGE;
    }
    return 0;
}

static dsk_client_t *s_connect(const submit_options_t *opt)
{
    char err[DSK_ERR_LEN];
    dsk_client_t *c = dsk_client_connect(opt->scheduler, (int64_t)(opt->timeout_s * 1000), opt->curve, err);
    if (!c)
        fprintf(stderr, "dsk-submit: %s\n", err);
    return c;
}

/* ------------------------------------------------------------ outputs */

/* A whole output at once (the result JSON, a model): submit_output's rules, the error printed. */
static int s_write_bytes(const char *path, const void *data, size_t len)
{
    char err[DSK_ERR_LEN];
    if (submit_output_write(path, data, len, err) < 0) {
        fprintf(stderr, "dsk-submit: %s\n", err);
        return -1;
    }
    return 0;
}

/*
 * Every output path checked before the job file is read or anything is
 * sent: a directory given by mistake, or a missing one, exits 2 at once
 * instead of after the search it would have thrown away.
 */
static int s_check_outputs(const s_args_t *a)
{
    const char *paths[] = {a->out, a->cv_csv, a->model_out};
    char err[DSK_ERR_LEN];
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (submit_output_check(paths[i], err) < 0) {
            fprintf(stderr, "dsk-submit: %s\n", err);
            return SUBMIT_EXIT_USAGE;
        }
    }
    return 0;
}

/* One CSV cell: numbers as Python prints them (repr), text quoted when it must be. */
static void s_csv_cell(FILE *f, const json_t *v)
{
    if (json_is_integer(v)) {
        fprintf(f, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        char num[DSK_REPR_LEN];
        fputs(dsk_repr_double(json_real_value(v), num), f);
    } else if (json_is_null(v)) {
        return;
    } else {
        char *text = json_is_string(v) ? dsk_xstrdup(json_string_value(v))
                                       : dsk_repr_json(v, DSK_REPR_COMPACT);
        if (!text)
            return;
        int quote = strpbrk(text, ",\"\n") != NULL;
        if (quote)
            fputc('"', f);
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        if (quote)
            fputc('"', f);
        free(text);
    }
}

/* cv_results as pandas.DataFrame(cv_results_).to_csv(index=False) lays it out. */
static int s_write_csv(const char *path, const json_t *result)
{
    const json_t *cv = json_object_get(result, "cv_results");
    char err[DSK_ERR_LEN];
    submit_output_t *out = submit_output_new(path, err);
    if (!out) {
        fprintf(stderr, "dsk-submit: %s\n", err);
        return -1;
    }
    FILE *f = submit_output_file(out);
    const char *key;
    json_t *col;
    int first = 1;
    json_object_foreach((json_t *)cv, key, col) {
        fprintf(f, "%s%s", first ? "" : ",", key);
        first = 0;
    }
    fputc('\n', f);
    size_t n = json_array_size(json_object_get(cv, "params"));
    for (size_t r = 0; r < n; r++) {
        first = 1;
        json_object_foreach((json_t *)cv, key, col) {
            if (!first)
                fputc(',', f);
            first = 0;
            s_csv_cell(f, json_array_get(col, r));
        }
        fputc('\n', f);
    }
    if (submit_output_commit(&out, err) < 0) {
        fprintf(stderr, "dsk-submit: %s\n", err);
        return -1;
    }
    return 0;
}

/* A score of the result: null is a failed fit's NaN (error_score "nan"). */
static double s_score(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

/* Failed fits (error_score not "raise"): how many, and the first one's error. */
static void s_print_failures(const json_t *result)
{
    const json_t *rows = json_object_get(result, "fit_errors"), *row;
    size_t i, k, failed = 0, fits = 0;
    const char *first = NULL;
    json_array_foreach(rows, i, row) {
        const json_t *e;
        json_array_foreach(row, k, e) {
            fits++;
            if (json_is_string(e)) {
                failed++;
                first = first ? first : json_string_value(e);
            }
        }
    }
    if (failed)
        fprintf(stderr, "%zu fits failed out of a total of %zu; their scores are the job's "
                "error_score; the first: %s\n", failed, fits, first);
}

/* The candidates as a person reads them: rank, mean and std of the test score, params. */
static void s_print_table(const json_t *result)
{
    const json_t *cv = json_object_get(result, "cv_results");
    const json_t *mean = json_object_get(cv, "mean_test_score");
    const json_t *std = json_object_get(cv, "std_test_score");
    const json_t *rank = json_object_get(cv, "rank_test_score");
    const json_t *params = json_object_get(cv, "params");
    size_t n = json_array_size(params);
    if (n > 40)
        return; /* a big grid: the CSV and the JSON are the way to read it */
    fprintf(stderr, "%4s  %-19s  %s\n", "rank", "mean_test_score", "params");
    for (size_t i = 0; i < n; i++) {
        char *p = dsk_repr_json(json_array_get(params, i), DSK_REPR_COMPACT);
        fprintf(stderr, "%4lld  %.4f (+/- %.4f)  %s\n",
                (long long)json_integer_value(json_array_get(rank, i)),
                s_score(json_array_get(mean, i)), s_score(json_array_get(std, i)),
                p);
        free(p);
    }
}

/* The DONE state's outputs: result JSON (file or stdout), the CSV, the model. */
static int s_outputs(const s_args_t *a, const dsk_msg_job_state_t *st)
{
    json_error_t jerr;
    json_t *result = json_loadb((const char *)st->result.data, st->result.len, 0, &jerr);
    if (!result) {
        fprintf(stderr, "dsk-submit: the scheduler's result is not JSON: %s\n", jerr.text);
        return SUBMIT_EXIT_JOB;
    }
    int rc = SUBMIT_EXIT_OK;
    /* what the client saw: loading the data here, then the job from its submission on
       (sending the data, the work, the result back), as a reference stack times its fit */
    if (a->submit_ms)
        json_object_set_new(result, "client_seconds",
                            json_pack("{s:f, s:f}", "load", a->load_s, "job",
                                      (double)(dsk_clock_mono_ms() - a->submit_ms) / 1000.0));
    char *text = dsk_repr_json(result, DSK_REPR_INDENT);
    if (a->out) {
        size_t len = strlen(text);
        text[len] = '\n';
        rc = s_write_bytes(a->out, text, len + 1) ? SUBMIT_EXIT_JOB : rc;
    }
    if (!a->out || (a->as_json && !submit_output_is_stdout(a->out)))
        printf("%s\n", text); /* `--out -` has printed it already */
    free(text);
    if (a->cv_csv && json_object_get(result, "cv_results") && s_write_csv(a->cv_csv, result))
        rc = SUBMIT_EXIT_JOB;
    if (a->model_out) {
        if (!st->model.len) {
            fprintf(stderr, "dsk-submit: no model to write to %s (the search has refit "
                    "false)\n", a->model_out);
            rc = SUBMIT_EXIT_USAGE;
        } else if (s_write_bytes(a->model_out, st->model.data, st->model.len)) {
            rc = SUBMIT_EXIT_JOB;
        }
    }
    const json_t *best = json_object_get(result, "best_params");
    if (!a->quiet && best) {
        s_print_table(result);
        s_print_failures(result);
        char *bp = dsk_repr_json(best, DSK_REPR_COMPACT);
        fprintf(stderr, "best score %.6f with %s\n",
                s_score(json_object_get(result, "best_score")), bp);
        free(bp);
    }
    json_decref(result);
    return rc;
}

/* ------------------------------------------------------------ following a job */

static void s_progress(const s_args_t *a, const dsk_msg_job_state_t *st, int64_t t0)
{
    if (a->quiet || !isatty(STDERR_FILENO) || st->total == 0)
        return;
    int width = 30, fill = (int)(width * st->done / st->total);
    fprintf(stderr, "\r[%.*s%*s] %llu/%llu fits  %.1f s", fill,
            "##############################", width - fill, "",
            (unsigned long long)st->done, (unsigned long long)st->total,
            (double)(dsk_clock_mono_ms() - t0) / 1000.0);
    fflush(stderr);
}

/*
 * Follows a job from the state in *st to its end: progress, then the
 * outputs when it is done; Ctrl-C cancels it on the cluster.
 */
static int s_follow(const submit_options_t *opt, dsk_client_t *c, dsk_msg_t *first,
                    const s_args_t *a)
{
    dsk_msg_t m = *first;
    uint64_t id = m.u.job_state.job_id, scheduler = m.u.job_state.scheduler;
    int64_t t0 = dsk_clock_mono_ms();
    char err[DSK_ERR_LEN];
    s_catch_signals();
    for (;;) {
        dsk_msg_job_state_t *st = &m.u.job_state;
        if (st->state == DSK_JOB_DONE || st->state == DSK_JOB_FAILED ||
            st->state == DSK_JOB_CANCELLED) {
            if (!a->quiet && isatty(STDERR_FILENO))
                fputc('\n', stderr);
            int rc = SUBMIT_EXIT_JOB;
            if (st->state == DSK_JOB_DONE)
                rc = s_outputs(a, st);
            else
                fprintf(stderr, "dsk-submit: job %llu %s: %s\n", (unsigned long long)id,
                        st->state == DSK_JOB_FAILED ? "failed" : "was cancelled", st->text);
            dsk_msg_clear(&m);
            return rc;
        }
        s_progress(a, st, t0);
        dsk_msg_clear(&m);
        int resumed;
        int rc = submit_resume_next(opt, c, id, 0, &scheduler, &m, &resumed, err);
        if (rc == DSK_EINTR || s_interrupted) {
            dsk_msg_t ack;
            fprintf(stderr, "\ndsk-submit: interrupted: cancelling job %llu\n",
                    (unsigned long long)id);
            if (dsk_client_job_req(c, DSK_JOBREQ_CANCEL, id, &ack, err) == 0)
                dsk_msg_clear(&ack);
            return SUBMIT_EXIT_INTERRUPTED;
        }
        if (rc < 0) {
            fprintf(stderr, "\ndsk-submit: lost the scheduler at %s while following job %llu: "
                    "%s\n", opt->scheduler, (unsigned long long)id, err);
            return SUBMIT_EXIT_UNREACHABLE;
        }
    }
}

/* ------------------------------------------------------------ search / fit */

static int s_submit(const submit_options_t *opt, int argc, char **argv, const char *cmd,
                    uint32_t kind)
{
    s_args_t a;
    if (s_parse_args(cmd, argc, argv, 1, &a) || s_check_outputs(&a))
        return SUBMIT_EXIT_USAGE;
    char err[DSK_ERR_LEN];
    job_t *job = NULL;
    ml_dataset_t *ds = NULL;
    int64_t t_load = dsk_clock_mono_ms();
    if (job_parse_file(a.job_path, &job, err) < 0) {
        fprintf(stderr, "dsk-submit: %s\n", err);
        return SUBMIT_EXIT_USAGE;
    }
    int rc = SUBMIT_EXIT_USAGE;
    if (kind == DSK_JOB_FIT && job->kind != JOB_FIT)
        fprintf(stderr, "dsk-submit fit: %s: $.search: a fit job has no search (use "
                "dsk-submit search)\n", a.job_path);
    else if (kind == DSK_JOB_SEARCH && job->kind == JOB_FIT)
        fprintf(stderr, "dsk-submit search: %s: $: the job has no \"search\" object (use "
                "dsk-submit fit)\n", a.job_path);
    else if (kind == DSK_JOB_FIT && !a.model_out)
        fprintf(stderr, "dsk-submit fit: where should the model go? (--model-out M.dskm)\n");
    else if (kind == DSK_JOB_SEARCH && a.model_out && !job->refit)
        fprintf(stderr, "dsk-submit search: %s: $.search.refit is false, so the search makes no "
                "model for --model-out (set \"refit\": true, or drop --model-out)\n", a.job_path);
    else if (ml_load_dataset(job->data, &ds, err) < 0)
        fprintf(stderr, "dsk-submit: %s: $.data: %s\n", a.job_path, err);
    else if (job_check_data(job, ds, a.job_path, err) < 0)
        fprintf(stderr, "dsk-submit: %s\n", err);
    else
        rc = SUBMIT_EXIT_OK;
    if (rc) {
        ml_dataset_destroy(&ds);
        job_destroy(&job);
        return rc;
    }
    a.load_s = (double)(dsk_clock_mono_ms() - t_load) / 1000.0;
    a.submit_ms = dsk_clock_mono_ms();
    char *text = json_dumps(job->json, JSON_COMPACT | JSON_REAL_PRECISION(17));
    msgpack_sbuffer data;
    msgpack_sbuffer_init(&data);
    job_dataset_pack(ds, &data);
    ml_dataset_destroy(&ds);
    job_destroy(&job);
    if (data.size + strlen(text) + 4096 > DSK_DEFAULT_MAX_MSG_SIZE)
        fprintf(stderr, "dsk-submit: warning: %s: the dataset packs to %zu bytes, more than the "
                "default max-message-size (%llu): the scheduler drops the connection unless "
                "its max-message-size is raised\n", a.job_path, data.size,
                (unsigned long long)DSK_DEFAULT_MAX_MSG_SIZE);
    dsk_client_t *c = s_connect(opt);
    if (!c) {
        free(text);
        msgpack_sbuffer_destroy(&data);
        return SUBMIT_EXIT_USAGE;
    }
    char name[DSK_NAME_MAX + 1], pathcopy[4096];
    snprintf(pathcopy, sizeof pathcopy, "%s", a.job_path);
    snprintf(name, sizeof name, "%s", basename(pathcopy));
    dsk_msg_t st;
    int src = submit_resume_submit(opt, c, kind, name, text, strlen(text), data.data, data.size,
                                   &st, err);
    free(text);
    msgpack_sbuffer_destroy(&data);
    if (src < 0) {
        fprintf(stderr, "dsk-submit: %s\n", err);
        dsk_client_destroy(&c);
        return submit_exit_code(src);
    }
    if (!a.quiet)
        fprintf(stderr, "job %llu: %s\n", (unsigned long long)st.u.job_state.job_id,
                st.u.job_state.text);
    rc = s_follow(opt, c, &st, &a);
    dsk_client_destroy(&c);
    return rc;
}

int submit_search(const submit_options_t *opt, int argc, char **argv)
{
    return s_submit(opt, argc, argv, "search", DSK_JOB_SEARCH);
}

int submit_fit(const submit_options_t *opt, int argc, char **argv)
{
    return s_submit(opt, argc, argv, "fit", DSK_JOB_FIT);
}

/* ------------------------------------------------------------ jobs / result / cancel */

static int s_job_id(const char *cmd, const char *arg, uint64_t *id)
{
    char *end;
    errno = 0;
    unsigned long long v = arg ? strtoull(arg, &end, 10) : 0;
    if (!arg || errno || *end || v == 0) {
        fprintf(stderr, "dsk-submit %s: expected a job id (a positive number), got '%s'\n",
                cmd, arg ? arg : "");
        return SUBMIT_EXIT_USAGE;
    }
    *id = v;
    return 0;
}

/*
 * One JOB_REQ and its answer: 0 with *st (the caller's), or the exit code
 * after printing why. With cp, the connection stays open in *cp (to follow the job).
 */
static int s_ask(const submit_options_t *opt, uint32_t op, uint64_t id, dsk_msg_t *st,
                 dsk_client_t **cp)
{
    dsk_client_t *c = s_connect(opt);
    if (!c)
        return SUBMIT_EXIT_USAGE;
    char err[DSK_ERR_LEN];
    int rc = dsk_client_job_req(c, op, id, st, err);
    if (rc < 0 || !cp)
        dsk_client_destroy(&c);
    else
        *cp = c;
    if (rc < 0) {
        fprintf(stderr, "dsk-submit: %s\n", err);
        return rc == DSK_ENOTFOUND ? SUBMIT_EXIT_USAGE : submit_exit_code(rc);
    }
    return 0;
}

int submit_jobs(const submit_options_t *opt, int argc, char **argv)
{
    s_args_t a;
    if (s_parse_args("jobs", argc, argv, 0, &a))
        return SUBMIT_EXIT_USAGE;
    dsk_msg_t st;
    int rc = s_ask(opt, DSK_JOBREQ_LIST, 0, &st, NULL);
    if (rc)
        return rc;
    json_t *list = json_loadb((const char *)st.u.job_state.result.data,
                              st.u.job_state.result.len, 0, NULL);
    dsk_msg_clear(&st);
    if (a.as_json) {
        dsk_repr_json_write(list, DSK_REPR_INDENT, stdout);
        putchar('\n');
    } else {
        static const char *const states[] = {"?", "accepted", "running", "done", "failed",
                                             "cancelled"};
        printf("%-6s %-10s %-12s %-24s %s\n", "ID", "STATE", "FITS", "NAME", "");
        size_t i;
        json_t *j;
        json_array_foreach(list, i, j) {
            int s = (int)json_integer_value(json_object_get(j, "state"));
            char fits[32];
            snprintf(fits, sizeof fits, "%lld/%lld",
                     (long long)json_integer_value(json_object_get(j, "done")),
                     (long long)json_integer_value(json_object_get(j, "total")));
            printf("%-6lld %-10s %-12s %-24s %s\n",
                   (long long)json_integer_value(json_object_get(j, "job_id")),
                   s >= 1 && s <= 5 ? states[s] : "?", fits,
                   json_string_value(json_object_get(j, "name")),
                   json_string_value(json_object_get(j, "text")));
        }
    }
    json_decref(list);
    return SUBMIT_EXIT_OK;
}

int submit_result(const submit_options_t *opt, int argc, char **argv)
{
    uint64_t id;
    if (s_job_id("result", argc ? argv[0] : NULL, &id))
        return SUBMIT_EXIT_USAGE;
    s_args_t a;
    if (s_parse_args("result", argc - 1, argv + 1, 0, &a) || s_check_outputs(&a))
        return SUBMIT_EXIT_USAGE;
    dsk_client_t *c = NULL;
    dsk_msg_t st;
    int rc = s_ask(opt, DSK_JOBREQ_WATCH, id, &st, &c);
    if (rc)
        return rc;
    rc = s_follow(opt, c, &st, &a);
    dsk_client_destroy(&c);
    return rc;
}

int submit_cancel(const submit_options_t *opt, int argc, char **argv)
{
    uint64_t id;
    if (argc != 1 || s_job_id("cancel", argv[0], &id))
        return SUBMIT_EXIT_USAGE;
    dsk_msg_t st;
    int rc = s_ask(opt, DSK_JOBREQ_CANCEL, id, &st, NULL);
    if (rc)
        return rc;
    printf("job %llu: %s\n", (unsigned long long)id, st.u.job_state.text);
    dsk_msg_clear(&st);
    return SUBMIT_EXIT_OK;
}

/* ------------------------------------------------------------ noop */

/* Seconds on CLOCK_MONOTONIC, to the microsecond: one empty task takes well under a millisecond. */
static double s_noop_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * How often the client reports the results it has received (a CHUNK with
 * index = that count): the scheduler starts a noop's tasks at most 512
 * beyond the last report, so that its CHUNK_DONEs never pile up past
 * ZeroMQ's high-water mark (where they would be dropped).
 */
#define S_NOOP_REPORT 128

/* What came back for one noop job: which tasks' results, and what should not have come. */
typedef struct {
    uint64_t id, n;
    unsigned char *got;         /* n flags: task i's result came */
    uint64_t received;          /* distinct tasks whose result came */
    uint64_t repeated;          /* results for a task that had one already */
    uint64_t stray;             /* CHUNK_DONEs for another job, a task out of range, or not empty */
    double submitted, last;     /* when the SUBMIT went, when the last new result came */
    json_t *result;             /* the scheduler's result JSON from the DONE state */
} s_noop_run_t;

/* A CHUNK_DONE: counted once per task, anything else counted against the job. */
static void s_noop_result(s_noop_run_t *r, const dsk_msg_chunk_t *ch)
{
    if (ch->job_id != r->id || ch->index >= r->n || ch->data.len != 0) {
        r->stray++;
    } else if (r->got[ch->index]) {
        r->repeated++;
    } else {
        r->got[ch->index] = 1;
        r->received++;
        r->last = s_noop_now();
    }
}

/*
 * One noop job of n tasks that asks for their results: SUBMIT, then every
 * CHUNK_DONE until the job's DONE (which the scheduler sends after the
 * last result). 0 with *r filled (the caller checks what came), or the
 * exit code after printing why.
 */
static int s_noop_job(dsk_client_t *c, uint64_t n, s_noop_run_t *r)
{
    char err[DSK_ERR_LEN], job[96];
    snprintf(job, sizeof job, "{\"tasks\": %llu, \"results\": true}", (unsigned long long)n);
    r->id = 0;
    r->submitted = r->last = s_noop_now();
    dsk_msg_t m;
    int rc = dsk_client_submit(c, DSK_JOB_NOOP, "noop", job, strlen(job), NULL, 0, 0, &m, err);
    if (rc == 0)
        r->id = m.u.job_state.job_id;
    while (rc == 0) {
        if (m.type == DSK_MSG_CHUNK_DONE) {
            uint64_t before = r->received;
            s_noop_result(r, &m.u.chunk);
            if (r->received != before && r->received % S_NOOP_REPORT == 0)
                rc = dsk_client_send_chunk(c, r->id, r->received, NULL, 0, err);
        } else if (m.u.job_state.state == DSK_JOB_DONE) {
            r->result = json_loadb((const char *)m.u.job_state.result.data,
                                   m.u.job_state.result.len, 0, NULL);
            dsk_msg_clear(&m);
            return 0;
        } else if (m.u.job_state.state == DSK_JOB_FAILED ||
                   m.u.job_state.state == DSK_JOB_CANCELLED) {
            fprintf(stderr, "dsk-submit: noop job %llu %s: %s\n", (unsigned long long)r->id,
                    m.u.job_state.state == DSK_JOB_FAILED ? "failed" : "was cancelled",
                    m.u.job_state.text);
            dsk_msg_clear(&m);
            return SUBMIT_EXIT_JOB;
        }
        dsk_msg_clear(&m);
        if (rc == 0)
            rc = dsk_client_next_event(c, S_SILENCE_MS, &m, err);
    }
    fprintf(stderr, "dsk-submit: %s\n", err);
    return submit_exit_code(rc);
}

/* The q-th percentile of the n sorted values v, interpolated as numpy.percentile's default. */
static double s_percentile(const double *v, size_t n, double q)
{
    double pos = q / 100.0 * (double)(n - 1);
    size_t lo = (size_t)pos, hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (pos - (double)lo);
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/*
 * noop N [--one-at-a-time] [--json]: N empty tasks through the scheduler
 * and the workers, each task's (empty) result back to this client, as a
 * Dask client's map and gather. At once: one job of N tasks, timed from
 * the submission to the last result (tasks/s). --one-at-a-time: N jobs of
 * one task in a row on one connection, each waited for (its result, then
 * its DONE), as `client.submit(f, i).result()` N times: the round trip of
 * one task, submission to result, its median and 99th percentile. Either
 * way every task's result must come exactly once (exit 1 otherwise), and
 * --json prints what came, with the scheduler's result of the (last) job.
 */
int submit_noop(const submit_options_t *opt, int argc, char **argv)
{
    uint64_t n;
    if (argc < 1 || s_job_id("noop", argv[0], &n))
        return SUBMIT_EXIT_USAGE;
    int as_json = 0, one_at_a_time = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = 1;
        } else if (strcmp(argv[i], "--one-at-a-time") == 0) {
            one_at_a_time = 1;
        } else {
            fprintf(stderr, "dsk-submit noop: unknown argument '%s' (noop N [--one-at-a-time] "
                    "[--json])\n", argv[i]);
            return SUBMIT_EXIT_USAGE;
        }
    }
    if (n >= (1u << 24)) {
        fprintf(stderr, "dsk-submit noop: at most %u tasks\n", (1u << 24) - 1);
        return SUBMIT_EXIT_USAGE;
    }
    dsk_client_t *c = s_connect(opt);
    if (!c)
        return SUBMIT_EXIT_USAGE;
    uint64_t jobs = one_at_a_time ? n : 1, per_job = one_at_a_time ? 1 : n;
    uint64_t received = 0, repeated = 0, stray = 0, first_missing = n;
    double *lat = dsk_xcalloc((size_t)jobs, sizeof *lat), t0 = s_noop_now(), last = t0;
    s_noop_run_t r = {.n = per_job, .got = dsk_xcalloc((size_t)per_job, 1)};
    int rc = 0;
    for (uint64_t k = 0; k < jobs && rc == 0; k++) {
        memset(r.got, 0, (size_t)per_job);
        r.received = r.repeated = r.stray = 0;
        json_decref(r.result);
        r.result = NULL;
        rc = s_noop_job(c, per_job, &r);
        for (uint64_t i = 0; rc == 0 && i < per_job && first_missing == n; i++)
            if (!r.got[i])
                first_missing = k * per_job + i;
        received += r.received;
        repeated += r.repeated;
        stray += r.stray;
        lat[k] = r.last - r.submitted;
        last = r.last;
    }
    dsk_client_destroy(&c);
    double sec = last - t0;
    if (rc == 0 && (received != n || repeated || stray)) {
        fprintf(stderr, "dsk-submit: noop: %llu of %llu tasks' results came back", (unsigned
                long long)received, (unsigned long long)n);
        if (received != n)
            fprintf(stderr, " (the first missing: task %llu)", (unsigned long long)first_missing);
        fprintf(stderr, ", %llu a second time, %llu for no task sent\n",
                (unsigned long long)repeated, (unsigned long long)stray);
        rc = SUBMIT_EXIT_JOB;
    }
    qsort(lat, (size_t)jobs, sizeof *lat, s_cmp_double);
    double p50 = s_percentile(lat, (size_t)jobs, 50) * 1e3;
    double p99 = s_percentile(lat, (size_t)jobs, 99) * 1e3;
    if (as_json && (rc == 0 || rc == SUBMIT_EXIT_JOB)) {
        json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f}", "mode",
                              one_at_a_time ? "one-at-a-time" : "at-once", "tasks",
                              (json_int_t)n, "received", (json_int_t)received, "missing",
                              (json_int_t)(n - received), "repeated", (json_int_t)repeated,
                              "stray", (json_int_t)stray, "seconds", sec, "tasks_per_second",
                              sec > 0 ? (double)received / sec : 0.0);
        if (one_at_a_time)
            json_object_set_new(o, "latency_ms", json_pack("{s:f, s:f, s:f, s:f}", "p50", p50,
                                                            "p99", p99, "min", lat[0] * 1e3,
                                                            "max", lat[jobs - 1] * 1e3));
        json_object_set_new(o, "job_id", json_integer((json_int_t)r.id));
        if (r.result)
            json_object_set(o, "scheduler", r.result);
        dsk_repr_json_write(o, DSK_REPR_COMPACT, stdout);
        putchar('\n');
        json_decref(o);
    } else if (rc == 0 && one_at_a_time) {
        printf("%llu tasks one at a time in %.3f s: round trip p50 %.3f ms, p99 %.3f ms\n",
               (unsigned long long)n, sec, p50, p99);
    } else if (rc == 0) {
        printf("%llu tasks, %llu results back in %.3f s: %.0f tasks/s\n", (unsigned long long)n,
               (unsigned long long)received, sec, (double)n / sec);
    }
    json_decref(r.result);
    free(r.got);
    free(lat);
    return rc;
}
