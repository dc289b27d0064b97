/*
 * rule - one compiled rule, and the rule set: the immutable object that a
 * config load builds, validates, and hands to the engine whole.
 *
 * The boundary with agent/conf_rules.c is struct rule_def: plain strings and
 * numbers as written in a rule file, each with the file and line it came
 * from. The config loader (agent/conf*.c, the only readers of libconfig)
 * fills rule_defs; ruleset_compile() turns them into rules and reports
 * every problem as
 * "file:line: message" through a callback, so that `klaxon check` lists all
 * errors of a file, not just the first.
 *
 * Reload builds a whole new ruleset beside the old one; the engine swaps
 * to it and carries the state of unchanged rules (rule_same()).
 */
#ifndef RULES_RULE_H
#define RULES_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/field.h"

#define RULE_NAME_MAX	 64
#define RULE_GROUP_MAX	 4   /* group_by fields per rule */
#define RULE_NOTIFY_MAX	 8   /* sinks per rule */
#define RULE_SOURCES_MAX 32  /* inputs per config (bit in a uint32_t mask) */
#define RULE_MAX_GROUPS_DEFAULT 1000
#define RULE_MAX_GROUPS_MAX	100000
#define RULE_SLACK_MS_DEFAULT	5000 /* out-of-order tolerance */

/* Where a setting was written, for "file:line: message". */
struct rule_loc {
	const char *file; /* borrowed; lives as long as the ruleset's defs */
	int line;
};

/*
 * A rule as written: every string is NUL-terminated and borrowed from the
 * config loader (valid while ruleset_compile runs; the compiled rule copies
 * what it keeps). NULL / 0 / -1 mean "not given".
 */
struct rule_def {
	const char *name;
	struct rule_loc loc; /* the rule's own line */
	const char *sources[RULE_SOURCES_MAX];
	unsigned nsources;
	struct rule_loc sources_loc;
	const char *where;	/* filter expression, or NULL */
	struct rule_loc where_loc;
	const char *value;	/* "avg(request_time)", default "count()" */
	struct rule_loc value_loc;
	const char *window;	/* duration "5m" */
	struct rule_loc window_loc;
	const char *alert_if;	/* "> 1.5" */
	struct rule_loc alert_if_loc;
	const char *resolve_if; /* optional: "< 1.0" */
	struct rule_loc resolve_if_loc;
	long long min_count;	/* -1: not given (default 1) */
	struct rule_loc min_count_loc;
	const char *for_;	/* duration, the "for" key */
	struct rule_loc for_loc;
	const char *keep_firing_for;
	struct rule_loc keep_firing_for_loc;
	const char *repeat;
	struct rule_loc repeat_loc;
	const char *group_by[RULE_GROUP_MAX + 1]; /* +1: detect too many */
	unsigned ngroup_by;
	struct rule_loc group_by_loc;
	long long max_groups;	/* -1: default */
	struct rule_loc max_groups_loc;
	const char *breakdown;
	struct rule_loc breakdown_loc;
	const char *severity;	/* default "warning" */
	struct rule_loc severity_loc;
	const char *notify[RULE_NOTIFY_MAX + 1];
	unsigned nnotify;
	struct rule_loc notify_loc;
	const char *summary;
	struct rule_loc summary_loc;
};

/* What the rules may refer to: the config's inputs and sinks. */
struct rule_env {
	const char *const *input_names; /* index = input id */
	const uint64_t *input_fields;	/* fields each input's format produces */
	unsigned ninputs;
	const char *const *sink_names;	/* index = sink id */
	unsigned nsinks;
	const unsigned *default_notify; /* sink ids for rules with no notify */
	unsigned ndefault_notify;
	struct field_table *fields;	/* shared with the compiled formats */
	/* Regex safety (see expr.h); 0 = default. */
	uint32_t regex_match_limit;
	uint32_t regex_depth_limit;
	uint32_t regex_subject_max;
	/* Clock for regex time accounting (monotonic ns), NULL: not timed,
	 * and what one timed interval costs (expr_clock_cost()). */
	uint64_t (*clock_ns)(void);
	uint64_t clock_cost_ns;
};

/* Called once per problem: loc may have file NULL when not known. */
typedef void rule_error_fn(void *arg, const struct rule_loc *loc,
    const char *msg);

struct ruleset; /* opaque: see rule.c */
struct rule;	/* opaque: see rule.c; read through the accessors below */

/*
 * Compile ndefs definitions against env. Every problem is reported through
 * err (all of them, in file order); the result is NULL when there was any
 * error. The ruleset keeps a pointer to env->fields (which must outlive it)
 * and copies everything else it needs.
 */
struct ruleset *ruleset_compile(const struct rule_def *defs, size_t ndefs,
    const struct rule_env *env, rule_error_fn *err, void *arg);

void ruleset_free(struct ruleset *rs); /* NULL-safe */

size_t ruleset_count(const struct ruleset *rs);
const struct rule *ruleset_rule(const struct ruleset *rs, size_t i);
/* Union of the fields the rules of input id read (for parser->want). */
uint64_t ruleset_fields_for_input(const struct ruleset *rs, unsigned input);

const char *rule_name(const struct rule *r);
/* The alert_if comparison: ">", ">=", ... and its threshold. */
const char *rule_op(const struct rule *r);
double rule_threshold(const struct rule *r);
/* True when a and b have the same definition (window state may carry). */
bool rule_same(const struct rule *a, const struct rule *b);

/*
 * Durations: no key takes more than RULE_DURATION_MS_MAX (a year), and
 * each key has its own maximum below it: window WINDOW_MS_MAX (31d, what
 * the window code supports); for, keep_firing_for and repeat
 * RULE_STATE_MS_MAX (7d: longer is a mistake, and keeps the engine's
 * clock sums far from int64 overflow).
 */
#define RULE_DURATION_MS_MAX   (366LL * 86400 * 1000)
#define RULE_STATE_MS_MAX      (7LL * 86400 * 1000)
#define RULE_DURATION_TOO_LONG (-2)

/*
 * Parse "90s", "5m", "1h", "2d", "1h30m" into ms. -1 on junk,
 * RULE_DURATION_TOO_LONG when well formed but over RULE_DURATION_MS_MAX
 * (however many digits: nothing overflows).
 */
int64_t rule_parse_duration(const char *s);

#endif /* RULES_RULE_H */
