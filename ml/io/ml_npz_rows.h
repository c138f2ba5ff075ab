/*
 * ml_npz_rows.h — a SciPy CSR matrix saved as an .npz
 * (scipy.sparse.save_npz), read a block of rows at a time from the file:
 * its indptr, indices and data arrays are streamed (ml_zip members), so
 * memory holds one block, not the matrix. In order for deflated members
 * (save_npz's default); at any row for stored ones (compressed=False).
 * A block's rows are as ml_load_npz gives them: column indices sorted,
 * duplicates summed. csc and coo matrices are not stored by rows: they
 * are loaded whole (ml_load_npz).
 */
#ifndef ML_NPZ_ROWS_H
#define ML_NPZ_ROWS_H

#include <stdint.h>

#include "dsk_error.h"
#include "ml_matrix.h"

/* The matrix's format as format.npy says: "csr", "csc", "coo" ... (fmt: 8 bytes). */
int ml_npz_format(const char *path, char *fmt, char *err);

typedef struct ml_npz_rows ml_npz_rows_t;

/* A csr .npz opened; any_row: every row readable in any order (stored members), else an
   error saying how to save it so. */
int ml_npz_rows_open(const char *path, int any_row, ml_npz_rows_t **out, char *err);
void ml_npz_rows_close(ml_npz_rows_t **r_p);
int64_t ml_npz_rows_count(const ml_npz_rows_t *r);
int64_t ml_npz_rows_cols(const ml_npz_rows_t *r);
/* Rows [row0, row0 + n) (row0 the row after the last block's, unless opened any_row). */
int ml_npz_rows_read(ml_npz_rows_t *r, int64_t row0, int64_t n, ml_csr_t **out, char *err);

#endif
