/*
 * dsk-keygen — makes a CurveZMQ key pair for a dsk scheduler, worker or
 * client.
 *
 *   dsk-keygen [--force] [--dir DIR] NAME
 *
 * Writes DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub (public). The
 * .key stays on the machine that uses it; the .pub goes into the
 * scheduler's worker-keys or client-keys directory (for the scheduler's
 * own pair, to every worker and client as their --scheduler-key).
 * Exit status: 0, 1 when a file cannot be written, 2 for bad usage.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dsk_error.h"
#include "dsk_keys.h"

static void s_usage(FILE *out)
{
    fprintf(out, "usage: dsk-keygen [--force] [--dir DIR] NAME\n\n"
                 "Writes DIR/NAME.key (the secret key, mode 0600) and DIR/NAME.pub (the public\n"
                 "key) for CurveZMQ. Put NAME.pub in the scheduler's worker-keys or client-keys\n"
                 "directory; keep NAME.key where the worker or client runs.\n\n"
                 "  --dir DIR   where to write (default: the current directory)\n"
                 "  --force     replace existing files of that name\n");
}

/* A name that stays one file name: no path separators, nothing hidden. */
static int s_valid_name(const char *name)
{
    if (!name[0] || name[0] == '.' || strlen(name) > 200)
        return 0;
    for (const char *c = name; *c; c++)
        if (*c == '/' || *c < 0x20)
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    const char *dir = ".", *name = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            s_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = 1;
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (argv[i][0] != '-' && !name) {
            name = argv[i];
        } else {
            fprintf(stderr, "dsk-keygen: unexpected argument '%s'\n", argv[i]);
            s_usage(stderr);
            return 2;
        }
    }
    if (!name || !s_valid_name(name)) {
        fprintf(stderr, name ? "dsk-keygen: '%s' is not a plain file name\n"
                             : "dsk-keygen: give the key a NAME\n", name);
        s_usage(stderr);
        return 2;
    }
    char err[DSK_ERR_LEN], base[4096];
    dsk_key_pair_t pair;
    snprintf(base, sizeof base, "%s/%s", dir, name);
    if (dsk_keys_generate(&pair, err) < 0 || dsk_keys_write(base, name, &pair, force, err) < 0) {
        fprintf(stderr, "dsk-keygen: %s\n", err);
        return 1;
    }
    memset(pair.secret_key, 0, sizeof pair.secret_key);
    printf("%s.key  secret: keep it here, mode 0600\n%s.pub  public key %s\n", base, base,
           pair.public_key);
    return 0;
}
