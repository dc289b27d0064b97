/*
 * test_nginx_error - nginx error log records -> classified events.
 *
 * Lines marked "realstack" are copied from tests/data/realstack/ (real
 * nginx 1.22.1 output, see its README.md); lines marked "source" are in
 * tests/data/nginx_error/source-worded.log, hand-written from nginx's
 * source wording (see its README). Both files are also read whole at the
 * end, grouped into records with is_continuation as a source does.
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

#define T_0808 1795362608000 /* 2026-11-22T15:50:08Z */

/*
 * One row per record, its line kept whole on one line (so clang-format is
 * off). time_ms 0: any time, but one there; kind NULL: no "error" field.
 */
/* clang-format off */
static const struct testutil_kind_case cases[] = {
	/* realstack */
	{ "body_too_large", "2026/11/22 15:50:08 [error] 8112#8112: *61 client intended to send too large body: 10240 bytes, client: 127.0.0.1, server: realstack.local, request: \"POST /upload HTTP/1.1\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "body_too_large",
	    { TXT("level", "error"), NUM("pid", 8112),
		NUM("tid", 8112), NUM("cid", 61),
		NUM("body_bytes", 10240),
		TXT("message", "client intended to send too large body: 10240 bytes"),
		TXT("client", "127.0.0.1"),
		TXT("server", "realstack.local"),
		TXT("request", "POST /upload HTTP/1.1"),
		TXT("method", "POST"), TXT("path", "/upload"),
		TXT("protocol", "HTTP/1.1"), ABS("query"),
		TXT("host", "127.0.0.1:53883"), ABS("upstream"),
		ABS("errno") } },
	{ "chunked body_too_large", "2026/11/22 15:50:08 [error] 8112#8112: *62 client intended to send too large chunked body: 0+10240 bytes, client: 127.0.0.1, server: realstack.local, request: \"POST /upload HTTP/1.1\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "body_too_large",
	    { NUM("body_bytes", 10240), TXT("body_bytes", "0+10240"),
		TXT("request", "POST /upload HTTP/1.1") } },
	{ "chunked body_too_large sum", "2026/11/22 15:50:08 [error] 8112#8112: *62 client intended to send too large chunked body: 3145700+100 bytes, client: 127.0.0.1, server: x, request: \"POST /files HTTP/1.1\", host: \"127.0.0.1\"",
	    PARSE_OK, T_0808, "body_too_large",
	    { NUM("body_bytes", 3145800) } },
	{ "connect EAGAIN", "2026/11/22 15:50:06 [error] 8112#8112: *8 connect() to unix:/tmp/klaxon-stack.lv7R2l/run/tiny.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 127.0.0.1, server: realstack.local, request: \"GET /tiny?s=2 HTTP/1.1\", upstream: \"http://unix:/tmp/klaxon-stack.lv7R2l/run/tiny.sock:/sleep?s=2\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808 - 2000, "upstream_connect_failed",
	    { NUM("errno", 11),
		TXT("errno_text", "Resource temporarily unavailable"),
		TXT("message", "connect() to unix:/tmp/klaxon-stack.lv7R2l/run/tiny.sock failed (11: Resource temporarily unavailable) while connecting to upstream"),
		TXT("upstream", "http://unix:/tmp/klaxon-stack.lv7R2l/run/tiny.sock:/sleep?s=2"),
		TXT("path", "/tiny"), TXT("query", "s=2"),
		NUM("cid", 8) } },
	{ "connect ENOENT crit", "2026/11/22 15:50:08 [crit] 8112#8112: *83 connect() to unix:/tmp/klaxon-stack.lv7R2l/run/gone.sock failed (2: No such file or directory) while connecting to upstream, client: 127.0.0.1, server: realstack.local, request: \"GET /pair HTTP/1.1\", upstream: \"http://unix:/tmp/klaxon-stack.lv7R2l/run/gone.sock:/ok\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "upstream_connect_failed",
	    { TXT("level", "crit"), NUM("errno", 2),
		TXT("errno", "2"),
		TXT("errno_text", "No such file or directory") } },
	{ "connect ECONNREFUSED", "2026/11/22 15:50:08 [error] 8112#8112: *81 connect() to unix:/tmp/klaxon-stack.lv7R2l/run/stale.sock failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: realstack.local, request: \"GET /stale HTTP/1.1\", upstream: \"http://unix:/tmp/klaxon-stack.lv7R2l/run/stale.sock:/ok\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "upstream_connect_failed",
	    { NUM("errno", 111),
		TXT("errno_text", "Connection refused") } },
	{ "connect timeout", "2026/11/22 15:50:13 [error] 8112#8112: *203 upstream timed out (110: Connection timed out) while connecting to upstream, client: 127.0.0.1, server: realstack.local, request: \"GET /uwsgi/sleep?s=0.8 HTTP/1.1\", upstream: \"uwsgi://127.0.0.1:33029\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808 + 5000, "upstream_timed_out",
	    { NUM("errno", 110), TXT("upstream", "uwsgi://127.0.0.1:33029") } },
	{ "read timeout", "2026/11/22 15:50:07 [error] 8112#8112: *40 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: realstack.local, request: \"GET /slow?s=1.5 HTTP/1.1\", upstream: \"http://unix:/tmp/klaxon-stack.lv7R2l/run/main.sock/sleep?s=1.5\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808 - 1000, "upstream_timed_out",
	    { TXT("errno_text", "Connection timed out") } },
	{ "no live upstreams", "2026/11/22 15:50:08 [error] 8112#8112: *86 no live upstreams while connecting to upstream, client: 127.0.0.1, server: realstack.local, request: \"GET /pair HTTP/1.1\", upstream: \"http://klx_pair/ok\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "no_live_upstreams",
	    { ABS("errno"), TXT("upstream", "http://klx_pair/ok") } },
	{ "prematurely closed", "2026/11/22 15:50:08 [error] 8112#8112: *54 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: realstack.local, request: \"GET /uwsgi/sleep?s=3 HTTP/1.1\", upstream: \"uwsgi://127.0.0.1:33029\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "upstream_prematurely_closed", { ABS("errno") } },
	{ "open failed", "2026/11/22 15:50:08 [error] 8112#8112: *73 open() \"/tmp/klaxon-stack.lv7R2l/nginx/www/static/missing.css\" failed (2: No such file or directory), client: 127.0.0.1, server: realstack.local, request: \"GET /static/missing.css HTTP/1.1\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "open_failed",
	    { NUM("errno", 2),
		TXT("message", "open() \"/tmp/klaxon-stack.lv7R2l/nginx/www/static/missing.css\" failed (2: No such file or directory)"),
		TXT("path", "/static/missing.css") } },
	{ "limiting requests", "2026/11/22 15:50:08 [error] 8112#8112: *77 limiting requests, excess: 1.983 by zone \"klx_req\", client: 127.0.0.1, server: realstack.local, request: \"GET /limited.txt HTTP/1.1\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "limiting_requests",
	    { TXT("message", "limiting requests, excess: 1.983 by zone \"klx_req\"") } },
	{ "limiting connections", "2026/11/22 15:50:06 [error] 8112#8112: *56 limiting connections by zone \"klx_conn\", client: 127.0.0.1, server: realstack.local, request: \"GET /conn?s=1 HTTP/1.1\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808 - 2000, "limiting_connections", { ABS("errno") } },
	{ "other kept", "2026/11/22 15:50:08 [error] 8112#8112: *69 upstream sent no valid HTTP/1.0 header while reading response header from upstream, client: 127.0.0.1, server: realstack.local, request: \"GET /negative HTTP/1.1\", upstream: \"http://unix:/tmp/klaxon-stack.lv7R2l/run/main.sock:/negative\", host: \"127.0.0.1:53883\"",
	    PARSE_OK, T_0808, "other",
	    { TXT("message", "upstream sent no valid HTTP/1.0 header while reading response header from upstream") } },
	{ "worker_connections no cid", "2026/11/22 15:53:36 [alert] 11874#11874: 8 worker_connections are not enough",
	    PARSE_OK, T_0808 + 208000, "worker_connections_exhausted",
	    { TXT("level", "alert"), ABS("cid"), ABS("client"),
		TXT("message", "8 worker_connections are not enough") } },
	/* source-worded */
	{ "notice no cid", "2026/11/22 14:45:48 [notice] 123#123: signal process started",
	    PARSE_OK, 1795358748000, "other",
	    { TXT("level", "notice"), NUM("pid", 123),
		NUM("tid", 123), ABS("cid"),
		TXT("message", "signal process started"),
		ABS("client"), ABS("errno"), ABS("traceback") } },
	{ "tid 0", "2026/11/22 14:45:48 [notice] 123#0: signal process started",
	    PARSE_OK, 0, "other", { NUM("tid", 0) } },
	{ "accept4 EMFILE", "2026/11/22 14:46:02 [crit] 8112#8112: accept4() failed (24: Too many open files)",
	    PARSE_OK, 0, "too_many_open_files",
	    { NUM("errno", 24), TXT("errno_text", "Too many open files"),
		ABS("client") } },
	{ "open EMFILE", "2026/11/22 14:46:02 [crit] 8112#8112: *78 open() \"/var/www/static/app.css\" failed (24: Too many open files), client: 10.1.2.3, server: www.example.net, request: \"GET /static/app.css HTTP/1.1\", host: \"www.example.net\"",
	    PARSE_OK, 0, "too_many_open_files", { NUM("errno", 24) } },
	{ "worker_connections upstream", "2026/11/22 14:46:01 [alert] 8112#8112: *77 512 worker_connections are not enough while connecting to upstream, client: 10.1.2.3, server: api.example.net, request: \"GET /v1/items HTTP/1.1\", upstream: \"http://127.0.0.1:8000/v1/items\", host: \"api.example.net\"",
	    PARSE_OK, 0, "worker_connections_exhausted",
	    { TXT("server", "api.example.net") } },
	{ "invalid header", "2026/11/22 14:46:03 [error] 8112#8112: *80 upstream sent invalid header: \"X-Debug\\x0D...\" while reading response header from upstream, client: 10.1.2.3, server: api.example.net, request: \"GET /v1/debug HTTP/1.1\", upstream: \"http://127.0.0.1:8000/v1/debug\", host: \"api.example.net\"",
	    PARSE_OK, 0, "upstream_sent_invalid_header",
	    { TXT("upstream", "http://127.0.0.1:8000/v1/debug") } },
	{ "buffered + referrer with comma", "2026/11/22 14:46:04 [warn] 8112#8112: *81 an upstream response is buffered to a temporary file /var/lib/nginx/proxy/1/00/0000000001 while reading upstream, client: 10.1.2.3, server: api.example.net, request: \"GET /v1/export.csv HTTP/1.1\", upstream: \"http://127.0.0.1:8000/v1/export.csv\", host: \"api.example.net\", referrer: \"https://app.example.net/reports?from=2026-11-01, to=2026-11-22\"",
	    PARSE_OK, 0, "upstream_buffering_to_temp_file",
	    { TXT("level", "warn"),
		TXT("host", "api.example.net"),
		TXT("referrer", "https://app.example.net/reports?from=2026-11-01, to=2026-11-22") } },
	{ "ssl handshake, no request", "2026/11/22 14:46:05 [info] 8112#8112: *82 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: 10.9.8.7, server: 0.0.0.0:443",
	    PARSE_OK, 0, "ssl_handshake_failed",
	    { ABS("errno"), TXT("client", "10.9.8.7"),
		TXT("server", "0.0.0.0:443"), ABS("request"),
		ABS("host") } },
	{ "client timed out", "2026/11/22 14:46:06 [info] 8112#8112: *83 client timed out (110: Connection timed out) while reading client request headers, client: 10.9.8.7, server: api.example.net, request: \"POST /v1/upload HTTP/1.1\", host: \"api.example.net\"",
	    PARSE_OK, 0, "client_timed_out", { NUM("errno", 110) } },
	{ "client closed", "2026/11/22 14:46:07 [info] 8112#8112: *84 client closed connection while waiting for request, client: 10.9.8.7, server: 0.0.0.0:80",
	    PARSE_OK, 0, "client_closed_connection",
	    { TXT("server", "0.0.0.0:80") } },
	{ "client prematurely closed", "2026/11/22 14:46:07 [info] 8112#8112: *85 client prematurely closed connection while sending to client, client: 10.9.8.7, server: www.example.net, request: \"GET /big.iso HTTP/1.1\", upstream: \"http://127.0.0.1:8000/big.iso\", host: \"www.example.net\"",
	    PARSE_OK, 0, "client_closed_connection", { { 0 } } },
	{ "recv reset, subrequest", "2026/11/22 14:46:08 [error] 8112#8112: *86 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 10.1.2.3, server: api.example.net, request: \"GET /v1/items HTTP/1.1\", subrequest: \"/auth\", upstream: \"http://127.0.0.1:9000/auth\", host: \"api.example.net\"",
	    PARSE_OK, 0, "other",
	    { NUM("errno", 104), TXT("request", "GET /v1/items HTTP/1.1"),
		TXT("upstream", "http://127.0.0.1:9000/auth") } },
	{ "stream context", "2026/11/22 14:46:10 [error] 8112#8112: *95 connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.2.3, server: 0.0.0.0:5432, upstream: \"10.0.0.5:5432\", bytes from/to client:0/0, bytes from/to upstream:0/0",
	    PARSE_OK, 0, "upstream_connect_failed",
	    { TXT("upstream", "10.0.0.5:5432"), TXT("server", "0.0.0.0:5432"),
		ABS("request"), NUM("errno", 111) } },
	{ "connect EHOSTUNREACH", "2026/11/22 14:46:11 [error] 8112#8112: *96 connect() to 10.0.0.7:8000 failed (113: No route to host) while connecting to upstream, client: 10.1.2.3, server: api.example.net, request: \"GET /v1/items HTTP/1.1\", upstream: \"http://10.0.0.7:8000/v1/items\", host: \"api.example.net\"",
	    PARSE_OK, 0, "upstream_connect_failed",
	    { NUM("errno", 113), TXT("errno_text", "No route to host") } },
	{ "connect EACCES", "2026/11/22 14:46:11 [crit] 8112#8112: *97 connect() to unix:/run/app.sock failed (13: Permission denied) while connecting to upstream, client: 10.1.2.3, server: api.example.net, request: \"GET /v1/items HTTP/1.1\", upstream: \"http://unix:/run/app.sock:/v1/items\", host: \"api.example.net\"",
	    PARSE_OK, 0, "upstream_connect_failed", { NUM("errno", 13) } },
	{ "fastcgi traceback", "2026/11/22 14:46:09 [error] 8112#8112: *91 FastCGI sent in stderr: \"PHP message: PHP Warning:  Undefined variable $user in /var/www/index.php on line 12\nPHP message: PHP Fatal error:  Uncaught Error: Call to a member function id() on null in /var/www/index.php:13\" while reading response header from upstream, client: 10.1.2.3, server: www.example.net, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"www.example.net\"",
	    PARSE_OK, 0, "other",
	    { TXT("message", "FastCGI sent in stderr: \"PHP message: PHP Warning:  Undefined variable $user in /var/www/index.php on line 12"),
		TXT("traceback", "PHP message: PHP Fatal error:  Uncaught Error: Call to a member function id() on null in /var/www/index.php:13\" while reading response header from upstream"),
		TXT("client", "10.1.2.3"), TXT("path", "/"),
		TXT("upstream", "fastcgi://unix:/run/php/php8.2-fpm.sock:"),
		TXT("host", "www.example.net"), ABS("errno") } },
	{ "traceback CRLF", "2026/11/22 14:46:09 [error] 1#1: *9 FastCGI sent in stderr: \"a\r\nb\" while reading response header from upstream, client: 10.1.2.3, server: s\r\n",
	    PARSE_OK, 0, "other",
	    { TXT("message", "FastCGI sent in stderr: \"a"),
		TXT("traceback", "b\" while reading response header from upstream"),
		TXT("server", "s") } },
	{ "traceback without context", "2026/11/22 14:46:09 [error] 1#1: *9 FastCGI sent in stderr: \"line one\nline two\nline three",
	    PARSE_OK, 0, "other",
	    { TXT("traceback", "line two\nline three"), ABS("client") } },
	/* context parsing corners */
	{ "request with quote and comma", "2026/11/22 14:46:09 [error] 1#1: *9 open() \"/x\" failed (2: No such file or directory), client: 10.1.2.3, server: s, request: \"GET /a\", b=\"c HTTP/1.1\", host: \"h\"",
	    PARSE_OK, 0, "open_failed",
	    { TXT("request", "GET /a\", b=\"c HTTP/1.1"), TXT("host", "h"),
		TXT("protocol", "HTTP/1.1") } },
	{ "\\x22 in a quoted value", "2026/11/22 14:46:09 [error] 1#1: *9 open() \"/x\" failed (2: No such file or directory), client: 10.1.2.3, server: s, request: \"GET /q?a=\\x22b\\x22 HTTP/1.1\", host: \"h\"",
	    PARSE_OK, 0, "open_failed",
	    { TXT("request", "GET /q?a=\\x22b\\x22 HTTP/1.1"),
		TXT("query", "a=\\x22b\\x22") } },
	{ "cut mid-quote (2048 cap)", "2026/11/22 14:46:09 [error] 1#1: *9 open() \"/x\" failed (2: No such file or directory), client: 10.1.2.3, server: s, request: \"GET /very/long/pa",
	    PARSE_OK, 0, "open_failed",
	    { TXT("request", "GET /very/long/pa"), TXT("path", "/very/long/pa"),
		ABS("protocol"), ABS("host") } },
	{ "garbage request line", "2026/11/22 14:46:09 [info] 1#1: *9 client sent invalid method while reading client request line, client: 10.1.2.3, server: s, request: \"\x16\x03\x01\x02\x05\x01\x07\x01\xfc\x03\x03\"",
	    PARSE_OK, 0, "other",
	    { TXT("request", "\x16\x03\x01\x02\x05\x01\x07\x01\xfc\x03\x03"),
		ABS("method") } },
	{ "invalid UTF-8 in message", "2026/11/22 14:46:09 [error] 1#1: *9 open() \"/caf\xc3\x28\xff\" failed (2: No such file or directory), client: 10.1.2.3, server: s",
	    PARSE_OK, 0, "open_failed", { NUM("errno", 2) } },
	{ "fake context in message", "2026/11/22 14:46:09 [error] 1#1: *9 upstream sent invalid header: \"a, client: x\" while reading response header from upstream, client: 10.1.2.3, server: s, request: \"GET / HTTP/1.1\"",
	    PARSE_OK, 0, "upstream_sent_invalid_header",
	    { TXT("client", "10.1.2.3"), TXT("server", "s") } },
	{ "errno-like text in a path", "2026/11/22 14:46:09 [error] 1#1: *9 open() \"/a (1: b) c\" failed (13: Permission denied), client: 10.1.2.3, server: s",
	    PARSE_OK, 0, "open_failed",
	    { NUM("errno", 13), TXT("errno_text", "Permission denied") } },
	{ "CRLF", "2026/11/22 14:45:48 [notice] 123#123: signal process started\r\n",
	    PARSE_OK, 0, "other",
	    { TXT("message", "signal process started") } },
	/* malformed and foreign */
	{ "empty", "", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "newline only", "\r", PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "access log line", "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" \"curl/7.88.1\"",
	    PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "gunicorn line", "[2026-11-22 15:50:06 +0000] [8073] [INFO] Starting gunicorn 20.1.0",
	    PARSE_SKIP, 0, NULL, { { 0 } } },
	{ "bad month", "2026/13/22 14:45:48 [notice] 123#123: x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "bad date 31 nov", "2026/11/31 14:45:48 [notice] 123#123: x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "bad level", "2026/11/22 14:45:48 [fatal] 123#123: x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "huge pid", "2026/11/22 14:45:48 [error] 99999999999999999999#1: x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "huge tid", "2026/11/22 14:45:48 [error] 1#99999999999999999999: x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "huge cid", "2026/11/22 14:45:48 [error] 1#1: *99999999999999999999 x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "max cid", "2026/11/22 14:45:48 [error] 1#1: *18446744073709551615 x",
	    PARSE_OK, 0, "other", { NUM("cid", 18446744073709551615.0) } },
	{ "huge body bytes", "2026/11/22 14:45:48 [error] 1#1: *1 client intended to send too large body: 99999999999999999999999 bytes, client: 1.2.3.4, server: s",
	    PARSE_OK, 0, "body_too_large", { ABS("body_bytes") } },
	{ "huge errno", "2026/11/22 14:45:48 [error] 1#1: *1 recv() failed (99999999999999999999: x)",
	    PARSE_OK, 0, "other", { ABS("errno") } },
	{ "pid without tid", "2026/11/22 14:45:48 [error] 123: x", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "cut in prefix", "2026/11/22 14:45:48 [err", PARSE_BAD, 0, NULL, { { 0 } } },
	{ "cut after date", "2026/11/22 14:45:48 [", PARSE_BAD, 0, NULL, { { 0 } } },
};
/* clang-format on */

static void
test_cases(void **state)
{
	struct parser_prog *prog =
	    testutil_compile(&nginx_error_parser, NULL, "UTC", NULL);

	(void)state;
	testutil_run_kind_cases(&nginx_error_parser, prog, cases, NELEM(cases));
	nginx_error_parser.prog_free(prog);
}

/* The zone applies: the same wall-clock time in Berlin, both seasons. */
static void
test_zone(void **state)
{
	static const struct {
		const char *tz, *line;
		int64_t time_ms;
	} cases_tz[] = {
		{ "Europe/Berlin", "2026/11/22 15:50:08 [notice] 1#1: x",
		    T_0808 - 3600000 },
		{ "Europe/Berlin", "2026/07/15 12:00:00 [notice] 1#1: x",
		    1784109600000 },
		{ "Europe/Berlin", "2026/10/25 02:30:00 [notice] 1#1: x",
		    1792888200000 },
		{ "America/New_York", "2026/11/22 15:50:08 [notice] 1#1: x",
		    T_0808 + 5 * 3600000 },
		{ "Asia/Kolkata", "2026/11/22 21:20:08 [notice] 1#1: x",
		    T_0808 },
	};
	struct log_event ev;
	char err[256];

	(void)state;
	for (size_t i = 0; i < NELEM(cases_tz); i++) {
		struct parser_prog *prog = testutil_compile(
		    &nginx_error_parser, NULL, cases_tz[i].tz, NULL);

		assert_int_equal(
		    nginx_error_parser.parse(
			prog, cases_tz[i].line, strlen(cases_tz[i].line), &ev),
		    PARSE_OK);
		if (ev.time_ms != cases_tz[i].time_ms)
			fail_msg("%s %s: %lld", cases_tz[i].tz,
			    cases_tz[i].line, (long long)ev.time_ms);
		nginx_error_parser.prog_free(prog);
	}
	/* No opts at all: the host's zone ($TZ or /etc/localtime). */
	{
		struct parser_prog *host =
		    nginx_error_parser.compile(NULL, err, sizeof(err));

		if (host == NULL)
			fail_msg("host zone: %s", err);
		nginx_error_parser.prog_free(host);
	}
	testutil_compile_fails(
	    &nginx_error_parser, NULL, "Mars/Base", NULL, "unknown time zone");
	testutil_compile_fails(
	    &nginx_error_parser, "$remote_addr", "UTC", NULL, "log_format");
	nginx_error_parser.prog_free(NULL);
}

/*
 * Issue 8: a local time that happens twice gives both readings (the later
 * in time_alt_ms, for the per-stream code to choose); a time in the spring
 * gap gives the instant of the change; a date whose UTC instant lies past
 * 9999-12-31 is refused like any impossible date.
 */
static void
test_readings_issue_8(void **state)
{
	static const struct {
		const char *tz, *line;
		enum parse_rc rc;
		int64_t time_ms, alt_ms;
	} cases_r[] = {
		{ "Europe/Berlin", "2026/10/25 02:30:00 [error] 1#1: x",
		    PARSE_OK, 1792888200000, 1792891800000 },
		{ "Europe/Berlin", "2026/10/25 03:00:00 [error] 1#1: x",
		    PARSE_OK, 1792893600000, EVENT_TIME_NONE },
		{ "Europe/Berlin", "2026/03/29 02:30:00 [error] 1#1: x",
		    PARSE_OK, 1774746000000, EVENT_TIME_NONE },
		{ "Australia/Sydney", "2026/04/05 02:30:00 [error] 1#1: x",
		    PARSE_OK, 1775316600000, 1775320200000 },
		{ "Australia/Sydney", "2026/10/04 02:30:00 [error] 1#1: x",
		    PARSE_OK, 1791043200000, EVENT_TIME_NONE },
		{ "America/Santiago", "2026/04/04 23:30:00 [error] 1#1: x",
		    PARSE_OK, 1775356200000, 1775359800000 },
		{ "UTC", "9999/12/31 23:59:59 [error] 1#1: x", PARSE_OK,
		    253402300799000, EVENT_TIME_NONE },
		{ "America/New_York", "9999/12/31 23:00:00 [error] 1#1: x",
		    PARSE_BAD, 0, 0 },
		{ "Asia/Kolkata", "0000/01/01 00:00:00 [error] 1#1: x",
		    PARSE_BAD, 0, 0 },
	};
	struct log_event ev;

	(void)state;
	for (size_t i = 0; i < NELEM(cases_r); i++) {
		struct parser_prog *prog = testutil_compile(
		    &nginx_error_parser, NULL, cases_r[i].tz, NULL);
		enum parse_rc rc = nginx_error_parser.parse(
		    prog, cases_r[i].line, strlen(cases_r[i].line), &ev);

		if (rc != cases_r[i].rc)
			fail_msg("%s %s: rc %d", cases_r[i].tz,
			    cases_r[i].line, rc);
		if (rc == PARSE_OK && (ev.time_ms != cases_r[i].time_ms ||
					  ev.time_alt_ms != cases_r[i].alt_ms))
			fail_msg("%s %s: %lld %lld", cases_r[i].tz,
			    cases_r[i].line, (long long)ev.time_ms,
			    (long long)ev.time_alt_ms);
		nginx_error_parser.prog_free(prog);
	}
}

/* is_continuation: only the nginx head shape starts a record. */
static void
test_continuation(void **state)
{
	static const struct testutil_cont_case cases_c[] = {
		{ "2026/11/22 14:45:48 [notice] 123#123: x", false },
		{ "2026/11/22 14:45:48 [", false },
		{ "2026/11/22 14:45:48 ", true },
		{ "PHP message: PHP Fatal error:  Uncaught Error", true },
		{ "", true },
		{ "  File \"x.py\", line 1", true },
		{ "2026-11-22 14:45:48 [notice] 1#1: x", true },
	};

	(void)state;
	testutil_run_cont_cases(
	    &nginx_error_parser, NULL, cases_c, NELEM(cases_c));
}

/* want(): fields outside the mask may stay unset, the kind never. */
static void
test_want(void **state)
{
	const char *line = cases[3].line; /* connect EAGAIN */
	struct parser_prog *prog =
	    testutil_compile(&nginx_error_parser, NULL, "UTC", NULL);
	struct log_event ev;

	(void)state;
	nginx_error_parser.want(prog, UINT64_C(1) << FIELD_ERROR);
	assert_int_equal(
	    nginx_error_parser.parse(prog, line, strlen(line), &ev), PARSE_OK);
	assert_true(
	    sv_eq_cstr(ev.text[FIELD_ERROR], "upstream_connect_failed"));
	assert_false(event_has(&ev, FIELD_CLIENT));
	assert_false(event_has(&ev, FIELD_PATH));
	nginx_error_parser.want(prog, ~UINT64_C(0));
	assert_int_equal(
	    nginx_error_parser.parse(prog, line, strlen(line), &ev), PARSE_OK);
	assert_true(event_has(&ev, FIELD_PATH));
	nginx_error_parser.prog_free(prog);
}

/* A 1 MiB record of hostile repetitions: no crash, bounded time. */
static void
test_huge(void **state)
{
	static const char *const fills[] = { "a", ", client: ", " (1: ", "\"",
		", ", ", host: \"" };
	const size_t cap = 1024 * 1024;
	const char *head = "2026/11/22 14:45:48 [error] 1#1: *1 ";
	char *buf = malloc(cap);
	struct parser_prog *prog =
	    testutil_compile(&nginx_error_parser, NULL, "UTC", NULL);
	struct log_event ev;

	(void)state;
	assert_non_null(buf);
	for (size_t f = 0; f < NELEM(fills); f++) {
		size_t n = strlen(head), fl = strlen(fills[f]);

		memcpy(buf, head, n);
		while (n + fl <= cap) {
			memcpy(buf + n, fills[f], fl);
			n += fl;
		}
		if (nginx_error_parser.parse(prog, buf, n, &ev) != PARSE_OK)
			fail_msg("fill \"%s\": not OK", fills[f]);
		if (ev.line.len != n)
			fail_msg("fill \"%s\": line cut", fills[f]);
	}
	/* At the nginx cap: 2048 bytes, context cut inside the request. */
	{
		size_t n = (size_t)snprintf(buf, cap, "%s%s", head,
		    "open() \"/x\" failed (2: No such file or directory), client: 1.2.3.4, server: s, request: \"GET /");

		memset(buf + n, 'p', 2048 - n);
		assert_int_equal(
		    nginx_error_parser.parse(prog, buf, 2048, &ev), PARSE_OK);
		assert_int_equal(
		    ev.text[FIELD_REQUEST].len, 2048 - (n - strlen("GET /")));
	}
	free(buf);
	nginx_error_parser.prog_free(prog);
}

/*
 * Whole files, grouped into records as a source does: every record of
 * real and source-worded output parses, with a known kind, a level, a
 * pid and a message.
 */
static void
check_record(
    const char *path, unsigned n, const struct log_event *ev, void *arg)
{
	static const char *const kinds[] = { "body_too_large",
		"upstream_connect_failed", "upstream_timed_out",
		"no_live_upstreams", "upstream_prematurely_closed",
		"upstream_sent_invalid_header",
		"upstream_buffering_to_temp_file",
		"worker_connections_exhausted", "too_many_open_files",
		"open_failed", "limiting_requests", "limiting_connections",
		"ssl_handshake_failed", "client_timed_out",
		"client_closed_connection", "other" };
	size_t *nkind_other = arg;
	size_t k = testutil_kind_index(path, n, ev, kinds, NELEM(kinds));

	if (k == NELEM(kinds) - 1)
		(*nkind_other)++;
	if (!event_has_num(ev, FIELD_PID) || !event_has(ev, FIELD_LEVEL) ||
	    !event_has(ev, FIELD_MESSAGE))
		fail_msg("%s: record %u: missing fields", path, n);
}

static void
test_files(void **state)
{
	static const struct {
		const char *path;
		size_t min_records, max_other;
	} files[] = {
		{ "tests/data/realstack/nginx-error.log", 40, 12 },
		{ "tests/data/realstack/nginx-small-error.log", 1, 0 },
		{ "tests/data/nginx_error/source-worded.log", 18, 4 },
	};
	struct parser_prog *prog =
	    testutil_compile(&nginx_error_parser, NULL, "UTC", NULL);

	(void)state;
	for (size_t i = 0; i < NELEM(files); i++) {
		size_t nother = 0;
		size_t nrec = testutil_parse_file(files[i].path,
		    &nginx_error_parser, prog, check_record, &nother);

		if (nrec < files[i].min_records || nother > files[i].max_other)
			fail_msg("%s: %zu records, %zu other", files[i].path,
			    nrec, nother);
	}
	nginx_error_parser.prog_free(prog);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_readings_issue_8),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_want),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
