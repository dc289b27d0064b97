/*
 * template - compile and render alert summaries.
 *
 * Compilation splits the source into parts: literal runs (with "{{" and
 * "}}" already turned into single braces, kept in one owned buffer) and
 * placeholders resolved to an enum (and a group index for {group.NAME}).
 * Rendering walks the parts into the caller's buffer; nothing is allocated
 * and no format string ever comes from the template or from log text.
 *
 * Invariants: a compiled template only names placeholders that exist for
 * its rule, so rendering cannot fail, only truncate. Truncation never cuts
 * a UTF-8 sequence in half and ends with TEMPLATE_TRUNC.
 *
 * Not handled: formatting options inside placeholders ("{value:%.1f}");
 * values use one readable precision (template_format_value).
 *
 * The placeholder list is in template.h; the example rules
 * (packaging/examples/rules) show summaries in use.
 */
#include "rules/template.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/compat.h"

enum tpl_kind {
	TPL_LIT = 0,
	TPL_RULE,
	TPL_SEVERITY,
	TPL_VALUE,
	TPL_OP,
	TPL_THRESHOLD,
	TPL_WINDOW,
	TPL_COUNT,
	TPL_GROUP,     /* {group.NAME}: idx = group index */
	TPL_GROUP_ALL, /* {group} */
	TPL_BREAKDOWN,
};

struct tpl_part {
	enum tpl_kind kind;
	unsigned idx;    /* TPL_GROUP: group index */
	size_t off, len; /* TPL_LIT: run in t->lit */
};

struct template
{
	char *src;
	char *lit; /* literal runs, unescaped */
	struct tpl_part *parts;
	size_t nparts;
};

static const struct {
	const char *name;
	enum tpl_kind kind;
} names[] = {
	{ "rule", TPL_RULE },
	{ "severity", TPL_SEVERITY },
	{ "value", TPL_VALUE },
	{ "op", TPL_OP },
	{ "threshold", TPL_THRESHOLD },
	{ "window", TPL_WINDOW },
	{ "count", TPL_COUNT },
	{ "group", TPL_GROUP_ALL },
	{ "breakdown", TPL_BREAKDOWN },
};

void
template_free(struct template *t)
{
	if (t == NULL)
		return;
	free(t->src);
	free(t->lit);
	free(t->parts);
	free(t);
}

const char *
template_src(const struct template *t)
{
	return t->src;
}

static bool
name_eq(const char *p, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(p, name, len) == 0;
}

/* Resolve the placeholder name p[0..len) into part; -1 with err on error. */
static int
resolve(struct tpl_part *part, const char *p, size_t len,
    const char *const *group_names, unsigned ngroup, bool has_breakdown,
    char *err, size_t errlen, size_t col)
{
	if (len > 6 && memcmp(p, "group.", 6) == 0) {
		for (unsigned i = 0; i < ngroup; i++) {
			if (name_eq(p + 6, len - 6, group_names[i])) {
				part->kind = TPL_GROUP;
				part->idx = i;
				return 0;
			}
		}
		snprintf(err, errlen,
		    "column %zu: {%.*s}: \"%.*s\" is not a group_by field", col,
		    (int)len, p, (int)(len - 6), p + 6);
		return -1;
	}
	for (size_t i = 0; i < NELEM(names); i++) {
		if (!name_eq(p, len, names[i].name))
			continue;
		if (names[i].kind == TPL_BREAKDOWN && !has_breakdown) {
			snprintf(err, errlen,
			    "column %zu: {breakdown} needs a breakdown field",
			    col);
			return -1;
		}
		part->kind = names[i].kind;
		return 0;
	}
	snprintf(err, errlen, "column %zu: unknown placeholder {%.*s}", col,
	    (int)len, p);
	return -1;
}

/* Append one literal byte to the current literal part (or start one). */
static void
lit_byte(struct template *t, size_t *litlen, char c)
{
	struct tpl_part *last = t->nparts ? &t->parts[t->nparts - 1] : NULL;

	if (last == NULL || last->kind != TPL_LIT) {
		last = &t->parts[t->nparts++];
		last->kind = TPL_LIT;
		last->idx = 0;
		last->off = *litlen;
		last->len = 0;
	}
	t->lit[(*litlen)++] = c;
	last->len++;
}

struct template *
template_compile(const char *src, const char *const *group_names,
    unsigned ngroup, bool has_breakdown, char *err, size_t errlen)
{
	struct template *t;
	size_t n = strlen(src), litlen = 0;

	if (n > TEMPLATE_SRC_MAX) {
		snprintf(err, errlen, "column %d: longer than %d bytes",
		    TEMPLATE_SRC_MAX + 1, TEMPLATE_SRC_MAX);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->src = strdup(src);
	t->lit = malloc(n + 1);
	/* Each source byte yields at most one part. */
	t->parts = calloc(n + 1, sizeof(*t->parts));
	if (t->src == NULL || t->lit == NULL || t->parts == NULL)
		goto nomem;

	for (size_t i = 0; i < n; i++) {
		const char *close;

		if (src[i] == '}') {
			if (src[i + 1] != '}') {
				snprintf(err, errlen,
				    "column %zu: lone '}' (write \"}}\")",
				    i + 1);
				goto fail;
			}
			lit_byte(t, &litlen, '}');
			i++;
			continue;
		}
		if (src[i] != '{') {
			lit_byte(t, &litlen, src[i]);
			continue;
		}
		if (src[i + 1] == '{') {
			lit_byte(t, &litlen, '{');
			i++;
			continue;
		}
		close = strchr(src + i + 1, '}');
		if (close == NULL) {
			snprintf(
			    err, errlen, "column %zu: unclosed '{'", i + 1);
			goto fail;
		}
		if (resolve(&t->parts[t->nparts], src + i + 1,
			(size_t)(close - src - (ptrdiff_t)i - 1), group_names,
			ngroup, has_breakdown, err, errlen, i + 1) < 0)
			goto fail;
		t->nparts++;
		i = (size_t)(close - src);
	}
	t->lit[litlen] = '\0';
	return t;
nomem:
	snprintf(err, errlen, "column 1: out of memory");
fail:
	template_free(t);
	return NULL;
}

/* --- rendering ------------------------------------------------------- */

struct out {
	char *buf;
	size_t size, len;
	bool cut;
};

static void
put(struct out *o, const char *p, size_t n)
{
	size_t room = o->size - 1 - o->len;

	if (o->cut)
		return;
	if (n > room) {
		n = room;
		o->cut = true;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
put_str(struct out *o, const char *s)
{
	if (s != NULL)
		put(o, s, strlen(s));
}

/* Finish o: terminate, and mark a cut without splitting a UTF-8 char. */
static size_t
finish(struct out *o)
{
	size_t mk = sizeof(TEMPLATE_TRUNC) - 1;

	if (o->cut) {
		size_t at = o->size - 1 >= mk ? o->size - 1 - mk : 0;

		if (at > o->len)
			at = o->len;
		while (at > 0 && ((unsigned char)o->buf[at] & 0xc0) == 0x80)
			at--;
		o->len = at;
		for (size_t i = 0; i < mk && o->len < o->size - 1; i++)
			o->buf[o->len++] = TEMPLATE_TRUNC[i];
	}
	o->buf[o->len] = '\0';
	return o->len;
}

/* Drop trailing zeros (and a trailing '.') of a "%.Nf" rendering. */
static size_t
trim_zeros(char *buf, size_t n)
{
	if (memchr(buf, '.', n) == NULL)
		return n;
	while (n > 0 && buf[n - 1] == '0')
		n--;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	return n;
}

size_t
template_format_value(double v, char *buf, size_t bufsz)
{
	double a = fabs(v);
	int n;

	if (bufsz == 0)
		return 0;
	if (isnan(v))
		n = snprintf(buf, bufsz, "n/a");
	else if (isinf(v))
		n = snprintf(buf, bufsz, "%s", v > 0 ? "inf" : "-inf");
	else if (v == 0)
		n = snprintf(buf, bufsz, "0");
	else if (a < 1e15 && v == trunc(v))
		n = snprintf(buf, bufsz, "%.0f", v);
	else if (a >= 1e15 || a < 1e-3)
		n = snprintf(buf, bufsz, "%.3g", v);
	else if (a >= 100)
		n = snprintf(buf, bufsz, "%.1f", v);
	else if (a >= 1)
		n = snprintf(buf, bufsz, "%.2f", v);
	else
		n = snprintf(buf, bufsz, "%.3g", v);
	if (n < 0)
		n = 0;
	if ((size_t)n >= bufsz)
		return bufsz - 1;
	return trim_zeros(buf, (size_t)n);
}

size_t
template_format_duration(int64_t ms, char *buf, size_t bufsz)
{
	static const struct {
		char unit;
		int64_t ms;
	} units[] = { { 'd', 86400000 }, { 'h', 3600000 }, { 'm', 60000 },
		{ 's', 1000 } };
	struct out o = { buf, bufsz, 0, false };
	char tmp[32];

	if (bufsz == 0)
		return 0;
	if (ms <= 0) {
		put_str(&o, ms == 0 ? "0s" : "-");
		return finish(&o);
	}
	for (size_t i = 0; i < NELEM(units); i++) {
		if (ms >= units[i].ms) {
			int n = snprintf(tmp, sizeof(tmp), "%lld%c",
			    (long long)(ms / units[i].ms), units[i].unit);
			put(&o, tmp, (size_t)n);
			ms %= units[i].ms;
		}
	}
	if (ms > 0) {
		int n = snprintf(tmp, sizeof(tmp), "%lldms", (long long)ms);
		put(&o, tmp, (size_t)n);
	}
	return finish(&o);
}

static void
put_value(struct out *o, double v)
{
	char tmp[64];
	size_t n = template_format_value(v, tmp, sizeof(tmp));

	put(o, tmp, n);
}

static void
put_breakdown(struct out *o, const struct template_vars *v)
{
	char tmp[32];

	/* A resolved alert's window is empty: say so rather than nothing. */
	if (v->ncontrib == 0)
		put_str(o, "none");
	for (unsigned i = 0; i < v->ncontrib; i++) {
		double pct = v->contrib[i].share * 100.0;
		int n;

		if (i > 0)
			put_str(o, ", ");
		put_str(o, v->contrib[i].key);
		if (isnan(pct))
			continue;
		if (pct > 0 && pct < 0.5)
			n = snprintf(tmp, sizeof(tmp), " <1%%");
		else
			n = snprintf(tmp, sizeof(tmp), " %.0f%%", pct);
		put(o, tmp, (size_t)n);
	}
}

static void
put_part(struct out *o, const struct template *t, const struct tpl_part *p,
    const struct template_vars *v)
{
	char tmp[64];
	size_t n;

	switch (p->kind) {
	case TPL_LIT:
		put(o, t->lit + p->off, p->len);
		break;
	case TPL_RULE:
		put_str(o, v->rule);
		break;
	case TPL_SEVERITY:
		put_str(o, v->severity);
		break;
	case TPL_VALUE:
		put_value(o, v->value);
		break;
	case TPL_OP:
		put_str(o, v->op);
		break;
	case TPL_THRESHOLD:
		put_value(o, v->threshold);
		break;
	case TPL_WINDOW:
		n = template_format_duration(v->window_ms, tmp, sizeof(tmp));
		put(o, tmp, n);
		break;
	case TPL_COUNT:
		n = (size_t)snprintf(
		    tmp, sizeof(tmp), "%llu", (unsigned long long)v->count);
		put(o, tmp, n);
		break;
	case TPL_GROUP:
		if (p->idx < v->ngroup)
			put_str(o, v->group_values[p->idx]);
		break;
	case TPL_GROUP_ALL:
		for (unsigned i = 0; i < v->ngroup; i++) {
			if (i > 0)
				put_str(o, ", ");
			put_str(o, v->group_names[i]);
			put_str(o, "=");
			put_str(o, v->group_values[i]);
		}
		break;
	case TPL_BREAKDOWN:
		put_breakdown(o, v);
		break;
	}
}

size_t
template_render(const struct template *t, const struct template_vars *v,
    char *buf, size_t bufsz)
{
	struct out o = { buf, bufsz, 0, false };

	if (bufsz == 0)
		return 0;
	for (size_t i = 0; i < t->nparts && !o.cut; i++)
		put_part(&o, t, &t->parts[i], v);
	return finish(&o);
}
