/* ml_roc_stream.c — roc_auc from sorted runs spilled to disk and merged, bit for bit. */
#include "ml_roc_stream.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_pread.h"
#include "ml_np_sum.h"

#define S_RUN_ROWS ((int64_t)1 << 20) /* 16 MiB of rows held before a run is spilled */
#define S_READ_ROWS 4096              /* rows read back from a run at a time */

typedef struct {
    double v;
    int32_t y;
} s_row_t;

/* A spilled run read back in order. */
typedef struct {
    int64_t off, left;        /* its next row in the file, and how many are left */
    s_row_t buf[S_READ_ROWS];
    int64_t at, n;            /* the buffer's next row, and its rows */
} s_reader_t;

struct ml_roc_stream {
    int64_t run_rows, rows;
    s_row_t *run;             /* the run being filled */
    int64_t nrun;
    FILE *spill;              /* runs written back to back, or NULL */
    int64_t *run_len, nruns;
    int32_t labels[2];        /* the distinct labels seen (a third: multiclass) */
    int nlabels, multiclass;
    int64_t count[2];         /* rows of each */
};

/* The curve being walked: the points kept so far and the trapezoids' running sum. */
typedef struct {
    double prev_t, prev_f, cur_t, cur_f; /* the last two points of the curve */
    int64_t points;
    double fmax, tmax;        /* the negatives and the positives */
    double px, py;            /* the last kept point, normalised */
    double buf[ML_NP_BUFSIZE], acc;
    int64_t nbuf;
} s_curve_t;

/* Descending by value, as _binary_clf_curve sorts (ties in any order: only their end counts). */
static int s_cmp_desc(const void *a, const void *b)
{
    double x = ((const s_row_t *)a)->v, y = ((const s_row_t *)b)->v;
    return (x < y) - (x > y);
}

ml_roc_stream_t *ml_roc_stream_new(int64_t run_rows)
{
    ml_roc_stream_t *s = dsk_xcalloc(1, sizeof *s);
    s->run_rows = run_rows > 0 ? run_rows : S_RUN_ROWS;
    return s;
}

void ml_roc_stream_destroy(ml_roc_stream_t **s_p)
{
    ml_roc_stream_t *s = *s_p;
    if (!s)
        return;
    if (s->spill)
        fclose(s->spill);
    free(s->run);
    free(s->run_len);
    free(s);
    *s_p = NULL;
}

/* The run sorted and appended to the spill file. */
static int s_spill(ml_roc_stream_t *s, char *err)
{
    if (!s->spill && !(s->spill = tmpfile()))
        return dsk_seterr(err, DSK_EIO, "roc_auc: a temporary file for the values: %s",
                          strerror(errno));
    qsort(s->run, (size_t)s->nrun, sizeof *s->run, s_cmp_desc);
    if (fwrite(s->run, sizeof *s->run, (size_t)s->nrun, s->spill) != (size_t)s->nrun)
        return dsk_seterr(err, DSK_EIO, "roc_auc: writing the values to a temporary file: %s",
                          strerror(errno ? errno : EIO));
    s->run_len = dsk_xrealloc(s->run_len, (size_t)s->nruns + 1, sizeof *s->run_len);
    s->run_len[s->nruns++] = s->nrun;
    s->nrun = 0;
    return DSK_OK;
}

int ml_roc_stream_add(ml_roc_stream_t *s, const int32_t *y, const double *v, int64_t n,
                      char *err)
{
    if (!s->run)
        s->run = dsk_xmalloc((size_t)s->run_rows * sizeof *s->run);
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return dsk_seterr(err, DSK_EINVAL, "Input contains NaN, infinity or a value too "
                                               "large for dtype('float64').");
        int k = 0;
        while (k < s->nlabels && s->labels[k] != y[i])
            k++;
        if (k == s->nlabels && k == 2)
            s->multiclass = 1;
        else if (k == s->nlabels)
            s->labels[s->nlabels++] = y[i];
        if (k < 2)
            s->count[k]++;
        s->run[s->nrun++] = (s_row_t){v[i], y[i]};
        s->rows++;
        if (s->nrun == s->run_rows) {
            int rc = s_spill(s, err);
            if (rc)
                return rc;
        }
    }
    return DSK_OK;
}

/* A kept point of the curve: its trapezoid from the last one, summed in NumPy's runs. */
static void s_keep(s_curve_t *c, double tps, double fps)
{
    double x = fps / c->fmax, y = tps / c->tmax;
    c->buf[c->nbuf++] = (x - c->px) * (y + c->py) / 2.0;
    if (c->nbuf == ML_NP_BUFSIZE) {
        c->acc += ml_np_pairwise_sum(c->buf, c->nbuf);
        c->nbuf = 0;
    }
    c->px = x;
    c->py = y;
}

/*
 * The next point of the curve (tps, fps at a threshold's end): the one
 * before it is kept when it is the first, or when the second difference
 * of fps or tps at it is not zero (roc_curve's drop_intermediate).
 */
static void s_point(s_curve_t *c, double tps, double fps)
{
    if (c->points == 1)
        s_keep(c, c->cur_t, c->cur_f);
    else if (c->points > 1 && (((fps - c->cur_f) - (c->cur_f - c->prev_f)) != 0 ||
                               ((tps - c->cur_t) - (c->cur_t - c->prev_t)) != 0))
        s_keep(c, c->cur_t, c->cur_f);
    c->prev_t = c->cur_t;
    c->prev_f = c->cur_f;
    c->cur_t = tps;
    c->cur_f = fps;
    c->points++;
}

/* The next row of the merged runs (or of the one in memory); 0 when there is none. */
static int s_next(ml_roc_stream_t *s, s_reader_t *r, int64_t nr, int64_t *mem_at, s_row_t *out,
                  char *err, int *rc)
{
    if (!r) {
        if (*mem_at == s->nrun)
            return 0;
        *out = s->run[(*mem_at)++];
        return 1;
    }
    int64_t best = -1;
    for (int64_t k = 0; k < nr; k++) {
        s_reader_t *q = &r[k];
        if (q->at == q->n && q->left > 0) { /* refill from the file */
            int64_t m = q->left < S_READ_ROWS ? q->left : S_READ_ROWS;
            *rc = dsk_pread_full(fileno(s->spill), q->buf, (size_t)m * sizeof *q->buf,
                                 (uint64_t)q->off * sizeof *q->buf,
                                 "roc_auc: its values in a temporary file", err);
            if (*rc)
                return 0;
            q->off += m;
            q->left -= m;
            q->at = 0;
            q->n = m;
        }
        if (q->at < q->n && (best < 0 || q->buf[q->at].v > r[best].buf[r[best].at].v))
            best = k;
    }
    if (best < 0)
        return 0;
    *out = r[best].buf[r[best].at++];
    return 1;
}

int ml_roc_stream_score(ml_roc_stream_t *s, double *out, char *err)
{
    if (s->rows == 0)
        return dsk_seterr(err, DSK_EINVAL, "cannot score an empty set of samples");
    if (s->multiclass || s->nlabels != 2)
        return dsk_seterr(err, DSK_EINVAL, s->nlabels == 1 ? "Only one class present in "
                                                             "y_true. ROC AUC score is not "
                                                             "defined in that case."
                                                           : "multiclass format is not "
                                                             "supported");
    int p = s->labels[1] > s->labels[0]; /* the greater label is the positive class */
    int32_t positive = s->labels[p];
    s_reader_t *r = NULL;
    int64_t nr = 0, mem_at = 0;
    int rc = DSK_OK;
    if (s->nruns > 0) { /* the last run joins the others on disk, then all are merged */
        if (s->nrun > 0 && (rc = s_spill(s, err)) != 0)
            return rc;
        if (fflush(s->spill) != 0)
            return dsk_seterr(err, DSK_EIO, "roc_auc: the temporary file: %s", strerror(errno));
        nr = s->nruns;
        r = dsk_xcalloc((size_t)nr, sizeof *r);
        for (int64_t k = 0, off = 0; k < nr; off += s->run_len[k++]) {
            r[k].off = off;
            r[k].left = s->run_len[k];
        }
    } else {
        qsort(s->run, (size_t)s->nrun, sizeof *s->run, s_cmp_desc);
    }
    s_curve_t *c = dsk_xcalloc(1, sizeof *c);
    c->tmax = (double)s->count[p];
    c->fmax = (double)s->count[!p];
    double cum = 0, last = 0;
    int64_t i = 0;
    s_row_t row;
    while (s_next(s, r, nr, &mem_at, &row, err, &rc)) {
        if (i > 0 && row.v != last)
            s_point(c, cum, (double)i - cum);
        cum += row.y == positive;
        last = row.v;
        i++;
    }
    if (rc == 0) {
        s_point(c, cum, (double)i - cum);
        s_keep(c, c->cur_t, c->cur_f); /* the last point is always kept */
        *out = c->acc + (c->nbuf ? ml_np_pairwise_sum(c->buf, c->nbuf) : 0.0);
    }
    free(c);
    free(r);
    return rc;
}
