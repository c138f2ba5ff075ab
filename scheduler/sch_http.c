/* sch_http.c — libmicrohttpd in the scheduler's loop: the dashboard's routes. */
#include "sch_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "dsk_log.h"
#include "sch_dash_json.h"
#include "sch_dash_page.h" /* generated from sch_dash_page.html (the Makefile) */

#define S_MAX_CONNECTIONS 64
#define S_IDLE_TIMEOUT_S 10
#define S_TASKS_PER_REPLY 20000   /* a task log is read in pages of this many */
#define S_TIMER_IDLE_MS 1000      /* MHD's timeouts are seconds: a look each second will do */

struct sch_http {
    struct MHD_Daemon *mhd;
    dsk_loop_t *loop;
    const sch_engine_t *engine;
    int epoll_fd;
    int64_t timer;
    int port;
};

static enum MHD_Result s_reply(struct MHD_Connection *c, unsigned status, const char *type,
                               char *body, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result s_error(struct MHD_Connection *c, unsigned status, const char *text)
{
    return s_reply(c, status, "text/plain; charset=utf-8", (char *)text, MHD_RESPMEM_PERSISTENT);
}

/* A query argument as an unsigned number; dflt when absent, -1 when it is not one. */
static long long s_arg(struct MHD_Connection *c, const char *name, long long dflt)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (!v)
        return dflt;
    char *end;
    long long n = strtoll(v, &end, 10);
    return *v && !*end && n >= 0 ? n : -1;
}

/* /api/tasks?job=ID&since=N: the job's task log after N (sch_tasklog.h). */
static enum MHD_Result s_tasks(sch_http_t *h, struct MHD_Connection *c)
{
    long long job = s_arg(c, "job", -1), since = s_arg(c, "since", 0);
    if (job < 0 || since < 0)
        return s_error(c, MHD_HTTP_BAD_REQUEST,
                       "/api/tasks wants job=ID and optionally since=N (numbers)\n");
    char *body = sch_dash_tasks(h->engine, (uint64_t)job, (uint64_t)since, S_TASKS_PER_REPLY);
    if (!body)
        return s_error(c, MHD_HTTP_NOT_FOUND, "no such job on this scheduler\n");
    return s_reply(c, MHD_HTTP_OK, "application/json", body, MHD_RESPMEM_MUST_FREE);
}

/*
 * Every request, called from MHD_run on the loop's thread: the engine is
 * read right here. Only GET and HEAD; a request MHD could not parse never
 * gets this far (MHD answers it 400 itself).
 */
static enum MHD_Result s_handle(void *arg, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_len, void **state)
{
    sch_http_t *h = arg;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return s_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "the dashboard is read-only: GET\n");
    if (*upload_len)
        return s_error(c, MHD_HTTP_BAD_REQUEST, "a GET has no body\n");
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return s_reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)sch_dash_page,
                       MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/api/status") == 0)
        return s_reply(c, MHD_HTTP_OK, "application/json", sch_dash_status(h->engine),
                       MHD_RESPMEM_MUST_FREE);
    if (strcmp(url, "/api/jobs") == 0)
        return s_reply(c, MHD_HTTP_OK, "application/json", sch_dash_jobs(h->engine),
                       MHD_RESPMEM_MUST_FREE);
    if (strcmp(url, "/api/tasks") == 0)
        return s_tasks(h, c);
    if (strcmp(url, "/metrics") == 0)
        return s_reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                       sch_dash_metrics(h->engine), MHD_RESPMEM_MUST_FREE);
    return s_error(c, MHD_HTTP_NOT_FOUND,
                   "not found: the dashboard serves /, /api/status, /api/jobs, /api/tasks "
                   "and /metrics\n");
}

/* When MHD next wants to run: now when it has work left over, else by its timeouts. */
static int64_t s_next_ms(const sch_http_t *h)
{
    MHD_UNSIGNED_LONG_LONG t;
    if (MHD_get_timeout(h->mhd, &t) == MHD_YES)
        return t < S_TIMER_IDLE_MS ? (int64_t)t : S_TIMER_IDLE_MS;
    return S_TIMER_IDLE_MS;
}

static int64_t s_timer(dsk_loop_t *loop, int64_t id, void *arg)
{
    sch_http_t *h = arg;
    MHD_run(h->mhd);
    return s_next_ms(h);
}

/* The epoll fd is readable: connections to accept, requests to read, replies to write. */
static void s_on_fd(dsk_loop_t *loop, void *socket, int fd, void *arg)
{
    sch_http_t *h = arg;
    MHD_run(h->mhd);
    /* MHD's sockets are edge-triggered: what it left for later shows in its timeout, not
       on the fd, so the timer is brought forward to it */
    dsk_loop_cancel_timer(h->loop, h->timer);
    h->timer = dsk_loop_add_timer(h->loop, s_next_ms(h), s_timer, h);
}

/* listen's host ("tcp://HOST:PORT"; "*" for every interface) with port, into addr. */
static int s_address(const char *listen, int port, struct sockaddr_storage *addr,
                     socklen_t *len, char *err)
{
    const char *host = strncmp(listen, "tcp://", 6) == 0 ? listen + 6 : listen;
    const char *colon = strrchr(host, ':');
    size_t n = colon ? (size_t)(colon - host) : strlen(host);
    char name[256];
    if (n >= sizeof name)
        return dsk_seterr(err, DSK_EINVAL, "dashboard: the host of %s is too long", listen);
    memcpy(name, host, n);
    name[n] = '\0';
    if (name[0] == '[' && n >= 2 && name[n - 1] == ']') { /* [::1] */
        memmove(name, name + 1, n - 2);
        name[n - 2] = '\0';
    }
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    int rc = getaddrinfo(strcmp(name, "*") == 0 ? NULL : name, service, &hints, &res);
    if (rc != 0)
        return dsk_seterr(err, DSK_EINVAL, "dashboard: cannot resolve the host '%s' of %s: %s",
                          name, listen, gai_strerror(rc));
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return DSK_OK;
}

sch_http_t *sch_http_new(const char *listen, int port, dsk_loop_t *loop,
                         const sch_engine_t *engine, char *err)
{
    struct sockaddr_storage addr;
    socklen_t alen = 0;
    if (s_address(listen, port, &addr, &alen, err) < 0)
        return NULL;
    sch_http_t *h = dsk_xcalloc(1, sizeof *h);
    h->loop = loop;
    h->engine = engine;
    unsigned flags = MHD_USE_EPOLL | (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    h->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, s_handle, h,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)S_MAX_CONNECTIONS,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)S_IDLE_TIMEOUT_S,
                              MHD_OPTION_END);
    if (!h->mhd) {
        char host[NI_MAXHOST] = "?";
        getnameinfo((struct sockaddr *)&addr, alen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
        dsk_seterr(err, DSK_EIO, "dashboard: cannot listen on %s port %d (in use? "
                   "--dashboard-port 0 turns it off)", host, port);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *bound = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    h->epoll_fd = info->epoll_fd;
    h->port = bound && bound->port ? bound->port : port;
    dsk_loop_add_reader(loop, NULL, h->epoll_fd, s_on_fd, h);
    h->timer = dsk_loop_add_timer(loop, S_TIMER_IDLE_MS, s_timer, h);
    return h;
}

void sch_http_destroy(sch_http_t **http_p)
{
    sch_http_t *h = *http_p;
    if (!h)
        return;
    dsk_loop_remove_reader(h->loop, NULL, h->epoll_fd);
    dsk_loop_cancel_timer(h->loop, h->timer);
    MHD_stop_daemon(h->mhd);
    free(h);
    *http_p = NULL;
}

int sch_http_port(const sch_http_t *http) { return http->port; }
