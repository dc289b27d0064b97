/*
 * cmd_parse - `klaxon parse --format NAME [--log-format STR] [FILE...]`.
 *
 * Prints one JSON object per event with every field the parser found, so
 * that an operator can see what a rule will see before writing it, and a
 * wrong log_format shows at once as parse_error objects. A bad line never
 * stops the command: the exit status is 0 unless a file cannot be read
 * (2) or the arguments or the format are wrong (1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/cmd.h"
#include "agent/evjson.h"
#include "agent/ingest.h"
#include "agent/log.h"
#include "agent/reader.h"
#include "agent/records.h"
#include "parsers/parser.h"
#include "parsers/tz.h"
#include "parsers/compat.h"

struct parse_ctx {
	const struct parser *parser;
	struct parser_prog *prog;
	struct field_table fields;
	struct ingest ing; /* one stream per file */
	struct ingest_stats st; /* of all files */
	struct log_event ev;
};

void
cmd_parse_usage(FILE *f)
{
	fprintf(f,
	    "usage: klaxon parse --format NAME [--log-format STR] "
	    "[--timezone ZONE] [FILE...]\n"
	    "  Print each record of FILE (or standard input) as one JSON "
	    "object.\n"
	    "  -f, --format NAME    the log format, one of\n"
	    "                      ");
	for (const struct parser *const *p = parser_all(); *p; p++)
		fprintf(f, " %s", (*p)->name);
	fprintf(f,
	    "\n"
	    "  -l, --log-format STR nginx log_format / gunicorn "
	    "access_log_format, as in the\n"
	    "                       server's config (default: the format's "
	    "own)\n"
	    "  -z, --timezone ZONE  zone of timestamps written without one, "
	    "e.g. Europe/Berlin\n"
	    "                       (default: the host's)\n"
	    "  -h, --help           this text\n");
}

static void
print_bad(struct parse_ctx *c, const struct log_event *ev)
{
	char msg[256];
	json_t *o = json_object();

	parser_error_text(ev, &c->fields, msg, sizeof(msg));
	json_object_set_new(o, "parse_error", json_string(msg));
	json_object_set_new(o, "line", evjson_string(ev->line.p, ev->line.len));
	json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	json_decref(o);
}

/* One record through the ingest stage: the event as a rule sees it
 * (with the time it takes when it has none), or the failure. */
static void
handle(struct parse_ctx *c, struct sv rec, uint32_t flags)
{
	struct log_event *ev = &c->ev;
	json_t *o;

	switch (ingest_record(&c->ing, rec, flags, EVENT_TIME_NONE, ev)) {
	case INGEST_SKIP:
		return;
	case INGEST_BAD:
		print_bad(c, ev);
		return;
	case INGEST_TIMED:
		ingest_place(&c->ing, ev);
		break;
	default:
		break;
	}
	o = evjson_event(ev, &c->fields);
	if (o == NULL)
		fatalx("out of memory");
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(o);
}

/* 0, or 2 when the file cannot be read. */
static int
parse_file(struct parse_ctx *c, const char *path)
{
	struct reader *r = reader_open(path, 0);
	struct records rs;
	const char *line;
	size_t len;
	uint32_t flags;
	struct sv rec;
	enum reader_rc rc;

	if (r == NULL) {
		log_warn("cannot open \"%s\"", path);
		return 2;
	}
	ingest_init(&c->ing, c->parser, c->prog, &c->fields, &c->st);
	if (records_init(&rs, c->parser, c->prog, 0) == -1)
		fatal("records");
	while ((rc = reader_next(r, &line, &len, &flags)) == READER_LINE) {
		if (records_push(&rs, line, len, flags, &rec, &flags))
			handle(c, rec, flags);
	}
	if (records_flush(&rs, &rec, &flags))
		handle(c, rec, flags);
	if (reader_long_lines(r) > 0)
		log_warnx("\"%s\": %llu line%s longer than %d bytes %s cut",
		    path, (unsigned long long)reader_long_lines(r),
		    log_plural(reader_long_lines(r)), READER_LINE_MAX_DEFAULT,
		    reader_long_lines(r) == 1 ? "was" : "were");
	records_release(&rs);
	if (rc == READER_ERR) {
		log_warnx("cannot read \"%s\": %s", path, reader_error(r));
		reader_close(r);
		return 2;
	}
	reader_close(r);
	return 0;
}

int
cmd_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "log-format", required_argument, NULL, 'l' },
		{ "timezone", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct parse_ctx c;
	struct parser_opts po = { 0 };
	const char *format = NULL;
	char err[256];
	int ch, status = 0;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "f:l:z:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			format = optarg;
			break;
		case 'l':
			po.log_format = optarg;
			break;
		case 'z':
			po.timezone = optarg;
			break;
		case 'h':
			cmd_parse_usage(stdout);
			return 0;
		default:
			cmd_parse_usage(stderr);
			return 1;
		}
	}
	if (format == NULL) {
		cmd_parse_usage(stderr);
		return 1;
	}
	if ((c.parser = parser_lookup(format)) == NULL) {
		log_warnx("unknown format \"%s\"", format);
		cmd_parse_usage(stderr);
		return 1;
	}
	if (c.parser->local_time) {
		/* A zone that cannot be loaded is not a log_format problem. */
		struct ts_zone *z = ts_zone_load(po.timezone, err, sizeof(err));

		if (z == NULL) {
			log_warnx("%s%s", err,
			    po.timezone ? " (from --timezone)" : "");
			return 1;
		}
		ts_zone_free(z);
	}
	field_table_init(&c.fields);
	po.fields = &c.fields;
	if ((c.prog = c.parser->compile(&po, err, sizeof(err))) == NULL) {
		log_warnx("bad log format for %s: %s", format, err);
		return 1;
	}
	if (optind == argc)
		status = parse_file(&c, "-");
	for (int i = optind; i < argc; i++) {
		if (parse_file(&c, argv[i]) != 0)
			status = 2;
	}
	fflush(stdout);
	fprintf(stderr,
	    "klaxon parse: %llu event%s, %llu parse error%s, "
	    "%llu skipped\n",
	    (unsigned long long)c.st.events, log_plural(c.st.events),
	    (unsigned long long)c.st.bad, log_plural(c.st.bad),
	    (unsigned long long)c.st.skipped);
	c.parser->prog_free(c.prog);
	return status;
}
