/*
 * submit_source.h — how dsk-submit predict reads its --input: which
 * reader a file needs, from its name (docs/job-files.md, "Predict
 * inputs") or from the .json data spec it holds, and with what options;
 * or, when nothing streams it, the data spec its loader reads whole.
 *
 * Streamed: a .npy (not gzip'd), a CSR .npz, a .csv, a .txt (one document
 * a line), an svmlight file, a folder of documents, each with labels from
 * a .npy or a .txt (one a line) or, for a .csv or svmlight file, its own;
 * and a spec of the loaders npy, npz, csv, svmlight, text-lines and
 * text-folder that uses only the keys those readers follow.
 */
#ifndef SUBMIT_SOURCE_H
#define SUBMIT_SOURCE_H

#include <jansson.h>
#include <stdint.h>

typedef enum {
    SUBMIT_SOURCE_WHOLE = 0,  /* spec: loaded whole by its loader */
    SUBMIT_SOURCE_NPY,
    SUBMIT_SOURCE_NPZ,
    SUBMIT_SOURCE_CSV,
    SUBMIT_SOURCE_TXT,
    SUBMIT_SOURCE_SVM,
    SUBMIT_SOURCE_FOLDER,
} submit_source_format_t;

typedef struct {
    submit_source_format_t format;
    char path[4096], labels[4096]; /* labels "": none (or a file's own) */
    int header_mode;               /* a .csv's header (ML_CSV_HEADER_*) */
    int64_t label_col;             /* a .csv's label column, or ML_CSV_NO_LABEL */
    int64_t n_features;            /* an svmlight file's width at least (0: its own) */
    int zero_based;                /* its first index: 1 zero, 0 one, -1 as the file says */
    json_t *spec;                  /* SUBMIT_SOURCE_WHOLE: the data spec (owned) */
} submit_source_t;

/* How --input path, with --labels (NULL: none), is read; an error for a name no reader
   takes, or --labels where the input names its own. */
int submit_source_of(const char *path, const char *labels, submit_source_t *out, char *err);
void submit_source_clear(submit_source_t *s);

/*
 * --input-on-workers: path made absolute (abs, PATH_MAX bytes), and the
 * reference format the workers read it as (job_input_ref.h: "npy", "npz",
 * "csv", "text-lines", "svmlight", "files"); *size its bytes. An error
 * for what the workers cannot read in pieces.
 */
int submit_source_on_workers(const char *path, char *abs, const char **format, int64_t *size,
                             char *err);

#endif
