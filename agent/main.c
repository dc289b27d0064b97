/*
 * main - klaxon's command line: picks the subcommand and hands over.
 *
 * Startup order for every command: logging first (so every later failure
 * is reported the same way), then the command, which loads what it needs.
 * The commands live in cmd_<name>.c.
 */
#include <stdio.h>
#include <string.h>

#include "agent/cmd.h"
#include "agent/gunzip.h"
#include "agent/log.h"
#include "rules/expr.h"
#include "parsers/compat.h"

#ifndef KLAXON_VERSION
#define KLAXON_VERSION "0.1.0"
#endif

static const struct command {
	const char *name;
	int (*fn)(int, char **);
	void (*usage)(FILE *);
} commands[] = {
	{ "run", cmd_run, cmd_run_usage },
	{ "check", cmd_check, cmd_check_usage },
	{ "test", cmd_test, cmd_test_usage },
	{ "dry-run", cmd_dryrun, cmd_dryrun_usage },
	{ "parse", cmd_parse, cmd_parse_usage },
};

/* Every command with every option: each command's own usage text. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "klaxon tails nginx, gunicorn and uwsgi logs and alerts "
	    "on what they mean.\n"
	    "usage: klaxon COMMAND [ARGS]; the commands:\n\n");
	for (size_t i = 0; i < NELEM(commands); i++) {
		commands[i].usage(f);
		fputc('\n', f);
	}
	fprintf(f,
	    "usage: klaxon version\n"
	    "  Print the version (also --version).\n\n"
	    "usage: klaxon help\n"
	    "  This text (also --help, -h).\n\n"
	    "See klaxon(8) and README.md.\n");
}

/*
 * An error, not a warning: nothing was done. The exit status is that of
 * every usage error (klaxon(8), EXIT STATUS), and the hint names the
 * commands instead of repeating the whole usage.
 */
static void
unknown_command(const char *name)
{
	fprintf(stderr,
	    "klaxon: unknown command '%s'\nusage: klaxon COMMAND "
	    "[ARGS]; commands: ",
	    name);
	for (size_t i = 0; i < NELEM(commands); i++)
		fprintf(stderr, "%s, ", commands[i].name);
	fprintf(stderr, "version (klaxon --help tells more)\n");
}

int
main(int argc, char **argv)
{
	log_init("klaxon", LOG_LVL_INFO);
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("klaxon %s (gzip: %s, pcre2 jit: %s)\n", KLAXON_VERSION,
		    gunzip_engine(), expr_jit_available() ? "yes" : "no");
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < NELEM(commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		/* Said once, loudly: without JIT (a MemoryDenyWriteExecute
		 * sandbox) regexes run in the interpreter under stricter
		 * limits, and long subjects may hit them. */
		if (commands[i].fn != cmd_parse && !expr_jit_available())
			log_warnx("PCRE2 JIT is unavailable here: regexes run in "
			    "the interpreter with stricter match limits");
		return commands[i].fn(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "run") == 0) {
		log_warnx("the live agent (klaxon run) is not in this version "
		    "yet: try rules with klaxon dry-run on archived logs");
		return 1;
	}
	unknown_command(argv[1]);
	return 1;
}
