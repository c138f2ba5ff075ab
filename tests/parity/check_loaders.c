/*
 * check_loaders.c — dsk's loaders against scikit-learn's on the real data:
 * fetch_20newsgroups (subsets, two categories, remove) and load_digits,
 * fingerprinted as golden_loaders.py fingerprints scikit-learn's answers.
 */
#include <check.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ml_load.h"
#include "ml_tar.h"
#include "parity_util.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The golden entry's fetch_20newsgroups kwargs as a dsk data spec. */
static json_t *s_spec(json_t *kwargs, const char *home, int cache)
{
    json_t *spec = json_pack("{s:s, s:s, s:b}", "loader", "20newsgroups", "data_home", home,
                             "cache", cache);
    const char *key;
    json_t *v;
    json_object_foreach(kwargs, key, v)
        json_object_set(spec, key, v);
    return spec;
}

/* Compares one loaded dataset with its golden fingerprints. */
static void s_compare(const char *name, json_t *g, const ml_dataset_t *ds)
{
    int64_t n = ds->X->nrows;
    ck_assert_msg(n == json_integer_value(json_object_get(g, "n")), "%s: %lld documents, "
                  "scikit-learn has %lld", name, (long long)n,
                  (long long)json_integer_value(json_object_get(g, "n")));
    json_t *names = json_object_get(g, "target_names");
    ck_assert_int_eq(ds->n_classes, (int)json_array_size(names));
    for (int32_t k = 0; k < ds->n_classes; k++)
        ck_assert_str_eq(ds->target_names[k], json_string_value(json_array_get(names, (size_t)k)));
    ck_assert_msg(pu_hash_equals(json_object_get(g, "target"),
                                 pu_fnv1a(ds->y, (size_t)n * sizeof *ds->y, PU_FNV_OFFSET)),
                  "%s: targets differ from scikit-learn's", name);
    uint64_t hf = PU_FNV_OFFSET, hd = PU_FNV_OFFSET;
    size_t bytes = 0;
    for (int64_t i = 0; i < n; i++) {
        const char *f = ds->filenames[i], *last2 = f + strlen(f);
        for (int slashes = 0; last2 > f && slashes < 2; last2--)
            slashes += last2[-1] == '/';
        last2 += last2 > f; /* past the slash before the last two components */
        if (i)
            hf = pu_fnv1a("\n", 1, hf);
        hf = pu_fnv1a(last2, strlen(last2), hf);
        hd = pu_fnv1a(ds->X->text.docs[i], ds->X->text.lens[i], hd);
        hd = pu_fnv1a("", 1, hd);
        bytes += ds->X->text.lens[i] + 1;
    }
    ck_assert_msg(pu_hash_equals(json_object_get(g, "filenames"), hf),
                  "%s: file order differs from scikit-learn's (first: %s, theirs %s)", name,
                  ds->filenames[0], json_string_value(json_object_get(g, "first_filename")));
    ck_assert_msg(bytes == (size_t)json_integer_value(json_object_get(g, "docs_bytes")),
                  "%s: %zu document bytes, scikit-learn has %lld", name, bytes,
                  (long long)json_integer_value(json_object_get(g, "docs_bytes")));
    ck_assert_msg(pu_hash_equals(json_object_get(g, "docs"), hd),
                  "%s: document texts differ from scikit-learn's", name);
}

static char s_cache_dir[64];

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* A private cache folder: the data home is read-only, so the cache goes there. */
static void s_setup(void)
{
    snprintf(s_cache_dir, sizeof s_cache_dir, "/tmp/dsk-parity-cache-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_cache_dir));
    setenv("XDG_CACHE_HOME", s_cache_dir, 1);
}

static void s_teardown(void)
{
    nftw(s_cache_dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* Each case: parsed from the archive, then written to and read from the cache. */
START_TEST(test_newsgroups_cases)
{
    const char *home = pu_data_home();
    json_t *golden = pu_golden("loaders");
    const char *name;
    json_t *g;
    double t_parse = 0, t_cached = 0;
    json_object_foreach(golden, name, g) {
        if (strcmp(name, "digits") == 0 || json_object_get(g, "folder"))
            continue;
        for (int pass = 0; pass < 3; pass++) {
            /* pass 0: no cache; 1: parse and write the cache; 2: read the cache */
            json_t *spec = s_spec(json_object_get(g, "kwargs"), home, pass > 0);
            char err[DSK_ERR_LEN] = "";
            ml_dataset_t *ds = NULL;
            double t0 = s_now();
            int rc = ml_load_dataset(spec, &ds, err);
            double dt = s_now() - t0;
            ck_assert_msg(rc == 0, "%s: %s", name, err);
            if (strcmp(name, "train") == 0 && pass == 0)
                t_parse = dt;
            if (strcmp(name, "train") == 0 && pass == 2)
                t_cached = dt;
            s_compare(name, g, ds);
            ml_dataset_destroy(&ds);
            json_decref(spec);
        }
        printf("20newsgroups %-18s %5lld documents: same as scikit-learn\n", name,
               (long long)json_integer_value(json_object_get(g, "n")));
    }
    printf("20newsgroups train: %.3f s parsing the archive, %.3f s from the cache\n", t_parse,
           t_cached);
    json_decref(golden);
}
END_TEST

/* Extracts the archive's regular files under dir (as tarfile.extractall does). */
static void s_extract(const char *archive, const char *dir)
{
    char err[DSK_ERR_LEN];
    ml_tar_t *t;
    ml_tar_entry_t e;
    int rc;
    ck_assert_msg(ml_tar_open(archive, &t, err) == 0, "%s", err);
    while ((rc = ml_tar_next(t, &e, err)) == 1) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e.name);
        for (char *p = path + strlen(dir) + 1; *p; p++)
            if (*p == '/') {
                *p = '\0';
                mkdir(path, 0755);
                *p = '/';
            }
        if (e.type != ML_TAR_FILE)
            continue;
        char *buf;
        size_t len;
        ck_assert_msg(ml_tar_read(t, &buf, &len, err) == 0, "%s", err);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
        fclose(f);
        free(buf);
    }
    ck_assert_msg(rc == 0, "%s", err);
    ml_tar_destroy(&t);
}

/*
 * "files" (load_files) on the extracted folders: latin-1, and UTF-8 with
 * replace; then "20newsgroups" reading those folders instead of the archive.
 */
START_TEST(test_files_cases)
{
    const char *home = pu_data_home();
    json_t *golden = pu_golden("loaders");
    char archive[1200], dir[1200];
    snprintf(archive, sizeof archive, "%s/20news-bydate.tar.gz", home);
    snprintf(dir, sizeof dir, "%s/x", s_cache_dir);
    mkdir(dir, 0755);
    s_extract(archive, dir);
    const char *name;
    json_t *g;
    json_object_foreach(golden, name, g) {
        json_t *folder = json_object_get(g, "folder");
        if (!folder)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, json_string_value(folder));
        json_t *spec = json_pack("{s:s, s:s}", "loader", "files", "path", path);
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(g, "kwargs"), key, v)
            json_object_set(spec, key, v);
        char err[DSK_ERR_LEN] = "";
        ml_dataset_t *ds = NULL;
        ck_assert_msg(ml_load_dataset(spec, &ds, err) == 0, "%s: %s", name, err);
        s_compare(name, g, ds);
        printf("files %-24s %5lld documents: same as scikit-learn's load_files\n", name,
               (long long)ds->X->nrows);
        ml_dataset_destroy(&ds);
        json_decref(spec);
    }
    /* the 20newsgroups loader on the extracted folders (no archive in dir) */
    static const char *const from_folders[] = {"train", "all_2cat"};
    for (int k = 0; k < 2; k++) {
        g = json_object_get(golden, from_folders[k]);
        json_t *spec = s_spec(json_object_get(g, "kwargs"), dir, 0);
        char err[DSK_ERR_LEN] = "";
        ml_dataset_t *ds = NULL;
        ck_assert_msg(ml_load_dataset(spec, &ds, err) == 0, "%s", err);
        s_compare(from_folders[k], g, ds);
        printf("20newsgroups %-18s %5lld documents from the extracted folders: same\n",
               from_folders[k], (long long)ds->X->nrows);
        ml_dataset_destroy(&ds);
        json_decref(spec);
    }
    json_decref(golden);
}
END_TEST

START_TEST(test_digits)
{
    json_t *golden = pu_golden("loaders"), *g = json_object_get(golden, "digits");
    json_t *spec = json_pack("{s:s, s:s}", "loader", "digits", "data_home", pu_data_home());
    char err[DSK_ERR_LEN] = "";
    ml_dataset_t *ds = NULL;
    ck_assert_msg(ml_load_dataset(spec, &ds, err) == 0, "%s", err);
    ck_assert_int_eq(ds->X->kind, ML_DATA_DENSE);
    ck_assert_int_eq(ds->X->dense->nrows, 1797);
    ck_assert_int_eq(ds->X->dense->ncols, 64);
    ck_assert_int_eq(ds->n_classes, 10);
    ck_assert_str_eq(ds->target_names[9], "9");
    ck_assert(pu_hash_equals(json_object_get(g, "X"),
                             pu_fnv1a(ds->X->dense->data, 1797 * 64 * sizeof(double),
                                      PU_FNV_OFFSET)));
    ck_assert(pu_hash_equals(json_object_get(g, "y"),
                             pu_fnv1a(ds->y, 1797 * sizeof(int32_t), PU_FNV_OFFSET)));
    ml_dataset_destroy(&ds);
    json_decref(spec);
    json_decref(golden);
}
END_TEST

Suite *dsk_parity_loaders_suite(void)
{
    Suite *s = suite_create("parity_loaders");
    TCase *tc = tcase_create("loaders");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_newsgroups_cases);
    tcase_add_test(tc, test_files_cases);
    tcase_add_test(tc, test_digits);
    suite_add_tcase(s, tc);
    return s;
}
