/*
 * cmd_check - `klaxon check [-c FILE] [-v]`: load the config and its rule
 * files exactly as `klaxon run` would, and say whether they are good.
 *
 * Every problem is printed as "file:line: message" on stderr (all of
 * them: conf_load does not stop at the first), warnings as "file:line:
 * warning: message"; the exit status is 1 when there was an error. On
 * success one line goes to stdout, "klaxon check: ok: N inputs, N rules, N
 * sinks (FILE)", so that CI logs show what was checked. -v first prints
 * every setting with its help text (secrets masked, never their value).
 * Golden tests in tests/check pin this output.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "agent/cmd.h"
#include "agent/conf.h"
#include "rules/rule.h"
#include "agent/log.h"
#include "parsers/compat.h"

struct check_count {
	unsigned errors;
};

static void
check_report(void *arg, enum conf_level level, const char *file, int line,
    const char *msg)
{
	struct check_count *n = arg;

	if (level == CONF_ERROR)
		n->errors++;
	conf_print_error(stderr, level, file, line, msg);
}

void
cmd_check_usage(FILE *f)
{
	fprintf(f,
	    "usage: klaxon check [-c FILE] [-v]\n"
	    "  Validate the config and its rule files: each problem as "
	    "\"file:line: message\",\n"
	    "  exit 1 if there is any.\n"
	    "  -c, --config FILE    the main config (default %s)\n"
	    "  -v, --verbose        also list every setting of every input, "
	    "sink and rule\n"
	    "  -h, --help           this text\n",
	    CONF_PATH_DEFAULT);
}

int
cmd_check(int argc, char **argv)
{
	const char *path = CONF_PATH_DEFAULT;
	struct check_count n = { 0 };
	struct conf c;
	bool verbose = false;
	size_t nrules;
	int ch;

	optind = 1;
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			cmd_check_usage(stdout);
			return 0;
		default:
			cmd_check_usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		cmd_check_usage(stderr);
		return 1;
	}
	if (conf_load(&c, path, check_report, &n) != 0) {
		fprintf(stderr, "klaxon check: %u error%s (%s)\n", n.errors,
		    log_plural(n.errors), path);
		return 1;
	}
	if (verbose)
		conf_dump(&c, stdout);
	nrules = ruleset_count(c.rules);
	printf("klaxon check: ok: %u input%s, %zu rule%s, %u sink%s (%s)\n",
	    c.ninputs, log_plural(c.ninputs), nrules, log_plural(nrules),
	    c.nsinks, log_plural(c.nsinks), path);
	conf_release(&c);
	return 0;
}
