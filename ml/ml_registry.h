/*
 * ml_registry.h — estimator classes by scikit-learn class name, so that job
 * files and model files name a class and the code finds its ops table
 * without switching on names anywhere else.
 *
 * Ownership: ops tables are static; ml_registry_create's impl belongs to
 * the caller (destroy with ops->destroy).
 */
#ifndef ML_REGISTRY_H
#define ML_REGISTRY_H

#include "dsk_error.h"
#include "ml_estimator.h"

/* The ops table of class name, or NULL. */
const ml_estimator_ops_t *ml_registry_find(const char *name);
/* NULL-terminated list of the registered class names. */
const char *const *ml_registry_names(void);
/* Like find, with an error: "unknown estimator 'SVM' (did you mean 'SVC'?)". */
int ml_registry_lookup(const char *name, const ml_estimator_ops_t **out, char *err);
/* A fresh estimator with scikit-learn's defaults. */
int ml_registry_create(const char *name, ml_estimator_t *out, char *err);

#endif
