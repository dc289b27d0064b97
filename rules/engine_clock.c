/*
 * engine_clock - the engine's clock and its timer passes (the rest of the
 * engine: engine.c, map in engine_impl.h).
 *
 * The clock is the largest event time seen, or a later time given by
 * engine_tick; nothing here reads a real clock. Timers (`for` elapsed,
 * resolves as windows drain, repeat, keep_firing_for, absent()) are
 * evaluated by a pass at each whole engine second that the clock crosses,
 * run before the event that crossed it, so dry-run sees a resolve at the
 * second live mode would. A pass evaluates the pending and firing groups,
 * the absent() groups, and the inactive groups of the rules whose value
 * can start to hold with no new event (is_sensitive in engine_group.c:
 * not count/rate/distinct with > or >=), the latter only while an event
 * may be leaving their window (expiry_due). Once every window is known to
 * be empty (busy_until, raised by each event), the passes jump to the next
 * deadline instead of walking each second of a silent gap. Each pass also
 * sweeps a rule's idle groups every max(window, 10 s).
 *
 * Invariants: pass_sec only grows; e->now never goes back; a pass runs
 * at most once per engine second.
 *
 * Not handled: a clock far in the future (see engine.c) makes the passes
 * jump there at once.
 */
#include "rules/engine.h"

#include <stdint.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

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
 * Whether a pass must evaluate g. Pending and firing groups always (their
 * timers run); absent() always. An inactive group's value only changes by
 * events (evaluated once their second is over, engine_settle) and by
 * events leaving the window: none has left before oldest + window, and
 * once the window is empty (past last + window, plus rounding) its value
 * stays that of an empty window, which the pass at that second has seen.
 */
static bool
expiry_due(const struct rule *r, const struct group *g, int64_t now)
{
	if (g->state != ALERT_INACTIVE || r->kind == AGG_ABSENT)
		return true;
	if (g->last_event_ms == TIME_NONE)
		return false;
	return now >= g->oldest_ms + r->spec.window_ms &&
	    now <= g->last_event_ms + r->spec.window_ms + 2000;
}

void
engine_settle(struct engine *e)
{
	if (!e->dirty)
		return;
	for (size_t i = 0; i < e->nrules; i++) {
		struct rstate *rs = &e->rules[i];
		struct group *g = rs->dirty, *next;

		rs->dirty = rs->dirty_tail = NULL;
		for (; g != NULL; g = next) {
			next = g->dnext;
			g->dirty = false;
			g->dnext = NULL;
			evaluate(e, rs, g, e->now);
		}
	}
	e->dirty = false;
}

/* One timer pass at now (a whole second). */
static void
pass(struct engine *e, int64_t now)
{
	engine_ensure_absent(e, now);
	for (size_t i = 0; i < e->nrules; i++) {
		struct rstate *rs = &e->rules[i];
		struct group *g, *next;
		bool all = rs->sensitive || rs->r->kind == AGG_ABSENT;

		for (g = all ? rs->all : rs->active; g != NULL; g = next) {
			next = all ? g->next : g->anext;
			if (!expiry_due(rs->r, g, now))
				continue;
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

/* Move the clock to t, running the passes of the seconds crossed. */
void
engine_advance(struct engine *e, int64_t t)
{
	int64_t target;

	if (e->now == TIME_NONE) {
		e->now = t;
		e->pass_sec = floor_sec(t);
		engine_ensure_absent(e, t);
		return;
	}
	if (t <= e->now)
		return;
	target = floor_sec(t);
	while (e->pass_sec < target) {
		int64_t s = e->pass_sec + 1;

		if (s * 1000 > e->busy_until) {
			s = next_deadline(e, s);
			if (s > target) {
				e->pass_sec = target;
				break;
			}
		}
		e->now = s * 1000;
		pass(e, e->now);
		e->pass_sec = s;
	}
	e->now = t;
}

void
engine_tick(struct engine *e, int64_t now_ms)
{
	if (now_ms == TIME_NONE)
		return;
	engine_settle(e);
	engine_advance(e, now_ms);
	if (!e->ticked) {
		e->ticked = true;
		engine_ensure_absent(e, e->now);
	}
}

int64_t
engine_now(const struct engine *e)
{
	return e->now;
}
