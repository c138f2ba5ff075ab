/*
 * sch_paused.h — workers paused by their memory limit, and the one way
 * that can stall a cluster for ever.
 *
 * A worker past 85% of its --memory-limit says so in its HEARTBEAT and
 * takes no new task (sch_jobs_free_threads) until it is back under. It
 * gets back under when a task of its ends or data it holds is freed. If
 * every worker is paused and none runs anything, neither can happen: each
 * worker has already spilled all it could and trimmed its heap, and no job
 * can make progress. Dask waits for ever there; dsk fails the oldest job
 * after SCH_PAUSED_GRACE_MS, whose data and outputs are then freed, which
 * may let the others go on.
 *
 * Reads the registry through the job engine; owns nothing.
 */
#ifndef SCH_PAUSED_H
#define SCH_PAUSED_H

#include <stddef.h>

#include "sch_jobs.h"

/* How long a stalled cluster waits for a worker to get back under its pause mark. */
#define SCH_PAUSED_GRACE_MS 5000
/*
 * A paused worker counts only while it was heard from this recently: one
 * gone silent (killed, stopped) says nothing current, and is declared
 * dead or comes back on its own.
 */
#define SCH_PAUSED_FRESH_MS 2000

/*
 * 1 when there are workers, every one is paused, heard from in the last
 * SCH_PAUSED_FRESH_MS, and none runs, queues or receives anything; why
 * then names them with their memory (for the job's error). 0 otherwise.
 */
int sch_paused_stalled(const sch_jobs_t *j, char *why, size_t len);
/*
 * Once a tick: while the cluster is stalled (sch_paused_stalled) for
 * SCH_PAUSED_GRACE_MS, the oldest active job fails, saying why. Takes and
 * returns when the stall began (0: no stall), which the caller keeps.
 */
int64_t sch_paused_unstall(sch_jobs_t *j, int64_t stalled_since);

#endif
