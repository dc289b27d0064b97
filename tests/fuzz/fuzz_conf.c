/*
 * fuzz_conf - libFuzzer target for the config loader (agent/conf*.c) and,
 * through it, the rule compiler (rules/rule.c, expr.c, template.c).
 *
 * Input: when the first byte is 0x01, the rest is a rule file: it is
 * written to a private temporary file and loaded by a fixed main config
 * with one input of every format (the nginx one with the recommended
 * timed log_format, so that rules may read timings and an api key) and a
 * console and a slack sink. Otherwise the input is a main config, loaded
 * from memory. Either way the load must return 0 or -1 without a crash or
 * a leak, and a successful load must be released cleanly.
 *
 * Inputs that would make the loader read other files are skipped: an
 * @include, `rules` globs and "file:" secrets in a main config (a glob of
 * "/proc/..." would only test the machine). Those paths are covered by
 * tests/unit/test_conf.c and the golden tests in tests/check.
 *
 * Known leak, suppressed below: libconfig 1.5 (Debian 12) loses the string
 * token it was reading when a syntax error stops the parse (upstream
 * hyperrealm/libconfig issue #142, fixed by pull request #155 in 1.7).
 * Only libconfig's own allocations are suppressed; a leak in klaxon's code
 * still fails the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/conf.h"

#include "parsers/compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static char rule_path[] = "/tmp/klaxon-fuzz-conf-XXXXXX";
static int rule_fd = -1;
static char main_conf[2048];

static void
quiet(void *arg, enum conf_level level, const char *file, int line,
    const char *msg)
{
	(void)arg;
	(void)level;
	(void)file;
	(void)line;
	(void)msg;
}

static void
cleanup(void)
{
	unlink(rule_path);
}

static int
init(void)
{
	if (rule_fd != -1)
		return 0;
	if ((rule_fd = mkstemp(rule_path)) == -1)
		return -1;
	atexit(cleanup);
	snprintf(main_conf, sizeof(main_conf),
	    "inputs = {\n"
	    "  api_access = { format = \"nginx_access\"; path = \"/x\";\n"
	    "    log_format = \"$remote_addr - $remote_user [$time_local] "
	    "\\\"$request\\\" $status $body_bytes_sent \\\"$http_referer\\\" "
	    "\\\"$http_user_agent\\\" rt=$request_time "
	    "urt=\\\"$upstream_response_time\\\" us=\\\"$upstream_status\\\" "
	    "ua=\\\"$upstream_addr\\\" key=\\\"$http_x_api_key\\\" "
	    "host=\\\"$host\\\"\"; };\n"
	    "  nginx_errors = { format = \"nginx_error\"; path = \"/y\"; "
	    "timezone = \"UTC\"; };\n"
	    "  app_access = { format = \"gunicorn_access\"; path = \"/z\"; };\n"
	    "  app_errors = { format = \"gunicorn_error\"; path = \"/w\"; };\n"
	    "  uwsgi = { format = \"uwsgi\"; path = \"/v\"; };\n"
	    "};\n"
	    "sinks = {\n"
	    "  console = { type = \"console\"; };\n"
	    "  slack_ops = { type = \"slack\"; url = \"https://h.test/x\"; };\n"
	    "};\n"
	    "rules = [\"%s\"];\n",
	    rule_path);
	return 0;
}

static void
load_text(const char *text)
{
	struct conf c;

	if (conf_load_string(&c, text, "fuzz.conf", quiet, NULL) == 0)
		conf_release(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0 || size > 65536 || init() == -1)
		return 0;
	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	if (data[0] == 0x01) {
		if (ftruncate(rule_fd, 0) == -1 ||
		    pwrite(rule_fd, data + 1, size - 1, 0) !=
			(ssize_t)(size - 1))
			return 0;
		load_text(main_conf);
		return 0;
	}
	if (memmem(data, size, "rules", 5) != NULL ||
	    memmem(data, size, "file:", 5) != NULL)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	load_text(text);
	free(text);
	return 0;
}
