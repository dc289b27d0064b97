/*
 * test_window - sliding-window aggregates against a brute-force reference.
 *
 * The reference keeps the list of accepted events and recomputes each
 * aggregate from scratch over the events in the window: for 1 s cells
 * that is (now - window, now] in whole seconds (the test's event and query
 * times are whole seconds, or milliseconds where a row says so, to check
 * the truncation); for wider cells it is the documented rule (whole cells
 * inside the window). Random data come from fixed seeds.
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
#include "rules/sketch.h"
#include "rules/window.h"
#include "tests/unit/testutil.h"
#include "parsers/compat.h"

#define T0   INT64_C(1700000000000) /* 2023-11-14T22:13:20Z, whole 5 s */
#define SEC  INT64_C(1000)
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
/* A UTC midnight after T0: a whole number of every cell width. */
#define EDGE_BASE INT64_C(1700870400000)

static const char *const kind_names[] = { "count", "rate", "sum", "avg", "min",
	"max", "quantile", "ratio", "distinct", "absent" };

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static struct window_spec
spec_of(enum agg_kind kind, double q, int64_t window_ms)
{
	struct window_spec s;

	if (window_spec_init(&s, kind, q, window_ms) != 0)
		fail_msg("window_spec_init(%s, %g, %lld) failed",
		    kind_names[kind], q, (long long)window_ms);
	return s;
}

static int64_t
cell_sec(const struct window_spec *s)
{
	return (s->nslices ? s->slice_ms : s->bucket_ms) / 1000;
}

/* --- reference ----------------------------------------------------------- */

struct ev {
	int64_t t;
	double v;
	bool hit;
	uint64_t h;
};

/* Is an event at t inside the window at now? */
static bool
ref_in(const struct window_spec *s, int64_t t, int64_t now)
{
	int64_t c = cell_sec(s), ts = floor_div(t, SEC),
		ns = floor_div(now, SEC);
	int64_t w = s->window_ms / SEC;

	if (c == 1)
		return ts > ns - w && ts <= ns; /* (now - W, now] */
	return ts <= ns && floor_div(ts, c) * c >= ns - w + 1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

struct ref {
	uint64_t count;
	double value;
	double abs_sum; /* scale for the sum tolerance */
};

static double
ref_quantile(double *v, size_t n, double q)
{
	double r;
	size_t i;

	qsort(v, n, sizeof(*v), cmp_double);
	r = ceil(q * (double)n);
	i = r < 1.0 ? 1 : r >= (double)n ? n : (size_t)r;
	return v[i - 1];
}

static double
ref_distinct(uint64_t *h, size_t n)
{
	size_t d = 0;

	qsort(h, n, sizeof(*h), cmp_u64);
	for (size_t i = 0; i < n; i++)
		d += i == 0 || h[i] != h[i - 1];
	return (double)d;
}

/* The aggregate recomputed from the list, at now; vals and hs are
 * scratch space for n entries. */
static struct ref
ref_value(const struct window_spec *s, const struct ev *e, size_t n,
    int64_t now, int64_t created, double *vals, uint64_t *hs)
{
	struct ref r = { 0, 0.0, 0.0 };
	double sum = 0.0, mn = INFINITY, mx = -INFINITY;
	uint64_t hits = 0;

	for (size_t i = 0; i < n; i++) {
		if (!ref_in(s, e[i].t, now))
			continue;
		vals[r.count] = e[i].v;
		hs[r.count] = e[i].h;
		r.count++;
		sum += e[i].v;
		r.abs_sum += fabs(e[i].v);
		mn = e[i].v < mn ? e[i].v : mn;
		mx = e[i].v > mx ? e[i].v : mx;
		hits += e[i].hit;
	}
	switch (s->kind) {
	case AGG_COUNT:
		r.value = (double)r.count;
		break;
	case AGG_RATE:
		r.value = (double)r.count / (double)(s->window_ms / SEC);
		break;
	case AGG_SUM:
		r.value = sum;
		break;
	case AGG_AVG:
		r.value = r.count ? sum / (double)r.count : NAN;
		break;
	case AGG_MIN:
		r.value = r.count ? mn : NAN;
		break;
	case AGG_MAX:
		r.value = r.count ? mx : NAN;
		break;
	case AGG_QUANTILE:
		r.value = r.count ? ref_quantile(vals, r.count, s->q) : NAN;
		break;
	case AGG_RATIO:
		r.value = r.count ? (double)hits / (double)r.count : NAN;
		break;
	case AGG_DISTINCT:
		r.value = ref_distinct(hs, r.count);
		break;
	case AGG_ABSENT:
		r.value = r.count == 0 && created <= now - s->window_ms;
		break;
	}
	return r;
}

/* HyperLogLog bound: 3 standard errors, at least 1, plus rounding. */
static double
distinct_tol(double n)
{
	double b = 3.0 * DISTINCT_RSE * n;

	return (b < 1.0 ? 1.0 : b) + 0.5;
}

/* Does got match the reference? */
static bool
value_ok(const struct window_spec *s, double got, const struct ref *r)
{
	double want = r->value;

	if (isnan(want) || isnan(got))
		return isnan(want) && isnan(got);
	switch (s->kind) {
	case AGG_SUM:
	case AGG_AVG:
		return fabs(got - want) <=
		    1e-9 * (r->abs_sum > 1.0 ? r->abs_sum : 1.0);
	case AGG_QUANTILE:
		if (fabs(want) < SKETCH_MIN)
			return got == 0.0;
		return fabs(got - want) <=
		    SKETCH_ALPHA * (1 + 1e-9) * fabs(want);
	case AGG_DISTINCT:
		return fabs(got - want) <= distinct_tol(want);
	default:
		return got == want;
	}
}

/* --- random operations -----------------------------------------------------
 */

enum op_type {
	OP_ADD,
	OP_VALUE,
	OP_ADVANCE
};

struct op {
	enum op_type type;
	int64_t t; /* event time or now */
	double v;
	bool hit;
	uint64_t h;
};

enum vgen {
	V_LATENCY,
	V_SIGNED,
	V_BYTES,
	V_FEW
};

struct rand_case {
	const char *name;
	enum agg_kind kind;
	double q;
	int64_t window_ms;
	bool ms;           /* millisecond times (else whole seconds) */
	int64_t gap_ms;    /* clock step: 0 .. gap_ms */
	int64_t jitter_ms; /* events up to this much behind the clock */
	enum vgen vgen;
	unsigned ndistinct; /* distinct field values */
	size_t nops;
	uint64_t seed;
};

static double
gen_value(enum vgen g)
{
	switch (g) {
	case V_LATENCY:
		return round(pow(10.0, -3.0 + 4.5 * testutil_unif()) * 1000.0) /
		    1000.0;
	case V_SIGNED:
		return (testutil_unif() < 0.3 ? -1.0 : 1.0) *
		    pow(10.0, 6.0 * testutil_unif() - 2);
	case V_BYTES:
		return floor(pow(10.0, 7.0 * testutil_unif()));
	case V_FEW:
		return (double)(1 + testutil_rng() % 5) * 0.25;
	}
	return 0.0;
}

static int64_t
step(const struct rand_case *rc, int64_t max)
{
	int64_t d =
	    max > 0 ? (int64_t)(testutil_rng() % (uint64_t)(max + 1)) : 0;

	return rc->ms ? d : d / SEC * SEC;
}

static uint64_t
field_hash(unsigned id)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "10.%u.%u.%u", id >> 16 & 255,
	    id >> 8 & 255, id & 255);

	return window_hash(b, (size_t)n);
}

/* A reproducible stream of adds, reads and clock ticks from T0 on. */
static struct op *
make_ops(const struct rand_case *rc)
{
	struct op *ops = calloc(rc->nops, sizeof(*ops));
	int64_t clock = T0;

	assert_non_null(ops);
	testutil_rng_seed(rc->seed);
	for (size_t i = 0; i < rc->nops; i++) {
		struct op *o = &ops[i];
		uint64_t u = testutil_rng() % 1000;

		clock += step(rc, rc->gap_ms);
		if (u < 3) /* idle: a long gap, often past the whole window */
			clock += step(rc, 2 * rc->window_ms);
		if (u < 200) {
			o->type = OP_VALUE;
			o->t = clock + step(rc, 2500);
			if (u < 10)
				o->t = clock - 5 * SEC; /* older: ignored */
			continue;
		}
		if (u < 220) {
			o->type = OP_ADVANCE;
			o->t = clock + step(rc, 1500);
			continue;
		}
		o->type = OP_ADD;
		o->t = clock;
		if (u < 450)
			o->t -= step(rc, rc->jitter_ms); /* out of order */
		if (u > 990) /* far behind: older than the window */
			o->t -= rc->window_ms + step(rc, rc->window_ms);
		o->v = gen_value(rc->vgen);
		o->hit = testutil_rng() % 3 == 0;
		o->h = field_hash((unsigned)(testutil_rng() % rc->ndistinct));
	}
	return ops;
}

static const struct rand_case rand_cases[] = {
	{ "count 10s", AGG_COUNT, 0, 10 * SEC, false, 1500, 5000, V_FEW, 10,
	    20000, 1 },
	{ "count 5m ms", AGG_COUNT, 0, 5 * MIN, true, 900, 5000, V_FEW, 10,
	    20000, 2 },
	{ "rate 1m ms", AGG_RATE, 0, MIN, true, 700, 3000, V_FEW, 10, 20000,
	    3 },
	{ "sum 5m", AGG_SUM, 0, 5 * MIN, false, 2000, 5000, V_SIGNED, 10, 20000,
	    4 },
	{ "sum 1d", AGG_SUM, 0, DAY, false, 60000, 5000, V_SIGNED, 10, 10000,
	    5 },
	{ "avg 1h", AGG_AVG, 0, HOUR, true, 2500, 5000, V_LATENCY, 10, 15000,
	    6 },
	{ "min 5m", AGG_MIN, 0, 5 * MIN, false, 1500, 5000, V_SIGNED, 10, 20000,
	    7 },
	{ "max 5m ms", AGG_MAX, 0, 5 * MIN, true, 1500, 5000, V_LATENCY, 10,
	    20000, 8 },
	{ "min 2h", AGG_MIN, 0, 2 * HOUR, false, 4000, 5000, V_BYTES, 10, 15000,
	    9 },
	{ "max 1d", AGG_MAX, 0, DAY, false, 60000, 5000, V_SIGNED, 10, 10000,
	    10 },
	{ "ratio 5m", AGG_RATIO, 0, 5 * MIN, false, 1500, 5000, V_FEW, 10,
	    20000, 11 },
	{ "absent 1m", AGG_ABSENT, 0, MIN, false, 40000, 5000, V_FEW, 10, 5000,
	    12 },
	{ "absent 10s ms", AGG_ABSENT, 0, 10 * SEC, true, 9000, 3000, V_FEW, 10,
	    5000, 13 },
	{ "p50 5m", AGG_QUANTILE, 0.5, 5 * MIN, false, 1000, 5000, V_LATENCY,
	    10, 20000, 14 },
	{ "p99 5m ms", AGG_QUANTILE, 0.99, 5 * MIN, true, 1000, 5000, V_LATENCY,
	    10, 20000, 15 },
	{ "p999 1h", AGG_QUANTILE, 0.999, HOUR, false, 3000, 5000, V_BYTES, 10,
	    15000, 16 },
	{ "p90 2h signed", AGG_QUANTILE, 0.9, 2 * HOUR, false, 6000, 5000,
	    V_SIGNED, 10, 10000, 17 },
	{ "p95 30s", AGG_QUANTILE, 0.95, 30 * SEC, false, 1000, 3000, V_LATENCY,
	    10, 20000, 18 },
	{ "distinct 5m", AGG_DISTINCT, 0, 5 * MIN, false, 1000, 5000, V_FEW, 50,
	    20000, 19 },
	{ "distinct 1h", AGG_DISTINCT, 0, HOUR, true, 3000, 5000, V_FEW, 1000,
	    10000, 20 },
	{ "distinct 10s", AGG_DISTINCT, 0, 10 * SEC, false, 1000, 3000, V_FEW,
	    100000, 20000, 21 },
};

/* Drop the events that left the window for good (the clock never goes
 * back). */
static size_t
prune(const struct window_spec *s, struct ev *e, size_t n, int64_t clock)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (ref_in(s, e[i].t, clock))
			e[k++] = e[i];
	}
	return k;
}

static void
test_random_vs_reference(void **state)
{
	(void)state;
	for (size_t c = 0; c < NELEM(rand_cases); c++) {
		const struct rand_case *rc = &rand_cases[c];
		struct window_spec s = spec_of(rc->kind, rc->q, rc->window_ms);
		struct op *ops = make_ops(rc);
		struct ev *list = calloc(rc->nops, sizeof(*list));
		double *vals = calloc(rc->nops, sizeof(*vals));
		uint64_t *hs = calloc(rc->nops, sizeof(*hs));
		struct window *w = window_new(&s, T0);
		int64_t clock = T0;
		size_t n = 0, checks = 0;

		assert_true(
		    list != NULL && vals != NULL && hs != NULL && w != NULL);
		for (size_t i = 0; i < rc->nops; i++) {
			const struct op *o = &ops[i];
			uint64_t cnt = 99;
			struct ref r;
			double got;

			if (o->type == OP_ADD) {
				int64_t now = o->t > clock ? o->t : clock;
				bool want = ref_in(&s, o->t, now);
				bool ok =
				    window_add(w, &s, o->t, o->v, o->hit, o->h);

				if (ok != want)
					fail_msg("%s: op %zu: add at %+lld ms "
						 "(clock %+lld) returned %d",
					    rc->name, i, (long long)(o->t - T0),
					    (long long)(clock - T0), ok);
				clock = now;
				if (ok)
					list[n++] = (struct ev){ o->t, o->v,
						o->hit, o->h };
				continue;
			}
			if (o->type == OP_ADVANCE) {
				window_advance(w, &s, o->t);
				clock = o->t > clock ? o->t : clock;
				continue;
			}
			got = window_value(w, &s, o->t, &cnt);
			clock = o->t > clock ? o->t : clock;
			n = prune(&s, list, n, clock);
			r = ref_value(&s, list, n, clock, T0, vals, hs);
			checks++;
			if (cnt != r.count || !value_ok(&s, got, &r))
				fail_msg("%s: op %zu at %+lld ms: got %.17g "
					 "(%llu events), want %.17g (%llu)",
				    rc->name, i, (long long)(clock - T0), got,
				    (unsigned long long)cnt, r.value,
				    (unsigned long long)r.count);
		}
		assert_true(checks > rc->nops / 10);
		window_free(w);
		free(list);
		free(vals);
		free(hs);
		free(ops);
	}
}

/* --- edges --------------------------------------------------------------- */

/* One event at t: in the window at t + in_at, out at t + out_at. */
static void
test_edges(void **state)
{
	static const struct {
		const char *name;
		enum agg_kind kind;
		double q;
		int64_t window_ms, t_off, in_at, out_at;
	} cases[] = {
		/* 1 s buckets: exact to the second, for any ms of t. */
		{ "count 1s", AGG_COUNT, 0, SEC, 0, 0, SEC },
		{ "count 1s +999ms", AGG_COUNT, 0, SEC, 999, 0, SEC },
		{ "count 10s", AGG_COUNT, 0, 10 * SEC, 0, 9 * SEC, 10 * SEC },
		{ "count 5m +1ms", AGG_COUNT, 0, 5 * MIN, 1, 5 * MIN - SEC,
		    5 * MIN },
		{ "rate 5m +500ms", AGG_RATE, 0, 5 * MIN, 500, 5 * MIN - SEC,
		    5 * MIN },
		{ "sum 1h +999ms", AGG_SUM, 0, HOUR, 999, HOUR - SEC, HOUR },
		{ "avg 1m", AGG_AVG, 0, MIN, 7000, MIN - SEC, MIN },
		{ "min 1h", AGG_MIN, 0, HOUR, 3000, HOUR - SEC, HOUR },
		{ "max 10s +250ms", AGG_MAX, 0, 10 * SEC, 250, 9 * SEC,
		    10 * SEC },
		{ "ratio 1m", AGG_RATIO, 0, MIN, 0, MIN - SEC, MIN },
		{ "absent 1m", AGG_ABSENT, 0, MIN, 0, MIN - SEC, MIN },
		/* 2 s buckets (2 h): never after t + W, at most 1 s early. */
		{ "count 2h even", AGG_COUNT, 0, 2 * HOUR, 0, 2 * HOUR - SEC,
		    2 * HOUR },
		{ "count 2h odd", AGG_COUNT, 0, 2 * HOUR, SEC,
		    2 * HOUR - 2 * SEC, 2 * HOUR - SEC },
		/* 24 s buckets (1 d). */
		{ "max 1d +23s", AGG_MAX, 0, DAY, 23 * SEC, DAY - 24 * SEC,
		    DAY - 23 * SEC },
		/* 5 s slices (5 m quantile / distinct). */
		{ "p99 5m +0s", AGG_QUANTILE, 0.99, 5 * MIN, 0, 5 * MIN - SEC,
		    5 * MIN },
		{ "p99 5m +3s", AGG_QUANTILE, 0.99, 5 * MIN, 3 * SEC,
		    5 * MIN - 4 * SEC, 5 * MIN - 3 * SEC },
		{ "distinct 5m +4.9s", AGG_DISTINCT, 0, 5 * MIN, 4900,
		    5 * MIN - 5 * SEC, 5 * MIN - 4 * SEC },
		/* 1 s slices up to 60 s. */
		{ "p50 1m +999ms", AGG_QUANTILE, 0.5, MIN, 999, MIN - SEC,
		    MIN },
		{ "distinct 60s", AGG_DISTINCT, 0, MIN, 0, MIN - SEC, MIN },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct window_spec s =
		    spec_of(cases[c].kind, cases[c].q, cases[c].window_ms);
		int64_t t = EDGE_BASE + cases[c].t_off;
		struct window *w = window_new(&s, T0);
		uint64_t n_in = 0, n_out = 0;
		double v_in, v_out;

		assert_non_null(w);
		assert_true(window_add(w, &s, t, 2.5, true, 77));
		v_in = window_value(w, &s, t + cases[c].in_at, &n_in);
		v_out = window_value(w, &s, t + cases[c].out_at, &n_out);
		if (n_in != 1 || n_out != 0)
			fail_msg("%s: %llu event(s) at t%+lld ms, %llu at "
				 "t%+lld ms",
			    cases[c].name, (unsigned long long)n_in,
			    (long long)cases[c].in_at,
			    (unsigned long long)n_out,
			    (long long)cases[c].out_at);
		if (cases[c].kind == AGG_ABSENT &&
		    (v_in != 0.0 || v_out != 1.0))
			fail_msg("%s: absent %g then %g", cases[c].name, v_in,
			    v_out);
		if (cases[c].kind == AGG_MAX && (v_in != 2.5 || !isnan(v_out)))
			fail_msg(
			    "%s: max %g then %g", cases[c].name, v_in, v_out);
		if (cases[c].kind == AGG_DISTINCT &&
		    (v_in != 1.0 || v_out != 0.0))
			fail_msg("%s: distinct %g then %g", cases[c].name, v_in,
			    v_out);
		window_free(w);
	}
}

/* --- scripted scenarios -------------------------------------------------- */

enum sop {
	S_ADD,
	S_ADD_REJECT,
	S_VALUE,
	S_ADVANCE,
	S_EMPTY,
	S_NOT_EMPTY
};

struct sstep {
	enum sop op;
	int64_t t;      /* seconds after T0 */
	double v;       /* S_ADD: value; S_VALUE: want (NAN allowed) */
	uint64_t count; /* S_VALUE: want */
};

static const struct {
	const char *name;
	enum agg_kind kind;
	double q;
	int64_t window_ms;
	struct sstep steps[12];
	size_t nsteps;
} scripts[] = {
	{ "out of order count", AGG_COUNT, 0, MIN,
	    { { S_ADD, 100, 0, 0 }, { S_ADD, 90, 0, 0 }, { S_ADD, 41, 0, 0 },
		{ S_ADD_REJECT, 40, 0, 0 }, { S_VALUE, 100, 3, 3 },
		{ S_VALUE, 131, 2, 2 }, { S_VALUE, 150, 1, 1 },
		{ S_ADD, 95, 0, 0 }, { S_VALUE, 154, 2, 2 },
		{ S_VALUE, 160, 0, 0 } },
	    10 },
	{ "time going back", AGG_COUNT, 0, MIN,
	    { { S_ADVANCE, 200, 0, 0 }, { S_ADVANCE, 100, 0, 0 },
		{ S_ADD_REJECT, 140, 0, 0 }, { S_ADD, 141, 0, 0 },
		{ S_VALUE, 100, 1, 1 }, { S_VALUE, 200, 1, 1 },
		{ S_VALUE, 201, 0, 0 } },
	    7 },
	{ "out of order max", AGG_MAX, 0, 10 * SEC,
	    { { S_ADD, 100, 5, 0 }, { S_ADD, 95, 9, 0 }, { S_VALUE, 100, 9, 2 },
		{ S_VALUE, 104, 9, 2 }, { S_VALUE, 105, 5, 1 },
		{ S_VALUE, 110, NAN, 0 } },
	    6 },
	{ "out of order min", AGG_MIN, 0, 10 * SEC,
	    { { S_ADD, 100, 5, 0 }, { S_ADD, 99, -1, 0 }, { S_ADD, 93, 2, 0 },
		{ S_VALUE, 101, -1, 3 }, { S_VALUE, 103, -1, 2 },
		{ S_VALUE, 108, -1, 2 }, { S_VALUE, 109, 5, 1 } },
	    7 },
	{ "out of order sum", AGG_SUM, 0, MIN,
	    { { S_ADD, 100, 1.5, 0 }, { S_ADD, 99, 2.5, 0 },
		{ S_VALUE, 100, 4, 2 }, { S_VALUE, 159, 1.5, 1 },
		{ S_VALUE, 160, 0, 0 } },
	    5 },
	{ "out of order p99", AGG_QUANTILE, 0.99, MIN,
	    { { S_ADD, 100, 1, 0 }, { S_ADD, 50, 1000, 0 },
		{ S_VALUE, 100, 1000, 2 }, { S_VALUE, 110, 1, 1 } },
	    4 },
	{ "empty avg", AGG_AVG, 0, MIN,
	    { { S_VALUE, 0, NAN, 0 }, { S_ADD, 1, 3, 0 }, { S_VALUE, 1, 3, 1 },
		{ S_VALUE, 61, NAN, 0 } },
	    4 },
	{ "empty ratio", AGG_RATIO, 0, MIN, { { S_VALUE, 5, NAN, 0 } }, 1 },
	{ "empty rate", AGG_RATE, 0, MIN,
	    { { S_VALUE, 5, 0, 0 }, { S_ADD, 5, 0, 0 }, { S_ADD, 5, 0, 0 },
		{ S_ADD, 6, 0, 0 }, { S_VALUE, 6, 0.05, 3 } },
	    5 },
	{ "empty distinct", AGG_DISTINCT, 0, MIN, { { S_VALUE, 5, 0, 0 } }, 1 },
	{ "empty p50", AGG_QUANTILE, 0.5, MIN, { { S_VALUE, 5, NAN, 0 } }, 1 },
	/* created at T0: absent only once a whole window has passed. */
	{ "absent from creation", AGG_ABSENT, 0, MIN,
	    { { S_VALUE, 0, 0, 0 }, { S_VALUE, 59, 0, 0 },
		{ S_VALUE, 60, 1, 0 }, { S_ADD, 70, 0, 0 },
		{ S_VALUE, 70, 0, 1 }, { S_VALUE, 129, 0, 1 },
		{ S_VALUE, 130, 1, 0 } },
	    7 },
	{ "absent, event before creation", AGG_ABSENT, 0, MIN,
	    { { S_ADD, -5, 0, 0 }, { S_VALUE, 54, 0, 1 }, { S_VALUE, 55, 0, 0 },
		{ S_VALUE, 60, 1, 0 } },
	    4 },
	{ "idle eviction", AGG_COUNT, 0, MIN,
	    { { S_EMPTY, 0, 0, 0 }, { S_ADD, 10, 0, 0 },
		{ S_NOT_EMPTY, 69, 0, 0 }, { S_EMPTY, 70, 0, 0 },
		{ S_NOT_EMPTY, 10, 0, 0 }, { S_VALUE, 70, 0, 0 },
		{ S_EMPTY, 10, 0, 0 } },
	    7 },
	{ "idle eviction p50", AGG_QUANTILE, 0.5, 5 * MIN,
	    { { S_ADD, 12, 1, 0 }, { S_NOT_EMPTY, 309, 0, 0 },
		{ S_EMPTY, 310, 0, 0 } },
	    3 },
};

static void
test_scripts(void **state)
{
	(void)state;
	for (size_t c = 0; c < NELEM(scripts); c++) {
		struct window_spec s = spec_of(
		    scripts[c].kind, scripts[c].q, scripts[c].window_ms);
		struct window *w = window_new(&s, T0);

		assert_non_null(w);
		for (size_t i = 0; i < scripts[c].nsteps; i++) {
			const struct sstep *p = &scripts[c].steps[i];
			int64_t t = T0 + p->t * SEC;
			uint64_t n = 99;
			double got;

			switch (p->op) {
			case S_ADD:
			case S_ADD_REJECT:
				if (window_add(w, &s, t, p->v, false, 1) !=
				    (p->op == S_ADD))
					fail_msg("%s: step %zu: add at %llds",
					    scripts[c].name, i,
					    (long long)p->t);
				break;
			case S_ADVANCE:
				window_advance(w, &s, t);
				break;
			case S_EMPTY:
			case S_NOT_EMPTY:
				if (window_is_empty(w, &s, t) !=
				    (p->op == S_EMPTY))
					fail_msg("%s: step %zu: is_empty at "
						 "%llds",
					    scripts[c].name, i,
					    (long long)p->t);
				break;
			case S_VALUE:
				got = window_value(w, &s, t, &n);
				if (n != p->count ||
				    !(got == p->v ||
					(isnan(got) && isnan(p->v)) ||
					(s.kind == AGG_QUANTILE &&
					    fabs(got - p->v) <= SKETCH_ALPHA *
						    (1 + 1e-9) * p->v)))
					fail_msg("%s: step %zu at %llds: %g "
						 "(%llu), want %g (%llu)",
					    scripts[c].name, i, (long long)p->t,
					    got, (unsigned long long)n, p->v,
					    (unsigned long long)p->count);
				break;
			}
		}
		window_free(w);
	}
}

/* Values that cannot be aggregated are refused, and only where read. */
static void
test_refused_values(void **state)
{
	static const struct {
		enum agg_kind kind;
		double v;
		bool want;
	} cases[] = {
		{ AGG_SUM, NAN, false },
		{ AGG_AVG, INFINITY, false },
		{ AGG_MIN, -INFINITY, false },
		{ AGG_MAX, NAN, false },
		{ AGG_QUANTILE, NAN, false },
		{ AGG_SUM, 1e308, true },
		{ AGG_COUNT, NAN, true },
		{ AGG_RATIO, NAN, true },
		{ AGG_DISTINCT, NAN, true },
		{ AGG_ABSENT, INFINITY, true },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct window_spec s = spec_of(cases[c].kind, 0.5, MIN);
		struct window *w = window_new(&s, T0);
		uint64_t n;

		assert_non_null(w);
		if (window_add(w, &s, T0, cases[c].v, true, 5) != cases[c].want)
			fail_msg("%s %g: add returned %d",
			    kind_names[cases[c].kind], cases[c].v,
			    !cases[c].want);
		window_value(w, &s, T0, &n);
		assert_int_equal(n, cases[c].want);
		window_free(w);
	}
	/* A sum that would overflow to infinity is refused, not poisoned. */
	{
		struct window_spec s = spec_of(AGG_SUM, 0, MIN);
		struct window *w = window_new(&s, T0);

		assert_true(window_add(w, &s, T0, 1e308, false, 0));
		assert_false(window_add(w, &s, T0, 1e308, false, 0));
		assert_true(window_add(w, &s, T0, -1e308, false, 0));
		assert_true(window_value(w, &s, T0, NULL) == 0.0);
		window_free(w);
	}
	/* Times outside +-2^60 ms are refused. */
	{
		struct window_spec s = spec_of(AGG_COUNT, 0, MIN);
		struct window *w = window_new(&s, T0);

		assert_false(window_add(w, &s, INT64_MAX, 0, false, 0));
		assert_false(window_add(w, &s, INT64_MIN, 0, false, 0));
		window_advance(w, &s, INT64_MAX);
		assert_true(window_add(w, &s, T0, 0, false, 0));
		assert_null(window_new(&s, INT64_MIN));
		window_free(w);
	}
}

/* --- spec ---------------------------------------------------------------- */

static void
test_spec_init(void **state)
{
	static const struct {
		const char *name;
		enum agg_kind kind;
		double q;
		int64_t window_ms;
		int rc;
		int64_t bucket_ms;
		uint32_t nbuckets;
		int64_t slice_ms;
		uint32_t nslices;
	} cases[] = {
		{ "1s", AGG_COUNT, 0, SEC, 0, 1000, 1, 0, 0 },
		{ "5m", AGG_SUM, 0, 5 * MIN, 0, 1000, 300, 0, 0 },
		{ "1h", AGG_AVG, 0, HOUR, 0, 1000, 3600, 0, 0 },
		{ "1h1s", AGG_MIN, 0, HOUR + SEC, 0, 2000, 1801, 0, 0 },
		{ "1h30m", AGG_MAX, 0, 90 * MIN, 0, 2000, 2700, 0, 0 },
		{ "1d", AGG_RATE, 0, DAY, 0, 24000, 3600, 0, 0 },
		{ "31d", AGG_ABSENT, 0, 31 * DAY, 0, 744000, 3600, 0, 0 },
		{ "p99 5m", AGG_QUANTILE, 0.99, 5 * MIN, 0, 0, 0, 5000, 60 },
		{ "p50 59s", AGG_QUANTILE, 0.5, 59 * SEC, 0, 0, 0, 1000, 59 },
		{ "p50 61s", AGG_QUANTILE, 0.5, 61 * SEC, 0, 0, 0, 2000, 31 },
		{ "distinct 1d", AGG_DISTINCT, 0, DAY, 0, 0, 0, 1440000, 60 },
		{ "distinct 1s", AGG_DISTINCT, 0, SEC, 0, 0, 0, 1000, 1 },
		{ "0", AGG_COUNT, 0, 0, -1, 0, 0, 0, 0 },
		{ "999ms", AGG_COUNT, 0, 999, -1, 0, 0, 0, 0 },
		{ "1500ms", AGG_COUNT, 0, 1500, -1, 0, 0, 0, 0 },
		{ "31d1s", AGG_COUNT, 0, 31 * DAY + SEC, -1, 0, 0, 0, 0 },
		{ "negative", AGG_COUNT, 0, -MIN, -1, 0, 0, 0, 0 },
		{ "q 0", AGG_QUANTILE, 0.0, MIN, -1, 0, 0, 0, 0 },
		{ "q 1", AGG_QUANTILE, 1.0, MIN, -1, 0, 0, 0, 0 },
		{ "q NaN", AGG_QUANTILE, NAN, MIN, -1, 0, 0, 0, 0 },
		{ "bad kind", (enum agg_kind)42, 0, MIN, -1, 0, 0, 0, 0 },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct window_spec s;
		int rc = window_spec_init(
		    &s, cases[c].kind, cases[c].q, cases[c].window_ms);

		if (rc != cases[c].rc)
			fail_msg("%s: rc %d", cases[c].name, rc);
		if (rc != 0)
			continue;
		if (s.bucket_ms != cases[c].bucket_ms ||
		    s.nbuckets != cases[c].nbuckets ||
		    s.slice_ms != cases[c].slice_ms ||
		    s.nslices != cases[c].nslices)
			fail_msg("%s: buckets %lld x %u, slices %lld x %u",
			    cases[c].name, (long long)s.bucket_ms, s.nbuckets,
			    (long long)s.slice_ms, s.nslices);
		assert_true(s.nbuckets <= WINDOW_BUCKETS_MAX);
		assert_true(s.nslices <= WINDOW_SLICES_MAX);
	}
}

static void
test_new_refuses_bad_spec(void **state)
{
	struct window_spec s = spec_of(AGG_COUNT, 0, MIN), t;

	(void)state;
	t = s;
	t.nbuckets = 1000000;
	assert_null(window_new(&t, T0));
	assert_int_equal(window_mem_bytes(&t), 0);
	t = s;
	t.bucket_ms = 1;
	assert_null(window_new(&t, T0));
	t = spec_of(AGG_QUANTILE, 0.5, MIN);
	t.q = 1.5;
	assert_null(window_new(&t, T0));
	t = spec_of(AGG_QUANTILE, 0.5, MIN);
	t.kind =
	    AGG_COUNT; /* a quantile spec relabelled: slices, not buckets */
	assert_null(window_new(&t, T0));
	t = spec_of(AGG_COUNT, 0, MIN);
	t.q = 0.5; /* init sets q = 0 for the other kinds */
	assert_null(window_new(&t, T0));
}

/* --- save / load ---------------------------------------------------------- */

static char *
save(const struct window *w, const struct window_spec *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(window_save(w, s, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static struct window *
load(const struct window_spec *s, const void *buf, size_t len)
{
	struct window *w;
	FILE *f;

	if (len == 0)
		f = fopen("/dev/null", "r");
	else
		f = fmemopen((void *)(uintptr_t)buf, len, "r");
	assert_non_null(f);
	w = window_load(s, f);
	fclose(f);
	return w;
}

static void
apply(struct window *w, const struct window_spec *s, const struct op *o,
    double *v, uint64_t *n)
{
	*v = 0.0;
	*n = 0;
	if (o->type == OP_ADD)
		*n = window_add(w, s, o->t, o->v, o->hit, o->h);
	else if (o->type == OP_ADVANCE)
		window_advance(w, s, o->t);
	else
		*v = window_value(w, s, o->t, n);
}

/* Every kind: save half-way, load, and run both on: identical values. */
static void
test_save_load_round_trip(void **state)
{
	(void)state;
	for (size_t c = 0; c < NELEM(rand_cases); c++) {
		const struct rand_case *rc = &rand_cases[c];
		struct window_spec s = spec_of(rc->kind, rc->q, rc->window_ms);
		struct op *ops = make_ops(rc);
		struct window *a = window_new(&s, T0), *b = NULL;
		size_t half = rc->nops / 2, len;
		char *buf;

		assert_non_null(a);
		for (size_t i = 0; i < rc->nops; i++) {
			double va, vb;
			uint64_t na, nb;

			if (i == half) {
				buf = save(a, &s, &len);
				b = load(&s, buf, len);
				if (b == NULL)
					fail_msg("%s: load failed", rc->name);
				free(buf);
			}
			apply(a, &s, &ops[i], &va, &na);
			if (b == NULL)
				continue;
			apply(b, &s, &ops[i], &vb, &nb);
			if (na != nb || !(va == vb || (isnan(va) && isnan(vb))))
				fail_msg("%s: op %zu: %.17g (%llu) vs loaded "
					 "%.17g (%llu)",
				    rc->name, i, va, (unsigned long long)na, vb,
				    (unsigned long long)nb);
		}
		window_free(a);
		window_free(b);
		free(ops);
	}
}

/*
 * Quantile reads follow the rank with a cursor (sketch.h); a loaded window
 * starts without one and walks. Every 97 ops, a loaded copy must read
 * bit for bit what the window reads, so a cursor that drifted through
 * adds, out-of-order events and expiries would show.
 */
static void
test_quantile_cursor_exact(void **state)
{
	(void)state;
	for (size_t c = 0; c < NELEM(rand_cases); c++) {
		const struct rand_case *rc = &rand_cases[c];
		struct window_spec s = spec_of(rc->kind, rc->q, rc->window_ms);
		struct op *ops;
		struct window *w;
		size_t checks = 0;

		if (rc->kind != AGG_QUANTILE)
			continue;
		ops = make_ops(rc);
		w = window_new(&s, T0);
		assert_non_null(w);
		for (size_t i = 0; i < rc->nops; i++) {
			double va, vb;
			uint64_t na, nb;
			struct window *copy;
			size_t len;
			char *buf;

			if (i % 97 != 0 || ops[i].type != OP_VALUE) {
				apply(w, &s, &ops[i], &va, &na);
				continue;
			}
			buf = save(w, &s, &len);
			copy = load(&s, buf, len);
			free(buf);
			if (copy == NULL)
				fail_msg(
				    "%s: op %zu: load failed", rc->name, i);
			apply(w, &s, &ops[i], &va, &na);
			apply(copy, &s, &ops[i], &vb, &nb);
			window_free(copy);
			checks++;
			if (na != nb || !(va == vb || (isnan(va) && isnan(vb))))
				fail_msg("%s: op %zu: %.17g (%llu) vs walked "
					 "%.17g (%llu)",
				    rc->name, i, va, (unsigned long long)na, vb,
				    (unsigned long long)nb);
		}
		assert_true(checks > 10);
		window_free(w);
		free(ops);
	}
}

/* A window of each kind with some events in it, saved. */
static char *
sample_blob(const struct rand_case *rc, const struct window_spec *s,
    size_t nops, size_t *len)
{
	struct rand_case r = *rc;
	struct op *ops;
	struct window *w = window_new(s, T0);
	double v;
	uint64_t n;
	char *buf;

	assert_non_null(w);
	r.nops = nops;
	ops = make_ops(&r);
	for (size_t i = 0; i < nops; i++)
		apply(w, s, &ops[i], &v, &n);
	buf = save(w, s, len);
	window_free(w);
	free(ops);
	return buf;
}

/* Next position to damage: every byte of the header and the first cell,
 * then about 400 spread over the rest (each try allocates a window: keep
 * ASan's quarantine small). */
static size_t
next_pos(size_t i, size_t len)
{
	size_t stride = len / 400;

	return i < 64 || stride == 0 ? i + 1 : i + stride;
}

/* Truncations and flipped bytes are refused. */
static void
test_load_damaged(void **state)
{
	(void)state;
	for (size_t c = 0; c < NELEM(rand_cases); c++) {
		const struct rand_case *rc = &rand_cases[c];
		struct window_spec s = spec_of(rc->kind, rc->q, rc->window_ms);
		size_t len;
		char *buf = sample_blob(rc, &s, 150, &len);
		struct window *w;

		for (size_t cut = 0; cut < len; cut = next_pos(cut, len)) {
			if ((w = load(&s, buf, cut)) != NULL)
				fail_msg("%s: cut at %zu of %zu loaded",
				    rc->name, cut, len);
		}
		for (size_t i = 0; i < len; i = next_pos(i, len)) {
			buf[i] ^= 0x5a;
			if ((w = load(&s, buf, len)) != NULL)
				fail_msg("%s: byte %zu of %zu flipped loaded",
				    rc->name, i, len);
			buf[i] ^= 0x5a;
		}
		/* Intact, it loads. */
		w = load(&s, buf, len);
		assert_non_null(w);
		window_free(w);
		free(buf);
	}
}

static void
put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/*
 * Damage behind a valid checksum: the test rewrites the checksum, so only
 * the range checks stand between the bytes and the window. Offsets are
 * those of the format in window_snap.c: a 48-byte header, then created, now,
 * last (i64), sum (f64), resum, live (u32), then cells (age u32, count u32,
 * kind data).
 */
#define H         48
#define P_CREATED (H + 0)
#define P_NOW     (H + 8)
#define P_LAST    (H + 16)
#define P_SUM     (H + 24)
#define P_RESUM   (H + 32)
#define P_LIVE    (H + 36)
#define P_CELL0   (H + 40)

static void
test_load_checked_fields(void **state)
{
	static const struct {
		const char *name;
		enum agg_kind kind;
		size_t off; /* byte to rewrite; SIZE_MAX: append a byte */
		int width;
		uint64_t value;
		bool loads;
		int64_t window_ms; /* 0: 1 min */
	} cases[] = {
		{ "unchanged", AGG_COUNT, 0, 0, 0, true, 0 },
		{ "version 2", AGG_COUNT, 4, 4, 2, false, 0 },
		{ "other kind", AGG_COUNT, 8, 4, AGG_RATE, false, 0 },
		{ "other cell count", AGG_COUNT, 12, 4, 61, false, 0 },
		{ "other window", AGG_COUNT, 24, 8, 61000, false, 0 },
		{ "reserved set", AGG_COUNT, 44, 4, 1, false, 0 },
		{ "payload huge", AGG_COUNT, 40, 4, 0xffffffffu, false, 0 },
		{ "created after now", AGG_COUNT, P_CREATED, 8,
		    (uint64_t)(T0 + DAY), false, 0 },
		{ "now out of range", AGG_COUNT, P_NOW, 8, UINT64_C(1) << 62,
		    false, 0 },
		{ "last after now", AGG_COUNT, P_LAST, 8, (uint64_t)(T0 + DAY),
		    false, 0 },
		{ "no last but cells", AGG_COUNT, P_LAST, 8,
		    (uint64_t)INT64_MIN, false, 0 },
		{ "resum past n", AGG_SUM, P_RESUM, 4, 61, false, 0 },
		{ "sum NaN", AGG_SUM, P_SUM, 8, UINT64_C(0x7ff8000000000000),
		    false, 0 },
		{ "live past n", AGG_COUNT, P_LIVE, 4, 61, false, 0 },
		{ "live more than written", AGG_COUNT, P_LIVE, 4, 3, false, 0 },
		{ "age past n", AGG_COUNT, P_CELL0, 4, 60, false, 0 },
		{ "oldest live age", AGG_COUNT, P_CELL0, 4, 59, true, 0 },
		{ "cell empty", AGG_COUNT, P_CELL0 + 4, 4, 0, false, 0 },
		{ "hits past count", AGG_RATIO, P_CELL0 + 8, 4, 1000, false,
		    0 },
		{ "cell sum inf", AGG_SUM, P_CELL0 + 8, 8,
		    UINT64_C(0x7ff0000000000000), false, 0 },
		{ "cell max NaN", AGG_MAX, P_CELL0 + 8, 8,
		    UINT64_C(0x7ff8000000000001), false, 0 },
		{ "sketch count mismatch", AGG_QUANTILE, P_CELL0 + 4, 4, 1000,
		    false, 0 },
		{ "sketch off range", AGG_QUANTILE, P_CELL0 + 16, 4,
		    (uint64_t)(uint32_t)INT32_MIN, false, 0 },
		{ "distinct bad mode", AGG_DISTINCT, P_CELL0 + 8, 1, 7, false,
		    0 },
		{ "trailing byte", AGG_COUNT, SIZE_MAX, 0, 0, false, 0 },
		/* 1h1s: 2 s buckets, and at an odd second only 1800 of the
		 * 1801 are inside the window. */
		{ "oldest live, 2 s buckets", AGG_COUNT, P_CELL0, 4, 1799, true,
		    HOUR + SEC },
		{ "age not live, 2 s buckets", AGG_COUNT, P_CELL0, 4, 1800,
		    false, HOUR + SEC },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct window_spec s = spec_of(cases[c].kind, 0.5,
		    cases[c].window_ms ? cases[c].window_ms : MIN);
		struct window *w = window_new(&s, T0);
		unsigned char *b;
		size_t len, plen;
		char *buf;

		assert_non_null(w);
		/* Two cells: t = T0 + 1 s and T0 + 2 s, clock T0 + 3 s. */
		assert_true(window_add(w, &s, T0 + SEC, 1.5, true, 11));
		assert_true(window_add(w, &s, T0 + 2 * SEC, 2.5, false, 12));
		window_advance(w, &s, T0 + 3 * SEC);
		buf = save(w, &s, &len);
		window_free(w);
		b = malloc(len + 1);
		assert_non_null(b);
		memcpy(b, buf, len);
		free(buf);
		len -= 8; /* drop the checksum */
		if (cases[c].off == SIZE_MAX) {
			b[len++] = 0;
			plen = get_le(b + 40, 4) + 1;
			put_le(b + 40, plen, 4);
		} else if (cases[c].width > 0) {
			assert_true(cases[c].off + cases[c].width <= len);
			put_le(
			    b + cases[c].off, cases[c].value, cases[c].width);
		}
		b = realloc(b, len + 8);
		assert_non_null(b);
		put_le(b + len, window_hash((const char *)b, len), 8);
		w = load(&s, b, len + 8);
		if ((w != NULL) != cases[c].loads)
			fail_msg("%s: load %s", cases[c].name,
			    w ? "succeeded" : "failed");
		window_free(w);
		free(b);
	}
}

static void
test_load_other_spec(void **state)
{
	struct window_spec s5 = spec_of(AGG_COUNT, 0, 5 * MIN);
	struct window_spec s10 = spec_of(AGG_COUNT, 0, 10 * MIN);
	struct window_spec p50 = spec_of(AGG_QUANTILE, 0.5, 5 * MIN);
	struct window_spec p99 = spec_of(AGG_QUANTILE, 0.99, 5 * MIN);
	struct window *w = window_new(&s5, T0), *q = window_new(&p50, T0);
	size_t len, qlen;
	char *buf, *qbuf;

	(void)state;
	assert_true(w != NULL && q != NULL);
	assert_true(window_add(w, &s5, T0, 0, false, 0));
	assert_true(window_add(q, &p50, T0, 1, false, 0));
	buf = save(w, &s5, &len);
	qbuf = save(q, &p50, &qlen);
	assert_null(load(&s10, buf, len));
	assert_null(load(&p50, buf, len));
	assert_null(load(&p99, qbuf, qlen));
	window_free(w);
	window_free(q);
	w = load(&s5, buf, len);
	assert_non_null(w);
	window_free(w);
	free(buf);
	free(qbuf);
}

/* Windows saved one after another in one file load one after another:
 * a load reads exactly its own bytes (the engine's snapshot does this). */
static void
test_save_load_stream(void **state)
{
	struct window_spec sp[3];
	struct window *w[3];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	sp[0] = spec_of(AGG_QUANTILE, 0.99, 5 * MIN);
	sp[1] = spec_of(AGG_COUNT, 0, HOUR);
	sp[2] = spec_of(AGG_DISTINCT, 0, MIN);
	assert_non_null(f = open_memstream(&buf, &len));
	for (int i = 0; i < 3; i++) {
		assert_non_null(w[i] = window_new(&sp[i], T0));
		for (int k = 0; k < 100; k++)
			assert_true(window_add(w[i], &sp[i], T0 + k * 700,
			    0.01 * k, false, field_hash((unsigned)k)));
		assert_int_equal(window_save(w[i], &sp[i], f), 0);
	}
	assert_int_equal(fclose(f), 0);
	assert_non_null(f = fmemopen(buf, len, "r"));
	for (int i = 0; i < 3; i++) {
		struct window *l = window_load(&sp[i], f);
		uint64_t na, nb;
		double a, b;

		if (l == NULL)
			fail_msg("window %d did not load", i);
		a = window_value(w[i], &sp[i], T0 + 80 * SEC, &na);
		b = window_value(l, &sp[i], T0 + 80 * SEC, &nb);
		if (a != b || na != nb)
			fail_msg("window %d: %g (%llu) vs %g (%llu)", i, a,
			    (unsigned long long)na, b, (unsigned long long)nb);
		window_free(l);
		window_free(w[i]);
	}
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
	free(buf);
}

/* --- memory ----------------------------------------------------------------
 */

/*
 * Feed n events spread evenly over 10 minutes, cycling through 8 values
 * (1 ms .. 10 s) and 8 client addresses, so that every cell sees the same
 * values at any rate: what may differ is only how many events.
 */
static struct window *
feed_even(const struct window_spec *s, size_t n)
{
	static const double vals[] = { 0.001, 0.004, 0.02, 0.1, 0.35, 1.2, 4.0,
		10.0 };
	struct window *w = window_new(s, T0);

	assert_non_null(w);
	for (size_t i = 0; i < n; i++) {
		int64_t t = T0 + (int64_t)(i * (10 * MIN) / n);

		assert_true(window_add(w, s, t, vals[i % 8], i % 2,
		    field_hash((unsigned)(i % 8))));
	}
	return w;
}

static void
test_memory(void **state)
{
	static const int64_t windows[] = { 5 * MIN, HOUR, DAY };

	(void)state;
	print_message("window: heap bytes per window: bound, and used for 8 "
		      "values 1ms..10s from 8 clients (5m, 1h, 1d)\n");
	for (int k = AGG_COUNT; k <= AGG_ABSENT; k++) {
		size_t bound[NELEM(windows)], used[NELEM(windows)];

		for (size_t i = 0; i < NELEM(windows); i++) {
			struct window_spec s =
			    spec_of((enum agg_kind)k, 0.99, windows[i]);
			struct window *lo = feed_even(&s, 1000);
			struct window *hi = feed_even(&s, 100000);
			size_t mlo = window_mem_used(lo, &s);
			size_t mhi = window_mem_used(hi, &s);

			bound[i] = window_mem_bytes(&s);
			used[i] = mhi;
			if (mlo != mhi || mhi > bound[i])
				fail_msg("%s %llds: %zu bytes at 100/min, %zu "
					 "at 10000/min, bound %zu",
				    kind_names[k],
				    (long long)(windows[i] / SEC), mlo, mhi,
				    bound[i]);
			window_free(lo);
			window_free(hi);
		}
		print_message("  %-8s %8zu %8zu %8zu | %7zu %7zu %7zu\n",
		    kind_names[k], bound[0], bound[1], bound[2], used[0],
		    used[1], used[2]);
	}
}

/*
 * window_add_many is window_add n times: the same answers and the same
 * window, for every kind, on a stream with out-of-order, too-old and
 * non-finite events, fed in chunks of every size.
 */
static void
test_add_many_same(void **state)
{
	static const enum agg_kind kinds[] = { AGG_COUNT, AGG_RATE, AGG_SUM,
		AGG_AVG, AGG_MIN, AGG_MAX, AGG_QUANTILE, AGG_RATIO,
		AGG_DISTINCT, AGG_ABSENT };
	enum {
		N = 4000
	};
	static int64_t t[N];
	static double v[N];
	static bool hit[N], got[N];
	static uint64_t h[N];
	uint32_t x = 7;
	int64_t now = T0;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		unsigned r;

		x = x * 1103515245u + 12345u;
		r = x >> 8;
		now += r % 700;
		t[i] = now - (r % 11 == 0 ? (int64_t)(r % 90000) : 0);
		v[i] = r % 97 == 0 ? NAN : (double)(r % 5000) / 1000;
		hit[i] = r % 3 == 0;
		h[i] = (uint64_t)(r % 500) * UINT64_C(0x9e3779b97f4a7c15);
	}
	for (size_t kd = 0; kd < NELEM(kinds); kd++) {
		struct window_spec s = spec_of(kinds[kd], 0.99, 60000);
		struct window *a = window_new(&s, T0), *b = window_new(&s, T0);
		size_t chunk = 1;

		assert_true(a != NULL && b != NULL);
		for (size_t i = 0; i < N; i += chunk, chunk = chunk * 3 % 257) {
			uint64_t ca, cb;
			double va, vb;

			if (chunk > N - i)
				chunk = N - i;
			window_add_many(b, &s, &t[i], &v[i], &hit[i], &h[i],
			    chunk, &got[i]);
			for (size_t j = i; j < i + chunk; j++) {
				if (window_add(a, &s, t[j], v[j], hit[j],
					h[j]) != got[j])
					fail_msg("%s, event %zu: taken %d",
					    kind_names[kinds[kd]], j, got[j]);
			}
			va = window_value(a, &s, t[i + chunk - 1], &ca);
			vb = window_value(b, &s, t[i + chunk - 1], &cb);
			if (ca != cb || !(va == vb || (isnan(va) && isnan(vb))))
				fail_msg("%s after event %zu: %g (%llu) != "
					 "%g (%llu)",
				    kind_names[kinds[kd]], i + chunk - 1, va,
				    (unsigned long long)ca, vb,
				    (unsigned long long)cb);
		}
		window_free(a);
		window_free(b);
	}
}

/* --- distinct through the window ---------------------------------------- */

static void
test_distinct_ips(void **state)
{
	static const unsigned sizes[] = { 10, 1000, 100000 };

	(void)state;
	for (size_t c = 0; c < NELEM(sizes); c++) {
		struct window_spec s = spec_of(AGG_DISTINCT, 0, HOUR);
		struct window *w = window_new(&s, T0);
		uint64_t n;
		double got;

		assert_non_null(w);
		/* Each address twice, over one hour from a whole minute (the
		 * slices are 60 s). */
		for (unsigned i = 0; i < 2 * sizes[c]; i++) {
			int64_t t = EDGE_BASE +
			    (int64_t)i * (HOUR - SEC) / (2 * sizes[c]);

			assert_true(window_add(
			    w, &s, t, 0, false, field_hash(i % sizes[c])));
		}
		got = window_value(w, &s, EDGE_BASE + HOUR - SEC, &n);
		assert_int_equal(n, 2 * sizes[c]);
		if (fabs(got - sizes[c]) > distinct_tol(sizes[c]))
			fail_msg("%u addresses: %g", sizes[c], got);
		print_message("window: distinct of %u addresses: %g (%.3f%%)\n",
		    sizes[c], got, 100 * fabs(got - sizes[c]) / sizes[c]);
		window_free(w);
	}
}

/* --- hash ---------------------------------------------------------------- */

static void
test_hash_pinned(void **state)
{
	/* Pinned: group keys and dedup keys derive from these, and they go
	 * to sinks and snapshots; a change must be deliberate. */
	static const struct {
		const char *s;
		uint64_t h;
	} cases[] = {
		{ "", UINT64_C(0xbfdbeb3c3f13387a) },
		{ "a", UINT64_C(0x19141ece9eb9a250) },
		{ "ab", UINT64_C(0x5f7d6abd57f08203) },
		{ "abc", UINT64_C(0x6f7b211c2392740a) },
		{ "klaxon", UINT64_C(0x4ebb211ceaccb2d0) },
		{ "10.0.0.1", UINT64_C(0xfcb0a8c1ed19528b) },
		{ "GET /api/v1/users HTTP/1.1", UINT64_C(0xebcc790594c60f02) },
		{ "0123456789abcdef", UINT64_C(0xc5ebb287413ac701) },
		{ "0123456789abcdef0", UINT64_C(0xc94028e4dfa393f9) },
		{ "The quick brown fox jumps over the lazy dog, twice: the "
		  "quick brown fox jumps over the lazy dog.",
		    UINT64_C(0x43f7d7a9128bed20) },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		uint64_t h = window_hash(cases[c].s, strlen(cases[c].s));

		if (h != cases[c].h)
			fail_msg("\"%s\": %016llx", cases[c].s,
			    (unsigned long long)h);
	}
}

static void
test_hash_properties(void **state)
{
	char buf[80], al[96];
	uint64_t hs[65], flips[64] = { 0 }, trials = 0, total = 0;

	(void)state;
	testutil_rng_seed(1234);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)testutil_rng();
	/* Every length gives a different hash; alignment does not matter. */
	for (size_t n = 0; n <= 64; n++) {
		hs[n] = window_hash(buf, n);
		for (size_t k = 0; k < n; k++) {
			if (hs[k] == hs[n])
				fail_msg("length %zu and %zu collide", k, n);
		}
		for (size_t a = 1; a < 8; a++) {
			memcpy(al + a, buf, n);
			if (window_hash(al + a, n) != hs[n])
				fail_msg(
				    "length %zu: alignment %zu differs", n, a);
		}
	}
	/* Avalanche: one flipped input bit flips each output bit with
	 * probability ~1/2. */
	for (int rep = 0; rep < 300; rep++) {
		static const size_t lens[] = { 1, 3, 4, 7, 8, 12, 16, 17, 31,
			40, 64 };
		size_t n = lens[rep % NELEM(lens)];
		uint64_t h0;

		for (size_t i = 0; i < n; i++)
			buf[i] = (char)testutil_rng();
		h0 = window_hash(buf, n);

		for (size_t bit = 0; bit < 8 * n; bit++) {
			uint64_t d;

			buf[bit / 8] ^= (char)(1 << (bit % 8));
			d = h0 ^ window_hash(buf, n);
			buf[bit / 8] ^= (char)(1 << (bit % 8));
			total += (uint64_t)__builtin_popcountll(d);
			for (int o = 0; o < 64; o++)
				flips[o] += d >> o & 1;
			trials++;
		}
	}
	for (int o = 0; o < 64; o++) {
		double p = (double)flips[o] / (double)trials;

		if (p < 0.47 || p > 0.53)
			fail_msg("output bit %d flips with p=%.3f", o, p);
	}
	assert_true(fabs((double)total / (double)trials - 32.0) < 0.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_init),
		cmocka_unit_test(test_new_refuses_bad_spec),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_refused_values),
		cmocka_unit_test(test_save_load_round_trip),
		cmocka_unit_test(test_quantile_cursor_exact),
		cmocka_unit_test(test_load_damaged),
		cmocka_unit_test(test_load_checked_fields),
		cmocka_unit_test(test_load_other_spec),
		cmocka_unit_test(test_save_load_stream),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_add_many_same),
		cmocka_unit_test(test_distinct_ips),
		cmocka_unit_test(test_hash_pinned),
		cmocka_unit_test(test_hash_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
