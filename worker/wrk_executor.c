/* wrk_executor.c — a fixed pool of task threads between two queues. */
#include "wrk_executor.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dsk_alloc.h"
#include "ml_model.h"
#include "job_predict.h"

struct wrk_executor {
    int hang;                   /* DSK_FAULT=hang-tasks: threads take tasks and never finish */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    wrk_task_t *todo, *todo_tail, *done, *done_tail, *done_never, *done_never_tail;
    int nthreads, running, queued, stopping;
    pthread_t *threads;
    int efd;
};

static void s_push(wrk_task_t **head, wrk_task_t **tail, wrk_task_t *t)
{
    t->next = NULL;
    if (*tail)
        (*tail)->next = t;
    else
        *head = t;
    *tail = t;
}

static wrk_task_t *s_pop(wrk_task_t **head, wrk_task_t **tail)
{
    wrk_task_t *t = *head;
    if (t) {
        *head = t->next;
        if (!*head)
            *tail = NULL;
        t->next = NULL;
    }
    return t;
}

/* The input was resolved by the loop thread: a lookup only has to match its key. */
static const void *s_lookup(void *ctx, const char *key)
{
    const wrk_task_t *t = ctx;
    return strcmp(key, t->input_key) == 0 ? t->input : NULL;
}

/*
 * A predict task on this thread: the model unpacked once per thread and
 * model (keys are content hashes: the same key, the same model), since an
 * estimator impl serves one thread at a time.
 */
static void s_predict(wrk_task_t *t, ml_pipeline_t **cache, char *cache_key)
{
    const wrk_model_t *m = t->input;
    t->rc = DSK_OK;
    if (!*cache || strcmp(cache_key, t->input_key) != 0) {
        ml_pipeline_destroy(cache);
        cache_key[0] = '\0';
        t->rc = ml_model_unpack(m->data, m->len, "the model", cache, t->err);
        if (t->rc == DSK_OK)
            snprintf(cache_key, DSK_KEY_MAX + 1, "%s", t->input_key);
    }
    if (t->rc == DSK_OK)
        t->rc = job_predict_run_pipeline(t->spec, t->spec_len, *cache, t->chunk, t->chunk_len,
                                        &t->out.reply, t->err);
}

static void *s_thread(void *arg)
{
    wrk_executor_t *ex = arg;
    ml_pipeline_t *cache = NULL;
    char cache_key[DSK_KEY_MAX + 1] = "";
    pthread_mutex_lock(&ex->mu);
    for (;;) {
        while (!ex->todo && !ex->stopping)
            pthread_cond_wait(&ex->cv, &ex->mu);
        if (ex->stopping)
            break;
        wrk_task_t *t = s_pop(&ex->todo, &ex->todo_tail);
        ex->queued--;
        ex->running++;
        if (ex->hang) { /* a hung worker, on purpose: busy for ever, its loop still heartbeats */
            s_push(&ex->done_never, &ex->done_never_tail, t);
            while (!ex->stopping)
                pthread_cond_wait(&ex->cv, &ex->mu);
            break;
        }
        pthread_mutex_unlock(&ex->mu);
        if (t->kind == DSK_TASK_NOOP) {
            t->rc = DSK_OK; /* the round trip is the work */
        } else if (t->kind == DSK_TASK_PREDICT) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            s_predict(t, &cache, cache_key);
            clock_gettime(CLOCK_MONOTONIC, &b);
            t->out.seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        } else {
            t->rc = job_task_run(t->spec, t->spec_len, t->job, t->ds, s_lookup, t, &t->out, t->err);
        }
        pthread_mutex_lock(&ex->mu);
        ex->running--;
        s_push(&ex->done, &ex->done_tail, t);
        uint64_t one = 1;
        (void)!write(ex->efd, &one, sizeof one);
    }
    pthread_mutex_unlock(&ex->mu);
    ml_pipeline_destroy(&cache);
    return NULL;
}

wrk_executor_t *wrk_executor_new(int nthreads)
{
    /* one BLAS thread per task thread: the task threads are the parallelism */
    openblas_set_num_threads(1);
    wrk_executor_t *ex = dsk_xcalloc(1, sizeof *ex);
    pthread_mutex_init(&ex->mu, NULL);
    pthread_cond_init(&ex->cv, NULL);
    const char *fault = getenv("DSK_FAULT");
    ex->hang = fault && strcmp(fault, "hang-tasks") == 0;
    ex->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ex->efd < 0)
        abort();
    ex->nthreads = nthreads > 0 ? nthreads : 1;
    ex->threads = dsk_xcalloc((size_t)ex->nthreads, sizeof *ex->threads);
    for (int i = 0; i < ex->nthreads; i++)
        if (pthread_create(&ex->threads[i], NULL, s_thread, ex) != 0)
            abort();
    return ex;
}

void wrk_executor_destroy(wrk_executor_t **ex_p)
{
    wrk_executor_t *ex = *ex_p;
    if (!ex)
        return;
    pthread_mutex_lock(&ex->mu);
    ex->stopping = 1;
    pthread_cond_broadcast(&ex->cv);
    pthread_mutex_unlock(&ex->mu);
    for (int i = 0; i < ex->nthreads; i++)
        pthread_join(ex->threads[i], NULL);
    wrk_task_t *t;
    while ((t = s_pop(&ex->todo, &ex->todo_tail)))
        wrk_task_free(&t);
    while ((t = s_pop(&ex->done, &ex->done_tail)))
        wrk_task_free(&t);
    while ((t = s_pop(&ex->done_never, &ex->done_never_tail)))
        wrk_task_free(&t);
    close(ex->efd);
    free(ex->threads);
    pthread_cond_destroy(&ex->cv);
    pthread_mutex_destroy(&ex->mu);
    free(ex);
    *ex_p = NULL;
}

void wrk_executor_submit(wrk_executor_t *ex, wrk_task_t *task)
{
    pthread_mutex_lock(&ex->mu);
    s_push(&ex->todo, &ex->todo_tail, task);
    ex->queued++;
    pthread_cond_signal(&ex->cv);
    pthread_mutex_unlock(&ex->mu);
}

wrk_task_t *wrk_executor_done(wrk_executor_t *ex)
{
    uint64_t n;
    (void)!read(ex->efd, &n, sizeof n);
    pthread_mutex_lock(&ex->mu);
    wrk_task_t *t = s_pop(&ex->done, &ex->done_tail);
    if (ex->done) { /* more waiting: keep the fd readable */
        uint64_t one = 1;
        (void)!write(ex->efd, &one, sizeof one);
    }
    pthread_mutex_unlock(&ex->mu);
    return t;
}

int wrk_executor_fd(const wrk_executor_t *ex) { return ex->efd; }

int wrk_executor_running(const wrk_executor_t *ex)
{
    pthread_mutex_lock((pthread_mutex_t *)&ex->mu);
    int n = ex->running;
    pthread_mutex_unlock((pthread_mutex_t *)&ex->mu);
    return n;
}

int wrk_executor_queued(const wrk_executor_t *ex)
{
    pthread_mutex_lock((pthread_mutex_t *)&ex->mu);
    int n = ex->queued;
    pthread_mutex_unlock((pthread_mutex_t *)&ex->mu);
    return n;
}
