/* check_ml_text.c — Unicode, the word analyzer, CountVectorizer and its split fit. */
#include <check.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ml_count_vectorizer.h"
#include "ml_hashing_vectorizer.h"

#include "ml_np_rng.h"
#include "job_plan.h"
#include "job_task.h"
#include "job_stage.h"
#include "ml_term_dict.h"
#include "ml_tfidf.h"

#include "ml_tokenizer.h"
#include "ml_unicode.h"

typedef struct {
    int min_n, max_n, english, binary, max_features;
    double max_df;
    int lowercase;
    const char *pattern;
    const char *vocab; /* terms joined by '|' */
    int64_t indptr[7];
    int32_t indices[64];
    double data[64];
    int nnz;
} s_case_t;

/* Expected values printed by scikit-learn 1.2.1 / NumPy 1.24:
   /usr/bin/python3 tests/parity/golden_text.py --unit (CountVectorizer(**case)). */
static const char *const s_docs[] = {"The quick brown fox; the LAZY dog.", "\xce\xa3" "\xce\x9f" "\xce\xa6" "\xce\x9f" "\xce\xa3" " \xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" " \xc4\xb0" "stanbul na\xc3\xaf" "ve caf\xc3\xa9" " x_y 12 \xc2\xb2" " a", "dog dog dog fox", "", "\xce\x91" "\xce\xa3" ". \xce\x9f" "\xce\x94" "\xce\xa5" "\xce\xa3" "\xce\xa3" "\xce\x95" "\xce\xa5" "\xce\xa3" ": \xce\xa3" " x", "the the fox jumps over the dog"};
static const char *const s_lowered[] = {"the quick brown fox; the lazy dog.", "\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" " \xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" " i\xcc\x87" "stanbul na\xc3\xaf" "ve caf\xc3\xa9" " x_y 12 \xc2\xb2" " a", "dog dog dog fox", "", "\xce\xb1" "\xcf\x82" ". \xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" ": \xcf\x83" " x", "the the fox jumps over the dog"};
static const s_case_t s_cases[] = {
    {1, 1, 0, 0, 0, 1.0, 1, "(\x3f" "u)\x5c" "b\x5c" "w\x5c" "w+\x5c" "b", "12|brown|caf\xc3\xa9" "|dog|fox|jumps|lazy|na\xc3\xaf" "ve|over|quick|stanbul|the|x_y|\xce\xb1" "\xcf\x82" "|\xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "",
     {0, 6, 13, 15, 15, 17, 22}, {1, 3, 4, 6, 9, 11, 0, 2, 7, 10, 12, 15, 16, 3, 4, 13, 14, 3, 4, 5, 8, 11}, {1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 3}, 22},
    {1, 2, 0, 0, 0, 1.0, 1, "(\x3f" "u)\x5c" "b\x5c" "w\x5c" "w+\x5c" "b", "12|brown|brown fox|caf\xc3\xa9" "|caf\xc3\xa9" " x_y|dog|dog dog|dog fox|fox|fox jumps|fox the|jumps|jumps over|lazy|lazy dog|na\xc3\xaf" "ve|na\xc3\xaf" "ve caf\xc3\xa9" "|over|over the|quick|quick brown|stanbul|stanbul na\xc3\xaf" "ve|the|the dog|the fox|the lazy|the quick|the the|x_y|x_y 12|\xce\xb1" "\xcf\x82" "|\xce\xb1" "\xcf\x82" " \xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" "|\xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" " \xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" " stanbul",
     {0, 12, 25, 29, 29, 32, 43}, {1, 2, 5, 8, 10, 13, 14, 19, 20, 23, 26, 27, 0, 3, 4, 15, 16, 21, 22, 29, 30, 34, 35, 36, 37, 5, 6, 7, 8, 31, 32, 33, 5, 8, 9, 11, 12, 17, 18, 23, 24, 25, 28}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1}, 43},
    {1, 1, 1, 1, 0, 1.0, 1, "(\x3f" "u)\x5c" "b\x5c" "w\x5c" "w+\x5c" "b", "12|brown|caf\xc3\xa9" "|dog|fox|jumps|lazy|na\xc3\xaf" "ve|quick|stanbul|x_y|\xce\xb1" "\xcf\x82" "|\xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "",
     {0, 5, 12, 14, 14, 16, 19}, {1, 3, 4, 6, 8, 0, 2, 7, 9, 10, 13, 14, 3, 4, 11, 12, 3, 4, 5}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 19},
    {2, 3, 0, 0, 0, 0.2, 1, "(\x3f" "u)\x5c" "b\x5c" "w\x5c" "w+\x5c" "b", "brown fox|brown fox the|caf\xc3\xa9" " x_y|caf\xc3\xa9" " x_y 12|dog dog|dog dog dog|dog dog fox|dog fox|fox jumps|fox jumps over|fox the|fox the lazy|jumps over|jumps over the|lazy dog|na\xc3\xaf" "ve caf\xc3\xa9" "|na\xc3\xaf" "ve caf\xc3\xa9" " x_y|over the|over the dog|quick brown|quick brown fox|stanbul na\xc3\xaf" "ve|stanbul na\xc3\xaf" "ve caf\xc3\xa9" "|the dog|the fox|the fox jumps|the lazy|the lazy dog|the quick|the quick brown|the the|the the fox|x_y 12|\xce\xb1" "\xcf\x82" " \xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" " \xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" " \xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" " stanbul|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" " stanbul|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" " stanbul na\xc3\xaf" "ve",
     {0, 11, 22, 26, 26, 27, 38}, {0, 1, 10, 11, 14, 19, 20, 26, 27, 28, 29, 2, 3, 15, 16, 21, 22, 32, 34, 35, 36, 37, 4, 5, 6, 7, 33, 8, 9, 12, 13, 17, 18, 23, 24, 25, 30, 31}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 38},
    {1, 1, 0, 0, 5, 1.0, 1, "(\x3f" "u)\x5c" "b\x5c" "w\x5c" "w+\x5c" "b", "12|dog|fox|the|\xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" "",
     {0, 3, 4, 6, 6, 7, 10}, {1, 2, 3, 0, 1, 2, 4, 1, 2, 3}, {1, 1, 2, 1, 3, 1, 1, 1, 1, 3}, 10},
    {1, 2, 0, 0, 9, 1.0, 1, "(\x3f" "u)\x5c" "b\x5c" "w\x5c" "w+\x5c" "b", "12|dog|dog dog|fox|stanbul na\xc3\xaf" "ve|the|the dog|the fox|the lazy",
     {0, 4, 6, 9, 9, 9, 14}, {1, 3, 5, 8, 0, 4, 1, 2, 3, 1, 3, 5, 6, 7}, {1, 1, 2, 1, 1, 1, 3, 2, 1, 1, 1, 3, 1, 1}, 14},
    {1, 1, 0, 0, 0, 1.0, 1, "(\x3f" "u)\x5c" "b(\x5c" "w)\x5c" "w*\x5c" "b", "1|a|b|c|d|f|i|j|l|n|o|q|s|t|x|\xc2\xb2" "|\xce\xb1" "|\xce\xbf" "|\xcf\x83" "",
     {0, 6, 15, 17, 17, 21, 26}, {2, 4, 5, 8, 11, 13, 0, 1, 3, 6, 9, 12, 14, 15, 18, 4, 5, 14, 16, 17, 18, 4, 5, 7, 10, 13}, {1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3}, 26},
    {1, 1, 0, 0, 0, 1.0, 0, "\x5c" "S+", "12|LAZY|The|a|brown|caf\xc3\xa9" "|dog|dog.|fox|fox;|jumps|na\xc3\xaf" "ve|over|quick|the|x|x_y|\xc2\xb2" "|\xc4\xb0" "stanbul|\xce\x91" "\xce\xa3" ".|\xce\x9f" "\xce\x94" "\xce\xa5" "\xce\xa3" "\xce\xa3" "\xce\x95" "\xce\xa5" "\xce\xa3" ":|\xce\xa3" "|\xce\xa3" "\xce\x9f" "\xce\xa6" "\xce\x9f" "\xce\xa3" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "",
     {0, 7, 16, 18, 18, 22, 27}, {1, 2, 4, 7, 9, 13, 14, 0, 3, 5, 11, 16, 17, 18, 22, 23, 6, 8, 15, 19, 20, 21, 6, 8, 10, 12, 14}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3}, 27},
    {1, 2, 0, 0, 0, 1.0, 1, "\x5c" "S+", "12|12 \xc2\xb2" "|a|brown|brown fox;|caf\xc3\xa9" "|caf\xc3\xa9" " x_y|dog|dog dog|dog fox|dog.|fox|fox jumps|fox;|fox; the|i\xcc\x87" "stanbul|i\xcc\x87" "stanbul na\xc3\xaf" "ve|jumps|jumps over|lazy|lazy dog.|na\xc3\xaf" "ve|na\xc3\xaf" "ve caf\xc3\xa9" "|over|over the|quick|quick brown|the|the dog|the fox|the lazy|the quick|the the|x|x_y|x_y 12|\xc2\xb2" "|\xc2\xb2" " a|\xce\xb1" "\xcf\x82" ".|\xce\xb1" "\xcf\x82" ". \xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" ":|\xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" ":|\xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" ": \xcf\x83" "|\xcf\x83" "|\xcf\x83" " x|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" " \xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" " i\xcc\x87" "stanbul",
     {0, 12, 29, 33, 33, 40, 51}, {3, 4, 10, 13, 14, 19, 20, 25, 26, 27, 30, 31, 0, 1, 2, 5, 6, 15, 16, 21, 22, 34, 35, 36, 37, 44, 45, 46, 47, 7, 8, 9, 11, 33, 38, 39, 40, 41, 42, 43, 7, 11, 12, 17, 18, 23, 24, 27, 28, 29, 32}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1}, 51},
    {1, 1, 0, 0, 0, 1.0, 1, "\x5c" "w*", "|12|a|brown|caf\xc3\xa9" "|dog|fox|i|jumps|lazy|na\xc3\xaf" "ve|over|quick|stanbul|the|x|x_y|\xc2\xb2" "|\xce\xb1" "\xcf\x82" "|\xce\xbf" "\xce\xb4" "\xcf\x85" "\xcf\x83" "\xcf\x83" "\xce\xb5" "\xcf\x85" "\xcf\x82" "|\xcf\x83" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xce\xbf" "\xcf\x82" "|\xcf\x83" "\xce\xbf" "\xcf\x86" "\xcf\x8c" "\xcf\x82" "",
     {0, 7, 18, 21, 22, 27, 33}, {0, 3, 5, 6, 9, 12, 14, 0, 1, 2, 4, 7, 10, 13, 16, 17, 21, 22, 0, 5, 6, 0, 0, 15, 18, 19, 20, 0, 5, 6, 8, 11, 14}, {9, 1, 1, 1, 1, 1, 2, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 3, 1, 1, 6, 1, 1, 1, 1, 7, 1, 1, 1, 1, 3}, 33},
};
static const int64_t s_as_v[60] = {2, 0, 1, 3, 0, 0, 0, 5, 5, 3, 2, 3, 1, 1, 2, 5, 0, 4, 4, 5, 0, 2, 1, 2, 2, 2, 4, 1, 3, 2, 5, 0, 1, 5, 2, 0, 3, 0, 3, 1, 3, 0, 5, 4, 1, 5, 4, 4, 0, 0, 1, 2, 4, 5, 0, 0, 5, 5, 1, 1};
static const int64_t s_as_want[60] = {16, 1, 31, 55, 4, 5, 6, 54, 41, 37, 49, 48, 20, 35, 59, 22, 32, 13, 44, 58, 12, 50, 2, 39, 27, 34, 51, 0, 29, 25, 24, 23, 21, 10, 14, 3, 9, 11, 40, 28, 38, 36, 52, 17, 47, 46, 43, 18, 26, 42, 33, 8, 15, 53, 7, 30, 56, 57, 45, 19};
/* RandomState(3): randint(0,6,60) then randint(0,3,300) */
static const int64_t s_as2_want[40] = {81, 90, 230, 88, 188, 233, 134, 84, 83, 135, 136, 80, 79, 78, 238, 76, 75, 74, 73, 72, 239, 137, 69, 187, 242, 139, 65, 183, 190, 198, 228, 226, 123, 202, 126, 120, 205, 118, 117, 116};
static const int64_t s_as2_v[300] = {1, 1, 1, 2, 0, 0, 0, 0, 0, 0, 2, 2, 0, 1, 1, 2, 0, 1, 1, 0, 1, 0, 2, 2, 0, 0, 2, 0, 0, 0, 2, 2, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1, 2, 0, 1, 2, 2, 0, 2, 1, 2, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 1, 2, 2, 0, 1, 0, 1, 2, 1, 1, 0, 1, 2, 0, 0, 0, 1, 2, 0, 0, 2, 0, 0, 2, 0, 2, 1, 0, 0, 1, 2, 0, 0, 0, 1, 0, 1, 2, 0, 2, 1, 0, 1, 1, 0, 2, 1, 1, 1, 0, 0, 0, 0, 2, 0, 1, 2, 0, 0, 0, 2, 2, 1, 0, 1, 0, 1, 2, 1, 0, 1, 0, 1, 1, 0, 0, 2, 1, 1, 2, 1, 2, 2, 2, 1, 2, 2, 2, 0, 2, 1, 1, 1, 0, 0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 2, 0, 1, 0, 1, 2, 0, 2, 0, 0, 2, 2, 2, 0, 2, 1, 0, 2, 2, 2, 1, 1, 2, 0, 2, 1, 0, 2, 2, 0, 2, 2, 0, 1, 2, 1, 0, 0, 0, 0, 1, 0, 2, 1, 0, 1, 2, 2, 1, 0, 0, 1, 1, 0, 2, 1, 1, 1, 1, 1, 2, 1, 0, 1, 0, 1, 1, 2, 2, 1, 2, 0, 2, 1, 1, 2, 2, 0, 2, 1, 2, 0, 0, 2, 1, 2, 2, 2, 1, 1, 2, 0, 1, 2, 0, 2, 1, 1, 2, 2, 1, 1, 0, 2, 1, 2, 2, 2, 0, 0, 1};

static ml_data_t *s_text(const char *const *docs, int64_t n)
{
    ml_data_t *d = ml_data_new_text(n);
    for (int64_t i = 0; i < n; i++) {
        d->text.docs[i] = strdup(docs[i]);
        d->text.lens[i] = strlen(docs[i]);
    }
    return d;
}

static void s_set(const ml_estimator_ops_t *ops, void *impl, const char *name, ml_value_t v)
{
    char err[DSK_ERR_LEN];
    int rc = ops->set_param(impl, name, &v, err);
    ck_assert_msg(rc == 0, "%s: %s", name, err);
    ml_value_clear(&v);
}

static ml_value_t s_pair(int64_t a, int64_t b)
{
    ml_value_t v = ml_value_list(2);
    v.u.list.items[0] = ml_value_int(a);
    v.u.list.items[1] = ml_value_int(b);
    return v;
}

static void *s_case_cv(const s_case_t *c)
{
    const ml_estimator_ops_t *ops = &ml_count_vectorizer_ops;
    void *cv = ops->create();
    s_set(ops, cv, "ngram_range", s_pair(c->min_n, c->max_n));
    if (c->english)
        s_set(ops, cv, "stop_words", ml_value_string("english"));
    s_set(ops, cv, "binary", ml_value_bool(c->binary));
    if (c->max_features)
        s_set(ops, cv, "max_features", ml_value_int(c->max_features));
    s_set(ops, cv, "max_df", ml_value_float(c->max_df));
    s_set(ops, cv, "lowercase", ml_value_bool(c->lowercase));
    s_set(ops, cv, "token_pattern", ml_value_string(c->pattern));
    return cv;
}

static void s_check_vocab(void *cv, const char *want)
{
    char buf[4096];
    size_t o = 0;
    for (int64_t j = 0; j < ml_count_vectorizer_nfeatures(cv); j++) {
        size_t l;
        const char *t = ml_count_vectorizer_term(cv, j, &l);
        if (j)
            buf[o++] = '|';
        memcpy(buf + o, t, l);
        o += l;
    }
    buf[o] = 0;
    ck_assert_str_eq(buf, want);
}

static void s_check_csr(const ml_csr_t *X, const s_case_t *c)
{
    ck_assert_int_eq(X->nrows, 6);
    ck_assert_mem_eq(X->indptr, c->indptr, sizeof c->indptr);
    ck_assert(memcmp(X->indices, c->indices, (size_t)c->nnz * sizeof *X->indices) == 0);
    for (int k = 0; k < c->nnz; k++)
        ck_assert_double_eq(X->data[k], c->data[k]);
}

START_TEST(test_lower_like_python)
{
    char out[512];
    for (size_t i = 0; i < sizeof s_docs / sizeof *s_docs; i++) {
        size_t n;
        ck_assert_int_eq(ml_unicode_lower(s_docs[i], strlen(s_docs[i]), out, &n), 0);
        ck_assert_uint_eq(n, strlen(s_lowered[i]));
        ck_assert(memcmp(out, s_lowered[i], n) == 0);
    }
    /* final sigma after a case-ignorable U+0345, sharp s, Kelvin sign (Python 3.11) */
    const char *s = "\xce\xa3\xce\x91 A\xcd\x85\xce\xa3 \xe1\xba\x9e \xe2\x84\xaa";
    const char *w = "\xcf\x83\xce\xb1 a\xcd\x85\xcf\x82 \xc3\x9f k";
    size_t n;
    ck_assert_int_eq(ml_unicode_lower(s, strlen(s), out, &n), 0);
    ck_assert_uint_eq(n, strlen(w));
    ck_assert_mem_eq(out, w, n);
    ck_assert_int_eq(ml_unicode_lower("a\xc3", 2, out, &n), -1);
    ck_assert_int_eq(ml_unicode_lower("\xed\xa0\x80", 3, out, &n), -1); /* a surrogate */
}
END_TEST

START_TEST(test_word_chars)
{
    ck_assert(ml_unicode_is_word('_'));
    ck_assert(ml_unicode_is_word(0xB2));    /* superscript two: isnumeric */
    ck_assert(ml_unicode_is_word(0x2160));  /* roman numeral one */
    ck_assert(ml_unicode_is_word(0x0660));  /* arabic-indic zero */
    ck_assert(!ml_unicode_is_word(0x0301)); /* combining acute: not alnum */
    ck_assert(!ml_unicode_is_word(' '));
    ck_assert(!ml_unicode_is_word(0xB7));
    char buf[4];
    size_t pos = 0;
    uint32_t cp;
    ck_assert_uint_eq(ml_utf8_encode(0x1F600, buf), 4);
    ck_assert_int_eq(ml_utf8_decode((unsigned char *)buf, 4, &pos, &cp), 0);
    ck_assert_uint_eq(cp, 0x1F600);
    pos = 0;
    ck_assert_int_eq(ml_utf8_decode((const unsigned char *)"\xc0\x80", 2, &pos, &cp), -1);
}
END_TEST

/* Every case's vocabulary and matrix equal scikit-learn's, directly and via the split fit. */
START_TEST(test_count_vectorizer_cases)
{
    char err[DSK_ERR_LEN];
    ml_data_t *docs = s_text(s_docs, 6);
    for (size_t i = 0; i < sizeof s_cases / sizeof *s_cases; i++) {
        const s_case_t *c = &s_cases[i];
        void *cv = s_case_cv(c);
        ck_assert_msg(ml_count_vectorizer_ops.fit(cv, docs, NULL, err) == 0, "%s", err);
        s_check_vocab(cv, c->vocab);
        ml_data_t *out = NULL;
        ck_assert_int_eq(ml_count_vectorizer_ops.transform(cv, docs, &out, err), 0);
        s_check_csr(out->csr, c);
        ml_data_destroy(&out);
        ml_doc_counts_t *dc = ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(cv), docs, err);
        ck_assert_ptr_nonnull(dc);
        ml_csr_t *X = NULL;
        ck_assert_int_eq(ml_count_vectorizer_fit_counts(cv, dc, NULL, 0, &X, err), 0);
        s_check_vocab(cv, c->vocab);
        s_check_csr(X, c);
        ml_csr_destroy(&X);
        ml_doc_counts_destroy(&dc);
        ml_count_vectorizer_ops.destroy(cv);
    }
    ml_data_destroy(&docs);
}
END_TEST

START_TEST(test_numpy_argsort)
{
    int64_t idx[300];
    ml_np_argsort_i64(s_as_v, idx, 60);
    ck_assert_mem_eq(idx, s_as_want, sizeof s_as_want);
    ml_np_argsort_i64(s_as2_v, idx, 300);
    ck_assert_mem_eq(idx, s_as2_want, sizeof s_as2_want);
}
END_TEST

static int s_csr_equal(const ml_csr_t *a, const ml_csr_t *b)
{
    if (a->nrows != b->nrows || a->ncols != b->ncols ||
        memcmp(a->indptr, b->indptr, (size_t)(a->nrows + 1) * sizeof *a->indptr) != 0)
        return 0;
    int64_t nnz = ml_csr_nnz(a);
    return memcmp(a->indices, b->indices, (size_t)nnz * sizeof *a->indices) == 0 &&
           memcmp(a->data, b->data, (size_t)nnz * sizeof *a->data) == 0;
}

/* Random documents over a small word list, with case and punctuation noise. */
static ml_data_t *s_random_docs(ml_np_rng_t *r, int64_t n)
{
    static const char *const words[] = {"alpha", "Beta", "gamma", "delta", "the", "and",
                                        "caf\xc3\xa9", "\xce\xa3\xce\x91\xce\xa3", "x", "42",
                                        "under_score", "of", "zeta", "eta"};
    ml_data_t *d = ml_data_new_text(n);
    for (int64_t i = 0; i < n; i++) {
        char buf[2048];
        size_t o = 0;
        int64_t len = ml_np_rng_randint(r, 0, 40);
        for (int64_t k = 0; k < len; k++) {
            const char *w = words[ml_np_rng_randint(r, 0, 14)];
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", w,
                                  ml_np_rng_randint(r, 0, 5) ? " " : ", ");
        }
        d->text.docs[i] = strndup(buf, o);
        d->text.lens[i] = o;
    }
    return d;
}

/* A CountVectorizer(ngram_range=(1, 2)), with English stop words when asked. */
static void *s_bigram_cv(const ml_estimator_ops_t *ops, int stop_words)
{
    void *cv = ops->create();
    s_set(ops, cv, "ngram_range", s_pair(1, 2));
    if (stop_words)
        s_set(ops, cv, "stop_words", ml_value_string("english"));
    return cv;
}

/* Document counts moved to another worker (packed, unpacked) fit and transform as the original. */
START_TEST(test_moved_counts_fit_the_same)
{
    char err[DSK_ERR_LEN];
    ml_np_rng_t r;
    ml_np_rng_seed(&r, 5);
    ml_data_t *docs = s_random_docs(&r, 40);
    const ml_estimator_ops_t *ops = &ml_count_vectorizer_ops;
    const job_stage_ops_t *st = job_stage_find(ops);
    ck_assert_ptr_nonnull(st);
    for (int variant = 0; variant < 2; variant++) {
        void *cv = s_bigram_cv(ops, variant), *cv2 = s_bigram_cv(ops, variant);
        ml_doc_counts_t *dc = ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(cv), docs, err);
        ck_assert_ptr_nonnull(dc);
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        ck_assert_int_eq(st->pack_output(dc, &pk), 0);
        job_output_t moved;
        ck_assert_msg(job_output_unpack(sb.data, sb.size, &moved, err) == 0, "%s", err);
        const ml_doc_counts_t *back = moved.obj;
        ck_assert(ml_count_vectorizer_same_analyzer(cv, back));
        ck_assert_int_eq(ml_doc_counts_nterms(back), ml_doc_counts_nterms(dc));
        int64_t perm[40];
        ml_np_rng_permutation(&r, perm, 40);
        ml_csr_t *A = NULL, *B = NULL, *At = NULL, *Bt = NULL;
        ck_assert_int_eq(ml_count_vectorizer_fit_counts(cv, dc, perm, 25, &A, err), 0);
        ck_assert_msg(ml_count_vectorizer_fit_counts(cv2, back, perm, 25, &B, err) == 0, "%s", err);
        ck_assert_int_eq(ml_count_vectorizer_transform_counts(cv, dc, perm + 25, 15, &At, err), 0);
        ck_assert_int_eq(ml_count_vectorizer_transform_counts(cv2, back, perm + 25, 15, &Bt, err), 0);
        ck_assert(s_csr_equal(A, B));
        ck_assert(s_csr_equal(At, Bt));
        /* and again from the moved copy: the same bytes */
        msgpack_sbuffer sb2;
        msgpack_sbuffer_init(&sb2);
        msgpack_packer pk2;
        msgpack_packer_init(&pk2, &sb2, msgpack_sbuffer_write);
        ck_assert_int_eq(moved.pack(moved.obj, &pk2), 0);
        ck_assert_uint_eq(sb.size, sb2.size);
        ck_assert_int_eq(memcmp(sb.data, sb2.data, sb.size), 0);
        /* cut short anywhere: an error, never a crash */
        for (size_t cut = 0; cut < sb.size; cut += 1 + sb.size / 97) {
            job_output_t bad;
            ck_assert_int_ne(job_output_unpack(sb.data, cut, &bad, err), 0);
        }
        msgpack_sbuffer_destroy(&sb2);
        msgpack_sbuffer_destroy(&sb);
        ml_csr_destroy(&A);
        ml_csr_destroy(&B);
        ml_csr_destroy(&At);
        ml_csr_destroy(&Bt);
        job_output_clear(&moved);
        ml_doc_counts_destroy(&dc);
        ops->destroy(cv);
        ops->destroy(cv2);
    }
    ml_data_destroy(&docs);
}
END_TEST

/* fit_counts / transform_counts on random folds == fit + transform on those documents. */
START_TEST(test_split_fit_equals_direct)
{
    char err[DSK_ERR_LEN];
    ml_np_rng_t r;
    ml_np_rng_seed(&r, 11);
    ml_data_t *docs = s_random_docs(&r, 60);
    const ml_estimator_ops_t *ops = &ml_count_vectorizer_ops;
    for (int variant = 0; variant < 6; variant++) {
        void *cv = ops->create();
        s_set(ops, cv, "ngram_range", s_pair(1, 1 + variant % 2));
        if (variant == 1)
            s_set(ops, cv, "max_df", ml_value_float(0.5));
        if (variant == 2)
            s_set(ops, cv, "min_df", ml_value_int(2));
        if (variant == 3)
            s_set(ops, cv, "max_features", ml_value_int(7));
        if (variant == 4) {
            s_set(ops, cv, "binary", ml_value_bool(1));
            s_set(ops, cv, "stop_words", ml_value_string("english"));
            s_set(ops, cv, "max_features", ml_value_int(5));
        }
        if (variant == 5)
            s_set(ops, cv, "min_df", ml_value_float(0.1));
        ml_doc_counts_t *dc = ml_doc_counts_build(ml_count_vectorizer_analyzer_cfg(cv), docs, err);
        ck_assert_ptr_nonnull(dc);
        ck_assert(ml_count_vectorizer_same_analyzer(cv, dc));
        for (int trial = 0; trial < 4; trial++) {
            int64_t perm[60];
            ml_np_rng_permutation(&r, perm, 60);
            int64_t ntr = 20 + ml_np_rng_randint(&r, 0, 30);
            ml_csr_t *Xs = NULL, *Ts = NULL;
            ck_assert_msg(ml_count_vectorizer_fit_counts(cv, dc, perm, ntr, &Xs, err) == 0, "%s", err);
            ck_assert_int_eq(ml_count_vectorizer_transform_counts(cv, dc, perm + ntr, 60 - ntr,
                                                                  &Ts, err), 0);
            void *direct = ops->create();
            s_set(ops, direct, "ngram_range", s_pair(1, 1 + variant % 2));
            ml_value_t v;
            static const char *const copy[] = {"max_df", "min_df", "max_features", "binary",
                                               "stop_words"};
            for (size_t k = 0; k < 5; k++) {
                ck_assert_int_eq(ops->get_param(cv, copy[k], &v, err), 0);
                s_set(ops, direct, copy[k], v);
            }
            ml_data_t *tr = ml_data_take_rows(docs, perm, ntr);
            ml_data_t *te = ml_data_take_rows(docs, perm + ntr, 60 - ntr);
            ml_data_t *Xd = NULL, *Td = NULL;
            ck_assert_int_eq(ops->fit(direct, tr, NULL, err), 0);
            ck_assert_int_eq(ops->transform(direct, tr, &Xd, err), 0);
            ck_assert_int_eq(ops->transform(direct, te, &Td, err), 0);
            ck_assert(s_csr_equal(Xs, Xd->csr));
            ck_assert(s_csr_equal(Ts, Td->csr));
            ck_assert_int_eq(ml_count_vectorizer_nfeatures(cv), ml_count_vectorizer_nfeatures(direct));
            ml_csr_destroy(&Xs);
            ml_csr_destroy(&Ts);
            ml_data_destroy(&Xd);
            ml_data_destroy(&Td);
            ml_data_destroy(&tr);
            ml_data_destroy(&te);
            ops->destroy(direct);
        }
        ml_doc_counts_destroy(&dc);
        ops->destroy(cv);
    }
    ml_data_destroy(&docs);
}
END_TEST

/* The errors scikit-learn raises, with its words. */
START_TEST(test_count_vectorizer_errors)
{
    char err[DSK_ERR_LEN];
    const ml_estimator_ops_t *ops = &ml_count_vectorizer_ops;
    ml_data_t *docs = s_text(s_docs, 6);
    void *cv = ops->create();
    ml_value_t v = ml_value_string("ascii");
    ck_assert_int_eq(ops->set_param(cv, "strip_accents", &v, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "'strip_accents' value 'ascii' is not supported"));
    ml_value_clear(&v);
    v = ml_value_string("char");
    ck_assert_int_eq(ops->set_param(cv, "analyzer", &v, err), DSK_EINVAL);
    ml_value_clear(&v);
    v = ml_value_int(1);
    ck_assert_int_eq(ops->set_param(cv, "max_dff", &v, err), DSK_EINVAL);
    ck_assert_str_eq(err, "CountVectorizer has no parameter 'max_dff' (did you mean 'max_df'?)");
    v = ml_value_float(1.5);
    ck_assert_int_eq(ops->set_param(cv, "min_df", &v, err), DSK_EINVAL);
    s_set(ops, cv, "max_df", ml_value_int(1));
    s_set(ops, cv, "min_df", ml_value_int(2));
    ck_assert_int_eq(ops->fit(cv, docs, NULL, err), DSK_EINVAL);
    ck_assert_str_eq(err, "CountVectorizer: max_df corresponds to < documents than min_df");
    s_set(ops, cv, "max_df", ml_value_float(0.1));
    s_set(ops, cv, "min_df", ml_value_float(0.05));
    ck_assert_int_eq(ops->fit(cv, docs, NULL, err), DSK_EINVAL);
    ck_assert_str_eq(err, "CountVectorizer: After pruning, no terms remain. Try a lower min_df "
                          "or a higher max_df.");
    s_set(ops, cv, "max_df", ml_value_float(1.0));
    s_set(ops, cv, "token_pattern", ml_value_string("(a)(b)"));
    ck_assert_int_eq(ops->fit(cv, docs, NULL, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "More than 1 capturing group"));
    s_set(ops, cv, "token_pattern", ml_value_string(ML_DEFAULT_TOKEN_PATTERN));
    s_set(ops, cv, "ngram_range", s_pair(2, 1));
    ck_assert_int_eq(ops->fit(cv, docs, NULL, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "lower boundary larger than the upper boundary"));
    s_set(ops, cv, "ngram_range", s_pair(1, 1));
    static const char *const only_stop[] = {"the and of", "a"};
    ml_data_t *stop = s_text(only_stop, 2);
    s_set(ops, cv, "stop_words", ml_value_string("english"));
    ck_assert_int_eq(ops->fit(cv, stop, NULL, err), DSK_EINVAL);
    ck_assert_str_eq(err, "CountVectorizer: empty vocabulary; perhaps the documents only "
                          "contain stop words");
    v = ml_value_string("french");
    ck_assert_int_eq(ops->set_param(cv, "stop_words", &v, err), DSK_EINVAL);
    ml_value_clear(&v);
    static const char *const bad_utf8[] = {"ok \xff no"};
    ml_data_t *bad = s_text(bad_utf8, 1);
    s_set(ops, cv, "stop_words", ml_value_none());
    ck_assert_int_eq(ops->fit(cv, bad, NULL, err), DSK_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "document 0"));
    ml_data_t *out = NULL;
    ck_assert_int_eq(ops->transform(cv, docs, &out, err), DSK_ESTATE);
    ml_value_t voc = ml_value_list(2);
    voc.u.list.items[0] = ml_value_string("fox");
    voc.u.list.items[1] = ml_value_string("fox");
    s_set(ops, cv, "vocabulary", voc);
    ck_assert_int_eq(ops->fit(cv, docs, NULL, err), DSK_EINVAL);
    ck_assert_str_eq(err, "CountVectorizer: Duplicate term in vocabulary: 'fox'");
    ml_data_destroy(&bad);
    ml_data_destroy(&stop);
    ml_data_destroy(&docs);
    ops->destroy(cv);
}
END_TEST

/* vocabulary=[...] keeps the given column order; save/load transforms identically. */
START_TEST(test_fixed_vocabulary_and_save_load)
{
    char err[DSK_ERR_LEN];
    const ml_estimator_ops_t *ops = &ml_count_vectorizer_ops;
    ml_data_t *docs = s_text(s_docs, 6);
    void *cv = ops->create();
    ml_value_t voc = ml_value_list(3);
    voc.u.list.items[0] = ml_value_string("the");
    voc.u.list.items[1] = ml_value_string("dog");
    voc.u.list.items[2] = ml_value_string("unseen");
    s_set(ops, cv, "vocabulary", voc);
    ck_assert_int_eq(ops->fit(cv, docs, NULL, err), 0);
    ml_data_t *out = NULL;
    ck_assert_int_eq(ops->transform(cv, docs, &out, err), 0);
    /* CountVectorizer(vocabulary=['the','dog','unseen']).fit_transform(s_docs) */
    static const int64_t indptr[] = {0, 2, 2, 3, 3, 3, 5};
    static const int32_t ind[] = {0, 1, 1, 0, 1};
    static const double val[] = {2, 1, 3, 3, 1};
    ck_assert_mem_eq(out->csr->indptr, indptr, sizeof indptr);
    ck_assert_mem_eq(out->csr->indices, ind, sizeof ind);
    ck_assert_mem_eq(out->csr->data, val, sizeof val);
    ml_data_destroy(&out);
    ops->destroy(cv);

    cv = s_case_cv(&s_cases[1]);
    ck_assert_int_eq(ops->fit(cv, docs, NULL, err), 0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_int_eq(ops->save(cv, &pk, err), 0);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    void *back = s_case_cv(&s_cases[1]);
    ck_assert_msg(ops->load(back, &u.data, err) == 0, "%s", err);
    ml_data_t *a = NULL, *b = NULL;
    ck_assert_int_eq(ops->transform(cv, docs, &a, err), 0);
    ck_assert_int_eq(ops->transform(back, docs, &b, err), 0);
    ck_assert(s_csr_equal(a->csr, b->csr));
    ml_data_destroy(&a);
    ml_data_destroy(&b);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    ops->destroy(back);
    ops->destroy(cv);
    ml_data_destroy(&docs);
}
END_TEST

/* scikit-learn's TfidfTransformer example counts, three settings (values from 1.2.1). */
START_TEST(test_tfidf_small)
{
    char err[DSK_ERR_LEN];
    static const double counts[6][3] = {{3, 0, 1}, {2, 0, 0}, {3, 0, 0},
                                        {4, 0, 0}, {3, 2, 0}, {3, 0, 2}};
    ml_csr_t *X = ml_csr_new(6, 3, 9);
    int64_t o = 0;
    for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 3; j++)
            if (counts[i][j] != 0) {
                X->indices[o] = j;
                X->data[o++] = counts[i][j];
            }
        X->indptr[i + 1] = o;
    }
    ml_data_t *in = ml_data_from_csr(&X);
    static const double want[3][9] = {
        {0.81940995107537551, 0.57320793092790578, 1, 1, 1, 0.47330339145578754,
         0.88089948327629841, 0.58149260706885997, 0.81355168730957728},
        {0.53184492535151529, 0.46815507464848471, 1, 1, 1, 0.35492269168207741,
         0.64507730831792265, 0.40154381031124625, 0.5984561896887538},
        {3, 1, 2, 3, 4, 3, 2, 3, 2}};
    const ml_estimator_ops_t *ops = &ml_tfidf_transformer_ops;
    for (int k = 0; k < 3; k++) {
        void *tt = ops->create();
        if (k == 0)
            s_set(ops, tt, "smooth_idf", ml_value_bool(0));
        if (k == 1) {
            s_set(ops, tt, "sublinear_tf", ml_value_bool(1));
            s_set(ops, tt, "norm", ml_value_string("l1"));
        }
        if (k == 2) {
            s_set(ops, tt, "use_idf", ml_value_bool(0));
            s_set(ops, tt, "norm", ml_value_none());
        }
        ml_data_t *out = NULL;
        ck_assert_int_eq(ops->fit(tt, in, NULL, err), 0);
        ck_assert_int_eq(ops->transform(tt, in, &out, err), 0);
        ck_assert_int_eq(ml_csr_nnz(out->csr), 9);
        for (int q = 0; q < 9; q++)
            ck_assert_double_eq_tol(out->csr->data[q], want[k][q], 1e-15);
        ml_data_destroy(&out);
        ops->destroy(tt);
    }
    void *tt = ops->create();
    ml_value_t v = ml_value_string("l3");
    ck_assert_int_eq(ops->set_param(tt, "norm", &v, err), DSK_EINVAL);
    ml_value_clear(&v);
    ml_data_t *out = NULL;
    ck_assert_int_eq(ops->transform(tt, in, &out, err), DSK_ESTATE);
    ops->destroy(tt);
    ml_data_destroy(&in);
}
END_TEST

/* A saved TfidfVectorizer loads and transforms bit for bit. */
START_TEST(test_tfidf_vectorizer_save_load)
{
    char err[DSK_ERR_LEN];
    const ml_estimator_ops_t *ops = &ml_tfidf_vectorizer_ops;
    ml_data_t *docs = s_text(s_docs, 6), *a = NULL, *b = NULL;
    void *tv = ops->create();
    s_set(ops, tv, "ngram_range", s_pair(1, 2));
    s_set(ops, tv, "sublinear_tf", ml_value_bool(1));
    ck_assert_int_eq(ops->fit(tv, docs, NULL, err), 0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_int_eq(ops->save(tv, &pk, err), 0);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    void *back = ops->create();
    s_set(ops, back, "ngram_range", s_pair(1, 2));
    s_set(ops, back, "sublinear_tf", ml_value_bool(1));
    ck_assert_msg(ops->load(back, &u.data, err) == 0, "%s", err);
    ck_assert_int_eq(ops->transform(tv, docs, &a, err), 0);
    ck_assert_int_eq(ops->transform(back, docs, &b, err), 0);
    ck_assert(s_csr_equal(a->csr, b->csr));
    ml_value_t v;
    ck_assert_int_eq(ops->get_param(back, "norm", &v, err), 0);
    ck_assert_str_eq(v.u.s, "l2");
    ml_value_clear(&v);
    ck_assert_int_eq(ops->get_param(back, "max_dff", &v, err), DSK_EINVAL);
    ml_data_destroy(&a);
    ml_data_destroy(&b);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
    ops->destroy(back);
    ops->destroy(tv);
    ml_data_destroy(&docs);
}
END_TEST

/* HashingVectorizer(n_features=16, norm=None) on the fixture documents; murmurhash3_32. */
START_TEST(test_hashing_small)
{
    char err[DSK_ERR_LEN];
    ck_assert_int_eq(ml_murmurhash3_32("hello", 5, 0), 613153351);
    ck_assert_int_eq(ml_murmurhash3_32("", 0, 0), 0);
    ck_assert_int_eq(ml_murmurhash3_32("caf\xc3\xa9", 5, 0), 605818632);
    ck_assert_int_eq(ml_murmurhash3_32("the quick", 9, 0), -112969417);
    const ml_estimator_ops_t *ops = &ml_hashing_vectorizer_ops;
    void *hv = ops->create();
    s_set(ops, hv, "n_features", ml_value_int(16));
    s_set(ops, hv, "norm", ml_value_none());
    ml_data_t *docs = s_text(s_docs, 6), *out = NULL;
    ck_assert_int_eq(ops->fit(hv, docs, NULL, err), 0);
    ck_assert_int_eq(ops->transform(hv, docs, &out, err), 0);
    static const int64_t indptr[] = {0, 5, 11, 13, 13, 15, 20};
    static const int32_t ind[] = {0, 5, 7, 13, 14, 2, 3, 5, 8, 11, 12, 5, 7, 1, 7, 5, 7, 9, 11, 14};
    static const double val[] = {1, -1, -2, 1, -2, 1, 1, 1, 1, -1, 2, -3, -1, -1, -1, -1, -1,
                                 1, 1, -3};
    ck_assert_mem_eq(out->csr->indptr, indptr, sizeof indptr);
    ck_assert_mem_eq(out->csr->indices, ind, sizeof ind);
    ck_assert_mem_eq(out->csr->data, val, sizeof val);
    ml_data_destroy(&out);
    ml_value_t v = ml_value_int(0);
    ck_assert_int_eq(ops->set_param(hv, "n_features", &v, err), DSK_EINVAL);
    ops->destroy(hv);
    ml_data_destroy(&docs);
}
END_TEST

/*
 * The bigram table keeps pairs in 8-byte slots while token ids fit in 20
 * bits and terms in 24, then turns wide: every pair put before and after
 * the switch (and across growth) must still be found, and absent ones not.
 */
START_TEST(test_pair_table_widens)
{
    ml_td_pairs_t p;
    ml_td_pairs_init(&p, 16);
    uint64_t keys[600];
    for (int i = 0; i < 600; i++) {
        uint64_t a = (uint64_t)(i * 7919) % ML_TD_NARROW_TOK, b = (uint64_t)i;
        if (i == 300)
            a = ML_TD_NARROW_TOK + 5; /* a token id past 20 bits */
        if (i == 400)
            a = ML_TD_NARROW_TOK - 1; /* a + 1 no longer fits either */
        keys[i] = (a << 32 | b) + 1;
        int32_t term = i == 500 ? (int32_t)ML_TD_NARROW_TERM + 1 : i;
        ck_assert_int_eq(ml_td_pairs_get(&p, keys[i]), -1);
        ml_td_pairs_put(&p, keys[i], term);
        if (i == 250)
            ck_assert_ptr_nonnull(p.narrow);
        if (i == 300)
            ck_assert_ptr_null(p.narrow);
    }
    for (int i = 0; i < 600; i++)
        ck_assert_int_eq(ml_td_pairs_get(&p, keys[i]),
                         i == 500 ? (int32_t)ML_TD_NARROW_TERM + 1 : i);
    ck_assert_int_eq(ml_td_pairs_get(&p, ((uint64_t)3 << 32 | 601) + 1), -1);
    ml_td_pairs_free(&p);
    /* a term past 24 bits alone widens the table too */
    ml_td_pairs_init(&p, 16);
    ml_td_pairs_put(&p, 2, 7);
    ml_td_pairs_put(&p, 3, (int32_t)ML_TD_NARROW_TERM);
    ck_assert_ptr_null(p.narrow);
    ck_assert_int_eq(ml_td_pairs_get(&p, 2), 7);
    ck_assert_int_eq(ml_td_pairs_get(&p, 3), (int32_t)ML_TD_NARROW_TERM);
    ml_td_pairs_free(&p);
}
END_TEST

/*
 * The default pattern's scanners (the 64-byte ASCII one and the code point
 * one it hands non-ASCII documents to) against a plain reading of
 * \b\w\w+\b on random documents whose runs cross 64-byte blocks.
 */
START_TEST(test_scanner_blocks)
{
    static const char *units[] = {"a", "B", "_", "7", " ", ".", "\n", "-", "\xc3\xa9", "\xc2\xa0"};
    ml_analyzer_cfg_t cfg;
    ml_analyzer_cfg_init(&cfg);
    char err[DSK_ERR_LEN];
    ml_analyzer_t *a = ml_analyzer_new(&cfg, "CountVectorizer", err);
    ck_assert_ptr_nonnull(a);
    uint64_t x = 12345;
    for (int trial = 0; trial < 400; trial++) {
        char doc[700], want[700][8];
        size_t len = 0, nw = 0, run = 0, wl = 0, target = (size_t)(trial * 7 % 300);
        int ascii_only = trial % 3 != 0;
        char cur[700];
        while (len < target) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            int nu = ascii_only ? 8 : 10, word_bias = (int)(x >> 60) < 12;
            const char *u = units[word_bias ? (int)(x >> 33) % 4 : (int)(x >> 33) % nu];
            int is_word = u[0] != ' ' && u[0] != '.' && u[0] != '\n' && u[0] != '-' &&
                          strcmp(u, "\xc2\xa0") != 0;
            if (is_word) {
                memcpy(cur + wl, u, strlen(u));
                wl += strlen(u);
                run++;
            } else {
                if (run >= 2 && wl < 8) {
                    memcpy(want[nw], cur, wl);
                    want[nw++][wl] = 0;
                } else if (run >= 2) {
                    want[nw++][0] = 0; /* long: checked by length below */
                }
                run = wl = 0;
            }
            memcpy(doc + len, u, strlen(u));
            len += strlen(u);
        }
        if (run >= 2 && wl < 8) {
            memcpy(want[nw], cur, wl);
            want[nw++][wl] = 0;
        } else if (run >= 2) {
            want[nw++][0] = 0;
        }
        const int32_t *ids;
        size_t n;
        ck_assert_int_eq(ml_analyzer_doc(a, doc, len, &ids, &n, err), 0);
        ck_assert_uint_eq(n, nw);
        for (size_t k = 0; k < n; k++) {
            size_t tl;
            const char *t = ml_analyzer_term(a, ids[k], &tl);
            if (want[k][0]) {
                char lw[16];
                size_t L = strlen(want[k]);
                for (size_t q = 0; q < L; q++)
                    lw[q] = want[k][q] == 'B' ? 'b' : want[k][q];
                ck_assert_uint_eq(tl, L);
                ck_assert_int_eq(memcmp(t, lw, L), 0);
            } else {
                ck_assert_uint_ge(tl, 2);
            }
        }
    }
    ml_analyzer_destroy(&a);
    ml_analyzer_cfg_clear(&cfg);
}
END_TEST

Suite *dsk_ml_text_suite(void)
{
    Suite *s = suite_create("ml_text");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_lower_like_python);
    tcase_add_test(tc, test_word_chars);
    tcase_add_test(tc, test_count_vectorizer_cases);
    tcase_add_test(tc, test_moved_counts_fit_the_same);
    tcase_add_test(tc, test_numpy_argsort);
    tcase_add_test(tc, test_split_fit_equals_direct);
    tcase_add_test(tc, test_count_vectorizer_errors);
    tcase_add_test(tc, test_fixed_vocabulary_and_save_load);
    tcase_add_test(tc, test_tfidf_small);
    tcase_add_test(tc, test_tfidf_vectorizer_save_load);
    tcase_add_test(tc, test_hashing_small);
    tcase_add_test(tc, test_pair_table_widens);
    tcase_add_test(tc, test_scanner_blocks);
    suite_add_tcase(s, tc);
    return s;
}
