/*
 * test_sketch - the quantile sketch against exact nearest-rank quantiles.
 *
 * Data are generated from a fixed seed (splitmix64), so every run checks
 * the same values; the error bound is checked for every quantile of every
 * data set, and the worst relative error seen is printed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/sketch.h"
#include "tests/unit/testutil.h"
#include "parsers/compat.h"

/* --- generators ---------------------------------------------------------- */

static double
gen_decades12(void) /* log-uniform 1e-6 .. 1e6 */
{
	return pow(10.0, -6.0 + 12.0 * testutil_unif());
}

static double
gen_latency(void) /* log-uniform 1 ms .. 100 s, 3 decimals as nginx logs */
{
	return round(pow(10.0, -3.0 + 5.0 * testutil_unif()) * 1000.0) / 1000.0;
}

static double
gen_lognormal(void)
{
	double u1 = testutil_unif() + 1e-300, u2 = testutil_unif();

	return exp(1.0 + 2.0 * sqrt(-2.0 * log(u1)) * cos(2 * M_PI * u2));
}

static double
gen_bytes(void) /* integers 0 .. 1e9, many small */
{
	return floor(pow(10.0, 9.0 * testutil_unif())) - 1.0;
}

static double
gen_signed(void) /* -1e3 .. 1e3 with zeros and -502s */
{
	double u = testutil_unif();

	if (u < 0.05)
		return 0.0;
	if (u < 0.10)
		return -502.0;
	return (testutil_unif() < 0.5 ? -1.0 : 1.0) *
	    pow(10.0, -2.0 + 5.0 * testutil_unif());
}

static double
gen_few(void) /* a handful of distinct values, heavy ties */
{
	static const double v[] = { 0.001, 0.002, 0.01, 0.5, 7.0, 60.0 };

	return v[testutil_rng() % NELEM(v)];
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the value of rank max(1, ceil(q n)) of sorted v. */
static double
exact_quantile(const double *sorted, size_t n, double q)
{
	double r = ceil(q * (double)n);
	size_t i = r < 1.0 ? 1 : r >= (double)n ? n : (size_t)r;

	return sorted[i - 1];
}

static const double qs[] = { 0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95,
	0.99, 0.995, 0.999, 1.0 };

/* Check every q of s against sorted; returns the worst relative error. */
static double
check_quantiles(
    const char *name, const struct sketch *s, const double *sorted, size_t n)
{
	double worst = 0.0;

	for (size_t j = 0; j < NELEM(qs); j++) {
		double want = exact_quantile(sorted, n, qs[j]);
		double got = sketch_quantile(s, qs[j]);
		double err;

		if (fabs(want) < SKETCH_MIN) {
			if (got != 0.0)
				fail_msg("%s: q=%g want %g (zero), got %g",
				    name, qs[j], want, got);
			continue;
		}
		err = fabs(got - want) / fabs(want);
		if (err > SKETCH_ALPHA * (1 + 1e-9))
			fail_msg("%s: q=%g want %.17g got %.17g (err %g)", name,
			    qs[j], want, got, err);
		if (err > worst)
			worst = err;
	}
	return worst;
}

static const struct {
	const char *name;
	double (*gen)(void);
	size_t n;
} datasets[] = {
	{ "log-uniform 1e-6..1e6", gen_decades12, 200000 },
	{ "latency 1ms..100s", gen_latency, 100000 },
	{ "lognormal", gen_lognormal, 100000 },
	{ "bytes 0..1e9", gen_bytes, 50000 },
	{ "signed with zeros", gen_signed, 50000 },
	{ "few values", gen_few, 10000 },
	{ "one value", gen_few, 1 },
	{ "three values", gen_few, 3 },
};

static double *
make_data(size_t n, double (*gen)(void))
{
	double *v = malloc(n * sizeof(*v));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = gen();
	return v;
}

static void
test_constants(void **state)
{
	double g = (1.0 + SKETCH_ALPHA) / (1.0 - SKETCH_ALPHA);

	(void)state;
	assert_true(fabs(SKETCH_LN_GAMMA - log(g)) < 1e-16);
	assert_true(fabs(SKETCH_INV_LN_GAMMA * log(g) - 1.0) < 1e-15);
	assert_int_equal(SKETCH_IDX_MIN, (int)ceil(log(SKETCH_MIN) / log(g)));
	assert_int_equal(SKETCH_IDX_MAX, (int)ceil(log(SKETCH_MAX) / log(g)));
	/* The key range ends exactly at the bounds. */
	assert_int_equal(sketch_key(SKETCH_MIN), 1);
	assert_int_equal(sketch_key(SKETCH_MAX), SKETCH_BINS);
	assert_int_equal(sketch_key(-SKETCH_MAX), -SKETCH_BINS);
	assert_int_equal(sketch_key(SKETCH_MIN * 0.99), 0);
	assert_int_equal(sketch_key(1e300), SKETCH_BINS);
}

static void
test_error_bound(void **state)
{
	double worst = 0.0;

	(void)state;
	testutil_rng_seed(42);
	for (size_t c = 0; c < NELEM(datasets); c++) {
		size_t n = datasets[c].n;
		double *v = make_data(n, datasets[c].gen), w;
		struct sketch s;

		sketch_init(&s);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(sketch_add(&s, v[i]), 0);
		assert_int_equal(sketch_count(&s), n);
		qsort(v, n, sizeof(*v), cmp_double);
		w = check_quantiles(datasets[c].name, &s, v, n);
		if (w > worst)
			worst = w;
		sketch_release(&s);
		free(v);
	}
	print_message("sketch: worst relative quantile error %.6f%% "
		      "(bound %.2f%%)\n",
	    worst * 100, SKETCH_ALPHA * 100);
}

/* Merging parts gives the sketch of the whole; subtracting one part gives
 * the sketch of the rest. */
static void
test_merge_sub(void **state)
{
	enum {
		PARTS = 7
	};

	(void)state;
	testutil_rng_seed(7);
	for (size_t c = 0; c < NELEM(datasets); c++) {
		size_t n = datasets[c].n, nrest = 0;
		double *v = make_data(n, datasets[c].gen), *rest;
		struct sketch whole, part[PARTS], merged;
		char name[128];

		rest = malloc(n * sizeof(*rest) + 1);
		assert_non_null(rest);
		sketch_init(&whole);
		sketch_init(&merged);
		for (int p = 0; p < PARTS; p++)
			sketch_init(&part[p]);
		for (size_t i = 0; i < n; i++) {
			int p = (int)(testutil_rng() % PARTS);

			assert_int_equal(sketch_add(&whole, v[i]), 0);
			assert_int_equal(sketch_add(&part[p], v[i]), 0);
			if (p != 3)
				rest[nrest++] = v[i];
		}
		for (int p = 0; p < PARTS; p++)
			assert_int_equal(sketch_merge(&merged, &part[p]), 0);
		assert_int_equal(sketch_count(&merged), n);
		for (size_t j = 0; j < NELEM(qs); j++) {
			double a = sketch_quantile(&whole, qs[j]);
			double b = sketch_quantile(&merged, qs[j]);

			if (a != b)
				fail_msg("%s: merged q=%g %.17g != whole %.17g",
				    datasets[c].name, qs[j], b, a);
		}
		qsort(v, n, sizeof(*v), cmp_double);
		snprintf(name, sizeof(name), "%s merged", datasets[c].name);
		check_quantiles(name, &merged, v, n);
		sketch_sub(&merged, &part[3]);
		assert_int_equal(sketch_count(&merged), nrest);
		if (nrest > 0) {
			qsort(rest, nrest, sizeof(*rest), cmp_double);
			snprintf(name, sizeof(name), "%s minus part",
			    datasets[c].name);
			check_quantiles(name, &merged, rest, nrest);
		} else {
			assert_true(isnan(sketch_quantile(&merged, 0.5)));
		}
		/* Subtracting everything leaves an empty sketch. */
		for (int p = 0; p < PARTS; p++) {
			if (p != 3)
				sketch_sub(&merged, &part[p]);
		}
		assert_int_equal(sketch_count(&merged), 0);
		assert_int_equal(merged.pos.len, 0);
		assert_int_equal(merged.neg.len, 0);
		for (int p = 0; p < PARTS; p++)
			sketch_release(&part[p]);
		sketch_release(&whole);
		sketch_release(&merged);
		free(v);
		free(rest);
	}
}

/*
 * sketch_quantile_at against sketch_quantile, bit for bit, after every add:
 * the way a window reads its union (adds move the cursor by one value,
 * an expiry subtracts a slice and resets it). "alternating" reads one
 * cursor at q and 1 - q in turn, so it crosses the whole range (negative,
 * zero and positive keys) both ways on every read.
 */
static void
test_cursor(void **state)
{
	static const struct {
		const char *name;
		double (*gen)(void);
		size_t n;
		double q;
		bool alternating;
		size_t slice; /* adds per slice; every 4th slice expires */
	} cases[] = {
		{ "latency p99", gen_latency, 6000, 0.99, false, 500 },
		{ "latency p50", gen_latency, 6000, 0.5, false, 500 },
		{ "latency p999", gen_latency, 6000, 0.999, false, 250 },
		{ "signed p01", gen_signed, 6000, 0.01, false, 300 },
		{ "signed p50", gen_signed, 6000, 0.5, false, 300 },
		{ "signed p99/p01", gen_signed, 4000, 0.99, true, 300 },
		{ "few values p90/p10", gen_few, 3000, 0.9, true, 100 },
		{ "bytes max/min", gen_bytes, 3000, 1.0, true, 200 },
		{ "decades p0", gen_decades12, 3000, 0.0, false, 1000 },
		{ "no expiry p75", gen_lognormal, 5000, 0.75, false, 0 },
	};

	(void)state;
	testutil_rng_seed(5);
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct sketch all, slice;
		struct sketch_cursor cur;
		size_t in_slice = 0, nslice = 0;

		sketch_init(&all);
		sketch_init(&slice);
		memset(&cur, 0, sizeof(cur));
		for (size_t i = 0; i < cases[c].n; i++) {
			double v = cases[c].gen(), q = cases[c].q, a, b;
			int32_t key = sketch_key(v);

			assert_int_equal(sketch_add_key(&all, key), 0);
			sketch_cursor_add(&cur, key);
			assert_int_equal(sketch_add_key(&slice, key), 0);
			if (cases[c].slice > 0 &&
			    ++in_slice == cases[c].slice) {
				/* Drop every 4th slice from the union. */
				if (++nslice % 4 == 0) {
					sketch_sub(&all, &slice);
					sketch_cursor_reset(&cur);
				}
				sketch_reset(&slice);
				in_slice = 0;
			}
			if (cases[c].alternating && i % 2 == 1)
				q = 1.0 - q;
			a = sketch_quantile(&all, q);
			b = sketch_quantile_at(&all, q, &cur);
			if (!(a == b || (isnan(a) && isnan(b))))
				fail_msg("%s: add %zu q=%g: cursor %.17g, "
					 "walk %.17g",
				    cases[c].name, i, q, b, a);
		}
		sketch_release(&all);
		sketch_release(&slice);
	}
}

/* An empty sketch reads NAN through a cursor too, and a cursor survives
 * the sketch emptying and filling again (after a reset). */
static void
test_cursor_empty(void **state)
{
	struct sketch s;
	struct sketch_cursor cur;

	(void)state;
	sketch_init(&s);
	sketch_cursor_reset(&cur);
	assert_true(isnan(sketch_quantile_at(&s, 0.5, &cur)));
	assert_int_equal(sketch_add(&s, 3.0), 0);
	sketch_cursor_add(&cur, sketch_key(3.0));
	assert_true(
	    sketch_quantile_at(&s, 0.5, &cur) == sketch_quantile(&s, 0.5));
	assert_true(isnan(sketch_quantile_at(&s, 1.5, &cur)));
	sketch_reset(&s);
	sketch_cursor_reset(&cur);
	assert_true(isnan(sketch_quantile_at(&s, 0.5, &cur)));
	assert_int_equal(sketch_add(&s, -7.0), 0);
	sketch_cursor_add(&cur, sketch_key(-7.0));
	assert_int_equal(sketch_add(&s, 0.0), 0);
	sketch_cursor_add(&cur, sketch_key(0.0));
	assert_true(
	    sketch_quantile_at(&s, 0.0, &cur) == sketch_quantile(&s, 0.0));
	assert_true(sketch_quantile_at(&s, 1.0, &cur) == 0.0);
	sketch_release(&s);
}

/* Small hand-made cases: zero, negatives, out of range, bad input. */
static void
test_cases(void **state)
{
	static const struct {
		const char *name;
		double v[4];
		size_t n;
		double q;
		double lo, hi; /* want in [lo, hi]; lo > hi: want NAN */
	} cases[] = {
		{ "empty", { 0 }, 0, 0.5, 1, 0 },
		{ "q below 0", { 1.0 }, 1, -0.1, 1, 0 },
		{ "q above 1", { 1.0 }, 1, 1.1, 1, 0 },
		{ "q NaN", { 1.0 }, 1, NAN, 1, 0 },
		{ "one value", { 1.5 }, 1, 0.99, 1.5 * 0.99, 1.5 * 1.01 },
		{ "zero", { 0.0 }, 1, 0.5, 0, 0 },
		{ "minus zero", { -0.0 }, 1, 0.5, 0, 0 },
		{ "tiny is zero", { 1e-12, -1e-12 }, 2, 1.0, 0, 0 },
		{ "negative status", { -502.0 }, 1, 0.5, -502 * 1.01,
		    -502 * 0.99 },
		{ "negatives order", { -1.0, -100.0, 5.0 }, 3, 0.0, -100 * 1.01,
		    -100 * 0.99 },
		{ "negatives mid", { -1.0, -100.0, 5.0 }, 3, 0.5, -1.01,
		    -0.99 },
		{ "negatives top", { -1.0, -100.0, 5.0 }, 3, 1.0, 4.95, 5.05 },
		{ "above max", { 1e20 }, 1, 0.5, SKETCH_MAX * 0.99,
		    SKETCH_MAX * 1.0202 },
		{ "below min", { 1e-10, 1.0 }, 2, 0.5, 0, 0 },
		{ "p50 of two", { 1.0, 1000.0 }, 2, 0.5, 0.99, 1.01 },
		{ "p51 of two", { 1.0, 1000.0 }, 2, 0.51, 990, 1010 },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct sketch s;
		double got;

		sketch_init(&s);
		for (size_t i = 0; i < cases[c].n; i++)
			assert_int_equal(sketch_add(&s, cases[c].v[i]), 0);
		got = sketch_quantile(&s, cases[c].q);
		if (cases[c].lo > cases[c].hi) {
			if (!isnan(got))
				fail_msg(
				    "%s: want NAN, got %g", cases[c].name, got);
		} else if (!(got >= cases[c].lo && got <= cases[c].hi)) {
			fail_msg("%s: want [%g, %g], got %.17g", cases[c].name,
			    cases[c].lo, cases[c].hi, got);
		}
		sketch_release(&s);
	}
}

static void
test_refuses_non_finite(void **state)
{
	static const double bad[] = { NAN, INFINITY, -INFINITY };
	struct sketch s;

	(void)state;
	sketch_init(&s);
	assert_int_equal(sketch_add(&s, 2.0), 0);
	for (size_t i = 0; i < NELEM(bad); i++) {
		if (sketch_add(&s, bad[i]) != -1)
			fail_msg("value %zu accepted", i);
	}
	assert_int_equal(sketch_count(&s), 1);
	assert_int_equal(sketch_add_key(&s, SKETCH_BINS + 1), -1);
	assert_int_equal(sketch_add_key(&s, -SKETCH_BINS - 1), -1);
	assert_int_equal(sketch_count(&s), 1);
	sketch_release(&s);
}

/* A blob: zero count, then (off, len, bins...) for pos and neg. */
static size_t
blob(unsigned char *b, uint64_t zero, int32_t poff, uint32_t plen,
    uint32_t pbin, int32_t noff, uint32_t nlen)
{
	size_t o = 0;

	for (int i = 0; i < 8; i++)
		b[o++] = (unsigned char)(zero >> (8 * i));
	for (int i = 0; i < 4; i++)
		b[o++] = (unsigned char)((uint32_t)poff >> (8 * i));
	for (int i = 0; i < 4; i++)
		b[o++] = (unsigned char)(plen >> (8 * i));
	for (uint32_t j = 0; j < plen && j < 4; j++) {
		for (int i = 0; i < 4; i++)
			b[o++] = (unsigned char)(pbin >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		b[o++] = (unsigned char)((uint32_t)noff >> (8 * i));
	for (int i = 0; i < 4; i++)
		b[o++] = (unsigned char)(nlen >> (8 * i));
	return o;
}

static int
load_blob(struct sketch *s, unsigned char *b, size_t len)
{
	FILE *f = fmemopen(b, len, "r");
	int rc;

	assert_non_null(f);
	rc = sketch_load(s, f);
	fclose(f);
	return rc;
}

static void
test_save_load(void **state)
{
	(void)state;
	testutil_rng_seed(99);
	for (size_t c = 0; c < NELEM(datasets); c++) {
		struct sketch s, t;
		char *buf = NULL;
		size_t len = 0, n = datasets[c].n < 5000 ? datasets[c].n : 5000;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		sketch_init(&s);
		sketch_init(&t);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(sketch_add(&s, datasets[c].gen()), 0);
		assert_int_equal(sketch_save(&s, f), 0);
		assert_int_equal(fclose(f), 0);
		assert_true(len <= SKETCH_SAVE_MAX);
		assert_int_equal(load_blob(&t, (unsigned char *)buf, len), 0);
		assert_int_equal(sketch_count(&t), sketch_count(&s));
		for (size_t j = 0; j < NELEM(qs); j++) {
			double a = sketch_quantile(&s, qs[j]);
			double b = sketch_quantile(&t, qs[j]);

			if (!(a == b || (isnan(a) && isnan(b))))
				fail_msg("%s: q=%g %g != %g", datasets[c].name,
				    qs[j], a, b);
		}
		/* Every truncation fails and leaves the sketch empty. */
		for (size_t cut = 0; cut < len; cut++) {
			sketch_reset(&t);
			if (load_blob(&t, (unsigned char *)buf, cut) != -1)
				fail_msg("%s: cut at %zu loaded",
				    datasets[c].name, cut);
			assert_int_equal(sketch_count(&t), 0);
		}
		sketch_release(&s);
		sketch_release(&t);
		free(buf);
	}
}

static void
test_load_ranges(void **state)
{
	static const struct {
		const char *name;
		int32_t poff;
		uint32_t plen;
		int32_t noff;
		uint32_t nlen;
		int want;
	} cases[] = {
		{ "ok", 0, 2, 0, 0, 0 },
		{ "lowest", SKETCH_IDX_MIN, 1, 0, 0, 0 },
		{ "highest", SKETCH_IDX_MAX, 1, 0, 0, 0 },
		{ "below range", SKETCH_IDX_MIN - 1, 1, 0, 0, -1 },
		{ "past range", SKETCH_IDX_MAX, 2, 0, 0, -1 },
		{ "huge len", 0, 0xffffffffu, 0, 0, -1 },
		{ "len too long", SKETCH_IDX_MIN, SKETCH_BINS + 1, 0, 0, -1 },
		{ "negative off", INT32_MIN, 1, 0, 0, -1 },
		{ "neg below range", 0, 0, SKETCH_IDX_MIN - 5, 1, -1 },
	};
	unsigned char b[128];

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct sketch s;
		size_t len = blob(b, 3, cases[c].poff, cases[c].plen, 9,
		    cases[c].noff, cases[c].nlen);
		int rc;

		/* A negative-store bin for the nlen == 1 rows. */
		if (cases[c].nlen == 1) {
			memset(b + len, 0, 4);
			b[len] = 1;
			len += 4;
		}
		sketch_init(&s);
		rc = load_blob(&s, b, len);
		if (rc != cases[c].want)
			fail_msg("%s: load %d, want %d", cases[c].name, rc,
			    cases[c].want);
		if (rc == 0 && sketch_count(&s) != 3 + 9 * cases[c].plen)
			fail_msg("%s: count %llu", cases[c].name,
			    (unsigned long long)sketch_count(&s));
		if (rc != 0 && sketch_count(&s) != 0)
			fail_msg("%s: not empty after failure", cases[c].name);
		sketch_release(&s);
	}
}

/* A full bin refuses, and a merge that would overflow changes nothing. */
static void
test_bin_full(void **state)
{
	unsigned char b[64];
	size_t len = blob(b, 0, 0, 1, UINT32_MAX, 0, 0);
	struct sketch s, one;
	int32_t key = 0 - SKETCH_IDX_MIN + 1; /* index 0: v = 1.0 */

	(void)state;
	sketch_init(&s);
	sketch_init(&one);
	assert_int_equal(load_blob(&s, b, len), 0);
	assert_int_equal(sketch_count(&s), UINT32_MAX);
	assert_int_equal(sketch_key(1.0), key);
	assert_int_equal(sketch_add(&s, 1.0), -1);
	assert_int_equal(sketch_add(&s, 2.0), 0);
	assert_int_equal(sketch_add(&one, 1.0), 0);
	assert_int_equal(sketch_merge(&s, &one), -1);
	assert_int_equal(sketch_count(&s), (uint64_t)UINT32_MAX + 1);
	/* Subtracting more than is there stops at zero. */
	sketch_sub(&one, &s);
	assert_int_equal(sketch_count(&one), 0);
	sketch_release(&s);
	sketch_release(&one);
}

/*
 * sketch_add_key2 is sketch_add_key on both sketches: the same quantiles
 * and counts, negative values and zero included; and when the union's bin
 * is full, neither changes.
 */
static void
test_add_key2(void **state)
{
	struct sketch part, all, rpart, rall;
	unsigned char b[64];
	size_t len = blob(b, 0, 0, 1, UINT32_MAX, 0, 0);
	uint32_t x = 3;

	(void)state;
	sketch_init(&part);
	sketch_init(&all);
	sketch_init(&rpart);
	sketch_init(&rall);
	for (int i = 0; i < 20000; i++) {
		double v;
		int32_t k;

		x = x * 1103515245u + 12345u;
		v = (double)((int)(x >> 12) % 200001 - 100000) / 997.0;
		k = sketch_key(i % 50 == 0 ? 0.0 : v);
		if (i % 3 == 0) { /* values only the union has */
			assert_int_equal(sketch_add_key(&all, k), 0);
			assert_int_equal(sketch_add_key(&rall, k), 0);
			continue;
		}
		assert_int_equal(sketch_add_key2(&part, &all, k), 0);
		assert_int_equal(sketch_add_key(&rpart, k), 0);
		assert_int_equal(sketch_add_key(&rall, k), 0);
	}
	assert_int_equal(sketch_count(&part), sketch_count(&rpart));
	assert_int_equal(sketch_count(&all), sketch_count(&rall));
	for (double q = 0; q <= 1.0; q += 0.05) {
		assert_true(
		    sketch_quantile(&part, q) == sketch_quantile(&rpart, q));
		assert_true(
		    sketch_quantile(&all, q) == sketch_quantile(&rall, q));
	}
	sketch_release(&part);
	sketch_release(&rpart);
	sketch_release(&rall);
	sketch_release(&all);
	/* A full bin in the union: refused, nothing counted. */
	sketch_init(&part);
	sketch_init(&all);
	assert_int_equal(load_blob(&all, b, len), 0);
	assert_int_equal(sketch_add_key2(&part, &all, sketch_key(1.0)), -1);
	assert_int_equal(sketch_count(&part), 0);
	assert_int_equal(sketch_count(&all), UINT32_MAX);
	assert_int_equal(sketch_add_key2(&part, &all, sketch_key(2.0)), 0);
	assert_int_equal(sketch_count(&part), 1);
	sketch_release(&part);
	sketch_release(&all);
}

/* Memory depends on the range of values, not on how many: bounded. */
static void
test_memory(void **state)
{
	struct sketch s;
	size_t m1;

	(void)state;
	testutil_rng_seed(5);
	sketch_init(&s);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(sketch_add(&s, gen_latency() + 0.001), 0);
	m1 = sketch_mem_bytes(&s);
	for (int i = 0; i < 1000000; i++)
		assert_int_equal(sketch_add(&s, gen_latency() + 0.001), 0);
	assert_int_equal(sketch_mem_bytes(&s), m1);
	/* 1 ms .. 100 s is 5 decades: ~576 bins, rounded up to 64s. */
	assert_true(m1 <= 640 * sizeof(uint32_t));
	for (int e = -320; e <= 308; e++) {
		assert_int_equal(sketch_add(&s, pow(10.0, e)), 0);
		assert_int_equal(sketch_add(&s, -pow(10.0, e)), 0);
	}
	assert_int_equal(sketch_mem_bytes(&s), SKETCH_MEM_MAX);
	sketch_reset(&s);
	assert_int_equal(sketch_count(&s), 0);
	assert_int_equal(sketch_mem_bytes(&s), SKETCH_MEM_MAX); /* kept */
	sketch_release(&s);
	assert_int_equal(sketch_mem_bytes(&s), 0);
	print_message("sketch: %zu bytes for 1 ms..100 s, at most %zu\n", m1,
	    (size_t)SKETCH_MEM_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_error_bound),
		cmocka_unit_test(test_merge_sub),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_cursor_empty),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_refuses_non_finite),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_ranges),
		cmocka_unit_test(test_bin_full),
		cmocka_unit_test(test_add_key2),
		cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
