/* sch_config.c — the scheduler's option table. */
#include "sch_config.h"

#include <stddef.h>

const dsk_cfg_option_t sch_config_table[] = {
    {"listen", DSK_CFG_STRING, offsetof(sch_config_t, listen),
     sizeof(((sch_config_t *)0)->listen), "tcp://0.0.0.0:8786", 0, 0,
     "ZeroMQ endpoint for clients and workers"},
    {"dashboard-port", DSK_CFG_INT, offsetof(sch_config_t, dashboard_port), 0, "8787", 0, 65535,
     "HTTP dashboard and /metrics, on the host of --listen; 0 turns it off"},
    {"heartbeat-interval", DSK_CFG_DURATION, offsetof(sch_config_t, heartbeat_ms), 0,
     "1s", 50, 60000, "heartbeat period; a worker silent for 3 periods is dead"},
    {"max-message-size", DSK_CFG_SIZE, offsetof(sch_config_t, max_message_size), 0,
     "512MiB", 4096, (int64_t)1 << 40, "largest message accepted on the socket"},
    {"keep-finished", DSK_CFG_DURATION, offsetof(sch_config_t, keep_finished_ms), 0, "1h", 0,
     (int64_t)30 * 24 * 3600 * 1000,
     "how long a finished job's result stays for `dsk-submit result`"},
    {"keep-finished-jobs", DSK_CFG_INT, offsetof(sch_config_t, keep_finished_jobs), 0, "1000", 0,
     1000000, "how many finished jobs stay at most (the oldest go first)"},
    {"task-deadline", DSK_CFG_DURATION, offsetof(sch_config_t, task_deadline_slack_ms), 0, "10s",
     100, (int64_t)24 * 3600 * 1000,
     "a task running past max(4x its expected time, expected time + this) gets a backup "
     "attempt on another worker; a worker that answers no task for twice that is dropped"},
    {"task-deadline-first", DSK_CFG_DURATION, offsetof(sch_config_t, task_deadline_unknown_ms),
     0, "60s", 100, (int64_t)24 * 3600 * 1000,
     "the same, for a task while no task of its kind has finished to tell its expected time"},
    {"key", DSK_CFG_STRING, offsetof(sch_config_t, key), sizeof(((sch_config_t *)0)->key), "",
     0, 0, "the scheduler's secret key file (made by dsk-keygen, mode 0600): CURVE on"},
    {"worker-keys", DSK_CFG_STRING, offsetof(sch_config_t, worker_keys),
     sizeof(((sch_config_t *)0)->worker_keys), "", 0, 0,
     "directory of the .pub files of the workers let in"},
    {"client-keys", DSK_CFG_STRING, offsetof(sch_config_t, client_keys),
     sizeof(((sch_config_t *)0)->client_keys), "", 0, 0,
     "directory of the .pub files of the clients let in (each sees its own jobs)"},
    {"admin-keys", DSK_CFG_STRING, offsetof(sch_config_t, admin_keys),
     sizeof(((sch_config_t *)0)->admin_keys), "", 0, 0,
     "directory of the .pub files of clients that see, fetch and cancel every job"},
    {"insecure", DSK_CFG_BOOL, offsetof(sch_config_t, insecure), 0, "no", 0, 0,
     "no CURVE: admit anyone who reaches the socket (development on loopback)"},
    {"journal", DSK_CFG_STRING, offsetof(sch_config_t, journal),
     sizeof(((sch_config_t *)0)->journal), "", 0, 0,
     "directory where accepted jobs are journaled (fsync) and resumed from after a restart; "
     "\"\" keeps jobs in memory only"},
    {"log-level", DSK_CFG_STRING, offsetof(sch_config_t, log_level),
     sizeof(((sch_config_t *)0)->log_level), "info", 0, 0,
     "debug, info, warn or error"},
    DSK_CFG_END,
};
