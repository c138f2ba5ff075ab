/* ml_doc_counts.c — a corpus tokenized and counted once: per-document (term, count) lists. */
#include "ml_doc_counts.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "ml_pack.h"
#include "ml_term_dict.h"
#include "ml_tokenizer.h"

struct ml_doc_counts {
    ml_analyzer_cfg_t cfg;
    uint64_t serial;          /* identifies this object for a fitted map cache */
    int64_t ndocs;
    int32_t nterms;
    int64_t *indptr;          /* ndocs + 1 */
    int32_t *ids;             /* term ids, ascending within a document */
    int32_t *cnt;
    /*
     * The terms' strings (ids in Python string order): the analyzer,
     * compacted and renumbered, keeps them (as token pairs for the default
     * pattern, built only for the terms a vocabulary keeps).
     */
    ml_analyzer_t *a;
    /* or, for counts that came from another process: the terms back to back */
    char *terms;
    int64_t *term_off;        /* nterms + 1 */
    size_t max_len;           /* at least the longest term's length, in bytes */
};

static atomic_uint_fast64_t s_serial = 1;

int64_t ml_doc_counts_ndocs(const ml_doc_counts_t *c) { return c->ndocs; }
int32_t ml_doc_counts_nterms(const ml_doc_counts_t *c) { return c->nterms; }
const ml_analyzer_cfg_t *ml_doc_counts_cfg(const ml_doc_counts_t *c) { return &c->cfg; }

void ml_doc_counts_destroy(ml_doc_counts_t **c_p)
{
    ml_doc_counts_t *c = *c_p;
    if (!c)
        return;
    ml_analyzer_cfg_clear(&c->cfg);
    free(c->indptr);
    dsk_big_free(c->ids);
    dsk_big_free(c->cnt);
    ml_analyzer_destroy(&c->a);
    dsk_big_free(c->terms);
    free(c->term_off);
    free(c);
    *c_p = NULL;
}

/*
 * Sorts a document's term ranks (with repeats; ranks < 2^nbits) and returns
 * where the sorted ranks are (v or tmp): insertion sort when short, else
 * LSD radix whose digit width b minimizes passes * (2n + 2^b), so a short
 * document does not pay for clearing and summing big count tables; the
 * passes alternate between the two buffers instead of copying back.
 */
static uint32_t *s_sort_doc(uint32_t *v, uint32_t *tmp, size_t n, int nbits)
{
    if (n <= 48) {
        for (size_t i = 1; i < n; i++) {
            uint32_t x = v[i];
            size_t k = i;
            for (; k > 0 && v[k - 1] > x; k--)
                v[k] = v[k - 1];
            v[k] = x;
        }
        return v;
    }
    int b = 11;
    size_t best = SIZE_MAX;
    for (int w = 6; w <= 11; w++) {
        size_t cost = (size_t)((nbits + w - 1) / w) * (2 * n + ((size_t)1 << w));
        if (cost < best) {
            best = cost;
            b = w;
        }
    }
    uint32_t count[2048], mask = (1u << b) - 1;
    for (int shift = 0; shift < nbits; shift += b) {
        memset(count, 0, ((size_t)mask + 1) * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(v[i] >> shift) & mask]++;
        uint32_t sum = 0;
        for (size_t k = 0; k <= mask; k++) {
            uint32_t c = count[k];
            count[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(v[i] >> shift) & mask]++] = v[i];
        uint32_t *x = v;
        v = tmp;
        tmp = x;
    }
    return v;
}

/*
 * Renumbers the terms in string order (the analyzer hands them out in
 * first-seen order) and turns each document's term occurrences into sorted
 * (term, count) entries: map to ranks, sort, count runs. Entries never
 * outnumber occurrences, so the arrays are compacted in place.
 */
static void s_renumber(ml_doc_counts_t *c, ml_analyzer_t *a)
{
    int32_t *order = ml_analyzer_sorted_ids(a);
    uint32_t *rank = dsk_big_alloc((size_t)c->nterms * sizeof *rank);
    for (int32_t k = 0; k < c->nterms; k++)
        rank[order[k]] = (uint32_t)k;
    ml_analyzer_renumber(a, order);
    dsk_big_free(order);
    uint32_t *keys = NULL, *tmp = NULL;
    size_t kcap = 0;
    int nbits = 1;
    while (nbits < 32 && ((uint64_t)c->nterms >> nbits) != 0)
        nbits++;
    int64_t o = 0;
    for (int64_t d = 0; d < c->ndocs; d++) {
        int64_t b = c->indptr[d], n = c->indptr[d + 1] - b;
        if ((size_t)n > kcap) {
            kcap = 2 * (size_t)n;
            keys = dsk_xrealloc(keys, kcap * sizeof *keys, 1);
            tmp = dsk_xrealloc(tmp, kcap * sizeof *tmp, 1);
        }
        for (int64_t e = 0; e < n; e++)
            keys[e] = rank[c->ids[b + e]];
        const uint32_t *sorted = s_sort_doc(keys, tmp, (size_t)n, nbits);
        c->indptr[d] = o;
        for (int64_t e = 0; e < n;) {
            int64_t f = e + 1;
            while (f < n && sorted[f] == sorted[e])
                f++;
            c->ids[o] = (int32_t)sorted[e];
            c->cnt[o++] = (int32_t)(f - e);
            e = f;
        }
    }
    c->indptr[c->ndocs] = o;
    free(keys);
    free(tmp);
    dsk_big_free(rank);
}

/* One document's term occurrences, appended to c (counted in s_renumber). */
static void s_append_doc(ml_doc_counts_t *c, int64_t d, const int32_t *ids, size_t n,
                         size_t *ecap)
{
    int64_t base = c->indptr[d];
    c->ids = ml_td_biggrow(c->ids, ecap, (size_t)base + n, sizeof *c->ids);
    memcpy(c->ids + base, ids, n * sizeof *ids);
    c->indptr[d + 1] = base + (int64_t)n;
}

ml_doc_counts_t *ml_doc_counts_build(const ml_analyzer_cfg_t *cfg, const ml_data_t *docs,
                                     char *err)
{
    if (docs->kind != ML_DATA_TEXT) {
        dsk_seterr(err, DSK_EINVAL, "CountVectorizer: expected documents, got %s",
                   ml_data_kind_name(docs->kind));
        return NULL;
    }
    ml_analyzer_t *a = ml_analyzer_new(cfg, "CountVectorizer", err);
    if (!a)
        return NULL;
    ml_doc_counts_t *c = dsk_xcalloc(1, sizeof *c);
    ml_analyzer_cfg_copy(&c->cfg, cfg);
    c->serial = atomic_fetch_add(&s_serial, 1);
    c->ndocs = docs->nrows;
    c->indptr = dsk_xcalloc((size_t)c->ndocs + 1, sizeof *c->indptr);
    if (docs->nrows >= INT32_MAX) {
        dsk_seterr(err, DSK_ETOOBIG, "CountVectorizer: too many documents (%lld)",
                   (long long)docs->nrows);
        ml_analyzer_destroy(&a);
        return NULL;
    }
    size_t ecap = 0, total = 0;
    for (int64_t d = 0; d < docs->nrows; d++)
        total += docs->text.lens[d];
    ml_analyzer_reserve(a, total);
    /* room for the occurrences up front (about one per 3 bytes of text), not by doubling */
    ecap = total / 3 + 4096;
    c->ids = dsk_big_alloc(ecap * sizeof *c->ids);
    for (int64_t d = 0; d < c->ndocs; d++) {
        const int32_t *ids;
        size_t n;
        char sub[DSK_ERR_LEN];
        if (ml_analyzer_doc(a, docs->text.docs[d], docs->text.lens[d], &ids, &n, sub) != 0) {
            dsk_seterr(err, DSK_EINVAL, "CountVectorizer: document %lld: %s", (long long)d, sub);
            ml_analyzer_destroy(&a);
            ml_doc_counts_destroy(&c);
            return NULL;
        }
        s_append_doc(c, d, ids, n, &ecap);
    }
    c->nterms = ml_analyzer_nterms(a);
    c->cnt = dsk_big_alloc(((size_t)c->indptr[c->ndocs] + 1) * sizeof *c->cnt);
    s_renumber(c, a);
    ml_analyzer_compact(a);
    c->a = a;
    c->max_len = ml_analyzer_max_term_len(a);
    return c;
}

uint64_t ml_doc_counts_serial(const ml_doc_counts_t *c) { return c->serial; }
size_t ml_doc_counts_max_term_len(const ml_doc_counts_t *c) { return c->max_len; }

int64_t ml_doc_counts_row(const ml_doc_counts_t *c, int64_t d, const int32_t **ids,
                          const int32_t **cnt)
{
    *ids = c->ids + c->indptr[d];
    *cnt = c->cnt + c->indptr[d];
    return c->indptr[d + 1] - c->indptr[d];
}

size_t ml_doc_counts_term_len(const ml_doc_counts_t *c, int32_t t)
{
    if (!c->a)
        return (size_t)(c->term_off[t + 1] - c->term_off[t]);
    return ml_analyzer_term_len(c->a, t);
}

size_t ml_doc_counts_term_write(const ml_doc_counts_t *c, int32_t t, char *out)
{
    if (!c->a) {
        size_t n = (size_t)(c->term_off[t + 1] - c->term_off[t]);
        memcpy(out, c->terms + c->term_off[t], n);
        return n;
    }
    return ml_analyzer_term_write(c->a, t, out);
}

/*
 * As bytes: {"cfg": {analyzer parameter: value}, "ndocs", "nterms",
 * "indptr": bin int64, "ids": bin int32, "cnt": bin int32,
 * "term_off": bin int64 (nterms + 1), "terms": bin}, little endian.
 */
int ml_doc_counts_pack(const ml_doc_counts_t *c, msgpack_packer *pk)
{
    int n = 0;
    while (ml_analyzer_param_names[n])
        n++;
    int bad = msgpack_pack_map(pk, 8) || ml_pack_key(pk, "cfg") || msgpack_pack_map(pk, n);
    for (int i = 0; i < n && !bad; i++) {
        ml_value_t v;
        if (ml_analyzer_cfg_get(&c->cfg, ml_analyzer_param_names[i], &v) != 0)
            return DSK_EINVAL;
        bad = ml_pack_key(pk, ml_analyzer_param_names[i]) || ml_pack_value(pk, &v);
        ml_value_clear(&v);
    }
    int64_t nnz = c->indptr[c->ndocs], bytes = 0;
    int64_t *off = dsk_xmalloc(((size_t)c->nterms + 1) * sizeof *off);
    off[0] = 0;
    for (int32_t t = 0; t < c->nterms; t++)
        off[t + 1] = bytes += (int64_t)ml_doc_counts_term_len(c, t);
    bad = bad || ml_pack_key(pk, "ndocs") || msgpack_pack_int64(pk, c->ndocs) ||
          ml_pack_key(pk, "nterms") || msgpack_pack_int32(pk, c->nterms) ||
          ml_pack_key(pk, "indptr") || ml_pack_le(pk, c->indptr, (size_t)(c->ndocs + 1), 8) ||
          ml_pack_key(pk, "ids") || ml_pack_le(pk, c->ids, (size_t)nnz, 4) ||
          ml_pack_key(pk, "cnt") || ml_pack_le(pk, c->cnt, (size_t)nnz, 4) ||
          ml_pack_key(pk, "term_off") || ml_pack_le(pk, off, (size_t)c->nterms + 1, 8) ||
          ml_pack_key(pk, "terms") || bytes > UINT32_MAX || msgpack_pack_bin(pk, (size_t)bytes);
    if (!bad) {
        char *term = dsk_xmalloc(c->max_len + 1);
        for (int32_t t = 0; t < c->nterms && !bad; t++)
            bad = msgpack_pack_bin_body(pk, term, ml_doc_counts_term_write(c, t, term)) != 0;
        free(term);
    }
    free(off);
    return bad ? DSK_ENOMEM : DSK_OK;
}

/* The bin under key of exactly n little-endian elements of width bytes, into dst. */
static int s_bin(const msgpack_object *o, const char *key, size_t n, size_t width, void *dst)
{
    const msgpack_object *b = ml_unpack_get(o, key);
    if (!b || b->type != MSGPACK_OBJECT_BIN || b->via.bin.size != n * width)
        return -1;
    ml_le_copy(dst, b->via.bin.ptr, n, width);
    return 0;
}

/* What every reader of counts relies on: offsets that only grow, ids ascending and in range. */
static int s_check(const ml_doc_counts_t *c, int64_t nnz, size_t term_bytes, char *err)
{
    if (c->indptr[0] != 0 || c->indptr[c->ndocs] != nnz)
        return dsk_seterr(err, DSK_EPROTO, "document counts: indptr must run from 0 to %lld",
                          (long long)nnz);
    for (int64_t d = 0; d < c->ndocs; d++) {
        if (c->indptr[d + 1] < c->indptr[d])
            return dsk_seterr(err, DSK_EPROTO, "document counts: indptr decreases at "
                              "document %lld", (long long)d);
        for (int64_t e = c->indptr[d]; e < c->indptr[d + 1]; e++)
            if (c->ids[e] < 0 || c->ids[e] >= c->nterms || c->cnt[e] < 1 ||
                (e > c->indptr[d] && c->ids[e] <= c->ids[e - 1]))
                return dsk_seterr(err, DSK_EPROTO, "document counts: document %lld has a "
                                  "bad entry at %lld", (long long)d, (long long)e);
    }
    if (c->term_off[0] != 0 || c->term_off[c->nterms] != (int64_t)term_bytes)
        return dsk_seterr(err, DSK_EPROTO, "document counts: term offsets must run from 0 to "
                          "%zu", term_bytes);
    for (int32_t t = 0; t < c->nterms; t++)
        if (c->term_off[t + 1] < c->term_off[t])
            return dsk_seterr(err, DSK_EPROTO, "document counts: term offsets decrease at %d",
                              (int)t);
    return DSK_OK;
}

ml_doc_counts_t *ml_doc_counts_unpack(const msgpack_object *o, char *err)
{
    const msgpack_object *cfg = ml_unpack_get(o, "cfg"), *terms = ml_unpack_get(o, "terms");
    const msgpack_object *ids = ml_unpack_get(o, "ids");
    int64_t ndocs, nterms;
    if (!cfg || cfg->type != MSGPACK_OBJECT_MAP || !terms || terms->type != MSGPACK_OBJECT_BIN ||
        !ids || ids->type != MSGPACK_OBJECT_BIN || ids->via.bin.size % 4 ||
        ml_unpack_int(ml_unpack_get(o, "ndocs"), 0, INT32_MAX - 1, &ndocs) ||
        ml_unpack_int(ml_unpack_get(o, "nterms"), 0, INT32_MAX - 1, &nterms)) {
        dsk_seterr(err, DSK_EPROTO, "document counts: a field is missing or of the wrong type");
        return NULL;
    }
    ml_doc_counts_t *c = dsk_xcalloc(1, sizeof *c);
    ml_analyzer_cfg_init(&c->cfg);
    c->serial = atomic_fetch_add(&s_serial, 1);
    c->ndocs = ndocs;
    c->nterms = (int32_t)nterms;
    int64_t nnz = (int64_t)(ids->via.bin.size / 4);
    c->indptr = dsk_xmalloc((size_t)(ndocs + 1) * sizeof *c->indptr);
    c->ids = dsk_big_alloc((size_t)(nnz + 1) * sizeof *c->ids);
    c->cnt = dsk_big_alloc((size_t)(nnz + 1) * sizeof *c->cnt);
    c->term_off = dsk_xmalloc((size_t)(nterms + 1) * sizeof *c->term_off);
    c->terms = dsk_big_alloc(terms->via.bin.size + 1);
    memcpy(c->terms, terms->via.bin.ptr, terms->via.bin.size);
    int rc = DSK_OK;
    for (uint32_t i = 0; i < cfg->via.map.size && rc == DSK_OK; i++) {
        const msgpack_object_kv *kv = &cfg->via.map.ptr[i];
        char name[64];
        ml_value_t v;
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size >= sizeof name) {
            rc = dsk_seterr(err, DSK_EPROTO, "document counts: a parameter name is not a string");
            break;
        }
        memcpy(name, kv->key.via.str.ptr, kv->key.via.str.size);
        name[kv->key.via.str.size] = '\0';
        char sub[DSK_ERR_LEN];
        if ((rc = ml_unpack_value(&kv->val, &v, sub)) == DSK_OK) {
            int set = ml_analyzer_cfg_set(&c->cfg, "CountVectorizer", name, &v, sub);
            ml_value_clear(&v);
            rc = set == 0 ? DSK_OK : DSK_EPROTO;
        }
        if (rc)
            dsk_seterr(err, DSK_EPROTO, "document counts: parameter %s: %s", name,
                       rc == DSK_EPROTO && sub[0] ? sub : "not an analyzer parameter");
    }
    if (rc == DSK_OK &&
        (s_bin(o, "indptr", (size_t)(ndocs + 1), 8, c->indptr) ||
         s_bin(o, "ids", (size_t)nnz, 4, c->ids) || s_bin(o, "cnt", (size_t)nnz, 4, c->cnt) ||
         s_bin(o, "term_off", (size_t)(nterms + 1), 8, c->term_off)))
        rc = dsk_seterr(err, DSK_EPROTO, "document counts: indptr, ids, cnt or term_off is "
                        "missing or not of the size ndocs, nterms and ids imply");
    if (rc == DSK_OK)
        rc = s_check(c, nnz, terms->via.bin.size, err);
    if (rc) {
        ml_doc_counts_destroy(&c);
        return NULL;
    }
    for (int32_t t = 0; t < c->nterms; t++) {
        size_t n = (size_t)(c->term_off[t + 1] - c->term_off[t]);
        c->max_len = n > c->max_len ? n : c->max_len;
    }
    return c;
}
