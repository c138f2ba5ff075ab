/* ml_load_files.c — load_files, one-document-per-line and label<TAB>document text. */
#include "ml_load_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ml_load_util.h"
#include "ml_np_rng.h"

typedef struct {
    int latin1;       /* else UTF-8 */
    int decode_error; /* 0 strict, 1 replace, 2 ignore */
} s_enc_t;

static int s_enc_opts(const json_t *spec, s_enc_t *e, char *err)
{
    static const char *const encs[] = {"utf-8", "latin-1", "latin1", "utf8", NULL};
    static const char *const errs[] = {"strict", "replace", "ignore", NULL};
    int k;
    int rc = ml_spec_enum(spec, "encoding", encs, 0, &k, err);
    if (rc == 0)
        rc = ml_spec_enum(spec, "decode_error", errs, 0, &e->decode_error, err);
    e->latin1 = k == 1 || k == 2;
    return rc;
}

/*
 * Decodes n bytes of what (a file name) into a NUL-terminated UTF-8 buffer.
 * line > 0 adds the line to the error; base is the byte offset of s in the
 * file, so a strict error points into the file itself.
 */
static int s_decode(const s_enc_t *e, const char *s, size_t n, const char *what, int64_t line,
                    size_t base, char **out, size_t *out_len, char *err)
{
    if (e->latin1) {
        *out = ml_latin1_to_utf8(s, n, out_len);
        return DSK_OK;
    }
    int64_t bad = ml_utf8_invalid_at(s, n);
    if (bad < 0) {
        *out = dsk_xstrndup(s, n);
        *out_len = n;
        return DSK_OK;
    }
    if (e->decode_error != 0) {
        *out = ml_utf8_fix(s, n, e->decode_error == 1, out_len);
        return DSK_OK;
    }
    char ln[48] = "";
    if (line > 0)
        snprintf(ln, sizeof ln, ":%lld", (long long)line);
    return dsk_seterr(err, DSK_EINVAL, "%s%s: invalid UTF-8 at byte %llu (0x%02x); set "
                      "data.encoding to 'latin-1' or data.decode_error to 'replace'", what, ln,
                      (unsigned long long)(base + (size_t)bad), (unsigned char)s[bad]);
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted(os.listdir(dir)): every entry but "." and "..", in code-point order. */
static int s_listdir(const char *dir, char ***out, size_t *n, char *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", dir,
                          strerror(errno));
    char **names = NULL;
    size_t k = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        names = dsk_xrealloc(names, (k + 1) * sizeof *names, 1);
        names[k++] = dsk_xstrdup(de->d_name);
    }
    closedir(d);
    if (k)
        qsort(names, k, sizeof *names, s_cmp_str);
    *out = names;
    *n = k;
    return DSK_OK;
}

static void s_free_strings(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

/* os.path.splitext(name)[1]: from the last dot, unless only dots precede it. */
static const char *s_ext(const char *name)
{
    const char *dot = strrchr(name, '.'), *p = name;
    while (*p == '.')
        p++;
    return dot && dot >= p ? dot : name + strlen(name);
}

static int s_in(const char *s, const char **set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

/* The (file, label) list load_files builds before shuffling. */
typedef struct {
    char **paths;
    int32_t *labels;
    size_t n;
    char **classes;
    int32_t n_classes;
} s_found_t;

static int s_find(const char *root, const char **cats, size_t ncats, int cats_given,
                  const char **exts, size_t nexts, int exts_given, s_found_t *f, char *err)
{
    char **top;
    size_t ntop;
    int rc = s_listdir(root, &top, &ntop, err);
    if (rc)
        return rc;
    f->classes = dsk_xcalloc(ntop, sizeof *f->classes);
    for (size_t i = 0; i < ntop && rc == 0; i++) {
        char dir[8192];
        struct stat st;
        snprintf(dir, sizeof dir, "%.4000s/%.4000s", root, top[i]);
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
            (cats_given && !s_in(top[i], cats, ncats)))
            continue;
        int32_t label = f->n_classes++;
        f->classes[label] = dsk_xstrdup(top[i]);
        char **files;
        size_t nf;
        if ((rc = s_listdir(dir, &files, &nf, err)) != 0)
            break;
        for (size_t j = 0; j < nf; j++) {
            if (exts_given && !s_in(s_ext(files[j]), exts, nexts))
                continue;
            size_t len = strlen(dir) + strlen(files[j]) + 2;
            f->paths = dsk_xrealloc(f->paths, (f->n + 1) * sizeof *f->paths, 1);
            f->labels = dsk_xrealloc(f->labels, (f->n + 1) * sizeof *f->labels, 1);
            f->paths[f->n] = dsk_xmalloc(len);
            snprintf(f->paths[f->n], len, "%s/%s", dir, files[j]);
            f->labels[f->n++] = label;
        }
        s_free_strings(files, nf);
    }
    s_free_strings(top, ntop);
    return rc;
}

/* Shuffles, reads and decodes the found files into a dataset (takes f's arrays). */
static int s_files_dataset(s_found_t *f, int shuffle, int64_t seed, const s_enc_t *enc,
                           ml_dataset_t **out, char *err)
{
    int64_t n = (int64_t)f->n;
    int64_t *idx = dsk_xcalloc((size_t)n, sizeof *idx);
    for (int64_t i = 0; i < n; i++)
        idx[i] = i;
    if (shuffle) {
        ml_np_rng_t rng;
        ml_np_rng_seed(&rng, (uint32_t)seed);
        ml_np_rng_shuffle(&rng, idx, n);
    }
    ml_data_t *X = ml_data_new_text(n);
    ml_dataset_t *ds = ml_dataset_new(&X);
    ds->y = dsk_xcalloc((size_t)n, sizeof *ds->y);
    ds->filenames = dsk_xcalloc((size_t)n, sizeof *ds->filenames);
    ds->target_names = f->classes;
    ds->n_classes = f->n_classes;
    f->classes = NULL;
    int rc = DSK_OK;
    for (int64_t i = 0; i < n; i++) {
        ds->filenames[i] = f->paths[idx[i]];
        f->paths[idx[i]] = NULL;
        ds->y[i] = f->labels[idx[i]];
    }
    for (int64_t i = 0; i < n && rc == 0; i++) {
        char *raw = NULL;
        size_t len = 0;
        if ((rc = ml_read_raw(ds->filenames[i], &raw, &len, err)) != 0)
            break;
        rc = s_decode(enc, raw, len, ds->filenames[i], 0, 0, &ds->X->text.docs[i],
                      &ds->X->text.lens[i], err);
        free(raw);
    }
    free(idx);
    if (rc)
        ml_dataset_destroy(&ds);
    *out = ds;
    return rc;
}

int ml_load_files(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "categories", "shuffle", "random_state",
                                        "encoding", "decode_error", "allowed_extensions", NULL};
    char root[4096];
    const char **cats = NULL, **exts = NULL;
    size_t ncats = 0, nexts = 0;
    int shuffle;
    int64_t seed;
    s_enc_t enc;
    s_found_t f = {0};
    *out = NULL;
    int rc = ml_spec_check_keys(spec, "files", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, root, sizeof root, err);
    if (rc == 0)
        rc = ml_spec_bool(spec, "shuffle", 1, &shuffle, err);
    if (rc == 0)
        rc = ml_spec_int(spec, "random_state", 0, 0, 0, 4294967295LL, &seed, err);
    if (rc == 0)
        rc = s_enc_opts(spec, &enc, err);
    if (rc == 0)
        rc = ml_spec_strings(spec, "categories", 1, &cats, &ncats, err);
    if (rc == 0)
        rc = ml_spec_strings(spec, "allowed_extensions", 1, &exts, &nexts, err);
    json_t *c = json_object_get(spec, "categories"), *e = json_object_get(spec, "allowed_extensions");
    if (rc == 0)
        rc = s_find(root, cats, ncats, c && !json_is_null(c), exts, nexts,
                    e && !json_is_null(e), &f, err);
    if (rc == 0)
        rc = s_files_dataset(&f, shuffle, seed, &enc, out, err);
    s_free_strings(f.paths, f.n);
    free(f.labels);
    s_free_strings(f.classes, (size_t)f.n_classes);
    free(cats);
    free(exts);
    return rc;
}

int ml_text_folder_list(const char *root, char ***paths, int64_t *n, char *err)
{
    char **names = NULL;
    size_t m = 0;
    *paths = NULL;
    *n = 0;
    int rc = s_listdir(root, &names, &m, err);
    if (rc)
        return rc;
    char **out = dsk_xcalloc(m + 1, sizeof *out);
    int64_t k = 0;
    for (size_t i = 0; i < m; i++) {
        struct stat st;
        char *p = dsk_xmalloc(strlen(root) + strlen(names[i]) + 2);
        sprintf(p, "%s/%s", root, names[i]);
        if (names[i][0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
            out[k++] = p;
        else
            free(p);
    }
    s_free_strings(names, m);
    if (k == 0) {
        free(out);
        return dsk_seterr(err, DSK_EINVAL, "%s: no files in the folder (one document a file)",
                          root);
    }
    *paths = out;
    *n = k;
    return DSK_OK;
}

/* Reads and decodes each of paths[0..n) (enc's way) into a dataset of documents. */
static int s_files_docs(char *const *paths, int64_t n, const s_enc_t *enc, ml_dataset_t **out,
                        char *err)
{
    ml_data_t *X = ml_data_new_text(n);
    ml_dataset_t *ds = ml_dataset_new(&X);
    ds->filenames = dsk_xcalloc((size_t)n + 1, sizeof *ds->filenames);
    for (int64_t i = 0; i < n; i++)
        ds->filenames[i] = dsk_xstrdup(paths[i]);
    int rc = DSK_OK;
    for (int64_t i = 0; rc == 0 && i < n; i++) {
        char *raw = NULL;
        size_t len = 0;
        if ((rc = ml_read_raw(paths[i], &raw, &len, err)) != 0)
            break;
        rc = s_decode(enc, raw, len, paths[i], 0, 0, &ds->X->text.docs[i], &ds->X->text.lens[i],
                      err);
        free(raw);
    }
    if (rc)
        ml_dataset_destroy(&ds);
    *out = ds;
    return rc;
}

int ml_text_files_decode(char *const *paths, int64_t n, ml_dataset_t **out, char *err)
{
    s_enc_t enc = {0};
    return s_files_docs(paths, n, &enc, out, err);
}

/*
 * "text-folder": a folder of documents, one a file, in name order; no
 * labels (a predict input). Sub-folders and hidden files are passed over.
 */
int ml_load_text_folder(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "encoding", "decode_error", NULL};
    char root[4096];
    s_enc_t enc;
    char **paths = NULL;
    int64_t n = 0;
    *out = NULL;
    int rc = ml_spec_check_keys(spec, "text-folder", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, root, sizeof root, err);
    if (rc == 0)
        rc = s_enc_opts(spec, &enc, err);
    if (rc == 0)
        rc = ml_text_folder_list(root, &paths, &n, err);
    if (rc == 0)
        rc = s_files_docs(paths, n, &enc, out, err);
    s_free_strings(paths, (size_t)n);
    return rc;
}

/* Lines of a file: "\n"-separated, "\r" before it dropped, no line after the last "\n". */
typedef struct {
    const char *buf;
    size_t len, pos;
    int64_t lineno;
} s_lines_t;

static int s_next_line(s_lines_t *l, const char **line, size_t *len, size_t *off)
{
    if (l->pos >= l->len)
        return 0;
    const char *s = l->buf + l->pos, *nl = memchr(s, '\n', l->len - l->pos);
    size_t n = nl ? (size_t)(nl - s) : l->len - l->pos;
    *off = l->pos;
    l->pos += n + 1;
    l->lineno++;
    if (n && s[n - 1] == '\r')
        n--;
    *line = s;
    *len = n;
    return 1;
}

/* Every line of path, decoded; *lines and each line are the caller's. */
static int s_read_lines(const char *path, const s_enc_t *enc, char ***lines, size_t **lens,
                        int64_t *n, char *err)
{
    char *buf;
    size_t len, cap = 0;
    int rc = ml_read_file(path, &buf, &len, err);
    if (rc)
        return rc;
    s_lines_t it = {buf, len, 0, 0};
    const char *line;
    size_t ll, off;
    *lines = NULL;
    *lens = NULL;
    *n = 0;
    while (rc == 0 && s_next_line(&it, &line, &ll, &off)) {
        if ((size_t)*n == cap) {
            cap = cap ? cap * 2 : 1024;
            *lines = dsk_xrealloc(*lines, cap * sizeof **lines, 1);
            *lens = dsk_xrealloc(*lens, cap * sizeof **lens, 1);
        }
        rc = s_decode(enc, line, ll, path, it.lineno, off, &(*lines)[*n], &(*lens)[*n], err);
        if (rc == 0)
            (*n)++;
    }
    free(buf);
    if (rc) {
        s_free_strings(*lines, (size_t)*n);
        free(*lens);
        *lines = NULL;
        *lens = NULL;
    }
    return rc;
}

/* Documents and their label texts into a dataset (takes docs, not labels). */
static int s_text_dataset(char **docs, size_t *lens, char **labels, int64_t n,
                          const char *what, ml_dataset_t **out, char *err)
{
    ml_data_t *X = ml_data_new_text(n);
    free(X->text.docs);
    free(X->text.lens);
    X->text.docs = docs ? docs : dsk_xcalloc(1, sizeof *docs);
    X->text.lens = lens ? lens : dsk_xcalloc(1, sizeof *lens);
    ml_dataset_t *ds = ml_dataset_new(&X);
    int rc = labels ? ml_labels_encode(ds, (const char *const *)labels, n, what, err) : DSK_OK;
    if (rc)
        ml_dataset_destroy(&ds);
    *out = ds;
    return rc;
}

int ml_load_text_lines(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "labels_path", "encoding", "decode_error",
                                        NULL};
    char path[4096], lpath[4096];
    s_enc_t enc;
    char **docs = NULL, **labels = NULL;
    size_t *lens = NULL, *llens = NULL;
    int64_t n = 0, nl = 0;
    *out = NULL;
    int rc = ml_spec_check_keys(spec, "text-lines", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, path, sizeof path, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "labels_path", 0, lpath, sizeof lpath, err);
    if (rc == 0)
        rc = s_enc_opts(spec, &enc, err);
    if (rc == 0)
        rc = s_read_lines(path, &enc, &docs, &lens, &n, err);
    if (rc == 0 && lpath[0])
        rc = s_read_lines(lpath, &enc, &labels, &llens, &nl, err);
    if (rc == 0 && lpath[0] && n != nl)
        rc = dsk_seterr(err, DSK_EINVAL, "%s has %lld lines but %s has %lld labels", path,
                        (long long)n, lpath, (long long)nl);
    if (rc == 0) {
        rc = s_text_dataset(docs, lens, labels, n, lpath, out, err);
        docs = NULL;
        lens = NULL;
    }
    s_free_strings(docs, (size_t)n);
    free(lens);
    s_free_strings(labels, (size_t)nl);
    free(llens);
    return rc;
}

int ml_text_lines_decode(const json_t *spec, const char *what, int64_t first_line,
                         const char *buf, size_t len, ml_dataset_t **out, char *err)
{
    s_enc_t enc = {0};
    int rc = spec ? s_enc_opts(spec, &enc, err) : DSK_OK;
    s_lines_t it = {buf, len, 0, first_line - 1};
    const char *line;
    size_t ll, off, cap = 0;
    char **docs = NULL;
    size_t *lens = NULL;
    int64_t n = 0;
    *out = NULL;
    while (rc == 0 && s_next_line(&it, &line, &ll, &off)) {
        if ((size_t)n == cap) {
            cap = cap ? cap * 2 : 1024;
            docs = dsk_xrealloc(docs, cap, sizeof *docs);
            lens = dsk_xrealloc(lens, cap, sizeof *lens);
        }
        rc = s_decode(&enc, line, ll, what, it.lineno, off, &docs[n], &lens[n], err);
        if (rc == 0)
            n++;
    }
    if (rc) {
        s_free_strings(docs, (size_t)n);
        free(lens);
        return rc;
    }
    return s_text_dataset(docs, lens, NULL, n, what, out, err);
}

/* "label<TAB>document" lines: split each decoded line at its first tab. */
static int s_split_tsv(const char *path, char **lines, size_t *lens, int64_t n, char **docs,
                       size_t *dlens, char **labels, int64_t *m, char *err)
{
    *m = 0;
    for (int64_t i = 0; i < n; i++) {
        if (lens[i] == 0)
            continue;
        const char *tab = memchr(lines[i], '\t', lens[i]);
        if (!tab)
            return dsk_seterr(err, DSK_EINVAL, "%s:%lld: expected 'label<TAB>document', found "
                              "no tab", path, (long long)i + 1);
        size_t ll = (size_t)(tab - lines[i]);
        labels[*m] = dsk_xstrndup(lines[i], ll);
        docs[*m] = dsk_xstrndup(tab + 1, lens[i] - ll - 1);
        dlens[*m] = lens[i] - ll - 1;
        (*m)++;
    }
    return DSK_OK;
}

int ml_load_tsv(const json_t *spec, ml_dataset_t **out, char *err)
{
    static const char *const known[] = {"path", "encoding", "decode_error", NULL};
    char path[4096];
    s_enc_t enc;
    char **lines = NULL;
    size_t *lens = NULL;
    int64_t n = 0, m = 0;
    *out = NULL;
    int rc = ml_spec_check_keys(spec, "tsv", known, err);
    if (rc == 0)
        rc = ml_spec_path(spec, "path", 1, path, sizeof path, err);
    if (rc == 0)
        rc = s_enc_opts(spec, &enc, err);
    if (rc == 0)
        rc = s_read_lines(path, &enc, &lines, &lens, &n, err);
    if (rc)
        return rc;
    char **docs = dsk_xcalloc((size_t)n, sizeof *docs), **labels = dsk_xcalloc((size_t)n, sizeof *labels);
    size_t *dlens = dsk_xcalloc((size_t)n, sizeof *dlens);
    rc = s_split_tsv(path, lines, lens, n, docs, dlens, labels, &m, err);
    if (rc == 0 && m == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: no documents", path);
    if (rc == 0) {
        rc = s_text_dataset(docs, dlens, labels, m, path, out, err);
        docs = NULL;
        dlens = NULL;
    }
    s_free_strings(docs, (size_t)m);
    free(dlens);
    s_free_strings(labels, (size_t)m);
    s_free_strings(lines, (size_t)n);
    free(lens);
    return rc;
}
