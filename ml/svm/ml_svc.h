/*
 * ml_svc.h — scikit-learn 1.2's SVC (C-support vector classification over
 * its bundled libsvm), as an ml_estimator_ops_t.
 *
 * Parameters, defaults and errors are scikit-learn's: C=1.0,
 * kernel='rbf' ('linear', 'poly', 'sigmoid'; 'precomputed' and callables
 * are not supported), degree=3, gamma='scale' ('auto' or a float >= 0),
 * coef0=0.0, shrinking=True, probability=False (True is not supported),
 * tol=1e-3, cache_size=200 (MB), class_weight=None ('balanced'; a dict is
 * not expressible), verbose=False, max_iter=-1,
 * decision_function_shape='ovr' ('ovo'), break_ties=False, random_state
 * (None or an int; only probability would use it).
 *
 * fit trains libsvm's one-vs-one models (ml_svc_solver.h) on dense or CSR
 * X; predict votes over the pairs (ties to the lowest class, as libsvm);
 * decision_function returns one column for two classes (positive means
 * classes_[1]), else scikit-learn's 'ovr' transform of votes and
 * confidences or the raw 'ovo' pair values. Prediction evaluates blocks of
 * rows against all support vectors with one dgemm per block.
 *
 * Model state (save/load): classes, the resolved gamma, n_support, support
 * indices, support vectors, dual coefficients and rho, doubles stored
 * bit-exactly, so a loaded model predicts bit-identically.
 *
 * Ownership: the impl owns all it learned; classes() points into it.
 */
#ifndef ML_SVC_H
#define ML_SVC_H

#include "ml_estimator.h"

extern const ml_estimator_ops_t ml_svc_ops;

#endif
