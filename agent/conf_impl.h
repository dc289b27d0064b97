/*
 * conf_impl - what the conf*.c files share, and nothing else includes.
 *
 * The config loader is split by concern (README.md, "Hacking"):
 *   conf.c        the main config: its key tables (top level, inputs,
 *                 sinks), inputs and sinks, conf_load / conf_load_string /
 *                 conf_release, the load's begin and end
 *   conf_ctx.c    the load context: the arena, the messages held and
 *                 sorted until the end of the load, allocation that
 *                 reports running out of memory, file names as people
 *                 read them
 *   conf_read.c   reading files: size-capped regular files, paths,
 *                 libconfig's open, the scan for the integer literals
 *                 libconfig 1.5 wraps
 *   conf_walk.c   the key-table walker: one libconfig group read against
 *                 a table of struct conf_kdef, secrets resolved
 *   conf_rules.c  rule files -> struct rule_def -> ruleset_compile()
 *   conf_test.c   the rule test files of `klaxon test`
 *   conf_dump.c   conf_dump(), for `klaxon check -v`
 *
 * This header and those files are the only ones that see libconfig. All
 * of it is private to the loader: the names carry the conf_ prefix (the
 * table vocabulary K_*, KF_*, AT() and the table indexes T_*, I_* keep
 * their short names; they mean nothing outside these files).
 *
 * Invariant: every function here that gives up reports once through the
 * struct conf_ctx it is given (conf_error ...) and returns; none exits.
 */
#ifndef AGENT_CONF_IMPL_H
#define AGENT_CONF_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include "agent/conf.h"
#include "rules/rule.h"

#define CONF_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- the load context (conf_ctx.c) -------------------------------------- */

/* load flags */
#define LOAD_TEST     0x1u /* a test file: paths optional, secrets as written */
#define LOAD_NO_RULES 0x2u /* a main config read for inputs and sinks only */

#define BADINT_MAX    64
#define FILECACHE_MAX 32
#define ORDER_MAX     64

struct conf_msg; /* a message held until the end of the load */

/* One load: what conf_load and conf_test_load carry from file to file. */
struct conf_ctx {
	struct conf *c;
	struct conf_arena *a;
	conf_error_fn *err;
	void *arg;
	unsigned nerr;
	unsigned flags;
	bool oom;
	const char *dir;    /* base of relative rule globs and file: secrets */
	const char *name;   /* file name of settings libconfig gives none */
	const char *top;    /* the file being read, as libconfig records it */
	const char *incdir; /* its include directory, or NULL */
	/* integer literals libconfig misreads (see conf_scan_ints) */
	struct {
		const char *file;
		int line;
	} bad[BADINT_MAX];
	unsigned nbad;
	const char *files[FILECACHE_MAX]; /* arena copies of file names */
	unsigned nfiles;
	struct rule_def *defs; /* malloc'd while loading */
	size_t ndefs, capdefs;
	const char **rfiles; /* rule files read (arena) */
	unsigned nrfiles;
	const char *order[ORDER_MAX]; /* files in the order they were read */
	unsigned norder;
	struct conf_msg *msgs; /* malloc'd; see conf_flush */
	size_t nmsgs, capmsgs, dropped;
};

/* A new empty arena, or NULL when out of memory (not reported). */
struct conf_arena *conf_arena_new(void);

/* Free the arena, its secrets zeroed first. NULL-safe. */
void conf_arena_free(struct conf_arena *a);

/*
 * Register p (len bytes, in the arena) to be zeroed before the arena is
 * freed. 0, or -1 after reporting.
 */
int conf_keep_secret(struct conf_ctx *x, char *p, size_t len);

/*
 * Messages: held, counted (errors in x->nerr, warnings in the conf) and
 * reported by conf_flush at the end of the load, sorted by file (in the
 * order conf_order saw them) and line. file NULL: the load's name.
 * conf_error / conf_warn take the file and line of setting s.
 */
void conf_error_at(struct conf_ctx *x, const char *file, int line,
    const char *fmt, ...) CONF_PRINTF(4, 5);
void conf_warn_at(struct conf_ctx *x, const char *file, int line,
    const char *fmt, ...) CONF_PRINTF(4, 5);
void conf_error(struct conf_ctx *x, const config_setting_t *s, const char *fmt,
    ...) CONF_PRINTF(3, 4);
void conf_warn(struct conf_ctx *x, const config_setting_t *s, const char *fmt,
    ...) CONF_PRINTF(3, 4);
void conf_order(struct conf_ctx *x, const char *file);
void conf_flush(struct conf_ctx *x);

/*
 * Arena memory, zeroed; NULL after reporting "out of memory" (once per
 * load). conf_array checks n * size for overflow.
 */
void *conf_alloc(struct conf_ctx *x, size_t n);
void *conf_array(struct conf_ctx *x, size_t n, size_t size);
char *conf_strndup(struct conf_ctx *x, const char *s, size_t len);
char *conf_strdup(struct conf_ctx *x, const char *s);

/* The arena name of file f as libconfig records it (NULL: the load's). */
const char *conf_file_name(struct conf_ctx *x, const char *f);

/* ---- reading files (conf_read.c) ---------------------------------------- */

/* The directory of path (in the arena), "." when it has none. */
const char *conf_dir_of(struct conf_ctx *x, const char *path);

/* rel resolved against dir (unless absolute or dir is "."), into buf. */
int conf_join_path(char *buf, size_t n, const char *dir, const char *rel);

/*
 * A regular file of at most max bytes, malloc'd and NUL-terminated; NULL
 * with errno set (EFBIG: too large, EINVAL: not a regular file).
 */
char *conf_read_small_file(const char *path, size_t max, size_t *lenp);

/* Open a libconfig file: 0, or -1 after reporting. cfg is always inited. */
int conf_read_file(struct conf_ctx *x, config_t *cfg, const char *path);

/*
 * Report the integer literals of text (or of every file cfg read) that
 * libconfig 1.5 wraps; conf_is_bad_int: s is one of them.
 */
void conf_scan_ints(
    struct conf_ctx *x, const char *file, const char *p, size_t n);
void conf_scan_cfg_ints(struct conf_ctx *x, const config_t *cfg);
bool conf_is_bad_int(struct conf_ctx *x, const config_setting_t *s);

/* ---- key tables (conf_walk.c) ------------------------------------------- */

enum conf_ktype {
	K_STR,      /* const char * */
	K_ENUM,     /* const char *, one of choices (kval.i = its index) */
	K_DURATION, /* "5m" -> int64_t ms */
	K_INT,      /* int64_t, min..max */
	K_LLONG,    /* long long, min..max */
	K_FLOAT,    /* double */
	K_BOOL,     /* bool */
	K_STRV,     /* list of strings (a single string is a list of one) */
	K_GROUP,    /* { ... }: read by the caller */
	K_GLIST,    /* ( { ... }, ... ): read by the caller */
};

#define KF_REQUIRED 0x1u  /* missing is an error */
#define KF_RUN      0x2u  /* required, except in test files */
#define KF_SECRET   0x4u  /* never printed */
#define KF_RESOLVE  0x8u  /* "env:NAME" / "file:PATH" are looked up */
#define KF_ALLOC    0x10u /* K_STRV: store an arena array and a count */

/* Offsets are stored plus one so that 0 means "not stored". */
#define AT(type, member) (offsetof(type, member) + 1)

struct conf_kdef {
	const char *key;
	enum conf_ktype type;
	unsigned flags;
	const char *def;            /* default, as it would be written */
	int64_t min, max;           /* K_INT/K_LLONG range; K_DURATION range in
				       ms; K_STRV most elements */
	size_t at;                  /* AT() of the value, or 0 */
	size_t count;               /* K_STRV: AT() of its unsigned count */
	size_t loc;                 /* AT() of a struct rule_loc, or 0 */
	const char *const *choices; /* K_ENUM, NULL-terminated */
	const char *help;
};

#define KEYS_MAX 24

/* One key's value as read: set when given (s != NULL) or defaulted. */
struct conf_kval {
	const config_setting_t *s; /* the setting, NULL when not given */
	bool set;                  /* given and valid, or defaulted */
	const char *str;
	const char *source; /* K_STR from "env:"/"file:": as written */
	const char **strv;
	unsigned n;
	int64_t i; /* ints, ms, bool, enum index */
	double f;
};

/*
 * Read group grp against keys: every member must be a key of the table
 * and valid; missing required keys are errors; defaults fill the rest.
 * Values are stored into target (may be NULL) and returned in vals.
 * where (" in input 'api'") follows the key name in messages.
 */
void conf_walk(struct conf_ctx *x, const config_setting_t *grp,
    const struct conf_kdef *keys, size_t nkeys, void *target, const char *where,
    struct conf_kval *vals);

/* The help text of key in keys, or NULL. */
const char *conf_key_help(
    const struct conf_kdef *keys, size_t nkeys, const char *key);

/*
 * A group member name as a thing's name (arena copy), checked for length;
 * NULL after reporting.
 */
const char *conf_member_name(
    struct conf_ctx *x, const config_setting_t *s, const char *what);

/* Join a NULL-terminated list as "a, b, c" into buf; returns buf. */
const char *conf_join_names(char *buf, size_t n, const char *const *names);

/* ---- the main config's tables and loaders (conf.c) ---------------------- */

enum conf_top_key {
	T_INPUTS,
	T_SINKS,
	T_RULES,
	T_STATE_DIR,
	T_DEFAULT_NOTIFY,
	T_METRICS_LISTEN,
	T_LINE_MAX,
	T_REGEX_MATCH_LIMIT,
	T_REGEX_DEPTH_LIMIT,
	T_REGEX_SUBJECT_MAX,
	T_NKEYS
};

enum conf_input_key {
	I_FORMAT,
	I_PATH,
	I_LOG_FORMAT,
	I_TIMEZONE,
	I_START_AT,
	I_MAX_SILENCE,
	I_NKEYS
};

/* The keys of a sink type, indexed by enum conf_sink_type. */
struct conf_sink_table {
	const struct conf_kdef *keys;
	size_t n;
};

extern const struct conf_kdef conf_top_keys[T_NKEYS];
extern const struct conf_kdef conf_input_keys[I_NKEYS];
extern const char *const conf_start_choices[]; /* by enum conf_start */
extern const struct conf_sink_table conf_sink_tables[];

/*
 * Start a load into c (zeroed, with its arena and field table): 0 or -1.
 * Every load ends with conf_load_end, which reports the messages and
 * returns 0, or -1 with c released.
 */
int conf_load_begin(struct conf_ctx *x, struct conf *c, const char *name,
    conf_error_fn *err, void *arg);
int conf_load_end(struct conf_ctx *x);

/*
 * The top level of a main config (its rule files too, unless
 * LOAD_NO_RULES).
 */
void conf_load_main(struct conf_ctx *x, const config_setting_t *root);
void conf_load_inputs(struct conf_ctx *x, const config_setting_t *grp);
void conf_load_sinks(struct conf_ctx *x, const config_setting_t *grp);

/* Make the first console sink, if any, the default notify list of c. */
void conf_pick_console(struct conf *c);

/* ---- rule files (conf_rules.c) ------------------------------------------ */

extern const struct conf_kdef conf_rule_keys[];
extern const size_t conf_nrule_keys;

/*
 * Expand the globs of a `rules` / `rule_files` setting and read the rule
 * definitions of every file into x->defs.
 */
void conf_read_rule_globs(struct conf_ctx *x, const struct conf_kval *v);

/*
 * Compile x->defs against the inputs and sinks of x->c into x->c->rules,
 * and tell each input's parser which fields the rules read.
 */
void conf_compile_rules(struct conf_ctx *x);

#endif /* AGENT_CONF_IMPL_H */
