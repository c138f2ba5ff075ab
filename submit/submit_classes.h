/*
 * submit_classes.h — what a model's class codes 0..k-1 stand for, as
 * dsk-submit predict writes them: scikit-learn's predict returns
 * classes_[code], the labels the model was fitted with (the model file's
 * "labels": numbers or texts; without it, the codes themselves, as the
 * digits and 20 newsgroups targets are). And, for a score, the input's own
 * classes matched to the model's (by value when both are numbers, else by
 * text), so labels the model never saw count as wrong answers instead of
 * taking another class's code.
 */
#ifndef SUBMIT_CLASSES_H
#define SUBMIT_CLASSES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ml_data.h"

typedef struct submit_classes submit_classes_t;

/* From a model file's bytes (checked already). */
submit_classes_t *submit_classes_of_model(const void *model, size_t len);
void submit_classes_destroy(submit_classes_t **c_p);

/* The .npy dtype predictions are written as: "<i8" (codes, whole numbers), "<f8" (other
   numbers) or "<Un" (texts, n characters); each prediction's bytes. */
const char *submit_classes_npy_descr(const submit_classes_t *c);
void submit_classes_npy_write(const submit_classes_t *c, int32_t code, FILE *f);
/* A prediction as CSV writes it (quoted when it must be), and as a JSON value. */
void submit_classes_csv_write(const submit_classes_t *c, int32_t code, FILE *f);
void submit_classes_json_write(const submit_classes_t *c, int32_t code, FILE *f);
/* A class's name (the counts' keys): its label's text, or the code's digits (buf). */
const char *submit_classes_name(const submit_classes_t *c, int32_t code, char *buf, size_t len);

/*
 * The model's code for each of the input's n classes (named names, of
 * kind kind): its match, or k, k + 1, ... for labels it does not know.
 * *n_to: the codes' count; *names_to: their names (the caller's, as the
 * returned map).
 */
int32_t *submit_classes_map(const submit_classes_t *c, char *const *names, int32_t n,
                            ml_labels_kind_t kind, int32_t *n_to, char ***names_to);

#endif
