/* dsk_probe.c — resolve, then connect, and say which failed. */
#include "dsk_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* One address: 0 connected, else an errno (ETIMEDOUT for no answer in time). */
static int s_try(const struct addrinfo *ai, int timeout_ms)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0)
        return errno;
    int rc = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        rc = errno;
        if (rc == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int n = poll(&p, 1, timeout_ms);
            socklen_t sl = sizeof rc;
            if (n == 0)
                rc = ETIMEDOUT;
            else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &rc, &sl) < 0)
                rc = errno;
        }
    }
    close(fd);
    return rc;
}

static void s_addr_text(const struct addrinfo *ai, char *out, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?", serv[16] = "?";
    getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, serv, sizeof serv,
                NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(out, len, ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

static int s_probe_tcp(const char *hostport, int timeout_ms, char *why, size_t len)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof host) {
        snprintf(why, len, "'%s' is not host:port", hostport);
        return 1;
    }
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1] */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(host, colon + 1, &hints, &res);
    if (g != 0) {
        snprintf(why, len, "cannot resolve '%s': %s", host,
                 g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
        return 1;
    }
    char addr[64] = "", first[256] = "";
    int blocked = 1;
    for (const struct addrinfo *ai = res; ai && blocked; ai = ai->ai_next) {
        int e = s_try(ai, timeout_ms);
        s_addr_text(ai, addr, sizeof addr);
        if (e == 0)
            blocked = 0;
        else if (!first[0] && e == ECONNREFUSED)
            snprintf(first, sizeof first, "connection refused by %s (is dskd-scheduler running "
                     "and listening there?)", addr);
        else if (!first[0] && e == ETIMEDOUT)
            snprintf(first, sizeof first, "no answer from %s within %.1f s (a firewall, or the "
                     "wrong address?)", addr, timeout_ms / 1000.0);
        else if (!first[0])
            snprintf(first, sizeof first, "cannot connect to %s: %s", addr, strerror(e));
    }
    freeaddrinfo(res);
    if (blocked)
        snprintf(why, len, "%s", first);
    else
        snprintf(why, len, "%s accepts connections, but no dsk scheduler answered there (another "
                 "program on that port, one still starting, or CURVE refusing this side: a key "
                 "not in the scheduler's allow-list, the wrong --scheduler-key, or one side "
                 "--insecure?)", addr);
    return blocked;
}

int dsk_probe_endpoint(const char *endpoint, int timeout_ms, char *why, size_t len)
{
    if (strncmp(endpoint, "tcp://", 6) == 0)
        return s_probe_tcp(endpoint + 6, timeout_ms, why, len);
    struct stat st;
    if (strncmp(endpoint, "ipc://", 6) == 0 && stat(endpoint + 6, &st) < 0) {
        snprintf(why, len, "no socket file %s: %s (is dskd-scheduler running?)", endpoint + 6,
                 strerror(errno));
        return 1;
    }
    snprintf(why, len, "no dsk scheduler answered at %s", endpoint);
    return 0;
}
