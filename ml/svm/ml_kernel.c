/* ml_kernel.c — libsvm's kernels over blocks of rows, through OpenBLAS. */
#include "ml_kernel.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/*
 * Batch prediction spends most of its time outside dgemm in the rbf
 * transform and exp(). glibc's libmvec (linked through -lm on x86-64) has
 * 4-wide AVX2 and 8-wide AVX-512 exp, accurate to a few ulp: used for
 * prediction blocks when the CPU has them. Training keeps the scalar
 * exp(), whose values libsvm's float-rounded kernel cache holds.
 */
#if defined(__x86_64__) && defined(__GLIBC__)
#define S_HAVE_MVEC 1
#pragma GCC push_options
#pragma GCC target("avx2,avx512f")
#include <immintrin.h>
/* declared with their targets, so that a compiler that checks vector ABIs (clang) takes them */
__attribute__((target("avx2"))) __m256d _ZGVdN4v_exp(__m256d x);
__attribute__((target("avx512f"))) __m512d _ZGVeN8v_exp(__m512d x);

/* o[j] = exp(g * max(ai + bsq[j] - 2 o[j], 0)), 4 at a time. */
__attribute__((target("avx2"))) static int64_t s_rbf_avx2(double *o, int64_t n, double ai,
                                                         const double *bsq, double g)
{
    __m256d va = _mm256_set1_pd(ai), vg = _mm256_set1_pd(g), two = _mm256_set1_pd(2.0);
    __m256d zero = _mm256_setzero_pd();
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        __m256d d2 = _mm256_sub_pd(_mm256_add_pd(va, _mm256_loadu_pd(bsq + j)),
                                   _mm256_mul_pd(two, _mm256_loadu_pd(o + j)));
        d2 = _mm256_max_pd(d2, zero);
        _mm256_storeu_pd(o + j, _ZGVdN4v_exp(_mm256_mul_pd(vg, d2)));
    }
    return j;
}

/* The same, 8 at a time. */
__attribute__((target("avx512f"))) static int64_t s_rbf_avx512(double *o, int64_t n,
                                                              double ai, const double *bsq,
                                                              double g)
{
    __m512d va = _mm512_set1_pd(ai), vg = _mm512_set1_pd(g), two = _mm512_set1_pd(2.0);
    __m512d zero = _mm512_setzero_pd();
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m512d d2 = _mm512_sub_pd(_mm512_add_pd(va, _mm512_loadu_pd(bsq + j)),
                                   _mm512_mul_pd(two, _mm512_loadu_pd(o + j)));
        d2 = _mm512_max_pd(d2, zero);
        _mm512_storeu_pd(o + j, _ZGVeN8v_exp(_mm512_mul_pd(vg, d2)));
    }
    return j;
}
#pragma GCC pop_options
#endif

/* One row of rbf values from dot products, vectorized where the CPU allows. */
static void s_rbf_row(double *o, int64_t n, double ai, const double *bsq, double g)
{
    int64_t j = 0;
#ifdef S_HAVE_MVEC
    if (__builtin_cpu_supports("avx512f"))
        j = s_rbf_avx512(o, n, ai, bsq, g);
    else if (__builtin_cpu_supports("avx2"))
        j = s_rbf_avx2(o, n, ai, bsq, g);
#endif
    for (; j < n; j++) {
        double d2 = ai + bsq[j] - 2 * o[j];
        o[j] = exp(g * (d2 > 0 ? d2 : 0.0));
    }
}

/*
 * libsvm's powi: base^times by repeated squaring. scikit-learn's libsvm
 * uses it for the poly kernel both in training and prediction, and pow()
 * would round differently.
 */
static double s_powi(double base, int times)
{
    double tmp = base, ret = 1.0;
    for (int t = times; t > 0; t /= 2) {
        if (t % 2 == 1)
            ret *= tmp;
        tmp = tmp * tmp;
    }
    return ret;
}

double ml_kernel_from_dot(const ml_kernel_t *k, double dot, double xsq, double ysq)
{
    switch (k->type) {
    case ML_KERNEL_LINEAR:
        return dot;
    case ML_KERNEL_POLY:
        return s_powi(k->gamma * dot + k->coef0, k->degree);
    case ML_KERNEL_RBF: {
        /* Cancellation can make a tiny distance negative; the true one is >= 0. */
        double d2 = xsq + ysq - 2 * dot;
        return exp(-k->gamma * (d2 > 0 ? d2 : 0.0));
    }
    case ML_KERNEL_SIGMOID:
        return tanh(k->gamma * dot + k->coef0);
    }
    return 0.0;
}

void ml_kernel_sqnorms(const double *X, int64_t n, int64_t d, double *out)
{
    for (int64_t i = 0; i < n; i++) {
        const double *x = X + i * d;
        double s = 0;
        for (int64_t c = 0; c < d; c++)
            s += x[c] * x[c];
        out[i] = s;
    }
}

void ml_kernel_sqnorms_csr(const ml_csr_t *X, double *out)
{
    for (int64_t i = 0; i < X->nrows; i++) {
        double s = 0;
        for (int64_t p = X->indptr[i]; p < X->indptr[i + 1]; p++)
            s += X->data[p] * X->data[p];
        out[i] = s;
    }
}

/*
 * Turns a buffer of dot products into kernel values in place: row i of the
 * na x nb block pairs with Asq[i], column j with Bsq[j]. Kept as one tight
 * loop per kernel type so the compiler does not branch per element.
 */
static void s_apply(const ml_kernel_t *k, const double *Asq, int64_t na, const double *Bsq,
                    int64_t nb, double *out)
{
    if (k->type == ML_KERNEL_LINEAR)
        return;
    for (int64_t i = 0; i < na; i++) {
        double *o = out + i * nb;
        if (k->type == ML_KERNEL_RBF) {
            s_rbf_row(o, nb, Asq[i], Bsq, -k->gamma);
        } else {
            for (int64_t j = 0; j < nb; j++)
                o[j] = ml_kernel_from_dot(k, o[j], 0, 0);
        }
    }
}

void ml_kernel_column(const ml_kernel_t *k, const double *X, const double *Xsq, int64_t n,
                      int64_t d, const double *x, double xsq, double *out)
{
    if (n <= 0)
        return;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0, X, (int)d, x, 1, 0.0, out,
                1);
    if (k->type == ML_KERNEL_RBF) {
        double g = -k->gamma;
        for (int64_t j = 0; j < n; j++) {
            double d2 = xsq + Xsq[j] - 2 * out[j];
            out[j] = exp(g * (d2 > 0 ? d2 : 0.0));
        }
    } else {
        s_apply(k, NULL, 1, NULL, n, out);
    }
}

void ml_kernel_block(const ml_kernel_t *k, const double *A, const double *Asq, int64_t na,
                     const double *B, const double *Bsq, int64_t nb, int64_t d, double *out)
{
    if (na <= 0 || nb <= 0)
        return;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)nb, (int)d, 1.0, A,
                (int)d, B, (int)d, 0.0, out, (int)nb);
    s_apply(k, Asq, na, Bsq, nb, out);
}

void ml_kernel_block_csr(const ml_kernel_t *k, const ml_csr_t *X, int64_t r0, int64_t na,
                         const double *Asq, const double *Bt, const double *Bsq, int64_t nb,
                         double *out)
{
    if (na <= 0 || nb <= 0)
        return;
    memset(out, 0, (size_t)(na * nb) * sizeof *out);
    for (int64_t i = 0; i < na; i++) {
        double *o = out + i * nb;
        for (int64_t p = X->indptr[r0 + i]; p < X->indptr[r0 + i + 1]; p++)
            cblas_daxpy((int)nb, X->data[p], Bt + (int64_t)X->indices[p] * nb, 1, o, 1);
    }
    s_apply(k, Asq, na, Bsq, nb, out);
}
