/* sch_paused.c — is every worker paused with nothing left to run? */
#include "sch_paused.h"

#include <stdio.h>

int sch_paused_stalled(const sch_jobs_t *j, char *why, size_t len)
{
    size_t n = sch_jobs_nworkers(j);
    if (n == 0)
        return 0;
    for (size_t k = 0; k < n; k++) {
        const sch_worker_t *w = sch_jobs_worker_at(j, k);
        if (!w->info.paused || w->running > 0 || w->stale > 0 || w->incoming)
            return 0; /* something may still end and free memory */
        if (sch_jobs_now(j) - w->last_seen_ms > SCH_PAUSED_FRESH_MS)
            return 0; /* its pause is old news: it may be dead, or about to speak */
    }
    size_t at = 0;
    for (size_t k = 0; k < n && at < len; k++) {
        const sch_worker_t *w = sch_jobs_worker_at(j, k);
        int wrote = snprintf(why + at, len - at, "%s'%s' RSS %.1f MB of %.1f MB (%.1f MB held, "
                             "%.1f MB spilled)", k ? "; " : "", w->info.name,
                             (double)w->info.memory_used / 1e6,
                             (double)w->info.memory_limit / 1e6, (double)w->info.held / 1e6,
                             (double)w->info.spilled / 1e6);
        if (wrote < 0)
            break;
        at += (size_t)wrote;
    }
    return 1;
}

int64_t sch_paused_unstall(sch_jobs_t *j, int64_t stalled_since)
{
    char why[DSK_TEXT_MAX / 2] = "";
    if (!sch_paused_stalled(j, why, sizeof why))
        return 0;
    int64_t now = sch_jobs_now(j);
    if (!stalled_since)
        return now;
    if (now - stalled_since < SCH_PAUSED_GRACE_MS)
        return stalled_since;
    sch_job_t *oldest = sch_jobs_oldest_active(j);
    if (!oldest)
        return stalled_since;
    sch_jobs_finish(j, oldest, DSK_JOB_FAILED, "every worker is paused past 85%% of its "
                    "--memory-limit with nothing running and nothing left to spill, for %d s: "
                    "%s; raise the limits or add workers", SCH_PAUSED_GRACE_MS / 1000, why);
    return 0; /* the next job, if any, gets a grace period of its own */
}
