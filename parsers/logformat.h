/*
 * logformat - a compiled access-log format: literals and typed fields.
 *
 * An access-log format (nginx's log_format, gunicorn's access_log_format)
 * is a sequence  lit0 var1 lit1 var2 ... varN litN.  The front ends
 * (nginx_access.c reads "$var", gunicorn_access.c reads "%(x)s") feed the
 * pieces to a builder here, once, at config load; logformat_parse then
 * walks a line with that program: a value ends where the literal that
 * follows it begins. Nothing is allocated or looked up per line.
 *
 * Per-line results are views into the line (the text as logged, escapes
 * and all) plus typed numbers; see enum logformat_conv for what each
 * conversion yields. A program is mutable (want mask, timestamp cache)
 * and belongs to one input and one thread.
 */
#ifndef PARSERS_LOGFORMAT_H
#define PARSERS_LOGFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/parser.h"
#include "parsers/tz.h"

#define LOGFORMAT_FORMAT_MAX 4096 /* bytes of literal text in a format */
#define LOGFORMAT_ERR_MAX    128  /* a sensible size for compile errors */

/* What a variable's text is turned into. */
enum logformat_conv {
	LOGFORMAT_TEXT = 0,    /* text only */
	LOGFORMAT_SKIP,        /* matched, not stored (gunicorn's %(l)s) */
	LOGFORMAT_INT,         /* unsigned integer; "-" = no number */
	LOGFORMAT_INT_DASH0,   /* same, but "-" means 0 (gunicorn %(b)s) */
	LOGFORMAT_PID_ANGLE,   /* "<1234>" -> 1234 (gunicorn %(p)s) */
	LOGFORMAT_STATUS,      /* signed; "socket"; sets client_disconnected */
	LOGFORMAT_SEC,         /* decimal seconds "0.123" */
	LOGFORMAT_SEC_INT,     /* integer seconds (gunicorn %(T)s) */
	LOGFORMAT_MSEC_INT,    /* integer milliseconds -> seconds (%(M)s) */
	LOGFORMAT_USEC_INT,    /* integer microseconds -> seconds (%(D)s) */
	LOGFORMAT_SEC_LIST,    /* "0.010, 0.020 : -" -> sum (upstream times) */
	LOGFORMAT_INT_LIST,    /* "502, 504" -> last value (upstream_status) */
	LOGFORMAT_LIST,        /* text that may be a list (upstream_addr) */
	LOGFORMAT_REQUEST,     /* "GET /p?q HTTP/1.1" -> method, path, ... */
	LOGFORMAT_REQUEST_URI, /* "/p?q" -> path, query */
	LOGFORMAT_TIME_CLF,    /* "22/Nov/2026:14:45:49 +0000", 26 bytes */
	LOGFORMAT_TIME_CLF_BR, /* the same in brackets, 28 bytes (gunicorn);
				  or 22, zone-less, see logformat_set_zone */
	LOGFORMAT_TIME_ISO,    /* "2026-11-22T14:45:49+00:00" */
	LOGFORMAT_TIME_MSEC,   /* "1669128349.123" */
};

/*
 * What a variable's text can look like, for splitting two variables that
 * nginx writes back to back ("$host$request_uri"): the first value ends
 * where its shape ends, which is only sound when the second cannot start
 * with a byte the first may hold (logformat_finish checks, per pair).
 * LOGFORMAT_SHAPE_CONV takes the shape from the conversion: numbers are
 * INT or DEC, a request URI is URI, fixed-length times end by length, the
 * rest is TEXT.
 */
enum logformat_shape {
	LOGFORMAT_SHAPE_CONV = 0, /* from the conversion */
	LOGFORMAT_SHAPE_TEXT,     /* free text: any byte */
	LOGFORMAT_SHAPE_HOST,     /* a host name: no '/', '?', ' ', '"' */
	LOGFORMAT_SHAPE_ADDR,     /* an IP address, or "unix:" */
	LOGFORMAT_SHAPE_URI,      /* starts with '/', no ' ' or '"' */
	LOGFORMAT_SHAPE_TOKEN,    /* RFC 9110 token: a method, a scheme */
	LOGFORMAT_SHAPE_INT,      /* "-", or digits with an optional '-' */
	LOGFORMAT_SHAPE_DEC,      /* "-", or digits[.digits] */
	LOGFORMAT_SHAPE_DEC3,     /* "-", or digits.ddd (nginx's %T.%03M) */
};

/* logformat_new flags */
#define LOGFORMAT_ESCAPES 0x1u /* a backslash escapes '"' inside a value */
/*
 * gunicorn: '"' is literal text that need not balance (17.5's default
 * opens the line with one), and a value is read as quoted (escapes and
 * all) when the literal after it starts with '"'.
 */
#define LOGFORMAT_LOOSE_QUOTES 0x2u

struct logformat; /* opaque */

/* An empty program, or NULL when out of memory. */
struct logformat *logformat_new(unsigned flags);

/* Release lf and everything it holds; NULL-safe. */
void logformat_free(struct logformat *lf);

/*
 * Give lf the zone (owned from now on, freed with lf) in which a
 * LOGFORMAT_TIME_CLF_BR written without a zone, gunicorn <= 19.1's
 * "[25/Oct/2016:13:00:33]", is read. Without one such a time is bad.
 */
void logformat_set_zone(struct logformat *lf, struct ts_zone *zone);

/*
 * Append literal text (len bytes) to the format; col is the 1-based column
 * of its first byte in the user's string, for error messages. Consecutive
 * literals are joined. Returns 0, or -1 with a message in err
 * ("column 300: format too long").
 */
int logformat_add_literal(struct logformat *lf, const char *p, size_t len,
    size_t col, char *err, size_t errlen);

/*
 * Append a variable. id is its field id (ignored for LOGFORMAT_SKIP);
 * display is how the user wrote it ("$request", "%(r)s"), copied for
 * messages; col is its 1-based column. Returns 0, or -1 with a message
 * in err: too many fields, a bad id.
 */
int logformat_add_var(struct logformat *lf, int id, enum logformat_conv conv,
    const char *display, size_t col, char *err, size_t errlen);

/*
 * Give the variable added last a shape other than its conversion's
 * (nginx_access.c: $host is HOST, $request_time DEC3).
 */
void logformat_set_shape(struct logformat *lf, enum logformat_shape shape);

/*
 * Close the format: checks quotes are balanced, that there is at least
 * one variable, and that each pair of variables with no literal between
 * them can be split by their shapes. Returns 0, or -1 with "column N:
 * unbalanced quote" or "column N: two variables with no literal between
 * them: WHY" (N the second variable's column).
 * A program is usable only after this returned 0.
 */
int logformat_finish(struct logformat *lf, char *err, size_t errlen);

/*
 * Field ids the program can set: its variables, plus method, path, query
 * and protocol for a request, client_disconnected for a status.
 */
uint64_t logformat_produces(const struct logformat *lf);

/*
 * Convert only fields in mask (bit i = id i); the others keep their text
 * and get no number, a request is not split unless one of its parts is
 * wanted. The time is always converted. Default: all.
 */
void logformat_want(struct logformat *lf, uint64_t mask);

/*
 * Parse one record (no '\n'; a final '\r' is dropped) into ev, which is
 * reset first. PARSE_SKIP: empty line, or the line does not have this
 * format's shape before its timestamp (another log's line). PARSE_BAD:
 * malformed after that point; ev->err is a message owned by lf (valid
 * until logformat_free), ev->err_off where, ev->err_field which field.
 */
enum parse_rc logformat_parse(
    struct logformat *lf, const char *rec, size_t len, struct log_event *ev);

/*
 * The struct parser members of every format compiled into a logformat
 * (nginx_access, gunicorn_access): their parser_prog is the logformat.
 */
void logformat_prog_free(struct parser_prog *prog);
uint64_t logformat_prog_produces(const struct parser_prog *prog);
void logformat_prog_want(struct parser_prog *prog, uint64_t mask);
enum parse_rc logformat_prog_parse(struct parser_prog *prog, const char *rec,
    size_t len, struct log_event *ev);

#endif /* PARSERS_LOGFORMAT_H */
