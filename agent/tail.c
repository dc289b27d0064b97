/*
 * tail - one log path followed through rotation (tail.h says what it
 * does with each thing a path may do).
 *
 * Design: at most two open files per path. `cur` is the file the path
 * named when it was last looked at; `old` is the file it named before a
 * rotation, still read while its writer may not have reopened yet. Each
 * is a reader in follow mode (reader.c): lines are found in large blocks,
 * a partial last line stays in the buffer. The path is looked at (one
 * stat) only when `cur` has nothing more to read, so a busy file costs no
 * system call per line beyond its reads.
 *
 * Walk-through of logrotate `create` with nginx:
 *   1. logrotate renames access.log to access.log.1: the path is gone,
 *      `cur` (same inode) still reads what nginx appends to it;
 *   2. logrotate creates a new access.log: stat(path) shows another
 *      inode; `cur` becomes `old` and a reader of the new file becomes
 *      `cur`, from its first byte;
 *   3. logrotate signals nginx (USR1), which reopens: until then its lines
 *      go to the old file, which `old` still reads; once `old` has been
 *      silent idle_ms it is closed (its last partial line handed out).
 * copytruncate: the path keeps its inode and its size falls below what
 * `cur` has read: `cur` is reopened at 0. A file truncated and regrown
 * past our offset between two looks cannot be told from growth by size
 * alone: the live agent's fingerprint of the bytes before the offset is
 * the check for that (not here).
 *
 * Invariants: old != NULL only after a rotation, and is dropped after
 * idle_ms of silence; every line handed out names the file it came from.
 */
#include "agent/tail.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/reader.h"
#include "parsers/parser.h"
#include "parsers/compat.h"

#define TIME_NONE INT64_MIN

struct tfile {
	struct reader *rd;
	uint64_t dev, ino;
	int64_t quiet_since; /* no byte read since; TIME_NONE: busy */
	uint64_t seen;       /* reader_offset when last looked at */
};

struct tail {
	char *path;
	size_t line_max;
	int64_t idle_ms;
	bool from_start, nofollow, started;
	bool has_resume;
	uint64_t rdev, rino, roff;
	struct tfile cur, old;
	struct tail_stats st;
};

struct tail *
tail_new(const char *path, size_t line_max, int64_t idle_ms, bool from_start,
    bool nofollow)
{
	struct tail *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->path = strdup(path)) == NULL) {
		free(t);
		return NULL;
	}
	t->line_max = line_max;
	t->idle_ms = idle_ms > 0 ? idle_ms : TAIL_IDLE_MS_DEFAULT;
	t->from_start = from_start;
	t->nofollow = nofollow;
	return t;
}

static void
tfile_close(struct tfile *f)
{
	reader_close(f->rd);
	memset(f, 0, sizeof(*f));
}

void
tail_free(struct tail *t)
{
	if (t == NULL)
		return;
	tfile_close(&t->cur);
	tfile_close(&t->old);
	free(t->path);
	free(t);
}

void
tail_resume(struct tail *t, uint64_t dev, uint64_t ino, uint64_t offset)
{
	t->has_resume = true;
	t->rdev = dev;
	t->rino = ino;
	t->roff = offset;
}

const struct tail_stats *
tail_stats(const struct tail *t)
{
	return &t->st;
}

const char *
tail_path(const struct tail *t)
{
	return t->path;
}

/* The identity of what the path names now; false when there is none (or,
 * with nofollow, it is a symlink). */
static bool
path_identity(
    const struct tail *t, uint64_t *dev, uint64_t *ino, uint64_t *size)
{
	struct stat sb;

	if ((t->nofollow ? lstat(t->path, &sb) : stat(t->path, &sb)) == -1 ||
	    !S_ISREG(sb.st_mode))
		return false;
	*dev = (uint64_t)sb.st_dev;
	*ino = (uint64_t)sb.st_ino;
	*size = (uint64_t)sb.st_size;
	return true;
}

/* Open the path into f at offset (UINT64_MAX: its end). */
static bool
tfile_open(struct tail *t, struct tfile *f, uint64_t offset)
{
	f->rd = reader_follow(t->path, t->line_max, offset, t->nofollow);
	if (f->rd == NULL)
		return false;
	reader_identity(f->rd, &f->dev, &f->ino);
	f->quiet_since = TIME_NONE;
	f->seen = reader_offset(f->rd);
	t->st.opens++;
	return true;
}

/* The first look: resume, or the start or end of what is there. */
static void
first_open(struct tail *t)
{
	uint64_t dev, ino, size;

	t->started = true;
	if (!path_identity(t, &dev, &ino, &size))
		return; /* waited for; read from its start when it comes */
	if (t->has_resume && dev == t->rdev && ino == t->rino)
		(void)tfile_open(t, &t->cur, t->roff);
	else if (t->has_resume || t->from_start)
		(void)tfile_open(t, &t->cur, 0);
	else
		(void)tfile_open(t, &t->cur, UINT64_MAX);
}

static void
fill(struct tail *t, const struct tfile *f, const char *p, size_t len,
    uint32_t flags, struct tail_line *out)
{
	out->p = p;
	out->len = len;
	out->flags = flags;
	out->dev = f->dev;
	out->ino = f->ino;
	reader_line_span(f->rd, &out->start, &out->end);
	t->st.lines++;
	if (flags & EVENT_TRUNCATED)
		t->st.long_lines++;
}

/*
 * The next line of f, if any: complete lines first; a partial last line
 * once f stayed quiet idle_ms (or at once with flush). Tracks quiet_since.
 */
static bool
tfile_next(struct tail *t, struct tfile *f, int64_t now, bool flush,
    struct tail_line *out)
{
	const char *p;
	size_t len;
	uint32_t flags;

	if (f->rd == NULL)
		return false;
	if (reader_next(f->rd, &p, &len, &flags) == READER_LINE) {
		f->quiet_since = TIME_NONE;
		fill(t, f, p, len, flags, out);
		return true;
	}
	if (f->quiet_since == TIME_NONE || reader_offset(f->rd) != f->seen)
		f->quiet_since = now; /* bytes came: a partial line grew */
	f->seen = reader_offset(f->rd);
	if ((flush || now - f->quiet_since >= t->idle_ms) &&
	    reader_flush_partial(f->rd, &p, &len, &flags) == READER_LINE) {
		fill(t, f, p, len, flags, out);
		return true;
	}
	return false;
}

enum look {
	LOOK_SAME,  /* nothing new at the path */
	LOOK_MORE,  /* another file (or the same from 0) is open: read on */
	LOOK_SHRUNK /* cur was truncated: hand out its partial line first */
};

/*
 * cur has nothing more: look at the path. A new file there (rotation)
 * makes cur the old one; a size below what was read (truncation) reopens
 * cur at 0 once its partial line, if any, was handed out.
 */
static enum look
look(struct tail *t)
{
	uint64_t dev, ino, size;

	if (!path_identity(t, &dev, &ino, &size))
		return LOOK_SAME; /* gone: keep reading what is open */
	if (t->cur.rd == NULL) {
		/* It appeared: a file created while we run, from its
		 * start. */
		return tfile_open(t, &t->cur, 0) ? LOOK_MORE : LOOK_SAME;
	}
	if (dev != t->cur.dev || ino != t->cur.ino) {
		tfile_close(&t->old); /* a second rotation in idle_ms */
		t->old = t->cur;
		memset(&t->cur, 0, sizeof(t->cur));
		t->st.rotations++;
		return tfile_open(t, &t->cur, 0) ? LOOK_MORE : LOOK_SAME;
	}
	if (size < reader_offset(t->cur.rd))
		return LOOK_SHRUNK;
	return LOOK_SAME;
}

enum tail_rc
tail_next(struct tail *t, int64_t now_ms, struct tail_line *out)
{
	if (!t->started)
		first_open(t);
	/* The old file first: its lines were written before the new
	 * file's (until its writer reopened). */
	if (t->old.rd != NULL) {
		if (tfile_next(t, &t->old, now_ms, false, out))
			return TAIL_LINE;
		if (now_ms - t->old.quiet_since >= t->idle_ms) {
			if (tfile_next(t, &t->old, now_ms, true, out))
				return TAIL_LINE;
			tfile_close(&t->old);
		}
	}
	for (int tries = 0; tries < 3; tries++) {
		if (tfile_next(t, &t->cur, now_ms, false, out))
			return TAIL_LINE;
		switch (look(t)) {
		case LOOK_SAME:
			return TAIL_AGAIN;
		case LOOK_SHRUNK:
			/* What was written before the truncation and read,
			 * a partial line, is handed out; then from 0. */
			if (tfile_next(t, &t->cur, now_ms, true, out))
				return TAIL_LINE;
			tfile_close(&t->cur);
			t->st.truncations++;
			if (!tfile_open(t, &t->cur, 0))
				return TAIL_AGAIN;
			break;
		case LOOK_MORE:
			break;
		}
	}
	return TAIL_AGAIN;
}
