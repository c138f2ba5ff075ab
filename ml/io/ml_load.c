/*
 * ml_load.c — ml_load_dataset: the "loader" key picks a loader from one
 * table; also the two comma-separated formats, "digits" (scikit-learn's
 * load_digits) and "csv".
 */
#include "ml_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_load_files.h"
#include "ml_load_numeric.h"
#include "ml_load_util.h"
#include "ml_load_newsgroups.h"
#include "ml_param.h"

/* A parsed comma-separated file: rows of numbers plus one label text per row. */
typedef struct {
    int64_t nrows, ncols;  /* ncols counts the feature columns (label excluded) */
    double *X;             /* nrows * ncols */
    char **labels;         /* nrows owned texts */
} s_table_t;

/* label_column null: every column is a feature, the rows have no labels */
#define S_NO_LABEL ML_CSV_NO_LABEL

static void s_table_free(s_table_t *t)
{
    for (int64_t i = 0; t->labels && i < t->nrows; i++)
        free(t->labels[i]);
    free(t->labels);
    free(t->X);
    memset(t, 0, sizeof *t);
}

/*
 * Splits one line into cells at commas; the first data line fixes the
 * number of columns and every later line must agree, so a ragged file is
 * an error at the line where it goes wrong, not a shifted matrix.
 */
static int s_csv_row(const char *path, int64_t lineno, const char *line, size_t len,
                     int64_t label_col, int64_t *ncells, s_table_t *t, size_t *cap, char *err)
{
    int64_t want = *ncells, n = 1;
    for (size_t i = 0; i < len; i++)
        n += line[i] == ',';
    if (want < 0) {
        want = *ncells = n;
        if (label_col != S_NO_LABEL && (label_col < 0 ? -label_col > n : label_col >= n))
            return dsk_seterr(err, DSK_EINVAL, "data.label_column: %lld is out of range for "
                              "%s, which has %lld columns", (long long)label_col, path,
                              (long long)n);
        t->ncols = label_col == S_NO_LABEL ? n : n - 1;
    } else if (n != want)
        return dsk_seterr(err, DSK_EINVAL, "%s:%lld: expected %lld columns, got %lld", path,
                          (long long)lineno, (long long)want, (long long)n);
    int64_t lab = label_col == S_NO_LABEL ? -1 : label_col < 0 ? n + label_col : label_col;
    if ((size_t)t->nrows + 1 > *cap) {
        *cap = *cap ? *cap * 2 : 256;
        t->X = dsk_xrealloc(t->X, *cap * (size_t)(t->ncols ? t->ncols : 1) * sizeof *t->X, 1);
        if (lab >= 0)
            t->labels = dsk_xrealloc(t->labels, *cap * sizeof *t->labels, 1);
    }
    double *row = t->X + t->nrows * t->ncols;
    size_t start = 0;
    int64_t col = 0, out = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] != ',')
            continue;
        const char *cell = line + start;
        size_t clen = i - start;
        if (col == lab) {
            t->labels[t->nrows] = dsk_xstrndup(cell, clen);
        } else if (ml_parse_double(cell, clen, &row[out++]) != 0) {
            int rc = dsk_seterr(err, DSK_EINVAL, "%s:%lld:%lld: cannot read '%.*s' as a number",
                                path, (long long)lineno, (long long)col + 1,
                                (int)(clen > 40 ? 40 : clen), cell);
            if (lab >= 0 && col > lab)
                free(t->labels[t->nrows]);
            return rc;
        }
        col++;
        start = i + 1;
    }
    t->nrows++;
    return DSK_OK;
}

/* Whether a line (a header?) has a cell, the label's aside, that is not a number. */
static int s_has_text(const char *line, size_t len, int64_t label_col)
{
    int64_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += line[i] == ',';
    int64_t lab = label_col == S_NO_LABEL ? -1 : label_col < 0 ? n + label_col : label_col;
    size_t start = 0;
    int64_t col = 0;
    double v;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] != ',')
            continue;
        if (col != lab && ml_parse_double(line + start, i - start, &v) != 0)
            return 1;
        col++;
        start = i + 1;
    }
    return 0;
}

/*
 * The rows of whole lines buf[0..len) (line numbers from first_line, for
 * errors); blank lines are skipped. header: 0 none, 1 the first line,
 * S_HEADER_AUTO the first line when it has a cell that is not a number
 * (pandas' read_csv guesses alike). *ncells: the cells every line must
 * have, -1 until the first line says.
 */
#define S_HEADER_AUTO ML_CSV_HEADER_AUTO
static int s_csv_parse(const char *what, const char *buf, size_t len, int64_t first_line,
                       int header, int64_t label_col, int64_t *ncells, s_table_t *t, char *err)
{
    size_t cap = 0;
    int rc = DSK_OK;
    int64_t lineno = first_line - 1;
    memset(t, 0, sizeof *t);
    if (*ncells > 0) /* known from an earlier block */
        t->ncols = label_col == S_NO_LABEL ? *ncells : *ncells - 1;
    for (size_t pos = 0; pos < len && rc == 0;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len, l = end - pos;
        const char *line = buf + pos;
        pos = end + 1;
        lineno++;
        if (l && line[l - 1] == '\r')
            l--;
        size_t k = 0;
        while (k < l && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == l)
            continue;
        if (*ncells < 0 && t->nrows == 0 && header &&
            (header == 1 || s_has_text(line, l, label_col))) {
            header = 0; /* that was it */
            continue;
        }
        rc = s_csv_row(what, lineno, line, l, label_col, ncells, t, &cap, err);
    }
    if (rc)
        s_table_free(t);
    return rc;
}

/* A whole comma-separated file (gzip or not). */
static int s_csv_read(const char *path, int header, int64_t label_col, s_table_t *t,
                      char *err)
{
    char *buf;
    size_t len;
    int64_t ncells = -1;
    memset(t, 0, sizeof *t);
    int rc = ml_read_file(path, &buf, &len, err);
    if (rc)
        return rc;
    rc = s_csv_parse(path, buf, len, 1, header, label_col, &ncells, t, err);
    free(buf);
    if (rc == 0 && t->nrows == 0) {
        rc = dsk_seterr(err, DSK_EINVAL, "%s: no data rows", path);
        s_table_free(t);
    }
    return rc;
}

/* The table's numbers as a dense X (moved, not copied). */
static ml_dataset_t *s_table_dataset(s_table_t *t)
{
    ml_dense_t *m = dsk_xcalloc(1, sizeof *m);
    m->nrows = t->nrows;
    m->ncols = t->ncols;
    m->data = t->X ? t->X : dsk_xcalloc(1, sizeof(double));
    t->X = NULL;
    ml_data_t *X = ml_data_from_dense(&m);
    return ml_dataset_new(&X);
}

int ml_csv_decode(const char *what, int64_t first_line, const char *buf, size_t len,
                  int header, int64_t label_col, int64_t *ncols, ml_dataset_t **out,
                  char ***labels, char *err)
{
    s_table_t t;
    *out = NULL;
    if (labels)
        *labels = NULL;
    int rc = s_csv_parse(what, buf, len, first_line, header, label_col, ncols, &t, err);
    if (rc)
        return rc;
    *out = s_table_dataset(&t);
    if (labels && label_col != S_NO_LABEL) {
        *labels = t.labels ? t.labels : dsk_xcalloc(1, sizeof **labels);
        t.labels = NULL;
    }
    s_table_free(&t);
    return DSK_OK;
}

/*
 * scikit-learn's load_digits: digits.csv.gz holds 1797 rows of 64 pixel
 * values and the digit, in the order load_digits returns them; X is the
 * pixels as float64, y the digit, target_names 0..9 whatever digits occur.
 * "repeat": N gives the rows N times over in order (the seed's "digits
 * replicated" input for a large predict; default 1).
 */
static int s_load_digits(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"data_home", "repeat", NULL};
    char home[4096], path[4200];
    int64_t repeat = 1;
    int rc = ml_spec_check_keys(spec, "digits", known, err);
    if (rc == 0)
        rc = ml_spec_data_home(spec, home, sizeof home, err);
    if (rc == 0)
        rc = ml_spec_int(spec, "repeat", 1, 0, 1, 1 << 20, &repeat, err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/digits.csv.gz", home);
    s_table_t t;
    if ((rc = s_csv_read(path, 0, -1, &t, err)) != 0)
        return rc;
    if (t.ncols != 64) {
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected 64 pixel columns and the digit, got "
                        "%lld columns", path, (long long)t.ncols + 1);
        s_table_free(&t);
        return rc;
    }
    int32_t *y = dsk_xcalloc((size_t)t.nrows, sizeof *y);
    for (int64_t i = 0; i < t.nrows; i++) {
        double v;
        if (ml_parse_double(t.labels[i], strlen(t.labels[i]), &v) != 0 || v < 0 || v > 9 ||
            v != (int)v) {
            rc = dsk_seterr(err, DSK_EINVAL, "%s: row %lld: the digit '%s' is not in 0..9", path,
                            (long long)i + 1, t.labels[i]);
            free(y);
            s_table_free(&t);
            return rc;
        }
        y[i] = (int32_t)v;
    }
    ml_dataset_t *ds = s_table_dataset(&t);
    s_table_free(&t);
    ds->y = y;
    if (repeat > 1) {
        int64_t n = ds->X->nrows, *rows = dsk_xmalloc((size_t)(n * repeat) * sizeof *rows);
        int32_t *ry = dsk_xmalloc((size_t)(n * repeat) * sizeof *ry);
        for (int64_t i = 0; i < n * repeat; i++) {
            rows[i] = i % n;
            ry[i] = y[i % n];
        }
        ml_data_t *big = ml_data_take_rows(ds->X, rows, n * repeat);
        ml_data_destroy(&ds->X);
        ds->X = big;
        free(ds->y);
        ds->y = ry;
        free(rows);
    }
    ds->n_classes = 10;
    ds->target_names = dsk_xcalloc(10, sizeof *ds->target_names);
    for (int k = 0; k < 10; k++) {
        char name[2] = {(char)('0' + k), '\0'};
        ds->target_names[k] = dsk_xstrdup(name);
    }
    *out = ds;
    return DSK_OK;
}

/* "csv": numbers, one column of labels (any text; LabelEncoder order). */
static int s_load_csv(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "header", "label_column", NULL};
    char path[4096];
    int header = 0;
    int64_t label_col = S_NO_LABEL;
    int rc = ml_spec_check_keys(spec, "csv", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, path, sizeof path, err);
    const json_t *h = json_object_get(spec, "header");
    if (rc == 0 && json_is_string(h) && strcmp(json_string_value(h), "auto") == 0)
        header = S_HEADER_AUTO;
    else if (rc == 0 && h && !json_is_boolean(h))
        rc = dsk_seterr(err, DSK_EINVAL, "data.header: expected true, false or \"auto\"");
    else if (rc == 0)
        rc = ml_spec_bool(spec, "header", 0, &header, err);
    if (rc == 0 && !json_is_null(json_object_get(spec, "label_column")))
        rc = ml_spec_int(spec, "label_column", -1, 0, -1073741824, 1073741824,
                         &label_col, err);
    if (rc)
        return rc;
    s_table_t t;
    if ((rc = s_csv_read(path, header, label_col, &t, err)) != 0)
        return rc;
    ml_dataset_t *ds = s_table_dataset(&t);
    if (t.labels)
        rc = ml_labels_encode(ds, (const char *const *)t.labels, t.nrows, path, err);
    s_table_free(&t);
    if (rc) {
        ml_dataset_destroy(&ds);
        return rc;
    }
    *out = ds;
    return DSK_OK;
}

typedef struct {
    const char *name;
    int (*load)(const json_t *spec, ml_dataset_t **out, char *err);
} s_loader_t;

static const s_loader_t s_loaders[] = {
    {"20newsgroups", ml_load_newsgroups},
    {"digits", s_load_digits},
    {"files", ml_load_files},
    {"csv", s_load_csv},
    {"svmlight", ml_load_svmlight},
    {"npy", ml_load_npy},
    {"npz", ml_load_npz},
    {"text-lines", ml_load_text_lines},
    {"tsv", ml_load_tsv},
    {"text-folder", ml_load_text_folder},
    {NULL, NULL},
};

int ml_load_dataset(const json_t *spec, ml_dataset_t **out, char *err)
{
    *out = NULL;
    if (!json_is_object(spec))
        return dsk_seterr(err, DSK_EINVAL, "data: expected an object with a \"loader\" key");
    json_t *l = json_object_get(spec, "loader");
    if (!l || !json_is_string(l))
        return dsk_seterr(err, DSK_EINVAL, "data.loader: required, a string: one of "
                          "'20newsgroups', 'digits', 'files', 'csv', 'svmlight', 'npy', "
                          "'text-lines', 'tsv'");
    const char *name = json_string_value(l);
    for (const s_loader_t *e = s_loaders; e->name; e++)
        if (strcmp(e->name, name) == 0)
            return e->load(spec, out, err);
    return dsk_seterr(err, DSK_EINVAL, "data.loader: expected one of '20newsgroups', 'digits', "
                      "'files', 'csv', 'svmlight', 'npy', 'text-lines', 'tsv', got '%s'", name);
}
