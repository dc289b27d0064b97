/*
 * cmd - the subcommands of klaxon, one file each (cmd_<name>.c), called by
 * main.c with argv[0] = the command name. Each returns the process exit
 * status. Splitting the commands by file (rather than one main.c) keeps
 * each under the size limit of STYLE.md and lets them be read alone.
 */
#ifndef AGENT_CMD_H
#define AGENT_CMD_H

int cmd_parse(int argc, char **argv);	/* klaxon parse */
int cmd_check(int argc, char **argv);	/* klaxon check */
int cmd_test(int argc, char **argv);	/* klaxon test */
int cmd_dryrun(int argc, char **argv);	/* klaxon dry-run */

#endif /* AGENT_CMD_H */
