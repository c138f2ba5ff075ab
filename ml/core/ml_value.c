/* ml_value.c — parameter values: copy, compare, Python-style repr. */
#include "ml_value.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"

ml_value_t ml_value_string(const char *s)
{
    ml_value_t v = {.type = ML_V_STRING};
    v.u.s = dsk_xstrdup(s);
    return v;
}

ml_value_t ml_value_list(size_t n)
{
    ml_value_t v = {.type = ML_V_LIST};
    v.u.list.n = n;
    v.u.list.items = dsk_xcalloc(n ? n : 1, sizeof *v.u.list.items);
    return v;
}

void ml_value_copy(ml_value_t *dst, const ml_value_t *src)
{
    if (src->type == ML_V_STRING) {
        *dst = ml_value_string(src->u.s);
    } else if (src->type == ML_V_LIST) {
        *dst = ml_value_list(src->u.list.n);
        for (size_t i = 0; i < src->u.list.n; i++)
            ml_value_copy(&dst->u.list.items[i], &src->u.list.items[i]);
    } else {
        *dst = *src;
    }
}

void ml_value_clear(ml_value_t *v)
{
    if (v->type == ML_V_STRING) {
        free(v->u.s);
    } else if (v->type == ML_V_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            ml_value_clear(&v->u.list.items[i]);
        free(v->u.list.items);
    }
    *v = ml_value_none();
}

int ml_value_equal(const ml_value_t *a, const ml_value_t *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case ML_V_NONE:
        return 1;
    case ML_V_BOOL:
        return a->u.b == b->u.b;
    case ML_V_INT:
        return a->u.i == b->u.i;
    case ML_V_FLOAT:
        return a->u.f == b->u.f || (isnan(a->u.f) && isnan(b->u.f));
    case ML_V_STRING:
        return strcmp(a->u.s, b->u.s) == 0;
    case ML_V_LIST:
        if (a->u.list.n != b->u.list.n)
            return 0;
        for (size_t i = 0; i < a->u.list.n; i++)
            if (!ml_value_equal(&a->u.list.items[i], &b->u.list.items[i]))
                return 0;
        return 1;
    }
    return 0;
}

/*
 * Python's repr(float): the shortest digit string that reads back to the
 * same double, written positionally when the decimal exponent is in
 * [-4, 16) and in scientific notation (e-05, e+16) otherwise.
 */
static void s_float_repr(double f, char *buf, size_t len)
{
    if (isnan(f)) {
        snprintf(buf, len, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(buf, len, f > 0 ? "inf" : "-inf");
        return;
    }
    char sci[40];
    for (int p = 0; p < 17; p++) {
        snprintf(sci, sizeof sci, "%.*e", p, f);
        if (strtod(sci, NULL) == f)
            break;
    }
    /* sci is [-]D[.DDD]e[+-]XX: split into sign, digits and exponent */
    const char *s = sci;
    int neg = *s == '-';
    if (neg)
        s++;
    char digits[24];
    size_t nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            digits[nd++] = *s;
    digits[nd] = '\0';
    int exp = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    size_t o = 0;
#define PUT(...) o += (size_t)snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__)
    if (neg)
        PUT("-");
    if (exp < -4 || exp >= 16) {
        PUT("%c", digits[0]);
        if (nd > 1)
            PUT(".%s", digits + 1);
        PUT("e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    } else if (exp < 0) {
        PUT("0.");
        for (int i = -1; i > exp; i--)
            PUT("0");
        PUT("%s", digits);
    } else {
        for (int i = 0; i <= exp; i++)
            PUT("%c", (size_t)i < nd ? digits[i] : '0');
        if ((size_t)exp + 1 < nd)
            PUT(".%s", digits + exp + 1);
        else
            PUT(".0");
    }
#undef PUT
}

const char *ml_value_repr(const ml_value_t *v, char *buf, size_t len)
{
    if (!len)
        return buf;
    buf[0] = '\0';
    switch (v->type) {
    case ML_V_NONE:
        snprintf(buf, len, "None");
        break;
    case ML_V_BOOL:
        snprintf(buf, len, v->u.b ? "True" : "False");
        break;
    case ML_V_INT:
        snprintf(buf, len, "%" PRId64, v->u.i);
        break;
    case ML_V_FLOAT:
        s_float_repr(v->u.f, buf, len);
        break;
    case ML_V_STRING:
        snprintf(buf, len, "'%s'", v->u.s);
        break;
    case ML_V_LIST: {
        /* a job file writes tuples such as ngram_range as lists; scikit-learn
           shows them as tuples, so a list of two ints prints as (1, 2) */
        int tuple = v->u.list.n == 2 && v->u.list.items[0].type == ML_V_INT &&
                    v->u.list.items[1].type == ML_V_INT;
        size_t o = (size_t)snprintf(buf, len, "%c", tuple ? '(' : '[');
        for (size_t i = 0; i < v->u.list.n && o < len; i++) {
            char item[256];
            ml_value_repr(&v->u.list.items[i], item, sizeof item);
            o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", item);
        }
        if (o < len)
            snprintf(buf + o, len - o, "%c", tuple ? ')' : ']');
        break;
    }
    }
    return buf;
}

const char *ml_value_describe(const ml_value_t *v, char *buf, size_t len)
{
    char r[200];
    switch (v->type) {
    case ML_V_NONE:
        snprintf(buf, len, "None");
        break;
    case ML_V_BOOL:
        snprintf(buf, len, "a boolean (%s)", v->u.b ? "true" : "false");
        break;
    case ML_V_INT:
        snprintf(buf, len, "an integer (%s)", ml_value_repr(v, r, sizeof r));
        break;
    case ML_V_FLOAT:
        snprintf(buf, len, "a float (%s)", ml_value_repr(v, r, sizeof r));
        break;
    case ML_V_STRING:
        snprintf(buf, len, "the string '%.150s'", v->u.s);
        break;
    case ML_V_LIST:
        snprintf(buf, len, "a list of %zu item%s", v->u.list.n, v->u.list.n == 1 ? "" : "s");
        break;
    }
    return buf;
}
