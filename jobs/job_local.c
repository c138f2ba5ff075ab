/* job_local.c — a search run task by task in this process. */
#include "job_local.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsk_alloc.h"
#include "dsk_error.h"
#include "job_data.h"
#include "job_plan.h"
#include "job_task.h"

typedef struct {
    const job_plan_t *plan;
    job_output_t *outs;
} s_local_t;

static const void *s_local_lookup(void *ctx, const char *key)
{
    s_local_t *l = ctx;
    for (int64_t i = 0; i < job_plan_n_tasks(l->plan); i++)
        if (strcmp(job_plan_task(l->plan, i)->key, key) == 0 && l->outs[i].obj)
            return l->outs[i].obj;
    return NULL;
}

int job_search_local(const job_t *job, const ml_dataset_t *ds, json_t **result,
                        void **model, size_t *model_len, char *err)
{
    *result = NULL;
    if (model)
        *model = NULL;
    msgpack_sbuffer data;
    msgpack_sbuffer_init(&data);
    job_dataset_pack(ds, &data);
    char key[JOB_KEY_LEN + 1];
    job_content_key(data.data, data.size, key);
    msgpack_sbuffer_destroy(&data);
    job_plan_t *plan = NULL;
    int rc = job_plan_new(job, ds, key, &plan, err);
    if (rc)
        return rc;
    /* the job as a worker holds it: packed and read back, as on the cluster */
    msgpack_sbuffer jb;
    msgpack_sbuffer_init(&jb);
    job_spec_t *tj = NULL;
    rc = job_plan_pack_job(plan, &jb);
    if (rc == DSK_OK)
        rc = job_spec_unpack(jb.data, jb.size, &tj, err);
    msgpack_sbuffer_destroy(&jb);
    if (rc) {
        job_plan_destroy(&plan);
        return rc;
    }
    /* the refit, when asked, is one more task once the scores are in */
    s_local_t l = {.plan = plan};
    l.outs = dsk_xcalloc((size_t)job_plan_n_tasks(plan) + 1, sizeof *l.outs);
    for (int64_t i = 0; rc == DSK_OK && i < job_plan_n_tasks(plan); i++) {
        msgpack_sbuffer spec;
        msgpack_sbuffer_init(&spec);
        rc = job_plan_spec(plan, i, &spec, err);
        if (rc == DSK_OK)
            rc = job_task_run(spec.data, spec.size, tj, ds, s_local_lookup, &l, &l.outs[i], err);
        msgpack_sbuffer_destroy(&spec);
        if (rc == DSK_OK)
            rc = job_plan_record(plan, i, l.outs[i].reply.data, l.outs[i].reply.size, err);
        if (rc == DSK_OK && i + 1 == job_plan_n_tasks(plan))
            job_plan_add_refit(plan);
    }
    int64_t rt = job_plan_add_refit(plan);
    if (rc == DSK_OK) {
        *result = job_plan_result(plan);
        if (model && rt >= 0) {
            *model_len = l.outs[rt].reply.size;
            *model = dsk_xmalloc(*model_len);
            memcpy(*model, l.outs[rt].reply.data, *model_len);
        }
    }
    for (int64_t i = 0; i < job_plan_n_tasks(plan); i++) {
        job_output_clear(&l.outs[i]);
        msgpack_sbuffer_destroy(&l.outs[i].reply);
    }
    free(l.outs);
    job_spec_destroy(&tj);
    job_plan_destroy(&plan);
    return rc;
}
