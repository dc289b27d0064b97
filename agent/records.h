/*
 * records - group lines into records for multi-line formats.
 *
 * A gunicorn error line followed by its Python traceback, or nginx's
 * "FastCGI sent in stderr" spanning lines, is one event: the parser's
 * is_continuation() says which lines continue the previous record. A
 * record is complete only when the next head line (or the end of input)
 * arrives, so multi-line formats hand records out one line late; the
 * caller calls records_flush() at the end of a file (and the live tailer
 * after a quiet period).
 *
 * Single-line formats pass straight through without a copy. Multi-line
 * records are copied into one of two buffers of rec_max bytes (swapped,
 * so the returned record stays valid while the next one is collected).
 * A record that does not fit keeps its head (about the first half: the
 * head line and the first frames of a traceback) and its tail (the last
 * lines, which hold the final "SomeError: message" a rule wants), joined
 * by a line "[... N bytes cut ...]", N counting every byte of the record
 * not handed out; it is flagged EVENT_TRUNCATED and is never longer than
 * rec_max.
 */
#ifndef AGENT_RECORDS_H
#define AGENT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/parser.h"

#define RECORDS_MAX_DEFAULT (64 * 1024)
#define RECORDS_MAX_MIN	    1024 /* a smaller rec_max is raised to this */

struct records {
	const struct parser *parser;
	const struct parser_prog *prog;
	char *buf[2];	 /* multi-line only */
	size_t cap;	 /* bytes per buffer */
	size_t len;	 /* bytes in the pending record (buf[cur]): its head
			    once cutting */
	unsigned cur;	 /* buffer of the pending record */
	bool pending;	 /* a head line is buffered */
	bool cutting;	 /* the pending record overflowed: tail in ring */
	uint32_t flags;	 /* EVENT_* of the pending record */
	char *ring;	 /* the last ring_cap bytes after the head */
	size_t ring_cap;
	size_t ring_len; /* bytes in the ring, at most ring_cap */
	size_t ring_pos; /* where the next byte goes */
	uint64_t after_head; /* bytes of the record after its head */
	uint64_t orphans; /* continuation lines with no head before them */
	/* Spans in the input (records_push_span): of the pending record,
	 * and of the record last handed out. */
	uint64_t pend_start, pend_end, out_start, out_end;
};

/*
 * Set up for parser/prog (borrowed); rec_max 0 means RECORDS_MAX_DEFAULT.
 * 0, or -1 with errno on ENOMEM.
 */
int records_init(struct records *r, const struct parser *parser,
    const struct parser_prog *prog, size_t rec_max);
void records_release(struct records *r);

/*
 * Offer one line (no '\n'), flags as EVENT_* from the line reader. Returns
 * true when a record is complete: *out (and *out_flags) then hold it, valid
 * until the next call. An orphan continuation line (no head before it) is
 * handed out alone, to be parsed (and most likely counted as bad).
 */
bool records_push(struct records *r, const char *line, size_t len,
    uint32_t flags, struct sv *out, uint32_t *out_flags);

/*
 * records_push for a source that knows where each line lies in its input
 * (reader_line_span: the line's first byte, and where reading goes on
 * after it): the records handed out then carry the span of their lines,
 * from the head's first byte to past the last continuation line
 * (records_span). records_push is this with no offsets (all 0).
 */
bool records_push_span(struct records *r, const char *line, size_t len,
    uint32_t flags, uint64_t start_off, uint64_t end_off, struct sv *out,
    uint32_t *out_flags);

/* The span of the record last handed out (records_push_span). */
void records_span(const struct records *r, uint64_t *start_off,
    uint64_t *end_off);

/*
 * True when a record is being collected, with *start_off where it began:
 * a checkpoint taken now must sit there (not after the lines taken so
 * far), so that a restart collects the whole record again.
 */
bool records_pending_start(const struct records *r, uint64_t *start_off);

/* End of input: hand out the pending record, if any. */
bool records_flush(struct records *r, struct sv *out, uint32_t *out_flags);

#endif /* AGENT_RECORDS_H */
