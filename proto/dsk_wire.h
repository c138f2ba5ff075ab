/*
 * dsk_wire.h — dsk messages over ZeroMQ sockets.
 *
 * The scheduler has one ROUTER socket; workers and clients have a DEALER
 * each. On a ROUTER a message is [routing id][body], on a DEALER [body]; the
 * body is one dsk_msg frame. These helpers create sockets with the limits
 * every dsk socket must have (ZMQ_MAXMSGSIZE, no linger) and move whole
 * messages, so no daemon handles frames by hand.
 */
#ifndef DSK_WIRE_H
#define DSK_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsk_msg.h"

#define DSK_PEER_ID_MAX 255
#define DSK_DEFAULT_MAX_MSG_SIZE (512ULL << 20)

/* A ROUTER routing id: who a message came from, or goes to. */
typedef struct {
    unsigned char bytes[DSK_PEER_ID_MAX];
    size_t len;
} dsk_peer_id_t;

/* Whether a and b name the same peer. */
static inline int dsk_peer_same(const dsk_peer_id_t *a, const dsk_peer_id_t *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

/*
 * New socket of type (ZMQ_ROUTER, ZMQ_DEALER) with ZMQ_MAXMSGSIZE =
 * max_msg_size (frames larger than that make libzmq drop the connection)
 * and ZMQ_LINGER 0. Caller owns it (zmq_close). NULL on error, err filled.
 */
void *dsk_wire_socket(void *ctx, int type, int64_t max_msg_size, char *err);

/*
 * Encodes and sends msg, without blocking. to: the routing id on a ROUTER,
 * NULL on a DEALER. A message that cannot be queued now (peer gone, queue
 * full) fails with DSK_EIO; the caller still owns msg.
 */
int dsk_wire_send(void *socket, const dsk_peer_id_t *to, const dsk_msg_t *msg,
                  char *err);
/* A message of type encoded earlier (dsk_msg_encode), sent as dsk_wire_send; takes buf. */
int dsk_wire_send_encoded(void *socket, const dsk_peer_id_t *to, dsk_msg_type_t type, char *buf,
                          size_t len, char *err);
/* The same, the message's last (bin) field written by fill (dsk_msg_encode_with). */
int dsk_wire_send_with(void *socket, const dsk_peer_id_t *to, const dsk_msg_t *msg,
                       int (*fill)(void *arg, struct msgpack_sbuffer *sb), void *arg, char *err);

/*
 * What libzmq knows of a message's sender: its address ("127.0.0.1", ""
 * if unknown), the User-Id the ZAP handler gave its connection ("" when
 * the socket authenticates nobody) and the message's size in bytes.
 */
typedef struct {
    char address[DSK_ADDR_MAX + 1];
    char user_id[128];
    uint64_t bytes;     /* the message's body frame, as it came (for traffic counts) */
} dsk_peer_meta_t;

/*
 * Receives one whole message without blocking. from: filled on a ROUTER
 * (NULL on a DEALER). meta (may be NULL): filled from the message.
 * Returns 0 with msg decoded (caller releases it with dsk_msg_clear);
 * DSK_ENOTFOUND when nothing is waiting; DSK_ENOTDSK when the frame is not
 * a dsk message at all (noise); DSK_EPROTO / DSK_EVERSION / DSK_ETOOBIG when
 * it is one but malformed. Either way the frames are consumed, msg holds
 * nothing, err says why and from is filled, so the caller can log or answer.
 */
int dsk_wire_recv(void *socket, dsk_peer_id_t *from, dsk_peer_meta_t *meta,
                  dsk_msg_t *msg, char *err);

/* A printable form of a routing id ("00a1b2c3d4") for logs. */
const char *dsk_peer_id_str(const dsk_peer_id_t *id, char *buf, size_t len);

#endif
