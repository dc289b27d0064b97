/*
 * test_uwsgi - uWSGI log lines: request lines -> access fields, operator
 * messages -> classified events.
 *
 * Lines marked "realstack" are copied from tests/data/realstack/uwsgi.log
 * (real uWSGI 2.0.21 output, see its README.md); lines marked "source" are
 * in tests/data/uwsgi/source-worded.log, hand-written from uWSGI's source
 * wording (see its README). Both files are also read whole.
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

#define T_0809  1795362609000   /* 2026-11-22T15:50:09Z */
#define NO_TIME EVENT_TIME_NONE /* the record must have no time */

/*
 * One row per record, its line kept whole on one line (so clang-format is
 * off). time_ms 0: any time, but one there; kind NULL: no "error" field.
 */
/* clang-format off */
static const struct testutil_kind_case cases[] = {
	/* realstack */
	{ "request", "[pid: 8186|app: 0|req: 2/1] 127.0.0.1 () {30 vars in 359 bytes} [Sun Nov 22 15:50:09 2026] GET /uwsgi/ok => generated 3 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 64 bytes (1 switches on core 0)",
	    PARSE_OK, T_0809, NULL,
	    { NUM("pid", 8186), TXT("remote_addr", "127.0.0.1"),
		ABS("remote_user"),
		TXT("time", "Sun Nov 22 15:50:09 2026"),
		TXT("request", "GET /uwsgi/ok"), TXT("method", "GET"),
		TXT("path", "/uwsgi/ok"), ABS("query"),
		NUM("body_bytes_sent", 3), NUM("request_time", 0),
		TXT("protocol", "HTTP/1.1"), NUM("status", 200),
		ABS("error"), ABS("message") } },
	{ "request query 50 msecs", "[pid: 8186|app: 0|req: 3/2] 127.0.0.1 () {32 vars in 419 bytes} [Sun Nov 22 15:50:09 2026] GET /uwsgi/api/messages?t=0.05 => generated 31 bytes in 50 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)",
	    PARSE_OK, T_0809, NULL,
	    { TXT("path", "/uwsgi/api/messages"), TXT("query", "t=0.05"),
		NUM("request_time", 0.05), TXT("request_time", "50 msecs"),
		NUM("body_bytes_sent", 31) } },
	{ "request 500", "[pid: 8186|app: 0|req: 4/3] 127.0.0.1 () {30 vars in 363 bytes} [Sun Nov 22 15:50:09 2026] GET /uwsgi/boom => generated 0 bytes in 0 msecs (HTTP/1.1 500) 0 headers in 0 bytes (0 switches on core 0)",
	    PARSE_OK, T_0809, NULL,
	    { NUM("status", 500), NUM("body_bytes_sent", 0) } },
	{ "harakiri", "Sun Nov 22 15:50:08 2026 - *** HARAKIRI ON WORKER 1 (pid: 8100, try: 1) ***",
	    PARSE_OK, T_0809 - 1000, "worker_timeout",
	    { NUM("worker_id", 1), NUM("worker_pid", 8100),
		TXT("message", "*** HARAKIRI ON WORKER 1 (pid: 8100, try: 1) ***"),
		TXT("time", "Sun Nov 22 15:50:08 2026") } },
	{ "damn killed", "DAMN ! worker 1 (pid: 8100) died, killed by signal 9 :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_killed",
	    { NUM("worker_id", 1), NUM("worker_pid", 8100),
		NUM("signal", 9) } },
	{ "listen queue", "Sun Nov 22 15:50:13 2026 - *** uWSGI listen queue of socket \"127.0.0.1:33029\" (fd: 3) full !!! (3/2) ***",
	    PARSE_OK, T_0809 + 4000, "listen_queue_full",
	    { NUM("listen_queue", 3), NUM("listen_queue_max", 2) } },
	{ "harakiri status, other", "Sun Nov 22 15:50:08 2026 - HARAKIRI !!! worker 1 status !!!",
	    PARSE_OK, T_0809 - 1000, "other",
	    { TXT("message", "HARAKIRI !!! worker 1 status !!!"),
		ABS("worker_id") } },
	{ "starting banner", "*** Starting uWSGI 2.0.21-debian (64bit) on [Sun Nov 22 15:50:06 2026] ***",
	    PARSE_OK, NO_TIME, "other", { ABS("pid") } },
	{ "traceback line", "Traceback (most recent call last):",
	    PARSE_OK, NO_TIME, "other",
	    { TXT("message", "Traceback (most recent call last):") } },
	{ "leading space", " *** WARNING: you have enabled harakiri without post buffering. Slow upload could be rejected on post-unbuffered webservers *** ",
	    PARSE_OK, NO_TIME, "other", { { 0 } } },
	{ "respawned", "Respawned uWSGI worker 1 (new pid: 8186)", PARSE_OK, NO_TIME, "other", { ABS("worker_pid") } },
	/* source-worded */
	{ "harakiri graceful", "Sun Nov 22 14:50:08 2026 - *** HARAKIRI ON WORKER 2 (pid: 8101, try: 1, graceful: yes) ***",
	    PARSE_OK, 1795359008000, "worker_timeout",
	    { NUM("worker_id", 2), NUM("worker_pid", 8101) } },
	{ "harakiri old", "*** HARAKIRI ON WORKER 3 (pid: 8102) ***",
	    PARSE_OK, NO_TIME, "worker_timeout", { NUM("worker_pid", 8102) } },
	{ "damn died", "DAMN ! worker 2 (pid: 8101) died :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_exited",
	    { NUM("worker_id", 2), NUM("worker_pid", 8101), ABS("signal") } },
	{ "misteriously", "DAMN ! worker 3 (pid: 8102) MISTERIOUSLY killed by signal 11 :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_killed", { NUM("signal", 11) } },
	{ "mysteriously", "DAMN ! worker 4 (pid: 8103) MYSTERIOUSLY killed by signal 6 :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_killed",
	    { NUM("signal", 6), NUM("worker_id", 4) } },
	{ "sendfile, user, padded day", "[pid: 8186|app: 0|req: 11/10] 192.0.2.10 (alice) {34 vars in 512 bytes} [Sun Nov  2 09:05:01 2026] GET /files/report.pdf => generated 183321 bytes in 12 msecs via sendfile() (HTTP/1.1 200) 4 headers in 142 bytes (0 switches on core 0)",
	    PARSE_OK, 1793610301000, NULL,
	    { TXT("remote_user", "alice"), TXT("protocol", "HTTP/1.1"),
		NUM("status", 200), NUM("request_time", 0.012),
		NUM("body_bytes_sent", 183321) } },
	{ "micros, app -1", "[pid: 8186|app: -1|req: -1/11] 192.0.2.11 () {28 vars in 301 bytes} [Sun Nov 22 14:50:20 2026] GET /nope => generated 21 bytes in 1534 micros (HTTP/1.0 404) 2 headers in 71 bytes (1 switches on core 0)",
	    PARSE_OK, 1795359020000, NULL,
	    { NUM("request_time", 0.001534), NUM("status", 404),
		TXT("protocol", "HTTP/1.0") } },
	{ "vhost", "api.example.net [pid: 8186|app: 0|req: 12/12] 192.0.2.12 () {30 vars in 380 bytes} [Sun Nov 22 14:50:21 2026] POST /v1/items?dry=1 => generated 2 bytes in 5 msecs (HTTP/2.0 201) 2 headers in 64 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL,
	    { TXT("host", "api.example.net"), TXT("method", "POST"),
		TXT("query", "dry=1"), NUM("status", 201) } },
	{ "memory report", "{address space usage: 181026816 bytes/172MB} {rss usage: 39911424 bytes/38MB} [pid: 8186|app: 0|req: 13/13] 192.0.2.13 () {30 vars in 371 bytes} [Sun Nov 22 14:50:22 2026] GET /v1/items => generated 31 bytes in 50 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL,
	    { NUM("pid", 8186), ABS("host"), TXT("path", "/v1/items") } },
	{ "minimal form", "[pid: 8186|app: 0|req: 14/14] 0.0.0.0 () {30 vars in 9000 bytes} [Sun Nov 22 14:50:23 2026] - - => generated 0 bytes in 0 msecs (- 414) 0 headers in 0 bytes (0 switches on core 0)",
	    PARSE_OK, 0, NULL,
	    { NUM("status", 414), TXT("protocol", "-"),
		TXT("request", "- -") } },
	{ "log-date request", "Sun Nov 22 15:50:10 2026 - [pid: 8186|app: 0|req: 2/1] 127.0.0.1 () {30 vars in 359 bytes} [Sun Nov 22 15:50:09 2026] GET /uwsgi/ok => generated 3 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 64 bytes (1 switches on core 0)",
	    PARSE_OK, T_0809, NULL, { NUM("status", 200) } },
	/* issue 9, source-worded: core/master_utils.c uwsgi_dump_worker(),
	 * core/uwsgi.c (SIGPIPE), core/writer.c via uwsgi_req_error(),
	 * core/master.c, core/master_checks.c, core/socket.c, core/utils.c */
	{ "harakiri request (realstack)", "Sun Nov 22 15:50:08 2026 - HARAKIRI [core 0] 127.0.0.1 - GET /uwsgi/sleep?s=3 since 1795362606",
	    PARSE_OK, T_0809 - 1000, "harakiri_request",
	    { TXT("client", "127.0.0.1"), TXT("method", "GET"),
		TXT("path", "/uwsgi/sleep"), TXT("query", "s=3"),
		TXT("request", "GET /uwsgi/sleep?s=3") } },
	{ "harakiri request, idle core is other", "Sun Nov 22 15:50:08 2026 - HARAKIRI [core 1]  -   since 0",
	    PARSE_OK, T_0809 - 1000, "other", { ABS("method"), ABS("path") } },
	{ "harakiri request, cut", "HARAKIRI [core 0] 10.0.0.9 - POST",
	    PARSE_OK, NO_TIME, "other", { ABS("method"), ABS("client") } },
	{ "sigpipe with request", "Mon Nov 23 10:00:01 2026 - SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) on request /api/export?fmt=csv (ip 198.51.100.7) !!!",
	    PARSE_OK, 0, "client_closed_connection",
	    { TXT("path", "/api/export"), TXT("query", "fmt=csv"),
		TXT("client", "198.51.100.7") } },
	{ "sigpipe bare", "SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) !!!",
	    PARSE_OK, NO_TIME, "client_closed_connection",
	    { ABS("path"), ABS("client") } },
	{ "broken pipe in writer", "Mon Nov 23 10:00:01 2026 - uwsgi_response_writev_headers_and_body_do(): Broken pipe [core/writer.c line 306] during GET /api/export?fmt=csv (198.51.100.7)",
	    PARSE_OK, 0, "client_write_failed",
	    { TXT("method", "GET"), TXT("path", "/api/export"),
		TXT("client", "198.51.100.7"),
		TXT("errno_text", "Broken pipe") } },
	{ "connection reset in sendfile", "uwsgi_response_sendfile_do(): Connection reset by peer [core/writer.c line 655] during GET /static/app.js (203.0.113.4)",
	    PARSE_OK, NO_TIME, "client_write_failed",
	    { TXT("errno_text", "Connection reset by peer"),
		TXT("path", "/static/app.js") } },
	{ "python write error", "OSError: write error", PARSE_OK, NO_TIME, "client_write_error", { { 0 } } },
	{ "python 2 write error", "IOError: write error", PARSE_OK, NO_TIME, "client_write_error", { { 0 } } },
	{ "write error near-miss", "OSError: write error on /tmp/x", PARSE_OK, NO_TIME, "other", { { 0 } } },
	{ "respawning too fast", "worker respawning too fast !!! i have to sleep a bit (2 seconds)...",
	    PARSE_OK, NO_TIME, "respawning_too_fast", { { 0 } } },
	{ "bind in use", "bind(): Address already in use [core/socket.c line 769]",
	    PARSE_OK, NO_TIME, "bind_failed",
	    { TXT("errno_text", "Address already in use") } },
	{ "bind near-miss", "emperor_add()/bind(): Address already in use",
	    PARSE_OK, NO_TIME, "other", { ABS("errno_text") } },
	{ "master disconnected", "Mon Nov 23 10:00:02 2026 - uWSGI worker 3 screams: UAAAAAAH my master disconnected: i will kill myself !!!",
	    PARSE_OK, 0, "master_disconnected", { NUM("worker_id", 3) } },
	{ "lifetime reached", "worker 2 lifetime reached, it was running for 3601 second(s)",
	    PARSE_OK, NO_TIME, "worker_recycled", { NUM("worker_id", 2) } },
	{ "evil reload on rss", "*** EVIL RELOAD ON WORKER 4 RSS: 536870912 (pid: 8123) ***",
	    PARSE_OK, NO_TIME, "worker_recycled",
	    { NUM("worker_id", 4), NUM("worker_pid", 8123) } },
	{ "max requests, seeya", "...The work of process 8124 is done. Seeya!",
	    PARSE_OK, NO_TIME, "worker_recycled", { NUM("worker_pid", 8124) } },
	{ "binary reload", "binary reloading uWSGI...", PARSE_OK, NO_TIME, "reload", { { 0 } } },
	{ "graceful reload", "...gracefully killing workers...", PARSE_OK, NO_TIME, "reload", { { 0 } } },
	{ "touch reload", "*** /srv/app/reload.ini has been touched... workers reload !!! ***",
	    PARSE_OK, NO_TIME, "reload", { { 0 } } },
	{ "chain reload", "chain reload starting...", PARSE_OK, NO_TIME, "reload", { { 0 } } },
	{ "brutal shutdown is not a reload", "...brutally killing workers...", PARSE_OK, NO_TIME, "other", { { 0 } } },
	/* corners */
	{ "uri with => generated", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET /a => generated 1 => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL,
	    { TXT("path", "/a => generated 1"), NUM("body_bytes_sent", 5) } },
	{ "user with paren", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 (a)b) {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET / => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL, { TXT("remote_user", "a)b") } },
	{ "\\x22 in uri", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET /q?a=\\x22b\\x22 => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL, { TXT("query", "a=\\x22b\\x22") } },
	{ "invalid UTF-8 in uri", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET /caf\xc3\x28\xff => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL, { TXT("path", "/caf\xc3\x28\xff") } },
	{ "CRLF", "DAMN ! worker 1 (pid: 8100) died, killed by signal 9 :( trying respawn ...\r\n",
	    PARSE_OK, NO_TIME, "worker_killed",
	    { TXT("message", "DAMN ! worker 1 (pid: 8100) died, killed by signal 9 :( trying respawn ...") } },
	{ "huge worker pid", "*** HARAKIRI ON WORKER 1 (pid: 99999999999999999999, try: 1) ***",
	    PARSE_OK, NO_TIME, "worker_timeout",
	    { NUM("worker_id", 1), ABS("worker_pid") } },
	{ "huge signal", "DAMN ! worker 1 (pid: 2) died, killed by signal 99999999999999999999 :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_killed", { ABS("signal") } },
	{ "cut in listen queue", "*** uWSGI listen queue of socket \"127.0.0.1:33029\" (fd: 3) full !!! (3/",
	    PARSE_OK, NO_TIME, "listen_queue_full",
	    { NUM("listen_queue", 3), ABS("listen_queue_max") } },
	{ "bad date prefix is text", "Sun Nox 22 15:50:13 2026 - something",
	    PARSE_OK, NO_TIME, "other",
	    { TXT("message", "Sun Nox 22 15:50:13 2026 - something") } },
	{ "nginx access line is free text", "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" \"curl/7.88.1\"",
	    PARSE_OK, NO_TIME, "other", { ABS("status") } },
	{ "empty", "", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "newline only", "\r", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "blank", " \t ", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "huge pid", "[pid: 99999999999999999999|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET / => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_BAD, 0, NULL, { { 0 } } },
	{ "bad month", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nox 22 15:50:09 2026] GET / => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_BAD, 0, NULL, { { 0 } } },
	{ "bad day", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 31 15:50:09 2026] GET / => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_BAD, 0, NULL, { { 0 } } },
	{ "huge body", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET / => generated 99999999999999999999 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_BAD, 0, NULL, { { 0 } } },
	{ "bad unit", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET / => generated 5 bytes in 1 hours (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_BAD, 0, NULL, { { 0 } } },
	{ "cut mid-request", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET / => generated 5 bytes in 1 msecs (HTTP/1.",
	    PARSE_BAD, 0, NULL, { { 0 } } },
	{ "no status", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET / => generated 5 bytes in 1 msecs (HTTP/1.1) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_BAD, 0, NULL, { { 0 } } },
	{ "no space in request", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_BAD, 0, NULL, { { 0 } } },
};
/* clang-format on */

static void
test_cases(void **state)
{
	struct parser_prog *prog =
	    testutil_compile(&uwsgi_parser, NULL, "UTC", NULL);

	(void)state;
	testutil_run_kind_cases(&uwsgi_parser, prog, cases, NELEM(cases));
	uwsgi_parser.prog_free(prog);
}

static void
test_zone_and_want(void **state)
{
	const char *req = cases[0].line, *hk = cases[3].line;
	struct parser_prog *prog =
	    testutil_compile(&uwsgi_parser, NULL, "Europe/Berlin", NULL);
	struct log_event ev;

	(void)state;
	assert_int_equal(
	    uwsgi_parser.parse(prog, req, strlen(req), &ev), PARSE_OK);
	assert_int_equal(ev.time_ms, T_0809 - 3600000);
	assert_int_equal(
	    uwsgi_parser.parse(prog, hk, strlen(hk), &ev), PARSE_OK);
	assert_int_equal(ev.time_ms, T_0809 - 1000 - 3600000);
	uwsgi_parser.want(prog, UINT64_C(1) << FIELD_STATUS);
	assert_int_equal(
	    uwsgi_parser.parse(prog, req, strlen(req), &ev), PARSE_OK);
	assert_true(event_has_num(&ev, FIELD_STATUS));
	assert_false(event_has(&ev, FIELD_PATH));
	uwsgi_parser.prog_free(prog);
	testutil_compile_fails(
	    &uwsgi_parser, NULL, "No/Such_Zone", NULL, "No/Such_Zone");
	/* Issue 8: Sydney's April hour happens twice: both readings. */
	{
		static const char amb[] = "[pid: 1|app: 0|req: 1/1] 127.0.0.1 () {30 vars in 359 bytes} [Sun Apr  5 02:30:00 2026] GET / => generated 3 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 64 bytes (1 switches on core 0)";
		static const char far[] = "[pid: 1|app: 0|req: 1/1] 127.0.0.1 () {30 vars in 359 bytes} [Fri Dec 31 23:30:00 9999] GET / => generated 3 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 64 bytes (1 switches on core 0)";

		prog = testutil_compile(
		    &uwsgi_parser, NULL, "Australia/Sydney", NULL);
		assert_int_equal(uwsgi_parser.parse(prog, amb, strlen(amb), &ev),
		    PARSE_OK);
		assert_int_equal(ev.time_ms, 1775316600000);
		assert_int_equal(ev.time_alt_ms, 1775320200000);
		uwsgi_parser.prog_free(prog);
		/* Past 9999-12-31 in UTC: no time taken from it. */
		prog = testutil_compile(
		    &uwsgi_parser, NULL, "America/New_York", NULL);
		if (uwsgi_parser.parse(prog, far, strlen(far), &ev) == PARSE_OK &&
		    ev.time_ms != EVENT_TIME_NONE)
			fail_msg("year 9999 in New York: time %lld",
			    (long long)ev.time_ms);
		uwsgi_parser.prog_free(prog);
	}
	assert_null(uwsgi_parser.is_continuation);
	uwsgi_parser.prog_free(NULL);
}

static void
test_huge(void **state)
{
	static const char *const fills[] = { "a", "[pid: ", " => generated ",
		" headers in ", "(", "DAMN ! worker " };
	const size_t cap = 1024 * 1024;
	char *buf = malloc(cap);
	struct parser_prog *prog =
	    testutil_compile(&uwsgi_parser, NULL, "UTC", NULL);
	struct log_event ev;

	(void)state;
	assert_non_null(buf);
	for (size_t f = 0; f < NELEM(fills); f++) {
		size_t n = 0, fl = strlen(fills[f]);
		enum parse_rc rc;

		while (n + fl <= cap) {
			memcpy(buf + n, fills[f], fl);
			n += fl;
		}
		rc = uwsgi_parser.parse(prog, buf, n, &ev);
		if (rc == PARSE_SKIP)
			fail_msg("fill \"%s\": skipped", fills[f]);
	}
	free(buf);
	uwsgi_parser.prog_free(prog);
}

/* Whole files: every line parses; requests and classified messages. */
struct file_counts {
	size_t requests, classified;
};

static void
count_record(
    const char *path, unsigned n, const struct log_event *ev, void *arg)
{
	struct file_counts *fc = arg;

	(void)path;
	(void)n;
	if (event_has_num(ev, FIELD_STATUS))
		fc->requests++;
	else if (!sv_eq_cstr(ev->text[FIELD_ERROR], "other"))
		fc->classified++;
}

static void
test_files(void **state)
{
	static const struct {
		const char *path;
		size_t min_requests, min_classified;
	} files[] = {
		{ "tests/data/realstack/uwsgi.log", 5, 3 },
		{ "tests/data/uwsgi/source-worded.log", 5, 17 },
	};
	struct parser_prog *prog =
	    testutil_compile(&uwsgi_parser, NULL, "UTC", NULL);

	(void)state;
	for (size_t i = 0; i < NELEM(files); i++) {
		struct file_counts fc = { 0, 0 };

		testutil_parse_file(
		    files[i].path, &uwsgi_parser, prog, count_record, &fc);
		if (fc.requests < files[i].min_requests ||
		    fc.classified < files[i].min_classified)
			fail_msg("%s: %zu requests, %zu classified",
			    files[i].path, fc.requests, fc.classified);
	}
	uwsgi_parser.prog_free(prog);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_zone_and_want),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
