/*
 * ml_zip.h — the members of a ZIP archive, as NumPy's .npz files are
 * written (np.savez stores, np.savez_compressed and scipy.sparse.save_npz
 * deflate, both with ZIP64 records): the central directory read and
 * checked, a member found by name and its bytes inflated (zlib), its
 * CRC-32 checked. Read-only; no encryption, no multi-disk archives.
 */
#ifndef ML_ZIP_H
#define ML_ZIP_H

#include <stddef.h>

typedef struct ml_zip ml_zip_t;

/* Reads the archive at path whole (an .npz holds one matrix; it fits in memory). */
int ml_zip_open(const char *path, ml_zip_t **out, char *err);
void ml_zip_destroy(ml_zip_t **z_p);
/* Member name's bytes (*buf the caller's, NUL-terminated past *len); DSK_ENOTFOUND when absent. */
int ml_zip_read(const ml_zip_t *z, const char *name, unsigned char **buf, size_t *len, char *err);

#endif
