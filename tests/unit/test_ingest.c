/*
 * test_ingest - the one record -> event stage: what a stream's records
 * become (events, skips, failures with their sample), the time a record
 * without one takes (the stream's, arrival's, or none: unplaced), and the
 * reading of an ambiguous local time kept against the stream's time.
 *
 * Lines: uWSGI's (a request line with its time, "DAMN ! worker ..." with
 * none; worded as tests/data/uwsgi/source-worded.log, from uWSGI's source)
 * and nginx's error log in Europe/Berlin across the autumn change (worded
 * as nginx's ngx_log.c writes it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/ingest.h"
#include "parsers/parser.h"

#include "parsers/compat.h"

#define REQ                                                                   \
	"[pid: 8186|app: 0|req: 2/1] 127.0.0.1 () {30 vars in 359 bytes} "   \
	"[Sun Nov 22 15:50:09 2026] GET /x => generated 3 bytes in 0 msecs " \
	"(HTTP/1.1 200) 2 headers in 64 bytes (1 switches on core 0)"
#define DAMN                                                                  \
	"DAMN ! worker 1 (pid: 8100) died, killed by signal 9 :( trying "     \
	"respawn ..."
#define T_REQ INT64_C(1795362609000) /* 2026-11-22T15:50:09Z */

static struct parser_prog *
compile(const char *format, const char *tz)
{
	const struct parser *p = parser_lookup(format);
	static struct field_table ft;
	struct parser_opts po = { 0 };
	struct parser_prog *prog;
	char err[256];

	assert_non_null(p);
	field_table_init(&ft);
	po.fields = &ft;
	po.timezone = tz;
	prog = p->compile(&po, err, sizeof(err));
	if (prog == NULL)
		fail_msg("%s: %s", format, err);
	return prog;
}

static enum ingest_rc
feed(struct ingest *in, const char *line, int64_t arrival,
    struct log_event *ev)
{
	enum ingest_rc rc = ingest_record(in, sv_make(line, strlen(line)), 0,
	    arrival, ev);

	if (rc == INGEST_TIMED)
		ingest_place(in, ev);
	return rc;
}

/* A record without a time takes the stream's, else arrival, else none. */
static void
test_ingest_no_time(void **state)
{
	const struct parser *p = parser_lookup("uwsgi");
	struct parser_prog *prog = compile("uwsgi", "UTC");
	struct ingest in;
	struct log_event ev;

	(void)state;
	ingest_init(&in, p, prog, NULL, NULL);
	assert_int_equal(feed(&in, DAMN, EVENT_TIME_NONE, &ev),
	    INGEST_UNPLACED);
	assert_int_equal(feed(&in, DAMN, T_REQ - 5000, &ev), INGEST_TOOK);
	assert_true(ev.time_ms == T_REQ - 5000);
	assert_int_equal(feed(&in, REQ, EVENT_TIME_NONE, &ev), INGEST_TIMED);
	assert_true(ev.time_ms == T_REQ);
	assert_int_equal(feed(&in, DAMN, EVENT_TIME_NONE, &ev), INGEST_TOOK);
	assert_true(ev.time_ms == T_REQ);
	assert_int_equal(in.st->events, 4);
	assert_int_equal(in.st->no_time, 3);
	assert_int_equal(in.st->unplaced, 1);
	p->prog_free(prog);
}

/* Blank lines are skipped; a bad one is counted, the first one kept. */
static void
test_ingest_counts(void **state)
{
	const struct parser *p = parser_lookup("nginx_error");
	struct parser_prog *prog = compile("nginx_error", "UTC");
	struct ingest_stats shared = { 0 };
	struct ingest a, b;
	struct log_event ev;

	(void)state;
	ingest_init(&a, p, prog, NULL, &shared);
	ingest_init(&b, p, prog, NULL, &shared);
	assert_int_equal(feed(&a, "", EVENT_TIME_NONE, &ev), INGEST_SKIP);
	assert_int_equal(feed(&a, "2026/13/40 99:00:00 [error] 1#1: x",
			     EVENT_TIME_NONE, &ev),
	    INGEST_BAD);
	assert_int_equal(feed(&b, "2026/02/30 10:00:00 [error] 1#1: y",
			     EVENT_TIME_NONE, &ev),
	    INGEST_BAD);
	assert_int_equal(shared.skipped, 1);
	assert_int_equal(shared.bad, 2);
	assert_string_equal(shared.bad_sample,
	    "2026/13/40 99:00:00 [error] 1#1: x");
	assert_true(shared.bad_error[0] != '\0');
	p->prog_free(prog);
}

/* Europe/Berlin's repeated 02:xx hour: the reading nearer the stream. */
static void
test_ingest_ambiguous(void **state)
{
	const struct parser *p = parser_lookup("nginx_error");
	struct parser_prog *prog = compile("nginx_error", "Europe/Berlin");
	struct ingest in;
	struct log_event ev;
	/* 2026-10-25 02:50 CEST = 00:50Z; 03:00 CEST = 01:00Z = 02:00 CET;
	 * 02:10 CET = 01:10Z. */
	int64_t t0250 = INT64_C(1792889400000), t0210cet = INT64_C(1792890600000);

	(void)state;
	ingest_init(&in, p, prog, NULL, NULL);
	assert_int_equal(feed(&in, "2026/10/25 02:50:00 [error] 1#1: a",
			     EVENT_TIME_NONE, &ev),
	    INGEST_TIMED);
	assert_true(ev.time_ms == t0250);
	/* 02:10 again, after the change: the later reading. */
	assert_int_equal(feed(&in, "2026/10/25 02:10:00 [error] 1#1: b",
			     EVENT_TIME_NONE, &ev),
	    INGEST_TIMED);
	assert_true(ev.time_ms == t0210cet);
	p->prog_free(prog);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ingest_no_time),
		cmocka_unit_test(test_ingest_counts),
		cmocka_unit_test(test_ingest_ambiguous),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
