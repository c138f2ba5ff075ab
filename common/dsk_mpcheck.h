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
 */
#ifndef DSK_MPCHECK_H
#define DSK_MPCHECK_H

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

#endif
