/* ml_load_util.c — spec keys, whole-file reads, encodings, label encoding. */
#include "ml_load_util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ml_param.h"

ml_dataset_t *ml_dataset_new(ml_data_t **X_p)
{
    ml_dataset_t *ds = dsk_xcalloc(1, sizeof *ds);
    ds->X = *X_p;
    *X_p = NULL;
    return ds;
}

/* ---- spec keys ---------------------------------------------------------- */

int ml_spec_check_keys(const json_t *spec, const char *loader, const char *const *known,
                       char *err)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)spec, key, val) {
        (void)val;
        if (strcmp(key, "loader") == 0)
            continue;
        int ok = 0;
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (!ok) {
            char est[128];
            snprintf(est, sizeof est, "data loader '%s'", loader);
            return ml_param_unknown(est, key, known, err);
        }
    }
    return DSK_OK;
}

/* What a JSON value is, for "expected X, got Y" errors. */
static const char *s_json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "a list";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a float";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a bool";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

int ml_spec_string(const json_t *spec, const char *key, const char *def, int null_ok,
                   const char **out, char *err)
{
    json_t *v = json_object_get(spec, key);
    if (!v || (null_ok && json_is_null(v))) {
        *out = v ? NULL : def;
        return DSK_OK;
    }
    if (!json_is_string(v))
        return dsk_seterr(err, DSK_EINVAL, "data.%s: expected a string%s, got %s", key,
                          null_ok ? " or null" : "", s_json_kind(v));
    *out = json_string_value(v);
    return DSK_OK;
}

int ml_spec_enum(const json_t *spec, const char *key, const char *const *choices, int def,
                 int *out, char *err)
{
    json_t *v = json_object_get(spec, key);
    if (!v) {
        *out = def;
        return DSK_OK;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    for (int i = 0; s && choices[i]; i++)
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return DSK_OK;
        }
    char want[400];
    size_t o = 0;
    for (int i = 0; choices[i] && o < sizeof want; i++)
        o += (size_t)snprintf(want + o, sizeof want - o, "%s'%s'", i ? ", " : "", choices[i]);
    if (s)
        return dsk_seterr(err, DSK_EINVAL, "data.%s: expected one of %s, got '%s'", key, want,
                          s);
    return dsk_seterr(err, DSK_EINVAL, "data.%s: expected one of %s, got %s", key, want,
                      s_json_kind(v));
}

int ml_spec_bool(const json_t *spec, const char *key, int def, int *out, char *err)
{
    json_t *v = json_object_get(spec, key);
    if (!v) {
        *out = def;
        return DSK_OK;
    }
    if (!json_is_boolean(v))
        return dsk_seterr(err, DSK_EINVAL, "data.%s: expected true or false, got %s", key,
                          s_json_kind(v));
    *out = json_is_true(v);
    return DSK_OK;
}

int ml_spec_int(const json_t *spec, const char *key, int64_t def, int null_ok, int64_t lo,
                int64_t hi, int64_t *out, char *err)
{
    json_t *v = json_object_get(spec, key);
    if (!v || (null_ok && json_is_null(v))) {
        *out = def;
        return DSK_OK;
    }
    if (!json_is_integer(v))
        return dsk_seterr(err, DSK_EINVAL, "data.%s: expected an integer%s, got %s", key,
                          null_ok ? " or null" : "", s_json_kind(v));
    json_int_t i = json_integer_value(v);
    if (i < lo || i > hi)
        return dsk_seterr(err, DSK_EINVAL, "data.%s: expected an integer in [%lld, %lld], got %lld",
                          key, (long long)lo, (long long)hi, (long long)i);
    *out = i;
    return DSK_OK;
}

int ml_spec_strings(const json_t *spec, const char *key, int null_ok, const char ***out,
                    size_t *n, char *err)
{
    json_t *v = json_object_get(spec, key);
    *out = NULL;
    *n = 0;
    if (!v || (null_ok && json_is_null(v)))
        return DSK_OK;
    if (!json_is_array(v))
        return dsk_seterr(err, DSK_EINVAL, "data.%s: expected a list of strings%s, got %s",
                          key, null_ok ? " or null" : "", s_json_kind(v));
    size_t k = json_array_size(v);
    const char **a = dsk_xcalloc(k, sizeof *a);
    for (size_t i = 0; i < k; i++) {
        json_t *item = json_array_get(v, i);
        if (!json_is_string(item)) {
            free(a);
            return dsk_seterr(err, DSK_EINVAL, "data.%s[%zu]: expected a string, got %s", key,
                              i, s_json_kind(item));
        }
        a[i] = json_string_value(item);
    }
    *out = a;
    *n = k;
    return DSK_OK;
}

/* "~/x" -> "$HOME/x" into out. */
static int s_expand(const char *key, const char *p, char *out, size_t len, char *err)
{
    const char *home = getenv("HOME");
    int n;
    if (p[0] == '~' && (p[1] == '/' || p[1] == '\0') && home)
        n = snprintf(out, len, "%s%s", home, p + 1);
    else
        n = snprintf(out, len, "%s", p);
    if (n < 0 || (size_t)n >= len)
        return dsk_seterr(err, DSK_EINVAL, "data.%s: path too long", key);
    return DSK_OK;
}

int ml_spec_data_home(const json_t *spec, char *out, size_t len, char *err)
{
    const char *p = NULL;
    int rc = ml_spec_string(spec, "data_home", NULL, 1, &p, err);
    if (rc)
        return rc;
    if (!p || !*p) {
        p = getenv("DSK_DATA_HOME");
        if (!p || !*p)
            p = "~/dsk_data";
    }
    return s_expand("data_home", p, out, len, err);
}

int ml_spec_path(const json_t *spec, const char *key, int required, char *out, size_t len,
                 char *err)
{
    const char *p = NULL;
    int rc = ml_spec_string(spec, key, NULL, 0, &p, err);
    if (rc)
        return rc;
    if (!p || !*p) {
        out[0] = '\0';
        if (required)
            return dsk_seterr(err, DSK_EINVAL, "data.%s: required (a file path)", key);
        return DSK_OK;
    }
    return s_expand(key, p, out, len, err);
}

/* ---- files and encodings ------------------------------------------------- */

int ml_read_file(const char *path, char **buf, size_t *len, char *err)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return dsk_seterr(err, errno == ENOENT ? DSK_ENOTFOUND : DSK_EIO, "%s: %s", path,
                          strerror(errno ? errno : EIO));
    gzbuffer(f, 1 << 17);
    size_t cap = 1 << 16, n = 0;
    char *b = dsk_xmalloc(cap);
    for (;;) {
        if (cap - n < (1 << 15)) {
            cap *= 2;
            b = dsk_xrealloc(b, cap, 1);
        }
        unsigned want = (unsigned)((cap - n - 1) > INT_MAX ? INT_MAX : cap - n - 1);
        int got = gzread(f, b + n, want);
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            int rc = dsk_seterr(err, DSK_EIO, "%s: corrupt or truncated gzip data near byte %zu "
                                "of its content (%s)", path, n, msg);
            gzclose(f);
            free(b);
            return rc;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    gzclose(f);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return DSK_OK;
}

int ml_read_raw(const char *path, char **out, size_t *len, char *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return dsk_seterr(err, DSK_EIO, "%s: %s", path, strerror(errno));
    size_t cap = 8192, n = 0;
    char *b = dsk_xmalloc(cap);
    for (;;) {
        n += fread(b + n, 1, cap - n - 1, fp);
        if (n < cap - 1)
            break;
        cap *= 2;
        b = dsk_xrealloc(b, cap, 1);
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(b);
        return dsk_seterr(err, DSK_EIO, "%s: read error (is it a folder?)", path);
    }
    b[n] = '\0';
    *out = b;
    *len = n;
    return DSK_OK;
}


char *ml_latin1_to_utf8(const char *s, size_t n, size_t *out_len)
{
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += (unsigned char)s[i] >> 7;
    char *o = dsk_xmalloc(n + extra + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            o[k++] = (char)c;
        } else {
            o[k++] = (char)(0xC0 | (c >> 6));
            o[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    o[k] = '\0';
    *out_len = k;
    return o;
}

/*
 * Length of the valid UTF-8 sequence at s[0..n), or, when it is invalid, the
 * negated length of its maximal valid prefix (at least 1): the unit that
 * Python's decoder replaces with one U+FFFD.
 */
static int s_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    int need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return -1;
    for (int i = 1; i <= need; i++) {
        if ((size_t)i >= n || s[i] < lo || s[i] > hi)
            return -i;
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

int64_t ml_utf8_invalid_at(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        int k = s_utf8_seq(u + i, n - i);
        if (k < 0)
            return (int64_t)i;
        i += (size_t)k;
    }
    return -1;
}

char *ml_utf8_fix(const char *s, size_t n, int replace, size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)s;
    char *o = dsk_xmalloc(3 * n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        int m = s_utf8_seq(u + i, n - i);
        if (m > 0) {
            memcpy(o + k, s + i, (size_t)m);
            k += (size_t)m;
            i += (size_t)m;
        } else {
            if (replace) {
                memcpy(o + k, "\xEF\xBF\xBD", 3);
                k += 3;
            }
            i += (size_t)-m;
        }
    }
    o[k] = '\0';
    *out_len = k;
    return o;
}

int ml_parse_double(const char *s, size_t n, double *out)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n == 0 || n > 400)
        return -1;
    char tmp[401];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    /* strtod reads hex floats, Python's float() does not */
    for (size_t i = 0; i < n; i++)
        if (tmp[i] == 'x' || tmp[i] == 'X')
            return -1;
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + n)
        return -1;
    *out = v;
    return 0;
}

/* ---- labels -------------------------------------------------------------- */

typedef struct {
    const char *text; /* for string labels */
    double num;       /* for numeric labels */
    int64_t first;    /* index of the first occurrence: ties keep input order */
} s_label_t;

static int s_cmp_text(const void *a, const void *b)
{
    const s_label_t *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->first > y->first) - (x->first < y->first);
}

static int s_cmp_num(const void *a, const void *b)
{
    const s_label_t *x = a, *y = b;
    if (x->num < y->num)
        return -1;
    if (x->num > y->num)
        return 1;
    return (x->first > y->first) - (x->first < y->first);
}

/*
 * Sorts (value, position) pairs, gives each run of equal values one class
 * and writes y; the run's first element (smallest position) names it.
 */
static void s_encode(ml_dataset_t *ds, s_label_t *l, int64_t n, int numeric,
                     const char *const *texts)
{
    qsort(l, (size_t)n, sizeof *l, numeric ? s_cmp_num : s_cmp_text);
    ds->y = dsk_xcalloc((size_t)n, sizeof *ds->y);
    ds->target_names = dsk_xcalloc((size_t)n, sizeof *ds->target_names);
    int32_t k = -1;
    for (int64_t i = 0; i < n; i++) {
        int same = i > 0 && (numeric ? l[i].num == l[i - 1].num
                                     : strcmp(l[i].text, l[i - 1].text) == 0);
        if (!same) {
            k++;
            if (texts)
                ds->target_names[k] = dsk_xstrdup(texts[l[i].first]);
            else {
                char buf[64];
                if (l[i].num == floor(l[i].num) && fabs(l[i].num) < 1e15)
                    snprintf(buf, sizeof buf, "%lld", (long long)l[i].num);
                else
                    snprintf(buf, sizeof buf, "%.17g", l[i].num);
                ds->target_names[k] = dsk_xstrdup(buf);
            }
        }
        ds->y[l[i].first] = k;
    }
    ds->n_classes = k + 1;
    ds->labels_kind = numeric ? ML_LABELS_NUMBERS : ML_LABELS_TEXTS;
    ds->target_names = dsk_xrealloc(ds->target_names, (size_t)(k + 1) * sizeof *ds->target_names, 1);
}

int ml_labels_encode(ml_dataset_t *ds, const char *const *labels, int64_t n,
                     const char *what, char *err)
{
    s_label_t *l = dsk_xcalloc((size_t)n, sizeof *l);
    int numeric = 1;
    for (int64_t i = 0; i < n; i++) {
        l[i].text = labels[i];
        l[i].first = i;
        if (numeric && (ml_parse_double(labels[i], strlen(labels[i]), &l[i].num) != 0 ||
                        isnan(l[i].num)))
            numeric = 0;
    }
    if (n > INT32_MAX) {
        free(l);
        return dsk_seterr(err, DSK_ETOOBIG, "%s: too many labels", what);
    }
    s_encode(ds, l, n, numeric, labels);
    free(l);
    return DSK_OK;
}

int ml_labels_encode_numeric(ml_dataset_t *ds, const double *labels, int64_t n)
{
    s_label_t *l = dsk_xcalloc((size_t)n, sizeof *l);
    for (int64_t i = 0; i < n; i++) {
        l[i].num = labels[i];
        l[i].first = i;
    }
    s_encode(ds, l, n, 1, NULL);
    free(l);
    return DSK_OK;
}
