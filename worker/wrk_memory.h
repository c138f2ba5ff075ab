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
 * its loop thread; what a running task allocates is seen at the next
 * check, and a task too big for the limit is refused by the scheduler
 * from its estimate before it is sent.
 *
 * Ownership: the caller owns the object; it borrows the tasks it spills.
 */
#ifndef WRK_MEMORY_H
#define WRK_MEMORY_H

#include <stdint.h>

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
} wrk_memory_state_t;

typedef struct wrk_memory wrk_memory_t;

wrk_memory_t *wrk_memory_new(uint64_t limit);
void wrk_memory_destroy(wrk_memory_t **m_p);
/*
 * Samples the RSS, trims and spills past WRK_MEMORY_SPILL, sets paused.
 * Returns 1 when paused changed (the scheduler should hear it now), else 0.
 */
int wrk_memory_check(wrk_memory_t *m, wrk_tasks_t *tasks);
const wrk_memory_state_t *wrk_memory_state(const wrk_memory_t *m);
/* Resident bytes of this process now (/proc/self/statm; 0 when it cannot be read). */
uint64_t wrk_memory_rss(void);

#endif
