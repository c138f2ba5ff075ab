/*
 * ml_load_files.h — the text loaders:
 *
 * "files": scikit-learn's load_files. Keys: path (the container folder:
 *   one sub-folder per class), categories (null or a list of folder
 *   names), shuffle (default true), random_state (an integer, default 0),
 *   encoding ("utf-8" default, "latin-1"/"latin1"), decode_error
 *   ("strict" default, "replace", "ignore"), allowed_extensions (null or a
 *   list like [".txt"]). Same order as load_files: folders sorted, files
 *   sorted, then RandomState(random_state).shuffle; target_names are the
 *   folder names; filenames are path/CATEGORY/FILE.
 * "text-lines": path holds one document per line, labels_path one label per
 *   line (the same number of lines; optional: without it the documents
 *   have no labels, as a predict input).
 * "text-folder": path is a folder of documents, one a file (hidden files
 *   and sub-folders passed over), read in name order, with no labels (a
 *   predict input); encoding and decode_error as for "files".
 * "tsv": path holds lines "label<TAB>document" (split at the first tab).
 *   text-lines and tsv take encoding and decode_error too, and read gzip'd
 *   files transparently; a trailing "\r" is dropped from each line, and the
 *   newline ending the file does not start another line. In text-lines
 *   every line counts (an empty line is an empty document); tsv skips
 *   empty lines. Labels are LabelEncoder'd (ml_load_util.h).
 *
 * With decode_error "strict", invalid UTF-8 is an error naming the file
 * and the byte offset (and line for line formats). Caller owns *out.
 */
#ifndef ML_LOAD_FILES_H
#define ML_LOAD_FILES_H

#include <jansson.h>

#include "dsk_error.h"
#include "ml_data.h"

int ml_load_files(const json_t *spec, ml_dataset_t **out, char *err);
int ml_load_text_lines(const json_t *spec, ml_dataset_t **out, char *err);
int ml_load_tsv(const json_t *spec, ml_dataset_t **out, char *err);
int ml_load_text_folder(const json_t *spec, ml_dataset_t **out, char *err);
/* A text folder's documents, listed (their paths, in name order; the caller's) and read a few
   at a time (decoded as UTF-8, strictly), for reading a large folder in chunks. */
int ml_text_folder_list(const char *root, char ***paths, int64_t *n, char *err);
int ml_text_files_decode(char *const *paths, int64_t n, ml_dataset_t **out, char *err);
/*
 * Whole lines buf[0..len) (the last may lack its newline) as documents
 * without labels, decoded as "text-lines" decodes them (spec's encoding
 * and decode_error, or the defaults for NULL); errors name what and the
 * line, counted from first_line. For reading a file a block at a time.
 */
int ml_text_lines_decode(const json_t *spec, const char *what, int64_t first_line,
                         const char *buf, size_t len, ml_dataset_t **out, char *err);

#endif
