/*
 * ml_load_util.h — what the loaders share (internal to ml/io/ml_load*.c,
 * ml_load_newsgroups.c): reading a job's "data" keys with errors that name the
 * key, reading whole files (gzip-compressed or not), text encodings and
 * the LabelEncoder step that turns label texts into y and target_names.
 *
 * Errors are written as "data.<key>: ..." so that a user can find the key
 * in the job file; an unknown key goes through ml_param_unknown.
 */
#ifndef ML_LOAD_UTIL_H
#define ML_LOAD_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "ml_data.h"

/* Every key of spec must be in known (NULL-terminated); "loader" is implied. */
int ml_spec_check_keys(const json_t *spec, const char *loader, const char *const *known,
                       char *err);
/* A string key; *out = def when absent (or null when null_ok). Borrowed from spec. */
int ml_spec_string(const json_t *spec, const char *key, const char *def, int null_ok,
                   const char **out, char *err);
/* A string among choices (NULL-terminated); *out is its index, def when absent. */
int ml_spec_enum(const json_t *spec, const char *key, const char *const *choices, int def,
                 int *out, char *err);
int ml_spec_bool(const json_t *spec, const char *key, int def, int *out, char *err);
/* An integer (not a bool, not a float) in [lo, hi]; def when absent or, with
   null_ok, null. */
int ml_spec_int(const json_t *spec, const char *key, int64_t def, int null_ok, int64_t lo,
                int64_t hi, int64_t *out, char *err);
/* A list of strings (or null when null_ok: *out NULL, *n 0). Borrowed strings in
   a malloc'd array the caller frees. */
int ml_spec_strings(const json_t *spec, const char *key, int null_ok, const char ***out,
                    size_t *n, char *err);
/* "data_home" key, else $DSK_DATA_HOME, else ~/dsk_data; "~/" expanded. */
int ml_spec_data_home(const json_t *spec, char *out, size_t len, char *err);
/* A required path key ("path", "labels_path"); "~/" expanded. */
int ml_spec_path(const json_t *spec, const char *key, int required, char *out, size_t len,
                 char *err);

/* The whole file, gunzipped when it is gzip (zlib's transparent read); *buf is
   NUL-terminated (not counted in *len) and owned by the caller. */
int ml_read_file(const char *path, char **buf, size_t *len, char *err);
/* The file's bytes as they are on disk (a document: no gzip sniffing); *buf as above. */
int ml_read_raw(const char *path, char **buf, size_t *len, char *err);

/* latin-1 bytes to UTF-8; returns a malloc'd NUL-terminated buffer. */
char *ml_latin1_to_utf8(const char *s, size_t n, size_t *out_len);
/* Offset of the first invalid UTF-8 byte (Python's strict decoder rules:
   no overlongs, no surrogates, <= U+10FFFF), or -1 if s is valid. */
int64_t ml_utf8_invalid_at(const char *s, size_t n);
/* Python's decode("utf-8", "replace") (replace = 1: each maximal invalid
   subpart becomes U+FFFD) or "ignore" (replace = 0: it is dropped). */
char *ml_utf8_fix(const char *s, size_t n, int replace, size_t *out_len);

/*
 * LabelEncoder over n label texts: if every text is a number, classes are
 * the distinct values in numeric order (named by the text of their first
 * occurrence), else the distinct texts in byte order. Fills ds->y,
 * ds->n_classes and ds->target_names. what names the source for errors.
 */
int ml_labels_encode(ml_dataset_t *ds, const char *const *labels, int64_t n,
                     const char *what, char *err);
/* Same for labels that are numbers already (svmlight, npy). */
int ml_labels_encode_numeric(ml_dataset_t *ds, const double *labels, int64_t n);

/* Parses a whole token as a finite or infinite double (strtod, C locale);
   0 on success, -1 if the token is empty or has trailing garbage. */
int ml_parse_double(const char *s, size_t n, double *out);

/* A dataset shell with X set (ownership of *X_p moves in). */
ml_dataset_t *ml_dataset_new(ml_data_t **X_p);

#endif
