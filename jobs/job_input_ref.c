/* job_input_ref.c — chunks that name rows on shared storage, and reading them on a worker. */
#include "job_input_ref.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_mpcheck.h"
#include "ml_load.h"
#include "ml_load_files.h"
#include "ml_load_numeric.h"
#include "ml_load_util.h"
#include "ml_npy.h"
#include "ml_npz_rows.h"
#include "ml_pack.h"

#define S_PATH_MAX 4096
#define S_MAX_FILES (1 << 20)   /* names one chunk of a folder may carry */
#define S_PIECE (1 << 16)       /* bytes read at a time past a block's end, for its last line */

/* {"dsk_ref": format, "path": path, a_key: a, b_key: b}: a range of a file. */
static void s_range_pack(const char *path, const char *format, const char *a_key, int64_t a,
                         const char *b_key, int64_t b, msgpack_sbuffer *sb)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    ml_pack_key(&pk, "dsk_ref");
    ml_pack_key(&pk, format);
    ml_pack_key(&pk, "path");
    ml_pack_key(&pk, path);
    ml_pack_key(&pk, a_key);
    msgpack_pack_int64(&pk, a);
    ml_pack_key(&pk, b_key);
    msgpack_pack_int64(&pk, b);
}

void job_ref_rows_pack(const char *path, const char *format, int64_t row0, int64_t rows,
                       msgpack_sbuffer *sb)
{
    s_range_pack(path, format, "row0", row0, "rows", rows, sb);
}

void job_ref_block_pack(const char *path, const char *format, int64_t offset, int64_t length,
                        msgpack_sbuffer *sb)
{
    s_range_pack(path, format, "offset", offset, "length", length, sb);
}

void job_ref_files_pack(char *const *paths, int64_t n, msgpack_sbuffer *sb)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    ml_pack_key(&pk, "dsk_ref");
    ml_pack_key(&pk, "files");
    ml_pack_key(&pk, "paths");
    msgpack_pack_array(&pk, (size_t)n);
    for (int64_t i = 0; i < n; i++)
        ml_pack_key(&pk, paths[i]);
}

/* A msgpack string as a C path; 0, or -1 when it is not one. */
static int s_path(const msgpack_object *o, char *out)
{
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 ||
        o->via.str.size >= S_PATH_MAX || memchr(o->via.str.ptr, 0, o->via.str.size))
        return -1;
    memcpy(out, o->via.str.ptr, o->via.str.size);
    out[o->via.str.size] = 0;
    return 0;
}

/* Rows [row0, row0 + rows) of a 2-D .npy. */
static int s_read_npy(const char *path, int64_t row0, int64_t rows, ml_dataset_t **out, char *err)
{
    ml_npy_file_t *f = NULL;
    int rc = ml_npy_file_open(path, &f, err);
    const ml_npy_t *h = rc ? NULL : ml_npy_file_header(f);
    if (rc == 0 && h->ndim != 2)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: expected a 2-D array", path);
    if (rc == 0 && row0 + rows > h->shape[0])
        rc = dsk_seterr(err, DSK_EINVAL, "%s: rows %lld to %lld asked, it has %lld (did the "
                        "file change?)", path, (long long)row0, (long long)(row0 + rows),
                        (long long)h->shape[0]);
    ml_dense_t *m = NULL;
    if (rc == 0) {
        m = ml_dense_new(rows, h->shape[1]);
        rc = ml_npy_file_rows(f, row0, rows, m->data, err);
    }
    ml_npy_file_close(&f);
    if (rc) {
        ml_dense_destroy(&m);
        return rc;
    }
    ml_data_t *X = ml_data_from_dense(&m);
    *out = ml_dataset_new(&X);
    return DSK_OK;
}

static int s_errno(const char *path, char *err)
{
    int e = errno ? errno : EIO;
    return dsk_seterr(err, e == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", path, strerror(e));
}

/* Index of the first '\n' in buf[from, len), or -1. */
static int64_t s_newline(const char *buf, int64_t from, int64_t len)
{
    const char *p = from < len ? memchr(buf + from, '\n', (size_t)(len - from)) : NULL;
    return p ? p - buf : -1;
}

/*
 * The whole lines of fd that start in [offset, offset + length): from
 * just past the first '\n' at or after offset - 1 (or 0) to just past the
 * first '\n' at or after offset + length - 1 (or the end of the file).
 * The adjacent block's start is this one's end, so every line is read once.
 */
static int s_read_block(int fd, const char *path, int64_t offset, int64_t length, char **buf_p,
                        size_t *len_p, char *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return s_errno(path, err);
    int64_t size = st.st_size, from = offset > 0 ? offset - 1 : 0;
    if (from >= size) { /* past the end: no line starts here */
        *buf_p = dsk_xcalloc(1, 1);
        *len_p = 0;
        return DSK_OK;
    }
    int64_t want = offset + length < size ? offset + length : size;
    int64_t cap = want - from + S_PIECE, n = 0;
    char *buf = dsk_xmalloc((size_t)cap + 1);
    int64_t end = -1; /* the block's end, relative to from, once found */
    while (end < 0) {
        if (from + n >= size) {
            end = n;
            break;
        }
        int64_t piece = from + n < want ? want - (from + n) : S_PIECE;
        if (n + piece > cap)
            buf = dsk_xrealloc(buf, (size_t)(cap = 2 * (n + piece)) + 1, 1);
        ssize_t got = pread(fd, buf + n, (size_t)piece, (off_t)(from + n));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            free(buf);
            return got < 0 ? s_errno(path, err)
                           : dsk_seterr(err, DSK_EIO, "%s: shorter than %lld bytes (did the file "
                                        "change?)", path, (long long)size);
        }
        int64_t last = offset + length - 1 - from; /* the first '\n' at or after this ends it */
        int64_t nl = s_newline(buf, last > n ? last : n, n + got);
        n += got;
        if (from + n >= want && nl >= 0)
            end = nl + 1;
    }
    int64_t start = 0;
    if (offset > 0) {
        int64_t nl = s_newline(buf, 0, end);
        start = nl < 0 ? end : nl + 1; /* no line starts in the block: it is empty */
    }
    memmove(buf, buf + start, (size_t)(end - start));
    buf[end - start] = 0;
    *buf_p = buf;
    *len_p = (size_t)(end - start);
    return DSK_OK;
}

/*
 * An svmlight file's first index (0 or 1) and columns, from one pass over
 * the whole file, remembered per file (its identity, size and mtime), so
 * each worker scans a file once however many blocks it reads.
 */
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    int64_t shift, ncols;
} s_scan_t;

#define S_SCANS 16
static pthread_mutex_t s_scan_lock = PTHREAD_MUTEX_INITIALIZER;
static s_scan_t s_scans[S_SCANS];
static int s_nscans, s_scan_next;

static int s_scan_file(int fd, const char *path, const struct stat *st, s_scan_t *out, char *err)
{
    int64_t rows = 0, lo = INT64_MAX, hi = -1, line = 1, block = 1 << 22;
    int rc = DSK_OK;
    for (int64_t off = 0; rc == 0 && off < st->st_size; off += block) {
        char *buf = NULL;
        size_t len = 0;
        rc = s_read_block(fd, path, off, block, &buf, &len, err);
        if (rc == 0)
            rc = ml_svmlight_scan(path, line, buf, len, &rows, &lo, &hi, NULL, err);
        for (size_t i = 0; rc == 0 && i < len; i++)
            line += buf[i] == '\n';
        free(buf);
    }
    out->shift = hi < 0 || lo == 0 ? 0 : 1; /* zero-based when some index is 0 (scikit-learn) */
    out->ncols = hi < 0 ? 0 : hi + 1 - out->shift;
    return rc;
}

static int s_svm_shape(int fd, const char *path, int64_t *shift, int64_t *ncols, char *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return s_errno(path, err);
    pthread_mutex_lock(&s_scan_lock);
    int rc = DSK_OK, found = 0;
    for (int i = 0; i < s_nscans && !found; i++) {
        const s_scan_t *s = &s_scans[i];
        if (s->dev == st.st_dev && s->ino == st.st_ino && s->size == st.st_size &&
            s->mtime.tv_sec == st.st_mtim.tv_sec && s->mtime.tv_nsec == st.st_mtim.tv_nsec) {
            *shift = s->shift;
            *ncols = s->ncols;
            found = 1;
        }
    }
    if (!found) {
        s_scan_t s = {.dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
                      .mtime = st.st_mtim};
        rc = s_scan_file(fd, path, &st, &s, err);
        if (rc == 0) {
            s_scans[s_scan_next] = s;
            s_scan_next = (s_scan_next + 1) % S_SCANS;
            s_nscans += s_nscans < S_SCANS;
            *shift = s.shift;
            *ncols = s.ncols;
        }
    }
    pthread_mutex_unlock(&s_scan_lock);
    return rc;
}

/* Rows [row0, row0 + rows) of a CSR .npz stored uncompressed. */
static int s_read_npz(const char *path, int64_t row0, int64_t rows, ml_dataset_t **out,
                      char *err)
{
    ml_npz_rows_t *r = NULL;
    ml_csr_t *m = NULL;
    int rc = ml_npz_rows_open(path, 1, &r, err);
    if (rc == 0)
        rc = ml_npz_rows_read(r, row0, rows, &m, err);
    ml_npz_rows_close(&r);
    if (rc)
        return rc;
    ml_data_t *X = ml_data_from_csr(&m);
    *out = ml_dataset_new(&X);
    return DSK_OK;
}

/* A block of a text file, decoded as its format decodes it. */
static int s_read_text(const char *path, const char *format, int64_t offset, int64_t length,
                       ml_dataset_t **out, char *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return s_errno(path, err);
    unsigned char magic[2] = {0, 0};
    int rc = DSK_OK;
    if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        rc = dsk_seterr(err, DSK_EINVAL, "%s: gzip'd, so it cannot be read in blocks", path);
    int64_t shift = 0, ncols = -1;
    if (rc == 0 && strcmp(format, "svmlight") == 0)
        rc = s_svm_shape(fd, path, &shift, &ncols, err);
    char *buf = NULL;
    size_t len = 0;
    if (rc == 0)
        rc = s_read_block(fd, path, offset, length, &buf, &len, err);
    close(fd);
    char what[S_PATH_MAX + 64];
    snprintf(what, sizeof what, "%s (the block at byte %lld)", path, (long long)offset);
    if (rc == 0 && strcmp(format, "csv") == 0)
        rc = ml_csv_decode(what, 1, buf, len, offset == 0 ? ML_CSV_HEADER_AUTO : 0,
                           ML_CSV_NO_LABEL, &ncols, out, NULL, err);
    else if (rc == 0 && strcmp(format, "svmlight") == 0)
        rc = ml_svmlight_decode(what, 1, buf, len, shift, ncols, out, NULL, err);
    else if (rc == 0)
        rc = ml_text_lines_decode(NULL, what, 1, buf, len, out, err);
    free(buf);
    return rc;
}

static int s_read_files(const msgpack_object *list, ml_dataset_t **out, char *err)
{
    if (!list || list->type != MSGPACK_OBJECT_ARRAY || list->via.array.size == 0 ||
        list->via.array.size > S_MAX_FILES)
        return dsk_seterr(err, DSK_EPROTO, "the chunk: a bad files reference");
    int64_t n = list->via.array.size;
    char **paths = dsk_xcalloc((size_t)n, sizeof *paths);
    int rc = DSK_OK;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        char p[S_PATH_MAX];
        if (s_path(&list->via.array.ptr[i], p))
            rc = dsk_seterr(err, DSK_EPROTO, "the chunk: a bad files reference");
        else
            paths[i] = dsk_xstrdup(p);
    }
    if (rc == 0)
        rc = ml_text_files_decode(paths, n, out, err);
    for (int64_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}

int job_ref_read(const void *chunk, size_t len, ml_dataset_t **out, int *rc_out, char *err)
{
    msgpack_unpacked u;
    char sub[DSK_ERR_LEN];
    *out = NULL;
    if (dsk_mp_unpack(chunk, len, 4, 64 + 2 * S_MAX_FILES, &u, sub) != 0)
        return 0;
    const msgpack_object *kind = ml_unpack_get(&u.data, "dsk_ref");
    if (!kind) {
        msgpack_unpacked_destroy(&u);
        return 0;
    }
    char format[16] = "", path[S_PATH_MAX] = "";
    int64_t a = 0, b = 0;
    int rc = DSK_OK;
    if (kind->type != MSGPACK_OBJECT_STR || kind->via.str.size >= sizeof format)
        rc = dsk_seterr(err, DSK_EPROTO, "the chunk: a bad input reference");
    else
        memcpy(format, kind->via.str.ptr, kind->via.str.size);
    int npy = strcmp(format, "npy") == 0 || strcmp(format, "npz") == 0;
    int files = strcmp(format, "files") == 0;
    int text = strcmp(format, "csv") == 0 || strcmp(format, "svmlight") == 0 ||
               strcmp(format, "text-lines") == 0;
    if (rc == 0 && !npy && !files && !text)
        rc = dsk_seterr(err, DSK_EPROTO, "the chunk: an input reference of unknown kind '%s'",
                        format);
    if (rc == 0 && (npy || text) &&
        (s_path(ml_unpack_get(&u.data, "path"), path) ||
         ml_unpack_int(ml_unpack_get(&u.data, npy ? "row0" : "offset"), 0, INT64_MAX / 2, &a) ||
         ml_unpack_int(ml_unpack_get(&u.data, npy ? "rows" : "length"), 1, INT32_MAX, &b)))
        rc = dsk_seterr(err, DSK_EPROTO, "the chunk: a bad %s reference", format);
    if (rc == 0) {
        rc = npy && format[2] == 'z' ? s_read_npz(path, a, b, out, sub)
             : npy                   ? s_read_npy(path, a, b, out, sub)
             : files ? s_read_files(ml_unpack_get(&u.data, "paths"), out, sub)
                     : s_read_text(path, format, a, b, out, sub);
        if (rc)
            dsk_seterr(err, rc, "this worker cannot read the input: %s", sub);
    }
    msgpack_unpacked_destroy(&u);
    *rc_out = rc;
    return 1;
}
