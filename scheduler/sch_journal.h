/*
 * sch_journal.h — the scheduler's job journal: every accepted job, with
 * its dataset, on disk before its client hears "accepted", so a scheduler
 * killed and started again resumes the jobs it had (as Slurm's and
 * HTCondor's controllers do).
 *
 * One append-only file, DIR/journal, of checksummed records:
 *
 *   DATA  a dataset (or a predict's model) by content key, once per key
 *   JOB   an accepted SUBMIT: id, client token, owner key, kind, name, the
 *         job file's text and the key of its data
 *   END   a job finished: state, text, result JSON, model bytes
 *   DROP  a finished job the scheduler let go (keep-finished)
 *
 * Task outputs are not journaled: a resumed job runs its tasks again. A
 * journaled dataset's bytes are read back as a map of the file
 * (sch_journal_map), so the scheduler's copy of it, which it places on
 * workers, lives in the page cache instead of the heap.
 * Appends are buffered by the kernel and made durable by sch_journal_sync,
 * which the server calls once per batch of messages before anything it
 * answered in that batch leaves (group commit: many small jobs, one
 * fdatasync).
 *
 * Opening replays the file. A record cut short or failing its checksum at
 * the end (a crash mid-append) is cut off with a warning; one in the middle
 * ends the replay there, with an error naming its offset, and the file is
 * cut there too. The live records are then written to a fresh file that
 * replaces the old one, so finished-and-dropped jobs and datasets no job
 * uses no longer take room.
 *
 * Record: [u32 magic "DSKJ"][u32 type][u64 payload length][u64 XXH3 of the
 * type, length and payload][payload: one msgpack array].
 */
#ifndef SCH_JOURNAL_H
#define SCH_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dsk_keys.h"
#include "dsk_msg.h"

typedef struct sch_journal sch_journal_t;

/* A job as the journal has it, for replay; bytes point into the journal's map. */
typedef struct {
    uint64_t id, token;
    char owner[DSK_KEY_Z85_LEN + 1];
    uint32_t kind;
    char name[DSK_NAME_MAX + 1];
    dsk_bytes_t job, data;
    int ended;                  /* an END came: what follows is its */
    uint32_t state;
    char text[DSK_TEXT_MAX + 1];
    dsk_bytes_t result, model;
    uint64_t fits_done, fits_total;
} sch_journal_job_t;

/*
 * Opens DIR/journal (making DIR and the file as needed), replays it and
 * compacts it. Then each live job goes to fn, oldest first, before this
 * returns. NULL with err when the directory cannot be used.
 */
sch_journal_t *sch_journal_open(const char *dir,
                                void (*fn)(void *arg, const sch_journal_job_t *job),
                                void *arg, char *err);
void sch_journal_close(sch_journal_t **jr_p);

/* The highest job id journaled (ids continue after it). */
uint64_t sch_journal_last_id(const sch_journal_t *jr);
/*
 * Appends the DATA of bytes unless its content key (into key, JOB_KEY_LEN
 * + 1 bytes) is journaled already: before the job's kind takes the bytes.
 */
int sch_journal_data(sch_journal_t *jr, const void *bytes, size_t len, char *key, char *err);
/* Appends a JOB: sub's kind, name and job text, its data by the key sch_journal_data gave. */
int sch_journal_job(sch_journal_t *jr, uint64_t id, uint64_t token, const char *owner,
                    const dsk_msg_submit_t *sub, const char *key, char *err);
int sch_journal_end(sch_journal_t *jr, uint64_t id, uint32_t state, const char *text,
                    const char *result, size_t result_len, const void *model, size_t model_len,
                    uint64_t fits_done, uint64_t fits_total, char *err);
int sch_journal_drop(sch_journal_t *jr, uint64_t id, char *err);
/*
 * The bytes of key's DATA as a read-only map of the journal file (the page
 * cache holds them, not the heap): *bytes, *len; sch_journal_unmap lets go.
 * DSK_ENOTFOUND when key was not journaled in this file.
 */
int sch_journal_map(sch_journal_t *jr, const char *key, unsigned char **bytes, size_t *len,
                    char *err);
void sch_journal_unmap(unsigned char *bytes, size_t len);
/* The datasets in the journal file, by index (0 .. count-1): their keys. */
size_t sch_journal_data_count(const sch_journal_t *jr);
const char *sch_journal_data_key(const sch_journal_t *jr, size_t i);
/* Whether appends wait for sch_journal_sync. */
int sch_journal_dirty(const sch_journal_t *jr);
/* Makes every append so far durable (fdatasync); nothing to do when clean. */
int sch_journal_sync(sch_journal_t *jr, char *err);
/* Bytes in the journal file. */
uint64_t sch_journal_bytes(const sch_journal_t *jr);

#endif
