/*
 * cmd - the subcommands of klaxon, one file each (cmd_<name>.c), called by
 * main.c with argv[0] = the command name. Each returns the process exit
 * status. Splitting the commands by file (rather than one main.c) keeps
 * each file small and lets each command be read alone.
 */
#ifndef AGENT_CMD_H
#define AGENT_CMD_H

#include <stdio.h>

int cmd_parse(int argc, char **argv);	/* klaxon parse */
int cmd_check(int argc, char **argv);	/* klaxon check */
int cmd_test(int argc, char **argv);	/* klaxon test */
int cmd_dryrun(int argc, char **argv);	/* klaxon dry-run */
int cmd_run(int argc, char **argv);	/* klaxon run */

/*
 * Each command's usage: the synopsis, what it does, and every option it
 * accepts, short and long (`klaxon --help` prints them all, and
 * tests/check/options.sh checks them against the option tables and the
 * man page).
 */
void cmd_parse_usage(FILE *f);
void cmd_check_usage(FILE *f);
void cmd_test_usage(FILE *f);
void cmd_dryrun_usage(FILE *f);
void cmd_run_usage(FILE *f);

#endif /* AGENT_CMD_H */
