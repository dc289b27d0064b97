/*
 * test_gunicorn_error - gunicorn error log records -> classified events.
 *
 * Lines marked "realstack" are copied from tests/data/realstack/ (real
 * gunicorn 20.1.0 output, see its README.md); lines marked "source" are
 * in tests/data/gunicorn_error/source-worded.log, hand-written from
 * gunicorn's source wording (see its README). Both files are also read
 * whole, grouped into records with is_continuation as a source does.
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

#define T_0606 1795362606000 /* 2026-11-22T15:50:06Z */

#define TB_BOOM                                                              \
	"Traceback (most recent call last):\n"                               \
	"  File \"/usr/lib/python3/dist-packages/gunicorn/workers/sync.py\", line 136, in handle\n" \
	"    self.handle_request(listener, req, client, addr)\n"             \
	"  File \"/work/main/tests/integration/app.py\", line 73, in application\n" \
	"    raise RuntimeError(\"boom: provoked by the klaxon capture\")\n" \
	"RuntimeError: boom: provoked by the klaxon capture"

static const struct tcase {
	const char *name, *line;
	enum parse_rc rc;
	int64_t time_ms; /* 0: not checked */
	const char *kind;
	struct exp exp[10];
} cases[] = {
	/* realstack */
	{ "starting", "[2026-11-22 15:50:06 +0000] [8073] [INFO] Starting gunicorn 20.1.0",
	    PARSE_OK, T_0606, "other",
	    { TXT(FIELD_LEVEL, "INFO"), NUM(FIELD_PID, 8073),
		TXT(FIELD_PID, "8073"),
		TXT(FIELD_MESSAGE, "Starting gunicorn 20.1.0"),
		TXT(FIELD_TIME, "2026-11-22 15:50:06 +0000"),
		ABS(FIELD_WORKER_PID), ABS(FIELD_TRACEBACK) } },
	{ "booting", "[2026-11-22 15:50:06 +0000] [8090] [INFO] Booting worker with pid: 8090",
	    PARSE_OK, T_0606, "worker_booted",
	    { NUM(FIELD_WORKER_PID, 8090), NUM(FIELD_PID, 8090) } },
	{ "worker timeout", "[2026-11-22 15:50:09 +0000] [8077] [CRITICAL] WORKER TIMEOUT (pid:8091)",
	    PARSE_OK, T_0606 + 3000, "worker_timeout",
	    { TXT(FIELD_LEVEL, "CRITICAL"), NUM(FIELD_PID, 8077),
		NUM(FIELD_WORKER_PID, 8091), TXT(FIELD_WORKER_PID, "8091"),
		ABS(FIELD_SIGNAL) } },
	{ "worker exiting", "[2026-11-22 15:50:09 +0000] [8091] [INFO] Worker exiting (pid: 8091)",
	    PARSE_OK, T_0606 + 3000, "worker_exited",
	    { NUM(FIELD_WORKER_PID, 8091) } },
	{ "error handling request + traceback", "[2026-11-22 15:50:08 +0000] [8090] [ERROR] Error handling request /boom\n" TB_BOOM,
	    PARSE_OK, T_0606 + 2000, "error_handling_request",
	    { TXT(FIELD_LEVEL, "ERROR"),
		TXT(FIELD_MESSAGE, "Error handling request /boom"),
		TXT(FIELD_TRACEBACK, TB_BOOM) } },
	{ "handling signal", "[2026-11-22 15:50:21 +0000] [8073] [INFO] Handling signal: term",
	    PARSE_OK, T_0606 + 15000, "other",
	    { TXT(FIELD_MESSAGE, "Handling signal: term") } },
	/* source-worded */
	{ "sigkill oom", "[2026-11-22 14:46:12 +0000] [25228] [ERROR] Worker (pid:25238) was sent SIGKILL! Perhaps out of memory?",
	    PARSE_OK, 1795358772000, "worker_killed",
	    { NUM(FIELD_WORKER_PID, 25238), NUM(FIELD_SIGNAL, 9),
		TXT(FIELD_SIGNAL, "SIGKILL"), NUM(FIELD_PID, 25228) } },
	{ "sigterm", "[2026-11-22 14:46:13 +0000] [25228] [INFO] Worker (pid:25239) was sent SIGTERM!",
	    PARSE_OK, 0, "worker_killed",
	    { NUM(FIELD_WORKER_PID, 25239), NUM(FIELD_SIGNAL, 15) } },
	{ "sigsegv", "[2026-11-22 14:46:13 +0000] [25228] [WARNING] Worker (pid:25239) was sent SIGSEGV!",
	    PARSE_OK, 0, "worker_killed", { NUM(FIELD_SIGNAL, 11) } },
	{ "sent code", "[2026-11-22 14:46:14 +0000] [25228] [WARNING] Worker (pid:25240) was sent code 139!",
	    PARSE_OK, 0, "worker_killed",
	    { NUM(FIELD_WORKER_PID, 25240), NUM(FIELD_SIGNAL, 139) } },
	{ "sent signal", "[2026-11-22 14:46:14 +0000] [25228] [WARNING] Worker (pid:25244) was sent signal 77!",
	    PARSE_OK, 0, "worker_killed", { NUM(FIELD_SIGNAL, 77) } },
	{ "unknown signal name", "[2026-11-22 14:46:14 +0000] [25228] [WARNING] Worker (pid:25244) was sent SIGFOO!",
	    PARSE_OK, 0, "worker_killed",
	    { NUM(FIELD_WORKER_PID, 25244), ABS(FIELD_SIGNAL) } },
	{ "exited with code", "[2026-11-22 14:46:15 +0000] [25228] [ERROR] Worker (pid:25241) exited with code 1.",
	    PARSE_OK, 0, "worker_exited",
	    { NUM(FIELD_WORKER_PID, 25241), ABS(FIELD_SIGNAL) } },
	{ "20.1 terminated", "[2026-11-22 14:46:16 +0000] [25228] [WARNING] Worker with pid 25242 was terminated due to signal 9",
	    PARSE_OK, 0, "worker_killed",
	    { NUM(FIELD_WORKER_PID, 25242), NUM(FIELD_SIGNAL, 9) } },
	{ "failed to boot", "[2026-11-22 14:46:17 +0000] [25228] [INFO] Reason: Worker failed to boot.",
	    PARSE_OK, 0, "other", { ABS(FIELD_WORKER_PID) } },
	{ "zone +0100", "[2026-11-22 15:46:18 +0100] [25243] [ERROR] Error handling request (no URI read)",
	    PARSE_OK, 1795358778000, "error_handling_request", { { 0 } } },
	{ "zone -0800", "[2026-11-22 06:46:18 -0800] [1] [DEBUG] x",
	    PARSE_OK, 1795358778000, "other", { TXT(FIELD_LEVEL, "DEBUG") } },
	/* corners */
	{ "huge worker pid", "[2026-11-22 14:46:12 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:99999999999999999999)",
	    PARSE_OK, 0, "worker_timeout", { ABS(FIELD_WORKER_PID) } },
	{ "huge signal", "[2026-11-22 14:46:12 +0000] [1] [WARNING] Worker with pid 2 was terminated due to signal 99999999999999999999",
	    PARSE_OK, 0, "worker_killed",
	    { NUM(FIELD_WORKER_PID, 2), ABS(FIELD_SIGNAL) } },
	{ "cut in worker pid", "[2026-11-22 14:46:12 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:12",
	    PARSE_OK, 0, "worker_timeout", { NUM(FIELD_WORKER_PID, 12) } },
	{ "\\x22 in message", "[2026-11-22 14:46:12 +0000] [1] [ERROR] Error handling request /q?a=\\x22b\\x22",
	    PARSE_OK, 0, "error_handling_request",
	    { TXT(FIELD_MESSAGE, "Error handling request /q?a=\\x22b\\x22") } },
	{ "invalid UTF-8", "[2026-11-22 14:46:12 +0000] [1] [ERROR] Error handling request /caf\xc3\x28\xff",
	    PARSE_OK, 0, "error_handling_request", { { 0 } } },
	{ "CRLF", "[2026-11-22 15:50:06 +0000] [8073] [INFO] Using worker: sync\r\n",
	    PARSE_OK, T_0606, "other", { TXT(FIELD_MESSAGE, "Using worker: sync") } },
	{ "CRLF traceback", "[2026-11-22 15:50:06 +0000] [1] [ERROR] Error handling request /x\r\nTraceback (most recent call last):\r\nValueError: x\r\n",
	    PARSE_OK, 0, "error_handling_request",
	    { TXT(FIELD_MESSAGE, "Error handling request /x"),
		TXT(FIELD_TRACEBACK, "Traceback (most recent call last):\r\nValueError: x") } },
	{ "empty message", "[2026-11-22 15:50:06 +0000] [1] [INFO]",
	    PARSE_OK, 0, "other", { TXT(FIELD_MESSAGE, "") } },
	{ "empty", "", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "newline only", "\r", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "nginx error line", "2026/11/22 14:45:48 [notice] 123#123: signal process started", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "access line", "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" \"curl/7.88.1\"", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "traceback line alone", "Traceback (most recent call last):", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "bad month", "[2026-13-22 15:50:06 +0000] [1] [INFO] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "bad date 30 feb", "[2026-02-30 15:50:06 +0000] [1] [INFO] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "no zone", "[2026-11-22 15:50:06] [1] [INFO] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "bad zone", "[2026-11-22 15:50:06 +2500] [1] [INFO] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "huge pid", "[2026-11-22 15:50:06 +0000] [99999999999999999999] [INFO] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "pid not a number", "[2026-11-22 15:50:06 +0000] [abc] [INFO] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "cut in level", "[2026-11-22 15:50:06 +0000] [1] [INF", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "empty level", "[2026-11-22 15:50:06 +0000] [1] [] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "level too long", "[2026-11-22 15:50:06 +0000] [1] [ABCDEFGHIJKLMNOPQRSTUVWXYZ] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "cut in time", "[2026-11-22 15:50", PARSE_BAD, 0, NULL, { { 0 } } },
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
compile(void)
{
	char err[256];
	struct parser_prog *prog = gunicorn_error_parser.compile(NULL, err,
	    sizeof(err));

	if (prog == NULL)
		fail_msg("compile: %s", err);
	return prog;
}

static void
test_cases(void **state)
{
	struct parser_prog *prog = compile();
	struct log_event ev;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const struct tcase *c = &cases[i];
		enum parse_rc rc = gunicorn_error_parser.parse(prog, c->line,
		    strlen(c->line), &ev);

		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (err %s)", c->name, rc, c->rc,
			    ev.err ? ev.err : "-");
		if (rc == PARSE_BAD && (ev.err == NULL || ev.err[0] == '\0'))
			fail_msg("%s: PARSE_BAD without a message", c->name);
		if (rc != PARSE_OK)
			continue;
		if (c->time_ms && ev.time_ms != c->time_ms)
			fail_msg("%s: time %lld, want %lld", c->name,
			    (long long)ev.time_ms, (long long)c->time_ms);
		if (ev.time_ms == EVENT_TIME_NONE)
			fail_msg("%s: no time", c->name);
		if (!sv_eq_cstr(ev.text[FIELD_ERROR], c->kind))
			fail_msg("%s: kind \"%.*s\", want \"%s\"", c->name,
			    (int)ev.text[FIELD_ERROR].len, ev.text[FIELD_ERROR].p,
			    c->kind);
		if ((ev.numeric & ~ev.present) != 0)
			fail_msg("%s: numeric without text", c->name);
		if ((ev.present & ~gunicorn_error_parser.produces(prog)) != 0)
			fail_msg("%s: field outside produces()", c->name);
		check_event(c->name, &ev, c->exp, NELEM(c->exp));
	}
	gunicorn_error_parser.prog_free(prog);
}

static void
test_continuation(void **state)
{
	static const struct {
		const char *line;
		bool cont;
	} cases_c[] = {
		{ "[2026-11-22 15:50:06 +0000] [1] [INFO] x", false },
		{ "[2026-11-22 ", false },
		{ "[2026-11-22", true },
		{ "Traceback (most recent call last):", true },
		{ "  File \"/x.py\", line 1, in f", true },
		{ "RuntimeError: boom", true },
		{ "", true },
		{ "[pid: 1|app: 0|req: 1/1] x", true },
	};
	char err[64];
	struct parser_opts fmt = { "%(h)s", NULL, NULL };

	(void)state;
	for (size_t i = 0; i < NELEM(cases_c); i++) {
		bool got = gunicorn_error_parser.is_continuation(NULL,
		    cases_c[i].line, strlen(cases_c[i].line));

		if (got != cases_c[i].cont)
			fail_msg("\"%s\": %d", cases_c[i].line, got);
	}
	assert_null(gunicorn_error_parser.compile(&fmt, err, sizeof(err)));
	gunicorn_error_parser.prog_free(NULL);
}

/* A 1 MiB record (head + a long traceback): no crash, all of it kept. */
static void
test_huge(void **state)
{
	const size_t cap = 1024 * 1024;
	const char *head = "[2026-11-22 15:50:06 +0000] [1] [ERROR] Error handling request /x\n";
	char *buf = malloc(cap);
	struct parser_prog *prog = compile();
	struct log_event ev;
	size_t n = strlen(head);

	(void)state;
	assert_non_null(buf);
	memcpy(buf, head, n);
	for (; n < cap; n++)
		buf[n] = (n % 80 == 0) ? '\n' : 'x';
	buf[cap - 1] = 'x';
	assert_int_equal(gunicorn_error_parser.parse(prog, buf, cap, &ev),
	    PARSE_OK);
	assert_int_equal(ev.text[FIELD_TRACEBACK].len, cap - strlen(head));
	/* One 1 MiB line: the message is all of it. */
	memset(buf + strlen(head) - 1, 'y', cap - strlen(head) + 1);
	assert_int_equal(gunicorn_error_parser.parse(prog, buf, cap, &ev),
	    PARSE_OK);
	assert_false(event_has(&ev, FIELD_TRACEBACK));
	assert_int_equal(ev.text[FIELD_MESSAGE].len, cap - 40);
	free(buf);
	gunicorn_error_parser.prog_free(prog);
}

static void
parse_file(const char *path, struct parser_prog *prog, size_t *nrec,
    size_t *ntb)
{
	static const char *const kinds[] = { "worker_timeout", "worker_killed",
		"worker_exited", "worker_booted", "error_handling_request",
		"other" };
	FILE *f = fopen(path, "r");
	char line[8192], *rec = malloc(1 << 20);
	size_t rlen = 0;
	bool more = true;
	struct log_event ev;

	if (f == NULL)
		fail_msg("%s: cannot open (run from the repository root)", path);
	assert_non_null(rec);
	while (more) {
		size_t n = 0;

		more = fgets(line, sizeof(line), f) != NULL;
		if (more) {
			n = strlen(line);
			if (n && line[n - 1] == '\n')
				line[--n] = '\0';
		}
		if (more && rlen > 0 &&
		    gunicorn_error_parser.is_continuation(prog, line, n)) {
			rec[rlen++] = '\n';
			memcpy(rec + rlen, line, n);
			rlen += n;
			continue;
		}
		if (rlen > 0) {
			size_t k;

			if (gunicorn_error_parser.parse(prog, rec, rlen, &ev) !=
			    PARSE_OK)
				fail_msg("%s: record %zu not OK: %s", path, *nrec,
				    ev.err ? ev.err : "skip");
			for (k = 0; k < NELEM(kinds); k++) {
				if (sv_eq_cstr(ev.text[FIELD_ERROR], kinds[k]))
					break;
			}
			if (k == NELEM(kinds))
				fail_msg("%s: record %zu: unknown kind", path, *nrec);
			if (k < 4 && !event_has_num(&ev, FIELD_WORKER_PID))
				fail_msg("%s: record %zu: no worker_pid", path,
				    *nrec);
			if (event_has(&ev, FIELD_TRACEBACK))
				(*ntb)++;
			(*nrec)++;
		}
		memcpy(rec, line, n);
		rlen = n;
	}
	fclose(f);
	free(rec);
}

static void
test_files(void **state)
{
	static const struct {
		const char *path;
		size_t min_records, min_tracebacks;
	} files[] = {
		/* realstack: a re-capture may differ by a line or two */
		{ "tests/data/realstack/gunicorn-error.log", 8, 1 },
		{ "tests/data/realstack/gunicorn-error-custom.log", 6, 1 },
		{ "tests/data/realstack/gunicorn-wt-error.log", 6, 0 },
		{ "tests/data/realstack/gunicorn-gevent-error.log", 4, 0 },
		{ "tests/data/gunicorn_error/source-worded.log", 8, 1 },
	};
	struct parser_prog *prog = compile();

	(void)state;
	for (size_t i = 0; i < NELEM(files); i++) {
		size_t nrec = 0, ntb = 0;

		parse_file(files[i].path, prog, &nrec, &ntb);
		if (nrec < files[i].min_records ||
		    ntb < files[i].min_tracebacks)
			fail_msg("%s: %zu records, %zu tracebacks", files[i].path,
			    nrec, ntb);
	}
	gunicorn_error_parser.prog_free(prog);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
