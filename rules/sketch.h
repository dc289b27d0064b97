/*
 * sketch - a mergeable quantile sketch with relative error (DDSketch-like).
 *
 * A value v > 0 falls into bin i = ceil(log_gamma(v)), gamma = (1 + a) /
 * (1 - a), a = SKETCH_ALPHA; the bin is reported as 2 gamma^i / (gamma + 1),
 * which is within a (1%) of every value of the bin. Negative values use a
 * mirror store on |v|; |v| < SKETCH_MIN is counted as zero. Bins are plain
 * counts, so two sketches merge (and a merged part subtracts again)
 * exactly, bin by bin: a union of sketches answers as one sketch of all
 * the values would.
 *
 * Bounds: the bin index is clamped to [SKETCH_IDX_MIN, SKETCH_IDX_MAX]
 * (SKETCH_BINS bins per sign), so a sketch never holds more than
 * SKETCH_MEM_MAX heap bytes whatever it is fed. Stores hold only the range
 * of bins seen (grown on demand, kept on reset).
 *
 * Quantiles are nearest-rank: q of n values is the value of rank
 * max(1, ceil(q * n)) in ascending order. For values with SKETCH_MIN <=
 * |v| <= SKETCH_MAX the answer is within SKETCH_ALPHA (relative) of it;
 * a value above SKETCH_MAX reads as about SKETCH_MAX, one below
 * SKETCH_MIN as 0.
 */
#ifndef RULES_SKETCH_H
#define RULES_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SKETCH_ALPHA 0.01 /* relative accuracy */
/* ln(gamma) and its inverse for SKETCH_ALPHA (test_sketch checks them). */
#define SKETCH_LN_GAMMA     0.020000666706669435
#define SKETCH_INV_LN_GAMMA 49.99833328888678
#define SKETCH_MIN          1e-9 /* |v| below: counted as 0 */
#define SKETCH_MAX          1e15 /* |v| above: counted in the top bin */
/* ceil(log_gamma(SKETCH_MIN)) and ceil(log_gamma(SKETCH_MAX)). */
#define SKETCH_IDX_MIN (-1036)
#define SKETCH_IDX_MAX 1727
#define SKETCH_BINS    (SKETCH_IDX_MAX - SKETCH_IDX_MIN + 1) /* 2764 per sign */
/* Most heap bytes one sketch holds (both signs at full range). */
#define SKETCH_MEM_MAX (2 * SKETCH_BINS * sizeof(uint32_t))
/* Most bytes sketch_save writes. */
#define SKETCH_SAVE_MAX (8 + 2 * (8 + 4 * (size_t)SKETCH_BINS))

/* A dense run of bins: bins[i] counts index off + i, i < len <= cap. */
struct sketch_store {
	int32_t off;
	uint32_t len;
	uint32_t cap; /* allocated; bins[len..cap) are zero */
	uint32_t *bins;
};

/* Embeddable; zero-filled (or sketch_init) is a valid empty sketch. */
struct sketch {
	struct sketch_store pos; /* v >= SKETCH_MIN */
	struct sketch_store neg; /* v <= -SKETCH_MIN, by |v| */
	uint64_t npos, nneg, zero;
};

void sketch_init(struct sketch *s);
/* Free the bins; s is empty (and reusable) afterwards. NULL-safe. */
void sketch_release(struct sketch *s);
/* Empty s, keeping its allocation for reuse. */
void sketch_reset(struct sketch *s);

/*
 * The bin of a finite v as one signed key: 0 for |v| < SKETCH_MIN, else
 * +-(index - SKETCH_IDX_MIN + 1) with the sign of v. Computing the key once
 * lets a caller add one value to several sketches for one logarithm.
 */
int32_t sketch_key(double v);
/* The value a key reads as (0 for key 0). */
double sketch_key_value(int32_t key);

/*
 * Make room for key in s (a range grown, never a count changed); 0, or -1
 * when the bins cannot be allocated (s unchanged).
 */
int sketch_reserve(struct sketch *s, int32_t key);
/*
 * Count one value of bin key. 0; -1 when the bins cannot be allocated or
 * the bin already holds UINT32_MAX values: s is unchanged. Never fails
 * after a successful sketch_reserve(s, key) unless the bin is full.
 */
int sketch_add_key(struct sketch *s, int32_t key);
/*
 * sketch_add_key on part and on all at once, where all covers part (each
 * bin of all at least part's): a window's slice and their union. 0; -1
 * when either cannot take it, their counts then unchanged.
 */
int sketch_add_key2(struct sketch *part, struct sketch *all, int32_t key);
/* sketch_add_key(s, sketch_key(v)); -1 also for a v that is not finite. */
int sketch_add(struct sketch *s, double v);

/*
 * dst += src, bin by bin. 0; -1 when dst cannot grow or a bin would pass
 * UINT32_MAX: dst is then unchanged.
 */
int sketch_merge(struct sketch *dst, const struct sketch *src);
/*
 * dst -= src, for a src that was merged (or added value by value) into
 * dst before: exact. Bins that would go below zero stop at zero (a broken
 * contract, never a wrap). Empty bins at the ends of dst are trimmed.
 */
void sketch_sub(struct sketch *dst, const struct sketch *src);

uint64_t sketch_count(const struct sketch *s);
/* Nearest-rank q-quantile (see top); NAN when empty or q not in [0, 1]. */
double sketch_quantile(const struct sketch *s, double q);
/*
 * A remembered rank position for repeated quantile reads of one sketch
 * that changes by single adds between reads (a window's union): key is a
 * bin, below the number of values in lower bins. A read moves it from the
 * last answer to the new one, usually by a bin or none, instead of walking
 * the store from an end. Zero-filled (or sketch_cursor_reset) is "unknown":
 * the next read walks once. After sketch_add_key(s, key) succeeds, call
 * sketch_cursor_add(c, key); after any other change to s (merge, sub,
 * reset, load) call sketch_cursor_reset(c).
 */
struct sketch_cursor {
	int32_t key;
	bool ok;
	bool value_ok; /* value is sketch_key_value(key) */
	uint64_t below;
	double value;
};

void sketch_cursor_reset(struct sketch_cursor *c);
void sketch_cursor_add(struct sketch_cursor *c, int32_t key);
/* sketch_quantile(s, q), bit for bit, moving c to the answer's bin. */
double sketch_quantile_at(
    const struct sketch *s, double q, struct sketch_cursor *c);

/* Heap bytes held (bins), at most SKETCH_MEM_MAX. */
size_t sketch_mem_bytes(const struct sketch *s);

/*
 * Binary form (little-endian, no header: the caller versions its file):
 * zero u64, then pos and neg as off i32, len u32, len x u32 bins.
 * sketch_save: 0 or -1 (write error). sketch_load: s must be empty (as
 * after sketch_init or sketch_reset); 0, or -1 on a short read or
 * a range outside the index bounds, leaving s empty. Never allocates
 * more than SKETCH_MEM_MAX.
 */
int sketch_save(const struct sketch *s, FILE *f);
int sketch_load(struct sketch *s, FILE *f);

#endif /* RULES_SKETCH_H */
