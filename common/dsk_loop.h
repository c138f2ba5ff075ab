/*
 * dsk_loop.h — the one poll loop of a daemon (Redis' ae, over zmq_poll).
 *
 * Readers are ZeroMQ sockets or plain file descriptors; a reader's handler
 * runs when its socket has a message (level-triggered: a handler may read one
 * message or drain several). Timers are one-shot callbacks whose return value
 * is their next delay, so a periodic timer re-arms itself by returning its
 * period and stops by returning DSK_LOOP_TIMER_DONE.
 *
 * dsk_loop_catch_signals turns SIGINT and SIGTERM into a clean stop: the
 * handler only writes to a self-pipe that the loop polls, so the stop is seen
 * at once even when the signal lands just before zmq_poll.
 */
#ifndef DSK_LOOP_H
#define DSK_LOOP_H

#include <stdint.h>

typedef struct dsk_loop dsk_loop_t;

#define DSK_LOOP_TIMER_DONE (-1)

/* Called when socket (or fd, if socket is NULL) is readable. */
typedef void(dsk_loop_reader_fn)(dsk_loop_t *loop, void *socket, int fd, void *arg);
/* Returns the next delay in ms, or DSK_LOOP_TIMER_DONE. */
typedef int64_t(dsk_loop_timer_fn)(dsk_loop_t *loop, int64_t id, void *arg);

/* Caller owns the loop. */
dsk_loop_t *dsk_loop_new(void);
void dsk_loop_destroy(dsk_loop_t **loop_p);

/* socket: a ZeroMQ socket, or NULL and fd a file descriptor. */
int dsk_loop_add_reader(dsk_loop_t *loop, void *socket, int fd,
                        dsk_loop_reader_fn *fn, void *arg);
void dsk_loop_remove_reader(dsk_loop_t *loop, void *socket, int fd);

/* Returns the timer's id (> 0). */
int64_t dsk_loop_add_timer(dsk_loop_t *loop, int64_t delay_ms,
                           dsk_loop_timer_fn *fn, void *arg);
void dsk_loop_cancel_timer(dsk_loop_t *loop, int64_t id);

/* SIGINT/SIGTERM stop this loop; SIGPIPE is ignored. One loop per process. */
int dsk_loop_catch_signals(dsk_loop_t *loop);
/* The signal that stopped the loop, or 0. */
int dsk_loop_signal(const dsk_loop_t *loop);

/* Runs until dsk_loop_stop or a caught signal: 0; or a negative DSK_E*. */
int dsk_loop_run(dsk_loop_t *loop);
void dsk_loop_stop(dsk_loop_t *loop);

#endif
