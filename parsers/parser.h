/*
 * parser - turn one log record into a struct log_event.
 *
 * A record is one line, or for a multi-line format (a gunicorn error with
 * its Python traceback, nginx's "FastCGI sent in stderr") a head line plus
 * the continuation lines that follow it, joined by '\n'. Sources group
 * lines into records with parser->is_continuation; parsers see records.
 *
 * Parsers are pure: no allocation on the per-record path, no I/O, no
 * logging, no global state. Everything a format needs (the compiled
 * log_format, the time zone, caches) lives in its struct parser_prog, which
 * is built once at load by ->compile and belongs to one input and one
 * thread. Every struct sv in the event points into the caller's record
 * buffer and is valid only until that buffer is refilled. Fields are not
 * NUL-terminated.
 */
#ifndef PARSERS_PARSER_H
#define PARSERS_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/field.h"
#include "parsers/sv.h"

enum parse_rc {
	PARSE_OK = 0, /* event filled */
	PARSE_SKIP,   /* not this format at all (empty line, other format) */
	PARSE_BAD,    /* this format, but malformed: ev->err says why */
};

#define EVENT_TIME_NONE INT64_MIN

/* ev->flags */
#define EVENT_TRUNCATED 0x1u /* the source cut the record at its cap */
#define EVENT_PARTIAL	0x2u /* the record had no final newline */

struct log_event {
	struct sv line;	  /* whole record, no final '\n' or '\r' */
	int64_t time_ms;  /* UTC epoch milliseconds; EVENT_TIME_NONE = absent */
	/* The other reading of a zone-less local time that happens twice
	 * (autumn's repeated hour), later than time_ms; EVENT_TIME_NONE when
	 * the time is not ambiguous. See event_pick_time. */
	int64_t time_alt_ms;
	uint64_t present; /* bit i set = text[i] is set */
	uint64_t numeric; /* bit i set = num[i] is set (subset of present) */
	uint32_t flags;	  /* EVENT_*, set by the source */
	/* On PARSE_BAD: a message (static, or owned by the parser_prog and
	 * valid until it is freed), the byte offset in line, and the field
	 * being read (-1 when none). */
	const char *err;
	size_t err_off;
	int err_field;
	struct sv text[FIELD_MAX];
	double num[FIELD_MAX];
};

/* Clear ev for a new record; only the bitmaps are reset, not the arrays. */
static inline void
event_reset(struct log_event *ev, const char *rec, size_t len)
{
	ev->line = sv_make(rec, len);
	ev->time_ms = EVENT_TIME_NONE;
	ev->time_alt_ms = EVENT_TIME_NONE;
	ev->present = 0;
	ev->numeric = 0;
	ev->err = NULL;
	ev->err_off = 0;
	ev->err_field = -1;
}

static inline void
event_set_text(struct log_event *ev, int id, struct sv v)
{
	ev->text[id] = v;
	ev->present |= UINT64_C(1) << id;
}

static inline void
event_set_num(struct log_event *ev, int id, double v)
{
	ev->num[id] = v;
	ev->numeric |= UINT64_C(1) << id;
}

static inline bool
event_has(const struct log_event *ev, int id)
{
	return (ev->present >> id) & 1u;
}

static inline bool
event_has_num(const struct log_event *ev, int id)
{
	return (ev->numeric >> id) & 1u;
}

/*
 * Set a zone-less time from its two readings (ts_zone_local_ms): the
 * second is kept in time_alt_ms only when it differs.
 */
static inline void
event_set_time2(struct log_event *ev, int64_t ms, int64_t alt_ms)
{
	ev->time_ms = ms;
	ev->time_alt_ms = alt_ms != ms ? alt_ms : EVENT_TIME_NONE;
}

/*
 * For the per-stream code (dry-run's replay, the live tailer's ingest),
 * which knows the time of the line before ev in the same file (prev_ms,
 * EVENT_TIME_NONE when there is none): of the two readings of an
 * ambiguous local time, keep the one nearer prev_ms (the later one on a
 * tie), so that a file's time goes on through the repeated hour instead
 * of jumping back by the zone's shift. Parsers cannot choose: they see one
 * line and keep no state. Clears time_alt_ms.
 */
static inline void
event_pick_time(struct log_event *ev, int64_t prev_ms)
{
	int64_t a = ev->time_ms, b = ev->time_alt_ms;

	ev->time_alt_ms = EVENT_TIME_NONE;
	if (b == EVENT_TIME_NONE || prev_ms == EVENT_TIME_NONE ||
	    a == EVENT_TIME_NONE)
		return;
	/* Both readings are within TS_MS_MIN..TS_MS_MAX: no overflow. */
	if ((prev_ms > a ? prev_ms - a : a - prev_ms) >=
	    (prev_ms > b ? prev_ms - b : b - prev_ms))
		ev->time_ms = b;
}

/* Mark ev malformed; returns PARSE_BAD so parsers can `return event_bad()`. */
static inline enum parse_rc
event_bad(struct log_event *ev, const char *err, const char *at, int field)
{
	ev->err = err;
	ev->err_off = at && at >= ev->line.p ? (size_t)(at - ev->line.p) : 0;
	ev->err_field = field;
	return PARSE_BAD;
}

struct parser_opts {
	const char *log_format; /* NULL: the format's default */
	const char *timezone;	/* zones-less timestamps; NULL: TZ or host's */
	struct field_table *fields; /* unknown variables are interned here */
};

struct parser_prog; /* opaque; each format defines its own */

struct parser {
	const char *name;	    /* config name, e.g. "nginx_access" */
	const char *default_format; /* log_format when none is given, or NULL */
	const char *skip_reason;    /* "not an nginx access log line" */
	/*
	 * True for formats whose timestamps carry no zone (nginx's error
	 * log, uwsgi): compile loads opts->timezone, or with none $TZ or the
	 * host's zone, and fails when that zone cannot be loaded. Callers
	 * load the zone first to report that failure as what it is.
	 */
	bool local_time;
	/*
	 * Build a program from opts. On failure returns NULL and writes a
	 * message into err ("column 12: unbalanced quote").
	 */
	struct parser_prog *(*compile)(const struct parser_opts *opts,
	    char *err, size_t errlen);
	void (*prog_free)(struct parser_prog *prog); /* NULL-safe */
	/* Field ids the compiled format can produce (bit i = id i). */
	uint64_t (*produces)(const struct parser_prog *prog);
	/*
	 * Only these fields need values (typed conversion, request split);
	 * the others may be left unset. Default: all. Rules call this with
	 * the fields they read, to keep the per-line cost to what is used.
	 */
	void (*want)(struct parser_prog *prog, uint64_t mask);
	/*
	 * For multi-line formats: true when line (no '\n') continues the
	 * previous record rather than starting one. NULL: single-line.
	 */
	bool (*is_continuation)(const struct parser_prog *prog,
	    const char *line, size_t len);
	enum parse_rc (*parse)(struct parser_prog *prog, const char *rec,
	    size_t len, struct log_event *ev);
};

/*
 * A PARSE_SKIP of a line that is not blank is still a line of the input
 * that was not understood: callers that report parse failures (klaxon
 * parse, the dry-run summary) count it as bad. True for such a line; ev->err
 * is then set to "not a NAME line" when the parser gave no reason.
 */
static inline bool
parser_skip_is_bad(const struct parser *p, struct log_event *ev)
{
	for (size_t i = 0; i < ev->line.len; i++) {
		char c = ev->line.p[i];
		if (c != ' ' && c != '\t' && c != '\r') {
			if (ev->err == NULL)
				ev->err = p->skip_reason;
			return true;
		}
	}
	return false;
}

/*
 * Describe why ev did not parse, for people: "expected '\"' after $request
 * at column 34 in field request". ft (may be NULL) names the field. Always
 * NUL-terminates buf (n > 0).
 */
void parser_error_text(const struct log_event *ev,
    const struct field_table *ft, char *buf, size_t n);

/* The formats; each is defined in its own file (nginx_access.c, ...). */
extern const struct parser nginx_access_parser;
extern const struct parser nginx_error_parser;
extern const struct parser gunicorn_access_parser;
extern const struct parser gunicorn_error_parser;
extern const struct parser uwsgi_parser;

/* The parser called name, or NULL. The result is static. */
const struct parser *parser_lookup(const char *name);

/* NULL-terminated list of all parsers, for help texts. */
const struct parser *const *parser_all(void);

#endif /* PARSERS_PARSER_H */
