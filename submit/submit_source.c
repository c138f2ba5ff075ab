/* submit_source.c — which reader a predict input needs, and with what options. */
#include "submit_source.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dsk_error.h"
#include "ml_load.h"
#include "ml_load_util.h"
#include "ml_npz_rows.h"

static int s_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Whether dir holds a sub-folder (then it is load_files' layout: a folder per class). */
static int s_has_subfolder(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = 0;
    while (d && !found && (de = readdir(d)) != NULL) {
        char p[4096];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        found = de->d_name[0] != '.' && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (d)
        closedir(d);
    return found;
}

/*
 * The input as a data spec: a JSON file holds one; a folder is documents
 * (one a file, or load_files' folder per class, in order); a data file's
 * extension names its loader, without labels unless --labels names them.
 */
static json_t *s_input_spec(const char *path, const char *labels, char *err)
{
    struct stat st;
    if (s_ends(path, ".json")) {
        json_error_t jerr;
        json_t *spec = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!spec)
            dsk_seterr(err, DSK_EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        else if (!json_is_object(spec)) {
            dsk_seterr(err, DSK_EINVAL, "%s: expected a data object like a job's \"data\"", path);
            json_decref(spec);
            spec = NULL;
        }
        if (spec && labels) {
            dsk_seterr(err, DSK_EINVAL, "--labels goes with a data file; a .json data spec "
                       "names its own labels");
            json_decref(spec);
            spec = NULL;
        }
        return spec;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (labels) {
            dsk_seterr(err, DSK_EINVAL, "--labels goes with a data file; a folder's labels are "
                       "its sub-folders' names");
            return NULL;
        }
        return s_has_subfolder(path)
                   ? json_pack("{s:s, s:s, s:b}", "loader", "files", "path", path, "shuffle", 0)
                   : json_pack("{s:s, s:s}", "loader", "text-folder", "path", path);
    }
    const char *loader = s_ends(path, ".npy")                             ? "npy"
                         : s_ends(path, ".npz")                           ? "npz"
                         : s_ends(path, ".csv") || s_ends(path, ".csv.gz") ? "csv"
                         : s_ends(path, ".svmlight") || s_ends(path, ".svm") ||
                                 s_ends(path, ".libsvm")
                             ? "svmlight"
                         : s_ends(path, ".txt") || s_ends(path, ".txt.gz") ? "text-lines"
                                                                          : NULL;
    if (!loader) {
        dsk_seterr(err, DSK_EINVAL, "%s: which format? use .npy, .npz (a SciPy sparse matrix), "
                   ".csv, .svmlight, .txt (one document a line), a folder of text files or a "
                   ".json data spec", path);
        return NULL;
    }
    if (labels && strcmp(loader, "svmlight") == 0) {
        dsk_seterr(err, DSK_EINVAL, "--labels: an svmlight file holds its labels itself");
        return NULL;
    }
    if (labels && strcmp(loader, "csv") == 0) {
        dsk_seterr(err, DSK_EINVAL, "--labels %s: a .csv's labels come from a .npy or a .txt "
                   "(one a row), or from its own column (a .json data spec: \"label_column\")",
                   labels);
        return NULL;
    }
    json_t *spec = json_pack("{s:s, s:s}", "loader", loader, "path", path);
    if (strcmp(loader, "csv") == 0) {
        json_object_set_new(spec, "header", json_string("auto"));
        json_object_set_new(spec, "label_column", json_null());
    }
    if (labels)
        json_object_set_new(spec, "labels_path", json_string(labels));
    return spec;
}


/* Whether the file starts as gzip does (such a .npy is read whole, not in pieces). */
static int s_is_gzip(const char *path)
{
    unsigned char m[2] = {0, 0};
    FILE *f = fopen(path, "rb");
    if (f) {
        if (fread(m, 1, 2, f) != 2)
            m[0] = 0;
        fclose(f);
    }
    return m[0] == 0x1f && m[1] == 0x8b;
}

/* Whether a labels file is read a chunk at a time: a .npy, or a .txt of one a line. */
static int s_labels_streamed(const char *labels)
{
    return !labels || (s_ends(labels, ".npy") && !s_is_gzip(labels)) ||
           s_ends(labels, ".txt") || s_ends(labels, ".txt.gz");
}

/* Whether path is an .npz of a CSR matrix (streamed; any other is loaded whole). */
static int s_is_csr_npz(const char *path)
{
    char fmt[8] = "", e[DSK_ERR_LEN];
    return s_ends(path, ".npz") && ml_npz_format(path, fmt, e) == 0 && strcmp(fmt, "csr") == 0;
}

/* How a file named on the command line streams (by its extension), or SUBMIT_SOURCE_WHOLE: loaded whole. */
static submit_source_format_t s_format_of(const char *path, const char *labels)
{
    struct stat st;
    if (!s_labels_streamed(labels))
        return SUBMIT_SOURCE_WHOLE;
    if (s_ends(path, ".npy"))
        return s_is_gzip(path) ? SUBMIT_SOURCE_WHOLE : SUBMIT_SOURCE_NPY;
    if (s_ends(path, ".npz"))
        return s_is_csr_npz(path) ? SUBMIT_SOURCE_NPZ : SUBMIT_SOURCE_WHOLE;
    if (s_ends(path, ".csv") || s_ends(path, ".csv.gz"))
        return SUBMIT_SOURCE_CSV;
    if (s_ends(path, ".txt") || s_ends(path, ".txt.gz"))
        return SUBMIT_SOURCE_TXT;
    if (s_ends(path, ".svmlight") || s_ends(path, ".svm") || s_ends(path, ".libsvm"))
        return labels ? SUBMIT_SOURCE_WHOLE : SUBMIT_SOURCE_SVM; /* its labels are its own */
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && !s_has_subfolder(path))
        return SUBMIT_SOURCE_FOLDER;
    return SUBMIT_SOURCE_WHOLE;
}

/*
 * How a .json data spec streams: its loader's file with the spec's
 * options, when every key is one the streamed readers follow; else
 * SUBMIT_SOURCE_WHOLE (the loader reads it whole, and reports a wrong key or value).
 */
static void s_how_of_spec(const json_t *spec, submit_source_t *h)
{
    static const struct {
        const char *loader;
        submit_source_format_t format;
        const char *keys[4];
    } known[] = {
        {"npy", SUBMIT_SOURCE_NPY, {"path", "labels_path"}},
        {"npz", SUBMIT_SOURCE_NPZ, {"path", "labels_path"}},
        {"csv", SUBMIT_SOURCE_CSV, {"path", "header", "label_column"}},
        {"svmlight", SUBMIT_SOURCE_SVM, {"path", "n_features", "zero_based"}},
        {"text-lines", SUBMIT_SOURCE_TXT, {"path", "labels_path"}},
        {"text-folder", SUBMIT_SOURCE_FOLDER, {"path"}},
    };
    const char *loader = json_string_value(json_object_get(spec, "loader")), *key;
    char e[DSK_ERR_LEN];
    json_t *v;
    h->format = SUBMIT_SOURCE_WHOLE;
    int k = -1;
    for (int i = 0; loader && i < (int)(sizeof known / sizeof *known); i++)
        if (strcmp(loader, known[i].loader) == 0)
            k = i;
    if (k < 0)
        return;
    json_object_foreach((json_t *)spec, key, v) {
        int ok = strcmp(key, "loader") == 0;
        for (int i = 0; i < 4 && known[k].keys[i]; i++)
            ok |= strcmp(key, known[k].keys[i]) == 0;
        if (!ok)
            return;
    }
    if (ml_spec_path(spec, "path", 1, h->path, sizeof h->path, e) ||
        ml_spec_path(spec, "labels_path", 0, h->labels, sizeof h->labels, e))
        return;
    const json_t *hd = json_object_get(spec, "header"), *lc = json_object_get(spec, "label_column");
    const json_t *zb = json_object_get(spec, "zero_based");
    h->header_mode = !hd || json_is_false(hd) ? ML_CSV_HEADER_NONE
                     : json_is_true(hd)       ? ML_CSV_HEADER_FIRST
                     : json_is_string(hd) && strcmp(json_string_value(hd), "auto") == 0
                         ? ML_CSV_HEADER_AUTO
                         : -1;
    h->label_col = !lc ? -1 : json_is_null(lc) ? ML_CSV_NO_LABEL : json_integer_value(lc);
    h->zero_based = !zb || (json_is_string(zb) && strcmp(json_string_value(zb), "auto") == 0)
                        ? -1
                    : json_is_boolean(zb) ? json_is_true(zb)
                                          : -2;
    if (h->header_mode < 0 || (lc && !json_is_null(lc) && !json_is_integer(lc)) ||
        h->zero_based < -1 ||
        ml_spec_int(spec, "n_features", 0, 1, 1, INT32_MAX, &h->n_features, e) ||
        !s_labels_streamed(h->labels[0] ? h->labels : NULL))
        return;
    h->format = known[k].format;
    if ((h->format == SUBMIT_SOURCE_NPY && s_is_gzip(h->path)) || (h->format == SUBMIT_SOURCE_NPZ && !s_is_csr_npz(h->path)))
        h->format = SUBMIT_SOURCE_WHOLE;
}

int submit_source_of(const char *path, const char *labels, submit_source_t *out, char *err)
{
    *out = (submit_source_t){.format = s_format_of(path, labels),
                             .header_mode = ML_CSV_HEADER_AUTO, .label_col = ML_CSV_NO_LABEL,
                             .zero_based = -1};
    if (out->format != SUBMIT_SOURCE_WHOLE) {
        snprintf(out->path, sizeof out->path, "%s", path);
        snprintf(out->labels, sizeof out->labels, "%s", labels ? labels : "");
        return DSK_OK;
    }
    if (!(out->spec = s_input_spec(path, labels, err)))
        return DSK_EINVAL;
    if (s_ends(path, ".json"))
        s_how_of_spec(out->spec, out);
    return DSK_OK;
}

void submit_source_clear(submit_source_t *s)
{
    json_decref(s->spec);
    s->spec = NULL;
}

/* The format a path on the workers' storage is read as, or NULL. */
static const char *s_ref_format(const char *path, int dir)
{
    return dir                       ? "files"
           : s_ends(path, ".npy")    ? "npy"
           : s_ends(path, ".npz")    ? "npz"
           : s_ends(path, ".csv")    ? "csv"
           : s_ends(path, ".txt")    ? "text-lines"
           : s_ends(path, ".svmlight") || s_ends(path, ".svm") || s_ends(path, ".libsvm")
               ? "svmlight"
               : NULL;
}

int submit_source_on_workers(const char *path, char *abs, const char **format, int64_t *size,
                             char *err)
{
    struct stat st;
    if (!realpath(path, abs) || stat(abs, &st) != 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: %s (--input-on-workers: the workers read the "
                          "same path; it must be visible here too, for its size or header)",
                          path, strerror(errno));
    int dir = S_ISDIR(st.st_mode);
    *format = s_ref_format(abs, dir);
    *size = st.st_size;
    if (!dir && s_ends(abs, ".gz"))
        return dsk_seterr(err, DSK_EINVAL, "%s: gzip'd, so the workers cannot read it in blocks: "
                          "gunzip it, or drop --input-on-workers", path);
    if (!*format || (dir && s_has_subfolder(abs)))
        return dsk_seterr(err, DSK_EINVAL, "--input-on-workers reads a .npy (a 2-D array), an "
                          ".npz (a CSR matrix, saved uncompressed), a .csv, a .txt (one document "
                          "a line), an svmlight file or a folder of text files; got %s%s", path,
                          dir ? " (a folder of class folders: drop --input-on-workers)" : "");
    int text = !dir && strcmp(*format, "npy") != 0 && strcmp(*format, "npz") != 0;
    if (text && s_is_gzip(abs))
        return dsk_seterr(err, DSK_EINVAL, "%s: gzip'd, so the workers cannot read it in blocks: "
                          "gunzip it, or drop --input-on-workers", path);
    if (text && st.st_size == 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: an empty file", path);
    return DSK_OK;
}
