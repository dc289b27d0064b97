/*
 * reload - SIGHUP: the new config is loaded beside the running one and
 * its engine built beside the running engine (engine_new + engine_adopt:
 * windows of rules whose definition did not change survive); swapped
 * only if all of it loads. A broken file keeps the running rules, and
 * conf_load has logged every error as file:line: message.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/run.h"

int
run_setup_engine(struct run *r, struct conf *c, struct engine *old)
{
	struct engine *e;

	free(r->sink_names);
	r->sink_names = calloc(c->nsinks ? c->nsinks : 1, sizeof(char *));
	if (r->sink_names == NULL)
		return -1;
	r->console = (struct notify_console){ stdout, false, r->sink_names };
	for (unsigned i = 0; i < c->nsinks; i++) {
		const struct conf_sink *s = &c->sinks[i];
		const struct conf_kv *kv = conf_sink_kv(s, "format");

		r->sink_names[i] = s->name;
		if (s->type == CONF_SINK_CONSOLE && kv != NULL &&
		    kv->value != NULL && strcmp(kv->value, "json") == 0)
			r->console.json = true;
		if (s->type != CONF_SINK_CONSOLE)
			log_warnx("sink '%s' (%s): delivery is not built "
				  "yet; its notifications are printed here",
			    s->name, s->type_name);
	}
	notifier_init(&r->notifier, notify_console, &r->console);
	if ((e = engine_new(c->rules, notifier_emit, &r->notifier)) == NULL)
		return -1;
	if (old != NULL) {
		engine_adopt(e, old);
		engine_free(old);
	}
	r->engine = e;
	return 0;
}

/* The inputs of a and b are the same (names, paths, formats). */
static bool
same_inputs(const struct conf *a, const struct conf *b)
{
	if (a->ninputs != b->ninputs)
		return false;
	for (unsigned i = 0; i < a->ninputs; i++) {
		const struct conf_input *x = &a->inputs[i], *y = &b->inputs[i];

		if (strcmp(x->name, y->name) != 0 ||
		    strcmp(x->format, y->format) != 0 ||
		    (x->path == NULL) != (y->path == NULL) ||
		    (x->path && strcmp(x->path, y->path) != 0) ||
		    (x->log_format == NULL) != (y->log_format == NULL) ||
		    (x->log_format && strcmp(x->log_format, y->log_format)))
			return false;
	}
	return true;
}

/* SIGHUP: the new config beside the running one, swapped if it loads. */
void
run_reload(struct run *r)
{
	struct conf fresh;

	log_info("reloading \"%s\"", r->conf_path);
	if (conf_load(&fresh, r->conf_path, NULL, NULL) == -1) {
		log_warnx("reload failed: the running rules stay");
		return;
	}
	if (!same_inputs(&r->conf, &fresh)) {
		log_warnx("reload: the inputs changed; restart klaxon to "
			  "apply them (the running rules stay)");
		conf_release(&fresh);
		return;
	}
	if (run_setup_engine(r, &fresh, r->engine) == -1)
		fatalx("out of memory");
	for (unsigned i = 0; i < r->nfiles; i++) {
		struct run_file *f = &r->files[i];
		const struct conf_input *in = &fresh.inputs[f->input];

		f->recs.prog = in->prog;
		f->ing.prog = in->prog;
		f->ing.fields = fresh.fields;
	}
	conf_release(&r->conf);
	r->conf = fresh;
	log_info("reloaded: %zu rule%s", ruleset_count(r->conf.rules),
	    log_plural(ruleset_count(r->conf.rules)));
}
