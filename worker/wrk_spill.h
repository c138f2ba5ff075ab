/*
 * wrk_spill.h — the worker's spill directory: task outputs written to disk
 * when the worker nears its memory limit, read back when a task needs them.
 *
 * Each worker process makes a private directory of its own under the
 * configured one (spill-dir, "dskd-worker-PID-XXXXXX"), so two workers
 * sharing a disk never read each other's files, and removes it with every
 * file in it when it is destroyed. One left behind by a worker that was
 * killed is removed by the next worker started on the same directory (the
 * PID in its name no longer runs). A file is named by a number the spill
 * hands out, not by its key: keys come from the wire and must never become
 * paths.
 *
 * A file holds a header (a magic, the key, the body's length and its
 * XXH64) and the body: the output exactly as its pack function wrote it,
 * so a spilled output can also be sent to another worker (FETCH) without
 * being unpacked. Reading checks all of it: a missing, truncated or
 * corrupted file, or one written for another key, is an error naming the
 * file, never a crash.
 *
 * Ownership: the caller owns the spill. Used from the worker's loop thread
 * only.
 */
#ifndef WRK_SPILL_H
#define WRK_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "dsk_error.h"

typedef struct wrk_spill wrk_spill_t;

/* A private directory under dir (made if missing), or NULL with err. */
wrk_spill_t *wrk_spill_new(const char *dir, char *err);
/* Removes every file written and not yet removed, and the private directory. */
void wrk_spill_destroy(wrk_spill_t **spill_p);
/* The private directory's path. */
const char *wrk_spill_path(const wrk_spill_t *spill);

/*
 * Writes what pack(obj) packs as key's file, through a small buffer as it
 * is packed: spilling an output costs no second copy of it in memory, as
 * packing it whole first would (twice its size, while a buffer grows), at
 * the moment memory is short. *id names the file from now on (never 0).
 * DSK_EIO with err (the file removed again) when the disk refuses,
 * DSK_ETOOBIG when pack fails.
 */
int wrk_spill_write(wrk_spill_t *spill, const char *key,
                    int (*pack)(const void *obj, msgpack_packer *pk), const void *obj,
                    uint64_t *id, char *err);
/*
 * Maps file id, checks it was written for key and is whole, and calls
 * use(arg, body, len) on its body, which is valid only during the call.
 * Returns use's result, or DSK_EIO / DSK_EPROTO with err when the file is
 * missing, short or corrupted.
 */
int wrk_spill_read(wrk_spill_t *spill, uint64_t id, const char *key,
                   int (*use)(void *arg, const void *body, size_t len, char *err), void *arg,
                   char *err);
/* Deletes file id (nothing if it is already gone). */
void wrk_spill_remove(wrk_spill_t *spill, uint64_t id);
/* The file's name for id, for messages and tests (buf of at least 4096 bytes). */
void wrk_spill_file(const wrk_spill_t *spill, uint64_t id, char *buf, size_t len);
/* Bytes of the files written and not removed (headers included). */
uint64_t wrk_spill_disk_bytes(const wrk_spill_t *spill);

#endif
