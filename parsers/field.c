/*
 * field - fixed ids for the well-known field names, interning of the rest.
 *
 * The table is filled at config load only (the per-line path never looks a
 * name up), so a linear search over at most FIELD_MAX short names is fine.
 */
#include "parsers/field.h"

#include <string.h>

#include "parsers/compat.h"

static const struct {
	const char *name;
	enum field_type type;
} wellknown[FIELD_WELLKNOWN] = {
	[FIELD_REMOTE_ADDR] = { "remote_addr", FIELD_T_TEXT },
	[FIELD_REMOTE_USER] = { "remote_user", FIELD_T_TEXT },
	[FIELD_TIME] = { "time", FIELD_T_TIME },
	[FIELD_REQUEST] = { "request", FIELD_T_TEXT },
	[FIELD_METHOD] = { "method", FIELD_T_TEXT },
	[FIELD_PATH] = { "path", FIELD_T_TEXT },
	[FIELD_QUERY] = { "query", FIELD_T_TEXT },
	[FIELD_PROTOCOL] = { "protocol", FIELD_T_TEXT },
	[FIELD_STATUS] = { "status", FIELD_T_INT },
	[FIELD_BODY_BYTES_SENT] = { "body_bytes_sent", FIELD_T_INT },
	[FIELD_BYTES_SENT] = { "bytes_sent", FIELD_T_INT },
	[FIELD_REQUEST_LENGTH] = { "request_length", FIELD_T_INT },
	[FIELD_REQUEST_TIME] = { "request_time", FIELD_T_SEC },
	[FIELD_UPSTREAM_RESPONSE_TIME] = { "upstream_response_time",
	    FIELD_T_SEC },
	[FIELD_UPSTREAM_CONNECT_TIME] = { "upstream_connect_time",
	    FIELD_T_SEC },
	[FIELD_UPSTREAM_HEADER_TIME] = { "upstream_header_time", FIELD_T_SEC },
	[FIELD_UPSTREAM_ADDR] = { "upstream_addr", FIELD_T_TEXT },
	[FIELD_UPSTREAM_STATUS] = { "upstream_status", FIELD_T_INT },
	[FIELD_HTTP_REFERER] = { "http_referer", FIELD_T_TEXT },
	[FIELD_HTTP_USER_AGENT] = { "http_user_agent", FIELD_T_TEXT },
	[FIELD_HTTP_X_FORWARDED_FOR] = { "http_x_forwarded_for",
	    FIELD_T_TEXT },
	[FIELD_HOST] = { "host", FIELD_T_TEXT },
	[FIELD_SERVER_NAME] = { "server_name", FIELD_T_TEXT },
	[FIELD_CLIENT_DISCONNECTED] = { "client_disconnected", FIELD_T_INT },
	[FIELD_LEVEL] = { "level", FIELD_T_TEXT },
	[FIELD_PID] = { "pid", FIELD_T_INT },
	[FIELD_TID] = { "tid", FIELD_T_INT },
	[FIELD_CID] = { "cid", FIELD_T_INT },
	[FIELD_MESSAGE] = { "message", FIELD_T_TEXT },
	[FIELD_CLIENT] = { "client", FIELD_T_TEXT },
	[FIELD_SERVER] = { "server", FIELD_T_TEXT },
	[FIELD_UPSTREAM] = { "upstream", FIELD_T_TEXT },
	[FIELD_REFERRER] = { "referrer", FIELD_T_TEXT },
	[FIELD_ERROR] = { "error", FIELD_T_TEXT },
	[FIELD_ERRNO] = { "errno", FIELD_T_INT },
	[FIELD_ERRNO_TEXT] = { "errno_text", FIELD_T_TEXT },
	[FIELD_BODY_BYTES] = { "body_bytes", FIELD_T_INT },
	[FIELD_WORKER_PID] = { "worker_pid", FIELD_T_INT },
	[FIELD_WORKER_ID] = { "worker_id", FIELD_T_INT },
	[FIELD_SIGNAL] = { "signal", FIELD_T_INT },
	[FIELD_TRACEBACK] = { "traceback", FIELD_T_TEXT },
	[FIELD_LISTEN_QUEUE] = { "listen_queue", FIELD_T_INT },
	[FIELD_LISTEN_QUEUE_MAX] = { "listen_queue_max", FIELD_T_INT },
	[FIELD_LOGGER] = { "logger", FIELD_T_TEXT },
	[FIELD_EXIT_CODE] = { "exit_code", FIELD_T_INT },
	[FIELD_STDERR] = { "stderr", FIELD_T_TEXT },
	[FIELD_RESOLVER_CODE] = { "resolver_code", FIELD_T_INT },
	[FIELD_CONF_FILE] = { "conf_file", FIELD_T_TEXT },
	[FIELD_CONF_LINE] = { "conf_line", FIELD_T_INT },
};

static const struct {
	const char *alias;
	enum field_id id;
} aliases[] = {
	{ "time_local", FIELD_TIME },
	{ "time_iso8601", FIELD_TIME },
	{ "msec", FIELD_TIME },
	{ "http_referrer", FIELD_HTTP_REFERER },
};

void
field_table_init(struct field_table *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < FIELD_WELLKNOWN; i++)
		compat_strlcpy(t->names[i], wellknown[i].name,
		    sizeof(t->names[i]));
	t->n = FIELD_WELLKNOWN;
}

static bool
name_is(const char *have, const char *name, size_t len)
{
	return strlen(have) == len && memcmp(have, name, len) == 0;
}

int
field_lookup(const struct field_table *t, const char *name, size_t len)
{
	for (size_t i = 0; i < NELEM(aliases); i++) {
		if (name_is(aliases[i].alias, name, len))
			return (int)aliases[i].id;
	}
	for (unsigned i = 0; i < t->n; i++) {
		if (name_is(t->names[i], name, len))
			return (int)i;
	}
	return -1;
}

int
field_intern(struct field_table *t, const char *name, size_t len)
{
	int id = field_lookup(t, name, len);

	if (id >= 0)
		return id;
	if (len == 0 || len >= FIELD_NAME_MAX || t->n >= FIELD_MAX)
		return -1;
	memcpy(t->names[t->n], name, len);
	t->names[t->n][len] = '\0';
	return (int)t->n++;
}

const char *
field_name(const struct field_table *t, int id)
{
	if (id < 0 || (unsigned)id >= t->n)
		return NULL;
	return t->names[id];
}

enum field_type
field_type(int id)
{
	if (id >= 0 && id < FIELD_WELLKNOWN)
		return wellknown[id].type;
	return FIELD_T_TEXT;
}
