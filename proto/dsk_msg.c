/*
 * dsk_msg.c — the table of dsk messages, and the encoder and decoder it
 * drives.
 *
 * Each message type is a list of positional fields; each field says where
 * it lives in dsk_msg_t, its kind and its limit. Adding a message or a
 * field is adding a table row: the encoder, the decoder, the limits and
 * the error texts all follow from it. The order of the rows is the wire
 * order, and it is the order of the struct members in dsk_msg.h.
 */
#include "dsk_msg.h"

#include <msgpack.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_mpcheck.h"

#define S_ENVELOPE 3 /* "DSK", version, type: the elements before field 1 */

typedef enum { S_U32, S_U64, S_I32, S_STR, S_LIST, S_BIN } s_kind_t;

typedef struct s_field s_field_t;
struct s_field {
    const char *name;
    s_kind_t kind;
    size_t offset;            /* of the value in its struct */
    size_t max;               /* S_STR: bytes (the buffer holds max + 1); S_LIST: elements;
                                 S_BIN: bytes (0: bounded by the frame only) */
    size_t count_offset;      /* S_LIST: of the uint32_t element count */
    const s_field_t *elem;    /* S_LIST: the fields of one element (no lists) */
    size_t elem_nfields;
    size_t elem_size;
};

#define S_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define S_M(type, member) offsetof(dsk_msg_t, u.type.member)
#define S_W(member) offsetof(dsk_worker_info_t, member)
#define S_NUM(n, k, off) {.name = n, .kind = k, .offset = off}
#define S_TEXT(n, off, limit) {.name = n, .kind = S_STR, .offset = off, .max = limit}

static const s_field_t s_worker_fields[] = {
    S_TEXT("name", S_W(name), DSK_NAME_MAX),
    S_TEXT("host", S_W(host), DSK_HOST_MAX),
    S_TEXT("address", S_W(address), DSK_ADDR_MAX),
    S_NUM("pid", S_U32, S_W(pid)),
    S_NUM("nthreads", S_U32, S_W(nthreads)),
    S_NUM("memory_limit", S_U64, S_W(memory_limit)),
    S_NUM("memory_used", S_U64, S_W(memory_used)),
    S_NUM("tasks_running", S_U32, S_W(tasks_running)),
    S_NUM("tasks_queued", S_U32, S_W(tasks_queued)),
    S_NUM("last_seen_ms", S_U64, S_W(last_seen_ms)),
    S_NUM("uptime_ms", S_U64, S_W(uptime_ms)),
    S_TEXT("running", S_W(running), DSK_RUNNING_MAX),
    S_NUM("held", S_U64, S_W(held)),
    S_NUM("spilled", S_U64, S_W(spilled)),
    S_NUM("paused", S_U32, S_W(paused)),
};

static const s_field_t s_register_fields[] = {
    S_TEXT("name", S_M(reg, name), DSK_NAME_MAX),
    S_TEXT("host", S_M(reg, host), DSK_HOST_MAX),
    S_NUM("instance", S_U64, S_M(reg, instance)),
    S_NUM("pid", S_U32, S_M(reg, pid)),
    S_NUM("nthreads", S_U32, S_M(reg, nthreads)),
    S_NUM("memory_limit", S_U64, S_M(reg, memory_limit)),
    S_NUM("connection", S_U32, S_M(reg, connection)),
};

static const s_field_t s_welcome_fields[] = {
    S_NUM("worker_id", S_U64, S_M(welcome, worker_id)),
    S_NUM("heartbeat_ms", S_U32, S_M(welcome, heartbeat_ms)),
    S_NUM("scheduler", S_U64, S_M(welcome, scheduler)),
};

static const s_field_t s_heartbeat_fields[] = {
    S_NUM("memory_used", S_U64, S_M(heartbeat, memory_used)),
    S_NUM("tasks_running", S_U32, S_M(heartbeat, tasks_running)),
    S_NUM("tasks_queued", S_U32, S_M(heartbeat, tasks_queued)),
    S_NUM("tasks_stale", S_U32, S_M(heartbeat, tasks_stale)),
    S_NUM("cpu_ms", S_U64, S_M(heartbeat, cpu_ms)),
    S_NUM("held", S_U64, S_M(heartbeat, held)),
    S_NUM("spilled", S_U64, S_M(heartbeat, spilled)),
    S_NUM("paused", S_U32, S_M(heartbeat, paused)),
    S_NUM("worker_id", S_U64, S_M(heartbeat, worker_id)),
    S_NUM("instance", S_U64, S_M(heartbeat, instance)),
};

static const s_field_t s_disconnect_fields[] = {
    S_NUM("code", S_I32, S_M(disconnect, code)),
    S_TEXT("reason", S_M(disconnect, reason), DSK_TEXT_MAX),
};

static const s_field_t s_status_req_fields[] = {
    S_NUM("flags", S_U32, S_M(status_req, flags)),
};

static const s_field_t s_status_rep_fields[] = {
    S_NUM("uptime_ms", S_U64, S_M(status_rep, uptime_ms)),
    S_NUM("tasks_running", S_U32, S_M(status_rep, tasks_running)),
    S_NUM("tasks_queued", S_U32, S_M(status_rep, tasks_queued)),
    S_NUM("jobs", S_U32, S_M(status_rep, jobs)),
    {.name = "workers", .kind = S_LIST, .offset = S_M(status_rep, workers),
     .max = DSK_STATUS_MAX_WORKERS, .count_offset = S_M(status_rep, n_workers),
     .elem = s_worker_fields, .elem_nfields = S_NFIELDS(s_worker_fields),
     .elem_size = sizeof(dsk_worker_info_t)},
    S_NUM("curve", S_U32, S_M(status_rep, curve)),
    S_NUM("messages_handled", S_U64, S_M(status_rep, messages_handled)),
    S_NUM("refused_handshakes", S_U64, S_M(status_rep, refused_handshakes)),
    S_NUM("refused_keys", S_U64, S_M(status_rep, refused_keys)),
    S_NUM("refused_messages", S_U64, S_M(status_rep, refused_messages)),
};

#define S_BYTES(n, off) {.name = n, .kind = S_BIN, .offset = off}

static const s_field_t s_submit_fields[] = {
    S_NUM("kind", S_U32, S_M(submit, kind)),
    S_NUM("flags", S_U32, S_M(submit, flags)),
    S_TEXT("name", S_M(submit, name), DSK_NAME_MAX),
    S_BYTES("job", S_M(submit, job)),
    S_BYTES("data", S_M(submit, data)),
    S_NUM("token", S_U64, S_M(submit, token)),
};

static const s_field_t s_job_state_fields[] = {
    S_NUM("job_id", S_U64, S_M(job_state, job_id)),
    S_NUM("state", S_U32, S_M(job_state, state)),
    S_NUM("done", S_U64, S_M(job_state, done)),
    S_NUM("total", S_U64, S_M(job_state, total)),
    S_TEXT("text", S_M(job_state, text), DSK_TEXT_MAX),
    S_BYTES("result", S_M(job_state, result)),
    S_BYTES("model", S_M(job_state, model)),
    S_NUM("scheduler", S_U64, S_M(job_state, scheduler)),
};

static const s_field_t s_job_req_fields[] = {
    S_NUM("op", S_U32, S_M(job_req, op)),
    S_NUM("job_id", S_U64, S_M(job_req, job_id)),
};

static const s_field_t s_data_put_fields[] = {
    S_TEXT("key", S_M(data_put, key), DSK_KEY_MAX),
    S_BYTES("data", S_M(data_put, data)),
    S_NUM("kind", S_U32, S_M(data_put, kind)),
};

static const s_field_t s_task_fields[] = {
    S_NUM("task_id", S_U64, S_M(task, task_id)),
    S_NUM("kind", S_U32, S_M(task, kind)),
    S_TEXT("data_key", S_M(task, data_key), DSK_KEY_MAX),
    S_TEXT("job_key", S_M(task, job_key), DSK_KEY_MAX),
    S_TEXT("input_key", S_M(task, input_key), DSK_KEY_MAX),
    S_TEXT("key", S_M(task, key), DSK_KEY_MAX),
    S_BYTES("spec", S_M(task, spec)),
    S_BYTES("data", S_M(task, data)),
};

static const s_field_t s_task_done_fields[] = {
    S_NUM("task_id", S_U64, S_M(task_done, task_id)),
    S_NUM("code", S_I32, S_M(task_done, code)),
    S_TEXT("error", S_M(task_done, error), DSK_TEXT_MAX),
    S_NUM("micros", S_U64, S_M(task_done, micros)),
    S_NUM("resident", S_U64, S_M(task_done, resident)),
    S_BYTES("result", S_M(task_done, result)),
    S_NUM("worker_id", S_U64, S_M(task_done, worker_id)),
};

static const s_field_t s_free_fields[] = {
    S_TEXT("key", S_M(free_, key), DSK_KEY_MAX),
};

static const s_field_t s_fetched_fields[] = {
    S_TEXT("key", S_M(fetched, key), DSK_KEY_MAX),
    S_NUM("code", S_I32, S_M(fetched, code)),
    S_TEXT("error", S_M(fetched, error), DSK_TEXT_MAX),
    S_BYTES("data", S_M(fetched, data)),
};

static const s_field_t s_chunk_fields[] = {
    S_NUM("job_id", S_U64, S_M(chunk, job_id)),
    S_NUM("index", S_U64, S_M(chunk, index)),
    S_BYTES("data", S_M(chunk, data)),
};

static const s_field_t s_error_fields[] = {
    S_NUM("code", S_I32, S_M(error, code)),
    S_TEXT("message", S_M(error, message), DSK_TEXT_MAX),
};

typedef struct {
    const char *name;
    const s_field_t *fields;
    size_t nfields;
} s_type_t;

#define S_TYPE(name, fields) {name, fields, S_NFIELDS(fields)}

static const s_type_t s_types[DSK_MSG_TYPE_MAX + 1] = {
    [DSK_MSG_REGISTER] = S_TYPE("REGISTER", s_register_fields),
    [DSK_MSG_WELCOME] = S_TYPE("WELCOME", s_welcome_fields),
    [DSK_MSG_HEARTBEAT] = S_TYPE("HEARTBEAT", s_heartbeat_fields),
    [DSK_MSG_DISCONNECT] = S_TYPE("DISCONNECT", s_disconnect_fields),
    [DSK_MSG_STATUS_REQ] = S_TYPE("STATUS_REQ", s_status_req_fields),
    [DSK_MSG_STATUS_REP] = S_TYPE("STATUS_REP", s_status_rep_fields),
    [DSK_MSG_ERROR] = S_TYPE("ERROR", s_error_fields),
    [DSK_MSG_SUBMIT] = S_TYPE("SUBMIT", s_submit_fields),
    [DSK_MSG_JOB_STATE] = S_TYPE("JOB_STATE", s_job_state_fields),
    [DSK_MSG_JOB_REQ] = S_TYPE("JOB_REQ", s_job_req_fields),
    [DSK_MSG_DATA_PUT] = S_TYPE("DATA_PUT", s_data_put_fields),
    [DSK_MSG_TASK] = S_TYPE("TASK", s_task_fields),
    [DSK_MSG_TASK_DONE] = S_TYPE("TASK_DONE", s_task_done_fields),
    [DSK_MSG_FREE] = S_TYPE("FREE", s_free_fields),
    [DSK_MSG_CHUNK] = S_TYPE("CHUNK", s_chunk_fields),
    [DSK_MSG_CHUNK_DONE] = S_TYPE("CHUNK_DONE", s_chunk_fields),
    [DSK_MSG_FETCH] = S_TYPE("FETCH", s_free_fields),
    [DSK_MSG_FETCHED] = S_TYPE("FETCHED", s_fetched_fields),
};

/*
 * Writes a complaint into a caller's buffer of any size and returns code.
 * The complaints nest (a list element's field inside a field), and going
 * through vsnprintf keeps that composition free of truncation warnings.
 */
static int s_fail(char *why, size_t whylen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_fail(char *why, size_t whylen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return code;
}

static const s_type_t *s_type_of(int type)
{
    if (type < DSK_MSG_TYPE_MIN || type > DSK_MSG_TYPE_MAX)
        return NULL;
    return &s_types[type];
}

const char *dsk_msg_type_name(int type)
{
    const s_type_t *t = s_type_of(type);
    return t ? t->name : "UNKNOWN";
}

/* Frees the lists and bins a message of type t owns; they may be NULL. */
static void s_free_lists(const s_type_t *t, char *base)
{
    for (size_t i = 0; i < t->nfields; i++) {
        const s_field_t *f = &t->fields[i];
        if (f->kind == S_BIN) {
            dsk_bytes_t *b = (dsk_bytes_t *)(base + f->offset);
            free(b->data);
            *b = (dsk_bytes_t){0};
            continue;
        }
        if (f->kind != S_LIST)
            continue;
        void **list = (void **)(base + f->offset);
        free(*list);
        *list = NULL;
        *(uint32_t *)(base + f->count_offset) = 0;
    }
}

void dsk_msg_clear(dsk_msg_t *msg)
{
    if (!msg)
        return;
    const s_type_t *t = s_type_of(msg->type);
    if (t)
        s_free_lists(t, (char *)msg);
    memset(msg, 0, sizeof *msg);
}

/* ---------------------------------------------------------------- encode */

static int s_pack_fields(msgpack_packer *pk, const s_field_t *fields, size_t n,
                         const char *base, char *why, size_t whylen);

/* A list: its count must respect the limit the decoder will apply. */
static int s_pack_list(msgpack_packer *pk, const s_field_t *f, const char *base,
                       char *why, size_t whylen)
{
    uint32_t count = *(const uint32_t *)(base + f->count_offset);
    const char *elems = *(char *const *)(base + f->offset);
    if (count > f->max)
        return s_fail(why, whylen, DSK_EINVAL, " has %u elements, limit %zu", count, f->max);
    if (count > 0 && !elems)
        return s_fail(why, whylen, DSK_EINVAL, " has %u elements but no array", count);
    if (msgpack_pack_array(pk, count) != 0)
        goto nomem;
    for (uint32_t e = 0; e < count; e++) {
        char inner[DSK_ERR_LEN / 2];
        if (msgpack_pack_array(pk, f->elem_nfields) != 0)
            goto nomem;
        int rc = s_pack_fields(pk, f->elem, f->elem_nfields, elems + (size_t)e * f->elem_size,
                               inner, sizeof inner);
        if (rc < 0)
            return s_fail(why, whylen, rc, ": element %u%s", e, inner);
    }
    return DSK_OK;
nomem:
    return s_fail(why, whylen, DSK_ENOMEM, ": out of memory");
}

/*
 * Packs one field's value, refusing what the other side would refuse: a
 * string longer than its limit (or not terminated inside its buffer).
 */
static int s_pack_value(msgpack_packer *pk, const s_field_t *f, const char *base,
                        char *why, size_t whylen)
{
    const char *v = base + f->offset;
    int bad = 0;
    switch (f->kind) {
    case S_U32:
        bad = msgpack_pack_uint32(pk, *(const uint32_t *)v);
        break;
    case S_U64:
        bad = msgpack_pack_uint64(pk, *(const uint64_t *)v);
        break;
    case S_I32:
        bad = msgpack_pack_int32(pk, *(const int32_t *)v);
        break;
    case S_STR: {
        size_t l = strnlen(v, f->max + 1);
        if (l > f->max)
            return s_fail(why, whylen, DSK_EINVAL, " is longer than %zu bytes", f->max);
        bad = msgpack_pack_str_with_body(pk, v, l);
        break;
    }
    case S_LIST:
        return s_pack_list(pk, f, base, why, whylen);
    case S_BIN: {
        const dsk_bytes_t *b = (const dsk_bytes_t *)v;
        if (b->len > UINT32_MAX)
            return s_fail(why, whylen, DSK_EINVAL, " is %zu bytes, more than a bin holds", b->len);
        bad = msgpack_pack_bin(pk, b->len) || (b->len && msgpack_pack_bin_body(pk, b->data, b->len));
        break;
    }
    }
    if (bad)
        return s_fail(why, whylen, DSK_ENOMEM, ": out of memory");
    return DSK_OK;
}

/* Packs n fields of the struct at base; why as in s_decode_fields. */
static int s_pack_fields(msgpack_packer *pk, const s_field_t *fields, size_t n,
                         const char *base, char *why, size_t whylen)
{
    for (size_t i = 0; i < n; i++) {
        char inner[DSK_ERR_LEN / 2];
        int rc = s_pack_value(pk, &fields[i], base, inner, sizeof inner);
        if (rc < 0)
            return s_fail(why, whylen, rc, " field %zu (%s)%s", i + 1, fields[i].name, inner);
    }
    return DSK_OK;
}

/*
 * The envelope, then the fields. The packer writes into an sbuffer whose
 * memory comes from realloc (sbuffer.h), so releasing it hands the caller
 * a buffer it frees with free(), with no copy.
 */
int dsk_msg_encode(const dsk_msg_t *msg, char **buf, size_t *len, char *err)
{
    *buf = NULL;
    *len = 0;
    const s_type_t *t = s_type_of(msg->type);
    if (!t)
        return dsk_seterr(err, DSK_EINVAL, "cannot encode unknown message type %d",
                          (int)msg->type);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    /* room for the bins up front: a 50 MB chunk is not grown by doubling and copying */
    size_t want = 4096;
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].kind == S_BIN)
            want += ((const dsk_bytes_t *)((const char *)msg + t->fields[i].offset))->len + 8;
    if (want > 65536 && (sb.data = malloc(want)) != NULL)
        sb.alloc = want;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char why[DSK_ERR_LEN] = ": out of memory";
    int rc = DSK_ENOMEM;
    if (msgpack_pack_array(&pk, S_ENVELOPE + t->nfields) == 0 &&
        msgpack_pack_str_with_body(&pk, DSK_PROTO_SIGNATURE, strlen(DSK_PROTO_SIGNATURE)) == 0 &&
        msgpack_pack_uint32(&pk, DSK_PROTO_VERSION) == 0 &&
        msgpack_pack_uint32(&pk, (uint32_t)msg->type) == 0)
        rc = s_pack_fields(&pk, t->fields, t->nfields, (const char *)msg, why, sizeof why);
    if (rc < 0) {
        msgpack_sbuffer_destroy(&sb);
        return dsk_seterr(err, rc, "%s%s", t->name, why);
    }
    *len = sb.size;
    *buf = msgpack_sbuffer_release(&sb);
    return DSK_OK;
}

int dsk_msg_encode_with(const dsk_msg_t *msg, int (*fill)(void *arg, msgpack_sbuffer *sb),
                        void *arg, char **buf, size_t *len, char *err)
{
    *buf = NULL;
    *len = 0;
    const s_type_t *t = s_type_of(msg->type);
    if (!t || t->fields[t->nfields - 1].kind != S_BIN)
        return dsk_seterr(err, DSK_EINVAL, "%s does not end in a bin field",
                          dsk_msg_type_name(msg->type));
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char why[DSK_ERR_LEN] = ": out of memory";
    int rc = DSK_ENOMEM;
    if (msgpack_pack_array(&pk, S_ENVELOPE + t->nfields) == 0 &&
        msgpack_pack_str_with_body(&pk, DSK_PROTO_SIGNATURE, strlen(DSK_PROTO_SIGNATURE)) == 0 &&
        msgpack_pack_uint32(&pk, DSK_PROTO_VERSION) == 0 &&
        msgpack_pack_uint32(&pk, (uint32_t)msg->type) == 0)
        rc = s_pack_fields(&pk, t->fields, t->nfields - 1, (const char *)msg, why, sizeof why);
    /* bin 32 with its length patched in once fill has written the bytes */
    size_t head = sb.size;
    static const char bin32[5] = {(char)0xc6, 0, 0, 0, 0};
    if (rc == DSK_OK && msgpack_sbuffer_write(&sb, bin32, sizeof bin32) != 0)
        rc = DSK_ENOMEM;
    if (rc == DSK_OK && fill(arg, &sb) != 0) {
        snprintf(why, sizeof why, ": the payload could not be written");
        rc = DSK_ETOOBIG;
    }
    size_t body = sb.size - head - sizeof bin32;
    if (rc == DSK_OK && body > UINT32_MAX)
        rc = DSK_ETOOBIG;
    if (rc < 0) {
        msgpack_sbuffer_destroy(&sb);
        return dsk_seterr(err, rc, "%s%s", t->name, why);
    }
    for (int i = 0; i < 4; i++)
        sb.data[head + 1 + i] = (char)(body >> (24 - 8 * i));
    *len = sb.size;
    *buf = msgpack_sbuffer_release(&sb);
    return DSK_OK;
}

/* ---------------------------------------------------------------- decode */

/* "an integer", "a string", ...: what a peer sent instead, for errors. */
static const char *s_what(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return "an integer";
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "a negative integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return "a float";
    case MSGPACK_OBJECT_STR: return "a string";
    case MSGPACK_OBJECT_ARRAY: return "an array";
    case MSGPACK_OBJECT_MAP: return "a map";
    case MSGPACK_OBJECT_BIN: return "binary data";
    case MSGPACK_OBJECT_EXT: return "an ext";
    }
    return "an unknown object";
}

/*
 * An integer field. msgpack-c reports every non-negative value, whatever
 * format carried it (int8 included), as POSITIVE_INTEGER and only values
 * below zero as NEGATIVE_INTEGER, so the range checks are all that differ.
 */
static int s_decode_int(const s_field_t *f, const msgpack_object *o, char *v,
                        char *why, size_t whylen)
{
    int is_pos = o->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
    int is_neg = o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
    if (f->kind == S_I32) {
        if (!is_pos && !is_neg)
            return s_fail(why, whylen, DSK_EPROTO, ": expected an integer, got %s", s_what(o));
        if (is_pos && o->via.u64 > INT32_MAX)
            return s_fail(why, whylen, DSK_EPROTO, ": %llu does not fit in a 32-bit signed integer",
                          (unsigned long long)o->via.u64);
        if (is_neg && o->via.i64 < INT32_MIN)
            return s_fail(why, whylen, DSK_EPROTO, ": %lld does not fit in a 32-bit signed integer",
                          (long long)o->via.i64);
        *(int32_t *)v = (int32_t)(is_pos ? (int64_t)o->via.u64 : o->via.i64);
        return DSK_OK;
    }
    if (!is_pos)
        return s_fail(why, whylen, DSK_EPROTO, ": expected an unsigned integer, got %s",
                      s_what(o));
    if (f->kind == S_U32) {
        if (o->via.u64 > UINT32_MAX)
            return s_fail(why, whylen, DSK_EPROTO,
                          ": %llu does not fit in a 32-bit unsigned integer",
                          (unsigned long long)o->via.u64);
        *(uint32_t *)v = (uint32_t)o->via.u64;
    } else {
        *(uint64_t *)v = o->via.u64;
    }
    return DSK_OK;
}

/*
 * A string field, copied into its fixed buffer. An embedded NUL is refused
 * rather than cut: the C side would silently see a different string than
 * the peer sent (a name "a\0b" would register as "a").
 */
static int s_decode_str(const s_field_t *f, const msgpack_object *o, char *v,
                        char *why, size_t whylen)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return s_fail(why, whylen, DSK_EPROTO, ": expected a string, got %s", s_what(o));
    size_t l = o->via.str.size;
    if (l > f->max)
        return s_fail(why, whylen, DSK_ETOOBIG, " is %zu bytes, limit %zu", l, f->max);
    if (l > 0 && memchr(o->via.str.ptr, '\0', l))
        return s_fail(why, whylen, DSK_EPROTO, ": string contains a NUL byte");
    if (l > 0)
        memcpy(v, o->via.str.ptr, l);
    v[l] = '\0';
    return DSK_OK;
}

static int s_decode_fields(const s_field_t *fields, size_t n, const msgpack_object *items,
                           char *base, char *why, size_t whylen);

/* A bin field, copied out of the zone (the message owns the copy). */
static int s_decode_bin(const msgpack_object *o, char *v, char *why, size_t whylen)
{
    if (o->type != MSGPACK_OBJECT_BIN)
        return s_fail(why, whylen, DSK_EPROTO, ": expected binary data, got %s", s_what(o));
    dsk_bytes_t *b = (dsk_bytes_t *)v;
    b->len = o->via.bin.size;
    if (b->len == 0)
        return DSK_OK;
    b->data = malloc(b->len);
    if (!b->data)
        return s_fail(why, whylen, DSK_ENOMEM, ": out of memory for %zu bytes", b->len);
    memcpy(b->data, o->via.bin.ptr, b->len);
    return DSK_OK;
}

/*
 * A list of records. The array is allocated and hung on the message before
 * the elements are read, so that whatever happens next, clearing the
 * message frees it. Each element is an array with at least the element's
 * fields; extra trailing ones are ignored as they are in the envelope.
 */
static int s_decode_list(const s_field_t *f, const msgpack_object *o, char *base,
                         char *why, size_t whylen)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return s_fail(why, whylen, DSK_EPROTO, ": expected an array, got %s", s_what(o));
    uint32_t count = o->via.array.size;
    if (count > f->max)
        return s_fail(why, whylen, DSK_ETOOBIG, " has %u elements, limit %zu", count, f->max);
    if (count == 0)
        return DSK_OK;
    char *elems = calloc(count, f->elem_size);
    if (!elems)
        return s_fail(why, whylen, DSK_ENOMEM, ": out of memory for %u elements", count);
    *(char **)(base + f->offset) = elems;
    *(uint32_t *)(base + f->count_offset) = count;
    for (uint32_t e = 0; e < count; e++) {
        const msgpack_object *item = &o->via.array.ptr[e];
        if (item->type != MSGPACK_OBJECT_ARRAY)
            return s_fail(why, whylen, DSK_EPROTO, ": element %u: expected an array, got %s",
                          e, s_what(item));
        if (item->via.array.size < f->elem_nfields)
            return s_fail(why, whylen, DSK_EPROTO, ": element %u has %u fields, needs %zu",
                          e, item->via.array.size, f->elem_nfields);
        char inner[DSK_ERR_LEN / 2];
        int rc = s_decode_fields(f->elem, f->elem_nfields, item->via.array.ptr,
                                 elems + (size_t)e * f->elem_size, inner, sizeof inner);
        if (rc < 0)
            return s_fail(why, whylen, rc, ": element %u%s", e, inner);
    }
    return DSK_OK;
}

/*
 * Reads n fields from consecutive msgpack items into the struct at base.
 * On failure why reads " field N (name)<complaint>", to follow the type
 * name or an element number.
 */
static int s_decode_fields(const s_field_t *fields, size_t n, const msgpack_object *items,
                           char *base, char *why, size_t whylen)
{
    for (size_t i = 0; i < n; i++) {
        const s_field_t *f = &fields[i];
        char inner[DSK_ERR_LEN / 2];
        int rc;
        if (f->kind == S_STR)
            rc = s_decode_str(f, &items[i], base + f->offset, inner, sizeof inner);
        else if (f->kind == S_LIST)
            rc = s_decode_list(f, &items[i], base, inner, sizeof inner);
        else if (f->kind == S_BIN)
            rc = s_decode_bin(&items[i], base + f->offset, inner, sizeof inner);
        else
            rc = s_decode_int(f, &items[i], base + f->offset, inner, sizeof inner);
        if (rc < 0)
            return s_fail(why, whylen, rc, " field %zu (%s)%s", i + 1, f->name, inner);
    }
    return DSK_OK;
}

/*
 * ["DSK", version, type, ...]: is this a dsk message at all, of a version
 * we speak, of a type we know, with every field the type has? Each answer
 * gets its own error, so a log line says which peer is confused and how.
 */
static int s_decode_envelope(const msgpack_object *root, const s_type_t **type_p,
                             int *type, char *err)
{
    if (root->type != MSGPACK_OBJECT_ARRAY)
        return dsk_seterr(err, DSK_EPROTO, "not a dsk message: expected an array, got %s",
                          s_what(root));
    const msgpack_object *items = root->via.array.ptr;
    uint32_t size = root->via.array.size;
    size_t siglen = strlen(DSK_PROTO_SIGNATURE);
    if (size < 1 || items[0].type != MSGPACK_OBJECT_STR || items[0].via.str.size != siglen ||
        memcmp(items[0].via.str.ptr, DSK_PROTO_SIGNATURE, siglen) != 0)
        return dsk_seterr(err, DSK_EPROTO, "not a dsk message: bad signature");
    if (size < S_ENVELOPE)
        return dsk_seterr(err, DSK_EPROTO, "dsk message of %u elements: too short for "
                          "signature, version and type", size);
    if (items[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return dsk_seterr(err, DSK_EPROTO, "bad protocol version: expected an integer, got %s",
                          s_what(&items[1]));
    if (items[1].via.u64 != DSK_PROTO_VERSION)
        return dsk_seterr(err, DSK_EVERSION, "protocol version %llu, this side speaks %d",
                          (unsigned long long)items[1].via.u64, DSK_PROTO_VERSION);
    const msgpack_object *t = &items[2];
    if (t->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return dsk_seterr(err, DSK_EPROTO, "unknown message type %lld", (long long)t->via.i64);
    if (t->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return dsk_seterr(err, DSK_EPROTO, "bad message type: expected an integer, got %s",
                          s_what(t));
    if (t->via.u64 < DSK_MSG_TYPE_MIN || t->via.u64 > DSK_MSG_TYPE_MAX)
        return dsk_seterr(err, DSK_EPROTO, "unknown message type %llu",
                          (unsigned long long)t->via.u64);
    *type = (int)t->via.u64;
    *type_p = s_type_of(*type);
    size_t have = size - S_ENVELOPE;
    if (have < (*type_p)->nfields)
        return dsk_seterr(err, DSK_EPROTO, "%s field %zu (%s): missing (the message has %zu "
                          "fields, needs %zu)", (*type_p)->name, have + 1,
                          (*type_p)->fields[have].name, have, (*type_p)->nfields);
    return DSK_OK;
}

/*
 * The bytes are proved sound by dsk_mp_check before msgpack-c sees them
 * (dsk_mp_unpack),
 * so its allocations are bounded by the object limit and its fixed-depth
 * stack (32 containers) is never exceeded. Everything kept is copied out
 * of the zone before it is freed; on any failure the message is cleared.
 */
int dsk_msg_decode(const void *buf, size_t len, dsk_msg_t *msg, char *err)
{
    memset(msg, 0, sizeof *msg);
    msgpack_unpacked up;
    int rc = dsk_mp_unpack(buf, len, DSK_PROTO_MAX_DEPTH, DSK_PROTO_MAX_OBJECTS, &up, err);
    if (rc < 0)
        goto malformed;
    const s_type_t *t = NULL;
    int type = 0;
    rc = s_decode_envelope(&up.data, &t, &type, err);
    if (rc < 0)
        goto malformed;
    msg->type = (dsk_msg_type_t)type;
    char why[DSK_ERR_LEN];
    rc = s_decode_fields(t->fields, t->nfields, up.data.via.array.ptr + S_ENVELOPE,
                         (char *)msg, why, sizeof why);
    if (rc < 0) {
        dsk_seterr(err, rc, "%s%s", t->name, why);
        goto malformed;
    }
    msgpack_unpacked_destroy(&up);
    return DSK_OK;

malformed:
    msgpack_unpacked_destroy(&up);
    dsk_msg_clear(msg);
    return rc;
}

int dsk_msg_has_signature(const void *buf, size_t len)
{
    const unsigned char *b = buf;
    size_t head;
    if (len >= 1 && (b[0] & 0xf0) == 0x90)
        head = 1; /* fixarray */
    else if (len >= 1 && b[0] == 0xdc)
        head = 3; /* array16 */
    else if (len >= 1 && b[0] == 0xdd)
        head = 5; /* array32 */
    else
        return 0;
    const size_t sig = sizeof DSK_PROTO_SIGNATURE - 1;
    return len >= head + 1 + sig && b[head] == (0xa0 | sig) &&
           memcmp(b + head + 1, DSK_PROTO_SIGNATURE, sig) == 0;
}
