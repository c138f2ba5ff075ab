/*
 * ml_news_clean.h — fetch_20newsgroups' remove=('headers', 'footers',
 * 'quotes'): ports of scikit-learn's strip_newsgroup_header, _footer and
 * _quoting, with the same results byte for byte.
 *
 * They work in place on latin-1 text (one byte per character, as the
 * archive is decoded), so Python's str.strip() whitespace is the latin-1
 * set: \t \n \v \f \r, \x1c-\x1f, space, \x85 (NEL) and \xa0 (NBSP).
 * Each returns the new length; the text shrinks, never grows.
 */
#ifndef ML_NEWS_CLEAN_H
#define ML_NEWS_CLEAN_H

#include <stddef.h>

/* Everything before the first blank line ("\n\n") goes, and the blank line. */
size_t ml_news_strip_header(char *s, size_t n);
/* The last block set apart by a blank or all-hyphens line (a signature) goes. */
size_t ml_news_strip_footer(char *s, size_t n);
/* Lines matching _QUOTE_RE (quoted text and "X writes:" lines) go. */
size_t ml_news_strip_quoting(char *s, size_t n);

/* Python's str.isspace() for a latin-1 character. */
int ml_news_isspace(unsigned char c);

#endif
