/*
 * expr - compile a filter expression once into a tree, evaluate it per
 * event without allocation. The language and its semantics are in expr.h
 * (and DESIGN.md "Configuration and rules: the contract").
 *
 * Design. A hand-written lexer and a recursive-descent parser build the
 * tree in one growable array of nodes that refer to each other by index
 * (no pointer fix-ups when the array grows, one free at the end). && and
 * || are n-ary nodes whose operands are chained through `next`, so a
 * chain of a thousand && costs no recursion depth; only parentheses and
 * '!' nest, and both are capped at EXPR_DEPTH_MAX, which bounds the
 * evaluator's recursion too. String literals and regex sources live in one
 * byte pool, list items in one array. Field names become ids at compile
 * time; evaluation reads ev->text / ev->num by id.
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
 * known per regex (PCRE2_INFO_JITSIZE), not guessed per process, and JIT
 * code is run through pcre2_jit_match (no per-call checks).
 *
 * Literal fast path. A JIT-compiled pattern that is only literal
 * alternatives, optionally anchored and caseless ('^/api/',
 * '(?i)(bot|crawler|spider)'; lit_parse has the exact shapes), is answered
 * by a prefix compare or a Horspool scan without calling PCRE2: same
 * answer (no capture is ever read), counted in regex_calls and regex_ns
 * the same way; JIT never hits a match limit on such a pattern, so the
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
 * Invariants: a regex limit hit makes that comparison false (for !~ too:
 * an undecided comparison is false like an absent field) and counts; the
 * quarantine flag, once set, stays. expr_eval allocates nothing itself.
 *
 * Not handled: `\z` and `\Z` still match at the cut of a long subject
 * (PCRE2_NOTEOL only affects `$`); field-to-field comparisons; numbers in
 * a locale whose decimal point is not '.' fall back to strtod only for
 * literals with more than 19 digits or exponents beyond 1e22.
 */
#include "rules/expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "parsers/compat.h"

#define NONE UINT32_MAX

enum tok {
	T_EOF = 0,
	T_ERR,
	T_IDENT,
	T_NUM,
	T_STR,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_COMMA,
	T_AND,
	T_OR,
	T_NOT,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_MATCH,
	T_NMATCH,
	T_IN,
};

enum node_kind {
	N_AND = 0, /* kid: first operand, chained by next */
	N_OR,
	N_NOT,   /* kid: operand */
	N_TRUTH, /* field alone */
	N_NUM,   /* field op num */
	N_STR,   /* field op pool[off, len] */
	N_RE,    /* field =~ re[off]; neg: !~ */
	N_IN,    /* field in lits[off, len]; neg: !in */
};

struct node {
	uint8_t kind;
	uint8_t op; /* T_EQ .. T_GE for N_NUM, N_STR */
	bool neg;
	int16_t field;
	uint32_t kid, next;
	uint32_t off, len;
	double num;
};

struct lit {
	bool is_num;
	double num;
	uint32_t off, len; /* string in the pool */
};

#define LIT_ALT_MAX 8 /* alternatives of a literal fast path */

/*
 * A regex that is only literal alternatives (see lit_parse) answers
 * without PCRE2: bytes holds the alternatives, lowered when fold; first[c]
 * has bit j when alternative j can start with byte c; shift[c] is the
 * Horspool shift for the byte under the last of the first minlen bytes of
 * an alignment (0: try the alignment).
 */
struct litset {
	bool anchored, fold;
	unsigned nalt;
	uint32_t minlen;
	uint32_t off[LIT_ALT_MAX], len[LIT_ALT_MAX]; /* into bytes */
	uint8_t first[256];
	uint8_t shift[256];
	char bytes[];
};

struct regex {
	pcre2_code *code;
	pcre2_match_data *md;
	struct litset *lit; /* NULL: PCRE2 decides */
	bool jit;
};

struct expr {
	struct node *nodes;
	uint32_t nnodes, capnodes;
	struct lit *lits;
	uint32_t nlits, caplits;
	char *pool;
	uint32_t npool, cappool;
	struct regex re[EXPR_REGEX_MAX];
	unsigned nre;
	pcre2_match_context *mctx_jit, *mctx_interp;
	pcre2_jit_stack *jit_stack;
	uint32_t root;
	uint32_t subject_max, quarantine_after;
	uint64_t (*clock_ns)(void);
	uint64_t fields;
	struct expr_stats stats;
};

struct lexer {
	const char *s;
	size_t n;
	size_t pos; /* first byte after the current token */
	enum tok tok;
	size_t at, len; /* the current token's bytes */
	double num;     /* T_NUM */
};

struct parse {
	struct lexer lx;
	struct expr *e;
	const struct field_table *ft;
	uint32_t match_limit, depth_limit;
	char *err;
	size_t errlen;
	bool failed;
};

/* --- errors ------------------------------------------------------------ */

static void fail_at(struct parse *p, size_t off, const char *fmt, ...)
    PRINTFLIKE(3, 4);

/* The first error wins: "column N: " and the message, cut to errlen. */
static void
fail_at(struct parse *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	if (p->err == NULL || p->errlen == 0)
		return;
	n = snprintf(p->err, p->errlen, "column %zu: ", off + 1);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* The current token, quoted and cut, for "unexpected ..." messages. */
static const char *
tok_desc(const struct parse *p, char *buf, size_t size)
{
	const struct lexer *lx = &p->lx;
	size_t n = lx->len < 32 ? lx->len : 32, o = 0;

	if (lx->tok == T_EOF)
		return "end of expression";
	if (lx->tok == T_STR)
		return "string";
	buf[o++] = '\'';
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		unsigned char c = (unsigned char)lx->s[lx->at + i];
		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (o + 1 < size)
		buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

static void
fail_unexpected(struct parse *p)
{
	char buf[48];

	fail_at(p, p->lx.at, "unexpected %s", tok_desc(p, buf, sizeof(buf)));
}

/* --- lexer ------------------------------------------------------------- */

static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Decimal digits, optional fraction and exponent, already checked by the
 * lexer. Exact for up to 19 significant digits and |exp10| <= 22 (both
 * factors exact doubles, so one correctly rounded operation, as strtod
 * would give, without depending on the locale); strtod beyond that.
 */
static bool
num_value(const char *s, size_t n, double *out)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
		1e19, 1e20, 1e21, 1e22 };
	uint64_t m = 0;
	long exp10 = 0, e = 0;
	unsigned digits = 0;
	bool neg = false, eneg = false, frac = false;
	size_t i = 0;
	char buf[64], *end;

	if (s[i] == '-') {
		neg = true;
		i++;
	}
	for (; i < n && (is_digit(s[i]) || s[i] == '.'); i++) {
		if (s[i] == '.') {
			frac = true;
			continue;
		}
		if (m == 0 && s[i] == '0') {
			exp10 -= frac;
			continue;
		}
		if (++digits > 19)
			goto slow;
		m = m * 10 + (uint64_t)(s[i] - '0');
		exp10 -= frac;
	}
	if (i < n) { /* exponent */
		i++;
		if (s[i] == '+' || s[i] == '-')
			eneg = s[i++] == '-';
		for (; i < n; i++) {
			if (e > 100000)
				goto slow;
			e = e * 10 + (s[i] - '0');
		}
		exp10 += eneg ? -e : e;
	}
	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return true;
	}
	if (m > (UINT64_C(1) << 53) || exp10 > 22 || exp10 < -22)
		goto slow;
	*out = exp10 < 0 ? (double)m / p10[-exp10] : (double)m * p10[exp10];
	if (neg)
		*out = -*out;
	return true;
slow:
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return end == buf + n && isfinite(*out);
}

static void
lex_number(struct parse *p)
{
	struct lexer *lx = &p->lx;
	const char *s = lx->s;
	size_t i = lx->pos;

	if (s[i] == '-')
		i++;
	while (is_digit(s[i]))
		i++;
	if (s[i] == '.' && is_digit(s[i + 1])) {
		for (i++; is_digit(s[i]); i++)
			;
	}
	if ((s[i] == 'e' || s[i] == 'E') &&
	    (is_digit(s[i + 1]) ||
		((s[i + 1] == '+' || s[i + 1] == '-') && is_digit(s[i + 2])))) {
		for (i += 2; is_digit(s[i]); i++)
			;
	}
	lx->len = i - lx->at;
	lx->pos = i;
	if (is_ident(s[i]) || s[i] == '.') {
		fail_at(p, lx->at, "invalid number");
		lx->tok = T_ERR;
		return;
	}
	if (!num_value(s + lx->at, lx->len, &lx->num)) {
		fail_at(p, lx->at, "number out of range");
		lx->tok = T_ERR;
		return;
	}
	lx->tok = T_NUM;
}

static void
lex_string(struct parse *p)
{
	struct lexer *lx = &p->lx;
	char q = lx->s[lx->at];
	size_t i = lx->at + 1;

	for (; i < lx->n && lx->s[i] != q; i++) {
		if (lx->s[i] == '\\' && i + 1 < lx->n)
			i++;
	}
	if (i >= lx->n) {
		fail_at(p, lx->at, "unterminated string");
		lx->tok = T_ERR;
		return;
	}
	lx->pos = i + 1;
	lx->len = lx->pos - lx->at;
	lx->tok = T_STR;
}

/* Two-byte operators first, then one-byte ones. */
static const struct {
	const char *text;
	enum tok tok;
} ops[] = {
	{ "&&", T_AND },
	{ "||", T_OR },
	{ "==", T_EQ },
	{ "!=", T_NE },
	{ "<=", T_LE },
	{ ">=", T_GE },
	{ "=~", T_MATCH },
	{ "!~", T_NMATCH },
	{ "<", T_LT },
	{ ">", T_GT },
	{ "!", T_NOT },
	{ "(", T_LPAREN },
	{ ")", T_RPAREN },
	{ "[", T_LBRACK },
	{ "]", T_RBRACK },
	{ ",", T_COMMA },
};

static void
lex_next(struct parse *p)
{
	struct lexer *lx = &p->lx;
	const char *s = lx->s;
	char c;

	if (p->failed) {
		lx->tok = T_ERR;
		return;
	}
	while (lx->pos < lx->n &&
	    (s[lx->pos] == ' ' || s[lx->pos] == '\t' || s[lx->pos] == '\n' ||
		s[lx->pos] == '\r'))
		lx->pos++;
	lx->at = lx->pos;
	lx->len = 0;
	if (lx->pos >= lx->n) {
		lx->tok = T_EOF;
		return;
	}
	c = s[lx->pos];
	if (is_ident_start(c)) {
		while (is_ident(s[lx->pos]))
			lx->pos++;
		lx->len = lx->pos - lx->at;
		lx->tok = lx->len == 2 && memcmp(s + lx->at, "in", 2) == 0
		    ? T_IN
		    : T_IDENT;
		return;
	}
	if (is_digit(c) || (c == '-' && is_digit(s[lx->pos + 1]))) {
		lex_number(p);
		return;
	}
	if (c == '\'' || c == '"') {
		lex_string(p);
		return;
	}
	for (size_t i = 0; i < NELEM(ops); i++) {
		size_t n = strlen(ops[i].text);

		if (strncmp(s + lx->pos, ops[i].text, n) == 0) {
			lx->pos += n;
			lx->len = n;
			lx->tok = ops[i].tok;
			return;
		}
	}
	lx->tok = T_ERR;
	if (c == '=' || c == '&' || c == '|') /* '==' '&&' '||' */
		fail_at(p, lx->at, "expected '%c%c'", c, c);
	else if (c > 0x20 && c < 0x7f)
		fail_at(p, lx->at, "unexpected '%c'", c);
	else
		fail_at(p, lx->at, "unexpected byte 0x%02x", (unsigned char)c);
}

/* --- tree building ----------------------------------------------------- */

/* arr grown to hold need elements (cap updated), or NULL; arr survives. */
static void *
grow(struct parse *p, void *arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *n;

	if (need <= *cap)
		return arr;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	n = realloc(arr, (size_t)ncap * elem);
	if (n == NULL) {
		fail_at(p, p->lx.at, "out of memory");
		return NULL;
	}
	*cap = ncap;
	return n;
}

static uint32_t
node_new(struct parse *p, enum node_kind kind, int field)
{
	struct expr *e = p->e;
	struct node *n;

	n = grow(p, e->nodes, &e->capnodes, e->nnodes + 1, sizeof(*n));
	if (n == NULL)
		return NONE;
	e->nodes = n;
	n = &e->nodes[e->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = (uint8_t)kind;
	n->field = (int16_t)field;
	n->kid = n->next = NONE;
	if (field >= 0)
		e->fields |= UINT64_C(1) << field;
	return e->nnodes++;
}

/*
 * Unescape the current T_STR token into the pool: \' \" \\ give the
 * quoted character; any other backslash is kept with what follows, so a
 * regex's \d or \. arrives as written.
 */
static bool
pool_string(struct parse *p, uint32_t *off, uint32_t *len)
{
	struct expr *e = p->e;
	const char *s = p->lx.s + p->lx.at + 1;
	size_t n = p->lx.len - 2;
	uint32_t o;
	char *pool;

	pool = grow(p, e->pool, &e->cappool, e->npool + (uint32_t)n + 1, 1);
	if (pool == NULL)
		return false;
	e->pool = pool;
	*off = o = e->npool;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n &&
		    (s[i + 1] == '\'' || s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		e->pool[o++] = s[i];
	}
	*len = o - *off;
	e->pool[o++] = '\0'; /* not needed by us; handy in a debugger */
	e->npool = o;
	return true;
}

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

/*
 * Bytes that stand for themselves anywhere in a pattern without options
 * (no metacharacter of PCRE2 and no byte above 0x7e, whose caseless
 * matching depends on character tables).
 */
static bool
lit_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\\' && c != '^' && c != '$' &&
	    c != '.' && c != '[' && c != ']' && c != '|' && c != '(' &&
	    c != ')' && c != '?' && c != '*' && c != '+' && c != '{' &&
	    c != '}' && c != '#' && c >= 0x20 && c < 0x7f);
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
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
	size_t i = 0, end = n, a;
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
	if ((l = calloc(1, sizeof(*l) + (end - i))) == NULL)
		return NULL;
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
			l->bytes[o + k] = (char)(fold
				? lower((unsigned char)p[i + k])
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

/* Whether the litset matches s[0..n): what PCRE2 would answer. */
static bool
lit_match(const struct litset *l, const char *subject, size_t n)
{
	const unsigned char *s = (const unsigned char *)subject;

	if (n < l->minlen)
		return false;
	if (l->anchored) {
		for (unsigned j = 0; j < l->nalt; j++) {
			if (l->len[j] <= n && lit_eq(l, j, s))
				return true;
		}
		return false;
	}
	for (size_t i = 0, last = n - l->minlen; i <= last;) {
		unsigned m, sh = l->shift[s[i + l->minlen - 1]];

		if (sh != 0) {
			i += sh;
			continue;
		}
		for (m = l->first[s[i]]; m != 0; m &= m - 1) {
			unsigned j = (unsigned)__builtin_ctz(m);

			if (l->len[j] <= n - i && lit_eq(l, j, s + i))
				return true;
		}
		i++;
	}
	return false;
}

/* Compile the T_STR token as the regex of node ni. */
static bool
regex_compile(struct parse *p, uint32_t ni)
{
	struct expr *e = p->e;
	struct regex *r;
	uint32_t off, len;
	PCRE2_SIZE eoff;
	size_t jitsize = 0;
	int ec;

	if (e->nre >= EXPR_REGEX_MAX) {
		fail_at(p, p->lx.at, "more than %d regexes", EXPR_REGEX_MAX);
		return false;
	}
	if (!pool_string(p, &off, &len))
		return false;
	r = &e->re[e->nre];
	r->code = pcre2_compile((PCRE2_SPTR)(e->pool + off), len,
	    PCRE2_NEVER_UTF, &ec, &eoff, NULL);
	if (r->code == NULL) {
		PCRE2_UCHAR msg[160];

		if (pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
			compat_strlcpy((char *)msg, "error", sizeof(msg));
		fail_at(p, p->lx.at, "invalid regex: %s at offset %zu",
		    (const char *)msg, (size_t)eoff);
		return false;
	}
	e->nre++;
	if (pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0 &&
	    pcre2_pattern_info(r->code, PCRE2_INFO_JITSIZE, &jitsize) == 0)
		r->jit = jitsize > 0;
	/* Out of memory here only loses the fast path. */
	if (r->jit)
		r->lit = lit_parse(e->pool + off, len);
	/* One pair is enough: we only ask whether it matched. */
	r->md = pcre2_match_data_create(1, NULL);
	if (r->jit && e->mctx_jit == NULL)
		e->mctx_jit = mctx_new(p, true);
	if (!r->jit && e->mctx_interp == NULL)
		e->mctx_interp = mctx_new(p, false);
	if (r->md == NULL || (r->jit ? e->mctx_jit : e->mctx_interp) == NULL) {
		fail_at(p, p->lx.at, "out of memory");
		return false;
	}
	e->nodes[ni].off = e->nre - 1;
	return true;
}

/* --- parser ------------------------------------------------------------ */

static bool
is_cmp(enum tok t)
{
	return t >= T_EQ && t <= T_GE;
}

/* A number or string literal (the current token) into node ni. */
static bool
literal_into(struct parse *p, uint32_t ni)
{
	struct node *n = &p->e->nodes[ni];

	if (p->lx.tok == T_NUM) {
		n->kind = N_NUM;
		n->num = p->lx.num;
		return true;
	}
	if (p->lx.tok == T_STR) {
		uint32_t off, len;

		if (!pool_string(p, &off, &len))
			return false;
		n = &p->e->nodes[ni]; /* pool_string does not move nodes */
		n->kind = N_STR;
		n->off = off;
		n->len = len;
		return true;
	}
	if (!p->failed)
		fail_at(p, p->lx.at, "expected a string or number");
	return false;
}

static bool
parse_list(struct parse *p, uint32_t ni)
{
	struct expr *e = p->e;
	uint32_t first = e->nlits;

	if (p->lx.tok != T_LBRACK) {
		fail_at(p, p->lx.at, "expected '['");
		return false;
	}
	lex_next(p);
	while (p->lx.tok == T_NUM || p->lx.tok == T_STR) {
		struct lit *l;

		l = grow(p, e->lits, &e->caplits, e->nlits + 1, sizeof(*l));
		if (l == NULL)
			return false;
		e->lits = l;
		l = &e->lits[e->nlits];
		memset(l, 0, sizeof(*l));
		l->is_num = p->lx.tok == T_NUM;
		l->num = p->lx.num;
		if (!l->is_num && !pool_string(p, &l->off, &l->len))
			return false;
		e->nlits++;
		lex_next(p);
		if (p->lx.tok != T_COMMA)
			break;
		lex_next(p);
	}
	if (p->lx.tok != T_RBRACK) {
		if (e->nlits > first)
			fail_at(p, p->lx.at, "expected ']'");
		else
			fail_at(p, p->lx.at, "expected a string or number");
		return false;
	}
	if (e->nlits == first) {
		fail_at(p, p->lx.at, "empty list");
		return false;
	}
	e->nodes[ni].off = first;
	e->nodes[ni].len = e->nlits - first;
	lex_next(p);
	return true;
}

/* The operator and right side after a field; the node is ni. */
static bool
parse_rhs(struct parse *p, uint32_t ni)
{
	enum tok op = p->lx.tok;

	if (op == T_NOT) { /* only !in can follow a field */
		lex_next(p);
		if (p->lx.tok != T_IN) {
			fail_at(p, p->lx.at, "expected 'in' after '!'");
			return false;
		}
		op = T_IN;
		p->e->nodes[ni].neg = true;
	}
	lex_next(p);
	if (op == T_IN) {
		p->e->nodes[ni].kind = N_IN;
		return parse_list(p, ni);
	}
	if (op == T_MATCH || op == T_NMATCH) {
		p->e->nodes[ni].kind = N_RE;
		p->e->nodes[ni].neg = op == T_NMATCH;
		if (p->lx.tok != T_STR) {
			if (!p->failed)
				fail_at(
				    p, p->lx.at, "expected a regex in quotes");
			return false;
		}
		if (!regex_compile(p, ni))
			return false;
	} else {
		p->e->nodes[ni].op = (uint8_t)op;
		if (!literal_into(p, ni))
			return false;
	}
	lex_next(p);
	return true;
}

static int
field_of(struct parse *p)
{
	const struct lexer *lx = &p->lx;
	int id = field_lookup(p->ft, lx->s + lx->at, lx->len);

	if (id < 0 || id >= FIELD_MAX) {
		fail_at(p, lx->at, "unknown field '%.*s'",
		    (int)(lx->len < 48 ? lx->len : 48), lx->s + lx->at);
		return -1;
	}
	return id;
}

/* literal op field, for == != < <= > >=: stored as field op' literal. */
static uint32_t
parse_literal_first(struct parse *p, bool negated)
{
	static const uint8_t flip[] = { [T_EQ] = T_EQ,
		[T_NE] = T_NE,
		[T_LT] = T_GT,
		[T_LE] = T_GE,
		[T_GT] = T_LT,
		[T_GE] = T_LE };
	struct lexer lit = p->lx;
	uint32_t ni;
	enum tok op;
	int id;

	lex_next(p);
	op = p->lx.tok;
	if (!is_cmp(op)) {
		if (!p->failed)
			fail_at(p, p->lx.at,
			    "expected == != < <= > >= after a value");
		return NONE;
	}
	if (negated) {
		fail_at(p, p->lx.at,
		    "'!' applies to a field alone: write "
		    "!(...) to negate a comparison");
		return NONE;
	}
	lex_next(p);
	if (p->lx.tok != T_IDENT) {
		if (!p->failed)
			fail_at(p, p->lx.at, "expected a field name");
		return NONE;
	}
	if ((id = field_of(p)) < 0 || (ni = node_new(p, N_NUM, id)) == NONE)
		return NONE;
	p->e->nodes[ni].op = flip[op];
	{
		struct lexer cur = p->lx;

		p->lx = lit; /* literal_into reads the current token */
		if (!literal_into(p, ni))
			return NONE;
		p->lx = cur;
	}
	lex_next(p);
	return ni;
}

static uint32_t parse_or(struct parse *p, unsigned depth);

static uint32_t
parse_primary(struct parse *p, unsigned depth, bool negated)
{
	uint32_t ni;
	int id;

	switch (p->lx.tok) {
	case T_LPAREN: {
		size_t at = p->lx.at;

		if (depth >= EXPR_DEPTH_MAX) {
			fail_at(
			    p, at, "nesting deeper than %d", EXPR_DEPTH_MAX);
			return NONE;
		}
		lex_next(p);
		if ((ni = parse_or(p, depth + 1)) == NONE)
			return NONE;
		if (p->lx.tok != T_RPAREN) {
			if (!p->failed)
				fail_at(p, p->lx.at,
				    "expected ')' to close column %zu", at + 1);
			return NONE;
		}
		lex_next(p);
		return ni;
	}
	case T_IDENT:
		if ((id = field_of(p)) < 0 ||
		    (ni = node_new(p, N_TRUTH, id)) == NONE)
			return NONE;
		lex_next(p);
		if (!is_cmp(p->lx.tok) && p->lx.tok != T_MATCH &&
		    p->lx.tok != T_NMATCH && p->lx.tok != T_IN &&
		    p->lx.tok != T_NOT)
			return ni;
		if (negated) {
			fail_at(p, p->lx.at,
			    "'!' applies to a field alone: "
			    "write !(...) to negate a comparison");
			return NONE;
		}
		return parse_rhs(p, ni) ? ni : NONE;
	case T_NUM:
	case T_STR:
		return parse_literal_first(p, negated);
	case T_ERR:
		return NONE;
	default:
		fail_unexpected(p);
		return NONE;
	}
}

static uint32_t
parse_unary(struct parse *p, unsigned depth)
{
	uint32_t ni, kid;

	if (p->lx.tok != T_NOT)
		return parse_primary(p, depth, false);
	if (depth >= EXPR_DEPTH_MAX) {
		fail_at(p, p->lx.at, "nesting deeper than %d", EXPR_DEPTH_MAX);
		return NONE;
	}
	lex_next(p);
	if (p->lx.tok == T_NOT)
		kid = parse_unary(p, depth + 1);
	else
		kid = parse_primary(p, depth + 1, true);
	if (kid == NONE || (ni = node_new(p, N_NOT, -1)) == NONE)
		return NONE;
	p->e->nodes[ni].kid = kid;
	return ni;
}

typedef uint32_t parse_fn(struct parse *p, unsigned depth);

/* sub (op sub)*: one n-ary node of kind, or sub's node alone. */
static uint32_t
parse_chain(struct parse *p, unsigned depth, enum tok op, enum node_kind kind,
    parse_fn *sub)
{
	uint32_t first, ni, last, k;

	if ((first = sub(p, depth)) == NONE || p->lx.tok != op)
		return first;
	if ((ni = node_new(p, kind, -1)) == NONE)
		return NONE;
	p->e->nodes[ni].kid = last = first;
	while (p->lx.tok == op) {
		lex_next(p);
		if ((k = sub(p, depth)) == NONE)
			return NONE;
		p->e->nodes[last].next = k;
		last = k;
	}
	return ni;
}

static uint32_t
parse_and(struct parse *p, unsigned depth)
{
	return parse_chain(p, depth, T_AND, N_AND, parse_unary);
}

static uint32_t
parse_or(struct parse *p, unsigned depth)
{
	return parse_chain(p, depth, T_OR, N_OR, parse_and);
}

/* --- compile and free -------------------------------------------------- */

struct expr *
expr_compile(const char *src, const struct field_table *ft,
    const struct expr_opts *o, char *err, size_t errlen)
{
	struct parse p;
	struct expr *e;
	size_t n;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (src == NULL || ft == NULL) {
		fail_at(&p, 0, "empty expression");
		return NULL;
	}
	if ((n = strnlen(src, EXPR_LEN_MAX + 1)) > EXPR_LEN_MAX) {
		fail_at(&p, EXPR_LEN_MAX, "expression longer than %d bytes",
		    EXPR_LEN_MAX);
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		fail_at(&p, 0, "out of memory");
		return NULL;
	}
	p.e = e;
	p.ft = ft;
	p.lx.s = src;
	p.lx.n = n;
	p.match_limit =
	    o && o->match_limit ? o->match_limit : EXPR_MATCH_LIMIT_DEFAULT;
	p.depth_limit =
	    o && o->depth_limit ? o->depth_limit : EXPR_DEPTH_LIMIT_DEFAULT;
	e->subject_max =
	    o && o->subject_max ? o->subject_max : EXPR_SUBJECT_MAX_DEFAULT;
	e->quarantine_after = o && o->quarantine_after
	    ? o->quarantine_after
	    : EXPR_QUARANTINE_AFTER_DEFAULT;
	e->clock_ns = o ? o->clock_ns : NULL;
	lex_next(&p);
	if (p.lx.tok == T_EOF) {
		fail_at(&p, 0, "empty expression");
		goto fail;
	}
	e->root = parse_or(&p, 0);
	if (e->root != NONE && p.lx.tok != T_EOF && !p.failed)
		fail_unexpected(&p);
	if (p.failed || e->root == NONE)
		goto fail;
	return e;
fail:
	expr_free(e);
	return NULL;
}

void
expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	for (unsigned i = 0; i < e->nre; i++) {
		pcre2_match_data_free(e->re[i].md);
		pcre2_code_free(e->re[i].code);
		free(e->re[i].lit);
	}
	pcre2_match_context_free(e->mctx_jit);
	pcre2_match_context_free(e->mctx_interp);
	pcre2_jit_stack_free(e->jit_stack);
	free(e->nodes);
	free(e->lits);
	free(e->pool);
	free(e);
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

/* --- evaluation -------------------------------------------------------- */

static bool
cmp_result(enum tok op, int c)
{
	switch (op) {
	case T_EQ:
		return c == 0;
	case T_NE:
		return c != 0;
	case T_LT:
		return c < 0;
	case T_LE:
		return c <= 0;
	case T_GT:
		return c > 0;
	case T_GE:
		return c >= 0;
	default:
		return false;
	}
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

static int
cmp_bytes(struct sv a, const char *b, size_t blen)
{
	size_t n = a.len < blen ? a.len : blen;
	int c = n ? memcmp(a.p, b, n) : 0;

	if (c != 0)
		return c;
	return a.len < blen ? -1 : a.len > blen;
}

static bool
regex_eval(struct expr *e, const struct regex *r, struct sv s, bool neg)
{
	size_t len = s.len;
	uint32_t opt = 0;
	uint64_t t0 = 0;
	int rc;

	if (len > e->subject_max) {
		len = e->subject_max;
		opt = PCRE2_NOTEOL; /* the cut is not the end of the field */
	}
	if (e->clock_ns != NULL)
		t0 = e->clock_ns();
	/* Literal alternatives answer without PCRE2 (lit_parse). JIT code:
	 * pcre2_jit_match skips pcre2_match's checks, which hold by
	 * construction (valid code, offset 0, no UTF, NOTEOL only), and
	 * still honours the match context (match limit, JIT stack). */
	if (r->lit != NULL)
		rc = lit_match(r->lit, s.p, len) ? 1 : PCRE2_ERROR_NOMATCH;
	else if (r->jit)
		rc = pcre2_jit_match(r->code, (PCRE2_SPTR)(s.p ? s.p : ""),
		    len, 0, opt, r->md, e->mctx_jit);
	else
		rc = pcre2_match(r->code, (PCRE2_SPTR)(s.p ? s.p : ""), len,
		    0, opt, r->md, e->mctx_interp);
	if (e->clock_ns != NULL)
		e->stats.regex_ns += e->clock_ns() - t0;
	e->stats.regex_calls++;
	if (rc >= 0)
		return !neg;
	if (rc == PCRE2_ERROR_NOMATCH)
		return neg;
	/* MATCHLIMIT, DEPTHLIMIT, HEAPLIMIT, JIT_STACKLIMIT, NOMEMORY:
	 * undecided, so false whichever the operator. */
	if (++e->stats.regex_limit_hits >= e->quarantine_after)
		e->stats.quarantined = true;
	return false;
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
		eq = l->is_num ? v == l->num
			       : cmp_bytes(ev->text[n->field], e->pool + l->off,
				     l->len) == 0;
		if (eq)
			return !n->neg;
	}
	return n->neg;
}

static bool
node_eval(struct expr *e, uint32_t i, const struct log_event *ev)
{
	const struct node *n = &e->nodes[i];
	double v;

	switch ((enum node_kind)n->kind) {
	case N_AND:
		for (uint32_t k = n->kid; k != NONE; k = e->nodes[k].next) {
			if (!node_eval(e, k, ev))
				return false;
		}
		return true;
	case N_OR:
		for (uint32_t k = n->kid; k != NONE; k = e->nodes[k].next) {
			if (node_eval(e, k, ev))
				return true;
		}
		return false;
	case N_NOT:
		return !node_eval(e, n->kid, ev);
	case N_TRUTH:
		if (num_of(ev, n->field, &v))
			return v != 0;
		return event_has(ev, n->field) && ev->text[n->field].len > 0;
	case N_NUM:
		return num_of(ev, n->field, &v) &&
		    cmp_result((enum tok)n->op, (v > n->num) - (v < n->num));
	case N_STR:
		return event_has(ev, n->field) &&
		    cmp_result((enum tok)n->op,
			cmp_bytes(
			    ev->text[n->field], e->pool + n->off, n->len));
	case N_RE:
		return event_has(ev, n->field) &&
		    regex_eval(e, &e->re[n->off], ev->text[n->field], n->neg);
	case N_IN:
		return in_eval(e, n, ev);
	}
	return false;
}

bool
expr_eval(struct expr *e, const struct log_event *ev)
{
	e->stats.evals++;
	if (e->stats.quarantined)
		return false;
	return node_eval(e, e->root, ev);
}
