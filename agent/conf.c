/*
 * conf - libconfig files -> struct conf: the main config, its inputs and
 * sinks, and the load itself (conf_load, conf_load_string, conf_release).
 *
 * What: the tables of the main config's keys (top level, inputs, one per
 * sink type) are read by the walker (conf_walk.c); then the parts that
 * need more than a table are done here by hand: each input's format is
 * compiled (parser->compile with the config's one field table, so that
 * custom $variables get ids the rules can use), sinks get their settings
 * as struct conf_kv, default_notify and metrics_listen are checked, the
 * rule files are read (conf_rules.c) and the rules compiled against the
 * inputs and sinks. The other files of the loader: conf_impl.h lists
 * them; the rule test files of `klaxon test` are conf_test.c.
 *
 * Why: conf.c is the one place a main config's meaning is defined; the
 * machinery (messages, arena, files, walker) is shared with the test
 * file loader and lives beside it.
 *
 * Invariants: a struct conf points only into its arena, its parser
 * programs and its ruleset, never into itself or a config_t, so it may be
 * moved. Secrets are zeroed before the arena is freed. A load reports
 * every problem it finds, sorted, when it ends (conf_load_end); after an
 * error the struct conf is released. An input with an error is not
 * compiled; a rule with an error found while reading is not handed to
 * ruleset_compile (its errors are already listed; compiling the rest
 * still reports theirs).
 *
 * Not handled: reloading in place (a reload loads a second struct conf
 * and the caller swaps).
 *
 * Format: README.md "Configuration" and klaxon(8); the keys are
 * the tables below (and `klaxon check -v` lists them with their help).
 */
#include "agent/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "agent/conf_impl.h"
#include "agent/reader.h"
#include "parsers/ts.h"
#include "parsers/compat.h"

/* ---- the tables --------------------------------------------------------- */

const struct conf_kdef conf_top_keys[T_NKEYS] = {
	[T_INPUTS] = { .key = "inputs",
	    .type = K_GROUP,
	    .flags = KF_REQUIRED,
	    .help = "the logs to read: name = { format = ...; path = ...; }" },
	[T_SINKS] = { .key = "sinks",
	    .type = K_GROUP,
	    .help = "where alerts go: name = { type = ...; ... }" },
	[T_RULES] = { .key = "rules",
	    .type = K_STRV,
	    .flags = KF_ALLOC,
	    .max = CONF_RULE_FILES_MAX,
	    .at = AT(struct conf, rule_globs),
	    .count = AT(struct conf, nrule_globs),
	    .help = "rule files (globs), relative to this file's directory" },
	[T_STATE_DIR] = { .key = "state_dir",
	    .type = K_STR,
	    .def = "/var/lib/klaxon",
	    .at = AT(struct conf, state_dir),
	    .help = "checkpoints, outbox and control socket" },
	[T_DEFAULT_NOTIFY] = { .key = "default_notify",
	    .type = K_STRV,
	    .max = RULE_NOTIFY_MAX,
	    .help = "sinks for rules that name none (default: the first "
		    "console sink)" },
	[T_METRICS_LISTEN] = { .key = "metrics_listen",
	    .type = K_STR,
	    .at = AT(struct conf, metrics_listen),
	    .help = "ADDRESS:PORT serving Prometheus text at GET /metrics "
		    "(default: off)" },
	[T_LINE_MAX] = { .key = "line_max",
	    .type = K_INT,
	    .def = "16384",
	    .min = 256,
	    .max = READER_LINE_MAX_MAX,
	    .at = AT(struct conf, line_max),
	    .help = "bytes kept of a log line; the rest is cut and counted" },
	[T_REGEX_MATCH_LIMIT] = { .key = "regex_match_limit",
	    .type = K_INT,
	    .def = "0",
	    .min = 0,
	    .max = 100000000,
	    .at = AT(struct conf, regex_match_limit),
	    .help = "PCRE2 match limit per regex test (0: built-in default)" },
	[T_REGEX_DEPTH_LIMIT] = { .key = "regex_depth_limit",
	    .type = K_INT,
	    .def = "0",
	    .min = 0,
	    .max = 10000000,
	    .at = AT(struct conf, regex_depth_limit),
	    .help = "PCRE2 depth limit per regex test (0: built-in default)" },
	[T_REGEX_SUBJECT_MAX] = { .key = "regex_subject_max",
	    .type = K_INT,
	    .def = "0",
	    .min = 0,
	    .max = READER_LINE_MAX_MAX,
	    .at = AT(struct conf, regex_subject_max),
	    .help = "bytes of a field a regex sees (0: built-in default)" },
};

const char *const conf_start_choices[] = { "end", "beginning", NULL };

const struct conf_kdef conf_input_keys[I_NKEYS] = {
	[I_FORMAT] = { .key = "format",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .at = AT(struct conf_input, format),
	    .help = "nginx_access, nginx_error, gunicorn_access, "
		    "gunicorn_error or uwsgi" },
	[I_PATH] = { .key = "path",
	    .type = K_STR,
	    .flags = KF_RUN,
	    .at = AT(struct conf_input, path),
	    .help = "the log file, or a glob of files" },
	[I_LOG_FORMAT] = { .key = "log_format",
	    .type = K_STR,
	    .at = AT(struct conf_input, log_format),
	    .help = "nginx log_format / gunicorn access_log_format, as in "
		    "the server's config (default: the format's own)" },
	[I_TIMEZONE] = { .key = "timezone",
	    .type = K_STR,
	    .at = AT(struct conf_input, timezone),
	    .help = "zone of timestamps written without one, e.g. "
		    "\"Europe/Berlin\" (default: the host's)" },
	[I_START_AT] = { .key = "start_at",
	    .type = K_ENUM,
	    .def = "end",
	    .choices = conf_start_choices,
	    .help = "where a file with no checkpoint is read from: end or "
		    "beginning" },
	[I_MAX_SILENCE] = { .key = "max_silence",
	    .type = K_DURATION,
	    .min = 1000,
	    .max = 31LL * 86400 * 1000,
	    .at = AT(struct conf_input, max_silence_ms),
	    .help = "alert when the file stays silent this long (default: "
		    "never)" },
};

static const char *const sink_type_names[] = {
	[CONF_SINK_CONSOLE] = "console",
	[CONF_SINK_SLACK] = "slack",
	[CONF_SINK_PAGERDUTY] = "pagerduty",
	[CONF_SINK_TWILIO] = "twilio",
	[CONF_SINK_WEBHOOK] = "webhook",
	[CONF_SINK_ALERTMANAGER] = "alertmanager",
	[CONF_SINK_EMAIL] = "email",
	NULL,
};

static const char *const console_formats[] = { "text", "json", NULL };

#define SINK_TYPE                                                              \
	{                                                                      \
		.key = "type", .type = K_ENUM, .flags = KF_REQUIRED,           \
		.choices = sink_type_names, .help = "the kind of sink"         \
	}
#define SINK_TIMEOUT                                                           \
	{                                                                      \
		.key = "timeout", .type = K_DURATION, .def = "10s",            \
		.min = 1000, .max = 300000,                                    \
		.help = "give up one delivery attempt after this "             \
			"(it is retried)"                                      \
	}

static const struct conf_kdef console_keys[] = {
	SINK_TYPE,
	{ .key = "format",
	    .type = K_ENUM,
	    .def = "text",
	    .choices = console_formats,
	    .help = "text: one line per notification; json: the objects of "
		    "dry-run --json" },
};

static const struct conf_kdef slack_keys[] = {
	SINK_TYPE,
	{ .key = "url",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "incoming webhook URL (a secret: \"env:NAME\" or "
		    "\"file:PATH\")" },
	SINK_TIMEOUT,
};

static const struct conf_kdef pagerduty_keys[] = {
	SINK_TYPE,
	{ .key = "routing_key",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "Events API v2 integration key (a secret)" },
	{ .key = "url",
	    .type = K_STR,
	    .flags = KF_RESOLVE,
	    .def = "https://events.pagerduty.com/v2/enqueue",
	    .help = "Events API endpoint" },
	SINK_TIMEOUT,
};

static const struct conf_kdef twilio_keys[] = {
	SINK_TYPE,
	{ .key = "account_sid",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_RESOLVE,
	    .help = "Twilio account SID" },
	{ .key = "auth_token",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "Twilio auth token (a secret)" },
	{ .key = "from",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .help = "sending number, +E.164" },
	{ .key = "to",
	    .type = K_STRV,
	    .flags = KF_REQUIRED,
	    .max = CONF_LIST_MAX,
	    .help = "numbers to text, +E.164" },
	{ .key = "url",
	    .type = K_STR,
	    .def = "https://api.twilio.com",
	    .help = "API base URL" },
	SINK_TIMEOUT,
};

static const struct conf_kdef webhook_keys[] = {
	SINK_TYPE,
	{ .key = "url",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "URL the JSON notification is POSTed to (may hold a "
		    "token: masked)" },
	SINK_TIMEOUT,
};

static const struct conf_kdef alertmanager_keys[] = {
	SINK_TYPE,
	{ .key = "url",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_RESOLVE,
	    .help = "Alertmanager base URL, e.g. http://127.0.0.1:9093" },
	SINK_TIMEOUT,
};

static const struct conf_kdef email_keys[] = {
	SINK_TYPE,
	{ .key = "smtp_url",
	    .type = K_STR,
	    .flags = KF_REQUIRED | KF_SECRET | KF_RESOLVE,
	    .help = "smtp://host:port or smtps://user:password@host:port "
		    "(a secret)" },
	{ .key = "from",
	    .type = K_STR,
	    .flags = KF_REQUIRED,
	    .help = "sender address" },
	{ .key = "to",
	    .type = K_STRV,
	    .flags = KF_REQUIRED,
	    .max = CONF_LIST_MAX,
	    .help = "recipient addresses" },
	SINK_TIMEOUT,
};

const struct conf_sink_table conf_sink_tables[] = {
	[CONF_SINK_CONSOLE] = { console_keys, NELEM(console_keys) },
	[CONF_SINK_SLACK] = { slack_keys, NELEM(slack_keys) },
	[CONF_SINK_PAGERDUTY] = { pagerduty_keys, NELEM(pagerduty_keys) },
	[CONF_SINK_TWILIO] = { twilio_keys, NELEM(twilio_keys) },
	[CONF_SINK_WEBHOOK] = { webhook_keys, NELEM(webhook_keys) },
	[CONF_SINK_ALERTMANAGER] = { alertmanager_keys,
	    NELEM(alertmanager_keys) },
	[CONF_SINK_EMAIL] = { email_keys, NELEM(email_keys) },
};

/* ---- inputs ------------------------------------------------------------- */

static const char *
format_names(char *buf, size_t n)
{
	const char *names[16];
	size_t i = 0;

	for (const struct parser *const *p = parser_all();
	     *p != NULL && i + 1 < NELEM(names); p++)
		names[i++] = (*p)->name;
	names[i] = NULL;
	return conf_join_names(buf, n, names);
}

/* Compile in's format; errors at the log_format (or timezone) key. */
static void
compile_input(struct conf_ctx *x, struct conf_input *in,
    const struct conf_kval *v, const config_setting_t *s, const char *where)
{
	struct parser_opts opts;
	struct ts_zone *z;
	char err[256];

	if ((in->parser = parser_lookup(in->format)) == NULL) {
		conf_error(x, v[I_FORMAT].s,
		    "unknown format '%s'%s (formats: "
		    "%s)",
		    in->format, where, format_names(err, sizeof(err)));
		return;
	}
	if (in->timezone != NULL) {
		if ((z = ts_zone_load(in->timezone, err, sizeof(err))) ==
		    NULL) {
			conf_error(
			    x, v[I_TIMEZONE].s, "'timezone'%s: %s", where, err);
			return;
		}
		ts_zone_free(z);
	} else if (in->parser->local_time) {
		/* $TZ or the host's zone: its problem is not the format's. */
		if ((z = ts_zone_load(NULL, err, sizeof(err))) == NULL) {
			conf_error(x, s,
			    "input '%s': %s; set 'timezone' for it, or fix the "
			    "environment",
			    in->name, err);
			return;
		}
		ts_zone_free(z);
	}
	memset(&opts, 0, sizeof(opts));
	opts.log_format = in->log_format;
	opts.timezone = in->timezone;
	opts.fields = x->c->fields;
	err[0] = '\0';
	if ((in->prog = in->parser->compile(&opts, err, sizeof(err))) == NULL) {
		conf_error(x, v[I_LOG_FORMAT].s ? v[I_LOG_FORMAT].s : s,
		    "'log_format'%s: %s", where,
		    err[0] ? err
			   : "cannot "
			     "compile");
		return;
	}
	in->produces = in->parser->produces(in->prog);
	if (!(in->produces & (UINT64_C(1) << FIELD_TIME)))
		conf_warn(x, v[I_LOG_FORMAT].s ? v[I_LOG_FORMAT].s : s,
		    "'log_format'%s has no time ($time_local, $time_iso8601, "
		    "$msec; gunicorn %%(t)s): dry-run cannot place its lines in "
		    "time and skips them; the live agent stamps them with the "
		    "time they are read",
		    where);
}

static void
load_input(struct conf_ctx *x, const config_setting_t *s, struct conf_input *in)
{
	struct conf_kval v[I_NKEYS];
	char where[CONF_NAME_MAX + 16];
	unsigned nerr = x->nerr;

	in->file = conf_file_name(x, config_setting_source_file(s));
	in->line = (int)config_setting_source_line(s);
	if ((in->name = conf_member_name(x, s, "input")) == NULL)
		return;
	snprintf(where, sizeof(where), " in input '%s'", in->name);
	if (!config_setting_is_group(s)) {
		conf_error(x, s,
		    "input '%s' must be a group { format = ...; "
		    "path = ...; }",
		    in->name);
		return;
	}
	conf_walk(x, s, conf_input_keys, I_NKEYS, in, where, v);
	if (v[I_START_AT].set)
		in->start_at = (enum conf_start)v[I_START_AT].i;
	if (x->nerr == nerr)
		compile_input(x, in, v, s, where);
}

void
conf_load_inputs(struct conf_ctx *x, const config_setting_t *grp)
{
	struct conf *c = x->c;
	int n = config_setting_length(grp);

	if (n == 0) {
		conf_error(x, grp, "'inputs' is empty: name at least one log");
		return;
	}
	if (n > CONF_INPUTS_MAX) {
		conf_error(x, grp, "%d inputs, at most %d are allowed", n,
		    CONF_INPUTS_MAX);
		n = CONF_INPUTS_MAX;
	}
	if ((c->inputs = conf_array(x, (size_t)n, sizeof(*c->inputs))) == NULL)
		return;
	c->ninputs = (unsigned)n;
	for (int i = 0; i < n; i++)
		load_input(x, config_setting_get_elem(grp, (unsigned)i),
		    &c->inputs[i]);
}

/* ---- sinks -------------------------------------------------------------- */

static void
sink_kvs(struct conf_ctx *x, struct conf_sink *sk, const struct conf_kdef *keys,
    size_t nkeys, const struct conf_kval *v)
{
	struct conf_kv *kv;
	unsigned n = 0;

	if ((kv = conf_array(x, nkeys, sizeof(*kv))) == NULL)
		return;
	for (size_t j = 1; j < nkeys; j++) { /* 0 is "type" */
		if (!v[j].set)
			continue;
		kv[n].key = keys[j].key;
		if (keys[j].type == K_STRV) {
			kv[n].list = v[j].strv;
			kv[n].nlist = v[j].n;
			kv[n].value = v[j].n ? v[j].strv[0] : NULL;
		} else {
			kv[n].value = v[j].str;
			kv[n].list = &kv[n].value;
			kv[n].nlist = 1;
		}
		kv[n].num = v[j].i;
		kv[n].source = v[j].source;
		kv[n].secret =
		    (keys[j].flags & KF_SECRET) || v[j].source != NULL;
		kv[n].line =
		    v[j].s ? (int)config_setting_source_line(v[j].s) : 0;
		n++;
	}
	sk->kv = kv;
	sk->nkv = n;
}

static void
load_sink(struct conf_ctx *x, const config_setting_t *s, struct conf_sink *sk)
{
	struct conf_kval v[KEYS_MAX];
	char where[CONF_NAME_MAX + 16], names[128];
	const config_setting_t *t;
	const char *type;
	size_t i;

	sk->file = conf_file_name(x, config_setting_source_file(s));
	sk->line = (int)config_setting_source_line(s);
	if ((sk->name = conf_member_name(x, s, "sink")) == NULL)
		return;
	snprintf(where, sizeof(where), " in sink '%s'", sk->name);
	if (!config_setting_is_group(s)) {
		conf_error(x, s, "sink '%s' must be a group { type = ...; }",
		    sk->name);
		return;
	}
	conf_join_names(names, sizeof(names), sink_type_names);
	if ((t = config_setting_get_member(s, "type")) == NULL ||
	    config_setting_type(t) != CONFIG_TYPE_STRING) {
		conf_error(x, t ? t : s, "%s 'type'%s (one of %s)",
		    t ? "bad" : "missing", where, names);
		return;
	}
	type = config_setting_get_string(t);
	for (i = 0; sink_type_names[i] != NULL; i++) {
		if (strcmp(sink_type_names[i], type) == 0)
			break;
	}
	if (sink_type_names[i] == NULL) {
		conf_error(x, t, "unknown sink type '%s'%s (one of %s)", type,
		    where, names);
		return;
	}
	sk->type = (enum conf_sink_type)i;
	sk->type_name = sink_type_names[i];
	conf_walk(x, s, conf_sink_tables[i].keys, conf_sink_tables[i].n, NULL,
	    where, v);
	sink_kvs(x, sk, conf_sink_tables[i].keys, conf_sink_tables[i].n, v);
}

void
conf_load_sinks(struct conf_ctx *x, const config_setting_t *grp)
{
	struct conf *c = x->c;
	int n = config_setting_length(grp);

	if (n > CONF_SINKS_MAX) {
		conf_error(x, grp, "%d sinks, at most %d are allowed", n,
		    CONF_SINKS_MAX);
		n = CONF_SINKS_MAX;
	}
	if (n == 0)
		return;
	if ((c->sinks = conf_array(x, (size_t)n, sizeof(*c->sinks))) == NULL)
		return;
	c->nsinks = (unsigned)n;
	for (int i = 0; i < n; i++)
		load_sink(
		    x, config_setting_get_elem(grp, (unsigned)i), &c->sinks[i]);
}

void
conf_pick_console(struct conf *c)
{
	for (unsigned i = 0; i < c->nsinks; i++) {
		if (c->sinks[i].name != NULL &&
		    c->sinks[i].type == CONF_SINK_CONSOLE) {
			c->default_notify[0] = i;
			c->ndefault_notify = 1;
			return;
		}
	}
}

static void
load_default_notify(struct conf_ctx *x, const struct conf_kval *v)
{
	struct conf *c = x->c;
	int id;

	if (v->s == NULL) {
		conf_pick_console(c);
		return;
	}
	for (unsigned i = 0; v->set && i < v->n; i++) {
		if ((id = conf_sink_find(c, v->strv[i])) < 0) {
			conf_error(x, v->s,
			    "unknown sink '%s' in "
			    "'default_notify'",
			    v->strv[i]);
			continue;
		}
		c->default_notify[c->ndefault_notify++] = (unsigned)id;
	}
}

/* ADDRESS:PORT with a port 1..65535. */
static void
check_listen(struct conf_ctx *x, const struct conf_kval *v)
{
	const char *colon;
	char *end;
	long port;

	if (!v->set || v->str == NULL)
		return;
	colon = strrchr(v->str, ':');
	if (colon != NULL && colon != v->str) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno == 0 && *end == '\0' && end != colon + 1 &&
		    port >= 1 && port <= 65535)
			return;
	}
	conf_error(x, v->s,
	    "'metrics_listen' must be ADDRESS:PORT, e.g. "
	    "\"127.0.0.1:9433\", not \"%s\"",
	    v->str);
}

/* ---- the main file ------------------------------------------------------ */

void
conf_load_main(struct conf_ctx *x, const config_setting_t *root)
{
	struct conf_kval v[T_NKEYS];

	conf_walk(x, root, conf_top_keys, T_NKEYS, x->c, "", v);
	if (v[T_INPUTS].set)
		conf_load_inputs(x, v[T_INPUTS].s);
	if (v[T_SINKS].set)
		conf_load_sinks(x, v[T_SINKS].s);
	else if (!(x->flags & LOAD_TEST))
		conf_warn_at(x, x->name, 0,
		    "no 'sinks': alerts are not sent "
		    "anywhere");
	load_default_notify(x, &v[T_DEFAULT_NOTIFY]);
	check_listen(x, &v[T_METRICS_LISTEN]);
	if (x->flags & LOAD_NO_RULES)
		return;
	if (v[T_RULES].set)
		conf_read_rule_globs(x, &v[T_RULES]);
	else if (v[T_RULES].s == NULL)
		conf_warn_at(x, x->name, 0, "no 'rules': no rule is loaded");
}

int
conf_load_begin(struct conf_ctx *x, struct conf *c, const char *name,
    conf_error_fn *err, void *arg)
{
	memset(c, 0, sizeof(*c));
	memset(x, 0, sizeof(*x));
	x->c = c;
	x->err = err != NULL ? err : conf_print_error;
	x->arg = err != NULL ? arg : NULL;
	x->name = name;
	if ((c->arena = conf_arena_new()) == NULL) {
		conf_error_at(x, name, 0, "out of memory");
		return -1;
	}
	x->a = c->arena;
	if ((c->file = conf_strdup(x, name)) == NULL ||
	    (c->fields = conf_alloc(x, sizeof(*c->fields))) == NULL)
		return -1;
	x->name = c->file;
	conf_order(x, x->name);
	field_table_init(c->fields);
	return 0;
}

int
conf_load_end(struct conf_ctx *x)
{
	conf_flush(x);
	free(x->defs);
	x->defs = NULL;
	if (x->nerr == 0)
		return 0;
	conf_release(x->c);
	return -1;
}

int
conf_load(struct conf *c, const char *path, conf_error_fn *err, void *arg)
{
	struct conf_ctx x;
	config_t cfg;

	if (conf_load_begin(&x, c, path, err, arg) == 0) {
		x.dir = conf_dir_of(&x, path);
		if (conf_read_file(&x, &cfg, path) == 0)
			conf_load_main(&x, config_root_setting(&cfg));
		config_destroy(&cfg);
		conf_compile_rules(&x);
	}
	return conf_load_end(&x);
}

int
conf_load_string(struct conf *c, const char *text, const char *name,
    conf_error_fn *err, void *arg)
{
	struct conf_ctx x;
	config_t cfg;

	if (conf_load_begin(&x, c, name, err, arg) == 0) {
		x.dir = ".";
		config_init(&cfg);
		config_set_auto_convert(&cfg, 1);
		if (!config_read_string(&cfg, text)) {
			conf_error_at(&x,
			    conf_file_name(&x, config_error_file(&cfg)),
			    config_error_line(&cfg), "%s",
			    config_error_text(&cfg));
		} else {
			conf_scan_ints(&x, x.name, text, strlen(text));
			conf_scan_cfg_ints(&x, &cfg);
			conf_load_main(&x, config_root_setting(&cfg));
		}
		config_destroy(&cfg);
		conf_compile_rules(&x);
	}
	return conf_load_end(&x);
}

void
conf_release(struct conf *c)
{
	if (c == NULL)
		return;
	ruleset_free(c->rules);
	for (unsigned i = 0; i < c->ninputs; i++) {
		if (c->inputs[i].prog != NULL)
			c->inputs[i].parser->prog_free(c->inputs[i].prog);
	}
	conf_arena_free(c->arena);
	memset(c, 0, sizeof(*c));
}

int
conf_input_find(const struct conf *c, const char *name)
{
	for (unsigned i = 0; i < c->ninputs; i++) {
		if (c->inputs[i].name != NULL &&
		    strcmp(c->inputs[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

int
conf_sink_find(const struct conf *c, const char *name)
{
	for (unsigned i = 0; i < c->nsinks; i++) {
		if (c->sinks[i].name != NULL &&
		    strcmp(c->sinks[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

const struct conf_kv *
conf_sink_kv(const struct conf_sink *s, const char *key)
{
	for (unsigned i = 0; i < s->nkv; i++) {
		if (strcmp(s->kv[i].key, key) == 0)
			return &s->kv[i];
	}
	return NULL;
}
