/*
 * dsk_probe.h — why an endpoint does not answer, in words. ZeroMQ
 * connects in the background and retries quietly, so a worker or a client
 * whose scheduler never answers would only see silence; this looks for
 * the reason the way a person would: resolve the host name, then try a TCP
 * connection to each address, and say which step failed:
 *
 *   cannot resolve 'head.example': Name or service not known
 *   connection refused by 127.0.0.1:8786 (is dskd-scheduler running and listening there?)
 *   no answer from 10.0.0.9:8786 within 0.5 s (a firewall, or the wrong address?)
 *
 * Only tcp:// endpoints are probed; for ipc:// the socket file is looked
 * for. It blocks for at most timeout_ms per address, so call it when
 * already waiting, not on a busy path.
 */
#ifndef DSK_PROBE_H
#define DSK_PROBE_H

#include <stddef.h>

/*
 * Writes into why (len bytes) what stops endpoint from being reached and
 * returns 1, or returns 0 when it accepts connections (then something
 * there does not speak dsk, or does not answer yet: why says so too).
 */
int dsk_probe_endpoint(const char *endpoint, int timeout_ms, char *why, size_t len);

#endif
