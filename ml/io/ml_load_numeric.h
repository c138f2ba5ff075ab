/*
 * ml_load_numeric.h — the numeric file loaders:
 *
 * "svmlight": scikit-learn's load_svmlight_file. Keys: path, n_features
 *   (optional; at least the largest index + 1), zero_based (true, false or
 *   "auto", the default: zero-based when some index is 0). Lines
 *   "label idx:val idx:val ... # comment" (a "qid:N" token is skipped);
 *   indices strictly increasing within a line. X is CSR (explicit zeros
 *   kept, as scikit-learn keeps them); labels are numbers, classes sorted.
 * "npy": path to a NumPy .npy file holding a 2-D numeric array of any
 *   dtype, byte order or memory order (ml_npy.h), read as doubles;
 *   labels_path (optional: without it the data has no labels, as a predict
 *   input) to a 1-D .npy of as many labels. The header is validated; a
 *   truncated file is an error giving expected and actual bytes.
 * "npz": scipy.sparse.save_npz's file (a ZIP of .npy arrays, ml_zip.h)
 *   holding a csr, csc or coo matrix, read into CSR (coo's duplicates
 *   summed, as tocsr() does); labels_path as for "npy".
 *
 * Errors name the file and the line (svmlight) or byte offset (npy).
 * Caller owns *out.
 */
#ifndef ML_LOAD_NUMERIC_H
#define ML_LOAD_NUMERIC_H

#include <jansson.h>

#include "dsk_error.h"
#include "ml_data.h"

int ml_load_svmlight(const json_t *spec, ml_dataset_t **out, char *err);
int ml_load_npy(const json_t *spec, ml_dataset_t **out, char *err);
int ml_load_npz(const json_t *spec, ml_dataset_t **out, char *err);

/*
 * An svmlight file a block of whole lines at a time (first_line numbers
 * them for errors): scan adds the block's rows to *rows and widens
 * [*lo, *hi], the feature indices written; decode gives the rows as CSR
 * without labels, indices minus shift (1 for a one-based file), ncols
 * columns (found by scanning the whole file first). With labels set, each
 * gives the block's labels too (*labels the caller's, one a row).
 */
int ml_svmlight_scan(const char *what, int64_t first_line, const char *buf, size_t len,
                     int64_t *rows, int64_t *lo, int64_t *hi, double **labels, char *err);
int ml_svmlight_decode(const char *what, int64_t first_line, const char *buf, size_t len,
                       int64_t shift, int64_t ncols, ml_dataset_t **out, double **labels,
                       char *err);

#endif
