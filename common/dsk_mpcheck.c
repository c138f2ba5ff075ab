/*
 * dsk_mpcheck.c — the bounds-checking walk over untrusted msgpack bytes.
 *
 * One pass, no recursion, no allocation: a small array of "elements still
 * to read" counters, one per open container, is the whole state. Every
 * count and length is checked against the bytes that remain before the walk
 * moves on, so nothing a hostile peer writes can make it read past the end.
 */
#include "dsk_mpcheck.h"

#include <stdint.h>

/*
 * The deepest max_depth the walk supports: the counters live on the C
 * stack (2 KiB), so a caller's limit cannot turn into a large frame.
 * dsk's own limit is DSK_PROTO_MAX_DEPTH (32).
 */
#define S_STACK_MAX 256

typedef enum { S_SCALAR, S_BYTES, S_ARRAY, S_MAP, S_INVALID } s_kind_t;

/*
 * How each format byte from 0xc0 to 0xdf is laid out: after the format
 * byte come `lenbytes` of big-endian length or count, then `fixed` bytes
 * that do not depend on it (a number, an ext's type byte), then, for
 * S_BYTES, the length's worth of payload.
 */
typedef struct {
    const char *name;    /* the format, for "truncated uint32 ..." */
    const char *family;  /* what it holds, for "str of 80 bytes ..." */
    unsigned char lenbytes;
    unsigned char fixed;
    unsigned char kind;
} s_format_t;

static const s_format_t s_formats[32] = {
    {"nil", "nil", 0, 0, S_SCALAR},
    {"0xc1", "0xc1", 0, 0, S_INVALID},
    {"false", "boolean", 0, 0, S_SCALAR},
    {"true", "boolean", 0, 0, S_SCALAR},
    {"bin8", "bin", 1, 0, S_BYTES},
    {"bin16", "bin", 2, 0, S_BYTES},
    {"bin32", "bin", 4, 0, S_BYTES},
    {"ext8", "ext", 1, 1, S_BYTES},
    {"ext16", "ext", 2, 1, S_BYTES},
    {"ext32", "ext", 4, 1, S_BYTES},
    {"float32", "float", 0, 4, S_SCALAR},
    {"float64", "float", 0, 8, S_SCALAR},
    {"uint8", "integer", 0, 1, S_SCALAR},
    {"uint16", "integer", 0, 2, S_SCALAR},
    {"uint32", "integer", 0, 4, S_SCALAR},
    {"uint64", "integer", 0, 8, S_SCALAR},
    {"int8", "integer", 0, 1, S_SCALAR},
    {"int16", "integer", 0, 2, S_SCALAR},
    {"int32", "integer", 0, 4, S_SCALAR},
    {"int64", "integer", 0, 8, S_SCALAR},
    {"fixext1", "ext", 0, 2, S_SCALAR},
    {"fixext2", "ext", 0, 3, S_SCALAR},
    {"fixext4", "ext", 0, 5, S_SCALAR},
    {"fixext8", "ext", 0, 9, S_SCALAR},
    {"fixext16", "ext", 0, 17, S_SCALAR},
    {"str8", "str", 1, 0, S_BYTES},
    {"str16", "str", 2, 0, S_BYTES},
    {"str32", "str", 4, 0, S_BYTES},
    {"array16", "array", 2, 0, S_ARRAY},
    {"array32", "array", 4, 0, S_ARRAY},
    {"map16", "map", 2, 0, S_MAP},
    {"map32", "map", 4, 0, S_MAP},
};

static const s_format_t s_fixint = {"positive fixint", "integer", 0, 0, S_SCALAR};
static const s_format_t s_negfixint = {"negative fixint", "integer", 0, 0, S_SCALAR};
static const s_format_t s_fixmap = {"fixmap", "map", 0, 0, S_MAP};
static const s_format_t s_fixarray = {"fixarray", "array", 0, 0, S_ARRAY};
static const s_format_t s_fixstr = {"fixstr", "str", 0, 0, S_BYTES};

/* One decoded header: its format, its size, and its count or length. */
typedef struct {
    const s_format_t *fmt;
    size_t head;  /* format byte + length field + fixed bytes */
    uint64_t n;   /* elements (array), pairs (map) or payload bytes */
} s_head_t;

/* Which format a byte starts; the fix formats carry n in the byte. */
static const s_format_t *s_format_of(unsigned char b, uint64_t *n)
{
    *n = 0;
    if (b <= 0x7f)
        return &s_fixint;
    if (b >= 0xe0)
        return &s_negfixint;
    if (b >= 0xc0)
        return &s_formats[b - 0xc0];
    if (b >= 0xa0) {
        *n = b & 0x1f;
        return &s_fixstr;
    }
    *n = b & 0x0f;
    return b >= 0x90 ? &s_fixarray : &s_fixmap;
}

/*
 * Reads the header at off, proving that the header itself and everything
 * its count or length promises fit in the buffer. A container of n needs
 * at least n more bytes (2n for a map) because every object takes one byte
 * at least; that is what stops "dd ff ff ff ff" before anyone allocates.
 */
static int s_read_head(const unsigned char *p, size_t len, size_t off, s_head_t *h,
                       char *err)
{
    h->fmt = s_format_of(p[off], &h->n);
    if (h->fmt->kind == S_INVALID)
        return dsk_seterr(err, DSK_EPROTO, "invalid format byte 0xc1 at offset %zu", off);
    h->head = 1 + (size_t)h->fmt->lenbytes + h->fmt->fixed;
    if (h->head > len - off)
        return dsk_seterr(err, DSK_EPROTO,
                          "truncated %s at offset %zu: needs %zu bytes, %zu left",
                          h->fmt->name, off, h->head, len - off);
    for (unsigned i = 1; i <= h->fmt->lenbytes; i++)
        h->n = (h->n << 8) | p[off + i];
    size_t left = len - off - h->head;
    switch (h->fmt->kind) {
    case S_BYTES:
        if (h->n > left)
            return dsk_seterr(err, DSK_EPROTO,
                              "%s of %llu bytes at offset %zu exceeds the %zu bytes left",
                              h->fmt->family, (unsigned long long)h->n, off, left);
        break;
    case S_ARRAY:
        if (h->n > left)
            return dsk_seterr(err, DSK_EPROTO,
                              "array of %llu elements at offset %zu exceeds the %zu bytes left",
                              (unsigned long long)h->n, off, left);
        break;
    case S_MAP:
        if (2 * h->n > left)
            return dsk_seterr(err, DSK_EPROTO,
                              "map of %llu pairs at offset %zu exceeds the %zu bytes left",
                              (unsigned long long)h->n, off, left);
        break;
    default:
        break;
    }
    return DSK_OK;
}

/*
 * The walk. Each turn reads one object's header; a non-empty container
 * pushes its element count (2n for a map: keys and values alike), anything
 * else is skipped whole and completes one element of the innermost open
 * container, which may complete that container in turn. The walk ends when
 * the top-level object completes, and then the buffer must end too.
 */
int dsk_mp_check(const void *buf, size_t len, unsigned max_depth,
                 size_t max_objects, char *err)
{
    const unsigned char *p = buf;
    uint64_t left_in[S_STACK_MAX]; /* elements still to read, per open container */
    unsigned depth = 0;
    size_t objects = 0;
    size_t off = 0;

    if (max_depth > S_STACK_MAX)
        return dsk_seterr(err, DSK_EINVAL, "max_depth %u is above the supported %d",
                          max_depth, S_STACK_MAX);
    for (;;) {
        if (off == len)
            return dsk_seterr(err, DSK_EPROTO, "truncated: the buffer ends at offset %zu "
                              "where an object was expected", off);
        if (++objects > max_objects)
            return dsk_seterr(err, DSK_ETOOBIG, "more than %zu objects at offset %zu",
                              max_objects, off);
        s_head_t h = {0};
        int rc = s_read_head(p, len, off, &h, err);
        if (rc < 0)
            return rc;
        if (h.fmt->kind == S_ARRAY || h.fmt->kind == S_MAP) {
            if (depth == max_depth)
                return dsk_seterr(err, DSK_ETOOBIG, "nesting deeper than %u at offset %zu",
                                  max_depth, off);
            off += h.head;
            if (h.n > 0) {
                left_in[depth++] = h.fmt->kind == S_MAP ? 2 * h.n : h.n;
                continue;
            }
        } else {
            off += h.head + (h.fmt->kind == S_BYTES ? (size_t)h.n : 0);
        }
        /* One object is complete: close every container it completes. */
        while (depth > 0 && --left_in[depth - 1] == 0)
            depth--;
        if (depth == 0)
            break;
    }
    if (off != len)
        return dsk_seterr(err, DSK_EPROTO, "%zu trailing bytes after the object, at offset %zu",
                          len - off, off);
    return DSK_OK;
}

int dsk_mp_unpack(const void *buf, size_t len, unsigned max_depth, size_t max_objects,
                  msgpack_unpacked *up, char *err)
{
    msgpack_unpacked_init(up);
    int rc = dsk_mp_check(buf, len, max_depth, max_objects, err);
    if (rc != DSK_OK)
        return rc;
    size_t off = 0;
    msgpack_unpack_return ur = msgpack_unpack_next(up, buf, len, &off);
    if (ur != MSGPACK_UNPACK_SUCCESS || off != len)
        return dsk_seterr(err, ur == MSGPACK_UNPACK_NOMEM_ERROR ? DSK_ENOMEM : DSK_EPROTO,
                          "msgpack-c could not unpack it (%d)", (int)ur);
    return DSK_OK;
}
