/* sch_journal.c — the job journal: checksummed records appended, replayed, compacted. */
#include "sch_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xxhash.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "dsk_log.h"
#include "job_data.h"

#define S_MAGIC 0x4a4b5344u     /* "DSKJ" little-endian */
#define S_HEADER 24             /* magic, type, length, checksum */
#define S_MAX_RECORD ((uint64_t)1 << 40)

enum { S_DATA = 1, S_JOB = 2, S_END = 3, S_DROP = 4 };

typedef struct {
    char key[JOB_KEY_LEN + 1];
    const unsigned char *bytes; /* in the replay's map */
    size_t len;
} s_data_t;

struct sch_journal {
    char dir[512], path[600];
    int fd;
    uint64_t size;
    int dirty;
    uint64_t last_id;
    struct s_key {              /* datasets in the current file, and where their bytes are */
        char key[JOB_KEY_LEN + 1];
        uint64_t at, len;
    } *keys;
    size_t nkeys;
    int rfd;                    /* the file read-only, for maps of datasets */
};

/* ------------------------------------------------------------ records */

static void s_header(unsigned char *h, uint32_t type, const void *payload, uint64_t len)
{
    uint32_t magic = S_MAGIC;
    memcpy(h, &magic, 4);
    memcpy(h + 4, &type, 4);
    memcpy(h + 8, &len, 8);
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, h + 4, 12);
    XXH3_64bits_update(st, payload, (size_t)len);
    uint64_t sum = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    memcpy(h + 16, &sum, 8);
}

/* Writes all of header and payload at fd's end (the file is O_APPEND). */
static int s_write(int fd, const unsigned char *h, const void *payload, size_t len)
{
    struct iovec iov[2] = {{(void *)h, S_HEADER}, {(void *)payload, len}};
    size_t total = S_HEADER + len, done = 0;
    while (done < total) {
        ssize_t n = writev(fd, iov, 2);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
        for (int i = 0; i < 2; i++) { /* move past what went */
            size_t k = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
            iov[i].iov_base = (char *)iov[i].iov_base + k;
            iov[i].iov_len -= k;
            n -= (ssize_t)k;
        }
    }
    return 0;
}

static int s_append(sch_journal_t *jr, uint32_t type, const msgpack_sbuffer *sb, char *err)
{
    unsigned char h[S_HEADER];
    s_header(h, type, sb->data, sb->size);
    if (s_write(jr->fd, h, sb->data, sb->size) < 0) {
        int e = errno;
        /* a partial record would be a torn tail at the next start: cut it now */
        if (ftruncate(jr->fd, (off_t)jr->size) < 0)
            dsk_warn("journal %s: cannot cut a failed append: %s", jr->path, strerror(errno));
        return dsk_seterr(err, DSK_EIO, "journal %s: %s", jr->path, strerror(e));
    }
    jr->size += S_HEADER + sb->size;
    jr->dirty = 1;
    return DSK_OK;
}

static void s_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void s_pack_bin(msgpack_packer *pk, const void *p, size_t n)
{
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, p, n);
}

/* A record's payload being packed: one msgpack array of nfields. */
typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} s_payload_t;

static msgpack_packer *s_begin(s_payload_t *p, uint32_t nfields)
{
    msgpack_sbuffer_init(&p->sb);
    msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
    msgpack_pack_array(&p->pk, nfields);
    return &p->pk;
}

/* Appends the payload as a record of type, and lets it go. */
static int s_end(sch_journal_t *jr, uint32_t type, s_payload_t *p, char *err)
{
    int rc = s_append(jr, type, &p->sb, err);
    msgpack_sbuffer_destroy(&p->sb);
    return rc;
}

static const struct s_key *s_key_of(const sch_journal_t *jr, const char *key)
{
    for (size_t i = 0; i < jr->nkeys; i++)
        if (strcmp(jr->keys[i].key, key) == 0)
            return &jr->keys[i];
    return NULL;
}

static int s_append_data(sch_journal_t *jr, const char *key, const void *bytes, size_t len,
                         char *err)
{
    if (s_key_of(jr, key))
        return DSK_OK;
    s_payload_t p;
    msgpack_packer *pk = s_begin(&p, 2);
    s_pack_str(pk, key);
    msgpack_pack_bin(pk, len);
    uint64_t at = jr->size + S_HEADER + p.sb.size; /* where the bytes land in the file */
    msgpack_pack_bin_body(pk, bytes, len);
    int rc = s_end(jr, S_DATA, &p, err);
    if (rc == DSK_OK) {
        jr->keys = dsk_xrealloc(jr->keys, jr->nkeys + 1, sizeof *jr->keys);
        struct s_key *k = &jr->keys[jr->nkeys++];
        snprintf(k->key, sizeof k->key, "%s", key);
        k->at = at;
        k->len = len;
    }
    return rc;
}

int sch_journal_data(sch_journal_t *jr, const void *bytes, size_t len, char *key, char *err)
{
    job_content_key(bytes, len, key);
    return s_append_data(jr, key, bytes, len, err);
}

static int s_append_job(sch_journal_t *jr, uint64_t id, uint64_t token, const char *owner,
                        uint32_t kind, const char *name, const void *job, size_t job_len,
                        const char *key, char *err)
{
    s_payload_t p;
    msgpack_packer *pk = s_begin(&p, 7);
    msgpack_pack_uint64(pk, id);
    msgpack_pack_uint64(pk, token);
    s_pack_str(pk, owner);
    msgpack_pack_uint32(pk, kind);
    s_pack_str(pk, name);
    s_pack_bin(pk, job, job_len);
    s_pack_str(pk, key);
    int rc = s_end(jr, S_JOB, &p, err);
    if (rc == DSK_OK && id > jr->last_id)
        jr->last_id = id;
    return rc;
}

int sch_journal_job(sch_journal_t *jr, uint64_t id, uint64_t token, const char *owner,
                    const dsk_msg_submit_t *sub, const char *key, char *err)
{
    return s_append_job(jr, id, token, owner, sub->kind, sub->name, sub->job.data, sub->job.len,
                        key, err);
}

int sch_journal_end(sch_journal_t *jr, uint64_t id, uint32_t state, const char *text,
                    const char *result, size_t result_len, const void *model, size_t model_len,
                    uint64_t fits_done, uint64_t fits_total, char *err)
{
    s_payload_t p;
    msgpack_packer *pk = s_begin(&p, 7);
    msgpack_pack_uint64(pk, id);
    msgpack_pack_uint32(pk, state);
    s_pack_str(pk, text);
    s_pack_bin(pk, result, result_len);
    s_pack_bin(pk, model, model_len);
    msgpack_pack_uint64(pk, fits_done);
    msgpack_pack_uint64(pk, fits_total);
    return s_end(jr, S_END, &p, err);
}

int sch_journal_drop(sch_journal_t *jr, uint64_t id, char *err)
{
    s_payload_t p;
    msgpack_pack_uint64(s_begin(&p, 1), id);
    return s_end(jr, S_DROP, &p, err);
}

int sch_journal_map(sch_journal_t *jr, const char *key, unsigned char **bytes, size_t *len,
                    char *err)
{
    const struct s_key *k = s_key_of(jr, key);
    if (!k || k->len == 0)
        return dsk_seterr(err, DSK_ENOTFOUND, "no dataset %s in the journal", key);
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), start = k->at & ~(page - 1);
    void *m = mmap(NULL, (size_t)(k->len + (k->at - start)), PROT_READ, MAP_SHARED, jr->rfd,
                   (off_t)start);
    if (m == MAP_FAILED)
        return dsk_seterr(err, DSK_EIO, "journal %s: mmap: %s", jr->path, strerror(errno));
    *bytes = (unsigned char *)m + (k->at - start);
    *len = (size_t)k->len;
    return DSK_OK;
}

void sch_journal_unmap(unsigned char *bytes, size_t len)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), p = (uintptr_t)bytes;
    munmap((void *)(p & ~(page - 1)), len + (p & (page - 1)));
}

size_t sch_journal_data_count(const sch_journal_t *jr) { return jr->nkeys; }
const char *sch_journal_data_key(const sch_journal_t *jr, size_t i) { return jr->keys[i].key; }
int sch_journal_dirty(const sch_journal_t *jr) { return jr->dirty; }
uint64_t sch_journal_last_id(const sch_journal_t *jr) { return jr->last_id; }
uint64_t sch_journal_bytes(const sch_journal_t *jr) { return jr->size; }

int sch_journal_sync(sch_journal_t *jr, char *err)
{
    if (!jr->dirty)
        return DSK_OK;
    if (fdatasync(jr->fd) < 0)
        return dsk_seterr(err, DSK_EIO, "journal %s: fdatasync: %s", jr->path, strerror(errno));
    jr->dirty = 0;
    return DSK_OK;
}

/* ------------------------------------------------------------ replay */

typedef struct {
    s_data_t *data;
    size_t ndata;
    sch_journal_job_t *jobs;    /* by arrival; dropped ones have id 0 */
    size_t njobs;
    char (*data_key)[JOB_KEY_LEN + 1]; /* each job's data key */
} s_replay_t;

static const msgpack_object *s_field(const msgpack_object *o, uint32_t i, msgpack_object_type t)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || i >= o->via.array.size)
        return NULL;
    const msgpack_object *f = &o->via.array.ptr[i];
    if (f->type == t)
        return f;
    if (t == MSGPACK_OBJECT_POSITIVE_INTEGER && f->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return f;
    return NULL;
}

static int s_u64(const msgpack_object *o, uint32_t i, uint64_t *v)
{
    const msgpack_object *f = s_field(o, i, MSGPACK_OBJECT_POSITIVE_INTEGER);
    if (!f)
        return -1;
    *v = f->via.u64;
    return 0;
}

static int s_str(const msgpack_object *o, uint32_t i, char *out, size_t cap)
{
    const msgpack_object *f = s_field(o, i, MSGPACK_OBJECT_STR);
    if (!f || f->via.str.size >= cap)
        return -1;
    if (f->via.str.size) /* an empty one may have no pointer */
        memcpy(out, f->via.str.ptr, f->via.str.size);
    out[f->via.str.size] = '\0';
    return 0;
}

static int s_bin(const msgpack_object *o, uint32_t i, dsk_bytes_t *b)
{
    const msgpack_object *f = s_field(o, i, MSGPACK_OBJECT_BIN);
    if (!f)
        return -1;
    /* msgpack_unpack without copying: the bytes stay in the map */
    *b = (dsk_bytes_t){.data = (unsigned char *)f->via.bin.ptr, .len = f->via.bin.size};
    return 0;
}

static sch_journal_job_t *s_find(s_replay_t *r, uint64_t id)
{
    for (size_t i = r->njobs; i-- > 0;)
        if (r->jobs[i].id == id)
            return &r->jobs[i];
    return NULL;
}

/* One record's payload into the replay's tables; -1 when it does not read as its type. */
static int s_apply(s_replay_t *r, uint32_t type, const msgpack_object *o)
{
    uint64_t id;
    switch (type) {
    case S_DATA: {
        s_data_t d = {0};
        dsk_bytes_t b;
        if (s_str(o, 0, d.key, sizeof d.key) < 0 || s_bin(o, 1, &b) < 0)
            return -1;
        d.bytes = b.data;
        d.len = b.len;
        r->data = dsk_xrealloc(r->data, r->ndata + 1, sizeof *r->data);
        r->data[r->ndata++] = d;
        return 0;
    }
    case S_JOB: {
        sch_journal_job_t jb = {0};
        char key[JOB_KEY_LEN + 1];
        uint64_t kind;
        if (s_u64(o, 0, &jb.id) < 0 || s_u64(o, 1, &jb.token) < 0 ||
            s_str(o, 2, jb.owner, sizeof jb.owner) < 0 || s_u64(o, 3, &kind) < 0 ||
            s_str(o, 4, jb.name, sizeof jb.name) < 0 || s_bin(o, 5, &jb.job) < 0 ||
            s_str(o, 6, key, sizeof key) < 0 || jb.id == 0 || kind > UINT32_MAX)
            return -1;
        jb.kind = (uint32_t)kind;
        r->jobs = dsk_xrealloc(r->jobs, r->njobs + 1, sizeof *r->jobs);
        r->data_key = dsk_xrealloc(r->data_key, r->njobs + 1, sizeof *r->data_key);
        memcpy(r->data_key[r->njobs], key, sizeof key);
        r->jobs[r->njobs++] = jb;
        return 0;
    }
    case S_END: {
        uint64_t state, done, total;
        char text[DSK_TEXT_MAX + 1];
        dsk_bytes_t result, model;
        if (s_u64(o, 0, &id) < 0 || s_u64(o, 1, &state) < 0 ||
            s_str(o, 2, text, sizeof text) < 0 || s_bin(o, 3, &result) < 0 ||
            s_bin(o, 4, &model) < 0 || s_u64(o, 5, &done) < 0 || s_u64(o, 6, &total) < 0)
            return -1;
        sch_journal_job_t *jb = s_find(r, id);
        if (jb) { /* an END of a job dropped since is nothing */
            jb->ended = 1;
            jb->state = (uint32_t)state;
            memcpy(jb->text, text, sizeof text);
            jb->result = result;
            jb->model = model;
            jb->fits_done = done;
            jb->fits_total = total;
        }
        return 0;
    }
    case S_DROP: {
        if (s_u64(o, 0, &id) < 0)
            return -1;
        sch_journal_job_t *jb = s_find(r, id);
        if (jb)
            jb->id = 0;
        return 0;
    }
    default: return -1;
    }
}

/*
 * Reads the records of map (size bytes) into r; returns the length of the
 * good prefix. A bad record is reported: at the end as a torn tail, else
 * as corruption at its offset.
 */
static uint64_t s_scan(const char *path, const unsigned char *map, uint64_t size, s_replay_t *r,
                       msgpack_zone *zone)
{
    uint64_t off = 0;
    while (off < size) {
        const char *why = NULL;
        uint32_t magic = 0, type = 0;
        uint64_t len = 0, sum = 0;
        msgpack_object obj;
        if (size - off < S_HEADER) {
            why = "a record header cut short";
        } else {
            memcpy(&magic, map + off, 4);
            memcpy(&type, map + off + 4, 4);
            memcpy(&len, map + off + 8, 8);
            memcpy(&sum, map + off + 16, 8);
            unsigned char h[S_HEADER];
            if (magic != S_MAGIC)
                why = "no record starts there";
            else if (len > size - off - S_HEADER || len > S_MAX_RECORD)
                why = "a record cut short";
            else if (s_header(h, type, map + off + S_HEADER, len),
                     memcmp(h + 16, &sum, 8) != 0)
                why = "a record whose checksum does not match";
            else if (msgpack_unpack((const char *)map + off + S_HEADER, (size_t)len, NULL, zone,
                                    &obj) != MSGPACK_UNPACK_SUCCESS ||
                     s_apply(r, type, &obj) < 0)
                why = "a record that does not read as its type";
        }
        if (why) {
            /* a crash mid-append leaves the file's last record incomplete: expected */
            int tail = size - off < S_HEADER || (magic == S_MAGIC && off + S_HEADER + len >= size);
            if (tail)
                dsk_warn("journal %s: %s at its end (offset %llu, %llu bytes): cut off, as a "
                         "crash mid-write leaves it", path, why, (unsigned long long)off,
                         (unsigned long long)(size - off));
            else
                dsk_error("journal %s: %s at offset %llu: the %llu bytes from there are "
                          "dropped; jobs journaled in them are lost", path, why,
                          (unsigned long long)off, (unsigned long long)(size - off));
            return off;
        }
        off += S_HEADER + len;
    }
    return off;
}

static const s_data_t *s_data_of(const s_replay_t *r, const char *key)
{
    for (size_t i = 0; i < r->ndata; i++)
        if (strcmp(r->data[i].key, key) == 0)
            return &r->data[i];
    return NULL;
}

/* Writes the live jobs of r to path (a new file), fsynced. */
static int s_compact(sch_journal_t *jr, s_replay_t *r, const char *path, char *err)
{
    jr->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (jr->fd < 0)
        return dsk_seterr(err, DSK_EIO, "journal %s: %s", path, strerror(errno));
    jr->size = 0;
    for (size_t i = 0; i < r->njobs; i++) {
        sch_journal_job_t *jb = &r->jobs[i];
        if (!jb->id)
            continue;
        const s_data_t *d = s_data_of(r, r->data_key[i]);
        if (!d) {
            dsk_error("journal %s: job %llu's data %s is missing: the job is lost", jr->path,
                      (unsigned long long)jb->id, r->data_key[i]);
            jb->id = 0;
            continue;
        }
        jb->data = (dsk_bytes_t){.data = (unsigned char *)d->bytes, .len = d->len};
        int rc = s_append_data(jr, r->data_key[i], d->bytes, d->len, err);
        if (rc == DSK_OK)
            rc = s_append_job(jr, jb->id, jb->token, jb->owner, jb->kind, jb->name,
                              jb->job.data, jb->job.len, r->data_key[i], err);
        if (rc == DSK_OK && jb->ended)
            rc = sch_journal_end(jr, jb->id, jb->state, jb->text, (const char *)jb->result.data,
                                 jb->result.len, jb->model.data, jb->model.len, jb->fits_done,
                                 jb->fits_total, err);
        if (rc < 0)
            return rc;
    }
    if (fsync(jr->fd) < 0)
        return dsk_seterr(err, DSK_EIO, "journal %s: fsync: %s", path, strerror(errno));
    jr->dirty = 0;
    return DSK_OK;
}

static int s_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

sch_journal_t *sch_journal_open(const char *dir,
                                void (*fn)(void *arg, const sch_journal_job_t *job),
                                void *arg, char *err)
{
    sch_journal_t *jr = dsk_xcalloc(1, sizeof *jr);
    jr->fd = jr->rfd = -1;
    snprintf(jr->dir, sizeof jr->dir, "%s", dir);
    snprintf(jr->path, sizeof jr->path, "%s/journal", dir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        dsk_seterr(err, DSK_EIO, "journal directory %s: %s", dir, strerror(errno));
        free(jr);
        return NULL;
    }
    int in = open(jr->path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    struct stat st;
    if (in < 0 || fstat(in, &st) < 0) {
        dsk_seterr(err, DSK_EIO, "journal %s: %s", jr->path, strerror(errno));
        if (in >= 0)
            close(in);
        free(jr);
        return NULL;
    }
    uint64_t size = (uint64_t)st.st_size;
    const unsigned char *map = NULL;
    if (size > 0) {
        map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, in, 0);
        if (map == MAP_FAILED) {
            dsk_seterr(err, DSK_EIO, "journal %s: mmap: %s", jr->path, strerror(errno));
            close(in);
            free(jr);
            return NULL;
        }
    }
    close(in);
    s_replay_t r = {0};
    msgpack_zone zone;
    msgpack_zone_init(&zone, 4096);
    if (map)
        s_scan(jr->path, map, size, &r, &zone); /* what follows the good prefix is dropped */
    /* the live records into a new file, which then takes the old one's place */
    char fresh[640];
    snprintf(fresh, sizeof fresh, "%s/journal.new", dir);
    int rc = s_compact(jr, &r, fresh, err);
    if (rc == DSK_OK && (rename(fresh, jr->path) < 0 || s_fsync_dir(dir) < 0))
        rc = dsk_seterr(err, DSK_EIO, "journal %s: %s", jr->path, strerror(errno));
    if (rc == DSK_OK && (jr->rfd = open(jr->path, O_RDONLY | O_CLOEXEC)) < 0)
        rc = dsk_seterr(err, DSK_EIO, "journal %s: %s", jr->path, strerror(errno));
    size_t live = 0;
    for (size_t i = 0; rc == DSK_OK && i < r.njobs; i++)
        if (r.jobs[i].id) {
            live++;
            if (r.jobs[i].id > jr->last_id)
                jr->last_id = r.jobs[i].id;
            fn(arg, &r.jobs[i]);
        }
    if (rc == DSK_OK)
        dsk_info("journal %s: %zu job%s resumed or kept from %llu bytes, now %llu bytes",
                 jr->path, live, live == 1 ? "" : "s", (unsigned long long)size,
                 (unsigned long long)jr->size);
    msgpack_zone_destroy(&zone);
    free(r.data);
    free(r.jobs);
    free(r.data_key);
    if (map)
        munmap((void *)map, (size_t)size);
    if (rc < 0) {
        sch_journal_close(&jr);
        return NULL;
    }
    return jr;
}

void sch_journal_close(sch_journal_t **jr_p)
{
    sch_journal_t *jr = *jr_p;
    if (!jr)
        return;
    if (jr->fd >= 0) {
        if (jr->dirty && fdatasync(jr->fd) < 0)
            dsk_warn("journal %s: fdatasync: %s", jr->path, strerror(errno));
        close(jr->fd);
    }
    if (jr->rfd >= 0)
        close(jr->rfd);
    free(jr->keys);
    free(jr);
    *jr_p = NULL;
}
