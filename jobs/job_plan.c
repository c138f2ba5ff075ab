/* job_plan.c — a job planned as tasks over content keys, and its cv_results_. */
#include "job_build.h"
#include "job_plan.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_np_sum.h"
#include "ml_pack.h"
#include "ml_registry.h"
#include "job_score.h"
#include "job_stage.h"

typedef struct {
    double score, fit_time, score_time, train_score;
    char *error; /* a failed fit's, scored error_score */
    int done;
} s_cell_t;

struct job_plan {
    const job_t *job;
    char data_key[JOB_KEY_LEN + 1];
    char folds_key[JOB_KEY_LEN + 1];
    ml_params_t *cands;
    int64_t n_cands;
    int n_splits;
    int64_t n_samples;
    int32_t *assign;            /* each sample's test fold */
    int staged;                 /* the first step has a stage (job_stage.h) */
    job_task_t *tasks;
    int64_t n_tasks, cap;
    s_cell_t *cells;            /* n_cands x n_splits */
    int64_t *score_task;        /* the SCORE task of each cell */
    int64_t n_recorded;
    int64_t refit_task;
};

const char *job_task_kind_name(job_task_kind_t kind)
{
    static const char *const names[] = {"?", "stage", "prefix", "score", "refit"};
    return kind >= JOB_TASK_STAGE && kind <= JOB_TASK_REFIT ? names[kind] : "?";
}

void job_plan_destroy(job_plan_t **p_p)
{
    job_plan_t *p = *p_p;
    if (!p)
        return;
    ml_params_array_free(&p->cands, p->n_cands);
    free(p->assign);
    free(p->tasks);
    for (int64_t i = 0; p->cells && i < p->n_cands * p->n_splits; i++)
        free(p->cells[i].error);
    free(p->cells);
    free(p->score_task);
    free(p);
    *p_p = NULL;
}

int64_t job_plan_n_tasks(const job_plan_t *p) { return p->n_tasks; }
const job_task_t *job_plan_task(const job_plan_t *p, int64_t i) { return &p->tasks[i]; }
int64_t job_plan_n_candidates(const job_plan_t *p) { return p->n_cands; }
int job_plan_n_splits(const job_plan_t *p) { return p->n_splits; }
const char *job_plan_data_key(const job_plan_t *p) { return p->data_key; }

int64_t job_plan_n_fits(const job_plan_t *p)
{
    int64_t n = p->job->kind == JOB_FIT ? 0 : p->n_cands * p->n_splits;
    return n + (p->job->kind == JOB_FIT || p->job->refit);
}

const char *job_plan_describe(const job_plan_t *p, char *buf, size_t len)
{
    if (p->job->kind == JOB_FIT)
        snprintf(buf, len, "Fitting the pipeline on %lld samples", (long long)p->n_samples);
    else
        snprintf(buf, len, "Fitting %d folds for each of %lld candidates, totalling %lld fits",
                 p->n_splits, (long long)p->n_cands, (long long)(p->n_cands * p->n_splits));
    return buf;
}

/* A NUL-terminated text that grows as it is printed to; free(buf) when done. */
typedef struct {
    char *buf;
    size_t len, cap;
} s_text_t;

__attribute__((format(printf, 2, 3)))
static void s_text_printf(s_text_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->buf ? b->buf + b->len : NULL, b->buf ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0)
            abort();
        if (b->buf && (size_t)w < b->cap - b->len) {
            b->len += (size_t)w;
            return;
        }
        b->cap = 2 * (b->cap + (size_t)w) + 64;
        b->buf = dsk_xrealloc(b->buf, b->cap, 1);
    }
}


/*
 * The canonical text of steps [from, to) with their parameters: each
 * step's class, its own parameters from the job, then the candidate's
 * parameters for it, all as Python reprs. Equal text, equal fitted steps.
 */
static void s_steps_text(const job_t *job, const ml_params_t *cand, size_t from, size_t to,
                         s_text_t *out)
{
    char repr[4096];
    for (size_t s = from; s < to; s++) {
        const job_step_t *st = &job->steps[s];
        s_text_printf(out, "[%s %s", st->name, st->class_name);
        for (size_t i = 0; i < st->params.n; i++)
            s_text_printf(out, " %s=%s", st->params.names[i],
                           ml_value_repr(&st->params.values[i], repr, sizeof repr));
        size_t nl = strlen(st->name);
        for (size_t i = 0; cand && i < cand->n; i++)
            if (strncmp(cand->names[i], st->name, nl) == 0 && strncmp(cand->names[i] + nl, "__", 2) == 0)
                s_text_printf(out, " %s=%s", cand->names[i] + nl + 2,
                               ml_value_repr(&cand->values[i], repr, sizeof repr));
        s_text_printf(out, "]");
    }
}

/* The content key of a task: its kind, the data, the folds, the steps it runs, the fold,
   and for a SCORE what it reports (the scorer, train scores or not). */
static void s_task_key(const job_plan_t *p, job_task_kind_t kind, const ml_params_t *cand,
                       size_t from, size_t to, int fold, char *key)
{
    s_text_t t = {0};
    s_text_printf(&t, "%s data=%s", job_task_kind_name(kind), p->data_key);
    if (fold >= 0)
        s_text_printf(&t, " folds=%s fold=%d", p->folds_key, fold);
    s_steps_text(p->job, cand, from, to, &t);
    if (kind == JOB_TASK_SCORE)
        s_text_printf(&t, " scoring=%s train=%d", p->job->scoring ? p->job->scoring : "accuracy",
                      p->job->return_train_score);
    job_content_key(t.buf, t.len, key);
    free(t.buf);
}

static int64_t s_add_task(job_plan_t *p, job_task_kind_t kind, int64_t dep, int64_t cand,
                          int fold)
{
    if (p->n_tasks == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->tasks = dsk_xrealloc(p->tasks, (size_t)p->cap, sizeof *p->tasks);
    }
    job_task_t *t = &p->tasks[p->n_tasks];
    *t = (job_task_t){.kind = kind, .dep = dep, .candidate = cand, .fold = fold};
    /* a SCORE after a PREFIX reads the prefix's split only; the rest need the labels */
    t->reads_data = !(dep >= 0 && p->tasks[dep].kind == JOB_TASK_PREFIX);
    if (dep >= 0)
        p->tasks[dep].n_users++;
    return p->n_tasks++;
}

/* The task with this key among the first n, or -1 (plans are small: a scan will do). */
static int64_t s_find(const job_plan_t *p, const char *key)
{
    for (int64_t i = 0; i < p->n_tasks; i++)
        if (strcmp(p->tasks[i].key, key) == 0)
            return i;
    return -1;
}

/*
 * The STAGE task candidate c's first step needs: the step built with c's
 * parameters tells its stage key; equal keys share one task, which carries
 * the parameters of the first candidate that needed it.
 */
static int s_stage_for(job_plan_t *p, int64_t c, int64_t *out, char *err)
{
    *out = -1;
    if (!p->staged)
        return DSK_OK;
    ml_pipeline_t *pipe = NULL;
    int rc = job_pipeline_range(p->job, &p->cands[c], 0, 1, &pipe, err);
    if (rc)
        return rc;
    const ml_estimator_t *e = ml_pipeline_step(pipe, 0);
    char text[8192];
    rc = job_stage_find(e->ops)->key(e->impl, text, sizeof text, err);
    ml_pipeline_destroy(&pipe);
    if (rc)
        return rc;
    s_text_t t = {0};
    s_text_printf(&t, "stage data=%s %s %s", p->data_key, p->job->steps[0].class_name, text);
    char key[JOB_KEY_LEN + 1];
    job_content_key(t.buf, t.len, key);
    free(t.buf);
    int64_t i = s_find(p, key);
    if (i < 0) {
        i = s_add_task(p, JOB_TASK_STAGE, -1, c, -1); /* c's parameters make the stage */
        memcpy(p->tasks[i].key, key, sizeof key);
    }
    *out = i;
    return DSK_OK;
}

/*
 * The tasks of a search: per candidate and fold, a SCORE task reading the
 * candidate's PREFIX task for that fold when another candidate shares the
 * prefix, else reading the STAGE (or the raw data) and running it all.
 */
static int s_plan_search(job_plan_t *p, char *err)
{
    size_t n_steps = p->job->n_steps, m = n_steps - 1;
    char (*pkeys)[JOB_KEY_LEN + 1] = dsk_xcalloc((size_t)p->n_cands, sizeof *pkeys);
    int64_t *stage = dsk_xmalloc((size_t)p->n_cands * sizeof *stage), *shared;
    int rc = DSK_OK;
    for (int64_t c = 0; c < p->n_cands && rc == DSK_OK; c++) {
        rc = s_stage_for(p, c, &stage[c], err);
        s_task_key(p, JOB_TASK_PREFIX, &p->cands[c], 0, m, -1, pkeys[c]);
    }
    /* shared[c]: how many candidates have c's prefix (only when there is a prefix) */
    shared = dsk_xcalloc((size_t)p->n_cands, sizeof *shared);
    for (int64_t c = 0; m > 0 && c < p->n_cands; c++)
        for (int64_t d = 0; d < p->n_cands; d++)
            shared[c] += strcmp(pkeys[c], pkeys[d]) == 0;
    for (int k = 0; k < p->n_splits && rc == DSK_OK; k++) {
        for (int64_t c = 0; c < p->n_cands; c++) {
            int64_t dep = stage[c];
            if (shared[c] > 1) {
                char key[JOB_KEY_LEN + 1];
                s_task_key(p, JOB_TASK_PREFIX, &p->cands[c], 0, m, k, key);
                dep = s_find(p, key);
                if (dep < 0) {
                    dep = s_add_task(p, JOB_TASK_PREFIX, stage[c], c, k);
                    memcpy(p->tasks[dep].key, key, sizeof key);
                }
            }
            int64_t t = s_add_task(p, JOB_TASK_SCORE, dep, c, k);
            s_task_key(p, JOB_TASK_SCORE, &p->cands[c], 0, n_steps, k, p->tasks[t].key);
            p->score_task[c * p->n_splits + k] = t;
        }
    }
    free(pkeys);
    free(stage);
    free(shared);
    return rc;
}

static int64_t s_add_refit(job_plan_t *p, int64_t cand)
{
    int64_t stage = -1;
    char err[DSK_ERR_LEN];
    if (s_stage_for(p, cand, &stage, err) != DSK_OK)
        stage = -1; /* planned before with the same parameters: cannot fail now */
    int64_t t = s_add_task(p, JOB_TASK_REFIT, stage, cand, -1);
    s_task_key(p, JOB_TASK_REFIT, &p->cands[cand], 0, p->job->n_steps, -1, p->tasks[t].key);
    return t;
}

int job_plan_new(const job_t *job, const ml_dataset_t *ds, const char *data_key,
                job_plan_t **out, char *err)
{
    *out = NULL;
    job_plan_t *p = dsk_xcalloc(1, sizeof *p);
    p->job = job;
    p->refit_task = -1;
    p->n_samples = ds->X->nrows;
    snprintf(p->data_key, sizeof p->data_key, "%s", data_key);
    int rc = job_candidates(job, &p->cands, &p->n_cands, err);
    if (rc)
        goto fail;
    ml_pipeline_t *pipe = NULL;
    if ((rc = job_pipeline(job, &pipe, err)) != 0)
        goto fail;
    p->staged = job_stage_find(ml_pipeline_step(pipe, 0)->ops) != NULL;
    ml_pipeline_destroy(&pipe);
    if (job->kind == JOB_FIT) {
        p->refit_task = s_add_refit(p, 0);
        *out = p;
        return DSK_OK;
    }
    ml_folds_t *folds = NULL;
    if ((rc = job_folds(job, ds, &folds, err)) != 0)
        goto fail;
    p->n_splits = ml_folds_n_splits(folds);
    if (p->n_cands * p->n_splits > JOB_MAX_FITS) {
        rc = dsk_seterr(err, DSK_ETOOBIG, "%lld candidates x %d folds is %lld fits; one search "
                        "takes at most %d: split the grid", (long long)p->n_cands, p->n_splits,
                        (long long)(p->n_cands * p->n_splits), JOB_MAX_FITS);
        ml_folds_destroy(&folds);
        goto fail;
    }
    p->assign = dsk_xmalloc((size_t)(p->n_samples ? p->n_samples : 1) * sizeof *p->assign);
    memcpy(p->assign, ml_folds_assignment(folds), (size_t)p->n_samples * sizeof *p->assign);
    ml_folds_destroy(&folds);
    job_content_key(p->assign, (size_t)p->n_samples * sizeof *p->assign, p->folds_key);
    p->cells = dsk_xcalloc((size_t)(p->n_cands * p->n_splits), sizeof *p->cells);
    p->score_task = dsk_xcalloc((size_t)(p->n_cands * p->n_splits), sizeof *p->score_task);
    if ((rc = s_plan_search(p, err)) != 0)
        goto fail;
    *out = p;
    return DSK_OK;
fail:
    job_plan_destroy(&p);
    return rc;
}

int job_plan_pack_job(const job_plan_t *p, msgpack_sbuffer *sbuf)
{
    return job_spec_pack(p->job, p->cands, p->n_cands, p->assign,
                            p->assign ? p->n_samples : 0, p->job->scoring, sbuf);
}

int job_plan_spec(const job_plan_t *p, int64_t i, msgpack_sbuffer *sbuf, char *err)
{
    const job_task_t *t = &p->tasks[i];
    msgpack_packer pk;
    msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    ml_pack_key(&pk, "kind");
    msgpack_pack_int(&pk, t->kind);
    ml_pack_key(&pk, "candidate");
    msgpack_pack_int64(&pk, t->candidate);
    ml_pack_key(&pk, "fold");
    msgpack_pack_int(&pk, t->fold);
    /* PREFIX runs steps [0, n-1); SCORE after a PREFIX runs the last step only */
    int64_t from = 0, to = (int64_t)p->job->n_steps;
    if (t->kind == JOB_TASK_PREFIX)
        to = (int64_t)p->job->n_steps - 1;
    if (t->dep >= 0 && p->tasks[t->dep].kind == JOB_TASK_PREFIX)
        from = (int64_t)p->job->n_steps - 1;
    ml_pack_key(&pk, "range");
    msgpack_pack_array(&pk, 2);
    msgpack_pack_int64(&pk, from);
    msgpack_pack_int64(&pk, to);
    ml_pack_key(&pk, "input");
    if (t->dep >= 0)
        msgpack_pack_str_with_body(&pk, p->tasks[t->dep].key, JOB_KEY_LEN);
    else
        msgpack_pack_nil(&pk);
    (void)err;
    return DSK_OK;
}

int job_plan_record(job_plan_t *p, int64_t task, const void *result, size_t len, char *err)
{
    if (task < 0 || task >= p->n_tasks || p->tasks[task].kind != JOB_TASK_SCORE)
        return DSK_OK;
    job_score_t *r = dsk_xmalloc(sizeof *r);
    int rc = job_score_unpack(result, len, r, err);
    if (rc) {
        free(r);
        return rc;
    }
    const job_task_t *t = &p->tasks[task];
    s_cell_t *cell = &p->cells[t->candidate * p->n_splits + t->fold];
    if (!cell->done)
        p->n_recorded++;
    free(cell->error);
    *cell = (s_cell_t){.score = r->score, .fit_time = r->fit_time, .score_time = r->score_time,
                       .train_score = r->train_score, .done = 1,
                       .error = r->error[0] ? dsk_xstrdup(r->error) : NULL};
    free(r);
    return DSK_OK;
}

int job_plan_scores_done(const job_plan_t *p)
{
    return p->job->kind == JOB_FIT || p->n_recorded == p->n_cands * p->n_splits;
}

/* Row c's mean and standard deviation as _format_results computes them (np.average). */
static void s_mean_std(const double *row, int n, double *mean, double *std)
{
    double *dev = dsk_xmalloc((size_t)n * sizeof *dev);
    *mean = ml_np_sum(row, n) / n;
    for (int k = 0; k < n; k++)
        dev[k] = (row[k] - *mean) * (row[k] - *mean);
    *std = sqrt(ml_np_sum(dev, n) / n);
    free(dev);
}

/*
 * A number for JSON: NaN (a failed fit's error_score "nan", or a mean over one) as null,
 * which jansson's reals cannot hold.
 */
static json_t *s_real(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

/*
 * The means as scikit-learn ranks them: a NaN (a failed fit) ties with the
 * worst, as nanmin - 1; all NaN stay NaN (every rank then 1). A copy the
 * caller frees.
 */
static double *s_rankable(const double *means, int64_t n)
{
    double *r = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *r), lo = INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (!isnan(means[i]) && means[i] < lo)
            lo = means[i];
    for (int64_t i = 0; i < n; i++)
        r[i] = isnan(means[i]) && !isinf(lo) ? lo - 1 : means[i];
    return r;
}

/* scipy's rankdata(-means, method='min'), NaN as s_rankable makes it. */
static int32_t *s_ranks(const double *means, int64_t n)
{
    double *m = s_rankable(means, n);
    int32_t *r = dsk_xmalloc((size_t)(n ? n : 1) * sizeof *r);
    for (int64_t i = 0; i < n; i++) {
        int64_t better = 0;
        for (int64_t j = 0; j < n; j++)
            better += m[j] > m[i];
        r[i] = (int32_t)(better + 1);
    }
    free(m);
    return r;
}

/* Each candidate's mean test score into means; the best candidate (the first of rank 1). */
static int64_t s_best(const job_plan_t *p, double *means)
{
    double *s = dsk_xmalloc((size_t)p->n_splits * sizeof *s);
    for (int64_t c = 0; c < p->n_cands; c++) {
        for (int k = 0; k < p->n_splits; k++)
            s[k] = p->cells[c * p->n_splits + k].score;
        double sd;
        s_mean_std(s, p->n_splits, &means[c], &sd);
    }
    free(s);
    double *m = s_rankable(means, p->n_cands);
    int64_t best = 0;
    for (int64_t c = 1; c < p->n_cands; c++)
        if (m[c] > m[best])
            best = c;
    free(m);
    return best;
}

int64_t job_plan_add_refit(job_plan_t *p)
{
    if (p->job->kind == JOB_FIT || !p->job->refit || !job_plan_scores_done(p))
        return p->refit_task;
    if (p->refit_task >= 0)
        return p->refit_task;
    double *means = dsk_xmalloc((size_t)p->n_cands * sizeof *means);
    int64_t best = s_best(p, means);
    free(means);
    p->refit_task = s_add_refit(p, best);
    return p->refit_task;
}

static json_t *s_value_json(const ml_value_t *v)
{
    switch (v->type) {
    case ML_V_NONE: return json_null();
    case ML_V_BOOL: return json_boolean(v->u.b);
    case ML_V_INT: return json_integer((json_int_t)v->u.i);
    case ML_V_FLOAT: return s_real(v->u.f);
    case ML_V_STRING: return json_string(v->u.s);
    case ML_V_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->u.list.n; i++)
            json_array_append_new(a, s_value_json(&v->u.list.items[i]));
        return a;
    }
    }
    return json_null();
}

static json_t *s_params_json(const ml_params_t *c)
{
    json_t *o = json_object();
    for (size_t i = 0; i < c->n; i++)
        json_object_set_new(o, c->names[i], s_value_json(&c->values[i]));
    return o;
}

json_t *job_plan_best_so_far(const job_plan_t *p)
{
    int64_t best = -1;
    double best_mean = 0;
    int best_folds = 0;
    for (int64_t c = 0; p->job->kind != JOB_FIT && c < p->n_cands; c++) {
        double sum = 0;
        int n = 0;
        for (int k = 0; k < p->n_splits; k++) {
            const s_cell_t *cell = &p->cells[c * p->n_splits + k];
            if (cell->done && !isnan(cell->score)) {
                sum += cell->score;
                n++;
            }
        }
        if (n > 0 && (best < 0 || sum / n > best_mean)) {
            best = c;
            best_mean = sum / n;
            best_folds = n;
        }
    }
    if (best < 0)
        return NULL;
    return json_pack("{s:o, s:o, s:i}", "score", s_real(best_mean), "params",
                     s_params_json(&p->cands[best]), "folds", best_folds);
}

/* The double at offset off in candidate c's cell of split k (a field of s_cell_t). */
static double s_cell_field(const job_plan_t *p, int64_t c, int k, size_t off)
{
    double v;
    memcpy(&v, (const char *)&p->cells[c * p->n_splits + k] + off, sizeof v);
    return v;
}

/* mean_<what>, std_<what> of one cell field for every candidate. */
static void s_stat_columns(const job_plan_t *p, json_t *res, const char *what, size_t off)
{
    json_t *mean = json_array(), *std = json_array();
    double *v = dsk_xmalloc((size_t)p->n_splits * sizeof *v);
    for (int64_t c = 0; c < p->n_cands; c++) {
        double m, s;
        for (int k = 0; k < p->n_splits; k++)
            v[k] = s_cell_field(p, c, k, off);
        s_mean_std(v, p->n_splits, &m, &s);
        json_array_append_new(mean, s_real(m));
        json_array_append_new(std, s_real(s));
    }
    free(v);
    char name[64];
    snprintf(name, sizeof name, "mean_%s", what);
    json_object_set_new(res, name, mean);
    snprintf(name, sizeof name, "std_%s", what);
    json_object_set_new(res, name, std);
}

/* param_<name> columns: every name any candidate has, sorted; null where absent. */
static void s_param_columns(const job_plan_t *p, json_t *res)
{
    json_t *names = json_object();
    for (int64_t c = 0; c < p->n_cands; c++)
        for (size_t i = 0; i < p->cands[c].n; i++)
            json_object_set_new(names, p->cands[c].names[i], json_true());
    const char *name;
    json_t *unused;
    size_t n = json_object_size(names), at = 0;
    const char **sorted = dsk_xmalloc((n ? n : 1) * sizeof *sorted);
    json_object_foreach(names, name, unused)
        sorted[at++] = name;
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of names */
        for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
            const char *x = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = x;
        }
    for (size_t i = 0; i < n; i++) {
        json_t *col = json_array();
        for (int64_t c = 0; c < p->n_cands; c++) {
            const ml_value_t *v = ml_params_get(&p->cands[c], sorted[i]);
            json_array_append_new(col, v ? s_value_json(v) : json_null());
        }
        char key[512];
        snprintf(key, sizeof key, "param_%s", sorted[i]);
        json_object_set_new(res, key, col);
    }
    free(sorted);
    json_decref(names);
}

/* split<k>_<what>: one cell field, a column per split. */
static void s_split_columns(const job_plan_t *p, json_t *res, const char *what, size_t off)
{
    for (int k = 0; k < p->n_splits; k++) {
        json_t *col = json_array();
        for (int64_t c = 0; c < p->n_cands; c++)
            json_array_append_new(col, s_real(s_cell_field(p, c, k, off)));
        char key[64];
        snprintf(key, sizeof key, "split%d_%s", k, what);
        json_object_set_new(res, key, col);
    }
}

/* One cell field of every fit, a row per candidate, a column per split: cv_results_ keeps
   only the times' means and deviations, a caller rebuilding per-fit results needs each. */
static json_t *s_per_fit(const job_plan_t *p, size_t off)
{
    json_t *rows = json_array();
    for (int64_t c = 0; c < p->n_cands; c++) {
        json_t *row = json_array();
        for (int k = 0; k < p->n_splits; k++)
            json_array_append_new(row, s_real(s_cell_field(p, c, k, off)));
        json_array_append_new(rows, row);
    }
    return rows;
}

json_t *job_plan_result(const job_plan_t *p)
{
    if (!job_plan_scores_done(p))
        return NULL;
    json_t *out = json_object();
    if (p->job->kind == JOB_FIT) {
        json_object_set_new(out, "n_samples", json_integer((json_int_t)p->n_samples));
        return out;
    }
    json_t *cv = json_object();
    s_stat_columns(p, cv, "fit_time", offsetof(s_cell_t, fit_time));
    s_stat_columns(p, cv, "score_time", offsetof(s_cell_t, score_time));
    s_param_columns(p, cv);
    json_t *params = json_array();
    for (int64_t c = 0; c < p->n_cands; c++)
        json_array_append_new(params, s_params_json(&p->cands[c]));
    json_object_set_new(cv, "params", params);
    s_split_columns(p, cv, "test_score", offsetof(s_cell_t, score));
    s_stat_columns(p, cv, "test_score", offsetof(s_cell_t, score));
    double *means = dsk_xmalloc((size_t)p->n_cands * sizeof *means);
    int64_t best = s_best(p, means);
    int32_t *rank = s_ranks(means, p->n_cands);
    json_t *rk = json_array();
    for (int64_t c = 0; c < p->n_cands; c++)
        json_array_append_new(rk, json_integer(rank[c]));
    json_object_set_new(cv, "rank_test_score", rk);
    if (p->job->return_train_score) {
        s_split_columns(p, cv, "train_score", offsetof(s_cell_t, train_score));
        s_stat_columns(p, cv, "train_score", offsetof(s_cell_t, train_score));
    }
    json_object_set_new(out, "best_params", s_params_json(&p->cands[best]));
    json_object_set_new(out, "best_score", s_real(means[best]));
    json_object_set_new(out, "best_index", json_integer((json_int_t)best));
    json_object_set_new(out, "n_candidates", json_integer((json_int_t)p->n_cands));
    json_object_set_new(out, "n_splits", json_integer(p->n_splits));
    json_object_set_new(out, "scoring", json_string(p->job->scoring ? p->job->scoring : "accuracy"));
    json_object_set_new(out, "refit", json_boolean(p->job->refit));
    json_object_set_new(out, "cv_results", cv);
    json_object_set_new(out, "fit_times", s_per_fit(p, offsetof(s_cell_t, fit_time)));
    json_t *errors = json_array();
    int64_t n_failed = 0;
    for (int64_t c = 0; c < p->n_cands; c++) {
        json_t *row = json_array();
        for (int k = 0; k < p->n_splits; k++) {
            const char *e = p->cells[c * p->n_splits + k].error;
            json_t *text = e ? json_string(e) : json_null();
            json_array_append_new(row, text ? text : json_string("(an error that is not UTF-8)"));
            n_failed += e != NULL;
        }
        json_array_append_new(errors, row);
    }
    if (n_failed) /* scikit-learn warns of them; the result says which and why */
        json_object_set_new(out, "fit_errors", errors);
    else
        json_decref(errors);
    json_object_set_new(out, "score_times", s_per_fit(p, offsetof(s_cell_t, score_time)));
    free(means);
    free(rank);
    return out;
}
