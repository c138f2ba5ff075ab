/* wrk_task.c — a task's own memory. */
#include "wrk_task.h"

#include <stdlib.h>

void wrk_task_free(wrk_task_t **task_p)
{
    wrk_task_t *t = *task_p;
    if (!t)
        return;
    free(t->spec);
    free(t->chunk);
    job_output_clear(&t->out);
    msgpack_sbuffer_destroy(&t->out.reply);
    free(t);
    *task_p = NULL;
}
