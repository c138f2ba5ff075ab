/* dsk_pread.c — whole preads, retried on EINTR and short reads. */
#include "dsk_pread.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int dsk_pread_full(int fd, void *buf, size_t len, uint64_t off, const char *what, char *err)
{
    for (size_t got = 0; got < len;) {
        ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return dsk_seterr(err, DSK_EIO, "%s: %s at byte %llu", what,
                              n < 0 ? strerror(errno) : "the file ends",
                              (unsigned long long)(off + got));
        got += (size_t)n;
    }
    return DSK_OK;
}
