/*
 * engine_impl - the inside of an engine, shared by the files of the engine
 * module and by nothing else (the agent sees the engine through engine.h).
 * The files follow the concerns, in the order an event meets them:
 *
 *   engine.c           the event path: runs, filters, windows, sample and
 *                      breakdown intake, engine_feed(_run)
 *   engine_group.c     the group table: lookup, insert, delete, resize,
 *                      identity (dedup_key), eviction
 *   engine_clock.c     the clock and evaluation: where each second is
 *                      closed and its groups evaluated, engine_tick/flush
 *   engine_state.c     the alert state machine and the emission of a
 *                      transition (struct alert_transition, the summary)
 *   engine_breakdown.c the breakdown counter and its report
 *   engine_snap.c      engine_save / engine_load, the snapshot format
 *   engine_life.c      engine_new/free, reload (engine_adopt), statistics
 *
 * This header holds the types, their invariants, and the small helpers
 * that several of those files need (static inline, so the per-event path
 * inlines them); a function with one caller lives beside it. The
 * functions declared at the end are called across files off the
 * per-event path, except engine_group_for (a group_by rule's lookup).
 *
 * Invariants: a group is on rs->all exactly once; it is in the slot
 * table (hash set) unless it is the overflow group; it is on rs->active
 * exactly when PENDING or FIRING; rs->last is NULL or a table group; a
 * group is on rs->dirty exactly when g->dirty, and e->dirty is set when
 * any rule has a dirty group (the close of a second clears them all);
 * every second before the clock's is closed (engine_clock.c).
 */
#ifndef RULES_ENGINE_IMPL_H
#define RULES_ENGINE_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/engine.h"
#include "rules/rule_impl.h"

#define TIME_NONE       INT64_MIN
#define GROUP_VALUE_MAX 128 /* = alert_transition.group_values[i] */
#define BD_SLOTS        32
#define BD_KEY_MAX      128 /* = alert_contrib.key */
#define TRUNC_MARK      "..."
#define SWEEP_MIN_MS    10000
#define ENGINE_RUN_MAX  EXPR_RUN_MAX /* events fed rule by rule at a time */

/* The breakdown (engine_breakdown.c): slots as parallel arrays, so a
 * lookup probes idx[] and compares hash[], a replacement scans w[],
 * neither touches the keys; counts per segment of the window in a ring. */
#define BD_INDEX    64 /* power of two, 2 * BD_SLOTS: at most half full */
#define BD_SEGS     16 /* segments a window */
#define BD_RING     (BD_SEGS + 1)
#define BD_SEG_NONE INT64_MIN
struct breakdown {
	int64_t seg_ms;        /* window / BD_SEGS, whole seconds */
	int64_t head;          /* newest segment (t / seg_ms) */
	int64_t head_start_ms; /* head * seg_ms */
	unsigned head_pos;     /* its ring position */
	unsigned n;
	uint32_t cut;          /* bit i: key[i] was cut */
	uint8_t idx[BD_INDEX]; /* slot + 1 by hash, linear probing; 0: none */
	int64_t seg_id[BD_RING]; /* the segment each position holds */
	uint64_t hash[BD_SLOTS];
	uint8_t klen[BD_SLOTS]; /* key bytes (log text may hold a NUL) */
	double w[BD_SLOTS];     /* events in the ring */
	uint32_t sw[BD_SLOTS][BD_RING]; /* events per position */
	float sv[BD_SLOTS][BD_RING];    /* summed value field per position */
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
	bool dirty;  /* on the dirty list: took events since its last close */
	enum alert_state state;
	struct window *win;
	struct breakdown *bd; /* NULL when the rule has no breakdown */
	int64_t last_event_ms;
	int64_t oldest_ms; /* a lower bound of the oldest event in the window */
	unsigned nsamples; /* 0..3 */
	uint64_t nlatest;  /* events after the first in this episode */
	/* During a run (engine.c): the run event each sample slot is to
	 * take once the rule is through the run; -1 outside a run. */
	int32_t run_slot[ALERT_SAMPLES_MAX];
	struct group *prev, *next;   /* all groups of the rule */
	struct group *aprev, *anext; /* pending and firing groups */
	struct group *dnext;         /* the dirty list */
	int64_t created_ms;
	int64_t closed_sec; /* the last second whose close evaluated it */
	int64_t active_since_ms;
	int64_t fired_ms;       /* FIRING since */
	int64_t notified_ms;    /* last FIRING emission */
	int64_t clear_since_ms; /* firing: clear since (keep_firing_for) */
	double fired_value;	/* value and count of the last FIRING */
	uint64_t fired_count;	/* emission, for the RESOLVED summary */
	char dedup[17];
	char values[RULE_GROUP_MAX][GROUP_VALUE_MAX];
	struct sline *samples[ALERT_SAMPLES_MAX]; /* NULL: "" */
	int64_t sample_ms[ALERT_SAMPLES_MAX];     /* their event times */
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
	struct group *dirty, *dirty_tail; /* to evaluate, in order */
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
	bool dirty;    /* a rule has dirty groups */
	void *observe_arg;
	void *arg;
	size_t nrules;
	struct rstate *rules;
	size_t *subs[RULE_SOURCES_MAX]; /* rule indexes per input */
	size_t nsubs[RULE_SOURCES_MAX];
	int64_t now;
	int64_t busy_until; /* after it, every window is empty */
	struct engine_stats st;
	/* The run being fed (engine.c): its events' indexes, times and
	 * clocks, which matched a rule, and their lines once copied. */
	unsigned run_n;
	int64_t run_tmax;                     /* the latest of run_t */
	uint64_t run_all[EXPR_RUN_WORDS];     /* bits 0 .. run_n - 1 */
	uint64_t run_matched[EXPR_RUN_WORDS]; /* matched a rule */
	uint32_t run_idx[ENGINE_RUN_MAX];
	int64_t run_t[ENGINE_RUN_MAX];
	int64_t run_now[ENGINE_RUN_MAX];
	struct sline *run_line[ENGINE_RUN_MAX];
	struct sline *spare; /* released lines for reuse */
	unsigned nspare;
	struct alert_transition tr; /* reused for every emission */
};

/* A group value as it will be stored: p[0..n) then the mark when cut. */
struct keyv {
	const char *p;
	size_t n;
	bool cut;
};

/* --- helpers shared by the engine's files ----------------------------- */

/* Cut v to fit max-1 bytes (with the mark), at a UTF-8 boundary. */
static inline struct keyv
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
static inline size_t
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

/* a[0..n) == b[0..n); keys of 8 to 16 bytes (API keys, addresses) by
 * two word compares instead of a call. */
static inline bool
bytes_eq(const char *a, const char *b, size_t n)
{
	uint64_t a0, a1, b0, b1;

	if (n < 8 || n > 16)
		return n == 0 || memcmp(a, b, n) == 0;
	memcpy(&a0, a, 8);
	memcpy(&b0, b, 8);
	memcpy(&a1, a + n - 8, 8);
	memcpy(&b1, b + n - 8, 8);
	return a0 == b0 && a1 == b1;
}

static inline bool
key_eq(const char *stored, size_t slen, const struct keyv *k)
{
	size_t mk = sizeof(TRUNC_MARK) - 1;

	if (slen != k->n + (k->cut ? mk : 0))
		return false;
	if (!bytes_eq(stored, k->p, k->n))
		return false;
	return !k->cut || memcmp(stored + k->n, TRUNC_MARK, mk) == 0;
}

static inline int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static inline int64_t
floor_sec(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

static inline uint64_t
key_hash(const struct keyv *k)
{
	uint64_t h = window_hash(k->p, k->n);

	return k->cut ? h ^ UINT64_C(0x9e3779b97f4a7c15) : h;
}

/* FNV-1a 64: the persisted identity must not depend on any seed. */
static inline uint64_t
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

/* Fold one group value into the group hash. */
static inline uint64_t
hash_step(uint64_t h, const struct keyv *k, unsigned i)
{
	return (h ^ key_hash(k)) * UINT64_C(0x100000001b3) + i;
}

static inline void
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

static inline void
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

/* g took an event: evaluate it once the clock leaves this time. */
static inline void
dirty_mark(struct engine *e, struct rstate *rs, struct group *g)
{
	if (g->dirty)
		return;
	g->dirty = true;
	g->dnext = NULL;
	if (rs->dirty_tail != NULL)
		rs->dirty_tail->dnext = g;
	else
		rs->dirty = g;
	rs->dirty_tail = g;
	e->dirty = true;
}

/* Drop a reference; the last one frees l (or keeps it in e's spares). */
static inline void
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
static inline struct sline *
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

/* Whether shares are of the summed value field rather than of events. */
static inline bool
bd_by_value(const struct rule *r)
{
	return r->value_field >= 0 && r->kind != AGG_DISTINCT;
}

static inline const char *
sample_text(const struct group *g, unsigned slot)
{
	return g->samples[slot] != NULL ? g->samples[slot]->text : "";
}

/* Samples in order: the first, then the older and newer latest. */
static inline unsigned
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

/* --- engine_group.c: the group table ---------------------------------- */

/* The group of ev in rs (created when new, or the overflow group past
 * max_groups); NULL when out of memory. */
struct group *engine_group_for(struct engine *e, struct rstate *rs,
    const struct log_event *ev, int64_t now);
/*
 * A new group, not linked anywhere, with a window unless with_window is
 * false (snapshot load brings its own); NULL when out of memory.
 */
struct group *engine_group_alloc(
    const struct rule *r, int64_t now, bool with_window);
void engine_group_destroy(struct group *g); /* NULL-safe */
/* Link g (hash set) into rs: the table, or the overflow slot. False (g
 * not linked) when out of memory. */
bool engine_group_insert(struct rstate *rs, struct group *g);
/* g->dedup from the rule name and g's values. */
void engine_group_dedup(const struct rule *r, struct group *g);
/* Free every group of rs and its table. */
void engine_rstate_clear(struct rstate *rs);
/* rs without groups (they were freed, or moved to another engine). */
void engine_rstate_forget(struct rstate *rs);
/* Evict idle groups: inactive with an empty window. */
void engine_sweep(struct engine *e, struct rstate *rs, int64_t now);

/* --- engine_clock.c: the clock and evaluation ------------------------- */

/* Move the clock to t, closing the seconds before t's (engine.h). */
void engine_advance(struct engine *e, int64_t t);
/* Create the one group of each absent() rule that may count silence. */
void engine_ensure_absent(struct engine *e, int64_t now);
/* Whether an inactive group of r may start to hold with no new event. */
bool engine_rule_sensitive(const struct rule *r);

/* --- engine_state.c: the state machine and emission ------------------- */

/* Release g's samples: a new episode starts with none. Out of line: it
 * runs once per episode. */
void engine_samples_reset(struct engine *e, struct group *g);
/* The state machine after an evaluation computed v, count and holds. */
void engine_transition(struct engine *e, struct rstate *rs, struct group *g,
    int64_t now, double v, uint64_t count, bool holds);
/* Fill e->tr for g entering (or repeating) st, and call the callback. */
void engine_emit(struct engine *e, struct rstate *rs, struct group *g,
    enum alert_state st, bool repeat, int64_t now, double v, uint64_t count);

/* --- engine_breakdown.c: the breakdown -------------------------------- */

/* An empty breakdown for a window of window_ms. */
void engine_bd_init(struct breakdown *bd, int64_t window_ms);
/* The breakdown takes one event of key k at t, of value v (1 for rules
 * without a value field). */
void engine_bd_add(struct breakdown *bd, int64_t t, struct keyv *k, double v);
/* The top contributors of the window ending with now's second, into
 * tr->contrib. */
void engine_bd_report(const struct rule *r, const struct breakdown *bd,
    int64_t now, struct alert_transition *tr);
/* Rebuild bd->idx from the slots (after a load). */
void engine_bd_reindex(struct breakdown *bd);

#endif /* RULES_ENGINE_IMPL_H */
