/*
 * ml_grid.h — the search space: scikit-learn 1.2's ParameterGrid and
 * ParameterSampler (lists only).
 *
 * A grid is a list of sub-grids (a job's param_grid may be one object or a
 * list of them); a sub-grid maps parameter names ("vect__max_df") to
 * non-empty lists of values. Candidates come in scikit-learn's order: sub-
 * grid by sub-grid, keys sorted, itertools.product with the last key
 * varying fastest — so candidate i here is cv_results_['params'][i] there.
 * The sampler draws candidate indices with sample_without_replacement
 * (sklearn/utils/_random.pyx: permutation, tracking selection or reservoir,
 * chosen by the same ratio rules) on NumPy's legacy RandomState.
 *
 * Ownership: the grid copies every name and value it is given; a candidate
 * (ml_params_t) owns its names and values and is freed with
 * ml_params_clear().
 */
#ifndef ML_GRID_H
#define ML_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"
#include "ml_value.h"

typedef struct ml_grid ml_grid_t;

/* One candidate: n (name, value) pairs in scikit-learn's dict order. */
typedef struct {
    size_t n;
    char **names;
    ml_value_t *values;
} ml_params_t;

void ml_params_clear(ml_params_t *p);
void ml_params_copy(ml_params_t *dst, const ml_params_t *src);
/* The value of name in p, or NULL. */
const ml_value_t *ml_params_get(const ml_params_t *p, const char *name);
/* Python's repr of the dict: "{'vect__max_df': 0.5, 'vect__ngram_range': (1, 1)}". */
const char *ml_params_repr(const ml_params_t *p, char *buf, size_t len);

/* An empty grid (no sub-grids). Caller owns it. */
ml_grid_t *ml_grid_new(void);
void ml_grid_destroy(ml_grid_t **g_p);
/* Starts a new sub-grid; later ml_grid_add() calls fill it. An empty sub-grid
   is one candidate with no parameters, as in scikit-learn. */
void ml_grid_begin(ml_grid_t *g);
/*
 * Adds name -> values (an ML_V_LIST, copied) to the current sub-grid
 * (starting one if there is none). Errors with scikit-learn's wording: a
 * value that is not a list, an empty list, a name given twice.
 */
int ml_grid_add(ml_grid_t *g, const char *name, const ml_value_t *values, char *err);

/*
 * A job's param_distributions entry given as a distribution object
 * ({"loguniform": [1e-6, 1e-2]}) rather than a list: dsk samples lists
 * only for now, so this is always the error saying so, naming the
 * parameter and the distribution.
 */
int ml_grid_add_distribution(ml_grid_t *g, const char *name, const char *dist, char *err);

/* Number of sub-grids; number of candidates (sum of the products). */
size_t ml_grid_n_subgrids(const ml_grid_t *g);
int64_t ml_grid_size(const ml_grid_t *g);
/* Checks the grid can be searched: at least one sub-grid. */
int ml_grid_validate(const ml_grid_t *g, char *err);
/*
 * Candidate idx in ParameterGrid's iteration order (keys sorted), into
 * *out (cleared first). DSK_EINVAL when idx is out of range.
 */
int ml_grid_candidate(const ml_grid_t *g, int64_t idx, ml_params_t *out, char *err);

/*
 * sample_without_replacement(n_population, n_samples, method='auto',
 * random_state=seed) into out[0..n_samples).
 */
int ml_sample_without_replacement(int64_t n_population, int64_t n_samples, uint32_t seed,
                                  int64_t *out, char *err);

/* random_state=None for the sampler (seeded from the clock). */
#define ML_SAMPLER_NO_SEED (-1)

/*
 * ParameterSampler(g, n_iter, random_state) when every value is a list:
 * min(n_iter, size) candidates drawn without replacement (a smaller grid
 * is logged as scikit-learn warns), each as ParameterGrid.__getitem__
 * builds it (keys in reverse sorted order). *out is a new array of *n_out
 * candidates the caller frees with ml_params_array_free().
 */
int ml_sampler_draw(const ml_grid_t *g, int64_t n_iter, int64_t random_state,
                    ml_params_t **out, int64_t *n_out, char *err);
void ml_params_array_free(ml_params_t **arr_p, int64_t n);

#endif
