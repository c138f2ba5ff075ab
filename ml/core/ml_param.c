/* ml_param.c — typed reads of estimator parameters, with uniform errors. */
#include "ml_param.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dsk_suggest.h"

static int s_bad(const ml_value_t *v, const char *est, const char *name, const char *want,
                 char *err)
{
    char got[200];
    return dsk_seterr(err, DSK_EINVAL, "%s: parameter '%s' must be %s, got %s", est, name,
                      want, ml_value_describe(v, got, sizeof got));
}

int ml_param_float(const ml_value_t *v, const char *est, const char *name, double lo,
                   double hi, double *out, char *err)
{
    double x;
    if (v->type == ML_V_FLOAT)
        x = v->u.f;
    else if (v->type == ML_V_INT)
        x = (double)v->u.i;
    else
        x = lo - 1;
    if ((v->type != ML_V_FLOAT && v->type != ML_V_INT) || !(x >= lo && x <= hi)) {
        char want[128];
        snprintf(want, sizeof want, "a float in [%g, %g]", lo, hi);
        return s_bad(v, est, name, want, err);
    }
    *out = x;
    return DSK_OK;
}

int ml_param_float_gt(const ml_value_t *v, const char *est, const char *name, double lo,
                      double *out, char *err)
{
    double x = 0;
    int ok = (v->type == ML_V_FLOAT && (x = v->u.f) > lo) ||
             (v->type == ML_V_INT && (x = (double)v->u.i) > lo);
    if (!ok) {
        char want[64];
        snprintf(want, sizeof want, "a float > %g", lo);
        return s_bad(v, est, name, want, err);
    }
    *out = x;
    return DSK_OK;
}

int ml_param_int(const ml_value_t *v, const char *est, const char *name, int64_t lo,
                 int64_t hi, int64_t *out, char *err)
{
    if (v->type != ML_V_INT || v->u.i < lo || v->u.i > hi) {
        char want[128];
        if (hi == INT64_MAX)
            snprintf(want, sizeof want, "an integer >= %" PRId64, lo);
        else
            snprintf(want, sizeof want, "an integer in [%" PRId64 ", %" PRId64 "]", lo, hi);
        return s_bad(v, est, name, want, err);
    }
    *out = v->u.i;
    return DSK_OK;
}

int ml_param_bool(const ml_value_t *v, const char *est, const char *name, int *out,
                  char *err)
{
    if (v->type != ML_V_BOOL)
        return s_bad(v, est, name, "true or false", err);
    *out = v->u.b;
    return DSK_OK;
}

int ml_param_enum(const ml_value_t *v, const char *est, const char *name,
                  const char *const *choices, int *out, char *err)
{
    if (v->type == ML_V_STRING)
        for (int i = 0; choices[i]; i++)
            if (strcmp(v->u.s, choices[i]) == 0) {
                *out = i;
                return DSK_OK;
            }
    char want[512];
    size_t o = (size_t)snprintf(want, sizeof want, "one of");
    for (int i = 0; choices[i] && o < sizeof want; i++)
        o += (size_t)snprintf(want + o, sizeof want - o, "%s '%s'", i ? "," : "", choices[i]);
    return s_bad(v, est, name, want, err);
}

int ml_param_index(const char *const *names, const char *name)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

int ml_param_unknown(const char *est, const char *name, const char *const *known, char *err)
{
    const char *best = dsk_suggest(name, known, 2, 0);
    if (best)
        return dsk_seterr(err, DSK_EINVAL, "%s has no parameter '%s' (did you mean '%s'?)",
                          est, name, best);
    return dsk_seterr(err, DSK_EINVAL, "%s has no parameter '%s'", est, name);
}

int ml_param_unsupported(const char *est, const char *name, const ml_value_t *v, char *err)
{
    char r[200];
    return dsk_seterr(err, DSK_EINVAL, "%s: parameter '%s' value %s is not supported by dsk",
                      est, name, ml_value_repr(v, r, sizeof r));
}
