/* submit_command.c — a dsk error as dsk-submit's exit code. */
#include "submit_command.h"

#include "dsk_error.h"

int submit_exit_code(int rc)
{
    switch (rc) {
    case DSK_OK: return SUBMIT_EXIT_OK;
    case DSK_ETIMEDOUT:
    case DSK_ECONNECT: return SUBMIT_EXIT_UNREACHABLE;
    case DSK_EINVAL: return SUBMIT_EXIT_USAGE;
    case DSK_EINTR: return SUBMIT_EXIT_INTERRUPTED;
    default: return SUBMIT_EXIT_JOB;
    }
}
