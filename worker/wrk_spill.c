/* wrk_spill.c — spill files: one per output, checked on the way back in. */
#include "wrk_spill.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "dsk_msg.h"

#define S_MAGIC "DSKSPIL1"
#define S_SUFFIX ".spill"

/* The file header; integers little-endian whatever the host, as the wire's are fixed. */
typedef struct {
    char magic[8];
    char key[DSK_KEY_MAX + 1 + 7];  /* NUL-padded; 72 bytes keeps the body 8-aligned */
    unsigned char len[8];
    unsigned char hash[8];
} s_header_t;

struct wrk_spill {
    char *path;
    uint64_t next_id;
    uint64_t disk_bytes;
};

static void s_put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t s_get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Removes the files in path (every one is a spill file: the directory was private) and it. */
static void s_remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                (void)unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    (void)rmdir(path);
}

/*
 * A worker killed with SIGKILL (or by the kernel) leaves its directory
 * behind: the next one started on the same spill-dir removes those of
 * processes that no longer exist and that belong to this user. PIDs are
 * this host's, which is why spill-dir must be a local disk.
 */
static int s_remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid = 0, end = 0;
        if (sscanf(e->d_name, "dskd-worker-%d-%*6[A-Za-z0-9]%n", &pid, &end) < 1 ||
            e->d_name[end] != '\0' || end == 0 || pid <= 0 || pid == (int)getpid())
            continue;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (or not ours to ask about) */
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
            st.st_uid != geteuid())
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = dsk_xmalloc(n);
        snprintf(path, n, "%s/%s", dir, e->d_name);
        s_remove_tree(path);
        free(path);
        removed++;
    }
    closedir(d);
    return removed;
}

wrk_spill_t *wrk_spill_new(const char *dir, char *err)
{
    if (!dir || !dir[0]) {
        dsk_seterr(err, DSK_ECONFIG, "spill-dir is empty");
        return NULL;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        dsk_seterr(err, DSK_ECONFIG, "spill-dir %s cannot be made: %s", dir, strerror(errno));
        return NULL;
    }
    int stale = s_remove_stale(dir);
    if (stale)
        dsk_info("removed %d spill director%s of workers no longer running from %s", stale,
                 stale == 1 ? "y" : "ies", dir);
    size_t n = strlen(dir) + 64;
    char *path = dsk_xmalloc(n);
    snprintf(path, n, "%s/dskd-worker-%d-XXXXXX", dir, (int)getpid());
    if (!mkdtemp(path)) {
        dsk_seterr(err, DSK_ECONFIG, "spill-dir %s: cannot make a directory in it: %s", dir,
                   strerror(errno));
        free(path);
        return NULL;
    }
    wrk_spill_t *sp = dsk_xcalloc(1, sizeof *sp);
    sp->path = path;
    sp->next_id = 1;
    return sp;
}

void wrk_spill_destroy(wrk_spill_t **spill_p)
{
    wrk_spill_t *sp = *spill_p;
    if (!sp)
        return;
    s_remove_tree(sp->path); /* every file is ours: the directory is private to this process */
    free(sp->path);
    free(sp);
    *spill_p = NULL;
}

const char *wrk_spill_path(const wrk_spill_t *spill) { return spill->path; }

void wrk_spill_file(const wrk_spill_t *spill, uint64_t id, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%llu" S_SUFFIX, spill->path, (unsigned long long)id);
}

uint64_t wrk_spill_disk_bytes(const wrk_spill_t *spill) { return spill->disk_bytes; }

/* All of len bytes, through short writes and signals. */
static int s_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

#define S_WRITE_BUF ((size_t)1 << 16)

/* A file written as a packer fills it: buffered, checksummed on the way. */
typedef struct {
    int fd;
    int bad;                    /* a write failed: errno in saved; the rest is dropped */
    int saved;
    size_t n;                   /* bytes waiting in buf */
    uint64_t len;               /* body bytes so far */
    XXH64_state_t *hash;
    char buf[S_WRITE_BUF];
} s_writer_t;

static void s_flush(s_writer_t *w)
{
    if (!w->bad && w->n > 0 && s_write_all(w->fd, w->buf, w->n) < 0) {
        w->bad = 1;
        w->saved = errno;
    }
    w->n = 0;
}

/* The packer's write callback. */
static int s_writer_write(void *data, const char *buf, size_t len)
{
    s_writer_t *w = data;
    XXH64_update(w->hash, buf, len);
    w->len += len;
    if (len >= S_WRITE_BUF) { /* a big body (a matrix's array) goes straight out */
        s_flush(w);
        if (!w->bad && s_write_all(w->fd, buf, len) < 0) {
            w->bad = 1;
            w->saved = errno;
        }
        return 0;
    }
    if (w->n + len > S_WRITE_BUF)
        s_flush(w);
    memcpy(w->buf + w->n, buf, len);
    w->n += len;
    return 0;
}

/* The header goes first with the length and checksum left 0, and is rewritten at the end. */
int wrk_spill_write(wrk_spill_t *spill, const char *key,
                    int (*pack)(const void *obj, msgpack_packer *pk), const void *obj,
                    uint64_t *id, char *err)
{
    char file[4096];
    uint64_t n = spill->next_id++;
    wrk_spill_file(spill, n, file, sizeof file);
    s_header_t h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, S_MAGIC, sizeof h.magic);
    snprintf(h.key, sizeof h.key, "%.*s", DSK_KEY_MAX, key);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return dsk_seterr(err, DSK_EIO, "cannot create spill file %s: %s", file, strerror(errno));
    s_writer_t *w = dsk_xcalloc(1, sizeof *w);
    w->fd = fd;
    w->hash = XXH64_createState();
    if (!w->hash)
        abort();
    XXH64_reset(w->hash, 0);
    if (s_write_all(fd, &h, sizeof h) < 0) {
        w->bad = 1;
        w->saved = errno;
    }
    msgpack_packer pk;
    msgpack_packer_init(&pk, w, s_writer_write);
    int packed = pack(obj, &pk) == 0;
    s_flush(w);
    s_put64(h.len, w->len);
    s_put64(h.hash, XXH64_digest(w->hash));
    if (!w->bad && pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        w->bad = 1;
        w->saved = errno ? errno : EIO;
    }
    if (close(fd) < 0 && !w->bad) {
        w->bad = 1;
        w->saved = errno;
    }
    int bad = w->bad, saved = w->saved;
    uint64_t len = w->len;
    XXH64_freeState(w->hash);
    free(w);
    if (bad || !packed) {
        (void)unlink(file);
        if (!packed)
            return dsk_seterr(err, DSK_ETOOBIG, "%s cannot be packed", key);
        return dsk_seterr(err, DSK_EIO, "cannot write spill file %s: %s", file,
                          strerror(saved));
    }
    spill->disk_bytes += sizeof h + len;
    *id = n;
    return DSK_OK;
}

int wrk_spill_read(wrk_spill_t *spill, uint64_t id, const char *key,
                   int (*use)(void *arg, const void *body, size_t len, char *err), void *arg,
                   char *err)
{
    char file[4096];
    wrk_spill_file(spill, id, file, sizeof file);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dsk_seterr(err, DSK_EIO, "spill file %s cannot be opened: %s", file,
                          strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return dsk_seterr(err, DSK_EIO, "spill file %s: %s", file, strerror(e));
    }
    if ((size_t)st.st_size < sizeof(s_header_t)) {
        close(fd);
        return dsk_seterr(err, DSK_EPROTO, "spill file %s is truncated (%lld bytes)", file,
                          (long long)st.st_size);
    }
    size_t size = (size_t)st.st_size;
    /* mapped, not read: the pages go back to the page cache, not to this heap */
    const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return dsk_seterr(err, DSK_EIO, "spill file %s cannot be mapped: %s", file,
                          strerror(errno));
    s_header_t h;
    memcpy(&h, m, sizeof h);
    uint64_t len = s_get64(h.len);
    const unsigned char *body = m + sizeof h;
    int rc;
    if (memcmp(h.magic, S_MAGIC, sizeof h.magic) != 0)
        rc = dsk_seterr(err, DSK_EPROTO, "spill file %s is not a spill file", file);
    else if (strncmp(h.key, key, sizeof h.key) != 0)
        rc = dsk_seterr(err, DSK_EPROTO, "spill file %s holds another key than %s", file, key);
    else if (len != size - sizeof h)
        rc = dsk_seterr(err, DSK_EPROTO, "spill file %s is %zu bytes, its header says %llu",
                        file, size, (unsigned long long)(len + sizeof h));
    else if (XXH64(body, (size_t)len, 0) != s_get64(h.hash))
        rc = dsk_seterr(err, DSK_EPROTO, "spill file %s is corrupted (checksum mismatch)",
                        file);
    else
        rc = use(arg, body, (size_t)len, err);
    munmap((void *)m, size);
    return rc;
}

void wrk_spill_remove(wrk_spill_t *spill, uint64_t id)
{
    char file[4096];
    wrk_spill_file(spill, id, file, sizeof file);
    struct stat st;
    if (stat(file, &st) == 0 && unlink(file) == 0) {
        uint64_t n = (uint64_t)st.st_size;
        spill->disk_bytes -= n < spill->disk_bytes ? n : spill->disk_bytes;
    }
}
