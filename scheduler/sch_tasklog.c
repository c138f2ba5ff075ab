/* sch_tasklog.c — a job's finished attempts in a ring, and its last errors. */
#include "sch_tasklog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_msg.h"

typedef struct {
    uint64_t seq;
    int64_t start_ms, end_ms;
    const char *kind;
    uint32_t worker;            /* index into the log's names */
    uint8_t ok;
} s_entry_t;

typedef struct {
    int64_t task, at_ms;
    const char *kind;
    char worker[DSK_NAME_MAX + 1];
    int attempt;
    char error[DSK_TEXT_MAX + 1];
} s_error_t;

struct sch_tasklog {
    s_entry_t *ring;            /* grows up to SCH_TASKLOG_MAX, then wraps */
    size_t cap, n, head;        /* head: where the oldest entry is once it wraps */
    uint64_t seq, dropped;
    char (*names)[DSK_NAME_MAX + 1];
    size_t nnames;
    s_error_t *errors;          /* SCH_TASKLOG_ERRORS, a ring too */
    size_t nerrors, error_head;
};

sch_tasklog_t *sch_tasklog_new(void) { return dsk_xcalloc(1, sizeof(sch_tasklog_t)); }

void sch_tasklog_destroy(sch_tasklog_t **log_p)
{
    sch_tasklog_t *log = *log_p;
    if (!log)
        return;
    free(log->ring);
    free(log->names);
    free(log->errors);
    free(log);
    *log_p = NULL;
}

/* A worker's index in the names table; a job meets a handful of workers, so a scan will do. */
static uint32_t s_name(sch_tasklog_t *log, const char *worker)
{
    for (size_t i = 0; i < log->nnames; i++)
        if (strcmp(log->names[i], worker) == 0)
            return (uint32_t)i;
    log->names = dsk_xrealloc(log->names, log->nnames + 1, sizeof *log->names);
    snprintf(log->names[log->nnames], sizeof log->names[0], "%s", worker);
    return (uint32_t)log->nnames++;
}

void sch_tasklog_add(sch_tasklog_t *log, int64_t task, const char *kind, const char *worker,
                     int64_t start_ms, int64_t end_ms, int ok, int attempt, const char *error)
{
    s_entry_t e = {.seq = ++log->seq, .start_ms = start_ms, .end_ms = end_ms, .kind = kind,
                   .worker = s_name(log, worker), .ok = ok != 0};
    if (log->n < SCH_TASKLOG_MAX) {
        if (log->n == log->cap) {
            log->cap = log->cap ? log->cap * 2 : 256;
            if (log->cap > SCH_TASKLOG_MAX)
                log->cap = SCH_TASKLOG_MAX;
            log->ring = dsk_xrealloc(log->ring, log->cap, sizeof *log->ring);
        }
        log->ring[log->n++] = e;
    } else {
        log->ring[log->head] = e; /* the oldest goes */
        log->head = (log->head + 1) % SCH_TASKLOG_MAX;
        log->dropped++;
    }
    if (ok)
        return;
    if (!log->errors)
        log->errors = dsk_xcalloc(SCH_TASKLOG_ERRORS, sizeof *log->errors);
    size_t at = log->nerrors < SCH_TASKLOG_ERRORS
                    ? log->nerrors++
                    : (log->error_head++ % SCH_TASKLOG_ERRORS);
    s_error_t *x = &log->errors[at];
    *x = (s_error_t){.task = task, .at_ms = end_ms, .kind = kind, .attempt = attempt};
    snprintf(x->worker, sizeof x->worker, "%s", worker);
    snprintf(x->error, sizeof x->error, "%s", error ? error : "");
}

uint64_t sch_tasklog_last(const sch_tasklog_t *log) { return log->seq; }
uint64_t sch_tasklog_dropped(const sch_tasklog_t *log) { return log->dropped; }

json_t *sch_tasklog_json(const sch_tasklog_t *log, uint64_t since, int64_t max)
{
    json_t *names = json_array(), *tasks = json_array();
    for (size_t i = 0; i < log->nnames; i++)
        json_array_append_new(names, json_string(log->names[i]));
    /* seqs are consecutive in the ring, oldest at head: the first one after since is found
       by arithmetic, not a scan */
    uint64_t oldest = log->n ? log->ring[log->n < SCH_TASKLOG_MAX ? 0 : log->head].seq : 1;
    uint64_t from = since + 1 > oldest ? since + 1 : oldest;
    for (uint64_t s = from; s <= log->seq && max-- > 0; s++) {
        size_t base = log->n < SCH_TASKLOG_MAX ? 0 : log->head;
        const s_entry_t *e = &log->ring[(base + (size_t)(s - oldest)) % log->n];
        json_array_append_new(tasks, json_pack("[I, i, s, I, I, b]", (json_int_t)e->seq,
                                               (int)e->worker, e->kind, (json_int_t)e->start_ms,
                                               (json_int_t)e->end_ms, (int)e->ok));
    }
    return json_pack("{s:o, s:o}", "workers", names, "tasks", tasks);
}

json_t *sch_tasklog_errors_json(const sch_tasklog_t *log)
{
    json_t *out = json_array();
    for (size_t k = 0; k < log->nerrors; k++) {
        const s_error_t *x = &log->errors[(log->error_head + k) % SCH_TASKLOG_ERRORS];
        json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:i, s:s, s:I}", "task",
                                             (json_int_t)x->task, "kind", x->kind, "worker",
                                             x->worker, "attempt", x->attempt, "error",
                                             x->error, "at_ms", (json_int_t)x->at_ms));
    }
    return out;
}
