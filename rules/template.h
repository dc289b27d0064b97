/*
 * template - the summary line of an alert: "{rule}: {value} {op}
 * {threshold} over {window}".
 *
 * A template is compiled once with its rule (unknown placeholders are
 * errors that `klaxon check` reports) and rendered into a caller's fixed
 * buffer for each transition, without allocation. Log-derived text (group
 * values, breakdown keys) is inserted as it is: escaping for Slack, JSON or
 * SMS is the sink's job.
 *
 * Placeholders:
 *   {rule} {severity} {value} {op} {threshold} {window} {count}
 *   {group.NAME}   value of group_by field NAME ("" when the rule has none)
 *   {group}        all group values, "host=a, status=502"
 *   {breakdown}    top contributors, "key-1 87%, key-2 9%" (needs breakdown);
 *                  "none" when there are none (a resolved alert)
 *   {{ and }}      a literal brace
 */
#ifndef RULES_TEMPLATE_H
#define RULES_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEMPLATE_SRC_MAX 1024  /* longest template source */
#define TEMPLATE_TRUNC   "..." /* marks a rendering cut at the buffer */

struct template; /* opaque */

/* One contributor for {breakdown}: the key and its share, 0..1. */
struct template_contrib {
	const char *key;
	double share;
};

/* Everything a template may print; borrowed for one render call. */
struct template_vars {
	const char *rule;
	const char *severity;
	const char *op; /* ">", ">=", ... */
	double value;   /* NAN prints "n/a" */
	double threshold;
	int64_t window_ms;
	uint64_t count;
	unsigned ngroup;
	const char *const *group_names;  /* ngroup names */
	const char *const *group_values; /* ngroup values */
	unsigned ncontrib;
	const struct template_contrib *contrib;
};

/*
 * Compile src. group_names are the rule's group_by fields (valid for
 * {group.NAME}); has_breakdown allows {breakdown}. On error returns NULL
 * and writes "column N: message" (1-based) into err.
 */
struct template *template_compile(const char *src,
    const char *const *group_names, unsigned ngroup, bool has_breakdown,
    char *err, size_t errlen);

void template_free(struct template *t); /* NULL-safe */

/* The source text the template was compiled from. */
const char *template_src(const struct template *t);

/*
 * Render t with v into buf (bufsz > 0), always NUL-terminated; a result
 * that does not fit ends with TEMPLATE_TRUNC. Returns the length written.
 */
size_t template_render(const struct template *t, const struct template_vars *v,
    char *buf, size_t bufsz);

/*
 * A value for people: integers as integers, "2.31", "0.0123", "1.5e+09",
 * "n/a" for NAN. Returns the length written (buf is always terminated).
 */
size_t template_format_value(double v, char *buf, size_t bufsz);

/* A duration in ms as "5m", "1h30m", "90s" -> "1m30s", "0s". */
size_t template_format_duration(int64_t ms, char *buf, size_t bufsz);

#endif /* RULES_TEMPLATE_H */
