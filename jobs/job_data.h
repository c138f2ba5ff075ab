/*
 * job_data.h — datasets and data as bytes: what the client scatters
 * and workers hand each other. Versioned msgpack, self-describing, decoded
 * with every count checked against the bytes left (dsk_mp_check first), so
 * a corrupt or truncated buffer is a clear error, never a crash.
 *
 *   dataset: {"dsk_dataset": 1, "X": <data>, "y": bin int32 LE | nil,
 *             "n_classes": int, "target_names": [str...], "filenames": [str...] | nil,
 *             "labels_kind": int (ml_labels_kind_t: what the codes stand for; absent: 0)}
 *   data:    {"kind": "text", "n": int, "docs": [bin...]}
 *          | {"kind": "dense", "rows": int, "cols": int, ["dtype": str,] "data": bin}
 *          | {"kind": "csr", "rows": int, "cols": int, "indptr": bin int64 LE,
 *             "indices": bin int32 LE, ["dtype": str,] "data": bin}
 *
 * A matrix's values are float64 LE, or with "dtype" "f4" float32 LE or "u1"
 * bytes: the packer takes the narrowest type that holds every value
 * exactly, so the doubles unpacked are the doubles packed, bit for bit.
 *
 * The content key of a buffer is dsk's hash of its bytes (XXH3 128-bit as
 * 32 hex digits): equal bytes, equal key, on every machine.
 *
 * Ownership: pack functions append to the caller's sbuffer; unpack
 * functions return new objects the caller owns.
 */
#ifndef JOB_DATA_H
#define JOB_DATA_H

#include <msgpack.h>
#include <stddef.h>

#include "dsk_error.h"
#include "ml_data.h"

#define JOB_KEY_LEN 32 /* hex digits of a content key, without the NUL */

int job_data_pack(const ml_data_t *d, msgpack_packer *pk);
int job_dataset_pack(const ml_dataset_t *ds, msgpack_sbuffer *sbuf);
/* From a msgpack object (inside a bigger message); what names it in errors. */
int job_data_unpack_obj(const msgpack_object *o, const char *what, ml_data_t **out, char *err);
/* From len bytes holding one packed dataset / data. */
int job_dataset_unpack(const void *buf, size_t len, const char *what, ml_dataset_t **out,
                      char *err);
int job_data_unpack(const void *buf, size_t len, const char *what, ml_data_t **out, char *err);
/*
 * The rows of len bytes holding one packed dataset, read from its header
 * without copying its arrays (a predict chunk's size, for throughput), or
 * -1 when the bytes are not one.
 */
int64_t job_dataset_rows(const void *buf, size_t len);
/* Bytes the object holds in memory (for a worker's memory accounting). */
size_t job_data_bytes(const ml_data_t *d);
size_t job_dataset_bytes(const ml_dataset_t *ds);
/* The content key of len bytes, NUL-terminated into key[JOB_KEY_LEN + 1]. */
void job_content_key(const void *buf, size_t len, char *key);

#endif
