/*
 * test_engine - rule compilation (ruleset_compile, rule_parse_duration,
 * rule_same) and the engine: the alert state machine with for, repeat,
 * keep_firing_for, resolve_if and min_count; late and out-of-order events;
 * the group cap and idle eviction; breakdown and samples; absent();
 * dedup keys; snapshots; reload (engine_adopt).
 *
 * Events are built by hand with event_reset/event_set_text/event_set_num
 * over a field_table from field_table_init. Engine scenarios are written
 * as a small step language, one string per case:
 *   eT[:k=v,...]   an event at T seconds on input "access"; keys:
 *                  h=host s=status rt=request_time k=http_x_api_key
 *                  p=path i=input index, n=1 (no time)
 *   eA..B[/S]      an event every S (default 1) seconds from A to B
 *   tT             engine_tick at T seconds
 * and the emitted transitions are written the same way: "P2" pending at
 * 2 s, "F32" firing, "F40r" a repeat, "R98" resolved, ":a" after the time
 * for the group value(s).
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

#include "rules/engine.h"
#include "rules/rule.h"
#include "parsers/parser.h"

#include "parsers/compat.h"

/* --- environment: two inputs, three sinks ---------------------------- */

static struct field_table ft;
static int f_key; /* http_x_api_key, interned */
static const char *const input_names[] = { "access", "errors" };
static uint64_t input_fields[2];
static const char *const sink_names[] = { "console", "slack", "pager" };
static const unsigned default_notify[] = { 0 };
static struct rule_env env;

#define BIT(id) (UINT64_C(1) << (id))

static int
setup_env(void **state)
{
	(void)state;
	field_table_init(&ft);
	f_key = field_intern(&ft, "http_x_api_key", 14);
	assert_true(f_key >= FIELD_WELLKNOWN);
	input_fields[0] = BIT(FIELD_REMOTE_ADDR) | BIT(FIELD_TIME) |
	    BIT(FIELD_REQUEST) | BIT(FIELD_METHOD) | BIT(FIELD_PATH) |
	    BIT(FIELD_STATUS) | BIT(FIELD_REQUEST_TIME) | BIT(FIELD_HOST) |
	    BIT(f_key);
	input_fields[1] = BIT(FIELD_TIME) | BIT(FIELD_LEVEL) |
	    BIT(FIELD_MESSAGE) | BIT(FIELD_ERROR) | BIT(FIELD_CLIENT) |
	    BIT(FIELD_UPSTREAM);
	memset(&env, 0, sizeof(env));
	env.input_names = input_names;
	env.input_fields = input_fields;
	env.ninputs = 2;
	env.sink_names = sink_names;
	env.nsinks = 3;
	env.default_notify = default_notify;
	env.ndefault_notify = 1;
	env.fields = &ft;
	return 0;
}

/* --- rule definitions as strings ------------------------------------- */

/* NULL: not given. Lists are comma-separated. */
struct tdef {
	const char *name, *sources, *where, *value, *window, *alert_if,
	    *resolve_if, *min_count, *for_, *keep, *repeat, *group_by,
	    *max_groups, *breakdown, *severity, *notify, *summary;
};

/* Each key of a def sits on its own line: rule line + offset. */
enum {
	L_SOURCES = 1,
	L_WHERE,
	L_VALUE,
	L_WINDOW,
	L_ALERT_IF,
	L_RESOLVE_IF,
	L_MIN_COUNT,
	L_FOR,
	L_KEEP,
	L_REPEAT,
	L_GROUP_BY,
	L_MAX_GROUPS,
	L_BREAKDOWN,
	L_SEVERITY,
	L_NOTIFY,
	L_SUMMARY
};
#define DEF_LINES 30 /* def i starts at line 10 + i * DEF_LINES */

struct built {
	struct rule_def d;
	char lists[3][512];
};

static unsigned
split(char *buf, size_t size, const char *s, const char **out, unsigned max)
{
	unsigned n = 0;
	char *p = buf;

	compat_strlcpy(buf, s, size);
	while (n < max) {
		char *comma = strchr(p, ',');

		out[n++] = p;
		if (comma == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

static void
set(const char **dst, struct rule_loc *loc, const char *v, int line)
{
	*dst = v;
	if (v != NULL) {
		loc->file = "rules.conf";
		loc->line = line;
	}
}

static void
build(struct built *b, const struct tdef *t, int base)
{
	struct rule_def *d = &b->d;

	memset(b, 0, sizeof(*b));
	d->name = t->name;
	d->loc = (struct rule_loc){ "rules.conf", base };
	d->min_count = -1;
	d->max_groups = -1;
	if (t->sources != NULL) {
		d->nsources = split(b->lists[0], sizeof(b->lists[0]),
		    t->sources, d->sources, RULE_SOURCES_MAX);
		d->sources_loc =
		    (struct rule_loc){ "rules.conf", base + L_SOURCES };
	}
	set(&d->where, &d->where_loc, t->where, base + L_WHERE);
	set(&d->value, &d->value_loc, t->value, base + L_VALUE);
	set(&d->window, &d->window_loc, t->window, base + L_WINDOW);
	set(&d->alert_if, &d->alert_if_loc, t->alert_if, base + L_ALERT_IF);
	set(&d->resolve_if, &d->resolve_if_loc, t->resolve_if,
	    base + L_RESOLVE_IF);
	if (t->min_count != NULL) {
		d->min_count = strtoll(t->min_count, NULL, 10);
		d->min_count_loc =
		    (struct rule_loc){ "rules.conf", base + L_MIN_COUNT };
	}
	set(&d->for_, &d->for_loc, t->for_, base + L_FOR);
	set(&d->keep_firing_for, &d->keep_firing_for_loc, t->keep,
	    base + L_KEEP);
	set(&d->repeat, &d->repeat_loc, t->repeat, base + L_REPEAT);
	if (t->group_by != NULL) {
		d->ngroup_by = split(b->lists[1], sizeof(b->lists[1]),
		    t->group_by, d->group_by, RULE_GROUP_MAX + 1);
		d->group_by_loc =
		    (struct rule_loc){ "rules.conf", base + L_GROUP_BY };
	}
	if (t->max_groups != NULL) {
		d->max_groups = strtoll(t->max_groups, NULL, 10);
		d->max_groups_loc =
		    (struct rule_loc){ "rules.conf", base + L_MAX_GROUPS };
	}
	set(&d->breakdown, &d->breakdown_loc, t->breakdown, base + L_BREAKDOWN);
	set(&d->severity, &d->severity_loc, t->severity, base + L_SEVERITY);
	if (t->notify != NULL) {
		d->nnotify = split(b->lists[2], sizeof(b->lists[2]), t->notify,
		    d->notify, RULE_NOTIFY_MAX + 1);
		d->notify_loc =
		    (struct rule_loc){ "rules.conf", base + L_NOTIFY };
	}
	set(&d->summary, &d->summary_loc, t->summary, base + L_SUMMARY);
}

#define ERRS_MAX 64
static struct {
	int line;
	char msg[512];
} errs[ERRS_MAX];
static unsigned nerrs;

static void
on_error(void *arg, const struct rule_loc *loc, const char *msg)
{
	(void)arg;
	if (nerrs < ERRS_MAX) {
		errs[nerrs].line = loc->line;
		compat_strlcpy(errs[nerrs].msg, msg, sizeof(errs[nerrs].msg));
	}
	nerrs++;
}

static struct ruleset *
compile(const struct tdef *defs, size_t n)
{
	struct built *b = calloc(n, sizeof(*b));
	struct rule_def *d = calloc(n, sizeof(*d));
	struct ruleset *rs;

	assert_non_null(b);
	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		build(&b[i], &defs[i], 10 + (int)i * DEF_LINES);
		d[i] = b[i].d;
	}
	nerrs = 0;
	rs = ruleset_compile(d, n, &env, on_error, NULL);
	free(d);
	free(b);
	return rs;
}

static struct ruleset *
compile_ok(const struct tdef *t, const char *name)
{
	struct ruleset *rs = compile(t, 1);

	if (rs == NULL)
		fail_msg("%s: does not compile: %u errors, first line %d: %s",
		    name, nerrs, errs[0].line, errs[0].msg);
	return rs;
}

/* --- transitions recorder -------------------------------------------- */

#define TR_MAX 64
static struct alert_transition trs[TR_MAX];
static unsigned ntrs;

static void
on_emit(void *arg, const struct alert_transition *t)
{
	(void)arg;
	if (ntrs < TR_MAX)
		trs[ntrs] = *t;
	ntrs++;
}

static void
rec_reset(void)
{
	ntrs = 0;
}

/* --- events ---------------------------------------------------------- */

#define T0 INT64_C(1700000000000) /* step times are seconds after this */

struct tev {
	struct log_event ev;
	char line[2048];
};

/* An access event; NULL host/key/path leave the field out, NAN too. */
static void
make_event(struct tev *e, int64_t t_ms, const char *host, double status,
    double rt, const char *key, const char *path)
{
	char *p = e->line;
	size_t n = 0;
	struct {
		int id;
		const char *s;
		double v;
	} f[] = {
		{ FIELD_HOST, host, NAN },
		{ FIELD_PATH, path, NAN },
		{ FIELD_STATUS, NULL, status },
		{ FIELD_REQUEST_TIME, NULL, rt },
		{ f_key, key, NAN },
	};

	/* The line first, so that the views below point into it. */
	for (size_t i = 0; i < NELEM(f); i++) {
		if (f[i].s != NULL)
			n += (size_t)snprintf(p + n, sizeof(e->line) - n,
			    "%s%s", n ? " " : "", f[i].s);
		else if (!isnan(f[i].v))
			n += (size_t)snprintf(p + n, sizeof(e->line) - n,
			    "%s%g", n ? " " : "", f[i].v);
	}
	event_reset(&e->ev, e->line, n);
	e->ev.time_ms = t_ms;
	n = 0;
	for (size_t i = 0; i < NELEM(f); i++) {
		size_t len;

		if (f[i].s != NULL) {
			len = strlen(f[i].s);
			event_set_text(&e->ev, f[i].id, sv_make(p + n, len));
		} else if (!isnan(f[i].v)) {
			len = strcspn(p + n, " ");
			event_set_text(&e->ev, f[i].id, sv_make(p + n, len));
			event_set_num(&e->ev, f[i].id, f[i].v);
		} else {
			continue;
		}
		n += len + 1;
	}
}

/* A step number: digits, and a fraction only when a digit follows the
 * '.' (so that "0..40" is 0, "..", 40). */
static double
step_num(const char **pp, const char *name)
{
	const char *p = *pp, *start = p;
	char buf[32];
	size_t n;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] == '.' && p[1] >= '0' && p[1] <= '9') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	n = (size_t)(p - start);
	if (n == 0 || n >= sizeof(buf))
		fail_msg("%s: bad number at \"%s\"", name, start);
	memcpy(buf, start, n);
	buf[n] = '\0';
	*pp = p;
	return strtod(buf, NULL);
}

/* Run the step language over e. */
static void
run_steps(struct engine *e, const char *steps, const char *name)
{
	const char *p = steps;

	while (*p != '\0') {
		char op = *p++;
		double a = step_num(&p, name), b, step = 1;
		const char *host = "h1", *key = NULL, *path = "/api/x";
		char hostbuf[64], keybuf[64], pathbuf[64];
		double status = 200, rt = 0.1;
		unsigned input = 0;
		bool notime = false;

		b = a;
		if (p[0] == '.' && p[1] == '.') {
			p += 2;
			b = step_num(&p, name);
			if (*p == '/') {
				p++;
				step = step_num(&p, name);
			}
		}
		while (*p == ':' || *p == ',') {
			char k[8] = "", v[64] = "";
			int used = 0;

			if (sscanf(p + 1, "%7[a-z]=%63[^, ]%n", k, v, &used) !=
			    2)
				fail_msg("%s: bad key at \"%s\"", name, p);
			p += 1 + used;
			if (strcmp(k, "h") == 0) {
				compat_strlcpy(hostbuf, v, sizeof(hostbuf));
				host = hostbuf;
			} else if (strcmp(k, "k") == 0) {
				compat_strlcpy(keybuf, v, sizeof(keybuf));
				key = keybuf;
			} else if (strcmp(k, "p") == 0) {
				compat_strlcpy(pathbuf, v, sizeof(pathbuf));
				path = pathbuf;
			} else if (strcmp(k, "s") == 0)
				status = strtod(v, NULL);
			else if (strcmp(k, "rt") == 0)
				rt =
				    strcmp(v, "-") == 0 ? NAN : strtod(v, NULL);
			else if (strcmp(k, "i") == 0)
				input = (unsigned)strtoul(v, NULL, 10);
			else if (strcmp(k, "n") == 0)
				notime = true;
			else
				fail_msg("%s: unknown key %s", name, k);
		}
		for (double t = a; t <= b + 1e-9; t += step) {
			int64_t ms = T0 + (int64_t)llround(t * 1000);
			struct tev ev;

			if (op == 't') {
				engine_tick(e, ms);
				continue;
			}
			if (op != 'e')
				fail_msg("%s: bad op %c", name, op);
			make_event(&ev, notime ? EVENT_TIME_NONE : ms, host,
			    status, rt, key, path);
			engine_feed(e, input, &ev.ev);
		}
		while (*p == ' ')
			p++;
	}
	/* The end of the steps is the end of input: the groups that took
	 * events at the last time are evaluated, as dry-run's last tick
	 * does. */
	engine_flush(e);
}

/* The transitions so far as "F2 R60:a", times in seconds after T0. */
static void
log_relative(char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < ntrs && i < TR_MAX; i++) {
		const struct alert_transition *t = &trs[i];
		char c = t->state == ALERT_PENDING ? 'P'
		    : t->state == ALERT_FIRING     ? 'F'
		    : t->state == ALERT_RESOLVED   ? 'R'
						   : '?';

		n += (size_t)snprintf(out + n, size - n, "%s%c%g%s",
		    n ? " " : "", c, (double)(t->at_ms - T0) / 1000.0,
		    t->repeat ? "r" : "");
		for (unsigned j = 0; j < t->ngroup && n < size; j++)
			n += (size_t)snprintf(out + n, size - n, "%c%s",
			    j ? ',' : ':', t->group_values[j]);
		if (n >= size)
			break;
	}
}

static struct engine *
new_engine(const struct ruleset *rs)
{
	struct engine *e = engine_new(rs, on_emit, NULL);

	assert_non_null(e);
	rec_reset();
	return e;
}

/*
 * Rule def (named "r", on input "access") over steps must emit want (in
 * log_relative's notation); the transitions stay in trs[] for the caller.
 */
static void
expect_steps(const struct tdef *def0, const char *name, const char *steps,
    const char *want)
{
	struct tdef def = *def0;
	struct ruleset *rs;
	struct engine *e;
	char got[4096];

	def.name = "r";
	def.sources = "access";
	rs = compile_ok(&def, name);
	e = new_engine(rs);
	run_steps(e, steps, name);
	log_relative(got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", name, got, want);
	engine_free(e);
	ruleset_free(rs);
}

/* --- rule_parse_duration --------------------------------------------- */

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} cases[] = {
		{ "90s", 90000 },
		{ "5m", 300000 },
		{ "1h", 3600000 },
		{ "2d", 172800000 },
		{ "1h30m", 5400000 },
		{ "1d2h3m4s", 93784000 },
		{ "0", 0 },
		{ "0s", 0 },
		{ "", -1 },
		{ "5", -1 },
		{ "5x", -1 },
		{ "m", -1 },
		{ "-5m", -1 },
		{ "1.5h", -1 },
		{ "30m1h", -1 }, /* units in decreasing order */
		{ "1m1m", -1 },  /* once each */
		{ " 5m", -1 },
		{ "5m ", -1 },
		{ "5ms", -1 },
		{ "366d", INT64_C(31622400000) }, /* RULE_DURATION_MS_MAX */
		{ "365d23h59m60s", INT64_C(31622400000) },
		/* Past the maximum, and past int64 ms (issue 8): too long. */
		{ "366d1s", RULE_DURATION_TOO_LONG },
		{ "106751991167d", RULE_DURATION_TOO_LONG },
		{ "106751991168d", RULE_DURATION_TOO_LONG },
		{ "9223372036854775807s", RULE_DURATION_TOO_LONG },
		{ "9223372036854775808s", RULE_DURATION_TOO_LONG },
		{ "99999999999999999999s", RULE_DURATION_TOO_LONG },
		{ "2562047788015216h1s", RULE_DURATION_TOO_LONG },
		{ "00000000000000000000000000005m", 300000 },
		{ "99999999999999999999x", -1 }, /* junk first */
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		int64_t got = rule_parse_duration(cases[i].in);

		if (got != cases[i].want)
			fail_msg("\"%s\": got %lld, want %lld", cases[i].in,
			    (long long)got, (long long)cases[i].want);
	}
	assert_int_equal(rule_parse_duration(NULL), -1);
}

/* --- ruleset_compile errors ------------------------------------------ */

static void
test_compile_ten_errors(void **state)
{
	static const struct tdef t = {
		.name = "ten_errors",
		.sources = "access,nosuch",
		.where = "status >>> 5",
		.value = "avg(path)",
		.window = "5x",
		.alert_if = "~ 3",
		.resolve_if = "<",
		.for_ = "abc",
		.keep = "1q",
		.repeat = "-1",
		.severity = "loud",
	};
	static const int want_lines[] = { 11, 12, 13, 14, 15, 16, 18, 19, 20,
		24 };

	(void)state;
	assert_null(compile(&t, 1));
	if (nerrs != NELEM(want_lines)) {
		for (unsigned i = 0; i < nerrs && i < ERRS_MAX; i++)
			print_message("  %d: %s\n", errs[i].line, errs[i].msg);
		fail_msg("got %u errors, want %zu", nerrs, NELEM(want_lines));
	}
	for (unsigned i = 0; i < nerrs; i++) {
		if (errs[i].line != want_lines[i])
			fail_msg("error %u at line %d, want %d: %s", i,
			    errs[i].line, want_lines[i], errs[i].msg);
	}
}

static void
test_compile_errors(void **state)
{
	static const struct {
		const char *name;
		struct tdef defs[2];
		size_t ndefs;
		struct {
			int line;
			const char *sub;
		} want[3];
		unsigned nwant;
	} cases[] = {
		{ "unknown source",
		    { { .name = "r",
			.sources = "acess",
			.window = "5m",
			.alert_if = "> 1" } },
		    1, { { 11, "sources: unknown input \"acess\"" } }, 1 },
		{ "no sources",
		    { { .name = "r", .window = "5m", .alert_if = "> 1" } }, 1,
		    { { 10, "sources: missing" } }, 1 },
		{ "unknown sink",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.notify = "slack,pagr" } },
		    1, { { 25, "notify: unknown sink \"pagr\"" } }, 1 },
		{ "unknown field in where",
		    { { .name = "r",
			.sources = "access",
			.where = "stauts == 5",
			.window = "5m",
			.alert_if = "> 1" } },
		    1, { { 12, "where: column 1" } }, 1 },
		{ "where field not produced",
		    { { .name = "r",
			.sources = "access",
			.where = "error == 'body_too_large'",
			.window = "5m",
			.alert_if = "> 1" } },
		    1,
		    { { 12,
			"field \"error\" is not produced by the rule's "
			"source (access)" } },
		    1 },
		{ "value field not produced by either source",
		    { { .name = "r",
			.sources = "access,errors",
			.value = "max(body_bytes)",
			.window = "5m",
			.alert_if = "> 1" } },
		    1,
		    { { 13,
			"\"body_bytes\" is not produced by the rule's "
			"sources (access, errors)" } },
		    1 },
		{ "group_by not produced",
		    { { .name = "r",
			.sources = "errors",
			.window = "5m",
			.alert_if = "> 1",
			.group_by = "host" } },
		    1, { { 21, "group_by: field \"host\" is not produced" } },
		    1 },
		{ "breakdown not produced",
		    { { .name = "r",
			.sources = "errors",
			.window = "5m",
			.alert_if = "> 1",
			.breakdown = "http_x_api_key" } },
		    1,
		    { { 23,
			"breakdown: field \"http_x_api_key\" is not "
			"produced" } },
		    1 },
		{ "ratio filter field not produced",
		    { { .name = "r",
			.sources = "errors",
			.value = "ratio(status >= 500)",
			.window = "5m",
			.alert_if = "> 0.1" } },
		    1, { { 13, "value: field \"status\" is not produced" } },
		    1 },
		{ "unknown group_by field",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.group_by = "hots" } },
		    1, { { 21, "group_by: unknown field \"hots\"" } }, 1 },
		{ "duplicate rule name",
		    { { .name = "dup",
			  .sources = "access",
			  .window = "5m",
			  .alert_if = "> 1" },
			{ .name = "dup",
			    .sources = "access",
			    .window = "1m",
			    .alert_if = "> 2" } },
		    2,
		    { { 40,
			"rule \"dup\" is already defined at "
			"rules.conf:10" } },
		    1 },
		{ "missing window and alert_if",
		    { { .name = "r", .sources = "access" } }, 1,
		    { { 10, "window: missing" }, { 10, "alert_if: missing" } },
		    2 },
		{ "window out of range",
		    { { .name = "r",
			.sources = "access",
			.window = "32d",
			.alert_if = "> 1" } },
		    1, { { 14, "window: \"32d\" is too long (at most 31d)" } },
		    1 },
		{ "window too short",
		    { { .name = "r",
			.sources = "access",
			.window = "0s",
			.alert_if = "> 1" } },
		    1, { { 14, "window: \"0s\" out of range (1s to 31d)" } },
		    1 },
		{ "state durations too long (issue 8)",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.for_ = "8d",
			.keep = "106751991167d",
			.repeat = "9223372036854775807s" } },
		    1,
		    { { 18, "for: \"8d\" is too long (at most 7d)" },
			{ 19,
			    "keep_firing_for: \"106751991167d\" is too long "
			    "(at most 7d)" },
			{ 20,
			    "repeat: \"9223372036854775807s\" is too long "
			    "(at most 7d)" } },
		    3 },
		{ "unknown aggregate",
		    { { .name = "r",
			.sources = "access",
			.value = "median(x)",
			.window = "5m",
			.alert_if = "> 1" } },
		    1, { { 13, "unknown aggregate \"median\"" } }, 1 },
		{ "count with argument",
		    { { .name = "r",
			.sources = "access",
			.value = "count(status)",
			.window = "5m",
			.alert_if = "> 1" } },
		    1, { { 13, "count() takes no argument" } }, 1 },
		{ "avg of a text field",
		    { { .name = "r",
			.sources = "access",
			.value = "p99(path)",
			.window = "5m",
			.alert_if = "> 1" } },
		    1, { { 13, "\"path\" is not a number field" } }, 1 },
		{ "ratio filter column is in the value",
		    { { .name = "r",
			.sources = "access",
			.value = "ratio(nosuch == 1)",
			.window = "5m",
			.alert_if = "> 1" } },
		    1, { { 13, "value: ratio(): column 7: unknown field" } },
		    1 },
		{ "bad summary placeholder",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.summary = "{rule} {vlaue}" } },
		    1,
		    { { 26,
			"summary: column 8: unknown placeholder {vlaue}" } },
		    1 },
		{ "summary group not in group_by",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.summary = "{group.host}" } },
		    1, { { 26, "\"host\" is not a group_by field" } }, 1 },
		{ "too many group_by",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.group_by = "host,path,status,method,remote_addr" } },
		    1, { { 21, "group_by: at most 4 fields" } }, 1 },
		{ "group_by twice",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.group_by = "host,host" } },
		    1, { { 21, "\"host\" listed twice" } }, 1 },
		{ "max_groups range",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.max_groups = "100001" } },
		    1, { { 22, "max_groups: must be 1 to 100000" } }, 1 },
		{ "bad name",
		    { { .name = "9lives",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" } },
		    1, { { 10, "rule name \"9lives\"" } }, 1 },
		{ "absent grouped",
		    { { .name = "r",
			.sources = "access",
			.value = "absent()",
			.window = "5m",
			.group_by = "host" } },
		    1, { { 21, "absent() cannot be grouped" } }, 1 },
		{ "negative min_count",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.min_count = "-5" } },
		    1, { { 17, "min_count: must be 0 or more" } }, 1 },
		{ "errors sorted by line across keys",
		    { { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.severity = "loud",
			.where = "nosuch == 1" } },
		    1, { { 12, "where:" }, { 24, "severity: \"loud\"" } }, 2 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct ruleset *rs = compile(cases[i].defs, cases[i].ndefs);

		if (rs != NULL) {
			ruleset_free(rs);
			fail_msg("%s: compiled", cases[i].name);
		}
		if (nerrs != cases[i].nwant) {
			for (unsigned j = 0; j < nerrs && j < ERRS_MAX; j++)
				print_message(
				    "  %d: %s\n", errs[j].line, errs[j].msg);
			fail_msg("%s: %u errors, want %u", cases[i].name, nerrs,
			    cases[i].nwant);
		}
		for (unsigned j = 0; j < cases[i].nwant; j++) {
			if (errs[j].line != cases[i].want[j].line ||
			    strstr(errs[j].msg, cases[i].want[j].sub) == NULL)
				fail_msg("%s: error %u is %d: \"%s\", want %d: "
					 "\"%s\"",
				    cases[i].name, j, errs[j].line, errs[j].msg,
				    cases[i].want[j].line,
				    cases[i].want[j].sub);
		}
	}
}

static void
test_compile_ok_and_fields(void **state)
{
	static const struct tdef defs[] = {
		{ .name = "api_latency",
		    .sources = "access",
		    .where = "path =~ '^/api/' && path !in ['/api/draft_send']",
		    .value = "avg(request_time)",
		    .window = "5m",
		    .alert_if = "> 1.5",
		    .min_count = "20",
		    .for_ = "1m",
		    .breakdown = "http_x_api_key",
		    .repeat = "1h",
		    .severity = "critical",
		    .notify = "slack,pager",
		    .summary = "API latency {value}s over {window}" },
		{ .name = "body_too_large",
		    .sources = "errors",
		    .where = "error == 'body_too_large'",
		    .window = "10m",
		    .alert_if = ">= 1",
		    .notify = "slack" },
		{ .name = "errors_quiet",
		    .sources = "errors",
		    .value = "absent()",
		    .window = "1h" },
		{ .name = "by_host",
		    .sources = "access,errors",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = "> 100",
		    .group_by = "server_name" },
	};
	struct ruleset *rs;

	(void)state;
	/* server_name: produced by neither input; make access produce it. */
	input_fields[0] |= BIT(FIELD_SERVER_NAME);
	rs = compile(defs, NELEM(defs));
	input_fields[0] &= ~BIT(FIELD_SERVER_NAME);
	if (rs == NULL)
		fail_msg("does not compile: %u errors: %d: %s", nerrs,
		    errs[0].line, errs[0].msg);
	assert_int_equal(ruleset_count(rs), 4);
	assert_string_equal(rule_name(ruleset_rule(rs, 1)), "body_too_large");
	assert_null(ruleset_rule(rs, 4));
	assert_int_equal(ruleset_fields_for_input(rs, 0),
	    BIT(FIELD_TIME) | BIT(FIELD_PATH) | BIT(FIELD_REQUEST_TIME) |
		BIT(f_key) | BIT(FIELD_SERVER_NAME));
	assert_int_equal(ruleset_fields_for_input(rs, 1),
	    BIT(FIELD_TIME) | BIT(FIELD_ERROR) | BIT(FIELD_SERVER_NAME));
	assert_int_equal(ruleset_fields_for_input(rs, 2), 0);
	ruleset_free(rs);
	ruleset_free(NULL);
}

static void
test_rule_same(void **state)
{
	static const struct {
		const char *name;
		struct tdef a, b;
		bool same;
	} cases[] = {
		{ "identical",
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" },
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" },
		    true },
		{ "same window spelled differently",
		    { .name = "r",
			.sources = "access",
			.window = "300s",
			.alert_if = "> 1" },
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1.0" },
		    true },
		{ "presentation only",
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.severity = "info" },
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.severity = "critical",
			.notify = "pager",
			.summary = "x {value}" },
		    true },
		{ "threshold",
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" },
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 2" },
		    false },
		{ "where",
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" },
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.where = "status >= 500" },
		    false },
		{ "window",
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" },
		    { .name = "r",
			.sources = "access",
			.window = "6m",
			.alert_if = "> 1" },
		    false },
		{ "group_by",
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" },
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1",
			.group_by = "host" },
		    false },
		{ "name",
		    { .name = "r",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" },
		    { .name = "s",
			.sources = "access",
			.window = "5m",
			.alert_if = "> 1" },
		    false },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct ruleset *a = compile_ok(&cases[i].a, cases[i].name);
		struct ruleset *b = compile_ok(&cases[i].b, cases[i].name);

		if (rule_same(ruleset_rule(a, 0), ruleset_rule(b, 0)) !=
		    cases[i].same)
			fail_msg("%s: rule_same is %d", cases[i].name,
			    !cases[i].same);
		ruleset_free(a);
		ruleset_free(b);
	}
}

/* --- the state machine ----------------------------------------------- */

static void
test_state_machine(void **state)
{
	static const struct {
		const char *name;
		struct tdef def;
		const char *steps, *want;
	} cases[] = {
		{ "count fires at once, resolves when the window drains",
		    { .value = "count()", .window = "1m", .alert_if = ">= 3" },
		    "e0 e1 e2 t200", "F2 R60" },
		{ "for: pending, then firing after 30 s",
		    { .value = "count()",
			.window = "1m",
			.alert_if = ">= 3",
			.for_ = "30s" },
		    "e0..40 t200", "P2 F32 R98" },
		{ "for: pending that stops holding is silent",
		    { .value = "count()",
			.window = "20s",
			.alert_if = ">= 3",
			.for_ = "30s" },
		    "e0 e1 e2 t200", "P2" },
		{ "repeat every 10 s while firing",
		    { .value = "count()",
			.window = "1m",
			.alert_if = ">= 1",
			.repeat = "10s" },
		    "e0..30/5 t200",
		    "F0 F10r F20r F30r F40r F50r F60r F70r F80r R90" },
		{ "keep_firing_for holds the resolve",
		    { .value = "count()",
			.window = "10s",
			.alert_if = ">= 1",
			.keep = "20s" },
		    "e0 t100", "F0 R30" },
		{ "keep_firing_for restarts when the condition returns",
		    { .value = "count()",
			.window = "10s",
			.alert_if = ">= 1",
			.keep = "20s" },
		    "e0 e15 t100", "F0 R45" },
		{ "resolve_if: hysteresis",
		    { .value = "avg(request_time)",
			.window = "10s",
			.alert_if = "> 1.5",
			.resolve_if = "< 1.0" },
		    "e0:rt=2 e1:rt=1.2 e2:rt=0.6 e3:rt=0.2 e4:rt=0", "F0 R4" },
		{ "no resolve_if: resolves when alert_if stops",
		    { .value = "avg(request_time)",
			.window = "10s",
			.alert_if = "> 1.5" },
		    "e0:rt=2 e1:rt=1.2 e2:rt=0.6 e3:rt=0.2 e4:rt=0", "F0 R2" },
		{ "resolve_if: a drained window resolves",
		    { .value = "avg(request_time)",
			.window = "10s",
			.alert_if = "> 1.5",
			.resolve_if = "< 1.0" },
		    "e0:rt=2 t30", "F0 R10" },
		{ "min_count: no verdict on fewer events",
		    { .value = "avg(request_time)",
			.window = "1m",
			.alert_if = "> 1",
			.min_count = "3" },
		    "e0:rt=5 e1:rt=5 e2:rt=5", "F2" },
		{ "events without the value are outside the aggregate",
		    { .value = "avg(request_time)",
			.window = "1m",
			.alert_if = "> 1",
			.min_count = "3" },
		    "e0:rt=5 e1:rt=- e2:rt=- e3:rt=5 e4:rt=5", "F4" },
		{ "NAN never holds: empty window resolves < condition",
		    { .value = "avg(request_time)",
			.window = "1m",
			.alert_if = "< 1" },
		    "t0 t30 e40:rt=0.5 t200", "F40 R100" },
		{ "avg rises as fast requests leave: fires on a tick",
		    { .value = "avg(request_time)",
			.window = "10s",
			.alert_if = "> 1" },
		    "e0:rt=0.1 e0:rt=0.1 e0:rt=0.1 e5:rt=1.5 t20", "F10 R15" },
		{ "ratio of 5xx",
		    { .value = "ratio(status >= 500)",
			.window = "1m",
			.alert_if = "> 0.5",
			.min_count = "4" },
		    "e0:s=200 e1:s=500 e2:s=502 e3:s=503", "F3" },
		{ "distinct hosts",
		    { .value = "distinct(host)",
			.window = "1m",
			.alert_if = ">= 3" },
		    "e0:h=a e1:h=a e2:h=b e3:h=c", "F3" },
		{ "rate per second",
		    { .value = "rate()",
			.window = "10s",
			.alert_if = "> 0.25" },
		    "e0 e1 e2 e3", "F2" },
		{ "one alert per group",
		    { .value = "count()",
			.window = "1m",
			.alert_if = ">= 2",
			.group_by = "host" },
		    "e0:h=a e1:h=b e2:h=a e3:h=b t200",
		    "F2:a F3:b R60:a R61:b" },
		{ "where filters",
		    { .where = "status >= 500",
			.value = "count()",
			.window = "1m",
			.alert_if = ">= 2" },
		    "e0:s=500 e1:s=200 e2:s=404 e3:s=502", "F3" },
		{ "event without time takes the clock",
		    { .value = "count()", .window = "1m", .alert_if = ">= 3" },
		    "e5 e0:n=1 e0:n=1", "F5" },
		{ "event without time before any clock is dropped",
		    { .value = "count()", .window = "1m", .alert_if = ">= 1" },
		    "e0:n=1 e0:n=1", "" },
		{ "absent fires after a silent window, resolves on an event",
		    { .value = "absent()", .window = "30s" },
		    "t0 t100 e100 t200", "F30 R100 F130" },
		{ "absent with an explicit condition",
		    { .value = "absent()", .window = "30s", .alert_if = "> 0" },
		    "e0 e20 t100", "F50" },
		{ "other input does not feed the rule",
		    { .value = "count()", .window = "1m", .alert_if = ">= 1" },
		    "e0:i=1 e1:i=1", "" },
		{ "long silence: timers still exact",
		    { .value = "count()",
			.window = "1m",
			.alert_if = ">= 1",
			.repeat = "1h" },
		    "e0 t86400", "F0 R60" },
		{ "repeat across a long silence (absent)",
		    { .value = "absent()", .window = "1m", .repeat = "1h" },
		    "e0 t7300", "F60 F3660r F7260r" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		expect_steps(&cases[i].def, cases[i].name, cases[i].steps,
		    cases[i].want);
}

/* The fields of a transition beyond its state and time. */
static void
test_transition_content(void **state)
{
	static const struct tdef def = {
		.name = "api_5xx",
		.sources = "access",
		.where = "status >= 500",
		.value = "count()",
		.window = "5m",
		.alert_if = ">= 3",
		.group_by = "host",
		.severity = "critical",
		.notify = "slack,pager",
		.summary = "{rule} on {group.host}: {value} {op} {threshold} "
			   "in {window}",
	};
	struct ruleset *rs = compile_ok(&def, "content");
	struct engine *e = new_engine(rs);
	const struct alert_transition *t;

	(void)state;
	run_steps(e, "e0:h=web1,s=500 e1:h=web1,s=502 e2:h=web1,s=503", "c");
	assert_int_equal(ntrs, 1);
	t = &trs[0];
	assert_int_equal(t->state, ALERT_FIRING);
	assert_false(t->repeat);
	assert_string_equal(t->rule_name, "api_5xx");
	assert_ptr_equal(t->rule, ruleset_rule(rs, 0));
	assert_string_equal(t->severity, "critical");
	assert_int_equal(t->at_ms, T0 + 2000);
	assert_int_equal(t->active_since_ms, T0 + 2000);
	assert_true(t->value == 3.0);
	assert_true(t->threshold == 3.0);
	assert_int_equal(t->count, 3);
	assert_int_equal(t->ngroup, 1);
	assert_string_equal(t->group_names[0], "host");
	assert_string_equal(t->group_values[0], "web1");
	assert_int_equal(strlen(t->dedup_key), 16);
	assert_string_equal(t->summary, "api_5xx on web1: 3 >= 3 in 5m");
	assert_int_equal(t->nnotify, 2);
	assert_int_equal(t->notify[0], 1);
	assert_int_equal(t->notify[1], 2);
	assert_int_equal(t->ncontrib, 0);
	engine_free(e);
	ruleset_free(rs);
}

/* Samples: the first event of the episode, then the two latest. */
static void
test_samples(void **state)
{
	static const struct tdef def = {
		.name = "r",
		.sources = "access",
		.value = "count()",
		.window = "1m",
		.alert_if = ">= 5",
		.repeat = "10s",
	};
	static const struct {
		const char *name, *steps;
		unsigned tr;
		const char *want[3];
		unsigned nwant;
	} cases[] = {
		{ "five events", "e0:p=/a e1:p=/b e2:p=/c e3:p=/d e4:p=/e", 0,
		    { "h1 /a 200 0.1", "h1 /d 200 0.1", "h1 /e 200 0.1" }, 3 },
		/* /old left the window at 60, before the group was swept. */
		{ "episode starts after an empty window",
		    "e0:p=/old e60:p=/a e61:p=/b e62:p=/c e63:p=/d e64:p=/e", 0,
		    { "h1 /a 200 0.1", "h1 /d 200 0.1", "h1 /e 200 0.1" }, 3 },
		{ "an evicted group starts afresh",
		    "e0:p=/old t70 e70:p=/a e71:p=/b e72:p=/c e73:p=/d e74:p=/e",
		    0, { "h1 /a 200 0.1", "h1 /d 200 0.1", "h1 /e 200 0.1" },
		    3 },
		{ "repeat carries the latest",
		    "e0:p=/a e1:p=/b e2:p=/c e3:p=/d e4:p=/e e8:p=/f e9:p=/g t14",
		    1, { "h1 /a 200 0.1", "h1 /f 200 0.1", "h1 /g 200 0.1" },
		    3 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct ruleset *rs = compile_ok(&def, cases[i].name);
		struct engine *e = new_engine(rs);
		const struct alert_transition *t;

		run_steps(e, cases[i].steps, cases[i].name);
		if (ntrs <= cases[i].tr)
			fail_msg("%s: %u transitions", cases[i].name, ntrs);
		t = &trs[cases[i].tr];
		if (t->nsamples != cases[i].nwant)
			fail_msg("%s: %u samples", cases[i].name, t->nsamples);
		for (unsigned j = 0; j < t->nsamples; j++) {
			if (strcmp(t->samples[j], cases[i].want[j]) != 0)
				fail_msg("%s: sample %u \"%s\", want \"%s\"",
				    cases[i].name, j, t->samples[j],
				    cases[i].want[j]);
		}
		engine_free(e);
		ruleset_free(rs);
	}
}

/* Long group values and lines are cut with a marker, UTF-8 intact. */
static void
test_truncation(void **state)
{
	static const struct tdef def = {
		.name = "r",
		.sources = "access",
		.value = "count()",
		.window = "1m",
		.alert_if = ">= 2",
		.group_by = "host",
	};
	struct ruleset *rs = compile_ok(&def, "truncation");
	struct engine *e = new_engine(rs);
	char host[300], host2[300], path[1500];
	struct tev ev;

	(void)state;
	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	memcpy(host2, host, sizeof(host));
	host2[200] = 'b'; /* differs past the cut: same group */
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	make_event(&ev, T0, host, 200, 0.1, NULL, path);
	engine_feed(e, 0, &ev.ev);
	make_event(&ev, T0 + 1000, host2, 200, 0.1, NULL, path);
	engine_feed(e, 0, &ev.ev);
	engine_flush(e);
	assert_int_equal(ntrs, 1);
	assert_int_equal(strlen(trs[0].group_values[0]), 127);
	assert_memory_equal(trs[0].group_values[0] + 124, "...", 4);
	assert_int_equal(strlen(trs[0].samples[0]), ALERT_TEXT_MAX - 1);
	assert_memory_equal(trs[0].samples[0] + ALERT_TEXT_MAX - 4, "...", 4);
	engine_free(e);
	ruleset_free(rs);
}

/* --- time: late and out-of-order events ------------------------------ */

static void
test_late_and_out_of_order(void **state)
{
	static const struct tdef def = {
		.name = "r",
		.sources = "access",
		.value = "count()",
		.window = "10s",
		.alert_if = ">= 3",
	};
	static const struct {
		const char *name, *steps, *want;
		uint64_t late;
	} cases[] = {
		/* 96 is 4 s behind: placed at 96, it leaves at 106. */
		{ "out of order placed right", "e100 e96 e97 t200", "F100 R106",
		    0 },
		{ "older than the slack is dropped", "e100 e94 e96 t200", "",
		    1 },
		/* 95 is exactly the slack behind: still in. */
		{ "late after a tick", "t100 e94 e95 e99 e99.5 t200",
		    "F100 R105", 1 },
		{ "in order", "e96 e97 e100 t200", "F100 R106", 0 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct ruleset *rs = compile_ok(&def, cases[i].name);
		struct engine *e = new_engine(rs);
		char got[512];

		run_steps(e, cases[i].steps, cases[i].name);
		log_relative(got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name,
			    got, cases[i].want);
		if (engine_stats(e)->late != cases[i].late)
			fail_msg("%s: late %llu, want %llu", cases[i].name,
			    (unsigned long long)engine_stats(e)->late,
			    (unsigned long long)cases[i].late);
		engine_free(e);
		ruleset_free(rs);
	}
}

static void
test_clock(void **state)
{
	static const struct tdef def = {
		.name = "r",
		.sources = "access",
		.value = "count()",
		.window = "1m",
		.alert_if = ">= 100",
	};
	struct ruleset *rs = compile_ok(&def, "clock");
	struct engine *e = new_engine(rs);
	const struct engine_stats *st = engine_stats(e);

	(void)state;
	assert_int_equal(engine_now(e), INT64_MIN);
	run_steps(e, "e0:n=1", "clock");
	assert_int_equal(engine_now(e), INT64_MIN);
	assert_int_equal(st->no_time, 1);
	run_steps(e, "t10 e5 t3", "clock");
	/* The end of the steps closed second 10: the clock is at 11. */
	assert_int_equal(engine_now(e), T0 + 11000);
	run_steps(e, "e20 e21:n=1", "clock");
	assert_int_equal(engine_now(e), T0 + 21000);
	assert_int_equal(st->events, 4);
	assert_int_equal(st->matched, 3);
	assert_int_equal(st->no_time, 2);
	engine_free(e);
	ruleset_free(rs);
}

/* --- groups: cap, overflow, eviction --------------------------------- */

static void
test_group_cap(void **state)
{
	static const struct tdef def = {
		.name = "r",
		.sources = "access",
		.value = "count()",
		.window = "1m",
		.alert_if = ">= 5",
		.group_by = "host",
		.max_groups = "2",
	};
	struct ruleset *rs = compile_ok(&def, "cap");
	struct engine *e = new_engine(rs);
	struct engine_rule_stats rst;
	char got[512];

	(void)state;
	run_steps(e,
	    "e0:h=a e0:h=b e1:h=c e1:h=d e2:h=e e2:h=f e3:h=g "
	    "e3:h=a",
	    "cap");
	log_relative(got, sizeof(got));
	assert_string_equal(got, "F3:__overflow__");
	assert_string_equal(trs[0].group_values[0], ENGINE_OVERFLOW_GROUP);
	engine_rule_stats(e, 0, &rst);
	assert_int_equal(rst.groups, 3);
	assert_int_equal(rst.overflowed, 5);
	assert_int_equal(engine_stats(e)->groups_overflow, 5);
	assert_int_equal(rst.matched, 8);
	/* Once a, b are idle, new keys get their own groups again. */
	run_steps(e, "t100 e100:h=x e100:h=y e100:h=z", "cap");
	engine_rule_stats(e, 0, &rst);
	assert_int_equal(rst.overflowed, 6);
	assert_int_equal(rst.groups, 3); /* x, y and the overflow group */
	engine_free(e);
	ruleset_free(rs);
}

static void
test_eviction(void **state)
{
	static const struct {
		const char *name;
		struct tdef def;
		const char *steps;
		unsigned groups;
		uint64_t evicted;
	} cases[] = {
		{ "idle groups go",
		    { .value = "count()",
			.window = "10s",
			.alert_if = ">= 9",
			.group_by = "host" },
		    "e0:h=a e0:h=b e0:h=c t100", 0, 3 },
		{ "a live group stays",
		    { .value = "count()",
			.window = "10s",
			.alert_if = ">= 9",
			.group_by = "host" },
		    "e0:h=a e0:h=b e95:h=c t100", 1, 2 },
		{ "a firing group stays while firing",
		    { .value = "count()",
			.window = "10s",
			.alert_if = ">= 1",
			.keep = "1h",
			.group_by = "host" },
		    "e0:h=a e0:h=b t100", 2, 0 },
		{ "min_count 0 keeps groups (empty may hold)",
		    { .value = "count()",
			.window = "10s",
			.alert_if = "> 5",
			.min_count = "0",
			.group_by = "host" },
		    "e0:h=a e0:h=b t100", 2, 0 },
		{ "an evicted group comes back",
		    { .value = "count()",
			.window = "10s",
			.alert_if = ">= 9",
			.group_by = "host" },
		    "e0:h=a t100 e100:h=a", 1, 1 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct tdef def = cases[i].def;
		struct ruleset *rs;
		struct engine *e;
		struct engine_rule_stats rst;

		def.name = "r";
		def.sources = "access";
		rs = compile_ok(&def, cases[i].name);
		e = new_engine(rs);
		run_steps(e, cases[i].steps, cases[i].name);
		engine_rule_stats(e, 0, &rst);
		if (rst.groups != cases[i].groups ||
		    engine_stats(e)->evicted != cases[i].evicted)
			fail_msg("%s: groups %u evicted %llu, want %u %llu",
			    cases[i].name, rst.groups,
			    (unsigned long long)engine_stats(e)->evicted,
			    cases[i].groups,
			    (unsigned long long)cases[i].evicted);
		engine_free(e);
		ruleset_free(rs);
	}
}

/* --- breakdown
 * ------------------------------------------------------------------ */

static void
test_breakdown(void **state)
{
	static const struct {
		const char *name;
		struct tdef def;
		const char *steps;
		const char *top;
		double share_events, share_value;
		const char *summary_has;
	} cases[] = {
		{ "one account makes the latency",
		    { .value = "avg(request_time)",
			.window = "5m",
			.alert_if = "> 1",
			.min_count = "27",
			.breakdown = "http_x_api_key",
			.summary = "{value}s: {breakdown}" },
		    "e0..19:k=key-1,rt=2 e20..24:k=key-2,rt=0.5 "
		    "e25..26:k=key-3,rt=0.1",
		    "key-1", 20.0 / 27, 40.0 / 42.7,
		    "1.58s: key-1 94%, key-2 6%, key-3 <1%" },
		{ "count rule: shares of events",
		    { .value = "count()",
			.window = "5m",
			.alert_if = ">= 10",
			.breakdown = "http_x_api_key" },
		    "e0..6:k=abc e7..9:k=xyz", "abc", 0.7, 0.7,
		    "(top: abc 70%, xyz 30%)" },
		{ "two keys, top first",
		    { .value = "count()",
			.window = "5m",
			.alert_if = ">= 140",
			.breakdown = "http_x_api_key" },
		    "e0..99:k=big e100..139:k=s0", "big", 100.0 / 140,
		    100.0 / 140, "big 71%" },
		{ "events without the field count as -",
		    { .value = "count()",
			.window = "5m",
			.alert_if = ">= 4",
			.breakdown = "http_x_api_key" },
		    "e0 e1 e2 e3:k=a", "-", 0.75, 0.75, "- 75%, a 25%" },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct tdef def = cases[i].def;
		struct ruleset *rs;
		struct engine *e;
		const struct alert_transition *t;

		def.name = "r";
		def.sources = "access";
		rs = compile_ok(&def, cases[i].name);
		e = new_engine(rs);
		run_steps(e, cases[i].steps, cases[i].name);
		if (ntrs != 1 || trs[0].state != ALERT_FIRING)
			fail_msg("%s: %u transitions", cases[i].name, ntrs);
		t = &trs[0];
		if (t->ncontrib == 0 ||
		    strcmp(t->contrib[0].key, cases[i].top) != 0)
			fail_msg("%s: top \"%s\"", cases[i].name,
			    t->ncontrib ? t->contrib[0].key : "(none)");
		if (fabs(t->contrib[0].share_events - cases[i].share_events) >
			1e-9 ||
		    fabs(t->contrib[0].share_value - cases[i].share_value) >
			1e-9)
			fail_msg("%s: shares %g %g, want %g %g", cases[i].name,
			    t->contrib[0].share_events,
			    t->contrib[0].share_value, cases[i].share_events,
			    cases[i].share_value);
		if (strstr(t->summary, cases[i].summary_has) == NULL)
			fail_msg(
			    "%s: summary \"%s\"", cases[i].name, t->summary);
		engine_free(e);
		ruleset_free(rs);
	}
}

/* More distinct keys than slots: the heavy key survives replacement. */
static void
test_breakdown_many_keys(void **state)
{
	static const struct tdef def = {
		.name = "r",
		.sources = "access",
		.value = "count()",
		.window = "10m",
		.alert_if = ">= 300",
		.breakdown = "http_x_api_key",
	};
	struct ruleset *rs = compile_ok(&def, "many keys");
	struct engine *e = new_engine(rs);
	struct tev ev;

	(void)state;
	for (int i = 0; i < 300; i++) {
		char key[32];

		/* Every third event is "hot"; the rest are all distinct. */
		if (i % 3 == 0)
			snprintf(key, sizeof(key), "hot");
		else
			snprintf(key, sizeof(key), "cold-%d", i);
		make_event(&ev, T0 + i * 1000, "h1", 200, 0.1, key, "/");
		engine_feed(e, 0, &ev.ev);
	}
	engine_flush(e);
	assert_int_equal(ntrs, 1);
	assert_string_equal(trs[0].contrib[0].key, "hot");
	/* Space-saving: an upper bound, at least the true share. */
	assert_true(trs[0].contrib[0].share_events >= 100.0 / 300 - 1e-9);
	assert_true(trs[0].contrib[0].share_events <= 0.5);
	assert_true(trs[0].ncontrib == ALERT_CONTRIB_MAX);
	engine_free(e);
	ruleset_free(rs);
}

/* --- runs: engine_feed_run against engine_feed ---------------------- */

#define RUN_EVENTS 3000
#define REC_MAX    (1 << 20)

static char rec_buf[REC_MAX];
static size_t rec_len;

/* Everything a transition says, as one line. */
static void
on_emit_rec(void *arg, const struct alert_transition *t)
{
	int n;

	(void)arg;
	n = snprintf(rec_buf + rec_len, REC_MAX - rec_len,
	    "%s %d%s %lld v=%.9g n=%llu g=%s s=%lld |%s|%s|%s| c=%u %s:%llu\n",
	    t->rule_name, (int)t->state, t->repeat ? "r" : "",
	    (long long)t->at_ms, t->value, (unsigned long long)t->count,
	    t->ngroup ? t->group_values[0] : "-", (long long)t->active_since_ms,
	    t->nsamples > 0 ? t->samples[0] : "",
	    t->nsamples > 1 ? t->samples[1] : "",
	    t->nsamples > 2 ? t->samples[2] : "", t->ncontrib,
	    t->ncontrib ? t->contrib[0].key : "-",
	    (unsigned long long)(t->ncontrib ? t->contrib[0].count : 0));
	assert_true(n > 0 && (size_t)n < REC_MAX - rec_len);
	rec_len += (size_t)n;
}

/* A replay of one stream; chunk 0: engine_feed per event, else
 * engine_feed_run in pseudo-random runs of 1 .. chunk events. */
static void
replay_stream(const struct ruleset *rs, const struct log_event *evs, size_t n,
    unsigned chunk, struct engine_stats *st)
{
	struct engine *e = engine_new(rs, on_emit_rec, NULL);
	uint32_t x = 12345;

	assert_non_null(e);
	rec_len = 0;
	for (size_t i = 0; i < n;) {
		size_t m = 1;

		if (chunk > 0) {
			x = x * 1103515245u + 12345u;
			m = 1 + (x >> 8) % chunk;
		}
		if (m > n - i)
			m = n - i;
		if (chunk == 0)
			engine_feed(e, 0, &evs[i]);
		else
			engine_feed_run(e, 0, &evs[i], m);
		i += m;
	}
	engine_tick(e, engine_now(e) + 600000);
	*st = *engine_stats(e);
	engine_free(e);
}

/* Event i of a pseudo-random access stream (state x, clock t): phases of
 * busy and quiet seconds with silent gaps, out-of-order, late and
 * timeless events, 5xx bursts, slow phases, keys and hosts. */
static void
run_stream_event(
    struct tev *tev, struct log_event *ev, size_t i, uint32_t *x, int64_t *t)
{
	char host[8], key[16];
	unsigned r;
	int64_t at;

	*x = *x * 1103515245u + 12345u;
	r = *x >> 8;
	*t += (i / 400) % 2 ? (int64_t)(r % 300) : (int64_t)(r % 40);
	if (r % 997 == 0)
		*t += 40000;
	at = *t;
	if (r % 13 == 0)
		at -= (int64_t)(r % 4000); /* out of order */
	if (r % 101 == 0)
		at -= 9000; /* late */
	snprintf(host, sizeof(host), "h%u", r % 4);
	snprintf(key, sizeof(key), "k%u", (r >> 4) % 9);
	make_event(tev, r % 211 == 0 ? EVENT_TIME_NONE : at, host,
	    (i / 250) % 3 == 1 && r % 3 ? 502 : 200,
	    (i / 300) % 2 ? 0.2 + (double)(r % 2000) / 1000 : 0.1,
	    r % 17 == 0 ? NULL : key, r % 5 == 0 ? "/static/x" : "/api/y");
	*ev = tev->ev;
}

/*
 * The same stream fed event by event and in runs of every size gives the
 * same transitions (times, values, counts, samples, breakdowns) and the
 * same counters: out-of-order, late and timeless events included.
 */
static void
test_feed_run_same(void **state)
{
	static const struct tdef defs[] = {
		{ .name = "errs",
		    .sources = "access",
		    .where = "status >= 500",
		    .value = "count()",
		    .window = "10s",
		    .alert_if = ">= 5",
		    .group_by = "host",
		    .breakdown = "http_x_api_key" },
		{ .name = "slow",
		    .sources = "access",
		    .where = "path =~ '^/api/' && status != 404",
		    .value = "avg(request_time)",
		    .window = "30s",
		    .alert_if = "> 0.5",
		    .min_count = "3",
		    .keep = "5s" },
		{ .name = "ratio",
		    .sources = "access",
		    .value = "ratio(status >= 500 || host == 'h3')",
		    .window = "20s",
		    .alert_if = "> 0.3",
		    .resolve_if = "< 0.2" },
		{ .name = "p99",
		    .sources = "access",
		    .value = "p99(request_time)",
		    .window = "1m",
		    .alert_if = "> 1",
		    .for_ = "5s",
		    .repeat = "20s" },
		{ .name = "keys",
		    .sources = "access",
		    .value = "distinct(http_x_api_key)",
		    .window = "30s",
		    .alert_if = ">= 4",
		    .breakdown = "host" },
		{ .name = "quiet",
		    .sources = "access",
		    .value = "absent()",
		    .window = "15s" },
	};
	static struct tev tevs[RUN_EVENTS];
	static struct log_event evs[RUN_EVENTS];
	static const unsigned chunks[] = { 1, 2, 7, 64, 300, 700 };
	static const uint32_t seeds[] = { 42, 7, 20261122 };
	static char want[REC_MAX];
	struct engine_stats st0, st;
	struct ruleset *rs;

	(void)state;
	rs = compile(defs, NELEM(defs));
	assert_non_null(rs);
	for (size_t sd = 0; sd < NELEM(seeds); sd++) {
		uint32_t x = seeds[sd];
		int64_t t = T0;

		for (size_t i = 0; i < RUN_EVENTS; i++)
			run_stream_event(&tevs[i], &evs[i], i, &x, &t);
		replay_stream(rs, evs, RUN_EVENTS, 0, &st0);
		memcpy(want, rec_buf, rec_len + 1);
		/* The first stream has alerts of every rule. */
		for (size_t i = 0; sd == 0 && i < NELEM(defs); i++) {
			char name[64];

			snprintf(name, sizeof(name), "\n%s ", defs[i].name);
			if (strstr(want, name) == NULL &&
			    strncmp(want, name + 1, strlen(name + 1)) != 0)
				fail_msg("rule %s never fired in the stream",
				    defs[i].name);
		}
		for (size_t c = 0; c < NELEM(chunks); c++) {
			replay_stream(rs, evs, RUN_EVENTS, chunks[c], &st);
			if (strcmp(rec_buf, want) != 0) {
				size_t k = 0;

				while (rec_buf[k] == want[k])
					k++;
				while (k > 0 && want[k - 1] != '\n')
					k--;
				fail_msg(
				    "seed %u, runs of up to %u: first "
				    "difference:\nwant %.300s\ngot  %.300s",
				    seeds[sd], chunks[c], want + k,
				    rec_buf + k);
			}
			assert_true(memcmp(&st, &st0, sizeof(st)) == 0);
		}
	}
	ruleset_free(rs);
}

/* --- identity
 * ---------------------------------------------------------------------- */

static uint64_t
ref_fnv(const char *const *parts, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++) {
		const char *p = parts[i];

		if (i > 0) {
			h ^= 0x1f;
			h *= UINT64_C(0x100000001b3);
		}
		for (; *p != '\0'; p++) {
			h ^= (unsigned char)*p;
			h *= UINT64_C(0x100000001b3);
		}
	}
	return h;
}

static void
test_dedup_key(void **state)
{
	static const struct tdef defs[] = {
		{ .name = "api_5xx",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 1",
		    .group_by = "host" },
		{ .name = "plain",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 1" },
	};
	char first[3][17];

	(void)state;
	for (int run = 0; run < 2; run++) {
		struct ruleset *rs = compile(defs, 2);
		struct engine *e;

		assert_non_null(rs);
		e = new_engine(rs);
		run_steps(e, "e0:h=web1 e1:h=web2", "dedup");
		assert_int_equal(ntrs, 3); /* web1, plain, web2 */
		for (int i = 0; i < 3; i++) {
			if (run == 0)
				memcpy(first[i], trs[i].dedup_key, 17);
			else
				assert_string_equal(first[i], trs[i].dedup_key);
		}
		engine_free(e);
		ruleset_free(rs);
	}
	{
		static const char *const k1[] = { "api_5xx", "web1" };
		static const char *const k2[] = { "plain" };
		char want[17];

		snprintf(want, sizeof(want), "%016llx",
		    (unsigned long long)ref_fnv(k1, 2));
		assert_string_equal(first[0], want);
		snprintf(want, sizeof(want), "%016llx",
		    (unsigned long long)ref_fnv(k2, 1));
		assert_string_equal(first[1], want);
	}
	assert_string_not_equal(first[0], first[2]);
	assert_string_not_equal(first[0], first[1]);
}

/* --- snapshot
 * ------------------------------------------------------------------------ */

static const struct tdef snap_defs[] = {
	{ .name = "busy",
	    .sources = "access",
	    .value = "count()",
	    .window = "1m",
	    .alert_if = ">= 2",
	    .group_by = "host",
	    .breakdown = "http_x_api_key" },
	{ .name = "slow",
	    .sources = "access",
	    .value = "p99(request_time)",
	    .window = "5m",
	    .alert_if = "> 100" },
	{ .name = "quiet",
	    .sources = "errors",
	    .value = "absent()",
	    .window = "30s" },
};

static FILE *
save(struct engine *e)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(engine_save(e, f), 0);
	rewind(f);
	return f;
}

static void
test_snapshot_roundtrip(void **state)
{
	struct ruleset *rs = compile(snap_defs, NELEM(snap_defs));
	struct ruleset *rs2;
	struct engine *e, *e2;
	char got[512];
	FILE *f;

	(void)state;
	assert_non_null(rs);
	e = new_engine(rs);
	/* A tick first, as the live agent does: absent() then watches the
	 * errors input from T0 although no error line ever arrives. */
	run_steps(e, "t0 e0:h=a,k=x,rt=1 e1:h=a,k=x,rt=2 e2:h=b,rt=3", "snap");
	log_relative(got, sizeof(got));
	assert_string_equal(got, "F1:a");
	f = save(e);
	engine_free(e);

	/* A restart: a new ruleset from the same defs, a new engine. */
	rs2 = compile(snap_defs, NELEM(snap_defs));
	assert_non_null(rs2);
	e2 = new_engine(rs2);
	assert_int_equal(engine_load(e2, f), 0);
	fclose(f);
	assert_int_equal(engine_now(e2), T0 + 3000);
	/* Still firing: more events and ticks send nothing new... */
	run_steps(e2, "e10:h=a,k=x e20", "snap");
	assert_int_equal(ntrs, 0);
	/* ...b's window came back too: one more event fires it... */
	run_steps(e2, "e21:h=b", "snap");
	log_relative(got, sizeof(got));
	assert_string_equal(got, "F21:b");
	/* ...and a resolves normally when its window drains. The absent
	 * rule's clock came back as well: it fires 30 s after creation. */
	rec_reset();
	run_steps(e2, "t200", "snap");
	log_relative(got, sizeof(got));
	assert_string_equal(got, "F30 R61:a R62:b");
	{
		struct engine_rule_stats rst;

		engine_rule_stats(e2, 0, &rst);
		assert_int_equal(rst.fired, 2);
		assert_int_equal(rst.matched, 6);
	}
	engine_free(e2);
	ruleset_free(rs2);
	ruleset_free(rs);
}

/*
 * What a snapshot taken mid-second keeps: events not yet evaluated (the
 * alert they make fires after the restart, at the next tick), and the
 * value an alert fired with (its resolve, after another restart, repeats
 * it in the summary rather than the empty window's value).
 */
static void
test_snapshot_pending(void **state)
{
	static const struct tdef def = { .name = "r",
		.sources = "access",
		.value = "count()",
		.window = "10s",
		.alert_if = ">= 3",
		.summary = "{value} hits" };
	struct ruleset *rs = compile(&def, 1);
	struct engine *e;
	struct tev ev;
	FILE *f;

	(void)state;
	assert_non_null(rs);
	e = new_engine(rs);
	for (int i = 0; i < 4; i++) {
		make_event(&ev, T0 + 500, "h1", 200, 0.1, NULL, "/");
		engine_feed(e, 0, &ev.ev);
	}
	assert_int_equal(ntrs, 0); /* the second is not over */
	f = save(e);
	engine_free(e);

	e = new_engine(rs);
	assert_int_equal(engine_load(e, f), 0);
	fclose(f);
	assert_int_equal(ntrs, 0);
	engine_flush(e);
	assert_int_equal(ntrs, 1);
	assert_int_equal(trs[0].state, ALERT_FIRING);
	assert_int_equal(trs[0].count, 4);
	assert_string_equal(trs[0].summary, "4 hits");
	f = save(e);
	engine_free(e);

	e = new_engine(rs);
	assert_int_equal(engine_load(e, f), 0);
	fclose(f);
	engine_tick(e, T0 + 61000); /* closes second 60 */
	assert_int_equal(ntrs, 1);
	assert_int_equal(trs[0].state, ALERT_RESOLVED);
	assert_int_equal(trs[0].count, 0);
	assert_string_equal(trs[0].summary, "4 hits");
	engine_free(e);
	ruleset_free(rs);
}

/*
 * Two rules take the same lines as samples (one copy per line is shared,
 * engine.c): a resolves and starts a new episode while b still holds the
 * old lines, then both come back from a snapshot with their samples.
 */
static void
test_samples_shared(void **state)
{
	static const struct tdef defs[] = {
		{ .name = "a",
		    .sources = "access",
		    .value = "count()",
		    .window = "10s",
		    .alert_if = ">= 3" },
		{ .name = "b",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 5",
		    .group_by = "host" },
	};
	static const struct {
		const char *log;
		const char *want[3];
	} cases[] = {
		/* before the snapshot */
		{ "F2",
		    { "h1 /a 200 0.1", "h1 /b 200 0.1", "h1 /c 200 0.1" } },
		{ "F4:h1",
		    { "h1 /a 200 0.1", "h1 /d 200 0.1", "h1 /e 200 0.1" } },
		{ "R12",
		    { "h1 /a 200 0.1", "h1 /d 200 0.1", "h1 /e 200 0.1" } },
		{ "F23",
		    { "h1 /f 200 0.1", "h1 /g 200 0.1", "h1 /h 200 0.1" } },
		/* after it, in a new engine */
		{ "R31",
		    { "h1 /f 200 0.1", "h1 /g 200 0.1", "h1 /h 200 0.1" } },
		{ "R63:h1",
		    { "h1 /a 200 0.1", "h1 /g 200 0.1", "h1 /h 200 0.1" } },
	};
	struct ruleset *rs = compile(defs, NELEM(defs));
	struct engine *e;
	struct alert_transition got[NELEM(cases)];
	unsigned n = 0;
	FILE *f;

	(void)state;
	assert_non_null(rs);
	e = new_engine(rs);
	run_steps(e,
	    "e0:p=/a e1:p=/b e2:p=/c e3:p=/d e4:p=/e t20 "
	    "e21:p=/f e22:p=/g e23:p=/h",
	    "shared");
	for (unsigned i = 0; i < ntrs && n < NELEM(cases); i++)
		got[n++] = trs[i];
	f = save(e);
	engine_free(e);
	e = new_engine(rs);
	assert_int_equal(engine_load(e, f), 0);
	fclose(f);
	run_steps(e, "t70", "shared");
	for (unsigned i = 0; i < ntrs && n < NELEM(cases); i++)
		got[n++] = trs[i];
	engine_free(e);
	ruleset_free(rs);
	if (n != NELEM(cases))
		fail_msg("%u transitions, want %zu", n, NELEM(cases));
	for (size_t i = 0; i < NELEM(cases); i++) {
		char log[64];

		ntrs = 1;
		trs[0] = got[i];
		log_relative(log, sizeof(log));
		if (strcmp(log, cases[i].log) != 0)
			fail_msg("transition %zu: %s, want %s", i, log,
			    cases[i].log);
		if (got[i].nsamples != 3)
			fail_msg("%s: %u samples", cases[i].log,
			    got[i].nsamples);
		for (unsigned j = 0; j < 3; j++) {
			if (strcmp(got[i].samples[j], cases[i].want[j]) != 0)
				fail_msg("%s: sample %u \"%s\", want \"%s\"",
				    cases[i].log, j, got[i].samples[j],
				    cases[i].want[j]);
		}
	}
}

/* A snapshot of changed or unknown rules restores only the same ones. */
static void
test_snapshot_changed_rules(void **state)
{
	static const struct tdef changed[] = {
		{ .name = "busy",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 3",
		    .group_by = "host",
		    .breakdown = "http_x_api_key" },
		{ .name = "new_one",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 1000" },
		{ .name = "quiet",
		    .sources = "errors",
		    .value = "absent()",
		    .window = "30s",
		    .severity = "critical" },
	};
	struct ruleset *rs = compile(snap_defs, NELEM(snap_defs));
	struct ruleset *rs2 = compile(changed, NELEM(changed));
	struct engine *e, *e2;
	char got[512];
	FILE *f;

	(void)state;
	assert_non_null(rs);
	assert_non_null(rs2);
	e = new_engine(rs);
	run_steps(e, "e0:h=a e1:h=a e1:i=1 t40", "changed");
	log_relative(got, sizeof(got));
	assert_string_equal(got, "F1:a F31");
	f = save(e);
	e2 = new_engine(rs2);
	assert_int_equal(engine_load(e2, f), 0);
	fclose(f);
	/* quiet is the same (severity is presentation): still firing, it
	 * resolves on the next event. busy changed: it starts empty, so a
	 * needs three new events (with its old state it would fire at 41). */
	run_steps(e2, "e41:i=1 e41:h=a e42:h=a e43:h=a", "changed");
	log_relative(got, sizeof(got));
	assert_string_equal(got, "R41 F43:a");
	assert_string_equal(trs[0].rule_name, "quiet");
	assert_string_equal(trs[0].severity, "critical");
	assert_string_equal(trs[1].rule_name, "busy");
	engine_free(e2);
	engine_free(e);
	ruleset_free(rs2);
	ruleset_free(rs);
}

static void
test_snapshot_damaged(void **state)
{
	struct ruleset *rs = compile(snap_defs, NELEM(snap_defs));
	struct engine *e;
	char *buf;
	long len;
	FILE *f;

	(void)state;
	assert_non_null(rs);
	e = new_engine(rs);
	run_steps(e, "e0:h=a,k=x e1:h=a,k=y e1:rt=5 e2:h=c", "damaged");
	f = save(e);
	engine_free(e);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), len);
	fclose(f);
	/* Every truncation, and a flipped bit at many offsets. */
	for (long cut = 0; cut <= len; cut += (cut < 64 ? 1 : 7)) {
		for (int flip = 0; flip < 2; flip++) {
			FILE *g = tmpfile();
			struct engine *e2;
			int rc;
			char got[256];

			assert_non_null(g);
			if (flip && cut < len) {
				buf[cut] ^= 0x10;
				fwrite(buf, 1, (size_t)len, g);
				buf[cut] ^= 0x10;
			} else if (!flip) {
				fwrite(buf, 1, (size_t)cut, g);
			} else {
				fclose(g);
				continue;
			}
			rewind(g);
			e2 = new_engine(rs);
			rc = engine_load(e2, g);
			fclose(g);
			if (rc != -1 && (flip || cut < len))
				fail_msg("damage at %ld (%s) accepted", cut,
				    flip ? "flip" : "cut");
			if (rc == -1) {
				/* Empty and usable. */
				assert_int_equal(engine_now(e2), INT64_MIN);
				run_steps(e2, "e0:h=a e1:h=a", "after damage");
				log_relative(got, sizeof(got));
				if (strcmp(got, "F1:a") != 0)
					fail_msg("after damage at %ld: \"%s\"",
					    cut, got);
			}
			engine_free(e2);
		}
	}
	free(buf);
	ruleset_free(rs);
}

/* --- reload
 * -------------------------------------------------------------------------- */

static void
test_adopt(void **state)
{
	static const struct tdef old_defs[] = {
		{ .name = "same",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 2" },
		{ .name = "changed",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 2" },
		{ .name = "gone",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 2" },
	};
	static const struct tdef new_defs[] = {
		{ .name = "changed",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 3" },
		{ .name = "same",
		    .sources = "access",
		    .value = "count()",
		    .window = "1m",
		    .alert_if = ">= 2",
		    .summary = "new text {value}" },
	};
	struct ruleset *old_rs = compile(old_defs, NELEM(old_defs));
	struct ruleset *new_rs = compile(new_defs, NELEM(new_defs));
	struct engine *old, *fresh;
	struct engine_rule_stats rst;
	char got[512];

	(void)state;
	assert_non_null(old_rs);
	assert_non_null(new_rs);
	old = new_engine(old_rs);
	run_steps(old, "e0 e1", "adopt");
	assert_int_equal(ntrs, 3);
	fresh = new_engine(new_rs);
	engine_adopt(fresh, old);
	engine_free(old);
	ruleset_free(old_rs);
	assert_int_equal(engine_now(fresh), T0 + 2000);
	/* "same" keeps firing silently; "changed" starts over. */
	run_steps(fresh, "e2 e3 e4 t200", "adopt");
	log_relative(got, sizeof(got));
	assert_string_equal(got, "F4 R62 R63");
	assert_string_equal(trs[0].rule_name, "changed");
	assert_string_equal(trs[1].rule_name, "changed");
	assert_string_equal(trs[2].rule_name, "same");
	/* The resolve's summary: the new template, with the value the
	 * alert last fired with (2), not the value at resolve (1). */
	assert_string_equal(trs[2].summary, "new text 2");
	assert_true(trs[2].value == 1);
	engine_rule_stats(fresh, 1, &rst);
	assert_int_equal(rst.matched, 5);
	assert_int_equal(rst.fired, 1);
	assert_int_equal(rst.firing_ms, 62000);
	engine_rule_stats(fresh, 0, &rst);
	assert_int_equal(rst.matched, 3);
	engine_free(fresh);
	ruleset_free(new_rs);
}

/* --- issue 8: a second is evaluated once, when it is complete --------- */

/*
 * A steady stream at the threshold: one event a second, count() >= 60
 * over 1m. Each second is evaluated once, over the window that ends with
 * it, so the alert fires at the 60th event and stays firing: no flapping,
 * and `for` elapses. The values reported include the second's events.
 */
static void
test_issue_8_second_once(void **state)
{
	static const struct {
		const char *name;
		struct tdef def;
		const char *steps, *want;
		double value; /* of the first FIRING */
	} cases[] = {
		{ "steady at the threshold",
		    { .value = "count()", .window = "1m", .alert_if = ">= 60" },
		    "e0..299:s=500 t400", "F59 R300", 60 },
		{ "steady at the threshold, with for",
		    { .value = "count()",
			.window = "1m",
			.alert_if = ">= 60",
			.for_ = "30s" },
		    "e0..299:s=500 t400", "P59 F89 R300", 60 },
		{ "repeat reports the whole second",
		    { .value = "count()",
			.window = "1m",
			.alert_if = ">= 60",
			.repeat = "1m" },
		    "e0..299:s=500 t400", "F59 F119r F179r F239r F299r R300",
		    60 },
		{ "three events in one second fire at its close",
		    { .value = "count()", .window = "1m", .alert_if = ">= 3" },
		    "e10 e10.3 e10.9", "F10", 3 },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		expect_steps(&cases[i].def, cases[i].name, cases[i].steps,
		    cases[i].want);
		for (unsigned j = 0; j < ntrs && j < TR_MAX; j++) {
			if (trs[j].state == ALERT_FIRING &&
			    trs[j].value != cases[i].value)
				fail_msg("%s: transition %u value %g, want %g",
				    cases[i].name, j, trs[j].value,
				    cases[i].value);
		}
	}
}

/*
 * A 5% ratio at its threshold, 20 requests a second, one of them a 500
 * at a varying place in the second: one FIRING, no flapping.
 */
static void
test_issue_8_ratio_steady(void **state)
{
	static const struct tdef def = { .name = "r",
		.sources = "access",
		.value = "ratio(status >= 500)",
		.window = "1m",
		.alert_if = ">= 0.05",
		.min_count = "100" };
	struct ruleset *rs = compile_ok(&def, "ratio");
	struct engine *e = new_engine(rs);
	char got[4096];

	(void)state;
	for (int s = 0; s < 300; s++) {
		for (int k = 0; k < 20; k++) {
			struct tev ev;

			make_event(&ev, T0 + s * 1000 + k * 50, "h1",
			    k == (s * 7) % 20 ? 500 : 200, 0.1, NULL, "/a");
			engine_feed(e, 0, &ev.ev);
		}
		engine_tick(e, T0 + s * 1000 + 990);
	}
	engine_flush(e);
	log_relative(got, sizeof(got));
	if (strcmp(got, "F4") != 0)
		fail_msg("ratio at the threshold: got \"%s\"", got);
	engine_free(e);
	ruleset_free(rs);
}

/*
 * Ticks in the middle of a second close only the seconds before it: the
 * live agent ticks every second, and a tick must not evaluate a second
 * whose events are still coming.
 */
static void
test_issue_8_tick_closes_seconds(void **state)
{
	static const struct tdef def = { .name = "r",
		.sources = "access",
		.value = "count()",
		.window = "1m",
		.alert_if = ">= 3" };
	struct ruleset *rs = compile_ok(&def, "tick");
	struct engine *e = new_engine(rs);
	struct tev ev;
	char got[256];

	(void)state;
	make_event(&ev, T0 + 5100, "h1", 200, 0.1, NULL, "/a");
	engine_feed(e, 0, &ev.ev);
	make_event(&ev, T0 + 5200, "h1", 200, 0.1, NULL, "/a");
	engine_feed(e, 0, &ev.ev);
	engine_tick(e, T0 + 5500); /* second 5 is not complete */
	make_event(&ev, T0 + 5600, "h1", 200, 0.1, NULL, "/a");
	engine_feed(e, 0, &ev.ev);
	assert_int_equal(ntrs, 0);
	engine_tick(e, T0 + 6000); /* now it is */
	log_relative(got, sizeof(got));
	assert_string_equal(got, "F5");
	assert_true(trs[0].value == 3);
	engine_free(e);
	ruleset_free(rs);
}

/*
 * The breakdown describes the events in the window of the value: three
 * refused bodies 12 and 11 minutes apart, window 10m; each alert names
 * only its own client, with a count and share that agree.
 */
static void
test_issue_8_breakdown_window(void **state)
{
	static const struct tdef def = { .name = "r",
		.sources = "access",
		.value = "count()",
		.window = "10m",
		.alert_if = ">= 1",
		.breakdown = "http_x_api_key" };
	struct ruleset *rs = compile_ok(&def, "bd");
	struct engine *e = new_engine(rs);
	char got[256];

	(void)state;
	run_steps(e, "e0:k=c141 e720:k=c152 e1380:k=c157 t2000", "bd");
	log_relative(got, sizeof(got));
	assert_string_equal(got, "F0 R600 F720 R1320 F1380 R1980");
	for (unsigned i = 0; i < ntrs; i += 2) {
		const struct alert_transition *t = &trs[i];
		const char *want = i == 0 ? "c141" : i == 2 ? "c152" : "c157";

		if (t->ncontrib != 1 || strcmp(t->contrib[0].key, want) != 0 ||
		    t->contrib[0].count != 1 ||
		    t->contrib[0].share_events != 1.0)
			fail_msg("transition %u: %u contributors, first %s "
				 "(%llu, %g)",
			    i, t->ncontrib, t->ncontrib ? t->contrib[0].key : "-",
			    (unsigned long long)(t->ncontrib ? t->contrib[0].count
							      : 0),
			    t->ncontrib ? t->contrib[0].share_events : 0);
	}
	engine_free(e);
	ruleset_free(rs);
}

/*
 * Samples come from the window that fired and, for a ratio rule, match
 * its filter: on a busy stream of 200s, a burst of 500s an hour later
 * fires with 500 lines, not the first 200 of the stream.
 */
static void
test_issue_8_samples_window(void **state)
{
	static const struct tdef def = { .name = "r",
		.sources = "access",
		.value = "ratio(status >= 500)",
		.window = "1m",
		.alert_if = "> 0.2",
		.min_count = "10" };
	struct ruleset *rs = compile_ok(&def, "samples");
	struct engine *e = new_engine(rs);

	(void)state;
	run_steps(e, "e0..3600:p=/ok e3601..3620:s=500,p=/bad", "samples");
	if (ntrs < 1 || trs[0].state != ALERT_FIRING)
		fail_msg("samples: %u transitions", ntrs);
	if (trs[0].nsamples == 0)
		fail_msg("samples: none");
	for (unsigned j = 0; j < trs[0].nsamples; j++) {
		if (strstr(trs[0].samples[j], "/bad 500") == NULL)
			fail_msg("samples: sample %u is \"%s\"", j,
			    trs[0].samples[j]);
	}
	engine_free(e);
	ruleset_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_compile_ten_errors),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_compile_ok_and_fields),
		cmocka_unit_test(test_rule_same),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_transition_content),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_samples_shared),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_late_and_out_of_order),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_group_cap),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_breakdown),
		cmocka_unit_test(test_breakdown_many_keys),
		cmocka_unit_test(test_dedup_key),
		cmocka_unit_test(test_snapshot_roundtrip),
		cmocka_unit_test(test_snapshot_pending),
		cmocka_unit_test(test_snapshot_changed_rules),
		cmocka_unit_test(test_snapshot_damaged),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_feed_run_same),
		cmocka_unit_test(test_issue_8_second_once),
		cmocka_unit_test(test_issue_8_ratio_steady),
		cmocka_unit_test(test_issue_8_tick_closes_seconds),
		cmocka_unit_test(test_issue_8_breakdown_window),
		cmocka_unit_test(test_issue_8_samples_window),
	};

	return cmocka_run_group_tests(tests, setup_env, NULL);
}
