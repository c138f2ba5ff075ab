/*
 * fuzz_model.c — libFuzzer target for the .dskm model loader (ml/ml_model.h): a model
 * file a user hands dsk-submit predict, or a client sends with a predict job. It loads into
 * a pipeline or is refused with an error; its labels and scorer are read as predict reads
 * them; nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ml_model.h"
#include "ml_pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[DSK_ERR_LEN] = "", scoring[64];
    ml_pipeline_t *p = NULL;
    (void)ml_model_unpack(data, size, "fuzz.dskm", &p, err);
    ml_pipeline_destroy(&p);
    ml_labels_kind_t kind;
    char **names = NULL;
    int32_t n = 0;
    if (ml_model_labels(data, size, &kind, &names, &n) == 1) {
        for (int32_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
    }
    (void)ml_model_scoring(data, size, scoring, sizeof scoring);
    return 0;
}
