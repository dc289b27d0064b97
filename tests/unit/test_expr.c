/*
 * test_expr - the where/ratio filter language: every operator, precedence,
 * absent fields, numbers against text, lists, regexes, compile errors with
 * their columns, and the regex safety net (limits, subject cap, counted
 * hits, quarantine).
 *
 * Events are built by hand with event_set_text/event_set_num, the way the
 * parsers fill them: a 502 on /api/x from nginx, gevent's "socket" status,
 * an app's -502, an nginx body_too_large error line, an event with no
 * fields, and one with very long fields for the hostile regexes.
 *
 * The hostile-regex test prints the time each match took and fails only
 * past a bound two orders of magnitude above what it measures (the same
 * regexes without the safety net run for seconds), so it is not a timing
 * benchmark; `make bench` is where speed is measured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules/expr.h"

#include "parsers/compat.h"

enum ev_id {
	EV_502,
	EV_SOCKET,
	EV_NEG,
	EV_NONE,
	EV_ERR,
	EV_LONG,
	EV_BYTES,
	EV_N
};

#define LONG_A     65536 /* 'a' bytes in EV_LONG's path */
#define LONG_WORDS 4096  /* letters in EV_LONG's message, digits in query */
#define LONG_UA    5000  /* 'a' bytes before a 'z' in EV_LONG's user agent */

static struct field_table ft;
static int f_api_key; /* interned http_x_api_key */
static struct log_event evs[EV_N];
static char long_a[LONG_A], long_words[LONG_WORDS], long_digits[LONG_WORDS];
static char long_ua[LONG_UA + 1];
static char runs[LONG_WORDS];  /* 16 'a' then 'x', repeated */
static char runs9[LONG_WORDS]; /* 9 'a' then 'x', repeated */

static void
set(struct log_event *ev, int id, const char *text)
{
	event_set_text(ev, id, sv_from_cstr(text));
}

static void
set_num(struct log_event *ev, int id, const char *text, double v)
{
	set(ev, id, text);
	event_set_num(ev, id, v);
}

static int
setup(void **state)
{
	static const char l502[] =
	    "203.0.113.7 - - [22/Nov/2026:14:45:49 "
	    "+0000] \"GET /api/x HTTP/1.1\" 502 0 \"-\" \"curl/8.0\" 1.700";
	static const char lerr[] =
	    "2026/11/22 14:45:49 [error] 812#812: *3 "
	    "client intended to send too large body: 21770024 bytes, client: "
	    "203.0.113.7, server: _, request: \"POST /hook HTTP/1.1\"";
	struct log_event *ev;

	(void)state;
	field_table_init(&ft);
	f_api_key = field_intern(&ft, "http_x_api_key", 14);
	if (f_api_key < 0)
		return -1;

	ev = &evs[EV_502];
	event_reset(ev, l502, sizeof(l502) - 1);
	set(ev, FIELD_METHOD, "GET");
	set(ev, FIELD_PATH, "/api/x");
	set(ev, FIELD_QUERY, "");
	set_num(ev, FIELD_STATUS, "502", 502);
	set_num(ev, FIELD_BODY_BYTES_SENT, "0", 0);
	set_num(ev, FIELD_REQUEST_TIME, "1.700", 1.7);
	set(ev, FIELD_UPSTREAM_STATUS, "-");
	set(ev, FIELD_HTTP_USER_AGENT, "curl/8.0");
	set(ev, f_api_key, "k-123");

	ev = &evs[EV_SOCKET]; /* gevent's own log: status "socket" */
	event_reset(ev, "", 0);
	set(ev, FIELD_PATH, "/");
	set(ev, FIELD_STATUS, "socket");
	set_num(ev, FIELD_CLIENT_DISCONNECTED, "1", 1);
	set_num(ev, FIELD_REQUEST_TIME, "0.002", 0.002);

	ev = &evs[EV_NEG]; /* an app logging gevent's code: -502 */
	event_reset(ev, "", 0);
	set(ev, FIELD_PATH, "/api/sync_deltas");
	set_num(ev, FIELD_STATUS, "-502", -502);
	set_num(ev, FIELD_CLIENT_DISCONNECTED, "1", 1);

	event_reset(&evs[EV_NONE], "", 0);

	ev = &evs[EV_ERR];
	event_reset(ev, lerr, sizeof(lerr) - 1);
	set(ev, FIELD_LEVEL, "error");
	set(ev, FIELD_ERROR, "body_too_large");
	set_num(ev, FIELD_BODY_BYTES, "21770024", 21770024);
	set(ev, FIELD_MESSAGE,
	    "client intended to send too large body: "
	    "21770024 bytes");
	set(ev, FIELD_CLIENT, "203.0.113.7");

	memset(long_a, 'a', sizeof(long_a));
	for (size_t i = 0; i < LONG_WORDS; i++) {
		long_words[i] = (char)('a' + i % 26);
		long_digits[i] = (char)('0' + i % 10);
		runs[i] = i % 17 == 16 ? 'x' : 'a';
		runs9[i] = i % 10 == 9 ? 'x' : 'a';
	}
	memset(long_ua, 'a', LONG_UA);
	long_ua[LONG_UA] = 'z';
	ev = &evs[EV_LONG];
	event_reset(ev, "", 0);
	event_set_text(ev, FIELD_PATH, sv_make(long_a, sizeof(long_a)));
	event_set_text(ev, FIELD_MESSAGE, sv_make(long_words, LONG_WORDS));
	event_set_text(ev, FIELD_QUERY, sv_make(long_digits, LONG_WORDS));
	event_set_text(
	    ev, FIELD_HTTP_USER_AGENT, sv_make(long_ua, sizeof(long_ua)));
	event_set_text(ev, FIELD_REQUEST, sv_make(runs, sizeof(runs)));
	event_set_text(ev, FIELD_UPSTREAM, sv_make(runs9, sizeof(runs9)));
	/* 499 letters: just under the interpreter's limit of 500 */
	event_set_text(ev, FIELD_SERVER_NAME, sv_make(long_words, 499));
	event_set_text(ev, FIELD_HTTP_REFERER,
	    sv_from_cstr("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"));

	ev = &evs[EV_BYTES]; /* invalid UTF-8, a NUL, a quote */
	event_reset(ev, "", 0);
	event_set_text(
	    ev, FIELD_HTTP_USER_AGENT, sv_make("\xff\xfe\x00it's", 7));
	set(ev, FIELD_PATH, "/a\"b\\c");
	return 0;
}

static void
test_eval(void **state)
{
	static const struct {
		const char *expr;
		enum ev_id ev;
		bool want;
	} cases[] = {
		/* numeric comparisons */
		{ "status == 502", EV_502, true },
		{ "status == 502.0", EV_502, true },
		{ "status == 5.02e2", EV_502, true },
		{ "status == 5020E-1", EV_502, true },
		{ "status != 502", EV_502, false },
		{ "status != 500", EV_502, true },
		{ "status < 503", EV_502, true },
		{ "status < 502", EV_502, false },
		{ "status <= 502", EV_502, true },
		{ "status > 502", EV_502, false },
		{ "status > 501", EV_502, true },
		{ "status >= 502", EV_502, true },
		{ "status >= 503", EV_502, false },
		{ "request_time > 1.5", EV_502, true },
		{ "request_time >= 1.7", EV_502, true },
		{ "request_time == 1.7", EV_502, true },
		{ "request_time < 1.7", EV_502, false },
		{ "request_time < 17e-1", EV_502, false },
		{ "request_time > 1e3", EV_502, false },
		{ "body_bytes_sent == 0", EV_502, true },
		{ "body_bytes_sent == -0", EV_502, true },
		{ "status == -502", EV_NEG, true },
		{ "status < 0", EV_NEG, true },
		{ "status == 502", EV_NEG, false },
		{ "body_bytes > 1000000", EV_ERR, true },
		{ "body_bytes == 21770024", EV_ERR, true },
		/* literal op field */
		{ "500 < status", EV_502, true },
		{ "502 == status", EV_502, true },
		{ "502 != status", EV_502, false },
		{ "503 <= status", EV_502, false },
		{ "1.5 < request_time", EV_502, true },
		{ "1.7 >= request_time", EV_502, true },
		{ "1.7 > request_time", EV_502, false },
		{ "'GET' == method", EV_502, true },
		{ "0 > status", EV_NEG, true },
		/* strings: the field's text bytes, exact */
		{ "status == '502'", EV_502, true },
		{ "status == '502.0'", EV_502, false },
		{ "method == 'GET'", EV_502, true },
		{ "method == \"GET\"", EV_502, true },
		{ "method == 'get'", EV_502, false },
		{ "method != 'POST'", EV_502, true },
		{ "method != 'GET'", EV_502, false },
		{ "path < '/b'", EV_502, true },
		{ "path > '/api'", EV_502, true },
		{ "path >= '/api/x'", EV_502, true },
		{ "path <= '/api/w'", EV_502, false },
		{ "path == '/api/x'", EV_502, true },
		{ "path == '/api/x/'", EV_502, false },
		{ "path == '/api/'", EV_502, false },
		{ "path == '/a\"b\\\\c'", EV_BYTES, true },
		{ "path == \"/a\\\"b\\\\c\"", EV_BYTES, true },
		{ "error == 'body_too_large'", EV_ERR, true },
		{ "http_x_api_key == 'k-123'", EV_502, true },
		{ "http_x_api_key == 'k-12'", EV_502, false },
		/* text without a number: numeric literals never compare */
		{ "status == 'socket'", EV_SOCKET, true },
		{ "status == 0", EV_SOCKET, false },
		{ "status != 502", EV_SOCKET, false },
		{ "status != 0", EV_SOCKET, false },
		{ "status < 1000", EV_SOCKET, false },
		{ "status >= 0", EV_SOCKET, false },
		{ "status > 'r'", EV_SOCKET, true },
		{ "upstream_status == 502", EV_502, false },
		{ "upstream_status != 502", EV_502, false },
		{ "upstream_status == '-'", EV_502, true },
		/* absent fields: false for every operator */
		{ "status == 502", EV_NONE, false },
		{ "status != 502", EV_NONE, false },
		{ "status < 1", EV_NONE, false },
		{ "status >= 1", EV_NONE, false },
		{ "path == ''", EV_NONE, false },
		{ "path != 'x'", EV_NONE, false },
		{ "path =~ ''", EV_NONE, false },
		{ "path !~ 'x'", EV_NONE, false },
		{ "status in [502]", EV_NONE, false },
		{ "status !in [502]", EV_NONE, false },
		{ "path !in ['/']", EV_NONE, false },
		{ "client_disconnected", EV_NONE, false },
		{ "!client_disconnected", EV_NONE, true },
		{ "!(status == 502)", EV_NONE, true },
		{ "http_x_api_key == 'k-123'", EV_NONE, false },
		{ "0 == status", EV_NONE, false },
		/* present but empty */
		{ "query == ''", EV_502, true },
		{ "query =~ '^$'", EV_502, true },
		{ "query != ''", EV_502, false },
		{ "query", EV_502, false },
		/* a field alone: present and non-empty / non-zero */
		{ "client_disconnected", EV_SOCKET, true },
		{ "client_disconnected", EV_NEG, true },
		{ "client_disconnected", EV_502, false },
		{ "status", EV_502, true },
		{ "status", EV_SOCKET, true },
		{ "body_bytes_sent", EV_502, false },
		{ "upstream_status", EV_502, true },
		{ "http_x_api_key", EV_502, true },
		/* regex */
		{ "path =~ '^/api/'", EV_502, true },
		{ "path =~ '^/API/'", EV_502, false },
		{ "path =~ '(?i)^/API/'", EV_502, true },
		{ "path !~ '^/api/'", EV_502, false },
		{ "path !~ '^/api/x/'", EV_502,
		    true }, /* longer than the path */
		{ "path =~ '^/api/x/'", EV_502, false },
		{ "path =~ '^/api/x'", EV_502, true },
		{ "path !~ '^/'", EV_NONE,
		    false }, /* absent: false both ways */
		{ "path =~ '(?i)^/API/'", EV_502, true },
		{ "path !~ '^/api/'", EV_502, false },
		{ "path !~ '^/health'", EV_502, true },
		{ "path =~ \"x$\"", EV_502, true },
		{ "path =~ '^/api/\\w$'", EV_502, true },
		{ "path =~ '^/api/\\\\w$'", EV_502, true }, /* \\ is \ */
		{ "path =~ '/api/\\.'", EV_502, false },
		{ "status =~ '^5\\d\\d$'", EV_502, true },
		{ "status =~ '^5'", EV_SOCKET, false },
		{ "status =~ '^-5'", EV_NEG, true },
		{ "message =~ 'too large body: \\d+ bytes'", EV_ERR, true },
		{ "path =~ '(*NO_JIT)^/api/'", EV_502, true },
		{ "path !~ '(*NO_JIT)^/api/'", EV_502, false },
		{ "http_user_agent =~ '^\\xff\\xfe\\x00it\\'s$'", EV_BYTES,
		    true },
		{ "http_user_agent =~ \"it's\"", EV_BYTES, true },
		{ "http_user_agent =~ '^...it'", EV_BYTES, true },
		{ "path =~ '\"b\\\\\\\\c'", EV_BYTES, true },
		/* lists */
		{ "status in [500, 502, 504]", EV_502, true },
		{ "status in [500, 504]", EV_502, false },
		{ "status !in [500, 504]", EV_502, true },
		{ "status !in [502]", EV_502, false },
		{ "status ! in [502]", EV_502, false },
		{ "status in [502.0]", EV_502, true },
		{ "status in ['502']", EV_502, true },
		{ "status in [502,]", EV_502, true },
		{ "status in [500, 'socket']", EV_SOCKET, true },
		{ "status !in [500, 'socket']", EV_SOCKET, false },
		{ "status !in [500, 504]", EV_SOCKET, false },
		{ "status !in ['ok', 'fine']", EV_SOCKET, true },
		{ "status in [-502, 499]", EV_NEG, true },
		{ "method in ['GET', 'HEAD']", EV_502, true },
		{ "method in ['get', 'head']", EV_502, false },
		{ "path !in ['/api/draft_send', '/api/multi_send', "
		  "'/api/sync_deltas']",
		    EV_502, true },
		{ "path !in ['/api/draft_send', '/api/multi_send', "
		  "'/api/sync_deltas']",
		    EV_NEG, false },
		/* precedence and grouping */
		{ "status == 502 || status == 500 && path == '/nope'", EV_502,
		    true },
		{ "(status == 502 || status == 500) && path == '/nope'", EV_502,
		    false },
		{ "path == '/nope' && status == 500 || status == 502", EV_502,
		    true },
		{ "path == '/nope' && (status == 500 || status == 502)", EV_502,
		    false },
		{ "!client_disconnected && status == 502", EV_502, true },
		{ "!(client_disconnected || status == 502)", EV_502, false },
		{ "!client_disconnected || status == 500", EV_SOCKET, false },
		{ "!!client_disconnected", EV_SOCKET, true },
		{ "!!!client_disconnected", EV_SOCKET, false },
		{ "status == 500 || status == 502 || status == 504", EV_502,
		    true },
		{ "status == 500 || status == 501 || status == 504", EV_502,
		    false },
		{ "status > 0 && status < 600 && method == 'GET' && "
		  "path =~ '^/'",
		    EV_502, true },
		{ "((((status == 502))))", EV_502, true },
		{ "path =~ '^/api/' && path !in ['/api/draft_send', "
		  "'/api/multi_send', '/api/sync_deltas']",
		    EV_502, true },
		{ "status in [500, 502, 504] || client_disconnected", EV_SOCKET,
		    true },
		{ "status in [500, 502, 504] || client_disconnected", EV_NONE,
		    false },
		/* spacing */
		{ "status==502&&path=~'^/api'", EV_502, true },
		{ "\n status\t== 502\r\n", EV_502, true },
		{ "status!=500", EV_502, true },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char err[256];
		struct expr *e =
		    expr_compile(cases[i].expr, &ft, NULL, err, sizeof(err));
		bool got;

		if (e == NULL)
			fail_msg("%s: compile: %s", cases[i].expr, err);
		got = expr_eval(e, &evs[cases[i].ev]);
		if (got != cases[i].want)
			fail_msg("%s: event %d: got %d, want %d", cases[i].expr,
			    cases[i].ev, got, cases[i].want);
		if (expr_stats(e)->regex_limit_hits != 0)
			fail_msg("%s: unexpected limit hit", cases[i].expr);
		expr_free(e);
	}
}

static void
test_errors(void **state)
{
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "", "column 1: empty expression" },
		{ "  \t\n", "column 1: empty expression" },
		{ "stauts == 502", "column 1: unknown field 'stauts'" },
		{ "STATUS == 502", "column 1: unknown field 'STATUS'" },
		{ "status == 502 && pth =~ 'x'",
		    "column 18: unknown field 'pth'" },
		{ "status in [500, 502", "column 20: expected ']'" },
		{ "status in [500 502]", "column 16: expected ']'" },
		{ "status in [500,", "column 16: expected ']'" },
		{ "status in [", "column 12: expected a string or number" },
		{ "status in []", "column 12: empty list" },
		{ "status in 500", "column 11: expected '['" },
		{ "status in [path]",
		    "column 12: expected a string or number" },
		{ "path =~ '('",
		    "column 9: invalid regex: missing closing "
		    "parenthesis at offset 1" },
		{ "path == 'x' || path =~ 'a{2,1}'",
		    "column 24: invalid regex: numbers out of order in {} "
		    "quantifier at offset 5" },
		{ "path =~ '(*UTF)x'",
		    "column 9: invalid regex: using UTF is "
		    "disabled by the application at "
		    "offset 6" },
		{ "path =~ 5", "column 9: expected a regex in quotes" },
		{ "path =~ path", "column 9: expected a regex in quotes" },
		{ "status == 502 )", "column 15: unexpected ')'" },
		{ "status == 502 path", "column 15: unexpected 'path'" },
		{ "status == 502 'x'", "column 15: unexpected string" },
		{ "status == 502 502", "column 15: unexpected '502'" },
		{ "path == 'abc", "column 9: unterminated string" },
		{ "path == \"abc'", "column 9: unterminated string" },
		{ "path == 'abc\\'", "column 9: unterminated string" },
		{ "status = 502", "column 8: expected '=='" },
		{ "status == 502 & path", "column 15: expected '&&'" },
		{ "status == 502 | path", "column 15: expected '||'" },
		{ "status ==", "column 10: expected a string or number" },
		{ "status == path", "column 11: expected a string or number" },
		{ "status == 5x", "column 11: invalid number" },
		{ "status == 1.2.3", "column 11: invalid number" },
		{ "status == 1.", "column 11: invalid number" },
		{ "status == 1e999", "column 11: number out of range" },
		{ "status == -", "column 11: unexpected '-'" },
		{ "!status == 502",
		    "column 9: '!' applies to a field alone: "
		    "write !(...) to negate a comparison" },
		{ "!502 == status",
		    "column 6: '!' applies to a field alone: "
		    "write !(...) to negate a comparison" },
		{ "502", "column 4: expected == != < <= > >= after a value" },
		{ "502 =~ path",
		    "column 5: expected == != < <= > >= after a value" },
		{ "502 == 'x'", "column 8: expected a field name" },
		{ "status && ", "column 11: unexpected end of expression" },
		{ "&& status", "column 1: unexpected '&&'" },
		{ "status || || path", "column 11: unexpected '||'" },
		{ "(status == 502",
		    "column 15: expected ')' to close column 1" },
		{ "()", "column 2: unexpected ')'" },
		{ "status !x", "column 9: expected 'in' after '!'" },
		{ "status !", "column 9: expected 'in' after '!'" },
		{ "status @ 1", "column 8: unexpected '@'" },
		{ "status == 502 \x01", "column 15: unexpected byte 0x01" },
		{ "status == 502 \xc3\xa9", "column 15: unexpected byte 0xc3" },
		{ "in", "column 1: unexpected 'in'" },
		{ "status in", "column 10: expected '['" },
		{ "a_field_name_much_longer_than_any_field_name_should_be_"
		  "ever == 1",
		    "column 1: unknown field 'a_field_name_much_longer_than_"
		    "any_field_name_sho'" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char err[256];
		struct expr *e =
		    expr_compile(cases[i].expr, &ft, NULL, err, sizeof(err));

		if (e != NULL) {
			expr_free(e);
			fail_msg("%s: compiled, want \"%s\"", cases[i].expr,
			    cases[i].want);
		}
		if (strcmp(err, cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].expr,
			    err, cases[i].want);
	}
}

/* Expressions built to a size: nesting, length and regex-count caps. */
static void
test_caps(void **state)
{
	static char src[EXPR_LEN_MAX + 2];
	struct {
		const char *name;
		int depth;  /* nesting of '(' or '!' */
		bool bang;  /* '!' instead of '(' */
		size_t pad; /* total length, padded with spaces; 0: none */
		int nre;    /* "path =~ 'a' || " repeated; 0: none */
		const char *want; /* NULL: must compile */
	} cases[] = {
		{ "64 parens", 64, false, 0, 0, NULL },
		{ "65 parens", 65, false, 0, 0,
		    "column 65: nesting deeper than 64" },
		{ "64 bangs", 64, true, 0, 0, NULL },
		{ "65 bangs", 65, true, 0, 0,
		    "column 65: nesting deeper than 64" },
		{ "at length cap", 0, false, EXPR_LEN_MAX, 0, NULL },
		{ "over length cap", 0, false, EXPR_LEN_MAX + 1, 0,
		    "column 16385: expression longer than 16384 bytes" },
		{ "64 regexes", 0, false, 0, 64, NULL },
		{ "65 regexes", 0, false, 0, 65,
		    "column 969: more than 64 regexes" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t n = 0;
		char err[256];
		struct expr *e;

		for (int d = 0; d < cases[i].depth; d++)
			src[n++] = cases[i].bang ? '!' : '(';
		for (int r = 0; r < cases[i].nre; r++) {
			memcpy(src + n, "path =~ 'a' || ", 15);
			n += 15;
		}
		memcpy(src + n, "status", 6);
		n += 6;
		for (int d = 0; !cases[i].bang && d < cases[i].depth; d++)
			src[n++] = ')';
		while (n < cases[i].pad)
			src[n++] = ' ';
		src[n] = '\0';
		e = expr_compile(src, &ft, NULL, err, sizeof(err));
		if (cases[i].want == NULL && e == NULL)
			fail_msg("%s: %s", cases[i].name, err);
		if (cases[i].want != NULL &&
		    (e != NULL || strcmp(err, cases[i].want) != 0))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name,
			    e ? "compiled" : err, cases[i].want);
		if (e != NULL &&
		    !expr_eval(e, &evs[EV_502]) !=
			(cases[i].bang && cases[i].depth % 2))
			fail_msg("%s: wrong value", cases[i].name);
		expr_free(e);
	}
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Regexes that backtrack for seconds without the safety net finish in
 * milliseconds and count a limit hit. (*NO_JIT) forces PCRE2's interpreter,
 * as when the sandbox forbids JIT, and checks its stricter limit.
 */
static void
test_hostile(void **state)
{
	static const struct {
		const char *expr;
		int min_hits; /* -1: may or may not hit; bounded time only */
	} cases[] = {
		{ "path =~ '^(a+)+$'", 1 },               /* 64 KiB of 'a' */
		{ "http_referer =~ '^(a+)+$'", 1 },       /* 30 'a' then '!' */
		{ "message =~ '\\w+\\s?\\w+[^\\w]'", 1 }, /* 4 KiB letters */
		{ "query =~ '\\d+\\s?\\d+\\D'", 1 },      /* 4 KiB digits */
		{ "request =~ '(a|aa)+\\d'", -1 }, /* runs under the limit */
		{ "path =~ '(*NO_JIT)^(a+)+$'", 1 },
		{ "http_referer =~ '(*NO_JIT)^(a+)+$'", 1 },
		{ "message =~ '(*NO_JIT)\\w+\\s?\\w+[^\\w]'", 1 },
		{ "query =~ '(*NO_JIT)\\d+\\s?\\d+\\D'", 1 },
		{ "request =~ '(*NO_JIT)(a|aa)+\\d'", -1 },
		/* the interpreter's worst cases found: each start position
		 * stays just under its limit, so nothing is counted */
		{ "server_name =~ '(*NO_JIT)\\w+\\s?\\w+[^\\w]'", -1 },
		{ "upstream =~ '(*NO_JIT)(a|aa)+\\d'", -1 },
		{ "path !~ '^(a+)+$'", 1 }, /* undecided is false for !~ too */
	};
	/* ~100 times what is measured here; unbounded, these take seconds */
	const uint64_t bound_ns = 500 * 1000000ull;
	struct expr_opts o = { .clock_ns = mono_ns };

	(void)state;
	print_message(
	    "pcre2 JIT available: %s\n", expr_jit_available() ? "yes" : "no");
	for (size_t i = 0; i < NELEM(cases); i++) {
		char err[256];
		struct expr *e =
		    expr_compile(cases[i].expr, &ft, &o, err, sizeof(err));
		const struct expr_stats *st;

		if (e == NULL)
			fail_msg("%s: compile: %s", cases[i].expr, err);
		st = expr_stats(e);
		if (expr_eval(e, &evs[EV_LONG]))
			fail_msg("%s: matched", cases[i].expr);
		/* The one call was timed: regex_ns is its time. */
		print_message("%-45s %8.3f ms, %llu limit hit(s)\n",
		    cases[i].expr, (double)st->regex_ns / 1e6,
		    (unsigned long long)st->regex_limit_hits);
		if (st->regex_calls != 1 || st->regex_ns > bound_ns)
			fail_msg("%s: %llu calls, %llu ns", cases[i].expr,
			    (unsigned long long)st->regex_calls,
			    (unsigned long long)st->regex_ns);
		if (cases[i].min_hits >= 0 &&
		    st->regex_limit_hits < (uint64_t)cases[i].min_hits)
			fail_msg("%s: limit hit not counted", cases[i].expr);
		if (st->quarantined)
			fail_msg(
			    "%s: quarantined after one hit", cases[i].expr);
		expr_free(e);
	}
}

/* The subject is cut at subject_max; '$' does not match at the cut. */
static void
test_subject_cap(void **state)
{
	static const struct {
		const char *expr;
		uint32_t subject_max;
		bool want;
	} cases[] = {
		{ "http_user_agent =~ 'z'", 0, false },
		{ "http_user_agent =~ '^a+$'", 0, false },
		{ "http_user_agent =~ '^a{4096}'", 0, true },
		{ "http_user_agent =~ '^a{4097}'", 0, false },
		{ "http_user_agent !~ 'z'", 0, true },
		{ "http_user_agent =~ 'z'", 8192, true },
		{ "http_user_agent =~ '^a+z$'", 8192, true },
		{ "http_user_agent =~ '^a+$'", 8192, false },
		{ "http_user_agent =~ 'a$'", 10, false },
		{ "http_user_agent =~ '^a{10}'", 10, true },
		{ "path =~ '^/api/x$'", 6, true }, /* not cut at its length */
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct expr_opts o = { .subject_max = cases[i].subject_max };
		char err[256];
		struct expr *e =
		    expr_compile(cases[i].expr, &ft, &o, err, sizeof(err));
		int ev = strncmp(cases[i].expr, "path", 4) ? EV_LONG : EV_502;

		if (e == NULL)
			fail_msg("%s: compile: %s", cases[i].expr, err);
		if (expr_eval(e, &evs[ev]) != cases[i].want)
			fail_msg("%s (cap %u): want %d", cases[i].expr,
			    cases[i].subject_max, cases[i].want);
		expr_free(e);
	}
}

/*
 * Regexes that are only literal alternatives ('^/api/', '(?i)(bot|crawler|
 * spider)') are answered without PCRE2 (expr_regex.c, lit_parse). Each pattern
 * here, literal or not, is checked against PCRE2 itself on hand-written
 * user agents and paths, and on every byte value next to the literals
 * (case folding is ASCII only): expr_eval with match limit 1 must answer
 * what JIT code answers under limit 1, and JIT must never hit that limit
 * for these patterns, so no limit can tell the two paths apart. With a
 * subject cap of 5 the cut subject is what both see.
 */
static void
test_literal_regex(void **state)
{
	static const struct {
		const char *pattern;
		uint32_t subject_max; /* 0: default */
	} cases[] = {
		{ "^/api/", 0 },
		{ "^/api/", 5 },
		{ "^/api/", 4 }, /* the cut is shorter than the prefix */
		{ "(?i)^/aPi/", 0 },
		{ "^/api/users",
		    0 }, /* longer than a word: not a prefix node */
		{ "(?i)(bot|crawler|spider)", 0 },
		{ "(?i)(bot|crawler|spider)", 5 },
		{ "bot|crawler|spider", 0 },
		{ "(?:api|static)", 0 },
		{ "(?i)^(get|post|/API/)", 0 },
		{ "(?i)bot", 0 },
		{ "(?i)(a|ab|abc)", 0 },
		{ "(?i)x-y_z:1 =@%&<>~!", 0 },
		{ "curl/", 0 },
		{ "^abc|bot", 0 },          /* (^abc)|bot: not one prefix */
		{ "^/api/$", 0 },           /* not literal */
		{ "(?i)(bot||spider)", 0 }, /* empty: always */
		{ "(bot)(spider)", 0 },
		{ "b.t", 0 },
		{ "(?i)", 0 },
		{ "^", 0 },
	};
	static const char *const subjects[] = {
		"Mozilla/5.0 (compatible; Googlebot/2.1; "
		"+http://www.google.com/bot.html)",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
		"like Gecko) Chrome/119.0.0.0 Safari/537.36",
		"curl/8.4.0",
		"python-requests/2.31.0",
		"some-CRAWLER",
		"a-CrAwLeR-b", /* 8 bytes and more after the match */
		"-- x-Y_z:1 =@%&<>~! --",
		"SpIdEr",
		"crawle",
		"/api/users/me",
		"/API/users",
		"/api",
		"/static/app.js",
		"GET",
		"Post",
		"AB",
		"x-Y_z:1 =@%&<>~!",
		"",
	};
	/* Byte c at position at of each template: 3 x 256 more subjects. */
	static const struct {
		const char *text;
		size_t at;
	} tmpl[] = {
		{ "xBOT", 1 },
		{ "/api/", 4 },
		{ "crawler", 0 },
	};
	/* A needle at every offset of a 48- and a 97-byte filler of near
	 * misses: across the 16-byte steps of the vector scan and its
	 * zero-padded tail. */
	static const char *const needles[] = { "CrAwLeR", "bot", "sPIDER",
		"/api/", "bo" };
	static const char filler[] = "bsxsbcBoSpcrAwLEspidEbOxcrawlesSPIde"
				     "/apib/sbcrxo";
	char gen[3 * 256 + NELEM(needles) * (48 + 97)][128];
	size_t genlen[NELEM(gen)], ngen = 0;
	bool jit = expr_jit_available();

	(void)state;
	for (size_t t = 0; t < NELEM(tmpl); t++) {
		for (unsigned c = 0; c < 256; c++) {
			size_t n = strlen(tmpl[t].text);

			memcpy(gen[ngen], tmpl[t].text, n);
			gen[ngen][tmpl[t].at] = (char)c;
			genlen[ngen++] = n;
		}
	}
	for (size_t t = 0; t < NELEM(needles); t++) {
		size_t nl = strlen(needles[t]);

		for (size_t len = 48; len <= 97; len += 49) {
			for (size_t at = 0; at + nl <= len; at++) {
				/* 97: the filler twice and one byte. */
				memcpy(gen[ngen], filler, 48);
				memcpy(gen[ngen] + 48, filler, 48);
				gen[ngen][96] = 'b';
				memcpy(gen[ngen] + at, needles[t], nl);
				genlen[ngen++] = len;
			}
		}
	}
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct expr_opts o = { .match_limit = jit ? 1 : 0,
			.subject_max = cases[i].subject_max };
		char src[128], err[256];
		int ec;
		PCRE2_SIZE eoff;
		pcre2_code *code;
		pcre2_match_data *md;
		pcre2_match_context *mc;
		const struct expr_stats *st;
		struct expr *e;

		snprintf(src, sizeof(src), "http_user_agent =~ '%s'",
		    cases[i].pattern);
		e = expr_compile(src, &ft, &o, err, sizeof(err));
		if (e == NULL)
			fail_msg("%s: compile: %s", src, err);
		code = pcre2_compile((PCRE2_SPTR)cases[i].pattern,
		    PCRE2_ZERO_TERMINATED, PCRE2_NEVER_UTF, &ec, &eoff, NULL);
		assert_non_null(code);
		if (jit)
			assert_int_equal(
			    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE), 0);
		md = pcre2_match_data_create(1, NULL);
		mc = pcre2_match_context_create(NULL);
		assert_true(md != NULL && mc != NULL);
		if (jit)
			pcre2_set_match_limit(mc, 1);
		for (size_t j = 0; j < NELEM(subjects) + ngen; j++) {
			bool fixed = j < NELEM(subjects);
			size_t g = j - NELEM(subjects); /* when generated */
			const char *subj = fixed ? subjects[j] : gen[g];
			size_t len = fixed ? strlen(subjects[j]) : genlen[g];
			size_t cut = cases[i].subject_max &&
				len > cases[i].subject_max
			    ? cases[i].subject_max
			    : len;
			struct log_event ev;
			int rc;

			event_reset(&ev, "", 0);
			event_set_text(
			    &ev, FIELD_HTTP_USER_AGENT, sv_make(subj, len));
			rc = pcre2_match(code, (PCRE2_SPTR)subj, cut, 0,
			    cut < len ? PCRE2_NOTEOL : 0, md, mc);
			if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
				fail_msg("%s on subject %zu: PCRE2 error %d "
					 "under limit 1",
				    cases[i].pattern, j, rc);
			if (expr_eval(e, &ev) != (rc >= 0))
				fail_msg("%s (cap %u) on subject %zu '%.*s': "
					 "want %d",
				    cases[i].pattern, cases[i].subject_max, j,
				    (int)len, subj, rc >= 0);
		}
		st = expr_stats(e);
		if (st->regex_calls != NELEM(subjects) + ngen ||
		    st->regex_limit_hits != 0)
			fail_msg("%s: %llu calls, %llu limit hits",
			    cases[i].pattern,
			    (unsigned long long)st->regex_calls,
			    (unsigned long long)st->regex_limit_hits);
		pcre2_match_context_free(mc);
		pcre2_match_data_free(md);
		pcre2_code_free(code);
		expr_free(e);
	}
}

/*
 * The regex memo: the same answers as without it, also for subjects that
 * share its signature (length and the three words it reads) and differ
 * elsewhere, and a limit hit is never remembered (it counts each time).
 */
static void
test_regex_memo(void **state)
{
	static const struct {
		const char *expr;
		const char *subject;
		bool want;
	} cases[] = {
		/* 32 bytes: the signature reads [0,8), [12,20), [24,32). */
		{ "path =~ 'b[o0]t'", "xxxxxxxxbot_zzzzzzzz____yyyyyyyy",
		    true },
		{ "path =~ 'b[o0]t'", "xxxxxxxxbat_zzzzzzzz____yyyyyyyy",
		    false },
		{ "path =~ 'b[o0]t'", "xxxxxxxx____zzzzzzzzb0t_yyyyyyyy",
		    true },
		{ "path !~ 'b[o0]t'", "xxxxxxxxbat_zzzzzzzz____yyyyyyyy",
		    true },
		{ "path =~ '(?i)(bot|spider)'",
		    "xxxxxxxxSPIDzzzzzzzzER__yyyyyyyy", false },
		{ "path =~ '(?i)(bot|spider)'",
		    "xxxxxxxxSPIDzzzzzzzzSPIDERyyyyyy", true },
		{ "path =~ 'x'", "", false },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct expr *e =
		    expr_compile(cases[i].expr, &ft, NULL, err, sizeof(err));

		if (e == NULL)
			fail_msg("%s: compile: %s", cases[i].expr, err);
		/* Each subject of the table in turn, three rounds: the
		 * second and third answer from the memo where they can. */
		for (int round = 0; round < 3; round++) {
			for (size_t j = 0; j < NELEM(cases); j++) {
				struct log_event ev;
				bool got, want;

				if (strcmp(cases[j].expr, cases[i].expr) != 0)
					continue;
				event_reset(&ev, cases[j].subject,
				    strlen(cases[j].subject));
				event_set_text(&ev, FIELD_PATH,
				    sv_make(cases[j].subject,
					strlen(cases[j].subject)));
				got = expr_eval(e, &ev);
				want = cases[j].want;
				if (got != want)
					fail_msg("%s on %s, round %d: got %d",
					    cases[j].expr, cases[j].subject,
					    round, got);
			}
		}
		expr_free(e);
	}
	/* A short subject that stops at the limit, each time. */
	{
		struct expr_opts o = { .match_limit = 1000,
			.quarantine_after = 1000 };
		struct expr *e = expr_compile(
		    "path =~ '^(a+)+$'", &ft, &o, err, sizeof(err));
		static const char subj[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
		struct log_event ev;

		assert_non_null(e);
		event_reset(&ev, subj, sizeof(subj) - 1);
		event_set_text(
		    &ev, FIELD_PATH, sv_make(subj, sizeof(subj) - 1));
		for (int k = 0; k < 5; k++)
			assert_false(expr_eval(e, &ev));
		assert_int_equal(expr_stats(e)->regex_limit_hits, 5);
		expr_free(e);
	}
}

static void
test_quarantine(void **state)
{
	static const struct {
		uint32_t after; /* opts.quarantine_after; 0: default */
		uint64_t hits;  /* quarantined at this many */
	} cases[] = {
		{ 1, 1 },
		{ 3, 3 },
		{ 0, EXPR_QUARANTINE_AFTER_DEFAULT },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct expr_opts o = { .quarantine_after = cases[i].after };
		char err[256];
		struct expr *e =
		    expr_compile("status == 502 || path =~ '^(a+)+$'", &ft, &o,
			err, sizeof(err));
		const struct expr_stats *st;

		if (e == NULL)
			fail_msg("after %u: compile: %s", cases[i].after, err);
		st = expr_stats(e);
		for (uint64_t h = 1; h <= cases[i].hits; h++) {
			if (!expr_eval(e, &evs[EV_502]))
				fail_msg("after %u: 502 not matched before "
					 "quarantine",
				    cases[i].after);
			if (expr_eval(e, &evs[EV_LONG]) ||
			    st->regex_limit_hits != h ||
			    st->quarantined != (h == cases[i].hits))
				fail_msg("after %u: hit %llu: hits %llu, "
					 "quarantined %d",
				    cases[i].after, (unsigned long long)h,
				    (unsigned long long)st->regex_limit_hits,
				    st->quarantined);
		}
		if (expr_eval(e, &evs[EV_502]) || expr_eval(e, &evs[EV_LONG]))
			fail_msg(
			    "after %u: true while quarantined", cases[i].after);
		if (st->evals != 2 * cases[i].hits + 2 ||
		    st->regex_calls != cases[i].hits)
			fail_msg("after %u: evals %llu, regex_calls %llu",
			    cases[i].after, (unsigned long long)st->evals,
			    (unsigned long long)st->regex_calls);
		expr_free(e);
	}
}

static uint64_t fake_now;

static uint64_t
fake_clock(void)
{
	return fake_now += 1000;
}

/*
 * Regex time is sampled, about one call in EXPR_TIME_EVERY, and the
 * estimate is the mean of the timed calls times the calls: with a clock
 * that advances 1000 ns per read, every call measures 1000 ns, so the
 * estimate is exact whichever calls were timed (it was 3 * 64 timed
 * calls' worth for 130 calls, issue 8).
 */
static void
test_stats_sampled(void **state)
{
	struct expr_opts o = { .clock_ns = fake_clock };
	char err[256];
	struct expr *e =
	    expr_compile("path =~ '[x]'", &ft, &o, err, sizeof(err));

	(void)state;
	assert_non_null(e);
	for (int i = 0; i < 130; i++)
		(void)expr_eval(e, &evs[EV_502]);
	assert_int_equal(expr_stats(e)->regex_calls, 130);
	assert_int_equal(expr_stats(e)->regex_ns, 130 * 1000);
	expr_free(e);
	/* An anchored literal (a prefix compare) is counted, never timed. */
	e = expr_compile("path =~ '^x'", &ft, &o, err, sizeof(err));
	assert_non_null(e);
	for (int i = 0; i < 130; i++)
		(void)expr_eval(e, &evs[EV_502]);
	assert_int_equal(expr_stats(e)->regex_calls, 130);
	assert_int_equal(expr_stats(e)->regex_ns, 0);
	expr_free(e);
	/*
	 * An untimed prefix compare before each timed regex: the sample
	 * must still fall on the regex (it never did when both shared one
	 * call counter with an even stride, issue 8).
	 */
	e = expr_compile(
	    "path =~ '^/' && path =~ '[x]'", &ft, &o, err, sizeof(err));
	assert_non_null(e);
	for (int i = 0; i < 1000; i++)
		(void)expr_eval(e, &evs[EV_502]);
	assert_int_equal(expr_stats(e)->regex_calls, 2000);
	assert_int_equal(expr_stats(e)->regex_ns, 1000 * 1000);
	expr_free(e);
	/* What the clock reads cost is taken off each sample. */
	o.clock_cost_ns = 300;
	e = expr_compile("path =~ '[x]'", &ft, &o, err, sizeof(err));
	assert_non_null(e);
	for (int i = 0; i < 500; i++)
		(void)expr_eval(e, &evs[EV_502]);
	assert_int_equal(expr_stats(e)->regex_ns, 500 * 700);
	expr_free(e);
	/* The clock's cost: the median of back-to-back reads. */
	assert_int_equal(expr_clock_cost(fake_clock), 1000);
}

/*
 * The engine's path times a whole run of a regex node: one interval for
 * the run, less the clock's cost, and no sample inside it.
 */
static void
test_stats_run_timed(void **state)
{
	struct expr_opts o = { .clock_ns = fake_clock, .clock_cost_ns = 400 };
	char err[256];
	struct expr *e =
	    expr_compile("path =~ '[x]'", &ft, &o, err, sizeof(err));
	static struct log_event run[EXPR_RUN_MAX];
	uint32_t idx[EXPR_RUN_MAX];
	uint64_t sel[EXPR_RUN_WORDS];

	(void)state;
	assert_non_null(e);
	for (unsigned i = 0; i < EXPR_RUN_MAX; i++) {
		run[i] = evs[EV_502];
		idx[i] = i;
	}
	memset(sel, 0xff, sizeof(sel));
	expr_eval_run(e, run, idx, sel);
	assert_int_equal(expr_stats(e)->regex_calls, EXPR_RUN_MAX);
	assert_int_equal(expr_stats(e)->regex_ns, 1000 - 400);
	expr_eval_run(e, run, idx, sel);
	assert_int_equal(expr_stats(e)->regex_ns, 2 * (1000 - 400));
	expr_free(e);
}

static unsigned jumpy_reads;

/* 1000 ns a read, but the second read comes 1 ms late (a preemption). */
static uint64_t
jumpy_clock(void)
{
	return fake_now += ++jumpy_reads == 2 ? 1000000 : 1000;
}

/*
 * A sample that a preemption or an interrupt landed in is not regex
 * time: such a long sample is timed again and the shorter kept (one 1 ms
 * sample made a 35 ms figure read 100 ms, issue 8). A regex really that
 * slow is slow both times, and a limit hit is counted once.
 */
static void
test_stats_preempted(void **state)
{
	struct expr_opts o = { .clock_ns = jumpy_clock };
	char err[256];
	struct expr *e =
	    expr_compile("path =~ '[x]'", &ft, &o, err, sizeof(err));

	(void)state;
	assert_non_null(e);
	jumpy_reads = 0;
	for (int i = 0; i < 10; i++)
		(void)expr_eval(e, &evs[EV_502]);
	assert_int_equal(expr_stats(e)->regex_calls, 10);
	assert_int_equal(expr_stats(e)->regex_ns, 10 * 1000);
	expr_free(e);
}

/* Short-circuit and the counters, with a pinned clock. */
static void
test_stats(void **state)
{
	static const struct {
		const char *expr;
		enum ev_id ev;
		bool want;
		uint64_t regex_calls;
	} cases[] = {
		{ "status == 502 || path =~ '[x]'", EV_502, true, 0 },
		{ "status == 500 && path =~ '[x]'", EV_502, false, 0 },
		{ "status == 500 || path =~ '[x]'", EV_502, true, 1 },
		{ "path =~ '[x]' && path =~ '[y]'", EV_502, false, 2 },
		{ "path =~ '[y]' && path =~ '[x]'", EV_502, false, 1 },
		{ "path =~ '[q]' || path =~ '[x]' || path =~ '[y]'", EV_502,
		    true, 2 },
		{ "path =~ '[x]' && path =~ '[y]'", EV_NONE, false, 0 },
		{ "!(path =~ '[x]')", EV_502, false, 1 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct expr_opts o = { .clock_ns = fake_clock };
		char err[256];
		struct expr *e =
		    expr_compile(cases[i].expr, &ft, &o, err, sizeof(err));
		const struct expr_stats *st;

		if (e == NULL)
			fail_msg("%s: compile: %s", cases[i].expr, err);
		st = expr_stats(e);
		if (expr_eval(e, &evs[cases[i].ev]) != cases[i].want)
			fail_msg("%s: want %d", cases[i].expr, cases[i].want);
		/* The first regex call is timed; the second adds the mean. */
		if (st->evals != 1 || st->regex_calls != cases[i].regex_calls ||
		    st->regex_ns != cases[i].regex_calls * 1000 ||
		    st->regex_limit_hits != 0 || st->quarantined)
			fail_msg("%s: evals %llu, calls %llu, ns %llu",
			    cases[i].expr, (unsigned long long)st->evals,
			    (unsigned long long)st->regex_calls,
			    (unsigned long long)st->regex_ns);
		expr_free(e);
	}
}

static void
test_fields(void **state)
{
	static const struct {
		const char *expr;
		uint64_t want;
	} cases[] = {
		{ "status == 502", UINT64_C(1) << FIELD_STATUS },
		{ "status == 502 && path =~ '[x]' || !client_disconnected",
		    (UINT64_C(1) << FIELD_STATUS) |
			(UINT64_C(1) << FIELD_PATH) |
			(UINT64_C(1) << FIELD_CLIENT_DISCONNECTED) },
		{ "500 < status || status in [1, 2]",
		    UINT64_C(1) << FIELD_STATUS },
		{ "time_local == 'x'", UINT64_C(1) << FIELD_TIME },
		{ "http_referrer == 'x'", UINT64_C(1) << FIELD_HTTP_REFERER },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char err[256];
		struct expr *e =
		    expr_compile(cases[i].expr, &ft, NULL, err, sizeof(err));

		if (e == NULL)
			fail_msg("%s: compile: %s", cases[i].expr, err);
		if (expr_fields(e) != cases[i].want)
			fail_msg("%s: fields %llx, want %llx", cases[i].expr,
			    (unsigned long long)expr_fields(e),
			    (unsigned long long)cases[i].want);
		expr_free(e);
	}
	{
		char err[256];
		struct expr *e =
		    expr_compile("http_x_api_key", &ft, NULL, err, sizeof(err));

		assert_non_null(e);
		assert_true(expr_fields(e) == UINT64_C(1) << f_api_key);
		expr_free(e);
	}
}

/* NULL arguments and tiny error buffers do not crash or overflow. */
static void
test_edges(void **state)
{
	char err[8];
	struct expr *e;

	(void)state;
	expr_free(NULL);
	assert_null(expr_compile(NULL, &ft, NULL, err, sizeof(err)));
	assert_null(expr_compile("status", NULL, NULL, err, sizeof(err)));
	assert_null(expr_compile("nosuch == 1", &ft, NULL, err, sizeof(err)));
	assert_string_equal(err, "column ");
	assert_null(expr_compile("nosuch == 1", &ft, NULL, NULL, 0));
	err[0] = 'x';
	assert_null(expr_compile("nosuch == 1", &ft, NULL, err, 0));
	assert_int_equal(err[0], 'x');
	e = expr_compile("status == 502", &ft, NULL, err, sizeof(err));
	assert_non_null(e);
	assert_int_equal(err[0], '\0');
	expr_free(e);
	assert_true(expr_jit_available() == expr_jit_available());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_subject_cap),
		cmocka_unit_test(test_literal_regex),
		cmocka_unit_test(test_quarantine),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_stats_sampled),
		cmocka_unit_test(test_stats_preempted),
		cmocka_unit_test(test_stats_run_timed),
		cmocka_unit_test(test_regex_memo),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
