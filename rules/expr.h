/*
 * expr - the filter language of a rule's `where` and of `ratio(FILTER)`.
 *
 *   path =~ '^/api/' && path !in ['/api/draft_send', '/api/sync_deltas']
 *   status in [500, 502, 504] || client_disconnected
 *   !(method == "GET") && request_time >= 1.5
 *
 * Comparisons == != < <= > >=, regex =~ !~ (PCRE2, on bytes), membership
 * in [...] and !in [...], && || !, parentheses; strings in single or double
 * quotes (escapes \' \" \\; any other backslash is kept, so '\d+' reaches
 * PCRE2 as written); numbers -502, 1.5, 1e3. The left side of a comparison
 * is a field name (or `literal op field` for == != < <= > >=); a field
 * alone means "present and non-empty / non-zero". Precedence, tightest
 * first: !, comparisons, &&, ||. Since ! binds to a field, `!f == x` is an
 * error: write !(f == x) or f != x.
 *
 * Semantics: a field absent from the event makes every comparison on it
 * false, whatever the operator (!=, !~ and !in included). A number literal
 * compares numerically with the field's typed value and is false when the
 * field has text but no number (status "socket", upstream_status "-");
 * a string literal compares the field's text bytes exactly. `f in [a, b]`
 * is `f == a || f == b`; `f !in [a, b]` is `f != a && f != b`.
 *
 * Regexes cannot stall the caller: the subject is at most subject_max
 * bytes of the field (a cut subject is matched with PCRE2_NOTEOL, so `$`
 * never matches at the cut), PCRE2 runs JIT-compiled code under a match
 * limit, and the interpreter (no JIT: a MemoryDenyWriteExecute sandbox, or
 * a pattern starting with (*NO_JIT)) under a limit EXPR_INTERP_DIVISOR
 * times stricter. A match that hits a limit makes its comparison false
 * (for =~ and !~ alike) and counts in regex_limit_hits; after
 * quarantine_after hits the expression is quarantined and every further
 * evaluation is false.
 *
 * An expr is used by one thread at a time: evaluation writes its
 * statistics, its regexes' match data and its JIT stack.
 */
#ifndef RULES_EXPR_H
#define RULES_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/field.h"
#include "parsers/parser.h"

#define EXPR_LEN_MAX   16384 /* bytes of source, without the NUL */
#define EXPR_DEPTH_MAX 64    /* nested parentheses and '!' */
#define EXPR_REGEX_MAX 64    /* =~ and !~ per expression */

/* Defaults for struct expr_opts (0 there means the default). */
#define EXPR_MATCH_LIMIT_DEFAULT      10000
#define EXPR_DEPTH_LIMIT_DEFAULT      1000
#define EXPR_SUBJECT_MAX_DEFAULT      4096
#define EXPR_QUARANTINE_AFTER_DEFAULT 100
/* Without JIT the match limit is match_limit / EXPR_INTERP_DIVISOR. */
#define EXPR_INTERP_DIVISOR 20
/* Interpreter backtracking memory (PCRE2 heap limit, KiB). */
#define EXPR_HEAP_LIMIT_KIB 4096
/* JIT stack per expression with a JIT-compiled regex (address space). */
#define EXPR_JIT_STACK_START (32 * 1024)
#define EXPR_JIT_STACK_MAX   (512 * 1024)

struct expr;

/*
 * Regex time (regex_ns), when a clock is given. expr_eval_run (the
 * engine's path) times each run of a regex node whole: two clock reads
 * for up to EXPR_RUN_MAX calls, so the figure is what the calls cost,
 * memo hits and the literal fast path included. expr_eval (one event)
 * samples: about one regex call in EXPR_TIME_EVERY is timed, at random
 * gaps (a fixed stride would keep timing the same regex of an
 * expression and never the next), a sample long enough to hold an
 * interrupt or a preemption is timed again and the shorter kept, and the
 * estimate is the mean of the samples times the calls. A sampled call
 * measures latency, not throughput, so for calls of tens of ns it reads
 * high even so. Every interval has clock_cost_ns taken off: what the two
 * clock reads add, which is more than a memo hit costs. (Timing single
 * calls without these made dry-run's figure 2.4 times what a profile
 * shows.)
 */
#define EXPR_TIME_EVERY 64

struct expr_opts {
	uint32_t match_limit;       /* PCRE2 match limit with JIT */
	uint32_t depth_limit;       /* PCRE2 depth limit (interpreter only) */
	uint32_t subject_max;       /* bytes of a field given to a regex */
	uint64_t (*clock_ns)(void); /* monotonic ns for regex_ns; NULL: none */
	uint64_t clock_cost_ns;     /* expr_clock_cost(clock_ns), or 0 */
	uint32_t quarantine_after;  /* limit hits before quarantine */
};

/*
 * What one interval timed with clock_ns costs with nothing inside it: the
 * median of back-to-back reads (a few microseconds to measure; call once
 * per configuration, not per expression).
 */
uint64_t expr_clock_cost(uint64_t (*clock_ns)(void));

struct expr_stats {
	uint64_t evals;            /* expr_eval calls */
	uint64_t regex_calls;      /* regex matches run (PCRE2 or the
				      literal fast path) */
	uint64_t regex_limit_hits; /* matches stopped by a limit */
	uint64_t regex_ns; /* time matching regexes, when clock_ns given:
			      estimated from about one call in
			      EXPR_TIME_EVERY (see above) */
	bool quarantined;  /* every eval is false from now on */
};

/*
 * Compile src (NUL-terminated) into an expression. Names are resolved with
 * field_lookup(ft, ...) once, here; ft is not kept. o may be NULL for the
 * defaults. On error returns NULL and writes "column N: message" into err
 * (N is the 1-based byte column in src): for `stauts == 502`, "column 1:
 * unknown field 'stauts'"; for `status in [500, 502`, "column 20:
 * expected ']'"; for `path =~ '('`, "column 9: invalid regex: missing
 * closing parenthesis at offset 1".
 */
struct expr *expr_compile(const char *src, const struct field_table *ft,
    const struct expr_opts *o, char *err, size_t errlen);

/*
 * True when ev matches. No allocation on our side (PCRE2's interpreter
 * grows its backtracking vector inside the regex's match data the first
 * times it needs more, within EXPR_HEAP_LIMIT_KIB). Short-circuits && and
 * ||. Always false once the expression is quarantined.
 */
bool expr_eval(struct expr *e, const struct log_event *ev);

/*
 * expr_eval over many events at once: for each set bit k of sel (k <
 * EXPR_RUN_MAX), event ev[idx[k]]; the bit stays set when it matches.
 * The same answers and counters as expr_eval per event in order of k,
 * evaluated one node at a time across the events (a node's loop stays in
 * cache and its branches predictable), with && and || short-circuiting
 * per event as expr_eval does. A quarantine that starts during the call
 * applies from the next call.
 */
#define EXPR_RUN_MAX   256
#define EXPR_RUN_WORDS ((EXPR_RUN_MAX + 63) / 64)
void expr_eval_run(struct expr *e, const struct log_event *ev,
    const uint32_t *idx, uint64_t sel[EXPR_RUN_WORDS]);

/* Bit i set: the expression reads field id i. */
uint64_t expr_fields(const struct expr *e);

/* Counters since compile; valid as long as e. */
const struct expr_stats *expr_stats(const struct expr *e);

void expr_free(struct expr *e); /* NULL-safe */

/*
 * True when PCRE2 JIT can be used in this process (it is built in and
 * executable memory can be mapped). Tries a JIT compile on each call: call
 * it at startup, not per line.
 */
bool expr_jit_available(void);

#endif /* RULES_EXPR_H */
