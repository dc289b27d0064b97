/*
 * engine_state - the alert state machine: what an evaluation of a group
 * makes of its state (the rest of the engine: engine.c, map in
 * engine_impl.h).
 *
 * INACTIVE -> PENDING (only with `for`) -> FIRING -> RESOLVED -> INACTIVE
 * (engine.h). A pending alert that stops holding goes back silently (it
 * was never sent); a firing one clears when resolve_if holds (or its
 * window drained), or without resolve_if when the condition no longer
 * holds, and resolves once it stayed clear keep_firing_for; repeat sends
 * FIRING again. Runs out of line from evaluate (engine_impl.h): most
 * evaluations find an inactive group whose condition does not hold.
 *
 * Invariants: a group is on the active list exactly when PENDING or
 * FIRING; RESOLVED releases the episode's samples.
 */
#include "rules/engine.h"

#include "rules/engine_impl.h"
#include "parsers/compat.h"

void
engine_samples_reset(struct engine *e, struct group *g)
{
	for (unsigned i = 0; i < ALERT_SAMPLES_MAX; i++) {
		sline_put(e, g->samples[i]);
		g->samples[i] = NULL;
		g->run_slot[i] = -1;
	}
	g->nsamples = 0;
	g->nlatest = 0;
}

static void
fire(struct engine *e, struct rstate *rs, struct group *g, int64_t now,
    double v, uint64_t count)
{
	g->state = ALERT_FIRING;
	g->fired_ms = now;
	g->notified_ms = now;
	g->clear_since_ms = TIME_NONE;
	active_link(rs, g);
	rs->st.fired++;
	engine_emit(e, rs, g, ALERT_FIRING, false, now, v, count);
}

static void
resolve(struct engine *e, struct rstate *rs, struct group *g, int64_t now,
    double v, uint64_t count)
{
	int64_t dur = now - g->fired_ms;

	rs->st.firing_ms += dur;
	if (dur > rs->st.longest_firing_ms)
		rs->st.longest_firing_ms = dur;
	engine_emit(e, rs, g, ALERT_RESOLVED, false, now, v, count);
	g->state = ALERT_INACTIVE;
	g->active_since_ms = TIME_NONE;
	g->clear_since_ms = TIME_NONE;
	active_unlink(rs, g);
	engine_samples_reset(e, g);
}

/* The state machine after evaluate computed v, count and holds. Out of
 * line: most evaluations find an inactive group that does not hold. */
void __attribute__((noinline))
engine_transition(struct engine *e, struct rstate *rs, struct group *g,
    int64_t now, double v, uint64_t count, bool holds)
{
	const struct rule *r = rs->r;
	bool clear;

	switch (g->state) {
	case ALERT_INACTIVE:
	case ALERT_RESOLVED:
		if (!holds)
			return;
		g->active_since_ms = now;
		if (r->for_ms == 0) {
			fire(e, rs, g, now, v, count);
			return;
		}
		g->state = ALERT_PENDING;
		active_link(rs, g);
		engine_emit(e, rs, g, ALERT_PENDING, false, now, v, count);
		return;
	case ALERT_PENDING:
		if (!holds) {
			/* Silently back: a pending alert was never sent. */
			g->state = ALERT_INACTIVE;
			g->active_since_ms = TIME_NONE;
			active_unlink(rs, g);
		} else if (now - g->active_since_ms >= r->for_ms) {
			fire(e, rs, g, now, v, count);
		}
		return;
	case ALERT_FIRING:
		break;
	}
	/* Firing: clear when resolve_if holds (or the window drained), or,
	 * without resolve_if, when the condition no longer holds. */
	if (r->has_resolve_if)
		clear = (count == 0 && r->kind != AGG_ABSENT) ||
		    rule_cond_holds(&r->resolve_if, v);
	else
		clear = !holds;
	if (!clear) {
		g->clear_since_ms = TIME_NONE;
	} else {
		if (g->clear_since_ms == TIME_NONE)
			g->clear_since_ms = now;
		if (now - g->clear_since_ms >= r->keep_firing_ms) {
			resolve(e, rs, g, now, v, count);
			return;
		}
	}
	if (r->repeat_ms > 0 && now - g->notified_ms >= r->repeat_ms) {
		g->notified_ms = now;
		engine_emit(e, rs, g, ALERT_FIRING, true, now, v, count);
	}
}
