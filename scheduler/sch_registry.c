/* sch_registry.c — live workers, in registration order. */
#include "sch_registry.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"

struct sch_registry {
    sch_worker_t **workers;
    size_t count, cap;
    uint64_t next_id;
};

sch_registry_t *sch_registry_new(uint64_t first_id)
{
    sch_registry_t *reg = dsk_xcalloc(1, sizeof *reg);
    reg->next_id = first_id ? first_id : 1;
    return reg;
}

void sch_registry_destroy(sch_registry_t **reg_p)
{
    sch_registry_t *reg = *reg_p;
    if (!reg)
        return;
    for (size_t i = 0; i < reg->count; i++)
        free(reg->workers[i]);
    free(reg->workers);
    free(reg);
    *reg_p = NULL;
}

sch_worker_t *sch_registry_add(sch_registry_t *reg, const dsk_peer_id_t *peer,
                               const dsk_msg_register_t *hello,
                               const char *address, int64_t now_ms)
{
    if (reg->count == reg->cap) {
        reg->cap = reg->cap ? reg->cap * 2 : 16;
        reg->workers = dsk_xrealloc(reg->workers, reg->cap, sizeof *reg->workers);
    }
    sch_worker_t *w = dsk_xcalloc(1, sizeof *w);
    w->id = reg->next_id++;
    w->peer = *peer;
    w->instance = hello->instance;
    w->connection = hello->connection;
    memcpy(w->info.name, hello->name, sizeof w->info.name);
    memcpy(w->info.host, hello->host, sizeof w->info.host);
    strncpy(w->info.address, address, sizeof w->info.address - 1);
    w->info.pid = hello->pid;
    w->info.nthreads = hello->nthreads;
    w->info.memory_limit = hello->memory_limit;
    w->registered_ms = w->last_seen_ms = w->last_answer_ms = w->cpu_moved_ms = now_ms;
    reg->workers[reg->count++] = w;
    return w;
}

void sch_registry_remove(sch_registry_t *reg, sch_worker_t *worker)
{
    for (size_t i = 0; i < reg->count; i++)
        if (reg->workers[i] == worker) {
            memmove(&reg->workers[i], &reg->workers[i + 1],
                    (reg->count - i - 1) * sizeof *reg->workers);
            reg->count--;
            free(worker);
            return;
        }
}

sch_worker_t *sch_registry_by_peer(const sch_registry_t *reg, const dsk_peer_id_t *peer)
{
    for (size_t i = 0; i < reg->count; i++) {
        sch_worker_t *w = reg->workers[i];
        if (dsk_peer_same(&w->peer, peer) || dsk_peer_same(&w->heartbeats, peer))
            return w;
    }
    return NULL;
}

sch_worker_t *sch_registry_by_id(const sch_registry_t *reg, uint64_t id)
{
    for (size_t i = 0; i < reg->count; i++)
        if (reg->workers[i]->id == id)
            return reg->workers[i];
    return NULL;
}

sch_worker_t *sch_registry_by_name(const sch_registry_t *reg, const char *name)
{
    for (size_t i = 0; i < reg->count; i++)
        if (strcmp(reg->workers[i]->info.name, name) == 0)
            return reg->workers[i];
    return NULL;
}

size_t sch_registry_count(const sch_registry_t *reg) { return reg->count; }

sch_worker_t *sch_registry_at(const sch_registry_t *reg, size_t i)
{
    return i < reg->count ? reg->workers[i] : NULL;
}
