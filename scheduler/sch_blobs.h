/*
 * sch_blobs.h — what the scheduler holds a copy of and places on workers
 * by content key: datasets (from SUBMIT), a search's job (its steps,
 * candidates and folds, job_spec.h) and predict models. Jobs with equal
 * bytes share one blob (references counted); a worker gets a blob once
 * (DATA_PUT), and one FREE when the last job using it lets go, which is
 * what the worker's store counts (one FREE per DATA_PUT). Each placement
 * adds the blob's size to what the scheduler counts its worker holds.
 *
 * Ownership: the table owns its blobs; a job holds a reference from
 * sch_blobs_get until sch_blobs_unref. Loop thread only.
 */
#ifndef SCH_BLOBS_H
#define SCH_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_msg.h"
#include "sch_ids.h"
#include "sch_registry.h"

typedef struct sch_blob {
    char key[DSK_KEY_MAX + 1];
    uint32_t kind;              /* DSK_DATA_* */
    unsigned char *bytes;
    size_t len;
    void (*release)(unsigned char *bytes, size_t len); /* NULL: bytes are malloc's */
    uint64_t mem;               /* what a worker counts for holding it */
    void *obj;                  /* the bytes unpacked, for the scheduler's own use, or NULL */
    void (*obj_free)(void *obj);
    sch_ids_t holders;          /* workers it was placed on */
    int refs;                   /* jobs using it */
    struct sch_blob *next;
} sch_blob_t;

typedef struct sch_blobs sch_blobs_t;

sch_blobs_t *sch_blobs_new(sch_registry_t *workers, sch_send_fn send, void *arg);
void sch_blobs_destroy(sch_blobs_t **b_p);
/*
 * The blob under key with one more reference. A new one takes bytes and
 * obj; for a key held already they are freed (equal keys, equal bytes).
 */
sch_blob_t *sch_blobs_get(sch_blobs_t *b, const char *key, uint32_t kind, unsigned char *bytes,
                          size_t len, uint64_t mem, void *obj, void (*obj_free)(void *));
/*
 * The same bytes somewhere else (the journal's file, mapped): the blob of
 * that key and kind lets its own copy go and keeps these, handing them to
 * release at its end. 0, or DSK_ENOTFOUND (no such blob: release them).
 */
int sch_blobs_rehome(sch_blobs_t *b, const char *key, uint32_t kind, unsigned char *bytes,
                     size_t len, void (*release)(unsigned char *bytes, size_t len));
/* Drops a reference (NULLs *blob_p); the last one frees it on every holder. */
void sch_blobs_unref(sch_blobs_t *b, sch_blob_t **blob_p);
/* Sends the blob to w (unless it holds it) and counts it there. */
void sch_blobs_place(sch_blobs_t *b, sch_blob_t *blob, sch_worker_t *w);
/* w is gone: it holds nothing. */
void sch_blobs_worker_lost(sch_blobs_t *b, uint64_t w);
/* w turned out not to hold the blob (it refused a task for want of it). */
void sch_blobs_forget(sch_blobs_t *b, sch_blob_t *blob, sch_worker_t *w);
/* Bytes of blobs placed on worker w (the simulator's accounting check). */
uint64_t sch_blobs_held_on(const sch_blobs_t *b, uint64_t w);
/* Blobs placed on any worker (status). */
size_t sch_blobs_count(const sch_blobs_t *b);

#endif
