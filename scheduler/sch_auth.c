/* sch_auth.c — CURVE on the scheduler's socket, its ZAP handler, and roles. */
#include "sch_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "dsk_log.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"   /* where libzmq looks for the handler */
#define S_MONITOR_ENDPOINT "inproc://dsk-handshakes"
#define S_ZAP_FRAMES 7          /* version, id, domain, address, identity, mechanism, key */

struct sch_auth {
    int secure;
    dsk_key_pair_t key;
    dsk_keyset_t workers, clients, admins;
    int have_admins;
    void *ctx;
    void *zap;                  /* REP: libzmq's requests, one per handshake */
    void *monitor;              /* PAIR: the ROUTER's failed handshakes */
    dsk_loop_t *loop;
    sch_refused_t refused, logged;
    char last_key[96];          /* the last refusal of each kind, for the summary */
    char last_message[160];
    char last_handshake[96];
};

static int s_load_keys(sch_auth_t *a, const sch_config_t *cfg, char *err)
{
    int rc = dsk_keys_read_secret(cfg->key, &a->key, err);
    if (rc < 0)
        return rc;
    if (!cfg->worker_keys[0] || !cfg->client_keys[0])
        return dsk_seterr(err, DSK_ECONFIG, "with a key, the scheduler needs worker-keys and "
                          "client-keys: the directories of the .pub files it lets in");
    if ((rc = dsk_keyset_load(&a->workers, cfg->worker_keys, err)) < 0 ||
        (rc = dsk_keyset_load(&a->clients, cfg->client_keys, err)) < 0)
        return rc;
    if (cfg->admin_keys[0]) {
        if ((rc = dsk_keyset_load(&a->admins, cfg->admin_keys, err)) < 0)
            return rc;
        a->have_admins = 1;
    }
    dsk_info("CURVE on: %zu worker key%s, %zu client key%s, %zu admin key%s", a->workers.count,
             a->workers.count == 1 ? "" : "s", a->clients.count,
             a->clients.count == 1 ? "" : "s", a->admins.count,
             a->admins.count == 1 ? "" : "s");
    return DSK_OK;
}

/* Whether an endpoint stays on this machine (tcp://127.x, localhost, ::1, ipc, inproc). */
static int s_loopback(const char *endpoint)
{
    if (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0)
        return 1;
    const char *host = strncmp(endpoint, "tcp://", 6) == 0 ? endpoint + 6 : endpoint;
    return strncmp(host, "127.", 4) == 0 || strncmp(host, "localhost:", 10) == 0 ||
           strncmp(host, "[::1]:", 6) == 0;
}

sch_auth_t *sch_auth_new(void *ctx, const sch_config_t *cfg, char *err)
{
    sch_auth_t *a = dsk_xcalloc(1, sizeof *a);
    a->ctx = ctx;
    if (cfg->insecure) {
        if (!s_loopback(cfg->listen))
            dsk_warn("--insecure on %s: anyone who can reach it may submit jobs, read results "
                     "and register workers, all in plaintext; keep --insecure to loopback "
                     "(make keys with dsk-keygen)", cfg->listen);
        else
            dsk_info("--insecure: no CURVE, every peer admitted (loopback only)");
        return a;
    }
    if (!cfg->key[0]) {
        dsk_seterr(err, DSK_ECONFIG, "no key: give the scheduler its secret key (--key FILE, "
                   "made by dsk-keygen) with --worker-keys DIR and --client-keys DIR, or "
                   "--insecure for development on loopback");
        free(a);
        return NULL;
    }
    a->secure = 1;
    if (s_load_keys(a, cfg, err) < 0) {
        sch_auth_destroy(&a);
        return NULL;
    }
    /* bound before the ROUTER exists: no handshake can happen without us */
    a->zap = zmq_socket(ctx, ZMQ_REP);
    int linger = 0;
    if (!a->zap || zmq_setsockopt(a->zap, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_bind(a->zap, S_ZAP_ENDPOINT) < 0) {
        dsk_seterr(err, DSK_EZMQ, "ZAP handler: %s", zmq_strerror(zmq_errno()));
        sch_auth_destroy(&a);
        return NULL;
    }
    return a;
}

void sch_auth_destroy(sch_auth_t **a_p)
{
    sch_auth_t *a = *a_p;
    if (!a)
        return;
    if (a->loop && a->zap)
        dsk_loop_remove_reader(a->loop, a->zap, -1);
    if (a->loop && a->monitor)
        dsk_loop_remove_reader(a->loop, a->monitor, -1);
    if (a->zap)
        zmq_close(a->zap);
    if (a->monitor)
        zmq_close(a->monitor);
    dsk_keyset_clear(&a->workers);
    dsk_keyset_clear(&a->clients);
    dsk_keyset_clear(&a->admins);
    memset(&a->key, 0, sizeof a->key);
    free(a);
    *a_p = NULL;
}

int sch_auth_secure(const sch_auth_t *a) { return a->secure; }

int sch_auth_setup_server(sch_auth_t *a, void *socket, char *err)
{
    if (!a->secure)
        return DSK_OK;
    int on = 1;
    if (zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof on) < 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, a->key.secret_key, DSK_KEY_Z85_LEN) < 0 ||
        zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, "dsk", 3) < 0)
        return dsk_seterr(err, DSK_EZMQ, "CURVE server: %s", zmq_strerror(zmq_errno()));
    /* where libzmq has it (a draft option): no handler, no connection, whatever happens */
    zmq_setsockopt(socket, 93 /* ZMQ_ZAP_ENFORCE_DOMAIN */, &on, sizeof on);
    return DSK_OK;
}

/* ------------------------------------------------------------ the ZAP handler */

/* The roles of a public key: the directories it is in, re-read when they change. */
static int s_roles_of(sch_auth_t *a, const uint8_t key[32])
{
    char err[DSK_ERR_LEN];
    dsk_keyset_t *sets[] = {&a->workers, &a->clients, a->have_admins ? &a->admins : NULL};
    for (int i = 0; i < 3; i++)
        if (sets[i] && dsk_keyset_refresh(sets[i], err) < 0)
            dsk_warn("keeping the keys read before: %s", err);
    int roles = 0;
    if (dsk_keyset_has(&a->workers, key))
        roles |= SCH_ROLE_WORKER;
    if (dsk_keyset_has(&a->clients, key))
        roles |= SCH_ROLE_CLIENT;
    if (a->have_admins && dsk_keyset_has(&a->admins, key))
        roles |= SCH_ROLE_CLIENT | SCH_ROLE_ADMIN;
    return roles;
}

static void s_reply(void *zap, const zmq_msg_t *request_id, const char *code, const char *text,
                    const char *user_id)
{
    zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(zap, zmq_msg_data((zmq_msg_t *)request_id), zmq_msg_size((zmq_msg_t *)request_id),
             ZMQ_SNDMORE);
    zmq_send(zap, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(zap, user_id, strlen(user_id), ZMQ_SNDMORE);
    zmq_send(zap, "", 0, 0);
}

/*
 * One request: [1.0][id][domain][address][identity][CURVE][32-byte key].
 * The answer is 200 with the roles as User-Id, or 400; a request of any
 * other shape is answered 500 (libzmq then refuses the connection too).
 */
static int s_answer(sch_auth_t *a)
{
    zmq_msg_t part[S_ZAP_FRAMES + 1];
    int n = 0, more = 1;
    while (more && n <= S_ZAP_FRAMES) {
        zmq_msg_init(&part[n]);
        if (zmq_msg_recv(&part[n], a->zap, ZMQ_DONTWAIT) < 0) {
            int e = zmq_errno();
            zmq_msg_close(&part[n]);
            for (int i = 0; i < n; i++)
                zmq_msg_close(&part[i]);
            return e == EAGAIN && n == 0 ? 0 : -1;
        }
        more = zmq_msg_more(&part[n]);
        n++;
    }
    while (more) { /* more frames than any request has: read them off */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        zmq_msg_recv(&extra, a->zap, 0);
        more = zmq_msg_more(&extra);
        zmq_msg_close(&extra);
        n = S_ZAP_FRAMES + 1;
    }
    char address[64] = "?";
    if (n >= 4)
        snprintf(address, sizeof address, "%.*s", (int)zmq_msg_size(&part[3]),
                 (const char *)zmq_msg_data(&part[3]));
    if (n != S_ZAP_FRAMES || zmq_msg_size(&part[0]) != 3 ||
        memcmp(zmq_msg_data(&part[0]), "1.0", 3) != 0 || zmq_msg_size(&part[5]) != 5 ||
        memcmp(zmq_msg_data(&part[5]), "CURVE", 5) != 0 || zmq_msg_size(&part[6]) != 32) {
        s_reply(a->zap, n > 1 ? &part[1] : &part[0], "500", "not a CURVE request", "");
        a->refused.keys++;
        snprintf(a->last_key, sizeof a->last_key, "a malformed ZAP request for %s", address);
    } else {
        const uint8_t *key = zmq_msg_data(&part[6]);
        char z85[DSK_KEY_Z85_LEN + 1];
        zmq_z85_encode(z85, key, 32);
        int roles = s_roles_of(a, key);
        if (!roles) {
            s_reply(a->zap, &part[1], "400", "unknown key", "");
            a->refused.keys++;
            snprintf(a->last_key, sizeof a->last_key, "key %s from %s", z85, address);
        } else {
            char user_id[8 + DSK_KEY_Z85_LEN];
            snprintf(user_id, sizeof user_id, "%s%s%s:%s", roles & SCH_ROLE_WORKER ? "w" : "",
                     roles & SCH_ROLE_CLIENT ? "c" : "", roles & SCH_ROLE_ADMIN ? "a" : "", z85);
            s_reply(a->zap, &part[1], "200", "OK", user_id);
        }
    }
    for (int i = 0; i < n && i < S_ZAP_FRAMES + 1; i++)
        zmq_msg_close(&part[i]);
    return 1;
}

static void s_on_zap(dsk_loop_t *loop, void *socket, int fd, void *arg)
{
    sch_auth_t *a = arg;
    int rc;
    while ((rc = s_answer(a)) > 0)
        ;
    if (rc < 0) {
        /* without its handler the scheduler must not go on: stop, never admit by default */
        dsk_error("the ZAP handler failed (%s): stopping", zmq_strerror(zmq_errno()));
        dsk_loop_stop(loop);
    }
}

/* The ROUTER's handshake failures: [event u16, value u32][endpoint]. */
static void s_on_monitor(dsk_loop_t *loop, void *socket, int fd, void *arg)
{
    sch_auth_t *a = arg;
    for (;;) {
        zmq_msg_t ev, where;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            return;
        }
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size(&ev) >= 6) {
            memcpy(&event, zmq_msg_data(&ev), 2);
            memcpy(&value, (char *)zmq_msg_data(&ev) + 2, 4);
        }
        int more = zmq_msg_more(&ev);
        zmq_msg_close(&ev);
        if (more) {
            zmq_msg_init(&where);
            zmq_msg_recv(&where, socket, 0);
            zmq_msg_close(&where);
        }
        /* refusals by key are counted by the handler, which knows the key */
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            continue;
        a->refused.handshakes++;
        if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
            snprintf(a->last_handshake, sizeof a->last_handshake, "a peer without CURVE");
        else if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
            snprintf(a->last_handshake, sizeof a->last_handshake,
                     "a handshake that does not decrypt: the wrong scheduler key?");
        else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
            snprintf(a->last_handshake, sizeof a->last_handshake,
                     "a peer that hung up mid-handshake (%s): one without CURVE, or no dsk "
                     "peer at all", strerror((int)value));
        else
            snprintf(a->last_handshake, sizeof a->last_handshake,
                     "libzmq protocol error 0x%x", (unsigned)value);
    }
}

int sch_auth_start(sch_auth_t *a, dsk_loop_t *loop, void *socket, char *err)
{
    if (!a->secure)
        return DSK_OK;
    a->loop = loop;
    dsk_loop_add_reader(loop, a->zap, -1, s_on_zap, a);
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    if (zmq_socket_monitor(socket, S_MONITOR_ENDPOINT, events) < 0 ||
        !(a->monitor = zmq_socket(a->ctx, ZMQ_PAIR)) ||
        zmq_connect(a->monitor, S_MONITOR_ENDPOINT) < 0)
        return dsk_seterr(err, DSK_EZMQ, "handshake monitor: %s", zmq_strerror(zmq_errno()));
    dsk_loop_add_reader(loop, a->monitor, -1, s_on_monitor, a);
    return DSK_OK;
}

/* ------------------------------------------------------------ roles of messages */

static int s_needs(dsk_msg_type_t type)
{
    switch (type) {
    case DSK_MSG_REGISTER:
    case DSK_MSG_HEARTBEAT:
    case DSK_MSG_DISCONNECT:
    case DSK_MSG_TASK_DONE:
    case DSK_MSG_FETCHED: return SCH_ROLE_WORKER;
    default: return SCH_ROLE_CLIENT; /* what clients send, and what nobody may */
    }
}

int sch_auth_origin(const sch_auth_t *a, const char *user_id, const char *address,
                    dsk_msg_type_t type, sch_origin_t *origin)
{
    origin->address = address;
    if (!a->secure) {
        origin->key = "";
        origin->roles = SCH_ROLE_WORKER | SCH_ROLE_CLIENT | SCH_ROLE_ADMIN;
        return DSK_OK;
    }
    const char *colon = strchr(user_id, ':');
    origin->key = colon ? colon + 1 : "";
    origin->roles = 0;
    for (const char *c = user_id; colon && c < colon; c++)
        origin->roles |= *c == 'w' ? SCH_ROLE_WORKER : *c == 'c' ? SCH_ROLE_CLIENT
                         : *c == 'a' ? SCH_ROLE_ADMIN : 0;
    return origin->roles & s_needs(type) ? DSK_OK : DSK_EPERM;
}

void sch_auth_refused_message(sch_auth_t *a, const sch_origin_t *origin, dsk_msg_type_t type)
{
    a->refused.messages++;
    snprintf(a->last_message, sizeof a->last_message, "%s from %s key %.40s at %s",
             dsk_msg_type_name(type),
             origin->roles & SCH_ROLE_WORKER ? "worker" : "client", origin->key,
             origin->address);
}

const sch_refused_t *sch_auth_refused(const sch_auth_t *a) { return &a->refused; }

void sch_auth_log_summary(sch_auth_t *a)
{
    uint64_t h = a->refused.handshakes - a->logged.handshakes;
    uint64_t k = a->refused.keys - a->logged.keys;
    uint64_t m = a->refused.messages - a->logged.messages;
    if (h)
        dsk_warn("refused %llu connection%s in the last second: failed CURVE handshake "
                 "(last: %s)", (unsigned long long)h, h == 1 ? "" : "s", a->last_handshake);
    if (k)
        dsk_warn("refused %llu connection%s in the last second: key in neither worker-keys "
                 "nor client-keys (last: %s)", (unsigned long long)k, k == 1 ? "" : "s",
                 a->last_key);
    if (m)
        dsk_warn("refused %llu message%s in the last second: not allowed for the sender's "
                 "key (last: %s)", (unsigned long long)m, m == 1 ? "" : "s", a->last_message);
    a->logged = a->refused;
}
