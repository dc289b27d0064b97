/*
 * rule_impl - the inside of a compiled rule, shared by rule.c (which
 * builds it) and engine.c (which runs it). Nothing outside rules/ includes
 * this header: the agent sees rules through rule.h only.
 *
 * A struct rule is immutable once ruleset_compile returns, except for the
 * counters inside its expressions (expr_eval keeps its own statistics).
 */
#ifndef RULES_RULE_IMPL_H
#define RULES_RULE_IMPL_H

#include <math.h>
#include <stdbool.h>
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

#endif /* RULES_RULE_IMPL_H */
