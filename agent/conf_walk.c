/*
 * conf_walk - read one libconfig group against a table of keys.
 *
 * What: every section of a file is described by a table of struct
 * conf_kdef (key, type, default, range, where to store it, help).
 * conf_walk reads a group against a table: unknown keys (with a "did you
 * mean" when one is close), wrong types, values out of range and missing
 * required keys are reported as "file:line: message" and the walk goes
 * on, so that one run lists every problem. Values are stored at the
 * table's offsets into the caller's struct and returned as struct
 * conf_kval for what needs more than a table. Sink secrets written as
 * "env:NAME" or "file:PATH" are resolved here.
 *
 * Why tables: the same table gives the checks, the defaults, the
 * `klaxon check -v` listing and the man page's key list, so they cannot
 * disagree.
 *
 * Invariants: a value is stored only when it is valid; a missing key with
 * a default gets the default (stored too), one without stays unset.
 * Resolved secrets live in the arena, registered for zeroing; the file
 * buffer they were read from is zeroed before it is freed. In test files
 * (LOAD_TEST) secrets are kept as written and never looked up.
 *
 * Not handled: nested tables (K_GROUP and K_GLIST are type-checked only;
 * the caller walks their members with their own tables).
 */
#include "agent/conf_impl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/template.h"
#include "parsers/compat.h"

static const char *
type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

static int
type_error(struct conf_ctx *x, const config_setting_t *s,
    const struct conf_kdef *k, const char *where)
{
	static const char *const want[] = {
		[K_STR] = "a string",
		[K_ENUM] = "a string",
		[K_DURATION] = "a duration string such as \"5m\"",
		[K_INT] = "an integer",
		[K_LLONG] = "an integer",
		[K_FLOAT] = "a number",
		[K_BOOL] = "true or false",
		[K_STRV] = "a list of strings",
		[K_GROUP] = "a group { ... }",
		[K_GLIST] = "a list of groups ( { ... }, ... )",
	};

	conf_error(x, s, "'%s'%s must be %s, not %s", k->key, where,
	    want[k->type], type_name(config_setting_type(s)));
	return -1;
}

/* Join a NULL-terminated list as "a, b, c" into buf. */
const char *
conf_join_names(char *buf, size_t n, const char *const *names)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; names[i] != NULL && len < n; i++) {
		int w = snprintf(
		    buf + len, n - len, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

static void
format_ms(int64_t ms, char *buf, size_t n)
{
	template_format_duration(ms, buf, n);
}

/*
 * "env:NAME" or "file:PATH" -> the secret, copied into the arena and
 * registered for zeroing. In test files the text is kept as written.
 */
static int
resolve_secret(struct conf_ctx *x, const config_setting_t *s, const char *key,
    const char *where, const char *text, struct conf_kval *v)
{
	char path[PATH_MAX];
	const char *val;
	size_t len;
	char *buf = NULL, *copy;

	v->source = conf_strdup(x, text);
	if (x->flags & LOAD_TEST) {
		v->str = v->source;
		return v->str != NULL ? 0 : -1;
	}
	if (strcmp(text, "env:") == 0) {
		conf_error(
		    x, s, "'%s'%s: \"env:\" needs a variable name", key, where);
		return -1;
	}
	if (strncmp(text, "env:", 4) == 0) {
		if ((val = getenv(text + 4)) == NULL) {
			conf_error(x, s,
			    "'%s'%s: environment variable %s is not "
			    "set",
			    key, where, text + 4);
			return -1;
		}
		len = strlen(val);
	} else {
		if (conf_join_path(path, sizeof(path), x->dir, text + 5) ==
			-1 ||
		    (buf = conf_read_small_file(path, CONF_SECRET_MAX, &len)) ==
			NULL) {
			conf_error(x, s, "'%s'%s: cannot read %s: %s", key,
			    where, text,
			    errno == EFBIG        ? "larger than 4096 bytes"
				: errno == EINVAL ? "not a regular file"
						  : strerror(errno));
			return -1;
		}
		while (len > 0 &&
		    (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
			buf[len - 1] == ' '))
			len--;
		val = buf;
	}
	if (len == 0) {
		conf_error(x, s, "'%s'%s: %s is empty", key, where, text);
		free(buf);
		return -1;
	}
	copy = conf_strndup(x, val, len);
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (copy == NULL || conf_keep_secret(x, copy, len) == -1)
		return -1;
	v->str = copy;
	return 0;
}

static int
read_text(struct conf_ctx *x, const config_setting_t *s,
    const struct conf_kdef *k, const char *where, const char *text,
    struct conf_kval *v)
{
	char dmin[32], dmax[32];
	int64_t ms;

	if ((k->flags & KF_RESOLVE) &&
	    (strncmp(text, "env:", 4) == 0 || strncmp(text, "file:", 5) == 0))
		return resolve_secret(x, s, k->key, where, text, v);
	if ((v->str = conf_strdup(x, text)) == NULL)
		return -1;
	if (k->type == K_ENUM) {
		for (v->i = 0; k->choices[v->i] != NULL; v->i++) {
			if (strcmp(k->choices[v->i], text) == 0)
				return 0;
		}
		conf_join_names(dmin, sizeof(dmin), k->choices);
		conf_error(x, s, "'%s'%s must be one of %s, not \"%s\"", k->key,
		    where, dmin, text);
		return -1;
	}
	if (k->type != K_DURATION)
		return 0;
	/* A number too long to hold is out of range, not junk. */
	if ((ms = rule_parse_duration(text)) == RULE_DURATION_TOO_LONG)
		ms = INT64_MAX;
	if (ms < 0) {
		conf_error(x, s,
		    "'%s'%s: bad duration \"%s\" (write 90s, 5m, "
		    "1h, 2d)",
		    k->key, where, text);
		return -1;
	}
	if (ms < k->min || ms > k->max) {
		format_ms(k->min, dmin, sizeof(dmin));
		format_ms(k->max, dmax, sizeof(dmax));
		conf_error(x, s, "'%s'%s must be between %s and %s, not \"%s\"",
		    k->key, where, dmin, dmax, text);
		return -1;
	}
	v->i = ms;
	return 0;
}

static int
read_strv(struct conf_ctx *x, const config_setting_t *s,
    const struct conf_kdef *k, const char *where, struct conf_kval *v)
{
	int t = config_setting_type(s), n;
	const config_setting_t *e;

	if (t == CONFIG_TYPE_STRING) {
		n = 1;
	} else if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
		n = config_setting_length(s);
	} else {
		return type_error(x, s, k, where);
	}
	if (n > k->max) {
		conf_error(x, s,
		    "'%s'%s has %d entries, at most %lld are "
		    "allowed",
		    k->key, where, n, (long long)k->max);
		return -1;
	}
	if ((v->strv = conf_array(x, (size_t)n + 1, sizeof(char *))) == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		e = t == CONFIG_TYPE_STRING
		    ? s
		    : config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return type_error(x, e, k, where);
		if ((v->strv[i] = conf_strdup(
			 x, config_setting_get_string(e))) == NULL)
			return -1;
	}
	v->n = (unsigned)n;
	return 0;
}

static int
read_number(struct conf_ctx *x, const config_setting_t *s,
    const struct conf_kdef *k, const char *where, struct conf_kval *v)
{
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 &&
	    !(k->type == K_FLOAT && t == CONFIG_TYPE_FLOAT))
		return type_error(x, s, k, where);
	if (conf_is_bad_int(x, s))
		return -1; /* reported by conf_scan_ints */
	if (k->type == K_FLOAT) {
		v->f = config_setting_get_float(s);
		if (!isfinite(v->f)) {
			conf_error(x, s, "'%s'%s must be a finite number",
			    k->key, where);
			return -1;
		}
		return 0;
	}
	v->i = config_setting_get_int64(s);
	if (v->i < k->min || v->i > k->max) {
		conf_error(x, s,
		    "'%s'%s must be between %lld and %lld, not %lld", k->key,
		    where, (long long)k->min, (long long)k->max,
		    (long long)v->i);
		return -1;
	}
	return 0;
}

/* Read setting s as key k; 0, or -1 after reporting. */
static int
read_value(struct conf_ctx *x, const config_setting_t *s,
    const struct conf_kdef *k, const char *where, struct conf_kval *v)
{
	int t = config_setting_type(s);

	switch (k->type) {
	case K_STR:
	case K_ENUM:
	case K_DURATION:
		if (t != CONFIG_TYPE_STRING)
			return type_error(x, s, k, where);
		return read_text(
		    x, s, k, where, config_setting_get_string(s), v);
	case K_INT:
	case K_LLONG:
	case K_FLOAT:
		return read_number(x, s, k, where, v);
	case K_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			return type_error(x, s, k, where);
		v->i = config_setting_get_bool(s);
		return 0;
	case K_STRV:
		return read_strv(x, s, k, where, v);
	case K_GROUP:
		return t == CONFIG_TYPE_GROUP ? 0 : type_error(x, s, k, where);
	case K_GLIST:
		return t == CONFIG_TYPE_LIST ? 0 : type_error(x, s, k, where);
	}
	return -1;
}

/* A default as written in the table -> v. */
static void
apply_default(const struct conf_kdef *k, struct conf_kval *v)
{
	v->str = k->def;
	switch (k->type) {
	case K_ENUM:
		for (v->i = 0; k->choices[v->i] != NULL; v->i++) {
			if (strcmp(k->choices[v->i], k->def) == 0)
				break;
		}
		break;
	case K_DURATION:
		v->i = rule_parse_duration(k->def);
		break;
	case K_INT:
	case K_LLONG:
		v->i = strtoll(k->def, NULL, 10);
		break;
	case K_FLOAT:
		v->f = strtod(k->def, NULL);
		break;
	case K_BOOL:
		v->i = strcmp(k->def, "true") == 0;
		break;
	default:
		break;
	}
	v->set = true;
}

/* Store v where k says, in target (a struct of the table's type). */
static void
store(const struct conf_kdef *k, const struct conf_kval *v, void *target)
{
	char *p;
	long long ll;
	bool b;

	if (target == NULL || k->at == 0)
		return;
	p = (char *)target + k->at - 1;
	switch (k->type) {
	case K_STR:
	case K_ENUM:
		memcpy(p, &v->str, sizeof(v->str));
		break;
	case K_DURATION:
	case K_INT:
		memcpy(p, &v->i, sizeof(v->i));
		break;
	case K_LLONG:
		ll = v->i;
		memcpy(p, &ll, sizeof(ll));
		break;
	case K_FLOAT:
		memcpy(p, &v->f, sizeof(v->f));
		break;
	case K_BOOL:
		b = v->i != 0;
		memcpy(p, &b, sizeof(b));
		break;
	case K_STRV:
		if (k->flags & KF_ALLOC)
			memcpy(p, &v->strv, sizeof(v->strv));
		else if (v->n > 0)
			memcpy(p, v->strv, v->n * sizeof(*v->strv));
		memcpy((char *)target + k->count - 1, &v->n, sizeof(v->n));
		break;
	default:
		break;
	}
}

static void
store_loc(struct conf_ctx *x, const struct conf_kdef *k,
    const config_setting_t *s, void *target)
{
	struct rule_loc loc;

	if (target == NULL || k->loc == 0)
		return;
	loc.file = conf_file_name(x, config_setting_source_file(s));
	loc.line = (int)config_setting_source_line(s);
	memcpy((char *)target + k->loc - 1, &loc, sizeof(loc));
}

/* Levenshtein distance of two short names, capped at 9. */
static unsigned
edit_distance(const char *a, const char *b)
{
	unsigned row[2][64];
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 63 || lb >= 63)
		return 9;
	for (size_t j = 0; j <= lb; j++)
		row[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned *cur = row[i & 1], *prev = row[(i - 1) & 1];
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			cur[j] = d;
		}
	}
	return row[la & 1][lb] > 9 ? 9 : row[la & 1][lb];
}

static void
unknown_key(struct conf_ctx *x, const config_setting_t *m,
    const struct conf_kdef *keys, size_t nkeys, const char *where)
{
	const char *name = config_setting_name(m), *best = NULL;
	unsigned bestd = 3, d;

	for (size_t j = 0; j < nkeys; j++) {
		if ((d = edit_distance(name, keys[j].key)) < bestd) {
			bestd = d;
			best = keys[j].key;
		}
	}
	if (best != NULL)
		conf_error(x, m, "unknown key '%s'%s (did you mean '%s'?)",
		    name, where, best);
	else
		conf_error(x, m, "unknown key '%s'%s", name, where);
}

/*
 * Read group grp against keys: every member must be a key of the table
 * and valid; missing required keys are errors; defaults fill the rest.
 * Values are stored into target (may be NULL) and returned in vals.
 */
void
conf_walk(struct conf_ctx *x, const config_setting_t *grp,
    const struct conf_kdef *keys, size_t nkeys, void *target, const char *where,
    struct conf_kval *vals)
{
	int n = config_setting_length(grp);
	const config_setting_t *m;
	size_t j;

	memset(vals, 0, nkeys * sizeof(*vals));
	for (int i = 0; i < n; i++) {
		m = config_setting_get_elem(grp, (unsigned)i);
		for (j = 0; j < nkeys; j++) {
			if (strcmp(keys[j].key, config_setting_name(m)) == 0)
				break;
		}
		if (j == nkeys) {
			unknown_key(x, m, keys, nkeys, where);
			continue;
		}
		vals[j].s = m;
		if (read_value(x, m, &keys[j], where, &vals[j]) != 0)
			continue;
		vals[j].set = true;
		store(&keys[j], &vals[j], target);
		store_loc(x, &keys[j], m, target);
	}
	for (j = 0; j < nkeys; j++) {
		if (vals[j].s != NULL)
			continue;
		if ((keys[j].flags & KF_REQUIRED) ||
		    ((keys[j].flags & KF_RUN) && !(x->flags & LOAD_TEST))) {
			conf_error(
			    x, grp, "missing '%s'%s", keys[j].key, where);
		} else if (keys[j].def != NULL) {
			apply_default(&keys[j], &vals[j]);
			store(&keys[j], &vals[j], target);
		}
	}
}

const char *
conf_key_help(const struct conf_kdef *keys, size_t nkeys, const char *key)
{
	for (size_t j = 0; j < nkeys; j++) {
		if (strcmp(keys[j].key, key) == 0)
			return keys[j].help;
	}
	return NULL;
}

/* A group member name as a thing's name: checked for length. */
const char *
conf_member_name(
    struct conf_ctx *x, const config_setting_t *s, const char *what)
{
	const char *name = config_setting_name(s);

	if (strlen(name) >= CONF_NAME_MAX) {
		conf_error(x, s, "%s name '%.20s...' is longer than %d bytes",
		    what, name, CONF_NAME_MAX - 1);
		return NULL;
	}
	return conf_strdup(x, name);
}
