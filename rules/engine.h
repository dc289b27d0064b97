/*
 * engine - runs a rule set over events: groups, sliding windows, the alert
 * state machine, breakdowns and samples.
 *
 * The engine owns time. Its clock is the largest event time seen, or a
 * later time given by engine_tick. It never reads a clock itself, so
 * dry-run, `klaxon test` and the live agent drive it exactly alike.
 *
 * Evaluation, the one rule every path follows: second S (event times
 * S*1000 .. S*1000+999) is evaluated once, when it is complete, that is
 * when the clock moves into a later second (an event, engine_tick) or
 * at engine_flush (end of input). Closing S evaluates each group that
 * took events since its last evaluation, and each group whose timers or
 * draining window may change its state, over the window that ends with
 * S (window.h: (S - window, S] to the second); transitions carry at_ms
 * = S*1000. A quiet stretch is closed second by second (skipping the
 * seconds where no timer and no window can change anything, which
 * changes no result), so a resolve or an absent() lands at the same
 * second whoever drives the clock. A tick closes only seconds before its
 * own: the live agent ticks every second with wall time minus the slack,
 * and the second the clock is in stays open for its events. An event
 * older than the clock but within the slack joins its own second's
 * cell and counts from the next close.
 *
 * Per (rule, group) an alert moves INACTIVE -> PENDING (only when the rule
 * has `for`) -> FIRING -> RESOLVED -> INACTIVE; every change, and a repeat
 * of FIRING every `repeat`, is handed to the emit callback, synchronously,
 * from engine_feed(_run), engine_tick or engine_flush. A transition is
 * valid only during the callback. An alert is identified by its rule name
 * and group values, hashed into dedup_key (FNV-1a 64, stable across runs and
 * versions).
 *
 * Not thread-safe: one engine belongs to one thread.
 */
#ifndef RULES_ENGINE_H
#define RULES_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parsers/parser.h"
#include "rules/rule.h"

enum alert_state {
	ALERT_INACTIVE = 0,
	ALERT_PENDING,
	ALERT_FIRING,
	ALERT_RESOLVED,
};

#define ALERT_CONTRIB_MAX 5
#define ALERT_SAMPLES_MAX 3
#define ALERT_TEXT_MAX    512
/* The values of the group that takes new keys past max_groups. */
#define ENGINE_OVERFLOW_GROUP "__overflow__"

/* One top contributor of a breakdown. */
struct alert_contrib {
	char key[128];       /* the breakdown field's text, cut with "..." */
	uint64_t count;      /* events (upper bound, see engine.c) */
	double share_events; /* count / events of the group, 0..1 */
	double share_value;  /* its part of the summed value field, 0..1
				(= share_events for rules without a field) */
};

struct alert_transition {
	const struct rule *rule;
	const char *rule_name;
	const char *severity;
	enum alert_state state;  /* PENDING, FIRING or RESOLVED */
	bool repeat;             /* FIRING again after `repeat` */
	int64_t at_ms;           /* engine time of the transition */
	int64_t active_since_ms; /* when the condition started to hold */
	double value;            /* NAN when undefined (empty window) */
	double threshold;
	uint64_t count; /* events in the window */
	unsigned ngroup;
	const char *group_names[RULE_GROUP_MAX];
	char group_values[RULE_GROUP_MAX][128];
	/* 16 hex digits: FNV-1a 64 of rule name and group values. */
	char dedup_key[17];
	char summary[1024]; /* rendered template */
	unsigned ncontrib;
	struct alert_contrib contrib[ALERT_CONTRIB_MAX];
	unsigned nsamples; /* the first matching event of the episode, then
			      the latest ones */
	char samples[ALERT_SAMPLES_MAX][ALERT_TEXT_MAX];
	const unsigned *notify; /* sink ids */
	unsigned nnotify;
};

typedef void engine_emit_fn(void *arg, const struct alert_transition *t);

/*
 * A new engine over rs (borrowed: it must outlive the engine). NULL when
 * out of memory.
 */
struct engine *engine_new(
    const struct ruleset *rs, engine_emit_fn *emit, void *arg);
void engine_free(struct engine *e); /* NULL-safe */

/*
 * One event from input id `input`. ev and its views are borrowed for the
 * call. An event without time takes the engine's time (dropped and counted
 * in no_time when the engine has none yet); one older than the clock by
 * more than RULE_SLACK_MS_DEFAULT is counted late and dropped.
 */
void engine_feed(struct engine *e, unsigned input, const struct log_event *ev);
/*
 * engine_feed for ev[0..n) in turn, all from `input`: the same result, at
 * a lower cost per event. The events of one second of the clock go
 * through each rule in turn (ENGINE_RUN_MAX at a time), so a rule's
 * filter, window and group stay in cache, and sample lines are copied
 * once per group rather than once per event.
 */
void engine_feed_run(
    struct engine *e, unsigned input, const struct log_event *ev, size_t n);

/*
 * Called with every value a rule computes for a group (once per second of
 * events and on clock passes), for dry-run's --plot. NULL turns it off.
 * The observer must not call back into the engine.
 */
typedef void engine_observe_fn(void *arg, size_t rule_idx, int64_t t_ms,
    double value);
void engine_set_observer(struct engine *e, engine_observe_fn *fn, void *arg);

/*
 * Advance the clock to now_ms (ignored when not later than the clock),
 * closing every second before now_ms's. The first tick also marks the
 * engine as driven by wall time: absent() then counts silence from it
 * for inputs that have not delivered a line.
 */
void engine_tick(struct engine *e, int64_t now_ms);

/*
 * The end of input (dry-run, `klaxon test`): close the clock's second,
 * whose events are all in, as a tick at the start of the next second
 * would; the clock moves there.
 */
void engine_flush(struct engine *e);

/* The clock, INT64_MIN before the first event or tick. */
int64_t engine_now(const struct engine *e);

/*
 * Snapshot of alert states and window contents (the groups still to be
 * evaluated included), binary, versioned and checksummed. Returns 0, or
 * -1 with errno on a write error.
 */
int engine_save(const struct engine *e, FILE *f);

/*
 * Restore a snapshot into e (meant for a fresh engine, before the first
 * event): the state of each rule of the snapshot whose name and definition
 * (rule_same) match a rule of e replaces that rule's state; other rules
 * are skipped. A restored FIRING alert stays firing without a new
 * emission. Returns 0, or -1 on a damaged or foreign snapshot, in which
 * case e is left as it was.
 */
int engine_load(struct engine *e, FILE *f);

/*
 * Reload: move the state (groups, windows, alerts, counters) of every rule
 * of old that is rule_same() as a rule of fresh into fresh, and the clock
 * and engine counters. old keeps the rest and must still be freed.
 */
void engine_adopt(struct engine *fresh, struct engine *old);

struct engine_stats {
	uint64_t events;          /* engine_feed calls */
	uint64_t matched;         /* events that matched at least one rule */
	uint64_t late;            /* dropped: older than clock - slack (and,
				     per rule, older than a window) */
	uint64_t no_time;         /* events without time (given the clock) */
	uint64_t groups_overflow; /* events routed to an overflow group */
	uint64_t evicted;         /* idle groups freed */
};
const struct engine_stats *engine_stats(const struct engine *e);

/* Per-rule status for `klaxon status` and the dry-run summary. */
struct engine_rule_stats {
	uint64_t matched;          /* events that passed where */
	uint64_t fired;            /* FIRING transitions, repeats excluded */
	uint64_t regex_limit_hits; /* where and ratio filter */
	uint64_t regex_ns;         /* their regex time (expr_stats) */
	int64_t firing_ms;         /* time spent firing, summed over groups
				      (an ongoing episode counts up to now) */
	int64_t longest_firing_ms; /* longest single episode */
	bool quarantined;          /* a filter was quarantined (expr.h) */
	unsigned groups;           /* live groups, the overflow one included */
	uint64_t overflowed;       /* events routed to the overflow group */
};
void engine_rule_stats(
    const struct engine *e, size_t rule_idx, struct engine_rule_stats *out);

#endif /* RULES_ENGINE_H */
