/* ml_zip.c — ZIP members (stored or deflated, ZIP64 included), for .npz files. */
#include "ml_zip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "ml_load_util.h"

#define S_EOCD 0x06054b50u
#define S_EOCD64 0x06064b50u
#define S_EOCD64_LOCATOR 0x07064b50u
#define S_CENTRAL 0x02014b50u
#define S_LOCAL 0x04034b50u

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

int ml_zip_read(const ml_zip_t *z, const char *name, unsigned char **buf, size_t *len, char *err)
{
    const unsigned char *b = z->buf, *p = b + z->cd_off, *end = p + z->cd_size;
    size_t nl = strlen(name);
    for (uint64_t k = 0; k < z->entries; k++) {
        if (p + 46 > end || s_le(p, 4) != S_CENTRAL)
            return dsk_seterr(err, DSK_EINVAL, "%s: a corrupt ZIP directory entry", z->path);
        uint64_t method = s_le(p + 10, 2), crc = s_le(p + 16, 4), csize = s_le(p + 20, 4),
                 usize = s_le(p + 24, 4), n = s_le(p + 28, 2), e = s_le(p + 30, 2),
                 c = s_le(p + 32, 2), local = s_le(p + 42, 4);
        if (p + 46 + n + e + c > end)
            return dsk_seterr(err, DSK_EINVAL, "%s: a corrupt ZIP directory entry", z->path);
        if (n != nl || memcmp(p + 46, name, nl) != 0) {
            p += 46 + n + e + c;
            continue;
        }
        s_zip64_extra(p + 46 + n, e, &usize, &csize, &local);
        if (local > z->len || z->len - local < 30 || s_le(b + local, 4) != S_LOCAL)
            return dsk_seterr(err, DSK_EINVAL, "%s: %s: a corrupt ZIP local header", z->path,
                              name);
        uint64_t data = local + 30 + s_le(b + local + 26, 2) + s_le(b + local + 28, 2);
        if (data > z->len || csize > z->len - data || usize > UINT32_MAX)
            return dsk_seterr(err, DSK_EINVAL, "%s: %s: its data lies past the file's end "
                              "(truncated?)", z->path, name);
        unsigned char *out = dsk_xmalloc((size_t)usize + 1);
        if (method == 0) {
            if (csize != usize) {
                free(out);
                return dsk_seterr(err, DSK_EINVAL, "%s: %s: stored with two sizes", z->path,
                                  name);
            }
            memcpy(out, b + data, (size_t)usize);
        } else if (method == 8) {
            z_stream s = {0};
            int zr = inflateInit2(&s, -MAX_WBITS);
            s.next_in = (unsigned char *)(b + data);
            s.avail_in = (uInt)csize;
            s.next_out = out;
            s.avail_out = (uInt)usize;
            if (zr == Z_OK)
                zr = inflate(&s, Z_FINISH);
            inflateEnd(&s);
            if (zr != Z_STREAM_END || s.total_out != usize) {
                free(out);
                return dsk_seterr(err, DSK_EINVAL, "%s: %s: corrupt deflate data", z->path,
                                  name);
            }
        } else {
            free(out);
            return dsk_seterr(err, DSK_EINVAL, "%s: %s: ZIP method %llu is not supported "
                              "(stored or deflated)", z->path, name, (unsigned long long)method);
        }
        if (crc32(0L, out, (uInt)usize) != crc) {
            free(out);
            return dsk_seterr(err, DSK_EINVAL, "%s: %s: CRC mismatch (a corrupt archive)",
                              z->path, name);
        }
        out[usize] = '\0';
        *buf = out;
        *len = (size_t)usize;
        return DSK_OK;
    }
    return dsk_seterr(err, DSK_ENOTFOUND, "%s: no member '%s'", z->path, name);
}
