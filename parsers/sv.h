/*
 * sv - string views: a pointer and a length into someone else's buffer.
 *
 * A view is never NUL-terminated and never owns memory. Views handed out by
 * parsers point into the caller's line buffer and die with it. Everything
 * here is static inline so that parsers/ stays libc-only and allocation-free.
 */
#ifndef PARSERS_SV_H
#define PARSERS_SV_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct sv {
	const char *p;
	size_t len;
};

#define SV_NULL ((struct sv){ NULL, 0 })
#define SV_LIT(s) ((struct sv){ (s), sizeof(s) - 1 })

static inline struct sv
sv_make(const char *p, size_t len)
{
	struct sv v = { p, len };
	return v;
}

static inline struct sv
sv_from_cstr(const char *s)
{
	return sv_make(s, s ? strlen(s) : 0);
}

static inline bool
sv_eq(struct sv a, struct sv b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool
sv_eq_cstr(struct sv a, const char *s)
{
	return sv_eq(a, sv_from_cstr(s));
}

static inline bool
sv_starts_with(struct sv a, const char *prefix)
{
	size_t n = strlen(prefix);
	return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

/* Index of the first byte c in v, or -1. */
static inline long
sv_find_char(struct sv v, char c)
{
	const char *q = v.len ? memchr(v.p, c, v.len) : NULL;
	return q ? (long)(q - v.p) : -1;
}

/* Index of the first occurrence of needle in v, or -1. */
static inline long
sv_find(struct sv v, struct sv needle)
{
	const char *q;

	if (needle.len == 0)
		return 0;
	q = v.len >= needle.len ? memmem(v.p, v.len, needle.p, needle.len)
				: NULL;
	return q ? (long)(q - v.p) : -1;
}

static inline struct sv
sv_sub(struct sv v, size_t off, size_t len)
{
	if (off > v.len)
		off = v.len;
	if (len > v.len - off)
		len = v.len - off;
	return sv_make(v.p + off, len);
}

static inline struct sv
sv_trim(struct sv v)
{
	while (v.len && (v.p[0] == ' ' || v.p[0] == '\t')) {
		v.p++;
		v.len--;
	}
	while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t' ||
	    v.p[v.len - 1] == '\r'))
		v.len--;
	return v;
}

#endif /* PARSERS_SV_H */
