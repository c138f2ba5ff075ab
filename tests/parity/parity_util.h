/*
 * parity_util.h — what the parity suites share: where the real data is,
 * the golden files scikit-learn wrote (tests/parity/make_golden.py), and
 * the fingerprints both sides compute the same way.
 */
#ifndef PARITY_UTIL_H
#define PARITY_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The data home: $DSK_DATA_HOME, else ~/dsk_data. Fails the calling test
 * (with what to set) when the folder does not hold the test data.
 */
const char *pu_data_home(void);

/* tests/parity/golden/NAME.json (or $DSK_GOLDEN_DIR/NAME.json); fails the test if absent. */
json_t *pu_golden(const char *name);

/* FNV-1a, 64-bit, over bytes: the fingerprint make_golden.py computes too. */
uint64_t pu_fnv1a(const void *data, size_t len, uint64_t h);
#define PU_FNV_OFFSET 0xcbf29ce484222325ULL

/* A golden fingerprint is stored as a 16-hex-digit string; compare to h. */
int pu_hash_equals(json_t *golden_hex, uint64_t h);

#endif
