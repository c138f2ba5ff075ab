/*
 * job_input_ref.h — a predict chunk that names its rows on storage every
 * worker can read (a shared file system: dsk-submit predict
 * --input-on-workers) instead of carrying them, and the worker's side:
 * reading what it names. The client sends a path and a range; the data
 * never passes through the client or the scheduler.
 *
 *   {"dsk_ref": "npy" | "npz", "path": str, "row0": int, "rows": int}
 *       rows [row0, row0 + rows) of a 2-D .npy, or of a CSR .npz whose
 *       arrays are stored uncompressed (read at any row: ml_npz_rows.h);
 *   {"dsk_ref": "csv" | "svmlight" | "text-lines", "path": str,
 *    "offset": int, "length": int}
 *       the whole lines that start in bytes [offset, offset + length) of a
 *       text file (as Dask's read_csv cuts a file into blocks: a block
 *       starts after the first newline at or past offset - 1), so blocks
 *       cut anywhere give every line exactly once, in order. A .csv's
 *       header is looked for in the block at offset 0 only (as "header":
 *       "auto" does); an svmlight file's first index and its columns come
 *       from one pass over the whole file per worker (scikit-learn's
 *       zero_based="auto" looks at every index), remembered per file;
 *   {"dsk_ref": "files", "paths": [str, ...]}
 *       a folder's documents, one a row.
 *
 * Errors name the path, the block (its byte offset) and the line within
 * it, prefixed "this worker cannot read the input".
 */
#ifndef JOB_INPUT_REF_H
#define JOB_INPUT_REF_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"

/* format: "npy" or "npz". */
void job_ref_rows_pack(const char *path, const char *format, int64_t row0, int64_t rows,
                       msgpack_sbuffer *sb);
/* format: "csv", "svmlight" or "text-lines". */
void job_ref_block_pack(const char *path, const char *format, int64_t offset, int64_t length,
                        msgpack_sbuffer *sb);
void job_ref_files_pack(char *const *paths, int64_t n, msgpack_sbuffer *sb);

/*
 * When chunk is a reference: reads what it names into *out (without
 * labels) and returns 1 with *rc the outcome (0 or a DSK_E* with err);
 * else returns 0 (the chunk carries its rows: job_data.h).
 */
int job_ref_read(const void *chunk, size_t len, ml_dataset_t **out, int *rc, char *err);

#endif
