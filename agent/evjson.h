/*
 * evjson - log-derived text and events as JSON values (jansson).
 *
 * Log lines are bytes, not text: they may hold invalid UTF-8, NUL or
 * control bytes. JSON needs valid UTF-8, so valid sequences are kept and
 * every other byte is written as the four characters \xHH (nginx's own
 * escape), which keeps the information and cannot break the document.
 * Control characters are left to jansson, which escapes them.
 */
#ifndef AGENT_EVJSON_H
#define AGENT_EVJSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "parsers/parser.h"

/* A new JSON string for len bytes at p; NULL only on ENOMEM. */
json_t *evjson_string(const char *p, size_t len);

/*
 * A number: an integer when integral is set and v has no fraction, null
 * when v is not finite (JSON has no NaN), else a real.
 */
json_t *evjson_number(double v, bool integral);

/*
 * A new object with every field ev holds (numbers as JSON numbers, the time
 * as ISO 8601 UTC with milliseconds) plus "line". NULL on ENOMEM.
 */
json_t *evjson_event(const struct log_event *ev, const struct field_table *ft);

#endif /* AGENT_EVJSON_H */
