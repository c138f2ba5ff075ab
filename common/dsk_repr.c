/* dsk_repr.c — Python's repr of a float, and JSON text written with it. */
#include "dsk_repr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * The shortest decimal digits that read back as v (|v| > 0, finite), and
 * the exponent of the first: v ~ 0.d1d2d3... * 10^(exp + 1). Tries 1 to
 * 17 significant digits; 17 always reads back.
 */
static int s_shortest(double v, char *digits, int *exp)
{
    char sci[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    /* sci is "[-]d.ddde[+-]xx" */
    const char *p = sci + (sci[0] == '-');
    int n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *exp = atoi(p + 1);
    return n;
}

const char *dsk_repr_double(double v, char *buf)
{
    if (isnan(v))
        return strcpy(buf, "nan");
    if (isinf(v))
        return strcpy(buf, v < 0 ? "-inf" : "inf");
    if (v == 0)
        return strcpy(buf, signbit(v) ? "-0.0" : "0.0");
    char d[20];
    int e, n = s_shortest(v, d, &e);
    char *o = buf;
    if (v < 0)
        *o++ = '-';
    if (e < -4 || e >= 16) { /* Python's repr switches to an exponent here */
        *o++ = d[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)n - 1);
            o += n - 1;
        }
        snprintf(o, 16, "e%c%02d", e < 0 ? '-' : '+', abs(e) % 1000);
        return buf;
    }
    if (e < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int z = 0; z < -e - 1; z++)
            *o++ = '0';
        memcpy(o, d, (size_t)n);
        o[n] = '\0';
        return buf;
    }
    for (int i = 0; i <= e; i++)
        *o++ = i < n ? d[i] : '0';
    *o++ = '.';
    if (n > e + 1) {
        memcpy(o, d + e + 1, (size_t)(n - e - 1));
        o += n - e - 1;
    } else {
        *o++ = '0';
    }
    *o = '\0';
    return buf;
}

/* A JSON string: jansson's escapes (quote, backslash, control characters), UTF-8 as is. */
static void s_string(const char *s, size_t len, FILE *f)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static void s_newline(dsk_repr_layout_t layout, int depth, FILE *f)
{
    if (layout != DSK_REPR_INDENT)
        return;
    fputc('\n', f);
    for (int i = 0; i < depth; i++)
        fputs("  ", f);
}

static void s_value(const json_t *v, dsk_repr_layout_t layout, int depth, FILE *f)
{
    const char *comma = layout == DSK_REPR_LINE ? ", " : ",";
    const char *colon = layout == DSK_REPR_COMPACT ? ":" : ": ";
    char num[DSK_REPR_LEN];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (json_object_size(v) == 0) {
            fputs("{}", f);
            break;
        }
        fputc('{', f);
        const char *key;
        json_t *item;
        int first = 1;
        json_object_foreach((json_t *)v, key, item) {
            if (!first)
                fputs(comma, f);
            first = 0;
            s_newline(layout, depth + 1, f);
            s_string(key, strlen(key), f);
            fputs(colon, f);
            s_value(item, layout, depth + 1, f);
        }
        s_newline(layout, depth, f);
        fputc('}', f);
        break;
    }
    case JSON_ARRAY: {
        if (json_array_size(v) == 0) {
            fputs("[]", f);
            break;
        }
        fputc('[', f);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                fputs(comma, f);
            s_newline(layout, depth + 1, f);
            s_value(json_array_get(v, i), layout, depth + 1, f);
        }
        s_newline(layout, depth, f);
        fputc(']', f);
        break;
    }
    case JSON_STRING:
        s_string(json_string_value(v), json_string_length(v), f);
        break;
    case JSON_INTEGER:
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        fputs(dsk_repr_double(json_real_value(v), num), f);
        break;
    case JSON_TRUE:
        fputs("true", f);
        break;
    case JSON_FALSE:
        fputs("false", f);
        break;
    case JSON_NULL:
        fputs("null", f);
        break;
    }
}

int dsk_repr_json_write(const json_t *v, dsk_repr_layout_t layout, FILE *f)
{
    s_value(v, layout, 0, f);
    return ferror(f) ? -1 : 0;
}

char *dsk_repr_json(const json_t *v, dsk_repr_layout_t layout)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort(); /* only for want of memory */
    s_value(v, layout, 0, f);
    fclose(f);
    return text;
}
