/*
 * rule - compile rule definitions (plain values from the config loader)
 * into an immutable rule set.
 *
 * Each key of each definition is checked on its own, and every problem is
 * collected with the line of the key that caused it, so that one pass of
 * `klaxon check` lists them all; a rule's messages are then sorted by line
 * and handed to the callback (file order, since defs come in file order).
 * The set is returned only when there was no error at all.
 *
 * Beyond syntax, compilation refuses rules that can never fire: a field
 * the rule reads (in where, value, the ratio filter, group_by or
 * breakdown) must be produced by at least one of its sources' formats.
 *
 * rule_same() compares a normalized string of the evaluation definition
 * (see rule_impl.h): reload and snapshot restore carry window and alert
 * state only between rules whose evaluation is the same.
 *
 * Keys and their meaning: DESIGN.md "Configuration and rules: the
 * contract". Not handled here: reading files (agent/conf_rules.c does that).
 */
#include "rules/rule.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_impl.h"
#include "parsers/compat.h"

#define ERRS_MAX    64 /* messages kept per definition */
#define ERR_MSG_MAX 384

struct ruleset {
	struct rule *rules;
	size_t n;
	uint64_t want[RULE_SOURCES_MAX]; /* fields read per input */
};

struct rule_err {
	struct rule_loc loc;
	char msg[ERR_MSG_MAX];
};

struct errs {
	struct rule_err e[ERRS_MAX];
	unsigned n;
	bool overflow;
	const struct rule_loc *rule_loc; /* fallback for keys not given */
};

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

static void add_err(struct errs *es, const struct rule_loc *loc,
    const char *fmt, ...) PRINTFLIKE(3, 4);

static void
add_err(struct errs *es, const struct rule_loc *loc, const char *fmt, ...)
{
	struct rule_err *e;
	va_list ap;

	if (es->n == ERRS_MAX) {
		es->overflow = true;
		return;
	}
	e = &es->e[es->n++];
	e->loc = loc != NULL && loc->line > 0 ? *loc : *es->rule_loc;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* Sort by line (stable) and report; returns the number reported. */
static unsigned
flush_errs(struct errs *es, rule_error_fn *err, void *arg)
{
	unsigned n = es->n;

	for (unsigned i = 1; i < n; i++) {
		struct rule_err tmp = es->e[i];
		unsigned j = i;

		while (j > 0 && es->e[j - 1].loc.line > tmp.loc.line) {
			es->e[j] = es->e[j - 1];
			j--;
		}
		es->e[j] = tmp;
	}
	for (unsigned i = 0; i < n; i++)
		err(arg, &es->e[i].loc, es->e[i].msg);
	if (es->overflow) {
		err(arg, es->rule_loc, "too many errors in this rule");
		n++;
	}
	es->n = 0;
	es->overflow = false;
	return n;
}

/* --- small parsers --------------------------------------------------- */

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

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0)
		return 0;
	while (*s != '\0') {
		int64_t n = 0, part;
		size_t u;

		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s)) {
			if (__builtin_mul_overflow(n, 10, &n) ||
			    __builtin_add_overflow(n, *s - '0', &n))
				return -1;
			s++;
		}
		for (u = next; u < NELEM(units); u++) {
			if (units[u].unit == *s)
				break;
		}
		if (u == NELEM(units))
			return -1;
		if (__builtin_mul_overflow(n, units[u].ms, &part) ||
		    __builtin_add_overflow(total, part, &total))
			return -1;
		next = u + 1;
		s++;
	}
	return total;
}

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

static bool
is_identifier(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (s++; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	}
	return true;
}

/* --- compiling one definition ---------------------------------------- */

struct cctx {
	const struct rule_env *env;
	struct errs *es;
	const struct rule_def *d;
	struct rule *r;
	uint64_t produced;  /* union of the known sources' fields */
	bool sources_ok;    /* at least one known source, all known */
	char srcnames[256]; /* "api_access, app_access" for messages */
};

static void
expr_opts_of(const struct rule_env *env, struct expr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->match_limit = env->regex_match_limit;
	o->depth_limit = env->regex_depth_limit;
	o->subject_max = env->regex_subject_max;
	o->clock_ns = env->clock_ns;
}

/* Each field in mask must come from a source; key names the setting. */
static void
check_produced(
    struct cctx *c, uint64_t mask, const char *key, const struct rule_loc *loc)
{
	uint64_t missing;

	c->r->fields |= mask;
	if (!c->sources_ok)
		return;
	missing = mask & ~c->produced;
	for (int id = 0; id < FIELD_MAX; id++) {
		const char *fname;

		if (!((missing >> id) & 1u))
			continue;
		fname = field_name(c->env->fields, id);
		add_err(c->es, loc,
		    "%s: field \"%s\" is not produced by the rule's "
		    "source%s (%s): the rule could never fire",
		    key, fname ? fname : "?", c->d->nsources > 1 ? "s" : "",
		    c->srcnames);
	}
}

static void
compile_sources(struct cctx *c)
{
	const struct rule_def *d = c->d;
	size_t len = 0;
	bool bad = false;

	if (d->nsources == 0) {
		add_err(c->es, &d->sources_loc,
		    "sources: missing (name at least one input)");
		return;
	}
	for (unsigned i = 0; i < d->nsources && i < RULE_SOURCES_MAX; i++) {
		unsigned id;

		for (id = 0; id < c->env->ninputs; id++) {
			if (strcmp(c->env->input_names[id], d->sources[i]) == 0)
				break;
		}
		if (id == c->env->ninputs || id >= RULE_SOURCES_MAX) {
			add_err(c->es, &d->sources_loc,
			    "sources: unknown input \"%s\"", d->sources[i]);
			bad = true;
			continue;
		}
		c->r->sources |= UINT32_C(1) << id;
		c->produced |= c->env->input_fields[id];
		if (len < sizeof(c->srcnames))
			len += (size_t)snprintf(c->srcnames + len,
			    sizeof(c->srcnames) - len, "%s%s", len ? ", " : "",
			    d->sources[i]);
	}
	c->sources_ok = !bad;
}

/* Compile an expression; column numbers shifted by col_off. */
static struct expr *
compile_expr(struct cctx *c, const char *src, const char *key,
    const struct rule_loc *loc, size_t col_off)
{
	struct expr_opts o;
	struct expr *e;
	char err[256];
	long col;
	char *end;

	expr_opts_of(c->env, &o);
	err[0] = '\0';
	e = expr_compile(src, c->env->fields, &o, err, sizeof(err));
	if (e != NULL)
		return e;
	if (col_off > 0 && strncmp(err, "column ", 7) == 0) {
		col = strtol(err + 7, &end, 10);
		if (end != err + 7 && col > 0) {
			add_err(c->es, loc, "%s: column %ld%s", key,
			    col + (long)col_off, end);
			return NULL;
		}
	}
	add_err(c->es, loc, "%s: %s", key, err[0] ? err : "invalid filter");
	return NULL;
}

static void
compile_where(struct cctx *c)
{
	const struct rule_def *d = c->d;

	if (d->where == NULL)
		return;
	c->r->where = compile_expr(c, d->where, "where", &d->where_loc, 0);
	if (c->r->where != NULL)
		check_produced(
		    c, expr_fields(c->r->where), "where", &d->where_loc);
}

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
value_field(struct cctx *c, const char *fn, const char *arg, size_t alen,
    enum arg_kind kind)
{
	const struct rule_loc *loc = &c->d->value_loc;
	int id;

	if (alen == 0) {
		add_err(c->es, loc, "value: %s() needs a field", fn);
		return -1;
	}
	id = field_lookup(c->env->fields, arg, alen);
	if (id < 0) {
		add_err(c->es, loc, "value: %s(): unknown field \"%.*s\"", fn,
		    (int)alen, arg);
		return -1;
	}
	if (field_type(id) == FIELD_T_TIME ||
	    (kind == ARG_NUMFIELD && id < FIELD_WELLKNOWN &&
		field_type(id) == FIELD_T_TEXT)) {
		add_err(c->es, loc,
		    "value: %s(%.*s): \"%.*s\" is not a number field", fn,
		    (int)alen, arg, (int)alen, arg);
		return -1;
	}
	check_produced(c, UINT64_C(1) << id, "value", loc);
	return id;
}

/* Parse value into r->kind and friends; false after reporting. */
static bool
compile_value(struct cctx *c, double *q)
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
		add_err(c->es, loc,
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
		add_err(c->es, loc,
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
			add_err(c->es, loc, "value: %s() takes no argument",
			    aggs[i].name);
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
			add_err(c->es, loc, "value: ratio(): %s",
			    alen ? "filter too long" : "needs a filter");
			return false;
		}
		memcpy(argbuf, arg, alen);
		argbuf[alen] = '\0';
		c->r->ratio = compile_expr(
		    c, argbuf, "value: ratio()", loc, (size_t)(arg - src));
		if (c->r->ratio == NULL)
			return false;
		check_produced(c, expr_fields(c->r->ratio), "value", loc);
		return true;
	}
	return false;
}

/* A duration key: -1 (reported) on error, dflt when not given. */
static int64_t
duration_key(struct cctx *c, const char *s, const char *key,
    const struct rule_loc *loc, int64_t dflt)
{
	int64_t ms;

	if (s == NULL)
		return dflt;
	ms = rule_parse_duration(s);
	if (ms < 0)
		add_err(c->es, loc,
		    "%s: bad duration \"%s\" (like \"90s\", \"5m\", \"1h30m\", "
		    "\"2d\")",
		    key, s);
	return ms;
}

static void
compile_window(struct cctx *c, bool value_ok, double q)
{
	const struct rule_def *d = c->d;
	int64_t ms;

	if (d->window == NULL) {
		add_err(c->es, &d->window_loc,
		    "window: missing (rule \"%s\"): how far back the value "
		    "looks, e.g. \"5m\"",
		    d->name ? d->name : "?");
		return;
	}
	ms = duration_key(c, d->window, "window", &d->window_loc, -1);
	if (ms < 0 || !value_ok)
		return;
	if (window_spec_init(&c->r->spec, c->r->kind, q, ms) < 0)
		add_err(c->es, &d->window_loc,
		    "window: \"%s\" out of range (1s to 31d)", d->window);
}

static void
compile_conds(struct cctx *c)
{
	const struct rule_def *d = c->d;
	struct rule *r = c->r;

	if (d->alert_if == NULL && r->kind == AGG_ABSENT) {
		/* absent() is 1 when silent: no condition needed. */
		r->alert_if.op = RULE_OP_EQ;
		r->alert_if.threshold = 1;
	} else if (d->alert_if == NULL) {
		add_err(c->es, &d->alert_if_loc,
		    "alert_if: missing (rule \"%s\"), e.g. \"> 1.5\"",
		    d->name ? d->name : "?");
	} else if (parse_cond(d->alert_if, &r->alert_if) < 0) {
		add_err(c->es, &d->alert_if_loc,
		    "alert_if: expected an operator (> >= < <= == !=) and a "
		    "number, like \"> 1.5\"; got \"%s\"",
		    d->alert_if);
	}
	if (d->resolve_if != NULL) {
		if (parse_cond(d->resolve_if, &r->resolve_if) < 0)
			add_err(c->es, &d->resolve_if_loc,
			    "resolve_if: expected an operator and a number, "
			    "like \"< 1.0\"; got \"%s\"",
			    d->resolve_if);
		else
			r->has_resolve_if = true;
	}
	if (d->min_count < -1) {
		add_err(c->es, &d->min_count_loc,
		    "min_count: must be 0 or more, got %lld", d->min_count);
	}
	r->min_count = d->min_count < 0 ? 1 : (uint64_t)d->min_count;
	r->for_ms = duration_key(c, d->for_, "for", &d->for_loc, 0);
	r->keep_firing_ms = duration_key(c, d->keep_firing_for,
	    "keep_firing_for", &d->keep_firing_for_loc, 0);
	r->repeat_ms = duration_key(c, d->repeat, "repeat", &d->repeat_loc, 0);
}

/* One field name of group_by or breakdown; -1 after reporting. */
static int
named_field(struct cctx *c, const char *name, const char *key,
    const struct rule_loc *loc)
{
	int id = field_lookup(c->env->fields, name, strlen(name));

	if (id < 0) {
		add_err(c->es, loc, "%s: unknown field \"%s\"", key, name);
		return -1;
	}
	if (field_type(id) == FIELD_T_TIME) {
		add_err(c->es, loc, "%s: cannot use the event time", key);
		return -1;
	}
	check_produced(c, UINT64_C(1) << id, key, loc);
	return id;
}

static void
compile_grouping(struct cctx *c)
{
	const struct rule_def *d = c->d;
	struct rule *r = c->r;

	if (d->ngroup_by > RULE_GROUP_MAX)
		add_err(c->es, &d->group_by_loc, "group_by: at most %d fields",
		    RULE_GROUP_MAX);
	if (d->ngroup_by > 0 && r->kind == AGG_ABSENT)
		add_err(c->es, &d->group_by_loc,
		    "group_by: absent() cannot be grouped (a silent group has "
		    "no event to name it)");
	for (unsigned i = 0; i < d->ngroup_by && i < RULE_GROUP_MAX; i++) {
		int id = named_field(
		    c, d->group_by[i], "group_by", &d->group_by_loc);

		if (id < 0)
			continue;
		for (unsigned j = 0; j < r->ngroup; j++) {
			if (r->group_fields[j] == id) {
				add_err(c->es, &d->group_by_loc,
				    "group_by: \"%s\" listed twice",
				    d->group_by[i]);
				id = -1;
				break;
			}
		}
		if (id < 0)
			continue;
		r->group_fields[r->ngroup] = id;
		compat_strlcpy(r->group_names[r->ngroup],
		    field_name(c->env->fields, id),
		    sizeof(r->group_names[r->ngroup]));
		r->ngroup++;
	}
	r->max_groups = RULE_MAX_GROUPS_DEFAULT;
	if (d->max_groups != -1) {
		if (d->max_groups < 1 || d->max_groups > RULE_MAX_GROUPS_MAX)
			add_err(c->es, &d->max_groups_loc,
			    "max_groups: must be 1 to %d, got %lld",
			    RULE_MAX_GROUPS_MAX, d->max_groups);
		else
			r->max_groups = (uint32_t)d->max_groups;
	}
	r->breakdown_field = -1;
	if (d->breakdown != NULL)
		r->breakdown_field = named_field(
		    c, d->breakdown, "breakdown", &d->breakdown_loc);
}

static void
compile_notify(struct cctx *c)
{
	const struct rule_def *d = c->d;
	struct rule *r = c->r;

	compat_strlcpy(r->severity, "warning", sizeof(r->severity));
	if (d->severity != NULL) {
		size_t i;

		for (i = 0; i < NELEM(severities); i++) {
			if (strcmp(d->severity, severities[i]) == 0)
				break;
		}
		if (i == NELEM(severities))
			add_err(c->es, &d->severity_loc,
			    "severity: \"%s\" is not one of info, warning, "
			    "error, critical",
			    d->severity);
		else
			compat_strlcpy(
			    r->severity, severities[i], sizeof(r->severity));
	}
	if (d->nnotify == 0) {
		unsigned n = c->env->ndefault_notify;

		r->nnotify = n < RULE_NOTIFY_MAX ? n : RULE_NOTIFY_MAX;
		for (unsigned i = 0; i < r->nnotify; i++)
			r->notify[i] = c->env->default_notify[i];
		return;
	}
	if (d->nnotify > RULE_NOTIFY_MAX)
		add_err(c->es, &d->notify_loc, "notify: at most %d sinks",
		    RULE_NOTIFY_MAX);
	for (unsigned i = 0; i < d->nnotify && i < RULE_NOTIFY_MAX; i++) {
		unsigned id;

		for (id = 0; id < c->env->nsinks; id++) {
			if (strcmp(c->env->sink_names[id], d->notify[i]) == 0)
				break;
		}
		if (id == c->env->nsinks) {
			add_err(c->es, &d->notify_loc,
			    "notify: unknown sink \"%s\"", d->notify[i]);
			continue;
		}
		r->notify[r->nnotify++] = id;
	}
}

static void
compile_summary(struct cctx *c)
{
	const struct rule_def *d = c->d;
	struct rule *r = c->r;
	const char *src = d->summary;
	char err[256];

	for (unsigned i = 0; i < r->ngroup; i++)
		r->group_name_ptrs[i] = r->group_names[i];
	if (src == NULL) {
		if (r->kind == AGG_ABSENT)
			src = "{rule}: no matching event for {window}";
		else if (r->ngroup > 0 && r->breakdown_field >= 0)
			src = "{rule} [{group}]: {value} {op} {threshold} over "
			      "{window} (top: {breakdown})";
		else if (r->ngroup > 0)
			src = "{rule} [{group}]: {value} {op} {threshold} over "
			      "{window}";
		else if (r->breakdown_field >= 0)
			src = "{rule}: {value} {op} {threshold} over {window} "
			      "(top: {breakdown})";
		else
			src = "{rule}: {value} {op} {threshold} over {window}";
	}
	r->summary = template_compile(src, r->group_name_ptrs, r->ngroup,
	    r->breakdown_field >= 0, err, sizeof(err));
	if (r->summary == NULL)
		add_err(c->es, &d->summary_loc, "summary: %s", err);
}

/* Build r->canon; false on allocation failure. */
static bool
make_canon(struct rule *r, const struct rule_def *d)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (f == NULL)
		return false;
	fprintf(f, "sources=");
	for (unsigned i = 0; i < d->nsources; i++)
		fprintf(f, "%s%s", i ? "," : "", d->sources[i]);
	fprintf(f, "\nwhere=%s\nvalue=%s\nwindow=%lld\n",
	    d->where ? d->where : "", d->value ? d->value : "count()",
	    (long long)r->spec.window_ms);
	fprintf(f, "alert_if=%s %.17g\n", op_names[r->alert_if.op],
	    r->alert_if.threshold);
	if (r->has_resolve_if)
		fprintf(f, "resolve_if=%s %.17g\n", op_names[r->resolve_if.op],
		    r->resolve_if.threshold);
	fprintf(f, "min_count=%llu\nfor=%lld\nkeep=%lld\nrepeat=%lld\n",
	    (unsigned long long)r->min_count, (long long)r->for_ms,
	    (long long)r->keep_firing_ms, (long long)r->repeat_ms);
	fprintf(f, "group_by=");
	for (unsigned i = 0; i < r->ngroup; i++)
		fprintf(f, "%s%s", i ? "," : "", r->group_names[i]);
	fprintf(f, "\nmax_groups=%u\nbreakdown=%s\n", r->max_groups,
	    d->breakdown ? d->breakdown : "");
	if (fclose(f) != 0) {
		free(buf);
		return false;
	}
	r->canon = buf;
	return true;
}

static void
rule_release(struct rule *r)
{
	expr_free(r->where);
	expr_free(r->ratio);
	template_free(r->summary);
	free(r->canon);
}

static void
compile_def(struct cctx *c, const struct rule_def *defs, size_t idx)
{
	const struct rule_def *d = &defs[idx];
	struct rule *r = c->r;
	bool value_ok;
	double q = 0;

	if (d->name == NULL || *d->name == '\0') {
		add_err(c->es, &d->loc, "rule without a name");
	} else if (strlen(d->name) >= RULE_NAME_MAX ||
	    !is_identifier(d->name)) {
		add_err(c->es, &d->loc,
		    "rule name \"%s\": letters, digits, '_' and '-', starting "
		    "with a letter or '_', at most %d bytes",
		    d->name, RULE_NAME_MAX - 1);
	} else {
		for (size_t j = 0; j < idx; j++) {
			if (defs[j].name &&
			    strcmp(defs[j].name, d->name) == 0) {
				add_err(c->es, &d->loc,
				    "rule \"%s\" is already defined at %s:%d",
				    d->name,
				    defs[j].loc.file ? defs[j].loc.file : "?",
				    defs[j].loc.line);
				break;
			}
		}
		compat_strlcpy(r->name, d->name, sizeof(r->name));
	}
	compile_sources(c);
	compile_where(c);
	value_ok = compile_value(c, &q);
	compile_window(c, value_ok, q);
	compile_conds(c);
	compile_grouping(c);
	compile_notify(c);
	compile_summary(c);
	if (c->es->n == 0 && !make_canon(r, d))
		add_err(c->es, &d->loc, "out of memory");
}

struct ruleset *
ruleset_compile(const struct rule_def *defs, size_t ndefs,
    const struct rule_env *env, rule_error_fn *err, void *arg)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct errs *es = calloc(1, sizeof(*es));
	unsigned nerr = 0;

	if (rs == NULL || es == NULL ||
	    (ndefs > 0 &&
		(rs->rules = calloc(ndefs, sizeof(*rs->rules))) == NULL)) {
		struct rule_loc none = { NULL, 0 };

		err(arg, &none, "out of memory compiling rules");
		free(es);
		ruleset_free(rs);
		return NULL;
	}
	rs->n = ndefs;
	for (size_t i = 0; i < ndefs; i++) {
		struct cctx c;

		memset(&c, 0, sizeof(c));
		c.env = env;
		c.es = es;
		c.d = &defs[i];
		c.r = &rs->rules[i];
		es->rule_loc = &defs[i].loc;
		compile_def(&c, defs, i);
		nerr += flush_errs(es, err, arg);
	}
	free(es);
	if (nerr > 0) {
		ruleset_free(rs);
		return NULL;
	}
	for (size_t i = 0; i < rs->n; i++) {
		for (unsigned in = 0; in < RULE_SOURCES_MAX; in++) {
			if ((rs->rules[i].sources >> in) & 1u)
				rs->want[in] |= rs->rules[i].fields |
				    (UINT64_C(1) << FIELD_TIME);
		}
	}
	return rs;
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; rs->rules != NULL && i < rs->n; i++)
		rule_release(&rs->rules[i]);
	free(rs->rules);
	free(rs);
}

size_t
ruleset_count(const struct ruleset *rs)
{
	return rs->n;
}

const struct rule *
ruleset_rule(const struct ruleset *rs, size_t i)
{
	return i < rs->n ? &rs->rules[i] : NULL;
}

/* With the time field whenever the input has a rule: the engine needs
 * every event's time, so a parser must not skip it. */
uint64_t
ruleset_fields_for_input(const struct ruleset *rs, unsigned input)
{
	return input < RULE_SOURCES_MAX ? rs->want[input] : 0;
}

const char *
rule_name(const struct rule *r)
{
	return r->name;
}

const char *
rule_op(const struct rule *r)
{
	return rule_op_str(r->alert_if.op);
}

double
rule_threshold(const struct rule *r)
{
	return r->alert_if.threshold;
}

const char *
rule_canon(const struct rule *r)
{
	return r->canon;
}

bool
rule_same(const struct rule *a, const struct rule *b)
{
	return strcmp(a->name, b->name) == 0 && a->canon != NULL &&
	    b->canon != NULL && strcmp(a->canon, b->canon) == 0;
}
