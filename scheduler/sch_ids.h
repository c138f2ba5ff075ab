/*
 * sch_ids.h — a small set of worker ids: who holds a dataset, a job or a
 * task's output. Sets are a handful of elements (the replicas of one
 * thing), kept in insertion order, so a scan is the fastest lookup and the
 * order is the same on every run (the simulator replays it).
 *
 * Ownership: the set owns its array; sch_ids_clear frees it.
 */
#ifndef SCH_IDS_H
#define SCH_IDS_H

#include <stdint.h>

typedef struct {
    uint64_t *ids;
    int n, cap;
} sch_ids_t;

int sch_ids_has(const sch_ids_t *s, uint64_t id);
/* Adds id unless present; returns 1 when it was added. */
int sch_ids_add(sch_ids_t *s, uint64_t id);
/* Removes id if present (keeping the others' order); returns 1 when it was there. */
int sch_ids_remove(sch_ids_t *s, uint64_t id);
void sch_ids_clear(sch_ids_t *s);

#endif
