/*
 * notify - transitions rendered for the console, the timeline and JSON.
 *
 * JSON is built with jansson, log-derived strings through evjson_string
 * (invalid UTF-8 escaped as \xHH). The text form escapes control bytes
 * and DEL as \xHH too: a hostile User-Agent with ESC sequences must not
 * repaint an operator's terminal.
 */
#include "agent/notify.h"

#include <math.h>
#include <string.h>

#include "agent/evjson.h"
#include "parsers/ts.h"
#include "rules/template.h"
#include "agent/log.h"
#include "parsers/compat.h"

void
notifier_init(struct notifier *n, notify_backend_fn *fn, void *arg)
{
	memset(n, 0, sizeof(*n));
	n->backend = fn;
	n->arg = arg;
}

int
notifier_only(struct notifier *n, const char *name)
{
	if (n->nonly == NOTIFY_ONLY_MAX)
		return -1;
	n->only[n->nonly++] = name;
	return 0;
}

static bool
notifier_wants(const struct notifier *n, const char *rule)
{
	if (n->nonly == 0)
		return true;
	for (unsigned i = 0; i < n->nonly; i++) {
		if (strcmp(n->only[i], rule) == 0)
			return true;
	}
	return false;
}

void
notifier_emit(void *arg, const struct alert_transition *t)
{
	struct notifier *n = arg;

	/* Pending is the engine's bookkeeping: nobody is told of it. */
	if (t->state != ALERT_FIRING && t->state != ALERT_RESOLVED)
		return;
	if (!notifier_wants(n, t->rule_name))
		return;
	n->sent++;
	n->backend(n->arg, t);
}

void
notify_console(void *arg, const struct alert_transition *t)
{
	const struct notify_console *c = arg;
	json_t *o;

	if (!c->json) {
		notify_text(c->f, t, true);
		return;
	}
	if ((o = notify_json(t, c->sink_names)) == NULL)
		fatalx("out of memory");
	json_dumpf(o, c->f, JSON_COMPACT);
	fputc('\n', c->f);
	json_decref(o);
}

const char *
notify_state_name(const struct alert_transition *t)
{
	switch (t->state) {
	case ALERT_FIRING:
		return "firing";
	case ALERT_RESOLVED:
		return "resolved";
	case ALERT_PENDING:
		return "pending";
	default:
		return "inactive";
	}
}

void
notify_format_at(int64_t ms, char *buf, size_t n)
{
	char iso[32];

	/* Floor to the second also for times before 1970. */
	ms -= ((ms % 1000) + 1000) % 1000;
	if (ts_format_iso(ms, iso, sizeof(iso)) == 0) {
		snprintf(buf, n, "?");
		return;
	}
	/* "2026-11-22T14:45:55.000Z" -> "2026-11-22T14:45:55Z" */
	snprintf(buf, n, "%.19sZ", iso);
}

static json_t *
group_json(const struct alert_transition *t)
{
	json_t *g = json_object();

	for (unsigned i = 0; i < t->ngroup; i++)
		json_object_set_new(g, t->group_names[i],
		    evjson_string(t->group_values[i],
			strlen(t->group_values[i])));
	return g;
}

static json_t *
breakdown_json(const struct alert_transition *t)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < t->ncontrib; i++) {
		const struct alert_contrib *c = &t->contrib[i];
		json_t *o = json_object();

		json_object_set_new(o, "key",
		    evjson_string(c->key, strlen(c->key)));
		json_object_set_new(o, "count", json_integer((json_int_t)c->count));
		json_object_set_new(o, "share_events",
		    evjson_number(c->share_events, true));
		json_object_set_new(o, "share_value",
		    evjson_number(c->share_value, true));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
notify_json(const struct alert_transition *t, const char *const *sink_names)
{
	json_t *o = json_object(), *a;
	char at[32];

	if (o == NULL)
		return NULL;
	notify_format_at(t->at_ms, at, sizeof(at));
	json_object_set_new(o, "at", json_string(at));
	json_object_set_new(o, "rule", json_string(t->rule_name));
	json_object_set_new(o, "state", json_string(notify_state_name(t)));
	json_object_set_new(o, "group", group_json(t));
	json_object_set_new(o, "value", evjson_number(t->value, true));
	json_object_set_new(o, "threshold",
	    evjson_number(t->threshold, true));
	json_object_set_new(o, "count", json_integer((json_int_t)t->count));
	json_object_set_new(o, "severity", json_string(t->severity));
	json_object_set_new(o, "summary",
	    evjson_string(t->summary, strlen(t->summary)));
	json_object_set_new(o, "dedup_key", json_string(t->dedup_key));
	notify_format_at(t->active_since_ms, at, sizeof(at));
	json_object_set_new(o, "since", json_string(at));
	if (t->repeat)
		json_object_set_new(o, "repeat", json_true());
	if (t->ncontrib > 0)
		json_object_set_new(o, "breakdown", breakdown_json(t));
	if (t->nsamples > 0) {
		a = json_array();
		for (unsigned i = 0; i < t->nsamples; i++)
			json_array_append_new(a, evjson_string(t->samples[i],
			    strlen(t->samples[i])));
		json_object_set_new(o, "samples", a);
	}
	a = json_array();
	for (unsigned i = 0; i < t->nnotify; i++)
		json_array_append_new(a, json_string(sink_names[t->notify[i]]));
	json_object_set_new(o, "notify", a);
	return o;
}

/* Write s with control bytes, DEL and backslash as \xHH / \\. */
static void
put_safe(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

void
notify_text(FILE *f, const struct alert_transition *t, bool detail)
{
	char at[32], val[32], thr[32];

	notify_format_at(t->at_ms, at, sizeof(at));
	template_format_value(t->value, val, sizeof(val));
	template_format_value(t->threshold, thr, sizeof(thr));
	fprintf(f, "%s  %-8s %s", at, t->repeat ? "REPEAT" :
	    t->state == ALERT_FIRING ? "FIRING" :
	    t->state == ALERT_RESOLVED ? "RESOLVED" : "PENDING", t->rule_name);
	if (t->ngroup > 0) {
		fputc('{', f);
		for (unsigned i = 0; i < t->ngroup; i++) {
			fprintf(f, "%s%s=", i ? ", " : "", t->group_names[i]);
			put_safe(f, t->group_values[i]);
		}
		fputc('}', f);
	}
	fprintf(f, "  value=%s (threshold %s, %llu event%s)  ", val, thr,
	    (unsigned long long)t->count, log_plural(t->count));
	put_safe(f, t->summary);
	fputc('\n', f);
	if (!detail || t->state != ALERT_FIRING)
		return;
	for (unsigned i = 0; i < t->ncontrib; i++) {
		fprintf(f, "    %s ", i == 0 ? "top:" : "    ");
		put_safe(f, t->contrib[i].key);
		fprintf(f, "  %.0f%% of events, %.0f%% of value (%llu)\n",
		    t->contrib[i].share_events * 100,
		    t->contrib[i].share_value * 100,
		    (unsigned long long)t->contrib[i].count);
	}
	for (unsigned i = 0; i < t->nsamples; i++) {
		fprintf(f, "    %s ", i == 0 ? "line:" : "     ");
		put_safe(f, t->samples[i]);
		fputc('\n', f);
	}
}
