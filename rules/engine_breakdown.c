/*
 * engine_breakdown - the breakdown counter of a group: which keys of the
 * breakdown field the events in the group's window come from (the rest
 * of the engine: engine.c, map in engine_impl.h).
 *
 * Why this shape: the report must describe the events of the window the
 * value is computed over, with counts and shares that agree, in bounded
 * memory per group whatever the number of keys.
 *
 * Keys: a space-saving counter (Metwally et al.) of BD_SLOTS keys. A new
 * key, when the table is full, replaces the lightest slot and inherits
 * its counts, so a count is an upper bound (by at most the weight of the
 * lightest slot, itself at most total / BD_SLOTS), and a key with more
 * than 1/BD_SLOTS of the events is always present. A key finds its slot
 * through a small hash index (BD_INDEX, linear probing, backward-shift
 * deletion on replacement), so a lookup touches one index byte per probe
 * and the slot's hash, not the keys.
 *
 * Time: each slot keeps its counts (and summed value) per segment of
 * event time, BD_SEGS segments a window (seg_ms = window / BD_SEGS,
 * rounded up to a second), in a ring of BD_RING = BD_SEGS + 1 positions:
 * the segment the newest event is in and the BD_SEGS before it. When the
 * newest segment moves on, the positions of segments now older than the
 * ring are emptied and a slot left with no count is freed. A report at
 * second S counts only the segments that lie wholly inside the window
 * ending with S: so it never names an event older than the window, and
 * leaves out at most seg_ms - 1 s (window / 16 rounded up to a second,
 * less one) of the window's oldest end; windows up to 16 s are exact.
 * Shares are of what the report counts. Summed values are kept as
 * floats (shares to 1e-7).
 *
 * Invariants: bd->idx holds slot + 1 of each of the n slots exactly once,
 * reachable from its hash's home; w[i] > 0 is the sum of slot i's ring
 * of counts; seg_id[p] is the segment whose counts position p holds
 * (BD_SEG_NONE: none), always within BD_SEGS of head.
 */
#include "rules/engine.h"

#include <math.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static unsigned
ring_pos(int64_t seg)
{
	int64_t p = seg % BD_RING;

	return (unsigned)(p < 0 ? p + BD_RING : p);
}

void
engine_bd_init(struct breakdown *bd, int64_t window_ms)
{
	int64_t seg = (window_ms + BD_SEGS - 1) / BD_SEGS;

	memset(bd, 0, sizeof(*bd));
	bd->seg_ms = seg < 1000 ? 1000 : (seg + 999) / 1000 * 1000;
	bd->head = BD_SEG_NONE;
	for (unsigned p = 0; p < BD_RING; p++)
		bd->seg_id[p] = BD_SEG_NONE;
}

void
engine_bd_reindex(struct breakdown *bd)
{
	memset(bd->idx, 0, sizeof(bd->idx));
	for (unsigned i = 0; i < bd->n; i++) {
		uint32_t p = (uint32_t)bd->hash[i] & (BD_INDEX - 1);

		while (bd->idx[p] != 0)
			p = (p + 1) & (BD_INDEX - 1);
		bd->idx[p] = (uint8_t)(i + 1);
	}
}

/* Take slot i out of bd->idx (before its key changes): linear probing's
 * backward-shift deletion, so no tombstones build up. */
static void
bd_unindex(struct breakdown *bd, unsigned i)
{
	uint32_t mask = BD_INDEX - 1, p = (uint32_t)bd->hash[i] & mask;

	while (bd->idx[p] != i + 1)
		p = (p + 1) & mask;
	for (uint32_t q = (p + 1) & mask; bd->idx[q] != 0; q = (q + 1) & mask) {
		uint32_t home = (uint32_t)bd->hash[bd->idx[q] - 1u] & mask;

		/* Entry q may move to the hole p unless its home lies
		 * cyclically in (p, q]. */
		if (((q - home) & mask) >= ((q - p) & mask)) {
			bd->idx[p] = bd->idx[q];
			p = q;
		}
	}
	bd->idx[p] = 0;
}

/* Move slot j's contents to slot i (i < j). */
static void
slot_move(struct breakdown *bd, unsigned i, unsigned j)
{
	bd->hash[i] = bd->hash[j];
	bd->klen[i] = bd->klen[j];
	bd->cut = (bd->cut & ~(UINT32_C(1) << i)) |
	    (((bd->cut >> j) & 1u) << i);
	bd->w[i] = bd->w[j];
	memcpy(bd->sw[i], bd->sw[j], sizeof(bd->sw[i]));
	memcpy(bd->sv[i], bd->sv[j], sizeof(bd->sv[i]));
	memcpy(bd->key[i], bd->key[j], sizeof(bd->key[i]));
}

/* Empty ring position p (its segment left the ring); free the slots left
 * without counts. */
static void
bd_expire(struct breakdown *bd, unsigned p)
{
	unsigned j = 0;
	bool freed = false;

	for (unsigned i = 0; i < bd->n; i++) {
		bd->w[i] -= bd->sw[i][p];
		bd->sw[i][p] = 0;
		bd->sv[i][p] = 0;
		if (bd->w[i] <= 0) {
			freed = true;
			continue;
		}
		if (j != i)
			slot_move(bd, j, i);
		j++;
	}
	bd->n = j;
	if (freed)
		engine_bd_reindex(bd);
}

/* The newest segment becomes seg (> head): the positions of the segments
 * that leave the ring are emptied and given to the new ones. */
static void
bd_shift(struct breakdown *bd, int64_t seg)
{
	int64_t from = bd->head == BD_SEG_NONE ? seg : bd->head + 1;

	if (seg - from >= BD_RING)
		from = seg - BD_RING + 1;
	for (int64_t s = from; s <= seg; s++) {
		unsigned p = ring_pos(s);

		if (bd->seg_id[p] != BD_SEG_NONE)
			bd_expire(bd, p);
		bd->seg_id[p] = s;
	}
	bd->head = seg;
	bd->head_start_ms = seg * bd->seg_ms;
	bd->head_pos = ring_pos(seg);
}

/* The ring position of an event at t, or -1 when t is older than the
 * ring (it left the window long ago). */
static int
bd_pos(struct breakdown *bd, int64_t t)
{
	int64_t seg;
	unsigned p;

	if (bd->head != BD_SEG_NONE && t >= bd->head_start_ms &&
	    t - bd->head_start_ms < bd->seg_ms)
		return (int)bd->head_pos;
	seg = floor_div(t, bd->seg_ms);
	if (bd->head == BD_SEG_NONE || seg > bd->head) {
		bd_shift(bd, seg);
		return (int)bd->head_pos;
	}
	if (bd->head - seg >= BD_RING)
		return -1;
	p = ring_pos(seg);
	/* A position within the ring that no event has used yet. */
	if (bd->seg_id[p] != seg) {
		if (bd->seg_id[p] != BD_SEG_NONE)
			bd_expire(bd, p);
		bd->seg_id[p] = seg;
	}
	return (int)p;
}

void
engine_bd_add(struct breakdown *bd, int64_t t, struct keyv *k, double v)
{
	uint64_t h = key_hash(k);
	uint32_t p;
	unsigned i;
	int pos = bd_pos(bd, t);

	if (pos < 0)
		return;
	for (p = (uint32_t)h & (BD_INDEX - 1); bd->idx[p] != 0;
	     p = (p + 1) & (BD_INDEX - 1)) {
		i = bd->idx[p] - 1u;
		if (bd->hash[i] == h && key_eq(bd->key[i], bd->klen[i], k))
			goto found;
	}
	if (bd->n < BD_SLOTS) {
		i = bd->n++;
		bd->w[i] = 0;
		memset(bd->sw[i], 0, sizeof(bd->sw[i]));
		memset(bd->sv[i], 0, sizeof(bd->sv[i]));
	} else {
		/* Space-saving: the lightest slot's counts go to the
		 * newcomer (the first lightest: the minimum without a
		 * branch per slot, then its first slot). */
		double lo = bd->w[0];

		for (unsigned j = 1; j < bd->n; j++)
			lo = bd->w[j] < lo ? bd->w[j] : lo;
		for (i = 0; bd->w[i] != lo; i++)
			;
		bd_unindex(bd, i);
		/* The deletion may have moved the hole: probe again. */
		for (p = (uint32_t)h & (BD_INDEX - 1); bd->idx[p] != 0;
		     p = (p + 1) & (BD_INDEX - 1))
			;
	}
	bd->idx[p] = (uint8_t)(i + 1);
	bd->hash[i] = h;
	bd->klen[i] = (uint8_t)key_store(bd->key[i], k);
	bd->cut = (bd->cut & ~(UINT32_C(1) << i)) | ((uint32_t)k->cut << i);
found:
	bd->sw[i][pos] += 1;
	bd->sv[i][pos] += (float)v;
	bd->w[i] += 1;
}

void
engine_bd_report(const struct rule *r, const struct breakdown *bd,
    int64_t now, struct alert_transition *tr)
{
	bool by_value = bd_by_value(r);
	bool used[BD_SLOTS] = { false };
	double w[BD_SLOTS] = { 0 }, val[BD_SLOTS] = { 0 };
	double total_w = 0, total_value = 0;
	/* The first segment wholly inside (now - window, now], to the
	 * second: it starts at or after the window's first millisecond. */
	int64_t lo = floor_div(floor_sec(now) * 1000 + 1000 - r->spec.window_ms +
		bd->seg_ms - 1,
	    bd->seg_ms);

	for (unsigned p = 0; p < BD_RING; p++) {
		if (bd->seg_id[p] == BD_SEG_NONE || bd->seg_id[p] < lo)
			continue;
		for (unsigned i = 0; i < bd->n; i++) {
			w[i] += bd->sw[i][p];
			val[i] += bd->sv[i][p];
		}
	}
	for (unsigned i = 0; i < bd->n; i++) {
		total_w += w[i];
		total_value += val[i];
	}
	tr->ncontrib = 0;
	while (tr->ncontrib < ALERT_CONTRIB_MAX) {
		const double *m = by_value ? val : w;
		struct alert_contrib *c;
		int best = -1;

		for (unsigned i = 0; i < bd->n; i++) {
			if (!used[i] && w[i] > 0 && (best < 0 || m[i] > m[best]))
				best = (int)i;
		}
		if (best < 0)
			break;
		used[best] = true;
		c = &tr->contrib[tr->ncontrib++];
		compat_strlcpy(c->key, bd->key[best], sizeof(c->key));
		c->count = (uint64_t)llround(w[best]);
		c->share_events = total_w > 0 ? w[best] / total_w : 0;
		c->share_value = !by_value ? c->share_events
		    : total_value != 0     ? val[best] / total_value
					   : 0;
	}
}
