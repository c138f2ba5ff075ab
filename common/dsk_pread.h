/*
 * dsk_pread.h — reading a file at an offset without moving a shared
 * position (pread), so threads and streams can read one file descriptor:
 * all the bytes asked for, or an error that says which file, where, and
 * why (a short read is a file that ends early).
 */
#ifndef DSK_PREAD_H
#define DSK_PREAD_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"

/* len bytes at off of fd (named what in errors) into buf: 0, or DSK_EIO with err. */
int dsk_pread_full(int fd, void *buf, size_t len, uint64_t off, const char *what, char *err);

#endif
