/*
 * test_gunicorn_access - gunicorn access lines in its access_log_format.
 *
 * Lines marked "realstack" are copied from tests/data/realstack/ (real
 * gunicorn 20.1 output, see its README); the others are hand-written in
 * the shape gunicorn/glogging.py writes (atoms, SafeAtoms' \" escaping,
 * "[%d/%b/%Y:%H:%M:%S %z]"). test_realstack_files parses those files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parsers/parser.h"
#include "tests/unit/testutil.h"
#include "parsers/compat.h"

#define BIT(id) (UINT64_C(1) << (id))

#define DEFAULT NULL
#define CUSTOM                                                                 \
	"%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\" "   \
	"%(L)s %(D)s \"%({X-Api-Key}i)s\""
#define ATOMS                                                                  \
	"%(p)s %(m)s %(U)s ?%(q)s %(H)s %(T)s|%(M)s|%(B)s %%|%(t)s "           \
	"ct=%({Content-Type}o)s env=%({SCRIPT_NAME}e)s x=%(x)s"

#define T0 INT64_C(1795362606000) /* 22/Nov/2026:15:50:06 +0000 */
#define T1 INT64_C(1795358749000) /* 22/Nov/2026:14:45:49 +0000 */

/* format NULL: gunicorn's default; time_ms and fields checked on PARSE_OK. */
static const struct testutil_fmt_case cases[] = {
	{ "default, unix socket: empty %(h)s (realstack)", DEFAULT,
	    " - - [22/Nov/2026:15:50:08 +0000] \"GET /ok?from=ref HTTP/1.0\" "
	    "200 3 \"http://example.test/page\" \"curl/7.88.1\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("remote_addr", ""), TXT_ONLY("remote_user", "-"),
		TXT_ONLY("time", "22/Nov/2026:15:50:08 +0000"),
		TXT_ONLY("request", "GET /ok?from=ref HTTP/1.0"),
		TXT_ONLY("method", "GET"), TXT_ONLY("path", "/ok"),
		TXT_ONLY("query", "from=ref"), TXT_ONLY("protocol", "HTTP/1.0"),
		TXT_NUM("status", "200", 200),
		TXT_NUM("body_bytes_sent", "3", 3),
		TXT_ONLY("http_referer", "http://example.test/page"),
		TXT_ONLY("http_user_agent", "curl/7.88.1") } },
	{ "default, TCP", DEFAULT,
	    "10.1.2.3 - alice [22/Nov/2026:15:45:49 +0100] \"POST /login "
	    "HTTP/1.1\" 302 0 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("remote_addr", "10.1.2.3"),
		TXT_ONLY("remote_user", "alice"), TXT_NUM("status", "302", 302),
		TXT_ONLY(
		    "http_user_agent", "Mozilla/5.0 (X11; Linux x86_64)") } },
	{ "-502 (realstack)", DEFAULT,
	    " - - [22/Nov/2026:15:50:09 +0000] \"GET /negative HTTP/1.0\" "
	    "-502 9 \"-\" \"curl/7.88.1\"",
	    PARSE_OK, T0 + 3000,
	    { TXT_NUM("status", "-502", -502),
		TXT_NUM("client_disconnected", "1", 1) } },
	{ "\\\" in quoted fields (realstack)", DEFAULT,
	    " - - [22/Nov/2026:15:50:08 +0000] \"GET "
	    "/ok?q=%22x%22&raw=\\\"y\\\" HTTP/1.0\" 200 3 \"-\" \"agent "
	    "\\\"quoted\\\" \\back\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("path", "/ok"),
		TXT_ONLY("query", "q=%22x%22&raw=\\\"y\\\""),
		TXT_ONLY("http_user_agent", "agent \\\"quoted\\\" \\back") } },
	{ "gevent_pywsgi socket (realstack)", DEFAULT,
	    "- - - [22/Nov/2026:15:50:07 +0000] \"GET /sleep?s=1.2 HTTP/1.0\" "
	    "socket 0 \"-\" \"curl/7.88.1\"",
	    PARSE_OK, T0 + 1000,
	    { TXT_ONLY("remote_addr", "-"), TXT_ONLY("status", "socket"),
		TXT_NUM("client_disconnected", "1", 1),
		TXT_NUM("body_bytes_sent", "0", 0) } },
	{ "gevent_pywsgi bytes status (realstack)", DEFAULT,
	    "- - - [22/Nov/2026:15:50:09 +0000] \"GET /negative HTTP/1.0\" "
	    "b'-502 Bad Gateway' 139 \"-\" \"curl/7.88.1\"",
	    PARSE_OK, T0 + 3000,
	    { TXT_NUM("status", "b'-502 Bad Gateway'", -502),
		TXT_NUM("client_disconnected", "1", 1),
		TXT_NUM("body_bytes_sent", "139", 139) } },
	{ "%(b)s '-' is 0 bytes", DEFAULT,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"HEAD / HTTP/1.1\" 304 "
	    "- \"-\" \"-\"",
	    PARSE_OK, T1, { TXT_NUM("body_bytes_sent", "-", 0) } },
	{ "custom: %(L)s %(D)s and a header (realstack)", CUSTOM,
	    " - - [22/Nov/2026:15:50:08 +0000] \"GET /api/contacts?t=0.05 "
	    "HTTP/1.0\" 200 31 \"-\" \"curl/7.88.1\" 0.050797 50797 "
	    "\"key-alpha\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_NUM("request_time", "50797", 0.050797),
		TXT_ONLY("http_x_api_key", "key-alpha"),
		TXT_ONLY("path", "/api/contacts") } },
	{ "%(L)s alone", "%(t)s %(L)s", "[22/Nov/2026:14:45:49 +0000] 1.500000",
	    PARSE_OK, T1, { TXT_NUM("request_time", "1.500000", 1.5) } },
	{ "atoms", ATOMS,
	    "<4242> PUT /v1/items ?a=1&b= HTTP/1.1 2|2345|17 %|[22/Nov/"
	    "2026:14:45:49 +0000] ct=application/json env=/app x=-",
	    PARSE_OK, T1,
	    { TXT_NUM("pid", "<4242>", 4242), TXT_ONLY("method", "PUT"),
		TXT_ONLY("path", "/v1/items"), TXT_ONLY("query", "a=1&b="),
		TXT_ONLY("protocol", "HTTP/1.1"),
		TXT_NUM("request_time", "2345", 2.345),
		TXT_NUM("body_bytes_sent", "17", 17),
		TXT_ONLY("sent_http_content_type", "application/json"),
		TXT_ONLY("script_name", "/app"), TXT_ONLY("x", "-") } },
	{ "%(T)s is whole seconds", "%(t)s %(T)s",
	    "[22/Nov/2026:14:45:49 +0000] 3", PARSE_OK, T1,
	    { TXT_NUM("request_time", "3", 3) } },
	{ "invalid UTF-8 kept as bytes", DEFAULT,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET /\xc3\x28 "
	    "HTTP/1.1\" 200 5 \"-\" \"\xff\xfe bot\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("path", "/\xc3\x28"),
		TXT_ONLY("http_user_agent", "\xff\xfe bot") } },
	{ "huge numbers", CUSTOM,
	    " - - [22/Nov/2026:15:50:08 +0000] \"GET / HTTP/1.0\" "
	    "99999999999999999999 99999999999999999999 \"-\" \"-\" "
	    "99999999999999999.000001 99999999999999999999 \"-\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("status", "99999999999999999999"),
		TXT_ONLY("body_bytes_sent", "99999999999999999999"),
		TXT_ONLY("request_time", "99999999999999999999"),
		ABS("client_disconnected") } },
	{ "CRLF", DEFAULT,
	    " - - [22/Nov/2026:15:50:08 +0000] \"GET /ok HTTP/1.0\" 200 3 "
	    "\"-\" \"curl/7.88.1\"\r",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("http_user_agent", "curl/7.88.1") } },
	{ "empty line", DEFAULT, "", PARSE_SKIP, 0, { { 0 } } },
	{ "'\\r' alone", DEFAULT, "\r", PARSE_SKIP, 0, { { 0 } } },
	{ "a space alone", DEFAULT, " ", PARSE_SKIP, 0, { { 0 } } },
	{ "cut mid-quote", DEFAULT,
	    " - - [22/Nov/2026:15:50:08 +0000] \"GET /ok HTTP/1.0\" 200 3 "
	    "\"-\" \"curl/7.8",
	    PARSE_BAD, 0, { { 0 } } },
	{ "bad month", DEFAULT,
	    " - - [22/Nvo/2026:15:50:08 +0000] \"GET /ok HTTP/1.0\" 200 3 "
	    "\"-\" \"curl/7.88.1\"",
	    PARSE_BAD, 0, { { 0 } } },
	{ "missing brackets", DEFAULT,
	    " - - 22/Nov/2026:15:50:08 +0000 \"GET /ok HTTP/1.0\" 200 3 \"-\" "
	    "\"curl/7.88.1\"",
	    PARSE_SKIP, 0, { { 0 } } },
	{ "gunicorn error line (realstack)", DEFAULT,
	    "[2026-11-22 15:50:05 +0000] [91822] [INFO] Starting gunicorn "
	    "20.1.0",
	    PARSE_SKIP, 0, { { 0 } } },
	{ "nginx error line (realstack)", DEFAULT,
	    "2026/11/22 15:50:06 [error] 91817#91817: *6 connect() to "
	    "unix:/tmp/klaxon-stack.lv7R2l/run/tiny.sock failed (11: "
	    "Resource temporarily unavailable) while connecting to upstream",
	    PARSE_SKIP, 0, { { 0 } } },
};

static void
test_lines(void **state)
{
	(void)state;
	testutil_run_fmt_cases(&gunicorn_access_parser, cases, NELEM(cases));
}

static const struct testutil_compile_error compile_errors[] = {
	{ "%(h)s%(l)s",
	    "column 6: two variables with no literal between them" },
	{ "%(h)s %(r", "column 7: unterminated \"%(\"" },
	{ "%(h)s %(r)x", "column 7: atom needs an 's' or 'd' conversion" },
	{ "%(h)s %s", "column 7: '%' must start \"%(atom)s\" or be doubled" },
	{ "%(h)s %()s", "column 7: bad atom name" },
	{ "100%", "column 4: '%' must start" },
	{ "just text", "no variable in the format" },
};

static void
test_compile_errors(void **state)
{
	(void)state;
	testutil_run_compile_errors(
	    &gunicorn_access_parser, compile_errors, NELEM(compile_errors));
}

/*
 * issue 9: gunicorn 17.5's default access_log_format opens the line with a
 * stray quote (gunicorn/config.py at tag 17.5), and gunicorn <= 19.1
 * wrote %(t)s as "[%d/%b/%Y:%H:%M:%S]", a local time with no zone. Lines
 * hand-written in that shape.
 */
#define G175                                                                   \
	"\"%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\""
#define T_OLD INT64_C(1477400433000) /* 2016-10-25T13:00:33Z */

/* clang-format off */
static const struct testutil_fmt_case old_cases[] = {
	{ "17.5 default", G175,
	    "\"203.0.113.9 - - [25/Oct/2016:13:00:33] \"GET /auth/cb?code=b1d4 HTTP/1.0\" 200 - \"http://app.example.test/\" \"Mozilla/5.0 (X11; Linux x86_64) Firefox/49.0\"",
	    PARSE_OK, T_OLD,
	    { TXT("remote_addr", "203.0.113.9"), TXT("time", "25/Oct/2016:13:00:33"),
		TXT("method", "GET"), TXT("path", "/auth/cb"),
		TXT("query", "code=b1d4"), NUM("status", 200),
		NUM("body_bytes_sent", 0),
		TXT("http_referer", "http://app.example.test/"),
		TXT("http_user_agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/49.0") } },
	{ "17.5 default, \\\" in the agent", G175,
	    "\"203.0.113.9 - - [25/Oct/2016:13:00:33] \"GET / HTTP/1.0\" 500 12 \"-\" \"a \\\"b\\\" c\"",
	    PARSE_OK, T_OLD,
	    { NUM("status", 500), TXT("http_user_agent", "a \\\"b\\\" c") } },
	{ "17.5 default with a zone", G175,
	    "\"203.0.113.9 - - [25/Oct/2016:15:00:33 +0200] \"GET / HTTP/1.0\" 200 - \"-\" \"-\"",
	    PARSE_OK, T_OLD, { NUM("status", 200) } },
	{ "17.5 default, no opening quote", G175,
	    "203.0.113.9 - - [25/Oct/2016:13:00:33] \"GET / HTTP/1.0\" 200 - \"-\" \"-\"",
	    PARSE_SKIP, 0, { { 0 } } },
	{ "19.1 default, zone-less time", DEFAULT,
	    "203.0.113.9 - - [25/Oct/2016:13:00:33] \"GET / HTTP/1.1\" 302 0 \"-\" \"curl/7.35.0\"",
	    PARSE_OK, T_OLD,
	    { TXT("time", "25/Oct/2016:13:00:33"), NUM("status", 302) } },
	{ "zone-less, bad day", DEFAULT,
	    "203.0.113.9 - - [31/Nov/2016:13:00:33] \"GET / HTTP/1.1\" 302 0 \"-\" \"-\"",
	    PARSE_BAD, 0, { { 0 } } },
	{ "zone-less, bad month", DEFAULT,
	    "203.0.113.9 - - [25/Okt/2016:13:00:33] \"GET / HTTP/1.1\" 302 0 \"-\" \"-\"",
	    PARSE_BAD, 0, { { 0 } } },
	{ "zone-less, cut", DEFAULT,
	    "203.0.113.9 - - [25/Oct/2016:13:00:3] \"GET / HTTP/1.1\" 302 0 \"-\" \"-\"",
	    PARSE_SKIP, 0, { { 0 } } },
	{ "quote in the middle, unbalanced", "%(h)s \"%(r)s %(s)s",
	    "203.0.113.9 \"GET / HTTP/1.1 200",
	    PARSE_OK, 0, { { 0 } } },
};
/* clang-format on */

static void
test_old_defaults(void **state)
{
	struct field_table *t = malloc(sizeof(*t));
	struct log_event ev;

	(void)state;
	assert_non_null(t);
	for (size_t i = 0; i < NELEM(old_cases); i++) {
		const struct testutil_fmt_case *c = &old_cases[i];
		/* "quote in the middle" has no time: any zone will do. */
		struct parser_prog *prog = testutil_compile(
		    &gunicorn_access_parser, c->format, "UTC", t);

		if (testutil_parse(&gunicorn_access_parser, prog, c->name,
			c->line, c->rc, &ev) == PARSE_OK) {
			if (c->time_ms != 0)
				testutil_check_time(c->name, &ev, c->time_ms);
			testutil_check_fields(
			    c->name, t, &ev, c->exp, TESTUTIL_FMT_EXP_MAX);
		}
		gunicorn_access_parser.prog_free(prog);
	}
	free(t);
}

/* The zone-less %(t)s is in the input's zone. */
static void
test_old_zone(void **state)
{
	struct parser_prog *prog = testutil_compile(
	    &gunicorn_access_parser, G175, "Europe/Berlin", NULL);
	struct log_event ev;

	(void)state;
	testutil_parse(&gunicorn_access_parser, prog, "berlin",
	    "\"203.0.113.9 - - [25/Oct/2016:15:00:33] \"GET / HTTP/1.0\" 200 "
	    "- \"-\" \"-\"",
	    PARSE_OK, &ev);
	testutil_check_time("berlin", &ev, T_OLD);
	gunicorn_access_parser.prog_free(prog);
	testutil_compile_fails(
	    &gunicorn_access_parser, G175, "Mars/Olympus", NULL, "Mars");
}

static void
test_produces(void **state)
{
	struct field_table *t = malloc(sizeof(*t));
	struct parser_prog *prog;
	uint64_t p;
	int key;

	(void)state;
	assert_non_null(t);
	prog = testutil_compile(&gunicorn_access_parser, CUSTOM, NULL, t);
	key = field_lookup(t, "http_x_api_key", 14);
	assert_true(key >= FIELD_WELLKNOWN);
	p = gunicorn_access_parser.produces(prog);
	assert_true(p & BIT(key));
	assert_true(p & BIT(FIELD_REQUEST_TIME));
	assert_true(p & BIT(FIELD_PATH));
	assert_true(p & BIT(FIELD_CLIENT_DISCONNECTED));
	assert_false(p & BIT(FIELD_UPSTREAM_RESPONSE_TIME));
	gunicorn_access_parser.prog_free(prog);
	free(t);
}

/* A 1 MiB line: parses or is refused, never read past its end. */
static void
test_long_lines(void **state)
{
	static const char head[] = " - - [22/Nov/2026:15:50:08 +0000] \"GET "
				   "/ok HTTP/1.0\" 200 3 \"-\" \"";
	const size_t cap = 1024 * 1024;
	char *buf = malloc(cap);
	struct field_table *t = malloc(sizeof(*t));
	struct log_event *ev = malloc(sizeof(*ev));
	struct parser_prog *prog;

	(void)state;
	assert_non_null(buf);
	assert_non_null(t);
	assert_non_null(ev);
	prog = testutil_compile(&gunicorn_access_parser, DEFAULT, NULL, t);
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, '\\', cap - sizeof(head));
	buf[cap - 1] = '"';
	/* An even run of backslashes: the final quote closes the field. */
	if ((cap - sizeof(head)) % 2 != 0)
		buf[sizeof(head) - 1] = 'A';
	assert_int_equal(
	    gunicorn_access_parser.parse(prog, buf, cap, ev), PARSE_OK);
	assert_int_equal(
	    ev->text[FIELD_HTTP_USER_AGENT].len, cap - sizeof(head));
	memset(buf, '[', cap);
	assert_int_equal(
	    gunicorn_access_parser.parse(prog, buf, cap, ev), PARSE_SKIP);
	memset(buf, ' ', cap);
	assert_int_equal(
	    gunicorn_access_parser.parse(prog, buf, cap, ev), PARSE_SKIP);
	gunicorn_access_parser.prog_free(prog);
	free(ev);
	free(t);
	free(buf);
}

/* The captured files, whole: every line parses, with a time. */
static void
check_realstack_line(
    const char *path, unsigned n, const struct log_event *ev, void *arg)
{
	(void)arg;
	if (ev->time_ms < T0 - 60000 || ev->time_ms > T0 + 3600000 ||
	    !event_has(ev, FIELD_CLIENT_DISCONNECTED))
		fail_msg("%s:%u: no time or status", path, n);
}

static void
test_realstack_files(void **state)
{
	static const struct {
		const char *path, *format;
		unsigned min_lines;
	} files[] = {
		{ "tests/data/realstack/gunicorn-access.log", DEFAULT, 40 },
		{ "tests/data/realstack/gunicorn-access-custom.log", CUSTOM,
		    9 },
		{ "tests/data/realstack/gunicorn-gevent-access.log", DEFAULT,
		    2 },
		{ "tests/data/realstack/gunicorn-pywsgi-access.log", DEFAULT,
		    5 },
		{ "tests/data/realstack/gunicorn-tiny-access.log", DEFAULT, 3 },
	};
	struct field_table *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(t);
	for (size_t i = 0; i < NELEM(files); i++) {
		struct parser_prog *prog = testutil_compile(
		    &gunicorn_access_parser, files[i].format, NULL, t);
		unsigned n = testutil_parse_file(files[i].path,
		    &gunicorn_access_parser, prog, check_realstack_line, NULL);

		gunicorn_access_parser.prog_free(prog);
		if (n < files[i].min_lines)
			fail_msg("%s: only %u lines", files[i].path, n);
	}
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_old_defaults),
		cmocka_unit_test(test_old_zone),
		cmocka_unit_test(test_produces),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_realstack_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
