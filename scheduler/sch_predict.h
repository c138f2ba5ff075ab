/*
 * sch_predict.h — ParallelPostFit jobs: the client's chunks of rows are
 * queued as they arrive, each goes to a free worker thread with its rows
 * attached, and each result is passed straight back to the client, which
 * puts them in input order. The model is a blob (sch_blobs.h): a worker
 * gets it once, ahead of its first chunk. A chunk whose worker dies is
 * sent again (the scheduler keeps its rows until its result is in); one
 * that took SCH_MAX_KILLS workers down fails the job; one running far past
 * its deadline gets a backup, and only the first result goes to the client.
 */
#ifndef SCH_PREDICT_H
#define SCH_PREDICT_H

#include "sch_job.h"

extern const sch_kind_t sch_predict_kind;

#endif
