/* ml_svc_proba.c — libsvm's probability estimates: Platt sigmoids by 5-fold CV, pair coupling. */
#include "ml_svc_proba.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_error.h"

#define S_FOLDS 5

void ml_svc_proba_rng_init(ml_svc_proba_rng_t *r, uint32_t seed)
{
    r->seed = seed;
    ml_np_rng_seed(&r->rng, seed);
}

/* scikit-learn's bounded_rand_int: a draw in [0, range), Lemire's method, tweaked. */
static uint32_t s_bounded(ml_np_rng_t *rng, uint32_t range)
{
    uint32_t x = ml_np_rng_next32(rng);
    uint64_t m = (uint64_t)x * range;
    uint32_t l = (uint32_t)m;
    if (l < range) {
        uint32_t t = -range;
        if (t >= range) {
            t -= range;
            if (t >= range)
                t %= range;
        }
        while (l < t) {
            x = ml_np_rng_next32(rng);
            m = (uint64_t)x * range;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* libsvm's Kernel::k_function between rows a and b of X (its own rounding: RBF by differences). */
static double s_k(const ml_kernel_t *k, const ml_data_t *X, int64_t a, int64_t b)
{
    double dot = 0, dist = 0;
    if (X->kind == ML_DATA_DENSE) {
        const double *x = X->dense->data + a * X->dense->ncols;
        const double *y = X->dense->data + b * X->dense->ncols;
        for (int64_t i = 0; i < X->dense->ncols; i++) {
            if (k->type == ML_KERNEL_RBF) {
                double d = x[i] - y[i];
                dist += d * d;
            } else {
                dot += x[i] * y[i];
            }
        }
    } else {
        const ml_csr_t *c = X->csr;
        int64_t p = c->indptr[a], pe = c->indptr[a + 1], q = c->indptr[b], qe = c->indptr[b + 1];
        while (p < pe && q < qe) {
            if (c->indices[p] == c->indices[q]) {
                double d = c->data[p] - c->data[q];
                dist += d * d;
                dot += c->data[p] * c->data[q];
                p++, q++;
            } else if (c->indices[p] > c->indices[q]) {
                dist += c->data[q] * c->data[q];
                q++;
            } else {
                dist += c->data[p] * c->data[p];
                p++;
            }
        }
        for (; p < pe; p++)
            dist += c->data[p] * c->data[p];
        for (; q < qe; q++)
            dist += c->data[q] * c->data[q];
    }
    switch (k->type) {
    case ML_KERNEL_LINEAR:
        return dot;
    case ML_KERNEL_POLY: {
        double base = k->gamma * dot + k->coef0, r = 1.0; /* libsvm's powi */
        for (int t = k->degree; t > 0; t /= 2) {
            if (t % 2 == 1)
                r *= base;
            base *= base;
        }
        return r;
    }
    case ML_KERNEL_RBF:
        return exp(-k->gamma * dist);
    default:
        return tanh(k->gamma * dot + k->coef0);
    }
}

/* Platt's sigmoid by Lin, Lin and Weng's Newton method with backtracking (libsvm's). */
static void s_sigmoid_train(int64_t l, const double *dec, const int8_t *y, double *A_out,
                            double *B_out)
{
    double prior1 = 0, prior0 = 0;
    for (int64_t i = 0; i < l; i++)
        if (y[i] > 0)
            prior1 += 1;
        else
            prior0 += 1;
    const int max_iter = 100;
    const double min_step = 1e-10, sigma = 1e-12, eps = 1e-5;
    double hi = (prior1 + 1.0) / (prior1 + 2.0), lo = 1 / (prior0 + 2.0);
    double *t = dsk_xmalloc((size_t)(l ? l : 1) * sizeof *t);
    double A = 0.0, B = log((prior0 + 1.0) / (prior1 + 1.0)), fval = 0.0;
    for (int64_t i = 0; i < l; i++) {
        t[i] = y[i] > 0 ? hi : lo;
        double f = dec[i] * A + B;
        fval += f >= 0 ? t[i] * f + log(1 + exp(-f)) : (t[i] - 1) * f + log(1 + exp(f));
    }
    for (int iter = 0; iter < max_iter; iter++) {
        double h11 = sigma, h22 = sigma, h21 = 0.0, g1 = 0.0, g2 = 0.0;
        for (int64_t i = 0; i < l; i++) {
            double f = dec[i] * A + B, p, q;
            if (f >= 0) {
                p = exp(-f) / (1.0 + exp(-f));
                q = 1.0 / (1.0 + exp(-f));
            } else {
                p = 1.0 / (1.0 + exp(f));
                q = exp(f) / (1.0 + exp(f));
            }
            double d2 = p * q, d1 = t[i] - p;
            h11 += dec[i] * dec[i] * d2;
            h22 += d2;
            h21 += dec[i] * d2;
            g1 += dec[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < eps && fabs(g2) < eps)
            break;
        double det = h11 * h22 - h21 * h21;
        double dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det;
        double gd = g1 * dA + g2 * dB, step = 1;
        while (step >= min_step) {
            double nA = A + step * dA, nB = B + step * dB, nf = 0.0;
            for (int64_t i = 0; i < l; i++) {
                double f = dec[i] * nA + nB;
                nf += f >= 0 ? t[i] * f + log(1 + exp(-f)) : (t[i] - 1) * f + log(1 + exp(f));
            }
            if (nf < fval + 0.0001 * step * gd) {
                A = nA;
                B = nB;
                fval = nf;
                break;
            }
            step = step / 2.0;
        }
        if (step < min_step)
            break; /* the line search failed: libsvm keeps what it has */
    }
    free(t);
    *A_out = A;
    *B_out = B;
}

/*
 * One fold's model and its decision values on the held-out rows. libsvm
 * trains it through svm_train, whose sorted labels put the pair's -1 rows
 * first (as the positive class, bound Cn) and the +1 rows after (bound
 * Cp), then flips the decision's sign (label[0] is -1).
 */
static int s_fold(const ml_svc_solver_param_t *p, const ml_data_t *X, const int64_t *rows,
                  const int8_t *yb, const int64_t *train, int64_t nt, const int64_t *test,
                  int64_t ne, double Cp, double Cn, double *dec, char *err)
{
    int64_t *r = dsk_xmalloc((size_t)nt * sizeof *r);
    int8_t *y = dsk_xmalloc((size_t)nt);
    double *C = dsk_xmalloc((size_t)nt * sizeof *C), *alpha = dsk_xmalloc((size_t)nt * sizeof *alpha);
    int64_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int64_t i = 0; i < nt; i++)
            if ((yb[train[i]] < 0) == (pass == 0)) {
                r[k] = rows[train[i]];
                y[k] = pass == 0 ? 1 : -1;
                C[k] = pass == 0 ? Cn : Cp;
                k++;
            }
    double rho;
    int64_t iters;
    int timed_out;
    int rc = ml_svc_solve_binary(p, X, r, nt, y, C, alpha, &rho, &iters, &timed_out, err);
    for (int64_t e = 0; rc == 0 && e < ne; e++) {
        double sum = 0;
        for (int64_t i = 0; i < nt; i++)
            if (fabs(alpha[i]) > 0)
                sum += alpha[i] * s_k(&p->kernel, X, rows[test[e]], r[i]);
        dec[test[e]] = -(sum - rho);
    }
    free(r);
    free(y);
    free(C);
    free(alpha);
    return rc;
}

int ml_svc_proba_pair(const ml_svc_solver_param_t *p, const ml_data_t *X, const int64_t *rows,
                      int64_t l, const int8_t *yb, double Cp, double Cn, ml_svc_proba_rng_t *r,
                      double *A, double *B, char *err)
{
    int64_t *perm = dsk_xmalloc((size_t)l * sizeof *perm);
    int64_t *train = dsk_xmalloc((size_t)l * sizeof *train);
    double *dec = dsk_xmalloc((size_t)l * sizeof *dec);
    for (int64_t i = 0; i < l; i++)
        perm[i] = i;
    for (int64_t i = 0; i < l; i++) {
        int64_t j = i + (int64_t)s_bounded(&r->rng, (uint32_t)(l - i));
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    int rc = DSK_OK;
    for (int f = 0; rc == 0 && f < S_FOLDS; f++) {
        int64_t begin = f * l / S_FOLDS, end = (f + 1) * l / S_FOLDS, nt = 0, pos = 0;
        for (int64_t j = 0; j < l; j++)
            if (j < begin || j >= end)
                train[nt++] = perm[j];
        for (int64_t j = 0; j < nt; j++)
            pos += yb[train[j]] > 0;
        if (nt == 0 || pos == 0 || pos == nt) {
            double v = nt == 0 ? 0 : pos ? 1 : -1;
            for (int64_t j = begin; j < end; j++)
                dec[perm[j]] = v;
            continue;
        }
        rc = s_fold(p, X, rows, yb, train, nt, perm + begin, end - begin, Cp, Cn, dec, err);
        ml_np_rng_seed(&r->rng, r->seed); /* libsvm's svm_train seeds it again */
    }
    if (rc == 0)
        s_sigmoid_train(l, dec, yb, A, B);
    free(perm);
    free(train);
    free(dec);
    return rc;
}

/* Wu, Lin and Weng's method 2: the class probabilities from the pairwise ones, r[i][j]. */
static void s_couple(int32_t k, const double *r, double *p)
{
    double *Q = dsk_xmalloc((size_t)(k * k) * sizeof *Q), *Qp = dsk_xmalloc((size_t)k * sizeof *Qp);
    int max_iter = k > 100 ? k : 100;
    double eps = 0.005 / k, pQp;
    for (int32_t t = 0; t < k; t++) {
        p[t] = 1.0 / k;
        Q[t * k + t] = 0;
        for (int32_t j = 0; j < t; j++) {
            Q[t * k + t] += r[j * k + t] * r[j * k + t];
            Q[t * k + j] = Q[j * k + t];
        }
        for (int32_t j = t + 1; j < k; j++) {
            Q[t * k + t] += r[j * k + t] * r[j * k + t];
            Q[t * k + j] = -r[j * k + t] * r[t * k + j];
        }
    }
    for (int iter = 0; iter < max_iter; iter++) {
        pQp = 0;
        for (int32_t t = 0; t < k; t++) {
            Qp[t] = 0;
            for (int32_t j = 0; j < k; j++)
                Qp[t] += Q[t * k + j] * p[j];
            pQp += p[t] * Qp[t];
        }
        double max_error = 0;
        for (int32_t t = 0; t < k; t++) {
            double e = fabs(Qp[t] - pQp);
            if (e > max_error)
                max_error = e;
        }
        if (max_error < eps)
            break;
        for (int32_t t = 0; t < k; t++) {
            double diff = (-Qp[t] + pQp) / Q[t * k + t];
            p[t] += diff;
            pQp = (pQp + diff * (diff * Q[t * k + t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
            for (int32_t j = 0; j < k; j++) {
                Qp[j] = (Qp[j] + diff * Q[t * k + j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
    free(Q);
    free(Qp);
}

/* libsvm's sigmoid_predict: 1 - p computed without cancellation. */
static double s_sigmoid(double dec, double A, double B)
{
    double f = dec * A + B;
    return f >= 0 ? exp(-f) / (1.0 + exp(-f)) : 1.0 / (1 + exp(f));
}

void ml_svc_proba_row(int32_t k, const double *dec, const double *A, const double *B,
                      double *prob)
{
    const double min_prob = 1e-7;
    double *r = dsk_xcalloc((size_t)(k * k), sizeof *r);
    int64_t pair = 0;
    for (int32_t i = 0; i < k; i++)
        for (int32_t j = i + 1; j < k; j++, pair++) {
            double v = s_sigmoid(dec[pair], A[pair], B[pair]);
            v = v < min_prob ? min_prob : v;
            v = v > 1 - min_prob ? 1 - min_prob : v;
            r[i * k + j] = v;
            r[j * k + i] = 1 - v;
        }
    s_couple(k, r, prob);
    free(r);
}
