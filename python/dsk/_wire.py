"""dsk's wire protocol (docs/PROTOCOL.md), the messages a client sends and reads.

Every message is one ZeroMQ frame holding one msgpack array,
``["DSK", 2, type, field1, field2, ...]``; fields are positional, and a
reader ignores fields past the ones it knows. The package speaks the
protocol itself: the scheduler checks every request, so its answer is the
one validation, and nothing here duplicates the C client's.
"""

import msgpack

SIGNATURE = "DSK"
VERSION = 2

STATUS_REQ = 5
STATUS_REP = 6
ERROR = 7
SUBMIT = 8
JOB_STATE = 9
JOB_REQ = 10
CHUNK = 15
CHUNK_DONE = 16

JOBREQ_WATCH = 1
JOBREQ_CANCEL = 2
JOBREQ_LIST = 3

JOB_STATES = {1: "accepted", 2: "running", 3: "done", 4: "failed", 5: "cancelled"}

# DSK_E* (common/dsk_error.h), for messages
ERROR_NAMES = {
    -1: "EINVAL", -2: "ENOMEM", -3: "EIO", -4: "EPROTO", -5: "EVERSION", -6: "ETOOBIG",
    -7: "ECONFIG", -8: "ETIMEDOUT", -9: "ECONNECT", -10: "ENOTFOUND", -11: "EZMQ",
    -12: "ESTATE", -13: "EINTR", -14: "ENOTDSK", -15: "EPERM",
}

_NAMES = {STATUS_REQ: "STATUS_REQ", STATUS_REP: "STATUS_REP", ERROR: "ERROR",
          SUBMIT: "SUBMIT", JOB_STATE: "JOB_STATE", JOB_REQ: "JOB_REQ", CHUNK: "CHUNK",
          CHUNK_DONE: "CHUNK_DONE"}

JOB_SEARCH, JOB_FIT, JOB_PREDICT = 1, 2, 3  # SUBMIT's kinds
SUBMIT_CHECK_ONLY = 1  # SUBMIT's flags: the job checked without its data, nothing run

# field names, in wire order, of the records a client reads
_WORKER_FIELDS = ("name", "host", "address", "pid", "nthreads", "memory_limit", "memory_used",
                  "tasks_running", "tasks_queued", "last_seen_ms", "uptime_ms", "running", "held",
                  "spilled", "paused")
_FIELDS = {
    STATUS_REP: ("uptime_ms", "tasks_running", "tasks_queued", "jobs", "workers", "curve",
                 "messages_handled", "refused_handshakes", "refused_keys", "refused_messages"),
    ERROR: ("code", "message"),
    JOB_STATE: ("job_id", "state", "done", "total", "text", "result", "model", "scheduler"),
    CHUNK_DONE: ("job_id", "index", "data"),
}


class DskError(Exception):
    """The scheduler refused a request (its ERROR: a DSK_E* code and what failed)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self):
        return "%s (%s)" % (self.message, ERROR_NAMES.get(self.code, self.code))


class ProtocolError(Exception):
    """A frame that is not a dsk message this client can read."""


def pack(mtype, *fields):
    """One message as the bytes of its frame."""
    return msgpack.packb([SIGNATURE, VERSION, mtype, *fields], use_bin_type=True)


def unpack(frame):
    """A frame as (type, {field: value}); the fields a client does not read are left out."""
    try:
        obj = msgpack.unpackb(frame, raw=False, strict_map_key=False)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as e:
        raise ProtocolError("not a msgpack frame: %s" % e) from None
    if not isinstance(obj, list) or len(obj) < 3 or obj[0] != SIGNATURE:
        raise ProtocolError("not a dsk message")
    if obj[1] != VERSION:
        raise ProtocolError("the scheduler speaks protocol version %r; this client speaks %d"
                            % (obj[1], VERSION))
    mtype, values = obj[2], obj[3:]
    names = _FIELDS.get(mtype)
    if names is None:
        raise ProtocolError("unexpected message type %r" % (mtype,))
    if len(values) < len(names):
        raise ProtocolError("%s: %d fields, expected %d" % (_NAMES[mtype], len(values),
                                                             len(names)))
    fields = dict(zip(names, values))
    if mtype == STATUS_REP:
        fields["workers"] = [dict(zip(_WORKER_FIELDS, w)) for w in fields["workers"]]
    return mtype, fields
