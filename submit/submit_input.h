/*
 * submit_input.h — dsk-submit predict's input, a chunk of rows at a time.
 * Without labels, a .npy, .csv, svmlight or .txt file and a folder of
 * documents are read from disk as each chunk is sent (a .npy by pread,
 * text a block of lines at a time after a counting pass, a folder a few
 * files at a time), and a .npy with a .npy of labels too, so the client's
 * memory does not grow with the input (a 10 GB array goes through a few
 * chunks' worth). An .npz, a folder of class folders, a .json data spec
 * and text with labels are loaded whole through their loader (ml_load.h),
 * then cut.
 *
 * Which loader reads a file: its extension (docs/job-files.md, "Predict
 * inputs"); labels only where --method score asks for them.
 */
#ifndef SUBMIT_INPUT_H
#define SUBMIT_INPUT_H

#include <msgpack.h>
#include <stdint.h>

typedef struct submit_input submit_input_t;

/* --input path, and --labels (NULL: none). */
int submit_input_open(const char *path, const char *labels, submit_input_t **out, char *err);
/*
 * --input-on-workers: a .npy on storage every worker reads at the same
 * path (a shared file system). Only its header is read here; each chunk
 * names its rows (job_predict_ref_pack) and the worker reads them.
 */
int submit_input_open_on_workers(const char *path, submit_input_t **out, char *err);
void submit_input_close(submit_input_t **in_p);
int64_t submit_input_rows(const submit_input_t *in);
int submit_input_has_labels(const submit_input_t *in);
/* Whether the input is read from disk chunk by chunk (else it was loaded whole). */
int submit_input_streamed(const submit_input_t *in);
/* Rows [row0, row0 + n) as a packed dataset (job_data.h), appended to sb. */
int submit_input_pack(submit_input_t *in, int64_t row0, int64_t n, msgpack_sbuffer *sb,
                      char *err);
/* The labels of rows [row0, ...) of a whole-loaded input, or NULL (none, or streamed). */
const int32_t *submit_input_labels(const submit_input_t *in, int64_t row0);

#endif
