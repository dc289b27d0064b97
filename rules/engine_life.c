/*
 * engine_life - an engine's life cycle: engine_new and engine_free, the
 * observer, the statistics, and reload (the rest of the engine: map in
 * engine_impl.h).
 *
 * Reload: engine_adopt moves the whole state of each rule that is
 * rule_same() as a rule of the new set, table and seed together (the
 * slots were placed by that seed), then the clock and the counters; a
 * changed rule starts empty.
 */
#include "rules/engine.h"

#include <stdlib.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

void
engine_set_observer(struct engine *e, engine_observe_fn *fn, void *arg)
{
	e->observe = fn;
	e->observe_arg = arg;
}

struct engine *
engine_new(const struct ruleset *rs, engine_emit_fn *emitfn, void *arg)
{
	struct engine *e = calloc(1, sizeof(*e));
	size_t n = ruleset_count(rs);

	if (e == NULL)
		return NULL;
	e->rs = rs;
	e->emit = emitfn;
	e->arg = arg;
	e->now = TIME_NONE;
	e->busy_until = INT64_MIN;
	e->nrules = n;
	e->rules = calloc(n ? n : 1, sizeof(*e->rules));
	if (e->rules == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		e->rules[i].r = ruleset_rule(rs, i);
		e->rules[i].seed = (uint64_t)(uintptr_t)&e->rules[i] *
		    UINT64_C(0x9e3779b97f4a7c15);
		e->rules[i].sensitive = engine_rule_sensitive(e->rules[i].r);
		e->rules[i].next_sweep_ms = INT64_MIN;
		e->rules[i].cap_sweep_ms = INT64_MIN / 2;
	}
	for (unsigned in = 0; in < RULE_SOURCES_MAX; in++) {
		for (size_t i = 0; i < n; i++) {
			if (!((e->rules[i].r->sources >> in) & 1u))
				continue;
			if (e->subs[in] == NULL)
				e->subs[in] = calloc(n, sizeof(size_t));
			if (e->subs[in] == NULL)
				goto fail;
			e->subs[in][e->nsubs[in]++] = i;
		}
	}
	return e;
fail:
	engine_free(e);
	return NULL;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; e->rules != NULL && i < e->nrules; i++)
		engine_rstate_clear(&e->rules[i]);
	for (unsigned in = 0; in < RULE_SOURCES_MAX; in++)
		free(e->subs[in]);
	while (e->spare != NULL) {
		struct sline *l = e->spare;

		e->spare = l->next;
		free(l);
	}
	free(e->rules);
	free(e);
}

const struct engine_stats *
engine_stats(const struct engine *e)
{
	return &e->st;
}

void
engine_rule_stats(
    const struct engine *e, size_t rule_idx, struct engine_rule_stats *out)
{
	const struct rstate *rs;
	const struct expr *x[2];

	memset(out, 0, sizeof(*out));
	if (rule_idx >= e->nrules)
		return;
	rs = &e->rules[rule_idx];
	*out = rs->st;
	x[0] = rs->r->where;
	x[1] = rs->r->ratio;
	for (size_t i = 0; i < NELEM(x); i++) {
		const struct expr_stats *es = x[i] ? expr_stats(x[i]) : NULL;

		if (es == NULL)
			continue;
		out->regex_limit_hits += es->regex_limit_hits;
		out->regex_ns += es->regex_ns;
		out->quarantined |= es->quarantined;
	}
	for (const struct group *g = rs->active; g != NULL; g = g->anext) {
		int64_t dur;

		if (g->state != ALERT_FIRING)
			continue;
		dur = e->now - g->fired_ms;
		out->firing_ms += dur;
		if (dur > out->longest_firing_ms)
			out->longest_firing_ms = dur;
	}
	out->groups = rs->ngroups + (rs->overflow != NULL ? 1u : 0u);
}

void
engine_adopt(struct engine *fresh, struct engine *old)
{
	/* Rule names are unique in a set: an old rule matches at most one. */
	for (size_t i = 0; i < fresh->nrules; i++) {
		struct rstate *nr = &fresh->rules[i];

		for (size_t j = 0; j < old->nrules; j++) {
			struct rstate * or = &old->rules[j];

			if (!rule_same(nr->r, or->r))
				continue;
			engine_rstate_clear(nr);
			nr->slots = or->slots;
			nr->nslots = or->nslots;
			nr->seed = or->seed; /* the slots were placed by it */
			nr->ngroups = or->ngroups;
			nr->overflow = or->overflow;
			nr->all = or->all;
			nr->active = or->active;
			nr->last = or->last;
			nr->dirty = or->dirty;
			nr->dirty_tail = or->dirty_tail;
			fresh->dirty |= nr->dirty != NULL;
			nr->next_sweep_ms = or->next_sweep_ms;
			nr->cap_sweep_ms = or->cap_sweep_ms;
			nr->st = or->st;
			engine_rstate_forget(or);
			break;
		}
	}
	if (old->now != TIME_NONE &&
	    (fresh->now == TIME_NONE || old->now > fresh->now))
		fresh->now = old->now;
	fresh->busy_until = max64(fresh->busy_until, old->busy_until);
	fresh->st = old->st;
}
