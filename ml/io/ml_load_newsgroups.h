/*
 * ml_load_newsgroups.h — the "20newsgroups" loader: scikit-learn's
 * fetch_20newsgroups, same documents, labels, file names and order.
 *
 * Spec keys: data_home (default $DSK_DATA_HOME, then ~/dsk_data), subset
 * ("train" | "test" | "all", default "train"), categories (null or a list
 * of names), shuffle (default true), random_state (an integer, default
 * 42), remove (a list of "headers", "footers", "quotes", default []),
 * cache (dsk's own: default true; false neither reads nor writes the
 * binary cache).
 *
 * Source: data_home/20news-bydate.tar.gz, or else the extracted folders
 * data_home/20news-bydate-train/ and -test/ (read directly, not cached).
 * After parsing the archive, a binary cache (ml_news_cache.h) is written to
 * data_home if its permission bits let us write (even as root, a read-only
 * folder is left alone), else to $XDG_CACHE_HOME/dsk or ~/.cache/dsk.
 * dsk has no download: a missing archive is an error saying where to put it.
 *
 * Documents are UTF-8 (the archive is decoded as latin-1, like scikit-
 * learn); filenames are relative: "20news-bydate-train/alt.atheism/51267".
 */
#ifndef ML_LOAD_NEWSGROUPS_H
#define ML_LOAD_NEWSGROUPS_H

#include <jansson.h>

#include "dsk_error.h"
#include "ml_data.h"

/* Caller owns *out (ml_dataset_destroy). */
int ml_load_newsgroups(const json_t *spec, ml_dataset_t **out, char *err);

#endif
