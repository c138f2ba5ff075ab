/* ml_unicode.c — UTF-8 and the Python str behaviours the analyzer needs. */
#include "ml_unicode.h"

#include <string.h>

int ml_utf8_decode(const unsigned char *s, size_t len, size_t *pos, uint32_t *cp)
{
    size_t i = *pos;
    uint32_t c = s[i];
    if (c < 0x80) {
        *cp = c;
        *pos = i + 1;
        return 0;
    }
    int n;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1, min = 0x80, c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2, min = 0x800, c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3, min = 0x10000, c &= 0x07;
    } else {
        return -1;
    }
    if (len - i <= (size_t)n)
        return -1;
    for (int k = 1; k <= n; k++) {
        uint32_t b = s[i + (size_t)k];
        if ((b & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (b & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *cp = c;
    *pos = i + (size_t)n + 1;
    return 0;
}

size_t ml_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * CPython's handle_capital_sigma: the sigma at src[at..) is final when the
 * nearest non-case-ignorable character before it is cased and the nearest
 * one after it is not (or there is none). Looked up only when a capital
 * sigma occurs, as CPython does, so the common path keeps no state.
 */
static int s_final_sigma(const unsigned char *s, size_t len, size_t at, size_t after)
{
    int cased_before = 0;
    size_t j = at;
    while (j > 0) {
        size_t k = j - 1;
        while (k > 0 && (s[k] & 0xC0) == 0x80)
            k--;
        size_t pos = k;
        uint32_t cp;
        if (ml_utf8_decode(s, len, &pos, &cp) != 0)
            return 0;
        int32_t f = ml_ucd_get(cp)->flags;
        if (!(f & ML_UCD_CASE_IGNORABLE)) {
            cased_before = (f & ML_UCD_CASED) != 0;
            break;
        }
        j = k;
    }
    if (!cased_before)
        return 0;
    for (size_t pos = after; pos < len;) {
        uint32_t cp;
        if (ml_utf8_decode(s, len, &pos, &cp) != 0)
            return 1;
        int32_t f = ml_ucd_get(cp)->flags;
        if (!(f & ML_UCD_CASE_IGNORABLE))
            return !(f & ML_UCD_CASED);
    }
    return 1;
}

/* Eight ASCII bytes lowercased at once: 0x20 added to each byte in 'A'..'Z'. */
static inline uint64_t s_lower8(uint64_t x)
{
    const uint64_t hi = 0x8080808080808080ULL;
    uint64_t ge_a = x + 0x3F3F3F3F3F3F3F3FULL;  /* high bit: byte >= 'A' */
    uint64_t gt_z = x + 0x2525252525252525ULL;  /* high bit: byte > 'Z' */
    return x | (((ge_a & ~gt_z) & hi) >> 2);
}

/*
 * str.lower(): ASCII eight bytes at a time, everything else through the
 * generated full mapping, capital sigma by its context.
 */
int ml_unicode_lower(const char *src, size_t len, char *out, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, o = 0;
    while (i < len) {
        if (i + 8 <= len) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!(x & 0x8080808080808080ULL)) {
                x = s_lower8(x);
                memcpy(out + o, &x, 8);
                i += 8;
                o += 8;
                continue;
            }
        }
        unsigned char b = s[i];
        if (b < 0x80) {
            out[o++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            i++;
            continue;
        }
        size_t start = i;
        uint32_t cp;
        if (ml_utf8_decode(s, len, &i, &cp) != 0) {
            *out_len = start;
            return -1;
        }
        const ml_ucd_record_t *r = ml_ucd_get(cp);
        if (cp == 0x03A3) {
            o += ml_utf8_encode(s_final_sigma(s, len, start, i) ? 0x03C2 : 0x03C3, out + o);
        } else if (r->flags & ML_UCD_MULTI) {
            const uint32_t *m = ml_ucd_lower_multi[r->lower];
            for (uint32_t k = 0; k < m[0]; k++)
                o += ml_utf8_encode(m[1 + k], out + o);
        } else {
            o += ml_utf8_encode((uint32_t)((int32_t)cp + r->lower), out + o);
        }
    }
    *out_len = o;
    return 0;
}
