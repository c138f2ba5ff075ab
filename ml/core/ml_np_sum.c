/* ml_np_sum.c — NumPy's pairwise and buffered float64 sums (see ml_np_sum.h). */
#include "ml_np_sum.h"

#include <math.h>

#define S_NP_BUFSIZE ML_NP_BUFSIZE

double ml_np_pairwise_sum(const double *a, int64_t n)
{
    if (n < 8) {
        double res = 0.;
        for (int64_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        int64_t i;
        for (int j = 0; j < 8; j++)
            r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return ml_np_pairwise_sum(a, n2) + ml_np_pairwise_sum(a + n2, n - n2);
}

double ml_np_sum(const double *a, int64_t n)
{
    /* the reduction starts from add's identity, 0.0 (so -0.0 sums to +0.0) */
    return 0.0 + ml_np_pairwise_sum(a, n);
}

double ml_np_sum_buffered(const double *a, int64_t n)
{
    double acc = 0.0;
    for (int64_t s = 0; s < n; s += S_NP_BUFSIZE)
        acc += ml_np_pairwise_sum(a + s, n - s < S_NP_BUFSIZE ? n - s : S_NP_BUFSIZE);
    return acc;
}

/*
 * _methods._var: the mean by a buffered sum, then (a - mean)**2 into a
 * temporary summed the same way. The squares are made one buffer at a time
 * here, which gives the same runs without an n-sized temporary.
 */
double ml_np_var(const double *a, int64_t n)
{
    if (n <= 0)
        return NAN;
    double mean = ml_np_sum_buffered(a, n) / (double)n;
    double acc = 0.0, buf[S_NP_BUFSIZE];
    for (int64_t s = 0; s < n; s += S_NP_BUFSIZE) {
        int64_t m = n - s < S_NP_BUFSIZE ? n - s : S_NP_BUFSIZE;
        for (int64_t i = 0; i < m; i++) {
            double dv = a[s + i] - mean;
            buf[i] = dv * dv;
        }
        acc += ml_np_pairwise_sum(buf, m);
    }
    return acc / (double)n;
}
