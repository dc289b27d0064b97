/*
 * reader - complete lines from a file, plain or gzip, in large blocks.
 *
 * A file that starts with gzip's magic is inflated (every member of it, on
 * a second thread: agent/gunzip.c), any other is read as it is, so one
 * path serves access.log, access.log.1 and access.log.2.gz. Lines are handed out
 * as views into the reader's buffer, without '\n' and without a final
 * '\r', valid until the next call. A line longer than line_max is cut to
 * line_max bytes (flag EVENT_TRUNCATED, counted in long_lines) and the rest
 * of it is skipped, so memory stays bounded whatever the input. A last
 * line without '\n' is handed out with EVENT_PARTIAL.
 */
#ifndef AGENT_READER_H
#define AGENT_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define READER_LINE_MAX_DEFAULT (16 * 1024)
#define READER_LINE_MAX_MAX	(1024 * 1024)

enum reader_rc {
	READER_LINE = 0, /* *line filled */
	READER_EOF,	 /* no more lines */
	READER_ERR,	 /* read or decompression error: reader_error() */
};

struct reader;

/*
 * Open path ("-" = standard input). line_max 0 = default. Returns NULL with
 * errno set when the file cannot be opened.
 */
struct reader *reader_open(const char *path, size_t line_max);
void reader_close(struct reader *r); /* NULL-safe */

enum reader_rc reader_next(struct reader *r, const char **line, size_t *len,
    uint32_t *flags);

/*
 * Peek at the first lines of an input that can be read only once (a pipe,
 * a FIFO, standard input; reader_is_once()), then go back to its start.
 * reader_peek() hands out lines as reader_next() does, but keeps every
 * byte read, and returns READER_EOF once the buffer is full (at least
 * 256 KiB of lines have been shown) or the input ended. reader_rewind()
 * makes the next reader_next() or reader_peek() start again at the first
 * line, with the counters at zero; it returns -1 (errno ESPIPE) when
 * reader_next() was called before and bytes were dropped. A READER_ERR
 * seen while peeking is seen again after the rewind, after the same lines.
 */
enum reader_rc reader_peek(struct reader *r, const char **line, size_t *len,
    uint32_t *flags);
int reader_rewind(struct reader *r);

/*
 * True when the input cannot be opened again to be read from its start:
 * anything but a regular file or a block device, and "-" whatever it is
 * (a dup of standard input shares its offset).
 */
bool reader_is_once(const struct reader *r);
uint64_t reader_size(const struct reader *r); /* regular file: st_size, else 0 */

/*
 * A growing regular file (the live tailer), read from byte offset on
 * (clamped to its size): reader_next returns READER_EOF at the end of
 * what is written so far and goes on reading on the next call; a last
 * line without its newline waits in the buffer until it is completed, or
 * until reader_flush_partial hands it out (EVENT_PARTIAL) after an idle
 * time the caller chooses. nofollow: the path must not be a symlink (a
 * file matched by a glob). NULL with errno: cannot open, or (EINVAL) not
 * a regular file.
 */
struct reader *reader_follow(
    const char *path, size_t line_max, uint64_t offset, bool nofollow);
enum reader_rc reader_flush_partial(
    struct reader *r, const char **line, size_t *len, uint32_t *flags);
/* Where the next read(2) starts: bytes read of the input so far. */
uint64_t reader_offset(const struct reader *r);
/* Bytes read but not yet handed out (a partial line). */
uint64_t reader_unread(const struct reader *r);

/*
 * Where the last line handed out lies in the input: its first byte, and
 * where reading goes on (past its newline; for a line cut at line_max,
 * past the bytes kept, the rest being skipped up to the next newline).
 * Offsets count the bytes of the input as read: a plain file's offsets,
 * or a .gz file's inflated bytes. A checkpoint at `end` resumes after the
 * line.
 */
void reader_line_span(const struct reader *r, uint64_t *start, uint64_t *end);
/* The file's device and inode (fstat at open; 0 for what has none). */
void reader_identity(const struct reader *r, uint64_t *dev, uint64_t *ino);

/* Message for READER_ERR ("unexpected end of gzip data at byte 1234"). */
const char *reader_error(const struct reader *r);

uint64_t reader_lines(const struct reader *r);	    /* lines handed out */
uint64_t reader_long_lines(const struct reader *r); /* cut to line_max */
uint64_t reader_bytes_in(const struct reader *r);   /* compressed offset */

#endif /* AGENT_READER_H */
