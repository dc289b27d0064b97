/*
 * test_parser - the format table (parser_lookup, parser_all) and the two
 * helpers every command uses to report a line that did not parse:
 * parser_skip_is_bad and parser_error_text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "parsers/parser.h"

static void
test_lookup(void **state)
{
	static const char *const names[] = { "nginx_access", "nginx_error",
		"gunicorn_access", "gunicorn_error", "uwsgi" };
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct parser *p = parser_lookup(names[i]);
		if (p == NULL || strcmp(p->name, names[i]) != 0)
			fail_msg("%s: not found", names[i]);
		if (p->skip_reason == NULL || p->compile == NULL ||
		    p->parse == NULL)
			fail_msg("%s: incomplete", names[i]);
	}
	assert_null(parser_lookup("nginx_acess"));
	for (const struct parser *const *p = parser_all(); *p; p++)
		n++;
	assert_int_equal(n, 5);
}

static void
test_error_text(void **state)
{
	static const struct {
		const char *name, *err;
		size_t off;
		int field;
		const char *want;
	} cases[] = {
		{ "whole line", "not a line of this nginx log_format", 0, -1,
		    "not a line of this nginx log_format" },
		{ "no reason", NULL, 0, -1, "malformed line" },
		{ "position", "expected '\"'", 33, -1,
		    "expected '\"' at column 34" },
		{ "position and field", "bad number", 40, FIELD_STATUS,
		    "bad number at column 41 in field status" },
		{ "field at the start", "bad address", 0, FIELD_REMOTE_ADDR,
		    "bad address at column 1 in field remote_addr" },
	};
	struct field_table ft;
	struct log_event ev;
	char buf[128], tiny[8];

	(void)state;
	field_table_init(&ft);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		event_reset(&ev, "x", 1);
		ev.err = cases[i].err;
		ev.err_off = cases[i].off;
		ev.err_field = cases[i].field;
		parser_error_text(&ev, &ft, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name,
			    buf, cases[i].want);
	}
	/* Without a field table the field is not named. */
	parser_error_text(&ev, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "bad address");
	parser_error_text(&ev, &ft, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void
test_skip_is_bad(void **state)
{
	static const struct {
		const char *line;
		bool bad;
	} cases[] = {
		{ "", false },
		{ " \t\r", false },
		{ "garbage", true },
		{ "  x", true },
	};
	struct log_event ev;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		event_reset(&ev, cases[i].line, strlen(cases[i].line));
		if (parser_skip_is_bad(&nginx_access_parser, &ev) !=
		    cases[i].bad)
			fail_msg("\"%s\": want %d", cases[i].line,
			    cases[i].bad);
		if (cases[i].bad &&
		    strcmp(ev.err, nginx_access_parser.skip_reason) != 0)
			fail_msg("\"%s\": reason \"%s\"", cases[i].line, ev.err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_skip_is_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
