/*
 * fuzz_job_file.c — libFuzzer target for the job-file parser (jobs/job_file.h): what a
 * client sends as a job's JSON. Every input parses into a job or fails with an error that
 * names where; nothing leaks either way.
 */
#include <stdint.h>
#include <string.h>

#include "job_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[DSK_ERR_LEN] = "";
    job_t *job = NULL;
    if (job_parse_text((const char *)data, size, "fuzz.json", &job, err) < 0) {
        if (job || strncmp(err, "fuzz.json", 9) != 0)
            __builtin_trap(); /* a refusal leaves nothing and says where */
        return 0;
    }
    job_destroy(&job);
    return 0;
}
