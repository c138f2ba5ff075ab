/*
 * ml_param.h — reading estimator parameters with scikit-learn's rules and
 * one style of error: "SVC: parameter 'C' must be a float > 0, got the
 * string 'big'". est and name go into the message; bounds are inclusive
 * unless named _open. Each returns 0 or DSK_EINVAL with err filled.
 */
#ifndef ML_PARAM_H
#define ML_PARAM_H

#include "dsk_error.h"
#include "ml_value.h"

/* An int or a float (ints are widened), within [lo, hi]. */
int ml_param_float(const ml_value_t *v, const char *est, const char *name, double lo,
                   double hi, double *out, char *err);
/* A float strictly greater than lo. */
int ml_param_float_gt(const ml_value_t *v, const char *est, const char *name, double lo,
                      double *out, char *err);
/* An int (a bool is not an int here) within [lo, hi]. */
int ml_param_int(const ml_value_t *v, const char *est, const char *name, int64_t lo,
                 int64_t hi, int64_t *out, char *err);
int ml_param_bool(const ml_value_t *v, const char *est, const char *name, int *out,
                  char *err);
/* A string among choices (NULL-terminated); *out is its index. */
int ml_param_enum(const ml_value_t *v, const char *est, const char *name,
                  const char *const *choices, int *out, char *err);
/* The index of name in names (NULL-terminated), or -1. */
int ml_param_index(const char *const *names, const char *name);
/* Is v None? (for parameters where None means "default"/"off") */
static inline int ml_param_is_none(const ml_value_t *v) { return v->type == ML_V_NONE; }
/* "SVC has no parameter 'gama'" (with a did-you-mean from known). */
int ml_param_unknown(const char *est, const char *name, const char *const *known, char *err);
/* "SVC: parameter 'kernel' value 'precomputed' is not supported by dsk". */
int ml_param_unsupported(const char *est, const char *name, const ml_value_t *v, char *err);

#endif
