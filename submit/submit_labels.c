/* submit_labels.c — streamed labels: distinct ones first, LabelEncoder's codes after. */
#include "submit_labels.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dsk_alloc.h"
#include "ml_load_util.h"
#include "ml_npy.h"

#define S_BLOCK 4096 /* labels read at a time in the first pass */

struct submit_labels {
    double *values;           /* numbers: the distinct values, sorted ... */
    char **texts;             /* ... or texts: the distinct texts, sorted bytewise, */
    int64_t *first;           /* with the order each was first seen in */
    int64_t n, seen;
    int32_t *code;            /* after finish: each distinct label's class */
    char **names;             /* the classes' names */
    int32_t nclasses;
    ml_labels_kind_t kind;
    char *path;               /* a file of labels: its name, and */
    ml_npy_file_t *npy;       /* ... a .npy read by rows (at row), */
    int64_t row;
    double *values_buf;
    gzFile txt;               /* ... or a .txt read by lines */
};

submit_labels_t *submit_labels_new(void)
{
    return dsk_xcalloc(1, sizeof(submit_labels_t));
}

void submit_labels_destroy(submit_labels_t **l_p)
{
    submit_labels_t *l = *l_p;
    if (!l)
        return;
    for (int64_t i = 0; l->texts && i < l->n; i++)
        free(l->texts[i]);
    for (int32_t k = 0; k < l->nclasses; k++)
        free(l->names[k]);
    free(l->texts);
    free(l->values);
    free(l->first);
    free(l->code);
    free(l->names);
    free(l->path);
    ml_npy_file_close(&l->npy);
    free(l->values_buf);
    if (l->txt)
        gzclose(l->txt);
    free(l);
    *l_p = NULL;
}

/* The first distinct label not below the value (or text): its index when it is that one. */
static int64_t s_at_value(const submit_labels_t *l, double v)
{
    int64_t at = 0, hi = l->n;
    while (at < hi) {
        int64_t mid = (at + hi) / 2;
        if (l->values[mid] < v)
            at = mid + 1;
        else
            hi = mid;
    }
    return at;
}

static int64_t s_at_text(const submit_labels_t *l, const char *t)
{
    int64_t at = 0, hi = l->n;
    while (at < hi) {
        int64_t mid = (at + hi) / 2;
        if (strcmp(l->texts[mid], t) < 0)
            at = mid + 1;
        else
            hi = mid;
    }
    return at;
}

/* Room for one more distinct label at `at`; an error past SUBMIT_LABELS_MAX. */
static int s_insert(submit_labels_t *l, int64_t at, const char *what, char *err)
{
    if (l->n == SUBMIT_LABELS_MAX)
        return dsk_seterr(err, DSK_EINVAL, "%s: more than %d distinct labels", what,
                          SUBMIT_LABELS_MAX);
    l->first = dsk_xrealloc(l->first, (size_t)l->n + 1, sizeof *l->first);
    memmove(l->first + at + 1, l->first + at, (size_t)(l->n - at) * sizeof *l->first);
    l->first[at] = l->seen;
    if (l->texts) {
        l->texts = dsk_xrealloc(l->texts, (size_t)l->n + 1, sizeof *l->texts);
        memmove(l->texts + at + 1, l->texts + at, (size_t)(l->n - at) * sizeof *l->texts);
    } else {
        l->values = dsk_xrealloc(l->values, (size_t)l->n + 1, sizeof *l->values);
        memmove(l->values + at + 1, l->values + at, (size_t)(l->n - at) * sizeof *l->values);
    }
    l->n++;
    return DSK_OK;
}

int submit_labels_add_values(submit_labels_t *l, const double *v, int64_t n, const char *what,
                             int64_t row0, char *err)
{
    for (int64_t i = 0; i < n; i++, l->seen++) {
        if (v[i] != v[i])
            return dsk_seterr(err, DSK_EINVAL, "%s: label %lld is NaN", what,
                              (long long)(row0 + i));
        int64_t at = s_at_value(l, v[i]);
        if (at < l->n && l->values[at] == v[i])
            continue;
        int rc = s_insert(l, at, what, err);
        if (rc)
            return rc;
        l->values[at] = v[i];
    }
    return DSK_OK;
}

int submit_labels_add_texts(submit_labels_t *l, char *const *t, int64_t n, const char *what,
                            char *err)
{
    if (!l->texts)
        l->texts = dsk_xcalloc(1, sizeof *l->texts);
    for (int64_t i = 0; i < n; i++, l->seen++) {
        int64_t at = s_at_text(l, t[i]);
        if (at < l->n && strcmp(l->texts[at], t[i]) == 0)
            continue;
        int rc = s_insert(l, at, what, err);
        if (rc)
            return rc;
        l->texts[at] = dsk_xstrdup(t[i]);
    }
    return DSK_OK;
}

/* Indices of the distinct labels in the order they were first seen. */
static int s_by_first(const void *a, const void *b, void *first)
{
    int64_t fa = ((const int64_t *)first)[*(const int64_t *)a];
    int64_t fb = ((const int64_t *)first)[*(const int64_t *)b];
    return (fa > fb) - (fa < fb);
}

void submit_labels_finish(submit_labels_t *l)
{
    /* the distinct labels in first-seen order, encoded as the whole input would be: the
       classes are the same, and each is named by its first occurrence */
    int64_t *order = dsk_xmalloc((size_t)(l->n + 1) * sizeof *order);
    for (int64_t i = 0; i < l->n; i++)
        order[i] = i;
    qsort_r(order, (size_t)l->n, sizeof *order, s_by_first, l->first);
    ml_dataset_t ds = {0};
    if (l->texts) {
        const char **t = dsk_xmalloc((size_t)(l->n + 1) * sizeof *t);
        for (int64_t i = 0; i < l->n; i++)
            t[i] = l->texts[order[i]];
        char e[DSK_ERR_LEN];
        ml_labels_encode(&ds, t, l->n, "labels", e); /* fails only past INT32_MAX labels */
        free(t);
    } else {
        double *v = dsk_xmalloc((size_t)(l->n + 1) * sizeof *v);
        for (int64_t i = 0; i < l->n; i++)
            v[i] = l->values[order[i]];
        ml_labels_encode_numeric(&ds, v, l->n);
        free(v);
    }
    l->code = dsk_xmalloc((size_t)(l->n + 1) * sizeof *l->code);
    for (int64_t i = 0; i < l->n; i++)
        l->code[order[i]] = ds.y[i];
    l->nclasses = ds.n_classes;
    l->kind = ds.labels_kind;
    l->names = ds.target_names;
    free(ds.y);
    free(order);
}

int32_t submit_labels_count(const submit_labels_t *l)
{
    return l->nclasses;
}

ml_labels_kind_t submit_labels_kind(const submit_labels_t *l)
{
    return l->kind;
}

char **submit_labels_names(const submit_labels_t *l)
{
    return l->names;
}

int submit_labels_code_values(const submit_labels_t *l, const double *v, int64_t n,
                              int32_t *codes, const char *what, char *err)
{
    for (int64_t i = 0; i < n; i++) {
        int64_t at = s_at_value(l, v[i]);
        if (at == l->n || l->values[at] != v[i])
            return dsk_seterr(err, DSK_EINVAL, "%s: a label the first pass did not see (did "
                              "the file change?)", what);
        codes[i] = l->code[at];
    }
    return DSK_OK;
}

int submit_labels_code_texts(const submit_labels_t *l, char *const *t, int64_t n,
                             int32_t *codes, const char *what, char *err)
{
    for (int64_t i = 0; i < n; i++) {
        int64_t at = s_at_text(l, t[i]);
        if (at == l->n || strcmp(l->texts[at], t[i]) != 0)
            return dsk_seterr(err, DSK_EINVAL, "%s: label '%.40s' the first pass did not see "
                              "(did the file change?)", what, t[i]);
        codes[i] = l->code[at];
    }
    return DSK_OK;
}

/*
 * The next lines (up to n) of a .txt of labels, one a line, as texts
 * (malloc'd; the newline and a '\r' before it dropped); how many were read.
 */
static int64_t s_lines(gzFile f, int64_t n, char **t)
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

/* A .npy of labels: its classes, from one pass a block at a time. */
static int s_npy_pass(submit_labels_t *l, int64_t *rows, char *err)
{
    int rc = ml_npy_file_open(l->path, &l->npy, err);
    if (rc == 0 && ml_npy_file_header(l->npy)->ndim != 1)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a 1-D array of labels, got 2-D", l->path);
    int64_t n = rc ? 0 : ml_npy_file_header(l->npy)->shape[0];
    double *v = dsk_xmalloc(S_BLOCK * sizeof *v);
    for (int64_t row0 = 0; rc == 0 && row0 < n; row0 += S_BLOCK) {
        int64_t m = n - row0 < S_BLOCK ? n - row0 : S_BLOCK;
        rc = ml_npy_file_rows(l->npy, row0, m, v, err);
        if (rc == 0)
            rc = submit_labels_add_values(l, v, m, l->path, row0, err);
    }
    free(v);
    *rows = n;
    return rc;
}

/* A .txt of labels: its classes and its lines, from one pass; then rewound. */
static int s_txt_pass(submit_labels_t *l, int64_t *rows, char *err)
{
    l->txt = gzopen(l->path, "rb");
    if (!l->txt)
        return dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", l->path,
                          strerror(errno ? errno : EIO));
    char **t = dsk_xmalloc(S_BLOCK * sizeof *t);
    int64_t got;
    int rc = DSK_OK;
    *rows = 0;
    while (rc == 0 && (got = s_lines(l->txt, S_BLOCK, t)) > 0) {
        rc = submit_labels_add_texts(l, t, got, l->path, err);
        s_free_texts(t, got);
        *rows += got;
    }
    free(t);
    int zerr;
    const char *zmsg = gzerror(l->txt, &zerr);
    if (rc == 0 && zerr < 0)
        rc = dsk_seterr(err, DSK_EIO, "%s: %s", l->path, zmsg);
    gzrewind(l->txt);
    return rc;
}

int submit_labels_open_file(const char *path, submit_labels_t **out, int64_t *rows, char *err)
{
    submit_labels_t *l = submit_labels_new();
    size_t n = strlen(path);
    l->path = dsk_xstrdup(path);
    int rc = n >= 4 && strcmp(path + n - 4, ".npy") == 0 ? s_npy_pass(l, rows, err)
                                                          : s_txt_pass(l, rows, err);
    if (rc == 0)
        submit_labels_finish(l);
    else
        submit_labels_destroy(&l);
    *out = l;
    return rc;
}

int submit_labels_next(submit_labels_t *l, int64_t n, int32_t *codes, char *err)
{
    if (l->npy) {
        l->values_buf = dsk_xrealloc(l->values_buf, (size_t)n + 1, sizeof *l->values_buf);
        int rc = ml_npy_file_rows(l->npy, l->row, n, l->values_buf, err);
        l->row += n;
        return rc ? rc : submit_labels_code_values(l, l->values_buf, n, codes, l->path, err);
    }
    char **t = dsk_xmalloc((size_t)(n + 1) * sizeof *t);
    int64_t got = s_lines(l->txt, n, t);
    int rc = got == n ? submit_labels_code_texts(l, t, n, codes, l->path, err)
                      : dsk_seterr(err, DSK_EIO, "%s: %lld labels where %lld were counted (did "
                                   "the file change?)", l->path, (long long)got, (long long)n);
    s_free_texts(t, got);
    free(t);
    return rc;
}
