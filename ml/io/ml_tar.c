/* ml_tar.c — streaming .tar.gz reader: ustar/GNU/pax headers, bounds-checked. */
#include "ml_tar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dsk_alloc.h"

#define S_BLOCK 512
#define S_NAME_MAX 65536

struct ml_tar {
    gzFile gz;
    char *path;
    uint64_t offset;    /* bytes consumed from the uncompressed stream */
    uint64_t left;      /* unread content bytes of the current member */
    uint64_t pad;       /* padding after it, to the next 512-byte block */
    int read_done;      /* the current member's content was handed out */
    char *name;         /* current member's name */
    char *long_name;    /* a pending GNU 'L' or pax path for the next header */
    int64_t pax_size;   /* a pending pax size, or -1 */
};

int ml_tar_open(const char *path, ml_tar_t **out, char *err)
{
    *out = NULL;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", path,
                          strerror(errno ? errno : EIO));
    gzbuffer(gz, 1 << 18);
    ml_tar_t *t = dsk_xcalloc(1, sizeof *t);
    t->path = dsk_xstrdup(path);
    t->gz = gz;
    t->pax_size = -1;
    *out = t;
    return DSK_OK;
}

void ml_tar_destroy(ml_tar_t **t_p)
{
    ml_tar_t *t = *t_p;
    if (!t)
        return;
    gzclose(t->gz);
    free(t->path);
    free(t->name);
    free(t->long_name);
    free(t);
    *t_p = NULL;
}

/*
 * Reads exactly n bytes. zlib reports corrupt deflate data and a gzip
 * stream cut short as errors; a clean end of file before n bytes is a
 * truncated archive. what says what was being read, for the message.
 */
static int s_read(ml_tar_t *t, void *buf, size_t n, const char *what, char *err)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
        int r = gzread(t->gz, (char *)buf + got, (unsigned)want);
        if (r < 0 || (r == 0 && !gzeof(t->gz))) {
            int zerr;
            const char *msg = gzerror(t->gz, &zerr);
            return dsk_seterr(err, DSK_EIO, "%s: corrupt archive at byte %llu of the tar "
                              "stream, reading %s (zlib: %s)", t->path,
                              (unsigned long long)(t->offset + got), what, msg);
        }
        if (r == 0) {
            int zerr;
            const char *msg = gzerror(t->gz, &zerr);
            return dsk_seterr(err, DSK_EIO, "%s: truncated archive: it ends at byte %llu of "
                              "the tar stream, inside %s (%zu of %zu bytes)%s%s", t->path,
                              (unsigned long long)(t->offset + got), what, got, n,
                              zerr ? "; zlib: " : "", zerr ? msg : "");
        }
        got += (size_t)r;
    }
    t->offset += n;
    return DSK_OK;
}

/* Discards n bytes (the unread rest of a member and its padding). */
static int s_skip(ml_tar_t *t, uint64_t n, char *err)
{
    char buf[16384];
    while (n) {
        size_t k = n > sizeof buf ? sizeof buf : (size_t)n;
        int rc = s_read(t, buf, k, t->name ? t->name : "a member", err);
        if (rc)
            return rc;
        n -= k;
    }
    return DSK_OK;
}

/* An octal field (spaces/NULs around it), or GNU base-256 when the top bit is set. */
static int s_number(const unsigned char *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) {
        if (f[0] != 0x80)
            return -1; /* negative or too large for us */
        for (size_t i = 1; i < n; i++) {
            if (v >> 55)
                return -1;
            v = (v << 8) | f[i];
        }
        *out = v;
        return 0;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        if (v >> 60)
            return -1;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return -1;
    *out = v;
    return digits ? 0 : (n == 8 ? -1 : 0);
}

/* The header checksum: the sum of its bytes with the checksum field as spaces
   (tar writers sum unsigned bytes; some old ones signed: accept either). */
static int s_checksum_ok(const unsigned char *h)
{
    uint64_t stored;
    if (s_number(h + 148, 8, &stored) != 0)
        return 0;
    uint64_t u = 0;
    int64_t s = 0;
    for (int i = 0; i < S_BLOCK; i++) {
        unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
        u += c;
        s += (signed char)c;
    }
    return stored == u || (int64_t)stored == s;
}

/* Takes content that names the next member (GNU 'L' or pax 'x'). */
static int s_read_meta(ml_tar_t *t, uint64_t size, char **out, char *err)
{
    if (size > S_NAME_MAX)
        return dsk_seterr(err, DSK_EIO, "%s: corrupt archive at byte %llu: a %llu-byte "
                          "extended header", t->path, (unsigned long long)t->offset,
                          (unsigned long long)size);
    char *b = dsk_xmalloc((size_t)size + 1);
    int rc = s_read(t, b, (size_t)size, "an extended header", err);
    if (rc == 0)
        rc = s_skip(t, (S_BLOCK - size % S_BLOCK) % S_BLOCK, err);
    if (rc) {
        free(b);
        return rc;
    }
    b[size] = '\0';
    *out = b;
    return DSK_OK;
}

/* pax records "LEN key=value\n": keeps path and size for the next member. */
static int s_pax(ml_tar_t *t, char *rec, size_t n, char *err)
{
    size_t i = 0;
    while (i < n) {
        char *end;
        unsigned long len = strtoul(rec + i, &end, 10);
        char *eq = len ? memchr(end, '=', n - (size_t)(end - rec)) : NULL;
        if (!len || len > n - i || *end != ' ' || !eq || eq >= rec + i + len ||
            rec[i + len - 1] != '\n')
            return dsk_seterr(err, DSK_EIO, "%s: corrupt pax header before byte %llu",
                              t->path, (unsigned long long)t->offset);
        char *key = end + 1, *val = eq + 1;
        size_t vlen = (size_t)(rec + i + len - 1 - val);
        if ((size_t)(eq - key) == 4 && memcmp(key, "path", 4) == 0) {
            free(t->long_name);
            t->long_name = dsk_xstrndup(val, vlen);
        } else if ((size_t)(eq - key) == 4 && memcmp(key, "size", 4) == 0) {
            t->pax_size = strtoll(val, NULL, 10);
        }
        i += len;
    }
    return DSK_OK;
}

/* The member's name: a pending long name, else ustar's prefix "/" name. */
static void s_set_name(ml_tar_t *t, const unsigned char *h)
{
    free(t->name);
    if (t->long_name) {
        t->name = t->long_name;
        t->long_name = NULL;
        return;
    }
    char name[101], prefix[156];
    memcpy(name, h, 100);
    name[100] = '\0';
    prefix[0] = '\0';
    if (memcmp(h + 257, "ustar\0", 6) == 0) { /* POSIX: GNU keeps times there */
        memcpy(prefix, h + 345, 155);
        prefix[155] = '\0';
    }
    size_t n = strlen(prefix) + strlen(name) + 2;
    t->name = dsk_xmalloc(n);
    snprintf(t->name, n, "%s%s%s", prefix, *prefix ? "/" : "", name);
}

/* Reads and checks one 512-byte header: 1 = a header, 0 = the end marker. */
static int s_header(ml_tar_t *t, unsigned char *h, char *err)
{
    uint64_t at = t->offset;
    int r = gzread(t->gz, h, S_BLOCK);
    int zerr = Z_OK;
    if (r <= 0)
        gzerror(t->gz, &zerr);
    if (r == 0 && gzeof(t->gz) && zerr == Z_OK) {
        if (at > 0)
            return 0; /* no end-of-archive blocks: tolerated, as GNU tar does */
        return dsk_seterr(err, DSK_EIO, "%s: empty file, not a tar archive", t->path);
    }
    r = r < 0 ? 0 : r;
    t->offset += (uint64_t)r;
    if (r < S_BLOCK) {
        int rc = s_read(t, h + r, (size_t)(S_BLOCK - r), "a member header", err);
        if (rc)
            return rc;
    }
    int zero = 1;
    for (int i = 0; i < S_BLOCK && zero; i++)
        zero = h[i] == 0;
    if (zero)
        return 0;
    if (!s_checksum_ok(h))
        return dsk_seterr(err, DSK_EIO, "%s: corrupt archive: bad header checksum at byte "
                          "%llu of the tar stream%s", t->path, (unsigned long long)at,
                          at == 0 ? " (not a tar archive?)" : "");
    return 1;
}

int ml_tar_next(ml_tar_t *t, ml_tar_entry_t *e, char *err)
{
    int rc = s_skip(t, t->left + t->pad, err);
    t->left = t->pad = 0;
    if (rc)
        return rc;
    for (;;) {
        unsigned char h[S_BLOCK];
        uint64_t at = t->offset, size, mtime;
        if ((rc = s_header(t, h, err)) <= 0)
            return rc;
        if (s_number(h + 124, 12, &size) != 0 || s_number(h + 136, 12, &mtime) != 0)
            return dsk_seterr(err, DSK_EIO, "%s: corrupt archive: bad size or time field in "
                              "the header at byte %llu", t->path, (unsigned long long)at);
        char type = (char)h[156];
        if (type == 'L' || type == 'x') {
            char *meta = NULL;
            if ((rc = s_read_meta(t, size, &meta, err)) != 0)
                return rc;
            if (type == 'L') {
                free(t->long_name);
                t->long_name = meta;
            } else {
                rc = s_pax(t, meta, (size_t)size, err);
                free(meta);
                if (rc)
                    return rc;
            }
            continue;
        }
        if (type == 'K' || type == 'g') { /* long link names, global pax: unused */
            if ((rc = s_skip(t, (size + S_BLOCK - 1) / S_BLOCK * S_BLOCK, err)) != 0)
                return rc;
            continue;
        }
        if (t->pax_size >= 0)
            size = (uint64_t)t->pax_size;
        t->pax_size = -1;
        s_set_name(t, h);
        e->name = t->name;
        e->type = (type == '0' || type == '\0' || type == '7') ? ML_TAR_FILE
                  : type == '5'                                ? ML_TAR_DIR
                                                               : ML_TAR_OTHER;
        if (type == '1' || type == '2' || type == '5')
            size = 0; /* links and folders store no content, whatever the field says */
        e->size = size;
        e->mtime = (int64_t)mtime;
        t->left = size;
        t->pad = (S_BLOCK - size % S_BLOCK) % S_BLOCK;
        t->read_done = 0;
        return 1;
    }
}

int ml_tar_read(ml_tar_t *t, char **buf, size_t *len, char *err)
{
    if (t->read_done || !t->name)
        return dsk_seterr(err, DSK_ESTATE, "%s: no member to read", t->path);
    if (t->left > ML_TAR_MAX_MEMBER)
        return dsk_seterr(err, DSK_ETOOBIG, "%s: member '%s' is %llu bytes, more than dsk "
                          "reads from an archive", t->path, t->name,
                          (unsigned long long)t->left);
    size_t n = (size_t)t->left;
    char *b = dsk_xmalloc(n + 1);
    int rc = s_read(t, b, n, t->name, err);
    if (rc) {
        free(b);
        return rc;
    }
    b[n] = '\0';
    t->left = 0;
    t->read_done = 1;
    *buf = b;
    *len = n;
    return DSK_OK;
}
