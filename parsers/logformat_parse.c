/*
 * logformat_parse - run a compiled access-log format over one line.
 *
 * What: logformat_parse walks a line with the program that logformat.c
 * built (struct logformat, logformat_impl.h): the literal before the first
 * variable, then for each variable where its value ends, its text, and its
 * conversion (numbers, the request's parts, the timestamp).
 *
 * Why this design: a value ends where the next literal starts, so one
 * memchr for the literal's first byte (and one masked 8-byte compare for
 * the rest of a short literal) finds each field; the whole line is read once,
 * left to right, with no backtracking except inside the two rules below.
 * This is the hot path of every access log, so everything it calls per
 * line is in this file and static, for the compiler to inline; the builder,
 * which runs once per format, is in logformat.c.
 *
 * Rules of the scan:
 * - A variable inside double quotes (an odd number of '"' in the literal
 *   text before it) with LOGFORMAT_ESCAPES: a '"' preceded by an odd run
 *   of backslashes is part of the value. nginx's default escaping writes
 *   '"' as \x22 and '\' as \x5C, escape=json writes \" and \\, gunicorn
 *   writes \" (and leaves '\' alone, see "not handled").
 * - An unquoted list variable (upstream_*) followed by a literal that
 *   starts with a space continues over nginx's list separators ", " and
 *   " : " (several upstreams, an internal redirect).
 * - Timestamps in common log format contain a space: they are taken by
 *   their fixed length (26 bytes, 28 with gunicorn's brackets).
 * - A variable followed at once by another ends where its shape ends
 *   (lf_shape_end; logformat.c says which pairs are accepted).
 * - The last variable's literal must end the line exactly; with no final
 *   literal the last variable takes the rest of the line. Without
 *   escaping (escape=none) a raw '"' may sit in the last value (a user
 *   agent), so there the last literal is matched at the end of the line.
 * - A status may be gunicorn+gevent_pywsgi's b'200 OK' (with spaces): it
 *   runs to its closing quote.
 *
 * The timestamp is parsed through a one-entry cache: the same text costs
 * a compare, a new second of the cached minute two digits.
 *
 * SKIP or BAD: a line that fails before or at its timestamp's position
 * (the timestamp's literals or length do not fit) is not this format at
 * all and gets PARSE_SKIP; a failure after that, or a timestamp of the
 * right shape with a bad month, is PARSE_BAD. Formats without a timestamp
 * use their first variable in the same way.
 *
 * Invariants: reads only [rec, rec + len); no allocation, no NUL needed,
 * no strlen per line. Every value is a view into rec. Numbers with more
 * digits than fit exactly (18) give no number, never overflow. Of the
 * program, only the timestamp cache is written.
 *
 * Not handled (XXX, acceptable): a gunicorn value that ends in a
 * backslash right before its closing quote looks escaped and the line is
 * then read as malformed; a variable whose value contains the literal
 * that follows it unquoted ("$remote_addr:$remote_port" with IPv6) is cut
 * early; numbers in exponent notation.
 *
 * Formats: nginx src/http/modules/ngx_http_log_module.c (variables,
 * ngx_http_log_escape, ngx_http_log_json_variable, "-" for a missing
 * value), src/http/ngx_http_upstream.c (upstream lists); gunicorn
 * gunicorn/glogging.py (atoms, SafeAtoms).
 */
#include "parsers/logformat.h"

#include <string.h>
#include <strings.h>

#include "parsers/logformat_impl.h"
#include "parsers/ts.h"
#include "parsers/compat.h"

#define LF_CLF_LOCAL_BR 22 /* "[25/Oct/2016:13:00:33]" */

#define LF_DIGITS_MAX 18 /* < 2^63 and exact in a double up to 2^53 */

static const double lf_pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
	1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18 };

/* ---- numbers ---------------------------------------------------------- */

/* Unsigned decimal, 1..18 digits, nothing else. */
static bool
lf_uint(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > LF_DIGITS_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)p[i] - '0';

		if (d > 9)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Optional '-', then lf_uint. */
static bool
lf_int(const char *p, size_t n, int64_t *out)
{
	uint64_t v;

	if (n > 0 && p[0] == '-') {
		if (!lf_uint(p + 1, n - 1, &v))
			return false;
		*out = -(int64_t)v;
		return true;
	}
	if (!lf_uint(p, n, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

/*
 * Decimal seconds "12.345" (or "12"): digits, optional '.' and digits.
 * Fraction digits past 9 are read over (nginx writes 3, gunicorn 6).
 */
static bool
lf_dec(const char *p, size_t n, double *out)
{
	uint64_t ip = 0, frac = 0;
	unsigned id = 0, fd = 0;
	size_t i = 0;

	for (; i < n && (unsigned)(p[i] - '0') <= 9; i++) {
		if (++id > 15)
			return false;
		ip = ip * 10 + (unsigned)(p[i] - '0');
	}
	if (id == 0)
		return false;
	if (i < n && p[i] == '.') {
		size_t j = ++i;

		for (; i < n && (unsigned)(p[i] - '0') <= 9; i++) {
			if (fd < 9) {
				frac = frac * 10 + (unsigned)(p[i] - '0');
				fd++;
			}
		}
		if (i == j)
			return false;
	}
	if (i != n)
		return false;
	/* One rounding when the scaled value is exact: same as strtod. */
	if (id + fd <= LF_DIGITS_MAX)
		*out =
		    (double)(ip * (uint64_t)lf_pow10[fd] + frac) / lf_pow10[fd];
	else
		*out = (double)ip + (double)frac / lf_pow10[fd];
	return true;
}

/*
 * Next element of an nginx list "0.010, 0.020 : -" at *pp; separators are
 * ' ', ',' and ':' (elements of numeric lists never contain them).
 */
static bool
lf_list_next(const char **pp, const char *end, struct sv *elem)
{
	const char *p = *pp, *s;

	while (p < end && (*p == ' ' || *p == ',' || *p == ':'))
		p++;
	if (p == end)
		return false;
	s = p;
	while (p < end && *p != ' ' && *p != ',' && *p != ':')
		p++;
	*elem = sv_make(s, (size_t)(p - s));
	*pp = p;
	return true;
}

static bool
lf_is_dash(const char *v, size_t n)
{
	return n == 1 && v[0] == '-';
}

/* Sum of the numeric elements; false when none, or one is junk. */
static bool
lf_sec_list(const char *v, size_t n, double *out)
{
	const char *p = v, *end = v + n;
	struct sv e;
	double sum = 0, x;
	bool any = false;

	if (lf_dec(v, n, out))
		return true; /* one upstream: the usual case */

	while (lf_list_next(&p, end, &e)) {
		if (lf_is_dash(e.p, e.len))
			continue;
		if (!lf_dec(e.p, e.len, &x))
			return false;
		sum += x;
		any = true;
	}
	*out = sum;
	return any;
}

/*
 * The last numeric element ("200, -" is 200: the upstream that answered,
 * then one that did not); false when there is none or one is junk, so
 * the field is a number on every line that has one.
 */
static bool
lf_int_list(const char *v, size_t n, int64_t *out)
{
	const char *p = v, *end = v + n;
	struct sv e;
	bool any = false;
	int64_t x;

	if (lf_int(v, n, out))
		return true; /* one upstream: the usual case */

	while (lf_list_next(&p, end, &e)) {
		if (lf_is_dash(e.p, e.len))
			continue;
		if (!lf_int(e.p, e.len, &x))
			return false;
		*out = x;
		any = true;
	}
	return any;
}

/* ---- typed fields ----------------------------------------------------- */

static bool
lf_is_tchar(unsigned char c)
{
	/* RFC 9110 token characters, as a method is made of. */
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && memchr("!#$%&'*+-.^_`|~", c, 15) != NULL;
}

/* "/p?q" -> path "/p", query "q" (present only with a '?'). */
static void
lf_split_target(struct log_event *ev, const char *t, size_t n)
{
	const char *q = n ? memchr(t, '?', n) : NULL;

	if (q == NULL) {
		event_set_text(ev, FIELD_PATH, sv_make(t, n));
		return;
	}
	event_set_text(ev, FIELD_PATH, sv_make(t, (size_t)(q - t)));
	event_set_text(
	    ev, FIELD_QUERY, sv_make(q + 1, (size_t)(t + n - q - 1)));
}

/*
 * An absolute-form target "http://host:port/p?q" (RFC 9112 3.2.2, what a
 * proxy is sent): the host (unless the format logs $host, nginx's own
 * idea of it) and "/p?q", so that a rule on path sees the path. Returns
 * the length of the scheme and authority, 0 when t is not one.
 */
static size_t
lf_absolute_form(struct log_event *ev, const char *t, size_t n, bool own_host)
{
	size_t s, h;

	if (n > 7 && strncasecmp(t, "http://", 7) == 0)
		s = 7;
	else if (n > 8 && strncasecmp(t, "https://", 8) == 0)
		s = 8;
	else
		return 0;
	for (h = s; h < n && t[h] != '/' && t[h] != '?'; h++)
		;
	if (h == s)
		return 0;
	if (!own_host)
		event_set_text(ev, FIELD_HOST, sv_make(t + s, h - s));
	return h;
}

/*
 * "GET /p?q HTTP/1.1" -> method, path, query, protocol. Anything that
 * does not start with a method and a space ("-", "\x16\x03\x01..." from
 * a TLS handshake on a plain port) yields no parts; it is not an error.
 */
static void
lf_split_request(struct log_event *ev, const char *r, size_t n, bool own_host)
{
	const char *end = r + n, *sp, *t, *lsp;
	size_t tn;

	sp = n ? memchr(r, ' ', n) : NULL;
	if (sp == NULL || sp == r)
		return;
	for (const char *c = r; c < sp; c++) {
		if (!lf_is_tchar((unsigned char)*c))
			return;
	}
	event_set_text(ev, FIELD_METHOD, sv_make(r, (size_t)(sp - r)));
	t = sp + 1;
	tn = (size_t)(end - t);
	lsp = tn ? memrchr(t, ' ', tn) : NULL;
	if (lsp != NULL && end - lsp > 5 && memcmp(lsp + 1, "HTTP/", 5) == 0) {
		event_set_text(ev, FIELD_PROTOCOL,
		    sv_make(lsp + 1, (size_t)(end - lsp - 1)));
		tn = (size_t)(lsp - t);
	}
	if (tn > 0 && (t[0] == 'h' || t[0] == 'H')) {
		size_t a = lf_absolute_form(ev, t, tn, own_host);

		if (a == tn) {
			event_set_text(ev, FIELD_PATH, SV_LIT("/"));
			return;
		}
		t += a;
		tn -= a;
	}
	if (tn > 0)
		lf_split_target(ev, t, tn);
}

/*
 * status: "-502" (an app logging gevent's code after the client socket
 * failed) and "socket" (gevent's own log) both mean the client went away;
 * "000" is 0. gevent_pywsgi's b'200 OK' is read as 200.
 */
static void
lf_status(struct log_event *ev, int id, const char *v, size_t n)
{
	int64_t s;
	int disc = -1;
	const char *sp;

	if (n > 3 && v[0] == 'b' && v[1] == '\'' && v[n - 1] == '\'') {
		/* b'-502 Bad Gateway': the code is the first word. */
		v += 2;
		n -= 3;
		if ((sp = memchr(v, ' ', n)) != NULL)
			n = (size_t)(sp - v);
	}
	if (lf_int(v, n, &s)) {
		event_set_num(ev, id, (double)s);
		/* 499 is nginx's "client closed request": the same event. */
		disc = s < 0 || s == 499;
	} else if (n == 6 && memcmp(v, "socket", 6) == 0) {
		disc = 1;
	}
	if (disc < 0)
		return;
	event_set_text(
	    ev, FIELD_CLIENT_DISCONNECTED, disc ? SV_LIT("1") : SV_LIT("0"));
	event_set_num(ev, FIELD_CLIENT_DISCONNECTED, disc);
}

static void
lf_ts_store(struct logformat *lf, enum logformat_conv conv, const char *v,
    size_t n, int64_t ms)
{
	memcpy(lf->ts_key, v, n);
	lf->ts_len = n;
	lf->ts_ms = ms;
	lf->ts_conv = conv;
	if (conv == LOGFORMAT_TIME_CLF)
		lf->ts_base_ms =
		    ms - ((v[18] - '0') * 10 + (v[19] - '0')) * 1000;
}

/*
 * Timestamp text -> ev->time_ms, through the cache: the same text is not
 * parsed twice in a row, and for the CLF form a new second of the cached
 * minute (bytes 18-19 of "22/Nov/2026:14:45:49 +0000") is two digits.
 */
static int
lf_time(struct logformat *lf, enum logformat_conv conv, const char *v, size_t n,
    struct log_event *ev)
{
	int64_t ms;
	int rc;

	if (lf->ts_conv == conv && conv == LOGFORMAT_TIME_CLF &&
	    memcmp(v, lf->ts_key, 18) == 0 &&
	    memcmp(v + 20, lf->ts_key + 20, 6) == 0 && v[18] >= '0' &&
	    v[18] <= '5' && v[19] >= '0' && v[19] <= '9') {
		/* Constant sizes: the compiler inlines these compares. */
		ev->time_ms = lf->ts_base_ms +
		    ((v[18] - '0') * 10 + (v[19] - '0')) * 1000;
		return 0;
	}
	if (lf->ts_conv == conv && lf->ts_len == n &&
	    memcmp(v, lf->ts_key, n) == 0) {
		ev->time_ms = lf->ts_ms;
		return 0;
	}
	switch (conv) {
	case LOGFORMAT_TIME_CLF:
		rc = ts_parse_clf(v, n, &ms);
		break;
	case LOGFORMAT_TIME_ISO:
		rc = ts_parse_iso8601(v, n, &ms);
		break;
	default:
		rc = ts_parse_msec(v, n, &ms);
		break;
	}
	if (rc != 0)
		return -1;
	if (n <= sizeof(lf->ts_key))
		lf_ts_store(lf, conv, v, n, ms);
	ev->time_ms = ms;
	return 0;
}

/*
 * gunicorn <= 19.1's "[25/Oct/2016:13:00:33]" (22 bytes): a local time in
 * lf's zone. Not cached: only old hosts write it. The field is what is
 * inside the brackets.
 */
static int
lf_time_local(struct logformat *lf, const char *v, struct log_event *ev)
{
	char clf[26];
	int64_t ms, alt_ms;

	if (lf->zone == NULL || v[0] != '[')
		return -1;
	/* As UTC, the wall clock's own seconds; then into the zone. */
	memcpy(clf, v + 1, 20);
	memcpy(clf + 20, " +0000", 6);
	if (ts_parse_clf(clf, sizeof(clf), &ms) ||
	    ts_zone_local_ms(lf->zone, ms / 1000, &ms, &alt_ms))
		return -1;
	event_set_text(ev, FIELD_TIME, sv_make(v + 1, 20));
	event_set_time2(ev, ms, alt_ms);
	return 0;
}

/* Scaled integer -> seconds (gunicorn's %(T)s, %(M)s, %(D)s). */
static void
lf_scaled(struct log_event *ev, int id, const char *v, size_t n, double div)
{
	uint64_t u;

	if (lf_uint(v, n, &u))
		event_set_num(ev, id, (double)u / div);
}

/* The typed part of a value; text has been set. -1 only for a bad time. */
static int
lf_convert(struct logformat *lf, const struct lf_item *it, const char *v,
    size_t n, struct log_event *ev)
{
	uint64_t u;
	int64_t s;
	double d;

	switch (it->run) {
	case LOGFORMAT_SKIP:
	case LOGFORMAT_TEXT:
	case LOGFORMAT_LIST:
		break;
	case LOGFORMAT_INT:
		if (lf_uint(v, n, &u))
			event_set_num(ev, it->id, (double)u);
		break;
	case LOGFORMAT_INT_DASH0:
		if (lf_is_dash(v, n))
			event_set_num(ev, it->id, 0);
		else if (lf_uint(v, n, &u))
			event_set_num(ev, it->id, (double)u);
		break;
	case LOGFORMAT_PID_ANGLE:
		if (n > 2 && v[0] == '<' && v[n - 1] == '>' &&
		    lf_uint(v + 1, n - 2, &u))
			event_set_num(ev, it->id, (double)u);
		break;
	case LOGFORMAT_STATUS:
		lf_status(ev, it->id, v, n);
		break;
	case LOGFORMAT_SEC:
		if (lf_dec(v, n, &d))
			event_set_num(ev, it->id, d);
		break;
	case LOGFORMAT_SEC_INT:
		lf_scaled(ev, it->id, v, n, 1);
		break;
	case LOGFORMAT_MSEC_INT:
		lf_scaled(ev, it->id, v, n, 1e3);
		break;
	case LOGFORMAT_USEC_INT:
		lf_scaled(ev, it->id, v, n, 1e6);
		break;
	case LOGFORMAT_SEC_LIST:
		if (lf_sec_list(v, n, &d))
			event_set_num(ev, it->id, d);
		break;
	case LOGFORMAT_INT_LIST:
		if (lf_int_list(v, n, &s))
			event_set_num(ev, it->id, (double)s);
		break;
	case LOGFORMAT_REQUEST:
		lf_split_request(ev, v, n, lf->has_host);
		break;
	case LOGFORMAT_REQUEST_URI:
		if (n > 0 && !lf_is_dash(v, n))
			lf_split_target(ev, v, n);
		break;
	case LOGFORMAT_TIME_CLF:
	case LOGFORMAT_TIME_ISO:
	case LOGFORMAT_TIME_MSEC:
		return lf_time(lf, it->run, v, n, ev);
	case LOGFORMAT_TIME_CLF_BR:
		if (n == LF_CLF_LOCAL_BR)
			return lf_time_local(lf, v, ev);
		/* The text set was "[...]"; the field is what is inside. */
		if (v[0] != '[' || v[27] != ']')
			return -1;
		event_set_text(ev, it->id, sv_make(v + 1, 26));
		return lf_time(lf, LOGFORMAT_TIME_CLF, v + 1, 26, ev);
	}
	return 0;
}

/* ---- the scan --------------------------------------------------------- */

/*
 * True when the literal of it is at q (end - q >= lit_len). A literal of
 * up to 8 bytes is one masked word compare when 8 bytes can be read.
 */
static inline bool
lf_lit_at(const struct lf_item *it, const char *q, const char *end)
{
	uint64_t w;

	if (it->lit_len <= 8 && end - q >= 8) {
		memcpy(&w, q, 8);
		return (w & it->mask8) == it->lit8;
	}
	return memcmp(q, it->lit, it->lit_len) == 0;
}

/* True when the '"' at q is escaped: an odd run of '\' before it. */
static bool
lf_escaped(const char *start, const char *q)
{
	size_t k = 0;

	while (q > start && q[-1] == '\\') {
		q--;
		k++;
	}
	return k & 1;
}

/*
 * Where the literal of it (lit_len > 0 bytes) after the value starting
 * at p begins, or NULL. See the rules in the comment at the top.
 */
static const char *
lf_scan(const struct lf_item *it, const char *p, const char *end)
{
	const char *start = p, *q;
	size_t n = it->lit_len;
	char c = it->lit[0];

	for (;;) {
		q = memchr(p, c, (size_t)(end - p));
		if (q == NULL || (size_t)(end - q) < n)
			return NULL;
		p = q + 1;
		if (n > 1 && !lf_lit_at(it, q, end))
			continue;
		if (it->escaped && lf_escaped(start, q))
			continue;
		if (it->list) {
			if (q > start && q[-1] == ',')
				continue;
			if (end - q > 3 && q[1] == ':' && q[2] == ' ') {
				p = q + 3;
				continue;
			}
		}
		return q;
	}
}

static inline bool
lf_is_digit(char c)
{
	return (unsigned)(c - '0') <= 9;
}

/* One number of shape INT, DEC or DEC3 at p: its end, or NULL. */
static const char *
lf_number_end(enum logformat_shape shape, const char *p, const char *end)
{
	const char *q = p;

	if (q < end && *q == '-') {
		if (shape != LOGFORMAT_SHAPE_INT)
			return q + 1; /* "-": no value */
		q++;
		if (q == end || !lf_is_digit(*q))
			return q;
	}
	if (q == end || !lf_is_digit(*q))
		return NULL;
	while (q < end && lf_is_digit(*q))
		q++;
	if (shape == LOGFORMAT_SHAPE_INT || q == end || *q != '.')
		return q;
	q++;
	for (unsigned k = 0; q < end && lf_is_digit(*q); k++, q++) {
		if (shape == LOGFORMAT_SHAPE_DEC3 && k == 3)
			break;
	}
	return q;
}

/*
 * Where a value ends by its shape, a variable following it at once
 * (logformat.c checked that the next value cannot start with a byte this
 * one holds). A list of numbers goes on over ", " and " : ".
 */
static inline bool
lf_in(const uint64_t set[4], char c)
{
	unsigned char u = (unsigned char)c;

	return (set[u >> 6] >> (u & 63)) & 1;
}

static const char *
lf_shape_end(const struct lf_item *it, const char *p, const char *end)
{
	const char *q = p;

	switch (it->shape) {
	case LOGFORMAT_SHAPE_INT:
	case LOGFORMAT_SHAPE_DEC:
	case LOGFORMAT_SHAPE_DEC3:
		for (;;) {
			if ((q = lf_number_end(it->shape, q, end)) == NULL)
				return NULL;
			if (it->conv != LOGFORMAT_SEC_LIST &&
			    it->conv != LOGFORMAT_INT_LIST)
				break;
			if (end - q > 2 && q[0] == ',' && q[1] == ' ' &&
			    (lf_is_digit(q[2]) || q[2] == '-'))
				q += 2;
			else if (end - q > 3 && q[0] == ' ' && q[1] == ':' &&
			    q[2] == ' ' && (lf_is_digit(q[3]) || q[3] == '-'))
				q += 3;
			else
				break;
		}
		break;
	default:
		while (q < end && lf_in(it->alpha, *q))
			q++;
		if (q == p)
			return NULL;
		break;
	}
	/* The next value must start here ('/' for a URI after a host). */
	return q < end && lf_in(it->follow, *q) ? q : NULL;
}

/*
 * Where the value starting at p ends (its literal follows), or NULL.
 */
static inline const char *
lf_value_end(const struct lf_item *it, const char *p, const char *end)
{
	size_t room = (size_t)(end - p);
	const char *q;

	switch (it->how) {
	case LF_FIXED:
		if (room >= it->fixed + it->lit_len &&
		    lf_lit_at(it, p + it->fixed, end))
			return p + it->fixed;
		/* gunicorn <= 19.1: "[25/Oct/2016:13:00:33]", no zone */
		if (it->conv == LOGFORMAT_TIME_CLF_BR &&
		    room >= LF_CLF_LOCAL_BR + it->lit_len &&
		    p[LF_CLF_LOCAL_BR - 1] == ']' &&
		    lf_lit_at(it, p + LF_CLF_LOCAL_BR, end))
			return p + LF_CLF_LOCAL_BR;
		return NULL;
	case LF_REST:
		return end;
	case LF_ANCHORED:
		if (room < it->lit_len ||
		    !lf_lit_at(it, end - it->lit_len, end))
			return NULL;
		return end - it->lit_len;
	case LF_SHAPE:
		return lf_shape_end(it, p, end);
	case LF_SCAN:
		break;
	}
	/*
	 * gunicorn 20.1 with gevent_pywsgi logs the status as Python bytes,
	 * b'200 OK', spaces and all: the value runs to the closing quote.
	 */
	if (it->pyrepr && room > 2 && p[0] == 'b' && p[1] == '\'' &&
	    (q = memchr(p + 2, '\'', room - 2)) != NULL &&
	    (size_t)(end - q - 1) >= it->lit_len && lf_lit_at(it, q + 1, end))
		return q + 1;
	return lf_scan(it, p, end);
}

/*
 * A failure at variable i: before or at the anchor the line is not of
 * this format (SKIP), after it the line is malformed (BAD).
 */
static enum parse_rc
lf_fail(const struct logformat *lf, unsigned i, const char *msg, const char *at,
    struct log_event *ev)
{
	event_bad(ev, msg, at, lf->items[i].id);
	return i <= lf->anchor ? PARSE_SKIP : PARSE_BAD;
}

enum parse_rc
logformat_parse(
    struct logformat *lf, const char *rec, size_t len, struct log_event *ev)
{
	const char *p = rec, *end, *v, *ve;

	if (len > 0 && rec[len - 1] == '\r')
		len--;
	event_reset(ev, rec, len);
	if (len == 0) {
		event_bad(ev, "empty line", rec, -1);
		return PARSE_SKIP;
	}
	end = rec + len;
	if (lf->head_len > 0) {
		if (len < lf->head_len ||
		    memcmp(rec, lf->lits, lf->head_len) != 0) {
			event_bad(ev, lf->head_msg, rec, -1);
			return PARSE_SKIP;
		}
		p += lf->head_len;
	}
	for (unsigned i = 0; i < lf->n; i++) {
		const struct lf_item *it = &lf->items[i];

		v = p;
		ve = lf_value_end(it, p, end);
		if (ve == NULL)
			return lf_fail(lf, i, it->expect_msg, p, ev);
		p = ve + it->lit_len;
		if (it->id >= 0)
			event_set_text(
			    ev, it->id, sv_make(v, (size_t)(ve - v)));
		if (it->run != LOGFORMAT_TEXT &&
		    lf_convert(lf, it, v, (size_t)(ve - v), ev) != 0)
			return event_bad(ev, it->bad_msg, v, it->id);
	}
	if (p != end)
		return lf_fail(lf, lf->n - 1, lf->trail_msg, p, ev);
	return PARSE_OK;
}
enum parse_rc
logformat_prog_parse(
    struct parser_prog *prog, const char *rec, size_t len, struct log_event *ev)
{
	return logformat_parse((struct logformat *)(void *)prog, rec, len, ev);
}
