/*
 * dsk-sim — the deterministic simulator's command line.
 *
 *   dsk-sim [--seeds N] [--from S] [--jobs J]   run seeds S .. S+N-1 (J processes)
 *   dsk-sim --seed S [--trace]                  replay one seed (every event printed)
 *
 * Exit status 0 when every invariant held in every seed; 1 at the first
 * seed that broke one, after printing the seed, the invariant, the end of
 * its trace and the command that replays it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dsk_error.h"
#include "dsk_log.h"
#include "sim_world.h"

typedef struct {
    uint64_t runs, events, messages, faults, restarts;
    int64_t virtual_ms;
    uint64_t outcomes[128];
    int max_workers;
} s_sum_t;

static void s_usage(void)
{
    fprintf(stderr, "usage: dsk-sim [--seeds N] [--from S] [--jobs J] | --seed S [--trace]\n");
}

/* Seeds from, from + step, ... below from + n; 0 or 1 at the first failure. */
static int s_run_seeds(uint64_t from, uint64_t n, uint64_t step, int verbose, s_sum_t *sum)
{
    for (uint64_t seed = from; seed < from + n; seed += step) {
        sim_stats_t st;
        char why[DSK_ERR_LEN];
        if (sim_run(seed, verbose, &st, why, sizeof why) < 0) {
            fprintf(stderr, "dsk-sim: seed %" PRIu64 ": invariant broken: %s\n", seed, why);
            fprintf(stderr, "dsk-sim: replay it with: dsk-sim --seed %" PRIu64 " --trace\n",
                    seed);
            return 1;
        }
        sum->runs++;
        sum->events += st.events;
        sum->messages += st.messages;
        sum->faults += (uint64_t)st.faults;
        sum->restarts += (uint64_t)st.restarts;
        sum->virtual_ms += st.virtual_ms;
        if (st.workers > sum->max_workers)
            sum->max_workers = st.workers;
        for (int i = 0; st.outcomes[i]; i++)
            sum->outcomes[(unsigned char)st.outcomes[i] & 127]++;
    }
    return 0;
}

static void s_print(const char *who, const s_sum_t *s)
{
    printf("%s%" PRIu64 " seeds: every invariant held; %" PRIu64 " events, %" PRIu64
           " messages, %.1f virtual hours, %" PRIu64 " faults (%" PRIu64 " scheduler restarts), "
           "up to %d workers; jobs done %" PRIu64 ", failed with a named reason %" PRIu64
           ", cancelled %" PRIu64 ", lost to a restart %" PRIu64 "\n",
           who, s->runs, s->events, s->messages, (double)s->virtual_ms / 3.6e6, s->faults,
           s->restarts, s->max_workers, s->outcomes['d'], s->outcomes['f'], s->outcomes['c'],
           s->outcomes['l']);
}

int main(int argc, char **argv)
{
    uint64_t from = 1, n = 100, one = 0;
    int jobs = 1, trace = 0, have_one = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--seeds") == 0 && v) {
            n = strtoull(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--from") == 0 && v) {
            from = strtoull(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--jobs") == 0 && v) {
            jobs = atoi(v);
            i++;
        } else if (strcmp(a, "--seed") == 0 && v) {
            one = strtoull(v, NULL, 10);
            have_one = 1;
            i++;
        } else if (strcmp(a, "--trace") == 0) {
            trace = 1;
        } else {
            s_usage();
            return 2;
        }
    }
    dsk_log_init("dsk-sim");
    /* the engine's own log joins the trace: info, or everything with DSK_SIM_DEBUG set */
    dsk_log_set_level(!trace ? DSK_LOG_OFF : getenv("DSK_SIM_DEBUG") ? DSK_LOG_DEBUG : DSK_LOG_INFO);
    s_sum_t sum = {0};
    if (have_one) {
        int rc = s_run_seeds(one, 1, 1, trace, &sum);
        if (rc == 0)
            s_print("", &sum);
        return rc;
    }
    if (jobs <= 1) {
        int rc = s_run_seeds(from, n, 1, 0, &sum);
        if (rc == 0)
            s_print("", &sum);
        return rc;
    }
    /* J processes, each every J-th seed; each prints its own summary */
    for (int k = 0; k < jobs; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            char who[64];
            snprintf(who, sizeof who, "dsk-sim [%d/%d]: ", k + 1, jobs);
            int rc = s_run_seeds(from + (uint64_t)k, n > (uint64_t)k ? n - (uint64_t)k : 0,
                                 (uint64_t)jobs, 0, &sum);
            if (rc == 0)
                s_print(who, &sum);
            fflush(stdout);
            _exit(rc);
        }
    }
    int failed = 0, st;
    while (wait(&st) > 0)
        failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    return failed;
}
