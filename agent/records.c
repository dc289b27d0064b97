/*
 * records - group a head line and its continuation lines into one record.
 *
 * Single-line formats (parser->is_continuation == NULL) are passed through
 * untouched: the record is the reader's own line view. Multi-line formats
 * collect into buf[cur]; when a head line arrives, the pending record is
 * complete: it is handed out from buf[cur] and the new head starts in the
 * other buffer, so the view handed out stays valid until the next push.
 * Overflow past cap cuts the record (EVENT_TRUNCATED) but keeps consuming
 * its continuation lines, so one huge traceback is still one event.
 */
#include "agent/records.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/compat.h"

int
records_init(struct records *r, const struct parser *parser,
    const struct parser_prog *prog, size_t rec_max)
{
	memset(r, 0, sizeof(*r));
	r->parser = parser;
	r->prog = prog;
	if (parser->is_continuation == NULL)
		return 0;
	r->cap = rec_max ? rec_max : RECORDS_MAX_DEFAULT;
	r->buf[0] = malloc(r->cap);
	r->buf[1] = malloc(r->cap);
	if (r->buf[0] == NULL || r->buf[1] == NULL) {
		records_release(r);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
records_release(struct records *r)
{
	free(r->buf[0]);
	free(r->buf[1]);
	r->buf[0] = r->buf[1] = NULL;
}

/* Append bytes to the pending record, cutting at cap. */
static void
append(struct records *r, const char *p, size_t len)
{
	size_t room = r->cap - r->len;

	if (len > room) {
		len = room;
		r->flags |= EVENT_TRUNCATED;
	}
	memcpy(r->buf[r->cur] + r->len, p, len);
	r->len += len;
}

static void
start(struct records *r, const char *line, size_t len, uint32_t flags)
{
	r->len = 0;
	r->flags = flags;
	r->pending = true;
	append(r, line, len);
}

bool
records_push(struct records *r, const char *line, size_t len, uint32_t flags,
    struct sv *out, uint32_t *out_flags)
{
	unsigned done;

	if (r->parser->is_continuation == NULL) {
		*out = sv_make(line, len);
		*out_flags = flags;
		return true;
	}
	if (r->parser->is_continuation(r->prog, line, len)) {
		if (r->pending) {
			append(r, "\n", 1);
			append(r, line, len);
			r->flags |= flags & EVENT_TRUNCATED;
			return false;
		}
		/* No head to attach to: hand it out alone, it will be
		 * counted as a bad line by whoever parses it. */
		r->orphans++;
		*out = sv_make(line, len);
		*out_flags = flags;
		return true;
	}
	if (!r->pending) {
		start(r, line, len, flags);
		return false;
	}
	done = r->cur;
	*out = sv_make(r->buf[done], r->len);
	*out_flags = r->flags;
	r->cur ^= 1u;
	start(r, line, len, flags);
	return true;
}

bool
records_flush(struct records *r, struct sv *out, uint32_t *out_flags)
{
	if (!r->pending)
		return false;
	*out = sv_make(r->buf[r->cur], r->len);
	*out_flags = r->flags;
	r->pending = false;
	r->cur ^= 1u;
	return true;
}
