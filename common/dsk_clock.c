/* dsk_clock.c — monotonic and wall clocks. */
#include "dsk_clock.h"

#include <errno.h>
#include <time.h>

static int64_t s_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t dsk_clock_mono_ms(void) { return s_ms(CLOCK_MONOTONIC); }
int64_t dsk_clock_wall_ms(void) { return s_ms(CLOCK_REALTIME); }

void dsk_clock_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}
