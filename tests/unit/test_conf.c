/*
 * test_conf - the config loader: every error a broken main config can
 * carry (with its line), the values a good one yields, secrets, @include,
 * rule globs, and rule test files. Configs are written here (or into a
 * mkdtemp directory); the formats' log lines are not read by these tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/conf.h"
#include "rules/rule.h"
#include "tests/unit/testutil.h"

/* Messages of one load, one per line: "E 3: message" / "W 0: message". */
static char msgs[8192];
static size_t msgs_len;
static char msgs_file[512]; /* file of the last message */

static void
collect(void *arg, enum conf_level level, const char *file, int line,
    const char *msg)
{
	int w;

	(void)arg;
	snprintf(msgs_file, sizeof(msgs_file), "%s", file ? file : "");
	w = snprintf(msgs + msgs_len, sizeof(msgs) - msgs_len, "%c %d: %s\n",
	    level == CONF_ERROR ? 'E' : 'W', line, msg);
	if (w > 0 && (size_t)w < sizeof(msgs) - msgs_len)
		msgs_len += (size_t)w;
}

static void
msgs_reset(void)
{
	msgs[0] = '\0';
	msgs_len = 0;
}

#define INPUT_OK                                                               \
	"inputs = { web = { format = \"nginx_access\"; path = \"/x.log\"; }; };\n"
#define SINK_OK "sinks = { console = { type = \"console\"; }; };\n"

/*
 * Each broken config and every message it must produce, in order (the
 * loader reports them sorted by line). "W 0: no 'rules'..." is the
 * warning of a config without rule files.
 */
static const struct {
	const char *name, *text, *want;
} error_cases[] = {
	{ "valid minimal", INPUT_OK SINK_OK "rules = [];\n", "" },
	{ "no rules is only a warning", INPUT_OK SINK_OK,
	    "W 0: no 'rules': no rule is loaded\n" },
	{ "syntax error", INPUT_OK "sinks = {\n", "E 3: syntax error\n" },
	{ "duplicate setting",
	    INPUT_OK "state_dir = \"/a\";\n"
		     "state_dir = \"/b\";\n",
	    "E 3: duplicate setting name\n" },
	{ "unknown top key with suggestion",
	    INPUT_OK SINK_OK "rules = [];\n"
			     "defualt_notify = [\"console\"];\n",
	    "E 4: unknown key 'defualt_notify' (did you mean "
	    "'default_notify'?)\n" },
	{ "unknown input key, no suggestion",
	    "inputs = {\n"
	    "  api = { format = \"nginx_access\"; path = \"/x\"; color = 1; "
	    "};\n};\n" SINK_OK "rules = [];\n",
	    "E 2: unknown key 'color' in input 'api'\n" },
	{ "missing inputs", SINK_OK "rules = [];\n",
	    "E 0: missing 'inputs'\n" },
	{ "empty inputs", "inputs = {};\n" SINK_OK "rules = [];\n",
	    "E 1: 'inputs' is empty: name at least one log\n" },
	{ "input not a group",
	    "inputs = { api = \"nginx\"; };\n" SINK_OK "rules = [];\n",
	    "E 1: input 'api' must be a group { format = ...; path = ...; }\n" },
	{ "missing format and path",
	    "inputs = {\n  api = { };\n};\n" SINK_OK "rules = [];\n",
	    "E 2: missing 'format' in input 'api'\n"
	    "E 2: missing 'path' in input 'api'\n" },
	{ "unknown format",
	    "inputs = {\n  api = { format = \"apache\"; "
	    "path = \"/x\"; };\n};\n" SINK_OK "rules = [];\n",
	    "E 2: unknown format 'apache' in input 'api' (formats: "
	    "nginx_access, nginx_error, gunicorn_access, gunicorn_error, "
	    "uwsgi)\n" },
	{ "log_format does not compile",
	    "inputs = {\n  api = {\n"
	    "    format = \"nginx_access\";\n    path = \"/x\";\n"
	    "    log_format = \"$status \\\"$request\";\n  };\n};\n" SINK_OK
	    "rules = [];\n",
	    "E 5: 'log_format' in input 'api': column 9: unbalanced quote\n" },
	{ "unknown time zone",
	    "inputs = {\n  e = { format = \"nginx_error\"; "
	    "path = \"/x\";\n    timezone = \"Nowhere/Land\"; };\n};\n" SINK_OK
	    "rules = [];\n",
	    "E 3: 'timezone' in input 'e': unknown time zone \"Nowhere/Land\": "
	    "no /usr/share/zoneinfo/Nowhere/Land\n" },
	{ "start_at",
	    "inputs = {\n  api = { format = \"nginx_access\"; "
	    "path = \"/x\";\n    start_at = \"middle\"; };\n};\n" SINK_OK
	    "rules = [];\n",
	    "E 3: 'start_at' in input 'api' must be one of end, beginning, "
	    "not \"middle\"\n" },
	{ "max_silence junk and too short",
	    "inputs = {\n"
	    "  a = { format = \"nginx_access\"; path = \"/x\"; max_silence = "
	    "\"10 min\"; };\n"
	    "  b = { format = \"nginx_access\"; path = \"/y\"; max_silence = "
	    "\"0s\"; };\n};\n" SINK_OK "rules = [];\n",
	    "E 2: 'max_silence' in input 'a': bad duration \"10 min\" (write "
	    "90s, 5m, 1h, 2d)\n"
	    "E 3: 'max_silence' in input 'b' must be between 1s and 31d, not "
	    "\"0s\"\n" },
	{ "wrong types",
	    INPUT_OK SINK_OK
	    "rules = \"a.conf\";\n"
	    "state_dir = 1;\nline_max = 2.5;\nmetrics_listen = true;\n",
	    "E 3: cannot read rule file 'a.conf': No such file or "
	    "directory\n"
	    "E 4: 'state_dir' must be a string, not an integer\n"
	    "E 5: 'line_max' must be an integer, not a number\n"
	    "E 6: 'metrics_listen' must be a string, not a boolean\n" },
	{ "integer out of range",
	    INPUT_OK SINK_OK "rules = [];\n"
			     "line_max = 100;\n",
	    "E 4: 'line_max' must be between 256 and 1048576, not 100\n" },
	{ "3000000000 wraps in libconfig",
	    INPUT_OK SINK_OK "rules = [];\n"
			     "line_max = 3000000000;\n",
	    "E 4: integer 3000000000 is out of range\n" },
	{ "wrap into the valid range",
	    INPUT_OK SINK_OK "rules = [];\n"
			     "line_max = 4294967552;\n",
	    "E 4: integer 4294967552 is out of range\n" },
	{ "beyond 64 bits",
	    INPUT_OK SINK_OK "rules = [];\n"
			     "regex_match_limit = 99999999999999999999L;\n",
	    "E 4: integer 99999999999999999999L is out of range\n" },
	{ "64-bit with L is read exactly",
	    INPUT_OK SINK_OK "rules = [];\n"
			     "regex_match_limit = 3000000000L;\n",
	    "E 4: 'regex_match_limit' must be between 0 and 100000000, not "
	    "3000000000\n" },
	{ "digits in names and strings are not integers",
	    "inputs = { w3 = { format = \"nginx_access\"; "
	    "path = \"/var/log/99999999999.log\"; }; };\n" SINK_OK
	    "rules = []; # 88888888888\n",
	    "" },
	{ "sink without type",
	    INPUT_OK "sinks = {\n  s = { url = \"x\"; };\n"
		     "};\nrules = [];\n",
	    "E 3: missing 'type' in sink 's' (one of console, slack, "
	    "pagerduty, twilio, webhook, alertmanager, email)\n" },
	{ "unknown sink type",
	    INPUT_OK "sinks = {\n  s = { type = \"irc\"; };\n"
		     "};\nrules = [];\n",
	    "E 3: unknown sink type 'irc' in sink 's' (one of console, slack, "
	    "pagerduty, twilio, webhook, alertmanager, email)\n" },
	{ "sink keys are per type",
	    INPUT_OK "sinks = {\n"
		     "  s = { type = \"slack\"; routing_key = \"x\"; };\n};\n"
		     "rules = [];\n",
	    "E 3: unknown key 'routing_key' in sink 's'\n"
	    "E 3: missing 'url' in sink 's'\n" },
	{ "twilio to must be strings",
	    INPUT_OK "sinks = {\n"
		     "  t = { type = \"twilio\"; account_sid = \"AC1\"; "
		     "auth_token = \"tok\"; from = \"+1\"; to = [1]; };\n};\n"
		     "rules = [];\n",
	    "E 3: 'to' in sink 't' must be a list of strings, not an "
	    "integer\n" },
	{ "unset env secret",
	    INPUT_OK
	    "sinks = {\n  s = { type = \"slack\"; "
	    "url = \"env:KLAXON_TEST_CONF_UNSET\"; };\n};\nrules = [];\n",
	    "E 3: 'url' in sink 's': environment variable "
	    "KLAXON_TEST_CONF_UNSET is not set\n" },
	{ "default_notify names a sink",
	    INPUT_OK SINK_OK "rules = [];\n"
			     "default_notify = [\"console\", \"pager\"];\n",
	    "E 4: unknown sink 'pager' in 'default_notify'\n" },
	{ "metrics_listen",
	    INPUT_OK SINK_OK "rules = [];\n"
			     "metrics_listen = \"127.0.0.1:99999\";\n",
	    "E 4: 'metrics_listen' must be ADDRESS:PORT, e.g. "
	    "\"127.0.0.1:9433\", not \"127.0.0.1:99999\"\n" },
	{ "input name too long",
	    "inputs = { "
	    "a123456789a123456789a123456789a123456789a123456789a123456789abcd = "
	    "{ format = \"nginx_access\"; path = \"/x\"; }; };\n" SINK_OK
	    "rules = [];\n",
	    "E 1: input name 'a123456789a123456789...' is longer than 63 "
	    "bytes\n" },
};

static void
test_conf_errors(void **state)
{
	struct conf c;
	int rc;

	(void)state;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]);
	     i++) {
		msgs_reset();
		rc = conf_load_string(
		    &c, error_cases[i].text, "t.conf", collect, NULL);
		if (strcmp(msgs, error_cases[i].want) != 0)
			fail_msg("%s: got\n%swant\n%s", error_cases[i].name,
			    msgs, error_cases[i].want);
		if ((rc == 0) != (strstr(error_cases[i].want, "E ") == NULL))
			fail_msg("%s: rc %d", error_cases[i].name, rc);
		if (rc == 0)
			conf_release(&c);
	}
}

static void
test_conf_too_many_inputs(void **state)
{
	char text[8192];
	size_t len;
	struct conf c;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "inputs = {\n");
	for (int i = 0; i <= CONF_INPUTS_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "i%d = { format = \"nginx_error\"; path = \"/x\"; };\n", i);
	snprintf(text + len, sizeof(text) - len, "};\nrules = [];\n");
	msgs_reset();
	assert_int_equal(
	    conf_load_string(&c, text, "t.conf", collect, NULL), -1);
	assert_string_equal(msgs,
	    "W 0: no 'sinks': alerts are not sent "
	    "anywhere\nE 1: 33 inputs, at most 32 are allowed\n");
}

static void
test_conf_values(void **state)
{
	static const char text[] =
	    "inputs = {\n"
	    "  api = { format = \"nginx_access\"; path = \"/var/log/a.log\";\n"
	    "    log_format = \"$remote_addr [$time_local] \\\"$request\\\" "
	    "$status key=$http_x_api_key\";\n"
	    "    start_at = \"beginning\"; max_silence = \"1h30m\"; };\n"
	    "  err = { format = \"nginx_error\"; path = \"/var/log/e.log\"; "
	    "timezone = \"UTC\"; };\n"
	    "};\n"
	    "sinks = {\n"
	    "  hook = { type = \"webhook\"; url = \"https://h.example/x\"; };\n"
	    "  out = { type = \"console\"; format = \"json\"; };\n"
	    "  am = { type = \"alertmanager\"; url = \"http://127.0.0.1:9093\"; "
	    "timeout = \"30s\"; };\n"
	    "};\n"
	    "rules = [];\n"
	    "metrics_listen = \"[::1]:9433\";\n";
	const struct conf_kv *kv;
	struct conf c;

	(void)state;
	msgs_reset();
	assert_int_equal(
	    conf_load_string(&c, text, "v.conf", collect, NULL), 0);
	assert_string_equal(msgs, "");
	assert_int_equal(c.ninputs, 2);
	assert_string_equal(c.inputs[0].name, "api");
	assert_int_equal(c.inputs[0].start_at, CONF_START_BEGINNING);
	assert_int_equal(c.inputs[0].max_silence_ms, 5400000);
	assert_non_null(c.inputs[0].prog);
	assert_true(c.inputs[0].produces & (UINT64_C(1) << FIELD_STATUS));
	/* The custom variable was interned into the config's field table. */
	assert_true(
	    field_lookup(c.fields, "http_x_api_key", 14) >= FIELD_WELLKNOWN);
	assert_int_equal(c.inputs[1].start_at, CONF_START_END);
	assert_int_equal(c.inputs[1].max_silence_ms, 0);
	assert_string_equal(c.inputs[1].timezone, "UTC");
	assert_null(c.inputs[1].log_format);
	assert_int_equal(conf_input_find(&c, "err"), 1);
	assert_int_equal(conf_input_find(&c, "nope"), -1);
	/* Defaults. */
	assert_string_equal(c.state_dir, "/var/lib/klaxon");
	assert_int_equal(c.line_max, 16384);
	assert_string_equal(c.metrics_listen, "[::1]:9433");
	/* default_notify: the first console sink. */
	assert_int_equal(c.nsinks, 3);
	assert_int_equal(c.ndefault_notify, 1);
	assert_int_equal(c.default_notify[0], 1);
	assert_int_equal(c.sinks[2].type, CONF_SINK_ALERTMANAGER);
	kv = conf_sink_kv(&c.sinks[2], "timeout");
	assert_non_null(kv);
	assert_int_equal(kv->num, 30000);
	kv = conf_sink_kv(&c.sinks[0], "timeout");
	assert_non_null(kv);
	assert_int_equal(kv->num, 10000);
	assert_int_equal(kv->line, 0);
	kv = conf_sink_kv(&c.sinks[0], "url");
	assert_true(kv->secret); /* webhook URLs carry tokens */
	assert_null(kv->source);
	assert_string_equal(conf_sink_kv(&c.sinks[1], "format")->value, "json");
	assert_null(conf_sink_kv(&c.sinks[1], "url"));
	assert_non_null(c.rules);
	assert_int_equal(ruleset_count(c.rules), 0);
	conf_release(&c);
	conf_release(&c); /* harmless on a released conf */
}

static void
test_conf_secrets(void **state)
{
	char text[1024], *out;
	const struct conf_kv *kv;
	struct conf c;
	size_t outlen;
	FILE *f;

	(void)state;
	testutil_write_text("sec/pd.key", "routing-key-0123456789\n\n");
	setenv("KLAXON_TEST_CONF_URL", "https://hooks.slack.test/T1/B2/zz", 1);
	snprintf(text, sizeof(text),
	    INPUT_OK
	    "sinks = {\n"
	    "  s = { type = \"slack\"; url = \"env:KLAXON_TEST_CONF_URL\"; };\n"
	    "  p = { type = \"pagerduty\"; routing_key = \"file:%s/sec/pd.key\"; "
	    "};\n};\nrules = [];\n",
	    testutil_tmpdir());
	msgs_reset();
	assert_int_equal(
	    conf_load_string(&c, text, "s.conf", collect, NULL), 0);
	kv = conf_sink_kv(&c.sinks[0], "url");
	assert_string_equal(kv->value, "https://hooks.slack.test/T1/B2/zz");
	assert_string_equal(kv->source, "env:KLAXON_TEST_CONF_URL");
	assert_true(kv->secret);
	kv = conf_sink_kv(&c.sinks[1], "routing_key");
	assert_string_equal(kv->value, "routing-key-0123456789");
	assert_true(kv->secret);
	/* -v shows where a secret comes from and its size, never the value. */
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	conf_dump(&c, f);
	fclose(f);
	assert_null(strstr(out, "hooks.slack.test"));
	assert_null(strstr(out, "routing-key-0123456789"));
	assert_non_null(strstr(out,
	    "env:KLAXON_TEST_CONF_URL (set, 33 "
	    "bytes)"));
	assert_non_null(strstr(out, "/sec/pd.key (set, 22 bytes)"));
	free(out);
	conf_release(&c);
	unsetenv("KLAXON_TEST_CONF_URL");
}

/* @include and rule globs resolve against the main file's directory. */
static void
test_conf_files(void **state)
{
	char path[512];
	struct conf c;

	(void)state;
	testutil_write_text("f/inc/inputs.inc",
	    "inputs = { web = { format = \"nginx_access\"; path = \"/x\"; }; "
	    "};\n");
	testutil_write_text("f/rules.d/a.conf",
	    "r1: { sources = [\"web\"]; window = \"1m\"; alert_if = \"> 1\"; "
	    "};\n");
	testutil_write_text("f/rules.d/b.conf",
	    "r2: { sources = [\"web\"]; where = \"status >= 500\";\n"
	    "  window = \"5m\"; alert_if = \">= 3\"; };\n"
	    "r3: { sources = [\"web\"]; value = \"absent()\"; window = "
	    "\"10m\"; };\n");
	testutil_write_text("f/rules.d/notes.txt", "not a rule file\n");
	snprintf(path, sizeof(path), "%s",
	    testutil_write_text("f/main.conf",
		"@include \"inc/inputs.inc\"\n" SINK_OK
		"rules = [\"rules.d/*.conf\", \"rules.d/a.conf\"];\n"));
	msgs_reset();
	assert_int_equal(conf_load(&c, path, collect, NULL), 0);
	assert_string_equal(msgs, "");
	assert_int_equal(c.ninputs, 1);
	assert_int_equal(
	    c.nrule_files, 2); /* a.conf matched twice, read once */
	assert_int_equal(ruleset_count(c.rules), 3);
	assert_string_equal(rule_name(ruleset_rule(c.rules, 2)), "r3");
	assert_non_null(
	    strstr(c.rule_defs[1].where_loc.file, "/f/rules.d/b.conf"));
	assert_int_equal(c.rule_defs[1].where_loc.line, 1);
	assert_int_equal(c.rule_defs[1].window_loc.line, 2);
	conf_release(&c);

	/* An error in an included file names that file. */
	testutil_write_text("f/inc/inputs.inc",
	    "inputs = { web = { format = \"nginx_access\"; path = 1; }; };\n");
	msgs_reset();
	assert_int_equal(conf_load(&c, path, collect, NULL), -1);
	assert_string_equal(msgs,
	    "E 1: 'path' in input 'web' must be a string, "
	    "not an integer\n");
	assert_non_null(strstr(msgs_file, "/f/inc/inputs.inc"));
	assert_int_equal(c.ninputs, 0); /* released */
}

/* Two configs side by side (reload), one moved: no shared state. */
static void
test_conf_two_loads(void **state)
{
	struct conf a, b, moved;

	(void)state;
	assert_int_equal(conf_load_string(&a, INPUT_OK SINK_OK "rules = [];\n",
			     "a.conf", collect, NULL),
	    0);
	assert_int_equal(
	    conf_load_string(&b,
		"inputs = { x = { format = "
		"\"gunicorn_error\"; path = \"/y\"; }; };\nrules = [];\n",
		"b.conf", collect, NULL),
	    0);
	memcpy(&moved, &a, sizeof(a));
	memset(&a, 0, sizeof(a));
	assert_string_equal(moved.inputs[0].name, "web");
	assert_string_equal(b.inputs[0].name, "x");
	conf_release(&moved);
	assert_string_equal(b.inputs[0].format, "gunicorn_error");
	conf_release(&b);
	conf_release(&a);
}

static const char rule_for_tests[] =
    "slow: { sources = [\"web\"]; value = \"avg(request_time)\";\n"
    "  window = \"1m\"; alert_if = \"> 1\"; group_by = [\"status\"]; };\n";

static void
test_conf_test_file(void **state)
{
	struct conf_test t;
	const struct conf_test_case *tc;
	const struct conf_test_expect *x;
	char path[512];

	(void)state;
	testutil_write_text("t/rules/slow.conf", rule_for_tests);
	snprintf(path, sizeof(path), "%s",
	    testutil_write_text("t/tests/slow.test.conf",
		"rule_files = [\"../rules/*.conf\"];\n"
		"inputs = { web = { format = \"nginx_access\"; log_format = "
		"\"[$time_local] $status $request_time\"; }; };\n"
		"tests = (\n"
		"  { name = \"one\";\n"
		"    lines = { web = [\"[14/Mar/2026:10:00:00 +0000] 500 2.0\",\n"
		"      \"[14/Mar/2026:10:00:01 +0000] 500 3.0\\n"
		"[14/Mar/2026:10:00:02 +0000] 500 4.0\"]; };\n"
		"    until = \"2026-03-14T10:05:00Z\";\n"
		"    expect = (\n"
		"      { rule = \"slow\"; state = \"firing\";\n"
		"        at = \"2026-03-14T10:00:00.700Z\"; value = 2;\n"
		"        group = { status = 500; }; },\n"
		"      { rule = \"slow\"; state = \"resolved\"; at = "
		"\"2026-03-14T10:01:02Z\"; tolerance = 0.5; summary = \"x\"; }\n"
		"    );\n"
		"  },\n"
		"  { name = \"nothing\"; expect = (); }\n"
		");\n"));
	msgs_reset();
	assert_int_equal(conf_test_load(&t, path, collect, NULL), 0);
	assert_string_equal(msgs, "");
	assert_int_equal(t.ncases, 2);
	tc = &t.cases[0];
	assert_string_equal(tc->name, "one");
	assert_int_equal(tc->nlines, 3); /* the second string holds two */
	assert_int_equal(tc->lines[2].line, 6);
	assert_int_equal(tc->lines[2].len, 36);
	assert_memory_equal(
	    tc->lines[2].text, "[14/Mar/2026:10:00:02 +0000] 500 4.0", 36);
	assert_int_equal(tc->until_ms, INT64_C(1773482700000));
	assert_int_equal(tc->nexpect, 2);
	x = &tc->expect[0];
	assert_int_equal(x->at_ms, INT64_C(1773482400000)); /* to the second */
	assert_true(x->has_value);
	assert_true(x->value == 2.0); /* an integer where a number goes */
	assert_true(fabs(x->tolerance - 1e-6) < 1e-12);
	assert_true(x->has_group);
	assert_int_equal(x->ngroup, 1);
	assert_string_equal(x->group_names[0], "status");
	assert_string_equal(x->group_values[0], "500");
	x = &tc->expect[1];
	assert_int_equal(x->state, CONF_EXPECT_RESOLVED);
	assert_false(x->has_value);
	assert_false(x->has_group);
	assert_true(x->tolerance == 0.5);
	assert_string_equal(x->summary, "x");
	assert_int_equal(t.cases[1].nlines, 0);
	assert_int_equal(t.cases[1].until_ms, EVENT_TIME_NONE);
	/* No sinks declared: rules still compile (a console sink stands in). */
	assert_int_equal(t.conf.nsinks, 1);
	assert_int_equal(ruleset_count(t.conf.rules), 1);
	conf_test_release(&t);
}

static const struct {
	const char *name, *body, *want;
} test_file_errors[] = {
	{ "unknown input and rule, bad time",
	    "inputs = { web = { format = \"nginx_access\"; }; };\n"
	    "tests = ( { name = \"c\";\n"
	    "  lines = { api = [\"x\"]; };\n"
	    "  expect = ( { rule = \"fast\"; state = \"fired\"; at = "
	    "\"yesterday\"; } ); } );\n",
	    "E 4: unknown input 'api' in case 'c'\n"
	    "E 5: 'state' in case 'c' must be one of firing, resolved, not "
	    "\"fired\"\n"
	    "E 5: unknown rule 'fast' in case 'c'\n"
	    "E 5: 'at' in case 'c' must be an ISO 8601 time with a zone, e.g. "
	    "\"2026-11-22T14:50:00Z\", not \"yesterday\"\n" },
	{ "config and inputs both",
	    "config = \"k.conf\";\n"
	    "inputs = { web = { format = \"nginx_access\"; }; };\n"
	    "tests = ();\n",
	    "E 2: give either 'config' or 'inputs' and 'sinks', not both\n" },
	{ "expect is required, lines must be strings",
	    "inputs = { web = { format = \"nginx_access\"; }; };\n"
	    "tests = ( { name = \"c\"; lines = { web = [1]; }; } );\n",
	    "E 3: missing 'expect' in case 'c'\n"
	    "E 3: 'web' in case 'c' must be a list of log lines\n" },
	{ "negative tolerance",
	    "inputs = { web = { format = \"nginx_access\"; }; };\n"
	    "tests = ( { name = \"c\"; expect = ( { rule = \"slow\"; "
	    "state = \"firing\";\n at = \"2026-03-14T10:00:00Z\"; "
	    "tolerance = -1; } ); } );\n",
	    "E 4: 'tolerance' in case 'c' must not be negative\n" },
};

static void
test_conf_test_file_errors(void **state)
{
	struct conf_test t;
	char text[2048], path[512];

	(void)state;
	testutil_write_text("t/rules2/slow.conf",
	    "slow: { sources = [\"web\"]; "
	    "window = \"1m\"; alert_if = \"> 1\"; };\n");
	for (size_t i = 0;
	     i < sizeof(test_file_errors) / sizeof(test_file_errors[0]); i++) {
		snprintf(text, sizeof(text),
		    "rule_files = [\"../rules2/*.conf\"];"
		    "\n%s",
		    test_file_errors[i].body);
		snprintf(path, sizeof(path), "%s",
		    testutil_write_text("t/tests/bad.test.conf", text));
		msgs_reset();
		if (conf_test_load(&t, path, collect, NULL) != -1)
			fail_msg("%s: loaded", test_file_errors[i].name);
		if (strcmp(msgs, test_file_errors[i].want) != 0)
			fail_msg("%s: got\n%swant\n%s",
			    test_file_errors[i].name, msgs,
			    test_file_errors[i].want);
	}
}

/* A test file taking its inputs from a main config (`config`). */
static void
test_conf_test_file_config(void **state)
{
	struct conf_test t;
	char path[512], cwd[512];
	int rc;

	(void)state;
	testutil_write_text("c/etc/klaxon.conf",
	    "inputs = { web = { format = \"nginx_access\"; path = \"/x\"; }; "
	    "};\nsinks = { slack = { type = \"slack\"; url = "
	    "\"env:KLAXON_TEST_CONF_UNSET\"; }; };\n"
	    "rules = [\"/nonexistent/*.conf\"];\n");
	testutil_write_text("c/rules/r.conf",
	    "r: { sources = [\"web\"]; window = "
	    "\"1m\"; alert_if = \"> 1\"; notify = [\"slack\"]; };\n");
	snprintf(path, sizeof(path), "%s",
	    testutil_write_text("c/tests/r.test.conf",
		"config = \"../etc/klaxon.conf\";\n"
		"rule_files = [\"../rules/r.conf\"];\n"
		"tests = ( { name = \"c\"; expect = (); } );\n"));
	/* Its sinks' secrets are not looked up, its rules not loaded. */
	msgs_reset();
	assert_int_equal(conf_test_load(&t, path, collect, NULL), 0);
	assert_string_equal(msgs, "");
	assert_int_equal(t.conf.ninputs, 1);
	assert_int_equal(t.conf.nsinks, 1);
	assert_string_equal(conf_sink_kv(&t.conf.sinks[0], "url")->value,
	    "env:KLAXON_TEST_CONF_UNSET");
	assert_int_equal(ruleset_count(t.conf.rules), 1);
	conf_test_release(&t);

	/* An error after `config` is reported in the test file, named as
	 * given (relative names are where a mix-up would show). */
	testutil_write_text("c/tests/r.test.conf",
	    "config = \"../etc/klaxon.conf\";\n"
	    "rule_files = [\"../rules/r.conf\"];\n"
	    "tests = ( { name = \"c\"; expect = (); colour = 1; } );\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(testutil_tmpdir()), 0);
	msgs_reset();
	rc = conf_test_load(&t, "c/tests/r.test.conf", collect, NULL);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, -1);
	assert_string_equal(msgs, "E 3: unknown key 'colour' in case 'c'\n");
	assert_string_equal(msgs_file, "c/tests/r.test.conf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conf_too_many_inputs),
		cmocka_unit_test(test_conf_values),
		cmocka_unit_test(test_conf_secrets),
		cmocka_unit_test(test_conf_files),
		cmocka_unit_test(test_conf_two_loads),
		cmocka_unit_test(test_conf_test_file),
		cmocka_unit_test(test_conf_test_file_errors),
		cmocka_unit_test(test_conf_test_file_config),
	};

	return cmocka_run_group_tests(
	    tests, testutil_tmpdir_setup, testutil_tmpdir_teardown);
}
