/* ml_model.c — .dskm model files: pack, atomic save, checked load. */
#include "ml_model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_mpcheck.h"
#include "ml_pack.h"
#include "ml_registry.h"

#define S_MAX_DEPTH 32
#define S_MAX_FILE ((size_t)1 << 34) /* 16 GiB: beyond any model dsk writes */

/* One step: name, class, every parameter's current value, the learned state. */
static int s_pack_step(msgpack_packer *pk, const char *name, const ml_estimator_t *e,
                       char *err)
{
    const ml_estimator_ops_t *ops = e->ops;
    size_t np = 0;
    while (ops->param_names && ops->param_names[np])
        np++;
    msgpack_pack_map(pk, 4);
    ml_pack_key(pk, "name");
    ml_pack_key(pk, name);
    ml_pack_key(pk, "estimator");
    ml_pack_key(pk, ops->name);
    ml_pack_key(pk, "params");
    msgpack_pack_map(pk, np);
    for (size_t i = 0; i < np; i++) {
        ml_value_t v = ml_value_none();
        int rc = ops->get_param(e->impl, ops->param_names[i], &v, err);
        if (rc)
            return rc;
        ml_pack_key(pk, ops->param_names[i]);
        ml_pack_value(pk, &v);
        ml_value_clear(&v);
    }
    ml_pack_key(pk, "state");
    return ops->save(e->impl, pk, err);
}

int ml_model_pack(const ml_pipeline_t *p, msgpack_sbuffer *sbuf, char *err)
{
    return ml_model_pack_scored(p, NULL, NULL, sbuf, err);
}

/* The names of the classifier's classes_ as fitted_on names its labels, when they are not
   the codes (numbers or texts); 0 when there is nothing to record. */
static int s_pack_labels(msgpack_packer *pk, const ml_pipeline_t *p, const ml_dataset_t *on)
{
    int32_t k = 0;
    const int32_t *classes = ml_pipeline_classes(p, &k);
    if (!on || on->labels_kind == ML_LABELS_CODES || !on->target_names || !classes || k < 1)
        return 0;
    for (int32_t i = 0; i < k; i++)
        if (!(classes[i] >= 0 && classes[i] < on->n_classes))
            return 0; /* not codes of these labels: nothing to name them by */
    if (!pk)
        return 1;
    ml_pack_key(pk, "labels");
    msgpack_pack_map(pk, 2);
    ml_pack_key(pk, "kind");
    ml_pack_key(pk, on->labels_kind == ML_LABELS_NUMBERS ? "numbers" : "texts");
    ml_pack_key(pk, "names");
    msgpack_pack_array(pk, (size_t)k);
    for (int32_t i = 0; i < k; i++)
        ml_pack_key(pk, on->target_names[classes[i]]);
    return 1;
}

int ml_model_pack_scored(const ml_pipeline_t *p, const char *scoring,
                         const ml_dataset_t *fitted_on, msgpack_sbuffer *sbuf, char *err)
{
    if (!ml_pipeline_is_fitted(p))
        return dsk_seterr(err, DSK_ESTATE, "only a fitted pipeline can be saved as a model");
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    int labeled = s_pack_labels(NULL, p, fitted_on);
    msgpack_pack_map(&pk, 4 + (scoring != NULL) + labeled);
    ml_pack_key(&pk, "format");
    ml_pack_key(&pk, ML_MODEL_FORMAT);
    ml_pack_key(&pk, "version");
    msgpack_pack_int(&pk, ML_MODEL_VERSION);
    ml_pack_key(&pk, "created_by");
    ml_pack_key(&pk, "dsk");
    ml_pack_key(&pk, "pipeline");
    size_t n = ml_pipeline_n_steps(p);
    msgpack_pack_array(&pk, n);
    for (size_t i = 0; i < n; i++) {
        int rc = s_pack_step(&pk, ml_pipeline_step_name(p, i), ml_pipeline_step(p, i), err);
        if (rc)
            return rc;
    }
    if (scoring) { /* after the pipeline: the header's bytes stay where they were */
        ml_pack_key(&pk, "scoring");
        ml_pack_key(&pk, scoring);
    }
    s_pack_labels(&pk, p, fitted_on);
    return DSK_OK;
}

/* Writes all of buf to fd, retrying short writes. */
static int s_write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* fsync the folder holding path, so the rename itself survives a crash. */
static void s_sync_dir(const char *path)
{
    char *dir = dsk_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/*
 * A reader must never see half a model: the bytes go to a temporary file
 * in the same folder (so rename stays within one file system), are
 * fsync'ed, and the rename replaces path in one step.
 */
int ml_model_save(const ml_pipeline_t *p, const char *path, char *err)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init(&sbuf);
    int rc = ml_model_pack(p, &sbuf, err);
    if (rc) {
        msgpack_sbuffer_destroy(&sbuf);
        return rc;
    }
    size_t plen = strlen(path);
    char *tmp = dsk_xmalloc(plen + 16);
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = dsk_seterr(err, DSK_EIO, "model file '%s': cannot create a temporary file: %s",
                        path, strerror(errno));
    } else {
        int bad = s_write_all(fd, sbuf.data, sbuf.size) || fchmod(fd, 0644) || fsync(fd);
        int saved = errno;
        bad = close(fd) || bad;
        if (bad || rename(tmp, path) != 0) {
            rc = dsk_seterr(err, DSK_EIO, "model file '%s': cannot write it: %s", path,
                            strerror(bad ? saved : errno));
            unlink(tmp);
        } else {
            s_sync_dir(path);
        }
    }
    free(tmp);
    msgpack_sbuffer_destroy(&sbuf);
    return rc;
}

/* A string field copied into buf (NUL-terminated); 0 if absent, not a string or too long. */
static int s_get_str(const msgpack_object *o, const char *key, char *buf, size_t len)
{
    const msgpack_object *v = ml_unpack_get(o, key);
    if (!v || v->type != MSGPACK_OBJECT_STR || v->via.str.size >= len)
        return 0;
    memcpy(buf, v->via.str.ptr, v->via.str.size);
    buf[v->via.str.size] = '\0';
    return 1;
}

/*
 * One step of a model: its class from the registry, its parameters set
 * through set_param (so each is checked again), then load(state) on the
 * fresh impl. The step joins p only when all of that succeeded.
 */
static int s_unpack_step(ml_pipeline_t *p, const msgpack_object *o, size_t idx,
                         const char *what, char *err)
{
    char name[256], cls[128], sub[DSK_ERR_LEN];
    const msgpack_object *params = ml_unpack_get(o, "params");
    const msgpack_object *state = ml_unpack_get(o, "state");
    if (!s_get_str(o, "name", name, sizeof name) || !s_get_str(o, "estimator", cls, sizeof cls) ||
        !params || params->type != MSGPACK_OBJECT_MAP || !state)
        return dsk_seterr(err, DSK_EPROTO, "model file '%s': step %zu lacks name, estimator, "
                          "params or state", what, idx);
    ml_estimator_t est;
    int rc = ml_registry_create(cls, &est, sub);
    if (rc)
        return dsk_seterr(err, rc, "model file '%s': step '%s': %s", what, name, sub);
    rc = ml_unpack_params(params, est.ops->set_param, est.impl, sub);
    if (rc == DSK_OK)
        rc = est.ops->load(est.impl, state, sub);
    if (rc == DSK_OK)
        rc = ml_pipeline_add(p, name, &est, sub);
    if (rc) {
        est.ops->destroy(est.impl);
        return dsk_seterr(err, rc, "model file '%s': step '%s' (%s): %s", what, name, cls,
                          sub);
    }
    return DSK_OK;
}

/* Checks the header fields, then rebuilds the steps in order. */
static int s_unpack_model(const msgpack_object *root, const char *what, ml_pipeline_t **out,
                          char *err)
{
    char format[16];
    if (!s_get_str(root, "format", format, sizeof format) || strcmp(format, ML_MODEL_FORMAT))
        return dsk_seterr(err, DSK_ENOTDSK, "model file '%s' is not a dsk model (no "
                                            "\"format\": \"dskm\")", what);
    const msgpack_object *ver = ml_unpack_get(root, "version");
    if (!ver || ver->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return dsk_seterr(err, DSK_EPROTO, "model file '%s' has no version", what);
    if (ver->via.u64 != ML_MODEL_VERSION)
        return dsk_seterr(err, DSK_EVERSION, "model file '%s' has version %llu; this dsk "
                          "reads version %d", what, (unsigned long long)ver->via.u64,
                          ML_MODEL_VERSION);
    const msgpack_object *steps = ml_unpack_get(root, "pipeline");
    if (!steps || steps->type != MSGPACK_OBJECT_ARRAY || steps->via.array.size == 0)
        return dsk_seterr(err, DSK_EPROTO, "model file '%s' has no pipeline steps", what);
    ml_pipeline_t *p = ml_pipeline_new();
    for (uint32_t i = 0; i < steps->via.array.size; i++) {
        int rc = s_unpack_step(p, &steps->via.array.ptr[i], i, what, err);
        if (rc) {
            ml_pipeline_destroy(&p);
            return rc;
        }
    }
    char sub[DSK_ERR_LEN];
    int rc = ml_pipeline_validate(p, sub);
    if (rc) {
        ml_pipeline_destroy(&p);
        return dsk_seterr(err, rc, "model file '%s': %s", what, sub);
    }
    ml_pipeline_set_fitted(p, 1);
    *out = p;
    return DSK_OK;
}

int ml_model_unpack(const void *buf, size_t len, const char *what, ml_pipeline_t **out,
                    char *err)
{
    *out = NULL;
    char sub[DSK_ERR_LEN];
    msgpack_unpacked up;
    int rc = dsk_mp_unpack(buf, len, S_MAX_DEPTH, len + 1, &up, sub);
    if (rc)
        rc = dsk_seterr(err, rc, "model file '%s' is truncated or corrupt: %s", what, sub);
    else
        rc = s_unpack_model(&up.data, what, out, err);
    msgpack_unpacked_destroy(&up);
    return rc;
}

int ml_model_scoring(const void *buf, size_t len, char *out, size_t outlen)
{
    msgpack_unpacked up;
    char sub[DSK_ERR_LEN];
    out[0] = '\0';
    int found = 0;
    if (dsk_mp_unpack(buf, len, S_MAX_DEPTH, len + 1, &up, sub) == 0)
        found = s_get_str(&up.data, "scoring", out, outlen);
    msgpack_unpacked_destroy(&up);
    if (!found)
        out[0] = '\0';
    return found;
}

int ml_model_labels(const void *buf, size_t len, ml_labels_kind_t *kind, char ***names,
                    int32_t *n)
{
    msgpack_unpacked up;
    char sub[DSK_ERR_LEN], k[16];
    *names = NULL;
    *n = 0;
    *kind = ML_LABELS_CODES;
    if (dsk_mp_unpack(buf, len, S_MAX_DEPTH, len + 1, &up, sub) != 0)
        return 0;
    const msgpack_object *l = ml_unpack_get(&up.data, "labels");
    const msgpack_object *nm = l ? ml_unpack_get(l, "names") : NULL;
    int ok = l && s_get_str(l, "kind", k, sizeof k) &&
             (strcmp(k, "numbers") == 0 || strcmp(k, "texts") == 0) && nm &&
             nm->type == MSGPACK_OBJECT_ARRAY && nm->via.array.size > 0 &&
             nm->via.array.size <= INT32_MAX;
    for (uint32_t i = 0; ok && i < nm->via.array.size; i++)
        ok = nm->via.array.ptr[i].type == MSGPACK_OBJECT_STR;
    if (ok) {
        *kind = strcmp(k, "numbers") == 0 ? ML_LABELS_NUMBERS : ML_LABELS_TEXTS;
        *n = (int32_t)nm->via.array.size;
        *names = dsk_xcalloc((size_t)*n, sizeof **names);
        for (int32_t i = 0; i < *n; i++)
            (*names)[i] = dsk_xstrndup(nm->via.array.ptr[i].via.str.ptr,
                                       nm->via.array.ptr[i].via.str.size);
    }
    msgpack_unpacked_destroy(&up);
    return ok;
}

int ml_model_load(const char *path, ml_pipeline_t **out, char *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return dsk_seterr(err, e == ENOENT ? DSK_ENOTFOUND : DSK_EIO,
                          "model file '%s': %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > S_MAX_FILE) {
        close(fd);
        return dsk_seterr(err, DSK_EIO, "model file '%s' is not a regular file of a "
                          "plausible size", path);
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = dsk_xmalloc(len ? len : 1);
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    int rc = got == len ? ml_model_unpack(buf, len, path, out, err)
                        : dsk_seterr(err, DSK_EIO, "model file '%s': short read", path);
    free(buf);
    return rc;
}
