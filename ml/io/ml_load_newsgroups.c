/*
 * ml_load_newsgroups.c — fetch_20newsgroups in C: read the archive (or its
 * folders) into the corpus scikit-learn caches (load_files per folder:
 * categories sorted, files sorted, RandomState(0) shuffle), keep a binary
 * cache of it, then select as fetch_20newsgroups does: subset, remove,
 * categories (labels renumbered in sorted order), RandomState(random_state).
 */
#include "ml_load_newsgroups.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsk_log.h"
#include "ml_load_util.h"
#include "ml_news_cache.h"
#include "ml_news_clean.h"
#include "ml_param.h"
#include "ml_np_rng.h"
#include "ml_tar.h"

static const char *const s_folders[2] = {"20news-bydate-train", "20news-bydate-test"};

/* A file found in one of the two folders, before sorting. */
typedef struct {
    char *cat, *file, *doc;
    size_t len;
} s_entry_t;

typedef struct {
    s_entry_t *e;
    size_t n, cap;
    char **dirs; /* category folders seen (an empty one is still a class) */
    size_t ndirs;
} s_list_t;

static void s_list_add(s_list_t *l, const char *cat, const char *file, char *doc, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->e = dsk_xrealloc(l->e, l->cap * sizeof *l->e, 1);
    }
    l->e[l->n++] = (s_entry_t){dsk_xstrdup(cat), dsk_xstrdup(file), doc, len};
}

static void s_list_add_dir(s_list_t *l, const char *cat)
{
    l->dirs = dsk_xrealloc(l->dirs, (l->ndirs + 1) * sizeof *l->dirs, 1);
    l->dirs[l->ndirs++] = dsk_xstrdup(cat);
}

static void s_list_free(s_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->e[i].cat);
        free(l->e[i].file);
        free(l->e[i].doc);
    }
    for (size_t i = 0; i < l->ndirs; i++)
        free(l->dirs[i]);
    free(l->e);
    free(l->dirs);
    memset(l, 0, sizeof *l);
}

static int s_cmp_entry(const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    int c = strcmp(x->cat, y->cat);
    return c ? c : strcmp(x->file, y->file);
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * load_files(folder, shuffle=True, random_state=0): classes are the sorted
 * category folders, files sorted within each, then the order is permuted
 * by RandomState(0).shuffle(arange(n)). The entries' buffers move into part.
 */
static void s_build_part(s_list_t *l, int p, ml_news_part_t *part)
{
    qsort(l->e, l->n, sizeof *l->e, s_cmp_entry);
    char **cats = dsk_xcalloc(l->ndirs + l->n, sizeof *cats);
    size_t nc = 0;
    for (size_t i = 0; i < l->ndirs; i++)
        cats[nc++] = l->dirs[i];
    for (size_t i = 0; i < l->n; i++)
        if (i == 0 || strcmp(l->e[i].cat, l->e[i - 1].cat) != 0)
            cats[nc++] = l->e[i].cat;
    qsort(cats, nc, sizeof *cats, s_cmp_str);
    part->cats = dsk_xcalloc(nc, sizeof *part->cats);
    for (size_t i = 0; i < nc; i++)
        if (i == 0 || strcmp(cats[i], cats[i - 1]) != 0)
            part->cats[part->n_cats++] = dsk_xstrdup(cats[i]);
    free(cats);
    int64_t n = (int64_t)l->n;
    int64_t *idx = dsk_xcalloc((size_t)n, sizeof *idx);
    for (int64_t i = 0; i < n; i++)
        idx[i] = i;
    ml_np_rng_t rng;
    ml_np_rng_seed(&rng, 0);
    ml_np_rng_shuffle(&rng, idx, n);
    part->n = n;
    part->target = dsk_xcalloc((size_t)n, sizeof *part->target);
    part->names = dsk_xcalloc((size_t)n, sizeof *part->names);
    part->docs = dsk_xcalloc((size_t)n, sizeof *part->docs);
    part->lens = dsk_xcalloc((size_t)n, sizeof *part->lens);
    for (int64_t i = 0; i < n; i++) {
        s_entry_t *e = &l->e[idx[i]];
        char **hit = bsearch(&e->cat, part->cats, (size_t)part->n_cats, sizeof *part->cats,
                             s_cmp_str);
        part->target[i] = (int32_t)(hit - part->cats);
        size_t len = strlen(s_folders[p]) + strlen(e->cat) + strlen(e->file) + 3;
        part->names[i] = dsk_xmalloc(len);
        snprintf(part->names[i], len, "%s/%s/%s", s_folders[p], e->cat, e->file);
        part->docs[i] = e->doc;
        part->lens[i] = e->len;
        e->doc = NULL;
    }
    free(idx);
    s_list_free(l);
}

/*
 * Which folder and category a member belongs to: "20news-bydate-train/
 * CAT/FILE" (a leading "./" allowed; FILE is "" for the category folder).
 * Returns the part (0, 1), -1 for members outside the categories, -2 for
 * a path nested deeper (which load_files would fail on).
 */
static int s_member_path(const char *name, char *cat, size_t catlen, const char **file)
{
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    for (int p = 0; p < 2; p++) {
        size_t fl = strlen(s_folders[p]);
        if (strncmp(name, s_folders[p], fl) != 0 || name[fl] != '/')
            continue;
        const char *c = name + fl + 1;
        size_t cl = strcspn(c, "/");
        if (cl == 0)
            return -1;
        if (cl >= catlen)
            return -2;
        memcpy(cat, c, cl);
        cat[cl] = '\0';
        *file = c[cl] ? c + cl + 1 : c + cl;
        return strchr(*file, '/') ? -2 : p;
    }
    return -1;
}

/* Reads every document of the archive into the two lists. */
static int s_read_tar(const char *archive, s_list_t lists[2], char *err)
{
    ml_tar_t *t;
    int rc = ml_tar_open(archive, &t, err);
    if (rc)
        return rc;
    ml_tar_entry_t e;
    while ((rc = ml_tar_next(t, &e, err)) == 1) {
        char cat[256];
        const char *file = "";
        int p = s_member_path(e.name, cat, sizeof cat, &file);
        if (p == -1)
            continue;
        if (p == -2 || (e.type == ML_TAR_DIR && *file) ||
            (e.type != ML_TAR_DIR && (e.type != ML_TAR_FILE || !*file))) {
            rc = dsk_seterr(err, DSK_EINVAL, "%s: unexpected member '%s' (the 20 newsgroups "
                            "archive holds 20news-bydate-{train,test}/CATEGORY/FILE)", archive,
                            e.name);
            break;
        }
        if (e.type == ML_TAR_DIR) {
            s_list_add_dir(&lists[p], cat);
            continue;
        }
        char *doc;
        size_t len;
        if ((rc = ml_tar_read(t, &doc, &len, err)) != 0)
            break;
        s_list_add(&lists[p], cat, file, doc, len);
    }
    ml_tar_destroy(&t);
    return rc < 0 ? rc : DSK_OK;
}

/* One extracted folder: category folders, each holding only files. */
static int s_read_folder(const char *root, s_list_t *l, char *err)
{
    DIR *d = opendir(root);
    if (!d)
        return dsk_seterr(err, DSK_EIO, "%s: %s", root, strerror(errno));
    struct dirent *de;
    int rc = DSK_OK;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        char path[4600];
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%.4300s/%.255s", root, de->d_name);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue; /* load_files keeps folders only */
        s_list_add_dir(l, de->d_name);
        DIR *cd = opendir(path);
        if (!cd) {
            rc = dsk_seterr(err, DSK_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        struct dirent *fe;
        while (rc == 0 && (fe = readdir(cd)) != NULL) {
            char fpath[4900 + 256];
            if (strcmp(fe->d_name, ".") == 0 || strcmp(fe->d_name, "..") == 0)
                continue;
            snprintf(fpath, sizeof fpath, "%.4600s/%.255s", path, fe->d_name);
            if (stat(fpath, &st) != 0 || !S_ISREG(st.st_mode)) {
                rc = dsk_seterr(err, DSK_EINVAL, "%s: not a regular file (load_files expects "
                                "CATEGORY/FILE)", fpath);
                break;
            }
            char *doc = NULL;
            size_t len = 0;
            if ((rc = ml_read_raw(fpath, &doc, &len, err)) == 0)
                s_list_add(l, de->d_name, fe->d_name, doc, len);
        }
        closedir(cd);
    }
    closedir(d);
    return rc;
}

/* The cache's two candidate places: data_home, then the user's cache folder. */
static void s_cache_paths(const char *home, char paths[2][4200])
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    snprintf(paths[0], 4200, "%s/%s", home, ML_NEWS_CACHE_NAME);
    if (xdg && *xdg)
        snprintf(paths[1], 4200, "%s/dsk/%s", xdg, ML_NEWS_CACHE_NAME);
    else
        snprintf(paths[1], 4200, "%s/.cache/dsk/%s", h ? h : ".", ML_NEWS_CACHE_NAME);
}

/* mkdir -p of the folder holding path. */
static void s_mkdirs_for(const char *path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
    mkdir(dir, 0755);
}

/* A stale or corrupt cache is not an error: it is logged and rebuilt. */
static int s_cache_try(char paths[2][4200], const ml_news_key_t *key, ml_news_corpus_t *c)
{
    for (int i = 0; i < 2; i++) {
        char err[DSK_ERR_LEN];
        int rc = ml_news_cache_read(paths[i], key, c, err);
        if (rc == 0)
            return 1;
        const char *next = i == 0 ? "trying the user's cache" : "rebuilding it";
        if (rc == DSK_EPROTO || rc == DSK_EIO)
            dsk_warn("20newsgroups: %s; %s", err, next);
        else if (rc == DSK_ESTATE)
            dsk_info("20newsgroups: %s; %s", err, next);
    }
    return 0;
}

/*
 * Is the data home meant to be written? Its permission bits decide, not
 * access(2): root may write anywhere, but a folder made read-only (a shared
 * data set) should not get a 40 MB cache dropped into it.
 */
static int s_dir_writable(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    if (st.st_uid == geteuid())
        return (st.st_mode & S_IWUSR) != 0;
    if (st.st_gid == getegid())
        return (st.st_mode & S_IWGRP) != 0;
    return (st.st_mode & S_IWOTH) != 0;
}

static void s_cache_store(const char *home, char paths[2][4200], const ml_news_key_t *key,
                          const ml_news_corpus_t *c)
{
    char err[DSK_ERR_LEN] = "data_home is read-only", err2[DSK_ERR_LEN];
    if (s_dir_writable(home) && ml_news_cache_write(paths[0], key, c, err) == 0)
        return;
    s_mkdirs_for(paths[1]);
    if (ml_news_cache_write(paths[1], key, c, err2) != 0)
        dsk_warn("20newsgroups: cannot write a cache (%s; %s); the next load parses the "
                 "archive again", err, err2);
}

/*
 * The corpus from the archive (through the cache when allowed) or, when
 * there is no archive, from the extracted folders.
 */
static int s_corpus(const char *home, int use_cache, ml_news_corpus_t *c, char *err)
{
    char archive[4200], paths[2][4200];
    struct stat st;
    s_list_t lists[2] = {{0}};
    int rc;
    memset(c, 0, sizeof *c);
    snprintf(archive, sizeof archive, "%s/20news-bydate.tar.gz", home);
    if (stat(archive, &st) == 0) {
        ml_news_key_t key = {(uint64_t)st.st_size, (int64_t)st.st_mtim.tv_sec,
                             (int64_t)st.st_mtim.tv_nsec};
        s_cache_paths(home, paths);
        if (use_cache && s_cache_try(paths, &key, c))
            return DSK_OK;
        rc = s_read_tar(archive, lists, err);
        if (rc == 0) {
            for (int p = 0; p < 2; p++)
                s_build_part(&lists[p], p, &c->part[p]);
            c->owned = 1;
            if (use_cache)
                s_cache_store(home, paths, &key, c);
        }
    } else {
        char dirs[2][4200];
        for (int p = 0; p < 2; p++) {
            snprintf(dirs[p], sizeof dirs[p], "%s/%s", home, s_folders[p]);
            if (stat(dirs[p], &st) != 0 || !S_ISDIR(st.st_mode))
                return dsk_seterr(err, DSK_ENOTFOUND, "20newsgroups: %s not found, nor the "
                                  "extracted folders %s and %s (set data.data_home or "
                                  "DSK_DATA_HOME; dsk does not download it: fetch "
                                  "https://ndownloader.figshare.com/files/5975967 as "
                                  "20news-bydate.tar.gz)", archive, s_folders[0], s_folders[1]);
        }
        rc = DSK_OK;
        for (int p = 0; p < 2 && rc == 0; p++)
            rc = s_read_folder(dirs[p], &lists[p], err);
        if (rc == 0) {
            for (int p = 0; p < 2; p++)
                s_build_part(&lists[p], p, &c->part[p]);
            c->owned = 1;
        }
    }
    for (int p = 0; p < 2; p++)
        s_list_free(&lists[p]);
    if (rc)
        ml_news_corpus_free(c);
    return rc;
}

typedef struct {
    int subset;           /* 0 train, 1 test, 2 all */
    const char **cats;    /* NULL: all */
    size_t ncats;
    int shuffle;
    int64_t random_state;
    int remove[3];        /* headers, footers, quotes */
} s_opts_t;

/* One output document: latin-1 source, stripped as asked, to UTF-8. */
static char *s_document(const char *src, size_t n, const int remove[3], size_t *out_len)
{
    if (!remove[0] && !remove[1] && !remove[2])
        return ml_latin1_to_utf8(src, n, out_len);
    char *t = dsk_xmalloc(n + 1);
    memcpy(t, src, n);
    if (remove[0])
        n = ml_news_strip_header(t, n);
    if (remove[1])
        n = ml_news_strip_footer(t, n);
    if (remove[2])
        n = ml_news_strip_quoting(t, n);
    char *u = ml_latin1_to_utf8(t, n, out_len);
    free(t);
    return u;
}

/*
 * fetch_20newsgroups' categories step: labels = sorted indices of the
 * asked names in target_names; keep documents whose target is among them
 * and renumber by searchsorted. map[old] = new label or -1.
 */
static int s_category_map(const ml_news_part_t *names, const s_opts_t *o, int32_t *map,
                          char *err)
{
    for (int32_t k = 0; k < names->n_cats; k++)
        map[k] = o->cats ? -1 : k;
    for (size_t i = 0; o->cats && i < o->ncats; i++) {
        int32_t k = 0;
        while (k < names->n_cats && strcmp(names->cats[k], o->cats[i]) != 0)
            k++;
        if (k == names->n_cats)
            return dsk_seterr(err, DSK_EINVAL, "data.categories[%zu]: '%s' is not a 20 "
                              "newsgroups category (e.g. 'alt.atheism', 'sci.space')", i,
                              o->cats[i]);
        if (map[k] >= 0)
            return dsk_seterr(err, DSK_EINVAL, "data.categories[%zu]: '%s' is listed twice",
                              i, o->cats[i]);
        map[k] = 0;
    }
    int32_t next = 0;
    for (int32_t k = 0; k < names->n_cats; k++)
        if (map[k] >= 0)
            map[k] = next++;
    return DSK_OK;
}

/* The selected documents, in fetch_20newsgroups' order, as a dataset. */
static int s_select(const ml_news_corpus_t *c, const s_opts_t *o, ml_dataset_t **out,
                    char *err)
{
    int first = o->subset == 1 ? 1 : 0, last = o->subset == 0 ? 0 : 1;
    const ml_news_part_t *names = &c->part[last];
    if (o->subset == 2) {
        int same = c->part[0].n_cats == c->part[1].n_cats;
        for (int32_t k = 0; same && k < c->part[0].n_cats; k++)
            same = strcmp(c->part[0].cats[k], c->part[1].cats[k]) == 0;
        if (!same)
            return dsk_seterr(err, DSK_EINVAL, "20newsgroups: the train and test folders have "
                              "different categories; subset 'all' needs the same");
    }
    int32_t *map = dsk_xcalloc((size_t)names->n_cats, sizeof *map);
    int rc = s_category_map(names, o, map, err);
    if (rc) {
        free(map);
        return rc;
    }
    int64_t total = c->part[first].n + (last != first ? c->part[last].n : 0), m = 0;
    int64_t *sel = dsk_xcalloc((size_t)total, sizeof *sel); /* p * 2^40 + i */
    for (int p = first; p <= last; p++)
        for (int64_t i = 0; i < c->part[p].n; i++)
            if (map[c->part[p].target[i]] >= 0)
                sel[m++] = ((int64_t)p << 40) | i;
    if (o->shuffle) {
        ml_np_rng_t rng;
        int64_t *perm = dsk_xcalloc((size_t)m, sizeof *perm), *tmp;
        ml_np_rng_seed(&rng, (uint32_t)o->random_state);
        ml_np_rng_permutation(&rng, perm, m);
        tmp = dsk_xcalloc((size_t)m, sizeof *tmp);
        for (int64_t i = 0; i < m; i++)
            tmp[i] = sel[perm[i]];
        free(sel);
        free(perm);
        sel = tmp;
    }
    ml_data_t *X = ml_data_new_text(m);
    ml_dataset_t *ds = ml_dataset_new(&X);
    ds->y = dsk_xcalloc((size_t)m, sizeof *ds->y);
    ds->filenames = dsk_xcalloc((size_t)m, sizeof *ds->filenames);
    for (int64_t i = 0; i < m; i++) {
        const ml_news_part_t *part = &c->part[sel[i] >> 40];
        int64_t j = sel[i] & (((int64_t)1 << 40) - 1);
        ds->X->text.docs[i] = s_document(part->docs[j], part->lens[j], o->remove,
                                         &ds->X->text.lens[i]);
        ds->y[i] = map[part->target[j]];
        ds->filenames[i] = dsk_xstrdup(part->names[j]);
    }
    ds->target_names = dsk_xcalloc((size_t)names->n_cats, sizeof *ds->target_names);
    for (int32_t k = 0; k < names->n_cats; k++)
        if (map[k] >= 0)
            ds->target_names[ds->n_classes++] = dsk_xstrdup(names->cats[k]);
    free(map);
    free(sel);
    *out = ds;
    return DSK_OK;
}

/* Reads the spec's keys into o; every value is checked, unknown keys rejected. */
static int s_opts(const json_t *spec, s_opts_t *o, int *use_cache, char *home, size_t hlen,
                  char *err)
{
    static const char *const known[] = {"data_home", "subset", "categories", "shuffle",
                                        "random_state", "remove", "cache", NULL};
    static const char *const subsets[] = {"train", "test", "all", NULL};
    static const char *const removable[] = {"headers", "footers", "quotes", NULL};
    memset(o, 0, sizeof *o);
    int rc = ml_spec_check_keys(spec, "20newsgroups", known, err);
    if (rc == 0)
        rc = ml_spec_data_home(spec, home, hlen, err);
    if (rc == 0)
        rc = ml_spec_enum(spec, "subset", subsets, 0, &o->subset, err);
    if (rc == 0)
        rc = ml_spec_bool(spec, "shuffle", 1, &o->shuffle, err);
    if (rc == 0)
        rc = ml_spec_bool(spec, "cache", 1, use_cache, err);
    json_t *rs = json_object_get(spec, "random_state");
    if (rc == 0 && rs && json_is_null(rs))
        return dsk_seterr(err, DSK_EINVAL, "data.random_state: null (NumPy's global random "
                          "state) is not supported by dsk; give an integer");
    if (rc == 0)
        rc = ml_spec_int(spec, "random_state", 42, 0, 0, 4294967295LL, &o->random_state, err);
    const char **rm = NULL;
    size_t nrm = 0;
    if (rc == 0)
        rc = ml_spec_strings(spec, "remove", 0, &rm, &nrm, err);
    for (size_t i = 0; rc == 0 && i < nrm; i++) {
        int k = 0;
        while (removable[k] && strcmp(removable[k], rm[i]) != 0)
            k++;
        if (!removable[k])
            rc = dsk_seterr(err, DSK_EINVAL, "data.remove[%zu]: expected one of 'headers', "
                            "'footers', 'quotes', got '%s'", i, rm[i]);
        else
            o->remove[k] = 1;
    }
    free(rm);
    if (rc == 0)
        rc = ml_spec_strings(spec, "categories", 1, &o->cats, &o->ncats, err);
    if (rc == 0 && json_is_array(json_object_get(spec, "categories")) && o->ncats == 0)
        rc = dsk_seterr(err, DSK_EINVAL, "data.categories: an empty list selects no documents "
                        "(null selects all)");
    return rc;
}

int ml_load_newsgroups(const json_t *spec, ml_dataset_t **out, char *err)
{
    s_opts_t o;
    int use_cache;
    char home[4096];
    *out = NULL;
    int rc = s_opts(spec, &o, &use_cache, home, sizeof home, err);
    if (rc == 0) {
        ml_news_corpus_t c;
        rc = s_corpus(home, use_cache, &c, err);
        if (rc == 0) {
            rc = s_select(&c, &o, out, err);
            ml_news_corpus_free(&c);
        }
    }
    free(o.cats);
    return rc;
}
