/*
 * dsk_suggest.h — "did you mean ...?" for every error about a mistyped
 * name: config options, flags, estimators, parameters, job-file keys.
 */
#ifndef DSK_SUGGEST_H
#define DSK_SUGGEST_H

#include <stddef.h>

/* Names longer than this are far from everything: a hint would be noise. */
#define DSK_SUGGEST_MAX_LEN 64

/*
 * Levenshtein distance between a[0..alen) and the string b; SIZE_MAX when
 * either is longer than DSK_SUGGEST_MAX_LEN. fold_case compares ASCII
 * letters case-insensitively.
 */
size_t dsk_edit_distance(const char *a, size_t alen, const char *b, int fold_case);

/*
 * The candidate (a NULL-terminated list) closest to name, if at most
 * max_dist edits away; NULL otherwise. Ties go to the earlier candidate.
 */
const char *dsk_suggest(const char *name, const char *const *candidates, size_t max_dist,
                        int fold_case);

#endif
