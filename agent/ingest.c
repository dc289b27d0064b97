/*
 * ingest - record -> event, with the per-stream time rules and counters
 * (ingest.h says what and why). The parser is called here and nowhere
 * else; what a parser leaves to its caller (PARSE_SKIP versus a bad line,
 * the other reading of an ambiguous local time) is decided here once.
 */
#include "agent/ingest.h"

#include <string.h>

#include "parsers/compat.h"

void
ingest_init(struct ingest *in, const struct parser *parser,
    struct parser_prog *prog, const struct field_table *fields,
    struct ingest_stats *st)
{
	memset(in, 0, sizeof(*in));
	in->parser = parser;
	in->prog = prog;
	in->fields = fields;
	in->last_ms = EVENT_TIME_NONE;
	in->st = st != NULL ? st : &in->own;
}

void
ingest_sample(char *dst, struct sv rec)
{
	size_t n = rec.len < INGEST_SAMPLE_MAX - 1 ? rec.len
						   : INGEST_SAMPLE_MAX - 1;

	memcpy(dst, rec.p, n);
	dst[n] = '\0';
}

enum ingest_rc
ingest_record(struct ingest *in, struct sv rec, uint32_t flags,
    int64_t arrival_ms, struct log_event *ev)
{
	enum parse_rc rc;

	event_reset(ev, rec.p, rec.len);
	ev->flags = flags;
	rc = in->parser->parse(in->prog, rec.p, rec.len, ev);
	if (rc == PARSE_SKIP && !parser_skip_is_bad(in->parser, ev)) {
		in->st->skipped++;
		return INGEST_SKIP;
	}
	if (rc != PARSE_OK) {
		if (in->st->bad++ == 0) {
			ingest_sample(in->st->bad_sample, rec);
			parser_error_text(ev, in->fields, in->st->bad_error,
			    sizeof(in->st->bad_error));
		}
		return INGEST_BAD;
	}
	in->st->events++;
	if (ev->time_ms != EVENT_TIME_NONE) {
		event_pick_time(ev, in->last_ms);
		return INGEST_TIMED;
	}
	in->st->no_time++;
	ev->time_ms = in->last_ms != EVENT_TIME_NONE ? in->last_ms : arrival_ms;
	if (ev->time_ms == EVENT_TIME_NONE) {
		in->st->unplaced++;
		return INGEST_UNPLACED;
	}
	return INGEST_TOOK;
}
