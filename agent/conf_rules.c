/*
 * conf_rules - rule files -> struct rule_def -> ruleset_compile().
 *
 * What: the globs of `rules` (main config) or `rule_files` (test file)
 * are expanded relative to the file that names them; each file is read
 * with libconfig and every named group of its root is one rule, walked
 * against conf_rule_keys into a struct rule_def (plain strings, with the
 * file and line of each key). conf_compile_rules then hands the
 * definitions, the input names and the fields each input's format can
 * produce, the sink names and the default notify list to
 * ruleset_compile(), whose errors come back as "file:line: message"
 * like ours, and tells each input's parser which fields the rules read.
 *
 * Why here and not in rules/: rules/ never sees libconfig nor a file;
 * struct rule_def is the boundary (rules/rule.h).
 *
 * Invariants: a file matched by two globs is read once; a rule with an
 * error found while reading is not kept (its errors are already listed,
 * and compiling the rest still reports theirs). Without any valid input
 * and after errors, the rules are not compiled: they would only say
 * "unknown source". An input whose format did not compile counts as
 * producing every field, so its rules' fields are not called unknown.
 *
 * Not handled: rule files of more than CONF_RULES_MAX rules in all, more
 * than CONF_RULE_FILES_MAX files (errors).
 */
#include "agent/conf_impl.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/expr.h"
#include "parsers/compat.h"

/* Monotonic ns: what each rule spends in regexes is accounted with it. */
static uint64_t
conf_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the rule keys ------------------------------------------------------ */

#define RULE_STR(k, member, h)                                                 \
	{                                                                      \
		.key = k, .type = K_STR, .at = AT(struct rule_def, member),    \
		.loc = AT(struct rule_def, member##_loc), .help = h            \
	}

const struct conf_kdef conf_rule_keys[] = {
	{ .key = "sources",
	    .type = K_STRV,
	    .max = RULE_SOURCES_MAX,
	    .at = AT(struct rule_def, sources),
	    .count = AT(struct rule_def, nsources),
	    .loc = AT(struct rule_def, sources_loc),
	    .help = "the inputs this rule reads" },
	RULE_STR("where", where,
	    "filter: which events count, e.g. "
	    "status >= 500 && path =~ '^/api/'"),
	RULE_STR("value", value,
	    "count(), rate(), sum/avg/min/max(f), "
	    "p50..p999(f), ratio(FILTER), distinct(f), absent() "
	    "(default count())"),
	RULE_STR("window", window, "the sliding window, e.g. \"5m\""),
	RULE_STR("alert_if", alert_if,
	    "condition on the value, e.g. "
	    "\"> 1.5\""),
	RULE_STR("resolve_if", resolve_if,
	    "condition to resolve (default: "
	    "alert_if no longer holds)"),
	{ .key = "min_count",
	    .type = K_LLONG,
	    .min = 0,
	    .max = 1000000000,
	    .at = AT(struct rule_def, min_count),
	    .loc = AT(struct rule_def, min_count_loc),
	    .help = "no verdict on fewer events than this in the window "
		    "(default 1)" },
	{ .key = "for",
	    .type = K_STR,
	    .at = AT(struct rule_def, for_),
	    .loc = AT(struct rule_def, for_loc),
	    .help = "how long the condition must hold before firing "
		    "(default 0)" },
	RULE_STR("keep_firing_for", keep_firing_for,
	    "stay firing this long "
	    "after the condition stops holding"),
	RULE_STR("repeat", repeat,
	    "notify again this often while firing "
	    "(default: never)"),
	{ .key = "group_by",
	    .type = K_STRV,
	    .max = RULE_GROUP_MAX,
	    .at = AT(struct rule_def, group_by),
	    .count = AT(struct rule_def, ngroup_by),
	    .loc = AT(struct rule_def, group_by_loc),
	    .help = "one alert per distinct value of these fields" },
	{ .key = "max_groups",
	    .type = K_LLONG,
	    .min = 1,
	    .max = RULE_MAX_GROUPS_MAX,
	    .at = AT(struct rule_def, max_groups),
	    .loc = AT(struct rule_def, max_groups_loc),
	    .help = "most groups tracked (default 1000)" },
	RULE_STR("breakdown", breakdown,
	    "the alert names the top "
	    "contributors by this field"),
	RULE_STR("severity", severity,
	    "label for the sinks, e.g. critical "
	    "(default warning)"),
	{ .key = "notify",
	    .type = K_STRV,
	    .max = RULE_NOTIFY_MAX,
	    .at = AT(struct rule_def, notify),
	    .count = AT(struct rule_def, nnotify),
	    .loc = AT(struct rule_def, notify_loc),
	    .help = "sinks to notify (default: default_notify)" },
	RULE_STR("summary", summary,
	    "the alert's text: {value}, {window}, "
	    "{group.NAME}, {breakdown} ..."),
};

const size_t conf_nrule_keys = NELEM(conf_rule_keys);

/* ---- rule files --------------------------------------------------------- */

static struct rule_def *
new_def(struct conf_ctx *x, const config_setting_t *s)
{
	struct rule_def *d, *defs;
	size_t cap;

	if (x->ndefs == CONF_RULES_MAX) {
		conf_error(x, s, "more than %d rules", CONF_RULES_MAX);
		return NULL;
	}
	if (x->ndefs == x->capdefs) {
		cap = x->capdefs ? x->capdefs * 2 : 16;
		if ((defs = realloc(x->defs, cap * sizeof(*defs))) == NULL) {
			conf_error_at(x, NULL, 0, "out of memory");
			return NULL;
		}
		x->defs = defs;
		x->capdefs = cap;
	}
	d = &x->defs[x->ndefs];
	memset(d, 0, sizeof(*d));
	d->min_count = -1;
	d->max_groups = -1;
	return d;
}

/* The rules of one file: each named group of the root is a rule. */
static void
read_rule_defs(
    struct conf_ctx *x, const config_setting_t *root, const char *path)
{
	struct conf_kval v[NELEM(conf_rule_keys)];
	char where[CONF_NAME_MAX + 16];
	const config_setting_t *m;
	struct rule_def *d;
	int n = config_setting_length(root);
	unsigned nerr;

	if (n == 0)
		conf_warn_at(x, path, 0, "no rules in this file");
	for (int i = 0; i < n; i++) {
		m = config_setting_get_elem(root, (unsigned)i);
		if (!config_setting_is_group(m)) {
			conf_error(x, m,
			    "'%s' is not a rule: a rule is a group, "
			    "name: { sources = [...]; ... };",
			    config_setting_name(m));
			continue;
		}
		if ((d = new_def(x, m)) == NULL)
			return;
		nerr = x->nerr;
		if ((d->name = conf_member_name(x, m, "rule")) == NULL)
			continue;
		d->loc.file = conf_file_name(x, config_setting_source_file(m));
		d->loc.line = (int)config_setting_source_line(m);
		snprintf(where, sizeof(where), " in rule '%s'", d->name);
		conf_walk(
		    x, m, conf_rule_keys, NELEM(conf_rule_keys), d, where, v);
		if (x->nerr == nerr)
			x->ndefs++;
	}
}

static void
read_rule_file(struct conf_ctx *x, const char *path)
{
	config_t rc;
	const char *top = x->top, *incdir = x->incdir;
	const char *copy;

	for (unsigned i = 0; i < x->nrfiles; i++) {
		if (strcmp(x->rfiles[i], path) == 0)
			return; /* matched by two globs */
	}
	if (x->nrfiles == CONF_RULE_FILES_MAX) {
		conf_error_at(
		    x, path, 0, "more than %d rule files", CONF_RULE_FILES_MAX);
		return;
	}
	if ((copy = conf_strdup(x, path)) == NULL)
		return;
	x->rfiles[x->nrfiles++] = copy;
	if (conf_read_file(x, &rc, copy) == 0)
		read_rule_defs(x, config_root_setting(&rc), copy);
	config_destroy(&rc);
	x->top = top;
	x->incdir = incdir;
}

static bool
has_magic(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* Expand the globs of a `rules` / `rule_files` setting and read them. */
void
conf_read_rule_globs(struct conf_ctx *x, const struct conf_kval *v)
{
	char path[PATH_MAX];
	const config_setting_t *e;
	glob_t g;
	int rc;

	if (x->rfiles == NULL &&
	    (x->rfiles = conf_array(x, CONF_RULE_FILES_MAX, sizeof(char *))) ==
		NULL)
		return;
	for (unsigned i = 0; v->set && i < v->n; i++) {
		e = config_setting_type(v->s) == CONFIG_TYPE_STRING
		    ? v->s
		    : config_setting_get_elem(v->s, i);
		if (conf_join_path(path, sizeof(path), x->dir, v->strv[i]) ==
		    -1) {
			conf_error(
			    x, e, "path too long: '%.40s...'", v->strv[i]);
			continue;
		}
		memset(&g, 0, sizeof(g));
		rc = glob(path, 0, NULL, &g);
		if (rc == GLOB_NOMATCH && has_magic(path))
			conf_warn(x, e, "no rule file matches '%s'", path);
		else if (rc == GLOB_NOMATCH)
			conf_error(x, e, "cannot read rule file '%s': %s", path,
			    strerror(ENOENT));
		else if (rc != 0)
			conf_error(x, e, "cannot expand '%s'", path);
		for (size_t j = 0; rc == 0 && j < g.gl_pathc; j++)
			read_rule_file(x, g.gl_pathv[j]);
		if (rc == 0 || rc == GLOB_NOMATCH)
			globfree(&g);
	}
}

static void
rule_error(void *arg, const struct rule_loc *loc, const char *msg)
{
	struct conf_ctx *x = arg;

	conf_error_at(x, loc != NULL ? loc->file : NULL,
	    loc != NULL ? loc->line : 0, "%s", msg);
}

/* Compile the collected rule definitions against the inputs and sinks. */
void
conf_compile_rules(struct conf_ctx *x)
{
	struct conf *c = x->c;
	struct rule_env env;
	struct rule_def *defs;
	const char **inames, **snames;
	uint64_t *ifields;
	unsigned nerr = x->nerr;

	/* Without inputs every rule would only say "unknown source". */
	if (c->ninputs == 0 && x->nerr > 0)
		return;
	inames = conf_array(x, c->ninputs + 1, sizeof(*inames));
	ifields = conf_array(x, c->ninputs + 1, sizeof(*ifields));
	snames = conf_array(x, c->nsinks + 1, sizeof(*snames));
	defs = conf_array(x, x->ndefs + 1, sizeof(*defs));
	if (inames == NULL || ifields == NULL || snames == NULL || defs == NULL)
		return;
	for (unsigned i = 0; i < c->ninputs; i++) {
		inames[i] = c->inputs[i].name ? c->inputs[i].name : "";
		/* A broken input must not make its rules' fields unknown. */
		ifields[i] =
		    c->inputs[i].prog ? c->inputs[i].produces : UINT64_MAX;
	}
	for (unsigned i = 0; i < c->nsinks; i++)
		snames[i] = c->sinks[i].name ? c->sinks[i].name : "";
	if (x->ndefs > 0)
		memcpy(defs, x->defs, x->ndefs * sizeof(*defs));
	c->rule_defs = defs;
	c->nrule_defs = x->ndefs;
	c->rule_files = x->rfiles;
	c->nrule_files = x->nrfiles;
	memset(&env, 0, sizeof(env));
	env.input_names = inames;
	env.input_fields = ifields;
	env.ninputs = c->ninputs;
	env.sink_names = snames;
	env.nsinks = c->nsinks;
	env.default_notify = c->default_notify;
	env.ndefault_notify = c->ndefault_notify;
	env.fields = c->fields;
	env.regex_match_limit = (uint32_t)c->regex_match_limit;
	env.regex_depth_limit = (uint32_t)c->regex_depth_limit;
	env.regex_subject_max = (uint32_t)c->regex_subject_max;
	env.clock_ns = conf_clock_ns;
	env.clock_cost_ns = expr_clock_cost(conf_clock_ns);
	c->rules = ruleset_compile(defs, x->ndefs, &env, rule_error, x);
	if (c->rules == NULL && x->nerr == nerr)
		conf_error_at(x, NULL, 0, "cannot compile the rules");
	if (c->rules == NULL || x->nerr > 0)
		return;
	for (unsigned i = 0; i < c->ninputs; i++) {
		if (c->inputs[i].parser->want != NULL)
			c->inputs[i].parser->want(c->inputs[i].prog,
			    ruleset_fields_for_input(c->rules, i));
	}
}
