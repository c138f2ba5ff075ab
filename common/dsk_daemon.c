/* dsk_daemon.c — shared start-up of the daemons. */
#include "dsk_daemon.h"

#include <stdio.h>
#include <string.h>

#include "dsk_log.h"

int dsk_daemon_configure(const char *prog, const dsk_cfg_option_t *table, void *cfg,
                         int argc, char **argv, const char *default_path)
{
    char err[DSK_ERR_LEN];
    dsk_log_init(prog);
    int rc = dsk_cfg_load(table, cfg, argc, argv, default_path, err);
    if (rc == 1) {
        dsk_cfg_usage(table, prog, stdout);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    for (const dsk_cfg_option_t *o = table; o->name; o++) {
        if (strcmp(o->name, "log-level") != 0 || o->type != DSK_CFG_STRING)
            continue;
        const char *text = (const char *)cfg + o->offset;
        dsk_log_level_t level;
        if (dsk_log_level_parse(text, &level) < 0) {
            fprintf(stderr, "%s: log-level: unknown level '%s' (debug, info, warn, error)\n",
                    prog, text);
            return 2;
        }
        dsk_log_set_level(level);
    }
    return -1;
}
