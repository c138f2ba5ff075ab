/*
 * check_config.c — the config parser: values, files, flags, --help.
 *
 * Every bad-input path expects its exact message, "FILE:LINE: ..." or
 * "--flag: ...", since naming where the mistake is is the parser's job.
 * Temporary files live in one mkdtemp directory under /tmp that the
 * unchecked teardown removes, so a failing (forked) test leaves nothing.
 */
#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsk_config.h"

typedef struct {
    char name[16];
    int64_t nthreads;
    uint64_t memory_limit;
    uint64_t max_message_size;
    int verbose;
    int64_t heartbeat_ms;
    char listen[64];
} s_config_t;

#define S_FIELD_SIZE(f) sizeof(((s_config_t *)0)->f)

static const dsk_cfg_option_t s_table[] = {
    {"name", DSK_CFG_STRING, offsetof(s_config_t, name), S_FIELD_SIZE(name), "worker", 0, 0,
     "worker name"},
    {"nthreads", DSK_CFG_INT, offsetof(s_config_t, nthreads), 0, "1", 1, 1024,
     "task threads"},
    {"memory-limit", DSK_CFG_SIZE, offsetof(s_config_t, memory_limit), 0, "0", 0, 0,
     "Memory the worker may hold"},
    {"max-message-size", DSK_CFG_SIZE, offsetof(s_config_t, max_message_size), 0, "512MiB",
     4096, (int64_t)1 << 40, "largest message accepted"},
    {"verbose", DSK_CFG_BOOL, offsetof(s_config_t, verbose), 0, NULL, 0, 0, "log more"},
    {"heartbeat-interval", DSK_CFG_DURATION, offsetof(s_config_t, heartbeat_ms), 0, "1s", 50,
     60000, "heartbeat period"},
    {"listen", DSK_CFG_STRING, offsetof(s_config_t, listen), S_FIELD_SIZE(listen),
     "tcp://0.0.0.0:8786", 0, 0, "endpoint"},
    DSK_CFG_END,
};

static char s_dir[64];

static void s_make_dir(void)
{
    strcpy(s_dir, "/tmp/dsk_check_config_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
}

/* Removes whatever the tests of the case left in s_dir, then s_dir. */
static void s_remove_dir(void)
{
    DIR *d = opendir(s_dir);
    struct dirent *e;
    char path[512];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", s_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(s_dir);
}

/* Writes len bytes of text to a new file in s_dir; path gets its name. */
static void s_write_file(const char *text, size_t len, char *path, size_t cap)
{
    snprintf(path, cap, "%s/conf_XXXXXX", s_dir);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* Loads text as a config file on top of the defaults; path names the file. */
static int s_load_text(const char *text, s_config_t *cfg, char *path, char *err)
{
    ck_assert_int_eq(dsk_cfg_defaults(s_table, cfg, err), 0);
    s_write_file(text, strlen(text), path, 256);
    int rc = dsk_cfg_load_file(s_table, cfg, path, err);
    unlink(path);
    return rc;
}

/* Expects text to fail to load with "PATH:msg" (msg starts with the line). */
static void s_expect_file_error(const char *text, const char *msg)
{
    s_config_t cfg;
    char path[256], err[DSK_ERR_LEN], want[DSK_ERR_LEN];
    ck_assert_int_eq(s_load_text(text, &cfg, path, err), DSK_ECONFIG);
    snprintf(want, sizeof want, "%s:%s", path, msg);
    ck_assert_str_eq(err, want);
}

/* Runs dsk_cfg_load over a NULL-terminated argument list (argv[0] is added). */
static int s_load_args(s_config_t *cfg, const char *default_path, char *err, ...)
{
    char *argv[32] = {"prog"};
    int argc = 1;
    va_list ap;
    va_start(ap, err);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    return dsk_cfg_load(s_table, cfg, argc, argv, default_path, err);
}

START_TEST(test_defaults)
{
    s_config_t cfg;
    char err[DSK_ERR_LEN];
    memset(&cfg, 0x5a, sizeof cfg);
    ck_assert_int_eq(dsk_cfg_defaults(s_table, &cfg, err), 0);
    ck_assert_str_eq(cfg.name, "worker");
    ck_assert_int_eq(cfg.nthreads, 1);
    ck_assert_uint_eq(cfg.memory_limit, 0);
    ck_assert_uint_eq(cfg.max_message_size, 512ULL << 20);
    ck_assert_int_eq(cfg.verbose, 0);
    ck_assert_int_eq(cfg.heartbeat_ms, 1000);
    ck_assert_str_eq(cfg.listen, "tcp://0.0.0.0:8786");
}
END_TEST

START_TEST(test_file_with_comments_blanks_and_quotes)
{
    s_config_t cfg;
    char path[256], err[DSK_ERR_LEN];
    const char *text =
        "# a sample config\n"
        "\n"
        "   # an indented comment\n"
        "\t  \n"
        "nthreads 8\n"
        "  memory-limit   2GB   \r\n"
        "name \"a b\"\n"
        "listen \"say \\\"hi\\\" \\\\ bye\"\n"
        "verbose yes\n"
        "heartbeat-interval 1.5s\n"
        "max-message-size #nocomment\n"; /* no end-of-line comments: a bad size */
    ck_assert_int_eq(s_load_text(text, &cfg, path, err), DSK_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err, ":11: max-message-size needs a size"));

    /* The same without the last line loads, file over defaults. */
    char good[512];
    snprintf(good, sizeof good, "%.*s", (int)(strstr(text, "max-message-size") - text), text);
    ck_assert_int_eq(s_load_text(good, &cfg, path, err), 0);
    ck_assert_int_eq(cfg.nthreads, 8);
    ck_assert_uint_eq(cfg.memory_limit, 2000000000ULL);
    ck_assert_str_eq(cfg.name, "a b");
    ck_assert_str_eq(cfg.listen, "say \"hi\" \\ bye");
    ck_assert_int_eq(cfg.verbose, 1);
    ck_assert_int_eq(cfg.heartbeat_ms, 1500);
    ck_assert_uint_eq(cfg.max_message_size, 512ULL << 20); /* untouched default */
}
END_TEST

START_TEST(test_file_quoted_empty_and_no_final_newline)
{
    s_config_t cfg;
    char path[256], err[DSK_ERR_LEN];
    ck_assert_int_eq(s_load_text("name \"\"\nnthreads 3", &cfg, path, err), 0);
    ck_assert_str_eq(cfg.name, "");
    ck_assert_int_eq(cfg.nthreads, 3);
    ck_assert_int_eq(s_load_text("", &cfg, path, err), 0);
}
END_TEST

START_TEST(test_file_errors_name_file_and_line)
{
    s_expect_file_error("# c\n\nnthred 4\n",
                        "3: unknown option 'nthred' (did you mean 'nthreads'?)");
    s_expect_file_error("bogus-option 4\n", "1: unknown option 'bogus-option'");
    s_expect_file_error("name x\nnthreads\n", "2: option 'nthreads' needs a value");
    s_expect_file_error("nthreads   \t \n", "1: option 'nthreads' needs a value");
    s_expect_file_error("listen a b\n",
                        "1: value of 'listen' contains whitespace; put it in double quotes");
    s_expect_file_error("nthreads 4 # four\n",
                        "1: comment after the value of 'nthreads': a comment must be on its "
                        "own line");
    s_expect_file_error("name \"a b\n", "1: value of 'name' has no closing quote");
    s_expect_file_error("name \"a\\\"\n", "1: value of 'name' has no closing quote");
    s_expect_file_error("name \"a\" b\n", "1: unexpected text after the closing quote of 'name'");
    s_expect_file_error("name \"a\\nb\"\n",
                        "1: bad escape '\\n' in the value of 'name' "
                        "(only \\\" and \\\\ are known)");
    s_expect_file_error("\n\nnthreads 0\n", "3: nthreads must be between 1 and 1024, got 0");
    s_expect_file_error("verbose maybe\n",
                        "1: verbose needs yes or no (or true/false, on/off, 1/0), got 'maybe'");
    s_expect_file_error("name \"0123456789abcdef\"\n",
                        "1: name is too long (16 bytes, at most 15)");
}
END_TEST

START_TEST(test_file_line_length_and_nul)
{
    s_config_t cfg;
    char path[256], err[DSK_ERR_LEN], want[DSK_ERR_LEN];
    static char text[2 * 4096 + 64];

    /* A comment of exactly 4096 bytes is fine; one byte more is not. */
    memset(text, 0, sizeof text);
    text[0] = '#';
    memset(text + 1, 'x', 4095);
    strcat(text, "\nnthreads 5\n");
    ck_assert_int_eq(s_load_text(text, &cfg, path, err), 0);
    ck_assert_int_eq(cfg.nthreads, 5);

    memset(text, 0, sizeof text);
    strcpy(text, "nthreads 2\nname ");
    memset(text + strlen(text), 'y', 4092);
    ck_assert_int_eq(s_load_text(text, &cfg, path, err), DSK_ECONFIG);
    snprintf(want, sizeof want, "%s:2: line is longer than 4096 bytes", path);
    ck_assert_str_eq(err, want);

    ck_assert_int_eq(dsk_cfg_defaults(s_table, &cfg, err), 0);
    s_write_file("nthreads 2\nna\0me x\n", 19, path, sizeof path);
    ck_assert_int_eq(dsk_cfg_load_file(s_table, &cfg, path, err), DSK_ECONFIG);
    unlink(path);
    snprintf(want, sizeof want, "%s:2: line contains a NUL byte (not a text file?)", path);
    ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_file_that_cannot_be_read)
{
    s_config_t cfg;
    char path[256], err[DSK_ERR_LEN], want[DSK_ERR_LEN];
    snprintf(path, sizeof path, "%s/no-such.conf", s_dir);
    ck_assert_int_eq(dsk_cfg_load_file(s_table, &cfg, path, err), DSK_EIO);
    snprintf(want, sizeof want, "cannot read config file %s: No such file or directory", path);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(dsk_cfg_load_file(s_table, &cfg, s_dir, err), DSK_EIO);
    ck_assert_ptr_nonnull(strstr(err, "Is a directory"));
}
END_TEST

START_TEST(test_int_values_and_bounds)
{
    s_config_t cfg;
    char err[DSK_ERR_LEN];
    dsk_cfg_defaults(s_table, &cfg, err);
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", "1", "w", err), 0);
    ck_assert_int_eq(cfg.nthreads, 1);
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", "1024", "w", err), 0);
    ck_assert_int_eq(cfg.nthreads, 1024);
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", "+7", "w", err), 0);
    ck_assert_int_eq(cfg.nthreads, 7);

    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", "0", "w", err), DSK_ECONFIG);
    ck_assert_str_eq(err, "w: nthreads must be between 1 and 1024, got 0");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", "1025", "w", err), DSK_ECONFIG);
    ck_assert_str_eq(err, "w: nthreads must be between 1 and 1024, got 1025");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", "-3", "w", err), DSK_ECONFIG);
    ck_assert_str_eq(err, "w: nthreads must be between 1 and 1024, got -3");
    ck_assert_int_eq(cfg.nthreads, 7); /* a rejected value leaves the old one */

    const char *bad[] = {"", "abc", "4x", " 4", "4 ", "0x10", "1.5", "+", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[DSK_ERR_LEN];
        ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", bad[i], "w", err), DSK_ECONFIG);
        snprintf(want, sizeof want, "w: nthreads needs a whole number, got '%s'", bad[i]);
        ck_assert_str_eq(err, want);
    }
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", "99999999999999999999", "w", err),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "w: nthreads: '99999999999999999999' is out of range");
}
END_TEST

START_TEST(test_size_and_duration_bounds)
{
    s_config_t cfg;
    char err[DSK_ERR_LEN];
    dsk_cfg_defaults(s_table, &cfg, err);
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "max-message-size", "100", "--max-message-size",
                                 err), DSK_ECONFIG);
    ck_assert_str_eq(err, "--max-message-size: max-message-size must be between 4KiB and 1TiB, "
                     "got 100");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "max-message-size", "2TB", "w", err),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "w: max-message-size must be between 4KiB and 1TiB, got 2TB");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "max-message-size", "1TiB", "w", err), 0);
    ck_assert_uint_eq(cfg.max_message_size, 1ULL << 40);
    /* min == max == 0: no bounds */
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "memory-limit", "16TiB", "w", err), 0);
    ck_assert_uint_eq(cfg.memory_limit, 16ULL << 40);
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "memory-limit", "99999999999TB", "w", err),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "w: memory-limit: '99999999999TB' is too large");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "memory-limit", "12XB", "w", err), DSK_ECONFIG);
    ck_assert_str_eq(err, "w: memory-limit needs a size like 4096, 512KiB, 2GB or 1.5GiB, "
                     "got '12XB'");

    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "heartbeat-interval", "10", "w", err),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "w: heartbeat-interval must be between 50ms and 1m, got 10ms");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "heartbeat-interval", "2h", "w", err),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "w: heartbeat-interval must be between 50ms and 1m, got 2h");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "heartbeat-interval", "1m", "w", err), 0);
    ck_assert_int_eq(cfg.heartbeat_ms, 60000);
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "heartbeat-interval", "soon", "w", err),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "w: heartbeat-interval needs a duration like 250ms, 1.5s, 2m or 1h, "
                     "got 'soon'");
}
END_TEST

START_TEST(test_parse_size)
{
    static const struct {
        const char *text;
        uint64_t bytes;
    } good[] = {
        {"0", 0},
        {"100", 100},
        {"100B", 100},
        {"2GB", 2000000000ULL},
        {"2gb", 2000000000ULL},
        {"2G", 2000000000ULL},
        {"2GiB", 2ULL << 30},
        {"2gib", 2ULL << 30},
        {"512k", 512000},
        {"512K", 512000},
        {"512KB", 512000},
        {"512KiB", 512 * 1024},
        {"3M", 3000000},
        {"3MiB", 3 << 20},
        {"1.5GB", 1500000000ULL},
        {"1.5GiB", 3ULL << 29},
        {"0.5k", 500},
        {"1TB", 1000000000000ULL},
        {"1TiB", 1ULL << 40},
        {"16777215TiB", 16777215ULL << 40},
        {"18446744073709551615", UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t v = 7;
        ck_assert_msg(dsk_cfg_parse_size(good[i].text, &v) == 0, "%s", good[i].text);
        ck_assert_msg(v == good[i].bytes, "%s -> %llu", good[i].text, (unsigned long long)v);
    }
    static const char *bad[] = {
        "", "GB", "12XB", "-1", "+1", " 1", "1 ", "1 GB", "99999999999TB", "16777216TiB",
        "18446744073709551616", "1.5", "1.", ".5GB", "1.5.5GB", "0x10", "1e3", "1GBs", "1ms",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 7;
        ck_assert_msg(dsk_cfg_parse_size(bad[i], &v) == DSK_EINVAL, "'%s' accepted", bad[i]);
        ck_assert_uint_eq(v, 7);
    }
    ck_assert_int_eq(dsk_cfg_parse_size(NULL, NULL), DSK_EINVAL);
}
END_TEST

START_TEST(test_parse_duration)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        {"0", 0},      {"250", 250},     {"250ms", 250},   {"3s", 3000},    {"3S", 3000},
        {"1.5s", 1500}, {"2m", 120000},  {"0.5m", 30000},  {"1h", 3600000}, {"1.25h", 4500000},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t v = 7;
        ck_assert_msg(dsk_cfg_parse_duration(good[i].text, &v) == 0, "%s", good[i].text);
        ck_assert_int_eq(v, good[i].ms);
    }
    static const char *bad[] = {
        "", "s", "-1s", "1d", "1 s", "1.5", "1.5ms", "soon", "99999999999999999999",
        "9223372036854775808", "3000000000000000h",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 7;
        ck_assert_msg(dsk_cfg_parse_duration(bad[i], &v) == DSK_EINVAL, "'%s' accepted", bad[i]);
        ck_assert_int_eq(v, 7);
    }
    int64_t v;
    ck_assert_int_eq(dsk_cfg_parse_duration("9223372036854775807", &v), 0);
    ck_assert_int_eq(v, INT64_MAX);
}
END_TEST

START_TEST(test_bools)
{
    s_config_t cfg;
    char err[DSK_ERR_LEN];
    const char *yes[] = {"yes", "YES", "true", "True", "on", "1"};
    const char *no[] = {"no", "No", "false", "FALSE", "off", "0"};
    dsk_cfg_defaults(s_table, &cfg, err);
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        cfg.verbose = 0;
        ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "verbose", yes[i], "w", err), 0);
        ck_assert_int_eq(cfg.verbose, 1);
        ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "verbose", no[i], "w", err), 0);
        ck_assert_int_eq(cfg.verbose, 0);
    }
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "verbose", "2", "w", err), DSK_ECONFIG);
    ck_assert_str_eq(err, "w: verbose needs yes or no (or true/false, on/off, 1/0), got '2'");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "verbose", "", "w", err), DSK_ECONFIG);
}
END_TEST

START_TEST(test_strings_and_set_errors)
{
    s_config_t cfg;
    char err[DSK_ERR_LEN];
    dsk_cfg_defaults(s_table, &cfg, err);
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "name", "0123456789abcde", "w", err), 0);
    ck_assert_str_eq(cfg.name, "0123456789abcde");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "name", "0123456789abcdef", "--name", err),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "--name: name is too long (16 bytes, at most 15)");
    ck_assert_str_eq(cfg.name, "0123456789abcde");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "listne", "x", "f.conf:3", err), DSK_ECONFIG);
    ck_assert_str_eq(err, "f.conf:3: unknown option 'listne' (did you mean 'listen'?)");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "nthreads", NULL, "f.conf:4", err),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "f.conf:4: option 'nthreads' needs a value");
    ck_assert_int_eq(dsk_cfg_set(s_table, &cfg, "x", "1", NULL, err), DSK_ECONFIG);
    ck_assert_str_eq(err, "unknown option 'x'");
    ck_assert_int_eq(dsk_cfg_set(NULL, &cfg, "x", "1", NULL, err), DSK_EINVAL);
}
END_TEST

START_TEST(test_bad_default_in_table)
{
    static const dsk_cfg_option_t table[] = {
        {"n", DSK_CFG_INT, 0, 0, "0", 1, 4, "n"},
        DSK_CFG_END,
    };
    int64_t n;
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(dsk_cfg_defaults(table, &n, err), DSK_ECONFIG);
    ck_assert_str_eq(err, "built-in default: n must be between 1 and 4, got 0");
}
END_TEST

START_TEST(test_flags_override_file)
{
    s_config_t cfg;
    char path[256], err[DSK_ERR_LEN], flag[300];
    const char *text = "nthreads 2\nname fromfile\nverbose yes\n";
    s_write_file(text, strlen(text), path, sizeof path);

    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--config", path, "--nthreads", "4", NULL), 0);
    ck_assert_int_eq(cfg.nthreads, 4);
    ck_assert_str_eq(cfg.name, "fromfile");
    ck_assert_int_eq(cfg.verbose, 1);

    /* --config=PATH, anywhere on the line; flags still win; --name=value */
    snprintf(flag, sizeof flag, "--config=%s", path);
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--nthreads=6", "--verbose=no", flag,
                                 "--memory-limit", "2GiB", "--name=a b", NULL), 0);
    ck_assert_int_eq(cfg.nthreads, 6);
    ck_assert_int_eq(cfg.verbose, 0);
    ck_assert_uint_eq(cfg.memory_limit, 2ULL << 30);
    ck_assert_str_eq(cfg.name, "a b");

    /* the default path is read when it exists and no --config is given */
    ck_assert_int_eq(s_load_args(&cfg, path, err, "--listen", "tcp://*:1", NULL), 0);
    ck_assert_int_eq(cfg.nthreads, 2);
    ck_assert_str_eq(cfg.listen, "tcp://*:1");
    unlink(path);
}
END_TEST

START_TEST(test_missing_files)
{
    s_config_t cfg;
    char path[256], err[DSK_ERR_LEN], want[DSK_ERR_LEN];
    snprintf(path, sizeof path, "%s/absent.conf", s_dir);

    /* a missing default file is no error: built-in defaults apply */
    ck_assert_int_eq(s_load_args(&cfg, path, err, "--nthreads", "3", NULL), 0);
    ck_assert_int_eq(cfg.nthreads, 3);
    ck_assert_str_eq(cfg.name, "worker");

    /* a missing --config file is */
    snprintf(want, sizeof want, "cannot read config file %s: No such file or directory", path);
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--config", path, NULL), DSK_EIO);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--config", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--config needs a value");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--config=", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--config needs a value");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--config", "a", "--config", "b", NULL),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "--config: given twice (a and b)");
}
END_TEST

START_TEST(test_file_error_through_load)
{
    s_config_t cfg;
    char path[256], err[DSK_ERR_LEN], want[DSK_ERR_LEN];
    const char *text = "nthreads 2\nheartbeat-interval 1d\n";
    s_write_file(text, strlen(text), path, sizeof path);
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--config", path, NULL), DSK_ECONFIG);
    snprintf(want, sizeof want, "%s:2: heartbeat-interval needs a duration like 250ms, 1.5s, "
             "2m or 1h, got '1d'", path);
    ck_assert_str_eq(err, want);
    unlink(path);
}
END_TEST

START_TEST(test_help)
{
    s_config_t cfg;
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--help", NULL), 1);
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--nthreads", "3", "-h", NULL), 1);
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--config", "/nonexistent", "--help", NULL),
                     1);
}
END_TEST

START_TEST(test_bool_flags)
{
    s_config_t cfg;
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--verbose", "--nthreads", "2", NULL), 0);
    ck_assert_int_eq(cfg.verbose, 1);
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--verbose", "--verbose=off", NULL), 0);
    ck_assert_int_eq(cfg.verbose, 0);
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--verbose", "no", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "unexpected argument 'no' (to give --verbose a value, write "
                     "--verbose=no)");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--verbose=perhaps", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--verbose: verbose needs yes or no (or true/false, on/off, 1/0), "
                     "got 'perhaps'");
}
END_TEST

START_TEST(test_flag_errors)
{
    s_config_t cfg;
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--nthreads", "2", "extra", NULL),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "unexpected argument 'extra' (options are written --name VALUE; "
                     "see --help)");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--nthred", "4", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--nthred: unknown option (did you mean --nthreads?)");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--nthred=4", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--nthred: unknown option (did you mean --nthreads?)");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "-nthreads", "4", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "-nthreads: unknown option (did you mean --nthreads?)");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--frobnicate", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--frobnicate: unknown option (see --help)");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--nthreads", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--nthreads needs a value");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--name", "--nthreads", "3", NULL),
                     DSK_ECONFIG);
    ck_assert_str_eq(err, "--name needs a value");
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--nthreads", "0", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--nthreads: nthreads must be between 1 and 1024, got 0");
    /* negative numbers are values, not flags */
    ck_assert_int_eq(s_load_args(&cfg, NULL, err, "--nthreads", "-1", NULL), DSK_ECONFIG);
    ck_assert_str_eq(err, "--nthreads: nthreads must be between 1 and 1024, got -1");
}
END_TEST

START_TEST(test_usage)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    dsk_cfg_usage(s_table, "dskd-test", f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "usage: dskd-test [--config FILE] [--name VALUE]...\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n  --memory-limit SIZE             Memory the worker may "
                                       "hold (default 0)\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n  --nthreads INT                  task threads "
                                       "(default 1)\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n  --verbose                       log more "
                                       "(default no)\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n  --heartbeat-interval DURATION   heartbeat period"));
    ck_assert_ptr_nonnull(strstr(text, "\n  --config FILE"));
    ck_assert_ptr_nonnull(strstr(text, "\n  -h, --help"));
    free(text);
}
END_TEST

Suite *dsk_config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *values = tcase_create("values");
    tcase_set_timeout(values, 10);
    tcase_add_test(values, test_defaults);
    tcase_add_test(values, test_int_values_and_bounds);
    tcase_add_test(values, test_size_and_duration_bounds);
    tcase_add_test(values, test_parse_size);
    tcase_add_test(values, test_parse_duration);
    tcase_add_test(values, test_bools);
    tcase_add_test(values, test_strings_and_set_errors);
    tcase_add_test(values, test_bad_default_in_table);
    suite_add_tcase(s, values);

    TCase *files = tcase_create("files");
    tcase_set_timeout(files, 10);
    tcase_add_unchecked_fixture(files, s_make_dir, s_remove_dir);
    tcase_add_test(files, test_file_with_comments_blanks_and_quotes);
    tcase_add_test(files, test_file_quoted_empty_and_no_final_newline);
    tcase_add_test(files, test_file_errors_name_file_and_line);
    tcase_add_test(files, test_file_line_length_and_nul);
    tcase_add_test(files, test_file_that_cannot_be_read);
    suite_add_tcase(s, files);

    TCase *flags = tcase_create("flags");
    tcase_set_timeout(flags, 10);
    tcase_add_unchecked_fixture(flags, s_make_dir, s_remove_dir);
    tcase_add_test(flags, test_flags_override_file);
    tcase_add_test(flags, test_missing_files);
    tcase_add_test(flags, test_file_error_through_load);
    tcase_add_test(flags, test_help);
    tcase_add_test(flags, test_bool_flags);
    tcase_add_test(flags, test_flag_errors);
    tcase_add_test(flags, test_usage);
    suite_add_tcase(s, flags);
    return s;
}
