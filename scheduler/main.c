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

#include "dsk_alloc.h"
#include "dsk_daemon.h"
#include "dsk_log.h"
#include "sch_config.h"
#include "sch_server.h"

int main(int argc, char **argv)
{
    sch_config_t cfg;
    char err[DSK_ERR_LEN];
    /* the data it relays: tens of MB a message, again and again; one heap (the loop's and
       ZeroMQ's thread's), trimmed once no job runs */
    dsk_alloc_keep_freed_memory();
    int rc = dsk_daemon_configure("dskd-scheduler", sch_config_table, &cfg, argc, argv,
                                  SCH_DEFAULT_CONFIG);
    if (rc >= 0)
        return rc;

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
