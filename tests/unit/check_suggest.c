/* check_suggest.c — edit distance and "did you mean". */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "dsk_suggest.h"

START_TEST(test_edit_distance)
{
    ck_assert_uint_eq(dsk_edit_distance("nthraeds", 8, "nthreads", 0), 2);
    ck_assert_uint_eq(dsk_edit_distance("gama", 4, "gamma", 0), 1);
    ck_assert_uint_eq(dsk_edit_distance("", 0, "abc", 0), 3);
    ck_assert_uint_eq(dsk_edit_distance("svc", 3, "SVC", 0), 3);
    ck_assert_uint_eq(dsk_edit_distance("svc", 3, "SVC", 1), 0);
    char longname[DSK_SUGGEST_MAX_LEN + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert_uint_eq(dsk_edit_distance(longname, strlen(longname), "a", 0), SIZE_MAX);
}
END_TEST

START_TEST(test_suggest)
{
    static const char *const names[] = {"C", "gamma", "kernel", "degree", NULL};
    ck_assert_str_eq(dsk_suggest("gama", names, 2, 0), "gamma");
    ck_assert_str_eq(dsk_suggest("kernal", names, 2, 0), "kernel");
    ck_assert_ptr_null(dsk_suggest("tolerance", names, 2, 0));
    ck_assert_ptr_null(dsk_suggest("x", NULL, 2, 0));
    static const char *const classes[] = {"SVC", "SGDClassifier", NULL};
    ck_assert_str_eq(dsk_suggest("svm", classes, 2, 1), "SVC");
}
END_TEST

Suite *dsk_suggest_suite(void)
{
    Suite *s = suite_create("suggest");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 5);
    tcase_add_test(tc, test_edit_distance);
    tcase_add_test(tc, test_suggest);
    suite_add_tcase(s, tc);
    return s;
}
