/*
 * test_template - summary templates: compile errors, rendering of every
 * placeholder, value and duration formatting, truncation at the buffer.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/template.h"

#include "parsers/compat.h"

static const char *const gnames[] = { "host", "status" };
static const char *const gvalues[] = { "api-1.example.net", "502" };
static const struct template_contrib contribs[] = {
	{ "key-1", 0.8712 },
	{ "key-2", 0.094 },
	{ "key-3", 0.004 },
};

static struct template_vars
sample_vars(void)
{
	struct template_vars v;

	memset(&v, 0, sizeof(v));
	v.rule = "api_latency";
	v.severity = "critical";
	v.op = ">";
	v.value = 2.3149;
	v.threshold = 1.5;
	v.window_ms = 300000;
	v.count = 1234;
	v.ngroup = 2;
	v.group_names = gnames;
	v.group_values = gvalues;
	v.ncontrib = 3;
	v.contrib = contribs;
	return v;
}

/* A resolved alert has an empty window: {breakdown} says "none". */
static void
test_render_empty_breakdown(void **state)
{
	struct template_vars v = sample_vars();
	char err[128] = "", out[128];
	struct template *t = template_compile("top: {breakdown}.", gnames, 2,
	    true, err, sizeof(err));

	(void)state;
	assert_non_null(t);
	v.ncontrib = 0;
	template_render(t, &v, out, sizeof(out));
	assert_string_equal(out, "top: none.");
	template_free(t);
}

static void
test_render(void **state)
{
	static const struct {
		const char *name, *src, *want;
	} cases[] = {
		{ "default", "{rule}: {value} {op} {threshold} over {window}",
		    "api_latency: 2.31 > 1.5 over 5m" },
		{ "design example",
		    "API latency {value}s over {window}, excluding draft_send",
		    "API latency 2.31s over 5m, excluding draft_send" },
		{ "severity and count", "[{severity}] {count} events",
		    "[critical] 1234 events" },
		{ "group fields", "{group.host} {group.status}",
		    "api-1.example.net 502" },
		{ "group all", "{group}",
		    "host=api-1.example.net, status=502" },
		{ "breakdown", "top: {breakdown}",
		    "top: key-1 87%, key-2 9%, key-3 <1%" },
		{ "escaped braces", "{{literal}} {rule}",
		    "{literal} api_latency" },
		{ "no placeholder", "plain text", "plain text" },
		{ "empty", "", "" },
		{ "adjacent", "{value}{op}{threshold}", "2.31>1.5" },
		{ "utf-8 literal",
		    "Latenz \xc3\xbc"
		    "ber {threshold}s",
		    "Latenz \xc3\xbc"
		    "ber 1.5s" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct template_vars v = sample_vars();
		char err[128] = "", out[256];
		struct template *t = template_compile(
		    cases[i].src, gnames, 2, true, err, sizeof(err));
		size_t n;

		if (t == NULL)
			fail_msg("%s: compile failed: %s", cases[i].name, err);
		n = template_render(t, &v, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0 || n != strlen(out))
			fail_msg("%s: got \"%s\" (%zu), want \"%s\"",
			    cases[i].name, out, n, cases[i].want);
		if (strcmp(template_src(t), cases[i].src) != 0)
			fail_msg("%s: src not kept", cases[i].name);
		template_free(t);
	}
}

static void
test_compile_errors(void **state)
{
	static const struct {
		const char *name, *src;
		unsigned ngroup;
		bool breakdown;
		const char *want; /* substring of err */
	} cases[] = {
		{ "unknown", "{rule} {vlaue}", 2, true,
		    "column 8: unknown placeholder {vlaue}" },
		{ "unclosed", "{rule", 2, true, "column 1: unclosed '{'" },
		{ "lone close", "a } b", 2, true, "column 3: lone '}'" },
		{ "group not grouped", "{group.path}", 2, true,
		    "\"path\" is not a group_by field" },
		{ "group without group_by", "{group.host}", 0, true,
		    "\"host\" is not a group_by field" },
		{ "breakdown without field", "{breakdown}", 2, false,
		    "{breakdown} needs a breakdown field" },
		{ "empty name", "{}", 2, true, "unknown placeholder {}" },
		{ "case matters", "{Rule}", 2, true,
		    "unknown placeholder {Rule}" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char err[128] = "";
		struct template *t = template_compile(cases[i].src, gnames,
		    cases[i].ngroup, cases[i].breakdown, err, sizeof(err));

		if (t != NULL) {
			template_free(t);
			fail_msg("%s: compiled", cases[i].name);
		}
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("%s: err \"%s\", want \"%s\"", cases[i].name,
			    err, cases[i].want);
	}
}

static void
test_too_long_source(void **state)
{
	char src[TEMPLATE_SRC_MAX + 2], err[128] = "";

	(void)state;
	memset(src, 'x', sizeof(src) - 1);
	src[sizeof(src) - 1] = '\0';
	assert_null(template_compile(src, NULL, 0, false, err, sizeof(err)));
	assert_non_null(strstr(err, "longer than"));
	src[TEMPLATE_SRC_MAX] = '\0';
	template_free(template_compile(src, NULL, 0, false, err, sizeof(err)));
}

static void
test_format_value(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 2.3149, "2.31" },
		{ 2.31, "2.31" },
		{ 1.5, "1.5" },
		{ 1500, "1500" },
		{ 0, "0" },
		{ -0.0, "0" },
		{ -502, "-502" },
		{ 0.0123456, "0.0123" },
		{ 0.871234, "0.871" },
		{ 0.5, "0.5" },
		{ 123.456, "123.5" },
		{ 12345.67, "12345.7" },
		{ 99.999, "100" },
		{ 1e20, "1e+20" },
		{ 0.0001234, "0.000123" },
		{ -3.25, "-3.25" },
		{ NAN, "n/a" },
		{ INFINITY, "inf" },
		{ -INFINITY, "-inf" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char out[64];
		size_t n = template_format_value(cases[i].v, out, sizeof(out));

		if (strcmp(out, cases[i].want) != 0 || n != strlen(out))
			fail_msg("%.17g: got \"%s\", want \"%s\"", cases[i].v,
			    out, cases[i].want);
	}
}

static void
test_format_duration(void **state)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
		{ 0, "0s" },
		{ 1000, "1s" },
		{ 90000, "1m30s" },
		{ 300000, "5m" },
		{ 3600000, "1h" },
		{ 5400000, "1h30m" },
		{ 172800000, "2d" },
		{ 90061000, "1d1h1m1s" },
		{ 1500, "1s500ms" },
		{ -5, "-" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		char out[32];

		template_format_duration(cases[i].ms, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%lld: got \"%s\", want \"%s\"",
			    (long long)cases[i].ms, out, cases[i].want);
	}
}

static void
test_truncation(void **state)
{
	static const struct {
		const char *name, *src;
		size_t bufsz;
		const char *want;
	} cases[] = {
		{ "fits exactly", "abcdef", 7, "abcdef" },
		{ "cut literal", "abcdefghij", 8, "abcd..." },
		{ "cut in value", "{group.host}", 10, "api-1...." },
		/* "x\xc3\xbc\xc3\xbcyz": the cut must not split a ü. */
		{ "utf-8 boundary", "x\xc3\xbc\xc3\xbcyz", 7, "x\xc3\xbc..." },
		{ "utf-8 inside", "x\xc3\xbc\xc3\xbcyz", 6, "x..." },
		{ "tiny buffer", "abcdef", 3, ".." },
		{ "one byte", "abcdef", 1, "" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct template_vars v = sample_vars();
		char err[128] = "", out[64];
		struct template *t = template_compile(
		    cases[i].src, gnames, 2, true, err, sizeof(err));
		size_t n;

		assert_non_null(t);
		memset(out, 'Z', sizeof(out));
		n = template_render(t, &v, out, cases[i].bufsz);
		if (strcmp(out, cases[i].want) != 0 || n != strlen(out) ||
		    n >= cases[i].bufsz)
			fail_msg("%s: got \"%s\" (%zu), want \"%s\"",
			    cases[i].name, out, n, cases[i].want);
		if (out[cases[i].bufsz] != 'Z')
			fail_msg("%s: wrote past the buffer", cases[i].name);
		template_free(t);
	}
}

static void
test_log_text_as_is(void **state)
{
	/* Markup in a group value is not interpreted or escaped here. */
	static const char *const vals[] = { "<!channel> {rule} %s%n", "" };
	struct template_vars v = sample_vars();
	char err[128] = "", out[128];
	struct template *t = template_compile(
	    "{group.host}|{group.status}|", gnames, 2, false, err, sizeof(err));

	(void)state;
	assert_non_null(t);
	v.group_values = vals;
	template_render(t, &v, out, sizeof(out));
	assert_string_equal(out, "<!channel> {rule} %s%n||");
	template_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_empty_breakdown),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_too_long_source),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_log_text_as_is),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
