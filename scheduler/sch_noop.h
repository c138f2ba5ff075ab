/*
 * sch_noop.h — `dsk-submit noop N`: N empty tasks through the scheduler,
 * the wire and the workers, and back, with nothing to compute: the
 * cluster's own cost per task. Up to S_NOOP_DEPTH per worker thread are
 * out at once, so the round trip is measured, not the wait for it. A job
 * of {"tasks": N, "results": true} (what dsk-submit sends) returns each
 * task's empty result to its client as a CHUNK_DONE (index = the task's
 * number, data empty), once per task, before the DONE state; without
 * "results" the scheduler keeps them and only the DONE state comes back.
 */
#ifndef SCH_NOOP_H
#define SCH_NOOP_H

#include "sch_job.h"

extern const sch_kind_t sch_noop_kind;

#endif
