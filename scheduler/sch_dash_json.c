/* sch_dash_json.c — the dashboard's JSON and the Prometheus metrics, from the engine. */
#include "sch_dash_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"

/* Job states as people read them (DSK_JOB_*). */
static const char *s_state_name(uint32_t state)
{
    switch (state) {
    case DSK_JOB_ACCEPTED: return "accepted";
    case DSK_JOB_PROGRESS: return "running";
    case DSK_JOB_DONE: return "done";
    case DSK_JOB_FAILED: return "failed";
    case DSK_JOB_CANCELLED: return "cancelled";
    default: return "unknown";
    }
}

static char *s_dump(json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (!text)
        abort(); /* out of memory */
    return text;
}

static double s_secs(int64_t ms) { return (double)ms / 1000.0; }

char *sch_dash_status(const sch_engine_t *e)
{
    const sch_registry_t *reg = sch_engine_registry(e);
    const sch_jobs_t *jobs = sch_engine_jobs(e);
    int64_t now = sch_jobs_now(jobs);
    json_t *workers = json_array();
    uint64_t threads = 0, rss = 0, limit = 0, held = 0, spilled = 0;
    for (size_t i = 0; i < sch_registry_count(reg); i++) {
        const sch_worker_t *w = sch_registry_at(reg, i);
        char running[DSK_RUNNING_MAX + 1];
        sch_jobs_running_text(jobs, w->id, running, sizeof running);
        json_t *mem = json_pack("{s:I, s:I, s:I, s:I}", "rss", (json_int_t)w->info.memory_used,
                                "limit", (json_int_t)w->info.memory_limit, "held",
                                (json_int_t)w->info.held, "spilled",
                                (json_int_t)w->info.spilled);
        json_array_append_new(workers, json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:o, s:b, s:I, s:I, s:I, s:s, s:f, s:f, s:I, s:I}", "name",
            w->info.name, "host", w->info.host, "address", w->info.address, "pid",
            (json_int_t)w->info.pid, "nthreads", (json_int_t)w->info.nthreads, "memory", mem,
            "paused", (int)w->info.paused, "tasks_running", (json_int_t)w->info.tasks_running,
            "tasks_queued", (json_int_t)w->info.tasks_queued, "assigned",
            (json_int_t)w->running, "running", running, "heartbeat_age_s",
            s_secs(now - w->last_seen_ms), "uptime_s", s_secs(now - w->registered_ms),
            "bytes_in", (json_int_t)w->bytes_in, "bytes_out", (json_int_t)w->bytes_out));
        threads += w->info.nthreads;
        rss += w->info.memory_used;
        limit += w->info.memory_limit;
        held += w->info.held;
        spilled += w->info.spilled;
    }
    char instance[17];
    snprintf(instance, sizeof instance, "%016" PRIx64, sch_engine_instance(e));
    uint64_t bytes_in, bytes_out;
    sch_engine_bytes(e, &bytes_in, &bytes_out);
    json_t *sched = json_pack("{s:s, s:f, s:b, s:I, s:I, s:I}", "instance", instance, "uptime_s",
                              s_secs(sch_engine_uptime_ms(e)), "curve", sch_engine_curve(e),
                              "messages_handled", (json_int_t)sch_engine_handled(e), "bytes_in",
                              (json_int_t)bytes_in, "bytes_out", (json_int_t)bytes_out);
    const sch_task_count_t *c;
    size_t nc = sch_jobs_task_counts(jobs, &c);
    uint64_t tasks_done = 0;
    for (size_t k = 0; k < nc; k++)
        tasks_done += c[k].tasks;
    /* counters, ever: the page makes the throughput (tasks/s, rows/s) of their differences */
    json_t *totals = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tasks_done",
        (json_int_t)tasks_done, "rows_predicted", (json_int_t)sch_jobs_rows_predicted(jobs),
        "workers",
        (json_int_t)sch_registry_count(reg), "threads", (json_int_t)threads, "memory_rss",
        (json_int_t)rss, "memory_limit", (json_int_t)limit, "memory_held", (json_int_t)held,
        "memory_spilled", (json_int_t)spilled, "tasks_running",
        (json_int_t)sch_jobs_tasks_running(jobs), "tasks_queued",
        (json_int_t)sch_jobs_tasks_queued(jobs), "jobs_active",
        (json_int_t)sch_jobs_active(jobs));
    return s_dump(json_pack("{s:o, s:o, s:o}", "scheduler", sched, "workers", workers,
                            "totals", totals));
}

/* The best candidate: a finished search's result says it, a running one's plan so far. */
static json_t *s_best(const sch_job_t *job)
{
    json_t *score = job->result ? json_object_get(job->result, "best_score") : NULL;
    json_t *params = job->result ? json_object_get(job->result, "best_params") : NULL;
    if (score && params)
        return json_pack("{s:O, s:O, s:b}", "score", score, "params", params, "final", 1);
    json_t *best = job->k && job->kind->best ? job->kind->best(job) : NULL;
    if (best)
        json_object_set_new(best, "final", json_false());
    return best ? best : json_null();
}

static json_t *s_job(const sch_job_t *job, int64_t now)
{
    int active = sch_jobs_active_state(job->state);
    int64_t elapsed = (active ? now : job->finished_ms) - job->started_ms;
    /* the fits left at the pace of those done (a search's refit is one more fit) */
    json_t *eta = json_null();
    if (active && job->fits_done > 0 && job->fits_total >= job->fits_done)
        eta = json_real(s_secs(elapsed) * (double)(job->fits_total - job->fits_done) /
                        (double)job->fits_done);
    else if (!active)
        eta = json_real(0);
    char owner[16];
    snprintf(owner, sizeof owner, "%.8s", job->owner[0] ? job->owner : "insecure");
    int64_t done = 0;
    for (int64_t i = 0; i < job->ntasks; i++)
        done += job->tasks[i].state == SCH_DONE;
    json_t *tasks = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "total",
                              (json_int_t)job->ntasks, "done", (json_int_t)done, "running",
                              (json_int_t)(active ? sch_jobs_running(job) : 0), "queued",
                              (json_int_t)(active ? sch_jobs_pending(job) : 0), "logged",
                              (json_int_t)(job->log ? sch_tasklog_last(job->log) : 0),
                              "log_dropped",
                              (json_int_t)(job->log ? sch_tasklog_dropped(job->log) : 0));
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:f, s:o, s:o, s:o}",
                          "id", (json_int_t)job->id, "kind", job->kind->name, "name", job->name,
                          "owner", owner, "state", s_state_name(job->state), "text", job->text,
                          "fits_done", (json_int_t)job->fits_done, "fits_total",
                          (json_int_t)job->fits_total, "tasks", tasks, "elapsed_s",
                          s_secs(elapsed), "eta_s", eta, "best", s_best(job), "errors",
                          job->log ? sch_tasklog_errors_json(job->log) : json_array());
    json_t *stats = job->result ? json_object_get(job->result, "stats") : NULL;
    if (stats)
        json_object_set(o, "stats", stats);
    return o;
}

char *sch_dash_jobs(const sch_engine_t *e)
{
    const sch_jobs_t *jobs = sch_engine_jobs(e);
    json_t *list = json_array();
    for (const sch_job_t *job = sch_jobs_list(jobs); job; job = job->next)
        json_array_append_new(list, s_job(job, sch_jobs_now(jobs)));
    return s_dump(json_pack("{s:I, s:o}", "log_max", (json_int_t)SCH_TASKLOG_MAX, "jobs", list));
}

char *sch_dash_tasks(const sch_engine_t *e, uint64_t job_id, uint64_t since, int64_t max)
{
    for (const sch_job_t *job = sch_jobs_list(sch_engine_jobs(e)); job; job = job->next) {
        if (job->id != job_id)
            continue;
        json_t *o = job->log ? sch_tasklog_json(job->log, since, max)
                             : json_pack("{s:[], s:[]}", "workers", "tasks");
        json_object_set_new(o, "job_id", json_integer((json_int_t)job->id));
        json_object_set_new(o, "last", json_integer(
                                           (json_int_t)(job->log ? sch_tasklog_last(job->log) : 0)));
        json_object_set_new(o, "dropped", json_integer((json_int_t)(
                                              job->log ? sch_tasklog_dropped(job->log) : 0)));
        return s_dump(o);
    }
    return NULL;
}

/* ------------------------------------------------------------ /metrics */

/* A label value as the exposition format quotes it: \\, \" and \n escaped. */
static void s_label(FILE *f, const char *v)
{
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fprintf(f, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
    fputc('"', f);
}

static void s_family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void s_worker_metrics(FILE *f, const sch_registry_t *reg, const sch_jobs_t *jobs)
{
    size_t n = sch_registry_count(reg);
    s_family(f, "dsk_worker_memory_bytes", "gauge",
             "A worker's memory by type: rss (its last heartbeat), limit, held, spilled.");
    for (size_t i = 0; i < n; i++) {
        const sch_worker_t *w = sch_registry_at(reg, i);
        const struct { const char *type; uint64_t v; } m[] = {
            {"rss", w->info.memory_used}, {"limit", w->info.memory_limit},
            {"held", w->info.held}, {"spilled", w->info.spilled}};
        for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
            fputs("dsk_worker_memory_bytes{worker=", f);
            s_label(f, w->info.name);
            fprintf(f, ",type=\"%s\"} %" PRIu64 "\n", m[k].type, m[k].v);
        }
    }
    s_family(f, "dsk_worker_threads", "gauge", "A worker's task threads.");
    for (size_t i = 0; i < n; i++) {
        fputs("dsk_worker_threads{worker=", f);
        s_label(f, sch_registry_at(reg, i)->info.name);
        fprintf(f, "} %u\n", sch_registry_at(reg, i)->info.nthreads);
    }
    s_family(f, "dsk_worker_tasks", "gauge",
             "Task attempts the scheduler has running on a worker.");
    for (size_t i = 0; i < n; i++) {
        fputs("dsk_worker_tasks{worker=", f);
        s_label(f, sch_registry_at(reg, i)->info.name);
        fprintf(f, "} %d\n", sch_registry_at(reg, i)->running);
    }
    s_family(f, "dsk_worker_bytes_total", "counter",
             "Message bytes from (in) and to (out) a worker since it registered.");
    for (size_t i = 0; i < n; i++) {
        const sch_worker_t *w = sch_registry_at(reg, i);
        fputs("dsk_worker_bytes_total{worker=", f);
        s_label(f, w->info.name);
        fprintf(f, ",direction=\"in\"} %" PRIu64 "\n", w->bytes_in);
        fputs("dsk_worker_bytes_total{worker=", f);
        s_label(f, w->info.name);
        fprintf(f, ",direction=\"out\"} %" PRIu64 "\n", w->bytes_out);
    }
    s_family(f, "dsk_worker_heartbeat_age_seconds", "gauge",
             "Seconds since the scheduler last heard from a worker.");
    for (size_t i = 0; i < n; i++) {
        fputs("dsk_worker_heartbeat_age_seconds{worker=", f);
        s_label(f, sch_registry_at(reg, i)->info.name);
        fprintf(f, "} %.3f\n", s_secs(sch_jobs_now(jobs) - sch_registry_at(reg, i)->last_seen_ms));
    }
}

char *sch_dash_metrics(const sch_engine_t *e)
{
    const sch_registry_t *reg = sch_engine_registry(e);
    const sch_jobs_t *jobs = sch_engine_jobs(e);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort(); /* out of memory */
    s_family(f, "dsk_scheduler_uptime_seconds", "gauge", "Seconds since the scheduler started.");
    fprintf(f, "dsk_scheduler_uptime_seconds %.3f\n", s_secs(sch_engine_uptime_ms(e)));
    s_family(f, "dsk_scheduler_messages_total", "counter",
             "Messages that reached the scheduler's handlers.");
    fprintf(f, "dsk_scheduler_messages_total %" PRIu64 "\n", sch_engine_handled(e));
    uint64_t bytes_in, bytes_out;
    sch_engine_bytes(e, &bytes_in, &bytes_out);
    s_family(f, "dsk_scheduler_bytes_total", "counter",
             "Message bytes the scheduler received (in) and sent (out), every peer.");
    fprintf(f, "dsk_scheduler_bytes_total{direction=\"in\"} %" PRIu64 "\n", bytes_in);
    fprintf(f, "dsk_scheduler_bytes_total{direction=\"out\"} %" PRIu64 "\n", bytes_out);
    s_family(f, "dsk_scheduler_workers", "gauge", "Workers registered with the scheduler.");
    fprintf(f, "dsk_scheduler_workers %zu\n", sch_registry_count(reg));
    uint64_t silent, hung;
    sch_engine_workers_lost(e, &silent, &hung);
    s_family(f, "dsk_workers_lost_total", "counter",
             "Workers the scheduler removed: silent for 3 heartbeat intervals, or hung "
             "(heartbeating, answering no task).");
    fprintf(f, "dsk_workers_lost_total{reason=\"silent\"} %" PRIu64 "\n", silent);
    fprintf(f, "dsk_workers_lost_total{reason=\"hung\"} %" PRIu64 "\n", hung);
    s_family(f, "dsk_scheduler_tasks", "gauge",
             "Tasks of running jobs: running on a worker, or queued (runnable, not placed).");
    fprintf(f, "dsk_scheduler_tasks{state=\"running\"} %u\n", sch_jobs_tasks_running(jobs));
    fprintf(f, "dsk_scheduler_tasks{state=\"queued\"} %u\n", sch_jobs_tasks_queued(jobs));
    const sch_task_count_t *c;
    size_t nc = sch_jobs_task_counts(jobs, &c);
    s_family(f, "dsk_tasks_total", "counter",
             "Task attempts answered by workers since the scheduler started, by task kind.");
    for (size_t k = 0; k < nc; k++)
        fprintf(f, "dsk_tasks_total{kind=\"%s\"} %" PRIu64 "\n", c[k].kind, c[k].tasks);
    s_family(f, "dsk_task_failures_total", "counter",
             "Task attempts that failed or were refused, by task kind.");
    for (size_t k = 0; k < nc; k++)
        fprintf(f, "dsk_task_failures_total{kind=\"%s\"} %" PRIu64 "\n", c[k].kind, c[k].failed);
    s_family(f, "dsk_task_seconds_total", "counter",
             "Seconds workers spent on answered task attempts, by task kind.");
    for (size_t k = 0; k < nc; k++)
        fprintf(f, "dsk_task_seconds_total{kind=\"%s\"} %.6f\n", c[k].kind,
                (double)c[k].micros / 1e6);
    s_family(f, "dsk_rows_predicted_total", "counter",
             "Rows of predict chunks whose results went back to their clients.");
    fprintf(f, "dsk_rows_predicted_total %" PRIu64 "\n", sch_jobs_rows_predicted(jobs));
    s_worker_metrics(f, reg, jobs);
    static const uint32_t states[] = {DSK_JOB_ACCEPTED, DSK_JOB_PROGRESS, DSK_JOB_DONE,
                                      DSK_JOB_FAILED, DSK_JOB_CANCELLED};
    s_family(f, "dsk_jobs", "gauge", "Jobs the scheduler keeps, by state.");
    for (size_t s = 0; s < sizeof states / sizeof states[0]; s++) {
        int64_t n = 0;
        for (const sch_job_t *job = sch_jobs_list(jobs); job; job = job->next)
            n += job->state == states[s];
        fprintf(f, "dsk_jobs{state=\"%s\"} %lld\n", s_state_name(states[s]), (long long)n);
    }
    fclose(f);
    return text;
}
