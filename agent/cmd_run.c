/*
 * cmd_run - `klaxon run`: the live agent, in the foreground.
 *
 * What it does today: tails every input's path (a file or a glob; new
 * files matching a glob are picked up), through rotation and truncation
 * (tail.c), groups and ingests each file's records (records.c, ingest.c),
 * feeds the engine, ticks it every second with wall time minus the slack
 * (RULE_SLACK_MS_DEFAULT: nginx's buffered access_log writes lines
 * seconds late), and prints each notification through the notifier's
 * console backend, as text or as dry-run --json's objects (the console
 * sink's `format`). SIGTERM and SIGINT stop it (exit 0); SIGHUP reloads
 * the rules (all or nothing: a broken file keeps the running rules, and
 * windows of unchanged rules survive).
 *
 * One thread, one loop (epoll over inotify, a 1 s timerfd and signalfd);
 * nothing blocks but epoll_wait. inotify watches each input's directory,
 * so a write, a create or a rename wakes the loop at once; the timer
 * looks at every file each second anyway (a filesystem without events,
 * an exhausted watch limit). A file's backlog is read in slices of
 * RUN_SLICE_LINES, so ticks keep running while a large file drains.
 *
 * Time: a timeless event takes its file's time, or its arrival time
 * (ingest.c); an event stamped more than RUN_FUTURE_MS ahead of the wall
 * clock is counted and placed at the wall clock, so that one wild line
 * cannot drag the engine's clock ahead and blind every rule.
 *
 * Not yet (issue 10, later steps): the state store (checkpoints, engine
 * snapshot: a restart starts at the end of each file, like a first
 * start), delivery to sinks other than the console (issue 11: they are
 * named at start and their notifications printed here), sd_notify,
 * /metrics, `klaxon status`, built-in alerts, a reload that changes the
 * inputs (refused with a message: restart to apply).
 */
#include "agent/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/conf.h"
#include "agent/ingest.h"
#include "agent/log.h"
#include "agent/notify.h"
#include "agent/records.h"
#include "agent/tail.h"
#include "rules/engine.h"
#include "parsers/compat.h"

#define RUN_FILES_MAX   256             /* files tailed at once */
#define RUN_SLICE_LINES 10000           /* lines per file per wake */
#define RUN_FUTURE_MS   (5 * 60 * 1000) /* ahead of the wall clock */
#define RUN_RESCAN_SEC  2               /* globs looked at again */

struct run_file {
	struct tail *tail;
	struct records recs;
	struct ingest ing;
	unsigned input;
	int64_t last_line_ms; /* monotonic; for the records' idle flush */
};

struct run {
	struct conf conf;
	const char *conf_path;
	struct engine *engine;
	struct notifier notifier;
	struct notify_console console;
	const char **sink_names;
	struct run_file files[RUN_FILES_MAX];
	unsigned nfiles;
	struct ingest_stats stats[CONF_INPUTS_MAX];
	uint64_t future; /* events placed at the wall clock */
	bool warned_full, warned_watch;
	int ep, ino, tfd, sfd;
};

void
cmd_run_usage(FILE *f)
{
	fprintf(f,
	    "usage: klaxon run [-c FILE]\n"
	    "  The live agent, in the foreground: tail the inputs' logs, "
	    "evaluate the rules\n"
	    "  every second and print each alert as it fires and resolves "
	    "(delivery to\n"
	    "  other sinks comes later). SIGHUP reloads the rules; SIGTERM "
	    "stops it.\n"
	    "  -c, --config FILE    the main config (default %s)\n"
	    "  -h, --help           this text\n",
	    CONF_PATH_DEFAULT);
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
static void
scan(struct run *r, bool later)
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
static void
watch(struct run *r)
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

static bool
drain_all(struct run *r)
{
	int64_t mono = clock_ms(CLOCK_MONOTONIC);
	int64_t wall = clock_ms(CLOCK_REALTIME);
	bool more = false;

	for (unsigned i = 0; i < r->nfiles; i++)
		more |= drain(r, &r->files[i], mono, wall);
	return more;
}

static int
setup_engine(struct run *r, struct conf *c, struct engine *old)
{
	struct engine *e;

	free(r->sink_names);
	r->sink_names = calloc(c->nsinks ? c->nsinks : 1, sizeof(char *));
	if (r->sink_names == NULL)
		return -1;
	r->console = (struct notify_console){ stdout, false, r->sink_names };
	for (unsigned i = 0; i < c->nsinks; i++) {
		const struct conf_sink *s = &c->sinks[i];
		const struct conf_kv *kv = conf_sink_kv(s, "format");

		r->sink_names[i] = s->name;
		if (s->type == CONF_SINK_CONSOLE && kv != NULL &&
		    kv->value != NULL && strcmp(kv->value, "json") == 0)
			r->console.json = true;
		if (s->type != CONF_SINK_CONSOLE)
			log_warnx("sink '%s' (%s): delivery is not built "
				  "yet; its notifications are printed here",
			    s->name, s->type_name);
	}
	notifier_init(&r->notifier, notify_console, &r->console);
	if ((e = engine_new(c->rules, notifier_emit, &r->notifier)) == NULL)
		return -1;
	if (old != NULL) {
		engine_adopt(e, old);
		engine_free(old);
	}
	r->engine = e;
	return 0;
}

/* The inputs of a and b are the same (names, paths, formats). */
static bool
same_inputs(const struct conf *a, const struct conf *b)
{
	if (a->ninputs != b->ninputs)
		return false;
	for (unsigned i = 0; i < a->ninputs; i++) {
		const struct conf_input *x = &a->inputs[i], *y = &b->inputs[i];

		if (strcmp(x->name, y->name) != 0 ||
		    strcmp(x->format, y->format) != 0 ||
		    (x->path == NULL) != (y->path == NULL) ||
		    (x->path && strcmp(x->path, y->path) != 0) ||
		    (x->log_format == NULL) != (y->log_format == NULL) ||
		    (x->log_format && strcmp(x->log_format, y->log_format)))
			return false;
	}
	return true;
}

/* SIGHUP: the new config beside the running one, swapped if it loads. */
static void
reload(struct run *r)
{
	struct conf fresh;

	log_info("reloading \"%s\"", r->conf_path);
	if (conf_load(&fresh, r->conf_path, NULL, NULL) == -1) {
		log_warnx("reload failed: the running rules stay");
		return;
	}
	if (!same_inputs(&r->conf, &fresh)) {
		log_warnx("reload: the inputs changed; restart klaxon to "
			  "apply them (the running rules stay)");
		conf_release(&fresh);
		return;
	}
	if (setup_engine(r, &fresh, r->engine) == -1)
		fatalx("out of memory");
	for (unsigned i = 0; i < r->nfiles; i++) {
		struct run_file *f = &r->files[i];
		const struct conf_input *in = &fresh.inputs[f->input];

		f->recs.prog = in->prog;
		f->ing.prog = in->prog;
		f->ing.fields = fresh.fields;
	}
	conf_release(&r->conf);
	r->conf = fresh;
	log_info("reloaded: %zu rule%s", ruleset_count(r->conf.rules),
	    log_plural(ruleset_count(r->conf.rules)));
}

static int
open_fds(struct run *r)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;
	int fds[3];

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (r->sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1 ||
	    (r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) == -1 ||
	    timerfd_settime(r->tfd, 0, &its, NULL) == -1 ||
	    (r->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    (r->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	fds[0] = r->sfd;
	fds[1] = r->tfd;
	fds[2] = r->ino;
	for (int i = 0; i < 3; i++) {
		ev.data.fd = fds[i];
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fds[i], &ev) == -1)
			return -1;
	}
	return 0;
}

/* One signal; false to stop. */
static bool
on_signal(struct run *r)
{
	struct signalfd_siginfo si;

	if (read(r->sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return true;
	if (si.ssi_signo == SIGHUP) {
		reload(r);
		return true;
	}
	log_info("stopping on signal %u", si.ssi_signo);
	return false;
}

/* The 1 s timer: true when it fired (a tick is due once the files are
 * read); every RUN_RESCAN_SEC, globs are looked at again. */
static bool
on_timer(struct run *r, uint64_t *ticks)
{
	uint64_t n;

	if (read(r->tfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return false;
	*ticks += n;
	if (*ticks % RUN_RESCAN_SEC == 0)
		scan(r, true);
	return true;
}

static void
loop(struct run *r)
{
	uint64_t ticks = 0;
	bool more = drain_all(r);
	char buf[16384];

	for (;;) {
		struct epoll_event ev[4];
		int n = epoll_wait(r->ep, ev, 4, more ? 0 : -1);
		bool tick = false;

		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == r->sfd && !on_signal(r))
				return;
			if (ev[i].data.fd == r->tfd)
				tick |= on_timer(r, &ticks);
			if (ev[i].data.fd == r->ino)
				while (read(r->ino, buf, sizeof(buf)) > 0)
					; /* which file does not matter */
		}
		/* Read what came, then tick: the seconds it closes have
		 * their lines in. */
		more = drain_all(r);
		if (tick)
			engine_tick(r->engine,
			    clock_ms(CLOCK_REALTIME) - RULE_SLACK_MS_DEFAULT);
		fflush(stdout);
	}
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct run *r = calloc(1, sizeof(*r));
	int ch;

	if (r == NULL)
		fatalx("out of memory");
	r->conf_path = CONF_PATH_DEFAULT;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			r->conf_path = optarg;
			break;
		case 'h':
			cmd_run_usage(stdout);
			free(r);
			return 0;
		default:
			cmd_run_usage(stderr);
			free(r);
			return 1;
		}
	}
	if (optind != argc) {
		cmd_run_usage(stderr);
		free(r);
		return 1;
	}
	if (conf_load(&r->conf, r->conf_path, NULL, NULL) == -1) {
		free(r);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup_engine(r, &r->conf, NULL) == -1 || open_fds(r) == -1)
		fatal("cannot start");
	watch(r);
	scan(r, false);
	log_info("running: %u input%s, %u file%s, %zu rule%s", r->conf.ninputs,
	    log_plural(r->conf.ninputs), r->nfiles, log_plural(r->nfiles),
	    ruleset_count(r->conf.rules),
	    log_plural(ruleset_count(r->conf.rules)));
	loop(r);
	for (unsigned i = 0; i < r->nfiles; i++) {
		tail_free(r->files[i].tail);
		records_release(&r->files[i].recs);
	}
	engine_free(r->engine);
	free(r->sink_names);
	conf_release(&r->conf);
	free(r);
	return 0;
}
