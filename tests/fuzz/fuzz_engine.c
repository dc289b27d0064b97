/*
 * fuzz_engine - libFuzzer target for the engine's clock, windows, state
 * machine, breakdown, samples and snapshots.
 *
 * The input is a program: its first byte picks a rule (kind, window, for,
 * repeat, keep_firing_for, group_by, breakdown), then each 4-byte step is
 * an event (time delta, which may go back or jump far, status, key, host),
 * a tick, a flush, or a snapshot save and load into a fresh engine. The
 * transitions are checked against what engine.h promises:
 *   - at_ms is a whole second, never earlier than an earlier transition's;
 *   - per alert (dedup key): FIRING only when not firing, a repeat only
 *     while firing, RESOLVED only while firing, PENDING only when not
 *     firing;
 *   - an alert changes at most once per second (each group is evaluated
 *     at most once per closed second), across snapshots too;
 *   - contributors: count >= 1, shares in [0, 1];
 *   - sample lines and contributor keys are NUL-terminated in their slots.
 * (test_feed_run_same, a unit test, compares runs with single events.)
 *
 *   make fuzz (build-fuzz/fuzz_engine)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/engine.h"
#include "rules/rule.h"

#include "parsers/compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEPS_MAX 2000
#define ALERTS_MAX 64

static struct field_table ft;
static int f_key;
static uint64_t input_fields[1];
static const char *const input_names[] = { "access" };
static const char *const sink_names[] = { "console" };
static const unsigned default_notify[] = { 0 };
static struct rule_env env;

static const char *const values[] = { "count()", "rate()",
	"avg(request_time)", "max(request_time)", "p99(request_time)",
	"ratio(status >= 500)", "distinct(host)", "absent()" };
static const char *const conds[] = { ">= 3", "> 0.5", "< 1", ">= 1",
	"> 0.25", ">= 0.5", ">= 2", "> 0" };
static const char *const windows[] = { "1s", "10s", "1m", "5m", "17s",
	"1h", "2h", "3s" };
static const char *const durs[] = { NULL, "1s", "10s", "1m" };

struct alert {
	char key[17];
	int state; /* 0 inactive/resolved, 1 pending, 2 firing */
	int64_t last_change;
	int last_kind; /* state of the last transition */
};

struct rec {
	int64_t last_at;
	unsigned nalerts;
	struct alert alerts[ALERTS_MAX];
};

static struct rec rec;

static void
init(void)
{
	field_table_init(&ft);
	f_key = field_intern(&ft, "http_x_api_key", 14);
	input_fields[0] = (UINT64_C(1) << FIELD_TIME) |
	    (UINT64_C(1) << FIELD_STATUS) |
	    (UINT64_C(1) << FIELD_REQUEST_TIME) |
	    (UINT64_C(1) << FIELD_HOST) | (UINT64_C(1) << FIELD_PATH) |
	    (UINT64_C(1) << f_key);
	env.input_names = input_names;
	env.input_fields = input_fields;
	env.ninputs = 1;
	env.sink_names = sink_names;
	env.nsinks = 1;
	env.default_notify = default_notify;
	env.ndefault_notify = 1;
	env.fields = &ft;
}

static struct alert *
alert_of(const char *key)
{
	for (unsigned i = 0; i < rec.nalerts; i++) {
		if (strcmp(rec.alerts[i].key, key) == 0)
			return &rec.alerts[i];
	}
	if (rec.nalerts == ALERTS_MAX)
		abort(); /* more groups than the rule allows */
	memcpy(rec.alerts[rec.nalerts].key, key, 17);
	return &rec.alerts[rec.nalerts++];
}

static void
on_emit(void *arg, const struct alert_transition *t)
{
	struct alert *a;

	(void)arg;
	if (t->at_ms % 1000 != 0 || t->at_ms < rec.last_at)
		abort();
	rec.last_at = t->at_ms;
	if (memchr(t->dedup_key, '\0', sizeof(t->dedup_key)) == NULL)
		abort();
	a = alert_of(t->dedup_key);
	if (a->last_kind != 0 && a->last_change == t->at_ms)
		abort(); /* two changes of one alert in one second */
	switch (t->state) {
	case ALERT_PENDING:
		/* (A pending alert that stops holding goes back silently.) */
		if (a->state == 2)
			abort();
		a->state = 1;
		break;
	case ALERT_FIRING:
		if (t->repeat ? a->state != 2 : a->state == 2)
			abort();
		a->state = 2;
		break;
	case ALERT_RESOLVED:
		if (a->state != 2)
			abort();
		a->state = 0;
		break;
	default:
		abort();
	}
	a->last_change = t->at_ms;
	a->last_kind = t->state;
	for (unsigned i = 0; i < t->ncontrib; i++) {
		const struct alert_contrib *c = &t->contrib[i];

		if (c->count < 1 || !(c->share_events >= 0) ||
		    c->share_events > 1 + 1e-9 || !(c->share_value >= -1e-6) ||
		    c->share_value > 1 + 1e-6)
			abort();
		if (memchr(c->key, '\0', sizeof(c->key)) == NULL)
			abort();
	}
	for (unsigned i = 0; i < t->nsamples; i++) {
		if (memchr(t->samples[i], '\0', ALERT_TEXT_MAX) == NULL)
			abort();
	}
}

static void
rec_reset(void)
{
	memset(&rec, 0, sizeof(rec));
	rec.last_at = INT64_MIN;
}

struct ev {
	struct log_event ev;
	char line[96];
};

/* Step bytes b[0..3] into an event at t. */
static void
make_event(struct ev *e, int64_t t, const uint8_t *b)
{
	static const char *const hosts[] = { "a", "b", "c", "d" };
	char *p = e->line;
	int status = (b[1] & 7) == 0 ? 502 : (b[1] & 7) == 1 ? -502 : 200;
	double rt = (double)(b[2] & 31) / 8;
	int n;

	n = snprintf(p, sizeof(e->line), "%s %d %.3f k%u /p", hosts[b[1] >> 6],
	    status, rt, b[2] >> 5);
	event_reset(&e->ev, p, (size_t)n);
	e->ev.time_ms = (b[3] & 0x3f) == 0x3f ? EVENT_TIME_NONE : t;
	event_set_text(&e->ev, FIELD_HOST, sv_make(p, 1));
	event_set_text(&e->ev, FIELD_STATUS, sv_make(p + 2, 3));
	event_set_num(&e->ev, FIELD_STATUS, status);
	event_set_text(&e->ev, FIELD_REQUEST_TIME, sv_make(p + 6, 5));
	event_set_num(&e->ev, FIELD_REQUEST_TIME, rt);
	if ((b[2] & 0x1f) != 0x1f) {
		const char *k = strchr(p + 6, 'k');

		event_set_text(&e->ev, f_key, sv_make(k, 2));
	}
}

static void
on_error(void *arg, const struct rule_loc *loc, const char *msg)
{
	(void)arg;
	(void)loc;
	(void)msg;
}

static struct ruleset *
compile(uint8_t pick, uint8_t pick2)
{
	struct rule_def d;

	memset(&d, 0, sizeof(d));
	d.name = "r";
	d.loc = (struct rule_loc){ "f", 1 };
	d.sources[0] = "access";
	d.nsources = 1;
	d.value = values[pick & 7];
	if ((pick & 7) != 7)
		d.alert_if = conds[(pick >> 3) & 7];
	d.window = windows[pick2 & 7];
	d.min_count = (pick >> 6) == 3 ? 0 : -1;
	d.max_groups = (pick2 >> 3) & 1 ? 2 : -1;
	d.for_ = durs[(pick2 >> 4) & 3];
	d.repeat = durs[(pick >> 6) & 3];
	d.keep_firing_for = durs[(pick2 >> 6) & 3];
	if ((pick2 >> 3) & 1) {
		d.group_by[0] = "host";
		d.ngroup_by = 1;
	}
	if ((pick >> 5) & 1)
		d.breakdown = "http_x_api_key";
	return ruleset_compile(&d, 1, &env, on_error, NULL);
}

static struct engine *
reload(struct engine *e, const struct ruleset *rs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct engine *fresh;

	if (f == NULL)
		abort();
	if (engine_save(e, f) != 0)
		abort();
	fclose(f);
	fresh = engine_new(rs, on_emit, NULL);
	f = fmemopen(buf, len, "r");
	if (fresh == NULL || f == NULL || engine_load(fresh, f) != 0)
		abort();
	fclose(f);
	free(buf);
	engine_free(e);
	return fresh;
}

/* Run the program over a fresh engine. */
static void
run(const struct ruleset *rs, const uint8_t *data, size_t size)
{
	struct engine *e = engine_new(rs, on_emit, NULL);
	int64_t t = INT64_C(1700000000000);
	struct ev ev;

	if (e == NULL)
		abort();
	rec_reset();
	for (size_t i = 0; i + 4 <= size && i < STEPS_MAX * 4; i += 4) {
		const uint8_t *b = data + i;
		int op = b[0] >> 6;
		int64_t d = (int64_t)(b[0] & 0x3f) * 250;

		if (op == 3 && (b[3] >> 6) == 3)
			d = -(int64_t)(b[3] & 0x3f) * 1000; /* back */
		else if (op == 3 && (b[3] >> 6) == 2)
			d = (int64_t)b[3] * 60000; /* a jump */
		t += d;
		if (op == 0) {
			engine_tick(e, t);
		} else if (op == 1 && b[1] == 0xff) {
			engine_flush(e);
		} else if (op == 1 && b[1] == 0xfe) {
			e = reload(e, rs);
		} else {
			make_event(&ev, t, b);
			engine_feed(e, 0, &ev.ev);
		}
	}
	engine_flush(e);
	engine_free(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct ruleset *rs;

	if (!ready) {
		init();
		ready = true;
	}
	if (size < 2)
		return 0;
	rs = compile(data[0], data[1]);
	if (rs == NULL)
		return 0;
	run(rs, data + 2, size - 2);
	ruleset_free(rs);
	return 0;
}
