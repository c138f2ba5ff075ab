/*
 * dsk_keys.h — CurveZMQ key files and the allow-lists made of them.
 *
 * dsk-keygen writes a key pair as two text files: NAME.key, the secret
 * one (mode 0600: it holds both keys), and NAME.pub, the public key alone,
 * the file an administrator copies into the scheduler's allow-lists
 * (worker-keys and client-keys directories). Both read like a config file:
 *
 *   # dsk CurveZMQ key pair 'node7', made by dsk-keygen
 *   public-key "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
 *   secret-key "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
 *
 * Keys travel as Z85 text (40 characters for 32 bytes, ZeroMQ's RFC 32).
 * A secret key file readable by its group or by others is refused, naming
 * the file: a key everyone can read authenticates anyone.
 *
 * A key set is the public keys of every *.pub file in a directory; it is
 * read again when the directory changes, so adding or removing a key needs
 * no restart.
 */
#ifndef DSK_KEYS_H
#define DSK_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DSK_KEY_Z85_LEN 40    /* a 32-byte key as Z85 text, without its NUL */

typedef struct {
    char public_key[DSK_KEY_Z85_LEN + 1];
    char secret_key[DSK_KEY_Z85_LEN + 1];
} dsk_key_pair_t;

/* A fresh pair (zmq_curve_keypair); DSK_EINVAL when libzmq has no CURVE. */
int dsk_keys_generate(dsk_key_pair_t *pair, char *err);
/*
 * Writes BASE.key (mode 0600) and BASE.pub (0644); name goes in their
 * comment. Refuses to overwrite either unless force.
 */
int dsk_keys_write(const char *base, const char *name, const dsk_key_pair_t *pair, int force,
                   char *err);
/* Reads a secret key file (both keys), refusing one group or others may read. */
int dsk_keys_read_secret(const char *path, dsk_key_pair_t *pair, char *err);
/* Reads the public key of a .pub (or .key) file into out (Z85, NUL-ended). */
int dsk_keys_read_public(const char *path, char out[DSK_KEY_Z85_LEN + 1], char *err);
/* Whether text is a well-formed Z85 key. */
int dsk_keys_valid_z85(const char *text);

/*
 * The CURVE side of a worker or a client: its own key pair and the
 * scheduler's public key, read from their files; on is 0 when neither
 * file is given (a plain connection, for a scheduler run --insecure).
 */
typedef struct {
    int on;
    dsk_key_pair_t mine;
    char server[DSK_KEY_Z85_LEN + 1];
} dsk_curve_client_t;

/* Both paths or neither; a secret key file others may read is refused. */
int dsk_curve_client_load(dsk_curve_client_t *c, const char *key_file,
                          const char *server_key_file, char *err);
/* Makes socket (before it connects) a CURVE client of that server; nothing when !c->on. */
int dsk_curve_client_apply(const dsk_curve_client_t *c, void *socket, char *err);

/* The public keys found in one directory. */
typedef struct {
    char dir[512];
    struct timespec mtime;      /* of the directory when last read */
    size_t count;
    uint8_t (*keys)[32];        /* binary, as CURVE's ZAP credentials carry them */
} dsk_keyset_t;

/* Reads every *.pub in dir; a file that is not a key is an error naming it. */
int dsk_keyset_load(dsk_keyset_t *set, const char *dir, char *err);
/*
 * Reads the directory again if it changed since; on an error the old keys
 * stay and err says why (the caller logs it).
 */
int dsk_keyset_refresh(dsk_keyset_t *set, char *err);
int dsk_keyset_has(const dsk_keyset_t *set, const uint8_t key[32]);
void dsk_keyset_clear(dsk_keyset_t *set);

#endif
