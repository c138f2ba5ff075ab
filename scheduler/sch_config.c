/* sch_config.c — the scheduler's option table. */
#include "sch_config.h"

#include <stddef.h>

const dsk_cfg_option_t sch_config_table[] = {
    {"listen", DSK_CFG_STRING, offsetof(sch_config_t, listen),
     sizeof(((sch_config_t *)0)->listen), "tcp://0.0.0.0:8786", 0, 0,
     "ZeroMQ endpoint for clients and workers"},
    {"heartbeat-interval", DSK_CFG_DURATION, offsetof(sch_config_t, heartbeat_ms), 0,
     "1s", 50, 60000, "heartbeat period; a worker silent for 3 periods is dead"},
    {"max-message-size", DSK_CFG_SIZE, offsetof(sch_config_t, max_message_size), 0,
     "512MiB", 4096, (int64_t)1 << 40, "largest message accepted on the socket"},
    {"log-level", DSK_CFG_STRING, offsetof(sch_config_t, log_level),
     sizeof(((sch_config_t *)0)->log_level), "info", 0, 0,
     "debug, info, warn or error"},
    DSK_CFG_END,
};
