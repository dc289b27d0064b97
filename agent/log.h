/*
 * log - the agent's own messages, to stderr (journald picks them up under
 * systemd). As in OpenBSD's daemons: log_warn appends strerror(errno),
 * log_warnx does not; fatal/fatalx log and exit(1), for startup failures and
 * broken invariants only. Messages are lowercase, failure first, subject
 * quoted, no final period. Log-derived text never goes in a format string.
 */
#ifndef AGENT_LOG_H
#define AGENT_LOG_H

#include <stdint.h>


#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, enum log_level max);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

/*
 * Rate limiter for per-line trouble: at most one message per period per
 * limiter; the messages held back in between are counted and the count is
 * appended to the next one that passes.
 */
struct log_limiter {
	int64_t last_sec;
	uint64_t suppressed;
};

void log_limited(struct log_limiter *l, int64_t now_sec, int64_t period_sec,
    const char *fmt, ...) LOG_PRINTF(4, 5);

/*
 * The plural ending of a count in any human output: "s" unless n is 1, as
 * in printf("%llu file%s", n, log_plural(n)). Header-only, so modules
 * that do not link log.c can use it.
 */
static inline const char *
log_plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

#endif /* AGENT_LOG_H */
