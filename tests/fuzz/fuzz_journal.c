/*
 * fuzz_journal.c — libFuzzer target for the scheduler's job journal replay
 * (scheduler/sch_journal.h): a file on disk that a crash, a full disk or a
 * bad block may have left in any state. The input becomes DIR/journal; the
 * scheduler's open replays what reads as records (each live job handed to
 * the callback, whose bytes are read through), cuts off the rest with a
 * message, compacts, and closes; nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsk_log.h"
#include "sch_journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t s_sum;

static void s_touch(void *arg, const sch_journal_job_t *job)
{
    const dsk_bytes_t *parts[] = {&job->job, &job->data, &job->result, &job->model};
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < parts[k]->len; i++)
            s_sum += parts[k]->data[i];
    s_sum += strlen(job->name) + strlen(job->owner) + strlen(job->text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/dsk-fuzz-journal-%d", (int)getpid());
        dsk_log_set_level(DSK_LOG_ERROR + 1); /* every input is refused somewhere: quiet */
    }
    char path[128];
    snprintf(path, sizeof path, "%s/journal", dir);
    mkdir(dir, 0700);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    char err[DSK_ERR_LEN];
    sch_journal_t *jr = sch_journal_open(dir, s_touch, NULL, err);
    sch_journal_close(&jr);
    return 0;
}
