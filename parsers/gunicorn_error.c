/*
 * gunicorn_error - gunicorn's error log -> events with a classified `error`.
 *
 * Formats, told apart by their first bytes:
 *
 *   [2026-11-22 14:46:12 +0000] [25228] [CRITICAL] WORKER TIMEOUT (pid:25238)
 *   2016-10-25 08:59:54 [24924] [INFO] Booting worker with pid: 24924
 *   [2025-04-12 16:53:34,033] ERROR in app: Exception on /results [GET]
 *
 * The first is gunicorn's own (glogging.py, CONFIG_DEFAULTS and
 * Logger.error_fmt / datefmt: "%(asctime)s [%(process)d] [%(levelname)s]
 * %(message)s", datefmt "[%Y-%m-%d %H:%M:%S %z]"), its zone in the line.
 * The second is the same from gunicorn <= 19.1, whose datefmt was
 * "%Y-%m-%d %H:%M:%S": no brackets, no zone. The third is not gunicorn's:
 * gunicorn captures the app's stderr into its error log, and a Flask app
 * writes there with Flask's default format (flask/logging.py,
 * "[%(asctime)s] %(levelname)s in %(module)s: %(message)s", asctime with
 * ",mmm"); it is an event of its own, with `level`, `logger` (the module)
 * and `message`. The two zone-less forms are local times in the input's
 * zone (prog->zone: the `timezone` key or --timezone, else $TZ or the
 * host's zone), as for nginx's error log; the app runs on the same host,
 * in the same zone as gunicorn.
 *
 * A Python traceback (log.exception) follows its head line, and the
 * record is head + '\n' + the lines that continue it, FIELD_TRACEBACK.
 * is_continuation() is true only for what a traceback or a multi-line
 * message holds: a blank line, an indented line (frames, source lines,
 * carets, gunicorn's "Current configuration:" dump), "Traceback (most
 * recent call last):", the two chained-exception separators, and the
 * final exception line ("pkg.SomeError: message" or a bare "StopIteration":
 * a dotted Python name, then the end of the line or ": "). Anything else
 * starts a record of its own, so a line the app printed ("Not Found:
 * /favicon.ico", "<Response [200]>") is counted as a line that did not
 * parse instead of vanishing into the traceback before it.
 *
 * Classification (gunicorn/arbiter.py, gunicorn/sock.py, gunicorn/config.py,
 * gunicorn/workers/base.py and sync.py):
 *   worker_timeout   "WORKER TIMEOUT (pid:N)"                 worker_pid
 *   worker_killed    a worker killed by a signal other than the three
 *                    gunicorn stops them with: 21+ "Worker (pid:N) was
 *                    sent SIGKILL! Perhaps out of memory?" (also "was sent
 *                    SIGSEGV!", "code N!", "signal N!"); 20.1 (Debian
 *                    12): "Worker with pid N was terminated due to signal
 *                    9"                               worker_pid, signal
 *   worker_stopped   the same with SIGTERM, SIGINT or SIGQUIT (2, 3, 15):
 *                    an ordinary stop, at every deploy
 *                                                     worker_pid, signal
 *   worker_exited    "Worker exiting (pid: N)" (the worker itself), and
 *                    the arbiter's "Worker (pid:N) exited with code N."
 *                                                             worker_pid
 *   worker_booted    "Booting worker with pid: N"             worker_pid
 *   worker_boot_failed  "Exception in worker process" (19.x: with a ':';
 *                    the app does not import, its traceback follows)
 *                                                     worker_pid (= pid)
 *   worker_max_requests "Autorestarting worker after current request."
 *                                                     worker_pid (= pid)
 *   boot_failed      "Reason: Worker failed to boot." / "Reason: App
 *                    failed to load.": the master gives up and exits
 *   bind_error       one attempt to listen failed: "Connection in use:
 *                    ADDR", "Invalid address: ADDR", "connection to ADDR
 *                    failed: [Errno N] TEXT"           errno, errno_text
 *   bind_retry       "Retrying in 1 second."
 *   bind_failed      "Can't connect to ADDR": the last attempt failed,
 *                    gunicorn exits
 *   client_closed_connection  "Ignoring EPIPE", "Ignoring connection
 *                    reset", "Ignoring socket not connected"
 *   socket_error     "Socket error processing request."
 *   error_handling_request  "Error handling request ..."
 *   request_started  the default pre_request hook's debug "METHOD /path"
 *                                                     method, path
 *   master_starting "Starting gunicorn V", master_listening "Listening
 *                    at: URL (PID)", master_signal "Handling signal: NAME"
 *                    (signal), master_reloading "Hang up: Master",
 *                    master_shutting_down "Shutting down: Master"
 *   app_exception    Flask's "Exception on PATH [METHOD]"  method, path
 *   app_log          any other Flask line
 *   other            anything else, message kept
 *
 * Why: the shapes are fixed and short, so a direct bounded scan is
 * simpler and faster than a general log_format program. Invariants: no
 * allocation per record, every read below end, numbers bounded (pid up to
 * 2^32).
 *
 * Not handled: a custom logconfig/logconfig_dict with another format
 * (the line is then PARSE_SKIP or PARSE_BAD, counted, never misread);
 * app lines without a time (Django's "Not Found: /x", Python's
 * "WARNING:root:...", print()): each is a record that does not parse; a
 * multi-line exception message ("LINE 1: SELECT ..." after a psycopg2
 * error) is cut after its first line, its other lines counted so; a
 * time-less line shaped like an exception line ("Error: No such user:
 * 'x'", gunicorn's own stderr at startup) continues the record before
 * it; gunicorn's access log lines (gunicorn_access).
 */
#include "parsers/parser.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/errkind.h"
#include "parsers/ts.h"

#include "parsers/compat.h"

struct parser_prog {
	uint64_t want;
	struct ts_zone *zone; /* for the zone-less forms (19.1, Flask) */
};

#define GUNI_TS_LEN     25 /* "2026-11-22 14:46:12 +0000" */
#define GUNI_LOCAL_LEN  19 /* "2016-10-25 08:59:54" */
#define GUNI_LEVEL_MAX  16
#define GUNI_METHOD_MAX 16
#define GUNI_SIGNAL_MAX 255

#define BIT(id) (UINT64_C(1) << (id))

static const uint64_t produced = BIT(FIELD_TIME) | BIT(FIELD_LEVEL) |
    BIT(FIELD_PID) | BIT(FIELD_MESSAGE) | BIT(FIELD_ERROR) |
    BIT(FIELD_WORKER_PID) | BIT(FIELD_SIGNAL) | BIT(FIELD_TRACEBACK) |
    BIT(FIELD_ERRNO) | BIT(FIELD_ERRNO_TEXT) | BIT(FIELD_METHOD) |
    BIT(FIELD_PATH) | BIT(FIELD_LOGGER);

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
	prog->zone = ts_zone_load(opts ? opts->timezone : NULL, err, errlen);
	if (prog->zone == NULL) {
		free(prog);
		return NULL;
	}
	return prog;
}

static void
gunicorn_error_prog_free(struct parser_prog *prog)
{
	if (prog == NULL)
		return;
	ts_zone_free(prog->zone);
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

/* [p, p + len) starts with shape, 'd' standing for a digit. */
static bool
shape_at(const char *p, size_t len, const char *shape)
{
	size_t n = strlen(shape);

	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (shape[i] == 'd' ? !errkind_is_digit(p[i])
				    : p[i] != shape[i])
			return false;
	}
	return true;
}

/* gunicorn 19.2+ and Flask: "[YYYY-MM-DD " */
static bool
head_shape(const char *p, size_t len)
{
	return shape_at(p, len, "[dddd-dd-dd ");
}

/* gunicorn <= 19.1: "YYYY-MM-DD HH:MM:SS [" */
static bool
old_head_shape(const char *p, size_t len)
{
	return shape_at(p, len, "dddd-dd-dd dd:dd:dd [");
}

static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident(char c)
{
	return is_ident_start(c) || errkind_is_digit(c);
}

/*
 * The last line of a traceback, "pkg.mod.SomeError: message" or a bare
 * "StopIteration": a Python name, then the end or ": ". The name is
 * dotted ("socket.timeout") or, alone, a class name in CapWords (PEP 8),
 * so that "supervisor: couldn't exec ..." is not taken for one.
 */
static bool
exception_line(const char *p, const char *end)
{
	bool dotted = false, cap = p < end && *p >= 'A' && *p <= 'Z';

	for (;;) {
		if (p == end || !is_ident_start(*p))
			return false;
		while (p < end && is_ident(*p))
			p++;
		if (p == end || *p != '.')
			break;
		dotted = true;
		p++;
	}
	if (!dotted && !cap)
		return false;
	return p == end || (*p == ':' && (end - p == 1 || p[1] == ' '));
}

static bool
gunicorn_error_is_continuation(
    const struct parser_prog *prog, const char *line, size_t len)
{
	static const char *const whole[] = {
		"Traceback (most recent call last):",
		"During handling of the above exception, another exception "
		"occurred:",
		"The above exception was the direct cause of the following "
		"exception:",
	};
	const char *end = line + len;

	(void)prog;
	while (end > line && end[-1] == '\r')
		end--;
	if (end == line || *line == ' ' || *line == '\t')
		return true;
	for (size_t i = 0; i < NELEM(whole); i++) {
		if ((size_t)(end - line) == strlen(whole[i]) &&
		    memcmp(line, whole[i], strlen(whole[i])) == 0)
			return true;
	}
	return exception_line(line, end);
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

/*
 * The signal named by [p, end) into FIELD_SIGNAL: "SIGKILL" as Python's
 * signal.Signals names it, or with lower "term" as the arbiter's
 * "Handling signal: term" writes it (SIG_NAMES without "SIG").
 */
static void
signal_name(struct log_event *ev, const char *p, const char *end, bool lower)
{
	size_t len = (size_t)(end - p);

	for (size_t i = 0; i < NELEM(signals); i++) {
		const char *name = signals[i].name + (lower ? 3 : 0);
		size_t n = strlen(name);

		if (len == n &&
		    (lower ? strncasecmp(p, name, n) : memcmp(p, name, n)) ==
			0) {
			event_set_text(ev, FIELD_SIGNAL, sv_make(p, n));
			event_set_num(ev, FIELD_SIGNAL, signals[i].num);
			return;
		}
	}
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
	signal_name(ev, p, bang, false);
}

/*
 * A worker ended by a signal: gunicorn stops its workers with SIGTERM
 * (graceful), SIGINT or SIGQUIT (quick), so those are an ordinary stop;
 * any other signal (SIGKILL: out of memory, or past the graceful
 * timeout) killed it.
 */
static const char *
signal_kind(const struct log_event *ev)
{
	if (event_has_num(ev, FIELD_SIGNAL)) {
		double s = ev->num[FIELD_SIGNAL];

		if (s == SIGTERM || s == SIGINT || s == SIGQUIT)
			return "worker_stopped";
	}
	return "worker_killed";
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
		return signal_kind(ev);
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
	return signal_kind(ev);
}

/* The line's own pid is the worker's (the worker logs it). */
static void
own_worker_pid(struct log_event *ev)
{
	if (!event_has_num(ev, FIELD_PID))
		return;
	event_set_text(ev, FIELD_WORKER_PID, ev->text[FIELD_PID]);
	event_set_num(ev, FIELD_WORKER_PID, ev->num[FIELD_PID]);
}

/* "... failed: [Errno 98] Address already in use" -> errno, errno_text */
static void
bracket_errno(struct log_event *ev, const char *p, const char *end)
{
	const char *e = errkind_find(p, end, "[Errno ");

	if (e == NULL)
		return;
	p = e + strlen("[Errno ");
	if (!errkind_num_field(ev, FIELD_ERRNO, &p, end, ERRKIND_PID_MAX) ||
	    !errkind_lit(&p, end, "] "))
		return;
	event_set_text(ev, FIELD_ERRNO_TEXT, sv_make(p, (size_t)(end - p)));
}

/*
 * The default pre_request hook's debug "GET /path": an HTTP method (upper
 * case letters) and a path from '/' (or "*") to the end, no space in it.
 */
static bool
request_started(struct log_event *ev, const char *p, const char *end)
{
	const char *m = p, *path;

	while (p < end && *p >= 'A' && *p <= 'Z' && p - m < GUNI_METHOD_MAX)
		p++;
	if (p == m || !errkind_lit(&p, end, " ") || p == end ||
	    (*p != '/' && *p != '*') || memchr(p, ' ', (size_t)(end - p)))
		return false;
	path = p;
	event_set_text(ev, FIELD_METHOD, sv_make(m, (size_t)(path - 1 - m)));
	event_set_text(ev, FIELD_PATH, sv_make(path, (size_t)(end - path)));
	return true;
}

/* Messages known by their whole text. */
static const struct {
	const char *text, *kind;
	bool worker; /* the line's pid is the worker's */
} whole_kinds[] = {
	{ "Exception in worker process", "worker_boot_failed", true },
	{ "Exception in worker process:", "worker_boot_failed", true }, /* 19 */
	{ "Autorestarting worker after current request.", "worker_max_requests",
	    true },
	{ "Reason: Worker failed to boot.", "boot_failed", false },
	{ "Reason: App failed to load.", "boot_failed", false },
	{ "Retrying in 1 second.", "bind_retry", false },
	{ "Ignoring EPIPE", "client_closed_connection", false },
	{ "Ignoring connection reset", "client_closed_connection", false },
	{ "Ignoring socket not connected", "client_closed_connection", false },
	{ "Socket error processing request.", "socket_error", false },
};

/* Messages known by their start. */
static const struct {
	const char *prefix, *kind;
} prefix_kinds[] = {
	{ "Starting gunicorn ", "master_starting" },
	{ "Listening at: ", "master_listening" },
	{ "Hang up: ", "master_reloading" },
	{ "Shutting down: ", "master_shutting_down" },
	{ "Can't connect to ", "bind_failed" },
	{ "Connection in use: ", "bind_error" },
	{ "Invalid address: ", "bind_error" },
	{ "Error handling request", "error_handling_request" },
};

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
	for (size_t i = 0; i < NELEM(whole_kinds); i++) {
		const char *q = p;

		if (errkind_lit(&q, end, whole_kinds[i].text) && q == end) {
			if (whole_kinds[i].worker)
				own_worker_pid(ev);
			return whole_kinds[i].kind;
		}
	}
	for (size_t i = 0; i < NELEM(prefix_kinds); i++) {
		if (errkind_starts(p, end, prefix_kinds[i].prefix))
			return prefix_kinds[i].kind;
	}
	if (errkind_starts(p, end, "Handling signal: ")) {
		signal_name(ev, p + strlen("Handling signal: "), end, true);
		return "master_signal";
	}
	if (errkind_starts(p, end, "connection to ") &&
	    errkind_find(p, end, " failed: ") != NULL) {
		bracket_errno(ev, p, end);
		return "bind_error";
	}
	if (request_started(ev, p, end))
		return "request_started";
	return "other";
}

/*
 * "YYYY-MM-DD HH:MM:SS" at p (19 bytes, checked by the caller's shape),
 * a local time in prog's zone, plus frac_ms, into ev's time. -1 when the
 * date is impossible.
 */
static int
local_time(const struct parser_prog *prog, struct log_event *ev, const char *p,
    int64_t frac_ms)
{
	char ymd[GUNI_LOCAL_LEN];
	int64_t local, ms, alt_ms;

	memcpy(ymd, p, sizeof(ymd));
	ymd[4] = ymd[7] = '/'; /* ts_parse_ymd reads nginx's slashes */
	if (ts_parse_ymd(ymd, sizeof(ymd), &local) ||
	    ts_zone_local_ms(prog->zone, local, &ms, &alt_ms) ||
	    !ts_ms_in_range(ms + frac_ms) || !ts_ms_in_range(alt_ms + frac_ms))
		return -1;
	event_set_time2(ev, ms + frac_ms, alt_ms + frac_ms);
	return 0;
}

/* The message from p to the end of the head line, the traceback after. */
static const char *
message(struct log_event *ev, const char *p, const char *end)
{
	const char *head_end = memchr(p, '\n', (size_t)(end - p)), *m_end;

	if (head_end == NULL)
		head_end = end;
	m_end = head_end;
	while (m_end > p && m_end[-1] == '\r')
		m_end--;
	event_set_text(ev, FIELD_MESSAGE, sv_make(p, (size_t)(m_end - p)));
	if (head_end < end)
		event_set_text(ev, FIELD_TRACEBACK,
		    sv_make(head_end + 1, (size_t)(end - head_end - 1)));
	return m_end;
}

/* Flask's "Exception on /path [METHOD]" (Flask.log_exception). */
static const char *
app_kind(struct log_event *ev, const char *p, const char *end)
{
	const char *open;

	if (!errkind_lit(&p, end, "Exception on ") || end - p < 4 ||
	    end[-1] != ']' || *p != '/' ||
	    (open = errkind_find_last(p, end, " [")) == NULL ||
	    open + 3 > end - 1)
		return "app_log";
	event_set_text(ev, FIELD_PATH, sv_make(p, (size_t)(open - p)));
	event_set_text(
	    ev, FIELD_METHOD, sv_make(open + 2, (size_t)(end - 1 - open - 2)));
	return "app_exception";
}

/*
 * A Flask line after its '[': "YYYY-MM-DD HH:MM:SS,mmm] LEVEL in
 * module: message".
 */
static enum parse_rc
parse_app(const struct parser_prog *prog, struct log_event *ev, const char *p,
    const char *end)
{
	const char *lv, *mod, *colon, *m_end;
	uint64_t frac;
	const char *f = p + GUNI_LOCAL_LEN + 1;

	if (end - p < GUNI_LOCAL_LEN + 6 || p[GUNI_LOCAL_LEN] != ',' ||
	    !errkind_uint(&f, p + GUNI_LOCAL_LEN + 4, 999, &frac) ||
	    f != p + GUNI_LOCAL_LEN + 4 || *f != ']' ||
	    local_time(prog, ev, p, (int64_t)frac) != 0)
		return event_bad(ev, "bad time", p, FIELD_TIME);
	event_set_text(ev, FIELD_TIME, sv_make(p, GUNI_LOCAL_LEN + 4));
	p = f + 1;
	if (!errkind_lit(&p, end, " "))
		return event_bad(ev, "bad level", p, FIELD_LEVEL);
	lv = p;
	while (p < end && *p >= 'A' && *p <= 'Z' && p - lv < GUNI_LEVEL_MAX)
		p++;
	if (p == lv || !errkind_starts(p, end, " in "))
		return event_bad(
		    ev, "expected \"LEVEL in module: \"", lv, FIELD_LEVEL);
	event_set_text(ev, FIELD_LEVEL, sv_make(lv, (size_t)(p - lv)));
	mod = p + strlen(" in ");
	for (colon = mod; colon < end && is_ident(*colon); colon++)
		;
	if (colon == mod || !errkind_starts(colon, end, ": "))
		return event_bad(
		    ev, "expected \"LEVEL in module: \"", mod, FIELD_LOGGER);
	event_set_text(ev, FIELD_LOGGER, sv_make(mod, (size_t)(colon - mod)));
	p = colon + 2;
	m_end = message(ev, p, end);
	errkind_set_kind(ev, app_kind(ev, p, m_end));
	return PARSE_OK;
}

/* ---- parse ----------------------------------------------------------------
 */

static enum parse_rc
gunicorn_error_parse(
    struct parser_prog *prog, const char *rec, size_t len, struct log_event *ev)
{
	const char *end, *p, *lv, *m_end;

	len = errkind_chomp(rec, len);
	event_reset(ev, rec, len);
	end = rec + len;
	if (old_head_shape(rec, len)) {
		if (local_time(prog, ev, rec, 0) != 0)
			return event_bad(ev, "bad time", rec, FIELD_TIME);
		event_set_text(ev, FIELD_TIME, sv_make(rec, GUNI_LOCAL_LEN));
		p = rec + GUNI_LOCAL_LEN;
	} else if (!head_shape(rec, len)) {
		return PARSE_SKIP;
	} else if (len > GUNI_LOCAL_LEN + 1 && rec[GUNI_LOCAL_LEN + 1] == ',') {
		return parse_app(prog, ev, rec + 1, end);
	} else {
		p = rec + 1;
		if ((size_t)(end - p) < GUNI_TS_LEN + 1 ||
		    p[GUNI_TS_LEN] != ']' ||
		    ts_parse_iso8601(p, GUNI_TS_LEN, &ev->time_ms))
			return event_bad(ev, "bad time", p, FIELD_TIME);
		event_set_text(ev, FIELD_TIME, sv_make(p, GUNI_TS_LEN));
		p += GUNI_TS_LEN + 1;
	}
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
	m_end = message(ev, p, end);
	errkind_set_kind(ev, kind_of(ev, p, m_end));
	return PARSE_OK;
}

const struct parser gunicorn_error_parser = {
	.name = "gunicorn_error",
	.skip_reason = "not a gunicorn error log line",
	.default_format = NULL,
	.local_time = true,
	.compile = gunicorn_error_compile,
	.prog_free = gunicorn_error_prog_free,
	.produces = gunicorn_error_produces,
	.want = gunicorn_error_want,
	.is_continuation = gunicorn_error_is_continuation,
	.parse = gunicorn_error_parse,
};
