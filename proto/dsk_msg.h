/*
 * dsk_msg.h — every message of the dsk wire protocol (see PROTOCOL.md).
 *
 * A message is one ZeroMQ frame holding one msgpack array:
 *     ["DSK", version, type, field1, field2, ...]
 * The fields of each type are positional and described by one table in
 * dsk_msg.c; encode and decode are driven by that table. A decoder accepts
 * trailing fields it does not know (a newer peer of the same version may
 * append fields) but never missing ones.
 *
 * Decoding untrusted bytes: dsk_msg_decode first runs dsk_mp_check (counts
 * against bytes left, depth <= DSK_PROTO_MAX_DEPTH, object count bounded),
 * then unpacks with msgpack-c, then checks every field's type and limit.
 * Strings are copied into the fixed buffers below, so a decoded message
 * does not depend on the frame or on a msgpack zone.
 */
#ifndef DSK_MSG_H
#define DSK_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_error.h"

#define DSK_PROTO_SIGNATURE "DSK"
#define DSK_PROTO_VERSION 2
#define DSK_PROTO_MAX_DEPTH 32          /* deepest nesting a decoder accepts */
#define DSK_PROTO_MAX_OBJECTS (1 << 20) /* msgpack objects in one frame */

/* String limits in bytes (excluding the NUL the structs add). */
#define DSK_NAME_MAX 64     /* worker names */
#define DSK_HOST_MAX 255    /* host names */
#define DSK_ADDR_MAX 128    /* endpoint / peer addresses */
#define DSK_TEXT_MAX 1024   /* reasons and error messages */
#define DSK_STATUS_MAX_WORKERS 32768 /* records of 16 objects: within DSK_PROTO_MAX_OBJECTS */
#define DSK_KEY_MAX 64      /* content keys */
#define DSK_RUNNING_MAX 255 /* a worker's running tasks by kind, in STATUS_REP */

/* A bin field: bytes the message owns (malloc'd; data NULL when len is 0). */
typedef struct {
    unsigned char *data;
    size_t len;
} dsk_bytes_t;

/* Job kinds (SUBMIT.kind) and states (JOB_STATE.state). */
enum { DSK_JOB_SEARCH = 1, DSK_JOB_FIT = 2, DSK_JOB_PREDICT = 3, DSK_JOB_NOOP = 4 };
/* DATA_PUT.kind: a packed dataset, a model's .dskm bytes, a task output moved from
   another worker, a search's job (its steps, candidates and folds: job_spec.h) */
enum { DSK_DATA_DATASET = 1, DSK_DATA_MODEL = 2, DSK_DATA_OUTPUT = 3, DSK_DATA_JOB = 4 };
/* TASK.kind: a search's four (job_plan.h, same numbers), a predict chunk, an empty task */
enum {
    DSK_TASK_STAGE = 1, DSK_TASK_PREFIX, DSK_TASK_SCORE, DSK_TASK_REFIT, DSK_TASK_PREDICT,
    DSK_TASK_NOOP,
};
#define DSK_TASK_KIND_MAX DSK_TASK_NOOP
enum { DSK_JOB_ACCEPTED = 1, DSK_JOB_PROGRESS, DSK_JOB_DONE, DSK_JOB_FAILED, DSK_JOB_CANCELLED };
/* JOB_REQ.op */
enum { DSK_JOBREQ_WATCH = 1, DSK_JOBREQ_CANCEL, DSK_JOBREQ_LIST };

typedef enum {
    DSK_MSG_REGISTER = 1,   /* worker -> scheduler: here I am */
    DSK_MSG_WELCOME = 2,    /* scheduler -> worker: registered */
    DSK_MSG_HEARTBEAT = 3,  /* both ways, every interval */
    DSK_MSG_DISCONNECT = 4, /* both ways: I am going / I do not know you */
    DSK_MSG_STATUS_REQ = 5, /* client -> scheduler */
    DSK_MSG_STATUS_REP = 6, /* scheduler -> client */
    DSK_MSG_ERROR = 7,      /* scheduler -> any peer: your request failed */
    DSK_MSG_SUBMIT = 8,     /* client -> scheduler: a job and its data */
    DSK_MSG_JOB_STATE = 9,  /* scheduler -> client: accepted, progress, done, failed */
    DSK_MSG_JOB_REQ = 10,   /* client -> scheduler: watch / cancel / list jobs */
    DSK_MSG_DATA_PUT = 11,  /* scheduler -> worker: keep these bytes under a key */
    DSK_MSG_TASK = 12,      /* scheduler -> worker: run a task */
    DSK_MSG_TASK_DONE = 13, /* worker -> scheduler: a task's outcome */
    DSK_MSG_FREE = 14,      /* scheduler -> worker: drop what a key holds */
    DSK_MSG_CHUNK = 15,     /* client -> scheduler: rows for a predict job */
    DSK_MSG_CHUNK_DONE = 16,/* scheduler -> client: one chunk's result */
    DSK_MSG_FETCH = 17,     /* scheduler -> worker: send me what a key holds */
    DSK_MSG_FETCHED = 18,   /* worker -> scheduler: that, as bytes */
} dsk_msg_type_t;
#define DSK_MSG_TYPE_MIN 1
#define DSK_MSG_TYPE_MAX 18

typedef struct {
    char name[DSK_NAME_MAX + 1];  /* unique in the cluster */
    char host[DSK_HOST_MAX + 1];
    uint64_t instance;            /* random per worker process: a reconnect of the same process repeats it */
    uint32_t pid;
    uint32_t nthreads;
    uint64_t memory_limit;        /* bytes; 0 = no limit */
    /* how many connections this instance has opened, this one included: a REGISTER
       from an older one, late behind a slow link, is stale */
    uint32_t connection;
} dsk_msg_register_t;

typedef struct {
    uint64_t worker_id;           /* the scheduler's number for this worker */
    uint32_t heartbeat_ms;        /* the interval both sides use */
    uint64_t scheduler;           /* random per scheduler process: a new one means a new session */
} dsk_msg_welcome_t;

typedef struct {
    uint64_t memory_used;         /* worker -> scheduler: bytes held; 0 from the scheduler */
    uint32_t tasks_running;
    uint32_t tasks_queued;
    uint32_t tasks_stale;         /* of those, tasks of an earlier session (still holding threads) */
    uint64_t cpu_ms;              /* worker: CPU time its process has used; scheduler: 0 */
    uint64_t held;                /* worker: bytes its store holds in memory; scheduler: 0 */
    uint64_t spilled;             /* worker: bytes of outputs it spilled to disk; scheduler: 0 */
    uint32_t paused;              /* worker: 1 while past 85% of its memory limit (no new tasks) */
    /* worker: who sends it, as WELCOME and REGISTER said (0 from the scheduler). Heartbeats
       travel on a connection of their own, which the scheduler ties to the worker by these */
    uint64_t worker_id;
    uint64_t instance;
} dsk_msg_heartbeat_t;

typedef struct {
    int32_t code;                 /* a DSK_E* code, 0 for a plain goodbye */
    char reason[DSK_TEXT_MAX + 1];
} dsk_msg_disconnect_t;

typedef struct {
    uint32_t flags;               /* reserved, 0 */
} dsk_msg_status_req_t;

typedef struct {
    char name[DSK_NAME_MAX + 1];
    char host[DSK_HOST_MAX + 1];
    char address[DSK_ADDR_MAX + 1]; /* peer address the scheduler sees */
    uint32_t pid;
    uint32_t nthreads;
    uint64_t memory_limit;
    uint64_t memory_used;
    uint32_t tasks_running;
    uint32_t tasks_queued;
    uint64_t last_seen_ms;        /* ms since the scheduler last heard from it */
    uint64_t uptime_ms;           /* ms since it registered */
    char running[DSK_RUNNING_MAX + 1]; /* the tasks the scheduler runs there, by kind: "prefix:1 score:2" */
    uint64_t held;                /* its last HEARTBEAT's: bytes in memory, spilled, paused */
    uint64_t spilled;
    uint32_t paused;
} dsk_worker_info_t;

typedef struct {
    uint64_t uptime_ms;           /* scheduler's */
    uint32_t tasks_running;
    uint32_t tasks_queued;
    uint32_t jobs;
    uint32_t n_workers;
    dsk_worker_info_t *workers;   /* n_workers entries, owned by the message */
    uint32_t curve;               /* 1: CURVE on, keys checked; 0: --insecure */
    uint64_t messages_handled;    /* messages that reached the scheduler's handlers */
    uint64_t refused_handshakes;  /* connections without CURVE or the right server key */
    uint64_t refused_keys;        /* connections whose key is in no allow-list */
    uint64_t refused_messages;    /* messages the sender's key may not send */
} dsk_msg_status_rep_t;

typedef struct {
    int32_t code;                 /* a DSK_E* code */
    char message[DSK_TEXT_MAX + 1];
} dsk_msg_error_t;

/* SUBMIT's flags: check the job (not its data) and answer, running nothing. */
#define DSK_SUBMIT_CHECK_ONLY 1u

typedef struct {
    uint32_t kind;                /* DSK_JOB_* */
    uint32_t flags;               /* DSK_SUBMIT_CHECK_ONLY, or 0 */
    char name[DSK_NAME_MAX + 1];  /* the job file's name, for messages */
    dsk_bytes_t job;              /* the job file's JSON text */
    dsk_bytes_t data;             /* the dataset, packed (job_data.h) */
    uint64_t token;               /* the client's number for this submission (0: none): sent
                                     again after a lost answer, it finds the same job */
} dsk_msg_submit_t;

typedef struct {
    uint64_t job_id;
    uint32_t state;               /* DSK_JOB_* */
    uint64_t done, total;         /* fits finished / planned */
    char text[DSK_TEXT_MAX + 1];  /* the verbose line, or the failure */
    dsk_bytes_t result;           /* DONE: the result JSON; LIST: a JSON array of jobs */
    dsk_bytes_t model;            /* DONE with a refit or a fit: the .dskm bytes */
    uint64_t scheduler;           /* the scheduler's instance (WELCOME's): a new one is a
                                     restart, which kept the job but not its chunks */
} dsk_msg_job_state_t;

typedef struct {
    uint32_t op;                  /* DSK_JOBREQ_* */
    uint64_t job_id;
} dsk_msg_job_req_t;

typedef struct {
    char key[DSK_KEY_MAX + 1];
    dsk_bytes_t data;
    uint32_t kind;                /* DSK_DATA_*: a packed dataset, or a model's .dskm bytes */
} dsk_msg_data_put_t;

typedef struct {
    uint64_t task_id;
    uint32_t kind;                  /* DSK_TASK_* */
    char data_key[DSK_KEY_MAX + 1]; /* the dataset the task reads, "" for none */
    char job_key[DSK_KEY_MAX + 1];  /* the job it belongs to (DSK_DATA_JOB), "" for none */
    char input_key[DSK_KEY_MAX + 1]; /* the resident output it reads (predict: the model) */
    char key[DSK_KEY_MAX + 1];      /* its output's key */
    dsk_bytes_t spec;               /* job_plan.h's task spec, or job_predict.h's */
    dsk_bytes_t data;               /* a predict task's chunk */
} dsk_msg_task_t;

typedef struct {
    uint64_t task_id;
    int32_t code;                 /* 0, or the DSK_E* the task failed with */
    char error[DSK_TEXT_MAX + 1];
    uint64_t micros;              /* time the task took */
    uint64_t resident;            /* bytes it left on the worker under its key */
    dsk_bytes_t result;           /* what the task replied */
    uint64_t worker_id;           /* the WELCOME's id the worker had when the TASK came */
} dsk_msg_task_done_t;

typedef struct {
    char key[DSK_KEY_MAX + 1];
} dsk_msg_free_t;             /* FREE and FETCH */

typedef struct {
    char key[DSK_KEY_MAX + 1];
    int32_t code;                 /* 0, or why the worker could not send it */
    char error[DSK_TEXT_MAX + 1];
    dsk_bytes_t data;             /* the output, packed (job_output_unpack reads it) */
} dsk_msg_fetched_t;

typedef struct {
    uint64_t job_id;
    uint64_t index;               /* chunks are numbered from 0 in input order */
    dsk_bytes_t data;             /* CHUNK: the rows (a packed dataset); DONE: the result */
} dsk_msg_chunk_t;

typedef struct {
    dsk_msg_type_t type;
    union {
        dsk_msg_register_t reg;
        dsk_msg_welcome_t welcome;
        dsk_msg_heartbeat_t heartbeat;
        dsk_msg_disconnect_t disconnect;
        dsk_msg_status_req_t status_req;
        dsk_msg_status_rep_t status_rep;
        dsk_msg_error_t error;
        dsk_msg_submit_t submit;
        dsk_msg_job_state_t job_state;
        dsk_msg_job_req_t job_req;
        dsk_msg_data_put_t data_put;
        dsk_msg_task_t task;
        dsk_msg_task_done_t task_done;
        dsk_msg_free_t free_;
        dsk_msg_chunk_t chunk;    /* CHUNK and CHUNK_DONE */
        dsk_msg_fetched_t fetched;
    } u;
} dsk_msg_t;

/* "REGISTER", ...; "UNKNOWN" for anything else. */
const char *dsk_msg_type_name(int type);

/*
 * Encodes msg. On success *buf is a malloc'd buffer of *len bytes that the
 * caller owns (free()). Fails with DSK_EINVAL when a field breaks a limit
 * (an over-long string, too many workers), so a peer never sends what the
 * other side would reject.
 */
int dsk_msg_encode(const dsk_msg_t *msg, char **buf, size_t *len, char *err);
/*
 * The same for a type whose last field is a bin (CHUNK, ...), but that
 * bin's bytes are written by fill straight into the frame (its dsk_bytes_t
 * in msg is not read): a 10 MB chunk is packed once, not packed and then
 * copied. fill returns 0, or non-zero to fail the encoding.
 */
struct msgpack_sbuffer;
int dsk_msg_encode_with(const dsk_msg_t *msg, int (*fill)(void *arg, struct msgpack_sbuffer *sb),
                        void *arg, char **buf, size_t *len, char *err);

/*
 * Decodes one frame into msg (overwritten). On success the caller owns
 * what msg points to and releases it with dsk_msg_clear. On failure msg
 * holds nothing to release and err says what is wrong and where, e.g.
 * "STATUS_REP field 5 (workers): element 3 field 1 (name) is 80 bytes, limit 64".
 * Errors: DSK_EPROTO (malformed), DSK_EVERSION (other version),
 * DSK_ETOOBIG (depth/size limits).
 */
int dsk_msg_decode(const void *buf, size_t len, dsk_msg_t *msg, char *err);

/*
 * True when buf starts like a dsk message (an array whose first element is
 * the signature), whatever follows. Lets a receiver tell a dsk peer that
 * sent a bad message (worth an ERROR reply) from noise (dropped silently).
 */
int dsk_msg_has_signature(const void *buf, size_t len);

/* Frees what a decoded (or hand-built) message owns; leaves it empty. */
void dsk_msg_clear(dsk_msg_t *msg);

#endif
