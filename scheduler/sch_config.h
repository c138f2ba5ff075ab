/*
 * sch_config.h — dskd-scheduler's settings: one table (sch_config.c) drives
 * the config file, the flags and --help.
 */
#ifndef SCH_CONFIG_H
#define SCH_CONFIG_H

#include <stdint.h>

#include "dsk_config.h"

#define SCH_DEFAULT_CONFIG "/etc/dsk/dskd-scheduler.conf"

typedef struct {
    char listen[256];          /* ZeroMQ endpoint of the ROUTER socket */
    int64_t heartbeat_ms;      /* interval; a worker silent 3 intervals is dead */
    uint64_t max_message_size; /* ZMQ_MAXMSGSIZE of the socket */
    char log_level[16];
} sch_config_t;

extern const dsk_cfg_option_t sch_config_table[];

#endif
