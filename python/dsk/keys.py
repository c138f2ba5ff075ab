"""CurveZMQ key files as dsk-keygen writes them (common/dsk_keys.h).

NAME.key holds a pair and must be mode 0600; NAME.pub holds the public key:

    public-key "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    secret-key "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
"""
import os
import stat

import zmq


def _read(path):
    values = {}
    with open(path, encoding="ascii") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, value = line.partition(" ")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if name not in ("public-key", "secret-key") or len(value) != 40:
                raise ValueError("%s:%d: not a dsk key line (make key files with dsk-keygen)"
                                 % (path, number))
            values[name] = value.encode("ascii")
    if "public-key" not in values:
        raise ValueError("%s: no public-key (make key files with dsk-keygen)" % path)
    return values


def read_public(path):
    """The Z85 public key (bytes) of a .pub or .key file."""
    return _read(path)["public-key"]


def read_secret(path):
    """(public, secret) Z85 keys of a .key file, refusing one its group or others may read."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise PermissionError("secret key %s is mode %04o: group or others may read it; "
                              "chmod 600 %s" % (path, mode, path))
    values = _read(path)
    if "secret-key" not in values:
        raise ValueError("%s: no secret-key: is it a .pub file? The secret key is in the .key "
                         "file dsk-keygen wrote" % path)
    if zmq.curve_public(values["secret-key"]) != values["public-key"]:
        raise ValueError("%s: its public-key is not the secret key's" % path)
    return values["public-key"], values["secret-key"]
