/*
 * bench_parse - parser throughput on a file held in memory.
 *
 *   bench_parse FORMAT FILE [LOG_FORMAT] [--want f1,f2,...] [--runs N]
 *
 * Reads FILE whole, then (N times, default 3, best run reported) splits
 * it into lines with memchr and parses each line with the parser called
 * FORMAT, compiled from LOG_FORMAT (default: the format's own). --want
 * limits the typed conversions to the named fields, as a rule set would
 * (parser->want). Prints one line of key=value pairs: lines, bytes,
 * seconds, lines_per_s, mb_per_s, ns_per_line, failures (BAD + SKIP).
 *
 * Not a unit test: the numbers depend on the machine. tests/bench/run.sh
 * runs it beside wc -l on the same file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parsers/parser.h"
#include "parsers/compat.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bench_parse FORMAT FILE [LOG_FORMAT] "
	    "[--want f1,f2,...] [--runs N]\n");
	exit(2);
}

static char *
read_file(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (f == NULL) {
		fprintf(stderr, "bench_parse: open \"%s\": %s\n", path,
		    strerror(errno));
		exit(1);
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if ((buf = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "bench_parse: out of memory\n");
				exit(1);
			}
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "bench_parse: read \"%s\" failed\n", path);
		exit(1);
	}
	fclose(f);
	*lenp = len;
	return buf;
}

/* "a,b,c" -> bit mask of field ids in t; exits on an unknown name. */
static uint64_t
want_mask(const struct field_table *t, const char *list)
{
	uint64_t mask = 0;
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		int id = field_lookup(t, p, n);

		if (id < 0) {
			fprintf(stderr, "bench_parse: unknown field \"%.*s\"\n",
			    (int)n, p);
			exit(2);
		}
		mask |= UINT64_C(1) << id;
		p += n + (p[n] == ',');
	}
	return mask;
}

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *format, *path, *log_format = NULL, *want = NULL;
	const struct parser *ps;
	struct field_table fields;
	struct parser_opts opts;
	struct parser_prog *prog;
	struct log_event *ev;
	char err[256], *buf;
	size_t len, lines = 0, failures = 0;
	double best = 0, sum = 0;
	long runs = 3;

	if (argc < 3)
		usage();
	format = argv[1];
	path = argv[2];
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--want") == 0 && i + 1 < argc)
			want = argv[++i];
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = strtol(argv[++i], NULL, 10);
		else if (log_format == NULL && argv[i][0] != '-')
			log_format = argv[i];
		else
			usage();
	}
	if (runs < 1 || runs > 100)
		usage();
	if ((ps = parser_lookup(format)) == NULL) {
		fprintf(stderr, "bench_parse: no format \"%s\"\n", format);
		return 2;
	}
	field_table_init(&fields);
	opts.log_format = log_format;
	opts.timezone = "UTC";
	opts.fields = &fields;
	if ((prog = ps->compile(&opts, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_parse: %s: %s\n", format, err);
		return 2;
	}
	if (want != NULL && ps->want != NULL)
		ps->want(prog, want_mask(&fields, want));
	if ((ev = malloc(sizeof(*ev))) == NULL)
		return 1;
	buf = read_file(path, &len);

	for (long r = 0; r < runs; r++) {
		const char *p = buf, *end = buf + len, *nl;
		double t0 = now_sec(), dt;

		lines = failures = 0;
		sum = 0;
		for (; p < end; p = nl + 1) {
			size_t n;

			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				nl = end;
			n = (size_t)(nl - p);
			lines++;
			if (ps->parse(prog, p, n, ev) != PARSE_OK)
				failures++;
			else if (event_has_num(ev, FIELD_STATUS))
				sum += ev->num[FIELD_STATUS];
		}
		dt = now_sec() - t0;
		if (r == 0 || dt < best)
			best = dt;
	}
	printf("format=%s lines=%zu bytes=%zu seconds=%.4f lines_per_s=%.0f "
	       "mb_per_s=%.1f ns_per_line=%.1f failures=%zu checksum=%.0f\n",
	    format, lines, len, best, (double)lines / best,
	    (double)len / best / 1e6, best * 1e9 / (double)(lines ? lines : 1),
	    failures, sum);
	ps->prog_free(prog);
	free(ev);
	free(buf);
	return 0;
}
