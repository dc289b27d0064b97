/*
 * test_distinct - HyperLogLog estimates against the true count.
 *
 * Values are integers hashed with splitmix64's finaliser (a bijection, so
 * n different integers are n different hashes); several fixed seeds per
 * size. The worst relative error seen is printed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/distinct.h"
#include "parsers/compat.h"

static uint64_t
mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The hash of value i under seed s. */
static uint64_t
hv(uint64_t s, uint64_t i)
{
	return mix64(i ^ mix64(s));
}

/* Bound for n: three standard errors, and at most 1 off for small n. */
static double
bound(uint64_t n)
{
	double b = 3.0 * DISTINCT_RSE * (double)n;

	return b < 1.0 ? 1.0 : b;
}

static void
test_accuracy(void **state)
{
	static const struct {
		const char *name;
		uint64_t n;
		int seeds;
	} cases[] = {
		{ "empty", 0, 1 },
		{ "one", 1, 4 },
		{ "ten", 10, 8 },
		{ "hundred", 100, 8 },
		{ "sparse edge", 256, 8 },
		{ "thousand", 1000, 8 },
		{ "ten thousand", 10000, 4 },
		{ "hundred thousand", 100000, 4 },
	};
	double worst[NELEM(cases)];

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		worst[c] = 0.0;
		for (int s = 1; s <= cases[c].seeds; s++) {
			struct distinct d;
			double est, err;

			distinct_init(&d);
			/* Each value three times: duplicates change nothing. */
			for (int rep = 0; rep < 3; rep++) {
				for (uint64_t i = 0; i < cases[c].n; i++) {
					int r = distinct_add(&d, hv(s, i));

					assert_true(r >= 0);
					if (rep > 0 && r != 0)
						fail_msg("%s: duplicate raised",
						    cases[c].name);
				}
			}
			est = distinct_estimate(&d);
			err = fabs(est - (double)cases[c].n);
			if (err > bound(cases[c].n))
				fail_msg("%s seed %d: estimate %.2f for %llu",
				    cases[c].name, s, est,
				    (unsigned long long)cases[c].n);
			if (cases[c].n > 0 && err / cases[c].n > worst[c])
				worst[c] = err / cases[c].n;
			assert_true(distinct_mem_bytes(&d) <= DISTINCT_MEM_MAX);
			distinct_release(&d);
		}
	}
	for (size_t c = 2; c < NELEM(cases); c++)
		print_message("distinct: %llu values: worst error %.3f%% "
			      "(bound %.2f%%)\n",
		    (unsigned long long)cases[c].n, worst[c] * 100,
		    100 * bound(cases[c].n) / cases[c].n);
}

/* The union of sketches is the sketch of the union, whatever the forms. */
static void
test_merge(void **state)
{
	static const struct {
		const char *name;
		uint64_t a_lo, a_hi, b_lo, b_hi;
	} cases[] = {
		{ "sparse + sparse", 0, 100, 50, 150 },
		{ "sparse + sparse -> dense", 0, 200, 100, 400 },
		{ "sparse + dense", 0, 50, 0, 5000 },
		{ "dense + sparse", 0, 5000, 4990, 5010 },
		{ "dense + dense", 0, 60000, 40000, 100000 },
		{ "empty + dense", 0, 0, 0, 3000 },
		{ "sparse + empty", 0, 10, 0, 0 },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct distinct a, b, all;
		uint64_t lo, hi, n;
		double ea, eall;

		distinct_init(&a);
		distinct_init(&b);
		distinct_init(&all);
		for (uint64_t i = cases[c].a_lo; i < cases[c].a_hi; i++) {
			assert_true(distinct_add(&a, hv(9, i)) >= 0);
			assert_true(distinct_add(&all, hv(9, i)) >= 0);
		}
		for (uint64_t i = cases[c].b_lo; i < cases[c].b_hi; i++) {
			assert_true(distinct_add(&b, hv(9, i)) >= 0);
			assert_true(distinct_add(&all, hv(9, i)) >= 0);
		}
		assert_true(distinct_merge(&a, &b) >= 0);
		ea = distinct_estimate(&a);
		eall = distinct_estimate(&all);
		if (ea != eall)
			fail_msg("%s: union %.3f != sketch of all %.3f",
			    cases[c].name, ea, eall);
		lo = cases[c].a_lo > cases[c].b_lo ? cases[c].a_lo
						   : cases[c].b_lo;
		hi = cases[c].a_hi < cases[c].b_hi ? cases[c].a_hi
						   : cases[c].b_hi;
		n = (cases[c].a_hi - cases[c].a_lo) +
		    (cases[c].b_hi - cases[c].b_lo) - (hi > lo ? hi - lo : 0);
		if (fabs(ea - (double)n) > bound(n))
			fail_msg("%s: %.2f for %llu", cases[c].name, ea,
			    (unsigned long long)n);
		/* Merging again changes nothing. */
		assert_int_equal(distinct_merge(&a, &b), 0);
		distinct_release(&a);
		distinct_release(&b);
		distinct_release(&all);
	}
}

/* Sparse and dense forms of the same registers estimate the same. */
static void
test_forms_agree(void **state)
{
	struct distinct sp, dn;

	(void)state;
	distinct_init(&sp);
	distinct_init(&dn);
	for (uint64_t i = 0; i < 5000; i++)
		assert_true(distinct_add(&dn, hv(3, i)) >= 0);
	assert_int_equal(distinct_mem_bytes(&dn), DISTINCT_M);
	distinct_reset(&dn); /* stays dense, empty */
	assert_true(distinct_estimate(&dn) == 0.0);
	for (uint64_t i = 0; i < 200; i++)
		assert_true(distinct_add(&sp, hv(4, i)) >= 0);
	assert_true(sp.reg == NULL);
	assert_true(distinct_mem_bytes(&sp) <= DISTINCT_SPARSE_SLOTS * 4);
	assert_int_equal(distinct_merge(&dn, &sp), 1);
	assert_true(dn.reg != NULL);
	assert_true(distinct_estimate(&dn) == distinct_estimate(&sp));
	distinct_release(&sp);
	distinct_release(&dn);
}

static void
test_small_memory(void **state)
{
	struct distinct d;

	(void)state;
	distinct_init(&d);
	assert_int_equal(distinct_mem_bytes(&d), 0);
	assert_true(distinct_estimate(&d) == 0.0);
	for (uint64_t i = 0; i < 10; i++)
		assert_int_equal(distinct_add(&d, hv(1, i)), 1);
	assert_int_equal(distinct_mem_bytes(&d), 32 * sizeof(uint32_t));
	/* Sparse up to half the largest table, then dense. */
	for (uint64_t i = 10; i < 1000; i++) {
		assert_true(distinct_add(&d, hv(1, i)) >= 0);
		if (d.reg == NULL &&
		    (d.sp_len > DISTINCT_SPARSE_SLOTS / 2 ||
			distinct_mem_bytes(&d) > DISTINCT_SPARSE_SLOTS * 4))
			fail_msg("%llu values: %u set, %zu bytes, still sparse",
			    (unsigned long long)i + 1, d.sp_len,
			    distinct_mem_bytes(&d));
	}
	assert_true(d.reg != NULL && d.sp == NULL);
	assert_int_equal(distinct_mem_bytes(&d), DISTINCT_MEM_MAX);
	distinct_release(&d);
	distinct_release(&d); /* twice is fine */
	distinct_release(NULL);
}

static int
load_buf(struct distinct *d, const void *b, size_t len)
{
	FILE *f;
	int rc;

	if (len == 0) /* fmemopen refuses size 0 on some libcs */
		f = fopen("/dev/null", "r");
	else
		f = fmemopen((void *)(uintptr_t)b, len, "r");
	assert_non_null(f);
	rc = distinct_load(d, f);
	fclose(f);
	return rc;
}

static void
test_save_load(void **state)
{
	static const uint64_t sizes[] = { 0, 1, 200, 256, 257, 3000, 100000 };

	(void)state;
	for (size_t c = 0; c < NELEM(sizes); c++) {
		struct distinct d, t;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		distinct_init(&d);
		distinct_init(&t);
		for (uint64_t i = 0; i < sizes[c]; i++)
			assert_true(distinct_add(&d, hv(11, i)) >= 0);
		assert_int_equal(distinct_save(&d, f), 0);
		assert_int_equal(fclose(f), 0);
		assert_true(len <= DISTINCT_SAVE_MAX);
		assert_int_equal(load_buf(&t, buf, len), 0);
		if (distinct_estimate(&t) != distinct_estimate(&d))
			fail_msg("size %llu: %g != %g",
			    (unsigned long long)sizes[c], distinct_estimate(&t),
			    distinct_estimate(&d));
		for (size_t cut = 0; cut < len; cut++) {
			if (load_buf(&t, buf, cut) != -1)
				fail_msg("size %llu: cut at %zu loaded",
				    (unsigned long long)sizes[c], cut);
			assert_true(distinct_estimate(&t) == 0.0);
		}
		distinct_release(&d);
		distinct_release(&t);
		free(buf);
	}
}

static void
test_load_damaged(void **state)
{
	static const struct {
		const char *name;
		unsigned char b[16];
		size_t len;
		int want;
	} cases[] = {
		{ "sparse one", { 0, 1, 0, 0, 0, 5, 0, 3 }, 8, 0 },
		{ "sparse none", { 0, 0, 0, 0, 0 }, 5, 0 },
		{ "bad mode", { 2, 0, 0, 0, 0 }, 5, -1 },
		{ "index past m", { 0, 1, 0, 0, 0, 0x00, 0x10, 3 }, 8, -1 },
		{ "rank zero", { 0, 1, 0, 0, 0, 5, 0, 0 }, 8, -1 },
		{ "rank too big", { 0, 1, 0, 0, 0, 5, 0, DISTINCT_Q + 2 }, 8,
		    -1 },
		{ "top rank", { 0, 1, 0, 0, 0, 5, 0, DISTINCT_Q + 1 }, 8, 0 },
		{ "too many", { 0, 0x01, 0x01, 0, 0 }, 5, -1 },
		{ "huge count", { 0, 0xff, 0xff, 0xff, 0xff }, 5, -1 },
		{ "dense short", { 1, 0, 0 }, 3, -1 },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct distinct d;
		int rc;

		distinct_init(&d);
		rc = load_buf(&d, cases[c].b, cases[c].len);
		if (rc != cases[c].want)
			fail_msg("%s: %d, want %d", cases[c].name, rc,
			    cases[c].want);
		if (rc < 0 && distinct_estimate(&d) != 0.0)
			fail_msg("%s: not empty after failure", cases[c].name);
		distinct_release(&d);
	}
}

/* A dense blob with a register out of range. */
static void
test_load_dense_bad_register(void **state)
{
	unsigned char *b = calloc(1, 1 + DISTINCT_M);
	struct distinct d;

	(void)state;
	assert_non_null(b);
	distinct_init(&d);
	b[0] = 1;
	b[1 + 77] = 20;
	assert_int_equal(load_buf(&d, b, 1 + DISTINCT_M), 0);
	assert_true(distinct_estimate(&d) > 0.5);
	b[1 + 78] = DISTINCT_Q + 2;
	assert_int_equal(load_buf(&d, b, 1 + DISTINCT_M), -1);
	assert_true(distinct_estimate(&d) == 0.0);
	distinct_release(&d);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accuracy),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_forms_agree),
		cmocka_unit_test(test_small_memory),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_damaged),
		cmocka_unit_test(test_load_dense_bad_register),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
