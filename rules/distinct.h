/*
 * distinct - a HyperLogLog cardinality sketch: how many different 64-bit
 * hashes were added, in bounded memory, mergeable.
 *
 * DISTINCT_M = 4096 registers of 6 bits' worth (one byte each); the
 * estimate (Ertl's improved estimator, no bias tables) has a relative
 * standard error of DISTINCT_RSE = 1.04 / sqrt(4096) = 1.6% over the whole
 * range, and is close to exact for small counts (tens): 99.7% of estimates
 * fall within 3 DISTINCT_RSE = 4.9%. Small sets are kept sparse (a hash
 * table of set registers, at most DISTINCT_SPARSE_SLOTS slots), and switch
 * to the dense array when that fills: never more than DISTINCT_MEM_MAX heap
 * bytes per sketch.
 *
 * Callers hash the value themselves (window_hash); the hash must be well
 * mixed in all 64 bits.
 */
#ifndef RULES_DISTINCT_H
#define RULES_DISTINCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* m = 2^p registers; register values 0 .. q + 1 (q = rank bits). */
#define DISTINCT_P 12
#define DISTINCT_M (1u << DISTINCT_P)
#define DISTINCT_Q (64 - DISTINCT_P)
/* Relative standard error of the estimate: 1.04 / sqrt(m). */
#define DISTINCT_RSE 0.01625
/* Slots of the largest sparse table (half of them usable). */
#define DISTINCT_SPARSE_SLOTS 512u
/* Most heap bytes one sketch holds (dense). */
#define DISTINCT_MEM_MAX ((size_t)DISTINCT_M)
/* Most bytes distinct_save writes. */
#define DISTINCT_SAVE_MAX (5 + (size_t)DISTINCT_M)

/* Embeddable; zero-filled (or distinct_init) is a valid empty sketch. */
struct distinct {
	uint8_t *reg;    /* dense: DISTINCT_M registers, or NULL */
	uint32_t *sp;    /* sparse: (index + 1) << 8 | rank, 0 = free */
	uint32_t sp_cap; /* slots: 0 or a power of two */
	uint32_t sp_len; /* used slots (set registers) */
	/* Registers per rank (1 .. q + 1) and registers set, kept up to
	 * date by every raise, so an estimate costs O(q), not O(m). */
	uint32_t hist[DISTINCT_Q + 2];
	uint32_t nset;
	bool stale; /* hist not yet recounted after a bulk dense merge */
};

void distinct_init(struct distinct *d);
/* Free; d is empty (and reusable) afterwards. NULL-safe. */
void distinct_release(struct distinct *d);
/* Empty d, keeping its allocation for reuse. */
void distinct_reset(struct distinct *d);

/*
 * Add one hash: 1 when a register went up (the estimate may have changed),
 * 0 when not, -1 when the sparse table could not grow (d unchanged).
 */
int distinct_add(struct distinct *d, uint64_t h);
/*
 * dst = union(dst, src), register by register (exact: the union sketch is
 * the sketch of the union). 1 when a register of dst went up, 0 when
 * not, -1 when dst could not grow (dst unchanged).
 */
int distinct_merge(struct distinct *dst, const struct distinct *src);
/* Estimated number of different hashes added; 0 when empty. */
double distinct_estimate(const struct distinct *d);
/* Heap bytes held, at most DISTINCT_MEM_MAX. */
size_t distinct_mem_bytes(const struct distinct *d);

/*
 * Binary form (little-endian, no header: the caller versions its file):
 * u8 0 = sparse: n u32, n x (index u16, rank u8); u8 1 = dense:
 * DISTINCT_M register bytes. distinct_load: d must be empty (as after
 * distinct_init or distinct_reset); 0, or -1 on a short read or an
 * out-of-range index, rank or count, leaving d empty.
 */
int distinct_save(const struct distinct *d, FILE *f);
int distinct_load(struct distinct *d, FILE *f);

#endif /* RULES_DISTINCT_H */
