/*
 * ml_zip.h — the members of a ZIP archive, as NumPy's .npz files are
 * written (np.savez stores, np.savez_compressed and scipy.sparse.save_npz
 * deflate, both with ZIP64 records): the central directory read and
 * checked, a member found by name and its bytes inflated (zlib), its
 * CRC-32 checked. Read-only; no encryption, no multi-disk archives.
 *
 * A member can also be read from the file a piece at a time (its
 * directory found from the file's end, nothing else read ahead), so a
 * large .npz streams: in order for a deflated member, at any offset for a
 * stored one.
 */
#ifndef ML_ZIP_H
#define ML_ZIP_H

#include <stddef.h>
#include <stdint.h>

typedef struct ml_zip ml_zip_t;

/* Reads the archive at path whole (an .npz holds one matrix; it fits in memory). */
int ml_zip_open(const char *path, ml_zip_t **out, char *err);
void ml_zip_destroy(ml_zip_t **z_p);
/* Member name's bytes (*buf the caller's, NUL-terminated past *len); DSK_ENOTFOUND when absent. */
int ml_zip_read(const ml_zip_t *z, const char *name, unsigned char **buf, size_t *len, char *err);

typedef struct ml_zip_member ml_zip_member_t;

int ml_zip_member_open(const char *path, const char *name, ml_zip_member_t **out, char *err);
void ml_zip_member_close(ml_zip_member_t **m_p);
/* Whether it is stored (then ml_zip_member_pread reads any part), and its uncompressed size. */
int ml_zip_member_stored(const ml_zip_member_t *m);
uint64_t ml_zip_member_size(const ml_zip_member_t *m);
/* The member's next n bytes (an error if fewer are left); the CRC is checked at its end. */
int ml_zip_member_read(ml_zip_member_t *m, void *buf, size_t n, char *err);
/* Bytes [off, off + n) of a stored member (DSK_EINVAL for a deflated one, saying why). */
int ml_zip_member_pread(ml_zip_member_t *m, uint64_t off, void *buf, size_t n, char *err);

#endif
