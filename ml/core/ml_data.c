/* ml_data.c — documents or matrices, and loaded datasets. */
#include "ml_data.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"

ml_data_t *ml_data_from_dense(ml_dense_t **m_p)
{
    ml_data_t *d = dsk_xcalloc(1, sizeof *d);
    d->kind = ML_DATA_DENSE;
    d->dense = *m_p;
    d->nrows = d->dense->nrows;
    *m_p = NULL;
    return d;
}

ml_data_t *ml_data_from_csr(ml_csr_t **m_p)
{
    ml_data_t *d = dsk_xcalloc(1, sizeof *d);
    d->kind = ML_DATA_CSR;
    d->csr = *m_p;
    d->nrows = d->csr->nrows;
    *m_p = NULL;
    return d;
}

ml_data_t *ml_data_new_text(int64_t n)
{
    ml_data_t *d = dsk_xcalloc(1, sizeof *d);
    d->kind = ML_DATA_TEXT;
    d->nrows = n;
    d->text.docs = dsk_xcalloc((size_t)n, sizeof *d->text.docs);
    d->text.lens = dsk_xcalloc((size_t)n, sizeof *d->text.lens);
    return d;
}

void ml_data_destroy(ml_data_t **d_p)
{
    ml_data_t *d = *d_p;
    if (!d)
        return;
    if (d->kind == ML_DATA_TEXT) {
        for (int64_t i = 0; i < d->nrows; i++)
            free(d->text.docs[i]);
        free(d->text.docs);
        free(d->text.lens);
    }
    ml_dense_destroy(&d->dense);
    ml_csr_destroy(&d->csr);
    free(d);
    *d_p = NULL;
}

ml_data_t *ml_data_take_rows(const ml_data_t *d, const int64_t *rows, int64_t n)
{
    if (d->kind == ML_DATA_DENSE) {
        ml_dense_t *m = ml_dense_take_rows(d->dense, rows, n);
        return ml_data_from_dense(&m);
    }
    if (d->kind == ML_DATA_CSR) {
        ml_csr_t *m = ml_csr_take_rows(d->csr, rows, n);
        return ml_data_from_csr(&m);
    }
    ml_data_t *t = ml_data_new_text(n);
    for (int64_t i = 0; i < n; i++) {
        size_t len = d->text.lens[rows[i]];
        t->text.docs[i] = dsk_xcalloc(len + 1, 1);
        memcpy(t->text.docs[i], d->text.docs[rows[i]], len);
        t->text.lens[i] = len;
    }
    return t;
}

const char *ml_data_kind_name(ml_data_kind_t kind)
{
    switch (kind) {
    case ML_DATA_TEXT:
        return "documents";
    case ML_DATA_DENSE:
        return "a dense matrix";
    case ML_DATA_CSR:
        return "a sparse matrix";
    }
    return "unknown data";
}

void ml_dataset_destroy(ml_dataset_t **ds_p)
{
    ml_dataset_t *ds = *ds_p;
    if (!ds)
        return;
    if (ds->filenames)
        for (int64_t i = 0; i < ds->X->nrows; i++)
            free(ds->filenames[i]);
    free(ds->filenames);
    for (int32_t k = 0; k < ds->n_classes; k++)
        free(ds->target_names[k]);
    free(ds->target_names);
    free(ds->y);
    ml_data_destroy(&ds->X);
    free(ds);
    *ds_p = NULL;
}
