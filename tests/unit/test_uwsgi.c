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

#include "parsers/compat.h"

enum { X_END = 0, X_TEXT, X_NUM, X_ABSENT };

struct exp {
	int how;
	int id;
	const char *text;
	double num;
};

#define TXT(id, s) { X_TEXT, (id), (s), 0 }
#define NUM(id, v) { X_NUM, (id), NULL, (v) }
#define ABS(id)	   { X_ABSENT, (id), NULL, 0 }

#define T_0809 1795362609000 /* 2026-11-22T15:50:09Z */
#define NO_TIME INT64_MIN

static const struct tcase {
	const char *name, *line;
	enum parse_rc rc;
	int64_t time_ms; /* 0: not checked; NO_TIME: must be absent */
	const char *kind; /* NULL on a request line: no error field */
	struct exp exp[16];
} cases[] = {
	/* realstack */
	{ "request", "[pid: 8186|app: 0|req: 2/1] 127.0.0.1 () {30 vars in 359 bytes} [Sun Nov 22 15:50:09 2026] GET /uwsgi/ok => generated 3 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 64 bytes (1 switches on core 0)",
	    PARSE_OK, T_0809, NULL,
	    { NUM(FIELD_PID, 8186), TXT(FIELD_REMOTE_ADDR, "127.0.0.1"),
		ABS(FIELD_REMOTE_USER),
		TXT(FIELD_TIME, "Sun Nov 22 15:50:09 2026"),
		TXT(FIELD_REQUEST, "GET /uwsgi/ok"), TXT(FIELD_METHOD, "GET"),
		TXT(FIELD_PATH, "/uwsgi/ok"), ABS(FIELD_QUERY),
		NUM(FIELD_BODY_BYTES_SENT, 3), NUM(FIELD_REQUEST_TIME, 0),
		TXT(FIELD_PROTOCOL, "HTTP/1.1"), NUM(FIELD_STATUS, 200),
		ABS(FIELD_ERROR), ABS(FIELD_MESSAGE) } },
	{ "request query 50 msecs", "[pid: 8186|app: 0|req: 3/2] 127.0.0.1 () {32 vars in 419 bytes} [Sun Nov 22 15:50:09 2026] GET /uwsgi/api/messages?t=0.05 => generated 31 bytes in 50 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)",
	    PARSE_OK, T_0809, NULL,
	    { TXT(FIELD_PATH, "/uwsgi/api/messages"), TXT(FIELD_QUERY, "t=0.05"),
		NUM(FIELD_REQUEST_TIME, 0.05), TXT(FIELD_REQUEST_TIME, "50 msecs"),
		NUM(FIELD_BODY_BYTES_SENT, 31) } },
	{ "request 500", "[pid: 8186|app: 0|req: 4/3] 127.0.0.1 () {30 vars in 363 bytes} [Sun Nov 22 15:50:09 2026] GET /uwsgi/boom => generated 0 bytes in 0 msecs (HTTP/1.1 500) 0 headers in 0 bytes (0 switches on core 0)",
	    PARSE_OK, T_0809, NULL,
	    { NUM(FIELD_STATUS, 500), NUM(FIELD_BODY_BYTES_SENT, 0) } },
	{ "harakiri", "Sun Nov 22 15:50:08 2026 - *** HARAKIRI ON WORKER 1 (pid: 8100, try: 1) ***",
	    PARSE_OK, T_0809 - 1000, "worker_timeout",
	    { NUM(FIELD_WORKER_ID, 1), NUM(FIELD_WORKER_PID, 8100),
		TXT(FIELD_MESSAGE, "*** HARAKIRI ON WORKER 1 (pid: 8100, try: 1) ***"),
		TXT(FIELD_TIME, "Sun Nov 22 15:50:08 2026") } },
	{ "damn killed", "DAMN ! worker 1 (pid: 8100) died, killed by signal 9 :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_killed",
	    { NUM(FIELD_WORKER_ID, 1), NUM(FIELD_WORKER_PID, 8100),
		NUM(FIELD_SIGNAL, 9) } },
	{ "listen queue", "Sun Nov 22 15:50:13 2026 - *** uWSGI listen queue of socket \"127.0.0.1:33029\" (fd: 3) full !!! (3/2) ***",
	    PARSE_OK, T_0809 + 4000, "listen_queue_full",
	    { NUM(FIELD_LISTEN_QUEUE, 3), NUM(FIELD_LISTEN_QUEUE_MAX, 2) } },
	{ "harakiri status, other", "Sun Nov 22 15:50:08 2026 - HARAKIRI !!! worker 1 status !!!",
	    PARSE_OK, T_0809 - 1000, "other",
	    { TXT(FIELD_MESSAGE, "HARAKIRI !!! worker 1 status !!!"),
		ABS(FIELD_WORKER_ID) } },
	{ "starting banner", "*** Starting uWSGI 2.0.21-debian (64bit) on [Sun Nov 22 15:50:06 2026] ***",
	    PARSE_OK, NO_TIME, "other", { ABS(FIELD_PID) } },
	{ "traceback line", "Traceback (most recent call last):",
	    PARSE_OK, NO_TIME, "other",
	    { TXT(FIELD_MESSAGE, "Traceback (most recent call last):") } },
	{ "leading space", " *** WARNING: you have enabled harakiri without post buffering. Slow upload could be rejected on post-unbuffered webservers *** ",
	    PARSE_OK, NO_TIME, "other", { { 0 } } },
	{ "respawned", "Respawned uWSGI worker 1 (new pid: 8186)", PARSE_OK, NO_TIME, "other", { ABS(FIELD_WORKER_PID) } },
	/* source-worded */
	{ "harakiri graceful", "Sun Nov 22 14:50:08 2026 - *** HARAKIRI ON WORKER 2 (pid: 8101, try: 1, graceful: yes) ***",
	    PARSE_OK, 1795359008000, "worker_timeout",
	    { NUM(FIELD_WORKER_ID, 2), NUM(FIELD_WORKER_PID, 8101) } },
	{ "harakiri old", "*** HARAKIRI ON WORKER 3 (pid: 8102) ***",
	    PARSE_OK, NO_TIME, "worker_timeout", { NUM(FIELD_WORKER_PID, 8102) } },
	{ "damn died", "DAMN ! worker 2 (pid: 8101) died :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_exited",
	    { NUM(FIELD_WORKER_ID, 2), NUM(FIELD_WORKER_PID, 8101), ABS(FIELD_SIGNAL) } },
	{ "misteriously", "DAMN ! worker 3 (pid: 8102) MISTERIOUSLY killed by signal 11 :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_killed", { NUM(FIELD_SIGNAL, 11) } },
	{ "mysteriously", "DAMN ! worker 4 (pid: 8103) MYSTERIOUSLY killed by signal 6 :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_killed",
	    { NUM(FIELD_SIGNAL, 6), NUM(FIELD_WORKER_ID, 4) } },
	{ "sendfile, user, padded day", "[pid: 8186|app: 0|req: 11/10] 192.0.2.10 (alice) {34 vars in 512 bytes} [Sun Nov  2 09:05:01 2026] GET /files/report.pdf => generated 183321 bytes in 12 msecs via sendfile() (HTTP/1.1 200) 4 headers in 142 bytes (0 switches on core 0)",
	    PARSE_OK, 1793610301000, NULL,
	    { TXT(FIELD_REMOTE_USER, "alice"), TXT(FIELD_PROTOCOL, "HTTP/1.1"),
		NUM(FIELD_STATUS, 200), NUM(FIELD_REQUEST_TIME, 0.012),
		NUM(FIELD_BODY_BYTES_SENT, 183321) } },
	{ "micros, app -1", "[pid: 8186|app: -1|req: -1/11] 192.0.2.11 () {28 vars in 301 bytes} [Sun Nov 22 14:50:20 2026] GET /nope => generated 21 bytes in 1534 micros (HTTP/1.0 404) 2 headers in 71 bytes (1 switches on core 0)",
	    PARSE_OK, 1795359020000, NULL,
	    { NUM(FIELD_REQUEST_TIME, 0.001534), NUM(FIELD_STATUS, 404),
		TXT(FIELD_PROTOCOL, "HTTP/1.0") } },
	{ "vhost", "api.example.net [pid: 8186|app: 0|req: 12/12] 192.0.2.12 () {30 vars in 380 bytes} [Sun Nov 22 14:50:21 2026] POST /v1/items?dry=1 => generated 2 bytes in 5 msecs (HTTP/2.0 201) 2 headers in 64 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL,
	    { TXT(FIELD_HOST, "api.example.net"), TXT(FIELD_METHOD, "POST"),
		TXT(FIELD_QUERY, "dry=1"), NUM(FIELD_STATUS, 201) } },
	{ "memory report", "{address space usage: 181026816 bytes/172MB} {rss usage: 39911424 bytes/38MB} [pid: 8186|app: 0|req: 13/13] 192.0.2.13 () {30 vars in 371 bytes} [Sun Nov 22 14:50:22 2026] GET /v1/items => generated 31 bytes in 50 msecs (HTTP/1.1 200) 2 headers in 71 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL,
	    { NUM(FIELD_PID, 8186), ABS(FIELD_HOST), TXT(FIELD_PATH, "/v1/items") } },
	{ "minimal form", "[pid: 8186|app: 0|req: 14/14] 0.0.0.0 () {30 vars in 9000 bytes} [Sun Nov 22 14:50:23 2026] - - => generated 0 bytes in 0 msecs (- 414) 0 headers in 0 bytes (0 switches on core 0)",
	    PARSE_OK, 0, NULL,
	    { NUM(FIELD_STATUS, 414), TXT(FIELD_PROTOCOL, "-"),
		TXT(FIELD_REQUEST, "- -") } },
	{ "log-date request", "Sun Nov 22 15:50:10 2026 - [pid: 8186|app: 0|req: 2/1] 127.0.0.1 () {30 vars in 359 bytes} [Sun Nov 22 15:50:09 2026] GET /uwsgi/ok => generated 3 bytes in 0 msecs (HTTP/1.1 200) 2 headers in 64 bytes (1 switches on core 0)",
	    PARSE_OK, T_0809, NULL, { NUM(FIELD_STATUS, 200) } },
	/* corners */
	{ "uri with => generated", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET /a => generated 1 => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL,
	    { TXT(FIELD_PATH, "/a => generated 1"), NUM(FIELD_BODY_BYTES_SENT, 5) } },
	{ "user with paren", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 (a)b) {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET / => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL, { TXT(FIELD_REMOTE_USER, "a)b") } },
	{ "\\x22 in uri", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET /q?a=\\x22b\\x22 => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL, { TXT(FIELD_QUERY, "a=\\x22b\\x22") } },
	{ "invalid UTF-8 in uri", "[pid: 1|app: 0|req: 1/1] 1.2.3.4 () {1 vars in 1 bytes} [Sun Nov 22 15:50:09 2026] GET /caf\xc3\x28\xff => generated 5 bytes in 1 msecs (HTTP/1.1 200) 1 headers in 1 bytes (1 switches on core 0)",
	    PARSE_OK, 0, NULL, { TXT(FIELD_PATH, "/caf\xc3\x28\xff") } },
	{ "CRLF", "DAMN ! worker 1 (pid: 8100) died, killed by signal 9 :( trying respawn ...\r\n",
	    PARSE_OK, NO_TIME, "worker_killed",
	    { TXT(FIELD_MESSAGE, "DAMN ! worker 1 (pid: 8100) died, killed by signal 9 :( trying respawn ...") } },
	{ "huge worker pid", "*** HARAKIRI ON WORKER 1 (pid: 99999999999999999999, try: 1) ***",
	    PARSE_OK, NO_TIME, "worker_timeout",
	    { NUM(FIELD_WORKER_ID, 1), ABS(FIELD_WORKER_PID) } },
	{ "huge signal", "DAMN ! worker 1 (pid: 2) died, killed by signal 99999999999999999999 :( trying respawn ...",
	    PARSE_OK, NO_TIME, "worker_killed", { ABS(FIELD_SIGNAL) } },
	{ "cut in listen queue", "*** uWSGI listen queue of socket \"127.0.0.1:33029\" (fd: 3) full !!! (3/",
	    PARSE_OK, NO_TIME, "listen_queue_full",
	    { NUM(FIELD_LISTEN_QUEUE, 3), ABS(FIELD_LISTEN_QUEUE_MAX) } },
	{ "bad date prefix is text", "Sun Nox 22 15:50:13 2026 - something",
	    PARSE_OK, NO_TIME, "other",
	    { TXT(FIELD_MESSAGE, "Sun Nox 22 15:50:13 2026 - something") } },
	{ "nginx access line is free text", "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" \"curl/7.88.1\"",
	    PARSE_OK, NO_TIME, "other", { ABS(FIELD_STATUS) } },
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

static void
check_event(const char *name, const struct log_event *ev,
    const struct exp *exp, size_t n)
{
	for (size_t i = 0; i < n && exp[i].how != X_END; i++) {
		const struct exp *x = &exp[i];

		switch (x->how) {
		case X_TEXT:
			if (!event_has(ev, x->id) ||
			    !sv_eq_cstr(ev->text[x->id], x->text))
				fail_msg("%s: field %d is \"%.*s\", want \"%s\"",
				    name, x->id,
				    event_has(ev, x->id) ? (int)ev->text[x->id].len : 6,
				    event_has(ev, x->id) ? ev->text[x->id].p : "absent",
				    x->text);
			break;
		case X_NUM:
			if (!event_has_num(ev, x->id) || ev->num[x->id] != x->num)
				fail_msg("%s: field %d num %.17g (has %d), want %.17g",
				    name, x->id, ev->num[x->id],
				    event_has_num(ev, x->id), x->num);
			break;
		case X_ABSENT:
			if (event_has(ev, x->id))
				fail_msg("%s: field %d should be absent, is "
					 "\"%.*s\"",
				    name, x->id, (int)ev->text[x->id].len,
				    ev->text[x->id].p);
			break;
		default:
			fail_msg("%s: bad expectation", name);
		}
	}
}

static struct parser_prog *
compile_zone(const char *tz)
{
	struct parser_opts opts = { NULL, tz, NULL };
	char err[256];
	struct parser_prog *prog = uwsgi_parser.compile(&opts, err, sizeof(err));

	if (prog == NULL)
		fail_msg("compile %s: %s", tz ? tz : "(host)", err);
	return prog;
}

static void
test_cases(void **state)
{
	struct parser_prog *prog = compile_zone("UTC");
	struct log_event ev;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const struct tcase *c = &cases[i];
		enum parse_rc rc = uwsgi_parser.parse(prog, c->line,
		    strlen(c->line), &ev);

		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (err %s)", c->name, rc, c->rc,
			    ev.err ? ev.err : "-");
		if (rc == PARSE_BAD && (ev.err == NULL || ev.err[0] == '\0'))
			fail_msg("%s: PARSE_BAD without a message", c->name);
		if (rc != PARSE_OK)
			continue;
		if (c->time_ms == NO_TIME ? ev.time_ms != EVENT_TIME_NONE
					  : c->time_ms && ev.time_ms != c->time_ms)
			fail_msg("%s: time %lld, want %lld", c->name,
			    (long long)ev.time_ms, (long long)c->time_ms);
		if (c->kind == NULL ? event_has(&ev, FIELD_ERROR)
				    : !sv_eq_cstr(ev.text[FIELD_ERROR], c->kind))
			fail_msg("%s: kind \"%.*s\", want \"%s\"", c->name,
			    event_has(&ev, FIELD_ERROR) ? (int)ev.text[FIELD_ERROR].len : 4,
			    event_has(&ev, FIELD_ERROR) ? ev.text[FIELD_ERROR].p : "none",
			    c->kind ? c->kind : "none");
		if ((ev.numeric & ~ev.present) != 0)
			fail_msg("%s: numeric without text", c->name);
		if ((ev.present & ~uwsgi_parser.produces(prog)) != 0)
			fail_msg("%s: field outside produces()", c->name);
		check_event(c->name, &ev, c->exp, NELEM(c->exp));
	}
	uwsgi_parser.prog_free(prog);
}

static void
test_zone_and_want(void **state)
{
	const char *req = cases[0].line, *hk = cases[3].line;
	struct parser_prog *prog = compile_zone("Europe/Berlin");
	struct log_event ev;
	char err[256];
	struct parser_opts bad = { NULL, "No/Such_Zone", NULL };

	(void)state;
	assert_int_equal(uwsgi_parser.parse(prog, req, strlen(req), &ev),
	    PARSE_OK);
	assert_int_equal(ev.time_ms, T_0809 - 3600000);
	assert_int_equal(uwsgi_parser.parse(prog, hk, strlen(hk), &ev),
	    PARSE_OK);
	assert_int_equal(ev.time_ms, T_0809 - 1000 - 3600000);
	uwsgi_parser.want(prog, UINT64_C(1) << FIELD_STATUS);
	assert_int_equal(uwsgi_parser.parse(prog, req, strlen(req), &ev),
	    PARSE_OK);
	assert_true(event_has_num(&ev, FIELD_STATUS));
	assert_false(event_has(&ev, FIELD_PATH));
	uwsgi_parser.prog_free(prog);
	assert_null(uwsgi_parser.compile(&bad, err, sizeof(err)));
	assert_non_null(strstr(err, "No/Such_Zone"));
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
	struct parser_prog *prog = compile_zone("UTC");
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

static void
test_files(void **state)
{
	static const struct {
		const char *path;
		size_t min_requests, min_classified;
	} files[] = {
		{ "tests/data/realstack/uwsgi.log", 5, 3 },
		{ "tests/data/uwsgi/source-worded.log", 5, 5 },
	};
	struct parser_prog *prog = compile_zone("UTC");
	struct log_event ev;
	char line[8192];

	(void)state;
	for (size_t i = 0; i < NELEM(files); i++) {
		FILE *f = fopen(files[i].path, "r");
		size_t nreq = 0, ncls = 0, nline = 0;

		if (f == NULL)
			fail_msg("%s: cannot open (run from the repository root)",
			    files[i].path);
		while (fgets(line, sizeof(line), f) != NULL) {
			enum parse_rc rc = uwsgi_parser.parse(prog, line,
			    strlen(line), &ev);

			nline++;
			if (rc != PARSE_OK)
				fail_msg("%s:%zu: rc %d (%s)", files[i].path, nline,
				    rc, ev.err ? ev.err : "-");
			if (event_has_num(&ev, FIELD_STATUS))
				nreq++;
			else if (!sv_eq_cstr(ev.text[FIELD_ERROR], "other"))
				ncls++;
		}
		fclose(f);
		if (nreq < files[i].min_requests ||
		    ncls < files[i].min_classified)
			fail_msg("%s: %zu requests, %zu classified", files[i].path,
			    nreq, ncls);
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
