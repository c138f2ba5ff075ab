/*
 * ml_unicode.h — the slice of Python's Unicode behaviour the text analyzer
 * must reproduce exactly: UTF-8 decoding and encoding, re's \w for str
 * patterns (ch.isalnum() or ch == '_'), and str.lower() with its full
 * (one-to-many) mappings and the final-sigma rule. The tables come from the
 * reference Python's own unicodedata (ml/text/gen_unicode.py, ml_unicode_data.c;
 * the version is ml_unicode_version).
 *
 * No global mutable state; every function is thread-safe.
 */
#ifndef ML_UNICODE_H
#define ML_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/* ---- generated tables (ml_unicode_data.c); use the functions below ---- */
enum {
    ML_UCD_WORD = 1,            /* \w: isalnum() or '_' */
    ML_UCD_CASE_IGNORABLE = 2,  /* skipped by the final-sigma context */
    ML_UCD_CASED = 4,           /* cased and not case-ignorable */
    ML_UCD_MULTI = 8,           /* lower is an index into ml_ucd_lower_multi */
};
#define ML_UCD_SHIFT 7

typedef struct {
    int32_t flags;
    int32_t lower;              /* delta to the lowercase code point (or see MULTI) */
} ml_ucd_record_t;

extern const char ml_unicode_version[];
extern const ml_ucd_record_t ml_ucd_records[];
extern const uint32_t ml_ucd_lower_multi[][4]; /* {count, cp, cp, cp} */
extern const uint16_t ml_ucd_stage1[];
extern const uint16_t ml_ucd_stage2[];

static inline const ml_ucd_record_t *ml_ucd_get(uint32_t cp)
{
    if (cp > 0x10FFFF)
        cp = 0xFFFD;
    uint32_t blk = ml_ucd_stage1[cp >> ML_UCD_SHIFT];
    return &ml_ucd_records[ml_ucd_stage2[(blk << ML_UCD_SHIFT) |
                                         (cp & ((1u << ML_UCD_SHIFT) - 1))]];
}

/* ---- the API ---- */

/*
 * Decodes one code point of s[*pos..len) into *cp and advances *pos.
 * Returns 0, or -1 on invalid UTF-8 (overlong forms, surrogates, > U+10FFFF,
 * truncated sequences: what Python's strict utf-8 codec rejects).
 */
int ml_utf8_decode(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp);

/* Writes cp as UTF-8 into out (room for 4 bytes); returns the byte count. */
size_t ml_utf8_encode(uint32_t cp, char *out);

/* Python re's \w for str patterns. */
static inline int ml_unicode_is_word(uint32_t cp)
{
    if (cp < 128)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
               (cp >= '0' && cp <= '9') || cp == '_';
    return ml_ucd_get(cp)->flags & ML_UCD_WORD;
}

/*
 * str.lower() of the UTF-8 text s[0..len) into out, which must have room for
 * 2 * len bytes (no lowercase mapping more than doubles a character's
 * UTF-8 length). *out_len gets the bytes written; not NUL-terminated.
 * Returns 0, or -1 if s is not valid UTF-8 (then *out_len is the offset of
 * the bad byte in s).
 */
int ml_unicode_lower(const char *s, size_t len, char *out, size_t *out_len);

#endif
