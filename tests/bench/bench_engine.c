/*
 * bench_engine - the rules' cost on pre-parsed events, beside the parse
 * cost of the same lines: `bench_engine CONF LOG [INPUT]`.
 *
 * Loads CONF (its rules and the input's compiled format, want() set to the
 * fields the rules read, as dry-run does), reads LOG into memory, then in
 * batches of BATCH lines parses the batch into an array of events (timed
 * as "parse"), then feeds the array to the engine (timed as "rules").
 * The events of a batch go to the engine with one engine_feed_run, as
 * dry-run hands it a run of one input's events. Runs PASSES times with a
 * fresh engine and keeps the best time of each. Prints lines, both times,
 * events/s through the rules and the ratio rules/parse, which the
 * rule-engine issue wants below 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/conf.h"
#include "rules/engine.h"
#include "parsers/compat.h"

#define BATCH  512
#define PASSES 3

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_transition(void *arg, const struct alert_transition *t)
{
	(*(unsigned long *)arg)++;
	(void)t;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
		return NULL;
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return NULL;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int
main(int argc, char **argv)
{
	static struct log_event ev[BATCH];
	struct conf c;
	struct engine *e;
	const struct conf_input *in;
	unsigned long transitions = 0, lines = 0, events = 0;
	double t_parse = 0, t_rules = 0, t0;
	size_t len;
	char *data, *p, *end;
	int input;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_engine CONF LOG [INPUT]\n");
		return 1;
	}
	memset(&c, 0, sizeof(c));
	if (conf_load(&c, argv[1], NULL, NULL) == -1)
		return 1;
	input = argc > 3 ? conf_input_find(&c, argv[3]) : 0;
	if (input < 0 || (unsigned)input >= c.ninputs ||
	    (data = slurp(argv[2], &len)) == NULL) {
		fprintf(stderr, "bench_engine: bad input or log\n");
		return 1;
	}
	in = &c.inputs[input];
	/* Best of PASSES for each of the two times: the machine's noise
	 * only ever adds. */
	for (int pass = 0; pass < PASSES; pass++) {
		double tp = 0, tr = 0;

		transitions = lines = events = 0;
		e = engine_new(c.rules, on_transition, &transitions);
		if (e == NULL) {
			fprintf(stderr, "bench_engine: out of memory\n");
			return 1;
		}
		for (p = data, end = data + len; p < end;) {
			unsigned n = 0;

			t0 = now();
			while (n < BATCH && p < end) {
				char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t l =
				    nl ? (size_t)(nl - p) : (size_t)(end - p);

				event_reset(&ev[n], p, l);
				if (in->parser->parse(in->prog, p, l, &ev[n]) ==
				    PARSE_OK)
					n++;
				lines++;
				p += l + (nl != NULL);
			}
			tp += now() - t0;
			t0 = now();
			engine_feed_run(e, (unsigned)input, ev, n);
			tr += now() - t0;
			events += n;
		}
		t0 = now();
		engine_tick(e, engine_now(e)); /* the last second's groups */
		tr += now() - t0;
		engine_free(e);
		if (pass == 0 || tp < t_parse)
			t_parse = tp;
		if (pass == 0 || tr < t_rules)
			t_rules = tr;
	}
	printf(
	    "lines=%lu events=%lu rules=%zu transitions=%lu "
	    "parse_s=%.3f rules_s=%.3f parse_ns_per_line=%.0f "
	    "rules_ns_per_event=%.0f events_per_s=%.0f rules_over_parse=%.2f\n",
	    lines, events, ruleset_count(c.rules), transitions, t_parse,
	    t_rules, t_parse / (double)lines * 1e9,
	    t_rules / (double)events * 1e9, (double)events / t_rules,
	    t_rules / t_parse);
	conf_release(&c);
	free(data);
	return 0;
}
