/* check_keys.c — CurveZMQ key files, their modes, and allow-lists of them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "dsk_error.h"
#include "dsk_keys.h"

static char s_dir[64];

static void setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/dsk-keys-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *s_at(char *buf, const char *name)
{
    snprintf(buf, 256, "%s/%s", s_dir, name);
    return buf;
}

static void s_text(const char *name, const char *text, mode_t mode)
{
    char path[256];
    FILE *f = fopen(s_at(path, name), "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

START_TEST(test_written_pair_reads_back)
{
    char err[DSK_ERR_LEN], base[256], path[256], pub[DSK_KEY_Z85_LEN + 1];
    dsk_key_pair_t pair, back;
    ck_assert_int_eq(dsk_keys_generate(&pair, err), 0);
    ck_assert(dsk_keys_valid_z85(pair.public_key) && dsk_keys_valid_z85(pair.secret_key));
    ck_assert_int_eq(dsk_keys_write(s_at(base, "node7"), "node7", &pair, 0, err), 0);
    struct stat st;
    ck_assert_int_eq(stat(s_at(path, "node7.key"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(stat(s_at(path, "node7.pub"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(dsk_keys_read_secret(s_at(path, "node7.key"), &back, err), 0);
    ck_assert_str_eq(back.public_key, pair.public_key);
    ck_assert_str_eq(back.secret_key, pair.secret_key);
    ck_assert_int_eq(dsk_keys_read_public(s_at(path, "node7.pub"), pub, err), 0);
    ck_assert_str_eq(pub, pair.public_key);
    /* the .pub holds no secret */
    FILE *f = fopen(path, "r");
    char text[1024] = "";
    ck_assert_uint_gt(fread(text, 1, sizeof text - 1, f), 0);
    fclose(f);
    ck_assert_ptr_null(strstr(text, pair.secret_key));
    /* never over an existing pair without force */
    ck_assert_int_eq(dsk_keys_write(base, "node7", &pair, 0, err), DSK_EIO);
    ck_assert_ptr_nonnull(strstr(err, "--force"));
    ck_assert_int_eq(dsk_keys_write(base, "node7", &pair, 1, err), 0);
}
END_TEST

START_TEST(test_readable_secret_refused_by_name)
{
    char err[DSK_ERR_LEN], base[256], path[256];
    dsk_key_pair_t pair, back;
    ck_assert_int_eq(dsk_keys_generate(&pair, err), 0);
    ck_assert_int_eq(dsk_keys_write(s_at(base, "k"), "k", &pair, 0, err), 0);
    s_at(path, "k.key");
    const mode_t bad[] = {0644, 0640, 0604, 0660};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        chmod(path, bad[i]);
        ck_assert_int_eq(dsk_keys_read_secret(path, &back, err), DSK_ECONFIG);
        ck_assert_msg(strstr(err, path) && strstr(err, "chmod 600"), "%s", err);
    }
    chmod(path, 0400);
    ck_assert_int_eq(dsk_keys_read_secret(path, &back, err), 0);
}
END_TEST

START_TEST(test_bad_key_files_named)
{
    char err[DSK_ERR_LEN], path[256], pub[DSK_KEY_Z85_LEN + 1];
    dsk_key_pair_t a, b, back;
    ck_assert_int_eq(dsk_keys_generate(&a, err), 0);
    ck_assert_int_eq(dsk_keys_generate(&b, err), 0);
    char text[512];
    /* a public key that is not the secret key's */
    snprintf(text, sizeof text, "public-key \"%s\"\nsecret-key \"%s\"\n", a.public_key,
             b.secret_key);
    s_text("mixed.key", text, 0600);
    ck_assert_int_eq(dsk_keys_read_secret(s_at(path, "mixed.key"), &back, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "is not the secret key's"));
    /* a .pub given where the secret key goes */
    snprintf(text, sizeof text, "public-key \"%s\"\n", a.public_key);
    s_text("a.pub", text, 0600);
    ck_assert_int_eq(dsk_keys_read_secret(s_at(path, "a.pub"), &back, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "no valid secret-key"));
    /* not Z85, too short, an unknown setting, nothing */
    s_text("short.pub", "public-key \"abc\"\n", 0644);
    ck_assert_int_eq(dsk_keys_read_public(s_at(path, "short.pub"), pub, err), DSK_EINVAL);
    ck_assert_msg(strstr(err, path) != NULL, "%s", err);
    s_text("odd.pub", "colour blue\n", 0644);
    ck_assert_int_lt(dsk_keys_read_public(s_at(path, "odd.pub"), pub, err), 0);
    s_text("empty.pub", "", 0644);
    ck_assert_int_eq(dsk_keys_read_public(s_at(path, "empty.pub"), pub, err), DSK_EINVAL);
    ck_assert_int_eq(dsk_keys_read_secret(s_at(path, "missing.key"), &back, err), DSK_EIO);
    ck_assert_ptr_nonnull(strstr(err, "dsk-keygen"));
}
END_TEST

START_TEST(test_keyset_follows_its_directory)
{
    char err[DSK_ERR_LEN], base[256], path[256];
    dsk_key_pair_t a, b, c;
    mkdir(s_at(path, "workers"), 0755);
    ck_assert_int_eq(dsk_keys_generate(&a, err), 0);
    ck_assert_int_eq(dsk_keys_generate(&b, err), 0);
    ck_assert_int_eq(dsk_keys_generate(&c, err), 0);
    ck_assert_int_eq(dsk_keys_write(s_at(base, "workers/a"), "a", &a, 0, err), 0);
    ck_assert_int_eq(dsk_keys_write(s_at(base, "workers/b"), "b", &b, 0, err), 0);
    uint8_t ka[32], kb[32], kc[32];
    zmq_z85_decode(ka, a.public_key);
    zmq_z85_decode(kb, b.public_key);
    zmq_z85_decode(kc, c.public_key);
    dsk_keyset_t set;
    ck_assert_int_eq(dsk_keyset_load(&set, path, err), 0);
    ck_assert_uint_eq(set.count, 2); /* the .pub files only: the .key files are not read */
    ck_assert(dsk_keyset_has(&set, ka) && dsk_keyset_has(&set, kb) && !dsk_keyset_has(&set, kc));
    /* a key removed and another added count without a restart */
    sleep(1); /* the directory's mtime must move on coarse clocks too */
    unlink(s_at(base, "workers/a.pub"));
    ck_assert_int_eq(dsk_keys_write(s_at(base, "workers/c"), "c", &c, 0, err), 0);
    ck_assert_int_eq(dsk_keyset_refresh(&set, err), 0);
    ck_assert(!dsk_keyset_has(&set, ka) && dsk_keyset_has(&set, kb) && dsk_keyset_has(&set, kc));
    /* a broken .pub: the refresh fails, naming it, and the keys read before stay */
    sleep(1);
    s_text("workers/broken.pub", "public-key \"not a key\"\n", 0644);
    ck_assert_int_eq(dsk_keyset_refresh(&set, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "broken.pub"));
    ck_assert(dsk_keyset_has(&set, kb) && dsk_keyset_has(&set, kc));
    dsk_keyset_clear(&set);
    dsk_keyset_t none;
    ck_assert_int_eq(dsk_keyset_load(&none, s_at(path, "no-such-dir"), err), DSK_EIO);
    dsk_keyset_clear(&none);
}
END_TEST

START_TEST(test_curve_client_needs_both_keys)
{
    char err[DSK_ERR_LEN], base[256], key[256], pub[256];
    dsk_key_pair_t pair;
    dsk_curve_client_t c;
    ck_assert_int_eq(dsk_curve_client_load(&c, NULL, "", err), 0);
    ck_assert_int_eq(c.on, 0);
    ck_assert_int_eq(dsk_keys_generate(&pair, err), 0);
    ck_assert_int_eq(dsk_keys_write(s_at(base, "me"), "me", &pair, 0, err), 0);
    ck_assert_int_eq(dsk_keys_write(s_at(base, "sched"), "sched", &pair, 0, err), 0);
    ck_assert_int_eq(dsk_curve_client_load(&c, s_at(key, "me.key"), NULL, err), DSK_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err, "--scheduler-key"));
    ck_assert_int_eq(dsk_curve_client_load(&c, NULL, s_at(pub, "sched.pub"), err), DSK_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err, "--key"));
    ck_assert_int_eq(dsk_curve_client_load(&c, key, pub, err), 0);
    ck_assert_int_eq(c.on, 1);
    ck_assert_str_eq(c.server, pair.public_key);
}
END_TEST

Suite *dsk_keys_suite(void)
{
    Suite *s = suite_create("keys");
    TCase *tc = tcase_create("files");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_written_pair_reads_back);
    tcase_add_test(tc, test_readable_secret_refused_by_name);
    tcase_add_test(tc, test_bad_key_files_named);
    tcase_add_test(tc, test_keyset_follows_its_directory);
    tcase_add_test(tc, test_curve_client_needs_both_keys);
    suite_add_tcase(s, tc);
    return s;
}
