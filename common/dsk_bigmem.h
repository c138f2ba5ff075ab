/*
 * dsk_bigmem.h — big arrays (from 1 MiB up: hash tables, sort buffers,
 * counts, vocabularies, SGD weight tables): whole 2 MiB-aligned regions on
 * transparent huge pages, recycled through a small process-wide cache of
 * freed regions, because on a virtual machine touching fresh pages costs
 * more than the work done in them. Thread-safe. Out of memory aborts.
 *
 * Every pointer handed out is 64-byte aligned. Release with dsk_big_free
 * only (never free()); a small request is a plain aligned_alloc
 * underneath, and dsk_big_free tells the two apart.
 */
#ifndef DSK_BIGMEM_H
#define DSK_BIGMEM_H

#include <stddef.h>

void *dsk_big_alloc(size_t bytes);
/* Zero-filled (fresh regions are zero already and are not written). */
void *dsk_big_zalloc(size_t bytes);
void dsk_big_free(void *p);
/*
 * For a process under a memory limit (dskd-worker): the cache of freed
 * regions holds at most bytes from now on (regions over it are unmapped
 * now), instead of a 32nd of the machine's memory.
 */
void dsk_big_cache_limit(size_t bytes);
/* Unmaps every cached region (memory wanted back now); returns the bytes given back. */
size_t dsk_big_release(void);

#endif
