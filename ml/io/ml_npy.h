/*
 * ml_npy.h — NumPy's .npy format (versions 1.0 to 3.0): the header read
 * and checked, and rows of a 1-D or 2-D numeric array as doubles, from a
 * buffer that holds the file (read whole, or memory-mapped so that a
 * 10 GB array is read a chunk at a time).
 *
 * Every numeric dtype NumPy writes is read: floats (f2, f4, f8), signed
 * and unsigned integers (1, 2, 4, 8 bytes), booleans, either byte order,
 * C or Fortran order. What cannot be read without Python (object arrays:
 * pickles) or is not a number (strings, complex, structured dtypes) is an
 * error that names the dtype and says what to save instead.
 */
#ifndef ML_NPY_H
#define ML_NPY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char kind;          /* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
    size_t itemsize;    /* bytes per element */
    int swap;           /* stored in the other byte order than this machine's */
    int fortran;        /* column-major (fortran_order: True) */
    int ndim;           /* 1 or 2 */
    int64_t shape[2];   /* rows, and columns (1 for a 1-D array) */
    size_t data_off;    /* the data's first byte */
    char descr[16];     /* the dtype as the header writes it, for messages */
} ml_npy_t;

/*
 * The header of buf[0..len) (at least the header's bytes; the data may
 * follow). what names the file in errors. Checks that len covers the
 * data when covers_data is set.
 */
int ml_npy_header(const char *what, const void *buf, size_t len, int covers_data, ml_npy_t *n,
                  char *err);

/* Rows [row0, row0 + nrows) of the array whose data starts at data, as doubles, row-major. */
void ml_npy_rows(const ml_npy_t *n, const void *data, int64_t row0, int64_t nrows, double *out);

/* A whole .npy of ndim dimensions (1 or 2), in memory, as doubles (*out the caller's). */
int ml_npy_decode(const char *what, const void *buf, size_t len, int ndim, ml_npy_t *n,
                  double **out, char *err);

/* The same from a file (gzip'd or not). */
int ml_npy_read(const char *path, int ndim, ml_npy_t *n, double **out, char *err);

/*
 * A .npy file read a few rows at a time (pread, so neither the file nor
 * its pages stay in this process: memory does not grow with the file). A
 * gzip'd .npy cannot be read in pieces: open says so (DSK_EINVAL) and
 * ml_npy_read reads it whole.
 */
typedef struct ml_npy_file ml_npy_file_t;

int ml_npy_file_open(const char *path, ml_npy_file_t **out, char *err);
void ml_npy_file_close(ml_npy_file_t **f_p);
const ml_npy_t *ml_npy_file_header(const ml_npy_file_t *f);
/* Rows [row0, row0 + nrows) as doubles, row-major, into out (nrows x columns). */
int ml_npy_file_rows(ml_npy_file_t *f, int64_t row0, int64_t nrows, double *out, char *err);

#endif
