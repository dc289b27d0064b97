/*
 * replay - archived logs in event-time order.
 *
 * One stream per input: its files (ordered by first timestamp), the open
 * reader, the record grouper and one parsed event waiting to be merged.
 * replay_next() hands out the waiting event with the smallest time; with a
 * handful of inputs a linear scan beats a heap. A stream's event stays
 * valid until that stream is advanced, which happens at the next call.
 *
 * Lines without a timestamp of their own (a uwsgi free-form message) take
 * the time of the line before them in the same stream, so they merge where
 * they were written. Bad lines are counted per input and the first one is
 * kept as a sample (with the parser's reason), so that a wrong log_format
 * shows in the dry-run summary instead of silently matching nothing.
 *
 * Not handled: following files that grow (that is the live tailer).
 */
#include "agent/replay.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/log.h"
#include "agent/reader.h"
#include "agent/records.h"
#include "parsers/compat.h"

#define REPLAY_PEEK_RECORDS 1000 /* records read to find a first time */

struct replay_file {
	char *path;
	int64_t first_ms;
	uint64_t size;
	unsigned order; /* position on the command line, for ties */
};

struct stream {
	const struct replay_input *in;
	struct replay_file *files;
	unsigned nfiles, cur;
	struct reader *rd;
	struct records recs;
	bool at_end;	/* reader exhausted; flush the grouper, then close */
	bool has_ev;
	bool done;
	int64_t last_ms;
	struct log_event ev;
	struct replay_stats st;
};

struct replay {
	struct replay_input *inputs;
	struct stream *streams;
	unsigned n;
	int last; /* stream whose event was handed out, or -1 */
	unsigned errors, nfiles;
	uint64_t bytes_total;
};

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
	for (unsigned i = 0; i < n; i++) {
		r->streams[i].in = &r->inputs[i];
		r->streams[i].last_ms = EVENT_TIME_NONE;
	}
	return r;
}

static void
stream_close_file(struct stream *s)
{
	if (s->rd == NULL)
		return;
	s->st.long_lines += reader_long_lines(s->rd);
	s->st.bytes_done += s->files[s->cur].size;
	reader_close(s->rd);
	records_release(&s->recs);
	s->rd = NULL;
	s->at_end = false;
	s->cur++;
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; r->streams && i < r->n; i++) {
		struct stream *s = &r->streams[i];
		stream_close_file(s);
		for (unsigned f = 0; f < s->nfiles; f++)
			free(s->files[f].path);
		free(s->files);
	}
	free(r->streams);
	free(r->inputs);
	free(r);
}

void
replay_base_name(char *path)
{
	size_t len = strlen(path), i;

	if (len > 3 && strcmp(path + len - 3, ".gz") == 0)
		path[len -= 3] = '\0';
	/* ".N" as logrotate numbers, "-YYYYMMDD" as its dateext writes. */
	i = len;
	while (i > 0 && path[i - 1] >= '0' && path[i - 1] <= '9')
		i--;
	if (i < len && i > 0 && (path[i - 1] == '.' ||
	    (path[i - 1] == '-' && len - i == 8)))
		path[i - 1] = '\0';
}

/* 2: the whole path matches the glob; 1: the base names match; 0: no. */
static int
match_strength(const char *glob, const char *base)
{
	const char *gb = strrchr(glob, '/'), *bb = strrchr(base, '/');

	if (fnmatch(glob, base, 0) == 0)
		return 2;
	gb = gb ? gb + 1 : glob;
	bb = bb ? bb + 1 : base;
	return fnmatch(gb, bb, 0) == 0 ? 1 : 0;
}

static int
match_input(struct replay *r, const char *path, char *err, size_t errlen)
{
	char base[PATH_MAX];
	int best = -1, best_str = 0, ties = 0;

	if (compat_strlcpy(base, path, sizeof(base)) >= sizeof(base)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	replay_base_name(base);
	for (unsigned i = 0; i < r->n; i++) {
		int m = r->inputs[i].path ?
		    match_strength(r->inputs[i].path, base) : 0;
		if (m > best_str) {
			best_str = m;
			best = (int)i;
			ties = 0;
		} else if (m > 0 && m == best_str) {
			ties++;
		}
	}
	if (best < 0)
		snprintf(err, errlen, "matches no input's path; name one with "
		    "--input NAME=%s", path);
	else if (ties > 0)
		snprintf(err, errlen, "matches several inputs' paths; name one "
		    "with --input NAME=%s", path);
	return ties > 0 ? -1 : best;
}

int
replay_add(struct replay *r, const char *path, int input, char *err,
    size_t errlen)
{
	struct stream *s;
	struct replay_file *f;

	if (input < 0 && (input = match_input(r, path, err, errlen)) < 0)
		return -1;
	if ((unsigned)input >= r->n || r->nfiles >= REPLAY_FILES_MAX) {
		snprintf(err, errlen, "too many files (at most %d)",
		    REPLAY_FILES_MAX);
		return -1;
	}
	s = &r->streams[input];
	f = realloc(s->files, (s->nfiles + 1) * sizeof(*f));
	if (f == NULL || (f[s->nfiles].path = strdup(path)) == NULL) {
		if (f)
			s->files = f;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->files = f;
	f[s->nfiles].first_ms = INT64_MAX;
	f[s->nfiles].size = 0;
	f[s->nfiles].order = r->nfiles++;
	s->nfiles++;
	return input;
}

/* Parse rec into s->ev; true when it is an event to merge. */
static bool
stream_parse(struct stream *s, struct sv rec, uint32_t flags)
{
	struct log_event *ev = &s->ev;
	enum parse_rc rc;

	event_reset(ev, rec.p, rec.len);
	ev->flags = flags;
	rc = s->in->parser->parse(s->in->prog, rec.p, rec.len, ev);
	if (rc == PARSE_SKIP && !parser_skip_is_bad(s->in->parser, ev)) {
		s->st.skipped++;
		return false;
	}
	if (rc != PARSE_OK) {
		if (s->st.bad++ == 0) {
			size_t n = rec.len < REPLAY_SAMPLE_MAX - 1 ?
			    rec.len : REPLAY_SAMPLE_MAX - 1;
			memcpy(s->st.bad_sample, rec.p, n);
			s->st.bad_sample[n] = '\0';
			snprintf(s->st.bad_error, sizeof(s->st.bad_error),
			    "%s at column %zu", ev->err ? ev->err : "malformed",
			    ev->err_off + 1);
		}
		return false;
	}
	if (ev->time_ms == EVENT_TIME_NONE) {
		s->st.no_time++;
		ev->time_ms = s->last_ms;
	} else {
		s->last_ms = ev->time_ms;
	}
	s->st.events++;
	return true;
}

static bool
stream_open_next(struct replay *r, struct stream *s)
{
	while (s->cur < s->nfiles) {
		const char *path = s->files[s->cur].path;

		s->rd = reader_open(path, 0);
		if (s->rd != NULL &&
		    records_init(&s->recs, s->in->parser, s->in->prog, 0) == 0) {
			s->st.files++;
			return true;
		}
		log_warn("cannot read \"%s\"", path);
		r->errors++;
		reader_close(s->rd);
		s->rd = NULL;
		s->cur++;
	}
	return false;
}

/* Make s hold its next event, or mark it done. */
static void
stream_fill(struct replay *r, struct stream *s)
{
	const char *line;
	size_t len;
	uint32_t fl;
	struct sv rec;
	enum reader_rc rc;

	while (!s->has_ev && !s->done) {
		if (s->rd == NULL && !stream_open_next(r, s)) {
			s->done = true;
			break;
		}
		if (s->at_end) {
			if (records_flush(&s->recs, &rec, &fl))
				s->has_ev = stream_parse(s, rec, fl);
			else
				stream_close_file(s);
			continue;
		}
		rc = reader_next(s->rd, &line, &len, &fl);
		if (rc == READER_LINE) {
			s->st.lines++;
			if (records_push(&s->recs, line, len, fl, &rec, &fl))
				s->has_ev = stream_parse(s, rec, fl);
			continue;
		}
		if (rc == READER_ERR) {
			log_warnx("\"%s\": %s; the lines before were replayed",
			    s->files[s->cur].path, reader_error(s->rd));
			r->errors++;
		}
		s->at_end = true;
	}
}

bool
replay_next(struct replay *r, unsigned *input, struct log_event **ev)
{
	int best = -1;

	if (r->last >= 0)
		r->streams[r->last].has_ev = false;
	for (unsigned i = 0; i < r->n; i++) {
		struct stream *s = &r->streams[i];

		stream_fill(r, s);
		if (!s->has_ev)
			continue;
		if (best < 0 ||
		    s->ev.time_ms < r->streams[best].ev.time_ms)
			best = (int)i;
	}
	r->last = best;
	if (best < 0)
		return false;
	*input = (unsigned)best;
	*ev = &r->streams[best].ev;
	return true;
}

/* First timestamp of a file, INT64_MAX when none is found. */
static int64_t
peek_first_ms(const struct replay_input *in, const char *path)
{
	struct reader *rd = reader_open(path, 0);
	struct records recs;
	struct log_event ev;
	const char *line;
	size_t len;
	uint32_t fl;
	struct sv rec;
	int64_t first = INT64_MAX;

	if (rd == NULL)
		return INT64_MAX;
	if (records_init(&recs, in->parser, in->prog, 0) == -1) {
		reader_close(rd);
		return INT64_MAX;
	}
	for (int n = 0; n < REPLAY_PEEK_RECORDS &&
	    reader_next(rd, &line, &len, &fl) == READER_LINE;) {
		if (!records_push(&recs, line, len, fl, &rec, &fl))
			continue;
		n++;
		event_reset(&ev, rec.p, rec.len);
		if (in->parser->parse(in->prog, rec.p, rec.len, &ev) ==
			PARSE_OK && ev.time_ms != EVENT_TIME_NONE) {
			first = ev.time_ms;
			break;
		}
	}
	records_release(&recs);
	reader_close(rd);
	return first;
}

static int
file_cmp(const void *a, const void *b)
{
	const struct replay_file *x = a, *y = b;

	if (x->first_ms != y->first_ms)
		return x->first_ms < y->first_ms ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

unsigned
replay_prepare(struct replay *r)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < r->n; i++) {
		struct stream *s = &r->streams[i];

		for (unsigned f = 0; f < s->nfiles; f++) {
			struct stat sb;

			if (stat(s->files[f].path, &sb) == -1) {
				/* Reported when the stream reaches it. */
				bad++;
				continue;
			}
			s->files[f].size = (uint64_t)sb.st_size;
			r->bytes_total += (uint64_t)sb.st_size;
			s->files[f].first_ms = peek_first_ms(s->in,
			    s->files[f].path);
		}
		qsort(s->files, s->nfiles, sizeof(*s->files), file_cmp);
	}
	return bad;
}

unsigned
replay_errors(const struct replay *r)
{
	return r->errors;
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
		done += s->st.bytes_done;
		if (s->rd != NULL)
			done += reader_bytes_in(s->rd);
	}
	return done;
}
