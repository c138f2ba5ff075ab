/*
 * check_main.c — the one runner: built once with the unit suites and once
 * with the parity suites (tests/parity/), each list generated at build time.
 *
 * A list holds every `Suite *dsk_*_suite(void)` defined in the runner's
 * test files, so adding a suite is adding a file. Fork mode (Check's
 * default) keeps a crashing test from taking the run down; timeouts are set
 * per test case in each suite.
 */
#include <check.h>
#include <stdlib.h>

#define SUITE(fn) Suite *fn(void);
#include "suites.h"
#undef SUITE

int main(void)
{
    SRunner *sr = srunner_create(NULL);
#define SUITE(fn) srunner_add_suite(sr, fn());
#include "suites.h"
#undef SUITE
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
