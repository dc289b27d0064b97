/*
 * rule_impl - the inside of a compiled rule, shared by the files that
 * build it and by engine.c (which runs it). Nothing outside rules/ includes
 * this header: the agent sees rules through rule.h only.
 *
 *   rule.c        the rule set: ruleset_compile drives the compile of each
 *                 definition, error collection, accessors, rule_same/canon
 *   rule_parse.c  the small languages of a rule's keys: durations,
 *                 conditions, the value aggregate, severity names
 *
 * A struct rule is immutable once ruleset_compile returns, except for the
 * counters inside its expressions (expr_eval keeps its own statistics).
 * struct rule_cctx and the rule_compile_* functions exist only while
 * ruleset_compile runs; the engine never calls them.
 */
#ifndef RULES_RULE_IMPL_H
#define RULES_RULE_IMPL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/expr.h"
#include "rules/rule.h"
#include "rules/template.h"
#include "rules/window.h"

#define RULE_SEVERITY_MAX 16

enum rule_op {
	RULE_OP_GT = 0,
	RULE_OP_GE,
	RULE_OP_LT,
	RULE_OP_LE,
	RULE_OP_EQ,
	RULE_OP_NE,
};

/* "> 1.5": value op threshold. */
struct rule_cond {
	enum rule_op op;
	double threshold;
};

struct rule {
	char name[RULE_NAME_MAX];
	uint32_t sources;   /* bit i: input id i */
	struct expr *where; /* NULL: every event of the sources */
	enum agg_kind kind;
	int value_field;    /* sum/avg/min/max/quantile/distinct; else -1 */
	struct expr *ratio; /* AGG_RATIO: the FILTER; else NULL */
	struct window_spec spec;
	struct rule_cond alert_if;
	bool has_resolve_if;
	struct rule_cond resolve_if;
	uint64_t min_count; /* ignored for absent() */
	int64_t for_ms;
	int64_t keep_firing_ms;
	int64_t repeat_ms; /* 0: never */
	unsigned ngroup;
	int group_fields[RULE_GROUP_MAX];
	char group_names[RULE_GROUP_MAX][FIELD_NAME_MAX];
	const char *group_name_ptrs[RULE_GROUP_MAX]; /* -> group_names */
	uint32_t max_groups;
	int breakdown_field; /* -1: none */
	char severity[RULE_SEVERITY_MAX];
	unsigned notify[RULE_NOTIFY_MAX];
	unsigned nnotify;
	struct template *summary;
	uint64_t fields; /* every field the rule reads */
	/*
	 * The evaluation definition in one normalized string (sources by
	 * name, where, value, window, conditions, timers, grouping): two rules
	 * with equal canon are rule_same(). Severity, notify and summary are
	 * presentation and left out, so changing them keeps alert state.
	 */
	char *canon;
};

/* The operator as written: ">", ">=", ... */
const char *rule_op_str(enum rule_op op);

/* value op threshold; NAN never holds. Inline: the engine asks this for
 * every matching event of every rule. */
static inline bool
rule_cond_holds(const struct rule_cond *c, double v)
{
	if (isnan(v))
		return false;
	switch (c->op) {
	case RULE_OP_GT:
		return v > c->threshold;
	case RULE_OP_GE:
		return v >= c->threshold;
	case RULE_OP_LT:
		return v < c->threshold;
	case RULE_OP_LE:
		return v <= c->threshold;
	case RULE_OP_EQ:
		return v == c->threshold;
	case RULE_OP_NE:
		return v != c->threshold;
	}
	return false;
}

/* The normalized definition (see struct rule), owned by r. */
const char *rule_canon(const struct rule *r);

/* --- compiling a definition: rule.c and rule_parse.c only ------------ */

struct rule_errs; /* the messages of one definition, see rule.c */

/* The state of compiling one rule_def d into one struct rule r. */
struct rule_cctx {
	const struct rule_env *env;
	struct rule_errs *es;
	const struct rule_def *d;
	struct rule *r;
	uint64_t produced;  /* union of the known sources' fields */
	bool sources_ok;    /* at least one known source, all known */
	char srcnames[256]; /* "api_access, app_access" for messages */
};

/*
 * rule.c. rule_add_err records one message at loc (the rule's own line
 * when loc is NULL or has no line); past the per-rule limit it only notes
 * the overflow. rule_check_produced adds mask to r->fields and reports each
 * field no source produces (key names the setting). rule_compile_expr
 * compiles a filter, reporting "key: message" with column numbers shifted
 * by col_off; NULL after reporting, else owned by the caller.
 */
void rule_add_err(struct rule_errs *es, const struct rule_loc *loc,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rule_check_produced(struct rule_cctx *c, uint64_t mask, const char *key,
    const struct rule_loc *loc);
struct expr *rule_compile_expr(struct rule_cctx *c, const char *src,
    const char *key, const struct rule_loc *loc, size_t col_off);

/*
 * rule_parse.c. Each reads its keys from c->d, fills c->r and reports
 * through rule_add_err.
 */
/*
 * A duration key: -1 (reported) on error or when over max_ms (reported
 * naming the key and the maximum), dflt when s is NULL.
 */
int64_t rule_duration_key(struct rule_cctx *c, const char *s, const char *key,
    const struct rule_loc *loc, int64_t dflt, int64_t max_ms);
/* value -> r->kind, r->value_field, r->ratio and *q (the quantile); false
 * after reporting. */
bool rule_compile_value(struct rule_cctx *c, double *q);
/* alert_if, resolve_if, min_count, for, keep_firing_for, repeat; needs
 * r->kind (absent() has a default alert_if). */
void rule_compile_conds(struct rule_cctx *c);
/* severity -> r->severity, "warning" when not given. */
void rule_compile_severity(struct rule_cctx *c);

#endif /* RULES_RULE_IMPL_H */
