/*
 * cmd_test - `klaxon test FILE...`: rule unit tests, in the spirit of
 * `promtool test rules`.
 *
 * A test file (format: agent/conf_test.c, above load_test; examples in
 * packaging/examples/tests) names rule files, declares inputs, and lists
 * cases: log lines per input, written in that input's real format with
 * their own timestamps, and every alert transition they must cause.
 *
 * Each case runs on a fresh engine. The lines of each input are grouped
 * into records (agent/records.h: a gunicorn traceback stays with its
 * line), parsed, and merged across inputs in time order (ties keep file
 * order). The engine is fed as the live agent feeds it: before an event,
 * the clock is ticked through every whole second up to it, and after the
 * last event through every second up to the last event's time or the
 * case's `until` (so that resolves and absent() can be tested). FIRING
 * (repeats included) and RESOLVED transitions are collected and compared
 * with the expected list exactly: an expectation with no transition, or a
 * transition with no expectation, fails the case. A line that does not
 * parse fails the case too: a test must never silently test nothing.
 *
 * Not handled: the console sink's rendering (sinks are not run); the
 * wall-clock side of live mode (ticks come from the events).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cmd.h"
#include "agent/conf.h"
#include "agent/records.h"
#include "parsers/parser.h"
#include "parsers/ts.h"
#include "rules/engine.h"
#include "rules/rule.h"
#include "rules/template.h"
#include "agent/ingest.h"
#include "agent/log.h"
#include "agent/notify.h"
#include "parsers/compat.h"

struct test_run;

static void test_fail(struct test_run *r, int line, const char *fmt, ...)
    PRINTFLIKE(3, 4);

#define TEST_SPAN_MAX_MS (31LL * 86400 * 1000) /* ticks per case, bounded */

/* One record of a case, parsed; ev points into text. */
struct test_rec {
	unsigned input;
	int line;    /* test-file line of its first log line */
	size_t seq;  /* file order, for ties */
	int64_t key; /* merge time */
	char *text;
	size_t len;
	bool skip; /* a blank line: not fed */
	struct log_event ev;
};

/* One transition the engine emitted. */
struct test_got {
	const char *rule;
	enum alert_state state;
	bool repeat;
	int64_t at_ms;
	double value;
	unsigned ngroup;
	const char *gname[RULE_GROUP_MAX];
	char gval[RULE_GROUP_MAX][128];
	char summary[1024];
	bool matched;
};

struct test_run {
	const char *file;
	const struct conf *conf;
	const struct conf_test_case *tc;
	struct test_rec *recs;
	size_t nrecs, caprecs;
	struct test_got *got;
	size_t ngot, capgot;
	bool failed;
	bool oom;
};

void
cmd_test_usage(FILE *f)
{
	fprintf(f,
	    "usage: klaxon test FILE...\n"
	    "  Run the rule unit tests of each FILE: log lines per input, and "
	    "the alerts\n"
	    "  expected from them (format: klaxon(8), TEST FILES; examples in\n"
	    "  packaging/examples/tests). Exit 1 if any case fails.\n"
	    "  -h, --help           this text\n");
}

/* "2026-11-22T14:47:00Z", with ".123" only when not a whole second. */
static const char *
test_time(int64_t ms, char *buf, size_t n)
{
	if (ts_format_iso(ms, buf, n) == 0)
		snprintf(buf, n, "%lld ms", (long long)ms);
	else if (ms % 1000 == 0 && n > 20)
		memcpy(buf + 19, "Z", 2);
	return buf;
}

static void
test_fail(struct test_run *r, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%s:%d: case '%s': %s\n", r->file, line, r->tc->name, msg);
	r->failed = true;
}

/* ---- records --------------------------------------------------------- */

static int
add_rec(struct test_run *r, unsigned input, int line, struct sv text,
    uint32_t flags)
{
	struct test_rec *rec, *recs;
	size_t cap;

	if (r->nrecs == r->caprecs) {
		cap = r->caprecs ? r->caprecs * 2 : 64;
		if ((recs = realloc(r->recs, cap * sizeof(*recs))) == NULL)
			return -1;
		r->recs = recs;
		r->caprecs = cap;
	}
	rec = &r->recs[r->nrecs];
	if ((rec->text = malloc(text.len + 1)) == NULL)
		return -1;
	memcpy(rec->text, text.p, text.len);
	rec->text[text.len] = '\0';
	rec->len = text.len;
	rec->input = input;
	rec->line = line;
	rec->seq = r->nrecs;
	rec->ev.flags = flags;
	r->nrecs++;
	return 0;
}

/* Group the lines of one input into records (multi-line formats). */
static int
collect_input(struct test_run *r, unsigned input)
{
	const struct conf_input *in = &r->conf->inputs[input];
	const struct conf_test_line *l;
	struct records rs;
	struct sv out;
	uint32_t fl;
	bool cont, multi = in->parser->is_continuation != NULL;
	int head = 0, line, rc = 0;

	if (records_init(&rs, in->parser, in->prog, 0) == -1)
		return -1;
	for (size_t i = 0; i < r->tc->nlines && rc == 0; i++) {
		l = &r->tc->lines[i];
		if (l->input != input)
			continue;
		cont = multi &&
		    in->parser->is_continuation(in->prog, l->text, l->len);
		/* A record completed by a new head line began at the previous
		 * head; a single-line record or an orphan is this line. */
		line = !multi || cont ? l->line : head;
		if (records_push(&rs, l->text, l->len, 0, &out, &fl))
			rc = add_rec(r, input, line, out, fl);
		if (!cont)
			head = l->line;
	}
	if (rc == 0 && records_flush(&rs, &out, &fl))
		rc = add_rec(r, input, head, out, fl);
	records_release(&rs);
	return rc;
}

/*
 * Parse every record through the ingest stage, one stream per input, as
 * dry-run does: a line that does not parse fails the case; a blank one is
 * skipped; a line without a time takes its input's time so far, and one
 * with none to take is left out (dry-run's "without a time").
 */
static void
parse_recs(struct test_run *r)
{
	struct ingest ing[CONF_INPUTS_MAX];
	const struct conf_input *in;
	struct test_rec *rec;
	struct sv text;
	char why[256];

	for (unsigned i = 0; i < r->conf->ninputs && i < CONF_INPUTS_MAX; i++)
		ingest_init(&ing[i], r->conf->inputs[i].parser,
		    r->conf->inputs[i].prog, r->conf->fields, NULL);
	for (size_t i = 0; i < r->nrecs; i++) {
		rec = &r->recs[i];
		in = &r->conf->inputs[rec->input];
		text = sv_make(rec->text, rec->len);
		rec->skip = false;
		switch (ingest_record(&ing[rec->input], text, rec->ev.flags,
		    EVENT_TIME_NONE, &rec->ev)) {
		case INGEST_BAD:
			parser_error_text(&rec->ev, r->conf->fields, why,
			    sizeof(why));
			test_fail(r, rec->line, "input '%s': %s: \"%.80s\"",
			    in->name, why, rec->text);
			rec->skip = true;
			break;
		case INGEST_SKIP:
		case INGEST_UNPLACED:
			rec->skip = true;
			break;
		case INGEST_TIMED:
			ingest_place(&ing[rec->input], &rec->ev);
			break;
		case INGEST_TOOK:
			break;
		}
		rec->key = rec->ev.time_ms;
	}
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct test_rec *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- the engine ---------------------------------------------------- */

/* The notifier's backend in a test: collect what would be sent. */
static void
collect(void *arg, const struct alert_transition *t)
{
	struct test_run *r = arg;
	struct test_got *g, *got;
	size_t cap;

	if (r->ngot == r->capgot) {
		cap = r->capgot ? r->capgot * 2 : 16;
		if ((got = realloc(r->got, cap * sizeof(*got))) == NULL) {
			r->oom = true;
			return;
		}
		r->got = got;
		r->capgot = cap;
	}
	g = &r->got[r->ngot++];
	memset(g, 0, sizeof(*g));
	g->rule = t->rule_name;
	g->state = t->state;
	g->repeat = t->repeat;
	g->at_ms = t->at_ms;
	g->value = t->value;
	g->ngroup = t->ngroup <= RULE_GROUP_MAX ? t->ngroup : RULE_GROUP_MAX;
	for (unsigned i = 0; i < g->ngroup; i++) {
		g->gname[i] = t->group_names[i];
		compat_strlcpy(
		    g->gval[i], t->group_values[i], sizeof(g->gval[i]));
	}
	compat_strlcpy(g->summary, t->summary, sizeof(g->summary));
}

/*
 * Feed the records in time order, as dry-run does: the engine closes the
 * seconds between them itself; at the end, the clock runs on to `until`
 * (inclusive) and the last second is closed, as dry-run's end of input.
 */
static void
run_engine(struct test_run *r, struct engine *e)
{
	const struct test_rec *rec;
	int64_t end = INT64_MIN, first = INT64_MIN;

	for (size_t i = 0; i < r->nrecs; i++) {
		rec = &r->recs[i];
		if (rec->skip)
			continue;
		if (rec->ev.time_ms != EVENT_TIME_NONE) {
			if (first == INT64_MIN)
				first = rec->ev.time_ms;
			end = rec->ev.time_ms;
		}
		engine_feed(e, rec->input, &rec->ev);
	}
	if (r->tc->until_ms != EVENT_TIME_NONE) {
		end = r->tc->until_ms;
		if (first == INT64_MIN)
			first = end;
	}
	if (first == INT64_MIN)
		return;
	if (end - first > TEST_SPAN_MAX_MS) {
		test_fail(r, r->tc->line, "the case spans more than 31 days");
		return;
	}
	/* The seconds before until's, then until's own (or the last
	 * line's) as the end of input. */
	engine_tick(e, end - (((end % 1000) + 1000) % 1000));
	engine_flush(e);
}

/* ---- comparison ------------------------------------------------------ */

static bool
value_close(const struct conf_test_expect *x, double got)
{
	double want = x->value;

	if (isnan(got))
		return false;
	if (want == 0)
		return fabs(got) <= x->tolerance;
	return fabs(got - want) <= x->tolerance * fabs(want);
}

static bool
group_equal(const struct conf_test_expect *x, const struct test_got *g)
{
	unsigned j;

	if (x->ngroup != g->ngroup)
		return false;
	for (unsigned i = 0; i < x->ngroup; i++) {
		for (j = 0; j < g->ngroup; j++) {
			if (strcmp(x->group_names[i], g->gname[j]) == 0)
				break;
		}
		if (j == g->ngroup || strcmp(x->group_values[i], g->gval[j]))
			return false;
	}
	return true;
}

static bool
expect_match(const struct conf_test_expect *x, const struct test_got *g)
{
	int64_t sec = g->at_ms - (((g->at_ms % 1000) + 1000) % 1000);

	if (strcmp(x->rule, g->rule) != 0 || sec != x->at_ms)
		return false;
	if ((x->state == CONF_EXPECT_FIRING) != (g->state == ALERT_FIRING))
		return false;
	if (x->has_group && !group_equal(x, g))
		return false;
	if (x->has_value && !value_close(x, g->value))
		return false;
	return x->summary == NULL || strstr(g->summary, x->summary) != NULL;
}

static const char *
got_state(const struct test_got *g)
{
	if (g->state == ALERT_RESOLVED)
		return "resolved";
	return g->repeat ? "firing (repeat)" : "firing";
}

/* "firing at T value V group {a=b}", with the rule's name when rule. */
static void
describe_got(const struct test_got *g, bool rule, char *buf, size_t n)
{
	char t[40], v[40];
	size_t len;

	template_format_value(g->value, v, sizeof(v));
	len = (size_t)snprintf(buf, n, "%s%s%s at %s value %s", got_state(g),
	    rule ? " " : "", rule ? g->rule : "",
	    test_time(g->at_ms, t, sizeof(t)), v);
	for (unsigned i = 0; i < g->ngroup && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s=%s%s",
		    i ? ", " : " group {", g->gname[i], g->gval[i],
		    i + 1 == g->ngroup ? "}" : "");
}

static void
describe_expect(const struct conf_test_expect *x, char *buf, size_t n)
{
	char t[40], v[40];
	size_t len;

	len = (size_t)snprintf(buf, n, "%s %s at %s",
	    x->state == CONF_EXPECT_FIRING ? "firing" : "resolved", x->rule,
	    test_time(x->at_ms, t, sizeof(t)));
	for (unsigned i = 0; x->has_group && i < x->ngroup && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s=%s",
		    i ? ", " : " group {", x->group_names[i],
		    x->group_values[i]);
	if (x->has_group && len < n)
		len += (size_t)snprintf(
		    buf + len, n - len, "%s", x->ngroup ? "}" : " group {}");
	if (x->has_value && len < n) {
		template_format_value(x->value, v, sizeof(v));
		len += (size_t)snprintf(buf + len, n - len, " value %s", v);
	}
	if (x->summary != NULL && len < n)
		snprintf(buf + len, n - len, " summary ~ \"%s\"", x->summary);
}

/* A missing expectation, with what the same rule did instead. */
static void
report_missing(struct test_run *r, const struct conf_test_expect *x)
{
	char want[512], got[1024], one[256];
	size_t len = 0;

	describe_expect(x, want, sizeof(want));
	got[0] = '\0';
	for (size_t i = 0; i < r->ngot && len < sizeof(got); i++) {
		if (r->got[i].matched || strcmp(r->got[i].rule, x->rule) != 0)
			continue;
		describe_got(&r->got[i], false, one, sizeof(one));
		len += (size_t)snprintf(
		    got + len, sizeof(got) - len, "%s%s", len ? "; " : "", one);
	}
	test_fail(r, x->line, "expected %s, got: %s", want,
	    len ? got : "no transition of this rule");
}

static void
compare(struct test_run *r)
{
	const struct conf_test_expect *x;
	char one[256];
	size_t j;

	for (size_t i = 0; i < r->tc->nexpect; i++) {
		x = &r->tc->expect[i];
		for (j = 0; j < r->ngot; j++) {
			if (!r->got[j].matched && expect_match(x, &r->got[j]))
				break;
		}
		if (j < r->ngot)
			r->got[j].matched = true;
		else
			report_missing(r, x);
	}
	for (j = 0; j < r->ngot; j++) {
		if (r->got[j].matched)
			continue;
		describe_got(&r->got[j], true, one, sizeof(one));
		test_fail(r, r->tc->line, "unexpected %s: \"%s\"", one,
		    r->got[j].summary);
	}
}

/* ---- one case, one file ---------------------------------------------- */

static bool
run_case(
    const char *file, const struct conf *c, const struct conf_test_case *tc)
{
	struct test_run r;
	struct engine *e = NULL;
	struct notifier n;

	memset(&r, 0, sizeof(r));
	r.file = file;
	r.conf = c;
	r.tc = tc;
	for (unsigned i = 0; i < c->ninputs && !r.oom; i++) {
		if (collect_input(&r, i) == -1)
			r.oom = true;
	}
	if (!r.oom)
		parse_recs(&r);
	if (!r.failed && !r.oom) {
		if (r.nrecs > 1)
			qsort(r.recs, r.nrecs, sizeof(*r.recs), rec_cmp);
		notifier_init(&n, collect, &r);
		if ((e = engine_new(c->rules, notifier_emit, &n)) == NULL)
			r.oom = true;
		else
			run_engine(&r, e);
		engine_free(e);
	}
	if (r.oom)
		test_fail(&r, tc->line, "out of memory");
	else if (!r.failed)
		compare(&r);
	for (size_t i = 0; i < r.nrecs; i++)
		free(r.recs[i].text);
	free(r.recs);
	free(r.got);
	return !r.failed;
}

/* Run the cases of one file; adds to *passed and *failed. */
static void
run_file(const char *file, unsigned *passed, unsigned *failed)
{
	struct conf_test t;
	unsigned p = 0, f = 0;

	if (conf_test_load(&t, file, NULL, NULL) != 0) {
		printf("%s: FAILED: the test file does not load\n", file);
		(*failed)++;
		return;
	}
	if (t.ncases == 0) {
		printf("%s: FAILED: no test cases\n", file);
		(*failed)++;
		conf_test_release(&t);
		return;
	}
	for (size_t i = 0; i < t.ncases; i++) {
		if (run_case(file, &t.conf, &t.cases[i]))
			p++;
		else
			f++;
	}
	if (f == 0)
		printf("%s: ok, %u case%s\n", file, p, log_plural(p));
	else
		printf("%s: FAILED, %u of %u case%s\n", file, f, p + f,
		    log_plural(p + f));
	*passed += p;
	*failed += f;
	conf_test_release(&t);
}

int
cmd_test(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	if (argc < 2) {
		cmd_test_usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		cmd_test_usage(stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		run_file(argv[i], &passed, &failed);
	printf("klaxon test: %u passed, %u failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
