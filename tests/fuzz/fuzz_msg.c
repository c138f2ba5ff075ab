/*
 * fuzz_msg.c — libFuzzer target for the dsk message decoder.
 *
 * Not part of `make check`: `make fuzz` builds and runs it (FUZZ_SECONDS=60);
 * by hand, from the top of the tree:
 *
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Icommon -Iproto $(pkg-config --cflags msgpack) \
 *       tests/fuzz/fuzz_msg.c proto/dsk_msg.c common/dsk_mpcheck.c common/dsk_error.c \
 *       $(pkg-config --libs msgpack) -o build/fuzz_msg
 *   mkdir -p build/fuzz-corpus
 *   build/fuzz_msg -max_total_time=60 -max_len=4096 build/fuzz-corpus
 *
 * Every input must either decode or fail with an error text and an empty
 * message; whatever decodes must encode again (a decoded message is within
 * every limit) and decode back to the same type. Leaks count as failures.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int s_is_zero(const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dsk_msg_t msg, again;
    char err[DSK_ERR_LEN];
    err[0] = '\0';
    if (dsk_msg_decode(data, size, &msg, err) < 0) {
        if (!err[0] || !s_is_zero(&msg, sizeof msg))
            abort(); /* a failure must say why and leave nothing behind */
        return 0;
    }
    char *buf;
    size_t len;
    if (dsk_msg_encode(&msg, &buf, &len, err) < 0)
        abort(); /* what we accept we must be able to send */
    if (dsk_msg_decode(buf, len, &again, err) < 0 || again.type != msg.type)
        abort();
    dsk_msg_clear(&again);
    dsk_msg_clear(&msg);
    free(buf);
    return 0;
}
