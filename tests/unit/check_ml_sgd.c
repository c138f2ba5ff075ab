/* check_ml_sgd.c — SGDClassifier: scikit-learn's coefficients, parameters, model files. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml_sgd.h"
#include "ml_sgd_joint.h"
#include "ml_sgd_solver.h"

static const ml_estimator_ops_t *S_OPS = &ml_sgd_classifier_ops;

/*
 * The synthetic data both sides build (tests/unit/check_ml_sgd.c and the Python
 * snippets below):
 *   y[i] = i % K, labels (y + 1) * 10
 *   X[i][j] = ((i * 7 + j * 5) % 13 - 6) / 4 + (y[i] == j) * 1.5
 * With sparse=1, entries with |x| < 0.6 are dropped (CSR).
 */
static ml_data_t *s_data(int64_t n, int64_t d, int K, int sparse, int32_t *labels)
{
    ml_dense_t *X = ml_dense_new(n, d);
    for (int64_t i = 0; i < n; i++) {
        labels[i] = (int32_t)((i % K) + 1) * 10;
        for (int64_t j = 0; j < d; j++)
            X->data[i * d + j] = (double)((i * 7 + j * 5) % 13 - 6) / 4 + (i % K == j) * 1.5;
    }
    if (!sparse)
        return ml_data_from_dense(&X);
    int64_t nnz = 0;
    for (int64_t k = 0; k < n * d; k++)
        nnz += fabs(X->data[k]) >= 0.6;
    ml_csr_t *c = ml_csr_new(n, d, nnz);
    int64_t at = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < d; j++)
            if (fabs(X->data[i * d + j]) >= 0.6) {
                c->indices[at] = (int32_t)j;
                c->data[at++] = X->data[i * d + j];
            }
        c->indptr[i + 1] = at;
    }
    ml_dense_destroy(&X);
    return ml_data_from_csr(&c);
}

static void s_set(void *m, const char *name, ml_value_t v)
{
    char err[DSK_ERR_LEN];
    int rc = S_OPS->set_param(m, name, &v, err);
    ck_assert_msg(rc == DSK_OK, "%s", err);
    ml_value_clear(&v);
}

/* Reads coef_ and intercept_ back through the decision function of unit rows. */
static void s_coef(void *m, int64_t d, int64_t rows, double *coef, double *icp)
{
    char err[DSK_ERR_LEN];
    ml_dense_t *Z = ml_dense_new(d + 1, d); /* row 0: zeros, row j + 1: e_j */
    for (int64_t j = 0; j < d; j++)
        Z->data[(j + 1) * d + j] = 1.0;
    ml_data_t *X = ml_data_from_dense(&Z);
    ml_dense_t *s;
    ck_assert_int_eq(S_OPS->decision_function(m, X, &s, err), DSK_OK);
    ck_assert_int_eq(s->ncols, rows);
    for (int64_t r = 0; r < rows; r++) {
        icp[r] = s->data[r];
        for (int64_t j = 0; j < d; j++)
            coef[r * d + j] = s->data[(j + 1) * rows + r] - icp[r];
    }
    ml_dense_destroy(&s);
    ml_data_destroy(&X);
}

/*
 * Dense binary hinge/l2, random_state=3; scikit-learn 1.2.1:
 *   c = SGDClassifier(random_state=3).fit(X, y)   # data(24, 4, K=2)
 *   c.coef_, c.intercept_, c.n_iter_
 */
START_TEST(test_dense_binary_matches_sklearn)
{
    static const double coef[] = {-23.31002331002327, 21.367521367521345, 11.655011655011627,
                                  11.655011655011634};
    static const double icp = -1.0872377848231674;
    int32_t y[24];
    ml_data_t *X = s_data(24, 4, 2, 0, y);
    void *m = S_OPS->create();
    char err[DSK_ERR_LEN];
    s_set(m, "random_state", ml_value_int(3));
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_OK);
    double c[4], b[1];
    s_coef(m, 4, 1, c, b);
    for (int j = 0; j < 4; j++)
        ck_assert_double_eq_tol(c[j], coef[j], 1e-12 * fabs(coef[j]) + 1e-12);
    ck_assert_double_eq_tol(b[0], icp, 1e-12);
    int32_t nc;
    const int32_t *cl = S_OPS->classes(m, &nc);
    ck_assert_int_eq(nc, 2);
    ck_assert_int_eq(cl[0], 10);
    ck_assert_int_eq(cl[1], 20);
    S_OPS->destroy(m);
    ml_data_destroy(&X);
}
END_TEST

/*
 * CSR, 3 classes one-vs-all, log_loss + elasticnet, random_state=7:
 *   Xs = X.copy(); Xs[np.abs(Xs) < 0.6] = 0     # data(30, 4, K=3)
 *   c = SGDClassifier(random_state=7, penalty="elasticnet",
 *                     loss="log_loss").fit(sp.csr_matrix(Xs), y)
 *   c.coef_, c.intercept_, c.predict_proba(sp.csr_matrix(Xs))[0]
 */
START_TEST(test_sparse_multiclass_matches_sklearn)
{
    static const double coef[] = {
        22.58837854286891,  -5.792109706800069, -28.48360111647067, -4.424444605228034,
        -29.745980003638188, 12.123548728577168, -9.634437304985214, 24.053993035751347,
        -9.729924519218503, -10.988717608706175, 3.657166221675326, 17.309019514770032};
    static const double icp[] = {-0.46974047828318605, -1.400249687366184, -1.9841088148273376};
    static const double proba0[] = {0.0001373371000970391, 3.562315406823486e-09,
                                    0.9998626593375874};
    int32_t y[30];
    ml_data_t *X = s_data(30, 4, 3, 1, y);
    ck_assert_int_eq(ml_csr_nnz(X->csr), 80);
    void *m = S_OPS->create();
    char err[DSK_ERR_LEN];
    ml_sgd_set_exact_ova(m, 1);
    s_set(m, "random_state", ml_value_int(7));
    s_set(m, "penalty", ml_value_string("elasticnet"));
    s_set(m, "loss", ml_value_string("log_loss"));
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_OK);
    double c[12], b[3];
    s_coef(m, 4, 3, c, b);
    for (int j = 0; j < 12; j++)
        ck_assert_double_eq_tol(c[j], coef[j], 1e-12 * fabs(coef[j]) + 1e-12);
    for (int r = 0; r < 3; r++)
        ck_assert_double_eq_tol(b[r], icp[r], 1e-12);
    ml_dense_t *p;
    ck_assert_int_eq(S_OPS->predict_proba(m, X, &p, err), DSK_OK);
    for (int r = 0; r < 3; r++)
        ck_assert_double_eq_tol(p->data[r], proba0[r], 1e-12 * proba0[r] + 1e-15);
    ml_dense_destroy(&p);
    S_OPS->destroy(m);
    ml_data_destroy(&X);
}
END_TEST

/* Separable blobs: every loss learns them; dense and CSR give the same model. */
START_TEST(test_blobs_dense_and_sparse_agree)
{
    static const char *const losses[] = {"hinge", "log_loss", "modified_huber",
                                         "squared_hinge", "perceptron"};
    enum { N = 90, D = 6 };
    ml_dense_t *A = ml_dense_new(N, D);
    int32_t y[N];
    for (int i = 0; i < N; i++) {
        y[i] = i % 3;
        for (int j = 0; j < D; j++) /* class c lives around 4 * e_c, noise in [-1, 1) */
            A->data[i * D + j] = (j == y[i] ? 4.0 : 0.0) + ((i * 31 + j * 17) % 20) / 10.0 - 1;
    }
    ml_dense_t *B = ml_dense_copy(A);
    ml_data_t *Xd = ml_data_from_dense(&A);
    ml_csr_t *c = ml_csr_new(N, D, N * D);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++) {
            c->indices[i * D + j] = j;
            c->data[i * D + j] = B->data[i * D + j];
        }
        c->indptr[i + 1] = (i + 1) * D;
    }
    ml_dense_destroy(&B);
    ml_data_t *Xs = ml_data_from_csr(&c);
    char err[DSK_ERR_LEN];
    for (int l = 0; l < 5; l++) {
        int32_t pd[N], ps[N];
        void *md = S_OPS->create(), *ms = S_OPS->create();
        s_set(md, "loss", ml_value_string(losses[l]));
        s_set(ms, "loss", ml_value_string(losses[l]));
        s_set(md, "random_state", ml_value_int(0));
        s_set(ms, "random_state", ml_value_int(0));
        ck_assert_int_eq(S_OPS->fit(md, Xd, y, err), DSK_OK);
        ck_assert_int_eq(S_OPS->fit(ms, Xs, y, err), DSK_OK);
        ck_assert_int_eq(S_OPS->predict(md, Xd, pd, err), DSK_OK);
        ck_assert_int_eq(S_OPS->predict(ms, Xs, ps, err), DSK_OK);
        int ok_d = 0, ok_s = 0;
        for (int i = 0; i < N; i++) {
            ok_d += pd[i] == y[i];
            ok_s += ps[i] == y[i];
        }
        ck_assert_msg(ok_d >= N - 2 && ok_s >= N - 2, "%s: %d %d of %d", losses[l], ok_d, ok_s,
                      N);
        S_OPS->destroy(md);
        S_OPS->destroy(ms);
    }
    ml_data_destroy(&Xd);
    ml_data_destroy(&Xs);
}
END_TEST

/* K blobs in CSR: class c lives around 4 * e_c; some noise entries dropped so columns differ in frequency. */
static ml_data_t *s_blobs_csr(int N, int D, int K, int32_t *y)
{
    ml_csr_t *c = ml_csr_new(N, D, (int64_t)N * D);
    int64_t at = 0;
    for (int i = 0; i < N; i++) {
        y[i] = i % K;
        for (int j = 0; j < D; j++) {
            if (j != y[i] && (i + j) % (j + 2) == 0)
                continue;
            c->indices[at] = j;
            c->data[at++] = (j == y[i] ? 4.0 : 0.0) + ((i * 31 + j * 17) % 20) / 10.0 - 1;
        }
        c->indptr[i + 1] = at;
    }
    return ml_data_from_csr(&c);
}

/*
 * The default joint one-vs-all pass (sparse, 5 classes: padded to 8 in the
 * weights, columns renumbered by frequency): every loss and penalty l2 /
 * None learns the blobs, each class's largest weight is on its own column
 * (the renumbering is undone), and the coefficients differ from the exact
 * per-class fit (so the joint pass did run).
 */
START_TEST(test_joint_learns_blobs)
{
    enum { N = 100, D = 7, K = 5 };
    int32_t y[N];
    ml_data_t *X = s_blobs_csr(N, D, K, y);
    char err[DSK_ERR_LEN];
    static const char *const losses[] = {"hinge", "log_loss", "modified_huber"};
    for (int li = 0; li < 3; li++)
        for (int pi = 0; pi < 2; pi++) {
            void *m = S_OPS->create(), *e = S_OPS->create();
            ml_sgd_set_exact_ova(e, 1);
            void *both[] = {m, e};
            for (int b = 0; b < 2; b++) {
                s_set(both[b], "random_state", ml_value_int(0));
                s_set(both[b], "loss", ml_value_string(losses[li]));
                s_set(both[b], "penalty", pi ? ml_value_none() : ml_value_string("l2"));
                ck_assert_int_eq(S_OPS->fit(both[b], X, y, err), DSK_OK);
            }
            int32_t pred[N];
            ck_assert_int_eq(S_OPS->predict(m, X, pred, err), DSK_OK);
            int ok = 0;
            for (int i = 0; i < N; i++)
                ok += pred[i] == y[i];
            ck_assert_msg(ok >= N - 2, "%s/%d: %d of %d", losses[li], pi, ok, N);
            double c[K * D], b0[K], ce[K * D], be[K];
            s_coef(m, D, K, c, b0);
            s_coef(e, D, K, ce, be);
            int differ = 0;
            for (int k = 0; k < K; k++) {
                for (int j = 0; j < D; j++) {
                    ck_assert(j == k || c[k * D + j] < c[k * D + k]);
                    differ |= c[k * D + j] != ce[k * D + j];
                }
            }
            ck_assert(differ);
            S_OPS->destroy(m);
            S_OPS->destroy(e);
        }
    ml_data_destroy(&X);
}
END_TEST

/*
 * Columns seen in one row only are folded into one weight row per row
 * (ml_sgd_joint.c): row 0 gets two private columns (D and D + 1, values
 * 0.5 and 2.0), so their coefficients are in ratio 1 : 4 for every class,
 * and (log_loss: every step updates every class) not zero.
 */
START_TEST(test_joint_private_columns)
{
    enum { N = 40, D = 5, K = 3 };
    int32_t y[N];
    ml_data_t *B = s_blobs_csr(N, D, K, y);
    ml_csr_t *c = ml_csr_new(N, D + 2, ml_csr_nnz(B->csr) + 2);
    int64_t at = 0;
    for (int i = 0; i < N; i++) {
        for (int64_t j = B->csr->indptr[i]; j < B->csr->indptr[i + 1]; j++) {
            c->indices[at] = B->csr->indices[j];
            c->data[at++] = B->csr->data[j];
        }
        if (i == 0) {
            c->indices[at] = D;
            c->data[at++] = 0.5;
            c->indices[at] = D + 1;
            c->data[at++] = 2.0;
        }
        c->indptr[i + 1] = at;
    }
    ml_data_destroy(&B);
    ml_data_t *X = ml_data_from_csr(&c);
    char err[DSK_ERR_LEN];
    void *m = S_OPS->create();
    s_set(m, "random_state", ml_value_int(1));
    s_set(m, "loss", ml_value_string("log_loss"));
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_OK);
    double w[K * (D + 2)], b[K];
    s_coef(m, D + 2, K, w, b);
    int nonzero = 0;
    for (int k = 0; k < K; k++) {
        double a = w[k * (D + 2) + D], d = w[k * (D + 2) + D + 1];
        ck_assert_double_eq_tol(d, 4.0 * a, 1e-12 * fabs(d) + 1e-15);
        nonzero += a != 0.0;
    }
    ck_assert_int_eq(nonzero, K);
    S_OPS->destroy(m);
    ml_data_destroy(&X);
}
END_TEST

/*
 * A joint model's own decision function gives, bit for bit, X @ coef.T +
 * intercept summed over each row's features in order, from the coef it
 * writes.
 */
static void s_joint_decides_as_coef(const ml_sgd_joint_model_t *jm, const ml_csr_t *X,
                                    const double *coef, const double *icp)
{
    int32_t K = jm->K;
    double *d = malloc((size_t)(X->nrows * K) * sizeof *d);
    ml_sgd_joint_decision(jm, X, icp, d);
    for (int64_t i = 0; i < X->nrows; i++)
        for (int32_t k = 0; k < K; k++) {
            double acc = 0.0;
            for (int64_t j = X->indptr[i]; j < X->indptr[i + 1]; j++)
                acc += X->data[j] * coef[k * X->ncols + X->indices[j]];
            acc += icp[k];
            ck_assert_msg(memcmp(&acc, &d[i * K + k], sizeof acc) == 0,
                          "row %lld class %d: %.17g from coef, %.17g from the joint model",
                          (long long)i, k, acc, d[i * K + k]);
        }
    free(d);
}

/*
 * The 4-lane and the 8-lane (AVX2) builds of the joint pass give the same
 * coefficients, intercepts and epoch counts bit for bit, for every penalty
 * and class counts that fill, half-fill and overflow a vector (3, 8, 11,
 * 20), and each model's decision function is its coef_'s. On a CPU
 * without AVX2 only the 4-lane build runs (and learns).
 */
START_TEST(test_joint_lane_builds_agree)
{
    enum { N = 120, D = 23 };
    static const int classes[] = {3, 8, 11, 20};
    static const ml_sgd_penalty_t pens[] = {ML_SGD_PENALTY_NONE, ML_SGD_PENALTY_L1,
                                            ML_SGD_PENALTY_L2, ML_SGD_PENALTY_ELASTICNET};
    static const ml_sgd_loss_t losses[] = {ML_SGD_HINGE, ML_SGD_LOG_LOSS};
    char err[DSK_ERR_LEN];
    for (int ci = 0; ci < 4; ci++) {
        int K = classes[ci];
        int32_t y[N];
        ml_data_t *X = s_blobs_csr(N, D, K, y);
        double pos[20], c4[20 * D], c8[20 * D], i4[20], i8[20];
        for (int k = 0; k < K; k++)
            pos[k] = 1.0;
        for (int pi = 0; pi < 4; pi++)
            for (int li = 0; li < 2; li++) {
                ml_sgd_config_t cfg = {.loss = losses[li], .penalty = pens[pi],
                                       .learning_rate = ML_SGD_LR_OPTIMAL, .alpha = 1e-3,
                                       .l1_ratio = 0.15, .eta0 = 0.0, .power_t = 0.5,
                                       .tol = 1e-3, .max_iter = 50, .n_iter_no_change = 5,
                                       .fit_intercept = 1, .shuffle = 1};
                int64_t n4 = 0, n8 = 0;
                ml_sgd_joint_model_t *j4 = NULL, *j8 = NULL;
                ck_assert_int_eq(ml_sgd_joint_4(&cfg, X->csr, y, K, pos, 7, 0.01, &j4, i4, &n4,
                                                err), DSK_OK);
                ck_assert(n4 > 0);
                /* the estimate a worker makes room for covers either build's weight table */
                size_t est = ml_sgd_joint_bytes(&cfg, N, D, X->csr->indptr[N], K);
                ck_assert_uint_ge(est, (size_t)D * (size_t)j4->stride * sizeof(float));
                ml_sgd_joint_coef(j4, c4);
                s_joint_decides_as_coef(j4, X->csr, c4, i4);
#if ML_SGD_JOINT_WIDE
                if (ml_sgd_joint_wide_available()) {
                    ck_assert_int_eq(ml_sgd_joint_8(&cfg, X->csr, y, K, pos, 7, 0.01, &j8, i8,
                                                    &n8, err), DSK_OK);
                    ml_sgd_joint_coef(j8, c8);
                    ck_assert_uint_ge(est, (size_t)D * (size_t)j8->stride * sizeof(float));
                    ck_assert_int_eq(n8, n4);
                    ck_assert_msg(memcmp(c4, c8, (size_t)K * D * sizeof(double)) == 0 &&
                                      memcmp(i4, i8, (size_t)K * sizeof(double)) == 0,
                                  "K %d penalty %d loss %d: the builds differ", K, pi, li);
                    s_joint_decides_as_coef(j8, X->csr, c8, i8);
                    ml_sgd_joint_model_free(&j8);
                }
#else
                (void)c8, (void)i8, (void)n8, (void)j8;
#endif
                ml_sgd_joint_model_free(&j4);
            }
        ml_data_destroy(&X);
    }
}
END_TEST

/* What the joint pass does not cover (averaging here) is the exact fit, bit for bit, by default. */
START_TEST(test_joint_falls_back_to_exact)
{
    enum { N = 60, D = 7, K = 4 };
    int32_t y[N];
    ml_data_t *X = s_blobs_csr(N, D, K, y);
    char err[DSK_ERR_LEN];
    void *m = S_OPS->create(), *e = S_OPS->create();
    ml_sgd_set_exact_ova(e, 1);
    void *both[] = {m, e};
    for (int b = 0; b < 2; b++) {
        s_set(both[b], "random_state", ml_value_int(3));
        s_set(both[b], "average", ml_value_bool(1));
        ck_assert_int_eq(S_OPS->fit(both[b], X, y, err), DSK_OK);
    }
    double c[K * D], b0[K], ce[K * D], be[K];
    s_coef(m, D, K, c, b0);
    s_coef(e, D, K, ce, be);
    ck_assert_mem_eq(c, ce, sizeof c);
    ck_assert_mem_eq(b0, be, sizeof b0);
    S_OPS->destroy(m);
    S_OPS->destroy(e);
    ml_data_destroy(&X);
}
END_TEST

/* A fresh impl loaded from m's saved model. */
static void *s_saved_and_loaded(const void *m)
{
    char err[DSK_ERR_LEN];
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_int_eq(S_OPS->save(m, &pk, err), DSK_OK);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    void *back = S_OPS->create();
    ck_assert_msg(S_OPS->load(back, &u.data, err) == DSK_OK, "%s", err);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    return back;
}

/* A saved model, loaded into a fresh impl, gives the very same scores and parameters. */
START_TEST(test_save_load_bit_identical)
{
    int32_t y[30];
    ml_data_t *X = s_data(30, 4, 3, 0, y);
    void *m = S_OPS->create();
    char err[DSK_ERR_LEN];
    s_set(m, "random_state", ml_value_int(1));
    s_set(m, "loss", ml_value_string("modified_huber"));
    s_set(m, "alpha", ml_value_float(1e-3));
    s_set(m, "average", ml_value_int(5));
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_OK);
    void *m2 = s_saved_and_loaded(m);
    ml_dense_t *a, *b;
    ck_assert_int_eq(S_OPS->predict_proba(m, X, &a, err), DSK_OK);
    ck_assert_int_eq(S_OPS->predict_proba(m2, X, &b, err), DSK_OK);
    ck_assert_int_eq(memcmp(a->data, b->data, (size_t)(30 * 3) * sizeof(double)), 0);
    ml_value_t v;
    ck_assert_int_eq(S_OPS->get_param(m2, "alpha", &v, err), DSK_OK);
    ck_assert(v.type == ML_V_FLOAT && v.u.f == 1e-3);
    ck_assert_int_eq(S_OPS->get_param(m2, "average", &v, err), DSK_OK);
    ck_assert(v.type == ML_V_INT && v.u.i == 5);
    ml_dense_destroy(&a);
    ml_dense_destroy(&b);
    S_OPS->destroy(m);
    S_OPS->destroy(m2);
    ml_data_destroy(&X);
}
END_TEST

/*
 * A joint fit (5 classes, sparse) keeps its own weights: its decision
 * function on sparse rows, on dense rows and after a save and a load (from
 * the coef_ written then) are the same numbers bit for bit.
 */
START_TEST(test_joint_model_saves_what_it_decides)
{
    enum { N = 100, D = 7, K = 5 };
    int32_t y[N];
    ml_data_t *X = s_blobs_csr(N, D, K, y);
    char err[DSK_ERR_LEN];
    void *m = S_OPS->create();
    s_set(m, "random_state", ml_value_int(0));
    s_set(m, "penalty", ml_value_string("elasticnet"));
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_OK);
    void *m2 = s_saved_and_loaded(m);
    ml_dense_t *dense = ml_dense_new(N, D);
    for (int i = 0; i < N; i++)
        for (int64_t j = X->csr->indptr[i]; j < X->csr->indptr[i + 1]; j++)
            dense->data[i * D + X->csr->indices[j]] = X->csr->data[j];
    ml_data_t *Xd = ml_data_from_dense(&dense);
    ml_dense_t *a, *b, *c;
    ck_assert_int_eq(S_OPS->decision_function(m, X, &a, err), DSK_OK);
    ck_assert_int_eq(S_OPS->decision_function(m2, X, &b, err), DSK_OK);
    ck_assert_int_eq(S_OPS->decision_function(m, Xd, &c, err), DSK_OK);
    ck_assert_int_eq(memcmp(a->data, b->data, (size_t)(N * K) * sizeof(double)), 0);
    for (int i = 0; i < N * K; i++) /* dense: BLAS may sum in another order */
        ck_assert_double_eq_tol(a->data[i], c->data[i], 1e-12 * (1.0 + fabs(a->data[i])));
    ml_dense_destroy(&a);
    ml_dense_destroy(&b);
    ml_dense_destroy(&c);
    S_OPS->destroy(m);
    S_OPS->destroy(m2);
    ml_data_destroy(&X);
    ml_data_destroy(&Xd);
}
END_TEST

/* A model file whose coef has the wrong size is refused, not read past its end. */
START_TEST(test_load_rejects_malformed)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 6);
    msgpack_pack_str_with_body(&pk, "params", 6);
    msgpack_pack_map(&pk, 0);
    msgpack_pack_str_with_body(&pk, "classes", 7);
    msgpack_pack_array(&pk, 3);
    for (int c = 0; c < 3; c++)
        msgpack_pack_int32(&pk, c);
    msgpack_pack_str_with_body(&pk, "n_features", 10);
    msgpack_pack_int64(&pk, 4);
    msgpack_pack_str_with_body(&pk, "coef", 4);
    msgpack_pack_array(&pk, 5);
    for (int c = 0; c < 5; c++)
        msgpack_pack_double(&pk, 1.0);
    msgpack_pack_str_with_body(&pk, "intercept", 9);
    msgpack_pack_array(&pk, 3);
    for (int c = 0; c < 3; c++)
        msgpack_pack_double(&pk, 0.0);
    msgpack_pack_str_with_body(&pk, "n_iter", 6);
    msgpack_pack_int64(&pk, 3);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    void *m = S_OPS->create();
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(S_OPS->load(m, &u.data, err), DSK_EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "malformed"));
    int32_t n;
    S_OPS->classes(m, &n);
    ck_assert_int_eq(n, 0);
    S_OPS->destroy(m);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

static void s_expect_err(const char *name, ml_value_t v, const char *needle)
{
    char err[DSK_ERR_LEN];
    void *m = S_OPS->create();
    ck_assert_int_eq(S_OPS->set_param(m, name, &v, err), DSK_EINVAL);
    ck_assert_msg(strstr(err, needle) != NULL, "%s: '%s' lacks '%s'", name, err, needle);
    ml_value_clear(&v);
    S_OPS->destroy(m);
}

/* Every unsupported or invalid value is refused with an error naming it. */
START_TEST(test_param_errors)
{
    s_expect_err("loss", ml_value_string("huber"), "'loss' value 'huber' is not supported");
    s_expect_err("loss", ml_value_string("hinj"), "must be one of 'hinge'");
    s_expect_err("penalty", ml_value_string("l3"), "'penalty' must be one of");
    s_expect_err("early_stopping", ml_value_bool(1), "'early_stopping' value True");
    s_expect_err("warm_start", ml_value_bool(1), "'warm_start' value True");
    s_expect_err("learning_rate", ml_value_string("pa1"), "'learning_rate' value 'pa1'");
    s_expect_err("class_weight", ml_value_string("auto"), "'class_weight'");
    s_expect_err("alpha", ml_value_float(-1), "'alpha' must be a float in [0, inf]");
    s_expect_err("l1_ratio", ml_value_float(1.5), "'l1_ratio'");
    s_expect_err("max_iter", ml_value_int(0), "'max_iter' must be an integer >= 1");
    s_expect_err("validation_fraction", ml_value_float(1.0), "(0, 1)");
    s_expect_err("random_state", ml_value_int(-1), "'random_state'");
    s_expect_err("alhpa", ml_value_float(1), "did you mean 'alpha'");
    char err[DSK_ERR_LEN];
    int32_t y[24];
    ml_data_t *X = s_data(24, 4, 2, 0, y);
    void *m = S_OPS->create();
    s_set(m, "learning_rate", ml_value_string("constant"));
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "eta0 must be > 0"));
    s_set(m, "learning_rate", ml_value_string("optimal"));
    s_set(m, "alpha", ml_value_float(0.0));
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "alpha must be > 0"));
    s_set(m, "alpha", ml_value_float(1e-4));
    for (int i = 0; i < 24; i++)
        y[i] = 5;
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "got 1 class"));
    ml_dense_t *s;
    ck_assert_int_eq(S_OPS->decision_function(m, X, &s, err), DSK_ESTATE);
    ml_data_t *T = ml_data_new_text(2);
    ck_assert_int_eq(S_OPS->fit(m, T, y, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "dense or sparse"));
    ml_data_destroy(&T);
    S_OPS->destroy(m);
    ml_data_destroy(&X);
}
END_TEST

/* Defaults are scikit-learn's; hinge has no predict_proba. */
START_TEST(test_defaults_and_proba_availability)
{
    char err[DSK_ERR_LEN], buf[64];
    void *m = S_OPS->create();
    static const char *const want[][2] = {
        {"loss", "'hinge'"}, {"penalty", "'l2'"}, {"alpha", "0.0001"}, {"l1_ratio", "0.15"},
        {"max_iter", "1000"}, {"tol", "0.001"}, {"learning_rate", "'optimal'"},
        {"eta0", "0.0"}, {"power_t", "0.5"}, {"n_iter_no_change", "5"},
        {"random_state", "None"}, {"average", "False"}, {"class_weight", "None"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ml_value_t v;
        ck_assert_int_eq(S_OPS->get_param(m, want[i][0], &v, err), DSK_OK);
        ck_assert_str_eq(ml_value_repr(&v, buf, sizeof buf), want[i][1]);
        ml_value_clear(&v);
    }
    int32_t y[24];
    ml_data_t *X = s_data(24, 4, 2, 0, y);
    s_set(m, "random_state", ml_value_int(0));
    s_set(m, "max_iter", ml_value_int(2)); /* also exercises the ConvergenceWarning path */
    ck_assert_int_eq(S_OPS->fit(m, X, y, err), DSK_OK);
    ml_dense_t *p;
    ck_assert_int_eq(S_OPS->predict_proba(m, X, &p, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "loss='hinge'"));
    S_OPS->destroy(m);
    ml_data_destroy(&X);
}
END_TEST

/* scikit-learn's our_rand_r from seed 1: 270369, 67634689, then 2647435461 % 2^31. */
START_TEST(test_rand_r_sequence)
{
    uint32_t s = 1;
    ck_assert_uint_eq(ml_sgd_rand_r(&s), 270369u);
    ck_assert_uint_eq(ml_sgd_rand_r(&s), 67634689u);
    ck_assert_uint_eq(ml_sgd_rand_r(&s), 2647435461u % 2147483648u);
    s = 0; /* 0 is replaced by 1, as in scikit-learn */
    ck_assert_uint_eq(ml_sgd_rand_r(&s), 270369u);
}
END_TEST

Suite *dsk_ml_sgd_suite(void)
{
    Suite *s = suite_create("ml_sgd");
    TCase *tc = tcase_create("sgd");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_dense_binary_matches_sklearn);
    tcase_add_test(tc, test_sparse_multiclass_matches_sklearn);
    tcase_add_test(tc, test_blobs_dense_and_sparse_agree);
    tcase_add_test(tc, test_joint_learns_blobs);
    tcase_add_test(tc, test_joint_falls_back_to_exact);
    tcase_add_test(tc, test_joint_private_columns);
    tcase_add_test(tc, test_joint_lane_builds_agree);
    tcase_add_test(tc, test_joint_model_saves_what_it_decides);
    tcase_add_test(tc, test_save_load_bit_identical);
    tcase_add_test(tc, test_load_rejects_malformed);
    tcase_add_test(tc, test_param_errors);
    tcase_add_test(tc, test_defaults_and_proba_availability);
    tcase_add_test(tc, test_rand_r_sequence);
    suite_add_tcase(s, tc);
    return s;
}
