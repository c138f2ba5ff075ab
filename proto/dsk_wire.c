/* dsk_wire.c — dsk messages over ZeroMQ frames. */
#include "dsk_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

void *dsk_wire_socket(void *ctx, int type, int64_t max_msg_size, char *err)
{
    void *s = zmq_socket(ctx, type);
    if (!s) {
        dsk_seterr(err, DSK_EZMQ, "zmq_socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    int linger = 0;
    if (zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max_msg_size, sizeof max_msg_size) < 0 ||
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) < 0) {
        dsk_seterr(err, DSK_EZMQ, "zmq_setsockopt: %s", zmq_strerror(zmq_errno()));
        zmq_close(s);
        return NULL;
    }
    return s;
}

static void s_free_frame(void *data, void *hint)
{
    (void)hint;
    free(data);
}

static int s_send_encoded(void *socket, const dsk_peer_id_t *to, const dsk_msg_t *msg,
                          char *buf, size_t len, char *err);

int dsk_wire_send(void *socket, const dsk_peer_id_t *to, const dsk_msg_t *msg,
                  char *err)
{
    char *buf;
    size_t len;
    int rc = dsk_msg_encode(msg, &buf, &len, err);
    if (rc < 0)
        return rc;
    return s_send_encoded(socket, to, msg, buf, len, err);
}

int dsk_wire_send_with(void *socket, const dsk_peer_id_t *to, const dsk_msg_t *msg,
                       int (*fill)(void *arg, struct msgpack_sbuffer *sb), void *arg, char *err)
{
    char *buf;
    size_t len;
    int rc = dsk_msg_encode_with(msg, fill, arg, &buf, &len, err);
    if (rc < 0)
        return rc;
    return s_send_encoded(socket, to, msg, buf, len, err);
}

int dsk_wire_send_encoded(void *socket, const dsk_peer_id_t *to, dsk_msg_type_t type, char *buf,
                          size_t len, char *err)
{
    dsk_msg_t head = {.type = type}; /* for the error text */
    return s_send_encoded(socket, to, &head, buf, len, err);
}

/* Sends an encoded message; takes buf (freed by libzmq once sent, or here on failure). */
static int s_send_encoded(void *socket, const dsk_peer_id_t *to, const dsk_msg_t *msg,
                          char *buf, size_t len, char *err)
{
    int rc;
    if (to && zmq_send(socket, to->bytes, to->len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        free(buf);
        return dsk_seterr(err, DSK_EIO, "send %s: %s", dsk_msg_type_name(msg->type),
                          zmq_strerror(zmq_errno()));
    }
    /* the encoded buffer becomes the frame: no copy of a dataset or a chunk */
    zmq_msg_t frame;
    if (zmq_msg_init_data(&frame, buf, len, s_free_frame, NULL) < 0) {
        free(buf);
        return dsk_seterr(err, DSK_EZMQ, "zmq_msg_init_data: %s", zmq_strerror(zmq_errno()));
    }
    rc = zmq_msg_send(&frame, socket, ZMQ_DONTWAIT);
    if (rc < 0) {
        int e = zmq_errno();
        zmq_msg_close(&frame);
        return dsk_seterr(err, DSK_EIO, "send %s: %s", dsk_msg_type_name(msg->type),
                          zmq_strerror(e));
    }
    return DSK_OK;
}

/* Reads and throws away the rest of a multi-frame message. */
static size_t s_discard_rest(void *socket)
{
    size_t n = 0;
    int more = 1;
    size_t sz = sizeof more;
    while (zmq_getsockopt(socket, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        zmq_msg_recv(&part, socket, ZMQ_DONTWAIT);
        zmq_msg_close(&part);
        n++;
    }
    return n;
}

static bool s_has_more(void *socket)
{
    int more = 0;
    size_t sz = sizeof more;
    return zmq_getsockopt(socket, ZMQ_RCVMORE, &more, &sz) == 0 && more;
}

/*
 * On a ROUTER the first frame is the routing id; then exactly one body frame
 * must follow. Anything else (no body, extra frames) is consumed whole and
 * reported, so one bad peer cannot desynchronise the frame stream.
 */
int dsk_wire_recv(void *socket, dsk_peer_id_t *from, dsk_peer_meta_t *meta,
                  dsk_msg_t *msg, char *err)
{
    memset(msg, 0, sizeof *msg);
    if (meta) {
        meta->address[0] = meta->user_id[0] = '\0';
        meta->bytes = 0;
    }
    if (from) {
        from->len = 0;
        zmq_msg_t id;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&id);
            return zmq_errno() == EAGAIN ? DSK_ENOTFOUND
                                          : dsk_seterr(err, DSK_EIO, "recv: %s",
                                                       zmq_strerror(zmq_errno()));
        }
        size_t n = zmq_msg_size(&id);
        from->len = n < sizeof from->bytes ? n : sizeof from->bytes;
        memcpy(from->bytes, zmq_msg_data(&id), from->len);
        zmq_msg_close(&id);
        if (!s_has_more(socket))
            return dsk_seterr(err, DSK_EPROTO, "message without a body frame");
    }
    zmq_msg_t body;
    zmq_msg_init(&body);
    if (zmq_msg_recv(&body, socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&body);
        return zmq_errno() == EAGAIN ? DSK_ENOTFOUND
                                      : dsk_seterr(err, DSK_EIO, "recv: %s",
                                                   zmq_strerror(zmq_errno()));
    }
    if (meta) {
        const char *a = zmq_msg_gets(&body, "Peer-Address");
        const char *u = zmq_msg_gets(&body, "User-Id");
        snprintf(meta->address, sizeof meta->address, "%s", a ? a : "");
        snprintf(meta->user_id, sizeof meta->user_id, "%s", u ? u : "");
        meta->bytes = zmq_msg_size(&body);
    }
    size_t extra = s_discard_rest(socket);
    int rc;
    if (extra)
        rc = dsk_seterr(err, DSK_EPROTO, "%zu unexpected extra frames", extra);
    else
        rc = dsk_msg_decode(zmq_msg_data(&body), zmq_msg_size(&body), msg, err);
    if (rc < 0 && !dsk_msg_has_signature(zmq_msg_data(&body), zmq_msg_size(&body)))
        rc = DSK_ENOTDSK; /* err keeps the decoder's reason */
    zmq_msg_close(&body);
    return rc;
}

const char *dsk_peer_id_str(const dsk_peer_id_t *id, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < id->len && o + 3 <= len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%02x", id->bytes[i]);
    return buf;
}
