/*
 * window - one aggregate over a sliding window of event time.
 *
 * A window is a ring of cells, each covering a fixed span of event time,
 * with running totals over the live cells. Time only comes in as
 * arguments (event time on add, the engine's clock on advance/value):
 * nothing here reads a clock.
 *
 * The span covered at time now is (now - window, now] to the second: times
 * are taken in whole seconds (floor(t / 1000)), so an event at t is in the
 * window from t to t + window - 1 s and out at t + window. That holds for
 * windows up to 1 h (1 s buckets). Coarser cells (longer windows, and the
 * quantile and distinct slices) only keep the whole cells that fit inside
 * the window: an event is never counted after t + window, but may leave
 * up to one cell width - 1 s before (see window.c for the cell widths).
 *
 * The window does not keep its spec: every call takes the spec it was
 * created with (window_spec_init output, one per rule).
 */
#ifndef RULES_WINDOW_H
#define RULES_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum agg_kind {
	AGG_COUNT,
	AGG_RATE,
	AGG_SUM,
	AGG_AVG,
	AGG_MIN,
	AGG_MAX,
	AGG_QUANTILE,
	AGG_RATIO,
	AGG_DISTINCT,
	AGG_ABSENT,
};

#define WINDOW_MS_MIN      1000LL                /* 1 s */
#define WINDOW_MS_MAX      (31LL * 86400 * 1000) /* 31 d */
#define WINDOW_BUCKETS_MAX 3600u                 /* 1 s buckets up to 1 h */
#define WINDOW_SLICES_MAX  60u /* quantile / distinct slices */
/* Times accepted by window_add / window_advance / window_new. */
#define WINDOW_TIME_MAX (INT64_C(1) << 60)

struct window_spec {
	enum agg_kind kind;
	double q; /* AGG_QUANTILE: 0 < q < 1; 0 for the other kinds */
	int64_t window_ms;
	/*
	 * Derived by window_spec_init. Exactly one pair is used: slices for
	 * AGG_QUANTILE and AGG_DISTINCT, buckets for the others; the unused
	 * pair is 0.
	 */
	int64_t bucket_ms;
	uint32_t nbuckets;
	int64_t slice_ms;
	uint32_t nslices;
};

/*
 * Fill s for kind, q (AGG_QUANTILE only, else ignored) and window_ms.
 * 0, or -1 when the window is shorter than 1 s, longer than 31 d, not a
 * whole number of seconds, kind is unknown, or q is not in (0, 1).
 */
int window_spec_init(
    struct window_spec *s, enum agg_kind kind, double q, int64_t window_ms);

/*
 * A new, empty window whose clock starts at created_ms (absent() counts
 * from there). NULL when out of memory, s is not a window_spec_init
 * result, or created_ms is outside +-WINDOW_TIME_MAX.
 */
struct window *window_new(const struct window_spec *s, int64_t created_ms);
void window_free(struct window *w); /* NULL-safe */

/*
 * One event at t_ms: v = the field value (sum/avg/min/max/quantile), hit =
 * it also matched ratio(FILTER), h = 64-bit hash of the field text
 * (distinct). An event newer than the window's clock advances it to t_ms;
 * an older one still inside the window goes into its own cell. Returns
 * false, counting nothing, when t_ms is older than the window's left edge,
 * outside +-WINDOW_TIME_MAX, v is not finite for a kind that reads it, or
 * the cell is full (UINT32_MAX events) or cannot grow (out of memory).
 * O(1); no allocation except while a quantile or distinct slice first grows
 * to the range of its data.
 */
bool window_add(struct window *w, const struct window_spec *s, int64_t t_ms,
    double v, bool hit, uint64_t h);
/*
 * window_add of n events at times t[0..n) with values v[i] (h[i] for
 * distinct, hit[i] for ratio), in that order: the same result as n calls
 * in one. taken[i]: window_add's answer for event i. The kinds without a
 * value (count, rate, absent, ratio) take a loop of their own.
 */
void window_add_many(struct window *w, const struct window_spec *s,
    const int64_t *t, const double *v, const bool *hit, const uint64_t *h,
    size_t n, bool *taken);
/* Move the clock to now_ms; an older now_ms is ignored. */
void window_advance(
    struct window *w, const struct window_spec *s, int64_t now_ms);
/*
 * The aggregate over (now_ms - window_ms, now_ms], after advancing to now_ms
 * (a now_ms older than the clock reads the window at the clock); *count =
 * events in it (NULL: not wanted). NAN when undefined (avg, min, max,
 * quantile, ratio with no events); sum, count, rate and distinct of nothing
 * are 0. rate = count / window seconds. distinct is rounded and at most
 * count. absent: 1.0 when no event in the last whole window and the window
 * has existed for a whole window (created_ms <= now - window_ms), else 0.0.
 * O(1) amortised for every kind (see window.c).
 */
double window_value(struct window *w, const struct window_spec *s,
    int64_t now_ms, uint64_t *count);
/* The events in the window at now_ms, advancing it as window_value does,
 * without computing the value (O(1)). */
uint64_t window_count(
    struct window *w, const struct window_spec *s, int64_t now_ms);
/*
 * True when no event the window holds is still inside it at now_ms (or the
 * clock, if later): the engine may evict it. For AGG_ABSENT an empty
 * window is the alerting state; evicting it forgets created_ms.
 */
bool window_is_empty(
    const struct window *w, const struct window_spec *s, int64_t now_ms);

/*
 * Binary snapshot, little-endian, versioned: a header naming the spec, the
 * live cells, then a 64-bit checksum (window_hash) of all of it. Format in
 * window_snap.c. window_save: 0, or -1 on a write error. window_load: the
 * window, or NULL when the data is short, damaged, of another version,
 * or of another spec. It reads at most the header, the payload size that
 * s allows and the checksum, and allocates no more than that.
 */
int window_save(const struct window *w, const struct window_spec *s, FILE *f);
struct window *window_load(const struct window_spec *s, FILE *f);

/* Most heap bytes a window of spec s can hold, whatever its input. */
size_t window_mem_bytes(const struct window_spec *s);
/* Heap bytes w holds now (<= window_mem_bytes(s)). */
size_t window_mem_used(const struct window *w, const struct window_spec *s);

/*
 * A fast 64-bit hash of p[0..len) (wyhash-style multiply-mix, read
 * little-endian, so equal on every host), for distinct() and group keys.
 * Not for adversarial hash tables: there is no secret seed.
 */
uint64_t window_hash(const char *p, size_t len);

#endif /* RULES_WINDOW_H */
