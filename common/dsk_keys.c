/* dsk_keys.c — CurveZMQ key files and allow-lists of public keys. */
#include "dsk_keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "dsk_alloc.h"
#include "dsk_config.h"
#include "dsk_error.h"

/* A key file is a config file of two settings; the public file has only the first. */
typedef struct {
    char public_key[DSK_KEY_Z85_LEN + 1];
    char secret_key[DSK_KEY_Z85_LEN + 1];
} s_key_file_t;

static const dsk_cfg_option_t s_key_table[] = {
    {"public-key", DSK_CFG_STRING, offsetof(s_key_file_t, public_key), DSK_KEY_Z85_LEN + 1, "",
     0, 0, "the public key, Z85"},
    {"secret-key", DSK_CFG_STRING, offsetof(s_key_file_t, secret_key), DSK_KEY_Z85_LEN + 1, "",
     0, 0, "the secret key, Z85"},
    DSK_CFG_END,
};

int dsk_keys_valid_z85(const char *text)
{
    uint8_t bin[32];
    return strlen(text) == DSK_KEY_Z85_LEN && zmq_z85_decode(bin, text) != NULL;
}

int dsk_keys_generate(dsk_key_pair_t *pair, char *err)
{
    if (!zmq_has("curve"))
        return dsk_seterr(err, DSK_EINVAL, "this libzmq was built without CURVE (libsodium)");
    if (zmq_curve_keypair(pair->public_key, pair->secret_key) < 0)
        return dsk_seterr(err, DSK_EZMQ, "zmq_curve_keypair: %s", zmq_strerror(zmq_errno()));
    return DSK_OK;
}

/* Writes text to path with mode, created new (or replaced when force). */
static int s_write_file(const char *path, const char *text, mode_t mode, int force, char *err)
{
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (force ? 0 : O_EXCL);
    int fd = open(path, flags, mode);
    if (fd < 0)
        return dsk_seterr(err, DSK_EIO, "%s: %s%s", path, strerror(errno),
                          errno == EEXIST ? " (give --force to replace it)" : "");
    /* an existing file keeps its mode through O_TRUNC: set it */
    size_t len = strlen(text);
    int ok = fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok)
        return dsk_seterr(err, DSK_EIO, "%s: %s", path, strerror(e));
    return DSK_OK;
}

int dsk_keys_write(const char *base, const char *name, const dsk_key_pair_t *pair, int force,
                   char *err)
{
    char path[4096], text[1024];
    snprintf(path, sizeof path, "%s.key", base);
    snprintf(text, sizeof text,
             "# dsk CurveZMQ key pair '%s', made by dsk-keygen.\n"
             "# Secret: keep this file mode 0600 and on this machine only. Give the\n"
             "# scheduler's administrator %s.pub, never this file.\n"
             "public-key \"%s\"\nsecret-key \"%s\"\n",
             name, name, pair->public_key, pair->secret_key);
    int rc = s_write_file(path, text, 0600, force, err);
    if (rc < 0)
        return rc;
    snprintf(path, sizeof path, "%s.pub", base);
    snprintf(text, sizeof text,
             "# dsk CurveZMQ public key '%s', made by dsk-keygen. Public: copy it into\n"
             "# the scheduler's worker-keys or client-keys directory to let '%s' in.\n"
             "public-key \"%s\"\n",
             name, name, pair->public_key);
    return s_write_file(path, text, 0644, force, err);
}

static int s_read(const char *path, s_key_file_t *kf, char *err)
{
    memset(kf, 0, sizeof *kf);
    int rc = dsk_cfg_load_file(s_key_table, kf, path, err);
    if (rc < 0)
        return rc;
    if (!dsk_keys_valid_z85(kf->public_key))
        return dsk_seterr(err, DSK_EINVAL, "%s: no valid public-key (40 Z85 characters); "
                          "make key files with dsk-keygen", path);
    return DSK_OK;
}

int dsk_keys_read_secret(const char *path, dsk_key_pair_t *pair, char *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return dsk_seterr(err, DSK_EIO, "secret key %s: %s (make a pair with dsk-keygen)", path,
                          strerror(errno));
    if (st.st_mode & 077)
        return dsk_seterr(err, DSK_ECONFIG, "secret key %s is mode %04o: group or others may "
                          "read it; chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
    s_key_file_t kf;
    int rc = s_read(path, &kf, err);
    if (rc < 0)
        return rc;
    if (!dsk_keys_valid_z85(kf.secret_key))
        return dsk_seterr(err, DSK_EINVAL, "%s: no valid secret-key: is it a .pub file? "
                          "The secret key is in the .key file dsk-keygen wrote", path);
    char derived[DSK_KEY_Z85_LEN + 1];
    if (zmq_curve_public(derived, kf.secret_key) < 0 || strcmp(derived, kf.public_key) != 0)
        return dsk_seterr(err, DSK_EINVAL, "%s: its public-key is not the secret key's", path);
    memcpy(pair->public_key, kf.public_key, sizeof pair->public_key);
    memcpy(pair->secret_key, kf.secret_key, sizeof pair->secret_key);
    return DSK_OK;
}

int dsk_keys_read_public(const char *path, char out[DSK_KEY_Z85_LEN + 1], char *err)
{
    s_key_file_t kf;
    int rc = s_read(path, &kf, err);
    if (rc < 0)
        return rc;
    memcpy(out, kf.public_key, DSK_KEY_Z85_LEN + 1);
    return DSK_OK;
}

int dsk_curve_client_load(dsk_curve_client_t *c, const char *key_file,
                          const char *server_key_file, char *err)
{
    memset(c, 0, sizeof *c);
    int have_key = key_file && key_file[0], have_server = server_key_file && server_key_file[0];
    if (!have_key && !have_server)
        return DSK_OK;
    if (!have_key || !have_server)
        return dsk_seterr(err, DSK_ECONFIG, "CURVE needs both keys: %s",
                          have_key ? "the scheduler's public key (--scheduler-key FILE.pub)"
                                   : "this side's secret key (--key FILE.key, from dsk-keygen)");
    int rc = dsk_keys_read_secret(key_file, &c->mine, err);
    if (rc < 0 || (rc = dsk_keys_read_public(server_key_file, c->server, err)) < 0)
        return rc;
    c->on = 1;
    return DSK_OK;
}

int dsk_curve_client_apply(const dsk_curve_client_t *c, void *socket, char *err)
{
    if (!c->on)
        return DSK_OK;
    if (zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, c->server, DSK_KEY_Z85_LEN) < 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, c->mine.public_key, DSK_KEY_Z85_LEN) < 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, c->mine.secret_key, DSK_KEY_Z85_LEN) < 0)
        return dsk_seterr(err, DSK_EZMQ, "CURVE client: %s", zmq_strerror(zmq_errno()));
    return DSK_OK;
}

/* ------------------------------------------------------------ key sets */

static int s_has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcmp(name + n - k, suffix) == 0;
}

static int s_scan(const char *dir, uint8_t (**keys)[32], size_t *count, char *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return dsk_seterr(err, DSK_EIO, "key directory %s: %s", dir, strerror(errno));
    size_t n = 0, cap = 0;
    uint8_t(*k)[32] = NULL;
    struct dirent *e;
    int rc = DSK_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !s_has_suffix(e->d_name, ".pub"))
            continue;
        char path[4096], z85[DSK_KEY_Z85_LEN + 1];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if ((rc = dsk_keys_read_public(path, z85, err)) < 0)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            k = dsk_xrealloc(k, cap, sizeof *k);
        }
        zmq_z85_decode(k[n++], z85);
    }
    closedir(d);
    if (rc < 0) {
        free(k);
        return rc;
    }
    *keys = k;
    *count = n;
    return DSK_OK;
}

static int s_dir_mtime(const char *dir, struct timespec *t, char *err)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return dsk_seterr(err, DSK_EIO, "key directory %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return dsk_seterr(err, DSK_ECONFIG, "%s is not a directory (of .pub key files)", dir);
    *t = st.st_mtim;
    return DSK_OK;
}

int dsk_keyset_load(dsk_keyset_t *set, const char *dir, char *err)
{
    memset(set, 0, sizeof *set);
    if (strlen(dir) >= sizeof set->dir)
        return dsk_seterr(err, DSK_ECONFIG, "key directory path too long: %.80s...", dir);
    snprintf(set->dir, sizeof set->dir, "%s", dir);
    int rc = s_dir_mtime(dir, &set->mtime, err);
    return rc < 0 ? rc : s_scan(dir, &set->keys, &set->count, err);
}

int dsk_keyset_refresh(dsk_keyset_t *set, char *err)
{
    struct timespec t;
    int rc = s_dir_mtime(set->dir, &t, err);
    if (rc < 0)
        return rc;
    if (t.tv_sec == set->mtime.tv_sec && t.tv_nsec == set->mtime.tv_nsec)
        return DSK_OK;
    uint8_t(*keys)[32] = NULL;
    size_t count = 0;
    if ((rc = s_scan(set->dir, &keys, &count, err)) < 0)
        return rc;
    free(set->keys);
    set->keys = keys;
    set->count = count;
    set->mtime = t;
    return DSK_OK;
}

int dsk_keyset_has(const dsk_keyset_t *set, const uint8_t key[32])
{
    for (size_t i = 0; i < set->count; i++)
        if (memcmp(set->keys[i], key, 32) == 0)
            return 1;
    return 0;
}

void dsk_keyset_clear(dsk_keyset_t *set)
{
    free(set->keys);
    memset(set, 0, sizeof *set);
}
