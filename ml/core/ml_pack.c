/* ml_pack.c — msgpack helpers for estimators' save/load (see ml_pack.h). */
#include "ml_pack.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"

int ml_pack_key(msgpack_packer *pk, const char *key)
{
    return msgpack_pack_str_with_body(pk, key, strlen(key));
}

int ml_pack_value(msgpack_packer *pk, const ml_value_t *v)
{
    switch (v->type) {
    case ML_V_NONE:
        return msgpack_pack_nil(pk);
    case ML_V_BOOL:
        return v->u.b ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case ML_V_INT:
        return msgpack_pack_int64(pk, v->u.i);
    case ML_V_FLOAT:
        return msgpack_pack_double(pk, v->u.f);
    case ML_V_STRING:
        return msgpack_pack_str_with_body(pk, v->u.s, strlen(v->u.s));
    case ML_V_LIST:
        if (msgpack_pack_array(pk, v->u.list.n))
            return -1;
        for (size_t i = 0; i < v->u.list.n; i++)
            if (ml_pack_value(pk, &v->u.list.items[i]))
                return -1;
        return 0;
    }
    return -1;
}

int ml_pack_params(msgpack_packer *pk, const char *const *names, const ml_value_t *values,
                   size_t n)
{
    int bad = msgpack_pack_map(pk, n);
    for (size_t i = 0; i < n && !bad; i++)
        bad = ml_pack_key(pk, names[i]) || ml_pack_value(pk, &values[i]);
    return bad;
}

int ml_pack_f64s(msgpack_packer *pk, const double *a, int64_t n)
{
    if (msgpack_pack_array(pk, (size_t)n))
        return -1;
    for (int64_t i = 0; i < n; i++)
        if (msgpack_pack_double(pk, a[i]))
            return -1;
    return 0;
}

void ml_le_copy(void *dst, const void *src, size_t n, size_t width)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < width; b++)
            d[i * width + b] = s[i * width + width - 1 - b];
#else
    memcpy(dst, src, n * width);
#endif
}

#define S_LE_CHUNK 8192 /* elements converted at a time */

int ml_pack_le(msgpack_packer *pk, const void *a, size_t n, size_t width)
{
    if (n > UINT32_MAX / width)
        return DSK_ETOOBIG;
    if (msgpack_pack_bin(pk, n * width))
        return DSK_ENOMEM;
    unsigned char buf[S_LE_CHUNK * 8];
    const unsigned char *src = a;
    for (size_t at = 0; at < n; at += S_LE_CHUNK) {
        size_t m = n - at < S_LE_CHUNK ? n - at : S_LE_CHUNK;
        ml_le_copy(buf, src + at * width, m, width);
        if (msgpack_pack_bin_body(pk, buf, m * width))
            return DSK_ENOMEM;
    }
    return DSK_OK;
}

int ml_pack_f64s_bin(msgpack_packer *pk, const double *a, int64_t n)
{
    return ml_pack_le(pk, a, (size_t)n, sizeof *a);
}

int ml_pack_i32s(msgpack_packer *pk, const int32_t *a, int64_t n)
{
    int bad = msgpack_pack_array(pk, (size_t)n);
    for (int64_t i = 0; i < n && !bad; i++)
        bad = msgpack_pack_int32(pk, a[i]);
    return bad;
}

int ml_pack_i64s(msgpack_packer *pk, const int64_t *a, int64_t n)
{
    int bad = msgpack_pack_array(pk, (size_t)n);
    for (int64_t i = 0; i < n && !bad; i++)
        bad = msgpack_pack_int64(pk, a[i]);
    return bad;
}

const msgpack_object *ml_unpack_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == kl &&
            memcmp(k->via.str.ptr, key, kl) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

/* Recursion depth is bounded by the caller's dsk_mp_unpack of the bytes. */
int ml_unpack_value(const msgpack_object *o, ml_value_t *out, char *err)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        *out = ml_value_none();
        return DSK_OK;
    case MSGPACK_OBJECT_BOOLEAN:
        *out = ml_value_bool(o->via.boolean);
        return DSK_OK;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > INT64_MAX)
            return dsk_seterr(err, DSK_EPROTO, "integer %llu is out of range",
                              (unsigned long long)o->via.u64);
        *out = ml_value_int((int64_t)o->via.u64);
        return DSK_OK;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = ml_value_int(o->via.i64);
        return DSK_OK;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        *out = ml_value_float(o->via.f64);
        return DSK_OK;
    case MSGPACK_OBJECT_STR: {
        char *s = dsk_xstrndup(o->via.str.ptr, o->via.str.size);
        *out = (ml_value_t){.type = ML_V_STRING, .u.s = s};
        return DSK_OK;
    }
    case MSGPACK_OBJECT_ARRAY:
        *out = ml_value_list(o->via.array.size);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            int rc = ml_unpack_value(&o->via.array.ptr[i], &out->u.list.items[i], err);
            if (rc) {
                ml_value_clear(out);
                return rc;
            }
        }
        return DSK_OK;
    default:
        return dsk_seterr(err, DSK_EPROTO, "a parameter value must be nil, bool, number, "
                                           "string or array (msgpack type %d)", (int)o->type);
    }
}

int ml_unpack_int(const msgpack_object *o, int64_t lo, int64_t hi, int64_t *out)
{
    if (!o)
        return -1;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= (uint64_t)INT64_MAX)
        *out = (int64_t)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *out = o->via.i64;
    else
        return -1;
    return *out >= lo && *out <= hi ? 0 : -1;
}

int64_t *ml_unpack_i64s(const msgpack_object *o, int64_t n, int64_t lo, int64_t hi)
{
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || n < 0 || (int64_t)o->via.array.size != n)
        return NULL;
    int64_t *a = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *a);
    for (int64_t i = 0; i < n; i++)
        if (ml_unpack_int(&o->via.array.ptr[i], lo, hi, &a[i]) != 0) {
            free(a);
            return NULL;
        }
    return a;
}

double *ml_unpack_f64s(const msgpack_object *o, int64_t n)
{
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || n < 0 || (int64_t)o->via.array.size != n)
        return NULL;
    double *a = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *a);
    for (int64_t i = 0; i < n; i++) {
        const msgpack_object *e = &o->via.array.ptr[i];
        if (e->type == MSGPACK_OBJECT_FLOAT64 || e->type == MSGPACK_OBJECT_FLOAT32)
            a[i] = e->via.f64;
        else if (e->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            a[i] = (double)e->via.u64;
        else if (e->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            a[i] = (double)e->via.i64;
        else {
            free(a);
            return NULL;
        }
    }
    return a;
}

double *ml_unpack_f64s_bin(const msgpack_object *o, int64_t n)
{
    if (!o || o->type != MSGPACK_OBJECT_BIN || n < 0 ||
        (uint64_t)o->via.bin.size / 8 != (uint64_t)n || o->via.bin.size % 8 != 0)
        return NULL;
    double *a = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *a);
    const unsigned char *b = (const unsigned char *)o->via.bin.ptr;
    for (int64_t i = 0; i < n; i++) {
        uint64_t u = 0;
        for (int j = 7; j >= 0; j--)
            u = (u << 8) | b[i * 8 + j];
        memcpy(&a[i], &u, 8);
    }
    return a;
}

int32_t *ml_unpack_classes(const msgpack_object *o, int32_t *k)
{
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2 ||
        o->via.array.size > INT32_MAX)
        return NULL;
    int32_t n = (int32_t)o->via.array.size;
    int32_t *c = dsk_xmalloc((size_t)n * sizeof *c);
    for (int32_t i = 0; i < n; i++) {
        int64_t x;
        if (ml_unpack_int(&o->via.array.ptr[i], INT32_MIN, INT32_MAX, &x) != 0 ||
            (i > 0 && x <= c[i - 1])) {
            free(c);
            return NULL;
        }
        c[i] = (int32_t)x;
    }
    *k = n;
    return c;
}

int ml_unpack_params(const msgpack_object *map, ml_unpack_set_fn set, void *impl, char *err)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return dsk_seterr(err, DSK_EPROTO, "the parameters are not a map");
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        char name[128];
        if (k->type != MSGPACK_OBJECT_STR || k->via.str.size >= sizeof name)
            return dsk_seterr(err, DSK_EPROTO, "a parameter name is not a short string");
        memcpy(name, k->via.str.ptr, k->via.str.size);
        name[k->via.str.size] = '\0';
        ml_value_t v;
        int rc = ml_unpack_value(&map->via.map.ptr[i].val, &v, err);
        if (rc == DSK_OK) {
            rc = set(impl, name, &v, err);
            ml_value_clear(&v);
        }
        if (rc)
            return rc;
    }
    return DSK_OK;
}
