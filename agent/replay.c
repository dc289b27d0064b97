/*
 * replay - archived logs in event-time order.
 *
 * One stream per input: its files (ordered by first timestamp), the open
 * reader and the record grouper, run by a producer thread of its own that
 * copies each record into a batch and parses it there. Batches (BATCH_EVENTS
 * parsed events and the bytes they point into) go through a ring of
 * BATCH_RING per stream, so reading, inflating and parsing run on the
 * second core while the engine runs on the first, and memory stays
 * bounded. replay_next() (the consumer, the engine's thread) hands out the
 * waiting event with the smallest time, and after it the events of the
 * same batch that would come next anyway (a run, for engine_feed_run);
 * with a handful of inputs a linear scan beats a heap. A run stays valid
 * until the next call.
 *
 * Threads: a stream's producer owns its reader, grouper, parser program
 * and stats; the consumer touches a batch only between taking it from the
 * ring and giving it back. Stats are read by the consumer only after the
 * producer finished (replay_next returned false), except the byte counts
 * for the progress bar, which are atomic.
 *
 * Each record goes through the ingest stage (ingest.c), one per stream:
 * lines without a timestamp of their own (a uwsgi free-form message) take
 * the time of the line before them in the same stream, so they merge
 * where they were written. Bad lines are counted per input and the first
 * one is kept as a sample (with the parser's reason), so that a wrong
 * log_format shows in the dry-run summary instead of silently matching
 * nothing.
 *
 * Which input a file belongs to and the order of an input's files are
 * replay_files.c's (types in replay_impl.h). An input that can be read
 * only once (a pipe, a FIFO, standard input) is never opened twice: it is
 * peeked at there, rewound and kept open for its stream, which replays
 * it from its first line.
 *
 * --from/--to are applied here, by each producer: an event before the
 * range is counted and left out, the first one past it ends the stream
 * and is taken back out of the counts (its record's lines too, by the
 * marks stream_mark_record keeps). So the per-input counts are those of
 * what was replayed, whatever the consumer let the thread read ahead.
 *
 * Not handled: following files that grow (that is the live tailer).
 */
#include "agent/replay.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/replay_impl.h"
#include "parsers/compat.h"

struct replay *
replay_new(const struct replay_input *inputs, unsigned n)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->inputs = calloc(n ? n : 1, sizeof(*r->inputs));
	r->streams = calloc(n ? n : 1, sizeof(*r->streams));
	if (r->inputs == NULL || r->streams == NULL) {
		replay_free(r);
		return NULL;
	}
	memcpy(r->inputs, inputs, n * sizeof(*inputs));
	r->n = n;
	r->last = -1;
	r->from_ms = INT64_MIN;
	r->to_ms = INT64_MAX;
	for (unsigned i = 0; i < n; i++) {
		struct stream *st = &r->streams[i];

		st->in = &r->inputs[i];
		st->r = r;
		ingest_init(&st->ing, st->in->parser, st->in->prog,
		    st->in->fields, &st->st.in);
		pthread_mutex_init(&st->mu, NULL);
		pthread_cond_init(&st->ready, NULL);
		pthread_cond_init(&st->room, NULL);
	}
	return r;
}

static void
stream_close_file(struct stream *s)
{
	if (s->rd == NULL)
		return;
	__atomic_add_fetch(&s->bytes_closed, s->files[s->cur].size,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&s->bytes_open, 0, __ATOMIC_RELAXED);
	reader_close(s->rd);
	records_release(&s->recs);
	s->rd = NULL;
	s->at_end = false;
	s->cur++;
}

static void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	free(b->bytes);
	free(b);
}

/* Stop the producer (if running) and free the stream's batches. */
static void
stream_stop(struct stream *s)
{
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_broadcast(&s->room);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		s->started = false;
	}
	stream_close_file(s);
	for (unsigned i = 0; i < s->count; i++)
		batch_free(s->ring[(s->head + i) % BATCH_RING]);
	for (unsigned i = 0; i < s->nspare; i++)
		batch_free(s->spare[i]);
	batch_free(s->cur_batch);
	s->count = s->nspare = 0;
	s->cur_batch = NULL;
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; r->streams && i < r->n; i++) {
		struct stream *s = &r->streams[i];
		stream_stop(s);
		for (unsigned f = 0; f < s->nfiles; f++) {
			reader_close(s->files[f].rd);
			free(s->files[f].path);
		}
		free(s->files);
		pthread_cond_destroy(&s->ready);
		pthread_cond_destroy(&s->room);
		pthread_mutex_destroy(&s->mu);
	}
	free(r->streams);
	free(r->inputs);
	free(r);
}

static bool
is_jump(int64_t from, int64_t to)
{
	return to > from + REPLAY_JUMP_MS || to < from - REPLAY_JUMP_MS;
}

/*
 * Does next, the line after a jump from last to p, confirm it? Unless it
 * goes back across the jump by more than REPLAY_JUMP_MS: a sparse log (an
 * error log with a line every quarter of an hour) jumps at every line,
 * and each following line confirms the one before.
 */
static bool
confirms(int64_t last, int64_t p, int64_t next)
{
	if (p > last)
		return next >= p - REPLAY_JUMP_MS;
	return next <= p + REPLAY_JUMP_MS;
}

/*
 * The time of a parsed event that has one (ingest.c already kept the
 * reading of an ambiguous local time nearer the line before), against
 * the stream's: the verdict on a pending jump, which this line confirms (it goes on from
 * the jump's time: a gap, a host down for a week, the next rotated file, a
 * sparse log) or refutes (it goes back across the jump: the jump was one
 * wild line, 9999 or 1970, counted out of time and placed at the time of
 * the line before it); then this line itself may be a jump, left pending
 * until the next line.
 *
 * XXX: one line decides. Two wild lines in a row that agree with each
 * other pass as a gap; a jump that no timed line follows (the last line of
 * an input, or one followed by a whole batch of lines without a time) is
 * out of time; the first line of an input is taken as it is; a line
 * without a time between a jump and its verdict takes the time before the
 * jump. Each is rare, and none moves the clock by a wild line.
 */
static void
stream_time(struct stream *s, struct log_event *ev)
{
	struct log_event *p = s->pending;

	if (p != NULL) {
		s->pending = NULL;
		if (confirms(s->ing.last_ms, p->time_ms, ev->time_ms)) {
			s->ing.last_ms = p->time_ms;
		} else {
			if (s->st.out_of_time++ == 0)
				ingest_sample(s->st.wild_sample, p->line);
			p->time_ms = s->ing.last_ms;
		}
	}
	if (s->ing.last_ms != EVENT_TIME_NONE &&
	    is_jump(s->ing.last_ms, ev->time_ms))
		s->pending = ev;
	else
		ingest_place(&s->ing, ev);
}

/* At the end of the input: a jump no line came to confirm is wild. */
static void
stream_time_end(struct stream *s)
{
	if (s->pending == NULL)
		return;
	if (s->st.out_of_time++ == 0)
		ingest_sample(s->st.wild_sample, s->pending->line);
	s->pending->time_ms = s->ing.last_ms;
	s->pending = NULL;
}

/* Parse rec (in the batch's bytes) into ev (ingest.c); true when it is
 * an event to replay: one without any time to place it by is not. */
static bool
stream_parse(struct stream *s, struct sv rec, uint32_t flags,
    struct log_event *ev)
{
	switch (ingest_record(&s->ing, rec, flags, EVENT_TIME_NONE, ev)) {
	case INGEST_TIMED:
		stream_time(s, ev);
		return true;
	case INGEST_TOOK:
		return true;
	default:
		return false;
	}
}

static bool
stream_open_next(struct stream *s)
{
	while (s->cur < s->nfiles) {
		struct replay_file *f = &s->files[s->cur];
		const char *path = f->path;

		/* An input read once was opened by the peek, and rewound;
		 * one that the peek could not open is not tried again. */
		if (f->rd != NULL) {
			s->rd = f->rd;
			f->rd = NULL;
		} else if (f->open_errno != 0) {
			errno = f->open_errno;
		} else {
			s->rd = reader_open(path, s->in->line_max);
		}
		if (s->rd != NULL &&
		    records_init(&s->recs, s->in->parser, s->in->prog, 0) == 0) {
			s->st.files++;
			return true;
		}
		log_warn("cannot read \"%s\"", path);
		__atomic_add_fetch(&s->r->errors, 1, __ATOMIC_RELAXED);
		reader_close(s->rd);
		s->rd = NULL;
		s->cur++;
	}
	return false;
}

/*
 * A record was handed out: keep the counts up to its end, and up to the
 * end of the one before. A multi-line format hands a record out when the
 * next head line (the line just read, cut or not) has started the next
 * one: that line is not the record's.
 */
static void
stream_mark_record(struct stream *s, bool cut)
{
	bool head = s->recs.pending;

	s->lines_prev = s->lines_rec;
	s->cut_prev = s->cut_rec;
	s->lines_rec = s->st.lines - head;
	s->cut_rec = s->st.long_lines - (head && cut);
}

/* The stream's next record, or false at the end of its last file. */
static bool
stream_record(struct stream *s, struct sv *rec, uint32_t *fl)
{
	const char *line;
	size_t len;
	enum reader_rc rc;

	for (;;) {
		if (s->rd == NULL && !stream_open_next(s))
			return false;
		if (s->at_end) {
			if (records_flush(&s->recs, rec, fl)) {
				stream_mark_record(s, false);
				return true;
			}
			stream_close_file(s);
			continue;
		}
		rc = reader_next(s->rd, &line, &len, fl);
		if (rc == READER_LINE) {
			bool cut = (*fl & EVENT_TRUNCATED) != 0;

			s->st.lines++;
			s->st.long_lines += cut;
			if ((s->st.lines & 0xfff) == 0)
				__atomic_store_n(&s->bytes_open,
				    reader_bytes_in(s->rd), __ATOMIC_RELAXED);
			if (records_push(&s->recs, line, len, *fl, rec, fl)) {
				stream_mark_record(s, cut);
				return true;
			}
			continue;
		}
		if (rc == READER_ERR) {
			log_warnx("\"%s\": %s; the lines before were replayed",
			    s->files[s->cur].path, reader_error(s->rd));
			__atomic_add_fetch(&s->r->errors, 1, __ATOMIC_RELAXED);
		}
		s->at_end = true;
	}
}

/*
 * Producer: an empty batch, a spare or a new one; NULL when stopped. At
 * most BATCH_MAX exist per stream: the ring's, the one the consumer
 * reads and the one being filled.
 */
static struct batch *
batch_get(struct stream *s)
{
	struct batch *b = NULL;
	bool alloc = false;

	pthread_mutex_lock(&s->mu);
	while (!s->stop && s->nspare == 0 && s->nalloc == BATCH_MAX)
		pthread_cond_wait(&s->room, &s->mu);
	if (!s->stop) {
		if (s->nspare > 0) {
			b = s->spare[--s->nspare];
		} else {
			s->nalloc++;
			alloc = true;
		}
	}
	pthread_mutex_unlock(&s->mu);
	if (alloc) {
		b = calloc(1, sizeof(*b));
		if (b == NULL || (b->bytes = malloc(BATCH_BYTES)) == NULL)
			fatalx("out of memory");
		b->cap = BATCH_BYTES;
	}
	if (b != NULL) {
		b->n = 0;
		b->used = 0;
	}
	return b;
}

/* Take the events marked in drop[] out of b (their bytes stay). */
static void
batch_compact(struct batch *b)
{
	unsigned k = 0;

	if (b->ndrop == 0)
		return;
	for (unsigned i = 0; i < b->n; i++) {
		if (b->drop[i]) {
			b->drop[i] = false;
			continue;
		}
		if (k != i)
			b->ev[k] = b->ev[i];
		k++;
	}
	b->n = k;
	b->ndrop = 0;
}

/* Producer: hand b to the consumer, waiting for room in the ring. */
static bool
batch_put(struct stream *s, struct batch *b)
{
	bool ok;

	batch_compact(b);
	if (b->n == 0) {
		/* All of it before --from: straight back to the spares. */
		pthread_mutex_lock(&s->mu);
		s->spare[s->nspare++] = b;
		pthread_mutex_unlock(&s->mu);
		return true;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stop && s->count == BATCH_RING)
		pthread_cond_wait(&s->room, &s->mu);
	ok = !s->stop;
	if (ok) {
		s->ring[(s->head + s->count) % BATCH_RING] = b;
		s->count++;
		pthread_cond_signal(&s->ready);
	}
	pthread_mutex_unlock(&s->mu);
	if (!ok)
		batch_free(b);
	return ok;
}

/* Copy rec into b's bytes; false when it does not fit (b is not empty). */
static bool
batch_copy(struct batch *b, struct sv *rec)
{
	if (b->cap - b->used < rec->len) {
		char *nb;

		if (b->used > 0)
			return false;
		/* One record longer than a batch (a 1 MiB line): grow. */
		if ((nb = realloc(b->bytes, rec->len)) == NULL)
			fatalx("out of memory");
		b->bytes = nb;
		b->cap = rec->len;
	}
	memcpy(b->bytes + b->used, rec->p, rec->len);
	rec->p = b->bytes + b->used;
	b->used += rec->len;
	return true;
}

/*
 * --from/--to, applied by the producer to each event once its time is
 * final: at once for most, at the verdict for a jump (stream_time). One
 * before --from is marked and left out when its batch is handed over,
 * and counted. The first one past --to ends the stream: it and all that
 * came after it are left out, and the counts go back to what they were
 * before its record, so that they are those of what was replayed, the
 * same on every run however far the consumer let this thread read
 * ahead. An event without a time goes with its neighbours.
 */

/* The counts as they were before the record just parsed, an event. */
static void
counts_before_event(struct stream *s, struct replay_stats *c)
{
	if (c != &s->st)
		*c = s->st;
	c->in.events--;
	c->lines = s->lines_prev;
	c->long_lines = s->cut_prev;
}

/* The batch ev is in: the held one or the one being filled. */
static struct batch *
batch_of(struct stream *s, struct batch *b, const struct log_event *ev)
{
	struct batch *h = s->held;

	if (h != NULL && ev >= h->ev && ev < h->ev + BATCH_EVENTS)
		return h;
	return b;
}

/* Leave out the events of x from index i on. */
static void
batch_cut(struct batch *x, unsigned i)
{
	for (unsigned k = i; k < x->n; k++) {
		x->ndrop -= x->drop[k];
		x->drop[k] = false;
	}
	if (i < x->n)
		x->n = i;
}

/*
 * Range-check ev, whose time is now final: an event of the held batch or
 * of b, the batch being filled, where the event just parsed is at b->n
 * (the caller adds it unless the stream is past --to). before: the
 * counts before ev's record, NULL for the event just parsed.
 */
static void
stream_range(struct stream *s, struct batch *b, struct log_event *ev,
    const struct replay_stats *before)
{
	struct batch *x;
	unsigned i;

	if (ev->time_ms == EVENT_TIME_NONE || s->past)
		return;
	if (ev->time_ms >= s->r->from_ms && ev->time_ms <= s->r->to_ms)
		return;
	x = batch_of(s, b, ev);
	i = (unsigned)(ev - x->ev);
	if (ev->time_ms > s->r->to_ms) {
		s->past = true;
		if (before != NULL)
			s->st = *before;
		else
			counts_before_event(s, &s->st);
		if (x != b)
			batch_cut(b, 0); /* b came after the held batch */
		batch_cut(x, i);
		return;
	}
	s->st.in.events--;
	s->st.before_from++;
	x->ndrop += !x->drop[i];
	x->drop[i] = true;
}

/*
 * After stream_parse: range-check the events whose time became final.
 * p was the pending jump before, ev (at b->n) the event just parsed.
 */
static void
stream_settle(struct stream *s, struct batch *b, struct log_event *p,
    struct log_event *ev)
{
	if (p != NULL && s->pending != p)
		stream_range(s, b, p, &s->at_pending);
	if (s->pending == ev)
		counts_before_event(s, &s->at_pending); /* decided later */
	else
		stream_range(s, b, ev, NULL);
}

/* At the end of a stream, or of a batch without a timed line: a pending
 * jump is decided without a line after it. */
static void
stream_settle_end(struct stream *s, struct batch *b)
{
	struct log_event *p = s->pending;

	stream_time_end(s);
	if (p != NULL)
		stream_range(s, b, p, &s->at_pending);
}

/* Producer: hand the kept-back batch over once its jump is decided. */
static bool
batch_release(struct stream *s)
{
	struct batch *h = s->held;

	if (h == NULL ||
	    (s->pending >= h->ev && s->pending < h->ev + BATCH_EVENTS))
		return true;
	s->held = NULL;
	return batch_put(s, h);
}

/*
 * Producer: a batch is full. Hand it over, unless it holds the pending
 * jump, whose time the next line decides: then it is kept back (at most
 * one: the next line decides, and it is in the next batch).
 */
static bool
batch_full(struct stream *s, struct batch *b)
{
	if (s->held != NULL) {
		/* A whole batch and no timed line to decide: see above. */
		stream_settle_end(s, b);
		if (!batch_release(s))
			return false;
	}
	if (s->pending != NULL) {
		s->held = b;
		return true;
	}
	return batch_put(s, b);
}

static void *
stream_run(void *arg)
{
	struct stream *s = arg;
	struct batch *b = batch_get(s);
	struct sv rec;
	uint32_t fl;

	while (b != NULL && !s->past && stream_record(s, &rec, &fl)) {
		struct log_event *p = s->pending;

		if (b->n == BATCH_EVENTS || !batch_copy(b, &rec)) {
			if (!batch_full(s, b) || (b = batch_get(s)) == NULL)
				goto stopped;
			(void)batch_copy(b, &rec);
		}
		if (!stream_parse(s, rec, fl, &b->ev[b->n])) {
			b->used -= rec.len; /* not kept: reuse its bytes */
			continue;
		}
		stream_settle(s, b, p, &b->ev[b->n]);
		if (s->past)
			break;
		b->n++;
		if (!batch_release(s))
			goto stopped;
	}
	stream_settle_end(s, b);
	if (!batch_release(s))
		goto stopped;
	if (b != NULL && b->n > 0)
		(void)batch_put(s, b);
	else
		batch_free(b);
	goto done;
stopped:
	batch_free(s->held);
	s->held = NULL;
done:
	stream_close_file(s);
	s->cur = s->nfiles; /* past --to: the files left are not read */
	pthread_mutex_lock(&s->mu);
	s->finished = true;
	pthread_cond_signal(&s->ready);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Consumer: make s->cur_batch hold an unread event, or mark s done. */
static void
stream_take(struct stream *s)
{
	if (s->cur_batch != NULL && s->idx < s->cur_batch->n)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->cur_batch != NULL) {
		s->spare[s->nspare++] = s->cur_batch;
		s->cur_batch = NULL;
		pthread_cond_signal(&s->room);
	}
	while (s->count == 0 && !s->finished)
		pthread_cond_wait(&s->ready, &s->mu);
	if (s->count > 0) {
		s->cur_batch = s->ring[s->head];
		s->head = (s->head + 1) % BATCH_RING;
		s->count--;
		s->idx = 0;
		pthread_cond_signal(&s->room);
	} else {
		s->done = true;
	}
	pthread_mutex_unlock(&s->mu);
}

bool
replay_next(struct replay *r, unsigned *input, struct log_event **ev, size_t *n)
{
	int best = -1;
	int64_t best_ms = 0, lim_le = INT64_MAX, lim_lt = INT64_MAX;
	struct stream *b;
	size_t k;

	if (r->last >= 0)
		r->streams[r->last].idx += r->nlast;
	for (unsigned i = 0; i < r->n; i++) {
		struct stream *s = &r->streams[i];
		int64_t t;

		if (s->done || !s->started)
			continue;
		stream_take(s);
		if (s->done)
			continue;
		t = s->cur_batch->ev[s->idx].time_ms;
		if (best < 0 || t < best_ms) {
			best = (int)i;
			best_ms = t;
		}
	}
	r->last = best;
	if (best < 0)
		return false;
	/* The run: the events of best's batch that one-at-a-time merging
	 * would hand out next. Ties go to the lower stream, so an event
	 * goes before another stream's head when its time is lower, or
	 * equal and the other stream comes after best. */
	for (unsigned i = 0; i < r->n; i++) {
		struct stream *s = &r->streams[i];
		int64_t t;

		if ((int)i == best || s->done || !s->started)
			continue;
		t = s->cur_batch->ev[s->idx].time_ms;
		if ((int)i > best && t < lim_le)
			lim_le = t;
		if ((int)i < best && t < lim_lt)
			lim_lt = t;
	}
	b = &r->streams[best];
	for (k = b->idx + 1; k < b->cur_batch->n; k++) {
		int64_t t = b->cur_batch->ev[k].time_ms;

		if (t > lim_le || t >= lim_lt)
			break;
	}
	r->nlast = (unsigned)(k - b->idx);
	*input = (unsigned)best;
	*ev = &b->cur_batch->ev[b->idx];
	*n = r->nlast;
	return true;
}

unsigned
replay_prepare(struct replay *r)
{
	unsigned bad = replay_files_order(r);

	for (unsigned i = 0; i < r->n; i++) {
		struct stream *s = &r->streams[i];

		if (s->nfiles == 0)
			continue;
		if ((errno = pthread_create(&s->thread, NULL, stream_run,
		    s)) != 0)
			fatal("cannot start a reader thread");
		s->started = true;
	}
	return bad;
}

void
replay_set_range(struct replay *r, int64_t from_ms, int64_t to_ms)
{
	r->from_ms = from_ms;
	r->to_ms = to_ms;
}

void
replay_stop(struct replay *r)
{
	for (unsigned i = 0; i < r->n; i++)
		stream_stop(&r->streams[i]);
}

unsigned
replay_errors(const struct replay *r)
{
	return __atomic_load_n(&r->errors, __ATOMIC_RELAXED);
}

const struct replay_stats *
replay_input_stats(const struct replay *r, unsigned input)
{
	return &r->streams[input].st;
}

uint64_t
replay_bytes_total(const struct replay *r)
{
	return r->bytes_total;
}

uint64_t
replay_bytes_done(const struct replay *r)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < r->n; i++) {
		const struct stream *s = &r->streams[i];
		done += __atomic_load_n(&s->bytes_closed, __ATOMIC_RELAXED);
		done += __atomic_load_n(&s->bytes_open, __ATOMIC_RELAXED);
	}
	return done;
}
