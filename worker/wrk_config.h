/*
 * wrk_config.h — dskd-worker's settings: one table (wrk_config.c) drives
 * the config file, the flags and --help.
 */
#ifndef WRK_CONFIG_H
#define WRK_CONFIG_H

#include <stdint.h>

#include "dsk_config.h"
#include "dsk_msg.h"

#define WRK_DEFAULT_CONFIG "/etc/dsk/dskd-worker.conf"

typedef struct {
    char scheduler[256];        /* ZeroMQ endpoint of the scheduler */
    int64_t nthreads;           /* 0: one per online CPU */
    uint64_t memory_limit;      /* bytes; 0: the machine's physical memory */
    char name[DSK_NAME_MAX + 1];/* "": HOST-PID */
    int64_t heartbeat_ms;       /* until the scheduler's WELCOME says otherwise */
    uint64_t max_message_size;
    char key[512];              /* its secret key file (dsk-keygen): CURVE on */
    char scheduler_key[512];    /* the scheduler's .pub file */
    int insecure;               /* no CURVE (a scheduler run --insecure) */
    char log_level[16];
    char spill_dir[1024];       /* "": $CACHE_DIRECTORY (systemd), else $TMPDIR, else /tmp */
} wrk_config_t;

extern const dsk_cfg_option_t wrk_config_table[];

/* Fills the "0 means automatic" settings from the machine. */
void wrk_config_resolve(wrk_config_t *cfg);

#endif
