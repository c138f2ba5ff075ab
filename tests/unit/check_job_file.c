/*
 * check_job_file.c — job files: the seed job (examples/seed_grid.json) parses into the
 * search scikit-learn would run, and every bad job fails at parse (or at
 * the data check) with the file, the JSON path and the problem.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "job_build.h"
#include "job_file.h"

#define SEED_DATA "\"data\": {\"loader\": \"20newsgroups\", \"subset\": \"train\", " \
                  "\"categories\": [\"alt.atheism\", \"talk.religion.misc\"]}"
#define SEED_PIPE "\"pipeline\": [[\"vect\", \"CountVectorizer\", {}], " \
                  "[\"tfidf\", \"TfidfTransformer\", {}], " \
                  "[\"clf\", \"SGDClassifier\", {\"max_iter\": 1000}]]"
#define SEED_GRID "\"param_grid\": {\"vect__max_df\": [0.5, 0.75, 1.0], " \
                  "\"vect__ngram_range\": [[1, 1], [1, 2]]}"

static const char s_seed[] =
    "{\n"
    "  " SEED_DATA ",\n"
    "  " SEED_PIPE ",\n"
    "  \"search\": {\"kind\": \"grid\",\n"
    "             " SEED_GRID ",\n"
    "             \"cv\": 3, \"scoring\": \"accuracy\", \"refit\": false}\n"
    "}\n";

/* A job built from the seed's data and pipeline with the given search object. */
static int s_parse_search(const char *search, job_t **job, char *err)
{
    char text[4096];
    snprintf(text, sizeof text, "{" SEED_DATA ", " SEED_PIPE ", \"search\": %s}", search);
    return job_parse_text(text, strlen(text), "job.json", job, err);
}

/* text must fail to parse with an error containing every fragment (NULL-terminated). */
static void s_expect_text(const char *text, ...)
{
    char err[DSK_ERR_LEN] = "";
    job_t *job = (job_t *)1;
    int rc = job_parse_text(text, strlen(text), "job.json", &job, err);
    ck_assert_msg(rc < 0, "parsed, expected an error: %s", text);
    ck_assert_ptr_null(job);
    va_list ap;
    va_start(ap, text);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        ck_assert_msg(strstr(err, frag), "error \"%s\" lacks \"%s\"", err, frag);
    va_end(ap);
}

static void s_expect_search(const char *search, const char *frag1, const char *frag2)
{
    char text[4096];
    snprintf(text, sizeof text, "{" SEED_DATA ", " SEED_PIPE ", \"search\": %s}", search);
    s_expect_text(text, "job.json: ", frag1, frag2, (const char *)NULL);
}

static void s_expect_pipeline(const char *pipeline, const char *frag1, const char *frag2)
{
    char text[4096];
    snprintf(text, sizeof text, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": %s}",
             pipeline);
    s_expect_text(text, "job.json: ", frag1, frag2, (const char *)NULL);
}

/* The value of candidate c's parameter name as a double / as Python's repr. */
static double s_float(const ml_params_t *c, const char *name)
{
    const ml_value_t *v = ml_params_get(c, name);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->type, ML_V_FLOAT);
    return v->u.f;
}

static const char *s_repr(const ml_params_t *c, const char *name, char *buf, size_t len)
{
    const ml_value_t *v = ml_params_get(c, name);
    ck_assert_ptr_nonnull(v);
    return ml_value_repr(v, buf, len);
}

static char *s_write_temp(char *dir, const char *text)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = dsk_xmalloc(strlen(dir) + 16);
    sprintf(path, "%s/job.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void s_remove_temp(char *dir, char *path)
{
    unlink(path);
    rmdir(dir);
    free(path);
}

/* The seed: GridSearchCV(pipeline, param_grid, cv=3, scoring='accuracy', refit=False). */
START_TEST(test_seed_job)
{
    char dir[] = "/tmp/dsk_job_XXXXXX", err[DSK_ERR_LEN], r[64];
    char *path = s_write_temp(dir, s_seed);
    job_t *job = NULL;
    ck_assert_msg(job_parse_file(path, &job, err) == 0, "%s", err);
    s_remove_temp(dir, path);
    ck_assert_int_eq(job->kind, JOB_GRID);
    ck_assert_int_eq(job->cv_splits, 3);
    ck_assert_int_eq(job->cv_kind, 0);
    ck_assert_str_eq(job->scoring, "accuracy");
    ck_assert_int_eq(job->refit, 0);
    ck_assert_str_eq(json_string_value(json_object_get(job->data, "loader")), "20newsgroups");
    ck_assert_uint_eq(job->n_steps, 3);
    ck_assert_str_eq(job->steps[0].name, "vect");
    ck_assert_str_eq(job->steps[2].class_name, "SGDClassifier");
    ck_assert_uint_eq(job->steps[2].params.n, 1);
    ck_assert_str_eq(job->steps[2].params.names[0], "max_iter");
    ck_assert_int_eq(job->steps[2].params.values[0].u.i, 1000);

    ml_params_t *c;
    int64_t n;
    ck_assert_int_eq(job_candidates(job, &c, &n, err), 0);
    ck_assert_int_eq(n, 6);
    static const double df[] = {0.5, 0.5, 0.75, 0.75, 1.0, 1.0};
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(c[i].n, 2);
        ck_assert_str_eq(c[i].names[0], "vect__max_df");
        ck_assert_str_eq(c[i].names[1], "vect__ngram_range");
        ck_assert_double_eq(s_float(&c[i], "vect__max_df"), df[i]);
        ck_assert_str_eq(s_repr(&c[i], "vect__ngram_range", r, sizeof r),
                         i % 2 ? "(1, 2)" : "(1, 1)");
    }
    ml_params_array_free(&c, n);

    ml_pipeline_t *p;
    ck_assert_int_eq(job_pipeline(job, &p, err), 0);
    ck_assert_uint_eq(ml_pipeline_n_steps(p), 3);
    ml_value_t v;
    ck_assert_int_eq(ml_pipeline_get_param(p, "clf__max_iter", &v, err), 0);
    ck_assert_int_eq(v.u.i, 1000);
    ml_pipeline_destroy(&p);
    job_destroy(&job);
    ck_assert_ptr_null(job);
}
END_TEST

/* Defaults: a job without "search" fits; a search without cv/scoring/refit gets 5/accuracy/true. */
START_TEST(test_fit_job_and_defaults)
{
    char err[DSK_ERR_LEN];
    const char *text = "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"clf\", \"SVC\"]]}";
    job_t *job;
    ck_assert_msg(job_parse_text(text, strlen(text), "fit.json", &job, err) == 0, "%s", err);
    ck_assert_int_eq(job->kind, JOB_FIT);
    ck_assert_ptr_null(job->grid);
    ml_params_t *c;
    int64_t n;
    ck_assert_int_eq(job_candidates(job, &c, &n, err), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_uint_eq(c[0].n, 0);
    ml_params_array_free(&c, n);
    job_destroy(&job);

    ck_assert_msg(s_parse_search("{" SEED_GRID ", \"iid\": false, \"n_jobs\": -1, "
                                 "\"verbose\": 2, \"pre_dispatch\": \"2*n_jobs\", "
                                 "\"error_score\": \"raise\", \"return_train_score\": false}",
                                 &job, err) == 0, "%s", err);
    ck_assert_int_eq(job->kind, JOB_GRID);
    ck_assert_int_eq(job->cv_splits, 5);
    ck_assert_str_eq(job->scoring, "accuracy");
    ck_assert_int_eq(job->refit, 1);
    ck_assert_int_eq(job->return_train_score, 0);
    ck_assert_int_eq(job->error_score_raise, 1);
    job_destroy(&job);
    ck_assert_msg(s_parse_search("{" SEED_GRID ", \"error_score\": \"nan\"}", &job, err) == 0,
                  "%s", err);
    ck_assert(!job->error_score_raise && isnan(job->error_score));
    job_destroy(&job);
    ck_assert_msg(s_parse_search("{" SEED_GRID ", \"error_score\": -1}", &job, err) == 0, "%s",
                  err);
    ck_assert(!job->error_score_raise && job->error_score == -1.0);
    job_destroy(&job);
    ck_assert_msg(s_parse_search("{" SEED_GRID ", \"return_train_score\": true}", &job, err) == 0,
                  "%s", err);
    ck_assert_int_eq(job->return_train_score, 1);
    job_destroy(&job);
}
END_TEST

START_TEST(test_syntax_errors)
{
    char dir[] = "/tmp/dsk_job_XXXXXX", err[DSK_ERR_LEN];
    char *path = s_write_temp(dir, "{\n  \"data\": {\"loader\": \"digits\"},\n"
                                   "  \"pipeline\": [[\"clf\", \"SVC\"],]\n}\n");
    job_t *job = (job_t *)1;
    ck_assert_int_lt(job_parse_file(path, &job, err), 0);
    ck_assert_ptr_null(job);
    char want[300];
    snprintf(want, sizeof want, "%s:3:31: JSON syntax error: ", path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got \"%s\"", err);
    s_remove_temp(dir, path);

    s_expect_text("{\"data\": {\"loader\": \"digits\"},\n \"data\": {}}", "job.json:2:",
                  "duplicate object key", (const char *)NULL);
    s_expect_text("", "job.json:", "JSON syntax error", (const char *)NULL);
    s_expect_text("[1, 2]", "job.json: $: a job must be a JSON object, got a list of 2 items",
                  (const char *)NULL);
    ck_assert_int_lt(job_parse_file("/nonexistent/job.json", &job, err), 0);
    ck_assert_msg(strstr(err, "/nonexistent/job.json: cannot read the job file"), "%s", err);
}
END_TEST

START_TEST(test_top_level_errors)
{
    s_expect_text("{\"datta\": {}, \"pipeline\": []}",
                  "job.json: $.datta: unknown key 'datta' (did you mean 'data'?)",
                  (const char *)NULL);
    s_expect_text("{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"c\", \"SVC\"]], "
                  "\"refit\": true}",
                  "job.json: $.refit: unknown key 'refit' (expected one of: data, pipeline, "
                  "search)", (const char *)NULL);
    s_expect_text("{\"pipeline\": [[\"clf\", \"SVC\"]]}", "job.json: $.data: missing",
                  (const char *)NULL);
    s_expect_text("{\"data\": \"digits\", \"pipeline\": [[\"clf\", \"SVC\"]]}",
                  "job.json: $.data: expected an object", "the string 'digits'",
                  (const char *)NULL);
    s_expect_text("{\"data\": {\"subset\": \"train\"}, \"pipeline\": [[\"clf\", \"SVC\"]]}",
                  "job.json: $.data.loader: missing", (const char *)NULL);
    s_expect_text("{\"data\": {\"loader\": 3}, \"pipeline\": [[\"clf\", \"SVC\"]]}",
                  "job.json: $.data.loader: expected a loader name", "an integer (3)",
                  (const char *)NULL);
    s_expect_text("{\"data\": {\"loader\": \"digits\"}}", "job.json: $.pipeline: missing",
                  (const char *)NULL);
}
END_TEST

START_TEST(test_pipeline_errors)
{
    s_expect_pipeline("[]", "$.pipeline: the pipeline is empty", NULL);
    s_expect_pipeline("{\"clf\": \"SVC\"}", "$.pipeline: expected a list", NULL);
    s_expect_pipeline("[[\"clf\"]]", "$.pipeline[0]: a step must be [name, class]",
                      "got a list of 1 item");
    s_expect_pipeline("[\"SVC\"]", "$.pipeline[0]: a step must be", "the string 'SVC'");
    s_expect_pipeline("[[\"s\", \"SVC\"], [1, \"SVC\"]]", "$.pipeline[1][0]: a step name must "
                      "be a string", NULL);
    s_expect_pipeline("[[\"clf\", \"SVC\", []]]", "$.pipeline[0][2]: expected an object of "
                      "parameters", NULL);
    s_expect_pipeline("[[\"vect\", \"CountVectorizer\"], [\"tfidf\", \"TfidfTransformer\"], "
                      "[\"clf\", \"SGDClasifier\"]]",
                      "$.pipeline[2][1]: unknown estimator 'SGDClasifier' (did you mean "
                      "'SGDClassifier'?)", NULL);
    s_expect_pipeline("[[\"a__b\", \"SVC\"]]", "$.pipeline[0][0]: Estimator names must not "
                      "contain __", NULL);
    s_expect_pipeline("[[\"s\", \"TfidfTransformer\"], [\"s\", \"SVC\"]]",
                      "$.pipeline[1][0]: Names provided are not unique", NULL);
    s_expect_pipeline("[[\"svc\", \"SVC\"], [\"sgd\", \"SGDClassifier\"]]",
                      "$.pipeline[0][1]: All intermediate steps should be transformers", NULL);
    s_expect_pipeline("[[\"clf\", \"SGDClassifier\", {\"max_iterr\": 5}]]",
                      "$.pipeline[0][2].max_iterr: SGDClassifier has no parameter "
                      "'max_iterr' (did you mean 'max_iter'?)", NULL);
    s_expect_pipeline("[[\"clf\", \"SVC\", {\"C\": \"big\"}]]", "$.pipeline[0][2].C: SVC: "
                      "parameter 'C'", "the string 'big'");
    s_expect_pipeline("[[\"clf\", \"SVC\", {\"C\": {\"v\": 1}}]]", "$.pipeline[0][2].C: a "
                      "parameter value cannot be an object", NULL);
    s_expect_pipeline("[[\"clf\", \"SVC\", {\"odd key\": 1}]]", "$.pipeline[0][2][\"odd "
                      "key\"]: SVC has no parameter 'odd key'", NULL);
}
END_TEST

START_TEST(test_grid_errors)
{
    s_expect_search("{\"param_grid\": {\"vect__max_dff\": [0.5]}}",
                    "$.search.param_grid.vect__max_dff: CountVectorizer has no parameter "
                    "'max_dff' (did you mean 'max_df'?)", NULL);
    s_expect_search("{\"param_grid\": {\"vectt__max_df\": [0.5]}}",
                    "$.search.param_grid.vectt__max_df: Pipeline has no step 'vectt'", NULL);
    s_expect_search("{\"param_grid\": {\"vect__max_df\": [0.5, \"high\"]}}",
                    "$.search.param_grid.vect__max_df[1]: CountVectorizer: parameter "
                    "'max_df'", "the string 'high'");
    s_expect_search("{\"param_grid\": {\"vect__ngram_range\": [[1, 1], 2]}}",
                    "$.search.param_grid.vect__ngram_range[1]: ", NULL);
    s_expect_search("{\"param_grid\": []}",
                    "$.search.param_grid: the parameter grid is an empty list", NULL);
    s_expect_search("{\"param_grid\": {\"vect__max_df\": []}}",
                    "$.search.param_grid.vect__max_df: Parameter grid for parameter "
                    "'vect__max_df' need to be a non-empty sequence", NULL);
    s_expect_search("{\"param_grid\": {\"vect__max_df\": 0.5}}",
                    "$.search.param_grid.vect__max_df: Parameter grid for parameter "
                    "'vect__max_df' needs to be a list", NULL);
    s_expect_search("{\"param_grid\": {\"vect__max_df\": {\"a\": 1}}}",
                    "$.search.param_grid.vect__max_df: expected a list of values", NULL);
    s_expect_search("{\"param_grid\": [{\"vect__max_df\": [0.5]}, 3]}",
                    "$.search.param_grid[1]: expected an object", NULL);
    s_expect_search("{\"param_grid\": [{\"vect__max_df\": [0.5]}, {\"clf__alpah\": [1]}]}",
                    "$.search.param_grid[1].clf__alpah: SGDClassifier has no parameter "
                    "'alpah' (did you mean 'alpha'?)", NULL);
    s_expect_search("{\"param_grid\": [{\"vect__max_df\": [0.5]}, {\"clf__alpha\": [1e-5, "
                    "\"x\"]}]}",
                    "$.search.param_grid[1].clf__alpha[1]: SGDClassifier: parameter 'alpha'",
                    NULL);
    s_expect_search("{\"param_grid\": \"vect__max_df\"}",
                    "$.search.param_grid: expected an object of parameter lists", NULL);
    s_expect_search("{\"kind\": \"grid\"}", "$.search.param_grid: missing", NULL);
    s_expect_search("{}", "$.search.param_grid: missing", NULL);
}
END_TEST

START_TEST(test_search_key_errors)
{
    s_expect_search("{" SEED_GRID ", \"scorring\": \"accuracy\"}",
                    "$.search.scorring: unknown key 'scorring' (did you mean 'scoring'?)", NULL);
    s_expect_search("{" SEED_GRID ", \"kind\": \"gird\"}",
                    "$.search.kind: expected 'grid' or 'random', got the string 'gird' (did "
                    "you mean 'grid'?)", NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": 1}", "$.search.cv: k-fold cross-validation "
                    "requires at least one train/test split", "got n_splits=1.");
    s_expect_search("{" SEED_GRID ", \"cv\": \"3\"}", "$.search.cv: expected an integer >= 2 "
                    "or an object", "the string '3'");
    s_expect_search("{" SEED_GRID ", \"cv\": 3.0}", "$.search.cv: expected an integer", NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"KFlod\"}}",
                    "$.search.cv.class: expected 'KFold', 'StratifiedKFold' or "
                    "'PredefinedSplit'", "(did you mean 'KFold'?)");
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"PredefinedSplit\"}}",
                    "$.search.cv.test_fold: expected a non-empty list of integers", NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"PredefinedSplit\", "
                    "\"test_fold\": [0, \"1\"]}}", "$.search.cv.test_fold[1]: expected an "
                    "integer (a fold, or -1)", NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"PredefinedSplit\", "
                    "\"test_fold\": [-1, -1]}}", "$.search.cv.test_fold: PredefinedSplit: "
                    "every entry of test_fold is -1", NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"PredefinedSplit\", "
                    "\"test_fold\": [0, 1], \"n_splits\": 2}}",
                    "$.search.cv.n_splits: PredefinedSplit takes test_fold only", NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"KFold\", \"test_fold\": [0, 1]}}",
                    "$.search.cv.test_fold: only a PredefinedSplit takes test_fold", NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"KFold\", \"random_state\": 0}}",
                    "$.search.cv: Setting a random_state has no effect since shuffle is "
                    "False", NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"KFold\", \"n_split\": 3}}",
                    "$.search.cv.n_split: unknown key 'n_split' (did you mean 'n_splits'?)",
                    NULL);
    s_expect_search("{" SEED_GRID ", \"cv\": {\"class\": \"KFold\", \"n_splits\": 1}}",
                    "$.search.cv: k-fold cross-validation requires", NULL);
    s_expect_search("{" SEED_GRID ", \"scoring\": \"acuracy\"}",
                    "$.search.scoring: 'acuracy' is not a valid scoring value",
                    "(did you mean 'accuracy'?)");
    s_expect_search("{" SEED_GRID ", \"scoring\": 1}", "$.search.scoring: expected a scorer "
                    "name", NULL);
    s_expect_search("{" SEED_GRID ", \"refit\": 1}", "$.search.refit: expected true or false",
                    "an integer (1)");
    s_expect_search("{" SEED_GRID ", \"return_train_score\": 1}",
                    "$.search.return_train_score: expected true or false", NULL);
    s_expect_search("{" SEED_GRID ", \"error_score\": \"ignore\"}",
                    "$.search.error_score: expected \"raise\", \"nan\" or a number", NULL);
    s_expect_search("{" SEED_GRID ", \"n_iter\": 5}", "$.search.n_iter: only kind 'random' "
                    "takes n_iter", NULL);
    s_expect_search("[]", "$.search: expected an object", NULL);
    s_expect_search("{" SEED_GRID ", \"param_distributions\": {}}",
                    "$.search: give param_grid (kind 'grid') or param_distributions", NULL);
    s_expect_search("{\"kind\": \"random\", " SEED_GRID "}",
                    "$.search.param_grid: kind 'random' takes param_distributions", NULL);
}
END_TEST

/* A search scores its last step; a transformer there is an error at parse. */
START_TEST(test_search_needs_classifier)
{
    char text[1024];
    snprintf(text, sizeof text, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": "
             "[[\"vect\", \"CountVectorizer\"], [\"tfidf\", \"TfidfTransformer\"]], "
             "\"search\": {\"param_grid\": {\"tfidf__use_idf\": [true, false]}}}");
    s_expect_text(text, "job.json: $.pipeline[1][1]: a search scores the last step",
                  "TfidfTransformer is a transformer", (const char *)NULL);
}
END_TEST

START_TEST(test_random_search)
{
    char err[DSK_ERR_LEN];
    job_t *job;
    ck_assert_msg(s_parse_search("{\"param_distributions\": {\"clf__alpha\": [1e-4, 1e-5, "
                                 "1e-6], \"clf__penalty\": [\"l2\", \"elasticnet\"]}, "
                                 "\"n_iter\": 4, \"random_state\": 0, \"cv\": {\"class\": "
                                 "\"KFold\", \"n_splits\": 4, \"shuffle\": true, "
                                 "\"random_state\": 7}}", &job, err) == 0, "%s", err);
    ck_assert_int_eq(job->kind, JOB_RANDOM);
    ck_assert_int_eq(job->n_iter, 4);
    ck_assert_int_eq(job->random_state, 0);
    ck_assert_int_eq(job->cv_kind, ML_FOLDS_KFOLD);
    ck_assert_int_eq(job->cv_splits, 4);
    ck_assert_int_eq(job->cv_shuffle, 1);
    ck_assert_int_eq(job->cv_random_state, 7);
    ml_params_t *c, *want;
    int64_t n, nw;
    ck_assert_int_eq(job_candidates(job, &c, &n, err), 0);
    ck_assert_int_eq(ml_sampler_draw(job->grid, 4, 0, &want, &nw, err), 0);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(nw, 4);
    for (int64_t i = 0; i < n; i++) {
        char a[200], b[200];
        ck_assert_str_eq(ml_params_repr(&c[i], a, sizeof a),
                         ml_params_repr(&want[i], b, sizeof b));
    }
    ml_params_array_free(&c, n);
    ml_params_array_free(&want, nw);
    job_destroy(&job);

    s_expect_search("{\"param_distributions\": {\"clf__alpha\": {\"loguniform\": [1e-6, "
                    "1e-2]}}}", "$.search.param_distributions.clf__alpha: ",
                    "the distribution 'loguniform' is not supported by dsk");
    s_expect_search("{\"param_distributions\": {\"clf__alpha\": [1e-4]}, \"n_iter\": 0}",
                    "$.search.n_iter: expected an integer >= 1", "an integer (0)");
    s_expect_search("{\"param_distributions\": {\"clf__alpha\": [1e-4]}, \"random_state\": "
                    "-2}", "$.search.random_state: expected an integer in [0, 2**32 - 1] or "
                    "null", NULL);
    s_expect_search("{\"kind\": \"random\"}", "$.search.param_distributions: missing", NULL);
}
END_TEST

/* A list of grids: grid by grid, keys sorted within each, last key fastest. */
START_TEST(test_grid_list_order)
{
    char err[DSK_ERR_LEN], r[64];
    job_t *job;
    ck_assert_msg(s_parse_search("{\"param_grid\": [{\"clf__alpha\": [1e-5, 1e-6]}, "
                                 "{\"vect__max_df\": [0.5], \"clf__penalty\": [\"l2\", "
                                 "\"elasticnet\"]}]}", &job, err) == 0, "%s", err);
    ml_params_t *c;
    int64_t n;
    ck_assert_int_eq(job_candidates(job, &c, &n, err), 0);
    ck_assert_int_eq(n, 4);
    ck_assert_uint_eq(c[0].n, 1);
    ck_assert_double_eq(s_float(&c[0], "clf__alpha"), 1e-5);
    ck_assert_double_eq(s_float(&c[1], "clf__alpha"), 1e-6);
    ck_assert_uint_eq(c[2].n, 2);
    ck_assert_str_eq(c[2].names[0], "clf__penalty");
    ck_assert_str_eq(c[2].names[1], "vect__max_df");
    ck_assert_str_eq(s_repr(&c[2], "clf__penalty", r, sizeof r), "'l2'");
    ck_assert_str_eq(s_repr(&c[3], "clf__penalty", r, sizeof r), "'elasticnet'");
    ck_assert_double_eq(s_float(&c[3], "vect__max_df"), 0.5);
    ml_params_array_free(&c, n);
    job_destroy(&job);
}
END_TEST

/* A hand-made dataset: n rows of text or of a dense n x 2 matrix, labels y. */
static ml_dataset_t *s_dataset(int text, const int32_t *y, int64_t n)
{
    ml_dataset_t *ds = dsk_xcalloc(1, sizeof *ds);
    if (text) {
        ds->X = ml_data_new_text(n);
        for (int64_t i = 0; i < n; i++) {
            ds->X->text.docs[i] = dsk_xstrdup("some words here");
            ds->X->text.lens[i] = strlen(ds->X->text.docs[i]);
        }
    } else {
        ml_dense_t *m = ml_dense_new(n, 2);
        ds->X = ml_data_from_dense(&m);
    }
    ds->y = dsk_xcalloc((size_t)n, sizeof *ds->y);
    memcpy(ds->y, y, (size_t)n * sizeof *y);
    ds->n_classes = 2;
    ds->target_names = dsk_xcalloc(2, sizeof *ds->target_names);
    ds->target_names[0] = dsk_xstrdup("a");
    ds->target_names[1] = dsk_xstrdup("b");
    return ds;
}

static void s_expect_check(const job_t *job, const ml_dataset_t *ds, const char *frag1,
                           const char *frag2)
{
    char err[DSK_ERR_LEN] = "";
    ck_assert_int_lt(job_check_data(job, ds, "job.json", err), 0);
    ck_assert_msg(strstr(err, frag1), "error \"%s\" lacks \"%s\"", err, frag1);
    ck_assert_msg(!frag2 || strstr(err, frag2), "error \"%s\" lacks \"%s\"", err, frag2);
}

START_TEST(test_check_data)
{
    char err[DSK_ERR_LEN];
    job_t *job;
    ck_assert_int_eq(job_parse_text(s_seed, strlen(s_seed), "job.json", &job, err), 0);
    static const int32_t y6[] = {0, 1, 0, 1, 1, 0}, y4[] = {0, 0, 1, 1}, y1[] = {1, 1, 1, 1};
    ml_dataset_t *ok = s_dataset(1, y6, 6);
    ck_assert_msg(job_check_data(job, ok, "job.json", err) == 0, "%s", err);
    ml_folds_t *f, *want;
    ck_assert_int_eq(job_folds(job, ok, &f, err), 0);
    ck_assert_int_eq(ml_folds_new(ML_FOLDS_STRATIFIED, 3, 0, ML_FOLDS_NO_SEED, y6, 6, &want,
                                  err), 0);
    ck_assert_int_eq(ml_folds_n_splits(f), 3);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(ml_folds_assignment(f)[i], ml_folds_assignment(want)[i]);
    ml_folds_destroy(&f);
    ml_folds_destroy(&want);
    ml_dataset_destroy(&ok);

    /* cv=3 with 2 members per class: StratifiedKFold's error, prefixed with where */
    ml_dataset_t *small = s_dataset(1, y4, 4);
    s_expect_check(job, small, "job.json: $.search.cv: n_splits=3 cannot be greater than the "
                   "number of members in each class.", NULL);
    ml_dataset_destroy(&small);
    ml_dataset_t *dense = s_dataset(0, y6, 6);
    s_expect_check(job, dense, "job.json: $.pipeline[0][1]: CountVectorizer takes documents, "
                   "but the data is a dense matrix", NULL);
    ml_dataset_destroy(&dense);
    ml_dataset_t *one = s_dataset(1, y1, 4);
    s_expect_check(job, one, "job.json: $.data: The number of classes has to be greater than "
                   "one; got 1 class", NULL);
    ml_dataset_destroy(&one);
    job_destroy(&job);

    /* a matrix pipeline on text, and cv larger than the data */
    const char *svc = "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"clf\", \"SVC\"]], "
                      "\"search\": {\"param_grid\": {\"clf__C\": [1.0]}, \"cv\": {\"class\": "
                      "\"KFold\", \"n_splits\": 5}, \"scoring\": \"roc_auc\"}}";
    ck_assert_msg(job_parse_text(svc, strlen(svc), "svc.json", &job, err) == 0, "%s", err);
    ml_dataset_t *text = s_dataset(1, y4, 4);
    s_expect_check(job, text, "job.json: $.pipeline[0][1]: SVC takes a matrix, but the data "
                   "is documents", NULL);
    ml_dataset_destroy(&text);
    ml_dataset_t *few = s_dataset(0, y4, 4);
    s_expect_check(job, few, "job.json: $.search.cv: Cannot have number of splits n_splits=5 "
                   "greater than the number of samples: n_samples=4.", NULL);
    ml_dataset_destroy(&few);
    static const int32_t y3[] = {0, 1, 2, 0, 1, 2};
    ml_dataset_t *multi = s_dataset(0, y3, 6);
    job_destroy(&job);
    const char *auc = "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"clf\", \"SVC\"]], "
                      "\"search\": {\"param_grid\": {\"clf__C\": [1.0]}, \"cv\": 2, "
                      "\"scoring\": \"roc_auc\"}}";
    ck_assert_int_eq(job_parse_text(auc, strlen(auc), "auc.json", &job, err), 0);
    s_expect_check(job, multi, "job.json: $.search.scoring: ", "multiclass");
    ml_dataset_destroy(&multi);
    job_destroy(&job);

    /* PredefinedSplit: the folds as given (renumbered by value), -1 trained on only */
    const char *pre = "{\"data\": {\"loader\": \"python\"}, \"pipeline\": [[\"clf\", "
                      "\"SVC\"]], \"search\": {\"param_grid\": {\"clf__C\": [1.0]}, \"cv\": "
                      "{\"class\": \"PredefinedSplit\", \"test_fold\": [7, -1, 3, 7, 3, -1]}}}";
    ck_assert_msg(job_parse_text(pre, strlen(pre), "pre.json", &job, err) == 0, "%s", err);
    ml_dataset_t *six = s_dataset(0, y6, 6);
    ck_assert_msg(job_check_data(job, six, "pre.json", err) == 0, "%s", err);
    ml_folds_t *pf;
    ck_assert_int_eq(job_folds(job, six, &pf, err), 0);
    static const int32_t want_fold[] = {1, -1, 0, 1, 0, -1};
    ck_assert_int_eq(ml_folds_n_splits(pf), 2);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(ml_folds_assignment(pf)[i], want_fold[i]);
    ck_assert_int_eq(ml_folds_test_size(pf, 0), 2);
    ck_assert_int_eq(ml_folds_train_size(pf, 0), 4);
    ml_folds_destroy(&pf);
    ml_dataset_destroy(&six);
    ml_dataset_t *four = s_dataset(0, y4, 4);
    s_expect_check(job, four, "job.json: $.search.cv: PredefinedSplit: test_fold has 6 "
                   "entries, the data 4 samples", NULL);
    ml_dataset_destroy(&four);
    job_destroy(&job);
}
END_TEST

/* A depth bomb from the wire is refused before jansson allocates its way down. */
START_TEST(test_depth_bomb_refused)
{
    size_t n = 100000;
    char *text = malloc(2 * n + 16), err[DSK_ERR_LEN];
    size_t o = (size_t)sprintf(text, "{\"data\": ");
    memset(text + o, '[', n);
    memset(text + o + n, ']', n);
    o += 2 * n;
    text[o++] = '}';
    job_t *job = NULL;
    ck_assert_int_eq(job_parse_text(text, o, "bomb.json", &job, err), DSK_EINVAL);
    ck_assert_msg(strstr(err, "bomb.json:1:73: JSON nested deeper than 64 levels"), "%s", err);
    ck_assert_ptr_null(job);
    /* brackets inside strings are text, not nesting */
    o = (size_t)sprintf(text, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", "
                        "\"SVC\", {}]], \"name\": \"");
    memset(text + o, '[', 500);
    o += 500;
    o += (size_t)sprintf(text + o, "\"}");
    int rc = job_parse_text(text, o, "strings.json", &job, err);
    ck_assert_ptr_null(strstr(err, "nested deeper"));
    (void)rc;
    job_destroy(&job);
    free(text);
}
END_TEST

Suite *dsk_job_file_suite(void)
{
    Suite *s = suite_create("job_file");
    TCase *tc = tcase_create("job");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_seed_job);
    tcase_add_test(tc, test_fit_job_and_defaults);
    tcase_add_test(tc, test_syntax_errors);
    tcase_add_test(tc, test_depth_bomb_refused);
    tcase_add_test(tc, test_top_level_errors);
    tcase_add_test(tc, test_pipeline_errors);
    tcase_add_test(tc, test_grid_errors);
    tcase_add_test(tc, test_search_key_errors);
    tcase_add_test(tc, test_search_needs_classifier);
    tcase_add_test(tc, test_random_search);
    tcase_add_test(tc, test_grid_list_order);
    tcase_add_test(tc, test_check_data);
    suite_add_tcase(s, tc);
    return s;
}
