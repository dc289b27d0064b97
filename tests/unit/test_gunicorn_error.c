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

#define TB_IMPORT                                                            \
	"Traceback (most recent call last):\n"                               \
	"  File \"/usr/lib/python3/dist-packages/gunicorn/arbiter.py\", line 589, in spawn_worker\n" \
	"    worker.init_process()\n"                                        \
	"  File \"/usr/lib/python3/dist-packages/gunicorn/util.py\", line 359, in import_app\n" \
	"    mod = importlib.import_module(module)\n"                        \
	"ModuleNotFoundError: No module named 'myapp'"

static const struct testutil_kind_case cases[] = {
	/* realstack */
	{ "starting", "[2026-11-22 15:50:06 +0000] [8073] [INFO] Starting gunicorn 20.1.0",
	    PARSE_OK, T_0606, "master_starting",
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
	    PARSE_OK, T_0606 + 15000, "master_signal",
	    { TXT("message", "Handling signal: term"), TXT("signal", "term"),
		NUM("signal", 15) } },
	/* source-worded */
	{ "sigkill oom", "[2026-11-22 14:46:12 +0000] [25228] [ERROR] Worker (pid:25238) was sent SIGKILL! Perhaps out of memory?",
	    PARSE_OK, 1795358772000, "worker_killed",
	    { NUM("worker_pid", 25238), NUM("signal", 9),
		TXT("signal", "SIGKILL"), NUM("pid", 25228) } },
	/* issue 9: SIGTERM is a stop at every deploy, not a kill */
	{ "sigterm", "[2026-11-22 14:46:13 +0000] [25228] [INFO] Worker (pid:25239) was sent SIGTERM!",
	    PARSE_OK, 0, "worker_stopped",
	    { NUM("worker_pid", 25239), NUM("signal", 15) } },
	{ "sigint", "[2026-11-22 14:46:13 +0000] [25228] [ERROR] Worker (pid:25239) was sent SIGINT!",
	    PARSE_OK, 0, "worker_stopped", { NUM("signal", 2) } },
	{ "sigquit", "[2026-11-22 14:46:13 +0000] [25228] [ERROR] Worker (pid:25239) was sent SIGQUIT!",
	    PARSE_OK, 0, "worker_stopped", { NUM("signal", 3) } },
	{ "20.1 terminated by 15", "[2026-11-22 14:46:16 +0000] [25228] [WARNING] Worker with pid 25242 was terminated due to signal 15",
	    PARSE_OK, 0, "worker_stopped",
	    { NUM("worker_pid", 25242), NUM("signal", 15) } },
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
	/* issue 9: boot failures, bind failures, clients gone, lifecycle */
	{ "failed to boot", "[2026-11-22 14:46:17 +0000] [25228] [INFO] Reason: Worker failed to boot.",
	    PARSE_OK, 0, "boot_failed", { ABS("worker_pid") } },
	{ "app failed to load", "[2026-11-22 14:46:17 +0000] [25228] [INFO] Reason: App failed to load.",
	    PARSE_OK, 0, "boot_failed", { { 0 } } },
	{ "other reason", "[2026-11-22 14:46:17 +0000] [25228] [INFO] Reason: lunch",
	    PARSE_OK, 0, "other", { { 0 } } },
	{ "exception in worker", "[2026-11-22 14:46:17 +0000] [25245] [ERROR] Exception in worker process\n" TB_IMPORT,
	    PARSE_OK, 0, "worker_boot_failed",
	    { NUM("worker_pid", 25245), NUM("pid", 25245),
		TXT("traceback", TB_IMPORT) } },
	{ "exception in worker 19", "[2015-07-07 10:15:46 +0000] [13849] [ERROR] Exception in worker process:\n" TB_IMPORT,
	    PARSE_OK, 0, "worker_boot_failed", { NUM("worker_pid", 13849) } },
	{ "can't connect", "[2026-11-22 14:46:20 +0000] [25228] [ERROR] Can't connect to ('0.0.0.0', 8000)",
	    PARSE_OK, 0, "bind_failed", { ABS("errno") } },
	{ "can't connect unix", "[2026-11-22 14:46:20 +0000] [25228] [ERROR] Can't connect to /run/app/gunicorn.sock",
	    PARSE_OK, 0, "bind_failed", { { 0 } } },
	{ "connection in use", "[2026-11-22 14:46:19 +0000] [25228] [ERROR] Connection in use: ('0.0.0.0', 8000)",
	    PARSE_OK, 0, "bind_error", { ABS("errno") } },
	{ "invalid address", "[2026-11-22 14:46:19 +0000] [25228] [ERROR] Invalid address: ('10.9.9.9', 8000)",
	    PARSE_OK, 0, "bind_error", { { 0 } } },
	{ "connection failed errno", "[2026-11-22 14:46:19 +0000] [25228] [ERROR] connection to ('0.0.0.0', 8000) failed: [Errno 98] Address already in use",
	    PARSE_OK, 0, "bind_error",
	    { TXT_NUM("errno", "98", 98),
		TXT("errno_text", "Address already in use") } },
	{ "connection failed no errno", "[2026-11-22 14:46:19 +0000] [25228] [ERROR] connection to /run/x.sock failed: boom",
	    PARSE_OK, 0, "bind_error", { ABS("errno") } },
	{ "retrying", "[2026-11-22 14:46:19 +0000] [25228] [DEBUG] Retrying in 1 second.",
	    PARSE_OK, 0, "bind_retry", { { 0 } } },
	{ "epipe", "[2026-11-22 14:46:21 +0000] [25246] [DEBUG] Ignoring EPIPE",
	    PARSE_OK, 0, "client_closed_connection", { NUM("pid", 25246) } },
	{ "connection reset", "[2026-11-22 14:46:21 +0000] [25246] [DEBUG] Ignoring connection reset",
	    PARSE_OK, 0, "client_closed_connection", { { 0 } } },
	{ "not connected", "[2026-11-22 14:46:21 +0000] [25246] [DEBUG] Ignoring socket not connected",
	    PARSE_OK, 0, "client_closed_connection", { { 0 } } },
	{ "socket error", "[2026-11-22 14:46:21 +0000] [25246] [ERROR] Socket error processing request.",
	    PARSE_OK, 0, "socket_error", { { 0 } } },
	{ "starting", "[2026-11-22 14:46:22 +0000] [25228] [INFO] Starting gunicorn 23.0.0",
	    PARSE_OK, 0, "master_starting", { { 0 } } },
	{ "listening", "[2026-11-22 14:46:22 +0000] [25228] [INFO] Listening at: http://127.0.0.1:8000 (25228)",
	    PARSE_OK, 0, "master_listening", { { 0 } } },
	{ "hang up", "[2026-11-22 14:46:22 +0000] [25228] [INFO] Hang up: Master",
	    PARSE_OK, 0, "master_reloading", { { 0 } } },
	{ "shutting down", "[2026-11-22 14:46:22 +0000] [25228] [INFO] Shutting down: Master",
	    PARSE_OK, 0, "master_shutting_down", { { 0 } } },
	{ "signal int", "[2026-11-22 14:46:22 +0000] [25228] [INFO] Handling signal: int",
	    PARSE_OK, 0, "master_signal", { NUM("signal", 2) } },
	{ "signal unknown", "[2026-11-22 14:46:22 +0000] [25228] [INFO] Handling signal: foo",
	    PARSE_OK, 0, "master_signal", { ABS("signal") } },
	{ "autorestart", "[2026-11-22 14:46:22 +0000] [25246] [INFO] Autorestarting worker after current request.",
	    PARSE_OK, 0, "worker_max_requests", { NUM("worker_pid", 25246) } },
	{ "pre_request", "[2026-11-22 14:46:23 +0000] [25246] [DEBUG] GET /static/app.css",
	    PARSE_OK, 0, "request_started",
	    { TXT("method", "GET"), TXT("path", "/static/app.css") } },
	{ "pre_request root", "[2026-11-22 14:46:23 +0000] [25246] [DEBUG] POST /",
	    PARSE_OK, 0, "request_started",
	    { TXT("method", "POST"), TXT("path", "/") } },
	/* near misses: no kind for these */
	{ "not a pre_request", "[2026-11-22 14:46:23 +0000] [25246] [DEBUG] GET the / thing",
	    PARSE_OK, 0, "other", { ABS("method") } },
	{ "lowercase method", "[2026-11-22 14:46:23 +0000] [25246] [DEBUG] get /x",
	    PARSE_OK, 0, "other", { ABS("method") } },
	{ "sigterm in text", "[2026-11-22 14:46:23 +0000] [25246] [INFO] app said: was sent SIGTERM!",
	    PARSE_OK, 0, "other", { { 0 } } },
	{ "epipe in text", "[2026-11-22 14:46:23 +0000] [25246] [INFO] Not Ignoring EPIPE",
	    PARSE_OK, 0, "other", { { 0 } } },
	{ "connection in use elsewhere", "[2026-11-22 14:46:23 +0000] [25246] [INFO] db: Connection in use: 3",
	    PARSE_OK, 0, "other", { { 0 } } },
	{ "starting other", "[2026-11-22 14:46:23 +0000] [25246] [INFO] Starting gunicorns",
	    PARSE_OK, 0, "other", { { 0 } } },
	/* issue 9: gunicorn <= 19.1 wrote a local time, no brackets, no zone */
	{ "19.1 booting", "2016-10-25 08:59:54 [24924] [INFO] Booting worker with pid: 24924",
	    PARSE_OK, 1477385994000, "worker_booted",
	    { NUM("worker_pid", 24924), NUM("pid", 24924),
		TXT("level", "INFO"), TXT("time", "2016-10-25 08:59:54"),
		TXT("message", "Booting worker with pid: 24924") } },
	{ "19.1 exception + traceback", "2016-10-25 09:00:18 [24929] [ERROR] Error handling request\n" TB_BOOM,
	    PARSE_OK, 1477385994000 + 24000, "error_handling_request",
	    { TXT("traceback", TB_BOOM) } },
	{ "19.1 bad date", "2016-02-30 08:59:54 [24924] [INFO] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "19.1 no pid", "2016-10-25 08:59:54 [INFO] x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "19.1 cut", "2016-10-25 08:59:54 [249", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "date alone", "2016-10-25 is the day", PARSE_SKIP, 0, NULL, { { 0 } } },
	/* issue 9: Flask's default app log line, captured from the app's stderr */
	{ "flask exception", "[2025-04-12 16:53:34,033] ERROR in app: Exception on /results/metals [GET]\n" TB_BOOM,
	    PARSE_OK, 1744476814033, "app_exception",
	    { TXT("level", "ERROR"), TXT("logger", "app"),
		TXT("message", "Exception on /results/metals [GET]"),
		TXT("method", "GET"), TXT("path", "/results/metals"),
		TXT("time", "2025-04-12 16:53:34,033"),
		TXT("traceback", TB_BOOM), ABS("pid") } },
	{ "flask warning", "[2025-04-12 16:53:35,100] WARNING in views: cache miss for user 12",
	    PARSE_OK, 1744476815100, "app_log",
	    { TXT("level", "WARNING"), TXT("logger", "views"),
		TXT("message", "cache miss for user 12"), ABS("path") } },
	{ "flask exception odd", "[2025-04-12 16:53:35,100] ERROR in app: Exception on [GET]",
	    PARSE_OK, 0, "app_log", { ABS("path") } },
	{ "flask bad ms", "[2025-04-12 16:53:34,03] ERROR in app: x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "flask no module", "[2025-04-12 16:53:34,033] ERROR: x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "flask bad date", "[2025-04-31 16:53:34,033] ERROR in app: x", PARSE_BAD, 0, NULL, { { 0 } } },
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
	/* The zone-less forms (19.1, Flask) read in the input's zone. */
	struct parser_prog *prog =
	    testutil_compile(&gunicorn_error_parser, NULL, "UTC", NULL);

	(void)state;
	testutil_run_kind_cases(
	    &gunicorn_error_parser, prog, cases, NELEM(cases));
	gunicorn_error_parser.prog_free(prog);
}

/*
 * issue 9: a zone-less time (gunicorn <= 19.1, Flask) is local to the
 * input's timezone; a modern line's own zone wins over it.
 */
static void
test_zone(void **state)
{
	/* clang-format off */
	static const struct testutil_kind_case berlin[] = {
		{ "19.1 in CEST", "2016-10-25 10:59:54 [24924] [INFO] Booting worker with pid: 24924",
		    PARSE_OK, 1477385994000, "worker_booted", { { 0 } } },
		{ "flask in CEST", "[2025-04-12 18:53:34,033] ERROR in app: Exception on /x [GET]",
		    PARSE_OK, 1744476814033, "app_exception", { { 0 } } },
		{ "modern keeps its zone", "[2026-11-22 14:46:12 +0000] [1] [INFO] x",
		    PARSE_OK, 1795358772000, "other", { { 0 } } },
	};
	/* clang-format on */
	struct parser_prog *prog = testutil_compile(
	    &gunicorn_error_parser, NULL, "Europe/Berlin", NULL);

	(void)state;
	testutil_run_kind_cases(
	    &gunicorn_error_parser, prog, berlin, NELEM(berlin));
	gunicorn_error_parser.prog_free(prog);
	testutil_compile_fails(
	    &gunicorn_error_parser, NULL, "Mars/Olympus", NULL, "Mars");
}

static void
test_continuation(void **state)
{
	static const struct testutil_cont_case cases_c[] = {
		{ "[2026-11-22 15:50:06 +0000] [1] [INFO] x", false },
		{ "[2026-11-22 ", false },
		/* issue 9: only what a traceback holds continues a record */
		{ "[2026-11-22", false },
		{ "Traceback (most recent call last):", true },
		{ "  File \"/x.py\", line 1, in f", true },
		{ "\t\tx = 1", true },
		{ "    ^^^^^^^", true },
		{ "RuntimeError: boom", true },
		{ "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>",
		    true },
		{ "StopIteration", true },
		{ "socket.timeout: timed out", true },
		{ "socket.timeout", true },
		{ "supervisor: child process was not spawned", false },
		{ "error: x", false },
		{ "KeyError: 'first_name'", true },
		{ "During handling of the above exception, another exception occurred:",
		    true },
		{ "The above exception was the direct cause of the following exception:",
		    true },
		{ "", true },
		{ "\r", true },
		{ "[pid: 1|app: 0|req: 1/1] x", false },
		{ "2016-10-25 08:59:54 [24924] [INFO] Starting gunicorn 17.5",
		    false },
		{ "[2025-04-12 16:53:34,033] ERROR in app: Exception on /x [GET]",
		    false },
		{ "Not Found: /favicon.ico", false },
		{ "Internal Server Error: /", false },
		{ "WARNING:django.request:Not Found: /favicon.ico", false },
		{ "<Response [200]>", false },
		{ "310104047", false },
		{ "supervisor: couldn't exec /x: EACCES", false },
		{ "RuntimeError:boom", false },
		{ "Runtime Error: boom", false },
		{ "a..b: x", false },
		{ ".x: y", false },
		{ "x.: y", false },
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
		"worker_stopped", "worker_exited", "worker_booted",
		"worker_boot_failed", "worker_max_requests",
		"error_handling_request", "boot_failed", "bind_failed",
		"bind_error", "bind_retry", "client_closed_connection",
		"socket_error", "master_starting", "master_listening",
		"master_signal", "master_reloading", "master_shutting_down",
		"request_started", "app_exception", "app_log", "other" };
	size_t *ntb = arg;
	size_t k = testutil_kind_index(path, n, ev, kinds, NELEM(kinds));

	if (k < 7 && !event_has_num(ev, FIELD_WORKER_PID))
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
		{ "tests/data/gunicorn_error/kinds-issue9.log", 20, 1 },
		{ "tests/data/gunicorn_error/gunicorn19.log", 9, 1 },
		{ "tests/data/gunicorn_error/flask-app.log", 5, 2 },
	};
	struct parser_prog *prog =
	    testutil_compile(&gunicorn_error_parser, NULL, "UTC", NULL);

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
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
