/*
 * check_msg.c — the dsk message codec: round trips of every message, then
 * every way a peer can get a frame wrong (bad envelope, types, ranges,
 * limits, truncations, bombs inside an envelope, random and mutated frames).
 */
#include "proto_fixtures.h"
/* ------------------------------------------------------------- msg */

/* A string of exactly len bytes of c (the buffer must hold len + 1). */
static void s_fill(char *dst, char c, size_t len)
{
    memset(dst, c, len);
    dst[len] = '\0';
}

static void s_worker(dsk_worker_info_t *w, unsigned i, int longest)
{
    if (longest) {
        s_fill(w->name, (char)('a' + i % 26), DSK_NAME_MAX);
        s_fill(w->host, 'h', DSK_HOST_MAX);
        s_fill(w->address, 'z', DSK_ADDR_MAX);
    } else {
        snprintf(w->name, sizeof w->name, "worker-%u", i);
        snprintf(w->host, sizeof w->host, "node%u.example", i);
        snprintf(w->address, sizeof w->address, "10.0.0.%u", i % 250);
    }
    w->pid = 1000 + i;
    w->nthreads = UINT32_MAX - i;
    w->memory_limit = UINT64_MAX - i;
    w->memory_used = (1ULL << 40) + i;
    w->tasks_running = 7 + i;
    w->tasks_queued = 70000 + i;
    w->last_seen_ms = 123456789012ULL + i;
    w->uptime_ms = 1ULL << 33;
    if (longest)
        s_fill(w->running, 'r', DSK_RUNNING_MAX);
    else
        snprintf(w->running, sizeof w->running, "prefix:%u score:2", i);
    w->held = (3ULL << 30) + i;
    w->spilled = (5ULL << 33) + i;
    w->paused = i % 2;
}

/*
 * A message of the given type with every field set to something other
 * than zero, at the edges where that is interesting (UINT64_MAX, INT32_MIN,
 * strings at their limit). Built on zeroed memory, so two such messages
 * compare with memcmp, padding included.
 */
/* n bytes of value c (c 0: a counting pattern), malloc'd into b. */
static void s_bytes(dsk_bytes_t *b, size_t n, int c)
{
    b->data = malloc(n);
    ck_assert_ptr_nonnull(b->data);
    for (size_t i = 0; i < n; i++)
        b->data[i] = (unsigned char)(c ? c : (int)i);
    b->len = n;
}

static void s_full(dsk_msg_t *m, int type, unsigned nworkers, int longest)
{
    memset(m, 0, sizeof *m);
    m->type = (dsk_msg_type_t)type;
    switch (type) {
    case DSK_MSG_REGISTER:
        s_fill(m->u.reg.name, 'n', DSK_NAME_MAX);
        snprintf(m->u.reg.host, sizeof m->u.reg.host, "héte.example"); /* UTF-8 */
        m->u.reg.instance = 0xfedcba9876543210ULL;
        m->u.reg.pid = 4242;
        m->u.reg.nthreads = 64;
        m->u.reg.memory_limit = UINT64_MAX;
        m->u.reg.connection = UINT32_MAX;
        break;
    case DSK_MSG_WELCOME:
        m->u.welcome.worker_id = 1ULL << 63;
        m->u.welcome.heartbeat_ms = UINT32_MAX;
        m->u.welcome.scheduler = 0x0123456789abcdefULL;
        break;
    case DSK_MSG_HEARTBEAT:
        m->u.heartbeat.memory_used = 3ULL << 32;
        m->u.heartbeat.tasks_running = 12;
        m->u.heartbeat.tasks_queued = 65536;
        m->u.heartbeat.tasks_stale = 3;
        m->u.heartbeat.cpu_ms = 1ULL << 40;
        m->u.heartbeat.held = (1ULL << 35) + 1;
        m->u.heartbeat.spilled = UINT64_MAX;
        m->u.heartbeat.paused = 1;
        m->u.heartbeat.worker_id = (1ULL << 52) + 7;
        m->u.heartbeat.instance = UINT64_MAX - 1;
        break;
    case DSK_MSG_DISCONNECT:
        m->u.disconnect.code = INT32_MIN;
        s_fill(m->u.disconnect.reason, 'r', DSK_TEXT_MAX);
        break;
    case DSK_MSG_STATUS_REQ:
        m->u.status_req.flags = 0x80000001u;
        break;
    case DSK_MSG_STATUS_REP: {
        dsk_msg_status_rep_t *st = &m->u.status_rep;
        st->uptime_ms = 86400000ULL * 365;
        st->tasks_running = 3;
        st->tasks_queued = 300;
        st->jobs = 9;
        st->n_workers = nworkers;
        st->workers = nworkers ? calloc(nworkers, sizeof *st->workers) : NULL;
        for (unsigned i = 0; i < nworkers; i++)
            s_worker(&st->workers[i], i, longest);
        break;
    }
    case DSK_MSG_ERROR:
        m->u.error.code = DSK_ESTATE;
        snprintf(m->u.error.message, sizeof m->u.error.message,
                 "worker name 'x' is taken by a live worker at 10.0.0.1 (pid 17)");
        break;
    case DSK_MSG_SUBMIT:
        m->u.submit.kind = DSK_JOB_SEARCH;
        s_fill(m->u.submit.name, 'j', DSK_NAME_MAX);
        s_bytes(&m->u.submit.job, 300, 'J');
        s_bytes(&m->u.submit.data, 70000, 0);
        break;
    case DSK_MSG_JOB_STATE:
        m->u.job_state.job_id = 77;
        m->u.job_state.state = DSK_JOB_DONE;
        m->u.job_state.done = m->u.job_state.total = 18;
        s_fill(m->u.job_state.text, 't', DSK_TEXT_MAX);
        s_bytes(&m->u.job_state.result, 1000, '{');
        break;
    case DSK_MSG_JOB_REQ:
        m->u.job_req.op = DSK_JOBREQ_CANCEL;
        m->u.job_req.job_id = UINT64_MAX;
        break;
    case DSK_MSG_DATA_PUT:
        s_fill(m->u.data_put.key, 'k', DSK_KEY_MAX);
        s_bytes(&m->u.data_put.data, 5, 7);
        m->u.data_put.kind = DSK_DATA_MODEL;
        break;
    case DSK_MSG_TASK:
        m->u.task.task_id = 1ULL << 40;
        m->u.task.kind = DSK_TASK_PREDICT;
        s_fill(m->u.task.data_key, 'd', DSK_KEY_MAX);
        s_fill(m->u.task.job_key, 'j', 32);
        s_fill(m->u.task.key, 'k', 32);
        s_fill(m->u.task.input_key, 'i', 32);
        s_bytes(&m->u.task.spec, 400, 0x81);
        s_bytes(&m->u.task.data, 3000, 0);
        break;
    case DSK_MSG_TASK_DONE:
        m->u.task_done.task_id = 9;
        m->u.task_done.code = DSK_EINVAL;
        s_fill(m->u.task_done.error, 'e', DSK_TEXT_MAX);
        m->u.task_done.micros = 123456789;
        m->u.task_done.resident = 1ULL << 33;
        s_bytes(&m->u.task_done.result, 24, 0xcb);
        m->u.task_done.worker_id = 5;
        break;
    case DSK_MSG_FREE:
    case DSK_MSG_FETCH:
        s_fill(m->u.free_.key, 'f', DSK_KEY_MAX);
        break;
    case DSK_MSG_FETCHED:
        s_fill(m->u.fetched.key, 'k', 32);
        m->u.fetched.code = DSK_ENOTFOUND;
        s_fill(m->u.fetched.error, 'e', 100);
        s_bytes(&m->u.fetched.data, 5000, 0);
        break;
    case DSK_MSG_CHUNK:
    case DSK_MSG_CHUNK_DONE:
        m->u.chunk.job_id = 5;
        m->u.chunk.index = 1ULL << 35;
        s_bytes(&m->u.chunk.data, 9000, 0);
        break;
    }
}

/* The bin fields of a message of type t (their number; at most 2). */
static int s_bins(dsk_msg_t *m, dsk_bytes_t *out[2])
{
    switch (m->type) {
    case DSK_MSG_SUBMIT: out[0] = &m->u.submit.job; out[1] = &m->u.submit.data; return 2;
    case DSK_MSG_JOB_STATE: out[0] = &m->u.job_state.result; out[1] = &m->u.job_state.model; return 2;
    case DSK_MSG_DATA_PUT: out[0] = &m->u.data_put.data; return 1;
    case DSK_MSG_TASK: out[0] = &m->u.task.spec; out[1] = &m->u.task.data; return 2;
    case DSK_MSG_CHUNK:
    case DSK_MSG_CHUNK_DONE: out[0] = &m->u.chunk.data; return 1;
    case DSK_MSG_FETCHED: out[0] = &m->u.fetched.data; return 1;
    case DSK_MSG_TASK_DONE: out[0] = &m->u.task_done.result; return 1;
    default: return 0;
    }
}

static void s_assert_same(const dsk_msg_t *a, const dsk_msg_t *b)
{
    ck_assert_int_eq(a->type, b->type);
    if (a->type != DSK_MSG_STATUS_REP) {
        /* bins compared by content, the rest byte for byte */
        dsk_msg_t x = *a, y = *b;
        dsk_bytes_t *bx[2], *by[2];
        int n = s_bins(&x, bx);
        s_bins(&y, by);
        for (int i = 0; i < n; i++) {
            ck_assert_uint_eq(bx[i]->len, by[i]->len);
            ck_assert(bx[i]->len == 0 || memcmp(bx[i]->data, by[i]->data, bx[i]->len) == 0);
            *bx[i] = *by[i] = (dsk_bytes_t){0};
        }
        ck_assert(memcmp(&x, &y, sizeof x) == 0);
        return;
    }
    const dsk_msg_status_rep_t *x = &a->u.status_rep, *y = &b->u.status_rep;
    ck_assert_uint_eq(x->uptime_ms, y->uptime_ms);
    ck_assert_uint_eq(x->tasks_running, y->tasks_running);
    ck_assert_uint_eq(x->tasks_queued, y->tasks_queued);
    ck_assert_uint_eq(x->jobs, y->jobs);
    ck_assert_uint_eq(x->n_workers, y->n_workers);
    if (x->n_workers)
        ck_assert(memcmp(x->workers, y->workers, x->n_workers * sizeof *x->workers) == 0);
    else
        ck_assert_ptr_null(y->workers);
}

static void s_encode(const dsk_msg_t *m, char **buf, size_t *len)
{
    char err[DSK_ERR_LEN] = "";
    int rc = dsk_msg_encode(m, buf, len, err);
    ck_assert_msg(rc == 0, "encode %s: %s", dsk_msg_type_name(m->type), err);
}

static void s_round_trip(const dsk_msg_t *m)
{
    char *buf;
    size_t len;
    char err[DSK_ERR_LEN];
    dsk_msg_t out;
    s_encode(m, &buf, &len);
    int rc = s_decode(buf, len, &out, err);
    ck_assert_msg(rc == 0, "decode %s: %s", dsk_msg_type_name(m->type), err);
    s_assert_same(m, &out);
    dsk_msg_clear(&out);
    free(buf);
}

START_TEST(test_round_trip_every_type)
{
    for (int type = DSK_MSG_TYPE_MIN; type <= DSK_MSG_TYPE_MAX; type++) {
        dsk_msg_t m;
        s_full(&m, type, 3, 0);
        s_round_trip(&m);
        dsk_msg_clear(&m);
        /* And every field at zero / empty. */
        memset(&m, 0, sizeof m);
        m.type = (dsk_msg_type_t)type;
        s_round_trip(&m);
    }
}
END_TEST

START_TEST(test_round_trip_status_rep)
{
    const unsigned counts[] = {0, 1, 2, 17};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        for (int longest = 0; longest <= 1; longest++) {
            dsk_msg_t m;
            s_full(&m, DSK_MSG_STATUS_REP, counts[i], longest);
            s_round_trip(&m);
            dsk_msg_clear(&m);
            ck_assert(s_is_zero(&m, sizeof m));
        }
}
END_TEST

START_TEST(test_round_trip_most_workers)
{
    dsk_msg_t m;
    s_full(&m, DSK_MSG_STATUS_REP, DSK_STATUS_MAX_WORKERS, 0);
    s_round_trip(&m);
    dsk_msg_clear(&m);
}
END_TEST

/* The wire order is the struct order: look at the encoding with msgpack-c. */
START_TEST(test_wire_order)
{
    dsk_msg_t m;
    s_full(&m, DSK_MSG_STATUS_REP, 2, 0);
    char *buf;
    size_t len;
    s_encode(&m, &buf, &len);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(msgpack_unpack_next(&up, buf, len, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *e = up.data.via.array.ptr;
    ck_assert_uint_eq(up.data.via.array.size, 13);
    ck_assert_int_eq(e[0].type, MSGPACK_OBJECT_STR);
    ck_assert(e[0].via.str.size == 3 && memcmp(e[0].via.str.ptr, "DSK", 3) == 0);
    ck_assert_uint_eq(e[1].via.u64, DSK_PROTO_VERSION);
    ck_assert_uint_eq(e[2].via.u64, DSK_MSG_STATUS_REP);
    ck_assert_uint_eq(e[3].via.u64, m.u.status_rep.uptime_ms);
    ck_assert_uint_eq(e[4].via.u64, m.u.status_rep.tasks_running);
    ck_assert_uint_eq(e[5].via.u64, m.u.status_rep.tasks_queued);
    ck_assert_uint_eq(e[6].via.u64, m.u.status_rep.jobs);
    ck_assert_int_eq(e[7].type, MSGPACK_OBJECT_ARRAY);
    ck_assert_uint_eq(e[7].via.array.size, 2);
    const msgpack_object *w = e[7].via.array.ptr[1].via.array.ptr;
    const dsk_worker_info_t *wi = &m.u.status_rep.workers[1];
    ck_assert_uint_eq(e[7].via.array.ptr[1].via.array.size, 15);
    ck_assert(memcmp(w[11].via.str.ptr, wi->running, w[11].via.str.size) == 0);
    ck_assert(memcmp(w[0].via.str.ptr, wi->name, w[0].via.str.size) == 0);
    ck_assert(memcmp(w[1].via.str.ptr, wi->host, w[1].via.str.size) == 0);
    ck_assert(memcmp(w[2].via.str.ptr, wi->address, w[2].via.str.size) == 0);
    const uint64_t nums[] = {wi->pid, wi->nthreads, wi->memory_limit, wi->memory_used,
                             wi->tasks_running, wi->tasks_queued, wi->last_seen_ms,
                             wi->uptime_ms};
    for (int k = 0; k < 8; k++)
        ck_assert_uint_eq(w[3 + k].via.u64, nums[k]);
    const uint64_t memory[] = {wi->held, wi->spilled, wi->paused};
    for (int k = 0; k < 3; k++)
        ck_assert_uint_eq(w[12 + k].via.u64, memory[k]);
    msgpack_unpacked_destroy(&up);
    free(buf);
    dsk_msg_clear(&m);

    s_full(&m, DSK_MSG_REGISTER, 0, 0);
    s_encode(&m, &buf, &len);
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(msgpack_unpack_next(&up, buf, len, NULL), MSGPACK_UNPACK_SUCCESS);
    e = up.data.via.array.ptr;
    ck_assert_uint_eq(up.data.via.array.size, 10);
    ck_assert_uint_eq(e[3].via.str.size, DSK_NAME_MAX);
    ck_assert(memcmp(e[4].via.str.ptr, m.u.reg.host, e[4].via.str.size) == 0);
    ck_assert_uint_eq(e[5].via.u64, m.u.reg.instance);
    ck_assert_uint_eq(e[6].via.u64, m.u.reg.pid);
    ck_assert_uint_eq(e[7].via.u64, m.u.reg.nthreads);
    ck_assert_uint_eq(e[8].via.u64, m.u.reg.memory_limit);
    ck_assert_uint_eq(e[9].via.u64, m.u.reg.connection);
    msgpack_unpacked_destroy(&up);
    free(buf);
}
END_TEST

/* Telling a dsk peer's bad message from noise, on the first bytes alone. */
START_TEST(test_has_signature)
{
    dsk_msg_t m = {.type = DSK_MSG_STATUS_REQ};
    char *buf;
    size_t len;
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(dsk_msg_encode(&m, &buf, &len, err), 0);
    ck_assert(dsk_msg_has_signature(buf, len));
    ck_assert(dsk_msg_has_signature(buf, 5));  /* truncated after the signature */
    ck_assert(!dsk_msg_has_signature(buf, 4)); /* cut inside it */
    free(buf);
    const unsigned char a16[] = {0xdc, 0x00, 0x03, 0xa3, 'D', 'S', 'K'};
    const unsigned char a32[] = {0xdd, 0x00, 0x00, 0x00, 0x03, 0xa3, 'D', 'S', 'K'};
    const unsigned char other[] = {0x93, 0xa3, 'D', 'S', 'X'};
    const unsigned char map[] = {0x81, 0xa3, 'D', 'S', 'K'};
    ck_assert(dsk_msg_has_signature(a16, sizeof a16));
    ck_assert(dsk_msg_has_signature(a32, sizeof a32));
    ck_assert(!dsk_msg_has_signature(other, sizeof other));
    ck_assert(!dsk_msg_has_signature(map, sizeof map));
    ck_assert(!dsk_msg_has_signature("", 0));
}
END_TEST

START_TEST(test_type_names_and_clear)
{
    ck_assert_str_eq(dsk_msg_type_name(DSK_MSG_REGISTER), "REGISTER");
    ck_assert_str_eq(dsk_msg_type_name(DSK_MSG_STATUS_REP), "STATUS_REP");
    ck_assert_str_eq(dsk_msg_type_name(DSK_MSG_ERROR), "ERROR");
    ck_assert_str_eq(dsk_msg_type_name(0), "UNKNOWN");
    ck_assert_str_eq(dsk_msg_type_name(99), "UNKNOWN");
    ck_assert_str_eq(dsk_msg_type_name(-1), "UNKNOWN");
    dsk_msg_t m;
    memset(&m, 0, sizeof m);
    dsk_msg_clear(&m);
    dsk_msg_clear(NULL);
    s_full(&m, DSK_MSG_STATUS_REP, 5, 1); /* hand-built: clear frees it (ASan checks) */
    dsk_msg_clear(&m);
    ck_assert(s_is_zero(&m, sizeof m));
}
END_TEST

/* --- hand-made frames, for what our own encoder would never produce */

typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} s_frame_t;

static msgpack_packer *s_frame_raw(s_frame_t *f)
{
    msgpack_sbuffer_init(&f->sb);
    msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
    return &f->pk;
}

static msgpack_packer *s_frame_start(s_frame_t *f, int type, size_t nfields)
{
    s_frame_raw(f);
    msgpack_pack_array(&f->pk, 3 + nfields);
    msgpack_pack_str_with_body(&f->pk, "DSK", 3);
    msgpack_pack_uint32(&f->pk, DSK_PROTO_VERSION);
    msgpack_pack_int64(&f->pk, type);
    return &f->pk;
}

/* Decodes the frame, expects failure with rc and text in the error. */
static void s_frame_fails(s_frame_t *f, int rc, const char *text)
{
    char err[DSK_ERR_LEN];
    dsk_msg_t m;
    int got = s_decode(f->sb.data, f->sb.size, &m, err);
    ck_assert_msg(got == rc, "rc %d, wanted %d (%s)", got, rc, err);
    ck_assert_msg(strstr(err, text) != NULL, "'%s' does not say '%s'", err, text);
    msgpack_sbuffer_destroy(&f->sb);
}

static void s_pack_str(msgpack_packer *pk, const char *s, size_t len)
{
    msgpack_pack_str_with_body(pk, s, len);
}

/* The fields after the one under test: nils, never reached. */
static void s_pad(msgpack_packer *pk, int n)
{
    for (int i = 0; i < n; i++)
        msgpack_pack_nil(pk);
}

/* A STATUS_REP worker record; name_len lets a test make it too long. */
static void s_pack_worker(msgpack_packer *pk, size_t name_len)
{
    char name[200];
    memset(name, 'w', sizeof name);
    msgpack_pack_array(pk, 15);
    s_pack_str(pk, name, name_len);
    s_pack_str(pk, "host", 4);
    s_pack_str(pk, "10.0.0.1", 8);
    for (int k = 0; k < 8; k++)
        msgpack_pack_uint32(pk, (uint32_t)k);
    s_pack_str(pk, "score:1", 7);
    for (int k = 0; k < 3; k++) /* held, spilled, paused */
        msgpack_pack_uint32(pk, (uint32_t)k);
}

/* STATUS_REP's fields after the worker list (curve, messages_handled, the refusals). */
static void s_status_rep_end(msgpack_packer *pk)
{
    for (int k = 0; k < 5; k++)
        msgpack_pack_uint32(pk, 0);
}

static msgpack_packer *s_status_rep_start(s_frame_t *f, size_t nworkers)
{
    msgpack_packer *pk = s_frame_start(f, DSK_MSG_STATUS_REP, 10);
    for (int k = 0; k < 4; k++)
        msgpack_pack_uint32(pk, 1);
    msgpack_pack_array(pk, nworkers);
    return pk;
}

START_TEST(test_bad_envelope)
{
    s_frame_t f;
    s_frame_raw(&f);
    msgpack_pack_array(&f.pk, 4);
    s_pack_str(&f.pk, "DSX", 3);
    msgpack_pack_uint32(&f.pk, 1);
    msgpack_pack_uint32(&f.pk, DSK_MSG_STATUS_REQ);
    msgpack_pack_uint32(&f.pk, 0);
    s_frame_fails(&f, DSK_EPROTO, "not a dsk message: bad signature");

    s_frame_raw(&f);
    msgpack_pack_array(&f.pk, 4);
    s_pack_str(&f.pk, "DSKX", 4);
    msgpack_pack_uint32(&f.pk, 1);
    msgpack_pack_uint32(&f.pk, DSK_MSG_STATUS_REQ);
    msgpack_pack_uint32(&f.pk, 0);
    s_frame_fails(&f, DSK_EPROTO, "not a dsk message: bad signature");

    s_frame_raw(&f);
    msgpack_pack_array(&f.pk, 2);
    msgpack_pack_bin_with_body(&f.pk, "DSK", 3); /* bin is not str */
    msgpack_pack_uint32(&f.pk, 1);
    s_frame_fails(&f, DSK_EPROTO, "not a dsk message: bad signature");

    s_frame_raw(&f);
    msgpack_pack_array(&f.pk, 4);
    s_pack_str(&f.pk, "DSK", 3);
    s_pack_str(&f.pk, "1", 1);
    msgpack_pack_uint32(&f.pk, DSK_MSG_STATUS_REQ);
    msgpack_pack_uint32(&f.pk, 0);
    s_frame_fails(&f, DSK_EPROTO, "bad protocol version: expected an integer, got a string");

    s_frame_raw(&f);
    msgpack_pack_map(&f.pk, 0);
    s_frame_fails(&f, DSK_EPROTO, "not a dsk message: expected an array, got a map");

    s_frame_raw(&f);
    msgpack_pack_array(&f.pk, 2);
    s_pack_str(&f.pk, "DSK", 3);
    msgpack_pack_uint32(&f.pk, 1);
    s_frame_fails(&f, DSK_EPROTO, "too short");
}
END_TEST

START_TEST(test_version_and_type)
{
    s_frame_t f;
    s_frame_raw(&f);
    msgpack_pack_array(&f.pk, 4);
    s_pack_str(&f.pk, "DSK", 3);
    msgpack_pack_uint32(&f.pk, 3);
    msgpack_pack_uint32(&f.pk, DSK_MSG_STATUS_REQ);
    msgpack_pack_uint32(&f.pk, 0);
    s_frame_fails(&f, DSK_EVERSION, "protocol version 3, this side speaks 2");

    msgpack_packer *pk = s_frame_start(&f, 99, 1);
    msgpack_pack_uint32(pk, 0);
    s_frame_fails(&f, DSK_EPROTO, "unknown message type 99");
    s_frame_start(&f, 0, 0);
    s_frame_fails(&f, DSK_EPROTO, "unknown message type 0");
    s_frame_start(&f, -1, 0);
    s_frame_fails(&f, DSK_EPROTO, "unknown message type -1");
}
END_TEST

START_TEST(test_wrong_field_type)
{
    s_frame_t f;
    msgpack_packer *pk = s_frame_start(&f, DSK_MSG_REGISTER, 7);
    msgpack_pack_uint32(pk, 5);
    s_pad(pk, 6);
    s_frame_fails(&f, DSK_EPROTO, "REGISTER field 1 (name): expected a string, got an integer");

    pk = s_frame_start(&f, DSK_MSG_WELCOME, 3);
    s_pack_str(pk, "1", 1);
    msgpack_pack_uint32(pk, 1000);
    msgpack_pack_uint64(pk, 7);
    s_frame_fails(&f, DSK_EPROTO,
                  "WELCOME field 1 (worker_id): expected an unsigned integer, got a string");

    pk = s_frame_start(&f, DSK_MSG_WELCOME, 3);
    msgpack_pack_uint32(pk, 1);
    msgpack_pack_double(pk, 1000.0);
    msgpack_pack_uint64(pk, 7);
    s_frame_fails(&f, DSK_EPROTO,
                  "WELCOME field 2 (heartbeat_ms): expected an unsigned integer, got a float");

    pk = s_frame_start(&f, DSK_MSG_ERROR, 2);
    msgpack_pack_nil(pk);
    s_pack_str(pk, "x", 1);
    s_frame_fails(&f, DSK_EPROTO, "ERROR field 1 (code): expected an integer, got nil");

    pk = s_frame_start(&f, DSK_MSG_STATUS_REP, 10);
    for (int k = 0; k < 4; k++)
        msgpack_pack_uint32(pk, 1);
    msgpack_pack_map(pk, 0);
    s_status_rep_end(pk);
    s_frame_fails(&f, DSK_EPROTO, "STATUS_REP field 5 (workers): expected an array, got a map");
}
END_TEST

START_TEST(test_integer_ranges)
{
    s_frame_t f;
    msgpack_packer *pk = s_frame_start(&f, DSK_MSG_HEARTBEAT, 10);
    msgpack_pack_uint64(pk, 1);
    msgpack_pack_int32(pk, -1);
    msgpack_pack_uint32(pk, 1);
    msgpack_pack_uint32(pk, 0);
    msgpack_pack_uint64(pk, 0);
    msgpack_pack_uint64(pk, 0);
    msgpack_pack_uint64(pk, 0);
    msgpack_pack_uint32(pk, 0);
    msgpack_pack_uint64(pk, 0);
    msgpack_pack_uint64(pk, 0);
    s_frame_fails(&f, DSK_EPROTO, "HEARTBEAT field 2 (tasks_running): "
                                  "expected an unsigned integer, got a negative integer");

    pk = s_frame_start(&f, DSK_MSG_WELCOME, 3);
    msgpack_pack_uint64(pk, 1);
    msgpack_pack_uint64(pk, 1ULL << 32);
    msgpack_pack_uint64(pk, 7);
    s_frame_fails(&f, DSK_EPROTO, "WELCOME field 2 (heartbeat_ms): "
                                  "4294967296 does not fit in a 32-bit unsigned integer");

    pk = s_frame_start(&f, DSK_MSG_ERROR, 2);
    msgpack_pack_uint64(pk, 1ULL << 31);
    s_pack_str(pk, "x", 1);
    s_frame_fails(&f, DSK_EPROTO, "ERROR field 1 (code): 2147483648 does not fit");

    pk = s_frame_start(&f, DSK_MSG_DISCONNECT, 2);
    msgpack_pack_int64(pk, (int64_t)INT32_MIN - 1);
    s_pack_str(pk, "x", 1);
    s_frame_fails(&f, DSK_EPROTO, "DISCONNECT field 1 (code): -2147483649 does not fit");

    /* The edges themselves pass, whatever format carries them. */
    pk = s_frame_start(&f, DSK_MSG_DISCONNECT, 2);
    msgpack_pack_int64(pk, -5);
    s_pack_str(pk, "", 0);
    dsk_msg_t m;
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_decode(f.sb.data, f.sb.size, &m, err), 0);
    ck_assert_int_eq(m.u.disconnect.code, -5);
    ck_assert_str_eq(m.u.disconnect.reason, "");
    msgpack_sbuffer_destroy(&f.sb);

    pk = s_frame_start(&f, DSK_MSG_WELCOME, 3);
    msgpack_pack_fix_int64(pk, 7); /* int64 format (d3) holding a positive value */
    msgpack_pack_uint64(pk, UINT32_MAX);
    msgpack_pack_uint64(pk, UINT64_MAX);
    ck_assert_int_eq(s_decode(f.sb.data, f.sb.size, &m, err), 0);
    ck_assert_uint_eq(m.u.welcome.worker_id, 7);
    ck_assert_uint_eq(m.u.welcome.heartbeat_ms, UINT32_MAX);
    msgpack_sbuffer_destroy(&f.sb);
}
END_TEST

START_TEST(test_strings_on_decode)
{
    char big[DSK_TEXT_MAX + 2];
    memset(big, 'x', sizeof big);
    s_frame_t f;
    msgpack_packer *pk = s_frame_start(&f, DSK_MSG_REGISTER, 7);
    s_pack_str(pk, big, DSK_NAME_MAX + 1);
    s_pad(pk, 6);
    s_frame_fails(&f, DSK_ETOOBIG, "REGISTER field 1 (name) is 65 bytes, limit 64");

    pk = s_frame_start(&f, DSK_MSG_ERROR, 2);
    msgpack_pack_int32(pk, 0);
    s_pack_str(pk, big, DSK_TEXT_MAX + 1);
    s_frame_fails(&f, DSK_ETOOBIG, "ERROR field 2 (message) is 1025 bytes, limit 1024");

    pk = s_frame_start(&f, DSK_MSG_DISCONNECT, 2);
    msgpack_pack_int32(pk, 0);
    s_pack_str(pk, "bye\0now", 7);
    s_frame_fails(&f, DSK_EPROTO, "DISCONNECT field 2 (reason): string contains a NUL byte");

    pk = s_status_rep_start(&f, 5);
    for (int i = 0; i < 5; i++)
        s_pack_worker(pk, i == 3 ? 80 : 10);
    s_status_rep_end(pk);
    s_frame_fails(&f, DSK_ETOOBIG,
                  "STATUS_REP field 5 (workers): element 3 field 1 (name) is 80 bytes, limit 64");

    /* Exactly at the limit is fine. */
    pk = s_frame_start(&f, DSK_MSG_ERROR, 2);
    msgpack_pack_int32(pk, 0);
    s_pack_str(pk, big, DSK_TEXT_MAX);
    dsk_msg_t m;
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_decode(f.sb.data, f.sb.size, &m, err), 0);
    ck_assert_uint_eq(strlen(m.u.error.message), DSK_TEXT_MAX);
    msgpack_sbuffer_destroy(&f.sb);
}
END_TEST

START_TEST(test_field_counts)
{
    s_frame_t f;
    msgpack_packer *pk = s_frame_start(&f, DSK_MSG_HEARTBEAT, 2);
    msgpack_pack_uint32(pk, 1);
    msgpack_pack_uint32(pk, 2);
    s_frame_fails(&f, DSK_EPROTO, "HEARTBEAT field 3 (tasks_queued): missing");

    pk = s_frame_start(&f, DSK_MSG_STATUS_REQ, 0);
    s_frame_fails(&f, DSK_EPROTO, "STATUS_REQ field 1 (flags): missing");

    /* Trailing fields from a newer peer are skipped, whatever they hold. */
    pk = s_frame_start(&f, DSK_MSG_HEARTBEAT, 12);
    msgpack_pack_uint64(pk, 11);
    msgpack_pack_uint32(pk, 22);
    msgpack_pack_uint32(pk, 33);
    msgpack_pack_uint32(pk, 4);
    msgpack_pack_uint64(pk, 5);
    msgpack_pack_uint64(pk, 6);
    msgpack_pack_uint64(pk, 7);
    msgpack_pack_uint32(pk, 1);
    msgpack_pack_uint64(pk, 8);
    msgpack_pack_uint64(pk, 9);
    msgpack_pack_map(pk, 1);
    s_pack_str(pk, "gpu", 3);
    msgpack_pack_true(pk);
    msgpack_pack_array(pk, 2);
    msgpack_pack_nil(pk);
    msgpack_pack_double(pk, 0.5);
    dsk_msg_t m;
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(s_decode(f.sb.data, f.sb.size, &m, err), 0);
    ck_assert_int_eq(m.type, DSK_MSG_HEARTBEAT);
    ck_assert_uint_eq(m.u.heartbeat.memory_used, 11);
    ck_assert_uint_eq(m.u.heartbeat.tasks_running, 22);
    ck_assert_uint_eq(m.u.heartbeat.tasks_queued, 33);
    ck_assert_uint_eq(m.u.heartbeat.instance, 9);
    msgpack_sbuffer_destroy(&f.sb);

    /* Trailing bytes after the object are not a field: refused. */
    dsk_msg_t hb;
    s_full(&hb, DSK_MSG_HEARTBEAT, 0, 0);
    char *buf;
    size_t len;
    s_encode(&hb, &buf, &len);
    char *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0x00;
    ck_assert_int_eq(s_decode(longer, len + 1, &m, err), DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "1 trailing bytes"));
    free(longer);
    free(buf);
}
END_TEST

START_TEST(test_worker_lists)
{
    s_frame_t f;
    msgpack_packer *pk = s_status_rep_start(&f, DSK_STATUS_MAX_WORKERS + 1);
    for (int i = 0; i < DSK_STATUS_MAX_WORKERS + 1; i++)
        msgpack_pack_nil(pk);
    s_status_rep_end(pk);
    s_frame_fails(&f, DSK_ETOOBIG, "STATUS_REP field 5 (workers) has 32769 elements, limit 32768");

    pk = s_status_rep_start(&f, 3);
    s_pack_worker(pk, 5);
    s_pack_worker(pk, 5);
    msgpack_pack_uint32(pk, 9);
    s_status_rep_end(pk);
    s_frame_fails(&f, DSK_EPROTO,
                  "STATUS_REP field 5 (workers): element 2: expected an array, got an integer");

    pk = s_status_rep_start(&f, 2);
    s_pack_worker(pk, 5);
    msgpack_pack_array(pk, 3);
    s_pack_str(pk, "a", 1);
    s_pack_str(pk, "b", 1);
    s_pack_str(pk, "c", 1);
    s_status_rep_end(pk);
    s_frame_fails(&f, DSK_EPROTO, "STATUS_REP field 5 (workers): element 1 has 3 fields, needs 15");

    pk = s_status_rep_start(&f, 2);
    s_pack_worker(pk, 5);
    msgpack_pack_array(pk, 15);
    for (int k = 0; k < 3; k++)
        s_pack_str(pk, "s", 1);
    for (int k = 0; k < 7; k++)
        msgpack_pack_uint32(pk, 0);
    msgpack_pack_int32(pk, -3);
    s_pack_str(pk, "", 0);
    for (int k = 0; k < 3; k++)
        msgpack_pack_uint32(pk, 0);
    s_status_rep_end(pk);
    s_frame_fails(&f, DSK_EPROTO, "STATUS_REP field 5 (workers): element 1 field 11 (uptime_ms): "
                                  "expected an unsigned integer, got a negative integer");
}
END_TEST

START_TEST(test_encode_limits)
{
    dsk_msg_t m;
    char *buf = (char *)&m;
    size_t len = 7;
    char err[DSK_ERR_LEN];
    s_full(&m, DSK_MSG_REGISTER, 0, 0);
    memset(m.u.reg.name, 'x', sizeof m.u.reg.name); /* 65 bytes, no NUL */
    ck_assert_int_eq(dsk_msg_encode(&m, &buf, &len, err), DSK_EINVAL);
    ck_assert_str_eq(err, "REGISTER field 1 (name) is longer than 64 bytes");
    ck_assert_ptr_null(buf);
    ck_assert_uint_eq(len, 0);

    s_full(&m, DSK_MSG_STATUS_REP, 4, 1);
    memset(m.u.status_rep.workers[2].host, 'x', sizeof m.u.status_rep.workers[2].host);
    ck_assert_int_eq(dsk_msg_encode(&m, &buf, &len, err), DSK_EINVAL);
    ck_assert_str_eq(err, "STATUS_REP field 5 (workers): element 2 field 2 (host) "
                          "is longer than 255 bytes");
    dsk_msg_clear(&m);

    s_full(&m, DSK_MSG_STATUS_REP, 0, 0);
    m.u.status_rep.n_workers = DSK_STATUS_MAX_WORKERS + 1;
    ck_assert_int_eq(dsk_msg_encode(&m, &buf, &len, err), DSK_EINVAL);
    ck_assert_str_eq(err, "STATUS_REP field 5 (workers) has 32769 elements, limit 32768");
    m.u.status_rep.n_workers = 2;
    ck_assert_int_eq(dsk_msg_encode(&m, &buf, &len, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "but no array"));

    memset(&m, 0, sizeof m);
    m.type = (dsk_msg_type_t)99;
    ck_assert_int_eq(dsk_msg_encode(&m, &buf, &len, err), DSK_EINVAL);
    ck_assert_str_eq(err, "cannot encode unknown message type 99");
}
END_TEST

/* Every prefix of every message's encoding fails, cleanly and with a reason. */
START_TEST(test_every_truncation)
{
    for (int type = DSK_MSG_TYPE_MIN; type <= DSK_MSG_TYPE_MAX; type++) {
        dsk_msg_t m, out;
        s_full(&m, type, 3, 0);
        char *buf;
        size_t len;
        char err[DSK_ERR_LEN];
        s_encode(&m, &buf, &len);
        for (size_t cut = 0; cut < len; cut++) {
            int rc = s_decode(buf, cut, &out, err);
            ck_assert_msg(rc == DSK_EPROTO, "%s cut at %zu of %zu: rc %d (%s)",
                          dsk_msg_type_name(type), cut, len, rc, err);
        }
        free(buf);
        dsk_msg_clear(&m);
    }
}
END_TEST

START_TEST(test_length_bombs_in_envelope)
{
    static const unsigned char head[] = {0x99, 0xa3, 'D', 'S', 'K', DSK_PROTO_VERSION, 0x01};
    unsigned char buf[32];
    char err[DSK_ERR_LEN];
    dsk_msg_t m;
    for (size_t i = 0; i < S_NBOMBS; i++) {
        ck_assert_int_eq(s_decode(s_bombs[i].bytes, s_bombs[i].len, &m, err), DSK_EPROTO);
        ck_assert_ptr_nonnull(strstr(err, s_bombs[i].text));
        for (size_t field = 0; field < 3; field++) {
            /* The bomb as field 1, 2 or 3 of a REGISTER, after nils. */
            size_t len = sizeof head;
            memcpy(buf, head, len);
            memset(buf + len, 0xc0, field);
            len += field;
            memcpy(buf + len, s_bombs[i].bytes, s_bombs[i].len);
            size_t at = len;
            len += s_bombs[i].len;
            ck_assert_int_eq(s_decode(buf, len, &m, err), DSK_EPROTO);
            char where[64];
            snprintf(where, sizeof where, "at offset %zu exceeds the 0 bytes left", at);
            ck_assert_msg(strstr(err, where) != NULL, "'%s'", err);
        }
    }
}
END_TEST

/*
 * 100,000 random buffers, half pure noise and half starting with a valid
 * envelope so the field checks get exercised: each decodes or fails with
 * an error and an empty message.
 */
START_TEST(test_random_buffers)
{
    unsigned char buf[96];
    char err[DSK_ERR_LEN];
    s_seed(20240601);
    for (int i = 0; i < 100000; i++) {
        size_t len = s_rand() % sizeof buf;
        for (size_t k = 0; k < len; k++)
            buf[k] = (unsigned char)s_rand();
        if (i % 2 && len >= 7) {
            static const unsigned char head[] = {0x90, 0xa3, 'D', 'S', 'K', DSK_PROTO_VERSION, 0x00};
            memcpy(buf, head, sizeof head);
            buf[0] = (unsigned char)(0x90 | (3 + s_rand() % 13));
            buf[6] = (unsigned char)(1 + s_rand() % DSK_MSG_TYPE_MAX);
            for (size_t k = 7; k < len; k++) /* small values, small containers */
                if (s_rand() % 2)
                    buf[k] = (unsigned char)(s_rand() % 0xa8);
        }
        dsk_msg_t m;
        int rc = s_decode(buf, len, &m, err);
        ck_assert(rc == 0 || rc == DSK_EPROTO || rc == DSK_ETOOBIG || rc == DSK_EVERSION);
        dsk_msg_clear(&m);
    }
}
END_TEST

/*
 * Mutations of valid messages: 1 to 4 bytes changed. What still decodes
 * must survive another encode and decode as the same type.
 */
START_TEST(test_mutations)
{
    char err[DSK_ERR_LEN];
    size_t decoded = 0;
    s_seed(7);
    for (int type = DSK_MSG_TYPE_MIN; type <= DSK_MSG_TYPE_MAX; type++) {
        dsk_msg_t orig;
        s_full(&orig, type, 2, 0);
        char *buf;
        size_t len;
        s_encode(&orig, &buf, &len);
        dsk_msg_clear(&orig);
        unsigned char *mut = malloc(len);
        for (int i = 0; i < 5000; i++) {
            memcpy(mut, buf, len);
            int n = 1 + (int)(s_rand() % 4);
            for (int k = 0; k < n; k++)
                mut[s_rand() % len] = (unsigned char)s_rand();
            dsk_msg_t m, again;
            if (s_decode(mut, len, &m, err) < 0)
                continue;
            decoded++;
            char *re;
            size_t relen;
            s_encode(&m, &re, &relen);
            ck_assert_int_eq(s_decode(re, relen, &again, err), 0);
            ck_assert_int_eq(again.type, m.type);
            dsk_msg_clear(&again);
            dsk_msg_clear(&m);
            free(re);
        }
        free(mut);
        free(buf);
    }
    ck_assert_msg(decoded > 100, "only %zu mutants decoded", decoded);
}
END_TEST

/* encode_with: the payload written by a callback reads back as a plain CHUNK's bin. */
static int s_fill_pattern(void *arg, msgpack_sbuffer *sb)
{
    const size_t *n = arg;
    for (size_t i = 0; i < *n; i++) {
        char c = (char)(i * 7);
        msgpack_sbuffer_write(sb, &c, 1);
    }
    return 0;
}

static int s_fill_fails(void *arg, msgpack_sbuffer *sb) { return 1; }

START_TEST(test_encode_with_payload)
{
    const size_t sizes[] = {0, 1, 300, 70000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        dsk_msg_t m = {.type = DSK_MSG_CHUNK}, out;
        m.u.chunk.job_id = 9;
        m.u.chunk.index = k;
        char *buf, err[DSK_ERR_LEN];
        size_t len;
        ck_assert_int_eq(dsk_msg_encode_with(&m, s_fill_pattern, (void *)&sizes[k], &buf, &len,
                                             err), 0);
        ck_assert_msg(s_decode(buf, len, &out, err) == 0, "%s", err);
        ck_assert_uint_eq(out.u.chunk.index, k);
        ck_assert_uint_eq(out.u.chunk.data.len, sizes[k]);
        for (size_t i = 0; i < sizes[k]; i++)
            ck_assert_int_eq(out.u.chunk.data.data[i], (unsigned char)(i * 7));
        dsk_msg_clear(&out);
        free(buf);
    }
    dsk_msg_t m = {.type = DSK_MSG_CHUNK}, st = {.type = DSK_MSG_STATUS_REQ};
    char *buf, err[DSK_ERR_LEN];
    size_t len;
    ck_assert_int_eq(dsk_msg_encode_with(&m, s_fill_fails, NULL, &buf, &len, err), DSK_ETOOBIG);
    ck_assert_int_eq(dsk_msg_encode_with(&st, s_fill_fails, NULL, &buf, &len, err), DSK_EINVAL);
}
END_TEST

Suite *dsk_msg_suite(void)
{
    Suite *s = suite_create("msg");
    TCase *tc = tcase_create("round trip");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_round_trip_every_type);
    tcase_add_test(tc, test_has_signature);
    tcase_add_test(tc, test_round_trip_status_rep);
    tcase_add_test(tc, test_round_trip_most_workers);
    tcase_add_test(tc, test_wire_order);
    tcase_add_test(tc, test_type_names_and_clear);
    tcase_add_test(tc, test_encode_with_payload);
    suite_add_tcase(s, tc);
    tc = tcase_create("refused");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_bad_envelope);
    tcase_add_test(tc, test_version_and_type);
    tcase_add_test(tc, test_wrong_field_type);
    tcase_add_test(tc, test_integer_ranges);
    tcase_add_test(tc, test_strings_on_decode);
    tcase_add_test(tc, test_field_counts);
    tcase_add_test(tc, test_worker_lists);
    tcase_add_test(tc, test_encode_limits);
    suite_add_tcase(s, tc);
    tc = tcase_create("hostile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_every_truncation);
    tcase_add_test(tc, test_length_bombs_in_envelope);
    tcase_add_test(tc, test_random_buffers);
    tcase_add_test(tc, test_mutations);
    suite_add_tcase(s, tc);
    return s;
}
