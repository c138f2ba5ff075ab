/* dsk_suggest.c — edit distance and the closest known name. */
#include "dsk_suggest.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

static int s_same(char x, char y, int fold_case)
{
    if (fold_case)
        return tolower((unsigned char)x) == tolower((unsigned char)y);
    return x == y;
}

/* Two rows of the classic dynamic programme; names are short. */
size_t dsk_edit_distance(const char *a, size_t alen, const char *b, int fold_case)
{
    size_t blen = strlen(b);
    size_t row[DSK_SUGGEST_MAX_LEN + 1], prev[DSK_SUGGEST_MAX_LEN + 1];
    if (alen > DSK_SUGGEST_MAX_LEN || blen > DSK_SUGGEST_MAX_LEN)
        return SIZE_MAX;
    for (size_t j = 0; j <= blen; j++)
        prev[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        row[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t sub = prev[j - 1] + !s_same(a[i - 1], b[j - 1], fold_case);
            size_t del = prev[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, row, (blen + 1) * sizeof row[0]);
    }
    return prev[blen];
}

const char *dsk_suggest(const char *name, const char *const *candidates, size_t max_dist,
                        int fold_case)
{
    const char *best = NULL;
    size_t best_d = max_dist + 1, len = strlen(name);
    for (size_t i = 0; candidates && candidates[i]; i++) {
        size_t d = dsk_edit_distance(name, len, candidates[i], fold_case);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}
