/*
 * replay_impl - the inside of a replay, shared by replay.c (the streams:
 * producer threads, batches, the ring and the merge) and replay_files.c
 * (which input a file belongs to, and in which order an input's files
 * are read). Nothing else includes it.
 */
#ifndef AGENT_REPLAY_IMPL_H
#define AGENT_REPLAY_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/ingest.h"
#include "agent/reader.h"
#include "agent/records.h"
#include "agent/replay.h"

#define REPLAY_PEEK_RECORDS 1000 /* records read to find a first time */

struct replay_file {
	char *path;
	int64_t first_ms;
	uint64_t size;
	unsigned order; /* position on the command line, for ties */
	struct reader *rd; /* an input read once: open since the peek */
	int open_errno;    /* the peek could not open it */
};

#define BATCH_EVENTS 512	     /* parsed events per batch */
#define BATCH_BYTES  (256 * 1024)    /* record bytes per batch (grows for
					one record longer than this) */
#define BATCH_RING   3		     /* batches ready for the consumer */
#define BATCH_MAX    (BATCH_RING + 2) /* and one read, one being filled */

struct batch {
	unsigned n;
	size_t used, cap;
	char *bytes;
	struct log_event ev[BATCH_EVENTS];
	unsigned ndrop;          /* events marked in drop[] */
	bool drop[BATCH_EVENTS]; /* out of --from/--to: left out at put */
};

struct stream {
	const struct replay_input *in;
	struct replay *r;
	struct replay_file *files;
	unsigned nfiles, cur;
	/* producer side */
	struct reader *rd;
	struct records recs;
	bool at_end;	/* reader exhausted; flush the grouper, then close */
	struct ingest ing;	    /* parse, count; its time: the last
				       line taken */
	struct log_event *pending;  /* a jump waiting for the next line */
	struct batch *held;	    /* full, kept back: holds pending */
	struct replay_stats st;
	/* lines (and lines cut) up to the end of the record before the
	 * last one handed out, and up to the end of that one: a record
	 * past --to is taken back out of the counts */
	uint64_t lines_prev, cut_prev, lines_rec, cut_rec;
	struct replay_stats at_pending; /* the counts before pending */
	bool past;             /* an event past --to ended the stream */
	uint64_t bytes_open;   /* compressed bytes read of the open file */
	uint64_t bytes_closed; /* bytes of the files done (atomic) */
	/* the ring: batches ready are ring[head .. head + count - 1] */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t ready, room;
	struct batch *ring[BATCH_RING];
	unsigned head, count;
	bool finished, stop;
	struct batch *spare[BATCH_MAX]; /* given back by the consumer */
	unsigned nspare, nalloc;
	/* consumer side */
	struct batch *cur_batch;
	unsigned idx;
	bool done;
};

struct replay {
	struct replay_input *inputs;
	struct stream *streams;
	unsigned n;
	int64_t from_ms, to_ms; /* the range replayed */
	bool has_stdin;         /* "-" was given */
	int last;       /* stream whose events were handed out, or -1 */
	unsigned nlast; /* how many */
	unsigned errors, nfiles;
	uint64_t bytes_total;
};

/* replay_files.c: order each input's files; unreadable files counted. */
unsigned replay_files_order(struct replay *r);

#endif /* AGENT_REPLAY_IMPL_H */
