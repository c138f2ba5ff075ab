/*
 * check_job_data.c — data and datasets as bytes: round trips are
 * bit-identical, every truncated or corrupted buffer is an error (never a
 * crash: the ASan build runs these too), and content keys are XXH3-128.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "job_data.h"
#include "ml_pack.h"

static ml_data_t *s_text(void)
{
    static const char *const docs[] = {"From: a@b\n\nhello world", "", "caf\xc3\xa9 \xff\xfe",
                                       "nul\0inside"};
    static const size_t lens[] = {22, 0, 8, 10};
    ml_data_t *d = ml_data_new_text(4);
    for (int i = 0; i < 4; i++) {
        d->text.docs[i] = dsk_xmalloc(lens[i] + 1);
        memcpy(d->text.docs[i], docs[i], lens[i] + 1);
        d->text.lens[i] = lens[i];
    }
    return d;
}

/* Values a lossy encoding would change: -0.0, a NaN payload, infinities, a denormal. */
static ml_data_t *s_dense(void)
{
    ml_dense_t *m = ml_dense_new(3, 4);
    uint64_t nan_bits = 0x7ff8000000abcdefULL;
    double odd_nan;
    memcpy(&odd_nan, &nan_bits, 8);
    const double v[12] = {0.1, -0.0, 1e-310, INFINITY, -INFINITY, odd_nan,
                          3.141592653589793, -2.5e300, 1.0 / 3.0, 42, 0, -1};
    memcpy(m->data, v, sizeof v);
    return ml_data_from_dense(&m);
}

/* 3 x 5 with an empty middle row. */
static ml_data_t *s_csr(void)
{
    ml_csr_t *m = ml_csr_new(3, 5, 4);
    const int64_t indptr[] = {0, 2, 2, 4};
    const int32_t indices[] = {0, 4, 1, 3};
    const double data[] = {1.5, -0.0, 2e-300, 7};
    memcpy(m->indptr, indptr, sizeof indptr);
    memcpy(m->indices, indices, sizeof indices);
    memcpy(m->data, data, sizeof data);
    return ml_data_from_csr(&m);
}

static void s_pack(const ml_data_t *d, msgpack_sbuffer *sb)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    ck_assert_int_eq(job_data_pack(d, &pk), 0);
}

static void s_assert_same(const ml_data_t *a, const ml_data_t *b)
{
    ck_assert_int_eq(a->kind, b->kind);
    ck_assert_int_eq(a->nrows, b->nrows);
    if (a->kind == ML_DATA_TEXT) {
        for (int64_t i = 0; i < a->nrows; i++) {
            ck_assert_uint_eq(a->text.lens[i], b->text.lens[i]);
            ck_assert_int_eq(memcmp(a->text.docs[i], b->text.docs[i], a->text.lens[i]), 0);
            ck_assert_int_eq(b->text.docs[i][b->text.lens[i]], '\0');
        }
    } else if (a->kind == ML_DATA_DENSE) {
        ck_assert_int_eq(a->dense->nrows, b->dense->nrows);
        ck_assert_int_eq(a->dense->ncols, b->dense->ncols);
        size_t n = (size_t)(a->dense->nrows * a->dense->ncols);
        ck_assert_int_eq(memcmp(a->dense->data, b->dense->data, n * 8), 0);
    } else {
        const ml_csr_t *x = a->csr, *y = b->csr;
        ck_assert_int_eq(x->nrows, y->nrows);
        ck_assert_int_eq(x->ncols, y->ncols);
        int64_t nnz = ml_csr_nnz(x);
        ck_assert_int_eq(nnz, ml_csr_nnz(y));
        ck_assert_int_eq(memcmp(x->indptr, y->indptr, (size_t)(x->nrows + 1) * 8), 0);
        ck_assert_int_eq(memcmp(x->indices, y->indices, (size_t)nnz * 4), 0);
        ck_assert_int_eq(memcmp(x->data, y->data, (size_t)nnz * 8), 0);
    }
}

START_TEST(test_data_round_trip)
{
    ml_data_t *(*const make[])(void) = {s_text, s_dense, s_csr};
    for (int k = 0; k < 3; k++) {
        char err[DSK_ERR_LEN];
        ml_data_t *d = make[k](), *back;
        msgpack_sbuffer sb;
        s_pack(d, &sb);
        ck_assert_msg(job_data_unpack(sb.data, sb.size, "data", &back, err) == 0, "%s", err);
        s_assert_same(d, back);
        ck_assert_uint_eq(job_data_bytes(d), job_data_bytes(back));
        /* the same data packs to the same bytes: the key is a function of the content */
        msgpack_sbuffer again;
        s_pack(back, &again);
        ck_assert_uint_eq(sb.size, again.size);
        ck_assert_int_eq(memcmp(sb.data, again.data, sb.size), 0);
        msgpack_sbuffer_destroy(&again);
        msgpack_sbuffer_destroy(&sb);
        ml_data_destroy(&back);
        ml_data_destroy(&d);
    }
    ml_data_t *d = s_dense();
    ck_assert_uint_ge(job_data_bytes(d), 12 * sizeof(double));
    ml_data_destroy(&d);
}
END_TEST

/* The packed size of a 1 x n dense row of these values (and that they come back bit for bit). */
static size_t s_packed_size(const double *v, int64_t n)
{
    char err[DSK_ERR_LEN];
    ml_dense_t *m = ml_dense_new(1, n);
    memcpy(m->data, v, (size_t)n * sizeof *v);
    ml_data_t *d = ml_data_from_dense(&m), *back;
    msgpack_sbuffer sb;
    s_pack(d, &sb);
    ck_assert_msg(job_data_unpack(sb.data, sb.size, "data", &back, err) == 0, "%s", err);
    s_assert_same(d, back);
    size_t size = sb.size;
    msgpack_sbuffer_destroy(&sb);
    ml_data_destroy(&back);
    ml_data_destroy(&d);
    return size;
}

START_TEST(test_values_narrowed_exactly)
{
    enum { N = 64 };
    double pixels[N], halves[N], wide[N];
    for (int i = 0; i < N; i++) {
        pixels[i] = (double)(i * 4 % 256);   /* bytes */
        halves[i] = -1.5 + (double)i * 0.25; /* floats, exactly */
        wide[i] = pixels[i];
    }
    size_t u1 = s_packed_size(pixels, N), f4 = s_packed_size(halves, N);
    ck_assert_uint_lt(u1, 20 + N + 40);
    ck_assert_uint_gt(f4, 4 * N);
    ck_assert_uint_lt(f4, 20 + 4 * N + 40);
    /* one value each that only float64 holds: 0.1, a subnormal, a NaN payload */
    uint64_t nan_bits = 0x7ff8000000abcdefULL;
    double odd_nan;
    memcpy(&odd_nan, &nan_bits, 8);
    const double only_f8[] = {0.1, 1e-310, odd_nan};
    for (size_t k = 0; k < sizeof only_f8 / sizeof only_f8[0]; k++) {
        wide[N - 1] = only_f8[k];
        ck_assert_uint_gt(s_packed_size(wide, N), 8 * N);
    }
    /* -0.0 among bytes is not a byte, but is a float */
    pixels[3] = -0.0;
    ck_assert_uint_lt(s_packed_size(pixels, N), 20 + 4 * N + 40);

    /* a dtype nobody wrote, and a bin too short for the dtype it claims */
    char err[DSK_ERR_LEN];
    ml_data_t *back = NULL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    const char *keys[] = {"kind", "dense", "rows", "cols", "dtype", "i8", "data"};
    ml_pack_key(&pk, keys[0]);
    ml_pack_key(&pk, keys[1]);
    ml_pack_key(&pk, keys[2]);
    msgpack_pack_int(&pk, 1);
    ml_pack_key(&pk, keys[3]);
    msgpack_pack_int(&pk, 4);
    ml_pack_key(&pk, keys[4]);
    ml_pack_key(&pk, keys[5]);
    ml_pack_key(&pk, keys[6]);
    msgpack_pack_bin(&pk, 4);
    msgpack_pack_bin_body(&pk, "abcd", 4);
    ck_assert_int_lt(job_data_unpack(sb.data, sb.size, "chunk", &back, err), 0);
    ck_assert_msg(strstr(err, "\"dtype\" must be") != NULL, "%s", err);
    /* the same bytes as "f4": 4 bytes cannot be 4 floats */
    char *at = memmem(sb.data, sb.size, "i8", 2);
    ck_assert_ptr_nonnull(at);
    memcpy(at, "f4", 2);
    ck_assert_int_lt(job_data_unpack(sb.data, sb.size, "chunk", &back, err), 0);
    ck_assert_msg(strstr(err, "1 x 4 x 4") != NULL, "%s", err);
    memcpy(at, "u1", 2);
    ck_assert_msg(job_data_unpack(sb.data, sb.size, "chunk", &back, err) == 0, "%s", err);
    ck_assert(back->dense->data[0] == 'a' && back->dense->data[3] == 'd');
    ml_data_destroy(&back);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

static ml_dataset_t *s_dataset(int with_filenames)
{
    ml_dataset_t *ds = dsk_xcalloc(1, sizeof *ds);
    ds->X = s_text();
    ds->n_classes = 3;
    ds->y = dsk_xcalloc(4, sizeof *ds->y);
    const int32_t y[] = {2, 0, 1, 2};
    memcpy(ds->y, y, sizeof y);
    ds->target_names = dsk_xcalloc(3, sizeof *ds->target_names);
    ds->target_names[0] = dsk_xstrdup("alt.atheism");
    ds->target_names[1] = dsk_xstrdup("");
    ds->target_names[2] = dsk_xstrdup("talk.religion.misc");
    if (with_filenames) {
        ds->filenames = dsk_xcalloc(4, sizeof *ds->filenames);
        for (int i = 0; i < 4; i++) {
            char name[32];
            snprintf(name, sizeof name, "train/%d/%d", y[i], 53000 + i);
            ds->filenames[i] = dsk_xstrdup(name);
        }
    }
    return ds;
}

static void s_pack_dataset(const ml_dataset_t *ds, msgpack_sbuffer *sb)
{
    msgpack_sbuffer_init(sb);
    ck_assert_int_eq(job_dataset_pack(ds, sb), 0);
}

START_TEST(test_dataset_round_trip)
{
    for (int with = 0; with < 3; with++) {
        char err[DSK_ERR_LEN];
        ml_dataset_t *ds = s_dataset(with == 1), *back;
        if (with == 2) { /* no labels at all: y is nil */
            free(ds->y);
            ds->y = NULL;
        }
        msgpack_sbuffer sb;
        s_pack_dataset(ds, &sb);
        ck_assert_msg(job_dataset_unpack(sb.data, sb.size, "ds", &back, err) == 0, "%s", err);
        s_assert_same(ds->X, back->X);
        ck_assert_int_eq(back->n_classes, 3);
        for (int k = 0; k < 3; k++)
            ck_assert_str_eq(back->target_names[k], ds->target_names[k]);
        if (ds->y)
            ck_assert_int_eq(memcmp(back->y, ds->y, 4 * sizeof *ds->y), 0);
        else
            ck_assert_ptr_null(back->y);
        if (with == 1)
            for (int i = 0; i < 4; i++)
                ck_assert_str_eq(back->filenames[i], ds->filenames[i]);
        else
            ck_assert_ptr_null(back->filenames);
        ck_assert_uint_eq(job_dataset_bytes(ds), job_dataset_bytes(back));
        /* its rows, read from the header alone; a cut buffer has none */
        ck_assert_int_eq(job_dataset_rows(sb.data, sb.size), 4);
        ck_assert_int_eq(job_dataset_rows(sb.data, sb.size - 1), -1);
        msgpack_sbuffer_destroy(&sb);
        ml_dataset_destroy(&back);
        ml_dataset_destroy(&ds);
    }
}
END_TEST

/* A packed dataset's rows, for each kind of data, without unpacking its arrays. */
START_TEST(test_dataset_rows)
{
    ml_data_t *(*const make[])(void) = {s_text, s_dense, s_csr};
    for (size_t k = 0; k < sizeof make / sizeof make[0]; k++) {
        ml_dataset_t *ds = s_dataset(0);
        ml_data_destroy(&ds->X);
        ds->X = make[k]();
        free(ds->y);
        ds->y = NULL; /* labels need not match the rows here */
        msgpack_sbuffer sb;
        s_pack_dataset(ds, &sb);
        ck_assert_int_eq(job_dataset_rows(sb.data, sb.size), ds->X->nrows);
        msgpack_sbuffer_destroy(&sb);
        ml_dataset_destroy(&ds);
    }
    ck_assert_int_eq(job_dataset_rows("\x93\x01\x02\x03", 4), -1); /* an array, not a dataset */
}
END_TEST

/* Every proper prefix of a packed buffer is an error with a message, and no leak. */
START_TEST(test_truncations_rejected)
{
    msgpack_sbuffer sb;
    ml_dataset_t *ds = s_dataset(1);
    s_pack_dataset(ds, &sb);
    ml_dataset_destroy(&ds);
    for (size_t len = 0; len < sb.size; len++) {
        char err[DSK_ERR_LEN] = "";
        ml_dataset_t *out = (ml_dataset_t *)1;
        ck_assert_msg(job_dataset_unpack(sb.data, len, "ds", &out, err) < 0, "len %zu", len);
        ck_assert_ptr_null(out);
        ck_assert_msg(strncmp(err, "ds", 2) == 0, "len %zu: \"%s\"", len, err);
    }
    msgpack_sbuffer_destroy(&sb);
    ml_data_t *d = s_csr();
    s_pack(d, &sb);
    ml_data_destroy(&d);
    for (size_t len = 0; len < sb.size; len++) {
        char err[DSK_ERR_LEN] = "";
        ml_data_t *out = (ml_data_t *)1;
        ck_assert_msg(job_data_unpack(sb.data, len, "chunk", &out, err) < 0, "len %zu", len);
        ck_assert_ptr_null(out);
        ck_assert_msg(strstr(err, "chunk"), "len %zu: \"%s\"", len, err);
    }
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

/* Each byte of a packed dataset flipped: decoded or refused, never a crash. */
START_TEST(test_flipped_bytes_never_crash)
{
    msgpack_sbuffer sb;
    ml_dataset_t *ds = s_dataset(1);
    s_pack_dataset(ds, &sb);
    ml_dataset_destroy(&ds);
    char *copy = dsk_xmalloc(sb.size);
    for (size_t i = 0; i < sb.size; i++) {
        static const unsigned char masks[] = {0xff, 0x01, 0x80, 0x10};
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(copy, sb.data, sb.size);
            copy[i] = (char)(copy[i] ^ masks[m]);
            char err[DSK_ERR_LEN];
            ml_dataset_t *out = NULL;
            if (job_dataset_unpack(copy, sb.size, "ds", &out, err) == 0)
                ml_dataset_destroy(&out);
        }
    }
    free(copy);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

/* A hand-built data map: kind, rows, cols and bins of the given byte lengths. */
static void s_pack_bins(msgpack_sbuffer *sb, const char *kind, int64_t rows, int64_t cols,
                        const void *indptr, size_t indptr_len, const void *indices,
                        size_t indices_len, size_t data_len)
{
    static const double zeros[64];
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    int csr = strcmp(kind, "csr") == 0;
    msgpack_pack_map(&pk, csr ? 6 : 4);
    msgpack_pack_str_with_body(&pk, "kind", 4);
    msgpack_pack_str_with_body(&pk, kind, strlen(kind));
    msgpack_pack_str_with_body(&pk, "rows", 4);
    msgpack_pack_int64(&pk, rows);
    msgpack_pack_str_with_body(&pk, "cols", 4);
    msgpack_pack_int64(&pk, cols);
    if (csr) {
        msgpack_pack_str_with_body(&pk, "indptr", 6);
        msgpack_pack_bin_with_body(&pk, indptr, indptr_len);
        msgpack_pack_str_with_body(&pk, "indices", 7);
        msgpack_pack_bin_with_body(&pk, indices, indices_len);
    }
    msgpack_pack_str_with_body(&pk, "data", 4);
    msgpack_pack_bin_with_body(&pk, zeros, data_len);
}

static void s_expect_data_error(msgpack_sbuffer *sb, const char *frag)
{
    char err[DSK_ERR_LEN] = "";
    ml_data_t *out = (ml_data_t *)1;
    ck_assert_int_lt(job_data_unpack(sb->data, sb->size, "chunk 7", &out, err), 0);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(err, "chunk 7") && strstr(err, frag), "error \"%s\" lacks \"%s\"",
                  err, frag);
    msgpack_sbuffer_destroy(sb);
}

START_TEST(test_corrupt_lengths_and_structure)
{
    msgpack_sbuffer sb;
    /* a dense bin one double short of rows x cols */
    s_pack_bins(&sb, "dense", 2, 2, NULL, 0, NULL, 0, 24);
    s_expect_data_error(&sb, "\"data\" is missing or not a bin of the 2 x 2 x 8 bytes");
    s_pack_bins(&sb, "dense", -1, 2, NULL, 0, NULL, 0, 0);
    s_expect_data_error(&sb, "\"rows\" is missing or not an integer");
    s_pack_bins(&sb, "sparse", 1, 1, NULL, 0, NULL, 0, 8);
    s_expect_data_error(&sb, "unknown data kind 'sparse'");

    const int64_t ok_ptr[] = {0, 1, 2}, down[] = {0, 2, 1}, from1[] = {1, 1, 2};
    const int32_t ok_idx[] = {0, 1}, far_idx[] = {0, 3}, neg_idx[] = {-1, 0};
    s_pack_bins(&sb, "csr", 2, 3, ok_ptr, 16, ok_idx, 8, 16);
    s_expect_data_error(&sb, "\"indptr\" is missing or not a bin of the (rows + 1) x 8");
    s_pack_bins(&sb, "csr", 2, 3, ok_ptr, 24, ok_idx, 8, 8);
    s_expect_data_error(&sb, "\"data\" is missing or not a bin of the nnz x 8");
    s_pack_bins(&sb, "csr", 2, 3, ok_ptr, 24, ok_idx, 7, 16);
    s_expect_data_error(&sb, "\"indices\" is missing or not a bin of the nnz x 4");
    s_pack_bins(&sb, "csr", 2, 3, down, 24, ok_idx, 8, 16);
    s_expect_data_error(&sb, "indptr must run from 0 to nnz=2, got 0 to 1");
    const int64_t dip[] = {0, 2, 1, 2};
    s_pack_bins(&sb, "csr", 3, 3, dip, 32, ok_idx, 8, 16);
    s_expect_data_error(&sb, "indptr decreases at row 1");
    s_pack_bins(&sb, "csr", 2, 3, from1, 24, ok_idx, 8, 16);
    s_expect_data_error(&sb, "indptr must run from 0");
    s_pack_bins(&sb, "csr", 2, 3, ok_ptr, 24, far_idx, 8, 16);
    s_expect_data_error(&sb, "column index 3 at 1 is outside [0, 3)");
    s_pack_bins(&sb, "csr", 2, 3, ok_ptr, 24, neg_idx, 8, 16);
    s_expect_data_error(&sb, "column index -1 at 0");

    /* a length byte bumped past the end of the buffer: dsk_mp_check refuses it */
    ml_data_t *d = s_dense();
    s_pack(d, &sb);
    ml_data_destroy(&d);
    char *hdr = memmem(sb.data, sb.size, "\xc4\x60", 2); /* bin8 of 96 bytes */
    ck_assert_ptr_nonnull(hdr);
    hdr[1] = (char)0xff;
    s_expect_data_error(&sb, "truncated or corrupt");
    d = s_dense();
    s_pack(d, &sb);
    ml_data_destroy(&d);
    hdr = memmem(sb.data, sb.size, "\xc4\x60", 2);
    hdr[1] = 0x58; /* 88 bytes: the rest is left over after one object */
    s_expect_data_error(&sb, "truncated or corrupt");
}
END_TEST

static void s_expect_dataset_error(const ml_dataset_t *ds, void (*spoil)(msgpack_sbuffer *),
                                   const char *frag)
{
    msgpack_sbuffer sb;
    s_pack_dataset(ds, &sb);
    if (spoil)
        spoil(&sb);
    char err[DSK_ERR_LEN] = "";
    ml_dataset_t *out = (ml_dataset_t *)1;
    ck_assert_int_lt(job_dataset_unpack(sb.data, sb.size, "ds", &out, err), 0);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(err, frag), "error \"%s\" lacks \"%s\"", err, frag);
    msgpack_sbuffer_destroy(&sb);
}

/* The version is the first value packed: 0x01 after the "dsk_dataset" key. */
static void s_spoil_version(msgpack_sbuffer *sb)
{
    char *v = memmem(sb->data, sb->size, "dsk_dataset", 11);
    v[11] = 2;
}

START_TEST(test_dataset_field_errors)
{
    ml_dataset_t *ds = s_dataset(1);
    s_expect_dataset_error(ds, s_spoil_version, "ds: dataset format version is not 1");
    ds->y[2] = 3;
    s_expect_dataset_error(ds, NULL, "ds: label 3 of row 2 is outside [0, n_classes=3)");
    ds->y[2] = 1;
    ds->n_classes = 2; /* two names packed, labels up to 2 */
    s_expect_dataset_error(ds, NULL, "label 2 of row 0 is outside [0, n_classes=2)");
    ds->n_classes = 3;
    ml_dataset_destroy(&ds);

    char err[DSK_ERR_LEN];
    ml_dataset_t *out;
    ml_data_t *d = s_dense();
    msgpack_sbuffer sb;
    s_pack(d, &sb);
    ml_data_destroy(&d);
    ck_assert_int_eq(job_dataset_unpack(sb.data, sb.size, "ds", &out, err), DSK_ENOTDSK);
    ck_assert_msg(strstr(err, "ds is not a dsk dataset"), "%s", err);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_content_keys)
{
    char a[JOB_KEY_LEN + 1], b[JOB_KEY_LEN + 1];
    job_content_key("dsk", 3, a);
    /* XXH3-128 of "dsk", canonical (XXH128_canonicalFromHash) hex, computed once */
    ck_assert_str_eq(a, "9536d5be804f38b4791ebb1cf4bca43d");
    job_content_key("", 0, a);
    ck_assert_str_eq(a, "99aa06d3014798d86001c324468d497f");
    ck_assert_uint_eq(strlen(a), JOB_KEY_LEN);

    msgpack_sbuffer s1, s2;
    ml_dataset_t *ds = s_dataset(0);
    s_pack_dataset(ds, &s1);
    s_pack_dataset(ds, &s2);
    job_content_key(s1.data, s1.size, a);
    job_content_key(s2.data, s2.size, b);
    ck_assert_str_eq(a, b);
    for (size_t i = 0; i < JOB_KEY_LEN; i++)
        ck_assert(strchr("0123456789abcdef", a[i]));
    s2.data[s2.size - 1] ^= 1;
    job_content_key(s2.data, s2.size, b);
    ck_assert_str_ne(a, b);
    job_content_key(s1.data, s1.size - 1, b);
    ck_assert_str_ne(a, b);
    msgpack_sbuffer_destroy(&s1);
    msgpack_sbuffer_destroy(&s2);
    ml_dataset_destroy(&ds);
}
END_TEST

Suite *dsk_job_data_suite(void)
{
    Suite *s = suite_create("job_data");
    TCase *tc = tcase_create("data_pack");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_data_round_trip);
    tcase_add_test(tc, test_values_narrowed_exactly);
    tcase_add_test(tc, test_dataset_round_trip);
    tcase_add_test(tc, test_dataset_rows);
    tcase_add_test(tc, test_truncations_rejected);
    tcase_add_test(tc, test_flipped_bytes_never_crash);
    tcase_add_test(tc, test_corrupt_lengths_and_structure);
    tcase_add_test(tc, test_dataset_field_errors);
    tcase_add_test(tc, test_content_keys);
    suite_add_tcase(s, tc);
    return s;
}
