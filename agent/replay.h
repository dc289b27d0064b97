/*
 * replay - the dry-run source: archived logs (plain or .gz, rotated names)
 * read in event-time order across inputs.
 *
 * Each LOG argument belongs to one input: named explicitly, or matched by
 * its path against the input's path glob once rotation suffixes (".1",
 * ".2.gz", "-20261122") are stripped. The files of one input are read
 * oldest first by their first timestamp, not by name; the inputs are then
 * merged by event time (a k-way merge over one current event per input),
 * so an error log and an access log replay interleaved as written.
 *
 * Everything downstream (parser, engine) is the live agent's code; only
 * this source and the timeline writer differ in dry-run.
 */
#ifndef AGENT_REPLAY_H
#define AGENT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/ingest.h"
#include "parsers/parser.h"

#define REPLAY_FILES_MAX  4096
#define REPLAY_SAMPLE_MAX INGEST_SAMPLE_MAX /* bytes of a kept line */
/*
 * A line dated more than this ahead of (or behind) the line before it in
 * its input is a jump: it is taken only when the line after it confirms
 * it (does not go back across it by more than this); otherwise it is out
 * of time, counted, and placed at the time of the line before it.
 */
#define REPLAY_JUMP_MS (5 * 60 * 1000)

struct replay_input {
	const char *name;
	const char *path; /* glob from the config; may be NULL */
	const struct parser *parser;
	struct parser_prog *prog; /* borrowed */
	const struct field_table *fields; /* names in parse errors; may be NULL */
	size_t line_max; /* bytes kept of a line (conf line_max); 0: default */
};

/*
 * Per input, what was replayed: with --to, up to the input's first event
 * past it (which is not counted, nor its lines); events before --from are
 * counted in before_from, not in events (their lines are in lines).
 */
struct replay_stats {
	uint64_t files, lines, long_lines;
	struct ingest_stats in; /* events, bad lines, no time (ingest.h) */
	uint64_t out_of_time; /* wild jumps, placed at the line before */
	uint64_t before_from;
	char wild_sample[REPLAY_SAMPLE_MAX]; /* first out-of-time line, cut */
};

struct replay;

struct replay *replay_new(const struct replay_input *inputs, unsigned n);
void replay_free(struct replay *r); /* NULL-safe */

/*
 * Add a file to input (index), or to the input its name matches when input
 * is -1; "-" is standard input. Returns the input index, or -1 with a
 * message in err (no input matches, several do, too many files, standard
 * input given twice).
 */
int replay_add(struct replay *r, const char *path, int input, char *err,
    size_t errlen);

/*
 * Replay only the events in [from_ms, to_ms] (default: all). Events before
 * from_ms are read and left out; an input's first event past to_ms ends
 * that input. Call before replay_prepare.
 */
void replay_set_range(struct replay *r, int64_t from_ms, int64_t to_ms);

/*
 * Order each input's files by their first timestamp and start reading.
 * A file that can be read only once (a pipe, a FIFO, standard input:
 * "-") is peeked at within one reader buffer and kept open, so that it is
 * read once, from its first line. Files that cannot be opened are left
 * out and reported (warning) when their input reaches them. Returns the
 * number of files that cannot be read.
 */
unsigned replay_prepare(struct replay *r);

/*
 * The next events in time order: true with *input, *ev and *n set to a
 * run of n >= 1 events of that input (ev[0 .. n), valid until the next
 * call), the same events one-at-a-time merging would hand out in a row;
 * false at the end. Read errors (a damaged
 * .gz) are reported as warnings naming file and offset, counted in
 * replay_errors(), and the replay goes on with the next file.
 */
bool replay_next(
    struct replay *r, unsigned *input, struct log_event **ev, size_t *n);

/*
 * Stop reading (the producer threads) and keep the figures: call it when
 * replay_next returned false or the caller stops early, before reading
 * replay_input_stats() or replay_errors().
 */
void replay_stop(struct replay *r);

unsigned replay_errors(const struct replay *r);
const struct replay_stats *replay_input_stats(const struct replay *r,
    unsigned input);
uint64_t replay_bytes_total(const struct replay *r);
uint64_t replay_bytes_done(const struct replay *r);

/* Strip ".gz", then ".N" or "-YYYYMMDD" from a rotated name (in place). */
void replay_base_name(char *path);

#endif /* AGENT_REPLAY_H */
