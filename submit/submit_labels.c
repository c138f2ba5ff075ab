/* submit_labels.c — streamed labels: distinct ones first, LabelEncoder's codes after. */
#include "submit_labels.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_load_util.h"

struct submit_labels {
    double *values;           /* numbers: the distinct values, sorted ... */
    char **texts;             /* ... or texts: the distinct texts, sorted bytewise, */
    int64_t *first;           /* with the order each was first seen in */
    int64_t n, seen;
    int32_t *code;            /* after finish: each distinct label's class */
    char **names;             /* the classes' names */
    int32_t nclasses;
    ml_labels_kind_t kind;
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
