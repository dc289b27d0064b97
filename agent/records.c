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
 *
 * Cutting keeps both ends, because a traceback says what happened in its
 * last line. When a record first overflows, its first half (up to the
 * last line break there, so whole lines) stays in buf[cur] as the head;
 * everything after it goes through a ring holding the last ring_cap
 * bytes. When the record is handed out, the ring is unrolled behind the
 * head, from its first line break on (whole lines again, unless a
 * single line fills it), with a marker line between that counts the
 * bytes cut. ring_cap = cap - cap / 2 - MARK_MAX, so head + marker + tail
 * always fits in cap, and since the record overflowed, the ring has
 * wrapped: the marker always stands for bytes really cut.
 */
#include "agent/records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/compat.h"

/* Room for "\n[... N bytes cut ...]\n" with a 20-digit N. */
#define MARK_MAX 48

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
	if (r->cap < RECORDS_MAX_MIN)
		r->cap = RECORDS_MAX_MIN;
	r->ring_cap = r->cap - r->cap / 2 - MARK_MAX;
	r->buf[0] = malloc(r->cap);
	r->buf[1] = malloc(r->cap);
	r->ring = malloc(r->ring_cap);
	if (r->buf[0] == NULL || r->buf[1] == NULL || r->ring == NULL) {
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
	free(r->ring);
	r->buf[0] = r->buf[1] = r->ring = NULL;
}

/* Keep the last ring_cap bytes of everything fed after the head. */
static void
ring_feed(struct records *r, const char *p, size_t len)
{
	size_t n;

	r->after_head += len;
	if (len >= r->ring_cap) {
		memcpy(r->ring, p + len - r->ring_cap, r->ring_cap);
		r->ring_pos = 0;
		r->ring_len = r->ring_cap;
		return;
	}
	n = r->ring_cap - r->ring_pos;
	if (n > len)
		n = len;
	memcpy(r->ring + r->ring_pos, p, n);
	memcpy(r->ring, p + n, len - n);
	r->ring_pos = (r->ring_pos + len) % r->ring_cap;
	r->ring_len =
	    r->ring_len + len > r->ring_cap ? r->ring_cap : r->ring_len + len;
}

/*
 * The record overflows: keep its first half, to the last line break in
 * it when there is one past the head's first quarter, and start the
 * ring with the rest.
 */
static void
start_cutting(struct records *r)
{
	const char *b = r->buf[r->cur];
	size_t half = r->cap / 2, h = r->len < half ? r->len : half;
	const char *nl = memrchr(b, '\n', h);

	if (nl != NULL && (size_t)(nl - b) > half / 4)
		h = (size_t)(nl - b);
	r->cutting = true;
	r->flags |= EVENT_TRUNCATED;
	r->ring_len = r->ring_pos = 0;
	r->after_head = 0;
	ring_feed(r, b + h, r->len - h);
	r->len = h;
}

/* Append bytes to the pending record. */
static void
append(struct records *r, const char *p, size_t len)
{
	if (!r->cutting && len > r->cap - r->len)
		start_cutting(r);
	if (r->cutting) {
		ring_feed(r, p, len);
		return;
	}
	memcpy(r->buf[r->cur] + r->len, p, len);
	r->len += len;
}

/*
 * A cut record is complete: head, marker line, then the ring unrolled
 * from its first line break (when that leaves most of it).
 */
static void
finish_cut(struct records *r)
{
	char *b = r->buf[r->cur], *tail = b + r->len + MARK_MAX;
	size_t old = r->ring_len == r->ring_cap ? r->ring_pos : 0;
	size_t first = r->ring_len - old, tlen = r->ring_len, skip = 0;
	const char *nl;
	int m;

	memcpy(tail, r->ring + old, first);
	memcpy(tail + first, r->ring, r->ring_len - first);
	nl = memchr(tail, '\n', tlen);
	if (nl != NULL && (size_t)(nl - tail) < tlen / 2)
		skip = (size_t)(nl - tail) + 1;
	m = snprintf(b + r->len, MARK_MAX, "\n[... %llu bytes cut ...]\n",
	    (unsigned long long)(r->after_head - (tlen - skip)));
	if (m < 0 || m >= MARK_MAX)
		m = 0; /* cannot happen: 20 digits fit */
	memmove(b + r->len + (size_t)m, tail + skip, tlen - skip);
	r->len += (size_t)m + tlen - skip;
	r->cutting = false;
}

static void
start(struct records *r, const char *line, size_t len, uint32_t flags)
{
	r->len = 0;
	r->flags = flags;
	r->pending = true;
	r->cutting = false;
	append(r, line, len);
}

bool
records_push(struct records *r, const char *line, size_t len, uint32_t flags,
    struct sv *out, uint32_t *out_flags)
{
	return records_push_span(r, line, len, flags, 0, 0, out, out_flags);
}

bool
records_push_span(struct records *r, const char *line, size_t len,
    uint32_t flags, uint64_t start_off, uint64_t end_off, struct sv *out,
    uint32_t *out_flags)
{
	unsigned done;

	if (r->parser->is_continuation == NULL) {
		*out = sv_make(line, len);
		*out_flags = flags;
		r->out_start = start_off;
		r->out_end = end_off;
		return true;
	}
	if (r->parser->is_continuation(r->prog, line, len)) {
		if (r->pending) {
			append(r, "\n", 1);
			append(r, line, len);
			r->flags |= flags & EVENT_TRUNCATED;
			r->pend_end = end_off;
			return false;
		}
		/* No head to attach to: hand it out alone, it will be
		 * counted as a bad line by whoever parses it. */
		r->orphans++;
		*out = sv_make(line, len);
		*out_flags = flags;
		r->out_start = start_off;
		r->out_end = end_off;
		return true;
	}
	if (!r->pending) {
		start(r, line, len, flags);
		r->pend_start = start_off;
		r->pend_end = end_off;
		return false;
	}
	if (r->cutting)
		finish_cut(r);
	done = r->cur;
	*out = sv_make(r->buf[done], r->len);
	*out_flags = r->flags;
	r->out_start = r->pend_start;
	r->out_end = r->pend_end;
	r->cur ^= 1u;
	start(r, line, len, flags);
	r->pend_start = start_off;
	r->pend_end = end_off;
	return true;
}

bool
records_flush(struct records *r, struct sv *out, uint32_t *out_flags)
{
	if (!r->pending)
		return false;
	if (r->cutting)
		finish_cut(r);
	*out = sv_make(r->buf[r->cur], r->len);
	*out_flags = r->flags;
	r->out_start = r->pend_start;
	r->out_end = r->pend_end;
	r->pending = false;
	r->cur ^= 1u;
	return true;
}

void
records_span(const struct records *r, uint64_t *start_off, uint64_t *end_off)
{
	*start_off = r->out_start;
	*end_off = r->out_end;
}

bool
records_pending_start(const struct records *r, uint64_t *start_off)
{
	*start_off = r->pend_start;
	return r->pending;
}
