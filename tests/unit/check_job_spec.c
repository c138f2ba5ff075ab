/*
 * check_job_spec.c — a search's job as its workers hold it
 * (job_spec.h) and the short task specs that name parts of it: the job
 * round-trips through its bytes, every cut of those bytes is refused (not
 * read past), a spec naming a candidate the job does not have is refused,
 * a search too big for one job is refused before its data would be sent,
 * and what a task is expected to allocate (job_task_need) covers its SGD
 * fit's weight table on the fold's shape, penalties included.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ml_data.h"
#include "ml_sgd_joint.h"
#include "job_build.h"
#include "job_data.h"
#include "job_file.h"
#include "job_plan.h"
#include "job_task.h"
#include "job_spec.h"

/* n dense rows of 2 features, labels alternating 0/1. */
static ml_dataset_t *s_data(int64_t n)
{
    ml_dense_t *m = ml_dense_new(n, 2);
    ml_dataset_t *ds = calloc(1, sizeof *ds);
    ds->y = calloc((size_t)n, sizeof *ds->y);
    for (int64_t i = 0; i < n; i++) {
        ds->y[i] = (int32_t)(i % 2);
        m->data[2 * i] = (double)(i % 7);
        m->data[2 * i + 1] = (double)ds->y[i];
    }
    ds->X = ml_data_from_dense(&m);
    ds->n_classes = 2;
    ds->target_names = calloc(2, sizeof *ds->target_names);
    ds->target_names[0] = strdup("a");
    ds->target_names[1] = strdup("b");
    return ds;
}

static job_t *s_job(const char *text)
{
    char err[DSK_ERR_LEN];
    job_t *job = NULL;
    ck_assert_msg(job_parse_text(text, strlen(text), "t.json", &job, err) == 0, "%s", err);
    return job;
}

static const char *s_search =
    "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", {\"kernel\": "
    "\"linear\"}]], \"search\": {\"param_grid\": {\"svc__C\": [0.1, 1, 10]}, \"cv\": 4, "
    "\"scoring\": \"balanced_accuracy\"}}";

START_TEST(test_job_round_trip)
{
    char err[DSK_ERR_LEN];
    job_t *job = s_job(s_search);
    ml_dataset_t *ds = s_data(40);
    job_plan_t *plan = NULL;
    ck_assert_msg(job_plan_new(job, ds, "k", &plan, err) == 0, "%s", err);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    ck_assert_int_eq(job_plan_pack_job(plan, &sb), 0);
    job_spec_t *tj = NULL;
    ck_assert_msg(job_spec_unpack(sb.data, sb.size, &tj, err) == 0, "%s", err);
    ck_assert_int_eq(tj->n_cands, 3);
    ck_assert_int_eq(tj->n_assign, 40);
    ck_assert_uint_eq(tj->bytes, sb.size);
    ck_assert_str_eq(tj->scoring, "balanced_accuracy");
    ck_assert_int_eq((int)tj->steps.n_steps, 1);
    ck_assert_str_eq(tj->steps.steps[0].class_name, "SVC");
    ck_assert_str_eq(tj->cands[2].names[0], "svc__C");
    for (int64_t i = 0; i < 40; i++)
        ck_assert_int_lt(tj->assign[i], 4);
    job_spec_destroy(&tj);
    ck_assert_ptr_null(tj);

    /* every cut of the bytes is refused, none is read past (ASan watches) */
    for (size_t cut = 0; cut < sb.size; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, sb.data, cut);
        ck_assert_int_ne(job_spec_unpack(copy, cut, &tj, err), 0);
        ck_assert_ptr_null(tj);
        free(copy);
    }
    msgpack_sbuffer_destroy(&sb);
    job_plan_destroy(&plan);
    ml_dataset_destroy(&ds);
    job_destroy(&job);
}
END_TEST

static const void *s_nothing(void *ctx, const char *key) { return NULL; }

/* A job planned over a dataset and held as a worker holds it (tj). */
typedef struct {
    job_t *job;
    ml_dataset_t *ds;
    job_plan_t *plan;
    msgpack_sbuffer jb;
    job_spec_t *tj;
} s_planned_t;

static void s_plan(s_planned_t *p, const char *text, ml_dataset_t *ds)
{
    char err[DSK_ERR_LEN];
    p->job = s_job(text);
    p->ds = ds;
    p->plan = NULL;
    ck_assert_msg(job_plan_new(p->job, ds, "k", &p->plan, err) == 0, "%s", err);
    msgpack_sbuffer_init(&p->jb);
    job_plan_pack_job(p->plan, &p->jb);
    p->tj = NULL;
    ck_assert_int_eq(job_spec_unpack(p->jb.data, p->jb.size, &p->tj, err), 0);
}

static void s_unplan(s_planned_t *p)
{
    msgpack_sbuffer_destroy(&p->jb);
    job_spec_destroy(&p->tj);
    job_plan_destroy(&p->plan);
    ml_dataset_destroy(&p->ds);
    job_destroy(&p->job);
}

/* A spec is read against its job: a candidate it does not have is an error, not a read. */
START_TEST(test_spec_against_job)
{
    char err[DSK_ERR_LEN];
    s_planned_t p;
    s_plan(&p, s_search, s_data(40));
    job_plan_t *plan = p.plan;
    job_spec_t *tj = p.tj;
    ml_dataset_t *ds = p.ds;
    msgpack_sbuffer spec;
    msgpack_sbuffer_init(&spec);
    ck_assert_int_eq(job_plan_spec(plan, 0, &spec, err), 0);
    job_output_t out;
    ck_assert_msg(job_task_run(spec.data, spec.size, tj, ds, s_nothing, NULL, &out, err) == 0,
                  "%s", err);
    double v[3];
    ck_assert_int_eq(job_plan_record(plan, 0, out.reply.data, out.reply.size, err), 0);
    (void)v;
    job_output_clear(&out);
    msgpack_sbuffer_destroy(&out.reply);

    /* the same spec against a job of one candidate only: candidate 0 exists, 2 does not */
    job_spec_t *small = calloc(1, sizeof *small);
    *small = *tj;
    small->n_cands = 1;
    msgpack_sbuffer s2;
    msgpack_sbuffer_init(&s2);
    int64_t last = job_plan_n_tasks(plan) - 1; /* candidate 2 */
    ck_assert_int_eq(job_plan_task(plan, last)->candidate, 2);
    job_plan_spec(plan, last, &s2, err);
    ck_assert_int_eq(job_task_run(s2.data, s2.size, small, ds, s_nothing, NULL, &out, err),
                     DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "the candidate is not one of the job's 1"));
    msgpack_sbuffer_destroy(&out.reply);
    /* a score reading the data, given none */
    ck_assert_int_eq(job_task_run(spec.data, spec.size, tj, NULL, s_nothing, NULL, &out, err),
                     DSK_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, "the dataset is not held here"));
    msgpack_sbuffer_destroy(&out.reply);
    free(small);
    msgpack_sbuffer_destroy(&s2);
    msgpack_sbuffer_destroy(&spec);
    s_unplan(&p);
}
END_TEST

/* n sparse rows of d columns in k classes: row i has columns i % d and (i * 7) % d. */
static ml_dataset_t *s_sparse(int64_t n, int64_t d, int32_t k)
{
    ml_csr_t *m = ml_csr_new(n, d, 2 * n);
    ml_dataset_t *ds = calloc(1, sizeof *ds);
    ds->y = calloc((size_t)n, sizeof *ds->y);
    for (int64_t i = 0; i < n; i++) {
        int64_t a = i % d, b = (i * 7) % d;
        m->indptr[i + 1] = m->indptr[i] + (a == b ? 1 : 2);
        m->indices[m->indptr[i]] = (int32_t)(a < b ? a : b);
        m->data[m->indptr[i]] = 1.0;
        if (a != b) {
            m->indices[m->indptr[i] + 1] = (int32_t)(a < b ? b : a);
            m->data[m->indptr[i] + 1] = 0.5;
        }
        ds->y[i] = (int32_t)(i % k);
    }
    ds->X = ml_data_from_csr(&m);
    ds->n_classes = k;
    ds->target_names = calloc((size_t)k, sizeof *ds->target_names);
    for (int32_t c = 0; c < k; c++)
        ds->target_names[c] = strdup("c");
    return ds;
}

START_TEST(test_task_need_covers_the_fit)
{
    enum { N = 300, D = 5000, K = 20 };
    char err[DSK_ERR_LEN];
    s_planned_t p;
    s_plan(&p, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"clf\", "
               "\"SGDClassifier\", {\"max_iter\": 5}]], \"search\": {\"param_grid\": "
               "{\"clf__penalty\": [\"l2\", \"elasticnet\"]}, \"cv\": 3}}",
           s_sparse(N, D, K));
    job_plan_t *plan = p.plan;
    size_t need[2] = {0, 0};
    for (int64_t i = 0; i < job_plan_n_tasks(plan); i++) {
        const job_task_t *t = job_plan_task(plan, i);
        ck_assert_int_eq(t->kind, JOB_TASK_SCORE);
        msgpack_sbuffer spec;
        msgpack_sbuffer_init(&spec);
        ck_assert_int_eq(job_plan_spec(plan, i, &spec, err), 0);
        size_t n = job_task_need(spec.data, spec.size, p.tj, p.ds, NULL);
        need[t->candidate] = n > need[t->candidate] ? n : need[t->candidate];
        /* a spec cut short is not read: no estimate */
        ck_assert_uint_eq(job_task_need(spec.data, spec.size / 2, p.tj, p.ds, NULL), 0);
        msgpack_sbuffer_destroy(&spec);
    }
    /* two thirds of the rows train: the joint pass's table is D x 24 lanes (x 2 for L1) */
    ck_assert_uint_ge(need[0], (size_t)D * 24 * sizeof(float));
    ck_assert_uint_ge(need[1], (size_t)D * 48 * sizeof(float));
    ck_assert_uint_lt(need[0], need[1]);
    /* and no more than twice that: the rows' copy is small here */
    ck_assert_uint_lt(need[1], (size_t)D * 48 * sizeof(float) * 2);
    s_unplan(&p);
}
END_TEST

/* 60 x 50 candidates on 40 folds is 120,000 fits: refused at the check, before any data goes. */
START_TEST(test_too_many_fits_refused_early)
{
    char text[8192], err[DSK_ERR_LEN];
    size_t at = (size_t)snprintf(text, sizeof text, "{\"data\": {\"loader\": \"digits\"}, "
                                 "\"pipeline\": [[\"svc\", \"SVC\", {}]], \"search\": {"
                                 "\"param_grid\": {\"svc__C\": [");
    for (int i = 0; i < 60; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%s%d", i ? ", " : "", i + 1);
    at += (size_t)snprintf(text + at, sizeof text - at, "], \"svc__tol\": [");
    for (int i = 0; i < 50; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%s0.%03d", i ? ", " : "", i + 1);
    snprintf(text + at, sizeof text - at, "]}, \"cv\": 40}}");
    job_t *job = s_job(text);
    ml_dataset_t *ds = s_data(100);
    ck_assert_int_eq(job_check_data(job, ds, "big.json", err), DSK_ETOOBIG);
    ck_assert_msg(strstr(err, "big.json: $.search: 3000 candidates x 40 folds is 120000 fits"),
                  "%s", err);
    ml_dataset_destroy(&ds);
    job_destroy(&job);
}
END_TEST

Suite *dsk_job_spec_suite(void);

Suite *dsk_job_spec_suite(void)
{
    Suite *s = suite_create("job_spec");
    TCase *tc = tcase_create("job");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_job_round_trip);
    tcase_add_test(tc, test_spec_against_job);
    tcase_add_test(tc, test_task_need_covers_the_fit);
    tcase_add_test(tc, test_too_many_fits_refused_early);
    suite_add_tcase(s, tc);
    return s;
}
