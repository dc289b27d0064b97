/*
 * window_alloc - a window's spec, memory layout and life cycle:
 * window_spec_init, window_new, window_free, and the memory bounds
 * window_mem_bytes / window_mem_used (the rest of the window module:
 * window.c, map in window_impl.h).
 *
 * Geometry (window.c has the why): buckets of c = ceil(W / 3600) s (1 s
 * up to 1 h) for count, rate, sum, avg, min, max, ratio and absent;
 * slices of c = ceil(W / 60) s for quantile and distinct; n = (W - 1) / c
 * + 1 cells.
 *
 * One allocation per window: the struct, then the arrays its kind uses
 * (layout), so a window costs one malloc and its size follows from the
 * spec alone. Memory per window (window_mem_bytes is the bound): the
 * struct plus per bucket 4 bytes (count, rate, absent), 8 (ratio), 12
 * (sum, avg), 12 + 1/8 (min, max: value and block); quantile: 61 sketches
 * (<= 22112 bytes of bins each; only the range of values seen is
 * allocated, about 2 KiB for latencies spread over 1 ms .. 10 s, so
 * ~130 KiB for a busy 5 m p99); distinct: 61 HyperLogLogs (<= 4 KiB each;
 * a few hundred bytes while small). Allocated bins are kept when a slice
 * is reused.
 *
 * Invariants: a window is only made for a spec that window_spec_init
 * made (window_spec_ok), so every other function may trust the spec's
 * derived fields; unused slices are zero-filled, so releasing them is a
 * no-op.
 */
#include "rules/window.h"

#include <stdlib.h>
#include <string.h>

#include "rules/window_impl.h"
#include "parsers/compat.h"

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
bool
window_spec_ok(const struct window_spec *s)
{
	struct window_spec t;

	if (window_spec_init(&t, s->kind, s->q, s->window_ms) < 0)
		return false;
	return t.q == s->q && t.bucket_ms == s->bucket_ms &&
	    t.nbuckets == s->nbuckets && t.slice_ms == s->slice_ms &&
	    t.nslices == s->nslices;
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

struct window *
window_new(const struct window_spec *s, int64_t created_ms)
{
	struct layout l;
	struct window *w;
	char *base;

	if (!window_spec_ok(s) || !time_ok(created_ms))
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
	window_set_clock(w, s, created_ms);
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

/* --- memory -------------------------------------------------------------- */

size_t
window_mem_bytes(const struct window_spec *s)
{
	struct layout l;
	size_t n1;

	if (!window_spec_ok(s))
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
