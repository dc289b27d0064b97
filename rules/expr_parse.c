/*
 * expr_parse - compile a filter expression (expr.h) once into a tree:
 * the recursive-descent parser, the tree and pool building, error
 * messages, expr_compile and expr_free (map in expr_impl.h; tokens in
 * expr_lex.c, regexes in expr_regex.c).
 *
 * Design. A hand-written lexer and a recursive-descent parser build the
 * tree in one growable array of nodes that refer to each other by index
 * (no pointer fix-ups when the array grows, one free at the end). && and
 * || are n-ary nodes whose operands are chained through `next`, so a
 * chain of a thousand && costs no recursion depth; only parentheses and
 * '!' nest, and both are capped at EXPR_DEPTH_MAX, which bounds the
 * evaluator's recursion too. String literals and regex sources live in one
 * byte pool, list items in one array. Field names become ids here
 * (field_lookup), once. `literal op field` is stored as `field op'
 * literal` with the operator flipped, so evaluation knows one shape.
 *
 * Errors: the first one wins and is written as "column N: message"
 * (1-based byte column); the parse then unwinds with NONE / false and
 * expr_compile frees everything.
 *
 * Not handled: field-to-field comparisons.
 */
#include "rules/expr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr_impl.h"
#include "parsers/compat.h"

/* --- errors ------------------------------------------------------------ */

/* The first error wins: "column N: " and the message, cut to errlen. */
void
expr_fail_at(struct parse *p, size_t off, const char *fmt, ...)
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

	expr_fail_at(
	    p, p->lx.at, "unexpected %s", tok_desc(p, buf, sizeof(buf)));
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
		expr_fail_at(p, p->lx.at, "out of memory");
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
bool
expr_pool_string(struct parse *p, uint32_t *off, uint32_t *len)
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

		if (!expr_pool_string(p, &off, &len))
			return false;
		n = &p->e->nodes[ni]; /* expr_pool_string does not move nodes */
		n->kind = N_STR;
		n->off = off;
		n->len = len;
		return true;
	}
	if (!p->failed)
		expr_fail_at(p, p->lx.at, "expected a string or number");
	return false;
}

static bool
parse_list(struct parse *p, uint32_t ni)
{
	struct expr *e = p->e;
	uint32_t first = e->nlits;

	if (p->lx.tok != T_LBRACK) {
		expr_fail_at(p, p->lx.at, "expected '['");
		return false;
	}
	expr_lex_next(p);
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
		if (!l->is_num && !expr_pool_string(p, &l->off, &l->len))
			return false;
		e->nlits++;
		expr_lex_next(p);
		if (p->lx.tok != T_COMMA)
			break;
		expr_lex_next(p);
	}
	if (p->lx.tok != T_RBRACK) {
		if (e->nlits > first)
			expr_fail_at(p, p->lx.at, "expected ']'");
		else
			expr_fail_at(
			    p, p->lx.at, "expected a string or number");
		return false;
	}
	if (e->nlits == first) {
		expr_fail_at(p, p->lx.at, "empty list");
		return false;
	}
	e->nodes[ni].off = first;
	e->nodes[ni].len = e->nlits - first;
	expr_lex_next(p);
	return true;
}

/* The operator and right side after a field; the node is ni. */
static bool
parse_rhs(struct parse *p, uint32_t ni)
{
	enum tok op = p->lx.tok;

	if (op == T_NOT) { /* only !in can follow a field */
		expr_lex_next(p);
		if (p->lx.tok != T_IN) {
			expr_fail_at(p, p->lx.at, "expected 'in' after '!'");
			return false;
		}
		op = T_IN;
		p->e->nodes[ni].neg = true;
	}
	expr_lex_next(p);
	if (op == T_IN) {
		p->e->nodes[ni].kind = N_IN;
		return parse_list(p, ni);
	}
	if (op == T_MATCH || op == T_NMATCH) {
		p->e->nodes[ni].kind = N_RE;
		p->e->nodes[ni].neg = op == T_NMATCH;
		if (p->lx.tok != T_STR) {
			if (!p->failed)
				expr_fail_at(
				    p, p->lx.at, "expected a regex in quotes");
			return false;
		}
		if (!expr_regex_compile(p, ni))
			return false;
	} else {
		p->e->nodes[ni].op = (uint8_t)op;
		if (!literal_into(p, ni))
			return false;
	}
	expr_lex_next(p);
	return true;
}

static int
field_of(struct parse *p)
{
	const struct lexer *lx = &p->lx;
	int id = field_lookup(p->ft, lx->s + lx->at, lx->len);

	if (id < 0 || id >= FIELD_MAX) {
		expr_fail_at(p, lx->at, "unknown field '%.*s'",
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

	expr_lex_next(p);
	op = p->lx.tok;
	if (!is_cmp(op)) {
		if (!p->failed)
			expr_fail_at(p, p->lx.at,
			    "expected == != < <= > >= after a value");
		return NONE;
	}
	if (negated) {
		expr_fail_at(p, p->lx.at,
		    "'!' applies to a field alone: write "
		    "!(...) to negate a comparison");
		return NONE;
	}
	expr_lex_next(p);
	if (p->lx.tok != T_IDENT) {
		if (!p->failed)
			expr_fail_at(p, p->lx.at, "expected a field name");
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
	expr_lex_next(p);
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
			expr_fail_at(
			    p, at, "nesting deeper than %d", EXPR_DEPTH_MAX);
			return NONE;
		}
		expr_lex_next(p);
		if ((ni = parse_or(p, depth + 1)) == NONE)
			return NONE;
		if (p->lx.tok != T_RPAREN) {
			if (!p->failed)
				expr_fail_at(p, p->lx.at,
				    "expected ')' to close column %zu", at + 1);
			return NONE;
		}
		expr_lex_next(p);
		return ni;
	}
	case T_IDENT:
		if ((id = field_of(p)) < 0 ||
		    (ni = node_new(p, N_TRUTH, id)) == NONE)
			return NONE;
		expr_lex_next(p);
		if (!is_cmp(p->lx.tok) && p->lx.tok != T_MATCH &&
		    p->lx.tok != T_NMATCH && p->lx.tok != T_IN &&
		    p->lx.tok != T_NOT)
			return ni;
		if (negated) {
			expr_fail_at(p, p->lx.at,
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
		expr_fail_at(
		    p, p->lx.at, "nesting deeper than %d", EXPR_DEPTH_MAX);
		return NONE;
	}
	expr_lex_next(p);
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
		expr_lex_next(p);
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
		expr_fail_at(&p, 0, "empty expression");
		return NULL;
	}
	if ((n = strnlen(src, EXPR_LEN_MAX + 1)) > EXPR_LEN_MAX) {
		expr_fail_at(&p, EXPR_LEN_MAX,
		    "expression longer than %d bytes", EXPR_LEN_MAX);
		return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		expr_fail_at(&p, 0, "out of memory");
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
	e->clock_cost_ns = o ? o->clock_cost_ns : 0;
	e->time_rng = 0x9e3779b9u; /* any nonzero seed */
	expr_lex_next(&p);
	if (p.lx.tok == T_EOF) {
		expr_fail_at(&p, 0, "empty expression");
		goto fail;
	}
	e->root = parse_or(&p, 0);
	if (e->root != NONE && p.lx.tok != T_EOF && !p.failed)
		fail_unexpected(&p);
	if (p.failed || e->root == NONE)
		goto fail;
	for (uint32_t i = 0; i < e->nnodes; i++) {
		static const uint8_t cmask[] = { [T_EQ] = 2,
			[T_NE] = 1 | 4,
			[T_LT] = 1,
			[T_LE] = 1 | 2,
			[T_GT] = 4,
			[T_GE] = 2 | 4 };
		struct node *nd = &e->nodes[i];

		if ((nd->kind == N_NUM || nd->kind == N_STR) &&
		    nd->op < NELEM(cmask))
			nd->cmask = cmask[nd->op];
		if (nd->kind == N_RE && e->re[nd->off].lit != NULL &&
		    e->re[nd->off].lit->anchored &&
		    e->re[nd->off].lit->nalt == 1 &&
		    e->re[nd->off].lit->len[0] <= 8) {
			const struct litset *l = e->re[nd->off].lit;

			nd->kind = N_PREFIX;
			nd->word = l->word[0];
			nd->wmask = l->wmask[0];
			nd->fmask = l->fmask[0];
			nd->num = l->len[0];
		}
	}
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
		free(e->re[i].memo);
	}
	pcre2_match_context_free(e->mctx_jit);
	pcre2_match_context_free(e->mctx_interp);
	pcre2_jit_stack_free(e->jit_stack);
	free(e->nodes);
	free(e->lits);
	free(e->pool);
	free(e);
}
