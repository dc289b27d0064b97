/*
 * replay_files - which input each LOG argument belongs to, and in which
 * order an input's files are read (the rest of the replay: replay.c).
 *
 * A file is matched to an input by its path against the input's path
 * glob once rotation suffixes (".1", ".2.gz", "-20261122") are stripped:
 * the whole path first, then the base names; a file that matches none or
 * several must be named with --input. An input's files are read oldest
 * first by their first timestamp, not by name: peek_first_ms parses up
 * to REPLAY_PEEK_RECORDS records of each (through the ingest stage). An
 * input that can be read only once (a pipe, a FIFO, standard input) is
 * peeked at within the reader's buffer, rewound and kept open for its
 * stream, so that it is read once and whole.
 */
#include "agent/replay.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/replay_impl.h"
#include "parsers/compat.h"

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
	if (strcmp(path, "-") == 0) {
		if (r->has_stdin) {
			/* Read once: one input gets it, whole. */
			snprintf(err, errlen, "standard input given twice");
			return -1;
		}
		r->has_stdin = true;
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
	f[s->nfiles].rd = NULL;
	f[s->nfiles].open_errno = 0;
	s->nfiles++;
	return input;
}

/*
 * The first timestamp of f (INT64_MAX when none is found), its size, and
 * whether it can be opened: the error is kept, and reported when the
 * stream reaches the file. A regular file is read again from its start by
 * the stream. An input that can be read only once (a pipe, a FIFO,
 * standard input) stays open: it is peeked at without dropping a byte,
 * within the reader's buffer, then rewound, and the stream takes it over,
 * so it is read once and whole.
 */
static void
peek_first_ms(const struct replay_input *in, struct replay_file *f)
{
	struct reader *rd = reader_open(f->path, in->line_max);
	struct records recs;
	struct ingest ing;
	struct log_event ev;
	const char *line;
	size_t len;
	uint32_t fl;
	struct sv rec;
	bool once;
	enum reader_rc (*next)(struct reader *, const char **, size_t *,
	    uint32_t *);

	if (rd == NULL) {
		f->open_errno = errno ? errno : EIO;
		return;
	}
	once = reader_is_once(rd);
	f->size = reader_size(rd);
	if (records_init(&recs, in->parser, in->prog, 0) == -1) {
		reader_close(rd);
		return;
	}
	ingest_init(&ing, in->parser, in->prog, in->fields, NULL);
	next = once ? reader_peek : reader_next;
	for (int n = 0; n < REPLAY_PEEK_RECORDS &&
	    next(rd, &line, &len, &fl) == READER_LINE;) {
		if (!records_push(&recs, line, len, fl, &rec, &fl))
			continue;
		n++;
		if (ingest_record(&ing, rec, fl, EVENT_TIME_NONE, &ev) ==
		    INGEST_TIMED) {
			f->first_ms = ev.time_ms;
			break;
		}
	}
	records_release(&recs);
	if (once && reader_rewind(rd) == 0)
		f->rd = rd;
	else
		reader_close(rd);
}

static int
file_cmp(const void *a, const void *b)
{
	const struct replay_file *x = a, *y = b;

	if (x->first_ms != y->first_ms)
		return x->first_ms < y->first_ms ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order);
}

/*
 * Order each input's files by their first timestamp (peek_first_ms),
 * totalling their sizes for the progress bar; the number of files that
 * cannot be opened (reported when the stream reaches them).
 */
unsigned
replay_files_order(struct replay *r)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < r->n; i++) {
		struct stream *s = &r->streams[i];

		for (unsigned f = 0; f < s->nfiles; f++) {
			peek_first_ms(s->in, &s->files[f]);
			bad += s->files[f].open_errno != 0;
			r->bytes_total += s->files[f].size;
		}
		if (s->nfiles > 1)
			qsort(s->files, s->nfiles, sizeof(*s->files),
			    file_cmp);
	}
	return bad;
}
