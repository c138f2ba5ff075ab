/*
 * check_ml_loaders.c — the data loaders on small synthetic files: each
 * format's happy path and each corrupt input's clear error; the tar.gz
 * reader and the 20 newsgroups loader on an archive the test builds (its
 * expected order computed by scikit-learn's fetch_20newsgroups on the same
 * tree); the newsgroup strippers against scikit-learn's outputs.
 */
#include <check.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ml_load_util.h"
#include "ml_load.h"
#include "ml_npy.h"
#include "ml_news_cache.h"
#include "ml_news_clean.h"
#include "ml_tar.h"

static char s_dir[64];

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/dsk-check-loaders-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(s_dir));
    setenv("XDG_CACHE_HOME", s_dir, 1);
}

static void s_teardown(void)
{
    nftw(s_dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* s_dir/rel, in a static buffer (one at a time). */
static const char *s_path(const char *rel)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", s_dir, rel);
    return p;
}

static void s_write(const char *rel, const void *data, size_t len)
{
    FILE *f = fopen(s_path(rel), "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void s_mkdir(const char *rel)
{
    ck_assert_int_eq(mkdir(s_path(rel), 0755), 0);
}

/* Loads the spec (JSON text, each "%D" replaced by the temporary folder). */
static int s_load(const char *fmt, ml_dataset_t **ds, char *err)
{
    char text[2048];
    size_t o = 0;
    for (const char *p = fmt; *p && o + 80 < sizeof text; p++) {
        if (p[0] == '%' && p[1] == 'D') {
            o += (size_t)snprintf(text + o, sizeof text - o, "%s", s_dir);
            p++;
        } else
            text[o++] = *p;
    }
    text[o] = '\0';
    json_error_t jerr;
    json_t *spec = json_loads(text, 0, &jerr);
    ck_assert_msg(spec != NULL, "bad test spec %s: %s", text, jerr.text);
    err[0] = '\0';
    int rc = ml_load_dataset(spec, ds, err);
    json_decref(spec);
    return rc;
}

static void s_expect_error(const char *spec, const char *needle)
{
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds = NULL;
    int rc = s_load(spec, &ds, err);
    ck_assert_msg(rc < 0, "%s: loaded, expected an error with '%s'", spec, needle);
    ck_assert_ptr_null(ds);
    ck_assert_msg(strstr(err, needle) != NULL, "error '%s' lacks '%s'", err, needle);
}

START_TEST(test_spec_errors)
{
    s_expect_error("{}", "data.loader: required");
    s_expect_error("{\"loader\": \"parquet\"}", "data.loader: expected one of");
    s_expect_error("{\"loader\": \"20newsgroups\", \"subset\": \"tran\"}",
                   "data.subset: expected one of 'train', 'test', 'all', got 'tran'");
    s_expect_error("{\"loader\": \"20newsgroups\", \"subsett\": \"train\"}",
                   "has no parameter 'subsett' (did you mean 'subset'?)");
    s_expect_error("{\"loader\": \"20newsgroups\", \"shuffle\": 1}",
                   "data.shuffle: expected true or false, got an integer");
    s_expect_error("{\"loader\": \"20newsgroups\", \"remove\": [\"headers\", \"sigs\"]}",
                   "data.remove[1]: expected one of 'headers', 'footers', 'quotes', got 'sigs'");
    s_expect_error("{\"loader\": \"20newsgroups\", \"random_state\": null}",
                   "data.random_state: null");
    s_expect_error("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\"}",
                   "20news-bydate.tar.gz not found");
    s_expect_error("{\"loader\": \"csv\"}", "data.path: required");
    s_expect_error("{\"loader\": \"digits\", \"data_home\": \"%D\"}", "digits.csv.gz");
}
END_TEST

START_TEST(test_csv)
{
    const char *csv = "a,b,label\n1.5,2,cat\n\n-3,4e1,ant\r\n0,0,cat\n";
    s_write("t.csv", csv, strlen(csv));
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    ck_assert_msg(s_load("{\"loader\": \"csv\", \"path\": \"%D/t.csv\", \"header\": true}",
                         &ds, err) == 0, "%s", err);
    ck_assert_int_eq(ds->X->kind, ML_DATA_DENSE);
    ck_assert_int_eq(ds->X->dense->nrows, 3);
    ck_assert_int_eq(ds->X->dense->ncols, 2);
    ck_assert_double_eq(ds->X->dense->data[2], -3.0);
    ck_assert_double_eq(ds->X->dense->data[3], 40.0);
    ck_assert_int_eq(ds->n_classes, 2);
    ck_assert_str_eq(ds->target_names[0], "ant");
    ck_assert_int_eq(ds->y[0], 1);
    ck_assert_int_eq(ds->y[1], 0);
    ml_dataset_destroy(&ds);
    /* numeric labels sort numerically, the label column anywhere */
    const char *num = "10,1\n9,2\n10,3\n";
    s_write("n.csv", num, strlen(num));
    ck_assert(s_load("{\"loader\": \"csv\", \"path\": \"%D/n.csv\", \"label_column\": 0}",
                     &ds, err) == 0);
    ck_assert_str_eq(ds->target_names[0], "9");
    ck_assert_int_eq(ds->y[0], 1);
    ck_assert_double_eq(ds->X->dense->data[2], 3.0);
    ml_dataset_destroy(&ds);
    const char *bad = "1,2,x\n3,4z,y\n";
    s_write("bad.csv", bad, strlen(bad));
    s_expect_error("{\"loader\": \"csv\", \"path\": \"%D/bad.csv\"}",
                   "bad.csv:2:2: cannot read '4z' as a number");
    const char *ragged = "1,2,x\n3,y\n";
    s_write("r.csv", ragged, strlen(ragged));
    s_expect_error("{\"loader\": \"csv\", \"path\": \"%D/r.csv\"}",
                   "r.csv:2: expected 3 columns, got 2");
    s_expect_error("{\"loader\": \"csv\", \"path\": \"%D/r.csv\", \"label_column\": 5}",
                   "data.label_column: 5 is out of range");
    s_expect_error("{\"loader\": \"csv\", \"path\": \"%D/none.csv\"}", "none.csv");
}
END_TEST

START_TEST(test_svmlight)
{
    const char *svm = "# a comment\n1 1:0.5 3:2 # trailing\n-1 qid:3 2:1e-1\n\n1\n";
    s_write("t.svm", svm, strlen(svm));
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    ck_assert_msg(s_load("{\"loader\": \"svmlight\", \"path\": \"%D/t.svm\"}", &ds, err) == 0,
                  "%s", err);
    ck_assert_int_eq(ds->X->kind, ML_DATA_CSR);
    ml_csr_t *m = ds->X->csr;
    ck_assert_int_eq(m->nrows, 3);
    ck_assert_int_eq(m->ncols, 3);
    ck_assert_int_eq(m->indptr[1], 2);
    ck_assert_int_eq(m->indptr[3], 3);
    ck_assert_int_eq(m->indices[0], 0);
    ck_assert_int_eq(m->indices[1], 2);
    ck_assert_int_eq(m->indices[2], 1);
    ck_assert_double_eq(m->data[2], 0.1);
    ck_assert_int_eq(ds->n_classes, 2);
    ck_assert_str_eq(ds->target_names[0], "-1");
    ck_assert_int_eq(ds->y[0], 1);
    ck_assert_int_eq(ds->y[1], 0);
    ml_dataset_destroy(&ds);
    ck_assert(s_load("{\"loader\": \"svmlight\", \"path\": \"%D/t.svm\", \"n_features\": 10}",
                     &ds, err) == 0);
    ck_assert_int_eq(ds->X->csr->ncols, 10);
    ml_dataset_destroy(&ds);
    s_expect_error("{\"loader\": \"svmlight\", \"path\": \"%D/t.svm\", \"n_features\": 2}",
                   "data.n_features: 2, but");
    const char *bad = "1 1:0.5\n2 3:x\n";
    s_write("bad.svm", bad, strlen(bad));
    s_expect_error("{\"loader\": \"svmlight\", \"path\": \"%D/bad.svm\"}",
                   "bad.svm:2: bad token '3:x'");
    const char *uns = "1 3:1 2:1\n";
    s_write("uns.svm", uns, strlen(uns));
    s_expect_error("{\"loader\": \"svmlight\", \"path\": \"%D/uns.svm\"}",
                   "uns.svm:1: feature indices must be sorted and unique");
}
END_TEST

/* A .npy file: header padded to 64 bytes as NumPy writes it, then data. */
static void s_npy(const char *rel, const char *descr, const char *shape, const void *data,
                  size_t len, const char *fortran)
{
    char h[128];
    int n = snprintf(h + 10, sizeof h - 10, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                     descr, fortran, shape);
    int total = ((10 + n + 1 + 63) / 64) * 64;
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (char)(total - 10);
    h[9] = 0;
    memset(h + 10 + n, ' ', (size_t)(total - 10 - n));
    h[total - 1] = '\n';
    unsigned char buf[512];
    memcpy(buf, h, (size_t)total);
    memcpy(buf + total, data, len);
    s_write(rel, buf, (size_t)total + len);
}

START_TEST(test_npy)
{
    double x[6] = {1, 2, 3, 4, 5.5, 6};
    int64_t y[2] = {7, 3};
    float xf[6] = {1, 2, 3, 4, 5.5f, 6};
    s_npy("x.npy", "<f8", "(2, 3)", x, sizeof x, "False");
    s_npy("xf.npy", "<f4", "(2, 3)", xf, sizeof xf, "False");
    s_npy("y.npy", "<i8", "(2,)", y, sizeof y, "False");
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    ck_assert_msg(s_load("{\"loader\": \"npy\", \"path\": \"%D/x.npy\", \"labels_path\": "
                         "\"%D/y.npy\"}", &ds, err) == 0, "%s", err);
    ck_assert_double_eq(ds->X->dense->data[5], 6.0);
    ml_dataset_destroy(&ds);
    char spec[512];
    snprintf(spec, sizeof spec, "{\"loader\": \"npy\", \"path\": \"%s/xf.npy\", "
             "\"labels_path\": \"%s/y.npy\"}", s_dir, s_dir);
    ck_assert_msg(s_load(spec, &ds, err) == 0, "%s", err);
    ck_assert_int_eq(ds->X->dense->nrows, 2);
    ck_assert_int_eq(ds->X->dense->ncols, 3);
    ck_assert_double_eq(ds->X->dense->data[4], 5.5);
    ck_assert_str_eq(ds->target_names[0], "3");
    ck_assert_int_eq(ds->y[0], 1);
    ml_dataset_destroy(&ds);
    s_npy("trunc.npy", "<f8", "(2, 3)", x, sizeof x - 8, "False");
    snprintf(spec, sizeof spec, "{\"loader\": \"npy\", \"path\": \"%s/trunc.npy\", "
             "\"labels_path\": \"%s/y.npy\"}", s_dir, s_dir);
    s_expect_error(spec, "truncated: expected 48 data bytes after the 128-byte header, got 40");
    s_npy("f.npy", "<f8", "(2, 3)", x, sizeof x, "True");
    snprintf(spec, sizeof spec, "{\"loader\": \"npy\", \"path\": \"%s/f.npy\", "
             "\"labels_path\": \"%s/y.npy\"}", s_dir, s_dir);
    /* Fortran order: column after column */
    ck_assert_msg(s_load(spec, &ds, err) == 0, "%s", err);
    static const double by_rows[6] = {1, 3, 5.5, 2, 4, 6};
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq(ds->X->dense->data[i], by_rows[i]);
    ml_dataset_destroy(&ds);
    /* read a few rows at a time: the same rows, C or Fortran order */
    for (int fortran = 0; fortran < 2; fortran++) {
        char fp[600];
        snprintf(fp, sizeof fp, "%s/%s", s_dir, fortran ? "f.npy" : "x.npy");
        ml_npy_file_t *nf = NULL;
        ck_assert_msg(ml_npy_file_open(fp, &nf, err) == 0, "%s", err);
        double row[3];
        ck_assert_msg(ml_npy_file_rows(nf, 1, 1, row, err) == 0, "%s", err);
        for (int c = 0; c < 3; c++)
            ck_assert_double_eq(row[c], fortran ? by_rows[3 + c] : x[3 + c]);
        ck_assert_int_eq(ml_npy_file_rows(nf, 1, 2, row, err), DSK_EINVAL);
        ml_npy_file_close(&nf);
    }
    snprintf(spec, sizeof spec, "%s/trunc.npy", s_dir);
    ml_npy_file_t *tf = NULL;
    ck_assert_int_eq(ml_npy_file_open(spec, &tf, err), DSK_EINVAL);
    ck_assert_msg(strstr(err, "truncated"), "%s", err);
    ck_assert_ptr_null(tf);
    /* big-endian int16, half floats, booleans; no labels_path: no labels */
    unsigned char be[12], half[12], b1[6];
    for (int i = 0; i < 6; i++) {
        int v = i == 4 ? -300 : (int)x[i];
        be[2 * i] = (unsigned char)((unsigned)v >> 8);
        be[2 * i + 1] = (unsigned char)v;
        uint16_t h = i == 4 ? 0x4580 : 0x3c00; /* 5.5, else 1.0 */
        half[2 * i] = (unsigned char)h;
        half[2 * i + 1] = (unsigned char)(h >> 8);
        b1[i] = i % 2;
    }
    s_npy("be.npy", ">i2", "(2, 3)", be, sizeof be, "False");
    s_npy("half.npy", "<f2", "(2, 3)", half, sizeof half, "False");
    s_npy("b1.npy", "|b1", "(2, 3)", b1, sizeof b1, "False");
    ck_assert_msg(s_load("{\"loader\": \"npy\", \"path\": \"%D/be.npy\"}", &ds, err) == 0,
                  "%s", err);
    ck_assert_double_eq(ds->X->dense->data[4], -300);
    ck_assert_double_eq(ds->X->dense->data[5], 6);
    ck_assert_ptr_null(ds->y);
    ml_dataset_destroy(&ds);
    ck_assert_msg(s_load("{\"loader\": \"npy\", \"path\": \"%D/half.npy\"}", &ds, err) == 0,
                  "%s", err);
    ck_assert_double_eq(ds->X->dense->data[0], 1.0);
    ck_assert_double_eq(ds->X->dense->data[4], 5.5);
    ml_dataset_destroy(&ds);
    ck_assert_msg(s_load("{\"loader\": \"npy\", \"path\": \"%D/b1.npy\"}", &ds, err) == 0,
                  "%s", err);
    ck_assert_double_eq(ds->X->dense->data[3], 1.0);
    ck_assert_double_eq(ds->X->dense->data[4], 0.0);
    ml_dataset_destroy(&ds);
    s_npy("o.npy", "|O", "(2, 3)", x, sizeof x, "False");
    snprintf(spec, sizeof spec, "{\"loader\": \"npy\", \"path\": \"%s/o.npy\"}", s_dir);
    s_expect_error(spec, "an object array (dtype |O) holds Python objects");
    s_npy("c.npy", "<c16", "(2, 3)", x, sizeof x, "False");
    snprintf(spec, sizeof spec, "{\"loader\": \"npy\", \"path\": \"%s/c.npy\", "
             "\"labels_path\": \"%s/y.npy\"}", s_dir, s_dir);
    s_expect_error(spec, "dtype <c16 is not supported");
    s_write("junk.npy", "hello", 5);
    snprintf(spec, sizeof spec, "{\"loader\": \"npy\", \"path\": \"%s/junk.npy\", "
             "\"labels_path\": \"%s/y.npy\"}", s_dir, s_dir);
    s_expect_error(spec, "not a .npy file");
}
END_TEST

/* Inputs without labels (a predict's): csv's header guessed, text lines, a folder of files. */
START_TEST(test_inputs_without_labels)
{
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    s_write("h.csv", "a,b,c\n1,2,3\n4,5,6e-1\n", 21);
    s_write("n.csv", "1,2,3\n4,5,6e-1\n", 15);
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(s_load(i ? "{\"loader\": \"csv\", \"path\": \"%D/h.csv\", \"header\": "
                                 "\"auto\", \"label_column\": null}"
                               : "{\"loader\": \"csv\", \"path\": \"%D/n.csv\", \"header\": "
                                 "\"auto\", \"label_column\": null}", &ds, err) == 0, "%s", err);
        ck_assert_int_eq(ds->X->nrows, 2);
        ck_assert_int_eq(ds->X->dense->ncols, 3);
        ck_assert_double_eq(ds->X->dense->data[5], 0.6);
        ck_assert_ptr_null(ds->y);
        ml_dataset_destroy(&ds);
    }
    s_expect_error("{\"loader\": \"csv\", \"path\": \"/dev/null\", \"header\": \"maybe\"}",
                   "data.header: expected true, false or \"auto\"");
    s_write("docs.txt", "one doc\nanother\n", 16);
    ck_assert_msg(s_load("{\"loader\": \"text-lines\", \"path\": \"%D/docs.txt\"}", &ds, err) ==
                      0, "%s", err);
    ck_assert_int_eq(ds->X->nrows, 2);
    ck_assert_ptr_null(ds->y);
    ml_dataset_destroy(&ds);
    s_mkdir("folder");
    s_mkdir("folder/sub");
    s_write("folder/b.txt", "second", 6);
    s_write("folder/a.txt", "first", 5);
    s_write("folder/.hidden", "no", 2);
    ck_assert_msg(s_load("{\"loader\": \"text-folder\", \"path\": \"%D/folder\"}", &ds, err) ==
                      0, "%s", err);
    ck_assert_int_eq(ds->X->nrows, 2);
    ck_assert_uint_eq(ds->X->text.lens[0], 5); /* a.txt first: name order */
    ck_assert_ptr_null(ds->y);
    ml_dataset_destroy(&ds);
    s_mkdir("empty");
    s_expect_error("{\"loader\": \"text-folder\", \"path\": \"%D/empty\"}", "no files in the folder");
    s_write("bad.npz", "PK not really", 13);
    s_expect_error("{\"loader\": \"npz\", \"path\": \"%D/bad.npz\"}", "not a ZIP archive");
}
END_TEST

START_TEST(test_files)
{
    s_mkdir("c");
    s_mkdir("c/pos");
    s_mkdir("c/neg");
    s_write("c/README", "not a class", 11);
    s_write("c/neg/b.txt", "bad", 3);
    s_write("c/neg/a.txt", "awful", 5);
    s_write("c/neg/c.md", "cc", 2);
    s_write("c/pos/z.txt", "good caf\xc3\xa9", 10);
    s_write("c/pos/y.txt", "great", 5);
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    ck_assert_msg(s_load("{\"loader\": \"files\", \"path\": \"%D/c\"}", &ds, err) == 0, "%s",
                  err);
    /* sorted: neg/a.txt neg/b.txt neg/c.md pos/y.txt pos/z.txt, then
       RandomState(0).shuffle(arange(5)) = [2, 0, 1, 3, 4] */
    static const char *const order[] = {"neg/c.md", "neg/a.txt", "neg/b.txt", "pos/y.txt",
                                        "pos/z.txt"};
    ck_assert_int_eq(ds->X->nrows, 5);
    for (int i = 0; i < 5; i++) {
        const char *f = ds->filenames[i];
        ck_assert_str_eq(f + strlen(f) - strlen(order[i]), order[i]);
        ck_assert_int_eq(ds->y[i], i < 3 ? 0 : 1);
    }
    ck_assert_str_eq(ds->target_names[0], "neg");
    ck_assert_uint_eq(ds->X->text.lens[4], 10);
    ml_dataset_destroy(&ds);
    ck_assert(s_load("{\"loader\": \"files\", \"path\": \"%D/c\", \"shuffle\": false, "
                     "\"categories\": [\"pos\"], \"allowed_extensions\": [\".txt\"]}",
                     &ds, err) == 0);
    ck_assert_int_eq(ds->X->nrows, 2);
    ck_assert_int_eq(ds->n_classes, 1);
    ck_assert_str_eq(ds->target_names[0], "pos");
    ml_dataset_destroy(&ds);
    s_write("c/pos/bad.txt", "ok \xff\xfe", 5);
    s_expect_error("{\"loader\": \"files\", \"path\": \"%D/c\"}",
                   "pos/bad.txt: invalid UTF-8 at byte 3 (0xff)");
    ck_assert(s_load("{\"loader\": \"files\", \"path\": \"%D/c\", \"shuffle\": false, "
                     "\"decode_error\": \"replace\"}", &ds, err) == 0);
    ck_assert_str_eq(ds->X->text.docs[3], "ok \xef\xbf\xbd\xef\xbf\xbd");
    ml_dataset_destroy(&ds);
    ck_assert(s_load("{\"loader\": \"files\", \"path\": \"%D/c\", \"shuffle\": false, "
                     "\"encoding\": \"latin-1\"}", &ds, err) == 0);
    ck_assert_str_eq(ds->X->text.docs[3], "ok \xc3\xbf\xc3\xbe");
    ml_dataset_destroy(&ds);
    s_expect_error("{\"loader\": \"files\", \"path\": \"%D/c\", \"encoding\": \"cp1252\"}",
                   "data.encoding: expected one of 'utf-8', 'latin-1'");
}
END_TEST

START_TEST(test_text_lines_and_tsv)
{
    const char *docs = "first doc\r\n\nthird \xc3\xa9\n", *labels = "b\na\nb\n";
    s_write("d.txt", docs, strlen(docs));
    s_write("l.txt", labels, strlen(labels));
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    ck_assert_msg(s_load("{\"loader\": \"text-lines\", \"path\": \"%D/d.txt\", "
                         "\"labels_path\": \"%D/l.txt\"}", &ds, err) == 0, "%s", err);
    ck_assert_int_eq(ds->X->nrows, 3);
    ck_assert_str_eq(ds->X->text.docs[0], "first doc");
    ck_assert_uint_eq(ds->X->text.lens[1], 0);
    ck_assert_int_eq(ds->y[0], 1);
    ck_assert_int_eq(ds->y[1], 0);
    ml_dataset_destroy(&ds);
    s_write("l2.txt", "a\nb\n", 4);
    s_expect_error("{\"loader\": \"text-lines\", \"path\": \"%D/d.txt\", "
                   "\"labels_path\": \"%D/l2.txt\"}", "has 3 lines but");
    s_write("bad.txt", "ok\nno \xc3\n", 7);
    s_expect_error("{\"loader\": \"text-lines\", \"path\": \"%D/bad.txt\", "
                   "\"labels_path\": \"%D/l2.txt\"}", "bad.txt:2: invalid UTF-8 at byte 6");
    const char *tsv = "spam\tbuy now\tcheap\n\nham\thello\n";
    s_write("t.tsv", tsv, strlen(tsv));
    ck_assert_msg(s_load("{\"loader\": \"tsv\", \"path\": \"%D/t.tsv\"}", &ds, err) == 0, "%s",
                  err);
    ck_assert_int_eq(ds->X->nrows, 2);
    ck_assert_str_eq(ds->X->text.docs[0], "buy now\tcheap");
    ck_assert_str_eq(ds->target_names[1], "spam");
    ck_assert_int_eq(ds->y[0], 1);
    ml_dataset_destroy(&ds);
    s_write("bad.tsv", "a\tb\nno tab here\n", 16);
    s_expect_error("{\"loader\": \"tsv\", \"path\": \"%D/bad.tsv\"}",
                   "bad.tsv:2: expected 'label<TAB>document', found no tab");
}
END_TEST

/* ---- tar.gz archives built here ---------------------------------------- */

typedef struct {
    unsigned char *b;
    size_t n;
} s_buf_t;

static void s_append(s_buf_t *t, const void *p, size_t n)
{
    t->b = realloc(t->b, t->n + n);
    ck_assert_ptr_nonnull(t->b);
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

/* One ustar member (a GNU 'L' member first when the name needs it). */
static void s_tar_member(s_buf_t *t, const char *name, char type, const char *data, size_t len)
{
    if (strlen(name) > 99)
        s_tar_member(t, "././@LongLink", 'L', name, strlen(name) + 1);
    unsigned char h[512] = {0};
    memcpy(h, name, strlen(name) > 99 ? 99 : strlen(name));
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)len);
    snprintf((char *)h + 136, 12, "%011o", 1000000000u);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar\0" "00", 8);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    s_append(t, h, 512);
    s_append(t, data, len);
    static const unsigned char zero[512];
    s_append(t, zero, (512 - len % 512) % 512);
}

static void s_gz_write(const char *rel, const void *data, size_t len)
{
    gzFile f = gzopen(s_path(rel), "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzwrite(f, data, (unsigned)len), (int)len);
    gzclose(f);
}

/* The tree scikit-learn's fetch_20newsgroups was run on for the expectations below. */
static const char *const s_news[] = {
    "20news-bydate-train/sci.space/2", "20news-bydate-train/alt.atheism/9",
    "20news-bydate-train/alt.atheism/100", "20news-bydate-train/sci.space/1",
    "20news-bydate-train/alt.atheism/10", "20news-bydate-test/sci.space/7",
    "20news-bydate-test/alt.atheism/5", "20news-bydate-test/sci.space/6", NULL};

static void s_news_doc(const char *member, char *doc, size_t len)
{
    const char *cat = strchr(member, '/') + 1;
    snprintf(doc, len, "From: x\n\nbody of %s%s\n", cat,
             strcmp(cat, "alt.atheism/9") == 0 ? " caf\xe9" : "");
}

/* The fake archive as a tar stream (folders first, files in s_news order). */
static s_buf_t s_news_tar(void)
{
    s_buf_t t = {0};
    s_tar_member(&t, "20news-bydate-train/", '5', "", 0);
    s_tar_member(&t, "20news-bydate-train/sci.space/", '5', "", 0);
    for (int i = 0; s_news[i]; i++) {
        char doc[128];
        s_news_doc(s_news[i], doc, sizeof doc);
        s_tar_member(&t, s_news[i], '0', doc, strlen(doc));
    }
    static const unsigned char zero[1024];
    s_append(&t, zero, sizeof zero);
    return t;
}

static void s_expect_order(const ml_dataset_t *ds, const char *const *want, const int *y)
{
    int n = 0;
    while (want[n])
        n++;
    ck_assert_int_eq(ds->X->nrows, n);
    for (int i = 0; i < n; i++) {
        const char *f = ds->filenames[i];
        ck_assert_str_eq(strchr(f, '/') + 1, want[i]);
        ck_assert_int_eq(ds->y[i], y[i]);
    }
}

START_TEST(test_newsgroups_archive)
{
    s_buf_t t = s_news_tar();
    s_gz_write("20news-bydate.tar.gz", t.b, t.n);
    free(t.b);
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    /* expectations: scikit-learn 1.2.1's fetch_20newsgroups on this tree */
    static const char *const train[] = {"alt.atheism/10", "sci.space/2", "alt.atheism/100",
                                        "alt.atheism/9", "sci.space/1", NULL};
    static const int train_y[] = {0, 1, 0, 0, 1};
    ck_assert_msg(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\"}", &ds, err) == 0,
                  "%s", err);
    s_expect_order(ds, train, train_y);
    ck_assert_str_eq(ds->filenames[0], "20news-bydate-train/alt.atheism/10");
    ck_assert_str_eq(ds->X->text.docs[3], "From: x\n\nbody of alt.atheism/9 caf\xc3\xa9\n");
    ck_assert_int_eq(ds->n_classes, 2);
    ck_assert_str_eq(ds->target_names[1], "sci.space");
    ml_dataset_destroy(&ds);
    struct stat st;
    ck_assert_int_eq(stat(s_path("20news-bydate.dskcache"), &st), 0);

    static const char *const all[] = {"alt.atheism/10", "sci.space/7", "alt.atheism/9",
                                      "alt.atheism/5", "alt.atheism/100", "sci.space/2",
                                      "sci.space/1", "sci.space/6", NULL};
    static const int all_y[] = {0, 1, 0, 0, 0, 1, 1, 1};
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\", \"subset\": "
                     "\"all\"}", &ds, err) == 0);
    s_expect_order(ds, all, all_y);
    ml_dataset_destroy(&ds);
    static const char *const noshuf[] = {"alt.atheism/9", "alt.atheism/10", "alt.atheism/100",
                                         "sci.space/1", "sci.space/2", "sci.space/7",
                                         "sci.space/6", "alt.atheism/5", NULL};
    static const int noshuf_y[] = {0, 0, 0, 1, 1, 1, 1, 0};
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\", \"subset\": "
                     "\"all\", \"shuffle\": false}", &ds, err) == 0);
    s_expect_order(ds, noshuf, noshuf_y);
    ml_dataset_destroy(&ds);
    static const char *const cat[] = {"sci.space/6", "sci.space/7", NULL};
    static const int cat_y[] = {0, 0};
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\", \"subset\": "
                     "\"test\", \"categories\": [\"sci.space\"]}", &ds, err) == 0);
    s_expect_order(ds, cat, cat_y);
    ck_assert_int_eq(ds->n_classes, 1);
    ml_dataset_destroy(&ds);
    static const char *const rs7[] = {"alt.atheism/9", "sci.space/1", "alt.atheism/100",
                                      "alt.atheism/10", "sci.space/2", NULL};
    static const int rs7_y[] = {0, 1, 0, 0, 1};
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\", \"random_state\": 7, "
                     "\"remove\": [\"headers\"]}", &ds, err) == 0);
    s_expect_order(ds, rs7, rs7_y);
    ck_assert_str_eq(ds->X->text.docs[0], "body of alt.atheism/9 caf\xc3\xa9\n");
    ml_dataset_destroy(&ds);
    s_expect_error("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\", \"categories\": "
                   "[\"sci.spaec\"]}", "data.categories[0]: 'sci.spaec' is not a 20 newsgroups");
}
END_TEST

/* The cache is what is read the second time; a corrupt one is rebuilt silently. */
START_TEST(test_newsgroups_cache)
{
    s_buf_t t = s_news_tar();
    s_gz_write("20news-bydate.tar.gz", t.b, t.n);
    free(t.b);
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\"}", &ds, err) == 0);
    ml_dataset_destroy(&ds);
    /* a cache holding other documents under the archive's key is what gets read */
    struct stat st;
    ck_assert_int_eq(stat(s_path("20news-bydate.tar.gz"), &st), 0);
    ml_news_key_t key = {(uint64_t)st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
    char *cats[] = {"x"}, *names[] = {"20news-bydate-train/x/1"}, *docs[] = {"hello"};
    int32_t target[] = {0};
    size_t lens[] = {5};
    ml_news_corpus_t c = {0};
    for (int p = 0; p < 2; p++)
        c.part[p] = (ml_news_part_t){1, cats, p == 0, target, names, docs, lens};
    ck_assert_int_eq(ml_news_cache_write(s_path("20news-bydate.dskcache"), &key, &c, err), 0);
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\"}", &ds, err) == 0);
    ck_assert_int_eq(ds->X->nrows, 1);
    ck_assert_str_eq(ds->X->text.docs[0], "hello");
    ml_dataset_destroy(&ds);
    /* flip a byte: the checksum fails, the archive is parsed again */
    FILE *f = fopen(s_path("20news-bydate.dskcache"), "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 70, SEEK_SET);
    fputc('#', f);
    fclose(f);
    ck_assert_msg(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\"}", &ds, err) == 0,
                  "%s", err);
    ck_assert_int_eq(ds->X->nrows, 5);
    ml_dataset_destroy(&ds);
    ml_news_corpus_t back;
    ck_assert_int_eq(ml_news_cache_read(s_path("20news-bydate.dskcache"), &key, &back, err), 0);
    ck_assert_int_eq(back.part[0].n, 5);
    ml_news_corpus_free(&back);
    key.mtime_sec++;
    ck_assert_int_eq(ml_news_cache_read(s_path("20news-bydate.dskcache"), &key, &back, err),
                     DSK_ESTATE);
    /* cache: false neither reads nor writes */
    ck_assert_int_eq(unlink(s_path("20news-bydate.dskcache")), 0);
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\", \"cache\": false}",
                     &ds, err) == 0);
    ml_dataset_destroy(&ds);
    ck_assert_int_ne(stat(s_path("20news-bydate.dskcache"), &st), 0);
}
END_TEST

/* Without the archive, the extracted folders give the same answer. */
START_TEST(test_newsgroups_folders)
{
    s_mkdir("20news-bydate-train");
    s_mkdir("20news-bydate-test");
    const char *dirs[] = {"20news-bydate-train/sci.space", "20news-bydate-train/alt.atheism",
                          "20news-bydate-test/sci.space", "20news-bydate-test/alt.atheism"};
    for (int i = 0; i < 4; i++)
        s_mkdir(dirs[i]);
    for (int i = 0; s_news[i]; i++) {
        char doc[128];
        s_news_doc(s_news[i], doc, sizeof doc);
        s_write(s_news[i], doc, strlen(doc));
    }
    static const char *const train[] = {"alt.atheism/10", "sci.space/2", "alt.atheism/100",
                                        "alt.atheism/9", "sci.space/1", NULL};
    static const int train_y[] = {0, 1, 0, 0, 1};
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    ck_assert_msg(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\"}", &ds, err) == 0,
                  "%s", err);
    s_expect_order(ds, train, train_y);
    ck_assert_str_eq(ds->X->text.docs[3], "From: x\n\nbody of alt.atheism/9 caf\xc3\xa9\n");
    ml_dataset_destroy(&ds);
}
END_TEST

/* A damaged archive fails with an error naming the archive and the damage. */
START_TEST(test_tar_corrupt)
{
    s_buf_t t = s_news_tar();
    char err[DSK_ERR_LEN];
    ml_dataset_t *ds;
    /* the tar stream cut inside a member */
    s_gz_write("20news-bydate.tar.gz", t.b, 512 * 5 + 100);
    s_expect_error("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\"}", "truncated archive");
    /* a header whose checksum does not add up */
    t.b[512 * 2 + 30] ^= 0x20;
    s_gz_write("20news-bydate.tar.gz", t.b, t.n);
    s_expect_error("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\"}",
                   "bad header checksum at byte 1024");
    t.b[512 * 2 + 30] ^= 0x20;
    /* the compressed file cut short */
    s_gz_write("full.tar.gz", t.b, t.n);
    FILE *f = fopen(s_path("full.tar.gz"), "rb");
    unsigned char gz[65536];
    size_t n = fread(gz, 1, sizeof gz, f);
    fclose(f);
    s_write("20news-bydate.tar.gz", gz, n / 2);
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\", \"cache\": false}",
                     &ds, err) < 0);
    ck_assert_msg(strstr(err, "20news-bydate.tar.gz: ") && (strstr(err, "truncated") ||
                  strstr(err, "corrupt")), "%s", err);
    /* compressed bytes garbled in the middle */
    for (size_t i = n / 3; i < n / 3 + 16; i++)
        gz[i] ^= 0x5a;
    s_write("20news-bydate.tar.gz", gz, n);
    ck_assert(s_load("{\"loader\": \"20newsgroups\", \"data_home\": \"%D\", \"cache\": false}",
                     &ds, err) < 0);
    ck_assert_msg(strstr(err, "20news-bydate.tar.gz: ") != NULL, "%s", err);
    free(t.b);
}
END_TEST

/* GNU long names and pax paths reach the caller; members read or skipped. */
START_TEST(test_tar_names)
{
    char longname[200];
    memset(longname, 'n', 150);
    strcpy(longname + 150, "/file");
    s_buf_t t = {0};
    s_tar_member(&t, longname, '0', "long", 4);
    s_tar_member(&t, "paxheader", 'x', "25 path=pax/name/is/here\n", 25);
    s_tar_member(&t, "short", '0', "pax content", 11);
    s_tar_member(&t, "skipped", '0', "not read", 8);
    s_tar_member(&t, "last", '0', "end", 3);
    static const unsigned char zero[1024];
    s_append(&t, zero, sizeof zero);
    s_gz_write("n.tar.gz", t.b, t.n);
    free(t.b);
    char err[DSK_ERR_LEN], *buf;
    size_t len;
    ml_tar_t *tar;
    ml_tar_entry_t e;
    ck_assert_int_eq(ml_tar_open(s_path("n.tar.gz"), &tar, err), 0);
    ck_assert_int_eq(ml_tar_next(tar, &e, err), 1);
    ck_assert_str_eq(e.name, longname);
    ck_assert_int_eq(ml_tar_read(tar, &buf, &len, err), 0);
    ck_assert_str_eq(buf, "long");
    free(buf);
    ck_assert_int_eq(ml_tar_next(tar, &e, err), 1);
    ck_assert_str_eq(e.name, "pax/name/is/here");
    ck_assert_int_eq(e.size, 11);
    ck_assert_int_eq(ml_tar_next(tar, &e, err), 1);
    ck_assert_str_eq(e.name, "skipped");
    ck_assert_int_eq(ml_tar_next(tar, &e, err), 1);
    ck_assert_int_eq(ml_tar_read(tar, &buf, &len, err), 0);
    ck_assert_str_eq(buf, "end");
    free(buf);
    ck_assert_int_eq(ml_tar_next(tar, &e, err), 0);
    ml_tar_destroy(&tar);
    ck_assert_ptr_null(tar);
    s_write("empty.tar.gz", "", 0);
    ck_assert_int_eq(ml_tar_open(s_path("empty.tar.gz"), &tar, err), 0);
    ck_assert_int_lt(ml_tar_next(tar, &e, err), 0);
    ck_assert_msg(strstr(err, "not a tar archive") != NULL, "%s", err);
    ml_tar_destroy(&tar);
}
END_TEST

/* Runs one stripper on a copy of s; the result is in a static buffer. */
static const char *s_strip(size_t (*fn)(char *, size_t), const char *s)
{
    static char buf[512];
    size_t n = strlen(s);
    memcpy(buf, s, n);
    buf[fn(buf, n)] = '\0';
    return buf;
}

/* Expected outputs are scikit-learn 1.2.1's strip_newsgroup_* on the same text. */
START_TEST(test_newsclean)
{
    const char *t = "From: a\nSubject: b\n\nHello\n> quoted\nJohn writes:\nbody\n\n--\n"
                    "sig line\n\n";
    ck_assert_str_eq(s_strip(ml_news_strip_header, t),
                     "Hello\n> quoted\nJohn writes:\nbody\n\n--\nsig line\n\n");
    ck_assert_str_eq(s_strip(ml_news_strip_footer, t),
                     "From: a\nSubject: b\n\nHello\n> quoted\nJohn writes:\nbody\n");
    ck_assert_str_eq(s_strip(ml_news_strip_quoting, t),
                     "From: a\nSubject: b\n\nHello\nbody\n\n--\nsig line\n\n");
    ck_assert_str_eq(s_strip(ml_news_strip_footer, "  only one line  "), "  only one line  ");
    ck_assert_str_eq(s_strip(ml_news_strip_footer, "a\n- -\nb"), "a\n- -\nb");
    ck_assert_str_eq(s_strip(ml_news_strip_footer, "a\n\xa0--\xa0\nb\n"), "a");
    ck_assert_str_eq(s_strip(ml_news_strip_header, "no blank line\n"), "");
    ck_assert_str_eq(s_strip(ml_news_strip_quoting, "In article <x>\n|a\n b|\nQuoted from y"),
                     " b|");
}
END_TEST

/* Python's utf-8 decoder with errors="replace" / "ignore" on the same bytes. */
START_TEST(test_utf8)
{
    static const struct {
        const char *in, *replace, *ignore;
    } cases[] = {
        {"a\xff" "b", "a\xef\xbf\xbd" "b", "ab"},
        {"\xe2\x82", "\xef\xbf\xbd", ""},
        {"\xe2\x82x", "\xef\xbf\xbdx", "x"},
        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", ""},
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n;
        char *r = ml_utf8_fix(cases[i].in, strlen(cases[i].in), 1, &n);
        ck_assert_str_eq(r, cases[i].replace);
        free(r);
        r = ml_utf8_fix(cases[i].in, strlen(cases[i].in), 0, &n);
        ck_assert_str_eq(r, cases[i].ignore);
        free(r);
    }
    ck_assert_int_eq(ml_utf8_invalid_at("ok\xc3\xa9", 4), -1);
    ck_assert_int_eq(ml_utf8_invalid_at("ok\xc3", 3), 2);
}
END_TEST

Suite *dsk_ml_loaders_suite(void)
{
    Suite *s = suite_create("ml_load");
    TCase *tc = tcase_create("formats");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_spec_errors);
    tcase_add_test(tc, test_csv);
    tcase_add_test(tc, test_svmlight);
    tcase_add_test(tc, test_npy);
    tcase_add_test(tc, test_inputs_without_labels);
    tcase_add_test(tc, test_files);
    tcase_add_test(tc, test_text_lines_and_tsv);
    tcase_add_test(tc, test_newsclean);
    tcase_add_test(tc, test_utf8);
    suite_add_tcase(s, tc);
    TCase *tn = tcase_create("newsgroups");
    tcase_add_checked_fixture(tn, s_setup, s_teardown);
    tcase_add_test(tn, test_newsgroups_archive);
    tcase_add_test(tn, test_newsgroups_cache);
    tcase_add_test(tn, test_newsgroups_folders);
    tcase_add_test(tn, test_tar_corrupt);
    tcase_add_test(tn, test_tar_names);
    suite_add_tcase(s, tn);
    return s;
}
