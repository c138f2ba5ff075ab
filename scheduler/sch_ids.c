/* sch_ids.c — a set of worker ids in an array. */
#include "sch_ids.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"

int sch_ids_has(const sch_ids_t *s, uint64_t id)
{
    for (int i = 0; i < s->n; i++)
        if (s->ids[i] == id)
            return 1;
    return 0;
}

int sch_ids_add(sch_ids_t *s, uint64_t id)
{
    if (sch_ids_has(s, id))
        return 0;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        s->ids = dsk_xrealloc(s->ids, (size_t)s->cap, sizeof *s->ids);
    }
    s->ids[s->n++] = id;
    return 1;
}

int sch_ids_remove(sch_ids_t *s, uint64_t id)
{
    for (int i = 0; i < s->n; i++)
        if (s->ids[i] == id) {
            memmove(&s->ids[i], &s->ids[i + 1], (size_t)(s->n - i - 1) * sizeof *s->ids);
            s->n--;
            return 1;
        }
    return 0;
}

void sch_ids_clear(sch_ids_t *s)
{
    free(s->ids);
    *s = (sch_ids_t){0};
}
