/*
 * tail - follow one log path through growth, rotation, truncation,
 * deletion and symlink changes, handing out its complete lines with the
 * file they came from and where they lie in it.
 *
 * The caller steps it (the live agent's loop on inotify events and a slow
 * timer; a test by hand): tail_next() hands out what is there to read
 * now, then TAIL_AGAIN. Nothing here sleeps or reads a clock: the caller
 * passes a monotonic now_ms for the idle rules.
 *
 * What the path may do, and what the tail does:
 *   - grow: the new complete lines; a last line without its newline waits
 *     until it is completed or stayed idle `idle_ms`, then is handed out
 *     (EVENT_PARTIAL), so a last line is never lost;
 *   - be renamed and recreated (logrotate `create`): the old file is read
 *     to its end, including lines written to it after the rename, and kept
 *     open `idle_ms` after its last byte for a writer that has not
 *     reopened yet; then the new file is read from its start;
 *   - be copied and truncated (`copytruncate`), or truncated: the size
 *     falls below what was read; the file is read again from its start,
 *     and the truncation counted (the lines written between the copy and
 *     the truncation cannot be seen by anyone: logrotate's own race);
 *   - disappear: the open file is read to its end; the tail waits for the
 *     path to come back, without an error per call;
 *   - be a symlink whose target changes: as a rename (identity differs).
 * A file's identity is its device and inode; a file that appears while
 * the tail runs is read from its start, one that exists when the tail
 * starts from its end unless told otherwise (start_at).
 *
 * Not handled here (the live agent's): globs and new files matching them,
 * checkpoints (tail_new takes the offset to resume from), the content
 * fingerprint that tells a reused inode from the file it replaced.
 */
#ifndef AGENT_TAIL_H
#define AGENT_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAIL_IDLE_MS_DEFAULT 5000

enum tail_rc {
	TAIL_LINE = 0, /* a line */
	TAIL_AGAIN,    /* nothing more to read now */
};

struct tail_line {
	const char *p; /* no '\n'; valid until the next call */
	size_t len;
	uint32_t flags;      /* EVENT_PARTIAL, EVENT_TRUNCATED */
	uint64_t dev, ino;   /* the file it came from */
	uint64_t start, end; /* its first byte; where reading goes on */
};

struct tail_stats {
	uint64_t lines, long_lines;
	uint64_t rotations;   /* a new file at the path */
	uint64_t truncations; /* the file shrank below what was read */
	uint64_t opens;       /* files opened */
};

struct tail;

/*
 * Follow path. resume (when has_resume): the identity and offset of a
 * checkpoint; when the path is still that file, reading goes on there,
 * else the file there is read from its start. Without one: from its end
 * (from_start false) or start. nofollow: the path must not be a symlink.
 * NULL on ENOMEM; a path that does not exist yet is waited for.
 */
struct tail *tail_new(const char *path, size_t line_max, int64_t idle_ms,
    bool from_start, bool nofollow);
void tail_free(struct tail *t); /* NULL-safe */

/* Resume at offset in the file of identity dev/ino, if it is the one at
 * the path (call before the first tail_next). */
void tail_resume(struct tail *t, uint64_t dev, uint64_t ino, uint64_t offset);

enum tail_rc tail_next(struct tail *t, int64_t now_ms, struct tail_line *out);

const struct tail_stats *tail_stats(const struct tail *t);
const char *tail_path(const struct tail *t);

#endif /* AGENT_TAIL_H */
