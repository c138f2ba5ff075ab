/*
 * wrk_store.h — what a worker holds by key: scattered datasets and the
 * resident outputs of tasks (a stage's counts, a prefix's matrices), with
 * the bytes each takes, so the worker reports its memory and the scheduler
 * knows where data lives.
 *
 * An entry in use by a running task is pinned (wrk_store_pin); freeing a
 * pinned entry only marks it, and the last unpin destroys it, so FREE
 * from the scheduler never pulls data from under a task.
 *
 * Each entry has a kind (DSK_DATA_*: a dataset, a model, a task output,
 * a job), so a key that names the wrong kind of object is not found rather
 * than read as something it is not.
 *
 * Spilling (wrk_spill.h): near its memory limit the worker asks the
 * store to spill; the least recently used outputs that can move (they
 * have a pack function) and that no task pins are written to disk and
 * their objects destroyed. Pinning a spilled output reads it back. Its
 * file stays until the entry goes, so spilling it again costs no write.
 * Datasets, jobs and models never spill: every task reads them.
 *
 * Ownership: the store owns every object put into it (put takes it);
 * get returns a borrowed pointer, valid while the entry is pinned or until
 * the loop thread frees it. Used from the worker's loop thread only.
 */
#ifndef WRK_STORE_H
#define WRK_STORE_H

#include <msgpack.h>
#include <stddef.h>

#include "wrk_spill.h"

typedef struct wrk_store wrk_store_t;

wrk_store_t *wrk_store_new(void);
void wrk_store_destroy(wrk_store_t **store_p);
/*
 * Keeps obj under key; destroy frees it later. Keys are content keys, so
 * a second put of a key held already (another job made the same output)
 * keeps the first object, destroys obj and counts one more reference:
 * every put is matched by one wrk_store_free.
 */
void wrk_store_put(wrk_store_t *s, const char *key, int kind, void *obj,
                   void (*destroy)(void *), size_t bytes,
                   int (*pack)(const void *obj, msgpack_packer *pk));
/* What key holds, as bytes for another worker: DSK_ENOTFOUND, or DSK_EINVAL when it cannot move. */
int wrk_store_pack(const wrk_store_t *s, const char *key, msgpack_sbuffer *sbuf);
/* The object of that kind under key, or NULL (also while it is spilled: pin it to read it back). */
void *wrk_store_get(const wrk_store_t *s, const char *key, int kind);
/* Whether key is held, whatever its kind (not counting entries freed while pinned). */
int wrk_store_has(const wrk_store_t *s, const char *key);
/* Calls fn for every live entry (for the simulator's checks). */
void wrk_store_each(const wrk_store_t *s, void (*fn)(void *arg, const char *key, int kind,
                                                    size_t bytes, int refs, int pins),
                    void *arg);
/*
 * Pins the object of that kind under key for a task into *pin, reading it
 * back first when it is spilled; wrk_store_unpin lets go of that very
 * entry, even if it was freed, or dropped by wrk_store_clear, and the same
 * key placed again since. DSK_ENOTFOUND when it is not held; when a
 * spilled output cannot be read back (its file missing or corrupted) the
 * error from wrk_spill_read, with err, and the entry is dropped: this
 * worker no longer holds it.
 */
typedef struct wrk_pin wrk_pin_t;
int wrk_store_pin(wrk_store_t *s, const char *key, int kind, wrk_pin_t **pin, char *err);
const void *wrk_pin_obj(const wrk_pin_t *pin);
void wrk_store_unpin(wrk_store_t *s, wrk_pin_t *pin);
/* Drops one reference to key; the last drops the object now, or at its last unpin. */
void wrk_store_free(wrk_store_t *s, const char *key);
/* Drops everything not pinned (a new scheduler session). */
void wrk_store_clear(wrk_store_t *s);
/* Bytes held in memory, and of outputs spilled to disk (their size in memory). */
size_t wrk_store_bytes(const wrk_store_t *s);
/* What key's object takes in memory, spilled or not (0: not held). */
size_t wrk_store_size_of(const wrk_store_t *s, const char *key);
size_t wrk_store_spilled(const wrk_store_t *s);
size_t wrk_store_count(const wrk_store_t *s);

/*
 * Bytes of a spilled output back into an object: what the entry's pack
 * wrote, unpacked (the worker's is job_output_unpack). 0, or an error
 * with err.
 */
typedef int (*wrk_unpack_fn)(void *arg, const void *buf, size_t len, void **obj, char *err);
/* Lets the store spill into spill (borrowed: it must outlive the store's entries). */
void wrk_store_set_spill(wrk_store_t *s, wrk_spill_t *spill, wrk_unpack_fn unpack, void *arg);
/*
 * Spills least recently used unpinned outputs until at least want bytes
 * have left memory, or none is left to spill; returns the bytes that left.
 * A write that fails (a full disk) is logged and stops the pass: the
 * output stays in memory.
 */
size_t wrk_store_spill(wrk_store_t *s, size_t want);
/* Whether key is held and spilled (for tests and logs). */
int wrk_store_is_spilled(const wrk_store_t *s, const char *key);

#endif
