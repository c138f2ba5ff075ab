/* dsk_loop.c — poll loop over ZeroMQ sockets and fds, with timers. */
#include "dsk_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_error.h"
#include "dsk_log.h"

typedef struct {
    void *socket;
    int fd;
    dsk_loop_reader_fn *fn;
    void *arg;
    bool removed;
} s_reader_t;

typedef struct {
    int64_t id;
    int64_t due_ms;
    dsk_loop_timer_fn *fn;
    void *arg;
} s_timer_t;

struct dsk_loop {
    s_reader_t *readers;
    size_t n_readers, cap_readers;
    s_timer_t *timers;
    size_t n_timers, cap_timers;
    int64_t next_timer_id;
    bool stop;
    int signal;
    int sigpipe[2];
};

/* The self-pipe is process-wide because a signal handler can reach nothing else. */
static int s_signal_fd = -1;

static void s_on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (s_signal_fd >= 0) {
        ssize_t w = write(s_signal_fd, &b, 1);
        (void)w;
    }
    errno = saved;
}

dsk_loop_t *dsk_loop_new(void)
{
    dsk_loop_t *loop = dsk_xcalloc(1, sizeof *loop);
    loop->sigpipe[0] = loop->sigpipe[1] = -1;
    loop->next_timer_id = 1;
    return loop;
}

void dsk_loop_destroy(dsk_loop_t **loop_p)
{
    dsk_loop_t *loop = *loop_p;
    if (!loop)
        return;
    if (loop->sigpipe[0] >= 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        s_signal_fd = -1;
        close(loop->sigpipe[0]);
        close(loop->sigpipe[1]);
    }
    free(loop->readers);
    free(loop->timers);
    free(loop);
    *loop_p = NULL;
}

static void *s_grow(void *array, size_t *cap, size_t elem)
{
    *cap = *cap ? *cap * 2 : 8;
    return dsk_xrealloc(array, *cap, elem);
}

int dsk_loop_add_reader(dsk_loop_t *loop, void *socket, int fd,
                        dsk_loop_reader_fn *fn, void *arg)
{
    if (loop->n_readers == loop->cap_readers)
        loop->readers = s_grow(loop->readers, &loop->cap_readers, sizeof *loop->readers);
    loop->readers[loop->n_readers++] =
        (s_reader_t){.socket = socket, .fd = socket ? -1 : fd, .fn = fn, .arg = arg};
    return DSK_OK;
}

/*
 * Marks the reader removed rather than compacting the array: a handler may
 * remove readers (its own included) while the loop is walking the array.
 */
void dsk_loop_remove_reader(dsk_loop_t *loop, void *socket, int fd)
{
    for (size_t i = 0; i < loop->n_readers; i++) {
        s_reader_t *r = &loop->readers[i];
        if (socket ? r->socket == socket : (r->socket == NULL && r->fd == fd))
            r->removed = true;
    }
}

static void s_compact_readers(dsk_loop_t *loop)
{
    size_t j = 0;
    for (size_t i = 0; i < loop->n_readers; i++)
        if (!loop->readers[i].removed)
            loop->readers[j++] = loop->readers[i];
    loop->n_readers = j;
}

int64_t dsk_loop_add_timer(dsk_loop_t *loop, int64_t delay_ms,
                           dsk_loop_timer_fn *fn, void *arg)
{
    if (loop->n_timers == loop->cap_timers)
        loop->timers = s_grow(loop->timers, &loop->cap_timers, sizeof *loop->timers);
    int64_t id = loop->next_timer_id++;
    loop->timers[loop->n_timers++] = (s_timer_t){
        .id = id, .due_ms = dsk_clock_mono_ms() + delay_ms, .fn = fn, .arg = arg};
    return id;
}

void dsk_loop_cancel_timer(dsk_loop_t *loop, int64_t id)
{
    for (size_t i = 0; i < loop->n_timers; i++)
        if (loop->timers[i].id == id) {
            loop->timers[i] = loop->timers[--loop->n_timers];
            return;
        }
}

int dsk_loop_catch_signals(dsk_loop_t *loop)
{
    if (pipe2(loop->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return DSK_EIO;
    s_signal_fd = loop->sigpipe[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return DSK_OK;
}

int dsk_loop_signal(const dsk_loop_t *loop) { return loop->signal; }

void dsk_loop_stop(dsk_loop_t *loop) { loop->stop = true; }

static ssize_t s_find_timer(const dsk_loop_t *loop, int64_t id)
{
    for (size_t k = 0; k < loop->n_timers; k++)
        if (loop->timers[k].id == id)
            return (ssize_t)k;
    return -1;
}

/*
 * Runs every timer that was due when the pass began, each once, and returns
 * ms until the next one (-1: none). Due timers are picked by id up front
 * because callbacks add and cancel timers, which reorders the array.
 */
static long s_run_timers(dsk_loop_t *loop)
{
    int64_t now = dsk_clock_mono_ms();
    size_t ndue = 0;
    int64_t *due = loop->n_timers ? dsk_xmalloc(loop->n_timers * sizeof *due) : NULL;
    for (size_t i = 0; i < loop->n_timers; i++)
        if (loop->timers[i].due_ms <= now)
            due[ndue++] = loop->timers[i].id;
    for (size_t i = 0; i < ndue && !loop->stop; i++) {
        ssize_t k = s_find_timer(loop, due[i]);
        if (k < 0)
            continue; /* cancelled by an earlier callback */
        s_timer_t t = loop->timers[k];
        int64_t next = t.fn(loop, t.id, t.arg);
        k = s_find_timer(loop, t.id);
        if (k < 0)
            continue; /* it cancelled itself */
        if (next < 0)
            loop->timers[k] = loop->timers[--loop->n_timers];
        else
            loop->timers[k].due_ms = dsk_clock_mono_ms() + next;
    }
    free(due);
    long wait = -1;
    now = dsk_clock_mono_ms();
    for (size_t i = 0; i < loop->n_timers; i++) {
        long d = (long)(loop->timers[i].due_ms - now);
        if (d < 0)
            d = 0;
        if (wait < 0 || d < wait)
            wait = d;
    }
    return wait;
}

static void s_drain_signals(dsk_loop_t *loop)
{
    unsigned char b;
    while (read(loop->sigpipe[0], &b, 1) == 1) {
        loop->signal = b;
        loop->stop = true;
    }
}

/*
 * One iteration: timers first (they may stop the loop), then one zmq_poll
 * over every reader plus the signal pipe, then the handlers of what is
 * readable. The pollitem array is rebuilt each time because handlers add
 * and remove readers.
 */
int dsk_loop_run(dsk_loop_t *loop)
{
    zmq_pollitem_t *items = NULL;
    size_t cap = 0;
    loop->stop = false;
    while (!loop->stop) {
        long wait = s_run_timers(loop);
        if (loop->stop)
            break;
        s_compact_readers(loop);
        size_t n = loop->n_readers + 1;
        if (n > cap) {
            cap = n * 2;
            items = dsk_xrealloc(items, cap, sizeof *items);
        }
        for (size_t i = 0; i < loop->n_readers; i++)
            items[i] = (zmq_pollitem_t){.socket = loop->readers[i].socket,
                                        .fd = loop->readers[i].fd, .events = ZMQ_POLLIN};
        items[n - 1] = (zmq_pollitem_t){.socket = NULL, .fd = loop->sigpipe[0],
                                        .events = ZMQ_POLLIN};
        int npoll = loop->sigpipe[0] >= 0 ? (int)n : (int)n - 1;
        int rc = zmq_poll(items, npoll, wait);
        if (rc < 0) {
            if (zmq_errno() == EINTR)
                continue;
            if (zmq_errno() == ETERM)
                break;
            dsk_error("zmq_poll: %s", zmq_strerror(zmq_errno()));
            free(items);
            return DSK_EZMQ;
        }
        if (loop->sigpipe[0] >= 0 && (items[n - 1].revents & ZMQ_POLLIN))
            s_drain_signals(loop);
        size_t count = loop->n_readers; /* readers added now wait for the next round */
        for (size_t i = 0; i < count && !loop->stop; i++) {
            s_reader_t r = loop->readers[i];
            if (!r.removed && (items[i].revents & ZMQ_POLLIN))
                r.fn(loop, r.socket, r.fd, r.arg);
        }
    }
    free(items);
    return DSK_OK;
}
