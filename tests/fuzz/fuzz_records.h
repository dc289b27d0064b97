/*
 * fuzz_records.h - the body of the libFuzzer targets of the line-and-record
 * formats (nginx_error, gunicorn_error, uwsgi). A target defines
 * FUZZ_PARSER (the struct parser) and FUZZ_TIMEZONE (NULL or a zone name)
 * and includes this file once.
 *
 * The input is split into lines and grouped into records the way a source
 * does: a line for which is_continuation() is true (multi-line formats
 * only) is appended to the open record with a '\n', up to a 1 MiB record
 * cap; any other line closes the open record and starts the next. Each
 * record (and each line given to is_continuation) is copied into a buffer
 * of its exact size, so that ASan sees any read past its end, and every
 * byte of every text view the event holds is read, so that a view
 * pointing outside the record is caught too. The want mask varies with the
 * input length, to cover the skipped conversions.
 */
#ifndef TESTS_FUZZ_RECORDS_H
#define TESTS_FUZZ_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/parser.h"
#include "parsers/compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RECORD_MAX (1024 * 1024)

static const struct parser *const fuzz_parser = &FUZZ_PARSER;

static volatile unsigned fuzz_sink;

/* Read every byte the event points at (text views and the error). */
static void
fuzz_touch(const struct log_event *ev)
{
	unsigned sum = 0;

	for (int id = 0; id < FIELD_MAX; id++) {
		if (!event_has(ev, id))
			continue;
		for (size_t i = 0; i < ev->text[id].len; i++)
			sum += (unsigned char)ev->text[id].p[i];
	}
	if (ev->err != NULL)
		sum += (unsigned)strlen(ev->err) + (unsigned)ev->err_off;
	fuzz_sink += sum;
}

static void
fuzz_record(struct parser_prog *prog, const char *rec, size_t len)
{
	static struct log_event ev;
	char *copy = malloc(len ? len : 1);

	if (copy == NULL)
		return;
	memcpy(copy, rec, len);
	if (fuzz_parser->parse(prog, copy, len, &ev) == PARSE_BAD &&
	    (ev.err == NULL || ev.err_off > len))
		abort(); /* PARSE_BAD must say why, and where inside */
	fuzz_touch(&ev);
	free(copy);
}

static bool
fuzz_continues(struct parser_prog *prog, const uint8_t *p, size_t len)
{
	char *copy;
	bool cont;

	if (fuzz_parser->is_continuation == NULL)
		return false;
	if ((copy = malloc(len ? len : 1)) == NULL)
		return false;
	memcpy(copy, p, len);
	cont = fuzz_parser->is_continuation(prog, copy, len);
	free(copy);
	return cont;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct parser_prog *prog;
	static char *rec;
	const uint8_t *p = data, *end = data + size;
	size_t rlen = 0;
	bool open = false;

	if (prog == NULL) {
		struct parser_opts o = { NULL, FUZZ_TIMEZONE, NULL };
		char err[256];

		if ((prog = fuzz_parser->compile(&o, err, sizeof(err))) == NULL ||
		    (rec = malloc(FUZZ_RECORD_MAX)) == NULL)
			abort();
	}
	fuzz_parser->want(prog, (size & 1) ? ~UINT64_C(0)
					   : (UINT64_C(1) << FIELD_ERROR) |
			(UINT64_C(1) << FIELD_STATUS));
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (open && fuzz_continues(prog, p, len)) {
			if (rlen + 1 + len <= FUZZ_RECORD_MAX) {
				rec[rlen++] = '\n';
				memcpy(rec + rlen, p, len);
				rlen += len;
			}
		} else {
			if (open)
				fuzz_record(prog, rec, rlen);
			rlen = len < FUZZ_RECORD_MAX ? len : FUZZ_RECORD_MAX;
			memcpy(rec, p, rlen);
			open = true;
		}
		p += len + (nl != NULL);
	}
	if (open)
		fuzz_record(prog, rec, rlen);
	return 0;
}

#endif /* TESTS_FUZZ_RECORDS_H */
