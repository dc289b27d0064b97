/*
 * expr - evaluate a compiled filter expression per event, without
 * allocation. The language and its semantics are in expr.h (and
 * README.md "Configuration"); compiling is in
 * expr_parse.c, expr_lex.c and expr_regex.c (map in expr_impl.h). This
 * file holds only what runs per event, so that it inlines into node_eval.
 *
 * Design. The tree is one array of nodes that refer to each other by
 * index. && and || are n-ary nodes whose operands are chained through
 * `next`, so a chain of a thousand && costs no recursion depth; only
 * parentheses and '!' nest, and both are capped at EXPR_DEPTH_MAX at
 * compile time, which bounds node_eval's recursion. Fields are ids:
 * evaluation reads ev->text / ev->num by id. A field absent from the
 * event makes every comparison on it false.
 *
 * Regexes. A match runs on at most subject_max bytes of the field (a cut
 * subject is matched with PCRE2_NOTEOL), under the match context made at
 * compile time (limits: expr_regex.c). JIT code is run through
 * pcre2_jit_match (no per-call checks); a pattern that is only literal
 * alternatives is answered by lit_match without PCRE2 (same answer; the
 * shapes are in expr_regex.c's lit_parse).
 *
 * Invariants: a regex limit hit makes that comparison false (for !~ too:
 * an undecided comparison is false like an absent field) and counts; the
 * quarantine flag, once set, stays. expr_eval allocates nothing itself.
 *
 * Not handled: `\z` and `\Z` still match at the cut of a long subject
 * (PCRE2_NOTEOL only affects `$`); field-to-field comparisons.
 */
#include "rules/expr.h"

#include <math.h>
#include <string.h>

#include "rules/expr_impl.h"
#include "parsers/compat.h"

/* --- literal fast path ------------------------------------------------- */

/* s[0..len) equals alternative j of l (len fits). */
static bool
lit_eq(const struct litset *l, unsigned j, const unsigned char *s)
{
	const unsigned char *b = (const unsigned char *)l->bytes + l->off[j];
	uint32_t n = l->len[j];

	if (!l->fold)
		return memcmp(s, b, n) == 0;
	for (uint32_t k = 0; k < n; k++) {
		if (lower(s[k]) != b[k])
			return false;
	}
	return true;
}

/* Alternative j of l starts s, which has avail >= len[j] bytes: its
 * first 8 bytes by one word compare when 8 bytes are there to load. */
static inline bool
lit_at(const struct litset *l, unsigned j, const unsigned char *s, size_t avail)
{
	uint64_t w;

	if (avail < 8)
		return lit_eq(l, j, s);
	memcpy(&w, s, 8);
	if (((w | l->fmask[j]) & l->wmask[j]) != l->word[j])
		return false;
	return l->len[j] <= 8 || lit_eq(l, j, s);
}

/*
 * Whether an alternative of l occurs in s[0..n) at a position in
 * [*at, scan), reading s[0..scan + 1) (scan >= n: zero padding past n,
 * which no alternative contains), 16 positions at a time on the
 * alternatives' first two bytes (minlen >= 2). When not found, *at is the
 * first position not scanned. Branch-light: a user agent takes a few
 * steps where a byte-wise search mispredicts at every shift.
 */
static bool
lit_scan(const struct litset *l, const unsigned char *s, size_t n, size_t scan,
    size_t *at)
{
	size_t i = *at;

	for (; i + 16 <= scan; i += 16) {
		v16b a, b, hit = { 0 };
		uint64_t w[2];

		memcpy(&a, s + i, 16);
		memcpy(&b, s + i + 1, 16);
		if (l->fold_same) {
			/* One fold for all (the usual case: letters). */
			a |= l->f0[0];
			b |= l->f1[0];
			for (unsigned j = 0; j < l->nalt; j++)
				hit |= (v16b)(a == l->c0[j]) &
				    (v16b)(b == l->c1[j]);
		} else {
			for (unsigned j = 0; j < l->nalt; j++)
				hit |= (v16b)((a | l->f0[j]) == l->c0[j]) &
				    (v16b)((b | l->f1[j]) == l->c1[j]);
		}
		memcpy(w, &hit, 16);
		for (unsigned h = 0; h < 2; h++) {
			while (w[h] != 0) {
				size_t p = i + 8 * h;
				unsigned k;

				/* The lowest byte in memory order. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				k = (unsigned)__builtin_ctzll(w[h]) / 8;
#else
				k = (unsigned)__builtin_clzll(w[h]) / 8;
#endif
				p += k;
				for (unsigned j = 0; p < n && j < l->nalt;
				     j++) {
					if (l->len[j] <= n - p &&
					    lit_at(l, j, s + p, n - p))
						return true;
				}
				/* Clear that byte (0xff: a vector true). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				w[h] &= ~(UINT64_C(0xff) << (8 * k));
#else
				w[h] &= ~(UINT64_C(0xff) << (56 - 8 * k));
#endif
			}
		}
	}
	*at = i;
	return false;
}

/* An unanchored litset in s[0..n) (n >= minlen): the vector scan, its
 * last under 17 bytes from a zero-padded copy; Horspool when an
 * alternative is a single byte. Out of line: the anchored case is the
 * common one and stays small. */
static bool __attribute__((noinline))
lit_find(const struct litset *l, const unsigned char *s, size_t n)
{
	size_t i = 0;

	if (l->minlen >= 2) {
		unsigned char tail[16 + 1] = { 0 };
		size_t j = 0;

		if (n >= 17 && lit_scan(l, s, n, n - 1, &i))
			return true;
		/* Positions i .. n - 1 from the copy; an alternative is
		 * checked against the real bytes only (n - i of them). */
		memcpy(tail, s + i, n - i);
		return lit_scan(l, tail, n - i, 16, &j);
	}
	for (size_t last = n - l->minlen; i <= last;) {
		unsigned m, sh = l->shift[s[i + l->minlen - 1]];

		if (sh != 0) {
			i += sh;
			continue;
		}
		for (m = l->first[s[i]]; m != 0; m &= m - 1) {
			unsigned j = (unsigned)__builtin_ctz(m);

			if (l->len[j] <= n - i && lit_at(l, j, s + i, n - i))
				return true;
		}
		i++;
	}
	return false;
}

/* Whether the litset matches s[0..n): what PCRE2 would answer. */
static inline bool
lit_match(const struct litset *l, const char *subject, size_t n)
{
	const unsigned char *s = (const unsigned char *)subject;

	if (n < l->minlen)
		return false;
	if (!l->anchored)
		return lit_find(l, s, n);
	for (unsigned j = 0; j < l->nalt; j++) {
		if (l->len[j] <= n && lit_at(l, j, s, n))
			return true;
	}
	return false;
}

/* --- evaluation -------------------------------------------------------- */

/* The comparison with mask m (struct node: 1 <, 2 ==, 4 >) of c's sign. */
static inline bool
cmp_result(uint8_t m, int c)
{
	return (m >> (c + 1)) & 1;
}

/* Field id as a number; false when absent or text-only ("socket"). */
static bool
num_of(const struct log_event *ev, int id, double *v)
{
	if (!event_has_num(ev, id) || isnan(ev->num[id]))
		return false;
	*v = ev->num[id];
	return true;
}

static inline int
sign(int c)
{
	return (c > 0) - (c < 0);
}

static int
cmp_bytes(struct sv a, const char *b, size_t blen)
{
	size_t n = a.len < blen ? a.len : blen;
	int c = n ? memcmp(a.p, b, n) : 0;

	if (c != 0)
		return c;
	return a.len < blen ? -1 : a.len > blen;
}

/*
 * r on s[0..len) through PCRE2 (opt: PCRE2_NOTEOL for a cut subject):
 * 1 match, 0 no match, -1 undecided (a limit; counted, and the rule
 * quarantined after quarantine_after of them).
 */
static int __attribute__((noinline))
regex_run(struct expr *e, const struct regex *r, const char *s, size_t len,
    uint32_t opt)
{
	int rc;

	/* JIT code: pcre2_jit_match skips pcre2_match's checks, which hold
	 * by construction (valid code, offset 0, no UTF, NOTEOL only), and
	 * still honours the match context (match limit, JIT stack). */
	if (r->jit)
		rc = pcre2_jit_match(r->code, (PCRE2_SPTR)(s ? s : ""), len, 0,
		    opt, r->md, e->mctx_jit);
	else
		rc = pcre2_match(r->code, (PCRE2_SPTR)(s ? s : ""), len, 0, opt,
		    r->md, e->mctx_interp);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	/* MATCHLIMIT, DEPTHLIMIT, HEAPLIMIT, JIT_STACKLIMIT, NOMEMORY. */
	if (++e->stats.regex_limit_hits >= e->quarantine_after)
		e->stats.quarantined = true;
	return -1;
}

/* The memo's signature of s[0..n): its length and three 8-byte words. */
static inline uint64_t
memo_sig(const char *s, size_t n)
{
	uint64_t a = 0, b = 0, c = 0, h;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(&c, s + n / 2 - 4, 8);
	} else if (n > 0) {
		memcpy(&a, s, n);
	}
	h = (a ^ n) * UINT64_C(0x9e3779b97f4a7c15) ^
	    b * UINT64_C(0xc2b2ae3d27d4eb4f) ^ c * UINT64_C(0x165667b19e3779f9);
	return h ^ h >> 31;
}

/*
 * A timed sample longer than this is timed again (time_sample): regex
 * calls take well under a microsecond unless the pattern is hostile, and
 * an interval that an interrupt or a preemption landed in lasts
 * microseconds to milliseconds, which scaled by the sampling would count
 * as regex time (on a shared machine: 4 such samples in 15,000 made 64
 * of a printed 107 ms, where a profile showed 35).
 */
#define TIME_RECHECK_NS 2000

/*
 * The match of a timed call once more, timed, without its side effects
 * on the counters (a limit hit is counted once).
 */
static uint64_t
time_again(struct expr *e, const struct regex *r, const char *s, size_t len,
    uint32_t opt)
{
	struct expr_stats saved = e->stats;
	uint64_t t0 = e->clock_ns();

	if (r->lit != NULL)
		(void)lit_match(r->lit, s, len);
	else
		(void)regex_run(e, r, s, len, opt);
	t0 = e->clock_ns() - t0;
	e->stats = saved;
	return t0;
}

/*
 * One timed call took d: when it is long, time it again and keep the
 * shorter; take the clock's own cost off, fold it into the mean,
 * re-estimate the total (mean x calls; calls between two samples add
 * the mean), and draw the next gap, 1 to 2 * EXPR_TIME_EVERY - 1 calls
 * (mean EXPR_TIME_EVERY). Only here, about once in EXPR_TIME_EVERY
 * calls, so the division and the double are cheap.
 */
static void __attribute__((noinline))
time_sample(struct expr *e, const struct regex *r, const char *s,
    size_t len, uint32_t opt, uint64_t d)
{
	uint32_t x = e->time_rng;
	uint64_t d2;

	if (d > e->clock_cost_ns + TIME_RECHECK_NS &&
	    (d2 = time_again(e, r, s, len, opt)) < d)
		d = d2;

	e->time_ns += d > e->clock_cost_ns ? d - e->clock_cost_ns : 0;
	e->time_n++;
	e->time_mean_ns = e->time_ns / e->time_n;
	e->stats.regex_ns = e->run_ns +
	    (uint64_t)((double)e->time_ns / (double)e->time_n *
		(double)e->time_calls);
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	e->time_rng = x;
	e->time_left = x % (2 * EXPR_TIME_EVERY - 1);
}

uint64_t
expr_clock_cost(uint64_t (*clock_ns)(void))
{
	enum { PAIRS = 31 };
	uint64_t d[PAIRS], t;

	for (unsigned i = 0; i < PAIRS; i++) {
		t = clock_ns();
		d[i] = clock_ns() - t;
	}
	/* Median by insertion sort: 31 numbers. */
	for (unsigned i = 1; i < PAIRS; i++) {
		for (unsigned j = i; j > 0 && d[j - 1] > d[j]; j--) {
			t = d[j];
			d[j] = d[j - 1];
			d[j - 1] = t;
		}
	}
	return d[PAIRS / 2];
}

/*
 * Whether r matches s: the literal fast path or PCRE2, through the memo
 * when r has one; 1, 0, or -1 undecided (never memoised, so that limits
 * keep counting). Timed about one call in EXPR_TIME_EVERY (expr.h): two
 * clock reads per match would cost more than a short match. The timed
 * region is the same for every call, memo hits included: a memo hit is
 * regex evaluation too, and what a profile of regex_eval shows.
 */
static int __attribute__((noinline))
regex_eval(struct expr *e, struct regex *r, struct sv s)
{
	size_t len = s.len;
	uint32_t opt = 0;
	uint64_t t0 = 0, sig = 0;
	bool sampled = e->clock_ns != NULL && !e->in_run;
	bool timed = sampled && e->time_left-- == 0;
	struct re_memo *m = r->memo;
	unsigned slot = 0;
	int rc;

	if (len > e->subject_max) {
		len = e->subject_max;
		opt = PCRE2_NOTEOL; /* the cut is not the end of the field */
	}
	e->stats.regex_calls++;
	e->time_calls += sampled;
	if (timed)
		t0 = e->clock_ns();
	if (m != NULL && opt == 0 && len <= RE_MEMO_SUBJ) {
		/* Two ways: the pair of entries at slot and slot ^ 1; a new
		 * answer replaces the one not used last. */
		sig = memo_sig(s.p, len);
		slot = (unsigned)(sig & (RE_MEMO - 1));
		for (unsigned w = 0; w < 2; w++, slot ^= 1) {
			if (m->e[slot].used && m->e[slot].sig == sig &&
			    m->e[slot].len == len &&
			    (len == 0 || memcmp(m->s[slot], s.p, len) == 0)) {
				m->last[slot / 2] = (uint8_t)(slot & 1);
				rc = m->e[slot].match;
				goto out;
			}
		}
		slot = (slot & ~1u) | (m->last[slot / 2] ^ 1u);
	} else {
		m = NULL;
	}
	if (r->lit != NULL)
		rc = lit_match(r->lit, s.p, len);
	else
		rc = regex_run(e, r, s.p, len, opt);
	if (m != NULL && rc >= 0) {
		m->last[slot / 2] = (uint8_t)(slot & 1);
		m->e[slot].sig = sig;
		m->e[slot].len = (uint16_t)len;
		m->e[slot].used = true;
		m->e[slot].match = rc == 1;
		if (len > 0)
			memcpy(m->s[slot], s.p, len);
	}
out:
	if (timed)
		time_sample(e, r, s.p, len, opt, e->clock_ns() - t0);
	else if (sampled)
		e->stats.regex_ns += e->time_mean_ns;
	return rc;
}

/*
 * s =~ r (or !~ when neg); undecided is false for both. An anchored
 * literal (a prefix compare) answers inline, untimed: it cannot overrun
 * and costs less than the clock reads.
 */
static inline bool
re_eval(struct expr *e, struct regex *r, struct sv s, bool neg)
{
	int rc;

	if (r->memo == NULL && r->lit != NULL) {
		e->stats.regex_calls++;
		return lit_match(r->lit, s.p,
			   s.len < e->subject_max ? s.len : e->subject_max) !=
		    neg;
	}
	rc = regex_eval(e, r, s);
	return rc < 0 ? false : (rc == 1) != neg;
}

/* N_PREFIX: whether s (cut to subject_max) starts with n's literal,
 * what its regex answers (lit_match on an anchored single literal). */
static inline bool
prefix_eval(struct expr *e, const struct node *n, struct sv s)
{
	size_t len = s.len < e->subject_max ? s.len : e->subject_max;
	uint64_t w = 0;

	e->stats.regex_calls++;
	if (len < (size_t)n->num)
		return n->neg;
	if (len >= 8)
		memcpy(&w, s.p, 8);
	else
		memcpy(&w, s.p, len); /* the bytes past len are masked off */
	return (((w | n->fmask) & n->wmask) == n->word) != n->neg;
}

/*
 * f in [...] is an || of ==; f !in [...] an && of !=. An element that
 * cannot be compared (a number against "socket", anything against an
 * absent field) makes both its == and its != false.
 */
static bool
in_eval(const struct expr *e, const struct node *n, const struct log_event *ev)
{
	bool has_text = event_has(ev, n->field), has_num;
	double v = 0;

	has_num = num_of(ev, n->field, &v);
	for (uint32_t i = n->off; i < n->off + n->len; i++) {
		const struct lit *l = &e->lits[i];
		bool eq;

		if (l->is_num ? !has_num : !has_text) {
			if (n->neg)
				return false;
			continue;
		}
		/* Lengths first: most elements differ in length. */
		eq = l->is_num ? v == l->num
			       : ev->text[n->field].len == l->len &&
			(l->len == 0 ||
			    memcmp(ev->text[n->field].p, e->pool + l->off,
				l->len) == 0);
		if (eq)
			return !n->neg;
	}
	return n->neg;
}

/* A comparison (not &&, ||, !): inline into each caller below, so a
 * chain of comparisons costs no call per operand. */
static inline __attribute__((always_inline)) bool
leaf_eval(struct expr *e, const struct node *n, const struct log_event *ev)
{
	double v;

	switch ((enum node_kind)n->kind) {
	case N_TRUTH:
		if (num_of(ev, n->field, &v))
			return v != 0;
		return event_has(ev, n->field) && ev->text[n->field].len > 0;
	case N_NUM:
		return num_of(ev, n->field, &v) &&
		    cmp_result(n->cmask, (v > n->num) - (v < n->num));
	case N_STR:
		return event_has(ev, n->field) &&
		    cmp_result(n->cmask,
			sign(cmp_bytes(
			    ev->text[n->field], e->pool + n->off, n->len)));
	case N_RE:
		return event_has(ev, n->field) &&
		    re_eval(e, &e->re[n->off], ev->text[n->field], n->neg);
	case N_IN:
		return in_eval(e, n, ev);
	case N_PREFIX:
		return event_has(ev, n->field) &&
		    prefix_eval(e, n, ev->text[n->field]);
	default:
		return false;
	}
}

static bool node_eval(struct expr *e, uint32_t i, const struct log_event *ev);

static inline bool
kid_eval(struct expr *e, uint32_t k, const struct log_event *ev)
{
	const struct node *n = &e->nodes[k];

	if (n->kind >= N_TRUTH)
		return leaf_eval(e, n, ev);
	return node_eval(e, k, ev);
}

static bool
node_eval(struct expr *e, uint32_t i, const struct log_event *ev)
{
	const struct node *n = &e->nodes[i];

	switch ((enum node_kind)n->kind) {
	case N_AND:
		for (uint32_t k = n->kid; k != NONE; k = e->nodes[k].next) {
			if (!kid_eval(e, k, ev))
				return false;
		}
		return true;
	case N_OR:
		for (uint32_t k = n->kid; k != NONE; k = e->nodes[k].next) {
			if (kid_eval(e, k, ev))
				return true;
		}
		return false;
	case N_NOT:
		return !kid_eval(e, n->kid, ev);
	default:
		return leaf_eval(e, n, ev);
	}
}

/* --- evaluation over a run of events ---------------------------------- */

static bool
mask_any(const uint64_t m[EXPR_RUN_WORDS])
{
	uint64_t any = 0;

	for (unsigned w = 0; w < EXPR_RUN_WORDS; w++)
		any |= m[w];
	return any != 0;
}

/* Clear bit k of m where the leaf n is false, for the events left. One
 * loop per kind (the switch stays out of the loops), set bits only. */
static void
leaf_run(struct expr *e, const struct node *n, const struct log_event *ev,
    const uint32_t *idx, uint64_t m[EXPR_RUN_WORDS])
{
	int f = n->field;

	/* Each set bit of m, lowest first: x is its event; OK clears the
	 * bit where it is false. One copy of the loop per kind. */
#define LEAF_LOOP(OK)                                                          \
	for (unsigned w = 0; w < EXPR_RUN_WORDS; w++) {                        \
		uint64_t keep = m[w];                                          \
		for (uint64_t b = m[w]; b != 0; b &= b - 1) {                  \
			const struct log_event *x =                            \
			    &ev[idx[w * 64 + (unsigned)__builtin_ctzll(b)]];   \
			if (!(OK))                                             \
				keep &= ~(b & -b);                             \
		}                                                              \
		m[w] = keep;                                                   \
	}
	switch ((enum node_kind)n->kind) {
	case N_NUM: {
		uint8_t cm = n->cmask;
		double c = n->num;

		LEAF_LOOP(event_has_num(x, f) && x->num[f] == x->num[f] &&
		    cmp_result(cm, (x->num[f] > c) - (x->num[f] < c)))
		break;
	}
	case N_PREFIX:
		LEAF_LOOP(event_has(x, f) && prefix_eval(e, n, x->text[f]))
		break;
	case N_RE: {
		uint64_t t0 = 0;

		/* The whole run of one regex is timed: two clock reads for
		 * up to EXPR_RUN_MAX calls measure what they cost, where a
		 * sampled call measures its latency (expr.h). */
		if (e->clock_ns != NULL) {
			e->in_run = true;
			t0 = e->clock_ns();
		}
		LEAF_LOOP(event_has(x, f) &&
		    re_eval(e, &e->re[n->off], x->text[f], n->neg))
		if (e->clock_ns != NULL) {
			t0 = e->clock_ns() - t0;
			t0 = t0 > e->clock_cost_ns ? t0 - e->clock_cost_ns : 0;
			e->run_ns += t0;
			e->stats.regex_ns += t0;
			e->in_run = false;
		}
		break;
	}
	default:
		LEAF_LOOP(leaf_eval(e, n, x))
		break;
	}
#undef LEAF_LOOP
}

/* m: on entry the events node i is evaluated for; on return those for
 * which it is true. Recursion as node_eval's (depth <= EXPR_DEPTH_MAX). */
static void
node_run(struct expr *e, uint32_t i, const struct log_event *ev,
    const uint32_t *idx, uint64_t m[EXPR_RUN_WORDS])
{
	const struct node *n = &e->nodes[i];
	uint64_t rem[EXPR_RUN_WORDS], t[EXPR_RUN_WORDS];

	switch ((enum node_kind)n->kind) {
	case N_AND:
		/* Each operand sees only the events still true. */
		for (uint32_t k = n->kid; k != NONE && mask_any(m);
		     k = e->nodes[k].next)
			node_run(e, k, ev, idx, m);
		return;
	case N_OR:
		/* Each operand sees only the events not yet true. */
		memcpy(rem, m, sizeof(rem));
		memset(m, 0, sizeof(rem));
		for (uint32_t k = n->kid; k != NONE && mask_any(rem);
		     k = e->nodes[k].next) {
			memcpy(t, rem, sizeof(t));
			node_run(e, k, ev, idx, t);
			for (unsigned w = 0; w < EXPR_RUN_WORDS; w++) {
				m[w] |= t[w];
				rem[w] &= ~t[w];
			}
		}
		return;
	case N_NOT:
		memcpy(t, m, sizeof(t));
		node_run(e, n->kid, ev, idx, t);
		for (unsigned w = 0; w < EXPR_RUN_WORDS; w++)
			m[w] &= ~t[w];
		return;
	default:
		leaf_run(e, n, ev, idx, m);
		return;
	}
}

void
expr_eval_run(struct expr *e, const struct log_event *ev, const uint32_t *idx,
    uint64_t sel[EXPR_RUN_WORDS])
{
	for (unsigned w = 0; w < EXPR_RUN_WORDS; w++)
		e->stats.evals += (uint64_t)__builtin_popcountll(sel[w]);
	if (e->stats.quarantined) {
		memset(sel, 0, sizeof(uint64_t) * EXPR_RUN_WORDS);
		return;
	}
	node_run(e, e->root, ev, idx, sel);
}

bool
expr_eval(struct expr *e, const struct log_event *ev)
{
	e->stats.evals++;
	if (e->stats.quarantined)
		return false;
	return kid_eval(e, e->root, ev);
}

uint64_t
expr_fields(const struct expr *e)
{
	return e->fields;
}

const struct expr_stats *
expr_stats(const struct expr *e)
{
	return &e->stats;
}
