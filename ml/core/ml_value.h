/*
 * ml_value.h — a parameter value as a job file writes it: None, bool, int,
 * float, string or list. Int and float stay distinct because scikit-learn
 * gives them different meanings (max_df=1 is one document, max_df=1.0 is
 * all of them). Estimators read values through ml_param_* (ml_param.h),
 * which produce the uniform error texts.
 */
#ifndef ML_VALUE_H
#define ML_VALUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    ML_V_NONE = 0,
    ML_V_BOOL,
    ML_V_INT,
    ML_V_FLOAT,
    ML_V_STRING,
    ML_V_LIST,
} ml_value_type_t;

typedef struct ml_value {
    ml_value_type_t type;
    union {
        int b;
        int64_t i;
        double f;
        char *s;                          /* owned, NUL-terminated */
        struct {
            size_t n;
            struct ml_value *items;       /* owned */
        } list;
    } u;
} ml_value_t;

static inline ml_value_t ml_value_none(void) { return (ml_value_t){.type = ML_V_NONE}; }
static inline ml_value_t ml_value_bool(int b) { return (ml_value_t){.type = ML_V_BOOL, .u.b = !!b}; }
static inline ml_value_t ml_value_int(int64_t i) { return (ml_value_t){.type = ML_V_INT, .u.i = i}; }
static inline ml_value_t ml_value_float(double f) { return (ml_value_t){.type = ML_V_FLOAT, .u.f = f}; }
/* Copies s. */
ml_value_t ml_value_string(const char *s);
/* A list of n None items, to be filled in. */
ml_value_t ml_value_list(size_t n);

/* Deep copy into *dst. */
void ml_value_copy(ml_value_t *dst, const ml_value_t *src);
/* Frees what v owns; v becomes None. */
void ml_value_clear(ml_value_t *v);
int ml_value_equal(const ml_value_t *a, const ml_value_t *b);

/*
 * Python's repr of the value, as scikit-learn prints parameters and
 * cv_results_ shows them: None, True, 3, 0.5, 1e-05, 'l2', (1, 2) for a
 * two-item list of ints used as a tuple, [..] otherwise. Returns buf.
 */
const char *ml_value_repr(const ml_value_t *v, char *buf, size_t len);

/* "an integer (3)", "the string 'l3'", "a list of 2 items", for errors. */
const char *ml_value_describe(const ml_value_t *v, char *buf, size_t len);

#endif
