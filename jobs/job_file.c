/*
 * job_file.c — job files: jansson in, a validated job_t out.
 *
 * Everything that can be checked without the data is checked here, by the
 * code that will later use it: each step's parameters go through its own
 * set_param on a scratch pipeline, and so does every value of the grid,
 * so that "the tenth fit failed on worker 3" never happens for a typo. The
 * scratch pipeline is thrown away; the job keeps only names and values.
 */
#include "job_file.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_suggest.h"
#include "ml_param.h"
#include "ml_pipeline.h"
#include "ml_registry.h"
#include "ml_scorer.h"

#define S_PATH_LEN 256
#define S_MAX_DEPTH 16 /* nesting of a parameter value ([[1, 2]] is 2) */

typedef struct {
    const char *where;
    char *err;
    job_t *job;
    ml_pipeline_t *scratch;
} s_parse_t;

static const char *const s_top_keys[] = {"data", "pipeline", "search", NULL};
static const char *const s_search_keys[] = {
    "kind", "param_grid", "param_distributions", "n_iter", "random_state", "cv", "scoring",
    "refit", "iid", "n_jobs", "verbose", "pre_dispatch", "error_score", "return_train_score",
    NULL};
static const char *const s_cv_keys[] = {"class", "n_splits", "shuffle", "random_state",
                                        "test_fold", NULL};
static const char *const s_kinds[] = {"grid", "random", NULL};
static const char *const s_cv_classes[] = {"KFold", "StratifiedKFold", "PredefinedSplit",
                                           NULL};

/* "WHERE: PATH: problem": every content error has this one shape. */
static int s_fail(const s_parse_t *ps, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_fail(const s_parse_t *ps, int code, const char *path, const char *fmt, ...)
{
    char msg[DSK_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dsk_seterr(ps->err, code, "%s: %s: %s", ps->where, path, msg);
}

/* A path too long for its buffer ends in "..." rather than silently cut. */
static void s_path_fit(char *out, int n)
{
    if (n >= S_PATH_LEN)
        memcpy(out + S_PATH_LEN - 4, "...", 4);
}

/* $.a.b for names a JSONPath reader takes as is, $["a b"] for the others. */
static void s_path_key(char *out, const char *parent, const char *key)
{
    int plain = (key[0] >= 'A' && key[0] <= 'Z') || (key[0] >= 'a' && key[0] <= 'z') ||
                key[0] == '_';
    for (const char *k = key; *k && plain; k++)
        plain = (*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
                (*k >= '0' && *k <= '9') || *k == '_';
    s_path_fit(out, snprintf(out, S_PATH_LEN, plain ? "%s.%.100s" : "%s[\"%.100s\"]",
                             parent, key));
}

static void s_path_idx(char *out, const char *parent, size_t i)
{
    s_path_fit(out, snprintf(out, S_PATH_LEN, "%s[%zu]", parent, i));
}

/* A JSON scalar as a value: 0, or -1 for an array or object. */
static int s_scalar(const json_t *j, ml_value_t *v)
{
    switch (json_typeof(j)) {
    case JSON_NULL:
        *v = ml_value_none();
        return 0;
    case JSON_TRUE:
    case JSON_FALSE:
        *v = ml_value_bool(json_is_true(j));
        return 0;
    case JSON_INTEGER:
        *v = ml_value_int(json_integer_value(j));
        return 0;
    case JSON_REAL:
        *v = ml_value_float(json_real_value(j));
        return 0;
    case JSON_STRING:
        *v = ml_value_string(json_string_value(j));
        return 0;
    default:
        return -1;
    }
}

/* What a JSON value is, in the words ml_value_describe uses for parameters. */
static const char *s_describe(const json_t *j, char *buf, size_t len)
{
    ml_value_t v;
    if (json_is_object(j))
        snprintf(buf, len, "an object");
    else if (json_is_array(j))
        snprintf(buf, len, "a list of %zu item%s", json_array_size(j),
                 json_array_size(j) == 1 ? "" : "s");
    else if (json_is_null(j))
        snprintf(buf, len, "null");
    else if (s_scalar(j, &v) == 0) {
        ml_value_describe(&v, buf, len);
        ml_value_clear(&v);
    }
    return buf;
}

/*
 * A parameter value from JSON: null, bool, integer and real keep their
 * distinction (max_df=1 is not max_df=1.0); an array becomes a list, which
 * estimators read as a tuple where scikit-learn wants one (ngram_range).
 * Objects have no parameter meaning in dsk.
 */
static int s_value(const s_parse_t *ps, const json_t *j, const char *path, int depth,
                   ml_value_t *out)
{
    char sub[S_PATH_LEN];
    *out = ml_value_none();
    if (json_is_object(j))
        return s_fail(ps, DSK_EINVAL, path, "a parameter value cannot be an object");
    if (!json_is_array(j))
        return s_scalar(j, out) == 0 ? DSK_OK : DSK_EINVAL;
    if (depth >= S_MAX_DEPTH)
        return s_fail(ps, DSK_EINVAL, path, "a parameter value nested more than %d deep",
                      S_MAX_DEPTH);
    ml_value_t list = ml_value_list(json_array_size(j));
    for (size_t i = 0; i < list.u.list.n; i++) {
        s_path_idx(sub, path, i);
        int rc = s_value(ps, json_array_get(j, i), sub, depth + 1, &list.u.list.items[i]);
        if (rc) {
            ml_value_clear(&list);
            return rc;
        }
    }
    *out = list;
    return DSK_OK;
}

/* A string among choices (its index into *out), else an error with a did-you-mean. */
static int s_enum(const s_parse_t *ps, const json_t *j, const char *path,
                  const char *const *choices, const char *expect, int *out)
{
    char d[200], hint[120] = "";
    *out = json_is_string(j) ? ml_param_index(choices, json_string_value(j)) : -1;
    if (*out >= 0)
        return DSK_OK;
    const char *best = json_is_string(j) ? dsk_suggest(json_string_value(j), choices, 3, 1)
                                         : NULL;
    if (best)
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", best);
    return s_fail(ps, DSK_EINVAL, path, "expected %s, got %s%s", expect,
                  j ? s_describe(j, d, sizeof d) : "nothing", hint);
}

/* An unknown key is the first thing a typo produces: name it, suggest the nearest. */
static int s_check_keys(const s_parse_t *ps, const json_t *obj, const char *path,
                        const char *const *allowed)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        if (ml_param_index(allowed, key) >= 0)
            continue;
        char kp[S_PATH_LEN], list[300];
        s_path_key(kp, path, key);
        const char *best = dsk_suggest(key, allowed, 2, 1);
        if (best)
            return s_fail(ps, DSK_EINVAL, kp, "unknown key '%s' (did you mean '%s'?)", key,
                          best);
        size_t o = 0;
        list[0] = '\0';
        for (size_t i = 0; allowed[i] && o < sizeof list; i++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                                  allowed[i]);
        return s_fail(ps, DSK_EINVAL, kp, "unknown key '%s' (expected one of: %s)", key, list);
    }
    return DSK_OK;
}

/* The data spec is only shaped here; its loader checks its own keys when it loads. */
static int s_parse_data(s_parse_t *ps, const json_t *root)
{
    char d[S_PATH_LEN];
    const json_t *data = json_object_get(root, "data");
    if (!data)
        return s_fail(ps, DSK_EINVAL, "$.data", "missing: a job needs \"data\", an object "
                      "naming a loader, e.g. {\"loader\": \"digits\"}");
    if (!json_is_object(data))
        return s_fail(ps, DSK_EINVAL, "$.data", "expected an object naming a loader, got %s",
                      s_describe(data, d, sizeof d));
    const json_t *loader = json_object_get(data, "loader");
    if (!loader)
        return s_fail(ps, DSK_EINVAL, "$.data.loader", "missing: the data object needs a "
                      "\"loader\" (20newsgroups, digits, files, csv, svmlight, npy, "
                      "text-lines, tsv)");
    if (!json_is_string(loader))
        return s_fail(ps, DSK_EINVAL, "$.data.loader", "expected a loader name (a string), "
                      "got %s", s_describe(loader, d, sizeof d));
    ps->job->data = json_incref((json_t *)data);
    return DSK_OK;
}

/* A step's own parameters, each set through the pipeline as "name__param". */
static int s_step_params(s_parse_t *ps, job_step_t *st, const json_t *params,
                         const char *path)
{
    const char *key;
    json_t *val;
    st->params.names = dsk_xcalloc(json_object_size(params), sizeof *st->params.names);
    st->params.values = dsk_xcalloc(json_object_size(params), sizeof *st->params.values);
    json_object_foreach((json_t *)params, key, val) {
        char kp[S_PATH_LEN], sub[DSK_ERR_LEN];
        s_path_key(kp, path, key);
        ml_value_t v;
        int rc = s_value(ps, val, kp, 0, &v);
        if (rc)
            return rc;
        size_t klen = strlen(st->name) + 2 + strlen(key) + 1;
        char *full = dsk_xmalloc(klen);
        snprintf(full, klen, "%s__%s", st->name, key);
        rc = ml_pipeline_set_param(ps->scratch, full, &v, sub);
        free(full);
        st->params.names[st->params.n] = dsk_xstrdup(key);
        st->params.values[st->params.n++] = v;
        if (rc)
            return s_fail(ps, rc, kp, "%s", sub);
    }
    return DSK_OK;
}

/* [name, class] or [name, class, {params}]; the class is looked up before the name
   is checked so that each error points at the element it is about. */
static int s_parse_step(s_parse_t *ps, const json_t *step, size_t i)
{
    char path[S_PATH_LEN], ep[S_PATH_LEN], d[200], sub[DSK_ERR_LEN];
    s_path_idx(path, "$.pipeline", i);
    size_t n = json_is_array(step) ? json_array_size(step) : 0;
    if (n < 2 || n > 3)
        return s_fail(ps, DSK_EINVAL, path, "a step must be [name, class] or [name, class, "
                      "{params}], got %s", s_describe(step, d, sizeof d));
    const json_t *name = json_array_get(step, 0), *cls = json_array_get(step, 1);
    const json_t *params = n == 3 ? json_array_get(step, 2) : NULL;
    s_path_idx(ep, path, 0);
    if (!json_is_string(name))
        return s_fail(ps, DSK_EINVAL, ep, "a step name must be a string, got %s",
                      s_describe(name, d, sizeof d));
    s_path_idx(ep, path, 1);
    if (!json_is_string(cls))
        return s_fail(ps, DSK_EINVAL, ep, "an estimator class name must be a string, got %s",
                      s_describe(cls, d, sizeof d));
    const ml_estimator_ops_t *ops;
    int rc = ml_registry_lookup(json_string_value(cls), &ops, sub);
    if (rc)
        return s_fail(ps, rc, ep, "%s", sub);
    s_path_idx(ep, path, 0);
    rc = ml_pipeline_add_class(ps->scratch, json_string_value(name), json_string_value(cls),
                               sub);
    if (rc)
        return s_fail(ps, rc, ep, "%s", sub);
    job_step_t *st = &ps->job->steps[ps->job->n_steps++];
    st->name = dsk_xstrdup(json_string_value(name));
    st->class_name = dsk_xstrdup(json_string_value(cls));
    s_path_idx(ep, path, 2);
    if (params && !json_is_object(params))
        return s_fail(ps, DSK_EINVAL, ep, "expected an object of parameters, got %s",
                      s_describe(params, d, sizeof d));
    return params ? s_step_params(ps, st, params, ep) : DSK_OK;
}

static int s_parse_pipeline(s_parse_t *ps, const json_t *root)
{
    char d[200], sub[DSK_ERR_LEN], ep[S_PATH_LEN];
    const json_t *pl = json_object_get(root, "pipeline");
    if (!pl)
        return s_fail(ps, DSK_EINVAL, "$.pipeline", "missing: a job needs a pipeline, a list "
                      "of [name, class, {params}] steps");
    if (!json_is_array(pl))
        return s_fail(ps, DSK_EINVAL, "$.pipeline", "expected a list of [name, class, "
                      "{params}] steps, got %s", s_describe(pl, d, sizeof d));
    size_t n = json_array_size(pl);
    if (n == 0)
        return s_fail(ps, DSK_EINVAL, "$.pipeline", "the pipeline is empty: give at least "
                      "one [name, class, {params}] step");
    ps->job->steps = dsk_xcalloc(n, sizeof *ps->job->steps);
    for (size_t i = 0; i < n; i++) {
        int rc = s_parse_step(ps, json_array_get(pl, i), i);
        if (rc)
            return rc;
    }
    int rc = ml_pipeline_validate(ps->scratch, sub);
    if (rc == DSK_OK)
        return DSK_OK;
    for (size_t i = 0; i + 1 < n; i++) {
        const ml_estimator_ops_t *ops = ml_pipeline_step(ps->scratch, i)->ops;
        if (ops->role != ML_TRANSFORMER || !ops->transform) {
            snprintf(ep, sizeof ep, "$.pipeline[%zu][1]", i);
            return s_fail(ps, rc, ep, "%s", sub);
        }
    }
    return s_fail(ps, rc, "$.pipeline", "%s", sub);
}

/*
 * One grid entry. The key is checked once (get_param: an unknown step or
 * parameter is about the key, not a value), then each value goes through
 * set_param where the path names its index, then the job's own value is
 * put back so the next key is checked against the job's pipeline.
 */
static int s_grid_entry(s_parse_t *ps, ml_grid_t *g, const char *key, const json_t *val,
                        const char *path, int dist)
{
    char sub[DSK_ERR_LEN], ip[S_PATH_LEN];
    ml_value_t saved = ml_value_none(), v;
    int rc = ml_pipeline_get_param(ps->scratch, key, &saved, sub);
    if (rc) { /* set_param's error is the more specific one for a step's own name */
        char sub2[DSK_ERR_LEN];
        int rc2 = ml_pipeline_set_param(ps->scratch, key, &saved, sub2);
        return s_fail(ps, rc2 ? rc2 : rc, path, "%s", rc2 ? sub2 : sub);
    }
    if (json_is_object(val)) {
        ml_value_clear(&saved);
        if (!dist)
            return s_fail(ps, DSK_EINVAL, path, "expected a list of values, got an object");
        const char *name = json_object_size(val) ? json_object_iter_key(
                                                       json_object_iter((json_t *)val))
                                                 : "{}";
        rc = ml_grid_add_distribution(g, key, name, sub);
        return s_fail(ps, rc ? rc : DSK_EINVAL, path, "%s", sub);
    }
    rc = s_value(ps, val, path, 0, &v);
    if (rc == DSK_OK && (rc = ml_grid_add(g, key, &v, sub)) != DSK_OK)
        s_fail(ps, rc, path, "%s", sub);
    for (size_t i = 0; rc == DSK_OK && i < v.u.list.n; i++) {
        rc = ml_pipeline_set_param(ps->scratch, key, &v.u.list.items[i], sub);
        if (rc) {
            s_path_idx(ip, path, i);
            s_fail(ps, rc, ip, "%s", sub);
        }
    }
    if (rc == DSK_OK && (rc = ml_pipeline_set_param(ps->scratch, key, &saved, sub)) != 0)
        s_fail(ps, rc, path, "%s", sub);
    ml_value_clear(&v);
    ml_value_clear(&saved);
    return rc;
}

static int s_subgrid(s_parse_t *ps, ml_grid_t *g, const json_t *obj, const char *path,
                     int dist)
{
    const char *key;
    json_t *val;
    ml_grid_begin(g);
    json_object_foreach((json_t *)obj, key, val) {
        char kp[S_PATH_LEN];
        s_path_key(kp, path, key);
        int rc = s_grid_entry(ps, g, key, val, kp, dist);
        if (rc)
            return rc;
    }
    return DSK_OK;
}

/* param_grid / param_distributions: one object, or a non-empty list of them. */
static int s_parse_grid(s_parse_t *ps, const json_t *node, const char *path, int dist)
{
    char d[200], ip[S_PATH_LEN], sub[DSK_ERR_LEN];
    ml_grid_t *g = ml_grid_new();
    ps->job->grid = g;
    if (json_is_object(node))
        return s_subgrid(ps, g, node, path, dist);
    if (!json_is_array(node))
        return s_fail(ps, DSK_EINVAL, path, "expected an object of parameter lists or a list "
                      "of such objects, got %s", s_describe(node, d, sizeof d));
    for (size_t i = 0; i < json_array_size(node); i++) {
        const json_t *sg = json_array_get(node, i);
        s_path_idx(ip, path, i);
        if (!json_is_object(sg))
            return s_fail(ps, DSK_EINVAL, ip, "expected an object of parameter lists, got %s",
                          s_describe(sg, d, sizeof d));
        int rc = s_subgrid(ps, g, sg, ip, dist);
        if (rc)
            return rc;
    }
    int rc = ml_grid_validate(g, sub);
    return rc ? s_fail(ps, rc, path, "%s", sub) : DSK_OK;
}

/* An integer in [lo, hi], or null when null_ok (then *out is null_val); expect says
   which in the error. */
static int s_int(s_parse_t *ps, const json_t *j, const char *path, int64_t lo, int64_t hi,
                 int null_ok, int64_t null_val, const char *expect, int64_t *out)
{
    char d[200];
    if (null_ok && json_is_null(j)) {
        *out = null_val;
        return DSK_OK;
    }
    if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi)
        return s_fail(ps, DSK_EINVAL, path, "expected %s, got %s", expect,
                      s_describe(j, d, sizeof d));
    *out = json_integer_value(j);
    return DSK_OK;
}

static int s_bool(s_parse_t *ps, const json_t *j, const char *path, int *out)
{
    char d[200];
    if (!json_is_boolean(j))
        return s_fail(ps, DSK_EINVAL, path, "expected true or false, got %s",
                      s_describe(j, d, sizeof d));
    *out = json_is_true(j);
    return DSK_OK;
}

/*
 * The probe reuses ml_folds' wording (n_splits < 2, random_state without
 * shuffle, seed range) on two samples, so nothing the size of cv is
 * allocated before the data says how many samples there are.
 */
static int s_cv_probe(s_parse_t *ps, const char *path, int64_t n_splits, int shuffle,
                      int64_t random_state)
{
    char sub[DSK_ERR_LEN];
    if (n_splits > INT32_MAX)
        return s_fail(ps, DSK_EINVAL, path, "n_splits=%lld is beyond any data set",
                      (long long)n_splits);
    ml_folds_t *f = NULL;
    int rc = ml_folds_new(ML_FOLDS_KFOLD, n_splits < 2 ? (int)n_splits : 2, shuffle,
                          random_state, NULL, 2, &f, sub);
    ml_folds_destroy(&f);
    return rc ? s_fail(ps, rc, path, "%s", sub) : DSK_OK;
}

/*
 * {"class": "PredefinedSplit", "test_fold": [int, ...]}: the splits made
 * elsewhere (each sample's test fold, -1 for none). The data's size is not
 * known yet; job_folds checks that the lengths agree.
 */
static int s_parse_test_fold(s_parse_t *ps, const json_t *cv, const char *path)
{
    char kp[S_PATH_LEN], d[200];
    static const char *const others[] = {"n_splits", "shuffle", "random_state", NULL};
    for (const char *const *o = others; *o; o++)
        if (json_object_get(cv, *o)) {
            s_path_key(kp, path, *o);
            return s_fail(ps, DSK_EINVAL, kp, "PredefinedSplit takes test_fold only");
        }
    const json_t *tf = json_object_get(cv, "test_fold");
    s_path_key(kp, path, "test_fold");
    if (!tf || !json_is_array(tf) || json_array_size(tf) == 0)
        return s_fail(ps, DSK_EINVAL, kp, "expected a non-empty list of integers (each "
                      "sample's test fold, -1 for none), got %s",
                      tf ? s_describe(tf, d, sizeof d) : "nothing");
    size_t n = json_array_size(tf);
    job_t *job = ps->job;
    job->cv_test_fold = dsk_xmalloc(n * sizeof *job->cv_test_fold);
    job->cv_n_test_fold = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        char ip[S_PATH_LEN];
        int64_t v;
        s_path_idx(ip, kp, i);
        int rc = s_int(ps, json_array_get(tf, i), ip, INT32_MIN, INT32_MAX, 0, 0,
                       "an integer (a fold, or -1)", &v);
        if (rc)
            return rc;
        job->cv_test_fold[i] = (int32_t)v;
    }
    ml_folds_t *f = NULL;
    char sub[DSK_ERR_LEN];
    int rc = ml_folds_predefined(job->cv_test_fold, job->cv_n_test_fold, &f, sub);
    job->cv_splits = rc ? 0 : ml_folds_n_splits(f);
    ml_folds_destroy(&f);
    return rc ? s_fail(ps, rc, kp, "%s", sub) : DSK_OK;
}

/* {"class": "KFold"|"StratifiedKFold", "n_splits": 5, "shuffle": false, "random_state": null},
   or a PredefinedSplit */
static int s_parse_cv_object(s_parse_t *ps, const json_t *cv, const char *path)
{
    char kp[S_PATH_LEN];
    job_t *job = ps->job;
    int rc = s_check_keys(ps, cv, path, s_cv_keys);
    if (rc)
        return rc;
    const json_t *j;
    s_path_key(kp, path, "class");
    int k;
    if ((rc = s_enum(ps, json_object_get(cv, "class"), kp, s_cv_classes,
                     "'KFold', 'StratifiedKFold' or 'PredefinedSplit'", &k)) != 0)
        return rc;
    if (k == 2)
        return s_parse_test_fold(ps, cv, path);
    if (json_object_get(cv, "test_fold")) {
        s_path_key(kp, path, "test_fold");
        return s_fail(ps, DSK_EINVAL, kp, "only a PredefinedSplit takes test_fold");
    }
    job->cv_kind = k == 0 ? ML_FOLDS_KFOLD : ML_FOLDS_STRATIFIED;
    int64_t n_splits = 5;
    s_path_key(kp, path, "n_splits");
    if ((j = json_object_get(cv, "n_splits")) &&
        (rc = s_int(ps, j, kp, INT64_MIN, INT64_MAX, 0, 0, "an integer >= 2", &n_splits)))
        return rc;
    s_path_key(kp, path, "shuffle");
    if ((j = json_object_get(cv, "shuffle")) && (rc = s_bool(ps, j, kp, &job->cv_shuffle)))
        return rc;
    s_path_key(kp, path, "random_state");
    if ((j = json_object_get(cv, "random_state")) &&
        (rc = s_int(ps, j, kp, 0, 0xffffffffLL, 1, ML_FOLDS_NO_SEED,
                    "an integer in [0, 2**32 - 1] or null", &job->cv_random_state)))
        return rc;
    rc = s_cv_probe(ps, path, n_splits, job->cv_shuffle, job->cv_random_state);
    job->cv_splits = (int)n_splits;
    return rc;
}

/* cv: null (5), an integer (check_cv's choice of splitter) or a splitter object. */
static int s_parse_cv(s_parse_t *ps, const json_t *cv)
{
    char d[200];
    const char *path = "$.search.cv";
    if (!cv || json_is_null(cv))
        return DSK_OK;
    if (json_is_object(cv))
        return s_parse_cv_object(ps, cv, path);
    if (!json_is_integer(cv))
        return s_fail(ps, DSK_EINVAL, path, "expected an integer >= 2 or an object "
                      "{\"class\": \"KFold\"|\"StratifiedKFold\", \"n_splits\", \"shuffle\", "
                      "\"random_state\"} or {\"class\": \"PredefinedSplit\", \"test_fold\"}, "
                      "got %s", s_describe(cv, d, sizeof d));
    int rc = s_cv_probe(ps, path, json_integer_value(cv), 0, ML_FOLDS_NO_SEED);
    ps->job->cv_splits = (int)json_integer_value(cv);
    return rc;
}

/* scoring: a scorer name (null: the estimator's score, accuracy for a classifier). */
static int s_parse_scoring(s_parse_t *ps, const json_t *j)
{
    char d[200], sub[DSK_ERR_LEN];
    const char *path = "$.search.scoring";
    if (!j || json_is_null(j))
        return DSK_OK;
    if (!json_is_string(j))
        return s_fail(ps, DSK_EINVAL, path, "expected a scorer name, got %s",
                      s_describe(j, d, sizeof d));
    const char *name = json_string_value(j);
    if (!ml_scorer_find(name, sub)) {
        const char *best = dsk_suggest(name, ml_scorer_names(), 2, 1);
        if (best)
            return s_fail(ps, DSK_EINVAL, path, "'%s' is not a valid scoring value (did you "
                          "mean '%s'?)", name, best);
        return s_fail(ps, DSK_EINVAL, path, "%s", sub);
    }
    free(ps->job->scoring);
    ps->job->scoring = dsk_xstrdup(name);
    return DSK_OK;
}

/*
 * error_score: "raise" (a failing fit fails the job; dsk's default), a
 * number or "nan" (scikit-learn's default: the fit's scores are that value
 * and its error is reported with the result).
 */
static int s_parse_error_score(s_parse_t *ps, const json_t *j)
{
    char d[200];
    job_t *job = ps->job;
    job->error_score_raise = 1;
    job->error_score = NAN;
    if (!j || (json_is_string(j) && !strcmp(json_string_value(j), "raise")))
        return DSK_OK;
    job->error_score_raise = 0;
    if (json_is_string(j) && !strcmp(json_string_value(j), "nan"))
        return DSK_OK;
    if (json_is_number(j)) {
        job->error_score = json_number_value(j);
        return DSK_OK;
    }
    return s_fail(ps, DSK_EINVAL, "$.search.error_score", "expected \"raise\", \"nan\" or a "
                  "number, got %s", s_describe(j, d, sizeof d));
}

/* Keys GridSearchCV takes that change nothing in dsk: their types are still checked. */
#define S_T(t) (1u << (t))
static const struct {
    const char *key;
    unsigned types;
    const char *expect;
} s_compat[] = {
    {"iid", S_T(JSON_TRUE) | S_T(JSON_FALSE), "true or false"},
    {"n_jobs", S_T(JSON_INTEGER) | S_T(JSON_NULL), "an integer or null"},
    {"verbose", S_T(JSON_INTEGER) | S_T(JSON_TRUE) | S_T(JSON_FALSE), "an integer"},
    {"pre_dispatch", S_T(JSON_INTEGER) | S_T(JSON_STRING) | S_T(JSON_NULL),
     "an integer, a string such as \"2*n_jobs\" or null"},
};

static int s_parse_compat(s_parse_t *ps, const json_t *s)
{
    char d[200], path[S_PATH_LEN];
    for (size_t i = 0; i < sizeof s_compat / sizeof s_compat[0]; i++) {
        const json_t *j = json_object_get(s, s_compat[i].key);
        s_path_key(path, "$.search", s_compat[i].key);
        if (j && !(s_compat[i].types & S_T(json_typeof(j))))
            return s_fail(ps, DSK_EINVAL, path, "expected %s, got %s", s_compat[i].expect,
                          s_describe(j, d, sizeof d));
    }
    return DSK_OK;
}

/*
 * kind, and the keys that belong to one kind only: GridSearchCV has no
 * n_iter, RandomizedSearchCV no param_grid, so a key of the other kind is
 * an error rather than silently ignored.
 */
static int s_search_kind(s_parse_t *ps, const json_t *s)
{
    const json_t *kind = json_object_get(s, "kind");
    const json_t *grid = json_object_get(s, "param_grid");
    const json_t *dist = json_object_get(s, "param_distributions");
    if (kind) {
        int k, rc = s_enum(ps, kind, "$.search.kind", s_kinds, "'grid' or 'random'", &k);
        if (rc)
            return rc;
        ps->job->kind = k == 0 ? JOB_GRID : JOB_RANDOM;
    } else if (grid && dist) {
        return s_fail(ps, DSK_EINVAL, "$.search", "give param_grid (kind 'grid') or "
                      "param_distributions (kind 'random'), not both");
    } else {
        ps->job->kind = dist ? JOB_RANDOM : JOB_GRID;
    }
    int random = ps->job->kind == JOB_RANDOM;
    if (random && grid)
        return s_fail(ps, DSK_EINVAL, "$.search.param_grid", "kind 'random' takes "
                      "param_distributions, not param_grid");
    if (!random && dist)
        return s_fail(ps, DSK_EINVAL, "$.search.param_distributions", "kind 'grid' takes "
                      "param_grid, not param_distributions");
    if (!random && json_object_get(s, "n_iter"))
        return s_fail(ps, DSK_EINVAL, "$.search.n_iter", "only kind 'random' takes n_iter");
    if (!random && json_object_get(s, "random_state"))
        return s_fail(ps, DSK_EINVAL, "$.search.random_state", "only kind 'random' takes "
                      "random_state (a cv object has its own)");
    if (!(random ? dist : grid))
        return s_fail(ps, DSK_EINVAL, random ? "$.search.param_distributions"
                                             : "$.search.param_grid",
                      "missing: kind '%s' needs it", random ? "random" : "grid");
    return DSK_OK;
}

/* The candidate count is bounded here, before a scheduler allocates them. */
static int s_search_size(s_parse_t *ps)
{
    job_t *job = ps->job;
    int64_t size = ml_grid_size(job->grid);
    if (job->kind == JOB_RANDOM && job->n_iter < size)
        size = job->n_iter;
    if (size <= JOB_MAX_CANDIDATES)
        return DSK_OK;
    return s_fail(ps, DSK_ETOOBIG, job->kind == JOB_GRID ? "$.search.param_grid"
                                                            : "$.search.n_iter",
                  "%lld candidates; dsk searches at most %d", (long long)size,
                  JOB_MAX_CANDIDATES);
}

static int s_parse_search(s_parse_t *ps, const json_t *root)
{
    char d[200];
    job_t *job = ps->job;
    const json_t *s = json_object_get(root, "search"), *j;
    if (!s)
        return DSK_OK;
    if (!json_is_object(s))
        return s_fail(ps, DSK_EINVAL, "$.search", "expected an object, got %s",
                      s_describe(s, d, sizeof d));
    int rc = s_check_keys(ps, s, "$.search", s_search_keys);
    if (rc == DSK_OK)
        rc = s_search_kind(ps, s);
    if (rc)
        return rc;
    int random = job->kind == JOB_RANDOM;
    const char *gkey = random ? "param_distributions" : "param_grid";
    char gpath[S_PATH_LEN];
    s_path_key(gpath, "$.search", gkey);
    if ((rc = s_parse_grid(ps, json_object_get(s, gkey), gpath, random)) != 0)
        return rc;
    if ((j = json_object_get(s, "n_iter")) &&
        (rc = s_int(ps, j, "$.search.n_iter", 1, INT64_MAX, 0, 0, "an integer >= 1",
                    &job->n_iter)))
        return rc;
    if ((j = json_object_get(s, "random_state")) &&
        (rc = s_int(ps, j, "$.search.random_state", 0, 0xffffffffLL, 1, ML_SAMPLER_NO_SEED,
                    "an integer in [0, 2**32 - 1] or null", &job->random_state)))
        return rc;
    if ((rc = s_parse_cv(ps, json_object_get(s, "cv"))) ||
        (rc = s_parse_scoring(ps, json_object_get(s, "scoring"))))
        return rc;
    if ((rc = s_parse_error_score(ps, json_object_get(s, "error_score"))))
        return rc;
    if ((j = json_object_get(s, "return_train_score")) &&
        (rc = s_bool(ps, j, "$.search.return_train_score", &job->return_train_score)))
        return rc;
    if ((j = json_object_get(s, "refit")) && (rc = s_bool(ps, j, "$.search.refit", &job->refit)))
        return rc;
    if ((rc = s_parse_compat(ps, s)) || (rc = s_search_size(ps)))
        return rc;
    const ml_estimator_ops_t *last = ml_registry_find(job->steps[job->n_steps - 1].class_name);
    if (last->role != ML_CLASSIFIER) {
        snprintf(d, sizeof d, "$.pipeline[%zu][1]", job->n_steps - 1);
        return s_fail(ps, DSK_EINVAL, d, "a search scores the last step, which must be a "
                      "classifier; %s is a transformer", last->name);
    }
    return DSK_OK;
}

int job_parse(const json_t *root, const char *where, job_t **out, char *err)
{
    char d[200];
    s_parse_t ps = {.where = where ? where : "job", .err = err};
    *out = NULL;
    if (!json_is_object(root))
        return s_fail(&ps, DSK_EINVAL, "$", "a job must be a JSON object, got %s",
                      root ? s_describe(root, d, sizeof d) : "nothing");
    int rc = s_check_keys(&ps, root, "$", s_top_keys);
    if (rc)
        return rc;
    job_t *job = dsk_xcalloc(1, sizeof *job);
    job->kind = JOB_FIT;
    job->json = json_incref((json_t *)root);
    job->n_iter = 10;
    job->random_state = ML_SAMPLER_NO_SEED;
    job->cv_splits = 5;
    job->cv_random_state = ML_FOLDS_NO_SEED;
    job->scoring = dsk_xstrdup("accuracy");
    job->refit = 1;
    job->error_score_raise = 1;
    job->error_score = NAN;
    ps.job = job;
    ps.scratch = ml_pipeline_new();
    rc = s_parse_data(&ps, root);
    if (rc == DSK_OK)
        rc = s_parse_pipeline(&ps, root);
    if (rc == DSK_OK)
        rc = s_parse_search(&ps, root);
    ml_pipeline_destroy(&ps.scratch);
    if (rc) {
        job_destroy(&job);
        return rc;
    }
    *out = job;
    return DSK_OK;
}

/* jansson's line and column (1-based, in characters) are what an editor jumps to. */
static int s_syntax_error(const json_error_t *e, const char *where, char *err)
{
    return dsk_seterr(err, DSK_EINVAL, "%s:%d:%d: JSON syntax error: %s", where, e->line,
                      e->column, e->text);
}

/*
 * A job file nests a few levels; jansson would allocate its way down to its
 * own limit (2048) before refusing a deeper one. Text from the wire is
 * refused here first, past S_MAX_JSON_DEPTH, without allocating.
 */
#define S_MAX_JSON_DEPTH 64

static int s_depth_ok(const char *text, size_t len, const char *where, char *err)
{
    int depth = 0, in_string = 0, line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = 0;
        } else if (ch == '"') {
            in_string = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > S_MAX_JSON_DEPTH)
                return dsk_seterr(err, DSK_EINVAL, "%s:%d:%zu: JSON nested deeper than %d "
                                  "levels", where, line, i - line_start + 1, S_MAX_JSON_DEPTH);
        } else if (ch == ']' || ch == '}') {
            depth--;
        } else if (ch == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    return DSK_OK;
}

int job_parse_text(const char *text, size_t len, const char *where, job_t **out,
                      char *err)
{
    json_error_t e;
    *out = NULL;
    where = where ? where : "job";
    if (s_depth_ok(text, len, where, err) < 0)
        return DSK_EINVAL;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
    if (!root)
        return s_syntax_error(&e, where, err);
    int rc = job_parse(root, where, out, err);
    json_decref(root);
    return rc;
}

int job_parse_file(const char *path, job_t **out, char *err)
{
    json_error_t e;
    *out = NULL;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    if (!root) {
        if (json_error_code(&e) == json_error_cannot_open_file)
            return dsk_seterr(err, DSK_EIO, "%s: cannot read the job file: %s", path, e.text);
        return s_syntax_error(&e, path, err);
    }
    int rc = job_parse(root, path, out, err);
    json_decref(root);
    return rc;
}

void job_destroy(job_t **job_p)
{
    if (!job_p || !*job_p)
        return;
    job_t *job = *job_p;
    for (size_t i = 0; i < job->n_steps; i++) {
        free(job->steps[i].name);
        free(job->steps[i].class_name);
        ml_params_clear(&job->steps[i].params);
    }
    free(job->steps);
    ml_grid_destroy(&job->grid);
    free(job->scoring);
    free(job->cv_test_fold);
    json_decref(job->data);
    json_decref(job->json);
    free(job);
    *job_p = NULL;
}
