/*
 * engine_group - the group table of each rule: lookup, insert, delete,
 * resize, identity and eviction (the rest of the engine: map in
 * engine_impl.h).
 *
 * Table: per rule an open-addressing table of struct gslot (hash +
 * group), linear probing, at most half full, grown by doubling from
 * TABLE_MIN slots, deleted from by backward shifting (no tombstones). The
 * home slot mixes the hash with a per-table seed (slot_home). A lookup
 * (engine_group_for, on the per-event path of group_by rules) tries the
 * group found last first, then probes; slots keep the hash, so a probe
 * touches no group but the right one. Past max_groups, new keys share one
 * overflow group whose values are all "__overflow__"; when the cap is
 * reached, idle groups are swept out at most every 10 s before a new key
 * goes there.
 *
 * Eviction: a group whose window is empty and whose alert is inactive is
 * evicted by a sweep every max(window, 10 s) (engine_clock.c), and at the
 * cap as above. Rules with min_count 0 keep their groups (an empty window
 * may hold there), absent() its one group.
 *
 * Identity: dedup_key is FNV-1a 64 of the rule name and the group values,
 * with no seed, so it is stable across runs and versions.
 */
#include "rules/engine.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

#define TABLE_MIN 16u

/*
 * The home slot of hash h. window_hash has no secret seed and group
 * values come from log lines, so the index mixes h with a per-table seed
 * (from ASLR): keys whose hashes share low bits no longer pile up in one
 * run. It is no defense against full 64-bit collisions; max_groups bounds
 * the harm of those.
 */
static uint32_t
slot_home(uint64_t seed, uint64_t h, uint32_t n)
{
	h ^= seed;
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return (uint32_t)(h & (n - 1));
}

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

/* --- lookup: the per-event path ---------------------------------------- */

static bool
group_is(const struct rule *r, const struct group *g, const struct keyv *k)
{
	for (unsigned n = 0; n < r->ngroup; n++) {
		if (!key_eq(g->values[n], g->vlen[n], &k[n]))
			return false;
	}
	return true;
}

/* The group with hash h and values k, or NULL. */
static struct group *
table_find(const struct rstate *rs, uint64_t h, const struct keyv *k)
{
	uint32_t mask = rs->nslots - 1;

	if (rs->nslots == 0)
		return NULL;
	for (uint32_t i = slot_home(rs->seed, h, rs->nslots);
	     rs->slots[i].g != NULL; i = (i + 1) & mask) {
		struct group *g = rs->slots[i].g;

		if (rs->slots[i].hash == h && group_is(rs->r, g, k))
			return g;
	}
	return NULL;
}

static void
group_set_overflow(const struct rule *r, struct group *g)
{
	struct keyv k = { ENGINE_OVERFLOW_GROUP,
		sizeof(ENGINE_OVERFLOW_GROUP) - 1, false };

	g->overflow = true;
	for (unsigned i = 0; i < r->ngroup; i++)
		g->vlen[i] = (uint8_t)key_store(g->values[i], &k);
	engine_group_dedup(r, g);
}

struct group *
engine_group_for(struct engine *e, struct rstate *rs, const struct log_event *ev,
    int64_t now)
{
	const struct rule *r = rs->r;
	struct keyv k[RULE_GROUP_MAX];
	uint64_t h = 0;
	struct group *g;

	for (unsigned i = 0; i < r->ngroup; i++) {
		int f = r->group_fields[i];

		if (event_has(ev, f))
			k[i] = key_view(
			    ev->text[f].p, ev->text[f].len, GROUP_VALUE_MAX);
		else
			k[i] = (struct keyv){ "", 0, false };
		h = hash_step(h, &k[i], i);
	}
	/* Runs of one key (and rules without group_by) skip the probe. */
	g = rs->last;
	if (g != NULL && g->hash == h && group_is(r, g, k))
		return g;
	g = table_find(rs, h, k);
	if (g != NULL) {
		rs->last = g;
		return g;
	}
	if (rs->ngroups >= r->max_groups &&
	    now - rs->cap_sweep_ms >= SWEEP_MIN_MS) {
		rs->cap_sweep_ms = now;
		engine_sweep(e, rs, now);
	}
	if (rs->ngroups >= r->max_groups) {
		rs->st.overflowed++;
		e->st.groups_overflow++;
		if (rs->overflow != NULL)
			return rs->overflow;
		g = engine_group_alloc(r, now, true);
		if (g == NULL)
			return NULL;
		group_set_overflow(r, g);
		engine_group_insert(rs, g);
		return g;
	}
	g = engine_group_alloc(r, now, true);
	if (g == NULL)
		return NULL;
	g->hash = h;
	for (unsigned i = 0; i < r->ngroup; i++) {
		g->vlen[i] = (uint8_t)key_store(g->values[i], &k[i]);
		if (k[i].cut)
			g->cutmask |= (uint8_t)(1u << i);
	}
	engine_group_dedup(r, g);
	if (!engine_group_insert(rs, g)) {
		engine_group_destroy(g);
		return NULL;
	}
	rs->last = g;
	return g;
}

void
engine_rstate_forget(struct rstate *rs)
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
	engine_rstate_forget(rs);
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

