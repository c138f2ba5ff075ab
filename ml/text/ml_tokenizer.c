/* ml_tokenizer.c — the word analyzer: lowercase, tokens, stop words, n-grams, term ids. */
#include "ml_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "dsk_alloc.h"
#include "ml_stop_words.h"
#include "ml_term_dict.h"
#include "ml_unicode.h"

/* ---------------------------------------------------------------- analyzer */

enum { S_UNSEEN = -1, S_STOP = -2 };

struct ml_analyzer {
    ml_analyzer_cfg_t cfg;
    pcre2_code *re;          /* NULL: the default pattern's own scanner */
    pcre2_match_data *md;
    int group;               /* 1 when the pattern has one capturing group */
    ml_td_dict_t stop;           /* ML_STOP_LIST words */
    ml_td_dict_t terms;          /* the dictionary handed out */
    ml_td_dict_t toks;           /* token string -> token id */
    /* n-grams of 2+ tokens: the token-id tuple -> term id */
    int32_t *ng_keys;
    size_t ng_keys_len, ng_keys_cap;
    int64_t *ng_off;
    int32_t *ng_term;
    size_t ng_n, ng_cap;
    ml_td_tab_t ng_tab;          /* 3 tokens or more */
    ml_td_pairs_t pairs;         /* 2 tokens */
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
    /* per token: its unigram term id, S_UNSEEN or S_STOP */
    int32_t *tok_term;
    size_t tok_term_cap;
    /* scratch for one document */
    char *lbuf;
    size_t lcap;
    int64_t *spans;          /* token (start, length) pairs in the text */
    uint32_t *hashes;
    size_t spans_cap;
    int32_t *doc_toks, *doc_ids;
    size_t toks_cap, ids_cap;
    ml_td_bytes_t join;
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
    char *pat = dsk_xmalloc(cap);
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
    ml_analyzer_t *a = dsk_xcalloc(1, sizeof *a);
    ml_analyzer_cfg_copy(&a->cfg, cfg);
    ml_td_dict_init(&a->stop);
    ml_td_dict_init(&a->terms);
    ml_td_dict_init(&a->toks);
    ml_td_tab_init(&a->ng_tab, 1024);
    ml_td_pairs_init(&a->pairs, 1024);
    int added;
    for (size_t i = 0; i < cfg->n_stop; i++)
        ml_td_dict_intern(&a->stop, cfg->stop_list[i], strlen(cfg->stop_list[i]), &added);
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
    ml_td_dict_free(&a->stop);
    ml_td_dict_free(&a->terms);
    ml_td_dict_free(&a->toks);
    ml_td_pairs_free(&a->pairs);
    free(a->ng_keys);
    free(a->ng_off);
    free(a->ng_term);
    ml_td_tab_free(&a->ng_tab);
    free(a->lbuf);
    free(a->spans);
    free(a->hashes);
    dsk_big_free(a->term_tok);
    free(a->tok_term);
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
    ml_td_pairs_free(&a->pairs);
    ml_td_pairs_init(&a->pairs, cap);
    /*
     * term_tok up front for twice the expected terms, not regrown (each
     * doubling copied it into freshly faulted pages); pages never reached
     * are never touched.
     */
    if (!a->term_tok) {
        a->term_tok_cap = 2 * (2 * want + 1024);
        a->term_tok = dsk_big_alloc(a->term_tok_cap * sizeof *a->term_tok);
    }
}

void ml_analyzer_compact(ml_analyzer_t *a)
{
    ml_td_tab_free(&a->toks.tab);
    ml_td_tab_free(&a->terms.tab);
    ml_td_tab_free(&a->ng_tab);
    ml_td_pairs_free(&a->pairs);
    ml_td_tab_init(&a->toks.tab, 1);
    ml_td_tab_init(&a->terms.tab, 1);
    ml_td_tab_init(&a->ng_tab, 1);
    ml_td_pairs_init(&a->pairs, 1);
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
    free(a->tok_term);
    a->tok_term = NULL;
    a->tok_term_cap = 0;
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
        int32_t *t = dsk_big_alloc((2 * n + 2) * sizeof *t);
        for (size_t k = 0; k < n; k++) {
            t[2 * k] = a->term_tok[2 * order[k]];
            t[2 * k + 1] = a->term_tok[2 * order[k] + 1];
        }
        dsk_big_free(a->term_tok);
        a->term_tok = t;
        a->term_tok_cap = 2 * n + 2;
        return;
    }
    ml_td_ent_t *e = dsk_xmalloc((n + 1) * sizeof *e);
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

/*
 * A bound on every term's length, without visiting the terms: a pair term
 * is at most two of the longest tokens and a space.
 */
size_t ml_analyzer_max_term_len(const ml_analyzer_t *a)
{
    const ml_td_dict_t *d = a->pairmode ? &a->toks : &a->terms;
    size_t m = 0;
    for (size_t k = 0; k < d->n; k++)
        if ((size_t)d->ent[k].len > m)
            m = (size_t)d->ent[k].len;
    return a->pairmode ? 2 * m + 1 : m;
}

const char *ml_analyzer_term(ml_analyzer_t *a, int32_t id, size_t *len)
{
    if (!a->pairmode) {
        *len = (size_t)a->terms.ent[id].len;
        return a->terms.bytes.p + a->terms.ent[id].off;
    }
    size_t l = ml_analyzer_term_len(a, id);
    a->join.p = ml_td_grow(a->join.p, &a->join.cap, l + 1, 1);
    *len = ml_analyzer_term_write(a, id, a->join.p);
    return a->join.p;
}

/* Records a token's span; the lookups happen per document, batched. */
static inline void s_span(ml_analyzer_t *a, size_t *n, size_t start, size_t len)
{
    if (2 * (*n + 1) > a->spans_cap) {
        a->spans_cap = 4 * (*n + 1) + 256;
        a->spans = dsk_xrealloc(a->spans, a->spans_cap * sizeof *a->spans, 1);
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
            size_t at = i; /* i's address never escapes: it stays in a register */
            if (ml_utf8_decode(s, len, &at, &cp) != 0)
                return -1;
            i = at;
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

#ifdef __SSE2__
/* Bit i set when byte i of the 64 at p is ASCII [0-9A-Za-z_]; *hi gets the bytes >= 0x80. */
static inline uint64_t s_word_mask64(const unsigned char *p, uint64_t *hi)
{
    uint64_t m = 0, h = 0;
    for (int k = 0; k < 4; k++) {
        __m128i c = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        __m128i l = _mm_or_si128(c, _mm_set1_epi8(0x20));
        __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)),
                                    _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
        __m128i alp = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                                    _mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1)));
        __m128i und = _mm_cmpeq_epi8(c, _mm_set1_epi8('_'));
        __m128i w = _mm_or_si128(_mm_or_si128(dig, alp), und);
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(w) << (16 * k);
        h |= (uint64_t)(uint16_t)_mm_movemask_epi8(c) << (16 * k);
    }
    *hi = h;
    return m;
}

/*
 * The default pattern on an all-ASCII text, 64 bytes at a time: a bit mask
 * of word bytes, whose run starts and ends are popped by count-trailing-zeros
 * (no branch per byte or per run boundary: the byte scanner's mispredictions
 * were its cost). A run shorter than 2 is written and not counted. Returns
 * -1 at the first byte >= 0x80 (the caller rescans with s_scan_default).
 */
static int s_scan_ascii(ml_analyzer_t *a, const char *text, size_t len, size_t *ntok)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t need = 2 * (len / 2 + 2);
    if (need > a->spans_cap) {
        a->spans_cap = 2 * need;
        a->spans = dsk_xrealloc(a->spans, a->spans_cap * sizeof *a->spans, 1);
    }
    int64_t *sp = a->spans;
    size_t n = 0, start = (size_t)-1; /* start: of the run still open, or -1 */
    uint64_t prev = 0; /* bit 0: the byte before this block is a word byte */
    unsigned char pad[64];
    for (size_t base = 0; base < len; base += 64) {
        const unsigned char *p = s + base;
        if (len - base < 64) {
            memset(pad, 0, sizeof pad);
            memcpy(pad, p, len - base);
            p = pad;
        }
        uint64_t hi, m = s_word_mask64(p, &hi);
        if (hi)
            return -1;
        uint64_t shifted = m << 1 | prev;
        uint64_t starts = m & ~shifted, ends = ~m & shifted;
        prev = m >> 63;
        /* a run still open from an earlier block ends at the first end, if any */
        if (start != (size_t)-1) {
            if (!ends)
                continue;
            size_t e = base + (size_t)__builtin_ctzll(ends);
            ends &= ends - 1;
            sp[2 * n] = (int64_t)start;
            sp[2 * n + 1] = (int64_t)(e - start);
            n += e - start >= 2;
            start = (size_t)-1;
        }
        while (starts) {
            size_t b = base + (size_t)__builtin_ctzll(starts);
            starts &= starts - 1;
            if (!ends) {
                start = b;
                break;
            }
            size_t e = base + (size_t)__builtin_ctzll(ends);
            ends &= ends - 1;
            sp[2 * n] = (int64_t)b;
            sp[2 * n + 1] = (int64_t)(e - b);
            n += e - b >= 2;
        }
    }
    if (start != (size_t)-1 && len - start >= 2) {
        sp[2 * n] = (int64_t)start;
        sp[2 * n + 1] = (int64_t)(len - start);
        n++;
    }
    *ntok = n;
    return 0;
}
#endif

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

/* How many lookups ahead the hash-table slots are prefetched. */
#define S_AHEAD 12

/* A new token t's entry in tok_term: stop word, or not yet a unigram term. */
static void s_new_token(ml_analyzer_t *a, int32_t t, const char *s, size_t len)
{
    int added;
    int stop = a->cfg.stop_kind == ML_STOP_ENGLISH ? ml_stop_words_is_english(s, len)
               : a->cfg.stop_kind == ML_STOP_LIST
                   ? (ml_td_dict_intern(&a->stop, s, len, &added), !added)
                   : 0;
    a->tok_term = ml_td_grow(a->tok_term, &a->tok_term_cap, (size_t)t + 1, sizeof *a->tok_term);
    a->tok_term[t] = stop ? S_STOP : S_UNSEEN;
}

/*
 * The spans' token ids, stop words dropped, into doc_toks. The hash table
 * is far larger than the caches: every span is hashed first, then each
 * lookup prefetches the slot S_AHEAD lookups on, so a few misses overlap
 * at any time (prefetching a whole document at once overflows the line
 * fill buffers and stalls). A token's stop flag and unigram term sit in
 * tok_term, 4 bytes a token, which stays mostly in cache.
 */
static size_t s_tokens(ml_analyzer_t *a, const char *text, size_t n)
{
    if (n > a->toks_cap) {
        a->toks_cap = 2 * n;
        a->doc_toks = dsk_xrealloc(a->doc_toks, a->toks_cap * sizeof *a->doc_toks, 1);
        a->hashes = dsk_xrealloc(a->hashes, a->toks_cap * sizeof *a->hashes, 1);
    }
    for (size_t i = 0; i < n; i++) {
        a->hashes[i] = ml_td_hash(text + a->spans[2 * i], (size_t)a->spans[2 * i + 1]);
        if (i < S_AHEAD)
            __builtin_prefetch(&a->toks.tab.slot[ML_TD_POS(a->hashes[i], a->toks.tab.mask)]);
    }
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + S_AHEAD < n)
            __builtin_prefetch(
                &a->toks.tab.slot[ML_TD_POS(a->hashes[i + S_AHEAD], a->toks.tab.mask)]);
        const char *s = text + a->spans[2 * i];
        size_t len = (size_t)a->spans[2 * i + 1];
        int added;
        int32_t t = ml_td_dict_intern_h(&a->toks, a->hashes[i], s, len, &added);
        if (added)
            s_new_token(a, t, s, len);
        if (a->tok_term[t] != S_STOP)
            a->doc_toks[nt++] = t;
    }
    return nt;
}

static void s_join(ml_analyzer_t *a, const int32_t *k, size_t n)
{
    a->join.len = 0;
    for (size_t j = 0; j < n; j++) {
        const ml_td_ent_t *e = &a->toks.ent[k[j]];
        if (j)
            ml_td_bytes_add(&a->join, " ", 1);
        ml_td_bytes_add(&a->join, a->toks.bytes.p + e->off, (size_t)e->len);
    }
}

/* A new term made of tokens k[0..n) (a string lookup first unless fast). */
static int32_t s_new_term(ml_analyzer_t *a, const int32_t *k, size_t n)
{
    if (a->pairmode) {
        a->term_tok = ml_td_biggrow(a->term_tok, &a->term_tok_cap, 2 * a->npairterms + 2,
                                    sizeof *a->term_tok);
        a->term_tok[2 * a->npairterms] = k[0];
        a->term_tok[2 * a->npairterms + 1] = n > 1 ? k[1] : -1;
        return (int32_t)a->npairterms++;
    }
    s_join(a, k, n);
    int added;
    return a->fast ? ml_td_dict_append(&a->terms, a->join.p, a->join.len)
                   : ml_td_dict_intern(&a->terms, a->join.p, a->join.len, &added);
}

/* The term id of token t as a unigram. */
static int32_t s_unigram(ml_analyzer_t *a, int32_t t)
{
    if (a->tok_term[t] < 0) {
        int32_t term = s_new_term(a, &t, 1);
        a->tok_term[t] = term;
    }
    return a->tok_term[t];
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
    ml_td_tab_t *t = &a->ng_tab;
    for (size_t i = ML_TD_POS(h, t->mask); t->slot[i].id; i = (i + 1) & t->mask) {
        int32_t id = t->slot[i].id - 1;
        if (t->slot[i].h == h && a->ng_off[id + 1] - a->ng_off[id] == (int64_t)n &&
            memcmp(a->ng_keys + a->ng_off[id], k, n * sizeof *k) == 0)
            return a->ng_term[id];
    }
    int32_t term = s_new_term(a, k, n);
    if (a->ng_n + 2 > a->ng_cap) {
        a->ng_cap = 2 * a->ng_cap + 1024;
        a->ng_off = dsk_xrealloc(a->ng_off, a->ng_cap * sizeof *a->ng_off, 1);
        a->ng_term = dsk_xrealloc(a->ng_term, a->ng_cap * sizeof *a->ng_term, 1);
        if (a->ng_n == 0)
            a->ng_off[0] = 0;
    }
    a->ng_keys = ml_td_grow(a->ng_keys, &a->ng_keys_cap, a->ng_keys_len + n, sizeof *a->ng_keys);
    memcpy(a->ng_keys + a->ng_keys_len, k, n * sizeof *k);
    a->ng_keys_len += n;
    a->ng_term[a->ng_n] = term;
    a->ng_off[a->ng_n + 1] = (int64_t)a->ng_keys_len;
    ml_td_tab_add(t, h, 0, (int32_t)a->ng_n++);
    return term;
}

static void s_push_id(ml_analyzer_t *a, size_t *n, int32_t id)
{
    if (*n + 1 > a->ids_cap)
        a->doc_ids = ml_td_grow(a->doc_ids, &a->ids_cap, *n + 1, sizeof *a->doc_ids);
    a->doc_ids[(*n)++] = id;
}

/* All bigrams of the document's tokens, looked up with prefetches as in s_tokens. */
static void s_bigrams(ml_analyzer_t *a, size_t nt, size_t *ni)
{
    if (nt < 2)
        return;
    if (nt > a->spans_cap / 2) {
        a->spans_cap = 2 * nt;
        a->spans = dsk_xrealloc(a->spans, a->spans_cap * sizeof *a->spans, 1);
    }
    uint64_t *keys = (uint64_t *)a->spans; /* the spans are no longer needed */
    for (size_t i = 0; i + 1 < nt; i++) {
        keys[i] = ((uint64_t)(uint32_t)a->doc_toks[i] << 32 | (uint32_t)a->doc_toks[i + 1]) + 1;
        if (i < S_AHEAD)
            __builtin_prefetch(ml_td_pairs_home(&a->pairs, keys[i]));
    }
    for (size_t i = 0; i + 1 < nt; i++) {
        if (i + S_AHEAD + 1 < nt)
            __builtin_prefetch(ml_td_pairs_home(&a->pairs, keys[i + S_AHEAD]));
        int32_t term = ml_td_pairs_get(&a->pairs, keys[i]);
        if (term < 0) {
            term = s_new_term(a, a->doc_toks + i, 2);
            ml_td_pairs_put(&a->pairs, keys[i], term);
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
        a->lbuf = ml_td_grow(a->lbuf, &a->lcap, 2 * len + 1, 1);
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
    int rc;
    if (a->re)
        rc = s_scan_pcre(a, text, tlen, &ns);
    else {
#ifdef __SSE2__
        rc = s_scan_ascii(a, text, tlen, &ns);
        if (rc != 0)
            ns = 0, rc = s_scan_default(a, text, tlen, &ns);
#else
        rc = s_scan_default(a, text, tlen, &ns);
#endif
    }
    if (rc != 0)
        return dsk_seterr(err, DSK_EINVAL, "document is not valid UTF-8, or token_pattern "
                          "failed on it");
    size_t nt = s_tokens(a, text, ns), ni = 0;
    int64_t min_n = a->cfg.min_n, max_n = a->cfg.max_n;
    if (a->ids_cap < nt * (size_t)(max_n - min_n + 1) + 1)
        a->doc_ids = ml_td_grow(a->doc_ids, &a->ids_cap, nt * (size_t)(max_n - min_n + 1) + 1,
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

/*
 * The dictionary in string order. With the default pattern and n <= 2 the
 * terms are token pairs, sorted by their tokens' ranks (ml_td_sort_pairs).
 */
int32_t *ml_analyzer_sorted_ids(const ml_analyzer_t *a)
{
    if (!a->pairmode)
        return ml_td_sort_dict(&a->terms);
    return ml_td_sort_pairs(&a->toks, a->term_tok, a->npairterms);
}
