/* job_spec.c — a job's steps, candidates and folds as bytes, and back. */
#include "job_spec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_mpcheck.h"
#include "ml_pack.h"

#define S_FORMAT 1

int job_spec_pack(const job_t *job, const ml_params_t *cands, int64_t n_cands,
                     const int32_t *assign, int64_t n_assign, const char *scoring,
                     msgpack_sbuffer *sbuf)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    int bad = msgpack_pack_map(&pk, 7);
    bad |= ml_pack_key(&pk, "dsk_task_job") | msgpack_pack_int(&pk, S_FORMAT);
    bad |= ml_pack_key(&pk, "steps") | msgpack_pack_array(&pk, job->n_steps);
    for (size_t s = 0; s < job->n_steps; s++) {
        const job_step_t *st = &job->steps[s];
        bad |= msgpack_pack_array(&pk, 3);
        bad |= msgpack_pack_str_with_body(&pk, st->name, strlen(st->name));
        bad |= msgpack_pack_str_with_body(&pk, st->class_name, strlen(st->class_name));
        bad |= ml_pack_params(&pk, (const char *const *)st->params.names, st->params.values,
                              st->params.n);
    }
    bad |= ml_pack_key(&pk, "candidates") | msgpack_pack_array(&pk, (size_t)n_cands);
    for (int64_t c = 0; c < n_cands; c++)
        bad |= ml_pack_params(&pk, (const char *const *)cands[c].names, cands[c].values,
                              cands[c].n);
    bad |= ml_pack_key(&pk, "folds");
    bad |= assign ? ml_pack_le(&pk, assign, (size_t)n_assign, sizeof *assign)
                  : msgpack_pack_nil(&pk);
    const char *sc = scoring ? scoring : "accuracy";
    bad |= ml_pack_key(&pk, "scoring") | msgpack_pack_str_with_body(&pk, sc, strlen(sc));
    bad |= ml_pack_key(&pk, "train_scores");
    bad |= job->return_train_score ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    bad |= ml_pack_key(&pk, "error_score");
    bad |= job->error_score_raise ? msgpack_pack_nil(&pk)
                                  : msgpack_pack_double(&pk, job->error_score);
    return bad ? DSK_ETOOBIG : DSK_OK;
}

static char *s_str(const msgpack_object *o)
{
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return NULL;
    return dsk_xstrndup(o->via.str.ptr, o->via.str.size);
}

/* A msgpack map of name -> value into p (cleared by the caller on failure too). */
static int s_params(const msgpack_object *o, ml_params_t *p, char *err)
{
    *p = (ml_params_t){0};
    if (!o || o->type != MSGPACK_OBJECT_MAP)
        return dsk_seterr(err, DSK_EPROTO, "job spec: parameters are not a map");
    uint32_t n = o->via.map.size;
    p->names = dsk_xcalloc(n ? n : 1, sizeof *p->names);
    p->values = dsk_xcalloc(n ? n : 1, sizeof *p->values);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        char *name = s_str(&kv->key);
        if (!name)
            return dsk_seterr(err, DSK_EPROTO, "job spec: a parameter name is not a string");
        p->names[p->n] = name;
        int rc = ml_unpack_value(&kv->val, &p->values[p->n], err);
        p->n++;
        if (rc)
            return rc;
    }
    return DSK_OK;
}

static int s_steps(const msgpack_object *o, job_t *job, char *err)
{
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0)
        return dsk_seterr(err, DSK_EPROTO, "job spec: steps is not a non-empty array");
    job->steps = dsk_xcalloc(o->via.array.size, sizeof *job->steps);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *st = &o->via.array.ptr[i];
        if (st->type != MSGPACK_OBJECT_ARRAY || st->via.array.size != 3)
            return dsk_seterr(err, DSK_EPROTO, "job spec: step %u is not [name, class, params]",
                              i);
        job_step_t *js = &job->steps[job->n_steps++];
        js->name = s_str(&st->via.array.ptr[0]);
        js->class_name = s_str(&st->via.array.ptr[1]);
        if (!js->name || !js->class_name)
            return dsk_seterr(err, DSK_EPROTO, "job spec: step %u's name or class is not a "
                              "string", i);
        int rc = s_params(&st->via.array.ptr[2], &js->params, err);
        if (rc)
            return rc;
    }
    return DSK_OK;
}

static int s_cands(const msgpack_object *o, job_spec_t *tj, char *err)
{
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0)
        return dsk_seterr(err, DSK_EPROTO, "job spec: candidates is not a non-empty array");
    tj->cands = dsk_xcalloc(o->via.array.size, sizeof *tj->cands);
    for (uint32_t c = 0; c < o->via.array.size; c++) {
        tj->n_cands++;
        int rc = s_params(&o->via.array.ptr[c], &tj->cands[c], err);
        if (rc)
            return rc;
    }
    return DSK_OK;
}

/* The fold array: a bin of int32 LE (copied: a bin is not 4-byte aligned), or nil. */
static int s_folds(const msgpack_object *o, job_spec_t *tj, char *err)
{
    if (o && o->type == MSGPACK_OBJECT_NIL)
        return DSK_OK;
    if (!o || o->type != MSGPACK_OBJECT_BIN || o->via.bin.size % sizeof(int32_t))
        return dsk_seterr(err, DSK_EPROTO, "job spec: folds is not a bin of int32");
    tj->n_assign = o->via.bin.size / sizeof(int32_t);
    tj->assign = dsk_xmalloc((size_t)tj->n_assign * sizeof *tj->assign + 1);
    ml_le_copy(tj->assign, o->via.bin.ptr, (size_t)tj->n_assign, sizeof *tj->assign);
    return DSK_OK;
}

int job_spec_unpack(const void *buf, size_t len, job_spec_t **out, char *err)
{
    *out = NULL;
    msgpack_unpacked u;
    char why[DSK_ERR_LEN];
    int rc = dsk_mp_unpack(buf, len, 16, len + 1, &u, why);
    int64_t format;
    if (rc || u.data.type != MSGPACK_OBJECT_MAP ||
        ml_unpack_int(ml_unpack_get(&u.data, "dsk_task_job"), S_FORMAT, S_FORMAT, &format)) {
        msgpack_unpacked_destroy(&u);
        return dsk_seterr(err, DSK_EPROTO, "job spec: not a dsk job (format %d)", S_FORMAT);
    }
    job_spec_t *tj = dsk_xcalloc(1, sizeof *tj);
    tj->steps.kind = JOB_GRID;
    tj->bytes = len;
    rc = s_steps(ml_unpack_get(&u.data, "steps"), &tj->steps, err);
    if (rc == DSK_OK)
        rc = s_cands(ml_unpack_get(&u.data, "candidates"), tj, err);
    if (rc == DSK_OK)
        rc = s_folds(ml_unpack_get(&u.data, "folds"), tj, err);
    if (rc == DSK_OK) {
        const msgpack_object *sc = ml_unpack_get(&u.data, "scoring");
        if (!sc || sc->type != MSGPACK_OBJECT_STR || sc->via.str.size > JOB_SCORING_MAX ||
            memchr(sc->via.str.ptr, '\0', sc->via.str.size))
            rc = dsk_seterr(err, DSK_EPROTO, "job spec: bad scoring");
        else
            memcpy(tj->scoring, sc->via.str.ptr, sc->via.str.size);
    }
    if (rc == DSK_OK) { /* absent in a job from before train scores: none */
        const msgpack_object *ts = ml_unpack_get(&u.data, "train_scores");
        if (ts && ts->type != MSGPACK_OBJECT_BOOLEAN)
            rc = dsk_seterr(err, DSK_EPROTO, "job spec: train_scores is not a boolean");
        else
            tj->steps.return_train_score = ts && ts->via.boolean;
    }
    if (rc == DSK_OK) { /* nil or absent: "raise" */
        const msgpack_object *es = ml_unpack_get(&u.data, "error_score");
        tj->steps.error_score_raise = !es || es->type == MSGPACK_OBJECT_NIL;
        tj->steps.error_score = NAN;
        if (!tj->steps.error_score_raise && es->type != MSGPACK_OBJECT_FLOAT64)
            rc = dsk_seterr(err, DSK_EPROTO, "job spec: error_score is not a number or nil");
        else if (!tj->steps.error_score_raise)
            tj->steps.error_score = es->via.f64;
    }
    msgpack_unpacked_destroy(&u);
    if (rc) {
        job_spec_destroy(&tj);
        return rc;
    }
    *out = tj;
    return DSK_OK;
}

void job_spec_destroy(job_spec_t **tj_p)
{
    job_spec_t *tj = *tj_p;
    if (!tj)
        return;
    for (size_t i = 0; i < tj->steps.n_steps; i++) {
        free(tj->steps.steps[i].name);
        free(tj->steps.steps[i].class_name);
        ml_params_clear(&tj->steps.steps[i].params);
    }
    free(tj->steps.steps);
    for (int64_t c = 0; c < tj->n_cands; c++)
        ml_params_clear(&tj->cands[c]);
    free(tj->cands);
    free(tj->assign);
    free(tj);
    *tj_p = NULL;
}
