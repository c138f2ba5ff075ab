/*
 * proto_fixtures.h — what the protocol suites (check_mpcheck.c,
 * check_msg.c) share: a replayable PRNG, exact-size copies of hostile input
 * (so under ASan a read one byte too far fails the test), and the length
 * bombs every decoder must survive. Included by test files only.
 */
#ifndef PROTO_FIXTURES_H
#define PROTO_FIXTURES_H
#include <check.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsk_mpcheck.h"
#include "dsk_msg.h"

static uint64_t s_rng __attribute__((unused));

static __attribute__((unused)) void s_seed(uint64_t seed)
{
    s_rng = seed ? seed : 1;
}

/* xorshift64: reproducible, so a failure can be replayed. */
static __attribute__((unused)) uint32_t s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)(s_rng >> 16);
}

static __attribute__((unused)) double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A heap copy of exactly len bytes, so ASan sees any read past the end. */
static __attribute__((unused)) unsigned char *s_exact(const void *src, size_t len)
{
    unsigned char *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    if (len)
        memcpy(p, src, len);
    return p;
}

static __attribute__((unused)) int s_check(const void *buf, size_t len, char *err)
{
    unsigned char *copy = s_exact(buf, len);
    err[0] = '\0';
    int rc = dsk_mp_check(copy, len, DSK_PROTO_MAX_DEPTH, DSK_PROTO_MAX_OBJECTS, err);
    free(copy);
    return rc;
}

static __attribute__((unused)) int s_is_zero(const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return 0;
    return 1;
}

/* Decodes a private copy; on failure also asserts msg owns nothing. */
static __attribute__((unused)) int s_decode(const void *buf, size_t len, dsk_msg_t *msg, char *err)
{
    unsigned char *copy = s_exact(buf, len);
    err[0] = '\0';
    int rc = dsk_msg_decode(copy, len, msg, err);
    free(copy);
    if (rc < 0) {
        ck_assert_msg(err[0] != '\0', "decode failed (%d) without a message", rc);
        ck_assert_msg(s_is_zero(msg, sizeof *msg), "failed decode left data in msg: %s", err);
    }
    return rc;
}

/* One array holding every msgpack format once, plus the empty containers. */
static const unsigned char s_every_format[] = {
    0xdc, 0x00, 40,                                /* array16 of 40 */
    0x05,                                          /* positive fixint */
    0x81, 0xa1, 'k', 0x01,                         /* fixmap */
    0x92, 0xc0, 0xc0,                              /* fixarray */
    0xa2, 'h', 'i',                                /* fixstr */
    0xc0, 0xc2, 0xc3,                              /* nil, false, true */
    0xc4, 0x01, 0xaa,                              /* bin8 */
    0xc5, 0x00, 0x01, 0xaa,                        /* bin16 */
    0xc6, 0x00, 0x00, 0x00, 0x01, 0xaa,            /* bin32 */
    0xc7, 0x01, 0x05, 0xaa,                        /* ext8 */
    0xc8, 0x00, 0x01, 0x05, 0xaa,                  /* ext16 */
    0xc9, 0x00, 0x00, 0x00, 0x01, 0x05, 0xaa,      /* ext32 */
    0xca, 0x3f, 0x80, 0x00, 0x00,                  /* float32 */
    0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,            /* float64 */
    0xcc, 0xff,                                    /* uint8 */
    0xcd, 0xff, 0xff,                              /* uint16 */
    0xce, 0xff, 0xff, 0xff, 0xff,                  /* uint32 */
    0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* uint64 */
    0xd0, 0x80,                                    /* int8 */
    0xd1, 0x80, 0x00,                              /* int16 */
    0xd2, 0x80, 0x00, 0x00, 0x00,                  /* int32 */
    0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0,               /* int64 */
    0xd4, 0x05, 0xaa,                              /* fixext1 */
    0xd5, 0x05, 0xaa, 0xaa,                        /* fixext2 */
    0xd6, 0x05, 1, 2, 3, 4,                        /* fixext4 */
    0xd7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8,            /* fixext8 */
    0xd8, 0x05, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* fixext16 */
    0xd9, 0x01, 'x',                               /* str8 */
    0xda, 0x00, 0x01, 'x',                         /* str16 */
    0xdb, 0x00, 0x00, 0x00, 0x01, 'x',             /* str32 */
    0xdc, 0x00, 0x01, 0xc0,                        /* array16 */
    0xdd, 0x00, 0x00, 0x00, 0x01, 0xc0,            /* array32 */
    0xde, 0x00, 0x01, 0xc0, 0xc0,                  /* map16 */
    0xdf, 0x00, 0x00, 0x00, 0x01, 0xc0, 0xc0,      /* map32 */
    0xff,                                          /* negative fixint */
    0x90, 0x80, 0xa0, 0xc4, 0x00,                  /* empty array, map, str, bin */
};

/* The length bombs every decoder must survive: counts and lengths of 2^32-1 or 2^16-1. */
static const struct __attribute__((unused)) {
    unsigned char bytes[8];
    size_t len;
    const char *text;
} s_bombs[] = {
    {{0xdd, 0xff, 0xff, 0xff, 0xff}, 5, "array of 4294967295 elements at offset 0 exceeds"},
    {{0xdc, 0xff, 0xff}, 3, "array of 65535 elements at offset 0 exceeds"},
    {{0xde, 0xff, 0xff}, 3, "map of 65535 pairs at offset 0 exceeds"},
    {{0xdf, 0xff, 0xff, 0xff, 0xff}, 5, "map of 4294967295 pairs at offset 0 exceeds"},
    {{0xc6, 0xff, 0xff, 0xff, 0xff}, 5, "bin of 4294967295 bytes at offset 0 exceeds"},
    {{0xdb, 0xff, 0xff, 0xff, 0xff}, 5, "str of 4294967295 bytes at offset 0 exceeds"},
    {{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}, 6, "ext of 4294967295 bytes at offset 0 exceeds"},
    {{0xda, 0xff, 0xff}, 3, "str of 65535 bytes at offset 0 exceeds"},
};
#define S_NBOMBS (sizeof s_bombs / sizeof s_bombs[0])


#endif
