/*
 * dsk_config.c — the table-driven config parser behind dsk_config.h.
 *
 * One option table per daemon feeds three readers: the defaults, the config
 * file and the command line. Each reader turns its input into (name, text,
 * where) and hands it to dsk_cfg_set, so a value is parsed and checked the
 * same way whatever its source, and every error starts with where the value
 * came from ("dskd-worker.conf:12: ...", "--nthreads: ...").
 */
#include "dsk_config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dsk_suggest.h"

#define S_LINE_MAX 4096   /* longest config file line, without its newline */
#define S_HINT_DIST 2     /* "did you mean" when a name is this close */
#define S_NAME_MAX 64     /* longer names are never close to an option */

/*
 * A unit suffix and what it multiplies by. Lookup ignores case; when
 * formatting, the first suffix listed for a multiplier is the one printed,
 * so the tables list the preferred spelling first.
 */
typedef struct {
    const char *suffix;
    uint64_t mult;
} s_unit_t;

static const s_unit_t s_size_units[] = {
    {"", 1},
    {"B", 1},
    {"KB", 1000ULL},
    {"K", 1000ULL},
    {"MB", 1000ULL * 1000},
    {"M", 1000ULL * 1000},
    {"GB", 1000ULL * 1000 * 1000},
    {"G", 1000ULL * 1000 * 1000},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
    {"T", 1000ULL * 1000 * 1000 * 1000},
    {"KiB", 1ULL << 10},
    {"MiB", 1ULL << 20},
    {"GiB", 1ULL << 30},
    {"TiB", 1ULL << 40},
    {NULL, 0},
};

static const s_unit_t s_duration_units[] = {
    {"", 1},
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {NULL, 0},
};

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

/*
 * Every parse error goes through here so that each one carries its origin
 * ("where: ...") and the same code, DSK_ECONFIG, whichever reader found it.
 */
__attribute__((format(printf, 3, 4)))
static int s_fail(char *err, const char *where, const char *fmt, ...)
{
    char msg[DSK_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (where)
        return dsk_seterr(err, DSK_ECONFIG, "%s: %s", where, msg);
    return dsk_seterr(err, DSK_ECONFIG, "%s", msg);
}

/*
 * The option a mistyped name most likely meant, or NULL. A hint must be
 * closer than the name is long, so "x" never suggests "nthreads".
 */
static const char *s_suggest(const dsk_cfg_option_t *table, const char *name, size_t len)
{
    const char *best = NULL;
    size_t best_dist = S_HINT_DIST + 1;
    for (const dsk_cfg_option_t *opt = table; opt->name; opt++) {
        size_t d = dsk_edit_distance(name, len, opt->name, 0);
        if (d < best_dist && d < len) {
            best = opt->name;
            best_dist = d;
        }
    }
    return best;
}

/* Finds an option by a name that need not be NUL-terminated (`--name=value`). */
static const dsk_cfg_option_t *s_find(const dsk_cfg_option_t *table, const char *name,
                                      size_t len)
{
    for (const dsk_cfg_option_t *opt = table; opt->name; opt++)
        if (strlen(opt->name) == len && memcmp(opt->name, name, len) == 0)
            return opt;
    return NULL;
}

static int s_unknown(const dsk_cfg_option_t *table, const char *name, const char *where,
                     char *err)
{
    const char *hint = s_suggest(table, name, strlen(name));
    if (hint)
        return s_fail(err, where, "unknown option '%s' (did you mean '%s'?)", name, hint);
    return s_fail(err, where, "unknown option '%s'", name);
}

/* ------------------------------------------------------------------------
 * Values
 * ---------------------------------------------------------------------- */

/*
 * Parses "DIGITS[.DIGITS]UNIT" into a whole number of base units, at most
 * limit. The fraction is computed in integers (floor(frac * mult / den),
 * split so nothing overflows), so "1.5GB" is exactly 1500000000 and not
 * whatever a double rounds to. A fraction needs a unit larger than the base:
 * "1.5" bytes or milliseconds is a mistake, not a value. Returns 0,
 * DSK_EINVAL (malformed) or DSK_ETOOBIG (beyond limit).
 */
static int s_parse_scaled(const char *text, const s_unit_t *units, uint64_t limit,
                          uint64_t *out)
{
    const char *p = text;
    uint64_t whole = 0, frac = 0, den = 1;
    int too_big = 0;
    if (!isdigit((unsigned char)*p))
        return DSK_EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (whole > (UINT64_MAX - d) / 10)
            too_big = 1;
        else
            whole = whole * 10 + d;
    }
    if (*p == '.') {
        if (!isdigit((unsigned char)*++p))
            return DSK_EINVAL;
        for (; isdigit((unsigned char)*p); p++)
            if (den < 1000000000) { /* digits past the 9th cannot matter */
                frac = frac * 10 + (uint64_t)(*p - '0');
                den *= 10;
            }
    }
    const s_unit_t *u = units;
    while (u->suffix && strcasecmp(u->suffix, p) != 0)
        u++;
    if (!u->suffix || (den > 1 && u->mult == 1))
        return DSK_EINVAL;
    if (too_big || whole > limit / u->mult)
        return DSK_ETOOBIG;
    uint64_t value = whole * u->mult;
    uint64_t part = (u->mult / den) * frac + (u->mult % den) * frac / den;
    if (part > limit - value)
        return DSK_ETOOBIG;
    *out = value + part;
    return 0;
}

/*
 * Writes v the way a person writes it in a config file ("4KiB", "2GB",
 * "1m", "1500ms"), so a bounds error quotes numbers that look like the
 * table's rather than raw byte or millisecond counts.
 */
static const char *s_format_scaled(uint64_t v, const s_unit_t *units, const char *base,
                                   char *buf, size_t cap)
{
    const s_unit_t *best = NULL;
    for (const s_unit_t *u = units; u->suffix; u++)
        if (v > 0 && u->mult > 1 && v % u->mult == 0 && (!best || u->mult > best->mult))
            best = u;
    snprintf(buf, cap, "%" PRIu64 "%s", best ? v / best->mult : v,
             best ? best->suffix : (v ? base : ""));
    return buf;
}

int dsk_cfg_parse_size(const char *text, uint64_t *bytes)
{
    uint64_t v;
    if (!text || !bytes || s_parse_scaled(text, s_size_units, UINT64_MAX, &v) != 0)
        return DSK_EINVAL;
    *bytes = v;
    return DSK_OK;
}

int dsk_cfg_parse_duration(const char *text, int64_t *ms)
{
    uint64_t v;
    if (!text || !ms || s_parse_scaled(text, s_duration_units, INT64_MAX, &v) != 0)
        return DSK_EINVAL;
    *ms = (int64_t)v;
    return DSK_OK;
}

/*
 * Decimal only, with an optional sign and nothing after the digits:
 * strtoll alone would accept leading spaces, "0x10" in base 0 and "12abc"
 * up to the junk, all of which hide typos in a config file.
 */
static int s_parse_int(const char *text, int64_t *out)
{
    const char *p = text + (*text == '+' || *text == '-');
    char *end;
    if (!isdigit((unsigned char)*p))
        return DSK_EINVAL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (*end != '\0')
        return DSK_EINVAL;
    if (errno == ERANGE)
        return DSK_ETOOBIG;
    *out = v;
    return 0;
}

static int s_parse_bool(const char *text, int *out)
{
    static const char *yes[] = {"yes", "true", "on", "1"};
    static const char *no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
            *out = strcasecmp(text, yes[i]) == 0;
            return 0;
        }
    }
    return DSK_EINVAL;
}

/* INT option: parse, then the table's bounds unless min == max. */
static int s_set_int(const dsk_cfg_option_t *opt, int64_t *field, const char *value,
                     const char *where, char *err)
{
    int64_t v;
    int rc = s_parse_int(value, &v);
    if (rc == DSK_ETOOBIG)
        return s_fail(err, where, "%s: '%.40s' is out of range", opt->name, value);
    if (rc != 0)
        return s_fail(err, where, "%s needs a whole number, got '%.80s'", opt->name, value);
    if (opt->min != opt->max && (v < opt->min || v > opt->max))
        return s_fail(err, where, "%s must be between %" PRId64 " and %" PRId64
                      ", got %" PRId64, opt->name, opt->min, opt->max, v);
    *field = v;
    return 0;
}

/*
 * SIZE and DURATION share the unit parser and differ only in their units,
 * their ceiling (durations live in an int64_t) and the words of the error.
 * A negative min in the table reads as 0: neither can be negative.
 */
static int s_set_scaled(const dsk_cfg_option_t *opt, void *field, const char *value,
                        const char *where, char *err)
{
    int is_size = opt->type == DSK_CFG_SIZE;
    const s_unit_t *units = is_size ? s_size_units : s_duration_units;
    const char *base = is_size ? "" : "ms";
    uint64_t v;
    int rc = s_parse_scaled(value, units, is_size ? UINT64_MAX : INT64_MAX, &v);
    if (rc == DSK_ETOOBIG)
        return s_fail(err, where, "%s: '%.40s' is too large", opt->name, value);
    if (rc != 0 && is_size)
        return s_fail(err, where, "%s needs a size like 4096, 512KiB, 2GB or 1.5GiB, "
                      "got '%.80s'", opt->name, value);
    if (rc != 0)
        return s_fail(err, where, "%s needs a duration like 250ms, 1.5s, 2m or 1h, "
                      "got '%.80s'", opt->name, value);
    uint64_t lo = opt->min > 0 ? (uint64_t)opt->min : 0;
    uint64_t hi = opt->max > 0 ? (uint64_t)opt->max : 0;
    if (opt->min != opt->max && (v < lo || v > hi)) {
        char a[32], b[32], c[32];
        return s_fail(err, where, "%s must be between %s and %s, got %s", opt->name,
                      s_format_scaled(lo, units, base, a, sizeof a),
                      s_format_scaled(hi, units, base, b, sizeof b),
                      s_format_scaled(v, units, base, c, sizeof c));
    }
    if (is_size)
        *(uint64_t *)field = v;
    else
        *(int64_t *)field = (int64_t)v;
    return 0;
}

/* Parses value as opt's type and stores it in cfg; cfg is untouched on error. */
static int s_apply(const dsk_cfg_option_t *opt, void *cfg, const char *value,
                   const char *where, char *err)
{
    char *field = (char *)cfg + opt->offset;
    size_t len;
    int b;
    switch (opt->type) {
    case DSK_CFG_STRING:
        len = strlen(value);
        if (len >= opt->size)
            return s_fail(err, where, "%s is too long (%zu bytes, at most %zu)", opt->name,
                          len, opt->size ? opt->size - 1 : 0);
        memcpy(field, value, len + 1);
        return 0;
    case DSK_CFG_INT:
        return s_set_int(opt, (int64_t *)field, value, where, err);
    case DSK_CFG_SIZE:
    case DSK_CFG_DURATION:
        return s_set_scaled(opt, field, value, where, err);
    case DSK_CFG_BOOL:
        if (s_parse_bool(value, &b) != 0)
            return s_fail(err, where, "%s needs yes or no (or true/false, on/off, 1/0), "
                          "got '%.80s'", opt->name, value);
        *(int *)field = b;
        return 0;
    }
    return s_fail(err, where, "%s: option has an unknown type %d", opt->name, (int)opt->type);
}

int dsk_cfg_set(const dsk_cfg_option_t *table, void *cfg, const char *name,
                const char *value, const char *where, char *err)
{
    if (!table || !cfg || !name)
        return dsk_seterr(err, DSK_EINVAL, "dsk_cfg_set: table, cfg and name are required");
    const dsk_cfg_option_t *opt = s_find(table, name, strlen(name));
    if (!opt)
        return s_unknown(table, name, where, err);
    if (!value)
        return s_fail(err, where, "option '%s' needs a value", name);
    return s_apply(opt, cfg, value, where, err);
}

int dsk_cfg_defaults(const dsk_cfg_option_t *table, void *cfg, char *err)
{
    if (!table || !cfg)
        return dsk_seterr(err, DSK_EINVAL, "dsk_cfg_defaults: table and cfg are required");
    for (const dsk_cfg_option_t *opt = table; opt->name; opt++) {
        const char *v = opt->deflt ? opt->deflt : opt->type == DSK_CFG_STRING ? "" : "0";
        int rc = s_apply(opt, cfg, v, "built-in default", err);
        if (rc != 0)
            return rc;
    }
    return DSK_OK;
}

/* ------------------------------------------------------------------------
 * Config file
 * ---------------------------------------------------------------------- */

/*
 * Reads one line, without its newline, into buf (S_LINE_MAX + 1 bytes).
 * Returns its length, -1 at end of file, -2 if it is longer than
 * S_LINE_MAX, -3 if it holds a NUL byte. Reading byte by byte keeps memory
 * bounded whatever the file holds, and sees NULs that fgets would hide.
 */
static long s_read_line(FILE *f, char *buf)
{
    long len = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (c == '\0')
            return -3;
        if (len == S_LINE_MAX)
            return -2;
        buf[len++] = (char)c;
    }
    buf[len] = '\0';
    return (c == EOF && len == 0) ? -1 : len;
}

/*
 * Removes the quotes and the \" and \\ escapes of a quoted value, in place
 * (the result is never longer). s starts at the opening quote and has no
 * trailing whitespace, so the closing quote must be its last byte.
 */
static int s_unquote(char *s, const char *name, const char *where, char *err)
{
    char *dst = s;
    for (const char *src = s + 1;; src++) {
        if (*src == '\0')
            return s_fail(err, where, "value of '%s' has no closing quote", name);
        if (*src == '"') {
            if (src[1] != '\0')
                return s_fail(err, where, "unexpected text after the closing quote of '%s'",
                              name);
            *dst = '\0';
            return 0;
        }
        if (*src == '\\') {
            src++;
            if (*src != '"' && *src != '\\')
                return s_fail(err, where, "bad escape '\\%c' in the value of '%s' "
                              "(only \\\" and \\\\ are known)", *src ? *src : ' ', name);
        }
        *dst++ = *src;
    }
}

/*
 * An unquoted value is one word. The file format has no end-of-line
 * comments, so `nthreads 4 # four` is refused outright rather than read as
 * the value "4 # four" and failing later with a puzzling message.
 */
static int s_check_word(const char *value, const char *name, const char *where, char *err)
{
    const char *p = value;
    while (*p && !isspace((unsigned char)*p))
        p++;
    if (*p == '\0')
        return 0;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '#')
        return s_fail(err, where, "comment after the value of '%s': a comment must be on "
                      "its own line", name);
    return s_fail(err, where, "value of '%s' contains whitespace; put it in double quotes",
                  name);
}

/* One line of a config file: blank, a comment, or `name value`. */
static int s_parse_line(const dsk_cfg_option_t *table, void *cfg, char *line,
                        const char *where, char *err)
{
    char *p = line, *end = line + strlen(line);
    while (isspace((unsigned char)*p))
        p++;
    while (end > p && isspace((unsigned char)end[-1]))
        *--end = '\0';
    if (*p == '\0' || *p == '#')
        return 0;
    char *name = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    if (*p) {
        *p++ = '\0';
        while (isspace((unsigned char)*p))
            p++;
    }
    if (!s_find(table, name, strlen(name)))
        return s_unknown(table, name, where, err);
    if (*p == '\0')
        return s_fail(err, where, "option '%s' needs a value", name);
    int rc = *p == '"' ? s_unquote(p, name, where, err) : s_check_word(p, name, where, err);
    if (rc != 0)
        return rc;
    return dsk_cfg_set(table, cfg, name, p, where, err);
}

int dsk_cfg_load_file(const dsk_cfg_option_t *table, void *cfg, const char *path,
                      char *err)
{
    if (!table || !cfg || !path)
        return dsk_seterr(err, DSK_EINVAL, "dsk_cfg_load_file: table, cfg and path are "
                          "required");
    FILE *f = fopen(path, "r");
    if (!f)
        return dsk_seterr(err, DSK_EIO, "cannot read config file %s: %s", path,
                          strerror(errno));
    char line[S_LINE_MAX + 1], where[512];
    int rc = 0;
    for (long lineno = 1; rc == 0; lineno++) {
        long len = s_read_line(f, line);
        if (len == -1)
            break;
        snprintf(where, sizeof where, "%s:%ld", path, lineno);
        if (len == -2)
            rc = s_fail(err, where, "line is longer than %d bytes", S_LINE_MAX);
        else if (len == -3)
            rc = s_fail(err, where, "line contains a NUL byte (not a text file?)");
        else
            rc = s_parse_line(table, cfg, line, where, err);
    }
    if (rc == 0 && ferror(f))
        rc = dsk_seterr(err, DSK_EIO, "cannot read config file %s: %s", path,
                        strerror(errno));
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------------
 * Command line
 * ---------------------------------------------------------------------- */

/* One flag of argv, split into its parts. */
typedef struct {
    const char *name;            /* after the dashes; not NUL-terminated when `=` follows */
    size_t len;
    const char *value;           /* NULL: a bare boolean */
    const dsk_cfg_option_t *opt; /* NULL for --config */
} s_flag_t;

/* True when arg is a `--name` without `=` naming a BOOL option. */
static int s_is_bare_bool(const dsk_cfg_option_t *table, const char *arg)
{
    if (strncmp(arg, "--", 2) != 0 || strchr(arg, '='))
        return 0;
    const dsk_cfg_option_t *opt = s_find(table, arg + 2, strlen(arg + 2));
    return opt && opt->type == DSK_CFG_BOOL;
}

/*
 * The daemons take no positional arguments. The likeliest way to write one
 * by accident is `--foreground no`, so that case names the right spelling.
 */
static int s_positional(const dsk_cfg_option_t *table, char **argv, int i, char *err)
{
    if (i > 1 && s_is_bare_bool(table, argv[i - 1]))
        return dsk_seterr(err, DSK_ECONFIG, "unexpected argument '%.80s' (to give %s a "
                          "value, write %s=%.80s)", argv[i], argv[i - 1], argv[i - 1],
                          argv[i]);
    return dsk_seterr(err, DSK_ECONFIG, "unexpected argument '%.80s' (options are "
                      "written --name VALUE; see --help)", argv[i]);
}

static int s_unknown_flag(const dsk_cfg_option_t *table, const char *arg, const s_flag_t *fl,
                          char *err)
{
    int shown = (int)(fl->name - arg + (ptrdiff_t)fl->len);
    const char *hint = s_suggest(table, fl->name, fl->len);
    if (hint)
        return dsk_seterr(err, DSK_ECONFIG, "%.*s: unknown option (did you mean --%s?)",
                          shown, arg, hint);
    return dsk_seterr(err, DSK_ECONFIG, "%.*s: unknown option (see --help)", shown, arg);
}

/*
 * Reads the flag at argv[*i] and its value, advancing *i past both.
 * Returns 0, 1 for -h/--help, or DSK_ECONFIG. The next argument is a value
 * unless it starts with "--": `--scheduler --nthreads 4` is far more often
 * a forgotten value than a scheduler named "--nthreads" (that one can still
 * be given as --scheduler=--nthreads). Booleans take a value only after `=`.
 */
static int s_next_flag(const dsk_cfg_option_t *table, int argc, char **argv, int *i,
                       s_flag_t *fl, char *err)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
        return 1;
    if (arg[0] != '-' || arg[1] == '\0')
        return s_positional(table, argv, *i, err);
    (*i)++;
    int dashes = arg[1] == '-' ? 2 : 1;
    const char *eq = strchr(arg + dashes, '=');
    fl->name = arg + dashes;
    fl->len = eq ? (size_t)(eq - fl->name) : strlen(fl->name);
    fl->value = eq ? eq + 1 : NULL;
    fl->opt = dashes == 2 ? s_find(table, fl->name, fl->len) : NULL;
    int is_config = dashes == 2 && fl->len == 6 && memcmp(fl->name, "config", 6) == 0;
    if (is_config)
        fl->opt = NULL;
    else if (!fl->opt)
        return s_unknown_flag(table, arg, fl, err);
    if (fl->value || (fl->opt && fl->opt->type == DSK_CFG_BOOL))
        return 0;
    if (*i < argc && strncmp(argv[*i], "--", 2) != 0) {
        fl->value = argv[(*i)++];
        return 0;
    }
    return dsk_seterr(err, DSK_ECONFIG, "--%.*s needs a value", (int)fl->len, fl->name);
}

/*
 * First pass over argv: checks every flag's spelling before anything is
 * read, stops at --help, and finds --config. A bad command line is thus
 * reported before any problem in the file it names.
 */
static int s_scan_flags(const dsk_cfg_option_t *table, int argc, char **argv,
                        const char **config, char *err)
{
    s_flag_t fl;
    *config = NULL;
    for (int i = 1; i < argc;) {
        int rc = s_next_flag(table, argc, argv, &i, &fl, err);
        if (rc != 0)
            return rc;
        if (fl.opt)
            continue;
        if (*config)
            return dsk_seterr(err, DSK_ECONFIG, "--config: given twice (%s and %s)",
                              *config, fl.value);
        if (fl.value[0] == '\0')
            return dsk_seterr(err, DSK_ECONFIG, "--config needs a value");
        *config = fl.value;
    }
    return 0;
}

int dsk_cfg_load(const dsk_cfg_option_t *table, void *cfg, int argc, char **argv,
                 const char *default_path, char *err)
{
    const char *config = NULL;
    int rc = dsk_cfg_defaults(table, cfg, err);
    if (rc == 0)
        rc = s_scan_flags(table, argc, argv, &config, err);
    if (rc != 0)
        return rc;
    if (config)
        rc = dsk_cfg_load_file(table, cfg, config, err);
    else if (default_path && access(default_path, F_OK) == 0)
        rc = dsk_cfg_load_file(table, cfg, default_path, err);
    s_flag_t fl;
    for (int i = 1; rc == 0 && i < argc;) {
        s_next_flag(table, argc, argv, &i, &fl, err); /* cannot fail: scanned above */
        if (!fl.opt)
            continue;
        char where[S_NAME_MAX + 8];
        snprintf(where, sizeof where, "--%s", fl.opt->name);
        rc = dsk_cfg_set(table, cfg, fl.opt->name, fl.value ? fl.value : "yes", where, err);
    }
    return rc;
}

/* ------------------------------------------------------------------------
 * --help
 * ---------------------------------------------------------------------- */

static const char *s_metavar(dsk_cfg_type_t type)
{
    switch (type) {
    case DSK_CFG_STRING: return "STRING";
    case DSK_CFG_INT: return "INT";
    case DSK_CFG_SIZE: return "SIZE";
    case DSK_CFG_DURATION: return "DURATION";
    case DSK_CFG_BOOL: break;
    }
    return NULL;
}

/*
 * One aligned line per option, from the same table as the parser, so the
 * help can never list a flag that does not exist or miss one that does.
 */
void dsk_cfg_usage(const dsk_cfg_option_t *table, const char *prog, void *out)
{
    FILE *f = out;
    char left[S_NAME_MAX + 16];
    int width = (int)strlen("--config FILE");
    for (const dsk_cfg_option_t *opt = table; opt->name; opt++) {
        const char *meta = s_metavar(opt->type);
        int w = (int)(2 + strlen(opt->name) + (meta ? 1 + strlen(meta) : 0));
        width = w > width ? w : width;
    }
    fprintf(f, "usage: %s [--config FILE] [--name VALUE]...\n\n", prog ? prog : "dsk");
    fprintf(f, "  %-*s   %s\n", width, "--config FILE",
            "read settings from FILE first (flags override it)");
    for (const dsk_cfg_option_t *opt = table; opt->name; opt++) {
        const char *meta = s_metavar(opt->type);
        snprintf(left, sizeof left, "--%s%s%s", opt->name, meta ? " " : "", meta ? meta : "");
        fprintf(f, "  %-*s   %s", width, left, opt->help ? opt->help : "");
        if (opt->deflt && opt->deflt[0])
            fprintf(f, " (default %s)", opt->deflt);
        else if (opt->type != DSK_CFG_STRING)
            fprintf(f, " (default %s)", opt->type == DSK_CFG_BOOL ? "no" : "0");
        fputc('\n', f);
    }
    fprintf(f, "  %-*s   %s\n", width, "-h, --help", "print this help and exit");
}
