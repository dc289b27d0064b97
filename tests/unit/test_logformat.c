/*
 * test_logformat - the format program itself, built piece by piece (no
 * nginx or gunicorn syntax): the scan rules, the conversions, the want
 * mask, SKIP versus BAD, the timestamp cache and the builder's errors.
 * Lines are shaped as nginx and gunicorn write them (see
 * tests/data/realstack/ for captured ones, used by the format tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parsers/logformat.h"
#include "parsers/ts.h"
#include "tests/unit/testutil.h"
#include "parsers/compat.h"

#define BIT(id) (UINT64_C(1) << (id))

/* One piece of a format: a literal (lit set) or a variable. */
struct piece {
	int kind; /* 0: end of the list, 1: literal, 2: variable */
	const char *lit;
	int id;
	enum logformat_conv conv;
};

#define L(s)                                                                   \
	{                                                                      \
		1, (s), 0, LOGFORMAT_TEXT                                      \
	}
#define V(id, cv)                                                              \
	{                                                                      \
		2, NULL, (id), (cv)                                            \
	}
#define PIECES_MAX 16

#define CHECKS_MAX 10

static struct logformat *
build(unsigned flags, const struct piece *pc, char *err, size_t errlen)
{
	struct logformat *lf = logformat_new(flags);
	size_t col = 1;

	assert_non_null(lf);
	for (size_t i = 0; i < PIECES_MAX && pc[i].kind != 0; i++) {
		int rc;

		if (pc[i].kind == 1) {
			rc = logformat_add_literal(
			    lf, pc[i].lit, strlen(pc[i].lit), col, err, errlen);
			col += strlen(pc[i].lit);
		} else {
			rc = logformat_add_var(
			    lf, pc[i].id, pc[i].conv, "$v", col, err, errlen);
			col += 2;
		}
		if (rc != 0) {
			logformat_free(lf);
			return NULL;
		}
	}
	if (logformat_finish(lf, err, errlen) != 0) {
		logformat_free(lf);
		return NULL;
	}
	return lf;
}

/* A format shaped like nginx's "timed" one, trimmed. */
#define TIMED_PIECES                                                           \
	{                                                                      \
		V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" ["),                 \
		    V(FIELD_TIME, LOGFORMAT_TIME_CLF), L("] \""),              \
		    V(FIELD_REQUEST, LOGFORMAT_REQUEST), L("\" "),             \
		    V(FIELD_STATUS, LOGFORMAT_STATUS), L(" rt="),              \
		    V(FIELD_REQUEST_TIME, LOGFORMAT_SEC), L(" urt="),          \
		    V(FIELD_UPSTREAM_RESPONSE_TIME, LOGFORMAT_SEC_LIST),       \
		    L(" us="), V(FIELD_UPSTREAM_STATUS, LOGFORMAT_INT_LIST),   \
	}

#define T0 INT64_C(1795358749000) /* 22/Nov/2026:14:45:49 +0000 */

static const struct {
	const char *name;
	unsigned flags;
	struct piece pc[PIECES_MAX];
	const char *line;
	enum parse_rc rc;
	int64_t time_ms;                    /* checked when rc is PARSE_OK */
	struct testutil_exp ck[CHECKS_MAX]; /* fields, see field_names() */
} parse_cases[] = {
	{ "timed", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /api/x?a=1 "
	    "HTTP/1.1\" 200 rt=0.012 urt=0.010 us=200",
	    PARSE_OK, T0,
	    { TXT_ONLY("remote_addr", "10.0.0.1"), TXT_ONLY("method", "GET"),
		TXT_ONLY("path", "/api/x"), TXT_ONLY("query", "a=1"),
		TXT_ONLY("protocol", "HTTP/1.1"), TXT_NUM("status", "200", 200),
		TXT_NUM("request_time", "0.012", 0.012),
		TXT_NUM("upstream_response_time", "0.010", 0.010),
		TXT_NUM("upstream_status", "200", 200),
		TXT_NUM("client_disconnected", "0", 0) } },
	{ "unquoted upstream lists run over ', ' and ' : '", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /pair HTTP/1.1\" "
	    "502 rt=0.031 urt=0.010, 0.020 : 0.001 us=502, 504 : 200",
	    PARSE_OK, T0,
	    { TXT_NUM("upstream_response_time", "0.010, 0.020 : 0.001",
		  0.010 + 0.020 + 0.001),
		TXT_NUM("upstream_status", "502, 504 : 200", 200) } },
	{ "upstream '-' is text with no number", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"POST /upload "
	    "HTTP/1.1\" 413 rt=0.000 urt=- us=-",
	    PARSE_OK, T0,
	    { TXT_ONLY("upstream_response_time", "-"),
		TXT_ONLY("upstream_status", "-"),
		TXT_NUM("request_time", "0.000", 0) } },
	/* Issue 9: the last numeric status, so the field's type does not
	 * change from line to line ("504, -" was text, "502, 504" a number). */
	{ "upstream list with a '-' element", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET / HTTP/1.1\" 502 "
	    "rt=1.002 urt=1.001, - us=504, -",
	    PARSE_OK, T0,
	    { TXT_NUM("upstream_response_time", "1.001, -", 1.001),
		TXT_NUM("upstream_status", "504, -", 504) } },
	{ "upstream list of dashes has no number", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET / HTTP/1.1\" 502 "
	    "rt=1.002 urt=-, - us=-, -",
	    PARSE_OK, T0,
	    { TXT_ONLY("upstream_response_time", "-, -"),
		TXT_ONLY("upstream_status", "-, -") } },
	{ "status -502", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /n HTTP/1.1\" -502 "
	    "rt=0.001 urt=0.001 us=200",
	    PARSE_OK, T0,
	    { TXT_NUM("status", "-502", -502),
		TXT_NUM("client_disconnected", "1", 1) } },
	{ "status socket", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /n HTTP/1.1\" "
	    "socket rt=1.2 urt=- us=-",
	    PARSE_OK, T0,
	    { TXT_ONLY("status", "socket"),
		TXT_NUM("client_disconnected", "1", 1) } },
	{ "status 000", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /n HTTP/1.1\" 000 "
	    "rt=0.000 urt=- us=-",
	    PARSE_OK, T0,
	    { TXT_NUM("status", "000", 0),
		TXT_NUM("client_disconnected", "0", 0) } },
	{ "status as python bytes", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /n HTTP/1.0\" "
	    "b'-502 Bad Gateway' rt=0.000 urt=- us=-",
	    PARSE_OK, T0,
	    { TXT_NUM("status", "b'-502 Bad Gateway'", -502),
		TXT_NUM("client_disconnected", "1", 1),
		TXT_NUM("request_time", "0.000", 0) } },
	{ "huge status has no number", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET / HTTP/1.1\" "
	    "99999999999999999999 rt=99999999999999999999.5 urt=- us=-",
	    PARSE_OK, T0,
	    { TXT_ONLY("status", "99999999999999999999"),
		ABS("client_disconnected"),
		TXT_ONLY("request_time", "99999999999999999999.5") } },
	{ "junk numbers have no number", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET / HTTP/1.1\" 2x0 "
	    "rt=0.0.1 urt=1e3 us=--5",
	    PARSE_OK, T0,
	    { TXT_ONLY("status", "2x0"), TXT_ONLY("request_time", "0.0.1"),
		TXT_ONLY("upstream_response_time", "1e3"),
		TXT_ONLY("upstream_status", "--5") } },
	{ "request '-' has no parts", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"-\" 400 rt=0.000 urt=- "
	    "us=-",
	    PARSE_OK, T0,
	    { TXT_ONLY("request", "-"), ABS("method"), ABS("path"),
		ABS("protocol") } },
	{ "TLS handshake on a plain port", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] "
	    "\"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03\" 400 "
	    "rt=0.001 urt=- us=-",
	    PARSE_OK, T0,
	    { TXT_ONLY("request",
		  "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03"),
		ABS("method"), ABS("path") } },
	{ "HTTP/0.9 request has no protocol", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /old\" 200 "
	    "rt=0.001 urt=- us=-",
	    PARSE_OK, T0,
	    { TXT_ONLY("method", "GET"), TXT_ONLY("path", "/old"), ABS("query"),
		ABS("protocol") } },
	{ "empty query after '?'", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /a? HTTP/1.1\" 200 "
	    "rt=0.001 urt=- us=-",
	    PARSE_OK, T0, { TXT_ONLY("path", "/a"), TXT_ONLY("query", "") } },
	{ "cut inside the time: not this format", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:4", PARSE_SKIP, 0, { { 0 } } },
	{ "bad month is malformed (Nox)", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nox/2026:14:45:49 +0000] \"GET / HTTP/1.1\" 200 "
	    "rt=0.001 urt=- us=-",
	    PARSE_BAD, 0, { { 0 } } },
	{ "cached minute, second 61 is malformed", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:61 +0000] \"GET / HTTP/1.1\" 200 "
	    "rt=0.001 urt=- us=-",
	    PARSE_BAD, 0, { { 0 } } },
	{ "same minute, next second", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:14:45:50 +0000] \"GET / HTTP/1.1\" 200 "
	    "rt=0.001 urt=- us=-",
	    PARSE_OK, T0 + 1000, { { 0 } } },
	{ "same minute, other zone", 0, TIMED_PIECES,
	    "10.0.0.1 [22/Nov/2026:15:45:50 +0100] \"GET / HTTP/1.1\" 200 "
	    "rt=0.001 urt=- us=-",
	    PARSE_OK, T0 + 1000, { { 0 } } },
	{ "trailing text after the last field", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" ["),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF), L("] "),
		V(FIELD_STATUS, LOGFORMAT_STATUS), L(";") },
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] 200; extra", PARSE_BAD, 0,
	    { { 0 } } },
	{ "escaped quote inside a quoted value", LOGFORMAT_ESCAPES,
	    { L("\""), V(FIELD_REQUEST, LOGFORMAT_REQUEST), L("\" \""),
		V(FIELD_HTTP_USER_AGENT, LOGFORMAT_TEXT), L("\"") },
	    "\"GET /a\\\"b\\\\ HTTP/1.1\" \"ua \\\"q\\\" \\\\\"", PARSE_OK,
	    EVENT_TIME_NONE,
	    { TXT_ONLY("request", "GET /a\\\"b\\\\ HTTP/1.1"),
		TXT_ONLY("path", "/a\\\"b\\\\"),
		TXT_ONLY("http_user_agent", "ua \\\"q\\\" \\\\") } },
	{ "with escapes a stray quote in the last field is malformed",
	    LOGFORMAT_ESCAPES,
	    { L("\""), V(FIELD_REQUEST, LOGFORMAT_REQUEST), L("\" \""),
		V(FIELD_HTTP_USER_AGENT, LOGFORMAT_TEXT), L("\"") },
	    "\"GET / HTTP/1.1\" \"a\" rt=1 \"b\"", PARSE_BAD, EVENT_TIME_NONE,
	    { { 0 } } },
	{ "without escapes the last literal ends the line", 0,
	    { L("\""), V(FIELD_REQUEST, LOGFORMAT_REQUEST), L("\" \""),
		V(FIELD_HTTP_USER_AGENT, LOGFORMAT_TEXT), L("\"") },
	    "\"GET / HTTP/1.1\" \"say \"hi\"\"", PARSE_OK, EVENT_TIME_NONE,
	    { TXT_ONLY("http_user_agent", "say \"hi\"") } },
	{ "CRLF: the '\\r' is not part of the last field", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" "),
		V(FIELD_REQUEST_TIME, LOGFORMAT_SEC) },
	    "10.0.0.1 0.250\r", PARSE_OK, EVENT_TIME_NONE,
	    { TXT_NUM("request_time", "0.250", 0.25) } },
	{ "gunicorn conversions", 0,
	    { V(FIELD_PID, LOGFORMAT_PID_ANGLE), L(" "),
		V(FIELD_BODY_BYTES_SENT, LOGFORMAT_INT_DASH0), L(" "),
		V(FIELD_REQUEST_TIME, LOGFORMAT_USEC_INT), L(" "),
		V(FIELD_UPSTREAM_RESPONSE_TIME, LOGFORMAT_MSEC_INT), L(" "),
		V(FIELD_UPSTREAM_CONNECT_TIME, LOGFORMAT_SEC_INT), L(" ["),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF_BR), L("]") },
	    "<4242> - 50797 51 3 [[22/Nov/2026:14:45:49 +0000]]", PARSE_OK, T0,
	    { TXT_NUM("pid", "<4242>", 4242),
		TXT_NUM("body_bytes_sent", "-", 0),
		TXT_NUM("request_time", "50797", 0.050797),
		TXT_NUM("upstream_response_time", "51", 0.051),
		TXT_NUM("upstream_connect_time", "3", 3),
		TXT_ONLY("time", "22/Nov/2026:14:45:49 +0000") } },
	{ "iso8601 and a request uri", 0,
	    { V(FIELD_TIME, LOGFORMAT_TIME_ISO), L(" "),
		V(FIELD_WELLKNOWN, LOGFORMAT_REQUEST_URI) },
	    "2026-11-22T15:45:49+01:00 /s/p?x=1&y", PARSE_OK, T0,
	    { TXT_ONLY("request_uri", "/s/p?x=1&y"), TXT_ONLY("path", "/s/p"),
		TXT_ONLY("query", "x=1&y") } },
	{ "msec", 0,
	    { V(FIELD_TIME, LOGFORMAT_TIME_MSEC), L(" "),
		V(FIELD_STATUS, LOGFORMAT_STATUS) },
	    "1795358749.123 200", PARSE_OK, T0 + 123,
	    { TXT_ONLY("time", "1795358749.123") } },
	{ "no time: failing the first field is another format", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" | "),
		V(FIELD_STATUS, LOGFORMAT_STATUS), L(" | "),
		V(FIELD_REQUEST, LOGFORMAT_TEXT) },
	    "10.0.0.1 200 GET", PARSE_SKIP, 0, { { 0 } } },
	{ "no time: failing a later field is malformed", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" | "),
		V(FIELD_STATUS, LOGFORMAT_STATUS), L(" | "),
		V(FIELD_REQUEST, LOGFORMAT_TEXT) },
	    "10.0.0.1 | 200 GET", PARSE_BAD, 0, { { 0 } } },
	{ "head literal missing", 0,
	    { L("{\"a\":\""), V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L("\"}") },
	    "[\"a\"]", PARSE_SKIP, 0, { { 0 } } },
	{ "empty", 0, TIMED_PIECES, "", PARSE_SKIP, 0, { { 0 } } },
	/* Adjacent variables (issue 9): split where the first one's shape
	 * ends, when the second cannot start with a byte it holds. */
	{ "a status right before a URI", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" ["),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF), L("] "),
		V(FIELD_STATUS, LOGFORMAT_STATUS),
		V(FIELD_WELLKNOWN, LOGFORMAT_REQUEST_URI) },
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] -502/api/x?a=1", PARSE_OK,
	    T0,
	    { TXT_NUM("status", "-502", -502),
		TXT_ONLY("request_uri", "/api/x?a=1"),
		TXT_ONLY("path", "/api/x"), TXT_ONLY("query", "a=1") } },
	{ "a fixed-length time right before a number", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" "),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF),
		V(FIELD_STATUS, LOGFORMAT_STATUS) },
	    "10.0.0.1 22/Nov/2026:14:45:49 +0000200", PARSE_OK, T0,
	    { TXT_NUM("status", "200", 200) } },
	{ "an upstream list of decimals right before a URI", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" ["),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF), L("] "),
		V(FIELD_UPSTREAM_RESPONSE_TIME, LOGFORMAT_SEC_LIST),
		V(FIELD_WELLKNOWN, LOGFORMAT_REQUEST_URI) },
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] 0.5, 1.25 : -/p", PARSE_OK,
	    T0,
	    { TXT_NUM("upstream_response_time", "0.5, 1.25 : -", 1.75),
		TXT_ONLY("path", "/p") } },
	{ "no URI where one must follow the number", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" ["),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF), L("] "),
		V(FIELD_STATUS, LOGFORMAT_STATUS),
		V(FIELD_WELLKNOWN, LOGFORMAT_REQUEST_URI) },
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] 200 /api", PARSE_BAD, 0,
	    { { 0 } } },
	{ "no number before the URI", 0,
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" ["),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF), L("] "),
		V(FIELD_STATUS, LOGFORMAT_STATUS),
		V(FIELD_WELLKNOWN, LOGFORMAT_REQUEST_URI) },
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] /api", PARSE_BAD, 0,
	    { { 0 } } },
	{ "a lone '\\r'", 0, TIMED_PIECES, "\r", PARSE_SKIP, 0, { { 0 } } },
};

/*
 * The names of the rows' fields: the well-known ones, and FIELD_WELLKNOWN
 * (the first id a format's own name gets) as "request_uri".
 */
static struct field_table *
field_names(void)
{
	struct field_table *t = malloc(sizeof(*t));

	assert_non_null(t);
	field_table_init(t);
	assert_int_equal(field_intern(t, "request_uri", 11), FIELD_WELLKNOWN);
	return t;
}

static void
test_parse_table(void **state)
{
	char err[LOGFORMAT_ERR_MAX];
	struct log_event *ev = calloc(1, sizeof(*ev));
	struct field_table *t = field_names();

	(void)state;
	assert_non_null(ev);
	for (size_t i = 0; i < NELEM(parse_cases); i++) {
		const char *name = parse_cases[i].name;
		const char *line = parse_cases[i].line;
		struct logformat *lf;
		enum parse_rc rc;

		lf = build(
		    parse_cases[i].flags, parse_cases[i].pc, err, sizeof(err));
		if (lf == NULL)
			fail_msg("%s: build: %s", name, err);
		/* Warm the timestamp cache with T0, as a previous line would.
		 */
		if (strstr(name, "cached") != NULL ||
		    strstr(name, "same minute") != NULL) {
			rc = logformat_parse(lf, parse_cases[2].line,
			    strlen(parse_cases[2].line), ev);
			if (rc != PARSE_OK || ev->time_ms != T0)
				fail_msg("%s: warm-up failed", name);
		}
		rc = logformat_parse(lf, line, strlen(line), ev);
		if (rc != parse_cases[i].rc)
			fail_msg("%s: rc %d, want %d (%s at %zu)", name, rc,
			    parse_cases[i].rc, ev->err ? ev->err : "-",
			    ev->err_off);
		if (rc != PARSE_OK && ev->err == NULL)
			fail_msg("%s: no message", name);
		if (rc == PARSE_OK) {
			testutil_check_time(name, ev, parse_cases[i].time_ms);
			testutil_check_fields(
			    name, t, ev, parse_cases[i].ck, CHECKS_MAX);
		}
		logformat_free(lf);
	}
	free(t);
	free(ev);
}

static const struct {
	const char *name;
	struct piece pc[PIECES_MAX];
	const char *err; /* substring of the message */
} build_errors[] = {
	{ "two variables with no literal",
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" "),
		V(FIELD_STATUS, LOGFORMAT_STATUS),
		V(FIELD_REQUEST, LOGFORMAT_TEXT) },
	    "column 6: two variables with no literal between them" },
	{ "two free-text variables (issue 9)",
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" "),
		V(FIELD_HTTP_REFERER, LOGFORMAT_TEXT),
		V(FIELD_HTTP_USER_AGENT, LOGFORMAT_TEXT) },
	    "column 6: two variables with no literal between them: $v is "
	    "free text" },
	{ "two integers (issue 9)",
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" "),
		V(FIELD_STATUS, LOGFORMAT_STATUS),
		V(FIELD_BODY_BYTES_SENT, LOGFORMAT_INT) },
	    "column 6: two variables with no literal between them: $v may "
	    "start with a character $v holds" },
	{ "two decimals (issue 9)",
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" "),
		V(FIELD_REQUEST_TIME, LOGFORMAT_SEC),
		V(FIELD_UPSTREAM_RESPONSE_TIME, LOGFORMAT_SEC_LIST) },
	    "two variables with no literal between them" },
	{ "a number before a time in brackets is fine, text is not",
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF_BR) },
	    "column 3: two variables with no literal between them: $v is "
	    "free text" },
	{ "unbalanced quote",
	    { V(FIELD_REMOTE_ADDR, LOGFORMAT_TEXT), L(" \""),
		V(FIELD_REQUEST, LOGFORMAT_TEXT), L(" ") },
	    "column 4: unbalanced quote" },
	{ "no variable", { L("just text") }, "no variable" },
	{ "bad id", { V(FIELD_MAX, LOGFORMAT_TEXT) }, "bad field id" },
};

static void
test_build_errors(void **state)
{
	char err[LOGFORMAT_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < NELEM(build_errors); i++) {
		struct logformat *lf;

		err[0] = '\0';
		lf = build(0, build_errors[i].pc, err, sizeof(err));
		if (lf != NULL) {
			logformat_free(lf);
			fail_msg("%s: built", build_errors[i].name);
		}
		if (strstr(err, build_errors[i].err) == NULL)
			fail_msg("%s: error \"%s\", want \"%s\"",
			    build_errors[i].name, err, build_errors[i].err);
	}
}

/* More than FIELD_MAX variables, and more literal text than fits. */
static void
test_build_limits(void **state)
{
	char err[LOGFORMAT_ERR_MAX], big[LOGFORMAT_FORMAT_MAX + 1];
	struct logformat *lf = logformat_new(0);
	int rc = 0;

	(void)state;
	assert_non_null(lf);
	for (int i = 0; i <= FIELD_MAX && rc == 0; i++) {
		rc = logformat_add_var(lf, FIELD_WELLKNOWN, LOGFORMAT_TEXT,
		    "$x", (size_t)i * 3 + 1, err, sizeof(err));
		if (rc == 0)
			rc = logformat_add_literal(
			    lf, " ", 1, (size_t)i * 3 + 3, err, sizeof(err));
	}
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "column 193: more than 64 fields"));
	logformat_free(lf);

	lf = logformat_new(0);
	assert_non_null(lf);
	memset(big, 'x', sizeof(big));
	assert_int_equal(
	    logformat_add_literal(lf, big, sizeof(big), 1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "format too long"));
	logformat_free(lf);
}

/* Fields outside the want mask keep their text but get no number. */
static void
test_want(void **state)
{
	static const struct piece pc[PIECES_MAX] = TIMED_PIECES;
	const char *line = "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /a?b "
			   "HTTP/1.1\" -502 rt=0.5 urt=0.25 us=502";
	char err[LOGFORMAT_ERR_MAX];
	struct log_event *ev = calloc(1, sizeof(*ev));
	struct logformat *lf = build(0, pc, err, sizeof(err));
	uint64_t want_all = logformat_produces(lf);

	(void)state;
	assert_non_null(ev);
	assert_non_null(lf);
	assert_true(want_all & BIT(FIELD_METHOD));
	assert_true(want_all & BIT(FIELD_PROTOCOL));
	assert_true(want_all & BIT(FIELD_CLIENT_DISCONNECTED));
	assert_false(want_all & BIT(FIELD_BODY_BYTES_SENT));

	logformat_want(lf, BIT(FIELD_REQUEST_TIME));
	assert_int_equal(logformat_parse(lf, line, strlen(line), ev), PARSE_OK);
	assert_int_equal(ev->time_ms, T0); /* always */
	assert_true(event_has_num(ev, FIELD_REQUEST_TIME));
	assert_true(event_has(ev, FIELD_STATUS));
	assert_false(event_has_num(ev, FIELD_STATUS));
	assert_false(event_has(ev, FIELD_CLIENT_DISCONNECTED));
	assert_false(event_has(ev, FIELD_PATH));
	assert_false(event_has_num(ev, FIELD_UPSTREAM_RESPONSE_TIME));

	/* client_disconnected alone still reads the status. */
	logformat_want(lf, BIT(FIELD_CLIENT_DISCONNECTED) | BIT(FIELD_PATH));
	assert_int_equal(logformat_parse(lf, line, strlen(line), ev), PARSE_OK);
	assert_true(event_has_num(ev, FIELD_CLIENT_DISCONNECTED));
	assert_true(sv_eq_cstr(ev->text[FIELD_PATH], "/a"));
	assert_false(event_has_num(ev, FIELD_REQUEST_TIME));

	/* Nothing wanted: text only, but the time still counts. */
	logformat_want(lf, 0);
	assert_int_equal(logformat_parse(lf, line, strlen(line), ev), PARSE_OK);
	assert_int_equal(ev->time_ms, T0);
	assert_int_equal(ev->numeric, 0);
	assert_true(event_has(ev, FIELD_UPSTREAM_STATUS));

	logformat_want(lf, ~UINT64_C(0));
	assert_int_equal(logformat_parse(lf, line, strlen(line), ev), PARSE_OK);
	assert_true(event_has_num(ev, FIELD_UPSTREAM_RESPONSE_TIME));
	assert_true(event_has_num(ev, FIELD_UPSTREAM_STATUS));
	logformat_free(lf);
	free(ev);
}

/*
 * The cache must give what a fresh parse gives, across seconds, minutes,
 * hours and zones, in any order.
 */
static void
test_time_cache(void **state)
{
	static const struct piece pc[PIECES_MAX] = { L("["),
		V(FIELD_TIME, LOGFORMAT_TIME_CLF), L("] "),
		V(FIELD_STATUS, LOGFORMAT_STATUS) };
	static const char *const lines[] = {
		"[22/Nov/2026:14:45:49 +0000] 200",
		"[22/Nov/2026:14:45:49 +0000] 200",
		"[22/Nov/2026:14:45:00 +0000] 200",
		"[22/Nov/2026:14:45:59 +0000] 200",
		"[22/Nov/2026:14:46:00 +0000] 200",
		"[22/Nov/2026:14:46:07 +0000] 200",
		"[22/Nov/2026:14:46:07 -0700] 200",
		"[22/Nov/2026:14:46:08 -0700] 200",
		"[31/Dec/2026:23:59:59 +0000] 200",
		"[01/Jan/2027:00:00:00 +0000] 200",
		"[22/Nov/2026:14:46:6: -0700] 200",
		"[22/Nov/2026:14:46:08 -0700] 200",
	};
	char err[LOGFORMAT_ERR_MAX];
	struct log_event *ev = calloc(1, sizeof(*ev));
	struct logformat *lf = build(0, pc, err, sizeof(err));

	(void)state;
	assert_non_null(ev);
	assert_non_null(lf);
	for (size_t i = 0; i < NELEM(lines); i++) {
		int64_t want;
		int rc = ts_parse_clf(lines[i] + 1, 26, &want);
		enum parse_rc prc =
		    logformat_parse(lf, lines[i], strlen(lines[i]), ev);

		if (rc != 0) {
			if (prc != PARSE_BAD)
				fail_msg("line %zu: rc %d, want BAD", i, prc);
			continue;
		}
		if (prc != PARSE_OK || ev->time_ms != want)
			fail_msg("line %zu: rc %d time %lld, want %lld", i, prc,
			    (long long)ev->time_ms, (long long)want);
	}
	logformat_free(lf);
	free(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_build_limits),
		cmocka_unit_test(test_want),
		cmocka_unit_test(test_time_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
