/*
 * dsk_clock.h — time. Liveness and timers use the monotonic clock only, so
 * a wall-clock jump (NTP, an operator) never kills a worker.
 */
#ifndef DSK_CLOCK_H
#define DSK_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (arbitrary origin). */
int64_t dsk_clock_mono_ms(void);

/* Milliseconds since the Unix epoch (for display and journals only). */
int64_t dsk_clock_wall_ms(void);

/* Sleeps ms milliseconds, resuming after signals. */
void dsk_clock_sleep_ms(int64_t ms);

#endif
