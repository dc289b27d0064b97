/*
 * run - the live agent's shared state: what `klaxon run` holds between
 * wakes, and the stages of its loop, one file each:
 *   cmd_run.c   options, start and stop (wiring only)
 *   loop.c      epoll over signalfd, timerfd and inotify: the only place
 *               that blocks
 *   watch.c     which files each input names (globs rescanned), inotify
 *               watches, reading each file's new records into the engine
 *   reload.c    SIGHUP: a second config and engine beside the running ones
 * Everything runs on one thread.
 */
#ifndef AGENT_RUN_H
#define AGENT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "agent/conf.h"
#include "agent/ingest.h"
#include "agent/notify.h"
#include "agent/records.h"
#include "agent/tail.h"
#include "rules/engine.h"

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

int64_t run_clock_ms(clockid_t id);

/* watch.c */
void run_scan(struct run *r, bool later);
void run_watch(struct run *r);
bool run_drain_all(struct run *r);

/* reload.c */
int run_setup_engine(struct run *r, struct conf *c, struct engine *old);
void run_reload(struct run *r);

/* loop.c */
int run_open_fds(struct run *r);
void run_loop(struct run *r);

#endif /* AGENT_RUN_H */
