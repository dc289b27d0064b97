/*
 * ingest - the one place where a record becomes an event: parse it, count
 * and sample the records that fail, give a time to an event that has
 * none, resolve an ambiguous local time, keep the per-input counters.
 * `klaxon parse`, `klaxon test`, dry-run's replay and (later) the live
 * tailer all call it; nobody else calls a parser.
 *
 * One struct ingest per stream of records (a file, or an input's files in
 * order): its time is that of the last event placed in it.
 *   - An event with a time of its own: of the two readings of a local time
 *     that happens twice (autumn's repeated hour), the one nearer the
 *     stream's time is kept (event_pick_time). The caller then places it:
 *     ingest_place() takes it as the stream's time; dry-run's replay first
 *     holds a far jump until the next line confirms it (replay.c).
 *   - An event without a time (a uwsgi operator message) takes the
 *     stream's time, so it sits where it was written. With no time yet in
 *     the stream it takes `arrival_ms` (the live agent: when it was read)
 *     or, without one (replay, tests), it is counted as unplaced: the
 *     caller shows it (parse) or leaves it out (replay, test).
 * The counters describe what was handed in; a caller that takes an event
 * back (dry-run's --to) adjusts them itself.
 */
#ifndef AGENT_INGEST_H
#define AGENT_INGEST_H

#include <stdint.h>

#include "parsers/parser.h"

#define INGEST_SAMPLE_MAX 400 /* bytes of a kept bad line */

struct ingest_stats {
	uint64_t events;   /* records that parsed */
	uint64_t bad;      /* records of the format that did not parse */
	uint64_t skipped;  /* not records of the format (blank lines) */
	uint64_t no_time;  /* events without a time of their own */
	uint64_t unplaced; /* ... and no time to give them */
	char bad_sample[INGEST_SAMPLE_MAX]; /* the first bad record, cut */
	char bad_error[160];                /* and why */
};

struct ingest {
	const struct parser *parser;
	struct parser_prog *prog;
	const struct field_table *fields; /* names in errors; may be NULL */
	int64_t last_ms; /* the stream's time; EVENT_TIME_NONE: none yet */
	struct ingest_stats *st; /* the counters: own, or the caller's */
	struct ingest_stats own;
};

enum ingest_rc {
	INGEST_SKIP,     /* not a record of the format: counted */
	INGEST_BAD,      /* did not parse: counted, sampled; ev->err says why */
	INGEST_UNPLACED, /* an event with no time to give it: counted */
	INGEST_TOOK,     /* an event that took the stream's (or arrival) time */
	INGEST_TIMED,    /* an event with its own time: place it */
};

/* A stream of parser/prog (borrowed) with no time yet, counting into st
 * (borrowed, added to: several streams may share one) or, when NULL,
 * into in->own (zeroed). */
void ingest_init(struct ingest *in, const struct parser *parser,
    struct parser_prog *prog, const struct field_table *fields,
    struct ingest_stats *st);

/*
 * Record rec (flags: EVENT_* from the source) into ev, whose views point
 * into rec. arrival_ms: the time a timeless event takes when the stream
 * has none (EVENT_TIME_NONE: it is unplaced).
 */
enum ingest_rc ingest_record(struct ingest *in, struct sv rec, uint32_t flags,
    int64_t arrival_ms, struct log_event *ev);

/* ev's time is the stream's time from now on. */
static inline void
ingest_place(struct ingest *in, const struct log_event *ev)
{
	in->last_ms = ev->time_ms;
}

/* Copy rec into a sample buffer of INGEST_SAMPLE_MAX bytes, cut. */
void ingest_sample(char *dst, struct sv rec);

#endif /* AGENT_INGEST_H */
