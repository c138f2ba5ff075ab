/* check_repr.c — floats and JSON as Python prints them (dsk_repr). */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_repr.h"

/* Python 3's repr() of each value (printed by python3 -c "print(repr(v))"). */
static const struct {
    double v;
    const char *repr;
} s_cases[] = {
    {1e-6, "1e-06"},          {9.9999999999999995e-7, "1e-06"},
    {1e-5, "1e-05"},          {0.0001, "0.0001"},
    {0.1, "0.1"},             {0.3, "0.3"},
    {1.0 / 3, "0.3333333333333333"},
    {1.0, "1.0"},             {100.0, "100.0"},
    {0.75, "0.75"},           {-3.14, "-3.14"},
    {1e15, "1000000000000000.0"}, {1e16, "1e+16"},
    {1.5e16, "1.5e+16"},      {1e22, "1e+22"},
    {2.5e-7, "2.5e-07"},      {123456789012345680.0, "1.2345678901234568e+17"},
    {5e-324, "5e-324"},       {1.7976931348623157e308, "1.7976931348623157e+308"},
    {0.0, "0.0"},             {-0.0, "-0.0"},
};

START_TEST(test_floats_as_python_repr)
{
    char buf[DSK_REPR_LEN];
    for (size_t i = 0; i < sizeof s_cases / sizeof *s_cases; i++)
        ck_assert_str_eq(dsk_repr_double(s_cases[i].v, buf), s_cases[i].repr);
    ck_assert_str_eq(dsk_repr_double(NAN, buf), "nan");
    ck_assert_str_eq(dsk_repr_double(-INFINITY, buf), "-inf");
}
END_TEST

/* Any double: the text reads back to it, and no shorter one does. */
START_TEST(test_repr_round_trips_and_is_shortest)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char buf[DSK_REPR_LEN], shorter[40];
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v))
            continue;
        dsk_repr_double(v, buf);
        ck_assert_msg(strtod(buf, NULL) == v, "%s does not read back as %.17g", buf, v);
        /* significant digits: the mantissa's, leading and trailing zeros left out */
        char sig[DSK_REPR_LEN];
        int digits = 0;
        for (const char *p = buf; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9' && (digits || *p != '0'))
                sig[digits++] = *p;
        while (digits > 1 && sig[digits - 1] == '0')
            digits--;
        if (digits > 1) {
            snprintf(shorter, sizeof shorter, "%.*e", digits - 2, v);
            ck_assert_msg(strtod(shorter, NULL) != v, "%s is shorter than %s", shorter, buf);
        }
    }
}
END_TEST

/* The same document in json.dumps' three layouts (separators=(',', ':'), the default,
   indent=2; ensure_ascii=False), as Python 3 printed them. */
START_TEST(test_json_as_python_dumps_it)
{
    json_t *d = json_pack("{s:{s:f, s:[i,i]}, s:f, s:s, s:[], s:{}, s:n, s:b, s:i}",
                          "best_params", "clf__alpha", 1e-6, "vect__ngram_range", 1, 2,
                          "score", 0.75, "s", "a\"b\\c\n\xc3\xa9", "e", "o", "n", "t", 1, "i", -3);
    char *c = dsk_repr_json(d, DSK_REPR_COMPACT), *l = dsk_repr_json(d, DSK_REPR_LINE),
         *n = dsk_repr_json(d, DSK_REPR_INDENT);
    ck_assert_str_eq(c, "{\"best_params\":{\"clf__alpha\":1e-06,\"vect__ngram_range\":[1,2]},"
                        "\"score\":0.75,\"s\":\"a\\\"b\\\\c\\n\xc3\xa9\",\"e\":[],\"o\":{},"
                        "\"n\":null,\"t\":true,\"i\":-3}");
    ck_assert_str_eq(l, "{\"best_params\": {\"clf__alpha\": 1e-06, \"vect__ngram_range\": "
                        "[1, 2]}, \"score\": 0.75, \"s\": \"a\\\"b\\\\c\\n\xc3\xa9\", \"e\": [], "
                        "\"o\": {}, \"n\": null, \"t\": true, \"i\": -3}");
    ck_assert_str_eq(n, "{\n  \"best_params\": {\n    \"clf__alpha\": 1e-06,\n"
                        "    \"vect__ngram_range\": [\n      1,\n      2\n    ]\n  },\n"
                        "  \"score\": 0.75,\n  \"s\": \"a\\\"b\\\\c\\n\xc3\xa9\",\n  \"e\": [],\n"
                        "  \"o\": {},\n  \"n\": null,\n  \"t\": true,\n  \"i\": -3\n}");
    json_t *back = json_loads(n, 0, NULL);
    ck_assert(json_equal(back, d));
    json_decref(back);
    free(c);
    free(l);
    free(n);
    json_decref(d);
}
END_TEST

Suite *dsk_repr_suite(void)
{
    Suite *s = suite_create("repr");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_floats_as_python_repr);
    tcase_add_test(tc, test_repr_round_trips_and_is_shortest);
    tcase_add_test(tc, test_json_as_python_dumps_it);
    suite_add_tcase(s, tc);
    return s;
}
