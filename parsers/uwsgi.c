/*
 * uwsgi - uWSGI's log: its request lines as access events, its operator
 * messages as classified error events.
 *
 * uWSGI writes both to one stream (the daemonize/logto file or stderr).
 * The default request line (core/logging.c, uwsgi_logit_simple):
 *
 *   [pid: %d|app: %d|req: %d/%llu] %.*s (%.*s) {%d vars in %d bytes}
 *   [%.*s] %.*s %.*s => generated %llu bytes in %llu %s%s(%.*s %d)
 *   %d headers in %llu bytes (%d switches on core %d)
 *
 * i.e. pid, app id, request counters, REMOTE_ADDR, REMOTE_USER, the
 * request's start as ctime(3) text (24 bytes, local time: the prog holds
 * a ts_zone), method, REQUEST_URI, body size, response time in "msecs" (or
 * "micros" with --log-micros), " " or " via sendfile() "-style transport,
 * protocol and status. --log-x-forwarded-for changes only the address;
 * --vhost prefixes "HOST ", --memory-report prefixes "{address space
 * usage: ...} {rss usage: ...} ". Fields map onto the access names: pid,
 * remote_addr, remote_user, time, request ("METHOD URI"), method, path,
 * query, body_bytes_sent, request_time (seconds), protocol, status, host.
 *
 * Every other line is an operator message. uwsgi_log_verbose() (and every
 * line with --log-date) prefixes "Sun Nov 22 15:50:08 2026 - " (local
 * time; used as the event time). Classified (core/master_checks.c,
 * core/master_utils.c, core/master.c):
 *   worker_timeout     "*** HARAKIRI ON WORKER N (pid: N[, try: N[,
 *                      graceful: yes]]) ***"       worker_id, worker_pid
 *   worker_killed      "DAMN ! worker N (pid: N) died, killed by signal
 *                      N :( trying respawn ..." and the "MISTERIOUSLY" /
 *                      "MYSTERIOUSLY killed by signal N" variants
 *                                                  worker_id, worker_pid,
 *                                                  signal
 *   worker_exited      "DAMN ! worker N (pid: N) died :( trying respawn"
 *   listen_queue_full  "*** uWSGI listen queue of socket "S" (fd: N) full
 *                      !!! (Q/M) ***"    listen_queue, listen_queue_max
 *   harakiri_request   "HARAKIRI [core N] ADDR - METHOD URI since T"
 *                      (core/master_utils.c, after the HARAKIRI): the
 *                      request that hung     client, method, path, query,
 *                                            request
 *   client_closed_connection  "SIGPIPE: writing to a closed pipe/socket/fd
 *                      (probably the client disconnected)[ on request URI
 *                      (ip ADDR)] !!!"       path, query, client
 *   client_write_failed "uwsgi_response_X(): STRERROR [core/writer.c line
 *                      N] during METHOD URI (ADDR)"   errno_text, method,
 *                                            path, query, client
 *   client_write_error "OSError: write error" (IOError on Python 2): the
 *                      app's exception for the same failed write
 *   respawning_too_fast "worker respawning too fast !!! ..." (crash loop)
 *   bind_failed        "bind(): STRERROR [core/socket.c line N]"
 *                                            errno_text
 *   master_disconnected "uWSGI worker N screams: UAAAAAAH my master
 *                      disconnected ..."     worker_id
 *   worker_recycled    "worker N lifetime reached ...", "*** EVIL RELOAD ON
 *                      WORKER N RSS: N (pid: N) ***", "...The work of
 *                      process N is done. Seeya!"  worker_id, worker_pid
 *   reload             "binary reloading uWSGI...", "...gracefully killing
 *                      workers...", "chain reload starting...", "*** F has
 *                      been touched... workers reload !!! ***"
 *   other              any other non-blank line, message kept
 * A free-form line is never PARSE_BAD: only a blank one is PARSE_SKIP, and
 * only a line that is shaped like a request line ("[pid: " ... " =>
 * generated ") but broken is PARSE_BAD.
 *
 * Invariants: no allocation per line, every read below end, numbers
 * bounded. A HARAKIRI and the "DAMN ... killed by signal 9" that reaps
 * the same pid are two events of one incident (the parser sees one line
 * at a time): README and klaxon.8 say how one rule pages once for both.
 * Not handled: a custom --logformat (its variables are a
 * different format; such lines become "other"); Python tracebacks that
 * uWSGI copies from the app's stderr are one "other" event per line
 * (uWSGI gives them no head line of their own to group under).
 */
#include "parsers/parser.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/errkind.h"
#include "parsers/ts.h"

#include "parsers/compat.h"

struct parser_prog {
	struct ts_zone *zone;
	uint64_t want;
};

#define UWSGI_CTIME_LEN  24
#define UWSGI_SIGNAL_MAX 255
#define UWSGI_WORKER_MAX UINT64_C(1000000)

#define BIT(id) (UINT64_C(1) << (id))
#define WANT_REQUEST_SPLIT                                                     \
	(BIT(FIELD_METHOD) | BIT(FIELD_PATH) | BIT(FIELD_QUERY))

static const uint64_t produced = BIT(FIELD_PID) | BIT(FIELD_REMOTE_ADDR) |
    BIT(FIELD_REMOTE_USER) | BIT(FIELD_TIME) | BIT(FIELD_REQUEST) |
    WANT_REQUEST_SPLIT | BIT(FIELD_PROTOCOL) | BIT(FIELD_STATUS) |
    BIT(FIELD_BODY_BYTES_SENT) | BIT(FIELD_REQUEST_TIME) | BIT(FIELD_HOST) |
    BIT(FIELD_MESSAGE) | BIT(FIELD_ERROR) | BIT(FIELD_WORKER_ID) |
    BIT(FIELD_WORKER_PID) | BIT(FIELD_SIGNAL) | BIT(FIELD_LISTEN_QUEUE) |
    BIT(FIELD_LISTEN_QUEUE_MAX) | BIT(FIELD_CLIENT) | BIT(FIELD_ERRNO_TEXT);

/* ---- compile ------------------------------------------------------------ */

static struct parser_prog *
uwsgi_compile(const struct parser_opts *opts, char *err, size_t errlen)
{
	struct parser_prog *prog;

	if (opts != NULL && opts->log_format != NULL) {
		snprintf(err, errlen, "uwsgi takes no log_format");
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
uwsgi_prog_free(struct parser_prog *prog)
{
	if (prog == NULL)
		return;
	ts_zone_free(prog->zone);
	free(prog);
}

static uint64_t
uwsgi_produces(const struct parser_prog *prog)
{
	(void)prog;
	return produced;
}

static void
uwsgi_want(struct parser_prog *prog, uint64_t mask)
{
	prog->want = mask;
}

/* ---- request lines --------------------------------------------------------
 */

/* ctime text at p (24 bytes) -> ev->time_ms through the zone. */
static bool
set_ctime(const struct parser_prog *prog, struct log_event *ev, const char *p,
    const char *end)
{
	int64_t local, ms, alt_ms;

	if (end - p < UWSGI_CTIME_LEN ||
	    ts_parse_ctime(p, UWSGI_CTIME_LEN, &local) ||
	    ts_zone_local_ms(prog->zone, local, &ms, &alt_ms))
		return false;
	event_set_time2(ev, ms, alt_ms);
	event_set_text(ev, FIELD_TIME, sv_make(p, UWSGI_CTIME_LEN));
	return true;
}

/* "[pid: N|app: N|req: N/N] " */
static bool
req_counters(struct log_event *ev, const char **pp, const char *end)
{
	uint64_t v;

	if (!errkind_lit(pp, end, "[pid: ") ||
	    !errkind_num_field(ev, FIELD_PID, pp, end, ERRKIND_PID_MAX) ||
	    !errkind_lit(pp, end, "|app: "))
		return false;
	/* app: -1 and req: -1/N when no app matched the request */
	(void)errkind_lit(pp, end, "-");
	if (!errkind_uint(pp, end, ERRKIND_NUM_MAX, &v) ||
	    !errkind_lit(pp, end, "|req: "))
		return false;
	(void)errkind_lit(pp, end, "-");
	return errkind_uint(pp, end, ERRKIND_NUM_MAX, &v) &&
	    errkind_lit(pp, end, "/") &&
	    errkind_uint(pp, end, ERRKIND_NUM_MAX, &v) &&
	    errkind_lit(pp, end, "] ");
}

/* "ADDR (USER) {N vars in N bytes} [" */
static bool
req_client(struct log_event *ev, const char **pp, const char *end)
{
	const char *p = *pp, *sp, *close;
	uint64_t v;

	if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL ||
	    !errkind_starts(sp, end, " ("))
		return false;
	event_set_text(ev, FIELD_REMOTE_ADDR, sv_make(p, (size_t)(sp - p)));
	p = sp + 2;
	if ((close = errkind_find(p, end, ") {")) == NULL)
		return false;
	if (close > p)
		event_set_text(
		    ev, FIELD_REMOTE_USER, sv_make(p, (size_t)(close - p)));
	p = close + 3;
	if (!errkind_uint(&p, end, ERRKIND_NUM_MAX, &v) ||
	    !errkind_lit(&p, end, " vars in ") ||
	    !errkind_uint(&p, end, ERRKIND_NUM_MAX, &v) ||
	    !errkind_lit(&p, end, " bytes} ["))
		return false;
	*pp = p;
	return true;
}

/* "N bytes in N msecs|micros" after " => generated " */
static bool
req_sizes(const struct parser_prog *prog, struct log_event *ev, const char **pp,
    const char *end)
{
	const char *p = *pp, *rt;
	uint64_t t;
	double div;

	(void)prog;
	if (!errkind_num_field(
		ev, FIELD_BODY_BYTES_SENT, &p, end, ERRKIND_NUM_MAX) ||
	    !errkind_lit(&p, end, " bytes in "))
		return false;
	rt = p;
	if (!errkind_uint(&p, end, ERRKIND_NUM_MAX, &t))
		return false;
	if (errkind_lit(&p, end, " msecs"))
		div = 1e3;
	else if (errkind_lit(&p, end, " micros"))
		div = 1e6;
	else
		return false;
	event_set_text(ev, FIELD_REQUEST_TIME, sv_make(rt, (size_t)(p - rt)));
	event_set_num(ev, FIELD_REQUEST_TIME, (double)t / div);
	*pp = p;
	return true;
}

/*
 * "(PROTO STATUS) N headers in N bytes (N switches on core N)" at the end
 * of the line; *pp is just after the time unit, where uWSGI writes " " or
 * " via sendfile() " before the '('.
 */
static bool
req_status(struct log_event *ev, const char *p, const char *end)
{
	const char *open, *hdr, *close, *st, *sp;
	uint64_t v;

	if ((hdr = errkind_find_last(p, end, " headers in ")) == NULL)
		return false;
	/* hdr is preceded by "STATUS) N": step back over N, ") ", STATUS. */
	close = hdr;
	while (close > p && errkind_is_digit(close[-1]))
		close--;
	if (close == hdr || close - p < 3 || close[-1] != ' ' ||
	    close[-2] != ')')
		return false;
	close -= 2;
	st = close;
	while (st > p && errkind_is_digit(st[-1]))
		st--;
	if (st == close || st == p || st[-1] != ' ')
		return false;
	sp = st - 1;
	/* The protocol has no '(': the last one before it opens the group
	 * (" via sendfile() " comes earlier and has its own). */
	if ((open = memrchr(p, '(', (size_t)(sp - p))) == NULL)
		return false;
	if (!errkind_num_field(ev, FIELD_STATUS, &st, close, 999999))
		return false;
	event_set_text(
	    ev, FIELD_PROTOCOL, sv_make(open + 1, (size_t)(sp - open - 1)));
	p = hdr + strlen(" headers in ");
	return errkind_uint(&p, end, ERRKIND_NUM_MAX, &v) &&
	    errkind_lit(&p, end, " bytes (");
}

static enum parse_rc
parse_request(const struct parser_prog *prog, struct log_event *ev,
    const char *p, const char *end)
{
	const char *meth, *sp, *gen;
	struct sv req;

	if (!req_counters(ev, &p, end))
		return event_bad(ev, "bad request counters", p, FIELD_PID);
	if (!req_client(ev, &p, end))
		return event_bad(ev, "bad client part", p, FIELD_REMOTE_ADDR);
	if (!set_ctime(prog, ev, p, end))
		return event_bad(ev, "bad time", p, FIELD_TIME);
	p += UWSGI_CTIME_LEN;
	if (!errkind_lit(&p, end, "] "))
		return event_bad(ev, "bad time", p, FIELD_TIME);
	meth = p;
	if ((gen = errkind_find_last(p, end, " => generated ")) == NULL ||
	    (sp = memchr(p, ' ', (size_t)(gen - p))) == NULL || sp == p)
		return event_bad(ev, "bad request", p, FIELD_REQUEST);
	req = sv_make(meth, (size_t)(gen - meth));
	event_set_text(ev, FIELD_REQUEST, req);
	if (prog->want & WANT_REQUEST_SPLIT) {
		event_set_text(
		    ev, FIELD_METHOD, sv_make(meth, (size_t)(sp - meth)));
		errkind_split_uri(ev, sv_make(sp + 1, (size_t)(gen - sp - 1)));
	}
	p = gen + strlen(" => generated ");
	if (!req_sizes(prog, ev, &p, end))
		return event_bad(
		    ev, "bad size or time", p, FIELD_BODY_BYTES_SENT);
	if (!req_status(ev, p, end))
		return event_bad(ev, "bad status part", p, FIELD_STATUS);
	return PARSE_OK;
}

/*
 * Where a request line starts in [p, end), or NULL: at p, or after a
 * --vhost "HOST " or --memory-report "{...} " prefix, and the line holds
 * " => generated ".
 */
static const char *
request_start(struct log_event *ev, const char *p, const char *end)
{
	const char *r = errkind_find(p, end, "[pid: "), *sp;

	if (r == NULL || errkind_find(r, end, " => generated ") == NULL)
		return NULL;
	if (r == p || errkind_starts(p, r, "{address space usage: "))
		return r;
	sp = memchr(p, ' ', (size_t)(r - p));
	if (sp == NULL || sp + 1 != r)
		return NULL;
	event_set_text(ev, FIELD_HOST, sv_make(p, (size_t)(sp - p)));
	return r;
}

/* ---- operator messages ----------------------------------------------------
 */

/* "N (pid: N" -> worker_id, worker_pid; each only when well-formed. */
static void
worker_ids(struct log_event *ev, const char *p, const char *end)
{
	if (errkind_num_field(ev, FIELD_WORKER_ID, &p, end, UWSGI_WORKER_MAX) &&
	    errkind_lit(&p, end, " (pid: "))
		(void)errkind_num_field(
		    ev, FIELD_WORKER_PID, &p, end, ERRKIND_PID_MAX);
}

/* "DAMN ! worker N (pid: N) <how> :( trying respawn ..." */
static const char *
damn(struct log_event *ev, const char *p, const char *end)
{
	static const char *const killed[] = { "died, killed by signal",
		"MISTERIOUSLY killed by signal",
		"MYSTERIOUSLY killed by signal" };
	const char *close, *q;

	if (!errkind_lit(&p, end, "DAMN ! worker ") ||
	    (close = errkind_find(p, end, ") ")) == NULL)
		return NULL;
	q = close + 2;
	for (size_t i = 0; i < NELEM(killed); i++) {
		if (!errkind_lit(&q, end, killed[i]))
			continue;
		worker_ids(ev, p, close);
		if (errkind_lit(&q, end, " "))
			(void)errkind_num_field(
			    ev, FIELD_SIGNAL, &q, end, UWSGI_SIGNAL_MAX);
		return "worker_killed";
	}
	if (!errkind_starts(q, end, "died :("))
		return NULL;
	worker_ids(ev, p, close);
	return "worker_exited";
}

/* "*** uWSGI listen queue of socket "S" (fd: N) full !!! (Q/M) ***" */
static const char *
listen_queue(struct log_event *ev, const char *p, const char *end)
{
	if (!errkind_lit(&p, end, "*** uWSGI listen queue of socket \"") ||
	    (p = errkind_find(p, end, ") full !!! (")) == NULL)
		return NULL;
	p += strlen(") full !!! (");
	if (errkind_num_field(
		ev, FIELD_LISTEN_QUEUE, &p, end, ERRKIND_NUM_MAX) &&
	    errkind_lit(&p, end, "/"))
		(void)errkind_num_field(
		    ev, FIELD_LISTEN_QUEUE_MAX, &p, end, ERRKIND_NUM_MAX);
	return "listen_queue_full";
}

/* "METHOD URI" in [p, end): request, method, path, query; false if not. */
static bool
request_words(struct log_event *ev, const char *p, const char *end)
{
	const char *sp = p < end ? memchr(p, ' ', (size_t)(end - p)) : NULL;

	if (sp == NULL || sp == p || sp + 1 >= end)
		return false;
	event_set_text(ev, FIELD_REQUEST, sv_make(p, (size_t)(end - p)));
	event_set_text(ev, FIELD_METHOD, sv_make(p, (size_t)(sp - p)));
	errkind_split_uri(ev, sv_make(sp + 1, (size_t)(end - sp - 1)));
	return true;
}

/*
 * "HARAKIRI [core N] ADDR - METHOD URI since T", one per busy core after
 * "*** HARAKIRI ON WORKER": the request that hung. An idle core has no
 * address and no request: not a match.
 */
static const char *
harakiri_request(struct log_event *ev, const char *p, const char *end)
{
	const char *dash, *since;
	uint64_t v;

	if (!errkind_lit(&p, end, "HARAKIRI [core ") ||
	    !errkind_uint(&p, end, ERRKIND_NUM_MAX, &v) ||
	    !errkind_lit(&p, end, "] ") ||
	    (dash = errkind_find(p, end, " - ")) == NULL || dash == p ||
	    (since = errkind_find_last(dash, end, " since ")) == NULL ||
	    !request_words(ev, dash + 3, since))
		return NULL;
	event_set_text(ev, FIELD_CLIENT, sv_make(p, (size_t)(dash - p)));
	return "harakiri_request";
}

/*
 * "SIGPIPE: writing to a closed pipe/socket/fd (probably the client
 * disconnected)[ on request URI (ip ADDR)] !!!" (core/uwsgi.c).
 */
static const char *
sigpipe(struct log_event *ev, const char *p, const char *end)
{
	const char *ip, *close;

	if (!errkind_lit(&p, end,
		"SIGPIPE: writing to a closed pipe/socket/fd (probably the "
		"client disconnected)"))
		return NULL;
	if (errkind_lit(&p, end, " on request ") &&
	    (ip = errkind_find_last(p, end, " (ip ")) != NULL &&
	    (close = errkind_find(ip, end, ") !!!")) != NULL) {
		errkind_split_uri(ev, sv_make(p, (size_t)(ip - p)));
		ip += strlen(" (ip ");
		event_set_text(
		    ev, FIELD_CLIENT, sv_make(ip, (size_t)(close - ip)));
	}
	return "client_closed_connection";
}

/*
 * A failed write to the client, uwsgi_req_error(): "uwsgi_response_X():
 * STRERROR [core/writer.c line N] during METHOD URI (ADDR)".
 */
static const char *
write_failed(struct log_event *ev, const char *p, const char *end)
{
	const char *colon, *br, *during, *open;

	if (!errkind_starts(p, end, "uwsgi_response_") ||
	    (colon = errkind_find(p, end, "(): ")) == NULL ||
	    (br = errkind_find(colon, end, " [")) == NULL ||
	    (during = errkind_find(br, end, "] during ")) == NULL)
		return NULL;
	colon += 4;
	event_set_text(
	    ev, FIELD_ERRNO_TEXT, sv_make(colon, (size_t)(br - colon)));
	during += strlen("] during ");
	if (end[-1] == ')' &&
	    (open = memrchr(during, '(', (size_t)(end - during))) != NULL &&
	    open > during && open[-1] == ' ' &&
	    request_words(ev, during, open - 1))
		event_set_text(ev, FIELD_CLIENT,
		    sv_make(open + 1, (size_t)(end - open - 2)));
	return "client_write_failed";
}

/* "bind(): STRERROR [core/socket.c line N]" */
static const char *
bind_failed(struct log_event *ev, const char *p, const char *end)
{
	const char *br;

	if (!errkind_lit(&p, end, "bind(): "))
		return NULL;
	if ((br = errkind_find(p, end, " [")) == NULL)
		br = end;
	event_set_text(ev, FIELD_ERRNO_TEXT, sv_make(p, (size_t)(br - p)));
	return "bind_failed";
}

/* Worker recycling: --max-worker-lifetime, --evil-reload-on-rss/as, and
 * the "Seeya" of a worker that finished (--max-requests, a reload). */
static const char *
recycled(struct log_event *ev, const char *p, const char *end)
{
	const char *q = p;

	if (errkind_lit(&q, end, "worker ") &&
	    errkind_num_field(ev, FIELD_WORKER_ID, &q, end, UWSGI_WORKER_MAX) &&
	    errkind_starts(q, end, " lifetime reached"))
		return "worker_recycled";
	q = p;
	if (errkind_lit(&q, end, "*** EVIL RELOAD ON WORKER ") &&
	    errkind_num_field(ev, FIELD_WORKER_ID, &q, end, UWSGI_WORKER_MAX)) {
		if ((q = errkind_find(q, end, " (pid: ")) != NULL) {
			q += strlen(" (pid: ");
			(void)errkind_num_field(
			    ev, FIELD_WORKER_PID, &q, end, ERRKIND_PID_MAX);
		}
		return "worker_recycled";
	}
	q = p;
	if (errkind_lit(&q, end, "...The work of process ") &&
	    errkind_num_field(ev, FIELD_WORKER_PID, &q, end, ERRKIND_PID_MAX) &&
	    errkind_starts(q, end, " is done. Seeya!"))
		return "worker_recycled";
	return NULL;
}

/* A reload begins (core/master.c, core/master_checks.c). */
static bool
reload(const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	if (errkind_starts(p, end, "binary reloading uWSGI") ||
	    errkind_starts(p, end, "...gracefully killing workers...") ||
	    errkind_starts(p, end, "chain reload starting"))
		return true;
	return errkind_starts(p, end, "*** ") &&
	    errkind_find(p, end, " has been touched... ") != NULL && n > 15 &&
	    memcmp(end - 15, " reload !!! ***", 15) == 0;
}

static bool
is_line(const char *p, const char *end, const char *lit)
{
	return (size_t)(end - p) == strlen(lit) && errkind_starts(p, end, lit);
}

static const char *
kind_match(struct log_event *ev, const char *p, const char *end)
{
	const char *q = p, *kind;

	if (errkind_lit(&q, end, "*** HARAKIRI ON WORKER ")) {
		worker_ids(ev, q, end);
		return "worker_timeout";
	}
	if ((kind = damn(ev, p, end)) != NULL)
		return kind;
	if ((kind = listen_queue(ev, p, end)) != NULL)
		return kind;
	if ((kind = harakiri_request(ev, p, end)) != NULL)
		return kind;
	if ((kind = sigpipe(ev, p, end)) != NULL)
		return kind;
	if ((kind = write_failed(ev, p, end)) != NULL)
		return kind;
	/* The app's exception when uWSGI raises one on a failed write. */
	if (is_line(p, end, "OSError: write error") ||
	    is_line(p, end, "IOError: write error"))
		return "client_write_error";
	if (errkind_starts(p, end, "worker respawning too fast !!!"))
		return "respawning_too_fast";
	if ((kind = bind_failed(ev, p, end)) != NULL)
		return kind;
	q = p;
	if (errkind_lit(&q, end, "uWSGI worker ") &&
	    errkind_num_field(ev, FIELD_WORKER_ID, &q, end, UWSGI_WORKER_MAX) &&
	    errkind_starts(q, end, " screams: UAAAAAAH my master disconnected"))
		return "master_disconnected";
	if ((kind = recycled(ev, p, end)) != NULL)
		return kind;
	if (reload(p, end))
		return "reload";
	return "other";
}

static void
classify(struct log_event *ev, const char *p, const char *end)
{
	const char *kind = kind_match(ev, p, end);

	if (strcmp(kind, "other") == 0) {
		/* Drop numbers a partial match may have set. */
		ev->present &= ~(BIT(FIELD_WORKER_ID) | BIT(FIELD_WORKER_PID) |
		    BIT(FIELD_SIGNAL) | BIT(FIELD_LISTEN_QUEUE) |
		    BIT(FIELD_LISTEN_QUEUE_MAX) | BIT(FIELD_CLIENT) |
		    BIT(FIELD_REQUEST) | WANT_REQUEST_SPLIT |
		    BIT(FIELD_ERRNO_TEXT));
		ev->numeric &= ev->present;
	}
	event_set_text(ev, FIELD_MESSAGE, sv_make(p, (size_t)(end - p)));
	errkind_set_kind(ev, kind);
}

/* ---- parse ----------------------------------------------------------------
 */

static bool
blank(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	}
	return true;
}

static enum parse_rc
uwsgi_parse(
    struct parser_prog *prog, const char *rec, size_t len, struct log_event *ev)
{
	const char *end, *p = rec, *req;

	len = errkind_chomp(rec, len);
	event_reset(ev, rec, len);
	end = rec + len;
	if (blank(rec, end))
		return PARSE_SKIP;
	/* "Sun Nov 22 15:50:08 2026 - " from uwsgi_log_verbose/--log-date */
	if (end - p >= UWSGI_CTIME_LEN + 3 &&
	    errkind_starts(p + UWSGI_CTIME_LEN, end, " - ") &&
	    set_ctime(prog, ev, p, end))
		p += UWSGI_CTIME_LEN + 3;
	if ((req = request_start(ev, p, end)) != NULL)
		return parse_request(prog, ev, req, end);
	classify(ev, p, end);
	return PARSE_OK;
}

const struct parser uwsgi_parser = {
	.name = "uwsgi",
	.skip_reason = "not a uwsgi log line",
	.local_time = true,
	.default_format = NULL,
	.compile = uwsgi_compile,
	.prog_free = uwsgi_prog_free,
	.produces = uwsgi_produces,
	.want = uwsgi_want,
	.is_continuation = NULL,
	.parse = uwsgi_parse,
};
