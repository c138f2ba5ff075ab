/*
 * sch_tasklog.h — what a job's finished task attempts were, for the
 * dashboard's task stream (sch_dash_json.h): which worker ran which kind of
 * task from when to when, and the errors of those that failed.
 *
 * Bounded: the last SCH_TASKLOG_MAX attempts of a job are kept (a ring, so a
 * very long job shows its latest stretch) and its last SCH_TASKLOG_ERRORS
 * failures. Every entry has a sequence number that only grows, so a reader
 * asks for what came after the last one it saw (/api/tasks?since=N).
 *
 * Times are the engine's clock (ms), stored relative to the job's start.
 * Kind names are static strings (job_task_kind_name, a kind's name): the
 * log keeps the pointers. Worker names are copied once into the log's own
 * table, so an entry outlives its worker.
 *
 * Ownership: the job owns its log (sch_job_t.log); nothing here reads a
 * clock or sends anything.
 */
#ifndef SCH_TASKLOG_H
#define SCH_TASKLOG_H

#include <jansson.h>
#include <stdint.h>

#define SCH_TASKLOG_MAX 100000   /* attempts kept per job (40 bytes each: 4 MB at most) */
#define SCH_TASKLOG_ERRORS 32    /* failed attempts' errors kept per job */

typedef struct sch_tasklog sch_tasklog_t;

sch_tasklog_t *sch_tasklog_new(void);
void sch_tasklog_destroy(sch_tasklog_t **log_p);

/*
 * An attempt ended: task (the job's index), kind (a static string), worker
 * (its name), start and end (ms since the job started); ok 0 for a failed
 * one, whose error and attempt number (1: the first run) are kept too.
 */
void sch_tasklog_add(sch_tasklog_t *log, int64_t task, const char *kind, const char *worker,
                     int64_t start_ms, int64_t end_ms, int ok, int attempt, const char *error);

/* The sequence number of the newest entry (0: none yet). */
uint64_t sch_tasklog_last(const sch_tasklog_t *log);
/* Entries dropped off the ring's far end so far. */
uint64_t sch_tasklog_dropped(const sch_tasklog_t *log);

/*
 * {"workers": [names], "tasks": [[seq, worker index, kind, start_ms, end_ms, ok], ...]}
 * for the entries after since, at most max of them (the oldest first);
 * arrays, not objects, because a long job has tens of thousands. A new
 * reference.
 */
json_t *sch_tasklog_json(const sch_tasklog_t *log, uint64_t since, int64_t max);
/* [{"task", "kind", "worker", "attempt", "error", "at_ms"}, ...], oldest first (new ref). */
json_t *sch_tasklog_errors_json(const sch_tasklog_t *log);

#endif
