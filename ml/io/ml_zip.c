/* ml_zip.c — ZIP members (stored or deflated, ZIP64 included), for .npz files. */
#include "ml_zip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "dsk_pread.h"
#include "ml_load_util.h"

#define S_EOCD 0x06054b50u
#define S_EOCD64 0x06064b50u
#define S_EOCD64_LOCATOR 0x07064b50u
#define S_CENTRAL 0x02014b50u
#define S_LOCAL 0x04034b50u
#define S_DEFLATE_RATIO 1032u /* deflate's largest expansion: 258 bytes from 2 bits */

struct ml_zip {
    char *path;
    unsigned char *buf;
    size_t len;
    uint64_t cd_off, cd_size, entries;
};

static uint64_t s_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void ml_zip_destroy(ml_zip_t **z_p)
{
    ml_zip_t *z = *z_p;
    if (!z)
        return;
    free(z->path);
    free(z->buf);
    free(z);
    *z_p = NULL;
}

/* The end of central directory record (ZIP64's when the classic one says so). */
static int s_directory(ml_zip_t *z, char *err)
{
    const unsigned char *b = z->buf;
    size_t min = z->len > 22 + 65535 ? z->len - 22 - 65535 : 0;
    for (size_t at = z->len >= 22 ? z->len - 22 + 1 : 0; at-- > min;) {
        if (s_le(b + at, 4) != S_EOCD)
            continue;
        z->entries = s_le(b + at + 10, 2);
        z->cd_size = s_le(b + at + 12, 4);
        z->cd_off = s_le(b + at + 16, 4);
        if ((z->cd_off == 0xffffffffu || z->entries == 0xffff) && at >= 20 &&
            s_le(b + at - 20, 4) == S_EOCD64_LOCATOR) {
            uint64_t r = s_le(b + at - 20 + 8, 8);
            if (r + 56 > z->len || s_le(b + r, 4) != S_EOCD64)
                return dsk_seterr(err, DSK_EINVAL, "%s: a broken ZIP64 end record", z->path);
            z->entries = s_le(b + r + 32, 8);
            z->cd_size = s_le(b + r + 40, 8);
            z->cd_off = s_le(b + r + 48, 8);
        }
        if (z->cd_off > z->len || z->cd_size > z->len - z->cd_off)
            return dsk_seterr(err, DSK_EINVAL, "%s: the ZIP directory lies past the file's end "
                              "(truncated?)", z->path);
        return DSK_OK;
    }
    return dsk_seterr(err, DSK_EINVAL, "%s: not a ZIP archive (no end of central directory): "
                      "an .npz is written by np.savez or scipy.sparse.save_npz", z->path);
}

int ml_zip_open(const char *path, ml_zip_t **out, char *err)
{
    *out = NULL;
    ml_zip_t *z = dsk_xcalloc(1, sizeof *z);
    z->path = dsk_xstrdup(path);
    int rc = ml_read_raw(path, (char **)&z->buf, &z->len, err);
    if (rc == 0)
        rc = s_directory(z, err);
    if (rc)
        ml_zip_destroy(&z);
    *out = z;
    return rc;
}

/* ZIP64's extra field: the 64-bit values of the 32-bit fields that are 0xffffffff. */
static void s_zip64_extra(const unsigned char *e, size_t elen, uint64_t *usize, uint64_t *csize,
                          uint64_t *local)
{
    for (size_t i = 0; i + 4 <= elen;) {
        uint64_t id = s_le(e + i, 2), n = s_le(e + i + 2, 2);
        if (i + 4 + n > elen)
            return;
        if (id == 1) {
            const unsigned char *p = e + i + 4, *end = p + n;
            uint64_t *f[] = {usize, csize, local};
            for (int k = 0; k < 3; k++)
                if (*f[k] == 0xffffffffu && p + 8 <= end) {
                    *f[k] = s_le(p, 8);
                    p += 8;
                }
            return;
        }
        i += 4 + n;
    }
}

/* A member as the central directory describes it. */
typedef struct {
    uint64_t method, crc, csize, usize, local;
} s_entry_t;

/* Finds name in the central directory cd[0..size) of entries entries. */
static int s_find(const char *path, const unsigned char *cd, uint64_t size, uint64_t entries,
                  const char *name, s_entry_t *out, char *err)
{
    const unsigned char *p = cd, *end = cd + size;
    size_t nl = strlen(name);
    for (uint64_t k = 0; k < entries; k++) {
        if (p + 46 > end || s_le(p, 4) != S_CENTRAL)
            return dsk_seterr(err, DSK_EINVAL, "%s: a corrupt ZIP directory entry", path);
        uint64_t n = s_le(p + 28, 2), e = s_le(p + 30, 2), c = s_le(p + 32, 2);
        if (p + 46 + n + e + c > end)
            return dsk_seterr(err, DSK_EINVAL, "%s: a corrupt ZIP directory entry", path);
        if (n == nl && memcmp(p + 46, name, nl) == 0) {
            *out = (s_entry_t){.method = s_le(p + 10, 2), .crc = s_le(p + 16, 4),
                               .csize = s_le(p + 20, 4), .usize = s_le(p + 24, 4),
                               .local = s_le(p + 42, 4)};
            s_zip64_extra(p + 46 + n, e, &out->usize, &out->csize, &out->local);
            return DSK_OK;
        }
        p += 46 + n + e + c;
    }
    return dsk_seterr(err, DSK_ENOTFOUND, "%s: no member '%s'", path, name);
}

/* A member's method checked: stored (with one size) or deflated. */
static int s_method_ok(const char *path, const char *name, const s_entry_t *en, char *err)
{
    if (en->method == 0 && en->csize != en->usize)
        return dsk_seterr(err, DSK_EINVAL, "%s: %s: stored with two sizes", path, name);
    if (en->method != 0 && en->method != 8)
        return dsk_seterr(err, DSK_EINVAL, "%s: %s: ZIP method %llu is not supported (stored "
                          "or deflated)", path, name, (unsigned long long)en->method);
    return DSK_OK;
}

/*
 * The sizes are the archive's word: a stored member is its bytes, and deflate gives at most
 * S_DEFLATE_RATIO bytes a byte, so a corrupt size cannot make a reader go past the data or
 * allocate gigabytes for a few bytes.
 */
static int s_sizes_ok(const char *path, const char *name, const s_entry_t *en, char *err)
{
    if ((en->method == 0 && en->usize != en->csize) ||
        (en->method == 8 && en->usize > en->csize * S_DEFLATE_RATIO + 64))
        return dsk_seterr(err, DSK_EINVAL, "%s: %s: sizes %llu (stored) and %llu (whole) that "
                          "cannot both be true (a corrupt archive)", path, name,
                          (unsigned long long)en->csize, (unsigned long long)en->usize);
    return DSK_OK;
}

int ml_zip_read(const ml_zip_t *z, const char *name, unsigned char **buf, size_t *len, char *err)
{
    const unsigned char *b = z->buf;
    s_entry_t en;
    int rc = s_find(z->path, b + z->cd_off, z->cd_size, z->entries, name, &en, err);
    if (rc == 0)
        rc = s_method_ok(z->path, name, &en, err);
    if (rc)
        return rc;
    if (en.local > z->len || z->len - en.local < 30 || s_le(b + en.local, 4) != S_LOCAL)
        return dsk_seterr(err, DSK_EINVAL, "%s: %s: a corrupt ZIP local header", z->path, name);
    uint64_t data = en.local + 30 + s_le(b + en.local + 26, 2) + s_le(b + en.local + 28, 2);
    if (data > z->len || en.csize > z->len - data || en.usize > UINT32_MAX)
        return dsk_seterr(err, DSK_EINVAL, "%s: %s: its data lies past the file's end "
                          "(truncated?)", z->path, name);
    if ((rc = s_sizes_ok(z->path, name, &en, err)) != 0)
        return rc;
    unsigned char *out = dsk_xmalloc((size_t)en.usize + 1);
    if (en.method == 0) {
        memcpy(out, b + data, (size_t)en.usize);
    } else {
        z_stream s = {0};
        int zr = inflateInit2(&s, -MAX_WBITS);
        s.next_in = (unsigned char *)(b + data);
        s.avail_in = (uInt)en.csize;
        s.next_out = out;
        s.avail_out = (uInt)en.usize;
        if (zr == Z_OK)
            zr = inflate(&s, Z_FINISH);
        inflateEnd(&s);
        if (zr != Z_STREAM_END || s.total_out != en.usize) {
            free(out);
            return dsk_seterr(err, DSK_EINVAL, "%s: %s: corrupt deflate data", z->path, name);
        }
    }
    if (crc32(0L, out, (uInt)en.usize) != en.crc) {
        free(out);
        return dsk_seterr(err, DSK_EINVAL, "%s: %s: CRC mismatch (a corrupt archive)", z->path,
                          name);
    }
    out[en.usize] = '\0';
    *buf = out;
    *len = (size_t)en.usize;
    return DSK_OK;
}

/* ---- one member read from the file a piece at a time --------------------- */

#define S_IN_PIECE (1 << 16)
#define S_MAX_DIRECTORY ((uint64_t)1 << 26)

struct ml_zip_member {
    char *what;               /* "path: name", for errors */
    int fd;
    s_entry_t en;
    uint64_t data;            /* the member's first byte in the file */
    uint64_t in_done, out_done;
    z_stream z;
    int inflating;
    unsigned char *in;
    uLong crc;
};

/* The central directory of the archive open at fd (size bytes): read, its entries counted. */
static int s_file_directory(int fd, const char *path, uint64_t size, unsigned char **cd,
                            uint64_t *cd_size, uint64_t *entries, char *err)
{
    uint64_t tail = size < 22 + 65535 + 20 ? size : 22 + 65535 + 20;
    unsigned char *t = dsk_xmalloc((size_t)tail + 1);
    if (dsk_pread_full(fd, t, (size_t)tail, size - tail, path, err) != 0) {
        free(t);
        return DSK_EIO;
    }
    int rc = dsk_seterr(err, DSK_EINVAL, "%s: not a ZIP archive (no end of central directory): "
                        "an .npz is written by np.savez or scipy.sparse.save_npz", path);
    uint64_t off = 0;
    for (size_t at = tail >= 22 ? tail - 22 + 1 : 0; at-- > 0;) {
        if (s_le(t + at, 4) != S_EOCD)
            continue;
        *entries = s_le(t + at + 10, 2);
        *cd_size = s_le(t + at + 12, 4);
        off = s_le(t + at + 16, 4);
        rc = DSK_OK;
        if ((off == 0xffffffffu || *entries == 0xffff) && at >= 20 &&
            s_le(t + at - 20, 4) == S_EOCD64_LOCATOR) {
            unsigned char r[56];
            uint64_t ro = s_le(t + at - 20 + 8, 8);
            if (ro + 56 > size || dsk_pread_full(fd, r, 56, ro, path, err) != 0 ||
                s_le(r, 4) != S_EOCD64) {
                rc = dsk_seterr(err, DSK_EINVAL, "%s: a broken ZIP64 end record", path);
                break;
            }
            *entries = s_le(r + 32, 8);
            *cd_size = s_le(r + 40, 8);
            off = s_le(r + 48, 8);
        }
        break;
    }
    free(t);
    if (rc == 0 && (off > size || *cd_size > size - off || *cd_size > S_MAX_DIRECTORY))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: the ZIP directory lies past the file's end "
                        "(truncated?)", path);
    if (rc)
        return rc;
    *cd = dsk_xmalloc((size_t)*cd_size + 1);
    if (dsk_pread_full(fd, *cd, (size_t)*cd_size, off, path, err) != 0) {
        free(*cd);
        return DSK_EIO;
    }
    return DSK_OK;
}

int ml_zip_member_open(const char *path, const char *name, ml_zip_member_t **out, char *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", path,
                          strerror(errno));
    ml_zip_member_t *m = dsk_xcalloc(1, sizeof *m);
    m->fd = fd;
    size_t wl = strlen(path) + strlen(name) + 3;
    m->what = dsk_xmalloc(wl);
    snprintf(m->what, wl, "%s: %s", path, name);
    struct stat st;
    unsigned char *cd = NULL, local[30];
    uint64_t cd_size = 0, entries = 0;
    int rc = fstat(fd, &st) == 0 ? DSK_OK
                                 : dsk_seterr(err, DSK_EIO, "%s: %s", path, strerror(errno));
    uint64_t size = rc ? 0 : (uint64_t)st.st_size;
    if (rc == 0)
        rc = s_file_directory(fd, path, size, &cd, &cd_size, &entries, err);
    if (rc == 0)
        rc = s_find(path, cd, cd_size, entries, name, &m->en, err);
    free(cd);
    if (rc == 0)
        rc = s_method_ok(path, name, &m->en, err);
    if (rc == 0)
        rc = s_sizes_ok(path, name, &m->en, err);
    char sub[DSK_ERR_LEN];
    if (rc == 0 && (m->en.local + 30 > size ||
                    dsk_pread_full(fd, local, 30, m->en.local, path, sub) != 0 ||
                    s_le(local, 4) != S_LOCAL))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a corrupt ZIP local header", m->what);
    if (rc == 0) {
        m->data = m->en.local + 30 + s_le(local + 26, 2) + s_le(local + 28, 2);
        if (m->data > size || m->en.csize > size - m->data)
            rc = dsk_seterr(err, DSK_EINVAL, "%s: its data lies past the file's end "
                            "(truncated?)", m->what);
    }
    if (rc == 0 && m->en.method == 8) {
        m->in = dsk_xmalloc(S_IN_PIECE);
        if (inflateInit2(&m->z, -MAX_WBITS) != Z_OK)
            rc = dsk_seterr(err, DSK_EIO, "%s: zlib: %s", m->what, m->z.msg ? m->z.msg : "init");
        else
            m->inflating = 1;
    }
    m->crc = crc32(0L, Z_NULL, 0);
    if (rc)
        ml_zip_member_close(&m);
    *out = m;
    return rc;
}

int ml_zip_member_stored(const ml_zip_member_t *m)
{
    return m->en.method == 0;
}

uint64_t ml_zip_member_size(const ml_zip_member_t *m)
{
    return m->en.usize;
}

int ml_zip_member_read(ml_zip_member_t *m, void *buf, size_t n, char *err)
{
    if (n > m->en.usize - m->out_done)
        return dsk_seterr(err, DSK_EINVAL, "%s: ends before the bytes its header promises",
                          m->what);
    if (m->en.method == 0) {
        if (dsk_pread_full(m->fd, buf, n, m->data + m->out_done, m->what, err) != 0)
            return DSK_EIO;
    } else {
        m->z.next_out = buf;
        m->z.avail_out = (uInt)n;
        while (m->z.avail_out > 0) {
            if (m->z.avail_in == 0 && m->in_done < m->en.csize) {
                uint64_t left = m->en.csize - m->in_done;
                size_t piece = left < S_IN_PIECE ? (size_t)left : S_IN_PIECE;
                if (dsk_pread_full(m->fd, m->in, piece, m->data + m->in_done, m->what, err))
                    return DSK_EIO;
                m->in_done += piece;
                m->z.next_in = m->in;
                m->z.avail_in = (uInt)piece;
            }
            int zr = inflate(&m->z, Z_NO_FLUSH);
            if (zr != Z_OK && !(zr == Z_STREAM_END && m->z.avail_out == 0))
                return dsk_seterr(err, DSK_EINVAL, "%s: corrupt deflate data", m->what);
        }
    }
    m->crc = crc32(m->crc, buf, (uInt)n);
    m->out_done += n;
    if (m->out_done == m->en.usize && m->crc != m->en.crc)
        return dsk_seterr(err, DSK_EINVAL, "%s: CRC mismatch (a corrupt archive)", m->what);
    return DSK_OK;
}

int ml_zip_member_pread(ml_zip_member_t *m, uint64_t off, void *buf, size_t n, char *err)
{
    if (m->en.method != 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: deflated, so it is read from its start only "
                          "(save it uncompressed: scipy.sparse.save_npz(..., compressed=False))",
                          m->what);
    if (off > m->en.usize || n > m->en.usize - off)
        return dsk_seterr(err, DSK_EINVAL, "%s: bytes %llu to %llu asked, it has %llu", m->what,
                          (unsigned long long)off, (unsigned long long)(off + n),
                          (unsigned long long)m->en.usize);
    if (dsk_pread_full(m->fd, buf, n, m->data + off, m->what, err) != 0)
        return DSK_EIO;
    return DSK_OK;
}

void ml_zip_member_close(ml_zip_member_t **m_p)
{
    ml_zip_member_t *m = *m_p;
    if (!m)
        return;
    if (m->inflating)
        inflateEnd(&m->z);
    if (m->fd >= 0)
        close(m->fd);
    free(m->in);
    free(m->what);
    free(m);
    *m_p = NULL;
}
