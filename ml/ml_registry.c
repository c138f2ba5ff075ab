/* ml_registry.c — the table of estimator classes a job or model file may name. */
#include "ml_registry.h"

#include <stdio.h>
#include <string.h>

#include "dsk_suggest.h"
#include "ml_count_vectorizer.h"
#include "ml_hashing_vectorizer.h"
#include "ml_sgd.h"
#include "ml_svc.h"
#include "ml_tfidf.h"

/* Every class dsk implements (add each new ops table here). */
static const ml_estimator_ops_t *const s_table[] = {
    &ml_count_vectorizer_ops,
    &ml_hashing_vectorizer_ops,
    &ml_tfidf_transformer_ops,
    &ml_tfidf_vectorizer_ops,
    &ml_sgd_classifier_ops,
    &ml_svc_ops,
};
#define S_N (sizeof s_table / sizeof s_table[0])

static const char *s_names[S_N + 1];

const ml_estimator_ops_t *ml_registry_find(const char *name)
{
    for (size_t i = 0; i < S_N; i++)
        if (strcmp(s_table[i]->name, name) == 0)
            return s_table[i];
    return NULL;
}

const char *const *ml_registry_names(void)
{
    /* filled on each call from the static table: idempotent, so thread-safe enough
       for identical writes, and no initialisation order to get wrong */
    for (size_t i = 0; i < S_N; i++)
        s_names[i] = s_table[i]->name;
    s_names[S_N] = NULL;
    return s_names;
}

int ml_registry_lookup(const char *name, const ml_estimator_ops_t **out, char *err)
{
    *out = ml_registry_find(name);
    if (*out)
        return DSK_OK;
    const char *best = dsk_suggest(name, ml_registry_names(), 2, 1);
    if (best)
        return dsk_seterr(err, DSK_ENOTFOUND, "unknown estimator '%s' (did you mean '%s'?)",
                          name, best);
    char list[400];
    size_t o = 0;
    list[0] = '\0';
    for (size_t i = 0; i < S_N && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                              s_table[i]->name);
    return dsk_seterr(err, DSK_ENOTFOUND, "unknown estimator '%s' (known: %s)", name, list);
}

int ml_registry_create(const char *name, ml_estimator_t *out, char *err)
{
    const ml_estimator_ops_t *ops;
    int rc = ml_registry_lookup(name, &ops, err);
    if (rc)
        return rc;
    out->ops = ops;
    out->impl = ops->create();
    if (!out->impl)
        return dsk_seterr(err, DSK_ENOMEM, "%s: cannot create an instance", name);
    return DSK_OK;
}
