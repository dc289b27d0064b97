/*
 * conf - the main config file, the rule files and the rule test files,
 * read with libconfig into plain structs, validated, and compiled into the
 * objects the agent runs (one parser program per input, one rule set).
 *
 * The conf*.c files (conf.c, the main config; conf_rules.c, rule files;
 * conf_test.c, test files; conf_dump.c; their shared machinery, declared
 * in conf_impl.h) are the only ones that see libconfig: <libconfig.h> is
 * included by them and conf_impl.h, nowhere else. Every problem is reported
 * through a callback as (file, line, message), all of them, when the load
 * ends, sorted by file (in the order they were read) and line; then the
 * load fails: `klaxon check` lists every error of a broken file at once. A
 * struct conf owns everything it points to (strings live in one arena per
 * load); nothing here is global, so a reload builds a second struct conf
 * beside the running one and swaps.
 *
 * Secrets ("env:NAME" or "file:/path" in a sink) are resolved at load
 * into conf_kv.value and flagged; conf_dump() prints them masked, never
 * their value. conf_release() zeroes them before freeing.
 */
#ifndef AGENT_CONF_H
#define AGENT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parsers/field.h"
#include "parsers/parser.h"
#include "rules/rule.h"

#define CONF_PATH_DEFAULT    "/etc/klaxon/klaxon.conf"
#define CONF_INPUTS_MAX      RULE_SOURCES_MAX /* input ids fit a uint32_t */
#define CONF_SINKS_MAX       32
#define CONF_NAME_MAX        RULE_NAME_MAX /* input, sink, rule names */
#define CONF_RULE_FILES_MAX  1024
#define CONF_RULES_MAX       4096              /* rule definitions per load */
#define CONF_SECRET_MAX      4096              /* bytes of a file: secret */
#define CONF_FILE_MAX        (4 * 1024 * 1024) /* bytes of a config file */
#define CONF_LIST_MAX        64                /* elements of a list key */
#define CONF_TEST_CASES_MAX  1024
#define CONF_TEST_LINES_MAX  100000 /* log lines per test case */
#define CONF_TEST_EXPECT_MAX 1000   /* expectations per test case */

enum conf_level {
	CONF_ERROR = 0,
	CONF_WARNING,
};

/*
 * One problem. file may be NULL (no file known), line 0 (no line known).
 * msg is only valid during the call.
 */
typedef void conf_error_fn(void *arg, enum conf_level level, const char *file,
    int line, const char *msg);

/*
 * The default reporter: "file:line: msg", warnings "file:line: warning:
 * msg" (no ":line" when line is 0), one per line on arg (a FILE *; NULL
 * means stderr).
 */
void conf_print_error(void *arg, enum conf_level level, const char *file,
    int line, const char *msg);

enum conf_start {
	CONF_START_END = 0, /* a file with no checkpoint is read from its end */
	CONF_START_BEGINNING,
};

struct conf_input {
	const char *name;
	const char *file; /* where it is defined */
	int line;
	const char *format; /* parser name, "nginx_access" */
	const struct parser *parser;
	struct parser_prog *prog; /* owned by the conf; want() is set to
				     the fields the rules read */
	const char *path;         /* file or glob; NULL in test files */
	const char *log_format;   /* NULL: the format's default */
	const char *timezone;     /* NULL: $TZ or the host's zone */
	enum conf_start start_at;
	int64_t max_silence_ms; /* 0: not watched */
	uint64_t produces;      /* field ids the format can set */
};

enum conf_sink_type {
	CONF_SINK_CONSOLE = 0,
	CONF_SINK_SLACK,
	CONF_SINK_PAGERDUTY,
	CONF_SINK_TWILIO,
	CONF_SINK_WEBHOOK,
	CONF_SINK_ALERTMANAGER,
	CONF_SINK_EMAIL,
};

/*
 * One setting of a sink, after defaults and secret resolution. Every key
 * of the sink's type is present (given or defaulted) except optional
 * keys with no default.
 */
struct conf_kv {
	const char *key;
	const char *value;       /* text; for a list, its first element */
	const char *const *list; /* list keys: nlist elements; scalars:
				    nlist 1 and list[0] == value */
	unsigned nlist;
	int64_t num;        /* durations (ms) and integers */
	const char *source; /* "env:NAME" / "file:PATH" as written,
			       NULL when the value was inline */
	bool secret;        /* never print value */
	int line;           /* 0: a default */
};

struct conf_sink {
	const char *name;
	const char *file;
	int line;
	enum conf_sink_type type;
	const char *type_name; /* "slack" */
	const struct conf_kv *kv;
	unsigned nkv;
};

struct conf_arena; /* opaque: see conf_ctx.c */

struct conf {
	const char *file;          /* the main file (or test file) */
	struct conf_input *inputs; /* index = input id of the engine */
	unsigned ninputs;
	struct conf_sink *sinks; /* index = sink id of the rules */
	unsigned nsinks;
	const char *const *rule_globs; /* as written, in `rules` */
	unsigned nrule_globs;
	const char *const *rule_files; /* the files loaded, resolved */
	unsigned nrule_files;
	const struct rule_def *rule_defs; /* as read, for conf_dump */
	size_t nrule_defs;
	const char *state_dir;
	unsigned default_notify[RULE_NOTIFY_MAX];
	unsigned ndefault_notify;
	const char *metrics_listen; /* NULL: no /metrics */
	int64_t line_max;           /* bytes kept of a log line */
	int64_t regex_match_limit;  /* 0: library default (expr.h) */
	int64_t regex_depth_limit;
	int64_t regex_subject_max;
	struct field_table *fields; /* shared by formats and rules */
	struct ruleset *rules;      /* NULL only after a failed load */
	unsigned nwarnings;
	struct conf_arena *arena;
};

/*
 * Load the main config at path, its rule files, compile every input's
 * format and the rules. Every error and warning goes to err (NULL: to
 * conf_print_error). Returns 0, or -1 after at least one error, with c
 * released (conf_release on it is harmless). c is caller storage and may
 * be moved after the load (nothing points into it).
 */
int conf_load(struct conf *c, const char *path, conf_error_fn *err, void *arg);

/*
 * The same from a string (tests, fuzzing): name is used in messages;
 * relative rule globs and file: secrets resolve against the current
 * directory. @include paths are taken as libconfig does (relative to the
 * current directory).
 */
int conf_load_string(struct conf *c, const char *text, const char *name,
    conf_error_fn *err, void *arg);

/* Free everything c owns (secrets are zeroed first). NULL-safe, and safe
 * on a zeroed struct. */
void conf_release(struct conf *c);

/* Index of the input / sink called name, or -1. */
int conf_input_find(const struct conf *c, const char *name);
int conf_sink_find(const struct conf *c, const char *name);

/* The setting key of sink s, or NULL when it has none. */
const struct conf_kv *conf_sink_kv(const struct conf_sink *s, const char *key);

/*
 * Describe everything loaded, for `klaxon check -v`: top-level settings,
 * inputs, sinks (secrets masked: "env:KLAXON_SLACK_URL (set, 83 bytes)"),
 * rules, each setting with its help text.
 */
void conf_dump(const struct conf *c, FILE *f);

/* "firing" and "resolved" expectations of a rule test. */
enum conf_expect_state {
	CONF_EXPECT_FIRING = 0,
	CONF_EXPECT_RESOLVED,
};

struct conf_test_expect {
	int line;
	const char *rule;
	enum conf_expect_state state;
	int64_t at_ms; /* whole seconds, UTC */
	bool has_group;
	unsigned ngroup;
	const char *group_names[RULE_GROUP_MAX];
	const char *group_values[RULE_GROUP_MAX];
	bool has_value;
	double value;
	double tolerance;    /* relative; see conf_test.c */
	const char *summary; /* substring, or NULL */
};

/* One log line of a test case, given for input `input`. */
struct conf_test_line {
	unsigned input;
	int line; /* in the test file */
	const char *text;
	size_t len;
};

struct conf_test_case {
	const char *name;
	int line;
	const struct conf_test_line *lines; /* per input, in file order */
	size_t nlines;
	int64_t until_ms; /* EVENT_TIME_NONE: not given */
	const struct conf_test_expect *expect;
	size_t nexpect;
};

struct conf_test {
	struct conf conf; /* inputs, sinks, compiled rules */
	const struct conf_test_case *cases;
	size_t ncases;
};

/*
 * Load a rule test file (format: see conf_test.c and
 * packaging/examples/tests): its rule files, its inputs (or those of a
 * main config named by `config`), and its test cases. Errors go to err
 * as for conf_load. Returns 0 or -1 (t released).
 */
int conf_test_load(
    struct conf_test *t, const char *path, conf_error_fn *err, void *arg);
void conf_test_release(struct conf_test *t);

#endif /* AGENT_CONF_H */
