/*
 * submit_labels.h — the class codes of labels that are read a chunk at a
 * time (dsk-submit predict --method score on a streamed input). A first
 * pass over the labels collects the distinct ones; their classes and
 * names are then LabelEncoder's, as the loaders give them
 * (ml_labels_encode: numbers in numeric order when every label is a
 * number, else texts in byte order), so each chunk's labels get the codes
 * the whole input would have had. Labels are numbers (a .npy, an svmlight
 * file's first column) or texts (a .txt, one a line; a .csv's column), not
 * both. A file of labels (a .npy, a .txt) is read here too, a chunk at a
 * time; a file's own (svmlight, .csv) are found by its reader
 * (submit_text).
 */
#ifndef SUBMIT_LABELS_H
#define SUBMIT_LABELS_H

#include <stdint.h>

#include "dsk_error.h"
#include "ml_data.h"

#define SUBMIT_LABELS_MAX 65536 /* distinct labels a streamed score takes */

typedef struct submit_labels submit_labels_t;

submit_labels_t *submit_labels_new(void);
/* A file of labels, one a row: a .npy, or a .txt (gzip'd or not) of one a line; its classes
   found in one pass (finished), *rows its labels. */
int submit_labels_open_file(const char *path, submit_labels_t **out, int64_t *rows, char *err);
/* The file's next n labels as codes. */
int submit_labels_next(submit_labels_t *l, int64_t n, int32_t *codes, char *err);
void submit_labels_destroy(submit_labels_t **l_p);

/* The first pass: labels row0 .. row0 + n of what (for errors). */
int submit_labels_add_values(submit_labels_t *l, const double *v, int64_t n, const char *what,
                             int64_t row0, char *err);
int submit_labels_add_texts(submit_labels_t *l, char *const *t, int64_t n, const char *what,
                            char *err);
/* After the first pass: the classes fixed. */
void submit_labels_finish(submit_labels_t *l);
int32_t submit_labels_count(const submit_labels_t *l);
/* Numbers or texts, as the classes came out (ML_LABELS_NUMBERS or ML_LABELS_TEXTS). */
ml_labels_kind_t submit_labels_kind(const submit_labels_t *l);
char **submit_labels_names(const submit_labels_t *l);

/* A chunk's labels as codes; one the first pass did not see is an error (the file changed). */
int submit_labels_code_values(const submit_labels_t *l, const double *v, int64_t n,
                              int32_t *codes, const char *what, char *err);
int submit_labels_code_texts(const submit_labels_t *l, char *const *t, int64_t n,
                             int32_t *codes, const char *what, char *err);

#endif
