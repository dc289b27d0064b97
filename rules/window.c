/*
 * window - sliding-window aggregates in event time: count, rate, sum, avg,
 * min, max, quantiles, ratio, distinct and absent (README.md,
 * "Configuration": value, window, "window edges are exact to the
 * second"). This file is the per-event path: expiry, add and read; the
 * spec, allocation and memory bounds are in window_alloc.c, snapshots in
 * window_snap.c, the hash in window_hash.c (map in window_impl.h).
 *
 * Why this design: a ring of n cells (time buckets) plus running totals.
 * An add touches one cell and the totals; moving the clock expires whole
 * cells and subtracts them from the totals; reading a value is then O(1).
 * Memory is the ring, fixed by the spec: it does not depend on the event
 * rate.
 *
 * Cells. A cell of width c seconds holds the events with floor(t_sec / c)
 * = k (t_sec = floor(t_ms / 1000), absolute k, slot k mod n). At time now
 * the window keeps the cells that lie wholly inside the last W seconds:
 * k * c >= now_sec - W + 1, up to the cell of now. Hence n = (W - 1) / c + 1
 * cells suffice, and:
 *   - buckets (count, rate, sum, avg, min, max, ratio, absent): c = 1 s for
 *     W <= 1 h, so the window is exactly (now - W, now] to the second;
 *     longer windows use c = ceil(W / 3600) s (24 s for 1 d, 744 s for
 *     31 d), at most 3600 buckets;
 *   - slices (quantile, distinct): c = ceil(W / 60) s, at most 60 slices,
 *     each holding a whole sketch.
 * XXX: with c > 1 s an event leaves the window up to c - 1 s early (never
 * late): for quantiles and distinct over 5 m the left edge moves in 5 s
 * steps, over 1 h in 60 s steps, over 1 d in 24 min steps; count and the
 * other bucket kinds are exact to the second up to 1 h, then move in
 * ceil(W / 3600) s steps. A p99 over 1 h answering for the last 59 to 60
 * minutes is well inside what the number means; exact edges would need a
 * sketch per second (60 times the memory). rate still divides by W.
 *
 * Totals. count, hits (ratio) and sum are running totals: an expiring cell
 * is subtracted. The floating sum is recomputed from the cells once per n
 * expiries (amortised O(1)) and set to exactly 0 when the window empties,
 * so rounding never accumulates. min/max: the extreme is cached; an
 * expiring cell that held it marks it dirty, and so does its block of 64
 * cells; the next read rescans only dirty blocks and the block extremes
 * (<= 64 + 57 cells for 3600 buckets), so a steady stream costs O(1) per
 * event and at most one such rescan per expired cell. Quantiles: each
 * slice has a sketch, and the window keeps their union (sketch_merge on
 * add, exact sketch_sub on expiry); a read finds the rank from where
 * the previous read found it (a sketch_cursor: an add moves the rank by
 * at most one value, so a steady stream reads in O(1)), cached until the
 * next change; an expiry forgets the position, and the next read walks
 * the union's bins from the nearer end. Distinct: each slice has a
 * HyperLogLog and the window their union; HyperLogLog cannot subtract, so
 * an expiry marks the union for a rebuild from the live slices (<= 60
 * merges, once per slice width) at the next read; the estimate is cached
 * until a register of the union rises.
 *
 * Out of order: an event older than the clock but inside the window goes
 * to its own cell; an event newer than the clock moves the clock. Time
 * never goes back: an older window_advance is ignored. The edges move
 * only at whole seconds, so a clock step or an in-order event within the
 * current second and cell takes a fast path without any division.
 *
 * Not handled: a cell holds at most UINT32_MAX events (the add is refused
 * and window_add returns false); times beyond +-2^60 ms are refused.
 */
#include "rules/window.h"

#include <math.h>

#include "rules/window_impl.h"
#include "parsers/compat.h"

static bool
reads_v(enum agg_kind k)
{
	return has_val(k) || k == AGG_QUANTILE;
}

/* a strictly better extreme than b for min / max. */
static bool
better(enum agg_kind k, double a, double b)
{
	return k == AGG_MIN ? a < b : a > b;
}

/* The clock and the head cell at now_ms (lo is the caller's). */
void
window_set_clock(struct window *w, const struct window_spec *s, int64_t now_ms)
{
	w->now_ms = now_ms;
	w->head = cell_of(s, now_ms);
	w->head_ms = w->head * cell_ms(s);
	w->head_slot = slot_of(s, w->head);
	w->next_ms = (floor_div(now_ms, 1000) + 1) * 1000;
}

/* --- expiry -------------------------------------------------------------- */

static void
expire_cell(struct window *w, const struct window_spec *s, uint32_t i)
{
	uint32_t c = w->cnt[i];

	if (c == 0)
		return;
	w->count -= c;
	w->cnt[i] = 0;
	switch (s->kind) {
	case AGG_RATIO:
		w->hits -= w->hit[i];
		w->hit[i] = 0;
		break;
	case AGG_SUM:
	case AGG_AVG:
		w->sum -= w->val[i];
		w->val[i] = 0.0;
		w->resum++;
		break;
	case AGG_MIN:
	case AGG_MAX:
		/* Only a cell holding the extreme can change it. */
		if (w->val[i] == w->blk[i / BLK])
			w->blk_dirty[i / BLK] = 1;
		if (w->val[i] == w->ext)
			w->ext_dirty = true;
		w->val[i] = neutral(s->kind);
		break;
	case AGG_QUANTILE:
		sketch_sub(&w->sk_all, &w->sk[i]);
		sketch_reset(&w->sk[i]);
		sketch_cursor_reset(&w->cur);
		w->cache_ok = false;
		break;
	case AGG_DISTINCT:
		distinct_reset(&w->dc[i]);
		w->rebuild = true;
		w->cache_ok = false;
		break;
	default:
		break;
	}
}

/* No event left: reset the totals exactly, dropping rounding residue. */
void
window_settle_empty(struct window *w, const struct window_spec *s)
{
	w->hits = 0;
	w->sum = 0.0;
	w->resum = 0;
	if (is_extreme(s->kind)) {
		for (uint32_t b = 0; b < (w->n + BLK - 1) / BLK; b++) {
			w->blk[b] = neutral(s->kind);
			w->blk_dirty[b] = 0;
		}
		w->ext = neutral(s->kind);
		w->ext_dirty = false;
	}
	if (s->kind == AGG_QUANTILE) {
		sketch_reset(&w->sk_all);
		sketch_cursor_reset(&w->cur);
	}
	if (s->kind == AGG_DISTINCT) {
		distinct_reset(&w->dc_all);
		w->rebuild = false;
	}
	w->cache_ok = false;
}

static void
recompute_sum(struct window *w)
{
	double t = 0.0;

	for (uint32_t i = 0; i < w->n; i++)
		t += w->val[i];
	w->sum = t;
	w->resum = 0;
}

/* Expire the live cells older than nlo (at most n of them). */
static void
expire_to(struct window *w, const struct window_spec *s, int64_t nlo)
{
	int64_t end = nlo - 1 < w->head ? nlo - 1 : w->head;

	for (int64_t k = w->lo; k <= end; k++)
		expire_cell(w, s, slot_of(s, k));
	if (nlo > w->lo)
		w->lo = nlo;
	if (w->count == 0)
		window_settle_empty(w, s);
	else if (w->resum >= w->n)
		recompute_sum(w);
}

void
window_advance(struct window *w, const struct window_spec *s, int64_t now_ms)
{
	if (now_ms <= w->now_ms || now_ms > WINDOW_TIME_MAX)
		return;
	/* Edges move only at whole seconds. */
	if (now_ms < w->next_ms) {
		w->now_ms = now_ms;
		return;
	}
	/*
	 * Cells between the old and the new head need no clearing: their
	 * slots last held cells older than the new left edge, which are
	 * expired (cleared) here or were before.
	 */
	expire_to(w, s, lo_of(s, now_ms));
	window_set_clock(w, s, now_ms);
}

/* --- add ----------------------------------------------------------------- */

static void
add_extreme(struct window *w, const struct window_spec *s, uint32_t i, double v)
{
	uint32_t b = i / BLK;

	if (better(s->kind, v, w->val[i]))
		w->val[i] = v;
	if (!w->blk_dirty[b] && better(s->kind, v, w->blk[b]))
		w->blk[b] = v;
	if (!w->ext_dirty && better(s->kind, v, w->ext))
		w->ext = v;
}

/* Out of line, as add_distinct: the common kinds' window_add then saves
 * no registers for them. The slice and the union take the value at once
 * (sketch_add_key2: the union covers the slice). */
static bool __attribute__((noinline))
add_quantile(struct window *w, uint32_t i, double v)
{
	int32_t key = sketch_key(v);

	if (sketch_add_key2(&w->sk[i], &w->sk_all, key) < 0)
		return false;
	sketch_cursor_add(&w->cur, key);
	w->cache_ok = false;
	return true;
}

static bool __attribute__((noinline))
add_distinct(struct window *w, uint32_t i, uint64_t h)
{
	int r = distinct_add(&w->dc[i], h);

	if (r < 0)
		return false;
	/* The union's register is >= the slice's: it can only rise if the
	 * slice's did. */
	if (r > 0 && !w->rebuild) {
		r = distinct_add(&w->dc_all, h);
		if (r < 0)
			w->rebuild = true;
		if (r != 0)
			w->cache_ok = false;
	}
	return true;
}

/* The slot of the cell an event at t_ms goes to, advancing the clock to
 * it; false when t_ms is out of range or before the window's left edge. */
static inline bool
cell_for(
    struct window *w, const struct window_spec *s, int64_t t_ms, uint32_t *i)
{
	int64_t k;

	if (!time_ok(t_ms))
		return false;
	if (t_ms > w->now_ms)
		window_advance(w, s, t_ms);
	if (t_ms >= w->head_ms) {
		*i = w->head_slot; /* in order: the newest cell */
		return true;
	}
	k = cell_of(s, t_ms);
	if (k < w->lo)
		return false;
	*i = slot_of(s, k);
	return true;
}

/* The event at t_ms is in cell i now. */
static inline void
counted(struct window *w, uint32_t i, int64_t t_ms)
{
	w->cnt[i]++;
	w->count++;
	if (t_ms > w->last_ms)
		w->last_ms = t_ms;
}

/* The kind's own part of adding v (hit, h) to cell i; false: refused. */
static inline bool
add_kind(struct window *w, const struct window_spec *s, uint32_t i, double v,
    bool hit, uint64_t h)
{
	switch (s->kind) {
	case AGG_SUM:
	case AGG_AVG:
		if (!isfinite(w->val[i] + v) || !isfinite(w->sum + v))
			return false;
		w->val[i] += v;
		w->sum += v;
		return true;
	case AGG_MIN:
	case AGG_MAX:
		add_extreme(w, s, i, v);
		return true;
	case AGG_RATIO:
		if (hit) {
			w->hit[i]++;
			w->hits++;
		}
		return true;
	case AGG_QUANTILE:
		return add_quantile(w, i, v);
	case AGG_DISTINCT:
		return add_distinct(w, i, h);
	default:
		return true;
	}
}

bool
window_add(struct window *w, const struct window_spec *s, int64_t t_ms,
    double v, bool hit, uint64_t h)
{
	uint32_t i;

	if ((reads_v(s->kind) && !isfinite(v)) || !cell_for(w, s, t_ms, &i) ||
	    w->cnt[i] == UINT32_MAX || !add_kind(w, s, i, v, hit, h))
		return false;
	counted(w, i, t_ms);
	return true;
}

void
window_add_many(struct window *w, const struct window_spec *s, const int64_t *t,
    const double *v, const bool *hit, const uint64_t *h, size_t n, bool *taken)
{
	uint32_t i;

	/* One loop per kind: add_kind's switch is resolved out of it. */
#define ADD_LOOP(PRE, KIND_OK)                                                 \
	for (size_t j = 0; j < n; j++) {                                       \
		taken[j] = (PRE) && cell_for(w, s, t[j], &i) &&                \
		    w->cnt[i] != UINT32_MAX && (KIND_OK);                      \
		if (taken[j])                                                  \
			counted(w, i, t[j]);                                   \
	}
	switch (s->kind) {
	case AGG_SUM:
	case AGG_AVG:
	case AGG_MIN:
	case AGG_MAX:
	case AGG_QUANTILE:
		ADD_LOOP(isfinite(v[j]), add_kind(w, s, i, v[j], false, 0))
		break;
	case AGG_DISTINCT:
		ADD_LOOP(true, add_distinct(w, i, h[j]))
		break;
	case AGG_RATIO:
		ADD_LOOP(true, add_kind(w, s, i, 0, hit[j], 0))
		break;
	default: /* count, rate, absent: the count is all */
		ADD_LOOP(true, true)
		break;
	}
#undef ADD_LOOP
}

/* --- read ---------------------------------------------------------------- */

static double
extreme(struct window *w, const struct window_spec *s)
{
	double e = neutral(s->kind);
	uint32_t nblk = (w->n + BLK - 1) / BLK;

	if (!w->ext_dirty)
		return w->ext;
	for (uint32_t b = 0; b < nblk; b++) {
		if (w->blk_dirty[b]) {
			uint32_t end =
			    (b + 1) * BLK < w->n ? (b + 1) * BLK : w->n;
			double be = neutral(s->kind);

			for (uint32_t i = b * BLK; i < end; i++) {
				if (better(s->kind, w->val[i], be))
					be = w->val[i];
			}
			w->blk[b] = be;
			w->blk_dirty[b] = 0;
		}
		if (better(s->kind, w->blk[b], e))
			e = w->blk[b];
	}
	w->ext = e;
	w->ext_dirty = false;
	return e;
}

static double
distinct_value(struct window *w, const struct window_spec *s)
{
	double e;

	if (w->rebuild) {
		bool ok = true;

		distinct_reset(&w->dc_all);
		for (int64_t k = w->lo; k <= w->head; k++) {
			if (distinct_merge(&w->dc_all, &w->dc[slot_of(s, k)]) <
			    0)
				ok = false;
		}
		/* Out of memory: a partial union (an underestimate) now,
		 * another try at the next read. */
		w->rebuild = !ok;
		w->cache_ok = false;
	}
	if (!w->cache_ok) {
		e = round(distinct_estimate(&w->dc_all));
		w->cache = e > (double)w->count ? (double)w->count : e;
		w->cache_ok = !w->rebuild;
	}
	return w->cache;
}

double
window_value(struct window *w, const struct window_spec *s, int64_t now_ms,
    uint64_t *count)
{
	uint64_t n;

	window_advance(w, s, now_ms);
	n = w->count;
	if (count != NULL)
		*count = n;
	switch (s->kind) {
	case AGG_COUNT:
		return (double)n;
	case AGG_RATE:
		return (double)n / (double)(s->window_ms / 1000);
	case AGG_SUM:
		return n ? w->sum : 0.0;
	case AGG_AVG:
		return n ? w->sum / (double)n : NAN;
	case AGG_MIN:
	case AGG_MAX:
		return n ? extreme(w, s) : NAN;
	case AGG_RATIO:
		return n ? (double)w->hits / (double)n : NAN;
	case AGG_QUANTILE:
		if (n == 0)
			return NAN;
		if (!w->cache_ok) {
			w->cache =
			    sketch_quantile_at(&w->sk_all, s->q, &w->cur);
			w->cache_ok = true;
		}
		return w->cache;
	case AGG_DISTINCT:
		return n ? distinct_value(w, s) : 0.0;
	case AGG_ABSENT:
		return n == 0 && w->created_ms <= w->now_ms - s->window_ms
		    ? 1.0
		    : 0.0;
	}
	return NAN;
}

uint64_t
window_count(struct window *w, const struct window_spec *s, int64_t now_ms)
{
	window_advance(w, s, now_ms);
	return w->count;
}

bool
window_is_empty(
    const struct window *w, const struct window_spec *s, int64_t now_ms)
{
	int64_t now = now_ms > w->now_ms && now_ms <= WINDOW_TIME_MAX
	    ? now_ms
	    : w->now_ms;

	if (w->count == 0 || w->last_ms == INT64_MIN)
		return true;
	return cell_of(s, w->last_ms) < lo_of(s, now);
}
