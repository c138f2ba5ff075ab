/* wrk_memory.c — RSS against the limit: trim, spill, pause. */
#include "wrk_memory.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_bigmem.h"
#include "dsk_clock.h"
#include "dsk_log.h"

#define S_BIG_CACHE_MAX ((uint64_t)768 << 20)

struct wrk_memory {
    wrk_memory_state_t st;
    int running;                /* tasks started and not ended */
    uint64_t start_rss;         /* RSS when the first of them started (room made) */
};

/*
 * Big arrays freed by a task are cached for the next one (dsk_bigmem.h),
 * up to a 32nd of the machine's memory: 750 MB on a 24 GB machine, more
 * than a whole 400 MB limit, and a task that frees and allocates arrays of
 * other sizes could pile them up past the limit before the next check.
 * Under a limit of its own the worker caches at most a quarter of it, and
 * the check after each task gives the cache back whenever the worker is
 * past 70%. (Measured on the 16-candidate 20-category grid under 400 MB:
 * an eighth, a quarter or half of the limit changed neither the time nor
 * the peak beyond run-to-run noise; the peak is a single fit's own arrays.)
 */
wrk_memory_t *wrk_memory_new(uint64_t limit)
{
    wrk_memory_t *m = dsk_xcalloc(1, sizeof *m);
    m->st.limit = limit;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t ram = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    if (limit && limit < ram) {
        uint64_t cache = limit / 4 < S_BIG_CACHE_MAX ? limit / 4 : S_BIG_CACHE_MAX;
        dsk_big_cache_limit((size_t)cache);
    }
    return m;
}

void wrk_memory_destroy(wrk_memory_t **m_p)
{
    free(*m_p);
    *m_p = NULL;
}

const wrk_memory_state_t *wrk_memory_state(const wrk_memory_t *m) { return &m->st; }

uint64_t wrk_memory_rss(void)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static double s_mb(uint64_t bytes) { return (double)bytes / 1e6; }

/* Freed memory the process keeps for the next task, given back to the kernel. */
static void s_give_back(void)
{
    dsk_big_release();
    malloc_trim(0);
}

/* Spills toward RSS <= target; returns the bytes spilled. */
static size_t s_spill_to(wrk_memory_state_t *st, wrk_tasks_t *tasks, uint64_t target,
                         const char *why)
{
    int64_t t0 = dsk_clock_mono_ms();
    uint64_t before = st->rss;
    size_t freed = wrk_tasks_spill(tasks, (size_t)(st->rss - target));
    if (freed > 0) {
        s_give_back();
        st->rss = wrk_memory_rss();
        st->spilled_total += freed;
        dsk_debug("memory: RSS %.1f MB of a %.1f MB limit%s: spilled %.1f MB in %lld ms, "
                  "RSS now %.1f MB", s_mb(before), s_mb(st->limit), why, s_mb(freed),
                  (long long)(dsk_clock_mono_ms() - t0), s_mb(st->rss));
    }
    return freed;
}

/* VmHWM: the peak RSS since the process started. */
static uint64_t s_peak(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return (uint64_t)kb * 1024;
}

void wrk_memory_task_start(wrk_memory_t *m, wrk_tasks_t *tasks, const wrk_task_t *task)
{
    wrk_memory_state_t *st = &m->st;
    uint64_t need = task->need;
    st->running_need += need;
    if (!st->limit)
        return;
    m->running++;
    if (need == 0) {
        if (m->running == 1)
            m->start_rss = wrk_memory_rss();
        return;
    }
    /* what RSS may be now, so that the running tasks' allocations still fit */
    uint64_t room = st->limit > st->running_need ? st->limit - st->running_need : 0;
    st->rss = wrk_memory_rss();
    if (st->rss > room) {
        s_give_back();
        st->rss = wrk_memory_rss();
    }
    if (st->rss > room)
        s_spill_to(st, tasks, room, ", before a task that needs about that much more");
    if (m->running == 1)
        m->start_rss = st->rss;
    st->held = wrk_tasks_bytes(tasks);
    st->spilled = wrk_store_spilled(wrk_tasks_store(tasks));
}

int wrk_memory_room_for_copy(const wrk_memory_t *m, uint64_t bytes)
{
    const wrk_memory_state_t *st = &m->st;
    if (!st->limit || st->running_need == 0)
        return 1;
    return wrk_memory_rss() + bytes + st->running_need <= st->limit;
}

void wrk_memory_task_end(wrk_memory_t *m, const wrk_task_t *task)
{
    wrk_memory_state_t *st = &m->st;
    st->running_need -= task->need < st->running_need ? task->need : st->running_need;
    if (!st->limit)
        return;
    m->running -= m->running > 0;
    static const char *const kinds[] = {"?", "stage", "prefix", "score", "refit", "predict",
                                        "noop"};
    dsk_debug("memory: task %llu (%s) was expected to need %.1f MB; RSS %.1f MB when the "
              "worker's tasks started, %.1f MB now; the worker's peak so far %.1f MB",
              (unsigned long long)task->task_id,
              kinds[task->kind <= DSK_TASK_KIND_MAX ? task->kind : 0], s_mb(task->need),
              s_mb(m->start_rss), s_mb(wrk_memory_rss()), s_mb(s_peak()));
}

/*
 * The daemon keeps freed memory for the next task (dsk_alloc_keep_freed_memory,
 * dsk_bigmem's cache): near the limit that memory is given back before
 * anything is spilled, since it costs nothing to lose. Spilling then frees
 * objects whose pages the allocator would keep too, so it gives back
 * again before it measures.
 */
int wrk_memory_check(wrk_memory_t *m, wrk_tasks_t *tasks)
{
    wrk_memory_state_t *st = &m->st;
    uint64_t spill_at = (uint64_t)((double)st->limit * WRK_MEMORY_SPILL);
    uint64_t target = (uint64_t)((double)st->limit * WRK_MEMORY_TARGET);
    uint64_t pause_at = (uint64_t)((double)st->limit * WRK_MEMORY_PAUSE);
    st->rss = wrk_memory_rss();
    if (st->limit && st->rss > spill_at) {
        s_give_back();
        st->rss = wrk_memory_rss();
    }
    if (st->limit && st->rss > spill_at)
        s_spill_to(st, tasks, target, "");
    st->held = wrk_tasks_bytes(tasks);
    st->spilled = wrk_store_spilled(wrk_tasks_store(tasks));
    int paused = st->limit && st->rss > pause_at;
    if (paused == st->paused)
        return 0;
    st->paused = paused;
    if (paused)
        dsk_warn("memory: RSS %.1f MB is past %.0f%% of the %.1f MB limit (%.1f MB held, "
                 "%.1f MB spilled, the rest in running tasks): taking no new tasks",
                 s_mb(st->rss), WRK_MEMORY_PAUSE * 100, s_mb(st->limit), s_mb(st->held),
                 s_mb(st->spilled));
    else
        dsk_info("memory: RSS %.1f MB of the %.1f MB limit: taking tasks again", s_mb(st->rss),
                 s_mb(st->limit));
    return 1;
}
