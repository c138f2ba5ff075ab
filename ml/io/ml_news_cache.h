/*
 * ml_news_cache.h — the 20 newsgroups corpus as scikit-learn caches it (the
 * train and test folders after load_files, i.e. in RandomState(0) order),
 * and dsk's binary cache of it: parsing the 14 MB archive takes a second,
 * reading the cache a few tens of milliseconds.
 *
 * Cache file (20news-bydate.dskcache), native little-endian:
 *   "DSK20NG\0", u32 version, u32 0x01020304 (byte order check),
 *   u64 archive size, i64 archive mtime seconds, i64 nanoseconds,
 *   per part (train, test): u32 n_cats, n_cats x (u32 len, bytes + NUL),
 *     u64 n_docs, n_docs x (i32 target, u32 name len, name + NUL,
 *     u64 doc len, doc bytes),
 *   u64 XXH64 of all the bytes before it.
 * A cache whose key (archive size and mtime) differs is stale; one whose
 * hash or structure is wrong is corrupt; both are rebuilt by the caller.
 */
#ifndef ML_NEWS_CACHE_H
#define ML_NEWS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"

#define ML_NEWS_CACHE_NAME "20news-bydate.dskcache"
#define ML_NEWS_CACHE_VERSION 1

/* One of the two folders, in load_files order. */
typedef struct {
    int32_t n_cats;
    char **cats;        /* sorted category names, owned */
    int64_t n;
    int32_t *target;    /* index into cats, owned */
    char **names;       /* "20news-bydate-train/alt.atheism/51267" */
    char **docs;        /* latin-1 bytes (NUL-terminated when owned) */
    size_t *lens;
} ml_news_part_t;

typedef struct {
    ml_news_part_t part[2]; /* train, test */
    int owned;              /* names/docs malloc'd one by one (else in map) */
    void *map;              /* the cache file mapping names/docs point into */
    size_t map_len;
} ml_news_corpus_t;

typedef struct {
    uint64_t size;
    int64_t mtime_sec, mtime_nsec;
} ml_news_key_t;

void ml_news_corpus_free(ml_news_corpus_t *c);

/*
 * Maps the cache at path into *c. DSK_ENOTFOUND: no file; DSK_ESTATE: made
 * from another archive (or version); DSK_EPROTO: corrupt. err says which.
 */
int ml_news_cache_read(const char *path, const ml_news_key_t *key, ml_news_corpus_t *c,
                       char *err);
/* Writes c atomically (a temporary file renamed over path). */
int ml_news_cache_write(const char *path, const ml_news_key_t *key, const ml_news_corpus_t *c,
                        char *err);

#endif
