/*
 * fuzz_numeric.c — libFuzzer target for the readers of numbers in files (ml/io/): .npy
 * (1-D and 2-D), CSV blocks (with and without a header and a label column) and svmlight
 * blocks (scanned, then decoded as the loader does). The first byte picks the reader and
 * its options. Each reads or refuses with an error that names the input; nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ml_load.h"
#include "ml_load_numeric.h"
#include "ml_npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_free_texts(char **t, int64_t n)
{
    for (int64_t i = 0; t && i < n; i++)
        free(t[i]);
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    char err[DSK_ERR_LEN] = "";
    int opt = data[0];
    switch (opt % 3) {
    case 0: {
        ml_npy_t n;
        double *out = NULL;
        (void)ml_npy_decode("fuzz.npy", buf, len, 1 + (opt / 3) % 2, &n, &out, err);
        free(out);
        break;
    }
    case 1: {
        ml_dataset_t *ds = NULL;
        char **labels = NULL;
        int64_t ncols = -1;
        int64_t label_col = (opt / 3) % 2 ? -1 : ML_CSV_NO_LABEL;
        int rc = ml_csv_decode("fuzz.csv", 1, buf, len, (opt / 6) % 3, label_col, &ncols, &ds,
                               &labels, err);
        s_free_texts(labels, rc == DSK_OK && ds ? ds->X->nrows : 0);
        ml_dataset_destroy(&ds);
        break;
    }
    default: {
        int64_t rows = 0, lo = INT64_MAX, hi = INT64_MIN;
        double *labels = NULL;
        if (ml_svmlight_scan("fuzz.svm", 1, buf, len, &rows, &lo, &hi, &labels, err) == DSK_OK &&
            hi < (1 << 20)) {
            free(labels);
            labels = NULL;
            ml_dataset_t *ds = NULL;
            int64_t shift = (opt / 3) % 2 && lo >= 1 ? 1 : 0;
            (void)ml_svmlight_decode("fuzz.svm", 1, buf, len, shift,
                                     hi >= shift ? hi - shift + 1 : 0, &ds, &labels, err);
            ml_dataset_destroy(&ds);
        }
        free(labels);
        break;
    }
    }
    return 0;
}
