/*
 * dskd-scheduler — the head node daemon.
 *
 *   dskd-scheduler [--config FILE] [--listen tcp://0.0.0.0:8786] ...
 *
 * Reads the config (file, then flags), binds, serves until SIGTERM/SIGINT.
 * Exit status: 0 after a clean shutdown, 2 for a bad config or flag, 1 when
 * the socket cannot be bound or the loop fails.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dsk_log.h"
#include "sch_config.h"
#include "sch_server.h"

int main(int argc, char **argv)
{
    sch_config_t cfg;
    char err[DSK_ERR_LEN];
    dsk_log_init("dskd-scheduler");
    int rc = dsk_cfg_load(sch_config_table, &cfg, argc, argv, SCH_DEFAULT_CONFIG, err);
    if (rc == 1) {
        dsk_cfg_usage(sch_config_table, "dskd-scheduler", stdout);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "dskd-scheduler: %s\n", err);
        return 2;
    }
    dsk_log_level_t level;
    if (dsk_log_level_parse(cfg.log_level, &level) < 0) {
        fprintf(stderr, "dskd-scheduler: log-level: unknown level '%s' "
                "(debug, info, warn, error)\n", cfg.log_level);
        return 2;
    }
    dsk_log_set_level(level);

    sch_server_t *srv = sch_server_new(&cfg, err);
    if (!srv) {
        dsk_error("%s", err);
        return 1;
    }
    rc = sch_server_run(srv);
    sch_server_destroy(&srv);
    dsk_info("stopped");
    return rc < 0 ? 1 : 0;
}
