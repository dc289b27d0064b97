/*
 * engine_state - the alert state machine, and the emission of each
 * transition (the rest of the engine: map in engine_impl.h).
 *
 * INACTIVE -> PENDING (only with `for`) -> FIRING -> RESOLVED -> INACTIVE
 * (engine.h). A pending alert that stops holding goes back silently (it
 * was never sent); a firing one clears when resolve_if holds (or its
 * window drained), or without resolve_if when the condition no longer
 * holds, and resolves once it stayed clear keep_firing_for; repeat sends
 * FIRING again. engine_transition runs out of line from evaluate
 * (engine_clock.c): most evaluations find an inactive group that does not
 * hold.
 *
 * Emission runs only on a transition or a repeat, never per plain event,
 * so it may copy: group values, samples (the first the group kept, then
 * the older and the newer of the latest two; while firing only those of
 * the window that fires) and, on FIRING, the top ALERT_CONTRIB_MAX
 * contributors of the breakdown (engine_breakdown.c). The summary of a
 * RESOLVED transition repeats the value and count the alert last fired
 * with ("nginx refused a 21770024-byte body" rather than the empty
 * window's "n/a"), so that the message closes the one it answers; the
 * transition's own value field is the value at resolve. The fired value
 * and count are in the snapshot, so this holds across a restart too.
 *
 * Invariants: a group is on the active list exactly when PENDING or
 * FIRING; RESOLVED releases the episode's samples; the transition is
 * valid only during the callback, which must not call back into the
 * engine.
 */
#include "rules/engine.h"

#include <math.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "rules/template.h"
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

/* --- emission ------------------------------------------------------- */

void
engine_emit(struct engine *e, struct rstate *rs, struct group *g,
    enum alert_state st, bool repeat, int64_t now, double v, uint64_t count)
{
	const struct rule *r = rs->r;
	struct alert_transition *tr = &e->tr;
	struct template_contrib tc[ALERT_CONTRIB_MAX];
	const char *gv[RULE_GROUP_MAX];
	struct template_vars vars;
	unsigned idx[ALERT_SAMPLES_MAX], n;

	tr->rule = r;
	tr->rule_name = r->name;
	tr->severity = r->severity;
	tr->state = st;
	tr->repeat = repeat;
	tr->at_ms = now;
	tr->active_since_ms = g->active_since_ms;
	tr->value = v;
	tr->threshold = r->alert_if.threshold;
	tr->count = count;
	tr->ngroup = r->ngroup;
	for (unsigned i = 0; i < r->ngroup; i++) {
		tr->group_names[i] = r->group_names[i];
		memcpy(tr->group_values[i], g->values[i], g->vlen[i] + 1u);
		gv[i] = tr->group_values[i];
	}
	memcpy(tr->dedup_key, g->dedup, sizeof(tr->dedup_key));
	tr->ncontrib = 0;
	if (g->bd != NULL && st == ALERT_FIRING)
		engine_bd_report(r, g->bd, now, tr);
	n = samples_order(g, idx);
	tr->nsamples = 0;
	for (unsigned i = 0; i < n; i++) {
		const char *text = sample_text(g, idx[i]);

		/* A firing alert shows lines of the window that fires; a
		 * resolve closes the episode with the lines it had. */
		if (st != ALERT_RESOLVED &&
		    floor_sec(g->sample_ms[idx[i]]) * 1000 <=
			floor_sec(now) * 1000 - r->spec.window_ms)
			continue;
		memcpy(tr->samples[tr->nsamples++], text, strlen(text) + 1);
	}
	tr->notify = r->notify;
	tr->nnotify = r->nnotify;
	for (unsigned i = 0; i < tr->ncontrib; i++) {
		tc[i].key = tr->contrib[i].key;
		tc[i].share = bd_by_value(r) ? tr->contrib[i].share_value
					     : tr->contrib[i].share_events;
	}
	memset(&vars, 0, sizeof(vars));
	vars.rule = r->name;
	vars.severity = r->severity;
	vars.op = rule_op_str(r->alert_if.op);
	vars.value = v;
	vars.threshold = r->alert_if.threshold;
	vars.window_ms = r->spec.window_ms;
	vars.count = count;
	if (st == ALERT_FIRING) {
		g->fired_value = v;
		g->fired_count = count;
	} else if (st == ALERT_RESOLVED && !isnan(g->fired_value)) {
		vars.value = g->fired_value;
		vars.count = g->fired_count;
	}
	vars.ngroup = r->ngroup;
	vars.group_names = r->group_name_ptrs;
	vars.group_values = gv;
	vars.ncontrib = tr->ncontrib;
	vars.contrib = tc;
	template_render(r->summary, &vars, tr->summary, sizeof(tr->summary));
	if (e->emit != NULL)
		e->emit(e->arg, tr);
}
