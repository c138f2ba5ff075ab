/*
 * ml_sgd_joint_wide.c — the joint SGD pass once more, 8 classes per vector,
 * for x86-64 CPUs with AVX2: ml_sgd_joint.c compiled again with
 * ML_SGD_LANES 8 under an AVX2 target, so one binary runs everywhere and
 * ml_sgd_joint uses this build only where the CPU has it. Only the lane
 * count changes, so the model is the 4-lane build's, bit for bit (the
 * 20-class bigram elasticnet fit: 3 vector steps per feature instead of 5,
 * about 20% faster). Not for clang (its own target pragma) or other CPUs.
 */
#include "ml_sgd_joint.h"

#if ML_SGD_JOINT_WIDE
#pragma GCC target("avx2")
#define ML_SGD_LANES 8
#include "ml_sgd_joint.c"
#else
typedef int ml_sgd_joint_wide_unused; /* ISO C: a translation unit declares something */
#endif
