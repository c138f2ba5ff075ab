/* job_score.c — a SCORE task's result on the wire. */
#include "job_score.h"

#include <math.h>

#include "dsk_error.h"
#include "dsk_mpcheck.h"
#include "ml_pack.h"

void job_score_pack(msgpack_sbuffer *sbuf, double score, double fit_time, double score_time,
                    double train_score)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, isnan(train_score) ? 3 : 4);
    msgpack_pack_double(&pk, score);
    msgpack_pack_double(&pk, fit_time);
    msgpack_pack_double(&pk, score_time);
    if (!isnan(train_score))
        msgpack_pack_double(&pk, train_score);
}

int job_score_unpack(const void *buf, size_t len, double v[4], char *err)
{
    msgpack_unpacked u;
    char sub[DSK_ERR_LEN];
    uint32_t n = 0;
    int ok = dsk_mp_unpack(buf, len, 4, 16, &u, sub) == 0 &&
             u.data.type == MSGPACK_OBJECT_ARRAY &&
             ((n = u.data.via.array.size) == 3 || n == 4);
    v[3] = NAN;
    for (uint32_t i = 0; ok && i < n; i++) {
        const msgpack_object *o = &u.data.via.array.ptr[i];
        ok = o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32;
        if (ok)
            v[i] = o->via.f64;
    }
    msgpack_unpacked_destroy(&u);
    return ok ? DSK_OK : dsk_seterr(err, DSK_EPROTO, "a score result is not [score, fit_time, "
                                                     "score_time(, train_score)]");
}

