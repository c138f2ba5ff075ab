/* job_predict.c — one chunk through a model, and the chunk's result as bytes. */
#include "job_predict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_mpcheck.h"
#include "job_data.h"
#include "job_input_ref.h"
#include "ml_load_util.h"
#include "ml_model.h"
#include "ml_pack.h"
#include "ml_pipeline.h"

static const char *const s_methods[] = {NULL, "predict", "decision_function", "predict_proba",
                                        "transform", "score", "predict_log_proba"};

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/*
 * A score chunk: its rows, the correct ones, and its confusion matrix as
 * (true, predicted, count) triples, so that any label scorer can be
 * computed over every chunk without the rows (ml_scorer_score_counts).
 */
static void s_pack_score(msgpack_packer *pk, const int32_t *y, const int32_t *pred, int64_t n)
{
    int64_t *key = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *key), correct = 0, distinct = 0;
    for (int64_t i = 0; i < n; i++) {
        key[i] = (int64_t)((uint64_t)(uint32_t)y[i] << 32 | (uint32_t)pred[i]);
        correct += pred[i] == y[i];
    }
    qsort(key, (size_t)n, sizeof *key, s_cmp_i64);
    for (int64_t i = 0; i < n; i++)
        distinct += i == 0 || key[i] != key[i - 1];
    msgpack_pack_map(pk, 3);
    ml_pack_key(pk, "rows");
    msgpack_pack_int64(pk, n);
    ml_pack_key(pk, "correct");
    msgpack_pack_int64(pk, correct);
    ml_pack_key(pk, "confusion");
    msgpack_pack_array(pk, (size_t)distinct);
    for (int64_t i = 0, run = 1; i < n; i++, run++)
        if (i + 1 == n || key[i + 1] != key[i]) {
            msgpack_pack_array(pk, 3);
            msgpack_pack_int32(pk, (int32_t)(uint32_t)((uint64_t)key[i] >> 32));
            msgpack_pack_int32(pk, (int32_t)(uint32_t)key[i]);
            msgpack_pack_int64(pk, run);
            run = 0;
        }
    free(key);
}

int job_method_parse(const char *name, job_method_t *out, char *err)
{
    for (int m = JOB_METHOD_PREDICT; m <= JOB_METHOD_LAST; m++)
        if (strcmp(name, s_methods[m]) == 0) {
            *out = (job_method_t)m;
            return DSK_OK;
        }
    return dsk_seterr(err, DSK_EINVAL, "unknown method '%s': expected predict, "
                      "decision_function, predict_proba, predict_log_proba, transform or score",
                      name);
}

const char *job_method_name(job_method_t m)
{
    return m >= JOB_METHOD_PREDICT && m <= JOB_METHOD_LAST ? s_methods[m] : "?";
}

int job_predict_spec(job_method_t method, int aggregate, msgpack_sbuffer *sbuf)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    ml_pack_key(&pk, "method");
    msgpack_pack_int(&pk, method);
    ml_pack_key(&pk, "aggregate");
    return aggregate ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
}

/* The spec's method and aggregate flag. */
static int s_spec(const void *spec, size_t len, job_method_t *method, int *aggregate, char *err)
{
    msgpack_unpacked u;
    int64_t m = 0;
    int ok = dsk_mp_unpack(spec, len, 4, 64, &u, err) == 0 &&
             ml_unpack_int(ml_unpack_get(&u.data, "method"), JOB_METHOD_PREDICT, JOB_METHOD_LAST,
                           &m) == 0;
    const msgpack_object *a = ok ? ml_unpack_get(&u.data, "aggregate") : NULL;
    ok = ok && a && a->type == MSGPACK_OBJECT_BOOLEAN;
    if (ok) {
        *method = (job_method_t)m;
        *aggregate = a->via.boolean;
    }
    msgpack_unpacked_destroy(&u);
    return ok ? DSK_OK : dsk_seterr(err, DSK_EPROTO, "predict task: bad spec");
}

/* {"rows": n, "labels": ...} or the class counts of the labels. */
static void s_pack_labels(msgpack_packer *pk, const int32_t *pred, int64_t n, int aggregate,
                          const int32_t *classes, int32_t nclasses)
{
    msgpack_pack_map(pk, 2);
    ml_pack_key(pk, "rows");
    msgpack_pack_int64(pk, n);
    if (!aggregate) {
        ml_pack_key(pk, "labels");
        msgpack_pack_bin(pk, (size_t)n * sizeof *pred);
        msgpack_pack_bin_body(pk, pred, (size_t)n * sizeof *pred);
        return;
    }
    int64_t *cnt = dsk_xcalloc((size_t)(nclasses ? nclasses : 1), sizeof *cnt);
    for (int64_t i = 0; i < n; i++)
        for (int32_t k = 0; k < nclasses; k++)
            if (pred[i] == classes[k]) {
                cnt[k]++;
                break;
            }
    ml_pack_key(pk, "counts");
    msgpack_pack_array(pk, (size_t)nclasses);
    for (int32_t k = 0; k < nclasses; k++) {
        msgpack_pack_array(pk, 2);
        msgpack_pack_int64(pk, classes[k]);
        msgpack_pack_int64(pk, cnt[k]);
    }
    free(cnt);
}

static int s_run(const ml_pipeline_t *p, job_method_t method, int aggregate,
                 const ml_dataset_t *ds, msgpack_packer *pk, char *err)
{
    int64_t n = ds->X->nrows;
    int rc;
    if (method == JOB_METHOD_PREDICT || method == JOB_METHOD_SCORE) {
        int32_t *pred = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *pred);
        rc = ml_pipeline_predict(p, ds->X, pred, err);
        if (rc == DSK_OK && method == JOB_METHOD_PREDICT) {
            int32_t nc = 0;
            const int32_t *classes = ml_pipeline_classes(p, &nc);
            s_pack_labels(pk, pred, n, aggregate, classes, nc);
        } else if (rc == DSK_OK && !ds->y) {
            rc = dsk_seterr(err, DSK_EINVAL, "score needs labels: the input has none");
        } else if (rc == DSK_OK && aggregate) {
            s_pack_score(pk, ds->y, pred, n);
        } else if (rc == DSK_OK) {
            /* a threshold scorer's (roc_auc): each row's label and value, scored at the end */
            double *values = NULL;
            rc = ml_pipeline_threshold_values(p, ds->X, &values, err);
            if (rc == DSK_OK) {
                msgpack_pack_map(pk, 3);
                ml_pack_key(pk, "rows");
                msgpack_pack_int64(pk, n);
                ml_pack_key(pk, "y");
                ml_pack_le(pk, ds->y, (size_t)n, 4);
                ml_pack_key(pk, "values");
                ml_pack_f64s_bin(pk, values, n);
            }
            free(values);
        }
        free(pred);
        return rc;
    }
    ml_data_t *out = NULL;
    if (method == JOB_METHOD_TRANSFORM) {
        rc = ml_pipeline_transform(p, ds->X, &out, err);
    } else {
        ml_dense_t *m = NULL;
        rc = method == JOB_METHOD_DECISION_FUNCTION ? ml_pipeline_decision_function(p, ds->X, &m, err)
                                                   : ml_pipeline_predict_proba(p, ds->X, &m, err);
        /* np.log(predict_proba), as scikit-learn's predict_log_proba */
        for (int64_t k = 0; rc == DSK_OK && method == JOB_METHOD_PREDICT_LOG_PROBA &&
                            k < m->nrows * m->ncols; k++)
            m->data[k] = log(m->data[k]);
        if (rc == DSK_OK)
            out = ml_data_from_dense(&m);
    }
    if (rc == DSK_OK) {
        msgpack_pack_map(pk, 2);
        ml_pack_key(pk, "rows");
        msgpack_pack_int64(pk, n);
        ml_pack_key(pk, "data");
        rc = job_data_pack(out, pk) ? dsk_seterr(err, DSK_ETOOBIG, "%s: the chunk's output is "
                                                "too big for one message", job_method_name(method))
                                   : DSK_OK;
    }
    ml_data_destroy(&out);
    return rc;
}

/* A chunk's rows: carried (a packed dataset) or named (job_input_ref.h). */
static int s_chunk(const void *chunk, size_t len, ml_dataset_t **out, char *err)
{
    int rc;
    return job_ref_read(chunk, len, out, &rc, err) ? rc
                                                   : job_dataset_unpack(chunk, len, "the chunk",
                                                                        out, err);
}

int job_predict_run_pipeline(const void *spec, size_t spec_len, const ml_pipeline_t *p,
                            const void *chunk, size_t chunk_len, msgpack_sbuffer *reply,
                            char *err)
{
    job_method_t method = JOB_METHOD_PREDICT;
    int aggregate = 0;
    int rc = s_spec(spec, spec_len, &method, &aggregate, err);
    if (rc)
        return rc;
    ml_dataset_t *ds = NULL;
    if ((rc = s_chunk(chunk, chunk_len, &ds, err)) == 0) {
        msgpack_packer pk;
        msgpack_packer_init(&pk, reply, msgpack_sbuffer_write);
        rc = s_run(p, method, aggregate, ds, &pk, err);
    }
    ml_dataset_destroy(&ds);
    return rc;
}

int job_predict_run(const void *spec, size_t spec_len, const void *model, size_t model_len,
                   const void *chunk, size_t chunk_len, msgpack_sbuffer *reply, char *err)
{
    ml_pipeline_t *p = NULL;
    int rc = ml_model_unpack(model, model_len, "the model", &p, err);
    if (rc == DSK_OK)
        rc = job_predict_run_pipeline(spec, spec_len, p, chunk, chunk_len, reply, err);
    ml_pipeline_destroy(&p);
    return rc;
}

void job_predict_result_clear(job_predict_result_t *r)
{
    free(r->labels);
    free(r->counts);
    free(r->confusion);
    free(r->values);
    free(r->y);
    ml_data_destroy(&r->data);
    memset(r, 0, sizeof *r);
    r->correct = -1;
}

int job_predict_result_unpack(const void *buf, size_t len, job_predict_result_t *r, char *err)
{
    memset(r, 0, sizeof *r);
    r->correct = -1;
    msgpack_unpacked u;
    int rc = DSK_EPROTO;
    if (dsk_mp_unpack(buf, len, 32, len + 1, &u, err) ||
        ml_unpack_int(ml_unpack_get(&u.data, "rows"), 0, INT64_MAX, &r->rows))
        goto out;
    const msgpack_object *o;
    if ((o = ml_unpack_get(&u.data, "labels"))) {
        if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != (size_t)r->rows * sizeof(int32_t))
            goto out;
        r->labels = dsk_xmalloc(o->via.bin.size + 1);
        memcpy(r->labels, o->via.bin.ptr, o->via.bin.size);
    } else if ((o = ml_unpack_get(&u.data, "counts"))) {
        if (o->type != MSGPACK_OBJECT_ARRAY)
            goto out;
        r->ncounts = o->via.array.size;
        r->counts = dsk_xcalloc((size_t)r->ncounts + 1, sizeof *r->counts);
        for (int64_t k = 0; k < r->ncounts; k++) {
            const msgpack_object *e = &o->via.array.ptr[k];
            if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 ||
                ml_unpack_int(&e->via.array.ptr[0], INT32_MIN, INT32_MAX, &r->counts[k][0]) ||
                ml_unpack_int(&e->via.array.ptr[1], 0, INT64_MAX, &r->counts[k][1]))
                goto out;
        }
    } else if ((o = ml_unpack_get(&u.data, "data"))) {
        if (job_data_unpack_obj(o, "a chunk's output", &r->data, err) < 0)
            goto out;
    } else if ((o = ml_unpack_get(&u.data, "values"))) {
        const msgpack_object *y = ml_unpack_get(&u.data, "y");
        r->values = ml_unpack_f64s_bin(o, r->rows);
        if (!r->values || !y || y->type != MSGPACK_OBJECT_BIN ||
            (int64_t)y->via.bin.size != r->rows * 4)
            goto out;
        r->y = dsk_xmalloc((size_t)(r->rows + 1) * sizeof *r->y);
        ml_le_copy(r->y, y->via.bin.ptr, (size_t)r->rows, 4);
    } else if ((o = ml_unpack_get(&u.data, "correct"))) {
        if (ml_unpack_int(o, 0, r->rows, &r->correct))
            goto out;
        const msgpack_object *cm = ml_unpack_get(&u.data, "confusion");
        if (!cm || cm->type != MSGPACK_OBJECT_ARRAY || (int64_t)cm->via.array.size > r->rows)
            goto out;
        r->nconfusion = cm->via.array.size;
        r->confusion = dsk_xcalloc((size_t)r->nconfusion + 1, sizeof *r->confusion);
        for (int64_t k = 0; k < r->nconfusion; k++) {
            const msgpack_object *e = &cm->via.array.ptr[k];
            if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 3 ||
                ml_unpack_int(&e->via.array.ptr[0], INT32_MIN, INT32_MAX, &r->confusion[k][0]) ||
                ml_unpack_int(&e->via.array.ptr[1], INT32_MIN, INT32_MAX, &r->confusion[k][1]) ||
                ml_unpack_int(&e->via.array.ptr[2], 1, r->rows, &r->confusion[k][2]))
                goto out;
        }
    } else {
        goto out;
    }
    rc = DSK_OK;
out:
    msgpack_unpacked_destroy(&u);
    if (rc) {
        job_predict_result_clear(r);
        dsk_seterr(err, rc, "a chunk's result is malformed");
    }
    return rc;
}
