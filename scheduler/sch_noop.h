/*
 * sch_noop.h — `dsk-submit noop N`: N empty tasks through the scheduler,
 * the wire and the workers, and back, with nothing to compute: the
 * cluster's own cost per task. Up to S_NOOP_DEPTH per worker thread are
 * out at once, so the round trip is measured, not the wait for it.
 */
#ifndef SCH_NOOP_H
#define SCH_NOOP_H

#include "sch_job.h"

extern const sch_kind_t sch_noop_kind;

#endif
