/*
 * watch - the files of the live agent's inputs: each input's path (a file
 * or a glob; new files matching a glob are picked up at each rescan),
 * inotify on their directories, and reading each file's new records
 * through records.c and ingest.c into the engine.
 *
 * Time: a timeless event takes its file's time, or its arrival time
 * (ingest.c); an event stamped more than RUN_FUTURE_MS ahead of the wall
 * clock is counted and placed at the wall clock, so that one wild line
 * cannot drag the engine's clock ahead and blind every rule. A file's
 * backlog is read in slices of RUN_SLICE_LINES, so ticks keep running
 * while a large file drains.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>

#include "agent/log.h"
#include "agent/run.h"
#include "parsers/compat.h"

static bool
is_tailed(const struct run *r, const char *path)
{
	for (unsigned i = 0; i < r->nfiles; i++) {
		if (strcmp(tail_path(r->files[i].tail), path) == 0)
			return true;
	}
	return false;
}

/* Tail path for input i; from_start for a file that appeared later. */
static void
add_file(struct run *r, unsigned i, const char *path, bool glob_match,
    bool from_start)
{
	const struct conf_input *in = &r->conf.inputs[i];
	struct run_file *f;

	if (is_tailed(r, path))
		return;
	if (r->nfiles == RUN_FILES_MAX) {
		if (!r->warned_full)
			log_warnx("more than %d files to tail: \"%s\" and "
				  "later ones are not read",
			    RUN_FILES_MAX, path);
		r->warned_full = true;
		return;
	}
	f = &r->files[r->nfiles];
	memset(f, 0, sizeof(*f));
	f->tail = tail_new(path, (size_t)r->conf.line_max, TAIL_IDLE_MS_DEFAULT,
	    from_start || in->start_at == CONF_START_BEGINNING, glob_match);
	if (f->tail == NULL ||
	    records_init(&f->recs, in->parser, in->prog, 0) == -1)
		fatalx("out of memory");
	ingest_init(
	    &f->ing, in->parser, in->prog, r->conf.fields, &r->stats[i]);
	f->input = i;
	r->nfiles++;
}

static bool
has_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* The files of every input; later is true after the first look. */
void
run_scan(struct run *r, bool later)
{
	for (unsigned i = 0; i < r->conf.ninputs; i++) {
		const char *path = r->conf.inputs[i].path;
		glob_t g;

		if (path == NULL)
			continue;
		if (!has_glob(path)) {
			add_file(r, i, path, false, false);
			continue;
		}
		if (glob(path, GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++)
			add_file(r, i, g.gl_pathv[k], true, later);
		globfree(&g);
	}
}

/* inotify on each input's directory; without it the timer polls. */
void
run_watch(struct run *r)
{
	for (unsigned i = 0; i < r->conf.ninputs; i++) {
		char dir[PATH_MAX];

		if (r->conf.inputs[i].path == NULL)
			continue;
		compat_strlcpy(dir, r->conf.inputs[i].path, sizeof(dir));
		if (inotify_add_watch(r->ino, dirname(dir),
			IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
			    IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB) == -1 &&
		    !r->warned_watch) {
			r->warned_watch = true;
			if (errno == ENOSPC)
				log_warnx(
				    "inotify watch limit reached "
				    "(sysctl fs.inotify.max_user_watches):"
				    " looking at the logs every second "
				    "instead");
			else
				log_warn("cannot watch \"%s\": looking at it "
					 "every second instead",
				    dir);
		}
	}
}

static void
feed(struct run *r, struct run_file *f, struct sv rec, uint32_t flags,
    int64_t wall)
{
	struct log_event ev;

	switch (ingest_record(&f->ing, rec, flags, wall, &ev)) {
	case INGEST_TIMED:
		if (ev.time_ms > wall + RUN_FUTURE_MS) {
			r->future++;
			ev.time_ms = wall;
		}
		ingest_place(&f->ing, &ev);
		break;
	case INGEST_TOOK:
		break;
	default:
		return;
	}
	engine_feed(r->engine, f->input, &ev);
}

/* Read what f has now, at most a slice; true when more is waiting. */
static bool
drain(struct run *r, struct run_file *f, int64_t mono, int64_t wall)
{
	struct tail_line l;
	struct sv rec;
	uint32_t fl;
	unsigned n = 0;

	for (; n < RUN_SLICE_LINES; n++) {
		if (tail_next(f->tail, mono, &l) != TAIL_LINE)
			break;
		f->last_line_ms = mono;
		if (records_push_span(&f->recs, l.p, l.len, l.flags, l.start,
			l.end, &rec, &fl))
			feed(r, f, rec, fl, wall);
	}
	/* A record whose traceback stopped coming is complete. */
	if (n == 0 && mono - f->last_line_ms >= TAIL_IDLE_MS_DEFAULT &&
	    records_flush(&f->recs, &rec, &fl))
		feed(r, f, rec, fl, wall);
	return n == RUN_SLICE_LINES;
}

bool
run_drain_all(struct run *r)
{
	int64_t mono = run_clock_ms(CLOCK_MONOTONIC);
	int64_t wall = run_clock_ms(CLOCK_REALTIME);
	bool more = false;

	for (unsigned i = 0; i < r->nfiles; i++)
		more |= drain(r, &r->files[i], mono, wall);
	return more;
}
