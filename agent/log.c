/*
 * log - stderr logging with levels and a per-source rate limiter.
 */
#include "agent/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/compat.h"

static const char *log_prog = "klaxon";
static enum log_level log_max = LOG_LVL_INFO;

void
log_init(const char *progname, enum log_level max)
{
	log_prog = progname;
	log_max = max;
}

static void
vlog(enum log_level lvl, int errnum, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info",
		"debug" };
	char msg[2048];

	if (lvl > log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog, names[lvl], msg,
		    strerror(errnum));
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, names[lvl], msg);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_limited(struct log_limiter *l, int64_t now_sec, int64_t period_sec,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (l->last_sec != 0 && now_sec - l->last_sec < period_sec) {
		l->suppressed++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->suppressed)
		log_warnx("%s (%llu similar message%s suppressed)", msg,
		    (unsigned long long)l->suppressed,
		    log_plural(l->suppressed));
	else
		log_warnx("%s", msg);
	l->last_sec = now_sec;
	l->suppressed = 0;
}
