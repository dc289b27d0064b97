/*
 * test_ts - timestamp parsers, the civil calendar, ISO formatting and TZif
 * zones (Debian's tzdata under /usr/share/zoneinfo). Expected epochs were
 * computed independently with Python's datetime/zoneinfo: fold=0 is the
 * first reading of an ambiguous local time (ts_zone_to_utc's), fold=1 the
 * second; a time in a spring gap maps to the instant of the change (where
 * fold=0 and fold=1 disagree and neither keeps a file's lines in order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "parsers/ts.h"

#include "parsers/compat.h"

#define BAD INT64_MIN

/* The shape of the ts_parse_* functions. */
typedef int parse_fn(const char *p, size_t len, int64_t *out);

/*
 * fn on in: want BAD means it must fail and leave its output alone;
 * anything else is the value it must give.
 */
static void
check_parse(const char *name, parse_fn *fn, const char *in, int64_t want)
{
	int64_t out = 42;
	int rc = fn(in, strlen(in), &out);

	if (want == BAD) {
		if (rc != -1 || out != 42)
			fail_msg("%s: accepted or touched out", name);
	} else if (rc != 0 || out != want) {
		fail_msg("%s: rc %d got %lld, want %lld", name, rc,
		    (long long)out, (long long)want);
	}
}

static void
test_clf(void **state)
{
	static const struct {
		const char *name, *in;
		int64_t want_ms; /* BAD: must fail */
	} cases[] = {
		{ "utc", "22/Nov/2026:14:45:49 +0000", 1795358749000 },
		{ "plus0530", "22/Nov/2026:20:15:49 +0530", 1795358749000 },
		{ "minus0800", "22/Nov/2026:06:45:49 -0800", 1795358749000 },
		{ "2022", "22/Nov/2022:14:45:49 +0000", 1669128349000 },
		{ "leap 2024", "29/Feb/2024:00:00:00 +0000", 1709164800000 },
		{ "leap 2000", "29/Feb/2000:23:59:59 +0000", 951868799000 },
		{ "epoch", "01/Jan/1970:00:00:00 +0000", 0 },
		{ "before epoch", "31/Dec/1969:23:59:59 +0000", -1000 },
		{ "not leap 2023", "29/Feb/2023:00:00:00 +0000", BAD },
		{ "not leap 1900", "29/Feb/1900:00:00:00 +0000", BAD },
		{ "31 april", "31/Apr/2026:00:00:00 +0000", BAD },
		{ "day 0", "00/Nov/2026:14:45:49 +0000", BAD },
		{ "day 32", "32/Dec/2026:14:45:49 +0000", BAD },
		{ "bad month", "22/Foo/2026:14:45:49 +0000", BAD },
		{ "lowercase month", "22/nov/2026:14:45:49 +0000", BAD },
		{ "hour 24", "22/Nov/2026:24:00:00 +0000", BAD },
		{ "minute 60", "22/Nov/2026:14:60:49 +0000", BAD },
		{ "second 60", "22/Nov/2026:14:45:60 +0000", BAD },
		{ "bad digit", "2a/Nov/2026:14:45:49 +0000", BAD },
		{ "bad year digit", "22/Nov/20x6:14:45:49 +0000", BAD },
		{ "sign missing", "22/Nov/2026:14:45:49 00000", BAD },
		{ "offset 24h", "22/Nov/2026:14:45:49 +2400", BAD },
		{ "offset min 60", "22/Nov/2026:14:45:49 +0060", BAD },
		{ "short", "22/Nov/2026:14:45:49 +000", BAD },
		{ "long", "22/Nov/2026:14:45:49 +00000", BAD },
		{ "with brackets", "[22/Nov/2026:14:45:49 +0000]", BAD },
		{ "wrong separator", "22-Nov-2026:14:45:49 +0000", BAD },
		{ "empty", "", BAD },
		/* Issue 8: past 9999-12-31 (or before 0000) in UTC. */
		{ "last second", "31/Dec/9999:23:59:59 +0000",
		    253402300799000 },
		{ "past 9999 by zone", "31/Dec/9999:23:59:59 -0100", BAD },
		{ "year 0", "01/Jan/0000:00:00:00 +0000", -62167219200000 },
		{ "before year 0", "01/Jan/0000:00:30:00 +0100", BAD },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		check_parse(
		    cases[i].name, ts_parse_clf, cases[i].in, cases[i].want_ms);
}

static void
test_iso8601(void **state)
{
	static const struct {
		const char *name, *in;
		int64_t want_ms;
	} cases[] = {
		{ "nginx", "2026-11-22T14:45:49+00:00", 1795358749000 },
		{ "zulu", "2026-11-22T14:45:49Z", 1795358749000 },
		{ "frac 3", "2026-11-22T14:45:49.123Z", 1795358749123 },
		{ "frac 1", "2026-11-22T14:45:49.1Z", 1795358749100 },
		{ "frac 6", "2026-11-22T14:45:49.123456+00:00", 1795358749123 },
		{ "plus0100", "2026-11-22T15:45:49+01:00", 1795358749000 },
		{ "no colon", "2026-11-22T15:45:49+0100", 1795358749000 },
		{ "minus", "2026-11-22T06:45:49-08:00", 1795358749000 },
		{ "gunicorn", "2026-11-22 14:45:49 +0000", 1795358749000 },
		{ "no zone", "2026-11-22T14:45:49", BAD },
		{ "dot only", "2026-11-22T14:45:49.Z", BAD },
		{ "trailing", "2026-11-22T14:45:49Zx", BAD },
		{ "two spaces", "2026-11-22 14:45:49  +0000", BAD },
		{ "month 13", "2026-13-22T14:45:49Z", BAD },
		{ "bad sep", "2026/11/22T14:45:49Z", BAD },
		{ "short", "2026-11-22", BAD },
		/* Issue 8: past 9999-12-31 (or before 0000) in UTC. */
		{ "last ms", "9999-12-31T23:59:59.999Z", 253402300799999 },
		{ "past 9999 by zone", "9999-12-31T23:30:00-01:00", BAD },
		{ "before year 0", "0000-01-01T00:00:00+00:01", BAD },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		check_parse(cases[i].name, ts_parse_iso8601, cases[i].in,
		    cases[i].want_ms);
}

static void
test_msec(void **state)
{
	static const struct {
		const char *name, *in;
		int64_t want_ms;
	} cases[] = {
		{ "nginx", "1669128349.123", 1669128349123 },
		{ "no frac", "1669128349", 1669128349000 },
		{ "long frac", "1669128349.123999", 1669128349123 },
		{ "zero", "0.000", 0 },
		{ "dot end", "1669128349.", BAD },
		{ "dot first", ".123", BAD },
		{ "sign", "-1.000", BAD },
		{ "letters", "16691a8349.123", BAD },
		{ "13 digits", "1669128349123.000", BAD },
		{ "huge", "99999999999999999999999.1", BAD },
		{ "space", "1669128349.123 ", BAD },
		{ "empty", "", BAD },
		/* Issue 8: 12 digits reach year 33658; 9999 is the end. */
		{ "last ms", "253402300799.999", 253402300799999 },
		{ "year 10000", "253402300800", BAD },
		{ "12 digits", "999999999999.000", BAD },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		check_parse(cases[i].name, ts_parse_msec, cases[i].in,
		    cases[i].want_ms);
}

static void
test_local_forms(void **state)
{
	static const struct {
		const char *name, *in;
		int ctime; /* 1: ts_parse_ctime, 0: ts_parse_ymd */
		int64_t want_sec;
	} cases[] = {
		{ "ymd", "2026/11/22 14:45:49", 0, 1795358749 },
		{ "ymd leap", "2024/02/29 00:00:00", 0, 1709164800 },
		{ "ymd not leap", "2023/02/29 00:00:00", 0, BAD },
		{ "ymd month 0", "2026/00/22 14:45:49", 0, BAD },
		{ "ymd dashes", "2026-11-22 14:45:49", 0, BAD },
		{ "ymd long", "2026/11/22 14:45:49 ", 0, BAD },
		{ "ymd digit", "2026/11/2x 14:45:49", 0, BAD },
		{ "ctime", "Sun Nov 22 14:45:49 2026", 1, 1795358749 },
		{ "ctime padded", "Mon Nov  2 14:45:49 2026", 1, 1793630749 },
		{ "ctime zero", "Mon Nov 02 14:45:49 2026", 1, 1793630749 },
		{ "ctime bad wday", "Xyz Nov 22 14:45:49 2026", 1, BAD },
		{ "ctime bad month", "Sun Nox 22 14:45:49 2026", 1, BAD },
		{ "ctime 31 nov", "Sun Nov 31 14:45:49 2026", 1, BAD },
		{ "ctime short", "Sun Nov 22 14:45:49 26", 1, BAD },
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++)
		check_parse(cases[i].name,
		    cases[i].ctime ? ts_parse_ctime : ts_parse_ymd, cases[i].in,
		    cases[i].want_sec);
}

static void
test_month(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		int want;
	} cases[] = {
		{ "Jan", 3, 1 }, { "Feb", 3, 2 }, { "Mar", 3, 3 },
		{ "Apr", 3, 4 }, { "May", 3, 5 }, { "Jun", 3, 6 },
		{ "Jul", 3, 7 }, { "Aug", 3, 8 }, { "Sep", 3, 9 },
		{ "Oct", 3, 10 }, { "Nov", 3, 11 }, { "Dec", 3, 12 },
		{ "jan", 3, 0 }, { "JAN", 3, 0 }, { "Janu", 4, 0 },
		{ "Ja", 2, 0 }, { "", 0, 0 }, { "Sept", 4, 0 },
		{ "Jan", 2, 0 }, /* length counts, not the NUL */
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		int got = ts_month(cases[i].in, cases[i].len);

		if (got != cases[i].want)
			fail_msg("%s/%zu: got %d want %d", cases[i].in,
			    cases[i].len, got, cases[i].want);
	}
}

static void
test_civil(void **state)
{
	static const struct {
		int y;
		unsigned m, d;
		int64_t days;
	} cases[] = {
		{ 1970, 1, 1, 0 },
		{ 1969, 12, 31, -1 },
		{ 2000, 3, 1, 11017 },
		{ 2000, 2, 29, 11016 },
		{ 2026, 11, 22, 20779 },
		{ 1900, 3, 1, -25508 },
		{ 0, 3, 1, -719468 },
		{ 9999, 12, 31, 2932896 },
	};
	int y;
	unsigned m, d;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		int64_t got =
		    ts_days_from_civil(cases[i].y, cases[i].m, cases[i].d);

		if (got != cases[i].days)
			fail_msg("%d-%u-%u: %lld", cases[i].y, cases[i].m,
			    cases[i].d, (long long)got);
		ts_civil_from_days(got, &y, &m, &d);
		if (y != cases[i].y || m != cases[i].m || d != cases[i].d)
			fail_msg("%d-%u-%u: back %d-%u-%u", cases[i].y,
			    cases[i].m, cases[i].d, y, m, d);
	}
	/* Round trip and day-by-day continuity across 4000 years. */
	for (int64_t days = -800000; days < 800000; days += 13) {
		ts_civil_from_days(days, &y, &m, &d);
		if (m < 1 || m > 12 || d < 1 || d > ts_days_in_month(y, m) ||
		    ts_days_from_civil(y, m, d) != days)
			fail_msg(
			    "day %lld: %d-%u-%u", (long long)days, y, m, d);
	}
	assert_int_equal(ts_days_in_month(2024, 2), 29);
	assert_int_equal(ts_days_in_month(2100, 2), 28);
	assert_int_equal(ts_days_in_month(2026, 13), 0);
	/* Absurd inputs are clamped, never undefined. */
	ts_civil_from_days(INT64_MAX, &y, &m, &d);
	ts_civil_from_days(INT64_MIN, &y, &m, &d);
}

static void
test_format_iso(void **state)
{
	static const struct {
		int64_t ms;
		const char *want; /* "" = refused */
	} cases[] = {
		{ 1795358749000, "2026-11-22T14:45:49.000Z" },
		{ 1795358749123, "2026-11-22T14:45:49.123Z" },
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ 951782400000, "2000-02-29T00:00:00.000Z" },
		{ 253402300799999, "9999-12-31T23:59:59.999Z" },
		{ 253402300800000, "" },
		{ -62167219200000, "0000-01-01T00:00:00.000Z" },
		{ -62167219200001, "" },
		{ INT64_MAX, "" },
		{ INT64_MIN, "" },
	};
	char buf[TS_ISO_LEN + 1], small[TS_ISO_LEN];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t n = ts_format_iso(cases[i].ms, buf, sizeof(buf));
		int64_t back;

		if (n != strlen(cases[i].want) || strcmp(buf, cases[i].want))
			fail_msg("%lld: got \"%s\" want \"%s\"",
			    (long long)cases[i].ms, buf, cases[i].want);
		if (n &&
		    (ts_parse_iso8601(buf, n, &back) || back != cases[i].ms))
			fail_msg("%lld: no round trip", (long long)cases[i].ms);
	}
	assert_int_equal(ts_format_iso(0, small, sizeof(small)), 0);
	assert_int_equal(small[0], '\0');
}

static int64_t
local_sec(int y, unsigned mo, unsigned d, int h, int mi, int s)
{
	return ts_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static const struct {
	const char *zone;
	int y;
	unsigned mo, d;
	int h, mi, s;
	int64_t utc;
} zone_cases[] = {
	{ "Europe/Berlin", 2026, 1, 15, 12, 0, 0, 1768474800 },
	{ "Europe/Berlin", 2026, 7, 15, 12, 0, 0, 1784109600 },
	/* spring forward 2026-03-29 02:00 CET -> 03:00 CEST */
	{ "Europe/Berlin", 2026, 3, 29, 1, 59, 59, 1774745999 },
	{ "Europe/Berlin", 2026, 3, 29, 2, 0, 0, 1774746000 },
	{ "Europe/Berlin", 2026, 3, 29, 2, 30, 0, 1774746000 },
	{ "Europe/Berlin", 2026, 3, 29, 3, 0, 0, 1774746000 },
	/* fall back 2026-10-25 03:00 CEST -> 02:00 CET */
	{ "Europe/Berlin", 2026, 10, 25, 1, 59, 59, 1792886399 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 0, 0, 1792886400 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 30, 0, 1792888200 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 59, 59, 1792889999 },
	{ "Europe/Berlin", 2026, 10, 25, 3, 0, 0, 1792893600 },
	/* past the file's last transition (2037): the footer rule */
	{ "Europe/Berlin", 2040, 7, 1, 12, 0, 0, 2224749600 },
	{ "Europe/Berlin", 2040, 3, 25, 2, 30, 0, 2216250000 },
	{ "Europe/Berlin", 2040, 10, 28, 2, 30, 0, 2234997000 },
	{ "Europe/Berlin", 1900, 1, 1, 0, 0, 0, -2208992400 },
	{ "America/New_York", 2026, 7, 4, 9, 0, 0, 1783170000 },
	{ "America/New_York", 2026, 11, 1, 1, 30, 0, 1793511000 },
	{ "America/New_York", 2026, 3, 8, 2, 30, 0, 1772953200 },
	{ "Asia/Kolkata", 2026, 11, 22, 20, 15, 49, 1795358749 },
	{ "Australia/Sydney", 2026, 1, 15, 12, 0, 0, 1768438800 },
	{ "Australia/Sydney", 2026, 7, 15, 12, 0, 0, 1784080800 },
	{ "Australia/Sydney", 2026, 4, 5, 2, 30, 0, 1775316600 },
	{ "UTC", 2026, 11, 22, 14, 45, 49, 1795358749 },
};

static void
check_zone_cases(const char *zone, struct ts_zone *z, const char *how)
{
	for (size_t i = 0; i < NELEM(zone_cases); i++) {
		const __typeof__(zone_cases[0]) *c = &zone_cases[i];
		int64_t l, got;

		if (strcmp(c->zone, zone) != 0)
			continue;
		l = local_sec(c->y, c->mo, c->d, c->h, c->mi, c->s);
		got = ts_zone_to_utc(z, l);
		if (got != c->utc)
			fail_msg("%s %s %d-%u-%u %02d:%02d:%02d: got %lld want "
				 "%lld",
			    how, zone, c->y, c->mo, c->d, c->h, c->mi, c->s,
			    (long long)got, (long long)c->utc);
	}
}

static void
test_zones(void **state)
{
	static const char *const names[] = { "Europe/Berlin",
		"America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC" };
	char err[256];

	(void)state;
	for (size_t i = 0; i < NELEM(names); i++) {
		struct ts_zone *z = ts_zone_load(names[i], err, sizeof(err));

		if (z == NULL)
			fail_msg("%s: %s", names[i], err);
		assert_string_equal(ts_zone_name(z), names[i]);
		check_zone_cases(names[i], z, "file");
		ts_zone_free(z);
	}
	/* Offsets at UTC instants on both sides of Berlin's changes. */
	{
		struct ts_zone *z =
		    ts_zone_load("Europe/Berlin", err, sizeof(err));

		assert_non_null(z);
		assert_int_equal(ts_zone_offset(z, 1774745999), 3600);
		assert_int_equal(ts_zone_offset(z, 1774746000), 7200);
		assert_int_equal(ts_zone_offset(z, 1792889999), 7200);
		assert_int_equal(ts_zone_offset(z, 1792890000), 3600);
		assert_int_equal(ts_zone_offset(z, 2224749600), 7200);
		/* Extreme inputs saturate, never overflow. */
		(void)ts_zone_to_utc(z, INT64_MIN);
		(void)ts_zone_to_utc(z, INT64_MAX);
		(void)ts_zone_offset(z, INT64_MIN);
		(void)ts_zone_offset(z, INT64_MAX);
		ts_zone_free(z);
	}
	assert_int_equal(ts_zone_to_utc(NULL, 12345), 12345);
	ts_zone_free(NULL);
}

/*
 * Issue 8: both readings of a local time around the changes of the year,
 * north (Berlin) and south (Sydney, Santiago, whose changes are at
 * midnight), from the TZif table (2026) and from its footer rule (2040).
 * An ambiguous time gives two readings a shift apart; a time in the
 * spring gap gives the instant of the change twice.
 */
static const struct {
	const char *zone;
	int y;
	unsigned mo, d;
	int h, mi, s;
	int64_t first, second;
} reading_cases[] = {
	{ "Europe/Berlin", 2026, 10, 25, 1, 59, 59, 1792886399, 1792886399 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 0, 0, 1792886400, 1792890000 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 30, 0, 1792888200, 1792891800 },
	{ "Europe/Berlin", 2026, 10, 25, 3, 0, 0, 1792893600, 1792893600 },
	{ "Europe/Berlin", 2026, 3, 29, 1, 59, 59, 1774745999, 1774745999 },
	{ "Europe/Berlin", 2026, 3, 29, 2, 0, 0, 1774746000, 1774746000 },
	{ "Europe/Berlin", 2026, 3, 29, 2, 30, 0, 1774746000, 1774746000 },
	{ "Europe/Berlin", 2026, 3, 29, 3, 0, 0, 1774746000, 1774746000 },
	{ "Europe/Berlin", 2040, 10, 28, 2, 30, 0, 2234997000, 2235000600 },
	{ "Europe/Berlin", 2040, 3, 25, 2, 30, 0, 2216250000, 2216250000 },
	{ "Australia/Sydney", 2026, 4, 5, 2, 30, 0, 1775316600, 1775320200 },
	{ "Australia/Sydney", 2026, 10, 4, 2, 30, 0, 1791043200, 1791043200 },
	{ "Australia/Sydney", 2026, 10, 4, 3, 0, 0, 1791043200, 1791043200 },
	{ "Australia/Sydney", 2040, 4, 1, 2, 30, 0, 2216820600, 2216824200 },
	{ "America/Santiago", 2026, 4, 4, 23, 30, 0, 1775356200, 1775359800 },
	{ "America/Santiago", 2026, 9, 6, 0, 30, 0, 1788667200, 1788667200 },
	{ "America/Santiago", 2026, 9, 6, 1, 0, 0, 1788667200, 1788667200 },
	{ "America/Santiago", 2040, 4, 7, 23, 30, 0, 2217465000, 2217468600 },
	{ "UTC", 2026, 10, 25, 2, 30, 0, 1792895400, 1792895400 },
};

static void
check_readings(const char *zone, struct ts_zone *z, const char *how)
{
	for (size_t i = 0; i < NELEM(reading_cases); i++) {
		const __typeof__(reading_cases[0]) *c = &reading_cases[i];
		int64_t l, a = 0, b = 0;

		if (strcmp(c->zone, zone) != 0)
			continue;
		l = local_sec(c->y, c->mo, c->d, c->h, c->mi, c->s);
		ts_zone_readings(z, l, &a, &b);
		if (a != c->first || b != c->second)
			fail_msg("%s %s %d-%u-%u %02d:%02d:%02d: got %lld %lld "
				 "want %lld %lld",
			    how, zone, c->y, c->mo, c->d, c->h, c->mi, c->s,
			    (long long)a, (long long)b, (long long)c->first,
			    (long long)c->second);
		if (ts_zone_to_utc(z, l) != c->first)
			fail_msg("%s %s: ts_zone_to_utc is not the first "
				 "reading",
			    how, zone);
	}
}

static void
test_zone_readings_issue_8(void **state)
{
	static const struct {
		const char *load, *as; /* as: reading_cases to check */
		int env;	       /* 1: load through $TZ */
	} cases[] = {
		{ "Europe/Berlin", "Europe/Berlin", 0 },
		{ "Australia/Sydney", "Australia/Sydney", 0 },
		{ "America/Santiago", "America/Santiago", 0 },
		{ "UTC", "UTC", 0 },
		{ "CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin", 1 },
		{ "AEST-10AEDT,M10.1.0,M4.1.0/3", "Australia/Sydney", 1 },
		{ "<-04>4<-03>,M9.1.6/24,M4.1.6/24", "America/Santiago", 1 },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct ts_zone *z;

		if (cases[i].env)
			setenv("TZ", cases[i].load, 1);
		z = ts_zone_load(cases[i].env ? NULL : cases[i].load, err,
		    sizeof(err));
		unsetenv("TZ");
		if (z == NULL)
			fail_msg("%s: %s", cases[i].load, err);
		check_readings(cases[i].as, z, cases[i].load);
		ts_zone_free(z);
	}
}

static void
test_zone_errors(void **state)
{
	static const struct {
		const char *name, *want_in_err;
	} cases[] = {
		{ "Mars/Olympus_Mons",
		    "unknown time zone \"Mars/Olympus_Mons\"" },
		{ "../../etc/passwd", "bad name" },
		{ "/etc/passwd", "bad name" },
		{ "Europe/Berlin;rm", "bad name" },
		{ "", "bad name" },
		{ "Europe", "not a regular file" },
		{ "zone.tab", "bad TZif file" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct ts_zone *z =
		    ts_zone_load(cases[i].name, err, sizeof(err));

		if (z != NULL) {
			ts_zone_free(z);
			fail_msg("%s: loaded", cases[i].name);
		}
		if (strstr(err, cases[i].want_in_err) == NULL)
			fail_msg("%s: err \"%s\"", cases[i].name, err);
	}
}

static void
test_zone_env(void **state)
{
	static const struct {
		const char *tz, *as; /* as: zone_cases to check it against */
	} cases[] = {
		{ ":Europe/Berlin", "Europe/Berlin" },
		{ "Europe/Berlin", "Europe/Berlin" },
		{ "/usr/share/zoneinfo/Europe/Berlin", "Europe/Berlin" },
		{ "CET-1CEST,M3.5.0,M10.5.0/3", "Europe/Berlin" },
		{ "EST5EDT,M3.2.0,M11.1.0", "America/New_York" },
		{ "EST5EDT", "America/New_York" }, /* POSIX default rule */
		{ "<+0530>-5:30", "Asia/Kolkata" },
		{ "AEST-10AEDT,M10.1.0,M4.1.0/3", "Australia/Sydney" },
		{ "", "UTC" },
		{ ":UTC", "UTC" },
	};
	char err[256];
	char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct ts_zone *z;

		setenv("TZ", cases[i].tz, 1);
		if ((z = ts_zone_load(NULL, err, sizeof(err))) == NULL)
			fail_msg("TZ=%s: %s", cases[i].tz, err);
		check_zone_cases(cases[i].as, z, cases[i].tz);
		ts_zone_free(z);
	}
	setenv("TZ", "Not A Zone", 1);
	assert_null(ts_zone_load(NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "unknown time zone"));
	unsetenv("TZ");
	{
		struct ts_zone *z = ts_zone_load(NULL, err, sizeof(err));

		if (z == NULL)
			fail_msg("host zone: %s", err);
		ts_zone_free(z);
	}
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	}
}

/* Build a minimal TZif v2 file: no transitions, one type, a footer. */
static size_t
tzif_v2(unsigned char *b, size_t cap, const char *footer)
{
	static const unsigned char type[6] = { 0, 0, 0x0e, 0x10, 0, 0 };
	size_t n = 0, fl = strlen(footer);

	assert_true(cap >= 2 * (44 + 10) + fl + 2);
	for (int v = 0; v < 2; v++) {
		memset(b + n, 0, 44);
		memcpy(b + n, "TZif2", 5);
		b[n + 39] = 1; /* typecnt */
		b[n + 43] = 4; /* charcnt */
		n += 44;
		memcpy(b + n, type, 6);
		memcpy(b + n + 6, "CET", 4);
		n += 10;
	}
	b[n++] = '\n';
	memcpy(b + n, footer, fl);
	n += fl;
	b[n++] = '\n';
	return n;
}

static void
write_file(const char *path, const unsigned char *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static struct ts_zone *
load_path(const char *path, char *err, size_t errlen)
{
	struct ts_zone *z;

	setenv("TZ", path, 1);
	z = ts_zone_load(NULL, err, errlen);
	unsetenv("TZ");
	return z;
}

/*
 * Hostile files: every truncation of the real Berlin file, every byte of
 * its header and first data bytes flipped, huge counts, and a slim file
 * whose rule is all it has. None may crash (ASan run); broken ones fail.
 */
static void
test_zone_hostile(void **state)
{
	char dir[] = "/tmp/test_ts.XXXXXX", path[64], err[256];
	unsigned char *orig = NULL, *b, slim[256];
	size_t n = 0, sn;
	FILE *f;
	struct ts_zone *z;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tz", dir);
	f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
	assert_non_null(f);
	orig = malloc(65536);
	assert_non_null(orig);
	n = fread(orig, 1, 65536, f);
	fclose(f);
	assert_true(n > 100);
	b = malloc(n);
	assert_non_null(b);

	for (size_t cut = 0; cut < n; cut++) {
		write_file(path, orig, cut);
		if ((z = load_path(path, err, sizeof(err))) != NULL) {
			ts_zone_free(z);
			fail_msg("cut at %zu of %zu loaded", cut, n);
		}
	}
	for (size_t i = 0; i < 200 && i < n; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			memcpy(b, orig, n);
			b[i] ^= (unsigned char)(1u << bit);
			write_file(path, b, n);
			z = load_path(path, err, sizeof(err));
			if (z) {
				(void)ts_zone_to_utc(z, 1795358749);
				(void)ts_zone_offset(z, 1795358749);
				ts_zone_free(z);
			}
		}
	}
	memcpy(b, orig, n);
	memset(b + 32, 0xff, 4); /* timecnt 4294967295 */
	write_file(path, b, n);
	assert_null(load_path(path, err, sizeof(err)));
	assert_non_null(strstr(err, "bad counts"));

	sn = tzif_v2(slim, sizeof(slim), "CET-1CEST,M3.5.0,M10.5.0/3");
	write_file(path, slim, sn);
	if ((z = load_path(path, err, sizeof(err))) == NULL)
		fail_msg("slim: %s", err);
	check_zone_cases("Europe/Berlin", z, "slim");
	ts_zone_free(z);
	static const char *const bad_footers[] = { "CET-1CEST,M3.5.0",
		"CET-1CEST,M13.5.0,M10.5.0/3", "CET-1CEST,M3.5.", "C-1",
		"CET-1CEST,J0,J365", "<CET-1", "CET-1CEST,M3.5.0,M10.5.0/999" };
	for (size_t i = 0; i < NELEM(bad_footers); i++) {
		sn = tzif_v2(slim, sizeof(slim), bad_footers[i]);
		write_file(path, slim, sn);
		if ((z = load_path(path, err, sizeof(err))) != NULL) {
			ts_zone_free(z);
			fail_msg("footer %s: loaded", bad_footers[i]);
		}
	}
	unlink(path);
	rmdir(dir);
	free(b);
	free(orig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clf),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_msec),
		cmocka_unit_test(test_local_forms),
		cmocka_unit_test(test_month),
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_format_iso),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_zone_readings_issue_8),
		cmocka_unit_test(test_zone_errors),
		cmocka_unit_test(test_zone_env),
		cmocka_unit_test(test_zone_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
