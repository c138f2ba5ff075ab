/* wrk_store.c — keyed objects with their sizes; a worker holds a handful, so a list. */
#include "wrk_store.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_error.h"

struct wrk_pin {
    char *key;
    int kind;
    void *obj;
    void (*destroy)(void *);
    int (*pack)(const void *, msgpack_sbuffer *);
    size_t bytes;
    int refs;               /* puts not yet freed: tasks of several jobs may make the same key */
    int pins;
    int doomed;             /* freed while pinned: destroy at the last unpin */
    struct wrk_pin *next;
};
typedef struct wrk_pin s_entry_t;

struct wrk_store {
    s_entry_t *head;
    size_t bytes, count;
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
    if (e->destroy)
        e->destroy(e->obj);
    s->bytes -= e->bytes;
    s->count--;
    free(e->key);
    free(e);
}

void wrk_store_put(wrk_store_t *s, const char *key, int kind, void *obj,
                   void (*destroy)(void *), size_t bytes,
                   int (*pack)(const void *obj, msgpack_sbuffer *sbuf))
{
    s_entry_t **have = s_find(s, key);
    if (*have) { /* equal keys, equal content: keep one, count both */
        (*have)->refs++;
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
    e->next = s->head;
    s->head = e;
    s->bytes += bytes;
    s->count++;
}

void *wrk_store_get(const wrk_store_t *s, const char *key, int kind)
{
    s_entry_t **e = s_find((wrk_store_t *)s, key);
    return *e && (*e)->kind == kind ? (*e)->obj : NULL;
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

int wrk_store_pack(const wrk_store_t *s, const char *key, msgpack_sbuffer *sbuf)
{
    s_entry_t **e = s_find((wrk_store_t *)s, key);
    if (!*e)
        return DSK_ENOTFOUND;
    if (!(*e)->pack)
        return DSK_EINVAL;
    return (*e)->pack((*e)->obj, sbuf) ? DSK_ETOOBIG : DSK_OK;
}

wrk_pin_t *wrk_store_pin(wrk_store_t *s, const char *key, int kind)
{
    s_entry_t **e = s_find(s, key);
    if (!*e || (*e)->kind != kind)
        return NULL;
    (*e)->pins++;
    return *e;
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

size_t wrk_store_bytes(const wrk_store_t *s) { return s->bytes; }
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
