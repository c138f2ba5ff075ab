/*
 * dsk_config.h — table-driven configuration for the daemons.
 *
 * Each daemon describes its settings once, as a table of dsk_cfg_option_t
 * (name, type, where the value lives in the daemon's config struct, default,
 * bounds). The same table drives the config file, the command-line flags and
 * --help, so a setting cannot exist in one place and not the other.
 *
 * File format (like redis.conf): one `name value` per line, `#` starts a
 * comment line, blank lines ignored, a value may be double-quoted to keep
 * spaces (with \" and \\ escapes). Names are the flag names without the
 * leading `--`. There are no end-of-line comments: an unquoted value with
 * whitespace in it is an error. Lines are at most 4096 bytes.
 * Flags: `--name value` or `--name=value`; booleans may be given bare
 * (`--foreground`) or as `--foreground=no`, never as `--foreground no`. An
 * argument starting with `--` is never taken as a value (write
 * `--name=--odd` for that). Every error names where the value came from:
 * "FILE:LINE: ..." for the file, "--name: ..." for a flag; all are
 * DSK_ECONFIG except a config file that cannot be read (DSK_EIO).
 *
 * Precedence: defaults, then the file named by --config (or the table's
 * default config path if that file exists), then flags.
 */
#ifndef DSK_CONFIG_H
#define DSK_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"

typedef enum {
    DSK_CFG_STRING,   /* char[size] inside the struct; value longer than size-1 is an error */
    DSK_CFG_INT,      /* int64_t; decimal; bounds [min, max] */
    DSK_CFG_SIZE,     /* uint64_t bytes; "1048576", "512KB", "2GB", "1.5GiB", "0"; bounds [min, max] */
    DSK_CFG_BOOL,     /* int; yes/no, true/false, on/off, 1/0 */
    DSK_CFG_DURATION, /* int64_t milliseconds; "250ms", "1s", "2m", bare number = ms; bounds */
} dsk_cfg_type_t;

typedef struct {
    const char *name;     /* "memory-limit": file key and flag name */
    dsk_cfg_type_t type;
    size_t offset;        /* offsetof(daemon_config_t, field) */
    size_t size;          /* DSK_CFG_STRING: sizeof the char array */
    const char *deflt;    /* default, as text, parsed like a file value; NULL = "" / 0 */
    int64_t min, max;     /* bounds for INT, SIZE, DURATION (ignored when min == max == 0) */
    const char *help;     /* one line for --help */
} dsk_cfg_option_t;

/* Tables end with an entry whose name is NULL. */
#define DSK_CFG_END {NULL, 0, 0, 0, NULL, 0, 0, NULL}

/* Sets every option of table in cfg to its default. */
int dsk_cfg_defaults(const dsk_cfg_option_t *table, void *cfg, char *err);

/*
 * Sets one option from text. where ("dskd-worker.conf:12" or "--nthreads")
 * prefixes any error: "where: unknown option 'foo'", "where: nthreads must be
 * between 1 and 1024, got 0", ...
 */
int dsk_cfg_set(const dsk_cfg_option_t *table, void *cfg, const char *name,
                const char *value, const char *where, char *err);

/* Reads a config file into cfg (on top of what is there). Errors "PATH:LINE: ...". */
int dsk_cfg_load_file(const dsk_cfg_option_t *table, void *cfg,
                      const char *path, char *err);

/*
 * The whole start-up sequence: defaults, the config file (--config PATH
 * from argv, else default_path when it exists and is not NULL), then every
 * flag of argv[1..]. `--config` itself is handled here and need not be in
 * the table. Returns 0, a negative DSK_E* with err filled, or 1 when
 * `--help`/`-h` was given (the caller prints dsk_cfg_usage and exits 0).
 * Positional (non-flag) arguments are an error.
 */
int dsk_cfg_load(const dsk_cfg_option_t *table, void *cfg, int argc,
                 char **argv, const char *default_path, char *err);

/* Writes "usage: PROG [--name VALUE]..." and one line per option to out (a FILE *). */
void dsk_cfg_usage(const dsk_cfg_option_t *table, const char *prog, void *out);

/*
 * Parses a byte size ("2GB" = 2*10^9, "2GiB" = 2*2^30, "512k", "100"); 0 or
 * DSK_EINVAL. Units k/KB M/MB G/GB T/TB (powers of 1000), KiB MiB GiB TiB
 * (powers of 1024), B, any case; a fraction ("1.5GB") needs a unit and is
 * rounded down to whole bytes; no sign, no spaces; overflow is DSK_EINVAL.
 * *bytes is untouched on error.
 */
int dsk_cfg_parse_size(const char *text, uint64_t *bytes);

/*
 * Parses a duration into milliseconds ("250ms", "3s", "2m", "1h", bare = ms;
 * any case). "1.5s" is allowed, a fraction of a bare number or of ms is not.
 * 0 or DSK_EINVAL; *ms is untouched on error.
 */
int dsk_cfg_parse_duration(const char *text, int64_t *ms);

#endif
