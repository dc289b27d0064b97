/*
 * fuzz_expr - libFuzzer target for the filter language: compile the input
 * as an expression (against the well-known fields plus an interned one)
 * and, when it compiles, evaluate it on a few fixed events: an access-log
 * 502, gevent's "socket" status, an event with no fields, and one whose
 * fields are long, all 'a', or invalid UTF-8 (so that regexes meet the
 * subject cap and their limits). Checks the error contract too: NULL comes
 * with a "column N: " message, success with an empty one; and that
 * expr_eval_run answers as expr_eval does, event by event.
 *
 *   clang -std=c11 -D_GNU_SOURCE -I. -g -O1 \
 *       -fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_expr.c \
 *       rules/expr.c rules/expr_*.c parsers/field.c -lpcre2-8 -lm
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/expr.h"

#include "parsers/compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct field_table ft;
static struct log_event evs[4];
static char long_a[8192];

static void
set(struct log_event *ev, int id, const char *text, size_t len)
{
	event_set_text(ev, id, sv_make(text, len));
}

static void
init(void)
{
	static const char ua[] = "Mozilla/5.0 (X11; Linux x86_64) \xff\xfe\x00";
	struct log_event *ev;
	int key;

	field_table_init(&ft);
	key = field_intern(&ft, "http_x_api_key", 14);
	memset(long_a, 'a', sizeof(long_a));

	ev = &evs[0];
	event_reset(ev, "", 0);
	set(ev, FIELD_METHOD, "GET", 3);
	set(ev, FIELD_PATH, "/api/x", 6);
	set(ev, FIELD_QUERY, "", 0);
	set(ev, FIELD_STATUS, "502", 3);
	event_set_num(ev, FIELD_STATUS, 502);
	set(ev, FIELD_REQUEST_TIME, "1.700", 5);
	event_set_num(ev, FIELD_REQUEST_TIME, 1.7);
	set(ev, FIELD_UPSTREAM_STATUS, "-", 1);
	set(ev, FIELD_HTTP_USER_AGENT, ua, sizeof(ua) - 1);
	if (key >= 0)
		set(ev, key, "k-123", 5);

	ev = &evs[1];
	event_reset(ev, "", 0);
	set(ev, FIELD_STATUS, "socket", 6);
	set(ev, FIELD_CLIENT_DISCONNECTED, "1", 1);
	event_set_num(ev, FIELD_CLIENT_DISCONNECTED, 1);

	event_reset(&evs[2], "", 0);

	ev = &evs[3];
	event_reset(ev, "", 0);
	for (int id = 0; id < FIELD_WELLKNOWN; id++)
		set(ev, id, long_a, id % 2 ? sizeof(long_a) : 31);
	set(ev, FIELD_HTTP_USER_AGENT, ua, sizeof(ua) - 1);
	event_set_num(ev, FIELD_STATUS, -502);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct expr *e;
	char *src, err[256];

	if (!ready) {
		init();
		ready = true;
	}
	if (size > EXPR_LEN_MAX + 16)
		return 0;
	if ((src = malloc(size + 1)) == NULL)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	e = expr_compile(src, &ft, NULL, err, sizeof(err));
	if (e == NULL) {
		if (strncmp(err, "column ", 7) != 0)
			abort();
	} else {
		const struct expr_stats *st = expr_stats(e);

		static const uint32_t idx[] = { 0, 1, 2, 3, 3, 2, 1, 0 };
		uint64_t sel[EXPR_RUN_WORDS] = { 0 };
		bool one[NELEM(evs)];

		if (err[0] != '\0')
			abort();
		for (size_t i = 0; i < NELEM(evs); i++)
			one[i] = expr_eval(e, &evs[i]);
		if (st->evals != NELEM(evs) ||
		    st->regex_limit_hits > st->regex_calls)
			abort();
		/* The run evaluator gives the same answers (unless a regex
		 * was quarantined on the way, which changes them). */
		sel[0] = (UINT64_C(1) << NELEM(idx)) - 1;
		expr_eval_run(e, evs, idx, sel);
		for (size_t k = 0; k < NELEM(idx) && !st->quarantined; k++) {
			if (((sel[0] >> k) & 1) != one[idx[k]])
				abort();
		}
		(void)expr_fields(e);
		expr_free(e);
	}
	free(src);
	return 0;
}
