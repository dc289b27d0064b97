/*
 * test_nginx_access - nginx access lines in the user's log_format.
 *
 * Lines marked "realstack" are copied from tests/data/realstack/ (real
 * nginx 1.22 output, see its README); the others are hand-written in the
 * shape ngx_http_log_module.c writes (escaping, "-" for a missing value,
 * upstream lists). test_realstack_files also parses those files whole.
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

#define COMBINED NULL
#define TIMED                                                                  \
	"$remote_addr - $remote_user [$time_local] \"$request\" $status "      \
	"$body_bytes_sent \"$http_referer\" \"$http_user_agent\" "             \
	"rt=$request_time urt=\"$upstream_response_time\" "                    \
	"us=\"$upstream_status\" ua=\"$upstream_addr\" key=\"$http_x_api_key\""
#define JSONLOG                                                                \
	"escape=json "                                                         \
	"{\"time\":\"$time_iso8601\",\"remote_addr\":\"$remote_addr\","        \
	"\"request\":\"$request\",\"status\":$status,"                         \
	"\"body_bytes_sent\":$body_bytes_sent,\"request_time\":$request_time," \
	"\"upstream_addr\":\"$upstream_addr\","                                \
	"\"upstream_status\":\"$upstream_status\","                            \
	"\"upstream_response_time\":\"$upstream_response_time\","              \
	"\"http_user_agent\":\"$http_user_agent\","                            \
	"\"http_x_api_key\":\"$http_x_api_key\"}"
#define UNQUOTED_UPSTREAM                                                      \
	"$remote_addr [$time_local] \"$request\" $status "                     \
	"$upstream_response_time $upstream_status $upstream_addr $request_time"
/*
 * Adjacent variables (issue 9): nginx writes them back to back; real
 * configs log the URL as "$scheme://$host$request_uri" and times run
 * together. They split where the first value's shape ends.
 */
#define HOST_URI                                                               \
	"$remote_addr [$time_local] \"$request\" $status "                     \
	"\"$scheme://$host$request_uri\""
#define BARE_HOST_URI "$remote_addr [$time_local] $host$request_uri $status"
#define TIMES_RUN                                                              \
	"$remote_addr [$time_local] \"$request\" $status "                     \
	"$request_time$upstream_response_time $upstream_status $body_bytes_sent"
#define METHOD_URI "$remote_addr [$time_local] $request_method$request_uri"

#define T0 INT64_C(1795362606000) /* 22/Nov/2026:15:50:06 +0000 */
#define T1 INT64_C(1795358749000) /* 22/Nov/2026:14:45:49 +0000 */

/* format NULL: combined; time_ms and fields checked on PARSE_OK. */
static const struct testutil_fmt_case cases[] = {
	{ "combined (realstack)", COMBINED,
	    "127.0.0.1 - - [22/Nov/2026:15:50:06 +0000] \"GET /tiny?s=2 "
	    "HTTP/1.1\" 502 150 \"-\" \"curl/7.88.1\"",
	    PARSE_OK, T0,
	    { TXT_ONLY("remote_addr", "127.0.0.1"),
		TXT_ONLY("remote_user", "-"),
		TXT_ONLY("time", "22/Nov/2026:15:50:06 +0000"),
		TXT_ONLY("request", "GET /tiny?s=2 HTTP/1.1"),
		TXT_ONLY("method", "GET"), TXT_ONLY("path", "/tiny"),
		TXT_ONLY("query", "s=2"), TXT_ONLY("protocol", "HTTP/1.1"),
		TXT_NUM("status", "502", 502),
		TXT_NUM("body_bytes_sent", "150", 150),
		TXT_ONLY("http_referer", "-"),
		TXT_ONLY("http_user_agent", "curl/7.88.1") } },
	{ "\\x22 and \\x5C in quoted fields (realstack)", COMBINED,
	    "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET "
	    "/ok?q=%22x%22&raw=\\x22y\\x22 HTTP/1.1\" 200 3 \"-\" \"agent "
	    "\\x22quoted\\x22 \\x5Cback\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("path", "/ok"),
		TXT_ONLY("query", "q=%22x%22&raw=\\x22y\\x22"),
		TXT_ONLY(
		    "http_user_agent", "agent \\x22quoted\\x22 \\x5Cback") } },
	{ "GARBAGE request line (realstack)", COMBINED,
	    "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GARBAGE\" 400 150 "
	    "\"-\" \"-\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("request", "GARBAGE"), ABS("method"), ABS("path"),
		TXT_NUM("status", "400", 400) } },
	{ "status 009 (realstack)", COMBINED,
	    "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET /negative "
	    "HTTP/1.1\" 009 157 \"-\" \"curl/7.88.1\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_NUM("status", "009", 9),
		TXT_NUM("client_disconnected", "0", 0) } },
	{ "status -502", COMBINED,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET /api/sync "
	    "HTTP/1.1\" -502 0 \"-\" \"python-requests/2.31\"",
	    PARSE_OK, T1,
	    { TXT_NUM("status", "-502", -502),
		TXT_NUM("client_disconnected", "1", 1) } },
	{ "status socket", COMBINED,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET /api/sync "
	    "HTTP/1.1\" socket 0 \"-\" \"python-requests/2.31\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("status", "socket"),
		TXT_NUM("client_disconnected", "1", 1) } },
	{ "status 000", COMBINED,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET / HTTP/1.1\" 000 "
	    "0 \"-\" \"-\"",
	    PARSE_OK, T1, { TXT_NUM("status", "000", 0) } },
	{ "huge numbers", COMBINED,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET / HTTP/1.1\" "
	    "99999999999999999999 184467440737095516160 \"-\" \"-\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("status", "99999999999999999999"),
		TXT_ONLY("body_bytes_sent", "184467440737095516160"),
		ABS("client_disconnected") } },
	{ "invalid UTF-8 kept as bytes", "escape=none " TIMED,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET /\xff\xfe\xc3 "
	    "HTTP/1.1\" 200 5 \"-\" \"bot \xc0\xaf\" rt=0.001 urt=\"-\" "
	    "us=\"-\" ua=\"-\" key=\"k\xe2\x82\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("path", "/\xff\xfe\xc3"),
		TXT_ONLY("http_user_agent", "bot \xc0\xaf"),
		TXT_ONLY("http_x_api_key", "k\xe2\x82") } },
	{ "CRLF: '\\r' stripped from the last field", COMBINED,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET / HTTP/1.1\" 200 "
	    "5 \"-\" \"curl/8.0\"\r",
	    PARSE_OK, T1, { TXT_ONLY("http_user_agent", "curl/8.0") } },
	{ "timed with lists (realstack)", TIMED,
	    "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET /pair "
	    "HTTP/1.1\" 502 150 \"-\" \"curl/7.88.1\" rt=0.000 urt=\"0.000, "
	    "0.000\" us=\"502, 502\" "
	    "ua=\"unix:/tmp/klaxon-stack.lv7R2l/run/stale.sock, "
	    "unix:/tmp/klaxon-stack.lv7R2l/run/gone.sock\" key=\"-\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_NUM("request_time", "0.000", 0),
		TXT_NUM("upstream_response_time", "0.000, 0.000", 0),
		TXT_NUM("upstream_status", "502, 502", 502),
		TXT_ONLY("upstream_addr",
		    "unix:/tmp/klaxon-stack.lv7R2l/run/stale.sock, "
		    "unix:/tmp/klaxon-stack.lv7R2l/run/gone.sock"),
		TXT_ONLY("http_x_api_key", "-") } },
	{ "timed with a key (realstack)", TIMED,
	    "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET "
	    "/custom/api/contacts?t=0.05 HTTP/1.1\" 200 31 \"-\" "
	    "\"curl/7.88.1\" rt=0.051 urt=\"0.052\" us=\"200\" "
	    "ua=\"unix:/tmp/klaxon-stack.lv7R2l/run/custom.sock\" "
	    "key=\"key-alpha\"",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("path", "/custom/api/contacts"),
		TXT_ONLY("query", "t=0.05"),
		TXT_NUM("request_time", "0.051", 0.051),
		TXT_NUM("upstream_response_time", "0.052", 0.052),
		TXT_NUM("upstream_status", "200", 200),
		TXT_ONLY("http_x_api_key", "key-alpha") } },
	{ "timed, upstream '-' (realstack)", TIMED,
	    "127.0.0.1 - - [22/Nov/2026:15:50:07 +0000] \"GET "
	    "/pywsgi/sleep?s=1.2 HTTP/1.1\" 499 0 \"-\" \"curl/7.88.1\" "
	    "rt=0.499 urt=\"0.499\" us=\"-\" "
	    "ua=\"unix:/tmp/klaxon-stack.lv7R2l/run/pywsgi.sock\" key=\"-\"",
	    PARSE_OK, T0 + 1000,
	    { TXT_NUM("status", "499", 499), TXT_ONLY("upstream_status", "-"),
		TXT_NUM("upstream_response_time", "0.499", 0.499) } },
	{ "unquoted upstream lists", UNQUOTED_UPSTREAM,
	    "10.1.2.3 [22/Nov/2026:14:45:49 +0000] \"GET /x HTTP/1.1\" 504 "
	    "0.010, 0.020 : 1.000 502, 504 : 504 10.0.0.1:80, 10.0.0.2:80 : "
	    "unix:/run/app.sock 1.031",
	    PARSE_OK, T1,
	    { TXT_NUM("upstream_response_time", "0.010, 0.020 : 1.000",
		  0.010 + 0.020 + 1.000),
		TXT_NUM("upstream_status", "502, 504 : 504", 504),
		TXT_ONLY("upstream_addr",
		    "10.0.0.1:80, 10.0.0.2:80 : unix:/run/app.sock"),
		TXT_NUM("request_time", "1.031", 1.031) } },
	{ "unquoted upstream '-'", UNQUOTED_UPSTREAM,
	    "10.1.2.3 [22/Nov/2026:14:45:49 +0000] \"GET /x HTTP/1.1\" 404 - "
	    "- - 0.000",
	    PARSE_OK, T1,
	    { TXT_ONLY("upstream_response_time", "-"),
		TXT_ONLY("upstream_status", "-"),
		TXT_ONLY("upstream_addr", "-"),
		TXT_NUM("request_time", "0.000", 0) } },
	{ "escape=json (realstack)", JSONLOG,
	    "{\"time\":\"2026-11-22T15:50:08+00:00\",\"remote_addr\":"
	    "\"127.0.0.1\",\"request\":\"GET /ok?q=%22x%22&raw=\\\"y\\\" "
	    "HTTP/1.1\",\"status\":200,\"body_bytes_sent\":3,"
	    "\"request_time\":0.000,\"upstream_addr\":"
	    "\"unix:/tmp/klaxon-stack.lv7R2l/run/main.sock\","
	    "\"upstream_status\":\"200\",\"upstream_response_time\":\"0.001\","
	    "\"http_user_agent\":\"agent \\\"quoted\\\" \\\\back\","
	    "\"http_x_api_key\":\"\"}",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("request", "GET /ok?q=%22x%22&raw=\\\"y\\\" HTTP/1.1"),
		TXT_ONLY("path", "/ok"),
		TXT_ONLY("query", "q=%22x%22&raw=\\\"y\\\""),
		TXT_NUM("status", "200", 200),
		TXT_NUM("upstream_response_time", "0.001", 0.001),
		TXT_ONLY("http_user_agent", "agent \\\"quoted\\\" \\\\back"),
		TXT_ONLY("http_x_api_key", "") } },
	{ "escape=json, empty values (realstack)", JSONLOG,
	    "{\"time\":\"2026-11-22T15:50:08+00:00\",\"remote_addr\":"
	    "\"127.0.0.1\",\"request\":\"GARBAGE\",\"status\":400,"
	    "\"body_bytes_sent\":150,\"request_time\":0.004,"
	    "\"upstream_addr\":\"\",\"upstream_status\":\"\","
	    "\"upstream_response_time\":\"\",\"http_user_agent\":\"\","
	    "\"http_x_api_key\":\"\"}",
	    PARSE_OK, T0 + 2000,
	    { TXT_ONLY("upstream_status", ""),
		TXT_ONLY("upstream_response_time", ""),
		TXT_NUM("request_time", "0.004", 0.004), ABS("method") } },
	{ "$time_iso8601", "$time_iso8601 $status",
	    "2026-11-22T16:45:49+02:00 200", PARSE_OK, T1,
	    { TXT_ONLY("time", "2026-11-22T16:45:49+02:00") } },
	{ "$msec", "$msec $status $request_time", "1795358749.250 200 0.125",
	    PARSE_OK, T1 + 250, { TXT_NUM("request_time", "0.125", 0.125) } },
	{ "${var} and an unknown variable",
	    "${remote_addr}:${remote_port} $Time_Local|$foo_bar|$status",
	    "10.1.2.3:52144 22/Nov/2026:14:45:49 +0000|anything at "
	    "all|204",
	    PARSE_OK, T1,
	    { TXT_ONLY("remote_addr", "10.1.2.3"),
		TXT_ONLY("remote_port", "52144"),
		TXT_ONLY("foo_bar", "anything at all"),
		TXT_NUM("status", "204", 204) } },
	{ "$request_uri, $request_method, $args",
	    "$request_method $request_uri ($args) $status",
	    "POST /hook/in?x=1&y=2 (x=1&y=2) 201", PARSE_OK, EVENT_TIME_NONE,
	    { TXT_ONLY("method", "POST"),
		TXT_ONLY("request_uri", "/hook/in?x=1&y=2"),
		TXT_ONLY("path", "/hook/in"), TXT_ONLY("query", "x=1&y=2"),
		TXT_NUM("status", "201", 201) } },
	{ "empty line", COMBINED, "", PARSE_SKIP, 0, { { 0 } } },
	{ "'\\r' alone", COMBINED, "\r", PARSE_SKIP, 0, { { 0 } } },
	{ "cut mid-quote", COMBINED,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET / HTTP/1.1\" 200 "
	    "5 \"-\" \"Mozilla/5.0 (X11; Li",
	    PARSE_BAD, 0, { { 0 } } },
	{ "cut inside the request", COMBINED,
	    "10.1.2.3 - - [22/Nov/2026:14:45:49 +0000] \"GET /very/lo",
	    PARSE_BAD, 0, { { 0 } } },
	{ "bad month", COMBINED,
	    "10.1.2.3 - - [22/Nob/2026:14:45:49 +0000] \"GET / HTTP/1.1\" 200 "
	    "5 \"-\" \"-\"",
	    PARSE_BAD, 0, { { 0 } } },
	{ "more fields than the format", COMBINED,
	    "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET /pair "
	    "HTTP/1.1\" 502 150 \"-\" \"curl/7.88.1\" rt=0.000 urt=\"0.000\"",
	    PARSE_BAD, 0, { { 0 } } },
	{ "nginx error line (realstack)", COMBINED,
	    "2026/11/22 15:50:06 [error] 91817#91817: *6 connect() to "
	    "unix:/tmp/klaxon-stack.lv7R2l/run/tiny.sock failed (11: "
	    "Resource temporarily unavailable) while connecting to upstream, "
	    "client: 127.0.0.1, server: realstack.local, request: \"GET "
	    "/tiny?s=2 HTTP/1.1\", upstream: "
	    "\"http://unix:/tmp/klaxon-stack.lv7R2l/run/tiny.sock:/sleep?s=2\","
	    " host: \"127.0.0.1:53883\"",
	    PARSE_SKIP, 0, { { 0 } } },
	{ "nginx error line, json format", JSONLOG,
	    "2026/11/22 15:50:06 [error] 91817#91817: *6 no live upstreams "
	    "while connecting to upstream",
	    PARSE_SKIP, 0, { { 0 } } },
	{ "$scheme://$host$request_uri (issue 9)", HOST_URI,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /api/x?a=1 "
	    "HTTP/1.1\" 200 \"https://shop.example.com/api/x?a=1\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("scheme", "https"), TXT_ONLY("host", "shop.example.com"),
		TXT_ONLY("request_uri", "/api/x?a=1"),
		TXT_ONLY("path", "/api/x"), TXT_ONLY("query", "a=1") } },
	{ "$host$request_uri, a host with a port and dashes (issue 9)",
	    BARE_HOST_URI,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] "
	    "my-shop.example-1.com:8080/a/b-c 404",
	    PARSE_OK, T1,
	    { TXT_ONLY("host", "my-shop.example-1.com:8080"),
		TXT_ONLY("path", "/a/b-c"), TXT_NUM("status", "404", 404) } },
	{ "$host$request_uri, an IPv6 literal host (issue 9)", BARE_HOST_URI,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] [::1]/ 200", PARSE_OK, T1,
	    { TXT_ONLY("host", "[::1]"), TXT_ONLY("path", "/") } },
	{ "$host$request_uri, no '/' after the host (issue 9)", BARE_HOST_URI,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] example.com 200",
	    PARSE_BAD, 0, { { 0 } } },
	{ "$request_time$upstream_response_time (issue 9)", TIMES_RUN,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /t HTTP/1.1\" 200 "
	    "0.0120.010 200 1534",
	    PARSE_OK, T1,
	    { TXT_NUM("request_time", "0.012", 0.012),
		TXT_NUM("upstream_response_time", "0.010", 0.010),
		TXT_NUM("upstream_status", "200", 200),
		TXT_NUM("body_bytes_sent", "1534", 1534) } },
	{ "adjacent times, an upstream list (issue 9)", TIMES_RUN,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /t HTTP/1.1\" 502 "
	    "1.0311.000, 0.020 : 0.001 502, 504 -",
	    PARSE_OK, T1,
	    { TXT_NUM("request_time", "1.031", 1.031),
		TXT_NUM("upstream_response_time", "1.000, 0.020 : 0.001",
		    1.021),
		TXT_NUM("upstream_status", "502, 504", 504),
		TXT_ONLY("body_bytes_sent", "-") } },
	{ "adjacent times, no upstream (issue 9)", TIMES_RUN,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET /t HTTP/1.1\" 413 "
	    "0.000- - 0",
	    PARSE_OK, T1,
	    { TXT_NUM("request_time", "0.000", 0),
		TXT_ONLY("upstream_response_time", "-"),
		TXT_ONLY("upstream_status", "-"),
		TXT_NUM("body_bytes_sent", "0", 0) } },
	{ "$request_method$request_uri (issue 9)", METHOD_URI,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] POST/api/v1/send",
	    PARSE_OK, T1,
	    { TXT_ONLY("method", "POST"), TXT_ONLY("path", "/api/v1/send") } },
	{ "499: the client closed the request (issue 9)", COMBINED,
	    "127.0.0.1 - - [22/Nov/2026:14:45:49 +0000] \"GET /slow "
	    "HTTP/1.1\" 499 0 \"-\" \"curl/7.88.1\"",
	    PARSE_OK, T1,
	    { TXT_NUM("status", "499", 499),
		TXT_NUM("client_disconnected", "1", 1) } },
	{ "upstream_status '200, -' keeps its last number (issue 9)", TIMED,
	    "10.0.0.1 - - [22/Nov/2026:14:45:49 +0000] \"GET /t HTTP/1.1\" "
	    "200 5 \"-\" \"-\" rt=0.010 urt=\"0.004, -\" us=\"200, -\" "
	    "ua=\"10.0.0.2:8000, unix:/run/app.sock\" key=\"-\"",
	    PARSE_OK, T1,
	    { TXT_NUM("upstream_status", "200, -", 200),
		TXT_NUM("upstream_response_time", "0.004, -", 0.004) } },
	{ "absolute-form request: host and path (issue 9)", COMBINED,
	    "10.0.0.1 - - [22/Nov/2026:14:45:49 +0000] \"GET "
	    "http://shop.example.com:8080/api/items?page=2 HTTP/1.1\" 200 5 "
	    "\"-\" \"-\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("host", "shop.example.com:8080"),
		TXT_ONLY("path", "/api/items"), TXT_ONLY("query", "page=2"),
		TXT_ONLY("method", "GET") } },
	{ "absolute-form without a path (issue 9)", COMBINED,
	    "10.0.0.1 - - [22/Nov/2026:14:45:49 +0000] \"GET "
	    "HTTPS://shop.example.com HTTP/1.1\" 200 5 \"-\" \"-\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("host", "shop.example.com"), TXT_ONLY("path", "/") } },
	{ "absolute-form: the format's own $host wins (issue 9)", HOST_URI,
	    "10.0.0.1 [22/Nov/2026:14:45:49 +0000] \"GET "
	    "http://evil.example/x HTTP/1.1\" 200 "
	    "\"http://shop.example.com/x\"",
	    PARSE_OK, T1,
	    { TXT_ONLY("host", "shop.example.com"), TXT_ONLY("path", "/x") } },
	{ "a path that only looks like a scheme stays a path (issue 9)",
	    COMBINED,
	    "10.0.0.1 - - [22/Nov/2026:14:45:49 +0000] \"GET "
	    "/http://x/y HTTP/1.1\" 200 5 \"-\" \"-\"",
	    PARSE_OK, T1, { TXT_ONLY("path", "/http://x/y"), ABS("host") } },
	{ "combined line, json format", JSONLOG,
	    "127.0.0.1 - - [22/Nov/2026:15:50:06 +0000] \"GET /tiny?s=2 "
	    "HTTP/1.1\" 502 150 \"-\" \"curl/7.88.1\"",
	    PARSE_SKIP, 0, { { 0 } } },
};

static void
test_lines(void **state)
{
	(void)state;
	testutil_run_fmt_cases(&nginx_access_parser, cases, NELEM(cases));
}

static const struct testutil_compile_error compile_errors[] = {
	{ "$remote_addr \"$request", "column 14: unbalanced quote" },
	{ "$remote_addr - $remote_user [$time_local] \"$request\" $status "
	  "\"$http_user_agent",
	    "column 62: unbalanced quote" },
	{ "$remote_addr$remote_user",
	    "column 13: two variables with no literal between them: "
	    "$remote_user may start with a character $remote_addr holds" },
	{ "$http_referer$http_user_agent",
	    "column 14: two variables with no literal between them: "
	    "$http_referer is free text" },
	{ "$status$body_bytes_sent",
	    "column 8: two variables with no literal between them: "
	    "$body_bytes_sent may start with a character $status holds" },
	{ "$host$remote_user",
	    "column 6: two variables with no literal between them: "
	    "$remote_user may start with a character $host holds" },
	{ "$request_uri$host",
	    "column 13: two variables with no literal between them: "
	    "$host may start with a character $request_uri holds" },
	{ "$remote_addr - $ x", "column 16: '$' with no variable name" },
	{ "$remote_addr - $", "column 16: '$' with no variable name" },
	{ "$remote_addr ${}", "column 14: '$' with no variable name" },
	{ "$remote_addr ${a b}", "column 14: '$' with no variable name" },
	{ "$remote_addr ${status", "column 14: unterminated \"${\"" },
	{ "escape=yaml $status", "column 8: escape= must be" },
	{ "no variables at all", "no variable in the format" },
	{ "$a_name_that_is_much_too_long_to_be_a_field_name_at_all",
	    "column 1: variable name too long" },
};

static void
test_compile_errors(void **state)
{
	(void)state;
	testutil_run_compile_errors(
	    &nginx_access_parser, compile_errors, NELEM(compile_errors));
}

/* 65 distinct unknown variables: the 65th id does not exist. */
static void
test_too_many_fields(void **state)
{
	struct field_table *t = malloc(sizeof(*t));
	char fmt[1024];
	size_t n = 0;

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < FIELD_MAX + 1; i++)
		n += (size_t)snprintf(fmt + n, sizeof(fmt) - n, "$v%d ", i);
	assert_true(n < sizeof(fmt));
	testutil_compile_fails(
	    &nginx_access_parser, fmt, NULL, t, "more than 64 fields");
	free(t);
}

static void
test_produces_and_want(void **state)
{
	struct field_table *t = malloc(sizeof(*t));
	struct log_event *ev = malloc(sizeof(*ev));
	struct parser_prog *prog;
	uint64_t p;
	const char *line =
	    "127.0.0.1 - - [22/Nov/2026:15:50:08 +0000] \"GET "
	    "/custom/api/contacts?t=0.05 HTTP/1.1\" 200 31 \"-\" "
	    "\"curl/7.88.1\" rt=0.051 urt=\"0.052\" us=\"200\" "
	    "ua=\"unix:/tmp/klaxon-stack.lv7R2l/run/custom.sock\" "
	    "key=\"key-alpha\"";
	int key;

	(void)state;
	assert_non_null(t);
	assert_non_null(ev);
	prog = testutil_compile(&nginx_access_parser, COMBINED, NULL, t);
	p = nginx_access_parser.produces(prog);
	assert_true(p & BIT(FIELD_TIME));
	assert_true(p & BIT(FIELD_PATH));
	assert_true(p & BIT(FIELD_QUERY));
	assert_true(p & BIT(FIELD_CLIENT_DISCONNECTED));
	assert_false(p & BIT(FIELD_REQUEST_TIME));
	nginx_access_parser.prog_free(prog);

	prog = testutil_compile(&nginx_access_parser, TIMED, NULL, t);
	key = field_lookup(t, "http_x_api_key", 14);
	assert_true(key >= FIELD_WELLKNOWN);
	p = nginx_access_parser.produces(prog);
	assert_true(p & BIT(FIELD_REQUEST_TIME));
	assert_true(p & BIT(FIELD_UPSTREAM_RESPONSE_TIME));
	assert_true(p & BIT(key));

	nginx_access_parser.want(prog,
	    BIT(FIELD_TIME) | BIT(FIELD_STATUS) | BIT(FIELD_PATH) |
		BIT(FIELD_REQUEST_TIME) | BIT(FIELD_UPSTREAM_RESPONSE_TIME));
	assert_int_equal(
	    nginx_access_parser.parse(prog, line, strlen(line), ev), PARSE_OK);
	assert_int_equal(ev->time_ms, T0 + 2000);
	assert_true(event_has_num(ev, FIELD_STATUS));
	assert_true(sv_eq_cstr(ev->text[FIELD_PATH], "/custom/api/contacts"));
	assert_true(event_has_num(ev, FIELD_REQUEST_TIME));
	assert_true(event_has_num(ev, FIELD_UPSTREAM_RESPONSE_TIME));
	assert_false(event_has_num(ev, FIELD_BODY_BYTES_SENT));
	assert_false(event_has_num(ev, FIELD_UPSTREAM_STATUS));
	assert_true(sv_eq_cstr(ev->text[key], "key-alpha"));

	nginx_access_parser.want(prog, BIT(FIELD_TIME));
	assert_int_equal(
	    nginx_access_parser.parse(prog, line, strlen(line), ev), PARSE_OK);
	assert_false(event_has(ev, FIELD_PATH));
	assert_false(event_has_num(ev, FIELD_REQUEST_TIME));
	nginx_access_parser.prog_free(prog);
	free(ev);
	free(t);
}

/*
 * A 1 MiB line (the sources' hard cap): a user agent that long parses,
 * 1 MiB of junk or of quotes is not an access line; nothing reads past
 * the end (ASan checks that on a heap buffer of exactly that size).
 */
static void
test_long_lines(void **state)
{
	static const char head[] = "10.1.2.3 - - [22/Nov/2026:14:45:49 "
				   "+0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"";
	const size_t cap = 1024 * 1024;
	char *buf = malloc(cap);
	struct field_table *t = malloc(sizeof(*t));
	struct log_event *ev = malloc(sizeof(*ev));
	struct parser_prog *prog;
	int ua;

	(void)state;
	assert_non_null(buf);
	assert_non_null(t);
	assert_non_null(ev);
	prog = testutil_compile(&nginx_access_parser, COMBINED, NULL, t);
	ua = FIELD_HTTP_USER_AGENT;

	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'A', cap - sizeof(head));
	buf[cap - 1] = '"';
	assert_int_equal(
	    nginx_access_parser.parse(prog, buf, cap, ev), PARSE_OK);
	assert_int_equal(ev->text[ua].len, cap - sizeof(head));

	/* The same, cut before its closing quote. */
	assert_int_equal(
	    nginx_access_parser.parse(prog, buf, cap - 1, ev), PARSE_BAD);

	memset(buf, 'x', cap);
	assert_int_equal(
	    nginx_access_parser.parse(prog, buf, cap, ev), PARSE_SKIP);
	memset(buf, '"', cap);
	assert_int_equal(
	    nginx_access_parser.parse(prog, buf, cap, ev), PARSE_SKIP);
	memset(buf, ' ', cap);
	memcpy(buf, "1 - ", 4);
	assert_int_equal(
	    nginx_access_parser.parse(prog, buf, cap, ev), PARSE_SKIP);
	nginx_access_parser.prog_free(prog);
	free(ev);
	free(t);
	free(buf);
}

/*
 * The captured files, whole: every line parses, with a time and a
 * numeric status, in each of the three formats nginx wrote them in.
 */
static void
check_realstack_line(
    const char *path, unsigned n, const struct log_event *ev, void *arg)
{
	(void)arg;
	if (ev->time_ms < T0 || ev->time_ms > T0 + 3600000 ||
	    !event_has_num(ev, FIELD_STATUS))
		fail_msg("%s:%u: no time or status", path, n);
}

static void
test_realstack_files(void **state)
{
	static const struct {
		const char *path, *format;
	} files[] = {
		{ "tests/data/realstack/nginx-access-combined.log", COMBINED },
		{ "tests/data/realstack/nginx-access-timed.log", TIMED },
		{ "tests/data/realstack/nginx-access-json.log", JSONLOG },
	};
	struct field_table *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(t);
	for (size_t i = 0; i < NELEM(files); i++) {
		struct parser_prog *prog = testutil_compile(
		    &nginx_access_parser, files[i].format, NULL, t);
		unsigned n = testutil_parse_file(files[i].path,
		    &nginx_access_parser, prog, check_realstack_line, NULL);

		nginx_access_parser.prog_free(prog);
		if (n < 100)
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
		cmocka_unit_test(test_too_many_fields),
		cmocka_unit_test(test_produces_and_want),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_realstack_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
