/* job_task.c — the task bodies a worker runs, and the in-process search. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsk_alloc.h"
#include "dsk_mpcheck.h"
#include "ml_model.h"
#include "ml_np_sort.h"
#include "ml_pack.h"
#include "job_build.h"
#include "job_plan.h"
#include "job_score.h"
#include "job_task.h"
#include "job_stage.h"

/* ------------------------------------------------------------ the spec */

/*
 * A decoded spec, resolved against the job: the steps, the candidate's
 * parameters, the fold assignment and the scorer are the job's (borrowed).
 */
typedef struct {
    const job_t *job;
    const ml_params_t *cand;
    int kind;
    int64_t from, to;
    char input[JOB_KEY_LEN + 1];
    int fold;
    const int32_t *assign;
    int64_t n_assign;
    const char *scoring;
    int train_scores;
    int error_score_raise;  /* else a failing fit is scored error_score */
    double error_score;
} s_spec_t;

static int s_spec_decode(const void *buf, size_t len, const job_spec_t *tj, s_spec_t *s,
                         char *err)
{
    memset(s, 0, sizeof *s);
    msgpack_unpacked u;
    char why[DSK_ERR_LEN];
    int rc = dsk_mp_unpack(buf, len, 4, 64, &u, why);
    const msgpack_object *m = &u.data, *o;
    int64_t v;
    if (rc || m->type != MSGPACK_OBJECT_MAP) {
        rc = dsk_seterr(err, DSK_EPROTO, "task spec: not a msgpack map");
        goto out;
    }
    rc = DSK_EPROTO;
    if (ml_unpack_int(ml_unpack_get(m, "kind"), JOB_TASK_STAGE, JOB_TASK_REFIT, &v)) {
        dsk_seterr(err, rc, "task spec: bad kind");
        goto out;
    }
    s->kind = (int)v;
    if (ml_unpack_int(ml_unpack_get(m, "candidate"), 0, tj->n_cands - 1, &v)) {
        dsk_seterr(err, rc, "task spec: the candidate is not one of the job's %lld",
                   (long long)tj->n_cands);
        goto out;
    }
    s->cand = &tj->cands[v];
    s->job = &tj->steps;
    o = ml_unpack_get(m, "range");
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
        ml_unpack_int(&o->via.array.ptr[0], 0, (int64_t)s->job->n_steps, &s->from) ||
        ml_unpack_int(&o->via.array.ptr[1], s->from, (int64_t)s->job->n_steps, &s->to)) {
        dsk_seterr(err, rc, "task spec: bad step range");
        goto out;
    }
    o = ml_unpack_get(m, "input");
    if (o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == JOB_KEY_LEN)
        memcpy(s->input, o->via.str.ptr, JOB_KEY_LEN);
    else if (!o || o->type != MSGPACK_OBJECT_NIL) {
        dsk_seterr(err, rc, "task spec: bad input key");
        goto out;
    }
    if (ml_unpack_int(ml_unpack_get(m, "fold"), -1, 1 << 20, &v)) {
        dsk_seterr(err, rc, "task spec: bad fold");
        goto out;
    }
    s->fold = (int)v;
    if (s->fold >= 0 && !tj->assign) {
        dsk_seterr(err, rc, "task spec: a fold, but the job has no fold assignment");
        goto out;
    }
    s->assign = tj->assign;
    s->n_assign = tj->n_assign;
    s->scoring = tj->scoring;
    s->train_scores = tj->steps.return_train_score;
    s->error_score_raise = tj->steps.error_score_raise;
    s->error_score = tj->steps.error_score;
    rc = DSK_OK;
out:
    msgpack_unpacked_destroy(&u);
    return rc;
}

/* ------------------------------------------------------------ the bodies */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A PREFIX output: a fold's training and test rows through the prefix, or,
 * in a job whose error_score is not "raise", why fitting the prefix failed
 * (then every SCORE reading it is scored error_score with that error).
 */
typedef struct {
    ml_data_t *Xtr, *Xte;
    int32_t *ytr, *yte;
    int64_t ntr, nte;
    double fit_time, score_time;
    char *error;
} s_split_t;

static void s_split_destroy(void *obj)
{
    s_split_t *s = obj;
    if (!s)
        return;
    ml_data_destroy(&s->Xtr);
    ml_data_destroy(&s->Xte);
    free(s->ytr);
    free(s->yte);
    free(s->error);
    free(s);
}

/* sp becomes a failed fit's split: its rows dropped, the error kept. */
static void s_split_fail(s_split_t *sp, const char *error, double fit_time)
{
    ml_data_destroy(&sp->Xtr);
    ml_data_destroy(&sp->Xte);
    free(sp->ytr);
    free(sp->yte);
    sp->ytr = sp->yte = NULL;
    sp->ntr = sp->nte = 0;
    sp->error = dsk_xstrdup(error);
    sp->fit_time = fit_time;
    sp->score_time = 0;
}

static size_t s_split_bytes(const s_split_t *s)
{
    if (s->error)
        return sizeof *s + strlen(s->error) + 1;
    return job_data_bytes(s->Xtr) + job_data_bytes(s->Xte) +
           (size_t)(s->ntr + s->nte) * sizeof(int32_t);
}

/*
 * A split as bytes, for a worker that will run the candidates reading it:
 * {"Xtr": data, "Xte": data, "ytr": bin, "yte": bin, "fit_time", "score_time"},
 * or a failed one's {"error": str, "fit_time", "score_time"}.
 */
static int s_split_pack(const void *obj, msgpack_packer *pk)
{
    const s_split_t *sp = obj;
    if (sp->error) {
        msgpack_pack_map(pk, 3);
        ml_pack_key(pk, "error");
        msgpack_pack_str_with_body(pk, sp->error, strlen(sp->error));
        ml_pack_key(pk, "fit_time");
        msgpack_pack_double(pk, sp->fit_time);
        ml_pack_key(pk, "score_time");
        return msgpack_pack_double(pk, sp->score_time);
    }
    msgpack_pack_map(pk, 6);
    ml_pack_key(pk, "Xtr");
    int bad = job_data_pack(sp->Xtr, pk);
    ml_pack_key(pk, "Xte");
    bad |= job_data_pack(sp->Xte, pk);
    const int32_t *ys[2] = {sp->ytr, sp->yte};
    const int64_t ns[2] = {sp->ntr, sp->nte};
    for (int i = 0; i < 2; i++) {
        ml_pack_key(pk, i ? "yte" : "ytr");
        msgpack_pack_bin(pk, (size_t)ns[i] * sizeof(int32_t));
        msgpack_pack_bin_body(pk, ys[i], (size_t)ns[i] * sizeof(int32_t));
    }
    ml_pack_key(pk, "fit_time");
    msgpack_pack_double(pk, sp->fit_time);
    ml_pack_key(pk, "score_time");
    msgpack_pack_double(pk, sp->score_time);
    return bad;
}

/* The labels of a packed split: a bin of n int32 (n the part's rows). */
static int32_t *s_labels(const msgpack_object *o, int64_t n)
{
    if (!o || o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != (size_t)n * sizeof(int32_t))
        return NULL;
    int32_t *y = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *y);
    memcpy(y, o->via.bin.ptr, o->via.bin.size);
    return y;
}

/* A packed split back into a new split *out; an error code with err for a bad one. */
static int s_split_unpack(const msgpack_object *o, s_split_t **out, char *err)
{
    s_split_t *sp = dsk_xcalloc(1, sizeof *sp);
    const msgpack_object *e = ml_unpack_get(o, "error");
    if (e) {
        const msgpack_object *ft = ml_unpack_get(o, "fit_time");
        if (e->type != MSGPACK_OBJECT_STR || e->via.str.size >= DSK_ERR_LEN || !ft ||
            ft->type != MSGPACK_OBJECT_FLOAT64) {
            s_split_destroy(sp);
            return dsk_seterr(err, DSK_EPROTO, "a moved output's error is not a text");
        }
        sp->error = dsk_xstrndup(e->via.str.ptr, e->via.str.size);
        sp->fit_time = ft->via.f64;
        *out = sp;
        return DSK_OK;
    }
    int rc = job_data_unpack_obj(ml_unpack_get(o, "Xtr"), "a moved output", &sp->Xtr, err);
    if (rc == DSK_OK)
        rc = job_data_unpack_obj(ml_unpack_get(o, "Xte"), "a moved output", &sp->Xte, err);
    if (rc == DSK_OK) {
        sp->ntr = sp->Xtr->nrows;
        sp->nte = sp->Xte->nrows;
        sp->ytr = s_labels(ml_unpack_get(o, "ytr"), sp->ntr);
        sp->yte = s_labels(ml_unpack_get(o, "yte"), sp->nte);
        const msgpack_object *ft = ml_unpack_get(o, "fit_time"), *st = ml_unpack_get(o, "score_time");
        if (!sp->ytr || !sp->yte || !ft || ft->type != MSGPACK_OBJECT_FLOAT64 || !st ||
            st->type != MSGPACK_OBJECT_FLOAT64)
            rc = dsk_seterr(err, DSK_EPROTO, "a moved output lacks its labels or times");
        else {
            sp->fit_time = ft->via.f64;
            sp->score_time = st->via.f64;
        }
    }
    if (rc) {
        s_split_destroy(sp);
        return rc;
    }
    *out = sp;
    return DSK_OK;
}

int job_output_unpack(const void *buf, size_t len, job_output_t *out, char *err)
{
    memset(out, 0, sizeof *out);
    msgpack_sbuffer_init(&out->reply);
    msgpack_unpacked u;
    char why[DSK_ERR_LEN];
    int rc = dsk_mp_unpack(buf, len, 32, len + 1, &u, why);
    if (rc) {
        msgpack_unpacked_destroy(&u);
        return dsk_seterr(err, rc, "a moved output is not msgpack: %s", why);
    }
    /* a stage (a corpus' document counts), or else a fold's split */
    const job_stage_ops_t *sops;
    rc = job_stage_unpack_output(&u.data, &out->obj, &sops, err);
    if (rc == DSK_OK) {
        out->destroy = sops->destroy;
        out->bytes = sops->bytes(out->obj);
        out->pack = sops->pack_output;
    } else if (rc == 1) {
        s_split_t *sp = NULL;
        rc = s_split_unpack(&u.data, &sp, err);
        if (rc == DSK_OK) {
            out->obj = sp;
            out->destroy = s_split_destroy;
            out->bytes = s_split_bytes(sp);
            out->pack = s_split_pack;
        }
    }
    msgpack_unpacked_destroy(&u);
    return rc;
}

/* The fold's training and test rows (ascending) and their labels. */
static int s_fold_rows(const s_spec_t *s, const ml_dataset_t *ds, s_split_t *sp, int64_t **tr,
                       int64_t **te, char *err)
{
    int64_t n = ds->X->nrows;
    if (s->n_assign != n)
        return dsk_seterr(err, DSK_EINVAL, "task: the fold assignment has %lld samples, the "
                          "data %lld", (long long)s->n_assign, (long long)n);
    *tr = dsk_xmalloc((size_t)(n ? n : 1) * sizeof **tr);
    *te = dsk_xmalloc((size_t)(n ? n : 1) * sizeof **te);
    sp->ytr = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *sp->ytr);
    sp->yte = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *sp->yte);
    for (int64_t i = 0; i < n; i++) {
        if (s->assign[i] == s->fold) {
            sp->yte[sp->nte] = ds->y[i];
            (*te)[sp->nte++] = i;
        } else {
            sp->ytr[sp->ntr] = ds->y[i];
            (*tr)[sp->ntr++] = i;
        }
    }
    return DSK_OK;
}

/*
 * Steps [0, upto) of pipe fitted on the fold's training rows and applied
 * to both parts, into sp->Xtr / sp->Xte (step 0 through the stage when
 * there is one). upto == 0 leaves the raw rows.
 */
static int s_fit_prefix(ml_pipeline_t *pipe, size_t upto, const job_stage_ops_t *st,
                        const void *stage, const ml_dataset_t *ds, const int64_t *tr,
                        const int64_t *te, s_split_t *sp, char *err)
{
    double t0 = s_now(), test = 0; /* test: time spent on the test rows */
    size_t from = 0;
    int rc = DSK_OK;
    if (st && upto > 0) {
        ml_estimator_t *e = (ml_estimator_t *)ml_pipeline_step(pipe, 0);
        rc = st->fit_transform(e->impl, stage, tr, sp->ntr, &sp->Xtr, err);
        double t1 = s_now();
        if (rc == DSK_OK)
            rc = st->transform(e->impl, stage, te, sp->nte, &sp->Xte, err);
        test += s_now() - t1;
        from = 1;
    } else {
        sp->Xtr = ml_data_take_rows(ds->X, tr, sp->ntr);
        sp->Xte = ml_data_take_rows(ds->X, te, sp->nte);
    }
    if (rc == DSK_OK && from < upto) {
        ml_data_t *xtr = NULL, *xte = NULL;
        rc = ml_pipeline_fit_transform_from(pipe, from, sp->Xtr, sp->ytr, &xtr, err);
        double t1 = s_now();
        if (rc == DSK_OK)
            rc = ml_pipeline_transform_from(pipe, from, sp->Xte, &xte, err);
        test += s_now() - t1;
        ml_data_destroy(&sp->Xtr);
        ml_data_destroy(&sp->Xte);
        sp->Xtr = xtr;
        sp->Xte = xte;
    }
    sp->fit_time += s_now() - t0 - test;
    sp->score_time += test;
    return rc;
}


static int s_run_stage(const s_spec_t *s, const ml_dataset_t *ds, job_output_t *out,
                       char *err)
{
    ml_pipeline_t *pipe = NULL;
    int rc = job_pipeline_range(s->job, s->cand, 0, 1, &pipe, err);
    if (rc)
        return rc;
    const ml_estimator_t *e = ml_pipeline_step(pipe, 0);
    const job_stage_ops_t *st = job_stage_find(e->ops);
    if (!st) {
        ml_pipeline_destroy(&pipe);
        return dsk_seterr(err, DSK_EINVAL, "task: %s has no stage", e->ops->name);
    }
    out->obj = st->build(e->impl, ds->X, err);
    ml_pipeline_destroy(&pipe);
    if (!out->obj)
        return DSK_EINVAL;
    out->destroy = st->destroy;
    out->bytes = st->bytes(out->obj);
    out->pack = st->pack_output;
    return DSK_OK;
}

/* A fit that failed in a job whose error_score is not "raise": scored error_score. */
static void s_score_failed(const s_spec_t *s, const char *error, double fit_time,
                           job_score_t *res)
{
    res->score = s->error_score;
    res->train_score = s->train_scores ? s->error_score : NAN;
    res->fit_time = fit_time;
    res->score_time = 0;
    snprintf(res->error, sizeof res->error, "%s", error);
}

/*
 * SCORE: the prefix (a shared one's split, or fitted here from step 0 or
 * the stage), the remaining steps fitted, the test rows scored (and the
 * training rows, when the job asks). Without error_score "raise", a failed
 * fit is scored error_score with its error, and a failed scoring is scored
 * error_score with the fit standing (scikit-learn's _fit_and_score, _score).
 */
static int s_run_score(const s_spec_t *s, ml_pipeline_t *pipe, const job_stage_ops_t *st,
                       const void *input, const ml_dataset_t *ds, const s_split_t *pre,
                       s_split_t *sp, const int64_t *tr, const int64_t *te, job_output_t *out,
                       char *err)
{
    job_score_t res = {.score = NAN, .train_score = NAN};
    double t_start = s_now();
    if (pre && pre->error) { /* the shared prefix could not be fitted */
        s_score_failed(s, pre->error, pre->fit_time, &res);
        job_score_pack(&out->reply, &res);
        return DSK_OK;
    }
    const s_split_t *use = pre;
    size_t start = pre ? 0 : (st ? 1 : 0);
    int rc = DSK_OK;
    if (!pre) {
        rc = s_fit_prefix(pipe, start, st, input, ds, tr, te, sp, err);
        use = sp;
    }
    /* this task's own fold matrices are handed over (TF-IDF then works in place) unless
       train scores read them after the fit; a shared prefix's, read by other tasks too, are
       only read */
    double t0 = s_now();
    if (rc == DSK_OK)
        rc = pre || s->train_scores
                 ? ml_pipeline_fit_from(pipe, start, use->Xtr, use->ytr, err)
                 : ml_pipeline_fit_from_owned(pipe, start, &sp->Xtr, sp->ytr, err);
    double t1 = s_now();
    if (rc != DSK_OK) {
        if (s->error_score_raise)
            return rc;
        s_score_failed(s, err, (pre ? pre->fit_time : 0) + (t1 - t_start), &res);
        job_score_pack(&out->reply, &res);
        return DSK_OK;
    }
    const ml_scorer_t *scorer = ml_scorer_find(s->scoring, err);
    if (!scorer)
        return DSK_EINVAL;
    rc = pre ? ml_pipeline_score_from(pipe, start, scorer, use->Xte, use->yte, &res.score, err)
             : ml_pipeline_score_from_owned(pipe, start, scorer, &sp->Xte, sp->yte, &res.score,
                                            err);
    if (rc != DSK_OK && s->error_score_raise)
        return rc;
    if (rc != DSK_OK)
        res.score = s->error_score;
    double t2 = s_now();
    if (s->train_scores) {
        rc = pre ? ml_pipeline_score_from(pipe, start, scorer, use->Xtr, use->ytr,
                                          &res.train_score, err)
                 : ml_pipeline_score_from_owned(pipe, start, scorer, &sp->Xtr, sp->ytr,
                                                &res.train_score, err);
        if (rc != DSK_OK && s->error_score_raise)
            return rc;
        if (rc != DSK_OK)
            res.train_score = s->error_score;
    }
    res.fit_time = use->fit_time + (t1 - t0);
    res.score_time = use->score_time + (t2 - t1);
    job_score_pack(&out->reply, &res);
    return DSK_OK;
}

/*
 * PREFIX and SCORE, and their common ground: the pipeline of the job's
 * steps with the candidate's parameters, the fold's rows, and the input
 * (a stage, a prefix's split, or the raw data).
 */
static int s_run_fold(const s_spec_t *s, const ml_dataset_t *ds, const void *input,
                      job_output_t *out, char *err)
{
    ml_pipeline_t *pipe = NULL;
    size_t from = (size_t)s->from, to = (size_t)s->to;
    int rc = job_pipeline_range(s->job, s->cand, from, to, &pipe, err);
    if (rc)
        return rc;
    const job_stage_ops_t *st = from == 0 ? job_stage_find(ml_pipeline_step(pipe, 0)->ops) : NULL;
    if (st && !input)
        st = NULL; /* planned without a stage: fit the step on the documents */
    s_split_t *sp = dsk_xcalloc(1, sizeof *sp);
    const s_split_t *pre = from > 0 ? input : NULL;
    int64_t *tr = NULL, *te = NULL;
    if (from > 0 && !pre)
        rc = dsk_seterr(err, DSK_EINVAL, "task: the prefix output %s is missing", s->input);
    else if (from == 0)
        rc = s_fold_rows(s, ds, sp, &tr, &te, err);
    if (rc == DSK_OK && s->kind == JOB_TASK_PREFIX) {
        double t0 = s_now();
        rc = s_fit_prefix(pipe, to, st, input, ds, tr, te, sp, err);
        if (rc != DSK_OK && !s->error_score_raise) { /* its candidates' fits failed */
            s_split_fail(sp, err, s_now() - t0);
            rc = DSK_OK;
        }
        if (rc == DSK_OK) {
            out->obj = sp;
            out->destroy = s_split_destroy;
            out->bytes = s_split_bytes(sp);
            out->pack = s_split_pack;
            sp = NULL;
        }
    } else if (rc == DSK_OK) {
        rc = s_run_score(s, pipe, st, input, ds, pre, sp, tr, te, out, err);
    }
    s_split_destroy(sp);
    free(tr);
    free(te);
    ml_pipeline_destroy(&pipe);
    return rc;
}

/* REFIT: the whole pipeline on every row (step 0 from the stage when there is one). */
static int s_run_refit(const s_spec_t *s, const ml_dataset_t *ds, const void *stage,
                       job_output_t *out, char *err)
{
    ml_pipeline_t *pipe = NULL;
    int rc = job_pipeline_range(s->job, s->cand, 0, s->job->n_steps, &pipe, err);
    if (rc)
        return rc;
    ml_estimator_t *e = (ml_estimator_t *)ml_pipeline_step(pipe, 0);
    const job_stage_ops_t *st = stage ? job_stage_find(e->ops) : NULL;
    if (st) {
        ml_data_t *X0 = NULL;
        rc = st->fit_transform(e->impl, stage, NULL, ds->X->nrows, &X0, err);
        if (rc == DSK_OK && s->job->n_steps > 1)
            rc = ml_pipeline_fit_from(pipe, 1, X0, ds->y, err);
        else if (rc == DSK_OK)
            ml_pipeline_set_fitted(pipe, 1);
        ml_data_destroy(&X0);
    } else {
        rc = ml_pipeline_fit(pipe, ds->X, ds->y, err);
    }
    if (rc == DSK_OK)
        rc = ml_model_pack_scored(pipe, s->scoring, ds, &out->reply, err);
    ml_pipeline_destroy(&pipe);
    return rc;
}

int job_task_run(const void *spec, size_t len, const job_spec_t *job, const ml_dataset_t *ds,
                job_lookup_fn lookup, void *ctx, job_output_t *out, char *err)
{
    memset(out, 0, sizeof *out);
    msgpack_sbuffer_init(&out->reply);
    double t0 = s_now();
    s_spec_t s;
    int rc = s_spec_decode(spec, len, job, &s, err);
    const void *input = NULL;
    if (rc == DSK_OK && s.input[0]) {
        input = lookup(ctx, s.input);
        if (!input)
            rc = dsk_seterr(err, DSK_ENOTFOUND, "task: input %s is not held here", s.input);
    }
    /* only a SCORE after a PREFIX (from > 0) does without the dataset */
    if (rc == DSK_OK && !ds && (s.kind != JOB_TASK_SCORE || s.from == 0))
        rc = dsk_seterr(err, DSK_ENOTFOUND, "task: the dataset is not held here");
    if (rc == DSK_OK) {
        switch (s.kind) {
        case JOB_TASK_STAGE: rc = s_run_stage(&s, ds, out, err); break;
        case JOB_TASK_REFIT: rc = s_run_refit(&s, ds, input, out, err); break;
        default: rc = s_run_fold(&s, ds, input, out, err); break;
        }
    }
    out->seconds = s_now() - t0;
    if (rc)
        job_output_clear(out);
    return rc;
}

/* ------------------------------------------------------------ estimates */

static double s_data_bytes(const ml_fit_shape_t *sh)
{
    return sh->sparse ? (double)sh->nnz * (sizeof(int32_t) + sizeof(double)) +
                        (double)sh->nrows * sizeof(int64_t)
                      : (double)sh->nnz * sizeof(double);
}

static int32_t s_n_classes(const int32_t *y, int64_t n)
{
    if (!y || n <= 0)
        return 0;
    int32_t *classes = NULL;
    int64_t k = ml_np_unique_i32(y, n, NULL, 0, &classes);
    free(classes);
    return (int32_t)k;
}

/*
 * The training part's shape entering step `start`, and the bytes of the
 * matrices the task makes to get there: a shared prefix's split is read
 * as it is; a stage's rows become the fold's count matrices (the stage's
 * columns bound theirs); raw rows are copied per part.
 */
static double s_entry_shape(const s_spec_t *s, const ml_dataset_t *ds, const void *input,
                            const job_stage_ops_t *st, size_t *start, ml_fit_shape_t *sh)
{
    memset(sh, 0, sizeof *sh);
    if (s->from > 0) {
        const s_split_t *pre = input;
        if (!pre || pre->error)
            return -1;
        sh->nrows = pre->ntr;
        sh->sparse = pre->Xtr->kind == ML_DATA_CSR;
        sh->ncols = sh->sparse ? pre->Xtr->csr->ncols : pre->Xtr->dense->ncols;
        sh->nnz = sh->sparse ? pre->Xtr->csr->indptr[pre->ntr] : sh->nrows * sh->ncols;
        sh->n_classes = s_n_classes(pre->ytr, pre->ntr);
        *start = 0;
        return 0;
    }
    if (!ds || (s->fold >= 0 && s->n_assign != ds->X->nrows))
        return -1;
    int64_t n = ds->X->nrows, ntr = 0;
    for (int64_t i = 0; i < n; i++)
        ntr += s->fold < 0 || s->assign[i] != s->fold;
    double share = n > 0 ? (double)ntr / (double)n : 0.0;
    sh->nrows = ntr;
    sh->n_classes = s_n_classes(ds->y, n);
    if (st && input) {
        sh->sparse = 1;
        *start = 1;
        return (double)st->fit_bytes(input, ntr, &sh->ncols, &sh->nnz);
    }
    const ml_data_t *X = ds->X;
    sh->sparse = X->kind == ML_DATA_CSR;
    sh->ncols = X->kind == ML_DATA_CSR ? X->csr->ncols : X->kind == ML_DATA_DENSE ? X->dense->ncols : 0;
    sh->nnz = (int64_t)((double)(sh->sparse ? X->csr->indptr[n] : n * sh->ncols) * share);
    *start = 0;
    return (double)job_data_bytes(X);
}

size_t job_task_need(const void *spec, size_t len, const job_spec_t *job, const ml_dataset_t *ds,
                     const void *input)
{
    s_spec_t s;
    char err[DSK_ERR_LEN];
    if (s_spec_decode(spec, len, job, &s, err) != DSK_OK || s.kind == JOB_TASK_STAGE)
        return 0;
    size_t from = s.kind == JOB_TASK_REFIT ? 0 : (size_t)s.from;
    size_t to = s.kind == JOB_TASK_REFIT ? s.job->n_steps : (size_t)s.to;
    if (s.kind == JOB_TASK_REFIT)
        s.fold = -1; /* every row trains */
    ml_pipeline_t *pipe = NULL;
    if (job_pipeline_range(s.job, s.cand, from, to, &pipe, err) != DSK_OK)
        return 0;
    const job_stage_ops_t *st =
        from == 0 && input ? job_stage_find(ml_pipeline_step(pipe, 0)->ops) : NULL;
    size_t start = 0;
    ml_fit_shape_t sh;
    double need = s_entry_shape(&s, ds, input, st, &start, &sh);
    /* a PREFIX fits its steps too: the same tables while it runs */
    for (size_t i = start; need >= 0 && i < ml_pipeline_n_steps(pipe); i++) {
        const ml_estimator_t *e = ml_pipeline_step(pipe, i);
        if (e->ops->fit_bytes)
            need += (double)e->ops->fit_bytes(e->impl, &sh);
        else if (e->ops->role == ML_TRANSFORMER && !e->ops->transform_inplace)
            need += s_data_bytes(&sh); /* a new matrix for what it transforms */
    }
    ml_pipeline_destroy(&pipe);
    return need > 0 ? (size_t)need : 0;
}

void job_output_clear(job_output_t *out)
{
    if (out->obj && out->destroy)
        out->destroy(out->obj);
    out->obj = NULL;
    msgpack_sbuffer_destroy(&out->reply);
    msgpack_sbuffer_init(&out->reply);
}

