/* sch_blobs.c — datasets, jobs and models by key, and who holds them. */
#include "sch_blobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_log.h"

struct sch_blobs {
    sch_registry_t *workers;
    sch_send_fn send;
    void *arg;
    sch_blob_t *head;
};

sch_blobs_t *sch_blobs_new(sch_registry_t *workers, sch_send_fn send, void *arg)
{
    sch_blobs_t *b = dsk_xcalloc(1, sizeof *b);
    b->workers = workers;
    b->send = send;
    b->arg = arg;
    return b;
}

static void s_blob_free(sch_blob_t *blob)
{
    if (blob->release)
        blob->release(blob->bytes, blob->len);
    else
        free(blob->bytes);
    if (blob->obj && blob->obj_free)
        blob->obj_free(blob->obj);
    sch_ids_clear(&blob->holders);
    free(blob);
}

void sch_blobs_destroy(sch_blobs_t **b_p)
{
    sch_blobs_t *b = *b_p;
    if (!b)
        return;
    while (b->head) {
        sch_blob_t *blob = b->head;
        b->head = blob->next;
        s_blob_free(blob);
    }
    free(b);
    *b_p = NULL;
}

sch_blob_t *sch_blobs_get(sch_blobs_t *b, const char *key, uint32_t kind, unsigned char *bytes,
                          size_t len, uint64_t mem, void *obj, void (*obj_free)(void *))
{
    for (sch_blob_t *blob = b->head; blob; blob = blob->next)
        if (blob->kind == kind && strcmp(blob->key, key) == 0) {
            free(bytes);
            if (obj && obj_free)
                obj_free(obj);
            blob->refs++;
            return blob;
        }
    sch_blob_t *blob = dsk_xcalloc(1, sizeof *blob);
    snprintf(blob->key, sizeof blob->key, "%s", key);
    blob->kind = kind;
    blob->bytes = bytes;
    blob->len = len;
    blob->mem = mem;
    blob->obj = obj;
    blob->obj_free = obj_free;
    blob->refs = 1;
    blob->next = b->head;
    b->head = blob;
    return blob;
}

int sch_blobs_rehome(sch_blobs_t *b, const char *key, uint32_t kind, unsigned char *bytes,
                     size_t len, void (*release)(unsigned char *bytes, size_t len))
{
    for (sch_blob_t *blob = b->head; blob; blob = blob->next)
        if (blob->kind == kind && strcmp(blob->key, key) == 0 && blob->len == len) {
            if (blob->release)
                blob->release(blob->bytes, blob->len);
            else
                free(blob->bytes);
            blob->bytes = bytes;
            blob->release = release;
            return DSK_OK;
        }
    return DSK_ENOTFOUND;
}

void sch_blobs_unref(sch_blobs_t *b, sch_blob_t **blob_p)
{
    sch_blob_t *blob = *blob_p;
    *blob_p = NULL;
    if (!blob || --blob->refs > 0)
        return;
    for (int i = 0; i < blob->holders.n; i++) {
        sch_worker_t *w = sch_registry_by_id(b->workers, blob->holders.ids[i]);
        if (!w)
            continue;
        dsk_msg_t m = {.type = DSK_MSG_FREE};
        snprintf(m.u.free_.key, sizeof m.u.free_.key, "%s", blob->key);
        b->send(b->arg, &w->peer, &m);
        w->held -= blob->mem;
    }
    for (sch_blob_t **p = &b->head; *p; p = &(*p)->next)
        if (*p == blob) {
            *p = blob->next;
            break;
        }
    s_blob_free(blob);
}

void sch_blobs_place(sch_blobs_t *b, sch_blob_t *blob, sch_worker_t *w)
{
    if (!sch_ids_add(&blob->holders, w->id))
        return;
    dsk_msg_t m = {.type = DSK_MSG_DATA_PUT};
    snprintf(m.u.data_put.key, sizeof m.u.data_put.key, "%s", blob->key);
    m.u.data_put.data = (dsk_bytes_t){.data = blob->bytes, .len = blob->len};
    m.u.data_put.kind = blob->kind;
    b->send(b->arg, &w->peer, &m);
    w->held += blob->mem;
    if (blob->kind == DSK_DATA_DATASET)
        dsk_info("placed data %s (%zu bytes) on worker '%s'", blob->key, blob->len, w->info.name);
}

void sch_blobs_worker_lost(sch_blobs_t *b, uint64_t w)
{
    for (sch_blob_t *blob = b->head; blob; blob = blob->next)
        sch_ids_remove(&blob->holders, w);
}

void sch_blobs_forget(sch_blobs_t *b, sch_blob_t *blob, sch_worker_t *w)
{
    if (sch_ids_remove(&blob->holders, w->id))
        w->held -= blob->mem;
}

uint64_t sch_blobs_held_on(const sch_blobs_t *b, uint64_t w)
{
    uint64_t n = 0;
    for (const sch_blob_t *blob = b->head; blob; blob = blob->next)
        if (sch_ids_has(&blob->holders, w))
            n += blob->mem;
    return n;
}

size_t sch_blobs_count(const sch_blobs_t *b)
{
    size_t n = 0;
    for (const sch_blob_t *blob = b->head; blob; blob = blob->next)
        n++;
    return n;
}
