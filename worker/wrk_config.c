/* wrk_config.c — the worker's option table and its automatic defaults. */
#include "wrk_config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIELD_SIZE(f) sizeof(((wrk_config_t *)0)->f)

const dsk_cfg_option_t wrk_config_table[] = {
    {"scheduler", DSK_CFG_STRING, offsetof(wrk_config_t, scheduler), FIELD_SIZE(scheduler),
     "tcp://127.0.0.1:8786", 0, 0, "ZeroMQ endpoint of the scheduler"},
    {"nthreads", DSK_CFG_INT, offsetof(wrk_config_t, nthreads), 0, "0", 0, 4096,
     "task threads (0: one per CPU)"},
    {"memory-limit", DSK_CFG_SIZE, offsetof(wrk_config_t, memory_limit), 0, "0", 0, 0,
     "memory the worker may hold (0: all of this machine's)"},
    {"name", DSK_CFG_STRING, offsetof(wrk_config_t, name), FIELD_SIZE(name), "", 0, 0,
     "unique worker name (default HOST-PID)"},
    {"heartbeat-interval", DSK_CFG_DURATION, offsetof(wrk_config_t, heartbeat_ms), 0, "1s",
     50, 60000, "heartbeat period until the scheduler sets its own"},
    {"max-message-size", DSK_CFG_SIZE, offsetof(wrk_config_t, max_message_size), 0,
     "512MiB", 4096, (int64_t)1 << 40, "largest message accepted on the socket"},
    {"key", DSK_CFG_STRING, offsetof(wrk_config_t, key), FIELD_SIZE(key), "", 0, 0,
     "this worker's secret key file (made by dsk-keygen, mode 0600): CURVE on"},
    {"scheduler-key", DSK_CFG_STRING, offsetof(wrk_config_t, scheduler_key),
     FIELD_SIZE(scheduler_key), "", 0, 0, "the scheduler's public key file (.pub)"},
    {"insecure", DSK_CFG_BOOL, offsetof(wrk_config_t, insecure), 0, "no", 0, 0,
     "no CURVE: for a scheduler run --insecure (development on loopback)"},
    {"log-level", DSK_CFG_STRING, offsetof(wrk_config_t, log_level), FIELD_SIZE(log_level),
     "info", 0, 0, "debug, info, warn or error"},
    {"spill-dir", DSK_CFG_STRING, offsetof(wrk_config_t, spill_dir), FIELD_SIZE(spill_dir), "",
     0, 0, "where outputs spill past 70% of the memory limit (default: systemd's "
     "CacheDirectory, else $TMPDIR, else /tmp)"},
    DSK_CFG_END,
};

void wrk_config_resolve(wrk_config_t *cfg)
{
    if (cfg->nthreads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->nthreads = n > 0 ? n : 1;
    }
    if (cfg->memory_limit == 0) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        if (pages > 0 && size > 0)
            cfg->memory_limit = (uint64_t)pages * (uint64_t)size;
    }
    if (cfg->spill_dir[0] == '\0') {
        /* systemd's CacheDirectory= sets CACHE_DIRECTORY (a list when it names several) */
        const char *cache = getenv("CACHE_DIRECTORY"), *tmp = getenv("TMPDIR");
        if (cache && cache[0])
            snprintf(cfg->spill_dir, sizeof cfg->spill_dir, "%.*s", (int)strcspn(cache, ":"),
                     cache);
        else
            snprintf(cfg->spill_dir, sizeof cfg->spill_dir, "%s", tmp && tmp[0] ? tmp : "/tmp");
    }
    if (cfg->name[0] == '\0') {
        char host[DSK_HOST_MAX + 1] = "worker";
        gethostname(host, sizeof host - 1);
        snprintf(cfg->name, sizeof cfg->name, "%.40s-%d", host, (int)getpid());
    }
}
