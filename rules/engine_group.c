/*
 * engine_group - the upkeep of each rule's groups, and the engine's life
 * cycle: engine_new, engine_free, engine_adopt and the statistics (the
 * rest of the engine: engine.c, map in engine_impl.h).
 *
 * Group table: per rule an open-addressing table of struct gslot (hash +
 * group), linear probing, at most half full, grown by doubling from
 * TABLE_MIN slots, deleted from by backward shifting (no tombstones).
 * The lookup itself (table_find) is in engine.c, on the per-event path;
 * everything that changes the table is here. The home slot mixes the hash
 * with a per-table seed (slot_home, engine_impl.h).
 *
 * Eviction: a group whose window is empty and whose alert is inactive is
 * evicted by a sweep every max(window, 10 s) (engine_clock.c), and, when
 * the cap is reached, by a sweep at most every 10 s (engine.c). Rules
 * with min_count 0 keep their groups (an empty window may hold there),
 * absent() its one group.
 *
 * Identity: dedup_key is FNV-1a 64 of the rule name and the group values,
 * with no seed, so it is stable across runs and versions.
 *
 * Reload: engine_adopt moves the whole state of each rule that is
 * rule_same() as a rule of the new set, table and seed together (the
 * slots were placed by that seed).
 */
#include "rules/engine.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

#define TABLE_MIN 16u

void
engine_group_dedup(const struct rule *r, struct group *g)
{
	uint64_t h = fnv1a(FNV_INIT, r->name, strlen(r->name));

	for (unsigned i = 0; i < r->ngroup; i++) {
		h = fnv1a(h, "\x1f", 1);
		h = fnv1a(h, g->values[i], g->vlen[i]);
	}
	snprintf(g->dedup, sizeof(g->dedup), "%016llx", (unsigned long long)h);
}

/*
 * True when an inactive group's condition can start to hold with no new
 * event, as old events leave the window: not for count/rate/distinct
 * compared with > or >= (they only fall), unless an empty window may hold.
 */
static bool
is_sensitive(const struct rule *r)
{
	bool falling = r->kind == AGG_COUNT || r->kind == AGG_RATE ||
	    r->kind == AGG_DISTINCT;
	bool up = r->alert_if.op == RULE_OP_GT || r->alert_if.op == RULE_OP_GE;

	return !(falling && up) || r->min_count == 0;
}

/* --- group table ----------------------------------------------------- */

void
engine_group_destroy(struct group *g)
{
	if (g == NULL)
		return;
	for (unsigned i = 0; i < ALERT_SAMPLES_MAX; i++)
		sline_put(NULL, g->samples[i]);
	window_free(g->win);
	free(g->bd);
	free(g);
}

/*
 * A new group, not linked anywhere, with a window unless with_window is
 * false (snapshot load brings its own); NULL when out of memory.
 */
struct group *
engine_group_alloc(const struct rule *r, int64_t now, bool with_window)
{
	struct group *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	if (with_window)
		g->win = window_new(&r->spec, now);
	if (r->breakdown_field >= 0)
		g->bd = calloc(1, sizeof(*g->bd));
	if ((with_window && g->win == NULL) ||
	    (r->breakdown_field >= 0 && g->bd == NULL)) {
		engine_group_destroy(g);
		return NULL;
	}
	if (g->bd != NULL)
		engine_bd_init(g->bd, r->spec.window_ms);
	g->state = ALERT_INACTIVE;
	g->created_ms = now;
	g->closed_sec = INT64_MIN;
	g->last_event_ms = TIME_NONE;
	g->oldest_ms = TIME_NONE;
	g->active_since_ms = TIME_NONE;
	g->fired_ms = TIME_NONE;
	g->notified_ms = TIME_NONE;
	g->clear_since_ms = TIME_NONE;
	g->fired_value = NAN;
	for (unsigned i = 0; i < ALERT_SAMPLES_MAX; i++)
		g->run_slot[i] = -1;
	return g;
}

static void
list_link(struct rstate *rs, struct group *g)
{
	g->prev = NULL;
	g->next = rs->all;
	if (rs->all != NULL)
		rs->all->prev = g;
	rs->all = g;
	if (g->state == ALERT_PENDING || g->state == ALERT_FIRING)
		active_link(rs, g);
}

static void
slot_put(struct gslot *t, uint32_t n, uint64_t seed, struct group *g)
{
	uint32_t i = slot_home(seed, g->hash, n);

	while (t[i].g != NULL)
		i = (i + 1) & (n - 1);
	t[i].hash = g->hash;
	t[i].g = g;
}

static bool
table_resize(struct rstate *rs, uint32_t n)
{
	struct gslot *t = calloc(n, sizeof(*t));

	if (t == NULL)
		return false;
	for (uint32_t i = 0; i < rs->nslots; i++) {
		if (rs->slots[i].g != NULL)
			slot_put(t, n, rs->seed, rs->slots[i].g);
	}
	free(rs->slots);
	rs->slots = t;
	rs->nslots = n;
	return true;
}

/* Put g (hash set) into the table; false when out of memory. */
static bool
table_add(struct rstate *rs, struct group *g)
{
	if ((rs->ngroups + 1) * 2 > rs->nslots) {
		uint32_t n = rs->nslots ? rs->nslots * 2 : TABLE_MIN;

		/* Without a bigger table, go on while one slot stays free
		 * (a probe stops at an empty slot). */
		if (!table_resize(rs, n) && rs->ngroups + 2 > rs->nslots)
			return false;
	}
	slot_put(rs->slots, rs->nslots, rs->seed, g);
	rs->ngroups++;
	return true;
}

/* Take g out of the table: backward-shift deletion, no tombstones. */
static void
table_del(struct rstate *rs, struct group *g)
{
	uint32_t mask = rs->nslots - 1;
	uint32_t i = slot_home(rs->seed, g->hash, rs->nslots), j;

	while (rs->slots[i].g != g) {
		if (rs->slots[i].g == NULL)
			return;
		i = (i + 1) & mask;
	}
	for (j = i;;) {
		uint32_t k;

		j = (j + 1) & mask;
		if (rs->slots[j].g == NULL)
			break;
		k = slot_home(rs->seed, rs->slots[j].hash, rs->nslots);
		/* j may move back to i unless its home is cyclically in
		 * (i, j]. */
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && k <= i && k > j)) {
			rs->slots[i] = rs->slots[j];
			i = j;
		}
	}
	rs->slots[i].g = NULL;
	rs->slots[i].hash = 0;
	rs->ngroups--;
}

/* Link g (hash set) into rs: the table, or the overflow slot. False (g
 * not linked) when out of memory. */
bool
engine_group_insert(struct rstate *rs, struct group *g)
{
	if (g->overflow)
		rs->overflow = g;
	else if (!table_add(rs, g))
		return false;
	list_link(rs, g);
	return true;
}

static void
group_remove(struct rstate *rs, struct group *g)
{
	if (rs->last == g)
		rs->last = NULL;
	active_unlink(rs, g);
	if (g->prev != NULL)
		g->prev->next = g->next;
	else
		rs->all = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	if (g->overflow)
		rs->overflow = NULL;
	else
		table_del(rs, g);
}

/* rs without groups (they were freed, or moved to another engine). */
static void
rstate_forget(struct rstate *rs)
{
	rs->slots = NULL;
	rs->nslots = 0;
	rs->ngroups = 0;
	rs->overflow = NULL;
	rs->all = NULL;
	rs->active = NULL;
	rs->last = NULL;
	rs->dirty = rs->dirty_tail = NULL;
}

void
engine_rstate_clear(struct rstate *rs)
{
	struct group *g = rs->all, *next;

	for (; g != NULL; g = next) {
		next = g->next;
		engine_group_destroy(g);
	}
	free(rs->slots);
	rstate_forget(rs);
}

/* Evict idle groups: inactive with an empty window. */
void
engine_sweep(struct engine *e, struct rstate *rs, int64_t now)
{
	const struct rule *r = rs->r;
	struct group *g = rs->all, *next;

	if (r->kind == AGG_ABSENT || r->min_count == 0)
		return;
	for (; g != NULL; g = next) {
		next = g->next;
		if (g->state != ALERT_INACTIVE || g->dirty ||
		    (g->last_event_ms != TIME_NONE &&
			g->last_event_ms > now - r->spec.window_ms) ||
		    !window_is_empty(g->win, &r->spec, now))
			continue;
		group_remove(rs, g);
		engine_group_destroy(g);
		e->st.evicted++;
	}
}

/* --- life cycle and stats -------------------------------------------- */

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
		e->rules[i].sensitive = is_sensitive(e->rules[i].r);
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
			rstate_forget(or);
			break;
		}
	}
	if (old->now != TIME_NONE &&
	    (fresh->now == TIME_NONE || old->now > fresh->now))
		fresh->now = old->now;
	fresh->busy_until = max64(fresh->busy_until, old->busy_until);
	fresh->st = old->st;
}
