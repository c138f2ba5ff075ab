/*
 * ml_sgd.h — SGDClassifier: scikit-learn 1.2's linear classifiers trained
 * by plain stochastic gradient descent (hinge, log_loss, modified_huber,
 * squared_hinge, perceptron; l2, l1, elasticnet or no penalty), one-vs-all
 * for more than two classes.
 *
 * Reproduction: for an integer random_state, the per-class seeds are drawn
 * from NumPy's RandomState exactly as scikit-learn draws them and every
 * binary problem runs ml_sgd_plain (ml_sgd_solver.h), so coef_ and
 * intercept_ match scikit-learn's to rounding — always for two classes or
 * dense input, and for sparse multiclass input with
 * ml_sgd_set_exact_ova (below); the default there is statistical parity. random_state None draws a
 * seed from the operating system (scikit-learn uses NumPy's global state,
 * which dsk cannot share).
 *
 * Parameters and defaults are scikit-learn's. Accepted but without effect,
 * as in scikit-learn for these losses: epsilon. Accepted and ignored:
 * n_jobs (dsk parallelises across tasks; one fit runs on one thread).
 * Rejected as unsupported: the regression losses, learning_rate 'pa1' and
 * 'pa2', early_stopping=True, warm_start=True, class_weight as a dict.
 *
 * Ownership: the ops table's create() returns an impl the caller destroys
 * with destroy(); classes() points into the impl.
 */
#ifndef ML_SGD_H
#define ML_SGD_H

#include "ml_estimator.h"

extern const ml_estimator_ops_t ml_sgd_classifier_ops;

/*
 * Speed versus bit-parity for more than two classes. By default, sparse
 * input with more than two classes is fitted by the joint one-vs-all pass
 * (ml_sgd_joint.h): one shuffle per epoch, every class updated from the
 * same row, several times faster on the 20-newsgroups bigram TF-IDF, with
 * scikit-learn's accuracy within its seed-to-seed spread but different
 * coefficients. On: every class is its own binary problem with
 * scikit-learn's per-class seed, bit-identical to scikit-learn for an
 * integer random_state. Two classes, dense input, average > 0 and
 * learning_rate 'adaptive' always take the bit-identical path; every
 * penalty (l2, l1, elasticnet) goes through the joint pass by default
 * (ml_sgd_joint_supports). impl is an SGDClassifier impl from
 * ml_sgd_classifier_ops.create(); the setting is not a parameter (not
 * saved, not in get_param) and does not change a fitted model.
 */
void ml_sgd_set_exact_ova(void *impl, int on);

#endif
