/* ml_grid.c — ParameterGrid order and ParameterSampler draws, as scikit-learn 1.2. */
#include "ml_grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_log.h"
#include "ml_np_rng.h"

typedef struct {
    size_t n;            /* keys, kept sorted by name */
    char **names;
    ml_value_t *values;  /* each an ML_V_LIST of at least one item */
} s_subgrid_t;

struct ml_grid {
    size_t n;
    s_subgrid_t *subs;
};

void ml_params_clear(ml_params_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->names[i]);
        ml_value_clear(&p->values[i]);
    }
    free(p->names);
    free(p->values);
    memset(p, 0, sizeof *p);
}

void ml_params_copy(ml_params_t *dst, const ml_params_t *src)
{
    dst->n = src->n;
    dst->names = dsk_xrealloc(NULL, src->n, sizeof *dst->names);
    dst->values = dsk_xrealloc(NULL, src->n, sizeof *dst->values);
    for (size_t i = 0; i < src->n; i++) {
        dst->names[i] = dsk_xstrdup(src->names[i]);
        ml_value_copy(&dst->values[i], &src->values[i]);
    }
}

const ml_value_t *ml_params_get(const ml_params_t *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->names[i], name) == 0)
            return &p->values[i];
    return NULL;
}

const char *ml_params_repr(const ml_params_t *p, char *buf, size_t len)
{
    if (!len)
        return buf;
    size_t o = (size_t)snprintf(buf, len, "{");
    for (size_t i = 0; i < p->n && o < len; i++) {
        char v[512];
        o += (size_t)snprintf(buf + o, len - o, "%s'%s': %s", i ? ", " : "", p->names[i],
                              ml_value_repr(&p->values[i], v, sizeof v));
    }
    if (o < len)
        snprintf(buf + o, len - o, "}");
    return buf;
}

ml_grid_t *ml_grid_new(void)
{
    ml_grid_t *g = dsk_xcalloc(1, sizeof *g);
    return g;
}

void ml_grid_destroy(ml_grid_t **g_p)
{
    if (!g_p || !*g_p)
        return;
    ml_grid_t *g = *g_p;
    for (size_t s = 0; s < g->n; s++) {
        for (size_t i = 0; i < g->subs[s].n; i++) {
            free(g->subs[s].names[i]);
            ml_value_clear(&g->subs[s].values[i]);
        }
        free(g->subs[s].names);
        free(g->subs[s].values);
    }
    free(g->subs);
    free(g);
    *g_p = NULL;
}

void ml_grid_begin(ml_grid_t *g)
{
    g->subs = dsk_xrealloc(g->subs, g->n + 1, sizeof *g->subs);
    memset(&g->subs[g->n], 0, sizeof g->subs[g->n]);
    g->n++;
}

/* Python's type name for a value, for ParameterGrid's TypeError wording. */
static const char *s_py_type(const ml_value_t *v)
{
    static const char *const names[] = {"NoneType", "bool", "int", "float", "str", "list"};
    return names[v->type];
}

int ml_grid_add(ml_grid_t *g, const char *name, const ml_value_t *values, char *err)
{
    char r[256];
    if (values->type != ML_V_LIST)
        return dsk_seterr(err, DSK_EINVAL,
                          "Parameter grid for parameter '%s' needs to be a list or a numpy "
                          "array, but got %s (of type %s) instead. Single values need to be "
                          "wrapped in a list with one element.",
                          name, ml_value_repr(values, r, sizeof r), s_py_type(values));
    if (values->u.list.n == 0)
        return dsk_seterr(err, DSK_EINVAL,
                          "Parameter grid for parameter '%s' need to be a non-empty sequence, "
                          "got: []", name);
    if (g->n == 0)
        ml_grid_begin(g);
    s_subgrid_t *sg = &g->subs[g->n - 1];
    size_t at = 0;
    while (at < sg->n && strcmp(sg->names[at], name) < 0)
        at++;
    if (at < sg->n && strcmp(sg->names[at], name) == 0)
        return dsk_seterr(err, DSK_EINVAL, "parameter '%s' appears twice in one grid", name);
    sg->names = dsk_xrealloc(sg->names, sg->n + 1, sizeof *sg->names);
    sg->values = dsk_xrealloc(sg->values, sg->n + 1, sizeof *sg->values);
    memmove(sg->names + at + 1, sg->names + at, (sg->n - at) * sizeof *sg->names);
    memmove(sg->values + at + 1, sg->values + at, (sg->n - at) * sizeof *sg->values);
    sg->names[at] = dsk_xstrdup(name);
    ml_value_copy(&sg->values[at], values);
    sg->n++;
    return DSK_OK;
}

int ml_grid_add_distribution(ml_grid_t *g, const char *name, const char *dist, char *err)
{
    (void)g;
    return dsk_seterr(err, DSK_EINVAL,
                      "ParameterSampler: parameter '%s': the distribution '%s' is not "
                      "supported by dsk; give a list of values", name, dist);
}

size_t ml_grid_n_subgrids(const ml_grid_t *g) { return g->n; }

/* Product of the list lengths, saturating at INT64_MAX (then too big to search). */
static int64_t s_subgrid_size(const s_subgrid_t *sg)
{
    int64_t total = 1;
    for (size_t i = 0; i < sg->n; i++) {
        int64_t len = (int64_t)sg->values[i].u.list.n;
        if (total > INT64_MAX / len)
            return INT64_MAX;
        total *= len;
    }
    return total;
}

int64_t ml_grid_size(const ml_grid_t *g)
{
    int64_t total = 0;
    for (size_t s = 0; s < g->n; s++) {
        int64_t n = s_subgrid_size(&g->subs[s]);
        if (n > INT64_MAX - total)
            return INT64_MAX;
        total += n;
    }
    return total;
}

int ml_grid_validate(const ml_grid_t *g, char *err)
{
    if (g->n == 0)
        return dsk_seterr(err, DSK_EINVAL, "the parameter grid is an empty list");
    if (ml_grid_size(g) == INT64_MAX)
        return dsk_seterr(err, DSK_EINVAL, "the parameter grid has too many candidates");
    return DSK_OK;
}

/*
 * ParameterGrid.__getitem__ / __iter__: within a sub-grid, candidate idx
 * decomposes with the last sorted key varying fastest. reversed puts the
 * keys in __getitem__'s dict order (reverse sorted), else __iter__'s.
 */
static int s_candidate(const ml_grid_t *g, int64_t idx, int reversed, ml_params_t *out,
                       char *err)
{
    ml_params_clear(out);
    if (idx < 0)
        return dsk_seterr(err, DSK_EINVAL, "ParameterGrid index out of range");
    for (size_t s = 0; s < g->n; s++) {
        const s_subgrid_t *sg = &g->subs[s];
        int64_t total = s_subgrid_size(sg);
        if (idx >= total) {
            idx -= total;
            continue;
        }
        out->n = sg->n;
        out->names = dsk_xrealloc(NULL, sg->n, sizeof *out->names);
        out->values = dsk_xrealloc(NULL, sg->n, sizeof *out->values);
        for (size_t k = sg->n; k-- > 0;) {
            size_t len = sg->values[k].u.list.n;
            size_t slot = reversed ? sg->n - 1 - k : k;
            out->names[slot] = dsk_xstrdup(sg->names[k]);
            ml_value_copy(&out->values[slot], &sg->values[k].u.list.items[idx % (int64_t)len]);
            idx /= (int64_t)len;
        }
        return DSK_OK;
    }
    return dsk_seterr(err, DSK_EINVAL, "ParameterGrid index out of range");
}

int ml_grid_candidate(const ml_grid_t *g, int64_t idx, ml_params_t *out, char *err)
{
    return s_candidate(g, idx, 0, out, err);
}

/* A small open-addressing set of int64 for tracking selection. */
typedef struct {
    int64_t *slots; /* -1 = empty */
    size_t mask;
} s_set_t;

static void s_set_init(s_set_t *set, int64_t n)
{
    size_t cap = 16;
    while (cap < (size_t)n * 2)
        cap *= 2;
    set->slots = dsk_xrealloc(NULL, cap, sizeof *set->slots);
    for (size_t i = 0; i < cap; i++)
        set->slots[i] = -1;
    set->mask = cap - 1;
}

/* Adds v; returns 0 if it was already there. */
static int s_set_add(s_set_t *set, int64_t v)
{
    size_t h = ((uint64_t)v * 0x9e3779b97f4a7c15ULL) >> 17 & set->mask;
    while (set->slots[h] != -1) {
        if (set->slots[h] == v)
            return 0;
        h = (h + 1) & set->mask;
    }
    set->slots[h] = v;
    return 1;
}

/*
 * sklearn.utils._random's sample_without_replacement with method='auto':
 * a permutation prefix when 0.01 < ratio < 0.99, else tracking selection
 * (ratio < 0.2: redraw randint(n) until unseen) or reservoir sampling.
 * Each path consumes the RandomState exactly as scikit-learn's does.
 */
int ml_sample_without_replacement(int64_t n_population, int64_t n_samples, uint32_t seed,
                                  int64_t *out, char *err)
{
    if (n_population < 0)
        return dsk_seterr(err, DSK_EINVAL, "n_population should be greater than 0, got %lld.",
                          (long long)n_population);
    if (n_samples > n_population || n_samples < 0)
        return dsk_seterr(err, DSK_EINVAL,
                          "n_population should be greater or equal than n_samples, got "
                          "n_samples > n_population (%lld > %lld)",
                          (long long)n_samples, (long long)n_population);
    ml_np_rng_t rng;
    ml_np_rng_seed(&rng, seed);
    double ratio = n_population != 0 ? (double)n_samples / (double)n_population : 1.0;
    if (ratio > 0.01 && ratio < 0.99) {
        int64_t *perm = dsk_xrealloc(NULL, (size_t)n_population, sizeof *perm);
        ml_np_rng_permutation(&rng, perm, n_population);
        memcpy(out, perm, (size_t)n_samples * sizeof *out);
        free(perm);
    } else if (ratio < 0.2) {
        s_set_t set;
        s_set_init(&set, n_samples);
        for (int64_t i = 0; i < n_samples; i++) {
            int64_t j = ml_np_rng_randint(&rng, 0, n_population);
            while (!s_set_add(&set, j))
                j = ml_np_rng_randint(&rng, 0, n_population);
            out[i] = j;
        }
        free(set.slots);
    } else {
        for (int64_t i = 0; i < n_samples; i++)
            out[i] = i;
        for (int64_t i = n_samples; i < n_population; i++) {
            int64_t j = ml_np_rng_randint(&rng, 0, i + 1);
            if (j < n_samples)
                out[j] = i;
        }
    }
    return DSK_OK;
}

void ml_params_array_free(ml_params_t **arr_p, int64_t n)
{
    if (!arr_p || !*arr_p)
        return;
    for (int64_t i = 0; i < n; i++)
        ml_params_clear(&(*arr_p)[i]);
    free(*arr_p);
    *arr_p = NULL;
}

int ml_sampler_draw(const ml_grid_t *g, int64_t n_iter, int64_t random_state,
                    ml_params_t **out, int64_t *n_out, char *err)
{
    *out = NULL;
    *n_out = 0;
    int rc = ml_grid_validate(g, err);
    if (rc)
        return rc;
    if (n_iter < 1)
        return dsk_seterr(err, DSK_EINVAL, "n_iter must be an integer >= 1, got %lld",
                          (long long)n_iter);
    if (random_state != ML_SAMPLER_NO_SEED && (random_state < 0 || random_state > 0xffffffffLL))
        return dsk_seterr(err, DSK_EINVAL,
                          "random_state must be an integer in [0, 2**32 - 1], got %lld",
                          (long long)random_state);
    uint32_t seed = random_state == ML_SAMPLER_NO_SEED
                        ? (uint32_t)((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16))
                        : (uint32_t)random_state;
    int64_t size = ml_grid_size(g);
    if (size < n_iter) {
        dsk_warn("The total space of parameters %lld is smaller than n_iter=%lld. Running "
                 "%lld iterations. For exhaustive searches, use GridSearchCV.",
                 (long long)size, (long long)n_iter, (long long)size);
        n_iter = size;
    }
    int64_t *idx = dsk_xrealloc(NULL, (size_t)n_iter, sizeof *idx);
    rc = ml_sample_without_replacement(size, n_iter, seed, idx, err);
    if (rc) {
        free(idx);
        return rc;
    }
    ml_params_t *arr = dsk_xcalloc((size_t)n_iter, sizeof *arr);
    for (int64_t i = 0; i < n_iter && rc == 0; i++)
        rc = s_candidate(g, idx[i], 1, &arr[i], err);
    free(idx);
    if (rc) {
        ml_params_array_free(&arr, n_iter);
        return rc;
    }
    *out = arr;
    *n_out = n_iter;
    return DSK_OK;
}
