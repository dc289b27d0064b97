/*
 * errkind - small bounded scanners shared by the error and message-log
 * parsers (nginx_error.c, gunicorn_error.c, uwsgi.c).
 *
 * Everything is static inline so that each parser stays one object with
 * no link dependency. A cursor is a `const char **pp` with an `end`; no
 * function reads at or past end, none needs a NUL, and a failed match
 * leaves the cursor where it was.
 */
#ifndef PARSERS_ERRKIND_H
#define PARSERS_ERRKIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parsers/parser.h"
#include "parsers/sv.h"

/* Largest pid/tid we accept: Linux caps pid_max at 2^22; keep headroom. */
#define ERRKIND_PID_MAX UINT64_C(4294967295)
/* Largest byte count or counter: exact in a double. */
#define ERRKIND_NUM_MAX UINT64_C(9007199254740992)

static inline bool
errkind_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Decimal digits at *pp (at least one) -> *out, refusing a value above
 * max (max >= 9). On success *pp moves past the digits.
 */
static inline bool
errkind_uint(const char **pp, const char *end, uint64_t max, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || !errkind_is_digit(*p))
		return false;
	for (; p < end && errkind_is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return true;
}

/* The literal lit at *pp: on a match *pp moves past it. */
static inline bool
errkind_lit(const char **pp, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *pp) < n || memcmp(*pp, lit, n) != 0)
		return false;
	*pp += n;
	return true;
}

/* Digits at *pp into field id as text and number; see errkind_uint. */
static inline bool
errkind_num_field(struct log_event *ev, int id, const char **pp,
    const char *end, uint64_t max)
{
	const char *start = *pp;
	uint64_t v;

	if (!errkind_uint(pp, end, max, &v))
		return false;
	event_set_text(ev, id, sv_make(start, (size_t)(*pp - start)));
	event_set_num(ev, id, (double)v);
	return true;
}

/* FIELD_ERROR = kind, a static name. */
static inline void
errkind_set_kind(struct log_event *ev, const char *kind)
{
	event_set_text(ev, FIELD_ERROR, sv_from_cstr(kind));
}

/* First occurrence of lit in [p, end), or NULL. */
static inline const char *
errkind_find(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if (p >= end || (size_t)(end - p) < n)
		return NULL;
	return memmem(p, (size_t)(end - p), lit, n);
}

/* Last occurrence of lit in [p, end), or NULL. */
static inline const char *
errkind_find_last(const char *p, const char *end, const char *lit)
{
	const char *hit = NULL, *q;

	while ((q = errkind_find(p, end, lit)) != NULL) {
		hit = q;
		p = q + 1;
	}
	return hit;
}

/* [p, end) starts with lit. */
static inline bool
errkind_starts(const char *p, const char *end, const char *lit)
{
	return errkind_lit(&p, end, lit);
}

/*
 * Split a request URI "/path?query" into FIELD_PATH and FIELD_QUERY (the
 * query without its '?', set even when empty).
 */
static inline void
errkind_split_uri(struct log_event *ev, struct sv uri)
{
	long q = sv_find_char(uri, '?');

	if (q < 0) {
		event_set_text(ev, FIELD_PATH, uri);
		return;
	}
	event_set_text(ev, FIELD_PATH, sv_sub(uri, 0, (size_t)q));
	event_set_text(ev, FIELD_QUERY, sv_sub(uri, (size_t)q + 1, uri.len));
}

/*
 * Split an HTTP request line "GET /p?q HTTP/1.1" into method, path, query
 * and protocol. The protocol is the last word when it starts with
 * "HTTP/"; without it (HTTP/0.9, a line cut short) the rest is the URI.
 * A line without a space (garbage, a TLS hello on a plain port) sets
 * nothing: it has no method.
 */
static inline void
errkind_split_request(struct log_event *ev, struct sv req)
{
	long sp = sv_find_char(req, ' ');
	struct sv rest;
	const char *last;

	if (sp <= 0)
		return;
	event_set_text(ev, FIELD_METHOD, sv_sub(req, 0, (size_t)sp));
	rest = sv_sub(req, (size_t)sp + 1, req.len);
	last = rest.len ? memrchr(rest.p, ' ', rest.len) : NULL;
	if (last != NULL &&
	    errkind_starts(last + 1, rest.p + rest.len, "HTTP/")) {
		event_set_text(ev, FIELD_PROTOCOL,
		    sv_make(last + 1, (size_t)(rest.p + rest.len - last - 1)));
		rest.len = (size_t)(last - rest.p);
	}
	errkind_split_uri(ev, rest);
}

/* Strip the final '\n' and '\r' bytes of a record: its real length. */
static inline size_t
errkind_chomp(const char *rec, size_t len)
{
	while (len > 0 && (rec[len - 1] == '\n' || rec[len - 1] == '\r'))
		len--;
	return len;
}

#endif /* PARSERS_ERRKIND_H */
