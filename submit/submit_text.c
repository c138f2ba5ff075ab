/* submit_text.c — a text input counted once, then read and decoded a chunk of lines at a time. */
#include "submit_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dsk_alloc.h"
#include "ml_load.h"
#include "ml_load_files.h"
#include "ml_load_numeric.h"

#define S_LABEL_BLOCK 4096        /* label texts added to their classes at a time */
#define S_SCAN_BLOCK (1 << 24)    /* bytes of lines an svmlight scan parses at a time */

struct submit_text {
    gzFile f;
    char *path;
    submit_text_kind_t kind;
    int64_t rows, line;           /* the rows counted, and the next line's number */
    int header_mode;              /* a .csv's header as asked (ML_CSV_HEADER_*), */
    int header, header_checked, header_read; /* and whether its first line is one */
    int64_t label_col;            /* a .csv's label column, or ML_CSV_NO_LABEL */
    int64_t ncols;                /* a .csv's cells once its first row is read; an svmlight's */
    int64_t shift, lo, hi;        /* an svmlight's first index (0 or 1), and those it holds */
    char *lines;                  /* one chunk's lines */
    size_t cap, last_len;         /* ... their room, and the length of the last line read */
};

static void s_free_texts(char **t, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        free(t[i]);
}

/*
 * Appends the next whole line of the file (its newline too, when it has
 * one) to t->lines at *len; 0 at the end of the file.
 */
static int s_next_line(submit_text_t *t, size_t *len, int *blank)
{
    char piece[1 << 16];
    size_t start = *len;
    t->last_len = 0;
    int got = 0;
    while (gzgets(t->f, piece, sizeof piece)) {
        size_t pl = strlen(piece);
        if (*len + pl + 1 > t->cap) {
            t->cap = 2 * (*len + pl + 1);
            t->lines = dsk_xrealloc(t->lines, t->cap, 1);
        }
        memcpy(t->lines + *len, piece, pl);
        *len += pl;
        got = 1;
        if (pl && piece[pl - 1] == '\n')
            break;
    }
    t->last_len = *len - start;
    *blank = 1; /* only spaces, tabs and the line's end (csv skips such a line) */
    for (size_t i = start; got && i < *len && *blank; i++)
        *blank = strchr(" \t\r\n", t->lines[i]) != NULL;
    return got;
}

/* Whether an svmlight line holds a row (a token before any '#'), as the parser skips. */
static int s_svm_row(const char *line, size_t len)
{
    for (size_t i = 0; i < len && line[i] != '#'; i++)
        if (!strchr(" \t\r\v\f\n", line[i]))
            return 1;
    return 0;
}

/* A .csv line's cell in column col (negative: from the end) as the loader cuts it, or NULL
   when the line has too few cells. */
static char *s_csv_cell(const char *line, size_t len, int64_t col)
{
    if (len && line[len - 1] == '\n')
        len--;
    if (len && line[len - 1] == '\r')
        len--;
    int64_t n = 1, c = 0;
    for (size_t i = 0; i < len; i++)
        n += line[i] == ',';
    int64_t want = col < 0 ? n + col : col;
    for (size_t i = 0, start = 0; want >= 0 && want < n && i <= len; i++) {
        if (i < len && line[i] != ',')
            continue;
        if (c++ == want)
            return dsk_xstrndup(line + start, i - start);
        start = i + 1;
    }
    return NULL;
}

/* An svmlight file's rows, the indices it holds and its labels' classes (own), a block of
   lines at a time. */
static int s_scan_svm(submit_text_t *t, submit_labels_t *own, char *err)
{
    int64_t line = 1, first = 1;
    size_t len = 0;
    int blank, got, rc = DSK_OK;
    t->lo = INT64_MAX;
    t->hi = -1;
    do {
        got = s_next_line(t, &len, &blank);
        if (got)
            line++;
        if (len > 0 && (!got || len > S_SCAN_BLOCK)) {
            int64_t row0 = t->rows;
            double *y = NULL;
            rc = ml_svmlight_scan(t->path, first, t->lines, len, &t->rows, &t->lo, &t->hi,
                                  own ? &y : NULL, err);
            if (rc == 0 && own)
                rc = submit_labels_add_values(own, y, t->rows - row0, t->path, row0, err);
            free(y);
            first = line;
            len = 0;
        }
    } while (rc == 0 && got);
    return rc ? rc : submit_text_svm_shape(t, -1, 0, err);
}

/* A .csv's lines counted (its header found), the label column's classes into own. */
static int s_scan_lines(submit_text_t *t, submit_labels_t *own, char *err)
{
    size_t len = 0;
    int blank, rc = DSK_OK, csv = t->kind == SUBMIT_TEXT_CSV;
    int64_t line = 0, nb = 0;
    char **batch = csv && own ? dsk_xmalloc(S_LABEL_BLOCK * sizeof *batch) : NULL;
    while (rc == 0 && (len = 0, s_next_line(t, &len, &blank))) {
        line++;
        if (csv && blank)
            continue;
        if (csv && t->rows == 0 && !t->header_checked) {
            /* is the first line a header? (as asked, or the loader's own test) */
            t->header_checked = 1;
            t->header = t->header_mode == ML_CSV_HEADER_FIRST;
            if (t->header_mode == ML_CSV_HEADER_AUTO) {
                ml_dataset_t *head = NULL;
                int64_t nc = -1;
                rc = ml_csv_decode(t->path, line, t->lines, len, ML_CSV_HEADER_AUTO,
                                   t->label_col, &nc, &head, NULL, err);
                t->header = rc == 0 && head->X->nrows == 0;
                ml_dataset_destroy(&head);
            }
            if (t->header)
                continue;
        }
        if (batch) { /* the label column's texts, for the classes */
            char *cell = s_csv_cell(t->lines, len, t->label_col);
            if (!cell) {
                rc = dsk_seterr(err, DSK_EINVAL, "%s:%lld: no column %lld for the labels",
                                t->path, (long long)line, (long long)t->label_col);
                break;
            }
            batch[nb++] = cell;
            if (nb == S_LABEL_BLOCK) {
                rc = submit_labels_add_texts(own, batch, nb, t->path, err);
                s_free_texts(batch, nb);
                nb = 0;
            }
        }
        t->rows++;
    }
    if (batch && rc == 0 && nb)
        rc = submit_labels_add_texts(own, batch, nb, t->path, err);
    if (batch)
        s_free_texts(batch, nb);
    free(batch);
    return rc;
}

int submit_text_open(const char *path, submit_text_kind_t kind, int header_mode,
                     int64_t label_col, submit_labels_t *own, submit_text_t **out, char *err)
{
    *out = NULL;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", path,
                          strerror(errno ? errno : EIO));
    submit_text_t *t = dsk_xcalloc(1, sizeof *t);
    t->f = f;
    t->path = dsk_xstrdup(path);
    t->kind = kind;
    t->header_mode = header_mode;
    t->label_col = kind == SUBMIT_TEXT_CSV ? label_col : ML_CSV_NO_LABEL;
    t->ncols = -1;
    gzbuffer(f, 1 << 17);
    int rc = kind == SUBMIT_TEXT_SVM ? s_scan_svm(t, own, err) : s_scan_lines(t, own, err);
    int zerr;
    const char *zmsg = gzerror(f, &zerr);
    if (rc == 0 && zerr < 0)
        rc = dsk_seterr(err, DSK_EIO, "%s: %s", path, zmsg);
    if (rc == 0 && t->rows == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: no %s", path,
                        kind == SUBMIT_TEXT_TXT ? "documents (one a line)" : "data rows");
    gzrewind(f);
    t->line = 1;
    if (kind == SUBMIT_TEXT_CSV)
        t->ncols = -1; /* the first chunk sets it again */
    if (rc)
        submit_text_close(&t);
    *out = t;
    return rc;
}

void submit_text_close(submit_text_t **t_p)
{
    submit_text_t *t = *t_p;
    if (!t)
        return;
    gzclose(t->f);
    free(t->path);
    free(t->lines);
    free(t);
    *t_p = NULL;
}

int64_t submit_text_rows(const submit_text_t *t)
{
    return t->rows;
}

int submit_text_svm_shape(submit_text_t *t, int zero_based, int64_t n_features, char *err)
{
    /* zero-based when some index is 0 (scikit-learn's "auto"), unless told */
    t->shift = zero_based >= 0 ? !zero_based : t->hi < 0 || t->lo == 0 ? 0 : 1;
    if (t->shift && t->lo == 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: feature index 0 in a one-based file (set "
                          "data.zero_based)", t->path);
    t->ncols = t->hi < 0 ? 0 : t->hi + 1 - t->shift;
    if (n_features > 0 && n_features < t->ncols)
        return dsk_seterr(err, DSK_EINVAL, "data.n_features: %lld, but %s has %lld features",
                          (long long)n_features, t->path, (long long)t->ncols);
    if (n_features > t->ncols)
        t->ncols = n_features;
    return DSK_OK;
}

int submit_text_next(submit_text_t *t, int64_t n, const submit_labels_t *own, int32_t *codes,
                     ml_dataset_t **out, char *err)
{
    size_t len = 0;
    int64_t rows = 0, lines = 0;
    int blank, first = t->line == 1;
    *out = NULL;
    while (rows < n && s_next_line(t, &len, &blank)) {
        size_t last = t->last_len <= len ? t->last_len : len;
        lines++;
        if (t->kind == SUBMIT_TEXT_SVM) {
            rows += s_svm_row(t->lines + len - last, last);
            continue;
        }
        if (t->kind == SUBMIT_TEXT_CSV && blank)
            continue;
        if (t->kind == SUBMIT_TEXT_CSV && first && t->header && !t->header_read) {
            t->header_read = 1;
            continue;
        }
        rows++;
    }
    if (rows != n)
        return dsk_seterr(err, DSK_EIO, "%s: %lld rows where %lld were counted (did the file "
                          "change?)", t->path, (long long)rows, (long long)n);
    ml_dataset_t *ds = NULL;
    double *svm_y = NULL;
    char **texts = NULL;
    int want = own != NULL;
    int rc = t->kind == SUBMIT_TEXT_CSV
                 ? ml_csv_decode(t->path, t->line, t->lines, len,
                                 first && t->header ? ML_CSV_HEADER_FIRST : ML_CSV_HEADER_NONE,
                                 t->label_col, &t->ncols, &ds,
                                 t->label_col != ML_CSV_NO_LABEL ? &texts : NULL, err)
             : t->kind == SUBMIT_TEXT_SVM
                 ? ml_svmlight_decode(t->path, t->line, t->lines, len, t->shift, t->ncols, &ds,
                                      want ? &svm_y : NULL, err)
                 : ml_text_lines_decode(NULL, t->path, t->line, t->lines, len, &ds, err);
    if (rc == 0 && ds->X->nrows != n)
        rc = dsk_seterr(err, DSK_EIO, "%s: %lld rows decoded where %lld were read", t->path,
                        (long long)ds->X->nrows, (long long)n);
    if (rc == 0 && want && svm_y)
        rc = submit_labels_code_values(own, svm_y, n, codes, t->path, err);
    else if (rc == 0 && want && texts)
        rc = submit_labels_code_texts(own, texts, n, codes, t->path, err);
    free(svm_y);
    if (texts)
        s_free_texts(texts, ds->X->nrows);
    free(texts);
    if (rc)
        ml_dataset_destroy(&ds);
    t->line += lines;
    *out = ds;
    return rc;
}
