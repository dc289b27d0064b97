/*
 * window_snap - window_save and window_load (window.h): a window's live
 * cells in a versioned, checksummed binary snapshot, embedded by the
 * engine's own snapshot (the rest of the window module: window.c, map in
 * window_impl.h).
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
 * Invariants: window_load allocates at most SNAP_HDR + payload_max(s) + 8
 * bytes besides the window, whatever the input; a damaged snapshot yields
 * NULL, never a partly loaded window.
 *
 * Not handled: other versions are refused, not converted.
 */
#include "rules/window.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/window_impl.h"
#include "parsers/compat.h"

#define SNAP_VERSION 1
#define SNAP_HDR     48
#define SNAP_BASE    40 /* fixed part of the payload */

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
	window_set_clock(w, s, (int64_t)now);
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
		window_settle_empty(w, s);
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

	if (!window_spec_ok(s) || fread(h, 1, SNAP_HDR, f) != SNAP_HDR ||
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
