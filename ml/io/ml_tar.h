/*
 * ml_tar.h — a streaming reader of .tar.gz archives (the 20 newsgroups
 * archive), with zlib: POSIX ustar and GNU tar headers, GNU long names
 * ('L') and pax extended headers ('x': path, size). Members are visited in
 * archive order; nothing is extracted to disk.
 *
 * Every header is checked (checksum, octal fields, sizes against what is
 * left), so a corrupt or truncated archive gives an error that names the
 * archive, the member and the byte offset in the uncompressed stream.
 *
 * Ownership: ml_tar_open gives the caller a reader to ml_tar_destroy; an
 * entry's name is owned by the reader and valid until the next call;
 * ml_tar_read's buffer is the caller's.
 */
#ifndef ML_TAR_H
#define ML_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"

typedef struct ml_tar ml_tar_t;

typedef enum {
    ML_TAR_FILE = 1, /* a regular file */
    ML_TAR_DIR,
    ML_TAR_OTHER,    /* links, devices, fifos: listed, never read */
} ml_tar_type_t;

typedef struct {
    const char *name;   /* the member's path as stored ("a/b/c"), reader-owned */
    ml_tar_type_t type;
    uint64_t size;      /* content bytes */
    int64_t mtime;      /* seconds since the epoch */
} ml_tar_entry_t;

/* Largest member ml_tar_read accepts (a guard against a corrupt size field). */
#define ML_TAR_MAX_MEMBER ((uint64_t)1 << 30)

/* Opens path (gzip-compressed or a plain tar) for reading. */
int ml_tar_open(const char *path, ml_tar_t **out, char *err);
/*
 * Advances to the next member (skipping what was not read of the current
 * one). Returns 1 and fills *e, 0 at the end of the archive, or a negative
 * DSK_E* code (DSK_EIO for corrupt or truncated data) with err filled.
 */
int ml_tar_next(ml_tar_t *t, ml_tar_entry_t *e, char *err);
/* The current member's content: *buf (NUL-terminated, size in *len) is malloc'd. */
int ml_tar_read(ml_tar_t *t, char **buf, size_t *len, char *err);
void ml_tar_destroy(ml_tar_t **t_p);

#endif
