/*
 * notify - an alert transition as the JSON object that `klaxon dry-run
 * --json` and the console sink (format = "json") print, and as the line
 * for people that the console sink and the dry-run timeline print.
 *
 * One function builds each, so that dry-run output and live output can be
 * compared line for line: dry-run must predict what live mode sends.
 */
#ifndef AGENT_NOTIFY_H
#define AGENT_NOTIFY_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "rules/engine.h"

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
