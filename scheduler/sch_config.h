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
    int64_t dashboard_port;    /* HTTP dashboard on listen's host (sch_http.h); 0: none */
    int64_t heartbeat_ms;      /* interval; a worker silent 3 intervals is dead */
    uint64_t max_message_size; /* ZMQ_MAXMSGSIZE of the socket */
    int64_t keep_finished_ms;  /* a finished job's result stays this long ... */
    int64_t keep_finished_jobs; /* ... and for at most this many finished jobs */
    int64_t task_deadline_slack_ms;   /* backups past max(4x expected, expected + this) */
    int64_t task_deadline_unknown_ms; /* ... or past this while nothing tells */
    char key[512];             /* its secret key file (dsk-keygen): CURVE on */
    char worker_keys[512];     /* directory of the workers' .pub files */
    char client_keys[512];     /* directory of the clients' .pub files */
    char admin_keys[512];      /* directory of .pub files of clients that see every job */
    int insecure;              /* no CURVE: anyone who reaches the socket is admitted */
    char journal[512];         /* directory of the job journal, "" for none */
    char log_level[16];
} sch_config_t;

extern const dsk_cfg_option_t sch_config_table[];

#endif
