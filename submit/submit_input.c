/* submit_input.c — predict's input: a .npy streamed from disk, anything else loaded whole. */
#include "submit_input.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "job_data.h"
#include "job_predict.h"
#include "ml_load.h"
#include "ml_load_files.h"
#include "ml_load_numeric.h"
#include "ml_load_util.h"
#include "ml_np_sort.h"
#include "ml_npy.h"

#define S_MAX_CLASSES 65536 /* distinct labels a streamed score takes */

struct submit_input {
    ml_dataset_t *ds;           /* loaded whole, or NULL when streamed */
    ml_npy_file_t *x, *y;       /* streamed: the rows, and the labels or NULL */
    char *on_workers;           /* the path the workers read, or NULL */
    gzFile text;                /* a .txt read a chunk of lines at a time, or NULL */
    char *text_path;
    int64_t text_rows, text_line; /* its rows, and the next line's number */
    int kind;                   /* S_TXT, S_CSV or S_SVM */
    int header, header_checked, header_read; /* a .csv's header */
    int64_t ncols;              /* a .csv's columns once its first row is read; an svmlight's */
    int64_t shift;              /* an svmlight's first index: 0 or 1 */
    size_t last_len;            /* the length of the line s_next_line read last */
    char **files;               /* a folder of documents: its files, read a chunk at a time */
    int64_t nfiles;
    char *lines;                /* one chunk's lines */
    size_t lines_cap;
    double *classes;            /* streamed labels: their sorted distinct values ... */
    char **names;               /* ... and their names (LabelEncoder's, as the loader's) */
    int32_t nclasses;
    double *rows, *labels;      /* one chunk's */
    int32_t *codes;
    int64_t cap;
};

enum { S_TXT = 1, S_CSV, S_SVM };

static int s_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Whether dir holds a sub-folder (then it is load_files' layout: a folder per class). */
static int s_has_subfolder(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = 0;
    while (d && !found && (de = readdir(d)) != NULL) {
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        found = de->d_name[0] != '.' && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (d)
        closedir(d);
    return found;
}

/*
 * The input as a data spec: a JSON file holds one; a folder is documents
 * (one a file, or load_files' folder per class, in order); a data file's
 * extension names its loader, without labels unless --labels names them.
 */
static json_t *s_input_spec(const char *path, const char *labels, char *err)
{
    struct stat st;
    if (s_ends(path, ".json")) {
        json_error_t jerr;
        json_t *spec = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!spec)
            dsk_seterr(err, DSK_EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        else if (!json_is_object(spec)) {
            dsk_seterr(err, DSK_EINVAL, "%s: expected a data object like a job's \"data\"", path);
            json_decref(spec);
            spec = NULL;
        }
        if (spec && labels) {
            dsk_seterr(err, DSK_EINVAL, "--labels goes with a data file; a .json data spec "
                       "names its own labels");
            json_decref(spec);
            spec = NULL;
        }
        return spec;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (labels) {
            dsk_seterr(err, DSK_EINVAL, "--labels goes with a data file; a folder's labels are "
                       "its sub-folders' names");
            return NULL;
        }
        return s_has_subfolder(path)
                   ? json_pack("{s:s, s:s, s:b}", "loader", "files", "path", path, "shuffle", 0)
                   : json_pack("{s:s, s:s}", "loader", "text-folder", "path", path);
    }
    const char *loader = s_ends(path, ".npy")                             ? "npy"
                         : s_ends(path, ".npz")                           ? "npz"
                         : s_ends(path, ".csv") || s_ends(path, ".csv.gz") ? "csv"
                         : s_ends(path, ".svmlight") || s_ends(path, ".svm") ||
                                 s_ends(path, ".libsvm")
                             ? "svmlight"
                         : s_ends(path, ".txt") || s_ends(path, ".txt.gz") ? "text-lines"
                                                                          : NULL;
    if (!loader) {
        dsk_seterr(err, DSK_EINVAL, "%s: which format? use .npy, .npz (a SciPy sparse matrix), "
                   ".csv, .svmlight, .txt (one document a line), a folder of text files or a "
                   ".json data spec", path);
        return NULL;
    }
    if (labels && (strcmp(loader, "svmlight") == 0 || strcmp(loader, "csv") == 0)) {
        dsk_seterr(err, DSK_EINVAL, "--labels: a %s file holds its labels itself (for a .csv, "
                   "name the column in a .json data spec: \"label_column\")", loader);
        return NULL;
    }
    json_t *spec = json_pack("{s:s, s:s}", "loader", loader, "path", path);
    if (strcmp(loader, "csv") == 0) {
        json_object_set_new(spec, "header", json_string("auto"));
        json_object_set_new(spec, "label_column", json_null());
    }
    if (labels)
        json_object_set_new(spec, "labels_path", json_string(labels));
    return spec;
}

/*
 * Rows [lo, lo + n) of ds as a packed dataset, packed from a view into
 * ds's arrays: the rows are copied once, into the message. Only a CSR
 * chunk needs its row offsets rebased (a small copy).
 */
static void s_pack_view(const ml_dataset_t *ds, int64_t lo, int64_t n, msgpack_sbuffer *sb)
{
    const ml_data_t *X = ds->X;
    ml_data_t view = {.kind = X->kind, .nrows = n};
    ml_dense_t dense;
    ml_csr_t csr;
    int64_t *indptr = NULL;
    if (X->kind == ML_DATA_DENSE) {
        dense = (ml_dense_t){.nrows = n, .ncols = X->dense->ncols,
                             .data = X->dense->data + lo * X->dense->ncols};
        view.dense = &dense;
    } else if (X->kind == ML_DATA_CSR) {
        const ml_csr_t *m = X->csr;
        indptr = dsk_xmalloc((size_t)(n + 1) * sizeof *indptr);
        for (int64_t i = 0; i <= n; i++)
            indptr[i] = m->indptr[lo + i] - m->indptr[lo];
        csr = (ml_csr_t){.nrows = n, .ncols = m->ncols, .indptr = indptr,
                         .indices = m->indices + m->indptr[lo], .data = m->data + m->indptr[lo]};
        view.csr = &csr;
    } else {
        view.text = (ml_text_t){.docs = X->text.docs + lo, .lens = X->text.lens + lo};
    }
    ml_dataset_t chunk = {.X = &view, .y = ds->y ? ds->y + lo : NULL,
                          .n_classes = ds->n_classes, .target_names = ds->target_names};
    job_dataset_pack(&chunk, sb);
    free(indptr);
}

/* The first of the sorted classes not below v: v's code when it is one of them. */
static int64_t s_class_at(const submit_input_t *in, double v)
{
    int64_t at = 0, hi = in->nclasses;
    while (at < hi) {
        int64_t mid = (at + hi) / 2;
        if (in->classes[mid] < v)
            at = mid + 1;
        else
            hi = mid;
    }
    return at;
}

/*
 * The streamed labels' classes: one pass over the file, a block at a
 * time, keeping the sorted distinct values; named as the npy loader
 * names them (ml_labels_encode_numeric).
 */
static int s_label_classes(submit_input_t *in, const char *path, char *err)
{
    int64_t n = ml_npy_file_header(in->y)->shape[0], block = 1 << 16;
    double *v = dsk_xmalloc((size_t)block * sizeof *v);
    int rc = DSK_OK;
    for (int64_t row0 = 0; rc == 0 && row0 < n; row0 += block) {
        int64_t m = n - row0 < block ? n - row0 : block;
        rc = ml_npy_file_rows(in->y, row0, m, v, err);
        for (int64_t i = 0; rc == 0 && i < m; i++) {
            int64_t at = s_class_at(in, v[i]);
            if (v[i] != v[i])
                rc = dsk_seterr(err, DSK_EINVAL, "%s: label %lld is NaN", path,
                                (long long)(row0 + i));
            else if (at < in->nclasses && in->classes[at] == v[i])
                continue;
            else if (in->nclasses == S_MAX_CLASSES)
                rc = dsk_seterr(err, DSK_EINVAL, "%s: more than %d distinct labels", path,
                                S_MAX_CLASSES);
            if (rc)
                break;
            in->classes = dsk_xrealloc(in->classes, (size_t)in->nclasses + 1,
                                       sizeof *in->classes);
            memmove(in->classes + at + 1, in->classes + at,
                    (size_t)(in->nclasses - at) * sizeof *in->classes);
            in->classes[at] = v[i];
            in->nclasses++;
        }
    }
    free(v);
    if (rc)
        return rc;
    ml_dataset_t named = {0};
    ml_labels_encode_numeric(&named, in->classes, in->nclasses);
    in->names = named.target_names;
    free(named.y);
    return DSK_OK;
}

/* A .npy input, and its labels, opened to be read a chunk at a time. */
static int s_open_streamed(submit_input_t *in, const char *path, const char *labels, char *err)
{
    int rc = ml_npy_file_open(path, &in->x, err);
    if (rc == 0 && ml_npy_file_header(in->x)->ndim != 2)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a 2-D array, got 1-D", path);
    if (rc == 0 && ml_npy_file_header(in->x)->shape[0] == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: an empty array", path);
    if (rc == 0 && labels && s_ends(labels, ".npy"))
        rc = ml_npy_file_open(labels, &in->y, err);
    if (rc == 0 && in->y && ml_npy_file_header(in->y)->ndim != 1)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a 1-D array of labels, got 2-D", labels);
    if (rc == 0 && in->y &&
        ml_npy_file_header(in->y)->shape[0] != ml_npy_file_header(in->x)->shape[0])
        rc = dsk_seterr(err, DSK_EINVAL, "%s has %lld rows but %s has %lld labels", path,
                        (long long)ml_npy_file_header(in->x)->shape[0], labels,
                        (long long)ml_npy_file_header(in->y)->shape[0]);
    if (rc == 0 && in->y)
        rc = s_label_classes(in, labels, err);
    return rc;
}

/*
 * Appends the next whole line of the text file (its newline too, when it
 * has one) to in->lines at *len; 0 at the end of the file.
 */
static int s_next_line(submit_input_t *in, size_t *len, int *blank)
{
    char piece[1 << 16];
    size_t start = *len;
    in->last_len = 0;
    int got = 0;
    while (gzgets(in->text, piece, sizeof piece)) {
        size_t pl = strlen(piece);
        if (*len + pl + 1 > in->lines_cap) {
            in->lines_cap = 2 * (*len + pl + 1);
            in->lines = dsk_xrealloc(in->lines, in->lines_cap, 1);
        }
        memcpy(in->lines + *len, piece, pl);
        *len += pl;
        got = 1;
        if (pl && piece[pl - 1] == '\n')
            break;
    }
    in->last_len = *len - start;
    *blank = 1; /* only spaces, tabs and the line's end (csv skips such a line) */
    for (size_t i = start; got && i < *len && *blank; i++)
        *blank = strchr(" \t\r\n", in->lines[i]) != NULL;
    return got;
}

/* The line s_next_line appended last, which ends at len. */
static size_t s_last_len(const submit_input_t *in, size_t len)
{
    return in->last_len <= len ? in->last_len : len;
}

/* Whether an svmlight line holds a row (a token before any '#'), as the parser skips. */
static int s_svm_row(const char *line, size_t len)
{
    for (size_t i = 0; i < len && line[i] != '#'; i++)
        if (!strchr(" \t\r\v\f\n", line[i]))
            return 1;
    return 0;
}

/* An svmlight file's rows and the columns its indices span, a block of lines at a time. */
static int s_scan_svm(submit_input_t *in, char *err)
{
    int64_t lo = INT64_MAX, hi = -1, line = 1, first = 1;
    size_t len = 0;
    int blank, got, rc = DSK_OK;
    do {
        got = s_next_line(in, &len, &blank);
        if (got)
            line++;
        if (len > 0 && (!got || len > ((size_t)1 << 24))) {
            rc = ml_svmlight_scan(in->text_path, first, in->lines, len, &in->text_rows, &lo,
                                  &hi, err);
            first = line;
            len = 0;
        }
    } while (rc == 0 && got);
    in->shift = hi < 0 || lo == 0 ? 0 : 1; /* zero-based when some index is 0 (scikit-learn) */
    in->ncols = hi < 0 ? 0 : hi + 1 - in->shift;
    return rc;
}

/*
 * A .txt of documents (one a line), a .csv of numbers or an svmlight file
 * (without labels), gzip'd or not: its rows counted now (blank lines,
 * comments and a .csv's header aside), then read a chunk of lines at a
 * time.
 */
static int s_open_text(submit_input_t *in, const char *path, int kind, char *err)
{
    in->text = gzopen(path, "rb");
    if (!in->text)
        return dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", path,
                          strerror(errno ? errno : EIO));
    in->text_path = dsk_xstrdup(path);
    in->kind = kind;
    in->ncols = -1;
    gzbuffer(in->text, 1 << 17);
    size_t len = 0;
    int blank, rc = DSK_OK, csv = kind == S_CSV;
    int64_t line = 0;
    if (kind == S_SVM)
        rc = s_scan_svm(in, err);
    while (rc == 0 && kind != S_SVM && (len = 0, s_next_line(in, &len, &blank))) {
        line++;
        if (csv && blank)
            continue;
        if (csv && in->text_rows == 0 && !in->header_checked) {
            /* is the first line a header? (the loader's own test) */
            ml_dataset_t *first = NULL;
            int64_t nc = -1;
            rc = ml_csv_decode(path, line, in->lines, len, 1, &nc, &first, err);
            in->header = rc == 0 && first->X->nrows == 0;
            in->header_checked = 1;
            ml_dataset_destroy(&first);
            if (in->header)
                continue;
        }
        in->text_rows++;
    }
    int zerr;
    const char *zmsg = gzerror(in->text, &zerr);
    if (rc == 0 && zerr < 0)
        rc = dsk_seterr(err, DSK_EIO, "%s: %s", path, zmsg);
    if (rc == 0 && in->text_rows == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: no %s", path,
                        kind == S_TXT ? "documents (one a line)" : "data rows");
    gzrewind(in->text);
    in->text_line = 1;
    return rc;
}

/* The next n rows of the text file, decoded, packed as a dataset. */
static int s_pack_text(submit_input_t *in, int64_t n, msgpack_sbuffer *sb, char *err)
{
    size_t len = 0;
    int64_t rows = 0, lines = 0;
    int blank, first = in->text_line == 1;
    while (rows < n && s_next_line(in, &len, &blank)) {
        lines++;
        if (in->kind == S_SVM) {
            rows += s_svm_row(in->lines + len - s_last_len(in, len), s_last_len(in, len));
            continue;
        }
        if (in->kind == S_CSV && blank)
            continue;
        if (in->kind == S_CSV && first && in->header && !in->header_read) {
            in->header_read = 1;
            continue;
        }
        rows++;
    }
    if (rows != n)
        return dsk_seterr(err, DSK_EIO, "%s: %lld rows where %lld were counted (did the file "
                          "change?)", in->text_path, (long long)rows, (long long)n);
    ml_dataset_t *ds = NULL;
    int rc = in->kind == S_CSV ? ml_csv_decode(in->text_path, in->text_line, in->lines, len,
                                               first && in->header, &in->ncols, &ds, err)
             : in->kind == S_SVM ? ml_svmlight_decode(in->text_path, in->text_line, in->lines, len,
                                                     in->shift, in->ncols, &ds, err)
                                 : ml_text_lines_decode(NULL, in->text_path, in->text_line,
                                                        in->lines, len, &ds, err);
    if (rc == 0 && ds->X->nrows != n)
        rc = dsk_seterr(err, DSK_EIO, "%s: %lld rows decoded where %lld were read",
                        in->text_path, (long long)ds->X->nrows, (long long)n);
    if (rc == 0)
        job_dataset_pack(ds, sb);
    ml_dataset_destroy(&ds);
    in->text_line += lines;
    return rc;
}

/* Whether the file starts as gzip does (such a .npy is read whole, not in pieces). */
static int s_is_gzip(const char *path)
{
    unsigned char m[2] = {0, 0};
    FILE *f = fopen(path, "rb");
    if (f) {
        if (fread(m, 1, 2, f) != 2)
            m[0] = 0;
        fclose(f);
    }
    return m[0] == 0x1f && m[1] == 0x8b;
}

int submit_input_open(const char *path, const char *labels, submit_input_t **out, char *err)
{
    *out = NULL;
    submit_input_t *in = dsk_xcalloc(1, sizeof *in);
    struct stat st;
    int rc;
    if (s_ends(path, ".npy") && !s_is_gzip(path) &&
        (!labels || (s_ends(labels, ".npy") && !s_is_gzip(labels)))) {
        rc = s_open_streamed(in, path, labels, err);
    } else if ((s_ends(path, ".txt") || s_ends(path, ".txt.gz")) && !labels) {
        rc = s_open_text(in, path, S_TXT, err);
    } else if ((s_ends(path, ".csv") || s_ends(path, ".csv.gz")) && !labels) {
        rc = s_open_text(in, path, S_CSV, err);
    } else if ((s_ends(path, ".svmlight") || s_ends(path, ".svm") || s_ends(path, ".libsvm")) &&
               !labels) {
        rc = s_open_text(in, path, S_SVM, err);
    } else if (!labels && stat(path, &st) == 0 && S_ISDIR(st.st_mode) && !s_has_subfolder(path)) {
        rc = ml_text_folder_list(path, &in->files, &in->nfiles, err);
    } else {
        json_t *spec = s_input_spec(path, labels, err);
        rc = spec ? ml_load_dataset(spec, &in->ds, err) : DSK_EINVAL;
        json_decref(spec);
    }
    if (rc)
        submit_input_close(&in);
    *out = in;
    return rc;
}

int submit_input_open_on_workers(const char *path, submit_input_t **out, char *err)
{
    *out = NULL;
    char abs[PATH_MAX];
    if (!s_ends(path, ".npy"))
        return dsk_seterr(err, DSK_EINVAL, "--input-on-workers reads a .npy (a 2-D array), "
                          "got %s", path);
    if (!realpath(path, abs))
        return dsk_seterr(err, DSK_EINVAL, "%s: %s (--input-on-workers: the workers read the "
                          "same path; it must be readable here too, for its header)", path,
                          strerror(errno));
    submit_input_t *in = dsk_xcalloc(1, sizeof *in);
    int rc = s_open_streamed(in, abs, NULL, err);
    if (rc == 0)
        in->on_workers = dsk_xstrdup(abs);
    if (rc)
        submit_input_close(&in);
    *out = in;
    return rc;
}

void submit_input_close(submit_input_t **in_p)
{
    submit_input_t *in = *in_p;
    if (!in)
        return;
    free(in->on_workers);
    for (int64_t i = 0; i < in->nfiles; i++)
        free(in->files[i]);
    free(in->files);
    if (in->text)
        gzclose(in->text);
    free(in->text_path);
    free(in->lines);
    ml_dataset_destroy(&in->ds);
    ml_npy_file_close(&in->x);
    ml_npy_file_close(&in->y);
    for (int32_t k = 0; k < in->nclasses; k++)
        free(in->names[k]);
    free(in->names);
    free(in->classes);
    free(in->rows);
    free(in->labels);
    free(in->codes);
    free(in);
    *in_p = NULL;
}

int64_t submit_input_rows(const submit_input_t *in)
{
    return in->ds      ? in->ds->X->nrows
           : in->text  ? in->text_rows
           : in->files ? in->nfiles
                       : ml_npy_file_header(in->x)->shape[0];
}

int submit_input_has_labels(const submit_input_t *in)
{
    return in->ds ? in->ds->y != NULL : in->y != NULL; /* a streamed .txt has none */
}

int submit_input_streamed(const submit_input_t *in)
{
    return in->ds == NULL;
}

const int32_t *submit_input_labels(const submit_input_t *in, int64_t row0)
{
    return in->ds && in->ds->y ? in->ds->y + row0 : NULL;
}

int submit_input_pack(submit_input_t *in, int64_t row0, int64_t n, msgpack_sbuffer *sb,
                      char *err)
{
    if (in->ds) {
        s_pack_view(in->ds, row0, n, sb);
        return DSK_OK;
    }
    if (in->on_workers) {
        job_predict_ref_pack(in->on_workers, row0, n, sb);
        return DSK_OK;
    }
    if (in->text)
        return s_pack_text(in, n, sb, err);
    if (in->files) {
        ml_dataset_t *ds = NULL;
        int rc = ml_text_files_decode(in->files + row0, n, &ds, err);
        if (rc == 0)
            job_dataset_pack(ds, sb);
        ml_dataset_destroy(&ds);
        return rc;
    }
    int64_t cols = ml_npy_file_header(in->x)->shape[1];
    if (n > in->cap) {
        in->rows = dsk_xrealloc(in->rows, (size_t)(n * cols), sizeof *in->rows);
        in->labels = dsk_xrealloc(in->labels, (size_t)n, sizeof *in->labels);
        in->codes = dsk_xrealloc(in->codes, (size_t)n, sizeof *in->codes);
        in->cap = n;
    }
    int rc = ml_npy_file_rows(in->x, row0, n, in->rows, err);
    if (rc == 0 && in->y)
        rc = ml_npy_file_rows(in->y, row0, n, in->labels, err);
    if (rc)
        return rc;
    for (int64_t i = 0; in->y && i < n; i++) {
        in->codes[i] = (int32_t)s_class_at(in, in->labels[i]);
    }
    ml_dense_t dense = {.nrows = n, .ncols = cols, .data = in->rows};
    ml_data_t X = {.kind = ML_DATA_DENSE, .nrows = n, .dense = &dense};
    ml_dataset_t chunk = {.X = &X, .y = in->y ? in->codes : NULL, .n_classes = in->nclasses,
                          .target_names = in->names};
    job_dataset_pack(&chunk, sb);
    return DSK_OK;
}
