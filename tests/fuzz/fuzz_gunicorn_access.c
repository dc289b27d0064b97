/*
 * fuzz_gunicorn_access - libFuzzer target for the gunicorn access parser
 * and the access_log_format compiler (parsers/gunicorn_access.c,
 * parsers/logformat.c).
 *
 * Input: when the first byte is 0x01, the rest of the first line is an
 * access_log_format to compile and the remaining lines are parsed with
 * it; otherwise every line is parsed with gunicorn's default format and
 * the custom one of tests/data/realstack. Each line gets a buffer of its
 * exact size, so that ASan sees any read past its end.
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
	NULL, /* gunicorn's default */
	"%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\" "
	"%(L)s %(D)s \"%({X-Api-Key}i)s\"",
	"%(p)s %(m)s %(U)s ?%(q)s %(H)s %(T)s|%(M)s|%(B)s %%|%(t)s "
	"%({Content-Type}o)s",
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
		(void)gunicorn_access_parser.parse(prog, line, len, ev);
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
		(UINT64_C(1) << FIELD_REQUEST_TIME);
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
		prog = gunicorn_access_parser.compile(&o, err, sizeof(err));
		if (prog == NULL)
			return 0;
		(void)gunicorn_access_parser.produces(prog);
		gunicorn_access_parser.want(prog, want);
		p = nl ? nl + 1 : end;
		fuzz_lines(prog, p, end, &ev);
		gunicorn_access_parser.prog_free(prog);
		return 0;
	}
	for (size_t i = 0; i < NELEM(fuzz_formats); i++) {
		field_table_init(&fields);
		o.log_format = fuzz_formats[i];
		prog = gunicorn_access_parser.compile(&o, err, sizeof(err));
		if (prog == NULL)
			abort(); /* the built-in formats must compile */
		gunicorn_access_parser.want(prog, want);
		fuzz_lines(prog, p, end, &ev);
		gunicorn_access_parser.prog_free(prog);
	}
	return 0;
}
