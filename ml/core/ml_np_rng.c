/* ml_np_rng.c — MT19937 and NumPy's legacy RandomState draws. */
#include "ml_np_rng.h"

#define S_M 397
#define S_MATRIX_A 0x9908b0dfU
#define S_UPPER 0x80000000U
#define S_LOWER 0x7fffffffU

void ml_np_rng_seed(ml_np_rng_t *r, uint32_t seed)
{
    r->key[0] = seed;
    for (int i = 1; i < ML_NP_RNG_N; i++)
        r->key[i] = 1812433253U * (r->key[i - 1] ^ (r->key[i - 1] >> 30)) + (uint32_t)i;
    r->pos = ML_NP_RNG_N;
}

static void s_twist(ml_np_rng_t *r)
{
    int i;
    uint32_t y;
    for (i = 0; i < ML_NP_RNG_N - S_M; i++) {
        y = (r->key[i] & S_UPPER) | (r->key[i + 1] & S_LOWER);
        r->key[i] = r->key[i + S_M] ^ (y >> 1) ^ (-(y & 1) & S_MATRIX_A);
    }
    for (; i < ML_NP_RNG_N - 1; i++) {
        y = (r->key[i] & S_UPPER) | (r->key[i + 1] & S_LOWER);
        r->key[i] = r->key[i + (S_M - ML_NP_RNG_N)] ^ (y >> 1) ^ (-(y & 1) & S_MATRIX_A);
    }
    y = (r->key[ML_NP_RNG_N - 1] & S_UPPER) | (r->key[0] & S_LOWER);
    r->key[ML_NP_RNG_N - 1] = r->key[S_M - 1] ^ (y >> 1) ^ (-(y & 1) & S_MATRIX_A);
    r->pos = 0;
}

uint32_t ml_np_rng_next32(ml_np_rng_t *r)
{
    if (r->pos == ML_NP_RNG_N)
        s_twist(r);
    uint32_t y = r->key[r->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
}

uint64_t ml_np_rng_next64(ml_np_rng_t *r)
{
    uint64_t hi = ml_np_rng_next32(r);
    return hi << 32 | ml_np_rng_next32(r);
}

double ml_np_rng_double(ml_np_rng_t *r)
{
    int32_t a = (int32_t)(ml_np_rng_next32(r) >> 5), b = (int32_t)(ml_np_rng_next32(r) >> 6);
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

static uint64_t s_mask(uint64_t max)
{
    uint64_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    return mask;
}

uint64_t ml_np_rng_interval(ml_np_rng_t *r, uint64_t max)
{
    if (max == 0)
        return 0;
    uint64_t mask = s_mask(max), v;
    if (max <= 0xffffffffULL) {
        while ((v = (ml_np_rng_next32(r) & mask)) > max)
            ;
    } else {
        while ((v = (ml_np_rng_next64(r) & mask)) > max)
            ;
    }
    return v;
}

/*
 * randint's legacy path (_rand_int64 with use_masked): rng = high - 1 - low;
 * a full 32-bit range takes one raw draw, a smaller one masked rejection on
 * 32-bit draws, a larger one on 64-bit draws.
 */
int64_t ml_np_rng_randint(ml_np_rng_t *r, int64_t low, int64_t high)
{
    uint64_t rng = (uint64_t)(high - 1) - (uint64_t)low;
    if (rng == 0)
        return low;
    if (rng == 0xffffffffULL)
        return low + (int64_t)ml_np_rng_next32(r);
    return low + (int64_t)ml_np_rng_interval(r, rng);
}

void ml_np_rng_shuffle(ml_np_rng_t *r, int64_t *a, int64_t n)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)ml_np_rng_interval(r, (uint64_t)i);
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void ml_np_rng_permutation(ml_np_rng_t *r, int64_t *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = i;
    ml_np_rng_shuffle(r, out, n);
}
