/*
 * rule_parse - the small languages inside a rule's keys: durations ("90s",
 * "1h30m"), conditions ("> 1.5") with the keys that time them, the value
 * aggregate ("count()", "avg(request_time)", "p99(f)", "ratio(FILTER)" ...)
 * and severity names.
 *
 * Why a file of its own: rule.c drives the compile of a definition and owns
 * the rule set; the text of these keys is a grammar apart, with its own
 * tables (aggregates, operators, units, severities) and its own error
 * wording, and it grows on its own when a key learns a new form.
 *
 * Invariants: every function here reports its problems through
 * rule_add_err() with the key's line and the same wording `klaxon check`
 * has always printed (tests/check holds the golden output), and reports in
 * the order the keys are checked, since messages of equal line keep their
 * order. Nothing here allocates, except the ratio filter through
 * rule_compile_expr(); the compiled rule owns it.
 *
 * Not handled here: the where filter language itself (expr.c), the window
 * range (window_spec_init), summaries (template.c). Keys and their meaning:
 * README.md "Configuration" and klaxon(8).
 */
#include "rules/rule.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_impl.h"
#include "rules/template.h"
#include "parsers/compat.h"

static const char *const severities[] = { "info", "warning", "error",
	"critical" };

static const char *const op_names[] = {
	[RULE_OP_GT] = ">",
	[RULE_OP_GE] = ">=",
	[RULE_OP_LT] = "<",
	[RULE_OP_LE] = "<=",
	[RULE_OP_EQ] = "==",
	[RULE_OP_NE] = "!=",
};

/* --- durations ------------------------------------------------------- */

int64_t
rule_parse_duration(const char *s)
{
	static const struct {
		char unit;
		int64_t ms;
	} units[] = { { 'd', 86400000 }, { 'h', 3600000 }, { 'm', 60000 },
		{ 's', 1000 } };
	int64_t total = 0;
	size_t next = 0; /* units must come in decreasing order, once each */
	bool too_long = false;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0)
		return 0;
	/*
	 * Any number over the maximum is "too long", not junk, so the digits
	 * saturate instead of failing; the whole string is still read, so
	 * junk after a long number is reported as junk.
	 */
	while (*s != '\0') {
		int64_t n = 0, part;
		size_t u;

		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (n <= RULE_DURATION_MS_MAX)
				n = n * 10 + (*s - '0');
			s++;
		}
		for (u = next; u < NELEM(units); u++) {
			if (units[u].unit == *s)
				break;
		}
		if (u == NELEM(units))
			return -1;
		/* n <= 10 * max + 9 and total <= max: no overflow below. */
		if (n > RULE_DURATION_MS_MAX)
			too_long = true;
		else if ((part = n * units[u].ms) > RULE_DURATION_MS_MAX)
			too_long = true;
		else if ((total += part) > RULE_DURATION_MS_MAX)
			too_long = true;
		if (too_long)
			total = 0;
		next = u + 1;
		s++;
	}
	return too_long ? RULE_DURATION_TOO_LONG : total;
}

int64_t
rule_duration_key(struct rule_cctx *c, const char *s, const char *key,
    const struct rule_loc *loc, int64_t dflt, int64_t max_ms)
{
	char text[32];
	int64_t ms;

	if (s == NULL)
		return dflt;
	ms = rule_parse_duration(s);
	if (ms == RULE_DURATION_TOO_LONG || ms > max_ms) {
		template_format_duration(max_ms, text, sizeof(text));
		rule_add_err(c->es, loc, "%s: \"%s\" is too long (at most %s)",
		    key, s, text);
		return -1;
	}
	if (ms < 0)
		rule_add_err(c->es, loc,
		    "%s: bad duration \"%s\" (like \"90s\", \"5m\", \"1h30m\", "
		    "\"2d\")",
		    key, s);
	return ms;
}

/* --- conditions ------------------------------------------------------ */

const char *
rule_op_str(enum rule_op op)
{
	return op_names[op];
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* "> 1.5" -> c; -1 on junk. */
static int
parse_cond(const char *s, struct rule_cond *c)
{
	static const struct {
		const char *text;
		enum rule_op op;
	} ops[] = { { ">=", RULE_OP_GE }, { "<=", RULE_OP_LE },
		{ "==", RULE_OP_EQ }, { "!=", RULE_OP_NE }, { ">", RULE_OP_GT },
		{ "<", RULE_OP_LT } };
	char *end;
	size_t i;

	s = skip_space(s);
	for (i = 0; i < NELEM(ops); i++) {
		if (strncmp(s, ops[i].text, strlen(ops[i].text)) == 0)
			break;
	}
	if (i == NELEM(ops))
		return -1;
	c->op = ops[i].op;
	s = skip_space(s + strlen(ops[i].text));
	if (*s == '\0')
		return -1;
	errno = 0;
	c->threshold = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(c->threshold))
		return -1;
	return *skip_space(end) == '\0' ? 0 : -1;
}

void
rule_compile_conds(struct rule_cctx *c)
{
	const struct rule_def *d = c->d;
	struct rule *r = c->r;

	if (d->alert_if == NULL && r->kind == AGG_ABSENT) {
		/* absent() is 1 when silent: no condition needed. */
		r->alert_if.op = RULE_OP_EQ;
		r->alert_if.threshold = 1;
	} else if (d->alert_if == NULL) {
		rule_add_err(c->es, &d->alert_if_loc,
		    "alert_if: missing (rule \"%s\"), e.g. \"> 1.5\"",
		    d->name ? d->name : "?");
	} else if (parse_cond(d->alert_if, &r->alert_if) < 0) {
		rule_add_err(c->es, &d->alert_if_loc,
		    "alert_if: expected an operator (> >= < <= == !=) and a "
		    "number, like \"> 1.5\"; got \"%s\"",
		    d->alert_if);
	}
	if (d->resolve_if != NULL) {
		if (parse_cond(d->resolve_if, &r->resolve_if) < 0)
			rule_add_err(c->es, &d->resolve_if_loc,
			    "resolve_if: expected an operator and a number, "
			    "like \"< 1.0\"; got \"%s\"",
			    d->resolve_if);
		else
			r->has_resolve_if = true;
	}
	if (d->min_count < -1) {
		rule_add_err(c->es, &d->min_count_loc,
		    "min_count: must be 0 or more, got %lld", d->min_count);
	}
	r->min_count = d->min_count < 0 ? 1 : (uint64_t)d->min_count;
	r->for_ms = rule_duration_key(
	    c, d->for_, "for", &d->for_loc, 0, RULE_STATE_MS_MAX);
	r->keep_firing_ms = rule_duration_key(c, d->keep_firing_for,
	    "keep_firing_for", &d->keep_firing_for_loc, 0, RULE_STATE_MS_MAX);
	r->repeat_ms = rule_duration_key(
	    c, d->repeat, "repeat", &d->repeat_loc, 0, RULE_STATE_MS_MAX);
}

/* --- the value aggregate --------------------------------------------- */

enum arg_kind {
	ARG_NONE,
	ARG_FIELD,
	ARG_NUMFIELD,
	ARG_FILTER
};

static const struct {
	const char *name;
	enum agg_kind kind;
	double q;
	enum arg_kind arg;
} aggs[] = {
	{ "count", AGG_COUNT, 0, ARG_NONE },
	{ "rate", AGG_RATE, 0, ARG_NONE },
	{ "absent", AGG_ABSENT, 0, ARG_NONE },
	{ "sum", AGG_SUM, 0, ARG_NUMFIELD },
	{ "avg", AGG_AVG, 0, ARG_NUMFIELD },
	{ "min", AGG_MIN, 0, ARG_NUMFIELD },
	{ "max", AGG_MAX, 0, ARG_NUMFIELD },
	{ "p50", AGG_QUANTILE, 0.5, ARG_NUMFIELD },
	{ "p90", AGG_QUANTILE, 0.9, ARG_NUMFIELD },
	{ "p95", AGG_QUANTILE, 0.95, ARG_NUMFIELD },
	{ "p99", AGG_QUANTILE, 0.99, ARG_NUMFIELD },
	{ "p999", AGG_QUANTILE, 0.999, ARG_NUMFIELD },
	{ "ratio", AGG_RATIO, 0, ARG_FILTER },
	{ "distinct", AGG_DISTINCT, 0, ARG_FIELD },
};

/* The field argument of an aggregate; -1 after reporting. */
static int
value_field(struct rule_cctx *c, const char *fn, const char *arg, size_t alen,
    enum arg_kind kind)
{
	const struct rule_loc *loc = &c->d->value_loc;
	int id;

	if (alen == 0) {
		rule_add_err(c->es, loc, "value: %s() needs a field", fn);
		return -1;
	}
	id = field_lookup(c->env->fields, arg, alen);
	if (id < 0) {
		rule_add_err(c->es, loc, "value: %s(): unknown field \"%.*s\"",
		    fn, (int)alen, arg);
		return -1;
	}
	if (field_type(id) == FIELD_T_TIME ||
	    (kind == ARG_NUMFIELD && id < FIELD_WELLKNOWN &&
		field_type(id) == FIELD_T_TEXT)) {
		rule_add_err(c->es, loc,
		    "value: %s(%.*s): \"%.*s\" is not a number field", fn,
		    (int)alen, arg, (int)alen, arg);
		return -1;
	}
	rule_check_produced(c, UINT64_C(1) << id, "value", loc);
	return id;
}

bool
rule_compile_value(struct rule_cctx *c, double *q)
{
	const char *src = c->d->value ? c->d->value : "count()";
	const struct rule_loc *loc = &c->d->value_loc;
	const char *p = skip_space(src), *open, *close, *arg;
	size_t nlen, alen, i;
	char argbuf[512];

	c->r->kind = AGG_COUNT;
	c->r->value_field = -1;
	open = strchr(p, '(');
	close = strrchr(p, ')');
	if (open == NULL || close == NULL || close < open ||
	    *skip_space(close + 1) != '\0') {
		rule_add_err(c->es, loc,
		    "value: expected an aggregate such as count(), "
		    "avg(request_time), p99(request_time), ratio(status >= 500)");
		return false;
	}
	nlen = (size_t)(open - p);
	while (nlen > 0 && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
		nlen--;
	for (i = 0; i < NELEM(aggs); i++) {
		if (strlen(aggs[i].name) == nlen &&
		    memcmp(aggs[i].name, p, nlen) == 0)
			break;
	}
	if (i == NELEM(aggs)) {
		rule_add_err(c->es, loc,
		    "value: unknown aggregate \"%.*s\" (count, rate, sum, avg, "
		    "min, max, p50, p90, p95, p99, p999, ratio, distinct, "
		    "absent)",
		    (int)nlen, p);
		return false;
	}
	arg = skip_space(open + 1);
	alen = (size_t)(close - arg);
	while (alen > 0 && (arg[alen - 1] == ' ' || arg[alen - 1] == '\t'))
		alen--;
	c->r->kind = aggs[i].kind;
	*q = aggs[i].q;
	switch (aggs[i].arg) {
	case ARG_NONE:
		if (alen != 0) {
			rule_add_err(c->es, loc,
			    "value: %s() takes no argument", aggs[i].name);
			return false;
		}
		return true;
	case ARG_FIELD:
	case ARG_NUMFIELD:
		c->r->value_field =
		    value_field(c, aggs[i].name, arg, alen, aggs[i].arg);
		return c->r->value_field >= 0;
	case ARG_FILTER:
		if (alen == 0 || alen >= sizeof(argbuf)) {
			rule_add_err(c->es, loc, "value: ratio(): %s",
			    alen ? "filter too long" : "needs a filter");
			return false;
		}
		memcpy(argbuf, arg, alen);
		argbuf[alen] = '\0';
		c->r->ratio = rule_compile_expr(
		    c, argbuf, "value: ratio()", loc, (size_t)(arg - src));
		if (c->r->ratio == NULL)
			return false;
		rule_check_produced(c, expr_fields(c->r->ratio), "value", loc);
		return true;
	}
	return false;
}

/* --- severity -------------------------------------------------------- */

void
rule_compile_severity(struct rule_cctx *c)
{
	const struct rule_def *d = c->d;
	struct rule *r = c->r;
	size_t i;

	compat_strlcpy(r->severity, "warning", sizeof(r->severity));
	if (d->severity == NULL)
		return;
	for (i = 0; i < NELEM(severities); i++) {
		if (strcmp(d->severity, severities[i]) == 0)
			break;
	}
	if (i == NELEM(severities))
		rule_add_err(c->es, &d->severity_loc,
		    "severity: \"%s\" is not one of info, warning, error, "
		    "critical",
		    d->severity);
	else
		compat_strlcpy(r->severity, severities[i], sizeof(r->severity));
}
