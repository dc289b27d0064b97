/*
 * parser - the table of formats. A new format is a new file that defines
 * one const struct parser and a line here.
 */
#include "parsers/parser.h"

#include <stdio.h>
#include <string.h>

#include "parsers/compat.h"


static const struct parser *const parsers[] = {
	&nginx_access_parser,
	&nginx_error_parser,
	&gunicorn_access_parser,
	&gunicorn_error_parser,
	&uwsgi_parser,
	NULL,
};

const struct parser *
parser_lookup(const char *name)
{
	for (size_t i = 0; parsers[i] != NULL; i++) {
		if (strcmp(parsers[i]->name, name) == 0)
			return parsers[i];
	}
	return NULL;
}

const struct parser *const *
parser_all(void)
{
	return parsers;
}

void
parser_error_text(const struct log_event *ev, const struct field_table *ft,
    char *buf, size_t n)
{
	const char *why = ev->err ? ev->err : "malformed line";
	const char *fname = ft != NULL && ev->err_field >= 0 ?
	    field_name(ft, ev->err_field) : NULL;

	/* A line refused as a whole (PARSE_SKIP) has no position. */
	if (ev->err_off == 0 && fname == NULL)
		snprintf(buf, n, "%s", why);
	else
		snprintf(buf, n, "%s at column %zu%s%s", why, ev->err_off + 1,
		    fname ? " in field " : "", fname ? fname : "");
}
