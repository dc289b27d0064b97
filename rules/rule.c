/*
 * rule - compile rule definitions (plain values from the config loader)
 * into an immutable rule set, and read it back (accessors, rule_same).
 *
 * This file owns the rule set and the order of a definition's compile:
 * ruleset_compile() runs compile_def() on each definition, which checks
 * each key on its own (name, sources, where, value, window, conditions,
 * grouping, notify, summary). The text of the keys that are small
 * languages (durations, "> 1.5", "avg(f)"/"ratio(FILTER)", severity
 * names) is parsed in rule_parse.c, which reports through the same
 * rule_add_err(): the split keeps this file on the set and the checks that
 * tie a rule to its config (inputs, fields, sinks), and that file on
 * grammars and their tables.
 *
 * Every problem is collected with the line of the key that caused it, so
 * that one pass of `klaxon check` lists them all; a rule's messages are
 * then sorted by line (stable: equal lines keep the order in which
 * compile_def checks the keys) and handed to the callback (file order,
 * since defs come in file order). The set is returned only when there was
 * no error at all.
 *
 * Beyond syntax, compilation refuses rules that can never fire: a field
 * the rule reads (in where, value, the ratio filter, group_by or
 * breakdown) must be produced by at least one of its sources' formats.
 *
 * rule_same() compares a normalized string of the evaluation definition
 * (see rule_impl.h): reload and snapshot restore carry window and alert
 * state only between rules whose evaluation is the same.
 *
 * Keys and their meaning: README.md "Configuration" and klaxon(8).
 * Not handled here: reading files (agent/conf_rules.c does that).
 */
#include "rules/rule.h"

#include <ctype.h>
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

struct rule_errs {
	struct rule_err e[ERRS_MAX];
	unsigned n;
	bool overflow;
	const struct rule_loc *rule_loc; /* fallback for keys not given */
};

void
rule_add_err(
    struct rule_errs *es, const struct rule_loc *loc, const char *fmt, ...)
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
flush_errs(struct rule_errs *es, rule_error_fn *err, void *arg)
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

static void
expr_opts_of(const struct rule_env *env, struct expr_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->match_limit = env->regex_match_limit;
	o->depth_limit = env->regex_depth_limit;
	o->subject_max = env->regex_subject_max;
	o->clock_ns = env->clock_ns;
	o->clock_cost_ns = env->clock_cost_ns;
}

/* Each field in mask must come from a source; key names the setting. */
void
rule_check_produced(struct rule_cctx *c, uint64_t mask, const char *key,
    const struct rule_loc *loc)
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
		rule_add_err(c->es, loc,
		    "%s: field \"%s\" is not produced by the rule's "
		    "source%s (%s): the rule could never fire",
		    key, fname ? fname : "?", c->d->nsources > 1 ? "s" : "",
		    c->srcnames);
	}
}

static void
compile_sources(struct rule_cctx *c)
{
	const struct rule_def *d = c->d;
	size_t len = 0;
	bool bad = false;

	if (d->nsources == 0) {
		rule_add_err(c->es, &d->sources_loc,
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
			rule_add_err(c->es, &d->sources_loc,
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
struct expr *
rule_compile_expr(struct rule_cctx *c, const char *src, const char *key,
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
			rule_add_err(c->es, loc, "%s: column %ld%s", key,
			    col + (long)col_off, end);
			return NULL;
		}
	}
	rule_add_err(
	    c->es, loc, "%s: %s", key, err[0] ? err : "invalid filter");
	return NULL;
}

static void
compile_where(struct rule_cctx *c)
{
	const struct rule_def *d = c->d;

	if (d->where == NULL)
		return;
	c->r->where = rule_compile_expr(c, d->where, "where", &d->where_loc, 0);
	if (c->r->where != NULL)
		rule_check_produced(
		    c, expr_fields(c->r->where), "where", &d->where_loc);
}

static void
compile_window(struct rule_cctx *c, bool value_ok, double q)
{
	const struct rule_def *d = c->d;
	int64_t ms;

	if (d->window == NULL) {
		rule_add_err(c->es, &d->window_loc,
		    "window: missing (rule \"%s\"): how far back the value "
		    "looks, e.g. \"5m\"",
		    d->name ? d->name : "?");
		return;
	}
	ms = rule_duration_key(
	    c, d->window, "window", &d->window_loc, -1, WINDOW_MS_MAX);
	if (ms < 0 || !value_ok)
		return;
	if (window_spec_init(&c->r->spec, c->r->kind, q, ms) < 0)
		rule_add_err(c->es, &d->window_loc,
		    "window: \"%s\" out of range (1s to 31d)", d->window);
}

/* One field name of group_by or breakdown; -1 after reporting. */
static int
named_field(struct rule_cctx *c, const char *name, const char *key,
    const struct rule_loc *loc)
{
	int id = field_lookup(c->env->fields, name, strlen(name));

	if (id < 0) {
		rule_add_err(c->es, loc, "%s: unknown field \"%s\"", key, name);
		return -1;
	}
	if (field_type(id) == FIELD_T_TIME) {
		rule_add_err(c->es, loc, "%s: cannot use the event time", key);
		return -1;
	}
	rule_check_produced(c, UINT64_C(1) << id, key, loc);
	return id;
}

static void
compile_grouping(struct rule_cctx *c)
{
	const struct rule_def *d = c->d;
	struct rule *r = c->r;

	if (d->ngroup_by > RULE_GROUP_MAX)
		rule_add_err(c->es, &d->group_by_loc,
		    "group_by: at most %d fields", RULE_GROUP_MAX);
	if (d->ngroup_by > 0 && r->kind == AGG_ABSENT)
		rule_add_err(c->es, &d->group_by_loc,
		    "group_by: absent() cannot be grouped (a silent group has "
		    "no event to name it)");
	for (unsigned i = 0; i < d->ngroup_by && i < RULE_GROUP_MAX; i++) {
		int id = named_field(
		    c, d->group_by[i], "group_by", &d->group_by_loc);

		if (id < 0)
			continue;
		for (unsigned j = 0; j < r->ngroup; j++) {
			if (r->group_fields[j] == id) {
				rule_add_err(c->es, &d->group_by_loc,
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
			rule_add_err(c->es, &d->max_groups_loc,
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
compile_notify(struct rule_cctx *c)
{
	const struct rule_def *d = c->d;
	struct rule *r = c->r;

	rule_compile_severity(c);
	if (d->nnotify == 0) {
		unsigned n = c->env->ndefault_notify;

		r->nnotify = n < RULE_NOTIFY_MAX ? n : RULE_NOTIFY_MAX;
		for (unsigned i = 0; i < r->nnotify; i++)
			r->notify[i] = c->env->default_notify[i];
		return;
	}
	if (d->nnotify > RULE_NOTIFY_MAX)
		rule_add_err(c->es, &d->notify_loc, "notify: at most %d sinks",
		    RULE_NOTIFY_MAX);
	for (unsigned i = 0; i < d->nnotify && i < RULE_NOTIFY_MAX; i++) {
		unsigned id;

		for (id = 0; id < c->env->nsinks; id++) {
			if (strcmp(c->env->sink_names[id], d->notify[i]) == 0)
				break;
		}
		if (id == c->env->nsinks) {
			rule_add_err(c->es, &d->notify_loc,
			    "notify: unknown sink \"%s\"", d->notify[i]);
			continue;
		}
		r->notify[r->nnotify++] = id;
	}
}

static void
compile_summary(struct rule_cctx *c)
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
		rule_add_err(c->es, &d->summary_loc, "summary: %s", err);
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
	fprintf(f, "alert_if=%s %.17g\n", rule_op_str(r->alert_if.op),
	    r->alert_if.threshold);
	if (r->has_resolve_if)
		fprintf(f, "resolve_if=%s %.17g\n",
		    rule_op_str(r->resolve_if.op), r->resolve_if.threshold);
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
compile_def(struct rule_cctx *c, const struct rule_def *defs, size_t idx)
{
	const struct rule_def *d = &defs[idx];
	struct rule *r = c->r;
	bool value_ok;
	double q = 0;

	if (d->name == NULL || *d->name == '\0') {
		rule_add_err(c->es, &d->loc, "rule without a name");
	} else if (strlen(d->name) >= RULE_NAME_MAX ||
	    !is_identifier(d->name)) {
		rule_add_err(c->es, &d->loc,
		    "rule name \"%s\": letters, digits, '_' and '-', starting "
		    "with a letter or '_', at most %d bytes",
		    d->name, RULE_NAME_MAX - 1);
	} else {
		for (size_t j = 0; j < idx; j++) {
			if (defs[j].name &&
			    strcmp(defs[j].name, d->name) == 0) {
				rule_add_err(c->es, &d->loc,
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
	value_ok = rule_compile_value(c, &q);
	compile_window(c, value_ok, q);
	rule_compile_conds(c);
	compile_grouping(c);
	compile_notify(c);
	compile_summary(c);
	if (c->es->n == 0 && !make_canon(r, d))
		rule_add_err(c->es, &d->loc, "out of memory");
}

struct ruleset *
ruleset_compile(const struct rule_def *defs, size_t ndefs,
    const struct rule_env *env, rule_error_fn *err, void *arg)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct rule_errs *es = calloc(1, sizeof(*es));
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
		struct rule_cctx c;

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
