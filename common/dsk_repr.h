/*
 * dsk_repr.h — numbers and JSON as people read them, the way Python
 * writes them: a float as the shortest text that reads back to the same
 * double (Python's repr: 1e-06, 0.1, 1.0, 1e+16, 2.5e-07), and JSON whose
 * floats are written that way (json.dumps' text, not jansson's 17
 * digits: 1e-06, not 9.9999999999999995e-07). Every table, CSV and JSON
 * dsk writes for a person goes through here; messages between dsk's
 * programs do not need to.
 */
#ifndef DSK_REPR_H
#define DSK_REPR_H

#include <jansson.h>
#include <stdio.h>

/* Longest text dsk_repr_double writes, its NUL included. */
#define DSK_REPR_LEN 32

/* Python's repr(v) into buf (DSK_REPR_LEN bytes): "nan", "inf" and "-inf" for those. */
const char *dsk_repr_double(double v, char *buf);

/* How dsk_repr_json lays the text out. */
typedef enum {
    DSK_REPR_COMPACT,       /* {"a":1,"b":[1,2]}: a table's cell, a CSV field */
    DSK_REPR_LINE,          /* {"a": 1, "b": [1, 2]}: json.dumps' default */
    DSK_REPR_INDENT,        /* two spaces a level: json.dumps(indent=2) */
} dsk_repr_layout_t;

/* The JSON text of v (any value, not only a document), UTF-8 as is; caller frees. */
char *dsk_repr_json(const json_t *v, dsk_repr_layout_t layout);
/* The same, written to f; returns -1 when f reports an error. */
int dsk_repr_json_write(const json_t *v, dsk_repr_layout_t layout, FILE *f);

#endif
