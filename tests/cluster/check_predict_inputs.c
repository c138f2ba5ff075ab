/*
 * check_predict_inputs.c — dsk-submit predict on the user's own files,
 * without labels, through a real cluster of 3 workers: the first 300
 * digits as .npy (float64 C order, float32 Fortran order, big-endian
 * int16), .csv with and without a header row, svmlight, .npz of a SciPy
 * sparse matrix (csr deflated, coo stored: tests/cluster/fixtures), and
 * documents as a .txt and as a folder of files, each read by the client
 * and (--input-on-workers, text cut in 997-byte blocks) by the workers.
 * Every output must be the in-process model's predictions on the same
 * rows, in order; --method score with labels (a .npy, a .txt, an
 * svmlight file's own) must be the in-process accuracy (the SVC's
 * predictions are scikit-learn's: tests/parity), and without labels a
 * clear error before anything is sent.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster_util.h"
#include "dsk_msg.h"
#include "ml_load.h"
#include "ml_model.h"
#include "ml_scorer.h"

#define S_ROWS 300

static char s_ep[64];

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

static void s_cluster(void)
{
    cu_endpoint(s_ep, sizeof s_ep);
    const char *sargs[] = {"--listen", s_ep, NULL};
    cu_spawn("dskd-scheduler", "scheduler.log", sargs);
    for (int i = 0; i < 3; i++) {
        char name[16], log[32];
        snprintf(name, sizeof name, "w%d", i + 1);
        snprintf(log, sizeof log, "worker%d.log", i + 1);
        const char *wargs[] = {"--scheduler", s_ep, "--name", name, "--nthreads", "2", NULL};
        cu_spawn("dskd-worker", log, wargs);
    }
    CU_ASSERT(cu_wait_workers(s_ep, 3, 10000) >= 0, "3 workers did not register");
}

static const char *s_path(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", cu_tmpdir(), name);
    return buf;
}

/* A fit job file in the test dir, fitted on the cluster into model. */
static void s_fit(const char *job_text, const char *model)
{
    char job[512], err[4096] = "";
    FILE *f = fopen(s_path("fit.json", job, sizeof job), "w");
    fputs(job_text, f);
    fclose(f);
    const char *args[] = {"fit", job, "--model-out", model, "--quiet", NULL};
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 0, "fit exited %d: %s", rc, err);
}

/* A .npy of X (rows x cols doubles, row-major; cols 0: a 1-D array) as dtype descr, in C or
   Fortran order. */
static void s_write_npy(const char *path, const double *X, int64_t rows, int64_t cols,
                        const char *descr, int fortran)
{
    char dict[200], shape[64];
    if (cols)
        snprintf(shape, sizeof shape, "(%lld, %lld)", (long long)rows, (long long)cols);
    else
        snprintf(shape, sizeof shape, "(%lld,)", (long long)rows);
    cols = cols ? cols : 1;
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                     descr, fortran ? "True" : "False", shape);
    int total = ((10 + n + 1 + 63) / 64) * 64;
    FILE *f = fopen(path, "wb");
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc((total - 10) & 0xff, f);
    fputc((total - 10) >> 8, f);
    fwrite(dict, 1, (size_t)n, f);
    for (int i = 10 + n; i < total - 1; i++)
        fputc(' ', f);
    fputc('\n', f);
    for (int64_t k = 0; k < rows * cols; k++) {
        int64_t r = fortran ? k % rows : k / cols, c = fortran ? k / rows : k % cols;
        double v = X[r * cols + c];
        if (strcmp(descr, "<f8") == 0) {
            fwrite(&v, 8, 1, f);
        } else if (strcmp(descr, "<f4") == 0) {
            float x = (float)v;
            fwrite(&x, 4, 1, f);
        } else { /* >i2 */
            int16_t x = (int16_t)v;
            fputc((x >> 8) & 0xff, f);
            fputc(x & 0xff, f);
        }
    }
    fclose(f);
}

/* --input-on-workers with blocks of a text file cut mid-line (997 bytes), or of a folder. */
static const char *const s_on_workers[] = {"--input-on-workers", "--chunk-bytes", "997", NULL};

/* Runs predict on input (extra arguments after it, NULL-terminated) into out.npy; the labels
   it wrote. */
static int64_t s_predict(const char *model, const char *input, const char *const *extra,
                         int64_t **labels)
{
    char out[512], err[4096] = "";
    s_path("pred.npy", out, sizeof out);
    remove(out);
    const char *args[16] = {"predict", "--model", model, "--input", input, "--out", out,
                            "--chunk-rows", "70", "--quiet"};
    for (int k = 0; extra && extra[k]; k++)
        args[10 + k] = extra[k];
    int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
    CU_ASSERT(rc == 0, "predict --input %s exited %d: %s", input, rc, err);
    FILE *f = fopen(out, "rb");
    unsigned char head[10];
    CU_ASSERT(f && fread(head, 1, 10, f) == 10, "%s: no predictions", input);
    fseek(f, 10 + (long)(head[8] | head[9] << 8), SEEK_SET);
    int64_t n = 0, v, *y = NULL;
    while (fread(&v, sizeof v, 1, f) == 1) {
        y = realloc(y, (size_t)(n + 1) * sizeof *y);
        y[n++] = v;
    }
    fclose(f);
    *labels = y;
    return n;
}

/* The model file loaded in process, and the digits. */
static void s_model_and_digits(const char *model, ml_pipeline_t **pipe, ml_dataset_t **ds)
{
    char e[DSK_ERR_LEN];
    json_t *spec = json_pack("{s:s}", "loader", "digits");
    ck_assert_msg(ml_model_load(model, pipe, e) == 0, "%s", e);
    ck_assert_msg(ml_load_dataset(spec, ds, e) == 0, "%s", e);
    json_decref(spec);
}

/* The in-process model's predictions on the data spec's rows. */
static int32_t *s_expected(const char *model, json_t *spec, int64_t *n)
{
    char e[DSK_ERR_LEN];
    ml_pipeline_t *p = NULL;
    ml_dataset_t *ds = NULL;
    ck_assert_msg(ml_model_load(model, &p, e) == 0, "%s", e);
    ck_assert_msg(ml_load_dataset(spec, &ds, e) == 0, "%s", e);
    json_decref(spec);
    *n = ds->X->nrows;
    int32_t *want = malloc((size_t)*n * sizeof *want);
    ck_assert_msg(ml_pipeline_predict(p, ds->X, want, e) == 0, "%s", e);
    ml_dataset_destroy(&ds);
    ml_pipeline_destroy(&p);
    return want;
}

static void s_assert_same(const char *input, const char *const *extra, const char *model,
                          const int32_t *want, int64_t n)
{
    int64_t *got;
    int64_t m = s_predict(model, input, extra, &got), wrong = 0;
    for (int64_t i = 0; i < m && i < n; i++)
        wrong += got[i] != want[i];
    CU_ASSERT(m == n && wrong == 0, "%s%s: %lld rows (want %lld), %lld differ from the "
              "in-process model", input, extra ? " (the workers read it)" : "", (long long)m,
              (long long)n, (long long)wrong);
    free(got);
}

START_TEST(test_matrix_files_without_labels)
{
    s_cluster();
    char model[512], p[512];
    s_path("svc.dskm", model, sizeof model);
    s_fit("{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
          "{\"C\": 10, \"random_state\": 0}]]}\n", model);
    char e[DSK_ERR_LEN];
    ml_dataset_t *ds = NULL;
    json_t *spec = json_pack("{s:s}", "loader", "digits");
    ck_assert_msg(ml_load_dataset(spec, &ds, e) == 0, "%s", e);
    json_decref(spec);
    const double *X = ds->X->dense->data;
    int64_t d = ds->X->dense->ncols, n;

    s_write_npy(s_path("X.npy", p, sizeof p), X, S_ROWS, d, "<f8", 0);
    int32_t *want = s_expected(model, json_pack("{s:s, s:s}", "loader", "npy", "path", p), &n);
    CU_ASSERT(n == S_ROWS, "the reference has %lld rows", (long long)n);
    s_assert_same(p, NULL, model, want, n);
    s_write_npy(s_path("Xf.npy", p, sizeof p), X, S_ROWS, d, "<f4", 1);
    s_assert_same(p, NULL, model, want, n);
    s_write_npy(s_path("Xi.npy", p, sizeof p), X, S_ROWS, d, ">i2", 0);
    s_assert_same(p, NULL, model, want, n);

    /* csv with a header row, and without */
    for (int header = 0; header < 2; header++) {
        s_path(header ? "Xh.csv" : "X.csv", p, sizeof p);
        FILE *f = fopen(p, "w");
        for (int64_t c = 0; header && c < d; c++)
            fprintf(f, "%spixel_%lld", c ? "," : "", (long long)c);
        if (header)
            fputc('\n', f);
        for (int64_t r = 0; r < S_ROWS; r++)
            for (int64_t c = 0; c < d; c++)
                fprintf(f, "%g%c", X[r * d + c], c + 1 < d ? ',' : '\n');
        fclose(f);
        s_assert_same(p, NULL, model, want, n);
        s_assert_same(p, s_on_workers, model, want, n);
    }

    /* svmlight, one-based as libsvm writes it; its width from a data spec */
    char svm[512];
    FILE *f = fopen(s_path("X.svmlight", svm, sizeof svm), "w");
    for (int64_t r = 0; r < S_ROWS; r++) {
        fputc('0', f);
        for (int64_t c = 0; c < d; c++)
            if (X[r * d + c] != 0)
                fprintf(f, " %lld:%g", (long long)c + 1, X[r * d + c]);
        fputc('\n', f);
    }
    fclose(f);
    f = fopen(s_path("svm.json", p, sizeof p), "w");
    fprintf(f, "{\"loader\": \"svmlight\", \"path\": \"%s\", \"n_features\": 64, "
               "\"zero_based\": false}\n", svm);
    fclose(f);
    s_assert_same(p, NULL, model, want, n);
    /* and streamed, every feature written (zeros too: the file's width is its own) */
    f = fopen(s_path("Xall.svmlight", svm, sizeof svm), "w");
    fprintf(f, "# every feature, one-based\n");
    for (int64_t r = 0; r < S_ROWS; r++) {
        fputc('0', f);
        for (int64_t c = 0; c < d; c++)
            fprintf(f, " %lld:%g", (long long)c + 1, X[r * d + c]);
        fputc('\n', f);
    }
    fclose(f);
    s_assert_same(svm, NULL, model, want, n);
    s_assert_same(svm, s_on_workers, model, want, n);

    /* a row that cannot be read, found mid-stream: the error names it, the job is cancelled */
    {
        char bad[512], bout[512], berr[4096] = "", jobs_out[8192] = "";
        FILE *bf = fopen(s_path("late_bad.csv", bad, sizeof bad), "w");
        for (int64_t r = 0; r < 250; r++)
            for (int64_t c = 0; c < d; c++)
                fprintf(bf, "%g%c", X[r * d + c], c + 1 < d ? ',' : '\n');
        fprintf(bf, "1,2\n");
        fclose(bf);
        const char *bargs[] = {"predict", "--model", model, "--input", bad, "--out",
                               s_path("bad.npy", bout, sizeof bout), "--chunk-rows", "100",
                               "--quiet", NULL};
        int brc = cu_submit(s_ep, NULL, 0, berr, sizeof berr, bargs);
        CU_ASSERT(brc == 2 && strstr(berr, "late_bad.csv:251: expected 64 columns"),
                  "a bad row mid-stream: exit %d: %s", brc, berr);
        const char *jargs[] = {"jobs", "--json", NULL};
        cu_submit(s_ep, jobs_out, sizeof jobs_out, berr, sizeof berr, jargs);
        json_t *jl = json_loads(jobs_out, 0, NULL), *last = json_array_get(jl, 0);
        CU_ASSERT(json_integer_value(json_object_get(last, "state")) == DSK_JOB_CANCELLED,
                  "the abandoned predict job was not cancelled: %s", jobs_out);
        json_decref(jl);
    }

    /* SciPy's sparse .npz, deflated csr and stored coo */
    s_assert_same("tests/cluster/fixtures/digits300_csr.npz", NULL, model, want, n);
    s_assert_same("tests/cluster/fixtures/digits300_coo.npz", NULL, model, want, n);
    /* read at any row by the workers (stored uncompressed); a deflated one is refused */
    s_assert_same("tests/cluster/fixtures/digits300_csr_stored.npz", s_on_workers, model, want, n);
    {
        char zerr[4096] = "";
        const char *zargs[] = {"predict", "--model", model, "--input",
                               "tests/cluster/fixtures/digits300_csr.npz", "--input-on-workers",
                               "--aggregate", "counts", "--quiet", NULL};
        int zrc = cu_submit(s_ep, NULL, 0, zerr, sizeof zerr, zargs);
        CU_ASSERT(zrc == 2 && strstr(zerr, "compressed=False"),
                  "a deflated .npz on the workers: exit %d: %s", zrc, zerr);
    }

    /* score: only with labels, asked for by name */
    char labels[512], out[4096] = "", err[4096] = "";
    double y[S_ROWS];
    int64_t correct = 0;
    for (int64_t r = 0; r < S_ROWS; r++) {
        y[r] = ds->y[r];
        correct += want[r] == ds->y[r];
    }
    s_write_npy(s_path("y.npy", labels, sizeof labels), y, S_ROWS, 0, "<f8", 0);
    s_path("X.npy", p, sizeof p);
    const char *nolab[] = {"predict", "--model", model, "--input", p, "--method", "score", NULL};
    int rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, nolab);
    CU_ASSERT(rc == 2 && strstr(err, "needs the true labels") && strstr(err, "--labels"),
              "score without labels: exit %d: %s", rc, err);
    const char *inputs[] = {p, "tests/cluster/fixtures/digits300_csr.npz"};
    for (int k = 0; k < 2; k++) {
        const char *scored[] = {"predict", "--model", model, "--input", inputs[k], "--labels",
                                labels, "--method", "score", "--chunk-rows", "70", NULL};
        rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, scored);
        json_t *j = json_loads(out, 0, NULL);
        double score = json_real_value(json_object_get(j, "score"));
        CU_ASSERT(rc == 0 && score == (double)correct / S_ROWS,
                  "score %s with labels: exit %d, %.17g, want %.17g: %s%s", inputs[k], rc, score,
                  (double)correct / S_ROWS, out, err);
        json_decref(j);
    }

    /* score on streamed text inputs: the labels from a .npy, a .txt (one a line, numbers
       written two ways), or an svmlight file's own first column */
    char ytxt[512], svmy[512], csvp[512];
    FILE *yf = fopen(s_path("y.txt", ytxt, sizeof ytxt), "w");
    FILE *sf = fopen(s_path("Xy.svmlight", svmy, sizeof svmy), "w");
    for (int64_t r = 0; r < S_ROWS; r++) {
        fprintf(yf, r % 2 ? "%d\n" : "%d.0\r\n", ds->y[r]);
        fprintf(sf, "%d", ds->y[r]);
        for (int64_t c = 0; c < d; c++)
            fprintf(sf, " %lld:%g", (long long)c + 1, X[r * d + c]);
        fputc('\n', sf);
    }
    fclose(yf);
    fclose(sf);
    s_path("X.csv", csvp, sizeof csvp);
    const char *cases[][2] = {{csvp, labels}, {csvp, ytxt}, {svmy, NULL},
                              {"tests/cluster/fixtures/digits300_csr.npz", ytxt}};
    for (int k = 0; k < 4; k++) {
        const char *scored[] = {"predict", "--model", model, "--input", cases[k][0],
                                "--method", "score", "--chunk-rows", "70", "--quiet",
                                cases[k][1] ? "--labels" : NULL, cases[k][1], NULL};
        rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, scored);
        json_t *j = json_loads(out, 0, NULL);
        double score = json_real_value(json_object_get(j, "score"));
        CU_ASSERT(rc == 0 && score == (double)correct / S_ROWS,
                  "score %s with labels %s: exit %d, %.17g, want %.17g: %s%s", cases[k][0],
                  cases[k][1] ? cases[k][1] : "(its own)", rc, score,
                  (double)correct / S_ROWS, out, err);
        json_decref(j);
    }
    free(want);
    ml_dataset_destroy(&ds);
}
END_TEST

START_TEST(test_documents_without_labels)
{
    s_cluster();
    char model[512], txt[512], dir[512], p[1024];
    s_path("sgd.dskm", model, sizeof model);
    s_fit("{\"data\": {\"loader\": \"20newsgroups\", \"subset\": \"train\", \"categories\": "
          "[\"alt.atheism\", \"talk.religion.misc\"]}, \"pipeline\": [[\"vect\", "
          "\"CountVectorizer\", {}], [\"tfidf\", \"TfidfTransformer\", {}], [\"clf\", "
          "\"SGDClassifier\", {\"random_state\": 0}]]}\n", model);
    char e[DSK_ERR_LEN];
    ml_dataset_t *ds = NULL;
    json_t *spec = json_pack("{s:s, s:s, s:[s, s]}", "loader", "20newsgroups", "subset", "test",
                             "categories", "alt.atheism", "talk.religion.misc");
    ck_assert_msg(ml_load_dataset(spec, &ds, e) == 0, "%s", e);
    json_decref(spec);
    /* 120 test documents on one line each, and one a file */
    FILE *t = fopen(s_path("docs.txt", txt, sizeof txt), "w");
    mkdir(s_path("docs", dir, sizeof dir), 0755);
    for (int i = 0; i < 120; i++) {
        char *doc = strndup(ds->X->text.docs[i], ds->X->text.lens[i]);
        for (char *c = doc; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        fprintf(t, "%s\n", doc);
        snprintf(p, sizeof p, "%s/doc%03d.txt", dir, i);
        FILE *f = fopen(p, "w");
        fputs(doc, f);
        fclose(f);
        free(doc);
    }
    fclose(t);
    char ytxt[512];
    FILE *yf = fopen(s_path("docs_y.txt", ytxt, sizeof ytxt), "w");
    for (int i = 0; i < 120; i++)
        fprintf(yf, "%d\n", ds->y[i]);
    fclose(yf);
    int64_t n;
    int32_t *want = s_expected(model, json_pack("{s:s, s:s}", "loader", "text-lines", "path", txt),
                               &n);
    CU_ASSERT(n == 120, "the reference has %lld documents", (long long)n);
    s_assert_same(txt, NULL, model, want, n);
    s_assert_same(dir, NULL, model, want, n);
    s_assert_same(txt, s_on_workers, model, want, n);
    s_assert_same(dir, s_on_workers, model, want, n);
    /* score, streamed with a .txt of labels */
    int64_t correct = 0;
    for (int i = 0; i < 120; i++)
        correct += want[i] == ds->y[i];
    ml_dataset_destroy(&ds);
    const char *inputs[] = {txt, dir};
    for (int k = 0; k < 2; k++) {
        char out[4096] = "", err[4096] = "";
        const char *scored[] = {"predict", "--model", model, "--input", inputs[k], "--labels",
                                ytxt, "--method", "score", "--chunk-rows", "25", "--quiet", NULL};
        int rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, scored);
        json_t *j = json_loads(out, 0, NULL);
        double score = json_real_value(json_object_get(j, "score"));
        CU_ASSERT(rc == 0 && score == (double)correct / 120,
                  "score %s with labels: exit %d, %.17g, want %.17g: %s%s", inputs[k], rc, score,
                  (double)correct / 120, out, err);
        json_decref(j);
    }
    free(want);
}
END_TEST

/* predict_proba and predict_log_proba of an SVC(probability=True) through the workers: the
   in-process model's values, to the bit, in order. */
START_TEST(test_predict_proba_through_the_cluster)
{
    s_cluster();
    char model[512], p[512], out[512], err[4096] = "";
    s_path("svcp.dskm", model, sizeof model);
    s_fit("{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
          "{\"probability\": true, \"random_state\": 0}]]}\n", model);
    char e[DSK_ERR_LEN];
    ml_pipeline_t *pipe = NULL;
    ml_dataset_t *ds = NULL;
    s_model_and_digits(model, &pipe, &ds);
    s_write_npy(s_path("X.npy", p, sizeof p), ds->X->dense->data, ds->X->nrows,
                ds->X->dense->ncols, "<f8", 0);
    ml_dense_t *want = NULL;
    ck_assert_msg(ml_pipeline_predict_proba(pipe, ds->X, &want, e) == 0, "%s", e);
    for (int lg = 0; lg < 2; lg++) {
        s_path("proba.npy", out, sizeof out);
        const char *args[] = {"predict", "--model", model, "--input", p, "--out", out,
                              "--method", lg ? "predict_log_proba" : "predict_proba",
                              "--chunk-rows", "100", "--quiet", NULL};
        int rc = cu_submit(s_ep, NULL, 0, err, sizeof err, args);
        CU_ASSERT(rc == 0, "predict --method %s exited %d: %s", args[8], rc, err);
        FILE *f = fopen(out, "rb");
        unsigned char head[10];
        CU_ASSERT(f && fread(head, 1, 10, f) == 10, "no %s output", args[8]);
        fseek(f, 10 + (long)(head[8] | head[9] << 8), SEEK_SET);
        int64_t n = want->nrows * want->ncols, got = 0, wrong = 0;
        double v;
        while (fread(&v, sizeof v, 1, f) == 1) {
            double w = lg ? log(want->data[got]) : want->data[got];
            wrong += got >= n || v != w;
            got++;
        }
        fclose(f);
        CU_ASSERT(got == n && wrong == 0, "%s: %lld values (want %lld), %lld differ from the "
                  "in-process model", args[8], (long long)got, (long long)n, (long long)wrong);
    }
    ml_dense_destroy(&want);
    ml_pipeline_destroy(&pipe);
    ml_dataset_destroy(&ds);
}
END_TEST

/* A model refitted by a search with scoring f1_macro is scored with f1_macro (and with
   --scoring, with another), over every chunk: the in-process values. */
START_TEST(test_score_with_the_search_scorer)
{
    s_cluster();
    char job[512], model[512], p[512], labels[512], out[4096] = "", err[4096] = "";
    FILE *f = fopen(s_path("f1.json", job, sizeof job), "w");
    fprintf(f, "{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", {}]], "
               "\"search\": {\"param_grid\": {\"svc__C\": [0.1, 1]}, \"cv\": 3, "
               "\"scoring\": \"f1_macro\"}}\n");
    fclose(f);
    s_path("f1.dskm", model, sizeof model);
    const char *sargs[] = {"search", job, "--model-out", model, "--quiet", NULL};
    int rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, sargs);
    CU_ASSERT(rc == 0, "search exited %d: %s", rc, err);
    char e[DSK_ERR_LEN];
    ml_pipeline_t *pipe = NULL;
    ml_dataset_t *ds = NULL;
    s_model_and_digits(model, &pipe, &ds);
    int64_t n = ds->X->nrows;
    int32_t *pred = malloc((size_t)n * sizeof *pred);
    ck_assert_msg(ml_pipeline_predict(pipe, ds->X, pred, e) == 0, "%s", e);
    double *y = malloc((size_t)n * sizeof *y);
    for (int64_t i = 0; i < n; i++)
        y[i] = ds->y[i];
    s_write_npy(s_path("X.npy", p, sizeof p), ds->X->dense->data, n, ds->X->dense->ncols, "<f8",
                0);
    s_write_npy(s_path("y.npy", labels, sizeof labels), y, n, 0, "<f8", 0);
    const char *names[] = {NULL, "balanced_accuracy"};
    for (int k = 0; k < 2; k++) {
        const char *args[] = {"predict", "--model", model, "--input", p, "--labels", labels,
                              "--method", "score", "--chunk-rows", "250", "--quiet",
                              k ? "--scoring" : NULL, names[k], NULL};
        rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, args);
        json_t *j = json_loads(out, 0, NULL);
        const char *used = json_string_value(json_object_get(j, "scoring"));
        double got = json_real_value(json_object_get(j, "score")), want = -1;
        const ml_scorer_t *sc = ml_scorer_find(k ? names[k] : "f1_macro", e);
        ck_assert_int_eq(ml_scorer_score_labels(sc, ds->y, pred, n, &want, e), 0);
        CU_ASSERT(rc == 0 && used && strcmp(used, ml_scorer_name(sc)) == 0 && got == want,
                  "score: exit %d, %s %.17g, want %s %.17g: %s%s", rc, used ? used : "?", got,
                  ml_scorer_name(sc), want, out, err);
        json_decref(j);
    }
    free(pred);
    ml_pipeline_destroy(&pipe);

    /* roc_auc (a binary problem: the digits 0 and 1): each row's value gathered, then scored */
    int64_t m = 0, d = ds->X->dense->ncols;
    double *X01 = malloc((size_t)(n * d) * sizeof *X01);
    for (int64_t i = 0; i < n; i++)
        if (ds->y[i] < 2) {
            memcpy(X01 + m * d, ds->X->dense->data + i * d, (size_t)d * sizeof *X01);
            y[m++] = ds->y[i];
        }
    s_write_npy(s_path("X01.npy", p, sizeof p), X01, m, d, "<f8", 0);
    s_write_npy(s_path("y01.npy", labels, sizeof labels), y, m, 0, "<f8", 0);
    f = fopen(s_path("auc.json", job, sizeof job), "w");
    fprintf(f, "{\"data\": {\"loader\": \"npy\", \"path\": \"%s\", \"labels_path\": \"%s\"}, "
               "\"pipeline\": [[\"svc\", \"SVC\", {}]], \"search\": {\"param_grid\": "
               "{\"svc__C\": [0.01, 1]}, \"cv\": 3, \"scoring\": \"roc_auc\"}}\n", p, labels);
    fclose(f);
    s_path("auc.dskm", model, sizeof model);
    const char *aargs[] = {"search", job, "--model-out", model, "--quiet", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, aargs);
    CU_ASSERT(rc == 0, "the roc_auc search exited %d: %s", rc, err);
    const char *sargs2[] = {"predict", "--model", model, "--input", p, "--labels", labels,
                            "--method", "score", "--chunk-rows", "50", "--quiet", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, sargs2);
    json_t *j = json_loads(out, 0, NULL);
    double got = json_real_value(json_object_get(j, "score")), want = -1, *vals = NULL;
    ck_assert_msg(ml_model_load(model, &pipe, e) == 0, "%s", e);
    ml_dense_t *dm = ml_dense_new(m, d);
    memcpy(dm->data, X01, (size_t)(m * d) * sizeof *X01);
    ml_data_t *Xm = ml_data_from_dense(&dm);
    int32_t *ym = malloc((size_t)m * sizeof *ym);
    for (int64_t i = 0; i < m; i++)
        ym[i] = (int32_t)y[i];
    ck_assert_msg(ml_pipeline_threshold_values(pipe, Xm, &vals, e) == 0, "%s", e);
    ck_assert_int_eq(ml_scorer_score_values(ml_scorer_find("roc_auc", e), ym, vals, m, &want, e),
                     0);
    CU_ASSERT(rc == 0 && got == want &&
                  strcmp(json_string_value(json_object_get(j, "scoring")), "roc_auc") == 0,
              "roc_auc score: exit %d, %.17g, want %.17g: %s%s", rc, got, want, out, err);
    json_decref(j);
    free(vals);
    free(ym);
    free(X01);
    free(y);
    ml_data_destroy(&Xm);
    ml_pipeline_destroy(&pipe);
    ml_dataset_destroy(&ds);
}
END_TEST

/*
 * --input-on-workers: the workers read their rows of a .npy themselves;
 * the same predictions, and little through the client and the scheduler.
 * Then a worker that cannot see the file (its own mount namespace hides
 * the folder): the job fails naming the worker and the path.
 */
START_TEST(test_input_on_workers)
{
    s_cluster();
    char model[512], dir[512], p[1024], out[8192] = "", err[4096] = "";
    s_path("svc.dskm", model, sizeof model);
    s_fit("{\"data\": {\"loader\": \"digits\"}, \"pipeline\": [[\"svc\", \"SVC\", "
          "{\"C\": 10, \"random_state\": 0}]]}\n", model);
    char e[DSK_ERR_LEN];
    ml_dataset_t *ds = NULL;
    json_t *spec = json_pack("{s:s, s:i}", "loader", "digits", "repeat", 20);
    ck_assert_msg(ml_load_dataset(spec, &ds, e) == 0, "%s", e);
    json_decref(spec);
    mkdir(s_path("shared", dir, sizeof dir), 0755);
    snprintf(p, sizeof p, "%s/X.npy", dir);
    s_write_npy(p, ds->X->dense->data, ds->X->nrows, ds->X->dense->ncols, "<f8", 0);
    int64_t n;
    int32_t *want = s_expected(model, json_pack("{s:s, s:s}", "loader", "npy", "path", p), &n);
    const char *const npy_on_workers[] = {"--input-on-workers", NULL};
    s_assert_same(p, npy_on_workers, model, want, n);
    const char *agg[] = {"predict", "--model", model, "--input", p, "--input-on-workers",
                         "--aggregate", "counts", "--chunk-rows", "2000", "--quiet", NULL};
    int rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, agg);
    json_t *j = json_loads(out, 0, NULL), *st = json_object_get(j, "stats");
    json_int_t in = json_integer_value(json_object_get(st, "bytes_in")),
               sent = json_integer_value(json_object_get(st, "bytes_scattered"));
    CU_ASSERT(rc == 0 && json_integer_value(json_object_get(j, "rows")) == n && in < 100000,
              "--input-on-workers: exit %d, %lld bytes of chunks through the scheduler "
              "(the rows take %lld): %s%s", rc, (long long)in,
              (long long)(n * 64 * 8), out, err);
    printf("  --input-on-workers: %lld rows, %lld bytes of chunks and %lld of the model through "
           "the scheduler\n", (long long)n, (long long)in, (long long)sent);
    json_decref(j);
    free(want);

    /* a row a worker cannot read, in a late block of a .csv: the error names the worker, the
       file and where */
    char bad[1100];
    snprintf(bad, sizeof bad, "%s/late_bad.csv", dir);
    FILE *bf = fopen(bad, "w");
    for (int64_t r = 0; r < 400; r++)
        for (int64_t c = 0; c < 64; c++)
            fprintf(bf, "%g%c", ds->X->dense->data[r * 64 + c], c + 1 < 64 ? ',' : '\n');
    fprintf(bf, "1,2\n");
    fclose(bf);
    const char *badargs[] = {"predict", "--model", model, "--input", bad, "--input-on-workers",
                             "--chunk-bytes", "4096", "--aggregate", "counts", "--quiet", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, badargs);
    CU_ASSERT(rc == 1 && strstr(err, "on worker 'w") && strstr(err, "cannot read the input") &&
                  strstr(err, "late_bad.csv (the block at byte ") &&
                  strstr(err, "expected 64 columns, got 2"),
              "a bad row the workers read: exit %d: %s", rc, err);
    ml_dataset_destroy(&ds);

    /* a worker that cannot see the folder: alone, so the chunk must go to it */
    cu_kill_all();
    cu_endpoint(s_ep, sizeof s_ep);
    const char *sargs[] = {"--listen", s_ep, NULL};
    cu_spawn("dskd-scheduler", "scheduler2.log", sargs);
    char script[1200];
    snprintf(script, sizeof script, "mount -t tmpfs none %s && exec \"$0\" \"$@\"", dir);
    const char *prefix[] = {"unshare", "-m", "sh", "-c", script, NULL};
    const char *wargs[] = {"--scheduler", s_ep, "--name", "blind", NULL};
    cu_spawn_with(prefix, "dskd-worker", "blind.log", wargs);
    if (cu_wait_workers(s_ep, 1, 5000) < 0) {
        printf("  (no private mount namespace here: the unreadable-input case is left out)\n");
        return;
    }
    const char *blind[] = {"predict", "--model", model, "--input", p, "--input-on-workers",
                           "--aggregate", "counts", "--quiet", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, blind);
    CU_ASSERT(rc == 1 && strstr(err, "'blind'") && strstr(err, p) &&
                  strstr(err, "cannot read the input"),
              "a worker without the file: exit %d: %s", rc, err);
}
END_TEST

/*
 * Predictions are the labels the model was fitted with, as scikit-learn's
 * predict returns classes_[code]: -1 and 1 from a .npy of labels, texts
 * from a .csv's label column; the counts are keyed by them, and a score
 * matches the input's labels to the model's (one that holds a single
 * class, or a label the model never saw, is scored as scikit-learn would).
 */
START_TEST(test_predictions_are_the_labels)
{
    s_cluster();
    char e[DSK_ERR_LEN], job[512], model[512], xp[512], yp[512], csv[512], out[8192] = "",
         err[4096] = "", pred[512];
    ml_dataset_t *ds = NULL;
    json_t *spec = json_pack("{s:s}", "loader", "digits");
    ck_assert_msg(ml_load_dataset(spec, &ds, e) == 0, "%s", e);
    json_decref(spec);
    int64_t n = 0, d = ds->X->dense->ncols;
    double *X = malloc((size_t)(ds->X->nrows * d) * sizeof *X), *y = malloc(2000 * sizeof *y);
    for (int64_t i = 0; i < ds->X->nrows; i++)
        if (ds->y[i] < 2) {
            memcpy(X + n * d, ds->X->dense->data + i * d, (size_t)d * sizeof *X);
            y[n++] = ds->y[i] ? 1 : -1;
        }
    s_write_npy(s_path("X01.npy", xp, sizeof xp), X, n, d, "<f8", 0);
    s_write_npy(s_path("ypm.npy", yp, sizeof yp), y, n, 0, "<f8", 0);
    FILE *f = fopen(s_path("pm.json", job, sizeof job), "w");
    fprintf(f, "{\"data\": {\"loader\": \"npy\", \"path\": \"%s\", \"labels_path\": \"%s\"}, "
               "\"pipeline\": [[\"svc\", \"SVC\", {\"C\": 0.001}]]}\n", xp, yp);
    fclose(f);
    s_path("pm.dskm", model, sizeof model);
    const char *fit[] = {"fit", job, "--model-out", model, "--quiet", NULL};
    int rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, fit);
    CU_ASSERT(rc == 0, "fit on labels -1/1: exit %d: %s", rc, err);
    /* the in-process codes, as labels */
    ml_pipeline_t *pipe = NULL;
    ck_assert_msg(ml_model_load(model, &pipe, e) == 0, "%s", e);
    ml_dense_t *dm = ml_dense_new(n, d);
    memcpy(dm->data, X, (size_t)(n * d) * sizeof *X);
    ml_data_t *Xm = ml_data_from_dense(&dm);
    int32_t *code = malloc((size_t)n * sizeof *code);
    ck_assert_msg(ml_pipeline_predict(pipe, Xm, code, e) == 0, "%s", e);
    int64_t correct = 0, ones = 0;
    for (int64_t i = 0; i < n; i++) {
        correct += (code[i] ? 1 : -1) == y[i];
        ones += code[i] == 1;
    }
    CU_ASSERT(correct < n, "C=0.001 should leave some rows wrong (%lld of %lld right)",
              (long long)correct, (long long)n);
    int64_t *got = NULL;
    int64_t m = s_predict(model, xp, NULL, &got), wrong = 0;
    for (int64_t i = 0; i < m && i < n; i++)
        wrong += got[i] != (code[i] ? 1 : -1);
    CU_ASSERT(m == n && wrong == 0, "predictions -1/1: %lld rows, %lld not the label",
              (long long)m, (long long)wrong);
    free(got);
    const char *agg[] = {"predict", "--model", model, "--input", xp, "--aggregate", "counts",
                         "--quiet", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, agg);
    json_t *j = json_loads(out, 0, NULL), *c = json_object_get(j, "counts");
    CU_ASSERT(rc == 0 && json_integer_value(json_object_get(c, "1")) == ones &&
                  json_integer_value(json_object_get(c, "-1")) == n - ones,
              "counts keyed by the labels: %s%s", out, err);
    json_decref(j);
    /* scored with the labels as given, and with only the rows labelled 1 */
    for (int only = 0; only < 2; only++) {
        int64_t k = 0, right = 0;
        double *Xk = malloc((size_t)(n * d) * sizeof *Xk), *yk = malloc((size_t)n * sizeof *yk);
        for (int64_t i = 0; i < n; i++)
            if (!only || y[i] == 1) {
                memcpy(Xk + k * d, X + i * d, (size_t)d * sizeof *X);
                right += (code[i] ? 1 : -1) == y[i];
                yk[k++] = y[i];
            }
        char xs[512], ys[512];
        s_write_npy(s_path("Xs.npy", xs, sizeof xs), Xk, k, d, "<f8", 0);
        s_write_npy(s_path("ys.npy", ys, sizeof ys), yk, k, 0, "<f8", 0);
        const char *sc[] = {"predict", "--model", model, "--input", xs, "--labels", ys,
                            "--method", "score", "--quiet", NULL};
        rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, sc);
        j = json_loads(out, 0, NULL);
        double score = json_real_value(json_object_get(j, "score"));
        CU_ASSERT(rc == 0 && score == (double)right / (double)k,
                  "score%s: %.17g, want %.17g: %s%s", only ? " (label 1 only)" : "", score,
                  (double)right / (double)k, out, err);
        json_decref(j);
        free(Xk);
        free(yk);
    }

    /* text labels from a .csv's last column: the predictions are the texts */
    f = fopen(s_path("named.csv", csv, sizeof csv), "w");
    for (int64_t i = 0; i < n; i++) {
        for (int64_t k = 0; k < d; k++)
            fprintf(f, "%g,", X[i * d + k]);
        fprintf(f, "%s\n", y[i] > 0 ? "one \"the\" digit" : "zero");
    }
    fclose(f);
    f = fopen(s_path("named.json", job, sizeof job), "w");
    fprintf(f, "{\"data\": {\"loader\": \"csv\", \"path\": \"%s\", \"label_column\": -1}, "
               "\"pipeline\": [[\"svc\", \"SVC\", {\"C\": 0.001}]]}\n", csv);
    fclose(f);
    s_path("named.dskm", model, sizeof model);
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, fit);
    CU_ASSERT(rc == 0, "fit on text labels: exit %d: %s", rc, err);
    const char *pc[] = {"predict", "--model", model, "--input", xp, "--out",
                        s_path("named_pred.csv", pred, sizeof pred), "--quiet", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, pc);
    f = fopen(pred, "r");
    char line[256];
    int64_t lines = 0, bad = 0;
    while (f && fgets(line, sizeof line, f)) {
        /* the label the -1/1 model predicts, as its text (a quote makes it quoted) */
        const char *want = code[lines] == 1 ? "\"one \"\"the\"\" digit\"\n" : "zero\n";
        bad += lines >= n || strcmp(line, want) != 0;
        lines++;
    }
    if (f)
        fclose(f);
    CU_ASSERT(rc == 0 && lines == n && bad == 0, "text labels: exit %d, %lld lines, %lld not "
              "the label: %s", rc, (long long)lines, (long long)bad, err);
    /* scored on the .csv through a data spec naming its label column (streamed) */
    char sp[512];
    f = fopen(s_path("named_spec.json", sp, sizeof sp), "w");
    fprintf(f, "{\"loader\": \"csv\", \"path\": \"%s\", \"label_column\": -1}\n", csv);
    fclose(f);
    const char *ns[] = {"predict", "--model", model, "--input", sp, "--method", "score",
                        "--chunk-rows", "100", "--quiet", NULL};
    rc = cu_submit(s_ep, out, sizeof out, err, sizeof err, ns);
    j = json_loads(out, 0, NULL);
    CU_ASSERT(rc == 0 && json_real_value(json_object_get(j, "score")) == (double)correct / n,
              "score on a .csv with its label column: exit %d, want %.17g: %s%s", rc,
              (double)correct / n, out, err);
    json_decref(j);
    free(code);
    free(X);
    free(y);
    ml_data_destroy(&Xm);
    ml_pipeline_destroy(&pipe);
    ml_dataset_destroy(&ds);
}
END_TEST

Suite *dsk_cluster_predict_inputs_suite(void);

Suite *dsk_cluster_predict_inputs_suite(void)
{
    Suite *s = suite_create("cluster_predict_inputs");
    TCase *tc = tcase_create("inputs");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_matrix_files_without_labels);
    tcase_add_test(tc, test_documents_without_labels);
    tcase_add_test(tc, test_input_on_workers);
    tcase_add_test(tc, test_predict_proba_through_the_cluster);
    tcase_add_test(tc, test_score_with_the_search_scorer);
    tcase_add_test(tc, test_predictions_are_the_labels);
    suite_add_tcase(s, tc);
    return s;
}
