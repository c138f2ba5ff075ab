/*
 * submit_command.h — what every dsk-submit command shares: the options
 * given before the command, and the exit codes (README.md, "The programs")
 * with the one mapping from a dsk error to them.
 */
#ifndef SUBMIT_COMMAND_H
#define SUBMIT_COMMAND_H

#include "dsk_keys.h"

enum {
    SUBMIT_EXIT_OK = 0,
    SUBMIT_EXIT_JOB = 1,          /* the job failed on the cluster */
    SUBMIT_EXIT_USAGE = 2,        /* bad usage, a bad job file or input */
    SUBMIT_EXIT_UNREACHABLE = 3,  /* the scheduler did not answer */
    SUBMIT_EXIT_INTERRUPTED = 130 /* Ctrl-C, as a shell reports SIGINT */
};

typedef struct {
    const char *scheduler;  /* its address, "tcp://host:port" */
    double timeout_s;       /* how long a request waits for an answer */
    double reconnect_s;     /* how long a job's client keeps trying a silent scheduler */
    const dsk_curve_client_t *curve; /* this client's key and the scheduler's, or off */
} submit_options_t;

/* The exit code for a failed request's error (a DSK_E* code). */
int submit_exit_code(int rc);

/* Each command: its arguments after the command name; returns an exit code. */
typedef int submit_command_fn(const submit_options_t *opt, int argc, char **argv);

#endif
