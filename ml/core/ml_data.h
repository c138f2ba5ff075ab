/*
 * ml_data.h — what flows through a pipeline: raw documents, a dense matrix
 * or a CSR matrix, with the number of rows common to all. Loaders produce
 * an ml_dataset_t (X plus integer labels and their names); estimators take
 * and return ml_data_t.
 */
#ifndef ML_DATA_H
#define ML_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "ml_matrix.h"

typedef enum {
    ML_DATA_TEXT = 1,  /* documents: UTF-8 bytes, not NUL-terminated */
    ML_DATA_DENSE,
    ML_DATA_CSR,
} ml_data_kind_t;

typedef struct {
    char **docs;       /* n owned buffers */
    size_t *lens;      /* their lengths in bytes */
} ml_text_t;

typedef struct {
    ml_data_kind_t kind;
    int64_t nrows;
    ml_text_t text;    /* ML_DATA_TEXT */
    ml_dense_t *dense; /* ML_DATA_DENSE, owned */
    ml_csr_t *csr;     /* ML_DATA_CSR, owned */
} ml_data_t;

/* Wrap a matrix (ownership moves into the data; *m_p is NULLed). */
ml_data_t *ml_data_from_dense(ml_dense_t **m_p);
ml_data_t *ml_data_from_csr(ml_csr_t **m_p);
/* An empty text data of n documents to fill (docs[i] malloc'd by the filler). */
ml_data_t *ml_data_new_text(int64_t n);
void ml_data_destroy(ml_data_t **d_p);
/* The rows rows[0..n), in that order: a fold's training or test part. */
ml_data_t *ml_data_take_rows(const ml_data_t *d, const int64_t *rows, int64_t n);
const char *ml_data_kind_name(ml_data_kind_t kind);

/*
 * What a dataset's class codes stand for, as scikit-learn's y would hold
 * them (and so what a classifier fitted on it predicts): the codes
 * themselves (loaders with a target of their own: digits, 20newsgroups,
 * files), numbers (target_names are their texts), or the texts.
 */
typedef enum { ML_LABELS_CODES = 0, ML_LABELS_NUMBERS, ML_LABELS_TEXTS } ml_labels_kind_t;

/* A loaded dataset: X, its labels as 0..n_classes-1, the class names. */
typedef struct {
    ml_data_t *X;
    int32_t *y;            /* X->nrows labels */
    int32_t n_classes;
    char **target_names;   /* n_classes owned strings */
    ml_labels_kind_t labels_kind;
    char **filenames;      /* X->nrows owned strings, or NULL */
} ml_dataset_t;

void ml_dataset_destroy(ml_dataset_t **ds_p);

#endif
