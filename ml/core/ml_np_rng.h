/*
 * ml_np_rng.h — NumPy's legacy RandomState, bit for bit.
 *
 * scikit-learn's results depend on its random streams: fetch_20newsgroups
 * shuffles with RandomState(42) (and load_files with RandomState(0)), SGD
 * draws its seed with randint, ParameterSampler samples from it. dsk gives
 * the same answers only if it draws the same numbers, so this is MT19937
 * seeded as RandomState(int) seeds it, with the legacy bounded-integer
 * (masked rejection), shuffle and uniform-double algorithms.
 */
#ifndef ML_NP_RNG_H
#define ML_NP_RNG_H

#include <stdint.h>

#define ML_NP_RNG_N 624

typedef struct {
    uint32_t key[ML_NP_RNG_N];
    int pos;
} ml_np_rng_t;

/* RandomState(seed) for an integer seed in [0, 2^32). */
void ml_np_rng_seed(ml_np_rng_t *r, uint32_t seed);
uint32_t ml_np_rng_next32(ml_np_rng_t *r);
/* Two 32-bit draws, high word first (NumPy's next_uint64 for MT19937). */
uint64_t ml_np_rng_next64(ml_np_rng_t *r);
/* random_sample(): a double in [0, 1) from 53 random bits. */
double ml_np_rng_double(ml_np_rng_t *r);
/* random_interval(max): uniform in [0, max] by masked rejection (legacy). */
uint64_t ml_np_rng_interval(ml_np_rng_t *r, uint64_t max);
/* randint(low, high): uniform in [low, high) as RandomState draws it. */
int64_t ml_np_rng_randint(ml_np_rng_t *r, int64_t low, int64_t high);
/* shuffle(a) for a 1-D array of n int64 (Fisher-Yates from the end). */
void ml_np_rng_shuffle(ml_np_rng_t *r, int64_t *a, int64_t n);
/* permutation(n) into out[0..n). */
void ml_np_rng_permutation(ml_np_rng_t *r, int64_t *out, int64_t n);

#endif
