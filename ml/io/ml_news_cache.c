/* ml_news_cache.c — the 20 newsgroups corpus and its binary cache file. */
#include "ml_news_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "ml_load_util.h"

static const char s_magic[8] = {'D', 'S', 'K', '2', '0', 'N', 'G', '\0'};

void ml_news_corpus_free(ml_news_corpus_t *c)
{
    for (int p = 0; p < 2; p++) {
        ml_news_part_t *part = &c->part[p];
        for (int32_t k = 0; k < part->n_cats; k++)
            free(part->cats[k]);
        if (c->owned)
            for (int64_t i = 0; i < part->n; i++) {
                free(part->names[i]);
                free(part->docs[i]);
            }
        free(part->cats);
        free(part->target);
        free(part->names);
        free(part->docs);
        free(part->lens);
    }
    if (c->map)
        munmap(c->map, c->map_len);
    memset(c, 0, sizeof *c);
}

/* ---- reading ------------------------------------------------------------- */

typedef struct {
    const unsigned char *p;
    size_t left;
} s_cursor_t;

/* Takes n bytes from the cursor, or NULL when fewer are left. */
static const void *s_take(s_cursor_t *c, size_t n)
{
    if (n > c->left)
        return NULL;
    const void *r = c->p;
    c->p += n;
    c->left -= n;
    return r;
}

#define S_GET(cur, var)                                                                       \
    do {                                                                                      \
        const void *q_ = s_take((cur), sizeof(var));                                          \
        if (!q_)                                                                              \
            goto corrupt;                                                                     \
        memcpy(&(var), q_, sizeof(var));                                                      \
    } while (0)

/* A string stored as u32 length then bytes and a NUL, pointing into the map. */
static char *s_string(s_cursor_t *cur)
{
    uint32_t len;
    const void *q = s_take(cur, sizeof len);
    if (!q)
        return NULL;
    memcpy(&len, q, sizeof len);
    const char *s = s_take(cur, (size_t)len + 1);
    if (!s || s[len] != '\0' || memchr(s, '\0', len))
        return NULL;
    return (char *)s;
}

/* One part; every count is checked against the bytes left before allocating. */
static int s_read_part(s_cursor_t *cur, ml_news_part_t *part)
{
    uint32_t n_cats;
    uint64_t n;
    S_GET(cur, n_cats);
    if (n_cats > cur->left / 5)
        goto corrupt;
    part->cats = dsk_xcalloc(n_cats, sizeof *part->cats);
    for (uint32_t k = 0; k < n_cats; k++) {
        char *s = s_string(cur);
        if (!s)
            goto corrupt;
        part->cats[k] = dsk_xstrdup(s);
        part->n_cats = (int32_t)k + 1;
    }
    S_GET(cur, n);
    if (n > cur->left / 17)
        goto corrupt;
    part->target = dsk_xcalloc(n, sizeof *part->target);
    part->names = dsk_xcalloc(n, sizeof *part->names);
    part->docs = dsk_xcalloc(n, sizeof *part->docs);
    part->lens = dsk_xcalloc(n, sizeof *part->lens);
    part->n = (int64_t)n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t len;
        S_GET(cur, part->target[i]);
        if (part->target[i] < 0 || part->target[i] >= (int32_t)n_cats)
            goto corrupt;
        if (!(part->names[i] = s_string(cur)))
            goto corrupt;
        S_GET(cur, len);
        if (!(part->docs[i] = (char *)s_take(cur, len)))
            goto corrupt;
        part->lens[i] = (size_t)len;
    }
    return DSK_OK;
corrupt:
    return DSK_EPROTO;
}

/* Checks the header against key, the trailing hash, then the two parts. */
static int s_parse(const char *path, const ml_news_key_t *key, ml_news_corpus_t *c, char *err)
{
    s_cursor_t cur = {c->map, c->map_len};
    uint32_t version, order;
    ml_news_key_t k;
    uint64_t stored;
    if (c->map_len < sizeof s_magic + 8 + sizeof k + 8 ||
        memcmp(s_take(&cur, sizeof s_magic), s_magic, sizeof s_magic) != 0)
        return dsk_seterr(err, DSK_EPROTO, "%s: not a dsk 20 newsgroups cache", path);
    S_GET(&cur, version);
    S_GET(&cur, order);
    S_GET(&cur, k.size);
    S_GET(&cur, k.mtime_sec);
    S_GET(&cur, k.mtime_nsec);
    if (version != ML_NEWS_CACHE_VERSION || order != 0x01020304)
        return dsk_seterr(err, DSK_ESTATE, "%s: cache version %u, this dsk writes %u", path,
                          version, ML_NEWS_CACHE_VERSION);
    if (k.size != key->size || k.mtime_sec != key->mtime_sec || k.mtime_nsec != key->mtime_nsec)
        return dsk_seterr(err, DSK_ESTATE, "%s: made from another archive (size or mtime "
                          "differ)", path);
    memcpy(&stored, (const char *)c->map + c->map_len - 8, 8);
    if (XXH64(c->map, c->map_len - 8, 0) != stored)
        return dsk_seterr(err, DSK_EPROTO, "%s: corrupt cache (checksum mismatch)", path);
    cur.left -= 8;
    for (int p = 0; p < 2; p++)
        if (s_read_part(&cur, &c->part[p]) != 0)
            goto corrupt;
    if (cur.left != 0)
        goto corrupt;
    return DSK_OK;
corrupt:
    return dsk_seterr(err, DSK_EPROTO, "%s: corrupt cache (bad structure at byte %zu)", path,
                      (size_t)(cur.p - (const unsigned char *)c->map));
}

int ml_news_cache_read(const char *path, const ml_news_key_t *key, ml_news_corpus_t *c,
                       char *err)
{
    memset(c, 0, sizeof *c);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", path,
                          strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 64) {
        close(fd);
        return dsk_seterr(err, DSK_EPROTO, "%s: corrupt cache (too short)", path);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return dsk_seterr(err, DSK_EIO, "%s: mmap: %s", path, strerror(errno));
    c->map = map;
    c->map_len = (size_t)st.st_size;
    int rc = s_parse(path, key, c, err);
    if (rc)
        ml_news_corpus_free(c);
    return rc;
}

/* ---- writing ------------------------------------------------------------- */

typedef struct {
    FILE *f;
    XXH64_state_t *h;
    int failed;
} s_writer_t;

static void s_put(s_writer_t *w, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, w->f) != n)
        w->failed = 1;
    XXH64_update(w->h, p, n);
}

static void s_put_string(s_writer_t *w, const char *s)
{
    uint32_t len = (uint32_t)strlen(s);
    s_put(w, &len, sizeof len);
    s_put(w, s, (size_t)len + 1);
}

static void s_put_part(s_writer_t *w, const ml_news_part_t *part)
{
    uint32_t n_cats = (uint32_t)part->n_cats;
    uint64_t n = (uint64_t)part->n;
    s_put(w, &n_cats, sizeof n_cats);
    for (int32_t k = 0; k < part->n_cats; k++)
        s_put_string(w, part->cats[k]);
    s_put(w, &n, sizeof n);
    for (int64_t i = 0; i < part->n; i++) {
        uint64_t len = part->lens[i];
        s_put(w, &part->target[i], sizeof part->target[i]);
        s_put_string(w, part->names[i]);
        s_put(w, &len, sizeof len);
        s_put(w, part->docs[i], part->lens[i]);
    }
}

int ml_news_cache_write(const char *path, const ml_news_key_t *key, const ml_news_corpus_t *c,
                        char *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return dsk_seterr(err, DSK_EIO, "%s: %s", tmp, strerror(errno));
    fchmod(fd, 0644);
    s_writer_t w = {fdopen(fd, "wb"), XXH64_createState(), 0};
    if (!w.f || !w.h)
        abort();
    XXH64_reset(w.h, 0);
    setvbuf(w.f, NULL, _IOFBF, 1 << 20);
    uint32_t version = ML_NEWS_CACHE_VERSION, order = 0x01020304;
    s_put(&w, s_magic, sizeof s_magic);
    s_put(&w, &version, sizeof version);
    s_put(&w, &order, sizeof order);
    s_put(&w, &key->size, sizeof key->size);
    s_put(&w, &key->mtime_sec, sizeof key->mtime_sec);
    s_put(&w, &key->mtime_nsec, sizeof key->mtime_nsec);
    for (int p = 0; p < 2; p++)
        s_put_part(&w, &c->part[p]);
    uint64_t h = XXH64_digest(w.h);
    XXH64_freeState(w.h);
    if (fwrite(&h, 1, sizeof h, w.f) != sizeof h)
        w.failed = 1;
    int saved = errno;
    if (fclose(w.f) != 0 || w.failed) {
        unlink(tmp);
        return dsk_seterr(err, DSK_EIO, "%s: write failed: %s", tmp, strerror(saved ? saved : EIO));
    }
    if (rename(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        return dsk_seterr(err, DSK_EIO, "%s: %s", path, strerror(saved));
    }
    return DSK_OK;
}
