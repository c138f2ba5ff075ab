/* ml_analyzer_cfg.c — the analyzer parameters: defaults, set/get by name, checks. */
#include "ml_analyzer_cfg.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_param.h"

const char *const ml_analyzer_param_names[] = {
    "input", "encoding", "decode_error", "strip_accents", "lowercase", "preprocessor",
    "tokenizer", "stop_words", "token_pattern", "ngram_range", "analyzer", NULL};

void ml_analyzer_cfg_init(ml_analyzer_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->lowercase = 1;
    c->token_pattern = dsk_xstrdup(ML_DEFAULT_TOKEN_PATTERN);
    c->min_n = c->max_n = 1;
}

static void s_stop_clear(ml_analyzer_cfg_t *c)
{
    for (size_t i = 0; i < c->n_stop; i++)
        free(c->stop_list[i]);
    free(c->stop_list);
    c->stop_list = NULL;
    c->n_stop = 0;
    c->stop_kind = ML_STOP_NONE;
}

void ml_analyzer_cfg_clear(ml_analyzer_cfg_t *c)
{
    s_stop_clear(c);
    free(c->token_pattern);
    c->token_pattern = NULL;
}

void ml_analyzer_cfg_copy(ml_analyzer_cfg_t *dst, const ml_analyzer_cfg_t *src)
{
    *dst = *src;
    dst->token_pattern = dsk_xstrdup(src->token_pattern);
    if (src->n_stop) {
        dst->stop_list = dsk_xcalloc(src->n_stop, sizeof *dst->stop_list);
        for (size_t i = 0; i < src->n_stop; i++)
            dst->stop_list[i] = dsk_xstrdup(src->stop_list[i]);
    } else {
        dst->stop_list = NULL;
    }
}

int ml_analyzer_cfg_equal(const ml_analyzer_cfg_t *a, const ml_analyzer_cfg_t *b)
{
    if (!!a->lowercase != !!b->lowercase || a->min_n != b->min_n || a->max_n != b->max_n ||
        a->stop_kind != b->stop_kind || strcmp(a->token_pattern, b->token_pattern) != 0 ||
        a->n_stop != b->n_stop)
        return 0;
    for (size_t i = 0; i < a->n_stop; i++)
        if (strcmp(a->stop_list[i], b->stop_list[i]) != 0)
            return 0;
    return 1;
}

/* Parameters dsk accepts only at scikit-learn's default value. */
static const struct {
    const char *name;
    const char *dflt; /* NULL: the default is None */
} s_fixed[] = {{"input", "content"},   {"encoding", "utf-8"}, {"decode_error", "strict"},
               {"strip_accents", NULL}, {"preprocessor", NULL}, {"tokenizer", NULL},
               {"analyzer", "word"}};

static int s_set_stop_words(ml_analyzer_cfg_t *c, const char *est, const ml_value_t *v,
                            char *err)
{
    if (v->type == ML_V_NONE) {
        s_stop_clear(c);
        return 0;
    }
    if (v->type == ML_V_STRING) {
        if (strcmp(v->u.s, "english") != 0)
            return dsk_seterr(err, DSK_EINVAL, "%s: not a built-in stop list: %s", est, v->u.s);
        s_stop_clear(c);
        c->stop_kind = ML_STOP_ENGLISH;
        return 0;
    }
    if (v->type == ML_V_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            if (v->u.list.items[i].type != ML_V_STRING)
                return dsk_seterr(err, DSK_EINVAL,
                                  "%s: parameter 'stop_words' must be 'english', a list of "
                                  "strings or None (item %zu is not a string)", est, i);
        s_stop_clear(c);
        c->stop_kind = ML_STOP_LIST;
        c->n_stop = v->u.list.n;
        c->stop_list = dsk_xcalloc(c->n_stop ? c->n_stop : 1, sizeof *c->stop_list);
        for (size_t i = 0; i < c->n_stop; i++)
            c->stop_list[i] = dsk_xstrdup(v->u.list.items[i].u.s);
        return 0;
    }
    char got[200];
    return dsk_seterr(err, DSK_EINVAL,
                      "%s: parameter 'stop_words' must be 'english', a list of strings or "
                      "None, got %s", est, ml_value_describe(v, got, sizeof got));
}

int ml_analyzer_cfg_set(ml_analyzer_cfg_t *c, const char *est, const char *name,
                        const ml_value_t *v, char *err)
{
    for (size_t i = 0; i < sizeof s_fixed / sizeof *s_fixed; i++) {
        if (strcmp(name, s_fixed[i].name) != 0)
            continue;
        int ok = s_fixed[i].dflt ? (v->type == ML_V_STRING && strcmp(v->u.s, s_fixed[i].dflt) == 0)
                                 : v->type == ML_V_NONE;
        return ok ? 0 : ml_param_unsupported(est, name, v, err);
    }
    if (strcmp(name, "lowercase") == 0)
        return ml_param_bool(v, est, name, &c->lowercase, err);
    if (strcmp(name, "stop_words") == 0)
        return s_set_stop_words(c, est, v, err);
    if (strcmp(name, "token_pattern") == 0) {
        if (v->type != ML_V_STRING)
            return ml_param_unsupported(est, name, v, err);
        free(c->token_pattern);
        c->token_pattern = dsk_xstrdup(v->u.s);
        return 0;
    }
    if (strcmp(name, "ngram_range") == 0) {
        if (v->type != ML_V_LIST || v->u.list.n != 2 || v->u.list.items[0].type != ML_V_INT ||
            v->u.list.items[1].type != ML_V_INT || v->u.list.items[0].u.i < 1 ||
            v->u.list.items[1].u.i < 1) {
            char got[200];
            return dsk_seterr(err, DSK_EINVAL, "%s: parameter 'ngram_range' must be a pair of "
                              "integers >= 1 (min_n, max_n), got %s", est,
                              ml_value_describe(v, got, sizeof got));
        }
        c->min_n = v->u.list.items[0].u.i;
        c->max_n = v->u.list.items[1].u.i;
        return 0;
    }
    return 1;
}

int ml_analyzer_cfg_get(const ml_analyzer_cfg_t *c, const char *name, ml_value_t *out)
{
    for (size_t i = 0; i < sizeof s_fixed / sizeof *s_fixed; i++)
        if (strcmp(name, s_fixed[i].name) == 0) {
            *out = s_fixed[i].dflt ? ml_value_string(s_fixed[i].dflt) : ml_value_none();
            return 0;
        }
    if (strcmp(name, "lowercase") == 0) {
        *out = ml_value_bool(c->lowercase);
    } else if (strcmp(name, "token_pattern") == 0) {
        *out = ml_value_string(c->token_pattern);
    } else if (strcmp(name, "ngram_range") == 0) {
        *out = ml_value_list(2);
        out->u.list.items[0] = ml_value_int(c->min_n);
        out->u.list.items[1] = ml_value_int(c->max_n);
    } else if (strcmp(name, "stop_words") == 0) {
        if (c->stop_kind == ML_STOP_NONE) {
            *out = ml_value_none();
        } else if (c->stop_kind == ML_STOP_ENGLISH) {
            *out = ml_value_string("english");
        } else {
            *out = ml_value_list(c->n_stop);
            for (size_t i = 0; i < c->n_stop; i++)
                out->u.list.items[i] = ml_value_string(c->stop_list[i]);
        }
    } else {
        return 1;
    }
    return 0;
}

int ml_analyzer_cfg_check(const ml_analyzer_cfg_t *c, const char *est, char *err)
{
    if (c->min_n > c->max_n)
        return dsk_seterr(err, DSK_EINVAL, "%s: Invalid value for ngram_range=(%lld, %lld) "
                          "lower boundary larger than the upper boundary.", est,
                          (long long)c->min_n, (long long)c->max_n);
    return 0;
}
