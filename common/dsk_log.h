/*
 * dsk_log.h — leveled logging to stderr.
 *
 * Daemons log to stderr only. Under systemd (JOURNAL_STREAM is set) each
 * line starts with a syslog priority "<3>" so journald keeps the level, and
 * carries no timestamp (the journal adds one); on a terminal or in a file
 * each line gets a timestamp and the level name instead.
 */
#ifndef DSK_LOG_H
#define DSK_LOG_H

typedef enum {
    DSK_LOG_DEBUG = 0,
    DSK_LOG_INFO = 1,
    DSK_LOG_WARN = 2,
    DSK_LOG_ERROR = 3,
    DSK_LOG_OFF = 4,
} dsk_log_level_t;

/* Program name shown in each line ("dskd-worker"); the string is not copied. */
void dsk_log_init(const char *ident);
void dsk_log_set_level(dsk_log_level_t level);
dsk_log_level_t dsk_log_get_level(void);

/* "debug", "info", "warn"/"warning", "error", "off"; 0 or DSK_EINVAL. */
int dsk_log_level_parse(const char *text, dsk_log_level_t *level);

void dsk_log(dsk_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define dsk_debug(...) dsk_log(DSK_LOG_DEBUG, __VA_ARGS__)
#define dsk_info(...) dsk_log(DSK_LOG_INFO, __VA_ARGS__)
#define dsk_warn(...) dsk_log(DSK_LOG_WARN, __VA_ARGS__)
#define dsk_error(...) dsk_log(DSK_LOG_ERROR, __VA_ARGS__)

#endif
