/*
 * sim_world.h — running one seed's world to its end (sim_world.c), for
 * the simulator's command line (sim_main.c).
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t events, messages;
    int64_t virtual_ms;
    int workers, clients, faults, restarts;
    char outcomes[16];          /* each client's: 'd'one, 'f'ailed, 'c'ancelled, 'l'ost */
} sim_stats_t;

/*
 * Runs seed: 0 when every invariant held, -1 with why (and the last lines
 * of the trace printed to stderr). verbose prints every event as it happens.
 */
int sim_run(uint64_t seed, int verbose, sim_stats_t *stats, char *why, size_t why_len);

#endif
