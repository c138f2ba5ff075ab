/*
 * fuzz_job_bytes.c — libFuzzer target for the decoders of what daemons hand each other
 * (jobs/): a packed dataset, packed data, a search's job spec, a SCORE task's result and a
 * moved task output. The first byte picks the decoder, the rest is its input. Each decodes
 * or refuses with an error; nothing leaks.
 */
#include <stdint.h>
#include <string.h>

#include "job_data.h"
#include "job_score.h"
#include "job_spec.h"
#include "job_task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *buf = data + 1;
    size_t len = size - 1;
    char err[DSK_ERR_LEN] = "";
    switch (data[0] % 5) {
    case 0: {
        ml_dataset_t *ds = NULL;
        if (job_dataset_unpack(buf, len, "fuzz", &ds, err) == DSK_OK)
            (void)job_dataset_bytes(ds);
        ml_dataset_destroy(&ds);
        break;
    }
    case 1: {
        ml_data_t *d = NULL;
        if (job_data_unpack(buf, len, "fuzz", &d, err) == DSK_OK)
            (void)job_data_bytes(d);
        ml_data_destroy(&d);
        break;
    }
    case 2: {
        job_spec_t *tj = NULL;
        (void)job_spec_unpack(buf, len, &tj, err);
        job_spec_destroy(&tj);
        break;
    }
    case 3: {
        job_score_t s;
        (void)job_score_unpack(buf, len, &s, err);
        break;
    }
    default: {
        job_output_t out;
        memset(&out, 0, sizeof out);
        if (job_output_unpack(buf, len, &out, err) == DSK_OK && out.destroy)
            out.destroy(out.obj);
        break;
    }
    }
    return 0;
}
