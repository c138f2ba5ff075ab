/* submit_output.c — opening, committing and abandoning dsk-submit's outputs. */
#include "submit_output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsk_alloc.h"

#define S_MAX_LINKS 40         /* the kernel's own bound on a chain of symlinks */
#define S_BUFFER (64 * 1024)   /* predictions are written a value at a time */

typedef enum {
    S_STDOUT,  /* "-" */
    S_REPLACE, /* a regular file or a new one: a temporary renamed over it */
    S_DIRECT   /* a device, a FIFO, a socket: written straight into */
} s_kind_t;

struct submit_output {
    s_kind_t kind;
    FILE *f;     /* a stream over fd, so the first write error's errno is kept */
    int fd;
    int werr;    /* errno of the first failed write, 0 if none */
    char *path;  /* as the user gave it: what messages name */
    char *target;/* the end of path's symlink chain: what the rename replaces */
    char *tmp;   /* S_REPLACE: the temporary beside target, until it is renamed */
};

static int s_fail(char *err, const char *path, int e)
{
    return dsk_seterr(err, DSK_EINVAL, "cannot write %s: %s", path, strerror(e));
}

int submit_output_is_stdout(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

/*
 * Follows path's symlinks to the end of the chain, by hand rather than with
 * realpath(): a dangling link is a target to create, which realpath refuses.
 * The rename must replace the file a link points to and keep the link (a
 * shell's `>` writes through links too). *exists says whether the end is
 * there; *st is its lstat then.
 */
static int s_resolve(const char *path, char *target, struct stat *st, int *exists, char *err)
{
    if (snprintf(target, PATH_MAX, "%s", path) >= PATH_MAX)
        return s_fail(err, path, ENAMETOOLONG);
    for (int hops = 0;; hops++) {
        if (lstat(target, st) < 0) {
            if (errno != ENOENT)
                return s_fail(err, path, errno);
            *exists = 0;
            return DSK_OK;
        }
        if (!S_ISLNK(st->st_mode)) {
            *exists = 1;
            return DSK_OK;
        }
        char link[PATH_MAX];
        ssize_t n = hops < S_MAX_LINKS ? readlink(target, link, sizeof link - 1) : -1;
        if (n < 0)
            return s_fail(err, path, hops < S_MAX_LINKS ? errno : ELOOP);
        link[n] = '\0';
        /* a relative link is relative to the directory holding the link */
        char *slash = strrchr(target, '/');
        size_t keep = link[0] == '/' || !slash ? 0 : (size_t)(slash - target) + 1;
        if (keep + (size_t)n >= PATH_MAX)
            return s_fail(err, path, ENAMETOOLONG);
        memcpy(target + keep, link, (size_t)n + 1);
    }
}

/* The directory a temporary for target goes in: "." for a bare name. */
static void s_dirname(const char *target, char *dir)
{
    const char *slash = strrchr(target, '/');
    if (!slash)
        snprintf(dir, PATH_MAX, ".");
    else
        snprintf(dir, PATH_MAX, "%.*s", slash == target ? 1 : (int)(slash - target), target);
}

/*
 * What path names: standard output, a file to replace (or create), or
 * something to write straight into. A directory is refused here, so the
 * up-front check and the open give the same message.
 */
static int s_classify(const char *path, char *target, struct stat *st, s_kind_t *kind,
                      char *err)
{
    if (submit_output_is_stdout(path)) {
        *kind = S_STDOUT;
        return DSK_OK;
    }
    if (!*path)
        return dsk_seterr(err, DSK_EINVAL, "cannot write to an empty file name");
    int exists, rc = s_resolve(path, target, st, &exists, err);
    if (rc)
        return rc;
    if (exists && S_ISDIR(st->st_mode))
        return dsk_seterr(err, DSK_EINVAL, "cannot write %s: it is a directory", path);
    if (!exists && target[strlen(target) - 1] == '/')
        return dsk_seterr(err, DSK_EINVAL, "cannot write %s: no such directory", path);
    if (!exists)
        st->st_mode = 0; /* nothing to take the owner and the mode from */
    *kind = !exists || S_ISREG(st->st_mode) ? S_REPLACE : S_DIRECT;
    return DSK_OK;
}

int submit_output_check(const char *path, char *err)
{
    char target[PATH_MAX], dir[PATH_MAX];
    struct stat st, ds;
    s_kind_t kind;
    if (!path)
        return DSK_OK;
    int rc = s_classify(path, target, &st, &kind, err);
    if (rc || kind == S_STDOUT)
        return rc;
    /* a FIFO is not opened here: that would wait for its reader */
    if (kind == S_DIRECT)
        return access(target, W_OK) == 0 ? DSK_OK : s_fail(err, path, errno);
    s_dirname(target, dir);
    if (stat(dir, &ds) < 0)
        return s_fail(err, path, errno);
    if (!S_ISDIR(ds.st_mode))
        return s_fail(err, path, ENOTDIR);
    return access(dir, W_OK | X_OK) == 0 ? DSK_OK : s_fail(err, path, errno);
}

/*
 * The stream's writes go through here to keep the first error's errno:
 * stdio only keeps a flag, and by the time the output is committed errno
 * has long been overwritten (ZeroMQ calls run between a prediction's
 * chunks). fopencookie asks for 0, not -1, on an error.
 */
static ssize_t s_cookie_write(void *cookie, const char *buf, size_t len)
{
    submit_output_t *self = cookie;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(self->fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!self->werr)
                self->werr = n < 0 ? errno : EIO;
            return 0;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* A regular file seeks (a .npy's header rewritten once its rows are counted); a pipe does not. */
static int s_cookie_seek(void *cookie, off64_t *off, int whence)
{
    submit_output_t *self = cookie;
    off_t at = lseek(self->fd, (off_t)*off, whence);
    if (at < 0)
        return -1;
    *off = at;
    return 0;
}

/* Frees self; a temporary still there (not renamed) is removed; fd is closed unless stdout. */
static void s_free(submit_output_t **self_p)
{
    submit_output_t *self = *self_p;
    if (self->f)
        fclose(self->f);
    if (self->fd >= 0 && self->kind != S_STDOUT)
        close(self->fd);
    if (self->tmp)
        unlink(self->tmp);
    free(self->path);
    free(self->target);
    free(self->tmp);
    free(self);
    *self_p = NULL;
}

/*
 * A temporary beside target, to be renamed over it: same directory (same
 * file system, so the rename is atomic), a unique name (mkstemp, not the
 * pid, so two clients writing one file do not share a temporary). It gets
 * the replaced file's mode and owner (as root, a user's file stays theirs),
 * or a new file's usual 0666 less the umask.
 */
static int s_open_tmp(submit_output_t *self, const struct stat *st, char *err)
{
    size_t n = strlen(self->target) + sizeof ".tmp.XXXXXX";
    self->tmp = dsk_xmalloc(n);
    snprintf(self->tmp, n, "%s.tmp.XXXXXX", self->target);
    self->fd = mkostemp(self->tmp, O_CLOEXEC);
    if (self->fd < 0) {
        int e = errno;
        free(self->tmp);
        self->tmp = NULL;
        return s_fail(err, self->path, e);
    }
    mode_t mode;
    if (st->st_mode) {
        mode = st->st_mode & 07777;
        if ((st->st_uid != geteuid() || st->st_gid != getegid()) &&
            fchown(self->fd, st->st_uid, st->st_gid) < 0) {
            /* not root: the new file is ours, as any rewrite by us would be */
        }
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(self->fd, mode) < 0)
        return s_fail(err, self->path, errno);
    return DSK_OK;
}

submit_output_t *submit_output_new(const char *path, char *err)
{
    char target[PATH_MAX];
    struct stat st;
    s_kind_t kind;
    if (s_classify(path, target, &st, &kind, err) < 0)
        return NULL;
    submit_output_t *self = dsk_xcalloc(1, sizeof *self);
    self->kind = kind;
    self->fd = -1;
    self->path = dsk_xstrdup(path);
    self->target = dsk_xstrdup(kind == S_STDOUT ? "-" : target);
    int rc = DSK_OK;
    if (kind == S_STDOUT) {
        fflush(stdout); /* what was printf'd before comes first */
        self->fd = STDOUT_FILENO;
    } else if (kind == S_DIRECT) {
        /* no O_CREAT, no O_TRUNC: a device or a FIFO is used as it is */
        self->fd = open(target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (self->fd < 0)
            rc = s_fail(err, path, errno);
    } else {
        rc = s_open_tmp(self, &st, err);
    }
    if (rc == DSK_OK) {
        cookie_io_functions_t io = {.write = s_cookie_write, .seek = s_cookie_seek};
        self->f = fopencookie(self, "w", io);
        if (!self->f)
            rc = s_fail(err, path, errno);
        else
            setvbuf(self->f, NULL, _IOFBF, S_BUFFER);
    }
    if (rc < 0)
        s_free(&self);
    return self;
}

FILE *submit_output_file(submit_output_t *self)
{
    return self->f;
}

int submit_output_error(const submit_output_t *self, char *err)
{
    if (!self->werr && !ferror(self->f))
        return DSK_OK;
    return dsk_seterr(err, DSK_EIO, "cannot write %s: %s", self->path,
                      strerror(self->werr ? self->werr : EIO));
}

int submit_output_commit(submit_output_t **self_p, char *err)
{
    submit_output_t *self = *self_p;
    if (!self)
        return DSK_OK;
    int e = fclose(self->f) != 0 && !self->werr ? (errno ? errno : EIO) : self->werr;
    self->f = NULL;
    /* the data on disk before the name points at it: a crash leaves the old file or the new */
    if (!e && self->kind == S_REPLACE && fsync(self->fd) < 0)
        e = errno;
    if (self->kind != S_STDOUT && close(self->fd) < 0 && !e)
        e = errno;
    self->fd = -1;
    if (!e && self->kind == S_REPLACE) {
        if (rename(self->tmp, self->target) < 0) {
            e = errno;
        } else {
            free(self->tmp);
            self->tmp = NULL;
        }
    }
    int rc = e ? dsk_seterr(err, DSK_EIO, "cannot write %s: %s", self->path, strerror(e))
               : DSK_OK;
    s_free(self_p);
    return rc;
}

void submit_output_destroy(submit_output_t **self_p)
{
    if (self_p && *self_p)
        s_free(self_p);
}

int submit_output_write(const char *path, const void *data, size_t len, char *err)
{
    submit_output_t *o = submit_output_new(path, err);
    if (!o)
        return DSK_EIO;
    fwrite(data, 1, len, o->f); /* a short write is the stream's error, which commit reports */
    return submit_output_commit(&o, err);
}
