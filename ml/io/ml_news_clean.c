/* ml_news_clean.c — scikit-learn's newsgroup header/footer/quote strippers. */
#include "ml_news_clean.h"

#include <string.h>

int ml_news_isspace(unsigned char c)
{
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0;
}

/* text.partition("\n\n")[2]: empty when there is no blank line. */
size_t ml_news_strip_header(char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '\n' && s[i + 1] == '\n') {
            memmove(s, s + i + 2, n - i - 2);
            return n - i - 2;
        }
    return 0;
}

/* line.strip().strip("-") == "": whitespace, then only hyphens, then whitespace. */
static int s_blank_or_hyphens(const char *s, size_t n)
{
    size_t a = 0, b = n;
    while (a < b && ml_news_isspace((unsigned char)s[a]))
        a++;
    while (b > a && ml_news_isspace((unsigned char)s[b - 1]))
        b--;
    for (size_t i = a; i < b; i++)
        if (s[i] != '-')
            return 0;
    return 1;
}

/*
 * lines = text.strip().split("\n"); the last line (from the end) that is
 * blank or hyphens, at index k; if k > 0 the result is lines[:k] joined,
 * i.e. the stripped text up to the newline before line k; else the text
 * unchanged (not even stripped).
 */
size_t ml_news_strip_footer(char *s, size_t n)
{
    size_t a = 0, b = n;
    while (a < b && ml_news_isspace((unsigned char)s[a]))
        a++;
    while (b > a && ml_news_isspace((unsigned char)s[b - 1]))
        b--;
    /* walk lines of s[a..b) from the end */
    size_t end = b;
    for (;;) {
        size_t start = end;
        while (start > a && s[start - 1] != '\n')
            start--;
        if (s_blank_or_hyphens(s + start, end - start)) {
            if (start == a) /* line 0 */
                return n;
            size_t len = start - 1 - a; /* up to the '\n' before line k */
            memmove(s, s + a, len);
            return len;
        }
        if (start == a)
            return n; /* no such line: line_num ends at 0 */
        end = start - 1;
    }
}

/*
 * _QUOTE_RE.search(line) for
 * (writes in|writes:|wrote:|says:|said:|^In article|^Quoted from|^\||^>):
 * search, not match, and no MULTILINE, so ^ is the start of the line.
 */
static int s_is_quote(const char *s, size_t n)
{
    static const char *const anywhere[] = {"writes in", "writes:", "wrote:", "says:",
                                           "said:"};
    if (n >= 1 && (s[0] == '|' || s[0] == '>'))
        return 1;
    if ((n >= 10 && memcmp(s, "In article", 10) == 0) ||
        (n >= 11 && memcmp(s, "Quoted from", 11) == 0))
        return 1;
    for (size_t k = 0; k < sizeof anywhere / sizeof *anywhere; k++)
        if (memmem(s, n, anywhere[k], strlen(anywhere[k])))
            return 1;
    return 0;
}

/* "\n".join(line for line in text.split("\n") if not _QUOTE_RE.search(line)) */
size_t ml_news_strip_quoting(char *s, size_t n)
{
    size_t out = 0, start = 0;
    int first = 1;
    for (;;) {
        const char *nl = memchr(s + start, '\n', n - start);
        size_t end = nl ? (size_t)(nl - s) : n;
        if (!s_is_quote(s + start, end - start)) {
            if (!first)
                s[out++] = '\n';
            memmove(s + out, s + start, end - start);
            out += end - start;
            first = 0;
        }
        if (!nl)
            return out;
        start = end + 1;
    }
}
