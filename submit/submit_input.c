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
#include "job_input_ref.h"
#include "ml_load.h"
#include "ml_load_files.h"
#include "ml_load_numeric.h"
#include "ml_load_util.h"
#include "ml_np_sort.h"
#include "ml_npy.h"
#include "ml_npz_rows.h"
#include "submit_labels.h"


struct submit_input {
    ml_dataset_t *ds;           /* loaded whole, or NULL when streamed */
    ml_npy_file_t *x, *y;       /* streamed: the rows, and the labels or NULL */
    ml_npz_rows_t *npz;         /* streamed: a CSR .npz's rows, instead of x */
    char *on_workers;           /* the path the workers read, or NULL */
    const char *ref_format;     /* ... its format: "npy", "csv", "svmlight", "text-lines",
                                   "files" (job_input_ref.h) */
    int64_t ref_size, ref_block; /* a text file's bytes, and the bytes a chunk names */
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
    submit_labels_t *lab;       /* streamed labels' classes, or NULL: none; they come from */
    gzFile ytext;               /* ... the .npy y, a .txt of labels (one a line), or */
    char *ytext_path;
    int svm_labels;             /* ... an svmlight file's own first column */
    double *rows, *labels;      /* one chunk's */
    int32_t *codes;
    int64_t cap;
    int32_t *map;               /* the labels' codes as another's (the model's), or NULL ... */
    int32_t map_n;              /* ... with that many classes */
    char **map_names;
    int32_t *mapped;            /* one chunk's codes, mapped */
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
static const int32_t *s_mapped(submit_input_t *in, const int32_t *y, int64_t n,
                               ml_dataset_t *chunk);

static void s_pack_view(submit_input_t *in, int64_t lo, int64_t n, msgpack_sbuffer *sb)
{
    const ml_dataset_t *ds = in->ds;
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
                          .n_classes = ds->n_classes, .target_names = ds->target_names,
                          .labels_kind = ds->labels_kind};
    chunk.y = (int32_t *)s_mapped(in, chunk.y, n, &chunk);
    job_dataset_pack(&chunk, sb);
    free(indptr);
}

/* A .npy of labels: its classes, from one pass a block at a time. */
static int s_npy_label_classes(submit_input_t *in, const char *path, char *err)
{
    int64_t n = ml_npy_file_header(in->y)->shape[0], block = 1 << 16;
    double *v = dsk_xmalloc((size_t)block * sizeof *v);
    int rc = DSK_OK;
    for (int64_t row0 = 0; rc == 0 && row0 < n; row0 += block) {
        int64_t m = n - row0 < block ? n - row0 : block;
        rc = ml_npy_file_rows(in->y, row0, m, v, err);
        if (rc == 0)
            rc = submit_labels_add_values(in->lab, v, m, path, row0, err);
    }
    free(v);
    return rc;
}

/*
 * The next lines (up to n) of a .txt of labels, one a line, as texts
 * (malloc'd; the newline and a '\r' before it dropped); how many were read.
 */
static int64_t s_label_lines(gzFile f, int64_t n, char **t)
{
    int64_t k = 0;
    char piece[4096];
    while (k < n && gzgets(f, piece, sizeof piece)) {
        size_t len = strlen(piece), cap = len + 1;
        char *line = dsk_xstrdup(piece);
        while (len && line[len - 1] != '\n' && gzgets(f, piece, sizeof piece)) {
            size_t pl = strlen(piece);
            line = dsk_xrealloc(line, cap += pl, 1);
            memcpy(line + len, piece, pl + 1);
            len += pl;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        t[k++] = line;
    }
    return k;
}

static void s_free_texts(char **t, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        free(t[i]);
}

/* A .txt of labels: its classes and its lines, from one pass; then rewound. */
static int s_txt_label_classes(submit_input_t *in, const char *path, int64_t *lines, char *err)
{
    int64_t block = 4096, got;
    char **t = dsk_xmalloc((size_t)block * sizeof *t);
    int rc = DSK_OK;
    *lines = 0;
    while (rc == 0 && (got = s_label_lines(in->ytext, block, t)) > 0) {
        rc = submit_labels_add_texts(in->lab, t, got, path, err);
        s_free_texts(t, got);
        *lines += got;
    }
    free(t);
    int zerr;
    const char *zmsg = gzerror(in->ytext, &zerr);
    if (rc == 0 && zerr < 0)
        rc = dsk_seterr(err, DSK_EIO, "%s: %s", path, zmsg);
    gzrewind(in->ytext);
    return rc;
}

/*
 * The labels file (NULL: none) of a streamed input of rows rows: a .npy,
 * or a .txt (gzip'd or not) of one label a line; its classes found now.
 */
static int s_open_labels(submit_input_t *in, const char *path, int64_t rows, const char *labels,
                         char *err)
{
    if (!labels)
        return DSK_OK;
    in->lab = submit_labels_new();
    int64_t n = 0;
    int rc;
    if (s_ends(labels, ".npy")) {
        rc = ml_npy_file_open(labels, &in->y, err);
        if (rc == 0 && ml_npy_file_header(in->y)->ndim != 1)
            rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a 1-D array of labels, got 2-D",
                            labels);
        if (rc == 0)
            rc = s_npy_label_classes(in, labels, err);
        n = rc ? 0 : ml_npy_file_header(in->y)->shape[0];
    } else {
        in->ytext = gzopen(labels, "rb");
        in->ytext_path = dsk_xstrdup(labels);
        rc = in->ytext ? s_txt_label_classes(in, labels, &n, err)
                       : dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s",
                                    labels, strerror(errno ? errno : EIO));
    }
    if (rc == 0 && n != rows)
        rc = dsk_seterr(err, DSK_EINVAL, "%s has %lld rows but %s has %lld labels", path,
                        (long long)rows, labels, (long long)n);
    if (rc == 0)
        submit_labels_finish(in->lab);
    return rc;
}

/* The codes of rows [row0, row0 + n)'s labels into in->codes (svm_y: an svmlight chunk's). */
static int s_chunk_codes(submit_input_t *in, int64_t row0, int64_t n, const double *svm_y,
                         char *err)
{
    if (n > in->cap) {
        int64_t cols = in->x ? ml_npy_file_header(in->x)->shape[1] : 0;
        in->rows = dsk_xrealloc(in->rows, (size_t)(n * cols + 1), sizeof *in->rows);
        in->labels = dsk_xrealloc(in->labels, (size_t)n, sizeof *in->labels);
        in->codes = dsk_xrealloc(in->codes, (size_t)n, sizeof *in->codes);
        in->cap = n;
    }
    if (!in->lab)
        return DSK_OK;
    if (svm_y)
        return submit_labels_code_values(in->lab, svm_y, n, in->codes, in->text_path, err);
    if (in->y) {
        int rc = ml_npy_file_rows(in->y, row0, n, in->labels, err);
        return rc ? rc
                  : submit_labels_code_values(in->lab, in->labels, n, in->codes, "the labels",
                                              err);
    }
    char **t = dsk_xmalloc((size_t)(n + 1) * sizeof *t);
    int64_t got = s_label_lines(in->ytext, n, t);
    int rc = got == n ? submit_labels_code_texts(in->lab, t, n, in->codes, in->ytext_path, err)
                      : dsk_seterr(err, DSK_EIO, "%s: %lld labels where %lld were counted (did "
                                   "the file change?)", in->ytext_path, (long long)got,
                                   (long long)n);
    s_free_texts(t, got);
    free(t);
    return rc;
}

/* A chunk's labels as the map says (in->mapped), when there is one; else y as it is. */
static const int32_t *s_mapped(submit_input_t *in, const int32_t *y, int64_t n,
                               ml_dataset_t *chunk)
{
    if (!y || !in->map)
        return y;
    in->mapped = dsk_xrealloc(in->mapped, (size_t)n + 1, sizeof *in->mapped);
    for (int64_t i = 0; i < n; i++)
        in->mapped[i] = in->map[y[i]];
    chunk->n_classes = in->map_n;
    chunk->target_names = in->map_names;
    return in->mapped;
}

/* A chunk's rows X (the streamed input's) with its labels' codes when it has labels, packed. */
static void s_pack_labeled(submit_input_t *in, ml_data_t *X, msgpack_sbuffer *sb)
{
    ml_dataset_t chunk = {.X = X};
    if (in->lab) {
        chunk.n_classes = submit_labels_count(in->lab);
        chunk.target_names = submit_labels_names(in->lab);
        chunk.labels_kind = submit_labels_kind(in->lab);
        chunk.y = (int32_t *)s_mapped(in, in->codes, X->nrows, &chunk);
    }
    job_dataset_pack(&chunk, sb);
}

/* A .npy input, and its labels, opened to be read a chunk at a time. */
static int s_open_streamed(submit_input_t *in, const char *path, const char *labels, char *err)
{
    int rc = ml_npy_file_open(path, &in->x, err);
    if (rc == 0 && ml_npy_file_header(in->x)->ndim != 2)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a 2-D array, got 1-D", path);
    if (rc == 0 && ml_npy_file_header(in->x)->shape[0] == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: an empty array", path);
    if (rc == 0)
        rc = s_open_labels(in, path, ml_npy_file_header(in->x)->shape[0], labels, err);
    return rc;
}

/* Whether path is an .npz of a CSR matrix (streamed; any other is loaded whole). */
static int s_is_csr_npz(const char *path)
{
    char fmt[8] = "", e[DSK_ERR_LEN];
    return s_ends(path, ".npz") && ml_npz_format(path, fmt, e) == 0 && strcmp(fmt, "csr") == 0;
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
            int64_t row0 = in->text_rows;
            double *y = NULL;
            rc = ml_svmlight_scan(in->text_path, first, in->lines, len, &in->text_rows, &lo,
                                  &hi, in->svm_labels ? &y : NULL, err);
            if (rc == 0 && in->svm_labels)
                rc = submit_labels_add_values(in->lab, y, in->text_rows - row0, in->text_path,
                                              row0, err);
            free(y);
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

/* The next n rows of the text file (rows [row0, row0 + n)), decoded, packed as a dataset. */
static int s_pack_text(submit_input_t *in, int64_t row0, int64_t n, msgpack_sbuffer *sb,
                       char *err)
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
    double *svm_y = NULL;
    int rc = in->kind == S_CSV ? ml_csv_decode(in->text_path, in->text_line, in->lines, len,
                                               first && in->header, &in->ncols, &ds, err)
             : in->kind == S_SVM ? ml_svmlight_decode(in->text_path, in->text_line, in->lines, len,
                                                     in->shift, in->ncols, &ds,
                                                     in->svm_labels ? &svm_y : NULL, err)
                                 : ml_text_lines_decode(NULL, in->text_path, in->text_line,
                                                        in->lines, len, &ds, err);
    if (rc == 0 && ds->X->nrows != n)
        rc = dsk_seterr(err, DSK_EIO, "%s: %lld rows decoded where %lld were read",
                        in->text_path, (long long)ds->X->nrows, (long long)n);
    if (rc == 0)
        rc = s_chunk_codes(in, row0, n, svm_y, err);
    if (rc == 0)
        s_pack_labeled(in, ds->X, sb);
    free(svm_y);
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

/* Whether a labels file is read a chunk at a time: a .npy, or a .txt of one a line. */
static int s_labels_streamed(const char *labels)
{
    return !labels || (s_ends(labels, ".npy") && !s_is_gzip(labels)) ||
           s_ends(labels, ".txt") || s_ends(labels, ".txt.gz");
}

int submit_input_open(const char *path, const char *labels, int want_labels,
                      submit_input_t **out, char *err)
{
    *out = NULL;
    submit_input_t *in = dsk_xcalloc(1, sizeof *in);
    struct stat st;
    int rc, streamed_labels = s_labels_streamed(labels);
    int svm = s_ends(path, ".svmlight") || s_ends(path, ".svm") || s_ends(path, ".libsvm");
    if (s_ends(path, ".npy") && !s_is_gzip(path) && streamed_labels) {
        rc = s_open_streamed(in, path, labels, err);
    } else if (s_is_csr_npz(path) && streamed_labels) {
        rc = ml_npz_rows_open(path, 0, &in->npz, err);
        if (rc == 0)
            rc = s_open_labels(in, path, ml_npz_rows_count(in->npz), labels, err);
    } else if ((s_ends(path, ".txt") || s_ends(path, ".txt.gz") || s_ends(path, ".csv") ||
                s_ends(path, ".csv.gz")) && streamed_labels) {
        rc = s_open_text(in, path, strstr(path, ".csv") ? S_CSV : S_TXT, err);
        if (rc == 0)
            rc = s_open_labels(in, path, in->text_rows, labels, err);
    } else if (svm && !labels) {
        if (want_labels) { /* its own first column */
            in->svm_labels = 1;
            in->lab = submit_labels_new();
        }
        rc = s_open_text(in, path, S_SVM, err);
        if (rc == 0 && in->lab)
            submit_labels_finish(in->lab);
    } else if (streamed_labels && stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
               !s_has_subfolder(path)) {
        rc = ml_text_folder_list(path, &in->files, &in->nfiles, err);
        if (rc == 0)
            rc = s_open_labels(in, path, in->nfiles, labels, err);
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

/* The format a path on the workers' storage is read as, or NULL. */
static const char *s_ref_format(const char *path, int dir)
{
    return dir                       ? "files"
           : s_ends(path, ".npy")    ? "npy"
           : s_ends(path, ".npz")    ? "npz"
           : s_ends(path, ".csv")    ? "csv"
           : s_ends(path, ".txt")    ? "text-lines"
           : s_ends(path, ".svmlight") || s_ends(path, ".svm") || s_ends(path, ".libsvm")
               ? "svmlight"
               : NULL;
}

int submit_input_open_on_workers(const char *path, int64_t block_bytes, submit_input_t **out,
                                 char *err)
{
    *out = NULL;
    char abs[PATH_MAX];
    struct stat st;
    if (!realpath(path, abs) || stat(abs, &st) != 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: %s (--input-on-workers: the workers read the "
                          "same path; it must be visible here too, for its size or header)",
                          path, strerror(errno));
    int dir = S_ISDIR(st.st_mode);
    const char *format = s_ref_format(abs, dir);
    if (!dir && s_ends(abs, ".gz"))
        return dsk_seterr(err, DSK_EINVAL, "%s: gzip'd, so the workers cannot read it in blocks: "
                          "gunzip it, or drop --input-on-workers", path);
    if (!format || (dir && s_has_subfolder(abs)))
        return dsk_seterr(err, DSK_EINVAL, "--input-on-workers reads a .npy (a 2-D array), an "
                          ".npz (a CSR matrix, saved uncompressed), a .csv, a .txt (one document "
                          "a line), an svmlight file or a folder of text files; got %s%s", path,
                          dir ? " (a folder of class folders: drop --input-on-workers)" : "");
    if (!dir && strcmp(format, "npy") != 0 && strcmp(format, "npz") != 0 && s_is_gzip(abs))
        return dsk_seterr(err, DSK_EINVAL, "%s: gzip'd, so the workers cannot read it in blocks: "
                          "gunzip it, or drop --input-on-workers", path);
    if (!dir && strcmp(format, "npy") != 0 && strcmp(format, "npz") != 0 && st.st_size == 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: an empty file", path);
    submit_input_t *in = dsk_xcalloc(1, sizeof *in);
    in->ref_format = format;
    in->ref_size = st.st_size;
    in->ref_block = block_bytes;
    int rc = strcmp(format, "npy") == 0   ? s_open_streamed(in, abs, NULL, err)
             : strcmp(format, "npz") == 0 ? ml_npz_rows_open(abs, 1, &in->npz, err)
             : dir                        ? ml_text_folder_list(abs, &in->files, &in->nfiles, err)
                                          : DSK_OK;
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
    ml_npz_rows_close(&in->npz);
    submit_labels_destroy(&in->lab);
    if (in->ytext)
        gzclose(in->ytext);
    free(in->ytext_path);
    ml_npy_file_close(&in->y);
    free(in->rows);
    free(in->labels);
    free(in->codes);
    free(in->map);
    for (int32_t k = 0; in->map_names && k < in->map_n; k++)
        free(in->map_names[k]);
    free(in->map_names);
    free(in->mapped);
    free(in);
    *in_p = NULL;
}

int64_t submit_input_rows(const submit_input_t *in)
{
    return in->on_workers && !in->x && !in->files && !in->npz ? -1 /* blocks of a text file */
           : in->ds    ? in->ds->X->nrows
           : in->npz   ? ml_npz_rows_count(in->npz)
           : in->text  ? in->text_rows
           : in->files ? in->nfiles
                       : ml_npy_file_header(in->x)->shape[0];
}

int submit_input_has_labels(const submit_input_t *in)
{
    return in->ds ? in->ds->y != NULL : in->lab != NULL;
}

int32_t submit_input_classes(const submit_input_t *in, char ***names, ml_labels_kind_t *kind)
{
    if (in->ds && in->ds->y) {
        *names = in->ds->target_names;
        *kind = in->ds->labels_kind;
        return in->ds->n_classes;
    }
    *names = in->lab ? submit_labels_names(in->lab) : NULL;
    *kind = in->lab ? submit_labels_kind(in->lab) : ML_LABELS_CODES;
    return in->lab ? submit_labels_count(in->lab) : 0;
}

void submit_input_map_classes(submit_input_t *in, int32_t *map, int32_t n, char **names)
{
    in->map = map;
    in->map_n = n;
    in->map_names = names;
}

int submit_input_streamed(const submit_input_t *in)
{
    return in->ds == NULL;
}

const int32_t *submit_input_labels(const submit_input_t *in, int64_t row0)
{
    return in->ds && in->ds->y ? in->ds->y + row0 : NULL;
}

int64_t submit_input_chunks(const submit_input_t *in, int64_t chunk_rows)
{
    int64_t rows = submit_input_rows(in);
    return rows < 0    ? (in->ref_size + in->ref_block - 1) / in->ref_block
           : rows == 0 ? 1
                       : (rows + chunk_rows - 1) / chunk_rows;
}

int submit_input_pack(submit_input_t *in, int64_t k, int64_t chunk_rows, msgpack_sbuffer *sb,
                      char *err)
{
    if (submit_input_rows(in) < 0) { /* a block of a text file the workers read */
        int64_t off = k * in->ref_block;
        job_ref_block_pack(in->on_workers, in->ref_format, off,
                           in->ref_size - off < in->ref_block ? in->ref_size - off : in->ref_block,
                           sb);
        return DSK_OK;
    }
    int64_t row0 = k * chunk_rows, rows = submit_input_rows(in);
    int64_t n = rows - row0 < chunk_rows ? rows - row0 : chunk_rows;
    if (in->ds) {
        s_pack_view(in, row0, n, sb);
        return DSK_OK;
    }
    if (in->on_workers && in->files)
        job_ref_files_pack(in->files + row0, n, sb);
    else if (in->on_workers)
        job_ref_rows_pack(in->on_workers, in->ref_format, row0, n, sb);
    if (in->on_workers)
        return DSK_OK;
    if (in->text)
        return s_pack_text(in, row0, n, sb, err);
    if (in->files) {
        ml_dataset_t *ds = NULL;
        int rc = ml_text_files_decode(in->files + row0, n, &ds, err);
        if (rc == 0)
            rc = s_chunk_codes(in, row0, n, NULL, err);
        if (rc == 0)
            s_pack_labeled(in, ds->X, sb);
        ml_dataset_destroy(&ds);
        return rc;
    }
    int64_t cols = in->x ? ml_npy_file_header(in->x)->shape[1] : 0;
    ml_csr_t *csr = NULL;
    int rc = s_chunk_codes(in, row0, n, NULL, err); /* (and room for the rows) */
    if (rc == 0)
        rc = in->x ? ml_npy_file_rows(in->x, row0, n, in->rows, err)
                   : ml_npz_rows_read(in->npz, row0, n, &csr, err);
    if (rc == 0) {
        ml_dense_t dense = {.nrows = n, .ncols = cols, .data = in->rows};
        ml_data_t X = {.kind = csr ? ML_DATA_CSR : ML_DATA_DENSE, .nrows = n, .dense = &dense,
                       .csr = csr};
        s_pack_labeled(in, &X, sb);
    }
    ml_csr_destroy(&csr);
    return rc;
}
