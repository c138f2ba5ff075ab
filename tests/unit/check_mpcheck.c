/*
 * check_mpcheck.c — the walk over raw msgpack bytes: every format, every
 * length bomb, nesting, object and trailing-byte limits, and agreement with
 * msgpack-c on what is well-formed.
 */
#include "proto_fixtures.h"
/* ------------------------------------------------------------- mpcheck */

START_TEST(test_every_format_accepted)
{
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_check(s_every_format, sizeof s_every_format, err), 0);
    /* msgpack-c reads the same buffer the same way: 40 elements, nothing left. */
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    ck_assert_int_eq(msgpack_unpack_next(&up, (const char *)s_every_format,
                                         sizeof s_every_format, &off),
                     MSGPACK_UNPACK_SUCCESS);
    ck_assert_uint_eq(off, sizeof s_every_format);
    ck_assert_int_eq(up.data.type, MSGPACK_OBJECT_ARRAY);
    ck_assert_uint_eq(up.data.via.array.size, 40);
    msgpack_unpacked_destroy(&up);
    /* Each scalar alone is a whole object too. */
    const unsigned char singles[] = {0x00, 0x7f, 0xe0, 0xff, 0xc0, 0xc2, 0xc3, 0x90, 0x80, 0xa0};
    for (size_t i = 0; i < sizeof singles; i++)
        ck_assert_int_eq(s_check(&singles[i], 1, err), 0);
}
END_TEST

START_TEST(test_every_prefix_truncated)
{
    char err[DSK_ERR_LEN];
    for (size_t len = 0; len < sizeof s_every_format; len++) {
        int rc = s_check(s_every_format, len, err);
        ck_assert_msg(rc == DSK_EPROTO, "prefix of %zu bytes: rc %d (%s)", len, rc, err);
        ck_assert_msg(strstr(err, "offset") != NULL, "no offset in '%s'", err);
    }
    ck_assert_int_eq(s_check("", 0, err), DSK_EPROTO);
    ck_assert_str_eq(err, "truncated: the buffer ends at offset 0 where an object was expected");
    ck_assert_int_eq(s_check("\xcd\x01", 2, err), DSK_EPROTO);
    ck_assert_str_eq(err, "truncated uint16 at offset 0: needs 3 bytes, 2 left");
    ck_assert_int_eq(s_check("\x92\xc0", 2, err), DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "array of 2 elements at offset 0 exceeds the 1 bytes left"));
}
END_TEST

START_TEST(test_invalid_byte_and_trailing)
{
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_check("\xc1", 1, err), DSK_EPROTO);
    ck_assert_str_eq(err, "invalid format byte 0xc1 at offset 0");
    ck_assert_int_eq(s_check("\x92\xc0\xc1", 3, err), DSK_EPROTO);
    ck_assert_str_eq(err, "invalid format byte 0xc1 at offset 2");
    ck_assert_int_eq(s_check("\xc0\xc0", 2, err), DSK_EPROTO);
    ck_assert_str_eq(err, "1 trailing bytes after the object, at offset 1");
    ck_assert_int_eq(s_check("\x91\x90\x01\x02", 4, err), DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "2 trailing bytes"));
}
END_TEST

START_TEST(test_length_bombs)
{
    char err[DSK_ERR_LEN];
    for (size_t i = 0; i < S_NBOMBS; i++) {
        int rc = s_check(s_bombs[i].bytes, s_bombs[i].len, err);
        ck_assert_int_eq(rc, DSK_EPROTO);
        ck_assert_msg(strstr(err, s_bombs[i].text) != NULL, "bomb %zu: '%s'", i, err);
    }
    /* A count that fits the bytes left but not their nesting still fails, later. */
    ck_assert_int_eq(s_check("\x92\x93\x01\x02\x03", 5, err), DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "truncated"));
}
END_TEST

static size_t s_nest(unsigned char *buf, size_t depth, unsigned char container)
{
    memset(buf, container, depth);
    buf[depth] = 0xc0;
    if (container == 0x81) /* a map of one pair: key nil, value the next level */
        for (size_t i = 0; i < depth; i++) {
            buf[2 * i] = 0x81;
            buf[2 * i + 1] = 0xc0;
        }
    return container == 0x81 ? 2 * depth + 1 : depth + 1;
}

START_TEST(test_nesting_limit)
{
    char err[DSK_ERR_LEN];
    unsigned char buf[80];
    size_t len = s_nest(buf, 32, 0x91);
    ck_assert_int_eq(s_check(buf, len, err), 0);
    len = s_nest(buf, 33, 0x91);
    ck_assert_int_eq(s_check(buf, len, err), DSK_ETOOBIG);
    ck_assert_str_eq(err, "nesting deeper than 32 at offset 32");
    len = s_nest(buf, 32, 0x81);
    ck_assert_int_eq(s_check(buf, len, err), 0);
    len = s_nest(buf, 33, 0x81);
    ck_assert_int_eq(s_check(buf, len, err), DSK_ETOOBIG);
    ck_assert_str_eq(err, "nesting deeper than 32 at offset 64");
    /* An empty container one level too deep is still too deep. */
    memset(buf, 0x91, 32);
    buf[32] = 0x90;
    ck_assert_int_eq(s_check(buf, 33, err), DSK_ETOOBIG);
    /* msgpack-c itself stops at 32 (its stack is fixed) and calls it NOMEM. */
    len = s_nest(buf, 33, 0x91);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    ck_assert_int_eq(msgpack_unpack_next(&up, (const char *)buf, len, &off),
                     MSGPACK_UNPACK_NOMEM_ERROR);
    msgpack_unpacked_destroy(&up);
    ck_assert_int_eq(dsk_mp_check(buf, len, 1000, 10, err), DSK_EINVAL);
}
END_TEST

START_TEST(test_100000_deep_rejected_fast)
{
    const size_t n = 100000;
    unsigned char *buf = malloc(n);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0x91, n - 1);
    buf[n - 1] = 0xc0;
    char err[DSK_ERR_LEN];
    double t0 = s_now();
    int rc = dsk_mp_check(buf, n, DSK_PROTO_MAX_DEPTH, DSK_PROTO_MAX_OBJECTS, err);
    double dt = s_now() - t0;
    ck_assert_int_eq(rc, DSK_ETOOBIG);
    ck_assert_str_eq(err, "nesting deeper than 32 at offset 32");
    ck_assert_msg(dt < 0.05, "took %.3f s", dt);
    dsk_msg_t msg;
    ck_assert_int_eq(dsk_msg_decode(buf, n, &msg, err), DSK_ETOOBIG);
    free(buf);
}
END_TEST

START_TEST(test_object_limit)
{
    unsigned char buf[16];
    buf[0] = 0x9a; /* ten nils: eleven objects with the array */
    memset(buf + 1, 0xc0, 10);
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(dsk_mp_check(buf, 11, 32, 11, err), 0);
    ck_assert_int_eq(dsk_mp_check(buf, 11, 32, 10, err), DSK_ETOOBIG);
    ck_assert_str_eq(err, "more than 10 objects at offset 10");
    /* A map's keys and values both count. */
    ck_assert_int_eq(dsk_mp_check("\x81\xc0\xc0", 3, 32, 3, err), 0);
    ck_assert_int_eq(dsk_mp_check("\x81\xc0\xc0", 3, 32, 2, err), DSK_ETOOBIG);
}
END_TEST

/*
 * Random and mutated buffers: the walk never reads out of bounds (ASan),
 * always says why it refuses, and whatever it accepts msgpack-c reads as
 * exactly one whole object: the pre-check is never laxer than the unpacker.
 */
START_TEST(test_random_agrees_with_msgpack)
{
    static const unsigned char alphabet[] = {0x00, 0x01, 0x7f, 0x81, 0x82, 0x91, 0x92, 0x93,
                                             0x9f, 0xa1, 0xa3, 0xc0, 0xc4, 0xc7, 0xca, 0xcd,
                                             0xd0, 0xd4, 0xd9, 0xdc, 0xde, 0xe0, 0xff, 0x02};
    unsigned char buf[64];
    char err[DSK_ERR_LEN];
    size_t accepted = 0;
    s_seed(42);
    for (int i = 0; i < 100000; i++) {
        size_t len = s_rand() % sizeof buf;
        if (i % 2) {
            for (size_t k = 0; k < len; k++)
                buf[k] = (s_rand() % 4) ? alphabet[s_rand() % sizeof alphabet]
                                        : (unsigned char)s_rand();
        } else {
            len = len < sizeof s_every_format ? len : sizeof s_every_format;
            memcpy(buf, s_every_format + sizeof s_every_format - len, len);
            buf[s_rand() % (len ? len : 1)] = (unsigned char)s_rand();
        }
        int rc = s_check(buf, len, err);
        ck_assert_msg(rc == 0 || rc == DSK_EPROTO || rc == DSK_ETOOBIG, "rc %d", rc);
        ck_assert_msg(rc == 0 || err[0], "no error text");
        if (rc != 0)
            continue;
        accepted++;
        msgpack_unpacked up;
        msgpack_unpacked_init(&up);
        size_t off = 0;
        ck_assert_int_eq(msgpack_unpack_next(&up, (const char *)buf, len, &off),
                         MSGPACK_UNPACK_SUCCESS);
        ck_assert_uint_eq(off, len);
        msgpack_unpacked_destroy(&up);
    }
    ck_assert_msg(accepted > 1000, "only %zu random buffers were valid", accepted);
}
END_TEST

Suite *dsk_mpcheck_suite(void)
{
    Suite *s = suite_create("mpcheck");
    TCase *tc = tcase_create("walk");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_every_format_accepted);
    tcase_add_test(tc, test_every_prefix_truncated);
    tcase_add_test(tc, test_invalid_byte_and_trailing);
    tcase_add_test(tc, test_length_bombs);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_nesting_limit);
    tcase_add_test(tc, test_100000_deep_rejected_fast);
    tcase_add_test(tc, test_object_limit);
    suite_add_tcase(s, tc);
    tc = tcase_create("random");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_random_agrees_with_msgpack);
    suite_add_tcase(s, tc);
    return s;
}

