/* ml_tokenizer.c — the word analyzer: lowercase, tokens, stop words, n-grams, term ids. */
#include "ml_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ml_param.h"
#include "ml_stop_words.h"
#include "ml_unicode.h"

/* ---------------------------------------------------------------- config */

const char *const ml_analyzer_param_names[] = {
    "input", "encoding", "decode_error", "strip_accents", "lowercase", "preprocessor",
    "tokenizer", "stop_words", "token_pattern", "ngram_range", "analyzer", NULL};

void ml_analyzer_cfg_init(ml_analyzer_cfg_t *c)
{
    memset(c, 0, sizeof *c);
    c->lowercase = 1;
    c->token_pattern = strdup(ML_DEFAULT_TOKEN_PATTERN);
    c->min_n = c->max_n = 1;
}

static void s_stop_clear(ml_analyzer_cfg_t *c)
{
    for (size_t i = 0; i < c->n_stop; i++)
        free(c->stop_list[i]);
    free(c->stop_list);
    c->stop_list = NULL;
    c->n_stop = 0;
    c->stop_kind = ML_STOP_NONE;
}

void ml_analyzer_cfg_clear(ml_analyzer_cfg_t *c)
{
    s_stop_clear(c);
    free(c->token_pattern);
    c->token_pattern = NULL;
}

void ml_analyzer_cfg_copy(ml_analyzer_cfg_t *dst, const ml_analyzer_cfg_t *src)
{
    *dst = *src;
    dst->token_pattern = strdup(src->token_pattern);
    if (src->n_stop) {
        dst->stop_list = calloc(src->n_stop, sizeof *dst->stop_list);
        for (size_t i = 0; i < src->n_stop; i++)
            dst->stop_list[i] = strdup(src->stop_list[i]);
    } else {
        dst->stop_list = NULL;
    }
}

int ml_analyzer_cfg_equal(const ml_analyzer_cfg_t *a, const ml_analyzer_cfg_t *b)
{
    if (!!a->lowercase != !!b->lowercase || a->min_n != b->min_n || a->max_n != b->max_n ||
        a->stop_kind != b->stop_kind || strcmp(a->token_pattern, b->token_pattern) != 0 ||
        a->n_stop != b->n_stop)
        return 0;
    for (size_t i = 0; i < a->n_stop; i++)
        if (strcmp(a->stop_list[i], b->stop_list[i]) != 0)
            return 0;
    return 1;
}

/* Parameters dsk accepts only at scikit-learn's default value. */
static const struct {
    const char *name;
    const char *dflt; /* NULL: the default is None */
} s_fixed[] = {{"input", "content"},   {"encoding", "utf-8"}, {"decode_error", "strict"},
               {"strip_accents", NULL}, {"preprocessor", NULL}, {"tokenizer", NULL},
               {"analyzer", "word"}};

static int s_set_stop_words(ml_analyzer_cfg_t *c, const char *est, const ml_value_t *v,
                            char *err)
{
    if (v->type == ML_V_NONE) {
        s_stop_clear(c);
        return 0;
    }
    if (v->type == ML_V_STRING) {
        if (strcmp(v->u.s, "english") != 0)
            return dsk_seterr(err, DSK_EINVAL, "%s: not a built-in stop list: %s", est, v->u.s);
        s_stop_clear(c);
        c->stop_kind = ML_STOP_ENGLISH;
        return 0;
    }
    if (v->type == ML_V_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            if (v->u.list.items[i].type != ML_V_STRING)
                return dsk_seterr(err, DSK_EINVAL,
                                  "%s: parameter 'stop_words' must be 'english', a list of "
                                  "strings or None (item %zu is not a string)", est, i);
        s_stop_clear(c);
        c->stop_kind = ML_STOP_LIST;
        c->n_stop = v->u.list.n;
        c->stop_list = calloc(c->n_stop ? c->n_stop : 1, sizeof *c->stop_list);
        for (size_t i = 0; i < c->n_stop; i++)
            c->stop_list[i] = strdup(v->u.list.items[i].u.s);
        return 0;
    }
    char got[200];
    return dsk_seterr(err, DSK_EINVAL,
                      "%s: parameter 'stop_words' must be 'english', a list of strings or "
                      "None, got %s", est, ml_value_describe(v, got, sizeof got));
}

int ml_analyzer_cfg_set(ml_analyzer_cfg_t *c, const char *est, const char *name,
                        const ml_value_t *v, char *err)
{
    for (size_t i = 0; i < sizeof s_fixed / sizeof *s_fixed; i++) {
        if (strcmp(name, s_fixed[i].name) != 0)
            continue;
        int ok = s_fixed[i].dflt ? (v->type == ML_V_STRING && strcmp(v->u.s, s_fixed[i].dflt) == 0)
                                 : v->type == ML_V_NONE;
        return ok ? 0 : ml_param_unsupported(est, name, v, err);
    }
    if (strcmp(name, "lowercase") == 0)
        return ml_param_bool(v, est, name, &c->lowercase, err);
    if (strcmp(name, "stop_words") == 0)
        return s_set_stop_words(c, est, v, err);
    if (strcmp(name, "token_pattern") == 0) {
        if (v->type != ML_V_STRING)
            return ml_param_unsupported(est, name, v, err);
        free(c->token_pattern);
        c->token_pattern = strdup(v->u.s);
        return 0;
    }
    if (strcmp(name, "ngram_range") == 0) {
        if (v->type != ML_V_LIST || v->u.list.n != 2 || v->u.list.items[0].type != ML_V_INT ||
            v->u.list.items[1].type != ML_V_INT || v->u.list.items[0].u.i < 1 ||
            v->u.list.items[1].u.i < 1) {
            char got[200];
            return dsk_seterr(err, DSK_EINVAL, "%s: parameter 'ngram_range' must be a pair of "
                              "integers >= 1 (min_n, max_n), got %s", est,
                              ml_value_describe(v, got, sizeof got));
        }
        c->min_n = v->u.list.items[0].u.i;
        c->max_n = v->u.list.items[1].u.i;
        return 0;
    }
    return 1;
}

int ml_analyzer_cfg_get(const ml_analyzer_cfg_t *c, const char *name, ml_value_t *out)
{
    for (size_t i = 0; i < sizeof s_fixed / sizeof *s_fixed; i++)
        if (strcmp(name, s_fixed[i].name) == 0) {
            *out = s_fixed[i].dflt ? ml_value_string(s_fixed[i].dflt) : ml_value_none();
            return 0;
        }
    if (strcmp(name, "lowercase") == 0) {
        *out = ml_value_bool(c->lowercase);
    } else if (strcmp(name, "token_pattern") == 0) {
        *out = ml_value_string(c->token_pattern);
    } else if (strcmp(name, "ngram_range") == 0) {
        *out = ml_value_list(2);
        out->u.list.items[0] = ml_value_int(c->min_n);
        out->u.list.items[1] = ml_value_int(c->max_n);
    } else if (strcmp(name, "stop_words") == 0) {
        if (c->stop_kind == ML_STOP_NONE) {
            *out = ml_value_none();
        } else if (c->stop_kind == ML_STOP_ENGLISH) {
            *out = ml_value_string("english");
        } else {
            *out = ml_value_list(c->n_stop);
            for (size_t i = 0; i < c->n_stop; i++)
                out->u.list.items[i] = ml_value_string(c->stop_list[i]);
        }
    } else {
        return 1;
    }
    return 0;
}

int ml_analyzer_cfg_check(const ml_analyzer_cfg_t *c, const char *est, char *err)
{
    if (c->min_n > c->max_n)
        return dsk_seterr(err, DSK_EINVAL, "%s: Invalid value for ngram_range=(%lld, %lld) "
                          "lower boundary larger than the upper boundary.", est,
                          (long long)c->min_n, (long long)c->max_n);
    return 0;
}

/* ----------------------------------------------------------- hash tables */

/*
 * Open addressing, linear probing, load <= 1/2. Lookups dominate the cost of
 * counting a corpus and are memory-bound, so a slot keeps the hash and the
 * id side by side (one cache line visit per probe).
 */
typedef struct {
    uint64_t key8; /* a dictionary key's first 8 bytes (0-padded), inline */
    uint32_t h;    /* hash; for dictionaries, its low byte is min(length, 255) */
    int32_t id;    /* id + 1; 0 = empty */
} s_slot_t;

/* The slot a hash starts probing at (its low byte may hold a length). */
#define S_POS(h, mask) ((size_t)((h) >> 8) & (mask))

/*
 * Zeroed memory for a hash table. Tables of megabytes are probed at random,
 * so they go on transparent huge pages when the kernel allows (madvise):
 * far fewer TLB misses and page faults than 4 KiB pages.
 */
#define S_BIG (1u << 21)

static void *s_zalloc(size_t bytes)
{
    if (bytes < S_BIG) {
        void *p = calloc(1, bytes);
        if (!p)
            abort();
        return p;
    }
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        abort();
    madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

static void s_zfree(void *p, size_t bytes)
{
    if (!p)
        return;
    if (bytes < S_BIG)
        free(p);
    else
        munmap(p, bytes);
}

typedef struct {
    s_slot_t *slot;
    size_t mask, count;
} s_tab_t;

static void s_tab_init(s_tab_t *t, size_t cap)
{
    t->mask = cap - 1;
    t->count = 0;
    t->slot = s_zalloc(cap * sizeof *t->slot);
}

static void s_tab_free(s_tab_t *t) { s_zfree(t->slot, (t->mask + 1) * sizeof *t->slot); }

/* Adds id under hash h (the key is known to be absent); grows at 1/2 load. */
static void s_tab_add(s_tab_t *t, uint32_t h, uint64_t key8, int32_t id)
{
    if (2 * (t->count + 1) > t->mask + 1) {
        s_tab_t n;
        s_tab_init(&n, 2 * (t->mask + 1));
        for (size_t i = 0; i <= t->mask; i++)
            if (t->slot[i].id)
                s_tab_add(&n, t->slot[i].h, t->slot[i].key8, t->slot[i].id - 1);
        s_tab_free(t);
        *t = n;
    }
    size_t i = S_POS(h, t->mask);
    while (t->slot[i].id)
        i = (i + 1) & t->mask;
    t->slot[i] = (s_slot_t){key8, h, id + 1};
    t->count++;
}

/* A growable byte arena holding keys back to back. */
typedef struct {
    char *p;
    size_t len, cap;
} s_bytes_t;

static size_t s_bytes_add(s_bytes_t *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 4096;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return b->len - n;
}

static void *s_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    *cap = need * 2 + 64;
    p = realloc(p, *cap * elem);
    if (!p)
        abort();
    return p;
}

/* A dictionary entry: the string, and a value its owner uses. */
typedef struct {
    int64_t off;
    int32_t len;
    int32_t aux; /* tokens: the unigram term id, S_UNSEEN or S_STOP */
} s_ent_t;

enum { S_UNSEEN = -1, S_STOP = -2 };

/* A string -> id dictionary (the terms; the tokens; a stop list). */
typedef struct {
    s_bytes_t bytes;
    s_ent_t *ent;
    size_t n, cap;
    s_tab_t tab;
} s_dict_t;

static void s_dict_init(s_dict_t *d)
{
    memset(d, 0, sizeof *d);
    s_tab_init(&d->tab, 1024);
}

static void s_dict_free(s_dict_t *d)
{
    free(d->bytes.p);
    free(d->ent);
    s_tab_free(&d->tab);
}

/* A new entry for s[0..len), not entered in the hash table. */
static int32_t s_dict_append(s_dict_t *d, const char *s, size_t len)
{
    d->ent = s_grow(d->ent, &d->cap, d->n + 1, sizeof *d->ent);
    d->ent[d->n] = (s_ent_t){(int64_t)s_bytes_add(&d->bytes, s, len), (int32_t)len, S_UNSEEN};
    return (int32_t)d->n++;
}

/* Equal bytes? Tokens are short: an inline loop beats a call to memcmp. */
static inline int s_eq(const char *a, const char *b, size_t n)
{
    if (n > 16)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/*
 * The id of s[0..len) whose hash is h, adding it (aux S_UNSEEN) if new.
 * A key of up to 8 bytes is matched in the slot alone (its bytes and length
 * are there): most tokens are, and the entry and the bytes stay untouched.
 */
static int32_t s_dict_intern_h(s_dict_t *d, uint32_t h, const char *s, size_t len, int *added)
{
    uint64_t key8 = 0;
    memcpy(&key8, s, len < 8 ? len : 8);
    h = (h & ~0xFFu) | (uint32_t)(len < 255 ? len : 255);
    for (size_t i = S_POS(h, d->tab.mask); d->tab.slot[i].id; i = (i + 1) & d->tab.mask) {
        const s_slot_t *sl = &d->tab.slot[i];
        if (sl->h != h || sl->key8 != key8)
            continue;
        int32_t id = sl->id - 1;
        if (len <= 8) {
            *added = 0;
            return id;
        }
        const s_ent_t *e = &d->ent[id];
        if ((size_t)e->len == len && s_eq(d->bytes.p + e->off, s, len)) {
            *added = 0;
            return id;
        }
    }
    int32_t id = s_dict_append(d, s, len);
    s_tab_add(&d->tab, h, key8, id);
    *added = 1;
    return id;
}

static uint32_t s_hash(const char *s, size_t len) { return (uint32_t)XXH3_64bits(s, len); }

static int32_t s_dict_intern(s_dict_t *d, const char *s, size_t len, int *added)
{
    return s_dict_intern_h(d, s_hash(s, len), s, len, added);
}

/*
 * Bigrams (the bulk of an ngram_range=(1, 2) dictionary) keyed by their two
 * token ids packed in 64 bits, stored in the slot itself: one probe, no
 * key to fetch elsewhere. Load up to 3/4: this table is the largest.
 */
typedef struct {
    uint64_t key; /* (a << 32 | b) + 1; 0 = empty */
    int32_t term;
} s_pair_slot_t;

typedef struct {
    s_pair_slot_t *slot;
    size_t mask, count;
} s_pairs_t;

static size_t s_pair_hash(uint64_t k) { return (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 20); }

static void s_pairs_init(s_pairs_t *p, size_t cap)
{
    p->mask = cap - 1;
    p->count = 0;
    p->slot = s_zalloc(cap * sizeof *p->slot);
}

static void s_pairs_put(s_pairs_t *p, uint64_t key, int32_t term)
{
    if (4 * (p->count + 1) > 3 * (p->mask + 1)) {
        s_pairs_t n;
        s_pairs_init(&n, 2 * (p->mask + 1));
        for (size_t i = 0; i <= p->mask; i++)
            if (p->slot[i].key)
                s_pairs_put(&n, p->slot[i].key, p->slot[i].term);
        s_zfree(p->slot, (p->mask + 1) * sizeof *p->slot);
        *p = n;
    }
    size_t i = s_pair_hash(key) & p->mask;
    while (p->slot[i].key)
        i = (i + 1) & p->mask;
    p->slot[i] = (s_pair_slot_t){key, term};
    p->count++;
}

static int32_t s_pairs_get(const s_pairs_t *p, uint64_t key)
{
    for (size_t i = s_pair_hash(key) & p->mask; p->slot[i].key; i = (i + 1) & p->mask)
        if (p->slot[i].key == key)
            return p->slot[i].term;
    return -1;
}

/* ---------------------------------------------------------------- analyzer */

struct ml_analyzer {
    ml_analyzer_cfg_t cfg;
    pcre2_code *re;          /* NULL: the default pattern's own scanner */
    pcre2_match_data *md;
    int group;               /* 1 when the pattern has one capturing group */
    s_dict_t stop;           /* ML_STOP_LIST words */
    s_dict_t terms;          /* the dictionary handed out */
    s_dict_t toks;           /* token string -> token id */
    /* n-grams of 2+ tokens: the token-id tuple -> term id */
    int32_t *ng_keys;
    size_t ng_keys_len, ng_keys_cap;
    int64_t *ng_off;
    int32_t *ng_term;
    size_t ng_n, ng_cap;
    s_tab_t ng_tab;          /* 3 tokens or more */
    s_pairs_t pairs;         /* 2 tokens */
    /*
     * The default pattern's tokens are runs of \w, which never hold a
     * space: distinct token tuples then join to distinct strings, terms
     * need no string table, and string order is token-tuple order.
     */
    int fast;
    /*
     * pairs mode (fast, max_n <= 2): a term is just its token pair (b = -1
     * for a unigram); its string is built only when asked for.
     */
    int pairmode;
    int32_t *term_tok;
    size_t term_tok_cap, npairterms;
    /* scratch for one document */
    char *lbuf;
    size_t lcap;
    int64_t *spans;          /* token (start, length) pairs in the text */
    uint32_t *hashes;
    size_t spans_cap;
    int32_t *doc_toks, *doc_ids;
    size_t toks_cap, ids_cap;
    s_bytes_t join;
};

/*
 * A Python pattern for PCRE2: a leading inline-flag group is translated
 * ('u' is implied by PCRE2_UCP and dropped; i, m, s, x carry over; a and L
 * have no meaning with UCP and are refused).
 */
static int s_translate_pattern(const char *pat, char *out, size_t cap, const char *est,
                               char *err)
{
    size_t o = 0;
    if (pat[0] == '(' && pat[1] == '?' && strspn(pat + 2, "aiLmsux") > 0 &&
        pat[2 + strspn(pat + 2, "aiLmsux")] == ')') {
        size_t nf = strspn(pat + 2, "aiLmsux");
        char flags[16];
        size_t f = 0;
        for (size_t i = 0; i < nf && f < sizeof flags - 1; i++) {
            char ch = pat[2 + i];
            if (ch == 'a' || ch == 'L')
                return dsk_seterr(err, DSK_EINVAL, "%s: token_pattern flag '(?%c)' is not "
                                  "supported by dsk", est, ch);
            if (ch != 'u')
                flags[f++] = ch;
        }
        if (f)
            o = (size_t)snprintf(out, cap, "(?%.*s)", (int)f, flags);
        pat += 3 + nf;
    }
    if (o + strlen(pat) + 1 > cap)
        return dsk_seterr(err, DSK_EINVAL, "%s: token_pattern is too long", est);
    memcpy(out + o, pat, strlen(pat) + 1);
    return 0;
}

static int s_compile(ml_analyzer_t *a, const char *est, char *err)
{
    if (strcmp(a->cfg.token_pattern, ML_DEFAULT_TOKEN_PATTERN) == 0)
        return 0;
    size_t cap = strlen(a->cfg.token_pattern) + 16;
    char *pat = malloc(cap);
    int rc = s_translate_pattern(a->cfg.token_pattern, pat, cap, est, err);
    if (rc) {
        free(pat);
        return rc;
    }
    int ec;
    PCRE2_SIZE eo;
    a->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &ec,
                          &eo, NULL);
    free(pat);
    if (!a->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return dsk_seterr(err, DSK_EINVAL, "%s: token_pattern %s does not compile at offset "
                          "%zu: %s", est, a->cfg.token_pattern, (size_t)eo, (char *)msg);
    }
    uint32_t groups = 0;
    pcre2_pattern_info(a->re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups > 1)
        return dsk_seterr(err, DSK_EINVAL, "%s: More than 1 capturing group in token pattern. "
                          "Only a single group should be captured.", est);
    a->group = (int)groups;
    a->md = pcre2_match_data_create_from_pattern(a->re, NULL);
    return 0;
}

ml_analyzer_t *ml_analyzer_new(const ml_analyzer_cfg_t *cfg, const char *est, char *err)
{
    if (ml_analyzer_cfg_check(cfg, est, err))
        return NULL;
    ml_analyzer_t *a = calloc(1, sizeof *a);
    if (!a)
        abort();
    ml_analyzer_cfg_copy(&a->cfg, cfg);
    s_dict_init(&a->stop);
    s_dict_init(&a->terms);
    s_dict_init(&a->toks);
    s_tab_init(&a->ng_tab, 1024);
    s_pairs_init(&a->pairs, 1024);
    int added;
    for (size_t i = 0; i < cfg->n_stop; i++)
        s_dict_intern(&a->stop, cfg->stop_list[i], strlen(cfg->stop_list[i]), &added);
    if (s_compile(a, est, err)) {
        ml_analyzer_destroy(&a);
        return NULL;
    }
    a->fast = a->re == NULL;
    a->pairmode = a->fast && cfg->max_n <= 2;
    return a;
}

void ml_analyzer_destroy(ml_analyzer_t **a_p)
{
    ml_analyzer_t *a = *a_p;
    if (!a)
        return;
    ml_analyzer_cfg_clear(&a->cfg);
    pcre2_match_data_free(a->md);
    pcre2_code_free(a->re);
    s_dict_free(&a->stop);
    s_dict_free(&a->terms);
    s_dict_free(&a->toks);
    s_zfree(a->pairs.slot, (a->pairs.mask + 1) * sizeof *a->pairs.slot);
    free(a->ng_keys);
    free(a->ng_off);
    free(a->ng_term);
    s_tab_free(&a->ng_tab);
    free(a->lbuf);
    free(a->spans);
    free(a->hashes);
    free(a->term_tok);
    free(a->doc_toks);
    free(a->doc_ids);
    free(a->join.p);
    free(a);
    *a_p = NULL;
}

void ml_analyzer_reserve(ml_analyzer_t *a, size_t nbytes)
{
    if (!a->pairmode || a->cfg.max_n < 2 || a->pairs.count > 0)
        return;
    size_t want = nbytes / 16, cap = 1024; /* about a new bigram per 16 bytes of text */
    while (3 * cap < 4 * want)
        cap *= 2;
    s_zfree(a->pairs.slot, (a->pairs.mask + 1) * sizeof *a->pairs.slot);
    s_pairs_init(&a->pairs, cap);
}

void ml_analyzer_compact(ml_analyzer_t *a)
{
    s_tab_free(&a->toks.tab);
    s_tab_free(&a->terms.tab);
    s_tab_free(&a->ng_tab);
    s_zfree(a->pairs.slot, (a->pairs.mask + 1) * sizeof *a->pairs.slot);
    s_tab_init(&a->toks.tab, 1);
    s_tab_init(&a->terms.tab, 1);
    s_tab_init(&a->ng_tab, 1);
    s_pairs_init(&a->pairs, 1);
    free(a->ng_keys);
    free(a->ng_off);
    free(a->ng_term);
    a->ng_keys = NULL;
    a->ng_off = NULL;
    a->ng_term = NULL;
    a->ng_n = a->ng_cap = a->ng_keys_len = a->ng_keys_cap = 0;
    free(a->lbuf);
    free(a->spans);
    free(a->hashes);
    free(a->doc_toks);
    free(a->doc_ids);
    a->lbuf = NULL;
    a->spans = NULL;
    a->hashes = NULL;
    a->doc_toks = a->doc_ids = NULL;
    a->lcap = a->spans_cap = a->toks_cap = a->ids_cap = 0;
}

void ml_analyzer_renumber(ml_analyzer_t *a, const int32_t *order)
{
    size_t n = (size_t)ml_analyzer_nterms(a);
    if (a->pairmode) {
        int32_t *t = malloc((2 * n + 2) * sizeof *t);
        if (!t)
            abort();
        for (size_t k = 0; k < n; k++) {
            t[2 * k] = a->term_tok[2 * order[k]];
            t[2 * k + 1] = a->term_tok[2 * order[k] + 1];
        }
        free(a->term_tok);
        a->term_tok = t;
        a->term_tok_cap = 2 * n + 2;
        return;
    }
    s_ent_t *e = malloc((n + 1) * sizeof *e);
    if (!e)
        abort();
    for (size_t k = 0; k < n; k++)
        e[k] = a->terms.ent[order[k]];
    free(a->terms.ent);
    a->terms.ent = e;
    a->terms.cap = n + 1;
}

int32_t ml_analyzer_nterms(const ml_analyzer_t *a)
{
    return (int32_t)(a->pairmode ? a->npairterms : a->terms.n);
}

size_t ml_analyzer_term_len(const ml_analyzer_t *a, int32_t id)
{
    if (!a->pairmode)
        return (size_t)a->terms.ent[id].len;
    int32_t t0 = a->term_tok[2 * id], t1 = a->term_tok[2 * id + 1];
    return (size_t)a->toks.ent[t0].len + (t1 >= 0 ? 1 + (size_t)a->toks.ent[t1].len : 0);
}

size_t ml_analyzer_term_write(const ml_analyzer_t *a, int32_t id, char *out)
{
    if (!a->pairmode) {
        memcpy(out, a->terms.bytes.p + a->terms.ent[id].off, (size_t)a->terms.ent[id].len);
        return (size_t)a->terms.ent[id].len;
    }
    int32_t t0 = a->term_tok[2 * id], t1 = a->term_tok[2 * id + 1];
    size_t l0 = (size_t)a->toks.ent[t0].len;
    memcpy(out, a->toks.bytes.p + a->toks.ent[t0].off, l0);
    if (t1 < 0)
        return l0;
    out[l0] = ' ';
    memcpy(out + l0 + 1, a->toks.bytes.p + a->toks.ent[t1].off, (size_t)a->toks.ent[t1].len);
    return l0 + 1 + (size_t)a->toks.ent[t1].len;
}

const char *ml_analyzer_term(ml_analyzer_t *a, int32_t id, size_t *len)
{
    if (!a->pairmode) {
        *len = (size_t)a->terms.ent[id].len;
        return a->terms.bytes.p + a->terms.ent[id].off;
    }
    size_t l = ml_analyzer_term_len(a, id);
    a->join.p = s_grow(a->join.p, &a->join.cap, l + 1, 1);
    *len = ml_analyzer_term_write(a, id, a->join.p);
    return a->join.p;
}

/* Records a token's span; the lookups happen per document, batched. */
static void s_span(ml_analyzer_t *a, size_t *n, size_t start, size_t len)
{
    if (2 * (*n + 1) > a->spans_cap) {
        a->spans_cap = 4 * (*n + 1) + 256;
        a->spans = realloc(a->spans, a->spans_cap * sizeof *a->spans);
        if (!a->spans)
            abort();
    }
    a->spans[2 * *n] = (int64_t)start;
    a->spans[2 * (*n)++ + 1] = (int64_t)len;
}

/* Byte classes for the default scanner: ASCII non-word, ASCII word, non-ASCII lead. */
enum { S_NW = 0, S_W = 1, S_MB = 2 };
static const uint8_t s_class[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
    [0x80 ... 0xFF] = 2,
};

/*
 * r"(?u)\b\w\w+\b" as Python's re runs it: every maximal run of \w code
 * points that is at least two code points long. Runs of ASCII bytes are
 * skipped by tight loops over a class table (one branch miss per run, not
 * per byte); other code points are decoded and looked up.
 */
static int s_scan_default(ml_analyzer_t *a, const char *text, size_t len, size_t *ntok)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        while (i < len && s_class[s[i]] == S_NW)
            i++;
        size_t start = i, run = 0, end = i;
        for (;;) {
            size_t k = i;
            while (i < len && s_class[s[i]] == S_W)
                i++;
            run += i - k;
            end = i;
            if (i >= len || s_class[s[i]] != S_MB)
                break;
            uint32_t cp;
            if (ml_utf8_decode(s, len, &i, &cp) != 0)
                return -1;
            if (!ml_unicode_is_word(cp))
                break; /* a non-word code point ends the run; i is past it */
            run++;
            end = i;
        }
        if (run >= 2)
            s_span(a, ntok, start, end - start);
    }
    return 0;
}

/*
 * re.findall with PCRE2: the whole match, or group 1 when the pattern has
 * one; an empty match is followed by a non-empty attempt at the same place
 * (Python 3.7+ semantics), else the scan moves one code point on.
 */
static int s_scan_pcre(ml_analyzer_t *a, const char *text, size_t len, size_t *ntok)
{
    PCRE2_SIZE pos = 0;
    uint32_t opts = 0;
    while (pos <= len) {
        int rc = pcre2_match(a->re, (PCRE2_SPTR)text, len, pos, opts | PCRE2_NO_UTF_CHECK,
                             a->md, NULL);
        if (rc == PCRE2_ERROR_NOMATCH) {
            if (!opts)
                break;
            opts = 0;
            pos++;
            while (pos < len && ((unsigned char)text[pos] & 0xC0) == 0x80)
                pos++;
            continue;
        }
        if (rc < 0)
            return -1;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(a->md);
        PCRE2_SIZE gs = ov[2 * a->group], ge = ov[2 * a->group + 1];
        if (gs == PCRE2_UNSET)
            gs = ge = 0;
        s_span(a, ntok, gs, ge - gs);
        opts = ov[0] == ov[1] ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
        pos = ov[1];
    }
    return 0;
}

/*
 * The spans' token ids, stop words dropped, into doc_toks. The hash table
 * is far larger than the caches: hashing every span first and prefetching
 * its slot lets the misses overlap instead of queueing one by one.
 */
static size_t s_tokens(ml_analyzer_t *a, const char *text, size_t n)
{
    if (n > a->toks_cap) {
        a->toks_cap = 2 * n;
        a->doc_toks = realloc(a->doc_toks, a->toks_cap * sizeof *a->doc_toks);
        a->hashes = realloc(a->hashes, a->toks_cap * sizeof *a->hashes);
        if (!a->doc_toks || !a->hashes)
            abort();
    }
    for (size_t i = 0; i < n; i++) {
        a->hashes[i] = s_hash(text + a->spans[2 * i], (size_t)a->spans[2 * i + 1]);
        __builtin_prefetch(&a->toks.tab.slot[S_POS(a->hashes[i], a->toks.tab.mask)]);
    }
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = text + a->spans[2 * i];
        size_t len = (size_t)a->spans[2 * i + 1];
        int added;
        int32_t t = s_dict_intern_h(&a->toks, a->hashes[i], s, len, &added);
        if (added) {
            int stop = a->cfg.stop_kind == ML_STOP_ENGLISH ? ml_stop_words_is_english(s, len)
                       : a->cfg.stop_kind == ML_STOP_LIST
                           ? (s_dict_intern(&a->stop, s, len, &added), !added)
                           : 0;
            a->toks.ent[t].aux = stop ? S_STOP : S_UNSEEN;
        }
        if (a->toks.ent[t].aux != S_STOP)
            a->doc_toks[nt++] = t;
    }
    return nt;
}

static void s_join(ml_analyzer_t *a, const int32_t *k, size_t n)
{
    a->join.len = 0;
    for (size_t j = 0; j < n; j++) {
        const s_ent_t *e = &a->toks.ent[k[j]];
        if (j)
            s_bytes_add(&a->join, " ", 1);
        s_bytes_add(&a->join, a->toks.bytes.p + e->off, (size_t)e->len);
    }
}

/* A new term made of tokens k[0..n) (a string lookup first unless fast). */
static int32_t s_new_term(ml_analyzer_t *a, const int32_t *k, size_t n)
{
    if (a->pairmode) {
        a->term_tok = s_grow(a->term_tok, &a->term_tok_cap, 2 * a->npairterms + 2,
                             sizeof *a->term_tok);
        a->term_tok[2 * a->npairterms] = k[0];
        a->term_tok[2 * a->npairterms + 1] = n > 1 ? k[1] : -1;
        return (int32_t)a->npairterms++;
    }
    s_join(a, k, n);
    int added;
    return a->fast ? s_dict_append(&a->terms, a->join.p, a->join.len)
                   : s_dict_intern(&a->terms, a->join.p, a->join.len, &added);
}

/* The term id of token t as a unigram. */
static int32_t s_unigram(ml_analyzer_t *a, int32_t t)
{
    if (a->toks.ent[t].aux < 0) {
        int32_t term = s_new_term(a, &t, 1);
        a->toks.ent[t].aux = term;
    }
    return a->toks.ent[t].aux;
}

/*
 * The term id of the n-gram of tokens k[0..n), n >= 3, found by its
 * token-id tuple; the first time, its string (tokens joined by one space)
 * is interned, so two tuples that join to the same string (possible with a
 * custom pattern whose tokens hold spaces) share one term, as in
 * scikit-learn.
 */
static int32_t s_ngram(ml_analyzer_t *a, const int32_t *k, size_t n)
{
    uint32_t h = (uint32_t)XXH3_64bits(k, n * sizeof *k);
    s_tab_t *t = &a->ng_tab;
    for (size_t i = S_POS(h, t->mask); t->slot[i].id; i = (i + 1) & t->mask) {
        int32_t id = t->slot[i].id - 1;
        if (t->slot[i].h == h && a->ng_off[id + 1] - a->ng_off[id] == (int64_t)n &&
            memcmp(a->ng_keys + a->ng_off[id], k, n * sizeof *k) == 0)
            return a->ng_term[id];
    }
    int32_t term = s_new_term(a, k, n);
    if (a->ng_n + 2 > a->ng_cap) {
        a->ng_cap = 2 * a->ng_cap + 1024;
        a->ng_off = realloc(a->ng_off, a->ng_cap * sizeof *a->ng_off);
        a->ng_term = realloc(a->ng_term, a->ng_cap * sizeof *a->ng_term);
        if (!a->ng_off || !a->ng_term)
            abort();
        if (a->ng_n == 0)
            a->ng_off[0] = 0;
    }
    a->ng_keys = s_grow(a->ng_keys, &a->ng_keys_cap, a->ng_keys_len + n, sizeof *a->ng_keys);
    memcpy(a->ng_keys + a->ng_keys_len, k, n * sizeof *k);
    a->ng_keys_len += n;
    a->ng_term[a->ng_n] = term;
    a->ng_off[a->ng_n + 1] = (int64_t)a->ng_keys_len;
    s_tab_add(t, h, 0, (int32_t)a->ng_n++);
    return term;
}

static void s_push_id(ml_analyzer_t *a, size_t *n, int32_t id)
{
    if (*n + 1 > a->ids_cap)
        a->doc_ids = s_grow(a->doc_ids, &a->ids_cap, *n + 1, sizeof *a->doc_ids);
    a->doc_ids[(*n)++] = id;
}

/* All bigrams of the document's tokens, batched with prefetches like s_tokens. */
static void s_bigrams(ml_analyzer_t *a, size_t nt, size_t *ni)
{
    if (nt < 2)
        return;
    if (nt > a->spans_cap / 2) {
        a->spans_cap = 2 * nt;
        a->spans = realloc(a->spans, a->spans_cap * sizeof *a->spans);
        if (!a->spans)
            abort();
    }
    uint64_t *keys = (uint64_t *)a->spans; /* the spans are no longer needed */
    for (size_t i = 0; i + 1 < nt; i++) {
        keys[i] = ((uint64_t)(uint32_t)a->doc_toks[i] << 32 | (uint32_t)a->doc_toks[i + 1]) + 1;
        __builtin_prefetch(&a->pairs.slot[s_pair_hash(keys[i]) & a->pairs.mask]);
    }
    for (size_t i = 0; i + 1 < nt; i++) {
        int32_t term = s_pairs_get(&a->pairs, keys[i]);
        if (term < 0) {
            term = s_new_term(a, a->doc_toks + i, 2);
            s_pairs_put(&a->pairs, keys[i], term);
        }
        s_push_id(a, ni, term);
    }
}

int ml_analyzer_doc(ml_analyzer_t *a, const char *doc, size_t len, const int32_t **ids,
                    size_t *n, char *err)
{
    const char *text = doc;
    size_t tlen = len;
    if (a->cfg.lowercase) {
        a->lbuf = s_grow(a->lbuf, &a->lcap, 2 * len + 1, 1);
        if (ml_unicode_lower(doc, len, a->lbuf, &tlen) != 0)
            return dsk_seterr(err, DSK_EINVAL, "document is not valid UTF-8 (byte %zu)", tlen);
        text = a->lbuf;
    } else if (a->re) {
        size_t pos = 0;
        uint32_t cp;
        while (pos < len)
            if (ml_utf8_decode((const unsigned char *)doc, len, &pos, &cp) != 0)
                return dsk_seterr(err, DSK_EINVAL, "document is not valid UTF-8 (byte %zu)", pos);
    }
    size_t ns = 0;
    int rc = a->re ? s_scan_pcre(a, text, tlen, &ns) : s_scan_default(a, text, tlen, &ns);
    if (rc != 0)
        return dsk_seterr(err, DSK_EINVAL, "document is not valid UTF-8, or token_pattern "
                          "failed on it");
    size_t nt = s_tokens(a, text, ns), ni = 0;
    int64_t min_n = a->cfg.min_n, max_n = a->cfg.max_n;
    if (a->ids_cap < nt * (size_t)(max_n - min_n + 1) + 1)
        a->doc_ids = s_grow(a->doc_ids, &a->ids_cap, nt * (size_t)(max_n - min_n + 1) + 1,
                            sizeof *a->doc_ids);
    if (max_n == 1 || min_n == 1)
        for (size_t i = 0; i < nt; i++)
            s_push_id(a, &ni, s_unigram(a, a->doc_toks[i]));
    if (max_n != 1) {
        for (int64_t g = min_n == 1 ? 2 : min_n; g <= max_n && (size_t)g <= nt; g++) {
            if (g == 2) {
                s_bigrams(a, nt, &ni);
                continue;
            }
            for (size_t i = 0; i + (size_t)g <= nt; i++)
                s_push_id(a, &ni, s_ngram(a, a->doc_toks + i, (size_t)g));
        }
    }
    *ids = a->doc_ids;
    *n = ni;
    return 0;
}

/* ----------------------------------------------------------------- sorting */

typedef struct {
    uint64_t key; /* bytes [8 depth, 8 depth + 8) of the term, big-endian, 0-padded */
    int32_t id;
} s_item_t;

static uint64_t s_chunk(const s_dict_t *d, int32_t id, size_t depth)
{
    const unsigned char *p = (const unsigned char *)d->bytes.p + d->ent[id].off;
    size_t off = depth * 8, len = (size_t)d->ent[id].len;
    uint64_t k = 0;
    for (size_t j = 0; j < 8; j++)
        k = (k << 8) | (off + j < len ? p[off + j] : 0);
    return k;
}

/* Python's str comparison on UTF-8: bytes, then the shorter first. */
static int s_term_cmp(const s_dict_t *d, int32_t a, int32_t b)
{
    size_t la = (size_t)d->ent[a].len, lb = (size_t)d->ent[b].len;
    int c = memcmp(d->bytes.p + d->ent[a].off, d->bytes.p + d->ent[b].off, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

static void s_insertion(const s_dict_t *d, s_item_t *v, size_t n)
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
static void s_mkqsort(const s_dict_t *d, s_item_t *v, size_t n, size_t depth)
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
static int32_t *s_sort_dict(const s_dict_t *d)
{
    s_item_t *v = malloc((d->n ? d->n : 1) * sizeof *v);
    int32_t *out = malloc((d->n ? d->n : 1) * sizeof *out);
    if (!v || !out)
        abort();
    for (size_t i = 0; i < d->n; i++)
        v[i] = (s_item_t){s_chunk(d, (int32_t)i, 0), (int32_t)i};
    s_mkqsort(d, v, d->n, 0);
    for (size_t i = 0; i < d->n; i++)
        out[i] = v[i].id;
    free(v);
    return out;
}

/* LSD radix sort of v[0..n) by key, 16 bits a pass, skipping constant digits. */
static void s_radix(s_item_t *v, size_t n)
{
    s_item_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t *count = calloc(4 * 65536, sizeof *count);
    if (!tmp || !count)
        abort();
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < 4; p++)
            count[p * 65536 + ((v[i].key >> (16 * p)) & 0xFFFF)]++;
    for (int p = 0; p < 4; p++) {
        size_t *c = count + p * 65536;
        if (n == 0 || c[(v[0].key >> (16 * p)) & 0xFFFF] == n)
            continue;
        size_t sum = 0;
        for (size_t k = 0; k < 65536; k++) {
            size_t x = c[k];
            c[k] = sum;
            sum += x;
        }
        for (size_t i = 0; i < n; i++)
            tmp[c[(v[i].key >> (16 * p)) & 0xFFFF]++] = v[i];
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
int32_t *ml_analyzer_sorted_ids(const ml_analyzer_t *a)
{
    const s_dict_t *d = &a->terms;
    if (!a->pairmode)
        return s_sort_dict(d);
    size_t n = a->npairterms;
    int32_t *tok_order = s_sort_dict(&a->toks);
    uint32_t *rank = malloc((a->toks.n ? a->toks.n : 1) * sizeof *rank);
    s_item_t *v = malloc((n ? n : 1) * sizeof *v);
    int32_t *out = malloc((n ? n : 1) * sizeof *out);
    if (!rank || !v || !out)
        abort();
    int bits = 1;
    while (bits < 32 && ((uint64_t)a->toks.n + 1) >> bits)
        bits++;
    for (size_t k = 0; k < a->toks.n; k++)
        rank[tok_order[k]] = (uint32_t)k + 1;
    for (size_t i = 0; i < n; i++) {
        int32_t t0 = a->term_tok[2 * i], t1 = a->term_tok[2 * i + 1];
        v[i] = (s_item_t){(uint64_t)rank[t0] << bits | (t1 >= 0 ? rank[t1] : 0), (int32_t)i};
    }
    s_radix(v, n);
    for (size_t i = 0; i < n; i++)
        out[i] = v[i].id;
    free(tok_order);
    free(rank);
    free(v);
    return out;
}
