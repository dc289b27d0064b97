/*
 * nginx_error - nginx's error log -> events with a classified `error`.
 *
 * The format is fixed by nginx's code, not by configuration
 * (src/core/ngx_log.c, ngx_log_error_core):
 *
 *   2026/11/22 14:45:52 [error] 25269#25269: *3 MESSAGE[ (ERRNO: TEXT)]
 *       [ while ACTION][, client: C, server: S[, request: "R"]
 *       [, subrequest: "U"][, upstream: "X"][, host: "H"][, referrer: "F"]]
 *
 * The time is the server's local wall clock without a zone, so the prog
 * holds a ts_zone (opts->timezone, default the host's). "*CID " appears
 * only for messages about a connection. The errno part is appended by
 * ngx_log_error_core right after the formatted message; the " while ..."
 * action and the context come from the http log handler
 * (src/http/ngx_http_request.c, ngx_http_log_error and
 * ngx_http_log_error_handler) in exactly the key order above. The stream
 * and mail modules append ", bytes from/to client:..." or ", login: ...".
 *
 * Why this design: the message is free text and the context values are
 * written raw (a request line, Host or Referer may hold '"' and ", "), so
 * the context is found from its start (the first ", client: " of the last
 * line that is followed by ", server: ") and each quoted value ends at the
 * first '"' that is followed by the end of the record or by a key that may
 * come later in nginx's order. A value crafted to contain such a sequence
 * can shift the split between the client's own fields; it can never make
 * a read go out of bounds.
 *
 * Records: a message with newlines (FastCGI's "FastCGI sent in stderr:
 * "..."") is one record: the head line plus continuation lines (lines
 * that do not start like "YYYY/MM/DD HH:MM:SS ["), joined by '\n'.
 * message is the head line's message, traceback the continuation (up to
 * the context, which nginx appends at the very end of the last line).
 *
 * Classification is by nginx's exact wording (ngx_http_request_body.c,
 * ngx_http_upstream.c, ngx_http_upstream_round_robin.c,
 * ngx_event_connect.c, ngx_event_pipe.c, ngx_connection.c,
 * ngx_http_limit_req_module.c, ngx_http_limit_conn_module.c,
 * ngx_event_openssl.c, ngx_http_request.c, ngx_http_fastcgi_module.c,
 * ngx_http_index_module.c, ngx_http_auth_basic_module.c, ngx_resolver.c,
 * ngx_conf_file.c, and the lifecycle of src/os/unix/ngx_process.c and
 * ngx_process_cycle.c); see classify(): one kind per meaning, so that a
 * rule can say "a worker died" or "nginx reloaded". errno/errno_text come
 * from the " (N: text)" that ends the message, precedes " while ", or
 * precedes ngx_conf_log_error's " in FILE:LINE" (then conf_file and
 * conf_line); after "could not be resolved" the number is the resolver's
 * answer code (resolver_code), never an errno. A reset (ECONNRESET or
 * EPIPE, by their strerror text, so that Linux and BSD numbers agree) is
 * told apart by nginx's action: upgraded connection, upstream, client.
 *
 * Invariants: no allocation per record; every read is below end; numbers
 * are bounded (a pid above 2^32 or a connection id above 2^64 is a
 * malformed line, not undefined behaviour).
 *
 * Not handled: third-party modules' messages (ModSecurity, PAM), the mail
 * and stream modules' session notices and the rewrite module's errors
 * stay `other`; a custom error_log format (nginx has none); nginx lines are
 * at most 2048 bytes (NGX_MAX_ERROR_STR) and a line cut there (even inside
 * a quoted value) is kept as it is, the open value running to the end.
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

#define NGX_HEAD_LEN    21  /* "2026/11/22 14:45:48 [" */
#define NGX_LEVEL_MAX   6   /* "notice" */
#define NGX_ERRTEXT_MAX 128 /* longest strerror() text we look for */

#define BIT(id) (UINT64_C(1) << (id))
#define WANT_REQUEST_SPLIT                                                     \
	(BIT(FIELD_METHOD) | BIT(FIELD_PATH) | BIT(FIELD_QUERY) |              \
	    BIT(FIELD_PROTOCOL))
#define WANT_CONTEXT                                                           \
	(BIT(FIELD_CLIENT) | BIT(FIELD_SERVER) | BIT(FIELD_REQUEST) |          \
	    BIT(FIELD_UPSTREAM) | BIT(FIELD_HOST) | BIT(FIELD_REFERRER) |      \
	    WANT_REQUEST_SPLIT)

static const uint64_t produced = BIT(FIELD_TIME) | BIT(FIELD_LEVEL) |
    BIT(FIELD_PID) | BIT(FIELD_TID) | BIT(FIELD_CID) | BIT(FIELD_MESSAGE) |
    WANT_CONTEXT | BIT(FIELD_ERROR) | BIT(FIELD_ERRNO) | BIT(FIELD_ERRNO_TEXT) |
    BIT(FIELD_BODY_BYTES) | BIT(FIELD_TRACEBACK) | BIT(FIELD_WORKER_PID) |
    BIT(FIELD_SIGNAL) | BIT(FIELD_EXIT_CODE) | BIT(FIELD_STDERR) |
    BIT(FIELD_RESOLVER_CODE) | BIT(FIELD_CONF_FILE) | BIT(FIELD_CONF_LINE);

/* src/core/ngx_log.c err_levels[] */
static const char *const levels[] = { "stderr", "emerg", "alert", "crit",
	"error", "warn", "notice", "info", "debug" };

/*
 * The context keys in the order nginx writes them; field -1 = read over.
 * A value ends where a key of a later index begins (or at the end).
 */
static const struct ctx_key {
	const char *key;
	int field;
	bool quoted;
} ctx_keys[] = {
	{ ", client: ", FIELD_CLIENT, false },
	{ ", server: ", FIELD_SERVER, false },
	{ ", login: \"", -1, true }, /* mail */
	{ ", request: \"", FIELD_REQUEST, true },
	{ ", subrequest: \"", -1, true },
	{ ", upstream: \"", FIELD_UPSTREAM, true },
	{ ", host: \"", FIELD_HOST, true },
	{ ", referrer: \"", FIELD_REFERRER, true },
	{ ", bytes from/to client:", -1, false }, /* stream: runs to the end */
};

/* ---- compile ------------------------------------------------------------ */

static struct parser_prog *
nginx_error_compile(const struct parser_opts *opts, char *err, size_t errlen)
{
	struct parser_prog *prog;

	if (opts != NULL && opts->log_format != NULL) {
		snprintf(err, errlen, "nginx_error takes no log_format");
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
nginx_error_prog_free(struct parser_prog *prog)
{
	if (prog == NULL)
		return;
	ts_zone_free(prog->zone);
	free(prog);
}

static uint64_t
nginx_error_produces(const struct parser_prog *prog)
{
	(void)prog;
	return produced;
}

static void
nginx_error_want(struct parser_prog *prog, uint64_t mask)
{
	prog->want = mask;
}

/* ---- records ------------------------------------------------------------ */

/* "YYYY/MM/DD HH:MM:SS [" by shape only (digits and separators). */
static bool
head_shape(const char *p, size_t len)
{
	static const char shape[] = "dddd/dd/dd dd:dd:dd [";

	if (len < NGX_HEAD_LEN)
		return false;
	for (size_t i = 0; i < NGX_HEAD_LEN; i++) {
		if (shape[i] == 'd' ? !errkind_is_digit(p[i])
				    : p[i] != shape[i])
			return false;
	}
	return true;
}

static bool
nginx_error_is_continuation(
    const struct parser_prog *prog, const char *line, size_t len)
{
	(void)prog;
	return !head_shape(line, len);
}

/* ---- context ------------------------------------------------------------ */

/* Index of the ctx_keys entry after k that starts at p, or -1. */
static int
later_key(const char *p, const char *end, size_t k)
{
	for (size_t j = k + 1; j < NELEM(ctx_keys); j++) {
		if (errkind_starts(p, end, ctx_keys[j].key))
			return (int)j;
	}
	return -1;
}

/*
 * Where the value of key k that starts at p ends (*vend), and the index of
 * the next key (-1: none, the value ran to the end).
 */
static int
value_end(size_t k, const char *p, const char *end, const char **vend)
{
	const char *q = p;
	int next;

	if (ctx_keys[k].quoted) {
		while ((q = memchr(q, '"', (size_t)(end - q))) != NULL) {
			if (q + 1 == end) {
				*vend = q;
				return -1;
			}
			if (q[1] == ',' &&
			    (next = later_key(q + 1, end, k)) >= 0) {
				*vend = q;
				return next;
			}
			q++;
		}
		*vend = end; /* cut mid-quote: the rest is the value */
		return -1;
	}
	while ((q = errkind_find(q, end, ", ")) != NULL) {
		if ((next = later_key(q, end, k)) >= 0) {
			*vend = q;
			return next;
		}
		q++;
	}
	*vend = end;
	return -1;
}

/*
 * The start of the context in [from, end): the first ", client: " whose
 * value is followed by ", server: ", else the first ", client: ".
 */
static const char *
context_start(const char *from, const char *end)
{
	const char *first = NULL, *c = from, *v;

	while ((c = errkind_find(c, end, ", client: ")) != NULL) {
		if (first == NULL)
			first = c;
		v = c + strlen(", client: ");
		v = errkind_find(v, end, ", ");
		if (v != NULL && errkind_starts(v, end, ", server: "))
			return c;
		c++;
	}
	return first;
}

static void
parse_context(const struct parser_prog *prog, struct log_event *ev,
    const char *p, const char *end)
{
	int k = 0;

	while (k >= 0) {
		const struct ctx_key *key = &ctx_keys[k];
		const char *v = p + strlen(key->key), *vend;
		int next = value_end((size_t)k, v, end, &vend);

		if (key->field >= 0 && (prog->want & BIT(key->field)))
			event_set_text(
			    ev, key->field, sv_make(v, (size_t)(vend - v)));
		if (key->field == FIELD_REQUEST &&
		    (prog->want & WANT_REQUEST_SPLIT))
			errkind_split_request(
			    ev, sv_make(v, (size_t)(vend - v)));
		if (next < 0)
			break;
		p = vend + (ctx_keys[k].quoted ? 1 : 0);
		k = next;
	}
}

/* ---- classification ----------------------------------------------------- */

/* [p, end) ends with lit. */
static bool
ends_with(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && memcmp(end - n, lit, n) == 0;
}

/* [p, end) is exactly lit. */
static bool
is_exactly(const char *p, const char *end, const char *lit)
{
	return (size_t)(end - p) == strlen(lit) &&
	    memcmp(p, lit, (size_t)(end - p)) == 0;
}

/*
 * ngx_conf_log_error's suffix: " in FILE:LINE" (FILE with a '/') or
 * " in command line" at the very end of a message about no connection.
 * Returns where the suffix starts (the end of the message proper) and
 * sets conf_file/conf_line, or NULL.
 */
static const char *
conf_suffix(struct log_event *ev, const char *p, const char *end)
{
	const char *in = errkind_find_last(p, end, " in "), *file, *colon, *q;
	uint64_t line;

	if (in == NULL)
		return NULL;
	file = in + strlen(" in ");
	if (is_exactly(file, end, "command line"))
		return in;
	colon = memrchr(file, ':', (size_t)(end - file));
	if (colon == NULL || colon == file ||
	    memchr(file, '/', (size_t)(colon - file)) == NULL)
		return NULL;
	q = colon + 1;
	if (!errkind_uint(&q, end, ERRKIND_NUM_MAX, &line) || q != end)
		return NULL;
	event_set_text(
	    ev, FIELD_CONF_FILE, sv_make(file, (size_t)(colon - file)));
	q = colon + 1;
	(void)errkind_num_field(ev, FIELD_CONF_LINE, &q, end, ERRKIND_NUM_MAX);
	return in;
}

/*
 * The errno part " (N: text)" that ngx_log_error_core appends: the last
 * one in msg that is followed by the end of msg or by " while ". After
 * "could not be resolved" the number is the resolver's answer code
 * (ngx_resolver_strerror: a DNS RCODE, or 110 for a timeout), not an
 * errno: it goes to resolver_code and errno stays unset.
 */
static void
find_errno(struct log_event *ev, const char *p, const char *end)
{
	static const char resolved[] = "could not be resolved";
	const char *msg = p, *best_num = NULL, *best_text = NULL;
	const char *best_close = NULL;
	uint64_t best = 0, v;

	while ((p = errkind_find(p, end, " (")) != NULL) {
		const char *q = p + 2, *num = q, *close;

		p++;
		if (!errkind_uint(&q, end, 999999, &v) ||
		    !errkind_lit(&q, end, ": "))
			continue;
		/* strerror texts are short; the bound keeps a line full of
		 * " (1: " linear. */
		close = memchr(q, ')',
		    (size_t)(end - q) < NGX_ERRTEXT_MAX ? (size_t)(end - q)
							: NGX_ERRTEXT_MAX);
		if (close == NULL)
			continue;
		if (close + 1 != end &&
		    !errkind_starts(close + 1, end, " while "))
			continue;
		best = v;
		best_num = num;
		best_text = q;
		best_close = close;
	}
	if (best_num == NULL)
		return;
	if (ends_with(msg, best_num - 2, resolved)) {
		event_set_text(ev, FIELD_RESOLVER_CODE,
		    sv_make(best_num, (size_t)(best_text - 2 - best_num)));
		event_set_num(ev, FIELD_RESOLVER_CODE, (double)best);
		return;
	}
	event_set_text(ev, FIELD_ERRNO,
	    sv_make(best_num, (size_t)(best_text - 2 - best_num)));
	event_set_num(ev, FIELD_ERRNO, (double)best);
	event_set_text(ev, FIELD_ERRNO_TEXT,
	    sv_make(best_text, (size_t)(best_close - best_text)));
}

/* "client intended to send too large [chunked ]body: N[+M] bytes" */
static bool
body_too_large(struct log_event *ev, const char *p, const char *end)
{
	const char *start;
	uint64_t a, b = 0;

	if (!errkind_lit(&p, end, "client intended to send too large "))
		return false;
	(void)errkind_lit(&p, end, "chunked ");
	if (!errkind_lit(&p, end, "body: "))
		return false;
	errkind_set_kind(ev, "body_too_large");
	start = p;
	if (!errkind_uint(&p, end, ERRKIND_NUM_MAX, &a))
		return true;
	if (errkind_lit(&p, end, "+") &&
	    !errkind_uint(&p, end, ERRKIND_NUM_MAX, &b))
		return true;
	if (!errkind_starts(p, end, " bytes"))
		return true;
	event_set_text(
	    ev, FIELD_BODY_BYTES, sv_make(start, (size_t)(p - start)));
	event_set_num(ev, FIELD_BODY_BYTES, (double)a + (double)b);
	return true;
}

/* "%ui worker_connections are not enough" (the number is not kept). */
static bool
worker_connections(const char *p, const char *end)
{
	const char *d = p;

	while (p < end && errkind_is_digit(*p))
		p++;
	return p > d &&
	    errkind_starts(p, end, " worker_connections are not enough");
}

/*
 * "FastCGI sent in stderr: "TEXT"[ while ACTION]" (ngx_http_fastcgi_module.c):
 * stderr is TEXT, over all the record's lines; a line cut at nginx's
 * 2048 bytes has no closing quote and TEXT runs to the end.
 */
static bool
fastcgi_stderr(struct log_event *ev, const char *p, const char *end)
{
	const char *close;

	if (!errkind_lit(&p, end, "FastCGI sent in stderr: \""))
		return false;
	errkind_set_kind(ev, "fastcgi_stderr");
	close = errkind_find_last(p, end, "\" while ");
	if (close == NULL)
		close = (end > p && end[-1] == '"') ? end - 1 : end;
	event_set_text(ev, FIELD_STDERR, sv_make(p, (size_t)(close - p)));
	return true;
}

/*
 * The peer reset or closed the connection: ECONNRESET (104 on Linux, 54
 * on the BSDs and macOS) or EPIPE (32 on both), known by their strerror
 * text, which is the same on both.
 */
static bool
errno_is_reset(const struct log_event *ev)
{
	struct sv t = ev->text[FIELD_ERRNO_TEXT];

	return event_has(ev, FIELD_ERRNO_TEXT) &&
	    (sv_eq_cstr(t, "Connection reset by peer") ||
		sv_eq_cstr(t, "Broken pipe"));
}

/*
 * A reset by whoever is on the other side, told apart by nginx's action
 * (" while ..."): an upgraded (WebSocket) connection, the upstream, or
 * else the client of a connection.
 */
static const char *
reset_kind(const struct log_event *ev, const char *p, const char *end)
{
	const char *action = errkind_find_last(p, end, " while ");

	if (!errno_is_reset(ev))
		return NULL;
	if (action != NULL &&
	    errkind_starts(action, end, " while proxying upgraded connection"))
		return "upgraded_connection_reset";
	if (action != NULL && errkind_find(action, end, "upstream") != NULL)
		return "upstream_connection_reset";
	if (event_has(ev, FIELD_CID))
		return "client_closed_connection";
	return NULL;
}

/*
 * "signal N (NAME) received[ from PID][, ACTION]" (ngx_process.c,
 * ngx_signal_handler): the kind is the action's meaning.
 */
static const char *
signal_kind(struct log_event *ev, const char *p, const char *end)
{
	static const struct {
		const char *action, *kind;
	} actions[] = {
		{ ", reconfiguring", "reloading" },
		{ ", reopening logs", "reopening_logs" },
		{ ", shutting down", "shutting_down" },
		{ ", exiting", "shutting_down" },
		{ ", changing binary", "upgrading_binary" },
	};
	const char *q = p, *num;
	uint64_t v;

	if (!errkind_lit(&q, end, "signal "))
		return NULL;
	num = q;
	if (!errkind_uint(&q, end, 255, &v) || !errkind_lit(&q, end, " (") ||
	    (q = errkind_find(q, end, ") received")) == NULL)
		return NULL;
	q = num;
	(void)errkind_num_field(ev, FIELD_SIGNAL, &q, end, 255);
	for (size_t i = 0; i < NELEM(actions); i++) {
		if (ends_with(q, end, actions[i].action))
			return actions[i].kind;
	}
	return "signal_received";
}

/*
 * "NAME process PID exited on signal N[ (core dumped)]", "... exited with
 * code N", "... exited with fatal code N and cannot be respawned"
 * (ngx_process.c, ngx_process_get_status), and "start NAME process PID"
 * (ngx_spawn_process). NAME is "worker", "cache manager", ...
 */
static const char *
process_kind(struct log_event *ev, const char *p, const char *end)
{
	static const char proc[] = "process ";
	const char *x, *d, *q;

	x = errkind_find(p, end, " exited ");
	if (x == NULL) {
		if (!errkind_starts(p, end, "start "))
			return NULL;
		x = end;
	}
	for (d = x; d > p && errkind_is_digit(d[-1]); d--)
		;
	if (d == x || (size_t)(d - p) < strlen(proc) ||
	    memcmp(d - strlen(proc), proc, strlen(proc)) != 0)
		return NULL;
	q = d;
	if (!errkind_num_field(ev, FIELD_WORKER_PID, &q, x, ERRKIND_PID_MAX))
		return NULL;
	if (x == end)
		return "worker_started";
	q = x + strlen(" exited ");
	if (errkind_lit(&q, end, "on signal ")) {
		if (errkind_num_field(ev, FIELD_SIGNAL, &q, end, 255) &&
		    (q == end || is_exactly(q, end, " (core dumped)")))
			return "worker_died";
	} else if (errkind_lit(&q, end, "with code ")) {
		if (errkind_num_field(ev, FIELD_EXIT_CODE, &q, end, 255) &&
		    q == end)
			return "worker_exited";
	} else if (errkind_lit(&q, end, "with fatal code ")) {
		if (errkind_num_field(ev, FIELD_EXIT_CODE, &q, end, 255) &&
		    is_exactly(q, end, " and cannot be respawned"))
			return "worker_not_respawned";
	}
	return "other";
}

/* Whole messages -> kind: the master's and workers' lifecycle notices. */
static const struct {
	const char *message, *kind;
} exact_kinds[] = {
	{ "reconfiguring", "reloading" },
	{ "reopening logs", "reopening_logs" },
	{ "changing binary", "upgrading_binary" },
	{ "gracefully shutting down", "worker_exiting" },
	{ "exiting", "worker_exiting" },
	{ "exit", "process_exited" },
	{ "start worker processes", "startup_info" },
	{ "signal process started", "signal_process_started" },
	{ "still could not bind()", "bind_failed" },
	{ "access forbidden by rule", "access_forbidden" },
};

/* Message prefixes -> kind, tried in order after the special cases. */
static const struct {
	const char *prefix, *kind;
} prefix_kinds[] = {
	{ "upstream timed out", "upstream_timed_out" },
	{ "no live upstreams", "no_live_upstreams" },
	{ "upstream prematurely closed", "upstream_prematurely_closed" },
	{ "upstream sent invalid header", "upstream_sent_invalid_header" },
	{ "upstream sent too big header", "upstream_sent_too_big_header" },
	{ "upstream sent no valid HTTP/1.0 header",
	    "upstream_sent_no_valid_header" },
	{ "upstream sent ", "upstream_sent_invalid_response" },
	{ "upstream server temporarily disabled", "upstream_server_disabled" },
	{ "an upstream response is buffered to a temporary file",
	    "upstream_buffering_to_temp_file" },
	{ "a client request body is buffered to a temporary file",
	    "client_body_buffering_to_temp_file" },
	{ "open() \"", "open_failed" },
	{ "limiting requests,", "limiting_requests" },
	{ "delaying request,", "delaying_requests" },
	{ "limiting connections", "limiting_connections" },
	{ "SSL_do_handshake() failed", "ssl_handshake_failed" },
	{ "SSL_", "ssl_error" },
	{ "client timed out", "client_timed_out" },
	{ "client closed ", "client_closed_connection" },
	{ "client prematurely closed ", "client_closed_connection" },
	{ "client sent ", "client_sent_invalid_request" },
	{ "directory index of \"", "directory_index_forbidden" },
	{ "no resolver defined to resolve ", "resolver_failed" },
	{ "bind() to ", "bind_failed" },
	{ "try again to bind()", "bind_failed" },
	{ "conflicting server name ", "config_warning" },
	{ "nginx/", "nginx_started" },
	{ "using the \"", "startup_info" },
	{ "built by ", "startup_info" },
	{ "built with ", "startup_info" },
	{ "OS: ", "startup_info" },
	{ "getrlimit(RLIMIT_NOFILE): ", "startup_info" },
};

/* Kinds found inside the message rather than at its start. */
static const char *
inner_kind(struct log_event *ev, const struct parser_prog *prog, const char *p,
    const char *end)
{
	const char *q;

	if (*p == '"' && (q = memchr(p + 1, '"', (size_t)(end - p - 1)))) {
		if (errkind_starts(q, end, "\" is not found"))
			return "index_not_found";
		if (errkind_starts(q, end, "\" is forbidden"))
			return "index_forbidden";
	}
	if (errkind_starts(p, end, "user \"") &&
	    (errkind_find(p, end, "\": password mismatch") != NULL ||
		errkind_find(p, end, "\" was not found in \"") != NULL))
		return "auth_failed";
	if (errkind_find(p, end, " could not be resolved") != NULL ||
	    errkind_find(p, end, " while resolving") != NULL)
		return "resolver_failed";
	if (errkind_find(p, end, " reported that client ") != NULL)
		return "client_closed_connection";
	/* "client %V closed keepalive connection" (ngx_http_set_keepalive) */
	if (errkind_starts(p, end, "client ") &&
	    (q = errkind_find(p, end, " closed keepalive connection"))) {
		if (!event_has(ev, FIELD_CLIENT) &&
		    (prog->want & BIT(FIELD_CLIENT)))
			event_set_text(ev, FIELD_CLIENT,
			    sv_make(p + strlen("client "),
				(size_t)(q - p - strlen("client "))));
		return "client_closed_connection";
	}
	return NULL;
}

/* The configuration's severities: emerg..error stop a (re)load. */
static bool
level_is_error(const struct log_event *ev)
{
	struct sv lv = ev->text[FIELD_LEVEL];

	return !sv_eq_cstr(lv, "warn") && !sv_eq_cstr(lv, "notice") &&
	    !sv_eq_cstr(lv, "info") && !sv_eq_cstr(lv, "debug");
}

/* msg: the message (all lines, without the context). */
static void
classify(const struct parser_prog *prog, struct log_event *ev, const char *p,
    const char *end)
{
	const char *conf = NULL, *kind;

	/* Configuration messages are about no connection. */
	if (!event_has(ev, FIELD_CID))
		conf = conf_suffix(ev, p, end);
	find_errno(ev, p, conf ? conf : end);
	if (fastcgi_stderr(ev, p, end))
		return;
	if (conf != NULL) {
		errkind_set_kind(
		    ev, level_is_error(ev) ? "config_error" : "config_warning");
		return;
	}
	if (body_too_large(ev, p, end))
		return;
	if (event_has_num(ev, FIELD_ERRNO) &&
	    (ev->num[FIELD_ERRNO] == 24 || ev->num[FIELD_ERRNO] == 23)) {
		errkind_set_kind(ev, "too_many_open_files");
		return;
	}
	/* "connect() to X failed", "connect() failed", and the BSDs'
	 * "kevent() reported that connect() failed". */
	if (errkind_find(p, end, "connect() ") != NULL &&
	    errkind_find(p, end, " while connecting to upstream") != NULL) {
		errkind_set_kind(ev, "upstream_connect_failed");
		return;
	}
	if (worker_connections(p, end)) {
		errkind_set_kind(ev, "worker_connections_exhausted");
		return;
	}
	if ((kind = reset_kind(ev, p, end)) != NULL ||
	    (kind = signal_kind(ev, p, end)) != NULL ||
	    (kind = process_kind(ev, p, end)) != NULL) {
		errkind_set_kind(ev, kind);
		return;
	}
	for (size_t i = 0; i < NELEM(exact_kinds); i++) {
		if (is_exactly(p, end, exact_kinds[i].message)) {
			errkind_set_kind(ev, exact_kinds[i].kind);
			return;
		}
	}
	for (size_t i = 0; i < NELEM(prefix_kinds); i++) {
		if (errkind_starts(p, end, prefix_kinds[i].prefix)) {
			errkind_set_kind(ev, prefix_kinds[i].kind);
			return;
		}
	}
	if (p < end && (kind = inner_kind(ev, prog, p, end)) != NULL) {
		errkind_set_kind(ev, kind);
		return;
	}
	errkind_set_kind(ev, "other");
}

/* ---- parse ----------------------------------------------------------------
 */

/* "[level] pid#tid: [*cid ]" at *pp (after the '['). */
static enum parse_rc
parse_prefix(struct log_event *ev, const char **pp, const char *end)
{
	const char *p = *pp, *lv = p;
	size_t i;

	while (p < end && *p != ']' && p - lv <= NGX_LEVEL_MAX)
		p++;
	for (i = 0; i < NELEM(levels); i++) {
		if ((size_t)(p - lv) == strlen(levels[i]) &&
		    memcmp(lv, levels[i], (size_t)(p - lv)) == 0)
			break;
	}
	if (i == NELEM(levels) || !errkind_lit(&p, end, "] "))
		return event_bad(ev, "unknown level", lv, FIELD_LEVEL);
	event_set_text(ev, FIELD_LEVEL, sv_make(lv, strlen(levels[i])));
	if (!errkind_num_field(ev, FIELD_PID, &p, end, ERRKIND_PID_MAX) ||
	    !errkind_lit(&p, end, "#"))
		return event_bad(ev, "bad pid", p, FIELD_PID);
	if (!errkind_num_field(ev, FIELD_TID, &p, end, ERRKIND_PID_MAX) ||
	    !errkind_lit(&p, end, ":"))
		return event_bad(ev, "bad thread id", p, FIELD_TID);
	(void)errkind_lit(&p, end, " ");
	if (errkind_lit(&p, end, "*")) {
		if (!errkind_num_field(ev, FIELD_CID, &p, end, UINT64_MAX) ||
		    !errkind_lit(&p, end, " "))
			return event_bad(ev, "bad connection id", p, FIELD_CID);
	}
	*pp = p;
	return PARSE_OK;
}

static enum parse_rc
nginx_error_parse(
    struct parser_prog *prog, const char *rec, size_t len, struct log_event *ev)
{
	const char *end, *head_end, *last, *p, *ctx, *msg_end;
	int64_t local, ms, alt_ms;
	enum parse_rc rc;

	len = errkind_chomp(rec, len);
	event_reset(ev, rec, len);
	end = rec + len;
	if (!head_shape(rec, len))
		return PARSE_SKIP;
	if (ts_parse_ymd(rec, 19, &local) ||
	    ts_zone_local_ms(prog->zone, local, &ms, &alt_ms))
		return event_bad(ev, "bad date", rec, FIELD_TIME);
	event_set_time2(ev, ms, alt_ms);
	event_set_text(ev, FIELD_TIME, sv_make(rec, 19));

	p = rec + NGX_HEAD_LEN;
	if ((rc = parse_prefix(ev, &p, end)) != PARSE_OK)
		return rc;

	head_end = memchr(p, '\n', (size_t)(end - p));
	if (head_end == NULL)
		head_end = end;
	last = memrchr(p, '\n', (size_t)(end - p));
	last = last ? last + 1 : p;
	/* nginx appends the context at the very end: in the last line. */
	ctx = context_start(last, end);
	msg_end = ctx ? ctx : end;
	if (ctx != NULL && (prog->want & WANT_CONTEXT))
		parse_context(prog, ev, ctx, end);

	{
		const char *m_end = head_end < msg_end ? head_end : msg_end;

		while (m_end > p && m_end[-1] == '\r')
			m_end--;
		event_set_text(
		    ev, FIELD_MESSAGE, sv_make(p, (size_t)(m_end - p)));
	}
	if (head_end < msg_end)
		event_set_text(ev, FIELD_TRACEBACK,
		    sv_make(head_end + 1, (size_t)(msg_end - head_end - 1)));
	classify(prog, ev, p, msg_end);
	return PARSE_OK;
}

const struct parser nginx_error_parser = {
	.name = "nginx_error",
	.skip_reason = "not an nginx error log line",
	.local_time = true,
	.default_format = NULL,
	.compile = nginx_error_compile,
	.prog_free = nginx_error_prog_free,
	.produces = nginx_error_produces,
	.want = nginx_error_want,
	.is_continuation = nginx_error_is_continuation,
	.parse = nginx_error_parse,
};
