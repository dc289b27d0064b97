/*
 * distinct - HyperLogLog for distinct(f).
 *
 * What: the cardinality state behind distinct(f) (README.md,
 * "Configuration"): how many different values of a field a
 * window saw, with bounded memory whatever the traffic.
 *
 * Why this design: HyperLogLog (Flajolet et al. 2007) is the smallest
 * state that merges exactly (register-wise max), which is what window.c
 * needs to union its slices. The estimate is Ertl's improved raw
 * estimator ("New cardinality estimation algorithms for HyperLogLog
 * sketches", 2017, algorithm 6): one formula for the whole range, no
 * empirical bias tables as in HLL++, and exact-ish for small counts
 * because it degrades into linear counting.
 *
 * Hash use: index = the top DISTINCT_P bits; rank = 1 + the number of
 * leading zeros of the other DISTINCT_Q bits (DISTINCT_Q + 1 when all are
 * zero), so a register holds 0 .. 53.
 *
 * Representation: while at most DISTINCT_SPARSE_SLOTS / 2 (256) registers
 * are set, a linear-probing table of uint32 entries (index + 1) << 8 |
 * rank, slot = index mod capacity (the index is already uniform); past
 * that, the dense 4096-byte array. Memory: <= 2 KiB sparse, 4 KiB dense.
 * A sketch that went dense stays dense across distinct_reset, so reuse
 * does not allocate.
 *
 * Error: relative standard error 1.04 / sqrt(4096) = 1.6%
 * (DISTINCT_RSE), three sigma 4.9%; test_distinct measures 10, 1000 and
 * 100000 values against that.
 *
 * Not handled: no sparse precision boost (HLL++ uses a finer index while
 * sparse): small sets are already near exact with this estimator.
 */
#include "rules/distinct.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/compat.h"

#define SP_MIN 16u /* first sparse table size */

/* 16 bytes as one GCC/clang vector: the dense merge runs 16 registers at
 * a time on any target (SSE2, NEON, or scalar code the compiler makes). */
typedef uint8_t v16u __attribute__((vector_size(16)));

static bool
v16u_any(v16u v)
{
	uint64_t w[2];

	memcpy(w, &v, sizeof(w));
	return (w[0] | w[1]) != 0;
}

void
distinct_init(struct distinct *d)
{
	memset(d, 0, sizeof(*d));
}

void
distinct_release(struct distinct *d)
{
	if (d == NULL)
		return;
	free(d->reg);
	free(d->sp);
	distinct_init(d);
}

void
distinct_reset(struct distinct *d)
{
	if (d->reg != NULL)
		memset(d->reg, 0, DISTINCT_M);
	if (d->sp != NULL)
		memset(d->sp, 0, d->sp_cap * sizeof(*d->sp));
	d->sp_len = 0;
	memset(d->hist, 0, sizeof(d->hist));
	d->nset = 0;
	d->stale = false;
}

/* Account a register going from old to rank in the histogram. */
static void
hist_move(struct distinct *d, uint8_t old, uint8_t rank)
{
	if (old == 0)
		d->nset++;
	else
		d->hist[old]--;
	d->hist[rank]++;
}

static inline uint32_t
ent_idx(uint32_t e)
{
	return (e >> 8) - 1;
}

static inline uint8_t
ent_rank(uint32_t e)
{
	return (uint8_t)(e & 0xff);
}

/* The slot of idx in the sparse table, or the free slot it would take. */
static uint32_t *
sp_slot(uint32_t *t, uint32_t cap, uint32_t idx)
{
	uint32_t mask = cap - 1, i = idx & mask;

	while (t[i] != 0 && ent_idx(t[i]) != idx)
		i = (i + 1) & mask;
	return &t[i];
}

/* Rehash the sparse table into cap slots. */
static int
sp_grow(struct distinct *d, uint32_t cap)
{
	uint32_t *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -1;
	for (uint32_t i = 0; i < d->sp_cap; i++) {
		if (d->sp[i] != 0)
			*sp_slot(t, cap, ent_idx(d->sp[i])) = d->sp[i];
	}
	free(d->sp);
	d->sp = t;
	d->sp_cap = cap;
	return 0;
}

static int
to_dense(struct distinct *d)
{
	uint8_t *r = calloc(DISTINCT_M, 1);

	if (r == NULL)
		return -1;
	for (uint32_t i = 0; i < d->sp_cap; i++) {
		if (d->sp[i] != 0)
			r[ent_idx(d->sp[i])] = ent_rank(d->sp[i]);
	}
	free(d->sp);
	d->sp = NULL;
	d->sp_cap = d->sp_len = 0;
	d->reg = r;
	return 0;
}

/* Make room for n more set registers; d's contents unchanged. */
static int
make_room(struct distinct *d, uint32_t n)
{
	uint32_t need, cap;

	if (d->reg != NULL || n == 0)
		return 0;
	need = d->sp_len + n;
	if (need > DISTINCT_SPARSE_SLOTS / 2)
		return to_dense(d);
	if (need <= d->sp_cap / 2)
		return 0;
	cap = d->sp_cap ? d->sp_cap : SP_MIN;
	while (need > cap / 2)
		cap *= 2;
	return sp_grow(d, cap);
}

/* Recount the histogram of a dense sketch after bulk merges. */
static void
hist_recount(struct distinct *d)
{
	memset(d->hist, 0, sizeof(d->hist));
	d->nset = 0;
	d->stale = false;
	for (uint32_t i = 0; i < DISTINCT_M; i++) {
		if (d->reg[i] != 0)
			hist_move(d, 0, d->reg[i]);
	}
}

/* Raise register idx to rank: 1 raised, 0 not, -1 no room. */
static int
raise_reg(struct distinct *d, uint32_t idx, uint8_t rank)
{
	uint32_t *e;

	if (d->reg != NULL) {
		if (d->reg[idx] >= rank)
			return 0;
		if (d->stale)
			hist_recount(d);
		hist_move(d, d->reg[idx], rank);
		d->reg[idx] = rank;
		return 1;
	}
	if (d->sp_cap > 0) {
		e = sp_slot(d->sp, d->sp_cap, idx);
		if (*e != 0) {
			if (ent_rank(*e) >= rank)
				return 0;
			hist_move(d, ent_rank(*e), rank);
			*e = (idx + 1) << 8 | rank;
			return 1;
		}
	}
	if (make_room(d, 1) < 0)
		return -1;
	hist_move(d, 0, rank);
	if (d->reg != NULL) {
		d->reg[idx] = rank;
		return 1;
	}
	*sp_slot(d->sp, d->sp_cap, idx) = (idx + 1) << 8 | rank;
	d->sp_len++;
	return 1;
}

int
distinct_add(struct distinct *d, uint64_t h)
{
	uint32_t idx = (uint32_t)(h >> DISTINCT_Q);
	uint64_t w = h << DISTINCT_P;
	uint8_t rank =
	    w == 0 ? DISTINCT_Q + 1 : (uint8_t)(__builtin_clzll(w) + 1);

	return raise_reg(d, idx, rank);
}

int
distinct_merge(struct distinct *dst, const struct distinct *src)
{
	int changed = 0;

	/* Room first, so that the merge itself cannot fail half-way. */
	if (make_room(dst, src->nset) < 0)
		return -1;
	if (src->reg != NULL && dst->reg == NULL && to_dense(dst) < 0)
		return -1;
	if (src->reg != NULL) {
		/* Dense into dense (make_room made dst dense): a plain
		 * byte-wise max that the compiler vectorizes, then one
		 * recount. Window rebuilds merge up to 60 slices at a time,
		 * so this loop is their whole cost. */
		uint8_t *a = dst->reg;
		const uint8_t *b = src->reg;
		v16u diff = { 0 };

		for (uint32_t i = 0; i < DISTINCT_M; i += sizeof(v16u)) {
			v16u x, y, m;
			memcpy(&x, a + i, sizeof(x));
			memcpy(&y, b + i, sizeof(y));
			m = (v16u)(y > x);
			m = (x & ~m) | (y & m);
			diff |= m ^ x;
			memcpy(a + i, &m, sizeof(m));
		}
		/* The histogram is recounted once, when next needed, not
		 * after each of the merges of a rebuild. */
		if (v16u_any(diff)) {
			dst->stale = true;
			changed = 1;
		}
		return changed;
	}
	for (uint32_t i = 0; i < src->sp_cap; i++) {
		uint32_t e = src->sp[i];

		if (e != 0 && raise_reg(dst, ent_idx(e), ent_rank(e)) > 0)
			changed = 1;
	}
	return changed;
}

/* Ertl's sigma and tau (iterations until the sum stops changing). */
static double
ertl_sigma(double x)
{
	double y = 1.0, z = x, zp;

	if (x == 1.0)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

static double
ertl_tau(double x)
{
	double y = 1.0, z = 1.0 - x, zp;

	if (x == 0.0 || x == 1.0)
		return 0.0;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (z != zp);
	return z / 3.0;
}

double
distinct_estimate(const struct distinct *d)
{
	uint32_t recount[DISTINCT_Q + 2], nset = d->nset;
	const uint32_t *c = d->hist;
	const double m = DISTINCT_M;
	double z;

	if (d->stale) {
		memset(recount, 0, sizeof(recount));
		for (uint32_t i = 0; i < DISTINCT_M; i++)
			recount[d->reg[i]]++;
		nset = DISTINCT_M - recount[0];
		c = recount;
	}
	if (nset == 0)
		return 0.0;
	z = m * ertl_tau((m - c[DISTINCT_Q + 1]) / m);
	for (int k = DISTINCT_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * ertl_sigma((DISTINCT_M - nset) / m);
	return m * m / (2.0 * M_LN2) / z;
}

size_t
distinct_mem_bytes(const struct distinct *d)
{
	return (d->reg != NULL ? DISTINCT_M : 0) +
	    (size_t)d->sp_cap * sizeof(*d->sp);
}

/* --- binary form --------------------------------------------------------- */

int
distinct_save(const struct distinct *d, FILE *f)
{
	unsigned char b[5];

	if (d->reg != NULL) {
		if (fputc(1, f) == EOF)
			return -1;
		return fwrite(d->reg, 1, DISTINCT_M, f) == DISTINCT_M ? 0 : -1;
	}
	b[0] = 0;
	for (int i = 0; i < 4; i++)
		b[1 + i] = (unsigned char)(d->sp_len >> (8 * i));
	if (fwrite(b, 1, 5, f) != 5)
		return -1;
	for (uint32_t i = 0; i < d->sp_cap; i++) {
		uint32_t e = d->sp[i], idx = ent_idx(e);

		if (e == 0)
			continue;
		b[0] = (unsigned char)idx;
		b[1] = (unsigned char)(idx >> 8);
		b[2] = ent_rank(e);
		if (fwrite(b, 1, 3, f) != 3)
			return -1;
	}
	return 0;
}

static int
load_dense(struct distinct *d, FILE *f)
{
	if (d->reg == NULL && (d->reg = calloc(DISTINCT_M, 1)) == NULL)
		return -1;
	free(d->sp);
	d->sp = NULL;
	d->sp_cap = d->sp_len = 0;
	if (fread(d->reg, 1, DISTINCT_M, f) != DISTINCT_M)
		return -1;
	for (uint32_t i = 0; i < DISTINCT_M; i++) {
		if (d->reg[i] > DISTINCT_Q + 1)
			return -1;
		if (d->reg[i] != 0)
			hist_move(d, 0, d->reg[i]);
	}
	return 0;
}

static int
load_sparse(struct distinct *d, FILE *f)
{
	unsigned char b[4];
	uint32_t n = 0;

	if (fread(b, 1, 4, f) != 4)
		return -1;
	for (int i = 0; i < 4; i++)
		n |= (uint32_t)b[i] << (8 * i);
	if (n > DISTINCT_SPARSE_SLOTS / 2 || make_room(d, n) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t idx;

		if (fread(b, 1, 3, f) != 3)
			return -1;
		idx = b[0] | (uint32_t)b[1] << 8;
		if (idx >= DISTINCT_M || b[2] == 0 || b[2] > DISTINCT_Q + 1 ||
		    raise_reg(d, idx, b[2]) < 0)
			return -1;
	}
	return 0;
}

int
distinct_load(struct distinct *d, FILE *f)
{
	int mode, rc;

	distinct_reset(d);
	mode = fgetc(f);
	if (mode == 1)
		rc = load_dense(d, f);
	else if (mode == 0)
		rc = load_sparse(d, f);
	else
		rc = -1;
	if (rc < 0)
		distinct_reset(d);
	return rc;
}
