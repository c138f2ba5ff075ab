/*
 * ml_pack.h — the msgpack pieces estimators' save/load share: parameter
 * values, arrays of numbers, map keys and the checked reads back.
 *
 * Two encodings of double arrays exist in model files and both stay
 * readable: a msgpack array of float64 (SGDClassifier) and one bin of
 * little-endian IEEE-754 bytes (SVC: exact and compact). Integers are
 * packed in msgpack's smallest form, so int32 and int64 arrays of the same
 * values are the same bytes.
 *
 * Every unpack function checks type, count and range before it allocates
 * or reads, and returns NULL / -1 / an error on anything else, so a
 * corrupt model is refused rather than read past its end.
 *
 * Ownership: pack functions only write to the packer. Arrays returned by
 * ml_unpack_* are malloc'd copies the caller frees (nothing points into
 * the msgpack zone); ml_unpack_value's result is the caller's to
 * ml_value_clear. ml_unpack_get points into the map it is given.
 */
#ifndef ML_PACK_H
#define ML_PACK_H

#include <msgpack.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_value.h"

/* All pack functions return 0, or non-zero when the packer failed. */
int ml_pack_key(msgpack_packer *pk, const char *key);
/* nil, bool, int64, float64 (a float stays a float), str, array. */
int ml_pack_value(msgpack_packer *pk, const ml_value_t *v);
/* A map of n name -> value pairs: names[i] with values[i]. */
int ml_pack_params(msgpack_packer *pk, const char *const *names, const ml_value_t *values,
                   size_t n);
/* n doubles as an array of float64. */
int ml_pack_f64s(msgpack_packer *pk, const double *a, int64_t n);
/* n doubles as one bin of 8n little-endian bytes. */
int ml_pack_f64s_bin(msgpack_packer *pk, const double *a, int64_t n);
/*
 * n elements of width bytes (at most 8) as one bin, little endian, so that
 * the bytes are the same on every machine; DSK_ETOOBIG past a bin's 4 GiB.
 * ml_le_copy converts n elements between host order and little endian (a
 * byte swap is its own inverse, so it serves both ways); memcpy also copes
 * with the unaligned bytes of a msgpack bin.
 */
int ml_pack_le(msgpack_packer *pk, const void *a, size_t n, size_t width);
void ml_le_copy(void *dst, const void *src, size_t n, size_t width);
/* n integers as an array. */
int ml_pack_i32s(msgpack_packer *pk, const int32_t *a, int64_t n);
int ml_pack_i64s(msgpack_packer *pk, const int64_t *a, int64_t n);

/* The value of key in map (a str key, compared byte for byte), or NULL
   when map is not a map or has no such key. */
const msgpack_object *ml_unpack_get(const msgpack_object *map, const char *key);
/* The inverse of ml_pack_value; maps, bin and ext are errors (DSK_EPROTO). */
int ml_unpack_value(const msgpack_object *o, ml_value_t *out, char *err);
/* An integer in [lo, hi] into *out: 0, or -1 when o is not one. */
int ml_unpack_int(const msgpack_object *o, int64_t lo, int64_t hi, int64_t *out);
/* An array of exactly n integers in [lo, hi]; NULL otherwise (or o NULL). */
int64_t *ml_unpack_i64s(const msgpack_object *o, int64_t n, int64_t lo, int64_t hi);
/* An array of exactly n numbers (floats or integers) as doubles; NULL otherwise. */
double *ml_unpack_f64s(const msgpack_object *o, int64_t n);
/* A bin of exactly 8n little-endian bytes as n doubles; NULL otherwise. */
double *ml_unpack_f64s_bin(const msgpack_object *o, int64_t n);
/* A classifier's classes_: an array of at least two strictly increasing
   int32 labels, count into *k; NULL otherwise. */
int32_t *ml_unpack_classes(const msgpack_object *o, int32_t *k);

/*
 * Sets every name -> value pair of map through set(impl, ...), so each
 * value is checked again as set_param checks it; stops at the first error.
 * A map that is not a map, a name that is not a string under 128 bytes or
 * a value ml_unpack_value refuses is DSK_EPROTO.
 */
typedef int (*ml_unpack_set_fn)(void *impl, const char *name, const ml_value_t *v,
                                char *err);
int ml_unpack_params(const msgpack_object *map, ml_unpack_set_fn set, void *impl, char *err);

#endif
