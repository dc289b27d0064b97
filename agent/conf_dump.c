/*
 * conf_dump - describe a loaded config, for `klaxon check -v`.
 *
 * What: the top-level settings, every input, every sink, the rule files
 * read and every rule, one setting a line, each with the help text of its
 * key table entry: the same tables that checked the settings, so the
 * listing cannot disagree with what is accepted.
 *
 * Invariants: a secret is never printed: a resolved one shows as its
 * source and size ("env:KLAXON_SLACK_URL (set, 83 bytes)"), an inline
 * one as its size. Values are printed as libconfig literals, escaped; a
 * value longer than a line buffer (1 KiB) is cut and ends in "...".
 *
 * Not handled: output errors on f (the caller checks ferror).
 */
#include "agent/conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/conf_impl.h"
#include "rules/template.h"
#include "parsers/compat.h"

struct dbuf;

static void db_add(struct dbuf *d, const char *fmt, ...) PRINTFLIKE(2, 3);

struct dbuf {
	char b[1024];
	size_t len;
};

static void
db_add(struct dbuf *d, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (d->len >= sizeof(d->b) - 1)
		return;
	va_start(ap, fmt);
	w = vsnprintf(d->b + d->len, sizeof(d->b) - d->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		d->len += (size_t)w;
	if (d->len >= sizeof(d->b) - 1) {
		d->len = sizeof(d->b) - 1;
		memcpy(d->b + d->len - 3, "...", 3);
	}
}

/* s as a libconfig string literal, escaped. */
static void
db_str(struct dbuf *d, const char *s)
{
	db_add(d, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			db_add(d, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			db_add(d, "\\x%02x", (unsigned char)*s);
		else
			db_add(d, "%c", *s);
	}
	db_add(d, "\"");
}

static void
db_list(struct dbuf *d, const char *const *v, unsigned n)
{
	db_add(d, "[");
	for (unsigned i = 0; i < n; i++) {
		db_add(d, "%s", i ? ", " : "");
		db_str(d, v[i]);
	}
	db_add(d, "]");
}

static void
dump_line(FILE *f, const char *key, struct dbuf *d, const char *help)
{
	fprintf(f, "    %-17s %-30s", key, d->b);
	if (help != NULL)
		fprintf(f, "  # %s", help);
	fputc('\n', f);
	d->len = 0;
	d->b[0] = '\0';
}

static void
dump_top(const struct conf *c, FILE *f)
{
	struct dbuf d = { .len = 0 };
	const char *names[RULE_NOTIFY_MAX];

	fprintf(f, "settings (%s):\n", c->file);
	db_str(&d, c->state_dir);
	dump_line(f, "state_dir", &d, conf_top_keys[T_STATE_DIR].help);
	for (unsigned i = 0; i < c->ndefault_notify; i++)
		names[i] = c->sinks[c->default_notify[i]].name;
	db_list(&d, names, c->ndefault_notify);
	dump_line(
	    f, "default_notify", &d, conf_top_keys[T_DEFAULT_NOTIFY].help);
	if (c->metrics_listen != NULL)
		db_str(&d, c->metrics_listen);
	else
		db_add(&d, "off");
	dump_line(
	    f, "metrics_listen", &d, conf_top_keys[T_METRICS_LISTEN].help);
	db_add(&d, "%lld", (long long)c->line_max);
	dump_line(f, "line_max", &d, conf_top_keys[T_LINE_MAX].help);
	for (int k = T_REGEX_MATCH_LIMIT; k <= T_REGEX_SUBJECT_MAX; k++) {
		const int64_t *val = k == T_REGEX_MATCH_LIMIT
		    ? &c->regex_match_limit
		    : k == T_REGEX_DEPTH_LIMIT ? &c->regex_depth_limit
					       : &c->regex_subject_max;
		db_add(&d, "%lld", (long long)*val);
		dump_line(f, conf_top_keys[k].key, &d, conf_top_keys[k].help);
	}
	db_list(&d, c->rule_globs, c->nrule_globs);
	dump_line(f, "rules", &d, conf_top_keys[T_RULES].help);
}

static void
dump_input(const struct conf_input *in, FILE *f)
{
	struct dbuf d = { .len = 0 };
	char ms[32];

	fprintf(f, "input %s (%s:%d):\n", in->name, in->file, in->line);
	db_str(&d, in->format);
	dump_line(f, "format", &d, conf_input_keys[I_FORMAT].help);
	if (in->path != NULL) {
		db_str(&d, in->path);
		dump_line(f, "path", &d, conf_input_keys[I_PATH].help);
	}
	if (in->log_format != NULL)
		db_str(&d, in->log_format);
	else
		db_add(&d, "(default)");
	dump_line(f, "log_format", &d, conf_input_keys[I_LOG_FORMAT].help);
	if (in->timezone != NULL)
		db_str(&d, in->timezone);
	else
		db_add(&d, "(host)");
	dump_line(f, "timezone", &d, conf_input_keys[I_TIMEZONE].help);
	db_add(&d, "\"%s\"", conf_start_choices[in->start_at]);
	dump_line(f, "start_at", &d, conf_input_keys[I_START_AT].help);
	if (in->max_silence_ms > 0) {
		template_format_duration(in->max_silence_ms, ms, sizeof(ms));
		db_add(&d, "\"%s\"", ms);
	} else {
		db_add(&d, "off");
	}
	dump_line(f, "max_silence", &d, conf_input_keys[I_MAX_SILENCE].help);
}

static void
dump_sink(const struct conf_sink *s, FILE *f)
{
	const struct conf_kdef *keys = conf_sink_tables[s->type].keys;
	size_t nkeys = conf_sink_tables[s->type].n;
	struct dbuf d = { .len = 0 };
	const struct conf_kv *kv;

	fprintf(f, "sink %s: %s (%s:%d):\n", s->name, s->type_name, s->file,
	    s->line);
	for (unsigned i = 0; i < s->nkv; i++) {
		kv = &s->kv[i];
		if (kv->secret && kv->source != NULL && kv->value != kv->source)
			db_add(&d, "%s (set, %zu bytes)", kv->source,
			    strlen(kv->value));
		else if (kv->secret && kv->source != NULL)
			db_add(&d, "%s (not resolved)", kv->source);
		else if (kv->secret)
			db_add(&d, "(inline, %zu bytes)", strlen(kv->value));
		else if (kv->nlist > 1 || kv->list != &kv->value)
			db_list(&d, kv->list, kv->nlist);
		else
			db_str(&d, kv->value);
		dump_line(f, kv->key, &d, conf_key_help(keys, nkeys, kv->key));
	}
}

static void
dump_rule(const struct rule_def *r, FILE *f)
{
	struct dbuf d = { .len = 0 };
	const struct conf_kdef *k;
	const char *p = (const char *)r;
	const char *s;
	const char *const *v;
	unsigned n;
	long long ll;

	fprintf(f, "rule %s (%s:%d):\n", r->name, r->loc.file, r->loc.line);
	for (size_t j = 0; j < conf_nrule_keys; j++) {
		k = &conf_rule_keys[j];
		if (k->type == K_STR) {
			memcpy(&s, p + k->at - 1, sizeof(s));
			if (s == NULL)
				continue;
			db_str(&d, s);
		} else if (k->type == K_STRV) {
			v = (const char *const *)(const void *)(p + k->at - 1);
			memcpy(&n, p + k->count - 1, sizeof(n));
			if (n == 0)
				continue;
			db_list(&d, v, n);
		} else {
			memcpy(&ll, p + k->at - 1, sizeof(ll));
			if (ll < 0)
				continue;
			db_add(&d, "%lld", ll);
		}
		dump_line(f, k->key, &d, k->help);
	}
}

void
conf_dump(const struct conf *c, FILE *f)
{
	dump_top(c, f);
	for (unsigned i = 0; i < c->ninputs; i++)
		dump_input(&c->inputs[i], f);
	for (unsigned i = 0; i < c->nsinks; i++)
		dump_sink(&c->sinks[i], f);
	for (unsigned i = 0; i < c->nrule_files; i++)
		fprintf(f, "rule file %s\n", c->rule_files[i]);
	for (size_t i = 0; i < c->nrule_defs; i++)
		dump_rule(&c->rule_defs[i], f);
}
