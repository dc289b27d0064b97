/*
 * gunicorn_access - gunicorn access logs, in the user's access_log_format.
 *
 * What: compile() reads an access_log_format string (Python %-formatting
 * with gunicorn's atoms, "%(h)s %(l)s ...") into the same logformat
 * program as nginx's log_format; parse() runs it (logformat_parse.c).
 *
 * Why: the field names are nginx's, so one rule reads both logs: h is
 * remote_addr (empty behind a unix socket: the line then starts with a
 * space), u remote_user, t the time (written with its brackets), r the
 * request (split into method, path, query, protocol), m method, U path,
 * q query, H protocol, s status (signed, "socket", see logformat_parse.c),
 * B and b body_bytes_sent (b's "-" is 0 bytes), f http_referer, a
 * http_user_agent, p pid ("<1234>"), and T (whole seconds), M
 * (milliseconds), D (microseconds) and L (decimal seconds) all become
 * request_time in seconds. l is always "-" and is matched, not stored.
 * %({Header-Name}i)s is http_header_name (lowercase, '-' -> '_'),
 * %({Header}o)s sent_http_header, %({VAR}e)s the lowercased VAR. Any
 * other atom (gunicorn writes "-" for it) is interned under its name.
 *
 * Invariants: "%%" is a literal '%'; a conversion is 's' or 'd' with
 * optional flags and width, as Python accepts them; anything else after
 * '%' is a compile error naming the column. Quotes are plain text to
 * Python, so they need not balance (17.5's default access_log_format
 * opens the line with a stray '"'): a value is quoted, \" and all, when a
 * '"' follows it (LOGFORMAT_LOOSE_QUOTES).
 *
 * Time: %(t)s is "[22/Nov/2026:14:45:49 +0000]" since 19.2; gunicorn <=
 * 19.1 wrote "[25/Oct/2016:13:00:33]", a local time with no zone, read in
 * the input's zone (opts->timezone, else $TZ or the host's: local_time).
 * Both are accepted by the same format, whichever the line holds.
 *
 * Not handled: gunicorn escapes '"' in values as \" but not '\', so a
 * value ending in a backslash confuses the closing quote (logformat_parse.c).
 *
 * Format: gunicorn/glogging.py (Logger.atoms, SafeAtoms, Logger.now) and
 * gunicorn/config.py (AccessLogFormat's default).
 */
#include "parsers/parser.h"

#include <stdio.h>
#include <string.h>

#include "parsers/logformat.h"
#include "parsers/tz.h"
#include "parsers/compat.h"

#define GUNICORN_ACCESS_DEFAULT                                                \
	"%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\""

static const struct {
	char atom;
	int id;
	enum logformat_conv conv;
} gunicorn_access_atoms[] = {
	{ 'h', FIELD_REMOTE_ADDR, LOGFORMAT_TEXT },
	{ 'l', -1, LOGFORMAT_SKIP },
	{ 'u', FIELD_REMOTE_USER, LOGFORMAT_TEXT },
	{ 't', FIELD_TIME, LOGFORMAT_TIME_CLF_BR },
	{ 'r', FIELD_REQUEST, LOGFORMAT_REQUEST },
	{ 'm', FIELD_METHOD, LOGFORMAT_TEXT },
	{ 'U', FIELD_PATH, LOGFORMAT_TEXT },
	{ 'q', FIELD_QUERY, LOGFORMAT_TEXT },
	{ 'H', FIELD_PROTOCOL, LOGFORMAT_TEXT },
	{ 's', FIELD_STATUS, LOGFORMAT_STATUS },
	{ 'B', FIELD_BODY_BYTES_SENT, LOGFORMAT_INT },
	{ 'b', FIELD_BODY_BYTES_SENT, LOGFORMAT_INT_DASH0 },
	{ 'f', FIELD_HTTP_REFERER, LOGFORMAT_TEXT },
	{ 'a', FIELD_HTTP_USER_AGENT, LOGFORMAT_TEXT },
	{ 'T', FIELD_REQUEST_TIME, LOGFORMAT_SEC_INT },
	{ 'M', FIELD_REQUEST_TIME, LOGFORMAT_MSEC_INT },
	{ 'D', FIELD_REQUEST_TIME, LOGFORMAT_USEC_INT },
	{ 'L', FIELD_REQUEST_TIME, LOGFORMAT_SEC },
	{ 'p', FIELD_PID, LOGFORMAT_PID_ANGLE },
};

/*
 * The field name of a "{Name}i", "{Name}o" or "{Name}e" atom (n bytes at
 * a, braces included) into buf: "http_x_api_key". -1 when it is not one
 * or the name does not fit.
 */
static int
gunicorn_access_braced(const char *a, size_t n, char *buf, size_t bufsz)
{
	const char *prefix;
	size_t pl, k, i;

	if (n < 4 || a[0] != '{' || a[n - 2] != '}')
		return -1;
	switch (a[n - 1]) {
	case 'i':
		prefix = "http_";
		break;
	case 'o':
		prefix = "sent_http_";
		break;
	case 'e':
		prefix = "";
		break;
	default:
		return -1;
	}
	pl = strlen(prefix);
	k = n - 3; /* the name between the braces */
	if (pl + k >= bufsz)
		return -1;
	memcpy(buf, prefix, pl);
	for (i = 0; i < k; i++) {
		char c = a[1 + i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (c == '-')
			c = '_';
		buf[pl + i] = c;
	}
	buf[pl + k] = '\0';
	return 0;
}

/* Field id and conversion of the atom a (n bytes, between the parens). */
static int
gunicorn_access_atom(struct field_table *fields, const char *a, size_t n,
    enum logformat_conv *conv)
{
	char name[FIELD_NAME_MAX];

	if (n == 1) {
		for (size_t i = 0; i < NELEM(gunicorn_access_atoms); i++) {
			if (gunicorn_access_atoms[i].atom != a[0])
				continue;
			*conv = gunicorn_access_atoms[i].conv;
			return gunicorn_access_atoms[i].id;
		}
	}
	*conv = LOGFORMAT_TEXT;
	if (gunicorn_access_braced(a, n, name, sizeof(name)) == 0)
		return field_intern(fields, name, strlen(name));
	return field_intern(fields, a, n);
}

/*
 * Read the atom at *pp ("%(" ... ")" flags width conversion), add it to
 * lf, move *pp past it. Returns 0 or -1 with err set.
 */
static int
gunicorn_access_add_atom(struct logformat *lf, struct field_table *fields,
    const char **pp, const char *fmt, char *err, size_t errlen)
{
	const char *pc = *pp, *a = pc + 2, *e, *q;
	size_t col = (size_t)(pc - fmt) + 1, n;
	char display[64];
	enum logformat_conv conv;
	int id;

	e = strchr(a, ')');
	if (e == NULL) {
		snprintf(err, errlen, "column %zu: unterminated \"%%(\"", col);
		return -1;
	}
	n = (size_t)(e - a);
	q = e + 1 + strspn(e + 1, "#0- +");
	q += strspn(q, "0123456789");
	if (*q != 's' && *q != 'd') {
		snprintf(err, errlen,
		    "column %zu: atom needs an 's' or 'd' conversion", col);
		return -1;
	}
	if (n == 0 || n >= FIELD_NAME_MAX) {
		snprintf(err, errlen, "column %zu: bad atom name", col);
		return -1;
	}
	*pp = q + 1;
	id = gunicorn_access_atom(fields, a, n, &conv);
	if (id < 0 && conv != LOGFORMAT_SKIP) {
		snprintf(err, errlen,
		    "column %zu: more than %d fields or name too long", col,
		    FIELD_MAX);
		return -1;
	}
	snprintf(display, sizeof(display), "%.*s", (int)(*pp - pc), pc);
	return logformat_add_var(lf, id, conv, display, col, err, errlen);
}

static struct parser_prog *
gunicorn_access_compile(
    const struct parser_opts *opts, char *err, size_t errlen)
{
	const char *fmt = GUNICORN_ACCESS_DEFAULT, *p, *pc;
	struct field_table local, *fields = NULL;
	struct logformat *lf;
	struct ts_zone *zone;

	if (opts != NULL && opts->log_format != NULL)
		fmt = opts->log_format;
	if (opts != NULL)
		fields = opts->fields;
	if (fields == NULL) {
		field_table_init(&local);
		fields = &local;
	}
	/*
	 * SafeAtoms writes '"' as \" in every value. The format is Python
	 * %-formatting: its quotes are text and need not balance.
	 */
	if ((lf = logformat_new(LOGFORMAT_ESCAPES | LOGFORMAT_LOOSE_QUOTES)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((zone = ts_zone_load(opts ? opts->timezone : NULL, err, errlen)) ==
	    NULL)
		goto fail;
	logformat_set_zone(lf, zone);
	for (p = fmt;;) {
		pc = strchr(p, '%');
		if (logformat_add_literal(lf, p,
			pc ? (size_t)(pc - p) : strlen(p),
			(size_t)(p - fmt) + 1, err, errlen) != 0)
			goto fail;
		if (pc == NULL)
			break;
		if (pc[1] == '%') {
			if (logformat_add_literal(lf, pc, 1,
				(size_t)(pc - fmt) + 1, err, errlen) != 0)
				goto fail;
			p = pc + 2;
			continue;
		}
		if (pc[1] != '(') {
			snprintf(err, errlen,
			    "column %zu: '%%' must start \"%%(atom)s\" or "
			    "be doubled",
			    (size_t)(pc - fmt) + 1);
			goto fail;
		}
		p = pc;
		if (gunicorn_access_add_atom(
			lf, fields, &p, fmt, err, errlen) != 0)
			goto fail;
	}
	if (logformat_finish(lf, err, errlen) != 0)
		goto fail;
	return (struct parser_prog *)(void *)lf;
fail:
	logformat_free(lf);
	return NULL;
}

const struct parser gunicorn_access_parser = {
	.name = "gunicorn_access",
	.skip_reason = "not a line of this gunicorn access_log_format",
	.default_format = GUNICORN_ACCESS_DEFAULT,
	.local_time = true,
	.compile = gunicorn_access_compile,
	.prog_free = logformat_prog_free,
	.produces = logformat_prog_produces,
	.want = logformat_prog_want,
	.is_continuation = NULL,
	.parse = logformat_prog_parse,
};
