/*
 * engine - the event path: runs, filters, windows, sample and breakdown
 * intake, engine_feed(_run). The engine module is split by concern
 * (engine_impl.h has the map); what runs per event for every rule stays
 * in this file so that it inlines into engine_feed_run.
 *
 * Runs: events come in runs of one input (engine_feed_run; engine_feed is
 * a run of one). run_collect takes the events of one second of the clock
 * (up to ENGINE_RUN_MAX), moving the clock event by event as one-at-a-time
 * feeding would; then each rule subscribed to the input (a list per
 * input, built once) takes the whole run: its where filter is evaluated
 * one expression node at a time across the run (expr_eval_run, a bit per
 * event), the matching events go into the rule's groups in order, and the
 * sample lines a group keeps are copied once per run (samples_take). This
 * keeps a rule's filter, window and group in cache and its branches
 * predictable; test_feed_run_same checks it gives what feeding one event
 * at a time gives.
 *
 * Per matching event: the group key (the group_by values, each cut to a
 * 128-byte slot with "...") is looked up in the rule's group table
 * (engine_group.c). A rule without group_by has one group: feed_single
 * looks it up once per run and hands the run's values to
 * window_add_many. The value
 * goes into the group's window, the breakdown counter takes the key, the
 * sample slots note the event. An event without the value field
 * (sum/avg/min/max/pNN: no number; distinct: absent) matches but stays
 * out of the aggregate, so count and min_count count events with a value:
 * the window cannot count an event without its value.
 *
 * Evaluation (engine.h): a group that took events is marked dirty and
 * evaluated when its second is closed, with every event of that second
 * in, so a second of a busy log costs one evaluation per group, not one
 * per event (engine_clock.c).
 *
 * Time: the clock is the largest event time seen (or a later tick). An
 * event older than clock - RULE_SLACK_MS_DEFAULT is late: counted and
 * dropped; a younger out-of-order event goes into the window at its own
 * time. An event in a later second than the clock's closes the seconds
 * before its own first (engine_advance).
 *
 * Breakdown: per group a space-saving counter (Metwally et al.) of BD_SLOTS
 * keys, with counts and summed values per sixteenth of the window, so the
 * report describes the window's events (engine_breakdown.c). About 10 KiB
 * per group, only for rules with a breakdown.
 *
 * Samples: the first event of the episode (slot 0) and the two latest. An
 * episode starts with the first event after the group's window was empty,
 * or after its first sample left the window, while inactive, and ends at
 * RESOLVED; a ratio(FILTER) rule samples only events that match FILTER.
 * Slots hold reference-counted
 * copies (struct sline) shared by the groups of every rule that took the
 * line in the run; released copies are kept for reuse, up to
 * SLINE_SPARE_MAX. Out of memory, a sample reads as "".
 *
 * Not handled: far-future event times move the clock (and make the
 * following events late); the agent should bound them.
 */
#include "rules/engine.h"

#include <math.h>
#include <string.h>

#include "rules/engine_impl.h"
#include "parsers/compat.h"

/*
 * engine_advance with its common case inline, for engine_feed: a time at
 * or before the clock (once there is one) changes nothing.
 */
static inline void
advance(struct engine *e, int64_t t)
{
	if (e->now != TIME_NONE && t <= e->now)
		return;
	engine_advance(e, t);
}

/* Create the one group of each absent() rule that may count silence. */
void engine_ensure_absent(struct engine *e, int64_t now);

/* --- samples --------------------------------------------------------- */

/* The line of run event k, copied at its first use in the run and shared
 * by every group that takes it; NULL when out of memory (reads ""). */
static struct sline *
run_line(struct engine *e, const struct log_event *ev, unsigned k)
{
	if (e->run_line[k] == NULL && (e->run_line[k] = sline_get(e)) != NULL) {
		const struct log_event *x = &ev[e->run_idx[k]];
		struct keyv kv =
		    key_view(x->line.p, x->line.len, ALERT_TEXT_MAX);

		key_store(e->run_line[k]->text, &kv);
	}
	return e->run_line[k];
}

/* Run event k goes to g's samples: the slot is chosen now, the line is
 * copied when the rule is through the run (samples_take), so that a run
 * copies at most three lines per group rather than one per event. */
static void
sample_note(struct group *g, unsigned k, int64_t t)
{
	unsigned slot = 0;

	if (g->nsamples == 0) {
		g->nsamples = 1;
	} else {
		/* Slots 1 and 2 take the latest events in turn. */
		slot = 1 + (unsigned)(g->nlatest % 2);
		g->nlatest++;
		if (g->nsamples < ALERT_SAMPLES_MAX)
			g->nsamples++;
	}
	g->run_slot[slot] = (int32_t)k;
	g->sample_ms[slot] = t;
}

/* The lines sample_note chose, for every group rs fed in this run (all
 * are on its dirty list). */
static void
samples_take(struct engine *e, struct rstate *rs, const struct log_event *ev)
{
	for (struct group *g = rs->dirty; g != NULL; g = g->dnext) {
		for (unsigned i = 0; i < ALERT_SAMPLES_MAX; i++) {
			struct sline *l;

			if (g->run_slot[i] < 0)
				continue;
			l = run_line(e, ev, (unsigned)g->run_slot[i]);
			g->run_slot[i] = -1;
			if (g->samples[i] == l)
				continue;
			sline_put(e, g->samples[i]);
			g->samples[i] = l;
			if (l != NULL)
				l->refs++;
		}
	}
}

/* --- events ---------------------------------------------------------- */

/* The breakdown takes event x at t with value v. */
static inline void
bd_take(const struct rule *r, struct group *g, const struct log_event *x,
    int64_t t, double v)
{
	int f = r->breakdown_field;
	struct keyv kv = event_has(x, f)
	    ? key_view(x->text[f].p, x->text[f].len, BD_KEY_MAX)
	    : (struct keyv){ "-", 1, false };

	engine_bd_add(g->bd, t, &kv, bd_by_value(r) ? (isnan(v) ? 0 : v) : 1);
}

/*
 * Whether run event k at t goes to g's samples: for a ratio rule only
 * when it matched the ratio filter (hit), the events the alert is about;
 * an inactive group whose first sample left the window first starts its
 * samples afresh, so samples are of the window that fires.
 */
static inline void
sample_take(struct engine *e, const struct rule *r, struct group *g,
    unsigned k, int64_t t, bool hit)
{
	if (r->ratio != NULL && !hit)
		return;
	if (g->state == ALERT_INACTIVE && g->nsamples > 0 &&
	    t >= g->sample_ms[0] + r->spec.window_ms)
		engine_samples_reset(e, g);
	sample_note(g, k, t);
}

/* g took event k at t (the window did): episode, last event, sample.
 * feed_single has this inline on local copies of the two times (as a
 * helper through pointers it cost the bench 3%): change both. */
static inline void
took(struct engine *e, const struct rule *r, struct group *g, unsigned k,
    int64_t t, bool hit)
{
	if (g->last_event_ms == TIME_NONE ||
	    t >= g->last_event_ms + r->spec.window_ms) {
		/* The window was empty: a new episode of events. */
		g->oldest_ms = t;
		if (g->state == ALERT_INACTIVE)
			engine_samples_reset(e, g);
	} else if (t < g->oldest_ms) {
		g->oldest_ms = t;
	}
	if (g->last_event_ms == TIME_NONE || t > g->last_event_ms)
		g->last_event_ms = t;
	sample_take(e, r, g, k, t, hit);
}

/*
 * The value event x brings to rule r: v for numeric kinds, h for
 * distinct() (NAN and 0 otherwise). False when x lacks it (no number,
 * "-", absent): the event matches but stays out of the aggregate, so the
 * window counts events with a value.
 */
static inline bool
value_of(
    const struct rule *r, const struct log_event *x, double *v, uint64_t *h)
{
	int f = r->value_field;

	*v = NAN;
	*h = 0;
	if (f < 0)
		return true;
	if (r->kind == AGG_DISTINCT) {
		if (!event_has(x, f))
			return false;
		*h = window_hash(x->text[f].p, x->text[f].len);
		return true;
	}
	if (!event_has_num(x, f) || !isfinite(x->num[f]))
		return false;
	*v = x->num[f];
	return true;
}

/*
 * Run event k (time t, clock now), which passed rule rs's filter (hit:
 * and its ratio filter), into the rule: value, group, window, episode,
 * sample slot, breakdown.
 */
static inline void
feed_one(struct engine *e, struct rstate *rs, const struct log_event *ev,
    unsigned k, int64_t t, int64_t now, bool hit)
{
	const struct rule *r = rs->r;
	double v;
	uint64_t h;
	struct group *g;

	rs->st.matched++;
	if (!value_of(r, ev, &v, &h))
		return;
	g = engine_group_for(e, rs, ev, now);
	if (g == NULL)
		return;
	if (!window_add(g->win, &r->spec, t, v, hit, h)) {
		/* Before the window's left edge (a window shorter than the
		 * slack), or a full cell: late for this rule. */
		e->st.late++;
		return;
	}
	took(e, r, g, k, t, hit);
	if (g->bd != NULL)
		bd_take(r, g, ev, t, v);
	dirty_mark(e, rs, g);
}

/* Whether rs takes feed_single: one group. */
static inline bool
single(const struct rule *r)
{
	return r->ngroup == 0;
}

/*
 * feed_one for the matching events m of a single() rule, at once: the
 * values first, the rule's one group looked up once, the window taking
 * the events in one window_add_many, then each taken event updating the
 * group as feed_one does (nothing there depends on the window).
 */
static void
feed_single(struct engine *e, struct rstate *rs, const struct log_event *ev,
    const uint64_t m[EXPR_RUN_WORDS], const uint64_t hits[EXPR_RUN_WORDS])
{
	const struct rule *r = rs->r;
	int64_t t[ENGINE_RUN_MAX];
	double v[ENGINE_RUN_MAX];
	uint64_t h[ENGINE_RUN_MAX];
	bool hit[ENGINE_RUN_MAX], taken[ENGINE_RUN_MAX];
	unsigned kk[ENGINE_RUN_MAX];
	struct group *g = NULL;
	size_t n = 0;
	bool any = false;

	for (unsigned w = 0; w < EXPR_RUN_WORDS; w++) {
		rs->st.matched += (uint64_t)__builtin_popcountll(m[w]);
		for (uint64_t b = m[w]; b != 0; b &= b - 1) {
			unsigned k = w * 64 + (unsigned)__builtin_ctzll(b);
			const struct log_event *x = &ev[e->run_idx[k]];

			if (!value_of(r, x, &v[n], &h[n]))
				continue;
			if (g == NULL &&
			    (g = engine_group_for(e, rs, x, e->run_now[k])) == NULL)
				continue;
			t[n] = e->run_t[k];
			hit[n] = (hits[w] >> (k % 64)) & 1;
			kk[n++] = k;
		}
	}
	if (n == 0)
		return;
	window_add_many(g->win, &r->spec, t, v, hit, h, n, taken);
	/* took() for each taken event, the group's two times in locals. */
	{
		int64_t last = g->last_event_ms, oldest = g->oldest_ms;

		for (size_t j = 0; j < n; j++) {
			int64_t tj = t[j];

			if (!taken[j]) {
				e->st.late++;
				continue;
			}
			if (last == TIME_NONE ||
			    tj >= last + r->spec.window_ms) {
				oldest = tj;
				if (g->state == ALERT_INACTIVE)
					engine_samples_reset(e, g);
			} else if (tj < oldest) {
				oldest = tj;
			}
			if (last == TIME_NONE || tj > last)
				last = tj;
			sample_take(e, r, g, kk[j], tj, hit[j]);
			any = true;
		}
		g->last_event_ms = last;
		g->oldest_ms = oldest;
	}
	if (g->bd != NULL) {
		for (size_t j = 0; j < n; j++) {
			if (taken[j])
				bd_take(
				    r, g, &ev[e->run_idx[kk[j]]], t[j], v[j]);
		}
	}
	if (any)
		dirty_mark(e, rs, g);
}

/* The run's events through one rule, in order: the filters over the
 * whole run first (expr_eval_run), then each matching event. */
static void
feed_rule(struct engine *e, struct rstate *rs, const struct log_event *ev)
{
	const struct rule *r = rs->r;
	uint64_t m[EXPR_RUN_WORDS], hits[EXPR_RUN_WORDS] = { 0 }, any = 0;

	memcpy(m, e->run_all, sizeof(m));
	if (r->where != NULL)
		expr_eval_run(r->where, ev, e->run_idx, m);
	if (r->ratio != NULL) {
		memcpy(hits, m, sizeof(hits));
		expr_eval_run(r->ratio, ev, e->run_idx, hits);
	}
	if (single(r))
		feed_single(e, rs, ev, m, hits);
	for (unsigned w = 0; w < EXPR_RUN_WORDS; w++) {
		for (uint64_t b = single(r) ? 0 : m[w]; b != 0; b &= b - 1) {
			unsigned k = w * 64 + (unsigned)__builtin_ctzll(b);

			feed_one(e, rs, &ev[e->run_idx[k]], k, e->run_t[k],
			    e->run_now[k], (hits[w] & b & -b) != 0);
		}
		e->run_matched[w] |= m[w];
		any |= m[w];
	}
	if (any == 0)
		return;
	/* An event leaves its window by t + window (window.h: never late);
	 * the margin covers the rounding of t to its second. The run's
	 * latest time may belong to an event the rule did not take: a
	 * later bound, which only makes the passes look sooner. */
	e->busy_until =
	    max64(e->busy_until, e->run_tmax + r->spec.window_ms + 2000);
	samples_take(e, rs, ev);
}

/*
 * Take events of ev[*i..n) into the run while they stay within the
 * clock's second (the first one may cross into a later second: it settles
 * the groups and runs the passes first). Late events and events before
 * any time are counted and left out.
 */
static void
run_collect(struct engine *e, const struct log_event *ev, size_t n, size_t *i)
{
	/* The first ms of the second after the clock's (no division per
	 * event): an event at or past it crosses into a later second. */
	int64_t next =
	    e->now == TIME_NONE ? INT64_MIN : (floor_sec(e->now) + 1) * 1000;

	e->run_n = 0;
	e->run_tmax = TIME_NONE;
	for (; *i < n && e->run_n < ENGINE_RUN_MAX; (*i)++) {
		int64_t t = ev[*i].time_ms;

		if (t == EVENT_TIME_NONE) {
			e->st.events++;
			e->st.no_time++;
			if (e->now == TIME_NONE)
				continue;
			t = e->now;
		} else if (e->now != TIME_NONE && t >= next) {
			if (e->run_n > 0)
				return; /* the next run starts there */
			e->st.events++;
		} else {
			e->st.events++;
			if (e->now != TIME_NONE &&
			    t < e->now - RULE_SLACK_MS_DEFAULT) {
				e->st.late++;
				continue;
			}
		}
		advance(e, t);
		if (t >= next)
			next = (floor_sec(e->now) + 1) * 1000;
		e->run_idx[e->run_n] = (uint32_t)*i;
		e->run_t[e->run_n] = t;
		e->run_now[e->run_n] = e->now;
		e->run_n++;
		if (t > e->run_tmax)
			e->run_tmax = t;
	}
}

void
engine_feed_run(
    struct engine *e, unsigned input, const struct log_event *ev, size_t n)
{
	size_t i = 0;

	/* A run's events are indexed with 32 bits (run_idx). */
	while (n > UINT32_MAX / 2) {
		engine_feed_run(e, input, ev, UINT32_MAX / 2);
		ev += UINT32_MAX / 2;
		n -= UINT32_MAX / 2;
	}
	while (i < n) {
		run_collect(e, ev, n, &i);
		if (e->run_n == 0 || input >= RULE_SOURCES_MAX)
			continue;
		if (!(e->seen & (UINT32_C(1) << input))) {
			e->seen |= UINT32_C(1) << input;
			engine_ensure_absent(e, e->run_now[0]);
		}
		for (unsigned w = 0; w < EXPR_RUN_WORDS; w++) {
			unsigned left =
			    e->run_n > w * 64 ? e->run_n - w * 64 : 0;

			e->run_all[w] =
			    left >= 64 ? UINT64_MAX : (UINT64_C(1) << left) - 1;
			e->run_matched[w] = 0;
		}
		for (size_t r = 0; r < e->nsubs[input]; r++)
			feed_rule(e, &e->rules[e->subs[input][r]], ev);
		for (unsigned w = 0; w < EXPR_RUN_WORDS; w++)
			e->st.matched +=
			    (uint64_t)__builtin_popcountll(e->run_matched[w]);
		/* The groups that took a line hold their own refs. */
		for (unsigned k = 0; k < e->run_n; k++) {
			sline_put(e, e->run_line[k]);
			e->run_line[k] = NULL;
		}
	}
}

void
engine_feed(struct engine *e, unsigned input, const struct log_event *ev)
{
	engine_feed_run(e, input, ev, 1);
}
