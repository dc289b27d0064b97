/*
 * window_impl - the inside of a window, shared by the files of the window
 * module and by nothing else (rules see window.h):
 *
 *   window.c        expiry, add, read: the per-event path
 *   window_alloc.c  the spec, the memory layout, window_new/free, memory
 *                   accounting
 *   window_snap.c   window_save / window_load and the snapshot format
 *   window_hash.c   window_hash
 *
 * The geometry helpers are static inline here so the per-event path
 * inlines them as it did in one file.
 *
 * Invariants (window.c has the why): lo <= head + 1; head is the cell of
 * now_ms and head_slot its slot; the live cells are lo..head, the others
 * are zero (count) or neutral (min, max); count, hits and sum are the
 * totals of the live cells (sum up to rounding, recomputed once per n
 * expiries); ext and blk[b] are exact unless ext_dirty / blk_dirty[b].
 */
#ifndef RULES_WINDOW_IMPL_H
#define RULES_WINDOW_IMPL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "rules/distinct.h"
#include "rules/sketch.h"
#include "rules/window.h"

#define BLK 64 /* min/max: cells per block */

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
	struct distinct *dc;      /* [n] distinct slices */
	struct distinct dc_all;
};

/* --- geometry ------------------------------------------------------------ */

static inline int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static inline int64_t
ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

static inline int64_t
cell_ms(const struct window_spec *s)
{
	return s->nslices ? s->slice_ms : s->bucket_ms;
}

static inline uint32_t
ncells(const struct window_spec *s)
{
	return s->nslices ? s->nslices : s->nbuckets;
}

static inline int64_t
cell_of(const struct window_spec *s, int64_t t_ms)
{
	return floor_div(t_ms, cell_ms(s));
}

/* The oldest cell wholly inside (now - W, now], in whole seconds. */
static inline int64_t
lo_of(const struct window_spec *s, int64_t now_ms)
{
	int64_t sec = floor_div(now_ms, 1000);

	return ceil_div(sec - s->window_ms / 1000 + 1, cell_ms(s) / 1000);
}

static inline uint32_t
slot_of(const struct window_spec *s, int64_t k)
{
	int64_t n = ncells(s);

	return (uint32_t)(k - floor_div(k, n) * n);
}

static inline bool
time_ok(int64_t t)
{
	return t >= -WINDOW_TIME_MAX && t <= WINDOW_TIME_MAX;
}

static inline bool
is_extreme(enum agg_kind k)
{
	return k == AGG_MIN || k == AGG_MAX;
}

static inline bool
has_val(enum agg_kind k)
{
	return k == AGG_SUM || k == AGG_AVG || is_extreme(k);
}

static inline double
neutral(enum agg_kind k)
{
	return k == AGG_MIN ? INFINITY : -INFINITY;
}

/* --- across files -------------------------------------------------------- */

/* s is what window_spec_init makes of its own kind, q and window_ms
 * (window_alloc.c). */
bool window_spec_ok(const struct window_spec *s);
/* The clock and the head cell at now_ms; lo is the caller's (window.c). */
void window_set_clock(
    struct window *w, const struct window_spec *s, int64_t now_ms);
/* No event left: reset the totals exactly, dropping rounding residue
 * (window.c). */
void window_settle_empty(struct window *w, const struct window_spec *s);

#endif /* RULES_WINDOW_IMPL_H */
