/*
 * submit_local.h — `dsk-submit --local N`: a scheduler and N workers as
 * child processes for the length of one command, dask's
 * Client(n_workers=N).
 */
#ifndef SUBMIT_LOCAL_H
#define SUBMIT_LOCAL_H

/*
 * Starts them on a free loopback port; *endpoint (room for 64 bytes) gets
 * the scheduler's address. They run until submit_local_stop, and die with
 * this process too.
 */
int submit_local_start(int n, char *endpoint, char *err);
void submit_local_stop(void);

#endif
