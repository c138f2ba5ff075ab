/*
 * dsk_notify.h — the systemd readiness protocol (Type=notify), without
 * linking libsystemd: one datagram to $NOTIFY_SOCKET. Outside systemd it
 * does nothing.
 */
#ifndef DSK_NOTIFY_H
#define DSK_NOTIFY_H

/* Sends state ("READY=1", "STOPPING=1", "STATUS=...") if NOTIFY_SOCKET is set. */
int dsk_notify(const char *state);

#endif
