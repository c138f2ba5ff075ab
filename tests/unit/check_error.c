/* check_error.c — error texts and log levels. */
#include <check.h>
#include <string.h>

#include "dsk_error.h"
#include "dsk_log.h"

START_TEST(test_every_code_has_its_own_text)
{
    for (int e = 0; e >= DSK_ERR_MIN; e--) {
        ck_assert_ptr_nonnull(dsk_strerror(e));
        ck_assert_str_ne(dsk_strerror(e), "unknown error");
        for (int f = e - 1; f >= DSK_ERR_MIN; f--)
            ck_assert_str_ne(dsk_strerror(e), dsk_strerror(f));
    }
    ck_assert_str_eq(dsk_strerror(DSK_ERR_MIN - 1), "unknown error");
    ck_assert_str_eq(dsk_strerror(7), "unknown error");
}
END_TEST

START_TEST(test_seterr_formats_and_returns_code)
{
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(dsk_seterr(err, DSK_EINVAL, "field %s: %d", "x", 3), DSK_EINVAL);
    ck_assert_str_eq(err, "field x: 3");
    ck_assert_int_eq(dsk_seterr(NULL, DSK_EIO, "ignored"), DSK_EIO);
}
END_TEST

START_TEST(test_log_levels_parse)
{
    dsk_log_level_t l;
    ck_assert_int_eq(dsk_log_level_parse("debug", &l), 0);
    ck_assert_int_eq(l, DSK_LOG_DEBUG);
    ck_assert_int_eq(dsk_log_level_parse("WARNING", &l), 0);
    ck_assert_int_eq(l, DSK_LOG_WARN);
    ck_assert_int_eq(dsk_log_level_parse("loud", &l), DSK_EINVAL);
}
END_TEST

Suite *dsk_error_suite(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 5);
    tcase_add_test(tc, test_every_code_has_its_own_text);
    tcase_add_test(tc, test_seterr_formats_and_returns_code);
    tcase_add_test(tc, test_log_levels_parse);
    suite_add_tcase(s, tc);
    return s;
}
