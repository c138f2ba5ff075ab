/*
 * sch_dash_json.h — what the dashboard shows, rendered from the engine's
 * state: /api/status and /api/jobs as JSON, /metrics in Prometheus' text
 * exposition format (version 0.0.4). docs/architecture.md, "The dashboard",
 * lists the fields.
 *
 * Every function here reads the engine, so it must run on the scheduler's
 * loop thread (sch_http.h runs libmicrohttpd in that loop for that reason).
 * Nothing is changed; times are the engine's clock.
 *
 * Ownership: each returns a malloc'd NUL-terminated text the caller frees.
 */
#ifndef SCH_DASH_JSON_H
#define SCH_DASH_JSON_H

#include <stdint.h>

#include "sch_engine.h"

/* {"scheduler": {...}, "workers": [...], "totals": {...}} */
char *sch_dash_status(const sch_engine_t *e);
/* {"now_ms", "jobs": [...]}: every job kept, newest first. */
char *sch_dash_jobs(const sch_engine_t *e);
/*
 * Job job_id's task log after sequence number since, at most max entries
 * (sch_tasklog.h): {"job_id", "last", "dropped", "workers", "tasks"}; NULL
 * when there is no such job.
 */
char *sch_dash_tasks(const sch_engine_t *e, uint64_t job_id, uint64_t since, int64_t max);
/* The Prometheus text: gauges of now, counters since the scheduler started. */
char *sch_dash_metrics(const sch_engine_t *e);

#endif
