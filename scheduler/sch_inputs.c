/* sch_inputs.c — whether a search task's inputs exist, and where. */
#include "sch_inputs.h"

#include "sch_search_state.h"

int sch_inputs_ready(const sch_job_t *job, int64_t i)
{
    const sch_search_t *S = job->k;
    const job_task_t *pt = sch_search_task(job, i);
    if (job->tasks[i].state != SCH_PENDING)
        return 0;
    if (pt->dep >= 0 && (job->tasks[pt->dep].state != SCH_DONE || S->outs[pt->dep].holders.n == 0))
        return 0;
    return !pt->reads_data || S->data->holders.n > 0;
}

int sch_inputs_stalled(const sch_job_t *job)
{
    const sch_search_t *S = job->k;
    for (int64_t i = 0; i < job->ntasks; i++)
        if (job->tasks[i].nrun > 0 || S->outs[i].moving_to)
            return 0;
    return 1;
}

int sch_inputs_held(const sch_job_t *job, int64_t i, uint64_t w)
{
    const sch_search_t *S = job->k;
    const job_task_t *pt = sch_search_task(job, i);
    return (!pt->reads_data || sch_ids_has(&S->data->holders, w)) &&
           (pt->dep < 0 || sch_ids_has(&S->outs[pt->dep].holders, w));
}
