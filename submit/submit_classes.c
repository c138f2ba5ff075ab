/* submit_classes.c — a model's classes as predictions are written, and an input's matched to them. */
#include "submit_classes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_repr.h"
#include "ml_load_util.h"
#include "ml_model.h"

struct submit_classes {
    ml_labels_kind_t kind;
    int32_t n;
    char **names;             /* n: the labels' texts (numbers, texts) */
    double *values;           /* n: numbers' values */
    int whole;                /* every number is a whole number (written as int64) */
    uint32_t **text32;        /* n: texts as code points, for a .npy, */
    int *len32;               /* ... their lengths, */
    int width;                /* ... and the longest: every cell's characters */
    char descr[24];
};

/* UTF-8 as code points (an invalid byte stands for itself, as latin-1); their count. */
static int s_utf32(const char *s, uint32_t *out)
{
    const unsigned char *p = (const unsigned char *)s;
    int n = 0;
    while (*p) {
        uint32_t c = *p;
        int len = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (len > 1) {
            uint32_t v = c & (0x3f >> (len - 1));
            int ok = 1;
            for (int i = 1; i < len && ok; i++)
                ok = (p[i] & 0xc0) == 0x80;
            for (int i = 1; i < len && ok; i++)
                v = v << 6 | (p[i] & 0x3f);
            if (ok)
                c = v;
            else
                len = 1;
        }
        if (out)
            out[n] = c;
        n++;
        p += len;
    }
    return n;
}

submit_classes_t *submit_classes_of_model(const void *model, size_t len)
{
    submit_classes_t *c = dsk_xcalloc(1, sizeof *c);
    snprintf(c->descr, sizeof c->descr, "<i8");
    if (!ml_model_labels(model, len, &c->kind, &c->names, &c->n))
        return c;
    c->values = dsk_xcalloc((size_t)c->n, sizeof *c->values);
    c->whole = 1;
    for (int32_t i = 0; i < c->n; i++) {
        if (c->kind == ML_LABELS_NUMBERS &&
            ml_parse_double(c->names[i], strlen(c->names[i]), &c->values[i]) != 0)
            c->kind = ML_LABELS_TEXTS; /* not numbers after all: written as the texts */
        c->whole &= c->values[i] == floor(c->values[i]) && fabs(c->values[i]) < 9e15;
    }
    if (c->kind == ML_LABELS_NUMBERS && !c->whole)
        snprintf(c->descr, sizeof c->descr, "<f8");
    if (c->kind == ML_LABELS_TEXTS) {
        c->text32 = dsk_xcalloc((size_t)c->n, sizeof *c->text32);
        c->len32 = dsk_xcalloc((size_t)c->n, sizeof *c->len32);
        c->width = 1;
        for (int32_t i = 0; i < c->n; i++) {
            int w = c->len32[i] = s_utf32(c->names[i], NULL);
            c->text32[i] = dsk_xcalloc((size_t)w + 1, sizeof **c->text32);
            s_utf32(c->names[i], c->text32[i]);
            c->width = w > c->width ? w : c->width;
        }
        snprintf(c->descr, sizeof c->descr, "<U%d", c->width);
    }
    return c;
}

void submit_classes_destroy(submit_classes_t **c_p)
{
    submit_classes_t *c = *c_p;
    if (!c)
        return;
    for (int32_t i = 0; i < c->n; i++) {
        free(c->names[i]);
        if (c->text32)
            free(c->text32[i]);
    }
    free(c->names);
    free(c->values);
    free(c->text32);
    free(c->len32);
    free(c);
    *c_p = NULL;
}

/* Whether code names one of the recorded labels (else it is written as the code). */
static int s_named(const submit_classes_t *c, int32_t code)
{
    return c->names && code >= 0 && code < c->n;
}

const char *submit_classes_npy_descr(const submit_classes_t *c)
{
    return c->descr;
}

void submit_classes_npy_write(const submit_classes_t *c, int32_t code, FILE *f)
{
    if (c->kind == ML_LABELS_TEXTS) {
        uint32_t cell[c->width];
        memset(cell, 0, sizeof cell);
        if (s_named(c, code))
            memcpy(cell, c->text32[code], (size_t)c->len32[code] * sizeof *cell);
        for (int i = 0; i < c->width; i++) { /* little-endian UTF-32, as '<U' says */
            unsigned char b[4] = {cell[i] & 0xff, cell[i] >> 8 & 0xff, cell[i] >> 16 & 0xff,
                                  cell[i] >> 24};
            fwrite(b, 1, 4, f);
        }
    } else if (c->names && !c->whole) {
        double v = s_named(c, code) ? c->values[code] : (double)code;
        fwrite(&v, sizeof v, 1, f);
    } else {
        int64_t v = s_named(c, code) ? (int64_t)c->values[code] : code;
        fwrite(&v, sizeof v, 1, f);
    }
}

const char *submit_classes_name(const submit_classes_t *c, int32_t code, char *buf, size_t len)
{
    if (!s_named(c, code)) {
        snprintf(buf, len, "%d", code);
        return buf;
    }
    if (c->kind == ML_LABELS_NUMBERS && c->whole)
        snprintf(buf, len, "%lld", (long long)c->values[code]);
    else if (c->kind == ML_LABELS_NUMBERS)
        snprintf(buf, len, "%s", dsk_repr_double(c->values[code], (char[DSK_REPR_LEN]){0}));
    else
        return c->names[code];
    return buf;
}

void submit_classes_csv_write(const submit_classes_t *c, int32_t code, FILE *f)
{
    char buf[DSK_REPR_LEN + 32];
    const char *t = submit_classes_name(c, code, buf, sizeof buf);
    if (!strpbrk(t, ",\"\r\n")) {
        fprintf(f, "%s\n", t);
        return;
    }
    fputc('"', f);
    for (const char *p = t; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputs("\"\n", f);
}

void submit_classes_json_write(const submit_classes_t *c, int32_t code, FILE *f)
{
    char buf[DSK_REPR_LEN + 32];
    const char *t = submit_classes_name(c, code, buf, sizeof buf);
    if (c->kind != ML_LABELS_TEXTS || !s_named(c, code)) {
        fprintf(f, "%s\n", t);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputs("\"\n", f);
}

/* A class's value when it is a number (a code is one), for matching; 0 when it is not. */
static int s_value(ml_labels_kind_t kind, const char *name, int32_t code, double *v)
{
    if (kind == ML_LABELS_CODES) {
        *v = code;
        return 1;
    }
    return kind == ML_LABELS_NUMBERS && ml_parse_double(name, strlen(name), v) == 0;
}

int32_t *submit_classes_map(const submit_classes_t *c, char *const *names, int32_t n,
                            ml_labels_kind_t kind, int32_t *n_to, char ***names_to)
{
    int32_t k = c->names ? c->n : 0, extra = 0;
    int32_t *map = dsk_xcalloc((size_t)n + 1, sizeof *map);
    for (int32_t i = 0; i < n; i++) {
        double v, w;
        int numeric = s_value(kind, names ? names[i] : NULL, i, &v);
        map[i] = -1;
        if (!c->names && numeric && v == floor(v) && v >= 0 && v < INT32_MAX) {
            map[i] = (int32_t)v; /* the model's classes are codes: the value is one */
            continue;
        }
        for (int32_t j = 0; j < k && map[i] < 0; j++) {
            int same = c->kind == ML_LABELS_NUMBERS && numeric
                           ? s_value(ML_LABELS_NUMBERS, c->names[j], j, &w) && w == v
                           : names && strcmp(names[i], c->names[j]) == 0;
            if (same)
                map[i] = j;
        }
    }
    /* labels the model does not know: codes past every one it predicts */
    int32_t top = k;
    for (int32_t i = 0; i < n; i++)
        if (map[i] >= top)
            top = map[i] + 1;
    for (int32_t i = 0; i < n; i++)
        if (map[i] < 0)
            map[i] = top + extra++;
    *n_to = top + extra;
    *names_to = dsk_xcalloc((size_t)*n_to, sizeof **names_to);
    for (int32_t j = 0; j < *n_to; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%d", j);
        (*names_to)[j] = dsk_xstrdup(j < k ? c->names[j] : buf);
    }
    for (int32_t i = 0; i < n; i++)
        if (map[i] >= k && names) {
            free((*names_to)[map[i]]);
            (*names_to)[map[i]] = dsk_xstrdup(names[i]);
        }
    return map;
}
