/*
 * engine_emit - one alert transition into the reused struct
 * alert_transition (engine.h), the summary rendered by template.c, handed
 * to the emit callback (the rest of the engine: engine.c, map in
 * engine_impl.h).
 *
 * Runs only on a transition or a repeat, never per plain event, so it may
 * copy: group values, samples (in order: the first of the episode, then
 * the older and the newer of the latest two) and, on FIRING, the top
 * ALERT_CONTRIB_MAX keys of the breakdown by event weight or, for rules
 * with a value field (not distinct), by summed value. Counts and shares
 * are the space-saving counter's upper bounds (engine.c).
 *
 * The summary of a RESOLVED transition repeats the value and count the
 * alert last fired with ("nginx refused a 21770024-byte body" rather than
 * the empty window's "n/a"), so that the message closes the one it
 * answers; the transition's own value field is the value at resolve.
 * The fired value and count are in the snapshot, so this holds across a
 * restart too.
 *
 * Invariants: the transition is valid only during the callback; the
 * callback must not call back into the engine.
 */
#include "rules/engine.h"

#include <math.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "rules/template.h"
#include "parsers/compat.h"

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
