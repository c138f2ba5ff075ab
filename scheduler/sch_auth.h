/*
 * sch_auth.h — who may talk to the scheduler: CurveZMQ on its socket and
 * the ZAP handler (ZeroMQ RFC 27) that admits keys.
 *
 * With a secret key configured, the scheduler's ROUTER is a CURVE server:
 * every connection is encrypted, and each handshake asks the ZAP handler
 * here whether the client's public key may come in. It may when it is in
 * the worker-keys directory (role worker), client-keys (role client) or
 * admin-keys (client, and sees every job). Anything else gets nothing: no
 * key, the wrong server key and an unknown key all fail the handshake, so
 * not one of their bytes reaches the engine.
 *
 * Fail closed: the handler's socket is bound before the ROUTER exists (a
 * CURVE server with no handler would admit any key), it lives in the
 * scheduler's own loop (if the loop stops, the scheduler stops), and a
 * handler socket that fails stops the loop.
 *
 * The roles travel as the connection's ZAP User-Id, "ROLES:KEY" (ROLES of
 * w, c, a; KEY in Z85), which libzmq attaches to every message; the server
 * refuses a message whose type the sender's roles do not allow (a worker
 * key sending SUBMIT, a client key sending REGISTER) before the engine
 * sees it. With --insecure there is no key and every peer has every role.
 */
#ifndef SCH_AUTH_H
#define SCH_AUTH_H

#include <stdint.h>

#include "dsk_keys.h"
#include "dsk_loop.h"
#include "dsk_msg.h"
#include "sch_config.h"

enum { SCH_ROLE_WORKER = 1, SCH_ROLE_CLIENT = 2, SCH_ROLE_ADMIN = 4 };

/* Who sent a message, as the engine sees it. */
typedef struct {
    const char *address;        /* as libzmq reports it */
    const char *key;            /* the sender's public key (Z85), "" without CURVE */
    int roles;                  /* SCH_ROLE_* */
} sch_origin_t;

/* Connections and messages turned away, for status and the log. */
typedef struct {
    uint64_t handshakes;        /* failed CURVE handshakes: no key, wrong server key */
    uint64_t keys;              /* keys the ZAP handler refused */
    uint64_t messages;          /* messages a key's roles do not allow */
} sch_refused_t;

typedef struct sch_auth sch_auth_t;

/*
 * Reads the keys cfg names and binds the ZAP handler in ctx; cfg->insecure
 * gives an authenticator that admits everyone. NULL with err for a missing
 * or unreadable key, a secret key others may read, or neither keys nor
 * --insecure.
 */
sch_auth_t *sch_auth_new(void *ctx, const sch_config_t *cfg, char *err);
void sch_auth_destroy(sch_auth_t **a_p);
int sch_auth_secure(const sch_auth_t *a);
/* Makes socket a CURVE server with the scheduler's key (nothing when insecure). */
int sch_auth_setup_server(sch_auth_t *a, void *socket, char *err);
/* Adds the handler (and the handshake monitor of socket) to loop. */
int sch_auth_start(sch_auth_t *a, dsk_loop_t *loop, void *socket, char *err);
/*
 * The origin of a message whose User-Id is user_id (key points into
 * user_id). 0, or DSK_EPERM when the origin's roles may not send type.
 */
int sch_auth_origin(const sch_auth_t *a, const char *user_id, const char *address,
                    dsk_msg_type_t type, sch_origin_t *origin);
/* Counts a message refused by sch_auth_origin, for the summary and status. */
void sch_auth_refused_message(sch_auth_t *a, const sch_origin_t *origin, dsk_msg_type_t type);
const sch_refused_t *sch_auth_refused(const sch_auth_t *a);
/* Logs what was refused since the last call (once a second, from the server). */
void sch_auth_log_summary(sch_auth_t *a);

#endif
