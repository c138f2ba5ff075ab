/* ml_npy.c — NumPy .npy headers, and numeric rows as doubles. */
#include "ml_npy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
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
    size_t len = strcspn(d + 1, "'");
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
    for (const char *p = s + 1; rc == 0 && *p != ')';) {
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
