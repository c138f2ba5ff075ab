/*
 * fuzz_archive.c — libFuzzer target for the archive readers (ml/io/): a tar (gzip'd or
 * not, as the 20 newsgroups archive is read) walked member by member and read, and a zip
 * (an .npz) whose members are read whole and as a stream. The readers take a path, so the
 * input is handed over as a memory file. The first byte picks the reader.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ml_tar.h"
#include "ml_zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_tar(const char *path)
{
    char err[DSK_ERR_LEN] = "";
    ml_tar_t *t = NULL;
    if (ml_tar_open(path, &t, err) != DSK_OK)
        return;
    ml_tar_entry_t e;
    for (int i = 0; i < 64 && ml_tar_next(t, &e, err) == 1; i++) {
        char *buf = NULL;
        size_t len = 0;
        if (e.type == ML_TAR_FILE && i % 2 == 0 && ml_tar_read(t, &buf, &len, err) == DSK_OK)
            free(buf);
    }
    ml_tar_destroy(&t);
}

static void s_zip(const char *path)
{
    static const char *const names[] = {"data.npy", "indices.npy", "indptr.npy", "shape.npy",
                                        "format.npy", "arr_0.npy"};
    char err[DSK_ERR_LEN] = "";
    ml_zip_t *z = NULL;
    if (ml_zip_open(path, &z, err) == DSK_OK) {
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            unsigned char *buf = NULL;
            size_t len = 0;
            if (ml_zip_read(z, names[i], &buf, &len, err) == DSK_OK)
                free(buf);
        }
        ml_zip_destroy(&z);
    }
    ml_zip_member_t *m = NULL;
    if (ml_zip_member_open(path, "data.npy", &m, err) == DSK_OK) {
        unsigned char chunk[4096];
        for (int i = 0; i < 16 && ml_zip_member_read(m, chunk, sizeof chunk, err) == DSK_OK; i++)
            ;
        ml_zip_member_close(&m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int fd = memfd_create("fuzz", 0);
    if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (data[0] % 2)
        s_zip(path);
    else
        s_tar(path);
    close(fd);
    return 0;
}
