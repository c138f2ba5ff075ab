/*
 * submit_predict.h — `dsk-submit predict --model M.dskm --input DATA
 * [--out PRED] [--format F] [--chunk-rows N] [--method M] [--aggregate
 * counts]`: a fitted model applied to data in chunks across the cluster,
 * dask-ml's ParallelPostFit (submit_predict.c says how).
 */
#ifndef SUBMIT_PREDICT_H
#define SUBMIT_PREDICT_H

#include "submit_command.h"

submit_command_fn submit_predict;

#endif
