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
 * The stages live in loop.c, watch.c and reload.c; run.h says which is
 * which.
 *
 * Not yet (issue 10, later steps): the state store (checkpoints, engine
 * snapshot: a restart starts at the end of each file, like a first
 * start), delivery to sinks other than the console (issue 11: they are
 * named at start and their notifications printed here), sd_notify,
 * /metrics, `klaxon status`, built-in alerts, a reload that changes the
 * inputs (refused with a message: restart to apply).
 */
#include "agent/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/log.h"
#include "agent/run.h"

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
	if (run_setup_engine(r, &r->conf, NULL) == -1 || run_open_fds(r) == -1)
		fatal("cannot start");
	run_watch(r);
	run_scan(r, false);
	log_info("running: %u input%s, %u file%s, %zu rule%s", r->conf.ninputs,
	    log_plural(r->conf.ninputs), r->nfiles, log_plural(r->nfiles),
	    ruleset_count(r->conf.rules),
	    log_plural(ruleset_count(r->conf.rules)));
	run_loop(r);
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
