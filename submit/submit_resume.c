/* submit_resume.c — a SUBMIT sent again, a quiet job asked about, until the window closes. */
#include "submit_resume.h"

#include <stdio.h>

#include "dsk_clock.h"

#define S_ASK_MS 3000   /* the scheduler reports every second: this quiet, ask */

int submit_resume_submit(const submit_options_t *opt, dsk_client_t *c, uint32_t kind,
                         const char *name, const void *job, size_t job_len, const void *data,
                         size_t data_len, dsk_msg_t *state, char *err)
{
    uint64_t token = dsk_client_token();
    int64_t give_up = dsk_clock_mono_ms() + (int64_t)(opt->reconnect_s * 1000);
    for (int attempt = 1;; attempt++) {
        int rc = dsk_client_submit(c, kind, name, job, job_len, data, data_len, token, state,
                                   err);
        if (rc != DSK_ETIMEDOUT || dsk_clock_mono_ms() >= give_up)
            return rc;
        if (attempt == 1)
            fprintf(stderr, "dsk-submit: %s; sending the job again for up to %.0f s "
                    "(--reconnect)\n", err, opt->reconnect_s);
        if ((rc = dsk_client_reconnect(c, err)) < 0)
            return rc;
    }
}

int submit_resume_next(const submit_options_t *opt, dsk_client_t *c, uint64_t id, int events,
                       uint64_t *scheduler, dsk_msg_t *msg, int *resumed, char *err)
{
    int64_t silent_since = dsk_clock_mono_ms();
    *resumed = 0;
    for (;;) {
        int rc = events ? dsk_client_next_event(c, S_ASK_MS, msg, err)
                        : dsk_client_next_state(c, S_ASK_MS, msg, err);
        if (rc == 0 && msg->type != DSK_MSG_JOB_STATE)
            return 0;
        if (rc == 0 && msg->u.job_state.job_id == id) {
            uint64_t from = msg->u.job_state.scheduler;
            if (from && *scheduler && from != *scheduler)
                *resumed = 1;
            if (from)
                *scheduler = from;
            return 0;
        }
        if (rc == 0) { /* another job's state (a late answer): not this one's word */
            dsk_msg_clear(msg);
            continue;
        }
        if (rc != DSK_ETIMEDOUT)
            return rc;
        if (dsk_clock_mono_ms() - silent_since >= (int64_t)(opt->reconnect_s * 1000))
            return rc;
        /* a scheduler restarted from its journal has the job, but not who waits on it */
        if ((rc = dsk_client_watch(c, id, err)) < 0)
            return rc;
    }
}
