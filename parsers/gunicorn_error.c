/*
 * gunicorn_error - gunicorn's error log -> events with a classified `error`.
 *
 * Format (gunicorn/glogging.py, CONFIG_DEFAULTS and Logger.error_fmt /
 * datefmt): "%(asctime)s [%(process)d] [%(levelname)s] %(message)s" with
 * asctime "[%Y-%m-%d %H:%M:%S %z]", e.g.
 *
 *   [2026-11-22 14:46:12 +0000] [25228] [CRITICAL] WORKER TIMEOUT (pid:25238)
 *
 * The zone is in the line, so no ts_zone is needed. A Python traceback
 * (log.exception) follows its head line: is_continuation() is true for
 * every line that does not start with "[YYYY-MM-DD ", and the record is
 * head + '\n' + continuation lines; the continuation is FIELD_TRACEBACK.
 *
 * Classification (gunicorn/arbiter.py, gunicorn/workers/base.py):
 *   worker_timeout   "WORKER TIMEOUT (pid:N)"                 worker_pid
 *   worker_killed    21+: "Worker (pid:N) was sent SIGKILL! Perhaps out of
 *                    memory?", "Worker (pid:N) was sent SIGTERM!", "...
 *                    was sent code N!", "... was sent signal N!";
 *                    20.1 (Debian 12): "Worker with pid N was terminated
 *                    due to signal N"                 worker_pid, signal
 *   worker_exited    "Worker exiting (pid: N)" (the worker itself), and
 *                    the arbiter's "Worker (pid:N) exited with code N."
 *                                                             worker_pid
 *   worker_booted    "Booting worker with pid: N"             worker_pid
 *   error_handling_request  "Error handling request ..."
 *   other            anything else, message kept
 *
 * Why: the shape is fixed and short, so a direct bounded scan is simpler
 * and faster than a general log_format program. Invariants: no allocation
 * per record, every read below end, numbers bounded (pid up to 2^32).
 *
 * Not handled: a custom logconfig/logconfig_dict with another format
 * (the line is then PARSE_SKIP or PARSE_BAD, counted, never misread);
 * gunicorn's access log lines (gunicorn_access).
 */
#include "parsers/parser.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/errkind.h"
#include "parsers/ts.h"

#include "parsers/compat.h"

struct parser_prog {
	uint64_t want;
};

#define GUNI_TS_LEN     25 /* "2026-11-22 14:46:12 +0000" */
#define GUNI_LEVEL_MAX  16
#define GUNI_SIGNAL_MAX 255

#define BIT(id) (UINT64_C(1) << (id))

static const uint64_t produced = BIT(FIELD_TIME) | BIT(FIELD_LEVEL) |
    BIT(FIELD_PID) | BIT(FIELD_MESSAGE) | BIT(FIELD_ERROR) |
    BIT(FIELD_WORKER_PID) | BIT(FIELD_SIGNAL) | BIT(FIELD_TRACEBACK);

/* Python's signal.Signals(n).name on Linux. */
static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "SIGHUP", SIGHUP },
	{ "SIGINT", SIGINT },
	{ "SIGQUIT", SIGQUIT },
	{ "SIGILL", SIGILL },
	{ "SIGTRAP", SIGTRAP },
	{ "SIGABRT", SIGABRT },
	{ "SIGBUS", SIGBUS },
	{ "SIGFPE", SIGFPE },
	{ "SIGKILL", SIGKILL },
	{ "SIGUSR1", SIGUSR1 },
	{ "SIGSEGV", SIGSEGV },
	{ "SIGUSR2", SIGUSR2 },
	{ "SIGPIPE", SIGPIPE },
	{ "SIGALRM", SIGALRM },
	{ "SIGTERM", SIGTERM },
	{ "SIGSTKFLT", SIGSTKFLT },
	{ "SIGCHLD", SIGCHLD },
	{ "SIGCONT", SIGCONT },
	{ "SIGSTOP", SIGSTOP },
	{ "SIGTSTP", SIGTSTP },
	{ "SIGTTIN", SIGTTIN },
	{ "SIGTTOU", SIGTTOU },
	{ "SIGURG", SIGURG },
	{ "SIGXCPU", SIGXCPU },
	{ "SIGXFSZ", SIGXFSZ },
	{ "SIGVTALRM", SIGVTALRM },
	{ "SIGPROF", SIGPROF },
	{ "SIGWINCH", SIGWINCH },
	{ "SIGIO", SIGIO },
	{ "SIGPWR", SIGPWR },
	{ "SIGSYS", SIGSYS },
};

/* ---- compile ------------------------------------------------------------ */

static struct parser_prog *
gunicorn_error_compile(const struct parser_opts *opts, char *err, size_t errlen)
{
	struct parser_prog *prog;

	if (opts != NULL && opts->log_format != NULL) {
		snprintf(err, errlen, "gunicorn_error takes no log_format");
		return NULL;
	}
	if ((prog = calloc(1, sizeof(*prog))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	prog->want = ~UINT64_C(0);
	return prog;
}

static void
gunicorn_error_prog_free(struct parser_prog *prog)
{
	free(prog);
}

static uint64_t
gunicorn_error_produces(const struct parser_prog *prog)
{
	(void)prog;
	return produced;
}

static void
gunicorn_error_want(struct parser_prog *prog, uint64_t mask)
{
	prog->want = mask;
}

/* "[YYYY-MM-DD " by shape. */
static bool
head_shape(const char *p, size_t len)
{
	static const char shape[] = "[dddd-dd-dd ";

	if (len < sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? !errkind_is_digit(p[i])
				    : p[i] != shape[i])
			return false;
	}
	return true;
}

static bool
gunicorn_error_is_continuation(
    const struct parser_prog *prog, const char *line, size_t len)
{
	(void)prog;
	return !head_shape(line, len);
}

/* ---- classification ----------------------------------------------------- */

/* A worker pid in [p, end) exactly (digits only) into FIELD_WORKER_PID. */
static void
worker_pid(struct log_event *ev, const char *p, const char *end)
{
	const char *q = p;
	uint64_t v;

	if (!errkind_uint(&q, end, ERRKIND_PID_MAX, &v) || q != end)
		return;
	event_set_text(ev, FIELD_WORKER_PID, sv_make(p, (size_t)(end - p)));
	event_set_num(ev, FIELD_WORKER_PID, (double)v);
}

/* A signal number in [p, end) exactly into FIELD_SIGNAL. */
static void
signal_num(struct log_event *ev, const char *p, const char *end)
{
	const char *q = p;
	uint64_t v;

	if (!errkind_uint(&q, end, GUNI_SIGNAL_MAX, &v) || q != end)
		return;
	event_set_text(ev, FIELD_SIGNAL, sv_make(p, (size_t)(end - p)));
	event_set_num(ev, FIELD_SIGNAL, (double)v);
}

/* After "was sent ": "SIGKILL!", "code N!" or "signal N!". */
static void
sent_signal(struct log_event *ev, const char *p, const char *end)
{
	const char *bang = memchr(p, '!', (size_t)(end - p));

	if (bang == NULL)
		return;
	if (errkind_lit(&p, bang, "code ") ||
	    errkind_lit(&p, bang, "signal ")) {
		signal_num(ev, p, bang);
		return;
	}
	for (size_t i = 0; i < NELEM(signals); i++) {
		size_t n = strlen(signals[i].name);

		if ((size_t)(bang - p) == n &&
		    memcmp(p, signals[i].name, n) == 0) {
			event_set_text(ev, FIELD_SIGNAL, sv_make(p, n));
			event_set_num(ev, FIELD_SIGNAL, signals[i].num);
			return;
		}
	}
}

/*
 * "Worker (pid:N) was sent X!" / "Worker (pid:N) exited with code N."
 * (gunicorn 21+ arbiter).
 */
static const char *
worker_paren(struct log_event *ev, const char *p, const char *end)
{
	const char *close;

	if (!errkind_lit(&p, end, "Worker (pid:") ||
	    (close = errkind_find(p, end, ") ")) == NULL)
		return NULL;
	if (errkind_starts(close, end, ") was sent ")) {
		worker_pid(ev, p, close);
		sent_signal(ev, close + strlen(") was sent "), end);
		return "worker_killed";
	}
	if (errkind_starts(close, end, ") exited with code ")) {
		worker_pid(ev, p, close);
		return "worker_exited";
	}
	return NULL;
}

/* "Worker with pid N was terminated due to signal N" (gunicorn 20.1) */
static const char *
worker_terminated(struct log_event *ev, const char *p, const char *end)
{
	const char *mid;

	if (!errkind_lit(&p, end, "Worker with pid ") ||
	    (mid = errkind_find(p, end, " was terminated due to signal ")) ==
		NULL)
		return NULL;
	worker_pid(ev, p, mid);
	signal_num(ev, mid + strlen(" was terminated due to signal "), end);
	return "worker_killed";
}

/* Prefix, then the worker pid up to the closing text (or the end). */
static const struct {
	const char *prefix, *close, *kind;
} pid_kinds[] = {
	{ "WORKER TIMEOUT (pid:", ")", "worker_timeout" },
	{ "Worker exiting (pid: ", ")", "worker_exited" },
	{ "Booting worker with pid: ", NULL, "worker_booted" },
};

static const char *
kind_of(struct log_event *ev, const char *p, const char *end)
{
	const char *kind;

	for (size_t i = 0; i < NELEM(pid_kinds); i++) {
		const char *q = p, *close = end;

		if (!errkind_lit(&q, end, pid_kinds[i].prefix))
			continue;
		if (pid_kinds[i].close != NULL &&
		    (close = errkind_find(q, end, pid_kinds[i].close)) == NULL)
			close = end;
		worker_pid(ev, q, close);
		return pid_kinds[i].kind;
	}
	if ((kind = worker_paren(ev, p, end)) != NULL ||
	    (kind = worker_terminated(ev, p, end)) != NULL)
		return kind;
	if (errkind_starts(p, end, "Error handling request"))
		return "error_handling_request";
	return "other";
}

/* ---- parse ----------------------------------------------------------------
 */

static enum parse_rc
gunicorn_error_parse(
    struct parser_prog *prog, const char *rec, size_t len, struct log_event *ev)
{
	const char *end, *p, *lv, *head_end, *m_end;

	(void)prog;
	len = errkind_chomp(rec, len);
	event_reset(ev, rec, len);
	end = rec + len;
	if (!head_shape(rec, len))
		return PARSE_SKIP;
	p = rec + 1;
	if ((size_t)(end - p) < GUNI_TS_LEN + 1 || p[GUNI_TS_LEN] != ']' ||
	    ts_parse_iso8601(p, GUNI_TS_LEN, &ev->time_ms))
		return event_bad(ev, "bad time", p, FIELD_TIME);
	event_set_text(ev, FIELD_TIME, sv_make(p, GUNI_TS_LEN));
	p += GUNI_TS_LEN + 1;
	if (!errkind_lit(&p, end, " [") ||
	    !errkind_num_field(ev, FIELD_PID, &p, end, ERRKIND_PID_MAX) ||
	    !errkind_lit(&p, end, "] ["))
		return event_bad(ev, "bad pid", p, FIELD_PID);
	lv = p;
	while (p < end && *p != ']' && *p != '\n' && p - lv <= GUNI_LEVEL_MAX)
		p++;
	if (p == lv || !errkind_lit(&p, end, "]"))
		return event_bad(ev, "bad level", lv, FIELD_LEVEL);
	event_set_text(ev, FIELD_LEVEL, sv_make(lv, (size_t)(p - lv - 1)));
	(void)errkind_lit(&p, end, " ");

	head_end = memchr(p, '\n', (size_t)(end - p));
	if (head_end == NULL)
		head_end = end;
	m_end = head_end;
	while (m_end > p && m_end[-1] == '\r')
		m_end--;
	event_set_text(ev, FIELD_MESSAGE, sv_make(p, (size_t)(m_end - p)));
	if (head_end < end)
		event_set_text(ev, FIELD_TRACEBACK,
		    sv_make(head_end + 1, (size_t)(end - head_end - 1)));
	errkind_set_kind(ev, kind_of(ev, p, m_end));
	return PARSE_OK;
}

const struct parser gunicorn_error_parser = {
	.name = "gunicorn_error",
	.skip_reason = "not a gunicorn error log line",
	.default_format = NULL,
	.compile = gunicorn_error_compile,
	.prog_free = gunicorn_error_prog_free,
	.produces = gunicorn_error_produces,
	.want = gunicorn_error_want,
	.is_continuation = gunicorn_error_is_continuation,
	.parse = gunicorn_error_parse,
};
