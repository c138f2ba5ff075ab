/* dsk_error.c — error texts. */
#include "dsk_error.h"

#include <stdio.h>

static const char *s_texts[] = {
    [0] = "success",
    [1] = "invalid argument",
    [2] = "out of memory",
    [3] = "input/output error",
    [4] = "malformed message",
    [5] = "unsupported protocol version",
    [6] = "limit exceeded",
    [7] = "bad configuration",
    [8] = "timed out",
    [9] = "cannot reach peer",
    [10] = "not found",
    [11] = "ZeroMQ error",
    [12] = "invalid state",
    [13] = "interrupted",
    [14] = "not a dsk message",
    [15] = "not allowed",
};

const char *dsk_strerror(int err)
{
    if (err > 0 || err < DSK_ERR_MIN)
        return "unknown error";
    return s_texts[-err];
}

int dsk_seterr(char *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, DSK_ERR_LEN, fmt, ap);
        va_end(ap);
    }
    return code;
}
