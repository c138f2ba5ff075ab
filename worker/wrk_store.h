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
 * Ownership: the store owns every object put into it (put takes it);
 * get returns a borrowed pointer, valid while the entry is pinned or until
 * the loop thread frees it. Used from the worker's loop thread only.
 */
#ifndef WRK_STORE_H
#define WRK_STORE_H

#include <msgpack.h>
#include <stddef.h>

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
                   int (*pack)(const void *obj, msgpack_sbuffer *sbuf));
/* What key holds, as bytes for another worker: DSK_ENOTFOUND, or DSK_EINVAL when it cannot move. */
int wrk_store_pack(const wrk_store_t *s, const char *key, msgpack_sbuffer *sbuf);
/* The object of that kind under key, or NULL. */
void *wrk_store_get(const wrk_store_t *s, const char *key, int kind);
/* Whether key is held, whatever its kind (not counting entries freed while pinned). */
int wrk_store_has(const wrk_store_t *s, const char *key);
/* Calls fn for every live entry (for the simulator's checks). */
void wrk_store_each(const wrk_store_t *s, void (*fn)(void *arg, const char *key, int kind,
                                                    size_t bytes, int refs, int pins),
                    void *arg);
/*
 * Pins the object of that kind under key for a task and returns the pin
 * (NULL when it is not held); wrk_store_unpin lets go of that very entry,
 * even if it was freed, or dropped by wrk_store_clear, and the same key
 * placed again since.
 */
typedef struct wrk_pin wrk_pin_t;
wrk_pin_t *wrk_store_pin(wrk_store_t *s, const char *key, int kind);
const void *wrk_pin_obj(const wrk_pin_t *pin);
void wrk_store_unpin(wrk_store_t *s, wrk_pin_t *pin);
/* Drops one reference to key; the last drops the object now, or at its last unpin. */
void wrk_store_free(wrk_store_t *s, const char *key);
/* Drops everything not pinned (a new scheduler session). */
void wrk_store_clear(wrk_store_t *s);
size_t wrk_store_bytes(const wrk_store_t *s);
size_t wrk_store_count(const wrk_store_t *s);

#endif
