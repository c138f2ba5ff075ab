/* dsk_alloc.c — allocation that aborts on out-of-memory. */
#include "dsk_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <malloc.h>
#include <sys/mman.h>

#define S_HUGE ((size_t)2 << 20)

static void *s_check(void *p, size_t bytes)
{
    if (!p) {
        fprintf(stderr, "dsk: out of memory (%zu bytes)\n", bytes);
        abort();
    }
    return p;
}

void *dsk_xmalloc(size_t n)
{
    return s_check(malloc(n ? n : 1), n);
}

void *dsk_xcalloc(size_t n, size_t size)
{
    return s_check(calloc(n ? n : 1, size ? size : 1), n * size);
}

void *dsk_xrealloc(void *p, size_t n, size_t size)
{
    size_t bytes = n * size;
    if (size && bytes / size != n)
        return s_check(NULL, SIZE_MAX);
    return s_check(realloc(p, bytes ? bytes : 1), bytes);
}

void *dsk_xmalloc_big(size_t bytes)
{
    if (bytes < 2 * S_HUGE)
        return dsk_xmalloc(bytes);
    size_t rounded = (bytes + S_HUGE - 1) & ~(S_HUGE - 1);
    void *p = s_check(aligned_alloc(S_HUGE, rounded), bytes);
    (void)madvise(p, rounded, MADV_HUGEPAGE); /* advice: without THP nothing changes */
    return p;
}

void *dsk_xcalloc_big(size_t n, size_t size)
{
    size_t bytes = n * size;
    if (size && bytes / size != n)
        return s_check(NULL, SIZE_MAX);
    if (bytes < 2 * S_HUGE)
        return dsk_xcalloc(n, size);
    return memset(dsk_xmalloc_big(bytes), 0, bytes);
}

void dsk_alloc_keep_freed_memory(void)
{
    mallopt(M_MMAP_MAX, 0); /* every block from the heap, none mapped and unmapped per use */
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

char *dsk_xstrdup(const char *s)
{
    return s_check(strdup(s), strlen(s) + 1);
}

char *dsk_xstrndup(const char *s, size_t n)
{
    char *p = dsk_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
