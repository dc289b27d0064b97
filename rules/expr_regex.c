/*
 * expr_regex - the regexes of a filter expression at compile time: PCRE2
 * compile, JIT, match contexts and their limits, and the analysis of the
 * literal fast path (map in expr_impl.h; matching is in expr.c).
 *
 * Regexes. Each is compiled once without UTF (log bytes may be invalid
 * UTF-8; PCRE2_NEVER_UTF also refuses a (*UTF) inside the pattern), then
 * JIT-compiled (PCRE2_JIT_COMPLETE) when possible, with one match data of
 * one pair made at compile time. Two limits keep a match short: the
 * subject is cut to subject_max bytes, and a match limit applies. PCRE2's
 * match limit alone does not bound time: for an unanchored pattern the
 * interpreter restarts the count at each start position, and a scan inside
 * one item (\w+ over a run of letters) counts once, so `\w+\s?\w+[^\w]`
 * on 4 KiB of letters runs for seconds under a limit of 10000. JIT code
 * is ~100 times faster on the same work and the cut bounds the work, so
 * that case takes milliseconds (see the measurements in test_expr.c). The
 * interpreter, used when JIT is not available (pcre2_jit_compile fails
 * under MemoryDenyWriteExecute and PCRE2 falls back silently) or for a
 * pattern with (*NO_JIT), gets a limit EXPR_INTERP_DIVISOR times lower,
 * the depth limit, and a heap limit. Whether a regex runs JIT code is
 * known per regex (PCRE2_INFO_JITSIZE), not guessed per process.
 *
 * Literal fast path. A JIT-compiled pattern that is only literal
 * alternatives, optionally anchored and caseless ('^/api/',
 * '(?i)(bot|crawler|spider)'; lit_parse has the exact shapes), is answered
 * by a prefix compare or a Horspool scan without calling PCRE2: same
 * answer (no capture is ever read), counted in regex_calls but not timed
 * (linear in the subject, it cannot overrun, and the two clock reads of
 * a timed call would cost more than the scan); JIT never hits a match
 * limit on such a pattern, so the
 * limit cannot tell the two apart (test_expr checks both against PCRE2).
 *
 * Limits chosen (measured on this machine, PCRE2 10.42):
 * - match limit 10000 with JIT: the legitimate patterns we tried need at
 *   most ~5600 on a 4 KiB subject (`(.*)(.*)(.*)x`; `.*foo.*bar` needs 60);
 *   the worst hostile case found, `(a|aa)+\d` on runs of 16 'a' that each
 *   stay under the limit, costs 6-11 ms per match (~80 ms at 100000);
 *   `\w+\s?\w+[^\w]` on 4 KiB of letters hits the limit in 2-4 ms.
 * - interpreter: 10000 / 20 = 500 per start position. Its worst cases
 *   found: the cubic `\w+\s?\w+[^\w]` on a run just under 500 letters,
 *   15-25 ms (~100 ms at 1000, 7 s at 10000), and `(a|aa)+\d` on runs
 *   of 9 'a', 5-11 ms. `.*` patterns on fields longer than ~500 bytes hit
 *   the limit: counted, and the agent warns loudly when JIT is missing.
 * - depth limit 1000 and heap limit 4 MiB bound interpreter memory (the
 *   depth limit is ignored by JIT, whose stack is at most 512 KiB).
 *
 * Invariants: at most EXPR_REGEX_MAX regexes per expression; the JIT and
 * the interpreter match contexts are made once per expression, at its
 * first regex of each kind.
 *
 * Not handled: `\z` and `\Z` still match at the cut of a long subject
 * (PCRE2_NOTEOL only affects `$`).
 */
#include "rules/expr.h"

#include <stdlib.h>
#include <string.h>

#include "rules/expr_impl.h"
#include "parsers/compat.h"

static pcre2_match_context *
mctx_new(struct parse *p, bool jit)
{
	struct expr *e = p->e;
	pcre2_match_context *m = pcre2_match_context_create(NULL);
	uint32_t limit = p->match_limit;

	if (m == NULL)
		return NULL;
	if (jit) {
		e->jit_stack = pcre2_jit_stack_create(
		    EXPR_JIT_STACK_START, EXPR_JIT_STACK_MAX, NULL);
		/* NULL stack: PCRE2's 32 KiB on the machine stack; deeper
		 * matches then stop with JIT_STACKLIMIT, which is counted. */
		if (e->jit_stack != NULL)
			pcre2_jit_stack_assign(m, NULL, e->jit_stack);
	} else {
		limit /= EXPR_INTERP_DIVISOR;
		if (limit == 0)
			limit = 1;
		pcre2_set_heap_limit(m, EXPR_HEAP_LIMIT_KIB);
	}
	pcre2_set_match_limit(m, limit);
	pcre2_set_depth_limit(m, p->depth_limit);
	return m;
}

/* --- literal fast path ------------------------------------------------- */

/*
 * Bytes that stand for themselves anywhere in a pattern without options
 * (no metacharacter of PCRE2 and no byte above 0x7e, whose caseless
 * matching depends on character tables).
 */
static bool
lit_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\\' && c != '^' && c != '$' && c != '.' && c != '[' &&
		c != ']' && c != '|' && c != '(' && c != ')' && c != '?' &&
		c != '*' && c != '+' && c != '{' && c != '}' && c != '#' &&
		c >= 0x20 && c < 0x7f);
}

/*
 * The literal fast path of pattern p[0..n), or NULL (no fast path, or out
 * of memory). The shapes: [(?i)] [^] BODY, where BODY is `a|b|c`, `(a|b)`
 * or `(?:a|b)` with non-empty alternatives of lit_byte bytes only, at most
 * LIT_ALT_MAX (and one alone after ^ without a group, since `^a|b` is
 * `(^a)|b`). Such a pattern matches exactly when one alternative is a
 * prefix of the subject (^) or occurs in it, with ASCII letters folded
 * under (?i) (PCRE2's default tables, no UTF). Used for JIT-compiled
 * patterns only: JIT runs these shapes within any match limit >= 1
 * (test_expr compares against JIT with limit 1), while the interpreter
 * counts per start position and could hit a tiny limit.
 */
static struct litset *
lit_parse(const char *p, size_t n)
{
	struct litset *l;
	size_t i = 0, end = n, a, sz;
	bool fold = false, anchored = false, group = false;

	if (n >= 4 && memcmp(p, "(?i)", 4) == 0) {
		fold = true;
		i = 4;
	}
	if (i < n && p[i] == '^') {
		anchored = true;
		i++;
	}
	if (i < n && p[i] == '(') {
		if (end == 0 || p[end - 1] != ')')
			return NULL;
		group = true;
		i += n - i >= 3 && p[i + 1] == '?' && p[i + 2] == ':' ? 3 : 1;
		end--;
	}
	if (i >= end)
		return NULL;
	/* Aligned for the vectors in it (malloc's alignment may be less). */
	sz = (sizeof(*l) + (end - i) + _Alignof(struct litset) - 1) /
	    _Alignof(struct litset) * _Alignof(struct litset);
	if ((l = aligned_alloc(_Alignof(struct litset), sz)) == NULL)
		return NULL;
	memset(l, 0, sz);
	l->anchored = anchored;
	l->fold = fold;
	l->minlen = UINT32_MAX;
	for (a = i; a <= end; a++) {
		uint32_t len, o;
		unsigned char c0;

		if (a < end && p[a] != '|') {
			if (!lit_byte((unsigned char)p[a]))
				goto no;
			continue;
		}
		/* An alternative ends at a. */
		len = (uint32_t)(a - i);
		if (len == 0 || l->nalt == LIT_ALT_MAX)
			goto no;
		o = l->nalt == 0 ? 0
				 : l->off[l->nalt - 1] + l->len[l->nalt - 1];
		for (uint32_t k = 0; k < len; k++)
			l->bytes[o + k] =
			    (char)(fold ? lower((unsigned char)p[i + k])
					: (unsigned char)p[i + k]);
		l->off[l->nalt] = o;
		l->len[l->nalt] = len;
		if (len < l->minlen)
			l->minlen = len;
		c0 = (unsigned char)l->bytes[o];
		l->first[c0] |= (uint8_t)(1u << l->nalt);
		if (fold && c0 >= 'a' && c0 <= 'z')
			l->first[c0 & ~0x20u] |= (uint8_t)(1u << l->nalt);
		l->nalt++;
		i = a + 1;
	}
	if (anchored && !group && l->nalt > 1)
		goto no;
	for (unsigned j = 0; j < l->nalt; j++) {
		unsigned char w[8] = { 0 }, m[8] = { 0 }, f[8] = { 0 };

		for (uint32_t k = 0; k < l->len[j] && k < 8; k++) {
			w[k] = (unsigned char)l->bytes[l->off[j] + k];
			m[k] = 0xff;
			f[k] = fold && w[k] >= 'a' && w[k] <= 'z' ? 0x20 : 0;
		}
		memcpy(&l->word[j], w, 8);
		memcpy(&l->wmask[j], m, 8);
		memcpy(&l->fmask[j], f, 8);
		for (unsigned k = 0; k < 16; k++) {
			l->c0[j][k] = w[0];
			l->c1[j][k] = w[1];
			l->f0[j][k] = f[0];
			l->f1[j][k] = f[1];
		}
	}
	l->fold_same = true;
	for (unsigned j = 1; j < l->nalt; j++) {
		if (l->f0[j][0] != l->f0[0][0] || l->f1[j][0] != l->f1[0][0])
			l->fold_same = false;
	}
	/* Horspool over the alternatives' first minlen bytes: a byte at
	 * position p of one of them allows a shift of minlen - 1 - p. */
	for (unsigned c = 0; c < 256; c++)
		l->shift[c] = (uint8_t)(l->minlen < 255 ? l->minlen : 255);
	for (unsigned j = 0; j < l->nalt; j++) {
		for (uint32_t k = 0; k < l->minlen; k++) {
			unsigned char c =
			    (unsigned char)l->bytes[l->off[j] + k];
			uint32_t sh = l->minlen - 1 - k;

			if (sh < l->shift[c])
				l->shift[c] = (uint8_t)sh;
			if (fold && c >= 'a' && c <= 'z' &&
			    sh < l->shift[c & ~0x20u])
				l->shift[c & ~0x20u] = (uint8_t)sh;
		}
	}
	return l;
no:
	free(l);
	return NULL;
}

/* --- compile ----------------------------------------------------------- */

/* Compile the T_STR token as the regex of node ni. */
bool
expr_regex_compile(struct parse *p, uint32_t ni)
{
	struct expr *e = p->e;
	struct regex *r;
	uint32_t off, len;
	PCRE2_SIZE eoff;
	size_t jitsize = 0;
	int ec;

	if (e->nre >= EXPR_REGEX_MAX) {
		expr_fail_at(
		    p, p->lx.at, "more than %d regexes", EXPR_REGEX_MAX);
		return false;
	}
	if (!expr_pool_string(p, &off, &len))
		return false;
	r = &e->re[e->nre];
	r->code = pcre2_compile((PCRE2_SPTR)(e->pool + off), len,
	    PCRE2_NEVER_UTF, &ec, &eoff, NULL);
	if (r->code == NULL) {
		PCRE2_UCHAR msg[160];

		if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
			compat_strlcpy((char *)msg, "error", sizeof(msg));
		expr_fail_at(p, p->lx.at, "invalid regex: %s at offset %zu",
		    (const char *)msg, (size_t)eoff);
		return false;
	}
	e->nre++;
	if (pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0 &&
	    pcre2_pattern_info(r->code, PCRE2_INFO_JITSIZE, &jitsize) == 0)
		r->jit = jitsize > 0;
	/* Out of memory here only loses the fast path or the memo. */
	if (r->jit)
		r->lit = lit_parse(e->pool + off, len);
	if (r->lit == NULL || !r->lit->anchored)
		r->memo = calloc(1, sizeof(*r->memo));
	/* One pair is enough: we only ask whether it matched. */
	r->md = pcre2_match_data_create(1, NULL);
	if (r->jit && e->mctx_jit == NULL)
		e->mctx_jit = mctx_new(p, true);
	if (!r->jit && e->mctx_interp == NULL)
		e->mctx_interp = mctx_new(p, false);
	if (r->md == NULL || (r->jit ? e->mctx_jit : e->mctx_interp) == NULL) {
		expr_fail_at(p, p->lx.at, "out of memory");
		return false;
	}
	e->nodes[ni].off = e->nre - 1;
	return true;
}

bool
expr_jit_available(void)
{
	uint32_t built = 0;
	pcre2_code *c;
	size_t size = 0;
	int ec;
	PCRE2_SIZE eoff;

	if (pcre2_config(PCRE2_CONFIG_JIT, &built) < 0 || !built)
		return false;
	c = pcre2_compile(
	    (PCRE2_SPTR) "a+b", 3, PCRE2_NEVER_UTF, &ec, &eoff, NULL);
	if (c == NULL)
		return false;
	if (pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) != 0 ||
	    pcre2_pattern_info(c, PCRE2_INFO_JITSIZE, &size) != 0)
		size = 0;
	pcre2_code_free(c);
	return size > 0;
}
