/* dsk_client.c — synchronous requests to the scheduler. */
#include "dsk_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <zmq.h>

#include "dsk_alloc.h"
#include "dsk_clock.h"
#include "dsk_probe.h"
#include "dsk_wire.h"

struct dsk_client {
    void *ctx;
    void *socket;
    char endpoint[256];
    int64_t timeout_ms;
    dsk_curve_client_t curve;   /* .on 0: plain */
};

dsk_client_t *dsk_client_new(const char *endpoint, int64_t timeout_ms, char *err)
{
    return dsk_client_connect(endpoint, timeout_ms, NULL, err);
}

/* The DEALER, as the client's key if it has one, connecting to its endpoint. */
static int s_open(dsk_client_t *c, char *err)
{
    c->socket = dsk_wire_socket(c->ctx, ZMQ_DEALER, (int64_t)DSK_DEFAULT_MAX_MSG_SIZE, err);
    if (!c->socket)
        return DSK_EZMQ;
    int rc = dsk_curve_client_apply(&c->curve, c->socket, err);
    if (rc < 0)
        return rc;
    if (zmq_connect(c->socket, c->endpoint) < 0)
        return dsk_seterr(err, DSK_EINVAL, "bad scheduler address '%s': %s", c->endpoint,
                          zmq_strerror(zmq_errno()));
    return DSK_OK;
}

dsk_client_t *dsk_client_connect(const char *endpoint, int64_t timeout_ms,
                                 const dsk_curve_client_t *curve, char *err)
{
    dsk_client_t *c = dsk_xcalloc(1, sizeof *c);
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint);
    c->timeout_ms = timeout_ms;
    if (curve)
        c->curve = *curve;
    c->ctx = zmq_ctx_new();
    if (s_open(c, err) < 0) {
        dsk_client_destroy(&c);
        return NULL;
    }
    return c;
}

int dsk_client_reconnect(dsk_client_t *c, char *err)
{
    if (c->socket)
        zmq_close(c->socket);
    c->socket = NULL;
    return s_open(c, err);
}

uint64_t dsk_client_token(void)
{
    uint64_t t = 0;
    if (getrandom(&t, sizeof t, 0) != sizeof t)
        t = (uint64_t)dsk_clock_wall_ms() * 6364136223846793005ULL ^ (uint64_t)getpid();
    return t ? t : 1;
}

void dsk_client_destroy(dsk_client_t **client_p)
{
    dsk_client_t *c = *client_p;
    if (!c)
        return;
    if (c->socket)
        zmq_close(c->socket);
    zmq_ctx_term(c->ctx);
    free(c);
    *client_p = NULL;
}

/*
 * Waits up to timeout_ms for a message of type want or also (0: none; an ERROR ends the
 * wait too, as its code). Other messages are skipped: they may be late
 * answers to an earlier request that timed out.
 */
static int s_wait(dsk_client_t *c, dsk_msg_type_t want, dsk_msg_type_t also, int64_t timeout_ms,
                  dsk_msg_t *rep, char *err)
{
    int64_t deadline = dsk_clock_mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - dsk_clock_mono_ms();
        if (left <= 0) {
            char why[384];
            dsk_probe_endpoint(c->endpoint, 500, why, sizeof why);
            return dsk_seterr(err, DSK_ETIMEDOUT,
                              "no answer from the scheduler at %s within %.1f s: %s",
                              c->endpoint, (double)timeout_ms / 1000.0, why);
        }
        zmq_pollitem_t item = {.socket = c->socket, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, (long)left) < 0) {
            if (zmq_errno() == EINTR)
                return dsk_seterr(err, DSK_EINTR, "interrupted");
            return dsk_seterr(err, DSK_EZMQ, "zmq_poll: %s", zmq_strerror(zmq_errno()));
        }
        if (!(item.revents & ZMQ_POLLIN))
            continue;
        int rc = dsk_wire_recv(c->socket, NULL, NULL, rep, err);
        if (rc == DSK_ENOTFOUND)
            continue;
        if (rc < 0)
            return rc;
        if (rep->type == want || (also && rep->type == also))
            return DSK_OK;
        if (rep->type == DSK_MSG_ERROR) {
            rc = rep->u.error.code < 0 ? rep->u.error.code : DSK_EPROTO;
            dsk_seterr(err, rc, "%s", rep->u.error.message);
            dsk_msg_clear(rep);
            return rc;
        }
        dsk_msg_clear(rep);
    }
}

static int s_request(dsk_client_t *c, const dsk_msg_t *req, dsk_msg_type_t want,
                     dsk_msg_t *rep, char *err)
{
    int rc = dsk_wire_send(c->socket, NULL, req, err);
    if (rc < 0)
        return rc;
    return s_wait(c, want, 0, c->timeout_ms, rep, err);
}

int dsk_client_submit(dsk_client_t *c, uint32_t kind, const char *name, const void *job,
                      size_t job_len, const void *data, size_t data_len, uint64_t token,
                      dsk_msg_t *state, char *err)
{
    dsk_msg_t req = {.type = DSK_MSG_SUBMIT};
    req.u.submit.kind = kind;
    req.u.submit.token = token;
    snprintf(req.u.submit.name, sizeof req.u.submit.name, "%s", name);
    req.u.submit.job = (dsk_bytes_t){.data = (unsigned char *)job, .len = job_len};
    req.u.submit.data = (dsk_bytes_t){.data = (unsigned char *)data, .len = data_len};
    return s_request(c, &req, DSK_MSG_JOB_STATE, state, err);
}

int dsk_client_next_state(dsk_client_t *c, int64_t timeout_ms, dsk_msg_t *state, char *err)
{
    return s_wait(c, DSK_MSG_JOB_STATE, 0, timeout_ms, state, err);
}

int dsk_client_send_chunk(dsk_client_t *c, uint64_t job_id, uint64_t index, const void *data,
                          size_t len, char *err)
{
    dsk_msg_t m = {.type = DSK_MSG_CHUNK};
    m.u.chunk.job_id = job_id;
    m.u.chunk.index = index;
    m.u.chunk.data = (dsk_bytes_t){.data = (unsigned char *)data, .len = len};
    return dsk_wire_send(c->socket, NULL, &m, err);
}

int dsk_client_send_chunk_with(dsk_client_t *c, uint64_t job_id, uint64_t index,
                               int (*fill)(void *arg, struct msgpack_sbuffer *sb), void *arg,
                               char *err)
{
    dsk_msg_t m = {.type = DSK_MSG_CHUNK};
    m.u.chunk.job_id = job_id;
    m.u.chunk.index = index;
    return dsk_wire_send_with(c->socket, NULL, &m, fill, arg, err);
}

int dsk_client_next_event(dsk_client_t *c, int64_t timeout_ms, dsk_msg_t *msg, char *err)
{
    return s_wait(c, DSK_MSG_JOB_STATE, DSK_MSG_CHUNK_DONE, timeout_ms, msg, err);
}

int dsk_client_watch(dsk_client_t *c, uint64_t job_id, char *err)
{
    dsk_msg_t req = {.type = DSK_MSG_JOB_REQ};
    req.u.job_req.op = DSK_JOBREQ_WATCH;
    req.u.job_req.job_id = job_id;
    return dsk_wire_send(c->socket, NULL, &req, err);
}

int dsk_client_job_req(dsk_client_t *c, uint32_t op, uint64_t job_id, dsk_msg_t *state,
                       char *err)
{
    dsk_msg_t req = {.type = DSK_MSG_JOB_REQ};
    req.u.job_req.op = op;
    req.u.job_req.job_id = job_id;
    return s_request(c, &req, DSK_MSG_JOB_STATE, state, err);
}

int dsk_client_status(dsk_client_t *c, dsk_msg_t *status, char *err)
{
    dsk_msg_t req = {.type = DSK_MSG_STATUS_REQ};
    return s_request(c, &req, DSK_MSG_STATUS_REP, status, err);
}
