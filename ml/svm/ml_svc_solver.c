/* ml_svc_solver.c — libsvm's SMO for C-SVC, its kernel column cache, and one-vs-one. */
#include "ml_svc_solver.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_error.h"

#define S_TAU 1e-12
#define S_LOWER 0
#define S_UPPER 1
#define S_FREE 2

/* ---- kernel column cache (libsvm's Cache) ----------------------------- */

/*
 * Columns of Q are cached by their current position in the solver's
 * ordering, each holding entries [0, len): shrinking swaps positions, and
 * the cache follows the swap (or drops a column too short to hold both
 * entries), exactly as libsvm does, so that a column is never recomputed
 * more often than there.
 */
typedef struct s_head {
    struct s_head *prev, *next; /* circular LRU list through lru */
    float *data;
    int64_t len;
} s_head_t;

typedef struct {
    int64_t l;
    int64_t size;    /* floats still available */
    s_head_t *head;  /* l entries */
    s_head_t lru;
} s_cache_t;

static void s_cache_init(s_cache_t *c, int64_t l, double mb)
{
    c->l = l;
    c->head = dsk_xcalloc((size_t)l, sizeof *c->head);
    int64_t size = (int64_t)(mb * (1 << 20)) / (int64_t)sizeof(float);
    size -= l * (int64_t)sizeof(s_head_t) / (int64_t)sizeof(float);
    c->size = size > 2 * l ? size : 2 * l; /* room for two columns at least */
    c->lru.next = c->lru.prev = &c->lru;
}

static void s_cache_free(s_cache_t *c)
{
    for (s_head_t *h = c->lru.next; h != &c->lru; h = h->next)
        free(h->data);
    free(c->head);
}

static void s_lru_delete(s_head_t *h)
{
    h->prev->next = h->next;
    h->next->prev = h->prev;
}

static void s_lru_insert(s_cache_t *c, s_head_t *h)
{
    h->next = &c->lru;
    h->prev = c->lru.prev;
    h->prev->next = h;
    h->next->prev = h;
}

static void s_cache_drop(s_cache_t *c, s_head_t *h)
{
    s_lru_delete(h);
    free(h->data);
    c->size += h->len;
    h->data = NULL;
    h->len = 0;
}

/* Column index with room for [0, len); returns where the caller must start
   filling (len if it is all cached). Evicts least recently used columns. */
static int64_t s_cache_get(s_cache_t *c, int64_t index, float **data, int64_t len)
{
    s_head_t *h = &c->head[index];
    if (h->len)
        s_lru_delete(h);
    int64_t more = len - h->len, start = len;
    if (more > 0) {
        while (c->size < more)
            s_cache_drop(c, c->lru.next);
        float *nd = dsk_xrealloc(h->data, (size_t)len * sizeof *nd, 1);
        h->data = nd;
        c->size -= more;
        start = h->len;
        h->len = len;
    }
    s_lru_insert(c, h);
    *data = h->data;
    return start;
}

static void s_cache_swap(s_cache_t *c, int64_t i, int64_t j)
{
    if (i == j)
        return;
    s_head_t *hi = &c->head[i], *hj = &c->head[j];
    if (hi->len)
        s_lru_delete(hi);
    if (hj->len)
        s_lru_delete(hj);
    float *td = hi->data;
    hi->data = hj->data;
    hj->data = td;
    int64_t tl = hi->len;
    hi->len = hj->len;
    hj->len = tl;
    if (hi->len)
        s_lru_insert(c, hi);
    if (hj->len)
        s_lru_insert(c, hj);
    if (i > j) {
        int64_t t = i;
        i = j;
        j = t;
    }
    for (s_head_t *h = c->lru.next, *next; h != &c->lru; h = next) {
        next = h->next;
        if (h->len > i) {
            if (h->len > j) {
                float t = h->data[i];
                h->data[i] = h->data[j];
                h->data[j] = t;
            } else {
                s_cache_drop(c, h);
            }
        }
    }
}

/* ---- Q matrix: y_i y_j K(x_i, x_j) over the problem's rows ------------ */

/*
 * Dense rows are copied and physically swapped with the solver's ordering,
 * so a column over positions [start, len) is one dgemv on contiguous rows.
 * CSR rows stay in the caller's matrix behind a position -> row map; a
 * column scatters row i into a dense scratch vector and dots each row
 * against it.
 */
typedef struct {
    ml_kernel_t k;
    int64_t l, d;
    double *X;           /* dense: l x d copy, in solver order */
    const ml_csr_t *csr; /* CSR: the caller's matrix */
    int64_t *row;        /* CSR: position -> row of csr */
    double *w;           /* CSR: d scratch */
    double *xsq;
    int8_t *y;
    double *QD;
    double *tmp;         /* l doubles */
    s_cache_t cache;
} s_q_t;

static void s_q_dots(s_q_t *q, int64_t i, int64_t start, int64_t len, double *out)
{
    if (q->X) {
        ml_kernel_column(&q->k, q->X + start * q->d, q->xsq + start, len - start, q->d,
                         q->X + i * q->d, q->xsq[i], out);
        return;
    }
    const ml_csr_t *m = q->csr;
    int64_t ri = q->row[i];
    for (int64_t p = m->indptr[ri]; p < m->indptr[ri + 1]; p++)
        q->w[m->indices[p]] = m->data[p];
    for (int64_t j = start; j < len; j++) {
        int64_t rj = q->row[j];
        double s = 0;
        for (int64_t p = m->indptr[rj]; p < m->indptr[rj + 1]; p++)
            s += m->data[p] * q->w[m->indices[p]];
        out[j - start] = ml_kernel_from_dot(&q->k, s, q->xsq[i], q->xsq[j]);
    }
    for (int64_t p = m->indptr[ri]; p < m->indptr[ri + 1]; p++)
        q->w[m->indices[p]] = 0;
}

/* Column i of Q over positions [0, len), from the cache or computed. */
static const float *s_q_get(s_q_t *q, int64_t i, int64_t len)
{
    float *data;
    int64_t start = s_cache_get(&q->cache, i, &data, len);
    if (start < len) {
        s_q_dots(q, i, start, len, q->tmp);
        for (int64_t j = start; j < len; j++)
            data[j] = (float)(q->y[i] * q->y[j] * q->tmp[j - start]);
    }
    return data;
}

static void s_q_swap(s_q_t *q, int64_t i, int64_t j)
{
    s_cache_swap(&q->cache, i, j);
    if (q->X) {
        double *a = q->X + i * q->d, *b = q->X + j * q->d;
        for (int64_t c = 0; c < q->d; c++) {
            double t = a[c];
            a[c] = b[c];
            b[c] = t;
        }
    } else {
        int64_t t = q->row[i];
        q->row[i] = q->row[j];
        q->row[j] = t;
    }
    double t = q->xsq[i];
    q->xsq[i] = q->xsq[j];
    q->xsq[j] = t;
    int8_t ty = q->y[i];
    q->y[i] = q->y[j];
    q->y[j] = ty;
    t = q->QD[i];
    q->QD[i] = q->QD[j];
    q->QD[j] = t;
}

static void s_q_init(s_q_t *q, const ml_svc_solver_param_t *p, const ml_data_t *X,
                     const int64_t *rows, int64_t l, const int8_t *y)
{
    memset(q, 0, sizeof *q);
    q->k = p->kernel;
    q->l = l;
    q->xsq = dsk_xcalloc((size_t)l, sizeof *q->xsq);
    q->y = dsk_xcalloc((size_t)l, sizeof *q->y);
    q->QD = dsk_xcalloc((size_t)l, sizeof *q->QD);
    q->tmp = dsk_xcalloc((size_t)l, sizeof *q->tmp);
    memcpy(q->y, y, (size_t)l * sizeof *y);
    if (X->kind == ML_DATA_DENSE) {
        q->d = X->dense->ncols;
        q->X = dsk_xcalloc((size_t)(l * q->d), sizeof *q->X);
        for (int64_t i = 0; i < l; i++)
            memcpy(q->X + i * q->d, X->dense->data + rows[i] * q->d,
                   (size_t)q->d * sizeof *q->X);
        ml_kernel_sqnorms(q->X, l, q->d, q->xsq);
    } else {
        q->csr = X->csr;
        q->d = X->csr->ncols;
        q->row = dsk_xcalloc((size_t)l, sizeof *q->row);
        memcpy(q->row, rows, (size_t)l * sizeof *rows);
        q->w = dsk_xcalloc((size_t)q->d, sizeof *q->w);
        for (int64_t i = 0; i < l; i++) {
            double s = 0;
            for (int64_t pp = q->csr->indptr[rows[i]]; pp < q->csr->indptr[rows[i] + 1]; pp++)
                s += q->csr->data[pp] * q->csr->data[pp];
            q->xsq[i] = s;
        }
    }
    for (int64_t i = 0; i < l; i++)
        q->QD[i] = ml_kernel_from_dot(&q->k, q->xsq[i], q->xsq[i], q->xsq[i]);
    s_cache_init(&q->cache, l, p->cache_mb);
}

static void s_q_free(s_q_t *q)
{
    s_cache_free(&q->cache);
    free(q->X);
    free(q->row);
    free(q->w);
    free(q->xsq);
    free(q->y);
    free(q->QD);
    free(q->tmp);
}

/* ---- the SMO solver (libsvm's Solver, C-SVC case) ---------------------- */

typedef struct {
    int64_t l, active_size;
    s_q_t *Q;
    int8_t *y;        /* aliases Q->y: swapped together */
    double *G;        /* gradient of the objective */
    double *G_bar;    /* gradient part from variables at the upper bound */
    double *alpha, *C, *p;
    char *status;     /* S_LOWER, S_UPPER, S_FREE */
    int64_t *active_set;
    double eps;
    int unshrink;
} s_smo_t;

static void s_update_status(s_smo_t *s, int64_t i)
{
    if (s->alpha[i] >= s->C[i])
        s->status[i] = S_UPPER;
    else if (s->alpha[i] <= 0)
        s->status[i] = S_LOWER;
    else
        s->status[i] = S_FREE;
}

#define S_SWAP(type, a, b) do { type t_ = (a); (a) = (b); (b) = t_; } while (0)

static void s_swap_index(s_smo_t *s, int64_t i, int64_t j)
{
    s_q_swap(s->Q, i, j); /* also swaps y, which aliases Q->y */
    S_SWAP(double, s->G[i], s->G[j]);
    S_SWAP(char, s->status[i], s->status[j]);
    S_SWAP(double, s->alpha[i], s->alpha[j]);
    S_SWAP(double, s->p[i], s->p[j]);
    S_SWAP(int64_t, s->active_set[i], s->active_set[j]);
    S_SWAP(double, s->G_bar[i], s->G_bar[j]);
    S_SWAP(double, s->C[i], s->C[j]);
}

/*
 * Rebuilds the gradient of the shrunk (inactive) variables from G_bar and
 * the free variables, choosing between a pass over inactive columns and a
 * pass over free columns by their cost, as libsvm does (the two orders of
 * summation differ in the last bits, so the choice is kept the same).
 */
static void s_reconstruct_gradient(s_smo_t *s)
{
    int64_t l = s->l, as = s->active_size, nr_free = 0;
    if (as == l)
        return;
    for (int64_t j = as; j < l; j++)
        s->G[j] = s->G_bar[j] + s->p[j];
    for (int64_t j = 0; j < as; j++)
        if (s->status[j] == S_FREE)
            nr_free++;
    if (nr_free * l > 2 * as * (l - as)) {
        for (int64_t i = as; i < l; i++) {
            const float *Q_i = s_q_get(s->Q, i, as);
            for (int64_t j = 0; j < as; j++)
                if (s->status[j] == S_FREE)
                    s->G[i] += s->alpha[j] * Q_i[j];
        }
    } else {
        for (int64_t i = 0; i < as; i++)
            if (s->status[i] == S_FREE) {
                const float *Q_i = s_q_get(s->Q, i, l);
                double alpha_i = s->alpha[i];
                for (int64_t j = as; j < l; j++)
                    s->G[j] += alpha_i * Q_i[j];
            }
    }
}

/*
 * Second-order working-set selection (WSS3): i maximizes the violation
 * -y_i G_i over I_up, j minimizes the second-order decrease of the
 * objective among the violating partners of i. Returns 1 when the maximal
 * violation is below eps (optimal), else 0 with the pair.
 */
static int s_select_working_set(s_smo_t *s, int64_t *out_i, int64_t *out_j)
{
    double Gmax = -INFINITY, Gmax2 = -INFINITY, obj_diff_min = INFINITY;
    int64_t Gmax_idx = -1, Gmin_idx = -1;
    const double *G = s->G, *QD = s->Q->QD;
    const int8_t *y = s->y;
    for (int64_t t = 0; t < s->active_size; t++) {
        if (y[t] == +1) {
            if (s->status[t] != S_UPPER && -G[t] >= Gmax) {
                Gmax = -G[t];
                Gmax_idx = t;
            }
        } else if (s->status[t] != S_LOWER && G[t] >= Gmax) {
            Gmax = G[t];
            Gmax_idx = t;
        }
    }
    int64_t i = Gmax_idx;
    const float *Q_i = i != -1 ? s_q_get(s->Q, i, s->active_size) : NULL;
    for (int64_t j = 0; j < s->active_size; j++) {
        double grad_diff, quad_coef;
        if (y[j] == +1) {
            if (s->status[j] == S_LOWER)
                continue;
            grad_diff = Gmax + G[j];
            if (G[j] >= Gmax2)
                Gmax2 = G[j];
            if (!(grad_diff > 0))
                continue;
            quad_coef = QD[i] + QD[j] - 2.0 * y[i] * Q_i[j];
        } else {
            if (s->status[j] == S_UPPER)
                continue;
            grad_diff = Gmax - G[j];
            if (-G[j] >= Gmax2)
                Gmax2 = -G[j];
            if (!(grad_diff > 0))
                continue;
            quad_coef = QD[i] + QD[j] + 2.0 * y[i] * Q_i[j];
        }
        double obj_diff = -(grad_diff * grad_diff) / (quad_coef > 0 ? quad_coef : S_TAU);
        if (obj_diff <= obj_diff_min) {
            Gmin_idx = j;
            obj_diff_min = obj_diff;
        }
    }
    if (Gmax + Gmax2 < s->eps || Gmin_idx == -1)
        return 1;
    *out_i = Gmax_idx;
    *out_j = Gmin_idx;
    return 0;
}

/* A variable at a bound whose gradient says it will stay there. */
static int s_be_shrunk(const s_smo_t *s, int64_t i, double Gmax1, double Gmax2)
{
    if (s->status[i] == S_UPPER)
        return s->y[i] == +1 ? -s->G[i] > Gmax1 : -s->G[i] > Gmax2;
    if (s->status[i] == S_LOWER)
        return s->y[i] == +1 ? s->G[i] > Gmax2 : s->G[i] > Gmax1;
    return 0;
}

/*
 * Moves the variables that will likely stay at their bounds past
 * active_size; once the violation is within 10 eps, first restores the
 * full gradient and active set once (libsvm's unshrink), so the final
 * iterations see every variable.
 */
static void s_do_shrinking(s_smo_t *s)
{
    double Gmax1 = -INFINITY, Gmax2 = -INFINITY;
    for (int64_t i = 0; i < s->active_size; i++) {
        double g = s->G[i];
        if (s->y[i] == +1) {
            if (s->status[i] != S_UPPER && -g >= Gmax1)
                Gmax1 = -g;
            if (s->status[i] != S_LOWER && g >= Gmax2)
                Gmax2 = g;
        } else {
            if (s->status[i] != S_UPPER && -g >= Gmax2)
                Gmax2 = -g;
            if (s->status[i] != S_LOWER && g >= Gmax1)
                Gmax1 = g;
        }
    }
    if (!s->unshrink && Gmax1 + Gmax2 <= s->eps * 10) {
        s->unshrink = 1;
        s_reconstruct_gradient(s);
        s->active_size = s->l;
    }
    for (int64_t i = 0; i < s->active_size; i++) {
        if (!s_be_shrunk(s, i, Gmax1, Gmax2))
            continue;
        s->active_size--;
        while (s->active_size > i) {
            if (!s_be_shrunk(s, s->active_size, Gmax1, Gmax2)) {
                s_swap_index(s, i, s->active_size);
                break;
            }
            s->active_size--;
        }
    }
}

/* rho: the mean of y_i G_i over free variables, else the middle of the
   feasible interval given by the bounded ones. */
static double s_calculate_rho(const s_smo_t *s)
{
    double ub = INFINITY, lb = -INFINITY, sum_free = 0;
    int64_t nr_free = 0;
    for (int64_t i = 0; i < s->active_size; i++) {
        double yG = s->y[i] * s->G[i];
        if (s->status[i] == S_UPPER) {
            if (s->y[i] == -1)
                ub = fmin(ub, yG);
            else
                lb = fmax(lb, yG);
        } else if (s->status[i] == S_LOWER) {
            if (s->y[i] == +1)
                ub = fmin(ub, yG);
            else
                lb = fmax(lb, yG);
        } else {
            nr_free++;
            sum_free += yG;
        }
    }
    return nr_free > 0 ? sum_free / (double)nr_free : (ub + lb) / 2;
}

/*
 * The analytic two-variable step on (i, j), clipped to the box
 * [0, C_i] x [0, C_j] along the constraint line y_i a_i + y_j a_j = const
 * (libsvm's case analysis, kept branch for branch).
 */
static void s_step(s_smo_t *s, int64_t i, int64_t j, const float *Q_i)
{
    double *alpha = s->alpha, *G = s->G, *QD = s->Q->QD;
    double C_i = s->C[i], C_j = s->C[j];
    if (s->y[i] != s->y[j]) {
        double quad_coef = QD[i] + QD[j] + 2 * Q_i[j];
        if (quad_coef <= 0)
            quad_coef = S_TAU;
        double delta = (-G[i] - G[j]) / quad_coef;
        double diff = alpha[i] - alpha[j];
        alpha[i] += delta;
        alpha[j] += delta;
        if (diff > 0) {
            if (alpha[j] < 0) {
                alpha[j] = 0;
                alpha[i] = diff;
            }
        } else if (alpha[i] < 0) {
            alpha[i] = 0;
            alpha[j] = -diff;
        }
        if (diff > C_i - C_j) {
            if (alpha[i] > C_i) {
                alpha[i] = C_i;
                alpha[j] = C_i - diff;
            }
        } else if (alpha[j] > C_j) {
            alpha[j] = C_j;
            alpha[i] = C_j + diff;
        }
    } else {
        double quad_coef = QD[i] + QD[j] - 2 * Q_i[j];
        if (quad_coef <= 0)
            quad_coef = S_TAU;
        double delta = (G[i] - G[j]) / quad_coef;
        double sum = alpha[i] + alpha[j];
        alpha[i] -= delta;
        alpha[j] += delta;
        if (sum > C_i) {
            if (alpha[i] > C_i) {
                alpha[i] = C_i;
                alpha[j] = sum - C_i;
            }
        } else if (alpha[j] < 0) {
            alpha[j] = 0;
            alpha[i] = sum;
        }
        if (sum > C_j) {
            if (alpha[j] > C_j) {
                alpha[j] = C_j;
                alpha[i] = sum - C_j;
            }
        } else if (alpha[i] < 0) {
            alpha[i] = 0;
            alpha[j] = sum;
        }
    }
}

/* After a step: G over the active set, then G_bar for a variable that
   entered or left its upper bound (a full column: G_bar covers all l). */
static void s_update_gradients(s_smo_t *s, int64_t i, int64_t j, const float *Q_i,
                               const float *Q_j, double old_ai, double old_aj)
{
    double dai = s->alpha[i] - old_ai, daj = s->alpha[j] - old_aj;
    for (int64_t k = 0; k < s->active_size; k++)
        s->G[k] += Q_i[k] * dai + Q_j[k] * daj;
    int ui = s->status[i] == S_UPPER, uj = s->status[j] == S_UPPER;
    s_update_status(s, i);
    s_update_status(s, j);
    int64_t pair[2] = {i, j};
    int was[2] = {ui, uj};
    for (int t = 0; t < 2; t++) {
        int64_t v = pair[t];
        if (was[t] == (s->status[v] == S_UPPER))
            continue;
        const float *Q_v = s_q_get(s->Q, v, s->l);
        double c = was[t] ? -s->C[v] : s->C[v];
        for (int64_t k = 0; k < s->l; k++)
            s->G_bar[k] += c * Q_v[k];
    }
}

/* G = p + Q alpha and G_bar for a start alpha (all zero for C-SVC, kept
   general as in libsvm). */
static void s_init_gradient(s_smo_t *s)
{
    int64_t l = s->l;
    for (int64_t i = 0; i < l; i++) {
        s->G[i] = s->p[i];
        s->G_bar[i] = 0;
    }
    for (int64_t i = 0; i < l; i++) {
        if (s->status[i] == S_LOWER)
            continue;
        const float *Q_i = s_q_get(s->Q, i, l);
        for (int64_t j = 0; j < l; j++)
            s->G[j] += s->alpha[i] * Q_i[j];
        if (s->status[i] == S_UPPER)
            for (int64_t j = 0; j < l; j++)
                s->G_bar[j] += s->C[i] * Q_i[j];
    }
}

/* The main SMO loop; returns the iteration count, sets *timed_out. */
static int64_t s_smo_loop(s_smo_t *s, int shrinking, int64_t max_iter, int *timed_out)
{
    int64_t iter = 0, counter = (s->l < 1000 ? s->l : 1000) + 1;
    *timed_out = 0;
    for (;;) {
        if (max_iter != -1 && iter >= max_iter) {
            *timed_out = 1;
            break;
        }
        if (--counter == 0) {
            counter = s->l < 1000 ? s->l : 1000;
            if (shrinking)
                s_do_shrinking(s);
        }
        int64_t i, j;
        if (s_select_working_set(s, &i, &j) != 0) {
            s_reconstruct_gradient(s);
            s->active_size = s->l;
            if (s_select_working_set(s, &i, &j) != 0)
                break;
            counter = 1; /* shrink at the next iteration */
        }
        ++iter;
        const float *Q_i = s_q_get(s->Q, i, s->active_size);
        const float *Q_j = s_q_get(s->Q, j, s->active_size);
        double old_ai = s->alpha[i], old_aj = s->alpha[j];
        s_step(s, i, j, Q_i);
        s_update_gradients(s, i, j, Q_i, Q_j, old_ai, old_aj);
    }
    return iter;
}

int ml_svc_solve_binary(const ml_svc_solver_param_t *p, const ml_data_t *X,
                        const int64_t *rows, int64_t l, const int8_t *yb, const double *C,
                        double *alpha_out, double *rho, int64_t *n_iter, int *timed_out,
                        char *err)
{
    if (X->kind != ML_DATA_DENSE && X->kind != ML_DATA_CSR)
        return dsk_seterr(err, DSK_EINVAL, "SVC: cannot fit on %s",
                          ml_data_kind_name(X->kind));
    if (l < 1)
        return dsk_seterr(err, DSK_EINVAL, "SVC: an empty binary problem");
    s_q_t q;
    s_q_init(&q, p, X, rows, l, yb);
    s_smo_t s = {.l = l, .active_size = l, .Q = &q, .y = q.y, .eps = p->eps};
    s.G = dsk_xcalloc((size_t)l, sizeof *s.G);
    s.G_bar = dsk_xcalloc((size_t)l, sizeof *s.G_bar);
    s.alpha = dsk_xcalloc((size_t)l, sizeof *s.alpha);
    s.C = dsk_xcalloc((size_t)l, sizeof *s.C);
    s.p = dsk_xcalloc((size_t)l, sizeof *s.p);
    s.status = dsk_xcalloc((size_t)l, sizeof *s.status);
    s.active_set = dsk_xcalloc((size_t)l, sizeof *s.active_set);
    for (int64_t i = 0; i < l; i++) {
        s.p[i] = -1;
        s.C[i] = C[i];
        s.active_set[i] = i;
        s_update_status(&s, i);
    }
    s_init_gradient(&s);
    *n_iter = s_smo_loop(&s, p->shrinking, p->max_iter, timed_out);
    *rho = s_calculate_rho(&s);
    for (int64_t i = 0; i < l; i++)
        alpha_out[s.active_set[i]] = s.alpha[i];
    for (int64_t i = 0; i < l; i++)
        alpha_out[i] *= yb[i];
    free(s.G);
    free(s.G_bar);
    free(s.alpha);
    free(s.C);
    free(s.p);
    free(s.status);
    free(s.active_set);
    s_q_free(&q);
    return DSK_OK;
}

/* ---- one-vs-one training (libsvm's svm_train for C-SVC) ---------------- */

void ml_svc_model_clear(ml_svc_model_t *m)
{
    free(m->n_support);
    free(m->support);
    free(m->sv);
    free(m->dual_coef);
    free(m->rho);
    free(m->n_iter);
    memset(m, 0, sizeof *m);
}

/* Copies row r of X (dense or CSR) into a dense row of d values. */
static void s_dense_row(const ml_data_t *X, int64_t r, double *out)
{
    if (X->kind == ML_DATA_DENSE) {
        int64_t d = X->dense->ncols;
        memcpy(out, X->dense->data + r * d, (size_t)d * sizeof *out);
        return;
    }
    const ml_csr_t *m = X->csr;
    memset(out, 0, (size_t)m->ncols * sizeof *out);
    for (int64_t p = m->indptr[r]; p < m->indptr[r + 1]; p++)
        out[m->indices[p]] = m->data[p];
}

/*
 * Gathers the model from the per-pair solutions: a row is a support vector
 * if any pair gave it a non-zero alpha; for pair (i, j) the coefficients of
 * class i's rows go to dual_coef row j-1 and class j's to row i (libsvm's
 * layout, which scikit-learn exposes as dual_coef_).
 */
static void s_build_model(ml_svc_model_t *m, const ml_data_t *X, const int64_t *perm,
                          const int64_t *start, const int64_t *count, double **alpha,
                          const char *nonzero, int64_t n)
{
    int32_t k = m->n_classes;
    int64_t *nz_start = dsk_xcalloc((size_t)k, sizeof *nz_start);
    m->n_support = dsk_xcalloc((size_t)k, sizeof *m->n_support);
    m->n_sv = 0;
    for (int32_t c = 0; c < k; c++) {
        nz_start[c] = m->n_sv;
        for (int64_t t = 0; t < count[c]; t++)
            m->n_support[c] += nonzero[start[c] + t] ? 1 : 0;
        m->n_sv += m->n_support[c];
    }
    int64_t d = m->n_features, nsv = m->n_sv;
    m->support = dsk_xcalloc((size_t)nsv, sizeof *m->support);
    m->sv = dsk_xcalloc((size_t)(nsv * d), sizeof *m->sv);
    m->dual_coef = dsk_xcalloc((size_t)((k - 1) * nsv), sizeof *m->dual_coef);
    for (int64_t t = 0, q = 0; t < n; t++)
        if (nonzero[t]) {
            m->support[q] = perm[t];
            s_dense_row(X, perm[t], m->sv + q * d);
            q++;
        }
    int64_t pidx = 0;
    for (int32_t i = 0; i < k; i++)
        for (int32_t j = i + 1; j < k; j++, pidx++) {
            const double *a = alpha[pidx];
            int64_t q = nz_start[i];
            for (int64_t t = 0; t < count[i]; t++)
                if (nonzero[start[i] + t])
                    m->dual_coef[(int64_t)(j - 1) * nsv + q++] = a[t];
            q = nz_start[j];
            for (int64_t t = 0; t < count[j]; t++)
                if (nonzero[start[j] + t])
                    m->dual_coef[(int64_t)i * nsv + q++] = a[count[i] + t];
        }
    free(nz_start);
}

/* Solves pair (i, j): class i's rows as +1 then class j's as -1. */
static int s_train_pair(const ml_svc_solver_param_t *p, const ml_data_t *X,
                        const int64_t *perm, const int64_t *start, const int64_t *count,
                        const double *class_C, int32_t i, int32_t j, double *alpha,
                        double *rho, int64_t *n_iter, int *timed_out, char *err)
{
    int64_t ci = count[i], cj = count[j], l = ci + cj;
    int64_t *rows = dsk_xcalloc((size_t)l, sizeof *rows);
    int8_t *yb = dsk_xcalloc((size_t)l, sizeof *yb);
    double *C = dsk_xcalloc((size_t)l, sizeof *C);
    for (int64_t t = 0; t < ci; t++) {
        rows[t] = perm[start[i] + t];
        yb[t] = +1;
        C[t] = class_C[i];
    }
    for (int64_t t = 0; t < cj; t++) {
        rows[ci + t] = perm[start[j] + t];
        yb[ci + t] = -1;
        C[ci + t] = class_C[j];
    }
    int rc = ml_svc_solve_binary(p, X, rows, l, yb, C, alpha, rho, n_iter, timed_out, err);
    free(rows);
    free(yb);
    free(C);
    return rc;
}

int ml_svc_train(const ml_svc_solver_param_t *p, const ml_data_t *X, const int32_t *y,
                 int32_t k, const double *class_C, ml_svc_model_t *m, char *err)
{
    int64_t n = X->nrows, npairs = (int64_t)k * (k - 1) / 2;
    memset(m, 0, sizeof *m);
    if (k < 2)
        return dsk_seterr(err, DSK_EINVAL, "SVC: needs at least 2 classes, got %d", k);
    int64_t *count = dsk_xcalloc((size_t)k, sizeof *count), *start = dsk_xcalloc((size_t)k, 8);
    int64_t *perm = dsk_xcalloc((size_t)n, sizeof *perm), *fill = dsk_xcalloc((size_t)k, 8);
    for (int64_t t = 0; t < n; t++)
        count[y[t]]++;
    for (int32_t c = 1; c < k; c++)
        start[c] = start[c - 1] + count[c - 1];
    memcpy(fill, start, (size_t)k * sizeof *fill);
    for (int64_t t = 0; t < n; t++)
        perm[fill[y[t]]++] = t;
    m->n_classes = k;
    m->n_features = X->kind == ML_DATA_DENSE ? X->dense->ncols : X->csr->ncols;
    m->rho = dsk_xcalloc((size_t)npairs, sizeof *m->rho);
    m->n_iter = dsk_xcalloc((size_t)npairs, sizeof *m->n_iter);
    double **alpha = dsk_xcalloc((size_t)npairs, sizeof *alpha);
    char *nonzero = dsk_xcalloc((size_t)n, 1);
    int rc = DSK_OK;
    int64_t pidx = 0;
    for (int32_t i = 0; i < k && rc == DSK_OK; i++)
        for (int32_t j = i + 1; j < k && rc == DSK_OK; j++, pidx++) {
            int timed_out = 0;
            alpha[pidx] = dsk_xcalloc((size_t)(count[i] + count[j]), sizeof **alpha);
            rc = s_train_pair(p, X, perm, start, count, class_C, i, j, alpha[pidx],
                              &m->rho[pidx], &m->n_iter[pidx], &timed_out, err);
            m->fit_status |= timed_out;
            for (int64_t t = 0; t < count[i]; t++)
                if (fabs(alpha[pidx][t]) > 0)
                    nonzero[start[i] + t] = 1;
            for (int64_t t = 0; t < count[j]; t++)
                if (fabs(alpha[pidx][count[i] + t]) > 0)
                    nonzero[start[j] + t] = 1;
        }
    if (rc == DSK_OK)
        s_build_model(m, X, perm, start, count, alpha, nonzero, n);
    for (int64_t t = 0; t < npairs; t++)
        free(alpha[t]);
    free(alpha);
    free(nonzero);
    free(count);
    free(start);
    free(fill);
    free(perm);
    if (rc != DSK_OK)
        ml_svc_model_clear(m);
    return rc;
}
