/*
 * sketch - mergeable quantile sketch with 1% relative error.
 *
 * What: the quantile state behind p50(f) ... p999(f) (README.md,
 * "Configuration": "within 1%"), in bounded memory.
 *
 * Why this design: a log-bucketed histogram (DDSketch, Masson, Rim and
 * Lee, VLDB 2019) has a relative error bound that holds for every
 * quantile and every input, and its state is plain counts, so slices of a
 * window merge into one sketch and an expiring slice subtracts out
 * exactly (window.c keeps a running union of its slices that way). The
 * alternatives do not subtract (t-digest, KLL) or are only right on
 * average.
 *
 * Mapping: bin i holds (gamma^(i-1), gamma^i]; gamma = (1 + a) / (1 - a),
 * a = 0.01, i.e. about 115 bins per decade; the bin reads as
 * (1 - a) gamma^i, within a of both of its ends. The index is clamped to
 * [SKETCH_IDX_MIN, SKETCH_IDX_MAX] = bins for 1e-9 .. 1e15, so:
 *   - |v| < 1e-9 (and 0, -0) counts in a separate zero count, reads as 0;
 *   - |v| > 1e15 counts in the top bin, reads as ~1e15 (a p99 of bytes or
 *     seconds never gets there);
 *   - v < 0 goes to a mirror store on |v| (an app's -502 "status");
 *   - NaN and infinities are refused (sketch_add returns -1).
 * Per sketch at most SKETCH_BINS (2764) bins per sign, 4 bytes each:
 * SKETCH_MEM_MAX = 22112 heap bytes, whatever the input and its rate.
 *
 * Reads: sketch_quantile walks the bins from the nearer end, O(bins).
 * A window reads its union after every add, so sketch_quantile_at keeps
 * a cursor (a bin and the count below it) that an add shifts by at most
 * one value: the next read moves it a bin or two, O(1) for a steady
 * stream, and answers the same bin, bit for bit (keys are ordered like
 * values, so the bin of rank r is unique whichever way it is found).
 *
 * Invariants: a store's bins cover [off, off + len); bins[len..cap) are
 * zero; npos and nneg are the sums of the stores' bins.
 *
 * Not handled: a bin holds at most UINT32_MAX values (an add past that is
 * refused, not wrapped); there is no collapsing of low bins (the fixed
 * index range makes it unnecessary and keeps subtraction exact).
 */
#include "rules/sketch.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/compat.h"

#define SKETCH_GROW 64 /* capacity step, in bins */

void
sketch_init(struct sketch *s)
{
	memset(s, 0, sizeof(*s));
}

void
sketch_release(struct sketch *s)
{
	if (s == NULL)
		return;
	free(s->pos.bins);
	free(s->neg.bins);
	sketch_init(s);
}

static void
store_reset(struct sketch_store *st)
{
	if (st->len > 0)
		memset(st->bins, 0, st->len * sizeof(st->bins[0]));
	st->len = 0;
	st->off = 0;
}

void
sketch_reset(struct sketch *s)
{
	store_reset(&s->pos);
	store_reset(&s->neg);
	s->npos = s->nneg = s->zero = 0;
}

/*
 * A memo of sketch_key, direct-mapped by the value's bits, one per thread
 * (an engine belongs to one thread): the log() costs more than the rest
 * of a quantile add, and the values of one field repeat (request times
 * have three decimals). A hit returns what the log would: the key of the
 * very same double.
 */
#define KEY_MEMO 1024 /* entries, a power of two: 16 KiB per thread */
static _Thread_local struct {
	uint64_t bits;
	int32_t key;
	bool ok;
} key_memo[KEY_MEMO];

static int32_t
key_of(double v)
{
	double a = fabs(v), l;
	int32_t idx;

	if (!(a >= SKETCH_MIN))
		return 0;
	l = ceil(log(a) * SKETCH_INV_LN_GAMMA);
	if (l <= SKETCH_IDX_MIN)
		idx = SKETCH_IDX_MIN;
	else if (l >= SKETCH_IDX_MAX)
		idx = SKETCH_IDX_MAX;
	else
		idx = (int32_t)l;
	idx = idx - SKETCH_IDX_MIN + 1;
	return v < 0 ? -idx : idx;
}

int32_t
sketch_key(double v)
{
	uint64_t bits;
	uint32_t h;

	memcpy(&bits, &v, sizeof(bits));
	h = (uint32_t)((bits * UINT64_C(0x9e3779b97f4a7c15)) >> 54);
	if (!key_memo[h].ok || key_memo[h].bits != bits) {
		key_memo[h].bits = bits;
		key_memo[h].key = key_of(v);
		key_memo[h].ok = true;
	}
	return key_memo[h].key;
}

static double
idx_value(int32_t idx)
{
	return (1.0 - SKETCH_ALPHA) * exp(idx * SKETCH_LN_GAMMA);
}

double
sketch_key_value(int32_t key)
{
	if (key == 0)
		return 0.0;
	if (key < 0)
		return -idx_value(-key + SKETCH_IDX_MIN - 1);
	return idx_value(key + SKETCH_IDX_MIN - 1);
}

/* The highest index st covers (meaningless when st->len is 0). */
static int32_t
store_top(const struct sketch_store *st)
{
	return st->off + (int32_t)st->len - 1;
}

/* Grow st to cover indices [lo, hi] (within the clamp range). */
static int
store_reserve(struct sketch_store *st, int32_t lo, int32_t hi)
{
	uint32_t need, shift;

	if (st->len > 0) {
		if (lo > st->off)
			lo = st->off;
		if (hi < st->off + (int32_t)st->len - 1)
			hi = st->off + (int32_t)st->len - 1;
	}
	need = (uint32_t)(hi - lo) + 1;
	if (need > st->cap) {
		uint32_t cap =
		    (need + SKETCH_GROW - 1) / SKETCH_GROW * SKETCH_GROW;
		uint32_t *b;

		if (cap > SKETCH_BINS)
			cap = SKETCH_BINS;
		b = realloc(st->bins, cap * sizeof(*b));
		if (b == NULL)
			return -1;
		memset(b + st->cap, 0, (cap - st->cap) * sizeof(*b));
		st->bins = b;
		st->cap = cap;
	}
	if (st->len == 0) {
		st->off = lo;
		st->len = need;
		return 0;
	}
	if (lo < st->off) {
		/* Slide the bins up; [len, cap) was zero, so only the
		 * vacated head needs clearing. */
		shift = (uint32_t)(st->off - lo);
		memmove(
		    st->bins + shift, st->bins, st->len * sizeof(*st->bins));
		memset(st->bins, 0, shift * sizeof(*st->bins));
		st->off = lo;
		st->len += shift;
	}
	if (need > st->len)
		st->len = need;
	return 0;
}

/* Drop empty bins at both ends, keeping bins[len..cap) zero. */
static void
store_trim(struct sketch_store *st)
{
	uint32_t z = 0;

	while (st->len > 0 && st->bins[st->len - 1] == 0)
		st->len--;
	while (z < st->len && st->bins[z] == 0)
		z++;
	if (z > 0 && z < st->len) {
		memmove(
		    st->bins, st->bins + z, (st->len - z) * sizeof(*st->bins));
		memset(st->bins + st->len - z, 0, z * sizeof(*st->bins));
		st->off += (int32_t)z;
		st->len -= z;
	}
	if (st->len == 0)
		st->off = 0;
}

/* The store and index of a non-zero key. */
static struct sketch_store *
key_store(struct sketch *s, int32_t key, int32_t *idx)
{
	if (key > 0) {
		*idx = key + SKETCH_IDX_MIN - 1;
		return &s->pos;
	}
	*idx = -key + SKETCH_IDX_MIN - 1;
	return &s->neg;
}

static bool
key_ok(int32_t key)
{
	return key >= -SKETCH_BINS && key <= SKETCH_BINS;
}

/* Whether st's bins cover idx already. */
static bool
in_range(const struct sketch_store *st, int32_t idx)
{
	return st->len > 0 && idx >= st->off &&
	    idx < st->off + (int32_t)st->len;
}

int
sketch_reserve(struct sketch *s, int32_t key)
{
	struct sketch_store *st;
	int32_t idx;

	if (!key_ok(key))
		return -1;
	if (key == 0)
		return 0;
	st = key_store(s, key, &idx);
	if (in_range(st, idx))
		return 0;
	return store_reserve(st, idx, idx);
}

int
sketch_add_key(struct sketch *s, int32_t key)
{
	struct sketch_store *st;
	uint32_t *b;
	int32_t idx;

	if (!key_ok(key))
		return -1;
	if (key == 0) {
		s->zero++;
		return 0;
	}
	st = key_store(s, key, &idx);
	/* Inside the range already (the usual case): no reserve call. */
	if (!in_range(st, idx) && store_reserve(st, idx, idx) < 0)
		return -1;
	b = &st->bins[idx - st->off];
	if (*b == UINT32_MAX)
		return -1;
	(*b)++;
	if (key > 0)
		s->npos++;
	else
		s->nneg++;
	return 0;
}

int
sketch_add_key2(struct sketch *part, struct sketch *all, int32_t key)
{
	struct sketch_store *sp, *sa;
	uint32_t *ba;
	int32_t idx;

	if (!key_ok(key))
		return -1;
	if (key == 0) {
		part->zero++;
		all->zero++;
		return 0;
	}
	sp = key_store(part, key, &idx);
	sa = key_store(all, key, &idx);
	/* Room in both first (a range grown changes no count); part's bin
	 * is at most all's, so once all's takes the value part's can. */
	if ((!in_range(sp, idx) && store_reserve(sp, idx, idx) < 0) ||
	    (!in_range(sa, idx) && store_reserve(sa, idx, idx) < 0))
		return -1;
	ba = &sa->bins[idx - sa->off];
	if (*ba == UINT32_MAX)
		return -1;
	(*ba)++;
	sp->bins[idx - sp->off]++;
	if (key > 0) {
		part->npos++;
		all->npos++;
	} else {
		part->nneg++;
		all->nneg++;
	}
	return 0;
}

int
sketch_add(struct sketch *s, double v)
{
	if (!isfinite(v))
		return -1;
	return sketch_add_key(s, sketch_key(v));
}

/* Would dst + src pass UINT32_MAX in some bin? dst covers src. */
static bool
store_would_overflow(
    const struct sketch_store *dst, const struct sketch_store *src)
{
	for (uint32_t i = 0; i < src->len; i++) {
		uint32_t d = dst->bins[src->off - dst->off + (int32_t)i];

		if (src->bins[i] > UINT32_MAX - d)
			return true;
	}
	return false;
}

static void
store_add(struct sketch_store *dst, const struct sketch_store *src)
{
	uint32_t *d = dst->bins + (src->off - dst->off);

	for (uint32_t i = 0; i < src->len; i++)
		d[i] += src->bins[i];
}

int
sketch_merge(struct sketch *dst, const struct sketch *src)
{
	const struct sketch_store *sp = &src->pos, *sn = &src->neg;
	uint64_t total;

	if (__builtin_add_overflow(
		sketch_count(dst), sketch_count(src), &total))
		return -1;
	if (sp->len > 0 &&
	    store_reserve(&dst->pos, sp->off, sp->off + (int32_t)sp->len - 1) <
		0)
		return -1;
	if (sn->len > 0 &&
	    store_reserve(&dst->neg, sn->off, sn->off + (int32_t)sn->len - 1) <
		0)
		return -1;
	if ((sp->len > 0 && store_would_overflow(&dst->pos, sp)) ||
	    (sn->len > 0 && store_would_overflow(&dst->neg, sn)))
		return -1;
	if (sp->len > 0)
		store_add(&dst->pos, sp);
	if (sn->len > 0)
		store_add(&dst->neg, sn);
	dst->npos += src->npos;
	dst->nneg += src->nneg;
	dst->zero += src->zero;
	return 0;
}

/* dst -= src over their common range; returns how much was taken. */
static uint64_t
store_sub(struct sketch_store *dst, const struct sketch_store *src)
{
	uint64_t taken = 0;

	for (uint32_t i = 0; i < src->len; i++) {
		int64_t j = (int64_t)src->off + i - dst->off;
		uint32_t v = src->bins[i];

		if (v == 0 || j < 0 || j >= (int64_t)dst->len)
			continue;
		if (v > dst->bins[j])
			v = dst->bins[j];
		dst->bins[j] -= v;
		taken += v;
	}
	store_trim(dst);
	return taken;
}

void
sketch_sub(struct sketch *dst, const struct sketch *src)
{
	uint64_t z = src->zero < dst->zero ? src->zero : dst->zero;

	dst->zero -= z;
	if (src->npos > 0)
		dst->npos -= store_sub(&dst->pos, &src->pos);
	if (src->nneg > 0)
		dst->nneg -= store_sub(&dst->neg, &src->neg);
}

uint64_t
sketch_count(const struct sketch *s)
{
	return s->npos + s->nneg + s->zero;
}

/*
 * The index holding the r-th smallest index's value (1 <= r <= total),
 * walking from whichever end is nearer: p99 and p999 touch only the top.
 */
static int32_t
store_find(const struct sketch_store *st, uint64_t r, uint64_t total)
{
	uint64_t acc = 0;

	if (r <= total / 2) {
		for (uint32_t i = 0; i < st->len; i++) {
			acc += st->bins[i];
			if (acc >= r)
				return st->off + (int32_t)i;
		}
	} else {
		uint64_t t = total - r + 1;

		for (uint32_t i = st->len; i-- > 0;) {
			acc += st->bins[i];
			if (acc >= t)
				return st->off + (int32_t)i;
		}
	}
	/* Unreachable while npos/nneg match the bins. */
	return st->off + (int32_t)st->len - 1;
}

double
sketch_quantile(const struct sketch *s, double q)
{
	uint64_t n = sketch_count(s), r;
	double rr;

	if (n == 0 || !(q >= 0.0 && q <= 1.0))
		return NAN;
	rr = ceil(q * (double)n);
	r = rr < 1.0 ? 1 : rr >= (double)n ? n : (uint64_t)rr;
	if (r <= s->nneg) {
		/* Ascending values are descending |v|: rank from the top. */
		return -idx_value(
		    store_find(&s->neg, s->nneg - r + 1, s->nneg));
	}
	r -= s->nneg;
	if (r <= s->zero)
		return 0.0;
	r -= s->zero;
	return idx_value(store_find(&s->pos, r, s->npos));
}

/* --- cursor ------------------------------------------------------------- */

/*
 * Keys are ordered like the values they stand for: negative keys (by
 * |v|, the largest |v| most negative), 0, positive keys. A cursor moves
 * along them, skipping the keys outside the stores' ranges (no values).
 */

void
sketch_cursor_reset(struct sketch_cursor *c)
{
	c->key = 0;
	c->ok = false;
	c->value_ok = false;
	c->below = 0;
}

void
sketch_cursor_add(struct sketch_cursor *c, int32_t key)
{
	if (c->ok && key < c->key)
		c->below++;
}

static int32_t
idx_key(int32_t idx, bool neg)
{
	int32_t k = idx - SKETCH_IDX_MIN + 1;

	return neg ? -k : k;
}

/* Values in the bin of key (0 outside the stores' ranges). */
static uint64_t
key_count(const struct sketch *s, int32_t key)
{
	const struct sketch_store *st = key > 0 ? &s->pos : &s->neg;
	int32_t idx = (key > 0 ? key : -key) + SKETCH_IDX_MIN - 1;

	if (key == 0)
		return s->zero;
	if (st->len == 0 || idx < st->off || idx > store_top(st))
		return 0;
	return st->bins[idx - st->off];
}

/* The next key above key that can hold values; false when none. */
static bool
key_next(const struct sketch *s, int32_t key, int32_t *out)
{
	const struct sketch_store *st;
	int32_t idx;

	if (key < 0) {
		st = &s->neg;
		idx = -key + SKETCH_IDX_MIN - 1 - 1; /* |v| one bin smaller */
		if (st->len > 0 && idx >= st->off) {
			*out = idx_key(
			    idx > store_top(st) ? store_top(st) : idx, true);
			return true;
		}
		*out = 0;
		return true;
	}
	st = &s->pos;
	if (st->len == 0)
		return false;
	if (key == 0) {
		*out = idx_key(st->off, false);
		return true;
	}
	idx = key + SKETCH_IDX_MIN - 1 + 1;
	if (idx > store_top(st))
		return false;
	*out = idx_key(idx < st->off ? st->off : idx, false);
	return true;
}

/* The next key below key that can hold values; false when none. */
static bool
key_prev(const struct sketch *s, int32_t key, int32_t *out)
{
	const struct sketch_store *st;
	int32_t idx;

	if (key > 0) {
		st = &s->pos;
		idx = key + SKETCH_IDX_MIN - 1 - 1;
		if (st->len > 0 && idx >= st->off) {
			*out = idx_key(
			    idx > store_top(st) ? store_top(st) : idx, false);
			return true;
		}
		*out = 0;
		return true;
	}
	st = &s->neg;
	if (st->len == 0)
		return false;
	if (key == 0) {
		*out = idx_key(st->off, true);
		return true;
	}
	idx = -key + SKETCH_IDX_MIN - 1 + 1;
	if (idx > store_top(st))
		return false;
	*out = idx_key(idx < st->off ? st->off : idx, true);
	return true;
}

double
sketch_quantile_at(const struct sketch *s, double q, struct sketch_cursor *c)
{
	uint64_t n = sketch_count(s), r, here;
	double rr;
	int32_t k;

	if (n == 0 || !(q >= 0.0 && q <= 1.0))
		return NAN;
	rr = ceil(q * (double)n);
	r = rr < 1.0 ? 1 : rr >= (double)n ? n : (uint64_t)rr;
	if (!c->ok) {
		/* Start at the nearer end (or at 0 when that side is
		 * empty), then walk like store_find. */
		if (r > n / 2 && s->pos.len > 0) {
			c->key = idx_key(store_top(&s->pos), false);
			c->below = n - key_count(s, c->key);
		} else if (r <= n / 2 && s->neg.len > 0) {
			c->key = idx_key(store_top(&s->neg), true);
			c->below = 0;
		} else {
			c->key = 0;
			c->below = s->nneg;
		}
		c->ok = true;
		c->value_ok = false;
	}
	/* Invariant: below = values in keys under c->key. Stop at the key
	 * with below < r <= below + its count: the bin of rank r. */
	for (;;) {
		if (c->below >= r) {
			if (!key_prev(s, c->key, &k) ||
			    (here = key_count(s, k)) > c->below)
				goto lost;
			c->key = k;
			c->below -= here;
			c->value_ok = false;
			continue;
		}
		here = key_count(s, c->key);
		if (c->below + here >= r)
			break;
		if (!key_next(s, c->key, &k))
			goto lost;
		c->below += here;
		c->key = k;
		c->value_ok = false;
	}
	if (!c->value_ok) {
		c->value = sketch_key_value(c->key);
		c->value_ok = true;
	}
	return c->value;
lost:
	/* Counts that do not add up (a broken contract): answer the slow
	 * way and start over next time. */
	sketch_cursor_reset(c);
	return sketch_quantile(s, q);
}

size_t
sketch_mem_bytes(const struct sketch *s)
{
	return ((size_t)s->pos.cap + s->neg.cap) * sizeof(uint32_t);
}

/* --- binary form --------------------------------------------------------- */

static int
put_u32(FILE *f, uint32_t v)
{
	unsigned char b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return fwrite(b, 1, 4, f) == 4 ? 0 : -1;
}

static int
put_u64(FILE *f, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return fwrite(b, 1, 8, f) == 8 ? 0 : -1;
}

static int
get_u32(FILE *f, uint32_t *v)
{
	unsigned char b[4];

	if (fread(b, 1, 4, f) != 4)
		return -1;
	*v = 0;
	for (int i = 0; i < 4; i++)
		*v |= (uint32_t)b[i] << (8 * i);
	return 0;
}

static int
get_u64(FILE *f, uint64_t *v)
{
	unsigned char b[8];

	if (fread(b, 1, 8, f) != 8)
		return -1;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return 0;
}

static int
store_save(const struct sketch_store *st, FILE *f)
{
	if (put_u32(f, (uint32_t)st->off) < 0 || put_u32(f, st->len) < 0)
		return -1;
	for (uint32_t i = 0; i < st->len; i++) {
		if (put_u32(f, st->bins[i]) < 0)
			return -1;
	}
	return 0;
}

int
sketch_save(const struct sketch *s, FILE *f)
{
	if (put_u64(f, s->zero) < 0 || store_save(&s->pos, f) < 0 ||
	    store_save(&s->neg, f) < 0)
		return -1;
	return 0;
}

/* Read one store into an empty st; *sum = its count. */
static int
store_load(struct sketch_store *st, FILE *f, uint64_t *sum)
{
	uint32_t off, len, v;
	int32_t lo;

	*sum = 0;
	if (get_u32(f, &off) < 0 || get_u32(f, &len) < 0)
		return -1;
	if (len == 0)
		return 0;
	lo = (int32_t)off;
	if (len > SKETCH_BINS || lo < SKETCH_IDX_MIN ||
	    (int64_t)lo + len - 1 > SKETCH_IDX_MAX)
		return -1;
	if (store_reserve(st, lo, lo + (int32_t)len - 1) < 0)
		return -1;
	for (uint32_t i = 0; i < len; i++) {
		if (get_u32(f, &v) < 0)
			return -1;
		st->bins[i] = v;
		*sum += v;
	}
	return 0;
}

int
sketch_load(struct sketch *s, FILE *f)
{
	uint64_t zero, np, nn;

	sketch_reset(s);
	if (get_u64(f, &zero) < 0 || store_load(&s->pos, f, &np) < 0 ||
	    store_load(&s->neg, f, &nn) < 0 || zero > UINT64_MAX - np - nn) {
		sketch_reset(s);
		return -1;
	}
	s->zero = zero;
	s->npos = np;
	s->nneg = nn;
	return 0;
}
