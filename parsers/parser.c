/*
 * parser - the table of formats. A new format is a new file that defines
 * one const struct parser and a line here.
 */
#include "parsers/parser.h"

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
