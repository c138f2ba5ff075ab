/*
 * dsk-submit — the command-line client.
 *
 *   dsk-submit [--scheduler ADDR | --local N] [--timeout SECONDS] COMMAND [ARGS...]
 *
 * Commands come from one table; each parses its own arguments. Exit codes
 * (submit_command.h): 0 success, 1 the job failed on the cluster, 2 bad
 * usage or a bad job file, 3 cannot reach the scheduler, 130 interrupted.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_client.h"
#include "dsk_repr.h"
#include "submit_command.h"
#include "submit_job.h"
#include "submit_local.h"
#include "submit_predict.h"


/* "1.5 GiB", "512 MiB", "0 B": memory as people read it. */
static const char *s_bytes(uint64_t b, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)b;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

static void s_print_status_table(const char *endpoint, const dsk_msg_status_rep_t *st)
{
    uint32_t threads = 0;
    for (uint32_t i = 0; i < st->n_workers; i++)
        threads += st->workers[i].nthreads;
    printf("scheduler %s: up %.0f s, %u worker%s, %u threads, tasks %u running / %u "
           "queued, %u job%s\n", endpoint, (double)st->uptime_ms / 1000.0, st->n_workers,
           st->n_workers == 1 ? "" : "s", threads, st->tasks_running, st->tasks_queued,
           st->jobs, st->jobs == 1 ? "" : "s");
    if (st->curve)
        printf("CURVE on: refused %llu handshakes, %llu unknown keys, %llu messages of the "
               "wrong role\n", (unsigned long long)st->refused_handshakes,
               (unsigned long long)st->refused_keys, (unsigned long long)st->refused_messages);
    else
        printf("insecure: no CURVE, every peer admitted\n");
    if (st->n_workers == 0)
        return;
    printf("\n%-24s %-22s %7s %23s %10s %10s %10s %7s\n", "NAME", "ADDRESS", "THREADS",
           "MEMORY (RSS / LIMIT)", "HELD", "SPILLED", "HEARTBEAT", "TASKS");
    for (uint32_t i = 0; i < st->n_workers; i++) {
        const dsk_worker_info_t *w = &st->workers[i];
        char used[32], limit[32], mem[72], held[32], spilled[32], seen[32], tasks[32];
        snprintf(mem, sizeof mem, "%s / %s", s_bytes(w->memory_used, used, sizeof used),
                 s_bytes(w->memory_limit, limit, sizeof limit));
        snprintf(seen, sizeof seen, "%.1f s ago", (double)w->last_seen_ms / 1000.0);
        snprintf(tasks, sizeof tasks, "%u/%u", w->tasks_running, w->tasks_queued);
        printf("%-24s %-22s %7u %23s %10s %10s %10s %7s%s\n", w->name,
               w->address[0] ? w->address : w->host, w->nthreads, mem,
               s_bytes(w->held, held, sizeof held), s_bytes(w->spilled, spilled, sizeof spilled),
               seen, tasks, w->paused ? "  paused (memory)" : "");
    }
}

/* The scheduler's "prefix:1 score:2" as {"prefix": 1, "score": 2}. */
static json_t *s_running_json(const char *text)
{
    json_t *o = json_object();
    char kind[64];
    int n, used;
    while (sscanf(text, " %63[^: ]:%d%n", kind, &n, &used) == 2) {
        json_object_set_new(o, kind, json_integer(n));
        text += used;
    }
    return o;
}

static json_t *s_status_json(const char *endpoint, const dsk_msg_status_rep_t *st)
{
    json_t *workers = json_array();
    for (uint32_t i = 0; i < st->n_workers; i++) {
        const dsk_worker_info_t *w = &st->workers[i];
        json_array_append_new(workers, json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:o}",
            "name", w->name, "host", w->host, "address", w->address,
            "pid", (json_int_t)w->pid, "nthreads", (json_int_t)w->nthreads,
            "memory_limit", (json_int_t)w->memory_limit,
            "memory_used", (json_int_t)w->memory_used,
            "tasks_running", (json_int_t)w->tasks_running,
            "tasks_queued", (json_int_t)w->tasks_queued,
            "last_heartbeat_s", (double)w->last_seen_ms / 1000.0,
            "uptime_s", (double)w->uptime_ms / 1000.0, "running", s_running_json(w->running)));
        json_t *jw = json_array_get(workers, json_array_size(workers) - 1);
        json_object_set_new(jw, "memory_held", json_integer((json_int_t)w->held));
        json_object_set_new(jw, "memory_spilled", json_integer((json_int_t)w->spilled));
        json_object_set_new(jw, "paused", json_boolean(w->paused));
    }
    json_t *security = json_pack("{s:b, s:I, s:I, s:I, s:I}", "curve", (int)st->curve,
                                 "messages_handled", (json_int_t)st->messages_handled,
                                 "refused_handshakes", (json_int_t)st->refused_handshakes,
                                 "refused_keys", (json_int_t)st->refused_keys,
                                 "refused_messages", (json_int_t)st->refused_messages);
    return json_pack("{s:s, s:f, s:I, s:I, s:I, s:o, s:o}", "scheduler", endpoint,
                     "uptime_s", (double)st->uptime_ms / 1000.0,
                     "tasks_running", (json_int_t)st->tasks_running,
                     "tasks_queued", (json_int_t)st->tasks_queued,
                     "jobs", (json_int_t)st->jobs, "workers", workers, "security", security);
}

static int s_cmd_status(const submit_options_t *opt, int argc, char **argv)
{
    int as_json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = 1;
        } else {
            fprintf(stderr, "dsk-submit status: unknown argument '%s' (usage: dsk-submit "
                    "status [--json])\n", argv[i]);
            return SUBMIT_EXIT_USAGE;
        }
    }
    char err[DSK_ERR_LEN];
    dsk_client_t *c = dsk_client_connect(opt->scheduler, (int64_t)(opt->timeout_s * 1000), opt->curve, err);
    if (!c) {
        fprintf(stderr, "dsk-submit: %s\n", err);
        return SUBMIT_EXIT_USAGE;
    }
    dsk_msg_t rep;
    int rc = dsk_client_status(c, &rep, err);
    dsk_client_destroy(&c);
    if (rc < 0) {
        fprintf(stderr, "dsk-submit: %s\n", err);
        return submit_exit_code(rc);
    }
    if (as_json) {
        json_t *doc = s_status_json(opt->scheduler, &rep.u.status_rep);
        dsk_repr_json_write(doc, DSK_REPR_INDENT, stdout);
        putchar('\n');
        json_decref(doc);
    } else {
        s_print_status_table(opt->scheduler, &rep.u.status_rep);
    }
    dsk_msg_clear(&rep);
    return SUBMIT_EXIT_OK;
}

static const struct {
    const char *name;
    submit_command_fn *fn;
    const char *usage;
} s_commands[] = {
    {"status", s_cmd_status, "status [--json]      workers, threads, memory, tasks"},
    {"search", submit_search, "search JOB.json [--out RESULT.json] [--cv-results CSV] "
                              "[--model-out M.dskm] [--json] [--quiet]"},
    {"fit", submit_fit, "fit JOB.json --model-out M.dskm [--quiet]"},
    {"predict", submit_predict, "predict --model M.dskm --input DATA [--labels Y] "
                                "[--input-on-workers] "
                                "[--out PRED.npy|.csv|.svmlight|-] "
                                "[--format npy|csv|svmlight|json] [--chunk-rows N] [--chunk-bytes N] "
                                "[--method predict|decision_function|predict_proba|"
                                "predict_log_proba|transform|score] [--scoring NAME] "
                                "[--aggregate counts]"},
    {"jobs", submit_jobs, "jobs [--json]        the scheduler's jobs"},
    {"result", submit_result, "result JOB_ID [--out RESULT.json] [--cv-results CSV] "
                              "[--model-out M.dskm]"},
    {"cancel", submit_cancel, "cancel JOB_ID"},
    {"noop", submit_noop, "noop N [--one-at-a-time] [--json]  N empty tasks and their results "
                          "back: tasks/s, or with --one-at-a-time each task's round trip"},
};

static void s_usage(FILE *out)
{
    fprintf(out, "usage: dsk-submit [--scheduler ADDR | --local N] [--timeout SECONDS] "
                 "[--reconnect SECONDS]\n"
                 "                  [--key FILE --scheduler-key FILE] COMMAND [ARGS]\n\n"
                 "  --scheduler ADDR   scheduler endpoint (default $DSK_SCHEDULER or %s)\n"
                 "  --local N          run on a local cluster of N workers, started and "
                 "stopped here\n"
                 "  --timeout SECONDS  how long to wait for the scheduler (default 5)\n"
                 "  --reconnect SECONDS  how long a job's client keeps trying a scheduler "
                 "gone silent\n                     (restarting with its --journal; default "
                 "60)\n"
                 "  --key FILE         this client's secret key, for a scheduler with CURVE "
                 "(default $DSK_KEY)\n"
                 "  --scheduler-key FILE  the scheduler's public key (default "
                 "$DSK_SCHEDULER_KEY)\n\n"
                 "commands:\n", DSK_CLIENT_DEFAULT_SCHEDULER);
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf(out, "  %s\n", s_commands[i].usage);
    fprintf(out, "\noutputs (--out, --cv-results, --model-out): a file is replaced only once "
                 "complete; - is standard\noutput; a device or a FIFO is written into; a "
                 "directory is refused before the job is sent.\npredict's format comes from "
                 "--format, else the extension, else csv for - and npy for a file.\n"
                 "predict's DATA: .npy, .npz (a SciPy sparse matrix), .csv (a header row "
                 "or not), .svmlight,\n.txt (a document a line), a folder of text files, "
                 "or a .json data spec; labels (Y: .npy or\n.txt, a label a row) only for "
                 "--method score.\n");
}

/* Global options stop at the first word that is not one: the command. */
int main(int argc, char **argv)
{
    dsk_alloc_keep_freed_memory();
    submit_options_t opt = {.scheduler = getenv("DSK_SCHEDULER"), .timeout_s = 5.0,
                            .reconnect_s = 60.0};
    const char *key = getenv("DSK_KEY"), *scheduler_key = getenv("DSK_SCHEDULER_KEY");
    int local = 0;
    if (!opt.scheduler || !*opt.scheduler)
        opt.scheduler = DSK_CLIENT_DEFAULT_SCHEDULER;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            s_usage(stdout);
            return SUBMIT_EXIT_OK;
        } else if (strcmp(a, "--scheduler") == 0 && i + 1 < argc) {
            opt.scheduler = argv[++i];
        } else if (strncmp(a, "--scheduler=", 12) == 0) {
            opt.scheduler = a + 12;
        } else if (strcmp(a, "--reconnect") == 0 && i + 1 < argc) {
            char *end;
            opt.reconnect_s = strtod(argv[++i], &end);
            if (*end || opt.reconnect_s < 0) {
                fprintf(stderr, "dsk-submit: --reconnect: expected seconds (0 or more), got "
                        "'%s'\n", argv[i]);
                return SUBMIT_EXIT_USAGE;
            }
        } else if (strcmp(a, "--key") == 0 && i + 1 < argc) {
            key = argv[++i];
        } else if (strcmp(a, "--scheduler-key") == 0 && i + 1 < argc) {
            scheduler_key = argv[++i];
        } else if (strcmp(a, "--local") == 0 && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 64) {
                fprintf(stderr, "dsk-submit: --local: expected a number of workers 1..64, got "
                        "'%s'\n", argv[i]);
                return SUBMIT_EXIT_USAGE;
            }
            local = (int)n;
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            char *end;
            opt.timeout_s = strtod(argv[++i], &end);
            if (*end || opt.timeout_s <= 0) {
                fprintf(stderr, "dsk-submit: --timeout: expected a positive number of "
                        "seconds, got '%s'\n", argv[i]);
                return SUBMIT_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "dsk-submit: unknown or incomplete option '%s'\n", a);
            s_usage(stderr);
            return SUBMIT_EXIT_USAGE;
        }
    }
    if (i == argc) {
        s_usage(stderr);
        return SUBMIT_EXIT_USAGE;
    }
    dsk_curve_client_t curve;
    char kerr[DSK_ERR_LEN];
    if (dsk_curve_client_load(&curve, local ? NULL : key, local ? NULL : scheduler_key,
                              kerr) < 0) {
        fprintf(stderr, "dsk-submit: %s\n", kerr);
        return SUBMIT_EXIT_USAGE;
    }
    opt.curve = &curve;
    for (size_t k = 0; k < sizeof s_commands / sizeof s_commands[0]; k++) {
        if (strcmp(argv[i], s_commands[k].name) != 0)
            continue;
        char endpoint[64], err[DSK_ERR_LEN];
        if (local) {
            if (submit_local_start(local, endpoint, err) < 0) {
                fprintf(stderr, "dsk-submit: %s\n", err);
                return SUBMIT_EXIT_UNREACHABLE;
            }
            opt.scheduler = endpoint;
        }
        int rc = s_commands[k].fn(&opt, argc - i - 1, argv + i + 1);
        if (local)
            submit_local_stop();
        return rc;
    }
    fprintf(stderr, "dsk-submit: unknown command '%s'\n", argv[i]);
    s_usage(stderr);
    return SUBMIT_EXIT_USAGE;
}
