/*
 * ml_term_dict.h — the text analyzer's dictionaries: open-addressing hash
 * tables (string keys with their first 8 bytes inline; token-id pairs),
 * the byte arenas behind them, and sorting a dictionary in Python's string
 * order (code point order = UTF-8 byte order).
 *
 * Internal to the text vectorizers (ml_tokenizer.c); the lookups the
 * analyzer runs per token are static inline here.
 *
 * Ownership: each struct owns its arrays (its _free releases them);
 * ml_td_sort_* return arrays the caller frees with dsk_big_free.
 * Allocation failure aborts.
 */
#ifndef ML_TERM_DICT_H
#define ML_TERM_DICT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "dsk_bigmem.h"

/*
 * Open addressing, linear probing, load <= 1/2. Lookups dominate the cost of
 * counting a corpus and are memory-bound, so a slot keeps the hash and the
 * id side by side (one cache line visit per probe).
 */
typedef struct {
    uint64_t key8; /* a dictionary key's first 8 bytes (0-padded), inline */
    uint32_t h;    /* hash; for dictionaries, its low byte is min(length, 255) */
    int32_t id;    /* id + 1; 0 = empty */
} ml_td_slot_t;

/* The slot a hash starts probing at (its low byte may hold a length). */
#define ML_TD_POS(h, mask) ((size_t)((h) >> 8) & (mask))

/* ml_td_grow for dsk_big_alloc's blocks (dsk_bigmem.h). */
void *ml_td_biggrow(void *p, size_t *cap, size_t need, size_t elem);

typedef struct {
    ml_td_slot_t *slot;
    size_t mask, count;
} ml_td_tab_t;

void ml_td_tab_init(ml_td_tab_t *t, size_t cap);
void ml_td_tab_free(ml_td_tab_t *t);
/* Adds id under hash h (the key is known to be absent); grows at 1/2 load. */
void ml_td_tab_add(ml_td_tab_t *t, uint32_t h, uint64_t key8, int32_t id);

/* A growable byte arena holding keys back to back. */
typedef struct {
    char *p;
    size_t len, cap;
} ml_td_bytes_t;

/* Appends n bytes, returns their offset. */
size_t ml_td_bytes_add(ml_td_bytes_t *b, const void *data, size_t n);
/* p with room for need elements of elem bytes (*cap updated). */
void *ml_td_grow(void *p, size_t *cap, size_t need, size_t elem);

/* A dictionary entry: where its string is. */
typedef struct {
    int64_t off;
    int64_t len;
} ml_td_ent_t;

/* A string -> id dictionary (the terms; the tokens; a stop list). */
typedef struct {
    ml_td_bytes_t bytes;
    ml_td_ent_t *ent;
    size_t n, cap;
    ml_td_tab_t tab;
} ml_td_dict_t;

void ml_td_dict_init(ml_td_dict_t *d);
void ml_td_dict_free(ml_td_dict_t *d);
/* A new entry for s[0..len), not entered in the hash table. */
int32_t ml_td_dict_append(ml_td_dict_t *d, const char *s, size_t len);

/* Equal bytes? Tokens are short: an inline loop beats a call to memcmp. */
static inline int ml_td_eq(const char *a, const char *b, size_t n)
{
    if (n > 16)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/*
 * The id of s[0..len) whose hash is h, adding it if new (*added = 1).
 * A key of up to 8 bytes is matched in the slot alone (its bytes and length
 * are there): most tokens are, and the entry and the bytes stay untouched.
 */
static inline int32_t ml_td_dict_intern_h(ml_td_dict_t *d, uint32_t h, const char *s, size_t len, int *added)
{
    uint64_t key8 = 0;
    memcpy(&key8, s, len < 8 ? len : 8);
    h = (h & ~0xFFu) | (uint32_t)(len < 255 ? len : 255);
    for (size_t i = ML_TD_POS(h, d->tab.mask); d->tab.slot[i].id; i = (i + 1) & d->tab.mask) {
        const ml_td_slot_t *sl = &d->tab.slot[i];
        if (sl->h != h || sl->key8 != key8)
            continue;
        int32_t id = sl->id - 1;
        if (len <= 8) {
            *added = 0;
            return id;
        }
        const ml_td_ent_t *e = &d->ent[id];
        if ((size_t)e->len == len && ml_td_eq(d->bytes.p + e->off, s, len)) {
            *added = 0;
            return id;
        }
    }
    int32_t id = ml_td_dict_append(d, s, len);
    ml_td_tab_add(&d->tab, h, key8, id);
    *added = 1;
    return id;
}

/*
 * A string's hash for the tables: 8 bytes at a time through a
 * multiply-xorshift mix, inline (most keys are short tokens: no call, no
 * dispatch on the length as in XXH3). The table position uses bits 8-31.
 */
static inline uint32_t ml_td_hash(const char *s, size_t len)
{
    uint64_t h = (uint64_t)len * 0x9E3779B97F4A7C15ULL, w;
    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    if (len) {
        w = 0;
        if (len & 4)
            memcpy(&w, s + (len & 3), 4);
        if (len & 2)
            w = w << 16 | (uint16_t)(s[len & 1] & 0xFF) | (uint16_t)((s[(len & 1) + 1] & 0xFF) << 8);
        if (len & 1)
            w = w << 8 | (uint8_t)s[0];
        h = (h ^ w) * 0x94D049BB133111EBULL;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return (uint32_t)(h >> 32);
}

static inline int32_t ml_td_dict_intern(ml_td_dict_t *d, const char *s, size_t len, int *added)
{
    return ml_td_dict_intern_h(d, ml_td_hash(s, len), s, len, added);
}

/*
 * Bigrams (the bulk of an ngram_range=(1, 2) dictionary) keyed by their two
 * token ids, key = (a << 32 | b) + 1, kept in the slot itself: one probe,
 * no key to fetch elsewhere. Load up to 3/4: this table is the largest.
 *
 * While token ids fit in 20 bits and terms in 24 (ML_TD_NARROW_*), a slot
 * is 8 bytes: ((a + 1) << 44 | b << 24 | term), 0 = empty; a table of a
 * million bigrams then stays within a 32 MiB L3 cache. The first pair or
 * term past those bounds turns the table into 16-byte slots (wide).
 */
#define ML_TD_NARROW_TOK (1u << 20)
#define ML_TD_NARROW_TERM (1u << 24)

typedef struct {
    uint64_t key; /* 0 = empty */
    int32_t term;
} ml_td_pair_slot_t;

typedef struct {
    uint64_t *narrow;           /* NULL once wide */
    ml_td_pair_slot_t *wide;
    size_t mask, count;
} ml_td_pairs_t;

static inline size_t ml_td_pair_hash(uint64_t k) { return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 20); }

/* The narrow tag of key (a + 1) << 20 | b; 0 when a pair does not fit. */
static inline uint64_t ml_td_pair_tag(uint64_t key)
{
    uint64_t a = (key - 1) >> 32, b = (key - 1) & 0xFFFFFFFFu;
    return a + 1 < ML_TD_NARROW_TOK && b < ML_TD_NARROW_TOK ? (a + 1) << 20 | b : 0;
}

void ml_td_pairs_init(ml_td_pairs_t *p, size_t cap);
void ml_td_pairs_free(ml_td_pairs_t *p);
void ml_td_pairs_put(ml_td_pairs_t *p, uint64_t key, int32_t term);

/* Where key's probe starts (for a prefetch). */
static inline const void *ml_td_pairs_home(const ml_td_pairs_t *p, uint64_t key)
{
    size_t i = ml_td_pair_hash(key) & p->mask;
    return p->narrow ? (const void *)&p->narrow[i] : (const void *)&p->wide[i];
}

/* key's term, or -1. */
static inline int32_t ml_td_pairs_get(const ml_td_pairs_t *p, uint64_t key)
{
    if (p->narrow) {
        uint64_t tag = ml_td_pair_tag(key);
        for (size_t i = ml_td_pair_hash(key) & p->mask; p->narrow[i]; i = (i + 1) & p->mask)
            if (p->narrow[i] >> 24 == tag)
                return (int32_t)(p->narrow[i] & (ML_TD_NARROW_TERM - 1));
        return -1;
    }
    for (size_t i = ml_td_pair_hash(key) & p->mask; p->wide[i].key; i = (i + 1) & p->mask)
        if (p->wide[i].key == key)
            return p->wide[i].term;
    return -1;
}

/* The ids of dictionary d in string order. */
int32_t *ml_td_sort_dict(const ml_td_dict_t *d);

/*
 * The order of n terms that are token pairs (term_tok[2i], term_tok[2i+1];
 * -1 for a unigram) over the tokens of toks, when tokens hold no byte <= ' '.
 */
int32_t *ml_td_sort_pairs(const ml_td_dict_t *toks, const int32_t *term_tok, size_t n);

#endif
