/*
 * check_wrk_spill.c — spilling a worker's outputs: the least recently used
 * unpinned output goes first, never a pinned one or a dataset; a spilled
 * output comes back equal when pinned, is sent from its file when fetched,
 * and spills again without a write; a corrupted, truncated or missing
 * spill file is an error that names the file, drops the entry, and fails
 * the task that needed it as an input not held (which the scheduler makes
 * again); files go when their entries do, the directory at the end, and a
 * directory a killed worker left is removed by the next one. Outputs are
 * written as they are packed, in pieces of any size around the writer's
 * buffer: what comes back is what went out, byte for byte.
 *
 * The outputs here are byte strings whose pack writes them as a msgpack
 * bin, so what comes back can be compared with what went out.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dsk_msg.h"
#include "wrk_spill.h"
#include "wrk_store.h"
#include "wrk_tasks.h"

typedef struct {
    size_t len;
    char *text;
} s_blob_t;

static int s_live; /* blobs made and not destroyed */

static s_blob_t *s_blob(const char *text)
{
    s_blob_t *b = calloc(1, sizeof *b);
    b->len = strlen(text);
    b->text = strdup(text);
    s_live++;
    return b;
}

static void s_blob_destroy(void *obj)
{
    s_blob_t *b = obj;
    free(b->text);
    free(b);
    s_live--;
}

static int s_blob_pack(const void *obj, msgpack_packer *pk)
{
    const s_blob_t *b = obj;
    return msgpack_pack_bin(pk, b->len) || msgpack_pack_bin_body(pk, b->text, b->len);
}

static int s_unpacks; /* read-backs */

static int s_blob_unpack(void *arg, const void *buf, size_t len, void **obj, char *err)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, buf, len, NULL) != MSGPACK_UNPACK_SUCCESS ||
        u.data.type != MSGPACK_OBJECT_BIN) {
        msgpack_unpacked_destroy(&u);
        return dsk_seterr(err, DSK_EPROTO, "not a blob");
    }
    char *text = strndup(u.data.via.bin.ptr, u.data.via.bin.size);
    *obj = s_blob(text);
    free(text);
    msgpack_unpacked_destroy(&u);
    s_unpacks++;
    return DSK_OK;
}

static char s_dir[64];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/check_wrk_spill.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    s_live = s_unpacks = 0;
}

static void s_teardown(void)
{
    rmdir(s_dir); /* empty if the spill removed its own directory */
}

/* The number of spill files in the spill's directory, and the path of the last one. */
static int s_files(const wrk_spill_t *sp, char *last, size_t len)
{
    DIR *d = opendir(wrk_spill_path(sp));
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            n++;
            if (last)
                snprintf(last, len, "%s/%s", wrk_spill_path(sp), e->d_name);
        }
    closedir(d);
    return n;
}

static wrk_store_t *s_store(wrk_spill_t **sp)
{
    char err[DSK_ERR_LEN];
    *sp = wrk_spill_new(s_dir, err);
    ck_assert_msg(*sp != NULL, "%s", err);
    wrk_store_t *s = wrk_store_new();
    wrk_store_set_spill(s, *sp, s_blob_unpack, NULL);
    return s;
}

static void s_put(wrk_store_t *s, const char *key, const char *text)
{
    wrk_store_put(s, key, DSK_DATA_OUTPUT, s_blob(text), s_blob_destroy, 100, s_blob_pack);
}

START_TEST(test_lru_choice)
{
    wrk_spill_t *sp;
    wrk_store_t *s = s_store(&sp);
    wrk_store_put(s, "data", DSK_DATA_DATASET, s_blob("the dataset"), s_blob_destroy, 1000, NULL);
    s_put(s, "a", "first");
    s_put(s, "b", "second");
    s_put(s, "c", "third");
    wrk_store_put(s, "fixed", DSK_DATA_OUTPUT, s_blob("cannot move"), s_blob_destroy, 100, NULL);
    wrk_pin_t *pin;
    ck_assert_int_eq(wrk_store_pin(s, "a", DSK_DATA_OUTPUT, &pin, NULL), DSK_OK);
    wrk_store_unpin(s, pin); /* "a" is now the most recently used */
    ck_assert_int_eq(wrk_store_pin(s, "b", DSK_DATA_OUTPUT, &pin, NULL), DSK_OK);

    /* the least recently used unpinned movable output: "c", though put after "b" */
    ck_assert_uint_eq(wrk_store_spill(s, 1), 100);
    ck_assert(wrk_store_is_spilled(s, "c"));
    ck_assert(!wrk_store_is_spilled(s, "a") && !wrk_store_is_spilled(s, "b"));
    ck_assert_uint_eq(wrk_store_bytes(s), 1000 + 300);
    ck_assert_uint_eq(wrk_store_spilled(s), 100);
    ck_assert_ptr_null(wrk_store_get(s, "c", DSK_DATA_OUTPUT)); /* spilled: pin to read it */
    ck_assert(wrk_store_has(s, "c"));
    ck_assert_int_eq(s_files(sp, NULL, 0), 1);

    /* asked for everything: "a" goes; "b" is pinned, "fixed" has no pack, the dataset stays */
    ck_assert_uint_eq(wrk_store_spill(s, 1 << 20), 100);
    ck_assert(wrk_store_is_spilled(s, "a"));
    ck_assert(!wrk_store_is_spilled(s, "b") && !wrk_store_is_spilled(s, "fixed"));
    ck_assert(!wrk_store_is_spilled(s, "data"));
    ck_assert_uint_eq(wrk_store_spill(s, 1 << 20), 0);
    ck_assert_uint_eq(wrk_store_spilled(s), 200);
    wrk_store_unpin(s, pin);
    ck_assert_int_eq(s_live, 3); /* the dataset, "b" and "fixed": nothing else in memory */

    wrk_store_destroy(&s);
    ck_assert_int_eq(s_live, 0);
    ck_assert_int_eq(s_files(sp, NULL, 0), 0); /* entries take their files with them */
    wrk_spill_destroy(&sp);
}
END_TEST

START_TEST(test_read_back)
{
    wrk_spill_t *sp;
    wrk_store_t *s = s_store(&sp);
    s_put(s, "a", "what a task left here");
    msgpack_sbuffer before, after;
    msgpack_sbuffer_init(&before);
    msgpack_sbuffer_init(&after);
    ck_assert_int_eq(wrk_store_pack(s, "a", &before), DSK_OK);
    ck_assert_uint_eq(wrk_store_spill(s, 1), 100);
    ck_assert_int_eq(s_live, 0);
    uint64_t disk = wrk_spill_disk_bytes(sp);
    ck_assert_uint_gt(disk, before.size);

    /* FETCH of a spilled output: the file's bytes, equal to what pack wrote, not unpacked */
    ck_assert_int_eq(wrk_store_pack(s, "a", &after), DSK_OK);
    ck_assert_uint_eq(after.size, before.size);
    ck_assert(memcmp(after.data, before.data, before.size) == 0);
    ck_assert_int_eq(s_unpacks, 0);

    wrk_pin_t *pin;
    ck_assert_int_eq(wrk_store_pin(s, "a", DSK_DATA_OUTPUT, &pin, NULL), DSK_OK);
    const s_blob_t *b = wrk_pin_obj(pin);
    ck_assert_str_eq(b->text, "what a task left here");
    ck_assert_int_eq(s_unpacks, 1);
    ck_assert(!wrk_store_is_spilled(s, "a"));
    ck_assert_uint_eq(wrk_store_bytes(s), 100);
    ck_assert_uint_eq(wrk_store_spilled(s), 0);
    ck_assert_uint_eq(wrk_store_spill(s, 1), 0); /* pinned: it stays */
    wrk_store_unpin(s, pin);

    /* spilled again: its file is still there, nothing is written */
    ck_assert_uint_eq(wrk_store_spill(s, 1), 100);
    ck_assert_uint_eq(wrk_spill_disk_bytes(sp), disk);
    ck_assert_int_eq(s_files(sp, NULL, 0), 1);

    /* freed: the file goes with it */
    wrk_store_free(s, "a");
    ck_assert_int_eq(s_files(sp, NULL, 0), 0);
    ck_assert_uint_eq(wrk_spill_disk_bytes(sp), 0);
    ck_assert_uint_eq(wrk_store_spilled(s), 0);

    /* what is still spilled at the end is removed with the directory */
    s_put(s, "b", "left behind");
    ck_assert_uint_eq(wrk_store_spill(s, 1), 100);
    char path[4096];
    snprintf(path, sizeof path, "%s", wrk_spill_path(sp));
    wrk_store_destroy(&s);
    wrk_spill_destroy(&sp);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), -1);
    msgpack_sbuffer_destroy(&before);
    msgpack_sbuffer_destroy(&after);
}
END_TEST

/* Spills "a", then lets damage do its worst to the file; pinning it must fail with want in err. */
static void s_damaged(void (*damage)(const char *file), int code, const char *want)
{
    wrk_spill_t *sp;
    wrk_store_t *s = s_store(&sp);
    s_put(s, "a", "precious bytes of a fold's matrices");
    ck_assert_uint_eq(wrk_store_spill(s, 1), 100);
    char file[4096];
    ck_assert_int_eq(s_files(sp, file, sizeof file), 1);
    damage(file);
    wrk_pin_t *pin = (wrk_pin_t *)1;
    char err[DSK_ERR_LEN] = "";
    ck_assert_int_eq(wrk_store_pin(s, "a", DSK_DATA_OUTPUT, &pin, err), code);
    ck_assert_ptr_null(pin);
    ck_assert_msg(strstr(err, want) != NULL, "'%s' does not say '%s'", err, want);
    ck_assert_msg(strstr(err, file) != NULL, "'%s' does not name %s", err, file);
    /* no longer held: a FREE from the scheduler later finds nothing */
    ck_assert(!wrk_store_has(s, "a"));
    ck_assert_uint_eq(wrk_store_spilled(s), 0);
    wrk_store_free(s, "a");
    wrk_store_destroy(&s);
    ck_assert_int_eq(s_live, 0);
    wrk_spill_destroy(&sp);
}

static void s_flip_last_byte(const char *file)
{
    int fd = open(file, O_RDWR);
    ck_assert_int_ge(fd, 0);
    off_t end = lseek(fd, -1, SEEK_END);
    unsigned char c;
    ck_assert_int_eq(pread(fd, &c, 1, end), 1);
    c ^= 0x5a;
    ck_assert_int_eq(pwrite(fd, &c, 1, end), 1);
    close(fd);
}

static void s_truncate_body(const char *file)
{
    struct stat st;
    ck_assert_int_eq(stat(file, &st), 0);
    ck_assert_int_eq(truncate(file, st.st_size - 3), 0);
}

static void s_truncate_header(const char *file) { ck_assert_int_eq(truncate(file, 10), 0); }

static void s_remove(const char *file) { ck_assert_int_eq(unlink(file), 0); }

/* The blob's bin in pieces of 7 bytes: the spill's buffer fills and flushes mid-piece. */
static int s_pieces_pack(const void *obj, msgpack_packer *pk)
{
    const s_blob_t *b = obj;
    int bad = msgpack_pack_bin(pk, b->len);
    for (size_t at = 0; at < b->len && !bad; at += 7)
        bad = msgpack_pack_bin_body(pk, b->text + at, b->len - at < 7 ? b->len - at : 7);
    return bad;
}

START_TEST(test_written_as_packed)
{
    /* around the 64 KiB buffer, and bodies written past it in one piece */
    const size_t sizes[] = {0, 1, 65530, 65536, 65537, 200003};
    const int piecewise[] = {1, 0};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int p = 0; p < 2; p++) {
            wrk_spill_t *sp;
            wrk_store_t *s = s_store(&sp);
            char *text = malloc(sizes[i] + 1);
            for (size_t j = 0; j < sizes[i]; j++)
                text[j] = (char)('a' + (j * 7919 + i) % 26);
            text[sizes[i]] = '\0';
            wrk_store_put(s, "x", DSK_DATA_OUTPUT, s_blob(text), s_blob_destroy, 100,
                          piecewise[p] ? s_pieces_pack : s_blob_pack);
            msgpack_sbuffer before, after;
            msgpack_sbuffer_init(&before);
            msgpack_sbuffer_init(&after);
            ck_assert_int_eq(wrk_store_pack(s, "x", &before), DSK_OK);
            ck_assert_uint_eq(wrk_store_spill(s, 1), 100);
            ck_assert_int_eq(wrk_store_pack(s, "x", &after), DSK_OK); /* the file's body */
            ck_assert_msg(after.size == before.size &&
                              memcmp(after.data, before.data, before.size) == 0,
                          "%zu bytes, %s: the file holds other bytes than pack wrote",
                          sizes[i], piecewise[p] ? "in pieces" : "whole");
            ck_assert_uint_eq(wrk_spill_disk_bytes(sp), 96 + before.size); /* header + body */
            wrk_pin_t *pin;
            ck_assert_int_eq(wrk_store_pin(s, "x", DSK_DATA_OUTPUT, &pin, NULL), DSK_OK);
            ck_assert_str_eq(((const s_blob_t *)wrk_pin_obj(pin))->text, text);
            wrk_store_unpin(s, pin);
            msgpack_sbuffer_destroy(&before);
            msgpack_sbuffer_destroy(&after);
            free(text);
            wrk_store_destroy(&s);
            wrk_spill_destroy(&sp);
        }
}
END_TEST

START_TEST(test_damaged_files)
{
    s_damaged(s_flip_last_byte, DSK_EPROTO, "corrupted (checksum mismatch)");
    s_damaged(s_truncate_body, DSK_EPROTO, "its header says");
    s_damaged(s_truncate_header, DSK_EPROTO, "is truncated (10 bytes)");
    s_damaged(s_remove, DSK_EIO, "cannot be opened");
}
END_TEST

/* The worker's side: a TASK whose input's spill file is corrupted is refused, the worker goes on. */
static dsk_msg_t s_sent[4];
static int s_nsent;

static void s_send(void *arg, const dsk_msg_t *msg)
{
    if (s_nsent < 4)
        s_sent[s_nsent++] = *msg; /* only scalars and strings are read back */
}

static void s_submit(void *arg, wrk_task_t *task)
{
    ck_abort_msg("a task whose input cannot be read must not run");
}

static int s_output_unpack(const void *buf, size_t len, job_output_t *out, char *err)
{
    memset(out, 0, sizeof *out);
    msgpack_sbuffer_init(&out->reply);
    void *obj;
    int rc = s_blob_unpack(NULL, buf, len, &obj, err);
    if (rc < 0)
        return rc;
    out->obj = obj;
    out->destroy = s_blob_destroy;
    out->bytes = 100;
    out->pack = s_blob_pack;
    return DSK_OK;
}

static const wrk_runner_t s_runner = {s_submit, s_output_unpack};

START_TEST(test_task_on_corrupted_input)
{
    char err[DSK_ERR_LEN];
    wrk_spill_t *sp = wrk_spill_new(s_dir, err);
    ck_assert_msg(sp != NULL, "%s", err);
    s_nsent = 0;
    wrk_tasks_t *t = wrk_tasks_new(&s_runner, NULL, s_send, NULL);
    wrk_tasks_set_spill(t, sp);
    wrk_tasks_reset(t, 3);
    /* the job and a moved output, as DATA_PUT brings them */
    dsk_msg_t put = {.type = DSK_MSG_DATA_PUT};
    snprintf(put.u.data_put.key, sizeof put.u.data_put.key, "fold0");
    put.u.data_put.kind = DSK_DATA_OUTPUT;
    s_blob_t *b = s_blob("a fold's matrices");
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    s_blob_pack(b, &pk);
    s_blob_destroy(b);
    put.u.data_put.data = (dsk_bytes_t){.data = (unsigned char *)sb.data, .len = sb.size};
    ck_assert_int_eq(wrk_tasks_on_message(t, &put), 1);
    ck_assert(wrk_store_has(wrk_tasks_store(t), "fold0"));
    ck_assert_uint_eq(wrk_tasks_spill(t, 1), 100);
    char file[4096];
    ck_assert_int_eq(s_files(sp, file, sizeof file), 1);
    s_flip_last_byte(file);

    dsk_msg_t m = {.type = DSK_MSG_TASK};
    m.u.task.task_id = 9;
    m.u.task.kind = DSK_TASK_NOOP;
    snprintf(m.u.task.input_key, sizeof m.u.task.input_key, "fold0");
    snprintf(m.u.task.key, sizeof m.u.task.key, "out");
    ck_assert_int_eq(wrk_tasks_on_message(t, &m), 1);
    ck_assert_int_eq(s_nsent, 1);
    ck_assert_int_eq(s_sent[0].type, DSK_MSG_TASK_DONE);
    ck_assert_uint_eq(s_sent[0].u.task_done.task_id, 9);
    ck_assert_int_eq(s_sent[0].u.task_done.code, DSK_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(s_sent[0].u.task_done.error,
                                 "the input fold0 was spilled to disk and cannot be read back"));
    ck_assert_ptr_nonnull(strstr(s_sent[0].u.task_done.error, "corrupted"));
    ck_assert(!wrk_store_has(wrk_tasks_store(t), "fold0"));
    ck_assert_int_eq(wrk_tasks_outstanding(t), 0);
    msgpack_sbuffer_destroy(&sb);
    wrk_tasks_destroy(&t);
    wrk_spill_destroy(&sp);
    ck_assert_int_eq(s_live, 0);
}
END_TEST

START_TEST(test_bad_directory)
{
    char err[DSK_ERR_LEN] = "";
    char file[128];
    snprintf(file, sizeof file, "%s/plain", s_dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_ptr_null(wrk_spill_new(file, err)); /* a file, not a directory */
    ck_assert_ptr_nonnull(strstr(err, file));
    unlink(file);
    ck_assert_ptr_null(wrk_spill_new("", err));
    ck_assert_str_eq(err, "spill-dir is empty");
}
END_TEST

/* A directory as a worker of that pid would have made, with a spill file in it. */
static void s_fake_dir(int pid, char *path, size_t len)
{
    snprintf(path, len, "%s/dskd-worker-%d-aB3xYz", s_dir, pid);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    char file[600];
    snprintf(file, sizeof file, "%s/1.spill", path);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fputs("left behind", f);
    fclose(f);
}

START_TEST(test_stale_directories_removed)
{
    pid_t dead = fork(); /* a pid that no longer runs */
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    char gone[512], alive[512], other[512], err[DSK_ERR_LEN];
    s_fake_dir((int)dead, gone, sizeof gone);
    s_fake_dir((int)getppid(), alive, sizeof alive); /* a running process's */
    snprintf(other, sizeof other, "%s/dskd-worker-notes", s_dir);
    ck_assert_int_eq(mkdir(other, 0700), 0);
    wrk_spill_t *sp = wrk_spill_new(s_dir, err);
    ck_assert_msg(sp != NULL, "%s", err);
    struct stat st;
    ck_assert_int_eq(stat(gone, &st), -1);
    ck_assert_int_eq(stat(alive, &st), 0);
    ck_assert_int_eq(stat(other, &st), 0);
    wrk_spill_destroy(&sp);
    char file[600];
    snprintf(file, sizeof file, "%s/1.spill", alive);
    unlink(file);
    rmdir(alive);
    rmdir(other);
}
END_TEST

Suite *dsk_wrk_spill_suite(void);

Suite *dsk_wrk_spill_suite(void)
{
    Suite *s = suite_create("wrk_spill");
    TCase *tc = tcase_create("spill");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_lru_choice);
    tcase_add_test(tc, test_read_back);
    tcase_add_test(tc, test_written_as_packed);
    tcase_add_test(tc, test_damaged_files);
    tcase_add_test(tc, test_task_on_corrupted_input);
    tcase_add_test(tc, test_bad_directory);
    tcase_add_test(tc, test_stale_directories_removed);
    suite_add_tcase(s, tc);
    return s;
}
