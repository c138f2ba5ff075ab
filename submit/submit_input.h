/*
 * submit_input.h — dsk-submit predict's input, a chunk of rows at a time.
 * What submit_source says streams is read from disk as each chunk is sent
 * (a .npy by pread, a CSR .npz's arrays streamed, a .csv, .txt or
 * svmlight file a block of lines at a time after a counting pass:
 * submit_text, a folder a few files at a time), and so are its labels for
 * a score (a .npy, a .txt of one a line, or the file's own: their classes
 * found in the counting pass, submit_labels), so the client's memory does
 * not grow with the input (a 10 GB array goes through a few chunks'
 * worth). Anything else is loaded whole through its loader (ml_load.h),
 * then cut.
 */
#ifndef SUBMIT_INPUT_H
#define SUBMIT_INPUT_H

#include <msgpack.h>
#include <stdint.h>

#include "ml_data.h"

typedef struct submit_input submit_input_t;

/* --input path, and --labels (NULL: none); want_labels: an svmlight file's own are read
   (--method score). */
int submit_input_open(const char *path, const char *labels, int want_labels,
                      submit_input_t **out, char *err);
/*
 * --input-on-workers: a file or folder on storage every worker reads at
 * the same path (a shared file system); each chunk names what it holds
 * (job_input_ref.h) and the worker reads it. Only a .npy's header, a text
 * file's size or a folder's names are read here. A .csv, .txt or svmlight
 * file is cut into blocks of block_bytes: how many rows each holds is
 * known only when its result comes back.
 */
int submit_input_open_on_workers(const char *path, int64_t block_bytes, submit_input_t **out,
                                 char *err);
void submit_input_close(submit_input_t **in_p);
/* The input's rows, or -1 when only the workers will know (blocks of a text file). */
int64_t submit_input_rows(const submit_input_t *in);
/* How many chunks of chunk_rows rows (or blocks of bytes) it is sent as. */
int64_t submit_input_chunks(const submit_input_t *in, int64_t chunk_rows);
int submit_input_has_labels(const submit_input_t *in);
/* Whether the input is read from disk chunk by chunk (else it was loaded whole). */
int submit_input_streamed(const submit_input_t *in);
/* Chunk k (chunks are sent in order) as a packed dataset (job_data.h) or a reference to
   what the workers read (job_input_ref.h), appended to sb. */
int submit_input_pack(submit_input_t *in, int64_t k, int64_t chunk_rows, msgpack_sbuffer *sb,
                      char *err);
/* The input labels' classes (LabelEncoder's): their count, names (borrowed) and kind. */
int32_t submit_input_classes(const submit_input_t *in, char ***names, ml_labels_kind_t *kind);
/* From now on a chunk's label codes go out as map[code], of n classes named names (all three
   the input's now). */
void submit_input_map_classes(submit_input_t *in, int32_t *map, int32_t n, char **names);
/* The labels of rows [row0, ...) of a whole-loaded input, or NULL (none, or streamed). */
const int32_t *submit_input_labels(const submit_input_t *in, int64_t row0);

#endif
