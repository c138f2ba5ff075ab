/* ml_np_sort.c — NumPy 1.24's argsort(kind='quicksort') for int64, step for step; unique labels. */
#include "ml_np_sort.h"

#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"

/* NumPy's aheapsort_ (the introsort fallback), 1-based as NumPy writes it. */
static void s_aheapsort(const int64_t *v, int64_t *tosort, int64_t n)
{
    int64_t *a = tosort - 1, i, j, l, tmp;
    for (l = n >> 1; l > 0; --l) {
        tmp = a[l];
        for (i = l, j = l << 1; j <= n;) {
            if (j < n && v[a[j]] < v[a[j + 1]])
                j += 1;
            if (v[tmp] < v[a[j]]) {
                a[i] = a[j];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        a[i] = tmp;
    }
    for (; n > 1;) {
        tmp = a[n];
        a[n] = a[1];
        n -= 1;
        for (i = 1, j = 2; j <= n;) {
            if (j < n && v[a[j]] < v[a[j + 1]])
                j++;
            if (v[tmp] < v[a[j]]) {
                a[i] = a[j];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        a[1] = tmp;
    }
}

#define S_SWAP(x, y) do { int64_t t_ = (x); (x) = (y); (y) = t_; } while (0)

/*
 * NumPy 1.24's aquicksort_ for int64 (median-of-3 quicksort, insertion
 * sort below 16 elements, heapsort past 2*log2(n) levels), step for step:
 * it is not stable, and max_features must cut ties exactly where
 * scikit-learn's (-tfs).argsort()[:limit] cuts them.
 */
void ml_np_argsort_i64(const int64_t *v, int64_t *idx, int64_t num)
{
    for (int64_t k = 0; k < num; k++)
        idx[k] = k;
    if (num < 2)
        return;
    int64_t *pl = idx, *pr = idx + num - 1, *stack[128], **sptr = stack;
    int depth[128], *psdepth = depth, cdepth = 0;
    for (uint64_t u = (uint64_t)num; u >>= 1;)
        cdepth++;
    cdepth *= 2;
    for (;;) {
        if (cdepth < 0) {
            s_aheapsort(v, pl, pr - pl + 1);
            goto pop;
        }
        while (pr - pl > 15) {
            int64_t *pm = pl + ((pr - pl) >> 1), *pi, *pj;
            if (v[*pm] < v[*pl])
                S_SWAP(*pm, *pl);
            if (v[*pr] < v[*pm])
                S_SWAP(*pr, *pm);
            if (v[*pm] < v[*pl])
                S_SWAP(*pm, *pl);
            int64_t vp = v[*pm];
            pi = pl;
            pj = pr - 1;
            S_SWAP(*pm, *pj);
            for (;;) {
                do
                    ++pi;
                while (v[*pi] < vp);
                do
                    --pj;
                while (vp < v[*pj]);
                if (pi >= pj)
                    break;
                S_SWAP(*pi, *pj);
            }
            S_SWAP(*pi, *(pr - 1));
            if (pi - pl < pr - pi) {
                *sptr++ = pi + 1;
                *sptr++ = pr;
                pr = pi - 1;
            } else {
                *sptr++ = pl;
                *sptr++ = pi - 1;
                pl = pi + 1;
            }
            *psdepth++ = --cdepth;
        }
        for (int64_t *pi = pl + 1; pi <= pr; ++pi) {
            int64_t vi = *pi, vp = v[vi], *pj = pi, *pk = pi - 1;
            while (pj > pl && vp < v[*pk])
                *pj-- = *pk--;
            *pj = vi;
        }
    pop:
        if (sptr == stack)
            break;
        pr = *(--sptr);
        pl = *(--sptr);
        cdepth = *(--psdepth);
    }
}

static int s_cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int64_t ml_np_unique_i32(const int32_t *a, int64_t na, const int32_t *b, int64_t nb,
                         int32_t **out)
{
    if (!b)
        nb = 0;
    int32_t *u = dsk_xmalloc((size_t)(na + nb + 1) * sizeof *u);
    memcpy(u, a, (size_t)na * sizeof *u);
    if (nb)
        memcpy(u + na, b, (size_t)nb * sizeof *u);
    int64_t n = na + nb, k = 0;
    qsort(u, (size_t)n, sizeof *u, s_cmp_i32);
    for (int64_t i = 0; i < n; i++)
        if (k == 0 || u[k - 1] != u[i])
            u[k++] = u[i];
    *out = u;
    return k;
}

int64_t ml_np_searchsorted_i32(const int32_t *sorted, int64_t n, int32_t v)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
