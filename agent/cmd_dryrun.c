/*
 * cmd_dryrun - `klaxon dry-run`: replay archived logs through the rules and
 * print the alerts that live mode would have sent. Nothing is sent.
 *
 * Only the two edges differ from the live agent: the source is replay.c
 * (files in event-time order) instead of the tailer, and transitions go to
 * the timeline writer here instead of the outbox. The config, parsers,
 * engine and transition rendering (notify.c) are the live code, so a
 * dry-run predicts exactly what would have been notified.
 *
 * Exit status: 0 when the replay ran (alerts or not), 1 on a config or
 * usage error (--from later than --to), 2 when an input could not be read
 * (the rest is replayed). The range is applied by the replay itself, so
 * that the per-input counts are those of what was replayed.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/cmd.h"
#include "agent/conf.h"
#include "agent/log.h"
#include "agent/notify.h"
#include "agent/plot.h"
#include "agent/replay.h"
#include "parsers/ts.h"
#include "rules/engine.h"
#include "rules/template.h"
#include "parsers/compat.h"

#define DRYRUN_RULES_MAX NOTIFY_ONLY_MAX /* --rule arguments */

struct rule_tally {
	uint64_t fired;
	int64_t open_since;	/* EVENT_TIME_NONE: not firing */
	int64_t total_ms, longest_ms;
};

struct dryrun {
	struct conf conf;
	struct engine *engine;
	struct plot *plot;
	bool json;
	const char *only[DRYRUN_RULES_MAX];
	unsigned nonly;
	struct rule_tally *tally; /* per rule of the ruleset */
	const char **sink_names;
	struct notifier notifier; /* the engine's emit: policy, then timeline */
	struct notify_console console;
	uint64_t transitions;
	int64_t last_ms;
};

void
cmd_dryrun_usage(FILE *f)
{
	fprintf(f,
	    "usage: klaxon dry-run [-c FILE] [--json] [--from TIME] [--to TIME]\n"
	    "                      [--rule NAME]... [--input NAME=LOG]... "
	    "[--plot FILE.svg] LOG...\n"
	    "  Replay archived logs (plain or .gz) through the rules and print "
	    "the alerts\n"
	    "  that would have been sent; nothing is sent. A line dated more "
	    "than 5 min from\n"
	    "  the lines around it is counted per input as out of time and "
	    "placed at the\n"
	    "  line before; a line with no time and none before it is "
	    "counted as without\n"
	    "  a time and not replayed.\n"
	    "  -c, --config FILE    the main config (default %s)\n"
	    "  -j, --json           one JSON object per transition, not the "
	    "timeline\n"
	    "      --from TIME      replay events from this time on (ISO 8601, "
	    "e.g.\n"
	    "                       2026-11-22T14:00:00Z)\n"
	    "      --to TIME        replay events up to this time (not before "
	    "--from);\n"
	    "                       an input ends at its first event past it\n"
	    "  -r, --rule NAME      show only this rule (repeatable)\n"
	    "  -i, --input NAME=LOG read LOG as input NAME (repeatable); LOG "
	    "- is standard\n"
	    "                       input; a pipe or FIFO is read once, whole\n"
	    "      --plot FILE.svg  write each rule's value over time as an "
	    "SVG\n"
	    "  -h, --help           this text\n",
	    CONF_PATH_DEFAULT);
}

static bool
rule_selected(const struct dryrun *d, const char *name)
{
	if (d->nonly == 0)
		return true;
	for (unsigned i = 0; i < d->nonly; i++)
		if (strcmp(d->only[i], name) == 0)
			return true;
	return false;
}

static size_t
rule_index(const struct dryrun *d, const struct rule *r)
{
	size_t n = ruleset_count(d->conf.rules);

	for (size_t i = 0; i < n; i++)
		if (ruleset_rule(d->conf.rules, i) == r)
			return i;
	return n;
}

static void
tally(struct dryrun *d, size_t ri, const struct alert_transition *t)
{
	struct rule_tally *rt = &d->tally[ri];

	if (t->state == ALERT_FIRING && !t->repeat) {
		rt->fired++;
		if (rt->open_since == EVENT_TIME_NONE)
			rt->open_since = t->at_ms;
		if (d->plot)
			plot_span(d->plot, (unsigned)ri, t->at_ms, INT64_MAX);
	} else if (t->state == ALERT_RESOLVED &&
	    rt->open_since != EVENT_TIME_NONE) {
		int64_t span = t->at_ms - rt->open_since;
		rt->total_ms += span;
		if (span > rt->longest_ms)
			rt->longest_ms = span;
		if (d->plot)
			plot_span(d->plot, (unsigned)ri, rt->open_since,
			    t->at_ms);
		rt->open_since = EVENT_TIME_NONE;
	}
}

/* The notifier's backend in dry-run: the tally, then the console. */
static void
timeline(void *arg, const struct alert_transition *t)
{
	struct dryrun *d = arg;
	size_t ri = rule_index(d, t->rule);

	if (ri < ruleset_count(d->conf.rules))
		tally(d, ri, t);
	d->transitions++;
	notify_console(&d->console, t);
}

static void
on_value(void *arg, size_t rule_idx, int64_t t_ms, double value)
{
	struct dryrun *d = arg;

	if (d->plot != NULL)
		plot_value(d->plot, (unsigned)rule_idx, t_ms, value);
}

static int
parse_time_arg(const char *s, int64_t *ms)
{
	size_t len = strlen(s);

	if (ts_parse_iso8601(s, len, ms) == 0)
		return 0;
	/* Allow a time without zone as UTC: "2026-11-22T14:00:00". */
	if (len == 19) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%sZ", s);
		return ts_parse_iso8601(buf, len + 1, ms);
	}
	return -1;
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress(const struct replay *rp, uint64_t lines, double t0, bool final)
{
	uint64_t done = replay_bytes_done(rp), total = replay_bytes_total(rp);
	double el = now_sec() - t0, frac = total ? (double)done / (double)total : 1;
	int bar = 30, fill = (int)(frac * bar);
	double eta = frac > 0.001 ? el / frac - el : 0;

	if (frac > 1)
		frac = 1, fill = bar;
	fprintf(stderr, "\r[%.*s%*s] %3.0f%%  %.1f/%.1f MB  %.2fM lines/s  "
	    "ETA %d:%02d ", fill, "==============================",
	    bar - fill, "", frac * 100, (double)done / 1e6, (double)total / 1e6,
	    el > 0 ? (double)lines / el / 1e6 : 0, (int)eta / 60,
	    (int)eta % 60);
	if (final)
		fprintf(stderr, "\r%*s\r", 100, "");
}

static void
print_duration(FILE *f, int64_t ms)
{
	char buf[32];

	template_format_duration(ms, buf, sizeof(buf));
	fputs(buf, f);
}

/* A kept line, control bytes shown as '?'. */
static void
print_sample(const char *line)
{
	for (const char *c = line; *c; c++)
		putchar((unsigned char)*c < 0x20 ? '?' : *c);
	putchar('\n');
}

static void
summary(struct dryrun *d, const struct replay *rp)
{
	size_t n = ruleset_count(d->conf.rules);
	const struct engine_stats *es = engine_stats(d->engine);

	printf("\nsummary by rule:\n");
	for (size_t i = 0; i < n; i++) {
		const char *name = rule_name(ruleset_rule(d->conf.rules, i));
		struct rule_tally *rt = &d->tally[i];
		struct engine_rule_stats rs;

		if (!rule_selected(d, name))
			continue;
		engine_rule_stats(d->engine, i, &rs);
		printf("  %-28s fired %llu time%s, firing ", name,
		    (unsigned long long)rt->fired, log_plural(rt->fired));
		print_duration(stdout, rt->total_ms);
		printf(" in all, longest ");
		print_duration(stdout, rt->longest_ms);
		printf(", %llu event%s matched", (unsigned long long)rs.matched,
		    log_plural(rs.matched));
		if (rt->open_since != EVENT_TIME_NONE)
			printf(", still firing at the end");
		if (rs.overflowed)
			printf(", %llu event%s in the overflow group",
			    (unsigned long long)rs.overflowed,
			    log_plural(rs.overflowed));
		if (rs.regex_ns >= 1000000)
			printf(", %.0f ms in regexes", (double)rs.regex_ns / 1e6);
		if (rs.regex_limit_hits)
			printf(", %llu regex limit hit%s",
			    (unsigned long long)rs.regex_limit_hits,
			    log_plural(rs.regex_limit_hits));
		if (rs.quarantined)
			printf(", QUARANTINED (regex kept hitting its limit)");
		printf("\n");
	}
	printf("\nsummary by input:\n");
	for (unsigned i = 0; i < d->conf.ninputs; i++) {
		const struct replay_stats *st = replay_input_stats(rp, i);

		if (st->files == 0)
			continue;
		printf("  %-28s %llu file%s, %llu line%s, %llu event%s, "
		       "%llu failed to parse",
		    d->conf.inputs[i].name, (unsigned long long)st->files,
		    log_plural(st->files), (unsigned long long)st->lines,
		    log_plural(st->lines), (unsigned long long)st->in.events,
		    log_plural(st->in.events), (unsigned long long)st->in.bad);
		if (st->long_lines)
			printf(", %llu cut at the line cap",
			    (unsigned long long)st->long_lines);
		if (st->in.unplaced)
			printf(", %llu without a time (not replayed)",
			    (unsigned long long)st->in.unplaced);
		if (st->out_of_time)
			printf(", %llu out of time (more than %d min from the "
			       "lines around, placed at the line before)",
			    (unsigned long long)st->out_of_time,
			    REPLAY_JUMP_MS / 60000);
		if (st->before_from)
			printf(", %llu before --from",
			    (unsigned long long)st->before_from);
		printf("\n");
		if (st->in.bad) {
			printf("      first failure: %s\n      line: ",
			    st->in.bad_error);
			print_sample(st->in.bad_sample);
		}
		if (st->out_of_time) {
			printf("      first out of time: ");
			print_sample(st->wild_sample);
		}
	}
	if (es->late)
		printf("\n%llu event%s arrived more than the slack out of time "
		       "order and %s dropped\n",
		    (unsigned long long)es->late, log_plural(es->late),
		    es->late == 1 ? "was" : "were");
}

/* Close the firing spans still open at the end of the replay. */
static void
close_open_spans(struct dryrun *d)
{
	size_t n = ruleset_count(d->conf.rules);

	for (size_t i = 0; i < n; i++) {
		struct rule_tally *rt = &d->tally[i];
		int64_t span;

		if (rt->open_since == EVENT_TIME_NONE)
			continue;
		span = d->last_ms - rt->open_since;
		rt->total_ms += span;
		if (span > rt->longest_ms)
			rt->longest_ms = span;
		if (d->plot)
			plot_span(d->plot, (unsigned)i, rt->open_since,
			    d->last_ms);
	}
}

static int
add_logs(struct replay *rp, const struct conf *c, char **inputs,
    unsigned ninputs, char **logs, int nlogs)
{
	char err[PATH_MAX + 128];

	for (unsigned i = 0; i < ninputs; i++) {
		char *eq = strchr(inputs[i], '=');
		int in;

		if (eq == NULL) {
			log_warnx("--input wants NAME=LOG, not \"%s\"",
			    inputs[i]);
			return -1;
		}
		*eq = '\0';
		if ((in = conf_input_find(c, inputs[i])) < 0) {
			log_warnx("--input: no input called \"%s\" in \"%s\"",
			    inputs[i], c->file);
			return -1;
		}
		if (replay_add(rp, eq + 1, in, err, sizeof(err)) < 0) {
			log_warnx("\"%s\": %s", eq + 1, err);
			return -1;
		}
	}
	for (int i = 0; i < nlogs; i++) {
		if (replay_add(rp, logs[i], -1, err, sizeof(err)) < 0) {
			log_warnx("\"%s\": %s", logs[i], err);
			return -1;
		}
	}
	return 0;
}

static struct replay *
make_replay(const struct conf *c)
{
	struct replay_input *ri = calloc(c->ninputs ? c->ninputs : 1,
	    sizeof(*ri));
	struct replay *rp;

	if (ri == NULL)
		return NULL;
	for (unsigned i = 0; i < c->ninputs; i++) {
		ri[i].name = c->inputs[i].name;
		ri[i].path = c->inputs[i].path;
		ri[i].parser = c->inputs[i].parser;
		ri[i].prog = c->inputs[i].prog;
		ri[i].fields = c->fields;
		ri[i].line_max = (size_t)c->line_max;
	}
	rp = replay_new(ri, c->ninputs);
	free(ri);
	return rp;
}

/* Feed every event to the engine, a run at a time (the replay keeps to
 * --from/--to); the number of events fed. */
static uint64_t
run_replay(struct dryrun *d, struct replay *rp, bool show_progress)
{
	double t0 = now_sec();
	uint64_t n = 0;
	unsigned input;
	struct log_event *ev;
	size_t m;

	while (replay_next(rp, &input, &ev, &m)) {
		uint64_t before = n;

		for (size_t k = 0; k < m; k++)
			if (ev[k].time_ms != EVENT_TIME_NONE &&
			    ev[k].time_ms > d->last_ms)
				d->last_ms = ev[k].time_ms;
		engine_feed_run(d->engine, input, ev, m);
		n += m;
		if (show_progress && (n >> 16) != (before >> 16))
			progress(rp, n, t0, false);
	}
	if (show_progress)
		progress(rp, n, t0, true);
	return n;
}

static int
setup(struct dryrun *d)
{
	size_t n = ruleset_count(d->conf.rules);

	d->tally = calloc(n ? n : 1, sizeof(*d->tally));
	d->sink_names = calloc(d->conf.nsinks ? d->conf.nsinks : 1,
	    sizeof(*d->sink_names));
	if (d->tally == NULL || d->sink_names == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		d->tally[i].open_since = EVENT_TIME_NONE;
	for (unsigned i = 0; i < d->conf.nsinks; i++)
		d->sink_names[i] = d->conf.sinks[i].name;
	for (unsigned i = 0; i < d->nonly; i++) {
		bool found = false;
		for (size_t r = 0; r < n; r++)
			found |= strcmp(rule_name(ruleset_rule(d->conf.rules,
			    r)), d->only[i]) == 0;
		if (!found) {
			log_warnx("--rule: no rule called \"%s\"", d->only[i]);
			return -1;
		}
	}
	notifier_init(&d->notifier, timeline, d);
	for (unsigned i = 0; i < d->nonly; i++)
		(void)notifier_only(&d->notifier, d->only[i]);
	d->console = (struct notify_console){ stdout, d->json, d->sink_names };
	d->engine = engine_new(d->conf.rules, notifier_emit, &d->notifier);
	if (d->engine == NULL)
		return -1;
	/* Values are only collected for --plot: the observer is a call per
	 * rule and event. */
	if (d->plot != NULL)
		engine_set_observer(d->engine, on_value, d);
	return 0;
}

static void
plot_setup(struct dryrun *d)
{
	size_t n = ruleset_count(d->conf.rules);

	for (size_t i = 0; i < n; i++) {
		const struct rule *r = ruleset_rule(d->conf.rules, i);
		if (rule_selected(d, rule_name(r)))
			plot_rule(d->plot, (unsigned)i, rule_name(r),
			    rule_op(r), rule_threshold(r));
	}
}

static int
write_plot(struct dryrun *d, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || plot_write(d->plot, f) == -1) {
		log_warn("cannot write \"%s\"", path);
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f) == EOF) {
		log_warn("cannot write \"%s\"", path);
		return -1;
	}
	return 0;
}

int
cmd_dryrun(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "rule", required_argument, NULL, 'r' },
		{ "input", required_argument, NULL, 'i' },
		{ "plot", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dryrun d;
	const char *conf_path = CONF_PATH_DEFAULT, *plot_path = NULL;
	char *inputs[REPLAY_FILES_MAX];
	unsigned ninputs = 0, unreadable;
	int64_t from = INT64_MIN, to = INT64_MAX;
	struct replay *rp = NULL;
	int ch, status = 1;

	memset(&d, 0, sizeof(d));
	d.last_ms = INT64_MIN;
	while ((ch = getopt_long(argc, argv, "c:jr:i:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'j':
			d.json = true;
			break;
		case 'F':
		case 'T':
			if (parse_time_arg(optarg, ch == 'F' ? &from : &to)) {
				log_warnx("bad time \"%s\" (want ISO 8601, "
				    "e.g. 2026-11-22T14:00:00Z)", optarg);
				return 1;
			}
			break;
		case 'r':
			if (d.nonly == DRYRUN_RULES_MAX)
				fatalx("too many --rule arguments");
			d.only[d.nonly++] = optarg;
			break;
		case 'i':
			if (ninputs == REPLAY_FILES_MAX)
				fatalx("too many --input arguments");
			inputs[ninputs++] = optarg;
			break;
		case 'p':
			plot_path = optarg;
			break;
		case 'h':
			cmd_dryrun_usage(stdout);
			return 0;
		default:
			cmd_dryrun_usage(stderr);
			return 1;
		}
	}
	if (optind == argc && ninputs == 0) {
		cmd_dryrun_usage(stderr);
		return 1;
	}
	if (from > to) {
		log_warnx("--from is later than --to: nothing to replay");
		return 1;
	}
	if (conf_load(&d.conf, conf_path, NULL, NULL) == -1)
		return 1;
	if (plot_path && (d.plot = plot_new((unsigned)ruleset_count(
	    d.conf.rules))) == NULL)
		fatalx("out of memory");
	if (setup(&d) == -1)
		goto done;
	if (d.plot)
		plot_setup(&d);
	if ((rp = make_replay(&d.conf)) == NULL)
		fatalx("out of memory");
	if (add_logs(rp, &d.conf, inputs, ninputs, argv + optind,
	    argc - optind) == -1)
		goto done;
	replay_set_range(rp, from, to);
	unreadable = replay_prepare(rp);
	run_replay(&d, rp, isatty(STDERR_FILENO) && !d.json);
	replay_stop(rp);
	/* The input ended: its last second is complete. */
	engine_flush(d.engine);
	close_open_spans(&d);
	if (!d.json) {
		if (d.transitions == 0)
			printf("no alert would have been sent\n");
		summary(&d, rp);
	}
	fflush(stdout);
	status = unreadable || replay_errors(rp) ? 2 : 0;
	if (d.plot && write_plot(&d, plot_path) == -1)
		status = 2;
done:
	replay_free(rp);
	engine_free(d.engine);
	plot_free(d.plot);
	free(d.tally);
	free(d.sink_names);
	conf_release(&d.conf);
	return status;
}
