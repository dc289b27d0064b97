/*
 * reader - lines from a plain or gzip file, read in large blocks.
 *
 * Design: one buffer of READER_BLOCK bytes (at least 2 x line_max), filled
 * by read(2) for a plain file, or from gunzip.c's inflating thread when the
 * file starts with gzip's magic bytes (whatever its name: logrotate's
 * .gz, `cat a.gz b.gz`, a compressed file on standard input). Lines are
 * found with memchr and handed out as views; only the unfinished tail of a
 * block is moved to the front before the next read.
 *
 * Invariants: start <= end <= cap; bytes [start, end) are unread. While
 * `skipping`, the bytes up to the next '\n' belong to a line already handed
 * out cut at line_max, and are dropped. Until the first refill that moves
 * the unread tail to the front (`dropped`), buf[0] is the input's first
 * byte: that is what lets reader_rewind() go back to it.
 *
 * Peeking (reader_peek) is for an input that can be read only once: a
 * pipe, a FIFO, a terminal, standard input. The replay must see its first
 * timestamp before it replays it, and cannot open it again to start over;
 * so peeking never drops a byte, stops when the buffer is full, and the
 * lines it showed are handed out again after the rewind. Memory stays the
 * one buffer.
 *
 * Not handled here: following a growing file (agent/tail.c does that) and
 * time order across files (the replay merge does).
 */
#include "agent/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "agent/gunzip.h"
#include "parsers/parser.h"
#include "agent/log.h"
#include "parsers/compat.h"

#define READER_BLOCK (256 * 1024)

struct reader {
	int fd;		    /* plain files; -1 when gz is used */
	struct gunzip *gz;  /* gzip files */
	uint64_t bytes_in;  /* plain: bytes read */
	char *buf;
	size_t cap, start, end;
	uint64_t base;	    /* stream offset of buf[0] */
	uint64_t line_start, line_end; /* span of the last line handed out */
	uint64_t dev, ino;  /* identity of the file (fstat at open) */
	size_t line_max;
	bool eof;
	bool skipping;
	bool dropped;	    /* bytes were moved out of buf: no rewind */
	bool follow;	    /* a growing file: the end is not final */
	bool once;	    /* cannot be opened and read again */
	uint64_t size;	    /* of a regular file, else 0 */
	uint64_t lines, long_lines;
	char err[256];
};

/* Whether fd (just opened for path) can be opened again from its start. */
static bool
is_once(const char *path, int fd, struct reader *r)
{
	struct stat sb;

	r->size = 0;
	if (fstat(fd, &sb) == -1)
		return true;
	r->dev = (uint64_t)sb.st_dev;
	r->ino = (uint64_t)sb.st_ino;
	if (S_ISREG(sb.st_mode))
		r->size = (uint64_t)sb.st_size;
	/* "-" is a dup of standard input: it shares the offset even when
	 * it is a regular file, so a second dup would start where the
	 * first stopped. */
	return strcmp(path, "-") == 0 ||
	    !(S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode));
}

/* line_max as asked: 0 is the default, and no more than the hard cap. */
static size_t
line_cap(size_t line_max)
{
	if (line_max == 0)
		return READER_LINE_MAX_DEFAULT;
	return line_max > READER_LINE_MAX_MAX ? READER_LINE_MAX_MAX : line_max;
}

struct reader *
reader_open(const char *path, size_t line_max)
{
	struct reader *r;
	int fd, saved;
	ssize_t n;

	line_max = line_cap(line_max);
	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		goto fail;
	r->fd = -1;
	r->line_max = line_max;
	r->once = is_once(path, fd, r);
	r->cap = READER_BLOCK > 2 * line_max ? READER_BLOCK : 2 * line_max;
	r->buf = malloc(r->cap);
	if (r->buf == NULL)
		goto fail;
	/* Sniff the gzip magic; the bytes read stay the start of the data. */
	do {
		n = read(fd, r->buf, 2);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		goto fail;
	if (n == 2 && (unsigned char)r->buf[0] == 0x1f &&
	    (unsigned char)r->buf[1] == 0x8b) {
		r->gz = gunzip_start(fd, r->buf, 2);
		fd = -1; /* the gunzip owns it now, even on failure */
		if (r->gz == NULL)
			goto fail;
		return r;
	}
	r->fd = fd;
	r->end = (size_t)n;
	r->bytes_in = (uint64_t)n;
	return r;
fail:
	saved = errno ? errno : ENOMEM;
	if (r)
		free(r->buf);
	free(r);
	if (fd != -1)
		close(fd);
	errno = saved;
	return NULL;
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	gunzip_free(r->gz);
	if (r->fd != -1)
		close(r->fd);
	free(r->buf);
	free(r);
}

/* Up to cap bytes of data into buf: >0, 0 at the end, -1 (r->err set). */
static long
source_read(struct reader *r, char *buf, size_t cap)
{
	ssize_t n;

	if (r->gz != NULL) {
		long got = gunzip_read(r->gz, buf, cap);
		if (got < 0)
			snprintf(r->err, sizeof(r->err), "damaged gzip data: %s",
			    gunzip_error(r->gz));
		return got;
	}
	do {
		n = read(r->fd, buf, cap);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		snprintf(r->err, sizeof(r->err), "%s after %llu byte%s",
		    strerror(errno), (unsigned long long)r->bytes_in,
		    log_plural(r->bytes_in));
		return -1;
	}
	r->bytes_in += (uint64_t)n;
	return n;
}

/*
 * Move the unread tail to the front and read more: 0, or -1 on error.
 * With keep (peeking), nothing is moved: 1 when the buffer is full.
 */
static int
refill(struct reader *r, bool keep)
{
	long n;

	if (keep && r->end == r->cap)
		return 1;
	if (r->start > 0 && !keep) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->base += r->start;
		r->start = 0;
		r->dropped = true;
	}
	n = source_read(r, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return 0;
}

static void
emit(struct reader *r, const char *p, size_t len, uint32_t fl,
    const char **line, size_t *llen, uint32_t *flags)
{
	/* The span: from the line's first byte to where reading goes on
	 * (past its newline; for a cut line, past the bytes kept). */
	r->line_start = r->base + (uint64_t)(p - r->buf);
	r->line_end = r->base + r->start;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	*line = p;
	*llen = len;
	*flags = fl;
	r->lines++;
}

static enum reader_rc
next_line(struct reader *r, bool keep, const char **line, size_t *len,
    uint32_t *flags)
{
	int rc;

	for (;;) {
		char *p = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;

		if (nl != NULL) {
			size_t n = (size_t)(nl - p);
			r->start += n + 1;
			if (r->skipping) {
				r->skipping = false;
				continue;
			}
			if (n > r->line_max) {
				/* Whole in the buffer, but over the cap. */
				r->long_lines++;
				emit(r, p, r->line_max, EVENT_TRUNCATED, line,
				    len, flags);
				return READER_LINE;
			}
			emit(r, p, n, 0, line, len, flags);
			return READER_LINE;
		}
		if (r->skipping) {
			r->start = r->end; /* drop the rest of a long line */
			if (r->eof && r->follow) {
				r->eof = false; /* its end may come later */
				return READER_EOF;
			}
			if (r->eof) {
				r->skipping = false;
				return READER_EOF;
			}
		} else if (avail >= r->line_max) {
			/* Cut: hand out line_max bytes, drop the rest. */
			r->start += r->line_max;
			r->skipping = true;
			r->long_lines++;
			emit(r, p, r->line_max, EVENT_TRUNCATED, line, len,
			    flags);
			return READER_LINE;
		} else if (r->eof && r->follow) {
			/* More may come: a partial line waits for its
			 * newline (reader_flush_partial). */
			r->eof = false;
			return READER_EOF;
		} else if (r->eof) {
			if (avail == 0)
				return READER_EOF;
			r->start = r->end;
			emit(r, p, avail, EVENT_PARTIAL, line, len, flags);
			return READER_LINE;
		}
		if ((rc = refill(r, keep)) == -1)
			return READER_ERR;
		if (rc == 1)
			return READER_EOF; /* peeked a full buffer */
	}
}

enum reader_rc
reader_next(struct reader *r, const char **line, size_t *len, uint32_t *flags)
{
	return next_line(r, false, line, len, flags);
}

enum reader_rc
reader_peek(struct reader *r, const char **line, size_t *len, uint32_t *flags)
{
	if (r->dropped)
		return READER_EOF;
	return next_line(r, true, line, len, flags);
}

int
reader_rewind(struct reader *r)
{
	if (r->dropped) {
		errno = ESPIPE;
		return -1;
	}
	r->start = 0;
	r->skipping = false;
	r->lines = 0;
	r->long_lines = 0;
	r->line_start = r->line_end = 0;
	return 0;
}

struct reader *
reader_follow(const char *path, size_t line_max, uint64_t offset, bool nofollow)
{
	struct reader *r;
	int fd, saved;

	line_max = line_cap(line_max);
	/* O_NONBLOCK: a FIFO planted where a log was must not block the
	 * agent (is_once rejects it below). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
		(nofollow ? O_NOFOLLOW : 0));
	if (fd == -1)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	r->fd = -1;
	r->line_max = line_max;
	r->follow = true;
	if (is_once(path, fd, r)) {
		errno = EINVAL; /* not a regular file */
		goto fail;
	}
	if (offset > r->size)
		offset = r->size;
	if (lseek(fd, (off_t)offset, SEEK_SET) == -1)
		goto fail;
	r->cap = READER_BLOCK > 2 * line_max ? READER_BLOCK : 2 * line_max;
	if ((r->buf = malloc(r->cap)) == NULL)
		goto fail;
	r->fd = fd;
	r->base = offset;
	r->bytes_in = offset;
	r->dropped = true; /* no rewind: it did not start at the start */
	return r;
fail:
	saved = errno ? errno : ENOMEM;
	if (r)
		free(r->buf);
	free(r);
	close(fd);
	errno = saved;
	return NULL;
}

enum reader_rc
reader_flush_partial(
    struct reader *r, const char **line, size_t *len, uint32_t *flags)
{
	size_t avail = r->end - r->start;
	char *p = r->buf + r->start;

	if (avail == 0 || r->skipping)
		return READER_EOF;
	if (avail > r->line_max) {
		avail = r->line_max;
		r->skipping = true;
		r->long_lines++;
	}
	r->start += avail;
	emit(r, p, avail, EVENT_PARTIAL | (r->skipping ? EVENT_TRUNCATED : 0),
	    line, len, flags);
	return READER_LINE;
}

uint64_t
reader_offset(const struct reader *r)
{
	return r->base + r->end;
}

uint64_t
reader_unread(const struct reader *r)
{
	return r->end - r->start;
}

void
reader_line_span(const struct reader *r, uint64_t *start, uint64_t *end)
{
	*start = r->line_start;
	*end = r->line_end;
}

void
reader_identity(const struct reader *r, uint64_t *dev, uint64_t *ino)
{
	*dev = r->dev;
	*ino = r->ino;
}

bool
reader_is_once(const struct reader *r)
{
	return r->once;
}

uint64_t
reader_size(const struct reader *r)
{
	return r->size;
}

const char *
reader_error(const struct reader *r)
{
	return r->err;
}

uint64_t
reader_lines(const struct reader *r)
{
	return r->lines;
}

uint64_t
reader_long_lines(const struct reader *r)
{
	return r->long_lines;
}

uint64_t
reader_bytes_in(const struct reader *r)
{
	return r->gz != NULL ? gunzip_offset(r->gz) : r->bytes_in;
}
