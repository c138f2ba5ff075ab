/* ml_npy.c — NumPy .npy headers, and numeric rows as doubles. */
#include "ml_npy.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_pread.h"
#include "dsk_error.h"
#include "ml_load_util.h"

/* The value after 'key': in the header dict, or NULL. */
static const char *s_dict_value(const char *h, const char *key)
{
    const char *k = strstr(h, key);
    if (!k)
        return NULL;
    k += strlen(key);
    while (*k == ' ')
        k++;
    if (*k != ':')
        return NULL;
    k++;
    while (*k == ' ')
        k++;
    return k;
}

/* descr ('<f8', '|u1', '>i2', ...) into kind, size and byte order; an error says why not. */
static int s_dtype(const char *what, const char *d, ml_npy_t *n, char *err)
{
    if (*d == '[')
        return dsk_seterr(err, DSK_EINVAL, "%s: a structured dtype (%.60s) is not a matrix: save "
                          "a plain numeric array", what, d);
    size_t len = *d == '\'' ? strcspn(d + 1, "'") : 0; /* d may be the header's last byte */
    if (*d != '\'' || d[1 + len] != '\'' || len < 2 || len >= sizeof n->descr)
        return dsk_seterr(err, DSK_EINVAL, "%s: bad dtype in the .npy header: %.40s", what, d);
    memcpy(n->descr, d + 1, len);
    n->descr[len] = '\0';
    char order = n->descr[0], kind = n->descr[1];
    char *end;
    long size = strtol(n->descr + 2, &end, 10);
    if (kind == 'O')
        return dsk_seterr(err, DSK_EINVAL, "%s: an object array (dtype %s) holds Python objects, "
                          "which only Python can read: save a numeric array "
                          "(np.save(path, X.astype(np.float64)))", what, n->descr);
    if (kind == 'U' || kind == 'S' || kind == 'a')
        return dsk_seterr(err, DSK_EINVAL, "%s: an array of strings (dtype %s) is not a numeric "
                          "matrix: documents go in a .txt file, one a line", what, n->descr);
    int ok = *end == '\0' && (order == '<' || order == '>' || order == '|' || order == '=') &&
             ((kind == 'f' && (size == 2 || size == 4 || size == 8)) ||
              ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
              (kind == 'b' && size == 1));
    if (!ok)
        return dsk_seterr(err, DSK_EINVAL, "%s: dtype %s is not supported (floats f2, f4, f8; "
                          "integers i1-i8, u1-u8; booleans b1)", what, n->descr);
    n->kind = kind;
    n->itemsize = (size_t)size;
    int little = 1;
    little = *(unsigned char *)&little == 1;
    n->swap = size > 1 && ((order == '<' && !little) || (order == '>' && little));
    return DSK_OK;
}

int ml_npy_header(const char *what, const void *buf, size_t len, int covers_data, ml_npy_t *n,
                  char *err)
{
    const unsigned char *b = buf;
    memset(n, 0, sizeof *n);
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: not a .npy file (bad magic)", what);
    size_t hl, off;
    if (b[6] == 1) {
        hl = (size_t)b[8] | (size_t)b[9] << 8;
        off = 10;
    } else if (b[6] == 2 || b[6] == 3) {
        if (len < 12)
            return dsk_seterr(err, DSK_EINVAL, "%s: truncated header", what);
        hl = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        off = 12;
    } else {
        return dsk_seterr(err, DSK_EINVAL, "%s: .npy format version %u.%u is not supported",
                          what, b[6], b[7]);
    }
    if (hl > len - off)
        return dsk_seterr(err, DSK_EINVAL, "%s: truncated header: expected %zu bytes, got %zu",
                          what, off + hl, len);
    char *h = dsk_xstrndup((const char *)b + off, hl);
    const char *d = s_dict_value(h, "'descr'"), *f = s_dict_value(h, "'fortran_order'"),
               *s = s_dict_value(h, "'shape'");
    int rc = DSK_OK;
    if (!d || !f || !s || *s != '(')
        rc = dsk_seterr(err, DSK_EINVAL, "%s: bad .npy header '%s'", what, h);
    if (rc == 0)
        rc = s_dtype(what, d, n, err);
    if (rc == 0)
        n->fortran = strncmp(f, "True", 4) == 0;
    for (const char *p = rc == 0 ? s + 1 : NULL; rc == 0 && *p != ')';) {
        char *e;
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        long long v = strtoll(p, &e, 10);
        if (e == p || v < 0 || n->ndim == 2)
            rc = dsk_seterr(err, DSK_EINVAL, "%s: shape %.40s is not supported (1-D or 2-D)",
                            what, s);
        else
            n->shape[n->ndim++] = v;
        p = e;
    }
    if (rc == 0 && n->ndim == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a 0-D array (a single number) is not a matrix",
                        what);
    if (rc == 0 && n->ndim == 1)
        n->shape[1] = 1;
    /* rows of no columns hold nothing, however many: refused before a reader walks them */
    if (rc == 0 && n->shape[1] == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: shape %.40s has no columns", what, s);
    n->data_off = off + hl;
    uint64_t count = (uint64_t)n->shape[0] * (uint64_t)n->shape[1];
    if (rc == 0 && n->shape[1] && count / (uint64_t)n->shape[1] != (uint64_t)n->shape[0])
        rc = dsk_seterr(err, DSK_EINVAL, "%s: shape %.40s is too large", what, s);
    if (rc == 0 && covers_data && (len - n->data_off) / n->itemsize < count)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: truncated: expected %llu data bytes after the "
                        "%zu-byte header, got %zu", what,
                        (unsigned long long)(count * n->itemsize), n->data_off,
                        len - n->data_off);
    free(h);
    return rc;
}

/* An IEEE 754 half as a double. */
static double s_half(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m | 0x400, e - 25);
    return h & 0x8000 ? -v : v;
}

/* One element at p as a double. */
static double s_item(const ml_npy_t *n, const unsigned char *p)
{
    unsigned char b[8];
    for (size_t i = 0; i < n->itemsize; i++)
        b[i] = n->swap ? p[n->itemsize - 1 - i] : p[i];
    switch (n->kind) {
    case 'f':
        if (n->itemsize == 8) {
            double v;
            memcpy(&v, b, 8);
            return v;
        } else if (n->itemsize == 4) {
            float v;
            memcpy(&v, b, 4);
            return v;
        } else {
            uint16_t v;
            memcpy(&v, b, 2);
            return s_half(v);
        }
    case 'i':
        switch (n->itemsize) {
        case 1: return (int8_t)b[0];
        case 2: { int16_t v; memcpy(&v, b, 2); return v; }
        case 4: { int32_t v; memcpy(&v, b, 4); return v; }
        default: { int64_t v; memcpy(&v, b, 8); return (double)v; }
        }
    case 'u':
        switch (n->itemsize) {
        case 1: return b[0];
        case 2: { uint16_t v; memcpy(&v, b, 2); return v; }
        case 4: { uint32_t v; memcpy(&v, b, 4); return v; }
        default: { uint64_t v; memcpy(&v, b, 8); return (double)v; }
        }
    default:
        return b[0] != 0;
    }
}

void ml_npy_rows(const ml_npy_t *n, const void *data, int64_t row0, int64_t nrows, double *out)
{
    const unsigned char *base = data;
    int64_t R = n->shape[0], C = n->shape[1];
    if (!n->fortran && n->kind == 'f' && n->itemsize == 8 && !n->swap) {
        memcpy(out, base + (size_t)(row0 * C) * 8, (size_t)(nrows * C) * 8);
        return;
    }
    for (int64_t r = 0; r < nrows; r++)
        for (int64_t c = 0; c < C; c++) {
            int64_t at = n->fortran ? c * R + row0 + r : (row0 + r) * C + c;
            out[r * C + c] = s_item(n, base + (size_t)at * n->itemsize);
        }
}

int ml_npy_decode(const char *what, const void *buf, size_t len, int ndim, ml_npy_t *n,
                  double **out, char *err)
{
    int rc = ml_npy_header(what, buf, len, 1, n, err);
    if (rc == 0 && n->ndim != ndim)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a %d-D array, got %d-D", what, ndim,
                        n->ndim);
    uint64_t count = (uint64_t)n->shape[0] * (uint64_t)n->shape[1];
    if (rc == 0 && (n->shape[0] == 0 || count > (uint64_t)1 << 40))
        rc = dsk_seterr(err, DSK_EINVAL, "%s: %s array", what, n->shape[0] ? "too large an"
                                                                          : "an empty");
    if (rc)
        return rc;
    *out = dsk_xmalloc((size_t)count * sizeof **out);
    ml_npy_rows(n, (const unsigned char *)buf + n->data_off, 0, n->shape[0], *out);
    return DSK_OK;
}

int ml_npy_read(const char *path, int ndim, ml_npy_t *n, double **out, char *err)
{
    char *buf;
    size_t len;
    int rc = ml_read_file(path, &buf, &len, err);
    if (rc)
        return rc;
    rc = ml_npy_decode(path, buf, len, ndim, n, out, err);
    free(buf);
    return rc;
}

struct ml_npy_file {
    char *path;
    int fd;
    ml_npy_t h;
    unsigned char *scratch;     /* one read's bytes */
    size_t cap;
};

/* len bytes at off, all of them (a short read is a truncated file). */
static int s_pread_all(const ml_npy_file_t *f, void *buf, size_t len, uint64_t off, char *err)
{
    return dsk_pread_full(f->fd, buf, len, off, f->path, err);
}

void ml_npy_file_close(ml_npy_file_t **f_p)
{
    ml_npy_file_t *f = *f_p;
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->path);
    free(f->scratch);
    free(f);
    *f_p = NULL;
}

int ml_npy_file_open(const char *path, ml_npy_file_t **out, char *err)
{
    *out = NULL;
    ml_npy_file_t *f = dsk_xcalloc(1, sizeof *f);
    f->path = dsk_xstrdup(path);
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char head[12];
    struct stat st;
    int rc = f->fd < 0 ? dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s",
                                    path, strerror(errno))
                       : DSK_OK;
    if (rc == 0 && fstat(f->fd, &st) < 0)
        rc = dsk_seterr(err, DSK_EIO, "%s: %s", path, strerror(errno));
    if (rc == 0 && st.st_size < 12)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: not a .npy file (%lld bytes)", path,
                        (long long)st.st_size);
    if (rc == 0)
        rc = s_pread_all(f, head, sizeof head, 0, err);
    if (rc == 0 && head[0] == 0x1f && head[1] == 0x8b)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: a gzip'd .npy cannot be read in pieces", path);
    size_t hl = 0;
    if (rc == 0)
        hl = head[6] == 1 ? 10 + ((size_t)head[8] | (size_t)head[9] << 8)
                          : 12 + ((size_t)head[8] | (size_t)head[9] << 8 |
                                  (size_t)head[10] << 16 | (size_t)head[11] << 24);
    if (rc == 0 && (off_t)hl > st.st_size)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: truncated header", path);
    unsigned char *h = rc ? NULL : dsk_xmalloc(hl);
    if (rc == 0)
        rc = s_pread_all(f, h, hl, 0, err);
    if (rc == 0)
        rc = ml_npy_header(path, h, hl, 0, &f->h, err);
    free(h);
    uint64_t need = (uint64_t)f->h.shape[0] * (uint64_t)f->h.shape[1] * f->h.itemsize;
    if (rc == 0 && (uint64_t)st.st_size - f->h.data_off < need)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: truncated: expected %llu data bytes after the "
                        "%zu-byte header, got %llu", path, (unsigned long long)need,
                        f->h.data_off, (unsigned long long)(st.st_size - (off_t)f->h.data_off));
    if (rc)
        ml_npy_file_close(&f);
    *out = f;
    return rc;
}

const ml_npy_t *ml_npy_file_header(const ml_npy_file_t *f)
{
    return &f->h;
}

int ml_npy_file_rows(ml_npy_file_t *f, int64_t row0, int64_t nrows, double *out, char *err)
{
    const ml_npy_t *h = &f->h;
    int64_t R = h->shape[0], C = h->shape[1];
    if (row0 < 0 || nrows < 0 || row0 + nrows > R)
        return dsk_seterr(err, DSK_EINVAL, "%s: rows %lld..%lld of %lld", f->path,
                          (long long)row0, (long long)(row0 + nrows), (long long)R);
    size_t bytes = (size_t)(nrows * C) * h->itemsize;
    if (bytes > f->cap) {
        free(f->scratch);
        f->scratch = dsk_xmalloc(bytes ? bytes : 1);
        f->cap = bytes;
    }
    /* the piece read is an array of its own: nrows x C in the file's order */
    ml_npy_t piece = *h;
    piece.shape[0] = nrows;
    int rc = DSK_OK;
    if (!h->fortran) {
        rc = s_pread_all(f, f->scratch, bytes, h->data_off + (uint64_t)(row0 * C) * h->itemsize,
                         err);
    } else {
        size_t col = (size_t)nrows * h->itemsize;
        for (int64_t c = 0; rc == 0 && c < C; c++)
            rc = s_pread_all(f, f->scratch + (size_t)c * col, col,
                             h->data_off + (uint64_t)(c * R + row0) * h->itemsize, err);
    }
    if (rc == 0)
        ml_npy_rows(&piece, f->scratch, 0, nrows, out);
    return rc;
}
