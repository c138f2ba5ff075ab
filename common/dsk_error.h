/*
 * dsk_error.h — error codes shared by every dsk library and daemon.
 *
 * Functions return 0 (DSK_OK) on success or a negative DSK_E* code; the
 * human-readable detail, when there is one, goes into a caller-supplied
 * buffer of DSK_ERR_LEN bytes (Redis' style), so no error state is global.
 */
#ifndef DSK_ERROR_H
#define DSK_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define DSK_ERR_LEN 512

typedef enum {
    DSK_OK = 0,
    DSK_EINVAL = -1,    /* invalid argument or value */
    DSK_ENOMEM = -2,    /* out of memory */
    DSK_EIO = -3,       /* file or socket I/O failed */
    DSK_EPROTO = -4,    /* malformed message */
    DSK_EVERSION = -5,  /* unsupported protocol version */
    DSK_ETOOBIG = -6,   /* a size or count limit was exceeded */
    DSK_ECONFIG = -7,   /* bad configuration */
    DSK_ETIMEDOUT = -8, /* no answer in time */
    DSK_ECONNECT = -9,  /* cannot reach the peer */
    DSK_ENOTFOUND = -10,/* no such thing */
    DSK_EZMQ = -11,     /* a ZeroMQ call failed */
    DSK_ESTATE = -12,   /* request not valid in the current state */
    DSK_EINTR = -13,    /* interrupted by a signal */
    DSK_ENOTDSK = -14,  /* bytes that are not a dsk message at all */
    DSK_EPERM = -15,    /* that key may not do this (another client's job) */
    DSK_ERR_MIN = -15
} dsk_err_t;

/* Text for a DSK_E* code; never NULL (unknown codes get a generic text). */
const char *dsk_strerror(int err);

/*
 * Writes a formatted detail into err (DSK_ERR_LEN bytes; may be NULL) and
 * returns code, so a failure site reads `return dsk_seterr(err, DSK_EINVAL,
 * "...")`.
 */
int dsk_seterr(char *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
