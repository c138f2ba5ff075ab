/*
 * wrk_memory.h — the worker's memory limit, enforced the way a Dask user
 * expects it, without Dask's kill loop: the worker watches its resident
 * memory (RSS) against --memory-limit,
 *
 *   - past 70% it first gives back what the allocator keeps of freed
 *     memory (malloc_trim), then spills the least recently used outputs no
 *     task reads until it is back under 60% or nothing is left to spill;
 *   - past 85% after that it is paused: it tells the scheduler (HEARTBEAT)
 *     and takes no new tasks until it is back under.
 *
 * The worker checks after every finished task and on every heartbeat, on
 * its loop thread. Before a task starts it also makes room for what the
 * task is expected to allocate (job_task_need: a 20-class bigram SGD fit's
 * weight table is 200 MB, more than spilling at 70% leaves free under a
 * 400 MB limit): it spills until its RSS plus the needs of every task
 * started and not finished fit under the limit, or nothing is left to
 * spill. A task too big for the limit is refused by the scheduler from its
 * estimate before it is sent.
 *
 * Ownership: the caller owns the object; it borrows the tasks it spills.
 */
#ifndef WRK_MEMORY_H
#define WRK_MEMORY_H

#include <stdint.h>

#include "wrk_task.h"
#include "wrk_tasks.h"

#define WRK_MEMORY_SPILL 0.70   /* of the limit: spill past it */
#define WRK_MEMORY_TARGET 0.60  /* ... down to this */
#define WRK_MEMORY_PAUSE 0.85   /* of the limit: no new tasks past it */

typedef struct {
    uint64_t limit;             /* bytes */
    uint64_t rss;               /* resident bytes at the last check */
    uint64_t held;              /* bytes the store holds in memory */
    uint64_t spilled;           /* bytes of outputs spilled to disk (their size in memory) */
    int paused;                 /* past WRK_MEMORY_PAUSE at the last check */
    uint64_t spilled_total;     /* bytes spilled since the worker started */
    uint64_t running_need;      /* the expected allocations of the tasks running now */
} wrk_memory_state_t;

typedef struct wrk_memory wrk_memory_t;

wrk_memory_t *wrk_memory_new(uint64_t limit);
void wrk_memory_destroy(wrk_memory_t **m_p);
/*
 * Samples the RSS, trims and spills past WRK_MEMORY_SPILL, sets paused.
 * Returns 1 when paused changed (the scheduler should hear it now), else 0.
 */
int wrk_memory_check(wrk_memory_t *m, wrk_tasks_t *tasks);
/*
 * A task expected to allocate task->need bytes starts: spill (least
 * recently used first) until RSS + the running tasks' needs fit under the
 * limit. wrk_memory_task_end when it is done: under a limit, the log
 * (debug) then says what it was expected to need, the RSS before and
 * after and the worker's peak so far (VmHWM, left to mean the process's
 * peak for whoever reads it).
 */
void wrk_memory_task_start(wrk_memory_t *m, wrk_tasks_t *tasks, const wrk_task_t *task);
void wrk_memory_task_end(wrk_memory_t *m, const wrk_task_t *task);
/*
 * Room for a copy of bytes for another worker (FETCH packs one) now: no
 * limit, no task running with an expected allocation, or RSS + bytes +
 * those allocations under the limit. A copy is an optimization the
 * scheduler asks again for later; a running fit's memory is not.
 */
int wrk_memory_room_for_copy(const wrk_memory_t *m, uint64_t bytes);
const wrk_memory_state_t *wrk_memory_state(const wrk_memory_t *m);
/* Resident bytes of this process now (/proc/self/statm; 0 when it cannot be read). */
uint64_t wrk_memory_rss(void);

#endif
