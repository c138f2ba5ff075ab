/*
 * ml_load.h — the datasets a job's "data" object names (docs/job-files.md,
 * "data"): 20newsgroups, digits, files, csv, svmlight, npy,
 * text-lines, tsv. Each gives the same documents or rows, labels and order
 * as scikit-learn's equivalent, so that folds and scores are comparable.
 *
 * Labels: y holds 0..n_classes-1; target_names are the distinct labels in
 * sorted order (scikit-learn's LabelEncoder: strings sorted bytewise,
 * numbers sorted numerically and named by their text), except where the
 * scikit-learn loader defines its own names (20newsgroups, files, digits).
 *
 * Keys per loader: ml_load_newsgroups.h (20newsgroups), ml_load_files.h (files,
 * text-lines, tsv), ml_load_numeric.h (svmlight, npy); "digits" takes
 * data_home (digits.csv.gz there: X 1797x64 float64, y the digit), "csv"
 * takes path, header (default false; "auto": the first line when it has a
 * cell that is not a number) and label_column (default -1, the last;
 * negative counts from the end; null: no labels, every column a feature). Every loader rejects unknown keys.
 * Text files may be gzip-compressed (read transparently), except the
 * documents of "files" and 20newsgroups' folders, which are taken as is.
 */
#ifndef ML_LOAD_H
#define ML_LOAD_H

#include <jansson.h>

#include "dsk_error.h"
#include "ml_data.h"

/*
 * Loads the dataset a job's "data" object describes. spec is a JSON object
 * ({"loader": "20newsgroups", ...}); errors name the key, e.g.
 * "data.subset: expected one of 'train', 'test', 'all', got 'tran'", or
 * the file and line/byte for a corrupt file. Caller owns *out
 * (ml_dataset_destroy).
 */
int ml_load_dataset(const json_t *spec, ml_dataset_t **out, char *err);

/*
 * Whole lines buf[0..len) of a comma-separated file (line numbers from
 * first_line, for errors) as rows of numbers, as "csv" reads them: the
 * cells of column label_column (negative: from the end) are the labels,
 * returned as texts in *labels (one a row, the caller's; with
 * ML_CSV_NO_LABEL every column is a feature and *labels may be NULL).
 * header: whether the first non-blank line is a header (ML_CSV_HEADER_*).
 * *ncols: the cells every row must have, -1 until a first row says (then
 * set). For reading a file a block at a time; *out may have no rows.
 */
#define ML_CSV_NO_LABEL INT64_MIN
enum { ML_CSV_HEADER_NONE = 0, ML_CSV_HEADER_FIRST = 1, ML_CSV_HEADER_AUTO = 2 };
int ml_csv_decode(const char *what, int64_t first_line, const char *buf, size_t len,
                  int header, int64_t label_col, int64_t *ncols, ml_dataset_t **out,
                  char ***labels, char *err);

#endif
