/* dsk_bigmem.c — big arrays on huge pages, recycled through a cache of freed regions. */
#include "dsk_bigmem.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Big arrays on transparent huge pages (madvise), 2 MiB-aligned and a whole
 * number of huge pages (else an array's unaligned ends, up to 4 MiB, still
 * fault 4 KiB at a time). On this project's virtual machines first-touch
 * faults dominate: a 4 KiB fault costs tens of microseconds, and a 2 MiB one
 * on memory the host has reclaimed (free page reporting) about 2 ms, 20
 * times the cost of zeroing it. So freed regions are kept in a small
 * process-wide cache (S_CACHE_N regions, up to s_cache_max bytes) and
 * handed out again: the next phase of a build, and the next build, run on
 * warm pages. The cache holds a 20-class bigram SGD fit's tables (weights
 * and penalties, columns, and coef_ when a model is saved: up to about
 * 370 MB), so that fit after fit reuses them; when it is full the regions
 * freed longest ago go first.
 *
 * Every block starts S_HDR bytes before the pointer handed out, with the
 * length of its region (0: a small block from aligned_alloc). Small blocks
 * are cache-line aligned as regions are, so the pointers handed out always
 * are (vector code loads 32-byte vectors from them with aligned loads).
 */
#define S_BIG ((size_t)1 << 21)
#define S_ROUND(b) (((b) + S_BIG - 1) & ~(S_BIG - 1))
#define S_HDR ((size_t)64)
#define S_CACHE_N 32
#define S_CACHE_MIN ((size_t)128 << 20)
#define S_CACHE_CAP ((size_t)768 << 20)

static pthread_mutex_t s_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *p;
    size_t len;
    uint64_t freed; /* when it was put back (a counter): the oldest is evicted first */
} s_cache[S_CACHE_N];
static size_t s_cache_n, s_cache_bytes, s_cache_max;
static int s_cache_max_set;     /* dsk_big_cache_limit was called: keep its value */
static uint64_t s_cache_clock;

/* The cache's size: a 32nd of the machine's memory, within [128, 768] MiB. */
static size_t s_cache_limit(void)
{
    if (!s_cache_max && !s_cache_max_set) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        size_t ram = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
        size_t m = ram / 32;
        s_cache_max = m < S_CACHE_MIN ? S_CACHE_MIN : (m > S_CACHE_CAP ? S_CACHE_CAP : m);
    }
    return s_cache_max;
}

/* Fresh anonymous zero pages, 2 MiB-aligned (the excess of a larger mapping unmapped). */
static char *s_map_aligned(size_t len)
{
    char *p = mmap(NULL, len + S_BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        abort();
    char *a = (char *)S_ROUND((uintptr_t)p);
    if (a > p)
        munmap(p, (size_t)(a - p));
    if (a + len < p + len + S_BIG)
        munmap(a + len, (size_t)(p + len + S_BIG - (a + len)));
    madvise(a, len, MADV_HUGEPAGE);
    return a;
}

/*
 * A region of at least len bytes (len a multiple of S_BIG): the smallest
 * cached one not over twice that, else fresh pages (*fresh = 1: zeroed).
 */
static char *s_region_get(size_t len, int *fresh)
{
    pthread_mutex_lock(&s_cache_lock);
    size_t best = S_CACHE_N;
    for (size_t i = 0; i < s_cache_n; i++)
        if (s_cache[i].len >= len && s_cache[i].len <= 2 * len &&
            (best == S_CACHE_N || s_cache[i].len < s_cache[best].len))
            best = i;
    char *p = NULL;
    if (best < S_CACHE_N) {
        p = s_cache[best].p;
        s_cache_bytes -= s_cache[best].len;
        s_cache[best] = s_cache[--s_cache_n];
    }
    pthread_mutex_unlock(&s_cache_lock);
    *fresh = p == NULL;
    if (!p) {
        p = s_map_aligned(len);
        *(size_t *)p = len;
    }
    return p;
}

/*
 * Keeps a region for reuse, making room by unmapping the regions freed
 * longest ago; one larger than the whole cache is unmapped at once.
 */
static void s_region_put(char *p)
{
    size_t len = *(size_t *)p, nold = 0;
    struct {
        char *p;
        size_t len;
    } old[S_CACHE_N + 1];
    pthread_mutex_lock(&s_cache_lock);
    size_t max = s_cache_limit();
    if (len > max) {
        old[nold].p = p;
        old[nold++].len = len;
    } else {
        while (s_cache_n == S_CACHE_N || s_cache_bytes + len > max) {
            size_t o = 0;
            for (size_t i = 1; i < s_cache_n; i++)
                if (s_cache[i].freed < s_cache[o].freed)
                    o = i;
            old[nold].p = s_cache[o].p;
            old[nold++].len = s_cache[o].len;
            s_cache_bytes -= s_cache[o].len;
            s_cache[o] = s_cache[--s_cache_n];
        }
        s_cache[s_cache_n].p = p;
        s_cache[s_cache_n].len = len;
        s_cache[s_cache_n++].freed = ++s_cache_clock;
        s_cache_bytes += len;
    }
    pthread_mutex_unlock(&s_cache_lock);
    for (size_t i = 0; i < nold; i++)
        munmap(old[i].p, old[i].len);
}

/*
 * A region's length for a request: whole huge pages, and above 8 of them
 * rounded up to one of 8 sizes per doubling (at most 1/8 more), so that
 * the next fit's tables, a few columns more or fewer than the last one's,
 * find the last one's regions in the cache. Pages a region never touches
 * cost nothing.
 */
static size_t s_size_class(size_t bytes)
{
    size_t n = S_ROUND(bytes) / S_BIG, step = 1;
    while (n > 8 * step * 2)
        step *= 2;
    if (n > 8)
        n = (n + step - 1) / step * step;
    return n * S_BIG;
}

/* A block of bytes; *fresh = 1 when its memory is known to be zero. */
static void *s_block(size_t bytes, int *fresh)
{
    if (bytes + S_HDR < S_BIG / 2) {
        char *p = aligned_alloc(S_HDR, (bytes + 2 * S_HDR - 1) & ~(S_HDR - 1));
        if (!p)
            abort();
        *(size_t *)p = 0;
        *fresh = 0;
        return p + S_HDR;
    }
    return s_region_get(s_size_class(bytes + S_HDR), fresh) + S_HDR;
}

void *dsk_big_alloc(size_t bytes)
{
    int fresh;
    return s_block(bytes, &fresh);
}

void *dsk_big_zalloc(size_t bytes)
{
    int fresh;
    void *p = s_block(bytes, &fresh);
    return fresh ? p : memset(p, 0, bytes);
}

/* Unmaps cached regions, the oldest first, until at most keep bytes stay cached. */
static size_t s_cache_shrink(size_t keep)
{
    size_t released = 0;
    for (;;) {
        pthread_mutex_lock(&s_cache_lock);
        if (s_cache_n == 0 || s_cache_bytes <= keep) {
            pthread_mutex_unlock(&s_cache_lock);
            return released;
        }
        size_t o = 0;
        for (size_t i = 1; i < s_cache_n; i++)
            if (s_cache[i].freed < s_cache[o].freed)
                o = i;
        char *p = s_cache[o].p;
        size_t len = s_cache[o].len;
        s_cache_bytes -= len;
        s_cache[o] = s_cache[--s_cache_n];
        pthread_mutex_unlock(&s_cache_lock);
        munmap(p, len); /* outside the lock: other threads allocate meanwhile */
        released += len;
    }
}

void dsk_big_cache_limit(size_t bytes)
{
    pthread_mutex_lock(&s_cache_lock);
    s_cache_max = bytes;
    s_cache_max_set = 1;
    pthread_mutex_unlock(&s_cache_lock);
    s_cache_shrink(bytes);
}

size_t dsk_big_release(void) { return s_cache_shrink(0); }

void dsk_big_free(void *p)
{
    if (!p)
        return;
    char *b = (char *)p - S_HDR;
    if (*(size_t *)b == 0)
        free(b);
    else
        s_region_put(b);
}

