/*
 * check_garbage.c — hostile input on the scheduler's port.
 *
 * 10,000 malformed frames from a real ZeroMQ peer (random bytes, every kind
 * of truncated and mutated dsk message, length bombs, deep nesting, extra
 * frames, other protocol versions) plus raw non-ZMTP bytes on plain TCP:
 * the scheduler must stay up, keep its workers, answer status, and not grow
 * (a second burst of 10,000 must not add to what the first sized).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "cluster_util.h"
#include "dsk_msg.h"

#define N_FRAMES 10000
#define RSS_GROWTH_LIMIT_KIB 1024

static uint64_t s_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)(s_rng >> 16);
}

/* A valid encoding of a message of each kind a peer may send. */
static size_t s_valid(int kind, char *out, size_t cap)
{
    dsk_msg_t m;
    memset(&m, 0, sizeof m);
    switch (kind % 3) {
    case 0:
        m.type = DSK_MSG_REGISTER;
        snprintf(m.u.reg.name, sizeof m.u.reg.name, "garbage-%d", kind);
        snprintf(m.u.reg.host, sizeof m.u.reg.host, "nowhere");
        m.u.reg.nthreads = 4;
        break;
    case 1:
        m.type = DSK_MSG_STATUS_REQ;
        break;
    default:
        m.type = DSK_MSG_HEARTBEAT;
        m.u.heartbeat.memory_used = 12345;
    }
    char *buf;
    size_t len;
    char err[DSK_ERR_LEN];
    if (dsk_msg_encode(&m, &buf, &len, err) < 0)
        abort();
    if (len > cap)
        len = cap;
    memcpy(out, buf, len);
    free(buf);
    return len;
}

/* The i-th hostile frame: every kind in turn. Returns its length. */
static size_t s_hostile(int i, char *buf, size_t cap)
{
    static const unsigned char bombs[][8] = {
        {0xdd, 0xff, 0xff, 0xff, 0xff}, {0xdc, 0xff, 0xff}, {0xde, 0xff, 0xff},
        {0xdf, 0xff, 0xff, 0xff, 0xff}, {0xc6, 0xff, 0xff, 0xff, 0xff},
        {0xdb, 0xff, 0xff, 0xff, 0xff}, {0xc9, 0xff, 0xff, 0xff, 0xff, 0x01},
        {0xda, 0xff, 0xff}};
    static const size_t bomb_len[] = {5, 3, 3, 5, 5, 5, 6, 3};
    size_t len;
    switch (i % 6) {
    case 0: /* random bytes */
        len = s_rand() % 300;
        for (size_t k = 0; k < len; k++)
            buf[k] = (char)s_rand();
        return len;
    case 1: /* a valid message cut short */
        len = s_valid(i, buf, cap);
        return len ? s_rand() % len : 0;
    case 2: /* a valid message with bytes flipped */
        len = s_valid(i, buf, cap);
        for (int k = 0; k < 3; k++)
            buf[s_rand() % len] = (char)s_rand();
        return len;
    case 3: { /* a length bomb, bare or as a field of a dsk envelope */
        size_t b = (size_t)(i / 6) % 8;
        if ((i / 6) % 2) {
            memcpy(buf, bombs[b], bomb_len[b]);
            return bomb_len[b];
        }
        const unsigned char head[] = {0x95, 0xa3, 'D', 'S', 'K', DSK_PROTO_VERSION, 0x01};
        memcpy(buf, head, sizeof head);
        memcpy(buf + sizeof head, bombs[b], bomb_len[b]);
        return sizeof head + bomb_len[b];
    }
    case 4: /* another protocol version */
        len = s_valid(i, buf, cap);
        buf[5] = 0x07;
        return len;
    default: /* deep nesting: 33 levels, or 100,000 */
        len = (i / 6) % 2 ? 100000 : 33;
        if (len > cap)
            len = cap;
        memset(buf, 0x91, len);
        buf[len - 1] = (char)0xc0;
        return len;
    }
}

/* Raw bytes on a plain TCP connection: not even a ZMTP greeting. */
static void s_raw_tcp_garbage(int port)
{
    for (int c = 0; c < 20; c++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            char junk[512];
            for (size_t k = 0; k < sizeof junk; k++)
                junk[k] = (char)s_rand();
            if (c % 2) /* a greeting that claims a huge frame follows */
                memcpy(junk, "\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x03\x00", 12);
            ssize_t w = write(fd, junk, sizeof junk);
            (void)w;
        }
        close(fd);
    }
}

/* N_FRAMES hostile frames on dealer, with raw TCP garbage on port between them. */
static void s_burst(void *dealer, int port, int first)
{
    static char buf[100000];
    for (int i = first; i < first + N_FRAMES; i++) {
        size_t len = s_hostile(i, buf, sizeof buf);
        int flags = (i % 97 == 0) ? ZMQ_SNDMORE : 0; /* some multi-frame messages */
        ck_assert_int_ge(zmq_send(dealer, buf, len, flags), 0);
        if (flags)
            zmq_send(dealer, "extra", 5, 0);
        if (i % 500 == 0)
            s_raw_tcp_garbage(port);
        /* drain what the scheduler answers (ERRORs for the wrong version) */
        while (zmq_recv(dealer, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
            ;
    }
}

/*
 * The scheduler's RSS once its once-a-second housekeeping has handed the
 * heap a burst freed back to the kernel (malloc_trim): looked at for up to
 * 6 s, until it is within RSS_GROWTH_LIMIT_KIB of base.
 */
static long s_settled_rss(pid_t sch, long base)
{
    long rss = 0;
    for (int waited = 0; waited < 6000; waited += 500) {
        cu_sleep_ms(500);
        rss = cu_rss_kib(sch);
        if (waited >= 1000 && rss - base < RSS_GROWTH_LIMIT_KIB)
            break;
    }
    return rss;
}

START_TEST(test_10000_hostile_frames)
{
    char ep[64];
    cu_endpoint(ep, sizeof ep);
    int port = atoi(strrchr(ep, ':') + 1);
    const char *sargs[] = {"--listen", ep, NULL};
    pid_t sch = cu_spawn("dskd-scheduler", "scheduler.log", sargs);
    const char *wargs[] = {"--scheduler", ep, "--name", "steady", NULL};
    cu_spawn("dskd-worker", "worker.log", wargs);
    ck_assert_msg(cu_wait_workers(ep, 1, 3000) >= 0, "worker did not register");

    void *ctx = zmq_ctx_new();
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq(zmq_connect(dealer, ep), 0);
    /* a first burst sizes what is sized once (ZeroMQ's buffers for the peer, malloc's arenas
       for its threads: on a loaded machine 2.2 MiB that stayed, once in the first burst and
       once in the second); garbage that leaked would grow the scheduler by every burst, so
       one of the next three must add under RSS_GROWTH_LIMIT_KIB (10,000 frames leaking 100
       bytes each would add about 1 MiB to each) */
    long rss_start = cu_rss_kib(sch);
    s_burst(dealer, port, 0);
    long rss_before = s_settled_rss(sch, rss_start), first = rss_before - rss_start;
    long grew = 0, rss_after = rss_before;
    for (int burst = 1; burst <= 3; burst++) {
        s_burst(dealer, port, burst * N_FRAMES);

        /* the same peer still gets served: its stream was never desynchronised */
        json_t *st = NULL;
        for (int tries = 0; tries < 20 && !st; tries++)
            st = cu_status(ep);
        ck_assert_msg(st != NULL, "status does not answer after the garbage");
        ck_assert_int_eq((int)json_array_size(json_object_get(st, "workers")), 1);
        json_decref(st);
        ck_assert_msg(waitpid(sch, NULL, WNOHANG) == 0, "scheduler died");

        rss_after = s_settled_rss(sch, rss_before);
        grew = rss_after - rss_before;
        fprintf(stderr, "scheduler RSS %ld KiB -> %ld KiB after burst %d of %d hostile "
                "frames\n", rss_before, rss_after, burst + 1, N_FRAMES);
        if (grew < RSS_GROWTH_LIMIT_KIB)
            break;
        rss_before = rss_after;
    }
    ck_assert_msg(grew < RSS_GROWTH_LIMIT_KIB,
                  "scheduler grew by over %d KiB in each of 3 bursts after the first (the "
                  "last %ld KiB; %ld KiB in the first)", RSS_GROWTH_LIMIT_KIB, grew, first);
    ck_assert_msg(rss_after - rss_start < 16 * 1024,
                  "scheduler grew by %ld KiB over 4 bursts", rss_after - rss_start);
    char log[1 << 14];
    ck_assert_msg(strstr(cu_read_log("scheduler.log", log, sizeof log), "malformed"),
                  "dropped frames were not logged");
    zmq_close(dealer);
    zmq_ctx_term(ctx);
}
END_TEST


/* Waits up to ms for one reply on dealer; returns its length or -1. */
static int s_reply(void *dealer, char *buf, size_t cap, long ms)
{
    zmq_pollitem_t item = {.socket = dealer, .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, ms) <= 0)
        return -1;
    return zmq_recv(dealer, buf, cap, 0);
}

/*
 * A dsk peer that gets a message wrong is told what and where; noise is
 * never answered.
 */
START_TEST(test_bad_dsk_message_answered)
{
    char ep[64], buf[4096], err[DSK_ERR_LEN];
    cu_endpoint(ep, sizeof ep);
    const char *sargs[] = {"--listen", ep, NULL};
    cu_spawn("dskd-scheduler", "scheduler.log", sargs);
    ck_assert_msg(cu_wait_workers(ep, 0, 3000) >= 0, "scheduler did not start");
    void *ctx = zmq_ctx_new();
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq(zmq_connect(dealer, ep), 0);

    /* REGISTER whose name is an integer: ["DSK", version, 1, 42, ...] */
    const unsigned char bad_field[] = {0x9a, 0xa3, 'D', 'S', 'K', DSK_PROTO_VERSION, 0x01, 0x2a,
                                       0xa1, 'h', 0x01, 0x01, 0x01, 0x01, 0x01};
    zmq_send(dealer, bad_field, sizeof bad_field, 0);
    int n = s_reply(dealer, buf, sizeof buf, 2000);
    ck_assert_int_gt(n, 0);
    dsk_msg_t rep;
    ck_assert_int_eq(dsk_msg_decode(buf, (size_t)n, &rep, err), 0);
    ck_assert_int_eq(rep.type, DSK_MSG_ERROR);
    ck_assert_int_eq(rep.u.error.code, DSK_EPROTO);
    ck_assert_msg(strstr(rep.u.error.message, "REGISTER field 1 (name)"),
                  "reply does not name the field: %s", rep.u.error.message);

    /* the same message from a peer of another protocol version */
    const unsigned char other_version[] = {0x93, 0xa3, 'D', 'S', 'K', DSK_PROTO_VERSION + 1, 0x05};
    zmq_send(dealer, other_version, sizeof other_version, 0);
    n = s_reply(dealer, buf, sizeof buf, 2000);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(dsk_msg_decode(buf, (size_t)n, &rep, err), 0);
    ck_assert_int_eq(rep.u.error.code, DSK_EVERSION);

    /* noise: no answer */
    zmq_send(dealer, "GET / HTTP/1.0\r\n\r\n", 18, 0);
    ck_assert_int_eq(s_reply(dealer, buf, sizeof buf, 500), -1);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
}
END_TEST

/*
 * A frame over --max-message-size: libzmq drops that peer's connection
 * (ZMQ_MAXMSGSIZE) before the scheduler sees a byte; others are served.
 */
START_TEST(test_oversized_frame_dropped)
{
    char ep[64];
    cu_endpoint(ep, sizeof ep);
    const char *sargs[] = {"--listen", ep, "--max-message-size", "64KiB", NULL};
    pid_t sch = cu_spawn("dskd-scheduler", "scheduler.log", sargs);
    ck_assert_msg(cu_wait_workers(ep, 0, 3000) >= 0, "scheduler did not start");
    long rss_before = cu_rss_kib(sch);
    void *ctx = zmq_ctx_new();
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq(zmq_connect(dealer, ep), 0);
    /* a dsk STATUS_REQ padded with trailing bytes: were it read, it would
       be answered with an ERROR ("malformed message") */
    size_t big = 8 << 20;
    unsigned char *frame = calloc(1, big);
    const unsigned char head[] = {0x93, 0xa3, 'D', 'S', 'K', DSK_PROTO_VERSION, 0x05};
    memcpy(frame, head, sizeof head);
    zmq_send(dealer, frame, big, 0);
    free(frame);
    char buf[4096];
    ck_assert_msg(s_reply(dealer, buf, sizeof buf, 1000) < 0,
                  "the oversized frame was read and answered");
    /* the peer's next connection is served as usual */
    dsk_msg_t req = {.type = DSK_MSG_STATUS_REQ}, rep;
    char *enc, err[DSK_ERR_LEN];
    size_t len;
    ck_assert_int_eq(dsk_msg_encode(&req, &enc, &len, err), 0);
    zmq_send(dealer, enc, len, 0);
    free(enc);
    int n = s_reply(dealer, buf, sizeof buf, 3000);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(dsk_msg_decode(buf, (size_t)n, &rep, err), 0);
    ck_assert_int_eq(rep.type, DSK_MSG_STATUS_REP);
    dsk_msg_clear(&rep);
    ck_assert_msg(cu_worker_count(ep) == 0, "status does not answer");
    ck_assert_msg(waitpid(sch, NULL, WNOHANG) == 0, "scheduler died");
    /* a frame read would have grown the scheduler by its 8 MiB; what a new peer sizes once
       (ZeroMQ's buffers, malloc's arenas: 2 MiB, once, in CI) is below half of it */
    long rss_after = cu_rss_kib(sch);
    ck_assert_msg(rss_after - rss_before < (long)(big >> 11),
                  "scheduler took in the oversized frame: %ld KiB", rss_after - rss_before);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
}
END_TEST

static void teardown(void)
{
    cu_kill_all();
    cu_remove_tmpdir();
}

Suite *garbage_suite(void);

Suite *garbage_suite(void)
{
    Suite *s = suite_create("garbage");
    TCase *tc = tcase_create("hostile frames");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_10000_hostile_frames);
    tcase_add_test(tc, test_bad_dsk_message_answered);
    tcase_add_test(tc, test_oversized_frame_dropped);
    suite_add_tcase(s, tc);
    return s;
}
