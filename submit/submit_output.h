/*
 * submit_output.h — where dsk-submit writes what it writes: the result
 * JSON, the cv_results CSV, a model, predictions.
 *
 * An output is named by a path, opened once, written through a stdio
 * stream and then committed or abandoned:
 *
 *   "-"                   standard output;
 *   a regular file, or    a temporary file beside the target, renamed over
 *   a path not there yet  it on commit: a failed run never leaves half a
 *                         file, and the old file stays until the new one
 *                         is complete; abandoning removes the temporary;
 *   anything else that    (a character or block device, a FIFO, a socket)
 *   is not a directory    opened and written straight into: no temporary,
 *                         no rename, no unlink, ever, so `--out /dev/null`
 *                         or `--out some.fifo` stays what it was;
 *   a directory           refused.
 *
 * A symlink is followed to the end of its chain: the link's target is what
 * is written or replaced, the link stays a link. Every error names the
 * path as the user gave it, and the system's reason.
 */
#ifndef SUBMIT_OUTPUT_H
#define SUBMIT_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "dsk_error.h"

typedef struct submit_output submit_output_t;

/*
 * Whether path can be written, checked before any work is done (so a typo
 * does not waste a search): 0, or DSK_EINVAL with "cannot write PATH: it is
 * a directory" (or the system's reason: a missing or read-only directory)
 * in err. Nothing is created or opened. NULL path: 0.
 */
int submit_output_check(const char *path, char *err);

/*
 * Opens path for writing as above. Caller owns the output: end it with
 * submit_output_commit or submit_output_destroy. NULL with err filled when
 * it cannot be opened. Opening a FIFO waits for its reader.
 */
submit_output_t *submit_output_new(const char *path, char *err);

/* The stream to write into; the output owns it. */
FILE *submit_output_file(submit_output_t *self);

/*
 * 0, or DSK_EIO with "cannot write PATH: reason" once a write into the
 * stream has failed (a full disk, a reader gone), so a long writer can stop
 * early instead of learning it at commit. Writes are buffered: a failure
 * shows when a buffer's worth has gone out.
 */
int submit_output_error(const submit_output_t *self, char *err);

/* 1 when path names standard output ("-"). */
int submit_output_is_stdout(const char *path);

/*
 * Ends the output and destroys it (*self_p NULLed): flushes, and for a
 * regular file syncs the temporary and renames it over the target. 0, or
 * DSK_EIO with "cannot write PATH: reason" in err — after any write error
 * seen on the way — and then a temporary is removed, not renamed.
 */
int submit_output_commit(submit_output_t **self_p, char *err);

/*
 * Abandons the output (a failed run) and destroys it: a temporary is
 * removed, the target is left as it was. NULL or *NULL: nothing to do.
 */
void submit_output_destroy(submit_output_t **self_p);

/* new + len bytes + commit: a whole buffer to path. 0 or a DSK_E* with err. */
int submit_output_write(const char *path, const void *data, size_t len, char *err);

#endif
