/*
 * dsk_mpcheck.h — a bounds-checking pre-pass over untrusted msgpack bytes.
 *
 * Before any byte from the network reaches msgpack-c's unpacker, this walk
 * proves that the buffer holds exactly one well-formed msgpack object whose
 * every count and length fits in the bytes that remain (an array of n
 * elements needs at least n more bytes, a map 2n, a str/bin/ext its length),
 * nested no deeper than max_depth, with no more than max_objects objects in
 * all. That turns length bombs ("dd ff ff ff ff") and deep nesting into a
 * clear error instead of a huge allocation or a stack overflow, and bounds
 * the memory msgpack-c's zone can take for a frame. The walk is iterative
 * and allocates nothing.
 *
 * dsk_mp_unpack is the one way outside bytes become a msgpack-c object in
 * dsk: the wire's frames, job data, model files, task specs and outputs.
 */
#ifndef DSK_MPCHECK_H
#define DSK_MPCHECK_H

#include <msgpack.h>
#include <stddef.h>

#include "dsk_error.h"

/*
 * Returns 0 when buf[0..len) is exactly one valid object within the limits;
 * otherwise DSK_EPROTO (or DSK_ETOOBIG for depth/object limits) with err
 * saying what and at which byte offset, e.g.
 * "array of 4294967295 elements at offset 0 exceeds the 0 bytes left".
 */
int dsk_mp_check(const void *buf, size_t len, unsigned max_depth,
                 size_t max_objects, char *err);

/*
 * buf[0..len) as one msgpack object in *up: dsk_mp_check first, then
 * msgpack-c. *up is initialised here and the caller destroys it whatever
 * the result (up->data points into buf and up's zone). Returns 0, or
 * DSK_EPROTO, DSK_ETOOBIG or DSK_ENOMEM with err (DSK_ERR_LEN) saying
 * what is wrong.
 */
int dsk_mp_unpack(const void *buf, size_t len, unsigned max_depth, size_t max_objects,
                  msgpack_unpacked *up, char *err);

#endif
