/*
 * dsk_daemon.h — what every dsk daemon does before it serves: read its
 * config (defaults, file, flags), answer --help, apply its log level.
 */
#ifndef DSK_DAEMON_H
#define DSK_DAEMON_H

#include "dsk_config.h"

/*
 * Loads cfg through table and sets the log level from the table's
 * "log-level" option, if it has one. Returns -1 to go on; otherwise the
 * exit status the daemon should return at once: 0 after --help (usage
 * printed), 2 after a bad config, flag or log level (message on stderr).
 */
int dsk_daemon_configure(const char *prog, const dsk_cfg_option_t *table, void *cfg,
                         int argc, char **argv, const char *default_path);

#endif
