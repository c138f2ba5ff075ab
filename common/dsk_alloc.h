/*
 * dsk_alloc.h — allocation that cannot fail: out of memory aborts (the one
 * failure a dsk process may die of: docs/architecture.md, "Errors"), so callers never carry a NULL
 * check for it. Zero-sized requests get one byte, so the result is never
 * NULL either. Caller owns what these return (free()).
 */
#ifndef DSK_ALLOC_H
#define DSK_ALLOC_H

#include <stddef.h>

void *dsk_xmalloc(size_t n);
/* Zero-filled n * size bytes. */
void *dsk_xcalloc(size_t n, size_t size);
/* Resizes p to n * size bytes (p may be NULL). */
void *dsk_xrealloc(void *p, size_t n, size_t size);
/*
 * Large arrays (a few MiB and more) on transparent huge pages where the
 * kernel allows (madvise): 512 times fewer page faults on first touch,
 * which on a virtual machine cost more than writing the memory, and fewer
 * TLB misses when the array is read at random. Freed with free().
 */
void *dsk_xmalloc_big(size_t bytes);
/* dsk_xmalloc_big of n * size bytes, zero-filled. */
void *dsk_xcalloc_big(size_t n, size_t size);
/*
 * For the daemons and the client: freed memory stays in the process for
 * the next task, message or chunk (no mmap per large block, no trimming
 * back to the kernel below 1 GiB, one heap for all threads, its first
 * 512 MiB on transparent huge pages), because on a virtual machine
 * touching fresh pages costs more than the work done in them. Call once,
 * first, before any thread starts.
 */
void dsk_alloc_keep_freed_memory(void);
/* n bytes aligned to align (a power of two), n rounded up to a multiple of it. */
void *dsk_xaligned_alloc(size_t align, size_t n);
char *dsk_xstrdup(const char *s);
/* The first n bytes of s, NUL-terminated. */
char *dsk_xstrndup(const char *s, size_t n);

#endif
