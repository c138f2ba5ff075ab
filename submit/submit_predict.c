/*
 * submit_predict.c — `dsk-submit predict`, dask-ml's ParallelPostFit: the
 * input is cut into --chunk-rows chunks that go to the scheduler a few at
 * a time (so neither side holds the whole input twice), the model goes
 * once to each worker, and the chunks' results come back in any order and
 * are written in input order as they complete, streamed to the output:
 * .npy (scores as float64; predictions as the labels the model was
 * fitted with, as scikit-learn's predict gives them: submit_classes),
 * .csv, .svmlight for sparse transform output, .json (one JSON value a
 * row); --format overrides the
 * extension, `--out -` is standard output (csv unless --format says
 * otherwise). The output is opened through submit_output (a regular file
 * is replaced only once complete; a device or a FIFO is written straight
 * into). --aggregate counts returns class counts instead.
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_client.h"
#include "dsk_repr.h"
#include "ml_model.h"
#include "ml_roc_stream.h"
#include "ml_scorer.h"
#include "job_predict.h"
#include "submit_classes.h"
#include "submit_input.h"
#include "submit_output.h"
#include "submit_resume.h"
#include "submit_predict.h"

#define S_WINDOW 16         /* chunks sent ahead of their results */
#define S_DEFAULT_CHUNK_ROWS 20000
#define S_DEFAULT_CHUNK_BYTES (16 << 20) /* a block of a text file the workers read */
#define S_NPY_HEADER_ROWS 20             /* digits kept for rows counted only at the end */

typedef enum { S_NPY, S_CSV, S_SVMLIGHT, S_JSON } s_fmt_t;

static const char *const s_fmt_names[] = {"npy", "csv", "svmlight", "json"};

typedef struct {
    const char *model, *input, *labels, *out, *method_name, *scoring;
    int64_t chunk_rows, chunk_bytes;
    int aggregate, quiet, on_workers;
    int format;             /* an s_fmt_t from --format, -1 for the target's own */
} s_args_t;

/* The streamed output: submit_output's, so committed (or abandoned) as a whole. */
typedef struct {
    s_fmt_t fmt;
    submit_output_t *out;
    FILE *f;
    int64_t rows;           /* all of them: the .npy header needs the shape up front; -1
                               when only the results will tell (a text file the workers
                               read): the header is written with room, then rewritten */
    int64_t written, cols;
    const char *descr;
    const submit_classes_t *cls; /* what predicted codes stand for */
    int started;
} s_out_t;

static int s_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/*
 * The output's format: --format, else the target's extension, else csv for
 * standard output (text where a person or a pipe reads it) and npy for a
 * file (as before --format existed).
 */
static s_fmt_t s_out_format(const char *path, int format)
{
    if (format >= 0)
        return (s_fmt_t)format;
    return s_ends(path, ".npy")                                 ? S_NPY
           : s_ends(path, ".csv")                               ? S_CSV
           : s_ends(path, ".json")                              ? S_JSON
           : s_ends(path, ".svmlight") || s_ends(path, ".svm") ? S_SVMLIGHT
           : submit_output_is_stdout(path)                      ? S_CSV
                                                                : S_NPY;
}

static int s_out_open(s_out_t *o, const char *path, int format, int64_t rows,
                      const submit_classes_t *cls, char *err)
{
    memset(o, 0, sizeof *o);
    o->rows = rows;
    o->cls = cls;
    o->fmt = s_out_format(path, format);
    o->out = submit_output_new(path, err);
    if (!o->out)
        return DSK_EIO;
    o->f = submit_output_file(o->out);
    if (rows < 0 && o->fmt == S_NPY && fseek(o->f, 0, SEEK_CUR) != 0) {
        submit_output_destroy(&o->out);
        return dsk_seterr(err, DSK_EINVAL, "%s: a .npy's header holds its rows, counted here "
                          "only at the end of a text input the workers read, so it must go to "
                          "a file (or write csv: --format csv)", path);
    }
    return DSK_OK;
}

/*
 * NumPy's format 1.0 header, padded so the data starts 64-byte aligned;
 * width > 0 writes the rows in that many characters (right-aligned, a
 * literal NumPy reads), so the header can be rewritten in place once the
 * rows are counted.
 */
static void s_npy_header(FILE *f, const char *descr, int64_t rows, int64_t cols, int width)
{
    char dict[256];
    int n = cols > 1 ? snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, "
                                "'shape': (%*lld, %lld), }", descr, width, (long long)rows,
                                (long long)cols)
                     : snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, "
                                "'shape': (%*lld,), }", descr, width, (long long)rows);
    int total = 10 + n + 1, pad = (64 - total % 64) % 64;
    unsigned short hlen = (unsigned short)(n + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hlen & 0xff, f);
    fputc(hlen >> 8, f);
    fwrite(dict, 1, (size_t)n, f);
    for (int i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
}

static void s_out_npy_start(s_out_t *o, const char *descr, int64_t cols)
{
    o->descr = descr;
    o->cols = cols;
    s_npy_header(o->f, descr, o->rows < 0 ? 0 : o->rows, cols,
                 o->rows < 0 ? S_NPY_HEADER_ROWS : 0);
}

/* One chunk's rows, in the output's format. */
static int s_out_write(s_out_t *o, const job_predict_result_t *r, const int32_t *y, char *err)
{
    char num[DSK_REPR_LEN];
    if (r->labels) {
        if (o->fmt == S_NPY && !o->started)
            s_out_npy_start(o, submit_classes_npy_descr(o->cls), 1);
        for (int64_t i = 0; i < r->rows; i++) {
            if (o->fmt == S_NPY)
                submit_classes_npy_write(o->cls, r->labels[i], o->f);
            else if (o->fmt == S_JSON)
                submit_classes_json_write(o->cls, r->labels[i], o->f);
            else
                submit_classes_csv_write(o->cls, r->labels[i], o->f);
        }
    } else if (r->data && r->data->kind == ML_DATA_DENSE) {
        const ml_dense_t *m = r->data->dense;
        int json = o->fmt == S_JSON && m->ncols > 1; /* a row as a JSON array */
        if (o->fmt == S_NPY && !o->started)
            s_out_npy_start(o, "<f8", m->ncols);
        if (o->fmt == S_NPY)
            fwrite(m->data, sizeof *m->data, (size_t)(m->nrows * m->ncols), o->f);
        else
            for (int64_t i = 0; i < m->nrows; i++)
                for (int64_t k = 0; k < m->ncols; k++)
                    fprintf(o->f, "%s%s%s", json && k == 0 ? "[" : "",
                            dsk_repr_double(m->data[i * m->ncols + k], num),
                            k + 1 < m->ncols ? (json ? ", " : ",") : json ? "]\n" : "\n");
    } else if (r->data && r->data->kind == ML_DATA_CSR) {
        if (o->fmt != S_SVMLIGHT)
            return dsk_seterr(err, DSK_EINVAL, "transform gives a sparse matrix: write it as "
                              ".svmlight (or --format svmlight)");
        const ml_csr_t *m = r->data->csr;
        for (int64_t i = 0; i < m->nrows; i++) {
            fprintf(o->f, "%d", y ? y[i] : 0);
            for (int64_t e = m->indptr[i]; e < m->indptr[i + 1]; e++)
                fprintf(o->f, " %d:%s", m->indices[e], dsk_repr_double(m->data[e], num));
            fputc('\n', o->f);
        }
    }
    o->started = 1;
    o->written += r->rows;
    return submit_output_error(o->out, err); /* a full disk stops the job, not its end */
}

/* ok: the output committed (0 or DSK_EIO with err); not ok: abandoned, the target untouched. */
static int s_out_close(s_out_t *o, int ok, char *err)
{
    if (ok && o->f && o->fmt == S_NPY && o->rows < 0 && o->started) { /* the rows, counted */
        if (fflush(o->f) != 0 || fseek(o->f, 0, SEEK_SET) != 0)
            return dsk_seterr(err, DSK_EIO, "the .npy output's header: %s", strerror(errno));
        s_npy_header(o->f, o->descr, o->written, o->cols, S_NPY_HEADER_ROWS);
    }
    o->f = NULL;
    if (ok)
        return submit_output_commit(&o->out, err);
    submit_output_destroy(&o->out);
    return DSK_OK;
}

/* The aggregate: class counts summed over chunks, or the score; printed or written as JSON. */
typedef struct {
    int64_t (*counts)[2];
    int64_t ncounts, correct, rows;
    int64_t (*confusion)[3];    /* score: (true, predicted, count), summed over chunks */
    int64_t nconfusion;
    ml_roc_stream_t *roc;       /* a threshold scorer's (roc_auc): every row's label and
                                   value, in sorted runs spilled to disk */
    const ml_scorer_t *scorer;
    const submit_classes_t *cls;
} s_sum_t;

static int s_sum_add(s_sum_t *s, const job_predict_result_t *r, char *err)
{
    s->rows += r->rows;
    if (r->correct >= 0)
        s->correct += r->correct;
    for (int64_t k = 0; k < r->ncounts; k++) {
        int64_t at = 0;
        while (at < s->ncounts && s->counts[at][0] != r->counts[k][0])
            at++;
        if (at == s->ncounts) {
            s->counts = dsk_xrealloc(s->counts, (size_t)s->ncounts + 1, sizeof *s->counts);
            s->counts[s->ncounts][0] = r->counts[k][0];
            s->counts[s->ncounts++][1] = 0;
        }
        s->counts[at][1] += r->counts[k][1];
    }
    if (r->values && !s->roc)
        s->roc = ml_roc_stream_new(0);
    int rc = r->values ? ml_roc_stream_add(s->roc, r->y, r->values, r->rows, err) : DSK_OK;
    for (int64_t k = 0; k < r->nconfusion; k++) {
        int64_t at = 0;
        while (at < s->nconfusion && (s->confusion[at][0] != r->confusion[k][0] ||
                                      s->confusion[at][1] != r->confusion[k][1]))
            at++;
        if (at == s->nconfusion) {
            s->confusion = dsk_xrealloc(s->confusion, (size_t)s->nconfusion + 1,
                                        sizeof *s->confusion);
            s->confusion[at][0] = r->confusion[k][0];
            s->confusion[at][1] = r->confusion[k][1];
            s->confusion[s->nconfusion++][2] = 0;
        }
        s->confusion[at][2] += r->confusion[k][2];
    }
    return rc;
}

/* The scorer over the summed confusion matrix: exactly what it gives on every row at once. */
static json_t *s_score_json(const s_sum_t *s, char *err)
{
    if (ml_scorer_input(s->scorer) == ML_SCORER_THRESHOLD) {
        double score = 0;
        if (!s->roc) { /* roc_auc, the one threshold scorer: its rows were spilled as they came */
            dsk_seterr(err, DSK_EINVAL, "cannot score an empty set of samples");
            return NULL;
        }
        if (ml_roc_stream_score(s->roc, &score, err) != 0)
            return NULL;
        return json_pack("{s:f, s:s, s:I}", "score", score, "scoring", ml_scorer_name(s->scorer),
                         "rows", (json_int_t)s->rows);
    }
    int64_t n = s->nconfusion;
    int32_t *t = dsk_xmalloc((size_t)(n + 1) * sizeof *t), *p = dsk_xmalloc((size_t)(n + 1) * sizeof *p);
    int64_t *c = dsk_xmalloc((size_t)(n + 1) * sizeof *c);
    for (int64_t k = 0; k < n; k++) {
        t[k] = (int32_t)s->confusion[k][0];
        p[k] = (int32_t)s->confusion[k][1];
        c[k] = s->confusion[k][2];
    }
    double score = 0;
    int rc = ml_scorer_score_counts(s->scorer, t, p, c, n, &score, err);
    free(t);
    free(p);
    free(c);
    return rc ? NULL
              : json_pack("{s:f, s:s, s:I}", "score", score, "scoring",
                          ml_scorer_name(s->scorer), "rows", (json_int_t)s->rows);
}

static json_t *s_sum_json(const s_sum_t *s, job_method_t method, char *err)
{
    if (method == JOB_METHOD_SCORE)
        return s_score_json(s, err);
    json_t *c = json_object();
    for (int64_t k = 0; k < s->ncounts; k++) {
        char buf[64];
        json_object_set_new(c, submit_classes_name(s->cls, (int32_t)s->counts[k][0], buf,
                                                   sizeof buf),
                            json_integer((json_int_t)s->counts[k][1]));
    }
    return json_pack("{s:o, s:I}", "counts", c, "rows", (json_int_t)s->rows);
}

static int s_parse(int argc, char **argv, s_args_t *a)
{
    *a = (s_args_t){.method_name = "predict", .chunk_rows = S_DEFAULT_CHUNK_ROWS,
                    .chunk_bytes = S_DEFAULT_CHUNK_BYTES, .format = -1};
    for (int i = 0; i < argc; i++) {
        const char *x = argv[i];
        const char **slot = strcmp(x, "--model") == 0    ? &a->model
                            : strcmp(x, "--input") == 0  ? &a->input
                            : strcmp(x, "--labels") == 0 ? &a->labels
                            : strcmp(x, "--scoring") == 0 ? &a->scoring
                            : strcmp(x, "--out") == 0    ? &a->out
                            : strcmp(x, "--method") == 0 ? &a->method_name
                                                         : NULL;
        if (slot && i + 1 < argc) {
            *slot = argv[++i];
        } else if ((strcmp(x, "--chunk-rows") == 0 || strcmp(x, "--chunk-bytes") == 0) &&
                   i + 1 < argc) {
            char *end;
            int64_t v = strtoll(argv[++i], &end, 10);
            if (*end || v < 1) {
                fprintf(stderr, "dsk-submit predict: %s: expected a positive number, got '%s'\n",
                        x, argv[i]);
                return SUBMIT_EXIT_USAGE;
            }
            *(strcmp(x, "--chunk-rows") == 0 ? &a->chunk_rows : &a->chunk_bytes) = v;
        } else if (strcmp(x, "--aggregate") == 0 && i + 1 < argc) {
            if (strcmp(argv[++i], "counts") != 0) {
                fprintf(stderr, "dsk-submit predict: --aggregate: only 'counts' is known, got "
                        "'%s'\n", argv[i]);
                return SUBMIT_EXIT_USAGE;
            }
            a->aggregate = 1;
        } else if (strcmp(x, "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            a->format = -1;
            for (int k = 0; k < (int)(sizeof s_fmt_names / sizeof *s_fmt_names); k++)
                if (strcmp(f, s_fmt_names[k]) == 0)
                    a->format = k;
            if (a->format < 0) {
                fprintf(stderr, "dsk-submit predict: --format: expected npy, csv, svmlight or "
                        "json, got '%s'\n", f);
                return SUBMIT_EXIT_USAGE;
            }
        } else if (strcmp(x, "--quiet") == 0) {
            a->quiet = 1;
        } else if (strcmp(x, "--input-on-workers") == 0) {
            a->on_workers = 1;
        } else {
            fprintf(stderr, "dsk-submit predict: unknown or incomplete argument '%s'\n", x);
            return SUBMIT_EXIT_USAGE;
        }
    }
    if (!a->model || !a->input) {
        fprintf(stderr, "dsk-submit predict: needs --model M.dskm and --input DATA\n");
        return SUBMIT_EXIT_USAGE;
    }
    if (a->format >= 0 && (a->aggregate || strcmp(a->method_name, "score") == 0)) {
        fprintf(stderr, "dsk-submit predict: --format goes with predictions; --aggregate "
                "counts and --method score write JSON\n");
        return SUBMIT_EXIT_USAGE;
    }
    /* before the model and the input are read: a mistyped --out costs nothing */
    char err[DSK_ERR_LEN];
    if (submit_output_check(a->out, err) < 0) {
        fprintf(stderr, "dsk-submit predict: %s\n", err);
        return SUBMIT_EXIT_USAGE;
    }
    return 0;
}

/* Reads the whole model file; it is checked by unpacking it here. */
static unsigned char *s_read_model(const char *path, size_t *len, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        dsk_seterr(err, DSK_EINVAL, "%s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap)
            buf = dsk_xrealloc(buf, cap = cap ? 2 * cap : 1 << 16, 1);
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    ml_pipeline_t *p = NULL;
    if (ml_model_unpack(buf, n, path, &p, err) < 0) {
        free(buf);
        return NULL;
    }
    ml_pipeline_destroy(&p);
    *len = n;
    return buf;
}

typedef struct {
    const s_args_t *a;
    job_method_t method;
    submit_input_t *in;
    int64_t rows, nchunks, sent, written, t0;
    job_predict_result_t *held; /* results waiting for their turn */
    unsigned char *arrived;    /* which chunks' results came */
    s_out_t out;
    s_sum_t sum;
    int to_file;
    json_t *stats;             /* the scheduler's summary of the job */
    msgpack_sbuffer pending[S_WINDOW]; /* chunk i's bytes in slot i % S_WINDOW until its result
                                          is in, to send again to a restarted scheduler */
    char fill_err[DSK_ERR_LEN]; /* why a chunk's rows could not be read, "" while none */
    int fill_rc;                /* ... and its code: a row that cannot be read exits 2 as it
                                   would have before the first chunk, a failed read 1 */
} s_run_t;

/* The next chunk's rows, read now (a streamed input) and packed straight into its CHUNK. */
static int s_fill_chunk(void *arg, struct msgpack_sbuffer *sb)
{
    s_run_t *r = arg;
    r->fill_rc = submit_input_pack(r->in, r->sent, r->a->chunk_rows, sb, r->fill_err);
    return r->fill_rc ? -1 : 0;
}

/* A CHUNK_DONE: kept until every earlier chunk is written, then written in order. */
static int s_on_chunk_done(s_run_t *r, const dsk_msg_chunk_t *c, char *err)
{
    if (c->index >= (uint64_t)r->nchunks)
        return dsk_seterr(err, DSK_EPROTO, "a result for chunk %llu, which was not expected",
                          (unsigned long long)c->index);
    if (r->arrived[c->index])
        return DSK_OK; /* sent again to a restarted scheduler that had it after all */
    int rc = job_predict_result_unpack(c->data.data, c->data.len, &r->held[c->index], err);
    if (rc)
        return rc;
    r->arrived[c->index] = 1;
    while (r->written < r->nchunks && r->arrived[r->written]) {
        job_predict_result_t *res = &r->held[r->written];
        const int32_t *y = submit_input_labels(r->in, r->written * r->a->chunk_rows);
        if ((rc = s_sum_add(&r->sum, res, err)) != 0)
            return rc;
        if (r->to_file && (rc = s_out_write(&r->out, res, y, err)) != 0)
            return rc;
        job_predict_result_clear(res);
        r->written++;
    }
    return DSK_OK;
}

/*
 * Sends chunks while fewer than S_WINDOW are out, then handles what comes
 * back, until the job says it is done. A scheduler that restarted has the
 * job but not the chunks it had not answered: those go again.
 */
static int s_drive(const submit_options_t *opt, dsk_client_t *c, uint64_t id,
                   uint64_t scheduler, s_run_t *r, char *err)
{
    for (;;) {
        while (r->sent < r->nchunks && r->sent - r->written < S_WINDOW) {
            /* slot sent % S_WINDOW held chunk sent - S_WINDOW, written by now */
            msgpack_sbuffer *sb = &r->pending[r->sent % S_WINDOW];
            sb->size = 0;
            if (s_fill_chunk(r, sb) < 0)
                return dsk_seterr(err, r->fill_rc, "%s", r->fill_err);
            int rc = dsk_client_send_chunk(c, id, (uint64_t)r->sent, sb->data, sb->size, err);
            if (rc)
                return rc;
            r->sent++;
        }
        dsk_msg_t m;
        int resumed;
        int rc = submit_resume_next(opt, c, id, 1, &scheduler, &m, &resumed, err);
        if (rc)
            return rc;
        /* a restarted scheduler has the job, none of its chunks: those whose results we hold
           go empty (nothing to run), the others again */
        for (int64_t i = 0; resumed && i < r->sent && rc == 0; i++)
            rc = r->arrived[i] ? dsk_client_send_chunk(c, id, (uint64_t)i, NULL, 0, err)
                               : dsk_client_send_chunk(c, id, (uint64_t)i,
                                                       r->pending[i % S_WINDOW].data,
                                                       r->pending[i % S_WINDOW].size, err);
        if (rc) {
            /* the resend failed: nothing more to do with what came */
        } else if (m.type == DSK_MSG_CHUNK_DONE) {
            rc = s_on_chunk_done(r, &m.u.chunk, err);
        } else if (m.u.job_state.state == DSK_JOB_DONE && r->written == r->nchunks) {
            r->stats = json_loadb((const char *)m.u.job_state.result.data,
                                  m.u.job_state.result.len, 0, NULL);
            dsk_msg_clear(&m);
            return DSK_OK;
        } else if (m.u.job_state.state == DSK_JOB_DONE) {
            /* results come before DONE on one connection: some were lost with a scheduler
               that finished the job and died before they left (results are not journaled) */
            rc = dsk_seterr(err, DSK_ESTATE, "job %llu finished just before its scheduler "
                            "restarted, and %lld chunk results were lost on the way (results "
                            "are not journaled): run the predict again",
                            (unsigned long long)id, (long long)(r->nchunks - r->written));
        } else if (m.u.job_state.state == DSK_JOB_FAILED ||
                   m.u.job_state.state == DSK_JOB_CANCELLED) {
            rc = dsk_seterr(err, DSK_ESTATE, "job %llu %s: %s", (unsigned long long)id,
                            m.u.job_state.state == DSK_JOB_FAILED ? "failed" : "was cancelled",
                            m.u.job_state.text);
        } else if (!r->a->quiet && isatty(STDERR_FILENO)) {
            fprintf(stderr, "\r%lld/%lld chunks  %.1f s", (long long)r->written,
                    (long long)r->nchunks, (double)(dsk_clock_mono_ms() - r->t0) / 1000.0);
        }
        dsk_msg_clear(&m);
        if (rc)
            return rc;
    }
}

int submit_predict(const submit_options_t *opt, int argc, char **argv)
{
    s_args_t a;
    if (s_parse(argc, argv, &a))
        return SUBMIT_EXIT_USAGE;
    char err[DSK_ERR_LEN];
    job_method_t method;
    size_t model_len = 0;
    unsigned char *model = NULL;
    submit_input_t *in = NULL;
    submit_classes_t *cls = NULL;
    int rc = SUBMIT_EXIT_USAGE;
    int64_t t_load = dsk_clock_mono_ms();
    if (job_method_parse(a.method_name, &method, err) < 0 ||
        (a.aggregate && method != JOB_METHOD_PREDICT &&
         dsk_seterr(err, DSK_EINVAL, "--aggregate counts goes with --method predict") < 0) ||
        !(model = s_read_model(a.model, &model_len, err)) ||
        (a.on_workers && (a.labels || method == JOB_METHOD_SCORE) &&
         dsk_seterr(err, DSK_EINVAL, "--input-on-workers gives the workers the rows only: "
                    "score with the input read here (drop --input-on-workers)") < 0) ||
        (a.on_workers ? submit_input_open_on_workers(a.input, a.chunk_bytes, &in, err)
                      : submit_input_open(a.input, a.labels, method == JOB_METHOD_SCORE, &in,
                                          err)) < 0) {
        fprintf(stderr, "dsk-submit predict: %s\n", err);
        goto out;
    }
    /* score: with --scoring, else the scorer the model's search chose it by, else accuracy */
    const ml_scorer_t *scorer = NULL;
    char recorded[64];
    if (method == JOB_METHOD_SCORE) {
        const char *name = a.scoring ? a.scoring
                           : ml_model_scoring(model, model_len, recorded, sizeof recorded)
                               ? recorded
                               : "accuracy";
        if (!(scorer = ml_scorer_find(name, err))) {
            fprintf(stderr, "dsk-submit predict: --scoring: %s\n", err);
            goto out;
        }

    }
    if (method == JOB_METHOD_SCORE && !submit_input_has_labels(in)) {
        fprintf(stderr, "dsk-submit predict: --method score needs the true labels, and %s has "
                "none: give --labels LABELS (a .npy or .txt, one a row) or a .json data spec "
                "with labels\n", a.input);
        goto out;
    }
    if (!a.out && !a.aggregate && method != JOB_METHOD_SCORE) {
        fprintf(stderr, "dsk-submit predict: where should the predictions go? (--out PRED.npy)\n");
        goto out;
    }
    /* predictions are the model's labels; a score matches the input's labels to them */
    cls = submit_classes_of_model(model, model_len);
    if (method == JOB_METHOD_SCORE) {
        char **names, **names_to;
        ml_labels_kind_t kind;
        int32_t n = submit_input_classes(in, &names, &kind), n_to;
        int32_t *map = submit_classes_map(cls, names, n, kind, &n_to, &names_to);
        submit_input_map_classes(in, map, n_to, names_to);
    }
    s_run_t r = {.a = &a, .method = method, .in = in, .rows = submit_input_rows(in),
                 .t0 = dsk_clock_mono_ms(), .sum = {.scorer = scorer, .cls = cls}};
    double load_s = (double)(r.t0 - t_load) / 1000.0;
    r.nchunks = submit_input_chunks(in, a.chunk_rows);
    r.to_file = a.out && !a.aggregate && method != JOB_METHOD_SCORE;
    if (r.to_file && s_out_open(&r.out, a.out, a.format, r.rows, cls, err) < 0) {
        fprintf(stderr, "dsk-submit predict: %s\n", err);
        goto out;
    }
    r.held = dsk_xcalloc((size_t)r.nchunks, sizeof *r.held);
    r.arrived = dsk_xcalloc((size_t)r.nchunks, 1);
    char *job = NULL;
    /* a score is reduced on the workers (a confusion matrix) unless its scorer reads each
       row's value (roc_auc) */
    int reduce = a.aggregate || (scorer && ml_scorer_input(scorer) == ML_SCORER_LABELS);
    json_t *desc = json_pack("{s:s, s:b, s:I, s:I, s:I}", "method", job_method_name(method),
                             "aggregate", reduce, "rows", (json_int_t)r.rows,
                             "chunks", (json_int_t)r.nchunks, "chunk_rows",
                             (json_int_t)a.chunk_rows);
    job = json_dumps(desc, JSON_COMPACT);
    json_decref(desc);
    char name[DSK_NAME_MAX + 1], copy[4096];
    snprintf(copy, sizeof copy, "%s", a.model);
    snprintf(name, sizeof name, "%s", basename(copy));
    dsk_client_t *c = dsk_client_connect(opt->scheduler, (int64_t)(opt->timeout_s * 1000), opt->curve, err);
    dsk_msg_t st = {0};
    int src = c ? submit_resume_submit(opt, c, DSK_JOB_PREDICT, name, job, strlen(job), model,
                                       model_len, &st, err)
                : DSK_EINVAL;
    free(job);
    if (src == 0) {
        uint64_t id = st.u.job_state.job_id, scheduler = st.u.job_state.scheduler;
        if (!a.quiet)
            fprintf(stderr, "job %llu: %s\n", (unsigned long long)id, st.u.job_state.text);
        dsk_msg_clear(&st);
        for (int k = 0; k < S_WINDOW; k++)
            msgpack_sbuffer_init(&r.pending[k]);
        src = s_drive(opt, c, id, scheduler, &r, err);
        for (int k = 0; k < S_WINDOW; k++)
            msgpack_sbuffer_destroy(&r.pending[k]);
        if (src && src != DSK_ESTATE) {
            /* stopped here (an unreadable row, a full disk): the job must not wait for us */
            dsk_msg_t ack;
            char cerr0[DSK_ERR_LEN];
            if (dsk_client_job_req(c, DSK_JOBREQ_CANCEL, id, &ack, cerr0) == 0)
                dsk_msg_clear(&ack);
        }
        if (!a.quiet && isatty(STDERR_FILENO))
            fputc('\n', stderr);
    }
    dsk_client_destroy(&c);
    char cerr[DSK_ERR_LEN];
    if (s_out_close(&r.out, src == 0, cerr) < 0 && src == 0) {
        snprintf(err, sizeof err, "%s", cerr);
        src = DSK_EIO;
    }
    if (src) {
        fprintf(stderr, "dsk-submit predict: %s\n", err);
        rc = submit_exit_code(src);
    } else {
        rc = SUBMIT_EXIT_OK;
        if (!r.to_file) {
            json_t *sum = s_sum_json(&r.sum, method, cerr);
            if (!sum) {
                fprintf(stderr, "dsk-submit predict: %s\n", cerr);
                rc = SUBMIT_EXIT_JOB;
                sum = json_object(); /* nothing to print but the failure */
            }
            json_object_set_new(sum, "client_seconds",
                                json_pack("{s:f, s:f}", "load", load_s, "job",
                                          (double)(dsk_clock_mono_ms() - r.t0) / 1000.0));
            if (r.stats)
                json_object_set(sum, "stats", json_object_get(r.stats, "stats"));
            char *text = dsk_repr_json(sum, DSK_REPR_INDENT);
            size_t len = strlen(text);
            text[len] = '\n'; /* over the NUL: a whole line, written as one buffer */
            if (rc != SUBMIT_EXIT_OK) {
                /* the score could not be computed: said above */
            } else if (a.out && submit_output_write(a.out, text, len + 1, cerr) < 0) {
                fprintf(stderr, "dsk-submit predict: %s\n", cerr);
                rc = SUBMIT_EXIT_JOB;
            } else if (!a.out) {
                fwrite(text, 1, len + 1, stdout);
            }
            free(text);
            json_decref(sum);
        } else if (!a.quiet) {
            fprintf(stderr, "wrote %lld rows to %s (loading %.2f s, the job %.2f s)\n",
                    (long long)r.sum.rows,
                    submit_output_is_stdout(a.out) ? "standard output" : a.out, load_s,
                    (double)(dsk_clock_mono_ms() - r.t0) / 1000.0);
        }
    }
    for (int64_t k = 0; k < r.nchunks; k++)
        job_predict_result_clear(&r.held[k]);
    free(r.held);
    free(r.arrived);
    json_decref(r.stats);
    free(r.sum.counts);
    free(r.sum.confusion);
    ml_roc_stream_destroy(&r.sum.roc);
out:
    free(model);
    submit_input_close(&in);
    submit_classes_destroy(&cls);
    return rc;
}
