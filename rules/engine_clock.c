/*
 * engine_clock - the engine's clock and the close of each second (the
 * rest of the engine: engine.c, map in engine_impl.h).
 *
 * The clock is the largest event time seen, or a later time given by
 * engine_tick; nothing here reads a real clock. engine.h states the rule:
 * a second is evaluated once, when it is complete. engine_advance closes,
 * in order, every second between the clock's and the new time's (that
 * one excluded). Closing second S evaluates, at S*1000:
 *   - the dirty groups (they took events since they were last closed),
 *     each in the order it first took one;
 *   - then the groups whose state may change with no event: pending and
 *     firing ones (for, repeat, keep_firing_for, resolves as windows
 *     drain), the absent() groups, and the inactive groups of the rules
 *     whose value can start to hold with no new event
 *     (engine_rule_sensitive: not count/rate/distinct with > or >=), the
 *     latter only while an event may be leaving their window
 *     (expiry_due);
 * and sweeps a rule's idle groups every max(window, 10 s). Once every
 * window is known to be empty (busy_until, raised by each event) and no
 * group is dirty, the loop jumps to the next deadline instead of walking
 * each second of a silent gap: the seconds skipped could change nothing.
 *
 * Invariants: every second before the clock's is closed, the clock's is
 * open; e->now never goes back; a group is evaluated at most once per
 * closed second (g->closed_sec).
 *
 * Not handled: a clock far in the future (see engine.c) makes the close
 * jump there at once.
 */
#include "rules/engine.h"

#include <stdint.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

/*
 * True when an inactive group's condition can start to hold with no new
 * event, as old events leave the window: not for count/rate/distinct
 * compared with > or >= (they only fall), unless an empty window may hold.
 */
bool
engine_rule_sensitive(const struct rule *r)
{
	bool falling = r->kind == AGG_COUNT || r->kind == AGG_RATE ||
	    r->kind == AGG_DISTINCT;
	bool up = r->alert_if.op == RULE_OP_GT || r->alert_if.op == RULE_OP_GE;

	return !(falling && up) || r->min_count == 0;
}

/*
 * Whether a window of n events cannot make r's condition hold, whatever
 * its value: fewer than min_count, or a distinct() (at most n) that n
 * already keeps from exceeding a > or >= threshold. Lets an inactive
 * group skip the value (a distinct() read may rebuild its union).
 */
static bool
cannot_hold(const struct rule *r, uint64_t n)
{
	if (r->kind == AGG_ABSENT)
		return false;
	if (n < r->min_count)
		return true;
	if (r->kind != AGG_DISTINCT)
		return false;
	if (r->alert_if.op == RULE_OP_GT)
		return !((double)n > r->alert_if.threshold);
	if (r->alert_if.op == RULE_OP_GE)
		return !((double)n >= r->alert_if.threshold);
	return false;
}

/* Compare the group's window with the rule at now; move the state. */
static void
evaluate(struct engine *e, struct rstate *rs, struct group *g, int64_t now)
{
	const struct rule *r = rs->r;
	uint64_t count = 0;
	double v;
	bool holds;

	/* An inactive group whose window cannot hold stays as it is; the
	 * observer (--plot) wants every value. */
	if (e->observe == NULL &&
	    (g->state == ALERT_INACTIVE || g->state == ALERT_RESOLVED) &&
	    cannot_hold(r, window_count(g->win, &r->spec, now)))
		return;
	/* window_value advances the window to now itself. */
	v = window_value(g->win, &r->spec, now, &count);
	if (e->observe != NULL)
		e->observe(e->observe_arg, (size_t)(rs - e->rules), now, v);
	holds = rule_cond_holds(&r->alert_if, v) &&
	    (r->kind == AGG_ABSENT || count >= r->min_count);
	if (!holds &&
	    (g->state == ALERT_INACTIVE || g->state == ALERT_RESOLVED))
		return;
	engine_transition(e, rs, g, now, v, count, holds);
}

void
engine_ensure_absent(struct engine *e, int64_t now)
{
	for (size_t i = 0; i < e->nrules; i++) {
		struct rstate *rs = &e->rules[i];
		struct group *g;

		if (rs->r->kind != AGG_ABSENT || rs->all != NULL)
			continue;
		/* Silence is measured from when the rule's logs were first
		 * seen (dry-run: the start of its archive) or from the first
		 * wall-clock tick (live: the agent's start), never from an
		 * earlier line of another log. */
		if (!e->ticked && !(rs->r->sources & e->seen))
			continue;
		g = engine_group_alloc(rs->r, now, true);
		if (g == NULL)
			continue;
		engine_group_dedup(rs->r, g);
		if (!engine_group_insert(rs, g))
			engine_group_destroy(g);
	}
}

/*
 * Whether closing a second must evaluate g, which took no event in it.
 * Pending and firing groups always (their timers run); absent() always.
 * An inactive group's value only changes by events (evaluated at the
 * close of their second, as dirty groups) and by events leaving the
 * window: none has left before the second of the oldest + window, and
 * once the window is empty (past last + window, plus rounding) its value
 * stays that of an empty window, which the close at that second has seen.
 */
static bool
expiry_due(const struct rule *r, const struct group *g, int64_t now)
{
	if (g->state != ALERT_INACTIVE || r->kind == AGG_ABSENT)
		return true;
	if (g->last_event_ms == TIME_NONE)
		return false;
	/* (oldest_ms is not in a snapshot: unknown after a load.) */
	return (g->oldest_ms == TIME_NONE ||
		   now >= floor_sec(g->oldest_ms) * 1000 + r->spec.window_ms) &&
	    now <= g->last_event_ms + r->spec.window_ms + 2000;
}

/*
 * Close second s (now = its first ms): the groups that took events
 * first, each in the order it first took one, then the timers of the
 * others. Every group is evaluated at most once per second.
 */
static void
close_second(struct engine *e, int64_t s)
{
	int64_t now = s * 1000;

	if (e->dirty) {
		for (size_t i = 0; i < e->nrules; i++) {
			struct rstate *rs = &e->rules[i];
			struct group *g = rs->dirty, *next;

			rs->dirty = rs->dirty_tail = NULL;
			for (; g != NULL; g = next) {
				next = g->dnext;
				g->dirty = false;
				g->dnext = NULL;
				g->closed_sec = s;
				evaluate(e, rs, g, now);
			}
		}
		e->dirty = false;
	}
	engine_ensure_absent(e, now);
	for (size_t i = 0; i < e->nrules; i++) {
		struct rstate *rs = &e->rules[i];
		struct group *g, *next;
		bool all = rs->sensitive || rs->r->kind == AGG_ABSENT;

		for (g = all ? rs->all : rs->active; g != NULL; g = next) {
			next = all ? g->next : g->anext;
			if (g->closed_sec == s || !expiry_due(rs->r, g, now))
				continue;
			g->closed_sec = s;
			evaluate(e, rs, g, now);
		}
		if (now >= rs->next_sweep_ms) {
			engine_sweep(e, rs, now);
			rs->next_sweep_ms =
			    now + max64(rs->r->spec.window_ms, SWEEP_MIN_MS);
		}
	}
}

static int64_t
min_deadline(int64_t best, int64_t at_ms)
{
	int64_t s = floor_sec(at_ms);

	return s < best ? s : best;
}

/*
 * With every window empty, the first second (>= s) at which a pass can
 * change anything: a lower bound, so a pass that finds nothing due just
 * moves on by a second.
 */
static int64_t
next_deadline(const struct engine *e, int64_t s)
{
	int64_t best = INT64_MAX;

	for (size_t i = 0; i < e->nrules; i++) {
		const struct rstate *rs = &e->rules[i];
		const struct rule *r = rs->r;

		for (const struct group *g = rs->active; g != NULL;
		     g = g->anext) {
			if (g->state == ALERT_PENDING)
				best = min_deadline(
				    best, g->active_since_ms + r->for_ms);
			if (g->state == ALERT_FIRING && r->repeat_ms > 0)
				best = min_deadline(
				    best, g->notified_ms + r->repeat_ms);
			if (g->state == ALERT_FIRING &&
			    g->clear_since_ms != TIME_NONE)
				best = min_deadline(best,
				    g->clear_since_ms + r->keep_firing_ms);
		}
		if (r->kind == AGG_ABSENT && rs->all != NULL &&
		    rs->all->state == ALERT_INACTIVE) {
			const struct group *g = rs->all;
			int64_t base = max64(g->created_ms, g->last_event_ms);

			best = min_deadline(
			    best, base + r->spec.window_ms - r->spec.bucket_ms);
		}
	}
	return best > s ? best : s;
}

/*
 * Move the clock to t, closing every second before t's that is not
 * closed yet: the clock's own second (its events are all in, since t is
 * in a later one), then each quiet second up to t's, or, while every
 * window is empty, only those at which a timer can change something.
 */
void
engine_advance(struct engine *e, int64_t t)
{
	int64_t s, last;

	if (e->now == TIME_NONE) {
		e->now = t;
		engine_ensure_absent(e, t);
		return;
	}
	if (t <= e->now)
		return;
	last = floor_sec(t) - 1; /* the last second to close */
	for (s = floor_sec(e->now); s <= last; s++) {
		if (!e->dirty && s * 1000 > e->busy_until) {
			s = next_deadline(e, s);
			if (s > last)
				break;
		}
		e->now = max64(e->now, s * 1000);
		close_second(e, s);
	}
	e->now = t;
}

void
engine_tick(struct engine *e, int64_t now_ms)
{
	if (now_ms == TIME_NONE)
		return;
	engine_advance(e, now_ms);
	if (!e->ticked) {
		e->ticked = true;
		engine_ensure_absent(e, e->now);
	}
}

void
engine_flush(struct engine *e)
{
	if (e->now == TIME_NONE)
		return;
	engine_tick(e, (floor_sec(e->now) + 1) * 1000);
}

int64_t
engine_now(const struct engine *e)
{
	return e->now;
}
