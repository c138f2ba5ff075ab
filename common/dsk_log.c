/* dsk_log.c — leveled logging to stderr, journald-aware. */
#include "dsk_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dsk_error.h"

static const char *s_ident = "dsk";
static dsk_log_level_t s_level = DSK_LOG_INFO;
static int s_journal = -1; /* -1 not yet known, 0 plain, 1 journald */

static const char *s_names[] = {"debug", "info", "warn", "error"};
/* syslog priorities: debug 7, info 6, warning 4, err 3 */
static const int s_priority[] = {7, 6, 4, 3};

void dsk_log_init(const char *ident)
{
    s_ident = ident;
    s_journal = getenv("JOURNAL_STREAM") != NULL;
}

void dsk_log_set_level(dsk_log_level_t level) { s_level = level; }
dsk_log_level_t dsk_log_get_level(void) { return s_level; }

int dsk_log_level_parse(const char *text, dsk_log_level_t *level)
{
    static const struct { const char *name; dsk_log_level_t level; } map[] = {
        {"debug", DSK_LOG_DEBUG}, {"info", DSK_LOG_INFO},
        {"warn", DSK_LOG_WARN},   {"warning", DSK_LOG_WARN},
        {"error", DSK_LOG_ERROR}, {"off", DSK_LOG_OFF},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(text, map[i].name) == 0) {
            *level = map[i].level;
            return DSK_OK;
        }
    return DSK_EINVAL;
}

/*
 * One line, one write: the line is formatted into a buffer first so that
 * lines from several threads never interleave mid-line.
 */
void dsk_log(dsk_log_level_t level, const char *fmt, ...)
{
    if (level < s_level || level >= DSK_LOG_OFF)
        return;
    if (s_journal < 0)
        s_journal = getenv("JOURNAL_STREAM") != NULL;

    char line[2048];
    int n;
    if (s_journal) {
        n = snprintf(line, sizeof line, "<%d>", s_priority[level]);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        n = snprintf(line, sizeof line, "%04d-%02d-%02d %02d:%02d:%02d.%03ld %s[%d] %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, s_ident,
                     (int)getpid(), s_names[level]);
    }
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
