/*
 * conf_test - the rule test files of `klaxon test`: rule files, the
 * inputs they read, log lines and the alerts expected from them.
 *
 * What: conf_test_load reads a test file into a struct conf_test: a
 * struct conf (inputs, sinks, compiled rules) loaded with the main
 * config's machinery, and test cases (log lines per input, expected
 * firing and resolved transitions). Running the cases is cmd_test.c's.
 * The format:
 *
 *   rule_files = ["../rules/api.conf"];     # globs, relative to this file
 *   inputs = { api = { format = "nginx_access"; log_format = "..."; }; };
 *   # or: config = "../../etc/klaxon.conf";  (its inputs and sinks; its
 *   #     `rules` are not loaded, its secrets are not looked up)
 *   sinks = { ... };     # optional; without sinks every name a rule's
 *                        # notify uses stands for a console sink
 *   tests = (
 *     { name = "slow key fires";
 *       lines = { api = [ "log line", ... ]; };  # per input, real lines;
 *                        # a string may hold several lines split by \n
 *       until = "2026-11-22T15:00:00Z";           # optional: run the
 *                        # clock through this second (else: through the
 *                        # last line's second, as dry-run ends)
 *       expect = (       # every firing (repeats too) and resolved
 *         { rule = "api_latency"; state = "firing";
 *           at = "2026-11-22T14:47:00Z";          # to the second, UTC
 *           group = { host = "a"; };              # optional, exact
 *           value = 2.31; tolerance = 0.01;       # optional
 *           summary = "api latency"; }            # optional substring
 *       );
 *     }
 *   );
 *
 * tolerance is relative: |got - value| <= tolerance * |value|, and
 * |got| <= tolerance when value is 0; default 1e-6 (exact up to rounding).
 * Quantiles (p99 ...) are within 1%: give tolerance = 0.01 for them.
 * Examples: packaging/examples/tests.
 *
 * Why: tests run rule files exactly as the agent loads them (same walker,
 * same compiler), without paths to tail or sinks to deliver to.
 *
 * Invariants: a test file's settings (LOAD_TEST) need no `path`, and its
 * secrets are kept as written, never looked up; neither are a `config`
 * file's, whose `rules` are not loaded either. Expectation times are cut
 * to the second. Every line of a case names a known input.
 *
 * Not handled: more than CONF_TEST_CASES_MAX cases, CONF_TEST_LINES_MAX
 * lines or CONF_TEST_EXPECT_MAX expectations a case (errors).
 */
#include "agent/conf.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libconfig.h>

#include "agent/conf_impl.h"
#include "parsers/ts.h"
#include "parsers/compat.h"

enum {
	X_RULE_FILES,
	X_CONFIG,
	X_INPUTS,
	X_SINKS,
	X_TESTS,
	X_NKEYS
};

static const struct conf_kdef test_keys[X_NKEYS] = {
	[X_RULE_FILES] = { .key = "rule_files",
	    .type = K_STRV,
	    .flags = KF_REQUIRED,
	    .max = CONF_RULE_FILES_MAX,
	    .help = "the rule files under test (globs, relative to this "
		    "file)" },
	[X_CONFIG] = { .key = "config",
	    .type = K_STR,
	    .help = "a main config whose inputs and sinks to use" },
	[X_INPUTS] = { .key = "inputs",
	    .type = K_GROUP,
	    .help = "the inputs, as in the main config (path optional)" },
	[X_SINKS] = { .key = "sinks",
	    .type = K_GROUP,
	    .help = "sinks, as in the main config (optional)" },
	[X_TESTS] = { .key = "tests",
	    .type = K_GLIST,
	    .flags = KF_REQUIRED,
	    .help = "the test cases" },
};

enum {
	C_NAME,
	C_LINES,
	C_UNTIL,
	C_EXPECT,
	C_NKEYS
};

static const struct conf_kdef case_keys[C_NKEYS] = {
	[C_NAME] = { .key = "name",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .help = "the case's name, in messages" },
	[C_LINES] = { .key = "lines",
	    .type = K_GROUP,
	    .help = "input = [ log lines ]; per input" },
	[C_UNTIL] = { .key = "until",
	    .type = K_STR,
	    .help = "tick the clock on to this time (ISO 8601)" },
	[C_EXPECT] = { .key = "expect",
	    .type = K_GLIST,
	    .flags = KF_REQUIRED,
	    .help = "every firing and resolved transition, in order" },
};

static const char *const state_choices[] = { "firing", "resolved", NULL };

enum {
	E_RULE,
	E_STATE,
	E_AT,
	E_GROUP,
	E_VALUE,
	E_TOLERANCE,
	E_SUMMARY,
	E_NKEYS
};

static const struct conf_kdef expect_keys[E_NKEYS] = {
	[E_RULE] = { .key = "rule",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .at = AT(struct conf_test_expect, rule),
	    .help = "rule name" },
	[E_STATE] = { .key = "state",
	    .type = K_ENUM,
	    .flags = KF_REQUIRED,
	    .choices = state_choices,
	    .help = "firing or resolved" },
	[E_AT] = { .key = "at",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .help = "time of the transition, ISO 8601 UTC" },
	[E_GROUP] = { .key = "group",
	    .type = K_GROUP,
	    .help = "the alert's group values, exactly" },
	[E_VALUE] = { .key = "value",
	    .type = K_FLOAT,
	    .at = AT(struct conf_test_expect, value),
	    .help = "the aggregate's value" },
	[E_TOLERANCE] = { .key = "tolerance",
	    .type = K_FLOAT,
	    .def = "1e-6",
	    .at = AT(struct conf_test_expect, tolerance),
	    .help = "relative tolerance of value (default 1e-6)" },
	[E_SUMMARY] = { .key = "summary",
	    .type = K_STR,
	    .at = AT(struct conf_test_expect, summary),
	    .help = "a substring of the summary" },
};

/* ISO 8601 time of setting s (a string); -1 after reporting. */
static int
read_time(struct conf_ctx *x, const struct conf_kval *v, const char *key,
    const char *where, int64_t *ms)
{
	if (ts_parse_iso8601(v->str, strlen(v->str), ms) == 0)
		return 0;
	conf_error(x, v->s,
	    "'%s'%s must be an ISO 8601 time with a zone, e.g. "
	    "\"2026-11-22T14:50:00Z\", not \"%s\"",
	    key, where, v->str);
	return -1;
}

static void
load_expect_group(struct conf_ctx *x, const config_setting_t *g,
    struct conf_test_expect *e, const char *where)
{
	const config_setting_t *m;
	char num[32];
	int n = config_setting_length(g);

	e->has_group = true;
	if (n > RULE_GROUP_MAX) {
		conf_error(x, g, "'group'%s has %d fields, at most %d", where,
		    n, RULE_GROUP_MAX);
		return;
	}
	for (int i = 0; i < n; i++) {
		m = config_setting_get_elem(g, (unsigned)i);
		e->group_names[i] = conf_strdup(x, config_setting_name(m));
		if (config_setting_type(m) == CONFIG_TYPE_STRING) {
			e->group_values[i] =
			    conf_strdup(x, config_setting_get_string(m));
		} else if (config_setting_type(m) == CONFIG_TYPE_INT ||
		    config_setting_type(m) == CONFIG_TYPE_INT64) {
			snprintf(num, sizeof(num), "%lld",
			    config_setting_get_int64(m));
			e->group_values[i] = conf_strdup(x, num);
		} else {
			conf_error(x, m, "group value '%s'%s must be a string",
			    config_setting_name(m), where);
		}
	}
	e->ngroup = (unsigned)n;
}

static bool
rule_known(const struct conf_ctx *x, const char *name)
{
	for (size_t i = 0; i < x->ndefs; i++) {
		if (strcmp(x->defs[i].name, name) == 0)
			return true;
	}
	return false;
}

static void
load_expect(struct conf_ctx *x, const config_setting_t *s,
    struct conf_test_expect *e, const char *where)
{
	struct conf_kval v[E_NKEYS];

	e->line = (int)config_setting_source_line(s);
	if (!config_setting_is_group(s)) {
		conf_error(x, s,
		    "an expectation%s must be a group { rule = ...; "
		    "state = ...; at = ...; }",
		    where);
		return;
	}
	conf_walk(x, s, expect_keys, E_NKEYS, e, where, v);
	e->state = (enum conf_expect_state)v[E_STATE].i;
	e->has_value = v[E_VALUE].set;
	if (v[E_RULE].set && !rule_known(x, e->rule))
		conf_error(
		    x, v[E_RULE].s, "unknown rule '%s'%s", e->rule, where);
	if (v[E_AT].set && read_time(x, &v[E_AT], "at", where, &e->at_ms) == 0)
		e->at_ms -= ((e->at_ms % 1000) + 1000) % 1000;
	if (v[E_TOLERANCE].set && !(e->tolerance >= 0))
		conf_error(x, v[E_TOLERANCE].s,
		    "'tolerance'%s must not be "
		    "negative",
		    where);
	if (v[E_GROUP].set)
		load_expect_group(x, v[E_GROUP].s, e, where);
}

/* Count (n != NULL) or fill the lines of one string, split at '\n'. */
static size_t
split_lines(struct conf_ctx *x, const char *s, unsigned input, int line,
    struct conf_test_line *out)
{
	size_t n = 0, len;
	const char *nl;
	char *copy = NULL;

	if (out != NULL && (copy = conf_strdup(x, s)) == NULL)
		return 0;
	for (const char *p = s; *p != '\0' || p == s; p = nl + 1) {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (out != NULL) {
			out[n].input = input;
			out[n].line = line;
			out[n].text = copy + (p - s);
			out[n].len = len;
		}
		n++;
		if (nl == NULL || nl[1] == '\0')
			break;
	}
	return n;
}

/* The strings of a lines entry: a string or a list of strings. */
static const config_setting_t *
line_elem(const config_setting_t *m, int i)
{
	if (config_setting_type(m) == CONFIG_TYPE_STRING)
		return m;
	return config_setting_get_elem(m, (unsigned)i);
}

static int
line_count(const config_setting_t *m)
{
	if (config_setting_type(m) == CONFIG_TYPE_STRING)
		return 1;
	if (config_setting_type(m) == CONFIG_TYPE_ARRAY ||
	    config_setting_type(m) == CONFIG_TYPE_LIST)
		return config_setting_length(m);
	return -1;
}

/* Check a case's lines group; returns the number of lines, or -1. */
static long
count_lines(struct conf_ctx *x, const config_setting_t *g, const char *where)
{
	const config_setting_t *m, *e;
	long total = 0;
	int n;

	for (int i = 0; i < config_setting_length(g); i++) {
		m = config_setting_get_elem(g, (unsigned)i);
		if (conf_input_find(x->c, config_setting_name(m)) < 0) {
			conf_error(x, m, "unknown input '%s'%s",
			    config_setting_name(m), where);
			continue;
		}
		if ((n = line_count(m)) < 0) {
			conf_error(x, m, "'%s'%s must be a list of log lines",
			    config_setting_name(m), where);
			continue;
		}
		for (int j = 0; j < n; j++) {
			e = line_elem(m, j);
			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				conf_error(x, e,
				    "'%s'%s must be a list of log "
				    "lines",
				    config_setting_name(m), where);
				return -1;
			}
			total += (long)split_lines(
			    x, config_setting_get_string(e), 0, 0, NULL);
		}
	}
	if (total > CONF_TEST_LINES_MAX) {
		conf_error(
		    x, g, "more than %d lines%s", CONF_TEST_LINES_MAX, where);
		return -1;
	}
	return total;
}

static void
load_lines(struct conf_ctx *x, const config_setting_t *g,
    struct conf_test_case *tc, const char *where)
{
	const config_setting_t *m, *e;
	struct conf_test_line *lines;
	unsigned nerr = x->nerr;
	long total = count_lines(x, g, where);
	size_t k = 0;
	int input;

	if (total <= 0 || x->nerr != nerr)
		return;
	if ((lines = conf_array(x, (size_t)total, sizeof(*lines))) == NULL)
		return;
	for (int i = 0; i < config_setting_length(g); i++) {
		m = config_setting_get_elem(g, (unsigned)i);
		input = conf_input_find(x->c, config_setting_name(m));
		for (int j = 0; j < line_count(m); j++) {
			e = line_elem(m, j);
			k += split_lines(x, config_setting_get_string(e),
			    (unsigned)input, (int)config_setting_source_line(e),
			    lines + k);
		}
	}
	tc->lines = lines;
	tc->nlines = k;
}

static void
load_case(
    struct conf_ctx *x, const config_setting_t *s, struct conf_test_case *tc)
{
	struct conf_kval v[C_NKEYS];
	struct conf_test_expect *ex;
	char where[CONF_NAME_MAX + 16];
	const char *name = NULL;
	int n;

	tc->line = (int)config_setting_source_line(s);
	tc->until_ms = EVENT_TIME_NONE;
	if (!config_setting_is_group(s)) {
		conf_error(x, s,
		    "a test case must be a group { name = ...; "
		    "lines = ...; expect = ...; }");
		return;
	}
	config_setting_lookup_string(s, "name", &name);
	snprintf(where, sizeof(where), " in case '%.*s'", CONF_NAME_MAX,
	    name != NULL ? name : "?");
	conf_walk(x, s, case_keys, C_NKEYS, NULL, where, v);
	tc->name = v[C_NAME].str;
	if (v[C_UNTIL].set)
		read_time(x, &v[C_UNTIL], "until", where, &tc->until_ms);
	if (v[C_LINES].set)
		load_lines(x, v[C_LINES].s, tc, where);
	if (!v[C_EXPECT].set)
		return;
	if ((n = config_setting_length(v[C_EXPECT].s)) > CONF_TEST_EXPECT_MAX) {
		conf_error(x, v[C_EXPECT].s, "more than %d expectations%s",
		    CONF_TEST_EXPECT_MAX, where);
		return;
	}
	if ((ex = conf_array(x, (size_t)n + 1, sizeof(*ex))) == NULL)
		return;
	for (int i = 0; i < n; i++)
		load_expect(x,
		    config_setting_get_elem(v[C_EXPECT].s, (unsigned)i), &ex[i],
		    where);
	tc->expect = ex;
	tc->nexpect = (size_t)n;
}

/*
 * A test file that declares no sinks: every sink a rule names becomes a
 * console sink, so that rule files written for a real config load as they
 * are (tests never deliver anything).
 */
static void
synth_sinks(struct conf_ctx *x)
{
	struct conf *c = x->c;
	const char *names[CONF_SINKS_MAX];
	unsigned n = 0, j;

	names[n++] = "console";
	for (size_t i = 0; i < x->ndefs; i++) {
		for (unsigned k = 0; k < x->defs[i].nnotify; k++) {
			for (j = 0; j < n; j++) {
				if (strcmp(names[j], x->defs[i].notify[k]) == 0)
					break;
			}
			if (j == n && n < CONF_SINKS_MAX)
				names[n++] = x->defs[i].notify[k];
		}
	}
	if ((c->sinks = conf_array(x, n, sizeof(*c->sinks))) == NULL)
		return;
	for (j = 0; j < n; j++) {
		c->sinks[j].name = names[j];
		c->sinks[j].file = x->name;
		c->sinks[j].type = CONF_SINK_CONSOLE;
		c->sinks[j].type_name = "console";
	}
	c->nsinks = n;
}

/* `config = "klaxon.conf"`: the inputs and sinks of a main config. */
static void
load_test_config(struct conf_ctx *x, const struct conf_kval *v)
{
	char path[PATH_MAX];
	const char *dir = x->dir, *name = x->name, *top = x->top;
	const char *incdir = x->incdir, *copy;
	config_t cfg;

	if (conf_join_path(path, sizeof(path), x->dir, v->str) == -1) {
		conf_error(x, v->s, "path too long");
		return;
	}
	if ((copy = conf_strdup(x, path)) == NULL)
		return;
	x->flags |= LOAD_NO_RULES;
	x->name = copy;
	x->dir = conf_dir_of(x, copy);
	if (conf_read_file(x, &cfg, copy) == 0)
		conf_load_main(x, config_root_setting(&cfg));
	config_destroy(&cfg);
	/* Back to the test file: its settings are named after it again. */
	x->flags &= ~LOAD_NO_RULES;
	x->dir = dir;
	x->name = name;
	x->top = top;
	x->incdir = incdir;
}

/* A test file's root: its format is described at the top of this file. */
static void
load_test(struct conf_ctx *x, struct conf_test *t, const config_setting_t *root)
{
	struct conf_kval v[X_NKEYS];
	struct conf_test_case *cases;
	int n;

	conf_walk(x, root, test_keys, X_NKEYS, NULL, "", v);
	if (v[X_CONFIG].set && (v[X_INPUTS].s || v[X_SINKS].s)) {
		conf_error(x, v[X_CONFIG].s,
		    "give either 'config' or 'inputs' "
		    "and 'sinks', not both");
		return;
	}
	if (v[X_CONFIG].set) {
		load_test_config(x, &v[X_CONFIG]);
	} else if (v[X_INPUTS].set) {
		conf_load_inputs(x, v[X_INPUTS].s);
		if (v[X_SINKS].set)
			conf_load_sinks(x, v[X_SINKS].s);
	} else if (v[X_INPUTS].s == NULL) {
		conf_error_at(x, x->name, 0, "missing 'inputs' (or 'config')");
	}
	conf_read_rule_globs(x, &v[X_RULE_FILES]);
	if (x->c->nsinks == 0)
		synth_sinks(x);
	if (x->c->ndefault_notify == 0)
		conf_pick_console(x->c);
	conf_compile_rules(x);
	if (!v[X_TESTS].set)
		return;
	n = config_setting_length(v[X_TESTS].s);
	if (n > CONF_TEST_CASES_MAX) {
		conf_error(x, v[X_TESTS].s, "more than %d test cases",
		    CONF_TEST_CASES_MAX);
		return;
	}
	if ((cases = conf_array(x, (size_t)n + 1, sizeof(*cases))) == NULL)
		return;
	for (int i = 0; i < n; i++)
		load_case(x, config_setting_get_elem(v[X_TESTS].s, (unsigned)i),
		    &cases[i]);
	t->cases = cases;
	t->ncases = (size_t)n;
}

int
conf_test_load(
    struct conf_test *t, const char *path, conf_error_fn *err, void *arg)
{
	struct conf_ctx x;
	config_t cfg;
	int rc;

	t->cases = NULL;
	t->ncases = 0;
	if (conf_load_begin(&x, &t->conf, path, err, arg) == 0) {
		x.flags = LOAD_TEST;
		x.dir = conf_dir_of(&x, path);
		if (conf_read_file(&x, &cfg, path) == 0)
			load_test(&x, t, config_root_setting(&cfg));
		config_destroy(&cfg);
	}
	if ((rc = conf_load_end(&x)) != 0) {
		t->cases = NULL;
		t->ncases = 0;
	}
	return rc;
}

void
conf_test_release(struct conf_test *t)
{
	conf_release(&t->conf);
	t->cases = NULL;
	t->ncases = 0;
}
