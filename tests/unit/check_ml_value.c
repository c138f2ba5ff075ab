/* check_ml_value.c — parameter values, their Python repr, parameter errors; the RNG. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "ml_param.h"
#include "ml_np_rng.h"
#include "ml_value.h"

static const char *s_repr_float(double f)
{
    static char buf[64];
    ml_value_t v = ml_value_float(f);
    return ml_value_repr(&v, buf, sizeof buf);
}

/* The strings Python's repr() gives, as cv_results_ and best_params_ show them. */
START_TEST(test_float_repr_like_python)
{
    ck_assert_str_eq(s_repr_float(0.5), "0.5");
    ck_assert_str_eq(s_repr_float(1.0), "1.0");
    ck_assert_str_eq(s_repr_float(0.75), "0.75");
    ck_assert_str_eq(s_repr_float(1e-05), "1e-05");
    ck_assert_str_eq(s_repr_float(1e-06), "1e-06");
    ck_assert_str_eq(s_repr_float(0.0001), "0.0001");
    ck_assert_str_eq(s_repr_float(0.1), "0.1");
    ck_assert_str_eq(s_repr_float(10.0), "10.0");
    ck_assert_str_eq(s_repr_float(0.01), "0.01");
    ck_assert_str_eq(s_repr_float(123456.789), "123456.789");
    ck_assert_str_eq(s_repr_float(1e16), "1e+16");
    ck_assert_str_eq(s_repr_float(-2.5e-07), "-2.5e-07");
    ck_assert_str_eq(s_repr_float(0.30000000000000004), "0.30000000000000004");
}
END_TEST

START_TEST(test_repr_of_each_type)
{
    char buf[128];
    ml_value_t v = ml_value_list(2);
    v.u.list.items[0] = ml_value_int(1);
    v.u.list.items[1] = ml_value_int(2);
    ck_assert_str_eq(ml_value_repr(&v, buf, sizeof buf), "(1, 2)");
    ml_value_t c;
    ml_value_copy(&c, &v);
    ck_assert(ml_value_equal(&c, &v));
    ml_value_clear(&v);
    ml_value_clear(&c);
    v = ml_value_string("l2");
    ck_assert_str_eq(ml_value_repr(&v, buf, sizeof buf), "'l2'");
    ml_value_clear(&v);
    v = ml_value_none();
    ck_assert_str_eq(ml_value_repr(&v, buf, sizeof buf), "None");
    v = ml_value_bool(1);
    ck_assert_str_eq(ml_value_repr(&v, buf, sizeof buf), "True");
}
END_TEST

START_TEST(test_param_errors)
{
    char err[DSK_ERR_LEN];
    double d;
    int64_t i;
    int e;
    ml_value_t s = ml_value_string("big");
    ck_assert_int_eq(ml_param_float_gt(&s, "SVC", "C", 0, &d, err), DSK_EINVAL);
    ck_assert_str_eq(err, "SVC: parameter 'C' must be a float > 0, got the string 'big'");
    ml_value_clear(&s);
    ml_value_t b = ml_value_bool(1);
    ck_assert_int_eq(ml_param_int(&b, "SGDClassifier", "max_iter", 1, INT64_MAX, &i, err),
                     DSK_EINVAL);
    ck_assert_str_eq(err, "SGDClassifier: parameter 'max_iter' must be an integer >= 1, "
                          "got a boolean (true)");
    static const char *const penalties[] = {"l2", "l1", "elasticnet", NULL};
    ml_value_t p = ml_value_string("l3");
    ck_assert_int_eq(ml_param_enum(&p, "SGDClassifier", "penalty", penalties, &e, err),
                     DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "one of 'l2', 'l1', 'elasticnet'"));
    ml_value_clear(&p);
    static const char *const known[] = {"C", "gamma", "kernel", NULL};
    ml_param_unknown("SVC", "gama", known, err);
    ck_assert_str_eq(err, "SVC has no parameter 'gama' (did you mean 'gamma'?)");
}
END_TEST

/* Spot values from NumPy 1.24's RandomState, to the bit. */
START_TEST(test_rng_matches_numpy)
{
    ml_np_rng_t r;
    int64_t a[20];
    static const int64_t want[20] = {0, 17, 15, 1, 8, 5, 11, 3, 18, 16,
                                     13, 2, 9, 19, 4, 12, 7, 10, 14, 6};
    ml_np_rng_seed(&r, 42);
    ml_np_rng_permutation(&r, a, 20);
    ck_assert_mem_eq(a, want, sizeof want);
    ml_np_rng_seed(&r, 0);
    ck_assert_double_eq(ml_np_rng_double(&r), 0.5488135039273248);
    ml_np_rng_seed(&r, 5);
    ck_assert_int_eq(ml_np_rng_randint(&r, 0, 2147483647), 953453411);
    ck_assert_int_eq(ml_np_rng_randint(&r, 0, 2147483647), 236996814);
    ml_np_rng_seed(&r, 7);
    ck_assert_int_eq(ml_np_rng_randint(&r, 0, 10), 4);
    ck_assert_int_eq(ml_np_rng_randint(&r, 0, 10), 9);
}
END_TEST

Suite *dsk_ml_value_suite(void)
{
    Suite *s = suite_create("ml_value");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 5);
    tcase_add_test(tc, test_float_repr_like_python);
    tcase_add_test(tc, test_repr_of_each_type);
    tcase_add_test(tc, test_param_errors);
    tcase_add_test(tc, test_rng_matches_numpy);
    suite_add_tcase(s, tc);
    return s;
}
