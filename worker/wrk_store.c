/* wrk_store.c — keyed objects with their sizes; a worker holds a handful, so a list. */
#include "wrk_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "dsk_log.h"
#include "dsk_msg.h"

struct wrk_pin {
    char *key;
    int kind;
    void *obj;
    void (*destroy)(void *);
    int (*pack)(const void *, msgpack_packer *);
    size_t bytes;
    int refs;               /* puts not yet freed: tasks of several jobs may make the same key */
    int pins;
    int doomed;             /* freed while pinned: destroy at the last unpin */
    int spilled;            /* obj destroyed, its bytes in spill file spill_id */
    uint64_t spill_id;      /* its spill file (0: none), kept while the entry lives */
    uint64_t used;          /* the store's clock at its last put or pin: least recent spills first */
    struct wrk_pin *next;
};
typedef struct wrk_pin s_entry_t;

struct wrk_store {
    s_entry_t *head;
    size_t bytes, spilled, count;
    uint64_t clock;
    wrk_spill_t *spill;     /* borrowed; NULL: nothing spills */
    wrk_unpack_fn unpack;
    void *unpack_arg;
};

wrk_store_t *wrk_store_new(void) { return dsk_xcalloc(1, sizeof(wrk_store_t)); }

static s_entry_t **s_find(wrk_store_t *s, const char *key)
{
    s_entry_t **e = &s->head;
    while (*e && ((*e)->doomed || strcmp((*e)->key, key) != 0))
        e = &(*e)->next;
    return e;
}

static void s_drop(wrk_store_t *s, s_entry_t **link)
{
    s_entry_t *e = *link;
    *link = e->next;
    if (e->spilled) {
        s->spilled -= e->bytes;
    } else {
        if (e->destroy)
            e->destroy(e->obj);
        s->bytes -= e->bytes;
    }
    if (e->spill_id)
        wrk_spill_remove(s->spill, e->spill_id);
    s->count--;
    free(e->key);
    free(e);
}

void wrk_store_put(wrk_store_t *s, const char *key, int kind, void *obj,
                   void (*destroy)(void *), size_t bytes,
                   int (*pack)(const void *obj, msgpack_packer *pk))
{
    s_entry_t **have = s_find(s, key);
    if (*have) { /* equal keys, equal content: keep one, count both */
        (*have)->refs++;
        (*have)->used = ++s->clock;
        if (destroy)
            destroy(obj);
        return;
    }
    s_entry_t *e = dsk_xcalloc(1, sizeof *e);
    e->refs = 1;
    e->key = dsk_xstrdup(key);
    e->kind = kind;
    e->obj = obj;
    e->destroy = destroy;
    e->pack = pack;
    e->bytes = bytes;
    e->used = ++s->clock;
    e->next = s->head;
    s->head = e;
    s->bytes += bytes;
    s->count++;
}

void *wrk_store_get(const wrk_store_t *s, const char *key, int kind)
{
    s_entry_t **e = s_find((wrk_store_t *)s, key);
    return *e && (*e)->kind == kind && !(*e)->spilled ? (*e)->obj : NULL;
}

int wrk_store_is_spilled(const wrk_store_t *s, const char *key)
{
    s_entry_t **e = s_find((wrk_store_t *)s, key);
    return *e && (*e)->spilled;
}

int wrk_store_has(const wrk_store_t *s, const char *key)
{
    return *s_find((wrk_store_t *)s, key) != NULL;
}

void wrk_store_each(const wrk_store_t *s, void (*fn)(void *arg, const char *key, int kind,
                                                    size_t bytes, int refs, int pins),
                    void *arg)
{
    for (const s_entry_t *e = s->head; e; e = e->next)
        if (!e->doomed)
            fn(arg, e->key, e->kind, e->bytes, e->refs, e->pins);
}

static int s_copy_body(void *arg, const void *body, size_t len, char *err)
{
    return msgpack_sbuffer_write(arg, body, len) ? dsk_seterr(err, DSK_ENOMEM, "out of memory")
                                                 : DSK_OK;
}

/* A spilled output's file holds what its pack wrote: sent as it is, never unpacked. */
int wrk_store_pack(const wrk_store_t *s, const char *key, msgpack_sbuffer *sbuf)
{
    s_entry_t **e = s_find((wrk_store_t *)s, key);
    if (!*e)
        return DSK_ENOTFOUND;
    if (!(*e)->pack)
        return DSK_EINVAL;
    if ((*e)->spilled) {
        char err[DSK_ERR_LEN];
        int rc = wrk_spill_read(s->spill, (*e)->spill_id, key, s_copy_body, sbuf, err);
        if (rc < 0)
            dsk_error("cannot send %s: %s", key, err);
        return rc < 0 ? DSK_ENOTFOUND : DSK_OK;
    }
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    return (*e)->pack((*e)->obj, &pk) ? DSK_ETOOBIG : DSK_OK;
}

typedef struct {
    wrk_store_t *s;
    void *obj;
} s_readback_t;

static int s_unpack_body(void *arg, const void *body, size_t len, char *err)
{
    s_readback_t *r = arg;
    return r->s->unpack(r->s->unpack_arg, body, len, &r->obj, err);
}

/*
 * A spilled entry back in memory. Its file is kept: should it spill again
 * it is dropped without a write. One that cannot be read is dropped
 * whole, as though it had never been held (a spilled entry has no pins:
 * pinned ones never spill, and a pin reads back first).
 */
static int s_read_back(wrk_store_t *s, s_entry_t **link, char *err)
{
    s_entry_t *e = *link;
    s_readback_t r = {s, NULL};
    int rc = wrk_spill_read(s->spill, e->spill_id, e->key, s_unpack_body, &r, err);
    if (rc < 0) {
        dsk_error("spilled output %s cannot be read back: %s", e->key, err);
        s_drop(s, link);
        return rc;
    }
    e->obj = r.obj;
    e->spilled = 0;
    s->spilled -= e->bytes;
    s->bytes += e->bytes;
    dsk_debug("read back %s (%zu bytes)", e->key, e->bytes);
    return DSK_OK;
}

int wrk_store_pin(wrk_store_t *s, const char *key, int kind, wrk_pin_t **pin, char *err)
{
    *pin = NULL;
    s_entry_t **e = s_find(s, key);
    if (!*e || (*e)->kind != kind)
        return dsk_seterr(err, DSK_ENOTFOUND, "%s is not held", key);
    if ((*e)->spilled) {
        int rc = s_read_back(s, e, err);
        if (rc < 0)
            return rc;
    }
    (*e)->pins++;
    (*e)->used = ++s->clock;
    *pin = *e;
    return DSK_OK;
}

const void *wrk_pin_obj(const wrk_pin_t *pin) { return pin->obj; }

void wrk_store_unpin(wrk_store_t *s, wrk_pin_t *pin)
{
    for (s_entry_t **e = &s->head; *e; e = &(*e)->next)
        if (*e == pin) {
            if (--pin->pins == 0 && pin->doomed)
                s_drop(s, e);
            return;
        }
}

void wrk_store_free(wrk_store_t *s, const char *key)
{
    s_entry_t **e = s_find(s, key);
    if (!*e || --(*e)->refs > 0)
        return;
    if ((*e)->pins)
        (*e)->doomed = 1;
    else
        s_drop(s, e);
}

void wrk_store_clear(wrk_store_t *s)
{
    for (s_entry_t **e = &s->head; *e;) {
        if ((*e)->pins) {
            (*e)->doomed = 1;
            e = &(*e)->next;
        } else {
            s_drop(s, e);
        }
    }
}

void wrk_store_set_spill(wrk_store_t *s, wrk_spill_t *spill, wrk_unpack_fn unpack, void *arg)
{
    s->spill = spill;
    s->unpack = unpack;
    s->unpack_arg = arg;
}

/* The least recently used entry that may spill: an output, movable, in memory, unpinned. */
static s_entry_t *s_spill_candidate(wrk_store_t *s)
{
    s_entry_t *best = NULL;
    for (s_entry_t *e = s->head; e; e = e->next)
        if (e->kind == DSK_DATA_OUTPUT && e->pack && !e->spilled && !e->pins && !e->doomed &&
            (!best || e->used < best->used))
            best = e;
    return best;
}

/* Writes e's bytes to disk unless they are there already, then lets its object go. */
static int s_spill_one(wrk_store_t *s, s_entry_t *e)
{
    if (!e->spill_id) {
        char err[DSK_ERR_LEN];
        int rc = wrk_spill_write(s->spill, e->key, e->pack, e->obj, &e->spill_id, err);
        if (rc < 0) {
            dsk_warn("cannot spill %s (%zu bytes), keeping it in memory: %s", e->key, e->bytes,
                     err);
            return rc;
        }
    }
    if (e->destroy)
        e->destroy(e->obj);
    e->obj = NULL;
    e->spilled = 1;
    s->bytes -= e->bytes;
    s->spilled += e->bytes;
    dsk_debug("spilled %s (%zu bytes)", e->key, e->bytes);
    return DSK_OK;
}

size_t wrk_store_spill(wrk_store_t *s, size_t want)
{
    size_t freed = 0;
    s_entry_t *e;
    while (s->spill && freed < want && (e = s_spill_candidate(s))) {
        if (s_spill_one(s, e) < 0)
            break;
        freed += e->bytes;
    }
    return freed;
}

size_t wrk_store_bytes(const wrk_store_t *s) { return s->bytes; }

size_t wrk_store_size_of(const wrk_store_t *s, const char *key)
{
    s_entry_t **e = s_find((wrk_store_t *)s, key);
    return *e ? (*e)->bytes : 0;
}
size_t wrk_store_spilled(const wrk_store_t *s) { return s->spilled; }
size_t wrk_store_count(const wrk_store_t *s) { return s->count; }

void wrk_store_destroy(wrk_store_t **store_p)
{
    wrk_store_t *s = *store_p;
    if (!s)
        return;
    while (s->head)
        s_drop(s, &s->head);
    free(s);
    *store_p = NULL;
}
