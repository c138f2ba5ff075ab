/* parity_util.c — data home, golden files, fingerprints. */
#include "parity_util.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *pu_data_home(void)
{
    static char path[1024];
    const char *env = getenv("DSK_DATA_HOME");
    if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/dsk_data", getenv("HOME") ? getenv("HOME") : ".");
    char probe[1200];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/digits.csv.gz", path);
    ck_assert_msg(stat(probe, &st) == 0,
                  "the parity suites need the test data: set DSK_DATA_HOME to the folder "
                  "holding 20news-bydate.tar.gz and digits.csv.gz (%s has no digits.csv.gz)",
                  path);
    return path;
}

json_t *pu_golden(const char *name)
{
    char path[1024];
    const char *dir = getenv("DSK_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/%s.json", dir && *dir ? dir : "tests/parity/golden", name);
    json_error_t jerr;
    json_t *g = json_load_file(path, 0, &jerr);
    ck_assert_msg(g != NULL, "golden file %s: %s (line %d); regenerate with "
                  "tests/parity/make_golden.py", path, jerr.text, jerr.line);
    return g;
}

uint64_t pu_fnv1a(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int pu_hash_equals(json_t *golden_hex, uint64_t h)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016" PRIx64, h);
    const char *g = json_string_value(golden_hex);
    return g && strcmp(g, hex) == 0;
}
