/*
 * nginx_access - nginx access logs, in the user's own log_format.
 *
 * What: compile() reads a log_format string as written in nginx.conf
 * (without the directive and the name; an optional leading "escape=json ",
 * "escape=default " or "escape=none " is honoured) into a logformat
 * program: text between variables is literal, "$name" and "${name}" are
 * variables. parse() runs the program (logformat_parse.c).
 *
 * Why: users change log_format (timings, upstream fields, an api key
 * header); a fixed regex per known format would miss exactly the fields
 * the alerts need. Compiling once gives every variable a field and keeps
 * the per-line work to a scan of the line.
 *
 * Variables: the well-known names get their fixed ids and types
 * (parsers/field.h): $time_local, $time_iso8601 and $msec are the event
 * time; $status is signed ("-502", "socket", "000" see logformat_parse.c);
 * $request is split into method, path, query, protocol; $request_uri into
 * path and query; $request_method, $server_protocol, $args/$query_string
 * are method, protocol and query; $request_time and $upstream_*_time are
 * seconds (a list is summed), $upstream_status is the last of its list;
 * byte counts are integers. Any other variable is interned into
 * opts->fields as a text field (a "$upstream_..." one may be a list).
 *
 * Two variables with no literal between them ("$host$request_uri",
 * "$request_time$upstream_response_time") are split by the shapes of
 * their values (nginx_access_shapes below, logformat.c); a pair that no
 * shape can split ("$remote_addr$remote_user": a user name may start
 * with a digit) is refused, naming the pair and why.
 *
 * Compile errors name the column of the user's string: an unbalanced
 * quote, two variables that cannot be split, '$' with no name, an
 * unterminated "${", a name too long, more than FIELD_MAX fields.
 *
 * Not handled: nginx's multi-string log_format continuation ('...' '...')
 * must be joined by the user.
 *
 * Format: nginx src/http/modules/ngx_http_log_module.c (the "combined"
 * format, the escape= parameter, variable syntax in ngx_http_log_compile).
 */
#include "parsers/parser.h"

#include <stdio.h>
#include <string.h>

#include "parsers/logformat.h"
#include "parsers/compat.h"

#define NGINX_ACCESS_COMBINED                                                  \
	"$remote_addr - $remote_user [$time_local] \"$request\" $status "      \
	"$body_bytes_sent \"$http_referer\" \"$http_user_agent\""

static const struct {
	const char *name;
	int id; /* -1: intern the name */
	enum logformat_conv conv;
} nginx_access_vars[] = {
	{ "time_local", FIELD_TIME, LOGFORMAT_TIME_CLF },
	{ "time_iso8601", FIELD_TIME, LOGFORMAT_TIME_ISO },
	{ "msec", FIELD_TIME, LOGFORMAT_TIME_MSEC },
	{ "status", FIELD_STATUS, LOGFORMAT_STATUS },
	{ "request", FIELD_REQUEST, LOGFORMAT_REQUEST },
	{ "request_uri", -1, LOGFORMAT_REQUEST_URI },
	{ "request_method", FIELD_METHOD, LOGFORMAT_TEXT },
	{ "server_protocol", FIELD_PROTOCOL, LOGFORMAT_TEXT },
	{ "args", FIELD_QUERY, LOGFORMAT_TEXT },
	{ "query_string", FIELD_QUERY, LOGFORMAT_TEXT },
	{ "request_time", FIELD_REQUEST_TIME, LOGFORMAT_SEC },
	{ "upstream_response_time", FIELD_UPSTREAM_RESPONSE_TIME,
	    LOGFORMAT_SEC_LIST },
	{ "upstream_connect_time", FIELD_UPSTREAM_CONNECT_TIME,
	    LOGFORMAT_SEC_LIST },
	{ "upstream_header_time", FIELD_UPSTREAM_HEADER_TIME,
	    LOGFORMAT_SEC_LIST },
	{ "upstream_status", FIELD_UPSTREAM_STATUS, LOGFORMAT_INT_LIST },
};

/*
 * What nginx writes for these, so that two of them with no literal
 * between them can be split ("$host$request_uri"): $host and $server_name
 * are validated host names (ngx_http_validate_host refuses '/'),
 * $http_host is the Host header of a request nginx accepted; a URI nginx
 * parsed starts with '/'; times are "%T.%03M". Any other variable is
 * free text, or a number by its conversion.
 */
static const struct {
	const char *name;
	enum logformat_shape shape;
} nginx_access_shapes[] = {
	{ "host", LOGFORMAT_SHAPE_HOST },
	{ "http_host", LOGFORMAT_SHAPE_HOST },
	{ "server_name", LOGFORMAT_SHAPE_HOST },
	{ "hostname", LOGFORMAT_SHAPE_HOST },
	{ "remote_addr", LOGFORMAT_SHAPE_ADDR },
	{ "realip_remote_addr", LOGFORMAT_SHAPE_ADDR },
	{ "server_addr", LOGFORMAT_SHAPE_ADDR },
	{ "request_uri", LOGFORMAT_SHAPE_URI },
	{ "uri", LOGFORMAT_SHAPE_URI },
	{ "document_uri", LOGFORMAT_SHAPE_URI },
	{ "scheme", LOGFORMAT_SHAPE_TOKEN },
	{ "request_method", LOGFORMAT_SHAPE_TOKEN },
	{ "request_time", LOGFORMAT_SHAPE_DEC3 },
	{ "upstream_response_time", LOGFORMAT_SHAPE_DEC3 },
	{ "upstream_connect_time", LOGFORMAT_SHAPE_DEC3 },
	{ "upstream_header_time", LOGFORMAT_SHAPE_DEC3 },
	{ "msec", LOGFORMAT_SHAPE_DEC3 },
	{ "remote_port", LOGFORMAT_SHAPE_INT },
	{ "server_port", LOGFORMAT_SHAPE_INT },
	{ "connection", LOGFORMAT_SHAPE_INT },
	{ "connection_requests", LOGFORMAT_SHAPE_INT },
	{ "pid", LOGFORMAT_SHAPE_INT },
};

static int
nginx_access_is_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* Field id and conversion of the variable name (lowercase, len bytes). */
static int
nginx_access_var(struct field_table *fields, const char *name, size_t len,
    enum logformat_conv *conv)
{
	int id;

	for (size_t i = 0; i < NELEM(nginx_access_vars); i++) {
		if (strlen(nginx_access_vars[i].name) != len ||
		    memcmp(nginx_access_vars[i].name, name, len) != 0)
			continue;
		*conv = nginx_access_vars[i].conv;
		if (nginx_access_vars[i].id >= 0)
			return nginx_access_vars[i].id;
		return field_intern(fields, name, len);
	}
	id = field_intern(fields, name, len);
	if (id < 0)
		return -1;
	switch (field_type(id)) {
	case FIELD_T_INT:
		*conv = LOGFORMAT_INT;
		break;
	case FIELD_T_SEC:
		*conv = LOGFORMAT_SEC;
		break;
	default:
		*conv = len > 9 && memcmp(name, "upstream_", 9) == 0
		    ? LOGFORMAT_LIST
		    : LOGFORMAT_TEXT;
		break;
	}
	return id;
}

/* Strip "escape=X " from *pp; sets *flags. -1 on an unknown X. */
static int
nginx_access_escape(
    const char **pp, const char *fmt, unsigned *flags, char *err, size_t errlen)
{
	const char *p = *pp, *w;
	size_t n;

	*flags = LOGFORMAT_ESCAPES;
	if (strncmp(p, "escape=", 7) != 0)
		return 0;
	w = p + 7;
	n = strcspn(w, " \t");
	if (n == 4 && memcmp(w, "none", 4) == 0)
		*flags = 0;
	else if (!(n == 4 && memcmp(w, "json", 4) == 0) &&
	    !(n == 7 && memcmp(w, "default", 7) == 0)) {
		snprintf(err, errlen,
		    "column %zu: escape= must be default, json or none",
		    (size_t)(w - fmt) + 1);
		return -1;
	}
	p = w + n;
	while (*p == ' ' || *p == '\t')
		p++;
	*pp = p;
	return 0;
}

/*
 * Read the variable at *pp ('$'), add it to lf and move *pp past it.
 * Returns 0 or -1 with err set.
 */
static int
nginx_access_add_var(struct logformat *lf, struct field_table *fields,
    const char **pp, const char *fmt, char *err, size_t errlen)
{
	const char *d = *pp, *s = d + 1, *e;
	size_t col = (size_t)(d - fmt) + 1, n;
	char name[FIELD_NAME_MAX], display[FIELD_NAME_MAX + 1];
	enum logformat_conv conv = LOGFORMAT_TEXT;
	int id;

	if (*s == '{') {
		s++;
		e = strchr(s, '}');
		if (e == NULL) {
			snprintf(err, errlen, "column %zu: unterminated \"${\"",
			    col);
			return -1;
		}
		*pp = e + 1;
	} else {
		for (e = s; nginx_access_is_name(*e); e++)
			;
		*pp = e;
	}
	n = (size_t)(e - s);
	for (size_t i = 0; i < n; i++) {
		if (!nginx_access_is_name(s[i]))
			n = 0; /* "${a b}": reported as no name below */
	}
	if (n == 0) {
		snprintf(
		    err, errlen, "column %zu: '$' with no variable name", col);
		return -1;
	}
	if (n >= sizeof(name)) {
		snprintf(
		    err, errlen, "column %zu: variable name too long", col);
		return -1;
	}
	/* nginx variable names are case-insensitive. */
	for (size_t i = 0; i < n; i++)
		name[i] =
		    (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i];
	name[n] = '\0';
	id = nginx_access_var(fields, name, n, &conv);
	if (id < 0) {
		snprintf(err, errlen, "column %zu: more than %d fields", col,
		    FIELD_MAX);
		return -1;
	}
	snprintf(display, sizeof(display), "$%s", name);
	if (logformat_add_var(lf, id, conv, display, col, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < NELEM(nginx_access_shapes); i++) {
		if (strcmp(nginx_access_shapes[i].name, name) == 0)
			logformat_set_shape(lf, nginx_access_shapes[i].shape);
	}
	return 0;
}

static struct parser_prog *
nginx_access_compile(const struct parser_opts *opts, char *err, size_t errlen)
{
	const char *fmt = NGINX_ACCESS_COMBINED, *p, *d;
	struct field_table local, *fields = NULL;
	struct logformat *lf;
	unsigned flags;

	if (opts != NULL && opts->log_format != NULL)
		fmt = opts->log_format;
	if (opts != NULL)
		fields = opts->fields;
	if (fields == NULL) {
		field_table_init(&local);
		fields = &local;
	}
	p = fmt;
	if (nginx_access_escape(&p, fmt, &flags, err, errlen) != 0)
		return NULL;
	if ((lf = logformat_new(flags)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (;;) {
		d = strchr(p, '$');
		if (logformat_add_literal(lf, p,
			d ? (size_t)(d - p) : strlen(p), (size_t)(p - fmt) + 1,
			err, errlen) != 0)
			goto fail;
		if (d == NULL)
			break;
		p = d;
		if (nginx_access_add_var(lf, fields, &p, fmt, err, errlen) != 0)
			goto fail;
	}
	if (logformat_finish(lf, err, errlen) != 0)
		goto fail;
	return (struct parser_prog *)(void *)lf;
fail:
	logformat_free(lf);
	return NULL;
}

const struct parser nginx_access_parser = {
	.name = "nginx_access",
	.skip_reason = "not a line of this nginx log_format",
	.default_format = NGINX_ACCESS_COMBINED,
	.compile = nginx_access_compile,
	.prog_free = logformat_prog_free,
	.produces = logformat_prog_produces,
	.want = logformat_prog_want,
	.is_continuation = NULL,
	.parse = logformat_prog_parse,
};
