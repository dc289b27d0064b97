/*
 * field - the names of event fields, their fixed ids and types, and the
 * per-config table that gives ids to any other name.
 *
 * Well-known names (status, request_time, path, error, ...) have fixed ids
 * below FIELD_WELLKNOWN and a fixed type, so that parsers and rules agree
 * on them without a lookup per line. Any other $variable of a log_format,
 * or a logged header (http_x_api_key), is interned into a struct
 * field_table when its format is compiled and gets the next free id; the
 * rules of the same config resolve names through the same table, once, at
 * load time. FIELD_MAX bounds the ids so that the presence of a field in an
 * event is one bit of a uint64_t.
 *
 * Names follow nginx's variables without the '$'; gunicorn atoms, uwsgi
 * and error-log parts are mapped onto them (see each parser's file).
 */
#ifndef PARSERS_FIELD_H
#define PARSERS_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIELD_MAX      64 /* ids 0..63: one bit each in log_event.present */
#define FIELD_NAME_MAX 48 /* longest field name, with its NUL */

enum field_id {
	/* access logs (nginx, gunicorn, uwsgi) */
	FIELD_REMOTE_ADDR = 0,
	FIELD_REMOTE_USER,
	FIELD_TIME,		/* raw timestamp text; the value is ev->time_ms */
	FIELD_REQUEST,
	FIELD_METHOD,
	FIELD_PATH,		/* request path without the query string */
	FIELD_QUERY,		/* after '?', without it */
	FIELD_PROTOCOL,
	FIELD_STATUS,		/* signed: -502 from gevent-style apps */
	FIELD_BODY_BYTES_SENT,
	FIELD_BYTES_SENT,
	FIELD_REQUEST_LENGTH,
	FIELD_REQUEST_TIME,	/* seconds */
	FIELD_UPSTREAM_RESPONSE_TIME, /* seconds, sum over the list */
	FIELD_UPSTREAM_CONNECT_TIME,
	FIELD_UPSTREAM_HEADER_TIME,
	FIELD_UPSTREAM_ADDR,
	FIELD_UPSTREAM_STATUS,	/* last value of the list */
	FIELD_HTTP_REFERER,
	FIELD_HTTP_USER_AGENT,
	FIELD_HTTP_X_FORWARDED_FOR,
	FIELD_HOST,
	FIELD_SERVER_NAME,
	FIELD_CLIENT_DISCONNECTED, /* 1 for a negative or "socket" status */
	/* error logs (nginx, gunicorn, uwsgi messages) */
	FIELD_LEVEL,
	FIELD_PID,
	FIELD_TID,
	FIELD_CID,
	FIELD_MESSAGE,
	FIELD_CLIENT,
	FIELD_SERVER,
	FIELD_UPSTREAM,
	FIELD_REFERRER,
	FIELD_ERROR,		/* stable kind name: body_too_large, ... */
	FIELD_ERRNO,
	FIELD_ERRNO_TEXT,
	FIELD_BODY_BYTES,	/* body_too_large: the announced size */
	FIELD_WORKER_PID,	/* worker_timeout, worker_killed, ... */
	FIELD_WORKER_ID,	/* uwsgi's worker number */
	FIELD_SIGNAL,		/* worker_killed: the signal number */
	FIELD_TRACEBACK,	/* continuation lines kept with their event */
	FIELD_LISTEN_QUEUE,	/* uwsgi listen_queue_full: queued */
	FIELD_LISTEN_QUEUE_MAX, /* uwsgi listen_queue_full: backlog size */
	FIELD_LOGGER,		/* an app's log line: the logger or module */
	FIELD_EXIT_CODE,	/* nginx worker_exited: the exit status */
	FIELD_STDERR,		/* nginx fastcgi_stderr: the app's text */
	FIELD_RESOLVER_CODE,	/* nginx resolver_failed: DNS rcode or 110 */
	FIELD_CONF_FILE,	/* nginx config_error: the file at fault */
	FIELD_CONF_LINE,	/* nginx config_error: its line */
	FIELD_WELLKNOWN		/* first id for interned names */
};

enum field_type {
	FIELD_T_TEXT = 0, /* text only */
	FIELD_T_INT,	  /* integer (status, bytes, pid, errno) */
	FIELD_T_SEC,	  /* seconds, fractional */
	FIELD_T_TIME,	  /* the event time */
};

struct field_table {
	unsigned n; /* ids in use, >= FIELD_WELLKNOWN */
	char names[FIELD_MAX][FIELD_NAME_MAX];
};

/* Fill t with the well-known names only. */
void field_table_init(struct field_table *t);

/*
 * Id of name (len bytes, not NUL-terminated) in t, or -1 when unknown.
 * Aliases are resolved: time_local, time_iso8601 and msec are FIELD_TIME.
 */
int field_lookup(const struct field_table *t, const char *name, size_t len);

/*
 * Id of name, interning it when new. Returns -1 when the name is too long
 * (FIELD_NAME_MAX) or the table is full (FIELD_MAX ids).
 */
int field_intern(struct field_table *t, const char *name, size_t len);

/* Name of id, or NULL when id is not in t. The result lives as long as t. */
const char *field_name(const struct field_table *t, int id);

/* Type of id: fixed for well-known ids, FIELD_T_TEXT for interned ones. */
enum field_type field_type(int id);

#endif /* PARSERS_FIELD_H */
