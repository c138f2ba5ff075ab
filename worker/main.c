/*
 * dskd-worker — the daemon on each cluster machine.
 *
 *   dskd-worker --scheduler tcp://HEAD:8786 [--nthreads N] [--memory-limit 2GB]
 *               [--spill-dir DIR] [--name NAME] [--config FILE]
 *
 * Exit status: 0 after a clean shutdown, 2 for a bad config or flag, 1 on a
 * runtime failure.
 */
#include <stdio.h>

#include "dsk_alloc.h"
#include "dsk_daemon.h"
#include "dsk_log.h"
#include "wrk_agent.h"
#include "wrk_config.h"

int main(int argc, char **argv)
{
    wrk_config_t cfg;
    char err[DSK_ERR_LEN];
    dsk_alloc_keep_freed_memory(); /* task after task reuses the same big arrays */
    int rc = dsk_daemon_configure("dskd-worker", wrk_config_table, &cfg, argc, argv,
                                  WRK_DEFAULT_CONFIG);
    if (rc >= 0)
        return rc;
    wrk_config_resolve(&cfg);

    wrk_agent_t *agent = wrk_agent_new(&cfg, err);
    if (!agent) {
        dsk_error("%s", err);
        return 1;
    }
    rc = wrk_agent_run(agent);
    wrk_agent_destroy(&agent);
    dsk_info("stopped");
    return rc < 0 ? 1 : 0;
}
