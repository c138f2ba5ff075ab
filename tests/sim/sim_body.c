/* sim_body.c — simulated task bodies: costs, outputs and results decided by keys. */
#include "sim_body.h"

#include <math.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_mpcheck.h"
#include "dsk_msg.h"
#include "job_data.h"
#include "job_score.h"
#include "ml_pack.h"
#include "sim.h"

typedef struct {
    char key[DSK_KEY_MAX + 1];
    uint64_t bytes;
} s_out_t;

static void s_out_destroy(void *obj) { free(obj); }

static int s_out_pack(const void *obj, msgpack_packer *pk)
{
    const s_out_t *o = obj;
    msgpack_pack_map(pk, 2);
    ml_pack_key(pk, "sim_output");
    msgpack_pack_str_with_body(pk, o->key, strlen(o->key));
    ml_pack_key(pk, "bytes");
    msgpack_pack_uint64(pk, o->bytes);
    return 0;
}

int sim_body_unpack_output(const void *buf, size_t len, job_output_t *out, char *err)
{
    memset(out, 0, sizeof *out);
    msgpack_sbuffer_init(&out->reply);
    msgpack_unpacked u;
    char why[DSK_ERR_LEN];
    int rc = dsk_mp_unpack(buf, len, 4, 16, &u, why);
    const msgpack_object *k = rc ? NULL : ml_unpack_get(&u.data, "sim_output");
    const msgpack_object *b = rc ? NULL : ml_unpack_get(&u.data, "bytes");
    if (!k || k->type != MSGPACK_OBJECT_STR || k->via.str.size > DSK_KEY_MAX || !b ||
        b->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        msgpack_unpacked_destroy(&u);
        return dsk_seterr(err, DSK_EPROTO, "not a simulated output");
    }
    s_out_t *o = dsk_xcalloc(1, sizeof *o);
    memcpy(o->key, k->via.str.ptr, k->via.str.size);
    o->bytes = b->via.u64;
    msgpack_unpacked_destroy(&u);
    out->obj = o;
    out->destroy = s_out_destroy;
    out->bytes = o->bytes;
    out->pack = s_out_pack;
    return DSK_OK;
}

static double s_h(const char *key, const char *salt)
{
    char text[160];
    int n = snprintf(text, sizeof text, "%s/%s", salt, key);
    return sim_hash01(text, (size_t)n);
}

void sim_body_score(const char *key, msgpack_sbuffer *sbuf)
{
    job_score_t s = {.score = s_h(key, "score"), .fit_time = s_h(key, "fit"),
                     .score_time = s_h(key, "score_time") / 10, .train_score = NAN};
    job_score_pack(sbuf, &s);
}

size_t sim_body_model(const char *key, char *buf, size_t len)
{
    return (size_t)snprintf(buf, len, "sim-model:%s", key);
}

int64_t sim_body_cost_ms(const wrk_task_t *t, double speed)
{
    static const double base[] = {[DSK_TASK_STAGE] = 300, [DSK_TASK_PREFIX] = 120,
                                  [DSK_TASK_SCORE] = 60,  [DSK_TASK_REFIT] = 90,
                                  [DSK_TASK_PREDICT] = 25, [DSK_TASK_NOOP] = 0.4};
    double b = t->kind <= DSK_TASK_NOOP ? base[t->kind] : 10;
    return (int64_t)(b * (0.3 + 1.4 * s_h(t->key, "cost")) / speed);
}

void sim_body_run(wrk_task_t *t, double speed)
{
    t->rc = DSK_OK;
    msgpack_sbuffer_init(&t->out.reply);
    t->out.seconds = (double)sim_body_cost_ms(t, speed) / 1000.0;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &t->out.reply, msgpack_sbuffer_write);
    switch (t->kind) {
    case DSK_TASK_STAGE:
    case DSK_TASK_PREFIX: {
        s_out_t *o = dsk_xcalloc(1, sizeof *o);
        snprintf(o->key, sizeof o->key, "%s", t->key);
        uint64_t data = t->ds ? job_dataset_bytes(t->ds) : 1000;
        o->bytes = (uint64_t)((double)data * (0.2 + 0.8 * s_h(t->key, "size")));
        t->out.obj = o;
        t->out.destroy = s_out_destroy;
        t->out.bytes = o->bytes;
        t->out.pack = s_out_pack;
        break;
    }
    case DSK_TASK_SCORE:
        sim_body_score(t->key, &t->out.reply);
        break;
    case DSK_TASK_REFIT: {
        char model[128];
        size_t n = sim_body_model(t->key, model, sizeof model);
        msgpack_sbuffer_write(&t->out.reply, model, n);
        break;
    }
    case DSK_TASK_PREDICT: {
        char key[JOB_KEY_LEN + 1];
        job_content_key(t->chunk, t->chunk_len, key);
        msgpack_sbuffer_write(&t->out.reply, key, JOB_KEY_LEN);
        break;
    }
    default:
        break;
    }
}
