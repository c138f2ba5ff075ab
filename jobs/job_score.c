/* job_score.c — a SCORE task's result on the wire. */
#include "job_score.h"

#include <string.h>

#include "dsk_mpcheck.h"
#include "ml_pack.h"

void job_score_pack(msgpack_sbuffer *sbuf, const job_score_t *s)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_double(&pk, s->score);
    msgpack_pack_double(&pk, s->fit_time);
    msgpack_pack_double(&pk, s->score_time);
    msgpack_pack_double(&pk, s->train_score);
    size_t n = strlen(s->error);
    if (n)
        msgpack_pack_str_with_body(&pk, s->error, n);
    else
        msgpack_pack_nil(&pk);
}

int job_score_unpack(const void *buf, size_t len, job_score_t *s, char *err)
{
    msgpack_unpacked u;
    char sub[DSK_ERR_LEN];
    memset(s, 0, sizeof *s);
    int ok = dsk_mp_unpack(buf, len, 4, 16, &u, sub) == 0 &&
             u.data.type == MSGPACK_OBJECT_ARRAY && u.data.via.array.size == 5;
    double *v[4] = {&s->score, &s->fit_time, &s->score_time, &s->train_score};
    for (uint32_t i = 0; ok && i < 4; i++) {
        const msgpack_object *o = &u.data.via.array.ptr[i];
        ok = o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32;
        if (ok)
            *v[i] = o->via.f64;
    }
    if (ok) {
        const msgpack_object *e = &u.data.via.array.ptr[4];
        ok = e->type == MSGPACK_OBJECT_NIL ||
             (e->type == MSGPACK_OBJECT_STR && e->via.str.size < sizeof s->error &&
              !memchr(e->via.str.ptr, '\0', e->via.str.size));
        if (ok && e->type == MSGPACK_OBJECT_STR)
            memcpy(s->error, e->via.str.ptr, e->via.str.size);
    }
    msgpack_unpacked_destroy(&u);
    return ok ? DSK_OK : dsk_seterr(err, DSK_EPROTO, "a score result is not [score, fit_time, "
                                                     "score_time, train_score, error]");
}
