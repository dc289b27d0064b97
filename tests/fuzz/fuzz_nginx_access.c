/*
 * fuzz_nginx_access - libFuzzer target for the nginx access parser and
 * the log_format compiler (parsers/nginx_access.c, parsers/logformat.c).
 *
 * Input: when the first byte is 0x01, the rest of the first line is a
 * log_format to compile (compile errors are fine, crashes are not) and
 * the remaining lines are parsed with it; otherwise every line is parsed
 * with nginx's combined format and the two custom formats the captured
 * logs use (tests/data/realstack: timed, jsonlog), so that seeds from
 * tests/data reach deep. Each line is copied into a buffer of its exact
 * size, so that ASan sees any read past its end. The want mask varies
 * with the input length, to cover the skipped conversions too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/parser.h"
#include "parsers/compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FORMAT_MAX 4096

static const char *const fuzz_formats[] = {
	NULL, /* combined */
	"$remote_addr - $remote_user [$time_local] \"$request\" $status "
	"$body_bytes_sent \"$http_referer\" \"$http_user_agent\" "
	"rt=$request_time urt=\"$upstream_response_time\" "
	"us=\"$upstream_status\" ua=\"$upstream_addr\" key=\"$http_x_api_key\"",
	"escape=json {\"time\":\"$time_iso8601\","
	"\"remote_addr\":\"$remote_addr\","
	"\"request\":\"$request\",\"status\":$status,"
	"\"body_bytes_sent\":$body_bytes_sent,\"request_time\":$request_time,"
	"\"upstream_status\":\"$upstream_status\","
	"\"upstream_response_time\":\"$upstream_response_time\"}",
	"$msec $upstream_response_time $upstream_status ${request_uri}|$status",
	/* adjacent variables, split by their shapes (issue 9) */
	"$remote_addr [$time_local] \"$request\" $status "
	"\"$scheme://$host$request_uri\" "
	"$request_time$upstream_response_time $upstream_status",
};

static void
fuzz_lines(struct parser_prog *prog, const uint8_t *p, const uint8_t *end,
    struct log_event *ev)
{
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(len ? len : 1);

		if (line == NULL)
			return;
		memcpy(line, p, len);
		(void)nginx_access_parser.parse(prog, line, len, ev);
		free(line);
		p += len + (nl != NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct log_event ev;
	static struct field_table fields;
	const uint8_t *p = data, *end = data + size;
	char fmt[FUZZ_FORMAT_MAX + 1], err[128];
	struct parser_opts o = { NULL, NULL, &fields };
	uint64_t want = (size & 1)
	    ? ~UINT64_C(0)
	    : (UINT64_C(1) << FIELD_STATUS) | (UINT64_C(1) << FIELD_PATH) |
		(UINT64_C(1) << FIELD_REQUEST_TIME) |
		(UINT64_C(1) << FIELD_UPSTREAM_RESPONSE_TIME);
	struct parser_prog *prog;

	if (size > 0 && data[0] == 0x01) {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t n = (nl ? (size_t)(nl - data) : size) - 1;

		if (n > FUZZ_FORMAT_MAX)
			n = FUZZ_FORMAT_MAX;
		memcpy(fmt, data + 1, n);
		fmt[n] = '\0';
		field_table_init(&fields);
		o.log_format = fmt;
		prog = nginx_access_parser.compile(&o, err, sizeof(err));
		if (prog == NULL)
			return 0;
		(void)nginx_access_parser.produces(prog);
		nginx_access_parser.want(prog, want);
		p = nl ? nl + 1 : end;
		fuzz_lines(prog, p, end, &ev);
		nginx_access_parser.prog_free(prog);
		return 0;
	}
	for (size_t i = 0; i < NELEM(fuzz_formats); i++) {
		field_table_init(&fields);
		o.log_format = fuzz_formats[i];
		prog = nginx_access_parser.compile(&o, err, sizeof(err));
		if (prog == NULL)
			abort(); /* the built-in formats must compile */
		nginx_access_parser.want(prog, want);
		fuzz_lines(prog, p, end, &ev);
		nginx_access_parser.prog_free(prog);
	}
	return 0;
}
