/* ml_term_dict.c — hash tables, byte arenas and string-order sorting for the analyzer. */
#include "ml_term_dict.h"

#include <stdint.h>
#include <stdlib.h>

#include "dsk_alloc.h"
#include "dsk_bigmem.h"

void *ml_td_biggrow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t ncap = need * 2 + 64;
    void *q = dsk_big_alloc(ncap * elem);
    if (p)
        memcpy(q, p, *cap * elem);
    dsk_big_free(p);
    *cap = ncap;
    return q;
}

void ml_td_tab_init(ml_td_tab_t *t, size_t cap)
{
    t->mask = cap - 1;
    t->count = 0;
    t->slot = dsk_big_zalloc(cap * sizeof *t->slot);
}

void ml_td_tab_free(ml_td_tab_t *t) { dsk_big_free(t->slot); }

/* Adds id under hash h (the key is known to be absent); grows at 1/2 load. */
void ml_td_tab_add(ml_td_tab_t *t, uint32_t h, uint64_t key8, int32_t id)
{
    if (2 * (t->count + 1) > t->mask + 1) {
        ml_td_tab_t n;
        ml_td_tab_init(&n, 2 * (t->mask + 1));
        for (size_t i = 0; i <= t->mask; i++)
            if (t->slot[i].id)
                ml_td_tab_add(&n, t->slot[i].h, t->slot[i].key8, t->slot[i].id - 1);
        ml_td_tab_free(t);
        *t = n;
    }
    size_t i = ML_TD_POS(h, t->mask);
    while (t->slot[i].id)
        i = (i + 1) & t->mask;
    t->slot[i] = (ml_td_slot_t){key8, h, id + 1};
    t->count++;
}

size_t ml_td_bytes_add(ml_td_bytes_t *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 4096;
        b->p = dsk_xrealloc(b->p, b->cap, 1);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return b->len - n;
}

void *ml_td_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    *cap = need * 2 + 64;
    p = dsk_xrealloc(p, *cap * elem, 1);
    return p;
}

void ml_td_dict_init(ml_td_dict_t *d)
{
    memset(d, 0, sizeof *d);
    ml_td_tab_init(&d->tab, 1024);
}

void ml_td_dict_free(ml_td_dict_t *d)
{
    free(d->bytes.p);
    free(d->ent);
    ml_td_tab_free(&d->tab);
}

/* A new entry for s[0..len), not entered in the hash table. */
int32_t ml_td_dict_append(ml_td_dict_t *d, const char *s, size_t len)
{
    d->ent = ml_td_grow(d->ent, &d->cap, d->n + 1, sizeof *d->ent);
    d->ent[d->n] = (ml_td_ent_t){(int64_t)ml_td_bytes_add(&d->bytes, s, len), (int64_t)len};
    return (int32_t)d->n++;
}

void ml_td_pairs_init(ml_td_pairs_t *p, size_t cap)
{
    p->mask = cap - 1;
    p->count = 0;
    p->wide = NULL;
    p->narrow = dsk_big_zalloc(cap * sizeof *p->narrow);
}

void ml_td_pairs_free(ml_td_pairs_t *p)
{
    dsk_big_free(p->narrow);
    dsk_big_free(p->wide);
    p->narrow = NULL;
    p->wide = NULL;
}

/* The key and term a narrow slot holds. */
static void s_narrow_unpack(uint64_t v, uint64_t *key, int32_t *term)
{
    uint64_t a = (v >> 44) - 1, b = (v >> 24) & (ML_TD_NARROW_TOK - 1);
    *key = (a << 32 | b) + 1;
    *term = (int32_t)(v & (ML_TD_NARROW_TERM - 1));
}

/* Rebuilds p with cap slots, wide or narrow (its entries must fit). */
static void s_pairs_rebuild(ml_td_pairs_t *p, size_t cap, int wide)
{
    ml_td_pairs_t n = {NULL, NULL, cap - 1, 0};
    if (wide)
        n.wide = dsk_big_zalloc(cap * sizeof *n.wide);
    else
        n.narrow = dsk_big_zalloc(cap * sizeof *n.narrow);
    for (size_t i = 0; i <= p->mask; i++) {
        uint64_t key;
        int32_t term;
        if (p->narrow && p->narrow[i])
            s_narrow_unpack(p->narrow[i], &key, &term);
        else if (p->wide && p->wide[i].key)
            key = p->wide[i].key, term = p->wide[i].term;
        else
            continue;
        ml_td_pairs_put(&n, key, term);
    }
    ml_td_pairs_free(p);
    *p = n;
}

void ml_td_pairs_put(ml_td_pairs_t *p, uint64_t key, int32_t term)
{
    uint64_t tag = ml_td_pair_tag(key);
    if (p->narrow && (tag == 0 || (uint64_t)term >= ML_TD_NARROW_TERM))
        s_pairs_rebuild(p, p->mask + 1, 1);
    if (4 * (p->count + 1) > 3 * (p->mask + 1))
        s_pairs_rebuild(p, 2 * (p->mask + 1), p->narrow == NULL);
    size_t i = ml_td_pair_hash(key) & p->mask;
    if (p->narrow) {
        while (p->narrow[i])
            i = (i + 1) & p->mask;
        p->narrow[i] = tag << 24 | (uint64_t)term;
    } else {
        while (p->wide[i].key)
            i = (i + 1) & p->mask;
        p->wide[i] = (ml_td_pair_slot_t){key, term};
    }
    p->count++;
}

/* ----------------------------------------------------------------- sorting */

typedef struct {
    uint64_t key; /* bytes [8 depth, 8 depth + 8) of the term, big-endian, 0-padded */
    int32_t id;
} s_item_t;

static uint64_t s_chunk(const ml_td_dict_t *d, int32_t id, size_t depth)
{
    const unsigned char *p = (const unsigned char *)d->bytes.p + d->ent[id].off;
    size_t off = depth * 8, len = (size_t)d->ent[id].len;
    uint64_t k = 0;
    for (size_t j = 0; j < 8; j++)
        k = (k << 8) | (off + j < len ? p[off + j] : 0);
    return k;
}

/* Python's str comparison on UTF-8: bytes, then the shorter first. */
static int s_term_cmp(const ml_td_dict_t *d, int32_t a, int32_t b)
{
    size_t la = (size_t)d->ent[a].len, lb = (size_t)d->ent[b].len;
    int c = memcmp(d->bytes.p + d->ent[a].off, d->bytes.p + d->ent[b].off, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

static void s_insertion(const ml_td_dict_t *d, s_item_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        s_item_t x = v[i];
        size_t j = i;
        while (j > 0 && s_term_cmp(d, v[j - 1].id, x.id) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/*
 * Multikey quicksort with 8-byte "characters": three-way partitions on the
 * cached chunk at this depth, the equal part goes one chunk deeper (terms
 * already ended there sort first: they are prefixes of the others).
 * Keys in a contiguous array keep the million-term sort of a bigram
 * vocabulary fast.
 */
static void s_mkqsort(const ml_td_dict_t *d, s_item_t *v, size_t n, size_t depth)
{
    while (n > 16) {
        uint64_t a = v[0].key, b = v[n / 2].key, c = v[n - 1].key;
        uint64_t p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t lt = 0, i = 0, gt = n;
        while (i < gt) {
            if (v[i].key < p) {
                s_item_t t = v[lt];
                v[lt++] = v[i];
                v[i++] = t;
            } else if (v[i].key > p) {
                s_item_t t = v[--gt];
                v[gt] = v[i];
                v[i] = t;
            } else {
                i++;
            }
        }
        s_mkqsort(d, v, lt, depth);
        size_t ended = lt, lim = 8 * (depth + 1);
        for (size_t k = lt; k < gt; k++)
            if ((size_t)d->ent[v[k].id].len <= lim) {
                s_item_t t = v[ended];
                v[ended++] = v[k];
                v[k] = t;
            }
        s_insertion(d, v + lt, ended - lt);
        for (size_t k = ended; k < gt; k++)
            v[k].key = s_chunk(d, v[k].id, depth + 1);
        s_mkqsort(d, v + ended, gt - ended, depth + 1);
        v += gt;
        n -= gt;
    }
    s_insertion(d, v, n);
}

/* The dictionary d in string order (its ids). */
int32_t *ml_td_sort_dict(const ml_td_dict_t *d)
{
    s_item_t *v = dsk_big_alloc(d->n * sizeof *v);
    int32_t *out = dsk_big_alloc(d->n * sizeof *out);
    for (size_t i = 0; i < d->n; i++)
        v[i] = (s_item_t){s_chunk(d, (int32_t)i, 0), (int32_t)i};
    s_mkqsort(d, v, d->n, 0);
    for (size_t i = 0; i < d->n; i++)
        out[i] = v[i].id;
    dsk_big_free(v);
    return out;
}

/*
 * LSD radix sort of v[0..n) by key = hi << bits | lo (hi, lo < 2^bits):
 * digits of up to 20 bits, so with up to a million tokens two counting
 * passes whose digits are the two ranks themselves.
 */
static void s_radix2(s_item_t *v, size_t n, int bits)
{
    int w = bits <= 20 ? bits : (2 * bits + 3) / 4;
    size_t nb = (size_t)1 << w;
    s_item_t *tmp = dsk_xmalloc((n ? n : 1) * sizeof *tmp);
    size_t *count = dsk_xmalloc(nb * sizeof *count);
    uint64_t mask = nb - 1;
    for (int shift = 0; shift < 2 * bits; shift += w) {
        memset(count, 0, nb * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(v[i].key >> shift) & mask]++;
        size_t sum = 0;
        for (size_t k = 0; k < nb; k++) {
            size_t x = count[k];
            count[k] = sum;
            sum += x;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i].key >> shift) & mask]++] = v[i];
        memcpy(v, tmp, n * sizeof *v);
    }
    free(tmp);
    free(count);
}

/*
 * With the default pattern and n-grams of at most two tokens, a term's
 * string order is the order of its (first token, second token) pair by
 * token string order (tokens hold no byte <= ' ', so "a b" sorts as the pair
 * and a prefix first): sort the far fewer tokens as strings, then the terms
 * by a radix sort on the two token ranks.
 */
/*
 * LSD radix sort of packed words v[0..n) on bits [lo, lo + 2 * bits) (the
 * two ranks), one rank per pass when ranks fit in 20 bits. Words of 8 bytes
 * move half the memory of (key, id) items: the packed path of sort_pairs.
 */
static void s_radix_packed(uint64_t *v, size_t n, int lo, int bits)
{
    int w = bits <= 20 ? bits : (2 * bits + 3) / 4;
    size_t nb = (size_t)1 << w;
    uint64_t *tmp = dsk_big_alloc(n * sizeof *tmp), *src = v, *dst = tmp;
    size_t *count = dsk_xmalloc(nb * sizeof *count);
    for (int shift = lo; shift < lo + 2 * bits; shift += w) {
        memset(count, 0, nb * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & (nb - 1)]++;
        size_t sum = 0;
        for (size_t k = 0; k < nb; k++) {
            size_t x = count[k];
            count[k] = sum;
            sum += x;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & (nb - 1)]++] = src[i];
        uint64_t *x = src;
        src = dst;
        dst = x;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    dsk_big_free(tmp);
    free(count);
}

int32_t *ml_td_sort_pairs(const ml_td_dict_t *toks, const int32_t *term_tok, size_t n)
{
    int32_t *tok_order = ml_td_sort_dict(toks);
    uint32_t *rank = dsk_big_alloc(toks->n * sizeof *rank);
    s_item_t *v = NULL;
    int32_t *out = dsk_big_alloc(n * sizeof *out);
    int bits = 1;
    while (bits < 32 && ((uint64_t)toks->n + 1) >> bits)
        bits++;
    for (size_t k = 0; k < toks->n; k++)
        rank[tok_order[k]] = (uint32_t)k + 1;
    int idbits = 1;
    while (idbits < 32 && ((uint64_t)n >> idbits) != 0)
        idbits++;
    if (2 * bits + idbits <= 64) {
        uint64_t *pk = dsk_big_alloc(n * sizeof *pk);
        for (size_t i = 0; i < n; i++) {
            int32_t t0 = term_tok[2 * i], t1 = term_tok[2 * i + 1];
            uint64_t key = (uint64_t)rank[t0] << bits | (t1 >= 0 ? rank[t1] : 0);
            pk[i] = key << idbits | i;
        }
        s_radix_packed(pk, n, idbits, bits);
        for (size_t i = 0; i < n; i++)
            out[i] = (int32_t)(pk[i] & (((uint64_t)1 << idbits) - 1));
        dsk_big_free(tok_order);
        dsk_big_free(rank);
        dsk_big_free(pk);
        return out;
    }
    v = dsk_xmalloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        int32_t t0 = term_tok[2 * i], t1 = term_tok[2 * i + 1];
        v[i] = (s_item_t){(uint64_t)rank[t0] << bits | (t1 >= 0 ? rank[t1] : 0), (int32_t)i};
    }
    s_radix2(v, n, bits);
    for (size_t i = 0; i < n; i++)
        out[i] = v[i].id;
    dsk_big_free(tok_order);
    dsk_big_free(rank);
    free(v);
    return out;
}
