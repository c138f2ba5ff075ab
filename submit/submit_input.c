/* submit_input.c — predict's input, a chunk at a time: streamed from disk, or loaded whole and cut. */
#include "submit_input.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "job_data.h"
#include "job_input_ref.h"
#include "ml_load.h"
#include "ml_load_files.h"
#include "ml_npy.h"
#include "ml_npz_rows.h"
#include "submit_labels.h"
#include "submit_source.h"
#include "submit_text.h"

struct submit_input {
    ml_dataset_t *ds;           /* loaded whole, or NULL when streamed from one of: */
    ml_npy_file_t *x;           /* ... a .npy, */
    ml_npz_rows_t *npz;         /* ... a CSR .npz, */
    submit_text_t *text;        /* ... a .csv, .txt or svmlight file, */
    char **files;               /* ... a folder of documents (its files) */
    int64_t nfiles;
    char *on_workers;           /* or read by the workers: the path, */
    const char *ref_format;     /* ... its format (job_input_ref.h), */
    int64_t ref_size, ref_block; /* ... a text file's bytes, and the bytes a chunk names */
    submit_labels_t *lab;       /* streamed labels' classes, or NULL: none; */
    int own_labels;             /* ... the text file's own, else a file of labels */
    double *rows;               /* one chunk's rows (a .npy's) */
    int32_t *codes;             /* ... and its labels' codes */
    int64_t cap;
    int32_t *map;               /* the labels' codes as another's (the model's), or NULL ... */
    int32_t map_n;              /* ... with that many classes */
    char **map_names;
    int32_t *mapped;            /* one chunk's codes, mapped */
};

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

/*
 * Rows [lo, lo + n) of the whole-loaded dataset as a packed dataset,
 * packed from a view into its arrays: the rows are copied once, into the
 * message. Only a CSR chunk needs its row offsets rebased (a small copy).
 */
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

/* A streamed chunk's rows X with its labels' codes (in->codes) when it has labels, packed. */
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

/* The file of labels (NULL: none) of a streamed input of rows rows, opened, its classes found. */
static int s_open_labels(submit_input_t *in, const char *path, int64_t rows, const char *labels,
                         char *err)
{
    int64_t n = 0;
    int rc = labels ? submit_labels_open_file(labels, &in->lab, &n, err) : DSK_OK;
    if (rc == 0 && labels && n != rows)
        rc = dsk_seterr(err, DSK_EINVAL, "%s has %lld rows but %s has %lld labels", path,
                        (long long)rows, labels, (long long)n);
    return rc;
}

/* Opens what s says to be read a chunk at a time, with its labels when there are any. */
static int s_open_source(submit_input_t *in, const submit_source_t *s, int want_labels,
                         char *err)
{
    const char *path = s->path, *labels = s->labels[0] ? s->labels : NULL;
    int rc;
    switch (s->format) {
    case SUBMIT_SOURCE_NPY:
        rc = ml_npy_file_open(path, &in->x, err);
        if (rc == 0 && ml_npy_file_header(in->x)->ndim != 2)
            rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a 2-D array, got 1-D", path);
        if (rc == 0 && ml_npy_file_header(in->x)->shape[0] == 0)
            rc = dsk_seterr(err, DSK_EINVAL, "%s: an empty array", path);
        return rc ? rc : s_open_labels(in, path, ml_npy_file_header(in->x)->shape[0], labels, err);
    case SUBMIT_SOURCE_NPZ:
        rc = ml_npz_rows_open(path, 0, &in->npz, err);
        return rc ? rc : s_open_labels(in, path, ml_npz_rows_count(in->npz), labels, err);
    case SUBMIT_SOURCE_FOLDER:
        rc = ml_text_folder_list(path, &in->files, &in->nfiles, err);
        return rc ? rc : s_open_labels(in, path, in->nfiles, labels, err);
    case SUBMIT_SOURCE_CSV:
    case SUBMIT_SOURCE_TXT:
    case SUBMIT_SOURCE_SVM: {
        /* a .csv's label column and an svmlight file's first are its own labels (a .csv's
           column is cut out of its rows whether asked for or not) */
        int svm = s->format == SUBMIT_SOURCE_SVM;
        in->own_labels = !labels && want_labels &&
                         (svm || (s->format == SUBMIT_SOURCE_CSV && s->label_col != ML_CSV_NO_LABEL));
        if (in->own_labels)
            in->lab = submit_labels_new();
        rc = submit_text_open(path, svm ? SUBMIT_TEXT_SVM
                                    : s->format == SUBMIT_SOURCE_CSV ? SUBMIT_TEXT_CSV
                                                                     : SUBMIT_TEXT_TXT,
                              s->header_mode, s->label_col, in->lab, &in->text, err);
        if (rc == 0 && svm)
            rc = submit_text_svm_shape(in->text, s->zero_based, s->n_features, err);
        if (rc == 0 && in->own_labels)
            submit_labels_finish(in->lab);
        return rc ? rc : s_open_labels(in, path, submit_text_rows(in->text), labels, err);
    }
    case SUBMIT_SOURCE_WHOLE:
        break;
    }
    return ml_load_dataset(s->spec, &in->ds, err);
}

int submit_input_open(const char *path, const char *labels, int want_labels,
                      submit_input_t **out, char *err)
{
    *out = NULL;
    submit_input_t *in = dsk_xcalloc(1, sizeof *in);
    submit_source_t s;
    int rc = submit_source_of(path, labels, &s, err);
    if (rc == 0)
        rc = s_open_source(in, &s, want_labels, err);
    submit_source_clear(&s);
    if (rc)
        submit_input_close(&in);
    *out = in;
    return rc;
}

int submit_input_open_on_workers(const char *path, int64_t block_bytes, submit_input_t **out,
                                 char *err)
{
    *out = NULL;
    char abs[PATH_MAX];
    const char *format = NULL;
    int64_t size = 0;
    int rc = submit_source_on_workers(path, abs, &format, &size, err);
    if (rc)
        return rc;
    submit_input_t *in = dsk_xcalloc(1, sizeof *in);
    in->ref_format = format;
    in->ref_size = size;
    in->ref_block = block_bytes;
    if (strcmp(format, "npy") == 0) { /* its header read here */
        submit_source_t s = {.format = SUBMIT_SOURCE_NPY};
        snprintf(s.path, sizeof s.path, "%s", abs);
        rc = s_open_source(in, &s, 0, err);
    } else if (strcmp(format, "npz") == 0) { /* its shape, and that any row can be read */
        rc = ml_npz_rows_open(abs, 1, &in->npz, err);
    } else if (strcmp(format, "files") == 0) { /* the documents' names */
        rc = ml_text_folder_list(abs, &in->files, &in->nfiles, err);
    }
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
    ml_dataset_destroy(&in->ds);
    ml_npy_file_close(&in->x);
    ml_npz_rows_close(&in->npz);
    submit_text_close(&in->text);
    submit_labels_destroy(&in->lab);
    free(in->rows);
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
           : in->text  ? submit_text_rows(in->text)
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

/* Room for a chunk of n rows (of a .npy's cols columns) and their codes. */
static void s_room(submit_input_t *in, int64_t n, int64_t cols)
{
    if (n <= in->cap)
        return;
    in->rows = dsk_xrealloc(in->rows, (size_t)(n * cols + 1), sizeof *in->rows);
    in->codes = dsk_xrealloc(in->codes, (size_t)n, sizeof *in->codes);
    in->cap = n;
}

/* A streamed chunk of n rows: read, its labels coded, packed. */
static int s_pack_streamed(submit_input_t *in, int64_t row0, int64_t n, msgpack_sbuffer *sb,
                           char *err)
{
    int64_t cols = in->x ? ml_npy_file_header(in->x)->shape[1] : 0;
    s_room(in, n, cols);
    ml_dataset_t *ds = NULL;
    ml_csr_t *csr = NULL;
    int rc = in->text  ? submit_text_next(in->text, n, in->own_labels ? in->lab : NULL,
                                          in->codes, &ds, err)
             : in->files ? ml_text_files_decode(in->files + row0, n, &ds, err)
             : in->npz   ? ml_npz_rows_read(in->npz, row0, n, &csr, err)
                         : ml_npy_file_rows(in->x, row0, n, in->rows, err);
    if (rc == 0 && in->lab && !in->own_labels)
        rc = submit_labels_next(in->lab, n, in->codes, err);
    if (rc == 0) {
        ml_dense_t dense = {.nrows = n, .ncols = cols, .data = in->rows};
        ml_data_t X = {.kind = csr ? ML_DATA_CSR : ML_DATA_DENSE, .nrows = n, .dense = &dense,
                       .csr = csr};
        s_pack_labeled(in, ds ? ds->X : &X, sb);
    }
    ml_csr_destroy(&csr);
    ml_dataset_destroy(&ds);
    return rc;
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
    return in->on_workers ? DSK_OK : s_pack_streamed(in, row0, n, sb, err);
}
