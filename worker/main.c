/*
 * dskd-worker — the daemon on each cluster machine.
 *
 *   dskd-worker --scheduler tcp://HEAD:8786 [--nthreads N] [--memory-limit 2GB]
 *               [--name NAME] [--config FILE]
 *
 * Exit status: 0 after a clean shutdown, 2 for a bad config or flag, 1 on a
 * runtime failure.
 */
#include <stdio.h>

#include "dsk_log.h"
#include "wrk_agent.h"
#include "wrk_config.h"

int main(int argc, char **argv)
{
    wrk_config_t cfg;
    char err[DSK_ERR_LEN];
    dsk_log_init("dskd-worker");
    int rc = dsk_cfg_load(wrk_config_table, &cfg, argc, argv, WRK_DEFAULT_CONFIG, err);
    if (rc == 1) {
        dsk_cfg_usage(wrk_config_table, "dskd-worker", stdout);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "dskd-worker: %s\n", err);
        return 2;
    }
    dsk_log_level_t level;
    if (dsk_log_level_parse(cfg.log_level, &level) < 0) {
        fprintf(stderr, "dskd-worker: log-level: unknown level '%s' "
                "(debug, info, warn, error)\n", cfg.log_level);
        return 2;
    }
    dsk_log_set_level(level);
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
