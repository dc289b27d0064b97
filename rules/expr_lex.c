/*
 * expr_lex - the tokenizer of the filter language (expr.h), used by
 * expr_parse.c (map in expr_impl.h).
 *
 * Tokens: identifiers [A-Za-z_][A-Za-z0-9_]* ("in" is a keyword),
 * numbers -502 1.5 1e3 (a number glued to a letter or a second '.' is an
 * error, not two tokens), strings in single or double quotes (the lexer
 * only finds the closing quote, skipping \-escapes; expr_pool_string
 * unescapes), the operators in ops[]. Whitespace is space, tab, CR, LF.
 *
 * Numbers are converted by num_value, exact and locale-independent for up
 * to 19 significant digits and |exp10| <= 22 (one correctly rounded
 * operation on two exact doubles, as strtod would give).
 *
 * Invariants: the lexer reads src[0..n) only (n excludes the NUL, which
 * stops every scan); after the first error every token is T_ERR.
 *
 * Not handled: numbers in a locale whose decimal point is not '.' fall
 * back to strtod only for literals with more than 19 digits or exponents
 * beyond 1e22.
 */
#include "rules/expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr_impl.h"
#include "parsers/compat.h"

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
		expr_fail_at(p, lx->at, "invalid number");
		lx->tok = T_ERR;
		return;
	}
	if (!num_value(s + lx->at, lx->len, &lx->num)) {
		expr_fail_at(p, lx->at, "number out of range");
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
		expr_fail_at(p, lx->at, "unterminated string");
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

void
expr_lex_next(struct parse *p)
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
		expr_fail_at(p, lx->at, "expected '%c%c'", c, c);
	else if (c > 0x20 && c < 0x7f)
		expr_fail_at(p, lx->at, "unexpected '%c'", c);
	else
		expr_fail_at(
		    p, lx->at, "unexpected byte 0x%02x", (unsigned char)c);
}
