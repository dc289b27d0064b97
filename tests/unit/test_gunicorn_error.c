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
#include "tests/unit/testutil.h"

#include "parsers/compat.h"

#define T_0606 1795362606000 /* 2026-11-22T15:50:06Z */

/*
 * One row per record, its line kept whole on one line (so clang-format is
 * off). time_ms 0: any time, but one there; kind NULL: no "error" field.
 */
/* clang-format off */
#define TB_BOOM                                                              \
	"Traceback (most recent call last):\n"                               \
	"  File \"/usr/lib/python3/dist-packages/gunicorn/workers/sync.py\", line 136, in handle\n" \
	"    self.handle_request(listener, req, client, addr)\n"             \
	"  File \"/work/main/tests/integration/app.py\", line 73, in application\n" \
	"    raise RuntimeError(\"boom: provoked by the klaxon capture\")\n" \
	"RuntimeError: boom: provoked by the klaxon capture"

static const struct testutil_kind_case cases[] = {
	/* realstack */
	{ "starting", "[2026-11-22 15:50:06 +0000] [8073] [INFO] Starting gunicorn 20.1.0",
	    PARSE_OK, T_0606, "other",
	    { TXT("level", "INFO"), NUM("pid", 8073),
		TXT("pid", "8073"),
		TXT("message", "Starting gunicorn 20.1.0"),
		TXT("time", "2026-11-22 15:50:06 +0000"),
		ABS("worker_pid"), ABS("traceback") } },
	{ "booting", "[2026-11-22 15:50:06 +0000] [8090] [INFO] Booting worker with pid: 8090",
	    PARSE_OK, T_0606, "worker_booted",
	    { NUM("worker_pid", 8090), NUM("pid", 8090) } },
	{ "worker timeout", "[2026-11-22 15:50:09 +0000] [8077] [CRITICAL] WORKER TIMEOUT (pid:8091)",
	    PARSE_OK, T_0606 + 3000, "worker_timeout",
	    { TXT("level", "CRITICAL"), NUM("pid", 8077),
		NUM("worker_pid", 8091), TXT("worker_pid", "8091"),
		ABS("signal") } },
	{ "worker exiting", "[2026-11-22 15:50:09 +0000] [8091] [INFO] Worker exiting (pid: 8091)",
	    PARSE_OK, T_0606 + 3000, "worker_exited",
	    { NUM("worker_pid", 8091) } },
	{ "error handling request + traceback", "[2026-11-22 15:50:08 +0000] [8090] [ERROR] Error handling request /boom\n" TB_BOOM,
	    PARSE_OK, T_0606 + 2000, "error_handling_request",
	    { TXT("level", "ERROR"),
		TXT("message", "Error handling request /boom"),
		TXT("traceback", TB_BOOM) } },
	{ "handling signal", "[2026-11-22 15:50:21 +0000] [8073] [INFO] Handling signal: term",
	    PARSE_OK, T_0606 + 15000, "other",
	    { TXT("message", "Handling signal: term") } },
	/* source-worded */
	{ "sigkill oom", "[2026-11-22 14:46:12 +0000] [25228] [ERROR] Worker (pid:25238) was sent SIGKILL! Perhaps out of memory?",
	    PARSE_OK, 1795358772000, "worker_killed",
	    { NUM("worker_pid", 25238), NUM("signal", 9),
		TXT("signal", "SIGKILL"), NUM("pid", 25228) } },
	{ "sigterm", "[2026-11-22 14:46:13 +0000] [25228] [INFO] Worker (pid:25239) was sent SIGTERM!",
	    PARSE_OK, 0, "worker_killed",
	    { NUM("worker_pid", 25239), NUM("signal", 15) } },
	{ "sigsegv", "[2026-11-22 14:46:13 +0000] [25228] [WARNING] Worker (pid:25239) was sent SIGSEGV!",
	    PARSE_OK, 0, "worker_killed", { NUM("signal", 11) } },
	{ "sent code", "[2026-11-22 14:46:14 +0000] [25228] [WARNING] Worker (pid:25240) was sent code 139!",
	    PARSE_OK, 0, "worker_killed",
	    { NUM("worker_pid", 25240), NUM("signal", 139) } },
	{ "sent signal", "[2026-11-22 14:46:14 +0000] [25228] [WARNING] Worker (pid:25244) was sent signal 77!",
	    PARSE_OK, 0, "worker_killed", { NUM("signal", 77) } },
	{ "unknown signal name", "[2026-11-22 14:46:14 +0000] [25228] [WARNING] Worker (pid:25244) was sent SIGFOO!",
	    PARSE_OK, 0, "worker_killed",
	    { NUM("worker_pid", 25244), ABS("signal") } },
	{ "exited with code", "[2026-11-22 14:46:15 +0000] [25228] [ERROR] Worker (pid:25241) exited with code 1.",
	    PARSE_OK, 0, "worker_exited",
	    { NUM("worker_pid", 25241), ABS("signal") } },
	{ "20.1 terminated", "[2026-11-22 14:46:16 +0000] [25228] [WARNING] Worker with pid 25242 was terminated due to signal 9",
	    PARSE_OK, 0, "worker_killed",
	    { NUM("worker_pid", 25242), NUM("signal", 9) } },
	{ "failed to boot", "[2026-11-22 14:46:17 +0000] [25228] [INFO] Reason: Worker failed to boot.",
	    PARSE_OK, 0, "other", { ABS("worker_pid") } },
	{ "zone +0100", "[2026-11-22 15:46:18 +0100] [25243] [ERROR] Error handling request (no URI read)",
	    PARSE_OK, 1795358778000, "error_handling_request", { { 0 } } },
	{ "zone -0800", "[2026-11-22 06:46:18 -0800] [1] [DEBUG] x",
	    PARSE_OK, 1795358778000, "other", { TXT("level", "DEBUG") } },
	/* corners */
	{ "huge worker pid", "[2026-11-22 14:46:12 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:99999999999999999999)",
	    PARSE_OK, 0, "worker_timeout", { ABS("worker_pid") } },
	{ "huge signal", "[2026-11-22 14:46:12 +0000] [1] [WARNING] Worker with pid 2 was terminated due to signal 99999999999999999999",
	    PARSE_OK, 0, "worker_killed",
	    { NUM("worker_pid", 2), ABS("signal") } },
	{ "cut in worker pid", "[2026-11-22 14:46:12 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:12",
	    PARSE_OK, 0, "worker_timeout", { NUM("worker_pid", 12) } },
	{ "\\x22 in message", "[2026-11-22 14:46:12 +0000] [1] [ERROR] Error handling request /q?a=\\x22b\\x22",
	    PARSE_OK, 0, "error_handling_request",
	    { TXT("message", "Error handling request /q?a=\\x22b\\x22") } },
	{ "invalid UTF-8", "[2026-11-22 14:46:12 +0000] [1] [ERROR] Error handling request /caf\xc3\x28\xff",
	    PARSE_OK, 0, "error_handling_request", { { 0 } } },
	{ "CRLF", "[2026-11-22 15:50:06 +0000] [8073] [INFO] Using worker: sync\r\n",
	    PARSE_OK, T_0606, "other", { TXT("message", "Using worker: sync") } },
	{ "CRLF traceback", "[2026-11-22 15:50:06 +0000] [1] [ERROR] Error handling request /x\r\nTraceback (most recent call last):\r\nValueError: x\r\n",
	    PARSE_OK, 0, "error_handling_request",
	    { TXT("message", "Error handling request /x"),
		TXT("traceback", "Traceback (most recent call last):\r\nValueError: x") } },
	{ "empty message", "[2026-11-22 15:50:06 +0000] [1] [INFO]",
	    PARSE_OK, 0, "other", { TXT("message", "") } },
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
/* clang-format on */

static void
test_cases(void **state)
{
	struct parser_prog *prog =
	    testutil_compile(&gunicorn_error_parser, NULL, NULL, NULL);

	(void)state;
	testutil_run_kind_cases(
	    &gunicorn_error_parser, prog, cases, NELEM(cases));
	gunicorn_error_parser.prog_free(prog);
}

static void
test_continuation(void **state)
{
	static const struct testutil_cont_case cases_c[] = {
		{ "[2026-11-22 15:50:06 +0000] [1] [INFO] x", false },
		{ "[2026-11-22 ", false },
		{ "[2026-11-22", true },
		{ "Traceback (most recent call last):", true },
		{ "  File \"/x.py\", line 1, in f", true },
		{ "RuntimeError: boom", true },
		{ "", true },
		{ "[pid: 1|app: 0|req: 1/1] x", true },
	};

	(void)state;
	testutil_run_cont_cases(
	    &gunicorn_error_parser, NULL, cases_c, NELEM(cases_c));
	testutil_compile_fails(
	    &gunicorn_error_parser, "%(h)s", NULL, NULL, "log_format");
	gunicorn_error_parser.prog_free(NULL);
}

/* A 1 MiB record (head + a long traceback): no crash, all of it kept. */
static void
test_huge(void **state)
{
	const size_t cap = 1024 * 1024;
	const char *head =
	    "[2026-11-22 15:50:06 +0000] [1] [ERROR] Error handling request /x\n";
	char *buf = malloc(cap);
	struct parser_prog *prog =
	    testutil_compile(&gunicorn_error_parser, NULL, NULL, NULL);
	struct log_event ev;
	size_t n = strlen(head);

	(void)state;
	assert_non_null(buf);
	memcpy(buf, head, n);
	for (; n < cap; n++)
		buf[n] = (n % 80 == 0) ? '\n' : 'x';
	buf[cap - 1] = 'x';
	assert_int_equal(
	    gunicorn_error_parser.parse(prog, buf, cap, &ev), PARSE_OK);
	assert_int_equal(ev.text[FIELD_TRACEBACK].len, cap - strlen(head));
	/* One 1 MiB line: the message is all of it. */
	memset(buf + strlen(head) - 1, 'y', cap - strlen(head) + 1);
	assert_int_equal(
	    gunicorn_error_parser.parse(prog, buf, cap, &ev), PARSE_OK);
	assert_false(event_has(&ev, FIELD_TRACEBACK));
	assert_int_equal(ev.text[FIELD_MESSAGE].len, cap - 40);
	free(buf);
	gunicorn_error_parser.prog_free(prog);
}

/*
 * Whole files, grouped into records as a source does: every record
 * parses, with a known kind and, for the worker kinds, a worker pid.
 */
static void
check_record(
    const char *path, unsigned n, const struct log_event *ev, void *arg)
{
	static const char *const kinds[] = { "worker_timeout", "worker_killed",
		"worker_exited", "worker_booted", "error_handling_request",
		"other" };
	size_t *ntb = arg;
	size_t k = testutil_kind_index(path, n, ev, kinds, NELEM(kinds));

	if (k < 4 && !event_has_num(ev, FIELD_WORKER_PID))
		fail_msg("%s: record %u: no worker_pid", path, n);
	if (event_has(ev, FIELD_TRACEBACK))
		(*ntb)++;
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
	struct parser_prog *prog =
	    testutil_compile(&gunicorn_error_parser, NULL, NULL, NULL);

	(void)state;
	for (size_t i = 0; i < NELEM(files); i++) {
		size_t ntb = 0;
		size_t nrec = testutil_parse_file(files[i].path,
		    &gunicorn_error_parser, prog, check_record, &ntb);

		if (nrec < files[i].min_records ||
		    ntb < files[i].min_tracebacks)
			fail_msg("%s: %zu records, %zu tracebacks",
			    files[i].path, nrec, ntb);
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
