/*
 * engine - groups, evaluation, the alert state machine, breakdowns,
 * samples, timers and snapshots.
 *
 * Per event: each rule subscribed to the event's input (a list per input,
 * built once) evaluates its where filter. On a match the event's group key
 * (the group_by values, each cut to a 128-byte slot with "...") is hashed
 * with window_hash and looked up in the rule's open-addressing table,
 * whose slots keep the hash so a probe touches no group but the right one
 * (the group found last is tried first: rules without group_by, and runs
 * of one key, skip the probe).
 * The value goes into the group's window, the breakdown counter and the
 * sample slots take the event, and the group is evaluated at the clock.
 * The cost per matching event and rule: one filter, one table probe, one
 * window_add and one window_value (both O(1) amortised, window.c), a scan
 * of BD_SLOTS 64-bit hashes when the rule has a breakdown, and a reference
 * to the event's line for the samples (the line, at most ALERT_TEXT_MAX
 * bytes, is copied once per event and shared by every group that takes
 * it; the state machine runs out of line only when the group is pending
 * or firing or its condition holds). An event without the
 * value field (sum/avg/min/max/pNN: no number; distinct: absent) matches
 * but stays out of the aggregate, so count and min_count count events with
 * a value: the window cannot count an event without its value.
 *
 * Time: the clock is the largest event time seen (or a later tick). An
 * event older than clock - RULE_SLACK_MS_DEFAULT is late: counted and
 * dropped; a younger out-of-order event goes into the window at its own
 * time. Timers (`for` elapsed, resolves as windows drain, repeat,
 * keep_firing_for, absent()) are evaluated by a pass at each whole engine
 * second that the clock crosses, run before the event that crossed it, so
 * dry-run sees a resolve at the second live mode would. A pass evaluates
 * the pending and firing groups, the absent() groups, and the inactive
 * groups of the rules whose value can start to hold with no new event
 * (is_sensitive: not count/rate/distinct with > or >=), the latter
 * only while an event may be leaving their window (expiry_due). Once every
 * window is known to be empty (busy_until), the passes jump to the next
 * deadline instead of walking each second of a silent gap.
 *
 * Groups: at most max_groups per rule; past the cap new keys share one
 * group whose values are all "__overflow__" (counted per rule and in
 * groups_overflow; the agent reports the first one). A group whose window
 * is empty and whose alert is inactive is evicted by a sweep every
 * max(window, 10 s), and, when the cap is reached, by a sweep at most
 * every 10 s. Rules with min_count 0 keep their groups (an empty window
 * may hold there), absent() its one group.
 *
 * Breakdown: per group a space-saving counter (Metwally et al.) of BD_SLOTS
 * keys with event weight and summed value. A new key, when the table is
 * full, replaces the lightest slot and inherits its weight, so counts and
 * shares are upper bounds, and a key with more than 1/BD_SLOTS of the
 * weight is always present. Weights and values are halved at each window
 * period (counted from the first event the counter saw), so the report is
 * about recent events without a second table. About 5 KiB per group, only
 * for rules with a breakdown.
 *
 * Samples: the first event of the episode (slot 0) and the two latest. An
 * episode starts with the first event after the group's window was empty,
 * while inactive, and ends at RESOLVED. Slots hold reference-counted
 * copies (struct sline); released copies are kept for reuse, up to
 * SLINE_SPARE_MAX. Out of memory, a sample reads as "".
 *
 * Snapshot: binary, little-endian, versioned, with an FNV-1a checksum of
 * all bytes; each rule's state is length-prefixed (rules that are gone or
 * changed are skipped), windows are embedded window_save blobs. Loading
 * validates everything into temporaries before touching the engine, so a
 * damaged file changes nothing.
 *
 * The emit callback must not call back into the engine.
 *
 * Not handled: far-future event times move the clock (and make the
 * following events late); the agent should bound them.
 */
#include "rules/engine.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_impl.h"
#include "parsers/compat.h"

#define TIME_NONE       INT64_MIN
#define GROUP_VALUE_MAX 128 /* = alert_transition.group_values[i] */
#define BD_SLOTS        32
#define BD_KEY_MAX      128 /* = alert_contrib.key */
#define TRUNC_MARK      "..."
#define SWEEP_MIN_MS    10000
#define TABLE_MIN       16u

/* Slots as parallel arrays: a lookup scans hash[] (4 cache lines) and a
 * replacement w[], without touching the keys. */
struct breakdown {
	double total_w, total_value;
	int64_t period_start_ms;
	unsigned n;
	uint32_t cut; /* bit i: key[i] was cut */
	uint64_t hash[BD_SLOTS];
	uint8_t klen[BD_SLOTS]; /* key bytes (log text may hold a NUL) */
	double w[BD_SLOTS];     /* decayed event weight */
	double value[BD_SLOTS]; /* decayed sum of the value field */
	char key[BD_SLOTS][BD_KEY_MAX];
};

/*
 * A sample line, shared: every group that takes the same event as a sample
 * holds a reference to one copy, made once per event (at its first
 * matching rule) instead of once per matching rule. text is what
 * key_store made of the line (cut to ALERT_TEXT_MAX with the mark).
 */
struct sline {
	uint32_t refs;
	struct sline *next; /* on the engine's spare list */
	char text[ALERT_TEXT_MAX];
};

#define SLINE_SPARE_MAX 64 /* freed lines kept for reuse */

/* What a lookup and an add touch comes first, the samples last. */
struct group {
	uint64_t hash;
	uint8_t vlen[RULE_GROUP_MAX];
	uint8_t cutmask; /* bit i: values[i] was cut (ends in the mark) */
	bool overflow;
	bool active; /* on the active list */
	enum alert_state state;
	struct window *win;
	struct breakdown *bd; /* NULL when the rule has no breakdown */
	int64_t last_event_ms;
	int64_t oldest_ms; /* a lower bound of the oldest event in the window */
	unsigned nsamples; /* 0..3 */
	uint64_t nlatest;  /* events after the first in this episode */
	struct group *prev, *next;   /* all groups of the rule */
	struct group *aprev, *anext; /* pending and firing groups */
	int64_t created_ms;
	int64_t active_since_ms;
	int64_t fired_ms;       /* FIRING since */
	int64_t notified_ms;    /* last FIRING emission */
	int64_t clear_since_ms; /* firing: clear since (keep_firing_for) */
	char dedup[17];
	char values[RULE_GROUP_MAX][GROUP_VALUE_MAX];
	struct sline *samples[ALERT_SAMPLES_MAX]; /* NULL: "" */
};

/* A slot of the open-addressing group table: the hash is kept here so a
 * probe touches no group memory unless the whole hash matches. */
struct gslot {
	uint64_t hash;
	struct group *g; /* NULL: empty */
};

struct rstate {
	const struct rule *r;
	uint64_t seed;       /* mixes the slot index (see slot_home) */
	struct gslot *slots; /* linear probing, at most half full */
	uint32_t nslots;     /* power of two */
	uint32_t ngroups;    /* hashed groups, the overflow one excluded */
	struct group *overflow;
	struct group *all;
	struct group *active;
	struct group *last; /* the table group found last (NULL: none) */
	bool sensitive;
	int64_t next_sweep_ms;
	int64_t cap_sweep_ms;
	struct engine_rule_stats st; /* firing_ms: closed episodes only */
};

struct engine {
	const struct ruleset *rs;
	engine_emit_fn *emit;
	engine_observe_fn *observe;
	uint32_t seen; /* inputs that have delivered an event */
	bool ticked;   /* engine_tick was called: wall time drives the clock */
	void *observe_arg;
	void *arg;
	size_t nrules;
	struct rstate *rules;
	size_t *subs[RULE_SOURCES_MAX]; /* rule indexes per input */
	size_t nsubs[RULE_SOURCES_MAX];
	int64_t now;
	int64_t pass_sec;   /* passes done through this second */
	int64_t busy_until; /* after it, every window is empty */
	struct engine_stats st;
	struct sline *cur_line; /* the current event's line, once copied */
	struct sline *spare;    /* released lines for reuse */
	unsigned nspare;
	struct alert_transition tr; /* reused for every emission */
};

/* A group value as it will be stored: p[0..n) then the mark when cut. */
struct keyv {
	const char *p;
	size_t n;
	bool cut;
};

static int64_t
floor_sec(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Cut v to fit max-1 bytes (with the mark), at a UTF-8 boundary. */
static struct keyv
key_view(const char *p, size_t n, size_t max)
{
	struct keyv k = { p, n, false };
	size_t mk = sizeof(TRUNC_MARK) - 1;

	if (n <= max - 1)
		return k;
	k.n = max - 1 - mk;
	while (k.n > 0 && ((unsigned char)p[k.n] & 0xc0) == 0x80)
		k.n--;
	k.cut = true;
	return k;
}

/* Store k into dst (size max); returns the stored length. */
static size_t
key_store(char *dst, const struct keyv *k)
{
	size_t n = k->n;

	if (n > 0)
		memcpy(dst, k->p, n);
	if (k->cut) {
		memcpy(dst + n, TRUNC_MARK, sizeof(TRUNC_MARK) - 1);
		n += sizeof(TRUNC_MARK) - 1;
	}
	dst[n] = '\0';
	return n;
}

/* The keyv that key_store made stored[0..slen) from. */
static struct keyv
key_unstore(const char *stored, size_t slen, bool cut)
{
	struct keyv k = { stored, slen, false };

	if (cut && slen >= sizeof(TRUNC_MARK) - 1) {
		k.n -= sizeof(TRUNC_MARK) - 1;
		k.cut = true;
	}
	return k;
}

static bool
key_eq(const char *stored, size_t slen, const struct keyv *k)
{
	size_t mk = sizeof(TRUNC_MARK) - 1;

	if (slen != k->n + (k->cut ? mk : 0))
		return false;
	if (k->n > 0 && memcmp(stored, k->p, k->n) != 0)
		return false;
	return !k->cut || memcmp(stored + k->n, TRUNC_MARK, mk) == 0;
}

static uint64_t
key_hash(const struct keyv *k)
{
	uint64_t h = window_hash(k->p, k->n);

	return k->cut ? h ^ UINT64_C(0x9e3779b97f4a7c15) : h;
}

/* FNV-1a 64: the persisted identity must not depend on any seed. */
static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

#define FNV_INIT UINT64_C(0xcbf29ce484222325)

static void
make_dedup(const struct rule *r, struct group *g)
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

static void
active_link(struct rstate *rs, struct group *g)
{
	if (g->active)
		return;
	g->aprev = NULL;
	g->anext = rs->active;
	if (rs->active != NULL)
		rs->active->aprev = g;
	rs->active = g;
	g->active = true;
}

static void
active_unlink(struct rstate *rs, struct group *g)
{
	if (!g->active)
		return;
	if (g->aprev != NULL)
		g->aprev->anext = g->anext;
	else
		rs->active = g->anext;
	if (g->anext != NULL)
		g->anext->aprev = g->aprev;
	g->aprev = g->anext = NULL;
	g->active = false;
}

/* Drop a reference; the last one frees l (or keeps it in e's spares). */
static void
sline_put(struct engine *e, struct sline *l)
{
	if (l == NULL || --l->refs > 0)
		return;
	if (e != NULL && e->nspare < SLINE_SPARE_MAX) {
		l->next = e->spare;
		e->spare = l;
		e->nspare++;
		return;
	}
	free(l);
}

/* An unreferenced line (refs 1: the caller's), or NULL. */
static struct sline *
sline_get(struct engine *e)
{
	struct sline *l = e != NULL ? e->spare : NULL;

	if (l != NULL) {
		e->spare = l->next;
		e->nspare--;
	} else if ((l = malloc(sizeof(*l))) == NULL) {
		return NULL;
	}
	l->refs = 1;
	return l;
}

static void
group_destroy(struct group *g)
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
static struct group *
group_alloc(const struct rule *r, int64_t now, bool with_window)
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
		group_destroy(g);
		return NULL;
	}
	if (g->bd != NULL)
		g->bd->period_start_ms = TIME_NONE;
	g->state = ALERT_INACTIVE;
	g->created_ms = now;
	g->last_event_ms = TIME_NONE;
	g->oldest_ms = TIME_NONE;
	g->active_since_ms = TIME_NONE;
	g->fired_ms = TIME_NONE;
	g->notified_ms = TIME_NONE;
	g->clear_since_ms = TIME_NONE;
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

/* Link g (hash set) into rs: the table, or the overflow slot. False (g
 * not linked) when out of memory. */
static bool
group_insert(struct rstate *rs, struct group *g)
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

static void
rstate_clear(struct rstate *rs)
{
	struct group *g = rs->all, *next;

	for (; g != NULL; g = next) {
		next = g->next;
		group_destroy(g);
	}
	free(rs->slots);
	rs->slots = NULL;
	rs->nslots = 0;
	rs->ngroups = 0;
	rs->overflow = NULL;
	rs->all = NULL;
	rs->active = NULL;
	rs->last = NULL;
}

/* Evict idle groups: inactive with an empty window. */
static void
sweep(struct engine *e, struct rstate *rs, int64_t now)
{
	const struct rule *r = rs->r;
	struct group *g = rs->all, *next;

	if (r->kind == AGG_ABSENT || r->min_count == 0)
		return;
	for (; g != NULL; g = next) {
		next = g->next;
		if (g->state != ALERT_INACTIVE ||
		    (g->last_event_ms != TIME_NONE &&
			g->last_event_ms > now - r->spec.window_ms) ||
		    !window_is_empty(g->win, &r->spec, now))
			continue;
		group_remove(rs, g);
		group_destroy(g);
		e->st.evicted++;
	}
}

static void
group_set_overflow(const struct rule *r, struct group *g)
{
	struct keyv k = { ENGINE_OVERFLOW_GROUP,
		sizeof(ENGINE_OVERFLOW_GROUP) - 1, false };

	g->overflow = true;
	for (unsigned i = 0; i < r->ngroup; i++)
		g->vlen[i] = (uint8_t)key_store(g->values[i], &k);
	make_dedup(r, g);
}

/* Fold one group value into the group hash. */
static uint64_t
hash_step(uint64_t h, const struct keyv *k, unsigned i)
{
	return (h ^ key_hash(k)) * UINT64_C(0x100000001b3) + i;
}

/* The group of ev in rs (created when new); NULL when out of memory. */
static struct group *
group_for(struct engine *e, struct rstate *rs, const struct log_event *ev)
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
	    e->now - rs->cap_sweep_ms >= SWEEP_MIN_MS) {
		rs->cap_sweep_ms = e->now;
		sweep(e, rs, e->now);
	}
	if (rs->ngroups >= r->max_groups) {
		rs->st.overflowed++;
		e->st.groups_overflow++;
		if (rs->overflow != NULL)
			return rs->overflow;
		g = group_alloc(r, e->now, true);
		if (g == NULL)
			return NULL;
		group_set_overflow(r, g);
		group_insert(rs, g);
		return g;
	}
	g = group_alloc(r, e->now, true);
	if (g == NULL)
		return NULL;
	g->hash = h;
	for (unsigned i = 0; i < r->ngroup; i++) {
		g->vlen[i] = (uint8_t)key_store(g->values[i], &k[i]);
		if (k[i].cut)
			g->cutmask |= (uint8_t)(1u << i);
	}
	make_dedup(r, g);
	if (!group_insert(rs, g)) {
		group_destroy(g);
		return NULL;
	}
	rs->last = g;
	return g;
}

/* --- breakdown and samples ------------------------------------------- */

static void
bd_decay(struct breakdown *bd, int64_t t, int64_t period)
{
	int64_t n;
	double f;
	unsigned j = 0;

	if (bd->period_start_ms == TIME_NONE) {
		bd->period_start_ms = t;
		return;
	}
	if (t < bd->period_start_ms + period)
		return;
	n = (t - bd->period_start_ms) / period;
	bd->period_start_ms += n * period;
	f = n >= 64 ? 0.0 : ldexp(1.0, -(int)n);
	bd->total_w *= f;
	bd->total_value *= f;
	for (unsigned i = 0; i < bd->n; i++) {
		if (bd->w[i] * f < 0.25)
			continue; /* decayed away: free the slot */
		bd->hash[j] = bd->hash[i];
		bd->klen[j] = bd->klen[i];
		bd->cut = (bd->cut & ~(UINT32_C(1) << j)) |
		    (((bd->cut >> i) & 1u) << j);
		bd->w[j] = bd->w[i] * f;
		bd->value[j] = bd->value[i] * f;
		if (j != i)
			memcpy(bd->key[j], bd->key[i], sizeof(bd->key[j]));
		j++;
	}
	bd->n = j;
	if (j == 0)
		bd->total_w = bd->total_value = 0;
}

static void
bd_add(
    struct breakdown *bd, int64_t t, int64_t period, struct keyv *k, double v)
{
	uint64_t h = key_hash(k);
	unsigned i;

	bd_decay(bd, t, period);
	for (i = 0; i < bd->n; i++) {
		if (bd->hash[i] == h && key_eq(bd->key[i], bd->klen[i], k))
			break;
	}
	if (i == bd->n) {
		if (bd->n < BD_SLOTS) {
			bd->n++;
			bd->w[i] = bd->value[i] = 0;
		} else {
			/* Space-saving: the lightest slot's weight goes to
			 * the newcomer. */
			i = 0;
			for (unsigned j = 1; j < bd->n; j++) {
				if (bd->w[j] < bd->w[i])
					i = j;
			}
		}
		bd->hash[i] = h;
		bd->klen[i] = (uint8_t)key_store(bd->key[i], k);
		bd->cut =
		    (bd->cut & ~(UINT32_C(1) << i)) | ((uint32_t)k->cut << i);
	}
	bd->w[i] += 1;
	bd->value[i] += v;
	bd->total_w += 1;
	bd->total_value += v;
}

/* Whether shares are of the summed value field rather than of events. */
static bool
bd_by_value(const struct rule *r)
{
	return r->value_field >= 0 && r->kind != AGG_DISTINCT;
}

static void
bd_report(const struct rule *r, const struct breakdown *bd,
    struct alert_transition *tr)
{
	bool by_value = bd_by_value(r);
	bool used[BD_SLOTS] = { false };

	tr->ncontrib = 0;
	while (tr->ncontrib < ALERT_CONTRIB_MAX) {
		int best = -1;

		for (unsigned i = 0; i < bd->n; i++) {
			const double *m = by_value ? bd->value : bd->w;

			if (!used[i] && (best < 0 || m[i] > m[best]))
				best = (int)i;
		}
		if (best < 0)
			break;
		used[best] = true;
		{
			struct alert_contrib *c = &tr->contrib[tr->ncontrib++];

			compat_strlcpy(c->key, bd->key[best], sizeof(c->key));
			c->count = (uint64_t)llround(bd->w[best]);
			c->share_events =
			    bd->total_w > 0 ? bd->w[best] / bd->total_w : 0;
			c->share_value = !by_value ? c->share_events
			    : bd->total_value != 0
			    ? bd->value[best] / bd->total_value
			    : 0;
		}
	}
}

static void
samples_reset(struct engine *e, struct group *g)
{
	for (unsigned i = 0; i < ALERT_SAMPLES_MAX; i++) {
		sline_put(e, g->samples[i]);
		g->samples[i] = NULL;
	}
	g->nsamples = 0;
	g->nlatest = 0;
}

/* The current event's line, copied at the first call of a feed; NULL
 * when out of memory (the sample reads as ""). */
static struct sline *
cur_line(struct engine *e, const struct log_event *ev)
{
	if (e->cur_line == NULL && (e->cur_line = sline_get(e)) != NULL) {
		struct keyv k =
		    key_view(ev->line.p, ev->line.len, ALERT_TEXT_MAX);

		key_store(e->cur_line->text, &k);
	}
	return e->cur_line;
}

static void
sample_add(struct engine *e, struct group *g, const struct log_event *ev)
{
	struct sline **dst, *l = cur_line(e, ev);

	if (g->nsamples == 0) {
		dst = &g->samples[0];
		g->nsamples = 1;
	} else {
		/* Slots 1 and 2 take the latest events in turn. */
		dst = &g->samples[1 + g->nlatest % 2];
		g->nlatest++;
		if (g->nsamples < ALERT_SAMPLES_MAX)
			g->nsamples++;
	}
	if (*dst == l)
		return;
	sline_put(e, *dst);
	*dst = l;
	if (l != NULL)
		l->refs++;
}

static const char *
sample_text(const struct group *g, unsigned slot)
{
	return g->samples[slot] != NULL ? g->samples[slot]->text : "";
}

/* Samples in order: the first, then the older and newer latest. */
static unsigned
samples_order(const struct group *g, unsigned idx[ALERT_SAMPLES_MAX])
{
	unsigned n = 0;

	if (g->nsamples >= 1)
		idx[n++] = 0;
	if (g->nlatest >= 2)
		idx[n++] = 1 + (unsigned)((g->nlatest - 2) % 2);
	if (g->nlatest >= 1)
		idx[n++] = 1 + (unsigned)((g->nlatest - 1) % 2);
	return n;
}

/* --- the state machine ----------------------------------------------- */

static void
emit(struct engine *e, struct rstate *rs, struct group *g, enum alert_state st,
    bool repeat, int64_t now, double v, uint64_t count)
{
	const struct rule *r = rs->r;
	struct alert_transition *tr = &e->tr;
	struct template_contrib tc[ALERT_CONTRIB_MAX];
	const char *gv[RULE_GROUP_MAX];
	struct template_vars vars;
	unsigned idx[ALERT_SAMPLES_MAX];

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
		bd_report(r, g->bd, tr);
	tr->nsamples = samples_order(g, idx);
	for (unsigned i = 0; i < tr->nsamples; i++) {
		const char *text = sample_text(g, idx[i]);

		memcpy(tr->samples[i], text, strlen(text) + 1);
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
	vars.ngroup = r->ngroup;
	vars.group_names = r->group_name_ptrs;
	vars.group_values = gv;
	vars.ncontrib = tr->ncontrib;
	vars.contrib = tc;
	template_render(r->summary, &vars, tr->summary, sizeof(tr->summary));
	if (e->emit != NULL)
		e->emit(e->arg, tr);
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
	emit(e, rs, g, ALERT_FIRING, false, now, v, count);
}

static void
resolve(struct engine *e, struct rstate *rs, struct group *g, int64_t now,
    double v, uint64_t count)
{
	int64_t dur = now - g->fired_ms;

	rs->st.firing_ms += dur;
	if (dur > rs->st.longest_firing_ms)
		rs->st.longest_firing_ms = dur;
	emit(e, rs, g, ALERT_RESOLVED, false, now, v, count);
	g->state = ALERT_INACTIVE;
	g->active_since_ms = TIME_NONE;
	g->clear_since_ms = TIME_NONE;
	active_unlink(rs, g);
	samples_reset(e, g);
}

/* The state machine after evaluate computed v, count and holds. Out of
 * line: most evaluations find an inactive group that does not hold. */
static void __attribute__((noinline))
transition(struct engine *e, struct rstate *rs, struct group *g, int64_t now,
    double v, uint64_t count, bool holds)
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
		emit(e, rs, g, ALERT_PENDING, false, now, v, count);
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
		emit(e, rs, g, ALERT_FIRING, true, now, v, count);
	}
}

/* Compare the group's window with the rule at now; move the state. */
static inline void
evaluate(struct engine *e, struct rstate *rs, struct group *g, int64_t now)
{
	const struct rule *r = rs->r;
	uint64_t count = 0;
	double v;
	bool holds;

	/* window_value advances the window to now itself. */
	v = window_value(g->win, &r->spec, now, &count);
	if (e->observe != NULL)
		e->observe(e->observe_arg, (size_t)(rs - e->rules), now, v);
	holds = rule_cond_holds(&r->alert_if, v) &&
	    (r->kind == AGG_ABSENT || count >= r->min_count);
	if (!holds &&
	    (g->state == ALERT_INACTIVE || g->state == ALERT_RESOLVED))
		return;
	transition(e, rs, g, now, v, count, holds);
}

/* --- time ------------------------------------------------------------ */

static void
ensure_absent_groups(struct engine *e, int64_t now)
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
		g = group_alloc(rs->r, now, true);
		if (g == NULL)
			continue;
		make_dedup(rs->r, g);
		if (!group_insert(rs, g))
			group_destroy(g);
	}
}

/*
 * Whether a pass must evaluate g. Pending and firing groups always (their
 * timers run); absent() always. An inactive group's value only changes by
 * events (evaluated as they come) and by events leaving the window: none
 * has left before oldest + window, and once the window is empty (past
 * last + window, plus rounding) its value stays that of an empty window,
 * which the pass at that second has seen.
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

/* One timer pass at now (a whole second). */
static void
pass(struct engine *e, int64_t now)
{
	ensure_absent_groups(e, now);
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
			sweep(e, rs, now);
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
static void
advance(struct engine *e, int64_t t)
{
	int64_t target;

	if (e->now == TIME_NONE) {
		e->now = t;
		e->pass_sec = floor_sec(t);
		ensure_absent_groups(e, t);
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
	advance(e, now_ms);
	if (!e->ticked) {
		e->ticked = true;
		ensure_absent_groups(e, e->now);
	}
}

int64_t
engine_now(const struct engine *e)
{
	return e->now;
}

/* --- events ---------------------------------------------------------- */

static bool
feed_rule(
    struct engine *e, struct rstate *rs, const struct log_event *ev, int64_t t)
{
	const struct rule *r = rs->r;
	double v = NAN;
	bool hit = false;
	uint64_t h = 0;
	struct group *g;

	if (r->where != NULL && !expr_eval(r->where, ev))
		return false;
	rs->st.matched++;
	if (r->value_field >= 0) {
		int f = r->value_field;

		/* An event without the value (no number, "-") is not part
		 * of the aggregate: the window counts events with a value. */
		if (r->kind == AGG_DISTINCT && !event_has(ev, f))
			return true;
		if (r->kind != AGG_DISTINCT && !event_has_num(ev, f))
			return true;
		if (r->kind == AGG_DISTINCT)
			h = window_hash(ev->text[f].p, ev->text[f].len);
		else
			v = ev->num[f];
		if (!isfinite(v) && r->kind != AGG_DISTINCT)
			return true;
	}
	g = group_for(e, rs, ev);
	if (g == NULL)
		return true;
	if (r->ratio != NULL)
		hit = expr_eval(r->ratio, ev);
	if (!window_add(g->win, &r->spec, t, v, hit, h)) {
		/* Before the window's left edge (a window shorter than the
		 * slack), or a full cell: late for this rule. */
		e->st.late++;
		return true;
	}
	if (g->last_event_ms == TIME_NONE ||
	    t >= g->last_event_ms + r->spec.window_ms) {
		/* The window was empty: a new episode of events. */
		g->oldest_ms = t;
		if (g->state == ALERT_INACTIVE)
			samples_reset(e, g);
	} else if (t < g->oldest_ms) {
		g->oldest_ms = t;
	}
	if (g->last_event_ms == TIME_NONE || t > g->last_event_ms)
		g->last_event_ms = t;
	/* An event leaves its window by t + window (window.h: never
	 * late); the margin covers the rounding of t to its second. */
	e->busy_until = max64(e->busy_until, t + r->spec.window_ms + 2000);
	sample_add(e, g, ev);
	if (g->bd != NULL) {
		int f = r->breakdown_field;
		struct keyv k = event_has(ev, f)
		    ? key_view(ev->text[f].p, ev->text[f].len, BD_KEY_MAX)
		    : (struct keyv){ "-", 1, false };

		bd_add(g->bd, t, r->spec.window_ms, &k,
		    bd_by_value(r) ? (isnan(v) ? 0 : v) : 1);
	}
	evaluate(e, rs, g, e->now);
	return true;
}

void
engine_feed(struct engine *e, unsigned input, const struct log_event *ev)
{
	int64_t t = ev->time_ms;
	bool matched = false;

	e->st.events++;
	if (t == EVENT_TIME_NONE) {
		e->st.no_time++;
		if (e->now == TIME_NONE)
			return;
		t = e->now;
	} else if (e->now != TIME_NONE && t < e->now - RULE_SLACK_MS_DEFAULT) {
		e->st.late++;
		return;
	}
	advance(e, t);
	if (input >= RULE_SOURCES_MAX)
		return;
	if (!(e->seen & (UINT32_C(1) << input))) {
		e->seen |= UINT32_C(1) << input;
		ensure_absent_groups(e, e->now);
	}
	for (size_t i = 0; i < e->nsubs[input]; i++)
		matched |= feed_rule(e, &e->rules[e->subs[input][i]], ev, t);
	/* The groups that took the line as a sample hold their own refs. */
	sline_put(e, e->cur_line);
	e->cur_line = NULL;
	if (matched)
		e->st.matched++;
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
	e->pass_sec = INT64_MIN;
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
		rstate_clear(&e->rules[i]);
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
			rstate_clear(nr);
			nr->slots = or->slots;
			nr->nslots = or->nslots;
			nr->seed = or->seed; /* the slots were placed by it */
			nr->ngroups = or->ngroups;
			nr->overflow = or->overflow;
			nr->all = or->all;
			nr->active = or->active;
			nr->last = or->last;
			nr->next_sweep_ms = or->next_sweep_ms;
			nr->cap_sweep_ms = or->cap_sweep_ms;
			nr->st = or->st;
			or->slots = NULL;
			or->nslots = 0;
			or->ngroups = 0;
			or->overflow = NULL;
			or->all = NULL;
			or->active = NULL;
			or->last = NULL;
			break;
		}
	}
	if (old->now != TIME_NONE &&
	    (fresh->now == TIME_NONE || old->now > fresh->now)) {
		fresh->now = old->now;
		fresh->pass_sec = old->pass_sec;
	}
	fresh->busy_until = max64(fresh->busy_until, old->busy_until);
	fresh->st = old->st;
}

/* --- snapshot -------------------------------------------------------- */

/*
 * Layout (integers little-endian u64/i64, doubles as their bits, strings
 * as u64 length + bytes):
 *   "KLXSNAP\n" version now pass_sec busy_until nrules
 *   per rule: name canon bodylen body
 *     body: matched fired firing_ms longest overflowed ngroup has_bd ngroups
 *       per group: overflow cutmask values[ngroup] state created last_event
 *         active_since fired notified clear_since nsamples samples...
 *         has_bd [total_w total_value period_start n cutmask (key w value)...]
 *         windowlen window_save-bytes
 *   "KLXEND\n\n" fnv1a64-of-everything-before
 * A rule's body is length-prefixed so that rules of an older config
 * (unknown here, or changed) are skipped without being understood.
 */
#define SNAP_MAGIC    "KLXSNAP\n"
#define SNAP_END      "KLXEND\n\n"
#define SNAP_VERSION  1u
#define SNAP_STR_MAX  65536u
#define SNAP_BLOB_MAX (UINT64_C(1) << 32)

struct snap {
	FILE *f;
	uint64_t h; /* FNV-1a of the bytes so far */
	uint64_t nread;
	bool bad;
};

static void
w_bytes(struct snap *s, const void *p, size_t n)
{
	if (s->bad || n == 0)
		return;
	if (fwrite(p, 1, n, s->f) != n)
		s->bad = true;
	s->h = fnv1a(s->h, p, n);
}

static void
w_u64(struct snap *s, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	w_bytes(s, b, sizeof(b));
}

static void
w_i64(struct snap *s, int64_t v)
{
	w_u64(s, (uint64_t)v);
}

static void
w_f64(struct snap *s, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	w_u64(s, u);
}

static void
w_mem(struct snap *s, const char *p, size_t n)
{
	w_u64(s, n);
	w_bytes(s, p, n);
}

static void
w_str(struct snap *s, const char *p)
{
	w_mem(s, p, strlen(p));
}

/* Run fn into a memory stream and write its bytes length-prefixed. */
static void
w_blob(struct snap *s, int (*fn)(const void *, const void *, FILE *),
    const void *a, const void *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	int rc;

	if (mf == NULL) {
		s->bad = true;
		return;
	}
	rc = fn(a, b, mf);
	if (fclose(mf) != 0 || rc < 0)
		s->bad = true;
	w_u64(s, len);
	w_bytes(s, buf, len);
	free(buf);
}

static int
save_window(const void *a, const void *b, FILE *f)
{
	const struct group *g = a;
	const struct rule *r = b;

	return window_save(g->win, &r->spec, f);
}

static void
save_group(struct snap *s, const struct rule *r, const struct group *g)
{
	unsigned idx[ALERT_SAMPLES_MAX], n = samples_order(g, idx);

	w_u64(s, g->overflow);
	w_u64(s, g->cutmask);
	for (unsigned i = 0; i < r->ngroup; i++)
		w_mem(s, g->values[i], g->vlen[i]);
	w_u64(s, (uint64_t)g->state);
	w_i64(s, g->created_ms);
	w_i64(s, g->last_event_ms);
	w_i64(s, g->active_since_ms);
	w_i64(s, g->fired_ms);
	w_i64(s, g->notified_ms);
	w_i64(s, g->clear_since_ms);
	w_u64(s, n);
	for (unsigned i = 0; i < n; i++)
		w_str(s, sample_text(g, idx[i]));
	w_u64(s, g->bd != NULL);
	if (g->bd != NULL) {
		w_f64(s, g->bd->total_w);
		w_f64(s, g->bd->total_value);
		w_i64(s, g->bd->period_start_ms);
		w_u64(s, g->bd->n);
		w_u64(s, g->bd->cut);
		for (unsigned i = 0; i < g->bd->n; i++) {
			w_mem(s, g->bd->key[i], g->bd->klen[i]);
			w_f64(s, g->bd->w[i]);
			w_f64(s, g->bd->value[i]);
		}
	}
	w_blob(s, save_window, g, r);
}

static int
save_rule_body(const void *a, const void *b, FILE *f)
{
	const struct rstate *rs = a;
	struct snap s = { f, FNV_INIT, 0, false };
	uint64_t ng = 0;

	(void)b;
	w_u64(&s, rs->st.matched);
	w_u64(&s, rs->st.fired);
	w_i64(&s, rs->st.firing_ms);
	w_i64(&s, rs->st.longest_firing_ms);
	w_u64(&s, rs->st.overflowed);
	w_u64(&s, rs->r->ngroup);
	w_u64(&s, rs->r->breakdown_field >= 0);
	for (const struct group *g = rs->all; g != NULL; g = g->next)
		ng++;
	w_u64(&s, ng);
	for (const struct group *g = rs->all; g != NULL; g = g->next)
		save_group(&s, rs->r, g);
	return s.bad ? -1 : 0;
}

int
engine_save(const struct engine *e, FILE *f)
{
	struct snap s = { f, FNV_INIT, 0, false };
	uint64_t sum;

	errno = 0;
	w_bytes(&s, SNAP_MAGIC, 8);
	w_u64(&s, SNAP_VERSION);
	w_i64(&s, e->now);
	w_i64(&s, e->pass_sec);
	w_i64(&s, e->busy_until);
	w_u64(&s, e->nrules);
	for (size_t i = 0; i < e->nrules; i++) {
		w_str(&s, e->rules[i].r->name);
		w_str(&s, rule_canon(e->rules[i].r));
		w_blob(&s, save_rule_body, &e->rules[i], NULL);
	}
	w_bytes(&s, SNAP_END, 8);
	sum = s.h;
	w_u64(&s, sum);
	if (s.bad || fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

static void
r_bytes(struct snap *s, void *p, size_t n)
{
	if (s->bad || n == 0)
		return;
	if (fread(p, 1, n, s->f) != n) {
		s->bad = true;
		memset(p, 0, n);
		return;
	}
	s->h = fnv1a(s->h, p, n);
	s->nread += n;
}

static void
r_skip(struct snap *s, uint64_t n)
{
	char tmp[4096];

	while (n > 0 && !s->bad) {
		size_t c = n < sizeof(tmp) ? (size_t)n : sizeof(tmp);

		r_bytes(s, tmp, c);
		n -= c;
	}
}

static uint64_t
r_u64(struct snap *s)
{
	unsigned char b[8];
	uint64_t v = 0;

	r_bytes(s, b, sizeof(b));
	if (s->bad)
		return 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static int64_t
r_i64(struct snap *s)
{
	return (int64_t)r_u64(s);
}

static double
r_f64(struct snap *s)
{
	uint64_t u = r_u64(s);
	double v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/* A string shorter than max into dst; its length. */
static size_t
r_str(struct snap *s, char *dst, size_t max)
{
	uint64_t n = r_u64(s);

	dst[0] = '\0';
	if (s->bad || n >= max) {
		s->bad = true;
		return 0;
	}
	r_bytes(s, dst, (size_t)n);
	if (s->bad)
		return 0;
	dst[n] = '\0';
	return (size_t)n;
}

/* An allocated string (canon); NULL on damage. */
static char *
r_strdup(struct snap *s)
{
	uint64_t n = r_u64(s);
	char *p;

	if (s->bad || n >= SNAP_STR_MAX) {
		s->bad = true;
		return NULL;
	}
	p = malloc((size_t)n + 1);
	if (p == NULL) {
		s->bad = true;
		return NULL;
	}
	r_bytes(s, p, (size_t)n);
	p[n] = '\0';
	if (s->bad) {
		free(p);
		return NULL;
	}
	return p;
}

static void
load_breakdown(struct snap *s, struct breakdown *bd)
{
	uint64_t n, cut;

	memset(bd, 0, sizeof(*bd));
	bd->total_w = r_f64(s);
	bd->total_value = r_f64(s);
	bd->period_start_ms = r_i64(s);
	n = r_u64(s);
	if (n > BD_SLOTS || !isfinite(bd->total_w) || bd->total_w < 0 ||
	    !isfinite(bd->total_value)) {
		s->bad = true;
		return;
	}
	bd->n = (unsigned)n;
	cut = r_u64(s);
	if (n < 64 && cut >> n != 0)
		s->bad = true;
	bd->cut = (uint32_t)cut;
	for (unsigned i = 0; i < bd->n && !s->bad; i++) {
		struct keyv k;

		bd->klen[i] = (uint8_t)r_str(s, bd->key[i], sizeof(bd->key[i]));
		k = key_unstore(bd->key[i], bd->klen[i], (cut >> i) & 1u);
		bd->hash[i] = key_hash(&k);
		bd->w[i] = r_f64(s);
		bd->value[i] = r_f64(s);
		if (!isfinite(bd->w[i]) || bd->w[i] < 0 ||
		    !isfinite(bd->value[i]))
			s->bad = true;
	}
}

static struct window *
load_window(struct snap *s, const struct rule *r)
{
	uint64_t n = r_u64(s);
	struct window *w = NULL;
	char *buf;
	FILE *mf;

	if (s->bad || n == 0 || n > SNAP_BLOB_MAX ||
	    n > window_mem_bytes(&r->spec) * 4 + 65536) {
		s->bad = true;
		return NULL;
	}
	buf = malloc((size_t)n);
	if (buf == NULL) {
		s->bad = true;
		return NULL;
	}
	r_bytes(s, buf, (size_t)n);
	if (!s->bad && (mf = fmemopen(buf, (size_t)n, "rb")) != NULL) {
		w = window_load(&r->spec, mf);
		fclose(mf);
	}
	free(buf);
	if (w == NULL)
		s->bad = true;
	return w;
}

/* Restore the group's hash (as group_for computes it) and dedup key. */
static void
group_rekey(const struct rule *r, struct group *g)
{
	uint64_t h = 0;

	for (unsigned i = 0; i < r->ngroup; i++) {
		struct keyv k = key_unstore(
		    g->values[i], g->vlen[i], (g->cutmask >> i) & 1u);

		h = hash_step(h, &k, i);
	}
	g->hash = h;
	make_dedup(r, g);
}

static void
load_group_state(struct snap *s, struct group *g)
{
	uint64_t st = r_u64(s);

	if (st != ALERT_INACTIVE && st != ALERT_PENDING && st != ALERT_FIRING)
		s->bad = true;
	g->state = (enum alert_state)st;
	g->created_ms = r_i64(s);
	g->last_event_ms = r_i64(s);
	g->active_since_ms = r_i64(s);
	g->fired_ms = r_i64(s);
	g->notified_ms = r_i64(s);
	g->clear_since_ms = r_i64(s);
}

/* One group of r; NULL with s->bad on damage. */
static struct group *
load_group(struct snap *s, const struct rule *r)
{
	struct group *g = group_alloc(r, 0, false);
	size_t mk = sizeof(TRUNC_MARK) - 1;
	uint64_t ov, cut, n;

	if (g == NULL) {
		s->bad = true;
		return NULL;
	}
	ov = r_u64(s);
	cut = r_u64(s);
	if (ov > 1 || cut >> r->ngroup != 0)
		s->bad = true;
	g->overflow = ov != 0;
	g->cutmask = (uint8_t)cut;
	for (unsigned i = 0; i < r->ngroup && !s->bad; i++) {
		g->vlen[i] = (uint8_t)r_str(s, g->values[i], GROUP_VALUE_MAX);
		if (((cut >> i) & 1u) && g->vlen[i] < mk)
			s->bad = true;
	}
	load_group_state(s, g);
	n = r_u64(s);
	if (n > ALERT_SAMPLES_MAX)
		s->bad = true;
	for (unsigned i = 0; i < n && !s->bad; i++) {
		if ((g->samples[i] = sline_get(NULL)) == NULL)
			s->bad = true;
		else
			r_str(s, g->samples[i]->text, ALERT_TEXT_MAX);
	}
	/* Saved in output order: first, older latest, newer latest. */
	g->nsamples = (unsigned)n;
	g->nlatest = n > 1 ? n - 1 : 0;
	if (r_u64(s) != 0) {
		if (g->bd == NULL)
			s->bad = true;
		else
			load_breakdown(s, g->bd);
	} else if (g->bd != NULL) {
		g->bd->period_start_ms = TIME_NONE;
	}
	if (!s->bad)
		g->win = load_window(s, r);
	if (s->bad) {
		group_destroy(g);
		return NULL;
	}
	group_rekey(r, g);
	return g;
}

struct loaded_rule {
	size_t idx;           /* into e->rules */
	struct group *groups; /* linked by next */
	struct engine_rule_stats st;
};

static void
loaded_free(struct loaded_rule *lr, size_t n)
{
	for (size_t i = 0; lr != NULL && i < n; i++) {
		struct group *g = lr[i].groups, *next;

		for (; g != NULL; g = next) {
			next = g->next;
			group_destroy(g);
		}
	}
	free(lr);
}

/* The rule of e that a snapshot rule is the same as, or -1. */
static long
match_rule(const struct engine *e, const char *name, const char *canon)
{
	for (size_t i = 0; i < e->nrules; i++) {
		const struct rule *r = e->rules[i].r;

		if (strcmp(r->name, name) == 0 &&
		    strcmp(rule_canon(r), canon) == 0)
			return (long)i;
	}
	return -1;
}

/* The body of a matched rule into lr. */
static void
load_rule_body(struct snap *s, const struct rule *r, struct loaded_rule *lr)
{
	struct group **tail = &lr->groups;
	uint64_t ngroup, has_bd, ng, nover = 0;

	lr->st.matched = r_u64(s);
	lr->st.fired = r_u64(s);
	lr->st.firing_ms = r_i64(s);
	lr->st.longest_firing_ms = r_i64(s);
	lr->st.overflowed = r_u64(s);
	ngroup = r_u64(s);
	has_bd = r_u64(s);
	ng = r_u64(s);
	if (ngroup != r->ngroup || has_bd != (r->breakdown_field >= 0) ||
	    ng > (uint64_t)r->max_groups + 1)
		s->bad = true;
	for (uint64_t i = 0; i < ng && !s->bad; i++) {
		struct group *g = load_group(s, r);

		if (g == NULL)
			break;
		nover += g->overflow;
		g->next = NULL;
		*tail = g;
		tail = &g->next;
	}
	if (nover > 1 || ng - nover > r->max_groups)
		s->bad = true;
}

/* One snapshot rule: loaded into lr[*nlr] when e has it, else skipped. */
static void
load_rule(
    struct snap *s, const struct engine *e, struct loaded_rule *lr, size_t *nlr)
{
	char name[RULE_NAME_MAX];
	char *canon;
	uint64_t len, start;
	long idx = -1;

	r_str(s, name, sizeof(name));
	canon = r_strdup(s);
	len = r_u64(s);
	if (!s->bad)
		idx = match_rule(e, name, canon);
	free(canon);
	for (size_t i = 0; idx >= 0 && i < *nlr; i++) {
		if (lr[i].idx == (size_t)idx)
			s->bad = true; /* the same rule twice */
	}
	if (s->bad)
		return;
	if (idx < 0) {
		r_skip(s, len);
		return;
	}
	lr[*nlr].idx = (size_t)idx;
	start = s->nread;
	load_rule_body(s, e->rules[idx].r, &lr[*nlr]);
	(*nlr)++;
	if (s->nread - start != len)
		s->bad = true;
}

/* Replace the state of the loaded rules of e. */
static void
install(struct engine *e, struct loaded_rule *lr, size_t nlr)
{
	for (size_t i = 0; i < nlr; i++) {
		struct rstate *rs = &e->rules[lr[i].idx];
		struct group *g = lr[i].groups, *next;

		rstate_clear(rs);
		rs->st = lr[i].st;
		for (; g != NULL; g = next) {
			next = g->next;
			if (!group_insert(rs, g))
				group_destroy(g); /* out of memory: lose it */
		}
		lr[i].groups = NULL;
	}
}

int
engine_load(struct engine *e, FILE *f)
{
	struct snap s = { f, FNV_INIT, 0, false };
	struct loaded_rule *lr;
	char magic[8];
	uint64_t version, nr, sum;
	int64_t now, pass_sec, busy;
	size_t nlr = 0;

	r_bytes(&s, magic, sizeof(magic));
	version = r_u64(&s);
	if (s.bad || memcmp(magic, SNAP_MAGIC, 8) != 0 ||
	    version != SNAP_VERSION)
		return -1;
	now = r_i64(&s);
	pass_sec = r_i64(&s);
	busy = r_i64(&s);
	nr = r_u64(&s);
	if (s.bad || nr > 1000000)
		return -1;
	lr = calloc(e->nrules ? e->nrules : 1, sizeof(*lr));
	if (lr == NULL)
		return -1;
	for (uint64_t i = 0; i < nr && !s.bad; i++)
		load_rule(&s, e, lr, &nlr);
	r_bytes(&s, magic, sizeof(magic));
	if (!s.bad && memcmp(magic, SNAP_END, 8) != 0)
		s.bad = true;
	sum = s.h;
	if (s.bad || r_u64(&s) != sum || s.bad) {
		loaded_free(lr, nlr);
		return -1;
	}
	install(e, lr, nlr);
	loaded_free(lr, nlr);
	if (now != TIME_NONE && (e->now == TIME_NONE || now > e->now)) {
		e->now = now;
		e->pass_sec = pass_sec;
	}
	e->busy_until = max64(e->busy_until, busy);
	return 0;
}
