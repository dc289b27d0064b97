/*
 * ts - timestamp formats -> UTC epoch, and the civil calendar.
 *
 * Why: every event needs a UTC time, parsed per line. libc's strptime is
 * locale-dependent and slow, gmtime/localtime/mktime consult global state
 * ($TZ, a static buffer, a lock) and cannot use a zone other than the
 * process's. So the civil calendar is done here with Howard Hinnant's
 * days_from_civil / civil_from_days (exact for the proleptic Gregorian
 * calendar, integer only) and month names come from a fixed English table.
 * Time zones (TZif files, POSIX TZ strings) are a separate concern, loaded
 * at config time rather than per line: they live in tz.c (declared in tz.h,
 * which ts.h includes) and use the calendar functions exported here.
 *
 * Invariants: the parsers read only [p, p + len), need no NUL, allocate
 * nothing and write their out-parameter only on success. Every field is
 * range-checked (month 1..12, day within its month, hour 0..23, minute
 * and second 0..59, zone offset up to 23:59). ts_civil_from_days clamps
 * its input so that the year always fits an int.
 *
 * Not handled: leap seconds (second 60 is refused; log timestamps are
 * POSIX times); instants outside 0000..9999 (UTC) in any format: refused,
 * also when the text is in range and its zone offset carries it out.
 *
 * Formats: nginx $time_local/$time_iso8601/$msec
 * (src/http/modules/ngx_http_log_module.c, src/core/ngx_times.c), nginx's
 * error-log prefix (src/core/ngx_log.c: "%4d/%02d/%02d %02d:%02d:%02d"),
 * gunicorn's %(t)s ("[%d/%b/%Y:%H:%M:%S %z]") and error-log time
 * ("%Y-%m-%d %H:%M:%S %z"), uwsgi's ctime-style request-log time.
 */
#include "parsers/ts.h"

#include <stdbool.h>

#include "parsers/compat.h"

#define TS_DAYS_MAX INT64_C(700000000000) /* keeps years in an int */

static const char months[12][3] = { { 'J', 'a', 'n' }, { 'F', 'e', 'b' },
	{ 'M', 'a', 'r' }, { 'A', 'p', 'r' }, { 'M', 'a', 'y' },
	{ 'J', 'u', 'n' }, { 'J', 'u', 'l' }, { 'A', 'u', 'g' },
	{ 'S', 'e', 'p' }, { 'O', 'c', 't' }, { 'N', 'o', 'v' },
	{ 'D', 'e', 'c' } };

static const char wdays[7][3] = { { 'S', 'u', 'n' }, { 'M', 'o', 'n' },
	{ 'T', 'u', 'e' }, { 'W', 'e', 'd' }, { 'T', 'h', 'u' },
	{ 'F', 'r', 'i' }, { 'S', 'a', 't' } };

/* ---- calendar --------------------------------------------------------- */

int64_t
ts_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
ts_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t z, era, doe, yoe, doy, mp, yy;

	/* Clamped so that the year fits an int; far outside any log. */
	if (days > TS_DAYS_MAX)
		days = TS_DAYS_MAX;
	if (days < -TS_DAYS_MAX)
		days = -TS_DAYS_MAX;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned
ts_days_in_month(int y, unsigned m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return mdays[m - 1] + (m == 2 && is_leap(y));
}

int
ts_month(const char *p, size_t len)
{
	if (len != 3)
		return 0;
	for (int i = 0; i < 12; i++) {
		if (p[0] == months[i][0] && p[1] == months[i][1] &&
		    p[2] == months[i][2])
			return i + 1;
	}
	return 0;
}

static int
wday_index(const char *p)
{
	for (int i = 0; i < 7; i++) {
		if (p[0] == wdays[i][0] && p[1] == wdays[i][1] &&
		    p[2] == wdays[i][2])
			return i;
	}
	return -1;
}

/* ---- text helpers ------------------------------------------------------ */

/* Exactly n (<= 9) decimal digits at p -> *out; -1 on any other byte. */
static int
dig(const char *p, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * Validated civil date and time -> seconds since the epoch in the same
 * frame (UTC or local). -1 on a field out of range.
 */
static int
civil_sec(int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
	if (mo < 1 || mo > 12 || d < 1 ||
	    (unsigned)d > ts_days_in_month(y, (unsigned)mo))
		return -1;
	if (h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0)
		return -1;
	*out = ts_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s;
	return 0;
}

/* "HH:MM:SS" at p (8 bytes) -> h, mi, s. */
static int
hms(const char *p, int *h, int *mi, int *s)
{
	if (p[2] != ':' || p[5] != ':')
		return -1;
	if (dig(p, 2, h) || dig(p + 3, 2, mi) || dig(p + 6, 2, s))
		return -1;
	return 0;
}

/*
 * Zone "+hhmm", "+hh:mm" or "Z" filling all of [p, p + len) -> seconds
 * east of UTC.
 */
static int
zone_off(const char *p, size_t len, int *off)
{
	int hh, mm, sign;

	if (len == 1 && (p[0] == 'Z' || p[0] == 'z')) {
		*off = 0;
		return 0;
	}
	if (len != 5 && len != 6)
		return -1;
	if (p[0] != '+' && p[0] != '-')
		return -1;
	sign = p[0] == '-' ? -1 : 1;
	if (dig(p + 1, 2, &hh))
		return -1;
	if (len == 6 && p[3] != ':')
		return -1;
	if (dig(p + len - 2, 2, &mm))
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

/* ---- the text formats -------------------------------------------------- */

int
ts_parse_clf(const char *p, size_t len, int64_t *ms)
{
	int d, y, h, mi, s, mo, off;
	int64_t sec;

	/* 22/Nov/2026:14:45:49 +0000 */
	if (len != 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' ||
	    p[20] != ' ')
		return -1;
	if (dig(p, 2, &d) || dig(p + 7, 4, &y) || hms(p + 12, &h, &mi, &s))
		return -1;
	if ((mo = ts_month(p + 3, 3)) == 0)
		return -1;
	if (zone_off(p + 21, 5, &off))
		return -1;
	if (civil_sec(y, mo, d, h, mi, s, &sec) ||
	    !ts_ms_in_range((sec - off) * 1000))
		return -1;
	*ms = (sec - off) * 1000;
	return 0;
}

/* ".ddd..." at [p, end): up to 3 digits count, the rest are read over. */
static const char *
frac_ms(const char *p, const char *end, int *ms)
{
	int v = 0, n = 0;

	if (p >= end || *p != '.')
		return p;
	p++;
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (n < 3) {
			v = v * 10 + (*p - '0');
			n++;
		}
	}
	for (; n < 3; n++)
		v *= 10;
	*ms = v;
	return p;
}

int
ts_parse_iso8601(const char *p, size_t len, int64_t *ms)
{
	const char *end = p + len, *q;
	int y, mo, d, h, mi, s, off, fr = 0;
	int64_t sec;

	/* 2026-11-22T14:45:49[.fff][ ](Z|+hh:mm|+hhmm) */
	if (len < 20 || p[4] != '-' || p[7] != '-' ||
	    (p[10] != 'T' && p[10] != 't' && p[10] != ' '))
		return -1;
	if (dig(p, 4, &y) || dig(p + 5, 2, &mo) || dig(p + 8, 2, &d) ||
	    hms(p + 11, &h, &mi, &s))
		return -1;
	if ((q = frac_ms(p + 19, end, &fr)) == NULL)
		return -1;
	if (q < end && *q == ' ')
		q++;
	if (q >= end || zone_off(q, (size_t)(end - q), &off))
		return -1;
	if (civil_sec(y, mo, d, h, mi, s, &sec) ||
	    !ts_ms_in_range((sec - off) * 1000 + fr))
		return -1;
	*ms = (sec - off) * 1000 + fr;
	return 0;
}

int
ts_parse_msec(const char *p, size_t len, int64_t *ms)
{
	const char *end = p + len, *q = p;
	int64_t sec = 0;
	int fr = 0, n = 0;

	/* At most 12 integer digits: year 33658, far from any overflow. */
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		if (++n > 12)
			return -1;
		sec = sec * 10 + (*q - '0');
	}
	if (n == 0)
		return -1;
	if ((q = frac_ms(q, end, &fr)) == NULL || q != end ||
	    !ts_ms_in_range(sec * 1000 + fr))
		return -1;
	*ms = sec * 1000 + fr;
	return 0;
}

int
ts_parse_ymd(const char *p, size_t len, int64_t *local_sec)
{
	int y, mo, d, h, mi, s;

	/* 2026/11/22 14:45:48 */
	if (len != 19 || p[4] != '/' || p[7] != '/' || p[10] != ' ')
		return -1;
	if (dig(p, 4, &y) || dig(p + 5, 2, &mo) || dig(p + 8, 2, &d) ||
	    hms(p + 11, &h, &mi, &s))
		return -1;
	return civil_sec(y, mo, d, h, mi, s, local_sec);
}

int
ts_parse_ctime(const char *p, size_t len, int64_t *local_sec)
{
	int y, mo, d, h, mi, s;

	/* Sun Nov 22 14:45:49 2026, or "Sun Nov  2 ..." */
	if (len != 24 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' ||
	    p[19] != ' ')
		return -1;
	if (wday_index(p) < 0 || (mo = ts_month(p + 4, 3)) == 0)
		return -1;
	if (p[8] == ' ') {
		if (dig(p + 9, 1, &d))
			return -1;
	} else if (dig(p + 8, 2, &d)) {
		return -1;
	}
	if (hms(p + 11, &h, &mi, &s) || dig(p + 20, 4, &y))
		return -1;
	return civil_sec(y, mo, d, h, mi, s, local_sec);
}

static char *
put_num(char *b, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		b[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return b + width;
}

size_t
ts_format_iso(int64_t ms, char *buf, size_t n)
{
	int64_t days, rem;
	int y;
	unsigned mo, d;
	char *b = buf;

	if (n > 0)
		buf[0] = '\0';
	if (n < TS_ISO_LEN + 1)
		return 0;
	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	ts_civil_from_days(days, &y, &mo, &d);
	if (y < 0 || y > 9999)
		return 0;
	b = put_num(b, (unsigned)y, 4);
	*b++ = '-';
	b = put_num(b, mo, 2);
	*b++ = '-';
	b = put_num(b, d, 2);
	*b++ = 'T';
	b = put_num(b, (unsigned)(rem / 3600000), 2);
	*b++ = ':';
	b = put_num(b, (unsigned)(rem / 60000 % 60), 2);
	*b++ = ':';
	b = put_num(b, (unsigned)(rem / 1000 % 60), 2);
	*b++ = '.';
	b = put_num(b, (unsigned)(rem % 1000), 3);
	*b++ = 'Z';
	*b = '\0';
	return (size_t)(b - buf);
}
