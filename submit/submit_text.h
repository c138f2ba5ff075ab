/*
 * submit_text.h — a .csv, a .txt (one document a line) or an svmlight
 * file, gzip'd or not, read for dsk-submit predict a chunk of rows at a
 * time: one counting pass at open (blank lines, comments and a .csv's
 * header aside; the file's own labels, a .csv's label column or an
 * svmlight file's first one, added to their classes on the way), then
 * each chunk's lines read and decoded as the loaders decode them
 * (ml_load.h, ml_load_files.h, ml_load_numeric.h), so memory holds one
 * chunk.
 */
#ifndef SUBMIT_TEXT_H
#define SUBMIT_TEXT_H

#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"
#include "submit_labels.h"

typedef enum { SUBMIT_TEXT_TXT = 1, SUBMIT_TEXT_CSV, SUBMIT_TEXT_SVM } submit_text_kind_t;

typedef struct submit_text submit_text_t;

/*
 * Opens and counts path. A .csv's header (ML_CSV_HEADER_*) and label
 * column (ML_CSV_NO_LABEL: none); own: when not NULL, the file's own
 * labels' classes go there (a .csv with a label column, an svmlight file).
 */
int submit_text_open(const char *path, submit_text_kind_t kind, int header_mode,
                     int64_t label_col, submit_labels_t *own, submit_text_t **out, char *err);
void submit_text_close(submit_text_t **t_p);
int64_t submit_text_rows(const submit_text_t *t);
/* An svmlight file's first index (zero_based 1, 0, or -1: as the file says) and width (at
   least n_features; 0: its own), checked as the loader checks them. */
int submit_text_svm_shape(submit_text_t *t, int zero_based, int64_t n_features, char *err);
/*
 * The next n rows, decoded (*out the caller's); with own (the labels
 * given at open), their labels' codes into codes[0..n).
 */
int submit_text_next(submit_text_t *t, int64_t n, const submit_labels_t *own, int32_t *codes,
                     ml_dataset_t **out, char *err);

#endif
