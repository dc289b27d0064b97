/*
 * notify - the one place that decides which alert transitions are sent,
 * and how a transition is rendered: the JSON object that `klaxon dry-run
 * --json` and the console sink (format = "json") print, and the line for
 * people that the console sink and the dry-run timeline print.
 *
 * The notifier is the engine's emit callback in every driver: dry-run,
 * `klaxon test` and (later) the live agent. It applies the policy once
 * (a PENDING transition is never sent; FIRING, its repeats and RESOLVED
 * are; an optional rule filter, dry-run's --rule) and hands what passes
 * to a backend: dry-run's timeline, the test collector, the console sink.
 * So dry-run predicts live by construction, not by copies agreeing; the
 * delivery stage adds its backends (the outbox) behind the same seam.
 */
#ifndef AGENT_NOTIFY_H
#define AGENT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "rules/engine.h"

/* A backend: t passed the policy; valid only during the call. */
typedef void notify_backend_fn(void *arg, const struct alert_transition *t);

#define NOTIFY_ONLY_MAX 256

struct notifier {
	notify_backend_fn *backend;
	void *arg;
	const char *only[NOTIFY_ONLY_MAX]; /* rule names (borrowed) */
	unsigned nonly;			   /* 0: every rule */
	uint64_t sent;			   /* handed to the backend */
};

void notifier_init(struct notifier *n, notify_backend_fn *fn, void *arg);
/* Send only the transitions of rule `name` (and of the others so added);
 * -1 when NOTIFY_ONLY_MAX names are given already. */
int notifier_only(struct notifier *n, const char *name);
/* The engine's emit callback: engine_new(rs, notifier_emit, n). */
void notifier_emit(void *arg, const struct alert_transition *t);

/*
 * The console backend: notify_text (with detail) or one notify_json
 * object a line on f. arg is a struct notify_console.
 */
struct notify_console {
	FILE *f;
	bool json;
	const char *const *sink_names; /* for "notify" in JSON */
};
void notify_console(void *arg, const struct alert_transition *t);

/* "firing", "resolved", "pending" (never NULL). */
const char *notify_state_name(const struct alert_transition *t);

/*
 * {"at", "rule", "state", "group", "value", "threshold", "count",
 *  "severity", "summary", "dedup_key", "since", "repeat"?, "breakdown"?,
 *  "samples"?, "notify"} as a new object; sink_names maps t->notify ids.
 * NULL on ENOMEM.
 */
json_t *notify_json(const struct alert_transition *t,
    const char *const *sink_names);

/*
 * One line: time, state, rule, group, value and summary; with detail, the
 * breakdown and the sample lines follow, indented. Log-derived text is
 * written with control bytes escaped, so it cannot move the cursor of
 * the terminal it is shown on.
 */
void notify_text(FILE *f, const struct alert_transition *t, bool detail);

/* "2026-11-22T14:45:55Z": ms truncated to the second; buf >= 21 bytes. */
void notify_format_at(int64_t ms, char *buf, size_t n);

#endif /* AGENT_NOTIFY_H */
