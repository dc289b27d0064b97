/*
 * window - sliding-window aggregates in event time: count, rate, sum, avg,
 * min, max, quantiles, ratio, distinct and absent (DESIGN.md,
 * "Configuration and rules": value, window, "window edges are exact to the
 * second").
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
 * Memory per window (window_mem_bytes is the bound): the struct plus per
 * bucket 4 bytes (count, rate, absent), 8 (ratio), 12 (sum, avg), 12 + 1/8
 * (min, max: value and block); quantile: 61 sketches (<= 22112 bytes of
 * bins each; only the range of values seen is allocated, about 2 KiB for
 * latencies spread over 1 ms .. 10 s, so ~130 KiB for a busy 5 m p99);
 * distinct: 61 HyperLogLogs (<= 4 KiB each; a few hundred bytes while
 * small). Allocated bins are kept when a slice is reused.
 *
 * Snapshot format (version 1, little-endian):
 *   header (48 bytes): "KLXW", u32 version, u32 kind, u32 cells,
 *     u64 q (IEEE bits), i64 window_ms, i64 cell_ms, u32 payload bytes,
 *     u32 0;
 *   payload: i64 created_ms, i64 now_ms, i64 last event ms (INT64_MIN:
 *     none), f64 sum, u32 expiries since the sum was recomputed,
 *     u32 live cells, then per live cell, oldest first: u32 age
 *     (newest cell - k, strictly decreasing), u32 events, and by kind
 *     u32 hits (ratio), f64 cell sum or extreme (sum, avg, min, max), a
 *     sketch_save (quantile) or distinct_save (distinct) blob;
 *   u64 window_hash of header and payload.
 * The header must name the caller's spec exactly; the payload size is
 * checked against the most that spec can produce before it is read, and
 * every field is range-checked. Totals are rebuilt from the cells, except
 * the running sum and its recompute counter, which are restored as saved
 * so that a loaded window goes on to give bit-identical values.
 *
 * Not handled: a cell holds at most UINT32_MAX events (the add is refused
 * and window_add returns false); times beyond +-2^60 ms are refused.
 */
#include "rules/window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules/distinct.h"
#include "rules/sketch.h"
#include "parsers/compat.h"

#define BLK          64 /* min/max: cells per block */
#define SNAP_VERSION 1
#define SNAP_HDR     48
#define SNAP_BASE    40 /* fixed part of the payload */

struct window {
	int64_t created_ms;
	int64_t now_ms;  /* the clock: newest advance or event */
	int64_t last_ms; /* newest event counted; INT64_MIN: none */
	int64_t lo;      /* oldest live cell (absolute index) */
	int64_t head;    /* newest live cell: the cell of now_ms */
	/* Fast path: a clock step or an event within the current second and
	 * cell needs no division. */
	int64_t head_ms; /* first ms of the head cell */
	int64_t next_ms; /* first ms of the second after now_ms */
	uint32_t head_slot;
	uint64_t count; /* events in the live cells */
	uint64_t hits;  /* ratio: of which hit */
	double sum;     /* sum, avg: of the cell sums */
	uint32_t resum; /* expiries since sum was recomputed */
	uint32_t n;     /* cells (for window_free, which has no spec) */
	bool ext_dirty; /* min, max: ext must be recomputed */
	bool cache_ok;  /* quantile, distinct: cache is current */
	bool rebuild;   /* distinct: dc_all must be rebuilt */
	double ext;     /* min, max over the live cells */
	double cache;   /* quantile, distinct: last value read */
	uint32_t *cnt;  /* [n] events per cell */
	uint32_t *hit;  /* [n] ratio */
	double *val;    /* [n] sum, avg: cell sum; min, max: extreme */
	double *blk;    /* [nblk] min, max: extreme of a block */
	uint8_t *blk_dirty;
	struct sketch *sk; /* [n] quantile slices */
	struct sketch sk_all;
	struct sketch_cursor cur; /* quantile: last rank position in sk_all */
	struct distinct *dc; /* [n] distinct slices */
	struct distinct dc_all;
};

/* --- geometry ------------------------------------------------------------ */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static int64_t
ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

int
window_spec_init(
    struct window_spec *s, enum agg_kind kind, double q, int64_t window_ms)
{
	int64_t wsec, c;

	memset(s, 0, sizeof(*s));
	if ((unsigned)kind > AGG_ABSENT || window_ms < WINDOW_MS_MIN ||
	    window_ms > WINDOW_MS_MAX || window_ms % 1000 != 0)
		return -1;
	if (kind == AGG_QUANTILE && !(q > 0.0 && q < 1.0))
		return -1;
	s->kind = kind;
	s->q = kind == AGG_QUANTILE ? q : 0.0;
	s->window_ms = window_ms;
	wsec = window_ms / 1000;
	if (kind == AGG_QUANTILE || kind == AGG_DISTINCT) {
		c = ceil_div(wsec, WINDOW_SLICES_MAX);
		s->slice_ms = c * 1000;
		s->nslices = (uint32_t)((wsec - 1) / c + 1);
	} else {
		c = ceil_div(wsec, WINDOW_BUCKETS_MAX);
		s->bucket_ms = c * 1000;
		s->nbuckets = (uint32_t)((wsec - 1) / c + 1);
	}
	return 0;
}

/* s is what window_spec_init makes of its own kind, q and window_ms. */
static bool
spec_ok(const struct window_spec *s)
{
	struct window_spec t;

	if (window_spec_init(&t, s->kind, s->q, s->window_ms) < 0)
		return false;
	return t.q == s->q && t.bucket_ms == s->bucket_ms &&
	    t.nbuckets == s->nbuckets && t.slice_ms == s->slice_ms &&
	    t.nslices == s->nslices;
}

static int64_t
cell_ms(const struct window_spec *s)
{
	return s->nslices ? s->slice_ms : s->bucket_ms;
}

static uint32_t
ncells(const struct window_spec *s)
{
	return s->nslices ? s->nslices : s->nbuckets;
}

static int64_t
cell_of(const struct window_spec *s, int64_t t_ms)
{
	return floor_div(t_ms, cell_ms(s));
}

/* The oldest cell wholly inside (now - W, now], in whole seconds. */
static int64_t
lo_of(const struct window_spec *s, int64_t now_ms)
{
	int64_t sec = floor_div(now_ms, 1000);

	return ceil_div(sec - s->window_ms / 1000 + 1, cell_ms(s) / 1000);
}

static uint32_t
slot_of(const struct window_spec *s, int64_t k)
{
	int64_t n = ncells(s);

	return (uint32_t)(k - floor_div(k, n) * n);
}

static bool
time_ok(int64_t t)
{
	return t >= -WINDOW_TIME_MAX && t <= WINDOW_TIME_MAX;
}

static bool
is_extreme(enum agg_kind k)
{
	return k == AGG_MIN || k == AGG_MAX;
}

static bool
has_val(enum agg_kind k)
{
	return k == AGG_SUM || k == AGG_AVG || is_extreme(k);
}

static bool
reads_v(enum agg_kind k)
{
	return has_val(k) || k == AGG_QUANTILE;
}

/* --- allocation ---------------------------------------------------------- */

struct layout {
	size_t val, blk, sk, dc, cnt, hit, blk_dirty, total;
	uint32_t nblk;
};

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

/* One block: the struct, then the arrays the kind uses. */
static void
layout(const struct window_spec *s, struct layout *l)
{
	size_t n = ncells(s), off = ALIGN8(sizeof(struct window));

	memset(l, 0, sizeof(*l));
	l->nblk = is_extreme(s->kind) ? (uint32_t)((n + BLK - 1) / BLK) : 0;
	if (has_val(s->kind)) {
		l->val = off;
		off += n * sizeof(double);
	}
	if (l->nblk > 0) {
		l->blk = off;
		off += l->nblk * sizeof(double);
	}
	if (s->kind == AGG_QUANTILE) {
		l->sk = off;
		off += n * sizeof(struct sketch);
	}
	if (s->kind == AGG_DISTINCT) {
		l->dc = off;
		off += n * sizeof(struct distinct);
	}
	l->cnt = off;
	off += n * sizeof(uint32_t);
	if (s->kind == AGG_RATIO) {
		l->hit = off;
		off += n * sizeof(uint32_t);
	}
	if (l->nblk > 0) {
		l->blk_dirty = off;
		off += l->nblk;
	}
	l->total = ALIGN8(off);
}

/* The clock and the head cell at now_ms (lo is the caller's). */
static void
set_clock(struct window *w, const struct window_spec *s, int64_t now_ms)
{
	w->now_ms = now_ms;
	w->head = cell_of(s, now_ms);
	w->head_ms = w->head * cell_ms(s);
	w->head_slot = slot_of(s, w->head);
	w->next_ms = (floor_div(now_ms, 1000) + 1) * 1000;
}

static double
neutral(enum agg_kind k)
{
	return k == AGG_MIN ? INFINITY : -INFINITY;
}

/* a strictly better extreme than b for min / max. */
static bool
better(enum agg_kind k, double a, double b)
{
	return k == AGG_MIN ? a < b : a > b;
}

struct window *
window_new(const struct window_spec *s, int64_t created_ms)
{
	struct layout l;
	struct window *w;
	char *base;

	if (!spec_ok(s) || !time_ok(created_ms))
		return NULL;
	layout(s, &l);
	if ((base = calloc(1, l.total)) == NULL)
		return NULL;
	w = (struct window *)(void *)base;
	w->cnt = (uint32_t *)(void *)(base + l.cnt);
	w->hit = l.hit ? (uint32_t *)(void *)(base + l.hit) : NULL;
	w->val = l.val ? (double *)(void *)(base + l.val) : NULL;
	w->blk = l.blk ? (double *)(void *)(base + l.blk) : NULL;
	w->blk_dirty = l.blk_dirty ? (uint8_t *)(base + l.blk_dirty) : NULL;
	w->sk = l.sk ? (struct sketch *)(void *)(base + l.sk) : NULL;
	w->dc = l.dc ? (struct distinct *)(void *)(base + l.dc) : NULL;
	if (is_extreme(s->kind)) {
		for (uint32_t i = 0; i < ncells(s); i++)
			w->val[i] = neutral(s->kind);
		for (uint32_t b = 0; b < l.nblk; b++)
			w->blk[b] = neutral(s->kind);
		w->ext = neutral(s->kind);
	}
	w->n = ncells(s);
	w->created_ms = created_ms;
	w->last_ms = INT64_MIN;
	set_clock(w, s, created_ms);
	w->lo = lo_of(s, created_ms);
	return w;
}

void
window_free(struct window *w)
{
	if (w == NULL)
		return;
	/* Unused slices are zero-filled: releasing them is a no-op. */
	if (w->sk != NULL) {
		for (uint32_t i = 0; i < w->n; i++)
			sketch_release(&w->sk[i]);
		sketch_release(&w->sk_all);
	}
	if (w->dc != NULL) {
		for (uint32_t i = 0; i < w->n; i++)
			distinct_release(&w->dc[i]);
		distinct_release(&w->dc_all);
	}
	free(w);
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
static void
settle_empty(struct window *w, const struct window_spec *s)
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
		settle_empty(w, s);
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
	set_clock(w, s, now_ms);
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

static bool
add_quantile(struct window *w, uint32_t i, double v)
{
	int32_t key = sketch_key(v);

	/*
	 * Room in the slice first, then the union: the slice's bin never
	 * exceeds the union's, so once the union took the value the slice
	 * cannot refuse it.
	 */
	if (sketch_reserve(&w->sk[i], key) < 0 ||
	    sketch_add_key(&w->sk_all, key) < 0)
		return false;
	sketch_cursor_add(&w->cur, key);
	(void)sketch_add_key(&w->sk[i], key);
	w->cache_ok = false;
	return true;
}

static bool
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

bool
window_add(struct window *w, const struct window_spec *s, int64_t t_ms,
    double v, bool hit, uint64_t h)
{
	int64_t k;
	uint32_t i;

	if (!time_ok(t_ms) || (reads_v(s->kind) && !isfinite(v)))
		return false;
	if (t_ms > w->now_ms)
		window_advance(w, s, t_ms);
	if (t_ms >= w->head_ms) {
		i = w->head_slot; /* in order: the newest cell */
	} else {
		k = cell_of(s, t_ms);
		if (k < w->lo)
			return false;
		i = slot_of(s, k);
	}
	if (w->cnt[i] == UINT32_MAX)
		return false;
	switch (s->kind) {
	case AGG_SUM:
	case AGG_AVG:
		if (!isfinite(w->val[i] + v) || !isfinite(w->sum + v))
			return false;
		w->val[i] += v;
		w->sum += v;
		break;
	case AGG_MIN:
	case AGG_MAX:
		add_extreme(w, s, i, v);
		break;
	case AGG_RATIO:
		if (hit) {
			w->hit[i]++;
			w->hits++;
		}
		break;
	case AGG_QUANTILE:
		if (!add_quantile(w, i, v))
			return false;
		break;
	case AGG_DISTINCT:
		if (!add_distinct(w, i, h))
			return false;
		break;
	default:
		break;
	}
	w->cnt[i]++;
	w->count++;
	if (t_ms > w->last_ms)
		w->last_ms = t_ms;
	return true;
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

/* --- memory -------------------------------------------------------------- */

size_t
window_mem_bytes(const struct window_spec *s)
{
	struct layout l;
	size_t n1;

	if (!spec_ok(s))
		return 0;
	layout(s, &l);
	n1 = (size_t)ncells(s) + 1; /* the slices and their union */
	if (s->kind == AGG_QUANTILE)
		return l.total + n1 * SKETCH_MEM_MAX;
	if (s->kind == AGG_DISTINCT)
		return l.total + n1 * DISTINCT_MEM_MAX;
	return l.total;
}

size_t
window_mem_used(const struct window *w, const struct window_spec *s)
{
	struct layout l;
	size_t m;

	layout(s, &l);
	m = l.total;
	if (w->sk != NULL) {
		for (uint32_t i = 0; i < w->n; i++)
			m += sketch_mem_bytes(&w->sk[i]);
		m += sketch_mem_bytes(&w->sk_all);
	}
	if (w->dc != NULL) {
		for (uint32_t i = 0; i < w->n; i++)
			m += distinct_mem_bytes(&w->dc[i]);
		m += distinct_mem_bytes(&w->dc_all);
	}
	return m;
}

/* --- hash ---------------------------------------------------------------- */

#define WH_P0 UINT64_C(0xa0761d6478bd642f)
#define WH_P1 UINT64_C(0xe7037ed1a0b428db)
#define WH_P2 UINT64_C(0x8ebc6af09c88c6e3)
#define WH_P3 UINT64_C(0x589965cc75374cc3)

/* 64 x 64 -> 128 bit product, folded: the wyhash "mum" mix. */
static uint64_t
wh_mix(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	uint64_t ah = a >> 32, al = (uint32_t)a, bh = b >> 32, bl = (uint32_t)b;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t lo = (mid << 32) | (uint32_t)ll;
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);

	return lo ^ hi;
#endif
}

static uint64_t
rd64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
rd32(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24;
}

uint64_t
window_hash(const char *p, size_t len)
{
	const unsigned char *b = (const unsigned char *)p;
	uint64_t seed = WH_P3 ^ wh_mix(WH_P3 ^ WH_P0, WH_P1), a, c;
	size_t i = len;

	if (len <= 16) {
		if (len >= 4) {
			size_t o = (len >> 3) << 2;

			a = rd32(b) << 32 | rd32(b + o);
			c = rd32(b + len - 4) << 32 | rd32(b + len - 4 - o);
		} else if (len > 0) {
			a = (uint64_t)b[0] << 16 | (uint64_t)b[len >> 1] << 8 |
			    b[len - 1];
			c = 0;
		} else {
			a = c = 0;
		}
	} else {
		while (i > 16) {
			seed = wh_mix(rd64(b) ^ WH_P1, rd64(b + 8) ^ seed);
			b += 16;
			i -= 16;
		}
		/* The last 16 bytes, overlapping what the loop read. */
		a = rd64(b + i - 16);
		c = rd64(b + i - 8);
	}
	return wh_mix(WH_P2 ^ len, wh_mix(a ^ WH_P1, c ^ seed));
}

/* --- snapshot ------------------------------------------------------------ */

static void
le_put(unsigned char *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
le_get(const unsigned char *b, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static int
put_n(FILE *f, uint64_t v, int n)
{
	unsigned char b[8];

	le_put(b, v, n);
	return fwrite(b, 1, (size_t)n, f) == (size_t)n ? 0 : -1;
}

static int
get_n(FILE *f, uint64_t *v, int n)
{
	unsigned char b[8];

	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		return -1;
	*v = le_get(b, n);
	return 0;
}

static uint64_t
dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static double
bitsd(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* The most payload bytes a window of spec s writes. */
static size_t
payload_max(const struct window_spec *s)
{
	size_t per = 8;

	switch (s->kind) {
	case AGG_RATIO:
		per += 4;
		break;
	case AGG_SUM:
	case AGG_AVG:
	case AGG_MIN:
	case AGG_MAX:
		per += 8;
		break;
	case AGG_QUANTILE:
		per += SKETCH_SAVE_MAX;
		break;
	case AGG_DISTINCT:
		per += DISTINCT_SAVE_MAX;
		break;
	default:
		break;
	}
	return SNAP_BASE + ncells(s) * per;
}

static void
header_fill(unsigned char *h, const struct window_spec *s, uint32_t plen)
{
	memcpy(h, "KLXW", 4);
	le_put(h + 4, SNAP_VERSION, 4);
	le_put(h + 8, (uint32_t)s->kind, 4);
	le_put(h + 12, ncells(s), 4);
	le_put(h + 16, dbits(s->q), 8);
	le_put(h + 24, (uint64_t)s->window_ms, 8);
	le_put(h + 32, (uint64_t)cell_ms(s), 8);
	le_put(h + 40, plen, 4);
	le_put(h + 44, 0, 4);
}

static int
save_cell(
    const struct window *w, const struct window_spec *s, int64_t k, FILE *f)
{
	uint32_t i = slot_of(s, k);

	if (put_n(f, (uint64_t)(w->head - k), 4) < 0 ||
	    put_n(f, w->cnt[i], 4) < 0)
		return -1;
	switch (s->kind) {
	case AGG_RATIO:
		return put_n(f, w->hit[i], 4);
	case AGG_SUM:
	case AGG_AVG:
	case AGG_MIN:
	case AGG_MAX:
		return put_n(f, dbits(w->val[i]), 8);
	case AGG_QUANTILE:
		return sketch_save(&w->sk[i], f);
	case AGG_DISTINCT:
		return distinct_save(&w->dc[i], f);
	default:
		return 0;
	}
}

/* The payload into f (a memory stream). */
static int
save_payload(const struct window *w, const struct window_spec *s, FILE *f)
{
	uint32_t live = 0;

	for (int64_t k = w->lo; k <= w->head; k++)
		live += w->cnt[slot_of(s, k)] > 0;
	if (put_n(f, (uint64_t)w->created_ms, 8) < 0 ||
	    put_n(f, (uint64_t)w->now_ms, 8) < 0 ||
	    put_n(f, (uint64_t)w->last_ms, 8) < 0 ||
	    put_n(f, dbits(w->sum), 8) < 0 || put_n(f, w->resum, 4) < 0 ||
	    put_n(f, live, 4) < 0)
		return -1;
	for (int64_t k = w->lo; k <= w->head; k++) {
		if (w->cnt[slot_of(s, k)] > 0 && save_cell(w, s, k, f) < 0)
			return -1;
	}
	return 0;
}

int
window_save(const struct window *w, const struct window_spec *s, FILE *f)
{
	static const char zero[SNAP_HDR];
	char *buf = NULL;
	size_t len = 0, plen;
	FILE *m;
	int rc = -1;

	if ((m = open_memstream(&buf, &len)) == NULL)
		return -1;
	/* The header goes in last, when the payload size is known. */
	if (fwrite(zero, 1, SNAP_HDR, m) != SNAP_HDR ||
	    save_payload(w, s, m) < 0) {
		fclose(m);
		goto out;
	}
	if (fclose(m) != 0 || len < SNAP_HDR)
		goto out;
	plen = len - SNAP_HDR;
	if (plen > payload_max(s))
		goto out; /* a bug, never a snapshot that cannot load */
	header_fill((unsigned char *)buf, s, (uint32_t)plen);
	if (fwrite(buf, 1, len, f) == len &&
	    put_n(f, window_hash(buf, len), 8) == 0)
		rc = 0;
out:
	free(buf);
	return rc;
}

/* The header names s; *plen = a payload size that s allows. */
static bool
header_ok(const unsigned char *h, const struct window_spec *s, uint32_t *plen)
{
	unsigned char want[SNAP_HDR];

	header_fill(want, s, 0);
	*plen = (uint32_t)le_get(h + 40, 4);
	return memcmp(h, want, 40) == 0 && memcmp(h + 44, want + 44, 4) == 0 &&
	    *plen >= SNAP_BASE && *plen <= payload_max(s);
}

static int
load_val(struct window *w, uint32_t i, FILE *f)
{
	uint64_t u;
	double d;

	if (get_n(f, &u, 8) < 0)
		return -1;
	d = bitsd(u);
	if (!isfinite(d))
		return -1;
	w->val[i] = d;
	return 0;
}

/* One cell record; *prev = the previous record's age (ages decrease). */
static int
load_cell(
    struct window *w, const struct window_spec *s, FILE *f, uint64_t *prev)
{
	uint64_t age, cnt, x;
	uint32_t i;

	if (get_n(f, &age, 4) < 0 || get_n(f, &cnt, 4) < 0 || age >= *prev ||
	    cnt == 0 || w->head - (int64_t)age < w->lo)
		return -1;
	*prev = age;
	i = slot_of(s, w->head - (int64_t)age);
	switch (s->kind) {
	case AGG_RATIO:
		if (get_n(f, &x, 4) < 0 || x > cnt)
			return -1;
		w->hit[i] = (uint32_t)x;
		w->hits += x;
		break;
	case AGG_SUM:
	case AGG_AVG:
	case AGG_MIN:
	case AGG_MAX:
		if (load_val(w, i, f) < 0)
			return -1;
		break;
	case AGG_QUANTILE:
		if (sketch_load(&w->sk[i], f) < 0 ||
		    sketch_count(&w->sk[i]) != cnt ||
		    sketch_merge(&w->sk_all, &w->sk[i]) < 0)
			return -1;
		break;
	case AGG_DISTINCT:
		if (distinct_load(&w->dc[i], f) < 0)
			return -1;
		break;
	default:
		break;
	}
	w->cnt[i] = (uint32_t)cnt;
	w->count += cnt;
	return 0;
}

/* Times and totals of the payload, then its cells. */
static struct window *
load_payload(const struct window_spec *s, FILE *f)
{
	uint64_t created, now, last, sum, resum, live, prev = ncells(s);
	struct window *w;

	if (get_n(f, &created, 8) < 0 || get_n(f, &now, 8) < 0 ||
	    get_n(f, &last, 8) < 0 || get_n(f, &sum, 8) < 0 ||
	    get_n(f, &resum, 4) < 0 || get_n(f, &live, 4) < 0)
		return NULL;
	if (!time_ok((int64_t)created) || !time_ok((int64_t)now) ||
	    (int64_t)now < (int64_t)created ||
	    ((int64_t)last != INT64_MIN &&
		(!time_ok((int64_t)last) || (int64_t)last > (int64_t)now)) ||
	    !isfinite(bitsd(sum)) || resum > ncells(s) || live > ncells(s) ||
	    (live > 0 && (int64_t)last == INT64_MIN))
		return NULL;
	if ((w = window_new(s, (int64_t)created)) == NULL)
		return NULL;
	set_clock(w, s, (int64_t)now);
	w->lo = lo_of(s, w->now_ms);
	w->last_ms = (int64_t)last;
	w->sum = bitsd(sum);
	w->resum = (uint32_t)resum;
	for (uint64_t j = 0; j < live; j++) {
		if (load_cell(w, s, f, &prev) < 0)
			goto fail;
	}
	if (fgetc(f) != EOF)
		goto fail; /* trailing bytes */
	if (w->count == 0)
		settle_empty(w, s);
	if (is_extreme(s->kind)) {
		memset(w->blk_dirty, 1, (w->n + BLK - 1) / BLK);
		w->ext_dirty = true;
	}
	w->rebuild = s->kind == AGG_DISTINCT && w->count > 0;
	sketch_cursor_reset(&w->cur);
	return w;
fail:
	window_free(w);
	return NULL;
}

struct window *
window_load(const struct window_spec *s, FILE *f)
{
	unsigned char h[SNAP_HDR], *buf;
	struct window *w = NULL;
	uint32_t plen;
	FILE *pf;

	if (!spec_ok(s) || fread(h, 1, SNAP_HDR, f) != SNAP_HDR ||
	    !header_ok(h, s, &plen))
		return NULL;
	/* plen <= payload_max(s): bounded by the spec, not by the input. */
	if ((buf = malloc(SNAP_HDR + (size_t)plen + 8)) == NULL)
		return NULL;
	memcpy(buf, h, SNAP_HDR);
	if (fread(buf + SNAP_HDR, 1, (size_t)plen + 8, f) != (size_t)plen + 8 ||
	    le_get(buf + SNAP_HDR + plen, 8) !=
		window_hash((const char *)buf, SNAP_HDR + (size_t)plen))
		goto out;
	if ((pf = fmemopen(buf + SNAP_HDR, plen, "r")) == NULL)
		goto out;
	w = load_payload(s, pf);
	fclose(pf);
out:
	free(buf);
	return w;
}
